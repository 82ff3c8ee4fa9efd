/*
 * run.c - what the phases of a run share: recording results in the
 * journal, and the seeds of the random stream and of requests (see run.h).
 */
#include "aw/run.h"
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
	u->prompt_tokens = w->prompt_tokens + j->prompt_tokens;
	u->completion_tokens = w->completion_tokens + j->completion_tokens;
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
	for (int k = 0; k < HF_N; k++)
		u->faults[k] = hs->faults[k];
	for (int k = 0; k < LB_N; k++)
		u->unusable[k] = w->bad[k] + j->bad[k];
	for (int k = 0; k < ROLE_N; k++) {
		const struct llm_usage *lu = k == ROLE_WRITER ? w : j;
		u->roles[k].requests = r->budget.requests[k];
		u->roles[k].prompt_tokens = lu->prompt_tokens;
		u->roles[k].completion_tokens = lu->completion_tokens;
		u->roles[k].cost = -1;
	}
	u->cost = -1;
	u->window_use = hs->busy_seconds > 0 ?
				hs->slot_seconds / (hs->busy_seconds * (double)r->opt->concurrency) :
				0;
	if (r->resume) {
		u->reused_stories = resume_reused_stories(r->resume);
		u->reused_matches = resume_reused_matches(r->resume);
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
