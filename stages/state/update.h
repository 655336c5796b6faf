/*
 * update.h - revisit-state --update: the visitor state merged with a
 * night's session records into the state's next generation.
 */
#ifndef REVISIT_UPDATE_H
#define REVISIT_UPDATE_H

#include <stddef.h>
#include <stdint.h>

#include "person.h"
#include "wbuf.h"

struct up_opts {
	const char	*dir;
	struct keep	 keep;		/* 0 fields: the state's, else default */
	int64_t		 now;		/* 0: the latest session end */
	size_t		 shards;	/* 0: the state's (grown when large) */
	const char	*opt_out;	/* file of uids and vids, or NULL */
	int		 compact;	/* write a new base, not a delta */
	int		 progress, quiet;
};

/* Returns an exit status. */
int	up_run(char *const *paths, size_t npaths, struct wbuf *out,
	    const struct up_opts *);

#endif
