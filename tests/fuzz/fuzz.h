/*
 * fuzz.h - what the libFuzzer harnesses share (make fuzz; tests/fuzz/
 * README.md). A harness feeds one input to one reader of untrusted bytes
 * and must return normally whatever the bytes: a crash, a sanitizer
 * report, a leak, a hang or an exit() is a bug.
 */
#ifndef REVISIT_FUZZ_H
#define REVISIT_FUZZ_H

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "prog.h"
#include "wbuf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The input as a file the readers open by name (they take paths): one
 * memory file, rewritten for each input; its name is /proc/self/fd/N.
 * Opening that name gives a descriptor of its own, at offset 0.
 */
static inline const char *
fuzz_file(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[32];

	if (fd < 0) {
		if ((fd = memfd_create("fuzz-input", 0)) < 0) {
			perror("memfd_create");
			abort();
		}
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0 ||
	    (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size)) {
		perror("fuzz input");
		abort();
	}
	return path;
}

/* A descriptor of the input, at its start; the caller closes it. */
static inline int
fuzz_fd(const uint8_t *data, size_t size)
{
	int fd = open(fuzz_file(data, size), O_RDONLY);

	if (fd < 0) {
		perror("fuzz input");
		abort();
	}
	return fd;
}

/* The input as a NUL-terminated string (freed by the caller). */
static inline char *
fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* A writer to /dev/null, made once: what the readers write is dropped. */
static inline struct wbuf *
fuzz_sink(void)
{
	static struct wbuf w;
	static int ready;

	if (!ready) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd < 0)
			abort();
		wbuf_init(&w, fd);
		prog_init("revisit-fuzz");
		ready = 1;
	}
	return &w;
}

#endif
