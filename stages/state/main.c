/*
 * revisit-state - the visitor state kept from night to night: update it
 * with a night's sessions, check it, show it.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "inspect.h"
#include "prog.h"
#include "state.h"
#include "update.h"

static const char usage_text[] =
"usage: revisit-state --update DIR [options] [file ...]\n"
"       revisit-state --check DIR\n"
"       revisit-state --dump DIR [-o file]\n"
"What later nights need of each person (schemas/state.md).\n"
"\n"
"  --update DIR           merge the session records read (passed on) into\n"
"                         the state in DIR, atomically\n"
"  --check DIR            verify every file and record (65 if damaged)\n"
"  --dump DIR             the state as JSON Lines, in person order\n"
"\n"
"Options of --update:\n"
"  --window DUR           keep sessions this long: the longest lookback\n"
"                         attribution uses (30d, or the state's)\n"
"  --retention DUR        drop persons not seen this long (540d, or the\n"
"                         state's); and their older history\n"
"  --now TIME             the end of the period (ISO 8601 or epoch ms;\n"
"                         default the latest session end)\n"
"  --shards N             shards of the state (default the state's,\n"
"                         doubled past 128 MiB each); changing it compacts\n"
"  --compact              write a new base, not a delta (an update compacts\n"
"                         by itself when the deltas reach half the base)\n"
"  --opt-out FILE         uids and vids (one per line) that opt out\n"
"  -o, --output FILE      write the records read to FILE, atomically\n"
"      --progress         progress on stderr (default on a terminal)\n"
"  -q, --quiet            no summary line\n"
"  -h, --help             this help;  -V, --version  the version\n"
"\n"
"Exit status: 0 ok, 64 bad option, 65 bad input or a damaged state, 66 an\n"
"input cannot be opened, 73 the state cannot be created, 74 I/O error,\n"
"75 another update of the state is running.\n";

enum { O_UPDATE = 256, O_CHECK, O_DUMP, O_WINDOW, O_RETENTION, O_NOW,
	O_SHARDS, O_OPTOUT, O_COMPACT, O_PROGRESS };

static const struct option longopts[] = {
	{ "update",		required_argument,	NULL, O_UPDATE },
	{ "check",		required_argument,	NULL, O_CHECK },
	{ "dump",		required_argument,	NULL, O_DUMP },
	{ "window",		required_argument,	NULL, O_WINDOW },
	{ "retention",		required_argument,	NULL, O_RETENTION },
	{ "now",		required_argument,	NULL, O_NOW },
	{ "shards",		required_argument,	NULL, O_SHARDS },
	{ "opt-out",		required_argument,	NULL, O_OPTOUT },
	{ "compact",		no_argument,		NULL, O_COMPACT },
	{ "output",		required_argument,	NULL, 'o' },
	{ "progress",		no_argument,		NULL, O_PROGRESS },
	{ "quiet",		no_argument,		NULL, 'q' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "version",		no_argument,		NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

int
main(int argc, char *argv[])
{
	struct up_opts o;
	const char *output = NULL, *dir = NULL;
	struct wbuf out;
	int c, mode = 0, status;

	memset(&o, 0, sizeof o);
	prog_init(argv[0]);
	prog_big_heap(PROG_HEAP_STATE);
	while ((c = getopt_long(argc, argv, "o:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case O_UPDATE: case O_CHECK: case O_DUMP:
			if (mode && mode != c)
				die(EX_USAGE, "one of --update, --check, "
				    "--dump");
			mode = c;
			dir = parse_dir(c == O_UPDATE ? "--update" : c ==
			    O_CHECK ? "--check" : "--dump", optarg);
			break;
		case O_WINDOW:
			o.keep.window = parse_duration_positive("--window",
			    optarg);
			break;
		case O_RETENTION:
			o.keep.retention = parse_duration_positive(
			    "--retention", optarg);
			break;
		case O_NOW: o.now = parse_time("--now", optarg); break;
		case O_SHARDS:
			o.shards = (size_t)parse_count_in("--shards", optarg, 1,
			    STATE_MAX_SHARDS);
			break;
		case O_OPTOUT: o.opt_out = optarg; break;
		case O_COMPACT: o.compact = 1; break;
		case 'o': output = optarg; break;
		case O_PROGRESS: o.progress = 1; break;
		case 'q': o.quiet = 1; break;
		case 'h': usage_exit(usage_text, EX_OK);
		case 'V': print_version();
		default: usage_exit(usage_text, EX_USAGE);
		}
	}
	if (mode == 0)
		usage_exit(usage_text, EX_USAGE);
	if (mode == O_CHECK)
		return state_check(dir, o.quiet);
	o.dir = dir;
	stage_output(&out, output);
	status = mode == O_DUMP ? state_dump(dir, &out) :
	    up_run(argv + optind, (size_t)(argc - optind), &out, &o);
	return wbuf_finish(&out, status, output ? output : "stdout");
}
