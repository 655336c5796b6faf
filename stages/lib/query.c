/*
 * query.c - query string parameters, percent-decoding.
 */
#include "query.h"

#include <string.h>

int
query_next(const char *q, size_t n, size_t *pos, struct qparam *p)
{
	while (*pos < n) {
		const char *s = q + *pos, *end = q + n;
		const char *amp = memchr(s, '&', (size_t)(end - s));
		const char *e = amp ? amp : end, *eq;

		*pos = (size_t)(e - q) + (amp != NULL);
		if (e == s)
			continue;
		eq = memchr(s, '=', (size_t)(e - s));
		p->name = s;
		p->namelen = (size_t)((eq ? eq : e) - s);
		p->val = eq ? eq + 1 : e;
		p->vallen = eq ? (size_t)(e - eq - 1) : 0;
		return 1;
	}
	return 0;
}

size_t
url_decode(const char *s, size_t n, char *out)
{
	size_t i = 0, o = 0;

	while (i < n) {
		int h, l;

		if (s[i] == '+') {
			out[o++] = ' ';
			i++;
		} else if (s[i] == '%' && i + 2 < n &&
		    (h = hexdigit(s[i + 1])) >= 0 && (l = hexdigit(s[i + 2])) >= 0) {
			out[o++] = (char)(h << 4 | l);
			i += 3;
		} else {
			out[o++] = s[i++];
		}
	}
	return o;
}

long
query_get(const char *q, size_t n, const char *name, char *out)
{
	size_t pos = 0, nl = strlen(name);
	struct qparam p;

	while (query_next(q, n, &pos, &p)) {
		size_t k;

		if (p.namelen != nl || memcmp(p.name, name, nl) != 0)
			continue;
		k = url_decode(p.val, p.vallen, out);
		return k > 0 ? (long)k : -1;
	}
	return -1;
}
