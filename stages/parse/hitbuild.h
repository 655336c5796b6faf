/*
 * hitbuild.h - from the fields of one log line to a hit record: time to
 * UTC ms, the request split into method, path and query, escapes decoded,
 * the client address picked from a proxy chain, the visitor id, and the
 * kind (page, asset, bot).
 */
#ifndef REVISIT_HITBUILD_H
#define REVISIT_HITBUILD_H

#include <stddef.h>

#include "botclass.h"
#include "hit.h"
#include "logfmt.h"
#include "timeparse.h"

struct hb_opts {
	int		  anonymize_ip;	/* IPv4 to /24, IPv6 to /48 */
	const char	**pixels;	/* paths that are pages, not assets */
	size_t		  npixels;
	/* Kinds written out; a hit of another kind is built only as far
	 * as its kind (no vid, referrer or address). */
	int		  keep_bots, keep_assets;
};

struct hb {
	const struct hb_opts	*o;
	struct botclass		*bots;		/* borrowed; NULL: no bots */
	struct clf_cache	 clf;
	char			*scratch;	/* decoded strings of a line */
	size_t			 scap, slen;
	char			 vid[18];
	char			 ip[64];
};

void	hb_init(struct hb *, const struct hb_opts *, struct botclass *);
void	hb_free(struct hb *);

/*
 * Fill h from the fields of line (of length linelen) matched by f.
 * Strings in h point into the line or into b's scratch space: valid until
 * the next call. Returns 0, or -1 with a message in err. A hit of a kind
 * not kept has its time, status, bytes, request, agent and kind only.
 */
int	hb_build(struct hb *, const struct lf *, const struct lf_fields *,
	    size_t linelen, struct hit *h, char *err, size_t errlen);

/* Helpers, exposed for tests. */
int	hb_is_asset(const char *path, size_t len);
/* 1 if the IPv4 or IPv6 address text is private, loopback or link-local. */
int	hb_ip_private(const char *s, size_t n);
/* Anonymise into out (64 bytes); returns the length, or 0 if not an IP. */
size_t	hb_ip_anonymize(const char *s, size_t n, char *out);

#endif
