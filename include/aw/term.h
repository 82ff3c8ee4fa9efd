/*
 * term.h - the terminal standard output goes to: how wide it is, and
 * paging long output through $PAGER as git does.
 *
 * A command that prints a table or a story builds its whole output first
 * and hands it to term_page(): on a terminal it goes through the pager
 * (less quits at once when it fits on one screen), anywhere else it is
 * written as it is, so scripts and pipes never meet a pager.  A pager that
 * cannot start is no error: the output is written plainly instead.
 *
 * Ownership: nothing is kept; text is only read.
 */
#ifndef AW_TERM_H
#define AW_TERM_H

#include <stddef.h>

/* Columns of the terminal on fd (TIOCGWINSZ), else $COLUMNS, else 80;
 * never below 20. */
int term_width(int fd);

/* Columns text (n bytes of UTF-8) takes: one per character. */
size_t term_columns(const char *text, size_t n);
/* Bytes of text (n bytes) that fit in cols columns, cut at a character
 * boundary. */
size_t term_fit(const char *text, size_t n, size_t cols);

/* Write text to standard output: through $PAGER (default "less -FRX";
 * empty or "cat": none) when standard output is a terminal, else as is.
 * 0, or -1 when standard output could not be written. */
int term_page(const char *text, size_t len);

#endif
