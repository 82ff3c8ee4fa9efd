/*
 * extender.h - lengthening a story past --min-words with the model itself
 * (Self-Lengthen, arXiv 2409.00466), one story at a time, asynchronously.
 *
 * Small models stop at a few hundred words whatever they are asked, so the
 * extender never asks for the whole long story in one reply.  A round has
 * two stages:
 *
 *   1. expand: the story's first half (lengthen_first_half) is sent with
 *      the whole story, to be enriched, not continued (extend-expand.txt);
 *      the first two thirds of the reply are kept, cut at a paragraph or
 *      sentence end (extender_keep), since an expansion tends to hurry
 *      towards the end of what it was given;
 *   2. continue: from there the rest of the story is written anew, with
 *      the whole story in view (extend-continue.txt), in as many parts as
 *      the round's goal needs, each at most as long as the story's first
 *      draft (what the model showed it can write in one reply); only the
 *      last part is asked to end the story.
 *
 * The story is assembled from the parts (lengthen_assemble).  Every reply
 * goes through the rule filters of lengthen.h first: a leading "Here is..."
 * line or a trailing word count is cut off (lengthen_strip_meta); meta-
 * commentary that remains, a 10-word sequence said twice, a continuation
 * that does not end on terminal punctuation, or one under a third of the
 * words asked is rejected and asked again with a new seed (EXTEND_ASKS
 * tries).  The assembled round must then pass lengthen_check() against the
 * text it started from: grown at least 1.2 times, ended, no meta-commentary,
 * no repeat (unless the story repeated itself before the round began).  A
 * round that fails is tried again from its start with new seeds
 * (EXTEND_ROUND_TRIES tries), and then the story fails: it gets an error,
 * never a text shorter than asked.  Rounds go on until the story has
 * --min-words words (EXTEND_ROUNDS at most, as in the paper); a story over
 * --max-words after its last part is cut at a sentence end
 * (text_trim_words) and marked trimmed.
 *
 * Each round aims at min(M, (N + M) / 2, 1.25 N) words for --min-words N
 * and --max-words M, so that it lands inside the range with room for a
 * model that writes parts a little longer or shorter than asked.
 *
 * Paid for once: the draft and every reply are journaled as parts (codec.h's
 * struct ext_part: the story's identity, round, try, stage, part and ask)
 * the moment they arrive, and the finished story as a story record.  A
 * resumed run replays the extension from the journal: the filters and the
 * plan are functions of the replies, so at every request the extender asks
 * resume_take_part() for the reply it had had, and sends only what the
 * journal does not hold.
 *
 * Ownership: an extender owns its jobs; a job borrows its story, which must
 * live until the job has called back (or the extender is freed).  The
 * story's text stays NULL until the story is done, so that nothing judges a
 * story that is still growing.
 */
#ifndef AW_EXTENDER_H
#define AW_EXTENDER_H

#include <stddef.h>
#include "aw/run.h"
#include "aw/story.h"

#define EXTEND_ROUNDS 3        /* rounds at most, as in the paper */
#define EXTEND_ROUND_TRIES 3   /* tries of a round before the story fails */
#define EXTEND_ASKS 3          /* tries of one request whose reply is rejected */
#define EXTEND_MAX_PARTS 8     /* continuation parts of one round at most */
#define EXTEND_MIN_PART 100    /* fewest words asked of one reply */

/* Called when s is done: s->text, s->words and s->extensions set (and the
 * story journaled), or s->error set and s->text NULL. */
typedef void (*extender_done_fn)(void *ctx, struct story *s);

struct extender;

/* Lengthen stories of run to run->opt->min_words (..max_words), with run's
 * texts, endpoint and journal; counts in run->ext. */
struct extender *extender_new(struct run *run);
/* Free the extender and its jobs (after the HTTP client: jobs still under
 * way belong to an interrupted run). */
void extender_free(struct extender *x);

/* Does a story of `words` words need lengthening? */
int extender_needed(const struct extender *x, long words);

/* Lengthen s, whose text is `draft` (s->text stays NULL until done); key is
 * its request identity (writer.h), which the seeds come from.  The draft is
 * journaled first.  done may be called before this returns (a resumed run
 * replaying every reply). */
void extender_start(struct extender *x, struct story *s, const char *key, const char *draft,
		    extender_done_fn done, void *ctx);
/* A resumed run: when the journal holds s's draft (s was being lengthened
 * when the run stopped), go on lengthening it from there and return 1;
 * else 0. */
int extender_resume(struct extender *x, struct story *s, const char *key, extender_done_fn done,
		    void *ctx);

/* ------------------------------------------------------ pure, for tests */

/* Words the rounds aim at for --min-words n and --max-words m. */
long extender_goal(long n, long m);
/* The start of text, cut near share (0..1) of its words: at the paragraph
 * end closest to it that keeps at least half of the words, else at a
 * sentence end (text_trim_words).  A new string. */
char *extender_keep(const char *text, double share);
/* The next continuation part: how many words to ask for, given the goal,
 * the words so far, the most one reply holds and which part it is (1...);
 * *last says whether it must end the story. */
long extender_plan(long goal, long so_far, long per_reply, int part, int *last);

#endif
