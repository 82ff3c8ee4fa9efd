/*
 * pairing.h - which stories the judge compares next.
 *
 * Pure functions over the tournament's state, so that the rules can be
 * tested on their own:
 *
 *   random    pairing_round: a random matching (the paper's scheme);
 *             pairing_next: an opponent it has not met, the least busy
 *   swiss     the nearest current strength among those met least
 *   boundary  the pair whose verdict most changes which stories are in the
 *             top K: weight (u_i + u_j) p_ij (1 - p_ij), times 0.6 when both
 *             are on the same side of the line, divided by 1 + meetings;
 *             u_i is P(story i is on the wrong side of the line)
 *
 * pairing_round() pairs every story once (a round with a barrier);
 * pairing_next() picks one pair for the barrier-free tournament, among
 * stories with fewer than `cap` matches in flight; it waits (returns 0)
 * rather than repeat a pair when an unmet opponent is merely busy.
 */
#ifndef AW_PAIRING_H
#define AW_PAIRING_H

#include <stddef.h>
#include "aw/rng.h"

struct pairing_state {
	size_t n;                  /* stories */
	int rule;                  /* enum pairing */
	const double *theta;       /* current strengths, logits */
	const double *u;           /* P(wrong side of the top-K line) */
	const unsigned char *top;  /* 1 for the current top K */
	const unsigned short *met; /* n*n: times each pair has been matched */
	const int *played;         /* matches finished per story */
	const int *load;           /* matches in flight per story */
	const unsigned char *busy; /* pairing_round: not to be paired this
				    * round (lost), or NULL */
	const unsigned char *avail; /* pairing_next: PAIR_READY, PAIR_PENDING
				     * (being written: not chosen, but a rematch
				     * waits for it) or PAIR_LOST; NULL: all
				     * ready */
};

enum { PAIR_LOST, PAIR_PENDING, PAIR_READY };

/* The pairing rules (--pairing). */
enum pairing { PAIR_RANDOM, PAIR_SWISS, PAIR_BOUNDARY };

/* The boundary rule's weight of judging i against j. */
double pairing_weight(const struct pairing_state *s, size_t i, size_t j);

/* Pair every story once (with n odd one sits out): fills pairs[2k],
 * pairs[2k+1] and returns the number of pairs.  first_round: random
 * pairing whatever the rule (there is nothing to go on yet). */
size_t pairing_round(const struct pairing_state *s, struct rng *r, int first_round,
		     size_t *pairs);

/* One pair for the barrier-free tournament, or 0 if no two stories have a
 * free slot.  Stories that have not played yet come first. */
int pairing_next(const struct pairing_state *s, struct rng *r, int cap, size_t *i, size_t *j);

#endif
