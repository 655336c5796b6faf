/*
 * inspect.c - checking and dumping a state directory.
 */
#include "inspect.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "person.h"
#include "prog.h"
#include "state.h"

/* The current persons in key order, each to fn (if any). 0 or an exit
 * status; a count that differs from the manifest's is an error. */
static int
walk(struct state *st, void (*fn)(void *, const struct state *,
    const struct person *), void *arg, uint64_t *bytes)
{
	struct state_iter it;
	struct state_head h;
	struct person p;
	uint64_t n = 0;
	int r;

	memset(&p, 0, sizeof p);
	if (state_iter_init(&it, st) != 0)
		return it.status;
	while ((r = state_iter_next(&it, &h)) > 0) {
		const struct sfile *f = &st->files[h.file];

		n++;
		*bytes += h.len;
		if (fn == NULL)
			continue;
		if (person_decode(&p, f->map + h.off, h.len, st->nwords) != 0) {
			warnx("%s/%s: record %" PRIu64 " (byte %zu): a damaged "
			    "person record", st->dir, f->file, h.nrec, h.off);
			it.status = EX_DATAERR;
			r = -1;
			break;
		}
		fn(arg, st, &p);
		person_free(&p);
	}
	person_free(&p);
	state_iter_free(&it);
	if (r < 0)
		return it.status;
	if (n != st->persons) {
		warnx("%s: %" PRIu64 " persons, the manifest says %" PRIu64,
		    st->dir, n, st->persons);
		return EX_DATAERR;
	}
	return 0;
}

/* Every record of a file decoded whole, in its shard and in order. */
static int
check_file(const struct state *st, const struct sfile *f, uint64_t *bytes)
{
	struct person p, prev;
	size_t off = 0;
	uint64_t nrec = 0;
	const char *what = NULL;

	memset(&prev, 0, sizeof prev);
	while (off < f->len && what == NULL) {
		struct phead ph;

		nrec++;
		if (person_head(f->map + off, f->len - off, &ph) != 0 ||
		    person_decode(&p, f->map + off, ph.len, st->nwords) != 0) {
			what = "a damaged person record";
			break;
		}
		if (p.nvids == 0 && f->level == 0)
			what = "a deletion in a base file";
		else if (state_shard_of(p.key, st->nshards) != f->shard)
			what = "a person of another shard";
		else if (nrec > 1 && person_key_cmp(prev.key, prev.is_uid,
		    p.key, p.is_uid) >= 0)
			what = "out of order";
		prev.key = p.key;
		prev.is_uid = p.is_uid;
		person_free(&p);
		if (what == NULL) {
			*bytes += ph.len;
			off += ph.len;
		}
	}
	if (what) {
		warnx("%s/%s: record %" PRIu64 " (byte %zu): %s", st->dir,
		    f->file, nrec, off, what);
		return EX_DATAERR;
	}
	if (nrec != f->records) {
		warnx("%s/%s: %" PRIu64 " records, the manifest says %" PRIu64,
		    st->dir, f->file, nrec, f->records);
		return EX_DATAERR;
	}
	return 0;
}

static double
per(uint64_t bytes, uint64_t persons)
{
	return persons ? (double)bytes / (double)persons : 0.0;
}

int
state_check(const char *dir, int quiet)
{
	struct state st;
	uint64_t bytes = 0, current = 0;
	size_t i;
	int r;

	if ((r = state_open(&st, dir)) != 0)
		return r;
	if (st.empty) {
		warnx("%s: no state here (no MANIFEST)", dir);
		state_close(&st);
		return EX_NOINPUT;
	}
	for (i = 0; r == 0 && i < st.nfiles; i++)
		r = check_file(&st, &st.files[i], &bytes);
	if (r == 0)
		r = walk(&st, NULL, NULL, &current);
	if (r == 0 && !quiet)
		fprintf(stderr, "%s: %s: ok: generation %" PRIu64 ", %" PRIu64
		    " persons, %zu file%s in %d level%s; %.0f bytes per person "
		    "(%" PRIu64 " of person records, %zu of dictionary: %zu "
		    "words), %" PRIu64 " bytes on disk\n", prog_name, dir,
		    st.generation, st.persons, st.nfiles, st.nfiles == 1 ? "" :
		    "s", st.nlevels, st.nlevels == 1 ? "" : "s",
		    per(current + st.words_file.len, st.persons), current,
		    st.words_file.len, st.nwords, bytes + st.words_file.len);
	state_close(&st);
	return r;
}

static void
word(struct jw *j, const char *key, const struct sv *words, uint32_t w)
{
	jw_str(j, key, words[w].p, words[w].n);
}

static void
events(struct jw *j, const char *name, const char *what,
    const struct event *v, uint32_t n, const struct sv *words)
{
	uint32_t i;

	jw_open(j, name, '[');
	for (i = 0; i < n; i++) {
		jw_open(j, NULL, '{');
		word(j, what, words, v[i].word);
		jw_int(j, "ts", v[i].ts);
		jw_close(j, '}');
	}
	jw_close(j, ']');
}

static void
dump_vid(struct jw *j, const struct vidhist *h, const struct sv *words)
{
	char sid[16];
	uint32_t i;

	jw_open(j, NULL, '{');
	jw_str(j, "vid", h->vid.p, h->vid.n);
	jw_int(j, "first_seen", h->first);
	jw_int(j, "last_seen", h->last);
	jw_int(j, "last_session", h->last_start);
	jw_bool(j, "opt_out", h->opt_out);
	jw_open(j, "touchpoints", '[');
	for (i = 0; i < h->ntouch; i++) {
		const struct touch *t = &h->touch[i];

		jw_open(j, NULL, '{');
		sid_format(t->sid, sid);
		jw_str(j, "sid", sid, 16);
		jw_int(j, "start", t->start);
		word(j, "channel", words, t->channel);
		word(j, "source", words, t->source);
		word(j, "medium", words, t->medium);
		word(j, "campaign", words, t->campaign);
		jw_close(j, '}');
	}
	jw_close(j, ']');
	events(j, "viewed", "sku", h->viewed, h->nviewed, words);
	events(j, "carted", "sku", h->carted, h->ncarted, words);
	events(j, "stages", "stage", h->stages, h->nstages, words);
	jw_open(j, "purchases", '[');
	for (i = 0; i < h->nbuys; i++) {
		const struct buy *b = &h->buys[i];

		jw_open(j, NULL, '{');
		jw_str(j, "order_id", b->order_id.p, b->order_id.n);
		jw_int(j, "ts", b->ts);
		jw_double(j, "value", b->value);
		jw_str(j, "value_text", b->value_text.p, b->value_text.n);
		word(j, "currency", words, b->currency);
		jw_close(j, '}');
	}
	jw_close(j, ']');
	jw_close(j, '}');
}

static void
dump_person(void *arg, const struct state *st, const struct person *p)
{
	struct jw j;
	uint32_t i;

	jw_init(&j, arg);
	jw_open(&j, NULL, '{');
	jw_str(&j, "type", "person", 6);
	jw_str(&j, "person", p->key.p, p->key.n);
	jw_str(&j, "id_type", p->is_uid ? "uid" : "vid", 3);
	jw_open(&j, "vids", '[');
	for (i = 0; i < p->nvids; i++)
		dump_vid(&j, &p->vids[i], st->words);
	jw_close(&j, ']');
	jw_close(&j, '}');
	wbuf_putc(arg, '\n');
}

int
state_dump(const char *dir, struct wbuf *out)
{
	struct state st;
	struct jw j;
	uint64_t bytes = 0;
	int r;

	if ((r = state_open(&st, dir)) != 0)
		return r;
	if (st.empty) {
		warnx("%s: no state here (no MANIFEST)", dir);
		state_close(&st);
		return EX_NOINPUT;
	}
	jw_init(&j, out);
	jw_open(&j, NULL, '{');
	jw_str(&j, "type", "state", 5);
	jw_int(&j, "generation", (int64_t)st.generation);
	jw_int(&j, "now", st.now);
	jw_int(&j, "window", st.keep.window);
	jw_int(&j, "retention", st.keep.retention);
	jw_int(&j, "persons", (int64_t)st.persons);
	jw_int(&j, "shards", (int64_t)st.nshards);
	jw_int(&j, "levels", st.nlevels);
	jw_close(&j, '}');
	wbuf_putc(out, '\n');
	r = walk(&st, dump_person, out, &bytes);
	state_close(&st);
	return r;
}
