/*
 * extsort.h - a spool of records sorted externally: chunks that fit in a
 * memory budget are sorted and written as runs, then merged. A record is
 * a block of bytes whose first four are its length (a uint32_t, the
 * block's own included; a multiple of 8, so records stay aligned), as a
 * struct chit is.
 */
#ifndef REVISIT_EXTSORT_H
#define REVISIT_EXTSORT_H

#include <stddef.h>
#include <stdint.h>

struct spool;

/*
 * The order of a spool: records by key, then those of equal keys by cmp
 * (a total order; it may cache in the records, as chit_cmp does). The
 * key is the cheap part: most comparisons end there.
 */
typedef uint64_t (*spool_key)(const void *rec);
typedef int	(*spool_cmp)(void *a, void *b);

/*
 * A new spool: chunks of budget bytes (held to 4 to 16 MiB) in memory,
 * each sorted and written as a run under tmpdir (removed on exit) when
 * full.
 */
struct spool	*spool_new(const char *tmpdir, size_t budget, spool_cmp cmp,
		    spool_key key);
/* Add a copy of rec (its length is its first four bytes). */
void		 spool_add(struct spool *, const void *rec);
uint64_t	 spool_count(const struct spool *);
/* Runs merged at once (128); tests set it low to see every level. */
void		 spool_fanin(struct spool *, unsigned n);
/*
 * Call fn with every record added, in order. *nruns gets the number of
 * sorted runs. Returns 0, or -1 after a message on a read or write
 * error.
 */
int		 spool_sort(struct spool *, void (*fn)(void *arg, void *rec),
		    void *arg, unsigned *nruns);
void		 spool_free(struct spool *);

/* A temporary file under tmpdir, already unlinked; dies on failure. */
int		 tmpfile_in(const char *tmpdir, const char *what);

#endif
