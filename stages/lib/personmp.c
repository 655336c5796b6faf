/*
 * personmp.c - the person record's MessagePack form (schemas/state.md).
 *
 * Compact, because a site keeps months of persons: short keys; words
 * as their number in the state's dictionary; per vid, every time but
 * "l" (the last page hit, ms) written back from "l", in seconds when all
 * of the vid's times are whole seconds (most logs have no more) else in
 * ms ("ms": true); a touchpoint's sid only when it is not the one
 * sessionize gives a vid's first session of that millisecond ("sx");
 * event lists flat: word, time, word, time...
 *
 * What a reader needs to pass over a record or pick it out comes first:
 * {"type": "person", "p": key, "uid": true (if a uid), "x": expiry (s,
 * or the largest int64 if nothing expires), "z": the record's length
 * (uint32, always 5 bytes), "vl": [vids], "ol": [order ids] (if any),
 * "v": [one map per vid, in the order of "vl"]}.
 */
#include "person.h"

#include <string.h>

#include "mpc.h"
#include "mpk.h"
#include "prog.h"

struct tunit {
	int64_t		 base, unit;
};

static int
events_whole(const struct event *v, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (v[i].ts % 1000)
			return 0;
	return 1;
}

static int
whole_seconds(const struct vidhist *h)
{
	uint32_t i;

	if (h->first % 1000 || h->last % 1000 || h->last_start % 1000)
		return 0;
	for (i = 0; i < h->ntouch; i++)
		if (h->touch[i].start % 1000)
			return 0;
	for (i = 0; i < h->nbuys; i++)
		if (h->buys[i].ts % 1000)
			return 0;
	return events_whole(h->viewed, h->nviewed) &&
	    events_whole(h->carted, h->ncarted) &&
	    events_whole(h->stages, h->nstages);
}

static char *
put_time(char *o, const struct tunit *u, int64_t t)
{
	return mpw_int(o, (u->base - t) / u->unit);
}

static int64_t
get_time(const struct tunit *u, int64_t d)
{
	return u->base - d * u->unit;
}

static char *
put_sv(char *o, struct sv s)
{
	return mpw_str(o, s.p, s.n);
}

static size_t
person_room(const struct person *p)
{
	size_t n = 64 + MPW_STR_MAX(p->key.n);
	uint32_t i, j;

	for (i = 0; i < p->nvids; i++) {
		const struct vidhist *h = &p->vids[i];

		n += 64 + 2 * MPW_STR_MAX(h->vid.n) + 32 * (size_t)h->ntouch +
		    18 * ((size_t)h->nviewed + h->ncarted + h->nstages);
		for (j = 0; j < h->nbuys; j++)
			n += 48 + 2 * MPW_STR_MAX(h->buys[j].order_id.n) +
			    MPW_STR_MAX(h->buys[j].value_text.n);
	}
	return n;
}

static char *
put_events(char *o, const char *key, size_t klen, const struct event *v,
    uint32_t n, const struct tunit *u)
{
	uint32_t i;

	o = mpw_str(o, key, klen);
	o = mpw_array(o, 2 * (size_t)n);
	for (i = 0; i < n; i++) {
		o = mpw_int(o, v[i].word);
		o = put_time(o, u, v[i].ts);
	}
	return o;
}

/* [time, channel, source, medium, campaign]; trailing defaults left
 * out. */
static char *
put_touch(char *o, const struct touch *t, const struct tunit *u)
{
	size_t n = 5;

	if (t->campaign == WORD_NO_CAMPAIGN) {
		n = 4;
		if (t->medium == WORD_NO_MEDIUM) {
			n = 3;
			if (t->source == WORD_NO_SOURCE)
				n = 2;
		}
	}
	o = mpw_array(o, n);
	o = put_time(o, u, t->start);
	o = mpw_int(o, t->channel);
	if (n > 2)
		o = mpw_int(o, t->source);
	if (n > 3)
		o = mpw_int(o, t->medium);
	if (n > 4)
		o = mpw_int(o, t->campaign);
	return o;
}

static int
sid_usual(const struct vidhist *h, const struct touch *t)
{
	return t->sid == sid_compute(h->vid.p, h->vid.n, t->start, 0);
}

static char *
put_vid(char *o, const struct vidhist *h, uint32_t *oi)
{
	struct tunit u = { h->last, whole_seconds(h) ? 1000 : 1 };
	uint32_t j, nsx = 0;
	size_t n;

	for (j = 0; j < h->ntouch; j++)
		nsx += !sid_usual(h, &h->touch[j]);
	n = 3 + (u.unit == 1) + (h->opt_out != 0) + (h->ntouch > 0) +
	    (nsx > 0) + (h->nviewed > 0) + (h->ncarted > 0) +
	    (h->nstages > 0) + (h->nbuys > 0);
	o = mpw_map(o, n);
	o = mpw_lit(o, "l");
	o = mpw_int(o, h->last);
	if (u.unit == 1) {
		o = mpw_lit(o, "ms");
		o = mpw_bool(o, 1);
	}
	o = mpw_lit(o, "f");
	o = put_time(o, &u, h->first);
	o = mpw_lit(o, "ls");
	o = put_time(o, &u, h->last_start);
	if (h->opt_out) {
		o = mpw_lit(o, "oo");
		o = mpw_bool(o, 1);
	}
	if (h->ntouch) {
		o = mpw_lit(o, "t");
		o = mpw_array(o, h->ntouch);
		for (j = 0; j < h->ntouch; j++)
			o = put_touch(o, &h->touch[j], &u);
	}
	if (nsx) {
		o = mpw_lit(o, "sx");
		o = mpw_array(o, 2 * (size_t)nsx);
		for (j = 0; j < h->ntouch; j++)
			if (!sid_usual(h, &h->touch[j])) {
				o = mpw_int(o, j);
				o = mpw_u64(o, h->touch[j].sid);
			}
	}
	if (h->nviewed)
		o = put_events(o, "v", 1, h->viewed, h->nviewed, &u);
	if (h->ncarted)
		o = put_events(o, "c", 1, h->carted, h->ncarted, &u);
	if (h->nstages)
		o = put_events(o, "st", 2, h->stages, h->nstages, &u);
	if (h->nbuys) {
		o = mpw_lit(o, "b");
		o = mpw_array(o, h->nbuys);
		for (j = 0; j < h->nbuys; j++) {
			const struct buy *b = &h->buys[j];

			o = mpw_array(o, 5);
			o = mpw_int(o, (*oi)++);
			o = put_time(o, &u, b->ts);
			o = mpw_double(o, b->value);
			o = put_sv(o, b->value_text);
			o = mpw_int(o, b->currency);
		}
	}
	return o;
}

void
person_pack(struct wbuf *w, const struct person *p, const struct keep *kp)
{
	char *start = wbuf_reserve(w, person_room(p)), *o = start, *z;
	uint32_t i, j, nord = 0, oi = 0;
	int64_t x = person_expiry(p, kp);

	for (i = 0; i < p->nvids; i++)
		nord += p->vids[i].nbuys;
	o = mpw_map(o, 6 + (p->is_uid != 0) + (nord > 0));
	o = mpw_lit(o, "type");
	o = mpw_lit(o, "person");
	o = mpw_lit(o, "p");
	o = put_sv(o, p->key);
	if (p->is_uid) {
		o = mpw_lit(o, "uid");
		o = mpw_bool(o, 1);
	}
	o = mpw_lit(o, "x");
	/* In seconds, rounded down: a reader looks at it a little early. */
	o = mpw_int(o, x == INT64_MAX ? x : x / 1000);
	o = mpw_lit(o, "z");
	z = o;
	o += 5;
	o = mpw_lit(o, "vl");
	o = mpw_array(o, p->nvids);
	for (i = 0; i < p->nvids; i++)
		o = put_sv(o, p->vids[i].vid);
	if (nord) {
		o = mpw_lit(o, "ol");
		o = mpw_array(o, nord);
		for (i = 0; i < p->nvids; i++)
			for (j = 0; j < p->vids[i].nbuys; j++)
				o = put_sv(o, p->vids[i].buys[j].order_id);
	}
	o = mpw_lit(o, "v");
	o = mpw_array(o, p->nvids);
	for (i = 0; i < p->nvids; i++)
		o = put_vid(o, &p->vids[i], &oi);
	*z = (char)0xce;
	mpw_be(z + 1, (uint64_t)(o - start), 4);
	wbuf_commit(w, o);
}

/* ---- decoding ---- */

static int
key_is(const char *k, size_t kl, const char *want)
{
	return strlen(want) == kl && memcmp(k, want, kl) == 0;
}

static int
get_sv(struct mpc *c, struct sv *s)
{
	return mpc_str(c, &s->p, &s->n);
}

struct ctx {
	size_t			 nwords;
	const struct phead	*ph;
	struct tunit		 u;
};

static int
get_word(struct mpc *c, const struct ctx *x, uint32_t *w)
{
	int64_t i;

	if (mpc_int(c, &i) != 0 || i < 0 || (uint64_t)i >= x->nwords)
		return -1;
	*w = (uint32_t)i;
	return 0;
}

/* The i-th string of the array at p (read before: it is well-formed). */
static int
nth_str(const char *p, const char *end, int64_t i, struct sv *s)
{
	struct mpc c;
	uint32_t n;

	if (p == NULL || i < 0)
		return -1;
	mpc_init(&c, p, (size_t)(end - p));
	if (mpc_array(&c, &n) != 0 || (uint64_t)i >= n)
		return -1;
	while (i-- > 0)
		if (mpc_skip(&c) != 0)
			return -1;
	return get_sv(&c, s);
}

static int
get_events(struct mpc *c, struct event **v, uint32_t *n, uint32_t *cap,
    const struct ctx *x)
{
	uint32_t m, i;

	if (mpc_array(c, &m) != 0 || m % 2)
		return -1;
	*v = person_room_exact(*v, cap, m / 2, sizeof **v);
	for (i = 0; i < m / 2; i++) {
		int64_t d;

		if (get_word(c, x, &(*v)[i].word) != 0 || mpc_int(c, &d) != 0)
			return -1;
		(*v)[i].ts = get_time(&x->u, d);
	}
	*n = m / 2;
	return 0;
}

int person_sids = 1;
int person_buys_only = 0;

static int
get_touch(struct mpc *c, struct touch *t, const struct vidhist *h,
    const struct ctx *x)
{
	uint32_t m;
	int64_t d;

	if (mpc_array(c, &m) != 0 || m < 2 || m > 5 || mpc_int(c, &d) != 0 ||
	    get_word(c, x, &t->channel) != 0)
		return -1;
	t->start = get_time(&x->u, d);
	t->source = WORD_NO_SOURCE;
	t->medium = WORD_NO_MEDIUM;
	t->campaign = WORD_NO_CAMPAIGN;
	if ((m > 2 && get_word(c, x, &t->source) != 0) ||
	    (m > 3 && get_word(c, x, &t->medium) != 0) ||
	    (m > 4 && get_word(c, x, &t->campaign) != 0))
		return -1;
	t->sid = person_sids ? sid_compute(h->vid.p, h->vid.n, t->start, 0) : 0;
	return 0;
}

/* The sids written out, after "t": [index, sid, ...]. */
static int
get_sids(struct mpc *c, struct vidhist *h)
{
	uint32_t m, i;

	if (mpc_array(c, &m) != 0 || m % 2)
		return -1;
	for (i = 0; i < m; i += 2) {
		int64_t j;
		uint64_t sid;

		if (mpc_int(c, &j) != 0 || mpc_u64(c, &sid) != 0 || j < 0 ||
		    (uint64_t)j >= h->ntouch)
			return -1;
		h->touch[j].sid = sid;
	}
	return 0;
}

/* A purchase; its order id is the oi-th of the record's "ol". */
static int
get_buy(struct mpc *c, struct buy *b, const struct ctx *x)
{
	uint32_t m;
	int64_t oi, d;

	if (mpc_array(c, &m) != 0 || m != 5 || mpc_int(c, &oi) != 0 ||
	    nth_str(x->ph->ol, x->ph->rec + x->ph->len, oi, &b->order_id) !=
	    0 || mpc_int(c, &d) != 0 || mpc_num(c, &b->value) != 0 ||
	    get_sv(c, &b->value_text) != 0 || get_word(c, x, &b->currency) != 0)
		return -1;
	b->ts = get_time(&x->u, d);
	return 0;
}

/* "l" and "ms" come first (person_pack writes them so): every other
 * time is read from them. */
static int
get_vid(struct mpc *c, struct vidhist *h, struct ctx *x)
{
	uint32_t n, k, m, j;
	int have_l = 0, ms = 0;

	if (mpc_map(c, &n) != 0)
		return -1;
	for (k = 0; k < n; k++) {
		const char *key;
		size_t kl;
		int64_t d;
		int r;

		if (mpc_str(c, &key, &kl) != 0)
			return -1;
		if (key_is(key, kl, "l")) {
			r = mpc_int(c, &h->last);
			have_l = 1;
		} else if (key_is(key, kl, "ms")) {
			r = mpc_bool(c, &ms);
		} else if (!have_l) {
			return -1;	/* not as person_pack writes */
		} else if (key_is(key, kl, "f") || key_is(key, kl, "ls")) {
			x->u.base = h->last;
			x->u.unit = ms ? 1 : 1000;
			if ((r = mpc_int(c, &d)) == 0 && kl == 1)
				h->first = get_time(&x->u, d);
			else if (r == 0)
				h->last_start = get_time(&x->u, d);
		} else if (key_is(key, kl, "oo")) {
			r = mpc_bool(c, &h->opt_out);
		} else if (person_buys_only && !key_is(key, kl, "b")) {
			r = mpc_skip(c);
		} else if (key_is(key, kl, "t")) {
			x->u.base = h->last;
			x->u.unit = ms ? 1 : 1000;
			if ((r = mpc_array(c, &m)) != 0)
				break;
			h->touch = person_room_exact(h->touch, &h->cap[0], m,
			    sizeof *h->touch);
			for (j = 0; j < m && r == 0; j++)
				r = get_touch(c, &h->touch[j], h, x);
			h->ntouch = m;
		} else if (key_is(key, kl, "sx")) {
			r = get_sids(c, h);
		} else if (key_is(key, kl, "v")) {
			r = get_events(c, &h->viewed, &h->nviewed, &h->cap[1],
			    x);
		} else if (key_is(key, kl, "c")) {
			r = get_events(c, &h->carted, &h->ncarted, &h->cap[2],
			    x);
		} else if (key_is(key, kl, "st")) {
			r = get_events(c, &h->stages, &h->nstages, &h->cap[3],
			    x);
		} else if (key_is(key, kl, "b")) {
			if ((r = mpc_array(c, &m)) != 0)
				break;
			h->buys = person_room_exact(h->buys, &h->cap[4], m,
			    sizeof *h->buys);
			for (j = 0; j < m && r == 0; j++)
				r = get_buy(c, &h->buys[j], x);
			h->nbuys = m;
		} else {
			r = mpc_skip(c);
		}
		if (r != 0)
			return -1;
	}
	return have_l ? 0 : -1;
}

int
person_head(const char *rec, size_t avail, struct phead *ph)
{
	struct mpc c;
	uint32_t n, k, m;
	int64_t z;
	int have = 0;

	memset(ph, 0, sizeof *ph);
	mpc_init(&c, rec, avail);
	if (mpc_map(&c, &n) != 0)
		return -1;
	for (k = 0; k < n; k++) {
		const char *kk, *v;
		size_t kl, vl;
		int r;

		if (mpc_str(&c, &kk, &kl) != 0)
			return -1;
		if (key_is(kk, kl, "v")) {
			ph->body = (const char *)c.p;
			break;
		}
		if (key_is(kk, kl, "type")) {
			r = mpc_str(&c, &v, &vl);
			if (r == 0 && !key_is(v, vl, "person"))
				return -1;
			have |= 1;
		} else if (key_is(kk, kl, "p")) {
			r = get_sv(&c, &ph->key);
			have |= 2;
		} else if (key_is(kk, kl, "uid")) {
			r = mpc_bool(&c, &ph->is_uid);
		} else if (key_is(kk, kl, "x")) {
			r = mpc_int(&c, &ph->expiry);
			if (r == 0 && ph->expiry != INT64_MAX) {
				/* seconds; beyond milliseconds' range:
				 * a damaged record */
				if (ph->expiry > INT64_MAX / 1000 ||
				    ph->expiry < 0)
					return -1;
				ph->expiry *= 1000;
			}
		} else if (key_is(kk, kl, "z")) {
			r = mpc_int(&c, &z);
			if (r == 0 && (z <= 0 || (uint64_t)z > avail))
				return -1;
			ph->len = (size_t)z;
			have |= 4;
		} else if (key_is(kk, kl, "vl") || key_is(kk, kl, "ol")) {
			const char *at = (const char *)c.p;

			r = mpc_array(&c, &m);
			if (kl == 2 && kk[0] == 'v') {
				ph->vl = at;
				ph->nvids = m;
			} else {
				ph->ol = at;
				ph->norders = m;
			}
			while (r == 0 && m-- > 0)
				r = mpc_skip(&c);
		} else {
			r = mpc_skip(&c);
		}
		if (r != 0)
			return -1;
	}
	if (have != 7 || ph->body == NULL || ph->vl == NULL ||
	    ph->body > rec + ph->len)
		return -1;
	ph->rec = rec;
	return 0;
}

static void
plist_init(struct plist *l, const char *arr, const struct phead *ph)
{
	struct mpc c;
	uint32_t n = 0;

	l->left = 0;
	if (arr == NULL)
		return;
	mpc_init(&c, arr, (size_t)(ph->rec + ph->len - arr));
	if (mpc_array(&c, &n) != 0)
		return;
	l->p = c.p;
	l->end = c.end;
	l->left = n;
}

void
phead_vids(const struct phead *ph, struct plist *l)
{
	plist_init(l, ph->vl, ph);
}

void
phead_orders(const struct phead *ph, struct plist *l)
{
	plist_init(l, ph->ol, ph);
}

int
plist_next(struct plist *l, struct sv *s)
{
	struct mpc c;

	if (l->left == 0)
		return 0;
	c.p = l->p;
	c.end = l->end;
	if (get_sv(&c, s) != 0)
		return -1;
	l->p = c.p;
	l->left--;
	return 1;
}

int
person_decode(struct person *p, const char *rec, size_t len, size_t nwords)
{
	struct phead ph;
	struct ctx x;
	struct mpc c, vl;
	uint32_t m, j, nv;

	memset(p, 0, sizeof *p);
	if (person_head(rec, len, &ph) != 0 || ph.len != len)
		return -1;
	x.nwords = nwords;
	x.ph = &ph;
	p->key = ph.key;
	p->is_uid = ph.is_uid;
	mpc_init(&c, ph.body, (size_t)(rec + len - ph.body));
	mpc_init(&vl, ph.vl, (size_t)(rec + len - ph.vl));
	if (mpc_array(&c, &m) != 0 || mpc_array(&vl, &nv) != 0 || m != nv)
		return -1;
	p->vids = person_room_exact(p->vids, &p->capvids, m, sizeof *p->vids);
	for (j = 0; j < m; j++) {
		struct vidhist *h = &p->vids[j];

		memset(h, 0, sizeof *h);
		p->nvids++;
		if (get_sv(&vl, &h->vid) != 0 || get_vid(&c, h, &x) != 0)
			goto bad;
	}
	if ((const char *)c.p != rec + len)
		goto bad;
	return 0;
bad:
	person_free(p);
	return -1;
}
