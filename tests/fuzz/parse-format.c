/*
 * parse-format: the format-string compiler (nginx log_format, Apache
 * LogFormat, pasted directive lines, presets, W3C #Fields headers), then
 * the compiled format over a few lines, the format text among them.
 */
#include "fuzz.h"
#include "hitbuild.h"
#include "logfmt.h"

static const char *lines[] = {
	"203.0.113.9 - - [10/Oct/2024:13:55:36 +0000] \"GET /product/A1?x=1 "
	    "HTTP/1.1\" 200 512 \"https://www.google.com/\" \"Mozilla/5.0\"",
	"{\"remote_addr\":\"::1\",\"status\":\"404\",\"request\":\"GET / "
	    "HTTP/1.0\",\"time_local\":\"10/Oct/2024:13:55:36 +0200\"}",
	"2024-10-10 13:55:36 10.0.0.1 GET /a%20b q=1 200 - Mozilla/5.0+(X11)",
};

static void
run(const struct lf *f, const char *line, size_t len)
{
	static struct hb b;
	static struct hb_opts ho;
	static int ready;
	struct lf_fields x = { 0 };
	const char *why;
	size_t col;
	struct hit h;
	char err[256];

	if (!ready) {
		hb_init(&b, &ho, NULL);
		ready = 1;
	}
	if (lf_match(f, line, len, &x, &why, &col) == 0 &&
	    hb_build(&b, f, &x, len, &h, err, sizeof err) == 0)
		hit_pack(fuzz_sink(), &h);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *map[] = { "status=code", "request_uri=url" };
	struct lf_opts o = { .vid_field = "cookie_vid", .uid_field = "uid",
	    .json_map = map, .njson_map = 2 };
	char *spec = fuzz_str(data, size), err[256];
	struct lf f;
	size_t i;

	fuzz_sink();
	if (lf_compile(&f, spec, &o, err, sizeof err) == 0) {
		for (i = 0; i < sizeof lines / sizeof *lines; i++)
			run(&f, lines[i], strlen(lines[i]));
		run(&f, spec, size);
		lf_free(&f);
	}
	memset(&f, 0, sizeof f);
	if (size >= 8 && memcmp(spec, "#Fields:", 8) == 0 &&
	    lf_compile_w3c(&f, spec, size, &o, err, sizeof err) == 0) {
		run(&f, lines[2], strlen(lines[2]));
		lf_free(&f);
	}
	wbuf_flush(fuzz_sink());
	free(spec);
	return 0;
}
