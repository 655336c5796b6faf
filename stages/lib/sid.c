/*
 * sid.c - session ids.
 */
#include "sid.h"

#define XXH_STATIC_LINKING_ONLY	/* XXH3_state_t on the stack */
#include <xxhash.h>

#include "query.h"

uint64_t
sid_parse(const char *p, size_t n, int *ok)
{
	uint64_t v = 0;
	size_t i;

	*ok = 0;
	if (n != 16)
		return 0;
	for (i = 0; i < 16; i++) {
		int d = hexdigit((unsigned char)p[i]);

		if (d < 0)
			return 0;
		v = v << 4 | (uint64_t)d;
	}
	*ok = 1;
	return v;
}

uint64_t
sid_compute(const char *vid, size_t n, int64_t start, uint32_t seq)
{
	XXH3_state_t st;
	unsigned char tail[13];
	int i;

	XXH3_64bits_reset(&st);
	XXH3_64bits_update(&st, vid, n);
	tail[0] = 0x1f;
	for (i = 0; i < 8; i++)
		tail[1 + i] = (unsigned char)((uint64_t)start >> (8 * i));
	for (i = 0; i < 4; i++)
		tail[9 + i] = (unsigned char)(seq >> (8 * i));
	XXH3_64bits_update(&st, tail, sizeof tail);
	return XXH3_64bits_digest(&st);
}

void
sid_format(uint64_t sid, char out[16])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 16; i++)
		out[i] = hex[(sid >> (60 - 4 * i)) & 0xf];
}
