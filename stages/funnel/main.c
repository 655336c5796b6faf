/*
 * revisit-funnel - tag sessions with the funnel stages they reached.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "funnel.h"
#include "prog.h"

static const char usage_text[] =
"usage: revisit-funnel [-q] [-r rules] [--report file] [file ...]\n"
"Read session records and add the funnel stages each reached (stages,\n"
"max_stage), the skus viewed and carted, and its purchases, counted once\n"
"per order id. Other records pass through.\n"
"\n"
"  -r, --rules FILE       funnel rules (default: the shipped funnel.conf;\n"
"                         see schemas/funnel.md)\n"
"      --currency CODE    currency of purchases that log none (USD)\n"
"      --report FILE      per-stage table of sessions, visitors, drop-off,\n"
"                         open and closed funnel (\"-\": stderr)\n"
"      --report-json FILE the same as JSON\n"
"      --print-rules      print the default rules and exit\n"
"  -o, --output FILE      write FILE atomically instead of stdout\n"
"      --progress         progress on stderr (default on a terminal)\n"
"  -q, --quiet            no summary line\n"
"  -h, --help             this help;  -V, --version  the version\n"
"\n"
"Exit status: 0 ok, 64 bad option or rules, 65 bad input, 66 an input\n"
"cannot be opened, 74 I/O error.\n";

enum { O_CURRENCY = 256, O_REPORT, O_JSON, O_PRINT, O_PROGRESS };

static const struct option longopts[] = {
	{ "rules",		required_argument,	NULL, 'r' },
	{ "currency",		required_argument,	NULL, O_CURRENCY },
	{ "report",		required_argument,	NULL, O_REPORT },
	{ "report-json",	required_argument,	NULL, O_JSON },
	{ "print-rules",	no_argument,		NULL, O_PRINT },
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
	struct fn_opts o = { .currency = "USD" };
	const char *output = NULL, *rules = NULL;
	struct wbuf out;
	char *text;
	size_t len;
	int c, status;

	prog_init(argv[0]);
	while ((c = getopt_long(argc, argv, "r:o:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': rules = optarg; break;
		case O_CURRENCY: o.currency = optarg; break;
		case O_REPORT: o.report = optarg; break;
		case O_JSON: o.report_json = optarg; break;
		case O_PRINT:
			fwrite(revisit_data_funnel, 1, revisit_data_funnel_len,
			    stdout);
			return EX_OK;
		case 'o': output = optarg; break;
		case O_PROGRESS: o.progress = 1; break;
		case 'q': o.quiet = 1; break;
		case 'h': usage_exit(usage_text, EX_OK);
		case 'V': print_version();
		default: usage_exit(usage_text, EX_USAGE);
		}
	}
	text = rules ? read_file(rules, &len) : NULL;
	o.rules = rules_new(text ? text : revisit_data_funnel,
	    text ? len : revisit_data_funnel_len, rules ? rules : "funnel.conf");
	free(text);
	if (o.rules == NULL)
		return EX_USAGE;
	stage_output(&out, output);
	status = fn_run(argv + optind, (size_t)(argc - optind), &out, &o);
	rules_free(o.rules);
	return wbuf_finish(&out, status, output ? output : "stdout");
}
