/*
 * decompress_test.c - unit tests of revisit-decompress: format sniffing,
 * the gzip reader (multi-member, padding, truncation, corruption; both
 * engines), archives and the end-of-entry newline.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "decompress.h"
#include "prog.h"
#include "rd.h"

/* gzip n bytes of p (one member) onto the end of out. */
static size_t
gz_member(unsigned char *out, const char *p, size_t n)
{
	z_stream z;
	size_t len;

	memset(&z, 0, sizeof z);
	cr_assert_eq(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)(n + 1024);
	cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
	len = z.total_out;
	deflateEnd(&z);
	return len;
}

static char tmpl[] = "/tmp/revisit-dc-XXXXXX";

static int
file_with(const void *p, size_t n)
{
	char path[sizeof tmpl];
	int fd;

	memcpy(path, tmpl, sizeof tmpl);
	fd = mkstemp(path);
	cr_assert(fd >= 0);
	unlink(path);
	cr_assert_eq(write(fd, p, n), (ssize_t)n);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* Everything a gzip reader gives; *status gets its errstatus. */
static char *
read_all(struct rd *r, size_t *len, int *status)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	ssize_t k;

	while ((k = rd_read(r, buf + n, cap - n)) > 0) {
		n += (size_t)k;
		if (n == cap)
			buf = realloc(buf, cap *= 2);
	}
	*status = k < 0 ? r->errstatus : 0;
	*len = n;
	return buf;
}

static char *
text(size_t n)
{
	char *t = malloc(n);
	size_t i;

	for (i = 0; i < n; i++)
		t[i] = (i % 61 == 60) ? '\n' : (char)('a' + (i * 7 + i / 13) % 26);
	return t;
}

ParameterizedTestParameters(gzip, engines) {
	static int e[] = { INFLATE_ISAL, INFLATE_ZLIB };

	return cr_make_param_array(int, e, 2);
}

ParameterizedTest(int *engine, gzip, engines) {
	size_t n1 = 300000, n2 = 5000, len;
	char *t = text(n1 + n2), *got;
	unsigned char *gz = malloc(2 * (n1 + n2) + 4096);
	size_t g = gz_member(gz, t, n1);
	struct rd *f, *r;
	int fd, st;

	/* Two members and zero padding: all of it, status 0. */
	g += gz_member(gz + g, t + n1, n2);
	memset(gz + g, 0, 100);
	fd = file_with(gz, g + 100);
	f = rd_fd(fd);
	r = rd_gzip(f, *engine);
	got = read_all(r, &len, &st);
	cr_assert_eq(st, 0, "%s", r->err);
	cr_assert_eq(len, n1 + n2);
	cr_assert(memcmp(got, t, len) == 0);
	free(got);
	rd_free(r);
	rd_free(f);

	/* Truncated: the prefix, then EX_DATAERR naming the offset. */
	fd = file_with(gz, g / 2);
	f = rd_fd(fd);
	r = rd_gzip(f, *engine);
	got = read_all(r, &len, &st);
	cr_assert_eq(st, EX_DATAERR);
	cr_assert(strstr(r->err, "truncated gzip data at byte") != NULL, "%s",
	    r->err);
	cr_assert_gt(len, 0);
	cr_assert(memcmp(got, t, len) == 0, "the prefix is not the data");
	free(got);
	rd_free(r);
	rd_free(f);

	/* Garbage after a member is an error; the data before it stays. */
	memcpy(gz + g, "junk", 4);
	fd = file_with(gz, g + 4);
	f = rd_fd(fd);
	r = rd_gzip(f, *engine);
	got = read_all(r, &len, &st);
	cr_assert_eq(st, EX_DATAERR);
	cr_assert(strstr(r->err, "trailing garbage") != NULL, "%s", r->err);
	cr_assert_eq(len, n1 + n2);
	free(got);
	rd_free(r);
	rd_free(f);

	/* A flipped CRC byte: all data, then the checksum error. */
	gz[g - 6] ^= 0xff;
	fd = file_with(gz, g);
	f = rd_fd(fd);
	r = rd_gzip(f, *engine);
	got = read_all(r, &len, &st);
	cr_assert_eq(st, EX_DATAERR);
	cr_assert(strstr(r->err, "corrupt gzip data") != NULL, "%s", r->err);
	free(got);
	rd_free(r);
	rd_free(f);
	free(gz);
	free(t);
}

Test(sniff, formats_by_content) {
	unsigned char tar[512];
	unsigned sum = 0;
	int i;

	cr_assert_str_eq(dc_sniff((const unsigned char *)"\x1f\x8b\x08", 3), "gzip");
	cr_assert_str_eq(dc_sniff((const unsigned char *)"BZh91AY", 7), "bzip2");
	cr_assert_str_eq(dc_sniff((const unsigned char *)"\xfd" "7zXZ\0\0", 7),
	    "xz");
	cr_assert_str_eq(dc_sniff((const unsigned char *)"\x28\xb5\x2f\xfd", 4),
	    "zstd");
	cr_assert_str_eq(dc_sniff((const unsigned char *)"\x04\x22\x4d\x18", 4),
	    "lz4");
	cr_assert_str_eq(dc_sniff((const unsigned char *)"PK\x03\x04", 4), "zip");
	cr_assert_str_eq(dc_sniff((const unsigned char *)"1.2.3.4 - -", 11),
	    "text");
	cr_assert_str_eq(dc_sniff((const unsigned char *)"", 0), "text");
	memset(tar, 0, sizeof tar);
	memcpy(tar, "access.log", 10);
	memcpy(tar + 257, "ustar", 5);
	for (i = 0; i < 512; i++)
		sum += (i >= 148 && i < 156) ? ' ' : tar[i];
	snprintf((char *)tar + 148, 8, "%06o", sum);
	cr_assert_str_eq(dc_sniff(tar, 512), "tar");
	tar[0] = 'b';	/* checksum no longer matches: text */
	cr_assert_str_eq(dc_sniff(tar, 512), "text");
}

/* Run dc_run on files, capturing stdout-like output in a temp file. */
static char *
run(char **paths, size_t n, const struct dc_opts *o, size_t *len, int *status)
{
	char path[sizeof tmpl];
	struct wbuf w;
	struct stat st;
	char *buf;
	int fd;

	memcpy(path, tmpl, sizeof tmpl);
	fd = mkstemp(path);
	unlink(path);
	wbuf_init(&w, fd);
	*status = dc_run(paths, n, &w, o);
	cr_assert_eq(wbuf_close(&w, 1), 0);
	fstat(fd, &st);
	buf = malloc((size_t)st.st_size + 1);
	cr_assert_eq(pread(fd, buf, (size_t)st.st_size, 0), st.st_size);
	buf[st.st_size] = '\0';
	*len = (size_t)st.st_size;
	close(fd);
	return buf;
}

static char *
named_file(const char *suffix, const void *p, size_t n)
{
	char *path = malloc(64);
	int fd;

	snprintf(path, 64, "/tmp/revisit-dc-%d-%s", (int)getpid(), suffix);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, p, n), (ssize_t)n);
	close(fd);
	return path;
}

Test(run, inputs_in_order_with_newlines_added_and_errors_isolated) {
	struct dc_opts o = { .engine = INFLATE_ISAL, .quiet = 1 };
	unsigned char gz[256];
	char *paths[4], *out;
	size_t g, len;
	int status;

	g = gz_member(gz, "b1\nb2", 5);
	paths[0] = named_file("a.txt", "a1\na2", 5);
	paths[1] = named_file("b.gz", gz, g);
	paths[2] = "/nonexistent/revisit-test";
	paths[3] = named_file("c.gz", gz, g / 2);	/* truncated */
	out = run(paths, 4, &o, &len, &status);
	/* a's and b's lines end with newlines; the missing file is 66 and
	 * beats the truncated one's 65; nothing merges. */
	cr_assert_eq(status, EX_NOINPUT);
	cr_assert(strncmp(out, "a1\na2\nb1\nb2\n", 12) == 0, "%s", out);
	unlink(paths[0]);
	unlink(paths[1]);
	unlink(paths[3]);
	free(paths[0]);
	free(paths[1]);
	free(paths[3]);
	free(out);
}

Test(run, truncated_input_is_65) {
	struct dc_opts o = { .engine = INFLATE_ZLIB, .quiet = 1 };
	unsigned char gz[4096];
	char *t = text(3000), *paths[1], *out;
	size_t g = gz_member(gz, t, 3000), len;
	int status;

	paths[0] = named_file("t.gz", gz, g - 10);
	out = run(paths, 1, &o, &len, &status);
	cr_assert_eq(status, EX_DATAERR);
	cr_assert(len > 0 && memcmp(out, t, len - 1) == 0);
	unlink(paths[0]);
	free(paths[0]);
	free(out);
	free(t);
}
