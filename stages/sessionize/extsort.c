/*
 * extsort.c - external sorting of records (compact hits, sessions).
 *
 * Records are appended to a chunk in memory; when the chunk is full its
 * entries are sorted (by the spool's total order, so equal input sorts
 * equal whatever its order) and written out as a run. An entry holds a
 * record's 64-bit key beside its pointer: most comparisons are of keys
 * alone, without touching the record. At the end the last chunk is
 * sorted in memory and merged with the runs through a binary heap. A
 * spool that fits in one chunk is never written at all.
 *
 * Memory is the chunk and its entries: a merge's read buffers are carved
 * from the chunk's unused tail (the whole chunk, for the merges of runs
 * on the way), unless there are too many runs for that.
 */
#include "extsort.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prog.h"
#include "wbuf.h"

#define SPOOL_CHUNK_MIN	(4u << 20)
#define SPOOL_CHUNK_MAX	(16u << 20)
#define RUN_BUF_MIN	65536
/*
 * Runs merged at once: when FANIN runs of one level exist they are merged
 * into one of the next, so open files stay few (FANIN - 1 per level) and
 * each record is rewritten once per level, however large the input.
 */
#define FANIN		128

/* What every record starts with. */
struct rec {
	uint32_t	 len;
};

struct spool {
	const char	*tmpdir;
	size_t		 budget;
	spool_cmp	 cmp;
	spool_key	 key;
	char		*mem;		/* the chunk */
	size_t		 used;
	struct ent {
		uint64_t	 key;
		struct rec	*p;
	}		*ptr;
	size_t		 nptr, cap;
	struct run {
		int		 fd;
		unsigned	 level;	/* merged from FANIN of level - 1 */
	}		*runs;		/* levels never increase */
	unsigned	 nruns;
	unsigned	 nmerged;	/* runs merged into others */
	unsigned	 fanin;		/* FANIN */
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
spool_new(const char *tmpdir, size_t budget, spool_cmp cmp, spool_key key)
{
	struct spool *s = xcalloc(1, sizeof *s);

	s->tmpdir = tmpdir;
	s->cmp = cmp;
	s->key = key;
	s->fanin = FANIN;
	/*
	 * Chunks over 16 MiB sort slower (cache misses on ties) and save
	 * nothing once there are runs: each record is written and read
	 * once whatever their number.
	 */
	s->budget = budget < SPOOL_CHUNK_MIN ? SPOOL_CHUNK_MIN :
	    budget > SPOOL_CHUNK_MAX ? SPOOL_CHUNK_MAX : budget;
	/* Pages are touched only as the chunk fills. */
	if ((s->mem = malloc(s->budget)) == NULL)
		die(EX_OSERR, "out of memory");
	return s;
}

/* qsort has no argument for its comparison: the spool being sorted. */
static _Thread_local spool_cmp sorting;

static int
cmp_ent(const void *va, const void *vb)
{
	const struct ent *a = va, *b = vb;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return sorting(a->p, b->p);
}

static void
sort_chunk(struct spool *s)
{
	sorting = s->cmp;
	qsort(s->ptr, s->nptr, sizeof *s->ptr, cmp_ent);
}

/* ---- reading runs ---- */

/* A buffered reader of records from a run file. */
struct rdr {
	int	 fd;
	char	*buf;		/* of the chunk's tail, or own */
	size_t	 cap, pos, len;
	int	 own, eof, err;
};

/* A reader with cap bytes at buf, or its own when buf is NULL. */
static struct rdr *
rdr_new(int fd, char *buf, size_t cap)
{
	struct rdr *r = xcalloc(1, sizeof *r);

	if (lseek(fd, 0, SEEK_SET) != 0)
		die(EX_IOERR, "sort run: seek:");
	r->fd = fd;
	r->cap = cap;
	r->buf = buf;
	if (buf == NULL) {
		r->own = 1;
		if ((r->buf = malloc(cap)) == NULL)
			die(EX_OSERR, "out of memory");
	}
	return r;
}

static void
rdr_free(struct rdr *r)
{
	if (r->own)
		free(r->buf);
	free(r);
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
		if (n > r->cap) {	/* a record longer than the buffer */
			char *b = r->own ? r->buf : NULL;

			r->cap = n * 2;
			if ((b = realloc(b, r->cap)) == NULL)
				die(EX_OSERR, "out of memory");
			if (!r->own)
				memcpy(b, r->buf, r->len);
			r->buf = b;
			r->own = 1;
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

/* The next record, valid until the next call; NULL at the end or error. */
static struct rec *
rdr_next(struct rdr *r)
{
	struct rec *c;
	uint32_t len;

	if (rdr_need(r, sizeof(uint32_t)) != 0)
		return NULL;
	memcpy(&len, r->buf + r->pos, sizeof len);
	if (len < sizeof(struct rec) || len % 8 != 0 || rdr_need(r, len) != 0) {
		if (!r->err)
			r->err = EINVAL;
		return NULL;
	}
	c = (struct rec *)(r->buf + r->pos);
	r->pos += len;
	return c;
}

/* ---- merging ---- */

/* A source of a merge: a run reader, or the in-memory chunk. */
struct src {
	struct rdr	*r;		/* NULL: the chunk */
	size_t		 next;		/* chunk position */
	struct rec	*cur;
	uint64_t	 key;		/* of cur */
};

static int
sless(spool_cmp cmp, struct src *a, struct src *b)
{
	if (a->key != b->key)
		return a->key < b->key;
	return cmp(a->cur, b->cur) < 0;
}

static void
sift(spool_cmp cmp, struct src *h, size_t n, size_t i)
{
	for (;;) {
		size_t c = 2 * i + 1;
		struct src t;

		if (c >= n)
			return;
		if (c + 1 < n && sless(cmp, &h[c + 1], &h[c]))
			c++;
		if (!sless(cmp, &h[c], &h[i]))
			return;
		t = h[i];
		h[i] = h[c];
		h[c] = t;
		i = c;
	}
}

/* The source's next record into x->cur (and its key); NULL at the end. */
static struct rec *
src_next(struct spool *s, struct src *x)
{
	if (x->r) {
		if ((x->cur = rdr_next(x->r)) != NULL)
			x->key = s->key(x->cur);
	} else if (x->next < s->nptr) {
		x->key = s->ptr[x->next].key;
		x->cur = s->ptr[x->next++].p;
	} else {
		x->cur = NULL;
	}
	return x->cur;
}

/* A source is done: 0, or -1 after a message if its run was bad. */
static int
src_done(struct src *x)
{
	int r = 0;

	if (x->r == NULL)
		return 0;
	if (x->r->err) {
		errno = x->r->err;
		warnx("sort run: read error:");
		r = -1;
	}
	rdr_free(x->r);
	return r;
}

/*
 * Merge the k runs at runs (and the sorted chunk, if chunk) into fn, in
 * order. The runs' read buffers are carved from the free tail bytes at
 * tail when that gives each RUN_BUF_MIN; else each has its own. Returns
 * 0, or -1 after a message.
 */
static int
merge(struct spool *s, const struct run *runs, unsigned k, int chunk,
    char *tail, size_t ntail, void (*fn)(void *, void *), void *arg)
{
	struct src *h = xcalloc(k + 1, sizeof *h);
	size_t n = 0, i, bufsz = k ? ntail / k / 8 * 8 : 0;
	int carve = bufsz >= RUN_BUF_MIN, status = 0;

	for (i = 0; i < k; i++) {
		h[n].r = rdr_new(runs[i].fd, carve ? tail + bufsz * i : NULL,
		    carve ? bufsz : RUN_BUF_MIN);
		if (src_next(s, &h[n]) != NULL)
			n++;
		else if (src_done(&h[n]) != 0)
			status = -1;
	}
	if (chunk) {
		h[n].r = NULL;
		h[n].next = 0;
		if (src_next(s, &h[n]) != NULL)
			n++;
	}
	for (i = n; i-- > 0;)
		sift(s->cmp, h, n, i);
	while (n > 0) {
		fn(arg, h[0].cur);
		if (src_next(s, &h[0]) == NULL) {
			if (src_done(&h[0]) != 0)
				status = -1;
			h[0] = h[--n];
		}
		sift(s->cmp, h, n, 0);
	}
	free(h);
	return status;
}

/* ---- writing runs ---- */

static void
write_rec(void *w, void *rec)
{
	wbuf_write(w, rec, ((struct rec *)rec)->len);
}

/* A new run of the given level, written by fill; s->err on failure. */
static void
add_run(struct spool *s, unsigned level, int (*fill)(struct spool *,
    struct wbuf *))
{
	struct wbuf w;
	int fd = tmpfile_in(s->tmpdir, "run"), bad;

	wbuf_init(&w, fd);
	bad = fill(s, &w);
	if (wbuf_close(&w, 1) != 0 || bad) {
		if (!s->err)
			s->err = errno ? errno : EIO;
		close(fd);
		return;
	}
	if ((s->runs = realloc(s->runs, (s->nruns + 1) * sizeof *s->runs)) ==
	    NULL)
		die(EX_OSERR, "out of memory");
	s->runs[s->nruns].fd = fd;
	s->runs[s->nruns++].level = level;
}

static int
fill_chunk(struct spool *s, struct wbuf *w)
{
	size_t i;

	for (i = 0; i < s->nptr; i++)
		write_rec(w, s->ptr[i].p);
	return 0;
}

/* The last FANIN runs, merged into one (the chunk is empty: its memory
 * is the merge's buffers). */
static int
fill_merged(struct spool *s, struct wbuf *w)
{
	return merge(s, s->runs + s->nruns - s->fanin, s->fanin, 0, s->mem,
	    s->budget, write_rec, w);
}

/* Sort the chunk and write it as a run; the chunk is then empty. Runs
 * of one level, FANIN of them, become one of the next. */
static void
flush_run(struct spool *s)
{
	if (s->nptr == 0)
		return;
	sort_chunk(s);
	add_run(s, 0, fill_chunk);
	s->nptr = 0;
	s->used = 0;
	while (!s->err && s->nruns >= s->fanin && s->runs[s->nruns -
	    s->fanin].level == s->runs[s->nruns - 1].level) {
		unsigned first = s->nruns - s->fanin, level = s->runs[first].level;
		unsigned i, n = s->nruns;

		add_run(s, level + 1, fill_merged);
		if (s->err)
			break;
		for (i = first; i < n; i++)
			close(s->runs[i].fd);
		s->runs[first] = s->runs[n];
		s->nruns = first + 1;
		s->nmerged += s->fanin;
	}
}

void
spool_add(struct spool *s, const void *rec)
{
	const struct rec *c = rec;

	/* The budget holds the chunk's records and their pointers. */
	if (s->used + c->len + (s->nptr + 1) * sizeof *s->ptr > s->budget) {
		flush_run(s);
		if (c->len > s->budget) {	/* one huge record: room for it */
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
	s->ptr[s->nptr].p = (struct rec *)(s->mem + s->used);
	s->ptr[s->nptr++].key = s->key(c);
	s->used += c->len;
	s->count++;
}

void
spool_fanin(struct spool *s, unsigned n)
{
	s->fanin = n < 2 ? 2 : n;
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
		close(s->runs[i].fd);
	free(s->runs);
	free(s->ptr);
	free(s->mem);
	free(s);
}

int
spool_sort(struct spool *s, void (*fn)(void *, void *), void *arg,
    unsigned *nruns)
{
	size_t i;

	sort_chunk(s);
	*nruns = s->nruns + (s->nptr > 0) + s->nmerged;
	if (s->err) {
		errno = s->err;
		warnx("sort run: write error:");
		return -1;
	}
	if (s->nruns == 0) {
		for (i = 0; i < s->nptr; i++)
			fn(arg, s->ptr[i].p);
		return 0;
	}
	/* The chunk's unused tail: the runs' read buffers. */
	return merge(s, s->runs, s->nruns, 1, s->mem + s->used,
	    s->used < s->budget ? s->budget - s->used : 0, fn, arg);
}
