/*
 * sessionize.c - the read loop of revisit-sessionize and its two ways
 * to order hits.
 *
 * Streaming: hits go through a reorder heap that releases them in time
 * order once the input's time has passed them by --max-disorder; servers
 * that log a little out of step are put back in order this way, in
 * memory bounded by the window. A hit that arrives after later ones were
 * released is beyond the window: streaming can no longer be right.
 *
 * So by default (auto) output to a pipe is held in a temporary file, and
 * input from a pipe is copied to one as it is read; if the input turns
 * out to be far out of order, the sessions written or held are dropped.
 * The common case is server files one after another: a few parts, each
 * in time order. The rest of the input is only scanned for where its
 * parts begin, and the parts are then read again side by side, merged
 * by time, and streamed (their merge is within the window: see
 * track_part). Input of too many parts, or whose open state outgrows
 * --memory-limit, is read again into an external sort instead: files
 * from the start, a pipe from its copy and then on from the pipe. No
 * wrong session is ever written.
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
#include <xxhash.h>

#include "chit.h"
#include "extsort.h"
#include "hit.h"
#include "mpc.h"
#include "prog.h"
#include "sessions.h"
#include "timeparse.h"

struct sz {
	const struct sz_opts	*o;
	struct wbuf		*out;
	enum sz_mode		 mode;		/* SZ_SORT after a fallback */
	struct sess_opts	 so;
	struct sessions		*S;
	struct carena		*arena;
	struct bucket {
		struct chit	**v;
		size_t		  n, cap;
	}			*ring;		/* reorder window */
	size_t			 nring, inwindow;
	int64_t			 base;		/* first second not released */
	int			 started;
	int64_t			 maxts;		/* latest time seen */
	struct spool		*spool;
	int			 holdfd;
	struct wbuf		 hold;		/* sessions, until the end */
	int			 holding;	/* output held in hold */
	int			 stop;		/* fallback: read again, sorting */
	int			 scanning;	/* far out of order: only finding
						   its parts */
	int			 replay;	/* reading the parts, merged */
	int			 replayed;	/* and that went to the end */
	struct parts {
		uint64_t	*start;		/* offsets of parts after the first */
		size_t		 n, cap;
		uint64_t	 end;		/* where the first pass stopped */
		int64_t		 max;		/* latest time of the current part */
		int		 started;
	}			*parts;		/* per input */
	size_t			 nsplits, maxparts;
	size_t			 ninputs;
	int			*tees;		/* per input: its copy, or -1 */
	int			*pipes;		/* per input: the copied one */
	const char		**names;	/* per input, for messages */
	int			 passfd;
	struct wbuf		 pass;		/* other records */
	struct devslot {
		uint64_t	 h;
		int		 dev;
	}			*devcache;	/* device class by agent */
	int			 status;
	const char		*why;		/* reason for a fallback */
	struct progress		 prog;
	uint64_t		 ticks;
	unsigned long long	 nrec, nhits, npages, nskip, npass, nbad;
};

/* ---- reordering ---- */

/*
 * The reorder window is a ring of one-second buckets: a hit goes into
 * the bucket of its second, and a bucket is released, its few hits
 * sorted, once the latest time seen is --max-disorder past the end of
 * its second. A hit whose second was already released is beyond the
 * window.
 */
static int64_t
second_of(int64_t ts)
{
	return ts >= 0 ? ts / 1000 : -((-ts + 999) / 1000);
}

static int
cmp_ptr(const void *a, const void *b)
{
	return chit_cmp(*(struct chit *const *)a, *(struct chit *const *)b);
}

static void
release_bucket(struct sz *z, struct bucket *b)
{
	size_t i;

	if (b->n > 16) {
		qsort(b->v, b->n, sizeof *b->v, cmp_ptr);
	} else {
		/* A second holds a few hits: insertion sort, no calls. */
		for (i = 1; i < b->n; i++) {
			struct chit *c = b->v[i];
			size_t j = i;

			while (j > 0 && chit_cmp(c, b->v[j - 1]) < 0) {
				b->v[j] = b->v[j - 1];
				j--;
			}
			b->v[j] = c;
		}
	}
	for (i = 0; i < b->n; i++) {
		sessions_hit(z->S, b->v[i]);
		carena_release(z->arena, b->v[i]);
	}
	z->inwindow -= b->n;
	b->n = 0;
}

/* Release the seconds the window has passed (all of them at the end). */
static void
release(struct sz *z, int all)
{
	while (z->inwindow > 0 && (all ||
	    (z->base + 1) * 1000 - 1 <= z->maxts - z->o->max_disorder)) {
		release_bucket(z, &z->ring[z->base % z->nring]);
		z->base++;
	}
	if (z->inwindow == 0 && all)
		z->base = second_of(z->maxts) + 1;
}

static void
reorder_push(struct sz *z, struct chit *c)
{
	int64_t sec = second_of(c->ts);
	struct bucket *b;

	if (!z->started) {
		/* The first hit may itself be up to the window late. */
		z->base = sec - (int64_t)z->nring + 2;
		z->started = 1;
	}
	/* A second beyond the ring: release until it fits. */
	while (sec >= z->base + (int64_t)z->nring) {
		release_bucket(z, &z->ring[z->base % z->nring]);
		z->base++;
		if (z->inwindow == 0 && sec >= z->base + (int64_t)z->nring)
			z->base = sec - (int64_t)z->nring + 1;
	}
	b = &z->ring[sec % (int64_t)z->nring];
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 8;
		if ((b->v = realloc(b->v, b->cap * sizeof *b->v)) == NULL)
			die(EX_OSERR, "out of memory");
	}
	b->v[b->n++] = c;
	z->inwindow++;
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
	size_t i, k;

	for (i = 0; i < z->nring; i++) {
		for (k = 0; k < z->ring[i].n; k++)
			carena_release(z->arena, z->ring[i].v[k]);
		z->ring[i].n = 0;
	}
	z->inwindow = 0;
	z->started = 0;
	z->maxts = 0;
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
	z->scanning = 0;
	if (z->holding) {
		/* The held output is dropped: give its memory to the sort. */
		free(z->hold.buf);
		z->hold.buf = NULL;
		z->hold.len = z->hold.cap = 0;
	}
	/* Stop here, and read the inputs again from the start. */
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

/* The device class of an agent, cached: a site sees few agents. */
static int
device(struct sz *z, const struct span *ua)
{
	uint64_t h = XXH3_64bits(ua->p, ua->len) | 1;
	struct devslot *d = &z->devcache[h & 4095];

	if (d->h != h) {
		d->h = h;
		d->dev = device_of(ua->p, ua->len);
	}
	return d->dev;
}

struct src;
static void	take_hit(struct sz *, struct src *);

/* An input being read: its next hit decoded, waiting for its turn. */
struct src {
	struct mpr	 in;
	const char	*name;
	int		 fd;
	size_t		 i;		/* of the paths */
	int		 has;		/* h holds its next hit (used bytes) */
	int		 done;
	struct hit	 h;
	size_t		 used;
};

static void
take_hit(struct sz *z, struct src *s)
{
	const struct hit *h = &s->h;
	const char *name = s->name;
	struct chit *c;

	if (h->kind != HIT_PAGE || h->status < 200 || h->status > 399 ||
	    h->method.p == NULL) {
		if (!z->replay) {
			z->nhits++;
			z->nskip++;
		}
		return;
	}
	if (!z->replay) {
		z->nhits++;
		z->npages++;
		if (z->mode == SZ_AUTO)
			track_part(z, s->i, s->in.off + s->in.pos, h->ts);
		if (z->scanning || z->stop)
			return;
	}
	c = carena_alloc(z->arena, chit_size(h));
	chit_make(c, h, device(z, &h->ua));
	if (z->spool)
		spool_add(z->spool, c);
	if (z->mode == SZ_SORT) {
		carena_release(z->arena, c);
		return;
	}
	if (z->started && second_of(c->ts) < z->base) {
		char a[32], b[32];

		time_format_iso(c->ts, a);
		time_format_iso(z->base * 1000, b);
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
	if (c->ts > z->maxts)
		z->maxts = c->ts;
	reorder_push(z, c);
	release(z, 0);
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
src_next(struct sz *z, struct src *s)
{
	int r = 0;

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
 * Open input i: on the first pass, an input that cannot be read again
 * (a pipe) is copied as it is read, unless sorting from the start; on
 * the second, that copy is read instead.
 */
static int
open_input(struct sz *z, struct src *v, char *const *paths, size_t i,
    int again)
{
	v->i = i;
	if (again && z->tees[i] >= 0) {
		v->fd = z->tees[i];	/* then on from the pipe */
		v->name = z->names[i];
	} else if ((v->fd = input_open(paths[i], &v->name)) < 0) {
		if (!again)
			z->status = status_merge(z->status, EX_NOINPUT);
		return -1;
	}
	if (again && lseek(v->fd, 0, SEEK_SET) != 0)
		die(EX_IOERR, "%s: cannot read it again:", v->name);
	mpr_init(&v->in, v->fd, v->name);
	if (again && z->tees[i] >= 0)
		v->in.then = z->pipes[i];
	z->names[i] = v->name;
	if (!again && z->mode == SZ_AUTO && !is_regular(v->fd)) {
		z->tees[i] = tmpfile_in(z->o->tmpdir, "input");
		v->in.tee = z->tees[i];
	}
	return 0;
}

/*
 * The end of a pass over an input. A copied pipe stopped by a fallback
 * stays open: the second pass reads its copy, then on from it. A copy
 * that is to be read again (to sort, or to merge the parts found) must
 * be whole: sessions of the part that was copied would be wrong.
 */
static void
close_input(struct sz *z, struct src *v)
{
	z->parts[v->i].end = v->in.off + v->in.pos;
	mpr_stop(&v->in);	/* what was read ahead is in the copy */
	if ((z->stop || z->scanning) && v->in.tee >= 0 && v->in.tee_err) {
		errno = v->in.tee_err;
		die(EX_IOERR, "%s: cannot keep a copy of the input in "
		    "--tmpdir to read it again:", v->name);
	}
	if (z->stop && v->in.tee >= 0) {
		z->pipes[v->i] = v->fd;
	} else if (v->fd != z->tees[v->i]) {
		input_close(v->fd);
	}
	mpr_free(&v->in);
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
			if (v[i].has && (best == NULL || v[i].h.ts < best->h.ts))
				best = &v[i];
		}
		if (best == NULL || z->stop ||
		    (z->status == EX_DATAERR && z->o->mode == SZ_STREAM))
			break;
		take_hit(z, best);
		mpr_consume(&best->in, best->used);
		best->has = 0;
	}
}

static void
read_inputs(struct sz *z, char *const *paths, size_t n, int again)
{
	struct src *v = calloc(n + 1, sizeof *v);
	size_t i, k = 0;

	if (v == NULL)
		die(EX_OSERR, "out of memory");
	for (i = 0; i < n; i++)
		if (open_input(z, &v[k], paths, i, again) == 0)
			k++;
	merge(z, v, k);
	for (i = 0; i < k; i++)
		close_input(z, &v[i]);
	free(v);
}

/*
 * Stream the parts the first pass found, side by side, merged by time:
 * each input's parts read from the input again (a pipe's from its
 * copy), each part by its own reader of PART_BUF bytes. The earliest
 * hit goes first; a tie goes to the input named first, then to its
 * earlier part.
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

		fds[i] = z->tees[i];
		if (fds[i] < 0 && z->names[i] != NULL &&
		    (fds[i] = input_open(paths[i], &name)) < 0)
			die(EX_NOINPUT, "%s: cannot read it again:", paths[i]);
		if (z->names[i] == NULL)
			continue;	/* could not be opened at all */
		for (j = 0; j <= p->n; j++) {
			v[k].i = i;
			v[k].name = z->names[i];
			v[k].fd = fds[i];
			mpr_init_range(&v[k].in, fds[i], z->names[i],
			    j ? p->start[j - 1] : 0,
			    j < p->n ? p->start[j] : p->end, PART_BUF);
			k++;
		}
	}
	merge(z, v, k);
	for (i = 0; i < k; i++)
		mpr_free(&v[i].in);
	for (i = 0; i < n; i++)
		if (z->names[i] != NULL && z->tees[i] < 0)
			input_close(fds[i]);
	free(v);
	free(fds);
	z->replay = 0;
}

/*
 * Sorting sessionizes visitor by visitor, so that one session is open at
 * a time however many visitors the input has: the hits are sorted by
 * visitor (chunks of half the memory limit, at most 16 MiB), their
 * sessions are spooled (a quarter, at most 16 MiB) and sorted into the order streaming writes, start, vid,
 * sequence. The records are the same either way: a visitor's hits come
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
	z.nring = (size_t)(o->max_disorder / 1000) + 2;
	if ((z.ring = calloc(z.nring, sizeof *z.ring)) == NULL)
		die(EX_OSERR, "out of memory");
	z.passfd = tmpfile_in(o->tmpdir, "pass");
	wbuf_init(&z.pass, z.passfd);
	if ((z.devcache = calloc(4096, sizeof *z.devcache)) == NULL)
		die(EX_OSERR, "out of memory");
	if (npaths == 0) {
		paths = dash;
		npaths = 1;
	}
	/*
	 * What a fallback to sorting needs: the input again (files are
	 * read again, a pipe is copied to --tmpdir as it is read), and the
	 * sessions written so far undone (a hold, unless the output is an
	 * -o file that can be truncated). Memory: a quarter of the limit
	 * for held output, spilling beyond; a quarter for the window and
	 * the open sessions (then the fallback).
	 */
	if ((z.tees = malloc(npaths * sizeof *z.tees)) == NULL ||
	    (z.pipes = malloc(npaths * sizeof *z.pipes)) == NULL ||
	    (z.names = calloc(npaths, sizeof *z.names)) == NULL)
		die(EX_OSERR, "out of memory");
	for (i = 0; i < npaths; i++)
		z.tees[i] = z.pipes[i] = -1;
	if (o->mode == SZ_SORT)
		z.spool = spool_new(o->tmpdir, o->memory_limit / 2,
		    chit_cmp_visitor, chit_visitor_key);
	z.ninputs = npaths;
	if ((z.parts = calloc(npaths, sizeof *z.parts)) == NULL)
		die(EX_OSERR, "out of memory");
	/* The parts' read buffers: at most a quarter of the limit. */
	z.maxparts = o->memory_limit / 4 / PART_BUF;
	if (z.maxparts > 64)
		z.maxparts = 64;
	if (z.maxparts < 2)
		z.maxparts = 2;
	z.holding = o->mode == SZ_AUTO && out->tmppath == NULL;
	if (z.holding) {
		size_t hb = o->memory_limit / 4;

		z.holdfd = tmpfile_in(o->tmpdir, "hold");
		wbuf_init_cap(&z.hold, z.holdfd, hb > WBUF_SIZE ? hb : WBUF_SIZE);
		z.S = sessions_new(&z.so, &z.hold);
	} else if (o->mode != SZ_SORT) {
		z.S = sessions_new(&z.so, out);
	}
	progress_init(&z.prog, o->progress);
	read_inputs(&z, paths, npaths, 0);
	if (z.scanning && !z.stop) {
		z.scanning = 0;
		read_parts(&z, paths, npaths);
		z.replayed = !z.stop;
		if (z.replayed && !o->quiet)
			fprintf(stderr, "%s: merged %zu time-ordered parts of the "
			    "input (out of order)\n", prog_name,
			    z.ninputs + z.nsplits);
	}
	if (z.stop) {
		/* Read the inputs again, into a spool, and sort that. */
		z.stop = 0;
		z.spool = spool_new(o->tmpdir, o->memory_limit / 2,
		    chit_cmp_visitor, chit_visitor_key);
		z.pass.len = 0;
		if (ftruncate(z.passfd, 0) != 0 || lseek(z.passfd, 0, SEEK_SET) != 0)
			die(EX_IOERR, "passed records: truncate:");
		z.nrec = z.nhits = z.npages = z.nskip = z.npass = z.nbad = 0;
		read_inputs(&z, paths, npaths, 1);
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
		release(&z, 1);
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
	for (i = 0; i < z.nring; i++)
		free(z.ring[i].v);
	free(z.ring);
	free(z.devcache);
	for (i = 0; i < npaths; i++) {
		if (z.tees[i] >= 0)
			close(z.tees[i]);
		if (z.pipes[i] >= 0)
			input_close(z.pipes[i]);
	}
	for (i = 0; i < npaths; i++)
		free(z.parts[i].start);
	free(z.parts);
	free(z.tees);
	free(z.pipes);
	free(z.names);
	carena_free(z.arena);
	return z.status;
}
