/*
 * report.h - `alphawrite report`: one self-contained HTML page that shows a
 * run (what it was asked, what it cost, how the ratings moved, the final
 * ranking, where the best stories came from, every final story in full and
 * what each variant changed), with the results of `alphawrite compare`
 * beside it when given.
 *
 * The page is meant to be sent to a colleague: it fetches nothing (inline
 * CSS and SVG, a small inline script that only opens and closes sections),
 * opens from disk in any browser, and prints.
 *
 * Ownership: the command reads the run and the --compare files and keeps
 * nothing; the page is built in memory and written whole.
 */
#ifndef AW_REPORT_H
#define AW_REPORT_H

struct cli_command;

/* Run `alphawrite report` (argv[0] is "report"); returns the exit status. */
int report_main(int argc, char **argv);
/* Its option table (for the man page and the completion). */
extern const struct cli_command report_command;

#endif
