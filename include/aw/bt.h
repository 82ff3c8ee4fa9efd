/*
 * bt.h - Bradley-Terry ratings from pairwise verdicts, fitted by maximum a
 * posteriori, with one global position-bias term.
 *
 * The model: when story a is shown first and b second,
 *
 *     P(a wins) = 1 / (1 + exp(-(theta_a - theta_b + h)))
 *
 * where theta is each story's strength in logits and h the judge's bias
 * towards the story shown first.  An outcome y is 1 (a won), 0 (b won) or a
 * probability in between (a soft verdict from the judge's logprobs).  A
 * ridge prior theta ~ N(0, 1/lambda), h ~ N(0, 1/lambda) keeps the fit
 * finite when a story won or lost everything and pulls stories with little
 * evidence towards the middle.  Unlike online Elo the fit does not depend on
 * the order of the verdicts, and it is refitted from every verdict of the
 * run, so parents carry their evidence into later generations and every
 * generation shares one scale.
 *
 * The fit is Newton's method with conjugate-gradient steps (the Hessian is
 * sparse: one entry per compared pair), warm-started from the previous
 * theta.  Standard errors come from the inverse of the Hessian at the
 * optimum: exactly (Cholesky) up to BT_EXACT_MAX stories, else from its
 * diagonal.
 *
 * Ownership: the caller owns every array passed in.
 */
#ifndef AW_BT_H
#define AW_BT_H

#include <stddef.h>
#include "aw/idmap.h"

#ifndef BT_LAMBDA
#define BT_LAMBDA 0.3       /* ridge prior precision, per logit^2 */
#endif
#define BT_EXACT_MAX 1000   /* exact standard errors up to this many items
			     * (0.5 s and 8 MB at 1,000): O(n^3) time and
			     * O(n^2) memory, so larger runs use the
			     * Hessian's diagonal, which is 0.87-0.98 of the
			     * exact width on a run's graph of comparisons
			     * but up to 2.3 times too narrow on a chain */
#define BT_ELO_SCALE (400.0 / 2.302585092994046) /* logits -> Elo points */

struct bt_obs {
	int a;      /* item shown first */
	int b;      /* item shown second */
	double y;   /* outcome for a: 1 win, 0 loss, or a probability */
};

struct bt_fit {
	double *theta;  /* n strengths in logits (in: warm start, out: fit) */
	double h;       /* position bias in logits (in/out) */
	double *se;     /* n standard errors of theta, or NULL to skip */
	double h_se;    /* standard error of h (when se != NULL) */
	int exact;      /* 1: exact standard errors (up to BT_EXACT_MAX items),
			 * 0: from the Hessian's diagonal (cheap, a little small) */
	int iterations; /* Newton iterations used */
};

/* Fit n items to m observations.  Returns 0, or -1 if it did not converge
 * (theta then holds the last iterate, still usable). */
int bt_fit(int n, const struct bt_obs *obs, size_t m, double lambda, struct bt_fit *f);

/* P(a beats b) with a shown first. */
double bt_prob(double theta_a, double theta_b, double h);

/* Strength in logits to the 400-point Elo scale around 1200. */
double bt_to_rating(double theta);

/* Every story judged in a run and every verdict about it: the data the fit
 * is refitted from.  Ids are copied; theta holds the latest fit. */
struct bt_ratings {
	char **ids;          /* item ids, by index */
	double *theta;       /* latest strengths, by index */
	size_t n, cap;       /* items, allocated */
	struct idmap index;  /* id -> index */
	double h;            /* latest position bias */
	struct bt_obs *obs;  /* every verdict so far */
	size_t m, mcap;      /* verdicts, allocated */
};

/* Index of id, adding it (with strength theta0 as a warm start) if new. */
int bt_register(struct bt_ratings *r, const char *id, double theta0);
int bt_find(const struct bt_ratings *r, const char *id); /* -1 if absent */
void bt_add(struct bt_ratings *r, int a, int b, double y);
/* Refit theta and h from all verdicts; se (n entries) may be NULL. */
void bt_refit(struct bt_ratings *r, double *se, int exact, double *h_se);
/* The same from strengths and bias 0 instead of the latest: the result is
 * then a function of the items (in their order) and the verdicts alone,
 * the same in a run resumed from its files as in one never interrupted. */
void bt_refit_cold(struct bt_ratings *r, double *se, int exact, double *h_se);
/* The posterior variance of theta_a - theta_b at the latest fit (one
 * conjugate-gradient solve): how sure the fit is of their order. */
double bt_contrast_var(const struct bt_ratings *r, int a, int b);
void bt_ratings_free(struct bt_ratings *r);

#endif
