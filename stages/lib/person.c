/*
 * person.c - the person record: built from sessions, moved between
 * persons when identity changes, merged, pruned. Every list is put in a
 * canonical order before it is written, so that the same history gives
 * the same bytes however it arrived.
 */
#include "person.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "prog.h"

const char *const words_fixed[WORDS_FIXED] = {
	"Direct", "Paid Search", "Paid Social", "Display", "Paid Other",
	"Email", "Affiliates", "Organic Social", "Organic Search", "Referral",
	"Unassigned", "(direct)", "(none)", "(not set)"
};

int
words_valid(const struct sv *words, size_t n)
{
	size_t i;

	if (n < WORDS_FIXED)
		return 0;
	for (i = 0; i < WORDS_FIXED; i++)
		if (words[i].n != strlen(words_fixed[i]) ||
		    memcmp(words[i].p, words_fixed[i], words[i].n) != 0)
			return 0;
	return 1;
}

struct strtab *
words_new(const struct sv *old, size_t n)
{
	struct strtab *t = strtab_new();
	size_t i;

	for (i = 0; i < WORDS_FIXED; i++)
		strtab_intern(t, words_fixed[i], strlen(words_fixed[i]), NULL);
	for (i = WORDS_FIXED; i < n; i++)
		strtab_intern(t, old[i].p, old[i].n, NULL);
	return t;
}

static int
sv_cmp(struct sv a, struct sv b)
{
	size_t n = a.n < b.n ? a.n : b.n;
	int c = n ? memcmp(a.p, b.p, n) : 0;

	return c ? c : (a.n > b.n) - (a.n < b.n);
}

int
person_key_cmp(struct sv a, int a_uid, struct sv b, int b_uid)
{
	int c = sv_cmp(a, b);

	return c ? c : b_uid - a_uid;
}

/* ---- arrays ---- */

/*
 * Where the arrays of persons come from: malloc, or an arena for a
 * batch (revisit-state; state_each's reader, a batch of persons at a
 * time) that lets them all go at once at its end; there, an array that
 * grows leaves its old copy behind, and nothing is freed one by one.
 * Each thread says for itself.
 */
static _Thread_local struct arena *arrays;

void
person_arrays_in(struct arena *a)
{
	arrays = a;
}

int
person_arrays_shared(void)
{
	return arrays != NULL;
}

/* Room for n elements (*cap of them now): by doubling, or exactly n. */
static void *
room_for(void *v, uint32_t *cap, size_t n, size_t size, int exact)
{
	size_t want;
	void *w;

	if (n <= *cap)
		return v;
	if (n > UINT32_MAX / 2)
		die(EX_SOFTWARE, "person: too many entries");
	want = exact ? n : *cap ? (size_t)*cap * 2 : 4;
	if (want < n)
		want = n;
	if (arrays == NULL) {
		if ((w = realloc(v, want * size)) == NULL)
			die(EX_OSERR, "out of memory");
	} else {
		w = arena_alloc(arrays, want * size);
		if (v && *cap)
			memcpy(w, v, (size_t)*cap * size);
	}
	*cap = (uint32_t)want;
	return w;
}

void *
person_room_exact(void *v, uint32_t *cap, size_t n, size_t size)
{
	return room_for(v, cap, n, size, 1);
}

#define ROOM(v, cap, n)		((v) = room_for((v), &(cap), (n), \
				    sizeof *(v), 0))
#define ROOM_EXACT(v, cap, n)	((v) = room_for((v), &(cap), (n), \
				    sizeof *(v), 1))

static void
release(void *v)
{
	if (arrays == NULL)
		free(v);
}

void
person_init(struct person *p, struct sv key, int is_uid)
{
	memset(p, 0, sizeof *p);
	p->key = key;
	p->is_uid = is_uid;
}

void
vidhist_free(struct vidhist *h)
{
	release(h->touch);
	release(h->viewed);
	release(h->carted);
	release(h->stages);
	release(h->buys);
	memset(h, 0, sizeof *h);
}

void
person_free(struct person *p)
{
	uint32_t i;

	for (i = 0; i < p->nvids; i++)
		vidhist_free(&p->vids[i]);
	release(p->vids);
	p->vids = NULL;
	p->nvids = p->capvids = 0;
}

struct vidhist *
person_vid(struct person *p, struct sv vid, int create)
{
	uint32_t i, j;

	for (i = 0; i < p->nvids; i++) {
		int c = sv_cmp(p->vids[i].vid, vid);

		if (c == 0)
			return &p->vids[i];
		if (c > 0)
			break;
	}
	if (!create)
		return NULL;
	ROOM(p->vids, p->capvids, p->nvids + 1);
	for (j = p->nvids; j > i; j--)
		p->vids[j] = p->vids[j - 1];
	memset(&p->vids[i], 0, sizeof p->vids[i]);
	p->vids[i].vid = vid;
	p->nvids++;
	return &p->vids[i];
}

void
person_take(struct person *p, struct vidhist *h)
{
	struct vidhist *d = person_vid(p, h->vid, 1);

	if (d->first || d->last) {
		vidhist_merge(d, h);
		vidhist_free(h);
	} else {
		*d = *h;
	}
	memset(h, 0, sizeof *h);
}

/* A word of another dictionary, in this one. */
static uint32_t
reword(uint32_t w, const struct sv *from, struct strtab *to)
{
	return strtab_intern(to, from[w].p, from[w].n, NULL);
}

void
vidhist_rewords(struct vidhist *h, const struct sv *from, struct strtab *to)
{
	uint32_t i;

	for (i = 0; i < h->ntouch; i++) {
		struct touch *t = &h->touch[i];

		t->channel = reword(t->channel, from, to);
		t->source = reword(t->source, from, to);
		t->medium = reword(t->medium, from, to);
		t->campaign = reword(t->campaign, from, to);
	}
	for (i = 0; i < h->nviewed; i++)
		h->viewed[i].word = reword(h->viewed[i].word, from, to);
	for (i = 0; i < h->ncarted; i++)
		h->carted[i].word = reword(h->carted[i].word, from, to);
	for (i = 0; i < h->nstages; i++)
		h->stages[i].word = reword(h->stages[i].word, from, to);
	for (i = 0; i < h->nbuys; i++)
		h->buys[i].currency = reword(h->buys[i].currency, from, to);
}

/* ---- adding ---- */

static uint32_t
word(struct strtab *dict, struct sv s)
{
	return strtab_intern(dict, s.p, s.n, NULL);
}

static struct sv
keep(struct strtab *pool, struct sv s)
{
	struct sv k = s;

	if (pool)
		k.p = strtab_str(pool, strtab_intern(pool, s.p, s.n, NULL),
		    &k.n);
	return k;
}

/* A touchpoint, once per sid, in order of start then sid. Sessions come
 * in time order, so it is nearly always added at the end. */
static void
add_touch(struct vidhist *h, const struct touch *t)
{
	uint32_t i, j;

	for (i = h->ntouch; i > 0; i--) {
		const struct touch *u = &h->touch[i - 1];

		if (u->sid == t->sid)
			return;		/* already there: a night run twice */
		if (u->start < t->start ||
		    (u->start == t->start && u->sid < t->sid))
			break;
	}
	for (j = 0; j < i; j++)		/* sids repeat only at equal starts */
		if (h->touch[j].sid == t->sid && h->touch[j].start == t->start)
			return;
	ROOM(h->touch, h->cap[0], h->ntouch + 1);
	memmove(&h->touch[i + 1], &h->touch[i],
	    (h->ntouch - i) * sizeof *h->touch);
	h->touch[i] = *t;
	h->ntouch++;
}

/* Events merged by word, the latest time kept; put in order later. */
static void
add_event(struct event **v, uint32_t *n, uint32_t *cap, uint32_t w,
    int64_t ts)
{
	uint32_t i;

	for (i = 0; i < *n; i++)
		if ((*v)[i].word == w) {
			if (ts > (*v)[i].ts)
				(*v)[i].ts = ts;
			return;
		}
	ROOM(*v, *cap, *n + 1);
	(*v)[*n].word = w;
	(*v)[*n].ts = ts;
	(*n)++;
}

void
vidhist_add_session(struct vidhist *h, const struct sess *s,
    struct strtab *dict)
{
	struct touch t;
	size_t i;

	if (h->first == 0 || s->start < h->first)
		h->first = s->start;
	if (s->end > h->last)
		h->last = s->end;
	if (s->start > h->last_start)
		h->last_start = s->start;
	/* A refusal in the logs opts the device out for good: a later
	 * consent in the logs does not undo it (schemas/state.md). */
	if (s->consent == SESS_CONSENT_REFUSED)
		h->opt_out = 1;
	t.start = s->start;
	t.sid = s->sid;
	t.channel = word(dict, s->channel);
	t.source = s->source.n ? word(dict, s->source) : WORD_NO_SOURCE;
	t.medium = s->medium.n ? word(dict, s->medium) : WORD_NO_MEDIUM;
	t.campaign = s->campaign.n ? word(dict, s->campaign) :
	    WORD_NO_CAMPAIGN;
	add_touch(h, &t);
	for (i = 0; i < s->nviewed; i++)
		add_event(&h->viewed, &h->nviewed, &h->cap[1],
		    word(dict, s->viewed[i].name), s->viewed[i].ts);
	for (i = 0; i < s->ncarted; i++)
		add_event(&h->carted, &h->ncarted, &h->cap[2],
		    word(dict, s->carted[i].name), s->carted[i].ts);
	for (i = 0; i < s->nstages; i++)
		add_event(&h->stages, &h->nstages, &h->cap[3],
		    word(dict, s->stages[i].name), s->stages[i].ts);
}

static int
buy_cmp(const struct buy *a, const struct buy *b)
{
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return sv_cmp(a->order_id, b->order_id);
}

static void
add_buy(struct vidhist *h, const struct buy *b)
{
	uint32_t i;

	for (i = 0; i < h->nbuys; i++)	/* the same purchase again */
		if (buy_cmp(&h->buys[i], b) == 0)
			return;
	ROOM(h->buys, h->cap[4], h->nbuys + 1);
	for (i = h->nbuys; i > 0 && buy_cmp(&h->buys[i - 1], b) > 0; i--)
		h->buys[i] = h->buys[i - 1];
	h->buys[i] = *b;
	h->nbuys++;
}

void
vidhist_add_buy(struct vidhist *h, const struct sess_buy *b,
    struct strtab *pool, struct strtab *dict)
{
	struct buy k;

	k.order_id = keep(pool, b->order_id);
	k.value_text = keep(pool, b->value_text);
	k.value = b->value;
	k.ts = b->ts;
	k.currency = word(dict, b->currency);
	add_buy(h, &k);
}

void
vidhist_merge(struct vidhist *d, const struct vidhist *h)
{
	uint32_t i;

	if (h->first && (d->first == 0 || h->first < d->first))
		d->first = h->first;
	if (h->last > d->last)
		d->last = h->last;
	if (h->last_start > d->last_start)
		d->last_start = h->last_start;
	d->opt_out |= h->opt_out;
	ROOM_EXACT(d->touch, d->cap[0], d->ntouch + h->ntouch);
	for (i = 0; i < h->ntouch; i++)
		add_touch(d, &h->touch[i]);
	ROOM_EXACT(d->viewed, d->cap[1], d->nviewed + h->nviewed);
	for (i = 0; i < h->nviewed; i++)
		add_event(&d->viewed, &d->nviewed, &d->cap[1],
		    h->viewed[i].word, h->viewed[i].ts);
	ROOM_EXACT(d->carted, d->cap[2], d->ncarted + h->ncarted);
	for (i = 0; i < h->ncarted; i++)
		add_event(&d->carted, &d->ncarted, &d->cap[2],
		    h->carted[i].word, h->carted[i].ts);
	ROOM_EXACT(d->stages, d->cap[3], d->nstages + h->nstages);
	for (i = 0; i < h->nstages; i++)
		add_event(&d->stages, &d->nstages, &d->cap[3],
		    h->stages[i].word, h->stages[i].ts);
	ROOM_EXACT(d->buys, d->cap[4], d->nbuys + h->nbuys);
	for (i = 0; i < h->nbuys; i++)
		add_buy(d, &h->buys[i]);
}

/* ---- pruning ---- */

/* Words compare as their strings: orders must not depend on the
 * numbers a dictionary happened to give them. */
static int
word_cmp(const struct strtab *dict, uint32_t a, uint32_t b)
{
	struct sv x, y;

	if (a == b)
		return 0;
	x.p = strtab_str(dict, a, &x.n);
	y.p = strtab_str(dict, b, &y.n);
	return sv_cmp(x, y);
}

static int
event_cmp(const struct strtab *dict, const struct event *a,
    const struct event *b, int by_time)
{
	if (by_time && a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return word_cmp(dict, a->word, b->word);
}

/* Lists are short: an insertion sort, with the dictionary at hand. */
static void
events_sort(struct event *v, uint32_t n, const struct strtab *dict,
    int by_time)
{
	uint32_t i, j;

	for (i = 1; i < n; i++) {
		struct event e = v[i];

		for (j = i; j > 0 && event_cmp(dict, &v[j - 1], &e,
		    by_time) > 0; j--)
			v[j] = v[j - 1];
		v[j] = e;
	}
}

/* In time order, the PERSON_SKUS latest, none before since. */
static uint32_t
skus_keep(struct event *v, uint32_t n, int64_t since,
    const struct strtab *dict)
{
	uint32_t i, k = 0, first;

	events_sort(v, n, dict, 1);
	first = n > PERSON_SKUS ? n - PERSON_SKUS : 0;
	for (i = first; i < n; i++)
		if (v[i].ts >= since)
			v[k++] = v[i];
	return k;
}

size_t
person_prune(struct person *p, int64_t now, const struct keep *kp,
    const struct strtab *dict)
{
	int64_t tsince = now - kp->window, since = now - kp->retention;
	uint32_t i, j, k = 0, m;

	for (i = 0; i < p->nvids; i++) {
		struct vidhist *h = &p->vids[i];

		if (h->last < since) {
			vidhist_free(h);
			continue;
		}
		for (j = 0, m = 0; j < h->ntouch; j++)
			if (h->touch[j].start >= tsince)
				h->touch[m++] = h->touch[j];
		h->ntouch = m;
		h->nviewed = skus_keep(h->viewed, h->nviewed, since, dict);
		h->ncarted = skus_keep(h->carted, h->ncarted, since, dict);
		events_sort(h->stages, h->nstages, dict, 0);
		for (j = 0, m = 0; j < h->nstages; j++)
			if (h->stages[j].ts >= since)
				h->stages[m++] = h->stages[j];
		h->nstages = m;
		for (j = 0, m = 0; j < h->nbuys; j++)
			if (h->buys[j].ts >= since)
				h->buys[m++] = h->buys[j];
		h->nbuys = m;
		p->vids[k++] = *h;
	}
	p->nvids = k;
	return k;
}

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static int64_t
events_oldest(const struct event *v, uint32_t n, int64_t t)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		t = min64(t, v[i].ts);
	return t;
}

int64_t
person_expiry(const struct person *p, const struct keep *kp)
{
	int64_t x = INT64_MAX, old;
	uint32_t i;

	for (i = 0; i < p->nvids; i++) {
		const struct vidhist *h = &p->vids[i];

		if (h->ntouch)
			x = min64(x, h->touch[0].start + kp->window + 1);
		old = events_oldest(h->viewed, h->nviewed, h->last);
		old = events_oldest(h->carted, h->ncarted, old);
		old = events_oldest(h->stages, h->nstages, old);
		if (h->nbuys)
			old = min64(old, h->buys[0].ts);
		x = min64(x, old + kp->retention + 1);
	}
	return x;
}
