/*
 * bt.c - Bradley-Terry MAP fit (see bt.h).
 *
 * Parameters x = (theta_0 .. theta_{n-1}, h).  The log posterior is
 *
 *   L(x) = sum_k [ y_k log p_k + (1 - y_k) log(1 - p_k) ] - lambda/2 |x|^2
 *
 * with p_k = sigmoid(theta_a - theta_b + h).  Its gradient and Hessian:
 *
 *   g = sum_k (y_k - p_k) d_k - lambda x,   -H = sum_k w_k d_k d_k' + lambda I
 *
 * where d_k has +1 at a, -1 at b and +1 at h, and w_k = p_k (1 - p_k).  -H
 * is positive definite, so Newton's step solves (-H) s = g by conjugate
 * gradients using only products with -H, which cost O(m + n).
 */
#include "aw/bt.h"
#include "aw/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double sigmoid(double z)
{
	return z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
}

double bt_prob(double theta_a, double theta_b, double h)
{
	return sigmoid(theta_a - theta_b + h);
}

double bt_to_rating(double theta)
{
	return 1200.0 + BT_ELO_SCALE * theta;
}

/* out = (-H) v, with w[k] the weights of the observations. */
static void hess_mul(int n, const struct bt_obs *obs, size_t m, const double *w, double lambda,
		     const double *v, double *out)
{
	for (int i = 0; i <= n; i++)
		out[i] = lambda * v[i];
	for (size_t k = 0; k < m; k++) {
		double dv = v[obs[k].a] - v[obs[k].b] + v[n];
		double t = w[k] * dv;
		out[obs[k].a] += t;
		out[obs[k].b] -= t;
		out[n] += t;
	}
}

/* Solve (-H) s = g by preconditioned conjugate gradients. */
static void cg_solve(int n, const struct bt_obs *obs, size_t m, const double *w, double lambda,
		     const double *diag, const double *g, double *s, double *work)
{
	int dim = n + 1;
	double *r = work, *z = work + dim, *p = work + 2 * dim, *q = work + 3 * dim;
	memset(s, 0, (size_t)dim * sizeof *s);
	memcpy(r, g, (size_t)dim * sizeof *r);
	double rz = 0, rr0 = 0;
	for (int i = 0; i < dim; i++) {
		z[i] = r[i] / diag[i];
		p[i] = z[i];
		rz += r[i] * z[i];
		rr0 += r[i] * r[i];
	}
	for (int it = 0; it < 4 * dim + 50 && rr0 > 0; it++) {
		hess_mul(n, obs, m, w, lambda, p, q);
		double pq = 0;
		for (int i = 0; i < dim; i++)
			pq += p[i] * q[i];
		if (pq <= 0)
			break;
		double alpha = rz / pq, rr = 0, rz_new = 0;
		for (int i = 0; i < dim; i++) {
			s[i] += alpha * p[i];
			r[i] -= alpha * q[i];
			rr += r[i] * r[i];
		}
		if (rr <= 1e-20 * rr0)
			break;
		for (int i = 0; i < dim; i++) {
			z[i] = r[i] / diag[i];
			rz_new += r[i] * z[i];
		}
		double beta = rz_new / rz;
		rz = rz_new;
		for (int i = 0; i < dim; i++)
			p[i] = z[i] + beta * p[i];
	}
}

/* Gradient, weights and diagonal of -H at x; returns the log posterior. */
static double evaluate(int n, const struct bt_obs *obs, size_t m, double lambda, const double *x,
		       double *g, double *w, double *diag)
{
	double lp = 0;
	for (int i = 0; i <= n; i++) {
		g[i] = -lambda * x[i];
		diag[i] = lambda;
		lp -= 0.5 * lambda * x[i] * x[i];
	}
	for (size_t k = 0; k < m; k++) {
		int a = obs[k].a, b = obs[k].b;
		double z = x[a] - x[b] + x[n];
		double p = sigmoid(z), y = obs[k].y;
		double r = y - p;
		g[a] += r;
		g[b] -= r;
		g[n] += r;
		w[k] = p * (1 - p);
		diag[a] += w[k];
		diag[b] += w[k];
		diag[n] += w[k];
		/* log p and log(1-p), stably */
		double lpz = z >= 0 ? -log1p(exp(-z)) : z - log1p(exp(z));
		double lqz = z >= 0 ? -z - log1p(exp(-z)) : -log1p(exp(z));
		lp += y * lpz + (1 - y) * lqz;
	}
	return lp;
}

/* Exact diagonal of (-H)^-1 by a dense Cholesky factorisation. */
static int exact_se(int n, const struct bt_obs *obs, size_t m, const double *w, double lambda,
		    double *se, double *h_se)
{
	int dim = n + 1;
	double *A = calloc((size_t)dim * (size_t)dim, sizeof *A);
	double *col = malloc((size_t)dim * sizeof *col);
	if (!A || !col) {
		free(A);
		free(col);
		return -1;
	}
	for (int i = 0; i < dim; i++)
		A[(size_t)i * dim + i] = lambda;
	for (size_t k = 0; k < m; k++) {
		int idx[3] = { obs[k].a, obs[k].b, n };
		double sg[3] = { 1, -1, 1 };
		for (int u = 0; u < 3; u++)
			for (int v = 0; v < 3; v++)
				A[(size_t)idx[u] * dim + idx[v]] += w[k] * sg[u] * sg[v];
	}
	/* In-place Cholesky: lower triangle holds L. */
	for (int j = 0; j < dim; j++) {
		double d = A[(size_t)j * dim + j];
		for (int k = 0; k < j; k++)
			d -= A[(size_t)j * dim + k] * A[(size_t)j * dim + k];
		if (d <= 0) {
			free(A);
			free(col);
			return -1;
		}
		d = sqrt(d);
		A[(size_t)j * dim + j] = d;
		for (int i = j + 1; i < dim; i++) {
			double s = A[(size_t)i * dim + j];
			for (int k = 0; k < j; k++)
				s -= A[(size_t)i * dim + k] * A[(size_t)j * dim + k];
			A[(size_t)i * dim + j] = s / d;
		}
	}
	/* Only differences between stories are identified by verdicts; the
	 * common level is pinned by the prior alone.  So report the spread of
	 * theta_i - mean(theta):  Var = S_ii - 2 (S u)_i + u'S u, u = 1/n on
	 * the thetas.  S u is one solve with L, then L'. */
	double *v = calloc((size_t)dim, sizeof *v);
	if (!v) {
		free(A);
		free(col);
		return -1;
	}
	for (int i = 0; i < n; i++)
		v[i] = 1.0 / n;
	for (int r = 0; r < dim; r++) {
		double t = v[r];
		for (int k = 0; k < r; k++)
			t -= A[(size_t)r * dim + k] * v[k];
		v[r] = t / A[(size_t)r * dim + r];
	}
	for (int r = dim - 1; r >= 0; r--) {
		double t = v[r];
		for (int k = r + 1; k < dim; k++)
			t -= A[(size_t)k * dim + r] * v[k];
		v[r] = t / A[(size_t)r * dim + r];
	}
	double usu = 0;
	for (int i = 0; i < n; i++)
		usu += v[i] / n;
	/* diag(A^-1)_i = |L^-1 e_i|^2: forward-solve L c = e_i. */
	for (int i = 0; i < dim; i++) {
		double sum = 0;
		for (int r = i; r < dim; r++) {
			double s = r == i ? 1.0 : 0.0;
			for (int k = i; k < r; k++)
				s -= A[(size_t)r * dim + k] * col[k];
			col[r] = s / A[(size_t)r * dim + r];
			sum += col[r] * col[r];
		}
		if (i < n)
			se[i] = sqrt(fmax(sum - 2 * v[i] + usu, 0));
		else
			*h_se = sqrt(sum);
	}
	free(v);
	free(A);
	free(col);
	return 0;
}

int bt_fit(int n, const struct bt_obs *obs, size_t m, double lambda, struct bt_fit *f)
{
	int dim = n + 1;
	double *x = xmalloc((size_t)dim * sizeof *x);
	double *g = xmalloc((size_t)dim * sizeof *g);
	double *diag = xmalloc((size_t)dim * sizeof *diag);
	double *s = xmalloc((size_t)dim * sizeof *s);
	double *xt = xmalloc((size_t)dim * sizeof *xt);
	double *work = xmalloc(4 * (size_t)dim * sizeof *work);
	double *w = xmalloc((m ? m : 1) * sizeof *w);
	int converged = 0;

	memcpy(x, f->theta, (size_t)n * sizeof *x);
	x[n] = f->h;
	double lp = evaluate(n, obs, m, lambda, x, g, w, diag);
	f->iterations = 0;
	for (int it = 0; it < 50; it++) {
		double gmax = 0;
		for (int i = 0; i < dim; i++)
			gmax = fmax(gmax, fabs(g[i]));
		if (gmax < 1e-9) {
			converged = 1;
			break;
		}
		cg_solve(n, obs, m, w, lambda, diag, g, s, work);
		/* Backtracking keeps every step an ascent (it rarely triggers). */
		double step = 1.0, lp_new = lp;
		for (int bt = 0; bt < 30; bt++, step /= 2) {
			for (int i = 0; i < dim; i++)
				xt[i] = x[i] + step * s[i];
			lp_new = evaluate(n, obs, m, lambda, xt, g, w, diag);
			if (lp_new >= lp - 1e-12)
				break;
		}
		memcpy(x, xt, (size_t)dim * sizeof *x);
		f->iterations = it + 1;
		double change = fabs(lp_new - lp);
		lp = lp_new;
		if (change < 1e-10 * (1 + fabs(lp))) {
			converged = 1;
			break;
		}
	}
	memcpy(f->theta, x, (size_t)n * sizeof *x);
	f->h = x[n];
	if (f->se) {
		evaluate(n, obs, m, lambda, x, g, w, diag);
		if (!f->exact || n > BT_EXACT_MAX || exact_se(n, obs, m, w, lambda, f->se, &f->h_se) < 0) {
			for (int i = 0; i < n; i++)
				f->se[i] = 1.0 / sqrt(diag[i]);
			f->h_se = 1.0 / sqrt(diag[n]);
		}
	}
	free(x);
	free(g);
	free(diag);
	free(s);
	free(xt);
	free(work);
	free(w);
	return converged ? 0 : -1;
}

/* ------------------------------------------------------------- ratings */

int bt_find(const struct bt_ratings *r, const char *id)
{
	return idmap_get(&r->index, id);
}

int bt_register(struct bt_ratings *r, const char *id, double theta0)
{
	int i = bt_find(r, id);
	if (i >= 0)
		return i;
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->ids = xrealloc(r->ids, r->cap * sizeof *r->ids);
		r->theta = xrealloc(r->theta, r->cap * sizeof *r->theta);
	}
	r->ids[r->n] = xstrdup(id);
	r->theta[r->n] = theta0;
	idmap_put(&r->index, r->ids[r->n], (int)r->n);
	return (int)r->n++;
}

void bt_add(struct bt_ratings *r, int a, int b, double y)
{
	if (r->m == r->mcap) {
		r->mcap = r->mcap ? r->mcap * 2 : 256;
		r->obs = xrealloc(r->obs, r->mcap * sizeof *r->obs);
	}
	r->obs[r->m++] = (struct bt_obs){ a, b, y };
}

static int obs_order(const void *x, const void *y)
{
	const struct bt_obs *a = x, *b = y;
	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	if (a->b != b->b)
		return a->b < b->b ? -1 : 1;
	return a->y < b->y ? -1 : a->y > b->y;
}

void bt_refit(struct bt_ratings *r, double *se, int exact, double *h_se)
{
	/* The fit sums over the verdicts in floating point, so their order
	 * moves the last bits; in one canonical order, the same verdicts give
	 * the same ratings however the replies happened to arrive. */
	if (r->m > 1)
		qsort(r->obs, r->m, sizeof *r->obs, obs_order);
	struct bt_fit f = { r->theta, r->h, se, 0, exact, 0 };
	bt_fit((int)r->n, r->obs, r->m, BT_LAMBDA, &f);
	r->h = f.h;
	if (se && h_se)
		*h_se = f.h_se;
}

void bt_refit_cold(struct bt_ratings *r, double *se, int exact, double *h_se)
{
	for (size_t i = 0; i < r->n; i++)
		r->theta[i] = 0.0;
	r->h = 0.0;
	bt_refit(r, se, exact, h_se);
}

double bt_contrast_var(const struct bt_ratings *r, int a, int b)
{
	int n = (int)r->n, dim = n + 1;
	double *x = xmalloc((size_t)dim * sizeof *x), *g = xmalloc((size_t)dim * sizeof *g);
	double *diag = xmalloc((size_t)dim * sizeof *diag), *s = xmalloc((size_t)dim * sizeof *s);
	double *work = xmalloc(4 * (size_t)dim * sizeof *work);
	double *w = xmalloc((r->m ? r->m : 1) * sizeof *w);
	memcpy(x, r->theta, (size_t)n * sizeof *x);
	x[n] = r->h;
	evaluate(n, r->obs, r->m, BT_LAMBDA, x, g, w, diag);
	/* Var(theta_a - theta_b) = c' (-H)^-1 c with c = e_a - e_b. */
	memset(g, 0, (size_t)dim * sizeof *g);
	g[a] = 1;
	g[b] = -1;
	cg_solve(n, r->obs, r->m, w, BT_LAMBDA, diag, g, s, work);
	double v = s[a] - s[b];
	free(x);
	free(g);
	free(diag);
	free(s);
	free(work);
	free(w);
	return v > 0 ? v : 0;
}

void bt_ratings_free(struct bt_ratings *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->ids[i]);
	free(r->ids);
	free(r->theta);
	free(r->obs);
	idmap_free(&r->index);
	memset(r, 0, sizeof *r);
}
