/*
 * hash.h - hashing shared by the stages.
 *
 * FNV-1a 64 is part of the record contract (the fallback visitor id of
 * DESIGN.md, "h:" + 16 hex digits); it is not used for tables, where
 * xxHash's XXH3 is much faster on long strings such as user agents.
 */
#ifndef REVISIT_HASH_H
#define REVISIT_HASH_H

#include <stddef.h>
#include <stdint.h>

#define FNV1A64_INIT	0xcbf29ce484222325ULL
#define FNV1A64_PRIME	0x100000001b3ULL

static inline uint64_t
fnv1a64(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n--) {
		h ^= *s++;
		h *= FNV1A64_PRIME;
	}
	return h;
}

/* Write "h:" and 16 lowercase hex digits of v to out (18 bytes, no NUL). */
static inline void
vid_format(uint64_t v, char out[18])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	out[0] = 'h';
	out[1] = ':';
	for (i = 0; i < 16; i++)
		out[2 + i] = hex[(v >> (60 - 4 * i)) & 0xf];
}

#endif
