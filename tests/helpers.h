/*
 * helpers.h - small helpers the unit tests share: reading a whole file,
 * and finding ../shared/data (REVISIT_SHARED_DATA overrides).
 */
#ifndef REVISIT_TEST_HELPERS_H
#define REVISIT_TEST_HELPERS_H

#include <stdio.h>
#include <stdlib.h>

/* The whole file, NUL-terminated, or NULL if it cannot be opened. */
static inline char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *b;
	long n;

	if (fp == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	if ((b = malloc((size_t)n + 1)) == NULL ||
	    fread(b, 1, (size_t)n, fp) != (size_t)n) {
		free(b);
		fclose(fp);
		return NULL;
	}
	b[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return b;
}

/* rel under the shared data folder, in a static buffer. */
static inline const char *
shared_path(const char *rel)
{
	static char buf[512];
	const char *base = getenv("REVISIT_SHARED_DATA");

	snprintf(buf, sizeof buf, "%s/%s", base ? base : SHARED_DATA, rel);
	return buf;
}

#endif
