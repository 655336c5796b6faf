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
key(struct wbuf *w, const char *k)
{
	wbuf_putc(w, '"');
	wbuf_puts(w, k);
	wbuf_puts(w, "\":");
}

static void
num(struct wbuf *w, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%" PRId64, v);
	wbuf_puts(w, buf);
}

static void
str(struct wbuf *w, struct sv s)
{
	json_put_str(w, s.p, s.n);
}

static void
events(struct wbuf *w, const char *name, const char *what,
    const struct event *v, uint32_t n, const struct sv *words)
{
	uint32_t i;

	wbuf_putc(w, ',');
	key(w, name);
	wbuf_putc(w, '[');
	for (i = 0; i < n; i++) {
		wbuf_puts(w, i ? ",{" : "{");
		key(w, what);
		str(w, words[v[i].word]);
		wbuf_putc(w, ',');
		key(w, "ts");
		num(w, v[i].ts);
		wbuf_putc(w, '}');
	}
	wbuf_putc(w, ']');
}

static void
dump_vid(struct wbuf *w, const struct vidhist *h, const struct sv *words)
{
	char sid[16];
	uint32_t i;

	wbuf_putc(w, '{');
	key(w, "vid");
	str(w, h->vid);
	wbuf_putc(w, ',');
	key(w, "first_seen");
	num(w, h->first);
	wbuf_putc(w, ',');
	key(w, "last_seen");
	num(w, h->last);
	wbuf_putc(w, ',');
	key(w, "last_session");
	num(w, h->last_start);
	wbuf_putc(w, ',');
	key(w, "opt_out");
	wbuf_puts(w, h->opt_out ? "true" : "false");
	wbuf_putc(w, ',');
	key(w, "touchpoints");
	wbuf_putc(w, '[');
	for (i = 0; i < h->ntouch; i++) {
		const struct touch *t = &h->touch[i];

		wbuf_puts(w, i ? ",{" : "{");
		key(w, "sid");
		sid_format(t->sid, sid);
		json_put_str(w, sid, 16);
		wbuf_putc(w, ',');
		key(w, "start");
		num(w, t->start);
		wbuf_putc(w, ',');
		key(w, "channel");
		str(w, words[t->channel]);
		wbuf_putc(w, ',');
		key(w, "source");
		str(w, words[t->source]);
		wbuf_putc(w, ',');
		key(w, "medium");
		str(w, words[t->medium]);
		wbuf_putc(w, ',');
		key(w, "campaign");
		str(w, words[t->campaign]);
		wbuf_putc(w, '}');
	}
	wbuf_putc(w, ']');
	events(w, "viewed", "sku", h->viewed, h->nviewed, words);
	events(w, "carted", "sku", h->carted, h->ncarted, words);
	events(w, "stages", "stage", h->stages, h->nstages, words);
	wbuf_putc(w, ',');
	key(w, "purchases");
	wbuf_putc(w, '[');
	for (i = 0; i < h->nbuys; i++) {
		const struct buy *b = &h->buys[i];

		wbuf_puts(w, i ? ",{" : "{");
		key(w, "order_id");
		str(w, b->order_id);
		wbuf_putc(w, ',');
		key(w, "ts");
		num(w, b->ts);
		wbuf_putc(w, ',');
		key(w, "value");
		json_put_double(w, b->value);
		wbuf_putc(w, ',');
		key(w, "value_text");
		str(w, b->value_text);
		wbuf_putc(w, ',');
		key(w, "currency");
		str(w, words[b->currency]);
		wbuf_putc(w, '}');
	}
	wbuf_puts(w, "]}");
}

static void
dump_person(void *arg, const struct state *st, const struct person *p)
{
	struct wbuf *w = arg;
	uint32_t i;

	wbuf_puts(w, "{\"type\":\"person\",\"person\":");
	str(w, p->key);
	wbuf_puts(w, p->is_uid ? ",\"id_type\":\"uid\"" :
	    ",\"id_type\":\"vid\"");
	wbuf_puts(w, ",\"vids\":[");
	for (i = 0; i < p->nvids; i++) {
		if (i)
			wbuf_putc(w, ',');
		dump_vid(w, &p->vids[i], st->words);
	}
	wbuf_puts(w, "]}\n");
}

int
state_dump(const char *dir, struct wbuf *out)
{
	struct state st;
	uint64_t bytes = 0;
	int r;

	if ((r = state_open(&st, dir)) != 0)
		return r;
	if (st.empty) {
		warnx("%s: no state here (no MANIFEST)", dir);
		state_close(&st);
		return EX_NOINPUT;
	}
	wbuf_puts(out, "{\"type\":\"state\",\"generation\":");
	num(out, (int64_t)st.generation);
	wbuf_puts(out, ",\"now\":");
	num(out, st.now);
	wbuf_puts(out, ",\"window\":");
	num(out, st.keep.window);
	wbuf_puts(out, ",\"retention\":");
	num(out, st.keep.retention);
	wbuf_puts(out, ",\"persons\":");
	num(out, (int64_t)st.persons);
	wbuf_puts(out, ",\"shards\":");
	num(out, (int64_t)st.nshards);
	wbuf_puts(out, "}\n");
	r = walk(&st, dump_person, out, &bytes);
	state_close(&st);
	return r;
}
