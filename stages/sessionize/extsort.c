/*
 * extsort.c - spooling and external sorting of compact hits.
 *
 * The spool is a plain sequence of chits. Sorting reads it in pieces of
 * the memory budget, sorts each piece's pointers with qsort (chit_cmp:
 * time, then content, so equal input sorts equal whatever its order),
 * and writes each as a run; a k-way merge over a binary heap of run
 * readers then yields the whole in order. A spool that fits in one piece
 * is never written again: it is sorted and handed out from memory.
 */
#include "extsort.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prog.h"
#include "wbuf.h"

struct spool {
	int		 fd;
	struct wbuf	 w;
	uint64_t	 count;
	const char	*tmpdir;
};

int
tmpfile_in(const char *tmpdir, const char *what)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof path, "%s/revisit-%s.XXXXXX", tmpdir, what);
	if ((fd = mkstemp(path)) < 0)
		die(EX_IOERR, "cannot create a temporary file in '%s':", tmpdir);
	unlink(path);
	return fd;
}

struct spool *
spool_new(const char *tmpdir, size_t budget)
{
	struct spool *s = calloc(1, sizeof *s);

	if (s == NULL)
		die(EX_OSERR, "out of memory");
	s->tmpdir = tmpdir;
	s->fd = tmpfile_in(tmpdir, "spool");
	/* The buffer is the in-memory spool: nothing reaches the file
	 * unless the spool outgrows it. */
	wbuf_init_cap(&s->w, s->fd, budget > WBUF_SIZE ? budget : WBUF_SIZE);
	return s;
}

void
spool_add(struct spool *s, const struct chit *c)
{
	wbuf_write(&s->w, c, c->len);
	s->count++;
}

uint64_t
spool_count(const struct spool *s)
{
	return s->count;
}

void
spool_free(struct spool *s)
{
	if (s == NULL)
		return;
	free(s->w.buf);
	close(s->fd);
	free(s);
}

/* A buffered reader of chits from a file descriptor. */
struct rdr {
	int	 fd;
	char	*buf;
	size_t	 cap, pos, len;
	int	 eof, err;
};

static void
rdr_init(struct rdr *r, int fd, size_t cap)
{
	memset(r, 0, sizeof *r);
	r->fd = fd;
	r->cap = cap;
	if ((r->buf = malloc(cap)) == NULL)
		die(EX_OSERR, "out of memory");
}

/* Make n bytes contiguous at pos; 0 ok, 1 end, -1 error. */
static int
rdr_need(struct rdr *r, size_t n)
{
	while (r->len - r->pos < n) {
		ssize_t k;

		if (r->eof)
			return r->len == r->pos ? 1 : -1;
		if (r->pos > 0) {
			memmove(r->buf, r->buf + r->pos, r->len - r->pos);
			r->len -= r->pos;
			r->pos = 0;
		}
		if (n > r->cap) {
			r->cap = n * 2;
			if ((r->buf = realloc(r->buf, r->cap)) == NULL)
				die(EX_OSERR, "out of memory");
		}
		do
			k = read(r->fd, r->buf + r->len, r->cap - r->len);
		while (k < 0 && errno == EINTR);
		if (k < 0) {
			r->err = errno;
			return -1;
		}
		if (k == 0)
			r->eof = 1;
		r->len += (size_t)k;
	}
	return 0;
}

/* The next chit, valid until the next call; NULL at the end or error. */
static struct chit *
rdr_next(struct rdr *r)
{
	struct chit *c;
	uint32_t len;
	int e;

	if ((e = rdr_need(r, sizeof(uint32_t))) != 0)
		return NULL;
	memcpy(&len, r->buf + r->pos, sizeof len);
	if (len < sizeof(struct chit)) {
		r->err = EINVAL;
		return NULL;
	}
	if (rdr_need(r, len) != 0) {
		if (!r->err)
			r->err = EINVAL;
		return NULL;
	}
	c = (struct chit *)(r->buf + r->pos);
	r->pos += len;
	return c;
}

static int
cmp_ptr(const void *a, const void *b)
{
	return chit_cmp(*(struct chit *const *)a, *(struct chit *const *)b);
}

struct merge {
	struct rdr		*r;
	struct chit		*cur;
};

static int
mless(const struct merge *a, const struct merge *b)
{
	return chit_cmp(a->cur, b->cur) < 0;
}

static void
sift(struct merge *h, size_t n, size_t i)
{
	for (;;) {
		size_t c = 2 * i + 1;
		struct merge t;

		if (c >= n)
			return;
		if (c + 1 < n && mless(&h[c + 1], &h[c]))
			c++;
		if (!mless(&h[c], &h[i]))
			return;
		t = h[i];
		h[i] = h[c];
		h[c] = t;
		i = c;
	}
}

int
spool_sort(struct spool *s, size_t limit, void (*fn)(void *,
    const struct chit *), void *arg, unsigned *nruns)
{
	struct rdr in;
	char *mem;
	struct chit **ptr = NULL;
	size_t nptr = 0, cap = 0, used = 0, i;
	int *runs = NULL;
	unsigned nr = 0;
	struct chit *c;

	if (limit < (4u << 20))
		limit = 4u << 20;
	if (s->w.total == s->w.len && s->w.len <= limit) {
		/* Never spilled: sort it where it is. */
		for (used = 0; used < s->w.len; used += c->len) {
			c = (struct chit *)(s->w.buf + used);
			if (nptr == cap) {
				cap = cap ? cap * 2 : 65536;
				if ((ptr = realloc(ptr, cap * sizeof *ptr)) == NULL)
					die(EX_OSERR, "out of memory");
			}
			ptr[nptr++] = c;
		}
		qsort(ptr, nptr, sizeof *ptr, cmp_ptr);
		for (i = 0; i < nptr; i++)
			fn(arg, ptr[i]);
		*nruns = nptr > 0;
		free(ptr);
		return 0;
	}
	wbuf_flush(&s->w);
	if (s->w.err) {
		errno = s->w.err;
		warnx("spool: write error:");
		return -1;
	}
	if (lseek(s->fd, 0, SEEK_SET) < 0)
		die(EX_IOERR, "spool: seek:");
	rdr_init(&in, s->fd, 1u << 20);
	if ((mem = malloc(limit)) == NULL)
		die(EX_OSERR, "out of memory");
	for (;;) {
		c = rdr_next(&in);
		if (c == NULL || used + c->len > limit) {
			/* Sort the piece; keep it in memory if it is all. */
			qsort(ptr, nptr, sizeof *ptr, cmp_ptr);
			if (c == NULL && nr == 0)
				break;
			if (nptr > 0) {
				struct wbuf w;
				int fd = tmpfile_in(s->tmpdir, "run");

				wbuf_init(&w, fd);
				for (i = 0; i < nptr; i++)
					wbuf_write(&w, ptr[i], ptr[i]->len);
				if (wbuf_close(&w, 1) != 0) {
					warnx("sort run: write error:");
					close(fd);
					goto fail;
				}
				runs = realloc(runs, (nr + 1) * sizeof *runs);
				runs[nr++] = fd;
			}
			nptr = used = 0;
			if (c == NULL)
				break;
			if (c->len > limit) {
				limit = c->len;
				free(mem);
				if ((mem = malloc(limit)) == NULL)
					die(EX_OSERR, "out of memory");
			}
		}
		if (nptr == cap) {
			cap = cap ? cap * 2 : 65536;
			if ((ptr = realloc(ptr, cap * sizeof *ptr)) == NULL)
				die(EX_OSERR, "out of memory");
		}
		memcpy(mem + used, c, c->len);
		ptr[nptr++] = (struct chit *)(mem + used);
		used += c->len;
	}
	if (in.err) {
		errno = in.err;
		warnx("spool: read error:");
		goto fail;
	}
	free(in.buf);
	in.buf = NULL;
	if (nr == 0) {
		for (i = 0; i < nptr; i++)
			fn(arg, ptr[i]);
		*nruns = nptr > 0;
	} else {
		struct merge *h = calloc(nr, sizeof *h);
		size_t n = 0, bufsz = limit / (2 * nr);

		free(mem);
		mem = NULL;
		if (bufsz < 65536)
			bufsz = 65536;
		for (i = 0; i < nr; i++) {
			struct rdr *r = malloc(sizeof *r);

			lseek(runs[i], 0, SEEK_SET);
			rdr_init(r, runs[i], bufsz);
			if ((h[n].cur = rdr_next(r)) != NULL)
				h[n++].r = r;
			else {
				free(r->buf);
				free(r);
			}
		}
		for (i = n; i-- > 0;)
			sift(h, n, i);
		while (n > 0) {
			fn(arg, h[0].cur);
			if ((h[0].cur = rdr_next(h[0].r)) == NULL) {
				if (h[0].r->err) {
					errno = h[0].r->err;
					warnx("sort run: read error:");
				}
				free(h[0].r->buf);
				free(h[0].r);
				h[0] = h[--n];
			}
			sift(h, n, 0);
		}
		free(h);
		*nruns = nr;
	}
	for (i = 0; i < nr; i++)
		close(runs[i]);
	free(runs);
	free(ptr);
	free(mem);
	return 0;
fail:
	free(in.buf);
	for (i = 0; i < nr; i++)
		close(runs[i]);
	free(runs);
	free(ptr);
	free(mem);
	return -1;
}
