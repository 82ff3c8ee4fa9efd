/*
 * evolve.c - the AlphaWrite loop: write a population, rank it by pairwise
 * judging, breed variants of the best, and repeat (see ../README.md).
 *
 *   generation 0:  N stories (writer) -> tournament (judge) -> gen-000.json
 *   generation g:  top K of g-1 + K*V variants (writer) -> tournament
 *                  -> gen-00g.json
 *
 * The phases overlap, so that the request window stays full: the writer
 * hands each story to the tournament as it arrives (story_ended), and once
 * the tournament has sent its last match the free slots go to the variants
 * of the stories likely to be in the top K (settling, --early-variants).
 * Neither changes what is written or chosen (writer.h).  Data still flows
 * one way: writer -> tournament -> store, with this file passing stories
 * along.
 *
 * Parents keep their ratings; a variant starts from its parent's rating.
 * run.json is rewritten after every generation, so it always says how far
 * the run got.  Everything the run reads is validated before the first
 * request (exit 2), and the phases only ever stop for three reasons: the
 * endpoint refused us (exit 1), the user interrupted (exit 130), or too few
 * stories could be written to go on (exit 1).
 */
#include "aw/evolve.h"
#include "aw/cli.h"
#include "aw/codec.h"
#include "aw/endpoint.h"
#include "aw/extender.h"
#include "aw/history.h"
#include "aw/interrupt.h"
#include "aw/judge.h"
#include "aw/llm.h"
#include "aw/options.h"
#include "aw/parents.h"
#include "aw/plan.h"
#include "aw/resume.h"
#include "aw/run.h"
#include "aw/store.h"
#include "aw/tpolicy.h"
#include "aw/util.h"
#include "aw/version.h"
#include "aw/writer.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


struct loop {
	struct run run;           /* shared with the phases */
	struct population pop;    /* the last generation judged, ranked */
	int gen;                  /* the generation under way */
	struct tourney *t;        /* its tournament, or NULL */
	struct wset *next;        /* generation gen+1's variants, asked for
				   * early, or NULL */
	struct wset **sets;       /* every writing set of the run: a job may
				   * outlive its generation, so they are
				   * freed at the end */
	size_t nsets;
	int done;                 /* generations written */
	char first_best[40];      /* generation 0's best story */
	struct run_evolution evo; /* what evolution did, once the run is
				   * complete */
	struct run_report previous; /* a resumed run's run.json as it found it */
	int resumed;              /* previous is set */
	int logprobs_noted;       /* said why there are no soft verdicts */
	struct history hist;      /* every story judged so far */
	struct tpolicy *tp;       /* --temperature auto: the policy, else NULL */
	int lock;                 /* holds the output directory, or -1 */
	char err[1024];           /* the last error */
};

/* Map a phase's http result to "go on" (0) or an exit status. */
static int phase_status(struct loop *l, enum http_result res)
{
	if (res == HTTP_INTERRUPTED)
		return AW_EXIT_INTERRUPTED;
	if (res == HTTP_STOPPED) {
		snprintf(l->err, sizeof l->err, "%s", http_error(l->run.http));
		return AW_EXIT_FAILED;
	}
	return 0;
}

/* Say once what happened to judge probabilities, when it is news. */
static void note_logprobs(struct loop *l)
{
	struct run *run = &l->run;
	if (run->opt->quiet || run->opt->logprobs == LOGPROBS_OFF || l->logprobs_noted)
		return;
	if (run->logprobs_refused) {
		fprintf(stderr, "alphawrite: note: the endpoint refused logprobs; judging with hard verdicts\n");
		l->logprobs_noted = 1;
	} else if (run->logprobs_absent >= 3 && !run->soft_verdicts) {
		fprintf(stderr, "alphawrite: note: the endpoint returned no logprobs; judging with hard verdicts\n");
		l->logprobs_noted = 1;
	}
}

/* A story has been written (or lost), and its slot is free: the tournament
 * takes the story, and what room is left goes to stories still to be
 * written - of any set, since the job that ended may belong to an earlier
 * one (a variant dropped while in flight). */
static void story_ended(void *ctx, struct story *s)
{
	struct loop *l = ctx;
	if (l->t)
		judge_story(l->t, s);
	for (size_t i = 0; i < l->nsets; i++)
		writer_send(l->sets[i]);
}

static struct wset *keep(struct loop *l, struct wset *w)
{
	l->sets = xrealloc(l->sets, (l->nsets + 1) * sizeof *l->sets);
	l->sets[l->nsets++] = w;
	return w;
}

/* The tournament sends no more matches, so the window has room: start the
 * variants of the stories that will almost surely be parents.  What they
 * are does not depend on when they are written (writer.h); the few whose
 * parent misses the top K after all are dropped and counted. */
static void settling(void *ctx)
{
	struct loop *l = ctx;
	struct run *run = &l->run;
	/* With --temperature auto a variant's temperature waits for the
	 * policy fitted from this tournament's verdicts (tpolicy.h); with
	 * --diversity the parents are not the likely top K (parents.h). */
	if (l->gen >= run->opt->generations || run->opt->early_variants <= 0 || l->tp ||
	    run->opt->diversity > 0)
		return;
	if (!l->next) {
		struct writer_hooks wh = { story_ended, l, NULL };
		l->next = keep(l, writer_variants(run, l->gen + 1, &wh));
	}
	const struct story **likely = xmalloc((size_t)run->opt->top * sizeof *likely);
	size_t k = judge_likely_top(l->t, run->opt->early_variants, likely);
	for (size_t i = 0; i < k; i++)
		writer_want(l->next, likely[i], i);
	free(likely);
	writer_send(l->next);
}

/* What run.json says now: this process's counts, added to those of the
 * processes before it when the run was resumed. */
static void report(const struct loop *l, const char *status, const char *error,
		   struct run_report *r)
{
	const struct run *run = &l->run;
	const struct options *o = run->opt;
	const struct run_report *prev = l->resumed ? &l->previous : NULL;
	struct run_usage *u = &r->usage;
	double now = aw_wall();

	memset(r, 0, sizeof *r);
	snprintf(r->run_id, sizeof r->run_id, "%s", run->run_id);
	r->evolution = l->evo;
	r->journal_bytes = journal_bytes(&run->journal);
	r->status = xstrdup(status);
	r->version = xstrdup(AW_VERSION);
	r->seed = o->seed;
	if (prev && prev->started[0])
		snprintf(r->started, sizeof r->started, "%s", prev->started);
	else
		codec_iso_time(run->started, r->started, sizeof r->started);
	if (strcmp(status, "running") != 0)
		codec_iso_time(now, r->finished, sizeof r->finished);
	r->elapsed_seconds = (prev ? prev->elapsed_seconds : 0) + now - run->started;
	r->generations_done = l->done;
	r->best_story = l->done ? xstrdup(l->pop.v[0]->id) : NULL;
	r->error = error ? xstrdup(error) : NULL;
	r->settings = options_to_json(o);
	r->prompt = xstrdup(run->texts.prompt);
	for (int k = 0; k < CODEC_TEXTS; k++)
		r->files[k] = run->texts.paths[k] ? xstrdup(run->texts.paths[k]) : NULL;

	run_usage_now(run, u);
	run_usage_add(u, &run->before);
	u->cost = -1;
	for (int k = 0; k < ROLE_N; k++) {
		u->roles[k].cost = budget_price(&run->budget, k, (double)u->roles[k].prompt_tokens,
						(double)u->roles[k].completion_tokens);
		if (u->roles[k].cost >= 0)
			u->cost = (u->cost > 0 ? u->cost : 0) + u->roles[k].cost;
		else if (u->roles[k].requests) /* a role with work and no price */
			u->cost = -2;
	}
	if (u->cost < -1)
		u->cost = -1;
	snprintf(u->logprobs, sizeof u->logprobs, "%s",
		 o->logprobs == LOGPROBS_OFF ? "off" :
		 run->logprobs_refused ? "refused by the endpoint" :
		 u->soft_verdicts > 0 ? "used" :
		 run->logprobs_absent ? "not returned by the endpoint" : "none yet");
	if (prev) { /* each resume is listed, with what it reused */
		r->nresumes = prev->nresumes + 1;
		r->resumes = xmalloc(r->nresumes * sizeof *r->resumes);
		if (prev->nresumes)
			memcpy(r->resumes, prev->resumes, prev->nresumes * sizeof *r->resumes);
		for (size_t k = 0; k < prev->nresumes; k++) {
			/* a resume killed after its last run.json: what its journal
			 * records say it reused since */
			long st, ma;
			resume_reused_of(run->resume, (int)k + 1, &st, &ma);
			r->resumes[k].reused_stories += st;
			r->resumes[k].reused_matches += ma;
		}
		struct run_resume *e = &r->resumes[prev->nresumes];
		memset(e, 0, sizeof *e);
		codec_iso_time(run->started, e->at, sizeof e->at);
		e->generations_done = resume_from(run->resume);
		e->reused_stories = u->reused_stories;
		e->reused_matches = u->reused_matches;
	}
}

static int write_run(struct loop *l, const char *status, const char *error, char *err,
		     size_t errlen)
{
	struct run_report r;
	report(l, status, error, &r);
	int rc = store_write_run(l->run.opt->out_dir, &r, err, errlen);
	run_report_release(&r);
	/* run.json holds every count up to now, and a resume adds only the
	 * journal lines after it: those must carry only what is new since */
	if (rc == 0)
		run_usage_now(&l->run, &l->run.journaled);
	return rc;
}

/* Generation gen has been judged: keep its stories in the history,
 * measure its diversity (every story's deviation too), and with
 * --temperature auto fit the policy of the next generation from every
 * verdict so far; all recorded in gf. */
static void learn(struct loop *l, int gen, struct generation *gf)
{
	size_t added = history_add(&l->hist, &gf->stories, gen);
	parents_measure(&gf->stories, &l->hist, l->run.opt->seed, gen, &gf->diversity);
	if (!l->tp)
		return;
	for (size_t i = l->hist.n - added; i < l->hist.n; i++) {
		const struct history_entry *e = &l->hist.v[i];
		tpolicy_observe(l->tp, e->id, e->parent, e->temperature);
	}
	/* The tournament ended with this very fit; made again here so that
	 * the policy depends on the verdicts alone, as after a resume. */
	bt_refit_cold(&l->run.ratings, NULL, 0, NULL);
	tpolicy_fit(l->tp, gen + 1, &l->run.ratings);
	tpolicy_export(l->tp, &gf->policy);
}

/* Before the first generation: the policy of --temperature auto, and for
 * a resumed run the history and the policy as the finished generations
 * left them.  0, or -1 with l->err set. */
static int learn_start(struct loop *l)
{
	const struct options *o = l->run.opt;
	if (OPTIONS_AUTO_TEMPERATURE(o)) {
		double grid[CODEC_MAX_ARMS];
		size_t n;
		if (tpolicy_parse_grid(o->temperature_grid, grid, &n, l->err, sizeof l->err) < 0)
			return -1;
		l->tp = tpolicy_new(grid, n, o->seed);
	}
	if (l->done == 0)
		return 0;
	if (history_load(&l->hist, o->out_dir, l->done, l->err, sizeof l->err) < 0)
		return -1;
	if (l->tp) {
		for (size_t i = 0; i < l->hist.n; i++)
			tpolicy_observe(l->tp, l->hist.v[i].id, l->hist.v[i].parent,
					l->hist.v[i].temperature);
		bt_refit_cold(&l->run.ratings, NULL, 0, NULL); /* as learn() */
		tpolicy_fit(l->tp, l->done, &l->run.ratings);
	}
	return 0;
}

/* Why the last lost match of ml was lost. */
static const char *last_lost(const struct match_list *ml)
{
	for (size_t k = ml->n; k-- > 0;)
		if (ml->v[k]->lost && ml->v[k]->error)
			return ml->v[k]->error;
	return "?";
}

/* Write, judge and store generation gen. */
static int generation(struct loop *l, int gen)
{
	struct run *run = &l->run;
	struct population pop = { 0 }, failed = { 0 };
	struct match_list ml = { 0 };
	struct judging sum;
	struct writer_hooks wh = { story_ended, l, l->tp };
	struct judge_hooks jh = { settling, l };
	struct wset *w;
	char label[64];

	size_t parents = 0;
	l->gen = gen;
	if (gen == 0) {
		w = keep(l, writer_initial(run, &wh));
		writer_take(w, NULL, &pop);
	} else {
		/* The parents: the top K (--diversity: parents.h), carried
		 * over; then their variants. */
		w = l->next ? l->next : keep(l, writer_variants(run, gen, &wh));
		l->next = NULL;
		size_t k = (size_t)run->opt->top < l->pop.n ? (size_t)run->opt->top : l->pop.n;
		size_t *pick = xmalloc(k * sizeof *pick);
		const char **texts = xmalloc(k * sizeof *texts);
		parents_choose(&l->pop, &l->hist, k, run->opt->diversity, run->opt->rank_by == RANK_BT, pick);
		for (size_t i = 0; i < k; i++) {
			population_add(&pop, story_copy(l->pop.v[pick[i]]));
			texts[i] = l->pop.v[pick[i]]->text;
		}
		parents = k;
		if (run->opt->diversity > 0)
			writer_avoid(w, texts, k);
		for (size_t i = 0; i < k; i++) {
			writer_want(w, l->pop.v[pick[i]], i);
			writer_take(w, l->pop.v[pick[i]], &pop);
		}
		free(pick);
		free(texts);
		run->discarded_variants += writer_drop_untaken(w);
	}
	/* The generation's new stories; those that ended before its phase (early
	 * variants, stories reused by --resume) count as ended at once. */
	snprintf(label, sizeof label, "generation %d", gen);
	progress_begin(&run->progress, label, (long)(pop.n - parents), 0);
	for (size_t i = parents; i < pop.n; i++)
		if (pop.v[i]->text || pop.v[i]->error)
			progress_story(&run->progress, pop.v[i]->error != NULL);
	l->t = judge_new(run, gen, &pop, &ml, &jh);
	writer_send(w);
	enum http_result res = judge_run(l->t);
	judge_end(l->t, res, &failed, &sum);
	l->t = NULL;
	progress_end(&run->progress);

	int st = phase_status(l, res);
	if (st == AW_EXIT_FAILED && run->budget.why[0])
		snprintf(l->err, sizeof l->err,
			 "%s: nothing more was sent, and every reply that arrived is kept in the "
			 "journal; continue with --resume %s and a higher cap", run->budget.why,
			 run->opt->out_dir);
	note_logprobs(l);
	if (st == 0 && sum.lost * 2 > sum.matches) {
		/* More than half the judge's requests failing, after retries and
		 * after asking again, means the endpoint is not serving the
		 * judge: a ranking of whichever requests got through would breed
		 * from noise.  The journal keeps every verdict that arrived. */
		snprintf(l->err, sizeof l->err,
			 "generation %d: %ld of %ld judge matches were lost to failed requests "
			 "(last: %s); too few verdicts to rank on.  Continue with --resume %s "
			 "once the endpoint answers: it asks only for what is missing",
			 gen, sum.lost, sum.matches, last_lost(&ml), run->opt->out_dir);
		st = AW_EXIT_FAILED;
	}
	if (st == 0 && pop.n < 2) {
		snprintf(l->err, sizeof l->err,
			 "generation %d: only %zu stories could be written, too few to go on%s%s", gen,
			 pop.n, failed.n ? "; last error: " : "",
			 failed.n ? failed.v[failed.n - 1]->error : "");
		st = AW_EXIT_FAILED;
	}
	if (st == 0) { /* counted as the generation file lists them */
		run->failed_stories += (long)failed.n;
		for (size_t k = 0; k < ml.n; k++)
			run->lost_matches += !ml.v[k]->winner;
		for (size_t i = 0; i < pop.n; i++) {
			const struct story *s = pop.v[i];
			run->trimmed += s->born == gen && s->trimmed;
			run->extended += s->born == gen && s->extensions > 0;
			run->extension_rounds += s->born == gen ? s->extensions : 0;
		}
	}
	if (st == 0) {
		struct generation gf = { .gen = gen, .has_judging = 1, .judging = sum,
					 .stories = pop, .matches = ml, .failed = failed };
		snprintf(gf.run_id, sizeof gf.run_id, "%s", run->run_id);
		learn(l, gen, &gf);
		if (store_write_generation(run->opt->out_dir, &gf, l->err, sizeof l->err) < 0)
			st = AW_EXIT_FAILED;
	}
	match_list_free(&ml);
	population_free(&failed);
	if (st != 0) {
		population_free(&pop); /* l->pop stays the last generation stored */
		return st;
	}
	population_free(&l->pop);
	l->pop = pop;
	l->done = gen + 1;
	if (gen == 0)
		snprintf(l->first_best, sizeof l->first_best, "%s", l->pop.v[0]->id);
	if (!run->opt->quiet) {
		const struct story *b = l->pop.v[0], *m = l->pop.v[(l->pop.n - 1) / 2];
		fprintf(stderr, "generation %d: best %s rating %.0f [%.0f, %.0f], median %.0f\n", gen,
			b->id, b->rating, b->rating_lo, b->rating_hi, m->rating);
	}
	if (write_run(l, "running", NULL, l->err, sizeof l->err) < 0)
		return AW_EXIT_FAILED;
	return 0;
}

/* What evolution did: the final best story against generation 0's best,
 * both rated by a cold refit over every verdict of the run, so that they
 * are on one scale (the files rate generation 0's best as of the last
 * generation it was in). */
static void evolution(struct loop *l)
{
	struct bt_ratings *r = &l->run.ratings;
	struct run_evolution *e = &l->evo;
	const struct story *best = l->pop.v[0];
	int a = bt_find(r, best->id), b = l->first_best[0] ? bt_find(r, l->first_best) : -1;
	if (l->done < 2 || a < 0 || b < 0)
		return;
	double *se = xmalloc((r->n ? r->n : 1) * sizeof *se);
	bt_refit_cold(r, se, 1, NULL);
	e->set = 1;
	snprintf(e->best, sizeof e->best, "%s", best->id);
	snprintf(e->first, sizeof e->first, "%s", l->first_best);
	e->best_rating = bt_to_rating(r->theta[a]);
	e->best_lo = bt_to_rating(r->theta[a] - 1.96 * se[a]);
	e->best_hi = bt_to_rating(r->theta[a] + 1.96 * se[a]);
	e->first_rating = bt_to_rating(r->theta[b]);
	e->first_lo = bt_to_rating(r->theta[b] - 1.96 * se[b]);
	e->first_hi = bt_to_rating(r->theta[b] + 1.96 * se[b]);
	free(se);
}

/* The result, on stdout even with --quiet: where the run is, its best
 * story, and what evolution did - the final best against generation 0's
 * best, both rated by the final fit with their 95% intervals - with a
 * warning when the top K cannot be told apart. */
static void summary(struct loop *l)
{
	struct run *run = &l->run;
	const struct http_stats *hs = http_stats(run->http);
	const struct story *best = l->pop.v[0];
	printf("alphawrite: %d generation%s written to %s/ in %.1fs (%ld requests, %ld retries)\n",
	       l->done, l->done == 1 ? "" : "s", run->opt->out_dir, aw_wall() - run->started,
	       hs->requests, hs->retries);
	printf("best story: %s (generation %d, rating %.0f [%.0f, %.0f], elo %.0f, %ld words) in %s/best.txt\n",
	       best->id, best->born, best->rating, best->rating_lo, best->rating_hi, best->elo,
	       best->words, run->opt->out_dir);
	const struct run_evolution *e = &l->evo;
	if (e->set && strcmp(e->best, e->first) != 0) {
		printf("evolution: the best story now, %s, is rated %.0f [%.0f, %.0f]; generation 0's "
		       "best, %s, %.0f [%.0f, %.0f] (%+.0f)\n",
		       e->best, e->best_rating, e->best_lo, e->best_hi, e->first, e->first_rating,
		       e->first_lo, e->first_hi, e->best_rating - e->first_rating);
	} else if (e->set) {
		printf("evolution: generation 0's best story, %s, is still the best\n", best->id);
	}
	size_t k = (size_t)run->opt->top < l->pop.n ? (size_t)run->opt->top : l->pop.n;
	if (k >= 2 && l->pop.v[0]->rating_lo <= l->pop.v[k - 1]->rating_hi)
		printf("warning: the top %zu cannot be told apart (the 95%% intervals of ranks 1 "
		       "and %zu overlap); a larger --judge-budget would separate them\n", k, k);
}

/* A resumed run: read the finished generations back (the last one is the
 * current population; every verdict goes back into the fit) and the
 * journal of the one it was in.  Returns 0, or -1 with l->err set. */
static int load_previous(struct loop *l)
{
	struct run *run = &l->run;
	run->resume = resume_open(run->opt->out_dir, &l->previous, &run->ratings, &l->pop,
				  &l->done, l->err, sizeof l->err);
	if (!run->resume)
		return -1;
	/* What the run spent before: as run.json counted it, and what the
	 * journal holds past that (a process killed after its last run.json) */
	run->before = l->previous.usage;
	run->before.reused_stories = run->before.reused_matches = 0;
	run_usage_add(&run->before, resume_spent_after(run->resume));
	/* as the finished generation files hold them, whatever was counted */
	run->before.matches_without_winner = resume_undecided_in_files(run->resume);
	run->process = (int)l->previous.nresumes + 1;
	snprintf(run->run_id, sizeof run->run_id, "%s", l->previous.run_id);
	struct generation g0;
	if (l->done && store_read_generation(run->opt->out_dir, 0, &g0, l->err, sizeof l->err) == 0) {
		if (g0.stories.n)
			snprintf(l->first_best, sizeof l->first_best, "%s", g0.stories.v[0]->id);
		generation_release(&g0);
	}
	return 0;
}

/* A resumed run: a model whose role has done no work yet may change (a
 * misspelt --judge-model found by the preflight must not cost the run its
 * stories); one that did may not. */
static int check_models(struct loop *l)
{
	const struct options *o = l->run.opt;
	for (unsigned role = 1; role <= 2; role <<= 1) {
		if (!(o->models_changed & role))
			continue;
		long work = role == 1 ? resume_stories_seen(l->run.resume) :
					resume_verdicts_seen(l->run.resume);
		if (work)
			return aw_fail(l->err, sizeof l->err,
				       "option '--%s': the run in '%s' has %ld %s by its model already; "
				       "a resumed run cannot change it",
				       role == 1 ? "model" : "judge-model", o->resume_dir, work,
				       role == 1 ? "stories written" : "verdicts given");
	}
	return 0;
}

/* Everything before the first request: options, texts, the directory (a
 * new run's is only checked here: it is made once the preflight passed).
 * Returns 0, or an exit status (-1: --help was printed). */
static int prepare(struct loop *l, struct options *opt, int argc, char **argv)
{
	struct run *run = &l->run;
	run->journal.fd = -1; /* not 0: closing the journal must not close stdin */
	l->lock = -1;
	enum options_result pr = options_parse(opt, argc, argv);
	if (pr != OPTIONS_RUN)
		return pr == OPTIONS_EXIT ? -1 : AW_EXIT_USAGE;
	if (opt->resume_dir) {
		char *path = xasprintf("%s/%s", opt->resume_dir, CODEC_RUN);
		int missing = access(path, F_OK) < 0 && errno == ENOENT;
		free(path);
		if (missing) {
			cli_usage(&options_command, "'%s' holds no run to resume (no run.json)",
				  opt->resume_dir);
			return AW_EXIT_USAGE;
		}
		if (store_read_run(opt->resume_dir, &l->previous, l->err, sizeof l->err) < 0) {
			cli_usage(&options_command, "%s", l->err);
			l->err[0] = '\0';
			return AW_EXIT_USAGE;
		}
		l->resumed = 1;
		if (l->previous.command && strcmp(l->previous.command, "evolve") != 0) {
			cli_usage(&options_command, "'%s' holds a %s, not a run of evolve (continue "
				  "it with `alphawrite %s --resume %s`)", opt->resume_dir,
				  l->previous.command, l->previous.command, opt->resume_dir);
			return AW_EXIT_USAGE;
		}
		if (options_resume(opt, l->previous.settings) != OPTIONS_RUN)
			return AW_EXIT_USAGE;
	}
	run->opt = opt;
	run->started = aw_wall();
	rng_seed(&run->rng, opt->seed);
	if (opt->resume_dir) {
		char *inputs = xasprintf("%s/%s", opt->out_dir, CODEC_INPUTS);
		int rc = (opt->dry_run ? store_check(opt->out_dir, 1, l->err, sizeof l->err) :
			  (l->lock = store_prepare(opt->out_dir, 1, l->err, sizeof l->err))) < 0 ||
			 texts_load(&run->texts, opt, inputs, l->err, sizeof l->err) < 0 ||
			 texts_check_resumed(&run->texts, opt, l->err, sizeof l->err) < 0 ||
			 load_previous(l) < 0 || check_models(l) < 0;
		free(inputs);
		if (rc)
			return AW_EXIT_USAGE;
	} else if (texts_load(&run->texts, opt, NULL, l->err, sizeof l->err) < 0 ||
		   store_check(opt->out_dir, 0, l->err, sizeof l->err) < 0) {
		return AW_EXIT_USAGE;
	}
	run_setup_budget(run);
	return 0;
}

/* --dry-run: the plan on stdout, nothing sent, nothing written. */
static int dry_run(const struct loop *l)
{
	struct plan p;
	plan_make(l->run.opt, &l->run.texts, l->done, &p);
	cJSON *j = plan_json(&p);
	char *s = cJSON_Print(j);
	cJSON_Delete(j);
	if (!s)
		return AW_EXIT_FAILED;
	puts(s);
	cJSON_free(s);
	return AW_EXIT_OK;
}

/* The writer's and the judge's endpoint, as the options give them. */
static void specs(const struct options *o, struct endpoint_spec *w, struct endpoint_spec *j)
{
	*w = (struct endpoint_spec){ "writer", o->base_url, o->api_key,
				     (const char *const *)o->headers.v, o->headers.n,
				     o->extra_body, o->model, o->token_param };
	*j = (struct endpoint_spec){ "judge", o->judge_base_url, o->judge_api_key,
				     (const char *const *)(o->judge_base_url_arg ? o->judge_headers.v :
										    o->headers.v),
				     o->judge_base_url_arg ? o->judge_headers.n : o->headers.n,
				     o->judge_extra_body, o->judge_model, o->token_param };
}

/* The journal's first line: the run's id and seed (none for a run of an
 * older build, which had no id). */
static const struct journal_record *journal_header(const struct run *run,
						   struct journal_record *h)
{
	memset(h, 0, sizeof *h);
	h->type = CODEC_REC_RUN;
	snprintf(h->run_id, sizeof h->run_id, "%s", run->run_id);
	h->seed = run->opt->seed;
	return run->run_id[0] ? h : NULL;
}

/* A new run's directory, once the preflight passed: made, locked, and its
 * inputs/ written. */
static int take_directory(struct loop *l)
{
	struct run *run = &l->run;
	const char *dir = run->opt->out_dir;
	if ((l->lock = store_prepare(dir, 0, l->err, sizeof l->err)) < 0)
		return AW_EXIT_USAGE;
	aw_random_id(run->run_id, sizeof run->run_id);
	if (store_write_inputs(dir, &run->texts, l->err, sizeof l->err) < 0)
		return AW_EXIT_FAILED;
	return 0;
}

int evolve_main(int argc, char **argv)
{
	struct options opt;
	struct loop l;
	memset(&l, 0, sizeof l);
	struct run *run = &l.run;
	int status = prepare(&l, &opt, argc, argv);
	if (status != 0) {
		if (status > 0 && l.err[0])
			aw_error("%s", l.err);
		status = status < 0 ? AW_EXIT_OK : status;
		goto early;
	}
	if (opt.resume_dir && l.done > opt.generations &&
	    strcmp(l.previous.status, "complete") == 0) {
		if (!opt.quiet && !opt.dry_run)
			printf("alphawrite: the run in %s/ is complete (%d generation%s); nothing to do\n",
			       opt.out_dir, l.done, l.done == 1 ? "" : "s");
		if (opt.dry_run)
			status = dry_run(&l);
		goto early;
	}
	if (opt.dry_run) {
		status = dry_run(&l);
		goto early;
	}

	status = AW_EXIT_FAILED;
	if (learn_start(&l) < 0) {
		aw_error("%s", l.err);
		goto early;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct http_config hc;
	endpoint_config(&hc, &opt, &run->progress);
	struct endpoint_spec sp[2];
	specs(&opt, &sp[0], &sp[1]);
	struct journal_record header;
	/* A resumed run is listed in run.json (and its journal's torn line cut
	 * off, so that run.json counts what it holds) before it sends anything,
	 * the preflight included: a process that sent a request is on record,
	 * however it ends. */
	if (opt.resume_dir &&
	    (journal_open(&run->journal, opt.out_dir, journal_header(run, &header), l.err,
			  sizeof l.err) < 0 ||
	     write_run(&l, "running", NULL, l.err, sizeof l.err) < 0))
		goto out;
	/* The preflight, unless there is nothing left to ask (a resumed run
	 * that lacks only its best.txt). */
	if (!opt.no_preflight && l.done <= opt.generations &&
	    endpoint_preflight(&hc, sp, 2, &run->budget, &run->preflight_requests, l.err,
			       sizeof l.err) < 0) {
		status = interrupt_count ? AW_EXIT_INTERRUPTED : AW_EXIT_FAILED;
		if (status == AW_EXIT_FAILED && run->budget.why[0])
			snprintf(l.err, sizeof l.err, "%s: nothing more was sent; %s a higher cap",
				 run->budget.why, opt.resume_dir ? "continue with --resume and" : "give");
		else if (status == AW_EXIT_FAILED)
			snprintf(l.err + strlen(l.err), sizeof l.err - strlen(l.err),
				 " (checked before any work; --no-preflight skips the check)");
		if (opt.resume_dir) {
			char err2[1024];
			write_run(&l, status == AW_EXIT_FAILED ? "failed" : "interrupted",
				  status == AW_EXIT_FAILED ? l.err : NULL, err2, sizeof err2);
		}
		goto out;
	}
	if (!opt.resume_dir && (status = take_directory(&l)) != 0) {
		if (status == AW_EXIT_USAGE)
			aw_error("%s", l.err);
		goto early_http;
	}
	status = AW_EXIT_FAILED;
	run->http = endpoint_client(&hc, &sp[0], &sp[1], &run->judge_endpoint, l.err, sizeof l.err);
	if (!run->http)
		goto out;
	if (opt.min_words > 0)
		run->extender = extender_new(run);
	progress_init(&run->progress, opt.quiet, http_stats(run->http));
	/* A new run: run.json first, since a directory with a journal but no
	 * run.json would be neither resumable nor new; the journal's first
	 * line names the run. */
	if (!opt.resume_dir &&
	    (write_run(&l, "running", NULL, l.err, sizeof l.err) < 0 ||
	     journal_open(&run->journal, opt.out_dir, journal_header(run, &header), l.err,
			  sizeof l.err) < 0))
		goto out;

	status = 0;
	for (int g = l.done; status == 0 && g <= opt.generations; g++)
		status = generation(&l, g);
	/* What may still be out is only variants of stories that missed the
	 * top K: the run is complete, and http_free() drops them. */

	const char *state = status == 0 ? "complete" :
			    status == AW_EXIT_INTERRUPTED ? "interrupted" : "failed";
	if (status == 0 && store_write_best(opt.out_dir, l.pop.v[0], l.err, sizeof l.err) < 0)
		status = AW_EXIT_FAILED, state = "failed";
	if (status == 0)
		evolution(&l);
	char err2[1024];
	if (write_run(&l, state, status && status != AW_EXIT_INTERRUPTED ? l.err : NULL, err2,
		      sizeof err2) < 0 && status == 0) {
		snprintf(l.err, sizeof l.err, "%s", err2);
		status = AW_EXIT_FAILED;
	}
	if (status == AW_EXIT_INTERRUPTED)
		aw_error("interrupted; %d generation%s written to %s/ (continue with --resume %s)",
			 l.done, l.done == 1 ? "" : "s", opt.out_dir, opt.out_dir);
	else if (status == 0)
		summary(&l); /* the result: even with --quiet */
out:
	if (status == AW_EXIT_FAILED)
		aw_error("%s", l.err);
	else if (status == AW_EXIT_INTERRUPTED && !run->http)
		aw_error("interrupted before any work%s%s", opt.resume_dir ? "; continue with --resume " : "",
			 opt.resume_dir ? opt.out_dir : "");
early_http:
	http_free(run->http);
	extender_free(run->extender);
	curl_global_cleanup();
early:
	journal_close(&run->journal);
	resume_free(run->resume);
	run_report_release(&l.previous);
	population_free(&l.pop);
	for (size_t i = 0; i < l.nsets; i++)
		writer_free(l.sets[i]);
	free(l.sets);
	bt_ratings_free(&run->ratings);
	history_free(&l.hist);
	tpolicy_free(l.tp);
	texts_free(&run->texts);
	options_release(&opt);
	if (l.lock >= 0)
		close(l.lock);
	return status;
}
