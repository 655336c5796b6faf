/*
 * hit.h - the hit record (schemas/hit.md): one page, asset or bot request,
 * as revisit-parse writes it and later stages read it.
 *
 * Strings are borrowed views (into the log line or the unpacked record):
 * valid until the next line or record is read. A NULL p means absent.
 */
#ifndef REVISIT_HIT_H
#define REVISIT_HIT_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include "wbuf.h"

struct span {
	const char	*p;
	size_t		 len;
};

enum hit_kind { HIT_PAGE, HIT_ASSET, HIT_BOT };

struct hit {
	int64_t		 ts;		/* ms since the epoch, UTC */
	struct span	 vid;		/* cookie, or "h:" + FNV-1a hex */
	struct span	 uid;		/* absent if none */
	struct span	 ip;		/* client address */
	struct span	 xff;		/* X-Forwarded-For as logged, or absent */
	struct span	 host;		/* virtual host, or absent */
	struct span	 method;	/* absent for an unreadable request */
	struct span	 path;		/* no query; absent with method */
	struct span	 query;		/* raw, no '?'; empty if none */
	int		 status;
	int64_t		 bytes;
	struct span	 referrer;	/* absent for "-" */
	struct span	 ua;
	enum hit_kind	 kind;
};

extern const char *const hit_kind_names[];	/* "page", "asset", "bot" */

/* Append h to w as a MessagePack map with "type": "hit". */
void	hit_pack(struct wbuf *w, const struct hit *);
/*
 * Read a hit record; strings point into o. Returns 0, or -1 if o is not
 * a well-formed hit (missing ts, vid, status or kind).
 */
int	hit_unpack(const msgpack_object *o, struct hit *);

#endif
