/*
 * revisit-export - audience lists and diffs to the upload payloads of ad
 * platforms, with contact identifiers hashed: never a raw email or phone.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "prog.h"

static const char usage_text[] =
"usage: revisit-export -o DIR [-f FORMATS] [--crm FILE] [options] [file ...]\n"
"Turn audience lists or diffs (revisit-audience, revisit-diff) into files\n"
"ad platforms' upload APIs take, DIR/AUDIENCE.FORMAT.OP.NNNN.EXT, OP being\n"
"full (a whole list), add or remove (a diff); schemas/export.md.\n"
"\n"
"  -o, --output DIR        where the files go (created if needed)\n"
"  -f, --formats LIST      comma-separated (default all): google-dm (Data\n"
"                          Manager API audienceMembers JSON), google-csv\n"
"                          (Customer Match CSV), meta (Custom Audiences\n"
"                          payload: EXTERN_ID, EMAIL, PHONE), csv (generic)\n"
"  --crm FILE              CSV of uid,email,phone: the contacts of uids\n"
"  --country CODE          calling code for phone numbers written without\n"
"                          + or 00 (e.g. 44); without it they are skipped\n"
"  --batch N               entries per file, at most 10000 (10000)\n"
"  --google-account TYPE:ID  the Data Manager operating account, e.g.\n"
"                          GOOGLE_ADS:1234567890 (with --list-id)\n"
"  --list-id NAME=ID       the platform's id of audience NAME (repeatable)\n"
"  --opt-out FILE          uids and vids never to add (removes still go)\n"
"  -q, --quiet             no counts on stderr\n"
"  -h, --help              this help;  -V, --version  the version\n"
"\n"
"Emails and phones are normalised per platform and written only as\n"
"SHA-256 hex. Exit status: 0 ok, 64 bad usage, 65 a list cut short or\n"
"damaged, 66 an input cannot be opened, 73 a file cannot be created,\n"
"74 I/O error.\n";

enum { O_CRM = 256, O_COUNTRY, O_BATCH, O_ACCOUNT, O_LISTID, O_OPTOUT };

static const struct option longopts[] = {
	{ "output",		required_argument,	NULL, 'o' },
	{ "formats",		required_argument,	NULL, 'f' },
	{ "crm",		required_argument,	NULL, O_CRM },
	{ "country",		required_argument,	NULL, O_COUNTRY },
	{ "batch",		required_argument,	NULL, O_BATCH },
	{ "google-account",	required_argument,	NULL, O_ACCOUNT },
	{ "list-id",		required_argument,	NULL, O_LISTID },
	{ "opt-out",		required_argument,	NULL, O_OPTOUT },
	{ "quiet",		no_argument,		NULL, 'q' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "version",		no_argument,		NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

int
main(int argc, char *argv[])
{
	struct export_opts o = { .batch = 10000, .formats = (1u << NFORMAT) - 1 };
	int c;

	prog_init(argv[0]);
	while ((c = getopt_long(argc, argv, "o:f:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': o.out = optarg; break;
		case 'f': o.formats = formats_parse(optarg); break;
		case O_CRM: o.crm = optarg; break;
		case O_COUNTRY:
			o.country = optarg;
			if (strlen(optarg) < 1 || strlen(optarg) > 3 ||
			    strspn(optarg, "0123456789") != strlen(optarg))
				die(EX_USAGE, "--country: a calling code of 1 to "
				    "3 digits, e.g. 1 or 44");
			break;
		case O_BATCH:
			o.batch = (size_t)parse_count_in("--batch", optarg, 1,
			    10000);
			break;
		case O_ACCOUNT:
			if (strchr(optarg, ':') == NULL)
				die(EX_USAGE, "--google-account: TYPE:ID");
			o.google_account = optarg;
			break;
		case O_LISTID:
			if (strchr(optarg, '=') == NULL)
				die(EX_USAGE, "--list-id: NAME=ID");
			strv_push(&o.list_ids, &o.nlist_ids, optarg);
			break;
		case O_OPTOUT: o.opt_out = optarg; break;
		case 'q': o.quiet = 1; break;
		case 'h': usage_exit(usage_text, EX_OK);
		case 'V': print_version();
		default: usage_exit(usage_text, EX_USAGE);
		}
	}
	if (o.out == NULL)
		usage_exit(usage_text, EX_USAGE);
	o.inputs = argv + optind;
	o.ninputs = (size_t)(argc - optind);
	prog_big_heap(PROG_HEAP_NIGHT);	/* files of 1 MiB buffers, one after another */
	c = export_run(&o);
	free(o.list_ids);
	return c;
}
