/*
 * move.c - the sharded state: one state directory per shard, each
 * holding the persons whose key hashes to it, and the devices that
 * change shards.
 *
 * A vid that logs in tonight as a uid of another shard takes its
 * history along (DESIGN.md: identity is retroactive). The shard's
 * stages would find it in the wrong state, so before any of them runs
 * the device is moved: its person in the old shard is written without
 * it (or deleted), the uid's person in the new one with it, each as a
 * new generation (a delta, written and committed as revisit-state
 * does). Words are numbers in each state's own dictionary and are
 * translated. Nothing is pruned here: the night's update prunes, at the
 * night's end, exactly as it would have in one state.
 */
#include "shard.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "identity.h"
#include "prog.h"
#include "state.h"

struct shst {
	char		*dir;
	struct state	 st;
	int		 lock;
	int		 changes;	/* departures or arrivals */
	struct strtab	*dict;		/* its words, and arrivals' */
	struct person	*held;		/* records the moves change */
	size_t		 nheld, capheld;
	struct strtab	*pkeys;		/* persons to write, by key */
	struct person	*np;
	size_t		 nnp, capnp;
};

struct shard_states {
	size_t		 n;
	struct shst	*s;
	unsigned char	*arrive;	/* by uid id: a vid moves to it */
};

static int
exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* A state sharded otherwise is an error, not a guess. One shard is a
 * state of its own, as one process keeps it. */
static int
check_layout(const char *root, size_t n)
{
	char *m = path_join(root, "MANIFEST"), *past = state_shard_dir(root, n);
	char *first = state_shard_dir(root, 0);
	int r = 0;

	if (n > 1 && exists(m)) {
		warnx("%s: a state of one process (it has a MANIFEST), not "
		    "one sharded %zu ways: reshard it first (revisit-shard "
		    "--reshard)", root, n);
		r = EX_USAGE;
	} else if (n > 1 && exists(past)) {
		warnx("%s: sharded more than %zu ways (%s exists): reshard "
		    "it first (revisit-shard --reshard)", root, n, past);
		r = EX_USAGE;
	} else if (n == 1 && exists(first)) {
		warnx("%s: a sharded state (%s exists), not one of one "
		    "process: reshard it first (revisit-shard --reshard)",
		    root, first);
		r = EX_USAGE;
	}
	free(m);
	free(past);
	free(first);
	return r;
}

struct shard_states *
shard_states_open(const char *root, size_t n, int *status)
{
	struct shard_states *ss;
	size_t k;

	if ((*status = check_layout(root, n)) != 0 ||
	    (*status = output_dir(root, "the sharded state")) != 0)
		return NULL;
	ss = xcalloc(1, sizeof *ss);
	ss->s = xcalloc(n, sizeof *ss->s);
	ss->n = n;
	for (k = 0; k < n; k++) {
		struct shst *s = &ss->s[k];

		s->dir = n == 1 ? xstrdup(root) : state_shard_dir(root, k);
		s->lock = -1;
		if ((s->lock = state_lock(s->dir, status)) < 0 ||
		    (*status = state_open(&s->st, s->dir)) != 0) {
			shard_states_close(ss);
			return NULL;
		}
	}
	return ss;
}

int64_t
shard_states_now(const struct shard_states *ss)
{
	int64_t now = 0;
	size_t k;

	for (k = 0; k < ss->n; k++)
		if (!ss->s[k].st.empty && ss->s[k].st.now > now)
			now = ss->s[k].st.now;
	return now;
}

static int
damaged(const struct shst *s, const struct state_head *h, const char *what)
{
	warnx("%s/%s: record %llu (byte %zu): %s", s->dir,
	    s->st.files[h->file].file, (unsigned long long)h->nrec, h->off,
	    what);
	return EX_DATAERR;
}

/* The broadcast join: every person of every shard streamed past the
 * table of tonight's vids. With all, a vid of a uid's person not in the
 * table is added to it (from, state_uid: its route) when that person's
 * shard is not the vid's own: a links file holds only the vids linked
 * tonight, and --route sends every vid it does not find to its own. */
int
shard_states_links(struct shard_states *ss, struct night *n, int all)
{
	size_t k;

	for (k = 0; k < ss->n; k++) {
		struct shst *s = &ss->s[k];
		struct state_iter it;
		struct state_head h;
		int r;

		if (s->st.empty)
			continue;
		if (state_iter_init(&it, &s->st) != 0)
			return it.status;
		while ((r = state_iter_next(&it, &h)) > 0) {
			struct plist l;
			struct sv vid;
			int q;

			if (state_shard_of(h.ph.key, ss->n) != k) {
				state_iter_free(&it);
				return damaged(s, &h, "a person of another "
				    "shard: the state is sharded otherwise");
			}
			phead_vids(&h.ph, &l);
			while ((q = plist_next(&l, &vid)) > 0) {
				uint32_t v = strtab_find(n->vids, vid.p, vid.n);
				struct svid *sv;

				if (v != STRTAB_NONE)
					sv = &n->v[v];
				else if (all && h.ph.is_uid &&
				    state_shard_of(vid, ss->n) != k)
					sv = night_vid(n, vid.p, vid.n);
				else
					continue;
				sv->from = (int32_t)k;
				if (h.ph.is_uid)
					sv->state_uid = h.ph.key;
			}
			if (q < 0) {
				state_iter_free(&it);
				return damaged(s, &h, "a damaged person record");
			}
		}
		state_iter_free(&it);
		if (r < 0)
			return it.status;
	}
	return 0;
}

/* ---- moving ---- */

static int
moves(const struct svid *v)
{
	return v->uid != STRTAB_NONE && v->from >= 0 &&
	    (uint32_t)v->from != v->to;
}

static struct person *
person_in(struct shst *s, struct sv key, int is_uid)
{
	int added;
	uint32_t id = person_intern(s->pkeys, key, is_uid, &added);

	if (added) {
		s->np = grow_array(s->np, &s->capnp, s->nnp, sizeof *s->np);
		person_init(&s->np[s->nnp++], key, is_uid);
	}
	return &s->np[id];
}

/* The records of shard s a move changes: those holding a vid that
 * leaves it, and the uids vids come to. */
static int
hold(struct shard_states *ss, size_t k, const struct night *n)
{
	struct shst *s = &ss->s[k];
	struct state_iter it;
	struct state_head h;
	int r;

	if (s->st.empty)
		return 0;
	if (state_iter_init(&it, &s->st) != 0)
		return it.status;
	while ((r = state_iter_next(&it, &h)) > 0) {
		const struct sfile *f = &s->st.files[h.file];
		int want = 0, q;
		struct plist l;
		struct sv vid;
		struct person *p;

		if (h.ph.is_uid) {
			uint32_t u = strtab_find(n->uids, h.ph.key.p,
			    h.ph.key.n);

			want = u != STRTAB_NONE && ss->arrive[u];
		}
		phead_vids(&h.ph, &l);
		while (!want && (q = plist_next(&l, &vid)) > 0) {
			uint32_t v = strtab_find(n->vids, vid.p, vid.n);

			want = v != STRTAB_NONE && moves(&n->v[v]) &&
			    (size_t)n->v[v].from == k;
		}
		if (!want)
			continue;
		s->held = grow_array(s->held, &s->capheld, s->nheld,
		    sizeof *s->held);
		p = &s->held[s->nheld];
		if (person_decode(p, f->map + h.off, h.len, s->st.nwords)) {
			state_iter_free(&it);
			return damaged(s, &h, "a damaged person record");
		}
		s->nheld++;
	}
	state_iter_free(&it);
	return r < 0 ? it.status : 0;
}

/* Each held person's vids to where they belong now. */
static void
regroup(struct shard_states *ss, size_t k, const struct night *n)
{
	struct shst *s = &ss->s[k];
	size_t i;
	uint32_t j;

	for (i = 0; i < s->nheld; i++) {
		struct person *was = &s->held[i];
		struct person *stay = person_in(s, was->key, was->is_uid);

		for (j = 0; j < was->nvids; j++) {
			struct vidhist *h = &was->vids[j];
			uint32_t v = strtab_find(n->vids, h->vid.p, h->vid.n);
			struct shst *to;
			struct sv uid;

			if (v == STRTAB_NONE || !moves(&n->v[v])) {
				person_take(stay, h);
				continue;
			}
			to = &ss->s[n->v[v].to];
			uid.p = strtab_str(n->uids, n->v[v].uid, &uid.n);
			vidhist_rewords(h, s->st.words, to->dict);
			person_take(person_in(to, uid, 1), h);
		}
	}
}

static int
np_cmp(const void *x, const void *y)
{
	const struct person *a = x, *b = y;

	return person_key_cmp(a->key, a->is_uid, b->key, b->is_uid);
}

/* Shard s's persons that changed, as a new generation. */
static int
write_shard(struct shst *s, const struct state *like)
{
	const struct state *st = s->st.empty ? like : &s->st;
	struct state_writer sw;
	uint64_t written = 0;
	size_t i;
	int r;

	if (s->nnp > 1)
		qsort(s->np, s->nnp, sizeof *s->np, np_cmp);
	if ((r = state_writer_open(&sw, &s->st, s->dict, s->st.empty,
	    s->st.empty ? 1 : s->st.nshards)) != 0) {
		state_writer_close(&sw, 0, 0, &st->keep, 0);
		return r;
	}
	for (i = 0; i < s->nnp; i++) {
		struct person *p = &s->np[i];

		/* Canonical order only: at time 0 nothing is old enough to
		 * go. A person whose vids all left is deleted. */
		if (person_prune(p, 0, &st->keep, s->dict) == 0) {
			state_writer_delete(&sw, p->key, p->is_uid);
			continue;
		}
		state_writer_person(&sw, p, &st->keep);
		written++;
	}
	return state_writer_close(&sw, 1, st->now, &st->keep,
	    s->st.persons - s->nheld + written);
}

int
shard_states_move(struct shard_states *ss, const struct night *n,
    unsigned long long *moved)
{
	const struct state *like = NULL;
	size_t i, k, nv = strtab_count(n->vids);
	int r;

	*moved = 0;
	ss->arrive = xcalloc(strtab_count(n->uids) + 1, 1);
	for (i = 0; i < nv; i++) {
		if (!moves(&n->v[i]))
			continue;
		ss->arrive[n->v[i].uid] = 1;
		ss->s[n->v[i].from].changes = 1;
		ss->s[n->v[i].to].changes = 1;
		like = &ss->s[n->v[i].from].st;
		(*moved)++;
	}
	if (*moved == 0)
		return 0;
	for (k = 0; k < ss->n; k++) {
		struct shst *s = &ss->s[k];

		if (!s->changes)
			continue;
		s->dict = words_new(s->st.words, s->st.nwords);
		s->pkeys = strtab_new();
		if ((r = hold(ss, k, n)) != 0)
			return r;
	}
	for (k = 0; k < ss->n; k++)
		if (ss->s[k].changes)
			regroup(ss, k, n);
	for (k = 0; k < ss->n; k++)
		if (ss->s[k].changes && (r = write_shard(&ss->s[k], like)))
			return r;
	return 0;
}

void
shard_states_close(struct shard_states *ss)
{
	size_t k, i;

	for (k = 0; k < ss->n; k++) {
		struct shst *s = &ss->s[k];

		for (i = 0; i < s->nheld; i++)
			person_free(&s->held[i]);
		for (i = 0; i < s->nnp; i++)
			person_free(&s->np[i]);
		free(s->held);
		free(s->np);
		if (s->pkeys)
			strtab_free(s->pkeys);
		if (s->dict)
			strtab_free(s->dict);
		if (s->st.dir)
			state_close(&s->st);
		if (s->lock >= 0)
			close(s->lock);
		free(s->dir);
	}
	free(ss->s);
	free(ss->arrive);
	free(ss);
}
