/*
 * test_wdiff.c - the word-level difference (src/wdiff.c): words and their
 * whitespace, known small cases, optimality against a plain dynamic-
 * programming LCS on random texts, the spans rebuilding both texts, the
 * cleanup of stranded kept words, and a large input without a quadratic
 * table.
 */
#include "unit.h"
#include "aw/wdiff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The words of span k's side ('a' or 'b') joined by single spaces. */
static char *span_words(const struct wdiff *d, size_t k, char side)
{
	const struct wdiff_span *s = &d->span[k];
	const struct wdiff_word *w = side == 'a' ? d->a + s->a : d->b + s->b;
	size_t len = 0;
	for (size_t i = 0; i < s->n; i++)
		len += w[i].len + 1;
	char *out = calloc(len + 1, 1);
	for (size_t i = 0; i < s->n; i++) {
		if (i)
			strcat(out, " ");
		strncat(out, w[i].s, w[i].len);
	}
	return out;
}

static void expect_span(const struct wdiff *d, size_t k, enum wdiff_op op, const char *words)
{
	assert_true(k < d->nspan);
	assert_int_equal(d->span[k].op, op);
	char *got = span_words(d, k, op == WDIFF_INS ? 'b' : 'a');
	assert_string_equal(got, words);
	free(got);
}

static void test_words(void **state)
{
	(void)state;
	size_t n, lead;
	struct wdiff_word *w = wdiff_words("  Hello,\tworld!\n\nNew  para ", &n, &lead);
	assert_int_equal(lead, 2);
	assert_int_equal(n, 4);
	assert_int_equal(w[0].len, 6);
	assert_memory_equal(w[0].s, "Hello,", 6);
	assert_int_equal(w[0].space, 1);
	assert_int_equal(w[1].space, 2); /* "\n\n" stays with "world!" */
	assert_memory_equal(w[2].s, "New", 3);
	assert_int_equal(w[2].space, 2);
	assert_int_equal(w[3].space, 1);
	free(w);
	w = wdiff_words(" \n ", &n, &lead);
	assert_int_equal(n, 0);
	assert_int_equal(lead, 3);
	free(w);
}

static void test_small_cases(void **state)
{
	(void)state;
	struct wdiff d;
	wdiff_compute(&d, "the cat sat on the mat", "the dog sat on a mat");
	assert_int_equal(d.nspan, 7);
	expect_span(&d, 0, WDIFF_SAME, "the");
	expect_span(&d, 1, WDIFF_DEL, "cat");
	expect_span(&d, 2, WDIFF_INS, "dog");
	expect_span(&d, 3, WDIFF_SAME, "sat on");
	expect_span(&d, 4, WDIFF_DEL, "the");
	expect_span(&d, 5, WDIFF_INS, "a");
	expect_span(&d, 6, WDIFF_SAME, "mat");
	assert_int_equal(d.same, 4);
	assert_int_equal(d.deleted, 2);
	assert_int_equal(d.inserted, 2);
	wdiff_release(&d);

	wdiff_compute(&d, "same words here", "same  words\nhere");
	assert_int_equal(d.nspan, 1); /* whitespace is not a difference */
	expect_span(&d, 0, WDIFF_SAME, "same words here");
	wdiff_release(&d);

	wdiff_compute(&d, "", "");
	assert_int_equal(d.nspan, 0);
	wdiff_release(&d);
	wdiff_compute(&d, "", "all new");
	assert_int_equal(d.nspan, 1);
	expect_span(&d, 0, WDIFF_INS, "all new");
	wdiff_release(&d);
	wdiff_compute(&d, "all gone", " ");
	assert_int_equal(d.nspan, 1);
	expect_span(&d, 0, WDIFF_DEL, "all gone");
	wdiff_release(&d);

	/* words are compared byte for byte: case and punctuation count */
	wdiff_compute(&d, "End.", "end.");
	assert_int_equal(d.same, 0);
	wdiff_release(&d);
	/* an insertion at the front and a deletion at the end */
	wdiff_compute(&d, "b c d", "a b c");
	assert_int_equal(d.nspan, 3);
	expect_span(&d, 0, WDIFF_INS, "a");
	expect_span(&d, 1, WDIFF_SAME, "b c");
	expect_span(&d, 2, WDIFF_DEL, "d");
	wdiff_release(&d);
}

/* A random text of n words over an alphabet of k words. */
static char *random_text(unsigned *seed, size_t n, int k)
{
	char *t = calloc(n * 2 + 1, 1), *p = t;
	for (size_t i = 0; i < n; i++) {
		*p++ = (char)('a' + rand_r(seed) % k);
		if (i + 1 < n)
			*p++ = ' ';
	}
	return t;
}

/* The length of a longest common subsequence of the words, by the
 * textbook table. */
static size_t lcs_dp(const struct wdiff *d)
{
	size_t *row = calloc(d->nb + 1, sizeof *row), *prev = calloc(d->nb + 1, sizeof *prev);
	for (size_t i = 1; i <= d->na; i++) {
		for (size_t j = 1; j <= d->nb; j++) {
			const struct wdiff_word *x = &d->a[i - 1], *y = &d->b[j - 1];
			if (x->len == y->len && !memcmp(x->s, y->s, x->len))
				row[j] = prev[j - 1] + 1;
			else
				row[j] = row[j - 1] > prev[j] ? row[j - 1] : prev[j];
		}
		size_t *t = prev;
		prev = row;
		row = t;
	}
	size_t n = prev[d->nb];
	free(row);
	free(prev);
	return n;
}

/* The spans walk both texts in order, kept words are equal, and the
 * kept count is a longest common subsequence. */
static void check_spans(const struct wdiff *d, int optimal)
{
	size_t i = 0, j = 0, same = 0, del = 0, ins = 0;
	for (size_t k = 0; k < d->nspan; k++) {
		const struct wdiff_span *s = &d->span[k];
		assert_true(s->n > 0);
		if (k)
			assert_true(s->op != d->span[k - 1].op); /* runs are merged */
		switch (s->op) {
		case WDIFF_SAME:
			assert_int_equal(s->a, i);
			assert_int_equal(s->b, j);
			for (size_t q = 0; q < s->n; q++) {
				assert_int_equal(d->a[i + q].len, d->b[j + q].len);
				assert_memory_equal(d->a[i + q].s, d->b[j + q].s, d->a[i + q].len);
			}
			i += s->n;
			j += s->n;
			same += s->n;
			break;
		case WDIFF_DEL:
			assert_int_equal(s->a, i);
			if (k + 1 < d->nspan)
				assert_true(d->span[k + 1].op != WDIFF_DEL);
			i += s->n;
			del += s->n;
			break;
		case WDIFF_INS:
			assert_int_equal(s->b, j);
			if (k + 1 < d->nspan)
				assert_true(d->span[k + 1].op != WDIFF_DEL); /* DEL comes first */
			j += s->n;
			ins += s->n;
			break;
		}
	}
	assert_int_equal(i, d->na);
	assert_int_equal(j, d->nb);
	assert_int_equal(same, d->same);
	assert_int_equal(del, d->deleted);
	assert_int_equal(ins, d->inserted);
	if (optimal)
		assert_int_equal(same, lcs_dp(d));
}

static void test_random_against_dp(void **state)
{
	(void)state;
	unsigned seed = 12345;
	for (int round = 0; round < 400; round++) {
		size_t na = (size_t)(rand_r(&seed) % 40), nb = (size_t)(rand_r(&seed) % 40);
		int k = 2 + rand_r(&seed) % 6;
		char *a = random_text(&seed, na, k), *b = random_text(&seed, nb, k);
		struct wdiff d;
		wdiff_compute(&d, a, b);
		assert_int_equal(d.na, na);
		assert_int_equal(d.nb, nb);
		check_spans(&d, 1);
		wdiff_cleanup(&d);
		check_spans(&d, 0);
		wdiff_release(&d);
		free(a);
		free(b);
	}
}

/* A variant that keeps most of its parent: every edit found, nothing more. */
static void test_few_edits(void **state)
{
	(void)state;
	unsigned seed = 7;
	char *a = random_text(&seed, 300, 26);
	char *b = strdup(a);
	b[0] = 'Z';                 /* first word changed */
	b[300] = 'Y';               /* a word in the middle */
	b[strlen(b) - 1] = 'X';     /* the last word */
	struct wdiff d;
	wdiff_compute(&d, a, b);
	check_spans(&d, 1);
	assert_int_equal(d.same, 297);
	assert_int_equal(d.deleted, 3);
	assert_int_equal(d.inserted, 3);
	wdiff_release(&d);
	free(a);
	free(b);
}

static void test_cleanup(void **state)
{
	(void)state;
	struct wdiff d;
	/* "three" alone between two rewritten runs is folded into them */
	wdiff_compute(&d, "one two three four five", "uno dos three cuatro cinco");
	assert_int_equal(d.same, 1);
	wdiff_cleanup(&d);
	assert_int_equal(d.nspan, 2);
	expect_span(&d, 0, WDIFF_DEL, "one two three four five");
	expect_span(&d, 1, WDIFF_INS, "uno dos three cuatro cinco");
	assert_int_equal(d.same, 0);
	wdiff_release(&d);

	/* a kept run longer than the change beside it stays */
	wdiff_compute(&d, "a b c d e f", "X b c d e Y");
	wdiff_cleanup(&d);
	assert_int_equal(d.same, 4);
	assert_int_equal(d.nspan, 5);
	wdiff_release(&d);

	/* kept runs at either end are never folded */
	wdiff_compute(&d, "keep old old old", "keep new new new");
	wdiff_cleanup(&d);
	expect_span(&d, 0, WDIFF_SAME, "keep");
	wdiff_release(&d);

	/* nor is a shared sentence of more than four words, however large
	 * the changes around it */
	wdiff_compute(&d, "p q r s t u v w x shared words of a sentence here a1 b1 c1 d1 e1 f1",
		      "A B C D E F G H I shared words of a sentence here A1 B1 C1 D1 E1 F1");
	wdiff_cleanup(&d);
	assert_int_equal(d.same, 6);
	wdiff_release(&d);
}

/* Two 5,000-word texts that share nothing: linear space, and quick. */
static void test_large_disjoint(void **state)
{
	(void)state;
	size_t n = 5000;
	char *a = calloc(n * 8, 1), *b = calloc(n * 8, 1);
	for (size_t i = 0; i < n; i++) {
		char w[16];
		snprintf(w, sizeof w, "a%zu ", i);
		strcat(a, w);
		snprintf(w, sizeof w, "b%zu ", i);
		strcat(b, w);
	}
	clock_t t0 = clock();
	struct wdiff d;
	wdiff_compute(&d, a, b);
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	assert_int_equal(d.same, 0);
	assert_int_equal(d.deleted, n);
	assert_int_equal(d.inserted, n);
	assert_true(secs < 20); /* about 10^8 steps; generous for sanitizers */
	assert_false(d.cut);     /* solved within the budget */
	wdiff_release(&d);
	free(a);
	free(b);
}

/* Texts whose exact difference would take minutes: the budget stops the
 * search, and what it found is still a valid difference. */
static void test_budget(void **state)
{
	(void)state;
	unsigned seed = 99;
	char *a = random_text(&seed, 15000, 20), *b = random_text(&seed, 15000, 20);
	clock_t t0 = clock();
	struct wdiff d;
	wdiff_compute(&d, a, b);
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	assert_true(d.cut);
	assert_true(secs < 30); /* about a second; generous for sanitizers */
	check_spans(&d, 0);
	wdiff_cleanup(&d);
	check_spans(&d, 0);
	wdiff_release(&d);
	free(a);
	free(b);
}

int run_wdiff_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_small_cases),
		cmocka_unit_test(test_random_against_dp),
		cmocka_unit_test(test_few_edits),
		cmocka_unit_test(test_cleanup),
		cmocka_unit_test(test_large_disjoint),
		cmocka_unit_test(test_budget),
	};
	return cmocka_run_group_tests_name("wdiff", tests, NULL, NULL);
}
