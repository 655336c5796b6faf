/*
 * dump.h - revisit-dump: MessagePack records to JSON Lines and back, and
 * counts per record type.
 */
#ifndef REVISIT_DUMP_H
#define REVISIT_DUMP_H

#include <msgpack.h>

#include "mpk.h"
#include "wbuf.h"

/* Write o as one line of JSON (no newline). */
void	dump_obj(struct wbuf *, const msgpack_object *o);

/* Records of in to JSON Lines on out. Returns an exit status. */
int	dump_json(struct recin *in, struct wbuf *out);
/* "type<TAB>count" lines for the records of in, then "total". */
int	dump_count(struct recin *in, struct wbuf *out);
/*
 * JSON Lines of fd (named name) to MessagePack on out. Blank lines are
 * skipped; a bad line is reported and counted, status EX_DATAERR.
 */
int	dump_pack(int fd, const char *name, struct wbuf *out);
/* One JSON value at [p, end) packed to pk; -1 on bad JSON (*errp: where). */
int	dump_pack_value(msgpack_packer *pk, const char *p, const char *end,
	    const char **errp);

#endif
