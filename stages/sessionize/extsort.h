/*
 * extsort.h - a spool of compact hits, sorted externally: chunks that
 * fit in a memory budget are sorted and written as runs, then merged.
 */
#ifndef REVISIT_EXTSORT_H
#define REVISIT_EXTSORT_H

#include <stddef.h>
#include <stdint.h>

#include "chit.h"

struct spool;

/*
 * A new spool: chunks of budget bytes in memory, each sorted and written
 * as a run under tmpdir (removed on exit) when full.
 */
struct spool	*spool_new(const char *tmpdir, size_t budget);
void		 spool_add(struct spool *, const struct chit *);
uint64_t	 spool_count(const struct spool *);
/*
 * Call fn with every chit added, in chit_cmp order (limit is unused: the
 * budget bounds memory). *nruns gets the number of sorted runs. Returns
 * 0, or -1 after a message on a read or write error.
 */
int		 spool_sort(struct spool *, size_t limit,
		    void (*fn)(void *arg, const struct chit *), void *arg,
		    unsigned *nruns);
void		 spool_free(struct spool *);

/* A temporary file under tmpdir, already unlinked; dies on failure. */
int		 tmpfile_in(const char *tmpdir, const char *what);

#endif
