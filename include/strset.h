/*
 * strset.h - a set of byte strings (open addressing, XXH3): order ids
 * already counted, distinct visitors, hosts.
 */
#ifndef REVISIT_STRSET_H
#define REVISIT_STRSET_H

#include <stddef.h>

struct strset;

struct strset	*strset_new(void);
void		 strset_free(struct strset *);
/* Add s (copied); 1 if it was new, 0 if already there. */
int		 strset_add(struct strset *, const char *s, size_t n);
int		 strset_has(const struct strset *, const char *s, size_t n);
size_t		 strset_count(const struct strset *);
/* The lines of a file (an opt-out list): one entry per line, blanks
 * around it trimmed, blank and '#' lines skipped. An empty set if path is
 * NULL; dies if the file cannot be read. */
struct strset	*strset_lines(const char *path);

#endif
