/*
 * report.c - counting and printing the funnel report.
 */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "prog.h"
#include "strset.h"
#include "wbuf.h"

struct report {
	const struct rules	*rules;
	size_t			 n;
	unsigned long long	 sessions, open[MAX_STAGES], closed[MAX_STAGES];
	struct strset		*visitors, *vopen[MAX_STAGES],
				*vclosed[MAX_STAGES];
};

struct report *
report_new(const struct rules *R)
{
	struct report *r = xcalloc(1, sizeof *r);
	size_t i;

	r->rules = R;
	r->n = rules_nstages(R);
	r->visitors = strset_new();
	for (i = 0; i < r->n; i++) {
		r->vopen[i] = strset_new();
		r->vclosed[i] = strset_new();
	}
	return r;
}

void
report_add(struct report *r, unsigned reached, unsigned closed,
    const char *vid, size_t n)
{
	size_t i;

	r->sessions++;
	strset_add(r->visitors, vid, n);
	for (i = 0; i < r->n; i++) {
		if ((reached >> i) & 1) {
			r->open[i]++;
			strset_add(r->vopen[i], vid, n);
		}
		if (i < closed) {
			r->closed[i]++;
			strset_add(r->vclosed[i], vid, n);
		}
	}
}

/* Drop-off from the stage before, in percent; -1 for the first stage. */
static double
drop(const unsigned long long *c, size_t i)
{
	if (i == 0 || c[i - 1] == 0)
		return -1;
	return 100.0 * (double)(c[i - 1] - (c[i] < c[i - 1] ? c[i] : c[i - 1])) /
	    (double)c[i - 1];
}

static double
dropv(struct strset *const *v, size_t i)
{
	unsigned long long a, b;

	if (i == 0)
		return -1;
	a = strset_count(v[i - 1]);
	b = strset_count(v[i]);
	if (a == 0)
		return -1;
	return 100.0 * (double)(a - (b < a ? b : a)) / (double)a;
}

static void
pct(char *buf, size_t n, double v)
{
	if (v < 0)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%.1f%%", v);
}

static int
write_text(const struct report *r, FILE *fp)
{
	size_t i;

	fprintf(fp, "funnel: %llu sessions, %zu visitors\n", r->sessions,
	    strset_count(r->visitors));
	fprintf(fp, "%-18s %10s %8s %10s %8s | %10s %8s %10s %8s\n", "stage",
	    "sessions", "drop", "visitors", "drop", "closed", "drop",
	    "visitors", "drop");
	for (i = 0; i < r->n; i++) {
		char a[16], b[16], c[16], d[16];

		pct(a, sizeof a, drop(r->open, i));
		pct(b, sizeof b, dropv(r->vopen, i));
		pct(c, sizeof c, drop(r->closed, i));
		pct(d, sizeof d, dropv(r->vclosed, i));
		fprintf(fp, "%-18s %10llu %8s %10zu %8s | %10llu %8s %10zu %8s\n",
		    rules_stage(r->rules, i), r->open[i], a,
		    strset_count(r->vopen[i]), b, r->closed[i], c,
		    strset_count(r->vclosed[i]), d);
	}
	fprintf(fp, "open: sessions that reached the stage; closed: that "
	    "reached it after every earlier stage, in order; drop: lost since "
	    "the stage before\n");
	return ferror(fp) ? -1 : 0;
}

/* Counts as integers, drop-offs as percent with 4 decimals or null. */
static void
counts(struct jw *j, const char *key, unsigned long long sessions,
    size_t visitors, double dsess, double dvis)
{
	jw_open(j, key, '{');
	jw_int(j, "sessions", (int64_t)sessions);
	jw_int(j, "visitors", (int64_t)visitors);
	jw_fixed(j, "dropoff_sessions_pct", dsess, 4);
	jw_fixed(j, "dropoff_visitors_pct", dvis, 4);
	jw_close(j, '}');
}

static int
write_json(const struct report *r, const char *path)
{
	struct wbuf w;
	struct jw j;
	size_t i;

	if (wbuf_open_atomic(&w, path) != 0) {
		warnx("cannot create '%s':", path);
		return -1;
	}
	jw_init(&j, &w);
	jw_open(&j, NULL, '{');
	jw_int(&j, "sessions", (int64_t)r->sessions);
	jw_int(&j, "visitors", (int64_t)strset_count(r->visitors));
	jw_open(&j, "stages", '[');
	for (i = 0; i < r->n; i++) {
		const char *st = rules_stage(r->rules, i);

		jw_open(&j, NULL, '{');
		jw_str(&j, "stage", st, strlen(st));
		counts(&j, "open", r->open[i], strset_count(r->vopen[i]),
		    drop(r->open, i), dropv(r->vopen, i));
		counts(&j, "closed", r->closed[i], strset_count(r->vclosed[i]),
		    drop(r->closed, i), dropv(r->vclosed, i));
		jw_close(&j, '}');
	}
	jw_close(&j, ']');
	jw_close(&j, '}');
	wbuf_putc(&w, '\n');
	if (wbuf_close(&w, 1) != 0) {
		warnx("%s: write error:", path);
		return -1;
	}
	return 0;
}

int
report_write(const struct report *r, const char *text, const char *json)
{
	int bad = 0;

	if (text) {
		FILE *fp;
		char *buf = NULL;
		size_t len = 0;

		if ((fp = open_memstream(&buf, &len)) == NULL)
			die(EX_OSERR, "out of memory");
		write_text(r, fp);
		fclose(fp);
		bad |= write_report(text, buf, len) != 0;
		free(buf);
	}
	if (json)
		bad |= write_json(r, json) != 0;
	return bad ? -1 : 0;
}

void
report_free(struct report *r)
{
	size_t i;

	if (r == NULL)
		return;
	strset_free(r->visitors);
	for (i = 0; i < r->n; i++) {
		strset_free(r->vopen[i]);
		strset_free(r->vclosed[i]);
	}
	free(r);
}
