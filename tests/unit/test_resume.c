/*
 * test_resume.c - what a resumed run takes again (src/resume.c): finished
 * generations back into the fit in the order first registered, journaled
 * stories by identity, journaled verdicts only between stories it can be
 * sure of.
 */
#include "unit.h"
#include "aw/bt.h"
#include "aw/codec.h"
#include "aw/journal.h"
#include "aw/resume.h"
#include "aw/store.h"
#include "aw/story.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void unlink_journal(const char *dir)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, CODEC_JOURNAL);
	unlink(path);
}

static struct story *mk(const char *id, int born, const char *parent, int variant,
			const char *text)
{
	struct story *s = story_new();
	s->id = id ? strdup(id) : NULL;
	s->born = born;
	s->parent_id = parent ? strdup(parent) : NULL;
	s->variant = variant;
	s->style = strdup("s");
	s->theme = strdup("t");
	s->text = text ? strdup(text) : NULL;
	s->words = text ? text_count_words(text) : 0;
	return s;
}

/* A run directory that finished generation 0 and was killed in generation
 * 1, which had two variants of g0-002 written (one taken as g1-001 before
 * the kill, one numbered g1-005 by an older build) and one of g0-009. */
static void make_run(const char *dir)
{
	char err[512] = "";
	struct generation g = { 0 };
	g.has_judging = 1;
	g.judging.stop = "budget";
	population_add(&g.stories, mk("g0-002", 0, NULL, 0, "two"));
	population_add(&g.stories, mk("g0-003", 0, NULL, 0, "three"));
	population_add(&g.stories, mk("g0-001", 0, NULL, 0, "one"));
	g.stories.v[0]->rank = 1;
	struct story *lost = mk("g0-004", 0, NULL, 0, NULL);
	lost->error = strdup("HTTP 500");
	population_add(&g.failed, lost);
	match_list_add(&g.matches, tu_match(0, "g0-001", "g0-002", 'B'));
	match_list_add(&g.matches, tu_match(0, "g0-003", "g0-001", 'A'));
	assert_int_equal(store_write_generation(dir, &g, err, sizeof err), 0);
	generation_release(&g);

	struct journal j;
	assert_int_equal(journal_open(&j, dir, NULL, err, sizeof err), 0);
	struct story *v1 = mk(NULL, 1, "g0-002", 1, "two, again");
	struct story *v2 = mk("g1-005", 1, "g0-002", 2, "two, once more");
	struct story *v3 = mk(NULL, 1, "g0-009", 1, "nine");
	struct story *early = mk(NULL, 2, "g1-001", 1, "next generation");
	struct match *m1 = tu_match(1, "g1-001", "g0-002", 'A');
	struct match *m2 = tu_match(1, "g1-005", "g0-001", 'B');
	struct match *m3 = tu_match(1, "g0-003", "g0-001", 0);
	m3->error = strdup("no verdict in 3 judge replies");
	assert_int_equal(tu_journal_story(&j, v1), 0);
	assert_int_equal(tu_journal_story(&j, v2), 0);
	assert_int_equal(tu_journal_story(&j, v3), 0);
	assert_int_equal(tu_journal_story(&j, early), 0);
	assert_int_equal(tu_journal_match(&j, m1), 0);
	assert_int_equal(tu_journal_match(&j, m2), 0);
	assert_int_equal(tu_journal_match(&j, m3), 0);
	journal_close(&j);
	story_free(v1);
	story_free(v2);
	story_free(v3);
	story_free(early);
	match_free(m1);
	match_free(m2);
	match_free(m3);
}

/* The run.json of a run written before run ids: none, and no journal
 * offset. */
static const struct run_report old_run;

/* The finished generation comes back ranked, and its stories enter the fit
 * in the order of their ids (the order the run first registered them),
 * with their verdicts. */
static void test_open(void **state)
{
	const char *dir = *state;
	char err[512] = "";
	struct bt_ratings fit = { 0 };
	struct population last = { 0 };
	int done = -1;
	make_run(dir);
	struct resume *r = resume_open(dir, &old_run, &fit, &last, &done, err, sizeof err);
	assert_non_null(r);
	assert_int_equal(done, 1);
	assert_int_equal(resume_from(r), 1);
	assert_int_equal((int)last.n, 3);
	assert_string_equal(last.v[0]->id, "g0-002");
	assert_int_equal((int)fit.n, 4);
	assert_string_equal(fit.ids[0], "g0-001");
	assert_string_equal(fit.ids[1], "g0-002");
	assert_string_equal(fit.ids[3], "g0-004");
	assert_int_equal((int)fit.m, 2);
	/* g0-002 beat g0-001, which beat... no: g0-003 beat g0-001 */
	assert_true(fit.theta[1] > fit.theta[0]);
	resume_free(r);
	population_free(&last);
	bt_ratings_free(&fit);

	/* a generation file that cannot be read stops it, naming the file */
	free(tu_write_str(dir, "gen-000.json", "{\"generation\": 0}"));
	done = -1;
	r = resume_open(dir, &old_run, &fit, &last, &done, err, sizeof err);
	assert_null(r);
	assert_true(tu_contains(err, "gen-000.json"));
	population_free(&last);
	bt_ratings_free(&fit);
}

/* Stories are known by id (generation 0) or by generation, parent and
 * number (variants), each taken once. */
static void test_take_story(void **state)
{
	const char *dir = *state;
	char err[512] = "";
	struct bt_ratings fit = { 0 };
	struct population last = { 0 };
	int done;
	make_run(dir);
	struct resume *r = resume_open(dir, &old_run, &fit, &last, &done, err, sizeof err);
	assert_non_null(r);

	char *jid = NULL;
	struct story *a = mk("g0-001", 0, NULL, 0, NULL);
	assert_int_equal(resume_take_story(r, a, &jid), 0); /* not journaled */
	struct story *v1 = mk(NULL, 1, "g0-002", 1, NULL);
	assert_int_equal(resume_take_story(r, v1, &jid), 1);
	assert_null(jid);
	assert_string_equal(v1->text, "two, again");
	assert_int_equal((int)v1->words, 2);
	assert_int_equal(resume_take_story(r, v1, &jid), 0); /* once */
	struct story *v2 = mk(NULL, 1, "g0-002", 2, NULL);
	assert_int_equal(resume_take_story(r, v2, &jid), 1);
	assert_string_equal(jid, "g1-005");
	free(jid);
	struct story *v3 = mk(NULL, 1, "g0-002", 3, NULL);
	assert_int_equal(resume_take_story(r, v3, &jid), 0);
	struct story *other_gen = mk(NULL, 2, "g0-002", 1, NULL);
	assert_int_equal(resume_take_story(r, other_gen, &jid), 0);

	/* generation 1 was the one it was in: it counted its own early
	 * variants; generation 2's, never asked for again, are counted now */
	assert_int_equal((int)resume_untaken_variants(r, 1), 0);
	assert_int_equal((int)resume_untaken_variants(r, 2), 1);
	story_free(a);
	story_free(v1);
	story_free(v2);
	story_free(v3);
	story_free(other_gen);
	resume_free(r);
	population_free(&last);
	bt_ratings_free(&fit);
}

/* A verdict on a variant of its generation is taken only once that
 * variant's journal id is mapped to its id now, so that it reaches the
 * right story; a verdict on stories of earlier generations is taken as it
 * is; each at most once. */
static void test_take_verdict(void **state)
{
	const char *dir = *state;
	char err[512] = "";
	struct bt_ratings fit = { 0 };
	struct population last = { 0 };
	int done;
	make_run(dir);
	struct resume *r = resume_open(dir, &old_run, &fit, &last, &done, err, sizeof err);
	assert_non_null(r);

	long k = resume_find_verdict(r, 1, 0, NULL, NULL, 0);
	assert_int_equal((int)k, 0);
	assert_string_equal(resume_verdict(r, (size_t)k)->a, "g1-001");
	struct match got = { 0 };
	assert_int_equal(resume_take_verdict(r, (size_t)k, 1, &got), 0); /* not mapped yet */
	assert_int_equal(got.winner, 0);

	/* the variant written before it was taken was judged as g1-001 */
	struct story *v1 = mk("g1-001", 1, "g0-002", 1, "x");
	resume_keep_story(r, v1, NULL);
	assert_int_equal(resume_take_verdict(r, (size_t)k, 1, &got), 1);
	assert_int_equal(got.winner, 'A');
	assert_int_equal(got.asks, 1);
	assert_int_equal(resume_take_verdict(r, (size_t)k, 1, &got), 0); /* once */
	free(got.reason);
	free(got.error);

	/* the variant an older build numbered g1-005 is g1-002 now */
	assert_int_equal((int)resume_find_verdict(r, 1, 0, "g1-002", "g0-001", 0), -1);
	struct story *v2 = mk("g1-002", 1, "g0-002", 2, "y");
	resume_keep_story(r, v2, "g1-005");
	k = resume_find_verdict(r, 1, 0, "g1-002", "g0-001", 0);
	assert_true(k >= 0);
	memset(&got, 0, sizeof got);
	assert_int_equal(resume_take_verdict(r, (size_t)k, 1, &got), 1);
	assert_int_equal(got.winner, 'B');
	assert_int_equal((int)resume_find_verdict(r, 1, 0, "g1-002", "g0-001", 0), -1); /* once */

	/* a verdict between earlier stories needs no mapping; so does "no
	 * verdict" (the judge would not decide) */
	k = resume_find_verdict(r, 1, 0, "g0-003", "g0-001", 0);
	assert_true(k >= 0);
	memset(&got, 0, sizeof got);
	assert_int_equal(resume_take_verdict(r, (size_t)k, 0, &got), 1);
	assert_int_equal(got.winner, 0);
	assert_string_equal(got.error, "no verdict in 3 judge replies");
	free(got.error);

	assert_int_equal((int)resume_reused_stories(r), 2);
	assert_int_equal((int)resume_reused_matches(r), 3);
	story_free(v1);
	story_free(v2);
	resume_free(r);
	population_free(&last);
	bt_ratings_free(&fit);
}

/* A match lost to failed requests is no verdict: it is found to be asked
 * again, once; one an earlier resume asked again and got answered is not
 * lost any more; a decided verdict never comes back as lost. */
static void test_lost(void **state)
{
	const char *dir = *state;
	char err[512] = "";
	struct bt_ratings fit = { 0 };
	struct population last = { 0 };
	int done;
	make_run(dir);
	struct journal j;
	assert_int_equal(journal_open(&j, dir, NULL, err, sizeof err), 0);
	struct match *lost1 = tu_match(1, "g0-003", "g0-002", 0);
	struct match *lost2 = tu_match(1, "g0-001", "g0-003", 0);
	struct match *again = tu_match(1, "g0-001", "g0-003", 'B');
	lost1->lost = lost2->lost = 1;
	lost1->error = strdup("judge request failed: HTTP 503");
	lost2->error = strdup("judge request failed: HTTP 503");
	assert_int_equal(tu_journal_match(&j, lost1), 0);
	assert_int_equal(tu_journal_match(&j, lost2), 0);
	assert_int_equal(tu_journal_match(&j, again), 0); /* lost2, answered by a resume */
	journal_close(&j);
	match_free(lost1);
	match_free(lost2);
	match_free(again);

	struct resume *r = resume_open(dir, &old_run, &fit, &last, &done, err, sizeof err);
	assert_non_null(r);
	long k = resume_find_lost(r, 1, 0);
	assert_true(k >= 0);
	assert_string_equal(resume_verdict(r, (size_t)k)->a, "g0-003");
	assert_string_equal(resume_verdict(r, (size_t)k)->b, "g0-002");
	assert_int_equal(resume_take_lost(r, (size_t)k, 0), 1);
	assert_int_equal(resume_take_lost(r, (size_t)k, 0), 0); /* once */
	assert_int_equal((int)resume_find_lost(r, 1, 0), -1);    /* lost2 was answered */
	assert_int_equal((int)resume_find_lost(r, 0, 0), -1);
	/* the answer itself is a verdict to reuse, not a lost match */
	k = resume_find_verdict(r, 1, 0, "g0-001", "g0-003", 0);
	assert_true(k >= 0);
	assert_false(resume_verdict(r, (size_t)k)->lost);
	assert_int_equal((int)resume_reused_matches(r), 0); /* a lost match is not reused */
	resume_free(r);
	population_free(&last);
	bt_ratings_free(&fit);
}

/* A directory with a generation file and a journal, each naming a run (or
 * none: ""), the journal with the given seed. */
static void make_tied(const char *dir, const char *gen_id, const char *journal_id,
		      uint64_t seed, int header)
{
	char err[512] = "";
	struct generation g = { 0 };
	snprintf(g.run_id, sizeof g.run_id, "%s", gen_id);
	population_add(&g.stories, mk("g0-001", 0, NULL, 0, "one"));
	population_add(&g.stories, mk("g0-002", 0, NULL, 0, "two"));
	assert_int_equal(store_write_generation(dir, &g, err, sizeof err), 0);
	generation_release(&g);
	unlink_journal(dir);
	struct journal j;
	struct journal_record h = { 0 };
	h.type = CODEC_REC_RUN;
	snprintf(h.run_id, sizeof h.run_id, "%s", journal_id);
	h.seed = seed;
	assert_int_equal(journal_open(&j, dir, header ? &h : NULL, err, sizeof err), 0);
	struct match *m = tu_match(1, "g0-001", "g0-002", 'A');
	assert_int_equal(tu_journal_match(&j, m), 0);
	match_free(m);
	journal_close(&j);
}

static int opens(const char *dir, const char *run_id, uint64_t seed, char *err, size_t n)
{
	struct bt_ratings fit = { 0 };
	struct population last = { 0 };
	struct run_report run = { 0 };
	int done;
	snprintf(run.run_id, sizeof run.run_id, "%s", run_id);
	run.seed = seed;
	struct resume *r = resume_open(dir, &run, &fit, &last, &done, err, n);
	int ok = r != NULL;
	resume_free(r);
	population_free(&last);
	bt_ratings_free(&fit);
	return ok;
}

/* Every file of a run names it: a generation file or journal of another
 * run, a journal of the same run id with another seed, or a journal
 * without a header in a run that has an id, is refused, naming the file;
 * a run written before run ids (none anywhere) still opens. */
static void test_foreign_files(void **state)
{
	const char *dir = *state;
	char err[1024];
	make_tied(dir, "aaaa", "aaaa", 5, 1);
	assert_true(opens(dir, "aaaa", 5, err, sizeof err));
	assert_false(opens(dir, "bbbb", 5, err, sizeof err));
	assert_true(tu_contains(err, "gen-000.json"));
	assert_true(tu_contains(err, "another run"));
	assert_false(opens(dir, "aaaa", 6, err, sizeof err));
	assert_true(tu_contains(err, "journal.jsonl"));
	assert_true(tu_contains(err, "seed 5"));

	make_tied(dir, "aaaa", "cccc", 5, 1);
	assert_false(opens(dir, "aaaa", 5, err, sizeof err));
	assert_true(tu_contains(err, "journal.jsonl"));
	make_tied(dir, "aaaa", "", 5, 0); /* an older build's journal */
	assert_false(opens(dir, "aaaa", 5, err, sizeof err));
	assert_true(tu_contains(err, "journal.jsonl"));
	make_tied(dir, "", "aaaa", 5, 1); /* a newer journal in an old run */
	assert_false(opens(dir, "", 5, err, sizeof err));
	make_tied(dir, "", "", 5, 0); /* an old run, all of it */
	assert_true(opens(dir, "", 5, err, sizeof err));
}

/* What the journal's records after run.json's count spent, and what each
 * process reused in them, for the usage of a run killed after its last
 * run.json. */
static void test_spent_after(void **state)
{
	const char *dir = *state;
	char err[512] = "";
	struct journal j;
	struct journal_record u = { 0 };
	assert_int_equal(journal_open(&j, dir, NULL, err, sizeof err), 0);
	u.type = CODEC_REC_USAGE;
	u.has_usage = 1;
	u.usage.requests = 10;
	assert_int_equal(journal_write(&j, &u), 0);
	long counted = journal_bytes(&j);
	u.usage.requests = 4;
	u.usage.prompt_tokens = 100;
	u.usage.reused_matches = 3;
	u.process = 1;
	assert_int_equal(journal_write(&j, &u), 0);
	journal_close(&j);

	struct bt_ratings fit = { 0 };
	struct population last = { 0 };
	struct run_report run = { 0 };
	int done;
	run.journal_bytes = counted;
	struct resume *r = resume_open(dir, &run, &fit, &last, &done, err, sizeof err);
	assert_non_null(r);
	assert_int_equal((int)resume_spent_after(r)->requests, 4);
	assert_int_equal((int)resume_spent_after(r)->prompt_tokens, 100);
	long st, ma;
	resume_reused_of(r, 1, &st, &ma);
	assert_int_equal((int)ma, 3);
	resume_reused_of(r, 0, &st, &ma);
	assert_int_equal((int)(st + ma), 0);
	resume_reused_of(r, 7, &st, &ma);
	assert_int_equal((int)(st + ma), 0);
	resume_free(r);
	population_free(&last);
	bt_ratings_free(&fit);
}

static void write_part(struct journal *j, int gen, const char *id, const char *parent,
		       int variant, int round, int attempt, int stage, int part, int ask,
		       const char *text)
{
	struct ext_part p = { gen, (char *)id, (char *)parent, variant, round, attempt, stage,
			      part, ask, (char *)text };
	struct journal_record rec = { 0 };
	rec.type = CODEC_REC_PART;
	rec.part = &p;
	assert_int_equal(journal_write(j, &rec), 0);
}

/* A reply of a lengthening is its story's (the story rules above) at its
 * place (round, try, stage, part, ask), taken once; a lengthened story
 * taken from the journal keeps its rounds. */
static void test_take_part(void **state)
{
	const char *dir = *state;
	char err[512] = "";
	struct bt_ratings fit = { 0 };
	struct population last = { 0 };
	int done;
	make_run(dir);
	struct journal j;
	assert_int_equal(journal_open(&j, dir, NULL, err, sizeof err), 0);
	write_part(&j, 1, NULL, "g0-002", 1, 0, 0, EXT_DRAFT, 0, 0, "draft of v1");
	write_part(&j, 1, NULL, "g0-002", 1, 1, 0, EXT_EXPAND, 0, 0, "expanded v1");
	write_part(&j, 1, NULL, "g0-002", 1, 1, 1, EXT_CONTINUE, 2, 1, "v1, round 1, try 1, part 2");
	write_part(&j, 1, NULL, "g0-002", 2, 1, 0, EXT_EXPAND, 0, 0, "expanded v2");
	write_part(&j, 0, "g0-007", NULL, 0, 2, 0, EXT_EXPAND, 0, 0, "g0-007, round 2");
	struct story *long_one = mk("g0-008", 0, NULL, 0, "long now");
	long_one->extensions = 2;
	assert_int_equal(tu_journal_story(&j, long_one), 0);
	journal_close(&j);
	story_free(long_one);

	struct resume *r = resume_open(dir, &old_run, &fit, &last, &done, err, sizeof err);
	assert_non_null(r);
	struct ext_part want = { 0 };
	struct story *v1 = mk(NULL, 1, "g0-002", 1, NULL), *v2 = mk(NULL, 1, "g0-002", 2, NULL);
	struct story *g7 = mk("g0-007", 0, NULL, 0, NULL), *g8 = mk("g0-008", 0, NULL, 0, NULL);
	char *t;
	want.stage = EXT_DRAFT;
	assert_string_equal(t = resume_take_part(r, v1, &want), "draft of v1");
	free(t);
	assert_null(resume_take_part(r, v1, &want)); /* once */
	assert_null(resume_take_part(r, v2, &want)); /* another variant's */
	want.round = 1;
	want.stage = EXT_EXPAND;
	assert_string_equal(t = resume_take_part(r, v2, &want), "expanded v2");
	free(t);
	/* its place must match exactly */
	want.stage = EXT_CONTINUE;
	want.part = 2;
	want.ask = 1;
	assert_null(resume_take_part(r, v1, &want)); /* try 0 has none */
	want.attempt = 1;
	assert_string_equal(t = resume_take_part(r, v1, &want), "v1, round 1, try 1, part 2");
	free(t);
	/* generation 0 by id, and only in its own generation */
	memset(&want, 0, sizeof want);
	want.round = 2;
	want.stage = EXT_EXPAND;
	struct story *g7_later = mk("g0-007", 1, NULL, 0, NULL);
	assert_null(resume_take_part(r, g7_later, &want));
	assert_string_equal(t = resume_take_part(r, g7, &want), "g0-007, round 2");
	free(t);
	assert_int_equal((int)resume_reused_parts(r), 4);
	/* the finished story keeps its rounds */
	char *jid = NULL;
	assert_int_equal(resume_take_story(r, g8, &jid), 1);
	assert_int_equal(g8->extensions, 2);
	assert_string_equal(g8->text, "long now");
	story_free(v1);
	story_free(v2);
	story_free(g7);
	story_free(g7_later);
	story_free(g8);
	resume_free(r);
	population_free(&last);
	bt_ratings_free(&fit);
}

int run_resume_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_take_story, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_lost, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_take_verdict, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_foreign_files, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_spent_after, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_take_part, tu_setup_dir, tu_teardown_dir),
	};
	return cmocka_run_group_tests_name("resume", tests, NULL, NULL);
}
