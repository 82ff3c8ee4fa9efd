/*
 * rank.h - `alphawrite rank`: rank stories again from recorded verdicts.
 */
#ifndef AW_RANK_H
#define AW_RANK_H

struct cli_command;

/* Run `alphawrite rank` (argv[0] is "rank"); returns the exit status. */
int rank_main(int argc, char **argv);
/* Its option table (for the man page). */
extern const struct cli_command rank_command;

#endif
