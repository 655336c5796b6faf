/*
 * logfmt.h - log formats: nginx log_format and Apache LogFormat strings,
 * the presets, W3C extended "#Fields:" headers, compiled into a small
 * program of literals and fields that lf_match() runs over each line.
 */
#ifndef REVISIT_LOGFMT_H
#define REVISIT_LOGFMT_H

#include <stddef.h>
#include <stdint.h>

/* What a field of the log line means to revisit. */
enum lf_field {
	F_NONE,		/* in the line, not used */
	F_ADDR,		/* $remote_addr, %h, c-ip */
	F_USER,		/* $remote_user, %u */
	F_TIME_CLF,	/* $time_local, %t: 10/Oct/2000:13:55:36 -0700 */
	F_TIME_ISO,	/* $time_iso8601 */
	F_EPOCH_S,	/* $msec: 1728568536.123; %{sec}t */
	F_EPOCH_MS,	/* %{msec}t */
	F_EPOCH_US,	/* %{usec}t */
	F_DATE,		/* W3C date */
	F_TIME,		/* W3C time */
	F_REQUEST,	/* $request, %r: GET /path?q HTTP/1.1 */
	F_METHOD,	/* $request_method, %m, cs-method */
	F_URI,		/* $request_uri: path and query */
	F_PATH,		/* $uri, %U, cs-uri-stem */
	F_QUERY,	/* $args, %q, cs-uri-query */
	F_STATUS,	/* $status, %>s, sc-status */
	F_BYTES,	/* $body_bytes_sent, %b, sc-bytes */
	F_REFERER,	/* $http_referer, %{Referer}i, cs(Referer) */
	F_UA,		/* $http_user_agent, %{User-Agent}i, cs(User-Agent) */
	F_XFF,		/* $http_x_forwarded_for */
	F_HOST,		/* $host, %v, cs(Host) */
	F_COOKIE,	/* the whole Cookie header: $http_cookie, cs(Cookie) */
	F_VID,		/* the variable named by --vid-field */
	F_UID,		/* the variable named by --uid-field */
	F_CONSENT,	/* the variable named by --consent-field */
	NFIELDS
};

/* Fields a line must have; a format must have them too. */
#define LF_REQUIRED	(1u << F_STATUS)
#define LF_TIMES	((1u << F_TIME_CLF) | (1u << F_TIME_ISO) | \
			 (1u << F_EPOCH_S) | (1u << F_EPOCH_MS) | \
			 (1u << F_EPOCH_US) | (1u << F_DATE))

/* Item flags. */
#define LF_QUOTED	0x01	/* between '"' literals: ends at an unescaped '"' */
#define LF_HOSTPORT	0x02	/* drop a ":port" suffix (Apache %v:%p style) */
#define LF_PLUS_SPACE	0x04	/* W3C: '+' stands for a space */
#define LF_PCT_DECODE	0x08	/* W3C (CloudFront): %XX encoded */
#define LF_JSONSTR	0x10	/* JSON string content with escapes */

struct lf_item {
	const char	*lit;		/* literal text, or NULL for a field */
	uint32_t	 litlen;
	uint8_t		 field;		/* enum lf_field */
	uint8_t		 flags;
	char		 stop;		/* unquoted field: first byte of the
					 * next literal; 0 = to end of line */
	uint64_t	 word, mask;	/* a literal of at most 8 bytes as 8
					 * bytes of the line load, and which
					 * of them it is: one compare */
};

/* Source syntax of a compiled format. */
enum lf_kind { LF_TEXT, LF_JSON, LF_W3C };

struct lf {
	enum lf_kind	 kind;
	struct lf_item	*items;		/* owned */
	size_t		 nitems;
	char		*text;		/* owned: storage for literals */
	char		 sep;		/* W3C field separator */
	uint32_t	 have;		/* bit (1 << field) for fields present */
	uint64_t	 id;		/* this compile's, unique: see lf_match */
	char		 vid_cookie[64];	/* cookie name to take from
						 * F_COOKIE, "" if none */
	char		 uid_cookie[64];
	char		 consent_cookie[64];
	/* JSON: key names for each field ("" = not mapped). */
	char		 jsonkey[NFIELDS][64];
};

/* Where vid and uid come from, and JSON key overrides. */
struct lf_opts {
	const char	*vid_field;	/* default "cookie_vid" */
	const char	*uid_field;	/* default "cookie_uid" */
	const char	**json_map;	/* "field=key" strings (borrowed) */
	size_t		  njson_map;
	const char	*consent_field;	/* NULL: none */
};

/* A field's value in the current line: a borrowed view. */
struct lf_slice {
	const char	*p;
	uint32_t	 n;
	uint8_t		 flags;		/* LF_* of the item, for decoding */
};

struct lf_fields {
	struct lf_slice	 f[NFIELDS];
	int		 partial;	/* the line ended before the format */
	size_t		 consumed;	/* bytes matched by the format */
	uint64_t	 fmt;		/* id of the format that filled it */
};

/*
 * Compile spec (an nginx or Apache format string, a preset name, "json" or
 * "w3c"; a pasted `log_format name '...'` or `LogFormat "..." nick` line
 * is accepted too). Returns 0, or -1 with a message in err.
 */
int	lf_compile(struct lf *, const char *spec, const struct lf_opts *,
	    char *err, size_t errlen);
/* Compile a W3C "#Fields: ..." header line (without its end of line). */
int	lf_compile_w3c(struct lf *, const char *line, size_t len,
	    const struct lf_opts *, char *err, size_t errlen);
void	lf_free(struct lf *);

/* The preset text for name, or NULL. */
const char	*lf_preset(const char *name);
/* Names of the fields for messages ("time", "status", ...). */
const char	*lf_field_name(int field);

/*
 * Split line by the format into fields. Returns 0, or -1 with *why (a
 * static message) and *col (0-based byte offset of the problem). out
 * starts zeroed (= { 0 }) or holds an earlier call's result: a text
 * format matched again into the same out clears only its own fields,
 * not the whole struct, which on every line cost a twentieth of parse.
 */
int	lf_match(const struct lf *, const char *line, size_t len,
	    struct lf_fields *, const char **why, size_t *col);

#endif
