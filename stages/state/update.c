/*
 * update.c - the nightly state update, a sort-merge.
 *
 * 1. The night's sessions are read (and passed on), building each vid's
 *    history of the night and its link (the uid of its latest session
 *    with one); purchases are set aside.
 * 2. Pass A over the state finds the person records the night touches
 *    (a vid seen tonight, a uid linked tonight, a listed opt-out), and
 *    which of tonight's order ids the state already has.
 * 3. Those records and the night's histories are regrouped by each vid's
 *    person now, merged, and pruned; tonight's new purchases are added.
 * 4. Pass B writes the next generation in key order: untouched records
 *    are copied as their bytes (re-encoded only when something in them
 *    expires), the regrouped persons are merged in between.
 */
#include "update.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "identity.h"
#include "mpc.h"
#include "prog.h"
#include "records.h"
#include "session.h"
#include "state.h"
#include "strset.h"
#include "strtab.h"

#define DAY_MS		86400000LL
#define SHARD_BYTES	(128ULL << 20)	/* grow the shard count past this */
#define STATE_DELTAS	8		/* compact when there are more */

struct ubuy {
	uint32_t	 vid;
	struct sess_buy	 b;
	uint32_t	 order;		/* id in orders, or STRTAB_NONE */
};

struct link {
	struct vlink	 night;		/* tonight's */
	struct sv	 state_uid;	/* the state's, n == 0 if none */
};

struct held {			/* a record the night changes */
	size_t		 file, off;
	struct person	 p;
};

struct up {
	const struct up_opts	*o;
	struct wbuf		*out;
	struct strtab		*pool;		/* tonight's strings */
	struct strtab		*dict;		/* words: the state's, new */
	struct arena		 arrays;	/* of the persons */
	struct keep		 keep;
	int64_t			 now, latest;
	struct strtab		*vids, *uids, *orders, *pkeys;
	struct vidhist		*night;		/* by vid id */
	struct link		*link;
	size_t			 capnight;
	struct ubuy		*buys;
	size_t			 nbuys, capbuys;
	unsigned char		*known;		/* by order id: in the state */
	struct strset		*optout;
	struct state		 st;
	struct state_heads	 heads;		/* read while the night is */
	struct held		*held;		/* in key order */
	size_t			 nheld, capheld;
	int			 all;		/* hold every record */
	struct person		*np;		/* regrouped, by pkeys id */
	size_t			 nnp, capnp;
	struct sess		 dec;
	int			 status;
	unsigned long long	 nsess, nbad, nnew_buys, nrepeat,
				 ncopied, nwritten;
};

static struct sv
keep(struct up *U, struct sv s)
{
	struct sv k;

	k.p = strtab_str(U->pool, strtab_intern(U->pool, s.p, s.n, NULL),
	    &k.n);
	return k;
}

static struct sv
strtab_sv(const struct strtab *t, uint32_t id)
{
	struct sv s;

	s.p = strtab_str(t, id, &s.n);
	return s;
}

/* ---- 1. the night ---- */

static void
session(struct up *U)
{
	const struct sess *s = &U->dec;
	uint32_t v = strtab_intern(U->vids, s->vid.p, s->vid.n, NULL);
	struct vidhist *h;
	struct link *l;
	size_t i;

	U->nsess++;
	if (v >= U->capnight) {
		U->night = grow_array(U->night, &U->capnight, v,
		    sizeof *U->night);
		U->link = realloc(U->link, U->capnight * sizeof *U->link);
		if (U->link == NULL)
			die(EX_OSERR, "out of memory");
	}
	h = &U->night[v];
	l = &U->link[v];
	if (h->vid.p == NULL) {
		h->vid = keep(U, s->vid);
		memset(l, 0, sizeof *l);
		vlink_init(&l->night);
	}
	vidhist_add_session(h, s, U->dict);
	if (s->end > U->latest)
		U->latest = s->end;
	if (s->uid.n)
		vlink_see(&l->night, strtab_intern(U->uids, s->uid.p, s->uid.n,
		    NULL), s->start, s->end, s->sid);
	for (i = 0; i < s->nbuys; i++) {
		struct ubuy *b;

		U->buys = grow_array(U->buys, &U->capbuys, U->nbuys,
		    sizeof *U->buys);
		b = &U->buys[U->nbuys++];
		b->vid = v;
		b->b = s->buys[i];
		b->b.order_id = keep(U, s->buys[i].order_id);
		b->b.value_text = keep(U, s->buys[i].value_text);
		b->b.currency = keep(U, s->buys[i].currency);
		b->order = b->b.order_id.n ? strtab_intern(U->orders,
		    b->b.order_id.p, b->b.order_id.n, NULL) : STRTAB_NONE;
	}
}

static void
record(void *arg, int decoded, const char *rec, size_t len,
    const struct records *r)
{
	struct up *U = arg;
	const char *t;
	size_t tn;

	wbuf_write(U->out, rec, len);
	if (mpc_record_type(rec, len, &t, &tn) != 0 || tn != 7 ||
	    memcmp(t, "session", 7) != 0)
		return;
	if (decoded)
		session(U);
	else if (U->nbad++ < 10)
		warnx("%s: record %llu: a session without vid, sid, start or "
		    "end: left out of the state", r->name,
		    (unsigned long long)r->nrec);
}

/* ---- 2. pass A ---- */

static int
listed(const struct up *U, struct sv s)
{
	return strset_has(U->optout, s.p, s.n);
}

/*
 * Whether the night changes this record, from its head alone: a vid
 * seen tonight (whose link it gives), its uid linked tonight, a name on
 * the opt-out list. Its order ids tonight repeats are marked known.
 */
static int
touched(struct up *U, const struct phead *ph)
{
	int hit = (ph->is_uid && strtab_find(U->uids, ph->key.p, ph->key.n) !=
	    STRTAB_NONE) || listed(U, ph->key);
	struct plist l;
	struct sv s;
	int r;

	phead_vids(ph, &l);
	while ((r = plist_next(&l, &s)) > 0) {
		uint32_t v = strtab_find(U->vids, s.p, s.n);

		if (v != STRTAB_NONE) {
			hit = 1;
			if (ph->is_uid)
				U->link[v].state_uid = ph->key;
		}
		hit |= listed(U, s);
	}
	phead_orders(ph, &l);
	while (r == 0 && (r = plist_next(&l, &s)) > 0) {
		uint32_t o = strtab_find(U->orders, s.p, s.n);

		if (o != STRTAB_NONE)
			U->known[o] = 1;
	}
	return r < 0 ? -1 : hit;
}

/* The records the night touches, or whose contents expire, decoded to
 * be rewritten. Their heads were read meanwhile (state_heads). */
static int
pass_a(struct up *U)
{
	int r = state_heads_wait(&U->heads), t;
	size_t i;

	for (i = 0; i < U->heads.n && r == 0; i++) {
		const struct state_head *h = &U->heads.v[i];
		const struct sfile *sh = &U->st.files[h->file];
		struct held *k;

		/* Touched tonight, or something in it expires: rewritten. */
		if ((t = touched(U, &h->ph)) == 0 && !U->all &&
		    h->ph.expiry > U->now)
			continue;
		U->held = grow_array(U->held, &U->capheld, U->nheld,
		    sizeof *U->held);
		k = &U->held[U->nheld];
		if (t < 0 || person_decode(&k->p, sh->map + h->off, h->len,
		    U->st.nwords) != 0) {
			warnx("%s/%s: record %llu (byte %zu): a damaged person "
			    "record", U->st.dir, sh->file,
			    (unsigned long long)h->nrec, h->off);
			r = EX_DATAERR;
			break;
		}
		k->file = h->file;
		k->off = h->off;
		U->nheld++;
	}
	return r;
}

/* ---- 3. regrouping ---- */

static struct person *
person_for(struct up *U, struct sv key, int is_uid)
{
	int added;
	uint32_t id = person_intern(U->pkeys, key, is_uid, &added);

	if (added) {
		U->np = grow_array(U->np, &U->capnp, U->nnp, sizeof *U->np);
		person_init(&U->np[U->nnp++], key, is_uid);
	}
	return &U->np[id];
}

/*
 * Where a vid (seen tonight: v, else STRTAB_NONE) belongs now. The
 * tables of tonight's strings no longer change, so views into them stay
 * valid as keys.
 */
static struct person *
home(struct up *U, uint32_t v, const struct person *was)
{
	uint32_t uid = v != STRTAB_NONE ? U->link[v].night.uid : STRTAB_NONE;

	if (uid != STRTAB_NONE)
		return person_for(U, strtab_sv(U->uids, uid), 1);
	if (v != STRTAB_NONE && U->link[v].state_uid.n)
		return person_for(U, U->link[v].state_uid, 1);
	if (was)
		return person_for(U, was->key, was->is_uid);
	return person_for(U, strtab_sv(U->vids, v), 0);
}

static int
buy_cmp(const void *x, const void *y)
{
	const struct ubuy *a = x, *b = y;

	return buy_cmp_at(a->b.ts, a->b.order_id, b->b.ts, b->b.order_id);
}

static void
add_buys(struct up *U)
{
	size_t no = strtab_count(U->orders), i;
	unsigned char *seen = xcalloc(no ? no : 1, 1);

	if (U->nbuys > 1)
		qsort(U->buys, U->nbuys, sizeof *U->buys, buy_cmp);
	for (i = 0; i < U->nbuys; i++) {
		const struct ubuy *b = &U->buys[i];
		struct person *p;
		struct vidhist *h;

		if (b->order != STRTAB_NONE && (U->known[b->order] ||
		    seen[b->order]++)) {
			U->nrepeat++;
			continue;
		}
		p = home(U, b->vid, NULL);
		if ((h = person_vid(p, strtab_sv(U->vids, b->vid), 0)) == NULL)
			die(EX_SOFTWARE, "state: a purchase without its vid");
		vidhist_add_buy(h, &b->b, NULL, U->dict);
		U->nnew_buys++;
	}
	free(seen);
}

static void
regroup(struct up *U)
{
	size_t i, j, nv = strtab_count(U->vids);

	for (i = 0; i < U->nheld; i++) {
		struct person *was = &U->held[i].p;

		for (j = 0; j < was->nvids; j++) {
			struct vidhist *h = &was->vids[j];
			uint32_t v = strtab_find(U->vids, h->vid.p, h->vid.n);

			person_take(home(U, v, was), h);
		}
	}
	for (i = 0; i < nv; i++)
		person_take(home(U, (uint32_t)i, NULL), &U->night[i]);
	add_buys(U);
	for (i = 0; i < U->nnp; i++) {
		struct person *p = &U->np[i];
		int out = listed(U, p->key);

		for (j = 0; j < p->nvids; j++)
			if (out || listed(U, p->vids[j].vid))
				p->vids[j].opt_out = 1;
	}
}

static int
np_cmp(const void *x, const void *y)
{
	const struct person *a = x, *b = y;

	return person_key_cmp(a->key, a->is_uid, b->key, b->is_uid);
}

/* ---- 4. writing ---- */

/* A regrouped person, pruned; 1 if written, 0 if nothing is left. */
static int
write_person(struct up *U, struct state_writer *sw, struct person *p)
{
	if (person_prune(p, U->now, &U->keep, U->dict) == 0)
		return 0;
	state_writer_person(sw, p, &U->keep);
	U->nwritten++;
	return 1;
}

static int
key_cmp(const struct person *a, const struct person *b)
{
	return person_key_cmp(a->key, a->is_uid, b->key, b->is_uid);
}

/*
 * A delta: the regrouped persons (np) and the held records' keys, both
 * in key order, merged; a held key no regrouped person kept is deleted.
 */
static void
write_delta(struct up *U, struct state_writer *sw)
{
	size_t i = 0, j = 0;

	while (i < U->nnp || j < U->nheld) {
		int c = i == U->nnp ? 1 : j == U->nheld ? -1 :
		    key_cmp(&U->np[i], &U->held[j].p);

		if (c <= 0) {
			if (!write_person(U, sw, &U->np[i]) && c == 0)
				state_writer_delete(sw, U->np[i].key,
				    U->np[i].is_uid);
			i++;
			j += c == 0;
		} else {
			state_writer_delete(sw, U->held[j].p.key,
			    U->held[j].p.is_uid);
			j++;
		}
	}
}

/*
 * A new base: every current record, held ones replaced by the
 * regrouped persons, the others copied as their bytes.
 */
static int
write_base(struct up *U, struct state_writer *sw)
{
	struct state_iter it;
	struct state_head h;
	size_t nexth = 0, nextp = 0;
	int r = 0;

	if (state_iter_init(&it, &U->st) != 0)
		return it.status;
	while (!U->st.empty && (r = state_iter_next(&it, &h)) > 0) {
		while (nextp < U->nnp && person_key_cmp(U->np[nextp].key,
		    U->np[nextp].is_uid, h.ph.key, h.ph.is_uid) < 0)
			write_person(U, sw, &U->np[nextp++]);
		if (nexth < U->nheld && U->held[nexth].file == h.file &&
		    U->held[nexth].off == h.off) {
			nexth++;	/* regrouped: written from np */
			continue;
		}
		state_writer_add(sw, U->st.files[h.file].map + h.off, h.len,
		    h.ph.key, h.ph.is_uid);
		U->ncopied++;
	}
	while (r >= 0 && nextp < U->nnp)
		write_person(U, sw, &U->np[nextp++]);
	state_iter_free(&it);
	return r < 0 ? it.status : 0;
}

static size_t
shard_count(const struct up *U)
{
	uint64_t bytes = U->st.bytes[0] + U->st.bytes[1];
	size_t n = U->st.empty ? 1 : U->st.nshards;

	if (U->o->shards)
		return U->o->shards;
	while (n < STATE_MAX_SHARDS && bytes / n > SHARD_BYTES)
		n *= 2;
	return n;
}

static void
settle_keep(struct up *U)
{
	U->keep = U->o->keep;
	if (U->keep.window == 0)
		U->keep.window = U->st.empty ? 30 * DAY_MS :
		    U->st.keep.window;
	if (U->keep.retention == 0)
		U->keep.retention = U->st.empty ? 540 * DAY_MS :
		    U->st.keep.retention;
	U->now = U->o->now ? U->o->now : U->latest;
	if (!U->o->now && !U->st.empty && U->st.now > U->now)
		U->now = U->st.now;
	/* Other windows than the state's: every record is pruned again. */
	U->all = !U->st.empty && (U->keep.window != U->st.keep.window ||
	    U->keep.retention != U->st.keep.retention);
}

/* A new base rather than a delta: when the deltas have grown to half
 * the base, there are many, or the shards change. */
static int
compact_now(const struct up *U, size_t nshards)
{
	return U->o->compact || U->st.empty || U->all ||
	    nshards != U->st.nshards || U->st.nlevels > STATE_DELTAS ||
	    U->st.bytes[1] * 2 >= U->st.bytes[0];
}

static int
update(struct up *U)
{
	struct state_writer sw;
	size_t nshards, i;
	uint64_t persons;
	int r, base;

	U->known = xcalloc(strtab_count(U->orders) + 1, 1);
	if (U->link == NULL)
		U->link = xcalloc(1, sizeof *U->link);
	settle_keep(U);
	if (!U->st.empty && (r = pass_a(U)) != 0)
		return r;
	regroup(U);
	if (U->nnp > 1)
		qsort(U->np, U->nnp, sizeof *U->np, np_cmp);
	nshards = shard_count(U);
	base = compact_now(U, nshards);
	if ((r = state_writer_open(&sw, &U->st, U->dict, base, nshards)) !=
	    0) {
		state_writer_close(&sw, 0, 0, &U->keep, 0);
		return r;
	}
	if (base) {
		r = write_base(U, &sw);
		persons = U->ncopied + U->nwritten;
	} else {
		write_delta(U, &sw);
		persons = U->st.persons - U->nheld + U->nwritten;
	}
	for (i = 0; i < U->nnp; i++)
		person_free(&U->np[i]);
	if (state_writer_close(&sw, r == 0, U->now, &U->keep, persons) != 0 &&
	    r == 0)
		r = EX_IOERR;
	if (r == 0 && !U->o->quiet)
		fprintf(stderr, "%s: %s: generation %llu: %llu persons (%llu "
		    "before), %llu written (new, changed or pruned)%s\n",
		    prog_name, U->o->dir,
		    (unsigned long long)U->st.generation + 1,
		    (unsigned long long)persons,
		    (unsigned long long)U->st.persons, U->nwritten,
		    base ? ", compacted into a new base" : ", as a delta");
	return r;
}

int
up_run(char *const *paths, size_t npaths, struct wbuf *out,
    const struct up_opts *o)
{
	struct records in;
	struct up U;
	size_t i;
	int r, lock;

	memset(&U, 0, sizeof U);
	if ((lock = state_lock(o->dir, &r)) < 0)
		return r;
	if ((r = state_open(&U.st, o->dir)) != 0) {
		close(lock);
		return r;
	}
	state_heads_start(&U.heads, &U.st);
	person_arrays_in(&U.arrays);
	U.o = o;
	U.out = out;
	U.pool = strtab_new();
	U.vids = strtab_new();
	U.uids = strtab_new();
	U.orders = strtab_new();
	U.pkeys = strtab_new();
	U.dict = words_new(U.st.words, U.st.nwords);
	U.optout = strset_lines(o->opt_out);
	U.status = sessions_each(paths, npaths, o->progress, &U.dec, record, &U,
	    &in);
	/* A night half read would be half applied: keep the old state. */
	if (U.status == 0)
		U.status = update(&U);
	else
		warnx("%s: not updated: the input was not read whole",
		    o->dir);
	if (!o->quiet)
		fprintf(stderr, "%s: %llu records: %llu sessions, %llu new "
		    "purchases, %llu repeated orders\n", prog_name,
		    (unsigned long long)in.n,
		    U.nsess, U.nnew_buys, U.nrepeat);
	for (i = 0; i < U.nheld; i++)
		person_free(&U.held[i].p);
	for (i = 0; i < strtab_count(U.vids); i++)
		vidhist_free(&U.night[i]);	/* those not taken */
	free(U.held);
	free(U.np);
	free(U.night);
	free(U.link);
	free(U.buys);
	free(U.known);
	strset_free(U.optout);
	sess_free(&U.dec);
	strtab_free(U.vids);
	strtab_free(U.uids);
	strtab_free(U.orders);
	strtab_free(U.pkeys);
	state_heads_free(&U.heads);
	state_close(&U.st);
	strtab_free(U.dict);
	strtab_free(U.pool);
	person_arrays_in(NULL);
	arena_free(&U.arrays);
	close(lock);
	return U.status;
}
