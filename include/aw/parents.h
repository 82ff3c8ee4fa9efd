/*
 * parents.h - how varied a generation is, and choosing the parents of the
 * next one with an eye to it (--diversity W).
 *
 * Breeding from the top K by rating alone (the paper's rule) collapses a
 * population into one or two lineages within a few generations: the best
 * story's variants start at its rating and crowd the top.  With W > 0 the
 * parents are chosen one at a time, each the story with the best
 *
 *     z(rating) - W x (parents already chosen from its lineage)
 *
 * (z: standardised over its generation; lineage: its generation-0
 * ancestor), so a second parent from one lineage must be W standard
 * deviations of rating better than the best story of a lineage not chosen
 * yet; W large is one parent per lineage before a second.  W = 0 is the top
 * K by rating, exactly as before.  The chosen parents keep their order by
 * rank.
 *
 * Deviation (arXiv 2503.17126: a story's mean text distance to the others
 * of its generation) was measured as the selection weight instead, as
 * z(rating) + W z(deviation) and combined with the lineage term: on the
 * simulator it kept no more lineages and cost quality, because what makes a
 * text far from the others there is mostly its length and wording, not its
 * lineage (README, tests/bench_issue13.py).
 *
 * Measurement is always on: every story of a generation gets its deviation
 * and the generation its diversity (lineages alive, mean deviation,
 * distinct-2 and -3, compression ratio), whatever W is.  The texts are
 * measured in lineage order (grouped by generation-0 ancestor), so that the
 * compression ratio sees a lineage's repetitions within deflate's window.
 *
 * Near-copies: with W > 0 a variant whose text is closer than
 * PARENTS_NEAR_COPY to its parent, or to another parent of its generation,
 * is written again once (writer.h) before it enters the tournament.  Only
 * those texts are compared, because they are known before any variant is
 * asked for: the decision does not depend on the order replies arrive in.
 *
 * Ownership: the functions keep no pointer to their arguments.
 */
#ifndef AW_PARENTS_H
#define AW_PARENTS_H

#include <stddef.h>
#include <stdint.h>
#include "aw/codec.h"
#include "aw/history.h"
#include "aw/story.h"

/* Text distance under which a variant is a near-copy: about one sentence
 * in ten changed or less (diversity.h). */
#define PARENTS_NEAR_COPY 0.05
/* A deviation is exact (the mean over every other story) in a generation
 * of up to PARENTS_EXACT_MAX stories.  A larger one (a big first
 * generation) is cut into blocks of about PARENTS_BLOCK stories drawn at
 * random, and a story's deviation is its mean distance to the others of
 * its block: all pairs of 1,000 stories would cost seconds of CPU and tens
 * of megabytes, blocks cost n PARENTS_BLOCK / 2 distances. */
#define PARENTS_EXACT_MAX 200
#define PARENTS_BLOCK 64

/* Measure generation gen of the run seeded seed, pop (its stories' texts;
 * roots from h, which holds every story of pop): set each story's
 * deviation and fill *out. */
void parents_measure(struct population *pop, const struct history *h, uint64_t seed, int gen,
		     struct gen_diversity *out);

/* Choose k parents (k <= pop->n) from pop, ranked best first, whose
 * lineages h knows: the top k when w is 0, else greedily by z(merit) - w x
 * (chosen parents of its lineage), merit being the rating (by_rating) or
 * the Elo.  Their indices into pop go to out, in rank order. */
void parents_choose(const struct population *pop, const struct history *h, size_t k, double w,
		    int by_rating, size_t *out);

/* Is text a near-copy of one of peers[0..n)? */
int parents_near_copy(const char *text, const char *const *peers, size_t n);

#endif
