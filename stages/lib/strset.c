/*
 * strset.c - sets of byte strings. Each slot keeps the full hash beside
 * the string, so probes compare strings only on a hash match.
 */
#include "strset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "prog.h"

struct slot {
	uint64_t	 h;
	char		*s;	/* length-prefixed: size_t, then bytes */
};

struct strset {
	struct slot	*slot;
	size_t		 mask, count;
};

struct strset *
strset_new(void)
{
	struct strset *t = xcalloc(1, sizeof *t);

	t->slot = xcalloc(64, sizeof *t->slot);
	t->mask = 63;
	return t;
}

void
strset_free(struct strset *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i <= t->mask; i++)
		free(t->slot[i].s);
	free(t->slot);
	free(t);
}

static int
same(const struct slot *sl, uint64_t h, const char *s, size_t n)
{
	size_t k;

	if (sl->h != h)
		return 0;
	memcpy(&k, sl->s, sizeof k);
	return k == n && memcmp(sl->s + sizeof k, s, n) == 0;
}

static size_t
find(const struct strset *t, uint64_t h, const char *s, size_t n)
{
	size_t j = h & t->mask;

	while (t->slot[j].s && !same(&t->slot[j], h, s, n))
		j = (j + 1) & t->mask;
	return j;
}

int
strset_has(const struct strset *t, const char *s, size_t n)
{
	/* Most nights have no opt-out list: no key is hashed for it. */
	if (t->count == 0)
		return 0;
	return t->slot[find(t, XXH3_64bits(s, n), s, n)].s != NULL;
}

int
strset_add(struct strset *t, const char *s, size_t n)
{
	uint64_t h = XXH3_64bits(s, n);
	size_t j = find(t, h, s, n);
	char *c;

	if (t->slot[j].s)
		return 0;
	if ((t->count + 1) * 2 > t->mask + 1) {
		size_t cap = (t->mask + 1) * 2, i;
		struct slot *ns = xcalloc(cap, sizeof *ns);

		for (i = 0; i <= t->mask; i++) {
			size_t k;

			if (t->slot[i].s == NULL)
				continue;
			k = t->slot[i].h & (cap - 1);
			while (ns[k].s)
				k = (k + 1) & (cap - 1);
			ns[k] = t->slot[i];
		}
		free(t->slot);
		t->slot = ns;
		t->mask = cap - 1;
		j = find(t, h, s, n);
	}
	if ((c = malloc(sizeof n + n)) == NULL)
		die(EX_OSERR, "out of memory");
	memcpy(c, &n, sizeof n);
	memcpy(c + sizeof n, s, n);
	t->slot[j].h = h;
	t->slot[j].s = c;
	t->count++;
	return 1;
}

size_t
strset_count(const struct strset *t)
{
	return t->count;
}

struct strset *
strset_lines(const char *path)
{
	struct strset *t = strset_new();
	char *text, *line, *next;
	size_t len;

	if (path == NULL)
		return t;
	text = read_file(path, &len);
	for (line = text; line < text + len; line = next) {
		char *end = memchr(line, '\n', (size_t)(text + len - line));

		next = end ? end + 1 : text + len;
		if (end == NULL)
			end = text + len;
		while (line < end && (*line == ' ' || *line == '\t'))
			line++;
		while (end > line && (end[-1] == ' ' || end[-1] == '\t' ||
		    end[-1] == '\r'))
			end--;
		if (line < end && *line != '#')
			strset_add(t, line, (size_t)(end - line));
	}
	free(text);
	return t;
}
