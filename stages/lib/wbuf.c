/*
 * wbuf.c - buffered output on a file descriptor, atomic output files.
 */
#define _GNU_SOURCE	/* F_SETPIPE_SZ, vmsplice */
#include "wbuf.h"
#include "prog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

int
write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

void
wbuf_init_cap(struct wbuf *w, int fd, size_t cap)
{
	memset(w, 0, sizeof *w);
	w->fd = fd;
	w->cap = cap;
	w->buf = malloc(w->cap);
	if (w->buf == NULL)
		die(EX_OSERR, "out of memory");
}

void
wbuf_init(struct wbuf *w, int fd)
{
	wbuf_init_cap(w, fd, WBUF_SIZE);
}

int
wbuf_open_atomic(struct wbuf *w, const char *path)
{
	struct stat sb;
	char *tmp;
	size_t n;
	int fd;

	if (path == NULL || strcmp(path, "-") == 0) {
		wbuf_init(w, STDOUT_FILENO);
		return 0;
	}
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		/* A device or a FIFO (-o /dev/null): write to it; renaming a
		 * file over it would replace the device. */
		if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
			return -1;
		wbuf_init(w, fd);
		w->ownfd = 1;
		return 0;
	}
	n = strlen(path) + 32;
	if ((tmp = malloc(n)) == NULL)
		die(EX_OSERR, "out of memory");
	snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		free(tmp);
		return -1;
	}
	wbuf_init(w, fd);
	w->tmppath = tmp;
	if ((w->path = strdup(path)) == NULL)
		die(EX_OSERR, "out of memory");
	return 0;
}

void
wbuf_splice(struct wbuf *w)
{
	struct stat st;
	long page = sysconf(_SC_PAGESIZE);
	int sz, i;

	if (w->splice || page <= 0 || w->cap % (size_t)page ||
	    fstat(w->fd, &st) != 0 || !S_ISFIFO(st.st_mode) ||
	    (sz = fcntl(w->fd, F_GETPIPE_SZ)) <= 0 || (size_t)sz > w->cap)
		return;
	w->mapcap = w->cap;
	for (i = 0; i < 2; i++) {
		w->mapped[i] = mmap(NULL, w->mapcap, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (w->mapped[i] == MAP_FAILED) {
			w->mapped[i] = NULL;
			return;		/* copying works as well */
		}
	}
	memcpy(w->mapped[0], w->buf, w->len);
	free(w->buf);
	w->buf = w->mapped[0];
	w->spare = w->mapped[1];
	w->page = (size_t)page;
	w->splice = 1;
}

/* Back to copying, in a buffer of our own: the mapped ones may still be
 * in the pipe, and stay mapped (unchanged) until close. */
static void
splice_off(struct wbuf *w)
{
	char *b = malloc(w->cap);

	if (b == NULL)
		die(EX_OSERR, "out of memory");
	memcpy(b, w->buf, w->len);
	w->buf = b;
	w->spare = NULL;
	w->splice = 0;
}

static int
splice_full(struct wbuf *w)
{
	struct iovec iov = { w->buf, w->len };
	char *t;
	int sz;

	while (iov.iov_len > 0) {
		ssize_t k = vmsplice(w->fd, &iov, 1, 0);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		iov.iov_base = (char *)iov.iov_base + k;
		iov.iov_len -= (size_t)k;
	}
	w->len = 0;
	/* Asked after the splice: a pipe grown while it ran shows here. */
	if ((sz = fcntl(w->fd, F_GETPIPE_SZ)) <= 0 || (size_t)sz > w->cap) {
		splice_off(w);
		return 0;
	}
	t = w->buf;
	w->buf = w->spare;
	w->spare = t;
	return 0;
}

void
wbuf_flush(struct wbuf *w)
{
	if (w->len == 0)
		return;
	if (w->splice && w->len > w->cap - w->page && w->err == 0) {
		if (splice_full(w) != 0)
			w->err = errno;
		w->len = 0;
		return;
	}
	if (w->err == 0 && write_all(w->fd, w->buf, w->len) != 0)
		w->err = errno;
	w->len = 0;
}

void
wbuf_write_slow(struct wbuf *w, const void *p, size_t n)
{
	wbuf_flush(w);
	if (n >= w->cap) {
		/* Large blocks go straight out: no copy through the buffer. */
		if (w->err == 0 && write_all(w->fd, p, n) != 0)
			w->err = errno;
	} else {
		memcpy(w->buf, p, n);
		w->len = n;
	}
	w->total += n;
}

char *
wbuf_room(struct wbuf *w, size_t *room)
{
	if (w->len == w->cap)
		wbuf_flush(w);
	*room = w->cap - w->len;
	return w->buf + w->len;
}

char *
wbuf_reserve_slow(struct wbuf *w, size_t n)
{
	wbuf_flush(w);
	if (n > w->cap) {
		if (w->splice)
			splice_off(w);
		w->cap = n;
		if ((w->buf = realloc(w->buf, w->cap)) == NULL)
			die(EX_OSERR, "out of memory");
	}
	return w->buf + w->len;
}

int wbuf_durable = WBUF_SYNC;

/* fsync the directory holding path, so the rename itself is durable. */
static int
sync_dir(const char *path)
{
	char *dir = strdup(path), *slash;
	int fd, r = 0;

	if (dir == NULL)
		return -1;
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -1;
	if (fsync(fd) != 0 && errno != EINVAL)
		r = -1;
	close(fd);
	return r;
}

int
wbuf_close(struct wbuf *w, int keep)
{
	int err, i;

	wbuf_flush(w);
	err = w->err;
	if (w->tmppath) {
		if (err == 0 && keep && wbuf_durable == WBUF_SYNC &&
		    fsync(w->fd) != 0)
			err = errno;
		/* A hint: a failure shows in the caller's sync. */
		if (err == 0 && keep && wbuf_durable == WBUF_DEFER)
			(void)sync_file_range(w->fd, 0, 0,
			    SYNC_FILE_RANGE_WRITE);
		if (close(w->fd) != 0 && err == 0)
			err = errno;
		if (err == 0 && keep) {
			if (rename(w->tmppath, w->path) != 0 ||
			    (wbuf_durable == WBUF_SYNC &&
			    sync_dir(w->path) != 0))
				err = errno;
		}
		if (err != 0 || !keep)
			unlink(w->tmppath);
		free(w->tmppath);
		free(w->path);
	} else if (w->ownfd && close(w->fd) != 0 && err == 0) {
		err = errno;
	}
	w->ownfd = 0;
	if (w->buf != w->mapped[0] && w->buf != w->mapped[1])
		free(w->buf);
	for (i = 0; i < 2; i++)
		if (w->mapped[i] != NULL)
			munmap(w->mapped[i], w->mapcap);
	w->buf = w->spare = w->mapped[0] = w->mapped[1] = NULL;
	w->splice = 0;
	w->tmppath = w->path = NULL;
	return err;
}

int
wbuf_finish(struct wbuf *w, int status, const char *what)
{
	int err = wbuf_close(w, status == EX_OK);

	if (err != 0) {
		errno = err;
		warnx("%s: write error:", what);
		return EX_IOERR;
	}
	return status;
}

void
pipe_grow(int fd)
{
	(void)fcntl(fd, F_SETPIPE_SZ, 1 << 20);
}

void
stage_output(struct wbuf *w, const char *path)
{
	if (wbuf_open_atomic(w, path) != 0)
		die(EX_IOERR, "cannot create '%s':", path);
	if (w->tmppath == NULL) {
		pipe_grow(w->fd);
		wbuf_splice(w);
	}
}

int
wbuf_copy_file(struct wbuf *w, int fd)
{
	char *buf;
	ssize_t n;
	off_t end, off = 0;

	wbuf_flush(w);
	if (w->err) {
		errno = w->err;
		return -1;
	}
	if ((end = lseek(fd, 0, SEEK_END)) < 0)
		return -1;
	/* Without a copy through user space where the kernel allows. */
	while (off < end) {
		loff_t o = off;

		n = splice(fd, &o, w->fd, NULL, (size_t)(end - off), SPLICE_F_MORE);
		if (n <= 0) {
			o = off;
			n = copy_file_range(fd, &o, w->fd, NULL,
			    (size_t)(end - off), 0);
		}
		if (n <= 0)
			break;
		off += n;
		w->total += (uint64_t)n;
	}
	if (off == end)
		return 0;
	if ((buf = malloc(WBUF_SIZE)) == NULL)
		die(EX_OSERR, "out of memory");
	while (off < end && (n = pread(fd, buf, WBUF_SIZE, off)) > 0) {
		if (write_all(w->fd, buf, (size_t)n) != 0) {
			w->err = errno;
			free(buf);
			return -1;
		}
		off += n;
		w->total += (uint64_t)n;
	}
	free(buf);
	return off == end ? 0 : -1;
}

int
write_report(const char *path, const char *buf, size_t len)
{
	struct wbuf w;

	if (strcmp(path, "-") == 0) {
		fwrite(buf, 1, len, stderr);
		return ferror(stderr) ? -1 : 0;
	}
	if (wbuf_open_atomic(&w, path) != 0) {
		warnx("cannot create '%s':", path);
		return -1;
	}
	wbuf_write(&w, buf, len);
	if (wbuf_close(&w, 1) != 0) {
		warnx("%s: write error:", path);
		return -1;
	}
	return 0;
}
