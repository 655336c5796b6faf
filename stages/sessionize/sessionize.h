/*
 * sessionize.h - revisit-sessionize: hit records in, session records out;
 * records of other types pass through.
 */
#ifndef REVISIT_SESSIONIZE_H
#define REVISIT_SESSIONIZE_H

#include <stddef.h>
#include <stdint.h>

#include "traffic.h"
#include "wbuf.h"

enum sz_mode {
	SZ_AUTO,	/* stream; sort externally if the input needs it */
	SZ_SORT,	/* sort externally from the start */
	SZ_STREAM	/* stream; fail if the input is too far out of order */
};

struct sz_opts {
	int64_t			 timeout;	/* ms, default 30 min */
	int64_t			 max_disorder;	/* ms, default 5 min */
	int			 campaign_split;
	enum sz_mode		 mode;
	const char		*tmpdir;
	size_t			 memory_limit;	/* bytes */
	struct traffic_ctx	 tc;
	int			 progress, quiet;
	struct sz_result	*result;	/* if set, how the run went */
};

/* How a run ordered its hits, for tests and the summary line. */
struct sz_result {
	int		 sorted;	/* by the external sort */
	size_t		 parts;		/* time-ordered parts merged, or 0 */
	uint64_t	 copied;	/* bytes of piped input kept in --tmpdir */
	const char	*why;		/* of sorting: "--sort", "memory" or
					   "out of order"; NULL */
	int		 while_merging;	/* the sort came while merging parts */
};

/*
 * Read the records of paths ("-" is stdin; none means stdin), write the
 * sessions to out in (start, vid) order, then the other records in input
 * order. Returns an exit status.
 */
int	sz_run(char *const *paths, size_t npaths, struct wbuf *out,
	    const struct sz_opts *);

#endif
