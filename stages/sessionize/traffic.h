/*
 * traffic.h - where a session came from, by DESIGN.md's rules: source,
 * medium, campaign and click id from the first hit's query and referrer,
 * and the channel from the (simplified) GA4 default channel table.
 */
#ifndef REVISIT_TRAFFIC_H
#define REVISIT_TRAFFIC_H

#include <stddef.h>
#include <stdint.h>

#include "hit.h"
#include "hostset.h"

struct traffic_memo;

struct traffic_ctx {
	struct hostset	*search;	/* search engine hosts (data) */
	struct hostset	*social;	/* social network hosts (data) */
	struct hostset	*own;		/* --site-host, or NULL */
	/* What traffic_of found for a referrer host and a source and
	 * medium, remembered: a site sees few of them. NULL: none. */
	struct traffic_memo *memo;
};

/* The shipped search engine and social network lists (data/), loaded,
 * and a memo. */
void	traffic_lists(struct traffic_ctx *);
/* Add a --site-host ("WWW.Shop.Example.com:443" counts as
 * "shop.example.com"); -1 if it has no host. */
int	traffic_site_host(struct traffic_ctx *, const char *arg);
void	traffic_free(struct traffic_ctx *);

struct traffic {
	struct span	 source, medium, campaign;	/* decoded */
	const char	*click_id;	/* "gclid", ...; NULL if none */
	const char	*channel;	/* "Direct", "Paid Search", ... */
};

/*
 * Classify a session's first hit. Strings are decoded into scratch, which
 * needs qlen + rlen + 64 bytes and must live as long as t is used.
 */
void	traffic_of(const struct traffic_ctx *, const char *q, size_t qlen,
	    const char *ref, size_t rlen, char *scratch, struct traffic *t);

/*
 * A hit's campaign: a hash of the campaign parameters present (decoded
 * values, first occurrence of each name), 0 when there are none.
 */
uint64_t campaign_key(const char *q, size_t qlen, char *scratch);

/*
 * The host of a referrer URL: lowercased, userinfo and port dropped, one
 * leading "www." removed, into out (at least rlen bytes). Returns its
 * length, or -1 when the referrer has no host ("-", empty, relative).
 */
long	referrer_host(const char *ref, size_t rlen, char *out);

/* The channel of a source and medium (exposed for tests). */
const char *channel_of(const struct traffic_ctx *, struct span source,
	    struct span medium);
int	source_is_search(const struct traffic_ctx *, const char *s, size_t n);
int	source_is_social(const struct traffic_ctx *, const char *s, size_t n);

#endif
