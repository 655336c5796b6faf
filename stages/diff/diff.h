/*
 * diff.h - revisit-diff: what changed between two nights' audience
 * lists, as the members to add and to remove (schemas/diff.md).
 */
#ifndef REVISIT_DIFF_H
#define REVISIT_DIFF_H

struct diff_opts {
	const char	*old, *new;	/* list files ("-": stdin) */
	const char	*out;		/* NULL: stdout */
	int		 quiet;
};

/* Returns an exit status. */
int	diff_run(const struct diff_opts *);

#endif
