/*
 * test_parents.c - a generation's diversity and the parents chosen with it
 * (src/parents.c), and the near_copy mark of a story in the run's files.
 */
#include "unit.h"
#include "aw/codec.h"
#include "aw/diversity.h"
#include "aw/history.h"
#include "aw/parents.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct story *mk(const char *id, const char *parent, const char *text, double rating)
{
	struct story *s = story_new();
	s->id = strdup(id);
	s->born = parent ? 1 : 0;
	s->parent_id = parent ? strdup(parent) : NULL;
	s->variant = parent ? 1 : 0;
	s->text = strdup(text);
	s->words = text_count_words(text);
	s->rating = rating;
	s->rating_lo = rating - 50;
	s->rating_hi = rating + 50;
	s->rated = 1;
	s->elo = 2400 - rating; /* the other order: shows which one was used */
	return s;
}

static const char *A = "The lighthouse keeper found the letter under the third step, where "
		       "the salt had not reached it, and read it twice before the lamp went out.";
static const char *A2 = "The lighthouse keeper found the letter under the third step, where "
			"the salt had not reached it, and read it twice before the lamp died.";
static const char *B = "Mira sold umbrellas in a city where it never rained, and every "
		       "evening she counted the clouds as if they owed her money.";
static const char *C = "Nobody on the night train admitted to owning the goat, so the "
		       "conductor wrote it a ticket and let it keep the window seat.";

/* Roots: g0-001 (A and its near-copy g1-001), g0-002 (B), g0-003 (C). */
static void build(struct population *pop, struct history *h)
{
	struct population g0 = { 0 }, g1 = { 0 };
	population_add(&g0, mk("g0-001", NULL, A, 1300));
	population_add(&g0, mk("g0-002", NULL, B, 1200));
	population_add(&g0, mk("g0-003", NULL, C, 1100));
	population_add(&g1, mk("g1-001", "g0-001", A2, 1310));
	history_add(h, &g0, 0);
	history_add(h, &g1, 1);
	memset(pop, 0, sizeof *pop);
	/* generation 1, ranked: the variant, its parent, then B and C */
	population_add(pop, story_copy(g1.v[0]));
	population_add(pop, story_copy(g0.v[0]));
	population_add(pop, story_copy(g0.v[1]));
	population_add(pop, story_copy(g0.v[2]));
	population_free(&g0);
	population_free(&g1);
}

static void test_measure(void **state)
{
	(void)state;
	struct population pop;
	struct history h = HISTORY_INIT;
	struct gen_diversity d;
	build(&pop, &h);
	parents_measure(&pop, &h, 7, 1, &d);
	assert_true(d.has);
	assert_int_equal(d.lineages, 3);
	double sum = 0;
	for (size_t i = 0; i < pop.n; i++) {
		assert_true(pop.v[i]->has_deviation);
		sum += pop.v[i]->deviation;
	}
	assert_true(fabs(d.mean_deviation - sum / 4) < 1e-12);
	/* each of the near-copies has a twin, so its mean distance is smaller */
	assert_true(pop.v[0]->deviation < pop.v[2]->deviation);
	assert_true(pop.v[1]->deviation < pop.v[3]->deviation);
	/* its own deviation: the mean distance to the other three */
	double want = (diversity_distance(B, A2) + diversity_distance(B, A) +
		       diversity_distance(B, C)) / 3;
	assert_true(fabs(pop.v[2]->deviation - want) < 1e-12);
	const char *texts[] = { A, A2, B, C }; /* lineage order */
	assert_true(fabs(d.distinct_2 - diversity_distinct(texts, 4, 2)) < 1e-12);
	assert_true(fabs(d.distinct_3 - diversity_distinct(texts, 4, 3)) < 1e-12);
	assert_true(fabs(d.compression_ratio - diversity_compression_ratio(texts, 4)) < 1e-12);

	/* The order of the population changes nothing. */
	struct population rev = { 0 };
	for (size_t i = pop.n; i-- > 0;)
		population_add(&rev, story_copy(pop.v[i]));
	struct gen_diversity d2;
	parents_measure(&rev, &h, 7, 1, &d2);
	assert_memory_equal(&d, &d2, sizeof d);
	for (size_t i = 0; i < pop.n; i++)
		assert_true(rev.v[pop.n - 1 - i]->deviation == pop.v[i]->deviation);
	population_free(&rev);
	population_free(&pop);
	history_free(&h);
}

/* A generation larger than PARENTS_EXACT_MAX is measured in blocks: the
 * same for the same seed, close to the exact mean. */
static void test_measure_blocks(void **state)
{
	(void)state;
	const char *words[] = { "salt", "lamp", "letter", "goat", "train", "rain", "cloud",
				"money", "window", "keeper", "ticket", "step" };
	size_t n = PARENTS_EXACT_MAX + 60;
	struct population pop = { 0 };
	struct history h = HISTORY_INIT;
	const char **texts = malloc(n * sizeof *texts);
	for (size_t i = 0; i < n; i++) {
		char text[400] = "", id[32];
		for (int w = 0; w < 30; w++)
			snprintf(text + strlen(text), sizeof text - strlen(text), "%s ",
				 words[(i * 7 + (size_t)w * (i % 5 + 1)) % 12]);
		snprintf(id, sizeof id, "g0-%04zu", i + 1);
		population_add(&pop, mk(id, NULL, text, 1200));
	}
	history_add(&h, &pop, 0);
	struct gen_diversity d1, d2;
	parents_measure(&pop, &h, 3, 0, &d1);
	double *first = malloc(n * sizeof *first);
	for (size_t i = 0; i < n; i++)
		first[i] = pop.v[i]->deviation;
	parents_measure(&pop, &h, 3, 0, &d2);
	assert_memory_equal(&d1, &d2, sizeof d1);
	for (size_t i = 0; i < n; i++) {
		assert_true(first[i] == pop.v[i]->deviation);
		texts[i] = pop.v[i]->text;
	}
	struct diversity *exact = diversity_new(texts, n);
	assert_true(fabs(d1.mean_deviation - exact->mean_deviation) < 0.02);
	assert_int_equal(d1.lineages, (long)n);
	diversity_free(exact);
	free(first);
	free(texts);
	population_free(&pop);
	history_free(&h);
}

static void chosen(const struct population *pop, const struct history *h, size_t k, double w,
		   int by_rating, const char *want)
{
	size_t out[8];
	char got[128] = "";
	parents_choose(pop, h, k, w, by_rating, out);
	for (size_t i = 0; i < k; i++)
		snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? " " : "",
			 pop->v[out[i]]->id);
	assert_string_equal(got, want);
}

/* Ratings 1500..1470 for four stories of one lineage, then one each of
 * three others: W = 0 is the top K; each parent already chosen from a
 * lineage costs its next W standard deviations of rating. */
static void test_choose(void **state)
{
	(void)state;
	struct population g0 = { 0 }, pop = { 0 };
	struct history h = HISTORY_INIT;
	static const char *ids[] = { "g0-001", "g0-002", "g0-003", "g0-004" };
	for (int i = 0; i < 4; i++)
		population_add(&g0, mk(ids[i], NULL, "x", 1200));
	history_add(&h, &g0, 0);
	struct population g1 = { 0 };
	double r[] = { 1500, 1490, 1480, 1470 };
	char id[32];
	for (int i = 0; i < 4; i++) {
		snprintf(id, sizeof id, "g1-%03d", i + 1);
		population_add(&g1, mk(id, "g0-001", "x", r[i]));
	}
	population_add(&g1, mk("g1-005", "g0-002", "x", 1400));
	population_add(&g1, mk("g1-006", "g0-003", "x", 1300));
	population_add(&g1, mk("g1-007", "g0-004", "x", 900));
	for (int i = 0; i < 4; i++)
		g1.v[i]->born = 1;
	history_add(&h, &g1, 1);
	for (size_t i = 0; i < g1.n; i++)
		population_add(&pop, story_copy(g1.v[i]));
	/* sd of the ratings: about 199; B is 0.45 sd below A2, C 0.95 */
	chosen(&pop, &h, 3, 0, 1, "g1-001 g1-002 g1-003");
	chosen(&pop, &h, 3, 0.5, 1, "g1-001 g1-002 g1-005");
	chosen(&pop, &h, 3, 1, 1, "g1-001 g1-005 g1-006");
	chosen(&pop, &h, 4, 10, 1, "g1-001 g1-005 g1-006 g1-007");
	/* k larger than the lineages: round robin, best first */
	chosen(&pop, &h, 6, 10, 1, "g1-001 g1-002 g1-003 g1-005 g1-006 g1-007");
	/* by Elo (2400 - rating here): the order turns round */
	chosen(&pop, &h, 2, 0, 0, "g1-001 g1-002");
	chosen(&pop, &h, 2, 1, 0, "g1-006 g1-007");
	population_free(&g0);
	population_free(&g1);
	population_free(&pop);
	history_free(&h);
}

static void test_near_copy(void **state)
{
	(void)state;
	const char *peers[] = { B, A };
	assert_true(parents_near_copy(A2, peers, 2));
	assert_true(parents_near_copy(A, peers, 2));
	assert_false(parents_near_copy(C, peers, 2));
	assert_false(parents_near_copy(A2, peers, 1));
	assert_false(parents_near_copy(A2, NULL, 0));
}

/* near_copy is kept in a generation file and in the journal, and read
 * back; a story without it has none. */
static void test_codec(void **state)
{
	(void)state;
	char err[128];
	struct story *s = mk("g1-001", "g0-001", A2, 1300);
	for (int mark = 0; mark < 2; mark++) {
		s->near_copy = mark;
		for (int place = 0; place < 2; place++) {
			enum codec_place where = place ? CODEC_IN_JOURNAL : CODEC_IN_GENERATION;
			cJSON *o = codec_story_json(s, where);
			assert_true(cJSON_HasObjectItem(o, "near_copy") == mark);
			struct story *back = codec_story_parse(o, where, 1, err, sizeof err);
			assert_non_null(back);
			assert_int_equal(back->near_copy, mark);
			story_free(back);
			cJSON_Delete(o);
		}
	}
	story_free(s);
}

int run_parents_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_measure),
		cmocka_unit_test(test_measure_blocks),
		cmocka_unit_test(test_choose),
		cmocka_unit_test(test_near_copy),
		cmocka_unit_test(test_codec),
	};
	return cmocka_run_group_tests_name("parents", tests, NULL, NULL);
}
