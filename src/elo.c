/*
 * elo.c - the Elo update (see elo.h).  It is zero-sum: what one story gains
 * the other loses, so the mean rating of a population never drifts.
 */
#include "aw/elo.h"

#include <math.h>

double elo_expected(double ra, double rb)
{
	return 1.0 / (1.0 + pow(10.0, (rb - ra) / 400.0));
}

void elo_update(double *ra, double *rb, double score_a, double k)
{
	double ea = elo_expected(*ra, *rb);
	double delta = k * (score_a - ea);
	*ra += delta;
	*rb -= delta;
}
