/*
 * customers.c - the retention figures of the visitor state: customers,
 * repeat customers, orders and revenue in the period, churn against the
 * period before, and monthly cohorts of first purchases.
 */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "person.h"
#include "prog.h"
#include "state.h"

#define DAY_MS	86400000LL

static int
month_of(int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	return (tm.tm_year + 1900) * 12 + tm.tm_mon;
}

struct walk {
	struct customers *c;
	int64_t		*ts;		/* a person's purchase times */
	size_t		 cap;
	int64_t		 revenue;	/* in 1e-6: the same in any order */
};

static int
ts_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void
person(void *arg, const struct person *p)
{
	struct walk *W = arg;
	struct customers *c = W->c;
	int64_t start = c->now - c->days * DAY_MS,
	    prev = start - c->days * DAY_MS;
	size_t n = 0, i, in = 0, before = 0;
	uint32_t v, b;
	int64_t rev = 0;
	int first, k;

	c->persons++;
	for (v = 0; v < p->nvids; v++)
		for (b = 0; b < p->vids[v].nbuys; b++) {
			const struct buy *x = &p->vids[v].buys[b];

			if (x->ts > c->now)
				continue;
			W->ts = grow_array(W->ts, &W->cap, n, sizeof *W->ts);
			W->ts[n++] = x->ts;
			if (x->ts >= start) {
				in++;
				rev += llround(x->value * 1e6);
			} else if (x->ts >= prev) {
				before++;
			}
		}
	if (n == 0)
		return;
	if (in > 0) {
		c->customers++;
		c->orders += in;
		W->revenue += rev;
		if (n >= 2)
			c->repeat++;
	}
	if (before > 0) {
		c->prev_customers++;
		if (in == 0)
			c->churned++;
	}
	qsort(W->ts, n, sizeof *W->ts, ts_cmp);
	first = month_of(W->ts[0]);
	k = first - c->first_month;
	if (k < 0 || k >= COHORTS)
		return;
	c->cohort[k]++;
	{
		int seen[COHORTS] = { 0 };

		for (i = 1; i < n; i++) {
			int m = month_of(W->ts[i]) - first;

			if (m >= 0 && m < COHORTS && !seen[m]) {
				seen[m] = 1;
				c->again[k][m]++;
			}
		}
	}
}

/* dir: a state, or a sharded one (its shards' persons added up). */
int
customers_from_state(struct customers *c, const char *dir, int days)
{
	struct walk W = { c, NULL, 0, 0 };
	struct state *st;
	size_t n, k, opened = 0;
	char **dirs = state_dirs(dir, &n);
	int r = 0;

	memset(c, 0, sizeof *c);
	c->days = days;
	person_sids = 0;	/* the figures never look at a session's id */
	person_buys_only = 1;	/* nor at anything but purchases */
	st = xcalloc(n, sizeof *st);
	for (k = 0; k < n && r == 0; k++)
		if ((r = state_open(&st[k], dirs[k])) == 0) {
			opened++;
			if (st[k].now > c->now)
				c->now = st[k].now;
		}
	c->first_month = month_of(c->now) - (COHORTS - 1);
	for (k = 0; k < n && r == 0; k++) {
		r = state_each(&st[k], 1, person, &W);
		/* Every person, not only buyers: state_each skipped those. */
		c->persons += st[k].persons;
	}
	person_buys_only = 0;
	c->revenue = (double)W.revenue / 1e6;
	free(W.ts);
	for (k = 0; k < opened; k++)
		state_close(&st[k]);
	free(st);
	state_dirs_free(dirs, n);
	return r;
}
