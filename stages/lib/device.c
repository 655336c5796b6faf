/*
 * device.c - the device class of a user agent.
 */
#include "device.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "prog.h"

const char *const device_names[] = { "desktop", "mobile", "tablet" };

static int
has(const char *s, size_t n, const char *w)
{
	size_t wl = strlen(w), i;

	for (i = 0; i + wl <= n; i++)
		if (memcmp(s + i, w, wl) == 0)
			return 1;
	return 0;
}

static int
is(const char *s, size_t n, const char *w)
{
	return n == strlen(w) && memcmp(s, w, n) == 0;
}

int
device_of(const char *ua, size_t n)
{
	if (is(ua, n, "mobile"))	/* a class's name: --lean */
		return DEV_MOBILE;	/* ("desktop" and "tablet" are
					   already theirs, below) */
	if (has(ua, n, "iPad") || (has(ua, n, "Tablet") &&
	    !has(ua, n, "Tablet PC")) || has(ua, n, "tablet") ||
	    has(ua, n, "Kindle") || has(ua, n, "Silk/") ||
	    has(ua, n, "PlayBook") ||
	    (has(ua, n, "Android") && !has(ua, n, "Mobile")))
		return DEV_TABLET;
	if (has(ua, n, "Mobi") || has(ua, n, "iPhone") || has(ua, n, "iPod") ||
	    has(ua, n, "Android") || has(ua, n, "Windows Phone") ||
	    has(ua, n, "BlackBerry") || has(ua, n, "BB10") ||
	    has(ua, n, "Opera Mini") || has(ua, n, "IEMobile") ||
	    has(ua, n, "webOS"))
		return DEV_MOBILE;
	return DEV_DESKTOP;
}

struct device_cache *
device_cache_new(void)
{
	struct device_cache *c = calloc(1, sizeof *c);

	if (c == NULL)
		die(EX_OSERR, "out of memory");
	return c;
}

int
device_cached(struct device_cache *c, const char *ua, size_t n)
{
	uint64_t h = XXH3_64bits(ua, n) | 1;
	struct device_slot *d = &c->slot[h & 4095];

	if (d->h != h) {
		d->h = h;
		d->dev = device_of(ua, n);
	}
	return d->dev;
}
