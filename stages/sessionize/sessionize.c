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
 * So by default (auto) the output is held in a temporary file and every
 * page hit is also spooled; if the input turns out to be far out of
 * order (server files one after another), or the open state outgrows
 * --memory-limit, the held output is dropped and the spool is sorted
 * externally and sessionized again. No wrong session is ever written.
 * --sort sorts from the start; --stream writes as it goes and fails with
 * status 65 on far disorder.
 */
#include "sessionize.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chit.h"
#include "extsort.h"
#include "hit.h"
#include "mpk.h"
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
	struct chit		**heap;		/* reorder heap */
	size_t			 nheap, heapcap;
	int64_t			 maxts;		/* latest time seen */
	struct chit		*last;		/* last released (copy) */
	size_t			 lastcap;
	struct spool		*spool;
	int			 holdfd;
	struct wbuf		 hold;		/* sessions, until the end */
	int			 passfd;
	struct wbuf		 pass;		/* other records */
	msgpack_packer		 passpk;
	int			 status;
	const char		*why;		/* reason for a fallback */
	struct progress		 prog;
	uint64_t		 ticks;
	unsigned long long	 nrec, nhits, npages, nskip, npass, nbad;
};

/* ---- the reorder heap ---- */

static void
rh_push(struct sz *z, struct chit *c)
{
	size_t i;

	if (z->nheap == z->heapcap) {
		z->heapcap = z->heapcap ? z->heapcap * 2 : 4096;
		z->heap = realloc(z->heap, z->heapcap * sizeof *z->heap);
		if (z->heap == NULL)
			die(EX_OSERR, "out of memory");
	}
	i = z->nheap++;
	while (i > 0 && chit_cmp(c, z->heap[(i - 1) / 2]) < 0) {
		z->heap[i] = z->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	z->heap[i] = c;
}

static struct chit *
rh_pop(struct sz *z)
{
	struct chit *top = z->heap[0], *last = z->heap[--z->nheap];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= z->nheap)
			break;
		if (c + 1 < z->nheap && chit_cmp(z->heap[c + 1], z->heap[c]) < 0)
			c++;
		if (chit_cmp(z->heap[c], last) >= 0)
			break;
		z->heap[i] = z->heap[c];
		i = c;
	}
	if (z->nheap > 0)
		z->heap[i] = last;
	return top;
}

static void
remember_last(struct sz *z, const struct chit *c)
{
	if (z->lastcap < c->len) {
		z->lastcap = c->len * 2;
		if ((z->last = realloc(z->last, z->lastcap)) == NULL)
			die(EX_OSERR, "out of memory");
	}
	memcpy(z->last, c, c->len);
}

/* Release the hits the window has passed (all of them at the end). */
static void
release(struct sz *z, int all)
{
	while (z->nheap > 0 &&
	    (all || z->heap[0]->ts <= z->maxts - z->o->max_disorder)) {
		struct chit *c = rh_pop(z);

		sessions_hit(z->S, c);
		remember_last(z, c);
		carena_release(z->arena, c);
	}
}

/* Stop streaming: from now on hits are only spooled, then sorted. */
static void
fall_back(struct sz *z, const char *why)
{
	while (z->nheap > 0)
		carena_release(z->arena, rh_pop(z));
	sessions_free(z->S);
	z->S = NULL;
	z->mode = SZ_SORT;
	z->why = why;
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
	chit_make(c, h);
	if (z->spool)
		spool_add(z->spool, c);
	if (z->mode == SZ_SORT) {
		carena_release(z->arena, c);
		return;
	}
	if (z->last && chit_cmp(c, z->last) < 0) {
		char a[32], b[32];

		time_format_iso(c->ts, a);
		time_format_iso(z->last->ts, b);
		if (z->o->mode == SZ_STREAM) {
			warnx("%s: record %llu: hit at %s comes after hits at %s, "
			    "beyond --max-disorder: sessions would be wrong; run "
			    "without --stream, or with --sort", name, z->nrec, a, b);
			z->status = EX_DATAERR;
			carena_release(z->arena, c);
			return;
		}
		if (!z->o->quiet)
			warnx("%s: record %llu: hit at %s after hits at %s: input "
			    "out of order beyond --max-disorder, sorting it", name,
			    z->nrec, a, b);
		carena_release(z->arena, c);
		fall_back(z, "out of order");
		return;
	}
	if (c->ts > z->maxts)
		z->maxts = c->ts;
	rh_push(z, c);
	release(z, 0);
	if (z->mode == SZ_AUTO && carena_bytes(z->arena) +
	    sessions_bytes(z->S) > z->o->memory_limit) {
		if (!z->o->quiet)
			warnx("open sessions exceed --memory-limit: sorting the "
			    "input on disk instead");
		fall_back(z, "memory");
	}
}

static void
read_input(struct sz *z, int fd, const char *name)
{
	struct recin in;
	msgpack_object *o;
	int r = 0;

	recin_init(&in, fd, name);
	while (z->status != EX_DATAERR || z->o->mode != SZ_STREAM) {
		struct hit h;

		if ((r = recin_next(&in, &o)) <= 0)
			break;
		z->nrec++;
		progress_tick(&z->prog, in.bytes, z->nrec, &z->ticks);
		if (!mpk_is(mpk_get(o, "type"), "hit")) {
			msgpack_pack_object(&z->passpk, *o);
			z->npass++;
			continue;
		}
		if (hit_unpack(o, &h) != 0) {
			if (z->nbad++ < 10)
				warnx("%s: record %llu: hit without ts, vid, status "
				    "or kind: skipped", name, z->nrec);
			continue;
		}
		take_hit(z, &h, name);
	}
	if (r < 0)
		z->status = status_merge(z->status, in.status);
	recin_free(&in);
}

static void
feed(void *arg, const struct chit *c)
{
	sessions_hit(arg, c);
}

/* Copy the whole of file fd to out. */
static void
copy_file(int fd, struct wbuf *out, const char *what)
{
	char *buf = malloc(WBUF_SIZE);
	ssize_t n;

	if (buf == NULL)
		die(EX_OSERR, "out of memory");
	if (lseek(fd, 0, SEEK_SET) < 0)
		die(EX_IOERR, "%s: seek:", what);
	while ((n = read(fd, buf, WBUF_SIZE)) > 0)
		wbuf_write(out, buf, (size_t)n);
	if (n < 0)
		die(EX_IOERR, "%s: read error:", what);
	free(buf);
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
	z.passfd = tmpfile_in(o->tmpdir, "pass");
	wbuf_init(&z.pass, z.passfd);
	mpk_init(&z.passpk, &z.pass);
	if (o->mode != SZ_STREAM)
		z.spool = spool_new(o->tmpdir);
	if (o->mode == SZ_AUTO) {
		z.holdfd = tmpfile_in(o->tmpdir, "hold");
		wbuf_init(&z.hold, z.holdfd);
		z.S = sessions_new(&z.so, &z.hold);
	} else if (o->mode == SZ_STREAM) {
		z.S = sessions_new(&z.so, out);
	}
	progress_init(&z.prog, o->progress);
	if (npaths == 0) {
		paths = dash;
		npaths = 1;
	}
	for (i = 0; i < npaths; i++) {
		const char *name;
		int fd = input_open(paths[i], &name);

		if (fd < 0) {
			z.status = status_merge(z.status, EX_NOINPUT);
			continue;
		}
		read_input(&z, fd, name);
		input_close(fd);
	}
	progress_done(&z.prog);

	if (z.mode == SZ_SORT) {
		struct sessions *S = sessions_new(&z.so, out);

		if (spool_sort(z.spool, o->memory_limit, feed, S, &nruns) != 0)
			z.status = status_merge(z.status, EX_IOERR);
		sessions_finish(S);
		if (!o->quiet)
			fprintf(stderr, "%s: sorted %llu page hits in %u run%s "
			    "(%s)\n", prog_name, (unsigned long long)
			    spool_count(z.spool), nruns, nruns == 1 ? "" : "s",
			    z.why ? z.why : "--sort");
		z.S = S;
	} else {
		release(&z, 1);
		sessions_finish(z.S);
		if (o->mode == SZ_AUTO) {
			wbuf_flush(&z.hold);
			if (z.hold.err) {
				errno = z.hold.err;
				die(EX_IOERR, "held sessions: write error:");
			}
			copy_file(z.holdfd, out, "held sessions");
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
	if (o->mode == SZ_AUTO) {
		free(z.hold.buf);
		close(z.holdfd);
	}
	free(z.pass.buf);
	close(z.passfd);
	free(z.heap);
	free(z.last);
	carena_free(z.arena);
	return z.status;
}
