/*
 * run.c - what the phases of a run share: recording results in the
 * journal, and the seeds of the random stream and of requests (see run.h).
 */
#include "aw/run.h"
#include "aw/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

unsigned long run_request_seed(const struct run *r, const char *id, long attempt)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a of the id */
	for (const char *p = id; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return (unsigned long)(rng_mix(r->opt->seed, rng_mix(h, (uint64_t)attempt)) & 0x7fffffff);
}

static void journal_failed(struct run *r)
{
	char msg[512];
	aw_fail(msg, sizeof msg, "cannot write '%s':", r->journal.path);
	http_abort(r->http, msg);
}

void run_journal_story(struct run *r, const struct story *s)
{
	if (r->journal.fd >= 0 && journal_story(&r->journal, s) < 0)
		journal_failed(r);
}

void run_journal_match(struct run *r, const struct match *m)
{
	if (r->journal.fd >= 0 && journal_match(&r->journal, m) < 0)
		journal_failed(r);
}

void run_reseed(struct run *r, int gen, int phase)
{
	rng_seed(&r->rng, rng_mix(r->opt->seed, ((uint64_t)gen << 24) + (uint64_t)phase));
}
