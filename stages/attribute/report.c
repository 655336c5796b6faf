/*
 * report.c - the attribution report.
 *
 * Rows are interned by their key (model, currency, channel or source /
 * medium / campaign) in a string table; sums are kept beside them.
 */
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "models.h"
#include "mpc.h"
#include "mpk.h"
#include "prog.h"
#include "strtab.h"
#include "wbuf.h"

enum { BY_CHANNEL, BY_SOURCE };

struct row {
	int		 model, by;
	struct sv	 currency, channel, source, medium, campaign;
	double		 conversions, revenue;
	/* Summed as integers, credits in 1e-9 and money in 1e-6: the same
	 * sums in any order (a sharded night's conversions come in another
	 * than one process's). The doubles above are made from them. */
	int64_t		 convq, revq;
};

struct total {			/* per currency */
	struct sv	 currency;
	unsigned long long conversions, untouched;
	double		 revenue;
	int64_t		 revq;
};

struct report {
	unsigned	 models;
	struct strtab	*keys, *curkeys;
	struct row	*rows;
	size_t		 nrows, caprows;
	struct total	*tot;
	size_t		 ntot, captot;
};

struct report *
report_new(unsigned models)
{
	struct report *r = xcalloc(1, sizeof *r);

	r->models = models;
	r->keys = strtab_new();
	r->curkeys = strtab_new();
	return r;
}

/* Row strings are copied once, when the row is new: few rows, small. */
static struct sv
dup_sv(struct sv s)
{
	struct sv d;
	char *p = malloc(s.n ? s.n : 1);

	if (p == NULL)
		die(EX_OSERR, "out of memory");
	if (s.n)
		memcpy(p, s.p, s.n);
	d.p = p;
	d.n = s.n;
	return d;
}

static size_t
put_key(char *buf, size_t n, struct sv s)
{
	size_t k = s.n < 200 ? s.n : 200;

	memcpy(buf + n, s.p, k);
	buf[n + k] = '\x1f';
	return n + k + 1;
}

static struct row *
row(struct report *r, int m, int by, struct sv cur, struct sv ch,
    struct sv src, struct sv med, struct sv camp)
{
	char buf[1024];
	size_t n = 2;
	uint32_t id;
	int added;

	buf[0] = (char)('0' + m);
	buf[1] = (char)('0' + by);
	n = put_key(buf, n, cur);
	if (by == BY_CHANNEL) {
		n = put_key(buf, n, ch);
	} else {
		n = put_key(buf, n, src);
		n = put_key(buf, n, med);
		n = put_key(buf, n, camp);
	}
	id = strtab_intern(r->keys, buf, n, &added);
	if (added) {
		struct row *w;

		r->rows = grow_array(r->rows, &r->caprows, r->nrows,
		    sizeof *r->rows);
		w = &r->rows[r->nrows++];
		memset(w, 0, sizeof *w);
		w->model = m;
		w->by = by;
		w->currency = dup_sv(cur);
		if (by == BY_CHANNEL) {
			w->channel = dup_sv(ch);
		} else {
			w->source = dup_sv(src);
			w->medium = dup_sv(med);
			w->campaign = dup_sv(camp);
		}
	}
	return &r->rows[id];
}

void
report_add(struct report *r, int m, struct sv channel, struct sv source,
    struct sv medium, struct sv campaign, struct sv currency, double credit,
    double value)
{
	struct row *w = row(r, m, BY_CHANNEL, currency, channel, source,
	    medium, campaign);

	int64_t cq = llround(credit * 1e9), rq = llround(credit * value * 1e6);

	w->convq += cq;
	w->revq += rq;
	w = row(r, m, BY_SOURCE, currency, channel, source, medium, campaign);
	w->convq += cq;
	w->revq += rq;
}

/* The totals of a currency, made the first time it is seen. */
static struct total *
total_of(struct report *r, struct sv currency)
{
	uint32_t id;
	int added;

	id = strtab_intern(r->curkeys, currency.p, currency.n, &added);
	if (added) {
		r->tot = grow_array(r->tot, &r->captot, r->ntot,
		    sizeof *r->tot);
		memset(&r->tot[r->ntot], 0, sizeof r->tot[r->ntot]);
		r->tot[r->ntot++].currency = dup_sv(currency);
	}
	return &r->tot[id];
}

void
report_conversion(struct report *r, struct sv currency, double value,
    int none)
{
	struct total *t = total_of(r, currency);

	t->conversions++;
	t->revq += llround(value * 1e6);
	t->untouched += none != 0;
}

static int
sv_order(struct sv a, struct sv b)
{
	size_t n = a.n < b.n ? a.n : b.n;
	int c = n ? memcmp(a.p, b.p, n) : 0;

	return c ? c : (a.n > b.n) - (a.n < b.n);
}

static int
tot_cmp(const void *x, const void *y)
{
	return sv_order(((const struct total *)x)->currency,
	    ((const struct total *)y)->currency);
}

/* The sums as numbers, the totals by currency: before writing. */
static void
settle(struct report *r)
{
	size_t i;

	for (i = 0; i < r->nrows; i++) {
		r->rows[i].conversions = (double)r->rows[i].convq / 1e9;
		r->rows[i].revenue = (double)r->rows[i].revq / 1e6;
	}
	for (i = 0; i < r->ntot; i++)
		r->tot[i].revenue = (double)r->tot[i].revq / 1e6;
	if (r->ntot > 1)
		qsort(r->tot, r->ntot, sizeof *r->tot, tot_cmp);
}

/* Rows of one table in order: revenue, then conversions, descending;
 * then by name. */
static int
row_cmp(const void *x, const void *y)
{
	const struct row *a = *(struct row *const *)x;
	const struct row *b = *(struct row *const *)y;
	int c;

	if (a->model != b->model)
		return a->model - b->model;
	if (a->by != b->by)
		return a->by - b->by;
	if (a->revenue != b->revenue)
		return a->revenue > b->revenue ? -1 : 1;
	if (a->conversions != b->conversions)
		return a->conversions > b->conversions ? -1 : 1;
	if ((c = sv_order(a->currency, b->currency)) != 0 ||
	    (c = sv_order(a->channel, b->channel)) != 0 ||
	    (c = sv_order(a->source, b->source)) != 0 ||
	    (c = sv_order(a->medium, b->medium)) != 0)
		return c;
	return sv_order(a->campaign, b->campaign);
}

static struct row **
sorted_rows(const struct report *r)
{
	struct row **v = malloc((r->nrows + 1) * sizeof *v);
	size_t i;

	if (v == NULL)
		die(EX_OSERR, "out of memory");
	for (i = 0; i < r->nrows; i++)
		v[i] = &r->rows[i];
	qsort(v, r->nrows, sizeof *v, row_cmp);
	return v;
}

static void
write_text(const struct report *r, FILE *fp)
{
	struct row **v = sorted_rows(r);
	size_t i, t;
	int m;

	for (t = 0; t < r->ntot; t++)
		fprintf(fp, "attribution: %llu conversions, %.2f %.*s revenue"
		    "%s\n", r->tot[t].conversions, r->tot[t].revenue,
		    (int)r->tot[t].currency.n, r->tot[t].currency.p,
		    r->tot[t].untouched ? " (some without a touchpoint)" : "");
	if (r->ntot == 0)
		fprintf(fp, "attribution: no conversions\n");
	for (m = 0; m < NMODELS; m++) {
		int by;

		if (!((r->models >> m) & 1) || r->ntot == 0)
			continue;
		for (by = BY_CHANNEL; by <= BY_SOURCE; by++) {
			fprintf(fp, "\n%s, by %s\n", model_names[m],
			    by == BY_CHANNEL ? "channel" :
			    "source / medium / campaign");
			fprintf(fp, "%-48s %12s %14s %8s\n", by == BY_CHANNEL ?
			    "channel" : "source / medium / campaign",
			    "conversions", "revenue", "share");
			for (i = 0; i < r->nrows; i++) {
				const struct row *w = v[i];
				char name[256];
				double total = 0;

				if (w->model != m || w->by != by)
					continue;
				for (t = 0; t < r->ntot; t++)
					if (SV_EQ(r->tot[t].currency,
					    w->currency))
						total = r->tot[t].revenue;
				if (by == BY_CHANNEL)
					snprintf(name, sizeof name, "%.*s",
					    (int)w->channel.n, w->channel.p);
				else
					snprintf(name, sizeof name,
					    "%.*s / %.*s / %.*s",
					    (int)w->source.n, w->source.p,
					    (int)w->medium.n, w->medium.p,
					    (int)w->campaign.n, w->campaign.p);
				fprintf(fp, "%-48.48s %12.2f %10.2f %-3.*s "
				    "%7.1f%%\n", name, w->conversions,
				    w->revenue, (int)w->currency.n,
				    w->currency.p, total > 0 ?
				    100 * w->revenue / total : 0.0);
			}
		}
	}
	free(v);
}

static void
jw_sv(struct jw *j, const char *key, struct sv s)
{
	jw_str(j, key, s.p, s.n);
}

static void
write_json(const struct report *r, struct wbuf *w)
{
	struct row **v = sorted_rows(r);
	struct jw j;
	size_t i, t;
	int m, by;

	jw_init(&j, w);
	jw_open(&j, NULL, '{');
	jw_open(&j, "totals", '[');
	for (t = 0; t < r->ntot; t++) {
		jw_open(&j, NULL, '{');
		jw_sv(&j, "currency", r->tot[t].currency);
		jw_int(&j, "conversions", (int64_t)r->tot[t].conversions);
		jw_double(&j, "revenue", r->tot[t].revenue);
		jw_int(&j, "without_touchpoint", (int64_t)r->tot[t].untouched);
		jw_close(&j, '}');
	}
	jw_close(&j, ']');
	jw_open(&j, "models", '{');
	for (m = 0; m < NMODELS; m++) {
		if (!((r->models >> m) & 1))
			continue;
		jw_open(&j, model_names[m], '{');
		for (by = BY_CHANNEL; by <= BY_SOURCE; by++) {
			jw_open(&j, by == BY_CHANNEL ? "by_channel" :
			    "by_source", '[');
			for (i = 0; i < r->nrows; i++) {
				const struct row *x = v[i];

				if (x->model != m || x->by != by)
					continue;
				jw_open(&j, NULL, '{');
				if (by == BY_CHANNEL) {
					jw_sv(&j, "channel", x->channel);
				} else {
					jw_sv(&j, "source", x->source);
					jw_sv(&j, "medium", x->medium);
					jw_sv(&j, "campaign", x->campaign);
				}
				jw_sv(&j, "currency", x->currency);
				jw_double(&j, "conversions", x->conversions);
				jw_double(&j, "revenue", x->revenue);
				jw_close(&j, '}');
			}
			jw_close(&j, ']');
		}
		jw_close(&j, '}');
	}
	jw_close(&j, '}');
	jw_close(&j, '}');
	wbuf_putc(w, '\n');
	free(v);
}

int
report_write(struct report *r, const char *text, const char *json)
{
	int bad = 0;

	settle(r);	/* after it, no more report_add */
	if (text) {
		char *buf = NULL;
		size_t len = 0;
		FILE *fp = open_memstream(&buf, &len);

		if (fp == NULL)
			die(EX_OSERR, "out of memory");
		write_text(r, fp);
		fclose(fp);
		bad |= write_report(text, buf, len) != 0;
		free(buf);
	}
	if (json && strcmp(json, "-") == 0) {
		struct wbuf w;

		wbuf_init(&w, STDERR_FILENO);
		write_json(r, &w);
		bad |= wbuf_close(&w, 1) != 0;
	} else if (json) {
		struct wbuf w;

		if (wbuf_open_atomic(&w, json) != 0) {
			warnx("cannot create '%s':", json);
			return -1;
		}
		write_json(r, &w);
		if (wbuf_close(&w, 1) != 0) {
			warnx("%s: write error:", json);
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

/* ---- sums: a shard's report, to be added up ---- */

static void
pack_sv(msgpack_packer *pk, const char *key, struct sv s)
{
	mpk_cstr(pk, key);
	mpk_str(pk, s.p, s.n);
}

static void
pack_int(msgpack_packer *pk, const char *key, int64_t v)
{
	mpk_cstr(pk, key);
	msgpack_pack_int64(pk, v);
}

int
report_write_sums(struct report *r, const char *path)
{
	msgpack_packer pk;
	struct wbuf w;
	size_t i;

	if (wbuf_open_atomic(&w, path) != 0) {
		warnx("cannot create '%s':", path);
		return -1;
	}
	mpk_init(&pk, &w);
	msgpack_pack_map(&pk, 4);
	mpk_cstr(&pk, "type");
	mpk_cstr(&pk, "attribution_sums");
	pack_int(&pk, "schema", 1);
	mpk_cstr(&pk, "totals");
	msgpack_pack_array(&pk, r->ntot);
	for (i = 0; i < r->ntot; i++) {
		const struct total *t = &r->tot[i];

		msgpack_pack_map(&pk, 4);
		pack_sv(&pk, "currency", t->currency);
		pack_int(&pk, "conversions", (int64_t)t->conversions);
		pack_int(&pk, "without_touchpoint", (int64_t)t->untouched);
		pack_int(&pk, "revenue_micros", t->revq);
	}
	mpk_cstr(&pk, "rows");
	msgpack_pack_array(&pk, r->nrows);
	for (i = 0; i < r->nrows; i++) {
		const struct row *x = &r->rows[i];

		msgpack_pack_map(&pk, x->by == BY_CHANNEL ? 6 : 8);
		mpk_cstr(&pk, "model");
		mpk_cstr(&pk, model_names[x->model]);
		mpk_cstr(&pk, "by");
		mpk_cstr(&pk, x->by == BY_CHANNEL ? "channel" : "source");
		pack_sv(&pk, "currency", x->currency);
		if (x->by == BY_CHANNEL) {
			pack_sv(&pk, "channel", x->channel);
		} else {
			pack_sv(&pk, "source", x->source);
			pack_sv(&pk, "medium", x->medium);
			pack_sv(&pk, "campaign", x->campaign);
		}
		pack_int(&pk, "credit_nanos", x->convq);
		pack_int(&pk, "revenue_micros", x->revq);
	}
	if (wbuf_close(&w, 1) != 0) {
		warnx("%s: write error:", path);
		return -1;
	}
	return 0;
}

#define KEY(c, k)	mpc_key_is(c, k, sizeof(k) - 1)

/* A str value into s, or an int value into v, after its key. */
#define STR(c, s)	(mpc_skip(c) || mpc_str(c, &(s).p, &(s).n))
#define INT(c, v)	(mpc_skip(c) || mpc_int(c, &(v)))

static int
add_total(struct report *r, struct mpc *c)
{
	struct sv cur = { "", 0 };
	int64_t conv = 0, none = 0, revq = 0;
	struct total *t;
	uint32_t n, i;
	int e = 0;

	if (mpc_map(c, &n) != 0)
		return -1;
	for (i = 0; i < n && e == 0; i++) {
		if (KEY(c, "currency"))
			e = STR(c, cur);
		else if (KEY(c, "conversions"))
			e = INT(c, conv);
		else if (KEY(c, "without_touchpoint"))
			e = INT(c, none);
		else if (KEY(c, "revenue_micros"))
			e = INT(c, revq);
		else
			e = mpc_skip(c) || mpc_skip(c);
	}
	if (e != 0 || conv < 0 || none < 0)
		return -1;
	t = total_of(r, cur);
	t->conversions += (unsigned long long)conv;
	t->untouched += (unsigned long long)none;
	t->revq += revq;
	return 0;
}

static int
add_row(struct report *r, struct mpc *c)
{
	struct sv model = { 0 }, by = { 0 }, cur = { "", 0 }, ch = { 0 },
	    src = { 0 }, med = { 0 }, camp = { 0 };
	int64_t convq = 0, revq = 0;
	uint32_t n, i;
	int m, e = 0;
	struct row *w;

	if (mpc_map(c, &n) != 0)
		return -1;
	for (i = 0; i < n && e == 0; i++) {
		if (KEY(c, "model"))
			e = STR(c, model);
		else if (KEY(c, "by"))
			e = STR(c, by);
		else if (KEY(c, "currency"))
			e = STR(c, cur);
		else if (KEY(c, "channel"))
			e = STR(c, ch);
		else if (KEY(c, "source"))
			e = STR(c, src);
		else if (KEY(c, "medium"))
			e = STR(c, med);
		else if (KEY(c, "campaign"))
			e = STR(c, camp);
		else if (KEY(c, "credit_nanos"))
			e = INT(c, convq);
		else if (KEY(c, "revenue_micros"))
			e = INT(c, revq);
		else
			e = mpc_skip(c) || mpc_skip(c);
	}
	if (e != 0 || (m = model_index(model.p, model.n)) < 0 ||
	    !(SV_EQ(by, ((struct sv){ "channel", 7 })) ||
	    SV_EQ(by, ((struct sv){ "source", 6 }))))
		return -1;
	if (!((r->models >> m) & 1))
		return 0;
	w = row(r, m, by.n == 7 ? BY_CHANNEL : BY_SOURCE, cur, ch, src,
	    med, camp);
	w->convq += convq;
	w->revq += revq;
	return 0;
}

int
report_add_sums(struct report *r, const char *rec, size_t len)
{
	struct mpc c;
	uint32_t n, i, k, j;
	int e = 0;

	mpc_init(&c, rec, len);
	if (mpc_map(&c, &n) != 0)
		return -1;
	for (i = 0; i < n && e == 0; i++) {
		int tot = KEY(&c, "totals");

		if (tot || KEY(&c, "rows")) {
			if (mpc_skip(&c) != 0 || mpc_array(&c, &k) != 0)
				return -1;
			for (j = 0; j < k && e == 0; j++)
				e = tot ? add_total(r, &c) : add_row(r, &c);
		} else {
			e = mpc_skip(&c) || mpc_skip(&c);
		}
	}
	return e ? -1 : 0;
}

void
report_free(struct report *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nrows; i++) {
		free((char *)r->rows[i].currency.p);
		free((char *)r->rows[i].channel.p);
		free((char *)r->rows[i].source.p);
		free((char *)r->rows[i].medium.p);
		free((char *)r->rows[i].campaign.p);
	}
	for (i = 0; i < r->ntot; i++)
		free((char *)r->tot[i].currency.p);
	free(r->rows);
	free(r->tot);
	strtab_free(r->keys);
	strtab_free(r->curkeys);
	free(r);
}
