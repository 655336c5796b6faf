/*
 * decompress.c - format detection by content and the walk through
 * compression layers and archives.
 *
 * Each input is a stack of readers: the file, then one layer per
 * compression or archive found by sniffing the first bytes (never the
 * name). gzip is decoded by rd.c (the hot path); bzip2, xz, zstd and lz4,
 * tar and zip go through libarchive. Archive entries are sniffed again, so
 * a tar of rotated .gz files comes out as text. Text is copied through;
 * an input or entry whose last line lacks a newline gets one, so lines of
 * consecutive inputs never merge.
 */
#include "decompress.h"
#include "prog.h"
#include "rd.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK		WBUF_SIZE
#define MAX_DEPTH	4
#define SNIFF_LEN	512	/* a tar header */

struct dc {
	const struct dc_opts	*o;
	struct wbuf		*out;
	char			*buf;
	int			 status;
	unsigned long long	 ninputs, nentries, nbad;
	unsigned long long	 bytes_in, bytes_out;
	struct progress		 prog;
	uint64_t		 ticks;
	/* The input being read: its file, what it has written so far, and
	 * whether it stopped as a decompression bomb (--max-ratio). */
	struct rd		*top;
	uint64_t		 out0;
	int			 bomb;
};

static void consume(struct dc *, struct rd *, const char *name,
    const char *chain, uint64_t insize, int depth);

static int
is_tar(const unsigned char *p, size_t n)
{
	unsigned sum = 0, want;
	size_t i;

	if (n < 512 || memcmp(p + 257, "ustar", 5) != 0)
		return 0;
	/* Check the header checksum too: "ustar" alone could be text. */
	for (i = 0; i < 512; i++)
		sum += (i >= 148 && i < 156) ? ' ' : p[i];
	want = (unsigned)strtoul((const char *)p + 148, NULL, 8);
	return sum == want;
}

const char *
dc_sniff(const unsigned char *p, size_t n)
{
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return "gzip";
	if (n >= 3 && memcmp(p, "BZh", 3) == 0)
		return "bzip2";
	if (n >= 6 && memcmp(p, "\xfd" "7zXZ\0", 6) == 0)
		return "xz";
	if (n >= 4 && memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0)
		return "zstd";
	if (n >= 4 && memcmp(p, "\x04\x22\x4d\x18", 4) == 0)
		return "lz4";
	if (n >= 4 && p[0] == 'P' && p[1] == 'K' &&
	    ((p[2] == 3 && p[3] == 4) || (p[2] == 5 && p[3] == 6) ||
	    (p[2] == 7 && p[3] == 8)))
		return "zip";
	if (is_tar(p, n))
		return "tar";
	return "text";
}

static void
report(struct dc *d, const char *name, int status, const char *msg)
{
	warnx("%s: %s", name, msg);
	d->status = status_merge(d->status, status);
	d->nbad++;
}

static void
list_row(const char *chain, uint64_t insize, uint64_t outsize,
    const char *name)
{
	printf("%-24s %14llu %14llu  %s\n", chain, (unsigned long long)insize,
	    (unsigned long long)outsize, name);
}

/* Copy text through, ending it with a newline if it lacks one. */
static void
copy_text(struct dc *d, struct rd *r, const char *name, const char *chain,
    uint64_t insize)
{
	uint64_t n0 = r->produced;
	char last = '\n';
	ssize_t n = 0;

	if (d->o->mark && !d->o->list) {
		/* "#revisit-input NAME": revisit-parse names the lines after
		 * it by NAME and their line there. */
		const char *c;

		wbuf_write(d->out, "#revisit-input ", 15);
		for (c = name; *c; c++)
			wbuf_putc(d->out, (unsigned char)*c < 0x20 ? '?' : *c);
		wbuf_putc(d->out, '\n');
	}
	for (;;) {
		uint64_t in;
		size_t room = CHUNK;
		char *p = d->buf;

		/* Straight into the output's buffer, which fills whole and
		 * goes to a pipe without a copy (wbuf_splice). */
		if (!d->o->list)
			p = wbuf_room(d->out, &room);
		if (d->bomb || (n = rd_read(r, p, room)) <= 0)
			break;
		in = d->top->offset(d->top);

		/* Against the bytes read so far, so that a bomb stops
		 * before it has filled the disk; 64 KiB read counts at
		 * least (a small file's first block holds much). */
		if (d->o->max_ratio > 0 && (double)(d->bytes_out - d->out0 +
		    (uint64_t)n) > d->o->max_ratio * (double)(in > 65536 ?
		    in : 65536)) {
			char msg[160];

			snprintf(msg, sizeof msg, "more than %g times the "
			    "input's size after %llu bytes of it: a "
			    "decompression bomb? (--max-ratio)",
			    d->o->max_ratio, (unsigned long long)in);
			report(d, name, EX_DATAERR, msg);
			d->bomb = 1;
			n = 0;
			break;
		}
		last = p[n - 1];
		if (!d->o->list)
			wbuf_commit_n(d->out, (size_t)n);
		d->bytes_out += (uint64_t)n;
		progress_tick(&d->prog, d->bytes_out, d->ninputs, &d->ticks);
	}
	if (last != '\n' && !d->o->list) {
		wbuf_putc(d->out, '\n');
		d->bytes_out++;
	}
	if (d->o->list)
		list_row(chain, insize, r->produced - n0, name);
	if (n < 0)
		report(d, name, r->errstatus, r->err);
}

/* ---- libarchive over a reader ---- */

struct arc {
	struct rd	*r;
	char		*buf;
};

static la_ssize_t
arc_read(struct archive *a, void *cd, const void **buf)
{
	struct arc *c = cd;
	ssize_t n = rd_read(c->r, c->buf, CHUNK);

	if (n < 0) {
		archive_set_error(a, EIO, "%s", c->r->err);
		return -1;
	}
	*buf = c->buf;
	return n;
}

static la_int64_t
arc_seek(struct archive *a, void *cd, la_int64_t off, int whence)
{
	(void)a;
	return rd_fd_seek(((struct arc *)cd)->r, off, whence);
}

/*
 * An archive entry's data as a reader. Blocks come from
 * archive_read_data_block, not archive_read_data: the latter fills the
 * whole buffer and, when the stream breaks halfway, returns the error and
 * drops the bytes it had copied; block by block, everything decoded
 * before the damage is handed on.
 */
struct entryrd {
	struct rd	 base;
	struct archive	*a;
	struct rd	*outer;		/* for error status */
	const char	*blk;		/* current block, borrowed */
	size_t		 blen;
	int64_t		 pos;		/* entry offset of blk */
	int		 eof;
};

static void
entry_reset(struct entryrd *e)
{
	free(e->base.ahead);
	e->base.ahead = NULL;
	e->base.aheadlen = e->base.aheadpos = 0;
	e->base.produced = 0;
	e->base.errstatus = 0;
	e->blk = NULL;
	e->blen = 0;
	e->pos = 0;
	e->eof = 0;
}

static ssize_t
entry_fill(struct rd *r, char *buf, size_t cap)
{
	struct entryrd *e = (struct entryrd *)r;
	la_int64_t off;
	const void *b;
	size_t n;
	int ret;

	while (e->blen == 0) {
		if (e->eof)
			return 0;
		ret = archive_read_data_block(e->a, &b, &n, &off);
		if (ret == ARCHIVE_EOF) {
			e->eof = 1;
			return 0;
		}
		if (ret < ARCHIVE_WARN)
			goto fail;
		if (off > e->pos) {
			/* A hole in a sparse entry: zeros, as tar -x makes. */
			size_t z = (size_t)(off - e->pos) < cap ?
			    (size_t)(off - e->pos) : cap;

			memset(buf, 0, z);
			e->pos += (int64_t)z;
			if (e->pos < off) {
				e->blk = NULL;	/* come back for the rest */
				continue;
			}
			e->blk = b;
			e->blen = n;
			return (ssize_t)z;
		}
		e->blk = b;
		e->blen = n;
	}
	n = e->blen < cap ? e->blen : cap;
	memcpy(buf, e->blk, n);
	e->blk += n;
	e->blen -= n;
	e->pos += (int64_t)n;
	return (ssize_t)n;
fail:
	if (e->outer->errstatus) {
		/* The stream under the archive broke: its own words. */
		snprintf(r->err, sizeof r->err, "%s", e->outer->err);
		r->errstatus = e->outer->errstatus;
	} else {
		snprintf(r->err, sizeof r->err, "%s (at byte %llu of input)",
		    archive_error_string(e->a) ? archive_error_string(e->a) :
		    "unreadable archive data",
		    (unsigned long long)e->outer->offset(e->outer));
		r->errstatus = EX_DATAERR;
	}
	return -1;
}

static uint64_t
entry_offset(struct rd *r)
{
	return r->produced;
}

static void
entry_free(struct rd *r)
{
	(void)r;	/* lives on the stack of run_archive */
}

static int
member_wanted(const struct dc_opts *o, const char *path)
{
	const char *base = strrchr(path, '/');
	size_t i;

	if (o->nmembers == 0)
		return 1;
	base = base ? base + 1 : path;
	for (i = 0; i < o->nmembers; i++)
		if (fnmatch(o->members[i], path, 0) == 0 ||
		    fnmatch(o->members[i], base, 0) == 0)
			return 1;
	return 0;
}

static const char *
format_label(struct archive *a)
{
	switch (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) {
	case ARCHIVE_FORMAT_TAR:	return "tar";
	case ARCHIVE_FORMAT_ZIP:	return "zip";
	case ARCHIVE_FORMAT_RAW:	return NULL;	/* just a filter */
	case ARCHIVE_FORMAT_EMPTY:	return NULL;
	default:			return "archive";
	}
}

/*
 * Read r with libarchive. filtered: r is bzip2/xz/zstd/lz4 data holding
 * text or a tar; else r is a bare archive of the named format.
 */
static void
run_archive(struct dc *d, struct rd *r, const char *name, const char *chain,
    const char *fmt, uint64_t insize, int depth)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	struct arc cb = { r, NULL };
	struct entryrd e;
	char sub[256];
	int ret, seekable = 0, failed;
	int bare = strcmp(fmt, "tar") == 0 || strcmp(fmt, "zip") == 0;

	if (a == NULL)
		die(EX_OSERR, "out of memory");
	if (strcmp(fmt, "tar") == 0) {
		archive_read_support_format_tar(a);
	} else if (strcmp(fmt, "zip") == 0) {
		archive_read_support_format_zip(a);
		seekable = depth == 0 && rd_fd_seekable(r);
	} else {
		archive_read_support_filter_all(a);
		archive_read_support_format_tar(a);
		archive_read_support_format_raw(a);
		archive_read_support_format_empty(a);
	}
	if ((cb.buf = malloc(CHUNK)) == NULL)
		die(EX_OSERR, "out of memory");
	if (seekable) {
		/* Seekable zip reads the central directory: exact sizes and
		 * entries stored after their data. */
		archive_read_set_seek_callback(a, arc_seek);
	}
	archive_read_set_read_callback(a, arc_read);
	archive_read_set_callback_data(a, &cb);
	if (archive_read_open1(a) != ARCHIVE_OK) {
		report(d, name, r->errstatus ? r->errstatus : EX_DATAERR,
		    archive_error_string(a));
		goto out;
	}
	memset(&e, 0, sizeof e);
	e.base.fill = entry_fill;
	e.base.free = entry_free;
	e.base.offset = entry_offset;
	e.a = a;
	e.outer = r;
	while ((ret = archive_read_next_header(a, &ae)) == ARCHIVE_OK ||
	    ret == ARCHIVE_WARN) {
		const char *lab = format_label(a), *path;
		char *ename;
		size_t len;

		if (ret == ARCHIVE_WARN)
			warnx("%s: %s", name, archive_error_string(a));
		if (lab == NULL || bare)
			snprintf(sub, sizeof sub, "%.200s", chain);
		else
			snprintf(sub, sizeof sub, "%.200s/%.40s", chain, lab);
		if (lab == NULL) {
			/* The whole decompressed stream: sniff it again. */
			entry_reset(&e);
			consume(d, &e.base, name, sub, insize, depth + 1);
			entry_reset(&e);
			if (d->bomb)
				goto out;
			continue;
		}
		if (archive_entry_filetype(ae) != AE_IFREG)
			continue;
		path = archive_entry_pathname(ae);
		if (path == NULL)
			path = "?";
		if (!member_wanted(d->o, path))
			continue;
		len = strlen(name) + strlen(path) + 2;
		if ((ename = malloc(len)) == NULL)
			die(EX_OSERR, "out of memory");
		snprintf(ename, len, "%s:%s", name, path);
		d->nentries++;
		entry_reset(&e);
		consume(d, &e.base, ename, sub,
		    archive_entry_size_is_set(ae) ?
		    (uint64_t)archive_entry_size(ae) : 0, depth + 1);
		failed = e.base.errstatus != 0;
		entry_reset(&e);
		free(ename);
		/* A damaged stream under the archive ends it (already
		 * reported); a bad entry alone does not. */
		if ((failed && r->errstatus) || d->bomb)
			goto out;
	}
	if (ret != ARCHIVE_EOF) {
		char msg[RD_ERRLEN + 64];

		snprintf(msg, sizeof msg, "%s (at byte %llu of input)",
		    archive_error_string(a) ? archive_error_string(a) :
		    "damaged archive", (unsigned long long)r->offset(r));
		report(d, name, r->errstatus ? r->errstatus : EX_DATAERR, msg);
	}
out:
	archive_read_free(a);
	free(cb.buf);
}

/*
 * Sniff r and write what it holds. name is for messages; chain is the
 * formats so far ("gzip/tar"); insize the compressed size for --list.
 */
static void
consume(struct dc *d, struct rd *r, const char *name, const char *chain,
    uint64_t insize, int depth)
{
	const char *head, *fmt;
	char sub[256];
	ssize_t n;

	if ((n = rd_peek(r, SNIFF_LEN, &head)) < 0) {
		report(d, name, r->errstatus, r->err);
		return;
	}
	fmt = dc_sniff((const unsigned char *)head, (size_t)n);
	if (depth >= MAX_DEPTH && strcmp(fmt, "text") != 0) {
		report(d, name, EX_DATAERR, "archives nested too deeply");
		return;
	}
	snprintf(sub, sizeof sub, "%.200s%s%.40s", chain, *chain ? "/" : "", fmt);
	if (strcmp(fmt, "gzip") == 0) {
		struct rd *gz = rd_gzip(r, d->o->engine);

		consume(d, gz, name, sub, insize, depth + 1);
		rd_free(gz);
	} else if (strcmp(fmt, "text") == 0) {
		copy_text(d, r, name, sub, insize);
	} else {
		run_archive(d, r, name, sub, fmt, insize, depth);
	}
}

static void
run_one(struct dc *d, const char *path)
{
	const char *name;
	struct stat st;
	struct rd *r;
	int fd = input_open(path, &name);

	if (fd < 0) {
		d->status = status_merge(d->status, EX_NOINPUT);
		d->nbad++;
		return;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		warnx("'%s' is a directory", path);
		d->status = status_merge(d->status, EX_NOINPUT);
		d->nbad++;
		input_close(fd);
		return;
	}
	d->ninputs++;
	r = rd_fd(fd);
	d->top = r;
	d->out0 = d->bytes_out;
	d->bomb = 0;
	consume(d, r, name, "", S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0,
	    0);
	d->bytes_in += r->offset(r);
	rd_free(r);
}

int
dc_run(char *const *paths, size_t npaths, struct wbuf *out,
    const struct dc_opts *o)
{
	static char *const dash[] = { "-" };
	struct dc d;
	size_t i;

	memset(&d, 0, sizeof d);
	d.o = o;
	d.out = out;
	if ((d.buf = malloc(CHUNK)) == NULL)
		die(EX_OSERR, "out of memory");
	progress_init(&d.prog, o->progress);
	if (npaths == 0) {
		paths = dash;
		npaths = 1;
	}
	if (o->list)
		printf("%-24s %14s %14s  %s\n", "FORMAT", "COMPRESSED",
		    "UNCOMPRESSED", "NAME");
	for (i = 0; i < npaths; i++)
		run_one(&d, paths[i]);
	progress_done(&d.prog);
	if (!o->quiet)
		fprintf(stderr, "%s: %llu inputs, %llu archive entries, "
		    "%llu bytes read, %llu bytes written, %llu damaged\n",
		    prog_name, d.ninputs, d.nentries, d.bytes_in, d.bytes_out,
		    d.nbad);
	free(d.buf);
	return d.status;
}
