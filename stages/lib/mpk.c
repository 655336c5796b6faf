/*
 * mpk.c - MessagePack packer into a wbuf, streaming record reader, map
 * lookups.
 */
#include "mpk.h"
#include "prog.h"

#include <errno.h>
#include <unistd.h>

#define RECIN_CHUNK (64 * 1024)

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
	if (!msgpack_unpacker_init(&r->up, 4 * RECIN_CHUNK))
		die(EX_OSERR, "out of memory");
	msgpack_unpacked_init(&r->res);
	r->fd = fd;
	r->name = name;
}

void
recin_free(struct recin *r)
{
	msgpack_unpacked_destroy(&r->res);
	msgpack_unpacker_destroy(&r->up);
}

int
recin_next(struct recin *r, msgpack_object **obj)
{
	for (;;) {
		msgpack_unpack_return ret;
		ssize_t n;

		ret = msgpack_unpacker_next(&r->up, &r->res);
		if (ret == MSGPACK_UNPACK_SUCCESS) {
			r->nrec++;
			*obj = &r->res.data;
			return 1;
		}
		if (ret == MSGPACK_UNPACK_PARSE_ERROR) {
			/* used - off: bytes buffered but not yet parsed
			 * into a whole record. */
			warnx("%s: record %llu: bad MessagePack after byte %llu",
			    r->name, (unsigned long long)r->nrec + 1,
			    (unsigned long long)(r->bytes -
			    (r->up.used - r->up.off)));
			r->status = EX_DATAERR;
			return -1;
		}
		if (ret == MSGPACK_UNPACK_NOMEM_ERROR)
			die(EX_OSERR, "out of memory");
		if (r->eof) {
			if (msgpack_unpacker_message_size(&r->up) > 0) {
				warnx("%s: record %llu: truncated MessagePack "
				    "at byte %llu", r->name,
				    (unsigned long long)r->nrec + 1,
				    (unsigned long long)r->bytes);
				r->status = EX_DATAERR;
				return -1;
			}
			return 0;
		}
		if (msgpack_unpacker_buffer_capacity(&r->up) < RECIN_CHUNK &&
		    !msgpack_unpacker_reserve_buffer(&r->up, RECIN_CHUNK))
			die(EX_OSERR, "out of memory");
		do
			n = read(r->fd, msgpack_unpacker_buffer(&r->up),
			    msgpack_unpacker_buffer_capacity(&r->up));
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			warnx("%s: read error:", r->name);
			r->status = EX_IOERR;
			return -1;
		}
		if (n == 0)
			r->eof = 1;
		msgpack_unpacker_buffer_consumed(&r->up, (size_t)n);
		r->bytes += (uint64_t)n;
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
