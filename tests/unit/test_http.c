/*
 * test_http.c - the retry backoff of the HTTP client (http_backoff in
 * src/http.c): exponential from 0.5 s, jitter of 0.5..1.0 times, capped at
 * 30 s; a server's Retry-After is honoured up to 120 s.
 */
#include "unit.h"
#include "aw/http.h"

#include <limits.h>
#include <math.h>

static void test_backoff_grows_from_half_a_second(void **state)
{
	(void)state;
	/* u close to 1: the full delay; u = 0: half of it */
	double u1 = 0.999999999;
	for (long k = 0; k <= 5; k++) {
		double nominal = 0.5 * pow(2.0, (double)k);
		assert_float_equal(http_backoff(k, -1, 0.0), nominal * 0.5, 1e-9);
		assert_float_equal(http_backoff(k, -1, u1), nominal, 1e-6);
		assert_float_equal(http_backoff(k, -1, 0.5), nominal * 0.75, 1e-9);
	}
	assert_float_equal(http_backoff(0, -1, u1), 0.5, 1e-6);
	assert_float_equal(http_backoff(1, -1, u1), 1.0, 1e-6);
	assert_float_equal(http_backoff(4, -1, u1), 8.0, 1e-6);
}

static void test_backoff_jitter_range(void **state)
{
	(void)state;
	for (long k = 0; k < 12; k++) {
		double nominal = fmin(0.5 * pow(2.0, (double)k), 30.0);
		double prev = -1;
		for (int i = 0; i < 100; i++) {
			double u = i / 100.0;
			double d = http_backoff(k, -1, u);
			assert_true(d >= 0.5 * nominal - 1e-12);
			assert_true(d <= nominal + 1e-12);
			assert_true(d > prev); /* more u, more wait */
			prev = d;
		}
	}
}

static void test_backoff_monotonic_in_k(void **state)
{
	(void)state;
	double prev = 0;
	for (long k = 0; k < 40; k++) {
		double d = http_backoff(k, -1, 0.3);
		assert_true(d >= prev);
		prev = d;
	}
}

static void test_backoff_cap(void **state)
{
	(void)state;
	/* 0.5 * 2^6 = 32 s is past the cap */
	assert_float_equal(http_backoff(6, -1, 0.999999999), 30.0, 1e-6);
	assert_float_equal(http_backoff(6, -1, 0.0), 15.0, 1e-9);
	static const long ks[] = { 6, 7, 10, 30, 31, 64, 1000, LONG_MAX };
	for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
		double d = http_backoff(ks[i], -1, 0.999999999);
		assert_true(isfinite(d));
		assert_true(d <= 30.0 + 1e-9);
		assert_true(d >= 29.99);
		assert_true(http_backoff(ks[i], -1, 0.0) >= 15.0 - 1e-9);
	}
}

static void test_retry_after_honoured(void **state)
{
	(void)state;
	/* the server's own wait is used as it is, without jitter */
	assert_float_equal(http_backoff(0, 5.0, 0.0), 5.0, 1e-12);
	assert_float_equal(http_backoff(0, 5.0, 0.9), 5.0, 1e-12);
	assert_float_equal(http_backoff(7, 2.0, 0.5), 2.0, 1e-12);
	assert_float_equal(http_backoff(3, 0.25, 0.5), 0.25, 1e-12);
	assert_float_equal(http_backoff(0, 45.0, 0.5), 45.0, 1e-12);
	assert_float_equal(http_backoff(0, 120.0, 0.5), 120.0, 1e-12);
}

static void test_retry_after_capped(void **state)
{
	(void)state;
	assert_float_equal(http_backoff(0, 120.5, 0.5), 120.0, 1e-12);
	assert_float_equal(http_backoff(0, 3600.0, 0.5), 120.0, 1e-12);
	assert_float_equal(http_backoff(9, 1e12, 0.0), 120.0, 1e-12);
}

static void test_no_retry_after(void **state)
{
	(void)state;
	/* a negative Retry-After means none was sent */
	assert_float_equal(http_backoff(2, -1.0, 0.0), http_backoff(2, -5.0, 0.0), 0.0);
	assert_float_equal(http_backoff(2, -1.0, 0.0), 1.0, 1e-12);
}

int run_http_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_grows_from_half_a_second),
		cmocka_unit_test(test_backoff_jitter_range),
		cmocka_unit_test(test_backoff_monotonic_in_k),
		cmocka_unit_test(test_backoff_cap),
		cmocka_unit_test(test_retry_after_honoured),
		cmocka_unit_test(test_retry_after_capped),
		cmocka_unit_test(test_no_retry_after),
	};
	return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
