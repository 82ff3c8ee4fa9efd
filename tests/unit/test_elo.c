/*
 * test_elo.c - Elo ratings (src/elo.c): initial 1200, K 32, scale 400.
 */
#include "unit.h"
#include "aw/elo.h"

#include <math.h>

static void test_constants(void **state)
{
	(void)state;
	assert_float_equal(ELO_INITIAL, 1200.0, 0.0);
	assert_float_equal(ELO_K, 32.0, 0.0);
}

static void test_expected(void **state)
{
	(void)state;
	assert_float_equal(elo_expected(1200, 1200), 0.5, 1e-12);
	/* 400 points ahead: 10 to 1 */
	assert_float_equal(elo_expected(1600, 1200), 10.0 / 11.0, 1e-12);
	assert_float_equal(elo_expected(1200, 1600), 1.0 / 11.0, 1e-12);
	/* 200 points: 1 / (1 + 10^-0.5) */
	assert_float_equal(elo_expected(1400, 1200), 1.0 / (1.0 + pow(10.0, -0.5)), 1e-12);
	/* only the difference matters */
	assert_float_equal(elo_expected(2000, 1900), elo_expected(1100, 1000), 1e-12);
}

static void test_expected_is_complementary(void **state)
{
	(void)state;
	static const double r[] = { 800, 1000, 1187.5, 1200, 1333, 1600, 2400 };
	for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
		for (size_t j = 0; j < sizeof r / sizeof r[0]; j++) {
			double e = elo_expected(r[i], r[j]);
			assert_true(e > 0.0 && e < 1.0);
			assert_float_equal(e + elo_expected(r[j], r[i]), 1.0, 1e-12);
			if (r[i] > r[j])
				assert_true(e > 0.5);
		}
}

static void test_update_even_game(void **state)
{
	(void)state;
	double a = 1200, b = 1200;
	elo_update(&a, &b, 1.0, ELO_K);
	assert_float_equal(a, 1216.0, 1e-9);
	assert_float_equal(b, 1184.0, 1e-9);

	a = 1200, b = 1200;
	elo_update(&a, &b, 0.0, ELO_K);
	assert_float_equal(a, 1184.0, 1e-9);
	assert_float_equal(b, 1216.0, 1e-9);

	a = 1200, b = 1200;
	elo_update(&a, &b, 0.5, ELO_K);
	assert_float_equal(a, 1200.0, 1e-9);
	assert_float_equal(b, 1200.0, 1e-9);
}

static void test_update_upset(void **state)
{
	(void)state;
	/* the underdog (1/11 expected) wins: gains 32 * 10/11 */
	double a = 1200, b = 1600;
	elo_update(&a, &b, 1.0, ELO_K);
	assert_float_equal(a, 1200 + 32.0 * 10.0 / 11.0, 1e-9);
	assert_float_equal(b, 1600 - 32.0 * 10.0 / 11.0, 1e-9);
	/* the favourite wins: gains only 32 * 1/11 */
	a = 1600, b = 1200;
	elo_update(&a, &b, 1.0, ELO_K);
	assert_float_equal(a, 1600 + 32.0 / 11.0, 1e-9);
	assert_float_equal(b, 1200 - 32.0 / 11.0, 1e-9);
}

static void test_update_uses_k(void **state)
{
	(void)state;
	double a = 1200, b = 1200;
	elo_update(&a, &b, 1.0, 16.0);
	assert_float_equal(a, 1208.0, 1e-9);
	assert_float_equal(b, 1192.0, 1e-9);
}

static void test_zero_sum(void **state)
{
	(void)state;
	/* a long series of games keeps the mean rating at 1200 */
	double r[4] = { ELO_INITIAL, ELO_INITIAL, ELO_INITIAL, ELO_INITIAL };
	for (int g = 0; g < 200; g++) {
		int i = g % 4, j = (g * 7 + 1) % 4;
		if (i == j)
			continue;
		elo_update(&r[i], &r[j], (g % 3) ? 1.0 : 0.0, ELO_K);
	}
	assert_float_equal((r[0] + r[1] + r[2] + r[3]) / 4, ELO_INITIAL, 1e-6);
	/* and a player who always wins ends above one who always loses */
	double w = 1200, l = 1200;
	for (int g = 0; g < 50; g++)
		elo_update(&w, &l, 1.0, ELO_K);
	assert_true(w > l);
	assert_float_equal(w + l, 2400.0, 1e-6);
}

int run_elo_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_constants),
		cmocka_unit_test(test_expected),
		cmocka_unit_test(test_expected_is_complementary),
		cmocka_unit_test(test_update_even_game),
		cmocka_unit_test(test_update_upset),
		cmocka_unit_test(test_update_uses_k),
		cmocka_unit_test(test_zero_sum),
	};
	return cmocka_run_group_tests_name("elo", tests, NULL, NULL);
}
