/*
 * spec.h - audience definitions (schemas/audiences.md): for each
 * audience, conditions over a person's history that must hold (include)
 * or must not (exclude), how long membership lasts, and what members
 * carry.
 */
#ifndef REVISIT_SPEC_H
#define REVISIT_SPEC_H

#include <stddef.h>
#include <stdint.h>

#define DAY_MS		86400000LL
#define MAX_MEMBERSHIP	(540 * DAY_MS)

enum ev_kind { EV_SESSION, EV_PURCHASE, EV_STAGE };

struct ev {
	enum ev_kind	 kind;
	char		*stage;		/* EV_STAGE: the funnel stage */
};

enum cond_kind {
	C_WITHIN,	/* EV within DUR ("not within" with neg) */
	C_EVER,		/* EV ever ("no EV ever" with neg) */
	C_NO_AFTER,	/* no EV after EV2 */
	C_COUNT,	/* count EV within DUR OP N */
	C_FIRST,	/* first EV within DUR */
	C_REVENUE,	/* revenue within DUR OP X */
	C_TOP,		/* revenue within DUR top P% */
	C_CHANNEL,	/* channel NAME within DUR */
	C_SKU		/* sku GLOB viewed|carted within DUR */
};

enum op { OP_GE, OP_GT, OP_LE, OP_LT, OP_EQ };

struct cond {
	enum cond_kind	 kind;
	int		 neg;
	struct ev	 ev, ev2;
	int64_t		 dur;		/* ms */
	enum op		 op;
	double		 n;		/* count, amount or percent */
	char		*arg;		/* channel name or sku glob */
	int		 carted;	/* C_SKU: carted, not viewed */
	char		*text;		/* as written */
};

enum emit_kind { E_SKUS_VIEWED, E_SKUS_CARTED, E_ORDERS, E_REVENUE };

struct emit {
	enum emit_kind	 kind;
	int		 n;		/* skus: at most this many */
	int64_t		 dur;		/* orders, revenue: the window */
};

struct aud {
	char		*name;
	int64_t		 membership;	/* ms */
	struct cond	*inc, *exc;
	size_t		 ninc, nexc;
	struct emit	*emit;
	size_t		 nemit;
	char		*definition;	/* its lines, as written, joined */
};

struct spec {
	struct aud	*a;
	size_t		 n;
};

/* Parse a definitions file (name for messages). NULL after a message
 * naming the line. */
struct spec	*spec_parse(const char *text, size_t len, const char *name);
void		 spec_free(struct spec *);

#endif
