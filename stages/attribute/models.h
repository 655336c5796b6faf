/*
 * models.h - the attribution models of DESIGN.md: how one conversion's
 * credit is shared among its touchpoints.
 */
#ifndef REVISIT_MODELS_H
#define REVISIT_MODELS_H

#include <stddef.h>
#include <stdint.h>

enum model {
	M_LAST_NON_DIRECT, M_LAST_CLICK, M_FIRST_CLICK, M_LINEAR,
	M_POSITION_BASED, M_TIME_DECAY, NMODELS
};

extern const char *const model_names[NMODELS];

/* The model called name, or -1. */
int	model_index(const char *name, size_t n);
/* A comma-separated list of models ("all": every one) as bits (1 << enum
 * model); dies with EX_USAGE on a name it does not know. */
unsigned models_parse(const char *list);

/*
 * The credit of each of n touchpoints (n >= 1), ordered by start, for a
 * conversion at time t: start[i] their starts, direct[i] whether their
 * channel is Direct. The credits are >= 0 and sum to 1.
 */
void	model_credits(enum model, const int64_t *start,
	    const unsigned char *direct, size_t n, int64_t t,
	    int64_t half_life, double *credit);

#endif
