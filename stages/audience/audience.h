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
};

/* Returns an exit status. */
int	au_run(const struct au_opts *);

#endif
