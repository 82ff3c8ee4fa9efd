/*
 * judge.h - the tournament: pairwise judging of a generation, and ranking.
 *
 * Every verdict of the run goes into one Bradley-Terry fit (bt.h) with a
 * position-bias term, refitted as verdicts arrive, so parents carry their
 * evidence forward and all generations share one scale; stories are ranked
 * by that rating (--rank-by bt) or by online Elo (--rank-by elo), and both
 * are reported.
 *
 * How matches are chosen (--pairing):
 *   random    a random opponent (the paper's scheme)
 *   swiss     the nearest current rating not met yet
 *   boundary  the pair whose verdict most changes which stories are in the
 *             top K: weight (u_i + u_j) p(1-p), u = P(wrong side of the
 *             boundary), after one warm-up match each
 *
 * When matches are sent:
 *   default          no round barrier: whenever a verdict arrives, new
 *                    matches are paired from the current ratings and sent,
 *                    so the request window stays full however uneven the
 *                    replies are; which pairs are chosen then depends on
 *                    reply timing, so it is not reproducible
 *   --deterministic  rounds with barriers: each round pairs every story once
 *                    from the ratings after the previous round; the same
 *                    seed and verdicts give the same matches and ratings
 *   --rounds R       exactly R such rounds and no early stop (the paper);
 *                    random rounds do not depend on verdicts, so with
 *                    --pairing random they are all drawn first and sent
 *                    together, with no barrier
 *
 * The budget is --judge-budget matches per story per generation; the
 * tournament stops early once the top K has stayed the same for n verdicts
 * (two matches per story) and the K-th story is ahead of the (K+1)-th by at
 * least half a standard error of their difference, after at least 2n
 * verdicts (not with --rounds or --no-early-stop).  With stories as close
 * as real ones usually are that rarely happens: the budget decides.
 *
 * Judge replies: a reply with no verdict is asked again (JUDGE_ASKS requests
 * in all, the later ones a follow-up in the same conversation); a match that
 * still has none is recorded with no winner and the reason, and counts for
 * neither story.  A match whose request failed (the HTTP client's retries
 * spent) has no verdict either: it is asked again later in the generation,
 * when the window has nothing new to send (JUDGE_LOST_ASKS times), and if it
 * still fails it is recorded as lost; the caller decides whether too many
 * were lost for the ranking to mean anything.  With --judge-logprobs the judge's
 * probability for A (verdict.h) is the outcome in both the fit and Elo.
 * Elo is applied at the end in match order, not reply order.
 *
 * Stories being written join the tournament as they arrive (the request
 * window is shared with the writer), except in the two reproducible modes,
 * which wait for all of them first.
 *
 * Ownership: the match list given to judge_new() receives the matches
 * (match.h: records that name their stories by id).  A tourney borrows the
 * run, the population and the match list until judge_end().
 */
#ifndef AW_JUDGE_H
#define AW_JUDGE_H

#include "aw/http.h"
#include "aw/match.h"
#include "aw/run.h"
#include "aw/story.h"

#define JUDGE_ASKS 3
#define JUDGE_LOST_ASKS 2 /* a match whose request failed is asked again this
			   * often, later in the generation, before it is lost */
#define JUDGE_TOP_LOGPROBS 5

struct tourney;

struct judge_hooks {
	/* The tournament will start no more matches (its budget is spent, or
	 * it stopped early): called then and after every verdict until the
	 * last, each freeing a slot - the moment to start work that waits on
	 * its outcome.  It may be called more than once in a row. */
	void (*settling)(void *ctx);
	void *ctx;
};

/* Set up generation gen's tournament over pop, whose stories may still be
 * being written: a story joins when it has its text (judge_story() says
 * when it arrives, or that it could not be written).  Matches go to *out. */
struct tourney *judge_new(struct run *run, int gen, struct population *pop,
			  struct match_list *out, const struct judge_hooks *hooks);

/* Story s of the population has ended: written, or failed (s->error). */
void judge_story(struct tourney *t, const struct story *s);

/* Judge until every story is in and the tournament is over; requests of
 * other phases may still be in flight when it returns HTTP_DONE. */
enum http_result judge_run(struct tourney *t);

/* The current top K stories whose probability of being on the wrong side
 * of the top-K line is below max_u, best first, into out (room for K);
 * returns how many. */
size_t judge_likely_top(const struct tourney *t, double max_u, const struct story **out);

/* The judge prompt for two stories, first shown as A: the judge template
 * tmpl with the writing prompt, the rubric and both texts, each between
 * its own fence lines (template_fence, drawing the tags from r).  The one
 * place a judge prompt is made, for the tournament and for `compare`.
 * Returns a new string. */
char *judge_prompt(const char *tmpl, const char *prompt, const char *rubric, struct rng *r,
		   const char *first, const char *second);

/* After judge_run: rate and rank pop (HTTP_DONE only), move the stories
 * that could not be written to failed, fill *sum, and free t. */
void judge_end(struct tourney *t, enum http_result res, struct population *failed,
	       struct judging *sum);

#endif
