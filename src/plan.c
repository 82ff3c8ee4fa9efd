/*
 * plan.c - the cost of a run before it starts (see plan.h).
 */
#include "aw/plan.h"
#include "aw/story.h"
#include "aw/template.h"
#include "aw/util.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Mean words of a list's items. */
static double mean_words(const struct strlist *l)
{
	double w = 0;
	for (size_t i = 0; i < l->n; i++)
		w += (double)text_count_words(l->v[i]);
	return l->n ? w / (double)l->n : 0;
}

/* Words of a template rendered with the run's texts, its per-story parts
 * empty. */
static double template_words(const char *tmpl, const struct options *o, const struct texts *t)
{
	char words[32];
	snprintf(words, sizeof words, "%ld", o->max_words);
	struct tmpl_var vars[] = { { "prompt", t->prompt }, { "rubric", t->rubric },
				   { "max_words", words } };
	char *r = template_render(tmpl, vars, AW_ARRAY_LEN(vars));
	double n = (double)text_count_words(r);
	free(r);
	return n;
}

static long matches(const struct options *o, long n)
{
	return o->rounds ? o->rounds * (n / 2) : (o->judge_budget * n + 1) / 2;
}

void plan_make(const struct options *o, const struct texts *t, int from, struct plan *p)
{
	const double tok = 4.0 / 3.0, fence = 6; /* a fence line pair's words */
	long K = o->top, V = o->variants, G = o->generations;
	p->from = from;
	p->story_words = PLAN_STORY_SHARE * (double)o->max_words;
	long drafts = from == 0 ? o->population : 0;
	long variants = 0, judged = 0;
	for (long g = from; g <= G; g++) {
		long n = g == 0 ? o->population : K + K * V;
		if (g > 0)
			variants += K * V;
		judged += matches(o, n);
	}
	/* Variants started early for a story that then misses the top K: about
	 * 4P^3 of those started (0.5 at the default P = 0.5, as measured);
	 * none with --temperature auto or --diversity, which start none. */
	double early = o->early_variants > 0 && !OPTIONS_AUTO_TEMPERATURE(o) && !(o->diversity > 0) ?
			       fmin(1, 4 * pow(o->early_variants, 3)) * (double)(K * V) :
			       0;
	long late = G - from > 0 ? G - from : 0;
	long discarded = (long)lround(early * (double)late);
	p->writer_requests = drafts + variants + discarded;
	p->judge_requests = judged;

	double story = p->story_words;
	double draft_in = template_words(t->writer, o, t) + mean_words(&t->styles) +
			  mean_words(&t->themes);
	double variant_in = template_words(t->variant, o, t) + story + fence +
			    mean_words(&t->goals);
	double judge_in = template_words(t->judge, o, t) + 2 * (story + fence);
	p->writer_prompt_tokens = tok * ((double)drafts * draft_in +
					 (double)(variants + discarded) * variant_in);
	p->writer_completion_tokens = tok * story * (double)p->writer_requests;
	p->judge_prompt_tokens = tok * judge_in * (double)judged;
	p->judge_completion_tokens = tok * PLAN_JUDGE_WORDS * (double)judged;
	p->writer_cost = o->price_in >= 0 && o->price_out >= 0 ?
				 (p->writer_prompt_tokens * o->price_in +
				  p->writer_completion_tokens * o->price_out) / 1e6 :
				 -1;
	p->judge_cost = o->judge_price_in >= 0 && o->judge_price_out >= 0 ?
				(p->judge_prompt_tokens * o->judge_price_in +
				 p->judge_completion_tokens * o->judge_price_out) / 1e6 :
				-1;
}

cJSON *plan_json(const struct plan *p)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *r = cJSON_AddObjectToObject(root, "requests");
	cJSON_AddNumberToObject(r, "writer", (double)p->writer_requests);
	cJSON_AddNumberToObject(r, "judge", (double)p->judge_requests);
	cJSON_AddNumberToObject(r, "total", (double)(p->writer_requests + p->judge_requests));
	cJSON *t = cJSON_AddObjectToObject(root, "tokens");
	cJSON_AddNumberToObject(t, "prompt", round(p->writer_prompt_tokens + p->judge_prompt_tokens));
	cJSON_AddNumberToObject(t, "completion",
				round(p->writer_completion_tokens + p->judge_completion_tokens));
	cJSON *w = cJSON_AddObjectToObject(t, "writer");
	cJSON_AddNumberToObject(w, "prompt", round(p->writer_prompt_tokens));
	cJSON_AddNumberToObject(w, "completion", round(p->writer_completion_tokens));
	cJSON *j = cJSON_AddObjectToObject(t, "judge");
	cJSON_AddNumberToObject(j, "prompt", round(p->judge_prompt_tokens));
	cJSON_AddNumberToObject(j, "completion", round(p->judge_completion_tokens));
	if (p->writer_cost >= 0 && p->judge_cost >= 0) {
		cJSON *c = cJSON_AddObjectToObject(root, "cost");
		cJSON_AddNumberToObject(c, "writer", round(p->writer_cost * 1e4) / 1e4);
		cJSON_AddNumberToObject(c, "judge", round(p->judge_cost * 1e4) / 1e4);
		cJSON_AddNumberToObject(c, "total",
					round((p->writer_cost + p->judge_cost) * 1e4) / 1e4);
		cJSON_AddStringToObject(c, "currency", "USD");
	} else {
		cJSON_AddNullToObject(root, "cost");
	}
	cJSON *a = cJSON_AddObjectToObject(root, "assumptions");
	cJSON_AddNumberToObject(a, "first_generation", p->from);
	cJSON_AddNumberToObject(a, "story_words", p->story_words);
	cJSON_AddNumberToObject(a, "judge_reply_words", PLAN_JUDGE_WORDS);
	cJSON_AddStringToObject(a, "not_counted",
				"early stopping, re-asked verdicts, rewrites for length and "
				"retries: each can move the real figures");
	return root;
}
