/*
 * night.h - a night's vids and their links (the uid of each vid's latest
 * hit that makes sessions and carries one): what revisit-shard routes by,
 * gathered by revisit-shard --links from hit records, or by
 * revisit-parse --links-out from the hits it writes.
 */
#ifndef REVISIT_NIGHT_H
#define REVISIT_NIGHT_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"
#include "strtab.h"

struct wbuf;

struct svid {			/* a vid of tonight */
	uint32_t	 uid;		/* tonight's link (id in uids) or NONE */
	int64_t		 uid_ts;	/* the time of the hit that gave it */
	int32_t		 from;		/* the shard the state keeps it in */
	struct sv	 state_uid;	/* its uid there (n == 0: none) */
	uint32_t	 to;		/* its person's shard tonight */
};

struct night {
	struct strtab	*vids, *uids;
	struct svid	*v;		/* by vid id */
	size_t		 cap;
	int64_t		 latest;	/* of the hits that make sessions */
	/* night_batch_see_link: the hits seen, and the sum of their vids'
	 * XXH3-64, for revisit-shard --route --links to check its input
	 * against. */
	uint64_t	 nhits, vidsum;
};

struct hit;

/* Tonight's vid (added if new). */
struct svid *night_vid(struct night *, const char *vid, size_t len);
/* The same, given strtab_hash(vid, len). */
struct svid *night_vid_hashed(struct night *, const char *vid, size_t len,
	    uint64_t h);
/* A hit of v at ts that carries uid: v's link if it is the latest. */
void	night_link(struct night *, struct svid *v, const char *uid,
	    size_t len, int64_t ts);
/*
 * The same in batches: each vid hashed and its slot prefetched as it
 * comes, the batch added when full, so that the vid table's cache misses
 * (nearly every probe, once a night has a few hundred thousand vids)
 * overlap instead of following each other. Vids are added in the order
 * they came. night_batch_flush before reading the night.
 */
#define NIGHT_BATCH	32
struct night_batch {
	struct night	*n;
	size_t		 nb, used;
	struct night_batch_e {
		uint64_t h;
		int64_t	 ts;
		uint32_t vid, vn, uid, un;	/* in bytes[]; un 0: none */
		int	 hit;		/* a hit that makes sessions */
	}		 e[NIGHT_BATCH];
	char		 bytes[NIGHT_BATCH * 96];
};
void	night_batch_init(struct night_batch *, struct night *);
/* A hit: its vid, and its link and time if it makes sessions (page
 * hits with a method and status 200-399, as revisit-sessionize takes). */
void	night_batch_see(struct night_batch *, const struct hit *);
/*
 * The same for a links file: only the vids a hit that makes sessions
 * links to a uid are added (every other vid's person is its uid in the
 * state, or itself, which the join knows without it); every hit counts
 * in latest, nhits and vidsum.
 */
void	night_batch_see_link(struct night_batch *, const struct hit *);
/* A vid, and its latest uid at ts (un 0: none): a link record's. */
void	night_batch_link(struct night_batch *, const char *vid, size_t vn,
	    const char *uid, size_t un, int64_t ts);
void	night_batch_flush(struct night_batch *);

void	night_init(struct night *);
void	night_free(struct night *);
/*
 * The night's link records (schemas/shard.md): one per vid in the order
 * they came, with its uid and when if it has one, then the "links" record
 * with the latest time of a hit that makes sessions, and the hits' count
 * and vid sum.
 */
void	night_links_put(const struct night *, struct wbuf *);

#endif
