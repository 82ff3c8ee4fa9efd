/*
 * match.h - one judged pair of stories as a run records it, a list of
 * them, and what a generation's tournament did.
 *
 * A match names its stories by id, so one record serves the tournament
 * while it judges, the generation file, the journal, `rank --matches` and
 * every later reader of verdicts (codec.h reads and writes them all).  Its
 * outcome for the story shown first is match_outcome(): the judge's
 * probability when its logprobs gave one, else 1 or 0.  That rule lives
 * here and nowhere else.
 *
 * Ownership: a match owns its strings; a match_list owns its matches.
 */
#ifndef AW_MATCH_H
#define AW_MATCH_H

#include <stddef.h>

struct match {
	char *a;             /* id of the story shown first */
	char *b;             /* id of the story shown second */
	int gen;             /* generation it was judged in */
	int round;           /* round (the rounds modes), else 0 */
	char winner;         /* 'A', 'B', or 0 for none */
	int has_p;           /* p_a came from the judge's logprobs */
	double p_a;          /* the judge's P(A is better), when has_p */
	char *reason;        /* the judge's reasoning, or NULL */
	char *error;         /* why there is no winner, or NULL */
	int asks;            /* judge requests made */
	int lost;            /* no winner because the request failed (not
			      * because the judge would not decide): the
			      * match may be asked again */
};

struct match_list {
	struct match **v;    /* matches, in the order they were made */
	size_t n, cap;       /* used, allocated */
};

/* A match with no fields set (calloc'd). */
struct match *match_new(void);
/* The outcome for the story shown first: p_a when has_p, else 1 when A
 * won and 0 when B did.  Only meaningful for a decided match (winner set). */
double match_outcome(const struct match *m);
void match_free(struct match *m);

void match_list_add(struct match_list *l, struct match *m); /* takes m */
void match_list_free(struct match_list *l);

/* What a generation's tournament did, for its generation file. */
struct judging {
	long calls;          /* judge requests sent (retries and re-asks too) */
	long matches;        /* matches played */
	long budget;         /* matches it could have played */
	const char *stop;    /* "rounds", "budget" or "stable" (static) */
	double bias;         /* position bias in logits (first shown) */
	double bias_se;      /* its standard error */
	long soft;           /* verdicts with a probability */
	long lost;           /* matches lost to failed requests (not written) */
};

#endif
