/*
 * wdiff.h - a word-level difference between two texts: which words of the
 * old text a new one kept, which it deleted and which it inserted, so that
 * a reader sees what a variant changed in its parent.
 *
 * Words are runs of non-space characters (as story.h counts them) and are
 * compared byte for byte; the whitespace after each word is kept with it,
 * so a text can be shown again exactly as it was written.  The difference
 * is a longest common subsequence of words found by Myers' O((N+M)D)
 * algorithm in its linear-space form (divide and conquer on the middle
 * snake): two 5,000-word texts that share nothing cost about 10^8 steps and
 * a few kilobytes, never an N x M table.  A search budget (about a second)
 * bounds the worst case: past it, what is left is shown as replaced.
 *
 * A minimal difference is not always the most readable one: between two
 * rewritten sentences it keeps every "the" and "and" they happen to share,
 * and the reader sees confetti.  wdiff_cleanup() folds a short run of kept
 * words (four at most) into the change around it when the run is no longer
 * than the change on either side (diff-match-patch's semantic cleanup,
 * counted in words, and never a whole shared sentence).
 *
 * Ownership: struct wdiff owns its arrays; its words point into the two
 * texts, which must outlive it.  wdiff_release() frees the arrays.
 */
#ifndef AW_WDIFF_H
#define AW_WDIFF_H

#include <stddef.h>

struct wdiff_word {
	const char *s;        /* the word, in its text (not NUL-terminated) */
	size_t len;           /* its bytes */
	size_t space;         /* bytes of whitespace after it */
};

enum wdiff_op {
	WDIFF_SAME,           /* words both texts have */
	WDIFF_DEL,            /* words only the old text has */
	WDIFF_INS             /* words only the new text has */
};

/* A run of words with one fate.  A deletion comes before the insertion
 * that replaces it. */
struct wdiff_span {
	enum wdiff_op op;     /* what happened to them */
	size_t a;             /* first word in the old text (SAME, DEL) */
	size_t b;             /* first word in the new text (SAME, INS) */
	size_t n;             /* how many words */
};

struct wdiff {
	struct wdiff_word *a; /* the old text's words */
	size_t na;
	struct wdiff_word *b; /* the new text's words */
	size_t nb;
	size_t lead_a;        /* bytes of whitespace before the first word */
	size_t lead_b;
	struct wdiff_span *span; /* the difference, in text order */
	size_t nspan;
	size_t same;          /* words kept */
	size_t deleted;       /* words of a not in b */
	size_t inserted;      /* words of b not in a */
	int cut;              /* the search hit its budget: the kept words are
			       * common, but maybe not the most */
};

#define WDIFF_INIT { NULL, 0, NULL, 0, 0, 0, NULL, 0, 0, 0, 0, 0 }

/* The words of text (malloc'd array, *n of them, NULL when none) and the
 * bytes of whitespace before the first one in *lead. */
struct wdiff_word *wdiff_words(const char *text, size_t *n, size_t *lead);

/* The difference from old text a to new text b into *d (overwritten: call
 * wdiff_release() before reusing one).  Kept words form a longest common
 * subsequence of the two. */
void wdiff_compute(struct wdiff *d, const char *a, const char *b);

/* Fold short runs of kept words stranded between changes into the
 * changes (see above); the counts are updated. */
void wdiff_cleanup(struct wdiff *d);

void wdiff_release(struct wdiff *d);

#endif
