/*
 * prog.h - what every revisit stage shares at the process level: its name,
 * diagnostics on stderr in one shape, exit codes, progress lines, and
 * a checked stdout.
 *
 * Diagnostics look like "revisit-parse: access.log:1042: bad timestamp '...'".
 * A format string ending in ':' gets ": strerror(errno)" appended.
 */
#ifndef REVISIT_PROG_H
#define REVISIT_PROG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sysexits.h>

#define REVISIT_VERSION "0.1.0"

extern const char *prog_name;	/* "revisit-parse"; set by prog_init() */

void	prog_init(const char *argv0);
/*
 * For a stage that holds much in memory: fewer, larger page faults.
 * The heap's first `advised` bytes (64 MiB at least) may use 2 MiB pages;
 * PROG_HEAP_STATE for revisit-state, whose update grows its heap by
 * reallocs of many persons at once.
 */
#define PROG_HEAP_NIGHT	((size_t)64 << 20)
#define PROG_HEAP_STATE	((size_t)512 << 20)
void	prog_big_heap(size_t advised);
void	warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	warn_at(const char *file, long long line, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
_Noreturn void die(int status, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
_Noreturn void print_version(void);

/* Worst of two exit statuses: any failure beats EX_OK, higher codes win. */
int	status_merge(int a, int b);

/* Print a stage's usage text (to stdout for EX_OK, else stderr); exit. */
_Noreturn void usage_exit(const char *text, int status);

/*
 * Open an input operand for reading: "-" is stdin. *name is set to what
 * messages call it ("<stdin>" or the path). On failure, warn and return
 * -1 (the caller records EX_NOINPUT and goes on with the next input).
 */
int	input_open(const char *path, const char **name);
/* The whole of a (configuration) file; dies with EX_NOINPUT or EX_IOERR.
 * The caller frees it. */
char	*read_file(const char *path, size_t *len);

/* Close an input_open descriptor (stdin stays open). */
void	input_close(int fd);

/* realloc, or die with EX_OSERR. */
void	*xrealloc(void *p, size_t n);
/* calloc, or die with EX_OSERR (never NULL, even for n = 0). */
void	*xcalloc(size_t n, size_t size);
/* Room for element n of an array of *cap elements of size bytes:
 * doubled (from 8) when needed, the new room zeroed. */
void	*grow_array(void *v, size_t *cap, size_t n, size_t size);
/* strdup, or die with EX_OSERR. */
char	*xstrdup(const char *s);
/* Create directory dir if it is not there: EX_OK, or EX_CANTCREAT after
 * a message ("DIR: cannot create WHAT: ..."). */
int	output_dir(const char *dir, const char *what);
/* The n bytes at s and a NUL, malloc'd (dies with EX_OSERR). */
char	*xstrndup(const char *s, size_t n);
/* 1 if the C string w occurs in the n bytes at s. */
int	mem_has(const char *s, size_t n, const char *w);
/* A formatted string, malloc'd (dies with EX_OSERR). */
char	*xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "dir/name", malloc'd (dies with EX_OSERR). */
char	*path_join(const char *dir, const char *name);
/* Append s to the growing array *v of *n strings (for repeatable options). */
void	strv_push(const char ***v, size_t *n, const char *s);

/* Parse helpers for options; they die with EX_USAGE on a bad value. */
long long	parse_count(const char *opt, const char *s);
double		parse_ratio(const char *opt, const char *s);
/* "30m", "1800s", "1800" (seconds), "1.5h", "7d", "250ms" in ms: 0, or
 * -1 if it is not a duration. */
int		duration_parse(const char *s, long long *ms);
/* "30m", "1800s", "1800" (seconds), "1.5h", "7d", "250ms": milliseconds. */
long long	parse_duration(const char *opt, const char *s);
long long	parse_duration_positive(const char *opt, const char *s);
long long	parse_count_in(const char *opt, const char *s, long long lo,
		    long long hi);
/* ISO 8601 ("2024-06-03T13:15:21Z") or epoch milliseconds. */
int64_t		parse_time(const char *opt, const char *s);
/* "256M", "1G", "512k", "1048576": bytes. */
long long	parse_size(const char *opt, const char *s);
/* A directory an option names: one that looks like an option is a usage
 * error ("--update --compact DIR" would name a state "--compact"). */
const char	*parse_dir(const char *opt, const char *s);

/*
 * Progress on stderr: a line rewritten in place at most once a second,
 * with bytes/s and records/s. Enabled by --progress, or by default when
 * stderr is a terminal.
 */
struct progress {
	int	 on;
	double	 start, last;
};
void	progress_init(struct progress *, int force);
/* Cheap to call often: it looks at the clock only every 64Ki calls. */
void	progress_tick(struct progress *, uint64_t bytes, uint64_t records,
	    uint64_t *ticks);
void	progress_done(struct progress *);
double	now_seconds(void);	/* CLOCK_MONOTONIC */

#endif
