/*
 * revisit-diff - the members to add to and remove from each audience
 * since the last lists: what ad platforms take as incremental uploads.
 */
#include <getopt.h>
#include <stdlib.h>

#include "diff.h"
#include "prog.h"

static const char usage_text[] =
"usage: revisit-diff [-q] [-o FILE] OLD NEW\n"
"       revisit-diff [-q] -o DIR OLD-DIR NEW-DIR\n"
"Compare two nights' audience lists (revisit-audience output: one list\n"
"or several in a file) and write, per audience of NEW, a diff header and\n"
"the members to add (in NEW, not in OLD) and to remove (in OLD, not in\n"
"NEW), matched by id and id_type (schemas/diff.md). OLD may be empty\n"
"(/dev/null): everything is added. A list only in OLD has all its\n"
"members removed. With directories of lists (revisit-audience -o), each\n"
"NEW/NAME.mp against OLD/NAME.mp into -o DIR/NAME.mp.\n"
"\n"
"  -o, --output FILE   write FILE (a directory: DIR) atomically instead\n"
"                      of stdout\n"
"  -q, --quiet         no counts on stderr\n"
"  -h, --help          this help;  -V, --version  the version\n"
"\n"
"Exit status: 0 ok, 64 bad usage, 65 a list that is cut short or\n"
"damaged, 66 an input cannot be opened, 74 I/O error.\n";

static const struct option longopts[] = {
	{ "output",	required_argument,	NULL, 'o' },
	{ "quiet",	no_argument,		NULL, 'q' },
	{ "help",	no_argument,		NULL, 'h' },
	{ "version",	no_argument,		NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

int
main(int argc, char *argv[])
{
	struct diff_opts o = { 0 };
	int c;

	prog_init(argv[0]);
	while ((c = getopt_long(argc, argv, "o:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': o.out = optarg; break;
		case 'q': o.quiet = 1; break;
		case 'h': usage_exit(usage_text, EX_OK);
		case 'V': print_version();
		default: usage_exit(usage_text, EX_USAGE);
		}
	}
	if (argc - optind != 2)
		usage_exit(usage_text, EX_USAGE);
	o.old = argv[optind];
	o.new = argv[optind + 1];
	prog_big_heap(PROG_HEAP_NIGHT);
	return diff_run(&o);
}
