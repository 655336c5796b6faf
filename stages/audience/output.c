/*
 * output.c - revisit-audience's lists, held or written as they come.
 */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lists.h"
#include "prog.h"

#define LIST_CHUNK	(1 << 20)

/* Room for a record of at most n bytes; list_commit(l, its end). */
char *
list_room(struct list *l, size_t n)
{
	struct chunk *k = l->nc ? &l->c[l->nc - 1] : NULL;

	if (l->stream)
		return wbuf_reserve(&l->w, n);
	if (k == NULL || k->len + n > k->cap) {
		l->c = grow_array(l->c, &l->capc, l->nc, sizeof *l->c);
		k = &l->c[l->nc++];
		k->cap = n > LIST_CHUNK ? n : LIST_CHUNK;
		k->buf = xrealloc(NULL, k->cap);
	}
	return k->buf + k->len;
}

void
list_commit(struct list *l, char *end)
{
	if (l->stream)
		wbuf_commit(&l->w, end);
	else
		l->c[l->nc - 1].len = (size_t)(end - l->c[l->nc - 1].buf);
	l->count++;
}

void
list_free(struct list *l)
{
	size_t k;

	for (k = 0; k < l->nc; k++)
		free(l->c[k].buf);
	free(l->c);
	free(l->path);
}

static void
list_head_of(const struct lists *L, size_t ai, size_t count, int small,
    struct list_head *h)
{
	const struct aud *au = &L->o->spec->a[ai];

	memset(h, 0, sizeof *h);
	h->name = (char *)au->name;
	h->definition = (char *)au->definition;
	h->generated_at = L->now;
	h->membership_days = au->membership / DAY_MS;
	h->count = count;
	h->too_small = small;
}

static void
warn_small(const struct lists *L, size_t ai)
{
	const struct list *l = &L->v[ai];

	if (l->count < L->o->min_size && !L->o->quiet)
		warnx("%s: %zu members, fewer than --min-size %zu: ad platforms "
		    "may not serve it (marked too_small)",
		    L->o->spec->a[ai].name, l->count, L->o->min_size);
}

/* An audience's header, then its members held in memory, to w. */
static void
put_list(struct lists *L, size_t ai, struct wbuf *w)
{
	const struct list *l = &L->v[ai];
	struct list_head h;
	size_t i;

	list_head_of(L, ai, l->count, l->count < L->o->min_size, &h);
	list_header_put(w, &h);
	for (i = 0; i < l->nc; i++)
		wbuf_write(w, l->c[i].buf, l->c[i].len);
	warn_small(L, ai);
}

/*
 * With -o DIR, each list's file is opened before the persons are read:
 * a regular file gets its header now, the count left to set, and its
 * members as they come; the lists are not held in memory (they were
 * most of revisit-audience's memory, and of its time the pages that
 * memory faulted in). Anything else (a FIFO) is written at the end.
 */
int
lists_open(struct lists *L)
{
	const struct spec *sp = L->o->spec;
	struct list_head h;
	size_t i;
	int status;

	if ((status = output_dir(L->o->out, "the lists' directory")) != 0)
		return status;
	for (i = 0; i < sp->n; i++) {
		struct list *l = &L->v[i];

		l->path = xasprintf("%s/%s.mp", L->o->out, sp->a[i].name);
		if (wbuf_open_atomic(&l->w, l->path) != 0) {
			warnx("cannot create '%s':", l->path);
			status = status_merge(status, EX_CANTCREAT);
			continue;
		}
		l->open = 1;
		if (l->w.tmppath == NULL)
			continue;
		l->stream = 1;
		list_head_of(L, i, 0, 0, &h);
		l->count_at = list_header_put(&l->w, &h);
		l->head_len = (size_t)l->w.total;
	}
	return status;
}

/* A streamed list's header gets its count; too small, the list is
 * written again with the mark (such a list is short). */
static void
end_stream(struct lists *L, size_t ai)
{
	struct list *l = &L->v[ai];
	struct wbuf *w = &l->w;
	size_t n, i;
	unsigned char be[8];

	wbuf_flush(w);
	if (w->err == 0 && l->count < L->o->min_size) {
		struct list_head h;
		char *body;
		int fd;

		n = (size_t)(w->total - l->head_len);
		body = xrealloc(NULL, n + 1);
		errno = EIO;	/* a short read */
		if ((fd = open(w->tmppath, O_RDONLY | O_CLOEXEC)) < 0 ||
		    pread(fd, body, n, (off_t)l->head_len) != (ssize_t)n ||
		    ftruncate(w->fd, 0) != 0 || lseek(w->fd, 0, SEEK_SET) != 0)
			w->err = errno;
		if (fd >= 0)
			close(fd);
		w->total = 0;
		list_head_of(L, ai, l->count, 1, &h);
		list_header_put(w, &h);
		wbuf_write(w, body, n);
		free(body);
	} else {
		for (i = 0; i < 8; i++)
			be[i] = (unsigned char)((uint64_t)l->count >>
			    (56 - 8 * i));
		errno = EIO;
		if (w->err == 0 &&
		    pwrite(w->fd, be, 8, (off_t)l->count_at) != 8)
			w->err = errno;
	}
	warn_small(L, ai);
}

/* Each list to its own file in the output directory (opened by
 * lists_open), or all of them, one after another, to stdout. */
int
lists_write(struct lists *L, int status)
{
	const struct spec *sp = L->o->spec;
	struct wbuf w;
	size_t i;
	int written = 0;

	if (L->o->out == NULL) {
		if (status != 0)
			return status;
		stage_output(&w, NULL);
		for (i = 0; i < sp->n; i++)
			put_list(L, i, &w);
		return wbuf_finish(&w, 0, "stdout");
	}
	for (i = 0; i < sp->n; i++) {
		struct list *l = &L->v[i];

		if (!l->open)
			continue;
		if (status == 0 && l->stream)
			end_stream(L, i);
		else if (status == 0)
			put_list(L, i, &l->w);
		/* Each file on its own: one that fails is not the others'. */
		written = status_merge(written, wbuf_finish(&l->w, status,
		    l->path));
	}
	return status_merge(status, written);
}
