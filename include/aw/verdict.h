/*
 * verdict.h - reading the judge's verdict out of its reply.
 *
 * The judge is asked to reason and then end with {"winner": "A"} or
 * {"winner": "B"}.  Real judges wrap that object in a ```json fence, put
 * prose after it, or write "WINNER: A" or "**Winner:** B" instead; all of
 * these are accepted.  The verdict is the last one in the reply.  A reply
 * with no verdict, or whose last line names both A and B, has none: it is
 * never guessed and never defaults to A.
 *
 * Ownership: verdict_parse() fills a struct whose reason the caller frees
 * with verdict_release().
 */
#ifndef AW_VERDICT_H
#define AW_VERDICT_H

struct verdict {
	char winner;   /* 'A', 'B', or 0 when the reply holds no verdict */
	char *reason;  /* the judge's reasoning, or NULL (owned) */
};

/* 0 when a verdict was found, -1 when none (v->winner is then 0). */
int verdict_parse(const char *text, struct verdict *v);
void verdict_release(struct verdict *v);

#endif
