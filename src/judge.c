/*
 * judge.c - the tournament (see judge.h).
 */
#include "aw/judge.h"
#include "aw/elo.h"
#include "aw/llm.h"
#include "aw/template.h"
#include "aw/util.h"
#include "aw/verdict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void ask(struct match *m);

static enum http_outcome on_text(void *ctx, const struct llm_reply *reply, char *why,
				 size_t whylen)
{
	struct match *m = ctx;
	struct verdict v;
	(void)why;
	(void)whylen;
	if (verdict_parse(reply->content, &v) == 0) {
		m->winner = v.winner;
		m->reason = v.reason;
		if (!m->reason && m->first_reply)
			m->reason = xstrdup(m->first_reply); /* reasoning came first */
		progress_step(&m->run->progress);
		return HTTP_OK;
	}
	if (m->asks < JUDGE_ASKS) {
		if (!m->first_reply)
			m->first_reply = xstrdup(reply->content);
		m->run->reasks++;
		ask(m);
		return HTTP_OK;
	}
	m->error = xasprintf("no verdict in %d judge replies", m->asks);
	m->run->lost_matches++;
	progress_step(&m->run->progress);
	return HTTP_OK;
}

static void on_fail(void *ctx, const char *why)
{
	struct match *m = ctx;
	m->error = xasprintf("judge request failed: %s", why);
	m->run->lost_matches++;
	progress_step(&m->run->progress);
}

/* Send the judge request for m: the judge prompt, or after a reply with no
 * verdict, that conversation plus the follow-up. */
static void ask(struct match *m)
{
	const struct options *o = m->run->opt;
	char id[32];
	snprintf(id, sizeof id, "match-%zu", m->index);
	struct llm_request req = {
		.model = o->judge_model,
		.temperature = o->judge_temperature,
		.top_p = o->top_p,
		.max_tokens = o->judge_max_tokens,
		.token_param = o->token_param,
		.has_seed = 1,
		.seed = run_request_seed(m->run, id, m->asks),
		.msg = { { "user", m->prompt } },
		.nmsg = 1,
	};
	if (m->first_reply) {
		req.msg[1] = (struct llm_message){ "assistant", m->first_reply };
		req.msg[2] = (struct llm_message){ "user", m->run->texts.reask };
		req.nmsg = 3;
	}
	m->asks++;
	llm_ask(m->run->http, &req, &m->run->usage, on_text, on_fail, m);
}

/* Draw every match of every round, in order, from the run's stream. */
static void draw_matches(struct run *run, struct population *pop, long rounds,
			 struct match_list *out)
{
	size_t n = pop->n, per = n / 2;
	size_t *perm = xmalloc(n * sizeof *perm);
	out->n = per * (size_t)rounds;
	out->v = xcalloc(out->n ? out->n : 1, sizeof *out->v);
	const struct texts *t = &run->texts;
	size_t k = 0;
	for (long r = 0; r < rounds; r++) {
		for (size_t i = 0; i < n; i++)
			perm[i] = i;
		rng_shuffle(&run->rng, perm, n);
		for (size_t i = 0; i < per; i++, k++) {
			struct match *m = &out->v[k];
			int swap = (int)rng_below(&run->rng, 2);
			m->a = pop->v[perm[2 * i + (size_t)swap]];
			m->b = pop->v[perm[2 * i + 1 - (size_t)swap]];
			m->round = (int)r + 1;
			m->run = run;
			m->index = k;
			char *fa = template_fence(&run->rng, "STORY A", m->a->text);
			char *fb = template_fence(&run->rng, "STORY B", m->b->text);
			struct tmpl_var vars[] = {
				{ "prompt", t->prompt }, { "rubric", t->rubric },
				{ "story_a", fa }, { "story_b", fb },
			};
			m->prompt = template_render(t->judge, vars, AW_ARRAY_LEN(vars));
			free(fa);
			free(fb);
		}
	}
	free(perm);
}

enum http_result judge_tournament(struct run *run, int gen, struct population *pop, long rounds,
				  struct match_list *out)
{
	char label[96];
	snprintf(label, sizeof label, "generation %d: judging", gen);

	draw_matches(run, pop, rounds, out);
	progress_begin(&run->progress, label, (long)out->n);
	for (size_t i = 0; i < out->n; i++)
		ask(&out->v[i]);
	enum http_result res = http_run(run->http);
	progress_end(&run->progress);

	for (size_t i = 0; i < out->n; i++) {
		struct match *m = &out->v[i];
		free(m->prompt);
		m->prompt = NULL;
		free(m->first_reply);
		m->first_reply = NULL;
		if (res != HTTP_DONE || !m->winner)
			continue;
		struct story *w = m->winner == 'A' ? m->a : m->b;
		struct story *l = m->winner == 'A' ? m->b : m->a;
		elo_update(&w->elo, &l->elo, 1.0, ELO_K);
		w->wins++;
		l->losses++;
		w->matches++;
		l->matches++;
	}
	if (res == HTTP_DONE)
		population_rank(pop);
	return res;
}

void match_list_free(struct match_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].reason);
		free(l->v[i].error);
		free(l->v[i].prompt);
		free(l->v[i].first_reply);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
