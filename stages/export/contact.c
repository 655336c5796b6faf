/*
 * contact.c - normalising and hashing emails and phone numbers.
 */
#include "contact.h"

#include <openssl/evp.h>
#include <string.h>

#include "prog.h"

static int
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

size_t
email_normalise(enum contact_rules rules, const char *s, size_t n, char *out)
{
	const char *at;
	size_t i, k = 0, local;

	while (n > 0 && blank(*s))
		s++, n--;
	while (n > 0 && blank(s[n - 1]))
		n--;
	for (i = 0; i < n; i++) {
		if (rules == RULES_GOOGLE && blank(s[i]))
			continue;
		if (k == CONTACT_MAX - 1)
			return 0;
		out[k++] = lower(s[i]);
	}
	out[k] = '\0';
	if ((at = memchr(out, '@', k)) == NULL ||
	    memchr(at + 1, '@', k - (size_t)(at + 1 - out)) != NULL)
		return 0;
	local = (size_t)(at - out);
	if (local == 0 || local + 1 == k)
		return 0;
	if (rules == RULES_GOOGLE && (strcmp(at + 1, "gmail.com") == 0 ||
	    strcmp(at + 1, "googlemail.com") == 0)) {
		size_t j = 0;

		for (i = 0; i < local && out[i] != '+'; i++)
			if (out[i] != '.')
				out[j++] = out[i];
		if (j == 0)
			return 0;
		memmove(out + j, at, k - local + 1);
		k = j + (k - local);
	}
	return k;
}

size_t
phone_normalise(enum contact_rules rules, const char *s, size_t n,
    const char *country, char *out)
{
	char digits[CONTACT_MAX];
	size_t i, k = 0, d = 0;
	int intl = 0;

	while (n > 0 && blank(*s))
		s++, n--;
	if (n > 0 && *s == '+') {
		intl = 1;
		s++, n--;
	}
	for (i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			if (d == sizeof digits - 1)
				return 0;
			digits[d++] = s[i];
		} else if (strchr(" \t-.()/", s[i]) == NULL) {
			return 0;	/* letters, extensions: not a number */
		}
	}
	i = 0;
	if (!intl && d >= 2 && digits[0] == '0' && digits[1] == '0') {
		intl = 1;		/* 00: the international prefix */
		i = 2;
	}
	if (!intl) {
		if (country == NULL || *country == '\0')
			return 0;
		while (i < d && digits[i] == '0')
			i++;		/* a national trunk prefix */
	}
	/* E.164: 8 to 15 digits, the country code's counted; checked before
	 * anything is written, so out never takes more than 17 bytes. */
	n = intl ? 0 : strnlen(country, 8);
	if (n + (d - i) < 8 || n + (d - i) > 15)
		return 0;
	if (rules == RULES_GOOGLE)
		out[k++] = '+';
	if (n > 0)
		memcpy(out + k, country, n);
	k += n;
	for (; i < d; i++)
		out[k++] = digits[i];
	out[k] = '\0';
	return k;
}

void
sha256_hex(const char *s, size_t n, char out[SHA256_HEX])
{
	static const char hex[] = "0123456789abcdef";
	/* Fetched once: EVP_sha256() in each call costs a provider lookup
	 * per digest (a fifth of an export's time). Kept to the exit. */
	static EVP_MD *sha256;
	static EVP_MD_CTX *ctx;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;

	if (sha256 == NULL && ((sha256 = EVP_MD_fetch(NULL, "SHA256",
	    NULL)) == NULL || (ctx = EVP_MD_CTX_new()) == NULL))
		die(EX_SOFTWARE, "SHA-256 is not available");
	if (!EVP_DigestInit_ex2(ctx, sha256, NULL) ||
	    !EVP_DigestUpdate(ctx, s, n) || !EVP_DigestFinal_ex(ctx, md, &len))
		die(EX_SOFTWARE, "SHA-256 failed");
	for (i = 0; i < len && i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}
