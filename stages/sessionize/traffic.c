/*
 * traffic.c - traffic source, channel and device class of a session.
 *
 * Where DESIGN.md is silent (see README, "Channels"):
 * - Search engines and social networks are recognised by DESIGN's names
 *   (google, bing, ..., facebook, ..., t.co) and also by Matomo's host
 *   lists (data/search-engines.txt, data/socials.txt), so that Seznam,
 *   Naver, Tumblr or Bluesky referrers are search and social too. A host
 *   that is both is social.
 * - A webmail referrer (a "mail" label below the registrable domain, as
 *   mail.google.com or lightmailer.gmx.net; or a mail provider's own
 *   domain, as mail.com, or a "deref-" redirector) has medium "email", so
 *   its session is Email rather than Organic Search.
 * - All name comparisons are case-insensitive.
 */
#include "traffic.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <xxhash.h>

#include "chit.h"
#include "prog.h"
#include "query.h"

static const char *const campaign_params[] = {
	"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content",
	"utm_id", "gclid", "gbraid", "wbraid", "dclid", "msclkid", "fbclid",
	"ttclid", "twclid", "li_fat_id", NULL
};
#define FIRST_CLICK_ID 6	/* campaign_params[6..] are click ids */

static const unsigned char campaign_lens[] = { 10, 10, 12, 8, 11, 6, 5, 6,
	6, 5, 7, 6, 6, 6, 9 };

/* Which campaign parameter name[0..n) is, or -1. Called for every query
 * parameter of every hit: a length and first-letter test first. */
static int
param_index(const char *name, size_t n)
{
	int i;

	if (n < 5 || n > 12 || (name[0] != 'u' && name[0] != 'g' &&
	    name[0] != 'w' && name[0] != 'd' && name[0] != 'm' &&
	    name[0] != 'f' && name[0] != 't' && name[0] != 'l'))
		return -1;
	for (i = 0; campaign_params[i]; i++)
		if (campaign_lens[i] == n && campaign_params[i][0] == name[0] &&
		    memcmp(campaign_params[i], name, n) == 0)
			return i;
	return -1;
}

uint64_t
campaign_key(const char *q, size_t qlen, char *scratch)
{
	struct { size_t off, len; int set; } v[16];
	struct qparam p;
	size_t pos = 0, used = 0, i;
	unsigned seen = 0;
	uint64_t h = 0;
	int any = 0;

	/* v[k] is set once k is seen: no memset of v for every hit. */
	while (query_next(q, qlen, &pos, &p)) {
		int k = param_index(p.name, p.namelen);

		if (k < 0 || (seen & (1u << k)))
			continue;
		seen |= 1u << k;
		v[k].off = used;
		v[k].len = url_decode(p.val, p.vallen, scratch + used);
		used += v[k].len;
		v[k].set = v[k].len > 0;
		any |= v[k].set;
	}
	if (!any)
		return 0;
	/* Each value set, hashed seeded by the hash so far and its name:
	 * a one-shot hash per value, not a streaming state per hit. */
	for (i = 0; campaign_params[i]; i++)
		if ((seen & (1u << i)) && v[i].set)
			h = XXH3_64bits_withSeed(scratch + v[i].off, v[i].len,
			    h + (i + 1) * 0x9e3779b97f4a7c15ULL);
	return h | 1;
}

long
referrer_host(const char *ref, size_t rlen, char *out)
{
	const char *p = ref, *end = ref + rlen, *h, *he, *at, *c;
	size_t n, i;

	/* scheme "://" required: "-", "" and relative paths have no host. */
	for (; p + 2 < end; p++) {
		if (p[0] == ':' && p[1] == '/' && p[2] == '/')
			break;
		if (!(isalnum((unsigned char)*p) || *p == '+' || *p == '-' ||
		    *p == '.'))
			return -1;
	}
	if (p + 2 >= end || p == ref)
		return -1;
	h = p + 3;
	he = h;
	while (he < end && *he != '/' && *he != '?' && *he != '#')
		he++;
	/* userinfo@ */
	for (at = he; at > h && at[-1] != '@'; at--)
		;
	if (at > h)
		h = at;
	/* :port (not inside an IPv6 literal) */
	if (h < he && *h != '[') {
		c = memchr(h, ':', (size_t)(he - h));
		if (c)
			he = c;
	} else if (h < he) {
		c = memchr(h, ']', (size_t)(he - h));
		if (c)
			he = c + 1;
	}
	n = (size_t)(he - h);
	if (n >= 4 && strncasecmp(h, "www.", 4) == 0 && n > 4) {
		h += 4;
		n -= 4;
	}
	if (n == 0)
		return -1;
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)h[i]);
	return (long)n;
}

/* Whether any token of s (split on non-alphanumerics) is one of names. */
static int
has_token(const char *s, size_t n, const char *const *names)
{
	const char *p = s, *end = s + n;

	while (p < end) {
		const char *t;
		size_t k, i;

		while (p < end && !isalnum((unsigned char)*p))
			p++;
		t = p;
		while (p < end && isalnum((unsigned char)*p))
			p++;
		k = (size_t)(p - t);
		if (k == 0)
			continue;
		for (i = 0; names[i]; i++)
			if (strlen(names[i]) == k && strncasecmp(names[i], t, k) == 0)
				return 1;
	}
	return 0;
}

static int
eqi(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

/* Lowercase copy for the host lists, which are lowercase. */
static int
in_list(const struct hostset *hs, const char *s, size_t n)
{
	char buf[256];
	size_t i;

	if (hs == NULL || n == 0 || n >= sizeof buf)
		return 0;
	for (i = 0; i < n; i++)
		buf[i] = (char)tolower((unsigned char)s[i]);
	return hostset_match(hs, buf, n);
}

int
source_is_search(const struct traffic_ctx *c, const char *s, size_t n)
{
	static const char *const names[] = { "google", "bing", "yahoo",
	    "duckduckgo", "baidu", "yandex", "ecosia", NULL };

	return has_token(s, n, names) || in_list(c->search, s, n);
}

int
source_is_social(const struct traffic_ctx *c, const char *s, size_t n)
{
	static const char *const names[] = { "facebook", "fb", "instagram",
	    "ig", "linkedin", "twitter", "tiktok", "pinterest", "reddit",
	    "youtube", NULL };

	return has_token(s, n, names) || eqi(s, n, "t.co") ||
	    eqi(s, n, "x.com") || eqi(s, n, "lnkd.in") ||
	    in_list(c->social, s, n);
}

/* The registrable part's first label index: "a.b.example.co.uk" -> 2. */
static size_t
registrable_label(const char *h, size_t n, size_t *nlabels)
{
	static const char *const second[] = { "co", "com", "net", "org", "ac",
	    "gov", "edu", "ne", "or", NULL };
	const char *lab[64];
	size_t lens[64], k = 0, i;
	const char *p = h, *end = h + n;

	while (p < end && k < 64) {
		const char *d = memchr(p, '.', (size_t)(end - p));

		lab[k] = p;
		lens[k] = (size_t)((d ? d : end) - p);
		k++;
		p = d ? d + 1 : end;
	}
	*nlabels = k;
	if (k < 2)
		return 0;
	/* A two-letter country code under co., com., ... ("co.uk"). */
	if (k >= 3 && lens[k - 1] == 2)
		for (i = 0; second[i]; i++)
			if (lens[k - 2] == strlen(second[i]) &&
			    memcmp(lab[k - 2], second[i], lens[k - 2]) == 0)
				return k - 3;
	return k - 2;
}

/*
 * 1: a mail label in the subdomain part (mail.google.com); 2: a mail
 * provider's own domain or a deref- redirector (mail.com, deref-gmx.de).
 */
static int
webmail(const char *h, size_t n)
{
	size_t nl, reg = registrable_label(h, n, &nl), i = 0;
	const char *p = h, *end = h + n;

	while (p < end) {
		const char *d = memchr(p, '.', (size_t)(end - p));
		size_t k = (size_t)((d ? d : end) - p);

		if (i < reg && (mem_has(p, k, "mail") ||
		    mem_has(p, k, "messagerie")))
			return 1;
		if (i == reg && (mem_has(p, k, "mail") ||
		    (k > 6 && memcmp(p, "deref-", 6) == 0)))
			return 2;
		i++;
		p = d ? d + 1 : end;
	}
	return 0;
}

static int
paid(struct span m)
{
	size_t i;

	for (i = 0; i + 1 < m.len; i++)
		if (tolower((unsigned char)m.p[i]) == 'c' &&
		    tolower((unsigned char)m.p[i + 1]) == 'p')
			return 1;
	return eqi(m.p, m.len, "ppc") || eqi(m.p, m.len, "retargeting") ||
	    (m.len >= 4 && strncasecmp(m.p, "paid", 4) == 0);
}

static int
in_words(struct span s, const char *const *w)
{
	size_t i;

	for (i = 0; w[i]; i++)
		if (eqi(s.p, s.len, w[i]))
			return 1;
	return 0;
}

const char *
channel_of(const struct traffic_ctx *c, struct span src, struct span med)
{
	static const char *const display[] = { "display", "banner",
	    "expandable", "interstitial", "cpm", NULL };
	static const char *const email[] = { "email", "e-mail", "e_mail",
	    "e mail", NULL };
	static const char *const social[] = { "social", "social-network",
	    "social-media", "sm", "social network", "social media", NULL };
	static const char *const referral[] = { "referral", "app", "link",
	    NULL };
	int is_paid = paid(med);
	int search = source_is_search(c, src.p, src.len);
	int soc = source_is_social(c, src.p, src.len);

	if (eqi(src.p, src.len, "(direct)") && (eqi(med.p, med.len, "(none)") ||
	    eqi(med.p, med.len, "(not set)")))
		return "Direct";
	if (is_paid && search)
		return "Paid Search";
	if (is_paid && soc)
		return "Paid Social";
	if (in_words(med, display))
		return "Display";
	if (is_paid)
		return "Paid Other";
	if (in_words(src, email) || in_words(med, email))
		return "Email";
	if (eqi(med.p, med.len, "affiliate"))
		return "Affiliates";
	if (soc || in_words(med, social))
		return "Organic Social";
	if (search || eqi(med.p, med.len, "organic"))
		return "Organic Search";
	if (in_words(med, referral))
		return "Referral";
	return "Unassigned";
}

/*
 * The memo: channel_of is some thirty case-insensitive word and host
 * list tests, and a referrer host's medium a few more, once per session;
 * a site's sessions come from a few hundred sources at most. Each slot
 * keeps its whole key, so a hit is the same answer, never a guess.
 */
#define MEMO_SLOTS	1024	/* per table, a power of two */
#define MEMO_KEY	96

struct memo_slot {
	uint64_t	 h;
	size_t		 n;		/* 0: empty */
	const char	*v;		/* the channel, or the medium */
	int		 own;		/* a host of the site's own */
	char		 k[MEMO_KEY];
};

struct traffic_memo {
	struct memo_slot chan[MEMO_SLOTS], host[MEMO_SLOTS];
};

/* The slot for key (n bytes): *hit if it holds it. */
static struct memo_slot *
memo_slot(struct memo_slot *table, const char *k, size_t n, int *hit)
{
	uint64_t h = XXH3_64bits(k, n);
	struct memo_slot *m = &table[h & (MEMO_SLOTS - 1)];

	*hit = m->n == n && m->h == h && memcmp(m->k, k, n) == 0;
	if (!*hit) {
		m->h = h;
		m->n = n;
		memcpy(m->k, k, n);
	}
	return m;
}

static const char *
channel_memo(const struct traffic_ctx *c, struct span src, struct span med)
{
	char k[MEMO_KEY];
	struct memo_slot *m;
	int hit;

	if (c->memo == NULL || 1 + src.len + med.len > MEMO_KEY)
		return channel_of(c, src, med);
	k[0] = (char)src.len;	/* where source ends */
	memcpy(k + 1, src.p, src.len);
	memcpy(k + 1 + src.len, med.p, med.len);
	m = memo_slot(c->memo->chan, k, 1 + src.len + med.len, &hit);
	if (!hit)
		m->v = channel_of(c, src, med);
	return m->v;
}

/* The medium of a referrer's host (lowercase), or NULL for one of the
 * site's own hosts. */
static const char *
host_medium(const struct traffic_ctx *c, const char *s, size_t n)
{
	struct memo_slot *m = NULL;
	int hit = 0, w;
	const char *v;

	if (c->memo != NULL && n <= MEMO_KEY) {
		m = memo_slot(c->memo->host, s, n, &hit);
		if (hit)
			return m->v;
	}
	if (c->own && hostset_match(c->own, s, n))
		v = NULL;
	else if ((w = webmail(s, n)) == 1)
		v = "email";
	else if (source_is_social(c, s, n))
		v = "social";
	else if (source_is_search(c, s, n))
		v = "organic";
	else if (w == 2)
		v = "email";
	else
		v = "referral";
	if (m != NULL)
		m->v = v;
	return v;
}

static struct span
lit(const char *s)
{
	struct span sp = { s, strlen(s) };

	return sp;
}

void
traffic_of(const struct traffic_ctx *c, const char *q, size_t qlen,
    const char *ref, size_t rlen, char *scratch, struct traffic *t)
{
	struct qparam p;
	size_t pos = 0;
	long n;
	char *s = scratch;
	const char *med;
	int google = 0, bing = 0;
	unsigned seen = 0;

	memset(t, 0, sizeof *t);
	/* The first click id in URL order, and the ad networks' own ids;
	 * of a repeated name the first occurrence counts, empty or not. */
	while (query_next(q, qlen, &pos, &p)) {
		int k = param_index(p.name, p.namelen);

		if (k < FIRST_CLICK_ID || (seen & (1u << k)))
			continue;
		seen |= 1u << k;
		if (p.vallen == 0)
			continue;
		if (t->click_id == NULL)
			t->click_id = campaign_params[k];
		google |= k >= 6 && k <= 9;	/* gclid gbraid wbraid dclid */
		bing |= k == 10;		/* msclkid */
	}
	t->source.p = NULL;
	if ((n = query_get(q, qlen, "utm_source", s)) > 0) {
		t->source.p = s;
		t->source.len = (size_t)n;
		s += n;
	}
	if ((n = query_get(q, qlen, "utm_medium", s)) > 0) {
		t->medium.p = s;
		t->medium.len = (size_t)n;
		s += n;
	}
	if ((n = query_get(q, qlen, "utm_campaign", s)) > 0) {
		t->campaign.p = s;
		t->campaign.len = (size_t)n;
		s += n;
	} else {
		t->campaign = lit("(not set)");
	}
	if (t->source.p || t->medium.p) {
		if (t->source.p == NULL)
			t->source = lit("(not set)");
		if (t->medium.p == NULL)
			t->medium = lit("(not set)");
	} else if (google) {
		t->source = lit("google");
		t->medium = lit("cpc");
	} else if (bing) {
		t->source = lit("bing");
		t->medium = lit("cpc");
	} else if ((n = referrer_host(ref, rlen, s)) > 0 &&
	    (med = host_medium(c, s, (size_t)n)) != NULL) {
		t->source.p = s;
		t->source.len = (size_t)n;
		t->medium = lit(med);
	} else {
		t->source = lit("(direct)");
		t->medium = lit("(none)");
	}
	t->channel = channel_memo(c, t->source, t->medium);
}

extern const char revisit_data_search_engines[], revisit_data_socials[];
extern const size_t revisit_data_search_engines_len, revisit_data_socials_len;

void
traffic_lists(struct traffic_ctx *tc)
{
	tc->search = hostset_new(revisit_data_search_engines,
	    revisit_data_search_engines_len);
	tc->social = hostset_new(revisit_data_socials,
	    revisit_data_socials_len);
	tc->memo = xcalloc(1, sizeof *tc->memo);
}

int
traffic_site_host(struct traffic_ctx *tc, const char *s)
{
	char buf[256];
	size_t n = 0;

	/* Lowercase, no "www.", no port: as referrer hosts are compared. */
	if (strncasecmp(s, "www.", 4) == 0)
		s += 4;
	while (*s && *s != ':' && *s != '/' && n < sizeof buf - 1)
		buf[n++] = (char)tolower((unsigned char)*s++);
	if (n == 0)
		return -1;
	if (tc->own == NULL)
		tc->own = hostset_new("", 0);
	hostset_add(tc->own, buf, n);
	return 0;
}

void
traffic_free(struct traffic_ctx *tc)
{
	hostset_free(tc->search);
	hostset_free(tc->social);
	hostset_free(tc->own);
	free(tc->memo);
	tc->search = tc->social = tc->own = NULL;
	tc->memo = NULL;
}
