/*
 * pairing.c - the pairing rules (see pairing.h).
 *
 * Ties are broken uniformly at random (reservoir sampling over equal keys),
 * so that with no information every rule reduces to random pairing.
 */
#include "aw/pairing.h"
#include "aw/bt.h"
#include "aw/options.h"
#include "aw/util.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

double pairing_weight(const struct pairing_state *s, size_t i, size_t j)
{
	double p = bt_prob(s->theta[i], s->theta[j], 0);
	double cross = s->top[i] != s->top[j] ? 1.0 : 0.6;
	return (s->u[i] + s->u[j] + 1e-3) * p * (1 - p) * cross / (1.0 + s->met[i * s->n + j]);
}

/* Lower is better. */
static double opponent_key(const struct pairing_state *s, size_t i, size_t j)
{
	double met = s->met[i * s->n + j];
	switch (s->rule) {
	case PAIR_SWISS:
		return met * 1e6 + fabs(s->theta[i] - s->theta[j]);
	case PAIR_BOUNDARY:
		return -pairing_weight(s, i, j);
	default:
		return met;
	}
}

/* Keep the lowest key; equal keys replace it with probability 1/ties. */
static void consider(struct rng *r, size_t cand, double key, size_t *best, double *best_key,
		     size_t *ties)
{
	if (key < *best_key) {
		*best_key = key;
		*best = cand;
		*ties = 1;
	} else if (key == *best_key && rng_below(r, ++*ties) == 0) {
		*best = cand;
	}
}

int pairing_next(const struct pairing_state *s, struct rng *r, int cap, size_t *pi, size_t *pj)
{
	size_t i = SIZE_MAX, j = SIZE_MAX, ties = 0;
	double key = INFINITY;
	for (size_t c = 0; c < s->n; c++) {
		if (s->load[c] >= cap)
			continue;
		double count = s->played[c] + s->load[c];
		double k = count;
		if (s->rule == PAIR_BOUNDARY && count > 0) /* after a warm-up match */
			k = 1.0 - (s->u[c] + 1e-3) / (1.0 + count);
		consider(r, c, k, &i, &key, &ties);
	}
	if (i == SIZE_MAX)
		return 0;
	key = INFINITY;
	ties = 0;
	for (size_t c = 0; c < s->n; c++)
		if (c != i && s->load[c] < cap)
			consider(r, c, opponent_key(s, i, c), &j, &key, &ties);
	if (j == SIZE_MAX)
		return 0;
	*pi = i;
	*pj = j;
	return 1;
}

struct wpair {
	double w;     /* weight, heaviest first */
	size_t i, j;  /* the pair */
};

static int heavier_first(const void *a, const void *b)
{
	const struct wpair *x = a, *y = b;
	if (x->w != y->w)
		return x->w > y->w ? -1 : 1;
	return x->i != y->i ? (x->i < y->i ? -1 : 1) : (x->j < y->j ? -1 : x->j > y->j);
}

size_t pairing_round(const struct pairing_state *s, struct rng *r, int first_round, size_t *pairs)
{
	size_t n = 0, np = 0, all = s->n;
	size_t *order = xmalloc((all ? all : 1) * sizeof *order);
	unsigned char *taken = xcalloc(all ? all : 1, 1);
	for (size_t i = 0; i < all; i++)
		if (!s->busy || !s->busy[i])
			order[n++] = i; /* only the stories still free this round */
	rng_shuffle(r, order, n); /* breaks every tie at random */

	if (s->rule == PAIR_RANDOM || first_round) {
		for (size_t k = 0; k + 1 < n; k += 2) {
			pairs[2 * np] = order[k];
			pairs[2 * np + 1] = order[k + 1];
			np++;
		}
	} else if (s->rule == PAIR_SWISS) {
		/* Strongest first; each takes the nearest story below it among
		 * those it has met least. */
		for (size_t a = 1; a < n; a++) {
			size_t v = order[a], b = a;
			while (b > 0 && s->theta[order[b - 1]] < s->theta[v])
				order[b] = order[b - 1], b--;
			order[b] = v;
		}
		for (size_t a = 0; a < n; a++) {
			size_t i = order[a], best = SIZE_MAX;
			if (taken[i])
				continue;
			for (size_t b = a + 1; b < n; b++) {
				size_t j = order[b];
				if (taken[j])
					continue;
				if (best == SIZE_MAX || s->met[i * all + j] < s->met[i * all + best])
					best = j;
				if (s->met[i * all + best] == 0)
					break;
			}
			if (best == SIZE_MAX)
				break;
			taken[i] = taken[best] = 1;
			pairs[2 * np] = i;
			pairs[2 * np + 1] = best;
			np++;
		}
	} else {
		/* Boundary: the heaviest pairs first, greedily. */
		size_t m = n * (n - 1) / 2, k = 0;
		struct wpair *p = xmalloc((m ? m : 1) * sizeof *p);
		for (size_t a = 0; a < n; a++)
			for (size_t b = a + 1; b < n; b++)
				p[k++] = (struct wpair){ pairing_weight(s, order[a], order[b]) +
							 1e-12 * rng_unit(r), order[a], order[b] };
		qsort(p, m, sizeof *p, heavier_first);
		for (size_t a = 0; a < m; a++) {
			if (taken[p[a].i] || taken[p[a].j])
				continue;
			taken[p[a].i] = taken[p[a].j] = 1;
			pairs[2 * np] = p[a].i;
			pairs[2 * np + 1] = p[a].j;
			np++;
		}
		free(p);
	}
	free(order);
	free(taken);
	return np;
}
