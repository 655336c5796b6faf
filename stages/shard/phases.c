/*
 * phases.c - revisit-shard in three phases, for a night of many files:
 * what one run does (read everything for the links, then route it)
 * split so that only the small middle part is serial.
 *
 *   --links   per input file, at once: each vid of the file, with its
 *             latest uid and when (a few bytes per vid)
 *   --join    once: the inputs' links joined with the state's, the
 *             devices that change shards moved, and each vid's shard
 *             written to a table (DIR/routes) and the night's end
 *             (DIR/now)
 *   --route   per input file, at once: its hits to the shards, by the
 *             table
 *
 * The table is a file holding an open-addressing hash table keyed by
 * XXH3-64 of the vid (a power of two of slots, at most half full,
 * linear probing), mapped by each --route: no process loads it, and a
 * lookup touches one or two cache lines where a binary search over a
 * month's vids took twenty. Two vids of one night with the same 64-bit
 * hash would be an error the join reports (it would take 2^32 vids to
 * be likely).
 */
#include "shard.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "hit.h"
#include "mpc.h"
#include "mpk.h"
#include "prog.h"
#include "records.h"
#include "state.h"
#include "wbuf.h"

#define ROUTES_MAGIC	"revisit-routes 2\n"	/* 17 bytes, then 7 of 0 */
#define ROUTES_HEAD	32		/* magic, pad, u32 slots, u32 shards */

struct route {			/* native byte order: one run's scratch */
	uint64_t	 hash;
	uint32_t	 shard;		/* + 1; 0: an empty slot */
	uint32_t	 pad;
};

struct routes {
	const unsigned char	*map;
	size_t			 len, n;
	const struct route	*r;
};

/* ---- --links ---- */

static void
links_record(void *arg, const struct hit *h, const char *rec, size_t len,
    const struct records *r)
{
	(void)rec, (void)len, (void)r;
	if (h != NULL)
		night_batch_see_link(arg, h);
}

int
shard_links(char *const *paths, size_t npaths, const char *out, int quiet)
{
	struct night n;
	struct night_batch b;
	struct records in;
	struct wbuf w;
	int status;

	night_init(&n);
	night_batch_init(&b, &n);
	status = hits_each(paths, npaths, 0, links_record, &b, &in);
	night_batch_flush(&b);
	if (status == 0 && wbuf_open_atomic(&w, out) != 0) {
		warnx("%s: cannot create:", out);
		status = EX_CANTCREAT;
	} else if (status == 0) {
		night_links_put(&n, &w);
		status = wbuf_finish(&w, 0, out);
	}
	if (status == 0 && !quiet)
		fprintf(stderr, "%s: %llu records: %llu hits, %zu vids linked "
		    "to a uid\n", prog_name, (unsigned long long)in.n,
		    (unsigned long long)n.nhits, strtab_count(n.vids));
	night_free(&n);
	return status;
}

/* ---- --join ---- */

struct jn {
	struct night	 night;
	struct night_batch batch;
	unsigned long long nbad;
};

static void
join_record(void *arg, const char *rec, size_t len, const struct records *r)
{
	struct jn *J = arg;
	struct mpc c;
	const char *t = NULL, *vid = NULL, *uid = NULL;
	size_t tn = 0, vn = 0, un = 0;
	int64_t ts = 0, latest = -1;
	uint32_t n, i;
	int bad = 0;

	mpc_init(&c, rec, len);
	bad = mpc_map(&c, &n) != 0;
	for (i = 0; i < n && !bad; i++) {
		if (mpc_key_is(&c, "type", 4))
			bad = mpc_skip(&c) || mpc_str(&c, &t, &tn);
		else if (mpc_key_is(&c, "vid", 3))
			bad = mpc_skip(&c) || mpc_str(&c, &vid, &vn);
		else if (mpc_key_is(&c, "uid", 3))
			bad = mpc_skip(&c) || mpc_str(&c, &uid, &un);
		else if (mpc_key_is(&c, "ts", 2))
			bad = mpc_skip(&c) || mpc_int(&c, &ts);
		else if (mpc_key_is(&c, "latest", 6))
			bad = mpc_skip(&c) || mpc_int(&c, &latest);
		else
			bad = mpc_skip(&c) || mpc_skip(&c);
	}
	if (!bad && tn == 4 && memcmp(t, "link", 4) == 0 && vid && vn) {
		night_batch_link(&J->batch, vid, vn, uid, uid ? un : 0, ts);
	} else if (!bad && tn == 5 && memcmp(t, "links", 5) == 0 &&
	    latest >= 0) {
		if (latest > J->night.latest)
			J->night.latest = latest;
	} else if (J->nbad++ < 10) {
		warnx("%s: record %llu: not a link record (revisit-shard "
		    "--links)", r->name, (unsigned long long)r->nrec);
	}
}

/* A vid whose shard is its own needs no entry: --route sends what it
 * does not find there. */
static int
routed_by_itself(const struct night *n, size_t i, size_t nshards)
{
	struct sv key;

	key.p = strtab_str(n->vids, (uint32_t)i, &key.n);
	return state_shard_of(key, nshards) == n->v[i].to;
}

static int
write_routes(const struct night *n, const char *dir, size_t nshards,
    size_t *listed)
{
	size_t nv = strtab_count(n->vids), i, cap = 16, nlisted = 0;
	struct route *r;
	char head[ROUTES_HEAD], *path = path_join(dir, "routes");
	uint32_t u32;
	struct wbuf w;
	int status = 0;

	for (i = 0; i < nv; i++)
		nlisted += !routed_by_itself(n, i, nshards);
	*listed = nlisted;
	while (cap < 2 * nlisted)
		cap *= 2;
	if (cap > UINT32_MAX || (r = calloc(cap, sizeof *r)) == NULL)
		die(EX_OSERR, "out of memory");
	for (i = 0; i < nv && status == 0; i++) {
		size_t vn, k;
		const char *vid = strtab_str(n->vids, (uint32_t)i, &vn);
		uint64_t h = XXH3_64bits(vid, vn);

		if (routed_by_itself(n, i, nshards))
			continue;

		for (k = h & (cap - 1); r[k].shard && r[k].hash != h;
		    k = (k + 1) & (cap - 1))
			;
		if (r[k].shard && r[k].shard != n->v[i].to + 1) {
			warnx("two vids of the night with one XXH3-64 hash "
			    "(%016llx) in different shards: run revisit-shard "
			    "in one pass", (unsigned long long)h);
			status = EX_SOFTWARE;
		}
		r[k].hash = h;
		r[k].shard = n->v[i].to + 1;
	}
	memset(head, 0, sizeof head);
	memcpy(head, ROUTES_MAGIC, sizeof ROUTES_MAGIC - 1);
	u32 = (uint32_t)cap;
	memcpy(head + 24, &u32, 4);
	u32 = (uint32_t)nshards;
	memcpy(head + 28, &u32, 4);
	if (status == 0 && wbuf_open_atomic(&w, path) != 0) {
		warnx("%s: cannot create:", path);
		status = EX_CANTCREAT;
	} else if (status == 0) {
		wbuf_write(&w, head, sizeof head);
		wbuf_write(&w, r, cap * sizeof *r);
		status = wbuf_finish(&w, 0, path);
	}
	free(r);
	free(path);
	return status;
}

int
shard_join(char *const *paths, size_t npaths, const struct shard_opts *o)
{
	struct jn J;
	struct records in;
	struct shard_states *ss = NULL;
	unsigned long long moved = 0, linked = 0;
	size_t listed = 0;
	int64_t now;
	int status;

	memset(&J, 0, sizeof J);
	night_init(&J.night);
	night_batch_init(&J.batch, &J.night);
	if ((status = output_dir(o->out, "the shards' directory")) != 0)
		return status;
	status = records_each(paths, npaths, 0, join_record, &J, &in);
	night_batch_flush(&J.batch);
	if (status == 0 && J.nbad)
		status = EX_DATAERR;
	if (status == 0 && o->state &&
	    (ss = shard_states_open(o->state, o->n, &status)) != NULL)
		status = shard_states_links(ss, &J.night, 1);
	if (status == 0)
		linked = night_settle(&J.night, o->n);
	if (status == 0 && ss)
		status = shard_states_move(ss, &J.night, &moved);
	if (status == 0)
		status = write_routes(&J.night, o->out, o->n, &listed);
	now = J.night.latest;
	if (ss && shard_states_now(ss) > now)
		now = shard_states_now(ss);
	if (status == 0)
		status = shard_write_now(o->out, now);
	if (status == 0 && !o->quiet)
		fprintf(stderr, "%s: %zu links files: %llu vids linked to a "
		    "uid tonight; %zu vids routed to another shard than their "
		    "own, of %zu shards; %llu devices moved to another shard's "
		    "state\n", prog_name, npaths, linked, listed, o->n, moved);
	if (ss)
		shard_states_close(ss);
	night_free(&J.night);
	return status;
}

/* ---- --route: the table ---- */

struct routes *
routes_open(const char *path, size_t nshards, int *status)
{
	struct routes *t = xcalloc(1, sizeof *t);
	struct stat sb;
	uint32_t n, ns;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		warnx("%s: cannot open:", path);
		*status = EX_NOINPUT;
		free(t);
		return NULL;
	}
	if (fstat(fd, &sb) != 0 || sb.st_size < ROUTES_HEAD ||
	    (t->map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_SHARED,
	    fd, 0)) == MAP_FAILED) {
		warnx("%s: not a routes table (revisit-shard --join)", path);
		close(fd);
		free(t);
		*status = EX_DATAERR;
		return NULL;
	}
	close(fd);
	t->len = (size_t)sb.st_size;
	memcpy(&n, t->map + 24, 4);
	memcpy(&ns, t->map + 28, 4);
	if (memcmp(t->map, ROUTES_MAGIC, sizeof ROUTES_MAGIC - 1) != 0 ||
	    t->len != ROUTES_HEAD + (size_t)n * sizeof(struct route) ||
	    n == 0 || (n & (n - 1)) != 0 || ns != nshards) {
		warnx("%s: %s", path, ns != nshards && memcmp(t->map,
		    ROUTES_MAGIC, sizeof ROUTES_MAGIC - 1) == 0 ?
		    "a table of another number of shards" :
		    "not a routes table (revisit-shard --join), or cut short");
		routes_close(t);
		*status = EX_DATAERR;
		return NULL;
	}
	t->n = n;
	t->r = (const struct route *)(const void *)(t->map + ROUTES_HEAD);
	return t;
}

long
routes_find(const struct routes *t, uint64_t h)
{
	size_t mask = t->n - 1, k;

	for (k = h & mask; t->r[k].shard; k = (k + 1) & mask)
		if (t->r[k].hash == h)
			return (long)t->r[k].shard - 1;
	return -1;
}

void
routes_close(struct routes *t)
{
	if (t->map && t->map != MAP_FAILED)
		munmap((void *)t->map, t->len);
	free(t);
}
