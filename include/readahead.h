/*
 * readahead.h - a thread that reads a pipe ahead of its reader.
 *
 * In a pipeline of stages on fewer cores than stages, a stage whose
 * input pipe is full blocks, and so does everything before it, while the
 * stage after it may be waiting too: cores go idle. A kernel pipe cannot
 * be made deep enough (its pages are freed and faulted again as they are
 * used), so the reading stage keeps a deep buffer of its own instead: a
 * thread reads the pipe into a ring of blocks as soon as data arrives,
 * and the stage takes the blocks in order. Nothing is copied twice:
 * each block keeps RA_HEAD bytes free before its data, where the reader
 * puts the unread end of the previous block, so records stay contiguous.
 */
#ifndef REVISIT_READAHEAD_H
#define REVISIT_READAHEAD_H

#include <stddef.h>
#include <sys/types.h>

#define RA_HEAD		(64u << 10)	/* room before each block's data */
#define RA_BLOCK	(512u << 10)	/* data per block */
#define RA_DEPTH	32		/* blocks at most */
/* Memory first touched costs page faults: more than the three blocks
 * that keep reader and thread apart only once the input proved long. */
#define RA_SHORT	3
#define RA_GROW_AFTER	(64u << 20)

struct ra;

/* Whether fd is a pipe or a socket: what reading ahead is for. */
int	ra_wanted(int fd);

/*
 * Start reading fd ahead. NULL if no thread could be started (then read
 * fd as usual).
 */
struct ra *ra_start(int fd);

/*
 * The next block: its data at *p (with RA_HEAD bytes free before it),
 * its length returned; 0 at the end of input, -1 on a read error (errno
 * set). The block returned last time stays valid until the next call.
 */
ssize_t	ra_next(struct ra *, char **p);

/* Stop the thread (what it read ahead is dropped) and free everything. */
void	ra_stop(struct ra *);

#endif
