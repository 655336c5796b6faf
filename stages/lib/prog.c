/*
 * prog.c - process name, diagnostics, exit statuses and progress lines
 * shared by every stage.
 */
#include "prog.h"
#include "timeparse.h"
#include "wbuf.h"

#include <errno.h>
#include <sys/stat.h>
#include <malloc.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

const char *prog_name = "revisit";

void
prog_init(const char *argv0)
{
	const char *slash = strrchr(argv0, '/'),
	    *defer = getenv("REVISIT_DEFER_SYNC");

	prog_name = slash ? slash + 1 : argv0;
	/* A caller that syncs the whole tree before publishing it (the
	 * nightly job) spares each file its own fsync. */
	if (defer != NULL && strcmp(defer, "1") == 0)
		wbuf_durable = WBUF_DEFER;
}

void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n ? n : 1)) == NULL)
		die(EX_OSERR, "out of memory");
	return p;
}

void *
grow_array(void *v, size_t *cap, size_t n, size_t size)
{
	size_t old = *cap;

	if (n < old)
		return v;
	*cap = old ? old * 2 : 8;
	if (*cap <= n)
		*cap = n + 1;
	if (*cap > SIZE_MAX / size)
		die(EX_OSERR, "out of memory");
	v = xrealloc(v, *cap * size);
	memset((char *)v + old * size, 0, (*cap - old) * size);
	return v;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		die(EX_OSERR, "out of memory");
	return p;
}

char *
xstrdup(const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		die(EX_OSERR, "out of memory");
	return d;
}

int
output_dir(const char *dir, const char *what)
{
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		warnx("%s: cannot create %s:", dir, what);
		return EX_CANTCREAT;
	}
	return EX_OK;
}

int
mem_has(const char *s, size_t n, const char *w)
{
	size_t wl = strlen(w), i;

	for (i = 0; i + wl <= n; i++)
		if (memcmp(s + i, w, wl) == 0)
			return 1;
	return 0;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p == NULL)
		die(EX_OSERR, "out of memory");
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (p = malloc((size_t)n + 1)) == NULL)
		die(EX_OSERR, "out of memory");
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

char *
path_join(const char *dir, const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

void
prog_big_heap(size_t advised)
{
	const size_t huge = 2u << 20, span = (size_t)1 << 30;
	uintptr_t at;
	void *p;

	/*
	 * Stages that hold a night in memory touch tens of MiB; on virtual
	 * machines a page fault costs microseconds, and 4 KiB pages made
	 * faults half of revisit-state's time. So: malloc grows the heap in
	 * 64 MiB steps and keeps what is freed, and the heap may use 2 MiB
	 * pages (where the kernel allows transparent huge pages on request).
	 */
	if (advised < (64u << 20))
		advised = 64u << 20;
	if (advised > span)
		advised = span;
	mallopt(M_MMAP_THRESHOLD, 256 << 20);
	mallopt(M_TRIM_THRESHOLD, (int)(advised + (512u << 20)));
	/* A helper thread (stateeach.c) allocates from this heap too, not
	 * from an arena of its own that would fault in its pages anew. */
	mallopt(M_ARENA_MAX, 1);
	/*
	 * The advice holds for the mapping as it is when given: brk grows
	 * the heap by a new mapping without it. So the heap is first mapped
	 * `advised` bytes large (address space only: nothing is resident
	 * until touched), advised whole, and grows 64 MiB at a time beyond.
	 */
	mallopt(M_TOP_PAD, (int)advised);
	if ((p = malloc(1)) == NULL)
		return;
	at = (uintptr_t)p & ~(uintptr_t)(huge - 1);
	/* Mapped parts of the range get the advice; the rest is ignored. */
	(void)madvise((void *)at, span, MADV_HUGEPAGE);
	free(p);
	mallopt(M_TOP_PAD, 64 << 20);
}

static void
vwarn(const char *prefix, const char *fmt, va_list ap)
{
	int saved = errno;
	size_t n = strlen(fmt);

	fprintf(stderr, "%s: ", prog_name);
	if (prefix)
		fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	if (n > 0 && fmt[n - 1] == ':')
		fprintf(stderr, " %s", strerror(saved));
	fputc('\n', stderr);
}

void
warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(NULL, fmt, ap);
	va_end(ap);
}

void
warn_at(const char *file, long long line, const char *fmt, ...)
{
	char prefix[512];
	va_list ap;

	snprintf(prefix, sizeof prefix, "%s:%lld: ", file, line);
	va_start(ap, fmt);
	vwarn(prefix, fmt, ap);
	va_end(ap);
}

void
die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(NULL, fmt, ap);
	va_end(ap);
	exit(status);
}

_Noreturn void
print_version(void)
{
	printf("%s (revisit) %s\n", prog_name, REVISIT_VERSION);
	exit(EX_OK);
}

int
status_merge(int a, int b)
{
	return a > b ? a : b;
}

void
usage_exit(const char *text, int status)
{
	fputs(text, status == EX_OK ? stdout : stderr);
	exit(status);
}

int
input_open(const char *path, const char **name)
{
	int fd;

	if (strcmp(path, "-") == 0) {
		*name = "<stdin>";
		return STDIN_FILENO;
	}
	*name = path;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		warnx("cannot open '%s':", path);
	return fd;
}

char *
read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL, chunk[65536];
	size_t n = 0, k;

	if (fp == NULL)
		die(EX_NOINPUT, "cannot open '%s':", path);
	while ((k = fread(chunk, 1, sizeof chunk, fp)) > 0) {
		if ((buf = realloc(buf, n + k + 1)) == NULL)
			die(EX_OSERR, "out of memory");
		memcpy(buf + n, chunk, k);
		n += k;
	}
	if (ferror(fp))
		die(EX_IOERR, "%s: read error:", path);
	fclose(fp);
	if (buf == NULL && (buf = malloc(1)) == NULL)
		die(EX_OSERR, "out of memory");
	buf[n] = '\0';
	*len = n;
	return buf;
}

void
input_close(int fd)
{
	if (fd > STDERR_FILENO)
		close(fd);
}

void
strv_push(const char ***v, size_t *n, const char *s)
{
	if ((*v = realloc(*v, (*n + 1) * sizeof **v)) == NULL)
		die(EX_OSERR, "out of memory");
	(*v)[(*n)++] = s;
}

long long
parse_count(const char *opt, const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < 0)
		die(EX_USAGE, "%s: not a count '%s'", opt, s);
	return v;
}

long long
parse_count_in(const char *opt, const char *s, long long lo, long long hi)
{
	long long v = parse_count(opt, s);

	if (v < lo || v > hi)
		die(EX_USAGE, "%s: %lld to %lld, not '%s'", opt, lo, hi, s);
	return v;
}

int64_t
parse_time(const char *opt, const char *s)
{
	int64_t ms;

	if (time_parse_when(s, &ms) != 0)
		die(EX_USAGE, "%s: not ISO 8601 or epoch milliseconds: '%s'",
		    opt, s);
	return ms;
}

double
parse_ratio(const char *opt, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0 || v > 1) {
		/* "5%" is what people type; accept it. */
		if (end != s && *end == '%' && end[1] == '\0' && v >= 0 && v <= 100)
			return v / 100;
		die(EX_USAGE, "%s: not a ratio between 0 and 1 '%s'", opt, s);
	}
	if (*end != '\0')
		die(EX_USAGE, "%s: not a ratio between 0 and 1 '%s'", opt, s);
	return v;
}

int
duration_parse(const char *s, long long *ms)
{
	char *end;
	double v, unit;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -1;
	if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
		unit = 1000;
	else if (strcmp(end, "ms") == 0)
		unit = 1;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		unit = 60000;
	else if (strcmp(end, "h") == 0)
		unit = 3600000;
	else if (strcmp(end, "d") == 0)
		unit = 86400000;
	else
		return -1;
	if (v * unit > 9e15)
		return -1;
	*ms = (long long)(v * unit + 0.5);
	return 0;
}

long long
parse_duration(const char *opt, const char *s)
{
	long long ms;

	if (duration_parse(s, &ms) != 0)
		die(EX_USAGE, "%s: not a duration '%s' (like 30m, 7d)", opt, s);
	return ms;
}

long long
parse_duration_positive(const char *opt, const char *s)
{
	long long v = parse_duration(opt, s);

	if (v <= 0)
		die(EX_USAGE, "%s: must be longer than 0", opt);
	return v;
}

long long
parse_size(const char *opt, const char *s)
{
	char *end;
	double v, unit = 1;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		die(EX_USAGE, "%s: not a size '%s' (like 256M)", opt, s);
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': unit = 1024; end++; break;
	case 'm': case 'M': unit = 1024.0 * 1024; end++; break;
	case 'g': case 'G': unit = 1024.0 * 1024 * 1024; end++; break;
	default: end = (char *)"?"; break;
	}
	if (*end == 'i' || *end == 'B')
		end += *end == 'i' && end[1] == 'B' ? 2 : 1;
	if (*end != '\0')
		die(EX_USAGE, "%s: not a size '%s' (like 256M)", opt, s);
	return (long long)(v * unit);
}

const char *
parse_dir(const char *opt, const char *s)
{
	if (s[0] == '-')
		die(EX_USAGE, "%s needs a directory, not '%s' (write ./%s for "
		    "a directory so named)", opt, s, s);
	return s;
}

double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void
progress_init(struct progress *p, int force)
{
	p->on = force || isatty(STDERR_FILENO);
	p->start = p->last = now_seconds();
}

static void
human(char *buf, size_t len, double v, const char *unit)
{
	const char *pre[] = { "", "k", "M", "G", "T" };
	int i = 0;

	while (v >= 1000 && i < 4) {
		v /= 1000;
		i++;
	}
	snprintf(buf, len, "%.1f %s%s", v, pre[i], unit);
}

void
progress_tick(struct progress *p, uint64_t bytes, uint64_t records,
    uint64_t *ticks)
{
	char b[32], r[32], bs[32], rs[32];
	double t, el;

	if (!p->on || (++*ticks & 0xffff) != 0)
		return;
	t = now_seconds();
	if (t - p->last < 1.0)
		return;
	p->last = t;
	el = t - p->start;
	human(b, sizeof b, (double)bytes, "B");
	human(r, sizeof r, (double)records, "");
	human(bs, sizeof bs, bytes / el, "B/s");
	human(rs, sizeof rs, records / el, "rec/s");
	fprintf(stderr, "\r%s: %s, %s records, %s, %s   ", prog_name, b, r, bs,
	    rs);
}

void
progress_done(struct progress *p)
{
	if (p->on && p->last != p->start)
		fputc('\n', stderr);
}
