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
/* The id of s, or STRTAB_NONE. */
uint32_t	 strtab_find(const struct strtab *, const char *s, size_t n);
/* The bytes of id, valid while the table is. */
const char	*strtab_str(const struct strtab *, uint32_t id, size_t *n);
size_t		 strtab_count(const struct strtab *);

#endif
