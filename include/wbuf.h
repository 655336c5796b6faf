/*
 * wbuf.h - a big buffered writer on a file descriptor, and output files
 * that appear atomically.
 *
 * Stages write through one wbuf: 1 MiB buffer, write(2) on overflow,
 * retry on EINTR and short writes. Errors are sticky: the first failed
 * write is remembered (errno in w->err) and later writes are dropped, so a
 * stage checks once, at the end, with wbuf_close().
 */
#ifndef REVISIT_WBUF_H
#define REVISIT_WBUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef REVISIT_FUZZ_BUFFERS	/* fuzzing (Makefile): no mmap per input */
#define WBUF_SIZE (16u << 10)
#else
#define WBUF_SIZE (1u << 20)
#endif

struct wbuf {
	int	 fd;
	int	 err;		/* errno of the first failed write, else 0 */
	char	*buf;		/* owned */
	size_t	 len, cap;
	uint64_t total;		/* bytes accepted so far */
	/* Set when writing to a temporary file that wbuf_close renames. */
	char	*tmppath, *path;	/* owned */
	int	 ownfd;		/* fd opened here: close it (not atomic) */
	/* wbuf_splice: full buffers are given to the pipe, not copied. */
	int	 splice;
	char	*spare;		/* the other buffer; in the pipe till the
				   next full one is */
	char	*mapped[2];	/* both, unmapped at close */
	size_t	 mapcap;	/* their size */
	size_t	 page;
};

/*
 * What an atomic file's close does for durability. WBUF_SYNC (the
 * default): fsync before the rename and the directory after it.
 * WBUF_SCRATCH: nothing, for scratch files that a crash makes useless
 * anyway (revisit-shard --scratch); the rename stays atomic, only
 * durability goes. WBUF_DEFER (REVISIT_DEFER_SYNC=1 in the environment,
 * prog_init): a caller syncs the file system itself before it publishes
 * what the stages wrote; the close only starts the file's writeback
 * (sync_file_range), so that the disk works while the next stages do and
 * the caller's sync finds the data on its way.
 */
enum { WBUF_SCRATCH, WBUF_SYNC, WBUF_DEFER };
extern int wbuf_durable;

/* Write to fd (not owned unless opened by wbuf_open_atomic). */
void	wbuf_init(struct wbuf *, int fd);
/* The same with a buffer of cap bytes (its pages are only touched as
 * they fill, so a large cap costs memory only when used). */
void	wbuf_init_cap(struct wbuf *, int fd, size_t cap);

/*
 * Open path for writing as a new file: the data goes to a temporary file
 * in the same directory; wbuf_close(w, 1) fsyncs and renames it into place,
 * wbuf_close(w, 0) removes it, leaving any previous file untouched.
 * "-" or NULL means stdout; a path that is not a regular file (a device
 * such as /dev/null, a FIFO) is written in place. Returns 0, or -1 with
 * errno set.
 */
int	wbuf_open_atomic(struct wbuf *, const char *path);

void	wbuf_flush(struct wbuf *);

/*
 * When fd is a pipe no larger than the buffer, a buffer flushed full (to
 * within a page: every page of it used) is handed to the pipe with
 * vmsplice(2) instead of copied into it, and writing goes on in a second
 * buffer. Such a buffer has as many pages as the pipe has slots, so once
 * all of it is in the pipe, every page handed over before it has been
 * read: the other buffer is free again. Other flushes are copied as
 * ever. If the pipe grows beyond the buffer (its reader resized it),
 * splicing stops for good. stage_output() calls it; a no-op for anything
 * but a pipe. Saves the kernel a copy and a page per 4 KiB written.
 */
void	wbuf_splice(struct wbuf *);

/* The free room at the end of the buffer (flushing a full one first):
 * write up to *room bytes there, then wbuf_commit_n(). */
char	*wbuf_room(struct wbuf *, size_t *room);

static inline void
wbuf_commit_n(struct wbuf *w, size_t n)
{
	w->len += n;
	w->total += n;
}

/*
 * Flush, and for an atomic file commit (keep != 0) or discard it. Frees
 * the buffer. Returns 0 or the errno of the first failure.
 */
int	wbuf_close(struct wbuf *, int keep);

void	wbuf_write_slow(struct wbuf *, const void *, size_t);

static inline void
wbuf_write(struct wbuf *w, const void *p, size_t n)
{
	if (n <= w->cap - w->len) {
		memcpy(w->buf + w->len, p, n);
		w->len += n;
		w->total += n;
	} else {
		wbuf_write_slow(w, p, n);
	}
}

static inline void
wbuf_putc(struct wbuf *w, char c)
{
	if (w->len < w->cap) {
		w->buf[w->len++] = c;
		w->total++;
	} else {
		wbuf_write_slow(w, &c, 1);
	}
}

static inline void
wbuf_puts(struct wbuf *w, const char *s)
{
	wbuf_write(w, s, strlen(s));
}

/*
 * Room for n more bytes at the end of the buffer (flushing, or growing it
 * for a record larger than the buffer). Write there, then wbuf_commit().
 */
char	*wbuf_reserve_slow(struct wbuf *, size_t n);

static inline char *
wbuf_reserve(struct wbuf *w, size_t n)
{
	return n <= w->cap - w->len ? w->buf + w->len : wbuf_reserve_slow(w, n);
}

/* The bytes up to end (inside the reserved room) are now written. */
static inline void
wbuf_commit(struct wbuf *w, char *end)
{
	size_t n = (size_t)(end - (w->buf + w->len));

	w->len += n;
	w->total += n;
}

/* Write all of buf to fd, retrying short writes. 0, or -1 with errno. */
int	write_all(int fd, const void *buf, size_t n);

/*
 * End a stage: close the output (an atomic file is committed only when
 * status is EX_OK) and map a write failure to EX_IOERR with a message
 * naming what (e.g. "stdout"). Returns status, or EX_IOERR.
 */
int	wbuf_finish(struct wbuf *, int status, const char *what);

/*
 * A stage's output: path written atomically, or stdout (NULL or "-") with
 * a larger pipe buffer. Dies with EX_IOERR if the file cannot be created.
 */
void	stage_output(struct wbuf *, const char *path);

/*
 * Append the whole of file fd (from its start) to w, in the kernel where
 * it can (splice to a pipe, copy_file_range to a file). 0, or -1 with
 * errno set.
 */
int	wbuf_copy_file(struct wbuf *, int fd);

/* A report's text to path ("-": stderr), written atomically. 0, or -1
 * after a message. */
int	write_report(const char *path, const char *buf, size_t len);

/* Ask for a 1 MiB pipe buffer on fd if it is a pipe: fewer context
 * switches between stages. Failure is harmless and ignored. */
void	pipe_grow(int fd);

#endif
