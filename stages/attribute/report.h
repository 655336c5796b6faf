/*
 * report.h - the attribution report: per model, conversions (summed
 * credit) and revenue (credit times value) by channel and by
 * source / medium / campaign, per currency; as text and as JSON.
 */
#ifndef REVISIT_AT_REPORT_H
#define REVISIT_AT_REPORT_H

#include "session.h"

struct report;

struct report	*report_new(unsigned models);
/* One touchpoint's share of a conversion under model m. */
void		 report_add(struct report *, int m, struct sv channel,
		    struct sv source, struct sv medium, struct sv campaign,
		    struct sv currency, double credit, double value);
/* A conversion (once, whatever the models); none: no touchpoint. */
void		 report_conversion(struct report *, struct sv currency,
		    double value, int none);
/* Write text ("-": stderr) and/or JSON; NULL skips. 0 or -1. Once:
 * nothing can be added after. */
int		 report_write(struct report *, const char *text,
		    const char *json);
void		 report_free(struct report *);

#endif
