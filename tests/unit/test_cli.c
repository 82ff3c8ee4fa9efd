/*
 * test_cli.c - the option-table machinery every command uses (src/cli.c):
 * defaults from the table, one strict rule for numbers, ranges with open
 * ends, choices, repeatable options, --help and the man page from the same
 * rows.
 */
#include "unit.h"
#include "aw/cli.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct demo {
	long n;
	double p;
	uint64_t seed;
	int flag;
	int color;
	const char *name;
	struct cli_list tags;
};

static const char *const colors[] = { "red", "green", "blue", NULL };

#define F(field) offsetof(struct demo, field)

static const struct cli_row demo_rows[] = {
	{ "n", CLI_LONG, F(n), -5, 100, "N", "a whole number", "7", NULL, NULL, 0 },
	{ "p", CLI_DOUBLE, F(p), 0, 1, "P", "an open fraction", "0.5", NULL, NULL, CLI_GT_MIN | CLI_LT_MAX },
	{ "seed", CLI_U64, F(seed), 0, 9007199254740991.0, "S", "a seed", NULL, "from the clock", NULL, 0 },
	{ "flag", CLI_FLAG, F(flag), 0, 0, NULL, "a flag", NULL, NULL, NULL, 0 },
	{ "color", CLI_CHOICE, F(color), 0, 0, "C", "a color", "green", NULL, colors, 0 },
	{ "name", CLI_STR, F(name), 0, 0, "X", "a name", NULL, NULL, NULL, 0 },
	{ "tag", CLI_LIST, F(tags), 0, 0, "T", "a tag (repeatable)", NULL, NULL, NULL, 0 },
	{ "secret", CLI_FLAG, F(flag), 0, 0, NULL, "not shown", NULL, NULL, NULL, CLI_HIDDEN },
	{ "help", CLI_HELP, 0, 0, 0, NULL, "show this help and exit", NULL, NULL, NULL, 0 },
};

static const struct cli_command demo = {
	"demo", "alphawrite demo [options] FILE", "A command for the tests.", demo_rows,
	sizeof demo_rows / sizeof demo_rows[0], "exit status: 0 ok\n",
};

static enum cli_result parse(struct demo *d, unsigned char *given, int *first, int argc,
			     const char **argv)
{
	memset(d, 0, sizeof *d);
	return cli_parse(&demo, d, given, argc, (char **)argv, first);
}

/* Defaults come from the table, parsed like arguments. */
static void test_defaults(void **state)
{
	(void)state;
	struct demo d;
	unsigned char given[16];
	int first;
	const char *argv[] = { "demo", "file.txt" };
	assert_int_equal(parse(&d, given, &first, 2, argv), CLI_RUN);
	assert_int_equal((int)d.n, 7);
	assert_true(d.p == 0.5);
	assert_int_equal(d.color, 1);
	assert_null(d.name);
	assert_int_equal(first, 1);
	for (size_t i = 0; i < 9; i++)
		assert_int_equal(given[i], 0);
}

static void test_values(void **state)
{
	(void)state;
	struct demo d;
	unsigned char given[16];
	int first;
	const char *argv[] = { "demo", "--n", "-5", "--p=0.25", "--seed", "9007199254740991",
			       "--flag", "--color", "blue", "--name", "x y", "--tag", "a",
			       "--tag", "b", "rest" };
	assert_int_equal(parse(&d, given, &first, 16, argv), CLI_RUN);
	assert_int_equal((int)d.n, -5);
	assert_true(d.p == 0.25);
	assert_true(d.seed == 9007199254740991ULL);
	assert_int_equal(d.flag, 1);
	assert_int_equal(d.color, 2);
	assert_string_equal(d.name, "x y");
	assert_int_equal((int)d.tags.n, 2);
	assert_string_equal(d.tags.v[1], "b");
	assert_int_equal(given[0] + given[1] + given[2] + given[6], 4);
	assert_string_equal(argv[first], "rest");
	cli_list_free(&d.tags);
}

/* One strict rule for numbers: no blanks, no '+', no hex, no inf or nan,
 * and the range, open ends included. */
static void test_strict_numbers(void **state)
{
	(void)state;
	static const char *const bad_long[] = { " 5", "5 ", "+5", "0x10", "5.0", "1e2", "",
						"-", "101", "-6", "99999999999999999999" };
	static const char *const bad_double[] = { " 0.5", "0.5 ", "+0.5", "0x1p-1", "inf",
						  "nan", "0", "1", "1.5", ".", "1e", "-0.1" };
	static const char *const good_double[] = { "0.5", ".5", "5e-1", "0.999", "1E-3" };
	static const char *const bad_seed[] = { "-1", "+1", " 1", "9007199254740992", "1.0" };
	struct demo d;
	int first;
	char err[256];
	for (size_t i = 0; i < sizeof bad_long / sizeof *bad_long; i++) {
		memset(&d, 0, sizeof d);
		assert_int_equal(cli_set(&demo_rows[0], &d, bad_long[i], err, sizeof err), -1);
		assert_true(tu_contains(err, "--n"));
	}
	for (size_t i = 0; i < sizeof bad_double / sizeof *bad_double; i++)
		assert_int_equal(cli_set(&demo_rows[1], &d, bad_double[i], err, sizeof err), -1);
	for (size_t i = 0; i < sizeof good_double / sizeof *good_double; i++)
		assert_int_equal(cli_set(&demo_rows[1], &d, good_double[i], err, sizeof err), 0);
	for (size_t i = 0; i < sizeof bad_seed / sizeof *bad_seed; i++)
		assert_int_equal(cli_set(&demo_rows[2], &d, bad_seed[i], err, sizeof err), -1);
	assert_int_equal(cli_set(&demo_rows[1], &d, "0", err, sizeof err), -1);
	assert_true(tu_contains(err, "out of range (>0..<1)"));

	/* through the parser: a usage error */
	const char *argv[] = { "demo", "--n", "+5" };
	tu_stdout_silence();
	assert_int_equal(parse(&d, NULL, &first, 3, argv), CLI_USAGE);
	tu_stdout_restore();
}

static void test_misuse(void **state)
{
	(void)state;
	struct demo d;
	int first;
	const char *unknown[] = { "demo", "--nope" };
	const char *missing[] = { "demo", "--n" };
	const char *choice[] = { "demo", "--color", "mauve" };
	const char *empty[] = { "demo", "--name", "" };
	assert_int_equal(parse(&d, NULL, &first, 2, unknown), CLI_USAGE);
	assert_int_equal(parse(&d, NULL, &first, 2, missing), CLI_USAGE);
	assert_int_equal(parse(&d, NULL, &first, 3, choice), CLI_USAGE);
	assert_int_equal(parse(&d, NULL, &first, 3, empty), CLI_USAGE);
	char err[256];
	assert_int_equal(cli_set(&demo_rows[4], &d, "mauve", err, sizeof err), -1);
	assert_true(tu_contains(err, "red, green or blue"));
}

/* --help and the man page come from the same rows: ranges, defaults,
 * choices; hidden rows in neither. */
static void test_help_and_man(void **state)
{
	const char *dir = *state;
	char path[4096];
	snprintf(path, sizeof path, "%s/help.txt", dir);
	FILE *f = fopen(path, "w");
	cli_help(&demo, f);
	fclose(f);
	char *help = tu_read(path, NULL);
	assert_true(tu_contains(help, "usage: alphawrite demo [options] FILE"));
	assert_true(tu_contains(help, "--n N"));
	assert_true(tu_contains(help, "(-5..100) [7]"));
	assert_true(tu_contains(help, "(>0..<1) [0.5]"));
	assert_true(tu_contains(help, "[from the clock]"));
	assert_true(tu_contains(help, "exit status: 0 ok"));
	assert_false(tu_contains(help, "--secret"));
	free(help);

	const struct cli_command *cmds[] = { &demo };
	f = fopen(path, "w");
	cli_man(cmds, 1, f);
	fclose(f);
	char *man = tu_read(path, NULL);
	assert_true(tu_contains(man, ".TH ALPHAWRITE 1"));
	assert_true(tu_contains(man, "\\fB\\-\\-color\\fR \\fIC\\fR"));
	assert_true(tu_contains(man, "red, green or blue"));
	assert_true(tu_contains(man, "Default: green"));
	assert_false(tu_contains(man, "secret"));
	free(man);

	struct demo d;
	int first;
	const char *argv[] = { "demo", "--help" };
	tu_stdout_silence();
	assert_int_equal(parse(&d, NULL, &first, 2, argv), CLI_EXIT);
	tu_stdout_restore();
}

int run_cli_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_strict_numbers),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test_setup_teardown(test_help_and_man, tu_setup_dir, tu_teardown_dir),
	};
	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
