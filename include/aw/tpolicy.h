/*
 * tpolicy.h - the writing temperature learned from the judge's verdicts
 * (--temperature auto): adaptive decoding at the level of a whole story.
 *
 * A fixed temperature is a compromise; the Latent Preference Optimisation
 * paper (arXiv 2411.09661) learns which temperature wins from preference
 * pairs, losers included.  A run has those pairs already: every story's
 * temperature is known and the tournament says which stories beat which.
 * So each operator (first drafts, variants) gets a policy over a grid of
 * temperatures, refitted after every generation from every verdict of the
 * run, and each new story's temperature is drawn from it.
 *
 * The model.  The run's Bradley-Terry fit (bt.h) turns every verdict, won or
 * lost, into a strength theta per story.  What a story says about its
 * temperature is y = theta for a first draft, and y = theta - theta(parent)
 * for a variant (what the rewrite gained or lost).  Per operator o and grid
 * value t,
 *
 *     y = f_o(t) + b_family + e,   e ~ N(0, sigma_o^2),  b ~ N(0, s_b^2)
 *
 * where b is shared by the variants of one parent (drafts have none): the
 * siblings of a family are compared with each other, and the parent's own
 * temperature, its luck and its goal-independent quality cancel.  The prior
 * over f is a Gaussian process on the grid: neighbouring temperatures are
 * alike (squared-exponential kernel), the two operators are correlated
 * (TPOLICY_RHO: what first drafts show about temperature informs the first
 * variants), and each operator has a free level.  The noise variances are
 * estimated from the run (within-arm and within-family spread, with a weak
 * prior), so the posterior of f carries the uncertainty the run actually
 * has.  Everything is conjugate: the posterior is exact linear algebra on
 * a grid of at most CODEC_MAX_ARMS values per operator.
 *
 * The choice is Thompson sampling: the probability that a grid value is
 * chosen next is the posterior probability that it is the best one
 * (TPOLICY_DRAWS draws), mixed with TPOLICY_EXPLORE of the uniform
 * distribution so that no arm is ever abandoned on early noise.  Before
 * any evidence the policy is uniform.  A generation's stories take their
 * temperatures in a low-discrepancy sequence through that distribution
 * (story i gets the quantile frac(u0 + i * 0.618...), u0 drawn from a
 * stream keyed by the run's seed, the generation and the operator), so
 * that the counts follow the probabilities closely and each family's
 * variants spread over the likely temperatures.
 *
 * Reproducibility: the policy of generation g is fitted once, when
 * generation g-1 has been judged, from the verdicts of finished generations
 * alone (the Bradley-Terry fit is then a cold one, a function of the
 * verdicts), and a story's temperature depends only on that policy and the
 * story's place (generation, operator, index).  A resumed run refits it
 * from the generation files and gets the same policy, so under
 * --deterministic it chooses exactly as the uninterrupted run.  It follows
 * that a generation's variants cannot be written before its policy exists:
 * with --temperature auto no variant is started early (--early-variants).
 *
 * Ownership: a struct tpolicy owns copies of every id it is given.
 */
#ifndef AW_TPOLICY_H
#define AW_TPOLICY_H

#include <stddef.h>
#include <stdint.h>
#include "aw/bt.h"
#include "aw/codec.h"

#define TPOLICY_GRID_DEFAULT "0.3,0.5,0.7,0.9,1.1,1.3,1.5"
#define TPOLICY_DRAWS 4000     /* posterior draws behind p_next */
#define TPOLICY_EXPLORE 0.05   /* share of the uniform distribution in p_next */
#define TPOLICY_RHO 0.7        /* prior correlation of drafts' and variants' f */

enum tpolicy_op { TPOLICY_DRAFT, TPOLICY_VARIANT, TPOLICY_OPS };

struct tpolicy;

/* Read a grid "0.3,0.5,...": 2 to CODEC_MAX_ARMS numbers in [0, 2],
 * increasing, separated by commas.  Into grid (room for CODEC_MAX_ARMS;
 * may be NULL to only check) and *n.  0, or -1 with the reason in err. */
int tpolicy_parse_grid(const char *text, double *grid, size_t *n, char *err, size_t errlen);

/* A policy over grid[0..n) (n >= 2), uniform until the first fit; seed is
 * the run's. */
struct tpolicy *tpolicy_new(const double *grid, size_t n, uint64_t seed);
void tpolicy_free(struct tpolicy *p);

/* A story was written (it has text): id, its parent's id (NULL for a first
 * draft) and its temperature (taken as the nearest grid value).  Each id
 * is recorded once; a repeated one is ignored. */
void tpolicy_observe(struct tpolicy *p, const char *id, const char *parent_id,
		     double temperature);

/* Fit the policy that generation gen's new stories are written with, from
 * the strengths in r (a cold fit of every verdict of the generations
 * before gen) of the stories observed so far.  Stories r does not know
 * are left out. */
void tpolicy_fit(struct tpolicy *p, int gen, const struct bt_ratings *r);

/* The temperature of the index-th new story of operator op in generation
 * gen, which must be the generation last fitted (0 before any fit). */
double tpolicy_pick(const struct tpolicy *p, int gen, enum tpolicy_op op, size_t index);

/* The policy as a generation file records it. */
void tpolicy_export(const struct tpolicy *p, struct gen_policy *out);

#endif
