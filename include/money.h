/*
 * money.h - amounts as logged ("123.45", "12,50", "1,234.56") to numbers.
 */
#ifndef REVISIT_MONEY_H
#define REVISIT_MONEY_H

#include <stddef.h>

/*
 * The value of the decimal text s[0..n): '.' is the decimal point; a lone
 * ',' with no '.' is one too ("12,50"); other ',' are thousands
 * separators. Text that is not a finite number gives 0.
 */
double	money_value(const char *s, size_t n);

#endif
