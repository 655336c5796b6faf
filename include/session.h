/*
 * session.h - a session record (schemas/session.md) read for what
 * attribution and the visitor state need: identity, time, traffic
 * source, funnel events with their times, purchases. Strings are views
 * into the record's bytes; the arrays are the decoder's, reused from one
 * session to the next.
 */
#ifndef REVISIT_SESSION_H
#define REVISIT_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "sid.h"

struct sv {			/* a string view */
	const char	*p;
	size_t		 n;
};

#define SV_EQ(a, b)	((a).n == (b).n && ((a).n == 0 || \
			    memcmp((a).p, (b).p, (a).n) == 0))

struct sess_event {		/* a sku or a stage, and its latest time */
	struct sv	 name;
	int64_t		 ts;
};

struct sess_buy {
	struct sv	 order_id;	/* n == 0: none logged */
	struct sv	 value_text;	/* n == 0: none logged */
	struct sv	 currency;
	double		 value;
	int64_t		 ts;
};

struct sess {
	struct sv	 vid, uid;	/* uid.n == 0: none */
	uint64_t	 sid;
	int64_t		 start, end;
	struct sv	 channel, source, medium, campaign;
	int		 consent;	/* SESS_CONSENT_* */
	struct sess_event *viewed, *carted, *stages;
	size_t		 nviewed, ncarted, nstages;
	struct sess_buy	*buys;
	size_t		 nbuys;
	/* the decoder's: times read before their names, capacities */
	int64_t		*ts_[3];
	size_t		 cap[7];
};

/*
 * Read a session record. A session from a revisit-funnel without the
 * "_ts" fields dates its funnel events by the session's end. Returns 0,
 * or -1 if the record is not a session with the fields needed (vid, sid,
 * start, end), or has a "type" other than "session".
 */
int	sess_decode(struct sess *, const char *rec, size_t len);
/*
 * The same on a buffer that starts with a record: 0 and *used its
 * length; MPC_SHORT when the buffer ends inside it; MPC_BAD when it is
 * not such a session (or not MessagePack), as soon as that is known.
 */
int	sess_decode_prefix(struct sess *, const char *buf, size_t len,
	    size_t *used);

struct records;
/*
 * records_each for a stage that reads sessions: each record of paths[]
 * (none: stdin) to fn(arg, decoded, rec, len, r); decoded 1 when *dec
 * holds the record read as a session, in the walk that found its end,
 * not framed first and walked again.
 */
int	sessions_each(char *const *paths, size_t npaths, int progress,
	    struct sess *dec, void (*fn)(void *arg, int decoded,
	    const char *rec, size_t len, const struct records *r),
	    void *arg, struct records *r);

/* A session's "consent": of its latest hit that logged one. */
#define SESS_CONSENT_UNKNOWN	0
#define SESS_CONSENT_REFUSED	1
#define SESS_CONSENT_GIVEN	2
void	sess_free(struct sess *);

#endif
