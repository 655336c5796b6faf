/*
 * rd.h - byte readers that stack: a file, a gzip member sequence over any
 * reader, an archive entry. decompress.c sniffs each reader's first bytes
 * and stacks the next layer.
 */
#ifndef REVISIT_RD_H
#define REVISIT_RD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RD_ERRLEN 256

struct rd {
	/* Produce up to cap bytes: >0 count, 0 at the end, -1 on error with
	 * err and errstatus set. After -1, later calls return -1 too. */
	ssize_t	(*fill)(struct rd *, char *buf, size_t cap);
	void	(*free)(struct rd *);
	/* Bytes of this reader's own input consumed so far (for a gzip
	 * reader the compressed bytes; for a file its offset). */
	uint64_t (*offset)(struct rd *);
	uint64_t produced;		/* bytes returned by rd_read so far */
	char	 err[RD_ERRLEN];
	int	 errstatus;		/* EX_DATAERR, EX_IOERR */
	/* Bytes read ahead by rd_peek, handed out again first. */
	char	*ahead;
	size_t	 aheadlen, aheadpos;
};

/* Read from r, serving peeked bytes first. As fill(). */
ssize_t	rd_read(struct rd *, char *buf, size_t cap);
/*
 * Make at least want bytes (fewer at the end of input) available without
 * consuming them; *p points to them. Returns the count, or -1 on error.
 */
ssize_t	rd_peek(struct rd *, size_t want, const char **p);
void	rd_free(struct rd *);

/* A reader on an open descriptor (owned: closed by rd_free). */
struct rd	*rd_fd(int fd);
int		 rd_fd_seekable(struct rd *);
/* For libarchive's seek callback: drop read-ahead and lseek. */
int64_t		 rd_fd_seek(struct rd *, int64_t off, int whence);

enum { INFLATE_ISAL, INFLATE_ZLIB };
/* gzip members, one after another, decoded from in (borrowed). */
struct rd	*rd_gzip(struct rd *in, int engine);

#endif
