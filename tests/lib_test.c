/*
 * lib_test.c - unit tests of stages/lib: time parsing, JSON, hashing, sets,
 * output buffers and atomic files, MessagePack encoders, hit records.
 */
#define _GNU_SOURCE	/* F_SETPIPE_SZ */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arena.h"
#include "device.h"
#include "hash.h"
#include "hit.h"
#include "json.h"
#include "lists.h"
#include "mpc.h"
#include "mpk.h"
#include "prog.h"
#include "readahead.h"
#include "records.h"
#include "session.h"
#include "strset.h"
#include "timeparse.h"
#include "wbuf.h"

#define S(x) x, strlen(x)

Test(timeparse, clf_applies_the_utc_offset) {
	struct clf_cache c = { 0 };
	int64_t ms;

	cr_assert_eq(time_parse_clf(S("10/Oct/2024:13:55:36 +0000"), &c, &ms), 0);
	cr_assert_eq(ms, 1728568536000LL);
	cr_assert_eq(time_parse_clf(S("07/Dec/2016:11:05:07 +0100"), &c, &ms), 0);
	cr_assert_eq(ms, 1481105107000LL);	/* 10:05:07Z */
	cr_assert_eq(time_parse_clf(S("22/Jan/2019:03:56:14 +0330"), &c, &ms), 0);
	cr_assert_eq(ms, 1548116774000LL);	/* 00:26:14Z */
	cr_assert_eq(time_parse_clf(S("10/Feb/2012:16:42:07 -0500"), &c, &ms), 0);
	cr_assert_eq(ms, 1328910127000LL);	/* 21:42:07Z */
}

Test(timeparse, clf_cache_is_keyed_by_minute_and_zone) {
	struct clf_cache c = { 0 };
	int64_t a, b;

	cr_assert_eq(time_parse_clf(S("10/Oct/2024:13:55:36 +0000"), &c, &a), 0);
	cr_assert_eq(time_parse_clf(S("10/Oct/2024:13:55:59 +0000"), &c, &b), 0);
	cr_assert_eq(b - a, 23000);
	cr_assert_eq(time_parse_clf(S("10/Oct/2024:13:55:59 +0200"), &c, &b), 0);
	cr_assert_eq(a - b, 2 * 3600000 - 23000);
}

Test(timeparse, clf_rejects_bad_dates) {
	struct clf_cache c = { 0 };
	int64_t ms;

	cr_assert_eq(time_parse_clf(S("31/Foo/2024:13:55:36 +0000"), &c, &ms), -1);
	cr_assert_eq(time_parse_clf(S("31/Jun/2024:13:55:36 +0000"), &c, &ms), -1);
	cr_assert_eq(time_parse_clf(S("29/Feb/2023:13:55:36 +0000"), &c, &ms), -1);
	cr_assert_eq(time_parse_clf(S("29/Feb/2024:13:55:36 +0000"), &c, &ms), 0);
	cr_assert_eq(time_parse_clf(S("10/Oct/2024:24:00:00 +0000"), &c, &ms), -1);
	cr_assert_eq(time_parse_clf(S("10/Oct/2024:13:55:36"), &c, &ms), -1);
	cr_assert_eq(time_parse_clf(S("10/Oct/2024:13:55:36 0000x"), &c, &ms), -1);
}

Test(timeparse, iso8601_forms) {
	int64_t ms;

	cr_assert_eq(time_parse_iso8601(S("2024-06-03T13:15:21Z"), &ms), 0);
	cr_assert_eq(ms, 1717420521000LL);
	cr_assert_eq(time_parse_iso8601(S("2024-06-03T15:15:21+02:00"), &ms), 0);
	cr_assert_eq(ms, 1717420521000LL);
	cr_assert_eq(time_parse_iso8601(S("2024-06-03T15:15:21.250+0200"), &ms), 0);
	cr_assert_eq(ms, 1717420521250LL);
	cr_assert_eq(time_parse_iso8601(S("2024-06-03 13:15:21"), &ms), 0);
	cr_assert_eq(ms, 1717420521000LL);
	cr_assert_eq(time_parse_iso8601(S("2024-13-03T13:15:21Z"), &ms), -1);
	cr_assert_eq(time_parse_iso8601(S("2024-06-03T13:15:21Q"), &ms), -1);
}

/* Out of int64's range: refused, not overflowed (UBSan). */
Test(timeparse, epoch_overflow_is_refused) {
	int64_t ms;

	cr_assert_eq(time_parse_epoch(S("9999999999999999999"), 1000, &ms), -1);
	cr_assert_eq(time_parse_epoch(S("999999999999999999"), 1, &ms), -1);
	cr_assert_eq(time_parse_epoch(S("999999999999999999"), 1000, &ms), 0);
}

Test(timeparse, epoch_units) {
	int64_t ms;

	cr_assert_eq(time_parse_epoch(S("1728568536.123"), 1, &ms), 0);
	cr_assert_eq(ms, 1728568536123LL);
	cr_assert_eq(time_parse_epoch(S("1728568536"), 1, &ms), 0);
	cr_assert_eq(ms, 1728568536000LL);
	cr_assert_eq(time_parse_epoch(S("1728568536123"), 1000, &ms), 0);
	cr_assert_eq(ms, 1728568536123LL);
	cr_assert_eq(time_parse_epoch(S("1728568536123456"), 1000000, &ms), 0);
	cr_assert_eq(ms, 1728568536123LL);
	cr_assert_eq(time_parse_epoch(S("17x"), 1, &ms), -1);
	cr_assert_eq(time_parse_epoch(S(""), 1, &ms), -1);
}

Test(timeparse, w3c_date_and_time) {
	int64_t ms;

	cr_assert_eq(time_parse_w3c(S("2024-06-03"), S("13:15:21"), &ms), 0);
	cr_assert_eq(ms, 1717420521000LL);
	cr_assert_eq(time_parse_w3c(S("2024-06-03"), S("13:15:21.5"), &ms), 0);
	cr_assert_eq(ms, 1717420521500LL);
	cr_assert_eq(time_parse_w3c(S("2024/06/03"), S("13:15:21"), &ms), -1);
}

Test(timeparse, civil_round_trip) {
	int64_t z;

	for (z = -800000; z < 800000; z += 997) {
		unsigned m, d;
		int y;

		civil_from_days(z, &y, &m, &d);
		cr_assert_eq(days_from_civil(y, m, d), z);
	}
}

Test(timeparse, formats_iso) {
	char buf[32];

	time_format_iso(1717420521250LL, buf);
	cr_assert_str_eq(buf, "2024-06-03T13:15:21.250Z");
	time_format_iso(0, buf);
	cr_assert_str_eq(buf, "1970-01-01T00:00:00.000Z");
	time_format_iso(-1, buf);
	cr_assert_str_eq(buf, "1969-12-31T23:59:59.999Z");
	time_format_iso(951782400007LL, buf);		/* a leap day */
	cr_assert_str_eq(buf, "2000-02-29T00:00:00.007Z");
	time_format_iso(253402300799999LL, buf);
	cr_assert_str_eq(buf, "9999-12-31T23:59:59.999Z");
	time_format_iso(253402300800000LL, buf);	/* beyond 4 digits */
	cr_assert_str_eq(buf, "10000-01-01T00:00:00.000Z");
}

Test(hash, fnv1a64_known_vectors) {
	/* Published FNV-1a 64 test vectors. */
	cr_assert_eq(fnv1a64(FNV1A64_INIT, "", 0), 0xcbf29ce484222325ULL);
	cr_assert_eq(fnv1a64(FNV1A64_INIT, "a", 1), 0xaf63dc4c8601ec8cULL);
	cr_assert_eq(fnv1a64(FNV1A64_INIT, "foobar", 6), 0x85944171f73967e8ULL);
}

Test(hash, vid_format_is_h_and_16_hex) {
	char v[19] = { 0 };

	vid_format(0x0123456789abcdefULL, v);
	cr_assert_str_eq(v, "h:0123456789abcdef");
}

/* Capture a wbuf's output through a pipe-free temporary file. */
static char *
wbuf_capture(void (*fill)(struct wbuf *), size_t *len)
{
	char path[] = "/tmp/revisit-test-XXXXXX";
	int fd = mkstemp(path);
	struct wbuf w;
	struct stat st;
	char *buf;

	cr_assert(fd >= 0);
	wbuf_init(&w, fd);
	fill(&w);
	cr_assert_eq(wbuf_close(&w, 1), 0);
	fstat(fd, &st);
	buf = malloc((size_t)st.st_size + 1);
	pread(fd, buf, (size_t)st.st_size, 0);
	buf[st.st_size] = '\0';
	*len = (size_t)st.st_size;
	close(fd);
	unlink(path);
	return buf;
}

static void
fill_json(struct wbuf *w)
{
	json_put_str(w, "a\"b\\c\n\x01\xc3\xa9\xff\xe2\x82", 12);
}

Test(json, strings_are_binary_safe) {
	size_t n, dn;
	char *s = wbuf_capture(fill_json, &n);
	char out[64];
	struct jcur c = { s, s + n };

	cr_assert_str_eq(s, "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\\udcff\\udce2\\udc82\"");
	cr_assert_eq(json_get_str(&c, out, &dn), 0);
	cr_assert_eq(dn, 12);
	cr_assert(memcmp(out, "a\"b\\c\n\x01\xc3\xa9\xff\xe2\x82", 12) == 0);
	free(s);
}

static void
fill_empty(struct wbuf *w)
{
	json_put_str(w, NULL, 0);	/* msgpack-c's empty string */
}

/* Found by fuzzing (UBSan): an empty string with no bytes behind it. */
Test(json, an_empty_string_may_have_no_pointer) {
	size_t n;
	char *s = wbuf_capture(fill_empty, &n);

	cr_assert_str_eq(s, "\"\"");
	free(s);
}

Test(json, decodes_unicode_escapes_and_pairs) {
	const char *in = "\"\\u00e9\\ud83d\\ude00\\/x\"";
	struct jcur c = { in, in + strlen(in) };
	char out[32];
	size_t n;

	cr_assert_eq(json_get_str(&c, out, &n), 0);
	cr_assert_eq(n, 2 + 4 + 2);
	cr_assert(memcmp(out, "\xc3\xa9\xf0\x9f\x98\x80/x", 8) == 0);
}

Test(json, rejects_unterminated_and_bad_escapes) {
	const char *a = "\"abc", *b = "\"a\\qb\"";
	struct jcur c1 = { a, a + strlen(a) }, c2 = { b, b + strlen(b) };
	char out[16];
	size_t n;

	cr_assert_eq(json_get_str(&c1, out, &n), -1);
	cr_assert_eq(json_get_str(&c2, out, &n), -1);
}

Test(json, numbers_and_skip) {
	const char *in = "[1, {\"a\": [true, null]}, -2.5e3, \"x\\\"]\"] 42";
	struct jcur c = { in, in + strlen(in) };
	int64_t i;
	double d;
	int isint;

	cr_assert_eq(json_skip(&c), 0);
	json_ws(&c);
	cr_assert_eq(json_get_num(&c, &i, &d, &isint), 0);
	cr_assert(isint && i == 42);
	c.p = "-2.5e3";
	c.end = c.p + 6;
	cr_assert_eq(json_get_num(&c, &i, &d, &isint), 0);
	cr_assert(!isint && d == -2500.0);
}

static void
fill_big(struct wbuf *w)
{
	char chunk[1000];
	int i;

	memset(chunk, 'x', sizeof chunk);
	for (i = 0; i < 3000; i++)
		wbuf_write(w, chunk, sizeof chunk);
	wbuf_putc(w, '\n');
}

Test(wbuf, writes_past_its_buffer) {
	size_t n;
	char *s = wbuf_capture(fill_big, &n);

	cr_assert_eq(n, 3000001);
	cr_assert_eq(s[n - 1], '\n');
	free(s);
}

Test(wbuf, atomic_file_appears_only_when_kept) {
	const char *path = "/tmp/revisit-atomic-test";
	struct wbuf w;
	char buf[16] = { 0 };
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	write(fd, "old\n", 4);
	close(fd);
	cr_assert_eq(wbuf_open_atomic(&w, path), 0);
	wbuf_puts(&w, "new\n");
	cr_assert_eq(wbuf_close(&w, 0), 0);	/* a failed run */
	fd = open(path, O_RDONLY);
	read(fd, buf, sizeof buf - 1);
	close(fd);
	cr_assert_str_eq(buf, "old\n");
	cr_assert_eq(wbuf_open_atomic(&w, path), 0);
	wbuf_puts(&w, "new\n");
	cr_assert_eq(wbuf_close(&w, 1), 0);
	fd = open(path, O_RDONLY);
	memset(buf, 0, sizeof buf);
	read(fd, buf, sizeof buf - 1);
	close(fd);
	cr_assert_str_eq(buf, "new\n");
	unlink(path);
}

/* The direct encoders must write what msgpack-c's packer writes. */
Test(mpk, direct_encoders_match_msgpack_c) {
	static const int64_t ints[] = { 0, 1, 127, 128, 255, 256, 65535, 65536,
	    4294967295LL, 4294967296LL, INT64_MAX, -1, -32, -33, -128, -129,
	    -32768, -32769, -2147483648LL, -2147483649LL, INT64_MIN };
	static const size_t lens[] = { 0, 1, 31, 32, 255, 256, 65535, 65536 };
	msgpack_sbuffer sb;
	msgpack_packer pk;
	char *buf = malloc(200000), *p, *s = malloc(70000);
	size_t i;

	memset(s, 'q', 70000);
	for (i = 0; i < sizeof ints / sizeof ints[0]; i++) {
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_int64(&pk, ints[i]);
		p = mpw_int(buf, ints[i]);
		cr_assert_eq((size_t)(p - buf), sb.size, "int %lld", (long long)ints[i]);
		cr_assert(memcmp(buf, sb.data, sb.size) == 0);
		msgpack_sbuffer_destroy(&sb);
	}
	for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_str(&pk, lens[i]);
		msgpack_pack_str_body(&pk, s, lens[i]);
		msgpack_pack_map(&pk, lens[i]);
		p = mpw_str(buf, s, lens[i]);
		p = mpw_map(p, lens[i]);
		cr_assert_eq((size_t)(p - buf), sb.size, "str %zu", lens[i]);
		cr_assert(memcmp(buf, sb.data, sb.size) == 0);
		msgpack_sbuffer_destroy(&sb);
	}
	free(buf);
	free(s);
}

static struct hit sample;

static void
fill_hit(struct wbuf *w)
{
	hit_pack(w, &sample);
}

Test(hit, pack_unpack_round_trip) {
	struct hit h;
	msgpack_unpacked u;
	size_t n, off = 0;
	char *buf;

	memset(&sample, 0, sizeof sample);
	sample.ts = 1717420521000LL;
	sample.vid = (struct span){ "v1", 2 };
	sample.uid = (struct span){ "u\xff", 2 };
	sample.ip = (struct span){ "::1", 3 };
	sample.method = (struct span){ "GET", 3 };
	sample.path = (struct span){ "/p", 2 };
	sample.query = (struct span){ "", 0 };
	sample.status = 200;
	sample.bytes = 5000000000LL;
	sample.ua = (struct span){ "UA", 2 };
	sample.kind = HIT_ASSET;
	buf = wbuf_capture(fill_hit, &n);
	msgpack_unpacked_init(&u);
	cr_assert_eq(msgpack_unpack_next(&u, buf, n, &off), MSGPACK_UNPACK_SUCCESS);
	cr_assert_eq(off, n);
	cr_assert_eq(hit_decode(buf, n, &h), 0);
	cr_assert_eq(h.ts, sample.ts);
	cr_assert_eq(h.bytes, sample.bytes);
	cr_assert_eq(h.status, 200);
	cr_assert_eq(h.kind, HIT_ASSET);
	cr_assert(h.uid.len == 2 && memcmp(h.uid.p, "u\xff", 2) == 0);
	cr_assert_null(h.referrer.p);
	cr_assert_null(h.xff.p);
	cr_assert(mpk_is(mpk_get(&u.data, "type"), "hit"));
	msgpack_unpacked_destroy(&u);
	free(buf);
}

Test(hit, decode_rejects_records_without_ts_or_not_hits) {
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct hit h;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	mpk_cstr(&pk, "type");
	mpk_cstr(&pk, "hit");
	mpk_cstr(&pk, "vid");
	mpk_cstr(&pk, "x");
	cr_assert_eq(hit_decode(sb.data, sb.size, &h), -1);
	cr_assert_eq(hit_decode(sb.data, sb.size - 1, &h), -1);	/* cut */
	/* A complete record that is not a hit is not a cut one. */
	{
		size_t used;

		cr_assert_eq(hit_decode_prefix(sb.data, sb.size, &h, &used),
		    MPC_BAD);
		cr_assert_eq(hit_decode_prefix(sb.data, sb.size - 1, &h, &used),
		    MPC_SHORT);
	}
	msgpack_sbuffer_destroy(&sb);
}

/*
 * Both readers of hits give the same: status, length and every field.
 * They read a copy of exactly len bytes, so that AddressSanitizer sees
 * a read past the end.
 */
static void
decoders_agree(const char *whole, size_t len, const char *what, size_t at)
{
	struct hit a, b;
	size_t ua = 0, ub = 0;
	char *rec = malloc(len ? len : 1);
	int ra, rb;

	cr_assert_not_null(rec);
	memcpy(rec, whole, len);
	ra = hit_decode_prefix(rec, len, &a, &ua);
	rb = hit_decode_any_order(rec, len, &b, &ub);
	cr_assert_eq(ra, rb, "%s %zu: %d, not %d", what, at, ra, rb);
	if (ra != 0) {
		free(rec);
		return;
	}
#define SAME_SPAN(f) cr_assert(a.f.p == b.f.p && a.f.len == b.f.len, \
	"%s %zu: " #f " differs", what, at)
	cr_assert_eq(ua, ub, "%s %zu", what, at);
	SAME_SPAN(vid); SAME_SPAN(uid); SAME_SPAN(ip); SAME_SPAN(xff);
	SAME_SPAN(host); SAME_SPAN(method); SAME_SPAN(path);
	SAME_SPAN(query); SAME_SPAN(referrer); SAME_SPAN(ua);
#undef SAME_SPAN
	cr_assert(a.ts == b.ts && a.status == b.status && a.bytes == b.bytes &&
	    a.kind == b.kind && a.consent == b.consent, "%s %zu", what, at);
	free(rec);
}

static struct hit rand_hit;

static void
fill_rand_hit(struct wbuf *w)
{
	hit_pack(w, &rand_hit);
}

/*
 * Hits as hit_pack writes them are read in its order, anything else by
 * the reader of keys in any order: on random hits (fields present or
 * not, strings of every header size, integers of every width), each cut
 * short at every byte and each byte changed, the two agree.
 */
Test(hit, the_ordered_reader_agrees_with_the_general_one) {
	static char text[70000];
	static const size_t lens[] = { 0, 1, 5, 31, 32, 255, 256, 65535,
	    65536 };
	static const unsigned char sets[] = { 0x00, 0xff, 0xa3, 0xd9, 0xda,
	    0xc3, 0xcf, 0x80, 0x8f };
	static const int64_t ints[] = { 0, 5, 127, 128, 255, 256, 65536,
	    1717420521000LL, 5000000000LL, -1, -200 };
	uint32_t x = 7;
	int k, nplain = 0;

	memset(text, 'a', sizeof text);
#define RND() (x = x * 1103515245u + 12345u, x >> 8)
#define STR(f, opt) do { \
	if ((opt) && RND() % 3 == 0) { rand_hit.f = (struct span){ NULL, 0 }; \
	} else { size_t l_ = RND() % 4 ? RND() % 40 : \
	    lens[RND() % (sizeof lens / sizeof *lens)]; \
	rand_hit.f = (struct span){ text, l_ }; } } while (0)
	for (k = 0; k < 400; k++) {
		size_t n, i, j;
		char *rec, *m;

		memset(&rand_hit, 0, sizeof rand_hit);
		STR(vid, 0);
		STR(uid, 1);
		STR(ip, 0);
		STR(xff, 1);
		STR(host, 1);
		STR(method, 1);
		STR(path, 0);
		if (rand_hit.method.p == NULL)
			rand_hit.path = (struct span){ NULL, 0 };
		STR(query, 0);
		STR(referrer, 1);
		STR(ua, 0);
		rand_hit.ts = ints[RND() % (sizeof ints / sizeof *ints)];
		rand_hit.status = (int)(ints[RND() % 6]);
		rand_hit.bytes = ints[RND() % (sizeof ints / sizeof *ints)];
		rand_hit.kind = (enum hit_kind)(RND() % 3);
		rand_hit.consent = (int)(RND() % 3);
		rec = wbuf_capture(fill_rand_hit, &n);
		decoders_agree(rec, n, "whole", n);
		{	/* what hit_pack writes, the ordered reader takes */
			struct hit h;
			size_t used = 0;
			int plain = rand_hit.ts >= 0 && rand_hit.status >= 0 &&
			    rand_hit.bytes >= 0 && rand_hit.vid.len < 65536 &&
			    rand_hit.uid.len < 65536 && rand_hit.ip.len < 65536 &&
			    rand_hit.xff.len < 65536 &&
			    rand_hit.host.len < 65536 &&
			    rand_hit.method.len < 65536 &&
			    rand_hit.path.len < 65536 &&
			    rand_hit.query.len < 65536 &&
			    rand_hit.referrer.len < 65536 &&
			    rand_hit.ua.len < 65536;

			cr_assert_eq(hit_decode_ordered(rec, n, &h, &used),
			    plain ? 0 : 1, "hit %d", k);
			cr_assert_eq(used, plain ? n : 0);
			nplain += plain;
		}
		if (n > 2000) {	/* long strings: their cuts are alike */
			free(rec);
			continue;
		}
		for (i = 0; i < n; i++)
			decoders_agree(rec, i, "cut at", i);
		m = malloc(n);
		for (i = 0; i < n; i++)
			for (j = 0; j < sizeof sets; j++) {
				memcpy(m, rec, n);
				m[i] = (char)sets[j];
				decoders_agree(m, n, "byte changed at", i);
				m[i] = (char)(rec[i] + 1);
				decoders_agree(m, n, "byte + 1 at", i);
			}
		free(m);
		free(rec);
	}
	cr_assert_gt(nplain, 100, "%d plain hits of 400", nplain);
#undef STR
#undef RND
}

/* The cursor and msgpack-c agree on what they both read. */
Test(mpc, reads_what_msgpack_c_writes) {
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct mpc c;
	const char *s;
	size_t n, i;
	uint32_t m;
	int64_t v;
	double d;
	static const int64_t ints[] = { 0, 127, 128, 65536, -1, -33, -40000,
	    INT64_MIN, INT64_MAX };

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	mpk_cstr(&pk, "ints");
	msgpack_pack_array(&pk, 9);
	for (i = 0; i < 9; i++)
		msgpack_pack_int64(&pk, ints[i]);
	mpk_cstr(&pk, "f");
	msgpack_pack_double(&pk, 2.5);
	mpk_cstr(&pk, "nested");
	msgpack_pack_array(&pk, 3);
	msgpack_pack_array(&pk, 0);	/* empty: once skipped as 2^32 - 1 */
	msgpack_pack_map(&pk, 1);
	msgpack_pack_nil(&pk);
	msgpack_pack_true(&pk);
	msgpack_pack_bin(&pk, 3);
	msgpack_pack_bin_body(&pk, "a\0b", 3);
	mpc_init(&c, sb.data, sb.size);
	cr_assert_eq(mpc_map(&c, &m), 0);
	cr_assert_eq(m, 3);
	cr_assert(mpc_key_is(&c, "ints", 4));
	cr_assert_eq(mpc_str(&c, &s, &n), 0);
	cr_assert_eq(mpc_array(&c, &m), 0);
	for (i = 0; i < m; i++) {
		cr_assert_eq(mpc_int(&c, &v), 0);
		cr_assert_eq(v, ints[i]);
	}
	cr_assert_eq(mpc_str(&c, &s, &n), 0);
	cr_assert_eq(mpc_num(&c, &d), 0);
	cr_assert_float_eq(d, 2.5, 0);
	cr_assert_eq(mpc_str(&c, &s, &n), 0);
	cr_assert_eq(mpc_skip(&c), 0);
	cr_assert(c.p == c.end);
	/* Every cut short of the end is MPC_SHORT, never a crash. */
	for (i = 0; i < sb.size; i++) {
		mpc_init(&c, sb.data, i);
		cr_assert_eq(mpc_skip(&c), MPC_SHORT, "cut at %zu", i);
	}
	mpc_init(&c, "\xc1", 1);
	cr_assert_eq(mpc_skip(&c), MPC_BAD);
	msgpack_sbuffer_destroy(&sb);
}

Test(prog, parse_ratio_accepts_percent) {
	cr_assert_float_eq(parse_ratio("--x", "0.05"), 0.05, 1e-12);
	cr_assert_float_eq(parse_ratio("--x", "5%"), 0.05, 1e-12);
}

Test(prog, parse_ratio_rejects_words, .exit_code = EX_USAGE) {
	parse_ratio("--x", "lots");
}

Test(prog, parse_count_rejects_negatives, .exit_code = EX_USAGE) {
	parse_count("--x", "-3");
}

/* ---- audience list headers ---- */

/* A full list's header of 30 days' membership to w. */
static void
put_head(struct wbuf *w, char *name, char *definition, uint64_t count,
    int too_small)
{
	struct list_head h = { 0 };

	h.name = name;
	h.definition = definition;
	h.generated_at = 1717420521000LL;
	h.membership_days = 30;
	h.count = count;
	h.too_small = too_small;
	list_header_put(w, &h);
}

/* A uid member's first four fields, at o, in a map of n. */
static char *
put_member(char *o, size_t n, const char *audience, const char *id)
{
	o = mpw_map(o, n);
	o = mpw_lit(o, "type");
	o = mpw_lit(o, "member");
	o = mpw_lit(o, "audience");
	o = mpw_str(o, audience, strlen(audience));
	o = mpw_lit(o, "id");
	o = mpw_str(o, id, strlen(id));
	o = mpw_lit(o, "id_type");
	return mpw_lit(o, "uid");
}

static void
fill_list(struct wbuf *w)
{
	put_head(w, "cart_abandoners", "include add_to_cart within 7d", 1, 1);
	wbuf_commit(w, put_member(wbuf_reserve(w, 128), 4, "cart_abandoners",
	    "u1"));
}

Test(lists, a_header_written_reads_back) {
	char path[] = "/tmp/revisit-list-XXXXXX";
	struct list_reader r;
	struct list_member m;
	size_t n;
	char *buf = wbuf_capture(fill_list, &n);
	int fd = mkstemp(path);

	cr_assert(fd >= 0);
	cr_assert(write(fd, buf, n) == (ssize_t)n);
	close(fd);
	cr_assert(list_open(&r, path) == 0);
	cr_assert_eq(list_next(&r, &m), LIST_HEAD);
	cr_assert_str_eq(r.head.name, "cart_abandoners");
	cr_assert_str_eq(r.head.definition, "include add_to_cart within 7d");
	cr_assert_eq(r.head.generated_at, 1717420521000LL);
	cr_assert_eq(r.head.membership_days, 30);
	cr_assert_eq(r.head.count, 1);
	cr_assert_eq(r.head.too_small, 1);
	cr_assert_eq(list_next(&r, &m), LIST_MEMBER);
	cr_assert(m.idn == 2 && memcmp(m.id, "u1", 2) == 0 && m.is_uid);
	cr_assert_eq(list_next(&r, &m), 0);
	list_close(&r);
	unlink(path);
	free(buf);
}

/* A list of LONG_N members, each with vids and skus arrays: longer
 * than the reader's buffer, so records straddle its refills. */
#define LONG_N	40000

static void
fill_long_list(struct wbuf *w)
{
	char id[16];
	int i, j;

	put_head(w, "product_viewers", "include view_item within 14d", LONG_N,
	    0);
	for (i = 0; i < LONG_N; i++) {
		char *o = wbuf_reserve(w, 512);

		snprintf(id, sizeof id, "u%07d", i);
		o = put_member(o, 6, "product_viewers", id);
		o = mpw_lit(o, "vids");
		o = mpw_array(o, 2);
		o = mpw_lit(o, "v-aaaaaaaaaaaa");
		o = mpw_lit(o, "v-bbbbbbbbbbbb");
		o = mpw_lit(o, "skus");
		o = mpw_array(o, (size_t)(i % 11));
		for (j = 0; j < i % 11; j++)
			o = mpw_lit(o, "SKU-10001");
		wbuf_commit(w, o);
	}
}

/* Read path's list: the members in order, then end (0) or, cut, -1. */
static int
read_long(const char *path, int *members)
{
	struct list_reader r;
	struct list_member m;
	char id[16];
	int k;

	*members = 0;
	cr_assert(list_open(&r, path) == 0);
	cr_assert_eq(list_next(&r, &m), LIST_HEAD);
	cr_assert_eq(r.head.count, LONG_N);
	while ((k = list_next(&r, &m)) == LIST_MEMBER) {
		snprintf(id, sizeof id, "u%07d", *members);
		cr_assert(m.idn == strlen(id) && memcmp(m.id, id, m.idn) == 0);
		cr_assert_not_null(m.skus);
		cr_assert_eq((unsigned char)m.skus[0], 0x90 + *members % 11);
		cr_assert_eq(m.vidsn, 31);
		(*members)++;
	}
	list_close(&r);
	return k;
}

/* Records are decoded where they lie in the reader's buffer: across its
 * refills whole, and cut, reported. */
Test(lists, a_long_list_reads_back_whole_and_cut_is_an_error) {
	char path[] = "/tmp/revisit-list-XXXXXX";
	size_t n;
	char *buf = wbuf_capture(fill_long_list, &n);
	int fd = mkstemp(path), got;

	cr_assert(fd >= 0);
	cr_assert(n > 4u << 20, "longer than the reader's buffer");
	cr_assert(write(fd, buf, n) == (ssize_t)n);
	cr_assert_eq(read_long(path, &got), 0);
	cr_assert_eq(got, LONG_N);
	cr_assert(ftruncate(fd, (off_t)(n - 7)) == 0);
	cr_assert_eq(read_long(path, &got), -1);
	cr_assert_eq(got, LONG_N - 1);
	close(fd);
	unlink(path);
	free(buf);
}

/* Bytes as a readable descriptor (a pipe; small inputs only). */
static int
fd_of(const void *p, size_t n)
{
	int fds[2];

	cr_assert_eq(pipe(fds), 0);
	cr_assert_eq(write(fds[1], p, n), (ssize_t)n);
	close(fds[1]);
	return fds[0];
}

/*
 * mpc_skip steps over scalars inline and leaves the rest to
 * mpc_skip_slow: for every first byte, followed by enough bytes or cut
 * at each length, the two give the same status and the same end.
 */
Test(mpc, the_inline_skip_is_the_slow_one) {
	unsigned char buf[64];
	int t;

	for (t = 0; t < 256; t++) {
		size_t len;

		memset(buf, 0x01, sizeof buf);	/* small elements, if any */
		buf[0] = (unsigned char)t;
		buf[1] = 3;			/* a str8's or bin8's length */
		for (len = 0; len <= sizeof buf; len++) {
			struct mpc a, b;
			int ra, rb;

			mpc_init(&a, buf, len);
			mpc_init(&b, buf, len);
			ra = mpc_skip(&a);
			rb = mpc_skip_slow(&b);
			cr_assert_eq(ra, rb, "0x%02x cut at %zu: %d, not %d", t,
			    len, ra, rb);
			if (ra == 0)
				cr_assert_eq(a.p, b.p, "0x%02x cut at %zu", t, len);
		}
	}
}

Test(mpc, depth_is_checked_without_recursion) {
	char b[256];

	memset(b, 0x91, 24);	/* 24 nested one-element arrays, then nil */
	b[24] = (char)0xc0;
	cr_assert(mpc_depth_ok(b, 25, MPC_MAX_DEPTH));
	memset(b, 0x91, 25);
	b[25] = (char)0xc0;
	cr_assert_not(mpc_depth_ok(b, 26, MPC_MAX_DEPTH));
	cr_assert_not(mpc_depth_ok(b, 20, MPC_MAX_DEPTH));	/* cut */
	memcpy(b, "\x81\xa1k\x90", 4);	/* {"k": []} */
	cr_assert(mpc_depth_ok(b, 4, 1));
}

/* Found by fuzzing: records nested deeper than msgpack-c's stack made
 * revisit-dump and revisit-report die "out of memory". */
Test(mpk, recin_refuses_deep_nesting_as_data) {
	char b[128];
	struct recin in;
	msgpack_object *o;

	memset(b, 0x84, 120);	/* fixarrays of 4, nested 120 deep */
	recin_init(&in, fd_of(b, 120), "deep");
	cr_assert_eq(recin_next(&in, &o), -1);
	cr_assert_eq(in.status, EX_DATAERR);
	close(in.in.fd);
	recin_free(&in);
}

/* A few bytes that claim four billion elements: a cut record, not an
 * allocation of that many objects. */
Test(mpk, recin_huge_counts_cost_only_their_bytes) {
	struct recin in;
	msgpack_object *o;

	recin_init(&in, fd_of("\xdd\xff\xff\xff\xff\xc0\xc0", 7), "huge");
	cr_assert_eq(recin_next(&in, &o), -1);
	cr_assert_eq(in.status, EX_DATAERR);
	close(in.in.fd);
	recin_free(&in);
	recin_init(&in, fd_of("\x92\xc0\x81\xa1k\x01\xa1x", 8), "ok");
	cr_assert_eq(recin_next(&in, &o), 1);
	cr_assert_eq(o->type, MSGPACK_OBJECT_ARRAY);
	cr_assert_eq(o->via.array.size, 2);
	cr_assert_eq(recin_next(&in, &o), 1);
	cr_assert(o->type == MSGPACK_OBJECT_STR && o->via.str.size == 1);
	cr_assert_eq(recin_next(&in, &o), 0);
	close(in.in.fd);
	recin_free(&in);
}

/* ---- reading a pipe ahead (readahead.h, through mpr) ---- */

/* Record i: a str of a length that crosses every case: small, around
 * RA_HEAD, and longer than a block. */
static size_t
ra_reclen(int i)
{
	if (i == 40)
		return 3u << 20;
	if (i % 97 == 5)
		return RA_HEAD + 1000 + (size_t)i;
	return (size_t)(i * 37 % 700);
}

static size_t
ra_put(char *p, int i)
{
	size_t n = ra_reclen(i), h;

	p[0] = (char)0xdb;
	p[1] = (char)(n >> 24);
	p[2] = (char)(n >> 16);
	p[3] = (char)(n >> 8);
	p[4] = (char)n;
	h = 5;
	memset(p + h, 'a' + i % 26, n);
	return h + n;
}

#define RA_NREC	3000

static char *
ra_input(size_t *len)
{
	size_t cap = 0, n = 0;
	char *b;
	int i;

	for (i = 0; i < RA_NREC; i++)
		cap += 5 + ra_reclen(i);
	cr_assert_not_null(b = malloc(cap));
	for (i = 0; i < RA_NREC; i++)
		n += ra_put(b + n, i);
	*len = n;
	return b;
}

/* A child writes b into a pipe in chunks of odd sizes, with pauses, so
 * that reads return short blocks too; the read end is returned. */
static int
ra_writer(const char *b, size_t len, pid_t *pid)
{
	int fds[2];

	cr_assert_eq(pipe(fds), 0);
	cr_assert_geq(*pid = fork(), 0);
	if (*pid == 0) {
		size_t off = 0, k = 1;

		close(fds[0]);
		while (off < len) {
			size_t n = (k * 7919) % 300000 + 1;

			if (n > len - off)
				n = len - off;
			if (write_all(fds[1], b + off, n) != 0)
				_exit(1);
			off += n;
			if (k++ % 50 == 0)
				usleep(2000);
		}
		_exit(0);
	}
	close(fds[1]);
	return fds[0];
}

Test(readahead, records_of_a_pipe_whole_and_in_order) {
	size_t len, rlen, n;
	char *in = ra_input(&len);
	pid_t pid;
	int fd = ra_writer(in, len, &pid), st, i = 0;
	struct mpr r;
	const char *rec;

	cr_assert(ra_wanted(fd));
	mpr_init(&r, fd, "pipe");
	n = 0;
	while (mpr_next(&r, &rec, &rlen) > 0) {
		cr_assert_eq(rlen, 5 + ra_reclen(i), "record %d", i);
		cr_assert_eq(memcmp(rec, in + n, rlen), 0, "record %d", i);
		n += rlen;
		i++;
	}
	cr_assert_eq(i, RA_NREC);
	cr_assert_eq(n, len);
	cr_assert_eq(r.status, 0);
	cr_assert_not_null(r.ra);	/* it was read ahead */
	mpr_free(&r);
	close(fd);
	waitpid(pid, &st, 0);
	free(in);
}

/* Freed part way: the thread stops, whatever it had read ahead. */
Test(readahead, freed_part_way_the_thread_stops) {
	size_t len, rlen;
	char *in = ra_input(&len);
	pid_t pid;
	int fd = ra_writer(in, len, &pid), st, i;
	struct mpr r;
	const char *rec;

	mpr_init(&r, fd, "pipe");
	for (i = 0; i < 1000; i++)
		cr_assert_eq(mpr_next(&r, &rec, &rlen), 1);
	cr_assert_not_null(r.ra);
	mpr_free(&r);
	cr_assert_null(r.ra);
	close(fd);
	waitpid(pid, &st, 0);
	free(in);
}

/* A record cut by the end of a pipe is reported as cut. */
Test(readahead, a_cut_record_at_the_end_of_a_pipe) {
	char b[256];
	size_t n = ra_put(b, 3) - 2, len;
	pid_t pid;
	int fd = ra_writer(b, n, &pid), st;
	struct mpr r;
	const char *rec;

	mpr_init(&r, fd, "cut");
	cr_assert_eq(mpr_next(&r, &rec, &len), -1);
	cr_assert_eq(r.status, EX_DATAERR);
	mpr_free(&r);
	close(fd);
	waitpid(pid, &st, 0);
}

/* ---- a full output buffer handed to a pipe (wbuf_splice) ---- */

static unsigned char
spl_byte(size_t i)
{
	return (unsigned char)((i >> 12) * 131 + i * 7);
}

/* A child writes nblocks buffers' worth through wbuf_room, spliced;
 * the read end is returned. */
static int
spl_writer(size_t cap, size_t total, pid_t *pid, int *spliced)
{
	int fds[2], ok[2];

	cr_assert_eq(pipe(fds), 0);
	cr_assert_eq(pipe(ok), 0);
	cr_assert_geq(*pid = fork(), 0);
	if (*pid == 0) {
		struct wbuf w;
		size_t off = 0, room, i;
		char c;

		close(fds[0]);
		close(ok[0]);
		wbuf_init_cap(&w, fds[1], cap);
		wbuf_splice(&w);
		c = (char)w.splice;
		if (write(ok[1], &c, 1) != 1)
			_exit(2);
		while (off < total) {
			char *p = wbuf_room(&w, &room);

			if (room > total - off)
				room = total - off;
			for (i = 0; i < room; i++)
				p[i] = (char)spl_byte(off + i);
			wbuf_commit_n(&w, room);
			off += room;
		}
		_exit(wbuf_close(&w, 1) != 0);
	}
	close(fds[1]);
	close(ok[1]);
	cr_assert_eq(read(ok[0], spliced, 1), 1);
	close(ok[0]);
	return fds[0];
}

static void
spl_check(int fd, size_t total, int grow_after)
{
	size_t off = 0, i;
	char b[7000];
	ssize_t n;

	while ((n = read(fd, b, sizeof b)) > 0) {
		for (i = 0; i < (size_t)n; i++)
			cr_assert_eq((unsigned char)b[i], spl_byte(off + i),
			    "byte %zu", off + i);
		off += (size_t)n;
		if (grow_after && off >= (size_t)grow_after &&
		    off - (size_t)n < (size_t)grow_after) {
			/* The writer has filled the pipe: grow it, so that a
			 * splice could finish before the pages before it
			 * were read; then give it time to write on. */
			usleep(100000);
			cr_assert_geq(fcntl(fd, F_SETPIPE_SZ, 1 << 20), 0);
			usleep(200000);
		}
		if (off % (256 << 10) < sizeof b)
			usleep(1000);	/* a slow reader */
	}
	cr_assert_eq(off, total);
}

/* Each durability mode keeps the rename atomic: a dropped file leaves
 * the old one, a kept one replaces it whole (WBUF_DEFER only starts its
 * writeback, WBUF_SCRATCH skips the syncs). */
Test(wbuf, every_durability_mode_replaces_atomically) {
	const char *path = "/tmp/revisit-durable-test";
	int modes[] = { WBUF_SYNC, WBUF_DEFER, WBUF_SCRATCH }, saved = wbuf_durable;
	size_t m;

	for (m = 0; m < sizeof modes / sizeof modes[0]; m++) {
		struct wbuf w;
		char buf[16] = { 0 };
		int fd;

		wbuf_durable = modes[m];
		unlink(path);
		cr_assert_eq(wbuf_open_atomic(&w, path), 0);
		wbuf_puts(&w, "old\n");
		cr_assert_eq(wbuf_close(&w, 1), 0);
		cr_assert_eq(wbuf_open_atomic(&w, path), 0);
		wbuf_puts(&w, "dropped\n");
		cr_assert_eq(wbuf_close(&w, 0), 0);
		fd = open(path, O_RDONLY);
		cr_assert(fd >= 0);
		cr_assert_eq(read(fd, buf, sizeof buf - 1), 4);
		close(fd);
		cr_assert_str_eq(buf, "old\n", "mode %d", modes[m]);
		cr_assert_eq(wbuf_open_atomic(&w, path), 0);
		wbuf_puts(&w, "new\n");
		cr_assert_eq(wbuf_close(&w, 1), 0);
		fd = open(path, O_RDONLY);
		memset(buf, 0, sizeof buf);
		cr_assert_eq(read(fd, buf, sizeof buf - 1), 4);
		close(fd);
		cr_assert_str_eq(buf, "new\n", "mode %d", modes[m]);
	}
	wbuf_durable = saved;
	unlink(path);
}

Test(wbuf, spliced_buffers_reach_a_slow_reader_unchanged) {
	size_t total = (size_t)9 * WBUF_SIZE + 12345;
	pid_t pid;
	int spliced = 0, st;
	int fd = spl_writer(WBUF_SIZE, total, &pid, &spliced);

	cr_assert(spliced, "a pipe is spliced to");
	spl_check(fd, total, 0);
	close(fd);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* A reader that grows the pipe past the buffer (a 256 KiB buffer and a
 * pipe grown from 64 KiB to 1 MiB, which needs no privilege): the writer
 * sees it after its splice and copies from then on; no page is written
 * while the pipe still holds it. */
Test(wbuf, a_pipe_grown_by_its_reader_stops_the_splicing) {
	size_t cap = 256 << 10, total = 24 * cap;
	pid_t pid;
	int spliced = 0, st;
	int fd = spl_writer(cap, total, &pid, &spliced);

	cr_assert(spliced, "a pipe of 64 KiB is spliced to");
	spl_check(fd, total, (int)(3 * cap));
	close(fd);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

Test(wbuf, a_file_is_written_as_ever) {
	struct wbuf w;
	FILE *f = tmpfile();
	size_t room;
	char *p;

	wbuf_init(&w, fileno(f));
	wbuf_splice(&w);
	cr_assert_eq(w.splice, 0);
	p = wbuf_room(&w, &room);
	cr_assert_eq(room, WBUF_SIZE);
	memcpy(p, "abc", 3);
	wbuf_commit_n(&w, 3);
	cr_assert_eq(wbuf_close(&w, 1), 0);
	cr_assert_eq(lseek(fileno(f), 0, SEEK_END), 3);
	fclose(f);
}

/* A big block first, then small ones: none overlaps another. */
Test(arena, a_big_first_block_is_not_handed_out_again) {
	struct arena a = { 0 };
	size_t big = 300u << 10;
	char *b = arena_alloc(&a, big), *s;
	int i;

	memset(b, 'B', big);
	for (i = 0; i < 1000; i++) {
		s = arena_alloc(&a, 64);
		cr_assert(s >= b + big || s + 64 <= b, "block %d inside the big one", i);
		memset(s, 'S', 64);
	}
	for (i = 0; i < (int)big; i++)
		cr_assert_eq(b[i], 'B', "byte %d of the big block overwritten", i);
	arena_free(&a);
}

/* A reset arena hands out its current chunk again, from its start. */
Test(arena, a_reset_reuses_the_current_chunk) {
	struct arena a = { 0 };
	char *first, *again;
	int i;

	arena_reset(&a);			/* empty: nothing to do */
	for (i = 0; i < 3000; i++)		/* several chunks */
		arena_alloc(&a, 1000);
	arena_alloc(&a, 1u << 20);		/* a big one */
	arena_reset(&a);
	cr_assert_eq(a.total, 0);
	first = arena_alloc(&a, 16);
	memset(arena_alloc(&a, 5000), 1, 5000);
	arena_reset(&a);
	again = arena_alloc(&a, 16);
	cr_assert_eq(again, first, "the kept chunk, from its start");
	arena_free(&a);
	arena_alloc(&a, 1u << 20);		/* big, with no current chunk */
	arena_reset(&a);
	cr_assert_null(a.head);
	cr_assert_not_null(arena_alloc(&a, 16));
	arena_free(&a);
}

/* hits_each: every record in order, a hit decoded where it lies (across
 * the reader's buffer ends, one larger than the buffer too), other
 * records and damaged hits framed and given as NULL. */
struct seen {
	size_t		 n, hits, other;
	int		 ok;
};

static void
seen_hit(void *arg, const struct hit *h, const char *rec, size_t len,
    const struct records *r)
{
	struct seen *s = arg;
	struct hit again;

	s->n++;
	if (h == NULL) {
		s->other++;
		s->ok &= hit_decode(rec, len, &again) != 0;
		return;
	}
	s->ok &= r->nrec == s->n && h->ts == (int64_t)s->hits &&
	    hit_decode(rec, len, &again) == 0 && again.path.len ==
	    h->path.len && h->path.p >= rec && h->path.p < rec + len;
	s->hits++;
}

Test(hit, hits_each_decodes_where_records_lie) {
	char path[] = "/tmp/revisit-hits-XXXXXX", *big;
	int fd = mkstemp(path);
	struct wbuf w;
	msgpack_packer pk;
	struct records r;
	struct seen s = { 0, 0, 0, 1 };
	char *paths[1] = { path };
	size_t i, bigger = 3u << 20;

	cr_assert(fd >= 0);
	big = malloc(bigger);
	memset(big, 'p', bigger);
	big[0] = '/';
	wbuf_init(&w, fd);
	mpk_init(&pk, &w);
	memset(&sample, 0, sizeof sample);
	sample.vid = (struct span){ "v1", 2 };
	sample.method = (struct span){ "GET", 3 };	/* and so a path */
	sample.status = 200;
	sample.kind = HIT_PAGE;
	for (i = 0; i < 30000; i++) {
		sample.ts = (int64_t)i;
		sample.path = (struct span){ big, i == 777 ? bigger :
		    1 + i % 300 };
		hit_pack(&w, &sample);
		if (i % 5000 == 1) {	/* not a hit; a hit without ts */
			msgpack_pack_map(&pk, 1);
			mpk_cstr(&pk, "type");
			mpk_cstr(&pk, "summary");
			msgpack_pack_map(&pk, 2);
			mpk_cstr(&pk, "type");
			mpk_cstr(&pk, "hit");
			mpk_cstr(&pk, "vid");
			mpk_cstr(&pk, "x");
		}
	}
	cr_assert_eq(wbuf_close(&w, 1), 0);
	close(fd);
	cr_assert_eq(hits_each(paths, 1, 0, seen_hit, &s, &r), 0);
	unlink(path);
	free(big);
	cr_assert(s.ok);
	cr_assert_eq(s.hits, 30000);
	cr_assert_eq(s.other, 12);
	cr_assert_eq(r.n, 30012);
}

/* sessions_each: a session decoded where it lies (one with pages larger
 * than the reader's buffer too), the same as sess_decode reads it;
 * records that are not sessions given undecoded, framed on their own. */
struct sseen {
	struct sess	*dec;
	size_t		 n, sessions, other;
	int		 ok;
};

static void
seen_session(void *arg, int decoded, const char *rec, size_t len,
    const struct records *r)
{
	struct sseen *s = arg;
	struct sess again;

	s->n++;
	memset(&again, 0, sizeof again);
	if (!decoded) {
		s->other++;
		s->ok &= sess_decode(&again, rec, len) != 0;
	} else {
		s->ok &= r->nrec == s->n && s->dec->start ==
		    (int64_t)s->sessions && sess_decode(&again, rec, len) == 0 &&
		    again.start == s->dec->start && s->dec->vid.p > rec &&
		    s->dec->vid.p < rec + len && s->dec->nstages == 1 &&
		    s->dec->stages[0].ts == s->dec->start + 7;
		s->sessions++;
	}
	sess_free(&again);
}

Test(session, sessions_each_decodes_where_records_lie) {
	char path[] = "/tmp/revisit-sessions-XXXXXX", *big;
	int fd = mkstemp(path);
	struct wbuf w;
	msgpack_packer pk;
	struct records r;
	struct sess dec;
	struct sseen s = { &dec, 0, 0, 0, 1 };
	char *paths[1] = { path };
	size_t i, bigger = 3u << 20;

	cr_assert(fd >= 0);
	big = malloc(bigger);
	memset(big, 'p', bigger);
	memset(&dec, 0, sizeof dec);
	wbuf_init(&w, fd);
	mpk_init(&pk, &w);
	for (i = 0; i < 20000; i++) {
		msgpack_pack_map(&pk, 8);
		mpk_cstr(&pk, "type");
		mpk_cstr(&pk, "session");
		mpk_cstr(&pk, "vid");
		mpk_cstr(&pk, "v1");
		mpk_cstr(&pk, "sid");
		mpk_cstr(&pk, "00000000000000ab");
		mpk_cstr(&pk, "start");
		msgpack_pack_int64(&pk, (int64_t)i);
		mpk_cstr(&pk, "end");
		msgpack_pack_int64(&pk, (int64_t)i + 9);
		mpk_cstr(&pk, "pages");	/* skipped, whatever its size */
		msgpack_pack_array(&pk, 1);
		msgpack_pack_str(&pk, i == 333 ? bigger : 1 + i % 200);
		msgpack_pack_str_body(&pk, big, i == 333 ? bigger : 1 + i % 200);
		mpk_cstr(&pk, "stages_ts");	/* before their names */
		msgpack_pack_array(&pk, 1);
		msgpack_pack_int64(&pk, (int64_t)i + 7);
		mpk_cstr(&pk, "stages");
		msgpack_pack_array(&pk, 1);
		mpk_cstr(&pk, "view_item");
		if (i % 4000 == 2) {	/* a conversion with a session's
					   fields; a session cut short */
			msgpack_pack_map(&pk, 5);
			mpk_cstr(&pk, "type");
			mpk_cstr(&pk, "conversion");
			mpk_cstr(&pk, "vid");
			mpk_cstr(&pk, "v1");
			mpk_cstr(&pk, "sid");
			mpk_cstr(&pk, "00000000000000ab");
			mpk_cstr(&pk, "start");
			msgpack_pack_int64(&pk, 1);
			mpk_cstr(&pk, "end");
			msgpack_pack_int64(&pk, 2);
			msgpack_pack_map(&pk, 2);
			mpk_cstr(&pk, "type");
			mpk_cstr(&pk, "session");
			mpk_cstr(&pk, "vid");
			mpk_cstr(&pk, "v2");
		}
	}
	cr_assert_eq(wbuf_close(&w, 1), 0);
	close(fd);
	cr_assert_eq(sessions_each(paths, 1, 0, &dec, seen_session, &s, &r), 0);
	unlink(path);
	free(big);
	sess_free(&dec);
	cr_assert(s.ok);
	cr_assert_eq(s.sessions, 20000);
	cr_assert_eq(s.other, 10);
	cr_assert_eq(r.n, 20010);
}

/* An empty set answers without hashing (most nights have no opt-out
 * list), and one that grows past its first table still finds all. */
Test(strset, empty_then_grown) {
	struct strset *t = strset_new();
	char key[32];
	int i;

	cr_expect_not(strset_has(t, S("u1")));
	cr_expect_not(strset_has(t, "", 0));
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof key, "u%d", i);
		cr_expect_eq(strset_add(t, S(key)), 1);
	}
	cr_expect_eq(strset_add(t, S("u7")), 0);
	cr_expect_eq(strset_count(t), 1000);
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof key, "u%d", i);
		cr_expect(strset_has(t, S(key)));
	}
	cr_expect_not(strset_has(t, S("u1000")));
	cr_expect_not(strset_has(t, S("u")));
	strset_free(t);
}

/* The device classes of real agents, and the cache agreeing with them
 * when two agents share a slot's low hash bits. */
Test(device, classes)
{
	static const struct { const char *ua; int dev; } v[] = {
		{ "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
		  "(KHTML, like Gecko) Chrome/125.0 Safari/537.36", DEV_DESKTOP },
		{ "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) "
		  "AppleWebKit/605.1.15 Mobile/15E148", DEV_MOBILE },
		{ "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
		  "Chrome/125.0 Mobile Safari/537.36", DEV_MOBILE },
		{ "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 "
		  "Chrome/125.0 Safari/537.36", DEV_TABLET },
		{ "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X)", DEV_TABLET },
		{ "Mozilla/5.0 (Windows NT 6.1; Tablet PC 2.0)", DEV_DESKTOP },
		{ "", DEV_DESKTOP },
		/* The class names revisit-parse --lean writes, exactly. */
		{ "desktop", DEV_DESKTOP }, { "mobile", DEV_MOBILE },
		{ "tablet", DEV_TABLET }, { "mobile ", DEV_DESKTOP },
	};
	struct device_cache *c = device_cache_new();
	size_t i, k;

	for (k = 0; k < 2; k++)
		for (i = 0; i < sizeof v / sizeof v[0]; i++) {
			size_t n = strlen(v[i].ua);

			cr_assert_eq(device_of(v[i].ua, n), v[i].dev, "%s",
			    v[i].ua);
			cr_assert_eq(device_cached(c, v[i].ua, n), v[i].dev,
			    "%s (cached, round %zu)", v[i].ua, k);
		}
	free(c);
}
