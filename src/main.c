/*
 * main.c - the entry point: global options and the subcommand table.
 *
 * Each command is a row: `evolve` runs the method, `rank` re-ranks recorded
 * verdicts, `baseline` writes the paper's baseline, `extend` lengthens
 * stories, `export` writes training data.
 */
#include "aw/baseline.h"
#include "aw/evolve.h"
#include "aw/export.h"
#include "aw/extend.h"
#include "aw/rank.h"
#include "aw/util.h"
#include "aw/version.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

static const struct command {
	const char *name;               /* as typed */
	int (*run)(int argc, char **argv);
	const char *help;               /* one line for --help */
} commands[] = {
	{ "evolve", evolve_main, "write, judge and evolve a population of stories" },
	{ "rank", rank_main, "rank stories again from recorded verdicts (no new calls)" },
	{ "baseline", baseline_main, "the sequential-prompting baseline, at a run's budget" },
	{ "extend", extend_main, "lengthen stories by Self-Lengthen (a run's best, or a file)" },
	{ "export", export_main, "write a run as training data (SFT or DPO), JSON Lines" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: alphawrite <command> [options]\n"
		     "       alphawrite --help | --version\n\ncommands:\n");
	for (size_t i = 0; i < AW_ARRAY_LEN(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\nRun 'alphawrite <command> --help' for a command's options.\n");
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
