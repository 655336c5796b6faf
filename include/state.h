/*
 * state.h - the visitor state directory (schemas/state.md).
 *
 * Person records in MessagePack files, each file sorted by person key;
 * files are sharded by a hash of the key, and layered: a base (level 0)
 * and the deltas of later nights (levels 1, 2, ...), where a record
 * replaces the same person's record of a lower level and a record with
 * no vids deletes it. A night writes only the persons it changed, as a
 * new delta; every few nights a compaction merges all levels into a new
 * base. A MANIFEST lists the files with their sizes and checksums and
 * is replaced atomically: readers see one generation, and an update
 * that dies leaves the previous one.
 *
 * Words that repeat across persons (channels, sources, skus, stages,
 * currencies) are stored once, in the generation's dictionary file, and
 * by number in the records. The dictionary only grows, so a record
 * written on an earlier night reads the same with a later one.
 */
#ifndef REVISIT_STATE_H
#define REVISIT_STATE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "person.h"
#include "session.h"
#include "strtab.h"
#include "wbuf.h"

#define STATE_FORMAT	1
#define STATE_MAX_SHARDS 4096
#define STATE_MAX_LEVELS 64

struct sfile {
	char		*file;		/* name inside the directory */
	int		 level;		/* 0: base; higher: later deltas */
	size_t		 shard;
	const char	*map;		/* its bytes (mmap) */
	size_t		 len;
	uint64_t	 hash;		/* XXH3-64 of the bytes */
	uint64_t	 records;
};

struct state {
	char		*dir;
	int		 empty;		/* no MANIFEST: no state yet */
	uint64_t	 generation;
	int64_t		 now;		/* end of the period it covers */
	struct keep	 keep;
	uint64_t	 persons;	/* current persons, all levels */
	size_t		 nshards;
	int		 nlevels;
	struct sfile	*files;
	size_t		 nfiles;
	uint64_t	 bytes[2];	/* of the base, of the deltas */
	struct sfile	 words_file;	/* the dictionary's file */
	struct sv	*words;		/* the dictionary: views into it */
	size_t		 nwords;
};

/*
 * Open the state in dir for reading, mapping its files and checking each
 * against the manifest (size, checksum). A missing directory or one with
 * no MANIFEST is an empty state. On a problem, a message naming the file
 * and the return is EX_DATAERR (corrupt or truncated), EX_NOINPUT or
 * EX_IOERR; else 0.
 */
int	state_open(struct state *, const char *dir);
void	state_close(struct state *);

/*
 * A state sharded across processes (revisit-shard) is a directory of
 * state directories, root/shard-0 ... shard-(n-1), each the persons
 * whose key hashes to it. state_shard_dir: shard k's (malloc'd).
 * state_dirs: the states that make up root: root itself, or its
 * shards, in order (malloc'd, like each name); *n set.
 */
char	*state_shard_dir(const char *root, size_t k);
char	**state_dirs(const char *root, size_t *n);
void	state_dirs_free(char **, size_t n);

/* The shard of a person key among n. */
size_t	state_shard_of(struct sv key, size_t n);

/* The current person records, all files merged, in key order. */
struct state_head {
	size_t		 file;		/* index in st->files */
	size_t		 off;		/* of the record in it */
	size_t		 len;
	uint64_t	 nrec;		/* its number in the file, from 1 */
	struct phead	 ph;		/* its head */
};

struct state_iter {
	const struct state *st;
	struct state_head *heap;
	size_t		 nheap;
	int		 status;	/* after -1 */
	uint64_t	 replaced;	/* lower levels' records passed over */
	uint64_t	 deleted;	/* persons a delta deleted */
};

int	state_iter_init(struct state_iter *, const struct state *);
/*
 * The next current record: 1 with *h describing it (its bytes at
 * st->files[h->file].map + h->off, h->len), 0 at the end, -1 after a
 * message naming the file and record (not a person record, out of
 * order, a count that differs from the manifest's); it->status is then
 * EX_DATAERR.
 */
int	state_iter_next(struct state_iter *, struct state_head *h);
void	state_iter_free(struct state_iter *);

/*
 * Each current person of st (with buyers_only, those with an order) to
 * fn, decoded (valid during the call), in key order. fn runs in the
 * caller's thread; a large state is read and decoded ahead by another
 * (stateeach.c). 0, or the status of a damaged file or record, after a
 * message naming it (fn has then had every person before it).
 */
/*
 * The heads of every current record of st, in key order, in v[0..n):
 * read by a thread from state_heads_start on (a large state), or by
 * state_heads_wait. st stays open and unchanged meanwhile. The wait
 * gives 0, or the status of a damaged file or record after a message
 * naming it (v then holds the heads before it).
 */
struct state_heads {
	const struct state *st;
	struct state_head *v;
	size_t		 n;
	int		 status;
	int		 read;		/* v is complete, or status says why not */
	int		 threaded;	/* thread is running or unjoined */
	pthread_t	 thread;
};

void	state_heads_start(struct state_heads *, const struct state *);
int	state_heads_wait(struct state_heads *);
void	state_heads_free(struct state_heads *);

struct person;
int	state_each(const struct state *, int buyers_only,
	    void (*fn)(void *arg, const struct person *), void *arg);

/*
 * Lock dir (created if needed) for an update: a descriptor to keep open
 * until done, or -1 after a message, with *status EX_TEMPFAIL when
 * another update holds the lock, else EX_CANTCREAT.
 */
int	state_lock(const char *dir, int *status);

/* Writing the next generation: a delta over old, or a new base. */
struct state_writer {
	const struct state *old;
	char		*dir;
	struct strtab	*dict;		/* words: borrowed */
	uint64_t	 generation;
	int		 level;		/* of the files written */
	size_t		 nshards;
	struct wbuf	*out;		/* per shard */
	void		**hash;		/* XXH3 states, per shard */
	uint64_t	*records;
	struct sv	*last;		/* last key per shard, for order */
	int		*last_uid;
};

/*
 * Open the files of the next generation of old (possibly empty): a
 * delta (old's shards) or, with base, a new base of n shards. dict: the
 * words of the persons to be written (words_new(old's words), and those
 * added since), written out as the generation's dictionary. 0 or EX_*.
 */
int	state_writer_open(struct state_writer *, const struct state *old,
	    struct strtab *dict, int base, size_t nshards);
/* A record as its bytes, in key order (keys strictly increasing per
 * shard). key must stay valid until the next call. */
void	state_writer_add(struct state_writer *, const char *rec, size_t len,
	    struct sv key, int is_uid);
/* A person, encoded into its shard's file (the same order rule). */
void	state_writer_person(struct state_writer *, const struct person *,
	    const struct keep *);
/* A person deleted (in a delta). */
void	state_writer_delete(struct state_writer *, struct sv key, int is_uid);
/*
 * Make the new generation the state: sync the files, write and rename
 * the MANIFEST (persons: the current count), then remove the files that
 * neither it nor the previous generation lists (a reader that opened the
 * previous one can finish). commit == 0 removes the new files instead.
 * Returns 0 or EX_IOERR.
 */
int	state_writer_close(struct state_writer *, int commit, int64_t now,
	    const struct keep *, uint64_t persons);

#endif
