/*
 * money.c - decimal amounts as logged.
 */
#include "money.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double
money_value(const char *s, size_t n)
{
	char buf[64];
	size_t i, k = 0, commas = 0;
	int dot = 0;
	double v;
	char *end;

	if (s == NULL || n == 0 || n >= sizeof buf)
		return 0;
	for (i = 0; i < n; i++) {
		commas += s[i] == ',';
		dot |= s[i] == '.';
	}
	for (i = 0; i < n; i++) {
		if (s[i] == ',') {
			if (!dot && commas == 1)
				buf[k++] = '.';
			continue;
		}
		buf[k++] = s[i];
	}
	buf[k] = '\0';
	v = strtod(buf, &end);
	if (end == buf || *end != '\0' || !isfinite(v))
		return 0;
	return v;
}
