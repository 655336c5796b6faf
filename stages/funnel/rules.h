/*
 * rules.h - funnel rules (schemas/funnel.md): ordered stages, each with
 * rules that match a page's path (exact, prefix, glob or PCRE2 regex),
 * optional method and query conditions, and captures (sku, order_id,
 * value, currency) from path groups or query parameters.
 */
#ifndef REVISIT_RULES_H
#define REVISIT_RULES_H

#include <stddef.h>

#define MAX_STAGES	32

/* What a stage's captures feed, by its name (README, "Funnel"). */
enum role { ROLE_NONE, ROLE_VIEW, ROLE_CART, ROLE_PURCHASE };

enum capfield { CAP_SKU, CAP_ORDER_ID, CAP_VALUE, CAP_CURRENCY, NCAPS };

struct rules;

/* Captured values of a match: decoded, in the matcher's scratch. */
struct capture {
	const char	*p[NCAPS];
	size_t		 n[NCAPS];
};

/*
 * Compile rules text (name for messages). Returns NULL after printing
 * "name:line: problem" on stderr.
 */
struct rules	*rules_new(const char *text, size_t len, const char *name);
void		 rules_free(struct rules *);
size_t		 rules_nstages(const struct rules *);
const char	*rules_stage(const struct rules *, size_t i);
enum role	 rules_role(const struct rules *, size_t i);

/*
 * The stage of a page (its index), or -1 if no rule matches: the first
 * rule in file order wins. Captures point into scratch (at least
 * pathlen + querylen + 64 bytes), valid until the next call.
 */
int	rules_match(struct rules *, const char *path, size_t pathlen,
	    const char *query, size_t querylen, const char *method,
	    size_t methodlen, char *scratch, struct capture *);

/* The default rules, compiled in from data/funnel.conf. */
extern const char	revisit_data_funnel[];
extern const size_t	revisit_data_funnel_len;

#endif
