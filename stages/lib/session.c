/*
 * session.c - reading session records for attribution and the state.
 */
#include "session.h"

#include <stdlib.h>
#include <string.h>

#include "mpc.h"
#include "prog.h"
#include "records.h"

/* Room for n elements: the decoder's arrays, reused across sessions. */
static void *
room(void *v, size_t *cap, size_t n, size_t size)
{
	if (n > *cap) {
		*cap = n < 16 ? 16 : n;
		v = xrealloc(v, *cap * size);
	}
	return v;
}

static int
key_is(const char *k, size_t kl, const char *want)
{
	return strlen(want) == kl && memcmp(k, want, kl) == 0;
}

/* An array of strings into ev[].name; *n their count. */
static int
names(struct mpc *c, struct sess_event **ev, size_t *cap, size_t *n)
{
	uint32_t m, i;

	MPC_TRY(mpc_array(c, &m));
	*ev = room(*ev, cap, m, sizeof **ev);
	for (i = 0; i < m; i++) {
		MPC_TRY(mpc_str(c, &(*ev)[i].name.p, &(*ev)[i].name.n));
		(*ev)[i].ts = INT64_MIN;	/* until a "_ts" array says */
	}
	*n = m;
	return 0;
}

/* The times of those names, read after them or before (then kept in
 * times[] until the names come). */
static int
times(struct mpc *c, int64_t **t, size_t *cap, size_t *n)
{
	uint32_t m, i;

	MPC_TRY(mpc_array(c, &m));
	*t = room(*t, cap, m, sizeof **t);
	for (i = 0; i < m; i++)
		MPC_TRY(mpc_int(c, &(*t)[i]));
	*n = m;
	return 0;
}

static int
buy(struct mpc *c, struct sess_buy *b)
{
	uint32_t m, i;

	memset(b, 0, sizeof *b);
	MPC_TRY(mpc_map(c, &m));
	for (i = 0; i < m; i++) {
		const char *k;
		size_t kl;
		int r;

		MPC_TRY(mpc_str(c, &k, &kl));
		if (key_is(k, kl, "order_id"))
			r = mpc_str(c, &b->order_id.p, &b->order_id.n);
		else if (key_is(k, kl, "value_text"))
			r = mpc_str(c, &b->value_text.p, &b->value_text.n);
		else if (key_is(k, kl, "currency"))
			r = mpc_str(c, &b->currency.p, &b->currency.n);
		else if (key_is(k, kl, "value"))
			r = mpc_num(c, &b->value);
		else if (key_is(k, kl, "ts"))
			r = mpc_int(c, &b->ts);
		else
			r = mpc_skip(c);
		MPC_TRY(r);
	}
	return 0;
}

static void
match_times(struct sess_event *ev, size_t n, const int64_t *t, size_t nt,
    int64_t dflt)
{
	size_t i;

	for (i = 0; i < n; i++)
		ev[i].ts = i < nt ? t[i] : dflt;
}

int
sess_decode(struct sess *s, const char *rec, size_t len)
{
	size_t used;

	return sess_decode_prefix(s, rec, len, &used) == 0 && used == len ?
	    0 : -1;
}

int
sess_decode_prefix(struct sess *s, const char *rec, size_t len, size_t *used)
{
	struct mpc c;
	uint32_t n, k, nb;
	size_t nts[3] = { 0, 0, 0 }, i;
	int have = 0;

	s->uid.n = 0;
	s->uid.p = "";
	s->channel.n = s->source.n = s->medium.n = s->campaign.n = 0;
	s->nviewed = s->ncarted = s->nstages = s->nbuys = 0;
	s->consent = SESS_CONSENT_UNKNOWN;
	mpc_init(&c, rec, len);
	MPC_TRY(mpc_map(&c, &n));
	for (k = 0; k < n; k++) {
		const char *key, *v;
		size_t kl, vl;
		int r = 0, ok;

		MPC_TRY(mpc_str(&c, &key, &kl));
		switch (kl) {
		case 3:
			if (key_is(key, kl, "vid")) {
				r = mpc_str(&c, &s->vid.p, &s->vid.n);
				have |= 1;
			} else if (key_is(key, kl, "uid")) {
				r = mpc_str(&c, &s->uid.p, &s->uid.n);
			} else if (key_is(key, kl, "sid")) {
				if ((r = mpc_str(&c, &v, &vl)) == 0) {
					s->sid = sid_parse(v, vl, &ok);
					have |= ok ? 2 : 0;
				}
			} else if (key_is(key, kl, "end")) {
				r = mpc_int(&c, &s->end);
				have |= 8;
			} else {
				r = mpc_skip(&c);
			}
			break;
		case 4:
			/* Another type of record: framed by the caller, not
			 * walked to its end here. */
			if (key_is(key, kl, "type")) {
				if ((r = mpc_str(&c, &v, &vl)) == 0 &&
				    !key_is(v, vl, "session"))
					return MPC_BAD;
			} else {
				r = mpc_skip(&c);
			}
			break;
		case 5:
			if (key_is(key, kl, "start")) {
				r = mpc_int(&c, &s->start);
				have |= 4;
			} else {
				r = mpc_skip(&c);
			}
			break;
		default:
			if (key_is(key, kl, "channel"))
				r = mpc_str(&c, &s->channel.p, &s->channel.n);
			else if (key_is(key, kl, "source"))
				r = mpc_str(&c, &s->source.p, &s->source.n);
			else if (key_is(key, kl, "medium"))
				r = mpc_str(&c, &s->medium.p, &s->medium.n);
			else if (key_is(key, kl, "campaign"))
				r = mpc_str(&c, &s->campaign.p, &s->campaign.n);
			else if (key_is(key, kl, "consent")) {
				int b;

				if ((r = mpc_bool(&c, &b)) == 0)
					s->consent = b ? SESS_CONSENT_GIVEN :
					    SESS_CONSENT_REFUSED;
			}
			else if (key_is(key, kl, "skus_viewed"))
				r = names(&c, &s->viewed, &s->cap[0],
				    &s->nviewed);
			else if (key_is(key, kl, "skus_carted"))
				r = names(&c, &s->carted, &s->cap[1],
				    &s->ncarted);
			else if (key_is(key, kl, "stages"))
				r = names(&c, &s->stages, &s->cap[2],
				    &s->nstages);
			else if (key_is(key, kl, "skus_viewed_ts"))
				r = times(&c, &s->ts_[0], &s->cap[4], &nts[0]);
			else if (key_is(key, kl, "skus_carted_ts"))
				r = times(&c, &s->ts_[1], &s->cap[5], &nts[1]);
			else if (key_is(key, kl, "stages_ts"))
				r = times(&c, &s->ts_[2], &s->cap[6], &nts[2]);
			else if (key_is(key, kl, "purchases")) {
				if ((r = mpc_array(&c, &nb)) != 0)
					break;
				s->buys = room(s->buys, &s->cap[3], nb,
				    sizeof *s->buys);
				for (i = 0; i < nb && r == 0; i++)
					r = buy(&c, &s->buys[i]);
				s->nbuys = nb;
			} else
				r = mpc_skip(&c);
			break;
		}
		MPC_TRY(r);
	}
	*used = (size_t)((const char *)c.p - rec);
	if (have != 15)
		return MPC_BAD;
	match_times(s->viewed, s->nviewed, s->ts_[0], nts[0], s->end);
	match_times(s->carted, s->ncarted, s->ts_[1], nts[1], s->end);
	match_times(s->stages, s->nstages, s->ts_[2], nts[2], s->end);
	for (i = 0; i < s->nbuys; i++)
		if (s->buys[i].ts == 0)
			s->buys[i].ts = s->end;
	return 0;
}

void
sess_free(struct sess *s)
{
	free(s->viewed);
	free(s->carted);
	free(s->stages);
	free(s->buys);
	free(s->ts_[0]);
	free(s->ts_[1]);
	free(s->ts_[2]);
	memset(s, 0, sizeof *s);
}

struct sessions {
	void	(*fn)(void *, int, const char *, size_t,
		    const struct records *);
	void	 *arg;
	struct sess *dec;
};

static int
sess_scan(void *arg, const char *p, size_t avail, size_t *len)
{
	return sess_decode_prefix(((struct sessions *)arg)->dec, p, avail, len);
}

static void
sess_rec(void *arg, const char *rec, size_t len, int scanned,
    const struct records *r)
{
	struct sessions *S = arg;

	S->fn(S->arg, scanned, rec, len, r);
}

int
sessions_each(char *const *paths, size_t npaths, int progress,
    struct sess *dec, void (*fn)(void *, int, const char *, size_t,
    const struct records *), void *arg, struct records *r)
{
	struct sessions S = { fn, arg, dec };

	return records_scan(paths, npaths, progress, sess_scan, sess_rec, &S,
	    r);
}
