/*
 * test_pairing.c - which stories the judge compares next (src/pairing.c):
 * rounds for the deterministic modes, one pair at a time for the
 * barrier-free tournament, and the boundary rule's weight.
 */
#include "unit.h"
#include "aw/options.h"
#include "aw/pairing.h"
#include "aw/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXN 16

/* The tournament's state, owned by the test. */
struct world {
	size_t n;
	double theta[MAXN];
	double u[MAXN];
	unsigned char top[MAXN];
	unsigned short met[MAXN * MAXN];
	int played[MAXN];
	int load[MAXN];
};

static struct pairing_state state_of(const struct world *w, int rule)
{
	return (struct pairing_state){ w->n, rule, w->theta, w->u, w->top,
				       w->met, w->played, w->load, NULL, NULL };
}

static void meet(struct world *w, size_t i, size_t j, unsigned short times)
{
	w->met[i * w->n + j] = times;
	w->met[j * w->n + i] = times;
}

/* Some varied state: distinct strengths, uncertainties, a top half, a few
 * past meetings. */
static void world_init(struct world *w, size_t n, uint64_t seed)
{
	memset(w, 0, sizeof *w);
	w->n = n;
	struct rng r;
	rng_seed(&r, seed);
	for (size_t i = 0; i < n; i++) {
		w->theta[i] = 2 * rng_unit(&r) - 1;
		w->u[i] = 0.5 * rng_unit(&r);
		w->played[i] = (int)rng_below(&r, 3);
	}
	for (size_t i = 0; i < n; i++) {
		size_t above = 0;
		for (size_t j = 0; j < n; j++)
			above += w->theta[j] > w->theta[i];
		w->top[i] = above < n / 2;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			meet(w, i, j, (unsigned short)rng_below(&r, 2));
}

static const int rules[] = { PAIR_RANDOM, PAIR_SWISS, PAIR_BOUNDARY };
static const char *const rule_name[] = { "random", "swiss", "boundary" };

/* floor(n/2) pairs, each story at most once, no self pairs. */
static void check_matching(size_t n, const size_t *pairs, size_t np)
{
	assert_int_equal(np, n / 2);
	unsigned char seen[MAXN] = { 0 };
	for (size_t k = 0; k < 2 * np; k++) {
		assert_true(pairs[k] < n);
		assert_int_equal(seen[pairs[k]], 0);
		seen[pairs[k]] = 1;
	}
	for (size_t k = 0; k < np; k++)
		assert_int_not_equal(pairs[2 * k], pairs[2 * k + 1]);
}

/* A matching as a canonical number: each story's partner (or n), packed. */
static uint64_t matching_key(size_t n, const size_t *pairs, size_t np)
{
	size_t partner[MAXN];
	for (size_t i = 0; i < n; i++)
		partner[i] = n;
	for (size_t k = 0; k < np; k++) {
		partner[pairs[2 * k]] = pairs[2 * k + 1];
		partner[pairs[2 * k + 1]] = pairs[2 * k];
	}
	uint64_t key = 0;
	for (size_t i = 0; i < n; i++)
		key = key * (n + 1) + partner[i];
	return key;
}

/* ------------------------------------------------------ pairing_round */

static void test_round_valid_matching(void **state)
{
	(void)state;
	static const size_t sizes[] = { 1, 2, 7, 10 };
	for (size_t s = 0; s < 4; s++)
		for (size_t ri = 0; ri < 3; ri++)
			for (int first = 0; first < 2; first++)
				for (uint64_t seed = 1; seed <= 20; seed++) {
					struct world w;
					world_init(&w, sizes[s], seed * 31 + sizes[s]);
					struct pairing_state ps = state_of(&w, rules[ri]);
					struct rng r;
					rng_seed(&r, seed);
					size_t pairs[MAXN + 2];
					for (size_t k = 0; k < MAXN + 2; k++)
						pairs[k] = (size_t)-1;
					size_t np = pairing_round(&ps, &r, first, pairs);
					check_matching(sizes[s], pairs, np);
				}
}

/* With nothing to go on, swiss pairs rating neighbours: 1st with 2nd, 3rd
 * with 4th, ... */
static void test_round_swiss_neighbours(void **state)
{
	(void)state;
	struct world w;
	memset(&w, 0, sizeof w);
	w.n = 8;
	/* strengths in scrambled index order; by strength: 5 2 7 0 3 6 1 4 */
	static const double th[8] = { 0.4, -0.9, 1.2, 0.1, -1.5, 2.0, -0.2, 0.9 };
	static const size_t rank[8] = { 5, 2, 7, 0, 3, 6, 1, 4 };
	memcpy(w.theta, th, sizeof th);
	for (uint64_t seed = 1; seed <= 10; seed++) {
		struct pairing_state ps = state_of(&w, PAIR_SWISS);
		struct rng r;
		rng_seed(&r, seed);
		size_t pairs[8];
		size_t np = pairing_round(&ps, &r, 0, pairs);
		check_matching(8, pairs, np);
		size_t want[8];
		memcpy(want, rank, sizeof want);
		assert_true(matching_key(8, pairs, np) == matching_key(8, want, 4));
	}
	/* an odd population: the weakest sits out */
	w.n = 7;
	static const double th7[7] = { 0.4, -0.9, 1.2, 0.1, -1.5, 2.0, -0.2 };
	static const size_t rank7[6] = { 5, 2, 0, 3, 6, 1 };
	memset(w.theta, 0, sizeof w.theta);
	memcpy(w.theta, th7, sizeof th7);
	struct pairing_state ps = state_of(&w, PAIR_SWISS);
	struct rng r;
	rng_seed(&r, 3);
	size_t pairs[8];
	size_t np = pairing_round(&ps, &r, 0, pairs);
	check_matching(7, pairs, np);
	assert_true(matching_key(7, pairs, np) == matching_key(7, rank7, 3));
}

/* The two strongest have met: the strongest takes the third instead of a
 * rematch, and the second then takes the fourth. */
static void test_round_swiss_avoids_rematch(void **state)
{
	(void)state;
	struct world w;
	memset(&w, 0, sizeof w);
	w.n = 6;
	for (size_t i = 0; i < 6; i++)
		w.theta[i] = 1.0 - 0.3 * (double)i; /* 0 strongest */
	meet(&w, 0, 1, 1);
	for (uint64_t seed = 1; seed <= 10; seed++) {
		struct pairing_state ps = state_of(&w, PAIR_SWISS);
		struct rng r;
		rng_seed(&r, seed);
		size_t pairs[6];
		size_t np = pairing_round(&ps, &r, 0, pairs);
		check_matching(6, pairs, np);
		static const size_t want[6] = { 0, 2, 1, 3, 4, 5 };
		assert_true(matching_key(6, pairs, np) == matching_key(6, want, 3));
	}
}

/* Ten stories, theta decreasing, the top-5 line between 4 and 5, u high
 * near the line and low far from it. */
static void boundary_world(struct world *w)
{
	static const double u[10] = { 0.01, 0.02, 0.05, 0.2, 0.45, 0.45, 0.2, 0.05, 0.02, 0.01 };
	memset(w, 0, sizeof *w);
	w->n = 10;
	for (size_t i = 0; i < 10; i++) {
		w->theta[i] = 1.0 - 0.2 * (double)i;
		w->u[i] = u[i];
		w->top[i] = i < 5;
		w->played[i] = 2;
	}
}

static void test_round_boundary_crosses_line(void **state)
{
	(void)state;
	struct world w;
	boundary_world(&w);
	for (uint64_t seed = 1; seed <= 10; seed++) {
		struct pairing_state ps = state_of(&w, PAIR_BOUNDARY);
		struct rng r;
		rng_seed(&r, seed);
		size_t pairs[10];
		size_t np = pairing_round(&ps, &r, 0, pairs);
		check_matching(10, pairs, np);
		/* the first pair chosen crosses the line, and is the two
		 * stories closest to it */
		assert_int_not_equal(w.top[pairs[0]], w.top[pairs[1]]);
		size_t lo = pairs[0] < pairs[1] ? pairs[0] : pairs[1];
		size_t hi = pairs[0] < pairs[1] ? pairs[1] : pairs[0];
		assert_int_equal(lo, 4);
		assert_int_equal(hi, 5);
	}
}

static void test_weight(void **state)
{
	(void)state;
	struct world w;
	boundary_world(&w);
	struct pairing_state ps = state_of(&w, PAIR_BOUNDARY);
	double cross = pairing_weight(&ps, 4, 5);
	/* (u_i + u_j) p (1 - p), p = s(0.2); a floor on u is allowed for */
	double p = 1.0 / (1.0 + exp(-0.2));
	assert_true(fabs(cross - 0.9 * p * (1 - p)) <= 0.01 * 0.9 * p * (1 - p));
	assert_float_equal(pairing_weight(&ps, 5, 4), cross, 1e-15); /* symmetric */

	/* the same pair when both are in the top K: smaller, by 0.6 */
	w.top[5] = 1;
	double same = pairing_weight(&ps, 4, 5);
	assert_true(cross > same);
	assert_float_equal(same, 0.6 * cross, 1e-12);
	/* both out: the same */
	w.top[4] = 0;
	w.top[5] = 0;
	assert_float_equal(pairing_weight(&ps, 4, 5), 0.6 * cross, 1e-12);
	w.top[4] = 1;

	/* it decreases with meetings: divided by 1 + meetings */
	double prev = cross;
	for (unsigned short k = 1; k <= 4; k++) {
		meet(&w, 4, 5, k);
		double wk = pairing_weight(&ps, 4, 5);
		assert_true(wk < prev);
		assert_float_equal(wk, cross / (1.0 + k), 1e-12);
		prev = wk;
	}
	meet(&w, 4, 5, 0);

	/* a rival of equal strength is worth more than a mismatch (same u,
	 * both across the line) */
	w.u[9] = 0.45;
	assert_true(pairing_weight(&ps, 4, 5) > pairing_weight(&ps, 4, 9));
	/* a story less in doubt is worth less */
	w.u[4] = 0.05;
	assert_true(pairing_weight(&ps, 4, 5) < cross);
}

/* The first round is random pairing whatever the rule; different seeds
 * give different matchings. */
static void test_first_round_random(void **state)
{
	(void)state;
	for (size_t ri = 0; ri < 3; ri++) {
		struct world w;
		boundary_world(&w); /* informative state, to be ignored */
		struct pairing_state ps = state_of(&w, rules[ri]);
		uint64_t keys[20];
		size_t distinct = 0, same_as_ruled = 0;
		/* what the rule itself would pick (seed 1) */
		struct rng r0;
		rng_seed(&r0, 1);
		size_t ruled[10];
		size_t nr = pairing_round(&ps, &r0, 0, ruled);
		uint64_t ruled_key = matching_key(10, ruled, nr);
		for (uint64_t seed = 1; seed <= 20; seed++) {
			struct rng r;
			rng_seed(&r, seed * 7919);
			size_t pairs[10];
			size_t np = pairing_round(&ps, &r, 1, pairs);
			check_matching(10, pairs, np);
			uint64_t k = matching_key(10, pairs, np);
			size_t d = 0;
			while (d < distinct && keys[d] != k)
				d++;
			if (d == distinct)
				keys[distinct++] = k;
			same_as_ruled += k == ruled_key;
		}
		/* 945 matchings of 10: 20 draws give at least 10 different */
		if (distinct < 10)
			print_error("%s: %zu distinct first-round matchings of 20\n", rule_name[ri],
				    distinct);
		assert_true(distinct >= 10);
		if (rules[ri] != PAIR_RANDOM)
			assert_true(same_as_ruled < 5);
	}
}

/* The random rule in later rounds: still valid, still varied. */
static void test_round_random_varies(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 10, 77);
	struct pairing_state ps = state_of(&w, PAIR_RANDOM);
	uint64_t first = 0;
	int differs = 0;
	for (uint64_t seed = 1; seed <= 10; seed++) {
		struct rng r;
		rng_seed(&r, seed);
		size_t pairs[10];
		size_t np = pairing_round(&ps, &r, 0, pairs);
		check_matching(10, pairs, np);
		uint64_t k = matching_key(10, pairs, np);
		if (seed == 1)
			first = k;
		else if (k != first)
			differs = 1;
	}
	assert_true(differs);
}

/* Same seed, same state: the same round (reproducibility). */
static void test_round_reproducible(void **state)
{
	(void)state;
	for (size_t ri = 0; ri < 3; ri++) {
		struct world w;
		world_init(&w, 10, 5);
		struct pairing_state ps = state_of(&w, rules[ri]);
		struct rng r1, r2;
		rng_seed(&r1, 123);
		rng_seed(&r2, 123);
		size_t p1[10], p2[10];
		size_t n1 = pairing_round(&ps, &r1, 0, p1);
		size_t n2 = pairing_round(&ps, &r2, 0, p2);
		assert_int_equal(n1, n2);
		assert_memory_equal(p1, p2, n1 * 2 * sizeof *p1);
	}
}

/* ------------------------------------------------------- pairing_next */

/* pairing_next's rule against avoidable rematches: i may play j only if
 * it has met j no more often than any other story. */
static int pair_allowed(const struct world *w, size_t i, size_t j)
{
	unsigned least = 0xffff;
	for (size_t c = 0; c < w->n; c++)
		if (c != i && w->met[i * w->n + c] < least)
			least = w->met[i * w->n + c];
	return w->met[i * w->n + j] <= least;
}

/* Is there a pair of stories with a free slot that the rule allows? */
static int some_pair_allowed(const struct world *w, int cap)
{
	for (size_t i = 0; i < w->n; i++)
		for (size_t j = 0; j < w->n; j++)
			if (i != j && w->load[i] < cap && w->load[j] < cap && pair_allowed(w, i, j))
				return 1;
	return 0;
}

static void test_next_respects_cap(void **state)
{
	(void)state;
	for (size_t ri = 0; ri < 3; ri++)
		for (uint64_t seed = 1; seed <= 200; seed++) {
			struct world w;
			world_init(&w, 9, seed);
			struct rng r;
			rng_seed(&r, seed);
			int cap = 1 + (int)rng_below(&r, 3);
			for (size_t i = 0; i < w.n; i++)
				w.load[i] = (int)rng_below(&r, (uint64_t)cap + 1);
			size_t freec = 0;
			for (size_t i = 0; i < w.n; i++)
				freec += w.load[i] < cap;
			struct pairing_state ps = state_of(&w, rules[ri]);
			size_t i = 99, j = 99;
			int got = pairing_next(&ps, &r, cap, &i, &j);
			if (freec < 2) {
				assert_int_equal(got, 0);
				continue;
			}
			/* It waits only when every free pair would be an avoidable
			 * rematch (all free stories are tried when at most 8). */
			if (freec <= 8)
				assert_int_equal(got, some_pair_allowed(&w, cap));
			if (!got)
				continue;
			assert_true(i < w.n && j < w.n && i != j);
			assert_true(w.load[i] < cap);
			assert_true(w.load[j] < cap);
			assert_true(pair_allowed(&w, i, j));
		}
}

/* Filling a window: repeated calls, each pair's load added, never exceed
 * the cap, and stop exactly when no allowed pair has two free slots. */
static void test_next_fills_to_cap(void **state)
{
	(void)state;
	for (size_t ri = 0; ri < 3; ri++)
		for (int cap = 1; cap <= 3; cap++) {
			struct world w;
			world_init(&w, 7, (uint64_t)cap * 10 + ri);
			struct pairing_state ps = state_of(&w, rules[ri]);
			struct rng r;
			rng_seed(&r, 42);
			size_t i, j;
			int calls = 0;
			while (pairing_next(&ps, &r, cap, &i, &j)) {
				assert_true(i != j);
				assert_true(w.load[i] < cap && w.load[j] < cap);
				w.load[i]++;
				w.load[j]++;
				assert_true(++calls <= 7 * cap);
			}
			for (size_t k = 0; k < w.n; k++)
				assert_true(w.load[k] <= cap);
			/* It stopped because no free pair is left that the rule
			 * against avoidable rematches allows. */
			assert_false(some_pair_allowed(&w, cap));
		}
}

static void test_next_none_free(void **state)
{
	(void)state;
	for (size_t ri = 0; ri < 3; ri++) {
		struct world w;
		world_init(&w, 5, 1);
		for (size_t k = 0; k < 5; k++)
			w.load[k] = 2;
		struct pairing_state ps = state_of(&w, rules[ri]);
		struct rng r;
		rng_seed(&r, 1);
		size_t i, j;
		assert_int_equal(pairing_next(&ps, &r, 2, &i, &j), 0);
		w.load[3] = 1; /* one free slot: still no pair */
		assert_int_equal(pairing_next(&ps, &r, 2, &i, &j), 0);
		w.load[1] = 0; /* two: a pair, and it is those two */
		assert_int_equal(pairing_next(&ps, &r, 2, &i, &j), 1);
		assert_true((i == 1 && j == 3) || (i == 3 && j == 1));
		/* one story alone, and no stories at all */
		w.n = 1;
		w.load[0] = 0;
		ps = state_of(&w, rules[ri]);
		assert_int_equal(pairing_next(&ps, &r, 2, &i, &j), 0);
	}
	struct world w;
	memset(&w, 0, sizeof w);
	struct pairing_state ps = state_of(&w, PAIR_RANDOM);
	struct rng r;
	rng_seed(&r, 1);
	size_t i, j;
	assert_int_equal(pairing_next(&ps, &r, 1, &i, &j), 0);
}

/* A story that has not played (and is not playing) comes first. */
static void test_next_warm_up_first(void **state)
{
	(void)state;
	for (size_t ri = 0; ri < 3; ri++)
		for (uint64_t seed = 1; seed <= 50; seed++) {
			struct world w;
			boundary_world(&w);
			for (size_t k = 0; k < w.n; k++)
				w.played[k] = 3;
			/* 7 is fresh; 2 has never finished a match but has one
			 * in flight: not fresh */
			w.played[7] = 0;
			w.played[2] = 0;
			w.load[2] = 1;
			struct pairing_state ps = state_of(&w, rules[ri]);
			struct rng r;
			rng_seed(&r, seed);
			size_t i, j;
			assert_int_equal(pairing_next(&ps, &r, 2, &i, &j), 1);
			if (i != 7 && j != 7)
				print_error("%s seed %llu: (%zu, %zu) leaves the fresh story out\n",
					    rule_name[ri], (unsigned long long)seed, i, j);
			assert_true(i == 7 || j == 7);
		}
}

/* Filling a window from the start: while some story has neither played
 * nor been paired, every pair includes one, so every story is in a match
 * after at most n calls. */
static void test_next_warm_up_covers_everyone(void **state)
{
	(void)state;
	for (size_t ri = 0; ri < 3; ri++)
		for (int cap = 1; cap <= 3; cap++) {
			struct world w;
			boundary_world(&w);
			for (size_t k = 0; k < w.n; k++)
				w.played[k] = 0;
			w.played[0] = w.played[9] = 2; /* two veterans */
			struct pairing_state ps = state_of(&w, rules[ri]);
			struct rng r;
			rng_seed(&r, 9 + (uint64_t)cap);
			size_t i, j, calls = 0;
			for (;;) {
				size_t fresh = 0;
				for (size_t k = 0; k < w.n; k++)
					fresh += w.played[k] + w.load[k] == 0;
				if (!fresh)
					break;
				assert_int_equal(pairing_next(&ps, &r, cap, &i, &j), 1);
				assert_true(w.played[i] + w.load[i] == 0 ||
					    w.played[j] + w.load[j] == 0);
				w.load[i]++;
				w.load[j]++;
				assert_true(++calls <= w.n);
			}
		}
}

/* After warm-up, boundary starts from the story most in doubt. */
static void test_next_boundary_most_uncertain(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct world w;
		boundary_world(&w);
		w.u[5] = 0.3; /* 4 is now the single most uncertain */
		struct pairing_state ps = state_of(&w, PAIR_BOUNDARY);
		struct rng r;
		rng_seed(&r, seed);
		size_t i, j;
		assert_int_equal(pairing_next(&ps, &r, 1, &i, &j), 1);
		assert_true(i == 4 || j == 4);
		/* and its rival is across the line, the nearest there */
		size_t other = i == 4 ? j : i;
		assert_int_equal(other, 5);
	}
}

/* Random rule: an opponent not met yet before a rematch. */
static void test_next_random_prefers_unmet(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 100; seed++) {
		struct world w;
		memset(&w, 0, sizeof w);
		w.n = 6;
		for (size_t k = 0; k < 6; k++) {
			w.theta[k] = 0.1 * (double)k;
			w.played[k] = 4;
		}
		/* everyone has met everyone except 0-3, 1-4, 2-5 */
		for (size_t a = 0; a < 6; a++)
			for (size_t b = a + 1; b < 6; b++)
				meet(&w, a, b, b == a + 3 ? 0 : 1);
		struct pairing_state ps = state_of(&w, PAIR_RANDOM);
		struct rng r;
		rng_seed(&r, seed);
		size_t i, j;
		assert_int_equal(pairing_next(&ps, &r, 1, &i, &j), 1);
		size_t lo = i < j ? i : j, hi = i < j ? j : i;
		assert_int_equal(hi, lo + 3);
	}
}

/* Swiss: among those not met, the nearest strength. */
static void test_next_swiss_nearest_unmet(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 50; seed++) {
		struct world w;
		memset(&w, 0, sizeof w);
		w.n = 5;
		static const double th[5] = { 0.0, 0.1, 0.2, -0.35, 1.0 };
		memcpy(w.theta, th, sizeof th);
		/* 0 has played least, so it is the one to pair; it has met 1 */
		static const int pl[5] = { 1, 3, 3, 3, 3 };
		memcpy(w.played, pl, sizeof pl);
		meet(&w, 0, 1, 1);
		struct pairing_state ps = state_of(&w, PAIR_SWISS);
		struct rng r;
		rng_seed(&r, seed);
		size_t i, j;
		assert_int_equal(pairing_next(&ps, &r, 1, &i, &j), 1);
		assert_true((i == 0 && j == 2) || (i == 2 && j == 0));
		/* 2 busy: the next nearest unmet, 3 (0.35 away) before 4 */
		w.load[2] = 1;
		assert_int_equal(pairing_next(&ps, &r, 1, &i, &j), 1);
		assert_true((i == 0 && j == 3) || (i == 3 && j == 0));
		/* the random rule in the same state: never the rematch */
		w.load[2] = 0;
		ps.rule = PAIR_RANDOM;
		assert_int_equal(pairing_next(&ps, &r, 1, &i, &j), 1);
		assert_true(i == 0 || j == 0);
		assert_true(i != 1 && j != 1);
	}
}

int run_pairing_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_valid_matching),
		cmocka_unit_test(test_round_swiss_neighbours),
		cmocka_unit_test(test_round_swiss_avoids_rematch),
		cmocka_unit_test(test_round_boundary_crosses_line),
		cmocka_unit_test(test_weight),
		cmocka_unit_test(test_first_round_random),
		cmocka_unit_test(test_round_random_varies),
		cmocka_unit_test(test_round_reproducible),
		cmocka_unit_test(test_next_respects_cap),
		cmocka_unit_test(test_next_fills_to_cap),
		cmocka_unit_test(test_next_none_free),
		cmocka_unit_test(test_next_warm_up_first),
		cmocka_unit_test(test_next_warm_up_covers_everyone),
		cmocka_unit_test(test_next_boundary_most_uncertain),
		cmocka_unit_test(test_next_random_prefers_unmet),
		cmocka_unit_test(test_next_swiss_nearest_unmet),
	};
	return cmocka_run_group_tests_name("pairing", tests, NULL, NULL);
}
