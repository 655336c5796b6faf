/*
 * shard.c - hits to shards by person.
 *
 * A hit's shard is XXH3-64 of its person's key modulo the shard count
 * (state_shard_of, as the state's own files). The person of a vid is
 * known only once the night is read: the uid of its latest hit that
 * makes sessions and carries one; else the uid person the state keeps
 * it in; else the vid itself (DESIGN.md's identity). So the input is
 * read twice: first for those links (a table of tonight's vids, joined
 * with the state's persons streamed past it), then to route each hit.
 * Input that cannot be read twice (stdin, a pipe) is spooled to a file
 * in the output directory first.
 */
#include "shard.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "hit.h"
#include "mpc.h"
#include "prog.h"
#include "records.h"
#include "state.h"
#include "wbuf.h"

struct sh {
	const struct shard_opts	*o;
	struct night		 night;
	struct night_batch	 batch;
	struct routes		*routes;	/* --route: the join's table */
	struct wbuf		*out;		/* per shard */
	uint64_t		*count;		/* hits per shard */
	struct wbuf		 spool;
	int			 spooling;
	unsigned long long	 nhits, nother, nbad, nlinked;
	uint64_t		 vidsum;	/* --route: of the hits read */
};

/* ---- pass 1: tonight's links ---- */

static void
pass1(void *arg, const struct hit *h, const char *rec, size_t len,
    const struct records *r)
{
	struct sh *S = arg;

	(void)r;
	if (S->spooling)
		wbuf_write(&S->spool, rec, len);
	if (h != NULL)
		night_batch_see(&S->batch, h);
}

/* ---- between the passes: each vid's shard ---- */

unsigned long long
night_settle(struct night *n, size_t nshards)
{
	size_t i, nv = strtab_count(n->vids);
	unsigned long long linked = 0;

	for (i = 0; i < nv; i++) {
		struct svid *v = &n->v[i];
		struct sv key;

		if (v->uid != STRTAB_NONE) {
			key.p = strtab_str(n->uids, v->uid, &key.n);
			linked++;
		} else if (v->state_uid.n) {
			key = v->state_uid;
		} else {
			key.p = strtab_str(n->vids, (uint32_t)i, &key.n);
		}
		v->to = (uint32_t)state_shard_of(key, nshards);
	}
	return linked;
}

/* ---- pass 2: routing ---- */

static void
pass2(void *arg, const struct hit *h, const char *rec, size_t len,
    const struct records *r)
{
	struct sh *S = arg;
	size_t k = 0;

	if (h != NULL) {
		if (S->routes) {
			uint64_t vh = XXH3_64bits(h->vid.p, h->vid.len);
			long t = routes_find(S->routes, vh);
			struct sv vid = { h->vid.p, h->vid.len };

			S->vidsum += vh;
			k = t >= 0 ? (size_t)t : state_shard_of(vid, S->o->n);
		} else {
			k = S->night.v[strtab_find(S->night.vids, h->vid.p,
			    h->vid.len)].to;
		}
		S->nhits++;
	} else {
		const char *t;
		size_t tn;

		/* Other records (and damaged hits: the stage that reads
		 * them names them) go with shard 0. */
		if (mpc_record_type(rec, len, &t, &tn) == 0 && tn == 3 &&
		    memcmp(t, "hit", 3) == 0 && S->nbad++ < 10)
			warnx("%s: record %llu: a hit without ts, vid, status "
			    "or kind: sent to shard 0", r->name,
			    (unsigned long long)r->nrec);
		S->nother++;
	}
	S->count[k]++;
	wbuf_write(&S->out[k], rec, len);
}

/* Whether every input can be read a second time. */
static int
rereadable(char *const *paths, size_t npaths)
{
	struct stat st;
	size_t i;

	if (npaths == 0)
		return 0;
	for (i = 0; i < npaths; i++)
		if (strcmp(paths[i], "-") == 0 || stat(paths[i], &st) != 0 ||
		    !S_ISREG(st.st_mode))
			return 0;
	return 1;
}

/* The name of shard k's output (of input i with --per-input). */
static char *
out_name(const struct sh *S, size_t k, size_t i)
{
	return S->o->per_input ? xasprintf("%s/hits-%zu-%zu.mp", S->o->out,
	    k, i + S->o->index) : xasprintf("%s/hits-%zu.mp", S->o->out, k);
}

static int
open_outputs(struct sh *S, size_t input)
{
	size_t k;

	for (k = 0; k < S->o->n; k++) {
		char *path = out_name(S, k, input);

		if (wbuf_open_atomic(&S->out[k], path) != 0) {
			warnx("%s: cannot create:", path);
			free(path);
			while (k-- > 0)
				wbuf_close(&S->out[k], 0);
			return EX_CANTCREAT;
		}
		free(path);
	}
	return 0;
}

static int
close_outputs(struct sh *S, size_t input, int commit)
{
	size_t k;
	int status = 0;

	for (k = 0; k < S->o->n; k++) {
		int e = wbuf_close(&S->out[k], commit && status == 0);

		if (e != 0 && status == 0) {
			char *path = out_name(S, k, input);

			errno = e;
			warnx("%s: write error:", path);
			free(path);
			status = EX_IOERR;
		}
	}
	return status;
}

/*
 * --route --links LINKS: the hits routed are the ones LINKS was made from
 * (their count and the sum of their vids' XXH3-64, in its "links"
 * record). The table holds only the vids not routed by themselves, so
 * links of other hits would send a person's hits to several shards
 * without a word: this is the word.
 */
static int
check_links(struct sh *S)
{
	const char *path = S->o->links;
	struct mpr in;
	uint64_t nhits = 0, sum = 0;
	int fd, have = 0, r;
	const char *rec;
	size_t len;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		warnx("%s: cannot open:", path);
		return EX_NOINPUT;
	}
	mpr_init(&in, fd, path);
	while ((r = mpr_next(&in, &rec, &len)) > 0) {
		const char *t;
		size_t tn;
		struct mpc c;
		uint32_t n, j;
		int bad;

		if (mpc_record_type(rec, len, &t, &tn) != 0 || tn != 5 ||
		    memcmp(t, "links", 5) != 0)
			continue;
		mpc_init(&c, rec, len);
		bad = mpc_map(&c, &n) != 0;
		for (j = 0; j < n && !bad; j++) {
			if (mpc_key_is(&c, "hits", 4)) {
				bad = mpc_skip(&c) || mpc_u64(&c, &nhits);
				have |= 1;
			} else if (mpc_key_is(&c, "vidsum", 6)) {
				bad = mpc_skip(&c) || mpc_u64(&c, &sum);
				have |= 2;
			} else {
				bad = mpc_skip(&c) || mpc_skip(&c);
			}
		}
		if (bad)
			have = 0;
	}
	mpr_free(&in);
	close(fd);
	if (r < 0)
		return EX_DATAERR;
	if (have != 3) {
		warnx("%s: no count of hits in its links record (made by an "
		    "older revisit?)", path);
		return EX_DATAERR;
	}
	if (nhits != S->nhits || sum != S->vidsum) {
		warnx("%s: made from other hits: it counts %llu (vid sum "
		    "%016llx), these are %llu (%016llx); nothing written",
		    path, (unsigned long long)nhits, (unsigned long long)sum,
		    (unsigned long long)S->nhits,
		    (unsigned long long)S->vidsum);
		return EX_DATAERR;
	}
	return 0;
}

/* Input i's outputs, committed, taken back. */
static void
remove_outputs(struct sh *S, size_t i)
{
	size_t k;

	for (k = 0; k < S->o->n; k++) {
		char *path = out_name(S, k, i);

		(void)unlink(path);
		free(path);
	}
}

/* Pass 2: every input to the shards' files, or each input to its own
 * (--per-input: each keeps its time order, for sessionize to merge). */
static int
route(struct sh *S, char *const *paths, size_t npaths)
{
	struct records in;
	size_t i, groups = S->o->per_input ? npaths : 1;
	int status = 0;

	S->out = xcalloc(S->o->n, sizeof *S->out);
	S->count = xcalloc(S->o->n, sizeof *S->count);
	for (i = 0; i < groups && status == 0; i++) {
		if ((status = open_outputs(S, i)) != 0)
			break;
		status = hits_each(S->o->per_input ? paths + i : paths,
		    S->o->per_input ? 1 : npaths, 0, pass2, S, &in);
		/* The last input's outputs wait for the check. */
		if (status == 0 && S->o->links && i + 1 == groups)
			status = check_links(S);
		status = status_merge(status, close_outputs(S, i,
		    status == 0));
	}
	if (status != 0 && S->o->links && groups > 1)
		while (i-- > 0)		/* what went before the failure */
			remove_outputs(S, i);
	return status;
}

/* The night's end, for every shard's stages to agree on (--now). */
int
shard_write_now(const char *dir, int64_t now)
{
	char *path = xasprintf("%s/now", dir);
	struct wbuf w;
	char line[32];
	int e;

	if (wbuf_open_atomic(&w, path) != 0) {
		warnx("%s: cannot create:", path);
		free(path);
		return EX_CANTCREAT;
	}
	snprintf(line, sizeof line, "%lld\n", (long long)now);
	wbuf_puts(&w, line);
	if ((e = wbuf_close(&w, 1)) != 0) {
		errno = e;
		warnx("%s: write error:", path);
	}
	free(path);
	return e ? EX_IOERR : 0;
}

static int
spool_open(struct sh *S, char **path)
{
	int fd;

	*path = xasprintf("%s/.spool-%ld", S->o->out, (long)getpid());
	if ((fd = open(*path, O_RDWR | O_CREAT | O_TRUNC, 0600)) < 0) {
		warnx("%s: cannot create:", *path);
		return EX_CANTCREAT;
	}
	wbuf_init(&S->spool, fd);
	S->spooling = 1;
	return 0;
}

static void
report(const struct sh *S, unsigned long long moved)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	size_t k;

	if (S->routes) {
		fprintf(stderr, "%s: %llu hits to %zu shards by the routes "
		    "table\n", prog_name, S->nhits, S->o->n);
		return;
	}
	for (k = 0; k < S->o->n; k++) {
		lo = S->count[k] < lo ? S->count[k] : lo;
		hi = S->count[k] > hi ? S->count[k] : hi;
	}
	fprintf(stderr, "%s: %llu hits of %zu vids (%llu linked to a uid "
	    "tonight) to %zu shards (%llu to %llu each), %llu other records "
	    "to shard 0; %llu devices moved to another shard's state\n",
	    prog_name, S->nhits, strtab_count(S->night.vids), S->nlinked,
	    S->o->n, (unsigned long long)lo, (unsigned long long)hi,
	    S->nother, moved);
}

int
shard_run(char *const *paths, size_t npaths, const struct shard_opts *o)
{
	struct sh S;
	struct records in;
	struct shard_states *ss = NULL;
	char *spool = NULL, *spool_arg[1];
	unsigned long long moved = 0;
	int64_t now;
	int status;

	memset(&S, 0, sizeof S);
	S.o = o;
	night_init(&S.night);
	night_batch_init(&S.batch, &S.night);
	if ((status = output_dir(o->out, "the shards' directory")) != 0)
		return status;
	if (o->routes) {	/* the join decided: one pass */
		if ((S.routes = routes_open(o->routes, o->n, &status)) != NULL) {
			status = route(&S, paths, npaths);
			routes_close(S.routes);
		}
		if (status == 0 && !o->quiet)
			report(&S, 0);
		goto done;
	}
	if (!rereadable(paths, npaths) && (status = spool_open(&S, &spool)))
		return status;
	status = hits_each(paths, npaths, o->progress, pass1, &S, &in);
	night_batch_flush(&S.batch);
	if (S.spooling) {
		int fd = S.spool.fd, e = wbuf_close(&S.spool, 0);

		if ((e != 0) | (close(fd) != 0)) {
			warnx("%s: write error:", spool);
			status = status_merge(status, EX_IOERR);
		}
		spool_arg[0] = spool;
		paths = spool_arg;
		npaths = 1;
	}
	/* Half a night would put persons in the wrong shards: stop. */
	if (status != 0)
		warnx("%s: nothing written: the input was not read whole",
		    o->out);
	if (status == 0 && o->state &&
	    (ss = shard_states_open(o->state, o->n, &status)) != NULL)
		status = shard_states_links(ss, &S.night, 0);
	if (status == 0)
		S.nlinked = night_settle(&S.night, o->n);
	if (status == 0 && ss)
		status = shard_states_move(ss, &S.night, &moved);
	if (status == 0)
		status = route(&S, paths, npaths);
	now = S.night.latest;
	if (ss && shard_states_now(ss) > now)
		now = shard_states_now(ss);
	if (status == 0)
		status = shard_write_now(o->out, now);
	if (status == 0 && !o->quiet)
		report(&S, moved);
	if (ss)
		shard_states_close(ss);
done:
	if (spool) {
		unlink(spool);
		free(spool);
	}
	free(S.out);
	free(S.count);
	night_free(&S.night);
	return status;
}
