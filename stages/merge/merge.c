/*
 * merge.c - each audience's lists from the shards, merged.
 *
 * Every shard's list is in person order (the state's: key bytes, a uid
 * before a vid of the same bytes) and holds only that shard's persons,
 * so the merged list is the k-way merge of the shards' member records,
 * copied as their bytes, under one header whose count is their sum:
 * byte for byte what revisit-audience writes from one state.
 */
#include "merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lists.h"
#include "person.h"
#include "prog.h"
#include "wbuf.h"

struct in {
	struct list_reader	 r;
	struct list_member	 m;
	int			 have;		/* m is the next member */
	int			 open;
};

static int
member_cmp(const struct list_member *a, const struct list_member *b)
{
	struct sv x = { a->id, a->idn }, y = { b->id, b->idn };

	return person_key_cmp(x, a->is_uid, y, b->is_uid);
}

/* The next member of in: 1, 0 at the list's end, -1 after a message
 * (the caller checks the order). */
static int
advance(struct in *in)
{
	int k = list_next(&in->r, &in->m);

	in->have = 0;
	if (k < 0)
		return -1;
	if (k == LIST_HEAD) {
		warnx("%s: more than one list in a file", in->r.name);
		in->r.status = EX_DATAERR;
		return -1;
	}
	if (k == 0)
		return 0;
	in->have = 1;
	return 1;
}

static int
same_list(const struct list_head *a, const struct list_head *b)
{
	return a->kind == LIST_FULL && b->kind == LIST_FULL &&
	    strcmp(a->name, b->name) == 0 &&
	    a->generated_at == b->generated_at &&
	    a->membership_days == b->membership_days &&
	    strcmp(a->definition, b->definition) == 0;
}

/* One audience: dirs[i]/name merged into w, a new out/name (*open set
 * once it is created: the caller commits it, or not). */
static int
merge_one(const struct merge_opts *o, const char *name, size_t *count,
    struct wbuf *wp, int *open)
{
	struct in *in = xcalloc(o->ndirs, sizeof *in);
	struct list_head h;
	struct wbuf *w = wp;
	char *path = NULL, *last = NULL;
	size_t i, lastn = 0;
	int last_uid = 0, status = 0, k;

	memset(&h, 0, sizeof h);
	for (i = 0; i < o->ndirs && status == 0; i++) {
		char *p = path_join(o->dirs[i], name);

		if (list_open(&in[i].r, p) != 0) {
			status = EX_NOINPUT;
		} else {
			in[i].open = 1;
			k = list_next(&in[i].r, &in[i].m);
			if (k != LIST_HEAD) {
				if (k == 0 || k == LIST_MEMBER)
					warnx("%s: no list header", p);
				status = k < 0 ? in[i].r.status : EX_DATAERR;
			} else if (i > 0 && !same_list(&in[0].r.head,
			    &in[i].r.head)) {
				warnx("%s: another night's or rule's list than "
				    "%s/%s", p, o->dirs[0], name);
				status = EX_DATAERR;
			} else {
				h.count += in[i].r.head.count;
			}
		}
		free(p);
	}
	for (i = 0; i < o->ndirs && status == 0; i++)
		if (advance(&in[i]) < 0)
			status = in[i].r.status;
	if (status == 0) {
		path = path_join(o->out, name);
		if (wbuf_open_atomic(w, path) != 0) {
			warnx("%s: cannot create:", path);
			status = EX_CANTCREAT;
		} else {
			*open = 1;
		}
		free(path);
	}
	if (status == 0) {
		h.kind = LIST_FULL;
		h.name = in[0].r.head.name;
		h.definition = in[0].r.head.definition;
		h.generated_at = in[0].r.head.generated_at;
		h.membership_days = in[0].r.head.membership_days;
		h.too_small = h.count < o->min_size;
		list_header_put(w, &h);
	}
	while (status == 0) {
		size_t best = o->ndirs;
		struct in *b;

		for (i = 0; i < o->ndirs; i++)
			if (in[i].have && (best == o->ndirs ||
			    member_cmp(&in[i].m, &in[best].m) < 0))
				best = i;
		if (best == o->ndirs)
			break;
		b = &in[best];
		if (last) {
			struct list_member prev = { 0 };

			prev.id = last;
			prev.idn = lastn;
			prev.is_uid = last_uid;
			if (member_cmp(&prev, &b->m) >= 0) {
				warnx("%s/%s: member %.*s out of person order, "
				    "or in two shards", o->dirs[best], name,
				    (int)b->m.idn, b->m.id);
				status = EX_DATAERR;
				break;
			}
		}
		free(last);
		last = xstrndup(b->m.id, b->m.idn);
		lastn = b->m.idn;
		last_uid = b->m.is_uid;
		wbuf_write(w, b->m.rec, b->m.len);
		if (advance(b) < 0)
			status = b->r.status;
	}
	for (i = 0; i < o->ndirs; i++)
		if (in[i].open)
			list_close(&in[i].r);
	free(in);
	free(last);
	*count = h.count;
	return status;
}

/* Every list, or none: a merge that fails leaves no list half of the
 * shards' (the lists are committed together at the end). */
int
merge_run(const struct merge_opts *o)
{
	size_t n, i, count;
	char **names = list_files(o->dirs[0], &n);
	struct wbuf *w;
	int *open, status;

	if (names == NULL) {
		warnx("%s: cannot read:", o->dirs[0]);
		return EX_NOINPUT;
	}
	if ((status = output_dir(o->out, "the merged lists' directory")))
		return status;
	w = xcalloc(n + 1, sizeof *w);
	open = xcalloc(n + 1, sizeof *open);
	if (!o->quiet)
		fprintf(stderr, "%s: %zu shards:", prog_name, o->ndirs);
	for (i = 0; i < n; i++) {
		int r = merge_one(o, names[i], &count, &w[i], &open[i]);

		status = status_merge(status, r);
		if (!o->quiet && r == 0)
			fprintf(stderr, "%s %.*s %zu", i ? "," : "",
			    (int)(strlen(names[i]) - 3), names[i], count);
	}
	if (!o->quiet)
		fputc('\n', stderr);
	for (i = 0; i < n; i++) {
		char *path = path_join(o->out, names[i]);

		if (open[i])
			status = status_merge(status, wbuf_finish(&w[i],
			    status, path));
		free(path);
	}
	list_files_free(names, n);
	free(w);
	free(open);
	return status;
}
