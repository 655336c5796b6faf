/*
 * report.h - revisit-report: a night's summary (sessions, funnel,
 * channels, attributed conversions), the customers of the visitor state,
 * and the HTML report made of both and of earlier nights.
 */
#ifndef REVISIT_REPORT_H
#define REVISIT_REPORT_H

#include <stddef.h>
#include <stdint.h>

#define MAX_MODELS	8
#define MAX_STAGES	32
#define COHORTS		12	/* months of first purchase shown */

struct chan {
	char		*name;
	uint64_t	 sessions, buying;	/* buying: with a purchase */
	double		 conv[MAX_MODELS], rev[MAX_MODELS];
	/* While a night is added up: credits in 1e-9, money in 1e-6, as
	 * integers, so that the sum is the same in any order (a sharded
	 * night's records come in another order than one process's). */
	int64_t		 convq[MAX_MODELS], revq[MAX_MODELS];
};

struct fstage {
	char		*name;
	uint64_t	 sessions, closed, visitors;
};

/* A night's summary (schemas/summary.md), or several nights' added. */
struct sreach {			/* sessions that reached these stages */
	uint64_t	 bits;		/* bit i: st[i] */
	uint64_t	 n;
};

struct summary {
	int64_t		 from, to;	/* first session start, last end */
	uint64_t	 sessions, visitors, buying, orders;
	double		 revenue;
	char		 currency[16];
	struct fstage	 st[MAX_STAGES];
	size_t		 nst;
	char		*models[MAX_MODELS];
	size_t		 nmodels;
	struct chan	*ch;
	size_t		 nch, capch;
	unsigned	 nights;	/* summaries added */
	/* So that summaries add up (a sharded night's, shard by shard):
	 * per stage, the stages some session reached before it; the sets
	 * of stages sessions reached. Bits are indexes in st[]. */
	uint64_t	 after[MAX_STAGES];
	struct sreach	*reached;
	size_t		 nreached;
};

void	summary_free(struct summary *);
/* Read records (sessions, conversions) and write their summary record
 * to out (NULL: stdout). Returns an exit status. */
int	summarize(char *const *paths, size_t npaths, const char *out,
	    int quiet);
/* Add the summary record in file path to s: 0, 1 if there is none,
 * or an exit status after a message. */
int	summary_load(struct summary *s, const char *path);

/* What the state says about customers, as of its now. */
struct customers {
	int64_t		 now;
	int		 days;		/* the period: now - days .. now */
	uint64_t	 persons, customers, repeat, orders;
	uint64_t	 prev_customers, churned;
	double		 revenue;
	int		 first_month;	/* of the cohorts: year * 12 + month */
	uint64_t	 cohort[COHORTS];		/* customers */
	uint64_t	 again[COHORTS][COHORTS];	/* bought in month m */
};

/* Returns an exit status. */
int	customers_from_state(struct customers *, const char *dir, int days);

/* An audience's sizes over the nights (index: night, oldest first). */
struct asize {
	char		*name;
	int64_t		*count;		/* -1: no list that night */
};

struct history {
	char		**days;		/* "YYYY-MM-DD", oldest first */
	size_t		 ndays;
	struct asize	*aud;
	size_t		 naud;
};

/* The nights of output directory dir before day (at most n - 1 of them),
 * then tonight (audience lists in dir tonight_audiences). Returns an
 * exit status. */
int	history_load(struct history *, const char *dir, const char *day,
	    int n, const char *tonight_audiences);
void	history_free(struct history *);

struct report_in {
	const char		*day;
	const struct summary	*night, *period;
	const struct customers	*cust;
	const struct history	*hist;
};

/* The HTML page to path, atomically. Returns an exit status. */
int	report_html(const struct report_in *, const char *path);

struct report_opts {
	const char	*state;		/* the visitor state */
	const char	*night;		/* tonight's summary */
	const char	*history;	/* the nightly job's output directory */
	const char	*audiences;	/* tonight's lists */
	const char	*day;		/* NULL: the state's now */
	int		 nights;	/* the period, in days */
	const char	*out;
	int		 quiet;
};

/* Returns an exit status. */
int	report_run(const struct report_opts *);

#endif
