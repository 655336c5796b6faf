/*
 * records: the MessagePack record readers every stage uses, on arbitrary
 * bytes: the framing reader (mpr) with each record decoded as a hit, a
 * session, a person and by type; the msgpack-c reader (recin) of
 * revisit-dump and revisit-report; the audience list reader.
 */
#include "fuzz.h"
#include "hit.h"
#include "lists.h"
#include "mpc.h"
#include "mpk.h"
#include "person.h"
#include "session.h"

static void
framed(const uint8_t *data, size_t size)
{
	static struct sess s;
	struct mpr r;
	const char *rec, *t;
	size_t len, tn;
	struct hit h;
	struct person p;
	int fd = fuzz_fd(data, size);

	mpr_init(&r, fd, "input");
	while (mpr_next(&r, &rec, &len) > 0) {
		(void)mpc_record_type(rec, len, &t, &tn);
		if (hit_decode(rec, len, &h) == 0)
			hit_pack(fuzz_sink(), &h);
		(void)sess_decode(&s, rec, len);
		if (person_decode(&p, rec, len, 64) == 0)
			person_free(&p);
	}
	mpr_free(&r);
	close(fd);
}

static void
unpacked(const uint8_t *data, size_t size)
{
	struct recin in;
	msgpack_object *o;
	int fd = fuzz_fd(data, size);

	recin_init(&in, fd, "input");
	while (recin_next(&in, &o) > 0)
		(void)mpk_get(o, "type");
	recin_free(&in);
	close(fd);
}

static void
list(const uint8_t *data, size_t size)
{
	struct list_reader r;
	struct list_member m;

	if (list_open(&r, fuzz_file(data, size)) != 0)
		return;
	while (list_next(&r, &m) > 0)
		;
	list_close(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_sink();
	framed(data, size);
	unpacked(data, size);
	list(data, size);
	wbuf_flush(fuzz_sink());
	return 0;
}
