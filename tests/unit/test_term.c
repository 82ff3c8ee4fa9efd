/*
 * test_term.c - terminal width and cutting text to columns (src/term.c).
 */
#include "unit.h"
#include "aw/term.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_width(void **state)
{
	(void)state;
	int fd = dup(STDOUT_FILENO);
	char *saved = getenv("COLUMNS") ? strdup(getenv("COLUMNS")) : NULL;
	/* a pipe is no terminal: $COLUMNS, else 80, never below 20 */
	int p[2];
	assert_int_equal(pipe(p), 0);
	setenv("COLUMNS", "132", 1);
	assert_int_equal(term_width(p[1]), 132);
	setenv("COLUMNS", "5", 1);
	assert_int_equal(term_width(p[1]), 20);
	setenv("COLUMNS", "wide", 1);
	assert_int_equal(term_width(p[1]), 80);
	unsetenv("COLUMNS");
	assert_int_equal(term_width(p[1]), 80);
	close(p[0]);
	close(p[1]);
	close(fd);
	if (saved) {
		setenv("COLUMNS", saved, 1);
		free(saved);
	}
}

static void test_columns(void **state)
{
	(void)state;
	const char *s = "caf\xc3\xa9 \xe2\x80\x94 x"; /* "café — x": 8 characters */
	assert_int_equal(term_columns(s, strlen(s)), 8);
	assert_int_equal(term_fit(s, strlen(s), 4), 5);  /* "café" is 5 bytes */
	assert_int_equal(term_fit(s, strlen(s), 3), 3);
	assert_int_equal(term_fit(s, strlen(s), 6), 9);  /* never half a dash */
	assert_int_equal(term_fit(s, strlen(s), 100), strlen(s));
	assert_int_equal(term_fit(s, strlen(s), 0), 0);
}

int run_term_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_columns),
	};
	return cmocka_run_group_tests_name("term", tests, NULL, NULL);
}
