/*
 * diversity.h - how different the stories of one generation are from one
 * another, measured on their text alone: no embeddings, no requests.
 *
 * Evolution rewrites the best few stories again and again, so a population
 * drifts toward a few lineages and then one.  Two later features need to see
 * that happen: the deviation of each story (arXiv 2503.17126: its mean
 * distance to the other stories of its generation), and measures of a whole
 * generation (distinct-n, compression ratio, how many lineages survive).
 *
 * The distance is 1 - cosine similarity of character 4-gram counts, chosen
 * over the normalised compression distance (zlib) by measuring both on the
 * reference runs' stories (tests/bench/distance.c, `make bench-distance`,
 * table in the README).  Where rewrites keep their parent's wording, both
 * tell every rewrite from independent stories (AUC 1.00).  The 4-gram
 * distance is about 20 times cheaper (about 60 us for a pair of 2,000-word
 * texts: 1.2 s of CPU for a generation of 200), has no floor (NCD puts a
 * text 0.03 from itself), works at any length (NCD goes blind past zlib's
 * 32 KiB window, about 5,000 words: a text is 0.72 from itself at 8,000),
 * and is not fooled by incoherent text, which NCD puts farther from
 * everything than independent stories because it compresses badly.
 *
 * What the numbers mean: a text is 0 from itself (to within 1e-15); a copy
 * with one sentence in ten replaced is 0.01-0.04 away; independent English
 * stories written for one prompt are 0.15-0.45 apart (0.45-0.65 for
 * 200-word stories: short texts share fewer 4-grams), never near 1, because
 * all English shares " the", "and " and the like; texts with no 4-gram in
 * common are 1.  Compare distances between texts of similar length.
 *
 * Ownership: the functions read their texts only while they run and keep no
 * pointer into them; a struct diversity owns its arrays and is freed by
 * diversity_free().
 */
#ifndef AW_DIVERSITY_H
#define AW_DIVERSITY_H

#include <stddef.h>

#define DIVERSITY_MAX_ORDER 8 /* longest word n-gram diversity_distinct() takes */

/* Text distance in [0, 1]: 1 - cosine similarity of the counts of the
 * 4-byte windows of the texts, lowercased (ASCII), each run of white space
 * made one space and one space added at each end.  Symmetric.  A text too
 * short for a window (empty, blank, or one character) is 0 from an equal
 * one and 1 from any other. */
double diversity_distance(const char *a, const char *b);

/* The distances of one generation, computed once for all pairs. */
struct diversity {
	size_t n;              /* stories */
	double *dist;          /* n x n distances, row-major, symmetric, 0 on the diagonal */
	double *deviation;     /* per story: mean distance to the other n - 1; 0 when n == 1 */
	double mean_deviation; /* mean of deviation[]; 0 when n < 2 */
};

/* Every pairwise distance of texts[0..n) (n may be 0).  Each text is
 * profiled once, so the cost is n profiles and n(n-1)/2 merges. */
struct diversity *diversity_new(const char *const *texts, size_t n);
double diversity_pair(const struct diversity *d, size_t i, size_t j);
double diversity_deviation(const struct diversity *d, size_t i);
void diversity_free(struct diversity *d);  /* NULL is fine */

/* Distinct-n (arXiv 1510.03055) of a generation: distinct word n-grams over
 * all word n-grams of texts[0..n), order n in 1..DIVERSITY_MAX_ORDER.  Words
 * are runs of non-space characters, lowercased (ASCII), with leading and
 * trailing punctuation (ASCII, and the UTF-8 quotes, dashes and ellipsis)
 * stripped; a run that is all punctuation is no word.  An n-gram never spans
 * two texts.  N-grams are compared by a 64-bit hash (a collision is as
 * likely as 1 in 10^10 for a million n-grams).  0 when there is no n-gram or
 * the order is out of range. */
double diversity_distinct(const char *const *texts, size_t n, int order);

/* Compressed size over raw size of texts[0..n) joined by blank lines (raw
 * deflate, level 9): lower means more repetition, so higher = more diverse.
 * 0 for no text at all.  Deflate looks back only 32 KiB: only stories that
 * stand within 32 KiB of one another in the order given (five or six of 1,000
 * words) can make each other compress, so compare generations of similar
 * story length given in the same order (for instance by parent). */
double diversity_compression_ratio(const char *const *texts, size_t n);

/* How many distinct ids ancestor_ids[0..n) holds (for each story, the id of
 * its generation-0 ancestor): the lineages still alive.  NULLs are not
 * counted. */
size_t diversity_lineages(const char *const *ancestor_ids, size_t n);

#endif
