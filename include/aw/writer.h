/*
 * writer.h - writing stories: the initial population and variants.
 *
 * Each story is one chat request built from a template.  The length limit
 * is enforced, not only asked for: a story over --max-words (or cut off by
 * the token cap) is written again up to WRITER_REWRITES times with a new
 * seed, and if it is still too long it is cut at the last sentence that
 * fits and marked "trimmed".
 *
 * Results are placed by slot, never by arrival order, so a seed gives the
 * same population whatever the endpoint's timing.  A story that cannot be
 * written (retries exhausted) is kept in `failed` with the reason.
 */
#ifndef AW_WRITER_H
#define AW_WRITER_H

#include "aw/http.h"
#include "aw/run.h"
#include "aw/story.h"

#define WRITER_REWRITES 2

/* Spread n (style, theme) pairs evenly: each style is used floor(n/S) or
 * ceil(n/S) times, and no pair repeats before all S*T pairs are used. */
void writer_assign(struct rng *r, size_t nstyles, size_t nthemes, size_t n, size_t *style,
		   size_t *theme);

/* Write generation 0.  Returns the http result; stories go to *out. */
enum http_result writer_initial(struct run *run, struct population *out,
				struct population *failed);

/* Write `variants` variants of each of the first `top` stories of ranked
 * parents, for generation gen. */
enum http_result writer_variants(struct run *run, int gen, const struct population *parents,
				 long top, long variants, struct population *out,
				 struct population *failed);

#endif
