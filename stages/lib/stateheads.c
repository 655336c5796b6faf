/*
 * stateheads.c - the heads of a state's current records, read by a
 * thread while the caller reads its input.
 *
 * revisit-attribute and revisit-state --update look at every record's
 * head once the night is read, to find the persons the night touches.
 * Merging the state's files by key and reading each head is most of
 * that, and it needs nothing of the night: so it is done meanwhile,
 * when the stages before them in a pipe are still at work, and what is
 * left for the end is the lookups.
 */
#include "state.h"

#include <stdlib.h>
#include <string.h>

#include "prog.h"

/* Fewer persons than this are read when asked for, in the caller's
 * thread. */
#define HEADS_THREAD_MIN	4096

static void *
read_heads(void *arg)
{
	struct state_heads *H = arg;
	struct state_iter it;
	struct state_head h;
	size_t cap = 0;
	int r;

	if (state_iter_init(&it, H->st) != 0) {
		H->status = it.status;
		H->read = 1;
		return NULL;
	}
	if (H->st->persons > 0 && H->st->persons < SIZE_MAX / sizeof h) {
		cap = (size_t)H->st->persons;
		H->v = xrealloc(NULL, cap * sizeof *H->v);
	}
	while ((r = state_iter_next(&it, &h)) > 0) {
		H->v = grow_array(H->v, &cap, H->n, sizeof *H->v);
		H->v[H->n++] = h;
	}
	H->status = r < 0 ? it.status : 0;
	state_iter_free(&it);
	H->read = 1;
	return NULL;
}

void
state_heads_start(struct state_heads *H, const struct state *st)
{
	memset(H, 0, sizeof *H);
	H->st = st;
	if (st->empty || st->persons < HEADS_THREAD_MIN)
		return;
	H->threaded = pthread_create(&H->thread, NULL, read_heads, H) == 0;
}

int
state_heads_wait(struct state_heads *H)
{
	if (H->threaded) {
		pthread_join(H->thread, NULL);
		H->threaded = 0;
	} else if (!H->st->empty && !H->read) {
		read_heads(H);
	}
	return H->status;
}

void
state_heads_free(struct state_heads *H)
{
	if (H->threaded)
		state_heads_wait(H);
	free(H->v);
	H->v = NULL;
	H->n = 0;
}
