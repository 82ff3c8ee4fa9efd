/*
 * test_extender.c - lengthening a story (src/extender.c) with the endpoint
 * replaced by a fake model (tu_llm_fake, see unit.h) that answers at once,
 * writes at most `cap` words a reply whatever it is asked, and can be made
 * to misbehave: a preamble line, a continuation cut mid-sentence, replies
 * far too short, or silence from some request on (a kill).
 *
 * Its replies are a function of the request alone (its seed and prompt), so
 * a resumed extension can be compared with one never interrupted.  Fresh
 * words are made from the seed and a counter, so no 10 of them repeat.
 */
#include "unit.h"
#include "aw/codec.h"
#include "aw/extender.h"
#include "aw/journal.h"
#include "aw/lengthen.h"
#include "aw/options.h"
#include "aw/resume.h"
#include "aw/run.h"
#include "aw/story.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ the model */

static struct {
	long cap;          /* most words of one reply */
	int calls;         /* requests answered (or swallowed) */
	int silent_from;   /* > 0: request number silent_from and later get no
			    * answer at all, as when the run is killed */
	int meta;          /* every reply opens with "Here is ...:" */
	int noend_first;   /* the first continuation stops mid-sentence */
	int short_always;  /* every reply is a tenth of what was asked */
	int continues;     /* continuation requests seen */
} fake;

/* n fresh words, in sentences of 8, the last one ended. */
static void fresh_words(char *out, size_t size, unsigned long seed, long n)
{
	size_t len = strlen(out);
	for (long i = 0; i < n && len + 32 < size; i++) {
		int end = i % 8 == 7 || i == n - 1;
		len += (size_t)snprintf(out + len, size - len, "%sw%lux%ld%s", i ? " " : "", seed % 100000,
					i, end ? "." : "");
	}
}

/* The first number followed by " words" in p. */
static long asked_words(const char *p)
{
	for (const char *q = strstr(p, " words"); q; q = strstr(q + 1, " words")) {
		const char *b = q;
		while (b > p && b[-1] >= '0' && b[-1] <= '9')
			b--;
		if (b < q)
			return strtol(b, NULL, 10);
	}
	return 100;
}

/* The text of the fence named name ("<<<NAME tag>>>" ... "<<<END NAME"). */
static char *fenced(const char *p, const char *name)
{
	char open[64], close[64];
	snprintf(open, sizeof open, "<<<%s ", name);
	snprintf(close, sizeof close, "\n<<<END %s ", name);
	const char *a = strstr(p, open);
	assert_non_null(a);
	a = strstr(a, ">>>\n") + 4;
	const char *b = strstr(a, close);
	assert_non_null(b);
	char *t = malloc((size_t)(b - a) + 1);
	memcpy(t, a, (size_t)(b - a));
	t[b - a] = '\0';
	return t;
}

static void fake_ask(struct http *h, const struct llm_request *r, struct llm_usage *usage,
		     llm_text_fn on_text, llm_fail_fn on_fail, void *ctx)
{
	(void)h;
	(void)usage;
	(void)on_fail;
	fake.calls++;
	if (fake.silent_from && fake.calls >= fake.silent_from)
		return;
	const char *p = r->msg[0].content;
	long n = asked_words(p);
	if (n > fake.cap)
		n = fake.cap;
	if (fake.short_always)
		n /= 10;
	static char text[200000];
	text[0] = '\0';
	if (fake.meta)
		strcat(text, "Here is the next part of the story:\n\n");
	if (strstr(p, "Expand the opening")) {
		char *opening = fenced(p, "OPENING");
		long have = text_count_words(opening);
		if (!fake.short_always) {
			strcat(text, opening);
			strcat(text, "\n\n");
		}
		fresh_words(text, sizeof text, (unsigned long)r->seed, n > have ? n - have : 1);
		free(opening);
	} else {
		assert_non_null(strstr(p, "Continue the story from where it ends"));
		fresh_words(text, sizeof text, (unsigned long)r->seed, n);
		if (fake.noend_first && fake.continues++ == 0)
			text[strlen(text) - 1] = '\0'; /* no full stop */
	}
	struct llm_reply reply;
	char why[64];
	memset(&reply, 0, sizeof reply);
	snprintf(reply.finish, sizeof reply.finish, "stop");
	reply.content = text;
	on_text(ctx, &reply, why, sizeof why);
}

/* ------------------------------------------------------------- a run */

struct fixture {
	struct options opt;
	struct run run;
	struct story *s;
	int done;             /* times the done callback ran */
};

static void on_done(void *ctx, struct story *s)
{
	struct fixture *f = ctx;
	assert_ptr_equal(s, f->s);
	f->done++;
}

/* A run lengthening to 1000..1400 words, journaled in dir (or not). */
static struct fixture *setup(const char *dir)
{
	struct fixture *f = calloc(1, sizeof *f);
	const char *args[] = { "evolve", "--model", "m", "--out", "unused", "--seed", "5", "--quiet",
			       "--min-words", "1000", "--max-words", "1400" };
	assert_int_equal(options_parse(&f->opt, (int)(sizeof args / sizeof args[0]), (char **)args),
			 OPTIONS_RUN);
	struct run *run = &f->run;
	char err[256];
	run->opt = &f->opt;
	run->journal.fd = -1;
	run->texts.prompt = strdup("Write about a lighthouse.");
	run->texts.expand = strdup("Expand the opening to about {{words}} words.\n{{prompt}}\n"
				   "{{story}}\n{{opening}}\n");
	run->texts.cont = strdup("Continue the story from where it ends, about {{words}} words."
				 "{{#ending}} End it.{{/ending}}\n{{prompt}}\n{{story}}\n{{so_far}}\n");
	struct http_config cfg = { 0 };
	cfg.url = "http://127.0.0.1:9/v1/chat/completions";
	cfg.concurrency = 4;
	cfg.timeout = 10;
	cfg.wake_fd = -1;
	run->http = http_new(&cfg, err, sizeof err);
	assert_non_null(run->http);
	if (dir)
		assert_int_equal(journal_open(&run->journal, dir, NULL, err, sizeof err), 0);
	run->extender = extender_new(run);
	f->s = story_new();
	f->s->id = strdup("g0-001");
	f->s->temperature = 1.0;
	memset(&fake, 0, sizeof fake);
	fake.cap = 400;
	tu_llm_fake = fake_ask;
	return f;
}

static void teardown(struct fixture *f)
{
	tu_llm_fake = NULL;
	extender_free(f->run.extender);
	http_free(f->run.http);
	journal_close(&f->run.journal);
	resume_free(f->run.resume);
	texts_free(&f->run.texts);
	options_release(&f->opt);
	story_free(f->s);
	free(f);
}

/* A draft of n words in paragraphs of 50, with a title. */
static char *draft(long n)
{
	static char text[100000];
	snprintf(text, sizeof text, "The Lamp\n\n");
	for (long i = 0; i < n; i++) {
		size_t len = strlen(text);
		snprintf(text + len, sizeof text - len, "%sd%ld%s", i % 50 == 0 && i ? "\n\n" : i ? " " : "",
			 i, i % 10 == 9 || i == n - 1 ? "." : "");
	}
	return text;
}

static long journaled(const char *dir, int stage)
{
	struct journal_data d;
	char err[256];
	long n = 0;
	assert_int_equal(journal_load(dir, 0, &d, err, sizeof err), 0);
	for (size_t i = 0; i < d.nparts; i++)
		n += d.parts[i]->stage == stage;
	journal_data_free(&d);
	return n;
}

/* ---------------------------------------------------------------- pure */

static void test_goal_and_plan(void **state)
{
	(void)state;
	int last;
	assert_int_equal(extender_goal(1500, 2000), 1750);
	assert_int_equal(extender_goal(1000, 1100), 1050);
	assert_int_equal(extender_goal(1000, 5000), 1250); /* 1.25 N at most */
	assert_int_equal(extender_goal(1000, 1001), 1000);
	/* 1283 words to go, 700 a reply: two parts of 642 */
	assert_int_equal(extender_plan(1750, 467, 700, 1, &last), 642);
	assert_false(last);
	assert_int_equal(extender_plan(1750, 1109, 700, 2, &last), 641);
	assert_true(last);
	/* already there: a short ending all the same */
	assert_int_equal(extender_plan(1750, 1800, 700, 1, &last), EXTEND_MIN_PART);
	assert_true(last);
	/* the last part allowed ends the story */
	assert_int_equal(extender_plan(5000, 100, 200, EXTEND_MAX_PARTS, &last), 4900);
	assert_true(last);
}

static void test_keep(void **state)
{
	(void)state;
	/* 6 paragraphs of 50 words: two thirds is 4 of them, cut at the
	 * paragraph end */
	char *t = strdup(draft(300)), *k = extender_keep(t, 2.0 / 3.0);
	long w = text_count_words(k);
	assert_int_equal(w, 2 + 200); /* the title's two words and 200 */
	assert_true(k[strlen(k) - 1] == '.');
	assert_true(strncmp(k, t, strlen(k)) == 0);
	free(k);
	/* one paragraph: at a sentence end near the share */
	char one[400] = "";
	for (int i = 0; i < 30; i++)
		strcat(one, i % 5 == 4 ? "word. " : "word ");
	k = extender_keep(one, 0.5);
	assert_int_equal(text_count_words(k), 15);
	assert_true(k[strlen(k) - 1] == '.');
	free(k);
	free(t);
}

/* ---------------------------------------------------------- the rounds */

static void test_lengthens_into_range(void **state)
{
	const char *dir = *state;
	struct fixture *f = setup(dir);
	extender_start(f->run.extender, f->s, "g0-001", draft(300), on_done, f);
	assert_int_equal(f->done, 1);
	assert_null(f->s->error);
	assert_non_null(f->s->text);
	assert_true(f->s->words >= 1000 && f->s->words <= 1400);
	assert_int_equal(f->s->words, text_count_words(f->s->text));
	assert_true(f->s->extensions >= 1);
	assert_true(lengthen_ends_terminal(f->s->text));
	assert_false(lengthen_repeats(f->s->text, 10));
	/* it opens as the draft did */
	assert_true(strncmp(f->s->text, "The Lamp\n\nd0 d1", 15) == 0);
	/* no reply was ever asked for more than a reply holds */
	assert_int_equal((int)f->run.ext.requests, fake.calls);
	for (int r = 0; r < 5; r++)
		assert_int_equal((int)f->run.ext.rejected[r], 0);
	/* every reply journaled, and the draft */
	assert_int_equal((int)journaled(dir, EXT_DRAFT), 1);
	assert_int_equal((int)(journaled(dir, EXT_EXPAND) + journaled(dir, EXT_CONTINUE)), fake.calls);
	assert_int_equal((int)journaled(dir, EXT_EXPAND), f->s->extensions);
	teardown(f);
}

/* A preamble is cut off and counted; a continuation with no ending is
 * asked again; the story still lands in range. */
static void test_filters(void **state)
{
	(void)state;
	struct fixture *f = setup(NULL);
	fake.meta = 1;
	fake.noend_first = 1;
	extender_start(f->run.extender, f->s, "g0-001", draft(300), on_done, f);
	assert_int_equal(f->done, 1);
	assert_null(f->s->error);
	assert_true(f->s->words >= 1000 && f->s->words <= 1400);
	assert_null(strstr(f->s->text, "Here is"));
	assert_int_equal((int)f->run.ext.stripped, fake.calls);
	assert_int_equal((int)f->run.ext.rejected[LENGTHEN_NO_ENDING], 1);
	assert_int_equal((int)f->run.ext.requests, fake.calls);
	teardown(f);
}

/* A model that always stops far short: each request is asked EXTEND_ASKS
 * times, each round tried EXTEND_ROUND_TRIES times, and then the story
 * fails - it is never kept shorter than asked. */
static void test_fails_when_it_cannot_grow(void **state)
{
	(void)state;
	struct fixture *f = setup(NULL);
	fake.short_always = 1;
	extender_start(f->run.extender, f->s, "g0-001", draft(300), on_done, f);
	assert_int_equal(f->done, 1);
	assert_null(f->s->text);
	assert_non_null(f->s->error);
	assert_true(tu_contains(f->s->error, "too_short"));
	assert_int_equal(fake.calls, EXTEND_ASKS * EXTEND_ROUND_TRIES);
	assert_int_equal((int)f->run.ext.rejected[LENGTHEN_TOO_SHORT], fake.calls);
	assert_int_equal((int)f->run.ext.retried_rounds, EXTEND_ROUND_TRIES - 1);
	assert_int_equal((int)f->run.ext.failed, 1);
	teardown(f);
}

/* Killed with its third request in flight, then resumed: the journaled
 * replies are taken again, only the rest is asked for, and the story is
 * the one an uninterrupted run writes. */
static void test_resume_pays_nothing_twice(void **state)
{
	const char *dir = *state;
	char *whole = tu_tempdir(), err[256];
	struct fixture *f = setup(whole);
	extender_start(f->run.extender, f->s, "g0-001", draft(300), on_done, f);
	assert_int_equal(f->done, 1);
	char *want = strdup(f->s->text);
	int total = fake.calls, rounds = f->s->extensions;
	teardown(f);
	tu_rmtree(whole);
	free(whole);
	assert_true(total >= 3);

	f = setup(dir);
	fake.silent_from = 3;
	extender_start(f->run.extender, f->s, "g0-001", draft(300), on_done, f);
	assert_int_equal(f->done, 0);
	assert_null(f->s->text); /* nothing judges a story still growing */
	teardown(f);

	f = setup(NULL);
	struct bt_ratings fit = { 0 };
	struct population none = { 0 };
	int done;
	struct run_report rr;
	memset(&rr, 0, sizeof rr);
	rr.seed = 5;
	f->run.resume = resume_open(dir, &rr, &fit, &none, &done, err, sizeof err);
	assert_non_null(f->run.resume);
	assert_int_equal(journal_open(&f->run.journal, dir, NULL, err, sizeof err), 0);
	assert_true(extender_resume(f->run.extender, f->s, "g0-001", on_done, f));
	assert_int_equal(f->done, 1);
	assert_string_equal(f->s->text, want);
	assert_int_equal(f->s->extensions, rounds);
	/* the draft and two replies taken; the third asked again */
	assert_int_equal((int)resume_reused_parts(f->run.resume), 3);
	assert_int_equal(fake.calls, total - 2);
	assert_int_equal((int)f->run.ext.requests, total - 2);
	/* a story the journal does not hold is not resumed */
	struct story *other = story_new();
	other->id = strdup("g0-002");
	assert_false(extender_resume(f->run.extender, other, "g0-002", on_done, f));
	story_free(other);
	bt_ratings_free(&fit);
	population_free(&none);
	free(want);
	teardown(f);
}

int run_extender_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_goal_and_plan),
		cmocka_unit_test(test_keep),
		cmocka_unit_test_setup_teardown(test_lengthens_into_range, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_fails_when_it_cannot_grow),
		cmocka_unit_test_setup_teardown(test_resume_pays_nothing_twice, tu_setup_dir,
						tu_teardown_dir),
	};
	return cmocka_run_group_tests_name("extender", tests, NULL, NULL);
}
