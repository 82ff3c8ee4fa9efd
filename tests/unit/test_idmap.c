/*
 * test_idmap.c - the id -> index hash table (src/idmap.c).
 */
#include "unit.h"
#include "aw/idmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_empty(void **state)
{
	(void)state;
	struct idmap m = IDMAP_INIT;
	assert_int_equal(idmap_get(&m, "g0-000"), -1);
	assert_int_equal(idmap_get(&m, ""), -1);
	idmap_free(&m);
	idmap_free(&m); /* twice is harmless */
}

static void test_put_get_replace(void **state)
{
	(void)state;
	struct idmap m = IDMAP_INIT;
	idmap_put(&m, "a", 0);
	idmap_put(&m, "b", 1);
	idmap_put(&m, "", 2);
	assert_int_equal(idmap_get(&m, "a"), 0);
	assert_int_equal(idmap_get(&m, "b"), 1);
	assert_int_equal(idmap_get(&m, ""), 2);
	assert_int_equal(idmap_get(&m, "c"), -1);
	assert_int_equal(idmap_get(&m, "ab"), -1);
	idmap_put(&m, "a", 7); /* replaces, does not add */
	assert_int_equal(idmap_get(&m, "a"), 7);
	assert_int_equal((int)m.n, 3);
	idmap_free(&m);
}

/* Many keys: every one found after the table has grown many times, and
 * keys that only share a prefix or differ in one byte are told apart. */
static void test_many(void **state)
{
	(void)state;
	enum { N = 20000 };
	char **keys = malloc(N * sizeof *keys);
	assert_non_null(keys);
	struct idmap m = IDMAP_INIT;
	for (int i = 0; i < N; i++) {
		keys[i] = malloc(16);
		assert_non_null(keys[i]);
		snprintf(keys[i], 16, "g%d-%03d", i / 1000, i % 1000);
		idmap_put(&m, keys[i], i);
	}
	assert_int_equal((int)m.n, N);
	assert_true(m.cap >= 2 * m.n); /* kept at most half full */
	for (int i = 0; i < N; i++)
		assert_int_equal(idmap_get(&m, keys[i]), i);
	assert_int_equal(idmap_get(&m, "g20-000"), -1);
	assert_int_equal(idmap_get(&m, "g0-00"), -1);
	assert_int_equal(idmap_get(&m, "g0-0000"), -1);
	idmap_free(&m);
	for (int i = 0; i < N; i++)
		free(keys[i]);
	free(keys);
}

int run_idmap_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_put_get_replace),
		cmocka_unit_test(test_many),
	};
	return cmocka_run_group_tests_name("idmap", tests, NULL, NULL);
}
