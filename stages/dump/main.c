/*
 * revisit-dump - MessagePack records to JSON Lines (and back with --pack).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dump.h"
#include "prog.h"

static const char usage_text[] =
"usage: revisit-dump [-c | -p] [-o file] [file ...]\n"
"Write MessagePack records (stdin, or the files in turn) as JSON Lines,\n"
"one record per line. Strings that are not valid UTF-8 keep their bytes\n"
"as \\udcXX escapes, so --pack gives back the same records.\n"
"\n"
"  -c, --count         count records per type instead (\"hit\\t120\")\n"
"  -p, --pack          the reverse: JSON Lines in, MessagePack out\n"
"  -o, --output FILE   write FILE atomically instead of stdout\n"
"  -h, --help          this help;  -V, --version  the version\n"
"\n"
"Exit status: 0 ok, 65 bad input, 66 an input cannot be opened, 74 I/O error.\n";

static const struct option longopts[] = {
	{ "count",	no_argument,		NULL, 'c' },
	{ "pack",	no_argument,		NULL, 'p' },
	{ "output",	required_argument,	NULL, 'o' },
	{ "help",	no_argument,		NULL, 'h' },
	{ "version",	no_argument,		NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static int
run(int fd, const char *name, int mode, struct wbuf *out)
{
	struct recin in;
	int status;

	if (mode == 'p')
		return dump_pack(fd, name, out);
	recin_init(&in, fd, name);
	status = mode == 'c' ? dump_count(&in, out) : dump_json(&in, out);
	recin_free(&in);
	return status;
}

int
main(int argc, char *argv[])
{
	const char *output = NULL;
	struct wbuf out;
	int c, mode = 'j', status = EX_OK;

	prog_init(argv[0]);
	while ((c = getopt_long(argc, argv, "cpo:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': case 'p': mode = c; break;
		case 'o': output = optarg; break;
		case 'h': usage_exit(usage_text, EX_OK);
		case 'V': print_version();
		default: usage_exit(usage_text, EX_USAGE);
		}
	}
	stage_output(&out, output);
	if (optind == argc)
		status = run(STDIN_FILENO, "<stdin>", mode, &out);
	for (; optind < argc; optind++) {
		const char *name;
		int fd = input_open(argv[optind], &name);

		if (fd < 0) {
			status = status_merge(status, EX_NOINPUT);
			continue;
		}
		status = status_merge(status, run(fd, name, mode, &out));
		input_close(fd);
	}
	return wbuf_finish(&out, status, output ? output : "stdout");
}
