/*
 * mpc.h - MessagePack read straight from its bytes: a cursor that reads
 * or skips one value at a time, and a framer that cuts a byte stream from
 * a file descriptor into whole records.
 *
 * The hot stages (sessionize, funnel) read hits and sessions through
 * these instead of msgpack-c's object trees: no allocation per record,
 * strings stay views into the input buffer, and records they pass on are
 * copied as the bytes they came as. msgpack-c still reads everything
 * else (revisit-dump, tests), and the tests check both agree.
 */
#ifndef REVISIT_MPC_H
#define REVISIT_MPC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct mpc {
	const unsigned char	*p, *end;
};

/* Results of the readers: 0 ok; these when not. */
#define MPC_SHORT	-1	/* the value runs past the end */
#define MPC_BAD		-2	/* not MessagePack, or not that type */

/* In a decoder that reads a record where it lies (mpr_scan): return
 * MPC_SHORT as it is, any other failure of e as MPC_BAD. */
#define MPC_TRY(e) do { int r_ = (e); if (r_ != 0) \
	return r_ == MPC_SHORT ? MPC_SHORT : MPC_BAD; } while (0)

static inline void
mpc_init(struct mpc *c, const void *p, size_t n)
{
	c->p = p;
	c->end = c->p + n;
}

int	mpc_skip_slow(struct mpc *);
int	mpc_map_slow(struct mpc *, uint32_t *n);
int	mpc_array_slow(struct mpc *, uint32_t *n);
/* A str (or bin) value: a view into the bytes. */
int	mpc_str_slow(struct mpc *, const char **s, size_t *n);
/* An integer value that fits int64. */
int	mpc_int_slow(struct mpc *, int64_t *v);

/* Inline fast paths for what records are mostly made of: small maps
 * and arrays, short strings and small or 64-bit integers. */
static inline int
mpc_map(struct mpc *c, uint32_t *n)
{
	if (c->p < c->end && (*c->p & 0xf0) == 0x80) {
		*n = *c->p++ & 0x0f;
		return 0;
	}
	return mpc_map_slow(c, n);
}

static inline int
mpc_array(struct mpc *c, uint32_t *n)
{
	if (c->p < c->end && (*c->p & 0xf0) == 0x90) {
		*n = *c->p++ & 0x0f;
		return 0;
	}
	return mpc_array_slow(c, n);
}

/* Skip one value, and all it holds. The values stages skip are mostly
 * short strings, small integers and timestamps: those inline. */
static inline int
mpc_skip(struct mpc *c)
{
	const unsigned char *p = c->p;

	if (p < c->end) {
		unsigned t = *p;

		if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 ||
		    t == 0xc3) {
			c->p = p + 1;
			return 0;
		}
		if ((t & 0xe0) == 0xa0 &&
		    (size_t)(c->end - p - 1) >= (t & 0x1f)) {
			c->p = p + 1 + (t & 0x1f);
			return 0;
		}
		if (t == 0xcf && c->end - p >= 9) {
			c->p = p + 9;
			return 0;
		}
	}
	return mpc_skip_slow(c);
}

static inline int
mpc_str(struct mpc *c, const char **s, size_t *n)
{
	const unsigned char *p = c->p;

	if (p < c->end && (*p & 0xe0) == 0xa0) {
		size_t k = *p & 0x1f;

		if ((size_t)(c->end - p - 1) < k)
			return MPC_SHORT;
		*s = (const char *)p + 1;
		*n = k;
		c->p = p + 1 + k;
		return 0;
	}
	if (c->end - p >= 2 && *p == 0xd9) {
		size_t k = p[1];

		if ((size_t)(c->end - p - 2) < k)
			return MPC_SHORT;
		*s = (const char *)p + 2;
		*n = k;
		c->p = p + 2 + k;
		return 0;
	}
	return mpc_str_slow(c, s, n);
}

static inline int
mpc_int(struct mpc *c, int64_t *v)
{
	const unsigned char *p = c->p;

	if (p < c->end && *p <= 0x7f) {
		*v = *p;
		c->p = p + 1;
		return 0;
	}
	/* uint 8, 16, 32: statuses, sizes, counts, amounts in cents. */
	if (c->end - p >= 5 && (*p == 0xcc || *p == 0xcd || *p == 0xce)) {
		int n = 1 << (*p - 0xcc);
		uint64_t u = 0;
		int i;

		for (i = 1; i <= n; i++)
			u = u << 8 | p[i];
		*v = (int64_t)u;
		c->p = p + 1 + n;
		return 0;
	}
	/* uint 64: every timestamp (milliseconds). */
	if (c->end - p >= 9 && *p == 0xcf && p[1] < 0x80) {
		uint64_t u;
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		memcpy(&u, p + 1, 8);
		u = __builtin_bswap64(u);
#else
		int i;

		for (u = 0, i = 1; i <= 8; i++)
			u = u << 8 | p[i];
#endif
		*v = (int64_t)u;
		c->p = p + 9;
		return 0;
	}
	return mpc_int_slow(c, v);
}
/* A non-negative integer up to 2^64 - 1. */
int	mpc_u64(struct mpc *, uint64_t *v);
/* true or false. */
int	mpc_bool(struct mpc *, int *v);
/* A float or integer value, as a double. */
int	mpc_num(struct mpc *, double *v);
/* Whether the next value is nil (and then skip it). */
int	mpc_nil(struct mpc *);
/* The key is k: compare a str key at the cursor without moving it. */
int	mpc_key_is(const struct mpc *, const char *k, size_t klen);

/*
 * The "type" of a record (a map): a view of its str value, 0; or -1 when
 * the record is not a map or has no str "type".
 */
int	mpc_record_type(const char *rec, size_t len, const char **t, size_t *n);

/*
 * Whether the value at [p, p + n) is whole and nests arrays and maps at
 * most maxdepth (at most MPC_MAX_DEPTH) deep: what a reader that builds
 * objects (msgpack-c) may be given without recursing or allocating
 * beyond what the bytes hold.
 */
#define MPC_MAX_DEPTH	24
int	mpc_depth_ok(const char *p, size_t n, unsigned maxdepth);

/* A reader of whole records from a file descriptor. A record longer
 * than MPR_MAX_RECORD is an error, not a reason to buffer the input. */
#define MPR_MAX_RECORD	(256u << 20)
struct mpr {
	int		 fd;
	const char	*name;		/* for messages, borrowed */
	char		*buf;
	size_t		 cap, pos, len;
	int		 eof;
	uint64_t	 off;		/* stream offset of buf[0] */
	uint64_t	 nrec;
	int		 status;	/* after -1: EX_DATAERR or EX_IOERR */
	int		 ranged;	/* reads [rpos, rend) with pread */
	uint64_t	 rpos, rend;
	/* A pipe is read ahead by a thread (readahead.h); buf then points
	 * into its blocks, or into own for a record longer than RA_HEAD. */
	struct ra	*ra;
	int		 ra_tried;
	char		*own;		/* the buffer allocated here, cap bytes */
};

void	mpr_init(struct mpr *, int fd, const char *name);
/*
 * A reader of the bytes [from, to) of fd, by pread: several may read
 * one descriptor at once. Its buffer starts at cap bytes (grown for a
 * longer record); its offsets are the file's.
 */
void	mpr_init_range(struct mpr *, int fd, const char *name, uint64_t from,
	    uint64_t to, size_t cap);
void	mpr_free(struct mpr *);
/*
 * The next record's bytes, valid until the next call: 1, 0 at the end,
 * or -1 after a message (bad or truncated MessagePack, read error).
 */
int	mpr_next(struct mpr *, const char **rec, size_t *len);
/*
 * The bytes buffered from the next record on, for decoding in one pass:
 * decode them, then mpr_consume() the record's length; if the buffer
 * ends inside the record, mpr_more() and try again. mpr_more returns 1,
 * 0 at the end of input (with no more bytes), or -1 on a read error.
 */
static inline const char *
mpr_window(const struct mpr *r, size_t *avail)
{
	*avail = r->len - r->pos;
	return r->buf + r->pos;
}

static inline void
mpr_consume(struct mpr *r, size_t n)
{
	r->pos += n;
	r->nrec++;
}

int	mpr_more(struct mpr *);
/* Report bytes left at the end of input as a cut record; returns -1. */
int	mpr_truncated(struct mpr *);

/*
 * The next record, read where it lies in the buffer by scan(arg, p,
 * avail, &len): 0 with its length, MPC_SHORT if it runs past avail (it
 * is called again with more), MPC_BAD if scan cannot read it. Returns 1
 * with *rec, *len and *scanned (0: scan could not read it, and the
 * record was framed on its own), 0 at the end, or -1 after a message
 * (a cut or bad record, a read error; r->status says which).
 */
static inline int
mpr_scan(struct mpr *r, int (*scan)(void *, const char *, size_t, size_t *),
    void *arg, const char **rec, size_t *len, int *scanned)
{
	size_t avail;
	int k;

	*scanned = 0;
	for (;;) {
		*rec = mpr_window(r, &avail);
		k = avail ? scan(arg, *rec, avail, len) : MPC_SHORT;
		if (k != MPC_SHORT)
			break;
		if ((k = mpr_more(r)) > 0)
			continue;
		if (k == 0 && avail > 0)
			return mpr_truncated(r);
		return k;
	}
	if (k == 0) {
		*scanned = 1;
		mpr_consume(r, *len);
		return 1;
	}
	return mpr_next(r, rec, len);
}

/* Bytes read so far (for progress). */
static inline uint64_t
mpr_bytes(const struct mpr *r)
{
	return r->off + r->len;
}

#endif
