/*
 * store.h - the output directory: one JSON file per generation, run.json,
 * and the best story as plain text.
 *
 * Every file is written whole to a temporary file in the same directory,
 * synced, and renamed over its name, so a reader (or a crash) never sees
 * half a file: each file on disk is the old version or the new one.
 *
 *   gen-NNN.json  {"generation", "judging" (calls, matches, why it stopped),
 *                  "position_bias", "stories" (ranked best first), "matches",
 *                  "failed" (stories that could not be written)}
 *   run.json      status, seed, effective settings (never the key), usage
 *   best.txt      the best story of the last generation written
 *   inputs/       the texts the run reads (prompt, rubric, templates, lists)
 *   journal.jsonl every story and verdict as it arrives (journal.h)
 */
#ifndef AW_STORE_H
#define AW_STORE_H

#include <stddef.h>
#include "aw/journal.h"
#include "aw/judge.h"
#include "aw/run.h"
#include "aw/story.h"

/* Create dir if needed and lock it.  Refuses (-1, message in err) a path
 * that is not a directory, a directory another run holds, or one that is
 * not empty; with resume, a directory that holds no run (temporary files
 * left by a kill are removed).  Returns a descriptor that holds the lock
 * until it is closed (at the latest when the process ends). */
int store_prepare(const char *dir, int resume, char *err, size_t errlen);

/* Keep a copy of every text the run reads in DIR/inputs/, so that a resumed
 * run uses exactly the same ones. */
int store_write_inputs(const char *dir, const struct texts *t, char *err, size_t errlen);

/* Read generation gen back: its stories (ranked, as written) into pop, the
 * stories that could not be written (without text) into failed, and its
 * matches into matches->m.  0, or -1 with a message in err. */
int store_read_generation(const char *dir, int gen, struct population *pop,
			  struct population *failed, struct journal_data *matches, char *err,
			  size_t errlen);

/* Write data to dir/name atomically.  0, or -1 with a message in err. */
int store_write_file(const char *dir, const char *name, const char *data, size_t len,
		     char *err, size_t errlen);

int store_write_generation(const char *dir, int gen, const struct population *pop,
			   const struct match_list *matches, const struct population *failed,
			   const struct judge_summary *sum, char *err, size_t errlen);

/* status: "running", "complete", "failed" or "interrupted"; error may be
 * NULL; best may be NULL. */
int store_write_run(const char *dir, const struct run *run, const char *status,
		    int generations_done, const struct story *best, const char *error,
		    char *err, size_t errlen);

int store_write_best(const char *dir, const struct story *best, char *err, size_t errlen);

/* The JSON of one generation (malloc'd), for tests and the writer above. */
char *store_generation_json(int gen, const struct population *pop,
			    const struct match_list *matches, const struct population *failed,
			    const struct judge_summary *sum);

#endif
