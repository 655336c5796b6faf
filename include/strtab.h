/*
 * strtab.h - a string table: each distinct byte string gets a small id
 * and one copy, both stable for the table's life (no allocation per
 * string). Visitors, persons and order ids of a run; the strings a stage
 * keeps from records it has let go of; the state's dictionary.
 */
#ifndef REVISIT_STRTAB_H
#define REVISIT_STRTAB_H

#include <stddef.h>
#include <stdint.h>

#define STRTAB_NONE	UINT32_MAX

struct strtab;

struct strtab	*strtab_new(void);
void		 strtab_free(struct strtab *);
/* The id of s, added if new (*added set to 1 then, if not NULL). */
uint32_t	 strtab_intern(struct strtab *, const char *s, size_t n,
		    int *added);
/*
 * The same in two steps, for a batch of lookups: each string's hash and
 * a prefetch of its slot first, then the interning, so that the batch's
 * cache misses overlap instead of following each other (a table of a
 * million strings misses the cache on nearly every probe).
 */
uint64_t	 strtab_hash(const char *s, size_t n);
void		 strtab_prefetch(const struct strtab *, uint64_t h);
uint32_t	 strtab_intern_hashed(struct strtab *, const char *s, size_t n,
		    uint64_t h, int *added);
/* The id of s, or STRTAB_NONE. */
uint32_t	 strtab_find(const struct strtab *, const char *s, size_t n);
/* The bytes of id, valid while the table is. */
const char	*strtab_str(const struct strtab *, uint32_t id, size_t *n);
size_t		 strtab_count(const struct strtab *);

#endif
