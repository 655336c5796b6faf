/*
 * identity.h - DESIGN.md's identity, in one place for revisit-attribute
 * and revisit-state, which must agree on it: a vid is linked to the uid
 * of its latest hit carrying one; a person is that uid, else the vid.
 * And the order in which purchases are counted, for the same reason.
 */
#ifndef REVISIT_IDENTITY_H
#define REVISIT_IDENTITY_H

#include <stdint.h>

#include "session.h"
#include "strtab.h"

/* A vid's link from tonight's sessions. */
struct vlink {
	uint32_t	 uid;		/* id in a strtab of uids, or NONE */
	int64_t		 end, start;	/* of the session that gave it */
	uint64_t	 sid;
};

void	vlink_init(struct vlink *);
/* A session of the vid (start, end, sid) that carried uid (its latest):
 * the latest session wins, by end, then start, then sid. */
void	vlink_see(struct vlink *, uint32_t uid, int64_t start, int64_t end,
	    uint64_t sid);

/* A person's id in t, whose entries are "u" or "v" and the key: a uid
 * and a vid of the same bytes are two persons. find: STRTAB_NONE if
 * absent; intern adds it (*added says so). */
uint32_t person_find(const struct strtab *t, struct sv key, int is_uid);
uint32_t person_intern(struct strtab *t, struct sv key, int is_uid,
	    int *added);

/* Purchases in the order they count: by time, then order id; an order
 * id counts at its first purchase. */
int	buy_cmp_at(int64_t ats, struct sv aid, int64_t bts, struct sv bid);

#endif
