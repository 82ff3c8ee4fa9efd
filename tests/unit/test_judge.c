/*
 * test_judge.c - the tournament (src/judge.c) with the endpoint replaced:
 * the unit binary is linked with -Wl,--wrap=llm_ask, and __wrap_llm_ask
 * below answers each judge request at once, as a judge that knows every
 * story's hidden quality (written into its text) would, or as a broken one.
 *
 * Each test runs a real tournament over a small population: the pairing,
 * the budget, the re-asks, the lost matches, the rounds, the ratings and
 * the reuse of a resumed run's verdicts.
 */
#include "unit.h"
#include "aw/bt.h"
#include "aw/judge.h"
#include "aw/llm.h"
#include "aw/options.h"
#include "aw/resume.h"
#include "aw/run.h"
#include "aw/store.h"
#include "aw/story.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ the judge */

enum judge_mode {
	JUDGE_REAL = -1,    /* the real llm_ask (other groups) */
	JUDGE_FAIR,         /* the better story wins */
	JUDGE_SLOW_TO_DECIDE, /* no verdict at first, a verdict when asked again */
	JUDGE_NEVER,        /* never a verdict */
	JUDGE_DOWN,         /* every request fails */
	JUDGE_FLAKY         /* the first request of each match fails */
};

static enum judge_mode mode = JUDGE_REAL;
static long calls;                 /* judge requests answered */
static void *failed_once[256];     /* JUDGE_FLAKY: matches whose first request failed */
static size_t nfailed_once;
static int max_depth, depth;       /* nesting of answers (they are synchronous) */

void __real_llm_ask(struct http *h, const struct llm_request *r, struct llm_usage *usage,
		    llm_text_fn on_text, llm_fail_fn on_fail, void *ctx);
void __wrap_llm_ask(struct http *h, const struct llm_request *r, struct llm_usage *usage,
		    llm_text_fn on_text, llm_fail_fn on_fail, void *ctx);

/* The hidden quality written into a story's text as "q=<number>". */
static double quality_at(const char *p)
{
	const char *q = strstr(p, "q=");
	return q ? strtod(q + 2, NULL) : 0;
}

void (*tu_llm_fake)(struct http *h, const struct llm_request *r, struct llm_usage *usage,
		    llm_text_fn on_text, llm_fail_fn on_fail, void *ctx);

void __wrap_llm_ask(struct http *h, const struct llm_request *r, struct llm_usage *usage,
		    llm_text_fn on_text, llm_fail_fn on_fail, void *ctx)
{
	if (tu_llm_fake) {
		tu_llm_fake(h, r, usage, on_text, on_fail, ctx);
		return;
	}
	if (mode == JUDGE_REAL) {
		__real_llm_ask(h, r, usage, on_text, on_fail, ctx);
		return;
	}
	calls++;
	if (r->sent)
		(*r->sent)++;
	if (++depth > max_depth)
		max_depth = depth;
	char why[128];
	struct llm_reply reply;
	memset(&reply, 0, sizeof reply);
	snprintf(reply.finish, sizeof reply.finish, "stop");
	int seen = 0;
	for (size_t k = 0; k < nfailed_once; k++)
		seen |= failed_once[k] == ctx;
	if (mode == JUDGE_DOWN || (mode == JUDGE_FLAKY && !seen && nfailed_once < 256)) {
		if (mode == JUDGE_FLAKY)
			failed_once[nfailed_once++] = ctx;
		on_fail(ctx, "HTTP 503: Loading model (gave up after 6 attempts)");
		depth--;
		return;
	}
	const char *prompt = r->msg[0].content;
	const char *a = strstr(prompt, "STORY A"), *b = strstr(prompt, "STORY B");
	int decide = mode == JUDGE_FAIR || mode == JUDGE_FLAKY ||
		     (mode == JUDGE_SLOW_TO_DECIDE && r->nmsg > 1);
	char text[256];
	int better = a && b && quality_at(a) > quality_at(b);
	if (decide && r->nmsg > 1) /* a follow-up: the verdict alone */
		snprintf(text, sizeof text, "{\"winner\": \"%s\"}", better ? "A" : "B");
	else if (decide && a && b)
		snprintf(text, sizeof text, "A is %s.\n{\"winner\": \"%s\"}",
			 quality_at(a) > quality_at(b) ? "better" : "worse",
			 quality_at(a) > quality_at(b) ? "A" : "B");
	else
		snprintf(text, sizeof text, "Both stories have merits.");
	reply.content = text;
	on_text(ctx, &reply, why, sizeof why);
	depth--;
}

/* ------------------------------------------------------------- a run */

struct fixture {
	struct options opt;
	struct run run;
	struct population pop;
	char *dir;
};

static struct fixture *setup(int n, const char *const *extra, int nextra)
{
	struct fixture *f = calloc(1, sizeof *f);
	const char *args[32] = { "evolve", "--model", "m", "--out", "unused", "--seed", "5",
				 "--quiet" };
	int argc = 8;
	for (int i = 0; i < nextra; i++)
		args[argc++] = extra[i];
	assert_int_equal(options_parse(&f->opt, argc, (char **)args), OPTIONS_RUN);
	struct run *run = &f->run;
	run->opt = &f->opt;
	run->journal.fd = -1;
	run->texts.prompt = strdup("Write about a lighthouse.");
	run->texts.rubric = strdup("Judge the craft.");
	run->texts.judge = strdup("{{prompt}}\n{{rubric}}\n{{story_a}}\n{{story_b}}\n");
	run->texts.reask = strdup("Answer with the JSON verdict only.");
	rng_seed(&run->rng, 5);
	struct http_config cfg = { 0 };
	char err[256];
	cfg.url = "http://127.0.0.1:9/v1/chat/completions";
	cfg.concurrency = f->opt.concurrency;
	cfg.timeout = 10;
	cfg.wake_fd = -1;
	run->http = http_new(&cfg, err, sizeof err);
	assert_non_null(run->http);
	progress_init(&run->progress, 1, http_stats(run->http));
	for (int i = 0; i < n; i++) {
		struct story *s = story_new();
		char text[64];
		s->id = malloc(16);
		snprintf(s->id, 16, "g0-%03d", i + 1);
		/* quality rises with the number: g0-00n is the n-th worst */
		snprintf(text, sizeof text, "Story %d. q=%d.0", i + 1, i + 1);
		s->text = strdup(text);
		s->words = 3;
		population_add(&f->pop, s);
	}
	calls = 0;
	max_depth = depth = 0;
	nfailed_once = 0;
	return f;
}

static void teardown(struct fixture *f)
{
	mode = JUDGE_REAL;
	population_free(&f->pop);
	http_free(f->run.http);
	bt_ratings_free(&f->run.ratings);
	resume_free(f->run.resume);
	texts_free(&f->run.texts);
	options_release(&f->opt);
	free(f);
}

static enum http_result tournament(struct fixture *f, struct match_list *ml,
				   struct population *failed, struct judging *sum)
{
	struct tourney *t = judge_new(&f->run, 0, &f->pop, ml, NULL);
	enum http_result res = judge_run(t);
	judge_end(t, res, failed, sum);
	return res;
}

/* A fair judge: the budget is kept, every verdict counts, and the ranking
 * finds the best stories. */
static void test_fair_judge(void **state)
{
	(void)state;
	const char *extra[] = { "--judge-budget", "8", "--top", "3", "--no-early-stop" };
	struct fixture *f = setup(12, extra, 5);
	struct match_list ml = { 0 };
	struct population failed = { 0 };
	struct judging sum;
	mode = JUDGE_FAIR;
	assert_int_equal(tournament(f, &ml, &failed, &sum), HTTP_DONE);
	assert_int_equal((int)ml.n, 8 * 12 / 2);
	assert_int_equal((int)sum.matches, (int)ml.n);
	assert_int_equal((int)sum.calls, (int)calls);
	assert_int_equal((int)calls, (int)ml.n);
	assert_string_equal(sum.stop, "budget");
	assert_int_equal((int)failed.n, 0);
	for (size_t k = 0; k < ml.n; k++) {
		const struct match *m = ml.v[k];
		assert_true(m->winner == 'A' || m->winner == 'B');
		assert_int_equal(m->asks, 1);
		assert_int_equal(m->round, 0);
		assert_int_equal(m->gen, 0);
		assert_true(strcmp(m->a, m->b) != 0);
	}
	/* ranked best first, the best three found */
	assert_int_equal(f->pop.v[0]->rank, 1);
	for (size_t i = 0; i < 3; i++) {
		int num = atoi(f->pop.v[i]->id + 3);
		if (num < 10)
			fail_msg("rank %zu is %s, expected one of the best three", i + 1,
				 f->pop.v[i]->id);
	}
	for (size_t i = 1; i < f->pop.n; i++)
		assert_true(f->pop.v[i - 1]->rating >= f->pop.v[i]->rating);
	assert_true(f->pop.v[0]->rated && f->pop.v[0]->rating_lo < f->pop.v[0]->rating &&
		    f->pop.v[0]->rating < f->pop.v[0]->rating_hi);
	match_list_free(&ml);
	population_free(&failed);
	teardown(f);
}

/* A reply without a verdict is asked again in the same conversation, up to
 * JUDGE_ASKS requests; a judge that never decides leaves matches without a
 * winner, which count for neither story. */
static void test_reasks(void **state)
{
	(void)state;
	const char *extra[] = { "--judge-budget", "2", "--no-early-stop" };
	struct fixture *f = setup(6, extra, 3);
	struct match_list ml = { 0 };
	struct population failed = { 0 };
	struct judging sum;
	mode = JUDGE_SLOW_TO_DECIDE;
	assert_int_equal(tournament(f, &ml, &failed, &sum), HTTP_DONE);
	assert_int_equal((int)ml.n, 6);
	assert_int_equal((int)calls, 12);
	assert_int_equal((int)f->run.reasks, 6);
	for (size_t k = 0; k < ml.n; k++) {
		assert_int_equal(ml.v[k]->asks, 2);
		assert_true(ml.v[k]->winner != 0);
		/* the reasoning of the first reply is kept */
		assert_string_equal(ml.v[k]->reason, "Both stories have merits.");
	}
	match_list_free(&ml);
	population_free(&failed);
	teardown(f);

	f = setup(6, extra, 3);
	mode = JUDGE_NEVER;
	assert_int_equal(tournament(f, &ml, &failed, &sum), HTTP_DONE);
	assert_int_equal((int)calls, (int)ml.n * JUDGE_ASKS);
	for (size_t k = 0; k < ml.n; k++) {
		assert_int_equal(ml.v[k]->winner, 0);
		assert_string_equal(ml.v[k]->error, "no verdict in 3 judge replies");
	}
	/* counted when the generation file is written (evolve), not here: a
	 * match asked again after a resume may still be decided */
	assert_int_equal((int)f->run.lost_matches, 0);
	assert_int_equal((int)f->run.ratings.m, 0); /* no verdict reached the fit */
	match_list_free(&ml);
	population_free(&failed);
	teardown(f);
}

/* A match whose request failed is not a verdict: it is asked again later
 * (JUDGE_LOST_ASKS times, with the same seed), and recorded as lost only
 * when every try failed; lost matches are counted, not given to the fit. */
static void test_lost_matches(void **state)
{
	(void)state;
	const char *extra[] = { "--judge-budget", "4", "--no-early-stop" };
	struct fixture *f = setup(6, extra, 3);
	struct match_list ml = { 0 };
	struct population failed = { 0 };
	struct judging sum;
	mode = JUDGE_FLAKY;
	assert_int_equal(tournament(f, &ml, &failed, &sum), HTTP_DONE);
	assert_int_equal((int)ml.n, 12);
	assert_int_equal((int)sum.lost, 0);
	for (size_t k = 0; k < ml.n; k++) {
		assert_true(ml.v[k]->winner != 0);
		assert_false(ml.v[k]->lost);
		assert_null(ml.v[k]->error); /* the failure is forgotten once answered */
		assert_int_equal(ml.v[k]->asks, 2);
	}
	assert_int_equal((int)f->run.ratings.m, 12);
	match_list_free(&ml);
	population_free(&failed);
	teardown(f);

	f = setup(6, extra, 3);
	mode = JUDGE_DOWN;
	assert_int_equal(tournament(f, &ml, &failed, &sum), HTTP_DONE);
	assert_int_equal((int)ml.n, 12);
	assert_int_equal((int)sum.lost, 12);
	assert_int_equal((int)calls, 12 * (1 + JUDGE_LOST_ASKS));
	for (size_t k = 0; k < ml.n; k++) {
		assert_true(ml.v[k]->lost);
		assert_int_equal(ml.v[k]->winner, 0);
		assert_true(tu_contains(ml.v[k]->error, "judge request failed: HTTP 503"));
	}
	assert_int_equal((int)f->run.judge_lost, 12);
	assert_int_equal((int)f->run.ratings.m, 0);
	match_list_free(&ml);
	population_free(&failed);
	teardown(f);
}

/* The rounds scheme: exactly R rounds, every story once per round. */
static void test_rounds(void **state)
{
	(void)state;
	const char *extra[] = { "--rounds", "3", "--pairing", "random" };
	struct fixture *f = setup(8, extra, 4);
	struct match_list ml = { 0 };
	struct population failed = { 0 };
	struct judging sum;
	mode = JUDGE_FAIR;
	assert_int_equal(tournament(f, &ml, &failed, &sum), HTTP_DONE);
	assert_int_equal((int)ml.n, 12);
	assert_string_equal(sum.stop, "rounds");
	for (int round = 1; round <= 3; round++) {
		int seen[8] = { 0 };
		for (size_t k = 0; k < ml.n; k++) {
			if (ml.v[k]->round != round)
				continue;
			seen[atoi(ml.v[k]->a + 3) - 1]++;
			seen[atoi(ml.v[k]->b + 3) - 1]++;
		}
		for (int i = 0; i < 8; i++)
			assert_int_equal(seen[i], 1);
	}
	match_list_free(&ml);
	population_free(&failed);
	teardown(f);
}

/* A resumed run takes the verdicts its journal holds for the generation,
 * asks for none of them again, and asks for the rest. */
static void test_resumed_verdicts(void **state)
{
	const char *dir = *state;
	const char *extra[] = { "--judge-budget", "4", "--no-early-stop" };
	struct fixture *f = setup(6, extra, 3);
	char err[512];
	struct journal j;
	assert_int_equal(journal_open(&j, dir, NULL, err, sizeof err), 0);
	for (int k = 0; k < 5; k++) {
		struct match *m = match_new();
		m->a = malloc(16);
		m->b = malloc(16);
		snprintf(m->a, 16, "g0-%03d", k + 1);
		snprintf(m->b, 16, "g0-%03d", k + 2);
		m->winner = 'B';
		m->asks = 2;
		assert_int_equal(tu_journal_match(&j, m), 0);
		match_free(m);
	}
	journal_close(&j);
	struct population none = { 0 };
	int done;
	struct run_report prev = { 0 };
	f->run.resume = resume_open(dir, &prev, &f->run.ratings, &none, &done, err, sizeof err);
	assert_non_null(f->run.resume);
	assert_int_equal(done, 0);

	struct match_list ml = { 0 };
	struct population failed = { 0 };
	struct judging sum;
	mode = JUDGE_FAIR;
	assert_int_equal(tournament(f, &ml, &failed, &sum), HTTP_DONE);
	assert_int_equal((int)ml.n, 12);
	assert_int_equal((int)resume_reused_matches(f->run.resume), 5);
	assert_int_equal((int)calls, 12 - 5);
	/* the reused verdicts come first, as journaled; their calls count */
	for (int k = 0; k < 5; k++) {
		assert_int_equal(ml.v[k]->winner, 'B');
		assert_int_equal(ml.v[k]->asks, 2);
	}
	assert_int_equal((int)sum.calls, 5 * 2 + 7);
	match_list_free(&ml);
	population_free(&failed);
	population_free(&none);
	teardown(f);
}

int run_judge_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fair_judge),
		cmocka_unit_test(test_reasks),
		cmocka_unit_test(test_lost_matches),
		cmocka_unit_test(test_rounds),
		cmocka_unit_test_setup_teardown(test_resumed_verdicts, tu_setup_dir, tu_teardown_dir),
	};
	return cmocka_run_group_tests_name("judge", tests, NULL, NULL);
}
