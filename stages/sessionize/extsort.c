/*
 * extsort.c - external sorting of compact hits.
 *
 * Hits are appended to a chunk in memory; when the chunk is full its
 * pointers are sorted (chit_cmp: time, visitor, content, so equal input
 * sorts equal whatever its order) and written out as a run. At the end
 * the last chunk is sorted in memory and merged with the runs through a
 * binary heap. A spool that fits in one chunk is never written at all.
 * Memory: the chunk, then the merge's read buffers, never both.
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
	const char	*tmpdir;
	size_t		 budget;
	char		*mem;		/* the chunk */
	size_t		 used;
	struct chit	**ptr;
	size_t		 nptr, cap;
	int		*runs;		/* run files */
	unsigned	 nruns;
	uint64_t	 count;
	int		 err;
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
	s->budget = budget < (4u << 20) ? 4u << 20 : budget;
	/* Pages are touched only as the chunk fills. */
	if ((s->mem = malloc(s->budget)) == NULL)
		die(EX_OSERR, "out of memory");
	return s;
}

static int
cmp_ptr(const void *a, const void *b)
{
	return chit_cmp(*(struct chit *const *)a, *(struct chit *const *)b);
}

/* Sort the chunk and write it as a run; the chunk is then empty. */
static void
flush_run(struct spool *s)
{
	struct wbuf w;
	size_t i;
	int fd;

	if (s->nptr == 0)
		return;
	qsort(s->ptr, s->nptr, sizeof *s->ptr, cmp_ptr);
	fd = tmpfile_in(s->tmpdir, "run");
	wbuf_init(&w, fd);
	for (i = 0; i < s->nptr; i++)
		wbuf_write(&w, s->ptr[i], s->ptr[i]->len);
	if (wbuf_close(&w, 1) != 0) {
		s->err = errno ? errno : EIO;
		close(fd);
	} else {
		s->runs = realloc(s->runs, (s->nruns + 1) * sizeof *s->runs);
		if (s->runs == NULL)
			die(EX_OSERR, "out of memory");
		s->runs[s->nruns++] = fd;
	}
	s->nptr = 0;
	s->used = 0;
}

void
spool_add(struct spool *s, const struct chit *c)
{
	if (s->used + c->len > s->budget) {
		flush_run(s);
		if (c->len > s->budget) {	/* one huge hit: room for it */
			s->budget = c->len;
			free(s->mem);
			if ((s->mem = malloc(s->budget)) == NULL)
				die(EX_OSERR, "out of memory");
		}
	}
	if (s->nptr == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 65536;
		if ((s->ptr = realloc(s->ptr, s->cap * sizeof *s->ptr)) == NULL)
			die(EX_OSERR, "out of memory");
	}
	memcpy(s->mem + s->used, c, c->len);
	s->ptr[s->nptr++] = (struct chit *)(s->mem + s->used);
	s->used += c->len;
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
	unsigned i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nruns; i++)
		close(s->runs[i]);
	free(s->runs);
	free(s->ptr);
	free(s->mem);
	free(s);
}

/* A buffered reader of chits from a run file. */
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

	if (rdr_need(r, sizeof(uint32_t)) != 0)
		return NULL;
	memcpy(&len, r->buf + r->pos, sizeof len);
	if (len < sizeof(struct chit) || rdr_need(r, len) != 0) {
		if (!r->err)
			r->err = EINVAL;
		return NULL;
	}
	c = (struct chit *)(r->buf + r->pos);
	r->pos += len;
	return c;
}

/* A source of the merge: a run reader, or the in-memory chunk. */
struct src {
	struct rdr	*r;		/* NULL: the chunk */
	size_t		 next;		/* chunk position */
	struct chit	*cur;
};

static int
sless(struct src *a, struct src *b)
{
	return chit_cmp(a->cur, b->cur) < 0;
}

static void
sift(struct src *h, size_t n, size_t i)
{
	for (;;) {
		size_t c = 2 * i + 1;
		struct src t;

		if (c >= n)
			return;
		if (c + 1 < n && sless(&h[c + 1], &h[c]))
			c++;
		if (!sless(&h[c], &h[i]))
			return;
		t = h[i];
		h[i] = h[c];
		h[c] = t;
		i = c;
	}
}

static struct chit *
src_next(struct spool *s, struct src *x)
{
	if (x->r)
		return rdr_next(x->r);
	return x->next < s->nptr ? s->ptr[x->next++] : NULL;
}

int
spool_sort(struct spool *s, size_t limit, void (*fn)(void *,
    const struct chit *), void *arg, unsigned *nruns)
{
	struct src *h;
	size_t n = 0, i, bufsz;
	int status = 0;

	(void)limit;	/* the chunk size was set by the budget */
	qsort(s->ptr, s->nptr, sizeof *s->ptr, cmp_ptr);
	*nruns = s->nruns + (s->nptr > 0);
	if (s->err) {
		errno = s->err;
		warnx("sort run: write error:");
		return -1;
	}
	if (s->nruns == 0) {
		for (i = 0; i < s->nptr; i++)
			fn(arg, s->ptr[i]);
		return 0;
	}
	/* The runs' read buffers share what the chunk does not use. */
	bufsz = (s->budget - (s->used < s->budget ? s->used : 0)) /
	    (s->nruns + 1);
	if (bufsz < 65536)
		bufsz = 65536;
	if ((h = calloc(s->nruns + 1, sizeof *h)) == NULL)
		die(EX_OSERR, "out of memory");
	for (i = 0; i < s->nruns; i++) {
		struct rdr *r = malloc(sizeof *r);

		if (r == NULL)
			die(EX_OSERR, "out of memory");
		if (lseek(s->runs[i], 0, SEEK_SET) != 0)
			die(EX_IOERR, "sort run: seek:");
		rdr_init(r, s->runs[i], bufsz);
		h[n].r = r;
		if ((h[n].cur = rdr_next(r)) != NULL)
			n++;
		else {
			free(r->buf);
			free(r);
		}
	}
	h[n].r = NULL;
	h[n].next = 0;
	if ((h[n].cur = src_next(s, &h[n])) != NULL)
		n++;
	for (i = n; i-- > 0;)
		sift(h, n, i);
	while (n > 0) {
		fn(arg, h[0].cur);
		if ((h[0].cur = src_next(s, &h[0])) == NULL) {
			if (h[0].r) {
				if (h[0].r->err) {
					errno = h[0].r->err;
					warnx("sort run: read error:");
					status = -1;
				}
				free(h[0].r->buf);
				free(h[0].r);
			}
			h[0] = h[--n];
		}
		sift(h, n, 0);
	}
	free(h);
	return status;
}
