/*
 * hit.c - the hit record in MessagePack, both ways.
 */
#include "hit.h"
#include "mpk.h"

#include <string.h>

const char *const hit_kind_names[] = { "page", "asset", "bot" };

/* The hit writer is the hottest code of revisit-parse: it encodes
 * straight into the output buffer, no callback per element. */
void
hit_pack(struct wbuf *w, const struct hit *h)
{
	size_t n = 9;	/* type ts vid ip query status bytes ua kind */
	size_t room = 160 + h->vid.len + h->uid.len + h->ip.len + h->xff.len +
	    h->host.len + h->method.len + h->path.len + h->query.len +
	    h->referrer.len + h->ua.len;
	char *p = wbuf_reserve(w, room);

	n += h->uid.p != NULL;
	n += h->xff.p != NULL;
	n += h->host.p != NULL;
	n += (h->method.p != NULL) * 2;
	n += h->referrer.p != NULL;
	p = mpw_map(p, n);
	p = mpw_lit(p, "type");
	p = mpw_lit(p, "hit");
	p = mpw_lit(p, "ts");
	p = mpw_int(p, h->ts);
	p = mpw_lit(p, "vid");
	p = mpw_str(p, h->vid.p, h->vid.len);
	if (h->uid.p) {
		p = mpw_lit(p, "uid");
		p = mpw_str(p, h->uid.p, h->uid.len);
	}
	p = mpw_lit(p, "ip");
	p = mpw_str(p, h->ip.p, h->ip.len);
	if (h->xff.p) {
		p = mpw_lit(p, "xff");
		p = mpw_str(p, h->xff.p, h->xff.len);
	}
	if (h->host.p) {
		p = mpw_lit(p, "host");
		p = mpw_str(p, h->host.p, h->host.len);
	}
	if (h->method.p) {
		p = mpw_lit(p, "method");
		p = mpw_str(p, h->method.p, h->method.len);
		p = mpw_lit(p, "path");
		p = mpw_str(p, h->path.p, h->path.len);
	}
	p = mpw_lit(p, "query");
	p = mpw_str(p, h->query.p, h->query.len);
	p = mpw_lit(p, "status");
	p = mpw_int(p, h->status);
	p = mpw_lit(p, "bytes");
	p = mpw_int(p, h->bytes);
	if (h->referrer.p) {
		p = mpw_lit(p, "referrer");
		p = mpw_str(p, h->referrer.p, h->referrer.len);
	}
	p = mpw_lit(p, "ua");
	p = mpw_str(p, h->ua.p, h->ua.len);
	p = mpw_lit(p, "kind");
	p = mpw_str(p, hit_kind_names[h->kind], strlen(hit_kind_names[h->kind]));
	wbuf_commit(w, p);
}

static int
key_is(const msgpack_object *k, const char *s, size_t n)
{
	return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
	    memcmp(k->via.str.ptr, s, n) == 0;
}

static int
get_int(const msgpack_object *v, int64_t *out)
{
	if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		*out = (int64_t)v->via.u64;
		return 0;
	}
	if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		*out = v->via.i64;
		return 0;
	}
	return -1;
}

int
hit_unpack(const msgpack_object *o, struct hit *h)
{
	int seen_ts = 0, seen_status = 0, seen_kind = 0;
	uint32_t i;

	if (o->type != MSGPACK_OBJECT_MAP)
		return -1;
	memset(h, 0, sizeof *h);
	h->query.p = "";
	for (i = 0; i < o->via.map.size; i++) {
		const msgpack_object *k = &o->via.map.ptr[i].key;
		const msgpack_object *v = &o->via.map.ptr[i].val;
		struct span *dst = NULL;
		int64_t x;

		if (key_is(k, "ts", 2)) {
			if (get_int(v, &h->ts) != 0)
				return -1;
			seen_ts = 1;
			continue;
		}
		if (key_is(k, "status", 6)) {
			if (get_int(v, &x) != 0)
				return -1;
			h->status = (int)x;
			seen_status = 1;
			continue;
		}
		if (key_is(k, "bytes", 5)) {
			if (get_int(v, &h->bytes) != 0)
				return -1;
			continue;
		}
		if (key_is(k, "kind", 4)) {
			int j;

			for (j = 0; j < 3; j++)
				if (mpk_is(v, hit_kind_names[j])) {
					h->kind = (enum hit_kind)j;
					seen_kind = 1;
				}
			continue;
		}
		if (key_is(k, "vid", 3)) dst = &h->vid;
		else if (key_is(k, "uid", 3)) dst = &h->uid;
		else if (key_is(k, "ip", 2)) dst = &h->ip;
		else if (key_is(k, "xff", 3)) dst = &h->xff;
		else if (key_is(k, "host", 4)) dst = &h->host;
		else if (key_is(k, "method", 6)) dst = &h->method;
		else if (key_is(k, "path", 4)) dst = &h->path;
		else if (key_is(k, "query", 5)) dst = &h->query;
		else if (key_is(k, "referrer", 8)) dst = &h->referrer;
		else if (key_is(k, "ua", 2)) dst = &h->ua;
		if (dst && v->type == MSGPACK_OBJECT_STR) {
			dst->p = v->via.str.ptr;
			dst->len = v->via.str.size;
			/* A zero-length str may have a NULL pointer. */
			if (dst->p == NULL)
				dst->p = "";
		}
	}
	if (!seen_ts || !seen_status || !seen_kind || h->vid.p == NULL)
		return -1;
	return 0;
}
