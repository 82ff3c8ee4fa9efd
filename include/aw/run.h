/*
 * run.h - what the phases of one run share: the settings, the texts read
 * from disk, the HTTP client, the random stream and the counters.
 *
 * evolve.c owns a struct run and hands it to the writer and the judge,
 * which send their requests through run->http and report what happened in
 * the counters; store.c reads it to write run.json.  Data flows one way:
 * options and files -> run -> writer/judge -> http -> back as stories and
 * matches -> store.
 */
#ifndef AW_RUN_H
#define AW_RUN_H

#include "aw/bt.h"
#include "aw/data.h"
#include "aw/http.h"
#include "aw/journal.h"
#include "aw/llm.h"
#include "aw/options.h"
#include "aw/progress.h"
#include "aw/rng.h"

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
	char *paths[9];        /* where each came from, for run.json */
};

struct run {
	const struct options *opt;  /* settings */
	struct texts texts;         /* prompts, rubric and lists */
	struct http *http;          /* the one HTTP client */
	struct llm_usage usage;     /* tokens reported by the endpoint */
	struct rng rng;             /* every random choice of the run */
	struct progress progress;   /* what the user sees */
	long length_retries;        /* stories written again for length */
	long trimmed;               /* stories cut to the limit after that, as
				     * the generation files mark them */
	long reasks;                /* judge replies asked again */
	long lost_matches;          /* matches recorded with no winner */
	long failed_stories;        /* stories that could not be written, of
				     * the generations stored */
	long early_variants;        /* variants requested (not taken from
				     * the journal) before their
				     * parent's tournament had ended */
	long discarded_variants;    /* ... sent for a story that then missed
				     * the top K */
	struct bt_ratings ratings;  /* every verdict of the run, for the BT fit */
	int logprobs_refused;       /* the endpoint refused logprobs (400/403) */
	int logprobs_absent;        /* it answered judge requests without them */
	long soft_verdicts;         /* verdicts with a usable probability */
	struct journal journal;     /* every result, appended as it arrives */
	struct journal_data reuse;  /* a resumed run: results to use again */
	long reused_stories;        /* taken from the journal, not asked again */
	long reused_matches;
	struct cJSON *previous;     /* a resumed run's old run.json, or NULL */
	int resumed_from;           /* generations done when this process began */
	double started;             /* wall-clock start, seconds */
};

/* Record a result in the journal; a failed write stops the run (the HTTP
 * client returns HTTP_STOPPED with the reason). */
void run_journal_story(struct run *r, const struct story *s);
void run_journal_match(struct run *r, int gen, const struct match *m);

/* Reseed the run's random stream for a phase of generation gen (phase 0
 * writing, 1 judging, 2+r round r), so that a resumed run draws exactly
 * what the interrupted one drew for the same phase. */
void run_reseed(struct run *r, int gen, int phase);

/* Seed sent to the endpoint for a request: derived from the run's seed and
 * the request's identity, never from arrival order (31 bits, which every
 * server accepts). */
unsigned long run_request_seed(const struct run *r, const char *id, long attempt);

/* Read and validate every text the run needs: from the directory inputs
 * (a resumed run's DIR/inputs) when not NULL, else the files the options
 * name, else the bundled ones.  0, or -1 with "file:line: problem" in err. */
int texts_load(struct texts *t, const struct options *o, const char *inputs, char *err,
	       size_t errlen);
/* A resumed run: refuse text options whose content differs from the run's. */
int texts_check_resumed(const struct texts *run, const struct options *o, char *err,
			size_t errlen);
/* File name of text k (the order of struct texts' paths, 0 <= k <
 * TEXTS_N) in DIR/inputs. */
#define TEXTS_N 9
const char *texts_file_name(int k);
void texts_free(struct texts *t);

#endif
