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
/*
 * The sums as one record, "attribution_sums" (schemas/conversion.md),
 * written atomically to path: a shard's report before the shards are
 * added up. 0, or -1 after a message. Call it before report_write.
 */
int		 report_write_sums(struct report *, const char *path);
/*
 * Add a sums record's rows and totals (models the report leaves out are
 * skipped): the report is then the one of all the conversions behind
 * it, whatever the order. 0, or -1 for a record that is not one.
 */
int		 report_add_sums(struct report *, const char *rec, size_t len);
void		 report_free(struct report *);

#endif
