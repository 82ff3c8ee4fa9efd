/*
 * history.h - every story a run has written and judged, with where it came
 * from: its parent, its generation-0 ancestor (its lineage) and the
 * temperature it was written at.
 *
 * A generation file holds its own stories, but a story's lineage runs back
 * through every generation before it, and the temperature policy learns from
 * all of them; so the run keeps this table, adding each generation's new
 * stories once it has been judged.  A resumed run rebuilds it from the
 * generation files (history_load), in the same order, so that whatever is
 * computed from it is the same as in the run never interrupted.
 *
 * Ownership: the table owns copies of everything it holds.
 */
#ifndef AW_HISTORY_H
#define AW_HISTORY_H

#include <stddef.h>
#include "aw/idmap.h"
#include "aw/story.h"

struct history_entry {
	char *id;            /* the story's id */
	char *parent;        /* its parent's id, NULL in generation 0 */
	const char *root;    /* its generation-0 ancestor's id (its own in
			      * generation 0; the parent's when the parent is
			      * unknown); points into the table */
	int born;            /* the generation it was written in */
	double temperature;  /* it was written at */
};

struct history {
	struct history_entry *v; /* in the order added */
	size_t n, cap;
	struct idmap index;      /* id -> entry */
};

#define HISTORY_INIT { NULL, 0, 0, IDMAP_INIT }

/* Add the stories of pop written in generation gen (born == gen, with
 * text), in pop's order; ids already held are skipped.  Returns how many
 * were added: they are the last entries. */
size_t history_add(struct history *h, const struct population *pop, int gen);

/* The generation-0 ancestor of story id, or NULL when it is not held. */
const char *history_root(const struct history *h, const char *id);
/* The entry of story id, or NULL. */
const struct history_entry *history_find(const struct history *h, const char *id);

/* A resumed run: add the new stories of generations 0 .. done-1 from their
 * files in dir, as the run added them.  0, or -1 with a message in err. */
int history_load(struct history *h, const char *dir, int done, char *err, size_t errlen);

void history_free(struct history *h);

#endif
