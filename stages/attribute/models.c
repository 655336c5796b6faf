/*
 * models.c - the six attribution models.
 */
#include "models.h"

#include <math.h>
#include <string.h>

#include "prog.h"

const char *const model_names[NMODELS] = {
	"last_non_direct", "last_click", "first_click", "linear",
	"position_based", "time_decay"
};

int
model_index(const char *name, size_t n)
{
	int i;

	for (i = 0; i < NMODELS; i++)
		if (strlen(model_names[i]) == n &&
		    memcmp(model_names[i], name, n) == 0)
			return i;
	return -1;
}

void
model_credits(enum model m, const int64_t *start, const unsigned char *direct,
    size_t n, int64_t t, int64_t half_life, double *credit)
{
	size_t i, last;
	double sum;

	(void)t;	/* time decay's weights are relative: see there */
	for (i = 0; i < n; i++)
		credit[i] = 0;
	switch (m) {
	case M_LAST_NON_DIRECT:
		for (last = n; last > 0 && direct[last - 1]; last--)
			;
		credit[last > 0 ? last - 1 : n - 1] = 1;
		return;
	case M_LAST_CLICK:
		credit[n - 1] = 1;
		return;
	case M_FIRST_CLICK:
		credit[0] = 1;
		return;
	case M_LINEAR:
		for (i = 0; i < n; i++)
			credit[i] = 1.0 / (double)n;
		return;
	case M_POSITION_BASED:
		if (n == 1) {
			credit[0] = 1;
		} else if (n == 2) {
			credit[0] = credit[1] = 0.5;
		} else {
			credit[0] = credit[n - 1] = 0.4;
			for (i = 1; i < n - 1; i++)
				credit[i] = 0.2 / (double)(n - 2);
		}
		return;
	case M_TIME_DECAY:
		/*
		 * 2^(-(t - start) / half_life), normalised. Measured from the
		 * latest touchpoint instead of t, which normalising cancels:
		 * the largest weight is 1, so touchpoints far back underflow
		 * alone and the sum never does.
		 */
		sum = 0;
		for (i = 0; i < n; i++) {
			credit[i] = exp2((double)(start[i] - start[n - 1]) /
			    (double)half_life);
			sum += credit[i];
		}
		for (i = 0; i < n; i++)
			credit[i] /= sum;
		return;
	case NMODELS:
		break;
	}
}

unsigned
models_parse(const char *s)
{
	unsigned m = 0;

	if (strcmp(s, "all") == 0)
		return (1u << NMODELS) - 1;
	while (*s) {
		size_t n = strcspn(s, ",");
		int i = model_index(s, n);

		if (i < 0)
			die(EX_USAGE, "--models: no model '%.*s' (see --help)",
			    (int)n, s);
		m |= 1u << i;
		s += n + (s[n] == ',');
	}
	if (m == 0)
		die(EX_USAGE, "--models: empty list");
	return m;
}
