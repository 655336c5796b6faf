/*
 * attribute.c - revisit-attribute's work.
 *
 * Two passes over the run, because identity is retroactive: first every
 * session is passed on and what attribution needs of it is kept (ids of
 * interned strings, times, purchases); at the end of the input each vid
 * gets its person (the uid of its latest session with one, else the
 * state's link, else itself), the state adds earlier nights' sessions
 * and orders, and the conversions are written, in time order.
 */
#include "attribute.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "models.h"
#include "identity.h"
#include "mpc.h"
#include "mpk.h"
#include "person.h"
#include "prog.h"
#include "records.h"
#include "report.h"
#include "session.h"
#include "state.h"
#include "strtab.h"

struct src {			/* a traffic source, interned */
	struct sv	 channel, source, medium, campaign;
	int		 direct;
};

struct asess {
	uint64_t	 sid;
	int64_t		 start, end;
	uint32_t	 vid, uid;	/* ids in vids, uids (or STRTAB_NONE) */
	uint32_t	 src;
};

struct abuy {
	struct sv	 order_id, value_text, currency;
	double		 value;
	int64_t		 ts;
	uint32_t	 sess;
	uint32_t	 order;		/* id in orders, or STRTAB_NONE */
};

struct vidinfo {
	struct vlink	 link;		/* tonight's */
	struct sv	 state_uid;	/* the state's link (n == 0: none) */
	uint32_t	 person;
};

struct touchpt {		/* a touchpoint of a converting person */
	int64_t		 start;
	uint64_t	 sid;
	struct sv	 vid;
	uint32_t	 src;		/* index in srcs, which may move */
};

struct aperson {
	struct sv	 key;
	int		 is_uid;
	int		 converts;
	struct touchpt	*t;
	size_t		 nt, cap;
};

struct at {
	const struct at_opts	*o;
	struct wbuf		*out;
	struct wbuf		*conv_out;	/* --conversions-out, or NULL */
	struct arena		 mem;
	struct strtab		*vids, *uids, *srckeys, *orders, *pkeys;
	struct src		*srcs;
	size_t			 nsrcs, capsrcs;
	struct asess		*sess;
	size_t			 nsess, capsess;
	struct abuy		*buys;
	size_t			 nbuys, capbuys;
	struct vidinfo		*vinfo;
	struct aperson		*persons;
	size_t			 npersons, cappersons;
	unsigned char		*order_known;	/* by order id: in the state */
	struct state		 st;
	int			 open_status;	/* of the state, opened first */
	struct state_heads	 heads;		/* read while the night is */
	const struct state_head	**cands;	/* pass 1's records for pass 2 */
	size_t			 ncands, capcands;
	struct report		*rep;
	struct sess		 dec;
	int			 status;
	unsigned long long	 nbad, npass, nold, nconv, nrepeat,
				 nknown, nstate_persons, noverlap;
};

static struct sv
keep(struct at *A, struct sv s)
{
	struct sv k = { arena_copy(&A->mem, s.p, s.n), s.n };

	return k;
}

static uint32_t
intern(struct strtab *t, struct sv s)
{
	return strtab_intern(t, s.p, s.n, NULL);
}

/* The id of a session's traffic source, interned by its four fields. */
static uint32_t
source_id(struct at *A, const struct sess *s)
{
	char buf[1024];
	const struct sv f[4] = { s->channel, s->source, s->medium,
		s->campaign };
	size_t n = 0, i;
	uint32_t id;
	int added;

	for (i = 0; i < 4; i++) {
		size_t k = f[i].n < 250 ? f[i].n : 250;

		memcpy(buf + n, f[i].p, k);
		n += k;
		buf[n++] = '\x1f';
	}
	id = strtab_intern(A->srckeys, buf, n, &added);
	if (added) {
		struct src *r;

		A->srcs = grow_array(A->srcs, &A->capsrcs, A->nsrcs,
		    sizeof *A->srcs);
		r = &A->srcs[A->nsrcs++];
		r->channel = keep(A, s->channel);
		r->source = keep(A, s->source);
		r->medium = keep(A, s->medium);
		r->campaign = keep(A, s->campaign);
		r->direct = s->channel.n == 6 &&
		    memcmp(s->channel.p, "Direct", 6) == 0;
	}
	return id;
}

static void
session(struct at *A)
{
	const struct sess *s = &A->dec;
	struct asess *a;
	size_t i;

	A->sess = grow_array(A->sess, &A->capsess, A->nsess, sizeof *A->sess);
	a = &A->sess[A->nsess];
	a->sid = s->sid;
	a->start = s->start;
	a->end = s->end;
	a->vid = intern(A->vids, s->vid);
	a->uid = s->uid.n ? intern(A->uids, s->uid) : STRTAB_NONE;
	a->src = source_id(A, s);
	for (i = 0; i < s->nbuys; i++) {
		const struct sess_buy *b = &s->buys[i];
		struct abuy *k;

		A->buys = grow_array(A->buys, &A->capbuys, A->nbuys,
		    sizeof *A->buys);
		k = &A->buys[A->nbuys++];
		k->order_id = keep(A, b->order_id);
		k->value_text = keep(A, b->value_text);
		k->currency = keep(A, b->currency);
		k->value = b->value;
		k->ts = b->ts;
		k->sess = (uint32_t)A->nsess;
		k->order = b->order_id.n ? intern(A->orders, b->order_id) :
		    STRTAB_NONE;
	}
	A->nsess++;
}

static void
record(void *arg, int decoded, const char *rec, size_t len,
    const struct records *r)
{
	struct at *A = arg;
	const char *t;
	size_t tn;

	if (mpc_record_type(rec, len, &t, &tn) == 0 && tn == 10 &&
	    memcmp(t, "conversion", 10) == 0) {
		A->nold++;	/* replaced by ours */
		return;
	}
	wbuf_write(A->out, rec, len);
	if (tn != 7 || memcmp(t, "session", 7) != 0) {
		A->npass++;
		return;
	}
	if (decoded)
		session(A);
	else if (A->nbad++ < 10)
		warnx("%s: record %llu: a session without vid, sid, start or "
		    "end: passed on, not attributed", r->name,
		    (unsigned long long)r->nrec);
}

/* ---- identity ---- */

static uint32_t
person_id(struct at *A, struct sv key, int is_uid)
{
	int added;
	uint32_t id = person_intern(A->pkeys, key, is_uid, &added);

	if (added) {
		struct aperson *p;

		A->persons = grow_array(A->persons, &A->cappersons, A->npersons,
		    sizeof *A->persons);
		p = &A->persons[A->npersons++];
		memset(p, 0, sizeof *p);
		p->key = key;
		p->is_uid = is_uid;
	}
	return id;
}

/* Today's link of each vid: the uid of its latest session with one. */
static void
links_today(struct at *A)
{
	size_t i, nv = strtab_count(A->vids);

	A->vinfo = xcalloc(nv ? nv : 1, sizeof *A->vinfo);
	for (i = 0; i < nv; i++)
		vlink_init(&A->vinfo[i].link);
	for (i = 0; i < A->nsess; i++) {
		const struct asess *s = &A->sess[i];

		if (s->uid != STRTAB_NONE)
			vlink_see(&A->vinfo[s->vid].link, s->uid, s->start,
			    s->end, s->sid);
	}
}

static struct sv
strtab_sv(const struct strtab *t, uint32_t id)
{
	struct sv s;

	s.p = strtab_str(t, id, &s.n);
	return s;
}

static void
persons_today(struct at *A)
{
	size_t i, nv = strtab_count(A->vids);

	for (i = 0; i < nv; i++) {
		struct vidinfo *v = &A->vinfo[i];

		/* Keys are views: copy those from the tables, which move. */
		if (v->link.uid != STRTAB_NONE)
			v->person = person_id(A, keep(A, strtab_sv(A->uids,
			    v->link.uid)), 1);
		else if (v->state_uid.n)
			v->person = person_id(A, v->state_uid, 1);
		else
			v->person = person_id(A, keep(A, strtab_sv(A->vids,
			    (uint32_t)i)), 0);
	}
}

/* ---- purchases ---- */

static int
buy_order(const void *x, const void *y)
{
	const struct abuy *a = x, *b = y;
	int c = buy_cmp_at(a->ts, a->order_id, b->ts, b->order_id);

	return c ? c : (a->sess > b->sess) - (a->sess < b->sess);
}

/*
 * Which purchases are conversions: in time order, an order id counts
 * once, and not at all if an earlier night's state has it. Those that
 * do not count get sess = UINT32_MAX.
 */
static void
count_orders(struct at *A)
{
	size_t no = strtab_count(A->orders), i;
	unsigned char *seen = xcalloc(no ? no : 1, 1);

	if (A->nbuys > 1)
		qsort(A->buys, A->nbuys, sizeof *A->buys, buy_order);
	for (i = 0; i < A->nbuys; i++) {
		struct abuy *b = &A->buys[i];

		if (b->order != STRTAB_NONE) {
			if (A->order_known && A->order_known[b->order]) {
				A->nknown++;
				b->sess = UINT32_MAX;
				continue;
			}
			if (seen[b->order]++) {
				A->nrepeat++;
				b->sess = UINT32_MAX;
				continue;
			}
		}
		A->persons[A->vinfo[A->sess[b->sess].vid].person].converts = 1;
	}
	free(seen);
}

/* ---- the state ---- */

static void
add_touch(struct aperson *p, int64_t start, uint64_t sid, struct sv vid,
    uint32_t src)
{
	struct touchpt *t;

	p->t = grow_array(p->t, &p->cap, p->nt, sizeof *p->t);
	t = &p->t[p->nt++];
	t->start = start;
	t->sid = sid;
	t->vid = vid;
	t->src = src;
}

/* A touchpoint from the state: its source interned like today's. */
static void
state_touch(struct at *A, struct aperson *p, const struct touch *t,
    struct sv vid)
{
	struct sess s;

	memset(&s, 0, sizeof s);
	s.channel = A->st.words[t->channel];
	s.source = A->st.words[t->source];
	s.medium = A->st.words[t->medium];
	s.campaign = A->st.words[t->campaign];
	add_touch(p, t->start, t->sid, vid, source_id(A, &s));
}

/*
 * Pass 1, from a record's head: its order ids mark tonight's repeats,
 * its vids seen tonight learn their link (a uid's record). Returns
 * whether the record may hold touchpoints of tonight's persons, for
 * pass 2: a vid of it was seen tonight, or its key is tonight's uid or
 * vid. The only other key a person of tonight can have is the state's
 * link of such a vid, which is this record's own key. Or -1: damaged.
 */
static int
state_head(struct at *A, const struct phead *ph)
{
	struct plist l;
	struct sv s;
	int r, wanted;

	phead_orders(ph, &l);
	while ((r = plist_next(&l, &s)) > 0) {
		uint32_t o = strtab_find(A->orders, s.p, s.n);

		if (o != STRTAB_NONE)
			A->order_known[o] = 1;
	}
	if (r < 0)
		return r;
	wanted = strtab_find(ph->is_uid ? A->uids : A->vids, ph->key.p,
	    ph->key.n) != STRTAB_NONE;
	phead_vids(ph, &l);
	while ((r = plist_next(&l, &s)) > 0) {
		uint32_t v;

		if (wanted && !ph->is_uid)
			break;		/* nothing more to learn */
		if ((v = strtab_find(A->vids, s.p, s.n)) == STRTAB_NONE)
			continue;
		wanted = 1;
		if (ph->is_uid)
			A->vinfo[v].state_uid = ph->key;
	}
	return r < 0 ? r : wanted;
}

/* The person a vid of the state belongs to now, or STRTAB_NONE if it is
 * not one of tonight's. */
static uint32_t
state_vid_person(struct at *A, const struct phead *ph, struct sv vid)
{
	uint32_t v = strtab_find(A->vids, vid.p, vid.n);

	if (v != STRTAB_NONE)
		return A->vinfo[v].person;
	return person_find(A->pkeys, ph->key, ph->is_uid);
}

/* Pass 2: whether a vid of the record belongs to a converting person. */
static int
state_wanted(struct at *A, const struct phead *ph)
{
	struct plist l;
	struct sv s;
	int r;

	phead_vids(ph, &l);
	while ((r = plist_next(&l, &s)) > 0) {
		uint32_t pid = state_vid_person(A, ph, s);

		if (pid != STRTAB_NONE && A->persons[pid].converts)
			return 1;
	}
	return r;
}

/* Pass 2: the touchpoints of a wanted record's vids, to their persons.
 * Views into the record stay valid while the state is open. */
static void
state_touches(struct at *A, const struct phead *ph, const struct person *p)
{
	size_t i, j;

	for (i = 0; i < p->nvids; i++) {
		const struct vidhist *vh = &p->vids[i];
		uint32_t pid = state_vid_person(A, ph, vh->vid);

		if (pid == STRTAB_NONE || !A->persons[pid].converts)
			continue;
		for (j = 0; j < vh->ntouch; j++)
			state_touch(A, &A->persons[pid], &vh->touch[j],
			    vh->vid);
	}
}

static void
damaged(struct at *A, const struct state_head *h)
{
	warnx("%s/%s: record %llu (byte %zu): a damaged person record",
	    A->st.dir, A->st.files[h->file].file, (unsigned long long)h->nrec,
	    h->off);
}

/* Pass 1 over the state: orders, links, and the records pass 2 wants.
 * The heads were read meanwhile (state_heads). */
static int
state_pass1(struct at *A)
{
	int r = state_heads_wait(&A->heads), w;
	size_t i;

	for (i = 0; i < A->heads.n && r == 0; i++) {
		const struct state_head *h = &A->heads.v[i];

		A->nstate_persons++;
		if ((w = state_head(A, &h->ph)) < 0) {
			damaged(A, h);
			r = EX_DATAERR;
		} else if (w > 0) {
			A->cands = grow_array(A->cands, &A->capcands,
			    A->ncands, sizeof *A->cands);
			A->cands[A->ncands++] = h;
		}
	}
	return r;
}

/* Pass 2, over pass 1's records in state order: touchpoints. */
static int
state_pass2(struct at *A)
{
	struct person p;
	size_t i;
	int w, status = 0;

	memset(&p, 0, sizeof p);
	for (i = 0; i < A->ncands && status == 0; i++) {
		const struct state_head *h = A->cands[i];

		if ((w = state_wanted(A, &h->ph)) > 0) {
			person_free(&p);
			if (person_decode(&p, A->st.files[h->file].map +
			    h->off, h->len, A->st.nwords) != 0)
				w = -1;
			else
				state_touches(A, &h->ph, &p);
		}
		if (w < 0) {
			damaged(A, h);
			status = EX_DATAERR;
		}
	}
	person_free(&p);
	return status;
}

/* The state is opened before the night is read, and its heads read
 * meanwhile. */
static void
open_state(struct at *A)
{
	if ((A->open_status = state_open(&A->st, A->o->state)) == 0)
		state_heads_start(&A->heads, &A->st);
}

static int
load_state(struct at *A)
{
	size_t no = strtab_count(A->orders);

	if (A->open_status != 0)
		return A->open_status;
	A->order_known = xcalloc(no ? no : 1, 1);
	if (A->st.empty)
		return 0;
	if (A->o->lookback > A->st.keep.window)
		warnx("%s: the state keeps sessions for %lld days, less than "
		    "--lookback: earlier nights' touchpoints are cut there",
		    A->o->state, (long long)(A->st.keep.window / 86400000));
	return state_pass1(A);
}

/* ---- conversions ---- */

static int
touch_cmp(const void *x, const void *y)
{
	const struct touchpt *a = x, *b = y;
	size_t n;
	int c;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	n = a->vid.n < b->vid.n ? a->vid.n : b->vid.n;
	if (n && (c = memcmp(a->vid.p, b->vid.p, n)) != 0)
		return c;
	if (a->vid.n != b->vid.n)
		return a->vid.n < b->vid.n ? -1 : 1;
	return a->sid < b->sid ? -1 : a->sid > b->sid;
}

/* Today's sessions of converting persons join their touchpoints; each
 * list is sorted, a session the state also had counted once. */
static void
gather_touches(struct at *A)
{
	size_t i, j, k;

	for (i = 0; i < A->nsess; i++) {
		const struct asess *s = &A->sess[i];
		struct aperson *p = &A->persons[A->vinfo[s->vid].person];

		if (p->converts)
			add_touch(p, s->start, s->sid, strtab_sv(A->vids,
			    s->vid), s->src);
	}
	for (i = 0; i < A->npersons; i++) {
		struct aperson *p = &A->persons[i];

		if (p->nt > 1)
			qsort(p->t, p->nt, sizeof *p->t, touch_cmp);
		for (j = 0, k = 0; j < p->nt; j++)
			if (k == 0 || p->t[k - 1].sid != p->t[j].sid ||
			    p->t[k - 1].start != p->t[j].start)
				p->t[k++] = p->t[j];
		p->nt = k;
	}
}

static size_t
src_room(const struct src *s)
{
	return MPW_STR_MAX(s->channel.n) + MPW_STR_MAX(s->source.n) +
	    MPW_STR_MAX(s->medium.n) + MPW_STR_MAX(s->campaign.n);
}

static char *
put_sid(char *o, uint64_t sid)
{
	char hex[16];

	sid_format(sid, hex);
	return mpw_str(o, hex, 16);
}

static void
conversion(struct at *A, const struct abuy *b, double *credit,
    int64_t *start, unsigned char *direct)
{
	const struct asess *s = &A->sess[b->sess];
	const struct aperson *p = &A->persons[A->vinfo[s->vid].person];
	struct sv vid = strtab_sv(A->vids, s->vid);
	struct touchpt conv;
	size_t lo, hi, n, i, room, nmodels = 0;
	char *rec;
	int m;
	char *o;

	/*
	 * Touchpoints: started at ts - lookback or later, up to and
	 * including the converting session in touchpoint order (start, vid,
	 * sid). A session another device began during the converting one,
	 * before the purchase, did not lead to it.
	 */
	conv.start = s->start;
	conv.sid = s->sid;
	conv.vid = vid;
	for (lo = 0; lo < p->nt && p->t[lo].start < b->ts - A->o->lookback;
	    lo++)
		;
	for (hi = lo; hi < p->nt && touch_cmp(&p->t[hi], &conv) <= 0; hi++)
		;
	n = hi - lo;
	room = 256 + MPW_STR_MAX(p->key.n) + MPW_STR_MAX(b->order_id.n) +
	    MPW_STR_MAX(b->value_text.n) + MPW_STR_MAX(b->currency.n) +
	    MPW_STR_MAX(vid.n);
	for (i = lo; i < hi; i++)
		room += NMODELS * (96 + src_room(&A->srcs[p->t[i].src]));
	for (m = 0; m < NMODELS; m++)
		nmodels += (A->o->models >> m) & 1;
	rec = o = wbuf_reserve(A->out, room);
	o = mpw_map(o, 10 + (b->order_id.n > 0) + (b->value_text.n > 0));
	o = mpw_lit(o, "type");
	o = mpw_lit(o, "conversion");
	o = mpw_lit(o, "person");
	o = mpw_str(o, p->key.p, p->key.n);
	o = mpw_lit(o, "id_type");
	o = p->is_uid ? mpw_lit(o, "uid") : mpw_lit(o, "vid");
	if (b->order_id.n) {
		o = mpw_lit(o, "order_id");
		o = mpw_str(o, b->order_id.p, b->order_id.n);
	}
	o = mpw_lit(o, "ts");
	o = mpw_int(o, b->ts);
	o = mpw_lit(o, "value");
	o = mpw_double(o, b->value);
	if (b->value_text.n) {
		o = mpw_lit(o, "value_text");
		o = mpw_str(o, b->value_text.p, b->value_text.n);
	}
	o = mpw_lit(o, "currency");
	o = mpw_str(o, b->currency.p, b->currency.n);
	o = mpw_lit(o, "vid");
	o = mpw_str(o, vid.p, vid.n);
	o = mpw_lit(o, "sid");
	o = put_sid(o, s->sid);
	o = mpw_lit(o, "touchpoints");
	o = mpw_int(o, (int64_t)n);
	o = mpw_lit(o, "credits");
	o = mpw_map(o, nmodels);
	for (i = 0; i < n; i++) {
		start[i] = p->t[lo + i].start;
		direct[i] = (unsigned char)A->srcs[p->t[lo + i].src].direct;
	}
	for (m = 0; m < NMODELS; m++) {
		size_t npos = 0;

		if (!((A->o->models >> m) & 1))
			continue;
		if (n > 0)
			model_credits((enum model)m, start, direct, n, b->ts,
			    A->o->half_life, credit);
		for (i = 0; i < n; i++)
			npos += credit[i] > 0;
		o = mpw_str(o, model_names[m], strlen(model_names[m]));
		o = mpw_array(o, npos);
		for (i = 0; i < n; i++) {
			const struct touchpt *t = &p->t[lo + i];
			const struct src *r = &A->srcs[t->src];

			if (!(credit[i] > 0))
				continue;
			o = mpw_map(o, 7);
			o = mpw_lit(o, "sid");
			o = put_sid(o, t->sid);
			o = mpw_lit(o, "start");
			o = mpw_int(o, t->start);
			o = mpw_lit(o, "channel");
			o = mpw_str(o, r->channel.p, r->channel.n);
			o = mpw_lit(o, "source");
			o = mpw_str(o, r->source.p, r->source.n);
			o = mpw_lit(o, "medium");
			o = mpw_str(o, r->medium.p, r->medium.n);
			o = mpw_lit(o, "campaign");
			o = mpw_str(o, r->campaign.p, r->campaign.n);
			o = mpw_lit(o, "credit");
			o = mpw_double(o, credit[i]);
			if (A->rep)
				report_add(A->rep, m, r->channel, r->source,
				    r->medium, r->campaign, b->currency,
				    credit[i], b->value);
		}
	}
	wbuf_commit(A->out, o);
	if (A->conv_out)
		wbuf_write(A->conv_out, rec, (size_t)(o - rec));
	if (A->rep)
		report_conversion(A->rep, b->currency, b->value, n == 0);
	A->nconv++;
}

static void
write_conversions(struct at *A)
{
	size_t most = 1, i;
	double *credit;
	int64_t *start;
	unsigned char *direct;

	for (i = 0; i < A->npersons; i++)
		if (A->persons[i].nt > most)
			most = A->persons[i].nt;
	credit = malloc(most * sizeof *credit);
	start = malloc(most * sizeof *start);
	direct = malloc(most);
	if (credit == NULL || start == NULL || direct == NULL)
		die(EX_OSERR, "out of memory");
	for (i = 0; i < A->nbuys; i++)
		if (A->buys[i].sess != UINT32_MAX)
			conversion(A, &A->buys[i], credit, start, direct);
	free(credit);
	free(start);
	free(direct);
}

int
at_run(char *const *paths, size_t npaths, struct wbuf *out,
    const struct at_opts *o)
{
	struct records in;
	struct wbuf conv;
	struct at A;
	size_t i;
	int r;

	memset(&A, 0, sizeof A);
	A.o = o;
	A.out = out;
	if (o->conversions_out) {
		stage_output(&conv, o->conversions_out);
		A.conv_out = &conv;
	}
	A.vids = strtab_new();
	A.uids = strtab_new();
	A.srckeys = strtab_new();
	A.orders = strtab_new();
	A.pkeys = strtab_new();
	if (o->report || o->report_json || o->sums_out)
		A.rep = report_new(o->models);
	if (o->state)
		open_state(&A);
	A.status = sessions_each(paths, npaths, o->progress, &A.dec, record, &A,
	    &in);
	links_today(&A);
	if (o->state && (r = load_state(&A)) != 0) {
		A.status = status_merge(A.status, r);
		goto done;
	}
	if (A.order_known == NULL)
		A.order_known = xcalloc(strtab_count(A.orders) + 1, 1);
	persons_today(&A);
	count_orders(&A);
	if (o->state && !A.st.empty && (r = state_pass2(&A)) != 0) {
		A.status = status_merge(A.status, r);
		goto done;
	}
	gather_touches(&A);
	write_conversions(&A);
	/* The sums only if all went well: a shard's, added up later. */
	if (o->sums_out && A.status == 0 &&
	    report_write_sums(A.rep, o->sums_out) != 0)
		A.status = status_merge(A.status, EX_IOERR);
	if ((o->report || o->report_json) &&
	    report_write(A.rep, o->report, o->report_json) != 0)
		A.status = status_merge(A.status, EX_IOERR);
done:
	/* Written only if all went well, else its temporary file goes. */
	if (A.conv_out)
		A.status = wbuf_finish(A.conv_out, A.status,
		    o->conversions_out);
	if (!o->quiet)
		fprintf(stderr, "%s: %llu records: %zu sessions, %llu "
		    "conversions, %llu repeated orders not counted again (%llu "
		    "from earlier nights), %llu persons in the state, %llu "
		    "passed through\n", prog_name, (unsigned long long)in.n,
		    A.nsess, A.nconv, A.nrepeat + A.nknown, A.nknown,
		    A.nstate_persons, A.npass);
	if (A.nold && !o->quiet)
		warnx("%llu conversion records in the input were replaced",
		    A.nold);
	for (i = 0; i < A.npersons; i++)
		free(A.persons[i].t);
	free(A.persons);
	free(A.vinfo);
	free(A.sess);
	free(A.buys);
	free(A.srcs);
	free(A.order_known);
	free(A.cands);
	sess_free(&A.dec);
	strtab_free(A.vids);
	strtab_free(A.uids);
	strtab_free(A.srckeys);
	strtab_free(A.orders);
	strtab_free(A.pkeys);
	report_free(A.rep);
	if (o->state) {
		if (A.open_status == 0)
			state_heads_free(&A.heads);
		state_close(&A.st);
	}
	arena_free(&A.mem);
	return A.status;
}
