/*
 * funnel_test.c - unit tests of revisit-funnel: rule parsing and its
 * errors, each matcher, conditions, captures, first match wins, the
 * default rules, purchases once per order id, money, the report counts.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "funnel.h"
#include "money.h"
#include "mpk.h"
#include "prog.h"
#include "rules.h"

static struct rules *R;
static struct capture C;
static char scratch[4096];

static struct rules *
rules(const char *text)
{
	return rules_new(text, strlen(text), "test.conf");
}

static int
match(const char *path, const char *query, const char *method)
{
	return rules_match(R, path, strlen(path), query, strlen(query), method,
	    strlen(method), scratch, &C);
}

#define CAP_IS(f, s) cr_assert(C.p[f] && C.n[f] == strlen(s) && \
	memcmp(C.p[f], s, C.n[f]) == 0, "capture %d is '%.*s', not '%s'", f, \
	C.p[f] ? (int)C.n[f] : 6, C.p[f] ? C.p[f] : "absent", s)

static void
use_default(void)
{
	R = rules_new(revisit_data_funnel, revisit_data_funnel_len, "default");
	cr_assert_not_null(R);
}

static void
free_rules(void)
{
	rules_free(R);
	R = NULL;
}

Test(rules, default_view_item_is_one_segment_after_product,
    .init = use_default, .fini = free_rules) {
	cr_assert_eq(rules_nstages(R), 4);
	cr_assert_str_eq(rules_stage(R, 0), "view_item");
	cr_assert_eq(match("/product/SKU-1", "", "GET"), 0);
	CAP_IS(CAP_SKU, "SKU-1");
	cr_assert_eq(match("/product/SKU-1/", "", "GET"), -1);
	cr_assert_eq(match("/product/a/b", "", "GET"), -1);
	cr_assert_eq(match("/product/", "", "GET"), -1);
	cr_assert_eq(match("/products/x", "", "GET"), -1);
}

Test(rules, default_cart_add_needs_a_sku, .init = use_default,
    .fini = free_rules) {
	cr_assert_eq(match("/cart/add", "sku=SKU-9&qty=1", "GET"), 1);
	CAP_IS(CAP_SKU, "SKU-9");
	cr_assert_eq(match("/cart/add", "sku=&qty=1", "GET"), -1);
	cr_assert_eq(match("/cart/add", "qty=1", "GET"), -1);
	cr_assert_eq(match("/cart/add", "sku=A%2FB+C", "POST"), 1);
	CAP_IS(CAP_SKU, "A/B C");
}

Test(rules, default_checkout_and_purchase, .init = use_default,
    .fini = free_rules) {
	cr_assert_eq(match("/checkout", "", "GET"), 2);
	cr_assert_eq(match("/checkout/payment", "", "GET"), 2);
	cr_assert_eq(match("/order/complete", "order_id=A1&value=12.50&"
	    "currency=EUR", "GET"), 3);
	CAP_IS(CAP_ORDER_ID, "A1");
	CAP_IS(CAP_VALUE, "12.50");
	CAP_IS(CAP_CURRENCY, "EUR");
	cr_assert_eq(match("/order/complete", "", "GET"), 3);
	cr_assert_null(C.p[CAP_ORDER_ID]);
	cr_assert_eq(match("/order/completed", "", "GET"), -1);
}

Test(rules, matchers_conditions_and_first_match_wins) {
	R = rules("a exact:/x\n"
	    "b prefix:/x  method:POST,PUT\n"	/* never: a matched /x */
	    "b prefix:/y  method:POST,PUT\n"
	    "c glob:/shop/*/item/**  sku=$2\n"
	    "d regex:^/p-(\\d+)$  sku=$1   # comment after a rule\n"
	    "e exact:/q  query:k=v  query:!z  value=query:amt currency=GBP\n"
	    "f exact:/q\n");
	cr_assert_not_null(R);
	cr_assert_eq(rules_nstages(R), 6);
	cr_assert_eq(match("/x", "", "POST"), 0);
	cr_assert_eq(match("/y/1", "", "GET"), -1);
	cr_assert_eq(match("/y/1", "", "PUT"), 1);
	cr_assert_eq(match("/y/1", "", "PUTS"), -1);
	cr_assert_eq(match("/shop/men/item/a/b", "", "GET"), 2);
	CAP_IS(CAP_SKU, "a/b");
	cr_assert_eq(match("/shop/men/women/item/a", "", "GET"), -1);
	cr_assert_eq(match("/p-42", "", "GET"), 3);
	CAP_IS(CAP_SKU, "42");
	cr_assert_eq(match("/p-x", "", "GET"), -1);
	cr_assert_eq(match("/q", "k=v&amt=9.99", "GET"), 4);
	CAP_IS(CAP_VALUE, "9.99");
	CAP_IS(CAP_CURRENCY, "GBP");
	cr_assert_eq(match("/q", "k=v&z=1", "GET"), 5);	/* z present */
	cr_assert_eq(match("/q", "k=w", "GET"), 5);
	rules_free(R);
}

/* Found by fuzzing: a second method: leaked the first; now it adds. */
Test(rules, a_second_method_adds_to_the_first) {
	R = rules("a exact:/x method:GET method:POST,PUT\n");
	cr_assert_not_null(R);
	cr_assert_eq(match("/x", "", "GET"), 0);
	cr_assert_eq(match("/x", "", "PUT"), 0);
	cr_assert_eq(match("/x", "", "HEAD"), -1);
	rules_free(R);
}

/* Found by fuzzing: a glob of many stars against a path it does not
 * match took time exponential in the stars; now each state once. */
Test(rules, a_glob_of_many_stars_fails_fast_on_a_long_path,
    .timeout = 10) {
	char path[4096];
	char *stars = malloc(32 * 3 + 16);
	size_t i;

	strcpy(stars, "a glob:/");
	for (i = 0; i < 30; i++)
		strcat(stars, "**a");
	strcat(stars, "b\n");
	R = rules(stars);
	cr_assert_not_null(R);
	path[0] = '/';
	memset(path + 1, 'a', sizeof path - 2);
	path[sizeof path - 1] = '\0';
	cr_assert_eq(match(path, "", "GET"), -1);
	path[sizeof path - 2] = 'b';
	cr_assert_eq(match(path, "", "GET"), 0);
	rules_free(R);
	cr_assert_null(rules("a glob:/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*"
	    "/*/*/*/*/*/*/*/*/*/*/*/*\n"));	/* 32 stars */
	free(stars);
}

/* A regex is tried only on paths that start with its literal text; what
 * follows the text, or an alternation anywhere, must not make a path it
 * matches look like one it cannot. */
Test(rules, regex_literal_start_never_hides_a_match, .fini = free_rules) {
	R = rules("a regex:^/products?/([^/]+)$ sku=$1\n"
	    "b regex:^/x|/alt$\n"
	    "c regex:^/q{0,1}z$\n"
	    "d regex:^/shop\\.html$\n"
	    "e regex:^/ab+c$\n");
	cr_assert_not_null(R);
	cr_assert_eq(match("/product/A", "", "GET"), 0);
	CAP_IS(CAP_SKU, "A");
	cr_assert_eq(match("/products/B", "", "GET"), 0);
	CAP_IS(CAP_SKU, "B");
	cr_assert_eq(match("/produc/B", "", "GET"), -1);
	cr_assert_eq(match("/x", "", "GET"), 1);
	cr_assert_eq(match("/y/alt", "", "GET"), 1);	/* |: no prefix */
	cr_assert_eq(match("/z", "", "GET"), 2);	/* q optional */
	cr_assert_eq(match("/qz", "", "GET"), 2);
	cr_assert_eq(match("/shop.html", "", "GET"), 3);
	cr_assert_eq(match("/shopxhtml", "", "GET"), -1);
	cr_assert_eq(match("/abbbc", "", "GET"), 4);
	cr_assert_eq(match("/ac", "", "GET"), -1);
	cr_assert_eq(match("/", "", "GET"), -1);	/* shorter than any */
}

/* ^literal([^/]+)$ is matched by hand: the same stage and capture as
 * PCRE2 gives for the same pattern written so that it is not seen. */
Test(rules, a_segment_regex_matched_by_hand_as_pcre2_does,
    .fini = free_rules) {
	static const char *const paths[] = { "/product/A", "/product/",
	    "/product/a/b", "/product/a\n", "/productx", "/product//",
	    "/product/%2F", "/product/a b", "/x/product/a", "/product/a/",
	    "/product", "/product/\xc3\xa9", "/Product/A", "" };
	struct rules *hand = rules("a regex:^/product/([^/]+)$ sku=$1\n");
	struct rules *pcre = rules("a regex:^/product/([^/]{1,})$ sku=$1\n");
	size_t i;

	cr_assert(hand && pcre);
	for (i = 0; i < sizeof paths / sizeof *paths; i++) {
		int a, b;
		char sa[64] = "", sb[64] = "";

		R = hand;
		a = match(paths[i], "", "GET");
		if (C.p[CAP_SKU])
			memcpy(sa, C.p[CAP_SKU], C.n[CAP_SKU]);
		R = pcre;
		b = match(paths[i], "", "GET");
		if (C.p[CAP_SKU])
			memcpy(sb, C.p[CAP_SKU], C.n[CAP_SKU]);
		cr_assert_eq(a, b, "%s: %d by hand, %d by PCRE2", paths[i], a,
		    b);
		cr_assert(a < 0 || strcmp(sa, sb) == 0, "%s: '%s' by hand, "
		    "'%s' by PCRE2", paths[i], sa, sb);
	}
	rules_free(hand);
	R = NULL;
	rules_free(pcre);
}

Test(rules, errors_name_file_and_line) {
	cr_assert_null(rules("a exact:/x\nb nonsense:/y\n"));
	cr_assert_null(rules("a regex:^/p-(\\d+$\n"));
	cr_assert_null(rules("a regex:^/p$ sku=$1\n"));	/* no group */
	cr_assert_null(rules("a exact:/x  colour=query:c\n"));
	cr_assert_null(rules("a\n"));
	cr_assert_null(rules("# only a comment\n"));
	cr_assert_null(rules("a exact:/x query:\n"));
}

Test(money, decimal_texts) {
	cr_assert_float_eq(money_value("12.50", 5), 12.5, 1e-12);
	cr_assert_float_eq(money_value("12,50", 5), 12.5, 1e-12);
	cr_assert_float_eq(money_value("1,234.56", 8), 1234.56, 1e-9);
	cr_assert_float_eq(money_value("1,234,567", 9), 1234567, 1e-9);
	cr_assert_float_eq(money_value("abc", 3), 0, 0);
	cr_assert_float_eq(money_value("", 0), 0, 0);
	cr_assert_float_eq(money_value("12.5x", 5), 0, 0);
}

/* ---- sessions through fn_run ---- */

struct pg {
	int64_t ts;
	const char *path, *query;
};

/* n pages as sessionize writes them: [ts, path, query] each. */
static void
pack_pages(msgpack_packer *pk, const struct pg *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		msgpack_pack_array(pk, 3);
		msgpack_pack_int64(pk, p[i].ts);
		mpk_cstr(pk, p[i].path);
		mpk_cstr(pk, p[i].query ? p[i].query : "");
	}
}

static void
pack_session(msgpack_packer *pk, const char *vid, const struct pg *p,
    size_t n)
{
	msgpack_pack_map(pk, 4);
	mpk_cstr(pk, "type");
	mpk_cstr(pk, "session");
	mpk_cstr(pk, "vid");
	mpk_cstr(pk, vid);
	mpk_cstr(pk, "start");
	msgpack_pack_int64(pk, p[0].ts);
	mpk_cstr(pk, "pages");
	msgpack_pack_array(pk, n);
	pack_pages(pk, p, n);
}

static msgpack_unpacked U[16];
static size_t NU;
static char *OUTBUF;

static void
run_sessions(void (*fill)(msgpack_packer *), const char *report_json)
{
	char in[] = "/tmp/revisit-fn-XXXXXX", out[] = "/tmp/revisit-fno-XXXXXX";
	int ifd = mkstemp(in), ofd = mkstemp(out);
	struct fn_opts o = { .currency = "USD", .quiet = 1,
	    .report_json = report_json };
	char *paths[1] = { in };
	struct wbuf w;
	msgpack_packer pk;
	size_t len, off = 0;

	wbuf_init(&w, ifd);
	mpk_init(&pk, &w);
	fill(&pk);
	cr_assert_eq(wbuf_close(&w, 1), 0);
	close(ifd);
	o.rules = rules_new(revisit_data_funnel, revisit_data_funnel_len, "d");
	wbuf_init(&w, ofd);
	cr_assert_eq(fn_run(paths, 1, &w, &o), 0);
	cr_assert_eq(wbuf_close(&w, 1), 0);
	rules_free(o.rules);
	len = (size_t)lseek(ofd, 0, SEEK_END);
	OUTBUF = malloc(len);
	cr_assert_eq(pread(ofd, OUTBUF, len, 0), (ssize_t)len);
	close(ofd);
	unlink(in);
	unlink(out);
	NU = 0;
	while (off < len) {
		msgpack_unpacked_init(&U[NU]);
		cr_assert_eq(msgpack_unpack_next(&U[NU], OUTBUF, len, &off),
		    MSGPACK_UNPACK_SUCCESS);
		NU++;
	}
}

static void
reloads(msgpack_packer *pk)
{
	struct pg s1[] = {
		{ 1000, "/product/A", NULL },
		{ 2000, "/cart/add", "sku=A" },
		{ 2500, "/product/B", NULL },
		{ 2600, "/product/A", NULL },
		{ 3000, "/checkout", NULL },
		{ 4000, "/order/complete", "order_id=O1&value=10.00&currency=EUR" },
		{ 5000, "/order/complete", "order_id=O1&value=10.00&currency=EUR" },
	};
	struct pg s2[] = {	/* a later session: the tab restored */
		{ 9000000, "/order/complete", "order_id=O1&value=10.00&currency=EUR" },
	};
	struct pg s3[] = {	/* no order id: once per session */
		{ 9500000, "/order/complete", "value=5" },
		{ 9600000, "/order/complete", "value=5" },
	};

	pack_session(pk, "v1", s1, 7);
	pack_session(pk, "v1", s2, 1);
	pack_session(pk, "v2", s3, 2);
	msgpack_pack_map(pk, 1);	/* another type passes through */
	mpk_cstr(pk, "type");
	mpk_cstr(pk, "summary");
}

static const msgpack_object *
get(size_t i, const char *k)
{
	return mpk_get(&U[i].data, k);
}

Test(fn, purchases_once_per_order_id_across_reloads_and_sessions) {
	const msgpack_object *p, *st;

	run_sessions(reloads, NULL);
	cr_assert_eq(NU, 4);
	st = get(0, "stages");
	cr_assert_eq(st->via.array.size, 4);
	cr_assert(mpk_is(get(0, "max_stage"), "purchase"));
	p = get(0, "skus_viewed");
	cr_assert_eq(p->via.array.size, 2);	/* unique, first-seen order */
	cr_assert(mpk_is(&p->via.array.ptr[0], "A"));
	cr_assert(mpk_is(&p->via.array.ptr[1], "B"));
	cr_assert(mpk_is(&get(0, "skus_carted")->via.array.ptr[0], "A"));
	p = get(0, "purchases");
	cr_assert_eq(p->via.array.size, 1);
	cr_assert(mpk_is(mpk_get(&p->via.array.ptr[0], "order_id"), "O1"));
	cr_assert(mpk_is(mpk_get(&p->via.array.ptr[0], "value_text"), "10.00"));
	cr_assert_float_eq(mpk_get(&p->via.array.ptr[0], "value")->via.f64,
	    10.0, 1e-12);
	cr_assert(mpk_is(mpk_get(&p->via.array.ptr[0], "currency"), "EUR"));
	cr_assert_eq(mpk_get(&p->via.array.ptr[0], "ts")->via.u64, 4000);
	/* The later reload: purchase reached, nothing bought. */
	cr_assert(mpk_is(&get(1, "stages")->via.array.ptr[0], "purchase"));
	cr_assert_eq(get(1, "purchases")->via.array.size, 0);
	/* No order id: one purchase per session, default currency. */
	p = get(2, "purchases");
	cr_assert_eq(p->via.array.size, 1);
	cr_assert_null(mpk_get(&p->via.array.ptr[0], "order_id"));
	cr_assert(mpk_is(mpk_get(&p->via.array.ptr[0], "currency"), "USD"));
	cr_assert(mpk_is(get(3, "type"), "summary"));
	while (NU > 0)
		msgpack_unpacked_destroy(&U[--NU]);
	free(OUTBUF);
}

static const struct pg one_buy[] = {
	{ 1000, "/product/A", NULL },
	{ 2000, "/cart/add", "sku=A" },
	{ 3000, "/order/complete", "order_id=O7&value=3.50&currency=EUR" },
};

static void
pages_last(msgpack_packer *pk)
{
	pack_session(pk, "v1", one_buy, 3);
}

static void
pages_not_last(msgpack_packer *pk)
{
	msgpack_pack_map(pk, 5);
	mpk_cstr(pk, "type");
	mpk_cstr(pk, "session");
	mpk_cstr(pk, "vid");
	mpk_cstr(pk, "v1");
	mpk_cstr(pk, "pages");
	msgpack_pack_array(pk, 3);
	pack_pages(pk, one_buy, 3);
	mpk_cstr(pk, "start");
	msgpack_pack_int64(pk, 1000);
	mpk_cstr(pk, "device");
	mpk_cstr(pk, "mobile");
}

/* What funnel added to the one session run_sessions read, packed; the
 * run's records then go. */
static void
tags(msgpack_sbuffer *sb)
{
	const char *keys[] = { "stages", "stages_ts", "skus_viewed",
	    "skus_carted", "purchases", "max_stage" };
	msgpack_packer pk;
	size_t i;

	cr_assert_eq(NU, 1);
	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	for (i = 0; i < sizeof keys / sizeof *keys; i++) {
		cr_assert_not_null(get(0, keys[i]), "%s", keys[i]);
		msgpack_pack_object(&pk, *get(0, keys[i]));
	}
	msgpack_unpacked_destroy(&U[0]);
	NU = 0;
	free(OUTBUF);
}

/* Where a session's pages are among its keys does not matter: the same
 * tags whether they come last (as sessionize writes them) or not. */
Test(fn, pages_last_or_not_tagged_alike) {
	msgpack_sbuffer a, b;

	run_sessions(pages_last, NULL);
	cr_assert(mpk_is(get(0, "max_stage"), "purchase"));
	cr_assert_eq(get(0, "purchases")->via.array.size, 1);
	tags(&a);
	run_sessions(pages_not_last, NULL);
	cr_assert(mpk_is(get(0, "device"), "mobile"));
	cr_assert_eq(get(0, "pages")->via.array.size, 3);
	tags(&b);
	cr_assert_eq(a.size, b.size);
	cr_assert_eq(memcmp(a.data, b.data, a.size), 0);
	msgpack_sbuffer_destroy(&a);
	msgpack_sbuffer_destroy(&b);
}

/* A session tagged before, its old tags between its other keys. */
static void
stale_tags(msgpack_packer *pk)
{
	struct pg p[] = { { 1000, "/product/A", NULL } };

	msgpack_pack_map(pk, 7);
	mpk_cstr(pk, "type");
	mpk_cstr(pk, "session");
	mpk_cstr(pk, "stages");
	msgpack_pack_array(pk, 1);
	mpk_cstr(pk, "purchase");
	mpk_cstr(pk, "vid");
	mpk_cstr(pk, "v1");
	mpk_cstr(pk, "max_stage");
	mpk_cstr(pk, "purchase");
	mpk_cstr(pk, "start");
	msgpack_pack_int64(pk, 1000);
	mpk_cstr(pk, "pages");
	msgpack_pack_array(pk, 1);
	pack_pages(pk, p, 1);
	mpk_cstr(pk, "device");
	mpk_cstr(pk, "mobile");
}

/*
 * The keys funnel writes are replaced wherever they stand; the others
 * are copied in their order (as runs of adjacent keys), each once.
 */
Test(fn, old_tags_between_other_keys_are_replaced) {
	static const char *const kept[] = { "type", "vid", "start", "pages",
	    "device" };
	const msgpack_object_map *m;
	size_t i, k = 0, nstages = 0;

	run_sessions(stale_tags, NULL);
	cr_assert_eq(NU, 1);
	cr_assert_eq(U[0].data.type, MSGPACK_OBJECT_MAP);
	m = &U[0].data.via.map;
	for (i = 0; i < m->size; i++) {
		const msgpack_object *key = &m->ptr[i].key;

		if (k < 5 && mpk_is(key, kept[k]))
			k++;
		nstages += mpk_is(key, "stages");
	}
	cr_assert_eq(k, 5, "the kept keys, in order");
	cr_assert_eq(nstages, 1, "stages once");
	cr_assert(mpk_is(get(0, "max_stage"), "view_item"));
	cr_assert(mpk_is(get(0, "device"), "mobile"));
	cr_assert_eq(m->size, 5 + 7 + 1, "%u keys", m->size);
}

static void
report_sessions(msgpack_packer *pk)
{
	struct pg a[] = { { 1, "/product/A", NULL }, { 2, "/cart/add", "sku=A" },
	    { 3, "/checkout", NULL } };
	struct pg b[] = { { 1, "/cart/add", "sku=A" }, { 2, "/product/A", NULL },
	    { 3, "/checkout", NULL } };	/* out of order: open, not closed */
	struct pg c[] = { { 1, "/product/A", NULL } };
	struct pg d[] = { { 1, "/", NULL } };

	pack_session(pk, "v1", a, 3);
	pack_session(pk, "v1", b, 3);
	pack_session(pk, "v2", c, 1);
	pack_session(pk, "v3", d, 1);
}

Test(fn, report_open_and_closed_funnel) {
	const char *path = "/tmp/revisit-fn-report.json";
	size_t len;
	char *j;

	run_sessions(report_sessions, path);
	j = read_file(path, &len);
	unlink(path);
	cr_assert(strstr(j, "\"sessions\":4,\"visitors\":3") != NULL, "%s", j);
	/* view_item: 3 sessions open and closed (2 visitors). */
	cr_assert(strstr(j, "{\"stage\":\"view_item\",\"open\":{\"sessions\":3,"
	    "\"visitors\":2,") != NULL, "%s", j);
	/* add_to_cart: open 2, closed 1 (b carted before it viewed). */
	cr_assert(strstr(j, "{\"stage\":\"add_to_cart\",\"open\":{\"sessions\":2,"
	    "\"visitors\":1,\"dropoff_sessions_pct\":33.3333") != NULL, "%s", j);
	cr_assert(strstr(j, "\"closed\":{\"sessions\":1,\"visitors\":1,"
	    "\"dropoff_sessions_pct\":66.6667") != NULL, "%s", j);
	free(j);
	while (NU > 0)
		msgpack_unpacked_destroy(&U[--NU]);
	free(OUTBUF);
}

/* A session whose pages turn unreadable after its purchase page: passed
 * on unchanged, so its order id was never counted and the next session
 * that confirms the order is the one that buys. */
static void
unreadable_then_good(msgpack_packer *pk)
{
	msgpack_pack_map(pk, 3);
	mpk_cstr(pk, "type");
	mpk_cstr(pk, "session");
	mpk_cstr(pk, "vid");
	mpk_cstr(pk, "v1");
	mpk_cstr(pk, "pages");
	msgpack_pack_array(pk, 4);
	pack_pages(pk, one_buy, 3);
	mpk_cstr(pk, "not a page");
	pack_session(pk, "v1", one_buy, 3);
}

Test(fn, an_unreadable_session_counts_no_order_id) {
	const msgpack_object *p;

	run_sessions(unreadable_then_good, NULL);
	cr_assert_eq(NU, 2);
	cr_assert_null(get(0, "stages"));	/* passed on as it came */
	p = get(1, "purchases");
	cr_assert_eq(p->via.array.size, 1);
	cr_assert(mpk_is(mpk_get(&p->via.array.ptr[0], "order_id"), "O7"));
	while (NU > 0)
		msgpack_unpacked_destroy(&U[--NU]);
	free(OUTBUF);
}
