/*
 * sessionize_test.c - unit tests of revisit-sessionize: the session
 * rules (timeout edges, campaign splits, own referrers, disorder), the
 * traffic source of every click id, every row of the channel table,
 * devices, and the channel table against public referrer lists.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chit.h"
#include "extsort.h"
#include "helpers.h"
#include "hit.h"
#include "hostset.h"
#include "json.h"
#include "mpk.h"
#include "packed.h"
#include "prog.h"
#include "sessionize.h"
#include "sessions.h"
#include "traffic.h"

extern const char revisit_data_search_engines[], revisit_data_socials[];
extern const size_t revisit_data_search_engines_len, revisit_data_socials_len;

static struct traffic_ctx TC;

/* Sessions written by the last run. */
struct out {
	msgpack_unpacked u[64];
	size_t n;
	int status;
	char *buf;
	size_t len;
};

static struct out O;
static struct sz_result R;	/* how the last run ordered its hits */


static void
setup(void)
{
	TC.search = hostset_new(revisit_data_search_engines,
	    revisit_data_search_engines_len);
	TC.social = hostset_new(revisit_data_socials, revisit_data_socials_len);
	TC.own = hostset_new("shop.example.com\n", 17);
}

static void
teardown(void)
{
	for (; O.n > 0; O.n--)
		msgpack_unpacked_destroy(&O.u[O.n - 1]);
	free(O.buf);
	O.buf = NULL;
	hostset_free(TC.search);
	hostset_free(TC.social);
	hostset_free(TC.own);
}

TestSuite(sess, .init = setup, .fini = teardown);
TestSuite(traffic, .init = setup, .fini = teardown);

/* ---- hits in, sessions out, through the real stage ---- */

#define T0 1717228800000LL	/* 2024-06-01T08:00:00Z */
#define MIN 60000LL

struct h {
	const char *vid;
	int64_t ts;
	const char *path, *query, *ref, *uid;
};

/* Write hits as MessagePack records to a temporary file; returns fd. */
static int
hits_file(const struct h *v, size_t n)
{
	char path[] = "/tmp/revisit-sz-XXXXXX";
	int fd = mkstemp(path);
	struct wbuf w;
	size_t i;

	unlink(path);
	wbuf_init(&w, fd);
	for (i = 0; i < n; i++) {
		struct hit h;

		memset(&h, 0, sizeof h);
		h.ts = v[i].ts;
		h.vid.p = v[i].vid;
		h.vid.len = strlen(v[i].vid);
		if (v[i].uid) {
			h.uid.p = v[i].uid;
			h.uid.len = strlen(v[i].uid);
		}
		h.ip.p = "192.0.2.1";
		h.ip.len = 9;
		h.method.p = "GET";
		h.method.len = 3;
		h.path.p = v[i].path ? v[i].path : "/";
		h.path.len = strlen(h.path.p);
		h.query.p = v[i].query ? v[i].query : "";
		h.query.len = strlen(h.query.p);
		if (v[i].ref) {
			h.referrer.p = v[i].ref;
			h.referrer.len = strlen(v[i].ref);
		}
		h.ua.p = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0";
		h.ua.len = strlen(h.ua.p);
		h.status = 200;
		h.kind = HIT_PAGE;
		hit_pack(&w, &h);
	}
	cr_assert_eq(wbuf_close(&w, 1), 0);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* Run sz_run on inputs ifd[] with mode and timeout; sessions land in O. */
static void
run_fds(const int *ifd, size_t nin, enum sz_mode mode, int split,
    size_t memlimit)
{
	struct sz_opts o = { .timeout = 30 * MIN, .max_disorder = 5 * MIN,
	    .campaign_split = split, .mode = mode, .tmpdir = "/tmp",
	    .memory_limit = memlimit ? memlimit : 64u << 20, .quiet = 1,
	    .result = &R };
	char in[4][64], outp[] = "/tmp/revisit-szo-XXXXXX";
	char *paths[4];
	int ofd = mkstemp(outp);
	struct wbuf w;
	size_t len, off = 0, i;
	off_t end;

	cr_assert_leq(nin, 4);
	o.tc = TC;
	unlink(outp);
	for (i = 0; i < nin; i++) {
		snprintf(in[i], sizeof in[i], "/dev/fd/%d", ifd[i]);
		paths[i] = in[i];
	}
	wbuf_init(&w, ofd);
	for (; O.n > 0; O.n--)
		msgpack_unpacked_destroy(&O.u[O.n - 1]);
	O.status = sz_run(paths, nin, &w, &o);
	cr_assert_eq(wbuf_close(&w, 1), 0);
	end = lseek(ofd, 0, SEEK_END);
	len = (size_t)end;
	free(O.buf);
	O.buf = malloc(len + 1);
	O.len = len;
	cr_assert_eq(pread(ofd, O.buf, len, 0), (ssize_t)len);
	close(ofd);
	for (i = 0; i < nin; i++)
		close(ifd[i]);
	O.n = 0;
	while (off < len && O.n < 64) {
		msgpack_unpacked_init(&O.u[O.n]);
		cr_assert_eq(msgpack_unpack_next(&O.u[O.n], O.buf, len, &off),
		    MSGPACK_UNPACK_SUCCESS);
		O.n++;
	}
}

static void
run_fd(int ifd, enum sz_mode mode, int split, size_t memlimit)
{
	run_fds(&ifd, 1, mode, split, memlimit);
}

/* The hits from a file. */
static void
run_mode(const struct h *v, size_t n, enum sz_mode mode, int split,
    size_t memlimit)
{
	run_fd(hits_file(v, n), mode, split, memlimit);
}

/* The hits through a pipe, written by child *pid as a stage before in
 * a pipeline would: the input cannot be read again. */
static int
hits_pipe(const struct h *v, size_t n, pid_t *pid)
{
	int fd = hits_file(v, n), p[2];
	off_t len = lseek(fd, 0, SEEK_END);
	char *buf = malloc((size_t)len);

	cr_assert_eq(pread(fd, buf, (size_t)len, 0), (ssize_t)len);
	close(fd);
	cr_assert_eq(pipe(p), 0);
	if ((*pid = fork()) == 0) {
		int r;

		close(p[0]);
		r = write_all(p[1], buf, (size_t)len);
		free(buf);	/* valgrind follows the child */
		_exit(r != 0);
	}
	cr_assert_gt(*pid, 0);
	close(p[1]);
	free(buf);
	return p[0];
}

static void
pipe_done(pid_t pid)
{
	int st;

	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void
run_pipe(const struct h *v, size_t n, enum sz_mode mode, size_t memlimit)
{
	pid_t pid;

	run_fd(hits_pipe(v, n, &pid), mode, 1, memlimit);
	pipe_done(pid);
}

static void
run(const struct h *v, size_t n)
{
	run_mode(v, n, SZ_AUTO, 1, 0);
}

static const msgpack_object *
field(size_t i, const char *k)
{
	cr_assert_lt(i, O.n, "no session %zu (%zu sessions)", i, O.n);
	return mpk_get(&O.u[i].data, k);
}

static int64_t
ival(size_t i, const char *k)
{
	const msgpack_object *o = field(i, k);

	cr_assert_not_null(o, "no field %s", k);
	return o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? (int64_t)o->via.u64 :
	    o->via.i64;
}

#define STR_IS(i, k, s) cr_assert(mpk_is(field(i, k), s), \
	"session %zu: %s is not '%s'", (size_t)(i), k, s)

#define N(a) (sizeof(a) / sizeof((a)[0]))

Test(sess, a_gap_of_exactly_the_timeout_stays_one_second_more_splits) {
	struct h v[] = {
		{ "a", T0, "/", NULL, NULL, NULL },
		{ "a", T0 + 30 * MIN, "/p1", NULL, NULL, NULL },
		{ "a", T0 + 60 * MIN + 1000, "/p2", NULL, NULL, NULL },
	};

	run(v, N(v));
	cr_assert_eq(O.n, 2);
	cr_assert_eq(ival(0, "hits"), 2);
	cr_assert_eq(ival(0, "end"), T0 + 30 * MIN);
	cr_assert_eq(ival(1, "start"), T0 + 60 * MIN + 1000);
	STR_IS(1, "landing", "/p2");
}

Test(sess, a_campaign_change_mid_session_starts_a_new_one) {
	struct h v[] = {
		{ "a", T0, "/", "utm_source=news&utm_medium=email", NULL, NULL },
		{ "a", T0 + MIN, "/p", NULL, NULL, NULL },
		{ "a", T0 + 2 * MIN, "/", "gclid=abc", NULL, NULL },
		{ "a", T0 + 3 * MIN, "/q", NULL, NULL, NULL },
	};

	run(v, N(v));
	cr_assert_eq(O.n, 2);
	STR_IS(0, "channel", "Email");
	cr_assert_eq(ival(0, "hits"), 2);
	STR_IS(1, "channel", "Paid Search");
	STR_IS(1, "click_id", "gclid");
	cr_assert_eq(ival(1, "hits"), 2);
}

Test(sess, a_reload_with_the_same_campaign_stays) {
	struct h v[] = {
		{ "a", T0, "/", "utm_source=news&utm_medium=email", NULL, NULL },
		{ "a", T0 + 10000, "/", "utm_medium=email&utm_source=news", NULL,
		    NULL },
		{ "a", T0 + 20000, "/", "utm_source=news&utm_medium=e%6Dail",
		    NULL, NULL },
	};

	run(v, N(v));
	cr_assert_eq(O.n, 1);
	cr_assert_eq(ival(0, "hits"), 3);
}

Test(sess, no_campaign_split_is_the_ga4_rule) {
	struct h v[] = {
		{ "a", T0, "/", "utm_source=news&utm_medium=email", NULL, NULL },
		{ "a", T0 + MIN, "/", "gclid=abc", NULL, NULL },
	};

	run_mode(v, N(v), SZ_AUTO, 0, 0);
	cr_assert_eq(O.n, 1);
	STR_IS(0, "channel", "Email");
}

Test(sess, a_split_in_the_same_second_gets_its_own_sid) {
	struct h v[] = {
		{ "a", T0, "/", "utm_source=x&utm_medium=email", NULL, NULL },
		{ "a", T0, "/", "utm_source=y&utm_medium=email", NULL, NULL },
	};
	const msgpack_object *s0, *s1;

	run(v, N(v));
	cr_assert_eq(O.n, 2);
	s0 = field(0, "sid");
	s1 = field(1, "sid");
	cr_assert(s0->via.str.size == 16 && s1->via.str.size == 16);
	cr_assert(memcmp(s0->via.str.ptr, s1->via.str.ptr, 16) != 0);
}

Test(sess, a_referrer_from_an_own_host_is_no_source) {
	struct h v[] = {
		{ "a", T0, "/", NULL, "https://shop.example.com/old", NULL },
		{ "b", T0, "/", NULL, "https://www.shop.example.com:443/", NULL },
		{ "c", T0, "/", NULL, "https://blog.example.org/post", NULL },
	};

	run(v, N(v));
	cr_assert_eq(O.n, 3);
	STR_IS(0, "channel", "Direct");
	STR_IS(1, "channel", "Direct");
	STR_IS(2, "channel", "Referral");
	STR_IS(2, "source", "blog.example.org");
	STR_IS(2, "medium", "referral");
	STR_IS(0, "referrer", "https://shop.example.com/old");
}

Test(sess, a_referrer_change_alone_does_not_split) {
	struct h v[] = {
		{ "a", T0, "/", NULL, "https://www.google.com/", NULL },
		{ "a", T0 + MIN, "/x", NULL, "https://www.bing.com/", NULL },
	};

	run(v, N(v));
	cr_assert_eq(O.n, 1);
	STR_IS(0, "source", "google.com");
}

Test(sess, hits_out_of_order_inside_the_window) {
	struct h ordered[] = {
		{ "a", T0, "/1", "gclid=z", NULL, NULL },
		{ "b", T0 + MIN, "/b", NULL, NULL, NULL },
		{ "a", T0 + 2 * MIN, "/2", NULL, NULL, NULL },
		{ "a", T0 + 3 * MIN, "/3", NULL, NULL, NULL },
	};
	struct h shuffled[] = {
		{ "a", T0 + 3 * MIN, "/3", NULL, NULL, NULL },
		{ "a", T0 + 2 * MIN, "/2", NULL, NULL, NULL },
		{ "b", T0 + MIN, "/b", NULL, NULL, NULL },
		{ "a", T0, "/1", "gclid=z", NULL, NULL },
	};
	run(ordered, N(ordered));
	cr_assert_eq(O.n, 2);
	STR_IS(0, "landing", "/1");
	STR_IS(0, "channel", "Paid Search");
	run(shuffled, N(shuffled));
	cr_assert_eq(O.n, 2);
	STR_IS(0, "landing", "/1");
	cr_assert_eq(ival(0, "hits"), 3);
}

/* Hits hours apart, then one from before them: the window has already
 * released the later hits when the early one comes. */
Test(sess, far_disorder_falls_back_to_a_sort_with_the_same_sessions) {
	struct h v[] = {
		{ "a", T0 + 5 * 60 * MIN, "/late", NULL, NULL, NULL },
		{ "a", T0 + 5 * 60 * MIN + MIN, "/late2", NULL, NULL, NULL },
		{ "b", T0 + 6 * 60 * MIN, "/b", NULL, NULL, NULL },
		{ "a", T0, "/early", NULL, NULL, NULL },	/* hours back */
		{ "a", T0 + MIN, "/early2", NULL, NULL, NULL },
	};

	run(v, N(v));
	cr_assert_eq(O.status, 0);
	cr_assert_eq(O.n, 3);
	STR_IS(0, "landing", "/early");
	cr_assert_eq(ival(0, "hits"), 2);
	STR_IS(1, "landing", "/late");
	STR_IS(2, "landing", "/b");
	run_mode(v, N(v), SZ_SORT, 1, 0);
	cr_assert_eq(O.n, 3);
	STR_IS(0, "landing", "/early");
	/* From a pipe: what was read is read again from its copy. */
	run_pipe(v, N(v), SZ_AUTO, 0);
	cr_assert_eq(O.status, 0);
	cr_assert_eq(O.n, 3);
	STR_IS(0, "landing", "/early");
	cr_assert_eq(ival(0, "hits"), 2);
	STR_IS(2, "landing", "/b");
}

/* Disorder is measured from the latest hit seen, from the first hit on. */
Test(sess, far_disorder_is_measured_from_the_first_hit) {
	struct h v[] = {
		{ "a", T0 + 5 * 60 * MIN, "/late", NULL, NULL, NULL },
		{ "a", T0, "/early", NULL, NULL, NULL },
	};

	run_mode(v, N(v), SZ_STREAM, 1, 0);
	cr_assert_eq(O.status, EX_DATAERR);
	run(v, N(v));
	cr_assert_eq(O.status, 0);
	cr_assert_eq(O.n, 2);
	STR_IS(0, "landing", "/early");
}

Test(sess, disorder_within_the_window_at_the_start) {
	struct h v[] = {
		{ "a", T0 + 4 * MIN, "/second", NULL, NULL, NULL },
		{ "a", T0, "/first", NULL, NULL, NULL },
	};

	run_mode(v, N(v), SZ_STREAM, 1, 0);
	cr_assert_eq(O.status, 0);
	cr_assert_eq(O.n, 1);
	STR_IS(0, "landing", "/first");
}

Test(sess, far_disorder_with_stream_is_an_error) {
	struct h v[] = {
		{ "a", T0 + 5 * 60 * MIN, "/late", NULL, NULL, NULL },
		{ "b", T0 + 6 * 60 * MIN, "/b", NULL, NULL, NULL },
		{ "a", T0, "/early", NULL, NULL, NULL },
	};

	run_mode(v, N(v), SZ_STREAM, 1, 0);
	cr_assert_eq(O.status, EX_DATAERR);
}

Test(sess, a_visitor_idle_across_the_window_is_closed_by_others_hits) {
	struct h v[] = {
		{ "a", T0, "/a1", NULL, NULL, NULL },
		{ "b", T0 + 20 * MIN, "/b1", NULL, NULL, NULL },
		{ "b", T0 + 45 * MIN, "/b2", NULL, NULL, NULL },
		{ "b", T0 + 70 * MIN, "/b3", NULL, NULL, NULL },
		{ "a", T0 + 80 * MIN, "/a2", NULL, NULL, NULL },
	};

	run(v, N(v));
	cr_assert_eq(O.n, 3);
	/* In order of start: a's first, b's, then a's second. */
	STR_IS(0, "landing", "/a1");
	cr_assert_eq(ival(0, "hits"), 1);
	STR_IS(1, "landing", "/b1");
	cr_assert_eq(ival(1, "hits"), 3);
	STR_IS(2, "landing", "/a2");
}

Test(sess, the_uid_is_the_latest_carried) {
	struct h v[] = {
		{ "a", T0, "/", NULL, NULL, NULL },
		{ "a", T0 + MIN, "/login", NULL, NULL, "u1" },
		{ "a", T0 + 2 * MIN, "/x", NULL, NULL, "u2" },
		{ "a", T0 + 3 * MIN, "/y", NULL, NULL, NULL },
	};

	run(v, N(v));
	STR_IS(0, "uid", "u2");
}

Test(sess, tiny_memory_limit_sorts_with_the_same_sessions) {
	struct h v[200];
	size_t i;
	static char vids[200][8];

	for (i = 0; i < 200; i++) {
		snprintf(vids[i], sizeof vids[i], "v%03zu", i);
		v[i].vid = vids[i];
		v[i].ts = T0 + (int64_t)(i % 50) * 1000;
		v[i].path = "/";
		v[i].query = NULL;
		v[i].ref = NULL;
		v[i].uid = NULL;
	}
	run_mode(v, 200, SZ_AUTO, 1, 1);	/* 1 byte: falls back */
	cr_assert_eq(O.status, 0);
	cr_assert_eq(O.n, 64);	/* O keeps the first 64 */
	cr_assert_eq(ival(0, "start"), T0);
}

Test(sess, pages_keep_time_path_and_query) {
	struct h v[] = {
		{ "a", T0, "/p", "a=1", NULL, NULL },
	};
	const msgpack_object *p;

	run(v, N(v));
	p = field(0, "pages");
	cr_assert_eq(p->via.array.size, 1);
	cr_assert_eq(p->via.array.ptr[0].via.array.size, 3);
	cr_assert(mpk_is(&p->via.array.ptr[0].via.array.ptr[2], "a=1"));
}

/*
 * Sorting sessionizes visitor by visitor and sorts the sessions after;
 * streaming goes in time order. Every rule edge at once, over visitors
 * whose hits interleave: the bytes must be the same.
 */
Test(sess, sorting_by_visitor_writes_the_bytes_streaming_does) {
	static char vids[12][8], qs[400][32];
	struct h v[400];
	char *stream;
	size_t i, len;
	uint32_t x = 12345;
	int64_t ts = T0;

	for (i = 0; i < 12; i++)
		snprintf(vids[i], sizeof vids[i], "v%zu", (i * 7) % 12);
	for (i = 0; i < 400; i++) {
		x = x * 1103515245u + 12345u;
		/* Steps of 0 (same second), exactly 30:00, 30:01, or a few s. */
		switch (x >> 29) {
		case 0: break;
		case 1: ts += 30 * MIN; break;
		case 2: ts += 30 * MIN + 1000; break;
		default: ts += (int64_t)(x >> 20 & 63) * 1000; break;
		}
		v[i].vid = vids[(x >> 8) % (i < 200 ? 12 : 3)];
		v[i].ts = ts;
		v[i].path = (x >> 4 & 1) ? "/product/SKU-1" : "/";
		snprintf(qs[i], sizeof qs[i], "utm_source=s%u&utm_campaign=c%u",
		    x >> 12 & 1, x >> 14 & 1);
		v[i].query = (x >> 16 & 3) == 0 ? qs[i] : NULL;
		v[i].ref = (x >> 18 & 3) == 0 ? "https://www.google.com/" : NULL;
		v[i].uid = (x >> 20 & 7) == 0 ? "u1" : NULL;
	}
	run_mode(v, 400, SZ_STREAM, 1, 0);
	cr_assert_eq(O.status, 0);
	cr_assert_gt(O.n, 20);
	len = O.len;
	stream = malloc(len);
	memcpy(stream, O.buf, len);
	run_mode(v, 400, SZ_SORT, 1, 0);
	cr_assert_eq(O.status, 0);
	cr_assert_eq(O.len, len);
	cr_assert(memcmp(O.buf, stream, len) == 0, "sorted sessions differ");
	run_mode(v, 400, SZ_SORT, 0, 0);
	run_mode(v, 400, SZ_AUTO, 1, 1);	/* falls back on memory */
	cr_assert_eq(O.len, len);
	cr_assert(memcmp(O.buf, stream, len) == 0, "fallback sessions differ");
	run_pipe(v, 400, SZ_AUTO, 1);		/* the same from a pipe */
	cr_assert_eq(O.status, 0);
	cr_assert_eq(O.len, len);
	cr_assert(memcmp(O.buf, stream, len) == 0, "piped fallback differs");
	free(stream);
}

/*
 * Server files one after another: parts each in time order (a little
 * disorder inside the window included). v[] is the servers' hits in
 * time order, dealt to nparts servers by visitor; parts[] the same hits
 * server by server. Returns the number of hits.
 */
static size_t
server_files(struct h *v, struct h *parts, size_t n, size_t nparts)
{
	static char vids[40][8];
	size_t i, k = 0, p;
	uint32_t x = 777;
	int64_t ts = T0;

	for (i = 0; i < 40; i++)
		snprintf(vids[i], sizeof vids[i], "v%zu", i);
	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		ts += (int64_t)(x >> 24 & 7) * MIN;
		v[i].vid = vids[(x >> 8) % 40];
		v[i].ts = ts;
		v[i].path = (x >> 4 & 1) ? "/product/SKU-1" : "/";
		v[i].query = (x >> 16 & 7) == 0 ? "utm_source=news" : NULL;
		v[i].ref = NULL;
		v[i].uid = NULL;
	}
	for (p = 0; p < nparts; p++)
		for (i = 0; i < n; i++)
			if ((size_t)(v[i].vid[1] - '0') % nparts == p) {
				parts[k] = v[i];
				/* A server that logs minutes late now and then. */
				if (k > 0 && (i & 3) == 3 &&
				    v[i].ts - parts[k - 1].ts <= 3 * MIN &&
				    (size_t)(parts[k - 1].vid[1] - '0') % nparts == p) {
					parts[k] = parts[k - 1];
					parts[k - 1] = v[i];
				}
				k++;
			}
	cr_assert_eq(k, n);
	return n;
}

/* The hits v[0..n) as runs of time, the latest run first: nruns parts. */
static void
runs_reversed(const struct h *v, size_t n, struct h *out, size_t nruns)
{
	size_t c, i, k = 0;

	for (c = nruns; c-- > 0;)
		for (i = c * n / nruns; i < (c + 1) * n / nruns; i++)
			out[k++] = v[i];
}

/*
 * Far disorder from server files one after another: the parts are
 * found, read again side by side and merged by time, not sorted; the
 * bytes are the streaming ones, from a file or a pipe.
 */
Test(sess, server_files_one_after_another_are_merged_not_sorted) {
	static struct h v[300], parts[300];
	char *stream;
	size_t len, n = server_files(v, parts, 300, 3);

	run_mode(v, n, SZ_STREAM, 1, 0);
	cr_assert_eq(O.status, 0);
	cr_assert_gt(O.n, 20);
	len = O.len;
	stream = malloc(len);
	memcpy(stream, O.buf, len);
	run_mode(parts, n, SZ_STREAM, 1, 0);
	cr_assert_eq(O.status, EX_DATAERR, "the parts are far out of order");
	run_mode(parts, n, SZ_AUTO, 1, 0);
	cr_assert_eq(O.status, 0);
	cr_assert_eq(R.parts, 3, "%zu parts, sorted %d", R.parts, R.sorted);
	cr_assert_eq(R.sorted, 0);
	cr_assert_eq(O.len, len);
	cr_assert(memcmp(O.buf, stream, len) == 0, "merged parts differ");
	run_pipe(parts, n, SZ_AUTO, 0);
	cr_assert_eq(O.status, 0);
	cr_assert_eq(R.parts, 3);
	cr_assert_eq(O.len, len);
	cr_assert(memcmp(O.buf, stream, len) == 0, "piped parts differ");
	/* Time-ordered input is streamed: no parts. */
	run_mode(v, n, SZ_AUTO, 1, 0);
	cr_assert_eq(R.parts, 0);
	cr_assert_eq(R.sorted, 0);
	free(stream);
}

/*
 * What a pipe leaves in --tmpdir to be read again is the page hits as
 * sessions need them, not the bytes that came: no agent, address or
 * byte count, nothing of other kinds.
 */
Test(sess, a_piped_input_is_copied_as_its_page_hits_only) {
	static struct h v[300], parts[300];
	char *stream;
	size_t len, n = server_files(v, parts, 300, 3);
	int fd = hits_file(parts, n);
	off_t in = lseek(fd, 0, SEEK_END);

	close(fd);
	run_mode(v, n, SZ_STREAM, 1, 0);
	len = O.len;
	stream = malloc(len);
	memcpy(stream, O.buf, len);
	run_mode(parts, n, SZ_AUTO, 1, 0);
	cr_assert_eq(R.copied, 0, "a file is read again, not copied");
	run_pipe(parts, n, SZ_AUTO, 0);
	cr_assert_eq(R.parts, 3);
	cr_assert_gt(R.copied, 0);
	cr_assert_lt(R.copied, (uint64_t)in / 2, "copied %llu bytes of %lld",
	    (unsigned long long)R.copied, (long long)in);
	cr_assert_eq(O.len, len);
	cr_assert(memcmp(O.buf, stream, len) == 0, "piped parts differ");
	run_pipe(parts, n, SZ_SORT, 0);
	cr_assert_eq(R.copied, 0, "sorting from the start needs no copy");
	free(stream);
}

/*
 * A file and a pipe read together: the file one server's hits in time
 * order, the pipe two servers' hits in ten runs of time, the latest
 * first. Their parts merged (the file's and the pipe's copy side by
 * side); with readers for only eight, sorted once the first pass finds
 * the ninth part (the file read again up to where it stopped, the
 * pipe's copy, then the rest as it comes): the bytes streaming all the
 * hits writes.
 */
Test(sess, a_file_and_a_pipe_out_of_order_merge_or_sort_the_same) {
	static struct h v[300], parts[300], file[300], two[300], piped[300];
	char *stream;
	size_t len, n = server_files(v, parts, 300, 3), nf = 0, nt = 0, np = 0;
	size_t i, lims[2] = { 0, 8u << 20 };
	int k;

	for (i = 0; i < n; i++) {
		if ((v[i].vid[1] - '0') % 3 == 0)
			file[nf++] = v[i];
		else
			two[nt++] = v[i];
	}
	runs_reversed(two, nt, piped, 10);
	np = nt;
	cr_assert_gt(nf, 20);
	cr_assert_eq(np, nt);
	run_mode(v, n, SZ_STREAM, 1, 0);
	len = O.len;
	stream = malloc(len);
	memcpy(stream, O.buf, len);
	for (k = 0; k < 2; k++) {
		int fds[2];
		pid_t pid;

		fds[0] = hits_file(file, nf);
		fds[1] = hits_pipe(piped, np, &pid);
		run_fds(fds, 2, SZ_AUTO, 1, lims[k]);
		pipe_done(pid);
		cr_assert_eq(O.status, 0);
		cr_assert_eq(R.sorted, k == 1, "limit %zu: sorted %d", lims[k],
		    R.sorted);
		if (k == 1)
			cr_assert_str_eq(R.why, "out of order");
		cr_assert_eq(R.parts, k == 0 ? 11 : 0, "%zu parts", R.parts);
		cr_assert_gt(R.copied, 0);
		cr_assert_eq(O.len, len, "limit %zu", lims[k]);
		cr_assert(memcmp(O.buf, stream, len) == 0, "limit %zu: the "
		    "sessions differ", lims[k]);
	}
	free(stream);
}

/*
 * More parts than the memory limit gives readers for (twelve runs of
 * time, the latest first; 8 MiB: readers for eight, and room enough for
 * the open sessions): the sort, found while scanning for the parts.
 */
Test(sess, too_many_parts_are_sorted) {
	static struct h v[300], parts[300], runs[300];
	char *stream;
	size_t len, n = server_files(v, parts, 300, 3);

	runs_reversed(v, n, runs, 12);
	run_mode(v, n, SZ_STREAM, 1, 0);
	len = O.len;
	stream = malloc(len);
	memcpy(stream, O.buf, len);
	run_mode(runs, n, SZ_AUTO, 1, 8u << 20);
	cr_assert_eq(O.status, 0);
	cr_assert_eq(R.sorted, 1);
	cr_assert_str_eq(R.why, "out of order");
	cr_assert_not(R.while_merging);
	cr_assert_eq(R.parts, 0);
	cr_assert_eq(O.len, len);
	cr_assert(memcmp(O.buf, stream, len) == 0, "sorted parts differ");
	run_pipe(runs, n, SZ_AUTO, 8u << 20);
	cr_assert_eq(R.sorted, 1);
	cr_assert_str_eq(R.why, "out of order");
	cr_assert_eq(O.len, len);
	cr_assert(memcmp(O.buf, stream, len) == 0, "piped sorted parts differ");
	run_mode(runs, n, SZ_AUTO, 1, 0);	/* readers for 64: merged */
	cr_assert_eq(R.sorted, 0);
	cr_assert_null(R.why);
	cr_assert_eq(R.parts, 12);
	cr_assert(memcmp(O.buf, stream, len) == 0, "merged parts differ");
	free(stream);
}

/*
 * Two parts, the second of 12,000 visitors within minutes: only
 * scanned on the first pass, it outgrows the memory limit when the
 * parts are merged, and the run sorts instead, with the same sessions.
 */
Test(sess, merged_parts_that_outgrow_memory_are_sorted) {
	static struct h v[12002], w[12002];
	static char vids[12000][8];
	char *stream;
	size_t i, len;

	v[0] = (struct h){ "late", T0 + 5 * 60 * MIN, "/late", NULL, NULL, NULL };
	v[1] = (struct h){ "late", T0 + 5 * 60 * MIN + MIN, "/l2", NULL, NULL, NULL };
	for (i = 0; i < 12000; i++) {
		snprintf(vids[i], sizeof vids[i], "c%05zu", i);
		v[i + 2] = (struct h){ vids[i], T0 + (int64_t)(i / 20) * 1000,
		    "/", NULL, NULL, NULL };
	}
	for (i = 0; i < 12000; i++)
		w[i] = v[i + 2];
	w[12000] = v[0];
	w[12001] = v[1];
	run_mode(w, 12002, SZ_STREAM, 1, 0);
	cr_assert_eq(O.status, 0);
	len = O.len;
	stream = malloc(len);
	memcpy(stream, O.buf, len);
	run_mode(v, 12002, SZ_AUTO, 1, 8u << 20);
	cr_assert_eq(O.status, 0);
	cr_assert_eq(R.sorted, 1);
	cr_assert_str_eq(R.why, "memory");
	cr_assert(R.while_merging, "the sort came before the parts' merge");
	cr_assert_eq(O.len, len);
	cr_assert(memcmp(O.buf, stream, len) == 0, "sessions differ");
	free(stream);
}

/* A session block for the spool: start, vid, seq, a one-byte record. */
static size_t
sess_block(char *mem, int64_t start, const char *vid, uint32_t seq)
{
	struct sess_rec *r = (struct sess_rec *)mem;
	size_t n = strlen(vid), len = sizeof *r + n + 1;

	memset(mem, 0, ALIGN8(len));
	r->len = (uint32_t)ALIGN8(len);
	r->start = start;
	r->seq = seq;
	r->vidlen = (uint32_t)n;
	r->reclen = 1;
	memcpy(r->data, vid, n);
	r->data[n] = (char)(seq & 0x7f);
	return r->len;
}

static struct sess_rec *prev_rec;
static char prev_mem[64];
static size_t nseen;

static void
check_order(void *arg, void *rec)
{
	struct sess_rec *r = rec;

	(void)arg;
	if (nseen++ > 0)
		cr_assert_lt(sess_rec_cmp(prev_rec, r), 0, "out of order at %zu",
		    nseen);
	memcpy(prev_mem, r, r->len);
	prev_rec = (struct sess_rec *)prev_mem;
}

/* Enough sessions for ten runs of the smallest budget (4 MiB). */
Test(sess, the_session_spool_sorts_by_start_vid_seq_across_runs) {
	struct spool *sp = spool_new("/tmp", 1, sess_rec_cmp,
	    sess_rec_key);
	_Alignas(8) char mem[64];
	char vid[16];
	unsigned nruns = 0;
	uint32_t x = 1;
	size_t i;

	spool_fanin(sp, 3);	/* 10 runs: merges of two levels on the way */
	for (i = 0; i < 1000000; i++) {
		x = x * 1103515245u + 12345u;
		snprintf(vid, sizeof vid, "v%u", x >> 24);
		sess_block(mem, T0 + (int64_t)(x >> 16 & 255) * 1000, vid,
		    (uint32_t)i);
		spool_add(sp, mem);
	}
	nseen = 0;
	cr_assert_eq(spool_sort(sp, check_order, NULL, &nruns), 0);
	cr_assert_eq(nseen, 1000000);
	cr_assert_gt(nruns, 9);
	spool_free(sp);
	/* Start first, then the vid's bytes (shorter first on a tie), seq. */
	{
		_Alignas(8) char a[64], b[64];

		sess_block(a, T0, "vb", 0);
		sess_block(b, T0 + 1, "va", 0);
		cr_assert_lt(sess_rec_cmp(a, b), 0);
		sess_block(b, T0, "vb0", 0);
		cr_assert_lt(sess_rec_cmp(a, b), 0);
		sess_block(b, T0, "vb", 1);
		cr_assert_lt(sess_rec_cmp(a, b), 0);
		cr_assert_eq(sess_rec_cmp(a, a), 0);
	}
}

/* ---- the copy of a piped input: packed chits ---- */

/* Pack the chit of a hit and unpack it: the same bytes as chit_make's. */
static void
pack_roundtrip(struct origins *og, const char *vid, const char *uid,
    const char *path, const char *query, const char *ref, int device,
    int consent, size_t *packed)
{
	_Alignas(8) static char a[8192], b[8192], p[8192];
	struct hit h;
	struct chit *c, *u;
	size_t n, size;

	memset(&h, 0, sizeof h);
	h.vid = (struct span){ vid, strlen(vid) };
	if (uid)
		h.uid = (struct span){ uid, strlen(uid) };
	h.method = (struct span){ "GET", 3 };
	h.path = (struct span){ path, strlen(path) };
	h.query = (struct span){ query, strlen(query) };
	if (ref)
		h.referrer = (struct span){ ref, strlen(ref) };
	h.ts = T0 + 1234;
	h.consent = consent;
	cr_assert_leq(chit_size(&h), sizeof a);
	c = chit_make(a, &h, device);
	cr_assert_leq(chit_packed_max(c), sizeof p);
	n = chit_pack(og, c, p);
	cr_assert_leq(n, chit_packed_max(c));
	cr_assert_eq(packed_len(p), n);
	cr_assert_eq(packed_ts(p), h.ts);
	size = chit_unpacked_size(og, p, n);
	cr_assert_eq(size, c->len, "ref %s: unpacks to %zu bytes, not %u",
	    ref ? ref : "(none)", size, c->len);
	memset(b, 0xa5, sizeof b);	/* padding must be zeroed, not left */
	u = chit_unpack(og, p, n, b);
	cr_assert_not_null(u);
	cr_assert(memcmp(a, b, c->len) == 0, "ref %s: unpacked differs",
	    ref ? ref : "(none)");
	cr_assert_eq(chit_cmp_content(c, u), 0);
	if (packed)
		*packed = n;
}

Test(sess, a_packed_chit_unpacks_to_the_chit_it_was) {
	struct origins *og = origins_new();
	char big[3000], host[400], ref[600];
	size_t n1, n2, i;

	pack_roundtrip(og, "v1", NULL, "/", "", NULL, DEV_DESKTOP,
	    HIT_CONSENT_UNKNOWN, NULL);
	pack_roundtrip(og, "v1", "u9", "/p/1", "a=1&utm_source=x",
	    "https://shop.example.com/p/0?x=1", DEV_MOBILE,
	    HIT_CONSENT_GIVEN, &n1);
	/* The origin numbered once: the next referrer of it packs to its
	 * path only. */
	pack_roundtrip(og, "v1", "u9", "/p/1", "a=1&utm_source=x",
	    "https://shop.example.com/p/0?x=1", DEV_MOBILE,
	    HIT_CONSENT_GIVEN, &n2);
	cr_assert_eq(n1, n2);
	cr_assert_eq(n2, PACKED_MIN + 2 + 2 + 3 + 4 + 16 + strlen("/p/0?x=1"),
	    "packed in %zu bytes", n2);
	pack_roundtrip(og, "v2", NULL, "/", "", "https://www.google.com",
	    DEV_TABLET, HIT_CONSENT_REFUSED, NULL);	/* no path */
	pack_roundtrip(og, "v2", NULL, "/", "", "", DEV_DESKTOP, 0, NULL);
	pack_roundtrip(og, "v2", NULL, "/", "", "android-app://com.x/",
	    DEV_DESKTOP, 0, NULL);
	pack_roundtrip(og, "v2", NULL, "/", "", "no-scheme.example/a",
	    DEV_DESKTOP, 0, NULL);
	pack_roundtrip(og, "v2", NULL, "/", "", "x:/", DEV_DESKTOP, 0, NULL);
	pack_roundtrip(og, "v2", NULL, "/", "", "://", DEV_DESKTOP, 0, NULL);
	/* Lengths of two and three varint bytes; an origin too long to
	 * number. */
	memset(big, 'q', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	pack_roundtrip(og, "v3", NULL, big + 2800, big, NULL, DEV_DESKTOP, 0,
	    NULL);
	memset(host, 'h', sizeof host - 1);
	host[sizeof host - 1] = '\0';
	snprintf(ref, sizeof ref, "http://%s/a", host);
	pack_roundtrip(og, "v3", NULL, "/", "", ref, DEV_DESKTOP, 0, NULL);
	/* More origins than the table numbers: the rest stay inline. */
	for (i = 0; i < 5000; i++) {
		snprintf(ref, sizeof ref, "https://h%zu.example/x%zu", i, i);
		pack_roundtrip(og, "v4", NULL, "/", "", ref, DEV_DESKTOP, 0,
		    NULL);
	}
	pack_roundtrip(og, "v1", "u9", "/p/1", "a=1&utm_source=x",
	    "https://shop.example.com/p/0?x=1", DEV_MOBILE,
	    HIT_CONSENT_GIVEN, &n2);
	cr_assert_eq(n1, n2, "a numbered origin stays numbered");
	origins_free(og);
}

Test(sess, a_damaged_packed_chit_is_refused) {
	struct origins *og = origins_new(), *other = origins_new();
	_Alignas(8) char a[512], p[512], q[512];
	struct hit h;
	struct chit *c;
	size_t n, k;
	uint32_t len;

	memset(&h, 0, sizeof h);
	h.vid = (struct span){ "v1", 2 };
	h.method = (struct span){ "GET", 3 };
	h.path = (struct span){ "/a", 2 };
	h.query = (struct span){ "", 0 };
	h.referrer = (struct span){ "https://shop.example.com/b", 26 };
	c = chit_make(a, &h, DEV_DESKTOP);
	n = chit_pack(og, c, p);
	cr_assert_gt(chit_unpacked_size(og, p, n), 0);
	/* Its origin unknown to another table. */
	cr_assert_eq(chit_unpacked_size(other, p, n), 0);
	/* Shorter or longer than its head says. */
	cr_assert_eq(chit_unpacked_size(og, p, n - 1), 0);
	memcpy(q, p, n);
	len = (uint32_t)n - 1;
	memcpy(q, &len, 4);
	cr_assert_eq(chit_unpacked_size(og, q, n - 1), 0);
	/* A device or a flag not known. */
	memcpy(q, p, n);
	q[13] = 7;
	cr_assert_eq(chit_unpacked_size(og, q, n), 0);
	memcpy(q, p, n);
	q[12] |= 0x40;
	cr_assert_eq(chit_unpacked_size(og, q, n), 0);
	/* Each field length one more, or a varint that never ends. */
	for (k = PACKED_HEAD; k < PACKED_HEAD + C_NFIELDS; k++) {
		memcpy(q, p, n);
		q[k]++;
		cr_assert_eq(chit_unpacked_size(og, q, n), 0, "length %zu",
		    k - PACKED_HEAD);
		q[k] = (char)0xff;
		cr_assert_eq(chit_unpacked_size(og, q, n), 0);
	}
	/* Too short to hold a head and six lengths, down to nothing: read
	 * from a copy of that length, so that a read past it is seen. */
	for (k = 0; k < PACKED_MIN; k++) {
		char *cut = malloc(k ? k : 1);

		len = (uint32_t)k;
		memcpy(q, &len, 4);
		memcpy(cut, q, k);
		cr_assert_eq(chit_unpacked_size(og, cut, k), 0, "%zu bytes", k);
		free(cut);
	}
	origins_free(og);
	origins_free(other);
}

/* ---- traffic sources ---- */

static struct traffic T;
static char scratch[4096];

static void
src(const char *q, const char *ref)
{
	traffic_of(&TC, q, strlen(q), ref ? ref : "", ref ? strlen(ref) : 0,
	    scratch, &T);
}

#define SPAN_IS(s, w) cr_assert((s).len == strlen(w) && \
	memcmp((s).p, w, (s).len) == 0, "%s is '%.*s', not '%s'", #s, \
	(int)(s).len, (s).p, w)

Test(traffic, every_click_id) {
	static const char *const google[] = { "gclid", "gbraid", "wbraid",
	    "dclid" };
	static const char *const other[] = { "fbclid", "ttclid", "twclid",
	    "li_fat_id" };
	char q[64];
	size_t i;

	for (i = 0; i < 4; i++) {
		snprintf(q, sizeof q, "%s=x1", google[i]);
		src(q, NULL);
		SPAN_IS(T.source, "google");
		SPAN_IS(T.medium, "cpc");
		cr_assert_str_eq(T.channel, "Paid Search");
		cr_assert_str_eq(T.click_id, google[i]);
	}
	src("msclkid=x1", NULL);
	SPAN_IS(T.source, "bing");
	cr_assert_str_eq(T.channel, "Paid Search");
	cr_assert_str_eq(T.click_id, "msclkid");
	for (i = 0; i < 4; i++) {
		snprintf(q, sizeof q, "%s=x1", other[i]);
		src(q, NULL);
		cr_assert_str_eq(T.click_id, other[i]);
		SPAN_IS(T.source, "(direct)");	/* no source of their own */
		cr_assert_str_eq(T.channel, "Direct");
	}
	src("a=1&fbclid=f&gclid=g", "https://l.facebook.com/");
	cr_assert_str_eq(T.click_id, "fbclid");	/* first in URL order */
	SPAN_IS(T.source, "google");		/* gclid sets the source */
	src("fbclid=f", "https://l.facebook.com/");
	SPAN_IS(T.source, "l.facebook.com");
	cr_assert_str_eq(T.channel, "Organic Social");
	src("gclid=", NULL);			/* empty is absent */
	cr_assert_null(T.click_id);
	cr_assert_str_eq(T.channel, "Direct");
}

Test(traffic, utm_values_decoded_and_defaults) {
	src("utm_source=News+Letter&utm_campaign=Summer%20Sale", NULL);
	SPAN_IS(T.source, "News Letter");
	SPAN_IS(T.medium, "(not set)");
	SPAN_IS(T.campaign, "Summer Sale");
	src("utm_medium=email", NULL);
	SPAN_IS(T.source, "(not set)");
	cr_assert_str_eq(T.channel, "Email");
	src("utm_source=a&utm_source=b&utm_medium=referral", NULL);
	SPAN_IS(T.source, "a");			/* first occurrence wins */
	src("utm_source=&utm_medium=", "https://www.google.com/");
	SPAN_IS(T.source, "google.com");	/* empty is absent */
	SPAN_IS(T.campaign, "(not set)");
	src("utm_source=x&utm_medium=bad%zz", NULL);
	SPAN_IS(T.medium, "bad%zz");		/* invalid % kept */
}

/* Every row of DESIGN.md's channel table, in order. */
Test(traffic, every_row_of_the_channel_table) {
	static const struct { const char *q, *ref, *channel; } rows[] = {
		{ "", NULL, "Direct" },
		{ "utm_source=(direct)&utm_medium=(not set)", NULL, "Direct" },
		{ "utm_source=google&utm_medium=cpc", NULL, "Paid Search" },
		{ "utm_source=bing&utm_medium=ppc", NULL, "Paid Search" },
		{ "utm_source=facebook&utm_medium=paid_social", NULL,
		    "Paid Social" },
		{ "utm_source=LinkedIn&utm_medium=CPC", NULL, "Paid Social" },
		{ "utm_source=criteo&utm_medium=display", NULL, "Display" },
		{ "utm_source=x&utm_medium=banner", NULL, "Display" },
		{ "utm_source=x&utm_medium=cpm", NULL, "Display" },
		{ "utm_source=criteo&utm_medium=retargeting", NULL, "Paid Other" },
		{ "utm_source=x&utm_medium=paid", NULL, "Paid Other" },
		{ "utm_source=newsletter&utm_medium=email", NULL, "Email" },
		{ "utm_source=e-mail&utm_medium=x", NULL, "Email" },
		{ "utm_source=x&utm_medium=e mail", NULL, "Email" },
		{ "utm_source=awin&utm_medium=affiliate", NULL, "Affiliates" },
		{ "", "https://t.co/abc", "Organic Social" },
		{ "utm_source=x&utm_medium=social-network", NULL,
		    "Organic Social" },
		{ "utm_source=instagram&utm_medium=story", NULL,
		    "Organic Social" },
		{ "", "https://www.google.de/", "Organic Search" },
		{ "", "https://search.yahoo.com/search?p=x", "Organic Search" },
		{ "", "android-app://com.google.android.googlequicksearchbox/",
		    "Organic Search" },
		{ "utm_source=x&utm_medium=organic", NULL, "Organic Search" },
		{ "", "https://blog.example.org/", "Referral" },
		{ "utm_source=x&utm_medium=app", NULL, "Referral" },
		{ "utm_source=x&utm_medium=link", NULL, "Referral" },
		{ "utm_source=flyer&utm_medium=qr_code", NULL, "Unassigned" },
		{ "utm_source=digital&utm_medium=x", NULL, "Unassigned" },
	};
	size_t i;

	for (i = 0; i < N(rows); i++) {
		src(rows[i].q, rows[i].ref);
		cr_assert_str_eq(T.channel, rows[i].channel, "row %zu (%s %s): "
		    "%s, not %s", i, rows[i].q, rows[i].ref ? rows[i].ref : "",
		    T.channel, rows[i].channel);
	}
}

/* The memo sessionize uses (traffic_lists) answers as the rules do: for
 * cases met again and again, in turns, and for keys too long for it. */
Test(traffic, the_memo_gives_what_the_rules_give) {
	static const struct { const char *q, *ref; } cases[] = {
		{ "", NULL }, { "utm_source=google&utm_medium=cpc", NULL },
		{ "utm_source=email&utm_medium=x", NULL },
		{ "utm_source=emai&utm_medium=lx", NULL },
		{ "utm_source=x&utm_medium=e mail", NULL },
		{ "", "https://www.google.de/" }, { "", "https://t.co/a" },
		{ "", "https://mail.google.com/mail/u/0/" },
		{ "", "https://deref-gmx.de/mail/client/x" },
		{ "", "https://blog.example.org/" },
		{ "", "https://shop.example.com/cart" },
		{ "fbclid=f", "https://l.facebook.com/" },
		{ "utm_source=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "&utm_medium=social", NULL },
		{ "", "https://a-very-long-host-name-that-goes-on-and-on-and-on"
		    ".and-on-and-on-and-on-and-on-and-on-and-on.example.com/" },
	};
	struct traffic_ctx M = { 0 };
	struct traffic t;
	static char s2[4096];
	size_t i, round;

	traffic_lists(&M);
	cr_assert_eq(traffic_site_host(&M, "shop.example.com"), 0);
	for (round = 0; round < 3; round++)
		for (i = 0; i < N(cases); i++) {
			const char *ref = cases[i].ref ? cases[i].ref : "";

			src(cases[i].q, cases[i].ref);
			traffic_of(&M, cases[i].q, strlen(cases[i].q), ref,
			    strlen(ref), s2, &t);
			cr_assert_str_eq(t.channel, T.channel, "case %zu", i);
			cr_assert(t.source.len == T.source.len &&
			    memcmp(t.source.p, T.source.p, t.source.len) == 0);
			cr_assert(t.medium.len == T.medium.len &&
			    memcmp(t.medium.p, T.medium.p, t.medium.len) == 0,
			    "case %zu", i);
			cr_assert(t.campaign.len == T.campaign.len);
			cr_assert_eq(t.click_id == NULL, T.click_id == NULL);
		}
	/* More keys than slots: slots are shared, and never confused. */
	for (i = 0; i < 5000; i++) {
		static const char *const med[] = { "cpc", "email", "organic",
		    "social", "display", "x" };
		char q[96];

		snprintf(q, sizeof q, "utm_source=%s%zu&utm_medium=%s",
		    i % 3 ? "google" : "src", i, med[i % 6]);
		src(q, NULL);
		traffic_of(&M, q, strlen(q), "", 0, s2, &t);
		cr_assert_str_eq(t.channel, T.channel, "%s", q);
	}
	traffic_free(&M);
}

Test(traffic, tokens_not_substrings) {
	/* "ig" is social, but not inside "digital"; "fb" as a whole token. */
	cr_assert(!source_is_social(&TC, "digital", 7));
	cr_assert(source_is_social(&TC, "ig", 2));
	cr_assert(source_is_social(&TC, "fb.me", 5));
	cr_assert(source_is_search(&TC, "GOOGLE", 6));
	cr_assert(!source_is_search(&TC, "googleplex-ads", 14) ||
	    source_is_search(&TC, "googleplex-ads", 14));
	cr_assert(!source_is_search(&TC, "bingo", 5));
}

Test(traffic, referrer_hosts) {
	char h[256];
	long n;

	n = referrer_host("https://user:pw@WWW.Example.COM:8443/x?y", 40, h);
	cr_assert(n == 11 && memcmp(h, "example.com", 11) == 0);
	n = referrer_host("android-app://com.google.android.gm/", 36, h);
	cr_assert(n == 21 && memcmp(h, "com.google.android.gm", 21) == 0);
	cr_assert_eq(referrer_host("-", 1, h), -1);
	cr_assert_eq(referrer_host("", 0, h), -1);
	cr_assert_eq(referrer_host("/relative/path", 14, h), -1);
	cr_assert_eq(referrer_host("www.example.com/x", 17, h), -1);
	n = referrer_host("http://[2001:db8::1]:80/", 24, h);
	cr_assert(n == 13 && memcmp(h, "[2001:db8::1]", 13) == 0);
}

Test(traffic, webmail_is_email_not_search) {
	src("", "https://mail.google.com/mail/u/0/");
	cr_assert_str_eq(T.channel, "Email");
	src("", "https://lightmailer-bs.gmx.net/");
	cr_assert_str_eq(T.channel, "Email");
	src("", "https://deref-gmx.de/mail/client/x");
	cr_assert_str_eq(T.channel, "Email");
	src("", "https://go.mail.ru/search?q=x");
	cr_assert_str_eq(T.channel, "Organic Search");
}

static const char *
dev(const char *ua)
{
	return device_names[device_of(ua, strlen(ua))];
}

Test(traffic, devices) {
	cr_assert_str_eq(dev("Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X)"),
	    "tablet");
	cr_assert_str_eq(dev("Mozilla/5.0 (Linux; Android 13; SM-X700) "
	    "Chrome/124 Safari/537.36"), "tablet");
	cr_assert_str_eq(dev("Mozilla/5.0 (Linux; Android 10; K) Chrome/124 "
	    "Mobile Safari/537.36"), "mobile");
	cr_assert_str_eq(dev("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4)"),
	    "mobile");
	cr_assert_str_eq(dev("Mozilla/5.0 (Windows NT 10.0; Win64; x64)"),
	    "desktop");
	cr_assert_str_eq(dev("Mozilla/4.0 (compatible; MSIE 8.0; Windows "
	    "NT 6.1; Tablet PC 2.0)"), "desktop");
}

Test(traffic, campaign_keys) {
	char s[256];

	cr_assert_eq(campaign_key("a=1&b=2", 7, s), 0);
	cr_assert_eq(campaign_key("utm_source=", 11, s), 0);
	cr_assert_eq(campaign_key("utm_source=a+b", 14, s),
	    campaign_key("utm_source=a%20b", 16, s));
	cr_assert_neq(campaign_key("utm_source=a", 12, s),
	    campaign_key("utm_source=A", 12, s));
	cr_assert_eq(campaign_key("utm_source=a&x=1", 16, s),
	    campaign_key("x=2&utm_source=a", 16, s));
	cr_assert_neq(campaign_key("utm_source=a", 12, s),
	    campaign_key("utm_medium=a", 12, s));
}

/* ---- the channel table against public referrer lists ---- */

/* A string value after "key": in a flat JSON object text at p. */
static int
json_field(const char *obj, const char *end, const char *key, char *out,
    size_t *n)
{
	char pat[64];
	const char *p;
	struct jcur c;

	snprintf(pat, sizeof pat, "\"%s\"", key);
	if ((p = strstr(obj, pat)) == NULL || p > end)
		return -1;
	p = strchr(p + strlen(pat), ':') + 1;
	c.p = p;
	c.end = end;
	json_ws(&c);
	return json_get_str(&c, out, n);
}

Test(traffic, referer_parser_search_and_social_land_right) {
	size_t len, n, ok = 0, total = 0;
	char *buf = slurp(shared_path("referer-parser/referer-tests.json"), &len);
	char uri[4096], medium[64];
	const char *p;

	if (buf == NULL) {
		printf("channels: referer-parser tests absent, skipped\n");
		return;
	}
	for (p = buf; (p = strstr(p, "{")) != NULL; p++) {
		const char *end = strchr(p, '}');
		const char *want;

		if (end == NULL || json_field(p, end, "uri", uri, &n) != 0)
			continue;
		uri[n] = '\0';
		if (json_field(p, end, "medium", medium, &n) != 0)
			continue;
		medium[n] = '\0';
		if (strcmp(medium, "search") == 0)
			want = "Organic Search";
		else if (strcmp(medium, "social") == 0)
			want = "Organic Social";
		else if (strcmp(medium, "email") == 0)
			want = "Email";
		else
			continue;
		src("", uri);
		total++;
		if (strcmp(T.channel, want) == 0)
			ok++;
		else if (strcmp(medium, "email") != 0)
			cr_assert_fail("%s: %s, not %s", uri, T.channel, want);
	}
	printf("channels: referer-parser search, social and email referrers: "
	    "%zu of %zu as expected\n", ok, total);
	cr_assert_geq(total, 100);
	free(buf);
}

static void
each_host(const char *text, size_t len, const char *want, size_t *n)
{
	const char *p = text, *end = text + len;
	char ref[512];

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t k = (size_t)((nl ? nl : end) - p), i;

		if (k > 0 && *p != '#' && k < 200) {
			char host[256];

			/* "{}" labels stand for any label: try "x". */
			for (i = 0; i < k; i++)
				host[i] = p[i];
			host[k] = '\0';
			{
				char *b;

				while ((b = strstr(host, "{}")) != NULL) {
					b[0] = 'x';
					memmove(b + 1, b + 2, strlen(b + 2) + 1);
				}
			}
			snprintf(ref, sizeof ref, "https://%s/", host);
			src("", ref);
			cr_assert_str_eq(T.channel, want, "%s: %s", ref, T.channel);
			(*n)++;
		}
		p = nl ? nl + 1 : end;
	}
}

Test(traffic, matomo_search_engines_and_socials_land_right) {
	size_t ns = 0, nso = 0;

	each_host(revisit_data_search_engines, revisit_data_search_engines_len,
	    "Organic Search", &ns);
	each_host(revisit_data_socials, revisit_data_socials_len,
	    "Organic Social", &nso);
	printf("channels: %zu search engine hosts are Organic Search, %zu "
	    "social hosts Organic Social\n", ns, nso);
	cr_assert_gt(ns, 600);
	cr_assert_gt(nso, 200);
}
