/*
 * attribute_test.c - unit tests of the attribution models: the hand
 * checked cases of the issue, credits summing to 1, model names; and of
 * the report's sums, added up as a sharded night adds them.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "models.h"
#include "report.h"

#define DAY	86400000LL

static double credit[64];
static int64_t start[64];
static unsigned char direct[64];

static void
path(size_t n, const int64_t *days, const unsigned char *dir)
{
	size_t i;

	for (i = 0; i < n; i++) {
		start[i] = days[i] * DAY;
		direct[i] = dir ? dir[i] : 0;
	}
}

static void
credits(enum model m, size_t n, int64_t t)
{
	model_credits(m, start, direct, n, t, 7 * DAY, credit);
}

#define NEAR(a, b, eps)	cr_assert(fabs((a) - (b)) < (eps), \
	"%s = %.6f, want %.6f", #a, (double)(a), (double)(b))

Test(models, one_touch_gets_all_of_it)
{
	int64_t d[] = { 3 };
	int m;

	path(1, d, NULL);
	for (m = 0; m < NMODELS; m++) {
		credits((enum model)m, 1, 3 * DAY + 1000);
		cr_assert_eq(credit[0], 1.0, "%s", model_names[m]);
	}
}

Test(models, two_touches)
{
	int64_t d[] = { 1, 2 };

	path(2, d, NULL);
	credits(M_POSITION_BASED, 2, 2 * DAY);
	cr_assert(credit[0] == 0.5 && credit[1] == 0.5);
	credits(M_LINEAR, 2, 2 * DAY);
	cr_assert(credit[0] == 0.5 && credit[1] == 0.5);
	credits(M_FIRST_CLICK, 2, 2 * DAY);
	cr_assert(credit[0] == 1 && credit[1] == 0);
	credits(M_LAST_CLICK, 2, 2 * DAY);
	cr_assert(credit[0] == 0 && credit[1] == 1);
}

/* Direct > Organic Search > Direct, worth 140. */
Test(models, direct_organic_direct_worth_140)
{
	int64_t d[] = { 1, 2, 3 };
	unsigned char dir[] = { 1, 0, 1 };
	int i;

	path(3, d, dir);
	credits(M_LINEAR, 3, 3 * DAY);
	for (i = 0; i < 3; i++)
		NEAR(140 * credit[i], 46.67, 0.005);
	credits(M_POSITION_BASED, 3, 3 * DAY);
	NEAR(140 * credit[0], 56, 1e-9);
	NEAR(140 * credit[1], 28, 1e-9);
	NEAR(140 * credit[2], 56, 1e-9);
	credits(M_LAST_NON_DIRECT, 3, 3 * DAY);
	cr_assert(credit[1] == 1 && credit[0] == 0 && credit[2] == 0);
	credits(M_LAST_CLICK, 3, 3 * DAY);
	cr_assert(credit[2] == 1);
}

/* Touches on days 0, 5, 12, 30 and 38 of a 12,000 conversion on day 38. */
Test(models, time_decay_half_life_7_days)
{
	int64_t d[] = { 0, 5, 12, 30, 38 };
	double want[] = { 175.20, 287.44, 574.88, 3417.04, 7545.45 };
	int i;

	path(5, d, NULL);
	credits(M_TIME_DECAY, 5, 38 * DAY);
	for (i = 0; i < 5; i++)
		NEAR(12000 * credit[i], want[i], 0.005);
}

/* 2^(-(t - start) / 7d) is 0 in a double for both touches here: the
 * weights are taken relative to the latest touch instead. */
Test(models, time_decay_does_not_underflow)
{
	int64_t d[] = { 0, 30000 };

	path(2, d, NULL);
	credits(M_TIME_DECAY, 2, 90000 * DAY);
	cr_assert(credit[1] == 1.0 && credit[0] == 0.0);
	d[0] = 29993;
	path(2, d, NULL);
	credits(M_TIME_DECAY, 2, 90000 * DAY);
	NEAR(credit[0], 1.0 / 3, 1e-12);
	NEAR(credit[1], 2.0 / 3, 1e-12);
}

Test(models, last_non_direct)
{
	int64_t d[] = { 1, 2, 3, 4 };
	unsigned char all[] = { 1, 1, 1, 1 }, one[] = { 1, 0, 1, 1 };

	path(4, d, all);
	credits(M_LAST_NON_DIRECT, 4, 4 * DAY);
	cr_assert(credit[3] == 1, "all Direct: the last touch");
	path(4, d, one);
	credits(M_LAST_NON_DIRECT, 4, 4 * DAY);
	cr_assert(credit[1] == 1, "the last that is not Direct");
}

Test(models, credits_sum_to_one)
{
	size_t n, i;
	int m;

	srand(7);
	for (n = 1; n <= 40; n++) {
		for (i = 0; i < n; i++) {
			start[i] = (int64_t)i * (rand() % (3 * DAY) + 1);
			direct[i] = rand() % 2;
		}
		for (m = 0; m < NMODELS; m++) {
			double sum = 0;

			credits((enum model)m, n, start[n - 1] + 60000);
			for (i = 0; i < n; i++) {
				cr_assert(credit[i] >= 0);
				sum += credit[i];
			}
			cr_assert(fabs(sum - 1) < 1e-9, "%s, %zu touches: %.12f",
			    model_names[m], n, sum);
		}
	}
}

Test(models, names)
{
	cr_assert_eq(model_index("time_decay", 10), M_TIME_DECAY);
	cr_assert_eq(model_index("last_non_direct", 15), M_LAST_NON_DIRECT);
	cr_assert_eq(model_index("linear2", 7), -1);
	cr_assert_eq(model_index("line", 4), -1);
}

/* ---- the report's sums: a shard's report, added up ---- */

#define SV(s)	((struct sv){ (s), sizeof(s) - 1 })

/* Touchpoint i of a made-up night, into r. */
static void
touch_into(struct report *r, int i)
{
	static const char *const ch[] = { "Paid Search", "Email", "Direct" };
	static const char *const src[] = { "google", "newsletter",
		"(direct)" };
	struct sv c = { ch[i % 3], strlen(ch[i % 3]) };
	struct sv s = { src[i % 3], strlen(src[i % 3]) };

	report_add(r, i % NMODELS, c, s, SV("cpc"), SV("spring"),
	    i % 4 ? SV("EUR") : SV("USD"), 1.0 / (1 + i % 7),
	    12.34 * (i + 1));
	report_conversion(r, i % 4 ? SV("EUR") : SV("USD"), 12.34 * (i + 1),
	    i % 11 == 0);
}

static char *
tmp_path(const char *what)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	size_t n = strlen(dir) + strlen(what) + 40;
	char *p = malloc(n);

	cr_assert_not_null(p);
	snprintf(p, n, "%s/revisit-sums-%d-%s", dir, (int)getpid(), what);
	return p;
}

Test(report, the_sums_of_two_parts_add_up_to_the_whole)
{
	unsigned all = (1u << NMODELS) - 1;
	struct report *whole = report_new(all), *part[2], *sum = report_new(all);
	char *sp[2] = { tmp_path("s0"), tmp_path("s1") };
	char *tw = tmp_path("tw"), *jw = tmp_path("jw");
	char *ts = tmp_path("ts"), *js = tmp_path("js");
	size_t n, m;
	char *a, *b;
	int i, k;

	part[0] = report_new(all);
	part[1] = report_new(all);
	for (i = 0; i < 200; i++) {
		touch_into(whole, i);
		touch_into(part[i % 3 == 0], i);	/* another order */
	}
	for (k = 0; k < 2; k++) {
		cr_assert_eq(report_write_sums(part[k], sp[k]), 0);
		a = slurp(sp[k], &n);
		cr_assert_not_null(a);
		cr_assert_eq(report_add_sums(sum, a, n), 0);
		free(a);
	}
	cr_assert_eq(report_write(whole, tw, jw), 0);
	cr_assert_eq(report_write(sum, ts, js), 0);
	a = slurp(tw, &n);
	b = slurp(ts, &m);
	cr_assert(n == m && memcmp(a, b, n) == 0, "text:\n%s\nsums:\n%s", a, b);
	cr_assert(strstr(a, "USD") != NULL && strstr(a, "newsletter") != NULL);
	free(a);
	free(b);
	a = slurp(jw, &n);
	b = slurp(js, &m);
	cr_assert(n == m && memcmp(a, b, n) == 0, "json:\n%s\nsums:\n%s", a, b);
	free(a);
	free(b);
	for (k = 0; k < 2; k++) {
		unlink(sp[k]);
		free(sp[k]);
		report_free(part[k]);
	}
	unlink(tw); unlink(jw); unlink(ts); unlink(js);
	free(tw); free(jw); free(ts); free(js);
	report_free(whole);
	report_free(sum);
}

Test(report, a_record_that_is_not_sums_is_refused)
{
	struct report *r = report_new((1u << NMODELS) - 1);
	/* {"rows": [{"model": "nope", "by": "channel"}]} */
	static const char bad[] = "\x81\xa4rows\x91\x82\xa5model\xa4nope"
	    "\xa2" "by" "\xa7" "channel";
	/* {"rows": 5} */
	static const char odd[] = "\x81\xa4rows\x05";

	cr_assert_eq(report_add_sums(r, bad, sizeof bad - 1), -1);
	cr_assert_eq(report_add_sums(r, odd, sizeof odd - 1), -1);
	cr_assert_eq(report_add_sums(r, "\x81", 1), -1);
	report_free(r);
}
