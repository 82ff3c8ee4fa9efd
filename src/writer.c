/*
 * writer.c - writing the initial population and variants (see writer.h).
 *
 * Every random choice of generation 0 (style and theme pairs) is drawn when
 * the set is made; a variant's (goal, fence tags) from its own stream, keyed
 * by generation, parent and number.  Jobs are sent in the order they were
 * made, only while the request window has room, and a job that ends sends
 * the next: a population of thousands never holds thousands of prompts at
 * once.  A freed slot goes to writing first, then to the judge, so that
 * stories reach the tournament as early as they can.
 */
#include "aw/writer.h"
#include "aw/extender.h"
#include "aw/llm.h"
#include "aw/parents.h"
#include "aw/resume.h"
#include "aw/template.h"
#include "aw/tpolicy.h"
#include "aw/util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { J_QUEUED, J_SENT, J_ENDED, J_DROPPED };

struct wjob {
	struct wset *set;         /* the set it belongs to */
	struct story *story;      /* the story (owned unless taken) */
	char *key;                /* request identity, for its seeds */
	char *prompt;             /* rendered prompt, NULL until sent for
				   * stories of generation 0 */
	int rewrites;             /* times written again for length */
	int copied;               /* written again once as a near-copy */
	int state;                /* J_* */
	int taken;                /* the story belongs to a population */
	int reused;               /* it came from the journal */
	char *journal_id;         /* a reused variant: its id in the journal,
				   * if it had one there */
};

struct wset {
	struct run *run;          /* the run */
	int gen;                  /* the generation written */
	struct writer_hooks hooks;
	struct wjob **jobs;       /* in the order asked for */
	size_t n, cap;
	size_t next;              /* no queued job before this one */
	long last_id;             /* variants numbered so far */
	char **peers;             /* --diversity: texts a variant must not
				   * nearly copy (owned), or NULL */
	size_t npeers;
	const char *sequential;   /* a baseline's step: this template, one
				   * rewrite per story and no goal; else NULL */
};

void writer_assign(struct rng *r, size_t nstyles, size_t nthemes, size_t n, size_t *style,
		   size_t *theme)
{
	size_t *scount = xcalloc(nstyles, sizeof *scount);
	size_t *tcount = xcalloc(nthemes, sizeof *tcount);
	unsigned char *used = xcalloc(nstyles * nthemes, 1);
	size_t *order = xmalloc((nstyles > nthemes ? nstyles : nthemes) * sizeof *order);
	size_t nused = 0;

	for (size_t i = 0; i < n; i++) {
		if (nused == nstyles * nthemes) { /* every pair used: start over */
			memset(used, 0, nstyles * nthemes);
			nused = 0;
		}
		/* The least-used style that still has a free pair, ties broken at
		 * random; then its least-used free theme, likewise. */
		for (size_t k = 0; k < nstyles; k++)
			order[k] = k;
		rng_shuffle(r, order, nstyles);
		size_t s = SIZE_MAX;
		for (size_t k = 0; k < nstyles; k++) {
			size_t c = order[k];
			size_t free_pairs = 0;
			for (size_t t = 0; t < nthemes; t++)
				free_pairs += !used[c * nthemes + t];
			if (free_pairs && (s == SIZE_MAX || scount[c] < scount[s]))
				s = c;
		}
		for (size_t k = 0; k < nthemes; k++)
			order[k] = k;
		rng_shuffle(r, order, nthemes);
		size_t t = SIZE_MAX;
		for (size_t k = 0; k < nthemes; k++) {
			size_t c = order[k];
			if (!used[s * nthemes + c] && (t == SIZE_MAX || tcount[c] < tcount[t]))
				t = c;
		}
		used[s * nthemes + t] = 1;
		nused++;
		scount[s]++;
		tcount[t]++;
		style[i] = s;
		theme[i] = t;
	}
	free(scount);
	free(tcount);
	free(used);
	free(order);
}

static long story_token_cap(const struct options *o)
{
	/* About 1.3 tokens a word in English; twice the limit leaves room to
	 * see an over-long story whole, so that it can be cut at a sentence. */
	return o->max_words * 2 + 256;
}

static void send(struct wjob *j);

/* j has ended (written or failed): send the next job, then tell. */
static void ended(struct wjob *j)
{
	struct wset *w = j->set;
	free(j->prompt);
	j->prompt = NULL;
	j->state = J_ENDED;
	if (j->taken)
		progress_story(&w->run->progress, j->story->error != NULL);
	writer_send(w);
	if (w->hooks.ended)
		w->hooks.ended(w->hooks.ctx, j->story);
}

/* A story under --min-words has been lengthened (or has failed). */
static void extended(void *ctx, struct story *s)
{
	(void)s;
	ended(ctx);
}

static enum http_outcome on_text(void *ctx, const struct llm_reply *reply, char *why,
				 size_t whylen)
{
	struct wjob *j = ctx;
	struct run *run = j->set->run;
	long max = run->opt->max_words;
	long words = text_count_words(reply->content);
	int cut_off = strcmp(reply->finish, "length") == 0;
	(void)why;
	(void)whylen;

	if ((words > max || cut_off) && j->rewrites < WRITER_REWRITES) {
		j->rewrites++;
		run->length_retries++;
		send(j); /* a new request; this one is done */
		return HTTP_OK;
	}
	struct story *s = j->story;
	struct wset *w = j->set;
	if (w->npeers && s->parent_id && !j->copied &&
	    parents_near_copy(reply->content, (const char *const *)w->peers, w->npeers)) {
		j->copied = 1; /* once: the next text is taken whatever it is */
		s->near_copy = 1;
		send(j);
		return HTTP_OK;
	}
	if (words > max) {
		s->text = text_trim_words(reply->content, max);
		s->trimmed = 1;
	} else {
		s->text = xstrdup(reply->content);
	}
	s->words = text_count_words(s->text);
	if (extender_needed(run->extender, s->words)) {
		extender_start(run->extender, s, j->key, s->text, extended, j);
		return HTTP_OK;
	}
	run_journal_story(run, s);
	ended(j);
	return HTTP_OK;
}

static void on_fail(void *ctx, const char *why)
{
	struct wjob *j = ctx;
	j->story->error = xstrdup(why);
	run_journal_usage(j->set->run); /* what the attempts cost */
	ended(j);
}

/* The request identity of variant v of parent pid in generation gen: its
 * seeds, and its own random stream, come from it. */
static char *variant_key(int gen, const char *pid, long v)
{
	return xasprintf("g%d:%s:%ld", gen, pid, v);
}

/* --min-words as a template value: "" when it is not set. */
static void min_words_value(const struct options *o, char *out, size_t n)
{
	if (o->min_words > 0)
		snprintf(out, n, "%ld", o->min_words);
	else
		out[0] = '\0';
}

char *writer_prompt_draft(const struct texts *t, const struct options *o, const struct story *s)
{
	char words[32], least[32];
	snprintf(words, sizeof words, "%ld", o->max_words);
	min_words_value(o, least, sizeof least);
	struct tmpl_var vars[] = {
		{ "prompt", t->prompt }, { "style", s->style },  { "theme", s->theme },
		{ "rubric", t->rubric }, { "max_words", words }, { "min_words", least },
	};
	return template_render(t->writer, vars, AW_ARRAY_LEN(vars));
}

char *writer_prompt_variant(const struct texts *t, const struct options *o, int gen,
			    const struct story *parent, long v, const char *sequential, size_t *goal)
{
	char words[32], least[32];
	char *key = variant_key(gen, parent->id, v);
	struct rng r;
	rng_seed(&r, rng_mix(o->seed, rng_request_seed(o->seed, key, -1)));
	free(key);
	/* the order of the draws is part of the run: the goal (a baseline's
	 * step has none), then the fence */
	*goal = sequential ? SIZE_MAX : (size_t)rng_below(&r, t->goals.n);
	char *fenced = template_fence(&r, "PARENT STORY", parent->text);
	snprintf(words, sizeof words, "%ld", o->max_words);
	min_words_value(o, least, sizeof least);
	struct tmpl_var vars[] = {
		{ "prompt", t->prompt },
		{ "parent", fenced },
		{ "goal", sequential ? NULL : t->goals.v[*goal] },
		{ "rubric", t->rubric },
		{ "max_words", words },
		{ "min_words", least },
	};
	char *prompt = template_render(sequential ? sequential : t->variant, vars,
				       AW_ARRAY_LEN(vars));
	free(fenced);
	return prompt;
}

static void send(struct wjob *j)
{
	struct run *run = j->set->run;
	const struct options *o = run->opt;
	if (!j->prompt)
		j->prompt = writer_prompt_draft(&run->texts, o, j->story);
	struct llm_request req = run_writer_request(
		run, j->prompt, j->story->temperature, story_token_cap(o),
		run_request_seed(run, j->key, j->rewrites + j->copied * (WRITER_REWRITES + 1)));
	llm_ask(run->http, &req, &run->usage, on_text, on_fail, j);
}

void writer_send(struct wset *w)
{
	struct run *run = w->run;
	while (w->next < w->n && http_pending(run->http) < run->opt->concurrency) {
		struct wjob *j = w->jobs[w->next++];
		if (j->state != J_QUEUED)
			continue;
		j->state = J_SENT;
		if (run->extender && extender_resume(run->extender, j->story, j->key, extended, j))
			continue; /* its draft was journaled: it was being lengthened */
		if (!j->taken && j->story->parent_id)
			run->early_variants++; /* its parent's tournament is still on */
		send(j);
	}
}

static struct wjob *add_job(struct wset *w, struct story *s, char *key)
{
	struct wjob *j = xcalloc(1, sizeof *j);
	j->set = w;
	j->story = s;
	j->key = key;
	if (w->run->resume && resume_take_story(w->run->resume, s, &j->journal_id)) {
		j->state = J_ENDED;
		j->reused = 1;
	}
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 16;
		w->jobs = xrealloc(w->jobs, w->cap * sizeof *w->jobs);
	}
	w->jobs[w->n++] = j;
	return j;
}

static struct wset *new_set(struct run *run, int gen, const struct writer_hooks *hooks)
{
	struct wset *w = xcalloc(1, sizeof *w);
	w->run = run;
	w->gen = gen;
	if (hooks)
		w->hooks = *hooks;
	return w;
}

struct wset *writer_initial(struct run *run, const struct writer_hooks *hooks)
{
	const struct options *o = run->opt;
	const struct texts *t = &run->texts;
	size_t n = (size_t)o->population;
	size_t *style = xmalloc(n * sizeof *style), *theme = xmalloc(n * sizeof *theme);
	struct wset *w = new_set(run, 0, hooks);

	run_reseed(run, 0, 0);
	writer_assign(&run->rng, t->styles.n, t->themes.n, n, style, theme);
	for (size_t i = 0; i < n; i++) {
		struct story *s = story_new();
		s->id = xasprintf("g0-%03zu", i + 1);
		s->born = 0;
		s->style = xstrdup(t->styles.v[style[i]]);
		s->theme = xstrdup(t->themes.v[theme[i]]);
		s->temperature = w->hooks.policy ?
			tpolicy_pick(w->hooks.policy, 0, TPOLICY_DRAFT, i) : o->temperature;
		add_job(w, s, xstrdup(s->id));
	}
	free(style);
	free(theme);
	return w;
}

struct wset *writer_variants(struct run *run, int gen, const struct writer_hooks *hooks)
{
	return new_set(run, gen, hooks);
}

struct wset *writer_sequential(struct run *run, int gen, const char *tmpl,
			       const struct writer_hooks *hooks)
{
	struct wset *w = new_set(run, gen, hooks);
	w->sequential = tmpl;
	return w;
}

void writer_want(struct wset *w, const struct story *p, size_t slot)
{
	struct run *run = w->run;
	const struct options *o = run->opt;
	const struct texts *t = &run->texts;
	for (size_t i = 0; i < w->n; i++) {
		const char *pid = w->jobs[i]->story->parent_id;
		if (pid && strcmp(pid, p->id) == 0)
			return;
	}
	for (long v = 1; v <= (w->sequential ? 1 : o->variants); v++) {
		struct story *s = story_new();
		size_t goal;
		char *prompt = writer_prompt_variant(t, o, w->gen, p, v, w->sequential, &goal);
		s->born = w->gen;
		s->parent_id = xstrdup(p->id);
		s->variant = (int)v;
		s->style = xstrdup(p->style);
		s->theme = xstrdup(p->theme);
		s->goal = w->sequential ? NULL : xstrdup(t->goals.v[goal]);
		s->temperature = w->hooks.policy ?
			tpolicy_pick(w->hooks.policy, w->gen, TPOLICY_VARIANT,
				     slot * (size_t)o->variants + (size_t)v - 1) : o->temperature;
		struct wjob *j = add_job(w, s, variant_key(w->gen, p->id, v));
		if (j->state == J_QUEUED)
			j->prompt = prompt;
		else
			free(prompt);
	}
}

size_t writer_take(struct wset *w, const struct story *p, struct population *pop)
{
	size_t k = 0;
	for (size_t i = 0; i < w->n; i++) {
		struct wjob *j = w->jobs[i];
		const char *pid = j->story->parent_id;
		if (j->taken || j->state == J_DROPPED || (p && (!pid || strcmp(pid, p->id) != 0)))
			continue;
		j->taken = 1;
		if (p) {
			free(j->story->id);
			j->story->id = xasprintf("g%d-%03ld", w->gen, ++w->last_id);
			j->story->elo = p->elo; /* a variant starts from its parent's
						 * rating, final now */
		}
		if (j->reused)
			resume_keep_story(w->run->resume, j->story, j->journal_id);
		population_add(pop, j->story);
		k++;
	}
	return k;
}

long writer_drop_untaken(struct wset *w)
{
	long sent = 0;
	for (size_t i = 0; i < w->n; i++) {
		struct wjob *j = w->jobs[i];
		if (j->taken)
			continue;
		if (j->state == J_QUEUED)
			j->state = J_DROPPED;
		else if (!j->reused)
			sent++;
	}
	/* A resumed run: the variants the interrupted one sent early for this
	 * generation, which nobody asked for again. */
	if (w->run->resume)
		sent += resume_untaken_variants(w->run->resume, w->gen);
	return sent;
}

void writer_free(struct wset *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++) {
		struct wjob *j = w->jobs[i];
		if (!j->taken)
			story_free(j->story);
		free(j->prompt);
		free(j->key);
		free(j->journal_id);
		free(j);
	}
	for (size_t i = 0; i < w->npeers; i++)
		free(w->peers[i]);
	free(w->peers);
	free(w->jobs);
	free(w);
}

void writer_avoid(struct wset *w, const char *const *texts, size_t n)
{
	w->peers = xrealloc(w->peers, (w->npeers + n) * sizeof *w->peers);
	for (size_t i = 0; i < n; i++)
		w->peers[w->npeers++] = xstrdup(texts[i] ? texts[i] : "");
}
