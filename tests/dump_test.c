/*
 * dump_test.c - unit tests of revisit-dump: JSON rendering of every
 * MessagePack type and the way back.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dump.h"
#include "mpk.h"

static char *
render(const char *data, size_t n)
{
	char path[] = "/tmp/revisit-dump-XXXXXX";
	int fd = mkstemp(path);
	msgpack_unpacked u;
	struct wbuf w;
	char *buf = calloc(1, 1 << 16);

	unlink(path);
	msgpack_unpacked_init(&u);
	cr_assert_eq(msgpack_unpack_next(&u, data, n, NULL),
	    MSGPACK_UNPACK_SUCCESS);
	wbuf_init(&w, fd);
	dump_obj(&w, &u.data);
	cr_assert_eq(wbuf_close(&w, 1), 0);
	cr_assert_geq(pread(fd, buf, (1 << 16) - 1, 0), 0);
	close(fd);
	msgpack_unpacked_destroy(&u);
	return buf;
}

static const char *
pack(const char *json, msgpack_sbuffer *sb)
{
	msgpack_packer pk;
	const char *err = NULL;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	if (dump_pack_value(&pk, json, json + strlen(json), &err) != 0)
		return err ? err : json;
	return NULL;
}

Test(dump, every_type_round_trips) {
	const char *json = "{\"type\":\"hit\",\"n\":-5,\"u\":18446744073709551615,"
	    "\"f\":0.1,\"g\":2.0,\"b\":[true,false,null],\"s\":\"\\udcff\xc3\xa9\","
	    "\"m\":{\"k\":[]}}";
	msgpack_sbuffer sb;
	char *out;

	cr_assert_null(pack(json, &sb));
	out = render(sb.data, sb.size);
	/* u64 max does not fit int64: it comes back as a double. */
	cr_assert_str_eq(out, "{\"type\":\"hit\",\"n\":-5,"
	    "\"u\":1.8446744073709552e+19,\"f\":0.1,\"g\":2.0,"
	    "\"b\":[true,false,null],\"s\":\"\\udcff\xc3\xa9\",\"m\":{\"k\":[]}}");
	msgpack_sbuffer_destroy(&sb);
	free(out);
}

Test(dump, bad_json_is_refused_whole) {
	msgpack_sbuffer sb;

	cr_assert_not_null(pack("{\"a\":1,}", &sb));
	cr_assert_eq(sb.size, 0);	/* nothing half-written */
	msgpack_sbuffer_destroy(&sb);
	cr_assert_not_null(pack("{\"a\" 1}", &sb));
	msgpack_sbuffer_destroy(&sb);
	cr_assert_not_null(pack("[1,2] 3", &sb));
	msgpack_sbuffer_destroy(&sb);
	cr_assert_not_null(pack("\"abc", &sb));
	msgpack_sbuffer_destroy(&sb);
}

Test(dump, non_string_keys_are_quoted_json) {
	msgpack_sbuffer sb;
	msgpack_packer pk;
	char *out;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	msgpack_pack_int(&pk, 7);
	msgpack_pack_str(&pk, 1);
	msgpack_pack_str_body(&pk, "x", 1);
	out = render(sb.data, sb.size);
	cr_assert_str_eq(out, "{\"7\":\"x\"}");
	free(out);
	msgpack_sbuffer_destroy(&sb);
}
