/*
 * sets.h - a set of stories to evaluate, read from any of the places a
 * set can come from.
 *
 * `compare` and `rate` (and later `export` and `extend`) take sets of
 * stories by path, and a path may name four things:
 *
 *   a run directory       its last generation (gen-NNN.json), ranked
 *   a generation file     DIR/gen-003.json: that generation
 *   a baseline directory  a directory in the run format whose generation
 *                         files hold unranked stories: the last one's
 *   a JSON Lines file     one {"id": ..., "text": ...} a line; a line may
 *                         add "rank" (1 = best), and a file whose every
 *                         line does is ranked
 *
 * A set is ranked when every story carries a rank; then sets_load() keeps
 * the best `top` of them, best first.  A set without ranking is taken
 * whole, in file order.  Failed stories of a generation (no text) are not
 * part of it.  Everything is checked on reading (a story without id or
 * text, an id twice, a set with no story), so that a bad set stops a
 * command with exit 2 before any request.
 *
 * Ownership: a struct set owns everything it holds; sets_release().
 */
#ifndef AW_SETS_H
#define AW_SETS_H

#include <stddef.h>
#include <stdint.h>
#include "aw/story.h"

enum set_kind {
	SET_RUN,        /* a run directory: its last generation */
	SET_GENERATION, /* one generation file */
	SET_BASELINE,   /* a directory of unranked generation files */
	SET_JSONL       /* a JSON Lines file of stories */
};

struct set {
	enum set_kind kind;        /* where it came from */
	char *path;                /* the path as given */
	char *dir;                 /* the run (or baseline) directory it
				    * belongs to, or NULL (JSON Lines) */
	int gen;                   /* the generation taken, -1 for JSON Lines */
	int last_gen;              /* the last generation in dir, or -1 */
	int ranked;                /* every story carried a rank */
	size_t total;              /* stories in the set before --top */
	struct population stories; /* the stories taken, best first when
				    * ranked, else in file order */
	char *label;               /* short name: "final", "initial",
				    * "generation 3", "baseline", or the file's
				    * name */
	char *desc;                /* what the set is, one line */
};

/* Read the set at path, keeping the best top stories of a ranked set
 * (top <= 0: all).  0, or -1 with "'path': problem" in err (*s is then
 * empty). */
int sets_load(struct set *s, const char *path, long top, char *err, size_t errlen);
void sets_release(struct set *s);

/* The writing prompt of the run a set belongs to: DIR/inputs/prompt.txt,
 * else run.json's "prompt".  A malloc'd string, or NULL when the set has
 * none (a JSON Lines file, a directory without either). */
char *sets_prompt(const struct set *s);

/* A number that identifies the set's stories (their ids and texts, in
 * order), so that two commands can tell the same set apart from another
 * without comparing paths. */
uint64_t sets_key(const struct set *s);

#endif
