/*
 * dump-pack: revisit-dump --pack (JSON Lines to MessagePack) on arbitrary
 * text; what it packs is read back as revisit-dump reads records, and
 * written as JSON again.
 */
#include "dump.h"
#include "fuzz.h"
#include "mpk.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int packed = -1;
	struct wbuf w;
	struct recin in;
	int fd = fuzz_fd(data, size);

	fuzz_sink();
	if (packed < 0 && (packed = memfd_create("packed", 0)) < 0)
		abort();
	if (ftruncate(packed, 0) != 0 || lseek(packed, 0, SEEK_SET) != 0)
		abort();
	wbuf_init(&w, packed);
	(void)dump_pack(fd, "input", &w);
	wbuf_close(&w, 1);
	close(fd);
	if (lseek(packed, 0, SEEK_SET) != 0)
		abort();
	recin_init(&in, packed, "packed");
	(void)dump_json(&in, fuzz_sink());
	recin_free(&in);
	wbuf_flush(fuzz_sink());
	return 0;
}
