/*
 * export-crm: the CRM file reader of revisit-export (CSV with RFC 4180
 * quoting), then each row's email and phone normalised for Google and for
 * Meta and hashed, as the exports do.
 */
#include "contact.h"
#include "crm.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crm c;
	char out[CONTACT_MAX], hex[SHA256_HEX];
	size_t i, n;
	int k;

	prog_init("revisit-fuzz");
	crm_load(&c, fuzz_file(data, size));
	for (i = 0; i < c.nrows; i++) {
		const struct crm_row *r = &c.rows[i];

		(void)crm_find(&c, r->uid, r->uidn);
		for (k = RULES_GOOGLE; k <= RULES_META; k++) {
			if (r->email != NULL &&
			    (n = email_normalise(k, r->email, r->emailn, out)) > 0)
				sha256_hex(out, n, hex);
			if (r->phone != NULL &&
			    (n = phone_normalise(k, r->phone, r->phonen, "44",
			    out)) > 0)
				sha256_hex(out, n, hex);
		}
	}
	crm_free(&c);
	return 0;
}
