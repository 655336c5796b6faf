/*
 * export_test.c - unit tests of what revisit-export hashes: the issue's
 * test vectors, each normalisation rule per destination, and the CRM
 * file reader.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "contact.h"
#include "crm.h"
#include "export.h"

static const char *
email(enum contact_rules r, const char *s)
{
	static char out[CONTACT_MAX];

	return email_normalise(r, s, strlen(s), out) ? out : NULL;
}

static const char *
phone(enum contact_rules r, const char *s, const char *cc)
{
	static char out[CONTACT_MAX];

	return phone_normalise(r, s, strlen(s), cc, out) ? out : NULL;
}

static const char *
hashed_email(enum contact_rules r, const char *s)
{
	static char hex[SHA256_HEX];
	const char *n = email(r, s);

	cr_assert(n != NULL, "%s is an email", s);
	sha256_hex(n, strlen(n), hex);
	return hex;
}

Test(contact, the_issues_test_vectors)
{
	static char hex[SHA256_HEX];
	const char *p;

	cr_assert_str_eq(hashed_email(RULES_GOOGLE, "test@abc.com"),
	    "d3142c8f9c9129484daf28df80cc5c955791efed5e69afabb603bc8cb9ffd419");
	cr_assert_str_eq(hashed_email(RULES_META, "test@abc.com"),
	    "d3142c8f9c9129484daf28df80cc5c955791efed5e69afabb603bc8cb9ffd419");
	cr_assert_str_eq(hashed_email(RULES_GOOGLE,
	    "Jane.Doe+Shopping@googlemail.com"),
	    "338abf9ef1c8793cadc7bcf51ed595338eb727ed9e06ce3d91d566d60b975937");
	p = phone(RULES_GOOGLE, "+1 (800) 555-0101", NULL);
	cr_assert_str_eq(p, "+18005550101");
	sha256_hex(p, strlen(p), hex);
	cr_assert_str_eq(hex,
	    "61d6c2976b5d92b1ad63073a12fddd26040cd980067d03a93dd1cc50f1a3ac68");
}

Test(contact, google_emails)
{
	cr_assert_str_eq(email(RULES_GOOGLE, "  Jo Ann@Example.COM \t"),
	    "joann@example.com");
	cr_assert_str_eq(email(RULES_GOOGLE, "j.o.e+x+y@GMAIL.com"),
	    "joe@gmail.com");
	/* Dots and +suffix matter everywhere else. */
	cr_assert_str_eq(email(RULES_GOOGLE, "j.o.e+x@example.com"),
	    "j.o.e+x@example.com");
	cr_assert_str_eq(email(RULES_GOOGLE, "a.b@mail.gmail.com"),
	    "a.b@mail.gmail.com");
	cr_assert_null(email(RULES_GOOGLE, "+x@gmail.com"));
	cr_assert_null(email(RULES_GOOGLE, "no-at.example.com"));
	cr_assert_null(email(RULES_GOOGLE, "a@b@c"));
	cr_assert_null(email(RULES_GOOGLE, "@example.com"));
	cr_assert_null(email(RULES_GOOGLE, "joe@"));
	cr_assert_null(email(RULES_GOOGLE, ""));
}

Test(contact, meta_emails_are_trimmed_and_lowercased_only)
{
	cr_assert_str_eq(email(RULES_META, "  Jane.Doe+Shopping@GoogleMail.com "),
	    "jane.doe+shopping@googlemail.com");
	cr_assert_str_eq(email(RULES_META, "Jo Ann@example.com"),
	    "jo ann@example.com");
}

Test(contact, phones)
{
	cr_assert_str_eq(phone(RULES_GOOGLE, "+44 20 7946 0958", NULL),
	    "+442079460958");
	cr_assert_str_eq(phone(RULES_META, "+44 20 7946 0958", NULL),
	    "442079460958");
	cr_assert_str_eq(phone(RULES_GOOGLE, "0044 20 7946 0958", NULL),
	    "+442079460958");
	/* National numbers: the trunk 0 goes, the country code comes. */
	cr_assert_str_eq(phone(RULES_GOOGLE, "020 7946 0958", "44"),
	    "+442079460958");
	cr_assert_str_eq(phone(RULES_META, "(800) 555-0101", "1"),
	    "18005550101");
	cr_assert_null(phone(RULES_GOOGLE, "020 7946 0958", NULL));
	cr_assert_null(phone(RULES_GOOGLE, "+1 800 FLOWERS", NULL));
	cr_assert_null(phone(RULES_GOOGLE, "+1 555", NULL));
	cr_assert_null(phone(RULES_GOOGLE, "+1234567890123456", NULL));
	cr_assert_null(phone(RULES_GOOGLE, "", "1"));
}

/* A CRM phone of 255 digits, the most the digits buffer holds: not a
 * number, and nothing written past the output (ASan saw 8 bytes more:
 * the '+', a country code and every digit were copied before the
 * length was checked). */
Test(contact, a_phone_of_every_digit_the_buffer_holds_is_refused_in_bounds)
{
	char s[CONTACT_MAX];

	memset(s, '3', CONTACT_MAX - 1);
	s[CONTACT_MAX - 1] = '\0';
	cr_assert_null(phone(RULES_GOOGLE, s, "44"));
	cr_assert_null(phone(RULES_META, s, "1234"));
	s[0] = '+';
	cr_assert_null(phone(RULES_GOOGLE, s, NULL));
	memcpy(s, "0044", 4);
	cr_assert_null(phone(RULES_GOOGLE, s, NULL));
}

Test(crm, rows_by_uid_in_file_order_with_a_header_in_any_order)
{
	char path[] = "/tmp/crm-test.XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	const struct crm_row *r;
	struct crm c;

	fputs("phone,UID,email,name\r\n"
	    "+1 800 555 0101,u1,a@example.com,\"Doe, Jane\"\r\n"
	    ",u2,\"b\"\"q@example.com\",x\n"
	    "\n"
	    ",u3,,nobody\n"
	    "+44 1,u1,c@example.com\n"
	    "x,,y@example.com\n", f);
	fclose(f);
	crm_load(&c, path);
	unlink(path);
	cr_assert_eq(c.nrows, 3);
	cr_assert_eq(c.bad, 2);
	r = crm_find(&c, "u1", 2);
	cr_assert(r != NULL);
	cr_assert_eq(r->emailn, 13);
	cr_assert(memcmp(r->email, "a@example.com", 13) == 0);
	cr_assert(memcmp(r->phone, "+1 800 555 0101", 15) == 0);
	r = crm_next(&c, r);
	cr_assert(r != NULL && memcmp(r->email, "c@example.com", 13) == 0);
	cr_assert_null(crm_next(&c, r));
	r = crm_find(&c, "u2", 2);
	cr_assert(r != NULL && r->emailn == 15 &&
	    memcmp(r->email, "b\"q@example.com", 15) == 0);
	cr_assert_null(crm_find(&c, "u3", 2));
	cr_assert_null(crm_find(&c, "u", 1));
	crm_free(&c);
}

/* Found by fuzzing: a quote that does not close in the header line left
 * the field's length unset (ASan: heap overflow). */
Test(crm, a_quote_that_does_not_close_in_the_header) {
	char path[] = "/tmp/crm-test.XXXXXX";
	int fd = mkstemp(path);
	struct crm c;

	cr_assert_eq(write(fd, "uid,\",\nu1,a@example.com\n", 24), 24);
	close(fd);
	crm_load(&c, path);
	unlink(path);
	cr_assert_eq(c.nrows, 0);	/* no email column */
	crm_free(&c);
}

Test(export, format_names)
{
	cr_assert_eq(format_by_name("google-dm", 9), F_GOOGLE_DM);
	cr_assert_eq(format_by_name("meta", 4), F_META);
	cr_assert_eq(format_by_name("csv", 3), F_CSV);
	cr_assert_eq(format_by_name("google", 6), -1);
}
