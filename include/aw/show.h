/*
 * show.h - `alphawrite show`: a run in the terminal.  The ranking of a
 * generation as a table that fits the terminal, or one story with its line
 * of descent and its full text; --json gives the same data to scripts.
 *
 * Ownership: the command reads the run and keeps nothing.
 */
#ifndef AW_SHOW_H
#define AW_SHOW_H

struct cli_command;

/* Run `alphawrite show` (argv[0] is "show"); returns the exit status. */
int show_main(int argc, char **argv);
/* Its option table (for the man page and the completion). */
extern const struct cli_command show_command;

#endif
