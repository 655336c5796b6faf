/*
 * shard_test.c - unit tests of revisit-shard: which shard each vid's
 * hits go to (tonight's links, the state's, ties), the night's end, and
 * a device moved between the shards' states when it logs in; words
 * translated between dictionaries.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hit.h"
#include "mpc.h"
#include "person.h"
#include "prog.h"
#include "shard.h"
#include "state.h"
#include "wbuf.h"

static char dir[64];

static void
setup(void)
{
	prog_init("test-shard");
	strcpy(dir, "/tmp/revisit-shard-test.XXXXXX");
	cr_assert(mkdtemp(dir) != NULL);
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	cr_assert(system(cmd) == 0);
}

static struct sv
S(const char *s)
{
	struct sv v = { s, strlen(s) };

	return v;
}

static void
put_hit(struct wbuf *w, int64_t ts, const char *vid, const char *uid,
    int status, enum hit_kind kind)
{
	struct hit h;

	memset(&h, 0, sizeof h);
	h.ts = ts;
	h.vid = (struct span){ vid, strlen(vid) };
	if (uid)
		h.uid = (struct span){ uid, strlen(uid) };
	h.method = (struct span){ "GET", 3 };
	h.path = (struct span){ "/", 1 };
	h.query = (struct span){ "", 0 };
	h.status = status;
	h.ua = (struct span){ "UA", 2 };
	h.kind = kind;
	hit_pack(w, &h);
}

/* The vids of shard k's file, one "vid\n" per hit. */
static char *
vids_of(size_t k)
{
	char path[128], *out = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&out, &n);
	struct mpr r;
	const char *rec;
	size_t len;
	int fd;

	snprintf(path, sizeof path, "%s/out/hits-%zu.mp", dir, k);
	cr_assert((fd = open(path, O_RDONLY)) >= 0, "%s", path);
	mpr_init(&r, fd, path);
	while (mpr_next(&r, &rec, &len) > 0) {
		struct hit h;

		cr_assert(hit_decode(rec, len, &h) == 0);
		fprintf(fp, "%.*s\n", (int)h.vid.len, h.vid.p);
	}
	mpr_free(&r);
	close(fd);
	fclose(fp);
	return out;
}

static size_t
shard_of(const char *key, size_t n)
{
	return state_shard_of(S(key), n);
}

/* Whether vid's hits are all in shard k (and none elsewhere). */
static int
in_shard(const char *vid, size_t k, size_t n)
{
	size_t i;
	char line[64];

	snprintf(line, sizeof line, "%s\n", vid);
	for (i = 0; i < n; i++) {
		char *v = vids_of(i);
		int has = strstr(v, line) != NULL;

		free(v);
		if (has != (i == k))
			return 0;
	}
	return 1;
}

static void
write_hits(const char *name, void (*fill)(struct wbuf *))
{
	char path[128];
	struct wbuf w;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	cr_assert(wbuf_open_atomic(&w, path) == 0);
	fill(&w);
	cr_assert(wbuf_close(&w, 1) == 0);
}

static void
night1(struct wbuf *w)
{
	put_hit(w, 1000, "b", "u1", 200, HIT_PAGE);
	put_hit(w, 1500, "a", NULL, 200, HIT_PAGE);
	put_hit(w, 2000, "b", "u2", 302, HIT_PAGE);	/* latest: u2 */
	put_hit(w, 3000, "b", "u9", 200, HIT_ASSET);	/* not a session's */
	put_hit(w, 3100, "d", "u9", 404, HIT_PAGE);	/* nor this */
	put_hit(w, 2500, "c", "x1", 200, HIT_PAGE);
	put_hit(w, 2500, "c", "x2", 200, HIT_PAGE);	/* a tie: the greater */
	put_hit(w, 2600, "c", "x1", 200, HIT_BOT);
}

Test(shard, each_vid_goes_to_its_persons_shard, .init = setup,
    .fini = teardown)
{
	struct shard_opts o = { .n = 8, .quiet = 1 };
	char path[128], out[96], line[32];
	char *argv[1];
	FILE *fp;

	write_hits("h.mp", night1);
	snprintf(path, sizeof path, "%s/h.mp", dir);
	snprintf(out, sizeof out, "%s/out", dir);
	o.out = out;
	argv[0] = path;
	cr_assert_eq(shard_run(argv, 1, &o), 0);
	cr_assert(in_shard("a", shard_of("a", 8), 8));
	cr_assert(in_shard("b", shard_of("u2", 8), 8));
	cr_assert(in_shard("c", shard_of("x2", 8), 8));
	cr_assert(in_shard("d", shard_of("d", 8), 8));
	/* The night's end: the latest hit that makes sessions. */
	snprintf(path, sizeof path, "%s/out/now", dir);
	cr_assert((fp = fopen(path, "r")) != NULL);
	cr_assert(fgets(line, sizeof line, fp) != NULL);
	fclose(fp);
	cr_assert_str_eq(line, "2500\n");
}

/* A state of persons (vid persons, or uid ones with vids) at dir. */
static void
write_state(const char *sdir, const char *key, int is_uid,
    const char *const *vids, size_t nv, const char *sku)
{
	struct state old;
	struct state_writer sw;
	struct strtab *dict = words_new(NULL, 0);
	struct keep keep = { 30 * 86400000LL, 540 * 86400000LL };
	struct person p;
	size_t i;

	{
		char cmd[256];

		snprintf(cmd, sizeof cmd, "mkdir -p %s", sdir);
		cr_assert(system(cmd) == 0);
	}
	cr_assert(state_open(&old, sdir) == 0);
	person_init(&p, S(key), is_uid);
	for (i = 0; i < nv; i++) {
		struct vidhist *h = person_vid(&p, S(vids[i]), 1);

		h->first = h->last = h->last_start = 500;
		h->viewed = calloc(1, sizeof *h->viewed);
		h->viewed[0].ts = 400;
		h->viewed[0].word = strtab_intern(dict, sku, strlen(sku), NULL);
		h->nviewed = 1;
		h->cap[1] = 1;
	}
	cr_assert(state_writer_open(&sw, &old, dict, 1, 1) == 0);
	state_writer_person(&sw, &p, &keep);
	cr_assert(state_writer_close(&sw, 1, 600, &keep, 1) == 0);
	person_free(&p);
	state_close(&old);
	strtab_free(dict);
}

static const char *moving_vid, *moving_uid;
static char vbuf[16], ubuf[16];

static void
login(struct wbuf *w)
{
	put_hit(w, 2000, moving_vid, moving_uid, 200, HIT_PAGE);
}

/* Each person's (key) content, "vid sku" per device, from the state. */
static void
collect(void *arg, const struct person *p)
{
	FILE *fp = arg;
	uint32_t i;

	fprintf(fp, "%.*s:", (int)p->key.n, p->key.p);
	for (i = 0; i < p->nvids; i++)
		fprintf(fp, " %.*s/%u", (int)p->vids[i].vid.n,
		    p->vids[i].vid.p, p->vids[i].nviewed);
	fputc('\n', fp);
}

static char *
persons_of(const char *sdir, struct state *st)
{
	char *out = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&out, &n);

	cr_assert(state_open(st, sdir) == 0);
	cr_assert(state_each(st, 0, collect, fp) == 0);
	fclose(fp);
	return out;
}

Test(shard, a_device_that_logs_in_moves_to_its_uids_shard, .init = setup,
    .fini = teardown)
{
	struct shard_opts o = { .n = 2, .quiet = 1 };
	char path[128], out[96], root[96], s0[128], s1[128];
	const char *other[] = { "w" };
	struct state st;
	char *argv[1], *a, *b;
	size_t from, to;
	int i;

	/* A vid and a uid in different shards of two. */
	for (i = 0; ; i++) {
		snprintf(vbuf, sizeof vbuf, "v%d", i);
		snprintf(ubuf, sizeof ubuf, "u%d", i);
		if (shard_of(vbuf, 2) != shard_of(ubuf, 2))
			break;
	}
	moving_vid = vbuf;
	moving_uid = ubuf;
	from = shard_of(vbuf, 2);
	to = 1 - from;
	snprintf(root, sizeof root, "%s/state", dir);
	snprintf(s0, sizeof s0, "%s/shard-%zu", root, from);
	snprintf(s1, sizeof s1, "%s/shard-%zu", root, to);
	/* The vid, a person of its own; the uid with another device.
	 * Both skus are word 14 of their shard's dictionary. */
	write_state(s0, vbuf, 0, &moving_vid, 1, "sku-A");
	write_state(s1, ubuf, 1, other, 1, "sku-B");
	write_hits("h.mp", login);
	snprintf(path, sizeof path, "%s/h.mp", dir);
	snprintf(out, sizeof out, "%s/out", dir);
	o.out = out;
	o.state = root;
	argv[0] = path;
	cr_assert_eq(shard_run(argv, 1, &o), 0);
	cr_assert(in_shard(vbuf, to, 2));
	a = persons_of(s0, &st);
	cr_assert_str_eq(a, "", "the old shard keeps %s", a);
	state_close(&st);
	b = persons_of(s1, &st);
	{
		char want[64];

		snprintf(want, sizeof want, "%s: %s/1 w/1\n", ubuf, vbuf);
		cr_assert_str_eq(b, want);
	}
	/* The moved device's sku, by its word in the new dictionary. */
	{
		struct person p;
		struct state_iter it;
		struct state_head h;
		size_t k;

		cr_assert(state_iter_init(&it, &st) == 0);
		cr_assert(state_iter_next(&it, &h) > 0);
		cr_assert(person_decode(&p, st.files[h.file].map + h.off,
		    h.len, st.nwords) == 0);
		for (k = 0; k < p.nvids; k++) {
			uint32_t w = p.vids[k].viewed[0].word;
			const char *want = p.vids[k].vid.n == 1 ? "sku-B" :
			    "sku-A";	/* "w", or the vid that moved */

			cr_assert(st.words[w].n == 5 &&
			    memcmp(st.words[w].p, want, 5) == 0);
		}
		person_free(&p);
		state_iter_free(&it);
	}
	state_close(&st);
	free(a);
	free(b);
}

Test(shard, a_state_sharded_otherwise_is_refused, .init = setup,
    .fini = teardown)
{
	struct shard_opts o = { .n = 2, .quiet = 1 };
	char path[128], out[96], root[96], s2[128];
	const char *v[] = { "x" };
	char *argv[1];

	snprintf(root, sizeof root, "%s/state", dir);
	snprintf(s2, sizeof s2, "%s/shard-2", root);
	write_state(s2, "x", 0, v, 1, "s");
	write_hits("h.mp", night1);
	snprintf(path, sizeof path, "%s/h.mp", dir);
	snprintf(out, sizeof out, "%s/out", dir);
	o.out = out;
	o.state = root;
	argv[0] = path;
	cr_assert_eq(shard_run(argv, 1, &o), EX_USAGE);
}

Test(shard, vidhist_rewords_translates_every_word)
{
	struct sv from[WORDS_FIXED + 3];
	struct strtab *to = words_new(NULL, 0);
	struct vidhist h;
	struct touch t = { 5, 7, 2, WORDS_FIXED, WORDS_FIXED + 1, 0 };
	struct event e = { 9, WORDS_FIXED + 2 };
	struct buy b;
	size_t i, n;
	const char *s;

	for (i = 0; i < WORDS_FIXED; i++)
		from[i] = S(words_fixed[i]);
	from[WORDS_FIXED] = S("google");
	from[WORDS_FIXED + 1] = S("cpc");
	from[WORDS_FIXED + 2] = S("EUR");
	strtab_intern(to, "other", 5, NULL);
	memset(&h, 0, sizeof h);
	memset(&b, 0, sizeof b);
	b.currency = WORDS_FIXED + 2;
	h.touch = &t;
	h.ntouch = 1;
	h.viewed = &e;
	h.nviewed = 1;
	h.buys = &b;
	h.nbuys = 1;
	vidhist_rewords(&h, from, to);
	cr_assert_eq(t.channel, 2);	/* a fixed word stays */
	s = strtab_str(to, t.source, &n);
	cr_assert(n == 6 && memcmp(s, "google", 6) == 0);
	s = strtab_str(to, t.medium, &n);
	cr_assert(n == 3 && memcmp(s, "cpc", 3) == 0);
	s = strtab_str(to, e.word, &n);
	cr_assert(n == 3 && memcmp(s, "EUR", 3) == 0);
	cr_assert_eq(b.currency, e.word);
	strtab_free(to);
}

/* The batched night (prefetching each batch's slots) is the night one
 * hit at a time gives: the same vids in the same order, the same links
 * and end, over batches cut short by long vids and a partial last one. */
Test(shard, a_batched_night_is_the_night_hit_by_hit)
{
	struct night one = { 0 }, bat = { 0 };
	struct night_batch b;
	char vid[600], uid[32];
	size_t i, n, k;

	prog_init("test-shard");
	one.vids = strtab_new();
	one.uids = strtab_new();
	bat.vids = strtab_new();
	bat.uids = strtab_new();
	night_batch_init(&b, &bat);
	for (i = 0; i < 5000; i++) {
		struct hit h;
		int64_t ts = 1717200000000 + (int64_t)(i * 7919 % 5000) * 1000;
		int page = i % 5 != 0, linked = i % 3 == 0;

		/* Every 97th vid too long to share a batch's bytes. */
		n = (size_t)snprintf(vid, sizeof vid, "v%05zu", i * 31 % 1700);
		if (i % 97 == 0) {
			memset(vid + n, 'x', 500);
			n += 500;
		}
		snprintf(uid, sizeof uid, "u%04zu", i * 7 % 400);
		memset(&h, 0, sizeof h);
		h.vid.p = vid;
		h.vid.len = n;
		h.ts = ts;
		h.kind = page ? HIT_PAGE : HIT_ASSET;
		h.status = i % 11 == 0 ? 404 : 200;
		h.method.p = "GET";
		h.method.len = 3;
		if (linked) {
			h.uid.p = uid;
			h.uid.len = strlen(uid);
		}
		if (i % 4 == 0) {	/* a link record's way in */
			struct svid *v = night_vid(&one, vid, n);

			if (linked)
				night_link(&one, v, uid, strlen(uid), ts);
			night_batch_link(&b, vid, n, linked ? uid : NULL,
			    linked ? strlen(uid) : 0, ts);
			continue;
		}
		{
			struct svid *v = night_vid(&one, vid, n);

			if (page && h.status == 200) {
				if (ts > one.latest)
					one.latest = ts;
				if (linked)
					night_link(&one, v, uid, strlen(uid), ts);
			}
		}
		night_batch_see(&b, &h);
	}
	night_batch_flush(&b);
	cr_assert_eq(strtab_count(bat.vids), strtab_count(one.vids));
	cr_assert_eq(bat.latest, one.latest);
	for (k = 0; k < strtab_count(one.vids); k++) {
		size_t an, bn, un1, un2;
		const char *a = strtab_str(one.vids, (uint32_t)k, &an);
		const char *c = strtab_str(bat.vids, (uint32_t)k, &bn);

		cr_assert(an == bn && memcmp(a, c, an) == 0, "vid %zu", k);
		cr_assert_eq(one.v[k].uid == STRTAB_NONE,
		    bat.v[k].uid == STRTAB_NONE, "vid %zu", k);
		if (one.v[k].uid == STRTAB_NONE)
			continue;
		a = strtab_str(one.uids, one.v[k].uid, &un1);
		c = strtab_str(bat.uids, bat.v[k].uid, &un2);
		cr_assert(un1 == un2 && memcmp(a, c, un1) == 0, "vid %zu", k);
		cr_assert_eq(one.v[k].uid_ts, bat.v[k].uid_ts);
	}
	free(one.v);
	free(bat.v);
	strtab_free(one.vids);
	strtab_free(one.uids);
	strtab_free(bat.vids);
	strtab_free(bat.uids);
}
