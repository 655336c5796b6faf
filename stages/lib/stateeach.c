/*
 * stateeach.c - every current person of a state, decoded, to a callback.
 *
 * Reading the state is half the work of those who look at every person
 * (revisit-audience, revisit-report): merging the files' records by
 * key, and decoding each. So a thread does that, a batch of persons at
 * a time, while the caller's thread gives the batch before to the
 * callback: in key order, as one thread would, and with the same
 * persons. A small state, or no thread to be had, is read in the
 * caller's thread alone.
 */
#include "state.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "person.h"
#include "prog.h"

#define EACH_BATCH	256	/* persons in a batch */
#define EACH_DEPTH	4	/* batches decoded ahead, at most */
/* Fewer persons than this are not worth a thread. */
#define EACH_THREAD_MIN	(4 * EACH_BATCH)

struct batch {
	struct person	 p[EACH_BATCH];
	size_t		 n;
	struct arena	 arrays;	/* of its persons (threaded) */
};

struct each {
	const struct state *st;
	int		 buyers_only;
	struct state_iter it;
	struct batch	*b;		/* EACH_DEPTH of them, a ring */
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	uint64_t	 made, used;	/* batches filled, given out */
	int		 done;		/* no batch after made */
	int		 status;	/* the reading's, once done */
};

/* The next person into *p: 1, 0 at the end, -1 after a message (the
 * iterator's status says which). */
static int
next_person(struct each *E, struct person *p)
{
	const struct state *st = E->st;
	struct state_head h;
	int r;

	while ((r = state_iter_next(&E->it, &h)) > 0) {
		const struct sfile *f = &st->files[h.file];

		if (E->buyers_only && h.ph.norders == 0)
			continue;
		if (person_decode(p, f->map + h.off, h.len, st->nwords) != 0) {
			warnx("%s/%s: record %" PRIu64 ": a damaged person "
			    "record", st->dir, f->file, h.nrec);
			E->it.status = EX_DATAERR;
			return -1;
		}
		return 1;
	}
	return r;
}

static int
each_here(struct each *E, void (*fn)(void *, const struct person *),
    void *arg)
{
	struct person p;
	int r;

	memset(&p, 0, sizeof p);
	while ((r = next_person(E, &p)) > 0) {
		fn(arg, &p);
		person_free(&p);
	}
	person_free(&p);
	return r < 0 ? E->it.status : 0;
}

static void *
reader(void *arg)
{
	struct each *E = arg;
	size_t i;
	int r = 1;

	while (r > 0) {
		struct batch *b;

		pthread_mutex_lock(&E->mu);
		while (E->made - E->used == EACH_DEPTH)
			pthread_cond_wait(&E->cv, &E->mu);
		pthread_mutex_unlock(&E->mu);
		/* The slot is ours until made moves past it. Its persons'
		 * arrays come from its arena, let go at once and made again
		 * in the same pages: no malloc and free per array. */
		b = &E->b[E->made % EACH_DEPTH];
		person_arrays_in(&b->arrays);
		for (i = 0; i < EACH_BATCH; i++)	/* forgotten, before */
			person_free(&b->p[i]);	/* their memory is reused */
		arena_reset(&b->arrays);
		for (b->n = 0; b->n < EACH_BATCH; b->n++)
			if ((r = next_person(E, &b->p[b->n])) <= 0)
				break;
		pthread_mutex_lock(&E->mu);
		E->made += b->n > 0;
		if (r <= 0) {
			E->done = 1;
			E->status = r < 0 ? E->it.status : 0;
		}
		pthread_cond_broadcast(&E->cv);
		pthread_mutex_unlock(&E->mu);
	}
	return NULL;
}

static int
each_threaded(struct each *E, void (*fn)(void *, const struct person *),
    void *arg)
{
	pthread_t t;
	size_t i;
	int status;

	E->b = xcalloc(EACH_DEPTH, sizeof *E->b);
	pthread_mutex_init(&E->mu, NULL);
	pthread_cond_init(&E->cv, NULL);
	if (pthread_create(&t, NULL, reader, E) != 0) {
		status = each_here(E, fn, arg);
		goto out;
	}
	for (;;) {
		struct batch *b;

		pthread_mutex_lock(&E->mu);
		while (E->used == E->made && !E->done)
			pthread_cond_wait(&E->cv, &E->mu);
		if (E->used == E->made) {
			pthread_mutex_unlock(&E->mu);
			break;
		}
		pthread_mutex_unlock(&E->mu);
		b = &E->b[E->used % EACH_DEPTH];
		for (i = 0; i < b->n; i++)
			fn(arg, &b->p[i]);
		pthread_mutex_lock(&E->mu);
		E->used++;
		pthread_cond_broadcast(&E->cv);
		pthread_mutex_unlock(&E->mu);
	}
	pthread_join(t, NULL);
	status = E->status;
out:
	/* The reader's persons are its arenas' (a thread of its own that
	 * could not start left none). */
	for (i = 0; i < EACH_DEPTH; i++)
		arena_free(&E->b[i].arrays);
	free(E->b);
	pthread_cond_destroy(&E->cv);
	pthread_mutex_destroy(&E->mu);
	return status;
}

int
state_each(const struct state *st, int buyers_only,
    void (*fn)(void *arg, const struct person *), void *arg)
{
	struct each E;
	int status;

	if (st->empty)
		return 0;
	memset(&E, 0, sizeof E);
	E.st = st;
	E.buyers_only = buyers_only;
	if (state_iter_init(&E.it, st) != 0)
		return E.it.status;
	/* Arrays from an arena are one thread's. */
	if (st->persons < EACH_THREAD_MIN || person_arrays_shared())
		status = each_here(&E, fn, arg);
	else
		status = each_threaded(&E, fn, arg);
	state_iter_free(&E.it);
	return status;
}
