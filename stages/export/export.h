/*
 * export.h - revisit-export: audience lists or diffs to the files ad
 * platforms' upload APIs take (schemas/export.md).
 */
#ifndef REVISIT_EXPORT_H
#define REVISIT_EXPORT_H

#include <stddef.h>

enum format { F_GOOGLE_DM, F_GOOGLE_CSV, F_META, F_CSV, NFORMAT };

struct export_opts {
	char *const	*inputs;	/* none: stdin */
	size_t		 ninputs;
	const char	*out;		/* the directory */
	unsigned	 formats;	/* bit per enum format */
	const char	*crm, *opt_out;	/* files, or NULL */
	const char	*country;	/* calling code of national numbers */
	size_t		 batch;		/* entries per file */
	const char	*google_account;	/* "TYPE:ID", or NULL */
	const char	**list_ids;	/* "NAME=ID" */
	size_t		 nlist_ids;
	int		 quiet;
};

/* The format named s, or -1. */
int	format_by_name(const char *s, size_t n);
/* A comma-separated list of format names as bits; dies with EX_USAGE
 * on an unknown one. */
unsigned formats_parse(const char *s);
/* Returns an exit status. */
int	export_run(const struct export_opts *);

#endif
