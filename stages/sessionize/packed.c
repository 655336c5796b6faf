/*
 * packed.c - chits packed for the copy of a piped input (packed.h).
 */
#include "packed.h"

#include <stdlib.h>
#include <xxhash.h>

#include "prog.h"

#define PACKED_ORIGIN	0x80	/* flags: the referrer starts with origin */
#define ORIGIN_MAX	255	/* longer origins are not numbered */
#define ORIGINS		4096	/* numbered at most; later ones stay inline */
#define SLOTS		(2 * ORIGINS)

struct origin {
	uint32_t	 off;		/* in text */
	uint32_t	 len;
	uint64_t	 hash;
};

struct origins {
	struct origin	 o[ORIGINS];	/* number i + 1 is o[i] */
	size_t		 n;
	uint16_t	 slot[SLOTS];	/* numbers by hash; 0: empty */
	char		*text;
	size_t		 tlen, tcap;
	uint16_t	 last;		/* the number found last: most hits
					   share their referrer's origin */
};

struct origins *
origins_new(void)
{
	struct origins *o = calloc(1, sizeof *o);

	if (o == NULL)
		die(EX_OSERR, "out of memory");
	return o;
}

void
origins_free(struct origins *o)
{
	if (o == NULL)
		return;
	free(o->text);
	free(o);
}

/* The length of the origin of referrer r ("scheme://host[:port]"), or 0. */
static size_t
origin_len(const char *r, size_t n)
{
	const char *colon = memchr(r, ':', n < 16 ? n : 16), *host, *slash;

	if (colon == NULL || (size_t)(colon - r) + 3 > n || colon[1] != '/' ||
	    colon[2] != '/')
		return 0;
	host = colon + 3;
	slash = memchr(host, '/', (size_t)(r + n - host));
	n = slash ? (size_t)(slash - r) : n;
	return n <= ORIGIN_MAX ? n : 0;
}

static int
origin_is(const struct origins *o, uint16_t id, const char *s, size_t n)
{
	const struct origin *e = &o->o[id - 1];

	return e->len == n && memcmp(o->text + e->off, s, n) == 0;
}

/* The number of origin s, numbered if new and there is room; 0 if none. */
static uint16_t
origin_id(struct origins *o, const char *s, size_t n)
{
	uint64_t h;
	size_t i;

	if (o->last && origin_is(o, o->last, s, n))
		return o->last;
	h = XXH3_64bits(s, n);
	for (i = h % SLOTS; o->slot[i]; i = (i + 1) % SLOTS)
		if (o->o[o->slot[i] - 1].hash == h && origin_is(o, o->slot[i],
		    s, n))
			return o->last = o->slot[i];
	if (o->n == ORIGINS)
		return 0;
	if (o->tlen + n > o->tcap) {
		o->tcap = o->tcap ? 2 * o->tcap : 4096;
		if (o->tcap < o->tlen + n)
			o->tcap = o->tlen + n;
		o->text = xrealloc(o->text, o->tcap);
	}
	memcpy(o->text + o->tlen, s, n);
	o->o[o->n] = (struct origin){ (uint32_t)o->tlen, (uint32_t)n, h };
	o->tlen += n;
	o->slot[i] = (uint16_t)++o->n;
	return o->last = o->slot[i];
}

static char *
put_varint(char *p, uint32_t v)
{
	while (v >= 0x80) {
		*p++ = (char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (char)v;
	return p;
}

/* A varint at *p before end into *v; -1 if it runs past end or 32 bits. */
static int
get_varint(const unsigned char **p, const unsigned char *end, uint32_t *v)
{
	uint64_t x = 0;
	int shift;

	for (shift = 0; shift < 35 && *p < end; shift += 7) {
		unsigned b = *(*p)++;

		x |= (uint64_t)(b & 0x7f) << shift;
		if (b < 0x80) {
			if (x > UINT32_MAX)
				return -1;
			*v = (uint32_t)x;
			return 0;
		}
	}
	return -1;
}

size_t
chit_pack(struct origins *o, const struct chit *c, char *out)
{
	uint32_t n[C_NFIELDS], len;
	const char *ref = c->data;
	size_t lead = 0, olen = 0;
	uint16_t id = 0;
	uint8_t flags = (uint8_t)c->flags;
	char *p = out + PACKED_HEAD;
	int i;

	memcpy(n, c->n, sizeof n);
	for (i = 0; i < C_REF; i++)
		lead += n[i];
	ref += lead;
	if (n[C_REF] > 0 && (olen = origin_len(ref, n[C_REF])) > 0 &&
	    (id = origin_id(o, ref, olen)) != 0) {
		n[C_REF] -= (uint32_t)olen;
		flags |= PACKED_ORIGIN;
	} else {
		olen = 0;
	}
	for (i = 0; i < C_NFIELDS; i++)
		p = put_varint(p, n[i]);
	memcpy(p, c->data, lead);
	p += lead;
	memcpy(p, ref + olen, n[C_REF]);
	p += n[C_REF];
	len = (uint32_t)(p - out);
	memcpy(out, &len, 4);
	memcpy(out + 4, &c->ts, 8);
	out[12] = (char)flags;
	out[13] = (char)c->device;
	memcpy(out + 14, &id, 2);
	return len;
}

/* The field lengths of p, as a chit has them; 0, or -1 if damaged. */
static int
unpacked_lengths(const struct origins *o, const char *p, size_t len,
    uint32_t n[C_NFIELDS], size_t *olen, const unsigned char **data)
{
	const unsigned char *q = (const unsigned char *)p + PACKED_HEAD;
	const unsigned char *end = (const unsigned char *)p + len;
	uint64_t sum = 0;
	uint16_t id;
	uint8_t flags;
	int i;

	if (len < PACKED_MIN || packed_len(p) != len)
		return -1;
	flags = (uint8_t)p[12];
	if ((uint8_t)p[13] > DEV_TABLET || (flags & ~(PACKED_ORIGIN |
	    CHIT_HAS_UID | CHIT_HAS_REF | CHIT_CONSENT_NO |
	    CHIT_CONSENT_YES)) != 0)
		return -1;
	for (i = 0; i < C_NFIELDS; i++) {
		if (get_varint(&q, end, &n[i]) != 0)
			return -1;
		sum += n[i];
	}
	if (sum != (uint64_t)(end - q))
		return -1;
	memcpy(&id, p + 14, 2);
	*olen = 0;
	if (flags & PACKED_ORIGIN) {
		if (id == 0 || id > o->n)
			return -1;
		*olen = o->o[id - 1].len;
		n[C_REF] += (uint32_t)*olen;
	} else if (id != 0) {
		return -1;
	}
	*data = q;
	return 0;
}

size_t
chit_unpacked_size(const struct origins *o, const char *p, size_t len)
{
	uint32_t n[C_NFIELDS];
	const unsigned char *data;
	size_t olen, sum = sizeof(struct chit);
	int i;

	if (unpacked_lengths(o, p, len, n, &olen, &data) != 0)
		return 0;
	for (i = 0; i < C_NFIELDS; i++)
		sum += n[i];
	return ALIGN8(sum);
}

struct chit *
chit_unpack(const struct origins *o, const char *p, size_t len, void *mem)
{
	struct chit *c = mem;
	const unsigned char *data;
	size_t olen, lead = 0, size = sizeof *c;
	char *d;
	uint16_t id;
	int i;

	if (unpacked_lengths(o, p, len, c->n, &olen, &data) != 0)
		return NULL;
	for (i = 0; i < C_NFIELDS; i++)
		size += c->n[i];
	for (i = 0; i < C_REF; i++)
		lead += c->n[i];
	c->len = (uint32_t)ALIGN8(size);
	c->ts = packed_ts(p);
	c->flags = (uint16_t)((uint8_t)p[12] & ~PACKED_ORIGIN);
	c->device = (uint8_t)p[13];
	c->pad = 0;
	c->hash = 0;
	d = c->data;
	memcpy(d, data, lead);
	d += lead;
	if (olen) {
		memcpy(&id, p + 14, 2);
		memcpy(d, o->text + o->o[id - 1].off, olen);
		d += olen;
	}
	memcpy(d, data + lead, c->n[C_REF] - olen);
	d += c->n[C_REF] - olen;
	/* Padding zeroed, as chit_make() leaves it. */
	memset(d, 0, (size_t)((char *)c + c->len - d));
	return c;
}
