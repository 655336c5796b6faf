/*
 * gen-logs - a deterministic synthetic e-commerce site: its access logs
 * (combined_vid: combined plus "$cookie_vid" "$cookie_uid"), and a record
 * of what it simulated, so each revisit stage can be checked against it.
 *
 * The shop: shop.example.com, products /product/SKU-nnnnn, cart adds
 * /cart/add?sku=, checkout /checkout..., confirmation
 * /order/complete?order_id=&value=&currency=. Persons own one or two
 * devices (cookie vids); some register and log in (uid cookie from then
 * on, on that device), which joins their devices. Sessions arrive by
 * campaign (utm_*, gclid, msclkid, fbclid), search, social, email,
 * referral, display, affiliate and direct; they browse, cart, abandon or
 * buy. Around the humans: asset and pixel requests, bots (about a quarter
 * of the lines), a few malformed lines, and four servers whose files
 * interleave with mild disorder when merged.
 *
 * Sessions follow the rules of DESIGN.md exactly, so the truth files list
 * the sessions a correct sessionizer must find: gaps inside a session are
 * at most 10 minutes, between sessions at least 45; a campaign click in
 * the middle of a visit starts a new session; no session crosses midnight
 * UTC (nightly batches).
 *
 * usage: gen-logs -o DIR [--days N] [--start YYYY-MM-DD] [--lines N]
 *            [--servers N] [--seed N] [--gzip] [--merged FILE] [--no-split]
 *            [--jitter SECONDS]
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "prog.h"
#include "timeparse.h"

#define HOST		"shop.example.com"
#define NSKU		2000
#define DAY_MS		86400000LL
#define MIN_MS		60000LL

/* ---- randomness: xoshiro256**, seeded by splitmix64 ---- */

static uint64_t rs[4];

static uint64_t
splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
seed_rng(uint64_t s)
{
	int i;

	for (i = 0; i < 4; i++)
		rs[i] = splitmix(&s);
}

static uint64_t
rnd(void)
{
	uint64_t r = ((rs[1] * 5) << 7 | (rs[1] * 5) >> 57) * 9, t = rs[1] << 17;

	rs[2] ^= rs[0];
	rs[3] ^= rs[1];
	rs[1] ^= rs[2];
	rs[0] ^= rs[3];
	rs[2] ^= t;
	rs[3] = rs[3] << 45 | rs[3] >> 19;
	return r;
}

/* Uniform in [0, n). */
static uint64_t
rn(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* Uniform in [lo, hi]. */
static int64_t
rr(int64_t lo, int64_t hi)
{
	return lo + (int64_t)rn((uint64_t)(hi - lo + 1));
}

/* Log times have whole seconds, so the clock ticks in seconds too. */
static int64_t
secs(int64_t lo, int64_t hi)
{
	return rr(lo, hi) * 1000;
}

static int
chance(double p)
{
	return (double)(rnd() >> 11) / 9007199254740992.0 < p;
}

/* ---- the world ---- */

static const char *const desktop_ua[] = {
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
	"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
};
static const char *const mobile_ua[] = {
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
	"Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1",
};
static const char *const tablet_ua[] = {
	"Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
};
static const char *const bot_ua[] = {
	"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
	"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
	"Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
	"Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
	"Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
	"curl/8.5.0",
	"python-requests/2.31.0",
	"Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
	"facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
	"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
	"-",
};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

enum { DESKTOP, MOBILE, TABLET };
static const char *const device_names[] = { "desktop", "mobile", "tablet" };

struct device {
	char		 vid[24];
	int		 person;
	int		 type;
	const char	*ua;
	uint32_t	 ip;
	int		 logged_in;	/* uid cookie set on this device */
};

struct person {
	char		 uid[24];	/* "" if never registers */
	int		 dev[2], ndev;
	double		 activity;	/* expected sessions per day */
	double		 buyer;		/* purchase propensity */
	int		 carted[8], ncarted;
};

/* How a session arrives, and the channel DESIGN.md's table gives it. */
struct arrival {
	const char	*name;
	double		 weight;
	const char	*channel;
};
static const struct arrival arrivals[] = {
	{ "direct",		24, "Direct" },
	{ "search",		22, "Organic Search" },
	{ "paid_search",	12, "Paid Search" },
	{ "gclid_only",		 2, "Paid Search" },
	{ "bing_ads",		 2, "Paid Search" },
	{ "paid_social",	 7, "Paid Social" },
	{ "social",		 8, "Organic Social" },
	{ "social_fbclid",	 2, "Organic Social" },
	{ "email",		10, "Email" },
	{ "referral",		 6, "Referral" },
	{ "display",		 3, "Display" },
	{ "affiliate",		 1, "Affiliates" },
	{ "unassigned",		 1, "Unassigned" },
};

/* ---- output ---- */

struct ev {
	int64_t		 ts;
	uint32_t	 off, len;
	uint32_t	 seq;
	uint16_t	 server;
	int32_t		 jitter;	/* ms, for the merged stream */
};

static struct {
	struct ev	*ev;
	size_t		 nev, cap;
	char		*text;
	size_t		 tlen, tcap;
} day;

static struct opts {
	const char	*dir;
	const char	*merged;
	int		 days, servers, gzip, split;
	int		 jitter;	/* ms of arrival disorder, merged */
	long long	 lines;
	uint64_t	 seed;
	int64_t		 start;		/* ms, midnight UTC */
} O = { NULL, NULL, 30, 4, 0, 1, 20000, 0, 1, 0 };

static struct {
	unsigned long long lines, pages, assets, bots, malformed, empty,
	    sessions, purchases, reloads, carts;
} count;

static FILE *t_sessions, *t_purchases, *t_carts, *t_persons, *t_pages;

static void
emit(int64_t ts, int server, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (day.nev == day.cap) {
		day.cap = day.cap ? day.cap * 2 : 1 << 16;
		if ((day.ev = realloc(day.ev, day.cap * sizeof *day.ev)) == NULL)
			die(EX_OSERR, "out of memory");
	}
	if (day.tcap - day.tlen < 4096) {
		day.tcap = day.tcap ? day.tcap * 2 : 1 << 24;
		if ((day.text = realloc(day.text, day.tcap)) == NULL)
			die(EX_OSERR, "out of memory");
	}
	va_start(ap, fmt);
	n = vsnprintf(day.text + day.tlen, 4096, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= 4096)
		die(EX_SOFTWARE, "line too long");
	day.ev[day.nev].ts = ts;
	day.ev[day.nev].off = (uint32_t)day.tlen;
	day.ev[day.nev].len = (uint32_t)n;
	day.ev[day.nev].seq = (uint32_t)day.nev;
	day.ev[day.nev].server = (uint16_t)server;
	day.ev[day.nev].jitter = 0;	/* set in write_day */
	day.nev++;
	day.tlen += (size_t)n;
	count.lines++;
}

/* A line of raw bytes (NULs included), newline added. */
static void
emit_raw(int64_t ts, int server, const char *p, size_t n)
{
	emit(ts, server, "%s", "");
	if (day.tcap - day.tlen < n + 1)
		die(EX_SOFTWARE, "raw line too long");
	memcpy(day.text + day.tlen, p, n);
	day.text[day.tlen + n] = '\n';
	day.ev[day.nev - 1].len = (uint32_t)(n + 1);
	day.tlen += n + 1;
}

static void
clf_time(int64_t ms, char *buf)
{
	static const char *mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int64_t d = ms / DAY_MS, s = (ms % DAY_MS) / 1000;
	unsigned m, dd;
	int y;

	civil_from_days(d, &y, &m, &dd);
	snprintf(buf, 40, "%02u/%s/%04d:%02d:%02d:%02d +0000", dd, mon[m - 1],
	    y, (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
}

static void
ipstr(uint32_t ip, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255,
	    (ip >> 8) & 255, ip & 255);
}

/* One access log line. ref and uid may be NULL for "-". */
static void
line(int64_t ts, int server, uint32_t ip, const char *method,
    const char *target, int status, long bytes, const char *ref,
    const char *ua, const char *vid, const char *uid)
{
	char t[40], a[16];

	clf_time(ts, t);
	ipstr(ip, a);
	emit(ts, server, "%s - - [%s] \"%s %s HTTP/1.1\" %d %ld \"%s\" \"%s\" "
	    "\"%s\" \"%s\"\n", a, t, method, target, status, bytes,
	    ref ? ref : "-", ua, vid ? vid : "-", uid && *uid ? uid : "-");
}

/* ---- a visit ---- */

struct visit {
	struct device	*d;
	struct person	*p;
	int64_t		 t;		/* clock */
	int64_t		 start, last;
	int		 pages;
	char		 prev[256];	/* last page URL, for referrers */
	char		 landing[256];
	const struct arrival *a;
	char		 source[64], medium[64], campaign[64], click[16];
	char		 sku[16];
	int		 open;
};

static const char *
uid_of(const struct visit *v)
{
	return v->d->logged_in ? v->p->uid : NULL;
}

static void
session_close(struct visit *v)
{
	if (!v->open)
		return;
	fprintf(t_sessions, "%s\t%lld\t%lld\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
	    v->d->vid, (long long)v->start, (long long)v->last, v->pages, v->a->channel,
	    v->source, v->medium, v->campaign, v->click[0] ? v->click : "-",
	    v->landing, device_names[v->d->type]);
	v->open = 0;
	count.sessions++;
}

/* A page view: the page line, then some of its assets. */
static void
page(struct visit *v, const char *target, const char *ref, int status)
{
	int server = (int)rn((uint64_t)O.servers), i, nassets;
	char page_url[600];
	static const char *const assets[] = { "/static/app.css",
	    "/static/app.js", "/static/logo.svg", "/img/hero.webp",
	    "/static/font.woff2", "/favicon.ico" };

	line(v->t, server, v->d->ip, "GET", target, status,
	    (long)rr(4000, 60000), ref, v->d->ua, v->d->vid, uid_of(v));
	count.pages++;
	if (status >= 200 && status < 400) {
		if (!v->open) {
			v->open = 1;
			v->start = v->t;
			v->pages = 0;
			snprintf(v->landing, sizeof v->landing, "%.*s",
			    (int)strcspn(target, "?"), target);
		}
		v->pages++;
		v->last = v->t;
		fprintf(t_pages, "%s\t%lld\t%s\n", v->d->vid, (long long)v->t,
		    target);
	}
	/* Assets come from the same browser within a second or two. */
	snprintf(page_url, sizeof page_url, "https://" HOST "%s", target);
	nassets = chance(0.5) ? (int)rn(3) : 0;
	for (i = 0; i < nassets; i++) {
		char url[300];

		snprintf(url, sizeof url, "%s", assets[rn(NELEM(assets))]);
		line(v->t + secs(0, 2), (int)rn((uint64_t)O.servers),
		    v->d->ip, "GET", url, chance(0.9) ? 200 : 304,
		    (long)rr(300, 90000), page_url, v->d->ua, v->d->vid,
		    uid_of(v));
		count.assets++;
	}
	if (chance(0.15)) {
		char url[300];

		snprintf(url, sizeof url, "/px.gif?e=pv&r=%llu",
		    (unsigned long long)rn(1000000));
		line(v->t + secs(0, 1), server, v->d->ip, "GET", url, 200, 43,
		    target, v->d->ua, v->d->vid, uid_of(v));
		count.assets++;
	}
	snprintf(v->prev, sizeof v->prev, "https://" HOST "%s", target);
}

static void
step(struct visit *v)
{
	v->t += secs(8, 600);	/* never near a 30-minute gap */
}

/* Start the arrival a: the landing query and referrer. */
static void
arrive(struct visit *v, const struct arrival *a, char *query, size_t qlen,
    char *ref, size_t rlen)
{
	static const char *const camps[] = { "summer_sale", "new_arrivals",
	    "brand", "retarget_cart", "clearance" };
	const char *camp = camps[rn(NELEM(camps))];
	char id[24];

	v->a = a;
	snprintf(id, sizeof id, "%016llx", (unsigned long long)rnd());
	query[0] = ref[0] = '\0';
	v->click[0] = '\0';
	snprintf(v->campaign, sizeof v->campaign, "(not set)");
	if (strcmp(a->name, "direct") == 0) {
		snprintf(v->source, 64, "(direct)");
		snprintf(v->medium, 64, "(none)");
	} else if (strcmp(a->name, "search") == 0) {
		static const char *const eng[][2] = {
		    { "https://www.google.com/", "google.com" },
		    { "https://www.google.de/", "google.de" },
		    { "https://www.bing.com/search?q=shoes", "bing.com" },
		    { "https://duckduckgo.com/", "duckduckgo.com" },
		    { "https://search.yahoo.com/search?p=shop", "search.yahoo.com" },
		};
		int k = (int)rn(NELEM(eng));

		snprintf(ref, rlen, "%s", eng[k][0]);
		snprintf(v->source, 64, "%s", eng[k][1]);
		snprintf(v->medium, 64, "organic");
	} else if (strcmp(a->name, "paid_search") == 0) {
		snprintf(query, qlen, "utm_source=google&utm_medium=cpc&"
		    "utm_campaign=%s&gclid=%s", camp, id);
		snprintf(ref, rlen, "https://www.google.com/");
		snprintf(v->source, 64, "google");
		snprintf(v->medium, 64, "cpc");
		snprintf(v->campaign, 64, "%s", camp);
		snprintf(v->click, 16, "gclid");
	} else if (strcmp(a->name, "gclid_only") == 0) {
		snprintf(query, qlen, "gclid=%s", id);
		snprintf(ref, rlen, "https://www.google.com/");
		snprintf(v->source, 64, "google");
		snprintf(v->medium, 64, "cpc");
		snprintf(v->click, 16, "gclid");
	} else if (strcmp(a->name, "bing_ads") == 0) {
		snprintf(query, qlen, "msclkid=%s&utm_campaign=%s", id, camp);
		snprintf(ref, rlen, "https://www.bing.com/");
		snprintf(v->source, 64, "bing");
		snprintf(v->medium, 64, "cpc");
		snprintf(v->campaign, 64, "%s", camp);
		snprintf(v->click, 16, "msclkid");
	} else if (strcmp(a->name, "paid_social") == 0) {
		snprintf(query, qlen, "utm_source=facebook&utm_medium=paid_social"
		    "&utm_campaign=%s&fbclid=%s", camp, id);
		snprintf(ref, rlen, "https://m.facebook.com/");
		snprintf(v->source, 64, "facebook");
		snprintf(v->medium, 64, "paid_social");
		snprintf(v->campaign, 64, "%s", camp);
		snprintf(v->click, 16, "fbclid");
	} else if (strcmp(a->name, "social") == 0) {
		static const char *const soc[][2] = {
		    { "https://www.facebook.com/", "facebook.com" },
		    { "https://t.co/x1y2z3", "t.co" },
		    { "https://www.instagram.com/", "instagram.com" },
		    { "https://www.reddit.com/r/deals/", "reddit.com" },
		    { "https://www.pinterest.com/", "pinterest.com" },
		};
		int k = (int)rn(NELEM(soc));

		snprintf(ref, rlen, "%s", soc[k][0]);
		snprintf(v->source, 64, "%s", soc[k][1]);
		snprintf(v->medium, 64, "social");
	} else if (strcmp(a->name, "social_fbclid") == 0) {
		/* Organic shares carry fbclid too; it is not a paid click. */
		snprintf(query, qlen, "fbclid=%s", id);
		snprintf(ref, rlen, "https://l.facebook.com/");
		snprintf(v->source, 64, "l.facebook.com");
		snprintf(v->medium, 64, "social");
		snprintf(v->click, 16, "fbclid");
	} else if (strcmp(a->name, "email") == 0) {
		snprintf(query, qlen, "utm_source=newsletter&utm_medium=email&"
		    "utm_campaign=week_%02d", (int)rr(1, 52));
		snprintf(v->source, 64, "newsletter");
		snprintf(v->medium, 64, "email");
		snprintf(v->campaign, 64, "%s", strrchr(query, '=') + 1);
	} else if (strcmp(a->name, "referral") == 0) {
		static const char *const refs[][2] = {
		    { "https://blog.example.org/best-shoes-2024", "blog.example.org" },
		    { "https://www.dealsite.net/item/7", "dealsite.net" },
		    { "https://forum.example.net:8443/t/42", "forum.example.net" },
		};
		int k = (int)rn(NELEM(refs));

		snprintf(ref, rlen, "%s", refs[k][0]);
		snprintf(v->source, 64, "%s", refs[k][1]);
		snprintf(v->medium, 64, "referral");
	} else if (strcmp(a->name, "display") == 0) {
		snprintf(query, qlen, "utm_source=criteo&utm_medium=display&"
		    "utm_campaign=%s", camp);
		snprintf(v->source, 64, "criteo");
		snprintf(v->medium, 64, "display");
		snprintf(v->campaign, 64, "%s", camp);
	} else if (strcmp(a->name, "affiliate") == 0) {
		snprintf(query, qlen, "utm_source=awin&utm_medium=affiliate&"
		    "utm_campaign=partner%%20program");
		snprintf(ref, rlen, "https://www.awin1.com/");
		snprintf(v->source, 64, "awin");
		snprintf(v->medium, 64, "affiliate");
		snprintf(v->campaign, 64, "partner program");
	} else {
		snprintf(query, qlen, "utm_source=flyer&utm_medium=qr_code");
		snprintf(v->source, 64, "flyer");
		snprintf(v->medium, 64, "qr_code");
	}
}

static const struct arrival *
pick_arrival(void)
{
	double total = 0, x;
	size_t i;

	for (i = 0; i < NELEM(arrivals); i++)
		total += arrivals[i].weight;
	x = (double)rn(1000000) / 1000000.0 * total;
	for (i = 0; i < NELEM(arrivals); i++) {
		if (x < arrivals[i].weight)
			return &arrivals[i];
		x -= arrivals[i].weight;
	}
	return &arrivals[0];
}

static void
random_sku(char *buf)
{
	/* Popular products are viewed more: a skewed pick. */
	uint64_t a = rn(NSKU), b = rn(NSKU);

	snprintf(buf, 16, "SKU-%05llu", (unsigned long long)(10000 +
	    (a < b ? a : b)));
}

/* Land on the site; unique: make the campaign differ from any before. */
static void
land(struct visit *v, const struct arrival *a, int unique)
{
	char query[256], ref[256], target[600];

	arrive(v, a, query, sizeof query, ref, sizeof ref);
	if (unique)
		snprintf(query + strlen(query), sizeof query - strlen(query),
		    "&utm_id=%llu", (unsigned long long)rn(1000000000));
	switch (rn(3)) {
	case 0:
		snprintf(target, sizeof target, "/%s%s", *query ? "?" : "",
		    query);
		break;
	case 1:
		snprintf(target, sizeof target, "/category/%s%s%s",
		    (const char *[]){ "shoes", "bags", "watches", "sale" }[rn(4)],
		    *query ? "?" : "", query);
		break;
	default:
		random_sku(v->sku);
		snprintf(target, sizeof target, "/product/%s%s%s", v->sku,
		    *query ? "?" : "", query);
		break;
	}
	page(v, target, *ref ? ref : NULL, 200);
	/* A reload of a campaign landing page: same campaign, no split. */
	if (*query && chance(0.05)) {
		v->t += secs(2, 20);
		page(v, target, *ref ? ref : NULL, 200);
	}
}

static void
buy(struct visit *v)
{
	char target[300], prev[300];
	double value = (double)rr(999, 49999) / 100.0;
	char oid[32];
	int r;

	/* Unique, as a shop's are: a sequence number and a random part. */
	snprintf(oid, sizeof oid, "ORD-%07llu-%04llx",
	    (unsigned long long)count.purchases + 1,
	    (unsigned long long)rnd() >> 48);
	step(v);
	page(v, "/checkout", v->prev, 200);
	step(v);
	page(v, "/checkout/payment", v->prev, 200);
	step(v);
	snprintf(target, sizeof target, "/order/complete?order_id=%s&"
	    "value=%.2f&currency=EUR", oid, value);
	snprintf(prev, sizeof prev, "%s", v->prev);
	page(v, target, prev, 200);
	fprintf(t_purchases, "%s\t%s\t%lld\t%.2f\tEUR\t%lld\n", oid,
	    v->d->vid, (long long)v->t, value, (long long)v->start);
	count.purchases++;
	v->p->ncarted = 0;
	/* Reloading the confirmation page must not count twice. */
	for (r = chance(0.1) ? (int)rr(1, 2) : 0; r > 0; r--) {
		v->t += secs(1, 60);
		page(v, target, prev, 200);
		count.reloads++;
	}
}

/* One visit of device d starting at t0; returns its end time. */
static int64_t
visit(struct device *d, struct person *p, int64_t t0)
{
	struct visit v;
	int i, n;

	memset(&v, 0, sizeof v);
	v.d = d;
	v.p = p;
	v.t = t0;
	land(&v, pick_arrival(), 0);
	n = (int)rr(0, 8);
	for (i = 0; i < n; i++) {
		char target[300];

		step(&v);
		if (chance(0.02)) {
			/* A campaign click mid-visit: a new session. */
			const struct arrival *a;

			do
				a = pick_arrival();
			while (strcmp(a->name, "direct") == 0 ||
			    strcmp(a->name, "search") == 0 ||
			    strcmp(a->name, "social") == 0 ||
			    strcmp(a->name, "referral") == 0);
			session_close(&v);
			land(&v, a, 1);
			continue;
		}
		if (chance(0.03)) {
			page(&v, "/no-such-page", v.prev, 404);
			continue;
		}
		if (p->uid[0] && !d->logged_in && chance(0.15)) {
			page(&v, "/account/login", v.prev, 200);
			step(&v);
			d->logged_in = 1;
			page(&v, "/account", v.prev, 302);
			continue;
		}
		random_sku(v.sku);
		snprintf(target, sizeof target, "/product/%s", v.sku);
		page(&v, target, v.prev, 200);
		if (chance(0.25)) {
			step(&v);
			snprintf(target, sizeof target, "/cart/add?sku=%s&qty=1",
			    v.sku);
			page(&v, target, v.prev, 200);
			fprintf(t_carts, "%s\t%lld\t%s\n", d->vid,
			    (long long)v.t, v.sku);
			count.carts++;
			if (p->ncarted < 8)
				p->ncarted++;
		}
	}
	if (p->ncarted > 0 && chance(p->buyer))
		buy(&v);
	else if (p->ncarted > 0 && chance(0.2)) {
		step(&v);
		page(&v, "/checkout", v.prev, 200);	/* abandoned */
	}
	session_close(&v);
	return v.last;
}

/* ---- bots and junk ---- */

static void
bot_lines(int64_t t0, int64_t t1, long n)
{
	long i;

	for (i = 0; i < n; i++) {
		int64_t t = t0 + secs(0, (t1 - t0) / 1000 - 1);
		uint32_t ip = 0x42f90000u | (uint32_t)rn(65536);
		const char *ua = bot_ua[rn(NELEM(bot_ua))];
		char target[64];
		char sku[16];

		random_sku(sku);
		snprintf(target, sizeof target, chance(0.5) ? "/product/%s" :
		    "/category/%s", sku);
		line(t, (int)rn((uint64_t)O.servers), ip, chance(0.9) ? "GET" :
		    "HEAD", target, chance(0.95) ? 200 : 404,
		    (long)rr(0, 50000), NULL, ua, NULL, NULL);
		count.bots++;
	}
}

static void
junk_lines(int64_t t0, int64_t t1, long n)
{
	long i;

	for (i = 0; i < n; i++) {
		int64_t t = t0 + secs(0, (t1 - t0) / 1000 - 1);
		char tm[40];

		clf_time(t, tm);
		switch (rn(4)) {
		case 0:	/* cut off by a full disk or a crash */
			emit(t, (int)rn((uint64_t)O.servers), "203.0.113.%d - - "
			    "[%s] \"GET /product/SKU-10001 HTTP/1.1\" 200 512 "
			    "\"-\" \"Mozilla/5.0 (Windows NT 10.0; Win64\n",
			    (int)rn(250), tm);
			break;
		case 1: {	/* binary garbage, NUL bytes included */
			static const char g[] = "\x16\x03\x01\x02\x00\x01\x00"
			    "\x01\xfc\x03\x03\xa1";

			emit_raw(t, (int)rn((uint64_t)O.servers), g, sizeof g - 1);
			break;
		}
		case 2:	/* a line from another program */
			emit(t, (int)rn((uint64_t)O.servers), "%s [error] 1234#0: "
			    "*5 upstream timed out\n", tm);
			break;
		default: /* a bad timestamp */
			emit(t, (int)rn((uint64_t)O.servers), "203.0.113.7 - - "
			    "[31/Foo/2024:99:00:00 +0000] \"GET / HTTP/1.1\" "
			    "200 1 \"-\" \"Mozilla/5.0\" \"-\" \"-\"\n");
			break;
		}
		count.malformed++;
	}
}

/* ---- writing a day ---- */

static int
by_time(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
by_arrival(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;
	int64_t u = x->ts + x->jitter, w = y->ts + y->jitter;

	if (u != w)
		return u < w ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

struct out {
	FILE	*fp;
	gzFile	 gz;
};

static void
out_open(struct out *o, const char *path)
{
	memset(o, 0, sizeof *o);
	if (O.gzip) {
		if ((o->gz = gzopen(path, "wb6")) == NULL)
			die(EX_IOERR, "cannot create '%s':", path);
		gzbuffer(o->gz, 1 << 20);
	} else if ((o->fp = fopen(path, "w")) == NULL) {
		die(EX_IOERR, "cannot create '%s':", path);
	}
}

static void
out_write(struct out *o, const char *p, size_t n)
{
	if (o->gz) {
		if (gzwrite(o->gz, p, (unsigned)n) != (int)n)
			die(EX_IOERR, "gzip write error");
	} else if (fwrite(p, 1, n, o->fp) != n) {
		die(EX_IOERR, "write error:");
	}
}

static void
out_close(struct out *o)
{
	if (o->gz && gzclose(o->gz) != Z_OK)
		die(EX_IOERR, "gzip close error");
	if (o->fp && fclose(o->fp) != 0)
		die(EX_IOERR, "close error:");
}

static struct out merged;

static void
write_day(int64_t midnight)
{
	char path[4096], date[32];
	size_t i;
	int s;

	time_format_iso(midnight, date);
	date[10] = '\0';
	qsort(day.ev, day.nev, sizeof *day.ev, by_time);
	if (O.split) {
		for (s = 0; s < O.servers; s++) {
			struct out o;

			snprintf(path, sizeof path, "%s/logs/access-s%d-%s.log%s",
			    O.dir, s + 1, date, O.gzip ? ".gz" : "");
			out_open(&o, path);
			for (i = 0; i < day.nev; i++)
				if (day.ev[i].server == s)
					out_write(&o, day.text + day.ev[i].off,
					    day.ev[i].len);
			out_close(&o);
		}
	}
	if (O.merged) {
		/* Arrival disorder from a hash of the line's place, not from
		 * the simulation's generator: --jitter changes the order of
		 * the merged stream, never its content. */
		for (i = 0; i < day.nev; i++) {
			uint64_t x = O.seed ^ ((uint64_t)midnight << 20) ^ i;

			day.ev[i].jitter = (int32_t)(splitmix(&x) %
			    (uint64_t)(O.jitter + 1));
		}
		qsort(day.ev, day.nev, sizeof *day.ev, by_arrival);
		for (i = 0; i < day.nev; i++)
			out_write(&merged, day.text + day.ev[i].off,
			    day.ev[i].len);
	}
	day.nev = 0;
	day.tlen = 0;
}

/* ---- main ---- */

static FILE *
truth(const char *name, const char *header)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof path, "%s/truth/%s", O.dir, name);
	if ((fp = fopen(path, "w")) == NULL)
		die(EX_IOERR, "cannot create '%s':", path);
	fputs(header, fp);
	return fp;
}

static void
mkdirs(const char *dir)
{
	char path[4096];

	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		die(EX_IOERR, "cannot create '%s':", dir);
	snprintf(path, sizeof path, "%s/logs", dir);
	if (mkdir(path, 0777) != 0 && errno != EEXIST)
		die(EX_IOERR, "cannot create '%s':", path);
	snprintf(path, sizeof path, "%s/truth", dir);
	if (mkdir(path, 0777) != 0 && errno != EEXIST)
		die(EX_IOERR, "cannot create '%s':", path);
}

static const char usage_text[] =
"usage: revisit-gen-logs -o DIR [options]\n"
"Simulate an e-commerce site and write its access logs (combined_vid) to\n"
"DIR/logs/access-sN-DATE.log[.gz], one file per server and day, and what\n"
"it simulated to DIR/truth/*.tsv. Same options, same output.\n"
"\n"
"  -o DIR            output directory\n"
"  --days N          days to simulate (30)\n"
"  --start DATE      first day, YYYY-MM-DD (2024-06-01)\n"
"  --lines N         about N log lines in all (default: 10000 per day)\n"
"  --servers N       web servers (4)\n"
"  --seed N          random seed (1)\n"
"  --gzip            gzip every log file\n"
"  --merged FILE     also write all servers' lines to FILE, merged in\n"
"                    arrival order (mild disorder), gzipped with --gzip\n"
"  --jitter SECONDS  arrival disorder of the merged stream (20; 0 for time\n"
"                    order)\n"
"  --no-split        no per-server files (with --merged)\n";

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "days", required_argument, NULL, 'd' },
		{ "start", required_argument, NULL, 's' },
		{ "lines", required_argument, NULL, 'n' },
		{ "servers", required_argument, NULL, 'S' },
		{ "seed", required_argument, NULL, 'r' },
		{ "gzip", no_argument, NULL, 'z' },
		{ "merged", required_argument, NULL, 'm' },
		{ "no-split", no_argument, NULL, 'N' },
		{ "jitter", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct person *persons;
	struct device *devs;
	long npersons, ndevs = 0, i;
	int64_t lines_per_day;
	int c, dd;

	prog_init(argv[0]);
	if (time_parse_iso8601("2024-06-01T00:00:00Z", 20, &O.start) != 0)
		die(EX_SOFTWARE, "start");
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': O.dir = optarg; break;
		case 'd': O.days = (int)parse_count("--days", optarg); break;
		case 's': {
			char buf[40];

			snprintf(buf, sizeof buf, "%sT00:00:00Z", optarg);
			if (time_parse_iso8601(buf, strlen(buf), &O.start) != 0)
				die(EX_USAGE, "--start: not a date '%s'", optarg);
			break;
		}
		case 'n': O.lines = parse_count("--lines", optarg); break;
		case 'S': O.servers = (int)parse_count("--servers", optarg); break;
		case 'r': O.seed = (uint64_t)parse_count("--seed", optarg); break;
		case 'z': O.gzip = 1; break;
		case 'm': O.merged = optarg; break;
		case 'N': O.split = 0; break;
		case 'j': O.jitter = (int)parse_count("--jitter", optarg) * 1000;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return EX_USAGE;
		}
	}
	if (O.dir == NULL || optind != argc || O.days < 1 || O.servers < 1 ||
	    O.servers > 64) {
		fputs(usage_text, stderr);
		return EX_USAGE;
	}
	mkdirs(O.dir);
	seed_rng(O.seed);
	lines_per_day = O.lines ? O.lines / O.days : 10000;
	/* Persons for the lines asked, calibrated on a generated month:
	 * each person yields about 2.3 lines a day, bots and junk included. */
	npersons = (long)(lines_per_day * 0.668 / 1.55);
	if (npersons < 10)
		npersons = 10;
	persons = calloc((size_t)npersons, sizeof *persons);
	devs = calloc((size_t)npersons * 2, sizeof *devs);
	if (persons == NULL || devs == NULL)
		die(EX_OSERR, "out of memory");
	for (i = 0; i < npersons; i++) {
		struct person *p = &persons[i];
		int k;

		if (chance(0.35))
			snprintf(p->uid, sizeof p->uid, "u%07ld", i + 1);
		p->ndev = p->uid[0] && chance(0.4) ? 2 : 1;
		p->activity = chance(0.2) ? 0.3 : 0.06;
		p->buyer = chance(0.3) ? 0.5 : 0.1;
		for (k = 0; k < p->ndev; k++) {
			struct device *d = &devs[ndevs];

			snprintf(d->vid, sizeof d->vid, "v%011llx",
			    (unsigned long long)(rnd() >> 20));
			d->person = (int)i;
			d->type = k == 1 ? MOBILE : chance(0.55) ? DESKTOP :
			    chance(0.85) ? MOBILE : TABLET;
			d->ua = d->type == DESKTOP ? desktop_ua[rn(NELEM(desktop_ua))] :
			    d->type == MOBILE ? mobile_ua[rn(NELEM(mobile_ua))] :
			    tablet_ua[rn(NELEM(tablet_ua))];
			d->ip = 0x50000000u + (uint32_t)rn(0x20000000u);
			p->dev[k] = (int)ndevs++;
		}
	}
	t_sessions = truth("sessions.tsv", "vid\tstart\tend\tpages\t"
	    "channel\tsource\tmedium\tcampaign\tclick_id\tlanding\tdevice\n");
	t_purchases = truth("purchases.tsv", "order_id\tvid\tts\t"
	    "value\tcurrency\tsession_start\n");
	t_carts = truth("carts.tsv", "vid\tts\tsku\n");
	t_pages = truth("pages.tsv", "vid\tts\ttarget\n");
	if (O.merged)
		out_open(&merged, O.merged);

	for (dd = 0; dd < O.days; dd++) {
		int64_t midnight = O.start + dd * DAY_MS;
		unsigned long long before = count.lines;

		for (i = 0; i < ndevs; i++) {
			struct device *d = &devs[i];
			struct person *p = &persons[d->person];
			int64_t t;

			if (!chance(p->activity))
				continue;
			/* Visits between 06:00 and 21:30, at most two. */
			t = midnight + secs(6 * 3600, 20 * 3600);
			t = visit(d, p, t);
			if (chance(0.3)) {
				t += secs(45 * 60, 120 * 60);
				if (t < midnight + 21 * 60 * MIN_MS)
					visit(d, p, t);
			}
		}
		{
			long humans = (long)(count.lines - before);

			bot_lines(midnight, midnight + DAY_MS, humans / 3);
			junk_lines(midnight, midnight + DAY_MS, humans / 2000 + 1);
			if (chance(0.5)) {
				emit(midnight + secs(0, 86399),
				    (int)rn((uint64_t)O.servers), "\n");
				count.empty++;
				count.lines--;	/* an empty line is no line */
			}
		}
		write_day(midnight);
	}
	if (O.merged)
		out_close(&merged);
	/* Devices and their persons, known only now: a device is linked to
	 * its person's uid once it has logged in. */
	t_persons = truth("devices.tsv", "vid\tperson\tuid\tdevice\n");
	for (i = 0; i < ndevs; i++) {
		const struct device *d = &devs[i];
		const struct person *p = &persons[d->person];

		fprintf(t_persons, "%s\t%s\t%s\t%s\n", d->vid,
		    d->logged_in ? p->uid : d->vid, d->logged_in ? p->uid : "-",
		    device_names[d->type]);
	}
	fclose(t_persons);
	fclose(t_sessions);
	fclose(t_purchases);
	fclose(t_carts);
	fclose(t_pages);
	{
		FILE *s = truth("summary.tsv", "what\tcount\n");

		fprintf(s, "lines\t%llu\npages\t%llu\nassets\t%llu\nbots\t%llu\n"
		    "malformed\t%llu\nempty\t%llu\nsessions\t%llu\n"
		    "purchases\t%llu\nreloads\t%llu\ncarts\t%llu\n"
		    "persons\t%ld\ndevices\t%ld\n", count.lines, count.pages,
		    count.assets, count.bots, count.malformed, count.empty,
		    count.sessions, count.purchases, count.reloads, count.carts,
		    npersons, ndevs);
		fclose(s);
	}
	fprintf(stderr, "%s: %llu lines (%llu pages, %llu assets, %llu bots, "
	    "%llu malformed), %llu sessions, %llu purchases in %s\n",
	    prog_name, count.lines, count.pages, count.assets, count.bots,
	    count.malformed, count.sessions, count.purchases, O.dir);
	free(persons);
	free(devs);
	free(day.ev);
	free(day.text);
	return 0;
}
