/*
 * crm.c - the CRM file: read whole, cut into rows in place, indexed by
 * uid.
 */
#include "crm.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <xxhash.h>

#include "prog.h"

enum { COL_UID, COL_EMAIL, COL_PHONE, COL_OTHER };

/*
 * The next field of the line at *p (ending at end): unquoted in place,
 * its start and length; *p moves past the comma. 1 if the line has more
 * fields, 0 at its end, -1 for a quote that does not close.
 */
static int
field(char **p, char *end, char **f, size_t *n)
{
	char *s = *p, *o;

	if (s < end && *s == '"') {
		*f = o = ++s;
		for (;;) {
			if (s >= end) {
				*n = (size_t)(o - *f);	/* what there is */
				*p = s;
				return -1;
			}
			if (*s == '"') {
				if (s + 1 < end && s[1] == '"') {
					*o++ = '"';
					s += 2;
					continue;
				}
				s++;
				break;
			}
			*o++ = *s++;
		}
		*n = (size_t)(o - *f);
		if (s < end && *s != ',') {
			*p = end;
			return -1;
		}
	} else {
		*f = s;
		while (s < end && *s != ',')
			s++;
		*n = (size_t)(s - *f);
	}
	if (s < end) {
		*p = s + 1;
		return 1;
	}
	*p = s;
	return 0;
}

static void
trim(char **f, size_t *n)
{
	while (*n > 0 && (**f == ' ' || **f == '\t'))
		(*f)++, (*n)--;
	while (*n > 0 && ((*f)[*n - 1] == ' ' || (*f)[*n - 1] == '\t' ||
	    (*f)[*n - 1] == '\r'))
		(*n)--;
}

static int
column(char *f, size_t n)
{
	trim(&f, &n);
	if (n == 3 && strncasecmp(f, "uid", 3) == 0)
		return COL_UID;
	if (n == 5 && strncasecmp(f, "email", 5) == 0)
		return COL_EMAIL;
	if (n == 5 && strncasecmp(f, "phone", 5) == 0)
		return COL_PHONE;
	return COL_OTHER;
}

/* Whether the line names its columns: one of them is "uid". */
static int
is_header(const char *p, const char *eol)
{
	while (p < eol) {
		const char *c = memchr(p, ',', (size_t)(eol - p));
		size_t n = (size_t)((c ? c : eol) - p);

		while (n > 0 && (*p == ' ' || *p == '"'))
			p++, n--;
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '"'))
			n--;
		if (n == 3 && strncasecmp(p, "uid", 3) == 0)
			return 1;
		p = c ? c + 1 : eol;
	}
	return 0;
}

static void
index_rows(struct crm *c)
{
	size_t n = 1024, i, j;

	while (n < c->nrows * 2)
		n *= 2;
	c->slot = xcalloc(n, sizeof *c->slot);
	c->mask = n - 1;
	/* Backwards, so that a uid's rows chain in file order. */
	for (i = c->nrows; i-- > 0;) {
		struct crm_row *r = &c->rows[i];

		for (j = XXH3_64bits(r->uid, r->uidn) & c->mask;
		    c->slot[j] != 0; j = (j + 1) & c->mask) {
			struct crm_row *q = &c->rows[c->slot[j] - 1];

			if (q->uidn == r->uidn &&
			    memcmp(q->uid, r->uid, r->uidn) == 0)
				break;
		}
		r->next = c->slot[j];
		c->slot[j] = (uint32_t)(i + 1);
	}
}

static void
skip_line(struct crm *c, const char *path, size_t line, const char *why)
{
	if (++c->bad <= 10)
		warn_at(path, (long long)line, "%s: line skipped", why);
}

void
crm_load(struct crm *c, const char *path)
{
	int col[16] = { COL_UID, COL_EMAIL, COL_PHONE, COL_OTHER, COL_OTHER,
	    COL_OTHER, COL_OTHER, COL_OTHER, COL_OTHER, COL_OTHER, COL_OTHER,
	    COL_OTHER, COL_OTHER, COL_OTHER, COL_OTHER, COL_OTHER };
	size_t len, line = 0;
	char *p, *end;

	memset(c, 0, sizeof *c);
	c->text = read_file(path, &len);
	p = c->text;
	end = p + len;
	while (p < end) {
		char *eol = memchr(p, '\n', (size_t)(end - p)), *f, *next;
		struct crm_row r = { 0 };
		size_t n, k = 0;
		int more = 1;

		if (eol == NULL)
			eol = end;
		next = eol + 1;
		if (eol > p && eol[-1] == '\r')
			eol--;
		line++;
		if (line == 1 && is_header(p, eol)) {
			/* Which column is which. */
			for (k = 0; more > 0 && k < 16; k++) {
				more = field(&p, eol, &f, &n);
				col[k] = column(f, n);
			}
			for (; k < 16; k++)
				col[k] = COL_OTHER;
			p = next;
			continue;
		}
		for (k = 0; more > 0; k++) {
			more = field(&p, eol, &f, &n);
			if (more < 0)
				break;
			trim(&f, &n);
			switch (k < 16 ? col[k] : COL_OTHER) {
			case COL_UID: r.uid = f; r.uidn = n; break;
			case COL_EMAIL: r.email = f; r.emailn = n; break;
			case COL_PHONE: r.phone = f; r.phonen = n; break;
			}
		}
		p = next;
		if (more < 0)
			skip_line(c, path, line, "a quote that does not close");
		else if (r.uidn == 0 && r.emailn + r.phonen == 0 && k <= 1)
			;		/* a blank line */
		else if (r.uidn == 0)
			skip_line(c, path, line, "no uid");
		else if (r.emailn + r.phonen == 0)
			skip_line(c, path, line, "neither email nor phone");
		else {
			if (c->nrows >= UINT32_MAX - 1)
				die(EX_DATAERR, "%s: too many rows", path);
			c->rows = grow_array(c->rows, &c->cap, c->nrows,
			    sizeof *c->rows);
			c->rows[c->nrows++] = r;
		}
	}
	if (c->bad > 10)
		warnx("%s: %llu lines skipped in all", path, c->bad);
	index_rows(c);
}

const struct crm_row *
crm_find(const struct crm *c, const char *uid, size_t n)
{
	size_t j;

	if (c->slot == NULL)
		return NULL;
	for (j = XXH3_64bits(uid, n) & c->mask; c->slot[j] != 0;
	    j = (j + 1) & c->mask) {
		const struct crm_row *r = &c->rows[c->slot[j] - 1];

		if (r->uidn == n && memcmp(r->uid, uid, n) == 0)
			return r;
	}
	return NULL;
}

const struct crm_row *
crm_next(const struct crm *c, const struct crm_row *r)
{
	return r->next ? &c->rows[r->next - 1] : NULL;
}

void
crm_free(struct crm *c)
{
	free(c->text);
	free(c->rows);
	free(c->slot);
}
