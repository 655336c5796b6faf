/*
 * scan.c - split a log line into fields by a compiled format.
 *
 * A field ends where the next literal begins (its first byte is the
 * field's stop byte), except a field between two '"' literals, which ends
 * at the next '"' not escaped by a backslash (Apache writes \" and \\;
 * nginx writes \x22). One left-to-right scan with memchr; no regex, no
 * allocation.
 *
 * Leniency, each for a real-world reason:
 * - a run of spaces in a literal matches a run of one or more spaces
 *   (hand-aligned logs);
 * - a line may end early, once time and status are read, leaving the
 *   remaining fields absent: a combined parser reads common-format lines
 *   (Apache logs mix both when a vhost changes its LogFormat);
 * - text after the last item is ignored (a trailing "$http_x_forwarded_for"
 *   added later to the server's format);
 * - the address field may hold a proxy chain: "a, b, c" or a quoted list
 *   followed by the peer address (nginx behind CDNs logs these);
 * - a quoted field followed by a mismatch is retried up to the next quote,
 *   so one stray unescaped '"' in a URL does not lose the line.
 */
#include <ctype.h>
#include <string.h>

#include "logfmt.h"

#define MAX_QUOTE_RETRIES 16

/*
 * The next '"' at or after p not escaped by an odd run of backslashes;
 * the run is counted back no further than lo, the field's start.
 */
static const char *
find_quote_from(const char *lo, const char *p, const char *end)
{
	while ((p = memchr(p, '"', (size_t)(end - p))) != NULL) {
		const char *b = p;

		while (b > lo && b[-1] == '\\')
			b--;
		if (((p - b) & 1) == 0)
			return p;
		p++;
	}
	return NULL;
}

static const char *
find_quote(const char *p, const char *end)
{
	return find_quote_from(p, p, end);
}

/* A token of an IP address ("10.0.0.1", "2a03::1") followed by a space. */
static int
ip_token_then_space(const char *p, const char *end)
{
	const char *s = p;
	int sep = 0;

	while (p < end && (isxdigit((unsigned char)*p) || *p == '.' ||
	    *p == ':')) {
		sep |= *p == '.' || *p == ':';
		p++;
	}
	return p > s && sep && p < end && *p == ' ';
}

/*
 * The address field: "a", or a proxy chain as nginx setups behind CDNs
 * log it in the address position: "a, b, c", "a, b c" (the X-Forwarded-For
 * list, then the peer) or "\"a, b\" c". Returns the end of the field; the
 * builder picks the client out of the chain.
 */
static const char *
scan_addr(const char *p, const char *end, char stop)
{
	const char *q;
	int chain = 0;

	if (p < end && *p == '"') {
		const char *cq = find_quote(p + 1, end);

		if (cq && cq + 1 < end && cq[1] == ' ') {
			p = cq + 2;
			chain = 1;
		}
	}
	for (;;) {
		q = stop ? memchr(p, stop, (size_t)(end - p)) : NULL;
		if (q == NULL)
			return end;
		if (stop == ' ' && q > p && q[-1] == ',') {
			p = q + 1;
			chain = 1;
			continue;
		}
		if (chain && stop == ' ' && ip_token_then_space(q + 1, end)) {
			p = q + 1;
			chain = 0;	/* one peer after the list */
			continue;
		}
		return q;
	}
}

/*
 * Whether the literal is at p as it is written, each of its spaces one
 * space of the line: then matching it is stepping over it. Anything
 * else (a run of spaces, a mismatch, the line's end) takes the general
 * loop below, which gives the same result here. Byte for byte equal, a
 * space of the literal can meet a longer run of the line only at its
 * end: inside it, the line's next byte is the literal's.
 */
static inline int
lit_exact(const struct lf_item *it, const char *p, const char *end)
{
	size_t k, n = it->litlen;

	if ((size_t)(end - p) < n)
		return 0;
	if (n <= 8 && end - p >= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		if ((w & it->mask) != it->word)
			return 0;
	} else {
		for (k = 0; k < n; k++)
			if (p[k] != it->lit[k])
				return 0;
	}
	return !(n > 0 && it->lit[n - 1] == ' ' && p + n < end && p[n] == ' ');
}

/* Fields of the format that this line did not fill: left from the last. */
static void
clear_absent(struct lf_fields *out, uint32_t absent)
{
	int i;

	for (i = 0; absent != 0; i++, absent >>= 1)
		if (absent & 1) {
			out->f[i].p = NULL;
			out->f[i].n = 0;
			out->f[i].flags = 0;
		}
}

static int
match_text(const struct lf *f, const char *line, size_t len,
    struct lf_fields *out, const char **why, size_t *col)
{
	const char *p = line, *end = line + len;
	const char *qstart = NULL, *qend = NULL;
	size_t i, qitem = 0;
	int retries = 0;
	uint32_t got = 0;

	out->partial = 0;

	for (i = 0; i < f->nitems; i++) {
		const struct lf_item *it = &f->items[i];

		if (it->lit) {
			const char *l = it->lit, *le = it->lit + it->litlen;

			if (p == end && (got & LF_REQUIRED) == LF_REQUIRED &&
			    (got & LF_TIMES)) {
				out->partial = 1;	/* the rest is absent */
				out->consumed = len;
				clear_absent(out, f->have & ~got);
				return 0;
			}
			if (lit_exact(it, p, end)) {
				p += it->litlen;
				continue;
			}
			while (l < le) {
				if (*l == ' ' && p < end && *p == ' ') {
					/* A run of spaces, the format's and
					 * the line's, whatever their lengths. */
					while (p < end && *p == ' ')
						p++;
					while (l < le && *l == ' ')
						l++;
					continue;
				}
				if (p < end && *p == *l) {
					p++;
					l++;
					continue;
				}
				/* Mismatch: after a quoted field, try its
				 * next closing quote. */
				if (qstart && qitem + 1 == i &&
				    retries < MAX_QUOTE_RETRIES) {
					const char *nq = find_quote_from(qstart,
					    qend + 1, end);

					if (nq) {
						struct lf_slice *s =
						    &out->f[f->items[qitem].field];

						retries++;
						qend = nq;
						if (f->items[qitem].field != F_NONE)
							s->n = (uint32_t)(nq - qstart);
						p = nq;
						l = it->lit;
						continue;
					}
				}
				*col = (size_t)(p - line);
				if (p == end)
					*why = "line ends early";
				else if (*l == '"')
					*why = "expected '\"'";
				else if (*l == '[')
					*why = "expected '['";
				else
					*why = "line does not match the format";
				return -1;
			}
			continue;
		}
		{
			struct lf_slice *s = &out->f[it->field];
			const char *q;

			if (it->flags & LF_QUOTED) {
				q = find_quote(p, end);
				if (q == NULL) {
					*col = (size_t)(p - line);
					*why = "unterminated quoted field";
					return -1;
				}
				qstart = p;
				qend = q;
				qitem = i;
			} else if (it->field == F_ADDR) {
				q = scan_addr(p, end, it->stop);
			} else if (it->stop) {
				q = memchr(p, it->stop, (size_t)(end - p));
				if (q == NULL)
					q = end;
			} else {
				q = end;
			}
			if (it->field != F_NONE) {
				s->p = p;
				s->n = (uint32_t)(q - p);
				s->flags = it->flags;
				got |= 1u << it->field;
			}
			p = q;
		}
	}
	out->consumed = (size_t)(p - line);
	clear_absent(out, f->have & ~got);
	return 0;
}

static int
match_w3c(const struct lf *f, const char *line, size_t len,
    struct lf_fields *out, const char **why, size_t *col)
{
	const char *p = line, *end = line + len;
	char sep = memchr(line, '\t', len) ? '\t' : ' ';
	size_t i;

	if (f->nitems == 0) {
		*why = "no #Fields: line before the data";
		*col = 0;
		return -1;
	}
	for (i = 0; i < f->nitems; i++) {
		const struct lf_item *it = &f->items[i];
		const char *q;

		if (p > end || (p == end && i > 0)) {
			*why = "fewer fields than #Fields: names";
			*col = len;
			return -1;
		}
		q = memchr(p, sep, (size_t)(end - p));
		if (q == NULL)
			q = end;
		if (it->field != F_NONE) {
			struct lf_slice *s = &out->f[it->field];

			s->p = p;
			s->n = (uint32_t)(q - p);
			s->flags = it->flags;
			if (sep == ' ' && (it->flags & LF_PCT_DECODE))
				s->flags |= LF_PLUS_SPACE;
		}
		p = q + 1;
	}
	return 0;
}

/* JSON string values are kept raw; LF_JSONSTR marks them for decoding. */
static int
match_json(const struct lf *f, const char *line, size_t len,
    struct lf_fields *out, const char **why, size_t *col)
{
	const char *p = line, *end = line + len;

#define JWS() while (p < end && (*p == ' ' || *p == '\t')) p++
#define JFAIL(msg) do { *why = (msg); *col = (size_t)(p - line); \
	return -1; } while (0)
	JWS();
	if (p >= end || *p != '{')
		JFAIL("not a JSON object");
	p++;
	for (;;) {
		const char *k, *ke, *v, *ve;
		int field = -1, fl, i;

		JWS();
		if (p < end && *p == '}')
			return 0;
		if (p >= end || *p != '"')
			JFAIL("expected a key");
		k = ++p;
		if ((ke = find_quote(p, end)) == NULL)
			JFAIL("unterminated key");
		p = ke + 1;
		JWS();
		if (p >= end || *p != ':')
			JFAIL("expected ':'");
		p++;
		JWS();
		if (p >= end)
			JFAIL("line ends early");
		fl = 0;
		if (*p == '"') {
			v = ++p;
			if ((ve = find_quote(p, end)) == NULL)
				JFAIL("unterminated string");
			p = ve + 1;
			if (memchr(v, '\\', (size_t)(ve - v)))
				fl = LF_JSONSTR;
		} else if (*p == '{' || *p == '[') {
			struct jskip { int d; } js = { 0 };
			int inq = 0;

			v = p;
			for (; p < end; p++) {
				if (inq) {
					if (*p == '\\')
						p++;
					else if (*p == '"')
						inq = 0;
				} else if (*p == '"') {
					inq = 1;
				} else if (*p == '{' || *p == '[') {
					js.d++;
				} else if (*p == '}' || *p == ']') {
					if (--js.d == 0) {
						p++;
						break;
					}
				}
			}
			if (js.d != 0)
				JFAIL("unterminated nested value");
			ve = v;		/* nested values are not fields */
		} else {
			v = p;
			while (p < end && *p != ',' && *p != '}' && *p != ' ')
				p++;
			ve = p;
			if (ve - v == 4 && memcmp(v, "null", 4) == 0)
				ve = v;
		}
		for (i = 1; i < NFIELDS; i++) {
			size_t kl = strlen(f->jsonkey[i]);

			if (kl == (size_t)(ke - k) && kl > 0 &&
			    memcmp(f->jsonkey[i], k, kl) == 0) {
				field = i;
				break;
			}
		}
		if (field > 0 && ve > v && out->f[field].p == NULL) {
			out->f[field].p = v;
			out->f[field].n = (uint32_t)(ve - v);
			out->f[field].flags = (uint8_t)fl;
		}
		JWS();
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p < end && *p == '}')
			return 0;
		JFAIL("expected ',' or '}'");
	}
#undef JWS
#undef JFAIL
}

int
lf_match(const struct lf *f, const char *line, size_t len,
    struct lf_fields *out, const char **why, size_t *col)
{
	if (f->kind != LF_TEXT || out->fmt != f->id) {
		memset(out, 0, sizeof *out);
		out->fmt = f->id;
	}
	switch (f->kind) {
	case LF_JSON:
		return match_json(f, line, len, out, why, col);
	case LF_W3C:
		return match_w3c(f, line, len, out, why, col);
	default:
		return match_text(f, line, len, out, why, col);
	}
}
