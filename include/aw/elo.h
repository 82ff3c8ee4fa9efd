/*
 * elo.h - Elo ratings, as the AlphaWrite paper uses them: initial 1200,
 * K = 32, base 10, scale 400.  A score is 1 for a win, 0 for a loss; the
 * functions take a real score so that soft outcomes fit later.
 */
#ifndef AW_ELO_H
#define AW_ELO_H

#define ELO_INITIAL 1200.0
#define ELO_K 32.0

/* Expected score of a player rated ra against one rated rb. */
double elo_expected(double ra, double rb);

/* Update both ratings after a game in which a scored score_a (0..1). */
void elo_update(double *ra, double *rb, double score_a, double k);

#endif
