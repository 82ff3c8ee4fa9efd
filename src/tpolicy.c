/*
 * tpolicy.c - the writing temperature learned from the verdicts (see
 * tpolicy.h for the model and why).
 *
 * The unknowns are f over the grid for both operators, a vector of 2n
 * values (n grid values, drafts first).  Their prior covariance is K, the
 * evidence adds a precision matrix and a vector (one block per family of
 * variants, by Sherman-Morrison, so a family costs O(n^2) however large it
 * is), and the posterior covariance is (K^-1 + evidence)^-1, all by
 * Cholesky on matrices of at most 2 * CODEC_MAX_ARMS rows.  The Monte Carlo
 * behind p_next draws from its own stream, keyed by the run's seed and the
 * generation, so that it is the same wherever the fit is computed.
 */
#include "aw/tpolicy.h"
#include "aw/idmap.h"
#include "aw/rng.h"
#include "aw/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prior of f, in logits (the Bradley-Terry scale). */
#define PRIOR_SD 0.5        /* how much temperature may matter */
#define PRIOR_LENGTH 0.4    /* temperatures this far apart are still alike */
#define PRIOR_NUGGET 0.01   /* variance of what is particular to one value */
#define PRIOR_LEVEL 4.0     /* variance of an operator's level (free) */
/* Weak priors of the noise variances: NOISE_DOF stories' worth of
 * NOISE_VAR; and the family variance when it cannot be estimated. */
#define NOISE_VAR 1.0
#define NOISE_DOF 4.0
#define FAMILY_VAR 0.25
#define FAMILY_VAR_MIN 0.02
#define GOLDEN 0.6180339887498949 /* 1 / the golden ratio */

struct entry {
	char *id;          /* the story's id (owned) */
	char *parent;      /* its parent's, NULL for a first draft (owned) */
	int arm;           /* nearest grid value */
};

struct tpolicy {
	double grid[CODEC_MAX_ARMS]; /* temperatures, increasing */
	size_t n;                    /* grid values */
	uint64_t seed;               /* the run's */
	int gen;                     /* generation the policy is for */
	struct entry *e;             /* stories observed, in order */
	size_t ne, cap;
	struct idmap seen;           /* id -> entry */
	double p[TPOLICY_OPS][CODEC_MAX_ARMS];    /* probability chosen next */
	double mean[TPOLICY_OPS][CODEC_MAX_ARMS]; /* strength, centred per operator */
	double sd[TPOLICY_OPS][CODEC_MAX_ARMS];   /* its posterior sd */
	long count[TPOLICY_OPS][CODEC_MAX_ARMS];  /* stories used per arm */
};

/* ------------------------------------------------------------------ grid */

int tpolicy_parse_grid(const char *text, double *grid, size_t *n, char *err, size_t errlen)
{
	double g[CODEC_MAX_ARMS];
	size_t k = 0;
	const char *p = text;
	for (;;) {
		char *end;
		size_t len = strcspn(p, ",");
		char num[64];
		if (len == 0 || len >= sizeof num)
			return aw_fail(err, errlen, "'%s' is not a list of temperatures such as %s",
				       text, TPOLICY_GRID_DEFAULT);
		memcpy(num, p, len);
		num[len] = '\0';
		double v = strtod(num, &end);
		if (*end || end == num || !isfinite(v) || num[strspn(num, "0123456789.")])
			return aw_fail(err, errlen, "'%s' is not a temperature", num);
		if (v < 0 || v > 2)
			return aw_fail(err, errlen, "temperature %s is out of range (0..2)", num);
		if (k == CODEC_MAX_ARMS)
			return aw_fail(err, errlen, "more than %d temperatures", CODEC_MAX_ARMS);
		if (k && !(v > g[k - 1]))
			return aw_fail(err, errlen, "temperatures must increase (%s after %g)", num,
				       g[k - 1]);
		g[k++] = v;
		if (!p[len])
			break;
		p += len + 1;
	}
	if (k < 2)
		return aw_fail(err, errlen, "'%s': at least two temperatures are needed", text);
	if (grid)
		memcpy(grid, g, k * sizeof *g);
	if (n)
		*n = k;
	return 0;
}

/* ------------------------------------------------------------ life cycle */

static void set_uniform(struct tpolicy *p)
{
	for (int o = 0; o < TPOLICY_OPS; o++)
		for (size_t a = 0; a < p->n; a++) {
			p->p[o][a] = 1.0 / (double)p->n;
			p->mean[o][a] = 0;
			p->sd[o][a] = PRIOR_SD;
			p->count[o][a] = 0;
		}
}

struct tpolicy *tpolicy_new(const double *grid, size_t n, uint64_t seed)
{
	struct tpolicy *p = xcalloc(1, sizeof *p);
	if (n < 2 || n > CODEC_MAX_ARMS)
		abort();
	memcpy(p->grid, grid, n * sizeof *grid);
	p->n = n;
	p->seed = seed;
	set_uniform(p);
	return p;
}

void tpolicy_free(struct tpolicy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->ne; i++) {
		free(p->e[i].id);
		free(p->e[i].parent);
	}
	free(p->e);
	idmap_free(&p->seen);
	free(p);
}

static int nearest(const struct tpolicy *p, double t)
{
	int best = 0;
	for (size_t a = 1; a < p->n; a++)
		if (fabs(p->grid[a] - t) < fabs(p->grid[best] - t))
			best = (int)a;
	return best;
}

void tpolicy_observe(struct tpolicy *p, const char *id, const char *parent_id,
		     double temperature)
{
	if (idmap_get(&p->seen, id) >= 0)
		return;
	if (p->ne == p->cap) { /* the map borrows the id strings, which stay put */
		p->cap = p->cap ? 2 * p->cap : 64;
		p->e = xrealloc(p->e, p->cap * sizeof *p->e);
	}
	struct entry *e = &p->e[p->ne];
	e->id = xstrdup(id);
	e->parent = parent_id ? xstrdup(parent_id) : NULL;
	e->arm = nearest(p, temperature);
	idmap_put(&p->seen, e->id, (int)p->ne);
	p->ne++;
}

/* --------------------------------------------------------- linear algebra */

/* Cholesky factor of the n x n symmetric positive definite a, in place
 * (lower triangle); a tiny jitter is added when rounding makes a pivot
 * vanish.  Row-major, leading dimension n. */
static void cholesky(double *a, int n)
{
	for (int j = 0; j < n; j++) {
		double d = a[j * n + j];
		for (int k = 0; k < j; k++)
			d -= a[j * n + k] * a[j * n + k];
		if (!(d > 1e-12))
			d = 1e-12;
		d = sqrt(d);
		a[j * n + j] = d;
		for (int i = j + 1; i < n; i++) {
			double s = a[i * n + j];
			for (int k = 0; k < j; k++)
				s -= a[i * n + k] * a[j * n + k];
			a[i * n + j] = s / d;
		}
		for (int k = j + 1; k < n; k++)
			a[j * n + k] = 0;
	}
}

/* The inverse of a symmetric positive definite a (n x n) into inv, via the
 * Cholesky factor l (a is left as its factor). */
static void spd_inverse(double *a, double *inv, int n)
{
	cholesky(a, n);
	for (int c = 0; c < n; c++) {
		double *x = inv; /* column c of the inverse, by two triangular solves */
		for (int i = 0; i < n; i++) {
			double s = i == c;
			for (int k = 0; k < i; k++)
				s -= a[i * n + k] * x[k * n + c];
			x[i * n + c] = s / a[i * n + i];
		}
		for (int i = n - 1; i >= 0; i--) {
			double s = x[i * n + c];
			for (int k = i + 1; k < n; k++)
				s -= a[k * n + i] * x[k * n + c];
			x[i * n + c] = s / a[i * n + i];
		}
	}
}

/* ------------------------------------------------------------------- fit */

/* One story as evidence: its operator, arm, y and family (parent entry,
 * -1 for a draft). */
struct obs {
	int op, arm;
	double y;
	long family;
	size_t order;      /* observed: keeps the sort stable */
};

static int by_family(const void *x, const void *y)
{
	const struct obs *a = x, *b = y;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* Standard normal draws (Box-Muller). */
static double gauss(struct rng *r)
{
	double u1 = rng_unit(r), u2 = rng_unit(r);
	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* The noise variances of the two operators and the family variance, from
 * the spread of y within arms (drafts) and within families (variants). */
static void noise(const struct obs *ob, size_t m, size_t n, double *var_d, double *var_v,
		  double *var_b)
{
	double sum[CODEC_MAX_ARMS] = { 0 }, sq[CODEC_MAX_ARMS] = { 0 };
	long cnt[CODEC_MAX_ARMS] = { 0 };
	double ss = 0, dof = 0;
	for (size_t i = 0; i < m; i++)
		if (ob[i].op == TPOLICY_DRAFT) {
			sum[ob[i].arm] += ob[i].y;
			sq[ob[i].arm] += ob[i].y * ob[i].y;
			cnt[ob[i].arm]++;
		}
	for (size_t a = 0; a < n; a++)
		if (cnt[a] > 1) {
			ss += sq[a] - sum[a] * sum[a] / (double)cnt[a];
			dof += (double)cnt[a] - 1;
		}
	*var_d = (NOISE_DOF * NOISE_VAR + ss) / (NOISE_DOF + dof);

	/* Variants come sorted by family. */
	double ssw = 0, ssb = 0, total = 0, nv = 0, sq_sizes = 0;
	long families = 0;
	dof = 0;
	for (size_t i = 0; i < m;) {
		size_t j = i;
		double s = 0, q = 0;
		if (ob[i].op != TPOLICY_VARIANT) {
			i++;
			continue;
		}
		while (j < m && ob[j].op == TPOLICY_VARIANT && ob[j].family == ob[i].family) {
			s += ob[j].y;
			q += ob[j].y * ob[j].y;
			j++;
		}
		double k = (double)(j - i);
		ssw += q - s * s / k;
		dof += k - 1;
		total += s;
		nv += k;
		sq_sizes += k * k;
		families++;
		ssb += s * s / k; /* sum of k * mean^2; the grand mean comes off below */
		i = j;
	}
	*var_v = (NOISE_DOF * NOISE_VAR + ssw) / (NOISE_DOF + dof);
	*var_b = FAMILY_VAR;
	if (families >= 2) {
		/* E[between-family sum of squares] = (F-1) var + var_b (N - sum n_f^2 / N) */
		ssb -= total * total / nv;
		double est = (ssb - (double)(families - 1) * *var_v) / (nv - sq_sizes / nv);
		double w = (double)families / (families + NOISE_DOF);
		*var_b = w * (est > FAMILY_VAR_MIN ? est : FAMILY_VAR_MIN) + (1 - w) * FAMILY_VAR;
	}
}

static void prior(const struct tpolicy *p, double *k)
{
	int n = (int)p->n, dim = 2 * n;
	for (int i = 0; i < dim; i++)
		for (int j = 0; j < dim; j++) {
			int oi = i / n, oj = j / n;
			double d = p->grid[i % n] - p->grid[j % n];
			double v = PRIOR_SD * PRIOR_SD * exp(-d * d / (2 * PRIOR_LENGTH * PRIOR_LENGTH));
			if (oi != oj)
				v *= TPOLICY_RHO;
			else
				v += PRIOR_LEVEL;
			if (i == j)
				v += PRIOR_NUGGET;
			k[i * dim + j] = v;
		}
}

/* Thompson probabilities of operator o from the posterior mean and
 * covariance (dim x dim), then the exploration share. */
static void thompson(struct tpolicy *p, int o, const double *mean, const double *cov, int dim)
{
	int n = (int)p->n, off = o * n;
	double l[CODEC_MAX_ARMS * CODEC_MAX_ARMS], z[CODEC_MAX_ARMS];
	long wins[CODEC_MAX_ARMS] = { 0 };
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			l[i * n + j] = cov[(off + i) * dim + off + j] + (i == j ? 1e-9 : 0);
	cholesky(l, n);
	struct rng r;
	rng_seed(&r, rng_mix(p->seed, rng_mix(0x74706f6c696379ULL, (uint64_t)p->gen * 2 + o)));
	for (int d = 0; d < TPOLICY_DRAWS; d++) {
		for (int i = 0; i < n; i++)
			z[i] = gauss(&r);
		int best = 0;
		double bestv = -INFINITY;
		for (int i = 0; i < n; i++) {
			double v = mean[off + i];
			for (int k = 0; k <= i; k++)
				v += l[i * n + k] * z[k];
			if (v > bestv)
				bestv = v, best = i;
		}
		wins[best]++;
	}
	for (int i = 0; i < n; i++)
		p->p[o][i] = (1 - TPOLICY_EXPLORE) * (double)wins[i] / TPOLICY_DRAWS +
			     TPOLICY_EXPLORE / n;
}

void tpolicy_fit(struct tpolicy *p, int gen, const struct bt_ratings *r)
{
	int n = (int)p->n, dim = 2 * n;
	struct obs *ob = xmalloc((p->ne ? p->ne : 1) * sizeof *ob);
	size_t m = 0;
	p->gen = gen;
	set_uniform(p);
	for (size_t i = 0; i < p->ne; i++) {
		const struct entry *e = &p->e[i];
		int s = bt_find(r, e->id);
		int par = e->parent ? bt_find(r, e->parent) : -1;
		if (s < 0 || (e->parent && par < 0))
			continue;
		ob[m].op = e->parent ? TPOLICY_VARIANT : TPOLICY_DRAFT;
		ob[m].arm = e->arm;
		ob[m].y = r->theta[s] - (par >= 0 ? r->theta[par] : 0);
		ob[m].family = e->parent ? (long)idmap_get(&p->seen, e->parent) : -1;
		if (e->parent && ob[m].family < 0)
			ob[m].family = (long)p->ne + par; /* a parent never observed */
		ob[m].order = m;
		p->count[ob[m].op][e->arm]++;
		m++;
	}
	if (m == 0) {
		free(ob);
		return;
	}
	qsort(ob, m, sizeof *ob, by_family); /* drafts (-1) first, then by family */

	double var_d, var_v, var_b;
	noise(ob, m, p->n, &var_d, &var_v, &var_b);

	size_t sz = (size_t)dim * (size_t)dim;
	double *k = xmalloc(sz * sizeof *k), *prec = xmalloc(sz * sizeof *prec);
	double *cov = xmalloc(sz * sizeof *cov);
	double eta[2 * CODEC_MAX_ARMS] = { 0 }, mean[2 * CODEC_MAX_ARMS];
	prior(p, k);
	spd_inverse(k, prec, dim);
	for (size_t i = 0; i < m;) {
		if (ob[i].op == TPOLICY_DRAFT) {
			prec[ob[i].arm * dim + ob[i].arm] += 1 / var_d;
			eta[ob[i].arm] += ob[i].y / var_d;
			i++;
			continue;
		}
		/* One family: (1/var)(diag(c) - g c c') and (1/var)(S - g c T). */
		double c[CODEC_MAX_ARMS] = { 0 }, s[CODEC_MAX_ARMS] = { 0 }, tot = 0;
		size_t j = i;
		while (j < m && ob[j].family == ob[i].family) {
			c[ob[j].arm] += 1;
			s[ob[j].arm] += ob[j].y;
			tot += ob[j].y;
			j++;
		}
		double g = var_b / (var_v + (double)(j - i) * var_b);
		for (int a = 0; a < n; a++) {
			eta[n + a] += (s[a] - g * c[a] * tot) / var_v;
			prec[(n + a) * dim + n + a] += c[a] / var_v;
			for (int b = 0; b < n; b++)
				prec[(n + a) * dim + n + b] -= g * c[a] * c[b] / var_v;
		}
		i = j;
	}
	spd_inverse(prec, cov, dim);
	for (int i = 0; i < dim; i++) {
		mean[i] = 0;
		for (int j = 0; j < dim; j++)
			mean[i] += cov[i * dim + j] * eta[j];
	}
	for (int o = 0; o < TPOLICY_OPS; o++) {
		int off = o * n;
		double avg = 0;
		for (int a = 0; a < n; a++)
			avg += mean[off + a] / n;
		for (int a = 0; a < n; a++) {
			/* Var(f_a - mean f) = C_aa - 2/n sum_b C_ab + 1/n^2 sum_bc C_bc */
			double row = 0, all = 0;
			for (int b = 0; b < n; b++) {
				row += cov[(off + a) * dim + off + b];
				for (int c = 0; c < n; c++)
					all += cov[(off + b) * dim + off + c];
			}
			double v = cov[(off + a) * dim + off + a] - 2 * row / n + all / ((double)n * n);
			p->mean[o][a] = mean[off + a] - avg;
			p->sd[o][a] = sqrt(v > 0 ? v : 0);
		}
		thompson(p, o, mean, cov, dim);
	}
	free(k);
	free(prec);
	free(cov);
	free(ob);
}

/* ------------------------------------------------------------------ use */

double tpolicy_pick(const struct tpolicy *p, int gen, enum tpolicy_op op, size_t index)
{
	if (gen != p->gen) {
		fprintf(stderr, "alphawrite: internal error: temperature of generation %d asked of "
			"the policy of generation %d\n", gen, p->gen);
		abort();
	}
	struct rng r;
	rng_seed(&r, rng_mix(p->seed, rng_mix(0x74656d70ULL, (uint64_t)gen * 2 + op)));
	double u = rng_unit(&r) + (double)index * GOLDEN;
	u -= floor(u);
	double cdf = 0;
	for (size_t a = 0; a + 1 < p->n; a++) {
		cdf += p->p[op][a];
		if (u < cdf)
			return p->grid[a];
	}
	return p->grid[p->n - 1];
}

void tpolicy_export(const struct tpolicy *p, struct gen_policy *out)
{
	memset(out, 0, sizeof *out);
	out->has = 1;
	struct policy_arm *arms[TPOLICY_OPS] = { out->draft, out->variant };
	for (int o = 0; o < TPOLICY_OPS; o++)
		for (size_t a = 0; a < p->n; a++) {
			struct policy_arm *x = &arms[o][a];
			x->temperature = p->grid[a];
			x->stories = p->count[o][a];
			x->strength = p->mean[o][a];
			x->strength_lo = p->mean[o][a] - 1.96 * p->sd[o][a];
			x->strength_hi = p->mean[o][a] + 1.96 * p->sd[o][a];
			x->p_next = p->p[o][a];
		}
	out->ndraft = out->nvariant = p->n;
}
