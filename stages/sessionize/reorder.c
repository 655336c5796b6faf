/*
 * reorder.c - the reorder window (reorder.h).
 */
#include "reorder.h"

#include <stdlib.h>
#include <string.h>

#include "prog.h"

static int64_t
second_of(int64_t ts)
{
	return ts >= 0 ? ts / 1000 : -((-ts + 999) / 1000);
}

static int
cmp_ptr(const void *a, const void *b)
{
	return chit_cmp(*(struct chit *const *)a, *(struct chit *const *)b);
}

void
reorder_init(struct reorder *r, int64_t window, reorder_emit emit, void *arg)
{
	memset(r, 0, sizeof *r);
	r->window = window;
	r->nring = (size_t)(window / 1000) + 2;
	r->ring = xcalloc(r->nring, sizeof *r->ring);
	r->emit = emit;
	r->arg = arg;
}

int
reorder_behind(const struct reorder *r, int64_t ts)
{
	return r->started && second_of(ts) < r->base;
}

int64_t
reorder_released(const struct reorder *r)
{
	return r->base * 1000;
}

static void
release_bucket(struct reorder *r, struct rbucket *b)
{
	size_t i;

	if (b->n > 16) {
		qsort(b->v, b->n, sizeof *b->v, cmp_ptr);
	} else {
		/* A second holds a few hits: insertion sort, no calls. */
		for (i = 1; i < b->n; i++) {
			struct chit *c = b->v[i];
			size_t j = i;

			while (j > 0 && chit_cmp(c, b->v[j - 1]) < 0) {
				b->v[j] = b->v[j - 1];
				j--;
			}
			b->v[j] = c;
		}
	}
	for (i = 0; i < b->n; i++)
		r->emit(r->arg, b->v[i]);
	r->n -= b->n;
	b->n = 0;
}

/* Release the seconds the window has passed (all of them at the end). */
static void
release(struct reorder *r, int all)
{
	while (r->n > 0 && (all ||
	    (r->base + 1) * 1000 - 1 <= r->maxts - r->window)) {
		release_bucket(r, &r->ring[r->base % r->nring]);
		r->base++;
	}
	if (r->n == 0 && all)
		r->base = second_of(r->maxts) + 1;
}

void
reorder_add(struct reorder *r, struct chit *c)
{
	int64_t sec = second_of(c->ts);
	struct rbucket *b;

	if (c->ts > r->maxts)
		r->maxts = c->ts;
	if (!r->started) {
		/* The first hit may itself be up to the window late. */
		r->base = sec - (int64_t)r->nring + 2;
		r->started = 1;
	}
	/* A second beyond the ring: release until it fits. */
	while (sec >= r->base + (int64_t)r->nring) {
		release_bucket(r, &r->ring[r->base % r->nring]);
		r->base++;
		if (r->n == 0 && sec >= r->base + (int64_t)r->nring)
			r->base = sec - (int64_t)r->nring + 1;
	}
	b = &r->ring[sec % (int64_t)r->nring];
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 8;
		if ((b->v = realloc(b->v, b->cap * sizeof *b->v)) == NULL)
			die(EX_OSERR, "out of memory");
	}
	b->v[b->n++] = c;
	r->n++;
	release(r, 0);
}

void
reorder_flush(struct reorder *r)
{
	release(r, 1);
}

void
reorder_clear(struct reorder *r, reorder_emit drop, void *arg)
{
	size_t i, k;

	for (i = 0; i < r->nring; i++) {
		for (k = 0; k < r->ring[i].n; k++)
			drop(arg, r->ring[i].v[k]);
		r->ring[i].n = 0;
	}
	r->n = 0;
	r->started = 0;
	r->maxts = 0;
}

void
reorder_free(struct reorder *r)
{
	size_t i;

	for (i = 0; i < r->nring; i++)
		free(r->ring[i].v);
	free(r->ring);
	r->ring = NULL;
}
