/*
 * lib-optout: the opt-out file reader (uids and vids, one per line) that
 * revisit-state, revisit-audience and revisit-export share.
 */
#include "fuzz.h"
#include "strset.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strset *s;

	prog_init("revisit-fuzz");
	s = strset_lines(fuzz_file(data, size));
	(void)strset_has(s, "u1", 2);
	strset_free(s);
	return 0;
}
