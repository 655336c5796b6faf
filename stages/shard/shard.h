/*
 * shard.h - revisit-shard: hit records to N shards by person, so that
 * each shard runs the unchanged stages on its own part of the night and
 * its own part of the state (schemas/shard.md).
 */
#ifndef REVISIT_SHARD_H
#define REVISIT_SHARD_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"
#include "strtab.h"

#define SHARD_MAX	1024

struct shard_opts {
	size_t		 n;		/* shards */
	const char	*out;		/* directory of hits-K.mp */
	const char	*state;		/* the sharded state, or NULL */
	int		 per_input;	/* hits-K-I.mp per input I */
	int		 quiet, progress;
};

/* Returns an exit status. */
int	shard_run(char *const *paths, size_t npaths, const struct shard_opts *);
/* The state in from (one process's, or sharded) written as n shards
 * into the new directory to. Returns an exit status. */
int	shard_reshard(const char *from, const char *to, size_t n, int quiet);

/* ---- between shard.c and move.c ---- */

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
};

struct shard_states;

/* The states of root/shard-0 ... shard-(n-1), opened and locked; NULL
 * after a message, *status set. */
struct shard_states *shard_states_open(const char *root, size_t n,
	    int *status);
/* The latest end of the period any of them covers (0: none). */
int64_t	shard_states_now(const struct shard_states *);
/* Pass over every person of every shard: the state's side of each
 * tonight's vid (from, state_uid). 0 or an exit status. */
int	shard_states_links(struct shard_states *, struct night *);
/* Devices whose person is in another shard tonight moved there, as a
 * new generation of the shards concerned. *moved: how many. 0 or an
 * exit status. */
int	shard_states_move(struct shard_states *, const struct night *,
	    unsigned long long *moved);
void	shard_states_close(struct shard_states *);

#endif
