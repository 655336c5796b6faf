/*
 * decompress.h - revisit-decompress: the files named (or stdin),
 * decompressed and unpacked, written to one stream in order.
 */
#ifndef REVISIT_DECOMPRESS_H
#define REVISIT_DECOMPRESS_H

#include <stddef.h>

#include "wbuf.h"

struct dc_opts {
	const char	**members;	/* --member globs (borrowed), or NULL */
	size_t		  nmembers;
	int		  list;		/* --list: describe, write no data */
	int		  mark;		/* --mark: "#revisit-input NAME" lines */
	double		  max_ratio;	/* an input's output over its size
					 * beyond this is an error; 0: none */
	int		  engine;	/* INFLATE_ISAL or INFLATE_ZLIB */
	int		  progress;	/* --progress */
	int		  quiet;	/* no summary line */
};

/*
 * Decompress each path ("-" is stdin) in turn to out (or, with list, a
 * table of what would be read). Damaged inputs are reported on stderr
 * with their name and offset, after everything readable from them has
 * been written. Returns an exit status: EX_OK, EX_DATAERR (truncated or
 * corrupt input), EX_NOINPUT (an input could not be opened), EX_IOERR.
 */
int	dc_run(char *const *paths, size_t npaths, struct wbuf *out,
	    const struct dc_opts *);

/* The format of data starting with these bytes ("gzip", "tar", "text"). */
const char	*dc_sniff(const unsigned char *p, size_t n);

#endif
