/*
 * test_completion.c - the bash completion made from option tables
 * (cli_completion in src/cli.c): commands, long options, choices, and
 * paths where a metavar or an operand names a file or a directory.
 */
#include "unit.h"
#include "aw/cli.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct demo {
	int color;
	const char *out;
	const char *log;
	const char *name;
	int flag;
};

static const char *const colors[] = { "red", "green", "blue", NULL };

#define F(field) offsetof(struct demo, field)

static const struct cli_row demo_rows[] = {
	{ "color", CLI_CHOICE, F(color), 0, 0, "C", "a color", "green", NULL, colors, 0 },
	{ "out", CLI_STR, F(out), 0, 0, "DIR", "a directory", NULL, NULL, NULL, 0 },
	{ "log", CLI_STR, F(log), 0, 0, "FILE", "a file", NULL, NULL, NULL, 0 },
	{ "name", CLI_STR, F(name), 0, 0, "X", "a name", NULL, NULL, NULL, 0 },
	{ "secret", CLI_FLAG, F(flag), 0, 0, NULL, "hidden", NULL, NULL, NULL, CLI_HIDDEN },
	{ "help", CLI_HELP, 0, 0, 0, NULL, "show this help and exit", NULL, NULL, NULL, 0 },
};

static const struct cli_command demo = {
	"demo", "alphawrite demo [options] RUN_DIR [ID]", "A command.", demo_rows,
	sizeof demo_rows / sizeof demo_rows[0], NULL,
};
static const struct cli_command other = {
	"other", "alphawrite other --log FILE [options]\nalphawrite other FILE.json", "Another.",
	demo_rows, 1, NULL,
};
static const struct cli_command none = {
	"none", "alphawrite none --out DIR [options]", "No operands.", demo_rows, 2, NULL,
};

static char *completion(void)
{
	const struct cli_command *cmds[] = { &demo, &other, &none };
	FILE *f = tmpfile();
	assert_non_null(f);
	cli_completion(cmds, 3, f);
	long len = ftell(f);
	char *text = calloc((size_t)len + 1, 1);
	rewind(f);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return text;
}

/* The text of the case arm for word in the block of command cmd. */
static char *arm(const char *text, const char *cmd, const char *word)
{
	char key[64];
	snprintf(key, sizeof key, "\n\t%s)\n", cmd);
	const char *c = strstr(text, key);
	assert_non_null(c);
	const char *end = strstr(c + 1, "\n\t\t;;\n");
	snprintf(key, sizeof key, "\n\t\t%s)\n", word);
	const char *a = strstr(c, key);
	if (!a || a > end)
		return NULL;
	const char *e = strstr(a, ";;");
	return strndup(a, (size_t)(e - a));
}

static void test_completion(void **state)
{
	(void)state;
	char *t = completion(), *a;
	assert_true(tu_contains(t, "complete -F _alphawrite alphawrite\n"));
	assert_true(tu_contains(t, "compgen -W \"demo other none help --help --version\""));
	a = arm(t, "demo", "--color");
	assert_non_null(a);
	assert_true(tu_contains(a, "compgen -W \"red green blue\""));
	free(a);
	a = arm(t, "demo", "--out");
	assert_true(tu_contains(a, "_alphawrite_paths -d"));
	free(a);
	a = arm(t, "demo", "--log");
	assert_true(tu_contains(a, "_alphawrite_paths -f"));
	free(a);
	a = arm(t, "demo", "--name");
	assert_false(tu_contains(a, "_alphawrite_paths"));
	assert_false(tu_contains(a, "compgen"));
	free(a);
	assert_null(arm(t, "demo", "--secret")); /* hidden: not offered */
	assert_true(tu_contains(t, "\"--color --out --log --name --help\""));
	/* operands: RUN_DIR is a directory; FILE.json a file (FILE after
	 * --log is that option's argument); none here */
	const char *d = strstr(t, "\n\tdemo)\n"), *o = strstr(t, "\n\tother)\n"),
		   *n = strstr(t, "\n\tnone)\n");
	assert_true(d && o && n && d < o && o < n);
	char *demo_block = strndup(d, (size_t)(o - d)), *other_block = strndup(o, (size_t)(n - o));
	char *none_block = strdup(n);
	assert_true(tu_contains(demo_block, "\t\tfi\n\t\t_alphawrite_paths -d\n"));
	assert_true(tu_contains(other_block, "\t\tfi\n\t\t_alphawrite_paths -f\n"));
	assert_false(tu_contains(none_block, "\t\tfi\n\t\t_alphawrite_paths"));
	free(demo_block);
	free(other_block);
	free(none_block);
	free(t);
}

int run_completion_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_completion),
	};
	return cmocka_run_group_tests_name("completion", tests, NULL, NULL);
}
