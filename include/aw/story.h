/*
 * story.h - a story and its provenance, a population of them, and the text
 * rules that apply to every story (word counting, the length limit).
 *
 * A story records where it came from (generation, parent, style, theme,
 * goal, temperature) so that a run can be audited and analysed afterwards;
 * the reference implementation recorded none of it.
 *
 * Ownership: a story owns its strings; a population owns its stories.
 * Parents carried into the next generation are copied (story_copy), so each
 * generation's population can be written and freed on its own.
 */
#ifndef AW_STORY_H
#define AW_STORY_H

#include <stddef.h>

struct story {
	char *id;           /* unique in the run, e.g. "g0-017" */
	int born;           /* generation it was written in */
	char *parent_id;    /* NULL for the initial population */
	char *style;        /* author style line it was written in */
	char *theme;        /* theme line it was written for */
	char *goal;         /* improvement goal (variants), else NULL */
	int variant;        /* which of its parent's variants (1..V), else 0 */
	double temperature; /* sampling temperature used */
	long words;         /* word count of text */
	int trimmed;        /* text was cut to the word limit by us */
	char *text;         /* the story */
	char *error;        /* why it could not be written, else NULL */
	double elo;         /* online Elo rating */
	double rating;      /* Bradley-Terry rating on the Elo scale */
	double rating_lo;   /* its 95% interval */
	double rating_hi;
	int rated;          /* rating is set */
	int wins, losses, matches; /* this generation's tournament */
	int rank;           /* 1-based rank in its generation, 0 = unranked */
	int extensions;     /* self-lengthening rounds it went through */
	double deviation;   /* mean text distance to the other stories of its
			     * generation (diversity.h), when has_deviation */
	int has_deviation;
	int near_copy;      /* its first text nearly copied its parent or
			     * another parent, so it was written again once
			     * (--diversity, parents.h) */
};

struct population {
	struct story **v;   /* stories */
	size_t n;           /* how many */
	size_t cap;         /* allocated slots */
};

struct story *story_new(void);
struct story *story_copy(const struct story *s); /* counters reset */
void story_free(struct story *s);

void population_add(struct population *p, struct story *s); /* takes s */
void population_free(struct population *p);
/* Sort best first and set rank: by the Bradley-Terry rating when by_rating
 * (and every story is rated), else by Elo; ties by wins, then id. */
void population_rank(struct population *p, int by_rating);

/* Words are runs of non-space characters. */
long text_count_words(const char *text);
/* The next word of [*p, end) (end NULL: up to the NUL) without the
 * punctuation around it ("\u201cYes,\u201d" gives "Yes"); runs of punctuation
 * alone ("\u2014", "***") are skipped.  The word, its length in *len and *p
 * past it; NULL at the end.  (Diversity's n-grams and Self-Lengthen's
 * repeat filter count words alike.) */
const char *text_next_word(const char **p, const char *end, size_t *len);
/* Cut text to at most max_words, at the last sentence end that keeps at
 * least half of them, else at a word boundary.  Returns a new string. */
char *text_trim_words(const char *text, long max_words);

#endif
