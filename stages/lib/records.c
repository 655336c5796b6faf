/*
 * records.c - reading the records of a stage's inputs.
 */
#include "records.h"

#include <string.h>

#include "mpc.h"

int
records_each(char *const *paths, size_t npaths, int progress,
    void (*fn)(void *, const char *, size_t, const struct records *),
    void *arg, struct records *r)
{
	static char *const dash[] = { "-" };
	size_t i;
	int status = EX_OK;

	memset(r, 0, sizeof *r);
	progress_init(&r->prog, progress);
	if (npaths == 0) {
		paths = dash;
		npaths = 1;
	}
	for (i = 0; i < npaths; i++) {
		struct mpr in;
		const char *rec;
		size_t len;
		int fd = input_open(paths[i], &r->name), k;

		if (fd < 0) {
			status = status_merge(status, EX_NOINPUT);
			continue;
		}
		mpr_init(&in, fd, r->name);
		while ((k = mpr_next(&in, &rec, &len)) > 0) {
			r->n++;
			r->nrec = in.nrec;
			progress_tick(&r->prog, mpr_bytes(&in), r->n,
			    &r->ticks);
			fn(arg, rec, len, r);
		}
		if (k < 0)
			status = status_merge(status, in.status);
		mpr_free(&in);
		input_close(fd);
	}
	progress_done(&r->prog);
	return status;
}
