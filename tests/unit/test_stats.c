/*
 * test_stats.c - win rates, intervals, tests and the bootstrap of a
 * head-to-head comparison (src/stats.c).
 *
 * Reference numbers were worked out independently of the code under test:
 * the exact binomial p-values with Python's math.comb and fractions.Fraction
 * (for n = 10^6 by exact integer recurrences from math.comb), the normal
 * quantiles with Python's statistics.NormalDist, the Wilson limits from the
 * textbook formula in Python.  Small binomial tests are also checked
 * against a brute-force sum written out here, the bootstrap against
 * simulated experiments with a known true win rate, and the length control
 * against a one-dimensional equation solved by bisection and against data
 * simulated from the model.
 */
#include "unit.h"
#include "aw/rng.h"
#include "aw/stats.h"
#include "aw/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define Z95 1.9599639845400536 /* NormalDist().inv_cdf(0.975) */

/* |got - want| <= rel * |want|, with a readable failure. */
static void assert_rel(double got, double want, double rel)
{
	if (!(fabs(got - want) <= rel * fabs(want))) {
		fprintf(stderr, "got %.17g, want %.17g (relative tolerance %g)\n", got, want, rel);
		fail();
	}
}

static struct stats_pair pair(size_t a, size_t b, double score, double dlen)
{
	return (struct stats_pair){ a, b, score, dlen };
}

/* The same pairs seen from B's side. */
static struct stats_pair *mirror(const struct stats_pair *p, size_t n)
{
	struct stats_pair *q = malloc((n ? n : 1) * sizeof *q);
	assert_non_null(q);
	for (size_t k = 0; k < n; k++)
		q[k] = pair(p[k].b, p[k].a, 1 - p[k].score, -p[k].dlen);
	return q;
}

/* ------------------------------------------------------------------ */
/* Normal quantile                                                    */
/* ------------------------------------------------------------------ */

static void test_normal_quantile_known(void **state)
{
	(void)state;
	static const struct {
		double p, z;
	} known[] = {
		{ 0.975, 1.9599639845400536 }, { 0.995, 2.5758293035489 },
		{ 0.9, 1.2815515655446008 },   { 0.6, 0.2533471031357998 },
		{ 0.05, -1.6448536269514726 }, { 1e-10, -6.361340902404056 },
		{ 1e-300, -37.0470962993612 },
	};
	for (size_t i = 0; i < AW_ARRAY_LEN(known); i++)
		assert_rel(stats_normal_quantile(known[i].p), known[i].z, 1e-12);
	assert_true(stats_normal_quantile(0.5) == 0);
	assert_true(stats_normal_quantile(0) == -INFINITY);
	assert_true(stats_normal_quantile(1) == INFINITY);
	assert_true(stats_normal_quantile(-0.1) == -INFINITY);
	assert_true(stats_normal_quantile(1.5) == INFINITY);
	assert_true(isnan(stats_normal_quantile(NAN)));
	/* Beyond what exp(x^2/2) can refine: still finite and ordered. */
	double tiny = stats_normal_quantile(1e-320);
	assert_true(isfinite(tiny) && tiny < -37.5 && tiny > -39);
}

/* Phi(q(p)) = p to 1e-12 relative from 1e-300 to 0.5, q(p) = -q(1-p)
 * exactly for p >= 0.5, and q increasing. */
static void test_normal_quantile_roundtrip(void **state)
{
	(void)state;
	double prev = -INFINITY;
	for (double lp = -300; lp <= log10(0.5); lp += 0.37) {
		double p = pow(10, lp);
		double x = stats_normal_quantile(p);
		assert_rel(0.5 * erfc(-x / sqrt(2.0)), p, 1e-12);
		assert_true(x > prev);
		prev = x;
	}
	for (int i = 500; i < 1000; i++) {
		double p = i / 1000.0; /* 1 - p is exact from 0.5 up */
		assert_true(stats_normal_quantile(p) == -stats_normal_quantile(1 - p));
		double x = stats_normal_quantile(p);
		assert_float_equal(0.5 * erfc(-x / sqrt(2.0)), p, 1e-14);
	}
}

/* ------------------------------------------------------------------ */
/* Wilson interval                                                    */
/* ------------------------------------------------------------------ */

static void test_wilson_paper(void **state)
{
	(void)state;
	double lo, hi;
	stats_wilson(86, 120, Z95, &lo, &hi);
	assert_float_equal(lo, 0.6302979754694596, 1e-12);
	assert_float_equal(hi, 0.7895937190824355, 1e-12);
	assert_int_equal((int)lround(100 * lo), 63); /* the paper's 63-79% */
	assert_int_equal((int)lround(100 * hi), 79);
	stats_wilson(74, 120, Z95, &lo, &hi);
	assert_float_equal(lo, 0.5273408053842049, 1e-12);
	assert_float_equal(hi, 0.6987547224514311, 1e-12);
	assert_int_equal((int)lround(100 * lo), 53); /* the paper's 53-70% */
	assert_int_equal((int)lround(100 * hi), 70);
	/* The z of the header's recipe gives the same. */
	double z = stats_normal_quantile((1 + STATS_LEVEL) / 2);
	stats_wilson(86, 120, z, &lo, &hi);
	assert_float_equal(lo, 0.6302979754694596, 1e-12);
}

static void test_wilson_extremes(void **state)
{
	(void)state;
	double lo, hi;
	stats_wilson(0, 1, Z95, &lo, &hi);
	assert_true(lo == 0);
	assert_float_equal(hi, 0.7934506856227626, 1e-12);
	stats_wilson(1, 1, Z95, &lo, &hi);
	assert_float_equal(lo, 0.20654931437723745, 1e-12);
	assert_true(hi == 1);
	stats_wilson(0, 120, Z95, &lo, &hi);
	assert_true(lo == 0);
	assert_float_equal(hi, 0.031019166418703472, 1e-12);
	stats_wilson(120, 120, Z95, &lo, &hi);
	assert_float_equal(lo, 0.9689808335812966, 1e-12);
	assert_true(hi == 1);
	/* ties count half: one tie of one pair, 7.5 of 10 */
	stats_wilson(0.5, 1, Z95, &lo, &hi);
	assert_float_equal(lo, 0.05462075552885198, 1e-12);
	assert_float_equal(hi, 0.945379244471148, 1e-12);
	stats_wilson(7.5, 10, Z95, &lo, &hi);
	assert_float_equal(lo, 0.4421814242785499, 1e-12);
	assert_float_equal(hi, 0.9190521757900055, 1e-12);
	/* no evidence */
	stats_wilson(0, 0, Z95, &lo, &hi);
	assert_true(lo == 0 && hi == 1);
	stats_wilson(3, -1, Z95, &lo, &hi);
	assert_true(lo == 0 && hi == 1);
	stats_wilson(NAN, 10, Z95, &lo, &hi); /* clamped like wins = 0 */
	assert_true(lo == 0 && hi > 0 && hi < 1);
	/* wins outside [0, n] are clamped */
	double l2, h2;
	stats_wilson(12, 10, Z95, &lo, &hi);
	stats_wilson(10, 10, Z95, &l2, &h2);
	assert_true(lo == l2 && hi == h2);
	/* z = 0: the point estimate */
	stats_wilson(3, 10, 0, &lo, &hi);
	assert_float_equal(lo, 0.3, 1e-15);
	assert_float_equal(hi, 0.3, 1e-15);
}

/* Over a grid: inside [0, 1], contains wins / n, mirrors under
 * wins -> n - wins, and widens with z and narrows with n. */
static void test_wilson_properties(void **state)
{
	(void)state;
	for (int n = 1; n <= 60; n++) {
		for (int w2 = 0; w2 <= 2 * n; w2++) {
			double w = w2 / 2.0, lo, hi, mlo, mhi, zlo, zhi;
			stats_wilson(w, n, Z95, &lo, &hi);
			assert_true(0 <= lo && lo <= w / n && w / n <= hi && hi <= 1);
			stats_wilson(n - w, n, Z95, &mlo, &mhi);
			assert_float_equal(mlo, 1 - hi, 1e-12);
			assert_float_equal(mhi, 1 - lo, 1e-12);
			stats_wilson(w, n, 2.5758293035489, &zlo, &zhi);
			assert_true(zlo <= lo && zhi >= hi);
		}
	}
	double lo1, hi1, lo2, hi2;
	stats_wilson(30, 50, Z95, &lo1, &hi1);
	stats_wilson(300, 500, Z95, &lo2, &hi2);
	assert_true(hi2 - lo2 < hi1 - lo1);
}

/* ------------------------------------------------------------------ */
/* Binomial and sign tests                                            */
/* ------------------------------------------------------------------ */

static void test_binomial_known(void **state)
{
	(void)state;
	static const struct {
		long k, n;
		double p0, p;
	} known[] = {
		{ 86, 120, 0.5, 2.275257904564396e-06 },
		{ 34, 120, 0.5, 2.275257904564396e-06 },
		{ 74, 120, 0.5, 0.013376326728236736 },
		{ 0, 5, 0.5, 0.0625 },
		{ 1, 1, 0.5, 1.0 },
		{ 0, 1, 0.5, 1.0 },
		{ 5, 10, 0.5, 1.0 },
		{ 3, 10, 0.5, 0.34375 },
		{ 0, 120, 0.5, 1.504632769052528e-36 },
		{ 120, 120, 0.5, 1.504632769052528e-36 },
		{ 530, 1000, 0.5, 0.06202319509836318 },
		{ 3, 10, 0.3, 1.0 },
		{ 0, 10, 0.3, 0.0388396033 },
		{ 7, 10, 0.3, 0.0105920784 },
		{ 9, 20, 0.25, 0.06523779257167917 },
		{ 1, 20, 0.25, 0.038177041808921786 },
		{ 2, 3, 1.0 / 3, 0.25925925925925924 },
	};
	for (size_t i = 0; i < AW_ARRAY_LEN(known); i++)
		assert_rel(stats_binomial_two_sided(known[i].k, known[i].n, known[i].p0),
			   known[i].p, 1e-9);
	assert_true(stats_binomial_two_sided(0, 0, 0.5) == 1);
	assert_true(isnan(stats_binomial_two_sided(-1, 5, 0.5)));
	assert_true(isnan(stats_binomial_two_sided(6, 5, 0.5)));
	assert_true(isnan(stats_binomial_two_sided(1, 5, 0)));
	assert_true(isnan(stats_binomial_two_sided(1, 5, 1)));
	assert_true(isnan(stats_binomial_two_sided(1, 5, NAN)));
}

/* Every k of every n up to 40 at several p0, against the definition
 * summed directly in long double. */
static void test_binomial_brute_force(void **state)
{
	(void)state;
	static const double p0s[] = { 0.5, 0.3, 0.25, 0.7, 0.9, 0.05 };
	long double pmf[41];
	for (size_t t = 0; t < AW_ARRAY_LEN(p0s); t++) {
		long double p0 = p0s[t];
		for (int n = 1; n <= 40; n++) {
			long double c = 1;
			for (int i = 0; i <= n; i++) {
				pmf[i] = c * powl(p0, i) * powl(1 - p0, n - i);
				c = c * (n - i) / (i + 1);
			}
			for (int k = 0; k <= n; k++) {
				long double want = 0;
				for (int i = 0; i <= n; i++)
					if (pmf[i] <= pmf[k] * (1 + 1e-7L))
						want += pmf[i];
				if (want > 1)
					want = 1;
				assert_rel(stats_binomial_two_sided(k, n, p0s[t]), (double)want,
					   1e-10);
			}
		}
	}
}

/* n = 10^6 and beyond: exact to 1e-7, no overflow, no NaN. */
static void test_binomial_large(void **state)
{
	(void)state;
	assert_rel(stats_binomial_two_sided(498500, 1000000, 0.5), 0.002708655306059757, 1e-7);
	assert_rel(stats_binomial_two_sided(501500, 1000000, 0.5), 0.002708655306059757, 1e-7);
	assert_rel(stats_binomial_two_sided(499000, 1000000, 0.5), 0.04560829986538208, 1e-7);
	assert_rel(stats_binomial_two_sided(490000, 1000000, 0.5), 5.5443632876992246e-89, 1e-6);
	assert_rel(stats_binomial_two_sided(299000, 1000000, 0.3), 0.029096319030430345, 1e-7);
	assert_true(stats_binomial_two_sided(500000, 1000000, 0.5) == 1);
	assert_true(stats_binomial_two_sided(300000, 1000000, 0.3) == 1);
	double p = stats_binomial_two_sided(0, 1000000, 0.5); /* 2^-999999 underflows */
	assert_true(p == 0);
	p = stats_binomial_two_sided(1000000, 1000000, 0.3);
	assert_true(p == 0);
	p = stats_binomial_two_sided(49990000, 100000000, 0.5); /* z = -2 at n = 10^8 */
	assert_rel(p, 0.0455, 0.01);
	p = stats_binomial_two_sided(4999999, 10000000, 0.5);
	assert_true(p > 0.99 && p <= 1);
}

static void test_sign_test(void **state)
{
	(void)state;
	assert_rel(stats_sign_test(86, 34), 2.275257904564396e-06, 1e-9);
	assert_true(stats_sign_test(0, 0) == 1); /* no decisive pair */
	assert_true(stats_sign_test(1, 0) == 1);
	assert_true(stats_sign_test(0, 1) == 1);
	assert_float_equal(stats_sign_test(0, 5), 0.0625, 1e-15);
	assert_float_equal(stats_sign_test(5, 0), 0.0625, 1e-15);
	assert_float_equal(stats_sign_test(6, 0), 0.03125, 1e-15);
	assert_true(isnan(stats_sign_test(-1, 3)));
	/* the same p-value whichever side is A, exactly */
	for (long a = 0; a <= 80; a++)
		for (long b = 0; b <= 80; b += 7)
			assert_true(stats_sign_test(a, b) == stats_sign_test(b, a));
	/* more extreme, smaller */
	for (long a = 60; a < 120; a++)
		assert_true(stats_sign_test(a + 1, 119 - a) <= stats_sign_test(a, 120 - a));
}

/* ------------------------------------------------------------------ */
/* Bootstrap over stories                                             */
/* ------------------------------------------------------------------ */

/* n random pairs among na x nb stories with random scores and lengths. */
static struct stats_pair *random_pairs(size_t n, size_t na, size_t nb, uint64_t seed)
{
	struct rng r;
	rng_seed(&r, seed);
	struct stats_pair *p = malloc(n * sizeof *p);
	assert_non_null(p);
	for (size_t k = 0; k < n; k++) {
		uint64_t v = rng_below(&r, 10);
		p[k] = pair(rng_below(&r, na), rng_below(&r, nb), v < 6 ? 1 : v < 8 ? 0.5 : 0,
			    (double)rng_below(&r, 200) - 80);
	}
	return p;
}

static void test_bootstrap_deterministic(void **state)
{
	(void)state;
	struct stats_pair *p = random_pairs(150, 12, 9, 5);
	double lo1, hi1, lo2, hi2, lo3, hi3;
	assert_int_equal(stats_bootstrap_winrate(p, 150, 12, 9, 1000, 77, 0.95, &lo1, &hi1), 0);
	assert_int_equal(stats_bootstrap_winrate(p, 150, 12, 9, 1000, 77, 0.95, &lo2, &hi2), 0);
	assert_true(lo1 == lo2 && hi1 == hi2);
	assert_int_equal(stats_bootstrap_winrate(p, 150, 12, 9, 1000, 78, 0.95, &lo3, &hi3), 0);
	assert_true(lo3 != lo1 || hi3 != hi1);
	double mean = 0;
	for (size_t k = 0; k < 150; k++)
		mean += p[k].score / 150;
	assert_true(lo1 < mean && mean < hi1);
	/* a lower level gives a narrower interval inside it */
	assert_int_equal(stats_bootstrap_winrate(p, 150, 12, 9, 1000, 77, 0.5, &lo2, &hi2), 0);
	assert_true(lo1 <= lo2 && hi2 <= hi1 && lo2 < hi2);
	free(p);
}

/* Every pair with the same score: the percentile interval is that point
 * (documented; stats_summarise() adds the Wilson floor). */
static void test_bootstrap_collapses(void **state)
{
	(void)state;
	static const double scores[] = { 1, 0, 0.5 };
	struct stats_pair p[40];
	for (size_t s = 0; s < AW_ARRAY_LEN(scores); s++) {
		for (size_t k = 0; k < 40; k++)
			p[k] = pair(k % 8, k % 5, scores[s], 0);
		double lo, hi;
		assert_int_equal(stats_bootstrap_winrate(p, 40, 8, 5, 500, 1, 0.95, &lo, &hi), 0);
		assert_true(lo == scores[s] && hi == scores[s]);
	}
}

static void test_bootstrap_invalid(void **state)
{
	(void)state;
	struct stats_pair p[3] = { pair(0, 0, 1, 0), pair(1, 1, 0, 0), pair(1, 0, 0.5, 0) };
	double lo, hi;
#define BAD(call)                                  \
	do {                                       \
		lo = hi = 0.5;                     \
		assert_int_equal((call), -1);      \
		assert_true(lo == 0 && hi == 1);   \
	} while (0)
	BAD(stats_bootstrap_winrate(p, 0, 2, 2, 100, 1, 0.95, &lo, &hi));
	BAD(stats_bootstrap_winrate(p, 3, 0, 2, 100, 1, 0.95, &lo, &hi));
	BAD(stats_bootstrap_winrate(p, 3, 2, 0, 100, 1, 0.95, &lo, &hi));
	BAD(stats_bootstrap_winrate(p, 3, 1, 2, 100, 1, 0.95, &lo, &hi)); /* a = 1 >= na */
	BAD(stats_bootstrap_winrate(p, 3, 2, 1, 100, 1, 0.95, &lo, &hi)); /* b = 1 >= nb */
	BAD(stats_bootstrap_winrate(p, 3, 2, 2, 0, 1, 0.95, &lo, &hi));
	BAD(stats_bootstrap_winrate(p, 3, 2, 2, 100, 1, 1.0, &lo, &hi));
	BAD(stats_bootstrap_winrate(p, 3, 2, 2, 100, 1, 0.0, &lo, &hi));
	BAD(stats_bootstrap_winrate(p, 3, 2, 2, 100, 1, NAN, &lo, &hi));
	p[2].score = 1.5;
	BAD(stats_bootstrap_winrate(p, 3, 2, 2, 100, 1, 0.95, &lo, &hi));
	p[2].score = NAN;
	BAD(stats_bootstrap_winrate(p, 3, 2, 2, 100, 1, 0.95, &lo, &hi));
	p[2].score = -0.1;
	BAD(stats_bootstrap_winrate(p, 3, 2, 2, 100, 1, 0.95, &lo, &hi));
#undef BAD
}

/* Replicates with no pair drawn are skipped, not counted as NaN or 0. */
static void test_bootstrap_skips_empty(void **state)
{
	(void)state;
	/* One pair among 2 x 2 stories: 7 replicates in 16 have no weight. */
	struct stats_pair one = pair(0, 0, 0.75, 0);
	double lo, hi;
	assert_int_equal(stats_bootstrap_winrate(&one, 1, 2, 2, 400, 3, 0.95, &lo, &hi), 0);
	assert_true(lo == 0.75 && hi == 0.75);
	/* Among 1000 x 1000 stories, a single replicate is empty 60% of the
	 * time: some seeds then have no replicate at all. */
	int failed = 0, ok = 0;
	for (uint64_t seed = 0; seed < 40; seed++) {
		int r = stats_bootstrap_winrate(&one, 1, 1000, 1000, 1, seed, 0.95, &lo, &hi);
		if (r == 0) {
			ok++;
			assert_true(lo == 0.75 && hi == 0.75);
		} else {
			failed++;
			assert_true(lo == 0 && hi == 1);
		}
	}
	assert_true(failed > 0 && ok > 0);
}

/* Swapping A and B: exactly mirrored when the pair list is its own mirror
 * image, mirrored up to Monte Carlo error otherwise. */
static void test_bootstrap_mirror(void **state)
{
	(void)state;
	struct stats_pair diag[60];
	for (size_t k = 0; k < 60; k++)
		diag[k] = pair(k % 30, k % 30, k % 3 == 0 ? 0 : k % 7 == 0 ? 0.5 : 1, 0);
	struct stats_pair *m = mirror(diag, 60);
	double lo, hi, mlo, mhi;
	assert_int_equal(stats_bootstrap_winrate(diag, 60, 30, 30, 2000, 9, 0.95, &lo, &hi), 0);
	assert_int_equal(stats_bootstrap_winrate(m, 60, 30, 30, 2000, 9, 0.95, &mlo, &mhi), 0);
	assert_float_equal(mlo, 1 - hi, 1e-12);
	assert_float_equal(mhi, 1 - lo, 1e-12);
	free(m);

	struct stats_pair *p = random_pairs(150, 12, 9, 11);
	m = mirror(p, 150);
	assert_int_equal(stats_bootstrap_winrate(p, 150, 12, 9, 4000, 9, 0.95, &lo, &hi), 0);
	assert_int_equal(stats_bootstrap_winrate(m, 150, 9, 12, 4000, 9, 0.95, &mlo, &mhi), 0);
	assert_float_equal(mlo, 1 - hi, 0.02);
	assert_float_equal(mhi, 1 - lo, 0.02);
	free(m);
	free(p);
}

/* How wide against Wilson, in the two designs the header describes: each
 * story in one pair (the pair noise counted three times: about sqrt(3)
 * as wide), and every A story against every B story (close). */
static void test_bootstrap_width(void **state)
{
	(void)state;
	enum { N = 400 };
	struct stats_pair *p = malloc(N * sizeof *p);
	assert_non_null(p);
	for (size_t k = 0; k < N; k++)
		p[k] = pair(k, k, k < 240 ? 1 : 0, 0);
	double lo, hi, wlo, whi;
	stats_wilson(240, N, Z95, &wlo, &whi);
	assert_int_equal(stats_bootstrap_winrate(p, N, N, N, 2000, 7, 0.95, &lo, &hi), 0);
	double ratio = (hi - lo) / (whi - wlo);
	assert_true(ratio > 1.5 && ratio < 1.95);
	for (size_t k = 0; k < N; k++)
		p[k] = pair(k % 20, k / 20, (k * 7919) % N < 240 ? 1 : 0, 0);
	assert_int_equal(stats_bootstrap_winrate(p, N, 20, 20, 2000, 7, 0.95, &lo, &hi), 0);
	ratio = (hi - lo) / (whi - wlo);
	assert_true(ratio > 0.9 && ratio < 1.25);
	free(p);
}

/* Coverage on a synthetic population with a known win rate.  A story of
 * A has quality u ~ U(-0.2, 0.2), one of B v ~ U(-0.2, 0.2), and A beats
 * B with probability 0.6 + u - v: the population win rate is exactly 0.6.
 * Each experiment draws 10 stories per set and 120 random pairs among
 * them, judges each pair in both orders (score 1, 0.5 or 0) and asks for a
 * 95% interval.  Stories repeat about 12 times each, so the pairs are
 * dependent: the bootstrap must cover 0.6 about 95% of the time, and the
 * Wilson interval, which takes the pairs as independent, falls short. */
static void test_bootstrap_coverage(void **state)
{
	(void)state;
	enum { EXPERIMENTS = 500, NA = 10, NB = 10, N = 120 };
	struct rng r;
	rng_seed(&r, 2024);
	struct stats_pair p[N];
	double u[NA], v[NB];
	int boot = 0, wilson = 0;
	for (int e = 0; e < EXPERIMENTS; e++) {
		for (int i = 0; i < NA; i++)
			u[i] = 0.4 * rng_unit(&r) - 0.2;
		for (int j = 0; j < NB; j++)
			v[j] = 0.4 * rng_unit(&r) - 0.2;
		double sum = 0;
		for (int k = 0; k < N; k++) {
			size_t a = rng_below(&r, NA), b = rng_below(&r, NB);
			double pr = 0.6 + u[a] - v[b];
			double s = ((rng_unit(&r) < pr) + (rng_unit(&r) < pr)) / 2.0;
			p[k] = pair(a, b, s, 0);
			sum += s;
		}
		double lo, hi;
		assert_int_equal(
			stats_bootstrap_winrate(p, N, NA, NB, 1000, rng_next(&r), 0.95, &lo, &hi), 0);
		boot += lo <= 0.6 && 0.6 <= hi;
		stats_wilson(sum, N, Z95, &lo, &hi);
		wilson += lo <= 0.6 && 0.6 <= hi;
	}
	double cb = (double)boot / EXPERIMENTS, cw = (double)wilson / EXPERIMENTS;
	if (!(cb >= 0.90 && cb <= 0.99 && cw < 0.93)) {
		fprintf(stderr, "coverage: bootstrap %.3f, Wilson %.3f\n", cb, cw);
		fail();
	}
}

/* ------------------------------------------------------------------ */
/* Length-controlled win rate                                         */
/* ------------------------------------------------------------------ */

static double sig(double z)
{
	return 1 / (1 + exp(-z));
}

/* With every dlen equal the fit is one-dimensional: mean - sigmoid(theta)
 * - theta / (sd^2 n) = 0, solved here by bisection. */
static void test_lc_no_length(void **state)
{
	(void)state;
	static const double dl[] = { 0, 37 };
	struct stats_pair p[120];
	for (size_t t = 0; t < AW_ARRAY_LEN(dl); t++) {
		double sum = 0;
		for (size_t k = 0; k < 120; k++) {
			p[k] = pair(k, k, k < 80 ? 1 : k < 90 ? 0.5 : 0, dl[t]);
			sum += p[k].score;
		}
		double mean = sum / 120, lo = -20, hi = 20;
		for (int i = 0; i < 200; i++) {
			double mid = (lo + hi) / 2;
			double g = mean - sig(mid) - mid / (STATS_PRIOR_SD * STATS_PRIOR_SD * 120);
			if (g > 0)
				lo = mid;
			else
				hi = mid;
		}
		double rate, phi;
		assert_int_equal(stats_length_controlled(p, 120, &rate, &phi), 0);
		assert_float_equal(rate, sig(lo), 1e-9);
		assert_true(phi == 0);
		assert_float_equal(rate, mean, 1e-3); /* the prior's pull is small */
		assert_true(rate < mean);            /* and towards 0.5 */
	}
}

/* The longer story always wins.  With as many pairs where A is longer as
 * where B is (the brief's case), the raw rate is 0.5 and so is the
 * controlled one, with a large phi.  With three times as many where A is
 * longer the raw rate is 0.75; the outcomes are then perfectly separated
 * by length, the rate at equal length is not identified by the data, and
 * the prior places it between 0.5 and the raw rate, near ln(3)/2 logits:
 * most of the excess is removed, not all. */
static void test_lc_length_separates(void **state)
{
	(void)state;
	struct stats_pair p[120];
	double rate, phi;
	for (size_t k = 0; k < 120; k++) {
		int a_longer = k % 2 == 0;
		double d = 40 + (double)(k % 7) * 20;
		p[k] = pair(k, k, a_longer ? 1 : 0, a_longer ? d : -d);
	}
	assert_int_equal(stats_length_controlled(p, 120, &rate, &phi), 0);
	assert_float_equal(rate, 0.5, 0.01);
	assert_true(phi > 3);

	for (size_t k = 0; k < 120; k++) {
		int a_longer = k % 4 != 0;
		double d = 40 + (double)(k % 7) * 20;
		p[k] = pair(k, k, a_longer ? 1 : 0, a_longer ? d : -d);
	}
	double raw = 0;
	for (size_t k = 0; k < 120; k++)
		raw += p[k].score / 120;
	assert_float_equal(raw, 0.75, 1e-12);
	assert_int_equal(stats_length_controlled(p, 120, &rate, &phi), 0);
	assert_true(rate > 0.5 && rate < 0.65);
	assert_true(phi > 3);

	/* Length irrelevant: A wins 3 in 4 whichever is longer. */
	for (size_t k = 0; k < 120; k++) {
		int a_longer = k % 2 == 0;
		double d = 40 + (double)(k % 7) * 20;
		p[k] = pair(k, k, (k / 2) % 4 != 0 ? 1 : 0, a_longer ? d : -d);
	}
	assert_int_equal(stats_length_controlled(p, 120, &rate, &phi), 0);
	assert_float_equal(rate, 0.75, 0.01);
	assert_float_equal(phi, 0, 0.1);
}

/* Length explains the wins without separating them: A's story is longer
 * in 3 pairs of 4 and the judge prefers length (theta = 0, phi = 2), so A
 * wins about two thirds of the pairs, but at equal length it is even. */
static void test_lc_length_explains(void **state)
{
	(void)state;
	enum { N = 4000 };
	struct stats_pair *p = malloc(N * sizeof *p);
	assert_non_null(p);
	struct rng r;
	rng_seed(&r, 12);
	double m = 0, ss = 0;
	for (size_t k = 0; k < N; k++) {
		double d = 10 + 190 * rng_unit(&r);
		p[k] = pair(k, k, 0, rng_below(&r, 4) ? d : -d);
		m += p[k].dlen;
	}
	m /= N;
	for (size_t k = 0; k < N; k++)
		ss += (p[k].dlen - m) * (p[k].dlen - m);
	double sd = sqrt(ss / N), raw = 0;
	for (size_t k = 0; k < N; k++) {
		p[k].score = rng_unit(&r) < sig(2 * tanh(p[k].dlen / sd));
		raw += p[k].score / N;
	}
	double rate, phi;
	assert_int_equal(stats_length_controlled(p, N, &rate, &phi), 0);
	assert_true(raw > 0.62);
	assert_float_equal(rate, 0.5, 0.04);
	assert_float_equal(phi, 2, 0.25);
	free(p);
}

static void test_lc_extremes(void **state)
{
	(void)state;
	struct stats_pair p[120];
	double rate, phi;
	for (size_t k = 0; k < 120; k++)
		p[k] = pair(k, k, 1, (double)k - 60);
	assert_int_equal(stats_length_controlled(p, 120, &rate, &phi), 0);
	assert_true(isfinite(rate) && rate > 0.9 && rate < 1 && isfinite(phi));
	for (size_t k = 0; k < 120; k++)
		p[k].score = 0;
	assert_int_equal(stats_length_controlled(p, 120, &rate, &phi), 0);
	assert_true(isfinite(rate) && rate < 0.1 && rate > 0 && isfinite(phi));
	/* one pair */
	assert_int_equal(stats_length_controlled(&(struct stats_pair){ 0, 0, 1, 50 }, 1, &rate,
						 &phi), 0);
	assert_true(rate > 0.9 && rate < 1 && phi == 0);
	/* ties only: exactly even, no length effect */
	for (size_t k = 0; k < 120; k++)
		p[k].score = 0.5;
	assert_int_equal(stats_length_controlled(p, 120, &rate, &phi), 0);
	assert_true(rate == 0.5 && phi == 0);
	/* no pairs: the prior */
	rate = phi = 9;
	assert_int_equal(stats_length_controlled(p, 0, &rate, &phi), 0);
	assert_true(rate == 0.5 && phi == 0);
	/* bad input */
	p[3].score = 1.01;
	assert_int_equal(stats_length_controlled(p, 120, &rate, &phi), -1);
	assert_true(rate == 0.5 && phi == 0);
	p[3].score = 1;
	p[4].dlen = INFINITY;
	assert_int_equal(stats_length_controlled(p, 120, &rate, &phi), -1);
	p[4].dlen = NAN;
	assert_int_equal(stats_length_controlled(p, 120, &rate, &phi), -1);
}

/* Data simulated from the model itself (theta 0.4, phi 1.5, soft scores
 * from two verdicts per pair): the fit finds both. */
static void test_lc_recovers_model(void **state)
{
	(void)state;
	enum { N = 20000 };
	struct stats_pair *p = malloc(N * sizeof *p);
	assert_non_null(p);
	struct rng r;
	rng_seed(&r, 31);
	double m = 0, ss = 0;
	for (size_t k = 0; k < N; k++) {
		p[k] = pair(k % 50, k % 40, 0, 400 * rng_unit(&r) - 150);
		m += p[k].dlen;
	}
	m /= N;
	for (size_t k = 0; k < N; k++)
		ss += (p[k].dlen - m) * (p[k].dlen - m);
	double sd = sqrt(ss / N);
	for (size_t k = 0; k < N; k++) {
		double pr = sig(0.4 + 1.5 * tanh(p[k].dlen / sd));
		p[k].score = ((rng_unit(&r) < pr) + (rng_unit(&r) < pr)) / 2.0;
	}
	double rate, phi;
	assert_int_equal(stats_length_controlled(p, N, &rate, &phi), 0);
	assert_float_equal(rate, sig(0.4), 0.012);
	assert_float_equal(phi, 1.5, 0.08);
	free(p);
}

static void test_lc_mirror(void **state)
{
	(void)state;
	struct stats_pair *p = random_pairs(300, 20, 20, 8);
	/* make length matter a little */
	for (size_t k = 0; k < 300; k++)
		if (p[k].dlen > 60)
			p[k].score = 1;
	struct stats_pair *m = mirror(p, 300);
	double rate, phi, mrate, mphi;
	assert_int_equal(stats_length_controlled(p, 300, &rate, &phi), 0);
	assert_int_equal(stats_length_controlled(m, 300, &mrate, &mphi), 0);
	assert_true(phi > 0.3);
	assert_float_equal(mrate, 1 - rate, 1e-9);
	assert_float_equal(mphi, phi, 1e-9);
	free(m);
	free(p);
}

/* ------------------------------------------------------------------ */
/* Summary                                                            */
/* ------------------------------------------------------------------ */

static void test_summarise_counts(void **state)
{
	(void)state;
	/* (0,0) is judged twice, so 7 pairs but 6 distinct; 4 A wins, 1 B win,
	 * 2 ties: 5 of 7. */
	struct stats_pair p[] = {
		pair(0, 0, 1, 10), pair(0, 0, 1, 10), pair(1, 0, 1, -5), pair(2, 1, 0, 30),
		pair(0, 1, 0.5, 0), pair(2, 2, 0.5, -20), pair(1, 2, 1, 15),
	};
	struct stats_summary s;
	assert_int_equal(stats_summarise(p, 7, 3, 3, 1, &s), 0);
	assert_int_equal(s.pairs, 7);
	assert_int_equal(s.a_wins, 4);
	assert_int_equal(s.b_wins, 1);
	assert_int_equal(s.ties, 2);
	assert_int_equal(s.distinct_pairs, 6);
	assert_float_equal(s.win_rate, 5.0 / 7, 1e-15);
	double lo, hi;
	stats_wilson(5, 7, Z95, &lo, &hi);
	assert_float_equal(s.ci_lo, lo, 1e-12);
	assert_float_equal(s.ci_hi, hi, 1e-12);
	assert_float_equal(s.p_value, 0.375, 1e-12); /* 2 (1 + 5) / 32 */
	assert_true(s.ci_boot_lo <= s.ci_lo && s.ci_boot_hi >= s.ci_hi);
	assert_true(s.length_controlled > 0 && s.length_controlled < 1);
	assert_true(isfinite(s.length_phi));
	/* the same seed, the same summary */
	struct stats_summary t;
	assert_int_equal(stats_summarise(p, 7, 3, 3, 1, &t), 0);
	assert_memory_equal(&s, &t, sizeof s);
}

/* The paper's first result as 120 independent pairs. */
static void test_summarise_paper(void **state)
{
	(void)state;
	struct stats_pair p[120];
	for (size_t k = 0; k < 120; k++)
		p[k] = pair(k, k, k < 86 ? 1 : 0, 0);
	struct stats_summary s;
	assert_int_equal(stats_summarise(p, 120, 120, 120, 42, &s), 0);
	assert_int_equal(s.a_wins, 86);
	assert_int_equal(s.b_wins, 34);
	assert_int_equal(s.ties, 0);
	assert_int_equal(s.distinct_pairs, 120);
	assert_float_equal(s.win_rate, 86.0 / 120, 1e-15);
	assert_float_equal(s.ci_lo, 0.6302979754694596, 1e-12);
	assert_float_equal(s.ci_hi, 0.7895937190824355, 1e-12);
	assert_rel(s.p_value, 2.275257904564396e-06, 1e-9);
	assert_true(s.ci_boot_lo < s.ci_lo && s.ci_boot_hi > s.ci_hi);
	assert_float_equal(s.length_controlled, 86.0 / 120, 1e-3);
	assert_true(s.length_phi == 0);
}

static void test_summarise_mirror(void **state)
{
	(void)state;
	struct stats_pair *p = random_pairs(200, 15, 11, 3);
	struct stats_pair *m = mirror(p, 200);
	struct stats_summary s, t;
	assert_int_equal(stats_summarise(p, 200, 15, 11, 5, &s), 0);
	assert_int_equal(stats_summarise(m, 200, 11, 15, 5, &t), 0);
	assert_int_equal(t.pairs, s.pairs);
	assert_int_equal(t.a_wins, s.b_wins);
	assert_int_equal(t.b_wins, s.a_wins);
	assert_int_equal(t.ties, s.ties);
	assert_int_equal(t.distinct_pairs, s.distinct_pairs);
	assert_float_equal(t.win_rate, 1 - s.win_rate, 1e-12);
	assert_float_equal(t.ci_lo, 1 - s.ci_hi, 1e-12);
	assert_float_equal(t.ci_hi, 1 - s.ci_lo, 1e-12);
	assert_true(t.p_value == s.p_value);
	assert_float_equal(t.ci_boot_lo, 1 - s.ci_boot_hi, 0.02);
	assert_float_equal(t.ci_boot_hi, 1 - s.ci_boot_lo, 0.02);
	assert_float_equal(t.length_controlled, 1 - s.length_controlled, 1e-9);
	assert_float_equal(t.length_phi, s.length_phi, 1e-9);
	free(m);
	free(p);
}

static void test_summarise_extremes(void **state)
{
	(void)state;
	struct stats_pair p[120];
	struct stats_summary s;

	/* 120 of 120: the bootstrap alone would say [1, 1]; the Wilson floor
	 * keeps the interval honest. */
	for (size_t k = 0; k < 120; k++)
		p[k] = pair(k % 12, k % 10, 1, 0);
	assert_int_equal(stats_summarise(p, 120, 12, 10, 1, &s), 0);
	assert_int_equal(s.a_wins, 120);
	assert_true(s.win_rate == 1 && s.ci_hi == 1);
	assert_float_equal(s.ci_lo, 0.9689808335812966, 1e-12);
	assert_true(s.ci_boot_lo == s.ci_lo && s.ci_boot_hi == 1);
	assert_rel(s.p_value, 1.504632769052528e-36, 1e-9);
	assert_true(s.length_controlled > 0.9 && s.length_controlled < 1);
	assert_int_equal(s.distinct_pairs, 60); /* lcm(12, 10) */

	/* 0 of 120 */
	for (size_t k = 0; k < 120; k++)
		p[k].score = 0;
	assert_int_equal(stats_summarise(p, 120, 12, 10, 1, &s), 0);
	assert_true(s.win_rate == 0 && s.ci_lo == 0 && s.ci_boot_lo == 0);
	assert_float_equal(s.ci_hi, 0.031019166418703472, 1e-12);
	assert_true(s.ci_boot_hi == s.ci_hi);
	assert_true(s.length_controlled < 0.1 && s.length_controlled > 0);

	/* ties only: no decisive pair, p = 1, a rate of exactly one half */
	for (size_t k = 0; k < 120; k++)
		p[k].score = 0.5;
	assert_int_equal(stats_summarise(p, 120, 12, 10, 1, &s), 0);
	assert_int_equal(s.ties, 120);
	assert_int_equal(s.a_wins + s.b_wins, 0);
	assert_true(s.p_value == 1 && s.win_rate == 0.5 && s.length_controlled == 0.5);
	assert_float_equal(s.ci_lo, 1 - s.ci_hi, 1e-12);
	assert_true(s.ci_boot_lo == s.ci_lo && s.ci_boot_hi == s.ci_hi);

	/* 0 of 1 and 1 of 1 */
	p[0] = pair(0, 0, 0, 0);
	assert_int_equal(stats_summarise(p, 1, 1, 1, 1, &s), 0);
	assert_true(s.win_rate == 0 && s.ci_lo == 0 && s.p_value == 1);
	assert_float_equal(s.ci_hi, 0.7934506856227626, 1e-12);
	assert_true(s.ci_boot_lo == 0 && s.ci_boot_hi == s.ci_hi);
	p[0].score = 1;
	assert_int_equal(stats_summarise(p, 1, 1, 1, 1, &s), 0);
	assert_true(s.win_rate == 1 && s.ci_hi == 1 && s.p_value == 1);
	assert_float_equal(s.ci_lo, 0.20654931437723745, 1e-12);

	/* no pairs */
	assert_int_equal(stats_summarise(p, 0, 0, 0, 1, &s), 0);
	assert_int_equal(s.pairs, 0);
	assert_int_equal(s.distinct_pairs, 0);
	assert_true(s.win_rate == 0.5 && s.length_controlled == 0.5 && s.p_value == 1);
	assert_true(s.ci_lo == 0 && s.ci_hi == 1 && s.ci_boot_lo == 0 && s.ci_boot_hi == 1);

	/* bad input: refused, and nothing half-filled */
	p[0] = pair(0, 5, 1, 0);
	assert_int_equal(stats_summarise(p, 1, 1, 5, 1, &s), -1);
	assert_true(s.pairs == 0 && s.win_rate == 0);
	p[0] = pair(0, 0, 2, 0);
	assert_int_equal(stats_summarise(p, 1, 1, 1, 1, &s), -1);
	p[0] = pair(0, 0, 1, NAN);
	assert_int_equal(stats_summarise(p, 1, 1, 1, 1, &s), -1);
}

int run_stats_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normal_quantile_known),
		cmocka_unit_test(test_normal_quantile_roundtrip),
		cmocka_unit_test(test_wilson_paper),
		cmocka_unit_test(test_wilson_extremes),
		cmocka_unit_test(test_wilson_properties),
		cmocka_unit_test(test_binomial_known),
		cmocka_unit_test(test_binomial_brute_force),
		cmocka_unit_test(test_binomial_large),
		cmocka_unit_test(test_sign_test),
		cmocka_unit_test(test_bootstrap_deterministic),
		cmocka_unit_test(test_bootstrap_collapses),
		cmocka_unit_test(test_bootstrap_invalid),
		cmocka_unit_test(test_bootstrap_skips_empty),
		cmocka_unit_test(test_bootstrap_mirror),
		cmocka_unit_test(test_bootstrap_width),
		cmocka_unit_test(test_bootstrap_coverage),
		cmocka_unit_test(test_lc_no_length),
		cmocka_unit_test(test_lc_length_separates),
		cmocka_unit_test(test_lc_length_explains),
		cmocka_unit_test(test_lc_extremes),
		cmocka_unit_test(test_lc_recovers_model),
		cmocka_unit_test(test_lc_mirror),
		cmocka_unit_test(test_summarise_counts),
		cmocka_unit_test(test_summarise_paper),
		cmocka_unit_test(test_summarise_mirror),
		cmocka_unit_test(test_summarise_extremes),
	};
	return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
