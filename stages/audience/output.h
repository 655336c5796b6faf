/*
 * output.h - revisit-audience's lists: their members as records, held
 * in memory or written to their files as they come, and their headers.
 */
#ifndef REVISIT_AUDIENCE_OUTPUT_H
#define REVISIT_AUDIENCE_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "audience.h"
#include "wbuf.h"

struct chunk {			/* a list's records, in chunks: a list
				   that grows is never copied */
	char		*buf;
	size_t		 len, cap;
};

struct list {			/* an audience's members, as records */
	struct chunk	*c;		/* held in memory, or */
	size_t		 nc, capc;
	struct wbuf	 w;		/* -o DIR: its file */
	char		*path;
	int		 open;		/* w is */
	int		 stream;	/* members go to w as they come */
	size_t		 count_at;	/* where w's header has the count */
	size_t		 head_len;	/* that header's */
	size_t		 count;
};

struct lists {
	const struct au_opts	*o;
	int64_t			 now;
	struct list		*v;		/* per audience, o->spec's */
};

/* Room for a record of at most n bytes in l; list_commit(l, its end)
 * then counts it. */
char	*list_room(struct list *l, size_t n);
void	 list_commit(struct list *l, char *end);
void	 list_free(struct list *l);

/*
 * With o->out, each list's file, created before the persons are read
 * (a list that cannot be: an exit status after a message; the others
 * are still written). lists_write ends them: with status 0 each file
 * written (or all lists to stdout, without o->out), else none. Both
 * return an exit status.
 */
int	lists_open(struct lists *L);
int	lists_write(struct lists *L, int status);

#endif
