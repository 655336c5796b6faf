/*
 * contact.h - contact identifiers as ad platforms match them: emails and
 * phones normalised per destination, then SHA-256 in lowercase hex. The
 * raw values never leave these functions.
 */
#ifndef REVISIT_CONTACT_H
#define REVISIT_CONTACT_H

#include <stddef.h>

#define CONTACT_MAX	256		/* longest normalised value */
#define SHA256_HEX	65		/* 64 hex digits and a NUL */

enum contact_rules {
	RULES_GOOGLE,	/* email: no whitespace at all, lowercase, gmail.com
			   and googlemail.com without dots or +suffix in the
			   local part; phone: E.164 with + */
	RULES_META	/* email: trimmed, lowercase; phone: E.164 digits
			   without + */
};

/*
 * Normalise an email (n bytes at s) into out (CONTACT_MAX): its length,
 * or 0 if it is not an address (no single @ with text on both sides).
 */
size_t	email_normalise(enum contact_rules, const char *s, size_t n,
	    char *out);

/*
 * Normalise a phone number into out: E.164, "+" and 8 to 15 digits for
 * Google, the digits alone for Meta. A number without "+" or "00" is
 * taken as national: its leading 0s are dropped and country (digits, ""
 * for none) put in front; with no country it is not a phone. Returns
 * the length, or 0.
 */
size_t	phone_normalise(enum contact_rules, const char *s, size_t n,
	    const char *country, char *out);

/* SHA-256 of n bytes at s, as lowercase hex (SHA256_HEX). */
void	sha256_hex(const char *s, size_t n, char out[SHA256_HEX]);

#endif
