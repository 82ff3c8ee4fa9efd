/*
 * test_sets.c - reading a set of stories (src/sets.c): a run directory, a
 * generation file, a baseline directory and a JSON Lines file; --top; the
 * writing prompt of a set's run; and every bad set refused with its path.
 */
#include "unit.h"
#include "aw/codec.h"
#include "aw/sets.h"
#include "aw/store.h"
#include "aw/story.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Write generation gen of dir with n stories g<gen>-00<i>; ranked: rank
 * i+1 in reverse file order (so that reading must sort). */
static void write_gen(const char *dir, int gen, int n, int ranked)
{
	struct population pop = { 0 };
	for (int i = 0; i < n; i++) {
		char id[32], text[64];
		snprintf(id, sizeof id, "g%d-%03d", gen, i);
		snprintf(text, sizeof text, "Story %d of generation %d.", i, gen);
		struct story *s = tu_story(id, text, 1200, 0);
		s->born = gen;
		s->rank = ranked ? n - i : 0;
		population_add(&pop, s);
	}
	struct generation g = { 0 };
	g.gen = gen;
	g.stories = pop;
	char err[512] = "";
	assert_int_equal(store_write_generation(dir, &g, err, sizeof err), 0);
	population_free(&pop);
}

static void test_run_directory(void **state)
{
	const char *dir = *state;
	write_gen(dir, 0, 8, 1);
	write_gen(dir, 1, 7, 1);
	struct set s;
	char err[512] = "";
	assert_int_equal(sets_load(&s, dir, 3, err, sizeof err), 0);
	assert_int_equal(s.kind, SET_RUN);
	assert_int_equal(s.gen, 1);
	assert_true(s.ranked);
	assert_int_equal(s.total, 7);
	assert_int_equal(s.stories.n, 3);
	/* best first: rank 1 is the last one written */
	assert_string_equal(s.stories.v[0]->id, "g1-006");
	assert_string_equal(s.stories.v[1]->id, "g1-005");
	assert_string_equal(s.stories.v[2]->id, "g1-004");
	assert_string_equal(s.label, "final");
	assert_true(tu_contains(s.desc, "top 3 of 7"));
	assert_true(s.stories.v[0]->words > 0);
	sets_release(&s);
	/* top 0 (or more than there are): all of them */
	assert_int_equal(sets_load(&s, dir, 0, err, sizeof err), 0);
	assert_int_equal(s.stories.n, 7);
	sets_release(&s);
}

static void test_generation_file(void **state)
{
	const char *dir = *state;
	write_gen(dir, 0, 6, 1);
	write_gen(dir, 1, 6, 1);
	write_gen(dir, 2, 6, 1);
	char path[4096], err[512] = "";
	struct set s;
	snprintf(path, sizeof path, "%s/gen-000.json", dir);
	assert_int_equal(sets_load(&s, path, 5, err, sizeof err), 0);
	assert_int_equal(s.kind, SET_GENERATION);
	assert_int_equal(s.gen, 0);
	assert_int_equal(s.last_gen, 2);
	assert_int_equal(s.stories.n, 5);
	assert_string_equal(s.stories.v[0]->id, "g0-005");
	assert_string_equal(s.label, "initial");
	assert_string_equal(s.dir, dir);
	sets_release(&s);
	snprintf(path, sizeof path, "%s/gen-001.json", dir);
	assert_int_equal(sets_load(&s, path, 5, err, sizeof err), 0);
	assert_string_equal(s.label, "generation 1");
	sets_release(&s);
	snprintf(path, sizeof path, "%s/gen-002.json", dir);
	assert_int_equal(sets_load(&s, path, 5, err, sizeof err), 0);
	assert_string_equal(s.label, "final");
	sets_release(&s);
	/* a generation file copied under another name is still one */
	char *text = tu_read(path, NULL);
	char *copy = tu_write_str(dir, "elsewhere.json", text);
	assert_int_equal(sets_load(&s, copy, 5, err, sizeof err), 0);
	assert_int_equal(s.kind, SET_GENERATION);
	assert_int_equal(s.gen, 2);
	sets_release(&s);
	free(copy);
	free(text);
}

static void test_baseline_directory(void **state)
{
	const char *dir = *state;
	write_gen(dir, 0, 3, 0);
	write_gen(dir, 1, 4, 0);
	struct set s;
	char err[512] = "";
	/* unranked: --top does not apply, all of the last generation, in order */
	assert_int_equal(sets_load(&s, dir, 2, err, sizeof err), 0);
	assert_int_equal(s.kind, SET_BASELINE);
	assert_false(s.ranked);
	assert_int_equal(s.stories.n, 4);
	assert_string_equal(s.stories.v[0]->id, "g1-000");
	assert_string_equal(s.stories.v[3]->id, "g1-003");
	assert_string_equal(s.label, "baseline");
	sets_release(&s);
}

static void test_jsonl(void **state)
{
	const char *dir = *state;
	char err[512] = "";
	struct set s;
	char *p = tu_write_str(dir, "mine.jsonl",
			       "{\"id\": \"x1\", \"text\": \"One story.\"}\n"
			       "\n"
			       "{\"id\": \"x2\", \"text\": \"Another story, longer.\", \"other\": 3}\n"
			       "{\"id\": \"x3\", \"text\": \"A third.\"}");
	assert_int_equal(sets_load(&s, p, 2, err, sizeof err), 0);
	assert_int_equal(s.kind, SET_JSONL);
	assert_false(s.ranked);
	assert_int_equal(s.stories.n, 3);
	assert_string_equal(s.stories.v[1]->id, "x2");
	assert_int_equal(s.stories.v[1]->words, 3);
	assert_string_equal(s.label, "mine.jsonl");
	assert_null(sets_prompt(&s));
	sets_release(&s);
	free(p);
	/* every line ranked: ranked, sorted, cut to --top */
	p = tu_write_str(dir, "ranked.jsonl",
			 "{\"id\": \"r1\", \"text\": \"A.\", \"rank\": 3}\n"
			 "{\"id\": \"r2\", \"text\": \"B.\", \"rank\": 1}\n"
			 "{\"id\": \"r3\", \"text\": \"C.\", \"rank\": 2}\n");
	assert_int_equal(sets_load(&s, p, 2, err, sizeof err), 0);
	assert_true(s.ranked);
	assert_int_equal(s.stories.n, 2);
	assert_string_equal(s.stories.v[0]->id, "r2");
	assert_string_equal(s.stories.v[1]->id, "r3");
	sets_release(&s);
	free(p);
	/* a single line is JSON Lines too, not a generation file */
	p = tu_write_str(dir, "one.jsonl", "{\"id\": \"only\", \"text\": \"Alone.\"}\n");
	assert_int_equal(sets_load(&s, p, 5, err, sizeof err), 0);
	assert_int_equal(s.stories.n, 1);
	sets_release(&s);
	free(p);
}

static void expect_refused(const char *path, const char *words)
{
	struct set s;
	char err[512] = "";
	assert_int_equal(sets_load(&s, path, 5, err, sizeof err), -1);
	if (!tu_contains(err, words))
		fail_msg("expected \"%s\" in: %s", words, err);
	assert_int_equal(s.stories.n, 0);
}

static void test_refused(void **state)
{
	const char *dir = *state;
	char path[4096];
	snprintf(path, sizeof path, "%s/nothing-here", dir);
	expect_refused(path, "No such file");
	expect_refused(dir, "no gen-000.json"); /* an empty directory */
	char *p = tu_write_str(dir, "dup.jsonl", "{\"id\": \"a\", \"text\": \"x\"}\n"
						 "{\"id\": \"a\", \"text\": \"y\"}\n");
	expect_refused(p, "appears twice");
	free(p);
	p = tu_write_str(dir, "noid.jsonl", "{\"id\": \"a\", \"text\": \"x\"}\n{\"text\": \"y\"}\n");
	expect_refused(p, "line 2");
	free(p);
	p = tu_write_str(dir, "notext.jsonl", "{\"id\": \"a\", \"text\": \"   \"}\n");
	expect_refused(p, "\"text\"");
	free(p);
	p = tu_write_str(dir, "garbage.jsonl", "{\"id\": \"a\", \"text\": \"x\"}\nnot json\n");
	expect_refused(p, "line 2");
	free(p);
	p = tu_write_str(dir, "badrank.jsonl", "{\"id\": \"a\", \"text\": \"x\", \"rank\": 0}\n");
	expect_refused(p, "rank");
	free(p);
	p = tu_write_str(dir, "empty.jsonl", "\n\n");
	expect_refused(p, "empty.jsonl");
	free(p);
	/* a generation whose every story failed holds no story */
	p = tu_write_str(dir, "gen-000.json",
			 "{\"generation\": 0, \"stories\": [], \"matches\": [], "
			 "\"failed\": [{\"id\": \"g0-000\", \"error\": \"x\"}]}");
	expect_refused(p, "holds no story");
	expect_refused(dir, "holds no story");
	free(p);
}

static void test_prompt_and_key(void **state)
{
	const char *dir = *state;
	write_gen(dir, 0, 3, 1);
	struct set s, t;
	char err[512] = "";
	assert_int_equal(sets_load(&s, dir, 5, err, sizeof err), 0);
	assert_null(sets_prompt(&s)); /* neither inputs/prompt.txt nor run.json */
	char sub[4096];
	snprintf(sub, sizeof sub, "%s/inputs", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	free(tu_write_str(sub, "prompt.txt", "Write about a key.\n\n"));
	char *prompt = sets_prompt(&s);
	assert_non_null(prompt);
	assert_string_equal(prompt, "Write about a key.");
	free(prompt);
	/* the same stories read twice: the same key; others: another */
	assert_int_equal(sets_load(&t, dir, 5, err, sizeof err), 0);
	assert_true(sets_key(&s) == sets_key(&t));
	sets_release(&t);
	assert_int_equal(sets_load(&t, dir, 2, err, sizeof err), 0);
	assert_true(sets_key(&s) != sets_key(&t));
	sets_release(&t);
	sets_release(&s);
}

int run_sets_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_run_directory, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_generation_file, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_baseline_directory, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_jsonl, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_refused, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_prompt_and_key, tu_setup_dir, tu_teardown_dir),
	};
	return cmocka_run_group_tests_name("sets", tests, NULL, NULL);
}
