/*
 * person.h - what revisit remembers of a person from night to night
 * (schemas/state.md): per device (vid) its first and last page hit, its
 * recent sessions (touchpoints), the skus it viewed and carted and the
 * funnel stages it reached with their latest times, and its purchases.
 *
 * History is kept per vid inside the person because identity moves: a
 * vid belongs to the uid of its latest hit carrying one, so when it logs
 * in (or in as someone else) its history moves with it to that uid's
 * person. A person is keyed by the uid, or by its one vid when unlinked.
 *
 * Words - strings that repeat across persons: channels, sources, media,
 * campaigns, skus, stages, currencies - are numbers in a dictionary (a
 * strtab, or the state's array of them); other strings are views, into
 * a state file's bytes or a string table the caller keeps. Arrays are
 * the person's own (person_free).
 */
#ifndef REVISIT_PERSON_H
#define REVISIT_PERSON_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"
#include "strtab.h"
#include "wbuf.h"

#define PERSON_SKUS	10	/* skus kept per vid and list, latest */

/* Every dictionary starts with these words, in this order: the channels
 * of DESIGN.md, then the sources, media and campaigns of no source. */
#define WORD_NO_SOURCE		11	/* "(direct)" */
#define WORD_NO_MEDIUM		12	/* "(none)" */
#define WORD_NO_CAMPAIGN	13	/* "(not set)" */
#define WORDS_FIXED		14
extern const char *const words_fixed[WORDS_FIXED];

/* A dictionary: the fixed words, then old[] (which, if not empty, must
 * start with them). */
struct strtab	*words_new(const struct sv *old, size_t n);
/* Whether words[] starts with the fixed words. */
int		 words_valid(const struct sv *words, size_t n);

struct touch {			/* a session, as attribution needs it */
	int64_t		 start;
	uint64_t	 sid;
	uint32_t	 channel, source, medium, campaign;	/* words */
};

struct event {			/* a sku or a stage, at its latest time */
	int64_t		 ts;
	uint32_t	 word;
};

struct buy {
	struct sv	 order_id;	/* n == 0: none logged */
	struct sv	 value_text;	/* n == 0: none logged */
	double		 value;
	int64_t		 ts;
	uint32_t	 currency;	/* word */
};

struct vidhist {
	struct sv	 vid;
	int64_t		 first, last;	/* first and last page hit */
	int64_t		 last_start;	/* start of the latest session */
	int		 opt_out;
	struct touch	*touch;		/* by start, then sid */
	struct event	*viewed, *carted, *stages;
	struct buy	*buys;		/* by time, then order id */
	uint32_t	 ntouch, nviewed, ncarted, nstages, nbuys;
	uint32_t	 cap[5];
};

struct person {
	struct sv	 key;		/* the uid, or the vid */
	int		 is_uid;
	struct vidhist	*vids;		/* by vid */
	uint32_t	 nvids, capvids;
};

/* Time windows of the state: what later nights need. */
struct keep {
	int64_t		 window;	/* touchpoints: the longest lookback */
	int64_t		 retention;	/* everything else, and persons */
};

/* Arrays from a (never freed one by one) instead of malloc, in the
 * calling thread: for one that lets all its persons go at once. NULL:
 * malloc again. */
struct arena;
void	person_arrays_in(struct arena *a);
/* Whether they come from such an arena now, in the calling thread. */
int	person_arrays_shared(void);

/* Room for exactly n elements in an array of a person (the allocator
 * above); *cap is updated. */
void	*person_room_exact(void *v, uint32_t *cap, size_t n, size_t size);

void	person_init(struct person *, struct sv key, int is_uid);
void	person_free(struct person *);
void	vidhist_free(struct vidhist *);	/* its arrays; h is left empty */
/* The vid's history in p, added empty if create (else NULL if absent). */
struct vidhist *person_vid(struct person *, struct sv vid, int create);
/* Move h (from another person) into p, merged with p's history of the
 * same vid if it has one; h is left empty. */
void	person_take(struct person *p, struct vidhist *h);

/*
 * A session's history added to its vid's: seen times, the touchpoint
 * (once per sid), skus and stages, its words interned in dict; other
 * strings are kept as views (the vid: the caller's, stable). Purchases
 * are the caller's, who knows which order ids are new: vidhist_add_buy
 * keeps its strings in pool (NULL: they are stable already).
 */
void	vidhist_add_session(struct vidhist *, const struct sess *,
	    struct strtab *dict);
void	vidhist_add_buy(struct vidhist *, const struct sess_buy *,
	    struct strtab *pool, struct strtab *dict);
/* h's words, numbers in the dictionary from[] (a state's), made
 * numbers in to: for a vid moving to a state with another dictionary. */
void	vidhist_rewords(struct vidhist *h, const struct sv *from,
	    struct strtab *to);
/* h's history added to d's (the same vid). */
void	vidhist_merge(struct vidhist *d, const struct vidhist *h);

/*
 * Put p in its canonical form and drop what no later night needs as of
 * now: touchpoints that started before now - window; skus beyond the
 * PERSON_SKUS latest of each list; skus, stages and purchases older than
 * now - retention; vids last seen before that. Returns the vids left (0:
 * drop the person). A person is pruned before it is packed. dict: the
 * words, whose strings order ties.
 */
size_t	person_prune(struct person *, int64_t now, const struct keep *,
	    const struct strtab *dict);
/* The first time at which person_prune would drop something. */
int64_t	person_expiry(const struct person *, const struct keep *);

/* Keys compare as bytes, a uid before a vid of the same bytes. */
int	person_key_cmp(struct sv a, int a_uid, struct sv b, int b_uid);

/* ---- MessagePack (personmp.c) ---- */

/* Encode a pruned person (record type "person"): the same content gives
 * the same bytes. */
void	person_pack(struct wbuf *, const struct person *, const struct keep *);
/* Decode a record whose dictionary has nwords words; views into rec.
 * 0, or -1 if it is not a person record. */
int	person_decode(struct person *, const char *rec, size_t len,
	    size_t nwords);
/* Whether decoding computes each touchpoint's sid (a hash; most are not
 * stored): default 1; a process that never reads sids (audience,
 * report) clears it, and its touchpoints' sids are 0 but unusual ones. */
extern int person_sids;
/* Whether decoding leaves out all but each vid's purchases and times
 * (touchpoints, skus, stages skipped, not checked): default 0; a process
 * that looks only at purchases (report's customers) sets it. */
extern int person_buys_only;

/*
 * What comes before a record's history: enough to pass over it (len),
 * to know whose it is, when something in it expires, which vids and
 * order ids it holds, without reading the rest.
 */
struct phead {
	const char	*rec;
	size_t		 len;		/* of the whole record */
	struct sv	 key;
	int		 is_uid;
	int64_t		 expiry;	/* ms, rounded down to a second */
	const char	*vl, *ol;	/* their arrays (ol NULL if none) */
	size_t		 nvids, norders;
	const char	*body;		/* the "v" array */
};

/* The head of the record at rec (avail bytes there): 0, or -1 if it is
 * not a person record. */
int	person_head(const char *rec, size_t avail, struct phead *);

/* Its vids or order ids one after another: plist_next gives 1 and the
 * next, 0 at the end, -1 if damaged. */
struct plist {
	const unsigned char	*p, *end;
	uint32_t		 left;
};
void	phead_vids(const struct phead *, struct plist *);
void	phead_orders(const struct phead *, struct plist *);
int	plist_next(struct plist *, struct sv *);

#endif
