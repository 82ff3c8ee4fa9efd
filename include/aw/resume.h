/*
 * resume.h - what a resumed run takes from the run it continues, so that
 * nothing paid for is paid for twice and nothing is given to the wrong
 * story.
 *
 * resume_open() reads the finished generations back (the last one becomes
 * the current population; every verdict goes back into the rating fit,
 * whose stories are registered in the order the run first registered
 * them) and the journal of the generation the run was in.  Then the writer
 * asks resume_take_story() before it sends a story's request, and the
 * judge asks for journaled verdicts before it sends a match.  The rules of
 * reuse live here and only here:
 *
 *   - a story of generation 0 is the same story when its id is; a variant
 *     when its generation, parent and number are (it may have had no id
 *     when it was written, or another one: variants were once numbered in
 *     the order they came)
 *   - a verdict is the same match's when its generation and stories are (in
 *     the rounds modes also its round and who was shown first)
 *   - a verdict naming a variant of its own generation is trusted only once
 *     that variant's journal id has been mapped to the id it has now
 *     (resume_keep_story), so that no verdict reaches the wrong story
 *   - a match lost to a failed request is not a verdict: it is asked again
 *   - a reply of a story's self-lengthening (codec.h's struct ext_part) is
 *     that story's (as above) when its round, try, stage, part and ask are
 *     the ones the extender is at: the extender decides alike on the same
 *     replies, so it asks again for exactly what it had asked before
 *
 * Ownership: a struct resume owns what it read; a story or verdict it hands
 * out becomes the caller's.  It borrows the fit given to resume_open().
 */
#ifndef AW_RESUME_H
#define AW_RESUME_H

#include <stddef.h>
#include "aw/bt.h"
#include "aw/match.h"
#include "aw/story.h"

struct resume;

struct run_report;

/* Read the run in dir, whose run.json said *run: its generation files
 * into *last (the last one, ranked) and *done (how many), their stories
 * and verdicts into fit, and its journal.  Every file must belong to the
 * run: a generation file or journal with another run id (or a journal
 * with another seed) is refused, as is a journal without one in a run that
 * has one.  NULL with a message in err when a file cannot be read or
 * belongs to another run. */
struct resume *resume_open(const char *dir, const struct run_report *run,
			   struct bt_ratings *fit, struct population *last, int *done, char *err,
			   size_t errlen);
void resume_free(struct resume *r);

/* Generations the run had done when this process began. */
int resume_from(const struct resume *r);
/* How many stories and verdicts the run had recorded (files and journal):
 * whether its writer and its judge have done any work. */
long resume_stories_seen(const struct resume *r);
long resume_verdicts_seen(const struct resume *r);
/* Matches without a winner in the finished generation files. */
long resume_undecided_in_files(const struct resume *r);
/* Stories and verdicts taken so far by this process. */
long resume_reused_stories(const struct resume *r);
long resume_reused_matches(const struct resume *r);
/* What the journal's records after run.json's count spent (a process
 * killed after its last run.json), and what process k reused in them. */
const struct run_usage *resume_spent_after(const struct resume *r);
void resume_reused_of(const struct resume *r, int process, long *stories, long *matches);

/* ---------------------------------------------------------------- stories */

/* If the journal holds story s (as writer.h identifies it), give s its
 * text (and a story of generation 0 its id) and return 1; a variant's id
 * in the journal, if it had one, goes to *journal_id (owned).  Else 0. */
int resume_take_story(struct resume *r, struct story *s, char **journal_id);
/* A reused story s has joined its generation: count it, and for a variant,
 * whose journal id was journal_id (NULL: it had none, so it was judged
 * under the id it has now), trust the journal's verdicts on it under
 * s->id. */
void resume_keep_story(struct resume *r, const struct story *s, const char *journal_id);
/* A resumed run: the variants of generation gen the interrupted run had
 * sent early, which nobody asked for again (0 for the generation it was
 * in, which counted its own). */
long resume_untaken_variants(const struct resume *r, int gen);

struct ext_part;

/* The journaled reply of story s's self-lengthening at want's place
 * (round, attempt, stage, part, ask; want's story fields are ignored): its
 * text, now the caller's, and never handed out again; or NULL. */
char *resume_take_part(struct resume *r, const struct story *s, const struct ext_part *want);
/* Replies of self-lengthening taken so far by this process. */
long resume_reused_parts(const struct resume *r);

/* --------------------------------------------------------------- verdicts */

/* The index of the next journaled verdict of generation gen not taken yet,
 * at or after `from`; with a and b, only one between those stories, a
 * shown first, in that round.  -1 when there is none. */
long resume_find_verdict(const struct resume *r, int gen, int round, const char *a,
			 const char *b, size_t from);
const struct match *resume_verdict(const struct resume *r, size_t k);
/* Take verdict k into m (its winner, probability, reason, error and asks;
 * m's stories and round are left alone) and return 1, unless it was taken
 * already, or a side that `unsure` marks (bit 0: a, bit 1: b is a variant
 * of its generation) was never mapped: then 0 and nothing changes. */
int resume_take_verdict(struct resume *r, size_t k, unsigned unsure, struct match *m);
/* The index of the next journaled match of generation gen lost to failed
 * requests (no verdict: to be asked again), at or after `from`, or -1; a
 * lost match that an earlier resume asked again and got answered is not
 * lost any more. */
long resume_find_lost(const struct resume *r, int gen, size_t from);
/* Take lost match k to ask it again (1), unless it was taken already or a
 * side `unsure` marks was never mapped (0). */
int resume_take_lost(struct resume *r, size_t k, unsigned unsure);

#endif
