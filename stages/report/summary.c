/*
 * summary.c - a night in one record: sessions, visitors, the funnel
 * (open and closed), channels, and the conversions attributed to them
 * under each model; and reading such records back, nights added up.
 */
#include "report.h"

#include <msgpack.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mpc.h"
#include "mpk.h"
#include "prog.h"
#include "records.h"
#include "session.h"
#include "strtab.h"
#include "wbuf.h"

void
summary_free(struct summary *s)
{
	size_t i;

	for (i = 0; i < s->nst; i++)
		free(s->st[i].name);
	for (i = 0; i < s->nmodels; i++)
		free(s->models[i]);
	for (i = 0; i < s->nch; i++)
		free(s->ch[i].name);
	free(s->ch);
	free(s->reached);
	memset(s, 0, sizeof *s);
}

static struct chan *
chan(struct summary *s, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < s->nch; i++)
		if (strlen(s->ch[i].name) == n &&
		    memcmp(s->ch[i].name, name, n) == 0)
			return &s->ch[i];
	s->ch = grow_array(s->ch, &s->capch, s->nch, sizeof *s->ch);
	s->ch[s->nch].name = xstrndup(name, n);
	return &s->ch[s->nch++];
}

static int
stage_index(struct summary *s, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < s->nst; i++)
		if (strlen(s->st[i].name) == n &&
		    memcmp(s->st[i].name, name, n) == 0)
			return (int)i;
	if (s->nst == MAX_STAGES)
		return -1;
	s->st[s->nst].name = xstrndup(name, n);
	return (int)s->nst++;
}

static int
model_index(struct summary *s, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < s->nmodels; i++)
		if (strlen(s->models[i]) == n &&
		    memcmp(s->models[i], name, n) == 0)
			return (int)i;
	if (s->nmodels == MAX_MODELS)
		return -1;
	s->models[s->nmodels] = xstrndup(name, n);
	return (int)s->nmodels++;
}

/* ---- a night's records ---- */

struct mask {
	uint64_t	 bits;		/* stages a session reached */
	uint64_t	 n;
};

struct collect {
	struct summary	 s;
	struct sess	 sess;
	/* Each visitor once, with the stages it reached: one probe per
	 * session, not one per stage as well. */
	struct strtab	*visitors;
	uint64_t	*vis_bits;	/* by visitor id */
	size_t		 vis_cap;
	unsigned char	 before[MAX_STAGES][MAX_STAGES];
	struct mask	*masks;
	size_t		 nmasks, capmasks;
	msgpack_unpacked up;
	int64_t		 revenue_q;	/* in 1e-6 (struct chan) */
	/* Visitors of summaries read (a shard's: its vids are its own). */
	uint64_t	 visitors_more, stage_vis_more[MAX_STAGES];
	unsigned long long bad;
};

static void
add_mask(struct collect *C, uint64_t bits, uint64_t n)
{
	size_t i;

	for (i = 0; i < C->nmasks && C->masks[i].bits != bits; i++)
		;
	if (i == C->nmasks) {
		C->masks = grow_array(C->masks, &C->capmasks, C->nmasks,
		    sizeof *C->masks);
		C->masks[C->nmasks++].bits = bits;
	}
	C->masks[i].n += n;
}

static void
add_session(struct collect *C, int decoded)
{
	struct summary *s = &C->s;
	uint64_t bits = 0;
	size_t i, j;
	uint32_t vid;
	int idx[MAX_STAGES];

	if (!decoded) {
		C->bad++;
		return;
	}
	s->sessions++;
	if (s->from == 0 || C->sess.start < s->from)
		s->from = C->sess.start;
	if (C->sess.end > s->to)
		s->to = C->sess.end;
	vid = strtab_intern(C->visitors, C->sess.vid.p, C->sess.vid.n, NULL);
	C->vis_bits = grow_array(C->vis_bits, &C->vis_cap, vid,
	    sizeof *C->vis_bits);
	chan(s, C->sess.channel.p, C->sess.channel.n)->sessions++;
	if (C->sess.nbuys > 0) {
		s->buying++;
		chan(s, C->sess.channel.p, C->sess.channel.n)->buying++;
	}
	for (i = 0; i < C->sess.nstages && i < MAX_STAGES; i++) {
		int k = stage_index(s, C->sess.stages[i].name.p,
		    C->sess.stages[i].name.n);

		idx[i] = k;
		if (k < 0)
			continue;
		s->st[k].sessions++;
		bits |= 1ULL << k;
		for (j = 0; j < i; j++)		/* funnel order */
			if (idx[j] >= 0)
				C->before[idx[j]][k] = 1;
	}
	C->vis_bits[vid] |= bits;
	add_mask(C, bits, 1);
}

/* Whether the str a sorts before the string b (bytes). */
static int
str_before(const msgpack_object *a, const char *b)
{
	size_t bn = strlen(b), n = a->via.str.size < bn ? a->via.str.size : bn;
	int c = n ? memcmp(a->via.str.ptr, b, n) : 0;

	return c < 0 || (c == 0 && a->via.str.size < bn);
}

static void
add_conversion(struct collect *C, const char *rec, size_t len)
{
	struct summary *s = &C->s;
	const msgpack_object *v, *cr, *cur;
	size_t off = 0;
	uint32_t i, j;
	double value = 0;

	if (msgpack_unpack_next(&C->up, rec, len, &off) !=
	    MSGPACK_UNPACK_SUCCESS) {
		C->bad++;
		return;
	}
	s->orders++;
	v = mpk_get(&C->up.data, "value");
	if (v && (v->type == MSGPACK_OBJECT_FLOAT64 ||
	    v->type == MSGPACK_OBJECT_FLOAT32))
		value = v->via.f64;
	else if (v && v->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		value = (double)v->via.u64;
	C->revenue_q += llround(value * 1e6);
	/* The first currency in byte order: the same in any record order. */
	cur = mpk_get(&C->up.data, "currency");
	if (cur && cur->type == MSGPACK_OBJECT_STR &&
	    cur->via.str.size < sizeof s->currency &&
	    (s->currency[0] == '\0' || str_before(cur, s->currency))) {
		memcpy(s->currency, cur->via.str.ptr, cur->via.str.size);
		s->currency[cur->via.str.size] = '\0';
	}
	cr = mpk_get(&C->up.data, "credits");
	if (cr == NULL || cr->type != MSGPACK_OBJECT_MAP)
		return;
	for (i = 0; i < cr->via.map.size; i++) {
		const msgpack_object_kv *kv = &cr->via.map.ptr[i];
		int m;

		if (kv->key.type != MSGPACK_OBJECT_STR ||
		    kv->val.type != MSGPACK_OBJECT_ARRAY ||
		    (m = model_index(s, kv->key.via.str.ptr,
		    kv->key.via.str.size)) < 0)
			continue;
		for (j = 0; j < kv->val.via.array.size; j++) {
			const msgpack_object *t = &kv->val.via.array.ptr[j];
			const msgpack_object *c = mpk_get(t, "channel"),
			    *w = mpk_get(t, "credit");
			struct chan *ch;

			if (c == NULL || c->type != MSGPACK_OBJECT_STR ||
			    w == NULL || w->type != MSGPACK_OBJECT_FLOAT64)
				continue;
			ch = chan(s, c->via.str.ptr, c->via.str.size);
			ch->convq[m] += llround(w->via.f64 * 1e9);
			ch->revq[m] += llround(w->via.f64 * value * 1e6);
		}
	}
}

static uint64_t
get_u(const msgpack_object *m, const char *key)
{
	const msgpack_object *v = mpk_get(m, key);

	return v && v->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? v->via.u64 : 0;
}

static double
get_d(const msgpack_object *v)
{
	if (v && (v->type == MSGPACK_OBJECT_FLOAT64 ||
	    v->type == MSGPACK_OBJECT_FLOAT32))
		return v->via.f64;
	if (v && v->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		return (double)v->via.u64;
	return 0;
}

/* The bits of the stages named in array a (indexes in C's table). */
static uint64_t
stage_bits(struct collect *C, const msgpack_object *a)
{
	uint64_t bits = 0;
	uint32_t i;
	int k;

	for (i = 0; a && a->type == MSGPACK_OBJECT_ARRAY &&
	    i < a->via.array.size; i++) {
		const msgpack_object *n = &a->via.array.ptr[i];

		if (n->type == MSGPACK_OBJECT_STR && (k = stage_index(&C->s,
		    n->via.str.ptr, n->via.str.size)) >= 0)
			bits |= 1ULL << k;
	}
	return bits;
}



/* A summary's channels added to s: per model (matched by name),
 * credits in billionths and money in millionths, as integers, exact
 * below 2^51 of them (settle_channels makes the numbers). */
static void
add_channels(struct summary *s, const msgpack_object *o)
{
	const msgpack_object *ms, *ch;
	int map[MAX_MODELS];
	uint32_t i, m;

	ms = mpk_get(o, "models");
	for (m = 0; m < MAX_MODELS; m++)
		map[m] = -1;
	for (m = 0; ms && ms->type == MSGPACK_OBJECT_ARRAY &&
	    m < ms->via.array.size && m < MAX_MODELS; m++) {
		const msgpack_object *n = &ms->via.array.ptr[m];

		if (n->type == MSGPACK_OBJECT_STR)
			map[m] = model_index(s, n->via.str.ptr,
			    n->via.str.size);
	}
	ch = mpk_get(o, "channels");
	for (i = 0; ch && ch->type == MSGPACK_OBJECT_ARRAY &&
	    i < ch->via.array.size; i++) {
		const msgpack_object *e = &ch->via.array.ptr[i],
		    *n = mpk_get(e, "channel"), *cv = mpk_get(e, "conversions"),
		    *rv = mpk_get(e, "revenue");
		struct chan *x;

		if (n == NULL || n->type != MSGPACK_OBJECT_STR)
			continue;
		x = chan(s, n->via.str.ptr, n->via.str.size);
		x->sessions += get_u(e, "sessions");
		x->buying += get_u(e, "buying_sessions");
		for (m = 0; m < MAX_MODELS; m++) {
			if (map[m] < 0)
				continue;
			if (cv && cv->type == MSGPACK_OBJECT_ARRAY &&
			    m < cv->via.array.size)
				x->convq[map[m]] += llround(
				    get_d(&cv->via.array.ptr[m]) * 1e9);
			if (rv && rv->type == MSGPACK_OBJECT_ARRAY &&
			    m < rv->via.array.size)
				x->revq[map[m]] += llround(
				    get_d(&rv->via.array.ptr[m]) * 1e6);
		}
	}
}

static void
settle_channels(struct summary *s)
{
	size_t i, j;

	for (i = 0; i < s->nch; i++)
		for (j = 0; j < MAX_MODELS; j++) {
			s->ch[i].conv[j] = (double)s->ch[i].convq[j] / 1e9;
			s->ch[i].rev[j] = (double)s->ch[i].revq[j] / 1e6;
		}
}

/*
 * Another summary of the same night's records (a shard's), added: the
 * sums (money back to integers: exact below 2^51 millionths), the
 * stages' precedence and the sets of stages sessions reached, from
 * which finish() orders the funnel and counts the closed one again.
 */
static void
add_summary(struct collect *C, const char *rec, size_t len)
{
	struct summary *s = &C->s;
	const msgpack_object *o, *f, *re, *cur;
	size_t off = 0;
	int64_t from, to;
	uint32_t i;

	if (msgpack_unpack_next(&C->up, rec, len, &off) !=
	    MSGPACK_UNPACK_SUCCESS) {
		C->bad++;
		return;
	}
	o = &C->up.data;
	from = (int64_t)get_u(o, "from");
	to = (int64_t)get_u(o, "to");
	if (from && (s->from == 0 || from < s->from))
		s->from = from;
	if (to > s->to)
		s->to = to;
	s->sessions += get_u(o, "sessions");
	C->visitors_more += get_u(o, "visitors");
	s->buying += get_u(o, "buying_sessions");
	s->orders += get_u(o, "orders");
	C->revenue_q += llround(get_d(mpk_get(o, "revenue")) * 1e6);
	cur = mpk_get(o, "currency");
	if (cur && cur->type == MSGPACK_OBJECT_STR && cur->via.str.size > 0 &&
	    cur->via.str.size < sizeof s->currency &&
	    (s->currency[0] == '\0' || str_before(cur, s->currency))) {
		memcpy(s->currency, cur->via.str.ptr, cur->via.str.size);
		s->currency[cur->via.str.size] = '\0';
	}
	f = mpk_get(o, "funnel");
	for (i = 0; f && f->type == MSGPACK_OBJECT_ARRAY &&
	    i < f->via.array.size; i++) {
		const msgpack_object *e = &f->via.array.ptr[i],
		    *n = mpk_get(e, "stage");
		uint64_t after;
		int k, j;

		if (n == NULL || n->type != MSGPACK_OBJECT_STR || (k =
		    stage_index(s, n->via.str.ptr, n->via.str.size)) < 0)
			continue;
		s->st[k].sessions += get_u(e, "sessions");
		C->stage_vis_more[k] += get_u(e, "visitors");
		after = stage_bits(C, mpk_get(e, "after"));
		for (j = 0; j < MAX_STAGES; j++)
			if (after >> j & 1)
				C->before[j][k] = 1;
	}
	re = mpk_get(o, "reached");
	for (i = 0; re && re->type == MSGPACK_OBJECT_ARRAY &&
	    i < re->via.array.size; i++) {
		const msgpack_object *e = &re->via.array.ptr[i];

		add_mask(C, stage_bits(C, mpk_get(e, "stages")),
		    get_u(e, "sessions"));
	}
	add_channels(s, o);
}

static void
record(void *arg, int decoded, const char *rec, size_t len,
    const struct records *r)
{
	struct collect *C = arg;
	const char *t;
	size_t n;

	(void)r;
	if (mpc_record_type(rec, len, &t, &n) != 0)
		C->bad++;
	else if (n == 7 && memcmp(t, "session", 7) == 0)
		add_session(C, decoded);
	else if (n == 10 && memcmp(t, "conversion", 10) == 0)
		add_conversion(C, rec, len);
	else if (n == 7 && memcmp(t, "summary", 7) == 0)
		add_summary(C, rec, len);
}

static int
reach_cmp(const void *x, const void *y)
{
	const struct sreach *a = x, *b = y;

	return (a->bits > b->bits) - (a->bits < b->bits);
}

/* The stages' precedence and the sets of stages reached, in the stages'
 * final order (order[new] = old), for the summary to carry. */
static void
keep_reach(struct collect *C, const size_t *order)
{
	struct summary *s = &C->s;
	size_t inv[MAX_STAGES], i, j;

	for (i = 0; i < s->nst; i++)
		inv[order[i]] = i;
	for (i = 0; i < s->nst; i++) {
		s->after[i] = 0;
		for (j = 0; j < s->nst; j++)
			if (C->before[order[j]][order[i]])
				s->after[i] |= 1ULL << j;
	}
	s->reached = xcalloc(C->nmasks + 1, sizeof *s->reached);
	for (i = 0; i < C->nmasks; i++) {
		uint64_t b = 0;

		for (j = 0; j < s->nst; j++)
			if (C->masks[i].bits >> j & 1)
				b |= 1ULL << inv[j];
		s->reached[i].bits = b;
		s->reached[i].n = C->masks[i].n;
	}
	s->nreached = C->nmasks;
	if (s->nreached > 1)
		qsort(s->reached, s->nreached, sizeof *s->reached, reach_cmp);
}

/* The stages in funnel order (sessions list theirs in that order: a
 * stage comes after every stage seen before it in some session), and
 * the closed funnel: sessions that reached a stage and
 * every stage before it. */
static void
finish(struct collect *C)
{
	struct summary *s = &C->s;
	size_t i, j, k, v, pred[MAX_STAGES], order[MAX_STAGES];
	struct fstage st[MAX_STAGES];
	uint64_t all = 0;

	for (i = 0; i < s->nst; i++) {
		pred[i] = 0;
		for (j = 0; j < s->nst; j++)
			pred[i] += C->before[j][i];
		order[i] = i;
		s->st[i].visitors = C->stage_vis_more[i];
	}
	for (v = 0; v < strtab_count(C->visitors); v++)
		for (i = 0; i < s->nst; i++)
			s->st[i].visitors += C->vis_bits[v] >> i & 1;
	/* By predecessors, then name: not the order stages were first seen
	 * in, which depends on the order of the records. */
	for (i = 1; i < s->nst; i++)
		for (j = i; j > 0 && (pred[order[j - 1]] > pred[order[j]] ||
		    (pred[order[j - 1]] == pred[order[j]] &&
		    strcmp(s->st[order[j - 1]].name, s->st[order[j]].name) >
		    0)); j--) {
			k = order[j];
			order[j] = order[j - 1];
			order[j - 1] = k;
		}
	for (i = 0; i < s->nst; i++)
		st[i] = s->st[order[i]];
	for (i = 0; i < s->nst; i++) {
		all |= 1ULL << order[i];
		st[i].closed = 0;
		for (j = 0; j < C->nmasks; j++)
			if ((C->masks[j].bits & all) == all)
				st[i].closed += C->masks[j].n;
	}
	memcpy(s->st, st, s->nst * sizeof *st);
	keep_reach(C, order);
	s->revenue = (double)C->revenue_q / 1e6;
	settle_channels(s);
	s->visitors = strtab_count(C->visitors) + C->visitors_more;
	s->nights = 1;
}

/* The names of the stages of bits, in funnel order. */
static void
pack_stages(msgpack_packer *pk, const struct summary *s, uint64_t bits)
{
	size_t i, n = 0;

	for (i = 0; i < s->nst; i++)
		n += bits >> i & 1;
	msgpack_pack_array(pk, n);
	for (i = 0; i < s->nst; i++)
		if (bits >> i & 1)
			mpk_cstr(pk, s->st[i].name);
}

static void
pack_summary(msgpack_packer *pk, const struct summary *s)
{
	size_t i, m;

	msgpack_pack_map(pk, 14);
	mpk_cstr(pk, "type");
	mpk_cstr(pk, "summary");
	mpk_cstr(pk, "schema");
	msgpack_pack_int(pk, 1);
	mpk_cstr(pk, "from");
	msgpack_pack_int64(pk, s->from);
	mpk_cstr(pk, "to");
	msgpack_pack_int64(pk, s->to);
	mpk_cstr(pk, "sessions");
	msgpack_pack_uint64(pk, s->sessions);
	mpk_cstr(pk, "visitors");
	msgpack_pack_uint64(pk, s->visitors);
	mpk_cstr(pk, "buying_sessions");
	msgpack_pack_uint64(pk, s->buying);
	mpk_cstr(pk, "orders");
	msgpack_pack_uint64(pk, s->orders);
	mpk_cstr(pk, "revenue");
	msgpack_pack_double(pk, s->revenue);
	mpk_cstr(pk, "currency");
	mpk_cstr(pk, s->currency);
	mpk_cstr(pk, "funnel");
	msgpack_pack_array(pk, s->nst);
	for (i = 0; i < s->nst; i++) {
		msgpack_pack_map(pk, 5);
		mpk_cstr(pk, "stage");
		mpk_cstr(pk, s->st[i].name);
		mpk_cstr(pk, "sessions");
		msgpack_pack_uint64(pk, s->st[i].sessions);
		mpk_cstr(pk, "closed");
		msgpack_pack_uint64(pk, s->st[i].closed);
		mpk_cstr(pk, "visitors");
		msgpack_pack_uint64(pk, s->st[i].visitors);
		mpk_cstr(pk, "after");
		pack_stages(pk, s, s->after[i]);
	}
	mpk_cstr(pk, "reached");
	msgpack_pack_array(pk, s->nreached);
	for (i = 0; i < s->nreached; i++) {
		msgpack_pack_map(pk, 2);
		mpk_cstr(pk, "stages");
		pack_stages(pk, s, s->reached[i].bits);
		mpk_cstr(pk, "sessions");
		msgpack_pack_uint64(pk, s->reached[i].n);
	}
	mpk_cstr(pk, "models");
	msgpack_pack_array(pk, s->nmodels);
	for (m = 0; m < s->nmodels; m++)
		mpk_cstr(pk, s->models[m]);
	mpk_cstr(pk, "channels");
	msgpack_pack_array(pk, s->nch);
	for (i = 0; i < s->nch; i++) {
		const struct chan *c = &s->ch[i];

		msgpack_pack_map(pk, 5);
		mpk_cstr(pk, "channel");
		mpk_cstr(pk, c->name);
		mpk_cstr(pk, "sessions");
		msgpack_pack_uint64(pk, c->sessions);
		mpk_cstr(pk, "buying_sessions");
		msgpack_pack_uint64(pk, c->buying);
		mpk_cstr(pk, "conversions");
		msgpack_pack_array(pk, s->nmodels);
		for (m = 0; m < s->nmodels; m++)
			msgpack_pack_double(pk, c->conv[m]);
		mpk_cstr(pk, "revenue");
		msgpack_pack_array(pk, s->nmodels);
		for (m = 0; m < s->nmodels; m++)
			msgpack_pack_double(pk, c->rev[m]);
	}
}

static int
chan_cmp(const void *a, const void *b)
{
	return strcmp(((const struct chan *)a)->name,
	    ((const struct chan *)b)->name);
}

int
summarize(char *const *paths, size_t npaths, const char *out, int quiet)
{
	struct collect C;
	struct records in;
	struct wbuf w;
	msgpack_packer pk;
	int status;

	memset(&C, 0, sizeof C);
	C.visitors = strtab_new();
	msgpack_unpacked_init(&C.up);
	status = sessions_each(paths, npaths, 0, &C.sess, record, &C, &in);
	finish(&C);
	if (C.s.nch > 0)	/* an empty night has no array */
		qsort(C.s.ch, C.s.nch, sizeof *C.s.ch, chan_cmp);
	if (C.bad > 0)
		warnx("%llu records that are not sessions or conversions as "
		    "expected were left out", C.bad);
	stage_output(&w, out);
	mpk_init(&pk, &w);
	pack_summary(&pk, &C.s);
	status = wbuf_finish(&w, status, out ? out : "stdout");
	if (!quiet && status == 0)
		fprintf(stderr, "%s: %llu sessions, %llu visitors, %llu "
		    "orders, %.2f %s revenue\n", prog_name,
		    (unsigned long long)C.s.sessions,
		    (unsigned long long)C.s.visitors,
		    (unsigned long long)C.s.orders, C.s.revenue,
		    C.s.currency);
	strtab_free(C.visitors);
	free(C.vis_bits);
	free(C.masks);
	sess_free(&C.sess);
	msgpack_unpacked_destroy(&C.up);
	summary_free(&C.s);
	return status;
}

/* ---- reading summaries back ---- */

static void
merge(struct summary *s, const msgpack_object *o)
{
	const msgpack_object *f = mpk_get(o, "funnel"), *c;
	int64_t from = (int64_t)get_u(o, "from"), to = (int64_t)get_u(o, "to");
	uint32_t i;

	if (from && (s->from == 0 || from < s->from))
		s->from = from;
	if (to > s->to)
		s->to = to;
	s->sessions += get_u(o, "sessions");
	s->visitors += get_u(o, "visitors");
	s->buying += get_u(o, "buying_sessions");
	s->orders += get_u(o, "orders");
	s->revenue += get_d(mpk_get(o, "revenue"));
	c = mpk_get(o, "currency");
	if (s->currency[0] == '\0' && c && c->type == MSGPACK_OBJECT_STR &&
	    c->via.str.size < sizeof s->currency) {
		memcpy(s->currency, c->via.str.ptr, c->via.str.size);
		s->currency[c->via.str.size] = '\0';
	}
	s->nights++;
	for (i = 0; f && f->type == MSGPACK_OBJECT_ARRAY &&
	    i < f->via.array.size; i++) {
		const msgpack_object *e = &f->via.array.ptr[i],
		    *n = mpk_get(e, "stage");
		int k;

		if (n == NULL || n->type != MSGPACK_OBJECT_STR ||
		    (k = stage_index(s, n->via.str.ptr, n->via.str.size)) < 0)
			continue;
		s->st[k].sessions += get_u(e, "sessions");
		s->st[k].closed += get_u(e, "closed");
		s->st[k].visitors += get_u(e, "visitors");
	}
	add_channels(s, o);
}

int
summary_load(struct summary *s, const char *path)
{
	struct recin in;
	msgpack_object *o;
	int fd, k, found = 0;
	const char *name;

	if ((fd = input_open(path, &name)) < 0)
		return EX_NOINPUT;
	recin_init(&in, fd, name);
	while ((k = recin_next(&in, &o)) > 0)
		if (mpk_is(mpk_get(o, "type"), "summary")) {
			merge(s, o);
			found = 1;
		}
	recin_free(&in);
	input_close(fd);
	if (k < 0)
		return in.status;
	settle_channels(s);
	if (s->nch > 0)
		qsort(s->ch, s->nch, sizeof *s->ch, chan_cmp);
	return found ? 0 : 1;
}
