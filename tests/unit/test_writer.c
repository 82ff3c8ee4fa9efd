/*
 * test_writer.c - spreading (style, theme) pairs over the initial
 * population (writer_assign in src/writer.c).
 */
#include "unit.h"
#include "aw/rng.h"
#include "aw/writer.h"

#include <stdlib.h>
#include <string.h>

struct shape {
	size_t s, t, n;
};

static const struct shape shapes[] = {
	{ 16, 12, 60 }, { 3, 2, 20 }, { 5, 5, 25 }, { 1, 1, 4 }, { 12, 10, 7 },
	{ 2, 3, 13 },   { 7, 1, 15 }, { 1, 6, 14 }, { 4, 4, 40 }, { 6, 5, 61 },
};

static void assign(uint64_t seed, const struct shape *sh, size_t *style, size_t *theme)
{
	struct rng r;
	rng_seed(&r, seed);
	writer_assign(&r, sh->s, sh->t, sh->n, style, theme);
}

static void check_shape(const struct shape *sh, uint64_t seed)
{
	size_t *style = malloc(sh->n * sizeof *style);
	size_t *theme = malloc(sh->n * sizeof *theme);
	size_t *count = calloc(sh->s, sizeof *count);
	unsigned char *seen = calloc(sh->s * sh->t, 1);
	assert_non_null(style);
	assert_non_null(theme);
	assert_non_null(count);
	assert_non_null(seen);
	assign(seed, sh, style, theme);

	size_t cycle = sh->s * sh->t;
	for (size_t i = 0; i < sh->n; i++) {
		assert_true(style[i] < sh->s);
		assert_true(theme[i] < sh->t);
		count[style[i]]++;
		/* no pair repeats before all S*T pairs are used */
		if (i % cycle == 0)
			memset(seen, 0, cycle);
		size_t pair = style[i] * sh->t + theme[i];
		if (seen[pair])
			fail_msg("S=%zu T=%zu N=%zu seed %llu: pair (%zu,%zu) repeats at %zu", sh->s,
				 sh->t, sh->n, (unsigned long long)seed, style[i], theme[i], i);
		seen[pair] = 1;
	}
	/* each style is used floor(N/S) or ceil(N/S) times */
	size_t lo = sh->n / sh->s, hi = (sh->n + sh->s - 1) / sh->s;
	for (size_t k = 0; k < sh->s; k++)
		if (count[k] < lo || count[k] > hi)
			fail_msg("S=%zu T=%zu N=%zu seed %llu: style %zu used %zu times", sh->s, sh->t,
				 sh->n, (unsigned long long)seed, k, count[k]);
	free(style);
	free(theme);
	free(count);
	free(seen);
}

static void test_assign_balanced_and_distinct(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
		for (uint64_t seed = 0; seed < 40; seed++)
			check_shape(&shapes[i], seed);
}

static void test_assign_full_cycle_uses_every_pair(void **state)
{
	(void)state;
	/* N = S*T: every pair exactly once */
	struct shape sh = { 5, 5, 25 };
	size_t style[25], theme[25];
	unsigned char seen[25] = { 0 };
	assign(11, &sh, style, theme);
	for (size_t i = 0; i < 25; i++)
		seen[style[i] * 5 + theme[i]]++;
	for (size_t i = 0; i < 25; i++)
		assert_int_equal(seen[i], 1);
}

static void test_assign_deterministic(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		const struct shape *sh = &shapes[i];
		size_t *s1 = malloc(sh->n * sizeof *s1), *t1 = malloc(sh->n * sizeof *t1);
		size_t *s2 = malloc(sh->n * sizeof *s2), *t2 = malloc(sh->n * sizeof *t2);
		assert_non_null(s1);
		assert_non_null(t1);
		assert_non_null(s2);
		assert_non_null(t2);
		assign(424242, sh, s1, t1);
		assign(424242, sh, s2, t2);
		assert_memory_equal(s1, s2, sh->n * sizeof *s1);
		assert_memory_equal(t1, t2, sh->n * sizeof *t1);
		/* another seed gives another assignment, where there is a choice */
		if (sh->s * sh->t > 1) {
			assign(424243, sh, s2, t2);
			assert_true(memcmp(s1, s2, sh->n * sizeof *s1) != 0 ||
				    memcmp(t1, t2, sh->n * sizeof *t1) != 0);
		}
		free(s1);
		free(t1);
		free(s2);
		free(t2);
	}
}

static void test_assign_uses_all_styles_and_themes(void **state)
{
	(void)state;
	/* (16, 12, 60): every style is used; themes are spread, not clumped */
	struct shape sh = { 16, 12, 60 };
	size_t style[60], theme[60];
	size_t tcount[12] = { 0 };
	assign(5, &sh, style, theme);
	for (size_t i = 0; i < 60; i++)
		tcount[theme[i]]++;
	for (size_t k = 0; k < 12; k++)
		assert_in_range(tcount[k], 4, 6);
}

int run_writer_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_assign_balanced_and_distinct),
		cmocka_unit_test(test_assign_full_cycle_uses_every_pair),
		cmocka_unit_test(test_assign_deterministic),
		cmocka_unit_test(test_assign_uses_all_styles_and_themes),
	};
	return cmocka_run_group_tests_name("writer", tests, NULL, NULL);
}
