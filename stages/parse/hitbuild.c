/*
 * hitbuild.c - fields of a log line to a hit record.
 */
#include "hitbuild.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hash.h"
#include "json.h"
#include "prog.h"
#include "query.h"

void
hb_init(struct hb *b, const struct hb_opts *o, struct botclass *bots)
{
	memset(b, 0, sizeof *b);
	b->o = o;
	b->bots = bots;
}

void
hb_free(struct hb *b)
{
	free(b->scratch);
	b->scratch = NULL;
}

static int
is_dash(const struct lf_slice *s)
{
	return s->p == NULL || s->n == 0 || (s->n == 1 && s->p[0] == '-');
}

/*
 * The text of a field, escapes decoded into scratch when it has any:
 * \" \\ \xHH (Apache, nginx), JSON escapes, W3C %XX and '+'.
 */
static struct span
decode(struct hb *b, const struct lf_slice *s)
{
	struct span out = { s->p, s->n };
	const char *p = s->p, *end = s->p + s->n;
	char *o;

	if (s->p == NULL)
		return out;
	if (s->flags & LF_JSONSTR) {
		struct jcur c = { s->p - 1, end + 1 };
		size_t n;

		o = b->scratch + b->slen;
		if (json_get_str(&c, o, &n) == 0) {
			out.p = o;
			out.len = n;
			b->slen += n;
		}
		return out;
	}
	if (s->flags & (LF_PCT_DECODE | LF_PLUS_SPACE)) {
		if (!memchr(p, '%', s->n) && !((s->flags & LF_PLUS_SPACE) &&
		    memchr(p, '+', s->n)))
			return out;
		o = b->scratch + b->slen;
		out.p = o;
		while (p < end) {
			int h1, h2;

			if (*p == '%' && end - p >= 3 &&
			    (h1 = hexdigit(p[1])) >= 0 && (h2 = hexdigit(p[2])) >= 0) {
				*o++ = (char)(h1 << 4 | h2);
				p += 3;
			} else if (*p == '+' && (s->flags & LF_PLUS_SPACE)) {
				*o++ = ' ';
				p++;
			} else {
				*o++ = *p++;
			}
		}
		out.len = (size_t)(o - out.p);
		b->slen += out.len;
		return out;
	}
	if (!memchr(p, '\\', s->n))
		return out;
	o = b->scratch + b->slen;
	out.p = o;
	while (p < end) {
		int h1, h2;

		if (*p != '\\' || p + 1 >= end) {
			*o++ = *p++;
			continue;
		}
		if (p[1] == '"' || p[1] == '\\') {
			*o++ = p[1];
			p += 2;
		} else if (p[1] == 'x' && end - p >= 4 &&
		    (h1 = hexdigit(p[2])) >= 0 && (h2 = hexdigit(p[3])) >= 0) {
			*o++ = (char)(h1 << 4 | h2);
			p += 4;
		} else {
			*o++ = *p++;
		}
	}
	out.len = (size_t)(o - out.p);
	b->slen += out.len;
	return out;
}

int
hb_is_asset(const char *path, size_t len)
{
	/* Zero-padded to 8 bytes, as e is: each compare is one word's. */
	static const char ext[][8] = {
		"css", "js", "mjs", "map", "png", "jpg", "jpeg", "gif", "svg",
		"webp", "avif", "ico", "woff", "woff2", "ttf", "otf", "eot",
		"mp4", "webm"
	};
	const char *dot = NULL, *p = path + len;
	char e[8] = { 0 };
	size_t n, i;

	while (p > path && p[-1] != '/') {
		p--;
		if (*p == '.' && dot == NULL)
			dot = p;
	}
	if (dot == NULL || (n = (size_t)(path + len - dot - 1)) == 0 ||
	    n >= sizeof e)
		return 0;
	for (i = 0; i < n; i++)
		e[i] = (char)(dot[1 + i] | 0x20);	/* ASCII lowercase */
	for (i = 0; i < sizeof ext / sizeof ext[0]; i++)
		if (memcmp(e, ext[i], 8) == 0)
			return 1;
	return 0;
}

static int
parse_ipv4(const char *s, size_t n, unsigned char a[4])
{
	char buf[16];

	if (n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(AF_INET, buf, a) == 1 ? 0 : -1;
}

static int
parse_ipv6(const char *s, size_t n, unsigned char a[16])
{
	char buf[64];

	if (n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(AF_INET6, buf, a) == 1 ? 0 : -1;
}

int
hb_ip_private(const char *s, size_t n)
{
	unsigned char a[16];

	if (parse_ipv4(s, n, a) == 0)
		return a[0] == 10 || a[0] == 127 || a[0] == 0 ||
		    (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		    (a[0] == 192 && a[1] == 168) ||
		    (a[0] == 169 && a[1] == 254) ||
		    (a[0] == 100 && (a[1] & 0xc0) == 64);
	if (parse_ipv6(s, n, a) == 0) {
		static const unsigned char lo[16] = { [15] = 1 };

		return memcmp(a, lo, 16) == 0 || (a[0] & 0xfe) == 0xfc ||
		    (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
	}
	return 0;	/* a host name: take it as it is */
}

size_t
hb_ip_anonymize(const char *s, size_t n, char *out)
{
	unsigned char a[16];

	if (parse_ipv4(s, n, a) == 0) {
		a[3] = 0;
		inet_ntop(AF_INET, a, out, 64);
		return strlen(out);
	}
	if (parse_ipv6(s, n, a) == 0) {
		memset(a + 6, 0, 10);
		inet_ntop(AF_INET6, a, out, 64);
		return strlen(out);
	}
	return 0;
}

static struct span
trim(const char *p, const char *e)
{
	struct span s;

	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	s.p = p;
	s.len = (size_t)(e - p);
	return s;
}

/*
 * The client in a proxy chain logged in the address position ("a, b, c",
 * "a, b peer", "\"a, b\" peer"): the first public address, else the first
 * (Filebeat's rule, and what an analyst means by "the client").
 */
static struct span
pick_client(struct span chain)
{
	const char *p = chain.p, *end = chain.p + chain.len;
	struct span first = { NULL, 0 };

	while (p < end) {
		const char *t;
		struct span tok;

		while (p < end && (*p == '"' || *p == ',' || *p == ' '))
			p++;
		t = p;
		while (p < end && *p != '"' && *p != ',' && *p != ' ')
			p++;
		if (p == t)
			break;
		tok.p = t;
		tok.len = (size_t)(p - t);
		if (first.p == NULL)
			first = tok;
		if (!hb_ip_private(tok.p, tok.len))
			return tok;
	}
	return first.p ? first : chain;
}

/* Value of cookie name in a Cookie header "a=1; vid=xyz". */
static struct span
cookie_value(struct span hdr, const char *name)
{
	struct span none = { NULL, 0 };
	size_t nl = strlen(name);
	const char *p = hdr.p, *end = hdr.p + hdr.len;

	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		struct span kv;

		if (semi == NULL)
			semi = end;
		kv = trim(p, semi);
		if (kv.len > nl && memcmp(kv.p, name, nl) == 0 &&
		    kv.p[nl] == '=') {
			struct span v = { kv.p + nl + 1, kv.len - nl - 1 };

			return v.len ? v : none;
		}
		p = semi + 1;
	}
	return none;
}

/*
 * A consent value (a CMP's cookie, a header the site sets): refused or
 * given when it says so in one of the usual words, whatever the case;
 * else unknown. Unknown never opts anyone out, nor in.
 */
static int
consent_of(struct span v)
{
	static const char *const no[] = { "0", "false", "no", "n", "denied",
	    "deny", "refused", "reject", "rejected", "opt-out", "optout",
	    "out", "off", NULL };
	static const char *const yes[] = { "1", "true", "yes", "y", "granted",
	    "grant", "accepted", "accept", "opt-in", "optin", "in", "on",
	    NULL };
	size_t i;

	if (v.p == NULL || v.len == 0 || v.len > 16)
		return HIT_CONSENT_UNKNOWN;
	for (i = 0; no[i]; i++)
		if (strlen(no[i]) == v.len && strncasecmp(no[i], v.p, v.len) == 0)
			return HIT_CONSENT_REFUSED;
	for (i = 0; yes[i]; i++)
		if (strlen(yes[i]) == v.len &&
		    strncasecmp(yes[i], v.p, v.len) == 0)
			return HIT_CONSENT_GIVEN;
	return HIT_CONSENT_UNKNOWN;
}

static int
parse_status(struct span s, int *status)
{
	if (s.len != 3 || s.p[0] < '1' || s.p[0] > '9' || s.p[1] < '0' ||
	    s.p[1] > '9' || s.p[2] < '0' || s.p[2] > '9')
		return -1;
	*status = (s.p[0] - '0') * 100 + (s.p[1] - '0') * 10 + (s.p[2] - '0');
	return 0;
}

static int
parse_bytes(struct span s, int64_t *bytes)
{
	int64_t v = 0;
	size_t i;

	if (s.p == NULL || (s.len == 1 && s.p[0] == '-')) {
		*bytes = 0;
		return 0;
	}
	if (s.len == 0 || s.len > 18)
		return -1;
	for (i = 0; i < s.len; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return -1;
		v = v * 10 + (s.p[i] - '0');
	}
	*bytes = v;
	return 0;
}

static int
get_time(struct hb *b, const struct lf_fields *f, int64_t *ts)
{
	const struct lf_slice *s;

	if ((s = &f->f[F_TIME_CLF])->p)
		return time_parse_clf(s->p, s->n, &b->clf, ts);
	if ((s = &f->f[F_TIME_ISO])->p)
		return time_parse_iso8601(s->p, s->n, ts);
	if ((s = &f->f[F_EPOCH_S])->p)
		return time_parse_epoch(s->p, s->n, 1, ts);
	if ((s = &f->f[F_EPOCH_MS])->p)
		return time_parse_epoch(s->p, s->n, 1000, ts);
	if ((s = &f->f[F_EPOCH_US])->p)
		return time_parse_epoch(s->p, s->n, 1000000, ts);
	if (f->f[F_DATE].p && f->f[F_TIME].p)
		return time_parse_w3c(f->f[F_DATE].p, f->f[F_DATE].n,
		    f->f[F_TIME].p, f->f[F_TIME].n, ts);
	return -1;
}

/* The first time field present, for messages. */
static const struct lf_slice *
time_slice(const struct lf_fields *f)
{
	static const int order[] = { F_TIME_CLF, F_TIME_ISO, F_EPOCH_S,
	    F_EPOCH_MS, F_EPOCH_US, F_DATE };
	size_t i;

	for (i = 0; i < sizeof order / sizeof order[0]; i++)
		if (f->f[order[i]].p)
			return &f->f[order[i]];
	return NULL;
}

/* A method token: upper-case letters, digits, '-' and '_'. */
static int
is_method(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n > 32 || p[0] < 'A' || p[0] > 'Z')
		return 0;
	for (i = 1; i < n; i++)
		if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' &&
		    p[i] <= '9') || p[i] == '-' || p[i] == '_'))
			return 0;
	return 1;
}

/* Path and query from a request target; absolute-form loses its host. */
static void
split_uri(struct span u, struct hit *h)
{
	const char *p = u.p, *end = u.p + u.len, *q;

	if (u.len > 7 && (*p == 'h' || *p == 'H') &&
	    (strncasecmp(p, "http://", 7) == 0 ||
	    (u.len > 8 && strncasecmp(p, "https://", 8) == 0))) {
		const char *host = memchr(p, '/', u.len) + 2;
		const char *slash = memchr(host, '/', (size_t)(end - host));

		if (slash == NULL) {
			h->path.p = "/";
			h->path.len = 1;
			q = memchr(host, '?', (size_t)(end - host));
			h->query.p = q ? q + 1 : "";
			h->query.len = q ? (size_t)(end - q - 1) : 0;
			return;
		}
		p = slash;
	}
	q = memchr(p, '?', (size_t)(end - p));
	h->path.p = p;
	h->path.len = (size_t)((q ? q : end) - p);
	if (q) {
		h->query.p = q + 1;
		h->query.len = (size_t)(end - q - 1);
	}
}

static void
split_request(struct span r, struct hit *h)
{
	const char *sp, *end = r.p + r.len, *last;
	struct span u;

	if (r.len == 0 || (r.len == 1 && r.p[0] == '-'))
		return;
	sp = memchr(r.p, ' ', r.len);
	if (sp == NULL || !is_method(r.p, (size_t)(sp - r.p)))
		return;		/* TLS handshakes, garbage: no request */
	h->method.p = r.p;
	h->method.len = (size_t)(sp - r.p);
	u.p = sp + 1;
	while (u.p < end && *u.p == ' ')
		u.p++;
	/* "GET /a b HTTP/1.1": the protocol is the last word, if it is one. */
	last = end;
	while (last > u.p && last[-1] != ' ')
		last--;
	if (last > u.p && end - last >= 5 && memcmp(last, "HTTP/", 5) == 0) {
		u.len = (size_t)(last - 1 - u.p);
		while (u.len > 0 && u.p[u.len - 1] == ' ')
			u.len--;
	} else {
		u.len = (size_t)(end - u.p);
	}
	split_uri(u, h);
}

/* The line's Cookie header decoded, once: *ck keeps it. */
static struct span
cookie(struct hb *b, const struct lf_fields *x, struct span *ck)
{
	if (ck->p == NULL)
		*ck = decode(b, &x->f[F_COOKIE]);
	return *ck;
}

int
hb_build(struct hb *b, const struct lf *f, const struct lf_fields *x,
    size_t linelen, struct hit *h, char *err, size_t errlen)
{
	struct span rawip, rawua, s, ck = { NULL, 0 };
	const struct lf_slice *t;
	size_t room = 64, i;

	/*
	 * Decoding only shrinks, and each field is decoded once (the Cookie
	 * header too, for the vid, the uid and the consent), but two
	 * variables may name the same JSON key: the room is every field's
	 * length, not the line's. The scratch cannot grow once decoded
	 * fields point into it.
	 */
	(void)linelen;
	for (i = 0; i < NFIELDS; i++)
		room += x->f[i].n;
	if (b->scap < room) {
		b->scap = room * 2;
		if ((b->scratch = realloc(b->scratch, b->scap)) == NULL)
			die(EX_OSERR, "out of memory");
	}
	b->slen = 0;
	hit_clear(h);

	if (get_time(b, x, &h->ts) != 0) {
		t = time_slice(x);
		snprintf(err, errlen, "bad timestamp '%.*s'",
		    t ? (int)(t->n > 64 ? 64 : t->n) : 0, t ? t->p : "");
		return -1;
	}
	s.p = x->f[F_STATUS].p;
	s.len = x->f[F_STATUS].n;
	if (parse_status(s, &h->status) != 0) {
		snprintf(err, errlen, "bad status '%.*s'",
		    (int)(s.len > 16 ? 16 : s.len), s.p ? s.p : "");
		return -1;
	}
	s.p = x->f[F_BYTES].p;
	s.len = x->f[F_BYTES].n;
	if (parse_bytes(s, &h->bytes) != 0) {
		snprintf(err, errlen, "bad byte count '%.*s'",
		    (int)(s.len > 24 ? 24 : s.len), s.p);
		return -1;
	}

	/* Request: one field, or its parts in separate fields. */
	if (x->f[F_REQUEST].p) {
		split_request(decode(b, &x->f[F_REQUEST]), h);
	} else {
		if (!is_dash(&x->f[F_METHOD])) {
			h->method = decode(b, &x->f[F_METHOD]);
			h->path.p = "/";
			h->path.len = 1;
		}
		if (h->method.p && !is_dash(&x->f[F_URI]))
			split_uri(decode(b, &x->f[F_URI]), h);
		if (h->method.p && !is_dash(&x->f[F_PATH]))
			h->path = decode(b, &x->f[F_PATH]);
		if (!is_dash(&x->f[F_QUERY])) {
			h->query = decode(b, &x->f[F_QUERY]);
			if (h->query.len && h->query.p[0] == '?') {
				h->query.p++;
				h->query.len--;
			}
		}
	}

	rawua.p = x->f[F_UA].p ? x->f[F_UA].p : "";
	rawua.len = x->f[F_UA].n;
	h->ua = x->f[F_UA].p ? decode(b, &x->f[F_UA]) : rawua;

	/* Kind (hit_clear made it a page). Without a user agent in the line
	 * (common format, or a line that ends early), nothing is known: not
	 * a bot. */
	if (x->f[F_UA].p && b->bots && (is_dash(&x->f[F_UA]) ||
	    botclass_match(b->bots, h->ua.p, h->ua.len)))
		h->kind = HIT_BOT;
	else if (h->path.p && hb_is_asset(h->path.p, h->path.len)) {
		size_t i;

		h->kind = HIT_ASSET;
		for (i = 0; i < b->o->npixels; i++)
			if (strlen(b->o->pixels[i]) == h->path.len &&
			    memcmp(b->o->pixels[i], h->path.p, h->path.len) == 0)
				h->kind = HIT_PAGE;
	}
	/* A hit that will be dropped needs nothing more: the month's bots
	 * and assets are half its lines, and a bot's vid is a hash of its
	 * whole user agent. */
	if ((h->kind == HIT_BOT && !b->o->keep_bots) ||
	    (h->kind == HIT_ASSET && !b->o->keep_assets))
		return 0;

	if (!is_dash(&x->f[F_REFERER]))
		h->referrer = decode(b, &x->f[F_REFERER]);
	if (!is_dash(&x->f[F_HOST])) {
		h->host = decode(b, &x->f[F_HOST]);
		if (x->f[F_HOST].flags & LF_HOSTPORT) {
			const char *c = memchr(h->host.p, ':', h->host.len);

			/* "host:port", not an IPv6 literal. */
			if (c && !memchr(c + 1, ':', h->host.len -
			    (size_t)(c + 1 - h->host.p)))
				h->host.len = (size_t)(c - h->host.p);
		}
	}

	/* Address: from a proxy chain, the client; the chain goes to xff. */
	rawip.p = x->f[F_ADDR].p ? x->f[F_ADDR].p : "";
	rawip.len = x->f[F_ADDR].n;
	if (!is_dash(&x->f[F_XFF]))
		h->xff = decode(b, &x->f[F_XFF]);
	if (memchr(rawip.p, ',', rawip.len) || memchr(rawip.p, ' ', rawip.len)) {
		if (h->xff.p == NULL)
			h->xff = rawip;
		rawip = pick_client(rawip);
	}
	h->ip = rawip;
	if (b->o->anonymize_ip) {
		size_t n = hb_ip_anonymize(rawip.p, rawip.len, b->ip);

		if (n) {
			h->ip.p = b->ip;
			h->ip.len = n;
		}
	}

	/* Visitor: the cookie, else a hash of address and agent. */
	if (!is_dash(&x->f[F_VID])) {
		h->vid = decode(b, &x->f[F_VID]);
	} else if (f->vid_cookie[0] && !is_dash(&x->f[F_COOKIE])) {
		h->vid = cookie_value(cookie(b, x, &ck), f->vid_cookie);
		if (h->vid.len == 1 && h->vid.p[0] == '-')
			h->vid.p = NULL;
	}
	if (h->vid.p == NULL) {
		uint64_t v = fnv1a64(FNV1A64_INIT, rawip.p, rawip.len);

		v = fnv1a64(v, "\x1f", 1);
		v = fnv1a64(v, rawua.p, rawua.len);
		vid_format(v, b->vid);
		h->vid.p = b->vid;
		h->vid.len = sizeof b->vid;
	}
	if (!is_dash(&x->f[F_UID])) {
		h->uid = decode(b, &x->f[F_UID]);
	} else if (f->uid_cookie[0] && !is_dash(&x->f[F_COOKIE])) {
		h->uid = cookie_value(cookie(b, x, &ck), f->uid_cookie);
		if (h->uid.len == 1 && h->uid.p[0] == '-')
			h->uid.p = NULL;
	}

	if (f->consent_cookie[0] || x->f[F_CONSENT].p) {
		struct span c = { NULL, 0 };

		if (!is_dash(&x->f[F_CONSENT]))
			c = decode(b, &x->f[F_CONSENT]);
		else if (f->consent_cookie[0] && !is_dash(&x->f[F_COOKIE]))
			c = cookie_value(cookie(b, x, &ck),
			    f->consent_cookie);
		h->consent = consent_of(c);
	}

	return 0;
}
