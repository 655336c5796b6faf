/*
 * revisit-merge - a sharded run's audience lists, one list per
 * audience again.
 */
#include <getopt.h>
#include <stdlib.h>

#include "merge.h"
#include "prog.h"

static const char usage_text[] =
"usage: revisit-merge -o DIR [--min-size N] [-q] SHARD-DIR...\n"
"Merge the audience lists that revisit-audience -o wrote for each shard\n"
"of a sharded state (SHARD-DIR/NAME.mp, every shard the same names) into\n"
"DIR/NAME.mp: the members of all shards in person order under one header\n"
"whose count is theirs added, as one revisit-audience over the whole\n"
"state writes them. The shards' lists must be of the same night and\n"
"rules (the same generated_at and definition), and each person in one.\n"
"\n"
"  -o, --output DIR    where the merged lists go (each atomically)\n"
"  --min-size N        mark lists with fewer members too_small (100, as\n"
"                      revisit-audience)\n"
"  -q, --quiet         no counts on stderr\n"
"  -h, --help          this help;  -V, --version  the version\n"
"\n"
"Exit status: 0 ok, 64 bad usage, 65 lists that do not belong together\n"
"or are damaged, 66 a list cannot be opened, 73 an output cannot be\n"
"created, 74 I/O error.\n";

enum { O_MIN = 256 };

static const struct option longopts[] = {
	{ "output",	required_argument,	NULL, 'o' },
	{ "min-size",	required_argument,	NULL, O_MIN },
	{ "quiet",	no_argument,		NULL, 'q' },
	{ "help",	no_argument,		NULL, 'h' },
	{ "version",	no_argument,		NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

int
main(int argc, char *argv[])
{
	struct merge_opts o = { .min_size = 100 };
	int c;

	prog_init(argv[0]);
	while ((c = getopt_long(argc, argv, "o:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': o.out = optarg; break;
		case O_MIN:
			o.min_size = (size_t)parse_count("--min-size", optarg);
			break;
		case 'q': o.quiet = 1; break;
		case 'h': usage_exit(usage_text, EX_OK);
		case 'V': print_version();
		default: usage_exit(usage_text, EX_USAGE);
		}
	}
	if (o.out == NULL || optind == argc)
		usage_exit(usage_text, EX_USAGE);
	o.dirs = argv + optind;
	o.ndirs = (size_t)(argc - optind);
	return merge_run(&o);
}
