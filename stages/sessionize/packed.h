/*
 * packed.h - chits packed for the copy of a piped input in --tmpdir.
 *
 * A pipe cannot be read twice, so sessionize copies its page hits as
 * they are read, in case the input turns out to be far out of order.
 * The copy is written for every piped input and read back only then, so
 * it is packed small: writing to the page cache of an ext4 /tmp costs
 * the kernel about a nanosecond a byte, half what sessionize spends on a
 * byte of its input (a tmpfs costs a seventh of that). A packed chit has a
 * 16-byte head (length, time, flags, device, origin), the six field
 * lengths as varints, then the fields; the referrer's origin (scheme and
 * host: "https://shop.example.com", which most referrers of a site share)
 * is a number in a table this process keeps in memory. The copy is
 * private to the process that wrote it, so the table never needs to be
 * written. Unpacked, a chit is the bytes chit_make() gives.
 */
#ifndef REVISIT_PACKED_H
#define REVISIT_PACKED_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "chit.h"

#define PACKED_HEAD	16		/* u32 len, i64 ts, flags, device, u16 origin */
#define PACKED_MIN	(PACKED_HEAD + C_NFIELDS)

struct origins;
struct origins	*origins_new(void);
void		 origins_free(struct origins *);

/* Bytes chit_pack() may write for c, at most. */
static inline size_t
chit_packed_max(const struct chit *c)
{
	return PACKED_HEAD + 5 * C_NFIELDS + c->len;
}

/* Pack c at out (chit_packed_max bytes); returns the bytes written. */
size_t	chit_pack(struct origins *, const struct chit *c, char *out);

/* The length and time of the packed chit at p (PACKED_HEAD bytes). */
static inline uint32_t
packed_len(const char *p)
{
	uint32_t n;

	memcpy(&n, p, sizeof n);
	return n;
}

static inline int64_t
packed_ts(const char *p)
{
	int64_t ts;

	memcpy(&ts, p + 4, sizeof ts);
	return ts;
}

/*
 * The bytes the packed chit p (len bytes, as its head says) unpacks to,
 * or 0 if it is damaged: lengths that do not add up, an origin or a
 * device not known.
 */
size_t	chit_unpacked_size(const struct origins *, const char *p, size_t len);
/* Unpack p into mem (chit_unpacked_size bytes, 8-byte aligned). */
struct chit *chit_unpack(const struct origins *, const char *p, size_t len,
	    void *mem);

#endif
