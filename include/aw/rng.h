/*
 * rng.h - a small seeded pseudo-random generator (xoshiro256**, seeded by
 * splitmix64).
 *
 * Every random choice of a run (styles and themes, pairings, which story is
 * shown first, improvement goals) draws from one generator seeded by --seed,
 * always in an order fixed before any request is sent, so that a seed and the
 * same replies give the same run.  Retry jitter uses a separate generator so
 * that faults never shift the run's own stream.
 */
#ifndef AW_RNG_H
#define AW_RNG_H

#include <stddef.h>
#include <stdint.h>

struct rng {
	uint64_t s[4]; /* xoshiro256** state, never all zero */
};

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
uint64_t rng_below(struct rng *r, uint64_t n); /* uniform in [0, n), n > 0 */
double rng_unit(struct rng *r);                /* uniform in [0, 1) */
void rng_shuffle(struct rng *r, size_t *v, size_t n);
uint64_t rng_mix(uint64_t a, uint64_t b);      /* hash two numbers into one */
/* The seed sent with a request: from the run's seed and the request's
 * identity (id, and which attempt at a verdict), never from arrival order;
 * 31 bits, which every server accepts. */
unsigned long rng_request_seed(uint64_t seed, const char *id, long attempt);

#endif
