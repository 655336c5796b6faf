/*
 * chit.c - compact hits and their arena.
 */
#include "chit.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "prog.h"

#define CHUNK	(1u << 20)

static const struct span *
span_of(const struct hit *h, int i)
{
	switch (i) {
	case C_VID: return &h->vid;
	case C_UID: return &h->uid;
	case C_METHOD: return &h->method;
	case C_PATH: return &h->path;
	case C_QUERY: return &h->query;
	default: return &h->referrer;
	}
}

size_t
chit_size(const struct hit *h)
{
	size_t n = sizeof(struct chit);
	int i;

	for (i = 0; i < C_NFIELDS; i++)
		n += span_of(h, i)->p ? span_of(h, i)->len : 0;
	return ALIGN8(n);
}

struct chit *
chit_make(void *mem, const struct hit *h, int device)
{
	struct chit *c = mem;
	char *p = c->data;
	int i;

	c->len = (uint32_t)chit_size(h);
	c->ts = h->ts;
	c->flags = (uint16_t)((h->uid.p ? CHIT_HAS_UID : 0) |
	    (h->referrer.p ? CHIT_HAS_REF : 0) |
	    (h->consent == HIT_CONSENT_REFUSED ? CHIT_CONSENT_NO : 0) |
	    (h->consent == HIT_CONSENT_GIVEN ? CHIT_CONSENT_YES : 0));
	c->device = (uint8_t)device;
	c->pad = 0;
	for (i = 0; i < C_NFIELDS; i++) {
		const struct span *s = span_of(h, i);
		size_t n = s->p ? s->len : 0;

		c->n[i] = (uint32_t)n;
		if (n)
			memcpy(p, s->p, n);
		p += n;
	}
	/* Padding is zeroed so equal hits compare and spool equal. */
	memset(p, 0, (size_t)((char *)c + c->len - p));
	c->hash = 0;
	return c;
}

struct span
chit_field(const struct chit *c, int i)
{
	struct span s;
	const char *p = c->data;
	int k;

	for (k = 0; k < i; k++)
		p += c->n[k];
	s.p = p;
	s.len = c->n[i];
	return s;
}

static uint64_t
chit_hash(struct chit *c)
{
	if (c->hash == 0)
		c->hash = XXH3_64bits_withSeed(c->n, (size_t)((char *)c +
		    c->len - (char *)c->n), (uint64_t)c->flags << 8 |
		    c->device) | 1;
	return c->hash;
}

int
chit_cmp_content(struct chit *a, struct chit *b)
{
	uint64_t ha, hb;
	size_t la, lb;
	int r;

	/* Hits of one second are mostly of different visitors: their vids
	 * decide; the hash only for a visitor's hits in the same second. */
	if (a->n[C_VID] != b->n[C_VID])
		return a->n[C_VID] < b->n[C_VID] ? -1 : 1;
	if ((r = memcmp(a->data, b->data, a->n[C_VID])) != 0)
		return r;
	ha = chit_hash(a);
	hb = chit_hash(b);
	if (ha != hb)
		return ha < hb ? -1 : 1;
	la = a->len - sizeof *a;
	lb = b->len - sizeof *b;
	if (a->flags != b->flags || a->device != b->device)
		return a->flags != b->flags ? (a->flags < b->flags ? -1 : 1) :
		    (a->device < b->device ? -1 : 1);
	if ((r = memcmp(a->n, b->n, sizeof a->n)) != 0)
		return r;
	if ((r = memcmp(a->data, b->data, la < lb ? la : lb)) != 0)
		return r;
	return (la > lb) - (la < lb);
}

int
chit_cmp_visitor(void *va, void *vb)
{
	struct chit *a = va, *b = vb;
	int r;

	if (a->n[C_VID] != b->n[C_VID])
		return a->n[C_VID] < b->n[C_VID] ? -1 : 1;
	if ((r = memcmp(a->data, b->data, a->n[C_VID])) != 0)
		return r;
	return chit_cmp(a, b);
}

uint64_t
chit_visitor_key(const void *vc)
{
	const struct chit *c = vc;

	return XXH3_64bits(c->data, c->n[C_VID]);
}

struct chunk {
	struct chunk	*next;
	size_t		 used, refs;
	char		 mem[];
};

struct carena {
	struct chunk	*cur;
	size_t		 bytes;
};

struct carena *
carena_new(void)
{
	return xcalloc(1, sizeof(struct carena));
}

static struct chunk *
chunk_new(struct carena *a, size_t n)
{
	size_t cap = n + sizeof(struct chunk) > CHUNK ? n + sizeof(struct chunk) :
	    CHUNK;
	struct chunk *c = malloc(cap);

	if (c == NULL)
		die(EX_OSERR, "out of memory");
	c->next = NULL;
	c->used = sizeof(struct chunk);
	c->refs = 0;
	a->bytes += cap;
	return c;
}

/* Each chit is preceded by its chunk's address, to find it on release. */
struct chit *
carena_alloc(struct carena *a, size_t n)
{
	size_t need = n + 8;
	struct chunk *c = a->cur;
	char *p;

	if (c == NULL || c->used + need > CHUNK) {
		if (c && c->refs == 0) {
			a->bytes -= CHUNK;
			free(c);
		}
		c = a->cur = chunk_new(a, need);
	}
	p = (char *)c + c->used;
	memcpy(p, &c, sizeof c);
	c->used += need;
	c->refs++;
	return (struct chit *)(p + 8);
}

void
carena_release(struct carena *a, struct chit *h)
{
	struct chunk *c;

	memcpy(&c, (char *)h - 8, sizeof c);
	if (--c->refs == 0 && c != a->cur) {
		a->bytes -= c->used > CHUNK ? c->used : CHUNK;
		free(c);
	}
}

size_t
carena_bytes(const struct carena *a)
{
	return a->bytes;
}

void
carena_free(struct carena *a)
{
	if (a == NULL)
		return;
	free(a->cur);
	free(a);
}
