/*
 * packed.c - chits packed for the copy of a piped input (packed.h).
 */
#include "packed.h"

#include <stdlib.h>

#include "prog.h"
#include "strtab.h"

#define PACKED_ORIGIN	0x80	/* flags: the referrer starts with origin */
#define ORIGIN_MAX	255	/* longer origins are not numbered */
#define ORIGINS		4096	/* numbered at most; later ones stay inline */

/* Origins numbered from 1: strtab id + 1. */
struct origins {
	struct strtab	*tab;
	uint16_t	 last;		/* the number found last: most hits
					   share their referrer's origin */
};

struct origins *
origins_new(void)
{
	struct origins *o = xcalloc(1, sizeof *o);

	o->tab = strtab_new();
	return o;
}

void
origins_free(struct origins *o)
{
	if (o == NULL)
		return;
	strtab_free(o->tab);
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

/* The bytes of origin id (1 and up), or NULL if there is no such one. */
static const char *
origin_str(const struct origins *o, uint16_t id, size_t *n)
{
	if (id == 0 || id > strtab_count(o->tab))
		return NULL;
	return strtab_str(o->tab, (uint32_t)id - 1, n);
}

/* The number of origin s, numbered if new and there is room; 0 if none. */
static uint16_t
origin_id(struct origins *o, const char *s, size_t n)
{
	const char *t;
	size_t tn;
	uint32_t id;

	if ((t = origin_str(o, o->last, &tn)) != NULL && tn == n &&
	    memcmp(t, s, n) == 0)
		return o->last;
	if ((id = strtab_find(o->tab, s, n)) == STRTAB_NONE) {
		if (strtab_count(o->tab) == ORIGINS)
			return 0;
		id = strtab_intern(o->tab, s, n, NULL);
	}
	return o->last = (uint16_t)(id + 1);
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
		if (origin_str(o, id, olen) == NULL)
			return -1;
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
		size_t on;

		memcpy(&id, p + 14, 2);
		memcpy(d, origin_str(o, id, &on), olen);
		d += olen;
	}
	memcpy(d, data + lead, c->n[C_REF] - olen);
	d += c->n[C_REF] - olen;
	/* Padding zeroed, as chit_make() leaves it. */
	memset(d, 0, (size_t)((char *)c + c->len - d));
	return c;
}
