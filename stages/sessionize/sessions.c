/*
 * sessions.c - building sessions from time-ordered page hits.
 *
 * Per visitor, at most one open session, found by a hash table on the
 * vid. Each hit appends one MessagePack page entry to its session; the
 * fields fixed by the first hit (landing, referrer, source, medium,
 * campaign, channel, click id, device) are encoded when it opens. When a
 * session closes its record is finished and waits in a heap until no
 * open session started before it, so the output is ordered by start
 * whatever the interleaving of the input (ties: vid, then sequence).
 *
 * Closing by timeout needs no scan: every hit queues (session, ts) in a
 * FIFO, which is in time order because hits are; the front entry is due
 * when the current time is more than the timeout past it, and a session
 * closes when its due entry is its latest. Sessions are reference-counted
 * by the table and the two FIFOs, and freed when none holds them.
 *
 * By visitor (a sort's output), none of that is needed: a visitor's
 * session closes when the next hit is another's or comes after the
 * timeout, and closed sessions leave as sess_rec blocks to be sorted.
 */
#include "sessions.h"
#include "sid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define XXH_STATIC_LINKING_ONLY	/* XXH3_state_t on the stack */
#include <xxhash.h>

#include "mpk.h"
#include "prog.h"

struct buf {
	char	*p;
	size_t	 len, cap;
};

static void
buf_reserve(struct buf *b, size_t n)
{
	if (b->len + n <= b->cap)
		return;
	b->cap = (b->len + n) * 2 < 256 ? 256 : (b->len + n) * 2;
	if ((b->p = realloc(b->p, b->cap)) == NULL)
		die(EX_OSERR, "out of memory");
}

#define POOL_MAX	256		/* spare buffers */
#define POOL_CAP	4096		/* the largest kept */
#define SPARE_MAX	1024		/* spare sessions */

struct sess {
	int64_t		 start, last;
	uint64_t	 camp;		/* campaign key of the first hit */
	uint64_t	 vh;		/* hash of the vid */
	uint32_t	 seq;		/* n-th session of vid starting at start */
	uint32_t	 nhits, refs;
	int		 closed;
	char		*vid;
	size_t		 vidlen;
	struct buf	 uid;		/* latest uid, raw bytes */
	int		 has_uid;
	int		 consent;	/* of the latest hit with one: 0 none,
					   CHIT_CONSENT_NO or _YES */
	struct buf	 head;		/* encoded fixed fields */
	uint32_t	 nhead;		/* key/value pairs in head */
	struct buf	 pages;		/* encoded page entries */
	struct sess	*next;		/* on the spare list */
	char		 vbuf[24];	/* the vid, when it fits */
};

struct due {
	struct sess	*s;
	int64_t		 ts;
};

struct ready {
	int64_t		 start;
	uint32_t	 seq;
	char		*rec;		/* vid (vidlen bytes), then the record */
	size_t		 vidlen, reclen;
};

struct sessions {
	struct sess_opts	 o;
	struct wbuf		*out;
	struct sess		**tab;		/* open sessions by vid */
	size_t			 mask, nopen;
	struct due		*fifo;		/* close queue, ring */
	size_t			 fhead, flen, fcap;
	struct sess		**opened;	/* open order, ring */
	size_t			 ohead, olen, ocap;
	struct ready		*heap;		/* closed, by start */
	size_t			 nheap, heapcap;
	int64_t			 now;		/* time of the latest hit */
	size_t			 bytes;
	unsigned long long	 count;
	char			*scratch;
	size_t			 scap;
	/* By visitor: the one open session, and where closed ones go. */
	struct sess		*cur;
	void			(*sink)(void *, const struct sess_rec *);
	void			*sinkarg;
	char			*rbuf;
	size_t			 rcap;
	/* Freed sessions and buffers kept for the next ones: a session's
	 * allocations would otherwise be most of malloc's work. */
	struct sess		*spare;
	size_t			 nspare;
	struct buf		 pool[POOL_MAX];
	size_t			 npool;
};

struct sessions *
sessions_new(const struct sess_opts *o, struct wbuf *out)
{
	struct sessions *S = xcalloc(1, sizeof *S);

	S->o = *o;
	S->out = out;
	S->mask = 1023;
	S->tab = xcalloc(S->mask + 1, sizeof *S->tab);
	return S;
}

struct sessions *
sessions_new_by_visitor(const struct sess_opts *o,
    void (*sink)(void *, const struct sess_rec *), void *arg)
{
	struct sessions *S = sessions_new(o, NULL);

	S->sink = sink;
	S->sinkarg = arg;
	return S;
}

int
sess_rec_cmp(void *va, void *vb)
{
	const struct sess_rec *a = va, *b = vb;
	size_t n = a->vidlen < b->vidlen ? a->vidlen : b->vidlen;
	int r;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if ((r = memcmp(a->data, b->data, n)) != 0)
		return r;
	if (a->vidlen != b->vidlen)
		return a->vidlen < b->vidlen ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

uint64_t
sess_rec_key(const void *r)
{
	/* Signed to unsigned, order kept. */
	return (uint64_t)((const struct sess_rec *)r)->start ^ (1ull << 63);
}

/* Keep a buffer for reuse, or free it; b is left empty. */
static void
buf_put(struct sessions *S, struct buf *b)
{
	if (b->p != NULL && b->cap <= POOL_CAP && S->npool < POOL_MAX) {
		b->len = 0;
		S->pool[S->npool++] = *b;
	} else {
		free(b->p);
	}
	memset(b, 0, sizeof *b);
}

static void
buf_get(struct sessions *S, struct buf *b)
{
	if (S->npool > 0)
		*b = S->pool[--S->npool];
	else
		memset(b, 0, sizeof *b);
}

static void
unref(struct sessions *S, struct sess *s)
{
	if (--s->refs > 0)
		return;
	if (s->vid != s->vbuf)
		free(s->vid);
	buf_put(S, &s->uid);
	buf_put(S, &s->head);
	buf_put(S, &s->pages);
	if (S->nspare < SPARE_MAX) {
		s->next = S->spare;
		S->spare = s;
		S->nspare++;
	} else {
		free(s);
	}
}

/* ---- the vid table: linear probing, backward-shift deletion ---- */

static size_t
tab_find(const struct sessions *S, const char *vid, size_t n, uint64_t h)
{
	size_t j = h & S->mask;

	while (S->tab[j]) {
		const struct sess *s = S->tab[j];

		if (s->vh == h && s->vidlen == n && memcmp(s->vid, vid, n) == 0)
			return j;
		j = (j + 1) & S->mask;
	}
	return j;
}

static void
tab_grow(struct sessions *S)
{
	size_t cap = (S->mask + 1) * 2, i;
	struct sess **t = xcalloc(cap, sizeof *t);

	for (i = 0; i <= S->mask; i++) {
		struct sess *s = S->tab[i];
		size_t j;

		if (s == NULL)
			continue;
		j = s->vh & (cap - 1);
		while (t[j])
			j = (j + 1) & (cap - 1);
		t[j] = s;
	}
	free(S->tab);
	S->tab = t;
	S->mask = cap - 1;
}

static void
tab_remove(struct sessions *S, size_t j)
{
	size_t k = j;

	S->tab[j] = NULL;
	for (;;) {
		size_t home;

		k = (k + 1) & S->mask;
		if (S->tab[k] == NULL)
			return;
		home = S->tab[k]->vh & S->mask;
		/* Move k back to j if j lies between its home and k. */
		if ((k > j && (home <= j || home > k)) ||
		    (k < j && (home <= j && home > k))) {
			S->tab[j] = S->tab[k];
			S->tab[k] = NULL;
			j = k;
		}
	}
}

/* ---- rings ---- */

static void
fifo_push(struct sessions *S, struct sess *s, int64_t ts)
{
	if (S->flen == S->fcap) {
		size_t cap = S->fcap ? S->fcap * 2 : 1024, i;
		struct due *f = xcalloc(cap, sizeof *f);

		for (i = 0; i < S->flen; i++)
			f[i] = S->fifo[(S->fhead + i) % S->fcap];
		free(S->fifo);
		S->fifo = f;
		S->fhead = 0;
		S->fcap = cap;
	}
	S->fifo[(S->fhead + S->flen) % S->fcap].s = s;
	S->fifo[(S->fhead + S->flen) % S->fcap].ts = ts;
	S->flen++;
	s->refs++;
}

static void
opened_push(struct sessions *S, struct sess *s)
{
	if (S->olen == S->ocap) {
		size_t cap = S->ocap ? S->ocap * 2 : 1024, i;
		struct sess **f = xcalloc(cap, sizeof *f);

		for (i = 0; i < S->olen; i++)
			f[i] = S->opened[(S->ohead + i) % S->ocap];
		free(S->opened);
		S->opened = f;
		S->ohead = 0;
		S->ocap = cap;
	}
	S->opened[(S->ohead + S->olen) % S->ocap] = s;
	S->olen++;
	s->refs++;
}

/* The open session that started first, or NULL. */
static struct sess *
oldest_open(struct sessions *S)
{
	while (S->olen > 0) {
		struct sess *s = S->opened[S->ohead];

		if (!s->closed)
			return s;
		S->ohead = (S->ohead + 1) % S->ocap;
		S->olen--;
		unref(S, s);
	}
	return NULL;
}

/* ---- the ready heap ---- */

static int
ready_less(const struct ready *a, const struct ready *b)
{
	int r;

	if (a->start != b->start)
		return a->start < b->start;
	if (a->vidlen != b->vidlen) {
		size_t n = a->vidlen < b->vidlen ? a->vidlen : b->vidlen;

		r = memcmp(a->rec, b->rec, n);
		return r ? r < 0 : a->vidlen < b->vidlen;
	}
	if ((r = memcmp(a->rec, b->rec, a->vidlen)) != 0)
		return r < 0;
	return a->seq < b->seq;
}

static void
heap_push(struct sessions *S, struct ready r)
{
	size_t i;

	if (S->nheap == S->heapcap) {
		S->heapcap = S->heapcap ? S->heapcap * 2 : 1024;
		S->heap = realloc(S->heap, S->heapcap * sizeof *S->heap);
		if (S->heap == NULL)
			die(EX_OSERR, "out of memory");
	}
	i = S->nheap++;
	while (i > 0 && ready_less(&r, &S->heap[(i - 1) / 2])) {
		S->heap[i] = S->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	S->heap[i] = r;
}

static struct ready
heap_pop(struct sessions *S)
{
	struct ready top = S->heap[0], last = S->heap[--S->nheap];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= S->nheap)
			break;
		if (c + 1 < S->nheap && ready_less(&S->heap[c + 1], &S->heap[c]))
			c++;
		if (!ready_less(&S->heap[c], &last))
			break;
		S->heap[i] = S->heap[c];
		i = c;
	}
	if (S->nheap > 0)
		S->heap[i] = last;
	return top;
}

/*
 * Write the ready sessions that nothing can still precede: no open
 * session started before them, and a session yet to open starts at the
 * current time or later.
 */
static void
drain(struct sessions *S, int all)
{
	struct sess *old;
	int64_t limit;

	if (S->sink)
		return;		/* by visitor: nothing is held */
	old = all ? NULL : oldest_open(S);
	limit = old && old->start < S->now ? old->start : S->now;

	while (S->nheap > 0 && (all || S->heap[0].start < limit)) {
		struct ready r = heap_pop(S);

		wbuf_write(S->out, r.rec + r.vidlen, r.reclen);
		S->bytes -= r.reclen + r.vidlen;
		free(r.rec);
	}
}

/* ---- encoding ---- */

static void
put_str(struct buf *b, const char *s, size_t n)
{
	buf_reserve(b, MPW_STR_MAX(n));
	b->len = (size_t)(mpw_str(b->p + b->len, s, n) - b->p);
}

static void
put_kv(struct sess *s, const char *k, const char *v, size_t n)
{
	put_str(&s->head, k, strlen(k));
	put_str(&s->head, v, n);
	s->nhead++;
}

static void
put_page(struct sess *s, const struct chit *h)
{
	struct span path = chit_field(h, C_PATH), q = chit_field(h, C_QUERY);
	struct span m = chit_field(h, C_METHOD);
	int get = m.len == 3 && memcmp(m.p, "GET", 3) == 0;
	struct buf *b = &s->pages;
	char *p;

	/* [ts, path, query], and the method when it is not GET. */
	buf_reserve(b, 1 + MPW_INT_MAX + MPW_STR_MAX(path.len) +
	    MPW_STR_MAX(q.len) + MPW_STR_MAX(m.len));
	p = b->p + b->len;
	*p++ = (char)(0x90 | (get ? 3 : 4));
	p = mpw_int(p, h->ts);
	p = mpw_str(p, path.p, path.len);
	p = mpw_str(p, q.p, q.len);
	if (!get)
		p = mpw_str(p, m.p, m.len);
	b->len = (size_t)(p - b->p);
}

/* The session id: 16 hex digits of XXH3 of vid, start and sequence. */
static void
sid_of(const struct sess *s, char out[16])
{
	sid_format(sid_compute(s->vid, s->vidlen, s->start, s->seq), out);
}

static void
close_sess(struct sessions *S, struct sess *s)
{
	size_t j = tab_find(S, s->vid, s->vidlen, s->vh), room;
	struct ready r;
	char sid[16], *p;

	tab_remove(S, j);
	S->nopen--;
	s->closed = 1;
	if (s == S->cur)
		S->cur = NULL;
	room = 64 + 5 * MPW_INT_MAX + MPW_STR_MAX(s->vidlen) +
	    MPW_STR_MAX(s->uid.len) + s->head.len + s->pages.len + 64;
	if (S->sink) {
		/* Built in place after a sess_rec header, for the sink. */
		size_t need = sizeof(struct sess_rec) + s->vidlen + room + 8;

		if (need > UINT32_MAX)
			die(EX_DATAERR, "visitor '%.*s': a session of over 4 GiB",
			    (int)(s->vidlen < 64 ? s->vidlen : 64), s->vid);
		if (S->rcap < need) {
			S->rcap = need * 2;
			if ((S->rbuf = realloc(S->rbuf, S->rcap)) == NULL)
				die(EX_OSERR, "out of memory");
		}
		r.rec = S->rbuf + sizeof(struct sess_rec);
	} else if ((r.rec = malloc(s->vidlen + room)) == NULL) {
		die(EX_OSERR, "out of memory");
	}
	memcpy(r.rec, s->vid, s->vidlen);
	p = r.rec + s->vidlen;
	/* type sid vid start end hits pages, and the optional ones */
	p = mpw_map(p, 7 + s->has_uid + (s->consent != 0) + s->nhead);
	p = mpw_lit(p, "type");
	p = mpw_lit(p, "session");
	sid_of(s, sid);
	p = mpw_lit(p, "sid");
	p = mpw_str(p, sid, 16);
	p = mpw_lit(p, "vid");
	p = mpw_str(p, s->vid, s->vidlen);
	if (s->has_uid) {
		p = mpw_lit(p, "uid");
		p = mpw_str(p, s->uid.p, s->uid.len);
	}
	if (s->consent != 0) {
		p = mpw_lit(p, "consent");
		p = mpw_bool(p, s->consent == CHIT_CONSENT_YES);
	}
	p = mpw_lit(p, "start");
	p = mpw_int(p, s->start);
	p = mpw_lit(p, "end");
	p = mpw_int(p, s->last);
	p = mpw_lit(p, "hits");
	p = mpw_int(p, s->nhits);
	memcpy(p, s->head.p, s->head.len);
	p += s->head.len;
	p = mpw_lit(p, "pages");
	if (s->nhits < 16) {
		*p++ = (char)(0x90 | s->nhits);
	} else if (s->nhits < 65536) {
		*p++ = (char)0xdc;
		p = mpw_be(p, s->nhits, 2);
	} else {
		*p++ = (char)0xdd;
		p = mpw_be(p, s->nhits, 4);
	}
	memcpy(p, s->pages.p, s->pages.len);
	p += s->pages.len;
	r.start = s->start;
	r.seq = s->seq;
	r.vidlen = s->vidlen;
	r.reclen = (size_t)(p - r.rec) - s->vidlen;
	S->bytes -= s->head.cap + s->pages.cap + s->uid.cap + s->vidlen;
	if (S->sink) {
		struct sess_rec *h = (struct sess_rec *)S->rbuf;
		size_t len = sizeof *h + r.vidlen + r.reclen;

		memset(S->rbuf + len, 0, ALIGN8(len) - len);
		h->len = (uint32_t)ALIGN8(len);
		h->seq = r.seq;
		h->start = r.start;
		h->vidlen = (uint32_t)r.vidlen;
		h->reclen = (uint32_t)r.reclen;
		S->sink(S->sinkarg, h);
	} else {
		S->bytes += r.reclen + r.vidlen;
		heap_push(S, r);
	}
	S->count++;
	buf_put(S, &s->head);
	buf_put(S, &s->pages);
	unref(S, s);	/* the table's reference */
}

static struct sess *
open_sess(struct sessions *S, const struct chit *h, uint64_t vh,
    uint64_t camp, uint32_t seq)
{
	struct span vid = chit_field(h, C_VID), path = chit_field(h, C_PATH);
	struct span q = chit_field(h, C_QUERY), ref = chit_field(h, C_REF);
	struct traffic t;
	struct sess *s;
	const char *dev;
	size_t j;

	if ((s = S->spare) != NULL) {
		S->spare = s->next;
		S->nspare--;
		memset(s, 0, sizeof *s);
	} else {
		s = xcalloc(1, sizeof *s);
	}
	buf_get(S, &s->head);
	buf_get(S, &s->pages);
	s->start = s->last = h->ts;
	s->camp = camp;
	s->vh = vh;
	s->seq = seq;
	if (vid.len <= sizeof s->vbuf)
		s->vid = s->vbuf;
	else if ((s->vid = malloc(vid.len)) == NULL)
		die(EX_OSERR, "out of memory");
	memcpy(s->vid, vid.p, vid.len);
	s->vidlen = vid.len;
	if (S->scap < q.len + ref.len + 64) {
		S->scap = (q.len + ref.len + 64) * 2;
		if ((S->scratch = realloc(S->scratch, S->scap)) == NULL)
			die(EX_OSERR, "out of memory");
	}
	traffic_of(S->o.tc, q.p, q.len, (h->flags & CHIT_HAS_REF) ? ref.p : "",
	    (h->flags & CHIT_HAS_REF) ? ref.len : 0, S->scratch, &t);
	put_kv(s, "landing", path.p, path.len);
	if (h->flags & CHIT_HAS_REF)
		put_kv(s, "referrer", ref.p, ref.len);
	put_kv(s, "source", t.source.p, t.source.len);
	put_kv(s, "medium", t.medium.p, t.medium.len);
	put_kv(s, "campaign", t.campaign.p, t.campaign.len);
	put_kv(s, "channel", t.channel, strlen(t.channel));
	if (t.click_id)
		put_kv(s, "click_id", t.click_id, strlen(t.click_id));
	dev = device_names[h->device];
	put_kv(s, "device", dev, strlen(dev));
	if ((S->nopen + 1) * 2 > S->mask + 1)
		tab_grow(S);
	j = tab_find(S, s->vid, s->vidlen, vh);
	S->tab[j] = s;
	S->nopen++;
	s->refs = 1;
	if (S->sink)
		S->cur = s;
	else
		opened_push(S, s);
	S->bytes += s->vidlen + s->head.cap + s->pages.cap;
	return s;
}

static void
add_hit(struct sessions *S, struct sess *s, const struct chit *h)
{
	size_t before = s->pages.cap + s->uid.cap;

	s->last = h->ts;
	s->nhits++;
	put_page(s, h);
	if (h->flags & CHIT_HAS_UID) {
		struct span u = chit_field(h, C_UID);

		s->uid.len = 0;
		buf_reserve(&s->uid, u.len + 1);
		memcpy(s->uid.p, u.p, u.len);
		s->uid.len = u.len;
		s->has_uid = 1;
	}
	if (h->flags & (CHIT_CONSENT_NO | CHIT_CONSENT_YES))
		s->consent = h->flags & (CHIT_CONSENT_NO | CHIT_CONSENT_YES);
	S->bytes += s->pages.cap + s->uid.cap - before;
	if (!S->sink)
		fifo_push(S, s, h->ts);
}

/* Close the sessions whose last hit is more than the timeout before now. */
static void
expire(struct sessions *S, int64_t now)
{
	while (S->flen > 0) {
		struct due d = S->fifo[S->fhead];

		if (now - d.ts <= S->o.timeout)
			break;
		S->fhead = (S->fhead + 1) % S->fcap;
		S->flen--;
		if (!d.s->closed && d.s->last == d.ts)
			close_sess(S, d.s);
		unref(S, d.s);
	}
}

void
sessions_hit(struct sessions *S, const struct chit *h)
{
	struct span vid = chit_field(h, C_VID), q = chit_field(h, C_QUERY);
	uint64_t vh = XXH3_64bits(vid.p, vid.len), camp = 0;
	struct sess *s;
	uint32_t seq = 0;
	size_t j;

	S->now = h->ts;
	if (!S->sink)
		expire(S, h->ts);
	else if (S->cur && (S->cur->vidlen != vid.len ||
	    memcmp(S->cur->vid, vid.p, vid.len) != 0))
		close_sess(S, S->cur);	/* the visitor's last session */
	if (S->o.campaign_split) {
		if (S->scap < q.len + 64) {
			S->scap = (q.len + 64) * 2;
			if ((S->scratch = realloc(S->scratch, S->scap)) == NULL)
				die(EX_OSERR, "out of memory");
		}
		camp = campaign_key(q.p, q.len, S->scratch);
	}
	j = tab_find(S, vid.p, vid.len, vh);
	s = S->tab[j];
	if (s && h->ts - s->last > S->o.timeout) {
		close_sess(S, s);
		s = NULL;
	}
	/* A hit with campaign parameters that differ from the session's
	 * own starts a new session; a hit without any never splits. */
	if (s && S->o.campaign_split && camp != 0 && camp != s->camp) {
		seq = s->start == h->ts ? s->seq + 1 : 0;
		close_sess(S, s);
		s = NULL;
	}
	if (s == NULL)
		s = open_sess(S, h, vh, camp, seq);
	add_hit(S, s, h);
	drain(S, 0);
}

void
sessions_finish(struct sessions *S)
{
	struct sess **open = xcalloc(S->nopen + 1, sizeof *open);
	size_t i, n = 0;

	/* Collect first: closing shifts entries of the table. */
	for (i = 0; i <= S->mask; i++)
		if (S->tab[i])
			open[n++] = S->tab[i];
	for (i = 0; i < n; i++)
		close_sess(S, open[i]);
	free(open);
	drain(S, 1);
}

size_t
sessions_bytes(const struct sessions *S)
{
	return S->bytes;
}

unsigned long long
sessions_count(const struct sessions *S)
{
	return S->count;
}

void
sessions_free(struct sessions *S)
{
	size_t i;

	if (S == NULL)
		return;
	/* Open sessions of an unfinished run (a fallback to sorting). */
	for (i = 0; i <= S->mask; i++)
		if (S->tab[i])
			unref(S, S->tab[i]);
	while (S->flen > 0) {
		unref(S, S->fifo[S->fhead].s);
		S->fhead = (S->fhead + 1) % S->fcap;
		S->flen--;
	}
	while (S->olen > 0) {
		unref(S, S->opened[S->ohead]);
		S->ohead = (S->ohead + 1) % S->ocap;
		S->olen--;
	}
	while (S->nheap > 0)
		free(heap_pop(S).rec);
	free(S->tab);
	free(S->fifo);
	free(S->opened);
	free(S->heap);
	free(S->scratch);
	free(S->rbuf);
	while (S->spare != NULL) {
		struct sess *s = S->spare;

		S->spare = s->next;
		free(s);
	}
	while (S->npool > 0)
		free(S->pool[--S->npool].p);
	free(S);
}
