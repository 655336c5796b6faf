/*
 * sessions.h - hits in time order in, session records out (in order of
 * start, visitor, and sequence). Sessions close when the hits' time has
 * moved more than the timeout past their last hit, or at the end.
 */
#ifndef REVISIT_SESSIONS_H
#define REVISIT_SESSIONS_H

#include <stdint.h>

#include "chit.h"
#include "traffic.h"
#include "wbuf.h"

struct sess_opts {
	int64_t			 timeout;	/* ms; a gap of exactly it stays */
	int			 campaign_split;
	const struct traffic_ctx *tc;
};

struct sessions;

/* Session records go to out (borrowed). */
struct sessions	*sessions_new(const struct sess_opts *, struct wbuf *out);

/*
 * A closed session on its way to be sorted: the record with what orders
 * it (start, vid, seq), as one block for a spool (extsort.h).
 */
struct sess_rec {
	uint32_t	 len;		/* the whole block, padded to 8 */
	uint32_t	 seq;
	int64_t		 start;
	uint32_t	 vidlen, reclen;
	char		 data[];	/* the vid, then the record */
};
/* The output order: start, vid (bytes), seq; and its key, the start. */
int		 sess_rec_cmp(void *a, void *b);
uint64_t	 sess_rec_key(const void *r);

/*
 * Hits that come visitor by visitor (chit_cmp_visitor order) instead of
 * in time order: one session at a time is open, and each closed session
 * goes to sink (valid during the call) to be put in order by the caller.
 * Memory does not grow with the visitors or sessions of the input.
 */
struct sessions	*sessions_new_by_visitor(const struct sess_opts *,
		    void (*sink)(void *arg, const struct sess_rec *), void *arg);

/* The next hit; hits must come in chit_cmp order (or chit_cmp_visitor
 * order, by visitor). h is not kept. */
void		 sessions_hit(struct sessions *, const struct chit *h);
/* Close every open session and write everything out. */
void		 sessions_finish(struct sessions *);
/* Bytes held: open sessions and closed ones waiting for their turn. */
size_t		 sessions_bytes(const struct sessions *);
unsigned long long sessions_count(const struct sessions *);
void		 sessions_free(struct sessions *);

#endif
