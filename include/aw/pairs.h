/*
 * pairs.h - the pairs of a head-to-head comparison: which stories of set A
 * meet which of set B, and what each pair scores from its verdicts.
 *
 * Drawing.  N pairs over na stories of A and nb of B are laid out so that
 * every prefix of the list is as even as it can be: each story of A is in
 * as many pairs as any other (±1), so is each story of B, and no pair
 * repeats before all na*nb distinct pairs have been used (each distinct
 * pair is used floor or ceil of N/(na*nb) times).  Which stories and which
 * pairs is drawn from the seed.  A prefix is as even as the whole, so a
 * person who stops rating after 30 pairs has rated an even design too.
 * The layout is symmetric: the pairs for (B, A) are those for (A, B) with
 * the two sides exchanged, so that a comparison mirrors its reverse.
 *
 * Scoring, the tie and agreement rules.  A verdict scores 1 for A (A's
 * story won), 0 (B's won) or 0.5 (a tie, which only a person gives); a
 * verdict without a winner scores nothing.  A judge that saw a pair in
 * both orders (compare) scores it only when it has a verdict in each
 * order: the mean of its verdicts, so two verdicts that disagree make a
 * tie (half a win each), and position bias cancels.  A judge that saw it
 * in one order (rate) scores it by that verdict.  The orders "agree" when
 * a judge's verdicts in both orders name the same story.  A pair's score
 * is the mean over the judges that scored it (one judge: its score); a
 * pair no judge scored is incomplete and left out of the statistics.
 *
 * Ownership: pairs_score() fills a struct pairs_scores that borrows the
 * ids of the votes it was given (keep them alive) and owns its arrays
 * (pairs_scores_release).
 */
#ifndef AW_PAIRS_H
#define AW_PAIRS_H

#include <stddef.h>
#include <stdint.h>
#include "aw/vote.h"

struct pair {
	size_t a;                 /* index of the story in set A */
	size_t b;                 /* index of the story in set B */
};

/* Fill out[0..n-1] with n pairs over na x nb stories (na, nb > 0), drawn
 * from seed.  key_a and key_b (sets_key()) orient the layout when na ==
 * nb, so that the call for (B, A) gives the same pairs exchanged. */
void pairs_draw(size_t na, size_t nb, size_t n, uint64_t seed, uint64_t key_a, uint64_t key_b,
		struct pair *out);

/* The stories of each side in the order the pairs p[0..n-1] first name
 * them, then those in no pair: into oa (na) and ob (nb).  Giving the sets
 * to pairs_score() in this order numbers them as a verdict file of the
 * same pairs does (so that a comparison and `compare --verdicts` of its
 * file agree to the last digit). */
void pairs_order(const struct pair *p, size_t n, size_t na, size_t nb, size_t *oa, size_t *ob);

/* The distinct pairs among p[0..n-1]. */
size_t pairs_distinct(const struct pair *p, size_t n);

/* One pair and what its verdicts give it. */
struct pairs_group {
	long pair;                /* its number in the drawn list, or -1 */
	const char *a_id, *b_id;  /* its stories (borrowed from the votes) */
	size_t ia, ib;            /* their indices among the A and B ids */
	size_t *votes;            /* indices of its votes (owned) */
	size_t nvotes;
	double score;             /* A's score, or NAN when incomplete */
	double dlen;              /* A's words minus B's, 0 when unknown */
};

/* One judge of the comparison. */
struct pairs_judge {
	const char *name;         /* the judge (borrowed) */
	int two_orders;           /* it saw some pair in both orders */
	long scored;              /* pairs it scored */
	long both;                /* pairs it decided in both orders */
	long agree;               /* of those, where the orders agree */
};

struct pairs_scores {
	struct pairs_group *g;    /* the pairs, by number (numbered first),
				   * then by first vote */
	size_t n;
	const char **a_ids;       /* the stories of A (the array owned, the
				   * ids borrowed) */
	size_t na;
	const char **b_ids;       /* the stories of B (borrowed) */
	size_t nb;
	struct pairs_judge *j;    /* the judges */
	size_t nj;
	double *by_judge;         /* n * nj: judge k's score of pair i at
				   * [i * nj + k], NAN when it has none */
	long complete;            /* pairs with a score */
};

/* Group the votes v[0..n-1] into pairs and score them by the rules above.
 * a_ids (na) and b_ids (nb), when not NULL, are the stories of the two
 * sets (a vote on another story is an error); when NULL, the stories are
 * those the votes name, numbered in the order the pairs (sorted by number)
 * first name them, so that the same pairs give the same numbers whatever
 * order their votes are in.  judges (nj), when not
 * NULL, name the judges in the order to report them (votes of others are
 * an error).  0, or -1 with the reason in err. */
int pairs_score(const struct vote *v, size_t n, const char *const *a_ids, size_t na,
		const char *const *b_ids, size_t nb, const char *const *judges, size_t nj,
		struct pairs_scores *out, char *err, size_t errlen);
void pairs_scores_release(struct pairs_scores *s);

#endif
