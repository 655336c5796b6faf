/*
 * crm.h - the CRM file of revisit-export: the contact identifiers of
 * logged-in persons, as CSV rows of uid, email and phone.
 */
#ifndef REVISIT_CRM_H
#define REVISIT_CRM_H

#include <stddef.h>
#include <stdint.h>

struct crm_row {
	const char	*uid, *email, *phone;	/* into the file's text */
	size_t		 uidn, emailn, phonen;
	uint32_t	 next;		/* the uid's next row + 1; 0: none */
};

struct crm {
	char		*text;
	struct crm_row	*rows;
	size_t		 nrows, cap;
	uint32_t	*slot;		/* a uid's first row + 1 */
	size_t		 mask;
	unsigned long long bad;		/* lines skipped */
};

/*
 * Read path: a CSV file (RFC 4180 quoting) whose first line names the
 * columns (uid, email, phone, in any order; others ignored) or, if none
 * of its fields is "uid", is the first row of uid,email,phone. Lines without a uid
 * or with neither email nor phone are skipped, each reported with its
 * line (the first ten) and counted. Dies if the file cannot be read.
 */
void	crm_load(struct crm *, const char *path);
void	crm_free(struct crm *);
/* The first row of uid, or NULL; then row->next. */
const struct crm_row *crm_find(const struct crm *, const char *uid, size_t n);
const struct crm_row *crm_next(const struct crm *, const struct crm_row *);

#endif
