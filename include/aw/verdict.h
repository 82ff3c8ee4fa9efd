/*
 * verdict.h - reading the judge's verdict out of its reply.
 *
 * The judge is asked to reason and then end with {"winner": "A"} or
 * {"winner": "B"}.  Real judges wrap that object in a ```json fence, put
 * prose after it, or write "WINNER: A" or "**Winner:** B" instead; all of
 * these are accepted.  The verdict is the last one in the reply.  A reply
 * with no verdict, or whose last line names both A and B, has none: it is
 * never guessed and never defaults to A.  Only the last VERDICT_WINDOW
 * bytes are searched, from a line start: the verdict ends the reply, and a
 * runaway reply of megabytes must not stall the run while it is read.
 *
 * Ownership: verdict_parse() fills a struct whose reason the caller frees
 * with verdict_release().
 */
#ifndef AW_VERDICT_H
#define AW_VERDICT_H

#include <stddef.h>

#define VERDICT_WINDOW 32768

struct verdict {
	char winner;      /* 'A', 'B', or 0 when the reply holds no verdict */
	char *reason;     /* the judge's reasoning, or NULL (owned) */
	size_t tail_from; /* where the verdict's label starts and ends (the */
	size_t tail_to;   /* winner's value of a JSON verdict), counted back
			   * from the end of the reply (for verdict_logprob) */
};

/* 0 when a verdict was found, -1 when none (v->winner is then 0). */
int verdict_parse(const char *text, struct verdict *v);
void verdict_release(struct verdict *v);

struct cJSON;

#define VERDICT_P_MIN 0.02   /* soft outcomes are clipped to [MIN, 1 - MIN] */
#define VERDICT_MASS_MIN 0.5 /* least probability on A and B together */

/* The judge's probability that A is better, from the logprobs of its
 * reply (an OpenAI "logprobs.content" array) and the verdict v parsed from
 * the same reply.  The tokens are laid end to end to find the verdict in
 * them (counting from the end, so reasoning stripped from the front does
 * not matter); at the last token inside it that reads A or B (spaces,
 * quotes, '*' and SentencePiece/BPE space marks ignored), P(A) = the sum of
 * exp(logprob) over the alternatives reading A, divided by that of A and B.
 * It is refused when that token is not v's winner, or when A and B hold
 * less than VERDICT_MASS_MIN (or, inconsistently, more than all) of the
 * probability there.  Returns 0 and *p_a, clipped to [VERDICT_P_MIN,
 * 1 - VERDICT_P_MIN] and rounded to 12 decimals (so that it survives a
 * round trip through JSON exactly), or -1 when the logprobs give no usable
 * probability. */
int verdict_logprob(const struct cJSON *content, const struct verdict *v, double *p_a);

#endif
