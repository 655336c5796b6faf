/*
 * rules.c - parse and match funnel rules.
 *
 * A rule is one line: a stage name, a path matcher, then conditions and
 * captures, separated by blanks:
 *
 *	view_item    regex:^/product/([^/]+)$   sku=$1
 *	add_to_cart  exact:/cart/add  query:sku  sku=query:sku
 *
 * Matchers are checked cheapest first in spirit but strictly in file
 * order: the first rule that matches wins, as the rules file reads.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#define MAX_GLOB_STARS	31	/* rules_match's g[]: 32 start/end pairs */
#include "rules.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prog.h"
#include "query.h"

enum mkind { M_EXACT, M_PREFIX, M_GLOB, M_REGEX };
enum cop { C_PRESENT, C_EQUALS, C_ABSENT };
enum csrc { S_GROUP, S_QUERY, S_LITERAL };

struct cond {
	char		*name, *value;
	enum cop	 op;
};

struct cap {
	enum capfield	 field;
	enum csrc	 src;
	int		 group;
	char		*arg;		/* parameter name or literal */
};

struct rule {
	int			 stage;
	enum mkind		 kind;
	char			*pat;
	size_t			 patlen;
	pcre2_code		*re;
	int			 jit;		/* pcre2_jit_match will do */
	size_t			 lit;		/* regex: pat[1..lit] starts
						   every match */
	int			 segment;	/* regex: ^lit([^/]+)$ */
	char			*methods;	/* ",GET,POST," or NULL */
	struct cond		*conds;
	size_t			 nconds;
	struct cap		*caps;
	size_t			 ncaps;
	int			 ngroups;
};

struct rules {
	struct rule		*r;
	size_t			 n;
	char			*stage[MAX_STAGES];
	enum role		 role[MAX_STAGES];
	size_t			 nstages;
	pcre2_match_data	*md;
	unsigned char		*fail;	/* glob: states known to fail */
	size_t			 failcap;
};

static void rule_free(struct rule *);

static const char *const capnames[NCAPS] = { "sku", "order_id", "value",
	"currency" };

static enum role
role_of(const char *name)
{
	if (strcmp(name, "view_item") == 0)
		return ROLE_VIEW;
	if (strcmp(name, "add_to_cart") == 0)
		return ROLE_CART;
	if (strcmp(name, "purchase") == 0)
		return ROLE_PURCHASE;
	return ROLE_NONE;
}

static int
stage_index(struct rules *R, const char *name)
{
	size_t i;

	for (i = 0; i < R->nstages; i++)
		if (strcmp(R->stage[i], name) == 0)
			return (int)i;
	if (R->nstages == MAX_STAGES)
		return -1;
	R->stage[R->nstages] = xstrndup(name, strlen(name));
	R->role[R->nstages] = role_of(name);
	return (int)R->nstages++;
}

/* Glob groups: each '*' (within a segment) and '**' (across) is one. */
static int
glob_groups(const char *p)
{
	int n = 0;

	for (; *p; p++)
		if (*p == '*') {
			n++;
			if (p[1] == '*')
				p++;
		}
	return n;
}

static int
parse_token(struct rules *R, struct rule *r, const char *t, const char *name,
    long line)
{
	const char *eq;

	if (strncmp(t, "method:", 7) == 0) {
		/* ",GET,HEAD,"; a second method: adds to the first. */
		size_t n = strlen(t + 7), old = r->methods ?
		    strlen(r->methods) : 1;

		r->methods = xrealloc(r->methods, old + n + 2);
		snprintf(r->methods + old - 1, n + 3, ",%s,", t + 7);
		return 0;
	}
	if (strncmp(t, "query:", 6) == 0) {
		struct cond c;

		t += 6;
		if (*t == '!') {
			c.op = C_ABSENT;
			c.name = xstrndup(t + 1, strlen(t + 1));
			c.value = NULL;
		} else if ((eq = strchr(t, '=')) != NULL) {
			c.op = C_EQUALS;
			c.name = xstrndup(t, (size_t)(eq - t));
			c.value = xstrndup(eq + 1, strlen(eq + 1));
		} else {
			c.op = C_PRESENT;
			c.name = xstrndup(t, strlen(t));
			c.value = NULL;
		}
		if (c.name[0] == '\0') {
			warn_at(name, line, "empty query parameter name");
			free(c.name);
			free(c.value);
			return -1;
		}
		r->conds = realloc(r->conds, (r->nconds + 1) * sizeof *r->conds);
		r->conds[r->nconds++] = c;
		return 0;
	}
	if ((eq = strchr(t, '=')) != NULL) {
		struct cap c;
		int f;

		for (f = 0; f < NCAPS; f++)
			if (strlen(capnames[f]) == (size_t)(eq - t) &&
			    strncmp(capnames[f], t, (size_t)(eq - t)) == 0)
				break;
		if (f == NCAPS) {
			warn_at(name, line, "unknown capture '%.*s': sku, "
			    "order_id, value or currency", (int)(eq - t), t);
			return -1;
		}
		c.field = (enum capfield)f;
		c.arg = NULL;
		c.group = 0;
		eq++;
		if (*eq == '$') {
			char *end;

			c.src = S_GROUP;
			c.group = (int)strtol(eq + 1, &end, 10);
			if (end == eq + 1 || *end || c.group < 1 ||
			    c.group > r->ngroups) {
				warn_at(name, line, "'%s': the path pattern has "
				    "%d group%s", t, r->ngroups,
				    r->ngroups == 1 ? "" : "s");
				return -1;
			}
		} else if (strncmp(eq, "query:", 6) == 0) {
			c.src = S_QUERY;
			c.arg = xstrndup(eq + 6, strlen(eq + 6));
		} else {
			c.src = S_LITERAL;
			c.arg = xstrndup(eq, strlen(eq));
		}
		r->caps = realloc(r->caps, (r->ncaps + 1) * sizeof *r->caps);
		r->caps[r->ncaps++] = c;
		return 0;
	}
	warn_at(name, line, "unknown token '%s'", t);
	(void)R;
	return -1;
}

/*
 * The literal text every match of regex m starts with, as a length from
 * m + 1: m anchored by ^, then plain characters up to the first one
 * that means more. A quantifier after them takes their last one back
 * (^/products?/ starts with "/product"); a pattern with | anywhere gets
 * none (^/a|/b also matches /x/b). Paths are tested against it before
 * the regex runs: most pages fail on their first bytes.
 */
static size_t
literal_start(const char *m)
{
	size_t n = 0;

	if (m[0] != '^' || strchr(m, '|') != NULL)
		return 0;
	while (m[1 + n] != '\0' && strchr("\\^$.|?*+()[]{}", m[1 + n]) == NULL)
		n++;
	if (n > 0 && m[1 + n] != '\0' && strchr("?*{", m[1 + n]) != NULL)
		n--;
	return n;
}

static int
parse_line(struct rules *R, char *s, const char *name, long line)
{
	char *tok[64], *save = NULL, *t;
	size_t n = 0, i;
	struct rule r;
	const char *m;
	int code;
	PCRE2_SIZE off;

	for (t = strtok_r(s, " \t", &save); t && n < 64;
	    t = strtok_r(NULL, " \t", &save))
		tok[n++] = t;
	if (n < 2) {
		warn_at(name, line, "a rule needs a stage and a path matcher");
		return -1;
	}
	memset(&r, 0, sizeof r);
	if ((r.stage = stage_index(R, tok[0])) < 0) {
		warn_at(name, line, "more than %d stages", MAX_STAGES);
		return -1;
	}
	m = tok[1];
	if (strncmp(m, "exact:", 6) == 0)
		r.kind = M_EXACT, m += 6;
	else if (strncmp(m, "prefix:", 7) == 0)
		r.kind = M_PREFIX, m += 7;
	else if (strncmp(m, "glob:", 5) == 0)
		r.kind = M_GLOB, m += 5;
	else if (strncmp(m, "regex:", 6) == 0)
		r.kind = M_REGEX, m += 6;
	else {
		warn_at(name, line, "path matcher '%s' is not exact:, prefix:, "
		    "glob: or regex: followed by a pattern", m);
		return -1;
	}
	r.pat = xstrndup(m, strlen(m));
	r.patlen = strlen(m);
	if (r.kind == M_REGEX) {
		uint32_t cnt;

		r.re = pcre2_compile((PCRE2_SPTR)m, PCRE2_ZERO_TERMINATED, 0,
		    &code, &off, NULL);
		if (r.re == NULL) {
			PCRE2_UCHAR msg[256];

			pcre2_get_error_message(code, msg, sizeof msg);
			warn_at(name, line, "regex '%s' at offset %zu: %s", m,
			    (size_t)off, (char *)msg);
			free(r.pat);
			return -1;
		}
		r.jit = pcre2_jit_compile(r.re, PCRE2_JIT_COMPLETE) == 0;
		pcre2_pattern_info(r.re, PCRE2_INFO_CAPTURECOUNT, &cnt);
		r.ngroups = (int)cnt;
		r.lit = literal_start(m);
		/* The shape of most product URLs' rules (the shipped
		 * view_item's): a literal, then one path segment, captured.
		 * Matched by hand: a JIT match costs more than the rest of
		 * the page's tagging. */
		r.segment = r.lit > 0 && strcmp(m + 1 + r.lit, "([^/]+)$") == 0;
	} else if (r.kind == M_GLOB) {
		r.ngroups = glob_groups(m);
		if (r.ngroups > MAX_GLOB_STARS) {
			warn_at(name, line, "glob '%s' has more than %d stars",
			    m, MAX_GLOB_STARS);
			free(r.pat);
			return -1;
		}
	}
	for (i = 2; i < n; i++)
		if (parse_token(R, &r, tok[i], name, line) != 0) {
			rule_free(&r);
			return -1;
		}
	R->r = realloc(R->r, (R->n + 1) * sizeof *R->r);
	if (R->r == NULL)
		die(EX_OSERR, "out of memory");
	R->r[R->n++] = r;
	return 0;
}

static void
rule_free(struct rule *r)
{
	size_t k;

	free(r->pat);
	pcre2_code_free(r->re);
	free(r->methods);
	for (k = 0; k < r->nconds; k++) {
		free(r->conds[k].name);
		free(r->conds[k].value);
	}
	for (k = 0; k < r->ncaps; k++)
		free(r->caps[k].arg);
	free(r->conds);
	free(r->caps);
}

struct rules *
rules_new(const char *text, size_t len, const char *name)
{
	struct rules *R = xcalloc(1, sizeof *R);
	const char *p = text, *end = text + len;
	long line = 0;
	int bad = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		char *s = xstrndup(p, n), *c;

		line++;
		if ((c = strchr(s, '#')) != NULL && (c == s || c[-1] == ' ' ||
		    c[-1] == '\t'))
			*c = '\0';	/* a comment, not a '#' in a regex */
		if (strspn(s, " \t\r") != strlen(s)) {
			s[strcspn(s, "\r")] = '\0';
			if (parse_line(R, s, name, line) != 0)
				bad = 1;
		}
		free(s);
		p = nl ? nl + 1 : end;
	}
	if (!bad && R->n == 0) {
		warnx("%s: no rules", name);
		bad = 1;
	}
	R->md = pcre2_match_data_create(32, NULL);
	if (bad) {
		rules_free(R);
		return NULL;
	}
	return R;
}

void
rules_free(struct rules *R)
{
	size_t i;

	if (R == NULL)
		return;
	for (i = 0; i < R->n; i++)
		rule_free(&R->r[i]);
	for (i = 0; i < R->nstages; i++)
		free(R->stage[i]);
	pcre2_match_data_free(R->md);
	free(R->fail);
	free(R->r);
	free(R);
}

size_t
rules_nstages(const struct rules *R)
{
	return R->nstages;
}

const char *
rules_stage(const struct rules *R, size_t i)
{
	return R->stage[i];
}

enum role
rules_role(const struct rules *R, size_t i)
{
	return R->role[i];
}

/*
 * Glob match with captures: '*' is any run within a path segment, '**'
 * any run at all, '?' one character other than '/'. g[] gets the start
 * and end of each star's match. Stars take the shortest run that lets
 * the rest match. A state (the pattern after star gi, the path from q)
 * that failed once fails again, whatever the captures before it: each
 * is tried once (fail[]), so a hostile path costs stars x length^2 at
 * worst, not length^stars.
 */
struct globm {
	const char	*s0, *se;
	const char	**g;
	unsigned char	*fail;		/* [gi * (se - s0 + 1) + offset] */
};

static int
glob(const struct globm *m, const char *p, const char *s, int gi)
{
	size_t n = (size_t)(m->se - m->s0) + 1;

	while (*p) {
		if (*p == '*') {
			int dbl = p[1] == '*';
			const char *q = s;

			p += dbl ? 2 : 1;
			for (;;) {
				unsigned char *f = &m->fail[(size_t)gi * n +
				    (size_t)(q - m->s0)];

				m->g[2 * gi] = s;
				m->g[2 * gi + 1] = q;
				if (!*f) {
					if (glob(m, p, q, gi + 1))
						return 1;
					*f = 1;
				}
				if (q == m->se || (!dbl && *q == '/'))
					return 0;
				q++;
			}
		}
		if (s == m->se || (*p == '?' ? *s == '/' : *p != *s))
			return 0;
		p++;
		s++;
	}
	return s == m->se;
}

static int
method_ok(const struct rule *r, const char *m, size_t n)
{
	const char *p;

	if (r->methods == NULL)
		return 1;
	for (p = r->methods; (p = strstr(p, ",")) != NULL && p[1]; p++)
		if (strncmp(p + 1, m, n) == 0 && p[1 + n] == ',')
			return 1;
	return 0;
}

static int
glob_match(struct rules *R, const struct rule *r, const char *path,
    size_t pathlen, const char **g)
{
	struct globm m = { path, path + pathlen, g, NULL };
	size_t need = (size_t)r->ngroups * (pathlen + 1);

	if (need > R->failcap) {
		R->failcap = need * 2;
		free(R->fail);
		if ((R->fail = malloc(R->failcap)) == NULL)
			die(EX_OSERR, "out of memory");
	}
	if (need > 0)
		memset(R->fail, 0, need);
	m.fail = R->fail;
	return glob(&m, r->pat, path, 0);
}

int
rules_match(struct rules *R, const char *path, size_t pathlen,
    const char *query, size_t querylen, const char *method, size_t methodlen,
    char *scratch, struct capture *cap)
{
	const char *g[64];
	size_t i, k;

	for (i = 0; i < R->n; i++) {
		struct rule *r = &R->r[i];
		PCRE2_SIZE *ov = NULL, seg[4];
		char *o = scratch;
		int ok = 0;

		switch (r->kind) {
		case M_EXACT:
			ok = pathlen == r->patlen &&
			    memcmp(path, r->pat, pathlen) == 0;
			break;
		case M_PREFIX:
			ok = pathlen >= r->patlen &&
			    memcmp(path, r->pat, r->patlen) == 0;
			break;
		case M_GLOB:
			ok = glob_match(R, r, path, pathlen, g);
			break;
		case M_REGEX:
			if (pathlen < r->lit ||
			    memcmp(path, r->pat + 1, r->lit) != 0)
				break;
			if (r->segment) {
				ok = pathlen > r->lit && memchr(path + r->lit,
				    '/', pathlen - r->lit) == NULL;
				seg[0] = 0;		/* the match: the path */
				seg[1] = seg[3] = pathlen;
				seg[2] = r->lit;	/* group 1: the segment */
				ov = seg;
				break;
			}
			ok = (r->jit ? pcre2_jit_match(r->re, (PCRE2_SPTR)path,
			    pathlen, 0, 0, R->md, NULL) : pcre2_match(r->re,
			    (PCRE2_SPTR)path, pathlen, 0, 0, R->md, NULL)) > 0;
			ov = pcre2_get_ovector_pointer(R->md);
			break;
		}
		if (!ok || !method_ok(r, method, methodlen))
			continue;
		for (k = 0; k < r->nconds && ok; k++) {
			const struct cond *c = &r->conds[k];
			long v = query_get(query, querylen, c->name, o);

			if (c->op == C_PRESENT)
				ok = v > 0;
			else if (c->op == C_ABSENT)
				ok = v < 0;
			else
				ok = v == (long)strlen(c->value) &&
				    memcmp(o, c->value, (size_t)v) == 0;
		}
		if (!ok)
			continue;
		memset(cap, 0, sizeof *cap);
		for (k = 0; k < r->ncaps; k++) {
			const struct cap *c = &r->caps[k];
			const char *s = NULL;
			size_t n = 0;

			if (c->src == S_LITERAL) {
				s = c->arg;
				n = strlen(c->arg);
			} else if (c->src == S_QUERY) {
				long v = query_get(query, querylen, c->arg, o);

				if (v > 0) {
					s = o;
					n = (size_t)v;
					o += v;
				}
			} else if (r->kind == M_REGEX && ov[2 * c->group] !=
			    PCRE2_UNSET) {
				s = path + ov[2 * c->group];
				n = ov[2 * c->group + 1] - ov[2 * c->group];
			} else if (r->kind == M_GLOB) {
				s = g[2 * (c->group - 1)];
				n = (size_t)(g[2 * (c->group - 1) + 1] - s);
			}
			if (s && n > 0) {
				cap->p[c->field] = s;
				cap->n[c->field] = n;
			}
		}
		return r->stage;
	}
	return -1;
}
