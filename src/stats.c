/*
 * stats.c - win rates, intervals, tests and the bootstrap of a head-to-head
 * comparison (see stats.h).
 *
 * The binomial test works with the probability of the observed outcome,
 * computed once from lgamma, and sums each tail outwards from its start
 * by the ratio of neighbouring probabilities (which is below 1 away from
 * the mode), stopping when a term no longer changes the sum.  Nothing is
 * summed from the far end, so no term underflows before it could matter,
 * and the cost is the width of the tail that matters, not n.
 */
#include "aw/stats.h"
#include "aw/rng.h"
#include "aw/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Normal quantile and Wilson interval                                */
/* ------------------------------------------------------------------ */

/* Acklam's approximation for p in (0, 0.5], relative error < 1.15e-9. */
static double acklam_lower(double p)
{
	static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02,
				    -2.759285104469687e+02, 1.383577518672690e+02,
				    -3.066479806614716e+01, 2.506628277459239e+00 };
	static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02,
				    -1.556989798598866e+02, 6.680131188771972e+01,
				    -1.328068155288572e+01 };
	static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01,
				    -2.400758277161838e+00, -2.549732539343734e+00,
				    4.374664141464968e+00, 2.938163982698783e+00 };
	static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01,
				    2.445134137142996e+00, 3.754408661907416e+00 };
	if (p < 0.02425) {
		double q = sqrt(-2 * log(p));
		return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		       ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	double q = p - 0.5, r = q * q;
	return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
	       (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

double stats_normal_quantile(double p)
{
	if (isnan(p))
		return NAN;
	if (p <= 0)
		return -INFINITY;
	if (p >= 1)
		return INFINITY;
	/* Work in the lower half, where erfc keeps full relative precision;
	 * 1 - p is exact for p >= 0.5. */
	if (p > 0.5)
		return -stats_normal_quantile(1 - p);
	double x = acklam_lower(p);
	/* One Halley step on Phi(x) = p: cubic convergence takes 1e-9 to the
	 * precision of erfc.  For p below about 1e-300, exp(x^2/2) overflows
	 * and the approximation stands as it is. */
	double e = 0.5 * erfc(-x / sqrt(2.0)) - p;
	double u = e * sqrt(2 * M_PI) * exp(x * x / 2);
	if (isfinite(u))
		x -= u / (1 + x * u / 2);
	return x;
}

void stats_wilson(double wins, double n, double z, double *lo, double *hi)
{
	if (!(n > 0)) {
		*lo = 0;
		*hi = 1;
		return;
	}
	double p = wins / n;
	if (!(p >= 0)) /* also NaN */
		p = 0;
	if (p > 1)
		p = 1;
	double z2n = z * z / n;
	double centre = (p + z2n / 2) / (1 + z2n);
	double half = z / (1 + z2n) * sqrt(p * (1 - p) / n + z2n / (4 * n));
	*lo = centre - half;
	*hi = centre + half;
	/* Mathematically lo = 0 at p = 0 and hi = 1 at p = 1; say so exactly
	 * rather than leave a rounding error of either sign. */
	if (p == 0 || *lo < 0)
		*lo = 0;
	if (p == 1 || *hi > 1)
		*hi = 1;
}

/* ------------------------------------------------------------------ */
/* Exact binomial test                                                */
/* ------------------------------------------------------------------ */

/* log P(X = i) for X ~ Binomial(n, p0); lp = log p0, lq = log(1 - p0). */
static double log_pmf(long i, long n, double lp, double lq)
{
	return lgamma((double)n + 1) - lgamma((double)i + 1) - lgamma((double)(n - i) + 1) +
	       (double)i * lp + (double)(n - i) * lq;
}

/* sum_{i <= k} P(X = i) / P(X = k), for k <= n p0 (so that the terms
 * fall going down).  odds = p0 / (1 - p0). */
static double lower_tail_rel(long k, long n, double odds)
{
	double sum = 1, t = 1;
	for (long i = k; i > 0; i--) {
		t *= (double)i / ((double)(n - i + 1) * odds); /* P(i-1) / P(k) */
		sum += t;
		if (t <= sum * 1e-17)
			break;
	}
	return sum;
}

/* sum_{i >= k} P(X = i) / P(X = k), for k >= n p0. */
static double upper_tail_rel(long k, long n, double odds)
{
	double sum = 1, t = 1;
	for (long i = k; i < n; i++) {
		t *= (double)(n - i) * odds / (double)(i + 1); /* P(i+1) / P(k) */
		sum += t;
		if (t <= sum * 1e-17)
			break;
	}
	return sum;
}

double stats_binomial_two_sided(long k, long n, double p0)
{
	if (n < 0 || k < 0 || k > n || !(p0 > 0 && p0 < 1))
		return NAN;
	if (n == 0)
		return 1;
	double odds = p0 / (1 - p0);
	if (p0 == 0.5) {
		/* Symmetric: twice the smaller tail, the same for k and n - k. */
		long j = k < n - k ? k : n - k;
		if (2 * j == n)
			return 1;
		double lp = log(0.5);
		double r = 2 * exp(log_pmf(j, n, lp, lp) + log(lower_tail_rel(j, n, 1)));
		return r < 1 ? r : 1;
	}
	double lp = log(p0), lq = log1p(-p0), mean = (double)n * p0;
	if ((double)k == mean)
		return 1;
	/* Outcomes on the far side count when no more likely than k, with
	 * binom.test's relative tolerance so that ties of probability that
	 * differ only by rounding are counted. */
	double ld = log_pmf(k, n, lp, lq), thr = ld + log1p(1e-7);
	double own, other = 0;
	if ((double)k < mean) {
		own = exp(ld + log(lower_tail_rel(k, n, odds)));
		/* P falls over [ceil(mean), n]: find the first i there with
		 * P(i) <= P(k) by bisection. */
		long lo = (long)ceil(mean), hi = n + 1;
		while (lo < hi) {
			long mid = lo + (hi - lo) / 2;
			if (log_pmf(mid, n, lp, lq) <= thr)
				hi = mid;
			else
				lo = mid + 1;
		}
		if (lo <= n)
			other = exp(log_pmf(lo, n, lp, lq) + log(upper_tail_rel(lo, n, odds)));
	} else {
		own = exp(ld + log(upper_tail_rel(k, n, odds)));
		/* P rises over [0, floor(mean)]: the last i there with P(i) <= P(k). */
		long lo = -1, hi = (long)floor(mean);
		while (lo < hi) {
			long mid = hi - (hi - lo) / 2;
			if (log_pmf(mid, n, lp, lq) <= thr)
				lo = mid;
			else
				hi = mid - 1;
		}
		if (lo >= 0)
			other = exp(log_pmf(lo, n, lp, lq) + log(lower_tail_rel(lo, n, odds)));
	}
	double r = own + other;
	return r < 1 ? r : 1;
}

double stats_sign_test(long a_wins, long b_wins)
{
	if (a_wins < 0 || b_wins < 0)
		return NAN;
	return stats_binomial_two_sided(a_wins, a_wins + b_wins, 0.5);
}

/* ------------------------------------------------------------------ */
/* Bootstrap over stories                                             */
/* ------------------------------------------------------------------ */

/* Every index in range and every score in [0, 1] (and, when need_dlen,
 * every dlen finite). */
static int pairs_valid(const struct stats_pair *p, size_t n, size_t na, size_t nb,
		       int need_dlen)
{
	for (size_t k = 0; k < n; k++) {
		if (p[k].a >= na || p[k].b >= nb)
			return 0;
		if (!(p[k].score >= 0 && p[k].score <= 1))
			return 0;
		if (need_dlen && !isfinite(p[k].dlen))
			return 0;
	}
	return 1;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

/* The q-quantile of sorted v[0..m-1], interpolating linearly between
 * order statistics (R's type 7). */
static double quantile_sorted(const double *v, size_t m, double q)
{
	double h = q * (double)(m - 1);
	size_t i = (size_t)h;
	if (i + 1 >= m)
		return v[m - 1];
	return v[i] + (h - (double)i) * (v[i + 1] - v[i]);
}

int stats_bootstrap_winrate(const struct stats_pair *p, size_t n, size_t na, size_t nb,
			    long reps, uint64_t seed, double level, double *lo, double *hi)
{
	*lo = 0;
	*hi = 1;
	if (!n || !na || !nb || reps < 1 || !(level > 0 && level < 1) ||
	    !pairs_valid(p, n, na, nb, 0))
		return -1;
	size_t *ma = xmalloc(na * sizeof *ma), *mb = xmalloc(nb * sizeof *mb);
	double *rate = xmalloc((size_t)reps * sizeof *rate);
	struct rng r;
	rng_seed(&r, seed);
	size_t m = 0;
	for (long rep = 0; rep < reps; rep++) {
		/* A's draw first, then B's, from one stream: a fixed order, so
		 * that a seed gives the same replicates. */
		memset(ma, 0, na * sizeof *ma);
		memset(mb, 0, nb * sizeof *mb);
		for (size_t i = 0; i < na; i++)
			ma[rng_below(&r, na)]++;
		for (size_t j = 0; j < nb; j++)
			mb[rng_below(&r, nb)]++;
		double sw = 0, ss = 0;
		for (size_t k = 0; k < n; k++) {
			double w = (double)ma[p[k].a] * (double)mb[p[k].b];
			sw += w;
			ss += w * p[k].score;
		}
		if (sw > 0)
			rate[m++] = ss / sw;
	}
	int ret = -1;
	if (m) {
		qsort(rate, m, sizeof *rate, cmp_double);
		*lo = quantile_sorted(rate, m, (1 - level) / 2);
		*hi = quantile_sorted(rate, m, (1 + level) / 2);
		ret = 0;
	}
	free(ma);
	free(mb);
	free(rate);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Length-controlled win rate                                         */
/* ------------------------------------------------------------------ */

static double sigmoid(double z)
{
	return z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z));
}

/* log(1 + e^z) without overflow. */
static double softplus(double z)
{
	return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
}

/* The log posterior of (theta, phi), up to a constant. */
static double lc_objective(const struct stats_pair *p, const double *x, size_t n, double lam,
			   double theta, double phi)
{
	double f = -lam * (theta * theta + phi * phi) / 2;
	for (size_t k = 0; k < n; k++) {
		double eta = theta + phi * x[k];
		/* s log sigmoid(eta) + (1 - s) log sigmoid(-eta) */
		f -= p[k].score * softplus(-eta) + (1 - p[k].score) * softplus(eta);
	}
	return f;
}

int stats_length_controlled(const struct stats_pair *p, size_t n, double *rate, double *phi)
{
	*rate = 0.5;
	*phi = 0;
	if (!pairs_valid(p, n, SIZE_MAX, SIZE_MAX, 1))
		return -1;
	if (!n)
		return 0;

	/* sd of dlen, two-pass; exactly 0 when every dlen is the same (a
	 * mean computed in floating point might not be). */
	double dmin = p[0].dlen, dmax = p[0].dlen, mean = 0, var = 0;
	for (size_t k = 0; k < n; k++) {
		dmin = fmin(dmin, p[k].dlen);
		dmax = fmax(dmax, p[k].dlen);
		mean += p[k].dlen;
	}
	mean /= (double)n;
	for (size_t k = 0; k < n; k++)
		var += (p[k].dlen - mean) * (p[k].dlen - mean);
	double sd = dmax > dmin ? sqrt(var / (double)n) : 0;
	double *x = xmalloc(n * sizeof *x);
	for (size_t k = 0; k < n; k++)
		x[k] = sd > 0 ? tanh(p[k].dlen / sd) : 0;

	/* Newton's method on a strictly concave objective; with x = 0 the
	 * phi row of the system is lam * phi = -lam * phi, so phi stays 0. */
	double lam = 1 / (STATS_PRIOR_SD * STATS_PRIOR_SD), th = 0, ph = 0;
	double f = lc_objective(p, x, n, lam, th, ph);
	int ret = -1;
	for (int it = 0; it < 100; it++) {
		double g0 = -lam * th, g1 = -lam * ph, h00 = lam, h01 = 0, h11 = lam;
		for (size_t k = 0; k < n; k++) {
			double mu = sigmoid(th + ph * x[k]), res = p[k].score - mu;
			double w = mu * (1 - mu);
			g0 += res;
			g1 += res * x[k];
			h00 += w;
			h01 += w * x[k];
			h11 += w * x[k] * x[k];
		}
		double det = h00 * h11 - h01 * h01;
		double d0 = (h11 * g0 - h01 * g1) / det, d1 = (h00 * g1 - h01 * g0) / det;
		if (fabs(d0) < 1e-10 && fabs(d1) < 1e-10) {
			th += d0;
			ph += d1;
			ret = 0;
			break;
		}
		/* Halve the step until the objective does not fall (beyond
		 * rounding).  A safeguard: Newton's method alone has no global
		 * guarantee, though from theta = phi = 0, where the curvature is
		 * largest, the full step has not been seen to overshoot. */
		double t = 1, nf = f;
		int accepted = 0;
		for (int h = 0; h < 60; h++, t /= 2) {
			nf = lc_objective(p, x, n, lam, th + t * d0, ph + t * d1);
			if (nf >= f - 1e-12 * (1 + fabs(f))) {
				accepted = 1;
				break;
			}
		}
		if (!accepted)
			break;
		th += t * d0;
		ph += t * d1;
		f = nf;
	}
	free(x);
	if (ret == 0 && isfinite(th) && isfinite(ph)) {
		*rate = sigmoid(th);
		*phi = ph;
		return 0;
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* Summary                                                            */
/* ------------------------------------------------------------------ */

struct ab {
	size_t a, b; /* story indices of one pair */
};

static int cmp_ab(const void *x, const void *y)
{
	const struct ab *u = x, *v = y;
	if (u->a != v->a)
		return (u->a > v->a) - (u->a < v->a);
	return (u->b > v->b) - (u->b < v->b);
}

static long count_distinct(const struct stats_pair *p, size_t n)
{
	if (!n)
		return 0;
	struct ab *v = xmalloc(n * sizeof *v);
	for (size_t k = 0; k < n; k++)
		v[k] = (struct ab){ p[k].a, p[k].b };
	qsort(v, n, sizeof *v, cmp_ab);
	long d = 1;
	for (size_t k = 1; k < n; k++)
		d += cmp_ab(&v[k - 1], &v[k]) != 0;
	free(v);
	return d;
}

int stats_summarise(const struct stats_pair *p, size_t n, size_t na, size_t nb, uint64_t seed,
		    struct stats_summary *out)
{
	memset(out, 0, sizeof *out);
	if (!pairs_valid(p, n, na, nb, 1))
		return -1;
	out->pairs = (long)n;
	double sum = 0;
	for (size_t k = 0; k < n; k++) {
		sum += p[k].score;
		if (p[k].score > 0.5)
			out->a_wins++;
		else if (p[k].score < 0.5)
			out->b_wins++;
		else
			out->ties++;
	}
	out->distinct_pairs = count_distinct(p, n);
	out->p_value = stats_sign_test(out->a_wins, out->b_wins);
	if (!n) {
		out->win_rate = out->length_controlled = 0.5;
		out->ci_lo = out->ci_boot_lo = 0;
		out->ci_hi = out->ci_boot_hi = 1;
		return 0;
	}
	out->win_rate = sum / (double)n;
	double z = stats_normal_quantile((1 + STATS_LEVEL) / 2);
	stats_wilson(sum, (double)n, z, &out->ci_lo, &out->ci_hi);

	double lo, hi;
	if (stats_bootstrap_winrate(p, n, na, nb, STATS_BOOT_REPS, seed, STATS_LEVEL, &lo,
				    &hi) == 0) {
		out->ci_boot_lo = fmin(lo, out->ci_lo);
		out->ci_boot_hi = fmax(hi, out->ci_hi);
	} else {
		out->ci_boot_lo = out->ci_lo;
		out->ci_boot_hi = out->ci_hi;
	}
	if (stats_length_controlled(p, n, &out->length_controlled, &out->length_phi) != 0)
		out->length_controlled = out->length_phi = NAN;
	return 0;
}
