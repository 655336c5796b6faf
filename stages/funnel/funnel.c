/*
 * funnel.c - revisit-funnel's work: each session's pages through the
 * rules, the new fields added to the session, and the report's counts.
 *
 * A purchase is counted once per order id over the whole run (a reloaded
 * confirmation page, even in a later session, still puts "purchase" in
 * that session's stages but adds nothing to its purchases); a purchase
 * page without an order id counts once per session. A session's order
 * ids and counts join the run's only once all of its pages are read: one
 * passed on unchanged (its pages unreadable) counts nothing.
 */
#include "funnel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"
#include "mpc.h"
#include "mpk.h"
#include "prog.h"
#include "records.h"
#include "report.h"
#include "strset.h"

/* A session's skus: few, so a linear scan dedups them. */
struct skus {
	const char	**p;
	size_t		 *n, count, cap;
	int64_t		 *ts;		/* latest time of each */
};

struct purchase {
	const char	*order_id, *value, *currency;
	size_t		 oidlen, valuelen, curlen;
	int64_t		 ts;
};

struct scanned {		/* the record scan() read */
	int		 is_session;
	int		 usable;	/* few enough keys to keep */
	const char	*vid, *pages;
	size_t		 vidlen, pageslen;
	int		 tagged;	/* its pages read as pages: F's tags */
	struct {
		const char	*p;
		size_t		 n;
	}		 kv[64];	/* the keys to copy, as runs of
					   adjacent ones (mostly one run) */
	size_t		 nkv;		/* runs */
	size_t		 nkeys;		/* keys in them */
};

struct fn {
	const struct fn_opts	*o;
	struct scanned		 s;
	struct wbuf		*out;
	struct strset		*orders;	/* order ids counted */
	struct report		*rep;
	char			*scratch;	/* captures of one session */
	size_t			 scap, slen;
	struct skus		 viewed, carted;
	int64_t			 stage_ts[32];	/* latest time of each stage */
	size_t			 stage_len[32];	/* of each stage's name */
	struct purchase		*buys;
	size_t			 nbuys, capbuys;
	unsigned		 reloads;	/* of the session */
	unsigned		 reached, closed;	/* stages, as page() */
	int			 top, nocid_done;
	int			 status;
	unsigned long long	 nsess, npass, nbad, npurch, nreload;
};

static void
skus_reset(struct skus *s)
{
	s->count = 0;
}

static void
skus_add(struct skus *s, const char *p, size_t n, int64_t ts)
{
	size_t i;

	/* Skus of a shop tend to share their length and their start: the
	 * last byte tells most apart without a call. */
	for (i = 0; i < s->count; i++)
		if (s->n[i] == n && (n == 0 || s->p[i][n - 1] == p[n - 1]) &&
		    memcmp(s->p[i], p, n) == 0) {
			if (ts > s->ts[i])
				s->ts[i] = ts;
			return;
		}
	if (s->count == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->p = realloc(s->p, s->cap * sizeof *s->p);
		s->n = realloc(s->n, s->cap * sizeof *s->n);
		s->ts = realloc(s->ts, s->cap * sizeof *s->ts);
		if (s->p == NULL || s->n == NULL || s->ts == NULL)
			die(EX_OSERR, "out of memory");
	}
	s->p[s->count] = p;
	s->ts[s->count] = ts;
	s->n[s->count++] = n;
}

static void
skus_free(struct skus *s)
{
	free(s->p);
	free(s->n);
	free(s->ts);
}

/* Keep a captured value past the next match: copy into the session's
 * scratch (sized for all of its pages up front). */
static const char *
keep(struct fn *F, const char *p, size_t n)
{
	char *d = F->scratch + F->slen;

	memmove(d, p, n);	/* p may be the match's own scratch, right here */
	F->slen += n;
	return d;
}

/* Asked for every key of every session: by length first, and compares
 * of constant size the compiler does inline. */
static int
replaced(const char *k, size_t n)
{
	switch (n) {
	case 6:
		return memcmp(k, "stages", 6) == 0;
	case 9:
		return memcmp(k, "stages_ts", 9) == 0 ||
		    memcmp(k, "max_stage", 9) == 0 ||
		    memcmp(k, "purchases", 9) == 0;
	case 11:
		return memcmp(k, "skus_viewed", 11) == 0 ||
		    memcmp(k, "skus_carted", 11) == 0;
	case 14:
		return memcmp(k, "skus_viewed_ts", 14) == 0 ||
		    memcmp(k, "skus_carted_ts", 14) == 0;
	}
	return 0;
}

static size_t
skus_room(const struct skus *s)
{
	size_t n = 16, i;

	for (i = 0; i < s->count; i++)
		n += MPW_STR_MAX(s->n[i]) + MPW_INT_MAX;
	return n;
}

/* "skus_viewed": [...], "skus_viewed_ts": [...] (key a literal) */
#define PUT_SKUS(p, key, s) put_skus(p, key, sizeof(key) - 1, key "_ts", \
	sizeof(key "_ts") - 1, s)

static char *
put_skus(char *p, const char *key, size_t kn, const char *tskey, size_t tn,
    const struct skus *s)
{
	size_t i;

	p = mpw_str(p, key, kn);
	p = mpw_array(p, s->count);
	for (i = 0; i < s->count; i++)
		p = mpw_str(p, s->p[i], s->n[i]);
	p = mpw_str(p, tskey, tn);
	p = mpw_array(p, s->count);
	for (i = 0; i < s->count; i++)
		p = mpw_int(p, s->ts[i]);
	return p;
}

/* An order id counted before: in an earlier session, or earlier in this
 * one. */
static int
counted(const struct fn *F, const char *oid, size_t n)
{
	size_t i;

	for (i = 0; i < F->nbuys; i++)
		if (F->buys[i].order_id && F->buys[i].oidlen == n &&
		    memcmp(F->buys[i].order_id, oid, n) == 0)
			return 1;
	return strset_has(F->orders, oid, n);
}

/* One page of a session: stage, closed-funnel step, captures. */
static void
page(struct fn *F, const char *path, size_t pl, const char *query,
    size_t ql, const char *method, size_t ml, int64_t ts)
{
	struct capture cap;
	struct purchase b;
	int st;

	st = rules_match(F->o->rules, path, pl, query, ql, method, ml,
	    F->scratch + F->slen, &cap);
	if (st < 0)
		return;
	if (!((F->reached >> st) & 1) || ts > F->stage_ts[st])
		F->stage_ts[st] = ts;
	F->reached |= 1u << st;
	if ((unsigned)st == F->closed)
		F->closed++;
	if (st > F->top)
		F->top = st;
	switch (rules_role(F->o->rules, (size_t)st)) {
	case ROLE_VIEW:
		if (cap.p[CAP_SKU])
			skus_add(&F->viewed, keep(F, cap.p[CAP_SKU],
			    cap.n[CAP_SKU]), cap.n[CAP_SKU], ts);
		return;
	case ROLE_CART:
		if (cap.p[CAP_SKU])
			skus_add(&F->carted, keep(F, cap.p[CAP_SKU],
			    cap.n[CAP_SKU]), cap.n[CAP_SKU], ts);
		return;
	case ROLE_PURCHASE:
		break;
	default:
		return;
	}
	memset(&b, 0, sizeof b);
	if (cap.p[CAP_ORDER_ID]) {
		if (counted(F, cap.p[CAP_ORDER_ID], cap.n[CAP_ORDER_ID])) {
			F->reloads++;
			return;
		}
		b.order_id = keep(F, cap.p[CAP_ORDER_ID], cap.n[CAP_ORDER_ID]);
		b.oidlen = cap.n[CAP_ORDER_ID];
	} else if (F->nocid_done++) {
		F->reloads++;
		return;
	}
	if (cap.p[CAP_VALUE]) {
		b.value = keep(F, cap.p[CAP_VALUE], cap.n[CAP_VALUE]);
		b.valuelen = cap.n[CAP_VALUE];
	}
	if (cap.p[CAP_CURRENCY]) {
		b.currency = keep(F, cap.p[CAP_CURRENCY], cap.n[CAP_CURRENCY]);
		b.curlen = cap.n[CAP_CURRENCY];
	} else {
		b.currency = F->o->currency;
		b.curlen = strlen(F->o->currency);
	}
	b.ts = ts;
	if (F->nbuys == F->capbuys) {
		F->capbuys = F->capbuys ? F->capbuys * 2 : 4;
		if ((F->buys = realloc(F->buys, F->capbuys * sizeof *F->buys)) ==
		    NULL)
			die(EX_OSERR, "out of memory");
	}
	F->buys[F->nbuys++] = b;
}

/*
 * A session's pages tagged as scan walks them, so that they are walked
 * once: F's stages, skus and purchases. 0; MPC_SHORT if the buffer ends
 * inside them (scan is called again, from the record's start); 1 if they
 * are not pages as sessionize writes them.
 */
static int
tag_pages(struct fn *F, struct mpc *c)
{
	size_t left = (size_t)(c->end - c->p);
	uint32_t k, np;

#define PAGE_TRY(e) do { int r_ = (e); if (r_ != 0) \
	return r_ == MPC_SHORT ? MPC_SHORT : 1; } while (0)
	/* Captures are kept in scratch: at most the pages' own bytes, which
	 * lie within what is left of the buffer. */
	if (F->scap < 2 * left + 256) {
		F->scap = 2 * left + 256;
		if ((F->scratch = realloc(F->scratch, F->scap)) == NULL)
			die(EX_OSERR, "out of memory");
	}
	F->slen = 0;
	skus_reset(&F->viewed);
	skus_reset(&F->carted);
	F->nbuys = 0;
	F->reloads = 0;
	F->reached = F->closed = 0;
	F->top = -1;
	F->nocid_done = 0;
	PAGE_TRY(mpc_array(c, &np));
	for (k = 0; k < np; k++) {
		const char *path, *query, *method = "GET";
		size_t pl, ql, ml = 3;
		uint32_t m;
		int64_t ts;

		PAGE_TRY(mpc_array(c, &m));
		if (m < 3)
			return 1;
		PAGE_TRY(mpc_int(c, &ts));
		PAGE_TRY(mpc_str(c, &path, &pl));
		PAGE_TRY(mpc_str(c, &query, &ql));
		if (m > 3)
			PAGE_TRY(mpc_str(c, &method, &ml));
		for (; m > 4; m--)
			PAGE_TRY(mpc_skip(c));
		page(F, path, pl, query, ql, method, ml, ts);
	}
	return 0;
#undef PAGE_TRY
}

/*
 * A record where it lies in the input's buffer (records_scan): its type,
 * and of a session its vid, its pages (tagged as they are walked), and
 * the keys to copy as the bytes they came as (the funnel's fields of an
 * earlier run left out). The walk that reads them also finds the
 * record's end: it is not walked once more only to frame it, nor its
 * pages once more to tag them.
 */
static int
scan(void *arg, const char *p, size_t avail, size_t *len)
{
	struct fn *F = arg;
	struct scanned *S = &F->s;
	struct mpc c;
	uint32_t n, k;

	S->is_session = 0;
	S->vid = "";
	S->vidlen = 0;
	S->pages = NULL;
	S->pageslen = 0;
	S->tagged = 0;
	S->nkv = 0;
	S->nkeys = 0;
	mpc_init(&c, p, avail);
	MPC_TRY(mpc_map(&c, &n));
	S->usable = n <= 64;
	for (k = 0; k < n; k++) {
		const char *kv = (const char *)c.p, *key, *t;
		size_t kl, tn;

		MPC_TRY(mpc_str(&c, &key, &kl));
		if (kl == 4 && memcmp(key, "type", 4) == 0) {
			MPC_TRY(mpc_str(&c, &t, &tn));
			S->is_session = tn == 7 && memcmp(t, "session", 7) == 0;
		} else if (kl == 3 && memcmp(key, "vid", 3) == 0) {
			MPC_TRY(mpc_str(&c, &S->vid, &S->vidlen));
		} else if (kl == 5 && memcmp(key, "pages", 5) == 0) {
			int r;

			S->pages = (const char *)c.p;
			if ((r = tag_pages(F, &c)) == MPC_SHORT)
				return MPC_SHORT;
			S->tagged = r == 0;
			if (r != 0) {	/* not pages: only framed */
				c.p = (const unsigned char *)S->pages;
				MPC_TRY(mpc_skip(&c));
			}
			S->pageslen = (size_t)((const char *)c.p - S->pages);
		} else {
			MPC_TRY(mpc_skip(&c));
		}
		if (S->usable && !replaced(key, kl)) {
			size_t n = (size_t)((const char *)c.p - kv);

			if (S->nkv > 0 && S->kv[S->nkv - 1].p +
			    S->kv[S->nkv - 1].n == kv) {
				S->kv[S->nkv - 1].n += n;
			} else {
				S->kv[S->nkv].p = kv;
				S->kv[S->nkv].n = n;
				S->nkv++;
			}
			S->nkeys++;
		}
	}
	*len = (size_t)((const char *)c.p - p);
	return 0;
}

/*
 * A session record scanned: its keys as they came, and ours appended.
 * Returns -1 if it is not a session we can read (passed on).
 */
static int
session(struct fn *F, size_t len)
{
	const struct scanned *S = &F->s;
	size_t ns, nst = 0, i, room;
	unsigned reached = F->reached;
	int top = F->top;
	char *o;

	if (S->pages == NULL || !S->tagged)
		return -1;
	for (i = 0; i < F->nbuys; i++)
		if (F->buys[i].order_id)
			strset_add(F->orders, F->buys[i].order_id,
			    F->buys[i].oidlen);
	F->nsess++;
	F->npurch += F->nbuys;
	F->nreload += F->reloads;
	if (F->rep)
		report_add(F->rep, reached, F->closed, S->vid, S->vidlen);

	ns = rules_nstages(F->o->rules);
	room = len + 64 + skus_room(&F->viewed) + skus_room(&F->carted) +
	    (64 + MPW_INT_MAX) * ns;
	for (i = 0; i < F->nbuys; i++)
		room += 128 + F->buys[i].oidlen + 2 * F->buys[i].valuelen +
		    F->buys[i].curlen;
	o = wbuf_reserve(F->out, room);
	o = mpw_map(o, S->nkeys + 7 + (top >= 0));
	for (i = 0; i < S->nkv; i++) {
		memcpy(o, S->kv[i].p, S->kv[i].n);
		o += S->kv[i].n;
	}
	for (i = 0; i < ns; i++)
		nst += (reached >> i) & 1;
	o = mpw_lit(o, "stages");
	o = mpw_array(o, nst);
	for (i = 0; i < ns; i++)
		if ((reached >> i) & 1) {
			o = mpw_str(o, rules_stage(F->o->rules, i),
			    F->stage_len[i]);
		}
	o = mpw_lit(o, "stages_ts");
	o = mpw_array(o, nst);
	for (i = 0; i < ns; i++)
		if ((reached >> i) & 1)
			o = mpw_int(o, F->stage_ts[i]);
	if (top >= 0) {
		o = mpw_lit(o, "max_stage");
		o = mpw_str(o, rules_stage(F->o->rules, (size_t)top),
		    F->stage_len[top]);
	}
	o = PUT_SKUS(o, "skus_viewed", &F->viewed);
	o = PUT_SKUS(o, "skus_carted", &F->carted);
	o = mpw_lit(o, "purchases");
	o = mpw_array(o, F->nbuys);
	for (i = 0; i < F->nbuys; i++) {
		const struct purchase *b = &F->buys[i];

		o = mpw_map(o, 3 + (b->order_id != NULL) + (b->value != NULL));
		if (b->order_id) {
			o = mpw_lit(o, "order_id");
			o = mpw_str(o, b->order_id, b->oidlen);
		}
		o = mpw_lit(o, "value");
		o = mpw_double(o, money_value(b->value, b->valuelen));
		if (b->value) {
			o = mpw_lit(o, "value_text");
			o = mpw_str(o, b->value, b->valuelen);
		}
		o = mpw_lit(o, "currency");
		o = mpw_str(o, b->currency, b->curlen);
		o = mpw_lit(o, "ts");
		o = mpw_int(o, b->ts);
	}
	wbuf_commit(F->out, o);
	return 0;
}

static void
record(void *arg, const char *rec, size_t len, int scanned,
    const struct records *r)
{
	struct fn *F = arg;
	const char *t;
	size_t tn;
	int is_session, usable = scanned && F->s.usable;

	/* A record scan could not read: a session only if its type says
	 * so, and then not one we can read. */
	if (scanned)
		is_session = F->s.is_session;
	else
		is_session = mpc_record_type(rec, len, &t, &tn) == 0 &&
		    tn == 7 && memcmp(t, "session", 7) == 0;
	if (is_session && usable && session(F, len) == 0)
		return;
	if (is_session && F->nbad++ < 10)
		warnx("%s: record %llu: a session without readable pages: "
		    "passed on unchanged", r->name, (unsigned long long)r->nrec);
	wbuf_write(F->out, rec, len);	/* as it came */
	F->npass += !is_session;
}

int
fn_run(char *const *paths, size_t npaths, struct wbuf *out,
    const struct fn_opts *o)
{
	struct records in;
	struct fn F;
	size_t i;

	memset(&F, 0, sizeof F);
	F.o = o;
	F.out = out;
	for (i = 0; i < rules_nstages(o->rules); i++)
		F.stage_len[i] = strlen(rules_stage(o->rules, i));
	F.orders = strset_new();
	if (o->report || o->report_json)
		F.rep = report_new(o->rules);
	F.status = records_scan(paths, npaths, o->progress, scan, record, &F,
	    &in);
	if (F.rep) {
		if (report_write(F.rep, o->report, o->report_json) != 0)
			F.status = status_merge(F.status, EX_IOERR);
		report_free(F.rep);
	}
	if (!o->quiet)
		fprintf(stderr, "%s: %llu records: %llu sessions tagged, %llu "
		    "purchases, %llu repeated confirmations not counted, %llu "
		    "passed through\n", prog_name, (unsigned long long)in.n,
		    F.nsess, F.npurch, F.nreload, F.npass);
	strset_free(F.orders);
	skus_free(&F.viewed);
	skus_free(&F.carted);
	free(F.buys);
	free(F.scratch);
	return F.status;
}
