/*
 * baseline.h - `alphawrite baseline`: the paper's sequential-prompting
 * baseline, written in the run format at a budget equal to a run's.
 */
#ifndef AW_BASELINE_H
#define AW_BASELINE_H

struct cli_command;

/* Run `alphawrite baseline` (argv[0] is "baseline"); the exit status. */
int baseline_main(int argc, char **argv);
/* Its option table: evolve's writer rows and its own (for the man page). */
const struct cli_command *baseline_command(void);

#endif
