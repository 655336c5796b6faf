/*
 * strtab.c - interned byte strings. Open addressing over (hash, id);
 * the strings are copied into an arena, so they never move.
 */
#include "strtab.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "arena.h"
#include "prog.h"

struct slot {
	uint64_t	 h;
	uint32_t	 id;		/* STRTAB_NONE: empty */
};

struct strtab {
	struct slot	*slot;
	size_t		 mask;
	const char	**str;		/* by id */
	uint32_t	*len;
	size_t		 count, capstr;
	struct arena	 mem;
};

static void
slots_init(struct slot *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		s[i].id = STRTAB_NONE;
}

struct strtab *
strtab_new(void)
{
	struct strtab *t = xcalloc(1, sizeof *t);

	t->mask = 63;
	t->slot = xrealloc(NULL, 64 * sizeof *t->slot);
	slots_init(t->slot, 64);
	return t;
}

void
strtab_free(struct strtab *t)
{
	if (t == NULL)
		return;
	free(t->slot);
	free(t->str);
	free(t->len);
	arena_free(&t->mem);
	free(t);
}

const char *
strtab_str(const struct strtab *t, uint32_t id, size_t *n)
{
	*n = t->len[id];
	return t->str[id];
}

static int
same(const struct strtab *t, const struct slot *sl, uint64_t h, const char *s,
    size_t n)
{
	if (sl->h != h || t->len[sl->id] != n)
		return 0;
	return n == 0 || memcmp(t->str[sl->id], s, n) == 0;
}

static size_t
find(const struct strtab *t, uint64_t h, const char *s, size_t n)
{
	size_t j = h & t->mask;

	while (t->slot[j].id != STRTAB_NONE && !same(t, &t->slot[j], h, s, n))
		j = (j + 1) & t->mask;
	return j;
}

uint32_t
strtab_find(const struct strtab *t, const char *s, size_t n)
{
	return t->slot[find(t, XXH3_64bits(s, n), s, n)].id;
}

static void
rehash(struct strtab *t)
{
	size_t cap = (t->mask + 1) * 2, i;
	struct slot *ns = xrealloc(NULL, cap * sizeof *ns);

	slots_init(ns, cap);
	for (i = 0; i <= t->mask; i++) {
		size_t k;

		if (t->slot[i].id == STRTAB_NONE)
			continue;
		k = t->slot[i].h & (cap - 1);
		while (ns[k].id != STRTAB_NONE)
			k = (k + 1) & (cap - 1);
		ns[k] = t->slot[i];
	}
	free(t->slot);
	t->slot = ns;
	t->mask = cap - 1;
}

uint64_t
strtab_hash(const char *s, size_t n)
{
	return XXH3_64bits(s, n);
}

void
strtab_prefetch(const struct strtab *t, uint64_t h)
{
	__builtin_prefetch(&t->slot[h & t->mask]);
}

uint32_t
strtab_intern(struct strtab *t, const char *s, size_t n, int *added)
{
	return strtab_intern_hashed(t, s, n, XXH3_64bits(s, n), added);
}

uint32_t
strtab_intern_hashed(struct strtab *t, const char *s, size_t n, uint64_t h,
    int *added)
{
	size_t j = find(t, h, s, n);

	if (added)
		*added = 0;
	if (t->slot[j].id != STRTAB_NONE)
		return t->slot[j].id;
	if (n > UINT32_MAX - 8 || t->count >= STRTAB_NONE - 1)
		die(EX_SOFTWARE, "string table: too large");
	if ((t->count + 1) * 2 > t->mask + 1) {
		rehash(t);
		j = find(t, h, s, n);
	}
	if (t->count == t->capstr) {
		t->capstr = t->capstr ? t->capstr * 2 : 256;
		t->str = xrealloc(t->str, t->capstr * sizeof *t->str);
		t->len = xrealloc(t->len, t->capstr * sizeof *t->len);
	}
	t->str[t->count] = arena_pack(&t->mem, s, n);
	t->len[t->count] = (uint32_t)n;
	t->slot[j].h = h;
	t->slot[j].id = (uint32_t)t->count;
	if (added)
		*added = 1;
	return (uint32_t)t->count++;
}

size_t
strtab_count(const struct strtab *t)
{
	return t->count;
}
