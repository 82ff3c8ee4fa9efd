/*
 * test_html.c - escaping for the report (src/html.c): markup, quotes and
 * ampersands, bad UTF-8 and control characters, safe anchors, and a word
 * difference rendered with <del> and <ins> that gives back both texts.
 */
#include "unit.h"
#include "aw/buf.h"
#include "aw/html.h"
#include "aw/wdiff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *esc(const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	html_textn(&b, s, n);
	return buf_detach(&b);
}

static void test_escape(void **state)
{
	(void)state;
	const char *story = "</script><script>alert(1)</script><img src=x onerror=\"alert('x')\"> & co";
	char *e = esc(story, strlen(story));
	assert_string_equal(e, "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x "
			       "onerror=&quot;alert(&#39;x&#39;)&quot;&gt; &amp; co");
	assert_null(strchr(e, '<'));
	assert_null(strchr(e, '"'));
	free(e);
	/* text that needs nothing passes unchanged, UTF-8 included */
	e = esc("caf\xc3\xa9 \xe2\x80\x94 ok\n\ttab", 17);
	assert_string_equal(e, "caf\xc3\xa9 \xe2\x80\x94 ok\n\ttab");
	free(e);
	/* an &amp; already escaped is escaped again: text is text */
	e = esc("&amp;", 5);
	assert_string_equal(e, "&amp;amp;");
	free(e);
}

static void test_bad_bytes(void **state)
{
	(void)state;
	/* a lone continuation byte, a truncated sequence, an overlong '/',
	 * a surrogate, NUL and other controls, C1 controls: each U+FFFD */
	static const char in[] = "a\x80" "b\xe2\x82" "c\xc0\xaf" "d\xed\xa0\x80" "e\x01\x1b\x7f"
				 "f\xc2\x85" "g";
	char *e = esc(in, sizeof in - 1);
	const char *r = "\xef\xbf\xbd";
	struct buf want = BUF_INIT;
	buf_printf(&want, "a%sb%s%sc%s%sd%s%s%se%s%s%sf%sg", r, r, r, r, r, r, r, r, r, r, r, r);
	/* "\xe2\x82" then 'c': two bad bytes, each replaced */
	assert_string_equal(e, want.data);
	buf_release(&want);
	free(e);
	/* NUL in the middle of counted text */
	e = esc("x\0y", 3);
	assert_string_equal(e, "x\xef\xbf\xbdy");
	free(e);
}

static void test_anchor(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	html_anchor(&b, "story-", "g5-005");
	assert_string_equal(b.data, "story-g5-005");
	buf_reset(&b);
	html_anchor(&b, "story-", "a b\"<_");
	assert_string_equal(b.data, "story-a_20b_22_3C_5F");
	buf_reset(&b);
	/* distinct ids stay distinct: "_" itself is escaped */
	html_anchor(&b, "", "a_20b");
	assert_string_equal(b.data, "a_5F20b");
	buf_release(&b);
}

/* Remove every <tag> and the content of the elements named skip, then
 * unescape the five entities. */
static char *strip(const char *html, const char *skip)
{
	char *out = calloc(strlen(html) + 1, 1), *o = out;
	char open[16], close[16];
	snprintf(open, sizeof open, "<%s>", skip);
	snprintf(close, sizeof close, "</%s>", skip);
	for (const char *p = html; *p;) {
		if (!strncmp(p, open, strlen(open))) {
			p = strstr(p, close) + strlen(close);
		} else if (*p == '<') {
			p = strchr(p, '>') + 1;
		} else if (*p == '&') {
			static const char *const ent[][2] = { { "&amp;", "&" }, { "&lt;", "<" },
							      { "&gt;", ">" }, { "&quot;", "\"" },
							      { "&#39;", "'" } };
			size_t k;
			for (k = 0; k < 5 && strncmp(p, ent[k][0], strlen(ent[k][0])); k++)
				;
			assert_true(k < 5);
			*o++ = ent[k][1][0];
			p += strlen(ent[k][0]);
		} else {
			*o++ = *p++;
		}
	}
	return out;
}

/* Words of s joined by single spaces. */
static char *norm(const char *s)
{
	char *out = calloc(strlen(s) + 1, 1), *o = out;
	for (const char *p = s; *p;) {
		if (strchr(" \t\n\r", *p)) {
			while (*p && strchr(" \t\n\r", *p))
				p++;
			if (o > out && *p)
				*o++ = ' ';
		} else {
			*o++ = *p++;
		}
	}
	return out;
}

static void check_diff(const char *a, const char *b)
{
	struct wdiff d;
	struct buf h = BUF_INIT;
	wdiff_compute(&d, a, b);
	wdiff_cleanup(&d);
	html_diff(&h, &d);
	/* without the deletions: exactly the new text, whitespace and all */
	char *new_text = strip(h.data, "del");
	assert_string_equal(new_text, b);
	/* without the insertions: the old text's words */
	char *old_text = strip(h.data, "ins"), *n1 = norm(old_text), *n2 = norm(a);
	assert_string_equal(n1, n2);
	free(new_text);
	free(old_text);
	free(n1);
	free(n2);
	buf_release(&h);
	wdiff_release(&d);
}

static void test_diff_html(void **state)
{
	(void)state;
	struct wdiff d;
	struct buf h = BUF_INIT;
	wdiff_compute(&d, "the cat sat", "the dog sat");
	html_diff(&h, &d);
	assert_string_equal(h.data, "the <del>cat </del><ins>dog</ins> sat");
	buf_release(&h);
	wdiff_release(&d);

	wdiff_compute(&d, "A <b> & \"q\"", "A <i> & 'q'");
	html_diff(&h, &d);
	assert_string_equal(h.data, "A <del>&lt;b&gt; </del><ins>&lt;i&gt;</ins> &amp; "
				    "<del>&quot;q&quot; </del><ins>&#39;q&#39;</ins>");
	buf_release(&h);
	wdiff_release(&d);

	check_diff("One two.\n\nThree four five.", "One two.\n\nThree six five.\n\nSeven.");
	check_diff("  lead and trail  ", "lead trail");
	check_diff("gone entirely", "");
	check_diff("", "  all new text\n");
	check_diff("a b c d e f g h", "h g f e d c b a");
	check_diff("x </script> y", "x <img onerror=alert(1)> y & z");
}

int run_html_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_bad_bytes),
		cmocka_unit_test(test_anchor),
		cmocka_unit_test(test_diff_html),
	};
	return cmocka_run_group_tests_name("html", tests, NULL, NULL);
}
