/*
 * cli.c - revisit-parse's command line: its help and its options.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "prog.h"

static const char usage_text[] =
"usage: revisit-parse [-q] [-f format] [options] [file ...]\n"
"Read access log lines (stdin, or the files) and write hit records as\n"
"MessagePack. Bots and static assets are dropped unless kept.\n"
"\n"
"  -f, --format FMT      preset (common, combined, vcombined, combined_vid,\n"
"                        json, w3c), an nginx log_format string or an Apache\n"
"                        LogFormat string; default: guessed from the first line\n"
"      --vid-field VAR   log variable holding the visitor cookie (cookie_vid)\n"
"      --uid-field VAR   log variable holding the user id (cookie_uid)\n"
"      --consent-field VAR  log variable holding ad consent (e.g.\n"
"                        cookie_ad_consent): hits get consent true/false\n"
"      --json-key VAR=KEY  JSON logs: KEY holds nginx variable VAR (repeatable)\n"
"      --keep-bots       write bot hits too (kind \"bot\")\n"
"      --keep-assets     write static asset hits too (kind \"asset\")\n"
"      --pixel PATH      PATH is a tracking pixel: a page, not an asset\n"
"      --anonymize-ip    IPv4 to /24, IPv6 to /48 in the ip field\n"
"      --bots FILE       bot patterns (PCRE2, one per line) instead of the\n"
"                        shipped list\n"
"      --since TIME      drop hits before TIME (ISO 8601 or epoch ms)\n"
"      --until TIME      drop hits at or after TIME: both counted as\n"
"                        rejects, reported with their line\n"
"      --rejects FILE    copy rejected lines to FILE\n"
"      --max-reject-ratio R  fail (65) above this share of rejects (0.01)\n"
"      --max-warnings N  reject messages shown per input (10)\n"
"      --links-out FILE  also write the links of the hits written to FILE,\n"
"                        as revisit-shard --links would find them\n"
"      --lean            hits as only revisit-sessionize reads them (scratch\n"
"                        files): the user agent as its device class (desktop,\n"
"                        mobile, tablet), ip \"\", bytes 0, no xff or host\n"
"  -o, --output FILE     write FILE atomically instead of stdout\n"
"      --progress        progress on stderr (default on a terminal)\n"
"  -q, --quiet           no summary line\n"
"  -h, --help            this help;  -V, --version  the version\n"
"\n"
"Exit status: 0 ok, 64 bad option or format, 65 too many rejects, 66 an\n"
"input cannot be opened, 74 read or write error.\n";

enum {
	O_VID = 256, O_UID, O_CONSENT, O_JSONKEY, O_KEEPBOTS, O_KEEPASSETS,
	O_PIXEL, O_ANON, O_BOTS, O_REJECTS, O_RATIO, O_MAXWARN, O_PROGRESS,
	O_SINCE, O_UNTIL, O_LINKS, O_LEAN
};

static const struct option longopts[] = {
	{ "format",		required_argument,	NULL, 'f' },
	{ "vid-field",		required_argument,	NULL, O_VID },
	{ "uid-field",		required_argument,	NULL, O_UID },
	{ "consent-field",	required_argument,	NULL, O_CONSENT },
	{ "json-key",		required_argument,	NULL, O_JSONKEY },
	{ "keep-bots",		no_argument,		NULL, O_KEEPBOTS },
	{ "keep-assets",	no_argument,		NULL, O_KEEPASSETS },
	{ "pixel",		required_argument,	NULL, O_PIXEL },
	{ "anonymize-ip",	no_argument,		NULL, O_ANON },
	{ "bots",		required_argument,	NULL, O_BOTS },
	{ "rejects",		required_argument,	NULL, O_REJECTS },
	{ "links-out",		required_argument,	NULL, O_LINKS },
	{ "lean",		no_argument,		NULL, O_LEAN },
	{ "max-reject-ratio",	required_argument,	NULL, O_RATIO },
	{ "max-warnings",	required_argument,	NULL, O_MAXWARN },
	{ "output",		required_argument,	NULL, 'o' },
	{ "since",		required_argument,	NULL, O_SINCE },
	{ "until",		required_argument,	NULL, O_UNTIL },
	{ "progress",		no_argument,		NULL, O_PROGRESS },
	{ "quiet",		no_argument,		NULL, 'q' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "version",		no_argument,		NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

void
parse_options(int argc, char *argv[], struct parse_opts *o,
    const char **output)
{
	int c;

	while ((c = getopt_long(argc, argv, "f:o:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': o->format = optarg; break;
		case O_VID: o->lf.vid_field = optarg; break;
		case O_UID: o->lf.uid_field = optarg; break;
		case O_CONSENT: o->lf.consent_field = optarg; break;
		case O_JSONKEY: strv_push(&o->lf.json_map, &o->lf.njson_map, optarg); break;
		case O_KEEPBOTS: o->hb.keep_bots = 1; break;
		case O_KEEPASSETS: o->hb.keep_assets = 1; break;
		case O_PIXEL: strv_push(&o->hb.pixels, &o->hb.npixels, optarg); break;
		case O_ANON: o->hb.anonymize_ip = 1; break;
		case O_BOTS: o->bots_path = optarg; break;
		case O_REJECTS: o->rejects_path = optarg; break;
		case O_LINKS: o->links_path = optarg; break;
		case O_LEAN: o->lean = 1; break;
		case O_SINCE: o->since = parse_time("--since", optarg); break;
		case O_UNTIL: o->until = parse_time("--until", optarg); break;
		case O_RATIO:
			o->max_reject_ratio = parse_ratio("--max-reject-ratio", optarg);
			break;
		case O_MAXWARN:
			o->max_warnings = (long)parse_count("--max-warnings", optarg);
			break;
		case 'o': *output = optarg; break;
		case O_PROGRESS: o->progress = 1; break;
		case 'q': o->quiet = 1; break;
		case 'h': usage_exit(usage_text, EX_OK);
		case 'V': print_version();
		default: usage_exit(usage_text, EX_USAGE);
		}
	}
}
