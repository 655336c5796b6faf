/*
 * inspect.h - revisit-state --check and --dump: verify a state
 * directory, and show it as JSON Lines.
 */
#ifndef REVISIT_INSPECT_H
#define REVISIT_INSPECT_H

#include "wbuf.h"

/* Every file against the manifest, every record decoded, in order and
 * in its shard. Returns an exit status (65 naming what is wrong). */
int	state_check(const char *dir, int quiet);
/* A header line, then one line per person in key order. */
int	state_dump(const char *dir, struct wbuf *out);

#endif
