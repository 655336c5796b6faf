/*
 * timeparse.h - access-log timestamps to UTC milliseconds since the epoch.
 * All parsers take a pointer and a length (no NUL needed) and return 0, or
 * -1 when the text is not a valid time of that form.
 */
#ifndef REVISIT_TIMEPARSE_H
#define REVISIT_TIMEPARSE_H

#include <stddef.h>
#include <stdint.h>

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
int64_t	days_from_civil(int64_t y, unsigned m, unsigned d);
/* Inverse: the civil date of a day number. */
void	civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d);

/*
 * A cache for time_parse_clf: consecutive log lines share their date and
 * hour, so the calendar arithmetic runs once per minute of log, not once
 * per line. Zero-initialise before first use.
 */
struct clf_cache {
	char	 key[17];	/* "10/Oct/2000:13:55" */
	char	 zone[5];	/* "-0700" */
	int	 valid;
	int64_t	 base;		/* UTC ms of key:00 in zone */
};

/* "10/Oct/2000:13:55:36 -0700" (nginx $time_local, Apache %t). */
int	time_parse_clf(const char *s, size_t n, struct clf_cache *, int64_t *ms);
/* "2000-10-10T13:55:36-07:00", "...Z", "...+0200", fractional seconds too;
 * a space may stand for the 'T'. Without a zone the time is UTC. */
int	time_parse_iso8601(const char *s, size_t n, int64_t *ms);
/* Seconds since the epoch with an optional fraction ("1728568536.123"),
 * scaled: unit 1 for seconds, 1000 for ms, 1000000 for us. */
int	time_parse_epoch(const char *s, size_t n, int unit, int64_t *ms);
/* W3C extended log: date "2024-06-03" and time "13:15:21[.fff]", UTC. */
int	time_parse_w3c(const char *date, size_t dn, const char *time,
	    size_t tn, int64_t *ms);
/* A time given on the command line (NUL-terminated): epoch milliseconds
 * if all digits, else ISO 8601 as above. */
int	time_parse_when(const char *s, int64_t *ms);
/* Format ms as "2024-06-03T13:15:21.000Z" into buf (32 bytes). */
void	time_format_iso(int64_t ms, char *buf);

#endif
