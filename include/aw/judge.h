/*
 * judge.h - the tournament: pairwise judging of a population and Elo.
 *
 * Each of R rounds is a random perfect matching of the population (with an
 * odd count one story sits out), so every story meets one other story per
 * round.  Which story is shown first (A) is a coin flip, recorded.  Pairing
 * does not depend on verdicts, so every match of every round is drawn up
 * front from the run's random stream and all of them go out through the
 * sliding window at once; the Elo updates are then applied in match order,
 * not in the order replies arrive, so a seed and the same verdicts give the
 * same ratings.
 *
 * A reply with no verdict is asked again (JUDGE_ASKS requests in all, the
 * later ones a short follow-up in the same conversation).  A match that
 * still has none, or whose request failed, is recorded with no winner and
 * the reason, and counts for neither story.
 *
 * Ownership: a match list owns its matches; matches borrow their stories
 * from the population they were drawn from.
 */
#ifndef AW_JUDGE_H
#define AW_JUDGE_H

#include "aw/http.h"
#include "aw/run.h"
#include "aw/story.h"

#define JUDGE_ASKS 3

struct match {
	struct story *a;     /* shown first */
	struct story *b;     /* shown second */
	int round;           /* 1-based round */
	char winner;         /* 'A', 'B', or 0 for none */
	char *reason;        /* the judge's reasoning, or NULL */
	char *error;         /* why there is no winner, or NULL */
	int asks;            /* judge requests made */
	/* while judging: */
	struct run *run;     /* the run it belongs to */
	size_t index;        /* position in the match list */
	char *prompt;        /* the rendered judge prompt */
	char *first_reply;   /* the reply without a verdict, for the follow-up */
};

struct match_list {
	struct match *v;     /* matches in match order */
	size_t n;
};

/* Judge generation gen's population for `rounds` rounds, apply Elo and
 * rank it; matches go to *out. */
enum http_result judge_tournament(struct run *run, int gen, struct population *pop, long rounds,
				  struct match_list *out);
void match_list_free(struct match_list *l);

#endif
