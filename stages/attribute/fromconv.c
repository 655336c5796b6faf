/*
 * fromconv.c - the attribution report of conversion records already
 * made, or of the sums of such reports: a sharded night's, whose shards
 * each credited their persons' conversions (--sums-out: a shard's
 * report as its sums, a few hundred rows where its conversions are
 * megabytes). The report is a function of those records alone, and its
 * sums are integers that do not depend on their order, so it is the
 * one a single process would have written.
 */
#include "attribute.h"

#include <stdio.h>
#include <string.h>

#include "models.h"
#include "mpc.h"
#include "prog.h"
#include "records.h"
#include "report.h"
#include "wbuf.h"

struct fc {
	const struct at_opts	*o;
	struct report		*rep;
	struct wbuf		*out;	/* the conversions read, or NULL */
	unsigned long long	 nconv, nsums, nbad;
};

#define KEY(c, k)	mpc_key_is(c, k, sizeof(k) - 1)

/* One credited touchpoint (a map) under model m. */
static int
touch(struct fc *F, struct mpc *c, int m, struct sv cur, double value)
{
	struct sv ch = { 0 }, src = { 0 }, med = { 0 }, camp = { 0 };
	double credit = 0;
	uint32_t n, i;

	if (mpc_map(c, &n) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		int r;

		if (KEY(c, "channel"))
			r = mpc_skip(c) || mpc_str(c, &ch.p, &ch.n);
		else if (KEY(c, "source"))
			r = mpc_skip(c) || mpc_str(c, &src.p, &src.n);
		else if (KEY(c, "medium"))
			r = mpc_skip(c) || mpc_str(c, &med.p, &med.n);
		else if (KEY(c, "campaign"))
			r = mpc_skip(c) || mpc_str(c, &camp.p, &camp.n);
		else if (KEY(c, "credit"))
			r = mpc_skip(c) || mpc_num(c, &credit);
		else
			r = mpc_skip(c) || mpc_skip(c);
		if (r)
			return -1;
	}
	report_add(F->rep, m, ch, src, med, camp, cur, credit, value);
	return 0;
}

static int
credits(struct fc *F, struct mpc *c, struct sv cur, double value)
{
	uint32_t n, i, k, j;

	if (mpc_map(c, &n) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		const char *name;
		size_t nn;
		int m;

		if (mpc_str(c, &name, &nn) != 0 || mpc_array(c, &k) != 0)
			return -1;
		m = model_index(name, nn);
		for (j = 0; j < k; j++) {
			if (m < 0 || !((F->o->models >> m) & 1)) {
				if (mpc_skip(c) != 0)
					return -1;
			} else if (touch(F, c, m, cur, value) != 0) {
				return -1;
			}
		}
	}
	return 0;
}

/* A conversion: value, currency and touchpoints first (any key order),
 * then its credits. */
static int
conversion(struct fc *F, const char *rec, size_t len)
{
	struct sv cur = { "", 0 };
	double value = 0;
	int64_t ntouch = 0;
	uint32_t n, i;
	struct mpc c, cr = { 0 };
	int r = 0;

	mpc_init(&c, rec, len);
	if (mpc_map(&c, &n) != 0)
		return -1;
	for (i = 0; i < n && r == 0; i++) {
		if (KEY(&c, "value"))
			r = mpc_skip(&c) || mpc_num(&c, &value);
		else if (KEY(&c, "currency"))
			r = mpc_skip(&c) || mpc_str(&c, &cur.p, &cur.n);
		else if (KEY(&c, "touchpoints"))
			r = mpc_skip(&c) || mpc_int(&c, &ntouch);
		else if (KEY(&c, "credits"))
			r = mpc_skip(&c) || (cr = c, mpc_skip(&c));
		else
			r = mpc_skip(&c) || mpc_skip(&c);
	}
	if (r != 0 || (cr.p && credits(F, &cr, cur, value) != 0))
		return -1;
	report_conversion(F->rep, cur, value, ntouch == 0);
	return 0;
}

static void
record(void *arg, const char *rec, size_t len, const struct records *r)
{
	struct fc *F = arg;
	const char *t;
	size_t tn;

	if (mpc_record_type(rec, len, &t, &tn) != 0)
		return;
	if (tn == 16 && memcmp(t, "attribution_sums", 16) == 0) {
		if (report_add_sums(F->rep, rec, len) == 0)
			F->nsums++;
		else if (F->nbad++ < 10)
			warnx("%s: record %llu: a damaged attribution_sums "
			    "record: left out", r->name,
			    (unsigned long long)r->nrec);
		return;
	}
	if (tn != 10 || memcmp(t, "conversion", 10) != 0)
		return;
	if (conversion(F, rec, len) == 0) {
		F->nconv++;
		if (F->out)
			wbuf_write(F->out, rec, len);
	}
	else if (F->nbad++ < 10)
		warnx("%s: record %llu: a damaged conversion record: left out",
		    r->name, (unsigned long long)r->nrec);
}

int
at_report_conversions(char *const *paths, size_t npaths, const char *out,
    const struct at_opts *o)
{
	struct fc F = { o, report_new(o->models), NULL, 0, 0, 0 };
	struct records in;
	struct wbuf w;
	const char *text = o->report;
	int status;

	if (out) {
		stage_output(&w, out);
		F.out = &w;
	} else if (text == NULL && o->report_json == NULL) {
		text = "-";	/* something to show for it */
	}
	status = records_each(paths, npaths, o->progress, record, &F, &in);
	if (F.nbad)
		status = status_merge(status, EX_DATAERR);
	if (out)
		status = wbuf_finish(&w, status, out);
	if ((text || o->report_json) && report_write(F.rep, text,
	    o->report_json) != 0)
		status = status_merge(status, EX_IOERR);
	if (!o->quiet)
		fprintf(stderr, "%s: %llu records: %llu conversions and %llu "
		    "shards' sums reported\n", prog_name,
		    (unsigned long long)in.n, F.nconv, F.nsums);
	report_free(F.rep);
	return status;
}
