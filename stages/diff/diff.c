/*
 * diff.c - revisit-diff's work.
 *
 * The old lists are read whole: each member's id kept, with where its
 * record is in the old file. The new lists then stream past: a member
 * not among the old ones is an add; one among them is marked kept. When
 * a new list ends, the old members it did not keep are its removes,
 * their records read again from the old file (few are removed from
 * night to night; an old list from a pipe is kept in memory instead).
 * Memory follows the old lists' ids; the new ones are held one audience
 * at a time.
 *
 * revisit-audience and revisit-merge write members in person order (key
 * bytes, a uid before a vid of the same bytes): two lists in that order
 * are walked side by side. A list out of it (written by something else)
 * gets an open addressing table of (audience, id_type, id) when its
 * disorder is seen, and is looked up from there on: the same diff.
 */
#include "diff.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "lists.h"
#include "mpc.h"
#include "mpk.h"
#include "person.h"
#include "prog.h"
#include "wbuf.h"

struct oentry {
	uint64_t	 hash;
	size_t		 list;		/* in D->lists */
	size_t		 id_off, idn;	/* in D->ids */
	uint64_t	 rec_off;	/* in the old file, or in D->recs */
	size_t		 rec_len;
	int		 is_uid, kept;
};

struct olist {
	char		*name;
	int64_t		 generated_at, membership_days;
	size_t		 first, n;	/* its entries */
	int		 matched;	/* a new list of that name was seen */
	int		 unordered;	/* not in person order */
	int		 hashed;	/* its entries are in the table */
};

struct diff {
	const struct diff_opts *o;
	struct olist	*lists;
	size_t		 nlists, caplists;
	struct oentry	*e;
	size_t		 ne, cape;
	uint32_t	*slot;		/* entry index + 1; 0 empty */
	size_t		 mask;
	msgpack_sbuffer	 ids, recs;	/* the old ids; old records (pipe) */
	int		 oldfd;		/* the old file, to read removes; or -1 */
	uint64_t	 oldsize;	/* its bytes */
	char		*rbuf;		/* a record read from it */
	size_t		 caprbuf;
	msgpack_sbuffer	 pend;		/* the current new list's diff */
	struct wbuf	 out;
	int64_t		 now;		/* latest new generated_at */
	unsigned long long added, removed, kept;
};

static uint64_t
key_hash(size_t list, int is_uid, const char *id, size_t n)
{
	return XXH3_64bits_withSeed(id, n, (uint64_t)list * 2 + (uint64_t)is_uid);
}

/* The entry for (list, is_uid, id), or NULL. */
static struct oentry *
lookup(struct diff *D, size_t list, int is_uid, const char *id, size_t n)
{
	uint64_t h = key_hash(list, is_uid, id, n);
	size_t i;

	if (D->slot == NULL)
		return NULL;
	for (i = h & D->mask; D->slot[i] != 0; i = (i + 1) & D->mask) {
		struct oentry *e = &D->e[D->slot[i] - 1];

		if (e->hash == h && e->list == list && e->is_uid == is_uid &&
		    e->idn == n && memcmp(D->ids.data + e->id_off, id, n) == 0)
			return e;
	}
	return NULL;
}

static void
put_slot(struct diff *D, size_t i)
{
	size_t j;

	for (j = D->e[i].hash & D->mask; D->slot[j] != 0;
	    j = (j + 1) & D->mask)
		;
	D->slot[j] = (uint32_t)(i + 1);
}

/* The table with room for want entries (at most half full), the hashed
 * lists' entries in it. */
static void
rehash(struct diff *D, size_t want)
{
	size_t n = 1024, li, i;

	while (n < 2 * want)
		n *= 2;
	if (D->slot != NULL && n <= D->mask + 1)
		return;
	free(D->slot);
	D->slot = xcalloc(n, sizeof *D->slot);
	D->mask = n - 1;
	for (li = 0; li < D->nlists; li++)
		if (D->lists[li].hashed)
			for (i = D->lists[li].first;
			    i < D->lists[li].first + D->lists[li].n; i++)
				put_slot(D, i);
}

/* How many entries the table holds, one more list's counted. */
static size_t
hashed_entries(const struct diff *D)
{
	size_t li, n = 0;

	for (li = 0; li < D->nlists; li++)
		if (D->lists[li].hashed)
			n += D->lists[li].n;
	return n;
}

/* Old list li's entries into the table, from now on. (Its entries so
 * far are in person order: no two alike.) */
static void
hash_list(struct diff *D, size_t li)
{
	struct olist *l = &D->lists[li];
	size_t i;

	if (l->hashed)
		return;
	l->hashed = 1;
	for (i = l->first; i < l->first + l->n; i++) {
		struct oentry *e = &D->e[i];

		e->hash = key_hash(li, e->is_uid, D->ids.data + e->id_off,
		    e->idn);
	}
	if (D->slot == NULL || hashed_entries(D) * 2 > D->mask + 1)
		rehash(D, hashed_entries(D));
	else
		for (i = l->first; i < l->first + l->n; i++)
			put_slot(D, i);
}

/* An old entry's id against (id, is_uid), in person order. */
static int
entry_cmp(const struct diff *D, const struct oentry *e, const char *id,
    size_t n, int is_uid)
{
	struct sv a = { D->ids.data + e->id_off, e->idn }, b = { id, n };

	return person_key_cmp(a, e->is_uid, b, is_uid);
}

/* A member record's bytes with "op" added: the map's count one more,
 * the pair at its end; the rest copied as it is. */
static void
append_with_op(msgpack_sbuffer *b, const char *rec, size_t len,
    const char *op)
{
	char head[8], tail[32], *e;
	struct mpc c;
	uint32_t n;

	mpc_init(&c, rec, len);
	if (mpc_map(&c, &n) != 0)
		die(EX_SOFTWARE, "a member that is not a map");
	e = mpw_map(head, (size_t)n + 1);
	msgpack_sbuffer_write(b, head, (size_t)(e - head));
	msgpack_sbuffer_write(b, (const char *)c.p,
	    len - (size_t)((const char *)c.p - rec));
	e = mpw_lit(tail, "op");
	e = mpw_str(e, op, strlen(op));
	msgpack_sbuffer_write(b, tail, (size_t)(e - tail));
}

static int
add_old(struct diff *D, struct list_reader *r, const struct list_member *m)
{
	size_t list = D->nlists - 1;
	struct olist *l = &D->lists[list];
	struct oentry *e;

	if (!l->unordered && l->n > 0 && entry_cmp(D, &D->e[D->ne - 1], m->id,
	    m->idn, m->is_uid) >= 0) {
		l->unordered = 1;
		hash_list(D, list);
	}
	if (l->hashed && lookup(D, list, m->is_uid, m->id, m->idn) != NULL) {
		warnx("%s: record %llu: %.*s is twice in list %s", r->name,
		    (unsigned long long)r->in.nrec, (int)m->idn, m->id,
		    r->head.name);
		return EX_DATAERR;
	}
	D->e = grow_array(D->e, &D->cape, D->ne, sizeof *D->e);
	e = &D->e[D->ne++];
	e->hash = l->hashed ? key_hash(list, m->is_uid, m->id, m->idn) : 0;
	e->list = list;
	e->is_uid = m->is_uid;
	e->kept = 0;		/* the array is reused from pair to pair */
	e->id_off = D->ids.size;
	e->idn = m->idn;
	msgpack_sbuffer_write(&D->ids, m->id, m->idn);
	e->rec_len = m->len;
	if (D->oldfd >= 0) {
		e->rec_off = r->in.off + (uint64_t)(m->rec - r->in.buf);
	} else {
		e->rec_off = D->recs.size;
		msgpack_sbuffer_write(&D->recs, m->rec, m->len);
	}
	l->n++;
	if (!l->hashed)
		return 0;
	if (hashed_entries(D) * 2 > D->mask + 1)
		rehash(D, hashed_entries(D));
	else
		put_slot(D, D->ne - 1);
	return 0;
}

static int
is_regular(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

/* Room for n more old members (a header's count), so that the entries
 * are not grown member by member; a count the file cannot hold (a damaged
 * header: the count check reports it) reserves no more than its bytes
 * could, a member taking at least 16 of them. */
static void
reserve(struct diff *D, uint64_t n, uint64_t bytes)
{
	size_t want;

	if (n > bytes / 16)
		n = bytes / 16;
	want = D->ne + (size_t)n;

	if (want > D->cape) {
		D->e = xrealloc(D->e, want * sizeof *D->e);
		D->cape = want;
	}
}

static int
read_old(struct diff *D, const char *path)
{
	struct list_reader r;
	struct list_member m;
	int k = 0, status = 0;

	if (list_open(&r, path) != 0)
		return r.status;
	/* Offsets are the file's from its start: not stdin's. */
	D->oldsize = 1u << 20;	/* a pipe: reserve for what 1 MiB holds */
	if (strcmp(path, "-") != 0 && is_regular(r.fd)) {
		struct stat st;

		if ((D->oldfd = dup(r.fd)) < 0 || fstat(D->oldfd, &st) != 0)
			die(EX_OSERR, "%s:", r.name);
		D->oldsize = (uint64_t)st.st_size;
	}
	while (status == 0 && (k = list_next(&r, &m)) > 0) {
		if (k == LIST_HEAD) {
			struct olist *l;
			size_t i;

			for (i = 0; i < D->nlists; i++)
				if (strcmp(D->lists[i].name, r.head.name) == 0)
					break;
			if (i < D->nlists) {
				warnx("%s: list %s appears twice", r.name,
				    r.head.name);
				status = EX_DATAERR;
				break;
			}
			D->lists = grow_array(D->lists, &D->caplists,
			    D->nlists, sizeof *D->lists);
			l = &D->lists[D->nlists++];
			memset(l, 0, sizeof *l);	/* reused pair to pair */
			l->name = xstrdup(r.head.name);
			l->generated_at = r.head.generated_at;
			l->membership_days = r.head.membership_days;
			l->first = D->ne;
			reserve(D, r.head.count, D->oldsize);
			if (r.head.kind != LIST_FULL) {
				warnx("%s: a diff, not a list: diff two lists",
				    r.name);
				status = EX_DATAERR;
			}
		} else {
			status = add_old(D, &r, &m);
		}
	}
	if (status == 0 && k < 0)
		status = r.status;
	list_close(&r);
	return status;
}

/* The diff header for name, then its records (D->pend). */
static void
put_diff(struct diff *D, const char *name, int64_t now, int64_t prev,
    int64_t membership_days, size_t size, size_t added, size_t removed)
{
	msgpack_packer pk;

	mpk_init(&pk, &D->out);
	msgpack_pack_map(&pk, 10 + (prev != 0));
	mpk_cstr(&pk, "type");
	mpk_cstr(&pk, "diff");
	mpk_cstr(&pk, "audience");
	mpk_cstr(&pk, name);
	mpk_cstr(&pk, "schema");
	msgpack_pack_int(&pk, 1);
	mpk_cstr(&pk, "generated_at");
	msgpack_pack_int64(&pk, now);
	if (prev != 0) {
		mpk_cstr(&pk, "previous_generated_at");
		msgpack_pack_int64(&pk, prev);
	}
	mpk_cstr(&pk, "membership_days");
	msgpack_pack_int64(&pk, membership_days);
	mpk_cstr(&pk, "count");
	msgpack_pack_uint64(&pk, added + removed);
	mpk_cstr(&pk, "added");
	msgpack_pack_uint64(&pk, added);
	mpk_cstr(&pk, "removed");
	msgpack_pack_uint64(&pk, removed);
	mpk_cstr(&pk, "kept");
	msgpack_pack_uint64(&pk, size - added);
	mpk_cstr(&pk, "size");
	msgpack_pack_uint64(&pk, size);
	if (D->pend.size > 0)	/* nothing pending: no buffer yet */
		wbuf_write(&D->out, D->pend.data, D->pend.size);
	msgpack_sbuffer_clear(&D->pend);
	D->added += added;
	D->removed += removed;
	D->kept += size - added;
	if (!D->o->quiet)
		fprintf(stderr, "%s: %s: +%zu -%zu, %zu members\n", prog_name,
		    name, added, removed, size);
}

/* The removes of old list li (the members nobody kept) into D->pend. */
static size_t
removes(struct diff *D, size_t li)
{
	const struct olist *l = &D->lists[li];
	size_t i, n = 0;

	for (i = l->first; i < l->first + l->n; i++) {
		const struct oentry *e = &D->e[i];
		const char *rec;

		if (e->kept)
			continue;
		if (D->oldfd < 0) {
			rec = D->recs.data + e->rec_off;
		} else {
			if (e->rec_len > D->caprbuf) {
				D->caprbuf = e->rec_len;
				D->rbuf = xrealloc(D->rbuf, D->caprbuf);
			}
			if (pread(D->oldfd, D->rbuf, e->rec_len,
			    (off_t)e->rec_off) != (ssize_t)e->rec_len)
				die(EX_IOERR, "the old list: read error "
				    "(changed while read?):");
			rec = D->rbuf;
		}
		append_with_op(&D->pend, rec, e->rec_len, "remove");
		n++;
	}
	return n;
}

struct cur {			/* the new list being read */
	size_t		 li;	/* its old list, or SIZE_MAX */
	size_t		 size, added;
	int64_t		 now, membership_days;
	char		*name;
	size_t		 at;	/* the old list's next entry (side by side) */
	char		*prev;	/* the member before (its id) */
	size_t		 prevn, capprev;
	int		 prev_uid;
};

/* Whether new member m is in old list c->li: side by side while both
 * lists are in person order, else by the table. */
static struct oentry *
find_old(struct diff *D, struct cur *c, const struct list_member *m)
{
	struct olist *l = &D->lists[c->li];
	struct sv prev = { c->prev, c->prevn }, id = { m->id, m->idn };
	size_t end = l->first + l->n;
	int k = 1;	/* set by the walk whenever it is read */

	if (!l->hashed && c->size > 1 &&
	    person_key_cmp(prev, c->prev_uid, id, m->is_uid) >= 0)
		hash_list(D, c->li);	/* the new list is not in order */
	if (m->idn > c->capprev) {
		c->capprev = m->idn;
		c->prev = xrealloc(c->prev, c->capprev);
	}
	if (m->idn)
		memcpy(c->prev, m->id, m->idn);
	c->prevn = m->idn;
	c->prev_uid = m->is_uid;
	if (l->hashed)
		return lookup(D, c->li, m->is_uid, m->id, m->idn);
	while (c->at < end && (k = entry_cmp(D, &D->e[c->at], m->id, m->idn,
	    m->is_uid)) < 0)
		c->at++;
	if (c->at < end && k == 0)
		return &D->e[c->at++];
	return NULL;
}

static void
end_list(struct diff *D, struct cur *c)
{
	size_t removed = 0;
	int64_t prev = 0;

	if (c->name == NULL)
		return;
	if (c->li != SIZE_MAX) {
		removed = removes(D, c->li);
		prev = D->lists[c->li].generated_at;
	}
	put_diff(D, c->name, c->now, prev, c->membership_days, c->size,
	    c->added, removed);
	free(c->name);
	c->name = NULL;
}

static void
begin_list(struct diff *D, struct cur *c, const struct list_head *h)
{
	size_t i;

	c->name = xstrdup(h->name);
	c->size = c->added = 0;
	c->now = h->generated_at;
	c->membership_days = h->membership_days;
	c->li = SIZE_MAX;
	c->prevn = 0;
	if (h->generated_at > D->now)
		D->now = h->generated_at;
	for (i = 0; i < D->nlists; i++)
		if (strcmp(D->lists[i].name, h->name) == 0) {
			c->li = i;
			c->at = D->lists[i].first;
			D->lists[i].matched = 1;
			if (D->lists[i].generated_at > h->generated_at)
				warnx("%s: the old list is newer than the new "
				    "one: are OLD and NEW swapped?", h->name);
			break;
		}
}

static int
read_new(struct diff *D, const char *path)
{
	struct list_reader r;
	struct list_member m;
	struct cur c = { .li = SIZE_MAX };
	int k;

	if (list_open(&r, path) != 0)
		return r.status;
	while ((k = list_next(&r, &m)) > 0) {
		if (k == LIST_HEAD) {
			end_list(D, &c);
			if (r.head.kind != LIST_FULL) {
				warnx("%s: a diff, not a list: diff two lists",
				    r.name);
				r.status = EX_DATAERR;
				k = -1;
				break;
			}
			begin_list(D, &c, &r.head);
			continue;
		}
		c.size++;
		if (c.li != SIZE_MAX) {
			struct oentry *e = find_old(D, &c, &m);

			if (e != NULL) {
				e->kept = 1;
				continue;
			}
		}
		append_with_op(&D->pend, m.rec, m.len, "add");
		c.added++;
	}
	if (k == 0)
		end_list(D, &c);
	free(c.name);
	free(c.prev);
	list_close(&r);
	return k < 0 ? r.status : 0;
}

/* OLD against NEW (either NULL: none) into D->out. */
static int
diff_pair(struct diff *D, const char *old, const char *new)
{
	size_t i;
	int status = 0;

	for (i = 0; i < D->nlists; i++)
		free(D->lists[i].name);
	D->nlists = D->ne = 0;
	free(D->slot);
	D->slot = NULL;
	D->mask = 0;
	D->now = 0;
	msgpack_sbuffer_clear(&D->ids);
	msgpack_sbuffer_clear(&D->recs);
	msgpack_sbuffer_clear(&D->pend);
	if (D->oldfd >= 0)
		close(D->oldfd);
	D->oldfd = -1;
	if (old != NULL)
		status = read_old(D, old);
	if (status == 0 && new != NULL)
		status = read_new(D, new);
	/* A list that is gone: its members are all removed. */
	for (i = 0; status == 0 && i < D->nlists; i++)
		if (!D->lists[i].matched)
			put_diff(D, D->lists[i].name, D->now ? D->now :
			    D->lists[i].generated_at, D->lists[i].generated_at,
			    D->lists[i].membership_days, 0, 0, removes(D, i));
	return status;
}

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* One diff file per list file: NEW/NAME.mp against OLD/NAME.mp. */
static int
diff_dirs(struct diff *D)
{
	const struct diff_opts *o = D->o;
	size_t nold, nnew, i;
	char **old = list_files(o->old, &nold), **new = list_files(o->new,
	    &nnew);
	int status = 0;

	status = output_dir(o->out, "the diffs' directory");
	for (i = 0; status == 0 && i < nnew + nold; i++) {
		const char *name = i < nnew ? new[i] : old[i - nnew];
		char *op = path_join(o->old, name), *np = path_join(o->new,
		    name), *out = path_join(o->out, name);

		if (i >= nnew && list_files_has(new, nnew, name))
			goto next;	/* done with the new ones */
		if (wbuf_open_atomic(&D->out, out) != 0) {
			warnx("cannot create '%s':", out);
			status = EX_CANTCREAT;
			goto next;
		}
		status = diff_pair(D, list_files_has(old, nold, name) ? op : NULL,
		    i < nnew ? np : NULL);
		status = wbuf_finish(&D->out, status, out);
next:
		free(op);
		free(np);
		free(out);
	}
	list_files_free(old, nold);
	list_files_free(new, nnew);
	return status;
}

int
diff_run(const struct diff_opts *o)
{
	struct diff D;
	size_t i;
	int status;

	memset(&D, 0, sizeof D);
	D.o = o;
	D.oldfd = -1;
	msgpack_sbuffer_init(&D.ids);
	msgpack_sbuffer_init(&D.recs);
	msgpack_sbuffer_init(&D.pend);
	if (is_dir(o->new)) {
		if (o->out == NULL || (!is_dir(o->old) &&
		    strcmp(o->old, "/dev/null") != 0)) {
			warnx("NEW is a directory: OLD must be one too (or "
			    "/dev/null), and -o names the diffs' directory");
			status = EX_USAGE;
		} else {
			status = diff_dirs(&D);
		}
	} else {
		stage_output(&D.out, o->out);
		status = diff_pair(&D, o->old, o->new);
		status = wbuf_finish(&D.out, status, o->out ? o->out :
		    "stdout");
	}
	if (status == 0 && !o->quiet)
		fprintf(stderr, "%s: %llu added, %llu removed, %llu kept\n",
		    prog_name, D.added, D.removed, D.kept);
	for (i = 0; i < D.nlists; i++)
		free(D.lists[i].name);
	if (D.oldfd >= 0)
		close(D.oldfd);
	free(D.rbuf);
	free(D.lists);
	free(D.e);
	free(D.slot);
	msgpack_sbuffer_destroy(&D.ids);
	msgpack_sbuffer_destroy(&D.recs);
	msgpack_sbuffer_destroy(&D.pend);
	return status;
}
