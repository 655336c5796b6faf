/*
 * revisit-report - a night in one summary record, and the HTML report
 * people read: retention figures, funnel, channels under each model,
 * audience sizes over the nights, cohorts.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "prog.h"
#include "report.h"

static const char usage_text[] =
"usage: revisit-report --summarize [-o FILE] [file ...]\n"
"       revisit-report --state DIR [--night FILE] [--history DIR]\n"
"                      [--audiences DIR] [--day DAY] [--nights 30] -o FILE\n"
"With --summarize, read a night's sessions and conversions (the end of\n"
"the nightly pipeline) and write its summary record (schemas/summary.md).\n"
"Else write the HTML report: one self-contained page, no network access.\n"
"\n"
"  --summarize          the summary of the records read\n"
"  --state DIR          the visitor state: customers and cohorts (a\n"
"                       sharded state: its shards added up)\n"
"  --night FILE         tonight's summary record\n"
"  --history DIR        the nightly job's output directory: earlier\n"
"                       nights' summaries and audience lists\n"
"  --audiences DIR      tonight's audience lists\n"
"  --day DAY            the night reported (default: the state's last day)\n"
"  --nights N           the period, in days and nights (30)\n"
"  -o, --output FILE    write FILE atomically (default stdout)\n"
"  -q, --quiet          no summary line\n"
"  -h, --help           this help;  -V, --version  the version\n"
"\n"
"Exit status: 0 ok, 64 bad usage, 65 bad input, 66 an input cannot be\n"
"opened, 73 the output cannot be created, 74 I/O error.\n";

enum { O_SUM = 256, O_STATE, O_NIGHT, O_HIST, O_AUD, O_DAY, O_NIGHTS };

static const struct option longopts[] = {
	{ "summarize",	no_argument,		NULL, O_SUM },
	{ "state",	required_argument,	NULL, O_STATE },
	{ "night",	required_argument,	NULL, O_NIGHT },
	{ "history",	required_argument,	NULL, O_HIST },
	{ "audiences",	required_argument,	NULL, O_AUD },
	{ "day",	required_argument,	NULL, O_DAY },
	{ "nights",	required_argument,	NULL, O_NIGHTS },
	{ "output",	required_argument,	NULL, 'o' },
	{ "quiet",	no_argument,		NULL, 'q' },
	{ "help",	no_argument,		NULL, 'h' },
	{ "version",	no_argument,		NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

int
main(int argc, char *argv[])
{
	struct report_opts o = { .nights = 30 };
	int c, sum = 0;

	prog_init(argv[0]);
	prog_big_heap(PROG_HEAP_NIGHT);
	while ((c = getopt_long(argc, argv, "o:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case O_SUM: sum = 1; break;
		case O_STATE: o.state = optarg; break;
		case O_NIGHT: o.night = optarg; break;
		case O_HIST: o.history = optarg; break;
		case O_AUD: o.audiences = optarg; break;
		case O_DAY:
			o.day = optarg;
			if (strlen(optarg) != 10 || strspn(optarg,
			    "0123456789-") != 10 || optarg[4] != '-' ||
			    optarg[7] != '-')
				die(EX_USAGE, "--day: not YYYY-MM-DD: '%s'",
				    optarg);
			break;
		case O_NIGHTS:
			o.nights = (int)parse_count_in("--nights", optarg, 1,
			    366);
			break;
		case 'o': o.out = optarg; break;
		case 'q': o.quiet = 1; break;
		case 'h': usage_exit(usage_text, EX_OK);
		case 'V': print_version();
		default: usage_exit(usage_text, EX_USAGE);
		}
	}
	if (sum)
		return summarize(argv + optind, (size_t)(argc - optind), o.out,
		    o.quiet);
	if (o.state == NULL || optind != argc)
		usage_exit(usage_text, EX_USAGE);
	return report_run(&o);
}
