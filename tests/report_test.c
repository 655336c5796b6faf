/*
 * report_test.c - unit tests of revisit-report's summary: funnel order
 * from the sessions' own order, the closed funnel, channels and the
 * credits of conversions; and nights added up when read back.
 */
#include <criterion/criterion.h>
#include <msgpack.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "report.h"

static void
str(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

/* A session with the given stages (in funnel order), channel and an
 * optional purchase. */
static void
session(msgpack_packer *pk, const char *vid, int n, const char *channel,
    const char *const *stages, int nstages, int bought)
{
	char sid[17];
	int i;

	snprintf(sid, sizeof sid, "%016x", n + 1);
	msgpack_pack_map(pk, 8);
	str(pk, "type"); str(pk, "session");
	str(pk, "sid"); str(pk, sid);
	str(pk, "vid"); str(pk, vid);
	str(pk, "start"); msgpack_pack_int64(pk, 1717400000000LL + n * 1000);
	str(pk, "end"); msgpack_pack_int64(pk, 1717400000000LL + n * 1000 + 500);
	str(pk, "channel"); str(pk, channel);
	str(pk, "stages");
	msgpack_pack_array(pk, (size_t)nstages);
	for (i = 0; i < nstages; i++)
		str(pk, stages[i]);
	str(pk, "purchases");
	msgpack_pack_array(pk, (size_t)bought);
	if (bought) {
		msgpack_pack_map(pk, 3);
		str(pk, "value"); msgpack_pack_double(pk, 100.0);
		str(pk, "currency"); str(pk, "EUR");
		str(pk, "ts"); msgpack_pack_int64(pk, 1717400000000LL + n * 1000);
	}
}

static void
conversion(msgpack_packer *pk, double value, const char *a, const char *b)
{
	msgpack_pack_map(pk, 4);
	str(pk, "type"); str(pk, "conversion");
	str(pk, "value"); msgpack_pack_double(pk, value);
	str(pk, "currency"); str(pk, "EUR");
	str(pk, "credits");
	msgpack_pack_map(pk, 1);
	str(pk, "linear");
	msgpack_pack_array(pk, 2);
	msgpack_pack_map(pk, 2);
	str(pk, "channel"); str(pk, a);
	str(pk, "credit"); msgpack_pack_double(pk, 0.5);
	msgpack_pack_map(pk, 2);
	str(pk, "channel"); str(pk, b);
	str(pk, "credit"); msgpack_pack_double(pk, 0.5);
}

Test(summary, funnel_order_closed_funnel_channels_and_credits)
{
	static const char *const vic[] = { "view_item", "add_to_cart",
	    "begin_checkout", "purchase" };
	static const char *const vp[] = { "view_item", "purchase" };
	static const char *const c[] = { "add_to_cart" };
	char in[] = "/tmp/report-in.XXXXXX", out[] = "/tmp/report-out.XXXXXX";
	int fd = mkstemp(in), fo = mkstemp(out);
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct summary s, two;
	char *paths[1] = { in };
	size_t i;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	/* The purchase-only path comes first: order must still be the
	 * funnel's, learnt from the sessions that list more. */
	session(&pk, "v1", 0, "Direct", vp, 2, 1);
	session(&pk, "v2", 1, "Email", c, 1, 0);
	session(&pk, "v2", 2, "Email", vic, 4, 1);
	session(&pk, "v3", 3, "Organic Search", vic, 3, 0);
	conversion(&pk, 100, "Email", "Direct");
	conversion(&pk, 50, "Email", "Email");
	cr_assert_eq(write(fd, sb.data, sb.size), (ssize_t)sb.size);
	close(fd);
	close(fo);
	cr_assert_eq(summarize(paths, 1, out, 1), 0);
	memset(&s, 0, sizeof s);
	memset(&two, 0, sizeof two);
	cr_assert_eq(summary_load(&s, out), 0);
	/* Two nights add up, stage by stage and channel by channel. */
	cr_assert_eq(summary_load(&two, out), 0);
	cr_assert_eq(summary_load(&two, out), 0);
	unlink(in);
	unlink(out);
	cr_assert_eq(two.nights, 2);
	cr_assert_eq(two.sessions, 8);
	cr_assert_eq(two.st[3].closed, 2);
	cr_assert_float_eq(two.revenue, 300, 1e-9);
	summary_free(&two);
	cr_assert_eq(s.sessions, 4);
	cr_assert_eq(s.visitors, 3);
	cr_assert_eq(s.buying, 2);
	cr_assert_eq(s.orders, 2);
	cr_assert_float_eq(s.revenue, 150, 1e-9);
	cr_assert_str_eq(s.currency, "EUR");
	cr_assert_eq(s.nst, 4);
	for (i = 0; i < 4; i++)
		cr_assert_str_eq(s.st[i].name, vic[i]);
	/* open: sessions reaching; closed: and every stage before */
	cr_assert_eq(s.st[0].sessions, 3);
	cr_assert_eq(s.st[1].sessions, 3);
	cr_assert_eq(s.st[1].closed, 2);
	cr_assert_eq(s.st[3].sessions, 2);
	cr_assert_eq(s.st[3].closed, 1);
	/* visitors: each once per stage, however many sessions reach it */
	cr_assert_eq(s.st[0].visitors, 3);
	cr_assert_eq(s.st[1].visitors, 2);
	cr_assert_eq(s.st[2].visitors, 2);
	cr_assert_eq(s.st[3].visitors, 2);
	cr_assert_eq(s.nmodels, 1);
	cr_assert_str_eq(s.models[0], "linear");
	for (i = 0; i < s.nch; i++) {
		if (strcmp(s.ch[i].name, "Email") == 0) {
			cr_assert_eq(s.ch[i].sessions, 2);
			cr_assert_float_eq(s.ch[i].conv[0], 1.5, 1e-9);
			cr_assert_float_eq(s.ch[i].rev[0], 100, 1e-9);
		}
		if (strcmp(s.ch[i].name, "Direct") == 0)
			cr_assert_float_eq(s.ch[i].rev[0], 50, 1e-9);
	}
	summary_free(&s);
	msgpack_sbuffer_destroy(&sb);
}
