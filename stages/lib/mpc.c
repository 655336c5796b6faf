/*
 * mpc.c - reading MessagePack from its bytes, and framing records.
 */
#include "mpc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prog.h"
#include "readahead.h"
#include "wbuf.h"

#ifdef REVISIT_FUZZ_BUFFERS	/* fuzzing: records across reads; no mmap per input */
#define MPR_CHUNK	(4u << 10)
#else
#define MPR_CHUNK	(1u << 20)
#endif

static uint64_t
be(const unsigned char *p, int n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | *p++;
	return v;
}

/* Need n bytes at the cursor. */
#define NEED(c, n) do { if ((size_t)((c)->end - (c)->p) < (size_t)(n)) \
	return MPC_SHORT; } while (0)

/*
 * The header of the value at c: its kind, and for containers the count,
 * for strings/bins/exts the body size. Advances past the header only.
 */
enum kind { K_ATOM, K_BODY, K_ARRAY, K_MAP };

static int
header(struct mpc *c, enum kind *k, uint64_t *n)
{
	unsigned t;

	NEED(c, 1);
	t = *c->p++;
	*n = 0;
	*k = K_ATOM;
	if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3)
		return 0;
	if ((t & 0xf0) == 0x80) {
		*k = K_MAP;
		*n = t & 0x0f;
		return 0;
	}
	if ((t & 0xf0) == 0x90) {
		*k = K_ARRAY;
		*n = t & 0x0f;
		return 0;
	}
	if ((t & 0xe0) == 0xa0) {
		*k = K_BODY;
		*n = t & 0x1f;
		return 0;
	}
	switch (t) {
	case 0xcc: case 0xd0: NEED(c, 1); c->p += 1; return 0;
	case 0xcd: case 0xd1: NEED(c, 2); c->p += 2; return 0;
	case 0xce: case 0xd2: case 0xca: NEED(c, 4); c->p += 4; return 0;
	case 0xcf: case 0xd3: case 0xcb: NEED(c, 8); c->p += 8; return 0;
	case 0xc4: case 0xd9:
		NEED(c, 1); *k = K_BODY; *n = be(c->p, 1); c->p += 1; return 0;
	case 0xc5: case 0xda:
		NEED(c, 2); *k = K_BODY; *n = be(c->p, 2); c->p += 2; return 0;
	case 0xc6: case 0xdb:
		NEED(c, 4); *k = K_BODY; *n = be(c->p, 4); c->p += 4; return 0;
	case 0xd4: NEED(c, 2); c->p += 2; return 0;	/* fixext 1 */
	case 0xd5: NEED(c, 3); c->p += 3; return 0;
	case 0xd6: NEED(c, 5); c->p += 5; return 0;
	case 0xd7: NEED(c, 9); c->p += 9; return 0;
	case 0xd8: NEED(c, 17); c->p += 17; return 0;
	case 0xc7:
		NEED(c, 2); *k = K_BODY; *n = be(c->p, 1) + 1; c->p += 1; return 0;
	case 0xc8:
		NEED(c, 3); *k = K_BODY; *n = be(c->p, 2) + 1; c->p += 2; return 0;
	case 0xc9:
		NEED(c, 5); *k = K_BODY; *n = be(c->p, 4) + 1; c->p += 4; return 0;
	case 0xdc:
		NEED(c, 2); *k = K_ARRAY; *n = be(c->p, 2); c->p += 2; return 0;
	case 0xdd:
		NEED(c, 4); *k = K_ARRAY; *n = be(c->p, 4); c->p += 4; return 0;
	case 0xde:
		NEED(c, 2); *k = K_MAP; *n = be(c->p, 2); c->p += 2; return 0;
	case 0xdf:
		NEED(c, 4); *k = K_MAP; *n = be(c->p, 4); c->p += 4; return 0;
	default:
		return MPC_BAD;		/* 0xc1, never used */
	}
}

int
mpc_skip_slow(struct mpc *c)
{
	/* Iterative: values left to skip, a count that containers add to. */
	uint64_t left = 1;

	while (left > 0) {
		enum kind k;
		uint64_t n;
		unsigned t;
		int r;

		/* The common small types without the general decoder. */
		if (c->p < c->end) {
			t = *c->p;
			if (t <= 0x7f || t >= 0xe0) {
				c->p++;
				left--;
				continue;
			}
			if ((t & 0xe0) == 0xa0) {
				NEED(c, 1 + (t & 0x1f));
				c->p += 1 + (t & 0x1f);
				left--;
				continue;
			}
			if ((t & 0xf0) == 0x90) {
				c->p++;
				left = left - 1 + (t & 0x0f);
				continue;
			}
			if ((t & 0xf0) == 0x80) {
				c->p++;
				left = left - 1 + 2 * (t & 0x0f);
				continue;
			}
			if (t == 0xc0 || t == 0xc2 || t == 0xc3) {
				c->p++;
				left--;
				continue;
			}
			if (t == 0xcc || t == 0xcd || t == 0xce) {
				NEED(c, 1 + (1 << (t - 0xcc)));
				c->p += 1 + (1 << (t - 0xcc));
				left--;
				continue;
			}
			if (t == 0xd9) {
				NEED(c, 2);
				NEED(c, 2 + c->p[1]);
				c->p += 2 + c->p[1];
				left--;
				continue;
			}
			if (t == 0xcf || t == 0xcb) {
				NEED(c, 9);
				c->p += 9;
				left--;
				continue;
			}
		}
		if ((r = header(c, &k, &n)) != 0)
			return r;
		left--;
		if (k == K_BODY) {
			NEED(c, n);
			c->p += n;
		} else if (k == K_ARRAY) {
			left += n;
		} else if (k == K_MAP) {
			left += 2 * n;
		}
	}
	return 0;
}

int
mpc_depth_ok(const char *p, size_t n, unsigned maxdepth)
{
	/* Values still to read at each level; a container pushes one. */
	uint64_t left[MPC_MAX_DEPTH + 2];
	unsigned d = 0;
	struct mpc c;

	if (maxdepth > MPC_MAX_DEPTH)
		maxdepth = MPC_MAX_DEPTH;
	mpc_init(&c, p, n);
	left[0] = 1;
	for (;;) {
		enum kind k;
		uint64_t m;

		while (left[d] == 0) {
			if (d == 0)
				return 1;
			d--;
		}
		left[d]--;
		if (header(&c, &k, &m) != 0)
			return 0;
		if (k == K_BODY) {
			if ((uint64_t)(c.end - c.p) < m)
				return 0;
			c.p += m;
		} else if ((k == K_ARRAY || k == K_MAP) && m > 0) {
			if (++d > maxdepth)
				return 0;
			left[d] = k == K_MAP ? 2 * m : m;
		}
	}
}

/* A container header of the wanted kind; the cursor stays put if not. */
static int
container(struct mpc *c, enum kind want, uint32_t *n)
{
	const unsigned char *save = c->p;
	enum kind k;
	uint64_t m;
	int r;

	if ((r = header(c, &k, &m)) != 0)
		return r;
	if (k != want) {
		c->p = save;
		return MPC_BAD;
	}
	*n = (uint32_t)m;
	return 0;
}

int
mpc_map_slow(struct mpc *c, uint32_t *n)
{
	return container(c, K_MAP, n);
}

int
mpc_array_slow(struct mpc *c, uint32_t *n)
{
	return container(c, K_ARRAY, n);
}

int
mpc_str_slow(struct mpc *c, const char **s, size_t *n)
{
	const unsigned char *save = c->p;
	unsigned t;
	enum kind k;
	uint64_t m;
	int r;

	NEED(c, 1);
	t = *c->p;
	if (!((t & 0xe0) == 0xa0 || (t >= 0xc4 && t <= 0xc6) ||
	    (t >= 0xd9 && t <= 0xdb)))
		return MPC_BAD;
	if ((r = header(c, &k, &m)) != 0)
		return r;
	if ((size_t)(c->end - c->p) < m) {
		c->p = save;
		return MPC_SHORT;
	}
	*s = (const char *)c->p;
	*n = (size_t)m;
	c->p += m;
	return 0;
}

int
mpc_int_slow(struct mpc *c, int64_t *v)
{
	unsigned t;

	NEED(c, 1);
	t = *c->p;
	if (t <= 0x7f) {
		*v = t;
		c->p++;
		return 0;
	}
	if (t >= 0xe0) {
		*v = (int8_t)t;
		c->p++;
		return 0;
	}
	switch (t) {
	case 0xcc: NEED(c, 2); *v = (int64_t)be(c->p + 1, 1); c->p += 2; return 0;
	case 0xcd: NEED(c, 3); *v = (int64_t)be(c->p + 1, 2); c->p += 3; return 0;
	case 0xce: NEED(c, 5); *v = (int64_t)be(c->p + 1, 4); c->p += 5; return 0;
	case 0xcf: {
		uint64_t u;

		NEED(c, 9);
		u = be(c->p + 1, 8);
		if (u > INT64_MAX)
			return MPC_BAD;
		*v = (int64_t)u;
		c->p += 9;
		return 0;
	}
	case 0xd0: NEED(c, 2); *v = (int8_t)be(c->p + 1, 1); c->p += 2; return 0;
	case 0xd1: NEED(c, 3); *v = (int16_t)be(c->p + 1, 2); c->p += 3; return 0;
	case 0xd2: NEED(c, 5); *v = (int32_t)be(c->p + 1, 4); c->p += 5; return 0;
	case 0xd3: NEED(c, 9); *v = (int64_t)be(c->p + 1, 8); c->p += 9; return 0;
	default: return MPC_BAD;
	}
}

int
mpc_u64(struct mpc *c, uint64_t *v)
{
	int64_t i;

	NEED(c, 1);
	if (*c->p == 0xcf) {
		NEED(c, 9);
		*v = be(c->p + 1, 8);
		c->p += 9;
		return 0;
	}
	if (mpc_int(c, &i) != 0 || i < 0)
		return MPC_BAD;
	*v = (uint64_t)i;
	return 0;
}

int
mpc_bool(struct mpc *c, int *v)
{
	NEED(c, 1);
	if (*c->p != 0xc2 && *c->p != 0xc3)
		return MPC_BAD;
	*v = *c->p++ == 0xc3;
	return 0;
}

int
mpc_num(struct mpc *c, double *v)
{
	int64_t i;

	NEED(c, 1);
	if (*c->p == 0xcb) {
		uint64_t u;

		NEED(c, 9);
		u = be(c->p + 1, 8);
		memcpy(v, &u, sizeof *v);
		c->p += 9;
		return 0;
	}
	if (*c->p == 0xca) {
		uint32_t u;
		float f;

		NEED(c, 5);
		u = (uint32_t)be(c->p + 1, 4);
		memcpy(&f, &u, sizeof f);
		*v = f;
		c->p += 5;
		return 0;
	}
	if (mpc_int(c, &i) != 0)
		return MPC_BAD;
	*v = (double)i;
	return 0;
}

int
mpc_nil(struct mpc *c)
{
	if (c->p < c->end && *c->p == 0xc0) {
		c->p++;
		return 1;
	}
	return 0;
}

int
mpc_key_is(const struct mpc *c, const char *k, size_t klen)
{
	const unsigned char *p = c->p;

	/* Keys are short: a fixstr header, then the bytes. */
	if (klen < 32)
		return p < c->end && *p == (0xa0 | klen) &&
		    (size_t)(c->end - p - 1) >= klen &&
		    memcmp(p + 1, k, klen) == 0;
	{
		struct mpc t = *c;
		const char *s;
		size_t n;

		return mpc_str(&t, &s, &n) == 0 && n == klen &&
		    memcmp(s, k, n) == 0;
	}
}

int
mpc_record_type(const char *rec, size_t len, const char **t, size_t *n)
{
	struct mpc c;
	uint32_t m, i;

	mpc_init(&c, rec, len);
	if (mpc_map(&c, &m) != 0)
		return -1;
	for (i = 0; i < m; i++) {
		if (mpc_key_is(&c, "type", 4)) {
			c.p += 5;
			return mpc_str(&c, t, n) == 0 ? 0 : -1;
		}
		if (mpc_skip(&c) != 0 || mpc_skip(&c) != 0)
			return -1;
	}
	return -1;
}

static void
mpr_setup(struct mpr *r, int fd, const char *name, size_t cap)
{
	memset(r, 0, sizeof *r);
	r->fd = fd;
	r->name = name;
	r->cap = cap;
	if ((r->buf = r->own = malloc(r->cap)) == NULL)
		die(EX_OSERR, "out of memory");
}

void
mpr_init(struct mpr *r, int fd, const char *name)
{
	mpr_setup(r, fd, name, MPR_CHUNK);
}

void
mpr_init_range(struct mpr *r, int fd, const char *name, uint64_t from,
    uint64_t to, size_t cap)
{
	mpr_setup(r, fd, name, cap > 0 ? cap : MPR_CHUNK);
	r->ranged = 1;
	r->off = r->rpos = from;
	r->rend = to;
}

void
mpr_free(struct mpr *r)
{
	ra_stop(r->ra);
	r->ra = NULL;
	free(r->own);
	r->buf = r->own = NULL;
}

static int
too_long(struct mpr *r)
{
	warnx("%s: record %llu: longer than %u MiB at byte %llu", r->name,
	    (unsigned long long)r->nrec + 1, MPR_MAX_RECORD >> 20,
	    (unsigned long long)(r->off + r->len));
	r->status = EX_DATAERR;
	return -1;
}

/*
 * The next block read ahead, after the unread end of the current one:
 * in the block's free head, or for a longer end, in own.
 */
static int
ra_more(struct mpr *r)
{
	size_t rem = r->len - r->pos;
	ssize_t n;
	char *p;

	if (rem >= MPR_MAX_RECORD)
		return too_long(r);
	if ((n = ra_next(r->ra, &p)) < 0) {
		warnx("%s: read error:", r->name);
		r->status = EX_IOERR;
		return -1;
	}
	if (n == 0) {
		r->eof = 1;
		return 0;
	}
	r->off += r->pos;
	if (rem <= RA_HEAD) {
		memcpy(p - rem, r->buf + r->pos, rem);
		r->buf = p - rem;
	} else {
		if (r->buf == r->own)
			memmove(r->own, r->own + r->pos, rem);
		if (rem + (size_t)n > r->cap) {
			char *q;

			while (rem + (size_t)n > r->cap)
				r->cap *= 2;
			if ((q = realloc(r->own, r->cap)) == NULL)
				die(EX_OSERR, "out of memory");
			if (r->buf == r->own)
				r->buf = q;
			r->own = q;
		}
		if (r->buf != r->own)	/* the last block, still valid */
			memcpy(r->own, r->buf + r->pos, rem);
		memcpy(r->own + rem, p, (size_t)n);
		r->buf = r->own;
	}
	r->pos = 0;
	r->len = rem + (size_t)n;
	return 1;
}

int
mpr_more(struct mpr *r)
{
	ssize_t n;

	if (r->eof)
		return 0;
	if (!r->ra_tried) {
		r->ra_tried = 1;
		if (!r->ranged && r->len == 0 && ra_wanted(r->fd))
			r->ra = ra_start(r->fd);
	}
	if (r->ra != NULL)
		return ra_more(r);
	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->off += r->pos;
		r->len -= r->pos;
		r->pos = 0;
	}
	if (r->len == r->cap) {
		if (r->len >= MPR_MAX_RECORD)
			return too_long(r);
		r->cap *= 2;
		if ((r->buf = r->own = realloc(r->own, r->cap)) == NULL)
			die(EX_OSERR, "out of memory");
	}
	if (r->ranged) {
		size_t want = r->cap - r->len;

		if (r->rend - r->rpos < want)
			want = (size_t)(r->rend - r->rpos);
		do
			n = want ? pread(r->fd, r->buf + r->len, want,
			    (off_t)r->rpos) : 0;
		while (n < 0 && errno == EINTR);
		if (n > 0)
			r->rpos += (uint64_t)n;
	} else {
		do
			n = read(r->fd, r->buf + r->len, r->cap - r->len);
		while (n < 0 && errno == EINTR);
	}
	if (n < 0) {
		warnx("%s: read error:", r->name);
		r->status = EX_IOERR;
		return -1;
	}
	if (n == 0) {
		r->eof = 1;
		return 0;
	}
	r->len += (size_t)n;
	return 1;
}

int
mpr_truncated(struct mpr *r)
{
	warnx("%s: record %llu: truncated MessagePack at byte %llu", r->name,
	    (unsigned long long)r->nrec + 1,
	    (unsigned long long)(r->off + r->len));
	r->status = EX_DATAERR;
	return -1;
}

int
mpr_next(struct mpr *r, const char **rec, size_t *len)
{
	for (;;) {
		struct mpc c;
		int e;

		if (r->pos < r->len) {
			mpc_init(&c, r->buf + r->pos, r->len - r->pos);
			e = mpc_skip(&c);
			if (e == 0) {
				*rec = r->buf + r->pos;
				*len = (size_t)((const char *)c.p - *rec);
				mpr_consume(r, *len);
				return 1;
			}
			if (e == MPC_BAD) {
				warnx("%s: record %llu: bad MessagePack at byte %llu",
				    r->name, (unsigned long long)r->nrec + 1,
				    (unsigned long long)(r->off + r->pos));
				r->status = EX_DATAERR;
				return -1;
			}
		}
		e = mpr_more(r);
		if (e < 0)
			return -1;
		if (e == 0)
			return r->pos < r->len ? mpr_truncated(r) : 0;
	}
}
