/*
 * writer.c - writing the initial population and variants (see writer.h).
 *
 * Every random choice (style and theme pairs, goals, fence tags) is drawn
 * before the first request is sent; the requests then go out through the
 * window together and each reply lands in its own job, so the population is
 * in job order whatever order the replies arrive in.  The jobs of a phase
 * live in one array owned by the phase, so jobs dropped by an interrupted
 * run are freed all the same.
 */
#include "aw/writer.h"
#include "aw/llm.h"
#include "aw/template.h"
#include "aw/util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wphase;

struct wjob {
	struct run *run;          /* the run */
	struct wphase *phase;     /* the phase it belongs to */
	struct story *story;      /* the story (owned) */
	char *prompt;             /* rendered prompt (owned), NULL until sent
				   * for stories of generation 0 */
	int rewrites;             /* times written again for length */
	int state;                /* 0 writing, 1 written, -1 failed */
};

/* The jobs of a phase are sent a window at a time: each one that ends
 * sends the next, so that a population of thousands does not hold
 * thousands of prompts and request bodies at once. */
struct wphase {
	struct wjob *jobs;        /* every job of the phase */
	size_t n;                 /* how many */
	size_t next;              /* the first not sent yet */
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
static void feed(struct wphase *ph);

/* j is finished (written or failed): free its prompt, send the next. */
static void done(struct wjob *j)
{
	free(j->prompt);
	j->prompt = NULL;
	feed(j->phase);
}

static enum http_outcome on_text(void *ctx, const struct llm_reply *reply, char *why,
				 size_t whylen)
{
	struct wjob *j = ctx;
	struct run *run = j->run;
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
	if (words > max) {
		s->text = text_trim_words(reply->content, max);
		s->trimmed = 1;
		run->trimmed++;
	} else {
		s->text = xstrdup(reply->content);
	}
	s->words = text_count_words(s->text);
	j->state = 1;
	run_journal_story(run, s);
	progress_step(&run->progress);
	done(j);
	return HTTP_OK;
}

static void on_fail(void *ctx, const char *why)
{
	struct wjob *j = ctx;
	j->story->error = xstrdup(why);
	j->state = -1;
	j->run->failed_stories++;
	progress_step(&j->run->progress);
	done(j);
}

/* Render the prompt of a story of generation 0 (variants are rendered when
 * the phase is set up, since their fence tags come from the run's stream). */
static void render(struct wjob *j)
{
	const struct texts *t = &j->run->texts;
	char words[32];
	snprintf(words, sizeof words, "%ld", j->run->opt->max_words);
	struct tmpl_var vars[] = {
		{ "prompt", t->prompt }, { "style", j->story->style }, { "theme", j->story->theme },
		{ "rubric", t->rubric }, { "max_words", words },
	};
	j->prompt = template_render(t->writer, vars, AW_ARRAY_LEN(vars));
}

static void send(struct wjob *j)
{
	const struct options *o = j->run->opt;
	if (!j->prompt)
		render(j);
	struct llm_request req = {
		.model = o->model,
		.temperature = o->temperature,
		.top_p = o->top_p,
		.max_tokens = story_token_cap(o),
		.token_param = o->token_param,
		.has_seed = 1,
		.seed = run_request_seed(j->run, j->story->id, j->rewrites),
		.msg = { { "user", j->prompt } },
		.nmsg = 1,
	};
	llm_ask(j->run->http, &req, &j->run->usage, on_text, on_fail, j);
}

/* Send every job, wait for all of them, and place the stories in job order;
 * frees the jobs and returns the http result. */
/* A resumed run: the story the interrupted run already received for s, if
 * the journal has it (same id, generation, parent and goal). */
static int reuse(struct run *run, struct story *s)
{
	struct population *p = &run->reuse.stories;
	for (size_t i = 0; i < p->n; i++) {
		struct story *r = p->v[i];
		if (!r || r->born != s->born || strcmp(r->id, s->id) != 0)
			continue;
		if ((r->parent_id || s->parent_id) &&
		    (!r->parent_id || !s->parent_id || strcmp(r->parent_id, s->parent_id) != 0))
			continue;
		if ((r->goal || s->goal) && (!r->goal || !s->goal || strcmp(r->goal, s->goal) != 0))
			continue;
		s->text = r->text;
		r->text = NULL;
		s->words = text_count_words(s->text);
		s->trimmed = r->trimmed;
		story_free(r);
		p->v[i] = NULL;
		run->reused_stories++;
		return 1;
	}
	return 0;
}

/* Send the next job that the journal cannot answer. */
static void feed(struct wphase *ph)
{
	while (ph->next < ph->n) {
		struct wjob *j = &ph->jobs[ph->next++];
		if (reuse(j->run, j->story)) {
			j->state = 1;
			free(j->prompt);
			j->prompt = NULL;
			progress_step(&j->run->progress);
			continue;
		}
		send(j);
		return;
	}
}

/* Run every job, a window at a time, and place the stories in job order;
 * frees the jobs and returns the http result. */
static enum http_result run_jobs(struct run *run, struct wjob *jobs, size_t n,
				 struct population *out, struct population *failed)
{
	struct wphase ph = { jobs, n, 0 };
	for (size_t i = 0; i < n; i++)
		jobs[i].phase = &ph;
	for (long k = 0; k < run->opt->concurrency && ph.next < n; k++)
		feed(&ph);
	enum http_result res = http_run(run->http);
	for (size_t i = 0; i < n; i++) {
		if (jobs[i].state == 1)
			population_add(out, jobs[i].story);
		else if (jobs[i].state == -1)
			population_add(failed, jobs[i].story);
		else
			story_free(jobs[i].story);
		free(jobs[i].prompt);
	}
	free(jobs);
	progress_end(&run->progress);
	return res;
}

enum http_result writer_initial(struct run *run, struct population *out, struct population *failed)
{
	const struct options *o = run->opt;
	const struct texts *t = &run->texts;
	size_t n = (size_t)o->population;
	size_t *style = xmalloc(n * sizeof *style), *theme = xmalloc(n * sizeof *theme);
	struct wjob *jobs = xcalloc(n, sizeof *jobs);

	run_reseed(run, 0, 0);
	writer_assign(&run->rng, t->styles.n, t->themes.n, n, style, theme);
	progress_begin(&run->progress, "generation 0: writing stories", (long)n);
	for (size_t i = 0; i < n; i++) {
		struct story *s = story_new();
		s->id = xasprintf("g0-%03zu", i + 1);
		s->born = 0;
		s->style = xstrdup(t->styles.v[style[i]]);
		s->theme = xstrdup(t->themes.v[theme[i]]);
		s->temperature = o->temperature;
		jobs[i].run = run;
		jobs[i].story = s;
	}
	free(style);
	free(theme);
	return run_jobs(run, jobs, n, out, failed);
}

enum http_result writer_variants(struct run *run, int gen, const struct population *parents,
				 long top, long variants, struct population *out,
				 struct population *failed)
{
	const struct options *o = run->opt;
	const struct texts *t = &run->texts;
	size_t k = (size_t)top < parents->n ? (size_t)top : parents->n;
	size_t n = k * (size_t)variants;
	struct wjob *jobs = xcalloc(n, sizeof *jobs);
	char words[32], label[96];
	snprintf(words, sizeof words, "%ld", o->max_words);
	snprintf(label, sizeof label, "generation %d: writing variants", gen);

	progress_begin(&run->progress, label, (long)n);
	run_reseed(run, gen, 0);
	for (size_t i = 0; i < n; i++) {
		const struct story *p = parents->v[i / (size_t)variants];
		struct story *s = story_new();
		s->id = xasprintf("g%d-%03zu", gen, i + 1);
		s->born = gen;
		s->parent_id = xstrdup(p->id);
		s->style = xstrdup(p->style);
		s->theme = xstrdup(p->theme);
		s->goal = xstrdup(t->goals.v[rng_below(&run->rng, t->goals.n)]);
		s->temperature = o->temperature;
		s->elo = p->elo; /* a variant starts from its parent's rating */
		char *fenced = template_fence(&run->rng, "PARENT STORY", p->text);
		struct tmpl_var vars[] = {
			{ "prompt", t->prompt }, { "parent", fenced }, { "goal", s->goal },
			{ "rubric", t->rubric }, { "max_words", words },
		};
		jobs[i].run = run;
		jobs[i].story = s;
		jobs[i].prompt = template_render(t->variant, vars, AW_ARRAY_LEN(vars));
		free(fenced);
	}
	return run_jobs(run, jobs, n, out, failed);
}
