/*
 * night.c - a night's vids and their links, in a table built as the hits
 * come (night.h).
 */
#include "night.h"

#include <stdlib.h>
#include <string.h>

#include "hit.h"
#include "mpk.h"
#include "prog.h"
#include "wbuf.h"

void
night_init(struct night *n)
{
	memset(n, 0, sizeof *n);
	n->vids = strtab_new();
	n->uids = strtab_new();
}

void
night_free(struct night *n)
{
	free(n->v);
	strtab_free(n->vids);
	strtab_free(n->uids);
	memset(n, 0, sizeof *n);
}

struct svid *
night_vid(struct night *n, const char *vid, size_t len)
{
	return night_vid_hashed(n, vid, len, strtab_hash(vid, len));
}

struct svid *
night_vid_hashed(struct night *n, const char *vid, size_t len, uint64_t h)
{
	int added;
	uint32_t v = strtab_intern_hashed(n->vids, vid, len, h, &added);

	if (added) {
		n->v = grow_array(n->v, &n->cap, v, sizeof *n->v);
		n->v[v].uid = STRTAB_NONE;
		n->v[v].from = -1;
	}
	return &n->v[v];
}

/*
 * A session's uid is its latest hit's that has one, and a vid's link
 * its latest such session's: the uid of its latest hit with one. Two
 * uids in the same millisecond: the greater one, so that the answer
 * does not depend on input order.
 */
void
night_link(struct night *n, struct svid *v, const char *uid, size_t len,
    int64_t ts)
{
	uint32_t u;

	if (len == 0 || (v->uid != STRTAB_NONE && ts < v->uid_ts))
		return;
	if (v->uid != STRTAB_NONE) {
		/* Mostly the uid it has already: no lookup for that. */
		size_t cn;
		const char *c = strtab_str(n->uids, v->uid, &cn);

		if (cn == len && memcmp(c, uid, len) == 0) {
			v->uid_ts = ts;
			return;
		}
	}
	u = strtab_intern(n->uids, uid, len, NULL);
	if (v->uid != STRTAB_NONE && ts == v->uid_ts && u != v->uid) {
		size_t an, bn;
		const char *a = strtab_str(n->uids, u, &an);
		const char *b = strtab_str(n->uids, v->uid, &bn);
		int c = memcmp(a, b, an < bn ? an : bn);

		if (c < 0 || (c == 0 && an < bn))
			return;
	}
	v->uid = u;
	v->uid_ts = ts;
}

void
night_batch_init(struct night_batch *b, struct night *n)
{
	b->n = n;
	b->nb = b->used = 0;
}

/* One vid of the night (its hash h), its end if hit, its link if un. */
static void
night_add(struct night *n, const char *vid, size_t vn, uint64_t h,
    const char *uid, size_t un, int64_t ts, int hit)
{
	struct svid *v = night_vid_hashed(n, vid, vn, h);

	if (hit && ts > n->latest)
		n->latest = ts;
	if (un)
		night_link(n, v, uid, un, ts);
}

void
night_batch_flush(struct night_batch *b)
{
	size_t i;

	for (i = 0; i < b->nb; i++) {
		const struct night_batch_e *e = &b->e[i];

		night_add(b->n, b->bytes + e->vid, e->vn, e->h,
		    b->bytes + e->uid, e->un, e->ts, e->hit);
	}
	b->nb = b->used = 0;
}

/* vid (h its strtab_hash), with uid if un. */
static void
batch_add(struct night_batch *b, const char *vid, size_t vn, uint64_t h,
    const char *uid, size_t un, int64_t ts, int hit)
{
	struct night_batch_e *e;

	if (vn + un > sizeof b->bytes - b->used) {
		night_batch_flush(b);
		if (vn + un > sizeof b->bytes) {	/* a long one, alone */
			night_add(b->n, vid, vn, h, uid, un, ts, hit);
			return;
		}
	}
	e = &b->e[b->nb++];
	e->h = h;
	strtab_prefetch(b->n->vids, e->h);
	e->ts = ts;
	e->hit = hit;
	e->vid = (uint32_t)b->used;
	e->vn = (uint32_t)vn;
	if (vn)
		memcpy(b->bytes + b->used, vid, vn);
	b->used += vn;
	e->uid = (uint32_t)b->used;
	e->un = (uint32_t)un;
	if (un)
		memcpy(b->bytes + b->used, uid, un);
	b->used += un;
	if (b->nb == NIGHT_BATCH)
		night_batch_flush(b);
}

/* A hit that makes sessions: a page with a method and status 200-399,
 * as revisit-sessionize takes. */
static int
session_hit(const struct hit *h)
{
	return h->kind == HIT_PAGE && h->status >= 200 && h->status <= 399 &&
	    h->method.p != NULL;
}

void
night_batch_see(struct night_batch *b, const struct hit *h)
{
	int hit = session_hit(h);

	batch_add(b, h->vid.p, h->vid.len, strtab_hash(h->vid.p, h->vid.len),
	    hit ? h->uid.p : NULL, hit && h->uid.p ? h->uid.len : 0, h->ts,
	    hit);
}

void
night_batch_see_link(struct night_batch *b, const struct hit *h)
{
	struct night *n = b->n;
	uint64_t vh = strtab_hash(h->vid.p, h->vid.len);

	n->nhits++;
	n->vidsum += vh;
	if (!session_hit(h))
		return;
	if (h->ts > n->latest)
		n->latest = h->ts;
	if (h->uid.p != NULL && h->uid.len > 0)
		batch_add(b, h->vid.p, h->vid.len, vh, h->uid.p, h->uid.len,
		    h->ts, 1);
}

void
night_batch_link(struct night_batch *b, const char *vid, size_t vn,
    const char *uid, size_t un, int64_t ts)
{
	batch_add(b, vid, vn, strtab_hash(vid, vn), uid, un, ts, 0);
}


void
night_links_put(const struct night *n, struct wbuf *w)
{
	size_t i, nv = strtab_count(n->vids);
	char *o;

	for (i = 0; i < nv; i++) {
		const struct svid *v = &n->v[i];
		size_t vn, un = 0;
		const char *vid = strtab_str(n->vids, (uint32_t)i, &vn);
		const char *uid = v->uid == STRTAB_NONE ? NULL :
		    strtab_str(n->uids, v->uid, &un);

		o = wbuf_reserve(w, 64 + MPW_STR_MAX(vn) + MPW_STR_MAX(un));
		o = mpw_map(o, uid ? 4 : 2);
		o = mpw_lit(o, "type");
		o = mpw_lit(o, "link");
		o = mpw_lit(o, "vid");
		o = mpw_str(o, vid, vn);
		if (uid) {
			o = mpw_lit(o, "uid");
			o = mpw_str(o, uid, un);
			o = mpw_lit(o, "ts");
			o = mpw_int(o, v->uid_ts);
		}
		wbuf_commit(w, o);
	}
	o = wbuf_reserve(w, 96);
	o = mpw_map(o, 4);
	o = mpw_lit(o, "type");
	o = mpw_lit(o, "links");
	o = mpw_lit(o, "latest");
	o = mpw_int(o, n->latest);
	o = mpw_lit(o, "hits");
	o = mpw_uint(o, n->nhits);
	o = mpw_lit(o, "vidsum");
	o = mpw_uint(o, n->vidsum);
	wbuf_commit(w, o);
}
