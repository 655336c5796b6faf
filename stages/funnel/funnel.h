/*
 * funnel.h - revisit-funnel: tag sessions with the funnel stages they
 * reached, the skus viewed and carted, and their purchases.
 */
#ifndef REVISIT_FUNNEL_H
#define REVISIT_FUNNEL_H

#include <stddef.h>

#include "rules.h"
#include "wbuf.h"

struct fn_opts {
	struct rules	*rules;
	const char	*currency;	/* when a purchase logs none */
	const char	*report;	/* text table file, "-" = stderr */
	const char	*report_json;
	int		 progress, quiet;
};

/* Returns an exit status. */
int	fn_run(char *const *paths, size_t npaths, struct wbuf *out,
	    const struct fn_opts *);

#endif
