/*
 * test_data.c - reading and validating text files and lists (src/data.c).
 */
#include "unit.h"
#include "aw/data.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Read a list from a file holding len bytes of data; returns the result,
 * the list in *l and the message in err. */
static int read_list(const char *dir, const void *data, size_t len, struct strlist *l, char *err,
		     size_t errlen, char **path)
{
	char *p = tu_write(dir, "list.txt", data, len);
	int rc = data_read_list(p, l, err, errlen);
	if (path)
		*path = p;
	else
		free(p);
	return rc;
}

static void test_list_comments_blank_trim(void **state)
{
	const char *dir = *state;
	const char text[] = "# styles, one a line\n"
			    "\n"
			    "   \n"
			    "  Hemingway: short sentences  \n"
			    "\tLe Guin: quiet, humane\t\r\n"
			    "  # an indented comment\n"
			    "Carver # a hash inside an item is kept\n"
			    "\r\n"
			    "last line without newline";
	struct strlist l;
	char err[512] = "";
	assert_int_equal(read_list(dir, text, strlen(text), &l, err, sizeof err, NULL), 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.v[0], "Hemingway: short sentences");
	assert_string_equal(l.v[1], "Le Guin: quiet, humane");
	assert_string_equal(l.v[2], "Carver # a hash inside an item is kept");
	assert_string_equal(l.v[3], "last line without newline");
	strlist_free(&l);
	assert_null(l.v);
	assert_int_equal(l.n, 0);
}

static void test_list_utf8_items(void **state)
{
	const char *dir = *state;
	const char text[] = "Bashō — haiku\nGarcía Márquez\n😀 emoji\n";
	struct strlist l;
	char err[512] = "";
	assert_int_equal(read_list(dir, text, strlen(text), &l, err, sizeof err, NULL), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0], "Bashō — haiku");
	assert_string_equal(l.v[2], "😀 emoji");
	strlist_free(&l);
}

static void test_list_empty(void **state)
{
	const char *dir = *state;
	struct strlist l;
	char err[512] = "";
	char *path;
	const char only_comments[] = "# nothing here\n\n   # nor here\n";
	assert_int_equal(read_list(dir, only_comments, strlen(only_comments), &l, err, sizeof err,
				   &path),
			 -1);
	assert_true(tu_contains(err, path));
	assert_int_equal(l.n, 0);
	assert_null(l.v);
	free(path);

	err[0] = '\0';
	assert_int_equal(read_list(dir, "", 0, &l, err, sizeof err, &path), -1);
	assert_true(tu_contains(err, path));
	free(path);

	err[0] = '\0';
	assert_int_equal(read_list(dir, " \n\t\r\n\n", 6, &l, err, sizeof err, &path), -1);
	assert_true(tu_contains(err, path));
	free(path);
}

static void test_list_invalid_utf8(void **state)
{
	const char *dir = *state;
	const char text[] = "ok one\nok two\nbad \xc3\x28 here\nok four\n";
	struct strlist l;
	char err[512] = "";
	char *path;
	assert_int_equal(read_list(dir, text, strlen(text), &l, err, sizeof err, &path), -1);
	assert_true(tu_contains(err, path));
	assert_true(tu_contains(err, "line 3"));
	assert_true(tu_contains(err, "UTF-8"));
	assert_int_equal(l.n, 0);
	free(path);

	/* Latin-1 on the first line */
	err[0] = '\0';
	assert_int_equal(read_list(dir, "caf\xe9\n", 5, &l, err, sizeof err, NULL), -1);
	assert_true(tu_contains(err, "line 1"));
}

static void test_list_nul_byte(void **state)
{
	const char *dir = *state;
	const char text[] = "one\ntw\0o\nthree\n";
	struct strlist l;
	char err[512] = "";
	char *path;
	assert_int_equal(read_list(dir, text, sizeof text - 1, &l, err, sizeof err, &path), -1);
	assert_true(tu_contains(err, path));
	assert_true(tu_contains(err, "line 2"));
	assert_true(tu_contains(err, "NUL"));
	free(path);
}

static void test_list_control_character(void **state)
{
	const char *dir = *state;
	const char text[] = "one\ntwo\nth\x1bree\n";
	struct strlist l;
	char err[512] = "";
	assert_int_equal(read_list(dir, text, strlen(text), &l, err, sizeof err, NULL), -1);
	assert_true(tu_contains(err, "line 3"));
	assert_int_equal(l.n, 0);
	assert_null(l.v);
}

static void test_list_long_item(void **state)
{
	const char *dir = *state;
	size_t n = DATA_MAX_LINE;
	char *text = malloc(n + 16);
	assert_non_null(text);
	memcpy(text, "first\n", 6);
	memset(text + 6, 'x', n);
	text[6 + n] = '\n';
	struct strlist l;
	char err[512] = "";
	/* exactly DATA_MAX_LINE bytes is accepted */
	assert_int_equal(read_list(dir, text, n + 7, &l, err, sizeof err, NULL), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(strlen(l.v[1]), n);
	strlist_free(&l);
	/* one more byte is not */
	memset(text + 6, 'x', n + 1);
	text[7 + n] = '\n';
	assert_int_equal(read_list(dir, text, n + 8, &l, err, sizeof err, NULL), -1);
	assert_true(tu_contains(err, "line 2"));
	free(text);
}

static void test_missing_file(void **state)
{
	const char *dir = *state;
	char path[4096];
	snprintf(path, sizeof path, "%s/no-such-list.txt", dir);
	struct strlist l;
	char err[512] = "";
	assert_int_equal(data_read_list(path, &l, err, sizeof err), -1);
	assert_true(tu_contains(err, path));
	assert_true(tu_contains(err, strerror(ENOENT)));
	char *text = (char *)"untouched";
	err[0] = '\0';
	assert_int_equal(data_read_text(path, &text, err, sizeof err), -1);
	assert_true(tu_contains(err, path));
	assert_true(tu_contains(err, strerror(ENOENT)));
	assert_string_equal(text, "untouched");
}

static void test_directory(void **state)
{
	const char *dir = *state;
	struct strlist l;
	char err[512] = "";
	assert_int_equal(data_read_list(dir, &l, err, sizeof err), -1);
	assert_true(tu_contains(err, dir));
	assert_true(tu_contains(err, "directory"));
	char *text = NULL;
	err[0] = '\0';
	assert_int_equal(data_read_text(dir, &text, err, sizeof err), -1);
	assert_true(tu_contains(err, dir));
	assert_null(text);
}

static void test_read_text(void **state)
{
	const char *dir = *state;
	const char body[] = "  Write a story about a lighthouse keeper.\n\n“Quoted” line.\n";
	char *path = tu_write_str(dir, "prompt.txt", body);
	char *text = NULL;
	char err[512] = "";
	assert_int_equal(data_read_text(path, &text, err, sizeof err), 0);
	/* the text is returned as it is, not trimmed */
	assert_string_equal(text, body);
	free(text);
	free(path);
}

static void test_read_text_too_large(void **state)
{
	const char *dir = *state;
	size_t n = DATA_MAX_FILE + 1;
	char *big = malloc(n);
	assert_non_null(big);
	memset(big, 'a', n);
	for (size_t i = 79; i < n; i += 80)
		big[i] = '\n';
	char *path = tu_write(dir, "big.txt", big, n);
	char *text = NULL;
	char err[512] = "";
	assert_int_equal(data_read_text(path, &text, err, sizeof err), -1);
	assert_true(tu_contains(err, path));
	assert_null(text);
	free(path);
	/* exactly the limit is accepted */
	path = tu_write(dir, "limit.txt", big, n - 1);
	assert_int_equal(data_read_text(path, &text, err, sizeof err), 0);
	assert_int_equal(strlen(text), n - 1);
	free(text);
	free(path);
	free(big);
}

/* ------------------------------------------------------ data_utf8_valid */

static void expect_utf8(const char *s, size_t n, int valid, size_t bad_at)
{
	size_t bad = 12345;
	int rc = data_utf8_valid(s, n, &bad);
	assert_int_equal(rc, valid);
	if (!valid)
		assert_int_equal(bad, bad_at);
}

#define VALID(s) expect_utf8((s), sizeof(s) - 1, 1, 0)
#define INVALID(s, at) expect_utf8((s), sizeof(s) - 1, 0, (at))

static void test_utf8_valid(void **state)
{
	(void)state;
	VALID("");
	VALID("plain ASCII\n\t~");
	VALID("caf\xc3\xa9");                 /* é, U+00E9 */
	VALID("\xc2\x80");                    /* U+0080, smallest 2-byte */
	VALID("\xdf\xbf");                    /* U+07FF */
	VALID("\xe0\xa0\x80");                /* U+0800, smallest 3-byte */
	VALID("\xe2\x82\xac");                /* € */
	VALID("\xed\x9f\xbf");                /* U+D7FF, just below the surrogates */
	VALID("\xee\x80\x80");                /* U+E000, just above them */
	VALID("\xef\xbf\xbf");                /* U+FFFF */
	VALID("\xf0\x90\x80\x80");            /* U+10000, smallest 4-byte */
	VALID("\xf0\x9f\x98\x80");            /* 😀 */
	VALID("\xf4\x8f\xbf\xbf");            /* U+10FFFF, the largest */
	assert_int_equal(data_utf8_valid("abc", 3, NULL), 1);
}

static void test_utf8_overlong(void **state)
{
	(void)state;
	INVALID("\xc0\x80", 0);               /* NUL in two bytes */
	INVALID("\xc0\xaf", 0);               /* '/' in two bytes */
	INVALID("ab\xc1\xbf", 2);             /* U+007F in two bytes */
	INVALID("\xe0\x80\x80", 0);           /* NUL in three */
	INVALID("x\xe0\x9f\xbf", 1);          /* U+07FF in three */
	INVALID("\xf0\x80\x80\x80", 0);       /* NUL in four */
	INVALID("\xf0\x8f\xbf\xbf", 0);       /* U+FFFF in four */
	INVALID("\xf8\x88\x80\x80\x80", 0);   /* five-byte form */
	INVALID("\xfc\x84\x80\x80\x80\x80", 0);
}

static void test_utf8_surrogates_and_range(void **state)
{
	(void)state;
	INVALID("\xed\xa0\x80", 0);           /* U+D800 */
	INVALID("ok \xed\xbf\xbf", 3);        /* U+DFFF */
	INVALID("\xed\xa0\xbd\xed\xb8\x80", 0); /* CESU-8 pair for 😀 */
	INVALID("\xf4\x90\x80\x80", 0);       /* U+110000 */
	INVALID("\xf5\x80\x80\x80", 0);
	INVALID("\xff", 0);
	INVALID("\xfe", 0);
}

static void test_utf8_broken_sequences(void **state)
{
	(void)state;
	INVALID("\x80", 0);                   /* lone continuation */
	INVALID("abc\xbf", 3);
	INVALID("\xc3", 0);                   /* truncated at the end */
	INVALID("\xe2\x82", 0);
	INVALID("\xf0\x9f\x98", 0);
	INVALID("\xc3\x28", 0);               /* continuation missing */
	INVALID("\xe2\x28\xa1", 0);
	INVALID("\xe2\x82\x28", 0);
	INVALID("\xc3\xa9\xc3", 2);           /* é then a truncated one */
	/* only the first n bytes count */
	assert_int_equal(data_utf8_valid("ok\xff", 2, NULL), 1);
	size_t bad = 0;
	assert_int_equal(data_utf8_valid("\xc3\xa9", 1, &bad), 0);
	assert_int_equal(bad, 0);
}

int run_data_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_list_comments_blank_trim, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_list_utf8_items, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_list_empty, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_list_invalid_utf8, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_list_nul_byte, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_list_control_character, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_list_long_item, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_missing_file, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_directory, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_read_text, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_read_text_too_large, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_utf8_overlong),
		cmocka_unit_test(test_utf8_surrogates_and_range),
		cmocka_unit_test(test_utf8_broken_sequences),
	};
	return cmocka_run_group_tests_name("data", tests, NULL, NULL);
}
