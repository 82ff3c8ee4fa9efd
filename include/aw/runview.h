/*
 * runview.h - a whole run directory in memory, for the commands that look
 * at a run after the fact (`report`, `show`): run.json, every generation
 * file, any story found by id, and a story's line of descent.
 *
 * A story's record is repeated in every generation it survives into, each
 * time with the rating the run's fit gave it then; the latest is the best
 * informed, so "the story" means its record in the last generation that
 * holds it.  Everything is read through store.h, so these commands see the
 * files exactly as `evolve` and `rank` do.
 *
 * A story's wins, losses and matches in a generation are counted again
 * from that generation's matches, which is what they mean (codec.h reads
 * the ratings back, not these counters).
 *
 * A lineage is followed through parent ids, which come from files anyone
 * may have edited: it stops at a parent no generation holds and at a loop,
 * and says which.
 *
 * Ownership: the view owns everything it read; pointers it hands out are
 * borrowed until runview_release().
 */
#ifndef AW_RUNVIEW_H
#define AW_RUNVIEW_H

#include <stddef.h>
#include "aw/codec.h"
#include "aw/idmap.h"

/* A story as the view knows it. */
struct runview_story {
	const struct story *s;     /* its record in the latest generation
				    * that holds it (borrowed) */
	int gen;                   /* that generation */
	int first;                 /* the first generation that holds it */
};

struct runview {
	struct run_report run;     /* run.json, when has_run */
	int has_run;               /* run.json was there */
	struct generation *gen;    /* gen-000.json, gen-001.json... */
	int ngen;                  /* how many (at least 1) */
	struct runview_story *story; /* every distinct story id */
	size_t nstory;
	struct idmap index;        /* id -> index in story */
};

#define RUNVIEW_INIT { .gen = NULL }

/* Read the run in dir: its generation files in order from gen-000.json
 * (at least that one) and run.json (when need_run, it must be there; else
 * it is read when present).  0, or -1 with the reason in err and the view
 * empty. */
int runview_load(struct runview *v, const char *dir, int need_run, char *err, size_t errlen);

/* The story with this id, or NULL. */
const struct runview_story *runview_find(const struct runview *v, const char *id);

/* How a lineage ends. */
enum runview_end {
	RUNVIEW_ROOT,              /* at a story with no parent */
	RUNVIEW_MISSING,           /* at a parent no generation holds */
	RUNVIEW_LOOP               /* at a parent already in the chain */
};

/* The line of descent of story id: chain[0] is the story, chain[1] its
 * parent, and so on back to generation 0 (at most max).  Returns the
 * length (0 when id is unknown); *end says why it stopped. */
size_t runview_lineage(const struct runview *v, const char *id,
		       const struct runview_story **chain, size_t max, enum runview_end *end);

void runview_release(struct runview *v);

#endif
