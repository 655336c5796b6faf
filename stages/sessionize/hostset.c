/*
 * hostset.c - host sets: a hash table of exact names, walked up the
 * parent domains, and a short list of "{}" patterns compared label by
 * label.
 */
#include "hostset.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "prog.h"

struct pat {
	char	*s;
	size_t	 n, nlabels;
};

struct hostset {
	char		**slot;		/* open addressing; NULL = empty */
	size_t		  mask, count;
	struct pat	 *pats;
	size_t		  npats;
};

static size_t
labels(const char *s, size_t n)
{
	size_t k = 1;

	while (n--)
		k += *s++ == '.';
	return k;
}

static void
grow(struct hostset *h)
{
	size_t i, cap = (h->mask + 1) * 2;
	char **ns = xcalloc(cap, sizeof *ns);

	for (i = 0; i <= h->mask; i++) {
		char *s = h->slot[i];
		size_t j;

		if (s == NULL)
			continue;
		j = XXH3_64bits(s, strlen(s)) & (cap - 1);
		while (ns[j])
			j = (j + 1) & (cap - 1);
		ns[j] = s;
	}
	free(h->slot);
	h->slot = ns;
	h->mask = cap - 1;
}

static int
lookup(const struct hostset *h, const char *s, size_t n)
{
	size_t j = XXH3_64bits(s, n) & h->mask;

	while (h->slot[j]) {
		if (strlen(h->slot[j]) == n && memcmp(h->slot[j], s, n) == 0)
			return 1;
		j = (j + 1) & h->mask;
	}
	return 0;
}

void
hostset_add(struct hostset *h, const char *p, size_t n)
{
	char *s;
	size_t j;

	/* Hosts are looked up without one leading "www." (as referrers
	 * are), so patterns drop it too. */
	if (n > 4 && memcmp(p, "www.", 4) == 0) {
		p += 4;
		n -= 4;
	}
	if (n == 0)
		return;
	s = xstrndup(p, n);
	if (strstr(s, "{}")) {
		h->pats = realloc(h->pats, (h->npats + 1) * sizeof *h->pats);
		if (h->pats == NULL)
			die(EX_OSERR, "out of memory");
		h->pats[h->npats].s = s;
		h->pats[h->npats].n = n;
		h->pats[h->npats].nlabels = labels(s, n);
		h->npats++;
		return;
	}
	if (lookup(h, s, n)) {
		free(s);
		return;
	}
	if ((h->count + 1) * 2 > h->mask + 1)
		grow(h);
	j = XXH3_64bits(s, n) & h->mask;
	while (h->slot[j])
		j = (j + 1) & h->mask;
	h->slot[j] = s;
	h->count++;
}

struct hostset *
hostset_new(const char *text, size_t len)
{
	struct hostset *h = xcalloc(1, sizeof *h);
	const char *p = text, *end = text + len;

	h->slot = xcalloc(64, sizeof *h->slot);
	h->mask = 63;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *s = p;

		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (e > s && *s != '#')
			hostset_add(h, s, (size_t)(e - s));
		p = nl ? nl + 1 : end;
	}
	return h;
}

void
hostset_free(struct hostset *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i <= h->mask; i++)
		free(h->slot[i]);
	for (i = 0; i < h->npats; i++)
		free(h->pats[i].s);
	free(h->slot);
	free(h->pats);
	free(h);
}

/* Label-wise match of a "{}" pattern against host[0..n). */
static int
pat_match(const struct pat *p, const char *host, size_t n)
{
	const char *a = p->s, *ae = p->s + p->n, *b = host, *be = host + n;

	while (a < ae && b <= be) {
		const char *ad = memchr(a, '.', (size_t)(ae - a));
		const char *bd = memchr(b, '.', (size_t)(be - b));
		size_t al, bl;

		if (ad == NULL)
			ad = ae;
		if (bd == NULL)
			bd = be;
		al = (size_t)(ad - a);
		bl = (size_t)(bd - b);
		if (!(al == 2 && a[0] == '{' && a[1] == '}') &&
		    (al != bl || memcmp(a, b, al) != 0))
			return 0;
		a = ad + 1;
		b = bd + 1;
		if ((ad == ae) != (bd == be))
			return 0;
		if (ad == ae)
			return 1;
	}
	return 0;
}

int
hostset_match(const struct hostset *h, const char *host, size_t n)
{
	size_t nl = labels(host, n), i;
	const char *s = host;

	/* host, then each parent with at least two labels. */
	while (nl >= 2) {
		size_t k = (size_t)(host + n - s);

		if (lookup(h, s, k))
			return 1;
		for (i = 0; i < h->npats; i++)
			if (h->pats[i].nlabels == nl && pat_match(&h->pats[i], s, k))
				return 1;
		s = memchr(s, '.', k);
		if (s == NULL)
			break;
		s++;
		nl--;
	}
	return 0;
}
