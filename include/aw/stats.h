/*
 * stats.h - the statistics of a head-to-head comparison of two sets of
 * stories: win rate, confidence intervals, p-value, a bootstrap over
 * stories and a length-controlled win rate.
 *
 * `alphawrite compare` judges stories of set A against stories of set B in
 * pairs, each pair in both orders, and scores each pair for A: 1 (A won
 * both orders), 0 (B won both) or 0.5 (the orders disagree, or a tie).  A
 * single number hides too much, so every figure here is one that a reader
 * can check and that stays honest at the extremes (0 of 5, 120 of 120, no
 * decisive pair at all):
 *
 *   - the Wilson score interval, which the AlphaWrite paper reports
 *     (86/120 -> 63-79%), right also at small n and at 0% and 100%, where
 *     the textbook p +- z sqrt(p(1-p)/n) collapses to a point;
 *   - the exact two-sided sign test against 50% on the decisive pairs,
 *     summed in log space so that it is exact for n up to 10^6 and more;
 *   - a bootstrap over stories: when a story meets several stories of the
 *     other set, its pairs share its quality and are not independent, and
 *     the Wilson interval, which assumes they are, is too narrow;
 *   - a length-controlled win rate (AlpacaEval's idea): judges prefer
 *     longer texts, so the rate is also reported as predicted at equal
 *     length.
 *
 * Everything is pure computation: no I/O, and randomness only from the
 * seeded generator of rng.h, so that a seed gives the same figures.
 *
 * Ownership: the caller owns every array passed in; the functions only
 * read them and keep no pointer to them.
 */
#ifndef AW_STATS_H
#define AW_STATS_H

#include <stddef.h>
#include <stdint.h>

#define STATS_LEVEL 0.95       /* confidence level of every reported interval */
#define STATS_BOOT_REPS 2000   /* bootstrap replicates of stats_summarise() */
#define STATS_PRIOR_SD 10.0    /* sd of the N(0, sd^2) prior on theta and phi
				* of the length-controlled fit, in logits */

/* One judged pair: a story of set A against a story of set B. */
struct stats_pair {
	size_t a;     /* index of the story in set A, < na */
	size_t b;     /* index of the story in set B, < nb */
	double score; /* A's score in [0, 1]: 1 A won, 0 B won, 0.5 a tie or
		       * the two orders disagree (a soft score is allowed) */
	double dlen;  /* length of A's story minus length of B's, in words */
};

/* What `compare` reports, from stats_summarise(). */
struct stats_summary {
	long pairs;               /* pairs judged (n) */
	long a_wins;              /* pairs with score > 0.5 */
	long b_wins;              /* pairs with score < 0.5 */
	long ties;                /* pairs with score exactly 0.5 */
	double win_rate;          /* mean score: A's win rate, ties counting half */
	double ci_lo, ci_hi;      /* 95% Wilson interval of win_rate over the
				   * pairs, taken as independent */
	double p_value;           /* exact two-sided sign test against 50% over
				   * the decisive pairs (a_wins vs b_wins) */
	double ci_boot_lo;        /* 95% bootstrap interval over stories, */
	double ci_boot_hi;        /* widened to contain [ci_lo, ci_hi] (below) */
	double length_controlled; /* win rate predicted at equal length */
	double length_phi;        /* the fit's length coefficient (logits per
				   * unit of tanh(dlen / sd)); > 0: longer wins */
	long distinct_pairs;      /* distinct (a, b) story pairs among the pairs */
};

/*
 * The standard normal quantile: the z with P(Z <= z) = p.  Acklam's
 * rational approximation refined by one Halley step on erfc, accurate to
 * about 1e-15 relative over (0, 1); the upper half is computed as
 * -q(1 - p) (1 - p is exact there), so the two halves mirror exactly.
 * p <= 0 gives -INFINITY, p >= 1 +INFINITY, NaN gives NaN.  For a
 * two-sided level L use stats_normal_quantile((1 + L) / 2): 1.959964 for
 * 95%.
 */
double stats_normal_quantile(double p);

/*
 * The Wilson score interval [*lo, *hi] for a proportion wins / n at
 * normal quantile z (1.959964 for 95%).  wins may be fractional (a tie
 * counts half) and is clamped to [0, n].  The interval always lies in
 * [0, 1] and contains wins / n; it is exactly 0 at its lower end when
 * wins = 0 and exactly 1 at its upper end when wins = n.  n <= 0 (no
 * evidence) gives [0, 1].
 */
void stats_wilson(double wins, double n, double z, double *lo, double *hi);

/*
 * The exact two-sided binomial test of k successes in n trials against
 * success probability p0 in (0, 1): the probability of every outcome no
 * more likely than k (R's binom.test, with its relative tolerance of
 * 1e-7 for outcomes as likely as k).  For p0 = 0.5 this is twice the
 * smaller tail, capped at 1.  The sums run in log space from the observed
 * outcome outwards, so n may be 10^6 and more (time O(n) at worst,
 * usually O(sqrt(n))); relative error about 1e-9 at n = 10^6.  A p-value
 * below the smallest double (e.g. k = 0 of n = 10^6) underflows to 0.
 * n = 0 gives 1; k < 0, k > n, or p0 outside (0, 1) give NaN.
 */
double stats_binomial_two_sided(long k, long n, double p0);

/*
 * The exact two-sided sign test against 50%: stats_binomial_two_sided(
 * a_wins, a_wins + b_wins, 0.5).  Ties are left out before calling; with
 * no decisive outcome at all (0, 0) the result is 1.  Swapping the
 * arguments gives the same value.
 */
double stats_sign_test(long a_wins, long b_wins);

/*
 * A percentile bootstrap interval over stories for A's win rate (the mean
 * score).  Each of reps replicates draws na stories of set A with
 * replacement and, independently, nb stories of set B, and weights every
 * pair by the product of its two stories' multiplicities in the draw (the
 * "pigeonhole" bootstrap of Owen, 2007); the replicate's win rate is the
 * weighted mean score.  Pairs that repeat, and stories that meet several
 * stories, therefore move together, as they do in the data.  na and nb
 * are the sizes of the sets: a story in no pair still takes part in the
 * draw.  [*lo, *hi] are the (1 - level)/2 and (1 + level)/2 quantiles of
 * the replicates' win rates (linear interpolation between order
 * statistics).
 *
 * A replicate in which no pair has both its stories drawn has no win rate
 * and is skipped: the quantiles are those of the replicates that have
 * one.  This happens only when pairs are few and the sets large.
 *
 * Deterministic for a seed.  Swapping the roles of A and B (a <-> b,
 * score -> 1 - score, na <-> nb) gives the mirrored interval
 * [1 - hi, 1 - lo] in distribution, and exactly when the pair list is
 * its own mirror image (e.g. pairs (i, i) with na = nb); otherwise the
 * draws land on different stories and the two differ by Monte Carlo error.
 *
 * Two properties to know when reading the interval:
 *   - When every pair has the same score, every replicate has that score
 *     and the interval collapses to a point (e.g. [1, 1] for 120 wins of
 *     120).  That is what the percentile bootstrap gives; it is not
 *     certainty.  This function returns it unchanged, and
 *     stats_summarise() widens its bootstrap interval to contain the
 *     Wilson interval, because dependence between pairs can only add
 *     uncertainty to what independent pairs would have.
 *   - The pigeonhole bootstrap is conservative: the pair-level noise is
 *     counted up to three times.  When each story is in one pair only
 *     (na = nb = n), its variance is about three times the true one and
 *     the interval about 1.7 times as wide as it should be; when stories
 *     repeat, as in the designs it is meant for, the excess is small
 *     (tests/unit/test_stats.c measures both).
 *
 * Returns 0, or -1 with [*lo, *hi] = [0, 1] when n, na or nb is 0, reps
 * < 1, level is not in (0, 1), a pair's index is out of range or its
 * score is not in [0, 1], or no replicate had a win rate.  Memory:
 * O(reps + na + nb).
 */
int stats_bootstrap_winrate(const struct stats_pair *p, size_t n, size_t na, size_t nb,
			    long reps, uint64_t seed, double level, double *lo, double *hi);

/*
 * The length-controlled win rate, after AlpacaEval's length-controlled
 * win rate: fit
 *
 *     logit P(A wins) = theta + phi tanh(dlen / sd)
 *
 * to the pairs' scores taken as soft outcomes (log likelihood
 * sum score log P + (1 - score) log (1 - P)), where sd is the standard
 * deviation of dlen over the pairs (dividing by n; dlen is not centred,
 * since dlen = 0 means equal length).  When every dlen is the same, sd is
 * 0 and phi is held at 0.  The fit is the maximum a posteriori under
 * independent N(0, STATS_PRIOR_SD^2) priors on theta and phi, which keeps
 * it finite when A won (or lost) every pair and when length separates the
 * outcomes perfectly; it is found by Newton's method with step halving.
 * *rate = sigmoid(theta), the rate predicted at equal length; *phi is the
 * length coefficient (> 0: the longer story tends to win).
 *
 * When length separates the outcomes perfectly (the longer story always
 * won), the data say nothing about equal length and the prior decides:
 * with as many pairs won by a longer A as by a longer B the rate is 0.5,
 * but with three times as many it is about 0.62 (raw 0.75), because the
 * fit puts the boundary where the two groups' pull on theta balances.
 *
 * With every dlen equal it is the plain win rate pulled very slightly
 * towards 0.5 by the prior (by theta / (STATS_PRIOR_SD^2 n) or less).
 * With no pairs it is the prior's 0.5 and phi 0.  Swapping A and B maps
 * rate to 1 - rate and keeps phi.
 *
 * Returns 0, or -1 (with *rate = 0.5, *phi = 0) when a score is not in
 * [0, 1], a dlen is not finite, or Newton's method did not converge.
 */
int stats_length_controlled(const struct stats_pair *p, size_t n, double *rate, double *phi);

/*
 * Every figure of struct stats_summary for n pairs among na stories of
 * set A and nb of set B, at STATS_LEVEL, with STATS_BOOT_REPS bootstrap
 * replicates drawn from seed.  A pair counts as a win of A when its score
 * is above 0.5, of B below 0.5, and as a tie at exactly 0.5.
 *
 * [ci_boot_lo, ci_boot_hi] is the union of the bootstrap interval and the
 * Wilson interval: the bootstrap accounts for stories that repeat, and the
 * Wilson floor keeps it from collapsing to a point when every pair has the
 * same score (see stats_bootstrap_winrate()).  When the bootstrap cannot
 * run it is the Wilson interval.
 *
 * length_controlled and length_phi are NaN if that fit did not converge.
 *
 * With no pairs every rate is 0.5, every interval [0, 1] and the p-value
 * 1.  Returns 0, or -1 (and *out is all zero) when a pair's index is out
 * of range, its score is not in [0, 1] or its dlen is not finite.
 */
int stats_summarise(const struct stats_pair *p, size_t n, size_t na, size_t nb, uint64_t seed,
		    struct stats_summary *out);

#endif
