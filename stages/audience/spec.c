/*
 * spec.c - reading audience definitions.
 *
 *	audience cart_abandoners
 *		membership 30d
 *		include add_to_cart within 7d
 *		include no purchase after add_to_cart
 *		exclude purchase within 7d
 *		emit skus carted 10
 *
 * A line is words separated by blanks ("..." for a word with blanks);
 * '#' starts a comment. The audience line starts a block; the lines
 * after it, up to the next one, belong to it.
 */
#include "spec.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prog.h"

#define MAXW	16

struct line {
	const char	*file;
	int		 no;
	char		*w[MAXW];
	int		 n;
	char		*text;		/* the line, trimmed */
};

static int
bad(const struct line *l, const char *msg)
{
	warnx("%s:%d: %s", l->file, l->no, msg);
	return -1;
}

/* Split buf (one line, changed in place) into words. */
static int
split(struct line *l, char *buf)
{
	char *p = buf;

	l->n = 0;
	while (*p) {
		char *w;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			break;
		if (l->n == MAXW)
			return bad(l, "too many words");
		if (*p == '"') {
			w = ++p;
			while (*p && *p != '"')
				p++;
			if (*p != '"')
				return bad(l, "a quote is not closed");
			*p++ = '\0';
		} else {
			w = p;
			while (*p && *p != ' ' && *p != '\t')
				p++;
			if (*p)
				*p++ = '\0';
		}
		l->w[l->n++] = w;
	}
	return 0;
}

static int
dur(const struct line *l, const char *s, int64_t *ms)
{
	long long v;

	if (duration_parse(s, &v) != 0 || v <= 0) {
		char msg[128];

		snprintf(msg, sizeof msg, "'%.40s' is not a duration (like 7d)",
		    s);
		return bad(l, msg);
	}
	*ms = v;
	return 0;
}

static int
number(const struct line *l, const char *s, double *v)
{
	char *end;

	*v = strtod(s, &end);
	if (end == s || *end != '\0' || *v < 0)
		return bad(l, "a number is expected");
	return 0;
}

static void
event(struct ev *e, const char *w)
{
	memset(e, 0, sizeof *e);
	if (strcmp(w, "session") == 0 || strcmp(w, "visit") == 0) {
		e->kind = EV_SESSION;
	} else if (strcmp(w, "purchase") == 0) {
		e->kind = EV_PURCHASE;
	} else {
		e->kind = EV_STAGE;
		e->stage = xstrdup(w);
	}
}

static int
op(const struct line *l, const char *w, enum op *o)
{
	static const char *const names[] = { ">=", ">", "<=", "<", "=" };
	int i;

	for (i = 0; i < 5; i++)
		if (strcmp(w, names[i]) == 0) {
			*o = (enum op)i;
			return 0;
		}
	return bad(l, "a comparison (>=, >, <=, <, =) is expected");
}


/* One condition: the words after include or exclude. */
static int
condition(const struct line *l, char **w, int n, struct cond *c)
{
	memset(c, 0, sizeof *c);
	if (n == 3 && strcmp(w[1], "within") == 0) {
		c->kind = C_WITHIN;
		event(&c->ev, w[0]);
		return dur(l, w[2], &c->dur);
	}
	if (n == 4 && strcmp(w[1], "not") == 0 && strcmp(w[2], "within") == 0) {
		c->kind = C_WITHIN;
		c->neg = 1;
		event(&c->ev, w[0]);
		return dur(l, w[3], &c->dur);
	}
	if (n == 2 && strcmp(w[1], "ever") == 0) {
		c->kind = C_EVER;
		event(&c->ev, w[0]);
		return 0;
	}
	if (n == 3 && strcmp(w[0], "no") == 0 && strcmp(w[2], "ever") == 0) {
		c->kind = C_EVER;
		c->neg = 1;
		event(&c->ev, w[1]);
		return 0;
	}
	if (n == 4 && strcmp(w[0], "no") == 0 && strcmp(w[2], "after") == 0) {
		c->kind = C_NO_AFTER;
		event(&c->ev, w[1]);
		event(&c->ev2, w[3]);
		return 0;
	}
	if (n == 6 && strcmp(w[0], "count") == 0 &&
	    strcmp(w[2], "within") == 0) {
		c->kind = C_COUNT;
		event(&c->ev, w[1]);
		if (c->ev.kind == EV_STAGE)
			return bad(l, "count is of session or purchase (the "
			    "state keeps one time per stage)");
		return dur(l, w[3], &c->dur) || op(l, w[4], &c->op) ||
		    number(l, w[5], &c->n) ? -1 : 0;
	}
	if (n == 4 && strcmp(w[0], "first") == 0 &&
	    strcmp(w[2], "within") == 0) {
		c->kind = C_FIRST;
		event(&c->ev, w[1]);
		if (c->ev.kind == EV_STAGE)
			return bad(l, "first is of session or purchase");
		return dur(l, w[3], &c->dur);
	}
	if (n == 5 && strcmp(w[0], "revenue") == 0 &&
	    strcmp(w[1], "within") == 0 && strcmp(w[3], "top") == 0) {
		size_t k = strlen(w[4]);

		c->kind = C_TOP;
		if (k < 2 || w[4][k - 1] != '%')
			return bad(l, "top takes a percentage (top 10%)");
		w[4][k - 1] = '\0';
		if (dur(l, w[2], &c->dur) || number(l, w[4], &c->n))
			return -1;
		return c->n > 0 && c->n <= 100 ? 0 :
		    bad(l, "top takes 0 to 100%");
	}
	if (n == 5 && strcmp(w[0], "revenue") == 0 &&
	    strcmp(w[1], "within") == 0) {
		c->kind = C_REVENUE;
		return dur(l, w[2], &c->dur) || op(l, w[3], &c->op) ||
		    number(l, w[4], &c->n) ? -1 : 0;
	}
	if (n == 4 && strcmp(w[0], "channel") == 0 &&
	    strcmp(w[2], "within") == 0) {
		c->kind = C_CHANNEL;
		c->arg = xstrdup(w[1]);
		return dur(l, w[3], &c->dur);
	}
	if (n == 5 && strcmp(w[0], "sku") == 0 &&
	    (strcmp(w[2], "viewed") == 0 || strcmp(w[2], "carted") == 0) &&
	    strcmp(w[3], "within") == 0) {
		c->kind = C_SKU;
		c->arg = xstrdup(w[1]);
		c->carted = w[2][0] == 'c';
		return dur(l, w[4], &c->dur);
	}
	return bad(l, "not a condition (see schemas/audiences.md)");
}

static int
emit(const struct line *l, char **w, int n, struct emit *e)
{
	double v = 10;

	memset(e, 0, sizeof *e);
	if ((n == 2 || n == 3) && strcmp(w[0], "skus") == 0 &&
	    (strcmp(w[1], "viewed") == 0 || strcmp(w[1], "carted") == 0)) {
		e->kind = w[1][0] == 'v' ? E_SKUS_VIEWED : E_SKUS_CARTED;
		if (n == 3 && number(l, w[2], &v) != 0)
			return -1;
		if (v < 1 || v > 10)
			return bad(l, "skus: 1 to 10 (the state keeps 10)");
		e->n = (int)v;
		return 0;
	}
	if (n == 3 && (strcmp(w[0], "orders") == 0 ||
	    strcmp(w[0], "revenue") == 0) && strcmp(w[1], "within") == 0) {
		e->kind = w[0][0] == 'o' ? E_ORDERS : E_REVENUE;
		return dur(l, w[2], &e->dur);
	}
	return bad(l, "emit: skus viewed|carted [N], orders within DUR or "
	    "revenue within DUR");
}

static void *
push(void *v, size_t *n, size_t size)
{
	if ((v = realloc(v, (*n + 1) * size)) == NULL)
		die(EX_OSERR, "out of memory");
	memset((char *)v + *n * size, 0, size);
	(*n)++;
	return v;
}

static void
add_definition(struct aud *a, const char *text)
{
	size_t old = a->definition ? strlen(a->definition) : 0;
	char *d = realloc(a->definition, old + strlen(text) + 3);

	if (d == NULL)
		die(EX_OSERR, "out of memory");
	if (old)
		strcpy(d + old, "; ");
	else
		d[0] = '\0';
	strcat(d, text);
	a->definition = d;
}

static int
valid_name(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) &&
		    *s != '_' && *s != '-')
			return 0;
	return 1;
}

static int
line(struct spec *sp, struct line *l)
{
	struct aud *a = sp->n ? &sp->a[sp->n - 1] : NULL;
	char **w = l->w;
	int n = l->n;
	size_t i;

	if (strcmp(w[0], "audience") == 0) {
		if (n != 2 || !valid_name(w[1]))
			return bad(l, "audience NAME (lowercase letters, digits, "
			    "_ and -)");
		for (i = 0; i < sp->n; i++)
			if (strcmp(sp->a[i].name, w[1]) == 0)
				return bad(l, "this audience is defined already");
		sp->a = push(sp->a, &sp->n, sizeof *sp->a);
		sp->a[sp->n - 1].name = xstrdup(w[1]);
		return 0;
	}
	if (a == NULL)
		return bad(l, "an 'audience NAME' line comes first");
	if (strcmp(w[0], "membership") == 0) {
		if (n != 2 || dur(l, w[1], &a->membership) != 0)
			return n != 2 ? bad(l, "membership DUR") : -1;
		if (a->membership > MAX_MEMBERSHIP)
			return bad(l, "membership is at most 540d");
		return 0;
	}
	add_definition(a, l->text);
	if (strcmp(w[0], "include") == 0 || strcmp(w[0], "exclude") == 0) {
		int inc = w[0][0] == 'i';
		struct cond *c;

		if (inc) {
			a->inc = push(a->inc, &a->ninc, sizeof *a->inc);
			c = &a->inc[a->ninc - 1];
		} else {
			a->exc = push(a->exc, &a->nexc, sizeof *a->exc);
			c = &a->exc[a->nexc - 1];
		}
		if (condition(l, w + 1, n - 1, c) != 0)
			return -1;
		c->text = xstrdup(l->text);
		return 0;
	}
	if (strcmp(w[0], "emit") == 0) {
		struct emit *e;

		a->emit = push(a->emit, &a->nemit, sizeof *a->emit);
		e = &a->emit[a->nemit - 1];
		if (emit(l, w + 1, n - 1, e) != 0)
			return -1;
		for (i = 0; i + 1 < a->nemit; i++)
			if (a->emit[i].kind == e->kind ||
			    (a->emit[i].kind <= E_SKUS_CARTED &&
			    e->kind <= E_SKUS_CARTED))
				return bad(l, "a member carries one skus, one "
				    "orders and one revenue at the most");
		return 0;
	}
	return bad(l, "expected audience, membership, include, exclude or "
	    "emit");
}

/* Trim blanks and a comment, into out. */
static void
trimmed(const char *s, size_t n, char *out)
{
	size_t i, k = 0, q = 0;

	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			q = !q;
		if (s[i] == '#' && !q && (i == 0 || s[i - 1] == ' ' ||
		    s[i - 1] == '\t'))
			break;
		out[k++] = s[i];
	}
	while (k > 0 && (out[k - 1] == ' ' || out[k - 1] == '\t' ||
	    out[k - 1] == '\r'))
		k--;
	out[k] = '\0';
}

struct spec *
spec_parse(const char *text, size_t len, const char *name)
{
	struct spec *sp = xcalloc(1, sizeof *sp);
	const char *p = text, *end = text + len;
	struct line l;
	char buf[1024], tbuf[1024];
	size_t i;

	memset(&l, 0, sizeof l);
	l.file = name;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		l.no++;
		if (n >= sizeof buf) {
			bad(&l, "line too long");
			goto fail;
		}
		trimmed(p, n, tbuf);
		memcpy(buf, tbuf, strlen(tbuf) + 1);
		l.text = tbuf;
		p = nl ? nl + 1 : end;
		if (split(&l, buf) != 0)
			goto fail;
		if (l.n > 0 && line(sp, &l) != 0)
			goto fail;
	}
	if (sp->n == 0) {
		warnx("%s: no audience defined", name);
		goto fail;
	}
	for (i = 0; i < sp->n; i++) {
		const struct aud *a = &sp->a[i];

		if (a->membership == 0 || a->ninc == 0) {
			warnx("%s: audience %s: needs a membership and at least "
			    "one include", name, a->name);
			goto fail;
		}
	}
	return sp;
fail:
	spec_free(sp);
	return NULL;
}

static void
cond_free(struct cond *c)
{
	free(c->ev.stage);
	free(c->ev2.stage);
	free(c->arg);
	free(c->text);
}

void
spec_free(struct spec *sp)
{
	size_t i, j;

	if (sp == NULL)
		return;
	for (i = 0; i < sp->n; i++) {
		struct aud *a = &sp->a[i];

		for (j = 0; j < a->ninc; j++)
			cond_free(&a->inc[j]);
		for (j = 0; j < a->nexc; j++)
			cond_free(&a->exc[j]);
		free(a->inc);
		free(a->exc);
		free(a->emit);
		free(a->name);
		free(a->definition);
	}
	free(sp->a);
	free(sp);
}
