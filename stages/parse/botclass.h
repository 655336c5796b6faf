/*
 * botclass.h - is a user agent a bot? The shipped patterns
 * (data/bots.txt) that are plain text are looked up by their first three
 * bytes; the others make one PCRE2 alternation, JIT-compiled. Behind
 * both, a cache keyed by a hash of the user agent: a site sees few
 * distinct agents, so the patterns run about once per agent, not once
 * per line.
 */
#ifndef REVISIT_BOTCLASS_H
#define REVISIT_BOTCLASS_H

#include <stddef.h>
#include <stdint.h>

struct botclass;

/*
 * Compile the patterns in text (one per line; '#' comments and blank lines
 * skipped). Returns NULL with a message in err on a bad pattern.
 */
struct botclass	*botclass_new(const char *text, size_t len, char *err,
		    size_t errlen);
void		 botclass_free(struct botclass *);
/* 1 if ua matches a pattern, else 0. */
int		 botclass_match(struct botclass *, const char *ua, size_t n);
/* Cache statistics, for tests and --verbose. */
void		 botclass_stats(const struct botclass *, uint64_t *lookups,
		    uint64_t *misses);

/* The shipped list, compiled in from data/bots.txt. */
extern const char	revisit_data_bots[];
extern const size_t	revisit_data_bots_len;

#endif
