/*
 * parents.c - a generation's diversity, and the parents chosen with it
 * (see parents.h).
 *
 * The distance, deviation and text measures are diversity.c's; this module
 * decides what they are measured over and what selection does with them.
 */
#include "aw/parents.h"
#include "aw/diversity.h"
#include "aw/rng.h"
#include "aw/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct item {
	const char *root;   /* generation-0 ancestor */
	const char *id;
	size_t i;           /* index in the population */
};

static int by_lineage(const void *x, const void *y)
{
	const struct item *a = x, *b = y;
	int c = strcmp(a->root, b->root);
	return c ? c : strcmp(a->id, b->id);
}

/* Deviations of texts[0..n) into dev: exact, or within random blocks. */
static double deviations(const char *const *texts, size_t n, uint64_t seed, int gen, double *dev)
{
	size_t nb = n <= PARENTS_EXACT_MAX ? 1 : (n + PARENTS_BLOCK - 1) / PARENTS_BLOCK;
	size_t *order = xmalloc((n ? n : 1) * sizeof *order);
	const char **part = xmalloc((n ? n : 1) * sizeof *part);
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	if (nb > 1) {
		struct rng r;
		rng_seed(&r, rng_mix(seed, rng_mix(0x646576ULL, (uint64_t)gen)));
		rng_shuffle(&r, order, n);
	}
	for (size_t b = 0; b < nb; b++) {
		size_t lo = b * n / nb, hi = (b + 1) * n / nb;
		for (size_t k = lo; k < hi; k++)
			part[k - lo] = texts[order[k]];
		struct diversity *d = diversity_new(part, hi - lo);
		for (size_t k = lo; k < hi; k++) {
			dev[order[k]] = diversity_deviation(d, k - lo);
			sum += dev[order[k]];
		}
		diversity_free(d);
	}
	free(order);
	free(part);
	return n > 1 ? sum / (double)n : 0;
}

void parents_measure(struct population *pop, const struct history *h, uint64_t seed, int gen,
		     struct gen_diversity *out)
{
	size_t n = pop->n, m = n ? n : 1;
	struct item *it = xmalloc(m * sizeof *it);
	const char **texts = xmalloc(m * sizeof *texts);
	const char **roots = xmalloc(m * sizeof *roots);
	double *dev = xmalloc(m * sizeof *dev);
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < n; i++) {
		const struct story *s = pop->v[i];
		const char *r = history_root(h, s->id);
		it[i] = (struct item){ r ? r : s->id, s->id, i };
	}
	qsort(it, n, sizeof *it, by_lineage);
	for (size_t k = 0; k < n; k++) {
		texts[k] = pop->v[it[k].i]->text ? pop->v[it[k].i]->text : "";
		roots[k] = it[k].root;
	}
	out->has = 1;
	out->mean_deviation = deviations(texts, n, seed, gen, dev);
	for (size_t k = 0; k < n; k++) {
		struct story *s = pop->v[it[k].i];
		s->deviation = dev[k];
		s->has_deviation = 1;
	}
	out->lineages = (long)diversity_lineages(roots, n);
	out->distinct_2 = diversity_distinct(texts, n, 2);
	out->distinct_3 = diversity_distinct(texts, n, 3);
	out->compression_ratio = diversity_compression_ratio(texts, n);
	free(it);
	free(texts);
	free(roots);
	free(dev);
}

/* z-scores of v[0..n) into z (0 when they do not vary). */
static void zscore(const double *v, size_t n, double *z)
{
	double m = 0, s = 0;
	for (size_t i = 0; i < n; i++)
		m += v[i] / (double)n;
	for (size_t i = 0; i < n; i++)
		s += (v[i] - m) * (v[i] - m);
	s = n > 1 ? sqrt(s / (double)(n - 1)) : 0;
	for (size_t i = 0; i < n; i++)
		z[i] = s > 0 ? (v[i] - m) / s : 0;
}

void parents_choose(const struct population *pop, const struct history *h, size_t k, double w,
		    int by_rating, size_t *out)
{
	size_t n = pop->n;
	if (k > n)
		k = n;
	if (w <= 0) {
		for (size_t i = 0; i < k; i++)
			out[i] = i;
		return;
	}
	double *merit = xmalloc(n * sizeof *merit), *z = xmalloc(n * sizeof *z);
	unsigned char *taken = xcalloc(n, 1);
	const char **root = xmalloc(n * sizeof *root);
	size_t *chosen = xmalloc(k * sizeof *chosen);
	for (size_t i = 0; i < n; i++) {
		const struct story *s = pop->v[i];
		merit[i] = by_rating && s->rated ? s->rating : s->elo;
		root[i] = history_root(h, s->id);
		if (!root[i])
			root[i] = s->id;
	}
	zscore(merit, n, z);
	/* Greedy: k times the best score given the parents chosen so far;
	 * ties go to the better rank. */
	for (size_t c = 0; c < k; c++) {
		size_t best = n;
		double bestv = 0;
		for (size_t i = 0; i < n; i++) {
			if (taken[i])
				continue;
			double same = 0;
			for (size_t t = 0; t < c; t++)
				same += strcmp(root[chosen[t]], root[i]) == 0;
			double v = z[i] - w * same;
			if (best == n || v > bestv)
				best = i, bestv = v;
		}
		taken[best] = 1;
		chosen[c] = best;
	}
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (taken[i])
			out[m++] = i;
	free(merit);
	free(z);
	free(taken);
	free(root);
	free(chosen);
}

int parents_near_copy(const char *text, const char *const *peers, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (peers[i] && diversity_distance(text, peers[i]) < PARENTS_NEAR_COPY)
			return 1;
	return 0;
}
