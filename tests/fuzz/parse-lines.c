/*
 * parse-lines: revisit-parse over a file of log lines, in the format the
 * first byte picks: each preset, an nginx log_format, an Apache LogFormat,
 * W3C (its #Fields header in the input) and guessing. The whole reader:
 * line cutting, format matching, hit building, bot matching, rejects.
 */
#include "fuzz.h"
#include "parse.h"

static const char *formats[] = {
	"auto", "common", "combined", "vcombined", "combined_vid", "json",
	"w3c",
	("$remote_addr - $remote_user [$time_local] \"$request\" $status "
	    "$body_bytes_sent \"$http_referer\" \"$http_user_agent\" $host "
	    "\"$http_cookie\" $msec $http_x_forwarded_for"),
	("$time_iso8601 $remote_addr $request_method $request_uri $status "
	    "$cookie_vid $cookie_uid $cookie_ad_consent"),
	"%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\" %v",
	"%a %{msec}t %m %U %q %>s %{Cookie}i",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *pixels[] = { "/px.gif" };
	static const char *path, *bots;
	static const char bot_list[] = "bot\ncrawl\n(?i)spider\n";
	struct parse_opts o;
	char *const paths[1] = { NULL };
	char tmp[64];
	FILE *fp;

	if (size < 1)
		return 0;
	fuzz_sink();
	if (bots == NULL) {
		/* A short list: the shipped one costs a PCRE2 compile of
		 * hundreds of patterns per input. */
		snprintf(tmp, sizeof tmp, "/tmp/revisit-fuzz-bots.%d",
		    (int)getpid());
		if ((fp = fopen(tmp, "w")) == NULL)
			abort();
		fputs(bot_list, fp);
		fclose(fp);
		bots = strdup(tmp);
	}
	/* The program's defaults (a zeroed struct had since = until = 0:
	 * every hit a reject, and the hit writer never reached). */
	parse_opts_init(&o);
	o.format = formats[data[0] % (sizeof formats / sizeof *formats)];
	o.lean = data[0] & 0x10;
	o.lf.consent_field = data[0] & 0x80 ? "cookie_ad_consent" : NULL;
	o.hb.anonymize_ip = data[0] & 0x40;
	o.hb.pixels = pixels;
	o.hb.npixels = 1;
	o.hb.keep_bots = o.hb.keep_assets = data[0] & 0x20;
	o.bots_path = bots;
	o.max_reject_ratio = 1;
	o.max_warnings = 1;
	o.quiet = 1;
	path = fuzz_file(data + 1, size - 1);
	((const char **)paths)[0] = path;
	parse_run(paths, 1, fuzz_sink(), &o);
	wbuf_flush(fuzz_sink());
	return 0;
}
