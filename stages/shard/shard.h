/*
 * shard.h - revisit-shard: hit records to N shards by person, so that
 * each shard runs the unchanged stages on its own part of the night and
 * its own part of the state (schemas/shard.md).
 */
#ifndef REVISIT_SHARD_H
#define REVISIT_SHARD_H

#include <stddef.h>
#include <stdint.h>

#include "night.h"
#include "session.h"
#include "strtab.h"

#define SHARD_MAX	1024

struct shard_opts {
	size_t		 n;		/* shards */
	const char	*out;		/* directory of hits-K.mp */
	const char	*state;		/* the sharded state, or NULL */
	int		 per_input;	/* hits-K-I.mp per input I */
	const char	*routes;	/* --route: the join's table */
	const char	*links;		/* --route --links: to check with */
	size_t		 index;		/* --route: I of hits-K-I.mp */
	int		 quiet, progress;
};

/* Returns an exit status. */
int	shard_run(char *const *paths, size_t npaths, const struct shard_opts *);
/* The state in from (one process's, or sharded) written as n shards
 * into the new directory to. Returns an exit status. */
int	shard_reshard(const char *from, const char *to, size_t n, int quiet);

/* The three phases (phases.c): each input's links to out; the links of
 * every input joined (with o->state) into o->out/routes and now; and
 * (shard_run with o->routes) each input routed by that table. */
int	shard_links(char *const *paths, size_t npaths, const char *out,
	    int quiet);
int	shard_join(char *const *paths, size_t npaths, const struct shard_opts *);
struct routes;
struct routes *routes_open(const char *path, size_t nshards, int *status);
/* The shard of the vid whose XXH3-64 is h, or -1 if the table lacks it:
 * the table holds only the vids not routed to their own shard. */
long	routes_find(const struct routes *, uint64_t h);
void	routes_close(struct routes *);

/* dir/now: the night's end, for every shard's --now. */
int	shard_write_now(const char *dir, int64_t now);

/* ---- between shard.c and move.c ---- */

/* Each vid's shard among n (v->to); how many are linked tonight. */
unsigned long long night_settle(struct night *, size_t n);

struct shard_states;

/* The states of root/shard-0 ... shard-(n-1), opened and locked; NULL
 * after a message, *status set. */
struct shard_states *shard_states_open(const char *root, size_t n,
	    int *status);
/* The latest end of the period any of them covers (0: none). */
int64_t	shard_states_now(const struct shard_states *);
/* Pass over every person of every shard: the state's side of each
 * tonight's vid (from, state_uid); with all, also every vid of a uid's
 * person that is not in its own shard (for a routes table of only the
 * vids not routed by themselves). 0 or an exit status. */
int	shard_states_links(struct shard_states *, struct night *, int all);
/* Devices whose person is in another shard tonight moved there, as a
 * new generation of the shards concerned. *moved: how many. 0 or an
 * exit status. */
int	shard_states_move(struct shard_states *, const struct night *,
	    unsigned long long *moved);
void	shard_states_close(struct shard_states *);

#endif
