/*
 * logfmt.c - compile log formats: presets, nginx log_format and Apache
 * LogFormat strings (pasted configuration lines too), W3C "#Fields:"
 * headers and JSON key maps, into the items scan.c matches lines with.
 */
#include "logfmt.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prog.h"

/* Compiles so far: each text format gets its own id (lf_match). */
static uint64_t lf_ids;

static const struct preset {
	const char *name, *text;
} presets[] = {
	{ "common", "%h %l %u %t \"%r\" %>s %b" },
	{ "combined", "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" "
	    "\"%{User-Agent}i\"" },
	{ "vcombined", "%v %h %l %u %t \"%r\" %>s %b \"%{Referer}i\" "
	    "\"%{User-Agent}i\"" },
	{ "combined_vid", "$remote_addr - $remote_user [$time_local] "
	    "\"$request\" $status $body_bytes_sent \"$http_referer\" "
	    "\"$http_user_agent\" \"$cookie_vid\" \"$cookie_uid\"" },
	{ NULL, NULL }
};

static const struct var {
	const char *name;
	int field;
} vars[] = {
	{ "remote_addr", F_ADDR }, { "realip_remote_addr", F_ADDR },
	{ "remote_user", F_USER },
	{ "time_local", F_TIME_CLF }, { "time_iso8601", F_TIME_ISO },
	{ "msec", F_EPOCH_S },
	{ "request", F_REQUEST }, { "request_method", F_METHOD },
	{ "request_uri", F_URI }, { "uri", F_PATH }, { "document_uri", F_PATH },
	{ "args", F_QUERY }, { "query_string", F_QUERY },
	{ "status", F_STATUS },
	{ "body_bytes_sent", F_BYTES }, { "bytes_sent", F_BYTES },
	{ "http_referer", F_REFERER }, { "http_user_agent", F_UA },
	{ "http_x_forwarded_for", F_XFF },
	{ "host", F_HOST }, { "http_host", F_HOST }, { "server_name", F_HOST },
	{ "http_cookie", F_COOKIE },
	{ NULL, 0 }
};

static const char *const field_names[NFIELDS] = {
	"unused", "address", "user", "time", "time", "time", "time", "time",
	"date", "time", "request", "method", "uri", "path", "query", "status",
	"bytes", "referrer", "user agent", "x-forwarded-for", "host", "cookie",
	"vid", "uid", "consent"
};

const char *
lf_field_name(int field)
{
	return field >= 0 && field < NFIELDS ? field_names[field] : "?";
}

const char *
lf_preset(const char *name)
{
	const struct preset *p;

	for (p = presets; p->name; p++)
		if (strcmp(p->name, name) == 0)
			return p->text;
	return NULL;
}

/* Map a variable name (nginx spelling) to a field, vid/uid first. */
static int
field_of_var(const char *name, const struct lf_opts *o)
{
	const struct var *v;

	if (strcmp(name, o->vid_field) == 0)
		return F_VID;
	if (strcmp(name, o->uid_field) == 0)
		return F_UID;
	if (o->consent_field && strcmp(name, o->consent_field) == 0)
		return F_CONSENT;
	for (v = vars; v->name; v++)
		if (strcmp(v->name, name) == 0)
			return v->field;
	return F_NONE;
}

/* A field named "cookie_NAME" that the format does not log by itself is
 * looked up as NAME in the Cookie header. */
static void
cookie_name(const struct lf *f, int field, const char *var, char *out,
    size_t outlen)
{
	if (var != NULL && !(f->have & (1u << field)) &&
	    strncmp(var, "cookie_", 7) == 0)
		snprintf(out, outlen, "%s", var + 7);
}

static void
cookie_names(struct lf *f, const struct lf_opts *o)
{
	cookie_name(f, F_VID, o->vid_field, f->vid_cookie,
	    sizeof f->vid_cookie);
	cookie_name(f, F_UID, o->uid_field, f->uid_cookie,
	    sizeof f->uid_cookie);
	cookie_name(f, F_CONSENT, o->consent_field, f->consent_cookie,
	    sizeof f->consent_cookie);
}

/* Growing item list with literal text kept in one buffer. */
struct builder {
	struct lf_item	*items;
	size_t		 n, cap;
	char		*text;
	size_t		 tlen, tcap;
};

static void
add_lit(struct builder *b, const char *s, size_t n)
{
	struct lf_item *it;

	if (n == 0)
		return;
	if (b->tlen + n + 1 > b->tcap) {
		b->tcap = (b->tlen + n + 1) * 2;
		b->text = xrealloc(b->text, b->tcap);
	}
	/* Merge with a preceding literal: offsets, fixed up at the end. */
	if (b->n > 0 && b->items[b->n - 1].lit) {
		it = &b->items[b->n - 1];
		memcpy(b->text + b->tlen, s, n);
		b->tlen += n;
		it->litlen += (uint32_t)n;
		return;
	}
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		b->items = xrealloc(b->items, b->cap * sizeof *b->items);
	}
	it = &b->items[b->n++];
	memset(it, 0, sizeof *it);
	it->lit = (const char *)(uintptr_t)(b->tlen + 1);	/* offset + 1 */
	it->litlen = (uint32_t)n;
	memcpy(b->text + b->tlen, s, n);
	b->tlen += n;
}

static void
add_field(struct builder *b, int field, int flags)
{
	struct lf_item *it;

	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		b->items = xrealloc(b->items, b->cap * sizeof *b->items);
	}
	it = &b->items[b->n++];
	memset(it, 0, sizeof *it);
	it->field = (uint8_t)field;
	it->flags = (uint8_t)flags;
}

/* Turn literal offsets into pointers; set stop bytes and quoting. */
static int
finish(struct lf *f, struct builder *b, const struct lf_opts *o, char *err,
    size_t errlen)
{
	size_t i;

	f->items = b->items;
	f->nitems = b->n;
	f->text = b->text;
	f->have = 0;
	f->id = ++lf_ids;
	for (i = 0; i < b->n; i++) {
		struct lf_item *it = &b->items[i];

		if (it->lit) {
			unsigned char ones[8] = { 0 };

			it->lit = b->text + ((uintptr_t)it->lit - 1);
			if (it->litlen <= 8) {
				memcpy(&it->word, it->lit, it->litlen);
				memset(ones, 0xff, it->litlen);
				memcpy(&it->mask, ones, 8);
			}
			continue;
		}
		if (i > 0 && b->items[i - 1].lit == NULL) {
			snprintf(err, errlen, "two fields with nothing between "
			    "them: a field must end at a literal");
			return -1;
		}
		/* A field seen before: the first occurrence wins. */
		if (it->field != F_NONE && (f->have & (1u << it->field)))
			it->field = F_NONE;
		f->have |= 1u << it->field;
	}
	for (i = 0; i < b->n; i++) {
		struct lf_item *it = &b->items[i];
		const struct lf_item *prev = i > 0 ? &b->items[i - 1] : NULL;
		const struct lf_item *next = i + 1 < b->n ? &b->items[i + 1] : NULL;

		if (it->lit)
			continue;
		/* The last field ends at a space: text after the format
		 * (a field added to the server's format later) is ignored. */
		it->stop = next ? next->lit[0] : ' ';
		if (prev && next && prev->lit[prev->litlen - 1] == '"' &&
		    next->lit[0] == '"')
			it->flags |= LF_QUOTED;
	}
	f->have &= ~1u;
	if (!(f->have & LF_TIMES)) {
		snprintf(err, errlen, "the format has no time field "
		    "($time_local, $time_iso8601, $msec, %%t)");
		return -1;
	}
	if ((f->have & LF_REQUIRED) != LF_REQUIRED) {
		snprintf(err, errlen, "the format has no status field "
		    "($status, %%>s)");
		return -1;
	}
	f->vid_cookie[0] = f->uid_cookie[0] = f->consent_cookie[0] = '\0';
	if (f->have & (1u << F_COOKIE))
		cookie_names(f, o);
	return 0;
}

static int
compile_nginx(struct builder *b, const char *s, const struct lf_opts *o,
    char *err, size_t errlen)
{
	char name[128];

	while (*s) {
		const char *lit = s;
		size_t n = 0;

		while (*s && !(s[0] == '$' && (isalpha((unsigned char)s[1]) ||
		    s[1] == '_' || s[1] == '{')))
			s++;
		add_lit(b, lit, (size_t)(s - lit));
		if (!*s)
			break;
		s++;
		if (*s == '{') {
			const char *e = strchr(s, '}');

			if (e == NULL) {
				snprintf(err, errlen, "unclosed '${' in format");
				return -1;
			}
			n = (size_t)(e - s - 1);
			if (n >= sizeof name)
				n = sizeof name - 1;
			memcpy(name, s + 1, n);
			s = e + 1;
		} else {
			while ((isalnum((unsigned char)s[n]) || s[n] == '_') &&
			    n < sizeof name - 1)
				n++;
			memcpy(name, s, n);
			s += n;
		}
		name[n] = '\0';
		add_field(b, field_of_var(name, o), 0);
	}
	return 0;
}

/* Apache "%{Name}i" header names to nginx's http_name spelling. */
static void
header_var(char *out, size_t outlen, const char *prefix, const char *h,
    size_t hn)
{
	size_t k = strlen(prefix), i;

	snprintf(out, outlen, "%s", prefix);
	for (i = 0; i < hn && k + 1 < outlen; i++)
		out[k++] = h[i] == '-' ? '_' : (char)tolower((unsigned char)h[i]);
	out[k] = '\0';
}

static int
compile_apache(struct builder *b, const char *s, const struct lf_opts *o,
    char *err, size_t errlen)
{
	while (*s) {
		const char *arg = NULL;
		size_t argn = 0;
		char var[160], c;
		int field = F_NONE, flags = 0;

		if (*s == '\\' && s[1]) {
			char e = s[1] == 't' ? '\t' : s[1] == 'n' ? '\n' : s[1];

			add_lit(b, &e, 1);
			s += 2;
			continue;
		}
		if (*s != '%') {
			add_lit(b, s, 1);
			s++;
			continue;
		}
		s++;
		if (*s == '%') {
			add_lit(b, "%", 1);
			s++;
			continue;
		}
		/* Modifiers: status conditions, '<' '>' (original/final). */
		while (*s == '<' || *s == '>' || *s == '!' || *s == ',' ||
		    isdigit((unsigned char)*s))
			s++;
		if (*s == '{') {
			const char *e = strchr(s, '}');

			if (e == NULL) {
				snprintf(err, errlen, "unclosed '%%{' in format");
				return -1;
			}
			arg = s + 1;
			argn = (size_t)(e - arg);
			s = e + 1;
		}
		c = *s;
		if (c == '\0') {
			snprintf(err, errlen, "format ends in '%%'");
			return -1;
		}
		s++;
		var[0] = '\0';
		switch (c) {
		case 'h': case 'a': snprintf(var, sizeof var, "remote_addr"); break;
		case 'u': snprintf(var, sizeof var, "remote_user"); break;
		case 'r': snprintf(var, sizeof var, "request"); break;
		case 'm': snprintf(var, sizeof var, "request_method"); break;
		case 'U': snprintf(var, sizeof var, "uri"); break;
		case 'q': snprintf(var, sizeof var, "args"); break;
		case 's': snprintf(var, sizeof var, "status"); break;
		case 'b': case 'B': case 'O':
			snprintf(var, sizeof var, "body_bytes_sent");
			break;
		case 'v':
			snprintf(var, sizeof var, "server_name");
			flags = LF_HOSTPORT;
			break;
		case 'V': snprintf(var, sizeof var, "server_name"); break;
		case 'i':
			header_var(var, sizeof var, "http_", arg ? arg : "", argn);
			break;
		case 'C':
			snprintf(var, sizeof var, "cookie_%.*s", (int)argn,
			    arg ? arg : "");
			break;
		case 't':
			if (arg == NULL) {
				add_lit(b, "[", 1);
				add_field(b, F_TIME_CLF, 0);
				add_lit(b, "]", 1);
				continue;
			}
			if (argn >= 6 && (strncmp(arg, "begin:", 6) == 0 ||
			    strncmp(arg, "end:", 4) == 0)) {
				size_t k = arg[0] == 'b' ? 6 : 4;

				arg += k;
				argn -= k;
			}
			if (argn == 3 && strncmp(arg, "sec", 3) == 0)
				field = F_EPOCH_S;
			else if (argn == 4 && strncmp(arg, "msec", 4) == 0)
				field = F_EPOCH_MS;
			else if (argn == 4 && strncmp(arg, "usec", 4) == 0)
				field = F_EPOCH_US;
			else if (argn > 5 && strncmp(arg, "msec_", 5) == 0)
				field = F_NONE;
			else if (argn > 5 && strncmp(arg, "usec_", 5) == 0)
				field = F_NONE;
			else {
				snprintf(err, errlen, "unsupported time format "
				    "'%%{%.*s}t': use %%t, %%{sec}t, %%{msec}t "
				    "or %%{usec}t", (int)argn, arg);
				return -1;
			}
			add_field(b, field, 0);
			continue;
		default:
			break;	/* %l, %D, %T, %p, ...: read, not used */
		}
		add_field(b, var[0] ? field_of_var(var, o) : F_NONE, flags);
	}
	return 0;
}

/*
 * Accept a pasted configuration line: nginx `log_format name [escape=x]
 * '...' '...';` (quoted pieces concatenated) or Apache `LogFormat "..."
 * [nickname]`. Returns the bare format in a new string.
 */
static char *
strip_directive(const char *spec)
{
	const char *s = spec;
	char *out, *o;

	while (isspace((unsigned char)*s))
		s++;
	if ((out = malloc(strlen(spec) + 1)) == NULL)
		die(EX_OSERR, "out of memory");
	o = out;
	if (strncmp(s, "log_format", 10) == 0 && isspace((unsigned char)s[10])) {
		s += 10;
		while (isspace((unsigned char)*s))
			s++;
		while (*s && !isspace((unsigned char)*s))	/* name */
			s++;
		for (;;) {
			char q;

			while (isspace((unsigned char)*s))
				s++;
			if (strncmp(s, "escape=", 7) == 0) {
				while (*s && !isspace((unsigned char)*s))
					s++;
				continue;
			}
			if (*s != '\'' && *s != '"')
				break;
			q = *s++;
			while (*s && *s != q) {
				if (*s == '\\' && s[1] == q)
					s++;
				*o++ = *s++;
			}
			if (*s)
				s++;
		}
		*o = '\0';
		return out;
	}
	if (strncmp(s, "LogFormat", 9) == 0 && isspace((unsigned char)s[9])) {
		s += 9;
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '"') {
			s++;
			while (*s && *s != '"') {
				if (*s == '\\' && s[1])
					*o++ = *s++;
				*o++ = *s++;
			}
		}
		*o = '\0';
		return out;
	}
	strcpy(out, spec);
	return out;
}

static void
set_json_defaults(struct lf *f, const struct lf_opts *o)
{
	const struct var *v;

	memset(f->jsonkey, 0, sizeof f->jsonkey);
	for (v = vars; v->name; v++)
		if (f->jsonkey[v->field][0] == '\0')
			snprintf(f->jsonkey[v->field], sizeof f->jsonkey[0],
			    "%s", v->name);
	snprintf(f->jsonkey[F_VID], sizeof f->jsonkey[0], "%s", o->vid_field);
	snprintf(f->jsonkey[F_UID], sizeof f->jsonkey[0], "%s", o->uid_field);
	if (o->consent_field)
		snprintf(f->jsonkey[F_CONSENT], sizeof f->jsonkey[0], "%s",
		    o->consent_field);
}

static int
compile_json(struct lf *f, const struct lf_opts *o, char *err, size_t errlen)
{
	size_t i;

	memset(f, 0, sizeof *f);
	f->kind = LF_JSON;
	set_json_defaults(f, o);
	for (i = 0; i < o->njson_map; i++) {
		const char *m = o->json_map[i], *eq = strchr(m, '=');
		char var[128];
		int field;

		if (eq == NULL || eq == m || eq[1] == '\0' ||
		    (size_t)(eq - m) >= sizeof var) {
			snprintf(err, errlen, "--json-key: expected VARIABLE=KEY, "
			    "got '%s'", m);
			return -1;
		}
		memcpy(var, m, (size_t)(eq - m));
		var[eq - m] = '\0';
		if ((field = field_of_var(var, o)) == F_NONE) {
			snprintf(err, errlen, "--json-key: unknown variable '%s'",
			    var);
			return -1;
		}
		snprintf(f->jsonkey[field], sizeof f->jsonkey[0], "%s", eq + 1);
		/* One key per field: an override replaces the default. */
	}
	f->have = ~0u & ~1u;
	return 0;
}

int
lf_compile(struct lf *f, const char *spec, const struct lf_opts *o,
    char *err, size_t errlen)
{
	struct builder b = { 0 };
	const char *preset;
	char *s;
	int r;

	if (strcmp(spec, "json") == 0)
		return compile_json(f, o, err, errlen);
	memset(f, 0, sizeof *f);
	if (strcmp(spec, "w3c") == 0) {
		/* Fields come with the first "#Fields:" line. */
		f->kind = LF_W3C;
		return 0;
	}
	if ((preset = lf_preset(spec)) != NULL)
		spec = preset;
	s = strip_directive(spec);
	if (s[0] == '\0') {
		snprintf(err, errlen, "empty format");
		free(s);
		return -1;
	}
	{
		const char *d = s;
		int nginx = 0;

		for (; *d; d++)
			if (d[0] == '$' && (isalpha((unsigned char)d[1]) ||
			    d[1] == '_' || d[1] == '{')) {
				nginx = 1;
				break;
			}
		if (nginx)
			r = compile_nginx(&b, s, o, err, errlen);
		else if (strchr(s, '%'))
			r = compile_apache(&b, s, o, err, errlen);
		else {
			snprintf(err, errlen, "'%s' is neither a preset (common, "
			    "combined, vcombined, combined_vid, json, w3c) nor a "
			    "format with $variables or %%directives", spec);
			r = -1;
		}
	}
	free(s);
	f->kind = LF_TEXT;
	if (r == 0)
		r = finish(f, &b, o, err, errlen);
	if (r != 0) {
		free(b.items);
		free(b.text);
		f->items = NULL;
		f->text = NULL;
	}
	return r;
}

static const struct w3c_name {
	const char *name;
	int field, flags;
} w3c_names[] = {
	{ "date", F_DATE, 0 }, { "time", F_TIME, 0 },
	{ "c-ip", F_ADDR, 0 }, { "cs-username", F_USER, 0 },
	{ "cs-method", F_METHOD, 0 }, { "cs-uri-stem", F_PATH, 0 },
	{ "cs-uri-query", F_QUERY, 0 }, { "cs-uri", F_URI, 0 },
	{ "sc-status", F_STATUS, 0 }, { "sc-bytes", F_BYTES, 0 },
	{ "cs(Referer)", F_REFERER, LF_PCT_DECODE },
	{ "cs(Referrer)", F_REFERER, LF_PCT_DECODE },
	{ "cs(User-Agent)", F_UA, LF_PCT_DECODE },
	{ "cs(Cookie)", F_COOKIE, LF_PCT_DECODE },
	{ "cs(Host)", F_HOST, 0 }, { "cs-host", F_HOST, 0 },
	{ "x-host-header", F_HOST, 0 },
	{ "x-forwarded-for", F_XFF, 0 }, { "cs(X-Forwarded-For)", F_XFF, 0 },
	{ NULL, 0, 0 }
};

int
lf_compile_w3c(struct lf *f, const char *line, size_t len,
    const struct lf_opts *o, char *err, size_t errlen)
{
	struct builder b = { 0 };
	const char *s = line + 8, *end = line + len;	/* after "#Fields:" */

	lf_free(f);
	memset(f, 0, sizeof *f);
	while (s < end) {
		const struct w3c_name *w;
		const char *t;
		int field = F_NONE, flags = 0;

		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		if (s >= end)
			break;
		t = s;
		while (s < end && *s != ' ' && *s != '\t')
			s++;
		for (w = w3c_names; w->name; w++)
			if (strlen(w->name) == (size_t)(s - t) &&
			    strncasecmp(w->name, t, (size_t)(s - t)) == 0) {
				field = w->field;
				flags = w->flags;
				break;
			}
		if (field == F_NONE && (size_t)(s - t) > 10 &&
		    strncasecmp(t, "cs(Cookie)", 10) == 0)
			field = F_COOKIE;
		add_field(&b, field, flags);
	}
	f->kind = LF_W3C;
	f->items = b.items;
	f->nitems = b.n;
	{
		size_t i;

		for (i = 0; i < b.n; i++) {
			if (b.items[i].field != F_NONE &&
			    (f->have & (1u << b.items[i].field)))
				b.items[i].field = F_NONE;
			f->have |= 1u << b.items[i].field;
		}
	}
	f->have &= ~1u;
	if (!(f->have & (1u << F_DATE)) || !(f->have & (1u << F_TIME)) ||
	    !(f->have & (1u << F_STATUS))) {
		snprintf(err, errlen, "#Fields: needs date, time and sc-status");
		lf_free(f);
		return -1;
	}
	cookie_names(f, o);
	return 0;
}

void
lf_free(struct lf *f)
{
	free(f->items);
	free(f->text);
	f->items = NULL;
	f->text = NULL;
	f->nitems = 0;
}
