/*
 * botclass.c - bot user agents by PCRE2, with a cache.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "botclass.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "prog.h"

#define CACHE_BITS	16	/* 64 Ki agents, 1 MiB */
#define CACHE_PROBE	8

struct slot {
	uint64_t	h;	/* hash | 1; 0 = empty */
	uint8_t		bot;
};

struct botclass {
	pcre2_code		*re;
	pcre2_match_data	*md;
	int			 jit;
	struct slot		*cache;
	uint64_t		 lookups, misses;
};

struct botclass *
botclass_new(const char *text, size_t len, char *err, size_t errlen)
{
	struct botclass *b;
	const char *p = text, *end = text + len;
	char *pat;
	size_t plen = 0, n = 0;
	int code;
	PCRE2_SIZE off;

	/* (?:p1)|(?:p2)|...: one pass of the engine over the agent. A line
	 * of L bytes and its newline become at most L + 5 ("(?:", ")",
	 * "|"): three times the text, for one-byte lines. */
	if ((pat = malloc(len * 3 + 16)) == NULL)
		die(EX_OSERR, "out of memory");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		if (le > p && le[-1] == '\r')
			le--;
		if (le > p && *p != '#') {
			if (n++ > 0)
				pat[plen++] = '|';
			memcpy(pat + plen, "(?:", 3);
			plen += 3;
			memcpy(pat + plen, p, (size_t)(le - p));
			plen += (size_t)(le - p);
			pat[plen++] = ')';
		}
		p = nl ? nl + 1 : end;
	}
	if (n == 0) {
		/* An empty list matches nothing. */
		memcpy(pat, "(*FAIL)", 7);
		plen = 7;
	}
	pat[plen] = '\0';	/* for the message's %.40s */
	if ((b = calloc(1, sizeof *b)) == NULL)
		die(EX_OSERR, "out of memory");
	b->re = pcre2_compile((PCRE2_SPTR)pat, plen, 0, &code, &off, NULL);
	if (b->re == NULL) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(code, msg, sizeof msg);
		snprintf(err, errlen, "bad bot pattern near '%.40s': %s",
		    pat + (off > 20 ? off - 20 : 0), (char *)msg);
		free(pat);
		free(b);
		return NULL;
	}
	free(pat);
	b->jit = pcre2_jit_compile(b->re, PCRE2_JIT_COMPLETE) == 0;
	b->md = pcre2_match_data_create(1, NULL);
	b->cache = calloc((size_t)1 << CACHE_BITS, sizeof *b->cache);
	if (b->md == NULL || b->cache == NULL)
		die(EX_OSERR, "out of memory");
	return b;
}

void
botclass_free(struct botclass *b)
{
	if (b == NULL)
		return;
	pcre2_match_data_free(b->md);
	pcre2_code_free(b->re);
	free(b->cache);
	free(b);
}

static int
run(struct botclass *b, const char *ua, size_t n)
{
	int r = b->jit ?
	    pcre2_jit_match(b->re, (PCRE2_SPTR)ua, n, 0, 0, b->md, NULL) :
	    pcre2_match(b->re, (PCRE2_SPTR)ua, n, 0, 0, b->md, NULL);

	return r >= 0;
}

int
botclass_match(struct botclass *b, const char *ua, size_t n)
{
	uint64_t h = XXH3_64bits(ua, n) | 1;
	size_t mask = ((size_t)1 << CACHE_BITS) - 1, i = (size_t)(h >> 20) & mask;
	struct slot *empty = NULL;
	int k, bot;

	b->lookups++;
	for (k = 0; k < CACHE_PROBE; k++) {
		struct slot *s = &b->cache[(i + (size_t)k) & mask];

		if (s->h == h)
			return s->bot;
		if (s->h == 0 && empty == NULL)
			empty = s;
	}
	b->misses++;
	bot = run(b, ua, n);
	/* Full neighbourhood: evict the home slot, a cache may forget. */
	if (empty == NULL)
		empty = &b->cache[i];
	empty->h = h;
	empty->bot = (uint8_t)bot;
	return bot;
}

void
botclass_stats(const struct botclass *b, uint64_t *lookups, uint64_t *misses)
{
	*lookups = b->lookups;
	*misses = b->misses;
}
