/*
 * test_export.c - the pure parts of `alphawrite export` (src/export.c):
 * which preference pairs a generation yields, the deviation weights, and
 * the --generations list.
 */
#include "unit.h"
#include "aw/export.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NV(a) (sizeof(a) / sizeof((a)[0]))

static void expect_pair(const struct export_pair *p, size_t c, size_t r)
{
	if (p->chosen != c || p->rejected != r)
		fail_msg("pair (%zu, %zu), expected (%zu, %zu)", p->chosen, p->rejected, c, r);
	assert_true(p->margin > 0.5 && p->margin < 1);
}

static void test_pairs_margin_and_cap(void **state)
{
	(void)state;
	const double theta[] = { 2.0, 1.5, 1.0, 0.0, -1.0 };
	struct export_pair *p;
	/* each story with the two closest it beats by 0.6 (a logit of 0.405) */
	size_t n = export_pairs(theta, NV(theta), NV(theta), 0.6, 2, &p);
	assert_int_equal((int)n, 7);
	expect_pair(&p[0], 0, 1);
	expect_pair(&p[1], 0, 2);
	expect_pair(&p[2], 1, 2);
	expect_pair(&p[3], 1, 3);
	expect_pair(&p[4], 2, 3);
	expect_pair(&p[5], 2, 4);
	expect_pair(&p[6], 3, 4);
	assert_true(fabs(p[0].margin - 1.0 / (1.0 + exp(-0.5))) < 1e-12);
	free(p);
	/* only the top two are chosen */
	n = export_pairs(theta, NV(theta), 2, 0.6, 2, &p);
	assert_int_equal((int)n, 4);
	free(p);
	/* a wide margin (0.9: a logit of 2.2) leaves the clear pairs only */
	n = export_pairs(theta, NV(theta), NV(theta), 0.9, 3, &p);
	assert_int_equal((int)n, 2);
	expect_pair(&p[0], 0, 4);
	expect_pair(&p[1], 1, 4);
	free(p);
	/* linear, not quadratic: at most per_story pairs a story */
	double many[200];
	for (int i = 0; i < 200; i++)
		many[i] = -0.05 * i;
	n = export_pairs(many, 200, 200, 0.6, 3, &p);
	assert_true(n <= 3 * 200);
	for (size_t k = 0; k < n; k++)
		assert_true(p[k].margin >= 0.6);
	free(p);
}

static void test_pairs_follow_strength_not_index(void **state)
{
	(void)state;
	/* index order is the file's rank; strengths may differ since: the
	 * closest weaker story comes first, ties by index */
	const double theta[] = { 0.5, 2.0, -1.0, -1.0 };
	struct export_pair *p;
	size_t n = export_pairs(theta, NV(theta), NV(theta), 0.6, 1, &p);
	assert_int_equal((int)n, 2);
	expect_pair(&p[0], 0, 2);
	expect_pair(&p[1], 1, 0);
	free(p);
	assert_int_equal((int)export_pairs(theta, 1, 1, 0.6, 3, &p), 0);
	assert_null(p);
}

static void test_weights(void **state)
{
	(void)state;
	const double raw[] = { 0.1, 0.3, 0.2 };
	double d[3], w[3];
	export_scale(raw, 3, d);
	assert_true(fabs(d[0] + 1) < 1e-12 && fabs(d[1] - 1) < 1e-12 && fabs(d[2]) < 1e-12);
	export_weights(d, 3, w);
	assert_true(fabs(w[0]) < 1e-12 && fabs(w[1] - 2) < 1e-12 && fabs(w[2] - 1) < 1e-12);
	/* they average 1 */
	const double e[] = { 0.3, -0.2, 0.9, -1.0, 0.0 };
	double v[5], sum = 0;
	export_weights(e, 5, v);
	for (int i = 0; i < 5; i++)
		sum += v[i];
	assert_true(fabs(sum / 5 - 1) < 1e-12);
	/* equal deviations: no preference */
	const double same[] = { 0.4, 0.4 };
	export_scale(same, 2, d);
	assert_true(d[0] == 0 && d[1] == 0);
	const double low[] = { -1, -1 };
	export_weights(low, 2, w);
	assert_true(w[0] == 1 && w[1] == 1);
}

static void test_generations_list(void **state)
{
	(void)state;
	unsigned char sel[5];
	char err[256];
	assert_int_equal(export_parse_generations("0,2-3", 5, sel, err, sizeof err), 0);
	assert_memory_equal(sel, "\1\0\1\1\0", 5);
	assert_int_equal(export_parse_generations("4", 5, sel, err, sizeof err), 0);
	assert_memory_equal(sel, "\0\0\0\0\1", 5);
	const char *bad[] = { "5", "2-1", "a", "1,", "", "-1", "1-", "1;2", "0-9" };
	for (size_t i = 0; i < NV(bad); i++) {
		if (export_parse_generations(bad[i], 5, sel, err, sizeof err) != -1)
			fail_msg("'%s' was accepted", bad[i]);
		assert_true(tu_contains(err, "--generations"));
	}
}

int run_export_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pairs_margin_and_cap),
		cmocka_unit_test(test_pairs_follow_strength_not_index),
		cmocka_unit_test(test_weights),
		cmocka_unit_test(test_generations_list),
	};
	return cmocka_run_group_tests_name("export", tests, NULL, NULL);
}
