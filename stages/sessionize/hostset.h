/*
 * hostset.h - sets of host names, matched by host or parent domain:
 * "google.de" in the set matches "google.de" and "images.google.de".
 * A pattern may use "{}" for any one label ("google.{}", "{}.altavista.com").
 * A leading "www." of a pattern is dropped: referrer hosts are looked up
 * without it.
 */
#ifndef REVISIT_HOSTSET_H
#define REVISIT_HOSTSET_H

#include <stddef.h>

struct hostset;

/* From text: one pattern per line, '#' comments; lowercase expected. */
struct hostset	*hostset_new(const char *text, size_t len);
void		 hostset_free(struct hostset *);
/* Add one pattern (copied). */
void		 hostset_add(struct hostset *, const char *p, size_t n);
/* Whether host (lowercase, no port) or one of its parent domains with at
 * least two labels is in the set. */
int		 hostset_match(const struct hostset *, const char *host, size_t n);

#endif
