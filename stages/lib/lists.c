/*
 * lists.c - reading audience lists and diffs, checked against their
 * headers.
 */
#include "lists.h"

#include <stdlib.h>
#include <string.h>

#include "prog.h"

int
list_open(struct list_reader *r, const char *path)
{
	memset(r, 0, sizeof *r);
	if ((r->fd = input_open(path, &r->name)) < 0) {
		r->status = EX_NOINPUT;
		return -1;
	}
	recin_init(&r->in, r->fd, r->name);
	return 0;
}

void
list_close(struct list_reader *r)
{
	free(r->head.name);
	recin_free(&r->in);
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

/* An integer field: 0 and *v, or -1 if absent or not an integer. */
static int
get_int(const msgpack_object *m, const char *key, int64_t *v)
{
	const msgpack_object *o = mpk_get(m, key);

	if (o == NULL)
		return -1;
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
	    o->via.u64 <= INT64_MAX)
		*v = (int64_t)o->via.u64;
	else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		*v = o->via.i64;
	else
		return -1;
	return 0;
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

static int
header(struct list_reader *r, const msgpack_object *o, enum list_kind kind)
{
	struct list_head *h = &r->head;
	const msgpack_object *name;
	int64_t v;

	if (list_ended(r) != 0)
		return -1;
	free(h->name);
	memset(h, 0, sizeof *h);
	h->kind = kind;
	h->rec = o;
	name = mpk_get(o, kind == LIST_FULL ? "name" : "audience");
	if (name == NULL || name->type != MSGPACK_OBJECT_STR ||
	    name->via.str.size == 0)
		return bad(r, "a list header without its audience's name");
	if ((h->name = malloc(name->via.str.size + 1)) == NULL)
		die(EX_OSERR, "out of memory");
	memcpy(h->name, name->via.str.ptr, name->via.str.size);
	h->name[name->via.str.size] = '\0';
	if (get_int(o, "count", &v) != 0 || v < 0)
		return bad(r, "a list header without a member count");
	h->count = (uint64_t)v;
	if (get_int(o, "generated_at", &h->generated_at) != 0)
		return bad(r, "a list header without generated_at");
	if (get_int(o, "membership_days", &h->membership_days) != 0)
		return bad(r, "a list header without membership_days");
	if (kind == LIST_DIFF) {
		(void)get_int(o, "previous_generated_at", &h->previous);
		if (get_int(o, "added", &v) == 0 && v >= 0)
			h->added = (uint64_t)v;
		if (get_int(o, "removed", &v) == 0 && v >= 0)
			h->removed = (uint64_t)v;
	} else {
		const msgpack_object *s = mpk_get(o, "too_small");

		h->too_small = s && s->type == MSGPACK_OBJECT_BOOLEAN &&
		    s->via.boolean;
	}
	r->have_head = 1;
	r->left = h->count;
	return LIST_HEAD;
}

static int
member(struct list_reader *r, const msgpack_object *o, struct list_member *m)
{
	const msgpack_object *au, *id, *it, *op;

	if (!r->have_head)
		return bad(r, "a member before any list header");
	if (r->left == 0)
		return bad(r, "more members than the list header says");
	au = mpk_get(o, "audience");
	if (au == NULL || au->type != MSGPACK_OBJECT_STR ||
	    au->via.str.size != strlen(r->head.name) ||
	    memcmp(au->via.str.ptr, r->head.name, au->via.str.size) != 0)
		return bad(r, "a member of another audience than its header's");
	id = mpk_get(o, "id");
	it = mpk_get(o, "id_type");
	if (id == NULL || id->type != MSGPACK_OBJECT_STR ||
	    id->via.str.size == 0 || it == NULL ||
	    (!mpk_is(it, "uid") && !mpk_is(it, "vid")))
		return bad(r, "a member without id and id_type");
	m->rec = o;
	m->id = id->via.str.ptr;
	m->idn = id->via.str.size;
	m->is_uid = mpk_is(it, "uid");
	m->op = OP_ADD;
	if (r->head.kind == LIST_DIFF) {
		op = mpk_get(o, "op");
		if (mpk_is(op, "remove"))
			m->op = OP_REMOVE;
		else if (!mpk_is(op, "add"))
			return bad(r, "a diff member without op add or remove");
	}
	r->left--;
	return LIST_MEMBER;
}

int
list_next(struct list_reader *r, struct list_member *m)
{
	msgpack_object *o;
	const msgpack_object *type;
	int k;

	for (;;) {
		if ((k = recin_next(&r->in, &o)) <= 0) {
			if (k < 0) {
				r->status = r->in.status;
				return -1;
			}
			return list_ended(r);
		}
		type = mpk_get(o, "type");
		if (mpk_is(type, "audience"))
			return header(r, o, LIST_FULL);
		if (mpk_is(type, "diff"))
			return header(r, o, LIST_DIFF);
		if (mpk_is(type, "member"))
			return member(r, o, m);
	}
}
