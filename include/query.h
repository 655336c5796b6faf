/*
 * query.h - URL query strings as DESIGN.md reads them: names are
 * case-sensitive, values percent-decoded with '+' as a space (an invalid
 * '%' sequence is kept as it is), an empty value counts as absent, and of
 * a repeated name the first occurrence wins (even when it is empty).
 */
#ifndef REVISIT_QUERY_H
#define REVISIT_QUERY_H

#include <stddef.h>

/* One "name=value" of a query, raw (not decoded). */
struct qparam {
	const char	*name, *val;
	size_t		 namelen, vallen;
};

/*
 * The next parameter of q[0..n) from *pos (start at 0): 1 and *p set, or
 * 0 at the end. Empty pieces ("a=1&&b=2") are skipped.
 */
int	query_next(const char *q, size_t n, size_t *pos, struct qparam *p);

/* The value of a hex digit, or -1. */
static inline int
hexdigit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode s[0..n) into out (room for n bytes); returns the length. */
size_t	url_decode(const char *s, size_t n, char *out);

/*
 * The decoded value of the first parameter called name, into out (room
 * for n bytes of q is always enough). Returns its length, or -1 when the
 * parameter is absent or its first occurrence is empty.
 */
long	query_get(const char *q, size_t n, const char *name, char *out);

#endif
