/*
 * test_runview.c - a run directory read whole (src/runview.c): a story
 * found by id in the latest generation that holds it, wins and losses
 * counted from each generation's matches, lineages back to generation 0,
 * and lineages that end at a missing parent or run in a loop.
 */
#include "unit.h"
#include "aw/codec.h"
#include "aw/runview.h"
#include "aw/store.h"
#include "aw/story.h"

#include <stdlib.h>
#include <string.h>

static struct story *st(const char *id, const char *parent, int born, double rating)
{
	struct story *s = tu_story(id, "Some text.", 1200, 0);
	free(s->parent_id);
	s->parent_id = parent ? strdup(parent) : NULL;
	if (!parent) {
		free(s->goal);
		s->goal = NULL;
	}
	s->born = born;
	s->rating = rating;
	s->rating_lo = rating - 100;
	s->rating_hi = rating + 100;
	s->rated = 1;
	return s;
}

static void write_gen(const char *dir, int g, struct population *pop, struct match_list *ml)
{
	struct generation gf = { 0 };
	char err[512] = "";
	gf.gen = g;
	gf.stories = *pop;
	if (ml)
		gf.matches = *ml;
	for (size_t i = 0; i < pop->n; i++)
		pop->v[i]->rank = (int)i + 1;
	assert_int_equal(store_write_generation(dir, &gf, err, sizeof err), 0);
	population_free(pop);
	if (ml)
		match_list_free(ml);
}

static void test_lineage(void **state)
{
	const char *dir = *state;
	struct population p = { 0 };
	struct match_list ml = { 0 };
	population_add(&p, st("g0-001", NULL, 0, 1300));
	population_add(&p, st("g0-002", NULL, 0, 1100));
	match_list_add(&ml, tu_match(0, "g0-001", "g0-002", 'A'));
	match_list_add(&ml, tu_match(0, "g0-002", "g0-001", 'B'));
	match_list_add(&ml, tu_match(0, "g0-002", "g0-001", 0));
	write_gen(dir, 0, &p, &ml);
	population_add(&p, st("g1-001", "g0-001", 1, 1350));
	population_add(&p, st("g0-001", NULL, 0, 1320)); /* the parent, rated again */
	match_list_add(&ml, tu_match(1, "g1-001", "g0-001", 'A'));
	write_gen(dir, 1, &p, &ml);
	population_add(&p, st("g2-001", "g1-001", 2, 1400));
	population_add(&p, st("g2-002", "g9-999", 2, 1000)); /* parent nowhere */
	write_gen(dir, 2, &p, NULL);

	struct runview v;
	char err[512] = "";
	assert_int_equal(runview_load(&v, dir, 0, err, sizeof err), 0);
	assert_int_equal(v.ngen, 3);
	assert_false(v.has_run);
	assert_int_equal(v.nstory, 5);
	const struct runview_story *r = runview_find(&v, "g0-001");
	assert_non_null(r);
	assert_int_equal(r->first, 0);
	assert_int_equal(r->gen, 1); /* its latest record */
	assert_float_equal(r->s->rating, 1320, 1e-9);
	assert_null(runview_find(&v, "nope"));
	/* counted from the matches: 2-0 in generation 0 (the third had no
	 * winner), 0-1 in generation 1 */
	const struct story *g00 = v.gen[0].stories.v[0];
	assert_string_equal(g00->id, "g0-001");
	assert_int_equal(g00->wins, 2);
	assert_int_equal(g00->losses, 0);
	assert_int_equal(g00->matches, 2);
	assert_int_equal(r->s->wins, 0);
	assert_int_equal(r->s->losses, 1);

	const struct runview_story *chain[8];
	enum runview_end end;
	size_t n = runview_lineage(&v, "g2-001", chain, 8, &end);
	assert_int_equal(n, 3);
	assert_int_equal(end, RUNVIEW_ROOT);
	assert_string_equal(chain[0]->s->id, "g2-001");
	assert_string_equal(chain[1]->s->id, "g1-001");
	assert_string_equal(chain[2]->s->id, "g0-001");
	n = runview_lineage(&v, "g2-002", chain, 8, &end);
	assert_int_equal(n, 1);
	assert_int_equal(end, RUNVIEW_MISSING);
	assert_int_equal(runview_lineage(&v, "nope", chain, 8, &end), 0);
	runview_release(&v);
}

static void test_loop(void **state)
{
	const char *dir = *state;
	struct population p = { 0 };
	population_add(&p, st("x", "y", 0, 1200));
	population_add(&p, st("y", "x", 0, 1200));
	write_gen(dir, 0, &p, NULL);
	struct runview v;
	char err[512] = "";
	assert_int_equal(runview_load(&v, dir, 0, err, sizeof err), 0);
	const struct runview_story *chain[8];
	enum runview_end end;
	size_t n = runview_lineage(&v, "x", chain, 8, &end);
	assert_int_equal(n, 2);
	assert_int_equal(end, RUNVIEW_LOOP);
	runview_release(&v);
}

static void test_not_a_run(void **state)
{
	const char *dir = *state;
	struct runview v;
	char err[512] = "";
	assert_int_equal(runview_load(&v, dir, 0, err, sizeof err), -1);
	assert_true(tu_contains(err, "not a run directory"));
	char *f = tu_write_str(dir, "file", "x");
	assert_int_equal(runview_load(&v, f, 0, err, sizeof err), -1);
	assert_true(tu_contains(err, "is not a directory"));
	free(f);
	free(tu_write_str(dir, "gen-000.json", "{\"generation\": 0, \"stories\": 7}"));
	assert_int_equal(runview_load(&v, dir, 0, err, sizeof err), -1);
	assert_true(tu_contains(err, "gen-000.json"));
	/* need_run: a run without run.json is refused */
	struct population p = { 0 };
	population_add(&p, st("g0-001", NULL, 0, 1200));
	write_gen(dir, 0, &p, NULL);
	assert_int_equal(runview_load(&v, dir, 1, err, sizeof err), -1);
	assert_true(tu_contains(err, "run.json"));
	assert_int_equal(runview_load(&v, dir, 0, err, sizeof err), 0);
	runview_release(&v);
}

int run_runview_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lineage, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_loop, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_not_a_run, tu_setup_dir, tu_teardown_dir),
	};
	return cmocka_run_group_tests_name("runview", tests, NULL, NULL);
}
