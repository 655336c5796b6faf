/*
 * sessionize.c - the read loop of revisit-sessionize and its two ways
 * to order hits.
 *
 * Streaming: hits go through the reorder window (reorder.h), which
 * releases them in time order once the input's time has passed them by
 * --max-disorder; servers that log a little out of step are put back in
 * order this way, in memory bounded by the window. A hit that arrives
 * after later ones were released is behind the window: streaming can no
 * longer be right.
 *
 * So by default (auto) output to a pipe is held in a temporary file, and
 * the page hits of input from a pipe are copied to one, packed
 * (packed.h), as they are read; if the input turns out to be far out of
 * order, the sessions written or held are dropped. The common case is
 * server files one after another: a few parts, each in time order. The
 * rest of the input is only scanned for where its parts begin, and the
 * parts are then read again side by side, merged by time, and streamed
 * (their merge is within the window: see track_part). Input of too many
 * parts, or whose open state outgrows --memory-limit, goes to an
 * external sort instead: what was read so far (a pipe's copy, a file
 * again up to where it stopped), then the rest as it comes. No wrong
 * session is ever written.
 * --sort sorts from the start; --stream writes as it goes and fails with
 * status 65 on far disorder.
 */
#include "sessionize.h"

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chit.h"
#include "extsort.h"
#include "hit.h"
#include "mpc.h"
#include "packed.h"
#include "prog.h"
#include "reorder.h"
#include "sessions.h"
#include "timeparse.h"

struct sz {
	const struct sz_opts	*o;
	struct wbuf		*out;
	enum sz_mode		 mode;		/* SZ_SORT after a fallback */
	struct sess_opts	 so;
	struct sessions		*S;
	struct carena		*arena;
	struct reorder		 win;		/* to the sessions, in order */
	struct spool		*spool;
	int			 holdfd;
	struct wbuf		 hold;		/* sessions, until the end */
	int			 holding;	/* output held in hold */
	int			 stop;		/* fallback: read again, sorting */
	int			 scanning;	/* far out of order: only finding
						   its parts */
	int			 replay;	/* reading the parts, merged */
	int			 replayed;	/* and that went to the end */
	int			 fell_merging;	/* fell back while merging them */
	struct parts {
		uint64_t	*start;		/* offsets of parts after the first */
		size_t		 n, cap;
		uint64_t	 end;		/* where the first pass stopped */
		int64_t		 max;		/* latest time of the current part */
		int		 started;
	}			*parts;		/* per input */
	size_t			 nsplits, maxparts;
	size_t			 ninputs;
	struct wbuf		*copies;	/* per input: a pipe's page hits,
						   packed; fd -1 for none */
	struct origins		*origins;	/* of the copies' referrers */
	const char		**names;	/* per input, for messages */
	int			 passfd;
	struct wbuf		 pass;		/* other records */
	struct device_cache	*devices;	/* device class by agent */
	int			 status;
	const char		*why;		/* reason for a fallback */
	struct progress		 prog;
	uint64_t		 ticks;
	unsigned long long	 nrec, nhits, npages, nskip, npass, nbad;
};

/* The window's hits, released in time order, to the sessions. */
static void
to_sessions(void *arg, struct chit *c)
{
	struct sz *z = arg;

	sessions_hit(z->S, c);
	carena_release(z->arena, c);
}

static void
to_arena(void *arg, struct chit *c)
{
	carena_release(arg, c);
}

/* Empty a buffered file: what it holds and what it wrote. */
static void
unwrite(struct wbuf *w)
{
	w->len = 0;
	w->total = 0;
	if (ftruncate(w->fd, 0) != 0 || lseek(w->fd, 0, SEEK_SET) != 0)
		die(EX_IOERR, "cannot truncate the output to write it again:");
}

/* Drop the streaming state and the sessions written or held so far. */
static void
drop_sessions(struct sz *z)
{
	reorder_clear(&z->win, to_arena, z->arena);
	sessions_free(z->S);
	z->S = NULL;
	unwrite(z->holding ? &z->hold : z->out);
#ifdef __GLIBC__
	/* The open sessions were many small blocks: give their pages back
	 * to the system, or they stay resident beside what comes next. */
	malloc_trim(0);
#endif
}

/* Stop streaming: from now on hits are only spooled, then sorted. */
static void
fall_back(struct sz *z, const char *why)
{
	drop_sessions(z);
	z->mode = SZ_SORT;
	z->why = why;
	z->fell_merging = z->replay;
	z->scanning = 0;
	z->spool = spool_new(z->o->tmpdir, z->o->memory_limit / 2,
	    chit_cmp_visitor, chit_visitor_key);
	if (z->holding) {
		/* The held output is dropped, and its buffer with it. */
		free(z->hold.buf);
		z->hold.buf = NULL;
		z->hold.len = z->hold.cap = 0;
	}
	/* Stop here: what was read goes to the sort, then the rest. */
	z->stop = 1;
}

/*
 * The parts of an input, each in time order within --max-disorder: a
 * page hit at or more than the window before the latest of its part
 * begins a new part. Streaming trips only on such a hit, so a trip means
 * at least two parts; and the earliest-first merge of parts is itself
 * within the window (a hit taken after q is at least its own part's
 * head at q's turn, itself no earlier than q, less the window), so the
 * merge streams without tripping.
 */
static void
track_part(struct sz *z, size_t i, uint64_t off, int64_t ts)
{
	struct parts *p = &z->parts[i];

	if (!p->started) {
		p->started = 1;
		p->max = ts;
		return;
	}
	if (ts > p->max - z->o->max_disorder) {
		if (ts > p->max)
			p->max = ts;
		return;
	}
	if (z->ninputs + z->nsplits < z->maxparts) {
		p->start = grow_array(p->start, &p->cap, p->n, sizeof *p->start);
		p->start[p->n++] = off;
	}
	z->nsplits++;
	p->max = ts;
	if (z->scanning && z->ninputs + z->nsplits > z->maxparts) {
		if (!z->o->quiet)
			warnx("more than %zu time-ordered parts: sorting the "
			    "input instead", z->maxparts);
		fall_back(z, "out of order");
	}
}

struct src;
static void	take_hit(struct sz *, struct src *);

/*
 * An input being read: its next hit decoded, waiting for its turn. A
 * pipe's copy is read as the packed chits it holds (c, in the read
 * buffer).
 */
struct src {
	struct mpr	 in;
	const char	*name;
	int		 fd;
	size_t		 i;		/* of the paths */
	int		 chits;		/* reading a copy */
	int		 has;		/* its next hit is h or c (used bytes) */
	int		 done;
	int64_t		 ts;		/* of that hit */
	struct hit	 h;
	const char	*c;
	size_t		 used;
};

static void	place(struct sz *, struct chit *, const char *name);

static struct chit *
make_chit(struct sz *z, const struct hit *h)
{
	struct chit *c = carena_alloc(z->arena, chit_size(h));

	return chit_make(c, h, device_cached(z->devices, h->ua.p, h->ua.len));
}

/* Where the next page hit of input i goes in its copy, else in it. */
static uint64_t
part_offset(const struct sz *z, const struct src *s)
{
	const struct wbuf *w = &z->copies[s->i];

	return w->fd >= 0 ? w->total : s->in.off + s->in.pos;
}

static void
take_hit(struct sz *z, struct src *s)
{
	const struct hit *h = &s->h;
	struct chit *c = NULL;

	if (h->kind != HIT_PAGE || h->status < 200 || h->status > 399 ||
	    h->method.p == NULL) {
		if (!z->replay) {
			z->nhits++;
			z->nskip++;
		}
		return;
	}
	if (!z->replay) {
		struct wbuf *copy = &z->copies[s->i];
		uint64_t off = part_offset(z, s);

		z->nhits++;
		z->npages++;
		if (z->mode == SZ_AUTO && copy->fd >= 0) {
			/* Copied before its part is tracked, which may fall
			 * back: the sort then finds it in the copy. */
			char *p;

			c = make_chit(z, h);
			p = wbuf_reserve(copy, chit_packed_max(c));
			wbuf_commit(copy, p + chit_pack(z->origins, c, p));
		}
		if (z->mode == SZ_AUTO)
			track_part(z, s->i, off, h->ts);
		if (z->scanning || z->stop) {
			if (c != NULL)
				carena_release(z->arena, c);
			return;
		}
	}
	place(z, c != NULL ? c : make_chit(z, h), s->name);
}

/* A hit read back from a copy: page hits only, counted when copied. */
static void
take_chit(struct sz *z, struct src *s)
{
	size_t n = chit_unpacked_size(z->origins, s->c, s->used);
	struct chit *c;

	if (n == 0)
		die(EX_IOERR, "%s: the copy of the input in --tmpdir is "
		    "damaged", s->name);
	c = chit_unpack(z->origins, s->c, s->used, carena_alloc(z->arena, n));
	place(z, c, s->name);
}

/* Where a page hit goes: the sort, or the reorder window. */
static void
place(struct sz *z, struct chit *c, const char *name)
{
	if (z->spool)
		spool_add(z->spool, c);
	if (z->mode == SZ_SORT) {
		carena_release(z->arena, c);
		return;
	}
	if (reorder_behind(&z->win, c->ts)) {
		char a[32], b[32];

		time_format_iso(c->ts, a);
		time_format_iso(reorder_released(&z->win), b);
		if (z->o->mode == SZ_STREAM) {
			warnx("%s: record %llu: hit at %s comes after hits up to %s, "
			    "beyond --max-disorder: sessions would be wrong; run "
			    "without --stream, or with --sort", name, z->nrec, a, b);
			z->status = EX_DATAERR;
			carena_release(z->arena, c);
			return;
		}
		carena_release(z->arena, c);
		if (!z->replay && z->nsplits > 0 &&
		    z->ninputs + z->nsplits <= z->maxparts) {
			if (!z->o->quiet)
				warnx("%s: record %llu: hit at %s after hits up "
				    "to %s: input out of order beyond "
				    "--max-disorder; merging its time-ordered "
				    "parts", name, z->nrec, a, b);
			drop_sessions(z);
			z->scanning = 1;
			return;
		}
		if (!z->o->quiet && z->replay)
			warnx("its parts merged are out of order beyond "
			    "--max-disorder: sorting the input instead");
		else if (!z->o->quiet)
			warnx("%s: record %llu: hit at %s after hits up to %s: input "
			    "out of order beyond --max-disorder, sorting it", name,
			    z->nrec, a, b);
		fall_back(z, "out of order");
		return;
	}
	reorder_add(&z->win, c);
	if (z->mode == SZ_AUTO && carena_bytes(z->arena) +
	    sessions_bytes(z->S) > z->o->memory_limit / 4) {
		if (!z->o->quiet)
			warnx("open sessions exceed --memory-limit: sorting the "
			    "input on disk instead");
		fall_back(z, "memory");
	}
}

/*
 * The next hit of an input into s->h, passing other records on as the
 * bytes they came as. Hits are decoded in one pass over the input
 * buffer (the common case); anything else is framed first. Reading the
 * parts again, the other records were passed on and counted already.
 */
static void
chit_next(struct src *s)
{
	while (!s->has && !s->done) {
		size_t avail;
		const char *p = mpr_window(&s->in, &avail);
		uint32_t len = 0;
		int r;

		if (avail >= sizeof len)
			memcpy(&len, p, sizeof len);
		if (avail < sizeof len || avail < len) {
			if ((r = mpr_more(&s->in)) <= 0) {
				/* A copy is whole when read: an end inside a
				 * chit is a damaged --tmpdir. */
				if (r < 0 || avail > 0)
					die(EX_IOERR, "%s: the copy of the input in "
					    "--tmpdir is damaged", s->name);
				s->done = 1;
			}
			continue;
		}
		if (len < PACKED_MIN)
			die(EX_IOERR, "%s: the copy of the input in --tmpdir is "
			    "damaged", s->name);
		s->ts = packed_ts(p);
		s->c = p;
		s->used = len;
		s->has = 1;
	}
}

static void
src_next(struct sz *z, struct src *s)
{
	int r = 0;

	if (s->chits) {
		chit_next(s);
		return;
	}
	while (!s->has && !s->done && !z->stop &&
	    (z->status != EX_DATAERR || z->o->mode != SZ_STREAM)) {
		const char *p, *rec, *t;
		size_t avail, len, tn;

		p = mpr_window(&s->in, &avail);
		r = avail ? hit_decode_prefix(p, avail, &s->h, &s->used) :
		    MPC_SHORT;
		if (r == MPC_SHORT) {
			if ((r = mpr_more(&s->in)) > 0)
				continue;
			if (r == 0 && avail > 0 && !z->replay)
				r = mpr_truncated(&s->in);
			s->done = 1;
			break;
		}
		if (!z->replay) {
			z->nrec++;
			progress_tick(&z->prog, mpr_bytes(&s->in), z->nrec,
			    &z->ticks);
		}
		if (r == 0) {
			s->ts = s->h.ts;
			s->has = 1;
			break;
		}
		if ((r = mpr_next(&s->in, &rec, &len)) <= 0) {
			s->done = 1;
			break;
		}
		if (z->replay)
			continue;
		if (mpc_record_type(rec, len, &t, &tn) == 0 && tn == 3 &&
		    memcmp(t, "hit", 3) == 0) {
			if (z->nbad++ < 10)
				warnx("%s: record %llu: hit without ts, vid, status "
				    "or kind: skipped", s->name, z->nrec);
			continue;
		}
		wbuf_write(&z->pass, rec, len);		/* as it came */
		z->npass++;
	}
	if (r < 0)
		z->status = status_merge(z->status, s->in.status);
}

static int
is_regular(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * Open input i. One that cannot be read again (a pipe) gets a copy in
 * --tmpdir, unless sorting from the start: its page hits, packed,
 * which is all that merging its parts or sorting needs of it.
 */
static int
open_input(struct sz *z, struct src *v, char *const *paths, size_t i)
{
	v->i = i;
	if ((v->fd = input_open(paths[i], &v->name)) < 0) {
		z->status = status_merge(z->status, EX_NOINPUT);
		return -1;
	}
	mpr_init(&v->in, v->fd, v->name);
	z->names[i] = v->name;
	if (z->mode == SZ_AUTO && !is_regular(v->fd))
		wbuf_init(&z->copies[i], tmpfile_in(z->o->tmpdir, "input"));
	return 0;
}

/*
 * A copy about to be read must be whole: sessions of the part that was
 * copied would be wrong.
 */
static void
copy_ready(struct sz *z, size_t i)
{
	struct wbuf *w = &z->copies[i];

	wbuf_flush(w);
	if (w->err) {
		errno = w->err;
		die(EX_IOERR, "%s: cannot keep a copy of the input in --tmpdir "
		    "to read it again:", z->names[i]);
	}
}

/* The end of the first pass over an input: where it stopped. */
static void
close_input(struct sz *z, struct src *v)
{
	const struct wbuf *w = &z->copies[v->i];

	z->parts[v->i].end = w->fd >= 0 ? w->total : v->in.off + v->in.pos;
	mpr_free(&v->in);
	input_close(v->fd);
}

/*
 * A reader of [from, to) of input i again: of its copy, or of the file,
 * by pread (the first pass's reader may still be reading it).
 */
static void
src_range(struct sz *z, struct src *v, size_t i, int fd, uint64_t from,
    uint64_t to, size_t cap)
{
	memset(v, 0, sizeof *v);
	v->i = i;
	v->name = z->names[i];
	v->chits = z->copies[i].fd >= 0;
	v->fd = v->chits ? z->copies[i].fd : fd;
	mpr_init_range(&v->in, v->fd, v->name, from, to, cap);
}

static void	merge(struct sz *, struct src *, size_t);

/*
 * The sort takes input i from the start to end (a file's offset; a
 * copy is taken whole), without counting it again or passing its other
 * records on twice.
 */
static void
spool_again(struct sz *z, size_t i, int fd, uint64_t end)
{
	struct src r;

	if (z->copies[i].fd >= 0) {
		copy_ready(z, i);
		end = z->copies[i].total;
	}
	src_range(z, &r, i, fd, 0, end, WBUF_SIZE);
	z->replay = 1;
	merge(z, &r, 1);
	z->replay = 0;
	mpr_free(&r.in);
}

/*
 * Several inputs are merged by time, hit by hit (the earliest next hit
 * first; a tie goes to the input named first): each server's own log is
 * in time order, so their merge is too, and streams. Inputs whose
 * order goes beyond --max-disorder fall back to sorting as ever.
 */
static void
merge(struct sz *z, struct src *v, size_t k)
{
	size_t i;

	for (;;) {
		struct src *best = NULL;

		for (i = 0; i < k; i++) {
			src_next(z, &v[i]);
			if (v[i].has && (best == NULL || v[i].ts < best->ts))
				best = &v[i];
		}
		if (best == NULL || z->stop ||
		    (z->status == EX_DATAERR && z->o->mode == SZ_STREAM))
			break;
		if (best->chits)
			take_chit(z, best);
		else
			take_hit(z, best);
		mpr_consume(&best->in, best->used);
		best->has = 0;
	}
}

/*
 * The first pass. A fallback to sorting stops it: the sort takes what
 * each input gave so far (a pipe's copy, a file again up to where it
 * is), then the pass goes on, into the sort, from where it stopped.
 */
static void
read_inputs(struct sz *z, char *const *paths, size_t n)
{
	struct src *v = xcalloc(n + 1, sizeof *v);
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (open_input(z, &v[k], paths, i) == 0)
			k++;
	merge(z, v, k);
	if (z->stop) {
		z->stop = 0;
		for (i = 0; i < k; i++)
			spool_again(z, v[i].i, v[i].fd, v[i].in.off + v[i].in.pos);
		merge(z, v, k);
	}
	for (i = 0; i < k; i++)
		close_input(z, &v[i]);
	free(v);
}

/*
 * Stream the parts the first pass found, side by side, merged by time:
 * each input's parts read from the input again (a pipe's from its
 * copy), each part by its own reader of PART_BUF bytes. The earliest
 * hit goes first; a tie goes to the input named first, then to its
 * earlier part. Should that fall back to sorting after all, the sort
 * takes every input whole.
 */
#define PART_BUF	(256u << 10)

static void
read_parts(struct sz *z, char *const *paths, size_t n)
{
	struct src *v = calloc(n + z->nsplits + 1, sizeof *v);
	int *fds = malloc(n * sizeof *fds);
	size_t i, j, k = 0;

	if (v == NULL || fds == NULL)
		die(EX_OSERR, "out of memory");
	z->replay = 1;
	z->S = sessions_new(&z->so, z->holding ? &z->hold : z->out);
	for (i = 0; i < n; i++) {
		const struct parts *p = &z->parts[i];
		const char *name = z->names[i];

		fds[i] = -1;
		if (name == NULL)
			continue;	/* could not be opened at all */
		if (z->copies[i].fd >= 0)
			copy_ready(z, i);
		else if ((fds[i] = input_open(paths[i], &name)) < 0)
			die(EX_NOINPUT, "%s: cannot read it again:", paths[i]);
		for (j = 0; j <= p->n; j++, k++)
			src_range(z, &v[k], i, fds[i],
			    j ? p->start[j - 1] : 0,
			    j < p->n ? p->start[j] : p->end, PART_BUF);
	}
	merge(z, v, k);
	for (i = 0; i < k; i++)
		mpr_free(&v[i].in);
	z->replay = 0;
	if (z->stop) {
		z->stop = 0;
		for (i = 0; i < n; i++)
			if (z->names[i] != NULL)
				spool_again(z, i, fds[i], z->parts[i].end);
	}
	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			input_close(fds[i]);
	free(v);
	free(fds);
}

/*
 * Sorting sessionizes visitor by visitor, so that one session is open at
 * a time however many visitors the input has: the hits are sorted by
 * visitor (chunks of half the memory limit, at most 16 MiB), their
 * sessions are spooled (a quarter, at most 16 MiB) and sorted into the
 * order streaming writes, start, vid, sequence. The records are the same either way: a visitor's hits come
 * in the same order under both sorts.
 */
static void
feed(void *arg, void *c)
{
	sessions_hit(arg, c);
}

static void
keep_session(void *arg, const struct sess_rec *r)
{
	spool_add(arg, r);
}

static void
write_session(void *arg, void *rec)
{
	const struct sess_rec *r = rec;

	wbuf_write(arg, r->data + r->vidlen, r->reclen);
}

/* The sort's output: sessions of the spooled hits. Returns a status. */
static int
sort_out(struct sz *z, struct wbuf *out, unsigned *nruns, unsigned *sruns)
{
	struct spool *ss = spool_new(z->o->tmpdir, z->o->memory_limit / 4,
	    sess_rec_cmp, sess_rec_key);
	int status = 0;

	z->S = sessions_new_by_visitor(&z->so, keep_session, ss);
	if (spool_sort(z->spool, feed, z->S, nruns) != 0)
		status = EX_IOERR;
	sessions_finish(z->S);
	spool_free(z->spool);	/* its memory, for the sessions' merge */
	z->spool = NULL;
	if (spool_sort(ss, write_session, out, sruns) != 0)
		status = EX_IOERR;
	spool_free(ss);
	return status;
}

/* Copy the whole of temporary file fd to out. */
static void
copy_file(int fd, struct wbuf *out, const char *what)
{
	if (wbuf_copy_file(out, fd) != 0)
		die(EX_IOERR, "%s: copy error:", what);
}

int
sz_run(char *const *paths, size_t npaths, struct wbuf *out,
    const struct sz_opts *o)
{
	static char *const dash[] = { "-" };
	struct sz z;
	unsigned nruns = 0;
	size_t i;

	memset(&z, 0, sizeof z);
	z.o = o;
	z.out = out;
	z.mode = o->mode;
	z.so.timeout = o->timeout;
	z.so.campaign_split = o->campaign_split;
	z.so.tc = &o->tc;
	z.arena = carena_new();
	z.origins = origins_new();
	reorder_init(&z.win, o->max_disorder, to_sessions, &z);
	z.passfd = tmpfile_in(o->tmpdir, "pass");
	wbuf_init(&z.pass, z.passfd);
	z.devices = device_cache_new();
	if (npaths == 0) {
		paths = dash;
		npaths = 1;
	}
	/*
	 * What a fallback to sorting needs: the input again (files are
	 * read again, a pipe's page hits are copied to --tmpdir as they are
	 * read), and the sessions written so far undone (a hold, unless the
	 * output is an -o file that can be truncated). Memory: a quarter of
	 * the limit for the window and the open sessions (then the
	 * fallback). Held output goes to its file through a buffer of the
	 * usual size: memory first touched costs a process far more than
	 * the page cache does the kernel (on a virtual machine that gives
	 * free memory back, microseconds a page), and the file is spliced
	 * to the output at the end without a copy.
	 */
	z.copies = xcalloc(npaths, sizeof *z.copies);
	z.names = xcalloc(npaths, sizeof *z.names);
	for (i = 0; i < npaths; i++)
		z.copies[i].fd = -1;
	if (o->mode == SZ_SORT)
		z.spool = spool_new(o->tmpdir, o->memory_limit / 2,
		    chit_cmp_visitor, chit_visitor_key);
	z.ninputs = npaths;
	z.parts = xcalloc(npaths, sizeof *z.parts);
	/* The parts' read buffers: at most a quarter of the limit. */
	z.maxparts = o->memory_limit / 4 / PART_BUF;
	if (z.maxparts > 64)
		z.maxparts = 64;
	if (z.maxparts < 2)
		z.maxparts = 2;
	z.holding = o->mode == SZ_AUTO && out->tmppath == NULL;
	if (z.holding) {
		z.holdfd = tmpfile_in(o->tmpdir, "hold");
		wbuf_init(&z.hold, z.holdfd);
		z.S = sessions_new(&z.so, &z.hold);
	} else if (o->mode != SZ_SORT) {
		z.S = sessions_new(&z.so, out);
	}
	progress_init(&z.prog, o->progress);
	read_inputs(&z, paths, npaths);
	if (z.scanning) {
		z.scanning = 0;
		read_parts(&z, paths, npaths);
		z.replayed = z.mode != SZ_SORT;
		if (z.replayed && !o->quiet)
			fprintf(stderr, "%s: merged %zu time-ordered parts of the "
			    "input (out of order)\n", prog_name,
			    z.ninputs + z.nsplits);
	}
	progress_done(&z.prog);

	if (z.mode == SZ_SORT) {
		unsigned long long nspooled = spool_count(z.spool);
		unsigned sruns = 0;

		z.status = status_merge(z.status, sort_out(&z, out, &nruns,
		    &sruns));
		if (!o->quiet)
			fprintf(stderr, "%s: sorted %llu page hits in %u run%s, "
			    "their sessions in %u (%s)\n", prog_name, nspooled,
			    nruns, nruns == 1 ? "" : "s", sruns,
			    z.why ? z.why : "--sort");
	} else {
		reorder_flush(&z.win);
		sessions_finish(z.S);
		if (z.holding) {
			/* What spilled to the file, then what is in memory. */
			if (z.hold.total > z.hold.len) {
				size_t keep = z.hold.len;

				z.hold.len = 0;		/* the file part only */
				if (wbuf_copy_file(out, z.holdfd) != 0)
					die(EX_IOERR, "held sessions: copy error:");
				z.hold.len = keep;
			}
			if (z.hold.err) {
				errno = z.hold.err;
				die(EX_IOERR, "held sessions: write error:");
			}
			wbuf_write(out, z.hold.buf, z.hold.len);
		}
	}
	if (o->result != NULL) {
		o->result->sorted = z.mode == SZ_SORT;
		o->result->parts = z.replayed ? z.ninputs + z.nsplits : 0;
		o->result->why = z.mode == SZ_SORT ? (z.why ? z.why : "--sort") :
		    NULL;
		o->result->while_merging = z.fell_merging;
		o->result->copied = 0;
		for (i = 0; i < npaths; i++)
			if (z.copies[i].fd >= 0)
				o->result->copied += z.copies[i].total;
	}
	wbuf_flush(&z.pass);
	if (z.pass.err) {
		errno = z.pass.err;
		die(EX_IOERR, "passed records: write error:");
	}
	copy_file(z.passfd, out, "passed records");
	if (!o->quiet)
		fprintf(stderr, "%s: %llu records: %llu hits, %llu page hits in "
		    "%llu sessions, %llu hits not in sessions, %llu passed "
		    "through, %llu bad\n", prog_name, z.nrec, z.nhits, z.npages,
		    sessions_count(z.S), z.nskip, z.npass, z.nbad);
	sessions_free(z.S);
	spool_free(z.spool);
	if (z.holding) {
		free(z.hold.buf);
		close(z.holdfd);
	}
	free(z.pass.buf);
	close(z.passfd);
	reorder_free(&z.win);
	free(z.devices);
	for (i = 0; i < npaths; i++) {
		if (z.copies[i].fd >= 0) {
			free(z.copies[i].buf);
			close(z.copies[i].fd);
		}
	}
	for (i = 0; i < npaths; i++)
		free(z.parts[i].start);
	free(z.parts);
	free(z.copies);
	free(z.names);
	carena_free(z.arena);
	origins_free(z.origins);
	return z.status;
}
