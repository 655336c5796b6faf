/*
 * parse_test.c - unit tests of revisit-parse: format compilation, line
 * matching, hit building, and the bot classifier on public agent lists.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "botclass.h"
#include "hash.h"
#include "helpers.h"
#include "hitbuild.h"
#include "json.h"
#include "logfmt.h"
#include "parse.h"

static const struct lf_opts lo = { "cookie_vid", "cookie_uid", NULL, 0, NULL };

/* A compiled format, a matched line and its hit, kept for assertions. */
static struct lf F;
static struct lf_fields X;
static struct hb B;
static struct hit H;
static struct hb_opts HO;
static struct botclass *bots;
static char line[1 << 18];
static char err[256];

static void
setup(void)
{
	char e[256];

	bots = botclass_new(revisit_data_bots, revisit_data_bots_len, e,
	    sizeof e);
	cr_assert_not_null(bots, "%s", e);
	memset(&HO, 0, sizeof HO);
	HO.keep_bots = HO.keep_assets = 1;	/* built in full */
	hb_init(&B, &HO, bots);
}

static void
teardown(void)
{
	lf_free(&F);
	hb_free(&B);
	botclass_free(bots);
}

/* Compile fmt, match and build s; returns hb_build's or lf_match's -1. */
static int
build(const char *fmt, const char *s, size_t n)
{
	const char *why;
	size_t col;

	lf_free(&F);
	cr_assert_eq(lf_compile(&F, fmt, &lo, err, sizeof err), 0, "%s", err);
	memcpy(line, s, n);
	if (lf_match(&F, line, n, &X, &why, &col) != 0) {
		snprintf(err, sizeof err, "%s", why);
		return -1;
	}
	return hb_build(&B, &F, &X, n, &H, err, sizeof err);
}

#define BUILD(fmt, s) build(fmt, s, strlen(s))
#define EQ(span, s) do { \
	cr_assert_not_null((span).p, "%s is absent", #span); \
	cr_assert((span).len == strlen(s) && memcmp((span).p, s, (span).len) == 0, \
	    "%s is '%.*s', not '%s'", #span, (int)(span).len, (span).p, s); \
} while (0)

#define COMBINED_LINE "203.0.113.9 - - [10/Oct/2024:13:55:36 +0200] " \
	"\"GET /cart?x=1 HTTP/1.1\" 200 512 \"https://ref.example/\" " \
	"\"Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0\""

TestSuite(format, .init = setup, .fini = teardown);

Test(format, combined_fields) {
	cr_assert_eq(BUILD("combined", COMBINED_LINE), 0, "%s", err);
	cr_assert_eq(H.ts, 1728561336000LL);
	EQ(H.ip, "203.0.113.9");
	EQ(H.method, "GET");
	EQ(H.path, "/cart");
	EQ(H.query, "x=1");
	cr_assert_eq(H.status, 200);
	cr_assert_eq(H.bytes, 512);
	EQ(H.referrer, "https://ref.example/");
	EQ(H.ua, "Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0");
	cr_assert_eq(H.kind, HIT_PAGE);
	cr_assert_null(H.uid.p);
}

Test(format, nginx_string_equals_apache_string) {
	struct hit a;

	cr_assert_eq(BUILD("$remote_addr - $remote_user [$time_local] "
	    "\"$request\" $status $body_bytes_sent \"$http_referer\" "
	    "\"$http_user_agent\"", COMBINED_LINE), 0, "%s", err);
	a = H;
	cr_assert_eq(BUILD("%h %l %u %t \\\"%r\\\" %>s %b \\\"%{Referer}i\\\" "
	    "\\\"%{User-agent}i\\\"", COMBINED_LINE), 0, "%s", err);
	cr_assert_eq(a.ts, H.ts);
	cr_assert_eq(a.status, H.status);
	cr_assert(a.ua.len == H.ua.len);
	cr_assert(a.vid.len == H.vid.len && memcmp(a.vid.p, H.vid.p, a.vid.len) == 0);
}

Test(format, pasted_config_lines) {
	cr_assert_eq(BUILD("log_format main '$remote_addr - $remote_user "
	    "[$time_local] \"$request\" '\n    '$status $body_bytes_sent "
	    "\"$http_referer\" \"$http_user_agent\"';", COMBINED_LINE), 0, "%s",
	    err);
	EQ(H.referrer, "https://ref.example/");
	cr_assert_eq(BUILD("LogFormat \"%h %l %u %t \\\"%r\\\" %>s %b "
	    "\\\"%{Referer}i\\\" \\\"%{User-Agent}i\\\"\" combined",
	    COMBINED_LINE), 0, "%s", err);
	EQ(H.ua, "Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0");
}

Test(format, compile_errors_say_what_is_missing) {
	struct lf f;

	cr_assert_eq(lf_compile(&f, "$remote_addr $status", &lo, err,
	    sizeof err), -1);
	cr_assert(strstr(err, "time") != NULL, "%s", err);
	cr_assert_eq(lf_compile(&f, "[$time_local] $request", &lo, err,
	    sizeof err), -1);
	cr_assert(strstr(err, "status") != NULL, "%s", err);
	cr_assert_eq(lf_compile(&f, "nonsense", &lo, err, sizeof err), -1);
	cr_assert_eq(lf_compile(&f, "%{%d/%b}t %s", &lo, err, sizeof err), -1);
	cr_assert_eq(lf_compile(&f, "$time_local$status", &lo, err,
	    sizeof err), -1);
}

Test(format, combined_vid_cookies) {
	cr_assert_eq(BUILD("combined_vid", COMBINED_LINE " \"v123\" \"u9\""), 0,
	    "%s", err);
	EQ(H.vid, "v123");
	EQ(H.uid, "u9");
	cr_assert_eq(BUILD("combined_vid", COMBINED_LINE " \"-\" \"-\""), 0);
	cr_assert(H.vid.len == 18 && memcmp(H.vid.p, "h:", 2) == 0);
	cr_assert_null(H.uid.p);
}

Test(format, fallback_vid_is_fnv1a_of_address_and_agent) {
	const char *ip = "203.0.113.9";
	const char *ua = "Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0";
	uint64_t h = 0xcbf29ce484222325ULL;
	char want[19] = { 0 };
	const char *p;

	/* Written out, not through hash.h: the contract, independently. */
	for (p = ip; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	h = (h ^ 0x1f) * 0x100000001b3ULL;
	for (p = ua; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	snprintf(want, sizeof want, "h:%016llx", (unsigned long long)h);
	cr_assert_eq(BUILD("combined", COMBINED_LINE), 0);
	EQ(H.vid, want);
}

Test(format, vid_and_uid_fields_are_configurable) {
	struct lf_opts o = { "remote_user", "cookie_uid", NULL, 0, NULL };
	const char *why;
	size_t col;
	const char *s = "1.2.3.4 - alice [10/Oct/2024:13:55:36 +0000] \"GET / "
	    "HTTP/1.1\" 200 5 \"-\" \"UA/1 (x)\"";

	cr_assert_eq(lf_compile(&F, "combined", &o, err, sizeof err), 0);
	memcpy(line, s, strlen(s));
	cr_assert_eq(lf_match(&F, line, strlen(s), &X, &why, &col), 0);
	cr_assert_eq(hb_build(&B, &F, &X, strlen(s), &H, err, sizeof err), 0);
	EQ(H.vid, "alice");
}

/* The fields struct is reused from line to line: a field the next line
 * lacks is absent, not the last line's; a new format starts clean. */
Test(format, fields_reused_across_lines_and_formats) {
	const char *why;
	size_t col;
	const char *full = "1.2.3.4 - - [10/Oct/2024:13:55:36 +0000] \"GET / "
	    "HTTP/1.1\" 200 5 \"https://r.example/\" \"UA/1 (x)\"";
	const char *common = "1.2.3.4 - - [10/Oct/2024:13:55:36 +0000] \"GET / "
	    "HTTP/1.1\" 200 5";
	const char *nginx = "1.2.3.4 - [10/Oct/2024:13:55:36 +0000] 200";

	cr_assert_eq(lf_compile(&F, "combined", &lo, err, sizeof err), 0);
	cr_assert_eq(lf_match(&F, full, strlen(full), &X, &why, &col), 0);
	cr_assert_not_null(X.f[F_UA].p);
	cr_assert_eq(lf_match(&F, common, strlen(common), &X, &why, &col), 0);
	cr_assert(X.partial);
	cr_assert_null(X.f[F_UA].p);
	cr_assert_null(X.f[F_REFERER].p);
	cr_assert_eq(X.f[F_UA].n, 0);
	cr_assert_eq(lf_match(&F, full, strlen(full), &X, &why, &col), 0);
	cr_assert_not(X.partial);
	lf_free(&F);
	/* Same struct address, another format without a request. */
	cr_assert_eq(lf_compile(&F, "$remote_addr $remote_user [$time_local] "
	    "$status", &lo, err, sizeof err), 0);
	cr_assert_eq(lf_match(&F, nginx, strlen(nginx), &X, &why, &col), 0,
	    "%s", why);
	cr_assert_null(X.f[F_REQUEST].p);
	cr_assert_null(X.f[F_UA].p);
	cr_assert_not_null(X.f[F_STATUS].p);
}

Test(format, vid_from_a_cookie_header) {
	cr_assert_eq(BUILD("$remote_addr [$time_local] \"$request\" $status "
	    "\"$http_cookie\"", "1.2.3.4 [10/Oct/2024:13:55:36 +0000] \"GET / "
	    "HTTP/1.1\" 200 \"_ga=GA1.2; vid=abc; uid=u7\""), 0, "%s", err);
	EQ(H.vid, "abc");
	EQ(H.uid, "u7");
}

Test(format, escaped_quotes_and_backslashes) {
	cr_assert_eq(BUILD("combined", "1.2.3.4 - - [10/Oct/2024:13:55:36 "
	    "+0000] \"GET /a\\\"b HTTP/1.1\" 200 5 \"-\" \"say \\\"hi\\\" "
	    "\\\\o/\""), 0, "%s", err);
	EQ(H.path, "/a\"b");
	EQ(H.ua, "say \"hi\" \\o/");
	cr_assert_eq(BUILD("combined", "1.2.3.4 - - [10/Oct/2024:13:55:36 "
	    "+0000] \"GET /a\\x22b HTTP/1.1\" 200 5 \"-\" \"x\\x5Cy (z)\""), 0);
	EQ(H.path, "/a\"b");
	EQ(H.ua, "x\\y (z)");
}

Test(format, fallback_vid_hashes_the_agent_as_logged) {
	struct span a;
	char va[18];

	cr_assert_eq(BUILD("combined", "1.2.3.4 - - [10/Oct/2024:13:55:36 "
	    "+0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"a\\\"b\""), 0);
	memcpy(va, H.vid.p, 18);
	a.p = "a\\\"b";		/* the escape, not the decoded quote */
	a.len = 4;
	{
		uint64_t h = fnv1a64(FNV1A64_INIT, "1.2.3.4", 7);
		char want[18];

		h = fnv1a64(h, "\x1f", 1);
		h = fnv1a64(h, a.p, a.len);
		vid_format(h, want);
		cr_assert(memcmp(va, want, 18) == 0);
	}
}

Test(format, unescaped_quote_in_the_request_is_recovered) {
	cr_assert_eq(BUILD("combined", "1.2.3.4 - - [10/Oct/2024:13:55:36 "
	    "+0000] \"GET /a\"b HTTP/1.1\" 200 5 \"-\" \"UA/1 (x)\""), 0, "%s",
	    err);
	EQ(H.path, "/a\"b");
	cr_assert_eq(H.status, 200);
}

Test(format, runs_of_spaces_between_fields) {
	cr_assert_eq(BUILD("combined", "1.2.3.4   -  - [10/Oct/2024:13:55:36 "
	    "+0000] \"GET / HTTP/1.1\"  200   5 \"-\" \"UA/1 (x)\""), 0, "%s",
	    err);
	cr_assert_eq(H.bytes, 5);
}

/* Found while reading the literal matcher again: a format whose literal
 * has two spaces rejected the very lines it describes (the first space
 * took the line's run, the second found none). A run of spaces in the
 * format now matches a run of one or more in the line. */
Test(format, a_run_of_spaces_in_the_format) {
	static const char fmt[] = "$remote_addr - $remote_user [$time_local] "
	    "\"$request\"  $status $body_bytes_sent";

	cr_assert_eq(BUILD(fmt, "1.2.3.4 - - [10/Oct/2024:13:55:36 +0000] "
	    "\"GET / HTTP/1.1\"  200 5"), 0, "%s", err);
	cr_assert_eq(H.status, 200);
	cr_assert_eq(H.bytes, 5);
	cr_assert_eq(BUILD(fmt, "1.2.3.4 - - [10/Oct/2024:13:55:36 +0000] "
	    "\"GET / HTTP/1.1\" 200 6"), 0, "%s", err);
	cr_assert_eq(H.bytes, 6);
	cr_assert_eq(BUILD(fmt, "1.2.3.4 - - [10/Oct/2024:13:55:36 +0000] "
	    "\"GET / HTTP/1.1\"    200 7"), 0, "%s", err);
	cr_assert_eq(H.bytes, 7);
	cr_assert_eq(BUILD(fmt, "1.2.3.4 - - [10/Oct/2024:13:55:36 +0000] "
	    "\"GET / HTTP/1.1\"200 7"), -1);
}

Test(format, common_lines_under_combined_and_trailing_text) {
	cr_assert_eq(BUILD("combined", "::1 - - [26/Dec/2016:16:16:29 +0200] "
	    "\"GET /favicon.ico HTTP/1.1\" 404 209"), 0, "%s", err);
	EQ(H.ip, "::1");
	cr_assert_null(H.referrer.p);
	cr_assert_eq(H.kind, HIT_ASSET);
	cr_assert_eq(BUILD("combined", COMBINED_LINE " \"10.0.0.1\" extra"), 0);
	EQ(H.ua, "Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0");
}

Test(format, truncated_quote_is_rejected) {
	cr_assert_eq(BUILD("combined", "46.118.127.106 - - [20/May/2015:12:05:17 "
	    "+0000] \"GET /x HTTP/1.1\" 200 235 \"-\" \"Mozilla/5.0 (compatible; "
	    "Googlebot/2.1; +http://www.google.com/bot.html"), -1);
	cr_assert(strstr(err, "unterminated") != NULL, "%s", err);
}

Test(format, missing_ident_fields_are_rejected) {
	cr_assert_eq(BUILD("combined", "192.168.202.254 [20/Jul/2009:22:59:29 "
	    "+0000] \"GET /vmw HTTP/1.0\" 404 46210 \"-\" \"gPXE/0.9.7\""), -1);
}

Test(format, bad_values_are_named) {
	cr_assert_eq(BUILD("combined", "1.2.3.4 - - [31/Foo/2024:13:55:36 "
	    "+0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"x\""), -1);
	cr_assert(strstr(err, "bad timestamp '31/Foo/2024") != NULL, "%s", err);
	cr_assert_eq(BUILD("combined", "1.2.3.4 - - [10/Oct/2024:13:55:36 "
	    "+0000] \"GET / HTTP/1.1\" OK 5 \"-\" \"x\""), -1);
	cr_assert(strstr(err, "bad status 'OK'") != NULL, "%s", err);
	cr_assert_eq(BUILD("combined", "1.2.3.4 - - [10/Oct/2024:13:55:36 "
	    "+0000] \"GET / HTTP/1.1\" 200 5k \"-\" \"x\""), -1);
	cr_assert(strstr(err, "bad byte count") != NULL, "%s", err);
}

Test(format, requests_that_are_not_requests) {
	cr_assert_eq(BUILD("combined", "1.2.3.4 - - [10/Oct/2024:13:55:36 "
	    "+0000] \"-\" 408 - \"-\" \"-\""), 0, "%s", err);
	cr_assert_null(H.method.p);
	cr_assert_null(H.path.p);
	cr_assert_eq(H.bytes, 0);
	cr_assert_eq(H.kind, HIT_BOT);		/* agent "-" */
	cr_assert_eq(BUILD("combined", "1.2.3.4 - - [10/Oct/2024:13:55:36 "
	    "+0000] \"\" 400 0 \"-\" \"-\""), 0);
	cr_assert_null(H.method.p);
	cr_assert_eq(BUILD("combined", "1.2.3.4 - - [10/Oct/2024:13:55:36 "
	    "+0000] \"\\x16\\x03\\x01\\x00\\xa5\\x01\" 400 157 \"-\" \"-\""), 0);
	cr_assert_null(H.method.p);
	cr_assert_eq(H.status, 400);
}

Test(format, absolute_form_and_http09_targets) {
	cr_assert_eq(BUILD("combined", "1.2.3.4 - - [10/Oct/2024:13:55:36 "
	    "+0000] \"GET http://shop.example.com/p/1?a=b HTTP/1.1\" 200 5 "
	    "\"-\" \"x (y)\""), 0);
	EQ(H.path, "/p/1");
	EQ(H.query, "a=b");
	cr_assert_eq(BUILD("combined", "1.2.3.4 - - [10/Oct/2024:13:55:36 "
	    "+0000] \"GET /old\" 200 5 \"-\" \"x (y)\""), 0);
	EQ(H.path, "/old");
	cr_assert_eq(BUILD("combined", "1.2.3.4 - - [10/Oct/2024:13:55:36 "
	    "+0000] \"GET https://h.example HTTP/1.1\" 200 5 \"-\" \"x (y)\""), 0);
	EQ(H.path, "/");
}

Test(format, proxy_chains_pick_the_client) {
	cr_assert_eq(BUILD("combined", "10.0.0.2, 10.0.0.1, 85.181.35.98 - - "
	    "[07/Dec/2016:11:05:07 +0100] \"GET /ocelot HTTP/1.1\" 200 571 "
	    "\"-\" \"x (y)\""), 0, "%s", err);
	EQ(H.ip, "85.181.35.98");
	EQ(H.xff, "10.0.0.2, 10.0.0.1, 85.181.35.98");
	cr_assert_eq(BUILD("combined", "10.0.0.2, 10.0.0.1, 127.0.0.1 - - "
	    "[07/Dec/2016:11:05:07 +0100] \"GET / HTTP/1.1\" 200 5 \"-\" "
	    "\"x (y)\""), 0);
	EQ(H.ip, "10.0.0.2");
	cr_assert_eq(BUILD("combined", "\"10.5.102.222, 199.96.1.1, 204.246.1.1\" "
	    "10.2.1.185 - - [22/Jan/2016:13:18:29 +0000] \"GET / HTTP/1.1\" "
	    "200 5 \"-\" \"x (y)\""), 0, "%s", err);
	EQ(H.ip, "199.96.1.1");
	cr_assert_eq(BUILD("combined", "2a03:0000:10ff:f00f:0000:0000:0:8000, "
	    "10.225.192.17 10.2.2.121 - - [30/Dec/2016:06:47:09 +0000] \"GET / "
	    "HTTP/1.1\" 404 8571 \"-\" \"x (y)\""), 0, "%s", err);
	EQ(H.ip, "2a03:0000:10ff:f00f:0000:0000:0:8000");
}

Test(format, anonymized_addresses) {
	HO.anonymize_ip = 1;
	cr_assert_eq(BUILD("combined", COMBINED_LINE), 0);
	EQ(H.ip, "203.0.113.0");
	cr_assert_eq(BUILD("combined", "2001:db8:85a3:8d3:1319:8a2e:370:7348 - - "
	    "[10/Oct/2024:13:55:36 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" "
	    "\"x (y)\""), 0);
	EQ(H.ip, "2001:db8:85a3::");
	cr_assert_eq(BUILD("combined", "monitoring-server - - [10/Oct/2024:"
	    "13:55:36 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"x (y)\""), 0);
	EQ(H.ip, "monitoring-server");
}

Test(format, bytes_are_kept_as_logged) {
	static const char s[] = "1.2.3.4 - - [10/Oct/2024:13:55:36 +0000] "
	    "\"GET /\xa4\xce HTTP/1.0\" 200 5 \"-\" \"x\0y (z)\"";

	cr_assert_eq(build("combined", s, sizeof s - 1), 0, "%s", err);
	cr_assert(H.path.len == 3 && memcmp(H.path.p, "/\xa4\xce", 3) == 0);
	cr_assert(H.ua.len == 7 && memcmp(H.ua.p, "x\0y (z)", 7) == 0);
}

Test(format, very_long_lines) {
	static char s[200000];
	size_t n;

	n = (size_t)snprintf(s, sizeof s, "1.2.3.4 - - [10/Oct/2024:13:55:36 "
	    "+0000] \"GET /?q=");
	memset(s + n, 'a', 150000);
	n += 150000;
	n += (size_t)snprintf(s + n, sizeof s - n, " HTTP/1.1\" 200 5 \"-\" "
	    "\"x (y)\"");
	cr_assert_eq(build("combined", s, n), 0, "%s", err);
	cr_assert_eq(H.query.len, 150002);
}

Test(format, time_variants) {
	cr_assert_eq(BUILD("$remote_addr [$time_iso8601] \"$request\" $status",
	    "1.2.3.4 [2024-06-03T15:15:21+02:00] \"GET / HTTP/1.1\" 200"), 0,
	    "%s", err);
	cr_assert_eq(H.ts, 1717420521000LL);
	cr_assert_eq(BUILD("$msec $remote_addr \"$request\" $status",
	    "1717420521.250 1.2.3.4 \"GET / HTTP/1.1\" 200"), 0, "%s", err);
	cr_assert_eq(H.ts, 1717420521250LL);
	cr_assert_eq(BUILD("%{msec}t %h \"%r\" %>s",
	    "1717420521250 1.2.3.4 \"GET / HTTP/1.1\" 200"), 0, "%s", err);
	cr_assert_eq(H.ts, 1717420521250LL);
}

Test(format, vcombined_drops_the_port) {
	cr_assert_eq(BUILD("vcombined", "www.example.com:443 1.2.3.4 - - "
	    "[10/Feb/2012:16:42:07 -0500] \"GET / HTTP/1.0\" 301 368 \"-\" "
	    "\"x (y)\""), 0, "%s", err);
	EQ(H.host, "www.example.com");
	EQ(H.ip, "1.2.3.4");
}

Test(format, json_lines) {
	cr_assert_eq(BUILD("json", "{\"time_iso8601\":\"2024-06-03T13:15:21+00:00\","
	    "\"remote_addr\":\"1.2.3.4\",\"request\":\"GET /p?q=1 HTTP/2.0\","
	    "\"status\": 200,\"body_bytes_sent\":\"12\",\"http_referer\":\"\","
	    "\"http_user_agent\":\"Mozilla/5.0 \\\"quoted\\\" \\u00e9 (x)\","
	    "\"extra\":{\"a\":[1,2]},\"cookie_vid\":null}"), 0, "%s", err);
	cr_assert_eq(H.ts, 1717420521000LL);
	EQ(H.path, "/p");
	EQ(H.ua, "Mozilla/5.0 \"quoted\" \xc3\xa9 (x)");
	cr_assert_null(H.referrer.p);
	cr_assert_eq(H.bytes, 12);
	cr_assert(H.vid.len == 18);
}

Test(format, json_keys_are_mapped_by_options) {
	const char *m[] = { "time_iso8601=@timestamp", "remote_addr=client" };
	struct lf_opts o = { "cookie_vid", "cookie_uid", m, 2, NULL };
	const char *s = "{\"@timestamp\":\"2024-06-03T13:15:21Z\",\"client\":"
	    "\"9.9.9.9\",\"request\":\"GET / HTTP/1.1\",\"status\":\"404\"}";
	const char *why;
	size_t col;

	cr_assert_eq(lf_compile(&F, "json", &o, err, sizeof err), 0, "%s", err);
	memcpy(line, s, strlen(s));
	cr_assert_eq(lf_match(&F, line, strlen(s), &X, &why, &col), 0);
	cr_assert_eq(hb_build(&B, &F, &X, strlen(s), &H, err, sizeof err), 0,
	    "%s", err);
	EQ(H.ip, "9.9.9.9");
	cr_assert_eq(H.status, 404);
}

Test(format, w3c_cloudfront_and_iis) {
	const char *cf = "#Fields: date time x-edge-location sc-bytes c-ip "
	    "cs-method cs(Host) cs-uri-stem sc-status cs(Referer) "
	    "cs(User-Agent) cs-uri-query cs(Cookie)";
	const char *iis = "#Fields: date time s-ip cs-method cs-uri-stem "
	    "cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) "
	    "sc-status sc-substatus sc-win32-status time-taken";
	const char *why;
	char s[512];
	size_t col, n;

	cr_assert_eq(lf_compile_w3c(&F, cf, strlen(cf), &lo, err, sizeof err), 0,
	    "%s", err);
	n = (size_t)snprintf(s, sizeof s, "2024-06-03\t13:15:21\tFRA2\t512\t"
	    "192.0.2.1\tGET\td1.cloudfront.net\t/p/1\t200\t-\tMozilla/5.0%%20"
	    "(Windows%%20NT%%2010.0)\ta=1\tvid=v77;%%20uid=u1");
	cr_assert_eq(lf_match(&F, s, n, &X, &why, &col), 0, "%s", why);
	cr_assert_eq(hb_build(&B, &F, &X, n, &H, err, sizeof err), 0, "%s", err);
	cr_assert_eq(H.ts, 1717420521000LL);
	EQ(H.ua, "Mozilla/5.0 (Windows NT 10.0)");
	EQ(H.path, "/p/1");
	EQ(H.query, "a=1");
	EQ(H.vid, "v77");
	EQ(H.uid, "u1");
	cr_assert_eq(lf_compile_w3c(&F, iis, strlen(iis), &lo, err, sizeof err),
	    0, "%s", err);
	n = (size_t)snprintf(s, sizeof s, "2024-06-03 13:15:21 10.0.0.1 GET "
	    "/default.htm - 80 - 192.0.2.7 Mozilla/5.0+(Windows+NT+10.0) - 200 0 "
	    "0 15");
	cr_assert_eq(lf_match(&F, s, n, &X, &why, &col), 0, "%s", why);
	cr_assert_eq(hb_build(&B, &F, &X, n, &H, err, sizeof err), 0, "%s", err);
	EQ(H.ua, "Mozilla/5.0 (Windows NT 10.0)");
	EQ(H.ip, "192.0.2.7");
	EQ(H.query, "");
}

/* Found by fuzzing: a #Fields line without date, time or sc-status
 * leaked its fields (the sanitizer pass sees a leak). */
Test(format, w3c_without_the_needed_fields_is_an_error_and_frees) {
	const char *h = "#Fields: date cs-uri-stem";
	struct lf f = { 0 };

	cr_assert_eq(lf_compile_w3c(&f, h, strlen(h), &lo, err, sizeof err), -1);
	cr_assert_str_eq(err, "#Fields: needs date, time and sc-status");
	cr_assert_null(f.items);
}

static const char *
guess(const char *s)
{
	return parse_guess_format(s, strlen(s), &lo);
}

Test(format, guesses_presets) {
	cr_assert_str_eq(guess(COMBINED_LINE " \"v\" \"-\""), "combined_vid");
	cr_assert_str_eq(guess(COMBINED_LINE), "combined");
	/* A common line: combined, which reads common lines too. */
	cr_assert_str_eq(guess("1.2.3.4 - u [10/Feb/2012:16:42:07 -0500] "
	    "\"GET / HTTP/1.0\" 301 368"), "combined");
	cr_assert_str_eq(guess("www.example.com 1.2.3.4 - u [10/Feb/2012:"
	    "16:42:07 -0500] \"GET / HTTP/1.0\" 301 368 \"-\" \"x (y)\""),
	    "vcombined");
	cr_assert_str_eq(guess(" {\"a\":1}"), "json");
	cr_assert_null(guess("garbage"));
}

TestSuite(kind, .init = setup, .fini = teardown);

Test(kind, assets_by_extension) {
	cr_assert(hb_is_asset("/static/app.CSS", 15));
	cr_assert(hb_is_asset("/a/b.woff2", 10));
	cr_assert(hb_is_asset("/img/x.jpeg", 11));
	cr_assert(!hb_is_asset("/product/shoe.html", 18));
	cr_assert(!hb_is_asset("/robots.txt", 11));
	cr_assert(!hb_is_asset("/css/page", 9));
	cr_assert(!hb_is_asset("/a.b/c", 6));
	cr_assert(!hb_is_asset("/", 1));
}

Test(kind, pixels_are_pages) {
	const char *px[] = { "/px.gif" };

	HO.pixels = px;
	HO.npixels = 1;
	cr_assert_eq(BUILD("combined", "1.2.3.4 - - [10/Oct/2024:13:55:36 +0000] "
	    "\"GET /px.gif?e=1 HTTP/1.1\" 200 43 \"-\" \"x (y)\""), 0);
	cr_assert_eq(H.kind, HIT_PAGE);
	cr_assert_eq(BUILD("combined", "1.2.3.4 - - [10/Oct/2024:13:55:36 +0000] "
	    "\"GET /other.gif HTTP/1.1\" 200 43 \"-\" \"x (y)\""), 0);
	cr_assert_eq(H.kind, HIT_ASSET);
}

Test(kind, bots_before_assets_and_no_agent_no_bot) {
	cr_assert_eq(BUILD("combined", "1.2.3.4 - - [10/Oct/2024:13:55:36 +0000] "
	    "\"GET /a.css HTTP/1.1\" 200 43 \"-\" \"Mozilla/5.0 (compatible; "
	    "Googlebot/2.1; +http://www.google.com/bot.html)\""), 0);
	cr_assert_eq(H.kind, HIT_BOT);
	cr_assert_eq(BUILD("combined", "1.2.3.4 - - [10/Oct/2024:13:55:36 +0000] "
	    "\"GET / HTTP/1.1\" 200 43 \"-\" \"\""), 0);
	cr_assert_eq(H.kind, HIT_BOT);
	cr_assert_eq(BUILD("common", "1.2.3.4 - - [10/Oct/2024:13:55:36 +0000] "
	    "\"GET / HTTP/1.1\" 200 43"), 0);
	cr_assert_eq(H.kind, HIT_PAGE);
}

/* Dropped kinds stop at their kind; a line that is bad further on is
 * still a reject, and a kept kind is built in full. */
Test(kind, dropped_kinds_built_only_to_their_kind) {
	HO.keep_bots = HO.keep_assets = 0;
	cr_assert_eq(BUILD("combined", "1.2.3.4 - - [10/Oct/2024:13:55:36 +0000] "
	    "\"GET / HTTP/1.1\" 200 43 \"https://a.example/\" \"curl/8.0\""), 0);
	cr_assert_eq(H.kind, HIT_BOT);
	cr_assert_eq(H.status, 200);
	cr_assert_null(H.vid.p);
	cr_assert_null(H.referrer.p);
	cr_assert_eq(BUILD("combined", "1.2.3.4 - - [10/Oct/2024:13:55:36 +0000] "
	    "\"GET /a.css HTTP/1.1\" 200 43 \"-\" \"x (y)\""), 0);
	cr_assert_eq(H.kind, HIT_ASSET);
	cr_assert_null(H.vid.p);
	cr_assert_eq(BUILD("combined", "1.2.3.4 - - [10/Oct/2024:13:55:36 +0000] "
	    "\"GET / HTTP/1.1\" 2x0 43 \"-\" \"curl/8.0\""), -1);
	cr_assert_eq(BUILD("combined", "1.2.3.4 - - [10/Oct/2024:13:55:36 +0000] "
	    "\"GET / HTTP/1.1\" 200 43 \"https://a.example/\" \"x (y)\""), 0);
	cr_assert_eq(H.kind, HIT_PAGE);
	cr_assert_eq(H.vid.len, 18);
	cr_assert_eq(H.referrer.len, 18);
	HO.keep_bots = 1;
	cr_assert_eq(BUILD("combined", "1.2.3.4 - - [10/Oct/2024:13:55:36 +0000] "
	    "\"GET / HTTP/1.1\" 200 43 \"-\" \"curl/8.0\""), 0);
	cr_assert_eq(H.kind, HIT_BOT);
	cr_assert_eq(H.vid.len, 18);
}

Test(kind, private_addresses) {
	cr_assert(hb_ip_private("10.1.2.3", 8));
	cr_assert(hb_ip_private("172.20.0.1", 10));
	cr_assert(!hb_ip_private("172.32.0.1", 10));
	cr_assert(hb_ip_private("192.168.0.1", 11));
	cr_assert(hb_ip_private("127.0.0.1", 9));
	cr_assert(hb_ip_private("::1", 3));
	cr_assert(hb_ip_private("fd00::1", 7));
	cr_assert(hb_ip_private("fe80::1", 7));
	cr_assert(!hb_ip_private("2a03::1", 7));
	cr_assert(!hb_ip_private("8.8.8.8", 7));
}

/* ---- the bot classifier on public agent lists ---- */

struct uas {
	char	**v;
	size_t	  n;
};

static void
ua_add(struct uas *u, const char *s, size_t n)
{
	u->v = realloc(u->v, (u->n + 1) * sizeof *u->v);
	u->v[u->n] = malloc(n + 1);
	memcpy(u->v[u->n], s, n);
	u->v[u->n][n] = '\0';
	u->n++;
}

/* Every string in every array that follows key (or, key NULL, every
 * string of a top-level array). */
static int
json_strings(const char *path, const char *key, struct uas *u)
{
	size_t len, n;
	char *buf = slurp(path, &len), *out;
	const char *p;

	if (buf == NULL)
		return -1;
	out = malloc(len + 1);
	p = buf;
	for (;;) {
		struct jcur c;

		if (key) {
			char pat[64];

			snprintf(pat, sizeof pat, "\"%s\"", key);
			if ((p = strstr(p, pat)) == NULL)
				break;
			p = strchr(p, '[');
		} else if (p != buf || (p = strchr(buf, '[')) == NULL) {
			break;
		}
		c.p = p + 1;
		c.end = buf + len;
		for (;;) {
			json_ws(&c);
			if (*c.p == ']')
				break;
			cr_assert_eq(json_get_str(&c, out, &n), 0);
			ua_add(u, out, n);
			json_ws(&c);
			if (*c.p == ',')
				c.p++;
		}
		p = c.p;
		if (!key)
			break;
	}
	free(out);
	free(buf);
	return 0;
}

/* YAML scalars after "key:" on their own line, quoted or plain. With
 * family_key, only cases whose next family_key value is (or is not, when
 * want_family starts with '!') want_family. */
static int
yaml_values(const char *path, const char *key, const char *family_key,
    const char *want_family, struct uas *u)
{
	size_t len;
	char *buf = slurp(path, &len), *line, *save = NULL;
	char *pending = NULL;
	size_t klen = strlen(key);

	if (buf == NULL)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		char *s = line, v[4096];
		size_t n = 0;

		while (*s == ' ' || *s == '-')
			s++;
		if (strncmp(s, key, klen) == 0 && s[klen] == ':') {
			s += klen + 1;
			while (*s == ' ')
				s++;
			if (*s == '\'') {
				for (s++; *s; s++) {
					if (*s == '\'' && s[1] == '\'')
						s++;
					else if (*s == '\'')
						break;
					v[n++] = *s;
				}
			} else if (*s == '"') {
				for (s++; *s && *s != '"'; s++) {
					if (*s == '\\' && s[1])
						s++;
					v[n++] = *s;
				}
			} else {
				while (*s)
					v[n++] = *s++;
				while (n > 0 && v[n - 1] == ' ')
					n--;
			}
			v[n] = '\0';
			if (family_key == NULL)
				ua_add(u, v, n);
			else {
				free(pending);
				pending = strdup(v);
			}
		} else if (family_key && pending && strncmp(s, family_key,
		    strlen(family_key)) == 0) {
			int neg = want_family[0] == '!';
			int is = strstr(s, want_family + neg) != NULL;

			if (is != neg)
				ua_add(u, pending, strlen(pending));
			free(pending);
			pending = NULL;
		}
	}
	free(pending);
	free(buf);
	return 0;
}

static void
uas_free(struct uas *u)
{
	size_t i;

	for (i = 0; i < u->n; i++)
		free(u->v[i]);
	free(u->v);
	u->v = NULL;
	u->n = 0;
}

static size_t
count_bots(struct uas *u)
{
	size_t i, k = 0;

	for (i = 0; i < u->n; i++)
		k += u->v[i][0] == '\0' || strcmp(u->v[i], "-") == 0 ||
		    botclass_match(bots, u->v[i], strlen(u->v[i]));
	return k;
}

Test(bots, catch_98_percent_of_bots_and_flag_under_0_2_percent_of_browsers,
    .init = setup, .fini = teardown, .timeout = 600) {
	struct uas cua = { 0 }, ddb = { 0 }, spid = { 0 }, top = { 0 },
	    dd_browsers = { 0 }, uap_dev = { 0 };
	size_t k, neg = 0, fp = 0;

	cr_assert_eq(json_strings(TEST_DATA "/crawler-user-agents/"
	    "crawler-user-agents.json", "instances", &cua), 0);
	cr_assert_eq(yaml_values(TEST_DATA "/uap-core/test_device.yaml",
	    "user_agent_string", "family", "'Spider'", &spid), 0);
	cr_assert_eq(yaml_values(TEST_DATA "/uap-core/test_device.yaml",
	    "user_agent_string", "family", "!'Spider'", &uap_dev), 0);
	cr_assert_eq(json_strings(TEST_DATA "/top-user-agents/index.json", NULL,
	    &top), 0);
	cr_assert_eq(json_strings(TEST_DATA "/top-user-agents/desktop.json",
	    NULL, &top), 0);
	cr_assert_eq(json_strings(TEST_DATA "/top-user-agents/mobile.json",
	    NULL, &top), 0);
	cr_assert_gt(cua.n, 2000);
	cr_assert_gt(spid.n, 70);
	cr_assert_gt(uap_dev.n, 16000);

	k = count_bots(&cua);
	printf("bots: crawler-user-agents instances: %zu of %zu caught "
	    "(%.2f%%)\n", k, cua.n, 100.0 * k / cua.n);
	cr_assert_geq(k * 100, cua.n * 98);
	k = count_bots(&spid);
	printf("bots: uap-core Spider cases: %zu of %zu caught (%.2f%%)\n", k,
	    spid.n, 100.0 * k / spid.n);
	cr_assert_geq(k * 100, spid.n * 98);
	if (yaml_values(shared_path("device-detector-bots/fixtures_bots.yml"),
	    "user_agent", NULL, NULL, &ddb) == 0) {
		k = count_bots(&ddb);
		printf("bots: device-detector bot fixtures: %zu of %zu caught "
		    "(%.2f%%)\n", k, ddb.n, 100.0 * k / ddb.n);
		cr_assert_gt(ddb.n, 1300);
		cr_assert_geq(k * 100, ddb.n * 98);
		yaml_values(shared_path("device-detector-bots/fixtures_desktop.yml"),
		    "user_agent", NULL, NULL, &dd_browsers);
		yaml_values(shared_path(
		    "device-detector-bots/fixtures_smartphone.yml"), "user_agent",
		    NULL, NULL, &dd_browsers);
	} else {
		printf("bots: device-detector fixtures (LGPL, read from %s): "
		    "absent, skipped\n", shared_path(""));
	}
	fp += count_bots(&top);
	neg += top.n;
	fp += count_bots(&uap_dev);
	neg += uap_dev.n;
	fp += count_bots(&dd_browsers);
	neg += dd_browsers.n;
	printf("bots: browsers flagged: %zu of %zu (%.3f%%): top-user-agents "
	    "%zu, uap-core devices %zu, device-detector browsers %zu\n", fp, neg,
	    100.0 * fp / neg, top.n, uap_dev.n, dd_browsers.n);
	cr_assert_leq(fp * 1000, neg * 2);
	cr_assert_eq(count_bots(&top), 0, "a top browser agent is a bot");
	uas_free(&cua);
	uas_free(&ddb);
	uas_free(&spid);
	uas_free(&top);
	uas_free(&dd_browsers);
	uas_free(&uap_dev);
}

/*
 * The shipped patterns, each wrapped in (?:...) so that none is taken
 * as plain text: the one alternation revisit used to compile.
 */
static struct botclass *
bots_all_regex(void)
{
	const char *p = revisit_data_bots, *end = p + revisit_data_bots_len;
	char *t = malloc(revisit_data_bots_len * 2 + 16), e[256];
	size_t n = 0;
	struct botclass *b;

	cr_assert_not_null(t);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		if (le > p && *p != '#')
			n += (size_t)sprintf(t + n, "(?:%.*s)\n", (int)(le - p), p);
		p = nl ? nl + 1 : end;
	}
	b = botclass_new(t, n, e, sizeof e);
	cr_assert_not_null(b, "%s", e);
	free(t);
	return b;
}

static void
same_verdicts(struct botclass *a, struct botclass *b, const struct uas *u,
    const char *what)
{
	size_t i;

	for (i = 0; i < u->n; i++) {
		size_t n = strlen(u->v[i]);

		cr_assert_eq(botclass_match(a, u->v[i], n),
		    botclass_match(b, u->v[i], n), "%s: '%s'", what, u->v[i]);
	}
}

/*
 * Plain-text patterns are looked up, not compiled: on every agent of the
 * crawler, browser and device lists, and on edge cases, the verdict is
 * the one alternation of all the patterns gives.
 */
Test(bots, plain_patterns_looked_up_give_what_the_regex_gives,
    .init = setup, .fini = teardown, .timeout = 600) {
	struct botclass *all = bots_all_regex(), *mine;
	struct uas cua = { 0 }, uap = { 0 }, top = { 0 };
	static const char text[] = "Foo\\/1\nab\nx\\dy\n^Start\nY!J\n"
	    "q\\.r\n#Comment\n\nlast", bad[] = "ok\ntail\\\n";
	static const char *const hits[] = { "a Foo/1 b", "xx ab", "x7y",
	    "Start here", "Y!J", "q.r", "the last" };
	static const char *const misses[] = { "Foo1", "a", "xdy", "a Start",
	    "Y!", "qxr", "Comment", "las", "" };
	char e[256];
	size_t i;

	cr_assert_eq(json_strings(TEST_DATA "/crawler-user-agents/"
	    "crawler-user-agents.json", "instances", &cua), 0);
	cr_assert_eq(yaml_values(TEST_DATA "/uap-core/test_device.yaml",
	    "user_agent_string", NULL, NULL, &uap), 0);
	cr_assert_eq(json_strings(TEST_DATA "/top-user-agents/index.json", NULL,
	    &top), 0);
	cr_assert_gt(cua.n + uap.n + top.n, 10000);
	same_verdicts(bots, all, &cua, "crawler-user-agents");
	same_verdicts(bots, all, &uap, "uap-core");
	same_verdicts(bots, all, &top, "top-user-agents");
	botclass_free(all);
	uas_free(&cua);
	uas_free(&uap);
	uas_free(&top);
	/* Escapes, short patterns, anchors; a trailing backslash is a bad
	 * pattern as before. */
	cr_assert_null(botclass_new(bad, sizeof bad - 1, e, sizeof e),
	    "'tail\\' is not a pattern");
	mine = botclass_new(text, sizeof text - 1, e, sizeof e);
	cr_assert_not_null(mine, "%s", e);
	for (i = 0; i < sizeof hits / sizeof *hits; i++)
		cr_assert(botclass_match(mine, hits[i], strlen(hits[i])), "%s",
		    hits[i]);
	for (i = 0; i < sizeof misses / sizeof *misses; i++)
		cr_assert_not(botclass_match(mine, misses[i], strlen(misses[i])),
		    "%s", misses[i]);
	botclass_free(mine);
}

/*
 * A --bots file of one-byte lines: each "x\n" becomes "(?:x)|" in the
 * alternation, three bytes of pattern for each byte of text, and the
 * pattern's buffer had room for two (a heap overflow).
 */
Test(bots, a_list_of_one_byte_patterns_fits) {
	static char text[2000];
	struct botclass *b;
	char e[256];
	size_t i;

	for (i = 0; i < sizeof text; i += 2) {
		text[i] = (char)('a' + (i / 2) % 20);
		text[i + 1] = '\n';
	}
	b = botclass_new(text, sizeof text, e, sizeof e);
	cr_assert_not_null(b, "%s", e);
	cr_assert(botclass_match(b, "xxbxx", 5));
	cr_assert_not(botclass_match(b, "zzz", 3));
	botclass_free(b);
	/* A bad one among them: the message quotes the pattern, no more. */
	text[sizeof text - 2] = '(';
	cr_assert_null(botclass_new(text, sizeof text, e, sizeof e));
	cr_assert(strstr(e, "bad bot pattern") != NULL, "%s", e);
}

/* --consent-field: a refusal or a consent in the usual words, from a
 * variable of its own or from the Cookie header; anything else is
 * unknown. */
Test(format, consent_field)
{
	static const struct lf_opts o = { "cookie_vid", "cookie_uid", NULL, 0,
	    "cookie_adc" };
	static const struct { const char *v; int want; } cases[] = {
		{ "denied", HIT_CONSENT_REFUSED }, { "NO", HIT_CONSENT_REFUSED },
		{ "0", HIT_CONSENT_REFUSED }, { "granted", HIT_CONSENT_GIVEN },
		{ "1", HIT_CONSENT_GIVEN }, { "maybe", HIT_CONSENT_UNKNOWN },
		{ "-", HIT_CONSENT_UNKNOWN },
	};
	const char *why;
	size_t i, col, n;

	cr_assert_eq(lf_compile(&F, "$remote_addr - - [$time_local] "
	    "\"$request\" $status $body_bytes_sent \"$http_cookie\"", &o, err,
	    sizeof err), 0, "%s", err);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		n = (size_t)snprintf(line, sizeof line, "192.0.2.1 - - "
		    "[10/Oct/2024:13:55:36 +0000] \"GET / HTTP/1.1\" 200 1 "
		    "\"vid=v1; adc=%s\"", cases[i].v);
		cr_assert_eq(lf_match(&F, line, n, &X, &why, &col), 0, "%s", why);
		cr_assert_eq(hb_build(&B, &F, &X, n, &H, err, sizeof err), 0);
		EQ(H.vid, "v1");
		cr_assert_eq(H.consent, cases[i].want, "%s", cases[i].v);
	}
}

/* The Cookie header is decoded for the vid, the uid and the consent:
 * three times a long header with an escape in it was more than the
 * scratch room for a line (twice its length), and ASan saw the third
 * decode run past it (found by the parse-lines fuzzer). */
Test(format, a_long_escaped_cookie_decoded_three_times_stays_in_room)
{
	static const struct lf_opts o = { "cookie_vid", "cookie_uid", NULL, 0,
	    "cookie_adc" };
	const char *why;
	size_t col, n;
	int k;

	cr_assert_eq(lf_compile(&F, "$remote_addr - - [$time_local] "
	    "\"$request\" $status $body_bytes_sent \"$http_cookie\"", &o, err,
	    sizeof err), 0, "%s", err);
	n = (size_t)snprintf(line, sizeof line, "192.0.2.1 - - "
	    "[10/Oct/2024:13:55:36 +0000] \"GET / HTTP/1.1\" 200 1 "
	    "\"vid=v1; uid=u1; adc=no; x=\\\\");
	for (k = 0; k < 4000; k++)
		line[n++] = 'a' + k % 26;
	line[n++] = '"';
	cr_assert_eq(lf_match(&F, line, n, &X, &why, &col), 0, "%s", why);
	cr_assert_eq(hb_build(&B, &F, &X, n, &H, err, sizeof err), 0, "%s", err);
	EQ(H.vid, "v1");
	EQ(H.uid, "u1");
	cr_assert_eq(H.consent, HIT_CONSENT_REFUSED);
}

/* parse_run with the program's defaults writes the line's hit (a zeroed
 * parse_opts rejected every hit as outside --until 0); --lean writes its
 * agent as the device class and drops address, host and size. */
static size_t
run_defaults(int lean, struct hit *h, char *rec, size_t cap)
{
	static const char line[] = "203.0.113.9 - - [30/Jun/2024:10:00:00 "
	    "+0000] \"GET /p HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0 (iPhone; "
	    "CPU iPhone OS 17_4 like Mac OS X) Mobile/15E148\" \"v1\" \"-\"\n";
	char in[] = "/tmp/revisit-parse-test-XXXXXX";
	int fd = mkstemp(in);
	FILE *out = tmpfile();
	char *const paths[] = { in };
	struct parse_opts o;
	struct wbuf w;
	size_t n;

	cr_assert(fd >= 0 && out != NULL);
	cr_assert_eq(write(fd, line, sizeof line - 1), (ssize_t)(sizeof line - 1));
	close(fd);
	parse_opts_init(&o);
	o.format = "combined_vid";
	o.quiet = 1;
	o.lean = lean;
	wbuf_init(&w, fileno(out));
	cr_assert_eq(parse_run(paths, 1, &w, &o), 0);
	wbuf_flush(&w);
	free(w.buf);
	parse_opts_free(&o);
	unlink(in);
	rewind(out);
	n = fread(rec, 1, cap, out);
	fclose(out);
	cr_assert(n > 0, "no hit written");
	cr_assert_eq(hit_decode(rec, n, h), 0);
	return n;
}

Test(run, defaults_keep_every_time_and_lean_keeps_the_class)
{
	char whole[1024], lean[1024];
	struct hit h;
	size_t nw = run_defaults(0, &h, whole, sizeof whole), nl;

	cr_assert_eq(h.ts, 1719741600000LL);
	cr_assert_eq(h.ip.len, 11);
	cr_assert_eq(h.bytes, 512);
	nl = run_defaults(1, &h, lean, sizeof lean);
	cr_assert(h.ua.len == 6 && memcmp(h.ua.p, "mobile", 6) == 0);
	cr_assert(h.ip.len == 0 && h.bytes == 0 && h.host.p == NULL &&
	    h.xff.p == NULL);
	cr_assert(h.vid.len == 2 && memcmp(h.vid.p, "v1", 2) == 0);
	cr_assert_lt(nl, nw);
}
