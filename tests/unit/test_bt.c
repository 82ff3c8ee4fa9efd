/*
 * test_bt.c - the Bradley-Terry fit with position bias (src/bt.c).
 *
 * Every number is checked against an answer worked out independently of
 * the code under test: a 1-D equation solved by bisection, a dense Newton
 * solver on the full posterior written out here, closed forms for the
 * standard errors of small symmetric cases, and simulation from known
 * strengths.
 */
#include "unit.h"
#include "aw/bt.h"
#include "aw/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double sig(double z)
{
	return 1.0 / (1.0 + exp(-z));
}

/* Root of a decreasing function f on [lo, hi] by bisection. */
static double bisect(double (*f)(double, const double *), const double *par, double lo,
		     double hi)
{
	assert_true(f(lo, par) > 0 && f(hi, par) < 0);
	for (int i = 0; i < 200; i++) {
		double mid = 0.5 * (lo + hi);
		if (f(mid, par) > 0)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

/* Two items, item 0 wins w and loses l, every outcome shown in both orders
 * equally often.  By symmetry h = 0 and theta = (d/2, -d/2); the log
 * posterior in d is w log s(d) + l log s(-d) - lambda d^2 / 4, whose
 * derivative is w - (w + l) s(d) - lambda d / 2.  par = {w, l, lambda}. */
static double two_item_grad(double d, const double *par)
{
	return par[0] - (par[0] + par[1]) * sig(d) - par[2] * d / 2;
}

/* The balanced two-item data: w wins and l losses of item 0 (w, l even). */
static size_t two_item_obs(int w, int l, struct bt_obs *obs)
{
	size_t m = 0;
	for (int k = 0; k < w / 2; k++) {
		obs[m++] = (struct bt_obs){ 0, 1, 1.0 }; /* 0 first, 0 wins */
		obs[m++] = (struct bt_obs){ 1, 0, 0.0 }; /* 1 first, 0 wins */
	}
	for (int k = 0; k < l / 2; k++) {
		obs[m++] = (struct bt_obs){ 0, 1, 0.0 }; /* 0 first, 1 wins */
		obs[m++] = (struct bt_obs){ 1, 0, 1.0 }; /* 1 first, 1 wins */
	}
	return m;
}

static void check_two_items(int w, int l, double lambda)
{
	struct bt_obs obs[256];
	size_t m = two_item_obs(w, l, obs);
	double theta[2] = { 0, 0 }, se[2] = { 0, 0 };
	struct bt_fit f = { theta, 0, se, 0, 1, 0 };
	assert_int_equal(bt_fit(2, obs, m, lambda, &f), 0);

	double par[3] = { w, l, lambda };
	double d = bisect(two_item_grad, par, -50, 50);
	assert_float_equal(theta[0] - theta[1], d, 1e-6);
	assert_float_equal(theta[0], d / 2, 1e-6);
	assert_float_equal(theta[1], -d / 2, 1e-6);
	assert_float_equal(f.h, 0.0, 1e-6);

	/* Standard errors in closed form.  Every observation has weight
	 * q = s(d) s(-d); with N of them, -H = qN [[1,-1,0],[-1,1,0],[0,0,1]]
	 * + lambda I.  (1,-1,0) is an eigenvector with eigenvalue 2qN + lambda,
	 * so Var(theta_0 - mean) = Var(d / 2) = 1 / (2 (2qN + lambda)), and
	 * Var(h) = 1 / (qN + lambda). */
	double q = sig(d) * sig(-d), N = (double)m;
	double se_exact = sqrt(1.0 / (2 * (2 * q * N + lambda)));
	assert_float_equal(se[0], se_exact, 1e-6);
	assert_float_equal(se[1], se_exact, 1e-6);
	assert_float_equal(f.h_se, 1.0 / sqrt(q * N + lambda), 1e-6);

	/* The diagonal approximation: 1 / sqrt((-H)_ii) = 1 / sqrt(qN + lambda). */
	double theta2[2] = { 0, 0 }, se2[2] = { 0, 0 };
	struct bt_fit g = { theta2, 0, se2, 0, 0, 0 };
	assert_int_equal(bt_fit(2, obs, m, lambda, &g), 0);
	assert_float_equal(theta2[0] - theta2[1], d, 1e-6);
	assert_float_equal(se2[0], 1.0 / sqrt(q * N + lambda), 1e-6);
	assert_float_equal(se2[1], 1.0 / sqrt(q * N + lambda), 1e-6);
	assert_float_equal(g.h_se, 1.0 / sqrt(q * N + lambda), 1e-6);
}

static void test_two_items_known_answer(void **state)
{
	(void)state;
	check_two_items(14, 6, 1.0);
	check_two_items(14, 6, 0.25);
	check_two_items(2, 8, BT_LAMBDA);
	check_two_items(40, 40, 1.0); /* even record: d = 0 */
	check_two_items(60, 2, 0.1);
}

/* ------------------------------------------- an independent dense solver */

#define MAXD 8

/* Log posterior, gradient and -H of the full model at x (n thetas, h). */
static double dense_eval(int n, const struct bt_obs *obs, size_t m, double lambda,
			 const double *x, double *g, double A[MAXD][MAXD])
{
	int dim = n + 1;
	double lp = 0;
	for (int i = 0; i < dim; i++) {
		g[i] = -lambda * x[i];
		lp -= lambda * x[i] * x[i] / 2;
		for (int j = 0; j < dim; j++)
			A[i][j] = i == j ? lambda : 0;
	}
	for (size_t k = 0; k < m; k++) {
		double dvec[MAXD] = { 0 };
		dvec[obs[k].a] += 1;
		dvec[obs[k].b] -= 1;
		dvec[n] += 1;
		double z = 0;
		for (int i = 0; i < dim; i++)
			z += dvec[i] * x[i];
		double p = sig(z);
		lp += obs[k].y * log(p) + (1 - obs[k].y) * log(1 - p);
		for (int i = 0; i < dim; i++) {
			g[i] += (obs[k].y - p) * dvec[i];
			for (int j = 0; j < dim; j++)
				A[i][j] += p * (1 - p) * dvec[i] * dvec[j];
		}
	}
	return lp;
}

/* Inverse of a dim x dim matrix by Gauss-Jordan with partial pivoting. */
static void dense_inverse(int dim, double A[MAXD][MAXD], double inv[MAXD][MAXD])
{
	double M[MAXD][2 * MAXD];
	for (int i = 0; i < dim; i++)
		for (int j = 0; j < 2 * dim; j++)
			M[i][j] = j < dim ? A[i][j] : (j - dim == i ? 1.0 : 0.0);
	for (int c = 0; c < dim; c++) {
		int piv = c;
		for (int r = c + 1; r < dim; r++)
			if (fabs(M[r][c]) > fabs(M[piv][c]))
				piv = r;
		for (int j = 0; j < 2 * dim; j++) {
			double t = M[c][j];
			M[c][j] = M[piv][j];
			M[piv][j] = t;
		}
		double d = M[c][c];
		for (int j = 0; j < 2 * dim; j++)
			M[c][j] /= d;
		for (int r = 0; r < dim; r++) {
			if (r == c)
				continue;
			double t = M[r][c];
			for (int j = 0; j < 2 * dim; j++)
				M[r][j] -= t * M[c][j];
		}
	}
	for (int i = 0; i < dim; i++)
		for (int j = 0; j < dim; j++)
			inv[i][j] = M[i][dim + j];
}

/* Plain damped Newton to machine precision; fills x (n + 1), the exact
 * standard errors of theta_i - mean(theta), of h, and the diagonal ones. */
static void dense_fit(int n, const struct bt_obs *obs, size_t m, double lambda, double *x,
		      double *se, double *h_se, double *se_diag)
{
	int dim = n + 1;
	double g[MAXD], A[MAXD][MAXD], inv[MAXD][MAXD], xt[MAXD], gt[MAXD], At[MAXD][MAXD];
	for (int i = 0; i < dim; i++)
		x[i] = 0;
	double lp = dense_eval(n, obs, m, lambda, x, g, A);
	for (int it = 0; it < 200; it++) {
		dense_inverse(dim, A, inv);
		double s[MAXD];
		for (int i = 0; i < dim; i++) {
			s[i] = 0;
			for (int j = 0; j < dim; j++)
				s[i] += inv[i][j] * g[j];
		}
		double step = 1, lpt = lp;
		for (int k = 0; k < 60; k++, step /= 2) {
			for (int i = 0; i < dim; i++)
				xt[i] = x[i] + step * s[i];
			lpt = dense_eval(n, obs, m, lambda, xt, gt, At);
			if (lpt >= lp)
				break;
		}
		if (lpt < lp)
			break; /* no ascent left: at the optimum to rounding */
		memcpy(x, xt, sizeof(double) * (size_t)dim);
		lp = dense_eval(n, obs, m, lambda, x, g, A);
		double gmax = 0;
		for (int i = 0; i < dim; i++)
			gmax = fmax(gmax, fabs(g[i]));
		if (gmax < 1e-14)
			break;
	}
	dense_eval(n, obs, m, lambda, x, g, A);
	dense_inverse(dim, A, inv);
	for (int i = 0; i < n; i++) {
		/* Var(theta_i - mean) = e' S e with e = e_i - 1/n on the thetas */
		double e[MAXD] = { 0 }, v = 0;
		for (int j = 0; j < n; j++)
			e[j] = (j == i) - 1.0 / n;
		for (int a = 0; a < n; a++)
			for (int b = 0; b < n; b++)
				v += e[a] * inv[a][b] * e[b];
		se[i] = sqrt(v);
		se_diag[i] = 1.0 / sqrt(A[i][i]);
	}
	*h_se = sqrt(inv[n][n]);
}

static void compare_with_dense(int n, const struct bt_obs *obs, size_t m, double lambda)
{
	double x[MAXD], se_d[MAXD], se_diag_d[MAXD], h_se_d;
	dense_fit(n, obs, m, lambda, x, se_d, &h_se_d, se_diag_d);

	double theta[MAXD] = { 0 }, se[MAXD] = { 0 };
	struct bt_fit f = { theta, 0, se, 0, 1, 0 };
	assert_int_equal(bt_fit(n, obs, m, lambda, &f), 0);
	for (int i = 0; i < n; i++) {
		assert_float_equal(theta[i], x[i], 1e-6);
		assert_float_equal(se[i], se_d[i], 1e-6);
	}
	assert_float_equal(f.h, x[n], 1e-6);
	assert_float_equal(f.h_se, h_se_d, 1e-6);

	double theta2[MAXD] = { 0 }, se2[MAXD] = { 0 };
	struct bt_fit g = { theta2, 0, se2, 0, 0, 0 };
	assert_int_equal(bt_fit(n, obs, m, lambda, &g), 0);
	for (int i = 0; i < n; i++) {
		assert_float_equal(theta2[i], x[i], 1e-6);
		assert_float_equal(se2[i], se_diag_d[i], 1e-6);
	}
}

static void test_dense_newton_hard_outcomes(void **state)
{
	(void)state;
	/* 3 items, uneven orders, a first-shown advantage in the data */
	static const struct bt_obs obs[] = {
		{ 0, 1, 1 }, { 0, 1, 1 }, { 1, 0, 1 }, { 0, 2, 1 }, { 2, 0, 0 }, { 2, 0, 1 },
		{ 1, 2, 1 }, { 1, 2, 0 }, { 2, 1, 1 }, { 0, 1, 0 }, { 0, 2, 1 }, { 1, 2, 1 },
	};
	compare_with_dense(3, obs, sizeof obs / sizeof obs[0], 1.0);
	compare_with_dense(3, obs, sizeof obs / sizeof obs[0], 0.3);
}

static void test_dense_newton_soft_outcomes(void **state)
{
	(void)state;
	/* 4 items, soft verdicts mixed with hard ones; item 3 seen twice */
	static const struct bt_obs obs[] = {
		{ 0, 1, 0.83 }, { 1, 0, 0.30 }, { 0, 2, 0.98 }, { 2, 0, 0.02 }, { 1, 2, 0.55 },
		{ 2, 1, 1 },    { 0, 1, 1 },    { 1, 2, 0.71 }, { 3, 0, 0.40 }, { 2, 3, 0 },
		{ 0, 2, 0.5 },  { 2, 1, 0.12 }, { 1, 0, 0 },    { 0, 1, 0.64 },
	};
	compare_with_dense(4, obs, sizeof obs / sizeof obs[0], BT_LAMBDA);
	compare_with_dense(4, obs, sizeof obs / sizeof obs[0], 2.0);
}

/* ----------------------------------------------- recovery by simulation */

#define SIM_N 5
#define SIM_M 3000
#define SIM_H 0.4

static const double sim_theta[SIM_N] = { -1.0, -0.4, 0.0, 0.5, 0.9 };

static void simulate(uint64_t seed, struct bt_obs *obs)
{
	struct rng r;
	rng_seed(&r, seed);
	for (size_t k = 0; k < SIM_M; k++) {
		int a = (int)rng_below(&r, SIM_N);
		int b = (int)rng_below(&r, SIM_N - 1);
		if (b >= a)
			b++;
		double p = sig(sim_theta[a] - sim_theta[b] + SIM_H);
		obs[k] = (struct bt_obs){ a, b, rng_unit(&r) < p ? 1.0 : 0.0 };
	}
}

static double mean_of(const double *v, int n)
{
	double s = 0;
	for (int i = 0; i < n; i++)
		s += v[i];
	return s / n;
}

static void test_recovery(void **state)
{
	(void)state;
	struct bt_obs *obs = malloc(SIM_M * sizeof *obs);
	assert_non_null(obs);
	simulate(20240601, obs);
	double theta[SIM_N] = { 0 }, se[SIM_N], se_diag[SIM_N], theta_d[SIM_N] = { 0 };
	struct bt_fit f = { theta, 0, se, 0, 1, 0 };
	struct bt_fit fd = { theta_d, 0, se_diag, 0, 0, 0 };
	int rc = bt_fit(SIM_N, obs, SIM_M, BT_LAMBDA, &f);
	int rcd = bt_fit(SIM_N, obs, SIM_M, BT_LAMBDA, &fd);
	free(obs);
	assert_int_equal(rc, 0);
	assert_int_equal(rcd, 0);
	double mt = mean_of(theta, SIM_N), mtrue = mean_of(sim_theta, SIM_N);
	for (int i = 0; i < SIM_N; i++) {
		assert_true(se[i] > 0 && isfinite(se[i]));
		assert_true(se_diag[i] > 0 && isfinite(se_diag[i]));
		double err = (theta[i] - mt) - (sim_theta[i] - mtrue);
		if (fabs(err) > 3 * se[i])
			print_error("item %d: theta - mean %.4f, true %.4f, se %.4f\n", i,
				    theta[i] - mt, sim_theta[i] - mtrue, se[i]);
		assert_true(fabs(err) <= 3 * se[i]);
		/* the differences are recovered too, whichever way se is read */
		double dd = (theta[i] - theta[0]) - (sim_theta[i] - sim_theta[0]);
		assert_true(fabs(dd) <= 3 * (se[i] + se[0]));
		/* both fits are the same fit */
		assert_float_equal(theta_d[i], theta[i], 1e-9);
	}
	assert_true(f.h_se > 0 && isfinite(f.h_se));
	if (fabs(f.h - SIM_H) > 3 * f.h_se)
		print_error("h %.4f, true %.4f, se %.4f\n", f.h, SIM_H, f.h_se);
	assert_true(fabs(f.h - SIM_H) <= 3 * f.h_se);
	/* a real bias is told apart from none */
	assert_true(f.h - 3 * f.h_se > 0);
}

/* The exact standard errors describe the spread of the fit over repeated
 * experiments. */
static void test_standard_errors_match_spread(void **state)
{
	(void)state;
	enum { REPS = 30 };
	struct bt_obs *obs = malloc(SIM_M * sizeof *obs);
	assert_non_null(obs);
	double c[REPS][SIM_N], hs[REPS], se2[SIM_N] = { 0 }, hse2 = 0;
	int bad = 0;
	for (int r = 0; r < REPS; r++) {
		simulate(7000 + (uint64_t)r, obs);
		double theta[SIM_N] = { 0 }, se[SIM_N];
		struct bt_fit f = { theta, 0, se, 0, 1, 0 };
		if (bt_fit(SIM_N, obs, SIM_M, BT_LAMBDA, &f) != 0)
			bad++;
		double mt = mean_of(theta, SIM_N);
		for (int i = 0; i < SIM_N; i++) {
			c[r][i] = theta[i] - mt;
			se2[i] += se[i] * se[i] / REPS;
		}
		hs[r] = f.h;
		hse2 += f.h_se * f.h_se / REPS;
	}
	free(obs);
	assert_int_equal(bad, 0);
	for (int i = 0; i <= SIM_N; i++) {
		double mean = 0, var = 0;
		for (int r = 0; r < REPS; r++)
			mean += (i < SIM_N ? c[r][i] : hs[r]) / REPS;
		for (int r = 0; r < REPS; r++) {
			double d = (i < SIM_N ? c[r][i] : hs[r]) - mean;
			var += d * d / (REPS - 1);
		}
		double sd = sqrt(var), se = sqrt(i < SIM_N ? se2[i] : hse2);
		double ratio = se / sd;
		if (ratio > 1.5 || ratio < 1 / 1.5)
			print_error("%s %d: empirical sd %.4f, standard error %.4f\n",
				    i < SIM_N ? "item" : "h", i, sd, se);
		assert_true(ratio <= 1.5 && ratio >= 1 / 1.5);
	}
}

/* --------------------------------------------------------- invariances */

static void test_order_independence(void **state)
{
	(void)state;
	struct bt_obs *obs = malloc(SIM_M * sizeof *obs), *shuf = malloc(SIM_M * sizeof *shuf);
	size_t *idx = malloc(SIM_M * sizeof *idx);
	assert_true(obs && shuf && idx);
	simulate(99, obs);
	for (size_t k = 0; k < SIM_M; k++)
		idx[k] = k;
	struct rng r;
	rng_seed(&r, 5);
	rng_shuffle(&r, idx, SIM_M);
	for (size_t k = 0; k < SIM_M; k++)
		shuf[k] = obs[idx[k]];
	double t1[SIM_N] = { 0 }, t2[SIM_N] = { 0 }, s1[SIM_N], s2[SIM_N];
	struct bt_fit f1 = { t1, 0, s1, 0, 1, 0 }, f2 = { t2, 0, s2, 0, 1, 0 };
	int rc1 = bt_fit(SIM_N, obs, SIM_M, BT_LAMBDA, &f1);
	int rc2 = bt_fit(SIM_N, shuf, SIM_M, BT_LAMBDA, &f2);
	free(obs);
	free(shuf);
	free(idx);
	assert_int_equal(rc1, 0);
	assert_int_equal(rc2, 0);
	for (int i = 0; i < SIM_N; i++) {
		assert_float_equal(t1[i], t2[i], 1e-9);
		assert_float_equal(s1[i], s2[i], 1e-9);
	}
	assert_float_equal(f1.h, f2.h, 1e-9);
	assert_float_equal(f1.h_se, f2.h_se, 1e-9);
}

/* A warm start anywhere reaches the same optimum; a warm start at the
 * optimum needs next to no work. */
static void test_warm_start(void **state)
{
	(void)state;
	struct bt_obs *obs = malloc(SIM_M * sizeof *obs);
	assert_non_null(obs);
	simulate(4242, obs);
	double t1[SIM_N] = { 0 }, t2[SIM_N] = { 3, -2, 1, -4, 2 };
	struct bt_fit f1 = { t1, 0, NULL, 0, 0, 0 }, f2 = { t2, -1.5, NULL, 0, 0, 0 };
	int rc1 = bt_fit(SIM_N, obs, SIM_M, BT_LAMBDA, &f1);
	int rc2 = bt_fit(SIM_N, obs, SIM_M, BT_LAMBDA, &f2);
	double t3[SIM_N];
	memcpy(t3, t1, sizeof t3);
	struct bt_fit f3 = { t3, f1.h, NULL, 0, 0, 0 };
	int rc3 = bt_fit(SIM_N, obs, SIM_M, BT_LAMBDA, &f3);
	free(obs);
	assert_int_equal(rc1, 0);
	assert_int_equal(rc2, 0);
	assert_int_equal(rc3, 0);
	assert_true(f1.iterations >= 1);
	for (int i = 0; i < SIM_N; i++) {
		assert_float_equal(t1[i], t2[i], 1e-6);
		assert_float_equal(t1[i], t3[i], 1e-9);
	}
	assert_float_equal(f1.h, f2.h, 1e-6);
	assert_float_equal(f1.h, f3.h, 1e-9);
	assert_true(f3.iterations <= 2);
}

/* ----------------------------------------------------------- extremes */

static void test_all_wins_finite(void **state)
{
	(void)state;
	/* two items: 0 wins all 20, both orders; the prior keeps d finite and
	 * the 1-D equation still holds */
	struct bt_obs obs[64];
	size_t m = two_item_obs(20, 0, obs);
	double theta[2] = { 0, 0 }, se[2];
	struct bt_fit f = { theta, 0, se, 0, 1, 0 };
	assert_int_equal(bt_fit(2, obs, m, BT_LAMBDA, &f), 0);
	double par[3] = { 20, 0, BT_LAMBDA };
	double d = bisect(two_item_grad, par, -50, 50);
	assert_true(isfinite(theta[0]) && isfinite(theta[1]) && isfinite(f.h));
	assert_float_equal(theta[0] - theta[1], d, 1e-6);
	assert_true(d > 2 && d < 10);
	assert_true(isfinite(se[0]) && se[0] > 0 && isfinite(f.h_se));

	/* four items, 0 beats everyone every time, always shown second */
	struct bt_obs o2[30];
	m = 0;
	for (int k = 0; k < 10; k++)
		for (int b = 1; b < 4; b++)
			o2[m++] = (struct bt_obs){ b, 0, 0.0 };
	double t2[4] = { 0 }, s2[4];
	struct bt_fit g = { t2, 0, s2, 0, 1, 0 };
	assert_int_equal(bt_fit(4, o2, m, BT_LAMBDA, &g), 0);
	for (int i = 0; i < 4; i++) {
		assert_true(isfinite(t2[i]) && isfinite(s2[i]) && s2[i] > 0);
		assert_true(fabs(t2[i]) < 20);
	}
	assert_true(isfinite(g.h) && fabs(g.h) < 20);
	assert_true(t2[0] > t2[1] && t2[0] > t2[2] && t2[0] > t2[3]);
	/* 1, 2, 3 are exchangeable */
	assert_float_equal(t2[1], t2[2], 1e-6);
	assert_float_equal(t2[2], t2[3], 1e-6);
}

static void test_no_observations(void **state)
{
	(void)state;
	/* from zero and from a warm start: the prior alone, all zeros.  With
	 * -H = lambda I, Var(theta_i - mean) = (1 - 1/n) / lambda exactly. */
	for (int warm = 0; warm < 2; warm++) {
		double theta[4] = { 0 }, se[4] = { 0 };
		if (warm) {
			theta[0] = 1.5;
			theta[3] = -0.7;
		}
		struct bt_fit f = { theta, warm ? 0.3 : 0, se, 0, 1, 0 };
		assert_int_equal(bt_fit(4, NULL, 0, 2.0, &f), 0);
		for (int i = 0; i < 4; i++) {
			assert_float_equal(theta[i], 0.0, 1e-9);
			assert_float_equal(se[i], sqrt(0.75 / 2.0), 1e-9);
		}
		assert_float_equal(f.h, 0.0, 1e-9);
		assert_float_equal(f.h_se, sqrt(1 / 2.0), 1e-9);
	}
	/* no standard errors asked for: se NULL is fine */
	double theta[3] = { 0 };
	struct bt_fit f = { theta, 0, NULL, 0, 1, 0 };
	assert_int_equal(bt_fit(3, NULL, 0, BT_LAMBDA, &f), 0);
	assert_true(theta[0] == 0 && theta[1] == 0 && theta[2] == 0 && f.h == 0);
}

/* -------------------------------------------------- helpers and scale */

static void test_rating_scale(void **state)
{
	(void)state;
	assert_true(bt_to_rating(0) == 1200.0);
	/* 400 / ln 10 Elo points per logit: a 10:1 odds ratio is 400 points */
	assert_float_equal(bt_to_rating(log(10.0)), 1600.0, 1e-9);
	assert_float_equal(bt_to_rating(-log(10.0)), 800.0, 1e-9);
	assert_float_equal(bt_to_rating(1.0), 1200.0 + 400.0 / log(10.0), 1e-9);
	assert_float_equal(BT_ELO_SCALE, 173.7177927613007, 1e-9);
}

static void test_prob(void **state)
{
	(void)state;
	static const double t[] = { 0, 0.3, -1.7, 4.2, 30, -30, 700, -700 };
	size_t n = sizeof t / sizeof t[0];
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			double p = bt_prob(t[i], t[j], 0), q = bt_prob(t[j], t[i], 0);
			assert_true(p >= 0 && p <= 1 && !isnan(p));
			assert_float_equal(p + q, 1.0, 1e-15);
		}
	assert_true(bt_prob(0.8, 0.8, 0) == 0.5);
	assert_float_equal(bt_prob(log(3.0), 0, 0), 0.75, 1e-15);
	assert_float_equal(bt_prob(0, log(3.0), 0), 0.25, 1e-15);
	/* the bias favours whoever is shown first */
	assert_float_equal(bt_prob(0, 0, log(4.0)), 0.8, 1e-15);
	assert_float_equal(bt_prob(1.0, 0.5, -0.5), 0.5, 1e-15);
	assert_true(bt_prob(800, 0, 0) == 1.0);
	assert_true(bt_prob(0, 800, 0) == 0.0);
}

/* ----------------------------------------------------------- registry */

static void test_registry(void **state)
{
	(void)state;
	struct bt_ratings r;
	memset(&r, 0, sizeof r);
	assert_int_equal(bt_find(&r, "g0-000"), -1);
	char id[32];
	for (int i = 0; i < 150; i++) { /* past the first allocation */
		snprintf(id, sizeof id, "g0-%03d", i);
		assert_int_equal(bt_register(&r, id, 0.01 * i), i);
	}
	snprintf(id, sizeof id, "changed"); /* ids are copied */
	assert_int_equal(r.n, 150);
	assert_int_equal(bt_find(&r, "g0-149"), 149);
	assert_int_equal(bt_find(&r, "g0-150"), -1);
	assert_int_equal(bt_find(&r, "g0-00"), -1);
	assert_string_equal(r.ids[149], "g0-149");
	/* the same id again: same index, the warm start kept */
	assert_int_equal(bt_register(&r, "g0-042", 9.0), 42);
	assert_int_equal(r.n, 150);
	assert_float_equal(r.theta[42], 0.42, 1e-15);
	bt_ratings_free(&r);
	assert_int_equal(r.n, 0);
	assert_null(r.ids);
	assert_null(r.theta);
	assert_null(r.obs);
}

/* Every comparison in both orders and the first shown always wins: the
 * strengths stay equal and h solves N (1 - s(h)) = lambda h. */
static double bias_grad(double h, const double *par)
{
	return par[0] * (1 - sig(h)) - par[1] * h;
}

static void test_refit(void **state)
{
	(void)state;
	struct bt_ratings r;
	memset(&r, 0, sizeof r);
	int a = bt_register(&r, "a", 0), b = bt_register(&r, "b", 0);
	/* a balanced record, 14-6 for a */
	struct bt_obs obs[64];
	size_t m = two_item_obs(14, 6, obs);
	for (size_t k = 0; k < m; k++)
		bt_add(&r, obs[k].a == 0 ? a : b, obs[k].b == 0 ? a : b, obs[k].y);
	assert_int_equal(r.m, m);
	double se[2] = { 0, 0 }, h_se = 0;
	bt_refit(&r, se, 1, &h_se);
	double par[3] = { 14, 6, BT_LAMBDA };
	double d = bisect(two_item_grad, par, -50, 50);
	assert_float_equal(r.theta[a] - r.theta[b], d, 1e-6);
	assert_float_equal(r.theta[a], d / 2, 1e-6);
	assert_float_equal(r.h, 0.0, 1e-6);
	assert_true(se[0] > 0 && se[1] > 0 && h_se > 0);

	/* a third story joins warm-started; hundreds of first-shown wins */
	int c = bt_register(&r, "c", 0);
	assert_int_equal(c, 2);
	bt_ratings_free(&r);
	memset(&r, 0, sizeof r);
	a = bt_register(&r, "a", 0.5);
	b = bt_register(&r, "b", -0.5);
	c = bt_register(&r, "c", 0.2);
	int ids[3] = { a, b, c }, N = 0;
	for (int rep = 0; rep < 50; rep++)
		for (int i = 0; i < 3; i++)
			for (int j = 0; j < 3; j++)
				if (i != j) {
					bt_add(&r, ids[i], ids[j], 1.0);
					N++;
				}
	assert_int_equal(r.m, (size_t)N);
	bt_refit(&r, NULL, 0, NULL);
	double par2[2] = { N, BT_LAMBDA };
	double h = bisect(bias_grad, par2, -50, 50);
	assert_float_equal(r.h, h, 1e-6);
	for (int i = 0; i < 3; i++)
		assert_float_equal(r.theta[i], 0.0, 1e-6);
	/* more data moves it again: h and theta both follow */
	bt_add(&r, a, b, 1.0);
	bt_add(&r, b, a, 0.0);
	bt_add(&r, a, c, 1.0);
	bt_add(&r, c, a, 0.0);
	double h_before = r.h;
	bt_refit(&r, NULL, 0, NULL);
	assert_true(r.theta[a] > 0.01);
	assert_true(r.h != h_before);
	bt_ratings_free(&r);
}

int run_bt_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_items_known_answer),
		cmocka_unit_test(test_dense_newton_hard_outcomes),
		cmocka_unit_test(test_dense_newton_soft_outcomes),
		cmocka_unit_test(test_recovery),
		cmocka_unit_test(test_standard_errors_match_spread),
		cmocka_unit_test(test_order_independence),
		cmocka_unit_test(test_warm_start),
		cmocka_unit_test(test_all_wins_finite),
		cmocka_unit_test(test_no_observations),
		cmocka_unit_test(test_rating_scale),
		cmocka_unit_test(test_prob),
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_refit),
	};
	return cmocka_run_group_tests_name("bt", tests, NULL, NULL);
}
