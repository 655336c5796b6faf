/*
 * arena.c - chunked bump allocation.
 */
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prog.h"

#define ARENA_CHUNK	(1u << 20)
#define ARENA_BIG	(ARENA_CHUNK / 4)

struct achunk {
	struct achunk	*next;
	max_align_t	 data[];
};

/*
 * A chunk of sz bytes: the current one unless big (then the current one
 * stays current: big blocks are rare and get a chunk of their own). The
 * current chunk, when there is one (a->p set), is the head; a big one
 * goes after it, or is the head until a current one comes.
 */
static char *
chunk(struct arena *a, size_t sz, int big)
{
	struct achunk *c = malloc(sizeof *c + sz);

	if (c == NULL)
		die(EX_OSERR, "out of memory");
	if (big && a->p != NULL) {
		c->next = a->head->next;
		a->head->next = c;
	} else {
		c->next = a->head;
		a->head = c;
		if (!big) {
			a->p = (char *)c->data;
			a->end = a->p + sz;
		}
	}
	return (char *)c->data;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	size_t al = sizeof(max_align_t), pad;
	char *p;

	if (n >= ARENA_BIG) {
		a->total += n;
		return chunk(a, n, 1);
	}
	pad = a->p ? (al - (uintptr_t)a->p % al) % al : 0;
	if (a->p == NULL || n + pad > (size_t)(a->end - a->p)) {
		chunk(a, ARENA_CHUNK, 0);
		pad = 0;
	}
	p = a->p + pad;
	a->p = p + n;
	a->total += n;
	return p;
}

char *
arena_copy(struct arena *a, const void *p, size_t n)
{
	char *d = arena_alloc(a, n ? n : 1);

	if (n)
		memcpy(d, p, n);
	return d;
}

char *
arena_pack(struct arena *a, const void *p, size_t n)
{
	char *d;

	if (n >= ARENA_BIG)
		return arena_copy(a, p, n);
	if (a->p == NULL || n + 1 > (size_t)(a->end - a->p))
		chunk(a, ARENA_CHUNK, 0);
	d = a->p;
	if (n)
		memcpy(d, p, n);
	a->p += n;
	a->total += n;
	return d;
}

void
arena_reset(struct arena *a)
{
	struct achunk *keep = a->head, *c, *next;

	if (a->p == NULL) {		/* no current chunk to keep */
		arena_free(a);
		return;
	}
	for (c = keep->next; c; c = next) {
		next = c->next;
		free(c);
	}
	keep->next = NULL;
	a->p = (char *)keep->data;
	a->end = a->p + ARENA_CHUNK;
	a->total = 0;
}

void
arena_free(struct arena *a)
{
	struct achunk *c, *next;

	for (c = a->head; c; c = next) {
		next = c->next;
		free(c);
	}
	memset(a, 0, sizeof *a);
}
