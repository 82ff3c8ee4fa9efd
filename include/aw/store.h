/*
 * store.h - the output directory of a run: taking it (new, or to resume),
 * and writing and reading its files.  What each file holds is codec.h's;
 * this module keeps them safe on disk.
 *
 * Every file is written whole to a temporary file in the same directory,
 * synced, and renamed over its name, so a reader (or a crash) never sees
 * half a file: each file on disk is the old version or the new one.  The
 * store writes what it is given (a struct generation, a struct
 * run_report): it knows nothing of how a run is made.
 *
 * Ownership: the read functions fill structs the caller releases
 * (generation_release, run_report_release).
 */
#ifndef AW_STORE_H
#define AW_STORE_H

#include <stddef.h>
#include "aw/codec.h"
#include "aw/run.h"
#include "aw/story.h"

/* Create dir if needed and lock it.  Refuses (-1, message in err) a path
 * that is not a directory, a directory another run holds, or one that is
 * not empty; with resume, a directory that holds no run (temporary files
 * left by a kill are removed).  Returns a descriptor that holds the lock
 * until it is closed (at the latest when the process ends). */
int store_prepare(const char *dir, int resume, char *err, size_t errlen);
/* Would store_prepare() take dir?  The same checks, without creating,
 * locking or removing anything (for --dry-run, and to refuse a bad --out
 * before anything is sent).  0, or -1 with the reason in err. */
int store_check(const char *dir, int resume, char *err, size_t errlen);

/* Keep a copy of every text the run reads in DIR/inputs/, so that a resumed
 * run uses exactly the same ones. */
int store_write_inputs(const char *dir, const struct texts *t, char *err, size_t errlen);

/* Write data to dir/name atomically.  0, or -1 with a message in err. */
int store_write_file(const char *dir, const char *name, const char *data, size_t len,
		     char *err, size_t errlen);

int store_write_generation(const char *dir, const struct generation *g, char *err,
			   size_t errlen);
int store_write_run(const char *dir, const struct run_report *r, char *err, size_t errlen);
int store_write_best(const char *dir, const struct story *best, char *err, size_t errlen);

/* Does dir hold generation gen's file? */
int store_has_generation(const char *dir, int gen);
/* Read generation gen, or run.json, back.  0, or -1 with a message in err
 * (*g or *r is then empty). */
int store_read_generation(const char *dir, int gen, struct generation *g, char *err,
			  size_t errlen);
int store_read_run(const char *dir, struct run_report *r, char *err, size_t errlen);

#endif
