/*
 * mpk.h - MessagePack between stages: a packer that writes into a wbuf,
 * a streaming record reader, and lookups in unpacked maps.
 *
 * Every record is a map with a "type" key. Strings are MessagePack str;
 * their bytes are passed through as logged (invalid UTF-8 included).
 */
#ifndef REVISIT_MPK_H
#define REVISIT_MPK_H

#include <msgpack.h>
#include <stdint.h>
#include <string.h>

#include "mpc.h"
#include "wbuf.h"

/* A packer whose output goes to w (borrowed; must outlive the packer). */
void	mpk_init(msgpack_packer *, struct wbuf *w);

static inline void
mpk_str(msgpack_packer *pk, const char *s, size_t len)
{
	msgpack_pack_str(pk, len);
	msgpack_pack_str_body(pk, s, len);
}

static inline void
mpk_cstr(msgpack_packer *pk, const char *s)
{
	mpk_str(pk, s, strlen(s));
}

/*
 * Direct encoders for hot paths: they write MessagePack into memory the
 * caller reserved (wbuf_reserve), with the same encodings msgpack-c's
 * packer chooses, and return the end. A record written this way is read
 * back by msgpack-c like any other (tests check the bytes are equal).
 */
#define MPW_STR_MAX(n)	((n) + 5)	/* header + bytes */
#define MPW_INT_MAX	9

/* v's low bytes, big-endian: one byte swap and one store for the sizes
 * MessagePack uses (every timestamp is 8 of them), not a byte at a time. */
static inline char *
mpw_be(char *p, uint64_t v, int bytes)
{
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t b8;
	uint32_t b4;
	uint16_t b2;

	switch (bytes) {
	case 8:
		b8 = __builtin_bswap64(v);
		memcpy(p, &b8, 8);
		return p + 8;
	case 4:
		b4 = __builtin_bswap32((uint32_t)v);
		memcpy(p, &b4, 4);
		return p + 4;
	case 2:
		b2 = __builtin_bswap16((uint16_t)v);
		memcpy(p, &b2, 2);
		return p + 2;
	}
#endif
	while (bytes-- > 0)
		*p++ = (char)(v >> (8 * bytes));
	return p;
}

static inline char *
mpw_map(char *p, size_t n)
{
	if (n < 16) {
		*p++ = (char)(0x80 | n);
		return p;
	}
	if (n < 65536) {
		*p++ = (char)0xde;
		return mpw_be(p, n, 2);
	}
	*p++ = (char)0xdf;
	return mpw_be(p, n, 4);
}

static inline char *
mpw_array(char *p, size_t n)
{
	if (n < 16) {
		*p++ = (char)(0x90 | n);
		return p;
	}
	if (n < 65536) {
		*p++ = (char)0xdc;
		return mpw_be(p, n, 2);
	}
	*p++ = (char)0xdd;
	return mpw_be(p, n, 4);
}

static inline char *
mpw_double(char *p, double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof u);
	*p++ = (char)0xcb;
	return mpw_be(p, u, 8);
}

static inline char *
mpw_str(char *p, const char *s, size_t n)
{
	if (n < 32) {
		*p++ = (char)(0xa0 | n);
	} else if (n < 256) {
		*p++ = (char)0xd9;
		*p++ = (char)n;
	} else if (n < 65536) {
		*p++ = (char)0xda;
		p = mpw_be(p, n, 2);
	} else {
		*p++ = (char)0xdb;
		p = mpw_be(p, n, 4);
	}
	if (n)		/* an empty string may have no bytes (NULL) */
		memcpy(p, s, n);
	return p + n;
}

/* A literal key or value: mpw_lit(p, "type"). */
#define mpw_lit(p, s)	mpw_str((p), (s), sizeof(s) - 1)

static inline char *
mpw_uint(char *p, uint64_t u)
{
	if (u < 128) {
		*p++ = (char)u;
	} else if (u < 256) {
		*p++ = (char)0xcc;
		*p++ = (char)u;
	} else if (u < 65536) {
		*p++ = (char)0xcd;
		p = mpw_be(p, u, 2);
	} else if (u < 4294967296ULL) {
		*p++ = (char)0xce;
		p = mpw_be(p, u, 4);
	} else {
		*p++ = (char)0xcf;
		p = mpw_be(p, u, 8);
	}
	return p;
}

static inline char *
mpw_int(char *p, int64_t v)
{
	if (v >= 0) {
		p = mpw_uint(p, (uint64_t)v);
	} else if (v >= -32) {
		*p++ = (char)v;
	} else if (v >= -128) {
		*p++ = (char)0xd0;
		*p++ = (char)v;
	} else if (v >= -32768) {
		*p++ = (char)0xd1;
		p = mpw_be(p, (uint64_t)v, 2);
	} else if (v >= -2147483648LL) {
		*p++ = (char)0xd2;
		p = mpw_be(p, (uint64_t)v, 4);
	} else {
		*p++ = (char)0xd3;
		p = mpw_be(p, (uint64_t)v, 8);
	}
	return p;
}

/* Any uint64 (a hash, a session id), always as 0xcf and 8 bytes. */
static inline char *
mpw_u64(char *p, uint64_t v)
{
	*p++ = (char)0xcf;
	return mpw_be(p, v, 8);
}

static inline char *
mpw_bool(char *p, int v)
{
	*p++ = (char)(v ? 0xc3 : 0xc2);
	return p;
}

/*
 * Streaming reader of MessagePack records from a file descriptor: each
 * record cut by mpr (mpc.h), checked to nest at most MPC_MAX_DEPTH deep,
 * then unpacked by msgpack-c, so that no record makes it recurse or
 * allocate beyond a bound. The object returned by recin_next() is valid
 * until the next call.
 */
struct recin {
	struct mpr		 in;
	msgpack_unpacked	 res;
	const char		*name;		/* for messages, borrowed */
	uint64_t		 nrec;		/* records returned so far */
	int			 status;	/* after -1: EX_DATAERR or EX_IOERR */
};

void	recin_init(struct recin *, int fd, const char *name);
void	recin_free(struct recin *);

/*
 * Next record: 1 and *obj set, 0 at the end of input, or -1 after
 * reporting bad or truncated MessagePack (with the record number and byte
 * offset) or a read error; r->status then says which (EX_DATAERR or
 * EX_IOERR).
 */
int	recin_next(struct recin *, msgpack_object **obj);

/* Value for key in map m, or NULL (also when m is not a map). */
const msgpack_object	*mpk_get(const msgpack_object *m, const char *key);
/* Whether o is a str equal to s. */
int	mpk_is(const msgpack_object *o, const char *s);

#endif
