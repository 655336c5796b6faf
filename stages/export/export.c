/*
 * export.c - revisit-export's work: each member of each list resolved to
 * its contact identifiers once (CRM rows, normalised and hashed per
 * destination), then handed to every format asked for. A format's file
 * holds at most --batch entries; the next one opens when it is full.
 * Every file is written atomically.
 */
#include "export.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "contact.h"
#include "crm.h"
#include "json.h"
#include "lists.h"
#include "mpc.h"
#include "prog.h"
#include "strset.h"
#include "timeparse.h"
#include "wbuf.h"

#define MAX_ROWS	5	/* CRM rows per member: Google takes 10
				   identifiers, an email and a phone each */

enum { OPI_FULL, OPI_ADD, OPI_REMOVE, NOPI };
static const char *const op_names[NOPI] = { "full", "add", "remove" };

static const struct {
	const char	*name, *ext;
} formats[NFORMAT] = {
	[F_GOOGLE_DM] = { "google-dm", "json" },
	[F_GOOGLE_CSV] = { "google-csv", "csv" },
	[F_META] = { "meta", "json" },
	[F_CSV] = { "csv", "csv" },
};

struct contact {			/* one CRM row, hashed; "" for none */
	char		 ge[SHA256_HEX], gp[SHA256_HEX];	/* Google */
	char		 me[SHA256_HEX], mp[SHA256_HEX];	/* Meta */
	char		 done;		/* hashed already */
};

struct ident {			/* a member's contacts */
	size_t		 n;
	struct contact	 row[MAX_ROWS];
};

struct out {			/* one format's files for one op */
	struct wbuf	 w;
	int		 open;
	size_t		 n;		/* entries in the open file */
	unsigned	 file;		/* its number, from 1 */
	unsigned long long entries;	/* in all its files */
};

struct ex {
	const struct export_opts *o;
	struct crm	 crm;
	struct strset	*optout;
	struct out	 out[NFORMAT][NOPI];
	const struct list_head *head;
	/* Per CRM row, hashed when first needed; calloc'd whole, so only
	 * the pages of rows in some list are ever touched. */
	struct contact	*hashed;
	char		*join;		/* a member's skus, joined */
	size_t		 capjoin;
	int		 status;
	unsigned long long members, opted_out, no_contact, files;
};

int
format_by_name(const char *s, size_t n)
{
	int f;

	for (f = 0; f < NFORMAT; f++)
		if (strlen(formats[f].name) == n &&
		    memcmp(formats[f].name, s, n) == 0)
			return f;
	return -1;
}

unsigned
formats_parse(const char *s)
{
	unsigned m = 0;

	while (*s != '\0') {
		size_t n = strcspn(s, ",");
		int f = format_by_name(s, n);

		if (f < 0)
			die(EX_USAGE, "--formats: no format '%.*s' (google-dm, "
			    "google-csv, meta, csv)", (int)n, s);
		m |= 1u << f;
		s += n + (s[n] == ',');
	}
	if (m == 0)
		die(EX_USAGE, "--formats: none given");
	return m;
}

/* ---- files ---- */

static void
put_csv_field(struct wbuf *w, const char *s, size_t n)
{
	size_t i;

	if (strcspn(s, ",\"\r\n") >= n && memchr(s, '\0', n) == NULL) {
		wbuf_write(w, s, n);
		return;
	}
	wbuf_putc(w, '"');
	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			wbuf_putc(w, '"');
		wbuf_putc(w, s[i]);
	}
	wbuf_putc(w, '"');
}

static const char *
list_id(const struct ex *X)
{
	size_t i, n = strlen(X->head->name);

	for (i = 0; i < X->o->nlist_ids; i++) {
		const char *s = X->o->list_ids[i];

		if (strncmp(s, X->head->name, n) == 0 && s[n] == '=')
			return s + n + 1;
	}
	return NULL;
}

static void
preamble(struct ex *X, int f, struct wbuf *w)
{
	const char *acct = X->o->google_account, *id = list_id(X), *colon;

	switch (f) {
	case F_GOOGLE_DM:
		wbuf_puts(w, "{");
		if (acct != NULL && id != NULL &&
		    (colon = strchr(acct, ':')) != NULL) {
			wbuf_puts(w, "\"destinations\": [{\"operatingAccount\": "
			    "{\"accountType\": ");
			json_put_str(w, acct, (size_t)(colon - acct));
			wbuf_puts(w, ", \"accountId\": ");
			json_put_str(w, colon + 1, strlen(colon + 1));
			wbuf_puts(w, "}, \"productDestinationId\": ");
			json_put_str(w, id, strlen(id));
			wbuf_puts(w, "}],\n");
		}
		wbuf_puts(w, "\"encoding\": \"HEX\",\n\"audienceMembers\": [");
		break;
	case F_GOOGLE_CSV:
		wbuf_puts(w, "Email,Phone\n");
		break;
	case F_META:
		wbuf_puts(w, "{\"schema\": [\"EXTERN_ID\", \"EMAIL\", "
		    "\"PHONE\"],\n\"data\": [");
		break;
	case F_CSV:
		wbuf_puts(w, "id,id_type,op,last_seen,expires_at,"
		    "email_sha256,phone_sha256,skus,orders,revenue\n");
		break;
	}
}

static char *
file_path(const struct ex *X, int f, int opi, unsigned no)
{
	return xasprintf("%s/%s.%s.%s.%04u.%s", X->o->out, X->head->name,
	    formats[f].name, op_names[opi], no, formats[f].ext);
}

static void
close_file(struct ex *X, int f, int opi, int keep)
{
	struct out *o = &X->out[f][opi];
	int e;

	if (!o->open)
		return;
	if (f == F_GOOGLE_DM || f == F_META)
		wbuf_puts(&o->w, "\n]}\n");
	if ((e = wbuf_close(&o->w, keep)) != 0 && keep) {
		char *path = file_path(X, f, opi, o->file);

		errno = e;
		warnx("%s: write error:", path);
		free(path);
		X->status = status_merge(X->status, EX_IOERR);
	}
	o->open = 0;
}

/* The open file of format f and op opi with room for k more entries,
 * or NULL if it cannot be created. */
static struct wbuf *
room(struct ex *X, int f, int opi, size_t k)
{
	struct out *o = &X->out[f][opi];
	char *path;

	if (o->open && o->n + k > X->o->batch)
		close_file(X, f, opi, 1);
	if (!o->open) {
		path = file_path(X, f, opi, ++o->file);
		if (wbuf_open_atomic(&o->w, path) != 0) {
			warnx("cannot create '%s':", path);
			free(path);
			X->status = status_merge(X->status, EX_CANTCREAT);
			return NULL;
		}
		free(path);
		o->open = 1;
		o->n = 0;
		X->files++;
		preamble(X, f, &o->w);
	}
	o->n += k;
	o->entries += k;
	return &o->w;
}

/* The end of a list: its files closed (the open ones dropped unless
 * keep), and files a longer earlier export of its kind (full, or add
 * and remove) left in the directory under the next numbers removed. */
static void
end_files(struct ex *X, int keep)
{
	int f, opi;

	for (f = 0; f < NFORMAT; f++)
		for (opi = 0; opi < NOPI; opi++) {
			struct out *o = &X->out[f][opi];
			unsigned no = o->file;

			if ((opi == OPI_FULL) != (X->head->kind == LIST_FULL) ||
			    !(X->o->formats & 1u << f))
				continue;	/* not this export's files */

			close_file(X, f, opi, keep);
			for (;;) {
				char *path = file_path(X, f, opi, ++no);
				int gone = unlink(path) != 0;

				free(path);
				if (gone)
					break;
			}
			memset(o, 0, sizeof *o);
		}
}

/* ---- members ---- */

static int
opted_out(const struct ex *X, const struct list_member *m)
{
	struct mpc c;
	uint32_t n, i;

	if (strset_count(X->optout) == 0)
		return 0;
	if (strset_has(X->optout, m->id, m->idn))
		return 1;
	mpc_init(&c, m->vids, m->vidsn);
	if (m->vids == NULL || mpc_array(&c, &n) != 0)
		return 0;
	for (i = 0; i < n; i++) {
		const char *v;
		size_t k;

		if (mpc_str(&c, &v, &k) != 0)
			return 0;
		if (strset_has(X->optout, v, k))
			return 1;
	}
	return 0;
}

static void
hash_email(enum contact_rules rules, const struct crm_row *r, char *out)
{
	char norm[CONTACT_MAX];
	size_t n = r->emailn ? email_normalise(rules, r->email, r->emailn,
	    norm) : 0;

	if (n > 0)
		sha256_hex(norm, n, out);
	else
		out[0] = '\0';
}

static void
hash_phone(enum contact_rules rules, const struct crm_row *r,
    const char *country, char *out)
{
	char norm[CONTACT_MAX];
	size_t n = r->phonen ? phone_normalise(rules, r->phone, r->phonen,
	    country, norm) : 0;

	if (n > 0)
		sha256_hex(norm, n, out);
	else
		out[0] = '\0';
}

/* CRM row r hashed as the formats ask, once: a person is in several
 * lists. */
static const struct contact *
hashed(struct ex *X, const struct crm_row *r)
{
	unsigned fm = X->o->formats;
	size_t k = (size_t)(r - X->crm.rows);
	struct contact *x;

	if (X->hashed == NULL)
		X->hashed = xcalloc(X->crm.nrows + 1, sizeof *X->hashed);
	x = &X->hashed[k];
	if (x->done)
		return x;
	x->done = 1;
	if (fm & (1u << F_GOOGLE_DM | 1u << F_GOOGLE_CSV | 1u << F_CSV)) {
		hash_email(RULES_GOOGLE, r, x->ge);
		hash_phone(RULES_GOOGLE, r, X->o->country, x->gp);
	}
	if (fm & (1u << F_META | 1u << F_CSV)) {
		hash_email(RULES_META, r, x->me);
		hash_phone(RULES_META, r, X->o->country, x->mp);
	}
	return x;
}

/* A uid member's CRM rows that give anything. */
static void
resolve(struct ex *X, const struct list_member *m, struct ident *id)
{
	const struct crm_row *r;

	id->n = 0;
	if (!m->is_uid)
		return;
	for (r = crm_find(&X->crm, m->id, m->idn); r && id->n < MAX_ROWS;
	    r = crm_next(&X->crm, r)) {
		const struct contact *x = hashed(X, r);

		if (x->ge[0] || x->gp[0] || x->me[0] || x->mp[0])
			id->row[id->n++] = *x;
	}
}

static void
put_google_dm(struct ex *X, int opi, const struct ident *id)
{
	struct wbuf *w;
	size_t i, k = 0;

	for (i = 0; i < id->n; i++)
		k += id->row[i].ge[0] || id->row[i].gp[0];
	if (k == 0 || (w = room(X, F_GOOGLE_DM, opi, 1)) == NULL)
		return;
	wbuf_puts(w, X->out[F_GOOGLE_DM][opi].n > 1 ? ",\n" : "\n");
	wbuf_puts(w, "{\"userData\": {\"userIdentifiers\": [");
	for (i = 0, k = 0; i < id->n; i++) {
		if (id->row[i].ge[0]) {
			wbuf_puts(w, k++ ? ", " : "");
			wbuf_puts(w, "{\"emailAddress\": \"");
			wbuf_puts(w, id->row[i].ge);
			wbuf_puts(w, "\"}");
		}
		if (id->row[i].gp[0]) {
			wbuf_puts(w, k++ ? ", " : "");
			wbuf_puts(w, "{\"phoneNumber\": \"");
			wbuf_puts(w, id->row[i].gp);
			wbuf_puts(w, "\"}");
		}
	}
	wbuf_puts(w, "]}}");
}

static void
put_google_csv(struct ex *X, int opi, const struct ident *id)
{
	struct wbuf *w;
	size_t i;

	for (i = 0; i < id->n; i++) {
		if (!id->row[i].ge[0] && !id->row[i].gp[0])
			continue;
		if ((w = room(X, F_GOOGLE_CSV, opi, 1)) == NULL)
			return;
		wbuf_puts(w, id->row[i].ge);
		wbuf_putc(w, ',');
		wbuf_puts(w, id->row[i].gp);
		wbuf_putc(w, '\n');
	}
}

static void
meta_row(struct ex *X, int opi, const struct list_member *m, const char *e,
    const char *p)
{
	struct wbuf *w = room(X, F_META, opi, 1);

	if (w == NULL)
		return;
	wbuf_puts(w, X->out[F_META][opi].n > 1 ? ",\n[" : "\n[");
	json_put_str(w, m->id, m->idn);
	wbuf_puts(w, ", \"");
	wbuf_puts(w, e);
	wbuf_puts(w, "\", \"");
	wbuf_puts(w, p);
	wbuf_puts(w, "\"]");
}

/* Meta matches a uid as EXTERN_ID too, so a uid member is a row even
 * without contacts; a vid member is not one. */
static void
put_meta(struct ex *X, int opi, const struct list_member *m,
    const struct ident *id)
{
	size_t i, rows = 0;

	if (!m->is_uid)
		return;
	for (i = 0; i < id->n; i++)
		if (id->row[i].me[0] || id->row[i].mp[0]) {
			meta_row(X, opi, m, id->row[i].me, id->row[i].mp);
			rows++;
		}
	if (rows == 0)
		meta_row(X, opi, m, "", "");
}

static void
put_time(struct wbuf *w, int64_t ms)
{
	char buf[32];

	if (ms >= 0) {
		time_format_iso(ms, buf);
		wbuf_puts(w, buf);
	}
}

static void
put_csv(struct ex *X, int opi, const struct list_member *m,
    const struct ident *id)
{
	struct wbuf *w = room(X, F_CSV, opi, 1);
	const char *e = "", *p = "";
	char num[64];
	struct mpc c;
	uint32_t n, k;
	size_t i;

	if (w == NULL)
		return;
	for (i = id->n; i-- > 0;) {
		e = id->row[i].me[0] ? id->row[i].me : e;
		p = id->row[i].gp[0] ? id->row[i].gp : p;
	}
	put_csv_field(w, m->id, m->idn);
	wbuf_puts(w, m->is_uid ? ",uid," : ",vid,");
	wbuf_puts(w, op_names[opi]);
	wbuf_putc(w, ',');
	put_time(w, m->last_seen);
	wbuf_putc(w, ',');
	put_time(w, m->expires_at);
	wbuf_putc(w, ',');
	wbuf_puts(w, e);
	wbuf_putc(w, ',');
	wbuf_puts(w, p);
	wbuf_putc(w, ',');
	mpc_init(&c, m->skus, m->skusn);
	if (m->skus != NULL && mpc_array(&c, &n) == 0) {
		/* skus joined by |: quoted as one field if one needs it */
		size_t len = 0;

		for (k = 0; k < n; k++) {
			const char *s;
			size_t sn;

			if (mpc_str(&c, &s, &sn) != 0)
				break;
			X->join = grow_array(X->join, &X->capjoin,
			    len + sn + 1, 1);
			if (len > 0)
				X->join[len++] = '|';
			memcpy(X->join + len, s, sn);
			len += sn;
		}
		put_csv_field(w, len ? X->join : "", len);
	}
	wbuf_putc(w, ',');
	if (m->orders >= 0) {
		snprintf(num, sizeof num, "%lld", (long long)m->orders);
		wbuf_puts(w, num);
	}
	wbuf_putc(w, ',');
	if (!isnan(m->revenue)) {
		snprintf(num, sizeof num, "%.2f", m->revenue);
		wbuf_puts(w, num);
	}
	wbuf_putc(w, '\n');
}

static void
member(struct ex *X, const struct list_member *m)
{
	int opi = X->head->kind == LIST_FULL ? OPI_FULL :
	    m->op == OP_ADD ? OPI_ADD : OPI_REMOVE;
	unsigned fm = X->o->formats;
	struct ident id;

	X->members++;
	/* A remove of an opted-out person is what the opt-out asks for. */
	if (opi != OPI_REMOVE && opted_out(X, m)) {
		X->opted_out++;
		return;
	}
	resolve(X, m, &id);
	if (id.n == 0)
		X->no_contact++;
	if (fm & 1u << F_GOOGLE_DM)
		put_google_dm(X, opi, &id);
	if (fm & 1u << F_GOOGLE_CSV)
		put_google_csv(X, opi, &id);
	if (fm & 1u << F_META)
		put_meta(X, opi, m, &id);
	if (fm & 1u << F_CSV)
		put_csv(X, opi, m, &id);
}

/* ---- lists ---- */

static void
report(struct ex *X, const struct list_head *h)
{
	int f, opi;

	if (X->o->quiet)
		return;
	fprintf(stderr, "%s: %s (%s): %llu members, %llu without contacts, "
	    "%llu opted out;", prog_name, h->name, h->kind == LIST_FULL ?
	    "list" : "diff", X->members, X->no_contact, X->opted_out);
	for (f = 0; f < NFORMAT; f++) {
		if (!(X->o->formats & 1u << f))
			continue;
		fprintf(stderr, " %s", formats[f].name);
		for (opi = 0; opi < NOPI; opi++)
			if (X->out[f][opi].file > 0)
				fprintf(stderr, " %s %llu in %u", op_names[opi],
				    X->out[f][opi].entries,
				    X->out[f][opi].file);
		if (f + 1 < NFORMAT)
			fputc(';', stderr);
	}
	fputc('\n', stderr);
}

static int
export_input(struct ex *X, const char *path)
{
	struct list_reader r;
	struct list_member m;
	int k, in_list = 0;

	if (list_open(&r, path) != 0)
		return r.status;
	while ((k = list_next(&r, &m)) > 0 && X->status == 0) {
		if (k == LIST_HEAD) {
			if (in_list) {
				report(X, X->head);
				end_files(X, 1);
			}
			X->head = &r.head;
			X->members = X->opted_out = X->no_contact = 0;
			in_list = 1;
			continue;
		}
		member(X, &m);
	}
	if (in_list) {
		if (k == 0 && X->status == 0)
			report(X, X->head);
		end_files(X, k == 0 && X->status == 0);
	}
	X->head = NULL;
	list_close(&r);
	return k < 0 ? r.status : 0;
}

int
export_run(const struct export_opts *o)
{
	struct ex X;
	size_t i;
	int status = 0;

	memset(&X, 0, sizeof X);
	X.o = o;
	if ((status = output_dir(o->out, "the exports' directory")) != 0)
		return status;
	if (o->crm != NULL)
		crm_load(&X.crm, o->crm);
	X.optout = strset_lines(o->opt_out);
	if (o->ninputs == 0)
		status = export_input(&X, "-");
	for (i = 0; i < o->ninputs && X.status == 0; i++)
		status = status_merge(status, export_input(&X, o->inputs[i]));
	status = status_merge(status, X.status);
	if (!o->quiet && status == 0)
		fprintf(stderr, "%s: %llu files in %s\n", prog_name, X.files,
		    o->out);
	crm_free(&X.crm);
	free(X.hashed);
	free(X.join);
	strset_free(X.optout);
	return status;
}
