/*
 * ranks.c - the revenues "top N%" conditions rank, in a file of their
 * own: one record {"type": "ranks", "schema": 1, "revenues": [[...],
 * ...]}, an array of floats per condition of the rules, in order.
 */
#include "audience.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mpc.h"
#include "mpk.h"
#include "prog.h"
#include "wbuf.h"

int
ranks_write(const char *path, const struct revs *revs, size_t ncond)
{
	struct wbuf w;
	size_t k, i;
	char *o;

	if (wbuf_open_atomic(&w, path) != 0) {
		warnx("%s: cannot create:", path);
		return EX_CANTCREAT;
	}
	o = wbuf_reserve(&w, 64);
	o = mpw_map(o, 3);
	o = mpw_lit(o, "type");
	o = mpw_lit(o, "ranks");
	o = mpw_lit(o, "schema");
	o = mpw_int(o, 1);
	o = mpw_lit(o, "revenues");
	o = mpw_array(o, ncond);
	wbuf_commit(&w, o);
	for (k = 0; k < ncond; k++) {
		o = wbuf_reserve(&w, 8 + 9 * revs[k].n);
		o = mpw_array(o, revs[k].n);
		for (i = 0; i < revs[k].n; i++)
			o = mpw_double(o, revs[k].v[i]);
		wbuf_commit(&w, o);
	}
	return wbuf_finish(&w, 0, path);
}

static int
bad(const char *path, const char *what)
{
	warnx("%s: %s", path, what);
	return EX_DATAERR;
}

int
ranks_read(const char *path, struct revs *revs, size_t ncond)
{
	size_t len, k;
	char *text = read_file(path, &len);
	struct mpc c;
	uint32_t n, i, m;
	int r = 0, found = 0;

	mpc_init(&c, text, len);
	if (mpc_map(&c, &n) != 0) {
		free(text);
		return bad(path, "not a rankings file (revisit-audience "
		    "--ranks-out)");
	}
	for (i = 0; i < n && r == 0; i++) {
		if (!mpc_key_is(&c, "revenues", 8)) {
			r = mpc_skip(&c) || mpc_skip(&c);
			continue;
		}
		found = 1;
		if ((r = mpc_skip(&c) || mpc_array(&c, &m)) != 0)
			break;
		if (m != ncond) {
			free(text);
			return bad(path, "rankings of other audience rules");
		}
		for (k = 0; k < ncond && r == 0; k++) {
			uint32_t nv, j;

			if ((r = mpc_array(&c, &nv)) != 0)
				break;
			for (j = 0; j < nv && r == 0; j++) {
				struct revs *rv = &revs[k];

				rv->v = grow_array(rv->v, &rv->cap, rv->n,
				    sizeof *rv->v);
				r = mpc_num(&c, &rv->v[rv->n++]);
			}
		}
	}
	free(text);
	if (r != 0 || !found)
		return bad(path, "a damaged rankings file");
	return 0;
}
