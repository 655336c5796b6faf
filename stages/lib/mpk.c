/*
 * mpk.c - MessagePack packer into a wbuf, streaming record reader, map
 * lookups.
 */
#include "mpk.h"
#include "prog.h"

#include <errno.h>
#include <unistd.h>

static int
pack_to_wbuf(void *data, const char *buf, size_t len)
{
	wbuf_write(data, buf, len);
	return 0;
}

void
mpk_init(msgpack_packer *pk, struct wbuf *w)
{
	msgpack_packer_init(pk, w, pack_to_wbuf);
}

void
recin_init(struct recin *r, int fd, const char *name)
{
	memset(r, 0, sizeof *r);
	mpr_init(&r->in, fd, name);
	msgpack_unpacked_init(&r->res);
	r->name = name;
}

void
recin_free(struct recin *r)
{
	msgpack_unpacked_destroy(&r->res);
	mpr_free(&r->in);
}

int
recin_next(struct recin *r, msgpack_object **obj)
{
	const char *rec;
	size_t len, off = 0;
	int k;

	if ((k = mpr_next(&r->in, &rec, &len)) <= 0) {
		r->status = r->in.status;
		return k;
	}
	if (!mpc_depth_ok(rec, len, MPC_MAX_DEPTH)) {
		warnx("%s: record %llu: MessagePack nested deeper than %d at "
		    "byte %llu", r->name, (unsigned long long)r->nrec + 1,
		    MPC_MAX_DEPTH, (unsigned long long)(r->in.off + r->in.pos -
		    len));
		r->status = EX_DATAERR;
		return -1;
	}
	switch (msgpack_unpack_next(&r->res, rec, len, &off)) {
	case MSGPACK_UNPACK_SUCCESS:
		r->nrec++;
		*obj = &r->res.data;
		return 1;
	case MSGPACK_UNPACK_NOMEM_ERROR:
		die(EX_OSERR, "out of memory");
	default:	/* framed and checked: not expected */
		warnx("%s: record %llu: bad MessagePack", r->name,
		    (unsigned long long)r->nrec + 1);
		r->status = EX_DATAERR;
		return -1;
	}
}

const msgpack_object *
mpk_get(const msgpack_object *m, const char *key)
{
	size_t klen = strlen(key);
	uint32_t i;

	if (m->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (i = 0; i < m->via.map.size; i++) {
		const msgpack_object *k = &m->via.map.ptr[i].key;

		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == klen &&
		    memcmp(k->via.str.ptr, key, klen) == 0)
			return &m->via.map.ptr[i].val;
	}
	return NULL;
}

int
mpk_is(const msgpack_object *o, const char *s)
{
	size_t n = strlen(s);

	return o != NULL && o->type == MSGPACK_OBJECT_STR &&
	    o->via.str.size == n && memcmp(o->via.str.ptr, s, n) == 0;
}
