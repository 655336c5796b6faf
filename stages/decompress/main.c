/*
 * revisit-decompress - write the decompressed contents of log files and
 * archives to stdout, in order.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decompress.h"
#include "prog.h"
#include "rd.h"

static const char usage_text[] =
"usage: revisit-decompress [-lq] [-m glob]... [-o file] [file ...]\n"
"Decompress and unpack access logs to stdout: plain text, gzip (multi-\n"
"member too), bzip2, xz, zstd, lz4, tar (plain or compressed) and zip,\n"
"detected by content. With no file, or '-', read stdin.\n"
"\n"
"  -m, --member GLOB   only archive entries whose path or base name match\n"
"                      (repeatable), e.g. 'access.log*'\n"
"  -l, --list          list inputs, entries, formats and sizes; write no data\n"
"      --mark          a line '#revisit-input NAME' before each input or\n"
"                      entry, so that revisit-parse names file and line\n"
"  -o, --output FILE   write FILE atomically instead of stdout\n"
"      --inflate ENG   gzip engine: isal (default) or zlib\n"
"      --max-ratio R   an input that inflates to more than R times its size\n"
"                      is cut there and is an error, 65 (1000; 0: none)\n"
"      --progress      show progress on stderr (default on a terminal)\n"
"  -q, --quiet         no summary line on stderr\n"
"  -h, --help          this help;  -V, --version  the version\n"
"\n"
"Exit status: 0 ok, 65 truncated or corrupt input (what was readable is\n"
"written), 66 an input cannot be opened, 74 read or write error.\n";

static const struct option longopts[] = {
	{ "member",	required_argument,	NULL, 'm' },
	{ "list",	no_argument,		NULL, 'l' },
	{ "mark",	no_argument,		NULL, 'M' },
	{ "max-ratio",	required_argument,	NULL, 'R' },
	{ "output",	required_argument,	NULL, 'o' },
	{ "inflate",	required_argument,	NULL, 'I' },
	{ "progress",	no_argument,		NULL, 'P' },
	{ "quiet",	no_argument,		NULL, 'q' },
	{ "help",	no_argument,		NULL, 'h' },
	{ "version",	no_argument,		NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

int
main(int argc, char *argv[])
{
	struct dc_opts o = { .engine = INFLATE_ISAL, .max_ratio = 1000 };
	const char *output = NULL;
	struct wbuf out;
	int c, status;

	prog_init(argv[0]);
	while ((c = getopt_long(argc, argv, "m:lo:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': strv_push(&o.members, &o.nmembers, optarg); break;
		case 'l': o.list = 1; break;
		case 'M': o.mark = 1; break;
		case 'R': o.max_ratio = (double)parse_count("--max-ratio", optarg); break;
		case 'o': output = optarg; break;
		case 'I':
			if (strcmp(optarg, "isal") == 0)
				o.engine = INFLATE_ISAL;
			else if (strcmp(optarg, "zlib") == 0)
				o.engine = INFLATE_ZLIB;
			else
				die(EX_USAGE, "--inflate: unknown engine '%s'", optarg);
			break;
		case 'P': o.progress = 1; break;
		case 'q': o.quiet = 1; break;
		case 'h': usage_exit(usage_text, EX_OK);
		case 'V': print_version();
		default: usage_exit(usage_text, EX_USAGE);
		}
	}
	stage_output(&out, output);
	status = dc_run(argv + optind, (size_t)(argc - optind), &out, &o);
	free(o.members);
	return wbuf_finish(&out, status, output ? output : "stdout");
}
