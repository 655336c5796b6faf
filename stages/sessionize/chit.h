/*
 * chit.h - a compact, self-contained copy of what sessionize needs of a
 * page hit: time, visitor, user, method, path, query, referrer, and the
 * device class of its agent (the agent itself is not needed). It is what
 * the reorder buffer holds and what the spool stores for an external
 * sort, so it is one block of bytes with its length first.
 */
#ifndef REVISIT_CHIT_H
#define REVISIT_CHIT_H

#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "hit.h"

enum { C_VID, C_UID, C_METHOD, C_PATH, C_QUERY, C_REF, C_NFIELDS };

#define CHIT_HAS_UID	0x01
#define CHIT_HAS_REF	0x02
#define CHIT_CONSENT_NO	0x04	/* the hit says: no ads consent */
#define CHIT_CONSENT_YES 0x08

struct chit {
	uint32_t	 len;			/* whole record, header included */
	uint16_t	 flags;
	uint8_t		 device;		/* DEV_* */
	uint8_t		 pad;
	int64_t		 ts;
	uint64_t	 hash;			/* of the content, for ordering;
						 * 0 until first needed */
	uint32_t	 n[C_NFIELDS];		/* field lengths */
	char		 data[];		/* the fields, in enum order */
};

/* Blocks of chits and sessions for a spool are multiples of 8 bytes. */
#define ALIGN8(n)	(((n) + 7) & ~(size_t)7)

/* Bytes a chit of h needs. */
size_t	chit_size(const struct hit *h);
/* Write h as a chit into mem (chit_size bytes, 8-byte aligned). */
struct chit *chit_make(void *mem, const struct hit *h, int device);
/* Field i of c. */
struct span chit_field(const struct chit *c, int i);
/*
 * Total order: time, visitor, then a hash of the content, then the
 * content. Hits equal in all are the same hit, in any order.
 */
int	chit_cmp_content(struct chit *a, struct chit *b);

/* The hash is worked out only when two hits share a time. */
static inline int
chit_cmp(struct chit *a, struct chit *b)
{
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return chit_cmp_content(a, b);
}

/*
 * Another total order: visitor, then as chit_cmp. A visitor's hits come
 * in the same order under both, so they make the same sessions; this one
 * brings each visitor's hits together (sorting to sessionize by visitor).
 */
int	chit_cmp_visitor(void *a, void *b);
/* A hash of the visitor: the key that spools chits by visitor. */
uint64_t chit_visitor_key(const void *c);

/*
 * An arena for chits that are freed roughly in the order they were made
 * (the reorder window): 1 MiB chunks, each freed when its last chit is.
 */
struct carena;
struct carena	*carena_new(void);
struct chit	*carena_alloc(struct carena *, size_t n);
void		 carena_release(struct carena *, struct chit *);
size_t		 carena_bytes(const struct carena *);
void		 carena_free(struct carena *);

#endif
