/*
 * parse.h - revisit-parse: access log lines in, hit records out.
 */
#ifndef REVISIT_PARSE_H
#define REVISIT_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "hitbuild.h"
#include "logfmt.h"
#include "wbuf.h"

struct parse_opts {
	const char	*format;	/* preset, format string, "auto" */
	struct lf_opts	 lf;
	struct hb_opts	 hb;
	const char	*bots_path;	/* replaces the shipped list */
	const char	*rejects_path;	/* raw rejected lines, or NULL */
	const char	*links_path;	/* the hits' links, or NULL */
	int64_t		 since, until;	/* hits outside [since, until) are
					 * rejects (INT64_MIN, INT64_MAX: all) */
	double		 max_reject_ratio;
	long		 max_warnings;	/* reject messages shown per input */
	int		 lean;		/* --lean: only what sessionize reads */
	int		 progress, quiet;
};

/* The defaults the options document: format guessed, cookie_vid and
 * cookie_uid, a 1% reject ratio, 10 messages an input, every time. */
void	parse_opts_init(struct parse_opts *);
void	parse_opts_free(struct parse_opts *);	/* the repeatable lists */
/* The command line into *o and *output (usage errors exit 64; --help
 * and --version exit 0); the inputs start at optind. */
void	parse_options(int argc, char *argv[], struct parse_opts *o,
	    const char **output);

/*
 * Parse each path ("-" for stdin; none means stdin) and write hit records
 * to out. Returns an exit status: EX_OK; EX_DATAERR when rejects exceed
 * the ratio; EX_NOINPUT, EX_IOERR; EX_USAGE for a bad format.
 */
int	parse_run(char *const *paths, size_t npaths, struct wbuf *out,
	    const struct parse_opts *);

/*
 * Pick the preset that reads line whole (combined_vid, vcombined,
 * combined, common, or json for an object); NULL if none does.
 */
const char	*parse_guess_format(const char *line, size_t len,
		    const struct lf_opts *);

#endif
