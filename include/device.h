/*
 * device.h - the device class of a user agent (desktop, mobile, tablet),
 * as sessions record it (schemas/session.md: device).
 */
#ifndef REVISIT_DEVICE_H
#define REVISIT_DEVICE_H

#include <stddef.h>
#include <stdint.h>

enum { DEV_DESKTOP, DEV_MOBILE, DEV_TABLET };
extern const char *const device_names[];	/* "desktop", ... */

/*
 * The class of a user agent, by the tokens browsers put in it. An agent
 * that is exactly a class's name is that class: revisit-parse --lean
 * writes the class in place of the agent.
 */
int	device_of(const char *ua, size_t n);

/* device_of, remembered by the agent's hash: a site sees few agents, and
 * the tokens are looked for in every byte. */
struct device_slot {
	uint64_t	 h;		/* the agent's hash | 1; 0: empty */
	int		 dev;
};
struct device_cache {
	struct device_slot slot[4096];
};

struct device_cache	*device_cache_new(void);
int			 device_cached(struct device_cache *, const char *ua,
			    size_t n);

#endif
