/*
 * revisit-parse - access log lines to hit records (MessagePack).
 */
#include <getopt.h>
#include <unistd.h>

#include "parse.h"
#include "prog.h"

int
main(int argc, char *argv[])
{
	struct parse_opts o;
	const char *output = NULL;
	struct wbuf out;
	int status;

	prog_init(argv[0]);
	parse_opts_init(&o);
	parse_options(argc, argv, &o, &output);
	stage_output(&out, output);
	pipe_grow(STDIN_FILENO);
	status = parse_run(argv + optind, (size_t)(argc - optind), &out, &o);
	parse_opts_free(&o);
	return wbuf_finish(&out, status, output ? output : "stdout");
}
