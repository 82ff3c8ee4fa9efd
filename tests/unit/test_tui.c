/*
 * test_tui.c - the text side of the terminal module (src/tui.c): display
 * widths of common scripts, UTF-8 decoding, wrapping to a width (never a
 * line too wide, every word kept, paragraphs kept, long words broken,
 * control characters made harmless), and fitting a line to a cell.
 */
#include "unit.h"
#include "aw/rng.h"
#include "aw/tui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int width_of(const char *s)
{
	return tui_text_width(s, strlen(s));
}

static void test_widths(void **state)
{
	(void)state;
	assert_int_equal(tui_char_width('a'), 1);
	assert_int_equal(tui_char_width(0xe9), 1);    /* é */
	assert_int_equal(tui_char_width(0x0301), 0);  /* combining acute */
	assert_int_equal(tui_char_width(0x200b), 0);  /* zero width space */
	assert_int_equal(tui_char_width(0xfe0f), 0);  /* variation selector */
	assert_int_equal(tui_char_width(0x4e2d), 2);  /* 中 */
	assert_int_equal(tui_char_width(0x3042), 2);  /* あ */
	assert_int_equal(tui_char_width(0xac00), 2);  /* 가 */
	assert_int_equal(tui_char_width(0xff21), 2);  /* fullwidth A */
	assert_int_equal(tui_char_width(0x1f600), 2); /* 😀 */
	assert_int_equal(tui_char_width(0x0416), 1);  /* Ж */
	assert_int_equal(tui_char_width(0x05d0), 1);  /* א */
	assert_int_equal(tui_char_width(0x0915), 1);  /* क */
	assert_int_equal(width_of("caf\xc3\xa9"), 4);          /* café, precomposed */
	assert_int_equal(width_of("cafe\xcc\x81"), 4);         /* café, decomposed */
	assert_int_equal(width_of("\xe4\xb8\xad\xe6\x96\x87"), 4); /* 中文 */
	assert_int_equal(width_of("\xf0\x9f\x98\x80!"), 3);     /* 😀! */
}

static void test_decode(void **state)
{
	(void)state;
	uint32_t c;
	assert_int_equal(tui_utf8_decode("A", 1, &c), 1);
	assert_int_equal(c, 'A');
	assert_int_equal(tui_utf8_decode("\xe4\xb8\xad", 3, &c), 3);
	assert_int_equal(c, 0x4e2d);
	assert_int_equal(tui_utf8_decode("\xf0\x9f\x98\x80", 4, &c), 4);
	assert_int_equal(c, 0x1f600);
	assert_int_equal(tui_utf8_decode("\xe4\xb8", 2, &c), 0);        /* cut short */
	assert_int_equal(tui_utf8_decode("\xc0\xaf", 2, &c), 0);        /* overlong */
	assert_int_equal(tui_utf8_decode("\xed\xa0\x80", 3, &c), 0);    /* surrogate */
	assert_int_equal(tui_utf8_decode("\xff", 1, &c), 0);
	assert_int_equal(c, 0xfffd);
}

/* Wrap text to width and check every line's width. */
static struct tui_lines wrap(const char *text, int width)
{
	struct tui_lines l = { 0 };
	tui_wrap(text, width, &l);
	for (size_t i = 0; i < l.n; i++)
		if (width_of(l.v[i]) > width)
			fail_msg("line %zu \"%s\" is %d columns wide, more than %d", i, l.v[i],
				 width_of(l.v[i]), width);
	return l;
}

static void expect_lines(const char *text, int width, const char *const *want, size_t n)
{
	struct tui_lines l = wrap(text, width);
	if (l.n != n)
		fail_msg("%zu lines, expected %zu (first: \"%s\")", l.n, n, l.n ? l.v[0] : "");
	for (size_t i = 0; i < n; i++)
		assert_string_equal(l.v[i], want[i]);
	tui_lines_free(&l);
}

static void test_wrap_ascii(void **state)
{
	(void)state;
	const char *a[] = { "The quick brown", "fox jumps over", "the lazy dog." };
	expect_lines("The quick brown fox jumps over the lazy dog.", 15, a, 3);
	const char *b[] = { "exactly ten", "chars" };
	expect_lines("exactly ten chars", 11, b, 2);
	/* paragraphs and empty lines stay; runs of spaces collapse; tabs are spaces */
	const char *c[] = { "One.", "", "Two is", "here." };
	expect_lines("One.\n\nTwo \t is    here.", 7, c, 4);
	/* a word wider than the line is broken between characters */
	const char *d[] = { "abcdef", "ghij x" };
	expect_lines("abcdefghij x", 6, d, 2);
	const char *e[] = { "" };
	expect_lines("\n", 10, e, 1);
	expect_lines("", 10, NULL, 0);
	const char *f[] = { "a", "b" };
	expect_lines("a\r\nb", 10, f, 2); /* CRLF */
}

static void test_wrap_scripts(void **state)
{
	(void)state;
	/* CJK: two columns each, broken between characters */
	const char *a[] = { "\xe4\xb8\xad\xe6\x96\x87\xe4\xb8\xad", "\xe6\x96\x87" };
	expect_lines("\xe4\xb8\xad\xe6\x96\x87\xe4\xb8\xad\xe6\x96\x87", 7, a, 2);
	/* a wide character never splits over the edge */
	const char *b[] = { "ab", "\xe4\xb8\xad" };
	expect_lines("ab\xe4\xb8\xad", 3, b, 2);
	/* combining marks stay with their letter and take no room */
	const char *c[] = { "cafe\xcc\x81 cafe\xcc\x81", "cafe\xcc\x81" };
	expect_lines("cafe\xcc\x81 cafe\xcc\x81 cafe\xcc\x81", 9, c, 2);
	/* Cyrillic and emoji */
	const char *d[] = { "\xd0\x96\xd0\x96\xd0\x96 \xf0\x9f\x98\x80", "\xd0\x96" };
	expect_lines("\xd0\x96\xd0\x96\xd0\x96 \xf0\x9f\x98\x80 \xd0\x96", 6, d, 2);
}

static void test_wrap_hostile(void **state)
{
	(void)state;
	/* ESC and other controls become U+FFFD: a story cannot drive the
	 * terminal; bidirectional overrides are dropped; bad bytes too */
	struct tui_lines l = wrap("a\x1b[2Jb \x07 c\xe2\x80\xae" "d \xff!", 40);
	assert_int_equal(l.n, 1);
	assert_null(strchr(l.v[0], 0x1b));
	assert_null(strchr(l.v[0], 0x07));
	assert_null(strstr(l.v[0], "\xe2\x80\xae"));
	assert_string_equal(l.v[0], "a\xef\xbf\xbd[2Jb \xef\xbf\xbd cd \xef\xbf\xbd!");
	tui_lines_free(&l);
}

/* Random texts: no line too wide, and the words are all there, in order. */
static void test_wrap_property(void **state)
{
	(void)state;
	static const char *const words[] = { "a", "tale", "of", "\xe4\xb8\xad\xe6\x96\x87",
					     "na\xc3\xafve", "e\xcc\x81t\xc3\xa9", "\xf0\x9f\x98\x80",
					     "supercalifragilisticexpialidocious", "\xd0\x96\xd0\xb8\xd0\xb7\xd0\xbd\xd1\x8c",
					     "\n", "\n\n", "end." };
	struct rng r;
	rng_seed(&r, 99);
	for (int round = 0; round < 300; round++) {
		char text[4096] = "", joined[4096] = "", flat[4096] = "";
		int nw = (int)rng_below(&r, 60);
		for (int i = 0; i < nw; i++) {
			const char *w = words[rng_below(&r, sizeof words / sizeof words[0])];
			strcat(text, w);
			if (w[0] != '\n') {
				strcat(text, " ");
				strcat(flat, w);
			}
		}
		int width = 2 + (int)rng_below(&r, 40);
		struct tui_lines l = wrap(text, width);
		for (size_t i = 0; i < l.n; i++) {
			for (char *p = l.v[i]; *p; p++)
				if (*p != ' ')
					strncat(joined, p, 1);
			assert_true(l.v[i][0] == '\0' || l.v[i][strlen(l.v[i]) - 1] != ' ');
		}
		assert_string_equal(joined, flat);
		tui_lines_free(&l);
	}
}

static void test_fit(void **state)
{
	(void)state;
	char out[64];
	tui_fit("hello world", 5, 0, out, sizeof out);
	assert_string_equal(out, "hello");
	tui_fit("hi", 5, 1, out, sizeof out);
	assert_string_equal(out, "hi   ");
	tui_fit("\xe4\xb8\xad\xe6\x96\x87", 3, 1, out, sizeof out); /* 中 fits, 文 does not */
	assert_string_equal(out, "\xe4\xb8\xad ");
	tui_fit("abcdef", 10, 1, out, 5); /* the buffer is the limit */
	assert_string_equal(out, "abcd");
}

int run_tui_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_widths),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_wrap_ascii),
		cmocka_unit_test(test_wrap_scripts),
		cmocka_unit_test(test_wrap_hostile),
		cmocka_unit_test(test_wrap_property),
		cmocka_unit_test(test_fit),
	};
	return cmocka_run_group_tests_name("tui", tests, NULL, NULL);
}
