/*
 * main.c - the entry point: global options and the subcommand table.
 *
 * Each command is a row: its name, its main, one line of help and its
 * option table, from which `alphawrite help --man` and `help --completion`
 * make the man page and the bash completion (the Makefile builds their
 * files with them).  A new command is a new row.
 */
#include "aw/baseline.h"
#include "aw/compare.h"
#include "aw/cli.h"
#include "aw/evolve.h"
#include "aw/options.h"
#include "aw/rank.h"
#include "aw/rate.h"
#include "aw/report.h"
#include "aw/show.h"
#include "aw/util.h"
#include "aw/version.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

static const struct cli_command *evolve_table(void) { return &options_command; }
static const struct cli_command *rank_table(void) { return &rank_command; }
static const struct cli_command *rate_table(void) { return &rate_command; }
static const struct cli_command *report_table(void) { return &report_command; }
static const struct cli_command *show_table(void) { return &show_command; }

static const struct command {
	const char *name;               /* as typed */
	int (*run)(int argc, char **argv);
	const char *help;               /* one line for --help */
	const struct cli_command *(*table)(void); /* its options */
} commands[] = {
	{ "evolve", evolve_main, "write, judge and evolve a population of stories", evolve_table },
	{ "baseline", baseline_main, "the sequential-prompting baseline, at a run's budget",
	  baseline_command },
	{ "compare", compare_main, "judge two sets of stories head to head, with intervals",
	  compare_command },
	{ "rate", rate_main, "rate pairs of stories blind, in the terminal", rate_table },
	{ "report", report_main, "write a self-contained HTML page about a run", report_table },
	{ "show", show_main, "show a run's ranking or one story in the terminal", show_table },
	{ "rank", rank_main, "rank stories again from recorded verdicts (no new calls)", rank_table },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: alphawrite <command> [options]\n"
		     "       alphawrite --help | --version\n\ncommands:\n");
	for (size_t i = 0; i < AW_ARRAY_LEN(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\nRun 'alphawrite <command> --help' for a command's options.\n");
}

/* `alphawrite help CMD`, and the hidden `help --man` and `help
 * --completion` that print the man page and the bash completion, both made
 * from the tables below (the Makefile builds its files with them). */
static int help(int argc, char **argv)
{
	const struct cli_command *tables[AW_ARRAY_LEN(commands)];
	for (size_t i = 0; i < AW_ARRAY_LEN(commands); i++)
		tables[i] = commands[i].table();
	if (argc == 2 && !strcmp(argv[1], "--man")) {
		cli_man(tables, AW_ARRAY_LEN(tables), stdout);
		return AW_EXIT_OK;
	}
	if (argc == 2 && !strcmp(argv[1], "--completion")) {
		cli_completion(tables, AW_ARRAY_LEN(tables), stdout);
		return AW_EXIT_OK;
	}
	for (size_t i = 0; argc == 2 && i < AW_ARRAY_LEN(tables); i++)
		if (!strcmp(argv[1], tables[i]->name)) {
			cli_help(tables[i], stdout);
			return AW_EXIT_OK;
		}
	aw_error("no help for '%s'", argv[1]);
	fprintf(stderr, "Try 'alphawrite --help'.\n");
	return AW_EXIT_USAGE;
}

static int close_stdout(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		aw_error("cannot write to standard output:");
		return status ? status : AW_EXIT_FAILED;
	}
	return status;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN); /* libcurl runs with NOSIGNAL */
	if (argc < 2) {
		usage(stderr);
		return AW_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "help") && argc > 2)
		return close_stdout(help(argc - 1, argv + 1));
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return close_stdout(AW_EXIT_OK);
	}
	if (!strcmp(argv[1], "--version")) {
		printf("alphawrite %s\n", AW_VERSION);
		return close_stdout(AW_EXIT_OK);
	}
	for (size_t i = 0; i < AW_ARRAY_LEN(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return close_stdout(commands[i].run(argc - 1, argv + 1));
	aw_error("unknown command '%s'", argv[1]);
	fprintf(stderr, "Try 'alphawrite --help'.\n");
	return AW_EXIT_USAGE;
}
