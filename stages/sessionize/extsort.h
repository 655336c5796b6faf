/*
 * extsort.h - a spool of compact hits on disk, sorted externally: runs
 * that fit in a memory budget are sorted and written, then merged.
 */
#ifndef REVISIT_EXTSORT_H
#define REVISIT_EXTSORT_H

#include <stddef.h>
#include <stdint.h>

#include "chit.h"

struct spool;

/*
 * A new spool: in memory up to budget bytes, then in a temporary file
 * under tmpdir (removed on exit).
 */
struct spool	*spool_new(const char *tmpdir, size_t budget);
void		 spool_add(struct spool *, const struct chit *);
uint64_t	 spool_count(const struct spool *);
/*
 * Call fn with every chit added, in chit_cmp order, using about limit
 * bytes of memory for sorting. *nruns gets the number of sorted runs.
 * Returns 0, or -1 after a message on a read or write error.
 */
int		 spool_sort(struct spool *, size_t limit,
		    void (*fn)(void *arg, const struct chit *), void *arg,
		    unsigned *nruns);
void		 spool_free(struct spool *);

/* A temporary file under tmpdir, already unlinked; dies on failure. */
int		 tmpfile_in(const char *tmpdir, const char *what);

#endif
