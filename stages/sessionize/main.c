/*
 * revisit-sessionize - hit records to session records, with traffic
 * source, channel and device.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "traffic.h"
#include "prog.h"
#include "sessionize.h"

static const char usage_text[] =
"usage: revisit-sessionize [-q] [--site-host host]... [options] [file ...]\n"
"Group page hits (status 200-399) into sessions per visitor and write\n"
"session records in order of start; other records pass through.\n"
"\n"
"  --site-host HOST       the site's own host (repeatable): its referrers are\n"
"                         not a traffic source; subdomains included\n"
"  --timeout DUR          inactivity that ends a session (30m); a gap of\n"
"                         exactly DUR stays in the session\n"
"  --no-campaign-split    do not start a session when campaign parameters\n"
"                         change (GA4's timeout-only rule)\n"
"  --max-disorder DUR     how far out of time order input may be (5m)\n"
"  --sort                 sort the input on disk first; default: far\n"
"                         disorder is found, then its time-ordered parts\n"
"                         (server files one after another) merged, or\n"
"                         the input sorted\n"
"  --stream               write as it goes; fail (65) if the input is out\n"
"                         of order beyond --max-disorder\n"
"  --memory-limit SIZE    memory for open sessions and sorting (256M)\n"
"  --tmpdir DIR           temporary files ($TMPDIR, else /tmp)\n"
"  -o, --output FILE      write FILE atomically instead of stdout\n"
"      --progress         progress on stderr (default on a terminal)\n"
"  -q, --quiet            no summary line\n"
"  -h, --help             this help;  -V, --version  the version\n"
"\n"
"Durations: 30m, 1800s, 2h, 1d. Exit status: 0 ok, 64 bad option, 65 bad\n"
"input or disorder with --stream, 66 an input cannot be opened, 74 I/O.\n";

enum { O_SITE = 256, O_TIMEOUT, O_NOSPLIT, O_DISORDER, O_SORT, O_STREAM,
	O_MEMORY, O_TMPDIR, O_PROGRESS };

static const struct option longopts[] = {
	{ "site-host",		required_argument,	NULL, O_SITE },
	{ "timeout",		required_argument,	NULL, O_TIMEOUT },
	{ "no-campaign-split",	no_argument,		NULL, O_NOSPLIT },
	{ "max-disorder",	required_argument,	NULL, O_DISORDER },
	{ "sort",		no_argument,		NULL, O_SORT },
	{ "stream",		no_argument,		NULL, O_STREAM },
	{ "memory-limit",	required_argument,	NULL, O_MEMORY },
	{ "tmpdir",		required_argument,	NULL, O_TMPDIR },
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
	struct sz_opts o = { .timeout = 30 * 60000, .max_disorder = 5 * 60000,
	    .campaign_split = 1, .memory_limit = 256u << 20 };
	const char *output = NULL, *tmp = getenv("TMPDIR");
	struct wbuf out;
	int c, status;

	prog_init(argv[0]);
	prog_big_heap(PROG_HEAP_NIGHT);
	o.tmpdir = tmp && *tmp ? tmp : "/tmp";
	while ((c = getopt_long(argc, argv, "o:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case O_SITE:
			if (traffic_site_host(&o.tc, optarg) != 0)
				die(EX_USAGE, "--site-host: empty host");
			break;
		case O_TIMEOUT: o.timeout = parse_duration("--timeout", optarg); break;
		case O_NOSPLIT: o.campaign_split = 0; break;
		case O_DISORDER:
			o.max_disorder = parse_duration("--max-disorder", optarg);
			break;
		case O_SORT: o.mode = SZ_SORT; break;
		case O_STREAM: o.mode = SZ_STREAM; break;
		case O_MEMORY:
			o.memory_limit = (size_t)parse_size("--memory-limit", optarg);
			break;
		case O_TMPDIR: o.tmpdir = optarg; break;
		case 'o': output = optarg; break;
		case O_PROGRESS: o.progress = 1; break;
		case 'q': o.quiet = 1; break;
		case 'h': usage_exit(usage_text, EX_OK);
		case 'V': print_version();
		default: usage_exit(usage_text, EX_USAGE);
		}
	}
	if (o.tc.own == NULL && !o.quiet)
		warnx("no --site-host: every referrer, the site's own too, "
		    "counts as a traffic source");
	traffic_lists(&o.tc);
	stage_output(&out, output);
	status = sz_run(argv + optind, (size_t)(argc - optind), &out, &o);
	traffic_free(&o.tc);
	return wbuf_finish(&out, status, output ? output : "stdout");
}
