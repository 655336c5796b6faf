/*
 * attribute.h - revisit-attribute: conversions from the purchases in
 * session records, each credited to the sessions that led to it under
 * the models of DESIGN.md, with earlier nights' sessions and orders
 * from the visitor state.
 */
#ifndef REVISIT_ATTRIBUTE_H
#define REVISIT_ATTRIBUTE_H

#include <stddef.h>
#include <stdint.h>

#include "wbuf.h"

struct at_opts {
	const char	*state;		/* state directory, or NULL */
	unsigned	 models;	/* bit (1 << enum model) per model */
	int64_t		 lookback;	/* ms */
	int64_t		 half_life;	/* ms */
	const char	*report;	/* text table, "-" = stderr */
	const char	*report_json;
	const char	*conversions_out;	/* also the conversion records,
						 * alone, to this file */
	const char	*sums_out;	/* the report's sums, to this file */
	int		 progress, quiet;
};

/* The report (--report, --report-json) of the conversion records and
 * attribution_sums records read, made earlier (a sharded night's), and
 * with out the conversions alone. Returns an exit status. */
int	at_report_conversions(char *const *paths, size_t npaths,
	    const char *out, const struct at_opts *);

/* Returns an exit status. */
int	at_run(char *const *paths, size_t npaths, struct wbuf *out,
	    const struct at_opts *);

#endif
