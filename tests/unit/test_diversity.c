/*
 * test_diversity.c - the text distance and the generation measures
 * (src/diversity.c).
 */
#include "unit.h"
#include "aw/diversity.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Twenty sentences of one story, and of another written independently on
 * the same kind of prompt, so that they share ordinary English but no
 * wording. */
static const char *const story_a[20] = {
	"The lighthouse keeper counted the ships every evening before supper.",
	"Her name was Maren, and she had kept the light for thirty-one winters.",
	"On the night the fog came in, only four ships passed the point.",
	"She wrote their names in the ledger with a pencil worn to a stub.",
	"The fifth ship, the one she expected, never rounded the headland.",
	"Maren climbed the spiral stairs and trimmed the wick by hand.",
	"Below her the sea moved like a sleeping animal under a grey blanket.",
	"She thought of her brother, who had sailed on the fifth ship in spring.",
	"At midnight a bell rang somewhere out in the fog, faint and slow.",
	"She answered it with the foghorn, three long calls and one short.",
	"No answer came, only the bell again, closer now and to the north.",
	"Maren took the lantern and walked down to the rocks in her nightgown.",
	"The tide had pulled back further than she had ever seen it go.",
	"On the wet sand lay a ship's bell, green with weed and very old.",
	"Its clapper moved by itself, though there was no wind at all.",
	"She knelt and read the name cut into the bronze: Aurora, 1887.",
	"Her brother's ship was the Aurora, built the year before he was born.",
	"When she looked up, the fog had lifted and the fifth ship was there.",
	"It rounded the headland with every lamp lit, exactly on time.",
	"Maren went back up the stairs and wrote its name in the ledger.",
};

static const char *const story_b[20] = {
	"Dev opened the bakery at four, when the street was still blue and empty.",
	"He liked the quiet before the ovens warmed and the radio came on.",
	"That morning a girl in a yellow raincoat was waiting by the door.",
	"She asked for a loaf of rye and paid with a coin he did not recognise.",
	"The coin was heavy and warm, stamped with a crown and a crescent moon.",
	"He put it in the jar by the till and forgot about it until noon.",
	"By then the jar was full of the same coins, and the girl was back.",
	"She wanted twelve loaves this time, and a cake shaped like a boat.",
	"Dev told her he would need a day to make the cake properly.",
	"She laughed and said that a day was exactly what she had to spare.",
	"He worked through the afternoon with the shutters half down.",
	"The boat had a cinnamon hull and sails of sugar thin as paper.",
	"When he finished, the girl was sitting on the counter swinging her boots.",
	"She carried the cake out into the rain without a box or a bag.",
	"He followed her to the canal, where the water was high and brown.",
	"She set the cake on the water and it floated, sails filling.",
	"Dozens of children in yellow raincoats lined the far bank, cheering.",
	"The boat crossed to them and they ate it in the rain, sails and all.",
	"When Dev turned back, the coins in the jar had become ordinary pennies.",
	"He kept one of them on a string around his neck for the rest of his life.",
};

/* The sentences joined; with `replace` > 0 every replace-th sentence (the
 * 10th and 20th for 10) is swapped for a new one.  Caller frees. */
static char *join(const char *const *s, int n, int replace)
{
	size_t cap = 64;
	for (int i = 0; i < n; i++)
		cap += strlen(s[i]) + 80;
	char *t = malloc(cap), *o = t;
	assert_non_null(t);
	for (int i = 0; i < n; i++) {
		const char *x = s[i];
		if (replace > 0 && (i + 1) % replace == 0)
			x = i % 2 ? "A gull screamed once and then the harbour was silent again."
				  : "Somewhere a dog barked at nothing and nobody told it to stop.";
		o += sprintf(o, "%s%s", i ? " " : "", x);
	}
	return t;
}

/* ------------------------------------------------------------ distance */

static void test_distance_identical(void **state)
{
	(void)state;
	char *a = join(story_a, 20, 0);
	/* The 4-gram distance has no floor: a text is 0 from itself (NCD,
	 * measured in tests/bench/distance.c, stays 0.03 above 0). */
	assert_true(diversity_distance(a, a) < 1e-12);
	/* case and the amount of white space do not matter */
	char *b = strdup(a);
	assert_non_null(b);
	for (char *p = b; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	assert_true(diversity_distance(a, b) < 1e-12);
	assert_true(diversity_distance("one  two\n\nthree", " one two three ") < 1e-12);
	free(a);
	free(b);
}

static void test_distance_unrelated(void **state)
{
	(void)state;
	char *a = join(story_a, 20, 0);
	/* no 4-gram in common: exactly 1 */
	assert_true(fabs(diversity_distance(a, "1234567 89012 3456 78901234") - 1) < 1e-12);
	assert_true(diversity_distance("xqzv wkjy", "ploo mnnb") > 0.999);
	/* Two independent English stories: far, but not near 1, because
	 * they share " the", "and " and the like (header: 0.2-0.65). */
	char *b = join(story_b, 20, 0);
	double d = diversity_distance(a, b);
	assert_true(d > 0.15);
	assert_true(d < 0.8);
	free(a);
	free(b);
}

static void test_distance_near_copy(void **state)
{
	(void)state;
	char *a = join(story_a, 20, 0);
	char *copy = join(story_a, 20, 10); /* 2 sentences of 20 replaced */
	char *b = join(story_b, 20, 0);
	double near = diversity_distance(a, copy), far = diversity_distance(a, b);
	assert_true(near > 0);
	assert_true(near < 0.1);
	assert_true(near * 5 < far);
	/* half the sentences of another story: in between */
	char *mixed = join(story_a, 10, 0);
	char *tail = join(story_b + 10, 10, 0);
	char *half = malloc(strlen(mixed) + strlen(tail) + 2);
	assert_non_null(half);
	sprintf(half, "%s %s", mixed, tail);
	double mid = diversity_distance(a, half);
	assert_true(mid > near);
	assert_true(mid < far);
	free(a);
	free(copy);
	free(b);
	free(mixed);
	free(tail);
	free(half);
}

static void test_distance_symmetric(void **state)
{
	(void)state;
	char *t[4] = { join(story_a, 20, 0), join(story_a, 20, 10), join(story_b, 20, 0),
		       join(story_b, 7, 3) };
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++) {
			double x = diversity_distance(t[i], t[j]), y = diversity_distance(t[j], t[i]);
			assert_true(fabs(x - y) < 1e-12);
			assert_true(x >= 0 && x <= 1);
		}
	for (int i = 0; i < 4; i++)
		free(t[i]);
}

static void test_distance_tiny(void **state)
{
	(void)state;
	assert_true(diversity_distance("", "") == 0);
	assert_true(diversity_distance("   \n", "") == 0);
	assert_true(diversity_distance("", "word") == 1);
	assert_true(diversity_distance("a", "a") == 0);
	assert_true(diversity_distance("a", "b") == 1);
	assert_true(diversity_distance("A", "a") == 0);
	assert_true(diversity_distance("ab", "ab ") == 0);
	assert_true(diversity_distance("word", "word") < 1e-12);
	assert_true(diversity_distance("word", "ward") > 0.5);
	assert_true(diversity_distance("abc", "abcd") > 0);
	/* bytes that are not ASCII are compared as they are */
	assert_true(diversity_distance("café déjà", "café déjà") < 1e-12);
	assert_true(diversity_distance("\xff\xfe\xfd\xfc", "\xff\xfe\xfd\xfc") < 1e-12);
}

/* ---------------------------------------------------------- generation */

static void test_generation(void **state)
{
	(void)state;
	char *t[4] = { join(story_a, 20, 0), join(story_a, 20, 10), join(story_b, 20, 0),
		       join(story_b, 20, 5) };
	struct diversity *d = diversity_new((const char *const *)t, 4);
	assert_int_equal((int)d->n, 4);
	double sum = 0;
	for (size_t i = 0; i < 4; i++) {
		assert_true(diversity_pair(d, i, i) == 0);
		double s = 0;
		for (size_t j = 0; j < 4; j++) {
			assert_true(diversity_pair(d, i, j) == diversity_pair(d, j, i));
			assert_true(fabs(diversity_pair(d, i, j) - diversity_distance(t[i], t[j])) < 1e-12);
			s += diversity_pair(d, i, j);
		}
		assert_true(fabs(diversity_deviation(d, i) - s / 3) < 1e-12);
		sum += s / 3;
	}
	assert_true(fabs(d->mean_deviation - sum / 4) < 1e-12);
	/* each story's nearest is its own near-copy */
	assert_true(diversity_pair(d, 0, 1) < diversity_pair(d, 0, 2));
	assert_true(diversity_pair(d, 2, 3) < diversity_pair(d, 2, 1));
	diversity_free(d);
	diversity_free(NULL);
	for (int i = 0; i < 4; i++)
		free(t[i]);
}

static void test_generation_small(void **state)
{
	(void)state;
	struct diversity *d = diversity_new(NULL, 0);
	assert_int_equal((int)d->n, 0);
	assert_true(d->mean_deviation == 0);
	diversity_free(d);

	const char *one[] = { "A single story." };
	d = diversity_new(one, 1);
	assert_true(diversity_deviation(d, 0) == 0);
	assert_true(d->mean_deviation == 0);
	diversity_free(d);

	const char *odd[] = { "", "x", "word", "", "  \n " };
	d = diversity_new(odd, 5);
	assert_true(diversity_pair(d, 0, 3) == 0);
	assert_true(diversity_pair(d, 0, 4) == 0);
	assert_true(diversity_pair(d, 0, 1) == 1);
	assert_true(diversity_pair(d, 1, 2) == 1);
	assert_true(fabs(diversity_deviation(d, 2) - 1) < 1e-12);
	diversity_free(d);
}

/* A collapsed generation (near-copies of one story) scores lower on every
 * measure than a varied one. */
static void test_generation_collapse(void **state)
{
	(void)state;
	char *same[4] = { join(story_a, 20, 0), join(story_a, 20, 10), join(story_a, 20, 7),
			  join(story_a, 20, 4) };
	char *varied[4] = { join(story_a, 20, 0), join(story_b, 20, 0), join(story_a, 20, 10),
			    join(story_b, 20, 10) };
	const char *const *s = (const char *const *)same, *const *v = (const char *const *)varied;
	struct diversity *ds = diversity_new(s, 4), *dv = diversity_new(v, 4);
	assert_true(ds->mean_deviation < 0.1);
	assert_true(ds->mean_deviation * 2 < dv->mean_deviation);
	assert_true(diversity_distinct(s, 4, 2) < diversity_distinct(v, 4, 2));
	assert_true(diversity_distinct(s, 4, 3) < diversity_distinct(v, 4, 3));
	double cs = diversity_compression_ratio(s, 4), cv = diversity_compression_ratio(v, 4);
	assert_true(cs > 0 && cv < 1);
	assert_true(cs * 1.3 < cv);
	diversity_free(ds);
	diversity_free(dv);
	for (int i = 0; i < 4; i++) {
		free(same[i]);
		free(varied[i]);
	}
}

/* ------------------------------------------------------------ distinct-n */

static void expect_distinct(const char *const *t, size_t n, int order, double want)
{
	double got = diversity_distinct(t, n, order);
	if (fabs(got - want) > 1e-12)
		print_error("distinct-%d: %.6f, want %.6f\n", order, got, want);
	assert_true(fabs(got - want) < 1e-12);
}

static void test_distinct(void **state)
{
	(void)state;
	const char *one[] = { "the cat sat on the mat" };
	expect_distinct(one, 1, 1, 5.0 / 6); /* "the" twice */
	expect_distinct(one, 1, 2, 1);       /* 5 bigrams, all different */
	expect_distinct(one, 1, 6, 1);
	expect_distinct(one, 1, 7, 0);       /* no 7-gram at all */

	/* case and surrounding punctuation do not make words different */
	const char *two[] = { "The cat sat.", "the cat ran" };
	expect_distinct(two, 2, 1, 4.0 / 6);  /* the cat sat ran */
	expect_distinct(two, 2, 2, 3.0 / 4);  /* "the cat" twice */
	expect_distinct(two, 2, 3, 2.0 / 2);

	/* an n-gram never spans two texts: "b c" is not a bigram here */
	const char *split[] = { "a b", "c d" };
	expect_distinct(split, 2, 2, 2.0 / 2);
	const char *rep[] = { "a b", "a b" };
	expect_distinct(rep, 2, 2, 1.0 / 2);

	/* punctuation alone is no word; quotes and dashes are stripped */
	const char *punct[] = { "\xe2\x80\x9cYes,\xe2\x80\x9d she said \xe2\x80\x94 yes!", "*** yes" };
	expect_distinct(punct, 2, 1, 3.0 / 5); /* yes she said yes yes */
	expect_distinct(punct, 2, 2, 3.0 / 3); /* yes-she she-said said-yes */

	/* "don't" keeps its apostrophe; "Don't" is the same word */
	const char *apos[] = { "don't Don't dont" };
	expect_distinct(apos, 1, 1, 2.0 / 3);

	/* nothing to count */
	const char *empty[] = { "", "   ", "—" };
	expect_distinct(empty, 3, 1, 0);
	expect_distinct(NULL, 0, 2, 0);
	expect_distinct(one, 1, 0, 0);
	expect_distinct(one, 1, DIVERSITY_MAX_ORDER + 1, 0);
}

static void test_distinct_long(void **state)
{
	(void)state;
	/* 20,000 different words, then the same again: every n-gram twice,
	 * except across the seam. */
	size_t cap = 20000 * 8 * 2 + 16;
	char *t = malloc(cap), *o = t;
	assert_non_null(t);
	for (int r = 0; r < 2; r++)
		for (int i = 0; i < 20000; i++)
			o += sprintf(o, "w%d ", i);
	const char *one[] = { t };
	expect_distinct(one, 1, 1, 0.5);
	expect_distinct(one, 1, 2, 20000.0 / 39999); /* 19999 + the seam */
	free(t);
}

/* ---------------------------------------------------- compression ratio */

static void test_compression_ratio(void **state)
{
	(void)state;
	const char *none[] = { "" };
	assert_true(diversity_compression_ratio(NULL, 0) == 0);
	assert_true(diversity_compression_ratio(none, 1) == 0);
	const char *word[] = { "word" };
	double w = diversity_compression_ratio(word, 1);
	assert_true(w > 0); /* a few bytes of block overhead: above 1 */

	char *a = join(story_a, 20, 0);
	const char *once[] = { a }, *twice[] = { a, a };
	double r1 = diversity_compression_ratio(once, 1), r2 = diversity_compression_ratio(twice, 2);
	assert_true(r1 > 0.3 && r1 < 0.8); /* English prose */
	assert_true(r2 < r1 * 0.6);        /* the copy costs almost nothing */
	free(a);
}

/* ------------------------------------------------------------- lineages */

static void test_lineages(void **state)
{
	(void)state;
	const char *ids[] = { "g0-001", "g0-001", "g0-002", NULL, "g0-010", "g0-002" };
	assert_int_equal((int)diversity_lineages(ids, 6), 3);
	assert_int_equal((int)diversity_lineages(ids, 2), 1);
	assert_int_equal((int)diversity_lineages(NULL, 0), 0);
	const char *nulls[] = { NULL, NULL };
	assert_int_equal((int)diversity_lineages(nulls, 2), 0);
}

int run_diversity_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distance_identical),
		cmocka_unit_test(test_distance_unrelated),
		cmocka_unit_test(test_distance_near_copy),
		cmocka_unit_test(test_distance_symmetric),
		cmocka_unit_test(test_distance_tiny),
		cmocka_unit_test(test_generation),
		cmocka_unit_test(test_generation_small),
		cmocka_unit_test(test_generation_collapse),
		cmocka_unit_test(test_distinct),
		cmocka_unit_test(test_distinct_long),
		cmocka_unit_test(test_compression_ratio),
		cmocka_unit_test(test_lineages),
	};
	return cmocka_run_group_tests_name("diversity", tests, NULL, NULL);
}
