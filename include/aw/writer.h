/*
 * writer.h - writing stories: the initial population and variants.
 *
 * Each story is one chat request built from a template.  The length limit
 * is enforced, not only asked for: a story over --max-words (or cut off by
 * the token cap) is written again up to WRITER_REWRITES times with a new
 * seed, and if it is still too long it is cut at the last sentence that
 * fits and marked "trimmed".  A story that cannot be written (retries
 * exhausted) gets its reason in story->error.
 *
 * A struct wset is the stories of one generation being written.  Its jobs
 * go out through the request window while other work is on the wire (the
 * judge's matches, the previous generation's tournament), and each ending
 * story is reported through the hooks, so the caller can judge it at once.
 *
 * Variants are asked for per parent (writer_want), possibly before the
 * parents are final: the evolution loop starts the variants of stories that
 * are almost surely in the top K while the last verdicts of a tournament are
 * still out.  So everything about a variant - its goal, its prompt, its
 * request seeds - is drawn from (run seed, generation, parent, variant
 * number) alone, never from the order of events: a variant written early is
 * exactly the one that would have been written late.  A variant gets its
 * id when it is taken into its generation, in the order of its parent's
 * rank and its number (g1-001 is the best parent's first variant), so that
 * ids too are the same however early or late each was written, and after a
 * resume; a resumed run takes a variant the journal holds (same
 * generation, parent and number) instead of asking for it again.
 *
 * With --min-words, a story that comes back shorter (first draft or
 * variant) is handed to the extender (extender.h) and ends when the
 * extender is done with it; a resumed run whose journal holds its draft
 * goes on lengthening it instead of asking for it again.
 *
 * Ownership: a wset owns its jobs' stories until writer_take() hands them
 * to a population; the job goes on writing into a taken story, which must
 * therefore live until the job has ended.  Stories never taken are freed
 * with the set, which must outlive every job it sent.
 */
#ifndef AW_WRITER_H
#define AW_WRITER_H

#include "aw/http.h"
#include "aw/run.h"
#include "aw/story.h"

#define WRITER_REWRITES 2

struct tpolicy;

struct writer_hooks {
	/* s has ended: written (s->text set) or failed (s->error set). */
	void (*ended)(void *ctx, struct story *s);
	void *ctx;
	/* --temperature auto: the policy each new story's temperature comes
	 * from (tpolicy.h), fitted for the set's generation; NULL: every
	 * story is written at --temperature.  A draft is the i-th of its
	 * generation; variant v of the parent in slot k (writer_want) is the
	 * (k V + v-1)-th. */
	const struct tpolicy *policy;
};

struct wset;

/* Spread n (style, theme) pairs evenly: each style is used floor(n/S) or
 * ceil(n/S) times, and no pair repeats before all S*T pairs are used. */
void writer_assign(struct rng *r, size_t nstyles, size_t nthemes, size_t n, size_t *style,
		   size_t *theme);

/* Generation 0: one job per story of --population, not sent yet. */
struct wset *writer_initial(struct run *run, const struct writer_hooks *hooks);

/* Generation gen's variants: no jobs until writer_want(). */
struct wset *writer_variants(struct run *run, int gen, const struct writer_hooks *hooks);

/* A step of the sequential-prompting baseline: like writer_variants(), but
 * each story gets one rewrite, made from template tmpl (placeholders
 * prompt, parent, rubric, max_words; borrowed), with no goal. */
struct wset *writer_sequential(struct run *run, int gen, const char *tmpl,
			       const struct writer_hooks *hooks);

/* Ask for parent p's --variants variants unless they were asked for
 * already (those a resumed run's journal holds are not requested again).
 * p is read now and not kept; slot is its place among the generation's
 * parents (0 for the first), which places its variants in the policy's
 * sequence (hooks.policy).  A variant sent before it is taken counts in
 * run->early_variants. */
void writer_want(struct wset *w, const struct story *p, size_t slot);

/* --diversity: a variant whose text is a near-copy of one of texts[0..n)
 * (parents.h; copied now) is written again once with a new seed, and
 * marked near_copy; the second text is taken whatever it is.  Call before
 * the variants are sent. */
void writer_avoid(struct wset *w, const char *const *texts, size_t n);

/* Send jobs while the request window (--concurrency) has room. */
void writer_send(struct wset *w);

/* Move the stories of parent p's jobs (p NULL: every job) into pop, in the
 * order asked, written or not, numbering variants as they come; returns
 * how many. */
size_t writer_take(struct wset *w, const struct story *p, struct population *pop);

/* Never send the jobs that were not taken (speculation that missed);
 * returns how many had already been sent, counting those a resumed run's
 * journal holds for this generation that were not asked for again. */
long writer_drop_untaken(struct wset *w);

void writer_free(struct wset *w);

/* The prompt of a story as it is sent (malloc'd), rendered from the run's
 * texts and settings (--max-words, --min-words, --seed): a story of
 * generation 0 from writer.txt with its style and theme; variant v of
 * parent in generation gen from variant.txt, with the parent's text fenced
 * and its goal (*goal, an index into t->goals), both drawn from the
 * variant's own stream (a baseline's step: from the template `sequential`,
 * with no goal, *goal SIZE_MAX; else NULL).  The writer sends exactly these, and `export`
 * rebuilds a run's prompts with them, so the two cannot drift apart. */
char *writer_prompt_draft(const struct texts *t, const struct options *o, const struct story *s);
char *writer_prompt_variant(const struct texts *t, const struct options *o, int gen,
			    const struct story *parent, long v, const char *sequential, size_t *goal);

#endif
