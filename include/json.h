/*
 * json.h - the JSON revisit reads and writes: JSON Lines from revisit-dump,
 * JSON access logs (nginx escape=json) in revisit-parse, reports.
 *
 * Binary safety: record strings are bytes as logged, not always UTF-8.
 * json_put_str writes each byte that is not part of valid UTF-8 as a lone
 * low surrogate escape \udcXX (XX = the byte, 80..ff), as Python's
 * "surrogateescape" does; json_get_str turns such escapes back into the
 * byte, so dump | dump --pack gives back the same bytes.
 */
#ifndef REVISIT_JSON_H
#define REVISIT_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "wbuf.h"

/* Write p[0..n) as a quoted JSON string. */
void	json_put_str(struct wbuf *, const char *p, size_t n);

/* A double, shortest text that reads back the same, always with a
 * decimal point or exponent (so it reads back as a float); null if not
 * finite. */
void	json_put_double(struct wbuf *, double d);

/*
 * Writing objects and arrays: the writer remembers, per level, whether a
 * value came already, so the commas come by themselves. key is the name
 * of the value inside an object, NULL inside an array (or at the top).
 */
struct jw {
	struct wbuf	*w;
	unsigned	 depth;		/* at most 63 */
	uint64_t	 started;	/* bit d: level d has a value */
};

void	jw_init(struct jw *, struct wbuf *);
void	jw_open(struct jw *, const char *key, char brace);	/* { or [ */
void	jw_close(struct jw *, char brace);			/* } or ] */
void	jw_str(struct jw *, const char *key, const char *p, size_t n);
void	jw_int(struct jw *, const char *key, int64_t v);
void	jw_double(struct jw *, const char *key, double v);
void	jw_bool(struct jw *, const char *key, int v);
/* A number with a fixed count of decimals; null if negative. */
void	jw_fixed(struct jw *, const char *key, double v, int decimals);

/* A cursor over JSON text; p advances as values are read. */
struct jcur {
	const char	*p, *end;
};

void	json_ws(struct jcur *);
/*
 * At a '"': decode the string into out (room for as many bytes as the
 * encoded text has), set *outlen, advance past the closing quote.
 * Returns 0, or -1 on bad syntax (the cursor then points near the error).
 */
int	json_get_str(struct jcur *, char *out, size_t *outlen);
/* Skip one value of any type. 0 or -1. */
int	json_skip(struct jcur *);
/*
 * A number: *is_int set when it has no fraction or exponent and fits
 * int64 (then *i holds it), else *d holds it. 0 or -1.
 */
int	json_get_num(struct jcur *, int64_t *i, double *d, int *is_int);
/* Whether the cursor is at literal word (true, false, null); advances. */
int	json_lit(struct jcur *, const char *word);

#endif
