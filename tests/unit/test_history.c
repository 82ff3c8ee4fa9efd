/*
 * test_history.c - every story of a run and its lineage (src/history.c).
 */
#include "unit.h"
#include "aw/codec.h"
#include "aw/history.h"
#include "aw/store.h"

#include <stdlib.h>
#include <string.h>

static struct story *mk(const char *id, int born, const char *parent, double t)
{
	struct story *s = story_new();
	s->id = strdup(id);
	s->born = born;
	s->parent_id = parent ? strdup(parent) : NULL;
	s->variant = parent ? 1 : 0;
	s->temperature = t;
	s->text = strdup("Once.");
	s->words = 1;
	return s;
}

/* Three generations: roots follow parents back to generation 0; stories
 * carried over (born earlier) and failed ones (no text) are not added;
 * the last entries are the new ones, in the population's order. */
static void build(struct population g[3])
{
	memset(g, 0, 3 * sizeof *g);
	population_add(&g[0], mk("g0-002", 0, NULL, 0.5));
	population_add(&g[0], mk("g0-001", 0, NULL, 0.7));
	population_add(&g[0], mk("g0-003", 0, NULL, 0.9));
	population_add(&g[1], mk("g0-001", 0, NULL, 0.7));
	population_add(&g[1], mk("g1-001", 1, "g0-001", 1.1));
	population_add(&g[1], mk("g1-002", 1, "g0-002", 1.3));
	struct story *lost = mk("g1-003", 1, "g0-002", 1.3);
	free(lost->text);
	lost->text = NULL;
	population_add(&g[1], lost);
	population_add(&g[2], mk("g1-001", 1, "g0-001", 1.1));
	population_add(&g[2], mk("g2-001", 2, "g1-001", 0.3));
	population_add(&g[2], mk("g2-002", 2, "g0-002", 0.3)); /* a parent kept two steps */
}

static void check(const struct history *h)
{
	assert_int_equal(h->n, 7);
	assert_string_equal(h->v[0].id, "g0-002");
	assert_string_equal(h->v[3].id, "g1-001");
	assert_string_equal(history_root(h, "g0-003"), "g0-003");
	assert_string_equal(history_root(h, "g1-001"), "g0-001");
	assert_string_equal(history_root(h, "g2-001"), "g0-001");
	assert_string_equal(history_root(h, "g2-002"), "g0-002");
	assert_null(history_root(h, "g1-003"));
	assert_null(history_find(h, "nope"));
	const struct history_entry *e = history_find(h, "g1-002");
	assert_non_null(e);
	assert_int_equal(e->born, 1);
	assert_string_equal(e->parent, "g0-002");
	assert_true(e->temperature == 1.3);
}

static void test_roots(void **state)
{
	(void)state;
	struct population g[3];
	struct history h = HISTORY_INIT;
	build(g);
	assert_int_equal(history_add(&h, &g[0], 0), 3);
	assert_int_equal(history_add(&h, &g[1], 1), 2);
	assert_int_equal(history_add(&h, &g[1], 1), 0); /* again: nothing new */
	assert_int_equal(history_add(&h, &g[2], 2), 2);
	check(&h);
	history_free(&h);
	for (int i = 0; i < 3; i++)
		population_free(&g[i]);
}

/* A resumed run reads the same table back from the generation files. */
static void test_load(void **state)
{
	const char *dir = *state;
	struct population g[3], failed = { 0 };
	char err[256];
	build(g);
	/* A story that could not be written is listed apart. */
	struct story *lost = g[1].v[--g[1].n];
	lost->error = strdup("no luck");
	population_add(&failed, lost);
	for (int i = 0; i < 3; i++) {
		struct generation gf = { .gen = i, .stories = g[i] };
		if (i == 1)
			gf.failed = failed;
		assert_int_equal(store_write_generation(dir, &gf, err, sizeof err), 0);
	}
	struct history h = HISTORY_INIT;
	int rc = history_load(&h, dir, 3, err, sizeof err);
	if (rc)
		print_message("%s\n", err);
	assert_int_equal(rc, 0);
	check(&h);
	history_free(&h);
	assert_int_equal(history_load(&h, dir, 4, err, sizeof err), -1);
	history_free(&h);
	for (int i = 0; i < 3; i++)
		population_free(&g[i]);
	population_free(&failed);
}

int run_history_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roots),
		cmocka_unit_test_setup_teardown(test_load, tu_setup_dir, tu_teardown_dir),
	};
	return cmocka_run_group_tests_name("history", tests, NULL, NULL);
}
