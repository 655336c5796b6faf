/*
 * lists.c - reading audience lists and diffs, checked against their
 * headers, from the records' bytes.
 */
#include "lists.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mpk.h"
#include "prog.h"

int
list_open(struct list_reader *r, const char *path)
{
	memset(r, 0, sizeof *r);
	if ((r->fd = input_open(path, &r->name)) < 0) {
		r->status = EX_NOINPUT;
		return -1;
	}
	mpr_init(&r->in, r->fd, r->name);
	return 0;
}

void
list_close(struct list_reader *r)
{
	free(r->head.name);
	free(r->head.definition);
	mpr_free(&r->in);
	input_close(r->fd);
}

static int
bad(struct list_reader *r, const char *what)
{
	warnx("%s: record %llu: %s", r->name,
	    (unsigned long long)r->in.nrec, what);
	r->status = EX_DATAERR;
	return -1;
}

/* The members of the list before ended (a new header, or the end):
 * as many as its header said? */
static int
list_ended(struct list_reader *r)
{
	char msg[160];

	if (!r->have_head || r->left == 0)
		return 0;
	snprintf(msg, sizeof msg, "list %s cut short: %llu of %llu "
	    "members", r->head.name,
	    (unsigned long long)(r->head.count - r->left),
	    (unsigned long long)r->head.count);
	return bad(r, msg);
}

/* The fields of a record that lists need. */
struct fields {
	const char	*type, *name, *audience, *id, *id_type, *op, *def;
	size_t		 typen, namen, audiencen, idn, id_typen, opn, defn;
	int64_t		 count, generated_at, previous, membership_days;
	int64_t		 added, removed;
	int		 has_count, has_gen, has_days, too_small;
	const char	*vids, *skus;
	size_t		 vidsn, skusn;
	int64_t		 last_seen, expires_at, orders;
	double		 revenue;
};

/* The bytes of the array at the cursor, skipped. */
static int
array_bytes(struct mpc *c, const char **p, size_t *n)
{
	*p = (const char *)c->p;
	if (mpc_skip(c) != 0)
		return -1;
	*n = (size_t)((const char *)c->p - *p);
	return 0;
}

#define KEY(k)	(kn == sizeof(k) - 1 && memcmp(key, k, kn) == 0)

/*
 * The fields of the record at the start of [rec, rec + len), and in
 * *used its length: 0, MPC_SHORT if it runs past len, MPC_BAD if it is
 * not a map with str keys (or not MessagePack).
 */
static int
fields(const char *rec, size_t len, struct fields *f, size_t *used)
{
	struct mpc c;
	uint32_t n, i;

	memset(f, 0, sizeof *f);
	f->last_seen = f->expires_at = f->orders = -1;
	f->revenue = NAN;
	mpc_init(&c, rec, len);
	MPC_TRY(mpc_map(&c, &n));
	for (i = 0; i < n; i++) {
		const char *key;
		size_t kn;
		int r = 0;

		MPC_TRY(mpc_str(&c, &key, &kn));
		if (KEY("type"))
			r = mpc_str(&c, &f->type, &f->typen);
		else if (KEY("name"))
			r = mpc_str(&c, &f->name, &f->namen);
		else if (KEY("audience"))
			r = mpc_str(&c, &f->audience, &f->audiencen);
		else if (KEY("id"))
			r = mpc_str(&c, &f->id, &f->idn);
		else if (KEY("id_type"))
			r = mpc_str(&c, &f->id_type, &f->id_typen);
		else if (KEY("op"))
			r = mpc_str(&c, &f->op, &f->opn);
		else if (KEY("definition"))
			r = mpc_str(&c, &f->def, &f->defn);
		else if (KEY("count"))
			r = mpc_int(&c, &f->count), f->has_count = !r;
		else if (KEY("generated_at"))
			r = mpc_int(&c, &f->generated_at), f->has_gen = !r;
		else if (KEY("previous_generated_at"))
			r = mpc_int(&c, &f->previous);
		else if (KEY("membership_days"))
			r = mpc_int(&c, &f->membership_days), f->has_days = !r;
		else if (KEY("added"))
			r = mpc_int(&c, &f->added);
		else if (KEY("removed"))
			r = mpc_int(&c, &f->removed);
		else if (KEY("too_small"))
			r = mpc_bool(&c, &f->too_small);
		else if (KEY("vids"))
			r = array_bytes(&c, &f->vids, &f->vidsn);
		else if (KEY("skus"))
			r = array_bytes(&c, &f->skus, &f->skusn);
		else if (KEY("last_seen"))
			r = mpc_int(&c, &f->last_seen);
		else if (KEY("expires_at"))
			r = mpc_int(&c, &f->expires_at);
		else if (KEY("orders"))
			r = mpc_int(&c, &f->orders);
		else if (KEY("revenue"))
			r = mpc_num(&c, &f->revenue);
		else
			r = mpc_skip(&c);
		MPC_TRY(r);
	}
	*used = (size_t)((const char *)c.p - rec);
	return 0;
}

#define IS(p, n, lit)	((n) == sizeof(lit) - 1 && memcmp(p, lit, n) == 0)

static int
header(struct list_reader *r, const struct fields *f, enum list_kind kind)
{
	struct list_head *h = &r->head;
	const char *name = kind == LIST_FULL ? f->name : f->audience;
	size_t n = kind == LIST_FULL ? f->namen : f->audiencen;

	if (list_ended(r) != 0)
		return -1;
	free(h->name);
	free(h->definition);
	memset(h, 0, sizeof *h);
	h->kind = kind;
	if (name == NULL || n == 0)
		return bad(r, "a list header without its audience's name");
	h->name = xstrndup(name, n);
	h->definition = xstrndup(f->def ? f->def : "", f->defn);
	if (!f->has_count || f->count < 0)
		return bad(r, "a list header without a member count");
	if (!f->has_gen)
		return bad(r, "a list header without generated_at");
	if (!f->has_days)
		return bad(r, "a list header without membership_days");
	h->count = (uint64_t)f->count;
	h->generated_at = f->generated_at;
	h->membership_days = f->membership_days;
	h->previous = f->previous;
	h->added = f->added > 0 ? (uint64_t)f->added : 0;
	h->removed = f->removed > 0 ? (uint64_t)f->removed : 0;
	h->too_small = f->too_small;
	r->have_head = 1;
	r->left = h->count;
	return LIST_HEAD;
}

static int
member(struct list_reader *r, const struct fields *f, const char *rec,
    size_t len, struct list_member *m)
{
	if (!r->have_head)
		return bad(r, "a member before any list header");
	if (r->left == 0)
		return bad(r, "more members than the list header says");
	if (f->audience == NULL || f->audiencen != strlen(r->head.name) ||
	    memcmp(f->audience, r->head.name, f->audiencen) != 0)
		return bad(r, "a member of another audience than its header's");
	if (f->id == NULL || f->idn == 0 || f->id_type == NULL ||
	    (!IS(f->id_type, f->id_typen, "uid") &&
	    !IS(f->id_type, f->id_typen, "vid")))
		return bad(r, "a member without id and id_type");
	m->rec = rec;
	m->len = len;
	m->id = f->id;
	m->idn = f->idn;
	m->is_uid = IS(f->id_type, f->id_typen, "uid");
	m->op = OP_ADD;
	m->vids = f->vids;
	m->vidsn = f->vidsn;
	m->skus = f->skus;
	m->skusn = f->skusn;
	m->last_seen = f->last_seen;
	m->expires_at = f->expires_at;
	m->orders = f->orders;
	m->revenue = f->revenue;
	if (r->head.kind == LIST_DIFF) {
		if (f->op != NULL && IS(f->op, f->opn, "remove"))
			m->op = OP_REMOVE;
		else if (f->op == NULL || !IS(f->op, f->opn, "add"))
			return bad(r, "a diff member without op add or remove");
	}
	r->left--;
	return LIST_MEMBER;
}

/* mpr_scan's reader of a record: its fields. */
static int
scan_fields(void *arg, const char *p, size_t avail, size_t *len)
{
	return fields(p, avail, arg, len);
}

/*
 * Records are decoded where they lie in the reader's buffer, and framed
 * by that same pass (mpr_scan): walking each twice, to find its end and
 * then its fields, was half of what revisit-diff did.
 */
int
list_next(struct list_reader *r, struct list_member *m)
{
	struct fields f;
	const char *rec;
	size_t len;
	int k, scanned;

	for (;;) {
		if ((k = mpr_scan(&r->in, scan_fields, &f, &rec, &len,
		    &scanned)) <= 0) {
			if (k < 0) {
				r->status = r->in.status;
				return -1;
			}
			return list_ended(r);
		}
		if (!scanned)
			return bad(r, "not a record (a map with str keys)");
		if (f.type == NULL)
			continue;
		if (IS(f.type, f.typen, "audience"))
			return header(r, &f, LIST_FULL);
		if (IS(f.type, f.typen, "diff"))
			return header(r, &f, LIST_DIFF);
		if (IS(f.type, f.typen, "member"))
			return member(r, &f, rec, len, m);
	}
}

size_t
list_header_put(struct wbuf *w, const struct list_head *h)
{
	size_t nn = strlen(h->name), dn = strlen(h->definition), at;
	char *start = wbuf_reserve(w, 256 + MPW_STR_MAX(nn) + MPW_STR_MAX(dn)),
	    *o = start;

	o = mpw_map(o, 7 + (h->too_small != 0));
	o = mpw_lit(o, "type");
	o = mpw_lit(o, "audience");
	o = mpw_lit(o, "name");
	o = mpw_str(o, h->name, nn);
	o = mpw_lit(o, "schema");
	o = mpw_int(o, 1);
	o = mpw_lit(o, "generated_at");
	o = mpw_int(o, h->generated_at);
	o = mpw_lit(o, "membership_days");
	o = mpw_int(o, h->membership_days);
	o = mpw_lit(o, "count");
	/* Always 8 bytes: a writer that streams its members sets it at the
	 * end, in place. */
	o = mpw_u64(o, (uint64_t)h->count);
	at = (size_t)(o - start) - 8;
	o = mpw_lit(o, "definition");
	o = mpw_str(o, h->definition, dn);
	if (h->too_small) {
		o = mpw_lit(o, "too_small");
		o = mpw_bool(o, 1);
	}
	wbuf_commit(w, o);
	return at;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **
list_files(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	size_t cap = 0;

	*n = 0;
	if (d == NULL)
		return NULL;
	while ((e = readdir(d)) != NULL) {
		size_t k = strlen(e->d_name);

		/* Hidden files are not lists. */
		if (e->d_name[0] == '.' || k <= 3 ||
		    strcmp(e->d_name + k - 3, ".mp") != 0)
			continue;
		v = grow_array(v, &cap, *n, sizeof *v);
		v[(*n)++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (*n > 1)
		qsort(v, *n, sizeof *v, name_cmp);
	return v ? v : xrealloc(NULL, sizeof *v);
}

int
list_files_has(char *const *v, size_t n, const char *name)
{
	return n > 0 && bsearch(&name, v, n, sizeof *v, name_cmp) != NULL;
}

void
list_files_free(char **v, size_t n)
{
	while (v && n-- > 0)
		free(v[n]);
	free(v);
}
