/*
 * test_rng.c - the seeded generator (src/rng.c): xoshiro256** seeded by
 * splitmix64.
 */
#include "unit.h"
#include "aw/rng.h"

#include <stdlib.h>
#include <string.h>

static void test_known_answers(void **state)
{
	(void)state;
	/* splitmix64 from 0 gives the published first outputs; xoshiro256**
	 * from that state, computed from the reference algorithm */
	struct rng r;
	rng_seed(&r, 0);
	assert_true(r.s[0] == 0xe220a8397b1dcdafULL);
	assert_true(r.s[1] == 0x6e789e6aa1b965f4ULL);
	assert_true(r.s[2] == 0x06c45d188009454fULL);
	assert_true(r.s[3] == 0xf88bb8a8724c81ecULL);
	assert_true(rng_next(&r) == 0x99ec5f36cb75f2b4ULL);
	assert_true(rng_next(&r) == 0xbf6e1f784956452aULL);
	assert_true(rng_next(&r) == 0x1a5f849d4933e6e0ULL);
	assert_true(rng_next(&r) == 0x6aa594f1262d2d2cULL);
	rng_seed(&r, 42);
	assert_true(rng_next(&r) == 0x15780b2e0c2ec716ULL);
	assert_true(rng_next(&r) == 0x6104d9866d113a7eULL);
}

static void test_same_seed_same_stream(void **state)
{
	(void)state;
	struct rng a, b;
	rng_seed(&a, 123456789);
	rng_seed(&b, 123456789);
	for (int i = 0; i < 10000; i++)
		assert_true(rng_next(&a) == rng_next(&b));
	/* reseeding starts the stream over */
	struct rng c;
	rng_seed(&a, 7);
	rng_seed(&c, 7);
	uint64_t first = rng_next(&a);
	assert_true(first == rng_next(&c));
	rng_seed(&a, 7);
	assert_true(rng_next(&a) == first);
}

static void test_different_seeds_differ(void **state)
{
	(void)state;
	struct rng a, b;
	rng_seed(&a, 1);
	rng_seed(&b, 2);
	int same = 0;
	for (int i = 0; i < 1000; i++)
		same += rng_next(&a) == rng_next(&b);
	assert_int_equal(same, 0);
	/* the state is never all zero, whatever the seed */
	static const uint64_t seeds[] = { 0, 1, UINT64_MAX, 0x9e3779b97f4a7c15ULL };
	for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
		rng_seed(&a, seeds[i]);
		assert_true(a.s[0] | a.s[1] | a.s[2] | a.s[3]);
	}
}

static void test_below_bounds(void **state)
{
	(void)state;
	struct rng r;
	rng_seed(&r, 99);
	static const uint64_t ns[] = { 1, 2, 3, 7, 10, 1000, 1ULL << 32, (1ULL << 63) + 1,
				       UINT64_MAX };
	for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
		for (int k = 0; k < 2000; k++)
			assert_true(rng_below(&r, ns[i]) < ns[i]);
	for (int k = 0; k < 100; k++)
		assert_true(rng_below(&r, 1) == 0);
}

static void test_below_uniform(void **state)
{
	(void)state;
	struct rng r;
	rng_seed(&r, 2025);
	enum { N = 6, DRAWS = 60000 };
	long count[N] = { 0 };
	for (int i = 0; i < DRAWS; i++)
		count[rng_below(&r, N)]++;
	/* each face 10000 +- 4 % (about 10 standard deviations of margin) */
	for (int k = 0; k < N; k++)
		assert_in_range(count[k], 9600, 10400);

	/* a range that is not a power of two and large: both halves are hit
	 * about equally (a modulo bias would skew n = 3 * 2^62) */
	uint64_t n = 3ULL << 62, low = 0;
	for (int i = 0; i < 20000; i++)
		low += rng_below(&r, n) < n / 2;
	assert_in_range(low, 9500, 10500);
}

static void test_unit_range(void **state)
{
	(void)state;
	struct rng r;
	rng_seed(&r, 5);
	double sum = 0;
	for (int i = 0; i < 100000; i++) {
		double u = rng_unit(&r);
		assert_true(u >= 0.0 && u < 1.0);
		sum += u;
	}
	assert_true(sum / 100000 > 0.49 && sum / 100000 < 0.51);
}

static int is_permutation(const size_t *v, size_t n)
{
	unsigned char *seen = calloc(n ? n : 1, 1);
	int ok = 1;
	for (size_t i = 0; i < n && ok; i++) {
		if (v[i] >= n || seen[v[i]])
			ok = 0;
		else
			seen[v[i]] = 1;
	}
	free(seen);
	return ok;
}

static void test_shuffle_is_permutation(void **state)
{
	(void)state;
	struct rng r;
	rng_seed(&r, 31337);
	static const size_t sizes[] = { 0, 1, 2, 3, 10, 100, 1000 };
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		size_t n = sizes[s];
		size_t *v = malloc((n ? n : 1) * sizeof *v);
		assert_non_null(v);
		for (int round = 0; round < 20; round++) {
			for (size_t i = 0; i < n; i++)
				v[i] = i;
			rng_shuffle(&r, v, n);
			assert_true(is_permutation(v, n));
		}
		free(v);
	}
	/* a shuffle of 100 items actually moves them */
	size_t v[100];
	for (size_t i = 0; i < 100; i++)
		v[i] = i;
	rng_shuffle(&r, v, 100);
	size_t fixed = 0;
	for (size_t i = 0; i < 100; i++)
		fixed += v[i] == i;
	assert_true(fixed < 10);
}

static void test_shuffle_uniform(void **state)
{
	(void)state;
	/* all 6 orders of 3 items come out about equally often */
	struct rng r;
	rng_seed(&r, 8);
	long count[3][3][3];
	memset(count, 0, sizeof count);
	for (int i = 0; i < 60000; i++) {
		size_t v[3] = { 0, 1, 2 };
		rng_shuffle(&r, v, 3);
		count[v[0]][v[1]][v[2]]++;
	}
	static const int perms[6][3] = { { 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 },
					 { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 } };
	for (int p = 0; p < 6; p++)
		assert_in_range(count[perms[p][0]][perms[p][1]][perms[p][2]], 9500, 10500);
}

static void test_shuffle_deterministic(void **state)
{
	(void)state;
	struct rng a, b;
	size_t x[50], y[50];
	for (size_t i = 0; i < 50; i++)
		x[i] = y[i] = i;
	rng_seed(&a, 77);
	rng_seed(&b, 77);
	rng_shuffle(&a, x, 50);
	rng_shuffle(&b, y, 50);
	assert_memory_equal(x, y, sizeof x);
	rng_seed(&b, 78);
	for (size_t i = 0; i < 50; i++)
		y[i] = i;
	rng_shuffle(&b, y, 50);
	assert_true(memcmp(x, y, sizeof x) != 0);
}

static void test_mix(void **state)
{
	(void)state;
	assert_true(rng_mix(1, 2) == rng_mix(1, 2));
	assert_true(rng_mix(1, 2) != rng_mix(2, 1));
	assert_true(rng_mix(1, 2) != rng_mix(1, 3));
	assert_true(rng_mix(0, 0) != 0);
}

int run_rng_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_same_seed_same_stream),
		cmocka_unit_test(test_different_seeds_differ),
		cmocka_unit_test(test_below_bounds),
		cmocka_unit_test(test_below_uniform),
		cmocka_unit_test(test_unit_range),
		cmocka_unit_test(test_shuffle_is_permutation),
		cmocka_unit_test(test_shuffle_uniform),
		cmocka_unit_test(test_shuffle_deterministic),
		cmocka_unit_test(test_mix),
	};
	return cmocka_run_group_tests_name("rng", tests, NULL, NULL);
}
