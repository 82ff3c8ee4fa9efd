/*
 * test_story.c - stories, populations and the text rules (src/story.c).
 */
#include "unit.h"
#include "aw/elo.h"
#include "aw/story.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------- word counting */

static void test_count_words(void **state)
{
	(void)state;
	assert_int_equal(text_count_words(""), 0);
	assert_int_equal(text_count_words("   \n\t  "), 0);
	assert_int_equal(text_count_words("one"), 1);
	assert_int_equal(text_count_words("  one  two\tthree\nfour  "), 4);
	assert_int_equal(text_count_words("one\r\ntwo\r\n"), 2);
	assert_int_equal(text_count_words("well-known, don't — stop."), 4);
	/* UTF-8 letters do not split words */
	assert_int_equal(text_count_words("naïve café “déjà vu”"), 4);
}

/* ---------------------------------------------------------- trimming */

static void expect_trim(const char *text, long max, const char *want)
{
	char *got = text_trim_words(text, max);
	assert_non_null(got);
	int same = strcmp(got, want) == 0;
	long words = text_count_words(got);
	if (!same)
		print_error("trim(%ld): \"%s\"\n    want: \"%s\"\n", max, got, want);
	free(got);
	assert_true(same);
	assert_true(words <= max);
}

static void test_trim_at_sentence_end(void **state)
{
	(void)state;
	expect_trim("One two three. Four five six. Seven eight nine ten eleven.", 8,
		    "One two three. Four five six.");
	expect_trim("Is it? Yes it is! Then go. And never come back here", 8,
		    "Is it? Yes it is! Then go.");
	/* a sentence end exactly at half the limit is kept */
	expect_trim("A b c d. e f g h i j k", 8, "A b c d.");
	/* the cut is at the end of the sentence, not after the spaces */
	expect_trim("First one here.\n\nSecond one then more words follow on and on", 5,
		    "First one here.");
}

static void test_trim_keeps_closing_quotes(void **state)
{
	(void)state;
	expect_trim("He said \"stop.\" Then more words came after that", 5, "He said \"stop.\"");
	expect_trim("He said 'go!' and then he left the room", 4, "He said 'go!'");
	expect_trim("It ended (finally.) Then more words came after that", 4,
		    "It ended (finally.)");
	/* UTF-8 right double quotation mark U+201D */
	expect_trim("She whispered “run.” They ran far away from home", 5,
		    "She whispered “run.”");
	expect_trim("She asked “why?” and nobody answered her at all", 4,
		    "She asked “why?”");
	/* U+2019 right single quotation mark */
	expect_trim("He said ‘enough.’ They left the house at dawn", 5, "He said ‘enough.’");
}

/* French closing guillemet U+00BB (bytes C2 BB): src/story.c lists 0xBB
 * among the closing characters, so "stop.»" should end a sentence. */
static void test_trim_keeps_guillemet(void **state)
{
	(void)state;
	expect_trim("Il a dit «stop.» Puis il est parti très loin", 6, "Il a dit «stop.»");
}

static void test_trim_falls_back_to_word_boundary(void **state)
{
	(void)state;
	/* the only sentence end would keep 3 of 8 words: cut at the 8th word */
	expect_trim("One two three. Four five six seven eight nine ten", 8,
		    "One two three. Four five six seven eight");
	/* no sentence end at all */
	expect_trim("a b c d e f g h i j", 3, "a b c");
	/* a word is never split, whatever its bytes */
	expect_trim("naïve café “déjà vu” and more words", 3, "naïve café “déjà");
}

static void test_trim_edge_limits(void **state)
{
	(void)state;
	expect_trim("One two.", 0, "");
	expect_trim("One two three", 1, "One");
	expect_trim("Hello.", 1, "Hello.");
}

/* Whatever the text and the limit: at most max words, and a prefix of the
 * text. */
static void test_trim_never_exceeds(void **state)
{
	(void)state;
	const char *text =
		"The keeper climbed. Ninety steps, “every night,” he said! Why? Because the "
		"light (old as it was) needed him... And the sea — grey, patient — waited.\n\n"
		"Years passed; storms came and went. He counted ships: forty, fifty, more. "
		"Nobody wrote. Nobody came. The lamp burned on, and on, and on without end";
	long total = text_count_words(text);
	for (long max = 1; max <= total + 3; max++) {
		char *got = text_trim_words(text, max);
		long n = text_count_words(got);
		if (n > max)
			fail_msg("max %ld: %ld words kept", max, n);
		assert_true(strncmp(got, text, strlen(got)) == 0);
		/* at least half of the limit is always kept */
		long want = max < total ? max : total;
		assert_true(n * 2 >= want);
		free(got);
	}
}

/* -------------------------------------------------- stories, population */

static struct story *mk(const char *id, double elo, int wins)
{
	struct story *s = story_new();
	s->id = strdup(id);
	s->elo = elo;
	s->wins = wins;
	return s;
}

static void test_story_new(void **state)
{
	(void)state;
	struct story *s = story_new();
	assert_float_equal(s->elo, ELO_INITIAL, 0.0);
	assert_null(s->id);
	assert_null(s->text);
	assert_null(s->parent_id);
	assert_int_equal(s->wins + s->losses + s->matches + s->rank + s->trimmed, 0);
	story_free(s);
	story_free(NULL);
}

static void test_story_copy_resets_counters(void **state)
{
	(void)state;
	struct story *s = story_new();
	s->id = strdup("g1-003");
	s->born = 1;
	s->parent_id = strdup("g0-007");
	s->style = strdup("style");
	s->theme = strdup("theme");
	s->goal = NULL;
	s->temperature = 0.75;
	s->words = 321;
	s->trimmed = 1;
	s->text = strdup("The text.");
	s->elo = 1250.25;
	s->wins = 4;
	s->losses = 3;
	s->matches = 7;
	s->rank = 2;

	struct story *c = story_copy(s);
	assert_non_null(c);
	assert_ptr_not_equal(c, s);
	assert_string_equal(c->id, "g1-003");
	assert_ptr_not_equal(c->id, s->id);
	assert_string_equal(c->parent_id, "g0-007");
	assert_ptr_not_equal(c->parent_id, s->parent_id);
	assert_string_equal(c->style, "style");
	assert_string_equal(c->theme, "theme");
	assert_null(c->goal);
	assert_null(c->error);
	assert_string_equal(c->text, "The text.");
	assert_ptr_not_equal(c->text, s->text);
	assert_int_equal(c->born, 1);
	assert_float_equal(c->temperature, 0.75, 0.0);
	assert_int_equal(c->words, 321);
	assert_int_equal(c->trimmed, 1);
	/* the rating is carried, this generation's record is not */
	assert_float_equal(c->elo, 1250.25, 0.0);
	assert_int_equal(c->wins, 0);
	assert_int_equal(c->losses, 0);
	assert_int_equal(c->matches, 0);
	assert_int_equal(c->rank, 0);
	/* the copy lives on its own */
	story_free(s);
	assert_string_equal(c->text, "The text.");
	story_free(c);
}

static void test_population_grows(void **state)
{
	(void)state;
	struct population p = { 0 };
	char id[16];
	for (int i = 0; i < 200; i++) {
		snprintf(id, sizeof id, "g0-%03d", i);
		population_add(&p, mk(id, 1200, 0));
	}
	assert_int_equal(p.n, 200);
	assert_true(p.cap >= 200);
	assert_string_equal(p.v[0]->id, "g0-000");
	assert_string_equal(p.v[199]->id, "g0-199");
	population_free(&p);
	assert_int_equal(p.n, 0);
	assert_null(p.v);
}

static void test_population_rank(void **state)
{
	(void)state;
	struct population p = { 0 };
	population_add(&p, mk("g0-004", 1180, 1));
	population_add(&p, mk("g0-002", 1216, 2));
	population_add(&p, mk("g0-001", 1200, 1)); /* elo tie, fewer wins */
	population_add(&p, mk("g0-003", 1200, 3)); /* elo tie, most wins */
	population_add(&p, mk("g0-000", 1200, 1)); /* elo and wins tie: id */
	population_add(&p, mk("g0-005", 1250.5, 0));
	population_rank(&p, 0);
	static const char *want[] = { "g0-005", "g0-002", "g0-003", "g0-000", "g0-001", "g0-004" };
	for (size_t i = 0; i < p.n; i++) {
		assert_string_equal(p.v[i]->id, want[i]);
		assert_int_equal(p.v[i]->rank, (int)i + 1);
	}
	population_free(&p);
}

static void test_population_rank_is_total_order(void **state)
{
	(void)state;
	/* the same stories in any order rank the same way */
	static const struct { const char *id; double elo; int wins; } in[] = {
		{ "b", 1200, 1 }, { "a", 1200, 1 }, { "c", 1200, 2 }, { "d", 1199.9, 5 },
		{ "e", 1200.1, 0 },
	};
	static const char *want[] = { "e", "c", "a", "b", "d" };
	for (size_t rot = 0; rot < 5; rot++) {
		struct population p = { 0 };
		for (size_t i = 0; i < 5; i++) {
			size_t k = (i + rot) % 5;
			population_add(&p, mk(in[k].id, in[k].elo, in[k].wins));
		}
		population_rank(&p, 0);
		for (size_t i = 0; i < 5; i++)
			assert_string_equal(p.v[i]->id, want[i]);
		population_free(&p);
	}
}

static struct story *mk_rated(const char *id, double elo, double rating, int wins)
{
	struct story *s = mk(id, elo, wins);
	s->rated = 1;
	s->rating = rating;
	s->rating_lo = rating - 50;
	s->rating_hi = rating + 50;
	return s;
}

static void expect_order(struct population *p, const char *const *want)
{
	for (size_t i = 0; i < p->n; i++) {
		assert_string_equal(p->v[i]->id, want[i]);
		assert_int_equal(p->v[i]->rank, (int)i + 1);
	}
}

/* Elo and the Bradley-Terry rating disagree: by_rating picks the order. */
static void test_population_rank_by_rating(void **state)
{
	(void)state;
	static const char *by_elo[] = { "a", "b", "c", "d" };
	static const char *by_bt[] = { "d", "c", "b", "a" };
	struct population p = { 0 };
	population_add(&p, mk_rated("c", 1190, 1250, 1));
	population_add(&p, mk_rated("a", 1260, 1100, 1));
	population_add(&p, mk_rated("d", 1150, 1300, 1));
	population_add(&p, mk_rated("b", 1230, 1180, 1));
	population_rank(&p, 1);
	expect_order(&p, by_bt);
	population_rank(&p, 0);
	expect_order(&p, by_elo);
	population_rank(&p, 1);
	expect_order(&p, by_bt);
	population_free(&p);
}

/* Equal ratings: wins, then id, as for Elo; the Elo does not break it. */
static void test_population_rank_rating_ties(void **state)
{
	(void)state;
	static const char *want[] = { "x", "k", "m", "z" };
	struct population p = { 0 };
	population_add(&p, mk_rated("m", 1300, 1200, 2));
	population_add(&p, mk_rated("z", 1000, 1150, 9));
	population_add(&p, mk_rated("x", 1100, 1200, 5));
	population_add(&p, mk_rated("k", 1000, 1200, 2));
	population_rank(&p, 1);
	expect_order(&p, want);
	population_free(&p);
}

/* One story without a rating: the whole population falls back to Elo
 * (mixing the two scales would be meaningless). */
static void test_population_rank_unrated_falls_back(void **state)
{
	(void)state;
	static const char *by_elo[] = { "a", "b", "c", "d" };
	static const char *by_bt[] = { "d", "c", "b", "a" };
	struct population p = { 0 };
	population_add(&p, mk_rated("c", 1190, 1250, 1));
	population_add(&p, mk_rated("a", 1260, 1100, 1));
	population_add(&p, mk_rated("d", 1150, 1300, 1));
	struct story *b = mk("b", 1230, 1);
	b->rating = 5000; /* set but not rated: must not count */
	population_add(&p, b);
	population_rank(&p, 1);
	expect_order(&p, by_elo);
	/* once it is rated, the rating order applies again */
	for (size_t i = 0; i < p.n; i++)
		if (strcmp(p.v[i]->id, "b") == 0) {
			p.v[i]->rated = 1;
			p.v[i]->rating = 1180;
		}
	population_rank(&p, 1);
	expect_order(&p, by_bt);
	/* and a later call with an unrated story is not stuck on the
	 * previous call's choice */
	p.v[0]->rated = 0;
	population_rank(&p, 1);
	expect_order(&p, by_elo);
	population_free(&p);
}

int run_story_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_words),
		cmocka_unit_test(test_trim_at_sentence_end),
		cmocka_unit_test(test_trim_keeps_closing_quotes),
		cmocka_unit_test(test_trim_keeps_guillemet),
		cmocka_unit_test(test_trim_falls_back_to_word_boundary),
		cmocka_unit_test(test_trim_edge_limits),
		cmocka_unit_test(test_trim_never_exceeds),
		cmocka_unit_test(test_story_new),
		cmocka_unit_test(test_story_copy_resets_counters),
		cmocka_unit_test(test_population_grows),
		cmocka_unit_test(test_population_rank),
		cmocka_unit_test(test_population_rank_is_total_order),
		cmocka_unit_test(test_population_rank_by_rating),
		cmocka_unit_test(test_population_rank_rating_ties),
		cmocka_unit_test(test_population_rank_unrated_falls_back),
	};
	return cmocka_run_group_tests_name("story", tests, NULL, NULL);
}
