/*
 * dump.c - MessagePack to JSON Lines and back.
 *
 * JSON has no byte strings: record strings are written binary-safe (see
 * json.h: bytes that are not UTF-8 become \udcXX escapes) and come back
 * as the same bytes with --pack. MessagePack bin values are written as
 * strings too (revisit never writes bin); floats keep a decimal point so
 * that --pack gives a float back, integers stay integers.
 */
#include "dump.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "prog.h"

void
dump_obj(struct wbuf *w, const msgpack_object *o)
{
	char buf[32];
	uint32_t i;

	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		wbuf_puts(w, "null");
		break;
	case MSGPACK_OBJECT_BOOLEAN:
		wbuf_puts(w, o->via.boolean ? "true" : "false");
		break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		snprintf(buf, sizeof buf, "%llu", (unsigned long long)o->via.u64);
		wbuf_puts(w, buf);
		break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		snprintf(buf, sizeof buf, "%lld", (long long)o->via.i64);
		wbuf_puts(w, buf);
		break;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		json_put_double(w, o->via.f64);
		break;
	case MSGPACK_OBJECT_STR:
		json_put_str(w, o->via.str.ptr, o->via.str.size);
		break;
	case MSGPACK_OBJECT_BIN:
		json_put_str(w, o->via.bin.ptr, o->via.bin.size);
		break;
	case MSGPACK_OBJECT_EXT:
		json_put_str(w, o->via.ext.ptr, o->via.ext.size);
		break;
	case MSGPACK_OBJECT_ARRAY:
		wbuf_putc(w, '[');
		for (i = 0; i < o->via.array.size; i++) {
			if (i)
				wbuf_putc(w, ',');
			dump_obj(w, &o->via.array.ptr[i]);
		}
		wbuf_putc(w, ']');
		break;
	case MSGPACK_OBJECT_MAP:
		wbuf_putc(w, '{');
		for (i = 0; i < o->via.map.size; i++) {
			const msgpack_object *k = &o->via.map.ptr[i].key;

			if (i)
				wbuf_putc(w, ',');
			if (k->type == MSGPACK_OBJECT_STR) {
				dump_obj(w, k);
			} else {
				/* JSON keys are strings: quote the key's JSON. */
				struct wbuf tmp;

				wbuf_init(&tmp, -1);
				dump_obj(&tmp, k);
				json_put_str(w, tmp.buf, tmp.len);
				free(tmp.buf);
			}
			wbuf_putc(w, ':');
			dump_obj(w, &o->via.map.ptr[i].val);
		}
		wbuf_putc(w, '}');
		break;
	}
}

int
dump_json(struct recin *in, struct wbuf *out)
{
	msgpack_object *o;
	int r;

	while ((r = recin_next(in, &o)) > 0) {
		dump_obj(out, o);
		wbuf_putc(out, '\n');
	}
	return r < 0 ? in->status : EX_OK;
}

int
dump_count(struct recin *in, struct wbuf *out)
{
	struct tc {
		char		 name[64];
		unsigned long long n;
	} *t = NULL;
	size_t nt = 0, i;
	unsigned long long total = 0;
	msgpack_object *o;
	char line[128];
	int r;

	while ((r = recin_next(in, &o)) > 0) {
		const msgpack_object *ty = mpk_get(o, "type");
		char name[64];

		if (ty && ty->type == MSGPACK_OBJECT_STR)
			snprintf(name, sizeof name, "%.*s",
			    (int)ty->via.str.size, ty->via.str.ptr);
		else
			snprintf(name, sizeof name, "(no type)");
		for (i = 0; i < nt; i++)
			if (strcmp(t[i].name, name) == 0)
				break;
		if (i == nt) {
			if ((t = realloc(t, (nt + 1) * sizeof *t)) == NULL)
				die(EX_OSERR, "out of memory");
			snprintf(t[nt].name, sizeof t[nt].name, "%s", name);
			t[nt++].n = 0;
		}
		t[i].n++;
		total++;
	}
	for (i = 0; i < nt; i++) {
		snprintf(line, sizeof line, "%s\t%llu\n", t[i].name, t[i].n);
		wbuf_puts(out, line);
	}
	snprintf(line, sizeof line, "total\t%llu\n", total);
	wbuf_puts(out, line);
	free(t);
	return r < 0 ? in->status : EX_OK;
}

/* ---- JSON to MessagePack ---- */

struct packer {
	msgpack_packer	*pk;
	char		*scratch;
	int		 depth;
};

static int pack_value(struct packer *, struct jcur *);

/* Count the elements of the array or object at c (after its bracket). */
static long
count_elems(struct jcur c, char close)
{
	long n = 0;

	json_ws(&c);
	if (c.p < c.end && *c.p == close)
		return 0;
	for (;;) {
		if (close == '}') {
			if (json_skip(&c) != 0)
				return -1;
			json_ws(&c);
			if (c.p >= c.end || *c.p != ':')
				return -1;
			c.p++;
		}
		if (json_skip(&c) != 0)
			return -1;
		n++;
		json_ws(&c);
		if (c.p < c.end && *c.p == ',') {
			c.p++;
			continue;
		}
		if (c.p < c.end && *c.p == close)
			return n;
		return -1;
	}
}

static int
pack_string(struct packer *P, struct jcur *c)
{
	size_t n;

	if (json_get_str(c, P->scratch, &n) != 0)
		return -1;
	mpk_str(P->pk, P->scratch, n);
	return 0;
}

static int
pack_container(struct packer *P, struct jcur *c, char close)
{
	long n, i;

	c->p++;
	if ((n = count_elems(*c, close)) < 0 || ++P->depth > 256)
		return -1;
	if (close == '}')
		msgpack_pack_map(P->pk, (size_t)n);
	else
		msgpack_pack_array(P->pk, (size_t)n);
	for (i = 0; i < n; i++) {
		json_ws(c);
		if (i > 0) {
			c->p++;		/* ',' checked by count_elems */
			json_ws(c);
		}
		if (close == '}') {
			if (pack_string(P, c) != 0)
				return -1;
			json_ws(c);
			c->p++;		/* ':' */
			json_ws(c);
		}
		if (pack_value(P, c) != 0)
			return -1;
	}
	json_ws(c);
	c->p++;
	P->depth--;
	return 0;
}

static int
pack_value(struct packer *P, struct jcur *c)
{
	int64_t i;
	double d;
	int is_int;

	json_ws(c);
	if (c->p >= c->end)
		return -1;
	switch (*c->p) {
	case '{':
		return pack_container(P, c, '}');
	case '[':
		return pack_container(P, c, ']');
	case '"':
		return pack_string(P, c);
	}
	if (json_lit(c, "null")) {
		msgpack_pack_nil(P->pk);
		return 0;
	}
	if (json_lit(c, "true")) {
		msgpack_pack_true(P->pk);
		return 0;
	}
	if (json_lit(c, "false")) {
		msgpack_pack_false(P->pk);
		return 0;
	}
	if (json_get_num(c, &i, &d, &is_int) != 0)
		return -1;
	if (is_int)
		msgpack_pack_int64(P->pk, i);
	else
		msgpack_pack_double(P->pk, d);
	return 0;
}

int
dump_pack_value(msgpack_packer *pk, const char *p, const char *end,
    const char **errp)
{
	struct packer P = { pk, NULL, 0 };
	struct jcur c = { p, end };
	msgpack_sbuffer sb;
	msgpack_packer tmp;
	int r;

	/* Pack into a side buffer first: a bad line must write nothing. */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&tmp, &sb, msgpack_sbuffer_write);
	P.pk = &tmp;
	if ((P.scratch = malloc((size_t)(end - p) + 1)) == NULL)
		die(EX_OSERR, "out of memory");
	r = pack_value(&P, &c);
	if (r == 0) {
		json_ws(&c);
		if (c.p != c.end)
			r = -1;
	}
	if (r == 0)
		pk->callback(pk->data, sb.data, sb.size);
	else
		*errp = c.p;
	free(P.scratch);
	msgpack_sbuffer_destroy(&sb);
	return r;
}

int
dump_pack(int fd, const char *name, struct wbuf *out)
{
	FILE *fp = fdopen(dup(fd), "r");
	msgpack_packer pk;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long long lineno = 0, bad = 0;

	if (fp == NULL)
		die(EX_OSERR, "fdopen:");
	mpk_init(&pk, out);
	while ((len = getline(&line, &cap, fp)) != -1) {
		const char *err;

		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (len == 0)
			continue;
		if (dump_pack_value(&pk, line, line + len, &err) != 0) {
			warn_at(name, lineno, "bad JSON at column %ld",
			    (long)(err - line) + 1);
			bad++;
		}
	}
	if (ferror(fp)) {
		warnx("%s: read error:", name);
		free(line);
		fclose(fp);
		return EX_IOERR;
	}
	free(line);
	fclose(fp);
	return bad ? EX_DATAERR : EX_OK;
}
