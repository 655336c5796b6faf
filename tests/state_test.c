/*
 * state_test.c - unit tests of the visitor state: person records built
 * from sessions, merged, pruned, and through their MessagePack form and
 * back; the state directory's generations, deltas and checks.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inspect.h"
#include "person.h"
#include "prog.h"
#include "state.h"

#define DAY	86400000LL
#define T0	1717200000000LL		/* 2024-06-01T00:00:00Z */

static struct strtab *pool, *dict;
static struct keep keep30 = { 30 * DAY, 540 * DAY };

static void
setup(void)
{
	pool = strtab_new();
	dict = words_new(NULL, 0);
}

static void
teardown(void)
{
	strtab_free(pool);
	strtab_free(dict);
}

static struct sv
S(const char *s)
{
	struct sv v = { s, strlen(s) };

	return v;
}

/* A session of vid at start (ms) lasting 10 minutes, from channel/
 * source/medium/campaign, viewing and carting the skus given. */
static struct sess
session(const char *vid, int64_t start, const char *ch, const char *src,
    const char *med, const char *camp)
{
	struct sess s;

	memset(&s, 0, sizeof s);
	s.vid = S(vid);
	s.sid = sid_compute(vid, strlen(vid), start, 0);
	s.start = start;
	s.end = start + 600000;
	s.channel = S(ch);
	s.source = S(src);
	s.medium = S(med);
	s.campaign = S(camp);
	return s;
}

static struct sess_event ev[3];

static void
add(struct person *p, struct sess *s)
{
	struct vidhist *h = person_vid(p, s->vid, 1);

	vidhist_add_session(h, s, dict);
}

static struct sv
word(uint32_t w)
{
	struct sv s;

	s.p = strtab_str(dict, w, &s.n);
	return s;
}

static size_t
nwords(void)
{
	return strtab_count(dict);
}

/* Pack p and decode it into q; the record's bytes in *buf. */
static void
roundtrip(const struct person *p, struct person *q, struct wbuf *w)
{
	struct phead ph;

	wbuf_init(w, -1);
	person_pack(w, p, &keep30);
	cr_assert(person_head(w->buf, w->len, &ph) == 0);
	cr_assert_eq(ph.len, w->len, "z is the record's length");
	cr_assert(person_decode(q, w->buf, w->len, nwords()) == 0);
}

Test(person, roundtrip, .init = setup, .fini = teardown)
{
	struct person p, q;
	struct sess s1 = session("v1", T0, "Organic Search", "google.com",
	    "organic", "(not set)");
	struct sess s2 = session("v1", T0 + DAY + 1234, "Direct", "(direct)",
	    "(none)", "(not set)");
	struct sess s3 = session("v2", T0 + 2 * DAY, "Paid Search", "google",
	    "cpc", "brand");
	struct sess_buy b = { S("ORD-1"), S("12.50"), S("EUR"), 12.5,
	    T0 + 2 * DAY + 5000 };
	struct vidhist *h;
	struct wbuf w;
	uint32_t i;

	person_init(&p, S("u1"), 1);
	ev[0].name = S("SKU-1");
	ev[0].ts = T0 + 60000;
	ev[1].name = S("SKU-2");
	ev[1].ts = T0 + 120000;
	s1.viewed = ev;
	s1.nviewed = 2;
	s1.carted = ev + 1;
	s1.ncarted = 1;
	s1.stages = ev + 2;
	ev[2].name = S("view_item");
	ev[2].ts = T0 + 120000;
	s1.nstages = 1;
	add(&p, &s1);
	add(&p, &s2);
	s3.sid = 0x0123456789abcdefULL;		/* not the usual one: "sx" */
	add(&p, &s3);
	vidhist_add_buy(person_vid(&p, S("v2"), 0), &b, pool, dict);
	person_vid(&p, S("v2"), 0)->opt_out = 1;
	cr_assert(person_prune(&p, T0 + 3 * DAY, &keep30, dict) == 2);
	roundtrip(&p, &q, &w);
	cr_assert(q.is_uid && SV_EQ(q.key, S("u1")) && q.nvids == 2);
	h = &q.vids[0];
	cr_assert(SV_EQ(h->vid, S("v1")));
	cr_assert_eq(h->first, T0);
	cr_assert_eq(h->last, T0 + DAY + 1234 + 600000);
	cr_assert_eq(h->last_start, T0 + DAY + 1234);
	cr_assert_eq(h->ntouch, 2);
	cr_assert_eq(h->touch[1].start, T0 + DAY + 1234, "ms kept");
	cr_assert_eq(h->touch[0].sid, s1.sid);
	cr_assert(SV_EQ(word(h->touch[0].source), S("google.com")));
	cr_assert_eq(h->touch[1].source, WORD_NO_SOURCE);
	cr_assert_eq(h->nviewed, 2);
	cr_assert(SV_EQ(word(h->viewed[1].word), S("SKU-2")));
	cr_assert_eq(h->viewed[1].ts, T0 + 120000);
	cr_assert_eq(h->ncarted, 1);
	cr_assert_eq(h->nstages, 1);
	h = &q.vids[1];
	cr_assert(h->opt_out);
	cr_assert_eq(h->touch[0].sid, 0x0123456789abcdefULL);
	cr_assert(SV_EQ(word(h->touch[0].campaign), S("brand")));
	cr_assert_eq(h->nbuys, 1);
	cr_assert(SV_EQ(h->buys[0].order_id, S("ORD-1")));
	cr_assert(SV_EQ(h->buys[0].value_text, S("12.50")));
	cr_assert_eq(h->buys[0].value, 12.5);
	cr_assert_eq(h->buys[0].ts, b.ts);
	cr_assert(SV_EQ(word(h->buys[0].currency), S("EUR")));
	/* The same content packs to the same bytes. */
	{
		struct wbuf w2;

		wbuf_init(&w2, -1);
		cr_assert(person_prune(&q, T0 + 3 * DAY, &keep30, dict) == 2);
		person_pack(&w2, &q, &keep30);
		cr_assert(w2.len == w.len && memcmp(w2.buf, w.buf, w.len) == 0);
		free(w2.buf);
	}
	/* Purchases only (revisit-report): the rest passed over. */
	{
		struct person o;

		person_buys_only = 1;
		cr_assert(person_decode(&o, w.buf, w.len, nwords()) == 0);
		person_buys_only = 0;
		cr_assert_eq(o.nvids, 2);
		cr_assert_eq(o.vids[0].last, q.vids[0].last);
		cr_assert_eq(o.vids[0].first, T0);
		cr_assert_eq(o.vids[0].ntouch + o.vids[0].nviewed +
		    o.vids[0].ncarted + o.vids[0].nstages, 0);
		cr_assert_eq(o.vids[1].nbuys, 1);
		cr_assert(SV_EQ(o.vids[1].buys[0].order_id, S("ORD-1")));
		cr_assert_eq(o.vids[1].buys[0].ts, b.ts);
		cr_assert_eq(o.vids[1].buys[0].value, 12.5);
		cr_assert(o.vids[1].opt_out);
		person_free(&o);
	}
	for (i = 0; i < 2; i++)
		cr_assert(person_vid(&q, i ? S("v2") : S("v1"), 0) != NULL);
	person_free(&q);
	person_free(&p);
	free(w.buf);
}

Test(person, head_lists_vids_and_orders, .init = setup, .fini = teardown)
{
	struct person p;
	struct sess s = session("vb", T0, "Direct", "", "", "");
	struct sess_buy b = { S("O-9"), S(""), S("USD"), 3, T0 + 1000 };
	struct phead ph;
	struct plist l;
	struct sv v;
	struct wbuf w;

	person_init(&p, S("vb"), 0);
	add(&p, &s);
	s.vid = S("va");
	add(&p, &s);
	vidhist_add_buy(person_vid(&p, S("vb"), 0), &b, pool, dict);
	person_prune(&p, T0, &keep30, dict);
	wbuf_init(&w, -1);
	person_pack(&w, &p, &keep30);
	cr_assert(person_head(w.buf, w.len, &ph) == 0);
	cr_assert(!ph.is_uid && ph.nvids == 2 && ph.norders == 1);
	phead_vids(&ph, &l);
	cr_assert(plist_next(&l, &v) == 1 && SV_EQ(v, S("va")));
	cr_assert(plist_next(&l, &v) == 1 && SV_EQ(v, S("vb")));
	cr_assert(plist_next(&l, &v) == 0);
	phead_orders(&ph, &l);
	cr_assert(plist_next(&l, &v) == 1 && SV_EQ(v, S("O-9")));
	cr_assert_eq(ph.expiry / 1000, (T0 + 30 * DAY + 1) / 1000,
	    "the touch expires first");
	/* Damaged: cut short, or a byte changed in the head. */
	cr_assert(person_head(w.buf, w.len - 1, &ph) != 0 ||
	    person_decode(&p, w.buf, w.len - 1, nwords()) != 0);
	person_free(&p);
	free(w.buf);
}

Test(person, lookback_edges_and_retention, .init = setup, .fini = teardown)
{
	struct person p;
	struct sess a = session("v", T0, "Direct", "", "", "");
	struct sess b = session("v", T0 + 1, "Email", "news", "email", "");
	int64_t now = T0 + 30 * DAY + 1;	/* a is 1 ms too old */

	person_init(&p, S("v"), 0);
	add(&p, &a);
	add(&p, &b);
	cr_assert_eq(person_expiry(&p, &keep30), T0 + 30 * DAY + 1);
	cr_assert(person_prune(&p, now, &keep30, dict) == 1);
	cr_assert_eq(p.vids[0].ntouch, 1, "exactly 30 days before stays");
	cr_assert_eq(p.vids[0].touch[0].start, T0 + 1);
	cr_assert(person_prune(&p, T0 + 541 * DAY, &keep30, dict) == 0,
	    "not seen for longer than the retention: gone");
	person_free(&p);
}

Test(person, ten_latest_skus, .init = setup, .fini = teardown)
{
	struct person p;
	char names[14][16];
	struct sess_event e[14];
	struct sess s = session("v", T0, "Direct", "", "", "");
	int i;

	for (i = 0; i < 14; i++) {
		snprintf(names[i], sizeof names[i], "S%02d", i);
		e[i].name = S(names[i]);
		e[i].ts = T0 + (i < 2 ? 0 : i) * 1000;	/* S00, S01 tie */
	}
	s.viewed = e;
	s.nviewed = 14;
	person_init(&p, S("v"), 0);
	add(&p, &s);
	person_prune(&p, T0 + DAY, &keep30, dict);
	cr_assert_eq(p.vids[0].nviewed, PERSON_SKUS);
	cr_assert(SV_EQ(word(p.vids[0].viewed[0].word), S("S04")));
	cr_assert(SV_EQ(word(p.vids[0].viewed[9].word), S("S13")));
	person_free(&p);
}

Test(person, merge_is_idempotent, .init = setup, .fini = teardown)
{
	struct person p, q;
	struct sess s = session("v", T0, "Referral", "blog.example",
	    "referral", "");
	struct wbuf w1, w2;

	person_init(&p, S("v"), 0);
	person_init(&q, S("v"), 0);
	add(&p, &s);
	add(&q, &s);
	add(&q, &s);
	vidhist_merge(&q.vids[0], &p.vids[0]);
	person_prune(&p, T0, &keep30, dict);
	person_prune(&q, T0, &keep30, dict);
	wbuf_init(&w1, -1);
	wbuf_init(&w2, -1);
	person_pack(&w1, &p, &keep30);
	person_pack(&w2, &q, &keep30);
	cr_assert(w1.len == w2.len && memcmp(w1.buf, w2.buf, w1.len) == 0,
	    "a session seen twice is one touchpoint");
	person_free(&p);
	person_free(&q);
	free(w1.buf);
	free(w2.buf);
}

Test(person, words_start_with_the_fixed_ones)
{
	struct sv w[WORDS_FIXED];
	int i;

	for (i = 0; i < WORDS_FIXED; i++)
		w[i] = S(words_fixed[i]);
	cr_assert(words_valid(w, WORDS_FIXED));
	w[WORD_NO_MEDIUM] = S("(nothing)");
	cr_assert(!words_valid(w, WORDS_FIXED));
	cr_assert(!words_valid(w, 3));
	cr_assert_str_eq(words_fixed[WORD_NO_SOURCE], "(direct)");
	cr_assert_str_eq(words_fixed[WORD_NO_CAMPAIGN], "(not set)");
}

/* ---- the directory ---- */

static char dir[64];

static void
dsetup(void)
{
	setup();
	prog_init("test-state");
	strcpy(dir, "/tmp/revisit-state-test.XXXXXX");
	cr_assert(mkdtemp(dir) != NULL);
}

static void
dteardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	cr_assert(system(cmd) == 0);
	teardown();
}

static const char *const skus[] = { "SKU-1", "SKU-2", "SKU-3", "SKU-4",
	"SKU-5", "SKU-6", "SKU-7" };

/* Write persons named keys[] (vids) as the next generation, each with
 * a few skus viewed, the last its key. */
static void
write_gen(const char **keys, size_t n, const char **gone, size_t ngone,
    int base, uint64_t persons)
{
	struct state old;
	struct state_writer sw;
	size_t i, j;

	cr_assert(state_open(&old, dir) == 0);
	strtab_free(dict);
	dict = words_new(old.words, old.nwords);
	cr_assert(state_writer_open(&sw, &old, dict, base, 1) == 0);
	for (i = 0, j = 0; i < n || j < ngone;) {
		int c = i == n ? 1 : j == ngone ? -1 : strcmp(keys[i], gone[j]);

		if (c < 0) {
			struct person p;
			struct sess s = session(keys[i], T0 + (int64_t)i,
			    "Direct", "", "", "");
			struct sess_event viewed[8];
			size_t k, nv = 1 + i % 8;	/* persons of many sizes */

			for (k = 0; k < nv; k++) {
				viewed[k].name = k + 1 < nv ? S(skus[k]) :
				    S(keys[i]);
				viewed[k].ts = T0 + (int64_t)i + 1000 *
				    (int64_t)(k + 1);
			}
			s.viewed = viewed;
			s.nviewed = nv;
			person_init(&p, S(keys[i]), 0);
			add(&p, &s);
			person_prune(&p, T0, &keep30, dict);
			state_writer_person(&sw, &p, &keep30);
			person_free(&p);
			i++;
		} else {
			state_writer_delete(&sw, S(gone[j]), 0);
			j++;
		}
	}
	cr_assert(state_writer_close(&sw, 1, T0, &keep30, persons) == 0);
	state_close(&old);
}

static void
current(char *out, size_t cap)
{
	struct state st;
	struct state_iter it;
	struct state_head h;

	out[0] = '\0';
	cr_assert(state_open(&st, dir) == 0);
	cr_assert(state_iter_init(&it, &st) == 0);
	while (state_iter_next(&it, &h) > 0) {
		strncat(out, h.ph.key.p, h.ph.key.n);
		strncat(out, " ", cap - strlen(out) - 1);
	}
	cr_assert(it.status == 0);
	state_iter_free(&it);
	state_close(&st);
}

Test(statedir, generations_and_deltas, .init = dsetup, .fini = dteardown)
{
	const char *g1[] = { "a", "c", "e" }, *g2[] = { "b", "c" },
	    *gone2[] = { "e" };
	char got[256];
	struct state st;

	cr_assert(state_open(&st, dir) == 0 && st.empty, "no MANIFEST: empty");
	state_close(&st);
	write_gen(g1, 3, NULL, 0, 1, 3);
	current(got, sizeof got);
	cr_assert_str_eq(got, "a c e ");
	write_gen(g2, 2, gone2, 1, 0, 3);
	cr_assert(state_open(&st, dir) == 0);
	cr_assert_eq(st.nlevels, 2);
	cr_assert_eq(st.generation, 2);
	state_close(&st);
	current(got, sizeof got);
	cr_assert_str_eq(got, "a b c ", "b added, c replaced, e deleted");
	cr_assert_eq(state_check(dir, 1), 0);
}

static void
damage(const char *prefix, long where, int truncate_it)
{
	char cmd[256];
	FILE *fp;
	char name[128] = "";

	snprintf(cmd, sizeof cmd, "ls %s | grep '^%s' | head -1", dir, prefix);
	fp = popen(cmd, "r");
	cr_assert(fp && fgets(name, sizeof name, fp));
	pclose(fp);
	name[strcspn(name, "\n")] = '\0';
	snprintf(cmd, sizeof cmd, "%s/%s", dir, name);
	if (truncate_it) {
		struct stat sb;

		cr_assert(stat(cmd, &sb) == 0);
		cr_assert(truncate(cmd, sb.st_size - 3) == 0);
	} else {
		fp = fopen(cmd, "r+b");
		cr_assert(fp);
		fseek(fp, where, SEEK_SET);
		fputc(fgetc(fp) ^ 0x5a, fp);
		fclose(fp);
	}
}

Test(statedir, check_finds_a_truncated_file, .init = dsetup,
    .fini = dteardown)
{
	const char *g1[] = { "a", "b", "c" };

	write_gen(g1, 3, NULL, 0, 1, 3);
	damage("persons-", 0, 1);
	cr_assert_eq(state_check(dir, 1), EX_DATAERR);
}

Test(statedir, check_finds_a_changed_byte, .init = dsetup,
    .fini = dteardown)
{
	const char *g1[] = { "a", "b", "c" };

	write_gen(g1, 3, NULL, 0, 1, 3);
	damage("persons-", 20, 0);
	cr_assert_eq(state_check(dir, 1), EX_DATAERR);
}

Test(statedir, check_finds_a_damaged_manifest, .init = dsetup,
    .fini = dteardown)
{
	const char *g1[] = { "a" };

	write_gen(g1, 1, NULL, 0, 1, 1);
	damage("MANIFEST", 30, 0);
	cr_assert_eq(state_check(dir, 1), EX_DATAERR);
}

Test(statedir, a_wrong_person_count_is_found, .init = dsetup,
    .fini = dteardown)
{
	const char *g1[] = { "a", "b" };

	write_gen(g1, 2, NULL, 0, 1, 3);
	cr_assert_eq(state_check(dir, 1), EX_DATAERR);
}

/* ---- every person, read ahead by a thread ---- */

struct seen {
	const struct sv	*words;		/* the state's */
	char		*keys;		/* "k k k ", as current() has them */
	size_t		 len, cap, n;
	pthread_t	 caller;
	int		 other_thread;
};

/* A person as write_gen made it: one vid, its key, one session at
 * first, skus viewed a second apart after it, the last its key. */
static int
sv_eq(struct sv a, struct sv b)
{
	return a.n == b.n && memcmp(a.p, b.p, a.n) == 0;
}

static void
whole(const struct person *p, const struct sv *words)
{
	const struct vidhist *h;
	const struct sv *w;
	uint32_t k;

	cr_assert_eq(p->nvids, 1, "%.*s: %u vids", (int)p->key.n, p->key.p,
	    p->nvids);
	h = &p->vids[0];
	cr_assert(sv_eq(h->vid, p->key), "%.*s: another vid", (int)p->key.n,
	    p->key.p);
	cr_assert_eq(h->ntouch, 1);
	cr_assert_not_null(h->touch);
	cr_assert_eq(h->touch[0].start, h->first);
	cr_assert(h->nviewed >= 1 && h->nviewed <= 8, "%.*s: %u skus",
	    (int)p->key.n, p->key.p, h->nviewed);
	cr_assert_not_null(h->viewed);
	for (k = 0; k < h->nviewed; k++)
		cr_assert_eq(h->viewed[k].ts, h->first + 1000 * (int64_t)(k + 1),
		    "%.*s: sku %u's time", (int)p->key.n, p->key.p, k);
	w = &words[h->viewed[h->nviewed - 1].word];
	cr_assert(sv_eq(*w, p->key), "%.*s: sku %.*s", (int)p->key.n,
	    p->key.p, (int)w->n, w->p);
}

static void
see(void *arg, const struct person *p)
{
	struct seen *s = arg;

	whole(p, s->words);

	if (s->len + p->key.n + 2 > s->cap) {
		s->cap = 2 * (s->len + p->key.n + 2);
		s->keys = realloc(s->keys, s->cap);
		cr_assert_not_null(s->keys);
	}
	memcpy(s->keys + s->len, p->key.p, p->key.n);
	s->len += p->key.n;
	s->keys[s->len++] = ' ';
	s->keys[s->len] = '\0';
	s->n++;
	s->other_thread |= !pthread_equal(pthread_self(), s->caller);
}

static void
each_vs_iter(size_t want)
{
	struct seen s = { .caller = pthread_self() };
	struct state st;
	char *iter = malloc(16 * want + 1);

	cr_assert_not_null(iter);
	current(iter, 16 * want + 1);
	cr_assert(state_open(&st, dir) == 0);
	s.words = st.words;
	cr_assert_eq(state_each(&st, 0, see, &s), 0);
	state_close(&st);
	cr_assert_eq(s.n, want);
	cr_assert_str_eq(s.keys, iter, "the iterator's persons, in its order");
	cr_assert_not(s.other_thread, "the callback runs in the caller's");
	free(s.keys);
	free(iter);
}

/* Enough persons for the reading thread (several batches, the last one
 * short) over a base and a delta, and too few for it: the same as the
 * iterator gives. */
Test(statedir, each_person_in_key_order_with_or_without_a_thread,
    .init = dsetup, .fini = dteardown)
{
	enum { N = 3001 };
	static char names[N][8];
	static const char *g1[N], *g2[N / 3], *gone[N / 7];
	size_t i, n2 = 0, ngone = 0;

	for (i = 0; i < N; i++) {
		snprintf(names[i], sizeof names[i], "p%05zu", i);
		g1[i] = names[i];
		if (i % 3 == 0 && n2 < N / 3)
			g2[n2++] = names[i];
		else if (i % 7 == 1 && ngone < N / 7)
			gone[ngone++] = names[i];
	}
	write_gen(g1, 5, NULL, 0, 1, 5);
	each_vs_iter(5);
	write_gen(g1, N, NULL, 0, 1, N);
	write_gen(g2, n2, gone, ngone, 0, N - ngone);
	each_vs_iter(N - ngone);
}

/* state_heads: with its thread (a large state) and without, the heads
 * the iterator gives, in its order. */
static void
heads_vs_iter(size_t want)
{
	struct state st;
	struct state_heads H;
	struct state_iter it;
	struct state_head h;
	size_t i = 0;

	cr_assert(state_open(&st, dir) == 0);
	state_heads_start(&H, &st);
	cr_assert_eq(state_heads_wait(&H), 0);
	cr_assert_eq(H.n, want);
	cr_assert(state_iter_init(&it, &st) == 0);
	while (state_iter_next(&it, &h) > 0) {
		cr_assert(i < H.n);
		cr_assert_eq(H.v[i].file, h.file);
		cr_assert_eq(H.v[i].off, h.off);
		cr_assert_eq(H.v[i].len, h.len);
		cr_assert_eq(H.v[i].ph.key.n, h.ph.key.n);
		cr_assert_eq(memcmp(H.v[i].ph.key.p, h.ph.key.p, h.ph.key.n), 0);
		i++;
	}
	cr_assert_eq(i, want);
	state_iter_free(&it);
	state_heads_free(&H);
	state_close(&st);
}

Test(statedir, heads_read_ahead_are_the_iterators, .init = dsetup,
    .fini = dteardown)
{
	enum { N = 5001 };
	static char names[N][8];
	static const char *g1[N], *g2[N / 2];
	size_t i, n2 = 0;

	for (i = 0; i < N; i++) {
		snprintf(names[i], sizeof names[i], "h%05zu", i);
		g1[i] = names[i];
		if (i % 2)
			g2[n2++] = names[i];
	}
	write_gen(g1, 7, NULL, 0, 1, 7);
	heads_vs_iter(7);
	write_gen(g1, N, NULL, 0, 1, N);
	write_gen(g2, n2, NULL, 0, 0, N);
	heads_vs_iter(N);
}
