/*
 * lists.h - reading audience lists (schemas/audience.md) and their diffs
 * (schemas/diff.md), as revisit-diff and revisit-export need them: each
 * header, then the members that follow it, checked against the header's
 * count so that a list cut short is never taken for a shorter list.
 */
#ifndef REVISIT_LISTS_H
#define REVISIT_LISTS_H

#include <stddef.h>
#include <stdint.h>

#include "mpc.h"

enum list_kind { LIST_FULL, LIST_DIFF };
enum member_op { OP_ADD, OP_REMOVE };

struct list_head {
	enum list_kind	 kind;
	char		*name;		/* the audience (owned) */
	char		*definition;	/* full lists: the rule (owned) */
	int64_t		 generated_at;
	int64_t		 previous;	/* diff: the old list's, 0 if none */
	int64_t		 membership_days;
	uint64_t	 count;		/* member records that follow */
	uint64_t	 added, removed;	/* diff */
	int		 too_small;
};

struct list_member {
	const char	*rec;		/* the record's bytes, until the next */
	size_t		 len;
	const char	*id;
	size_t		 idn;
	int		 is_uid;
	enum member_op	 op;		/* OP_ADD for a full list's */
	/* The other fields; arrays as their MessagePack bytes (mpc). */
	const char	*vids, *skus;	/* NULL if absent */
	size_t		 vidsn, skusn;
	int64_t		 last_seen, expires_at, orders;	/* -1 if absent */
	double		 revenue;	/* NAN if absent */
};

/* Read straight from the bytes (no allocation per member); a member's
 * other fields through list_object(). */
struct list_reader {
	struct mpr	 in;
	int		 fd;
	const char	*name;		/* for messages */
	struct list_head head;
	int		 have_head;
	uint64_t	 left;		/* members of this list still to come */
	int		 status;	/* after -1 */
};

#define LIST_HEAD	1
#define LIST_MEMBER	2

/* Open path ("-": stdin); -1 after a message (status EX_NOINPUT). */
int	list_open(struct list_reader *, const char *path);
/*
 * The next header (LIST_HEAD, r->head set) or member (LIST_MEMBER, *m
 * set); 0 at the end; -1 after a message naming the file and record (a
 * member out of place, a count that does not match, a bad record), with
 * r->status EX_DATAERR or EX_IOERR. Records of other types are skipped.
 */
int	list_next(struct list_reader *, struct list_member *m);
void	list_close(struct list_reader *);

/* The list files (NAME.mp, not dot files) of directory dir, sorted by
 * name, malloc'd: NULL (*n 0, errno set) if dir cannot be read. */
char	**list_files(const char *dir, size_t *n);
int	  list_files_has(char *const *v, size_t n, const char *name);
void	  list_files_free(char **v, size_t n);

/* A full list's header record (schemas/audience.md) to w. Its count is
 * always 8 big-endian bytes (MessagePack uint 64), this many bytes into
 * the record, so that it can be set once the members are written. */
struct wbuf;
size_t	list_header_put(struct wbuf *, const struct list_head *);

#endif
