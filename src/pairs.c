/*
 * pairs.c - drawing the pairs of a comparison, and scoring them from their
 * verdicts (see pairs.h for the rules).
 *
 * The layout walks a counter t over the pairs: row t mod n1, column
 * (t + s) mod n2, where s is a shift that changes every lcm(n1, n2) steps.
 * One block of lcm steps meets every row and every column equally often
 * and covers the lcm distinct pairs whose difference of indices is s
 * modulo gcd(n1, n2); the gcd shifts of a cycle, in a random order, cover
 * all n1*n2 pairs once.  Rows follow t, so any prefix is even in rows;
 * columns advance by one each step and wrap, so any prefix is even in
 * columns; and a pair recurs only in a later cycle.  Random permutations
 * of the rows and columns make which stories meet a draw from the seed.
 */
#include "aw/pairs.h"
#include "aw/idmap.h"
#include "aw/rng.h"
#include "aw/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- drawing */

static size_t gcd(size_t a, size_t b)
{
	while (b) {
		size_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

void pairs_draw(size_t na, size_t nb, size_t n, uint64_t seed, uint64_t key_a, uint64_t key_b,
		struct pair *out)
{
	/* The side with fewer stories gives the rows (on a tie, the smaller
	 * key), whichever set is called A: the (B, A) call then draws the same
	 * layout and only reads it the other way round. */
	int swap = nb < na || (nb == na && key_b < key_a);
	size_t n1 = swap ? nb : na, n2 = swap ? na : nb;
	size_t g = gcd(n1, n2), block = n1 / g * n2;
	size_t *rows = xmalloc(n1 * sizeof *rows), *cols = xmalloc(n2 * sizeof *cols);
	size_t *shift = xmalloc(g * sizeof *shift);
	struct rng r;

	rng_seed(&r, rng_mix(seed, 0x7061697273ULL)); /* "pairs" */
	for (size_t i = 0; i < n1; i++)
		rows[i] = i;
	for (size_t i = 0; i < n2; i++)
		cols[i] = i;
	rng_shuffle(&r, rows, n1);
	rng_shuffle(&r, cols, n2);
	for (size_t t = 0; t < n; t++) {
		size_t blk = t / block;
		if (t % (block * g) == 0) { /* a new cycle: the shifts' order */
			for (size_t i = 0; i < g; i++)
				shift[i] = i;
			rng_shuffle(&r, shift, g);
		}
		size_t i = rows[t % n1], j = cols[(t + shift[blk % g]) % n2];
		out[t].a = swap ? j : i;
		out[t].b = swap ? i : j;
	}
	free(rows);
	free(cols);
	free(shift);
}

/* Append to o (holding *k) the indices below m that seen[] does not mark. */
static void rest(unsigned char *seen, size_t m, size_t *o, size_t *k)
{
	for (size_t i = 0; i < m; i++)
		if (!seen[i])
			o[(*k)++] = i;
}

void pairs_order(const struct pair *p, size_t n, size_t na, size_t nb, size_t *oa, size_t *ob)
{
	unsigned char *sa = xcalloc(na ? na : 1, 1), *sb = xcalloc(nb ? nb : 1, 1);
	size_t ka = 0, kb = 0;
	for (size_t t = 0; t < n; t++) {
		if (!sa[p[t].a]) {
			sa[p[t].a] = 1;
			oa[ka++] = p[t].a;
		}
		if (!sb[p[t].b]) {
			sb[p[t].b] = 1;
			ob[kb++] = p[t].b;
		}
	}
	rest(sa, na, oa, &ka);
	rest(sb, nb, ob, &kb);
	free(sa);
	free(sb);
}

static int cmp_pair(const void *x, const void *y)
{
	const struct pair *p = x, *q = y;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	return p->b < q->b ? -1 : p->b > q->b;
}

size_t pairs_distinct(const struct pair *p, size_t n)
{
	if (n == 0)
		return 0;
	struct pair *s = xmalloc(n * sizeof *s);
	memcpy(s, p, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_pair);
	size_t d = 1;
	for (size_t i = 1; i < n; i++)
		d += cmp_pair(&s[i - 1], &s[i]) != 0;
	free(s);
	return d;
}

/* ---------------------------------------------------------------- scoring */

/* The ids of one side: given, or gathered from the votes. */
struct side {
	const char **ids;         /* the ids (borrowed) */
	size_t n, cap;
	struct idmap map;         /* id -> index */
	int fixed;                /* given by the caller: no new ids */
};

static int side_index(struct side *s, const char *id)
{
	int i = idmap_get(&s->map, id);
	if (i >= 0 || s->fixed)
		return i;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->ids = xrealloc(s->ids, s->cap * sizeof *s->ids);
	}
	s->ids[s->n] = id;
	idmap_put(&s->map, id, (int)s->n);
	return (int)s->n++;
}

static void side_init(struct side *s, const char *const *ids, size_t n)
{
	memset(s, 0, sizeof *s);
	for (size_t i = 0; i < n; i++)
		side_index(s, ids[i]);
	s->fixed = ids != NULL;
}

/* Score group g for every judge, by the rules of pairs.h. */
static void score_group(struct pairs_scores *s, const struct vote *v, struct pairs_group *g)
{
	size_t nj = s->nj;
	double sum_all = 0;
	int judged = 0;
	for (size_t k = 0; k < nj; k++) {
		struct pairs_judge *j = &s->j[k];
		double sum = 0;
		int n = 0, in_a = 0, in_b = 0;
		char w0 = 0;
		int agree = 1;
		for (size_t x = 0; x < g->nvotes; x++) {
			const struct vote *vo = &v[g->votes[x]];
			if (strcmp(vo->judge, j->name) != 0 || vote_score(vo) < 0)
				continue;
			sum += vote_score(vo);
			n++;
			in_a |= vo->first == 'a';
			in_b |= vo->first == 'b';
			if (!w0)
				w0 = vo->winner;
			else if (vo->winner != w0)
				agree = 0;
		}
		double score = NAN;
		if (n && (!j->two_orders || (in_a && in_b)))
			score = sum / n;
		if (j->two_orders && in_a && in_b) {
			j->both++;
			j->agree += agree;
		}
		s->by_judge[(size_t)(g - s->g) * nj + k] = score;
		if (!isnan(score)) {
			j->scored++;
			sum_all += score;
			judged++;
		}
	}
	g->score = judged ? sum_all / judged : NAN;
	s->complete += judged > 0;
}

/* Find judge name, adding it when the list is not fixed: its index or -1. */
static int judge_index(struct pairs_scores *s, const char *name, int fixed)
{
	for (size_t k = 0; k < s->nj; k++)
		if (strcmp(s->j[k].name, name) == 0)
			return (int)k;
	if (fixed)
		return -1;
	s->j = xrealloc(s->j, (s->nj + 1) * sizeof *s->j);
	memset(&s->j[s->nj], 0, sizeof *s->j);
	s->j[s->nj].name = name;
	return (int)s->nj++;
}

/* Order groups by number (numbered first), then by first vote. */
static int cmp_group(const void *x, const void *y)
{
	const struct pairs_group *p = x, *q = y;
	if ((p->pair < 0) != (q->pair < 0))
		return p->pair < 0 ? 1 : -1;
	if (p->pair != q->pair)
		return p->pair < q->pair ? -1 : 1;
	return p->votes[0] < q->votes[0] ? -1 : p->votes[0] > q->votes[0];
}

int pairs_score(const struct vote *v, size_t n, const char *const *a_ids, size_t na,
		const char *const *b_ids, size_t nb, const char *const *judges, size_t nj,
		struct pairs_scores *out, char *err, size_t errlen)
{
	struct side A, B;
	struct idmap groups = IDMAP_INIT;
	char **keys = xcalloc(n ? n : 1, sizeof *keys);
	size_t nkeys = 0, cap = 0;
	int rc = -1;

	memset(out, 0, sizeof *out);
	side_init(&A, a_ids, na);
	side_init(&B, b_ids, nb);
	for (size_t k = 0; k < nj; k++)
		judge_index(out, judges[k], 0);
	for (size_t i = 0; i < n; i++) {
		const struct vote *vo = &v[i];
		if ((A.fixed && idmap_get(&A.map, vo->a_id) < 0) ||
		    (B.fixed && idmap_get(&B.map, vo->b_id) < 0)) {
			int in_a = !A.fixed || idmap_get(&A.map, vo->a_id) >= 0;
			aw_fail(err, errlen, "a verdict on story '%s', which is not in set %s",
				in_a ? vo->b_id : vo->a_id, in_a ? "B" : "A");
			goto out;
		}
		if (judge_index(out, vo->judge, judges != NULL) < 0) {
			aw_fail(err, errlen, "a verdict of judge '%s', which is not one of this comparison's",
				vo->judge);
			goto out;
		}
		/* The pair: its number and its two stories. */
		char *key = xasprintf("%ld\x1f%s\x1f%s", vo->pair, vo->a_id, vo->b_id);
		int gi = idmap_get(&groups, key);
		if (gi < 0) {
			if (out->n == cap) {
				cap = cap ? cap * 2 : 64;
				out->g = xrealloc(out->g, cap * sizeof *out->g);
			}
			struct pairs_group *g = &out->g[out->n];
			memset(g, 0, sizeof *g);
			g->pair = vo->pair;
			g->a_id = vo->a_id;
			g->b_id = vo->b_id;
			keys[nkeys++] = key;
			gi = (int)out->n++;
			idmap_put(&groups, key, gi);
		} else {
			free(key);
		}
		struct pairs_group *g = &out->g[gi];
		g->votes = xrealloc(g->votes, (g->nvotes + 1) * sizeof *g->votes);
		g->votes[g->nvotes++] = i;
		if (vo->a_words >= 0 && vo->b_words >= 0)
			g->dlen = (double)vo->a_words - (double)vo->b_words;
	}
	if (out->n)
		qsort(out->g, out->n, sizeof *out->g, cmp_group);
	/* Stories not given are numbered as the sorted pairs first name them,
	 * so that the same pairs read from any file get the same numbers. */
	for (size_t gi = 0; gi < out->n; gi++) {
		struct pairs_group *g = &out->g[gi];
		g->ia = (size_t)side_index(&A, g->a_id);
		g->ib = (size_t)side_index(&B, g->b_id);
	}
	/* Which judges saw a pair in both orders. */
	for (size_t gi = 0; gi < out->n; gi++) {
		const struct pairs_group *g = &out->g[gi];
		for (size_t k = 0; k < out->nj; k++) {
			int in_a = 0, in_b = 0;
			for (size_t x = 0; x < g->nvotes; x++) {
				const struct vote *vo = &v[g->votes[x]];
				if (strcmp(vo->judge, out->j[k].name) == 0) {
					in_a |= vo->first == 'a';
					in_b |= vo->first == 'b';
				}
			}
			out->j[k].two_orders |= in_a && in_b;
		}
	}
	out->by_judge = xmalloc((out->n * out->nj > 0 ? out->n * out->nj : 1) *
				sizeof *out->by_judge);
	for (size_t gi = 0; gi < out->n; gi++)
		score_group(out, v, &out->g[gi]);
	rc = 0;
out:
	for (size_t i = 0; i < nkeys; i++)
		free(keys[i]);
	free(keys);
	idmap_free(&groups);
	idmap_free(&A.map);
	idmap_free(&B.map);
	out->a_ids = A.ids;
	out->na = A.n;
	out->b_ids = B.ids;
	out->nb = B.n;
	if (rc < 0)
		pairs_scores_release(out);
	return rc;
}

void pairs_scores_release(struct pairs_scores *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->g[i].votes);
	free(s->g);
	free(s->j);
	free(s->by_judge);
	free(s->a_ids);
	free(s->b_ids);
	memset(s, 0, sizeof *s);
}
