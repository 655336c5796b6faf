/*
 * sid.h - session ids (schemas/session.md): 64 bits, written as 16
 * lowercase hex digits.
 */
#ifndef REVISIT_SID_H
#define REVISIT_SID_H

#include <stddef.h>
#include <stdint.h>

/* XXH3-64 of the vid, a 0x1f byte, start (8 bytes little-endian) and
 * seq (4 bytes little-endian): the sessions of a vid starting in the same
 * millisecond are numbered 0, 1, ... */
uint64_t sid_compute(const char *vid, size_t n, int64_t start, uint32_t seq);
/* The 16 hex digits of a sid as a number; 0 and *ok = 0 if not that. */
uint64_t sid_parse(const char *p, size_t n, int *ok);
/* The 16 hex digits (no NUL). */
void	 sid_format(uint64_t sid, char out[16]);

#endif
