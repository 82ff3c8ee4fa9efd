/*
 * lengthen.c - the Self-Lengthen rule filters and text surgery (see
 * lengthen.h).
 *
 * Everything here works on bytes: ASCII is case-folded, and the few UTF-8
 * characters that matter (curly quotes, dashes, the ellipsis, CJK stops) are
 * recognised by their byte sequences, so no locale is needed and text that is
 * not UTF-8 is handled, if not understood.  The meta-commentary rule is one
 * table of phrases; a phrase is either strong (meta wherever it appears in a
 * checked line) or weak (meta only where commentary puts it: opening the
 * line, or in a short line), which is what keeps ordinary story prose out.
 */
#include "aw/lengthen.h"
#include "aw/story.h"
#include "aw/util.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- words */

struct word {
	const char *s; /* first byte, surrounding punctuation stripped */
	size_t n;      /* bytes */
};

/* The next word in [*pp, end): returns 0 at the end.  Runs that are all
 * punctuation are skipped. */
static int next_word(const char **pp, const char *end, struct word *w)
{
	w->s = text_next_word(pp, end, &w->n);
	return w->s != NULL;
}

static int same_word(const struct word *a, const struct word *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (tolower((unsigned char)a->s[i]) != tolower((unsigned char)b->s[i]))
			return 0;
	return 1;
}

static uint64_t word_hash(const struct word *w)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
	for (size_t i = 0; i < w->n; i++)
		h = (h ^ (unsigned char)tolower((unsigned char)w->s[i])) * 0x100000001b3ULL;
	return h;
}

/* Every word of [s, e) (malloc'd array, *n words). */
static struct word *split_words(const char *s, const char *e, size_t *n)
{
	size_t cap = 64, k = 0;
	struct word *v = xmalloc(cap * sizeof *v);
	struct word w;
	while (next_word(&s, e, &w)) {
		if (k == cap)
			v = xrealloc(v, (cap *= 2) * sizeof *v);
		v[k++] = w;
	}
	*n = k;
	return v;
}

/* ----------------------------------------------------------- reasons */

static const char *const reason_names[LENGTHEN_NREASONS] = {
	[LENGTHEN_OK] = "ok",
	[LENGTHEN_TOO_SHORT] = "too_short",
	[LENGTHEN_NO_ENDING] = "no_ending",
	[LENGTHEN_META] = "meta",
	[LENGTHEN_REPEATS] = "repeats",
};

const char *lengthen_reason(enum lengthen_reject r)
{
	return (unsigned)r < LENGTHEN_NREASONS ? reason_names[r] : "unknown";
}

int lengthen_grew(long before_words, long after_words)
{
	/* LENGTHEN_MIN_GROWTH is 6/5: no floating-point rounding at the
	 * boundary (1.2 x 35 is not 42 in binary). */
	return after_words > before_words && 5 * after_words >= 6 * before_words;
}

enum lengthen_reject lengthen_check(const char *text, long before_words)
{
	if (!lengthen_grew(before_words, text_count_words(text)))
		return LENGTHEN_TOO_SHORT;
	if (!lengthen_ends_terminal(text))
		return LENGTHEN_NO_ENDING;
	if (lengthen_meta(text))
		return LENGTHEN_META;
	if (lengthen_repeats(text, LENGTHEN_REPEAT_WORDS))
		return LENGTHEN_REPEATS;
	return LENGTHEN_OK;
}

/* ------------------------------------------------------------ ending */

/* Length of the closing quote, bracket or emphasis mark that ends [b, e),
 * or 0. */
static size_t closer_before(const char *b, const char *e)
{
	const unsigned char *u = (const unsigned char *)e;
	if (e > b && e[-1] && strchr("\"')]}*_`", e[-1]))
		return 1;
	if (e - b >= 2 && u[-2] == 0xc2 && u[-1] == 0xbb) /* » */
		return 2;
	if (e - b >= 3 && u[-3] == 0xe2 && u[-2] == 0x80 &&
	    (u[-1] == 0x99 || u[-1] == 0x9d || u[-1] == 0xba)) /* ’ ” › */
		return 3;
	if (e - b >= 3 && u[-3] == 0xe3 && u[-2] == 0x80 && (u[-1] == 0x8d || u[-1] == 0x8f)) /* 」 』 */
		return 3;
	if (e - b >= 3 && u[-3] == 0xef && u[-2] == 0xbc && u[-1] == 0x89) /* ） */
		return 3;
	return 0;
}

/* Does [b, e) end on terminal punctuation, closers allowed after it? */
static int span_ends_terminal(const char *b, const char *e)
{
	for (size_t k; (k = closer_before(b, e)) > 0;)
		e -= k;
	const unsigned char *u = (const unsigned char *)e;
	if (e > b && strchr(".!?", e[-1]) && e[-1])
		return 1;
	if (e - b >= 3 && u[-3] == 0xe2 && u[-2] == 0x80 && u[-1] == 0xa6) /* … */
		return 1;
	if (e - b >= 3 && u[-3] == 0xe3 && u[-2] == 0x80 && u[-1] == 0x82) /* 。 */
		return 1;
	if (e - b >= 3 && u[-3] == 0xef && u[-2] == 0xbc && (u[-1] == 0x81 || u[-1] == 0x9f)) /* ！？ */
		return 1;
	return 0;
}

int lengthen_ends_terminal(const char *text)
{
	const char *e = text + strlen(text);
	while (e > text && isspace((unsigned char)e[-1]))
		e--;
	return span_ends_terminal(text, e);
}

/* ----------------------------------------------------------- repeats */

int lengthen_repeats(const char *text, int n)
{
	if (n < 1)
		return 0;
	size_t nw;
	struct word *w = split_words(text, text + strlen(text), &nw);
	size_t k = (size_t)n, found = 0;
	if (nw <= k) {
		free(w);
		return 0;
	}
	uint64_t *wh = xmalloc(nw * sizeof *wh);
	for (size_t i = 0; i < nw; i++)
		wh[i] = word_hash(&w[i]);
	/* Open addressing, at most half full: slot = start index + 1 of an
	 * n-gram, 0 for empty; the n-gram's hash is kept beside it. */
	size_t grams = nw - k + 1, cap = 16;
	while (cap < 2 * grams)
		cap *= 2;
	size_t *slot = xcalloc(cap, sizeof *slot);
	uint64_t *hash = xmalloc(cap * sizeof *hash);
	for (size_t i = 0; i < grams && !found; i++) {
		uint64_t g = 0x9e3779b97f4a7c15ULL;
		for (size_t j = i; j < i + k; j++)
			g = (g ^ wh[j]) * 0x100000001b3ULL + (g >> 29);
		size_t at = (size_t)(g ^ g >> 32) & (cap - 1);
		for (; slot[at]; at = (at + 1) & (cap - 1)) {
			if (hash[at] != g)
				continue;
			size_t s = slot[at] - 1, j = 0;
			while (j < k && same_word(&w[s + j], &w[i + j]))
				j++;
			if (j == k) {
				found = 1;
				break;
			}
		}
		slot[at] = i + 1;
		hash[at] = g;
	}
	free(slot);
	free(hash);
	free(wh);
	free(w);
	return found ? 1 : 0;
}

/* -------------------------------------------------------------- meta */

#define META_SHORT_WORDS 5 /* a line this short can only be a label */

enum meta_scope {
	META_STRONG, /* meta wherever it appears in the line */
	META_WEAK    /* meta opening the line, or anywhere in a short line,
		      * unless the line opens with a quote mark */
};

/* Lowercase words, one space apart; "'" also matches ’. */
static const struct meta_phrase {
	const char *words;    /* the phrase */
	enum meta_scope scope; /* where it counts */
} meta_phrases[] = {
	{ "word count", META_STRONG },
	{ "wordcount", META_STRONG },
	{ "words count", META_STRONG },
	{ "revised version", META_STRONG },
	{ "expanded version", META_STRONG },
	{ "rewritten version", META_STRONG },
	{ "extended version", META_STRONG },
	{ "lengthened version", META_STRONG },
	{ "longer version", META_STRONG },
	{ "updated version", META_STRONG },
	{ "edited version", META_STRONG },
	{ "revised story", META_STRONG },
	{ "expanded story", META_STRONG },
	{ "rewritten story", META_STRONG },
	{ "extended story", META_STRONG },
	{ "revised text", META_STRONG },
	{ "expanded text", META_STRONG },
	{ "continuation", META_STRONG },
	{ "paragraph", META_STRONG },
	{ "paragraphs", META_STRONG },
	{ "revision", META_STRONG },
	{ "revisions", META_STRONG },
	{ "been expanded", META_STRONG },
	{ "been revised", META_STRONG },
	{ "been rewritten", META_STRONG },
	{ "been extended", META_STRONG },
	{ "been enriched", META_STRONG },
	{ "i have expanded", META_STRONG },
	{ "i have revised", META_STRONG },
	{ "i have rewritten", META_STRONG },
	{ "i have added", META_STRONG },
	{ "i have enriched", META_STRONG },
	{ "i have extended", META_STRONG },
	{ "i have lengthened", META_STRONG },
	{ "i have incorporated", META_STRONG },
	{ "i've expanded", META_STRONG },
	{ "i've revised", META_STRONG },
	{ "i've rewritten", META_STRONG },
	{ "i've added", META_STRONG },
	{ "i've enriched", META_STRONG },
	{ "i've extended", META_STRONG },
	{ "i've lengthened", META_STRONG },
	{ "i've incorporated", META_STRONG },
	{ "i expanded", META_STRONG },
	{ "i revised", META_STRONG },
	{ "i rewrote", META_STRONG },
	{ "author's note", META_STRONG },
	{ "let me know", META_STRONG },
	{ "hope you enjoy", META_STRONG },
	{ "hope you enjoyed", META_STRONG },
	{ "here is", META_WEAK },
	{ "here's", META_WEAK },
	{ "here are", META_WEAK },
	{ "below is", META_WEAK },
	{ "revised", META_WEAK },
	{ "expanded", META_WEAK },
	{ "rewritten", META_WEAK },
	{ "rewrite", META_WEAK },
	{ "version", META_WEAK },
	{ "draft", META_WEAK },
	{ "note", META_WEAK },
};

/* Does word w read as the phrase word p[0, pn)? */
static int word_is(const struct word *w, const char *p, size_t pn)
{
	size_t i = 0, j = 0;
	while (i < w->n && j < pn) {
		if (p[j] == '\'' && w->n - i >= 3 && memcmp(w->s + i, "\xe2\x80\x99", 3) == 0) {
			i += 3;
			j++;
		} else if (tolower((unsigned char)w->s[i]) == p[j]) {
			i++;
			j++;
		} else {
			return 0;
		}
	}
	return i == w->n && j == pn;
}

/* Does the phrase start at word v[at] of v[0, n)? */
static int phrase_at(const struct word *v, size_t n, size_t at, const char *phrase)
{
	const char *p = phrase;
	for (size_t i = at;; i++) {
		const char *sp = strchr(p, ' ');
		size_t pn = sp ? (size_t)(sp - p) : strlen(p);
		if (i >= n || !word_is(&v[i], p, pn))
			return 0;
		if (!sp)
			return 1;
		p = sp + 1;
	}
}

/* Does [s, e) open with a quote mark, as dialogue does? */
static int opens_with_quote(const char *s, const char *e)
{
	while (s < e && isspace((unsigned char)*s))
		s++;
	if (s < e && (*s == '"' || *s == '\''))
		return 1;
	static const char *const quotes[] = {
		"\xe2\x80\x9c", "\xe2\x80\x98", "\xe2\x80\x9e", "\xc2\xab", "\xe3\x80\x8c",
	};
	for (size_t i = 0; i < AW_ARRAY_LEN(quotes); i++)
		if ((size_t)(e - s) >= strlen(quotes[i]) && memcmp(s, quotes[i], strlen(quotes[i])) == 0)
			return 1;
	return 0;
}

/* Is the line [s, e) meta-commentary?  *words gets its word count. */
static int meta_line(const char *s, const char *e, size_t *words)
{
	size_t n;
	struct word *v = split_words(s, e, &n);
	int weak_ok = !opens_with_quote(s, e), meta = 0;
	for (size_t k = 0; k < AW_ARRAY_LEN(meta_phrases) && !meta; k++) {
		const struct meta_phrase *m = &meta_phrases[k];
		if (m->scope == META_WEAK && !weak_ok)
			continue;
		size_t last = m->scope == META_WEAK && n > META_SHORT_WORDS ? 1 : n;
		for (size_t at = 0; at < last && !meta; at++)
			meta = phrase_at(v, n, at, m->words);
	}
	free(v);
	if (words)
		*words = n;
	return meta;
}

struct line {
	const char *s, *e; /* the line's bytes, without its '\n' */
};

static int blank(const char *s, const char *e)
{
	for (; s < e; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

/* The non-blank lines of text (malloc'd array, *n lines). */
static struct line *nonblank_lines(const char *text, size_t *n)
{
	size_t cap = 16, k = 0;
	struct line *v = xmalloc(cap * sizeof *v);
	for (const char *s = text; *s;) {
		const char *e = strchr(s, '\n');
		if (!e)
			e = s + strlen(s);
		if (!blank(s, e)) {
			if (k == cap)
				v = xrealloc(v, (cap *= 2) * sizeof *v);
			v[k].s = s;
			v[k++].e = e;
		}
		s = *e ? e + 1 : e;
	}
	*n = k;
	return v;
}

int lengthen_meta(const char *text)
{
	size_t n;
	struct line *l = nonblank_lines(text, &n);
	int meta = 0;
	for (size_t i = 0; i < n && !meta; i++)
		if (i < LENGTHEN_META_HEAD || i + LENGTHEN_META_TAIL >= n)
			meta = meta_line(l[i].s, l[i].e, NULL);
	free(l);
	return meta;
}

/* -------------------------------------------------------- first half */

/* The end of [s, e) without trailing white space. */
static const char *rtrim(const char *s, const char *e)
{
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	return e;
}

/* Split the single line [s, e) (e already trimmed): the sentence end nearest
 * its middle, else the word end nearest it, else e. */
static const char *split_line(const char *s, const char *e)
{
	const char *mid = s + (e - s) / 2, *best = NULL, *word = NULL;
	for (const char *p = s + 1; p < e; p++) {
		if (!isspace((unsigned char)*p) || isspace((unsigned char)p[-1]))
			continue;
		/* p ends a word */
		const char *w = p;
		while (w > s && !isspace((unsigned char)w[-1]))
			w--;
		if (span_ends_terminal(w, p) && (!best || labs((long)(p - mid)) < labs((long)(best - mid))))
			best = p;
		if (!word || labs((long)(p - mid)) < labs((long)(word - mid)))
			word = p;
	}
	return best ? best : word ? word : e;
}

size_t lengthen_first_half(const char *text)
{
	size_t n;
	struct line *l = nonblank_lines(text, &n);
	if (!n) {
		free(l);
		return 0;
	}
	/* Paragraph ends: the last line before a blank line (two newlines
	 * between it and the next line), or the last line. */
	size_t paragraphs = 0, *last = xmalloc(n * sizeof *last);
	for (size_t i = 0; i < n; i++)
		if (i + 1 == n || memchr(l[i].e + 1, '\n', (size_t)(l[i + 1].s - l[i].e - 1)))
			last[paragraphs++] = i;
	const char *end;
	if (paragraphs >= 2) {
		size_t i = last[paragraphs / 2 - 1];
		end = rtrim(l[i].s, l[i].e);
	} else if (n >= 2) { /* one paragraph of several lines */
		end = rtrim(l[n / 2 - 1].s, l[n / 2 - 1].e);
	} else {
		end = split_line(l[0].s, rtrim(l[0].s, l[0].e));
	}
	free(last);
	free(l);
	return (size_t)(end - text);
}

/* ---------------------------------------------------------- assemble */

/* Append the part [s, e), trimmed, with runs of blank lines made one and
 * trailing white space of lines dropped, after a blank line if o already
 * holds text.  Returns the new end of o. */
static char *append_part(const char *out, char *o, const char *s)
{
	const char *e = s + strlen(s);
	while (s < e && isspace((unsigned char)*s))
		s++;
	e = rtrim(s, e);
	if (s == e)
		return o;
	if (o > out) {
		memcpy(o, "\n\n", 2);
		o += 2;
	}
	int blank_run = 0;
	while (s < e) {
		const char *nl = memchr(s, '\n', (size_t)(e - s));
		const char *le = nl ? nl : e;
		const char *t = rtrim(s, le);
		if (t == s) {
			blank_run = 1;
		} else {
			if (o > out && o[-1] != '\n')
				*o++ = '\n';
			if (blank_run)
				*o++ = '\n';
			blank_run = 0;
			memcpy(o, s, (size_t)(t - s));
			o += t - s;
		}
		s = nl ? nl + 1 : e;
	}
	return o;
}

char *lengthen_assemble(const char *expanded_first, const char *rest_of_original,
			const char *continuation)
{
	const char *part[3] = { expanded_first, rest_of_original, continuation };
	size_t cap = 1;
	for (int i = 0; i < 3; i++)
		cap += (part[i] ? strlen(part[i]) : 0) + 2;
	char *out = xmalloc(cap), *o = out;
	for (int i = 0; i < 3; i++)
		if (part[i])
			o = append_part(out, o, part[i]);
	*o = '\0';
	return out;
}

/* --------------------------------------------------------- strip meta */

/* A Markdown rule: "---", "***", "___", "* * *" and the like. */
static int rule_line(const char *s, const char *e)
{
	int marks = 0;
	for (; s < e; s++) {
		if (*s == '-' || *s == '*' || *s == '_' || *s == '=')
			marks++;
		else if (!isspace((unsigned char)*s))
			return 0;
	}
	return marks >= 3;
}

/* Does the line end in ':' (trailing emphasis and heading marks aside)? */
static int ends_in_colon(const char *s, const char *e)
{
	while (e > s && (isspace((unsigned char)e[-1]) || strchr("*_#", e[-1])))
		e--;
	return e > s && e[-1] == ':';
}

char *lengthen_strip_meta(const char *text)
{
	size_t n, words;
	struct line *l = nonblank_lines(text, &n);
	size_t first = 0, end = n; /* the lines kept: [first, end) */
	if (n && meta_line(l[0].s, l[0].e, &words) &&
	    (ends_in_colon(l[0].s, l[0].e) || words <= META_SHORT_WORDS)) {
		first = 1;
		if (first < end && rule_line(l[first].s, l[first].e))
			first++;
	}
	if (end > first) {
		size_t nw;
		struct word *v = split_words(l[end - 1].s, l[end - 1].e, &nw);
		int count = 0;
		for (size_t at = 0; at < nw && !count; at++)
			count = phrase_at(v, nw, at, "word count") || phrase_at(v, nw, at, "wordcount");
		free(v);
		if (count && nw <= 8) {
			end--;
			if (end > first && rule_line(l[end - 1].s, l[end - 1].e))
				end--;
		}
	}
	char *out = NULL;
	if (end > first) {
		const char *s = l[first].s, *e = l[end - 1].e;
		while (isspace((unsigned char)*s))
			s++;
		out = xstrndup(s, (size_t)(rtrim(s, e) - s));
	}
	free(l);
	if (out && (text_count_words(out) == 0 || lengthen_meta(out))) {
		free(out);
		out = NULL;
	}
	return out;
}
