/*
 * readahead.c - a thread that reads a pipe ahead of its reader.
 *
 * Filled blocks wait in a queue, in the order read; blocks given back
 * go on a stack and are filled again first. The reader holds at most
 * two blocks: the one it reads and the one before, whose unread end it
 * is copying; with a third the thread reads on meanwhile. Those three
 * are made at the start. More are made only when the reader falls
 * behind on an input of over RA_GROW_AFTER bytes: the stages of a
 * nightly run read a few MiB each, and the page faults of a deep buffer
 * (some 14 us each on a virtual machine that gives free memory back to
 * its host) would cost them more than reading ahead gains.
 */
#include "readahead.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wbuf.h"

struct filled {
	char		*b;
	ssize_t		 len;		/* 0 at the end, -1 on an error */
	int		 err;
};

struct ra {
	int		 fd;
	int		 stopfd[2];	/* written to stop the thread */
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv_filled, cv_freed;
	char		*all[RA_DEPTH];	/* every block made, nall of them */
	size_t		 nall;
	unsigned long long bytes;	/* read so far */
	char		*free[RA_DEPTH];	/* given back, nfree */
	size_t		 nfree;
	struct filled	 q[RA_DEPTH];	/* filled, from qhead, qlen */
	size_t		 qhead, qlen;
	char		*cur, *prev;	/* the reader's */
	int		 stop;
};

#define SLOT	((size_t)RA_HEAD + RA_BLOCK)

int
ra_wanted(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) ||
	    S_ISSOCK(st.st_mode));
}

/* Wait until fd has data (1) or the thread is to stop (0). */
static int
wait_input(struct ra *a, int timeout)
{
	struct pollfd p[2] = {
		{ .fd = a->fd, .events = POLLIN },
		{ .fd = a->stopfd[0], .events = POLLIN },
	};

	for (;;) {
		int n = poll(p, 2, timeout);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return 1;	/* let read() report it */
		if (p[1].revents)
			return 0;
		return n > 0 ? 1 : -1;	/* -1: nothing yet (timeout 0) */
	}
}

/*
 * Fill one block: block while it is empty, then go on only with data
 * that is there already, so the reader never waits on a half-full block
 * while the writer is slow. Returns bytes, 0 at the end, -1 with errno,
 * or -2 when told to stop.
 */
static ssize_t
fill(struct ra *a, char *p)
{
	size_t have = 0;

	for (;;) {
		ssize_t n;
		int w = wait_input(a, have ? 0 : -1);

		if (w == 0)
			return -2;
		if (w < 0)
			return (ssize_t)have;
		n = read(a->fd, p + have, RA_BLOCK - have);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return have ? (ssize_t)have : -1;
		if (n == 0)
			return (ssize_t)have;
		have += (size_t)n;
		if (RA_BLOCK - have < RA_HEAD)
			return (ssize_t)have;
	}
}

/*
 * A block to fill: a free one, else a new one while the buffer may
 * grow (and malloc gives one: if not, the blocks there are do), else
 * the next one given back; NULL when told to stop.
 */
static char *
take_free(struct ra *a)
{
	char *b = NULL;

	pthread_mutex_lock(&a->mu);
	while (!a->stop && a->nfree == 0) {
		if (a->nall < RA_DEPTH && a->bytes >= RA_GROW_AFTER &&
		    (b = malloc(SLOT)) != NULL) {
			a->all[a->nall++] = b;
			break;
		}
		pthread_cond_wait(&a->cv_freed, &a->mu);
	}
	if (b == NULL && !a->stop)
		b = a->free[--a->nfree];
	pthread_mutex_unlock(&a->mu);
	return b;
}

static void
put_filled(struct ra *a, char *b, ssize_t n, int err)
{
	pthread_mutex_lock(&a->mu);
	a->q[(a->qhead + a->qlen) % RA_DEPTH] = (struct filled){ b, n, err };
	a->qlen++;
	if (n > 0)
		a->bytes += (unsigned long long)n;
	pthread_cond_signal(&a->cv_filled);
	pthread_mutex_unlock(&a->mu);
}

static void *
ra_main(void *arg)
{
	struct ra *a = arg;

	for (;;) {
		char *b = take_free(a);
		ssize_t n;

		if (b == NULL)
			break;
		n = fill(a, b + RA_HEAD);
		if (n == -2)
			break;
		put_filled(a, b, n, n < 0 ? errno : 0);
		if (n <= 0)
			break;
	}
	return NULL;
}

struct ra *
ra_start(int fd)
{
	struct ra *a = calloc(1, sizeof *a);
	sigset_t all, old;
	int r;

	if (a == NULL)
		return NULL;
	a->fd = fd;
	/* The blocks a reader that keeps up needs, made now: the thread
	 * never fails for memory. */
	for (a->nall = 0; a->nall < RA_SHORT; a->nall++) {
		if ((a->all[a->nall] = malloc(SLOT)) == NULL)
			goto fail;
		a->free[a->nfree++] = a->all[a->nall];
	}
	if (pipe(a->stopfd) != 0)
		goto fail;
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv_filled, NULL);
	pthread_cond_init(&a->cv_freed, NULL);
	/* Signals stay with the main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&a->thread, NULL, ra_main, a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r == 0)
		return a;
	close(a->stopfd[0]);
	close(a->stopfd[1]);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv_filled);
	pthread_cond_destroy(&a->cv_freed);
fail:
	while (a->nall > 0)
		free(a->all[--a->nall]);
	free(a);
	return NULL;
}

ssize_t
ra_next(struct ra *a, char **p)
{
	struct filled f;

	pthread_mutex_lock(&a->mu);
	if (a->prev != NULL) {
		a->free[a->nfree++] = a->prev;
		pthread_cond_signal(&a->cv_freed);
	}
	a->prev = a->cur;
	a->cur = NULL;
	while (a->qlen == 0)
		pthread_cond_wait(&a->cv_filled, &a->mu);
	f = a->q[a->qhead];
	if (f.len > 0) {
		a->qhead = (a->qhead + 1) % RA_DEPTH;
		a->qlen--;
		a->cur = f.b;
		*p = f.b + RA_HEAD;
	} else {
		errno = f.err;	/* the end stays the end */
		*p = NULL;
	}
	pthread_mutex_unlock(&a->mu);
	return f.len;
}

void
ra_stop(struct ra *a)
{
	size_t i;

	if (a == NULL)
		return;
	pthread_mutex_lock(&a->mu);
	a->stop = 1;
	pthread_cond_signal(&a->cv_freed);
	pthread_mutex_unlock(&a->mu);
	if (write(a->stopfd[1], "", 1) < 0) {
		/* A pipe of our own with room: cannot fail. */
	}
	pthread_join(a->thread, NULL);
	close(a->stopfd[0]);
	close(a->stopfd[1]);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv_filled);
	pthread_cond_destroy(&a->cv_freed);
	for (i = 0; i < a->nall; i++)
		free(a->all[i]);
	free(a);
}
