/*
 * audience.h - revisit-audience: the persons of the visitor state who
 * meet each audience's definition now, written as one list per
 * audience (a header record, then its members).
 */
#ifndef REVISIT_AUDIENCE_H
#define REVISIT_AUDIENCE_H

#include <stddef.h>
#include <stdint.h>

#include "spec.h"

struct au_opts {
	const char		*state;		/* state directory */
	const char		*out;		/* directory of the lists; NULL:
						   all of them to stdout */
	const struct spec	*spec;
	int64_t			 now;		/* 0: the state's */
	const char		*opt_out;	/* file of uids and vids */
	size_t			 min_size;
	int			 quiet;
	const char		*ranks_out;	/* write the rankings only */
	const char		**ranks;	/* rank from these files */
	size_t			 nranks;
};

/* The revenues a "top N%" condition ranks (per condition, in the
 * rules' order; others empty). Shards of one state each write theirs
 * (ranks_write), and each ranks its persons among all of them
 * (ranks_read), so that the top 10% is the whole site's. */
struct revs {
	double		*v;
	size_t		 n, cap;
};

int	ranks_write(const char *path, const struct revs *, size_t ncond);
/* Add path's revenues to revs[ncond]; an exit status after a message
 * (not a rankings file, or one of other rules). */
int	ranks_read(const char *path, struct revs *, size_t ncond);

/* Returns an exit status. */
int	au_run(const struct au_opts *);

#endif
