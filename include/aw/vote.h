/*
 * vote.h - one verdict on a pair of stories of a head-to-head comparison,
 * and the JSON Lines file that holds them: what `compare` records from its
 * judges and `rate` from a person, in one format, so that
 * `compare --verdicts FILE` gives the statistics of either.
 *
 * A line is one verdict, one JSON object:
 *
 *   {"judge": "gpt-4o-mini", "pair": 17, "a_id": "g5-003", "b_id": "g0-011",
 *    "first": "b", "winner": "a", "p_a": 0.91, "a_words": 412,
 *    "b_words": 388, "a_hash": "0c41d2e98a7f3b10", "b_hash": "9e2b...",
 *    "context": "5e1f0c2a9b3d7e44", "asks": 1, "reason": "..."}
 *
 *   judge    who gave it: a judge model, or "person" for `rate` (required)
 *   a_id     the story of set A, whichever was shown first (required)
 *   b_id     the story of set B (required)
 *   first    "a" or "b": which of the two was shown first, or as "1" by
 *            `rate` (required)
 *   winner   "a" or "b": the better story; "tie": a person could not
 *            decide; null: no verdict (the judge gave none) (required)
 *   pair     the pair's number in the drawn list (optional): verdicts on
 *            the same pair share it; without it, verdicts on the same two
 *            stories form one pair
 *   p_a      the judge's probability that A's story is better, from its
 *            logprobs (optional)
 *   a_words, b_words  the stories' lengths in words (optional; they give
 *            the length-controlled win rate)
 *   a_hash, b_hash  fingerprints of the two texts (vote_hash; optional)
 *   context  what the verdict was asked under (prompt, rubric, templates,
 *            temperature), hashed (optional); compare takes a verdict
 *            from the file instead of asking again only when judge,
 *            context and both fingerprints match
 *   asks, reason, error, seconds  judge requests made, the judge's
 *            reasoning, why there is no verdict, a person's seconds spent
 *            (optional)
 *
 * Every line is appended with a single write as soon as the verdict is
 * known, so an interrupted command loses at most the line being written; a
 * torn last line (no newline, not JSON) is dropped when the file is read
 * and cut off before the next line is appended.
 *
 * Ownership: a vote owns its strings (vote_release); a vote_list owns its
 * votes (vote_list_free).
 */
#ifndef AW_VOTE_H
#define AW_VOTE_H

#include <stddef.h>
#include <sys/types.h>

#define VOTE_PERSON "person" /* the judge name of `rate`'s verdicts */

struct vote {
	char *judge;       /* judge model, or VOTE_PERSON */
	char *a_id;        /* set A's story */
	char *b_id;        /* set B's story */
	long pair;         /* number in the drawn list, or -1 */
	char first;        /* 'a' or 'b': shown first */
	char winner;       /* 'a', 'b', 't' (a tie), or 0 (no verdict) */
	int has_p;         /* p_a is set */
	double p_a;        /* P(set A's story is better) */
	long a_words;      /* A's length in words, or -1 */
	long b_words;      /* B's length in words, or -1 */
	char *a_hash;      /* fingerprint of A's text, or NULL */
	char *b_hash;      /* fingerprint of B's text, or NULL */
	char *context;     /* hash of the judging context, or NULL */
	int asks;          /* judge requests made, 0 if not known */
	char *reason;      /* the judge's reasoning, or NULL */
	char *error;       /* why there is no verdict, or NULL */
	double seconds;    /* a person's time on the pair, or -1 */
};

struct vote_list {
	struct vote *v;    /* the votes, in file (or arrival) order */
	size_t n, cap;     /* used, allocated */
};

/* A vote with nothing set (pair, words and seconds -1). */
void vote_init(struct vote *v);
void vote_release(struct vote *v);
/* Append v (taken by value: the list owns its strings now). */
void vote_list_add(struct vote_list *l, struct vote *v);
void vote_list_free(struct vote_list *l);

/* A fingerprint of the n bytes of s into out (17 bytes: 16 hex digits):
 * FNV-1a, 64 bits.  Not cryptographic: it tells texts apart, no more. */
void vote_hash(const char *s, size_t n, char out[17]);

/* A's score from one vote: 1 (A better), 0 (B better), 0.5 (a tie), or -1
 * for no verdict. */
double vote_score(const struct vote *v);

/* The vote as one JSON line, '\n' included (malloc'd). */
char *vote_line(const struct vote *v);
/* Parse one line (len bytes, not necessarily NUL-terminated) into *v
 * (initialised first; it owns its strings after success).  0, or -1 with
 * the reason in err. */
int vote_parse(const char *line, size_t len, struct vote *v, char *err, size_t errlen);

/* Read every vote of the file at path ("-": standard input) into l.  Blank
 * lines are skipped and a torn last line is dropped (*torn = 1, may be
 * NULL); any other line that is not a vote is an error naming the file and
 * line.  A missing file is an error unless missing_ok (then l is empty).
 * 0, or -1 with the message in err. */
int vote_read_file(const char *path, int missing_ok, struct vote_list *l, int *torn, char *err,
		   size_t errlen);

/* A vote file open for appending. */
struct vote_file {
	int fd;            /* open for appending, or -1 */
	char *path;        /* its path (owned) */
};

/* Open (create) path for appending, cutting a torn last line off first.
 * 0, or -1 with the message in err. */
int vote_file_open(struct vote_file *f, const char *path, char *err, size_t errlen);
/* Append one vote with one write: 0, or -1 with errno set. */
int vote_file_append(struct vote_file *f, const struct vote *v);
/* Remove the last line (rate's undo): 0, or -1 with errno set. */
int vote_file_drop_last(struct vote_file *f);
void vote_file_close(struct vote_file *f);

#endif
