/*
 * history.c - earlier nights of the nightly job's output directory:
 * which there are, and the size of each audience list on each.
 */
#include "report.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "mpk.h"
#include "prog.h"

static int
is_day(const char *s)
{
	static const char pat[] = "dddd-dd-dd";
	size_t i;

	for (i = 0; i < sizeof pat - 1; i++)
		if (pat[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != '-')
			return 0;
	return s[i] == '\0';
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
aud_cmp(const void *a, const void *b)
{
	return strcmp(((const struct asize *)a)->name,
	    ((const struct asize *)b)->name);
}

static struct asize *
audience(struct history *h, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < h->naud; i++)
		if (strlen(h->aud[i].name) == n &&
		    memcmp(h->aud[i].name, name, n) == 0)
			return &h->aud[i];
	h->aud = xrealloc(h->aud, (h->naud + 1) * sizeof *h->aud);
	h->aud[h->naud].name = xstrndup(name, n);
	h->aud[h->naud].count = xrealloc(NULL, h->ndays *
	    sizeof *h->aud[h->naud].count);
	for (i = 0; i < h->ndays; i++)
		h->aud[h->naud].count[i] = -1;
	return &h->aud[h->naud++];
}

/* The list headers of the .mp files in dir, as night k's sizes. */
static void
sizes(struct history *h, const char *dir, size_t k)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		const msgpack_object *name, *count;
		msgpack_object *o;
		struct recin in;
		const char *nm;
		char *path;
		int fd;

		if (n < 4 || strcmp(e->d_name + n - 3, ".mp") != 0)
			continue;
		path = path_join(dir, e->d_name);
		if ((fd = input_open(path, &nm)) >= 0) {
			recin_init(&in, fd, nm);
			if (recin_next(&in, &o) > 0 &&
			    mpk_is(mpk_get(o, "type"), "audience") &&
			    (name = mpk_get(o, "name")) != NULL &&
			    name->type == MSGPACK_OBJECT_STR &&
			    (count = mpk_get(o, "count")) != NULL &&
			    count->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
				audience(h, name->via.str.ptr,
				    name->via.str.size)->count[k] =
				    (int64_t)count->via.u64;
			recin_free(&in);
			input_close(fd);
		}
		free(path);
	}
	closedir(d);
}

int
history_load(struct history *h, const char *dir, const char *day, int n,
    const char *tonight)
{
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;
	size_t i, cap = 0, skip;

	memset(h, 0, sizeof *h);
	while (d != NULL && (e = readdir(d)) != NULL)
		if (is_day(e->d_name) && strcmp(e->d_name, day) < 0) {
			h->days = grow_array(h->days, &cap, h->ndays,
			    sizeof *h->days);
			h->days[h->ndays++] = xstrdup(e->d_name);
		}
	if (d != NULL)
		closedir(d);
	skip = h->ndays + 1 > (size_t)n ? h->ndays + 1 - (size_t)n : 0;
	if (h->ndays > 0) {	/* (no earlier night: no array at all) */
		qsort(h->days, h->ndays, sizeof *h->days, str_cmp);
		for (i = 0; i < skip; i++)
			free(h->days[i]);
		memmove(h->days, h->days + skip, (h->ndays - skip) *
		    sizeof *h->days);
		h->ndays -= skip;
	}
	h->days = grow_array(h->days, &cap, h->ndays, sizeof *h->days);
	h->days[h->ndays++] = xstrdup(day);
	for (i = 0; i + 1 < h->ndays; i++) {
		char *p = xasprintf("%s/%s/audiences", dir, h->days[i]);

		sizes(h, p, i);
		free(p);
	}
	if (tonight != NULL)
		sizes(h, tonight, h->ndays - 1);
	/* Directories list in no particular order: by name. */
	if (h->naud > 0)
		qsort(h->aud, h->naud, sizeof *h->aud, aud_cmp);
	return 0;
}

void
history_free(struct history *h)
{
	size_t i;

	for (i = 0; i < h->ndays; i++)
		free(h->days[i]);
	for (i = 0; i < h->naud; i++) {
		free(h->aud[i].name);
		free(h->aud[i].count);
	}
	free(h->days);
	free(h->aud);
}
