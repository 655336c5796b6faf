/*
 * audience_test.c - unit tests of audience definitions: the shipped file,
 * each kind of condition, and the errors, with their line numbers.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audience.h"
#include "prog.h"
#include "spec.h"

extern const char revisit_data_audiences[];
extern const size_t revisit_data_audiences_len;

static struct spec *
parse(const char *text)
{
	return spec_parse(text, strlen(text), "test.conf");
}

Test(spec, the_shipped_definitions)
{
	struct spec *sp = spec_parse(revisit_data_audiences,
	    revisit_data_audiences_len, "audiences.conf");
	static const char *const names[] = { "cart_abandoners",
	    "checkout_abandoners", "product_viewers", "engaged_non_buyers",
	    "first_time_buyers", "repeat_buyers", "lapsed_customers",
	    "high_value" };
	size_t i;

	cr_assert(sp != NULL);
	cr_assert_eq(sp->n, 8);
	for (i = 0; i < 8; i++)
		cr_assert_str_eq(sp->a[i].name, names[i]);
	cr_assert_eq(sp->a[0].membership, 30 * 86400000LL);
	cr_assert_eq(sp->a[0].ninc, 2);
	cr_assert_eq(sp->a[0].inc[0].kind, C_WITHIN);
	cr_assert_eq(sp->a[0].inc[0].ev.kind, EV_STAGE);
	cr_assert_str_eq(sp->a[0].inc[0].ev.stage, "add_to_cart");
	cr_assert_eq(sp->a[0].inc[1].kind, C_NO_AFTER);
	cr_assert_eq(sp->a[0].inc[1].ev.kind, EV_PURCHASE);
	cr_assert_eq(sp->a[0].exc[0].dur, 7 * 86400000LL);
	cr_assert_eq(sp->a[0].emit[0].kind, E_SKUS_CARTED);
	cr_assert_eq(sp->a[0].emit[0].n, 10);
	cr_assert_str_eq(sp->a[0].definition, "include add_to_cart within "
	    "7d; include no purchase after add_to_cart; exclude purchase "
	    "within 7d; emit skus carted 10");
	cr_assert_eq(sp->a[3].inc[0].kind, C_COUNT);
	cr_assert_eq(sp->a[3].inc[0].op, OP_GE);
	cr_assert_eq(sp->a[3].inc[0].n, 3);
	cr_assert_eq(sp->a[3].inc[1].kind, C_EVER);
	cr_assert(sp->a[3].inc[1].neg);
	cr_assert_eq(sp->a[6].inc[1].kind, C_WITHIN);
	cr_assert(sp->a[6].inc[1].neg, "session not within 60d");
	cr_assert_eq(sp->a[7].inc[0].kind, C_TOP);
	cr_assert_eq(sp->a[7].inc[0].n, 10);
	cr_assert_eq(sp->a[7].membership, 180 * 86400000LL);
	spec_free(sp);
}

Test(spec, other_conditions)
{
	struct spec *sp = parse("audience a\n"
	    "  membership 7d   # a comment\n"
	    "  include channel \"Paid Social\" within 30d\n"
	    "  include sku SKU-1* carted within 14d\n"
	    "  include revenue within 90d < 50\n"
	    "  exclude first session within 2d\n"
	    "  emit orders within 365d\n");

	cr_assert(sp != NULL);
	cr_assert_eq(sp->a[0].inc[0].kind, C_CHANNEL);
	cr_assert_str_eq(sp->a[0].inc[0].arg, "Paid Social");
	cr_assert_eq(sp->a[0].inc[1].kind, C_SKU);
	cr_assert(sp->a[0].inc[1].carted);
	cr_assert_eq(sp->a[0].inc[2].kind, C_REVENUE);
	cr_assert_eq(sp->a[0].inc[2].op, OP_LT);
	cr_assert_eq(sp->a[0].exc[0].kind, C_FIRST);
	cr_assert_eq(sp->a[0].exc[0].ev.kind, EV_SESSION);
	cr_assert_eq(sp->a[0].emit[0].kind, E_ORDERS);
	spec_free(sp);
}

static void
refused(const char *text)
{
	struct spec *sp = parse(text);

	cr_assert(sp == NULL, "accepted: %s", text);
}

Test(spec, errors)
{
	prog_init("test-audience");
	refused("");
	refused("include purchase ever\n");
	refused("audience Big\n membership 1d\n include purchase ever\n");
	refused("audience a\n membership 541d\n include purchase ever\n");
	refused("audience a\n include purchase ever\n");
	refused("audience a\n membership 1d\n");
	refused("audience a\n membership 1d\n include purchase sometimes\n");
	refused("audience a\n membership 1d\n include count view_item "
	    "within 7d >= 2\n");
	refused("audience a\n membership 1d\n include revenue within 7d "
	    "top 110%\n");
	refused("audience a\n membership 1d\n include purchase within "
	    "soon\n");
	refused("audience a\n membership 1d\n include purchase ever\n"
	    " emit skus viewed\n emit skus carted\n");
	refused("audience a\n membership 1d\n include purchase ever\n"
	    "audience a\n membership 1d\n include purchase ever\n");
	refused("audience a\n membership 1d\n include channel \"Paid within "
	    "7d\n");
}

/* ---- the rankings of "top N%" conditions, between shards ---- */

Test(ranks, written_and_read_back_added_up)
{
	double v[] = { 10.5, 3, 1e9, 0.1 };
	struct revs w[3], r[3];
	char path[] = "/tmp/revisit-ranks-XXXXXX";
	int fd = mkstemp(path);

	prog_init("test-audience");
	cr_assert(fd >= 0);
	close(fd);
	memset(w, 0, sizeof w);
	memset(r, 0, sizeof r);
	w[1].v = v;
	w[1].n = 4;
	cr_assert_eq(ranks_write(path, w, 3), 0);
	cr_assert_eq(ranks_read(path, r, 3), 0);
	cr_assert_eq(ranks_read(path, r, 3), 0);	/* a second shard's */
	cr_assert_eq(r[0].n, 0);
	cr_assert_eq(r[2].n, 0);
	cr_assert_eq(r[1].n, 8);
	cr_assert(r[1].v[2] == 1e9 && r[1].v[7] == 0.1);
	/* Written for other rules (another number of conditions). */
	cr_assert_eq(ranks_read(path, r, 2), EX_DATAERR);
	free(r[1].v);
	unlink(path);
}
