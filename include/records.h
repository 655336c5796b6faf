/*
 * records.h - the loop of every stage that reads records: each input
 * (stdin when there are none) opened and cut into records, each handed
 * to a function; inputs that cannot be opened or read are reported and
 * become the exit status.
 */
#ifndef REVISIT_RECORDS_H
#define REVISIT_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "prog.h"

struct records {
	struct progress	 prog;
	uint64_t	 ticks;
	uint64_t	 n;		/* records read, all inputs */
	const char	*name;		/* the input being read */
	uint64_t	 nrec;		/* its records so far */
};

/*
 * Each record of paths[] (none: stdin) to fn(arg, rec, len, r); r tells
 * where it came from. Progress per --progress. Returns EX_OK, or the
 * worst of EX_NOINPUT, EX_DATAERR (a cut or bad record), EX_IOERR.
 */
int	records_each(char *const *paths, size_t npaths, int progress,
	    void (*fn)(void *arg, const char *rec, size_t len,
	    const struct records *r), void *arg, struct records *r);

/*
 * The same, each record read where it lies in the input's buffer, in the
 * walk that finds its end (mpr_scan, mpc.h: scan gives 0 and its length,
 * MPC_SHORT, or MPC_BAD). Then fn(arg, rec, len, scanned, r): scanned 1
 * if scan read it, else 0 with the record framed on its own (a bad one
 * ends the input, as in records_each).
 */
int	records_scan(char *const *paths, size_t npaths, int progress,
	    int (*scan)(void *arg, const char *p, size_t avail, size_t *len),
	    void (*fn)(void *arg, const char *rec, size_t len, int scanned,
	    const struct records *r), void *arg, struct records *r);

#endif
