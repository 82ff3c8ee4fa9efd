/*
 * run.h - what the phases of one run share: the settings, the texts, the
 * HTTP client, the random stream, the rating fit and the counters.
 *
 * evolve.c owns a struct run and hands it to the writer and the judge,
 * which send their requests through run->http and report what happened in
 * the counters; evolve turns the counters into a run_report (codec.h) for
 * store.c to write.  Data flows one way: options and files -> run ->
 * writer/judge -> llm -> http -> back as stories and matches -> store.
 * What a resumed run may take again is run->resume's (resume.h) alone.
 */
#ifndef AW_RUN_H
#define AW_RUN_H

#include "aw/bt.h"
#include "aw/budget.h"
#include "aw/http.h"
#include "aw/journal.h"
#include "aw/llm.h"
#include "aw/options.h"
#include "aw/progress.h"
#include "aw/rng.h"
#include "aw/texts.h"

struct resume;
struct extender;

/* What self-lengthening did (extender.h) in this process, counted when the
 * reply that decided it arrived (a resumed run's replays are not counted
 * again). */
struct ext_counts {
	long requests;        /* expand and continue requests sent */
	long retried_rounds;  /* rounds tried again after one was rejected */
	long rejected[5];     /* replies and rounds rejected, by enum
			       * lengthen_reject (0, "ok", unused) */
	long stripped;        /* replies whose preamble or word-count line was
			       * cut off */
	long failed;          /* stories that could not be lengthened */
};

struct run {
	const struct options *opt;  /* settings */
	struct texts texts;         /* prompts, rubric and lists */
	struct http *http;          /* the one HTTP client */
	int judge_endpoint;         /* the judge's endpoint in it (0: the
				     * writer's) */
	struct llm_usage usage;     /* tokens the endpoint reported: writer */
	struct llm_usage judge_usage; /* ... and judge requests */
	struct budget budget;       /* caps, and requests and tokens by role */
	long preflight_requests;    /* sent to check the endpoints first */
	struct rng rng;             /* every random choice of the run */
	struct progress progress;   /* what the user sees */
	long length_retries;        /* stories written again for length */
	long trimmed;               /* stories cut to the limit after that, as
				     * the generation files mark them */
	long reasks;                /* judge replies asked again */
	long lost_matches;          /* matches recorded with no winner */
	long judge_lost;            /* of those, lost to failed requests */
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
	struct run_usage journaled; /* run_usage_now() at the last record */
	struct run_usage before;    /* what the processes before this one
				     * spent (a resumed run) */
	char run_id[40];            /* ties the run's files together */
	int process;                /* which process of the run this is: 0 the
				     * first, k the k-th resume */
	struct resume *resume;      /* a resumed run: what it may take again;
				     * NULL for a new run */
	struct extender *extender;  /* lengthens stories under --min-words
				     * (extender.h), or NULL */
	struct ext_counts ext;      /* what it did */
	long extended;              /* stories lengthened, as the generation
				     * files mark them */
	long extension_rounds;      /* their rounds */
	double started;             /* wall-clock start, seconds */
};

/* Record a result in the journal, with what the run spent since the last
 * record (so that usage survives a kill); a failed write stops the run
 * (the HTTP client returns HTTP_STOPPED with the reason).  _usage records
 * only what was spent: for requests that left no other record (a story
 * that could not be written). */
void run_journal_story(struct run *r, const struct story *s);
void run_journal_match(struct run *r, const struct match *m);
void run_journal_part(struct run *r, const struct ext_part *p);
void run_journal_usage(struct run *r);

/* A writer request of the run (its model, endpoint, key, extra body and
 * caps) for this prompt (borrowed), at this temperature, token cap and
 * seed. */
struct llm_request run_writer_request(struct run *run, const char *prompt, double temperature,
				      long max_tokens, uint64_t seed);

/* The caps and prices of run->opt, and what the run's earlier processes
 * spent (run->before), into run->budget. */
void run_setup_budget(struct run *run);

/* What this process has spent and met so far (run.json adds the
 * processes before it).  Tokens are as the endpoint reported them, and
 * estimated for a reply without usage (as the budget counts them). */
void run_usage_now(const struct run *r, struct run_usage *u);

/* Reseed the run's random stream for a phase of generation gen (phase 0
 * writing, 1 judging, 2+r round r), so that a resumed run draws exactly
 * what the interrupted one drew for the same phase. */
void run_reseed(struct run *r, int gen, int phase);

/* Seed sent to the endpoint for a request: derived from the run's seed and
 * the request's identity, never from arrival order (31 bits, which every
 * server accepts). */
unsigned long run_request_seed(const struct run *r, const char *id, long attempt);

#endif
