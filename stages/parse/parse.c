/*
 * parse.c - the read loop of revisit-parse: big reads, lines split with
 * memchr, each line matched by the compiled format, built into a hit,
 * classified, and packed; rejects counted, reported and optionally saved.
 * Nothing is allocated per line.
 */
#include "parse.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "botclass.h"
#include "device.h"
#include "mpk.h"
#include "night.h"
#include "prog.h"

/*
 * Input is read in pieces of READ_SIZE: small enough to stay in the
 * cache between the read's copy and the scan, and to cost a short input
 * few page faults (a fresh page costs microseconds on a virtual
 * machine). The buffer grows to READ_MAX only for a line that does not
 * fit.
 */
#ifdef REVISIT_FUZZ_BUFFERS	/* fuzzing: lines across reads; no mmap per input */
#define READ_SIZE	(4u << 10)
#else
#define READ_SIZE	(256u << 10)
#endif
#define READ_MAX	(4u << 20)
#define GIVE_UP_LINES	1000	/* all rejected this far: wrong format */
/* A longer line is a reject, read past a READ_MAX buffer at a time: no
 * log line is that long, and one without end must not take all memory. */
#define MAX_LINE	(1u << 20)

struct parser {
	const struct parse_opts	*o;
	struct lf		 fmt;
	struct lf_fields	 x;		/* the line's fields, kept */
	int			 fmt_ready;	/* compiled (auto: seen a line) */
	int			 auto_fmt;
	struct hb		 hb;
	struct botclass		*bots;
	struct wbuf		*out;
	struct night		 night;		/* --links-out */
	struct night_batch	 batch;
	struct wbuf		 links_out;
	int			 links;
	struct device_cache	*devices;	/* --lean */
	struct span		 classes[3];	/* device_names, as spans */
	struct wbuf		 rej;
	int			 rej_open;
	int			 status;
	struct progress		 prog;
	uint64_t		 ticks, bytes;
	/* counts */
	unsigned long long	 lines, skipped, hits, nbots, nassets, nrej;
	unsigned long long	 written, shown;
	char			 mark[512];	/* the input a mark named */
};

#define MARK		"#revisit-input "	/* revisit-decompress --mark */
#define MARK_LEN	(sizeof MARK - 1)

static void
reject(struct parser *P, const char *name, long long lineno,
    const char *line, size_t len, const char *msg, size_t col)
{
	P->nrej++;
	if ((long)P->shown < P->o->max_warnings) {
		warn_at(name, lineno, "%s at column %zu", msg, col + 1);
		P->shown++;
	} else if ((long)P->shown == P->o->max_warnings &&
	    P->o->max_warnings > 0) {
		warn_at(name, lineno, "further rejects not shown%s",
		    P->o->rejects_path ? " (see --rejects)" : "");
		P->shown++;
	}
	if (P->rej_open && line != NULL) {	/* NULL: the caller copies */
		wbuf_write(&P->rej, line, len);
		wbuf_putc(&P->rej, '\n');
	}
}

/* Part of an over-long line to the rejects file as it streams past. */
static void
reject_part(struct parser *P, const char *p, size_t n, int end)
{
	if (P->rej_open) {
		wbuf_write(&P->rej, p, n);
		if (end)
			wbuf_putc(&P->rej, '\n');
	}
}

const char *
parse_guess_format(const char *line, size_t len, const struct lf_opts *lo)
{
	/* Most specific first; combined also reads common lines (their
	 * referrer and agent are absent), so common is never guessed. */
	static const char *const order[] = { "combined_vid", "combined",
	    "vcombined", NULL };
	struct lf_fields x = { 0 };
	struct lf f;
	char err[256];
	const char *why;
	size_t col, i;

	while (len > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	if (len > 0 && *line == '{')
		return "json";
	for (i = 0; order[i]; i++) {
		int ok;

		if (lf_compile(&f, order[i], lo, err, sizeof err) != 0)
			continue;
		ok = lf_match(&f, line, len, &x, &why, &col) == 0 &&
		    !x.partial && x.consumed == len;
		lf_free(&f);
		if (ok)
			return order[i];
	}
	if (lf_compile(&f, "combined", lo, err, sizeof err) == 0) {
		int ok = lf_match(&f, line, len, &x, &why, &col) == 0;

		lf_free(&f);
		if (ok)
			return "combined";
	}
	return NULL;
}

static int
setup_format(struct parser *P, const char *spec)
{
	char err[512];

	if (lf_compile(&P->fmt, spec, &P->o->lf, err, sizeof err) != 0) {
		warnx("--format: %s", err);
		return -1;
	}
	P->fmt_ready = 1;
	return 0;
}

void
parse_opts_init(struct parse_opts *o)
{
	memset(o, 0, sizeof *o);
	o->format = "auto";
	o->lf.vid_field = "cookie_vid";
	o->lf.uid_field = "cookie_uid";
	o->max_reject_ratio = 0.01;
	o->max_warnings = 10;
	o->since = INT64_MIN;
	o->until = INT64_MAX;
}

void
parse_opts_free(struct parse_opts *o)
{
	free(o->lf.json_map);
	free(o->hb.pixels);
}

/*
 * --lean: a hit as only revisit-sessionize reads it, for scratch files
 * between the steps of a sharded night: the agent as its device class,
 * no address, forwarded chain, host or size. A third of a month's hit
 * bytes, each written, routed and read again.
 */
static void
lean(struct parser *P, struct hit *h)
{
	h->ua = P->classes[device_cached(P->devices, h->ua.p, h->ua.len)];
	h->ip = (struct span){ "", 0 };
	h->xff = h->host = (struct span){ NULL, 0 };
	h->bytes = 0;
}

/* Handle one line (without its newline). */
static void
do_line(struct parser *P, const char *name, long long lineno,
    const char *line, size_t len)
{
	struct lf_fields *x = &P->x;
	struct hit h;
	const char *why;
	char err[160];
	size_t col;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0) {
		P->skipped++;
		return;
	}
	if (line[0] == '#') {
		/* W3C extended log headers; other '#' lines are comments. */
		if (len > 8 && memcmp(line, "#Fields:", 8) == 0) {
			if (lf_compile_w3c(&P->fmt, line, len, &P->o->lf, err,
			    sizeof err) != 0) {
				reject(P, name, lineno, line, len, err, 0);
				P->lines++;
				return;
			}
			P->fmt_ready = 1;
		}
		P->skipped++;
		return;
	}
	P->lines++;
	if (!P->fmt_ready) {
		const char *g = parse_guess_format(line, len, &P->o->lf);

		if (setup_format(P, g ? g : "combined") != 0)
			die(EX_SOFTWARE, "cannot compile preset '%s'", g);
		if (!P->o->quiet)
			warnx("%s: format %s (guessed from line %lld)", name,
			    g ? g : "combined", lineno);
	}
	if (lf_match(&P->fmt, line, len, x, &why, &col) != 0) {
		reject(P, name, lineno, line, len, why, col);
		return;
	}
	if (hb_build(&P->hb, &P->fmt, x, len, &h, err, sizeof err) != 0) {
		reject(P, name, lineno, line, len, err, 0);
		return;
	}
	if (h.ts < P->o->since || h.ts >= P->o->until) {
		/* A clock gone wrong or a file of another day: one such hit
		 * would move every window measured from the latest. */
		char t[32];

		time_format_iso(h.ts, t);
		snprintf(err, sizeof err, "hit at %s outside --%s", t,
		    h.ts < P->o->since ? "since" : "until");
		reject(P, name, lineno, line, len, err, 0);
		return;
	}
	P->hits++;
	if (h.kind == HIT_BOT) {
		P->nbots++;
		if (!P->o->hb.keep_bots)
			return;
	} else if (h.kind == HIT_ASSET) {
		P->nassets++;
		if (!P->o->hb.keep_assets)
			return;
	}
	if (P->devices)
		lean(P, &h);
	hit_pack(P->out, &h);
	if (P->links)
		night_batch_see_link(&P->batch, &h);
	P->written++;
}

static int
is_compressed(const unsigned char *p, size_t n)
{
	return (n >= 2 && p[0] == 0x1f && p[1] == 0x8b) ||
	    (n >= 3 && memcmp(p, "BZh", 3) == 0 && n > 3 && p[3] >= '1' &&
	    p[3] <= '9') || (n >= 6 && memcmp(p, "\xfd" "7zXZ\0", 6) == 0) ||
	    (n >= 4 && memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0);
}

/*
 * One line of input name: a mark of revisit-decompress --mark
 * ("#revisit-input NAME") names the input the lines after it come from,
 * numbered from 1 again, so that messages say which file and line.
 */
static void
next_line(struct parser *P, const char **name, long long *lineno,
    const char *line, size_t len)
{
	if (len > MARK_LEN && memcmp(line, MARK, MARK_LEN) == 0) {
		len -= MARK_LEN;
		if (len >= sizeof P->mark)
			len = sizeof P->mark - 1;
		memcpy(P->mark, line + MARK_LEN, len);
		P->mark[len] = '\0';
		*name = P->mark;
		*lineno = 0;
		return;
	}
	if (len > MAX_LINE) {
		P->lines++;
		reject(P, *name, ++*lineno, line, len, "line longer than "
		    "1 MiB", MAX_LINE);
		return;
	}
	do_line(P, *name, ++*lineno, line, len);
}

static void
parse_fd(struct parser *P, int fd, const char *name)
{
	size_t cap = READ_SIZE, have = 0;
	char *buf = malloc(cap);
	long long lineno = 0;
	int first = 1, skipping = 0;	/* inside an over-long line */
	ssize_t n;

	if (buf == NULL)
		die(EX_OSERR, "out of memory");
	for (;;) {
		char *p, *end, *nl;

		do
			n = read(fd, buf + have, cap - have);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			warnx("%s: read error:", name);
			P->status = status_merge(P->status, EX_IOERR);
			break;
		}
		if (first && n > 0) {
			first = 0;
			if (is_compressed((unsigned char *)buf, (size_t)n)) {
				warnx("%s: compressed input: use "
				    "revisit-decompress %s | revisit-parse",
				    name, name);
				P->status = status_merge(P->status, EX_DATAERR);
				break;
			}
		}
		P->bytes += (uint64_t)n;
		if (n == 0) {
			if (skipping)
				reject_part(P, "", 0, 1);
			else if (have > 0)	/* last line without a newline */
				next_line(P, &name, &lineno, buf, have);
			break;
		}
		have += (size_t)n;
		p = buf;
		end = buf + have;
		if (skipping) {
			if ((nl = memchr(p, '\n', have)) == NULL) {
				reject_part(P, p, have, 0);
				have = 0;
				continue;
			}
			reject_part(P, p, (size_t)(nl - p), 1);
			p = nl + 1;
			skipping = 0;
		}
		while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
			next_line(P, &name, &lineno, p, (size_t)(nl - p));
			p = nl + 1;
			progress_tick(&P->prog, P->bytes, P->written, &P->ticks);
		}
		have = (size_t)(end - p);
		if (have == cap && cap < READ_MAX) {
			cap = READ_MAX;		/* a line longer than a piece */
			if ((buf = realloc(buf, cap)) == NULL)
				die(EX_OSERR, "out of memory");
		} else if (have == cap) {
			/* A line longer than the buffer (and MAX_LINE): a
			 * reject, the rest of it read past. */
			P->lines++;
			reject(P, name, ++lineno, NULL, 0, "line longer than "
			    "1 MiB", MAX_LINE);
			reject_part(P, buf, have, 0);
			skipping = 1;
			have = 0;
		} else if (p != buf) {
			memmove(buf, p, have);
		}
		if (P->lines >= GIVE_UP_LINES && P->hits == 0) {
			warnx("%s: none of the first %llu lines matches the "
			    "format; check --format", name, P->lines);
			P->status = status_merge(P->status, EX_DATAERR);
			break;
		}
	}
	free(buf);
}

static void
run_one(struct parser *P, const char *path)
{
	const char *name;
	int fd = input_open(path, &name);

	if (fd < 0) {
		P->status = status_merge(P->status, EX_NOINPUT);
		return;
	}
	P->shown = 0;
	parse_fd(P, fd, name);
	input_close(fd);
}

static struct botclass *
load_bots(const char *path)
{
	char err[512], *text = NULL;
	struct botclass *b;
	size_t len;

	if (path == NULL) {
		b = botclass_new(revisit_data_bots, revisit_data_bots_len, err,
		    sizeof err);
	} else {
		text = read_file(path, &len);
		b = botclass_new(text, len, err, sizeof err);
		free(text);
	}
	if (b == NULL)
		die(EX_USAGE, "%s: %s", path ? path : "bots", err);
	return b;
}

/* --links-out: the links of the hits written, as revisit-shard --links
 * would find them reading those hits again; kept when the run succeeds,
 * as an output file is. */
static int
write_links(struct parser *P)
{
	night_batch_flush(&P->batch);
	night_links_put(&P->night, &P->links_out);
	night_free(&P->night);
	return wbuf_finish(&P->links_out, P->status, P->o->links_path);
}

int
parse_run(char *const *paths, size_t npaths, struct wbuf *out,
    const struct parse_opts *o)
{
	static char *const dash[] = { "-" };
	struct parser P;
	size_t i;

	memset(&P, 0, sizeof P);
	P.o = o;
	P.out = out;
	if (strcmp(o->format, "auto") != 0 && setup_format(&P, o->format) != 0)
		return EX_USAGE;
	P.auto_fmt = !P.fmt_ready;
	P.bots = load_bots(o->bots_path);
	hb_init(&P.hb, &o->hb, P.bots);
	if (o->rejects_path) {
		if (wbuf_open_atomic(&P.rej, o->rejects_path) != 0)
			die(EX_IOERR, "cannot create '%s':", o->rejects_path);
		P.rej_open = 1;
	}
	if (o->links_path) {
		if (wbuf_open_atomic(&P.links_out, o->links_path) != 0)
			die(EX_CANTCREAT, "cannot create '%s':", o->links_path);
		night_init(&P.night);
		night_batch_init(&P.batch, &P.night);
		P.links = 1;
	}
	if (o->lean) {
		P.devices = device_cache_new();
		for (i = 0; i < 3; i++)
			P.classes[i] = (struct span){ device_names[i],
			    strlen(device_names[i]) };
	}
	progress_init(&P.prog, o->progress);
	if (npaths == 0) {
		paths = dash;
		npaths = 1;
	}
	for (i = 0; i < npaths; i++) {
		run_one(&P, paths[i]);
		/* Each auto input guesses its own format. */
		if (P.auto_fmt) {
			lf_free(&P.fmt);
			P.fmt_ready = 0;
		}
	}
	progress_done(&P.prog);
	if (P.rej_open && wbuf_close(&P.rej, 1) != 0) {
		warnx("%s: write error:", o->rejects_path);
		P.status = status_merge(P.status, EX_IOERR);
	}
	if (!o->quiet)
		fprintf(stderr, "%s: %llu lines: %llu hits written, %llu bots "
		    "and %llu assets %s, %llu rejected, %llu empty or comment\n",
		    prog_name, P.lines, P.written, P.nbots, P.nassets,
		    o->hb.keep_bots && o->hb.keep_assets ? "kept" : "dropped",
		    P.nrej, P.skipped);
	if (P.lines > 0 && (double)P.nrej / (double)P.lines >
	    o->max_reject_ratio) {
		warnx("%llu of %llu lines rejected (%.2f%%), more than "
		    "--max-reject-ratio %.2f%%", P.nrej, P.lines,
		    100.0 * (double)P.nrej / (double)P.lines,
		    100.0 * o->max_reject_ratio);
		P.status = status_merge(P.status, EX_DATAERR);
	} else if (P.nrej > 0 && !o->quiet) {
		warnx("%llu of %llu lines rejected, within --max-reject-ratio",
		    P.nrej, P.lines);
	}
	if (P.links)
		P.status = status_merge(P.status, write_links(&P));
	lf_free(&P.fmt);
	hb_free(&P.hb);
	botclass_free(P.bots);
	free(P.devices);
	return P.status;
}
