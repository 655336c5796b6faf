/*
 * botclass.c - bot user agents: plain patterns looked up, the others by
 * PCRE2; a cache.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "botclass.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "prog.h"

#ifdef REVISIT_FUZZ_BUFFERS	/* fuzzing: evictions; no mmap per input */
#define CACHE_BITS	6
#else
#define CACHE_BITS	16	/* 64 Ki agents, 1 MiB */
#endif
#define CACHE_PROBE	8

struct slot {
	uint64_t	h;	/* hash | 1; 0 = empty */
	uint8_t		bot;
};

/*
 * Most patterns are plain text ("Googlebot/", "AhrefsBot"): those are
 * looked up by their first three bytes at each position of the agent,
 * and only the others go into the alternation. Compiling and
 * JIT-compiling an alternation of all 1,500 shipped patterns took 8 ms
 * of every revisit-parse run, and the nightly job runs one per input
 * file; a third of them costs a fraction of that.
 */
#define LIT_BITS	12

struct botclass {
	pcre2_code		*re;		/* NULL: no pattern needs it */
	pcre2_match_data	*md;
	int			 jit;
	char			*lit;		/* the plain patterns' bytes */
	uint32_t		*loff, *llen, *lnext;	/* each one's; chain */
	uint32_t		 lhead[1u << LIT_BITS];	/* by first 3 bytes,
							   index + 1 */
	size_t			 nlit;
	struct slot		*cache;
	uint64_t		 lookups, misses;
};

static uint32_t
tri_hash(const char *p)
{
	uint32_t x = (uint32_t)(unsigned char)p[0] |
	    (uint32_t)(unsigned char)p[1] << 8 |
	    (uint32_t)(unsigned char)p[2] << 16;

	return (x * 2654435761u) >> (32 - LIT_BITS);
}

/*
 * The text pattern p (n bytes) stands for, in out, and its length; -1 if
 * it uses regex syntax. A backslash before punctuation is that byte, as
 * in PCRE2; before a letter, a digit or a byte beyond ASCII it is
 * syntax. Three bytes at least: the lookup key.
 */
static long
literal_of(const char *p, size_t n, char *out)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '\\') {
			if (++i == n)
				return -1;
			c = (unsigned char)p[i];
			if (c >= 0x80 || (c >= '0' && c <= '9') ||
			    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
				return -1;
		} else if (c == '\0' || strchr("^$.|?*+()[]{}", c) != NULL) {
			return -1;
		}
		out[k++] = (char)c;
	}
	return k >= 3 ? (long)k : -1;
}

static void
lit_add(struct botclass *b, const char *s, size_t n, size_t *used)
{
	uint32_t h = tri_hash(s);

	memcpy(b->lit + *used, s, n);
	b->loff[b->nlit] = (uint32_t)*used;
	b->llen[b->nlit] = (uint32_t)n;
	b->lnext[b->nlit] = b->lhead[h];
	b->lhead[h] = (uint32_t)++b->nlit;
	*used += n;
}

/* Whether a plain pattern occurs in ua. */
static int
lit_match(const struct botclass *b, const char *ua, size_t n)
{
	size_t i;

	for (i = 0; i + 3 <= n; i++) {
		uint32_t e;

		for (e = b->lhead[tri_hash(ua + i)]; e; e = b->lnext[e - 1]) {
			size_t len = b->llen[e - 1];

			if (len <= n - i &&
			    memcmp(ua + i, b->lit + b->loff[e - 1], len) == 0)
				return 1;
		}
	}
	return 0;
}

struct botclass *
botclass_new(const char *text, size_t len, char *err, size_t errlen)
{
	struct botclass *b;
	const char *p = text, *end = text + len;
	char *pat;
	size_t plen = 0, n = 0, used = 0, lines = 0;
	int code;
	PCRE2_SIZE off;

	for (p = text; p < end; p++)
		lines += *p == '\n';
	if ((b = calloc(1, sizeof *b)) == NULL ||
	    (pat = malloc(len * 3 + 16)) == NULL ||
	    (b->lit = malloc(len + 1)) == NULL ||
	    (b->loff = malloc((lines + 1) * sizeof *b->loff)) == NULL ||
	    (b->llen = malloc((lines + 1) * sizeof *b->llen)) == NULL ||
	    (b->lnext = malloc((lines + 1) * sizeof *b->lnext)) == NULL)
		die(EX_OSERR, "out of memory");
	/* The rest: (?:p1)|(?:p2)|..., one pass of the engine over the
	 * agent. A line of L bytes and its newline become at most L + 5
	 * ("(?:", ")", "|"): three times the text, for one-byte lines. */
	for (p = text; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		long k;

		if (le > p && le[-1] == '\r')
			le--;
		if (le > p && *p != '#') {
			if ((k = literal_of(p, (size_t)(le - p), pat + plen)) > 0) {
				lit_add(b, pat + plen, (size_t)k, &used);
			} else {
				if (n++ > 0)
					pat[plen++] = '|';
				memcpy(pat + plen, "(?:", 3);
				plen += 3;
				memcpy(pat + plen, p, (size_t)(le - p));
				plen += (size_t)(le - p);
				pat[plen++] = ')';
			}
		}
		p = nl ? nl + 1 : end;
	}
	b->md = pcre2_match_data_create(1, NULL);
	b->cache = calloc((size_t)1 << CACHE_BITS, sizeof *b->cache);
	if (b->md == NULL || b->cache == NULL)
		die(EX_OSERR, "out of memory");
	pat[plen] = '\0';	/* for the message's %.40s */
	if (n > 0) {
		b->re = pcre2_compile((PCRE2_SPTR)pat, plen, 0, &code, &off,
		    NULL);
		if (b->re == NULL) {
			PCRE2_UCHAR msg[256];

			pcre2_get_error_message(code, msg, sizeof msg);
			snprintf(err, errlen, "bad bot pattern near '%.40s': %s",
			    pat + (off > 20 ? off - 20 : 0), (char *)msg);
			free(pat);
			botclass_free(b);
			return NULL;
		}
		b->jit = pcre2_jit_compile(b->re, PCRE2_JIT_COMPLETE) == 0;
	}
	free(pat);
	return b;
}

void
botclass_free(struct botclass *b)
{
	if (b == NULL)
		return;
	pcre2_match_data_free(b->md);
	pcre2_code_free(b->re);
	free(b->lit);
	free(b->loff);
	free(b->llen);
	free(b->lnext);
	free(b->cache);
	free(b);
}

static int
run(struct botclass *b, const char *ua, size_t n)
{
	int r;

	if (lit_match(b, ua, n))
		return 1;
	if (b->re == NULL)
		return 0;
	r = b->jit ?
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
