/*
 * pairing.c - the pairing rules (see pairing.h).
 *
 * Ties are broken uniformly at random (reservoir sampling over equal keys),
 * so that with no information every rule reduces to random pairing.
 */
#include "aw/pairing.h"
#include "aw/bt.h"
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
	double count = s->played ? s->played[j] + s->load[j] : 0;
	switch (s->rule) {
	case PAIR_SWISS:
		return met * 1e6 + fabs(s->theta[i] - s->theta[j]);
	case PAIR_BOUNDARY:
		return met * 1e6 - pairing_weight(s, i, j);
	default:
		return met * 1e6 + count; /* unmet first, then the least busy */
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

#define NEXT_TRIES 8 /* first stories tried before waiting for a verdict */

int pairing_next(const struct pairing_state *s, struct rng *r, int cap, size_t *pi, size_t *pj)
{
	/* The NEXT_TRIES best first stories by the rule's priority, ties in
	 * random order (the random draw is the second key). */
	size_t cand[NEXT_TRIES];
	double ckey[NEXT_TRIES][2];
	size_t nc = 0;
	for (size_t c = 0; c < s->n; c++) {
		if (s->load[c] >= cap || (s->avail && s->avail[c] != PAIR_READY))
			continue;
		double count = s->played[c] + s->load[c];
		double k[2] = { count, rng_unit(r) };
		if (s->rule == PAIR_BOUNDARY && count > 0) /* after a warm-up match */
			k[0] = 1.0 - (s->u[c] + 1e-3) / (1.0 + count);
		size_t at = nc < NEXT_TRIES ? nc++ : NEXT_TRIES;
		while (at > 0 && (k[0] < ckey[at - 1][0] ||
				  (k[0] == ckey[at - 1][0] && k[1] < ckey[at - 1][1]))) {
			if (at < NEXT_TRIES) {
				cand[at] = cand[at - 1];
				ckey[at][0] = ckey[at - 1][0];
				ckey[at][1] = ckey[at - 1][1];
			}
			at--;
		}
		if (at < NEXT_TRIES) {
			cand[at] = c;
			ckey[at][0] = k[0];
			ckey[at][1] = k[1];
		}
	}
	/* Take the first that has a free opponent it has met no more often
	 * than any other story: a rematch that waiting would avoid is not
	 * made, since a new pair tells more than a repeated one. */
	for (size_t t = 0; t < nc; t++) {
		size_t i = cand[t], j = SIZE_MAX, ties = 0;
		unsigned least = UINT32_MAX;
		double key = INFINITY;
		for (size_t c = 0; c < s->n; c++) {
			if (c == i || (s->avail && s->avail[c] == PAIR_LOST))
				continue;
			if (s->met[i * s->n + c] < least)
				least = s->met[i * s->n + c];
			if (s->load[c] < cap && (!s->avail || s->avail[c] == PAIR_READY))
				consider(r, c, opponent_key(s, i, c), &j, &key, &ties);
		}
		if (j != SIZE_MAX && s->met[i * s->n + j] <= least) {
			*pi = i;
			*pj = j;
			return 1;
		}
	}
	return 0;
}

static int met_before(const struct pairing_state *s, size_t i, size_t j)
{
	return s->met[i * s->n + j] > 0;
}

/* Swiss pairing without a rematch: the strongest free story takes the
 * nearest one below it that it has not met, backtracking when that leaves
 * the rest unpairable (with n odd, one story may sit out).  Returns the
 * number of pairs, or SIZE_MAX if none exists within *budget steps. */
static size_t swiss_search(const struct pairing_state *s, const size_t *order, size_t n,
			   unsigned char *taken, size_t *pairs, size_t np, int may_skip,
			   long *budget)
{
	size_t a = 0;
	while (a < n && taken[order[a]])
		a++;
	if (a == n)
		return np;
	size_t left = 0;
	for (size_t k = a; k < n; k++)
		left += !taken[order[k]];
	if (left == 1 && may_skip)
		return np;
	size_t i = order[a];
	taken[i] = 1;
	for (size_t b = a + 1; b < n; b++) {
		size_t j = order[b];
		if (taken[j] || s->met[i * s->n + j])
			continue;
		if (--*budget < 0)
			break;
		taken[j] = 1;
		pairs[2 * np] = i;
		pairs[2 * np + 1] = j;
		size_t got = swiss_search(s, order, n, taken, pairs, np + 1, may_skip, budget);
		if (got != SIZE_MAX)
			return got;
		taken[j] = 0;
	}
	if (may_skip && *budget >= 0) { /* let i sit this round out */
		size_t got = swiss_search(s, order, n, taken, pairs, np, 0, budget);
		if (got != SIZE_MAX)
			return got;
	}
	taken[i] = 0;
	return SIZE_MAX;
}

/* Swap partners between pairs p and q when that makes both new. */
static int swap_partners(const struct pairing_state *s, size_t *pairs, size_t p, size_t q)
{
	size_t *a = &pairs[2 * p], *b = &pairs[2 * p + 1];
	size_t *c = &pairs[2 * q], *e = &pairs[2 * q + 1];
	size_t t = *b;
	if (!met_before(s, *a, *c) && !met_before(s, *b, *e)) {
		*b = *c;
		*c = t;
	} else if (!met_before(s, *a, *e) && !met_before(s, *b, *c)) {
		*b = *e;
		*e = t;
	} else {
		return 0;
	}
	return 1;
}

/* Greedy Swiss pairing can leave the last stories no choice but a
 * rematch.  Undo those by swapping partners with the nearest other pair,
 * above or below (or the story sitting out), when that makes both pairs
 * new. */
static void repair_rematches(const struct pairing_state *s, size_t *pairs, size_t np,
			     const size_t *order, size_t n)
{
	size_t out = SIZE_MAX; /* the story left out when n is odd */
	if (n % 2) {
		unsigned char *in = xcalloc(s->n, 1);
		for (size_t k = 0; k < 2 * np; k++)
			in[pairs[k]] = 1;
		for (size_t k = 0; k < n; k++)
			if (!in[order[k]])
				out = order[k];
		free(in);
	}
	for (int pass = 0; pass < 3; pass++) {
		int changed = 0;
		for (size_t p = 0; p < np; p++) {
			size_t *a = &pairs[2 * p], *b = &pairs[2 * p + 1];
			if (!met_before(s, *a, *b))
				continue;
			if (out != SIZE_MAX && !met_before(s, *a, out)) {
				size_t t = *b;
				*b = out;
				out = t;
				changed = 1;
				continue;
			}
			int swapped = 0;
			for (size_t d = 1; d < np && !swapped; d++)
				swapped = (p >= d && swap_partners(s, pairs, p, p - d)) ||
					  (p + d < np && swap_partners(s, pairs, p, p + d));
			changed |= swapped;
		}
		if (!changed)
			break;
	}
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
		long budget = 200000; /* search steps before settling for less */
		np = swiss_search(s, order, n, taken, pairs, 0, n % 2, &budget);
		if (np != SIZE_MAX)
			goto done;
		np = 0;
		memset(taken, 0, s->n);
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
		repair_rematches(s, pairs, np, order, n);
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
done:
	free(order);
	free(taken);
	return np;
}
