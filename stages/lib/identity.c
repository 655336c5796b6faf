/*
 * identity.c - links, person keys, the order purchases count in.
 */
#include "identity.h"

#include <string.h>

#include "prog.h"

void
vlink_init(struct vlink *l)
{
	memset(l, 0, sizeof *l);
	l->uid = STRTAB_NONE;
}

void
vlink_see(struct vlink *l, uint32_t uid, int64_t start, int64_t end,
    uint64_t sid)
{
	if (l->uid != STRTAB_NONE && (end < l->end || (end == l->end &&
	    (start < l->start || (start == l->start && sid <= l->sid)))))
		return;
	l->uid = uid;
	l->end = end;
	l->start = start;
	l->sid = sid;
}

/* "u" or "v", then the key, in buf; its length. Keys longer than ids
 * ever are cut: one person per prefix is better than none. */
static size_t
pkey(char *buf, size_t cap, struct sv key, int is_uid)
{
	size_t n = key.n < cap - 1 ? key.n : cap - 1;

	buf[0] = is_uid ? 'u' : 'v';
	if (n)
		memcpy(buf + 1, key.p, n);
	return n + 1;
}

uint32_t
person_find(const struct strtab *t, struct sv key, int is_uid)
{
	char buf[1024];
	size_t n = pkey(buf, sizeof buf, key, is_uid);

	return strtab_find(t, buf, n);
}

uint32_t
person_intern(struct strtab *t, struct sv key, int is_uid, int *added)
{
	char buf[1024];
	size_t n = pkey(buf, sizeof buf, key, is_uid);

	return strtab_intern(t, buf, n, added);
}

int
buy_cmp_at(int64_t ats, struct sv aid, int64_t bts, struct sv bid)
{
	size_t n = aid.n < bid.n ? aid.n : bid.n;
	int c;

	if (ats != bts)
		return ats < bts ? -1 : 1;
	if (n && (c = memcmp(aid.p, bid.p, n)) != 0)
		return c;
	return (aid.n > bid.n) - (aid.n < bid.n);
}
