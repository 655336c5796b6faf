/*
 * decompress: revisit-decompress on arbitrary bytes, whatever format they
 * sniff as (gzip, bzip2, xz, zstd, lz4, tar, zip, text), with both gzip
 * engines and, by the first byte, a member filter.
 */
#include "decompress.h"
#include "fuzz.h"
#include "rd.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *members[] = { "access.log*" };
	struct dc_opts o;
	char *paths[1];

	if (size < 1)
		return 0;
	memset(&o, 0, sizeof o);
	o.engine = data[0] & 1 ? INFLATE_ZLIB : INFLATE_ISAL;
	if (data[0] & 2) {
		o.members = members;
		o.nmembers = 1;
	}
	o.quiet = 1;
	paths[0] = (char *)fuzz_file(data + 1, size - 1);
	fuzz_sink();
	dc_run(paths, 1, fuzz_sink(), &o);
	wbuf_flush(fuzz_sink());
	return 0;
}
