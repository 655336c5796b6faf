/*
 * state.c - the state directory: its MANIFEST, reading the current
 * person records of one generation in key order, and writing the next
 * generation.
 */
#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "mpc.h"
#include "mpk.h"
#include "prog.h"

#define MANIFEST	"MANIFEST"

char *
state_shard_dir(const char *root, size_t k)
{
	return xasprintf("%s/shard-%zu", root, k);
}

static int
is_dir(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

char **
state_dirs(const char *root, size_t *n)
{
	char **v = NULL, *m = path_join(root, "MANIFEST"), *d = NULL;
	size_t cap = 0;
	struct stat sb;

	*n = 0;
	if (stat(m, &sb) != 0)
		while (is_dir(d = state_shard_dir(root, *n))) {
			v = grow_array(v, &cap, *n, sizeof *v);
			v[(*n)++] = d;
			d = NULL;
		}
	free(d);
	free(m);
	if (*n == 0) {
		v = grow_array(v, &cap, 0, sizeof *v);
		v[(*n)++] = xstrdup(root);
	}
	return v;
}

void
state_dirs_free(char **v, size_t n)
{
	while (n-- > 0)
		free(v[n]);
	free(v);
}

size_t
state_shard_of(struct sv key, size_t n)
{
	return n <= 1 ? 0 : (size_t)(XXH3_64bits(key.p, key.n) % n);
}

/* ---- the MANIFEST ---- */

/*
 * "key value" lines; "words NAME BYTES XXH3 COUNT" for the dictionary;
 * "file LEVEL SHARD NAME BYTES XXH3 RECORDS" per person file; and last
 * "check XXH3" of every byte before that line.
 */
static int
manifest_parse(struct state *st, const char *path, char *text, size_t len)
{
	char *line = text, *end, *check;
	unsigned long long gen = 0, persons = 0, nsh = 0, bytes, recs;
	long long now = 0, window = 0, retention = 0;
	int format = 0, nlev = 0, level;
	size_t k = 0, cap = 0;

	(void)len;
	if ((check = strstr(text, "\ncheck ")) == NULL ||
	    strtoull(check + 7, NULL, 16) !=
	    XXH3_64bits(text, (size_t)(check + 1 - text))) {
		warnx("%s: corrupt or truncated (its check line does not "
		    "match)", path);
		return EX_DATAERR;
	}
	end = check;
	*end = '\0';
	while (line < end) {
		char *nl = strchr(line, '\n'), name[256], hex[17];
		size_t shard;

		if (nl == NULL)
			nl = end;
		*nl = '\0';
		if (sscanf(line, "revisit-state %d", &format) == 1 ||
		    sscanf(line, "generation %llu", &gen) == 1 ||
		    sscanf(line, "now %lld", &now) == 1 ||
		    sscanf(line, "window %lld", &window) == 1 ||
		    sscanf(line, "retention %lld", &retention) == 1 ||
		    sscanf(line, "persons %llu", &persons) == 1 ||
		    sscanf(line, "shards %llu", &nsh) == 1 ||
		    sscanf(line, "levels %d", &nlev) == 1) {
			;
		} else if (sscanf(line, "words %255s %llu %16s %llu", name,
		    &bytes, hex, &recs) == 4) {
			if (st->words_file.file || strchr(name, '/'))
				goto bad;
			st->words_file.file = xstrdup(name);
			st->words_file.len = (size_t)bytes;
			st->words_file.hash = strtoull(hex, NULL, 16);
			st->words_file.records = recs;
		} else if (sscanf(line, "file %d %zu %255s %llu %16s %llu",
		    &level, &shard, name, &bytes, hex, &recs) == 6) {
			struct sfile *f;

			if (strchr(name, '/') || level < 0 || level >= nlev ||
			    shard >= nsh)
				goto bad;
			if (k == cap) {
				cap = cap ? 2 * cap : 16;
				st->files = realloc(st->files, cap *
				    sizeof *st->files);
				if (st->files == NULL)
					die(EX_OSERR, "out of memory");
			}
			f = &st->files[k++];
			memset(f, 0, sizeof *f);
			f->file = xstrdup(name);
			f->level = level;
			f->shard = shard;
			f->len = (size_t)bytes;
			f->hash = strtoull(hex, NULL, 16);
			f->records = recs;
			st->bytes[level > 0] += bytes;
			st->nfiles = k;
		} else if (*line != '\0') {
			goto bad;
		}
		line = nl + 1;
	}
	if (format != STATE_FORMAT || nsh == 0 || nsh > STATE_MAX_SHARDS ||
	    nlev < 1 || nlev > STATE_MAX_LEVELS || k != nsh * (size_t)nlev ||
	    window <= 0 || retention <= 0 || st->words_file.file == NULL)
		goto bad;
	st->generation = gen;
	st->now = now;
	st->keep.window = window;
	st->keep.retention = retention;
	st->persons = persons;
	st->nshards = nsh;
	st->nlevels = nlev;
	return 0;
bad:
	warnx("%s: not a revisit state manifest of format %d", path,
	    STATE_FORMAT);
	return EX_DATAERR;
}

/* ---- reading ---- */

static int
file_map(const char *dir, struct sfile *f)
{
	char *path = path_join(dir, f->file);
	struct stat sb;
	int fd, r = 0;
	void *m;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		warnx("%s: cannot open:", path);
		r = errno == ENOENT ? EX_DATAERR : EX_NOINPUT;
		goto out;
	}
	if (fstat(fd, &sb) != 0) {
		warnx("%s:", path);
		r = EX_IOERR;
		goto out;
	}
	if ((uint64_t)sb.st_size != f->len) {
		warnx("%s: truncated or damaged: %lld bytes, the manifest says "
		    "%zu", path, (long long)sb.st_size, f->len);
		r = EX_DATAERR;
		goto out;
	}
	if (f->len > 0) {
		m = mmap(NULL, f->len, PROT_READ,
		    MAP_PRIVATE | MAP_POPULATE, fd, 0);
		if (m == MAP_FAILED) {
			warnx("%s: cannot map:", path);
			r = EX_IOERR;
			goto out;
		}
		(void)madvise(m, f->len, MADV_SEQUENTIAL);
		f->map = m;
	} else {
		f->map = "";
	}
	if (XXH3_64bits(f->map, f->len) != f->hash) {
		warnx("%s: corrupt: its checksum does not match the manifest",
		    path);
		r = EX_DATAERR;
	}
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return r;
}

/* The dictionary: one MessagePack array of strings. */
static int
load_words(struct state *st)
{
	const struct sfile *f = &st->words_file;
	struct mpc c;
	uint32_t n, i;

	mpc_init(&c, f->map, f->len);
	if (mpc_array(&c, &n) != 0 || n != f->records) {
		warnx("%s/%s: not the dictionary the manifest lists", st->dir,
		    f->file);
		return EX_DATAERR;
	}
	st->words = xcalloc(n ? n : 1, sizeof *st->words);
	for (i = 0; i < n; i++)
		if (mpc_str(&c, &st->words[i].p, &st->words[i].n) != 0) {
			warnx("%s/%s: word %u: damaged", st->dir, f->file, i);
			return EX_DATAERR;
		}
	st->nwords = n;
	return 0;
}

int
state_open(struct state *st, const char *dir)
{
	char *path = path_join(dir, MANIFEST), *text;
	size_t len, i;
	struct stat sb;
	int fd, r;

	memset(st, 0, sizeof *st);
	st->dir = xstrdup(dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		free(path);
		if (errno == ENOENT && (stat(dir, &sb) != 0 ||
		    S_ISDIR(sb.st_mode))) {
			st->empty = 1;
			return 0;
		}
		warnx("%s: cannot open state:", dir);
		return EX_NOINPUT;
	}
	close(fd);
	text = read_file(path, &len);
	r = manifest_parse(st, path, text, len);
	free(text);
	free(path);
	for (i = 0; r == 0 && i < st->nfiles; i++)
		r = file_map(dir, &st->files[i]);
	if (r == 0 && (r = file_map(dir, &st->words_file)) == 0)
		r = load_words(st);
	if (r == 0 && !words_valid(st->words, st->nwords)) {
		warnx("%s/%s: not a revisit state dictionary", dir,
		    st->words_file.file);
		r = EX_DATAERR;
	}
	if (r != 0)
		state_close(st);
	return r;
}

static void
file_unmap(struct sfile *f)
{
	if (f->map && f->len)
		munmap((void *)f->map, f->len);
	free(f->file);
}

void
state_close(struct state *st)
{
	size_t i;

	for (i = 0; i < st->nfiles; i++)
		file_unmap(&st->files[i]);
	file_unmap(&st->words_file);
	free(st->files);
	free(st->words);
	free(st->dir);
	memset(st, 0, sizeof *st);
}

/* Heap order: key, then the newest level first. */
static int
head_less(const struct state *st, const struct state_head *a,
    const struct state_head *b)
{
	int c = person_key_cmp(a->ph.key, a->ph.is_uid, b->ph.key,
	    b->ph.is_uid);

	if (c)
		return c < 0;
	return st->files[a->file].level > st->files[b->file].level;
}

static void
heap_down(const struct state *st, struct state_head *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		struct state_head t;

		if (l < n && head_less(st, &h[l], &h[m]))
			m = l;
		if (l + 1 < n && head_less(st, &h[l + 1], &h[m]))
			m = l + 1;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* Read the record of h at h->off; 1, 0 at the file's end, -1 if bad. */
static int
head_read(struct state_iter *it, struct state_head *h)
{
	const struct sfile *f = &it->st->files[h->file];
	struct sv prev = h->ph.key;
	int prev_uid = h->ph.is_uid;

	if (h->off >= f->len) {
		if (h->nrec == f->records)
			return 0;
		warnx("%s/%s: %" PRIu64 " records, the manifest says %" PRIu64,
		    it->st->dir, f->file, h->nrec, f->records);
		return -1;
	}
	if (person_head(f->map + h->off, f->len - h->off, &h->ph) != 0) {
		warnx("%s/%s: record %" PRIu64 " (byte %zu): not a person "
		    "record, or cut short", it->st->dir, f->file, h->nrec + 1,
		    h->off);
		return -1;
	}
	h->len = h->ph.len;
	if (h->nrec > 0 &&
	    person_key_cmp(prev, prev_uid, h->ph.key, h->ph.is_uid) >= 0) {
		warnx("%s/%s: record %" PRIu64 " (byte %zu): out of order",
		    it->st->dir, f->file, h->nrec + 1, h->off);
		return -1;
	}
	h->nrec++;
	return 1;
}

int
state_iter_init(struct state_iter *it, const struct state *st)
{
	size_t i;

	memset(it, 0, sizeof *it);
	it->st = st;
	if (st->nfiles == 0)
		return 0;
	it->heap = xcalloc(st->nfiles, sizeof *it->heap);
	for (i = 0; i < st->nfiles; i++) {
		struct state_head *h = &it->heap[it->nheap];
		int r;

		memset(h, 0, sizeof *h);
		h->file = i;
		if ((r = head_read(it, h)) < 0) {
			it->status = EX_DATAERR;
			return -1;
		}
		if (r > 0)
			it->nheap++;
	}
	for (i = it->nheap / 2; i-- > 0;)
		heap_down(st, it->heap, it->nheap, i);
	return 0;
}

/* Move the top file on to its next record. */
static int
advance(struct state_iter *it)
{
	struct state_head *h = &it->heap[0];
	int r;

	h->off += h->len;
	if ((r = head_read(it, h)) < 0) {
		it->status = EX_DATAERR;
		return -1;
	}
	if (r == 0)
		*h = it->heap[--it->nheap];
	heap_down(it->st, it->heap, it->nheap, 0);
	return 0;
}

int
state_iter_next(struct state_iter *it, struct state_head *out)
{
	if (it->status)
		return -1;
	while (it->nheap > 0) {
		*out = it->heap[0];
		if (advance(it) != 0)
			return -1;
		/* The same person in lower levels: replaced. */
		while (it->nheap > 0 && person_key_cmp(it->heap[0].ph.key,
		    it->heap[0].ph.is_uid, out->ph.key, out->ph.is_uid) == 0) {
			it->replaced++;
			if (advance(it) != 0)
				return -1;
		}
		if (out->ph.nvids > 0)
			return 1;
		it->deleted++;
	}
	return 0;
}

void
state_iter_free(struct state_iter *it)
{
	free(it->heap);
	memset(it, 0, sizeof *it);
}

/* ---- writing ---- */

int
state_lock(const char *dir, int *status)
{
	char *path;
	int fd;

	if ((*status = output_dir(dir, "the state directory")) != 0) {
		return -1;
	}
	path = path_join(dir, "LOCK");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0) {
		warnx("%s: cannot open:", path);
		*status = EX_CANTCREAT;
	} else if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			warnx("%s: another update of this state is running",
			    dir);
		else
			warnx("%s: cannot lock:", path);
		*status = EX_TEMPFAIL;
		close(fd);
		fd = -1;
	}
	free(path);
	return fd;
}

static char *
file_name(const char *what, uint64_t gen, size_t k)
{
	char buf[64];

	snprintf(buf, sizeof buf, "%s-%08" PRIu64 "-%zu.mp", what, gen, k);
	return xstrdup(buf);
}

int
state_writer_open(struct state_writer *sw, const struct state *old,
    struct strtab *dict, int base, size_t nshards)
{
	const char *dir = old->dir;
	size_t k;

	memset(sw, 0, sizeof *sw);
	if (!base && (old->empty || old->nlevels >= STATE_MAX_LEVELS))
		base = 1;
	sw->old = old;
	sw->generation = old->generation + 1;
	sw->level = base ? 0 : old->nlevels;
	sw->nshards = base ? nshards : old->nshards;
	if (output_dir(dir, "the state directory") != 0)
		return EX_CANTCREAT;
	sw->dir = xstrdup(dir);
	sw->dict = dict;
	sw->out = xcalloc(sw->nshards, sizeof *sw->out);
	sw->hash = xcalloc(sw->nshards, sizeof *sw->hash);
	sw->records = xcalloc(sw->nshards, sizeof *sw->records);
	sw->last = xcalloc(sw->nshards, sizeof *sw->last);
	sw->last_uid = xcalloc(sw->nshards, sizeof *sw->last_uid);
	for (k = 0; k < sw->nshards; k++) {
		char *name = file_name(base ? "persons" : "delta",
		    sw->generation, k), *path = path_join(dir, name);
		int r = wbuf_open_atomic(&sw->out[k], path);

		free(name);
		if (r != 0) {
			warnx("%s: cannot create:", path);
			free(path);
			while (k-- > 0)
				wbuf_close(&sw->out[k], 0);
			sw->nshards = 0;
			return EX_CANTCREAT;
		}
		free(path);
		if ((sw->hash[k] = XXH3_createState()) == NULL)
			die(EX_OSERR, "out of memory");
		XXH3_64bits_reset(sw->hash[k]);
	}
	return 0;
}

/* The shard of key, checking that keys come in order. */
static size_t
writer_shard(struct state_writer *sw, struct sv key, int is_uid)
{
	size_t k = state_shard_of(key, sw->nshards);

	if (sw->records[k] > 0 && person_key_cmp(sw->last[k], sw->last_uid[k],
	    key, is_uid) >= 0)
		die(EX_SOFTWARE, "state: person '%.*s' written out of order",
		    (int)key.n, key.p);
	sw->records[k]++;
	sw->last[k] = key;
	sw->last_uid[k] = is_uid;
	return k;
}

void
state_writer_add(struct state_writer *sw, const char *rec, size_t len,
    struct sv key, int is_uid)
{
	size_t k = writer_shard(sw, key, is_uid);

	wbuf_write(&sw->out[k], rec, len);
	XXH3_64bits_update(sw->hash[k], rec, len);
}

void
state_writer_person(struct state_writer *sw, const struct person *p,
    const struct keep *kp)
{
	size_t k = writer_shard(sw, p->key, p->is_uid);
	struct wbuf *w = &sw->out[k];
	uint64_t before = w->total, n;

	person_pack(w, p, kp);
	/* person_pack writes one reserved block: the record is the last n
	 * bytes of the buffer. */
	n = w->total - before;
	XXH3_64bits_update(sw->hash[k], w->buf + w->len - n, (size_t)n);
}

void
state_writer_delete(struct state_writer *sw, struct sv key, int is_uid)
{
	struct person p;
	struct keep none = { 1, 1 };

	person_init(&p, key, is_uid);
	state_writer_person(sw, &p, &none);
}

/* The dictionary file of the generation: its name, size and hash. */
static int
write_words(struct state_writer *sw, char **name, uint64_t *bytes,
    uint64_t *hash)
{
	char *path, *o;
	size_t n = strtab_count(sw->dict), i, len;
	XXH3_state_t *h = XXH3_createState();
	struct wbuf w;
	int err;

	*name = file_name("words", sw->generation, 0);
	path = path_join(sw->dir, *name);
	if (h == NULL)
		die(EX_OSERR, "out of memory");
	XXH3_64bits_reset(h);
	if (wbuf_open_atomic(&w, path) != 0) {
		err = errno;
		warnx("%s: cannot create:", path);
		goto out;
	}
	o = wbuf_reserve(&w, 8);
	wbuf_commit(&w, mpw_array(o, n));
	XXH3_64bits_update(h, w.buf, w.len);
	for (i = 0; i < n; i++) {
		const char *s = strtab_str(sw->dict, (uint32_t)i, &len);
		size_t before;

		o = wbuf_reserve(&w, MPW_STR_MAX(len));
		before = w.len;
		wbuf_commit(&w, mpw_str(o, s, len));
		XXH3_64bits_update(h, w.buf + before, w.len - before);
	}
	*bytes = w.total;
	*hash = XXH3_64bits_digest(h);
	if ((err = wbuf_close(&w, 1)) != 0) {
		errno = err;
		warnx("%s: write error:", path);
	}
out:
	XXH3_freeState(h);
	free(path);
	return err;
}

static void
manifest_line(struct wbuf *text, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
manifest_line(struct wbuf *text, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	wbuf_write(text, line, (size_t)n);
}

static int
write_manifest(struct state_writer *sw, int64_t now, const struct keep *kp,
    uint64_t persons, const char *words, uint64_t wbytes, uint64_t whash,
    char *const *names, const uint64_t *bytes)
{
	const struct state *old = sw->old;
	struct wbuf text, m;
	size_t k;
	char *path;
	int err;

	wbuf_init(&text, -1);
	manifest_line(&text, "revisit-state %d\ngeneration %" PRIu64 "\nnow %"
	    PRId64 "\nwindow %" PRId64 "\nretention %" PRId64 "\npersons %"
	    PRIu64 "\nshards %zu\nlevels %d\n", STATE_FORMAT, sw->generation,
	    now, kp->window, kp->retention, persons, sw->nshards,
	    sw->level + 1);
	manifest_line(&text, "words %s %" PRIu64 " %016" PRIx64 " %zu\n", words,
	    wbytes, whash, strtab_count(sw->dict));
	for (k = 0; sw->level > 0 && k < old->nfiles; k++)
		manifest_line(&text, "file %d %zu %s %zu %016" PRIx64 " %"
		    PRIu64 "\n", old->files[k].level, old->files[k].shard,
		    old->files[k].file, old->files[k].len, old->files[k].hash,
		    old->files[k].records);
	for (k = 0; k < sw->nshards; k++)
		manifest_line(&text, "file %d %zu %s %" PRIu64 " %016" PRIx64
		    " %" PRIu64 "\n", sw->level, k, names[k], bytes[k],
		    XXH3_64bits_digest(sw->hash[k]), sw->records[k]);
	manifest_line(&text, "check %016" PRIx64 "\n",
	    XXH3_64bits(text.buf, text.len));
	path = path_join(sw->dir, MANIFEST);
	if (wbuf_open_atomic(&m, path) != 0) {
		err = errno;
	} else {
		wbuf_write(&m, text.buf, text.len);
		err = wbuf_close(&m, 1);
	}
	if (err) {
		errno = err;
		warnx("%s: cannot write:", path);
	}
	free(path);
	free(text.buf);
	return err;
}

static int
listed(const struct state *st, const char *name)
{
	size_t k;

	if (st->words_file.file && strcmp(st->words_file.file, name) == 0)
		return 1;
	for (k = 0; k < st->nfiles; k++)
		if (strcmp(st->files[k].file, name) == 0)
			return 1;
	return 0;
}

/* Remove the person and dictionary files neither generation lists, and
 * temporary files a killed update left. */
static void
collect(struct state_writer *sw, const char *words, char *const *names)
{
	DIR *d = opendir(sw->dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		const char *n = e->d_name;
		size_t k;
		int ours = strncmp(n, "persons-", 8) == 0 ||
		    strncmp(n, "delta-", 6) == 0 ||
		    strncmp(n, "words-", 6) == 0 ||
		    strncmp(n, MANIFEST ".tmp.", sizeof MANIFEST + 4) == 0;
		int keep = strcmp(n, words) == 0 ||
		    (!strstr(n, ".tmp.") && listed(sw->old, n));

		for (k = 0; k < sw->nshards && !keep; k++)
			keep = strcmp(n, names[k]) == 0;
		if (ours && !keep) {
			char *p = path_join(sw->dir, n);

			(void)unlink(p);
			free(p);
		}
	}
	closedir(d);
}

int
state_writer_close(struct state_writer *sw, int commit, int64_t now,
    const struct keep *kp, uint64_t persons)
{
	char **names = xcalloc(sw->nshards + 1, sizeof *names), *words = NULL;
	uint64_t *bytes = xcalloc(sw->nshards + 1, sizeof *bytes);
	uint64_t wbytes = 0, whash = 0;
	size_t k;
	int err = 0;

	for (k = 0; k < sw->nshards; k++) {
		bytes[k] = sw->out[k].total;
		names[k] = file_name(sw->level ? "delta" : "persons",
		    sw->generation, k);
		if (wbuf_close(&sw->out[k], commit && !err) != 0 && !err) {
			err = errno ? errno : EIO;
			warnx("%s/%s: write error:", sw->dir, names[k]);
		}
	}
	if (commit && !err)
		err = write_words(sw, &words, &wbytes, &whash);
	if (commit && !err && getenv("REVISIT_TEST_KILL_BEFORE_MANIFEST"))
		raise(SIGKILL);	/* a fault tests inject: no manifest */
	if (commit && !err)
		err = write_manifest(sw, now, kp, persons, words, wbytes, whash,
		    names, bytes);
	if (commit && !err)
		collect(sw, words, names);
	for (k = 0; k < sw->nshards; k++) {
		free(names[k]);
		XXH3_freeState(sw->hash[k]);
	}
	free(words);
	free(names);
	free(bytes);
	free(sw->out);
	free(sw->hash);
	free(sw->records);
	free(sw->last);
	free(sw->last_uid);
	free(sw->dir);
	return err ? EX_IOERR : 0;
}

