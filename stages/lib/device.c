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
is(const char *s, size_t n, const char *w)
{
	return n == strlen(w) && memcmp(s, w, n) == 0;
}

int
device_of(const char *ua, size_t n)
{
#define HAS(w)	mem_has(ua, n, (w))
	if (is(ua, n, "mobile"))	/* a class's name: --lean */
		return DEV_MOBILE;	/* ("desktop" and "tablet" are
					   already theirs, below) */
	if (HAS("iPad") || (HAS("Tablet") && !HAS("Tablet PC")) ||
	    HAS("tablet") || HAS("Kindle") || HAS("Silk/") ||
	    HAS("PlayBook") || (HAS("Android") && !HAS("Mobile")))
		return DEV_TABLET;
	if (HAS("Mobi") || HAS("iPhone") || HAS("iPod") || HAS("Android") ||
	    HAS("Windows Phone") || HAS("BlackBerry") || HAS("BB10") ||
	    HAS("Opera Mini") || HAS("IEMobile") || HAS("webOS"))
		return DEV_MOBILE;
	return DEV_DESKTOP;
#undef HAS
}

struct device_cache *
device_cache_new(void)
{
	return xcalloc(1, sizeof(struct device_cache));
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
