/*
 * audience.c - revisit-audience's work.
 *
 * Every person of the state is looked at once per pass: its vids'
 * histories merged into one view (sessions, purchases, skus, stage
 * times), each audience's conditions checked against it, members
 * written to that audience's buffer. A "top N%" condition needs every
 * person's revenue first: a first pass, over the persons with orders
 * only, finds its threshold.
 */
#include "audience.h"

#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "lists.h"
#include "mpk.h"
#include "output.h"
#include "person.h"
#include "prog.h"
#include "state.h"
#include "strset.h"


struct pbuy {
	int64_t		 ts;
	double		 value;
};

/* A person's vids merged. */
struct pview {
	const struct person *p;
	int		 opt_out;
	int64_t		 last_seen, last_session, first_session;
	int64_t		*sess;		/* touchpoint starts */
	struct pbuy	*buys;
	struct event	*viewed, *carted;	/* distinct skus */
	size_t		 nsess, nbuys, nviewed, ncarted;
	size_t		 capsess, capbuys, capviewed, capcarted;
};

struct au {
	const struct au_opts	*o;
	struct state		 st;
	int64_t			 now;
	struct strset		*optout;
	struct lists		 L;		/* the lists, per audience */
	const struct cond	**cond;	/* every audience's, in order */
	size_t			 ncond;
	double			*top;	/* per condition: the revenue
					   threshold of C_TOP */
	struct revs		*revs;	/* per condition */
	/*
	 * Thresholds found in the same pass as the lists: a person who
	 * meets an audience's other conditions is its candidate, rendered,
	 * with the revenues its "top" conditions compare; once every
	 * revenue is in, the candidates are kept or dropped, in order.
	 */
	int			 deferring;
	struct cands {
		struct list	 recs;
		struct cand {
			size_t	 chunk, off, len;
		}		*v;
		size_t		 n, cap;
		double		*rev;	/* per candidate, its top conditions' */
		size_t		 nrev, caprev;
	}			*cands;	/* per audience */
	struct pview		 v;
	unsigned long long	 persons, excluded;
};

/* ---- the view of a person ---- */

static void
add_event(struct event **v, size_t *n, size_t *cap, const struct event *e)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if ((*v)[i].word == e->word) {
			if (e->ts > (*v)[i].ts)
				(*v)[i].ts = e->ts;
			return;
		}
	*v = grow_array(*v, cap, *n, sizeof **v);
	(*v)[(*n)++] = *e;
}

static void
view(struct pview *v, const struct person *p)
{
	uint32_t i, j;

	v->p = p;
	v->opt_out = 0;
	v->last_seen = v->last_session = 0;
	v->first_session = INT64_MAX;
	v->nsess = v->nbuys = v->nviewed = v->ncarted = 0;
	for (i = 0; i < p->nvids; i++) {
		const struct vidhist *h = &p->vids[i];

		v->opt_out |= h->opt_out;
		if (h->last > v->last_seen)
			v->last_seen = h->last;
		if (h->last_start > v->last_session)
			v->last_session = h->last_start;
		if (h->first && h->first < v->first_session)
			v->first_session = h->first;
		for (j = 0; j < h->ntouch; j++) {
			v->sess = grow_array(v->sess, &v->capsess, v->nsess,
			    sizeof *v->sess);
			v->sess[v->nsess++] = h->touch[j].start;
		}
		for (j = 0; j < h->nbuys; j++) {
			v->buys = grow_array(v->buys, &v->capbuys, v->nbuys,
			    sizeof *v->buys);
			v->buys[v->nbuys].ts = h->buys[j].ts;
			v->buys[v->nbuys++].value = h->buys[j].value;
		}
		for (j = 0; j < h->nviewed; j++)
			add_event(&v->viewed, &v->nviewed, &v->capviewed,
			    &h->viewed[j]);
		for (j = 0; j < h->ncarted; j++)
			add_event(&v->carted, &v->ncarted, &v->capcarted,
			    &h->carted[j]);
	}
}

static int
in_window(const struct au *A, int64_t t, int64_t dur)
{
	return t >= A->now - dur && t <= A->now;
}

/* The latest time of an event; 0 if none. */
static int64_t
latest(const struct au *A, const struct pview *v, const struct ev *e)
{
	int64_t t = 0;
	size_t i, j;

	switch (e->kind) {
	case EV_SESSION:
		return v->last_session;
	case EV_PURCHASE:
		for (i = 0; i < v->nbuys; i++)
			if (v->buys[i].ts > t && v->buys[i].ts <= A->now)
				t = v->buys[i].ts;
		return t;
	case EV_STAGE:
		for (i = 0; i < v->p->nvids; i++) {
			const struct vidhist *h = &v->p->vids[i];

			for (j = 0; j < h->nstages; j++) {
				const struct sv *w = &A->st.words[
				    h->stages[j].word];

				if (h->stages[j].ts > t &&
				    strlen(e->stage) == w->n &&
				    memcmp(e->stage, w->p, w->n) == 0)
					t = h->stages[j].ts;
			}
		}
		return t;
	}
	return 0;
}

static double
revenue(const struct au *A, const struct pview *v, int64_t dur)
{
	double r = 0;
	size_t i;

	for (i = 0; i < v->nbuys; i++)
		if (in_window(A, v->buys[i].ts, dur))
			r += v->buys[i].value;
	return r;
}

static size_t
count(const struct au *A, const struct pview *v, const struct ev *e,
    int64_t dur)
{
	size_t i, n = 0;

	if (e->kind == EV_SESSION) {
		for (i = 0; i < v->nsess; i++)
			n += in_window(A, v->sess[i], dur);
	} else {
		for (i = 0; i < v->nbuys; i++)
			n += in_window(A, v->buys[i].ts, dur);
	}
	return n;
}

static int
compare(double a, enum op op, double b)
{
	switch (op) {
	case OP_GE: return a >= b;
	case OP_GT: return a > b;
	case OP_LE: return a <= b;
	case OP_LT: return a < b;
	case OP_EQ: return a == b;
	}
	return 0;
}

static int
word_is(const struct au *A, uint32_t w, const char *s, int nocase)
{
	const struct sv *x = &A->st.words[w];

	return strlen(s) == x->n && (nocase ? strncasecmp(s, x->p, x->n) :
	    memcmp(s, x->p, x->n)) == 0;
}

static int
sku_match(const struct au *A, const struct cond *c, const struct event *e,
    size_t n)
{
	char buf[256];
	size_t i;

	for (i = 0; i < n; i++) {
		const struct sv *w = &A->st.words[e[i].word];

		if (!in_window(A, e[i].ts, c->dur) || w->n >= sizeof buf)
			continue;
		memcpy(buf, w->p, w->n);
		buf[w->n] = '\0';
		if (fnmatch(c->arg, buf, 0) == 0)
			return 1;
	}
	return 0;
}

/* A "top N%" condition for a person of revenue x, threshold top. */
static int
top_holds(const struct cond *c, double x, double top)
{
	int r = !isnan(top) && x >= top && x > 0;

	return c->neg ? !r : r;
}

static int
holds(const struct au *A, const struct pview *v, const struct cond *c,
    double top)
{
	int64_t t, t2;
	size_t i, j;
	int r = 0;

	switch (c->kind) {
	case C_WITHIN:
		if (c->ev.kind == EV_SESSION) {
			for (i = 0; i < v->nsess && !r; i++)
				r = in_window(A, v->sess[i], c->dur);
			r = r || in_window(A, v->last_session, c->dur);
		} else if (c->ev.kind == EV_PURCHASE) {
			for (i = 0; i < v->nbuys && !r; i++)
				r = in_window(A, v->buys[i].ts, c->dur);
		} else {
			r = in_window(A, latest(A, v, &c->ev), c->dur);
		}
		break;
	case C_EVER:
		r = latest(A, v, &c->ev) > 0;
		break;
	case C_NO_AFTER:
		t2 = latest(A, v, &c->ev2);
		if (c->ev.kind == EV_PURCHASE) {
			r = 1;
			for (i = 0; i < v->nbuys; i++)
				if (v->buys[i].ts > t2 && v->buys[i].ts <=
				    A->now)
					r = 0;
		} else {
			t = latest(A, v, &c->ev);
			r = t <= t2;
		}
		return r;	/* "no" is part of the condition already */
	case C_COUNT:
		r = compare((double)count(A, v, &c->ev, c->dur), c->op, c->n);
		break;
	case C_FIRST:
		if (c->ev.kind == EV_SESSION) {
			t = v->first_session;
		} else {
			t = INT64_MAX;
			for (i = 0; i < v->nbuys; i++)
				if (v->buys[i].ts < t)
					t = v->buys[i].ts;
		}
		r = t != INT64_MAX && in_window(A, t, c->dur);
		break;
	case C_REVENUE:
		r = compare(revenue(A, v, c->dur), c->op, c->n);
		break;
	case C_TOP:
		return top_holds(c, revenue(A, v, c->dur), top);
	case C_CHANNEL:
		for (i = 0; i < v->p->nvids && !r; i++) {
			const struct vidhist *h = &v->p->vids[i];

			for (j = 0; j < h->ntouch && !r; j++)
				r = in_window(A, h->touch[j].start, c->dur) &&
				    word_is(A, h->touch[j].channel, c->arg, 1);
		}
		break;
	case C_SKU:
		r = c->carted ? sku_match(A, c, v->carted, v->ncarted) :
		    sku_match(A, c, v->viewed, v->nviewed);
		break;
	}
	return c->neg ? !r : r;
}

/* ---- "top N%": the revenue the top N% of buyers reach ---- */

static int
desc(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a < b) - (a > b);
}

static int
excluded(const struct au *A, const struct pview *v)
{
	uint32_t i;

	if (v->opt_out || strset_has(A->optout, v->p->key.p, v->p->key.n))
		return 1;
	for (i = 0; i < v->p->nvids; i++)
		if (strset_has(A->optout, v->p->vids[i].vid.p,
		    v->p->vids[i].vid.n))
			return 1;
	return 0;
}

/* The revenues of a person not excluded, for the thresholds. */
static void
add_revenue(struct au *A)
{
	size_t k;

	for (k = 0; k < A->ncond; k++) {
		const struct cond *cd = A->cond[k];
		struct revs *rv = &A->revs[k];
		double x;

		if (cd->kind != C_TOP || (x = revenue(A, &A->v, cd->dur)) <= 0)
			continue;
		rv->v = grow_array(rv->v, &rv->cap, rv->n, sizeof *rv->v);
		rv->v[rv->n++] = x;
	}
}

static void
collect_revenue(void *arg, const struct person *p)
{
	struct au *A = arg;

	view(&A->v, p);
	if (!excluded(A, &A->v))
		add_revenue(A);
}

static void	top_of_revenues(struct au *);

/* The revenues behind each C_TOP condition's threshold: from the other
 * shards' rankings (--ranks), or from this state; here in a pass of
 * their own only to write them (--ranks-out), else in the lists' pass. */
static int
thresholds(struct au *A)
{
	size_t k;
	int any = 0, r;

	for (k = 0; k < A->ncond; k++)
		any |= A->cond[k]->kind == C_TOP;
	if (!any && !A->o->ranks_out && A->o->nranks == 0)
		return 0;
	A->revs = xcalloc(A->ncond + 1, sizeof *A->revs);
	for (k = 0; k < A->o->nranks; k++)
		if ((r = ranks_read(A->o->ranks[k], A->revs, A->ncond)) != 0)
			return r;
	if (A->o->nranks == 0 && !A->o->ranks_out) {
		/* Collected with the lists, in their pass. */
		A->deferring = 1;
		return 0;
	}
	if (A->o->nranks == 0 &&
	    (r = state_each(&A->st, 1, collect_revenue, A)) != 0)
		return r;
	if (A->o->ranks_out)
		return ranks_write(A->o->ranks_out, A->revs, A->ncond);
	top_of_revenues(A);
	return 0;
}

/* The threshold of each C_TOP condition: of the n persons (opted out
 * left out) with revenue in the window, the revenue of the k-th, k =
 * ceil(n * P / 100); everyone tied with it is in. */
static void
top_of_revenues(struct au *A)
{
	size_t k;

	for (k = 0; k < A->ncond; k++) {
		struct revs *rv = &A->revs[k];
		size_t want;

		if (A->cond[k]->kind != C_TOP || rv->n == 0)
			continue;
		qsort(rv->v, rv->n, sizeof *rv->v, desc);
		want = (size_t)ceil((double)rv->n * A->cond[k]->n / 100);
		A->top[k] = rv->v[(want < 1 ? 1 : want) - 1];
	}
}

/* Every condition of every audience, in order, in one array: the k of
 * A->top[k]. */
static void
flatten_conditions(struct au *A)
{
	const struct spec *sp = A->o->spec;
	size_t a, c, k = 0;

	for (a = 0; a < sp->n; a++)
		A->ncond += sp->a[a].ninc + sp->a[a].nexc;
	A->cond = xcalloc(A->ncond + 1, sizeof *A->cond);
	A->top = xcalloc(A->ncond + 1, sizeof *A->top);
	for (a = 0; a < sp->n; a++) {
		for (c = 0; c < sp->a[a].ninc; c++)
			A->cond[k++] = &sp->a[a].inc[c];
		for (c = 0; c < sp->a[a].nexc; c++)
			A->cond[k++] = &sp->a[a].exc[c];
	}
	for (k = 0; k < A->ncond; k++)
		A->top[k] = NAN;
}

/* ---- members ---- */

static int
sku_order(const struct au *A, const struct event *a, const struct event *b)
{
	const struct sv *x = &A->st.words[a->word], *y = &A->st.words[b->word];
	size_t n = x->n < y->n ? x->n : y->n;
	int c;

	/* Latest first; a tie in time by sku, descending: the reverse of
	 * the state's order, so that the state's ten are these ten. */
	if (a->ts != b->ts)
		return a->ts > b->ts ? -1 : 1;
	if (n && (c = memcmp(x->p, y->p, n)) != 0)
		return -c;
	return (x->n < y->n) - (x->n > y->n);
}

/* The n latest skus of v[], put first. */
static size_t
latest_skus(const struct au *A, struct event *v, size_t nv, size_t n)
{
	size_t i, j;

	for (i = 1; i < nv; i++) {
		struct event e = v[i];

		for (j = i; j > 0 && sku_order(A, &v[j - 1], &e) > 0; j--)
			v[j] = v[j - 1];
		v[j] = e;
	}
	return nv < n ? nv : n;
}

static void
member(struct au *A, size_t ai, struct pview *v, struct list *l)
{
	const struct aud *au = &A->o->spec->a[ai];
	const struct person *p = v->p;
	size_t room = 256 + 2 * MPW_STR_MAX(p->key.n) + strlen(au->name), i,
	    k, n = 7;
	uint32_t j;
	char *o;

	for (j = 0; j < p->nvids; j++)
		room += MPW_STR_MAX(p->vids[j].vid.n);
	for (k = 0; k < au->nemit; k++) {
		const struct emit *e = &au->emit[k];
		size_t nsk;

		n++;
		if (e->kind == E_SKUS_VIEWED || e->kind == E_SKUS_CARTED) {
			struct event *ev = e->kind == E_SKUS_VIEWED ?
			    v->viewed : v->carted;

			nsk = e->kind == E_SKUS_VIEWED ? v->nviewed :
			    v->ncarted;
			for (i = 0; i < nsk; i++)
				room += MPW_STR_MAX(A->st.words[ev[i].word].n);
		}
	}
	o = list_room(l, room);
	o = mpw_map(o, n);
	o = mpw_lit(o, "type");
	o = mpw_lit(o, "member");
	o = mpw_lit(o, "audience");
	o = mpw_str(o, au->name, strlen(au->name));
	o = mpw_lit(o, "id");
	o = mpw_str(o, p->key.p, p->key.n);
	o = mpw_lit(o, "id_type");
	o = p->is_uid ? mpw_lit(o, "uid") : mpw_lit(o, "vid");
	o = mpw_lit(o, "vids");
	o = mpw_array(o, p->nvids);
	for (j = 0; j < p->nvids; j++)
		o = mpw_str(o, p->vids[j].vid.p, p->vids[j].vid.n);
	o = mpw_lit(o, "last_seen");
	o = mpw_int(o, v->last_seen);
	o = mpw_lit(o, "expires_at");
	o = mpw_int(o, A->now + au->membership);
	for (k = 0; k < au->nemit; k++) {
		const struct emit *e = &au->emit[k];
		struct event *ev;
		size_t m;

		switch (e->kind) {
		case E_SKUS_VIEWED:
		case E_SKUS_CARTED:
			ev = e->kind == E_SKUS_VIEWED ? v->viewed : v->carted;
			m = latest_skus(A, ev, e->kind == E_SKUS_VIEWED ?
			    v->nviewed : v->ncarted, (size_t)e->n);
			o = mpw_lit(o, "skus");
			o = mpw_array(o, m);
			for (i = 0; i < m; i++) {
				const struct sv *w = &A->st.words[ev[i].word];

				o = mpw_str(o, w->p, w->n);
			}
			break;
		case E_ORDERS:
			o = mpw_lit(o, "orders");
			o = mpw_int(o, (int64_t)count(A, v,
			    &(struct ev){ EV_PURCHASE, NULL }, e->dur));
			break;
		case E_REVENUE:
			o = mpw_lit(o, "revenue");
			o = mpw_double(o, revenue(A, v, e->dur));
			break;
		}
	}
	list_commit(l, o);
}

static void	candidate(struct au *, size_t a, size_t k);

static void
person(void *arg, const struct person *p)
{
	struct au *A = arg;
	const struct spec *sp = A->o->spec;
	size_t a, c, k = 0;

	view(&A->v, p);
	A->persons++;
	if (excluded(A, &A->v)) {
		A->excluded++;
		return;
	}
	if (A->deferring)
		add_revenue(A);
	for (a = 0; a < sp->n; a++) {
		const struct aud *au = &sp->a[a];
		int in = 1, later = 0;

		for (c = 0; c < au->ninc + au->nexc && in; c++) {
			const struct cond *cd = c < au->ninc ? &au->inc[c] :
			    &au->exc[c - au->ninc];
			int h;

			if (A->deferring && cd->kind == C_TOP) {
				later = 1;
				continue;
			}
			h = holds(A, &A->v, cd, A->top[k + c]);
			in = c < au->ninc ? h : !h;
		}
		if (in && later)
			candidate(A, a, k);
		else if (in)
			member(A, a, &A->v, &A->L.v[a]);
		k += au->ninc + au->nexc;
	}
}

/* Person A->v, who meets audience a's other conditions (the first of
 * them the k-th), rendered as a candidate with its top conditions'
 * revenues. */
static void
candidate(struct au *A, size_t a, size_t k)
{
	const struct aud *au = &A->o->spec->a[a];
	struct cands *cs = &A->cands[a];
	size_t c, nc = cs->recs.nc, len = nc ? cs->recs.c[nc - 1].len : 0;
	struct cand *cd;

	/* A record is never split: in the last chunk, or a new one. */
	member(A, a, &A->v, &cs->recs);
	cs->v = grow_array(cs->v, &cs->cap, cs->n, sizeof *cs->v);
	cd = &cs->v[cs->n++];
	cd->chunk = cs->recs.nc - 1;
	cd->off = cs->recs.nc == nc ? len : 0;
	cd->len = cs->recs.c[cd->chunk].len - cd->off;
	for (c = 0; c < au->ninc + au->nexc; c++) {
		const struct cond *cn = A->cond[k + c];

		if (cn->kind != C_TOP)
			continue;
		cs->rev = grow_array(cs->rev, &cs->caprev, cs->nrev,
		    sizeof *cs->rev);
		cs->rev[cs->nrev++] = revenue(A, &A->v, cn->dur);
	}
}

/* The candidates of each audience with a "top" condition that meet it,
 * now that the thresholds are known, added to its list in order. */
static void
settle_candidates(struct au *A)
{
	const struct spec *sp = A->o->spec;
	size_t a, c, i, k = 0;

	for (a = 0; a < sp->n; k += sp->a[a].ninc + sp->a[a].nexc, a++) {
		const struct aud *au = &sp->a[a];
		struct cands *cs = &A->cands[a];
		const double *rev = cs->rev;

		for (i = 0; i < cs->n; i++) {
			const struct cand *cd = &cs->v[i];
			int in = 1;

			for (c = 0; c < au->ninc + au->nexc; c++) {
				int h;

				if (A->cond[k + c]->kind != C_TOP)
					continue;
				h = top_holds(A->cond[k + c], *rev++,
				    A->top[k + c]);
				in &= c < au->ninc ? h : !h;
			}
			if (in) {
				struct list *l = &A->L.v[a];
				char *o = list_room(l, cd->len);

				memcpy(o, cs->recs.c[cd->chunk].buf + cd->off,
				    cd->len);
				list_commit(l, o + cd->len);
			}
		}
		list_free(&cs->recs);
		free(cs->v);
		free(cs->rev);
	}
}

/* ---- the lists ---- */

int
au_run(const struct au_opts *o)
{
	struct au A;
	size_t i;
	int r, status = 0, ostatus = 0;

	memset(&A, 0, sizeof A);
	A.o = o;
	person_sids = 0;	/* rules never look at a session's id */
	if ((r = state_open(&A.st, o->state)) != 0)
		return r;
	if (A.st.empty)
		warnx("%s: no state yet: every list is empty", o->state);
	A.now = o->now ? o->now : A.st.now;
	A.optout = strset_lines(o->opt_out);
	A.L.o = o;
	A.L.now = A.now;
	A.L.v = xcalloc(o->spec->n, sizeof *A.L.v);
	flatten_conditions(&A);
	status = thresholds(&A);
	if (A.deferring)
		A.cands = xcalloc(o->spec->n, sizeof *A.cands);
	/* A list that cannot be created fails the run; the others are
	 * still written. */
	if (status == 0 && !o->ranks_out && o->out)
		ostatus = lists_open(&A.L);
	if (status == 0 && !o->ranks_out)
		status = state_each(&A.st, 0, person, &A);
	if (status == 0 && A.deferring) {
		top_of_revenues(&A);
		settle_candidates(&A);
	}
	if (!o->ranks_out)
		status = lists_write(&A.L, status);
	status = status_merge(status, ostatus);
	if (status == 0 && !o->quiet && !o->ranks_out) {
		fprintf(stderr, "%s: %llu persons (%llu opted out):", prog_name,
		    A.persons, A.excluded);
		for (i = 0; i < o->spec->n; i++)
			fprintf(stderr, "%s %s %zu", i ? "," : "",
			    o->spec->a[i].name, A.L.v[i].count);
		fputc('\n', stderr);
	}
	for (i = 0; i < o->spec->n; i++)
		list_free(&A.L.v[i]);
	free(A.L.v);
	for (i = 0; A.revs && i < A.ncond; i++)
		free(A.revs[i].v);
	free(A.revs);
	free(A.cands);
	free(A.cond);
	free(A.top);
	free(A.v.sess);
	free(A.v.buys);
	free(A.v.viewed);
	free(A.v.carted);
	strset_free(A.optout);
	state_close(&A.st);
	return status;
}
