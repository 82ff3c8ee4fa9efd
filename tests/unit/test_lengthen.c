/*
 * test_lengthen.c - the Self-Lengthen filters and text surgery
 * (src/lengthen.c).
 */
#include "unit.h"
#include "aw/lengthen.h"
#include "aw/story.h"
#include "aw/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Short excerpts of real stories, the first or last line of each, from the
 * reference implementation's published runs (/work/shared/data/reference-
 * runs/<run>/stories.jsonl, line number given; whole sentences copied
 * byte for byte; MIT License, Copyright (c) 2025 Toby Simonds,
 * tests/fixtures/LICENSE-reference-runs).  None is meta-commentary, though
 * some hold "version", "expanded", "I have" or a title in capitals. */
static const char *const real_lines[] = {
	/* book_store:4, first and last */
	"Eleanor first saw it on a cold November night, stumbling out of an insomnia-driven "
	"stroll through empty cobblestone streets. The streetlamps flickered faintly, casting "
	"subtle halos in the mist that seemed to blanket the city in whispers.",
	"We carry worlds inside of us\xe2\x80\x94" "but remember, none should carry them alone.",
	/* elevator_llama-scout:205, first and last */
	"The elevator creaked to life, its doors scraping open with a groan that echoed through "
	"the deserted lobby. The air inside was stale, thick with dust and the scent of decay.",
	"I was alone, left to make my way back up into the bright, cold world above. But I "
	"didn't. I walked deeper into the darkness, the silence swallowing me whole.",
	/* elevator_llama-scout:215, last */
	"He fumbled for his phone, but the screen remained black. No signal. No escape.",
	/* elevator_llama-scout:225, first and last */
	"The elevator had stood still for decades, its doors stuck in a perpetual yawn. Yet, on "
	"this particular evening, as I stepped into its musty depths, I felt a gentle hum "
	"beneath my feet.",
	"I stepped back in, and it took me down, down, down, into the darkness. The doors closed "
	"behind me, and I was gone.",
	/* book_store:22, first: a title line */
	"PART OF THE CITY: ECHOES FROM A MIDNIGHT BOOKSHOP",
	/* elevator_llama-scout:20, last */
	"With this newfound understanding, Emilia felt a sense of purpose and resolve, and as "
	"she turned to leave, the younger version of herself handed her a small note with a "
	"single message: \"Keep going down.\" The elevator's doors closed behind her, but this "
	"time, Emilia knew she would be back, and she would uncover the secrets of the "
	"mysterious elevator, one level at a time.",
	/* book_store:69, last */
	"After all, everyone bore a story beneath their skin, waiting silently for someone to "
	"read and to understand.",
	/* book_store_2.0:21, last */
	"Afterwards, in the bracing pre-dawn chill, Marcus pauses\xe2\x80\x94heart trembling "
	"under this burden, heavier yet somehow expanded\xe2\x80\x94" "for although these "
	"memories leave faint bruises behind his eyes, their stories illuminate quiet bonds "
	"he'd never understood stood waiting between strangers, galaxies of feeling crossing "
	"unseen paths each night, binding lives invisibly into shared, fragile constellations.",
	/* elevator_llama-scout:193, last */
	"Emilia looked up at the darkness, and whispered, \"I'll never let you go again.\" The "
	"words hung in the air, a promise, a vow, and a testament to the power of love and "
	"redemption.",
	/* book_store:56, a line of dialogue */
	"\xe2\x80\x9cI have to keep reading\xe2\x80\x94they need remembering, too,\xe2\x80\x9d he "
	"insists helplessly.",
};

/* The one real meta-commentary in those runs: a model's note appended as the
 * last paragraph of its story (elevator_llama-scout:93). */
static const char real_meta[] =
	"In this revised version, I made several changes to enhance the story. I added more "
	"sensory details to help the reader visualize the setting and feel the emotions of the "
	"characters.";

/* ----------------------------------------------------------- reasons */

static void test_reasons(void **state)
{
	(void)state;
	assert_string_equal(lengthen_reason(LENGTHEN_OK), "ok");
	assert_string_equal(lengthen_reason(LENGTHEN_NO_ENDING), "no_ending");
	assert_string_equal(lengthen_reason(LENGTHEN_REPEATS), "repeats");
	assert_string_equal(lengthen_reason(LENGTHEN_META), "meta");
	assert_string_equal(lengthen_reason(LENGTHEN_TOO_SHORT), "too_short");
	assert_string_equal(lengthen_reason(LENGTHEN_NREASONS), "unknown");
	assert_string_equal(lengthen_reason((enum lengthen_reject)-1), "unknown");
	for (int i = 0; i < LENGTHEN_NREASONS; i++)
		for (int j = i + 1; j < LENGTHEN_NREASONS; j++)
			assert_true(strcmp(lengthen_reason((enum lengthen_reject)i),
					   lengthen_reason((enum lengthen_reject)j)) != 0);
}

static void test_grew(void **state)
{
	(void)state;
	assert_true(lengthen_grew(100, 120));
	assert_false(lengthen_grew(100, 119));
	assert_true(lengthen_grew(35, 42)); /* 1.2 x 35 is 42, exactly */
	assert_false(lengthen_grew(35, 41));
	assert_true(lengthen_grew(5, 6));
	assert_false(lengthen_grew(10, 11));
	assert_false(lengthen_grew(0, 0));
	assert_true(lengthen_grew(0, 1));
	assert_false(lengthen_grew(500, 100));
	assert_true(lengthen_grew(1000000000L, 1200000000L));
	assert_true(LENGTHEN_MIN_GROWTH == 1.2);
}

/* ------------------------------------------------------------ ending */

static void test_ends_terminal(void **state)
{
	(void)state;
	static const char *const yes[] = {
		"End.", "End!", "End?", "Why?!", "Wait...", "Wait\xe2\x80\xa6",
		"He said, \"Go.\"", "\xe2\x80\x9cGo.\xe2\x80\x9d", "(It was over.)",
		"\xe2\x80\x98" "Fine.\xe2\x80\x99", "\xc2\xab" "Fin.\xc2\xbb", "*The end.*",
		"_The end._", "He said, \"Go.\")", "Done.  \n\n \t ", "\xe7\xb5\x82\xe3\x80\x82",
		"\xe3\x80\x8c\xe5\xa5\xbd\xef\xbc\x81\xe3\x80\x8d", "\xe5\xa5\xbd\xef\xbc\x9f",
		"[Over.]", "{Over.}", "`Over.`", "\xe2\x80\xb9Over.\xe2\x80\xba", "1.", ".",
	};
	static const char *const no[] = {
		"", "   \n", "The end", "and then\xe2\x80\x94", "He said:", "Wait,", "Chapter one;",
		"\"Hello\"", "(aside)", "*The End*", "\"\"\"", "wonder.<|vq_3445|>", "...and",
		"end.\xe2\x80\x94", "Why? Because",
	};
	for (size_t i = 0; i < AW_ARRAY_LEN(yes); i++) {
		if (!lengthen_ends_terminal(yes[i]))
			print_error("should end: \"%s\"\n", yes[i]);
		assert_true(lengthen_ends_terminal(yes[i]));
	}
	for (size_t i = 0; i < AW_ARRAY_LEN(no); i++) {
		if (lengthen_ends_terminal(no[i]))
			print_error("should not end: \"%s\"\n", no[i]);
		assert_false(lengthen_ends_terminal(no[i]));
	}
	for (size_t i = 0; i < AW_ARRAY_LEN(real_lines); i++)
		assert_true(lengthen_ends_terminal(real_lines[i]) || i == 7); /* 7: the title */
}

/* ----------------------------------------------------------- repeats */

static void test_repeats(void **state)
{
	(void)state;
	const char *ten = "one two three four five six seven eight nine ten";
	char buf[512];
	snprintf(buf, sizeof buf, "%s and then %s.", ten, ten);
	assert_true(lengthen_repeats(buf, 10));
	assert_false(lengthen_repeats(buf, 11));
	assert_true(lengthen_repeats(buf, 1));
	/* nine words twice is not ten */
	assert_false(lengthen_repeats("a b c d e f g h i x a b c d e f g h i", 10));
	/* case and punctuation around words do not matter */
	assert_true(lengthen_repeats("\xe2\x80\x9cThe sea, the sea! It was grey and cold and "
				     "still.\xe2\x80\x9d Later: the sea the sea it was grey, and "
				     "cold, and STILL.", 10));
	/* but punctuation inside a word does */
	assert_false(lengthen_repeats("don't stop me now I am having such good fun. "
				      "dont stop me now I am having such good fun.", 10));
	assert_true(lengthen_repeats("don't stop me now I am having such good fun. "
				     "Don't stop me now, I am having such good fun!", 10));
	/* a run of punctuation is no word: these are the same ten words */
	assert_true(lengthen_repeats("a b c d e \xe2\x80\x94 f g h i j. *** a b c d e f g h i j", 10));
	/* overlapping: eleven equal words repeat a 10-word sequence, ten do not */
	assert_true(lengthen_repeats("la la la la la la la la la la la", 10));
	assert_false(lengthen_repeats("la la la la la la la la la la", 10));
	assert_false(lengthen_repeats("", 10));
	assert_false(lengthen_repeats("word", 1));
	assert_false(lengthen_repeats(buf, 0));
	assert_false(lengthen_repeats(buf, -3));
	/* real prose, with its "down, down, down", repeats nothing */
	for (size_t i = 0; i < AW_ARRAY_LEN(real_lines); i++)
		assert_false(lengthen_repeats(real_lines[i], 10));
}

/* 20,000 words, all 10-grams different, then one sequence again at the end:
 * found, and fast. */
static void test_repeats_long(void **state)
{
	(void)state;
	enum { WORDS = 20000 };
	char *t = malloc(WORDS * 12 + 256), *o = t;
	assert_non_null(t);
	for (int i = 0; i < WORDS; i++)
		o += sprintf(o, "w%d%s", i * 7919 % WORDS, i % 17 == 16 ? ". " : " ");
	clock_t c0 = clock();
	assert_false(lengthen_repeats(t, 10));
	/* the ten words starting at word 12345, appended */
	const char *p = t;
	for (int i = 0; i < 12345; i++)
		p = strchr(p, ' ') + 1;
	const char *q = p;
	for (int i = 0; i < 10; i++)
		q = strchr(q, ' ') + 1;
	size_t len = (size_t)(o - t);
	memcpy(o, p, (size_t)(q - p));
	o += q - p;
	*o = '\0';
	assert_true(lengthen_repeats(t, 10));
	t[len] = '\0';
	/* one word the same everywhere */
	for (o = t; o < t + 2 * WORDS; o += 2)
		memcpy(o, "a ", 2);
	*o = '\0';
	assert_true(lengthen_repeats(t, 10));
	double secs = (double)(clock() - c0) / CLOCKS_PER_SEC;
	assert_true(secs < 2); /* about 10 ms; generous for valgrind */
	free(t);
}

/* -------------------------------------------------------------- meta */

/* text = head lines, then `middle` lines of story, then tail lines. */
static char *story_with(const char *head, int middle, const char *tail)
{
	size_t cap = (head ? strlen(head) : 0) + (tail ? strlen(tail) : 0) + 64 * (size_t)middle + 16;
	char *t = malloc(cap), *o = t;
	assert_non_null(t);
	*o = '\0';
	if (head)
		o += sprintf(o, "%s\n\n", head);
	for (int i = 0; i < middle; i++)
		o += sprintf(o, "Line %d: the fog came in at dusk.\n\n", i);
	if (tail)
		o += sprintf(o, "%s\n", tail);
	return t;
}

static void expect_meta(const char *head, const char *tail, int want)
{
	char *t = story_with(head, 6, tail);
	int got = lengthen_meta(t);
	if (got != want)
		print_error("meta %d, want %d: head \"%s\" tail \"%s\"\n", got, want,
			    head ? head : "", tail ? tail : "");
	free(t);
	assert_int_equal(got, want);
}

static void test_meta_positives(void **state)
{
	(void)state;
	static const char *const heads[] = {
		"Here is the expanded story:",
		"Here's an expanded version of the story, with more detail on the lighthouse and "
		"its keeper, as you asked:",
		"Sure! Here is the revised story:",
		"**Revised Version**",
		"# Expanded Story",
		"Continuation:",
		"Expanded first half:",
		"Version 2",
		"Note: the first half has been expanded with sensory detail.",
		"Below is the story, rewritten to be longer.",
		"The Lighthouse Keeper (Revised)",
		"Draft three",
		"Here are the first paragraphs, enriched:",
		"Rewrite:",
	};
	static const char *const tails[] = {
		"(Word count: 1,204)",
		"Word count: 812",
		"*Wordcount: about 900 words*",
		"I have expanded the first half of the story, adding sensory detail.",
		"I\xe2\x80\x99ve added more dialogue between Maren and her brother.",
		"I rewrote the ending so that it lands harder.",
		"Note: This continuation keeps the tone of the original.",
		"Let me know if you'd like any changes!",
		"I hope you enjoy this longer version.",
		"The middle paragraphs have been rewritten for pace.",
		"Author's note: the lighthouse is real.",
		real_meta,
	};
	for (size_t i = 0; i < AW_ARRAY_LEN(heads); i++)
		expect_meta(heads[i], NULL, 1);
	for (size_t i = 0; i < AW_ARRAY_LEN(tails); i++)
		expect_meta(NULL, tails[i], 1);
}

static void test_meta_negatives(void **state)
{
	(void)state;
	/* every real opening and ending, alone and around a story */
	for (size_t i = 0; i < AW_ARRAY_LEN(real_lines); i++) {
		if (lengthen_meta(real_lines[i]))
			print_error("false positive: \"%s\"\n", real_lines[i]);
		assert_false(lengthen_meta(real_lines[i]));
		expect_meta(real_lines[i], NULL, 0);
		expect_meta(NULL, real_lines[i], 0);
	}
	/* weak words in dialogue, or past a long line's opening */
	expect_meta("\xe2\x80\x9cHere is the key,\xe2\x80\x9d he said.", NULL, 0);
	expect_meta("\"A new version of me,\" she said.", NULL, 0);
	expect_meta(NULL, "\xe2\x80\x9cNote the date,\xe2\x80\x9d said the keeper.", 0);
	expect_meta("The keeper kept a note of every ship that passed the point, and of every "
		    "ship that did not.", NULL, 0);
	expect_meta(NULL, "She had expanded the ledger to two volumes by the time the fifth "
			  "ship came home.", 0);
	/* words that merely contain a meta word */
	expect_meta("Her versions of the truth never matched.", "The revisionist sailed at dawn.", 0);
	expect_meta("The notebook lay open.", "Paragraphic? No such word.", 0);
	expect_meta("I have never told anyone this.", "I have kept the light ever since.", 0);
	expect_meta(NULL, "The end.", 0);
	assert_false(lengthen_meta(""));
	assert_false(lengthen_meta("\n\n  \n"));
}

/* Only the first 2 and last 3 non-blank lines are checked. */
static void test_meta_window(void **state)
{
	(void)state;
	const char *m = "(Word count: 1,204)";
	char t[2048];
	for (int at = 0; at < 10; at++) {
		char *o = t;
		for (int i = 0; i < 10; i++)
			o += sprintf(o, "%s\n\n\n", i == at ? m : "The fog stayed until morning.");
		int want = at < LENGTHEN_META_HEAD || at >= 10 - LENGTHEN_META_TAIL;
		if (lengthen_meta(t) != want)
			print_error("meta line %d: want %d\n", at, want);
		assert_int_equal(lengthen_meta(t), want);
	}
	/* fewer lines than the two windows: each checked once */
	assert_true(lengthen_meta(m));
	assert_true(lengthen_meta("Story.\nWord count: 2"));
}

/* -------------------------------------------------------- first half */

static void expect_half(const char *text, const char *want_first)
{
	size_t off = lengthen_first_half(text);
	if (off != strlen(want_first) || strncmp(text, want_first, off) != 0)
		print_error("first half of \"%s\": \"%.*s\", want \"%s\"\n", text, (int)off, text,
			    want_first);
	assert_int_equal(off, strlen(want_first));
	assert_memory_equal(text, want_first, off);
}

static void test_first_half(void **state)
{
	(void)state;
	assert_int_equal(lengthen_first_half(""), 0);
	assert_int_equal(lengthen_first_half("  \n\t\n "), 0);
	expect_half("One.", "One.");
	expect_half("word", "word");
	expect_half("  word  \n", "  word");
	/* paragraphs: the first floor(n / 2) */
	expect_half("A.\n\nB.", "A.");
	expect_half("A.\n\nB.\n\nC.", "A.");
	expect_half("A.\n\nB.\n\nC.\n\nD.", "A.\n\nB.");
	expect_half("A.\n\nB.\n\nC.\n\nD.\n\nE.", "A.\n\nB.");
	expect_half("a\nb\n\nc\nd\n\ne\n", "a\nb");
	expect_half("\n\nA.\n \t \nB.\n\n\n\nC.\nD.\n\nE.", "\n\nA.\n \t \nB.");
	expect_half("A.\r\n\r\nB.\r\n", "A.");
	/* one paragraph of several lines: its lines */
	expect_half("l1.\nl2.\nl3.\nl4.", "l1.\nl2.");
	expect_half("l1.\nl2.\nl3.", "l1.");
	/* one line: the sentence end nearest the middle */
	expect_half("One two. Three four. Five six.", "One two. Three four.");
	expect_half("One. Two three four five six seven.", "One.");
	expect_half("He said \"go.\" She went away at last", "He said \"go.\"");
	expect_half("\xe2\x80\x9cWait\xe2\x80\xa6\xe2\x80\x9d The door opened.",
		    "\xe2\x80\x9cWait\xe2\x80\xa6\xe2\x80\x9d");
	/* no sentence end inside: the word end nearest the middle */
	expect_half("alpha beta gamma delta", "alpha beta");
	expect_half("alpha beta gamma delta.", "alpha beta");
	expect_half("a\xe2\x80\x94" "b c", "a\xe2\x80\x94" "b");
}

/* Never 0 for a text with a word, never inside a word. */
static void test_first_half_bounds(void **state)
{
	(void)state;
	for (size_t i = 0; i < AW_ARRAY_LEN(real_lines); i++) {
		const char *t = real_lines[i];
		size_t off = lengthen_first_half(t);
		assert_true(off > 0);
		assert_true(off <= strlen(t));
		assert_false(isspace((unsigned char)t[off - 1]));
		assert_true(t[off] == '\0' || isspace((unsigned char)t[off]));
		if (strstr(t, ". ")) { /* a sentence end inside: split there */
			assert_true(off < strlen(t));
			assert_true(strchr(".!?\"", t[off - 1]) != NULL);
		}
	}
	static const char *const odd[] = { "x", "—", " \n x", "x\n", "a b", "ab.cd", "!!!" };
	for (size_t i = 0; i < AW_ARRAY_LEN(odd); i++) {
		size_t off = lengthen_first_half(odd[i]);
		assert_true(off > 0);
		assert_false(isspace((unsigned char)odd[i][off - 1]));
		assert_true(odd[i][off] == '\0' || isspace((unsigned char)odd[i][off]));
	}
}

/* ---------------------------------------------------------- assemble */

static void expect_assemble(const char *a, const char *b, const char *c, const char *want)
{
	char *got = lengthen_assemble(a, b, c);
	if (strcmp(got, want) != 0)
		print_error("assemble: \"%s\"\n    want: \"%s\"\n", got, want);
	assert_string_equal(got, want);
	free(got);
}

static void test_assemble(void **state)
{
	(void)state;
	expect_assemble("A.", "", "C.", "A.\n\nC.");
	expect_assemble("A.", "B.", "C.", "A.\n\nB.\n\nC.");
	expect_assemble("  A.\n\n\n\n", NULL, "\n\nC.  ", "A.\n\nC.");
	expect_assemble("", "", "", "");
	expect_assemble(NULL, NULL, NULL, "");
	expect_assemble(" \n\t", "B.", NULL, "B.");
	/* inside a part: one blank line at most, lines kept, ends trimmed */
	expect_assemble("P1.\n\n\n\nP2.", "", "", "P1.\n\nP2.");
	expect_assemble("P1.\n  \n\t\nP2.", "", "", "P1.\n\nP2.");
	expect_assemble("l1\nl2", "", "", "l1\nl2");
	expect_assemble("l1   \nl2\t", "", "", "l1\nl2");
	expect_assemble("A.\r\n\r\nB.\r\n", "", "C.", "A.\n\nB.\n\nC.");
	expect_assemble("  indented first line", "", "", "indented first line");
	expect_assemble("a\n  indented", "", "", "a\n  indented");
}

/* A story split by lengthen_first_half() and put back together is the
 * story, tidied. */
static void test_assemble_round_trip(void **state)
{
	(void)state;
	static const char *const texts[] = {
		"A.\n\nB.\n\nC.\n\nD.\n\nE.",
		"One two. Three four. Five six.",
		"l1.\nl2.\nl3.",
		"\n\nA.\n\n\n\nB.\nC.\n\nD.  \n",
	};
	for (size_t i = 0; i < AW_ARRAY_LEN(texts); i++) {
		size_t off = lengthen_first_half(texts[i]);
		char *first = strndup(texts[i], off);
		assert_non_null(first);
		char *whole = lengthen_assemble(texts[i], "", "");
		char *split = lengthen_assemble(first, texts[i] + off, "");
		/* the same words in the same order; only white space may differ */
		assert_int_equal(text_count_words(whole), text_count_words(split));
		char *a = whole, *b = split;
		for (;; a++, b++) {
			while (isspace((unsigned char)*a))
				a++;
			while (isspace((unsigned char)*b))
				b++;
			assert_int_equal(*a, *b);
			if (!*a)
				break;
		}
		free(first);
		free(whole);
		free(split);
	}
}

/* --------------------------------------------------------- strip meta */

static void expect_strip(const char *text, const char *want)
{
	char *got = lengthen_strip_meta(text);
	if (want ? !got || strcmp(got, want) != 0 : got != NULL)
		print_error("strip: \"%s\"\n    want: \"%s\"\n", got ? got : "(NULL)",
			    want ? want : "(NULL)");
	if (want) {
		assert_non_null(got);
		assert_string_equal(got, want);
	} else {
		assert_null(got);
	}
	free(got);
}

static void test_strip_meta(void **state)
{
	(void)state;
	const char *story = "The fog came in.\n\nMaren lit the lamp.";
	char buf[512];
	snprintf(buf, sizeof buf, "Here is the expanded story:\n\n%s", story);
	expect_strip(buf, story);
	snprintf(buf, sizeof buf, "**Revised Version**\n\n---\n\n%s\n", story);
	expect_strip(buf, story);
	snprintf(buf, sizeof buf, "%s\n\n(Word count: 1,204)", story);
	expect_strip(buf, story);
	snprintf(buf, sizeof buf, "%s\n\n* * *\n\nWord count: 812 words\n", story);
	expect_strip(buf, story);
	snprintf(buf, sizeof buf, "Sure! Here's the story:\n%s\nWord count: 9", story);
	expect_strip(buf, story);
	/* nothing to strip: trimmed, otherwise the same */
	snprintf(buf, sizeof buf, "\n  %s  \n\n", story);
	expect_strip(buf, story);
	expect_strip(real_lines[0], real_lines[0]);
	/* more is wrong than those two lines: reject, do not repair */
	snprintf(buf, sizeof buf, "Here is the expanded story:\n\n%s\n\nI have expanded the "
				  "first half.", story);
	expect_strip(buf, NULL);
	snprintf(buf, sizeof buf, "%s\n\n%s\n\nWord count: 812", story, real_meta);
	expect_strip(buf, NULL);
	/* a long opening line that only mentions a version is not stripped */
	snprintf(buf, sizeof buf, "Here is the expanded version of the story, which I wrote "
				  "with more detail on the lighthouse and its keeper.\n\n%s", story);
	expect_strip(buf, NULL);
	/* nothing left */
	expect_strip("Here is the story:", NULL);
	expect_strip("(Word count: 0)", NULL);
	expect_strip("", NULL);
	expect_strip("  \n", NULL);
	/* a word count that is not the last line stays (and the text is meta) */
	snprintf(buf, sizeof buf, "%s\n\nWord count: 9\n\nThe end.", story);
	expect_strip(buf, NULL);
	/* what is left passes the meta filter */
	snprintf(buf, sizeof buf, "Here is the expanded story:\n\n%s\n\n(Word count: 9)", story);
	char *s = lengthen_strip_meta(buf);
	assert_non_null(s);
	assert_false(lengthen_meta(s));
	free(s);
}

/* ------------------------------------------------------------- check */

static void test_check(void **state)
{
	(void)state;
	char *t = story_with(NULL, 6, "And the fog lifted.");
	long w = text_count_words(t);
	assert_int_equal(lengthen_check(t, w * 5 / 6), LENGTHEN_OK);
	assert_int_equal(lengthen_check(t, w), LENGTHEN_TOO_SHORT);
	free(t);
	t = story_with(NULL, 6, "And the fog");
	assert_int_equal(lengthen_check(t, 10), LENGTHEN_NO_ENDING);
	assert_int_equal(lengthen_check(t, 1000), LENGTHEN_TOO_SHORT); /* the first that fails */
	free(t);
	t = story_with("Here is the expanded story:", 6, "The end.");
	assert_int_equal(lengthen_check(t, 10), LENGTHEN_META);
	free(t);
	t = story_with(NULL, 6, "The fog came in at dusk, and the fog came in at dusk, and the "
				"fog came in at dusk.");
	assert_int_equal(lengthen_check(t, 10), LENGTHEN_REPEATS);
	free(t);
}

int run_lengthen_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_grew),
		cmocka_unit_test(test_ends_terminal),
		cmocka_unit_test(test_repeats),
		cmocka_unit_test(test_repeats_long),
		cmocka_unit_test(test_meta_positives),
		cmocka_unit_test(test_meta_negatives),
		cmocka_unit_test(test_meta_window),
		cmocka_unit_test(test_first_half),
		cmocka_unit_test(test_first_half_bounds),
		cmocka_unit_test(test_assemble),
		cmocka_unit_test(test_assemble_round_trip),
		cmocka_unit_test(test_strip_meta),
		cmocka_unit_test(test_check),
	};
	return cmocka_run_group_tests_name("lengthen", tests, NULL, NULL);
}
