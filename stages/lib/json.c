/*
 * json.c - JSON strings (binary-safe), numbers and skipping.
 */
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0))
			return 0;	/* overlong, or a surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

void
json_put_str(struct wbuf *w, const char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0, run = 0;

	wbuf_putc(w, '"');
	while (i < n) {
		unsigned c = s[i];
		size_t k;
		char esc[8];

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			i++;
			run++;
			continue;
		}
		if (c >= 0x80 && (k = utf8_len(s + i, n - i)) > 0) {
			i += k;
			run += k;
			continue;
		}
		wbuf_write(w, s + i - run, run);
		run = 0;
		switch (c) {
		case '"':  wbuf_write(w, "\\\"", 2); break;
		case '\\': wbuf_write(w, "\\\\", 2); break;
		case '\n': wbuf_write(w, "\\n", 2); break;
		case '\r': wbuf_write(w, "\\r", 2); break;
		case '\t': wbuf_write(w, "\\t", 2); break;
		default:
			memcpy(esc, c < 0x80 ? "\\u00" : "\\udc", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			wbuf_write(w, esc, 6);
		}
		i++;
	}
	if (run > 0)	/* s may be NULL for an empty string */
		wbuf_write(w, s + i - run, run);
	wbuf_putc(w, '"');
}

void
json_ws(struct jcur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
	    *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int
hex4(const char *s, unsigned *v)
{
	unsigned x = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char h = s[i];

		x <<= 4;
		if (h >= '0' && h <= '9')
			x |= (unsigned)(h - '0');
		else if (h >= 'a' && h <= 'f')
			x |= (unsigned)(h - 'a' + 10);
		else if (h >= 'A' && h <= 'F')
			x |= (unsigned)(h - 'A' + 10);
		else
			return -1;
	}
	*v = x;
	return 0;
}

static size_t
put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

int
json_get_str(struct jcur *c, char *out, size_t *outlen)
{
	const char *s = c->p, *end = c->end;
	size_t o = 0;

	if (s >= end || *s != '"')
		return -1;
	s++;
	for (;;) {
		const char *q = s;

		/* Copy the plain run up to the next quote or backslash. */
		while (q < end && *q != '"' && *q != '\\')
			q++;
		memcpy(out + o, s, (size_t)(q - s));
		o += (size_t)(q - s);
		s = q;
		if (s >= end) {
			c->p = s;
			return -1;
		}
		if (*s == '"')
			break;
		if (s + 1 >= end) {
			c->p = s;
			return -1;
		}
		switch (s[1]) {
		case '"': out[o++] = '"'; s += 2; break;
		case '\\': out[o++] = '\\'; s += 2; break;
		case '/': out[o++] = '/'; s += 2; break;
		case 'b': out[o++] = '\b'; s += 2; break;
		case 'f': out[o++] = '\f'; s += 2; break;
		case 'n': out[o++] = '\n'; s += 2; break;
		case 'r': out[o++] = '\r'; s += 2; break;
		case 't': out[o++] = '\t'; s += 2; break;
		case 'u': {
			unsigned cp, lo;

			if (end - s < 6 || hex4(s + 2, &cp) != 0) {
				c->p = s;
				return -1;
			}
			s += 6;
			if (cp >= 0xd800 && cp <= 0xdbff && end - s >= 6 &&
			    s[0] == '\\' && s[1] == 'u' && hex4(s + 2, &lo) == 0 &&
			    lo >= 0xdc00 && lo <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				s += 6;
			} else if (cp >= 0xdc80 && cp <= 0xdcff) {
				/* A lone low surrogate: a raw byte. */
				out[o++] = (char)(cp - 0xdc00);
				break;
			} else if (cp >= 0xd800 && cp <= 0xdfff) {
				cp = 0xfffd;
			}
			o += put_utf8(out + o, cp);
			break;
		}
		default:
			c->p = s;
			return -1;
		}
	}
	c->p = s + 1;
	*outlen = o;
	return 0;
}

int
json_get_num(struct jcur *c, int64_t *i, double *d, int *is_int)
{
	const char *s = c->p, *e;
	char buf[64];
	int frac = 0;
	size_t n;

	e = s;
	if (e < c->end && *e == '-')
		e++;
	if (e >= c->end || *e < '0' || *e > '9')
		return -1;
	while (e < c->end && ((*e >= '0' && *e <= '9') || *e == '.' ||
	    *e == 'e' || *e == 'E' || *e == '+' || *e == '-')) {
		if (*e == '.' || *e == 'e' || *e == 'E')
			frac = 1;
		e++;
	}
	n = (size_t)(e - s);
	if (n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (!frac) {
		char *end;

		errno = 0;
		*i = strtoll(buf, &end, 10);
		if (errno == 0 && *end == '\0') {
			*is_int = 1;
			c->p = e;
			return 0;
		}
	}
	{
		char *end;

		*d = strtod(buf, &end);
		if (*end != '\0' || !isfinite(*d))
			return -1;
	}
	*is_int = 0;
	c->p = e;
	return 0;
}

int
json_lit(struct jcur *c, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(c->end - c->p) >= n && memcmp(c->p, word, n) == 0) {
		c->p += n;
		return 1;
	}
	return 0;
}

int
json_skip(struct jcur *c)
{
	int depth = 0;

	do {
		json_ws(c);
		if (c->p >= c->end)
			return -1;
		switch (*c->p) {
		case '{':
		case '[':
			depth++;
			c->p++;
			continue;
		case '}':
		case ']':
			if (depth == 0)
				return -1;
			depth--;
			c->p++;
			break;
		case ',':
		case ':':
			if (depth == 0)
				return -1;
			c->p++;
			continue;
		case '"': {
			const char *s = c->p + 1;

			while (s < c->end && *s != '"')
				s += *s == '\\' ? 2 : 1;
			if (s >= c->end)
				return -1;
			c->p = s + 1;
			break;
		}
		default: {
			int64_t i;
			double d;
			int is_int;

			if (!json_lit(c, "true") && !json_lit(c, "false") &&
			    !json_lit(c, "null") &&
			    json_get_num(c, &i, &d, &is_int) != 0)
				return -1;
		}
		}
	} while (depth > 0);
	return 0;
}

void
json_put_double(struct wbuf *w, double d)
{
	char buf[40];

	if (!isfinite(d)) {
		wbuf_puts(w, "null");	/* JSON has no NaN or infinity */
		return;
	}
	snprintf(buf, sizeof buf, "%.15g", d);
	if (strtod(buf, NULL) != d)
		snprintf(buf, sizeof buf, "%.17g", d);
	wbuf_puts(w, buf);
	if (!strpbrk(buf, ".eEn"))
		wbuf_puts(w, ".0");
}

void
jw_init(struct jw *j, struct wbuf *w)
{
	j->w = w;
	j->depth = 0;
	j->started = 0;
}

/* Before a value: the comma if the level has one already, the key. */
static void
jw_value(struct jw *j, const char *key)
{
	uint64_t bit = (uint64_t)1 << j->depth;

	if (j->started & bit)
		wbuf_putc(j->w, ',');
	j->started |= bit;
	if (key) {
		json_put_str(j->w, key, strlen(key));
		wbuf_putc(j->w, ':');
	}
}

void
jw_open(struct jw *j, const char *key, char brace)
{
	jw_value(j, key);
	wbuf_putc(j->w, brace);
	j->depth++;
	j->started &= ~((uint64_t)1 << j->depth);
}

void
jw_close(struct jw *j, char brace)
{
	j->depth--;
	wbuf_putc(j->w, brace);
}

void
jw_str(struct jw *j, const char *key, const char *p, size_t n)
{
	jw_value(j, key);
	json_put_str(j->w, p, n);
}

void
jw_int(struct jw *j, const char *key, int64_t v)
{
	char buf[32];

	jw_value(j, key);
	snprintf(buf, sizeof buf, "%lld", (long long)v);
	wbuf_puts(j->w, buf);
}

void
jw_double(struct jw *j, const char *key, double v)
{
	jw_value(j, key);
	json_put_double(j->w, v);
}

void
jw_bool(struct jw *j, const char *key, int v)
{
	jw_value(j, key);
	wbuf_puts(j->w, v ? "true" : "false");
}

void
jw_fixed(struct jw *j, const char *key, double v, int decimals)
{
	char buf[64];

	jw_value(j, key);
	if (v < 0)
		snprintf(buf, sizeof buf, "null");
	else
		snprintf(buf, sizeof buf, "%.*f", decimals, v);
	wbuf_puts(j->w, buf);
}
