/*
 * merge.h - revisit-merge: the audience lists of a sharded run's shards
 * made one list each, as one process over the whole state would have
 * written them (schemas/shard.md).
 */
#ifndef REVISIT_MERGE_H
#define REVISIT_MERGE_H

#include <stddef.h>

struct merge_opts {
	const char	*out;		/* directory of the merged lists */
	char *const	*dirs;		/* one per shard */
	size_t		 ndirs;
	size_t		 min_size;
	int		 quiet;
};

/* Returns an exit status. */
int	merge_run(const struct merge_opts *);

#endif
