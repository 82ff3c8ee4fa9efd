/*
 * texts.h - the texts a run reads: the writing prompt, the rubric, the
 * templates and the lists of styles, themes and goals.
 *
 * They are files, not strings in C, so that users can read and change them
 * (data.h finds the bundled copies).  texts_load() reads and validates all
 * of them before the first request, so that a mistake in any stops the run
 * with exit 2 and the file and line named.  A run keeps a copy in its
 * inputs/ directory, and a resumed run reads them from there.
 *
 * Ownership: a struct texts owns everything it holds; texts_free().
 */
#ifndef AW_TEXTS_H
#define AW_TEXTS_H

#include <stddef.h>
#include "aw/codec.h"
#include "aw/data.h"
#include "aw/options.h"

/* The texts a run reads, all validated before the first request. */
struct texts {
	char *prompt;          /* the writing prompt */
	char *rubric;          /* the judging rubric */
	char *writer;          /* template: a story of the initial population */
	char *variant;         /* template: a variant of a parent */
	char *judge;           /* template: one pairwise judgement */
	char *reask;           /* template: follow-up when no verdict was found */
	struct strlist styles; /* author styles */
	struct strlist themes; /* themes */
	struct strlist goals;  /* improvement goals */
	char *expand;          /* template: expand a story's opening (extender.h) */
	char *cont;            /* template: continue a story from where it ends */
	char *paths[CODEC_TEXTS]; /* where each came from, for run.json
				   * (codec_input_name(k) names text k) */
};

/* Read and validate every text the run needs: from the directory inputs
 * (a resumed run's DIR/inputs) when not NULL, else the files the options
 * name, else the bundled ones.  0, or -1 with "file:line: problem" in err. */
int texts_load(struct texts *t, const struct options *o, const char *inputs, char *err,
	       size_t errlen);
/* A resumed run: refuse text options whose content differs from the run's. */
int texts_check_resumed(const struct texts *run, const struct options *o, char *err,
			size_t errlen);
void texts_free(struct texts *t);

#endif
