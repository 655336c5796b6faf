/*
 * revisit-audience - the audience lists of the visitor state: who
 * qualifies now, with what ad platforms need of them.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "audience.h"
#include "prog.h"

static const char usage_text[] =
"usage: revisit-audience --state DIR [-o DIR] [-r rules] [options]\n"
"Write the persons of the visitor state who belong to each audience now:\n"
"a header record, then one member record each (schemas/audience.md).\n"
"\n"
"  --state DIR            the visitor state (revisit-state)\n"
"  -o, --output DIR       one file per audience, DIR/NAME.mp, each written\n"
"                         atomically (default: all lists to stdout)\n"
"  -r, --rules FILE       audience definitions (default: the shipped ones;\n"
"                         schemas/audiences.md)\n"
"  --now TIME             windows end here (ISO 8601 or epoch ms; default\n"
"                         the end of the period the state covers)\n"
"  --opt-out FILE         uids and vids (one per line) whose persons are in\n"
"                         no list\n"
"  --min-size N           warn about and mark (too_small) lists with fewer\n"
"                         members (100)\n"
"  --ranks-out FILE       write only what \"top N%\" conditions rank (the\n"
"                         revenues of this state's buyers) to FILE: one\n"
"                         shard of a sharded state\n"
"  --ranks FILE           rank among the revenues of these files (every\n"
"                         shard's --ranks-out; repeatable) instead of\n"
"                         this state's alone\n"
"  --print-rules          print the shipped definitions and exit\n"
"  -q, --quiet            no summary line\n"
"  -h, --help             this help;  -V, --version  the version\n"
"\n"
"Exit status: 0 ok, 64 bad option or definitions, 65 a damaged state,\n"
"66 the state cannot be opened, 73 a list cannot be created, 74 I/O.\n";

enum { O_STATE = 256, O_NOW, O_OPTOUT, O_MIN, O_PRINT, O_RANKS_OUT,
    O_RANKS };

static const struct option longopts[] = {
	{ "state",		required_argument,	NULL, O_STATE },
	{ "output",		required_argument,	NULL, 'o' },
	{ "rules",		required_argument,	NULL, 'r' },
	{ "now",		required_argument,	NULL, O_NOW },
	{ "opt-out",		required_argument,	NULL, O_OPTOUT },
	{ "min-size",		required_argument,	NULL, O_MIN },
	{ "print-rules",	no_argument,		NULL, O_PRINT },
	{ "ranks-out",		required_argument,	NULL, O_RANKS_OUT },
	{ "ranks",		required_argument,	NULL, O_RANKS },
	{ "quiet",		no_argument,		NULL, 'q' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "version",		no_argument,		NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

extern const char revisit_data_audiences[];
extern const size_t revisit_data_audiences_len;

int
main(int argc, char *argv[])
{
	struct au_opts o = { .min_size = 100 };
	const char *rules = NULL;
	struct spec *sp;
	char *text;
	size_t len;
	int c, status;

	prog_init(argv[0]);
	prog_big_heap(PROG_HEAP_NIGHT);
	while ((c = getopt_long(argc, argv, "o:r:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case O_STATE: o.state = optarg; break;
		case 'o': o.out = optarg; break;
		case 'r': rules = optarg; break;
		case O_NOW: o.now = parse_time("--now", optarg); break;
		case O_OPTOUT: o.opt_out = optarg; break;
		case O_MIN:
			o.min_size = (size_t)parse_count("--min-size", optarg);
			break;
		case O_PRINT:
			fwrite(revisit_data_audiences, 1,
			    revisit_data_audiences_len, stdout);
			return EX_OK;
		case O_RANKS_OUT: o.ranks_out = optarg; break;
		case O_RANKS: strv_push(&o.ranks, &o.nranks, optarg); break;
		case 'q': o.quiet = 1; break;
		case 'h': usage_exit(usage_text, EX_OK);
		case 'V': print_version();
		default: usage_exit(usage_text, EX_USAGE);
		}
	}
	if (o.state == NULL || optind != argc)
		usage_exit(usage_text, EX_USAGE);
	text = rules ? read_file(rules, &len) : NULL;
	sp = spec_parse(text ? text : revisit_data_audiences,
	    text ? len : revisit_data_audiences_len,
	    rules ? rules : "audiences.conf");
	free(text);
	if (sp == NULL)
		return EX_USAGE;
	o.spec = sp;
	status = au_run(&o);
	spec_free(sp);
	free(o.ranks);
	return status;
}
