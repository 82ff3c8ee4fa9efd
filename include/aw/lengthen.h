/*
 * lengthen.h - the rule filters and text surgery of the Self-Lengthen
 * extension (arXiv 2409.00466), as pure functions on text.
 *
 * An extender grows a story in rounds of two stages: (1) expand the first
 * half of its paragraphs ("enrich, do not continue"), (2) continue from the
 * expanded first half, with the whole story in view, to a new ending.  A
 * round is kept only when the result passes rule filters: it grew at least
 * 1.2 times, it ends on terminal punctuation, no sequence of 10 words occurs
 * twice, and its first 2 and last 3 non-blank lines do not talk about the
 * text ("Here is the expanded story:", "(Word count: 1,204)").  The
 * reference code (QwenLM/Self-Lengthen, llama/utils.py) matches its meta
 * words as substrings anywhere in those lines; this module matches whole
 * words and phrases, and the weak ones ("version", "here is") only where
 * meta-commentary puts them, because a story's first line is often a whole
 * paragraph that may well say "a younger version of herself".
 *
 * Words, everywhere here: runs of non-space characters (as in
 * text_count_words()), compared case-insensitively (ASCII) with leading and
 * trailing punctuation stripped (ASCII, and the UTF-8 quotes, dashes and
 * ellipsis); a run that is all punctuation ("—", "***") is no word.
 *
 * Ownership: functions returning char * return a new string the caller
 * frees; nothing keeps a pointer to its arguments.
 */
#ifndef AW_LENGTHEN_H
#define AW_LENGTHEN_H

#include <stddef.h>

#define LENGTHEN_MIN_GROWTH 1.2   /* a round must reach this times the words */
#define LENGTHEN_REPEAT_WORDS 10  /* n of the repeated n-words filter */
#define LENGTHEN_META_HEAD 2      /* non-blank lines checked at the start */
#define LENGTHEN_META_TAIL 3      /* and at the end */

/* Why a round's text was rejected.  The short names are stable: they are
 * counter names in run.json. */
enum lengthen_reject {
	LENGTHEN_OK = 0,     /* "ok": passed every filter */
	LENGTHEN_TOO_SHORT,  /* "too_short": grew less than LENGTHEN_MIN_GROWTH */
	LENGTHEN_NO_ENDING,  /* "no_ending": does not end on terminal punctuation */
	LENGTHEN_META,       /* "meta": talks about the text at its start or end */
	LENGTHEN_REPEATS,    /* "repeats": a LENGTHEN_REPEAT_WORDS-word sequence twice */
	LENGTHEN_NREASONS    /* how many values there are */
};

/* The short name of r; "unknown" for a value out of range. */
const char *lengthen_reason(enum lengthen_reject r);

/* Every filter on a round's text, given the word count of the story the
 * round started from: the first that fails, in the order of the enum
 * (too_short, no_ending, meta, repeats), so that each rejection is counted
 * once and under the cheapest test that catches it; else LENGTHEN_OK. */
enum lengthen_reject lengthen_check(const char *text, long before_words);

/* after_words >= LENGTHEN_MIN_GROWTH x before_words, computed exactly in
 * integers (5 x after >= 6 x before), and after_words > before_words (so
 * nothing grows from 0 to 0). */
int lengthen_grew(long before_words, long after_words);

/* The text, trailing white space ignored, ends on . ! ? or an ellipsis
 * (… and the CJK 。！？), possibly followed by closing quotes, brackets or
 * emphasis marks: " ' ) ] } * _ ` ” ’ » › 」 』 ）.  An ending such as
 * "—", ":" or a bare word is no ending. */
int lengthen_ends_terminal(const char *text);

/* Some sequence of n consecutive words occurs twice (overlapping ones
 * included: eleven equal words repeat a 10-word sequence).  Linear time: the
 * n-grams are hashed, and a hash match is confirmed word by word.  0 when
 * n < 1 or the text has fewer than n + 1 words. */
int lengthen_repeats(const char *text, int n);

/* Meta-commentary in the first LENGTHEN_META_HEAD or last LENGTHEN_META_TAIL
 * non-blank lines.  A line is meta when it holds a strong phrase anywhere
 * ("word count", "revised version", "continuation", "paragraph", "I have
 * expanded", "let me know", ...), or a weak word ("here is", "version",
 * "revised", "expanded", "rewrite", "note", ...) as its first words or
 * anywhere in a line of at most 5 words, unless the line opens with a quote
 * mark (dialogue).  The phrases are one table in lengthen.c. */
int lengthen_meta(const char *text);

/* Where the first half of the story ends: text[0, offset) is the first half,
 * text + offset the rest (it begins with the white space between the two).
 * Paragraphs are separated by blank lines; the first half is the first
 * floor(n / 2) of n >= 2 paragraphs (by count, as Self-Lengthen does, not by
 * words: of 3 paragraphs, the first).  A text with one paragraph but several
 * lines splits its lines the same way; a single line splits at the sentence
 * end nearest its middle byte, else at the word end nearest it.  Here a word
 * is any run of non-space characters: the offset never falls inside one, and
 * is never 0 unless the text is blank; a one-word text is all first half
 * (the offset is its length less trailing white space). */
size_t lengthen_first_half(const char *text);

/* Join the parts of a round's text: each part trimmed, empty parts (or NULL)
 * skipped, the rest joined by one blank line; inside a part, runs of blank
 * lines become one and trailing white space of lines goes.  Never NULL.
 *
 * The contract: the result reads expanded_first, then rest_of_original, then
 * continuation, each a run of whole paragraphs (nothing is joined mid-
 * sentence).  A Self-Lengthen round is
 *     lengthen_assemble(expanded_first_half, "", continuation)
 * because the continuation was written from the end of the expanded first
 * half to a new ending: it replaces the original's second half, and passing
 * that half too would tell it twice.  Pass rest_of_original (the text after
 * lengthen_first_half()) only when the second half is kept as it was, that
 * is with an empty continuation, e.g. when only stage 1 ran. */
char *lengthen_assemble(const char *expanded_first, const char *rest_of_original,
			const char *continuation);

/* The text without a leading line that announces it ("Here is the expanded
 * story:", "**Revised Version**": a meta line that ends in ':' or has at most
 * 5 words) and without a trailing word-count line ("(Word count: 1,204)"),
 * together with a "---" or "***" rule next to either.  Returns NULL when
 * meta-commentary remains after that (the text is to be rejected, not
 * repaired) or when no word remains.  Safe to use on any text before
 * lengthen_check(): it removes nothing else, never touches a line inside
 * the story, and a text with nothing to strip comes back trimmed but
 * otherwise unchanged. */
char *lengthen_strip_meta(const char *text);

#endif
