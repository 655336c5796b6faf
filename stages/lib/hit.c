/*
 * hit.c - the hit record in MessagePack, both ways.
 */
#include "hit.h"
#include "mpc.h"
#include "mpk.h"
#include "records.h"

#include <stddef.h>
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

/*
 * Hits as hit_pack writes them, decoded in its order: each key compared
 * with the one expected next (a load, compared with constants), each
 * value read where it lies: some 500 instructions a hit, against some
 * 800 reading the keys in any order. A record of any other shape (keys in
 * another order, an unknown key, a type this reader does not take, or
 * one cut short) is left to hit_decode_any_order, which decides: so the
 * two agree on every record (tests/lib_test.c checks it).
 */
#define ORD_INLINE static inline __attribute__((always_inline))
/* Byte i of key k as bits of a little-endian word; its mask. */
#define KEY_N(k)	(sizeof(k) - 1)
#define KEY_B(k, i)	((i) < KEY_N(k) ? (uint64_t)(unsigned char) \
	(k)[(i) < KEY_N(k) ? (i) : 0] << (8 * (i)) : 0)
#define KEY_WORD(k)	(KEY_B(k, 0) | KEY_B(k, 1) | KEY_B(k, 2) | KEY_B(k, 3) | \
	KEY_B(k, 4) | KEY_B(k, 5) | KEY_B(k, 6) | KEY_B(k, 7))
#define KEY_MASK(k)	(KEY_N(k) >= 8 ? ~(uint64_t)0 : \
	((uint64_t)1 << (8 * (KEY_N(k) & 7))) - 1)
/* Key k (its head and up to 8 more bytes) next: one load, compared with
 * constants, and the ninth byte of a key that has one; at least 8 bytes
 * left, and 9 for such a key. */
#define ORD_KEY(k) (i < n && end - p >= (KEY_N(k) > 8 ? 9 : 8) && \
	(load_le64(p) & KEY_MASK(k)) == KEY_WORD(k) && \
	(KEY_N(k) <= 8 || p[8] == (unsigned char)(k)[KEY_N(k) > 8 ? 8 : 0]) ? \
	(p += KEY_N(k), i++, 1) : 0)

ORD_INLINE uint64_t
load_le64(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

ORD_INLINE int
ord_str(const unsigned char **pp, const unsigned char *end, struct span *s)
{
	const unsigned char *p = *pp;
	size_t hl, n;

	if (p >= end)
		return 1;
	if ((*p & 0xe0) == 0xa0) {
		hl = 1;
		n = *p & 0x1f;
	} else if (*p == 0xd9 && end - p >= 2) {
		hl = 2;
		n = p[1];
	} else if (*p == 0xda && end - p >= 3) {
		hl = 3;
		n = (size_t)p[1] << 8 | p[2];
	} else {
		return 1;
	}
	if ((size_t)(end - p) - hl < n)
		return 1;
	s->p = (const char *)p + hl;
	s->len = n;
	*pp = p + hl + n;
	return 0;
}

/* Big-endian n bytes at p. */
ORD_INLINE uint64_t
load_be(const unsigned char *p, int n)
{
	uint64_t u = 0;
	int i;

	for (i = 0; i < n; i++)
		u = u << 8 | p[i];
	return u;
}

/* A positive fixint, uint 8, 16, 32, or uint 64 below 2^63. */
ORD_INLINE int
ord_int(const unsigned char **pp, const unsigned char *end, int64_t *v)
{
	const unsigned char *p = *pp;
	int w;

	if (p >= end)
		return 1;
	if (*p <= 0x7f) {
		*v = *p;
		*pp = p + 1;
		return 0;
	}
	if (*p < 0xcc || *p > 0xcf)
		return 1;
	w = 1 << (*p - 0xcc);
	if (end - p <= w || (w == 8 && p[1] >= 0x80))
		return 1;
	*v = (int64_t)(w == 8 ? load_be(p + 1, 8) : w == 4 ?
	    load_be(p + 1, 4) : w == 2 ? load_be(p + 1, 2) : p[1]);
	*pp = p + 1 + w;
	return 0;
}

int
hit_decode_ordered(const char *rec, size_t len, struct hit *h, size_t *used)
{
	const unsigned char *p = (const unsigned char *)rec, *end = p + len;
	struct span kind;
	int64_t x;
	unsigned n, i = 0;

	if (len >= 3 && *p == 0xde) {	/* 16 keys: every optional one */
		n = (unsigned)p[1] << 8 | p[2];
		p += 3;
	} else if (len > 0 && (*p & 0xf0) == 0x80) {
		n = *p++ & 0x0f;
	} else {
		return 1;
	}
	hit_clear(h);
	if (!ORD_KEY("\xa4" "type" "\xa3" "hit") || !ORD_KEY("\xa2" "ts") ||
	    ord_int(&p, end, &h->ts) || !ORD_KEY("\xa3" "vid") ||
	    ord_str(&p, end, &h->vid))
		return 1;
	if (ORD_KEY("\xa3" "uid") && ord_str(&p, end, &h->uid))
		return 1;
	if (!ORD_KEY("\xa2" "ip") || ord_str(&p, end, &h->ip))
		return 1;
	if (ORD_KEY("\xa3" "xff") && ord_str(&p, end, &h->xff))
		return 1;
	if (ORD_KEY("\xa4" "host") && ord_str(&p, end, &h->host))
		return 1;
	if (ORD_KEY("\xa6" "method") && ord_str(&p, end, &h->method))
		return 1;
	if (ORD_KEY("\xa4" "path") && ord_str(&p, end, &h->path))
		return 1;
	if (!ORD_KEY("\xa5" "query") || ord_str(&p, end, &h->query) ||
	    !ORD_KEY("\xa6" "status") || ord_int(&p, end, &x))
		return 1;
	h->status = (int)x;
	if (!ORD_KEY("\xa5" "bytes") || ord_int(&p, end, &h->bytes))
		return 1;
	if (ORD_KEY("\xa8" "referrer") && ord_str(&p, end, &h->referrer))
		return 1;
	if (!ORD_KEY("\xa2" "ua") || ord_str(&p, end, &h->ua) ||
	    !ORD_KEY("\xa4" "kind") || ord_str(&p, end, &kind))
		return 1;
	if (kind.len == 4 && memcmp(kind.p, "page", 4) == 0)
		h->kind = HIT_PAGE;
	else if (kind.len == 5 && memcmp(kind.p, "asset", 5) == 0)
		h->kind = HIT_ASSET;
	else if (kind.len == 3 && memcmp(kind.p, "bot", 3) == 0)
		h->kind = HIT_BOT;
	else
		return 1;
	if (ORD_KEY("\xa7" "consent")) {
		if (p >= end || (*p != 0xc2 && *p != 0xc3))
			return 1;
		h->consent = *p++ == 0xc3 ? HIT_CONSENT_GIVEN :
		    HIT_CONSENT_REFUSED;
	}
	if (i != n)
		return 1;
	*used = (size_t)(p - (const unsigned char *)rec);
	return 0;
}
#undef ORD_KEY
#undef KEY_MASK
#undef KEY_WORD
#undef KEY_B
#undef KEY_N
#undef ORD_INLINE

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
	if (hit_decode_ordered(rec, len, h, used) == 0)
		return 0;
	return hit_decode_any_order(rec, len, h, used);
}

int
hit_decode_any_order(const char *rec, size_t len, struct hit *h, size_t *used)
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
