/*
 * html.c - the report page: one self-contained HTML file, inline CSS and
 * SVG, no script and no network access; every figure with its
 * definition under it. The same inputs give the same bytes.
 */
#include "report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prog.h"
#include "timeparse.h"
#include "wbuf.h"

static const char *const palette[] = { "#2563eb", "#16a34a", "#ea580c",
	"#9333ea", "#0891b2", "#dc2626", "#ca8a04", "#4b5563" };

static void
put(struct wbuf *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
put(struct wbuf *w, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > 0)
		wbuf_write(w, buf, (size_t)n < sizeof buf ? (size_t)n :
		    sizeof buf - 1);
}

/* Text from the data (channel, stage, audience names), escaped. */
static void
esc(struct wbuf *w, const char *s)
{
	for (; *s != '\0'; s++)
		switch (*s) {
		case '&': wbuf_puts(w, "&amp;"); break;
		case '<': wbuf_puts(w, "&lt;"); break;
		case '>': wbuf_puts(w, "&gt;"); break;
		case '"': wbuf_puts(w, "&quot;"); break;
		case '\'': wbuf_puts(w, "&#39;"); break;
		default: wbuf_putc(w, *s);
		}
}

/* 1234567.891 as "1,234,568" (decimals 0) or "1,234,567.89". */
static const char *
num(double v, int decimals, char *buf)
{
	char raw[64], *o = buf;
	const char *p = raw, *dot;
	size_t lead, i;

	snprintf(raw, sizeof raw, "%.*f", decimals, v);
	if (*p == '-')
		*o++ = *p++;
	dot = strchr(p, '.');
	lead = dot ? (size_t)(dot - p) : strlen(p);
	for (i = 0; i < lead; i++) {
		if (i > 0 && (lead - i) % 3 == 0)
			*o++ = ',';
		*o++ = p[i];
	}
	strcpy(o, p + lead);
	return buf;
}

static double
ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

static void
definition(struct wbuf *w, const char *text)
{
	put(w, "<p class=\"def\">%s</p>\n", text);
}

static void
card(struct wbuf *w, const char *title, const char *value, const char *def)
{
	put(w, "<div class=\"card\"><div class=\"t\">%s</div>"
	    "<div class=\"v\">%s</div><p class=\"def\">%s</p></div>\n",
	    title, value, def);
}

static void
head(struct wbuf *w, const struct report_in *in)
{
	char a[32], b[32];

	time_format_iso(in->cust->now - (int64_t)in->cust->days * 86400000, a);
	time_format_iso(in->cust->now, b);
	a[10] = b[10] = '\0';
	wbuf_puts(w, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n<title>revisit "
	    "report ");
	esc(w, in->day);
	wbuf_puts(w, "</title>\n<style>\n"
	    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',"
	    "Roboto,sans-serif;margin:0;background:#f8fafc;color:#0f172a}\n"
	    "main{max-width:1100px;margin:0 auto;padding:24px}\n"
	    "h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;"
	    "margin:32px 0 8px;border-bottom:1px solid #e2e8f0;"
	    "padding-bottom:4px}\n.sub{color:#475569;margin:0 0 16px}\n"
	    ".cards{display:grid;grid-template-columns:repeat(auto-fill,"
	    "minmax(240px,1fr));gap:12px}\n.card{background:#fff;"
	    "border:1px solid #e2e8f0;border-radius:8px;padding:12px}\n"
	    ".card .t{color:#475569;font-size:13px}.card .v{font-size:26px;"
	    "font-weight:600;margin:2px 0}\n.def{color:#64748b;font-size:12px;"
	    "margin:4px 0 0}\ntable{border-collapse:collapse;background:#fff;"
	    "font-size:13px}\nth,td{border:1px solid #e2e8f0;padding:4px 8px;"
	    "text-align:right}\nth:first-child,td:first-child{text-align:left}"
	    "\n.grid{display:grid;grid-template-columns:repeat(auto-fill,"
	    "minmax(250px,1fr));gap:12px}\n.panel{background:#fff;"
	    "border:1px solid #e2e8f0;border-radius:8px;padding:8px}\n"
	    ".panel h3{font-size:13px;margin:0 0 4px}\nsvg text{font:11px "
	    "system-ui,sans-serif;fill:#334155}\n.scroll{overflow-x:auto}\n"
	    "</style>\n</head>\n<body>\n<main>\n<h1>revisit: ");
	esc(w, in->day);
	put(w, "</h1>\n<p class=\"sub\">The last %d days, %s to %s (UTC), "
	    "from the site's access logs: %u nights of sessions, and the "
	    "visitor state for customers.</p>\n", in->cust->days, a, b,
	    in->period->nights);
}

static void
headline(struct wbuf *w, const struct report_in *in)
{
	const struct summary *p = in->period;
	const struct customers *c = in->cust;
	char v[64], n1[48], def[512];

	wbuf_puts(w, "<h2>Headline figures</h2>\n<div class=\"cards\">\n");
	snprintf(v, sizeof v, "%.2f%%", 100 * ratio((double)p->buying,
	    (double)p->sessions));
	snprintf(def, sizeof def, "Sessions with a purchase / sessions, "
	    "over the period's nights (%s sessions).",
	    num((double)p->sessions, 0, n1));
	card(w, "Conversion rate", v, def);
	snprintf(v, sizeof v, "%s %s", num(ratio(p->revenue,
	    (double)p->orders), 2, n1), p->currency);
	card(w, "Average order value", v, "Revenue / orders, over the "
	    "period's nights; an order counts once, however often its "
	    "confirmation page was loaded.");
	snprintf(v, sizeof v, "%.1f%%", 100 * ratio((double)c->repeat,
	    (double)c->customers));
	snprintf(def, sizeof def, "Customers of the period with two or more "
	    "purchases in their retained history / customers of the period "
	    "(persons with a purchase in it: %s).",
	    num((double)c->customers, 0, n1));
	card(w, "Repeat customer rate", v, def);
	snprintf(v, sizeof v, "%.2f", ratio((double)c->orders,
	    (double)c->customers));
	card(w, "Purchase frequency", v, "Orders in the period / customers "
	    "of the period.");
	snprintf(v, sizeof v, "%s %s", num(ratio(c->revenue,
	    (double)c->customers), 2, n1), p->currency);
	card(w, "Revenue per customer", v, "Revenue in the period / "
	    "customers of the period.");
	snprintf(v, sizeof v, "%.1f%%", 100 * ratio((double)c->churned,
	    (double)c->prev_customers));
	snprintf(def, sizeof def, "Of the %s customers of the period before "
	    "(the %d days before it), the share without a purchase in this "
	    "one.", num((double)c->prev_customers, 0, n1), c->days);
	card(w, "Churn over the period", v, def);
	wbuf_puts(w, "</div>\n");
}

static void
funnel(struct wbuf *w, const struct summary *s)
{
	const int W = 1000, bar = 26, gap = 30, left = 150;
	double max = 1;
	size_t i;
	char n1[48], n2[48];

	wbuf_puts(w, "<h2>Funnel</h2>\n");
	if (s->nst == 0) {
		wbuf_puts(w, "<p>No funnel stage was reached.</p>\n");
		return;
	}
	for (i = 0; i < s->nst; i++)
		if ((double)s->st[i].sessions > max)
			max = (double)s->st[i].sessions;
	put(w, "<div class=\"panel scroll\"><svg viewBox=\"0 0 %d %zu\" "
	    "width=\"100%%\" role=\"img\" aria-label=\"funnel\">\n", W,
	    s->nst * (size_t)gap * 2 + 10);
	for (i = 0; i < s->nst; i++) {
		const struct fstage *f = &s->st[i];
		int y = (int)i * gap * 2 + 4;
		double wo = (W - left - 260) * (double)f->sessions / max,
		    wc = (W - left - 260) * (double)f->closed / max;

		wbuf_puts(w, "<text x=\"0\" y=\"");
		put(w, "%d\" dy=\"17\">", y);
		esc(w, f->name);
		put(w, "</text>\n<rect x=\"%d\" y=\"%d\" width=\"%.1f\" "
		    "height=\"%d\" fill=\"%s\"/>\n", left, y, wo, bar,
		    palette[0]);
		put(w, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
		    "fill=\"%s\" opacity=\"0.45\"/>\n", left, y + bar + 2, wc,
		    bar / 2, palette[0]);
		put(w, "<text x=\"%.1f\" y=\"%d\" dy=\"17\">%s sessions",
		    left + wo + 6, y, num((double)f->sessions, 0, n1));
		if (i > 0)
			put(w, ", %.1f%% drop-off", 100 * (1 - ratio(
			    (double)f->sessions, (double)s->st[i - 1].sessions)));
		put(w, "</text>\n<text x=\"%.1f\" y=\"%d\" dy=\"11\">%s in "
		    "order</text>\n", left + wc + 6, y + bar + 2,
		    num((double)f->closed, 0, n2));
	}
	wbuf_puts(w, "</svg></div>\n");
	definition(w, "Sessions of the period that reached each stage (the "
	    "dark bar: the open funnel, whatever came before) and those that "
	    "reached it and every stage before it (the light bar: the closed "
	    "funnel). Drop-off: the share of the previous stage's sessions "
	    "that did not reach this one.");
}

static int
chan_rev_cmp(const void *a, const void *b)
{
	const struct chan *x = *(const struct chan *const *)a,
	    *y = *(const struct chan *const *)b;

	if (x->sessions != y->sessions)
		return x->sessions < y->sessions ? 1 : -1;
	return strcmp(x->name, y->name);
}

static void
channels(struct wbuf *w, const struct summary *s)
{
	const struct chan **c = xcalloc(s->nch + 1, sizeof *c);
	size_t i, m;
	char n1[48];

	for (i = 0; i < s->nch; i++)
		c[i] = &s->ch[i];
	qsort(c, s->nch, sizeof *c, chan_rev_cmp);
	wbuf_puts(w, "<h2>Conversions and revenue by channel</h2>\n"
	    "<div class=\"grid\">\n");
	for (m = 0; m < s->nmodels; m++) {
		double max = 0;
		int y = 0;

		for (i = 0; i < s->nch; i++)
			if (c[i]->rev[m] > max)
				max = c[i]->rev[m];
		wbuf_puts(w, "<div class=\"panel\"><h3>");
		esc(w, s->models[m]);
		put(w, "</h3><svg viewBox=\"0 0 300 %zu\" width=\"100%%\" "
		    "role=\"img\" aria-label=\"revenue by channel\">\n",
		    s->nch * 18 + 4);
		for (i = 0; i < s->nch; i++, y += 18) {
			wbuf_puts(w, "<text x=\"0\" y=\"");
			put(w, "%d\" dy=\"12\">", y);
			esc(w, c[i]->name);
			put(w, "</text><rect x=\"110\" y=\"%d\" width=\"%.1f\" "
			    "height=\"14\" fill=\"%s\"/><text x=\"%.1f\" "
			    "y=\"%d\" dy=\"12\">%s</text>\n", y + 1,
			    max > 0 ? 130 * c[i]->rev[m] / max : 0,
			    palette[m % 8], 114 + (max > 0 ? 130 *
			    c[i]->rev[m] / max : 0), y,
			    num(c[i]->rev[m], 0, n1));
		}
		wbuf_puts(w, "</svg></div>\n");
	}
	wbuf_puts(w, "</div>\n<div class=\"scroll\"><table>\n<tr><th>channel"
	    "</th><th>sessions</th>");
	for (m = 0; m < s->nmodels; m++) {
		wbuf_puts(w, "<th>");
		esc(w, s->models[m]);
		wbuf_puts(w, "<br>conversions / revenue</th>");
	}
	wbuf_puts(w, "</tr>\n");
	for (i = 0; i < s->nch; i++) {
		wbuf_puts(w, "<tr><td>");
		esc(w, c[i]->name);
		put(w, "</td><td>%s</td>", num((double)c[i]->sessions, 0, n1));
		for (m = 0; m < s->nmodels; m++) {
			put(w, "<td>%.2f / ", c[i]->conv[m]);
			put(w, "%s</td>", num(c[i]->rev[m], 2, n1));
		}
		wbuf_puts(w, "</tr>\n");
	}
	wbuf_puts(w, "</table></div>\n");
	definition(w, "Each purchase of the period is credited to the "
	    "sessions that led to it (the same person's, on any device, "
	    "within the lookback) under each model; a channel's conversions "
	    "are its summed credits and its revenue the credits times the "
	    "order values, so each model's column adds up to all orders and "
	    "all revenue. The charts show revenue; channels by sessions.");
	free(c);
}

static void
audiences(struct wbuf *w, const struct history *h)
{
	size_t a, k;
	char n1[48];

	wbuf_puts(w, "<h2>Audience sizes over the last nights</h2>\n"
	    "<div class=\"grid\">\n");
	for (a = 0; a < h->naud; a++) {
		const struct asize *s = &h->aud[a];
		int64_t max = 1, last = s->count[h->ndays - 1];
		double dx = h->ndays > 1 ? 240.0 / (double)(h->ndays - 1) : 0;
		int pen = 0;

		for (k = 0; k < h->ndays; k++)
			if (s->count[k] > max)
				max = s->count[k];
		wbuf_puts(w, "<div class=\"panel\"><h3>");
		esc(w, s->name);
		put(w, ": %s</h3><svg viewBox=\"0 0 250 70\" width=\"100%%\" "
		    "role=\"img\" aria-label=\"audience size\">\n<line x1=\"5\" "
		    "y1=\"60\" x2=\"245\" y2=\"60\" stroke=\"#cbd5e1\"/>\n"
		    "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
		    "points=\"", last < 0 ? "no list tonight" :
		    num((double)last, 0, n1), palette[a % 8]);
		for (k = 0; k < h->ndays; k++)
			if (s->count[k] >= 0)
				put(w, "%s%.1f,%.1f", pen++ ? " " : "",
				    5 + dx * (double)k, 60 - 45.0 *
				    (double)s->count[k] / (double)max);
		put(w, "\"/>\n<text x=\"5\" y=\"70\">%s</text><text x=\"245\" "
		    "y=\"70\" text-anchor=\"end\">%s</text><text x=\"5\" "
		    "y=\"9\">max %s</text>\n</svg></div>\n", h->days[0],
		    h->days[h->ndays - 1], num((double)max, 0, n1));
	}
	wbuf_puts(w, "</div>\n");
	definition(w, "Members of each audience list on each night the job "
	    "ran (a gap: no list that night), as uploaded: opted-out persons "
	    "and the burn list already left out.");
}

static void
cohorts(struct wbuf *w, const struct customers *c)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int k, m, now = c->first_month + COHORTS - 1, from = 0;

	wbuf_puts(w, "<h2>Cohorts: who buys again</h2>\n");
	/* From the first month with customers: a history younger than the
	 * table would otherwise open on a column of empty months. */
	while (from < COHORTS && c->cohort[from] == 0)
		from++;
	if (from == COHORTS)
		wbuf_puts(w, "<p>No purchase in the retained history yet.</p>\n");
	else {
		wbuf_puts(w, "<div class=\"scroll\"><table>\n"
		    "<tr><th>first purchase</th><th>customers</th>");
		for (m = 0; m < COHORTS; m++)
			put(w, "<th>+%d</th>", m);
		wbuf_puts(w, "</tr>\n");
	}
	for (k = from; k < COHORTS; k++) {
		int ym = c->first_month + k;

		put(w, "<tr><td>%s %d</td><td>%llu</td>", mon[ym % 12], ym / 12,
		    (unsigned long long)c->cohort[k]);
		for (m = 0; m < COHORTS; m++) {
			double r;

			if (ym + m > now || c->cohort[k] == 0) {
				wbuf_puts(w, "<td></td>");
				continue;
			}
			r = (double)c->again[k][m] / (double)c->cohort[k];
			put(w, "<td style=\"background:rgba(37,99,235,%.2f)\">"
			    "%.1f%%</td>", r > 1 ? 1 : 0.08 + 0.9 * r, 100 * r);
		}
		wbuf_puts(w, "</tr>\n");
	}
	if (from < COHORTS)
		wbuf_puts(w, "</table></div>\n");
	definition(w, "Customers by the month (UTC) of their first purchase in "
	    "the retained history (540 days by default), and the share of "
	    "them who bought again in each month after it: +0 is the same "
	    "month, after the first order. Rows: the last 12 months, from "
	    "the first with a customer.");
}

int
report_html(const struct report_in *in, const char *path)
{
	struct wbuf w;

	if (wbuf_open_atomic(&w, path) != 0) {
		warnx("cannot create '%s':", path ? path : "stdout");
		return EX_CANTCREAT;
	}
	head(&w, in);
	headline(&w, in);
	funnel(&w, in->period);
	channels(&w, in->period);
	audiences(&w, in->hist);
	cohorts(&w, in->cust);
	wbuf_puts(&w, "<p class=\"def\">Made by revisit from access logs and "
	    "the visitor state; this page loads nothing from the network."
	    "</p>\n</main>\n</body>\n</html>\n");
	return wbuf_finish(&w, 0, path ? path : "stdout");
}
