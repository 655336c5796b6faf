/*
 * hit.h - the hit record (schemas/hit.md): one page, asset or bot request,
 * as revisit-parse writes it and later stages read it.
 *
 * Strings are borrowed views (into the log line or the unpacked record):
 * valid until the next line or record is read. A NULL p means absent.
 */
#ifndef REVISIT_HIT_H
#define REVISIT_HIT_H

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
	int		 consent;	/* HIT_CONSENT_*: --consent-field */
};

#define HIT_CONSENT_UNKNOWN	0	/* no field, or a value not known */
#define HIT_CONSENT_REFUSED	1
#define HIT_CONSENT_GIVEN	2

/*
 * Empty h, query "" and kind page. Field by field, for every record: a
 * memset of the struct compiles to a "rep stos", slow to start on some
 * CPUs (AMD Zen: a twentieth of parse). A new field is cleared here too.
 */
static inline void
hit_clear(struct hit *h)
{
	h->vid = h->uid = h->ip = h->xff = h->host = (struct span){ NULL, 0 };
	h->method = h->path = h->referrer = h->ua = (struct span){ NULL, 0 };
	h->query = (struct span){ "", 0 };
	h->ts = h->bytes = 0;
	h->status = 0;
	h->kind = HIT_PAGE;
	h->consent = HIT_CONSENT_UNKNOWN;
}

extern const char *const hit_kind_names[];	/* "page", "asset", "bot" */

/* Append h to w as a MessagePack map with "type": "hit". */
void	hit_pack(struct wbuf *w, const struct hit *);
/*
 * Read a hit record from its MessagePack bytes; strings point into rec.
 * Returns 0, or -1 if it is not a well-formed hit record (a map with
 * type "hit", ts, vid, status and kind).
 */
int	hit_decode(const char *rec, size_t len, struct hit *);
/*
 * The same on a buffer that starts with a record: 0 and *used set to its
 * length; MPC_SHORT when the buffer ends inside it; MPC_BAD when it is
 * not a hit record (or not MessagePack: frame it with mpc_skip to know).
 */
int	hit_decode_prefix(const char *buf, size_t len, struct hit *,
	    size_t *used);
/*
 * hit_decode_prefix's two readers. The first takes the keys in the order
 * hit_pack writes them, its strings up to 64 KiB and non-negative
 * integers: 0, or 1 for a record in any other shape (or cut short),
 * which the second reads, keys in any order.
 */
int	hit_decode_ordered(const char *buf, size_t len, struct hit *,
	    size_t *used);
int	hit_decode_any_order(const char *buf, size_t len, struct hit *,
	    size_t *used);

struct records;
/*
 * records_each for a stage that reads hits: each record of paths[] (none:
 * stdin) to fn(arg, h, rec, len, r), h its hit, or NULL if it is not a
 * well-formed hit record. A hit is decoded in the walk that finds its
 * end, not framed first and walked again. Returns as records_each does.
 */
int	hits_each(char *const *paths, size_t npaths, int progress,
	    void (*fn)(void *arg, const struct hit *h, const char *rec,
	    size_t len, const struct records *r), void *arg,
	    struct records *r);

#endif
