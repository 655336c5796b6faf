/*
 * replay: a harness without libFuzzer, run over files: each file is one
 * input. make check runs every harness over its seeds and the inputs that
 * once made it fail (tests/fuzz/regress/), plainly and under ASan + UBSan,
 * so a fixed crash stays fixed.
 */
#include "fuzz.h"

#include <errno.h>

int
main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		FILE *fp = fopen(argv[i], "rb");
		uint8_t *buf = NULL;
		size_t len = 0, cap = 0, n;

		if (fp == NULL) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
			    strerror(errno));
			return 66;
		}
		do {
			if (len == cap && (buf = realloc(buf, cap = cap * 2 +
			    65536)) == NULL)
				abort();
			n = fread(buf + len, 1, cap - len, fp);
			len += n;
		} while (n > 0);
		fclose(fp);
		LLVMFuzzerTestOneInput(buf, len);
		free(buf);
	}
	return 0;
}
