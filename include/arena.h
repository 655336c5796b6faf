/*
 * arena.h - memory handed out in chunks and freed all at once: the
 * strings a stage keeps from records it has already let go of.
 */
#ifndef REVISIT_ARENA_H
#define REVISIT_ARENA_H

#include <stddef.h>

struct arena {
	struct achunk	*head;
	char		*p, *end;
	size_t		 total;		/* bytes handed out */
};

/* n bytes, aligned for any type; zeroed arena is ready to use. */
void	*arena_alloc(struct arena *, size_t n);
/* A copy of n bytes (not NUL-terminated). */
char	*arena_copy(struct arena *, const void *p, size_t n);
/* The same, packed with no alignment: for strings. */
char	*arena_pack(struct arena *, const void *p, size_t n);
void	 arena_free(struct arena *);
/* Everything handed out let go at once; the current chunk is kept, to
 * be handed out again (its pages are already the process's). */
void	 arena_reset(struct arena *);

#endif
