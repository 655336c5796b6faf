/*
 * reorder.h - the reorder window of revisit-sessionize: hits that
 * servers logged a little out of step, put back in time order within
 * --max-disorder, in memory bounded by the window.
 *
 * It is a ring of one-second buckets: a hit goes into the bucket of its
 * second, and a bucket is released, its few hits sorted (chit_cmp), once
 * the latest time seen is the window past the end of its second. A hit
 * whose second was already released is behind the window: streaming can
 * no longer be right.
 */
#ifndef REVISIT_REORDER_H
#define REVISIT_REORDER_H

#include <stddef.h>
#include <stdint.h>

#include "chit.h"

/* Where released hits go, in time order; the callee owns each. */
typedef void (*reorder_emit)(void *arg, struct chit *);

struct reorder {
	struct rbucket {
		struct chit	**v;
		size_t		  n, cap;
	}			*ring;
	size_t			 nring, n;	/* buckets; hits held */
	int64_t			 window;	/* ms */
	int64_t			 base;		/* first second not released */
	int			 started;
	int64_t			 maxts;		/* latest time seen */
	reorder_emit		 emit;
	void			*arg;
};

void	reorder_init(struct reorder *, int64_t window, reorder_emit, void *arg);
/* Whether a hit at ts comes too late: its second was released. */
int	reorder_behind(const struct reorder *, int64_t ts);
/* The time (ms) up to which hits were released, for messages. */
int64_t	reorder_released(const struct reorder *);
/* Hold c; release the seconds the window has now passed. */
void	reorder_add(struct reorder *, struct chit *c);
/* Release every hit held (the end of the input). */
void	reorder_flush(struct reorder *);
/* Forget every hit held, each given to drop(arg, c), and start over. */
void	reorder_clear(struct reorder *, reorder_emit drop, void *arg);
void	reorder_free(struct reorder *);

#endif
