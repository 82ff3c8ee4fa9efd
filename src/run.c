/*
 * run.c - what the phases of a run share: recording results in the
 * journal, and the seeds of the random stream and of requests (see run.h).
 */
#include "aw/run.h"
#include "aw/lengthen.h"
#include "aw/resume.h"
#include "aw/util.h"

#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <string.h>

unsigned long run_request_seed(const struct run *r, const char *id, long attempt)
{
	return rng_request_seed(r->opt->seed, id, attempt);
}

static void journal_failed(struct run *r)
{
	char msg[512];
	aw_fail(msg, sizeof msg, "cannot write '%s':", r->journal.path);
	http_abort(r->http, msg);
}

void run_usage_now(const struct run *r, struct run_usage *u)
{
	static const struct http_stats none;
	const struct http_stats *hs = r->http ? http_stats(r->http) : &none;
	memset(u, 0, sizeof *u);
	u->requests = hs->requests + r->preflight_requests;
	u->retries = hs->retries;
	u->failed_requests = hs->failed;
	u->peak_in_flight = hs->peak_in_flight;
	const struct llm_usage *w = &r->usage, *j = &r->judge_usage;
	/* tokens as the budget counted them: as reported, else estimated, so
	 * that a resumed run's caps start from all that was spent */
	u->prompt_tokens = r->budget.tokens_in[ROLE_WRITER] + r->budget.tokens_in[ROLE_JUDGE];
	u->completion_tokens = r->budget.tokens_out[ROLE_WRITER] + r->budget.tokens_out[ROLE_JUDGE];
	u->replies_without_usage = w->replies_without_usage + j->replies_without_usage;
	u->length_rewrites = r->length_retries;
	u->trimmed_stories = r->trimmed;
	u->judge_reasks = r->reasks;
	u->matches_without_winner = r->lost_matches;
	u->failed_stories = r->failed_stories;
	u->early_variants = r->early_variants;
	u->discarded_variants = r->discarded_variants;
	u->soft_verdicts = r->soft_verdicts;
	u->lost_matches = r->judge_lost;
	u->repaired_replies = w->repaired + j->repaired;
	u->extension_requests = r->ext.requests;
	u->extension_rounds = r->extension_rounds;
	u->extended_stories = r->extended;
	u->extension_retries = r->ext.retried_rounds;
	u->extension_failures = r->ext.failed;
	u->extension_rejected[0] = r->ext.rejected[LENGTHEN_NO_ENDING];
	u->extension_rejected[1] = r->ext.rejected[LENGTHEN_REPEATS];
	u->extension_rejected[2] = r->ext.rejected[LENGTHEN_META];
	u->extension_rejected[3] = r->ext.rejected[LENGTHEN_TOO_SHORT];
	u->extension_meta_stripped = r->ext.stripped;
	for (int k = 0; k < HF_N; k++)
		u->faults[k] = hs->faults[k];
	for (int k = 0; k < LB_N; k++)
		u->unusable[k] = w->bad[k] + j->bad[k];
	for (int k = 0; k < ROLE_N; k++) {
		u->roles[k].requests = r->budget.requests[k];
		u->roles[k].prompt_tokens = r->budget.tokens_in[k];
		u->roles[k].completion_tokens = r->budget.tokens_out[k];
		u->roles[k].cost = -1;
	}
	u->cost = -1;
	u->window_use = hs->busy_seconds > 0 ?
				hs->slot_seconds / (hs->busy_seconds * (double)r->opt->concurrency) :
				0;
	if (r->resume) {
		u->reused_stories = resume_reused_stories(r->resume);
		u->reused_matches = resume_reused_matches(r->resume);
		u->reused_parts = resume_reused_parts(r->resume);
	}
}

/* Append rec with what the run spent since its previous record. */
static void journal(struct run *r, struct journal_record *rec)
{
	struct run_usage now;
	if (r->journal.fd < 0)
		return;
	run_usage_now(r, &now);
	run_usage_sub(&rec->usage, &now, &r->journaled);
	rec->has_usage = 1;
	rec->process = r->process;
	if (journal_write(&r->journal, rec) < 0)
		journal_failed(r);
	else
		r->journaled = now;
}

struct llm_request run_writer_request(struct run *run, const char *prompt, double temperature,
				      long max_tokens, uint64_t seed)
{
	const struct options *o = run->opt;
	return (struct llm_request){
		.model = o->model,
		.temperature = temperature,
		.top_p = o->top_p,
		.max_tokens = max_tokens,
		.token_param = o->token_param,
		.has_seed = 1,
		.seed = seed,
		.msg = { { "user", prompt } },
		.nmsg = 1,
		.endpoint = 0,
		.role = ROLE_WRITER,
		.role_name = "writer",
		.key_sent = o->api_key != NULL,
		.extra = o->extra_body,
		.budget = &run->budget,
	};
}

void run_setup_budget(struct run *run)
{
	const struct options *o = run->opt;
	struct budget *b = &run->budget;
	memset(b, 0, sizeof *b);
	b->max_requests = o->max_requests;
	b->max_tokens = o->max_tokens;
	b->max_cost = o->max_cost;
	b->price_in[ROLE_WRITER] = o->price_in;
	b->price_out[ROLE_WRITER] = o->price_out;
	b->price_in[ROLE_JUDGE] = o->judge_price_in;
	b->price_out[ROLE_JUDGE] = o->judge_price_out;
	const struct run_usage *u = &run->before;
	b->before_requests = u->requests;
	b->before_tokens = (double)(u->prompt_tokens + u->completion_tokens);
	for (int r = 0; r < ROLE_N; r++) {
		double c = budget_price(b, r, (double)u->roles[r].prompt_tokens,
					(double)u->roles[r].completion_tokens);
		b->before_cost += c > 0 ? c : 0;
	}
}

void run_journal_story(struct run *r, const struct story *s)
{
	struct journal_record rec = { 0 };
	rec.type = CODEC_REC_STORY;
	rec.story = (struct story *)s; /* only read */
	journal(r, &rec);
}

void run_journal_match(struct run *r, const struct match *m)
{
	struct journal_record rec = { 0 };
	rec.type = CODEC_REC_MATCH;
	rec.match = *m;
	journal(r, &rec);
}

void run_journal_part(struct run *r, const struct ext_part *p)
{
	struct journal_record rec = { 0 };
	rec.type = CODEC_REC_PART;
	rec.part = (struct ext_part *)p; /* only read */
	journal(r, &rec);
}

void run_journal_usage(struct run *r)
{
	struct journal_record rec = { 0 };
	rec.type = CODEC_REC_USAGE;
	journal(r, &rec);
}

void run_reseed(struct run *r, int gen, int phase)
{
	rng_seed(&r->rng, rng_mix(r->opt->seed, ((uint64_t)gen << 24) + (uint64_t)phase));
}
