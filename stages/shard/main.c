/*
 * revisit-shard - hit records to N shards by person, each shard's part
 * of the night for the unchanged stages to run on with its own state.
 */
#include <getopt.h>
#include <stdlib.h>

#include "prog.h"
#include "shard.h"
#include "wbuf.h"

static const char usage_text[] =
"usage: revisit-shard -n N -o DIR [--state DIR] [--per-input] [FILE...]\n"
"       revisit-shard --links -o LINKS FILE...\n"
"       revisit-shard --join -n N -o DIR [--state DIR] LINKS...\n"
"       revisit-shard --route DIR/routes -n N -o DIR [--index I]\n"
"                     [--check-links LINKS] FILE\n"
"       revisit-shard --reshard -n N --state DIR -o NEW-DIR\n"
"Split hit records (revisit-parse output; stdin if no FILE) into N shards\n"
"by person, DIR/hits-K.mp, so that every hit of a person, from any of its\n"
"devices, is in one shard: XXH3-64(person key) mod N, the person being\n"
"the uid of the vid's latest hit with one tonight, else its uid in the\n"
"state, else the vid. Each shard keeps the input's order; other records\n"
"go to shard 0. DIR/now gets the night's end (epoch ms), every shard's\n"
"--now. The same in phases, for many files (schemas/shard.md): --links\n"
"per file, --join once, --route per file.\n"
"\n"
"  -n, --shards N      the number of shards (1 to 1024)\n"
"  -o, --output DIR    where the shards go (created; files atomically)\n"
"  --state DIR         the state, sharded the same way (DIR/shard-K): its\n"
"                      links route vids that logged in on earlier nights;\n"
"                      a device now of another shard's person is moved to\n"
"                      that shard's state (a new generation)\n"
"  --per-input         DIR/hits-K-I.mp per input I, for sessionize to merge\n"
"  --links             the vids of the FILEs linked to a uid tonight, each\n"
"                      with its latest, and a check of the hits, to LINKS\n"
"  --join              the inputs' LINKS and the state's: DIR/routes, now\n"
"  --route TABLE       route by the join's table (--per-input, from --index);\n"
"                      a vid not in it goes to its own shard\n"
"  --check-links LINKS  --route: the FILEs must be the hits LINKS was\n"
"                      made from (65 and nothing written if not)\n"
"  --reshard           the state in --state as N shards in -o NEW-DIR\n"
"  --scratch           outputs are a run's scratch: renamed, not synced\n"
"  --progress          a progress line on stderr (default on a terminal)\n"
"  -q, --quiet         no counts on stderr\n"
"  -h, --help          this help;  -V, --version  the version\n"
"\n"
"Exit status: 0 ok, 64 bad usage or a state sharded otherwise, 65 a\n"
"damaged input or state, 66 an input cannot be opened, 73 an output\n"
"cannot be created, 74 I/O error, 75 a shard's state is being updated.\n";

enum { O_STATE = 256, O_PROGRESS, O_RESHARD, O_PER_INPUT, O_LINKS, O_JOIN,
    O_ROUTE, O_INDEX, O_SCRATCH, O_CHECK };

static const struct option longopts[] = {
	{ "shards",	required_argument,	NULL, 'n' },
	{ "output",	required_argument,	NULL, 'o' },
	{ "state",	required_argument,	NULL, O_STATE },
	{ "progress",	no_argument,		NULL, O_PROGRESS },
	{ "reshard",	no_argument,		NULL, O_RESHARD },
	{ "per-input",	no_argument,		NULL, O_PER_INPUT },
	{ "links",	no_argument,		NULL, O_LINKS },
	{ "join",	no_argument,		NULL, O_JOIN },
	{ "route",	required_argument,	NULL, O_ROUTE },
	{ "index",	required_argument,	NULL, O_INDEX },
	{ "check-links", required_argument,	NULL, O_CHECK },
	{ "scratch",	no_argument,		NULL, O_SCRATCH },
	{ "quiet",	no_argument,		NULL, 'q' },
	{ "help",	no_argument,		NULL, 'h' },
	{ "version",	no_argument,		NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

int
main(int argc, char *argv[])
{
	struct shard_opts o = { 0 };
	int c, mode = 0;
	size_t nin;

	prog_init(argv[0]);
	while ((c = getopt_long(argc, argv, "n:o:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o.n = (size_t)parse_count_in("--shards", optarg, 1,
			    SHARD_MAX);
			break;
		case 'o': o.out = optarg; break;
		case O_STATE: o.state = optarg; break;
		case O_PROGRESS: o.progress = 1; break;
		case O_PER_INPUT: o.per_input = 1; break;
		case O_RESHARD: case O_LINKS: case O_JOIN: mode = c; break;
		case O_CHECK: o.links = optarg; break;
		case O_ROUTE: o.routes = optarg; break;
		case O_SCRATCH: wbuf_durable = WBUF_SCRATCH; break;
		case O_INDEX:
			o.index = (size_t)parse_count("--index", optarg);
			break;
		case 'q': o.quiet = 1; break;
		case 'h': usage_exit(usage_text, EX_OK);
		case 'V': print_version();
		default: usage_exit(usage_text, EX_USAGE);
		}
	}
	nin = (size_t)(argc - optind);
	if (o.out == NULL || (mode != O_LINKS && o.n == 0) ||
	    (mode == O_RESHARD && (o.state == NULL || nin != 0)) ||
	    (mode == O_JOIN && nin == 0) || (o.links && !o.routes))
		usage_exit(usage_text, EX_USAGE);
	if (mode == O_RESHARD)
		return shard_reshard(o.state, o.out, o.n, o.quiet);
	if (mode == O_LINKS)
		return shard_links(argv + optind, nin, o.out, o.quiet);
	if (mode == O_JOIN)
		return shard_join(argv + optind, nin, &o);
	return shard_run(argv + optind, nin, &o);
}
