/*
 * revisit-attribute - credit each purchase to the sessions that led to
 * it, under the usual attribution models.
 */
#include <getopt.h>
#include <stdlib.h>

#include "attribute.h"
#include "models.h"
#include "prog.h"

static const char usage_text[] =
"usage: revisit-attribute [-q] [--state dir] [options] [file ...]\n"
"Read tagged session records (revisit-funnel), pass them on, and write a\n"
"conversion record per purchase, with the credit of each touchpoint\n"
"(the person's sessions within the lookback) under each model. Other\n"
"records pass through.\n"
"\n"
"  --state DIR            visitor state (revisit-state): earlier nights'\n"
"                         sessions, identity links and order ids\n"
"  --models LIST          the models to credit, comma-separated (all):\n"
"                         last_non_direct, last_click, first_click, linear,\n"
"                         position_based, time_decay\n"
"  --lookback DUR         touchpoints that started this long before the\n"
"                         conversion, both ends included (30d)\n"
"  --half-life DUR        time decay's half life (7d)\n"
"  --report FILE          conversions and revenue per model by channel and\n"
"                         by source / medium / campaign (\"-\": stderr)\n"
"  --report-json FILE     the same as JSON\n"
"  --conversions-out FILE also the conversion records alone to FILE\n"
"                         (atomically): a shard's, for --conversions\n"
"  --sums-out FILE        the report's sums as one record to FILE\n"
"                         (atomically): a shard's, for --conversions\n"
"  --conversions          only the report of the conversion and sums\n"
"                         records read (a sharded night's), and with -o\n"
"                         the conversion records\n"
"  -o, --output FILE      write FILE atomically instead of stdout\n"
"      --progress         progress on stderr (default on a terminal)\n"
"  -q, --quiet            no summary line\n"
"  -h, --help             this help;  -V, --version  the version\n"
"\n"
"Durations: 30d, 12h, 90m, 3600s. Exit status: 0 ok, 64 bad option, 65 bad\n"
"input or a damaged state, 66 an input cannot be opened, 74 I/O error.\n";

enum { O_STATE = 256, O_MODELS, O_LOOKBACK, O_HALF, O_REPORT, O_JSON,
	O_PROGRESS, O_CONV, O_CONV_OUT, O_SUMS_OUT };

static const struct option longopts[] = {
	{ "state",		required_argument,	NULL, O_STATE },
	{ "models",		required_argument,	NULL, O_MODELS },
	{ "lookback",		required_argument,	NULL, O_LOOKBACK },
	{ "half-life",		required_argument,	NULL, O_HALF },
	{ "report",		required_argument,	NULL, O_REPORT },
	{ "report-json",	required_argument,	NULL, O_JSON },
	{ "conversions",	no_argument,		NULL, O_CONV },
	{ "conversions-out",	required_argument,	NULL, O_CONV_OUT },
	{ "sums-out",		required_argument,	NULL, O_SUMS_OUT },
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
	struct at_opts o = { .models = (1u << NMODELS) - 1,
		.lookback = 30LL * 86400000, .half_life = 7LL * 86400000 };
	const char *output = NULL;
	struct wbuf out;
	int c, status, conv = 0;

	prog_init(argv[0]);
	prog_big_heap(PROG_HEAP_NIGHT);
	while ((c = getopt_long(argc, argv, "o:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case O_STATE: o.state = optarg; break;
		case O_MODELS: o.models = models_parse(optarg); break;
		case O_LOOKBACK:
			o.lookback = parse_duration("--lookback", optarg);
			break;
		case O_HALF:
			o.half_life = parse_duration_positive("--half-life",
			    optarg);
			break;
		case O_REPORT: o.report = optarg; break;
		case O_JSON: o.report_json = optarg; break;
		case O_CONV: conv = 1; break;
		case O_CONV_OUT: o.conversions_out = optarg; break;
		case O_SUMS_OUT: o.sums_out = optarg; break;
		case 'o': output = optarg; break;
		case O_PROGRESS: o.progress = 1; break;
		case 'q': o.quiet = 1; break;
		case 'h': usage_exit(usage_text, EX_OK);
		case 'V': print_version();
		default: usage_exit(usage_text, EX_USAGE);
		}
	}
	if (conv)
		return at_report_conversions(argv + optind, argc - optind,
		    output, &o);
	stage_output(&out, output);
	status = at_run(argv + optind, (size_t)(argc - optind), &out, &o);
	return wbuf_finish(&out, status, output ? output : "stdout");
}
