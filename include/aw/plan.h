/*
 * plan.h - what a run will cost, before it starts: the plan that
 * `evolve --dry-run` prints.
 *
 * Requests follow from the settings exactly, but for what depends on the
 * judge and the endpoint (early stopping, re-asks, rewrites for length,
 * failures), which the plan takes to be none, and the variants started
 * early and then dropped, estimated from --early-variants.  Tokens follow
 * from the prompts as they will be rendered (the templates, the prompt,
 * the rubric, the average style, theme and goal), at 4 tokens for 3 words,
 * and from two assumptions the plan states: a story is three quarters of
 * --max-words long, and a judge's reply is the "one short paragraph" the
 * judge template asks for, 60 words and its verdict.
 *
 * Ownership: plain data.
 */
#ifndef AW_PLAN_H
#define AW_PLAN_H

#include "aw/options.h"
#include "aw/texts.h"

#define PLAN_STORY_SHARE 0.75  /* of --max-words a story is assumed to use */
#define PLAN_JUDGE_WORDS 64.0  /* words of a judge's reply, verdict included */

struct plan {
	int from;                  /* first generation still to do */
	long writer_requests;      /* stories, variants and early variants */
	long judge_requests;       /* one per match */
	double writer_prompt_tokens;
	double writer_completion_tokens;
	double judge_prompt_tokens;
	double judge_completion_tokens;
	double story_words;        /* the assumed length of a story */
	double writer_cost;        /* USD, or < 0 when the prices are unknown */
	double judge_cost;
};

/* The plan of generations from..G of a run with these settings and texts. */
void plan_make(const struct options *o, const struct texts *t, int from, struct plan *p);

struct cJSON;
/* The plan as the JSON `--dry-run` prints (caller frees). */
struct cJSON *plan_json(const struct plan *p);

#endif
