/*
 * funnel.c - revisit-funnel's work: each session's pages through the
 * rules, the new fields added to the session, and the report's counts.
 *
 * A purchase is counted once per order id over the whole run (a reloaded
 * confirmation page, even in a later session, still puts "purchase" in
 * that session's stages but adds nothing to its purchases); a purchase
 * page without an order id counts once per session.
 */
#include "funnel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"
#include "mpk.h"
#include "prog.h"
#include "report.h"
#include "strset.h"

struct skus {
	struct strset	*seen;
	const char	**p;
	size_t		 *n, count, cap;
};

struct purchase {
	const char	*order_id, *value, *currency;
	size_t		 oidlen, valuelen, curlen;
	int64_t		 ts;
};

struct fn {
	const struct fn_opts	*o;
	struct wbuf		*out;
	msgpack_packer		 pk;
	struct strset		*orders;	/* order ids counted */
	struct report		*rep;
	char			*scratch;	/* captures of one session */
	size_t			 scap, slen;
	struct skus		 viewed, carted;
	struct purchase		*buys;
	size_t			 nbuys, capbuys;
	int			 status;
	struct progress		 prog;
	uint64_t		 ticks;
	unsigned long long	 nrec, nsess, npass, nbad, npurch, nreload;
};

static void
skus_reset(struct skus *s)
{
	strset_free(s->seen);
	s->seen = strset_new();
	s->count = 0;
}

static void
skus_add(struct skus *s, const char *p, size_t n)
{
	if (!strset_add(s->seen, p, n))
		return;
	if (s->count == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->p = realloc(s->p, s->cap * sizeof *s->p);
		s->n = realloc(s->n, s->cap * sizeof *s->n);
		if (s->p == NULL || s->n == NULL)
			die(EX_OSERR, "out of memory");
	}
	s->p[s->count] = p;
	s->n[s->count++] = n;
}

/* Keep a captured value past the next match: copy into the session's
 * scratch (sized for all of its pages up front). */
static const char *
keep(struct fn *F, const char *p, size_t n)
{
	char *d = F->scratch + F->slen;

	memmove(d, p, n);	/* p may be the match's own scratch, right here */
	F->slen += n;
	return d;
}

static int
str_of(const msgpack_object *o, const char **p, size_t *n)
{
	if (o == NULL || o->type != MSGPACK_OBJECT_STR)
		return -1;
	*p = o->via.str.ptr ? o->via.str.ptr : "";
	*n = o->via.str.size;
	return 0;
}

static int
int_of(const msgpack_object *o, int64_t *v)
{
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		*v = (int64_t)o->via.u64;
	else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		*v = o->via.i64;
	else
		return -1;
	return 0;
}

static int
replaced(const msgpack_object *k)
{
	return mpk_is(k, "stages") || mpk_is(k, "max_stage") ||
	    mpk_is(k, "skus_viewed") || mpk_is(k, "skus_carted") ||
	    mpk_is(k, "purchases");
}

static void
pack_skus(msgpack_packer *pk, const char *key, const struct skus *s)
{
	size_t i;

	mpk_cstr(pk, key);
	msgpack_pack_array(pk, s->count);
	for (i = 0; i < s->count; i++)
		mpk_str(pk, s->p[i], s->n[i]);
}

static void
session(struct fn *F, const msgpack_object *o, const char *name)
{
	const msgpack_object *pages = mpk_get(o, "pages");
	const msgpack_object *vid = mpk_get(o, "vid");
	size_t ns = rules_nstages(F->o->rules), i, need = 64, keep_n;
	unsigned reached = 0, closed = 0;
	int nocid_done = 0, top = -1;
	uint32_t k;

	if (pages == NULL || pages->type != MSGPACK_OBJECT_ARRAY) {
		if (F->nbad++ < 10)
			warnx("%s: record %llu: session without pages: passed "
			    "unchanged", name, F->nrec);
		msgpack_pack_object(&F->pk, *o);
		return;
	}
	F->nsess++;
	for (k = 0; k < pages->via.array.size; k++) {
		const msgpack_object *e = &pages->via.array.ptr[k];
		size_t j;

		if (e->type != MSGPACK_OBJECT_ARRAY)
			continue;
		for (j = 1; j < e->via.array.size && j < 3; j++)
			if (e->via.array.ptr[j].type == MSGPACK_OBJECT_STR)
				need += 2 * e->via.array.ptr[j].via.str.size + 64;
	}
	if (F->scap < need) {
		F->scap = need * 2;
		if ((F->scratch = realloc(F->scratch, F->scap)) == NULL)
			die(EX_OSERR, "out of memory");
	}
	F->slen = 0;
	skus_reset(&F->viewed);
	skus_reset(&F->carted);
	F->nbuys = 0;
	for (k = 0; k < pages->via.array.size; k++) {
		const msgpack_object *e = &pages->via.array.ptr[k];
		const char *path, *query, *method = "GET";
		size_t pl, ql, ml = 3;
		struct capture cap;
		int64_t ts;
		int st;

		if (e->type != MSGPACK_OBJECT_ARRAY || e->via.array.size < 3 ||
		    int_of(&e->via.array.ptr[0], &ts) != 0 ||
		    str_of(&e->via.array.ptr[1], &path, &pl) != 0 ||
		    str_of(&e->via.array.ptr[2], &query, &ql) != 0)
			continue;
		if (e->via.array.size > 3)
			str_of(&e->via.array.ptr[3], &method, &ml);
		keep_n = F->slen;
		st = rules_match(F->o->rules, path, pl, query, ql, method, ml,
		    F->scratch + keep_n, &cap);
		if (st < 0)
			continue;
		reached |= 1u << st;
		if ((unsigned)st == closed)
			closed++;
		if (st > top)
			top = st;
		switch (rules_role(F->o->rules, (size_t)st)) {
		case ROLE_VIEW:
			if (cap.p[CAP_SKU])
				skus_add(&F->viewed, keep(F, cap.p[CAP_SKU],
				    cap.n[CAP_SKU]), cap.n[CAP_SKU]);
			break;
		case ROLE_CART:
			if (cap.p[CAP_SKU])
				skus_add(&F->carted, keep(F, cap.p[CAP_SKU],
				    cap.n[CAP_SKU]), cap.n[CAP_SKU]);
			break;
		case ROLE_PURCHASE: {
			struct purchase b;

			memset(&b, 0, sizeof b);
			if (cap.p[CAP_ORDER_ID]) {
				if (!strset_add(F->orders, cap.p[CAP_ORDER_ID],
				    cap.n[CAP_ORDER_ID])) {
					F->nreload++;
					break;
				}
				b.order_id = keep(F, cap.p[CAP_ORDER_ID],
				    cap.n[CAP_ORDER_ID]);
				b.oidlen = cap.n[CAP_ORDER_ID];
			} else if (nocid_done++) {
				F->nreload++;
				break;
			}
			if (cap.p[CAP_VALUE]) {
				b.value = keep(F, cap.p[CAP_VALUE], cap.n[CAP_VALUE]);
				b.valuelen = cap.n[CAP_VALUE];
			}
			if (cap.p[CAP_CURRENCY]) {
				b.currency = keep(F, cap.p[CAP_CURRENCY],
				    cap.n[CAP_CURRENCY]);
				b.curlen = cap.n[CAP_CURRENCY];
			} else {
				b.currency = F->o->currency;
				b.curlen = strlen(F->o->currency);
			}
			b.ts = ts;
			if (F->nbuys == F->capbuys) {
				F->capbuys = F->capbuys ? F->capbuys * 2 : 4;
				F->buys = realloc(F->buys, F->capbuys *
				    sizeof *F->buys);
				if (F->buys == NULL)
					die(EX_OSERR, "out of memory");
			}
			F->buys[F->nbuys++] = b;
			F->npurch++;
			break;
		}
		default:
			break;
		}
	}
	if (F->rep) {
		const char *v = "";
		size_t vl = 0;

		str_of(vid, &v, &vl);
		report_add(F->rep, reached, closed, v, vl);
	}

	/* The session again, without any old funnel fields, plus ours. */
	{
		uint32_t n = 0;
		size_t nst = 0;

		for (k = 0; k < o->via.map.size; k++)
			n += !replaced(&o->via.map.ptr[k].key);
		msgpack_pack_map(&F->pk, n + 4 + (top >= 0));
		for (k = 0; k < o->via.map.size; k++)
			if (!replaced(&o->via.map.ptr[k].key)) {
				msgpack_pack_object(&F->pk, o->via.map.ptr[k].key);
				msgpack_pack_object(&F->pk, o->via.map.ptr[k].val);
			}
		for (i = 0; i < ns; i++)
			nst += (reached >> i) & 1;
		mpk_cstr(&F->pk, "stages");
		msgpack_pack_array(&F->pk, nst);
		for (i = 0; i < ns; i++)
			if ((reached >> i) & 1)
				mpk_cstr(&F->pk, rules_stage(F->o->rules, i));
		if (top >= 0) {
			mpk_cstr(&F->pk, "max_stage");
			mpk_cstr(&F->pk, rules_stage(F->o->rules, (size_t)top));
		}
		pack_skus(&F->pk, "skus_viewed", &F->viewed);
		pack_skus(&F->pk, "skus_carted", &F->carted);
		mpk_cstr(&F->pk, "purchases");
		msgpack_pack_array(&F->pk, F->nbuys);
		for (i = 0; i < F->nbuys; i++) {
			const struct purchase *b = &F->buys[i];

			msgpack_pack_map(&F->pk, 3 + (b->order_id != NULL) +
			    (b->value != NULL));
			if (b->order_id) {
				mpk_cstr(&F->pk, "order_id");
				mpk_str(&F->pk, b->order_id, b->oidlen);
			}
			mpk_cstr(&F->pk, "value");
			msgpack_pack_double(&F->pk, money_value(b->value,
			    b->valuelen));
			if (b->value) {
				mpk_cstr(&F->pk, "value_text");
				mpk_str(&F->pk, b->value, b->valuelen);
			}
			mpk_cstr(&F->pk, "currency");
			mpk_str(&F->pk, b->currency, b->curlen);
			mpk_cstr(&F->pk, "ts");
			msgpack_pack_int64(&F->pk, b->ts);
		}
	}
}

int
fn_run(char *const *paths, size_t npaths, struct wbuf *out,
    const struct fn_opts *o)
{
	static char *const dash[] = { "-" };
	struct fn F;
	size_t i;

	memset(&F, 0, sizeof F);
	F.o = o;
	F.out = out;
	mpk_init(&F.pk, out);
	F.orders = strset_new();
	if (o->report || o->report_json)
		F.rep = report_new(o->rules);
	progress_init(&F.prog, o->progress);
	if (npaths == 0) {
		paths = dash;
		npaths = 1;
	}
	for (i = 0; i < npaths; i++) {
		struct recin in;
		msgpack_object *obj;
		const char *name;
		int fd = input_open(paths[i], &name), r;

		if (fd < 0) {
			F.status = status_merge(F.status, EX_NOINPUT);
			continue;
		}
		recin_init(&in, fd, name);
		while ((r = recin_next(&in, &obj)) > 0) {
			F.nrec++;
			progress_tick(&F.prog, in.bytes, F.nrec, &F.ticks);
			if (mpk_is(mpk_get(obj, "type"), "session")) {
				session(&F, obj, name);
			} else {
				msgpack_pack_object(&F.pk, *obj);
				F.npass++;
			}
		}
		if (r < 0)
			F.status = status_merge(F.status, in.status);
		recin_free(&in);
		input_close(fd);
	}
	progress_done(&F.prog);
	if (F.rep) {
		if (report_write(F.rep, o->report, o->report_json) != 0)
			F.status = status_merge(F.status, EX_IOERR);
		report_free(F.rep);
	}
	if (!o->quiet)
		fprintf(stderr, "%s: %llu records: %llu sessions tagged, %llu "
		    "purchases, %llu repeated confirmations not counted, %llu "
		    "passed through\n", prog_name, F.nrec, F.nsess, F.npurch,
		    F.nreload, F.npass);
	strset_free(F.orders);
	strset_free(F.viewed.seen);
	strset_free(F.carted.seen);
	free(F.viewed.p);
	free(F.viewed.n);
	free(F.carted.p);
	free(F.carted.n);
	free(F.buys);
	free(F.scratch);
	return F.status;
}
