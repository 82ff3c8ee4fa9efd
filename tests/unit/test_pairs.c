/*
 * test_pairs.c - the pairs of a comparison (src/pairs.c): drawing them
 * evenly (every prefix even over the stories of both sets and over the
 * distinct pairs), seeded and symmetric in A and B; and scoring them from
 * their verdicts by the tie and agreement rules.
 */
#include "unit.h"
#include "aw/pairs.h"
#include "aw/vote.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- drawing */

/* Every prefix of p: rows and columns used equally often (±1), and each
 * distinct pair used floor or ceil of prefix / (na * nb) times. */
static void check_even(const struct pair *p, size_t n, size_t na, size_t nb)
{
	long *ra = calloc(na, sizeof *ra), *cb = calloc(nb, sizeof *cb);
	long *m = calloc(na * nb, sizeof *m);
	for (size_t t = 0; t < n; t++) {
		assert_true(p[t].a < na);
		assert_true(p[t].b < nb);
		ra[p[t].a]++;
		cb[p[t].b]++;
		m[p[t].a * nb + p[t].b]++;
		long lo = 1L << 40, hi = 0;
		for (size_t i = 0; i < na; i++) {
			lo = ra[i] < lo ? ra[i] : lo;
			hi = ra[i] > hi ? ra[i] : hi;
		}
		if (hi - lo > 1)
			fail_msg("%zux%zu: after %zu pairs, A's stories used %ld to %ld times", na, nb,
				 t + 1, lo, hi);
		lo = 1L << 40, hi = 0;
		for (size_t j = 0; j < nb; j++) {
			lo = cb[j] < lo ? cb[j] : lo;
			hi = cb[j] > hi ? cb[j] : hi;
		}
		if (hi - lo > 1)
			fail_msg("%zux%zu: after %zu pairs, B's stories used %ld to %ld times", na, nb,
				 t + 1, lo, hi);
		long floor_ = (long)((t + 1) / (na * nb));
		for (size_t k = 0; k < na * nb; k++)
			if (m[k] < floor_ || m[k] > floor_ + 1)
				fail_msg("%zux%zu: after %zu pairs, a pair used %ld times (distinct first)",
					 na, nb, t + 1, m[k]);
	}
	free(ra);
	free(cb);
	free(m);
}

static void test_draw_even(void **state)
{
	(void)state;
	static const size_t sizes[][2] = { { 5, 5 }, { 3, 7 }, { 7, 3 }, { 4, 6 }, { 6, 4 },
					   { 1, 1 }, { 1, 5 }, { 5, 1 }, { 2, 2 }, { 12, 8 },
					   { 30, 60 } };
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		size_t na = sizes[s][0], nb = sizes[s][1], n = 3 * na * nb + 7;
		struct pair *p = malloc(n * sizeof *p);
		pairs_draw(na, nb, n, 42 + s, 1, 2, p);
		check_even(p, n, na, nb);
		free(p);
	}
}

static void test_draw_distinct_first(void **state)
{
	(void)state;
	struct pair p[120];
	pairs_draw(5, 5, 120, 1, 11, 22, p);
	assert_int_equal(pairs_distinct(p, 25), 25); /* the first 25: all distinct */
	assert_int_equal(pairs_distinct(p, 120), 25);
	assert_int_equal(pairs_distinct(p, 10), 10);
	pairs_draw(5, 5, 10, 1, 11, 22, p); /* fewer pairs than distinct ones */
	assert_int_equal(pairs_distinct(p, 10), 10);
	/* 120 pairs over 5 x 5: each story in 24, each distinct pair 4 or 5 times */
	pairs_draw(5, 5, 120, 9, 11, 22, p);
	check_even(p, 120, 5, 5);
}

static int same_pairs(const struct pair *p, const struct pair *q, size_t n, int swapped)
{
	for (size_t i = 0; i < n; i++)
		if (swapped ? (p[i].a != q[i].b || p[i].b != q[i].a) :
			      (p[i].a != q[i].a || p[i].b != q[i].b))
			return 0;
	return 1;
}

static void test_draw_seeded(void **state)
{
	(void)state;
	struct pair p[60], q[60], r[80];
	pairs_draw(6, 4, 60, 7, 1, 2, p);
	pairs_draw(6, 4, 60, 7, 1, 2, q);
	assert_true(same_pairs(p, q, 60, 0));
	pairs_draw(6, 4, 60, 8, 1, 2, q);
	assert_false(same_pairs(p, q, 60, 0));
	/* more pairs with the same seed: the same pairs first (a longer
	 * rating continues the shorter one) */
	pairs_draw(6, 4, 80, 7, 1, 2, r);
	assert_true(same_pairs(p, r, 60, 0));
}

static void test_draw_symmetric(void **state)
{
	(void)state;
	struct pair p[50], q[50];
	/* B vs A draws A vs B's pairs, exchanged: sizes that differ ... */
	pairs_draw(3, 7, 50, 5, 100, 200, p);
	pairs_draw(7, 3, 50, 5, 200, 100, q);
	assert_true(same_pairs(p, q, 50, 1));
	/* ... and equal sizes, oriented by the keys */
	pairs_draw(5, 5, 50, 5, 100, 200, p);
	pairs_draw(5, 5, 50, 5, 200, 100, q);
	assert_true(same_pairs(p, q, 50, 1));
	pairs_draw(5, 5, 50, 5, 300, 200, p);
	pairs_draw(5, 5, 50, 5, 200, 300, q);
	assert_true(same_pairs(p, q, 50, 1));
}

/* ---------------------------------------------------------------- scoring */

static void add(struct vote_list *l, const char *judge, long pair, const char *a, const char *b,
		char first, char winner)
{
	struct vote v;
	vote_init(&v);
	v.judge = strdup(judge);
	v.pair = pair;
	v.a_id = strdup(a);
	v.b_id = strdup(b);
	v.first = first;
	v.winner = winner;
	v.a_words = 100;
	v.b_words = 90;
	vote_list_add(l, &v);
}

static void score(const struct vote_list *l, struct pairs_scores *s)
{
	char err[256] = "";
	if (pairs_score(l->v, l->n, NULL, 0, NULL, 0, NULL, 0, s, err, sizeof err) < 0)
		fail_msg("pairs_score: %s", err);
}

static void test_tie_rule(void **state)
{
	(void)state;
	struct vote_list l = { 0 };
	add(&l, "j", 0, "a1", "b1", 'a', 'a'); /* both orders: A */
	add(&l, "j", 0, "a1", "b1", 'b', 'a');
	add(&l, "j", 1, "a2", "b2", 'a', 'a'); /* the orders disagree: a tie */
	add(&l, "j", 1, "a2", "b2", 'b', 'b');
	add(&l, "j", 2, "a1", "b2", 'b', 'b'); /* both orders: B */
	add(&l, "j", 2, "a1", "b2", 'a', 'b');
	add(&l, "j", 3, "a2", "b1", 'a', 'a'); /* one order only: incomplete */
	add(&l, "j", 4, "a2", "b1", 'a', 'a'); /* no verdict in one order */
	add(&l, "j", 4, "a2", "b1", 'b', 0);
	struct pairs_scores s;
	score(&l, &s);
	assert_int_equal(s.n, 5);
	assert_int_equal(s.complete, 3);
	assert_float_equal(s.g[0].score, 1.0, 0);
	assert_float_equal(s.g[1].score, 0.5, 0);
	assert_float_equal(s.g[2].score, 0.0, 0);
	assert_true(isnan(s.g[3].score));
	assert_true(isnan(s.g[4].score));
	assert_int_equal(s.na, 2);
	assert_int_equal(s.nb, 2);
	assert_int_equal(s.g[2].ia, 0); /* a1 */
	assert_int_equal(s.g[2].ib, 1); /* b2 */
	assert_float_equal(s.g[0].dlen, 10, 0);
	/* agreement: pairs decided in both orders, 2 of 3 agree */
	assert_int_equal(s.nj, 1);
	assert_true(s.j[0].two_orders);
	assert_int_equal(s.j[0].both, 3);
	assert_int_equal(s.j[0].agree, 2);
	pairs_scores_release(&s);
	vote_list_free(&l);
}

static void test_one_order_person(void **state)
{
	(void)state;
	struct vote_list l = { 0 };
	add(&l, VOTE_PERSON, 0, "a1", "b1", 'b', 'a');
	add(&l, VOTE_PERSON, 1, "a1", "b2", 'a', 't'); /* cannot decide */
	add(&l, VOTE_PERSON, 2, "a2", "b1", 'a', 'b');
	struct pairs_scores s;
	score(&l, &s);
	assert_int_equal(s.complete, 3);
	assert_false(s.j[0].two_orders);
	assert_int_equal(s.j[0].both, 0);
	assert_float_equal(s.g[0].score, 1.0, 0);
	assert_float_equal(s.g[1].score, 0.5, 0);
	assert_float_equal(s.g[2].score, 0.0, 0);
	pairs_scores_release(&s);
	vote_list_free(&l);
}

static void test_panel(void **state)
{
	(void)state;
	struct vote_list l = { 0 };
	add(&l, "j1", 0, "a1", "b1", 'a', 'a');
	add(&l, "j1", 0, "a1", "b1", 'b', 'a');
	add(&l, "j2", 0, "a1", "b1", 'a', 'a'); /* j2: a tie */
	add(&l, "j2", 0, "a1", "b1", 'b', 'b');
	add(&l, "j1", 1, "a2", "b2", 'a', 'b');
	add(&l, "j1", 1, "a2", "b2", 'b', 'b');
	add(&l, "j2", 1, "a2", "b2", 'a', 'b'); /* j2 saw pair 1 in one order */
	struct pairs_scores s;
	const char *judges[] = { "j2", "j1" };
	char err[256];
	assert_int_equal(pairs_score(l.v, l.n, NULL, 0, NULL, 0, judges, 2, &s, err, sizeof err), 0);
	assert_string_equal(s.j[0].name, "j2"); /* in the order given */
	assert_float_equal(s.g[0].score, 0.75, 1e-15); /* mean of 1 and 0.5 */
	assert_float_equal(s.g[1].score, 0.0, 0);      /* j1 only */
	assert_float_equal(s.by_judge[0 * 2 + 0], 0.5, 0);
	assert_float_equal(s.by_judge[0 * 2 + 1], 1.0, 0);
	assert_true(isnan(s.by_judge[1 * 2 + 0]));
	assert_int_equal(s.j[0].scored, 1);
	assert_int_equal(s.j[1].scored, 2);
	assert_int_equal(s.j[0].agree, 0);
	assert_int_equal(s.j[1].agree, 2);
	pairs_scores_release(&s);
	/* a judge not of the comparison, or a story not of the sets */
	const char *one[] = { "j1" };
	assert_int_equal(pairs_score(l.v, l.n, NULL, 0, NULL, 0, one, 1, &s, err, sizeof err), -1);
	assert_true(tu_contains(err, "j2"));
	const char *as[] = { "a1" };
	assert_int_equal(pairs_score(l.v, l.n, as, 1, NULL, 0, NULL, 0, &s, err, sizeof err), -1);
	assert_true(tu_contains(err, "a2"));
	vote_list_free(&l);
}

static void test_groups(void **state)
{
	(void)state;
	struct vote_list l = { 0 };
	/* pair numbers group; the same stories under two numbers are two pairs */
	add(&l, "j", 7, "a1", "b1", 'a', 'a');
	add(&l, "j", 3, "a1", "b1", 'a', 'b');
	add(&l, "j", 3, "a1", "b1", 'b', 'b');
	add(&l, "j", 7, "a1", "b1", 'b', 'a');
	/* without numbers, the same stories are one pair */
	add(&l, "j", -1, "a2", "b2", 'a', 'a');
	add(&l, "j", -1, "a2", "b2", 'b', 'a');
	struct pairs_scores s;
	const char *as[] = { "a2", "a1", "a3" }, *bs[] = { "b1", "b2" };
	char err[256];
	assert_int_equal(pairs_score(l.v, l.n, as, 3, bs, 2, NULL, 0, &s, err, sizeof err), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.na, 3); /* the sets' stories, a3 in no pair */
	assert_int_equal(s.g[0].pair, 3); /* by number, unnumbered last */
	assert_int_equal(s.g[1].pair, 7);
	assert_int_equal(s.g[2].pair, -1);
	assert_int_equal(s.g[0].ia, 1);
	assert_float_equal(s.g[0].score, 0.0, 0);
	assert_float_equal(s.g[1].score, 1.0, 0);
	assert_float_equal(s.g[2].score, 1.0, 0);
	assert_int_equal(s.g[1].nvotes, 2);
	pairs_scores_release(&s);
	vote_list_free(&l);
}

/* The stories are numbered by the sorted pairs, not by the order of the
 * votes: a file in arrival order and one in pair order agree. */
static void test_numbering(void **state)
{
	(void)state;
	struct vote_list l = { 0 }, m = { 0 };
	add(&l, "j", 1, "x2", "y1", 'a', 'a');
	add(&l, "j", 0, "x1", "y2", 'a', 'b');
	add(&l, "j", 1, "x2", "y1", 'b', 'a');
	add(&l, "j", 0, "x1", "y2", 'b', 'b');
	add(&m, "j", 0, "x1", "y2", 'b', 'b');
	add(&m, "j", 0, "x1", "y2", 'a', 'b');
	add(&m, "j", 1, "x2", "y1", 'a', 'a');
	add(&m, "j", 1, "x2", "y1", 'b', 'a');
	struct pairs_scores s, t;
	score(&l, &s);
	score(&m, &t);
	assert_string_equal(s.a_ids[0], "x1");
	assert_string_equal(s.b_ids[0], "y2");
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(s.g[i].ia, t.g[i].ia);
		assert_int_equal(s.g[i].ib, t.g[i].ib);
		assert_float_equal(s.g[i].score, t.g[i].score, 0);
	}
	pairs_scores_release(&s);
	pairs_scores_release(&t);
	vote_list_free(&l);
	vote_list_free(&m);
	/* pairs_order: the same numbering from the drawn list */
	struct pair p[3] = { { 2, 1 }, { 0, 1 }, { 2, 0 } };
	size_t oa[4], ob[3];
	pairs_order(p, 3, 4, 3, oa, ob);
	assert_int_equal(oa[0], 2);
	assert_int_equal(oa[1], 0);
	assert_int_equal(oa[2], 1); /* in no pair: after, in order */
	assert_int_equal(oa[3], 3);
	assert_int_equal(ob[0], 1);
	assert_int_equal(ob[1], 0);
	assert_int_equal(ob[2], 2);
}

int run_pairs_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_draw_even),
		cmocka_unit_test(test_draw_distinct_first),
		cmocka_unit_test(test_draw_seeded),
		cmocka_unit_test(test_draw_symmetric),
		cmocka_unit_test(test_tie_rule),
		cmocka_unit_test(test_one_order_person),
		cmocka_unit_test(test_panel),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_numbering),
	};
	return cmocka_run_group_tests_name("pairs", tests, NULL, NULL);
}
