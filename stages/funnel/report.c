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
	struct report *r = calloc(1, sizeof *r);
	size_t i;

	if (r == NULL)
		die(EX_OSERR, "out of memory");
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

static void
json_num(struct wbuf *w, const char *key, double v, int integer)
{
	char buf[64];

	json_put_str(w, key, strlen(key));
	if (v < 0)
		snprintf(buf, sizeof buf, ":null");
	else if (integer)
		snprintf(buf, sizeof buf, ":%.0f", v);
	else
		snprintf(buf, sizeof buf, ":%.4f", v);
	wbuf_puts(w, buf);
}

static int
write_json(const struct report *r, const char *path)
{
	struct wbuf w;
	size_t i;

	if (wbuf_open_atomic(&w, path) != 0) {
		warnx("cannot create '%s':", path);
		return -1;
	}
	wbuf_putc(&w, '{');
	json_num(&w, "sessions", (double)r->sessions, 1);
	wbuf_putc(&w, ',');
	json_num(&w, "visitors", (double)strset_count(r->visitors), 1);
	wbuf_puts(&w, ",\"stages\":[");
	for (i = 0; i < r->n; i++) {
		const char *st = rules_stage(r->rules, i);

		wbuf_puts(&w, i ? ",{" : "{");
		json_put_str(&w, "stage", 5);
		wbuf_putc(&w, ':');
		json_put_str(&w, st, strlen(st));
		wbuf_puts(&w, ",\"open\":{");
		json_num(&w, "sessions", (double)r->open[i], 1);
		wbuf_putc(&w, ',');
		json_num(&w, "visitors", (double)strset_count(r->vopen[i]), 1);
		wbuf_putc(&w, ',');
		json_num(&w, "dropoff_sessions_pct", drop(r->open, i), 0);
		wbuf_putc(&w, ',');
		json_num(&w, "dropoff_visitors_pct", dropv(r->vopen, i), 0);
		wbuf_puts(&w, "},\"closed\":{");
		json_num(&w, "sessions", (double)r->closed[i], 1);
		wbuf_putc(&w, ',');
		json_num(&w, "visitors", (double)strset_count(r->vclosed[i]), 1);
		wbuf_putc(&w, ',');
		json_num(&w, "dropoff_sessions_pct", drop(r->closed, i), 0);
		wbuf_putc(&w, ',');
		json_num(&w, "dropoff_visitors_pct", dropv(r->vclosed, i), 0);
		wbuf_puts(&w, "}}");
	}
	wbuf_puts(&w, "]}\n");
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
