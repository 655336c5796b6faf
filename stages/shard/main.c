/*
 * revisit-shard - hit records to N shards by person, each shard's part
 * of the night for the unchanged stages to run on with its own state.
 */
#include <getopt.h>
#include <stdlib.h>

#include "prog.h"
#include "shard.h"

static const char usage_text[] =
"usage: revisit-shard -n N -o DIR [--state DIR] [options] [FILE...]\n"
"       revisit-shard --reshard -n N --state DIR -o NEW-DIR\n"
"Split hit records (revisit-parse output; stdin if no FILE) into N\n"
"shards by person, as DIR/hits-0.mp ... DIR/hits-(N-1).mp, so that every\n"
"hit of a person, from any of its devices, is in one shard: shard =\n"
"XXH3-64(person key) mod N, the person being the uid of the vid's latest\n"
"hit with one tonight, else its uid in the state, else the vid. Each\n"
"shard keeps the input's order; other records go to shard 0. DIR/now\n"
"gets the night's end (epoch ms) for every shard's --now.\n"
"\n"
"  -n, --shards N      the number of shards (1 to 1024)\n"
"  -o, --output DIR    where the shards go (created; files atomically)\n"
"  --state DIR         the state, sharded the same way: DIR/shard-K for\n"
"                      K in 0..N-1 (created when missing). Its links route\n"
"                      hits of vids that logged in on earlier nights, and\n"
"                      a device whose person is now in another shard is\n"
"                      moved to that shard's state (a new generation)\n"
"  --per-input         one file per shard and input: DIR/hits-K-I.mp for\n"
"                      input I (from 0), each in its input's order, for\n"
"                      revisit-sessionize to merge by time\n"
"  --reshard           rewrite the state in --state DIR (one process's, or\n"
"                      sharded any number of ways) as N shards in the new\n"
"                      directory -o NEW-DIR: to change the shard count\n"
"  --progress          a progress line on stderr (default on a terminal)\n"
"  -q, --quiet         no counts on stderr\n"
"  -h, --help          this help;  -V, --version  the version\n"
"\n"
"Exit status: 0 ok, 64 bad usage or a state sharded otherwise, 65 a\n"
"damaged input or state, 66 an input cannot be opened, 73 an output\n"
"cannot be created, 74 I/O error, 75 a shard's state is being updated.\n";

enum { O_STATE = 256, O_PROGRESS, O_RESHARD, O_PER_INPUT };

static const struct option longopts[] = {
	{ "shards",	required_argument,	NULL, 'n' },
	{ "output",	required_argument,	NULL, 'o' },
	{ "state",	required_argument,	NULL, O_STATE },
	{ "progress",	no_argument,		NULL, O_PROGRESS },
	{ "reshard",	no_argument,		NULL, O_RESHARD },
	{ "per-input",	no_argument,		NULL, O_PER_INPUT },
	{ "quiet",	no_argument,		NULL, 'q' },
	{ "help",	no_argument,		NULL, 'h' },
	{ "version",	no_argument,		NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

int
main(int argc, char *argv[])
{
	struct shard_opts o = { 0 };
	int c, reshard = 0;

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
		case O_RESHARD: reshard = 1; break;
		case O_PER_INPUT: o.per_input = 1; break;
		case 'q': o.quiet = 1; break;
		case 'h': usage_exit(usage_text, EX_OK);
		case 'V': print_version();
		default: usage_exit(usage_text, EX_USAGE);
		}
	}
	if (o.n == 0 || o.out == NULL)
		usage_exit(usage_text, EX_USAGE);
	if (reshard) {
		if (o.state == NULL || optind != argc)
			usage_exit(usage_text, EX_USAGE);
		return shard_reshard(o.state, o.out, o.n, o.quiet);
	}
	return shard_run(argv + optind, (size_t)(argc - optind), &o);
}
