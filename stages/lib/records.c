/*
 * records.c - reading the records of a stage's inputs.
 */
#include "records.h"

#include <string.h>

#include "mpc.h"

/* records_each is records_scan whose scan leaves every record to the
 * framer. */
struct framed {
	void	(*fn)(void *, const char *, size_t, const struct records *);
	void	 *arg;
};

static int
no_scan(void *arg, const char *p, size_t avail, size_t *len)
{
	(void)arg, (void)p, (void)avail, (void)len;
	return MPC_BAD;
}

static void
framed(void *arg, const char *rec, size_t len, int scanned,
    const struct records *r)
{
	struct framed *f = arg;

	(void)scanned;
	f->fn(f->arg, rec, len, r);
}

int
records_each(char *const *paths, size_t npaths, int progress,
    void (*fn)(void *, const char *, size_t, const struct records *),
    void *arg, struct records *r)
{
	struct framed f = { fn, arg };

	return records_scan(paths, npaths, progress, no_scan, framed, &f, r);
}

int
records_scan(char *const *paths, size_t npaths, int progress,
    int (*scan)(void *, const char *, size_t, size_t *),
    void (*fn)(void *, const char *, size_t, int, const struct records *),
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
		int fd = input_open(paths[i], &r->name), k, scanned;

		if (fd < 0) {
			status = status_merge(status, EX_NOINPUT);
			continue;
		}
		mpr_init(&in, fd, r->name);
		while ((k = mpr_scan(&in, scan, arg, &rec, &len,
		    &scanned)) > 0) {
			r->n++;
			r->nrec = in.nrec;
			progress_tick(&r->prog, mpr_bytes(&in), r->n,
			    &r->ticks);
			fn(arg, rec, len, scanned, r);
		}
		if (k < 0)
			status = status_merge(status, in.status);
		mpr_free(&in);
		input_close(fd);
	}
	progress_done(&r->prog);
	return status;
}
