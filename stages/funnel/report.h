/*
 * report.h - the funnel report: per stage, sessions and visitors that
 * reached it and the drop-off from the stage before, for the open funnel
 * (reached at all) and the closed one (reached after every earlier stage,
 * in order); as a text table and as JSON.
 */
#ifndef REVISIT_REPORT_H
#define REVISIT_REPORT_H

#include <stddef.h>

#include "rules.h"

struct report;

struct report	*report_new(const struct rules *);
/* A session: bit i of reached for stage i; closed = stages reached in
 * order (0..closed-1); its visitor. */
void		 report_add(struct report *, unsigned reached, unsigned closed,
		    const char *vid, size_t n);
/* Write the table to text ("-": stderr) and/or JSON; NULL skips. */
int		 report_write(const struct report *, const char *text,
		    const char *json);
void		 report_free(struct report *);

#endif
