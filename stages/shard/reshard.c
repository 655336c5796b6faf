/*
 * reshard.c - a state (one process's, or sharded M ways) rewritten as
 * N shards, for a site that changes its number of shards.
 *
 * The old states are read in person-key order all at once (each one's
 * iterator merges its files; the smallest key of them goes next), so
 * each new shard receives its persons in key order and is written as a
 * stream: a new base per shard, nothing held in memory but one person.
 * Words are translated into each new shard's dictionary; the content of
 * every person stays as it was.
 */
#include "shard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "person.h"
#include "prog.h"
#include "state.h"

struct old {
	struct state		 st;
	struct state_iter	 it;
	struct state_head	 h;
	int			 have;		/* h is its next record */
	int			 lock;
};

struct newshard {
	char			*dir;
	struct state		 empty;
	struct strtab		*dict;
	struct state_writer	 sw;
	uint64_t		 persons;
};

static int
next(struct old *o)
{
	int r = state_iter_next(&o->it, &o->h);

	o->have = r > 0;
	return r < 0 ? o->it.status : 0;
}

/* The target must hold no state yet: resharding writes a new one. */
static int
fresh(const char *to)
{
	char *m = path_join(to, "MANIFEST"), *s0 = state_shard_dir(to, 0);
	struct stat sb;
	int r = 0;

	if (stat(m, &sb) == 0 || stat(s0, &sb) == 0) {
		warnx("%s: holds a state already: reshard into a new "
		    "directory", to);
		r = EX_USAGE;
	}
	free(m);
	free(s0);
	return r;
}

static int
open_old(struct old *o, size_t m, char **dirs, struct keep *keep,
    int64_t *now)
{
	size_t i;
	int r;

	for (i = 0; i < m; i++) {
		if ((o[i].lock = state_lock(dirs[i], &r)) < 0 ||
		    (r = state_open(&o[i].st, dirs[i])) != 0)
			return r;
		if (o[i].st.empty)
			continue;
		*keep = o[i].st.keep;
		if (o[i].st.now > *now)
			*now = o[i].st.now;
		if (state_iter_init(&o[i].it, &o[i].st) != 0)
			return o[i].it.status;
		if ((r = next(&o[i])) != 0)
			return r;
	}
	return 0;
}

/* Every person, smallest key first, to its new shard. */
static int
copy(struct old *o, size_t m, struct newshard *ns, size_t n,
    const struct keep *keep)
{
	struct person p;
	int r = 0;

	memset(&p, 0, sizeof p);
	for (;;) {
		struct old *b = NULL;
		const struct sfile *f;
		struct newshard *t;
		size_t i;
		uint32_t v;

		for (i = 0; i < m; i++)
			if (o[i].have && (b == NULL || person_key_cmp(
			    o[i].h.ph.key, o[i].h.ph.is_uid, b->h.ph.key,
			    b->h.ph.is_uid) < 0))
				b = &o[i];
		if (b == NULL)
			break;
		f = &b->st.files[b->h.file];
		if (person_decode(&p, f->map + b->h.off, b->h.len,
		    b->st.nwords) != 0) {
			warnx("%s/%s: record %llu: a damaged person record",
			    b->st.dir, f->file,
			    (unsigned long long)b->h.nrec);
			r = EX_DATAERR;
			break;
		}
		t = &ns[state_shard_of(p.key, n)];
		for (v = 0; v < p.nvids; v++)
			vidhist_rewords(&p.vids[v], b->st.words, t->dict);
		person_prune(&p, 0, keep, t->dict);	/* order only */
		state_writer_person(&t->sw, &p, keep);
		t->persons++;
		person_free(&p);
		/* A person in two old shards: a state sharded wrongly. */
		for (i = 0; i < m && r == 0; i++)
			if (&o[i] != b && o[i].have && person_key_cmp(
			    o[i].h.ph.key, o[i].h.ph.is_uid, b->h.ph.key,
			    b->h.ph.is_uid) == 0) {
				warnx("%s and %s: both hold person %.*s",
				    b->st.dir, o[i].st.dir,
				    (int)b->h.ph.key.n, b->h.ph.key.p);
				r = EX_DATAERR;
			}
		if (r != 0 || (r = next(b)) != 0)
			break;
	}
	person_free(&p);
	return r;
}

int
shard_reshard(const char *from, const char *to, size_t n, int quiet)
{
	size_t m, i;
	char **dirs = state_dirs(from, &m);
	struct old *o = xcalloc(m, sizeof *o);
	struct newshard *ns = xcalloc(n, sizeof *ns);
	struct keep keep = { 0, 0 };
	int64_t now = 0;
	uint64_t persons = 0;
	int r, opened = 0;

	for (i = 0; i < m; i++)
		o[i].lock = -1;
	if ((r = fresh(to)) == 0 && (r = output_dir(to, "the new state")) == 0)
		r = open_old(o, m, dirs, &keep, &now);
	for (i = 0; i < n && r == 0; i++, opened++) {
		ns[i].dir = n == 1 ? xstrdup(to) : state_shard_dir(to, i);
		ns[i].dict = words_new(NULL, 0);
		if ((r = state_open(&ns[i].empty, ns[i].dir)) == 0 &&
		    (r = state_writer_open(&ns[i].sw, &ns[i].empty,
		    ns[i].dict, 1, 1)) != 0) {
			state_close(&ns[i].empty);
			break;
		}
	}
	if (r == 0)
		r = copy(o, m, ns, n, &keep);
	for (i = 0; i < (size_t)opened; i++) {
		int e = state_writer_close(&ns[i].sw, r == 0, now, &keep,
		    ns[i].persons);

		r = r ? r : e;
		persons += ns[i].persons;
		state_close(&ns[i].empty);
	}
	if (r == 0 && !quiet)
		fprintf(stderr, "%s: %s: %llu persons of %zu state%s, as %zu "
		    "shard%s in %s\n", prog_name, from,
		    (unsigned long long)persons, m, m == 1 ? "" : "s", n,
		    n == 1 ? "" : "s", to);
	for (i = 0; i < n; i++) {
		free(ns[i].dir);
		if (ns[i].dict)
			strtab_free(ns[i].dict);
	}
	for (i = 0; i < m; i++) {
		if (o[i].st.dir && !o[i].st.empty)
			state_iter_free(&o[i].it);
		if (o[i].st.dir)
			state_close(&o[i].st);
		if (o[i].lock >= 0)
			close(o[i].lock);
	}
	free(o);
	free(ns);
	state_dirs_free(dirs, m);
	return r;
}
