/*
 * audience-rules: the audience definitions parser (schemas/audiences.md)
 * on arbitrary text.
 */
#include "fuzz.h"
#include "spec.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spec *s;

	prog_init("revisit-fuzz");
	if ((s = spec_parse((const char *)data, size, "audiences")) != NULL)
		spec_free(s);
	return 0;
}
