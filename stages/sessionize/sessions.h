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
/* The next hit; hits must come in chit_cmp order. h is not kept. */
void		 sessions_hit(struct sessions *, const struct chit *h);
/* Close every open session and write everything out. */
void		 sessions_finish(struct sessions *);
/* Bytes held: open sessions and closed ones waiting for their turn. */
size_t		 sessions_bytes(const struct sessions *);
unsigned long long sessions_count(const struct sessions *);
void		 sessions_free(struct sessions *);

#endif
