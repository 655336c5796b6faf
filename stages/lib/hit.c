/*
 * hit.c - the hit record in MessagePack, both ways.
 */
#include "hit.h"
#include "mpc.h"
#include "mpk.h"
#include "records.h"

#include <string.h>

const char *const hit_kind_names[] = { "page", "asset", "bot" };

/* The hit writer is the hottest code of revisit-parse: it encodes
 * straight into the output buffer, no callback per element. */
void
hit_pack(struct wbuf *w, const struct hit *h)
{
	size_t n = 9;	/* type ts vid ip query status bytes ua kind */
	size_t room = 160 + h->vid.len + h->uid.len + h->ip.len + h->xff.len +
	    h->host.len + h->method.len + h->path.len + h->query.len +
	    h->referrer.len + h->ua.len;
	char *p = wbuf_reserve(w, room);

	n += h->uid.p != NULL;
	n += h->xff.p != NULL;
	n += h->host.p != NULL;
	n += (h->method.p != NULL) * 2;
	n += h->referrer.p != NULL;
	n += h->consent != HIT_CONSENT_UNKNOWN;
	p = mpw_map(p, n);
	p = mpw_lit(p, "type");
	p = mpw_lit(p, "hit");
	p = mpw_lit(p, "ts");
	p = mpw_int(p, h->ts);
	p = mpw_lit(p, "vid");
	p = mpw_str(p, h->vid.p, h->vid.len);
	if (h->uid.p) {
		p = mpw_lit(p, "uid");
		p = mpw_str(p, h->uid.p, h->uid.len);
	}
	p = mpw_lit(p, "ip");
	p = mpw_str(p, h->ip.p, h->ip.len);
	if (h->xff.p) {
		p = mpw_lit(p, "xff");
		p = mpw_str(p, h->xff.p, h->xff.len);
	}
	if (h->host.p) {
		p = mpw_lit(p, "host");
		p = mpw_str(p, h->host.p, h->host.len);
	}
	if (h->method.p) {
		p = mpw_lit(p, "method");
		p = mpw_str(p, h->method.p, h->method.len);
		p = mpw_lit(p, "path");
		p = mpw_str(p, h->path.p, h->path.len);
	}
	p = mpw_lit(p, "query");
	p = mpw_str(p, h->query.p, h->query.len);
	p = mpw_lit(p, "status");
	p = mpw_int(p, h->status);
	p = mpw_lit(p, "bytes");
	p = mpw_int(p, h->bytes);
	if (h->referrer.p) {
		p = mpw_lit(p, "referrer");
		p = mpw_str(p, h->referrer.p, h->referrer.len);
	}
	p = mpw_lit(p, "ua");
	p = mpw_str(p, h->ua.p, h->ua.len);
	p = mpw_lit(p, "kind");
	p = mpw_str(p, hit_kind_names[h->kind], strlen(hit_kind_names[h->kind]));
	if (h->consent != HIT_CONSENT_UNKNOWN) {
		p = mpw_lit(p, "consent");
		p = mpw_bool(p, h->consent == HIT_CONSENT_GIVEN);
	}
	wbuf_commit(w, p);
}

/* Which hit field a key names, by length and bytes. */
static struct span *
span_for(struct hit *h, const char *k, size_t n)
{
	switch (n) {
	case 2:
		if (memcmp(k, "ip", 2) == 0) return &h->ip;
		if (memcmp(k, "ua", 2) == 0) return &h->ua;
		break;
	case 3:
		if (memcmp(k, "vid", 3) == 0) return &h->vid;
		if (memcmp(k, "uid", 3) == 0) return &h->uid;
		if (memcmp(k, "xff", 3) == 0) return &h->xff;
		break;
	case 4:
		if (memcmp(k, "host", 4) == 0) return &h->host;
		if (memcmp(k, "path", 4) == 0) return &h->path;
		break;
	case 5:
		if (memcmp(k, "query", 5) == 0) return &h->query;
		break;
	case 6:
		if (memcmp(k, "method", 6) == 0) return &h->method;
		break;
	case 8:
		if (memcmp(k, "referrer", 8) == 0) return &h->referrer;
		break;
	}
	return NULL;
}

int
hit_decode(const char *rec, size_t len, struct hit *h)
{
	size_t used;
	int r = hit_decode_prefix(rec, len, h, &used);

	return r == 0 && used == len ? 0 : -1;
}

int
hit_decode_prefix(const char *rec, size_t len, struct hit *h, size_t *used)
{
	int seen_ts = 0, seen_status = 0, seen_kind = 0, is_hit = 0;
	struct mpc c;
	uint32_t n, i;

	mpc_init(&c, rec, len);
	MPC_TRY(mpc_map(&c, &n));
	hit_clear(h);
	for (i = 0; i < n; i++) {
		const char *k, *v;
		size_t kn, vn;
		struct span *dst;
		int64_t x;

		MPC_TRY(mpc_str(&c, &k, &kn));
		if (kn == 2 && memcmp(k, "ts", 2) == 0) {
			MPC_TRY(mpc_int(&c, &h->ts));
			seen_ts = 1;
		} else if (kn == 6 && memcmp(k, "status", 6) == 0) {
			MPC_TRY(mpc_int(&c, &x));
			h->status = (int)x;
			seen_status = 1;
		} else if (kn == 5 && memcmp(k, "bytes", 5) == 0) {
			MPC_TRY(mpc_int(&c, &h->bytes));
		} else if (kn == 4 && memcmp(k, "kind", 4) == 0) {
			MPC_TRY(mpc_str(&c, &v, &vn));
			seen_kind = 1;
			if (vn == 4 && memcmp(v, "page", 4) == 0)
				h->kind = HIT_PAGE;
			else if (vn == 5 && memcmp(v, "asset", 5) == 0)
				h->kind = HIT_ASSET;
			else if (vn == 3 && memcmp(v, "bot", 3) == 0)
				h->kind = HIT_BOT;
			else
				seen_kind = 0;
		} else if (kn == 7 && memcmp(k, "consent", 7) == 0) {
			int b;

			MPC_TRY(mpc_bool(&c, &b));
			h->consent = b ? HIT_CONSENT_GIVEN : HIT_CONSENT_REFUSED;
		} else if (kn == 4 && memcmp(k, "type", 4) == 0) {
			MPC_TRY(mpc_str(&c, &v, &vn));
			is_hit = vn == 3 && memcmp(v, "hit", 3) == 0;
		} else if ((dst = span_for(h, k, kn)) != NULL &&
		    c.p < c.end && ((*c.p & 0xe0) == 0xa0 || *c.p == 0xd9 ||
		    *c.p == 0xda || *c.p == 0xdb)) {
			MPC_TRY(mpc_str(&c, &v, &vn));
			dst->p = v;
			dst->len = vn;
		} else {
			MPC_TRY(mpc_skip(&c));
		}
	}
	*used = (size_t)((const char *)c.p - rec);
	if (!is_hit || !seen_ts || !seen_status || !seen_kind || h->vid.p == NULL)
		return MPC_BAD;
	return 0;
}

struct hits {
	void	(*fn)(void *, const struct hit *, const char *, size_t,
		    const struct records *);
	void	 *arg;
	struct hit h;
};

static int
hit_scan(void *arg, const char *p, size_t avail, size_t *len)
{
	return hit_decode_prefix(p, avail, &((struct hits *)arg)->h, len);
}

static void
hit_rec(void *arg, const char *rec, size_t len, int scanned,
    const struct records *r)
{
	struct hits *H = arg;

	H->fn(H->arg, scanned ? &H->h : NULL, rec, len, r);
}

int
hits_each(char *const *paths, size_t npaths, int progress,
    void (*fn)(void *, const struct hit *, const char *, size_t,
    const struct records *), void *arg, struct records *r)
{
	struct hits H = { fn, arg, { 0 } };

	return records_scan(paths, npaths, progress, hit_scan, hit_rec, &H, r);
}
