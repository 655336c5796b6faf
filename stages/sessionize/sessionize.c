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
 * out to be far out of order (server files one after another), or the
 * open state outgrows --memory-limit, the sessions written or held are
 * dropped, and the inputs are read again into an external sort: files
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

/* Stop streaming: from now on hits are only spooled, then sorted. */
/* Drop the sessions written so far (in place, when not held). */
static void
unwrite(struct sz *z)
{
	if (z->holding)
		return;		/* the hold is simply not copied out */
	z->out->len = 0;
	z->out->total = 0;
	if (ftruncate(z->out->fd, 0) != 0 || lseek(z->out->fd, 0, SEEK_SET) != 0)
		die(EX_IOERR, "cannot truncate the output to sort instead:");
}

static void
fall_back(struct sz *z, const char *why)
{
	size_t i, k;

	for (i = 0; i < z->nring; i++) {
		for (k = 0; k < z->ring[i].n; k++)
			carena_release(z->arena, z->ring[i].v[k]);
		z->ring[i].n = 0;
	}
	z->inwindow = 0;
	sessions_free(z->S);
	z->S = NULL;
	z->mode = SZ_SORT;
	z->why = why;
	unwrite(z);
	if (z->holding) {
		/* The held output is dropped: give its memory to the sort. */
		free(z->hold.buf);
		z->hold.buf = NULL;
		z->hold.len = z->hold.cap = 0;
	}
#ifdef __GLIBC__
	/* The open sessions were many small blocks: give their pages back
	 * to the system, or they stay resident beside the sort's memory. */
	malloc_trim(0);
#endif
	/* Stop here, and read the inputs again from the start. */
	z->stop = 1;
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

static void
take_hit(struct sz *z, const struct hit *h, const char *name)
{
	struct chit *c;

	z->nhits++;
	if (h->kind != HIT_PAGE || h->status < 200 || h->status > 399 ||
	    h->method.p == NULL) {
		z->nskip++;
		return;
	}
	z->npages++;
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
		if (!z->o->quiet)
			warnx("%s: record %llu: hit at %s after hits up to %s: input "
			    "out of order beyond --max-disorder, sorting it", name,
			    z->nrec, a, b);
		carena_release(z->arena, c);
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

/*
 * The next hit of an input into s->h, passing other records on as the
 * bytes they came as. Hits are decoded in one pass over the input
 * buffer (the common case); anything else is framed first.
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
			if (r == 0 && avail > 0)
				r = mpr_truncated(&s->in);
			s->done = 1;
			break;
		}
		z->nrec++;
		progress_tick(&z->prog, mpr_bytes(&s->in), z->nrec, &z->ticks);
		if (r == 0) {
			s->has = 1;
			break;
		}
		if ((r = mpr_next(&s->in, &rec, &len)) <= 0) {
			s->done = 1;
			break;
		}
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

/* The end of a pass over an input. A copied pipe stopped by a fallback
 * stays open: the second pass reads its copy, then on from it. */
static void
close_input(struct sz *z, struct src *v)
{
	if (z->stop && v->in.tee >= 0) {
		if (v->in.tee_err) {
			errno = v->in.tee_err;
			die(EX_IOERR, "%s: cannot keep a copy of the input in "
			    "--tmpdir to sort it:", v->name);
		}
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
read_inputs(struct sz *z, char *const *paths, size_t n, int again)
{
	struct src *v = calloc(n + 1, sizeof *v);
	size_t i, k = 0;

	if (v == NULL)
		die(EX_OSERR, "out of memory");
	for (i = 0; i < n; i++)
		if (open_input(z, &v[k], paths, i, again) == 0)
			k++;
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
		take_hit(z, &best->h, best->name);
		mpr_consume(&best->in, best->used);
		best->has = 0;
	}
	for (i = 0; i < k; i++)
		close_input(z, &v[i]);
	free(v);
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
	free(z.tees);
	free(z.pipes);
	free(z.names);
	carena_free(z.arena);
	return z.status;
}
