/*
 * rd.c - stacked byte readers: files and gzip.
 *
 * gzip is the hot path of the whole pipeline (rotated logs are gzip), so
 * it is decoded here rather than through libarchive: ISA-L's inflate by
 * default, zlib as the fallback (make bench compares the two). A file may
 * hold several members (logrotate's delaycompress, `cat a.gz b.gz`); each
 * is decoded in turn, and zero padding after the last is ignored as gzip
 * itself does.
 */
#include "rd.h"
#include "prog.h"

#include <errno.h>
#include <sys/stat.h>
#include <isa-l/igzip_lib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#ifdef REVISIT_FUZZ_BUFFERS	/* fuzzing: members across reads; no mmap per input */
#define GZ_INBUF (4u << 10)
#else
#define GZ_INBUF (1u << 20)
#endif

static void *
xmalloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL)
		die(EX_OSERR, "out of memory");
	return p;
}

static ssize_t
rd_fail(struct rd *r, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof r->err, fmt, ap);
	va_end(ap);
	r->errstatus = status;
	return -1;
}

ssize_t
rd_read(struct rd *r, char *buf, size_t cap)
{
	ssize_t n;

	if (r->aheadpos < r->aheadlen) {
		size_t k = r->aheadlen - r->aheadpos;

		if (k > cap)
			k = cap;
		memcpy(buf, r->ahead + r->aheadpos, k);
		r->aheadpos += k;
		r->produced += k;
		return (ssize_t)k;
	}
	if (r->errstatus)
		return -1;
	n = r->fill(r, buf, cap);
	if (n > 0)
		r->produced += (uint64_t)n;
	return n;
}

ssize_t
rd_peek(struct rd *r, size_t want, const char **p)
{
	size_t have = r->aheadlen - r->aheadpos;

	if (have < want) {
		char *nb = xmalloc(want);

		if (have > 0)
			memcpy(nb, r->ahead + r->aheadpos, have);
		free(r->ahead);
		r->ahead = nb;
		r->aheadpos = 0;
		r->aheadlen = have;
		while (r->aheadlen < want) {
			ssize_t n = r->errstatus ? -1 :
			    r->fill(r, r->ahead + r->aheadlen,
			    want - r->aheadlen);

			if (n < 0)
				return -1;
			if (n == 0)
				break;
			r->aheadlen += (size_t)n;
		}
	}
	*p = r->ahead + r->aheadpos;
	have = r->aheadlen - r->aheadpos;
	return (ssize_t)(have < want ? have : want);
}

void
rd_free(struct rd *r)
{
	if (r == NULL)
		return;
	free(r->ahead);
	r->free(r);
}

/* ---- files ---- */

struct fdrd {
	struct rd	 base;
	int		 fd;
	uint64_t	 off;
};

static ssize_t
fd_fill(struct rd *r, char *buf, size_t cap)
{
	struct fdrd *f = (struct fdrd *)r;
	ssize_t n;

	do
		n = read(f->fd, buf, cap);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return rd_fail(r, EX_IOERR, "read error at byte %llu: %s",
		    (unsigned long long)f->off, strerror(errno));
	f->off += (uint64_t)n;
	return n;
}

static uint64_t
fd_offset(struct rd *r)
{
	struct fdrd *f = (struct fdrd *)r;
	uint64_t off = f->off - (r->aheadlen - r->aheadpos);
	struct stat st;

	/* A seek past the end (a cut zip's reader looking for what its
	 * headers promise) is no place in the file: say where it ends. */
	if (off > 0 && fstat(f->fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    off > (uint64_t)st.st_size)
		off = (uint64_t)st.st_size;
	return off;
}

static void
fd_free(struct rd *r)
{
	struct fdrd *f = (struct fdrd *)r;

	if (f->fd > STDERR_FILENO)
		close(f->fd);
	free(f);
}

struct rd *
rd_fd(int fd)
{
	struct fdrd *f = xmalloc(sizeof *f);

	memset(f, 0, sizeof *f);
	f->base.fill = fd_fill;
	f->base.free = fd_free;
	f->base.offset = fd_offset;
	f->fd = fd;
	return &f->base;
}

int
rd_fd_seekable(struct rd *r)
{
	return lseek(((struct fdrd *)r)->fd, 0, SEEK_CUR) >= 0;
}

int64_t
rd_fd_seek(struct rd *r, int64_t off, int whence)
{
	struct fdrd *f = (struct fdrd *)r;
	off_t o;

	if (whence == SEEK_CUR)
		off += (int64_t)fd_offset(r);
	r->aheadpos = r->aheadlen = 0;
	o = lseek(f->fd, (off_t)off, whence == SEEK_CUR ? SEEK_SET : whence);
	if (o < 0)
		return -1;
	f->off = (uint64_t)o;
	return o;
}

/* ---- gzip ---- */

struct gzrd {
	struct rd		 base;
	struct rd		*in;
	int			 engine;
	unsigned char		*inbuf;
	size_t			 inpos, inlen;
	uint64_t		 consumed;	/* compressed bytes used */
	int			 in_eof;
	int			 between;	/* at a member boundary */
	int			 members;
	int			 pending;	/* error to report next call */
	char			 pendmsg[RD_ERRLEN];
	struct inflate_state	 isal;
	z_stream		 z;
	int			 z_ready;
};

static const char *
isal_strerror(int ret)
{
	switch (ret) {
	case ISAL_INVALID_BLOCK:	return "invalid deflate block";
	case ISAL_INVALID_SYMBOL:	return "invalid deflate symbol";
	case ISAL_INVALID_LOOKBACK:	return "invalid back reference";
	case ISAL_INVALID_WRAPPER:	return "bad gzip header";
	case ISAL_UNSUPPORTED_METHOD:	return "unsupported compression method";
	case ISAL_INCORRECT_CHECKSUM:	return "CRC mismatch";
	case ISAL_NEED_DICT:		return "needs a preset dictionary";
	default:			return "corrupt data";
	}
}

/* Refill the compressed buffer when it is empty. -1 on read error. */
static int
gz_refill(struct gzrd *g)
{
	ssize_t n;

	if (g->inpos < g->inlen || g->in_eof)
		return 0;
	n = rd_read(g->in, (char *)g->inbuf, GZ_INBUF);
	if (n < 0) {
		rd_fail(&g->base, g->in->errstatus, "%s", g->in->err);
		return -1;
	}
	if (n == 0)
		g->in_eof = 1;
	g->inpos = 0;
	g->inlen = (size_t)n;
	return 0;
}

static void
gz_member_start(struct gzrd *g)
{
	if (g->engine == INFLATE_ISAL) {
		isal_inflate_reset(&g->isal);
		g->isal.crc_flag = ISAL_GZIP;
	} else if (!g->z_ready) {
		memset(&g->z, 0, sizeof g->z);
		if (inflateInit2(&g->z, 15 + 16) != Z_OK)
			die(EX_OSERR, "out of memory");
		g->z_ready = 1;
	} else {
		inflateReset(&g->z);
	}
	g->between = 0;
	g->members++;
}

/*
 * Run the inflater over the buffered input into out. Returns bytes made;
 * sets *done at a member's end, or *err (an error text) on bad data.
 */
static size_t
gz_step(struct gzrd *g, char *out, size_t cap, int *done, const char **err)
{
	size_t used, made;

	if (g->engine == INFLATE_ISAL) {
		struct inflate_state *s = &g->isal;
		int ret;

		s->next_in = g->inbuf + g->inpos;
		s->avail_in = (uint32_t)(g->inlen - g->inpos);
		s->next_out = (uint8_t *)out;
		s->avail_out = (uint32_t)cap;
		ret = isal_inflate(s);
		used = (g->inlen - g->inpos) - s->avail_in;
		made = cap - s->avail_out;
		if (ret < 0)
			*err = isal_strerror(ret);
		else if (s->block_state == ISAL_BLOCK_FINISH)
			*done = 1;
	} else {
		z_stream *z = &g->z;
		int ret;

		z->next_in = g->inbuf + g->inpos;
		z->avail_in = (uInt)(g->inlen - g->inpos);
		z->next_out = (Bytef *)out;
		z->avail_out = (uInt)cap;
		ret = inflate(z, Z_NO_FLUSH);
		used = (g->inlen - g->inpos) - z->avail_in;
		made = cap - z->avail_out;
		if (ret == Z_STREAM_END)
			*done = 1;
		else if (ret == Z_DATA_ERROR || ret == Z_NEED_DICT)
			*err = z->msg ? z->msg : "corrupt data";
		else if (ret == Z_MEM_ERROR)
			die(EX_OSERR, "out of memory");
	}
	g->inpos += used;
	g->consumed += used;
	return made;
}

static ssize_t
gz_fill(struct rd *r, char *out, size_t cap)
{
	struct gzrd *g = (struct gzrd *)r;

	if (g->pending)
		return rd_fail(r, EX_DATAERR, "%s", g->pendmsg);
	if (cap > UINT32_MAX)
		cap = UINT32_MAX;
	for (;;) {
		const char *err = NULL;
		int done = 0;
		size_t made;

		if (gz_refill(g) != 0)
			return -1;
		if (g->between) {
			/* After a member: another member, zero padding, or
			 * the end. Anything else is not gzip data. */
			while (g->inpos < g->inlen && g->inbuf[g->inpos] == 0) {
				g->inpos++;
				g->consumed++;
			}
			if (g->inpos == g->inlen) {
				if (g->in_eof)
					return 0;
				continue;
			}
			if (g->inbuf[g->inpos] != 0x1f)
				return rd_fail(r, EX_DATAERR, "trailing garbage "
				    "after gzip member %d at byte %llu",
				    g->members, (unsigned long long)g->consumed);
			gz_member_start(g);
		}
		if (g->inpos == g->inlen && g->in_eof)
			return rd_fail(r, EX_DATAERR, "truncated gzip data at "
			    "byte %llu (member %d)",
			    (unsigned long long)g->consumed, g->members);
		made = gz_step(g, out, cap, &done, &err);
		if (done)
			g->between = 1;
		if (err) {
			snprintf(g->pendmsg, sizeof g->pendmsg,
			    "corrupt gzip data at byte %llu (member %d): %s",
			    (unsigned long long)g->consumed, g->members, err);
			if (made > 0) {
				g->pending = 1;
				return (ssize_t)made;
			}
			return rd_fail(r, EX_DATAERR, "%s", g->pendmsg);
		}
		if (made > 0)
			return (ssize_t)made;
	}
}

static uint64_t
gz_offset(struct rd *r)
{
	return ((struct gzrd *)r)->consumed;
}

static void
gz_free(struct rd *r)
{
	struct gzrd *g = (struct gzrd *)r;

	if (g->z_ready)
		inflateEnd(&g->z);
	free(g->inbuf);
	free(g);
}

struct rd *
rd_gzip(struct rd *in, int engine)
{
	struct gzrd *g = xmalloc(sizeof *g);

	memset(g, 0, sizeof *g);
	g->base.fill = gz_fill;
	g->base.free = gz_free;
	g->base.offset = gz_offset;
	g->in = in;
	g->engine = engine;
	g->inbuf = xmalloc(GZ_INBUF);
	g->between = 1;
	if (engine == INFLATE_ISAL)
		isal_inflate_init(&g->isal);
	return &g->base;
}
