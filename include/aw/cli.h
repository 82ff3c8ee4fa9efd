/*
 * cli.h - the command line of every command, driven by one table each.
 *
 * A command describes its options as rows: the long name, how the argument
 * is read, where the value goes in the command's settings struct, the
 * accepted range, the metavar, one line of help and the default.  From the
 * rows cli.c builds getopt_long's table, parses and range-checks every
 * value, sets the defaults, prints --help, and writes the man page, so the
 * five cannot drift apart (curl's aliases[] and helptext[], git's struct
 * option[]).  A default is written once, as the text it would be given as
 * on the command line, and parsed like one.
 *
 * Numbers follow one strict rule: an optional '-' (where the range allows
 * negatives), digits, and for decimals an optional fraction and exponent;
 * no blanks, no '+', no hexadecimal, no inf or nan.
 *
 * Messages: misuse goes to stderr as "alphawrite: ..." followed by
 * "Try 'alphawrite CMD --help'." and exit status 2; --help goes to stdout.
 *
 * Ownership: strings stored by CLI_STR point into argv (borrowed); lists
 * stored by CLI_LIST are owned by the struct cli_list (cli_list_free).
 */
#ifndef AW_CLI_H
#define AW_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum cli_kind {
	CLI_STR,     /* const char *: the argument as given (non-empty) */
	CLI_LONG,    /* long: a whole number in [min, max] */
	CLI_DOUBLE,  /* double: a number in [min, max] */
	CLI_U64,     /* uint64_t: a non-negative whole number up to max */
	CLI_FLAG,    /* int: set to 1, no argument */
	CLI_CHOICE,  /* int: index of the argument among choices */
	CLI_LIST,    /* struct cli_list: every value of a repeatable option */
	CLI_HELP     /* --help: print the help and stop */
};

/* Row flags of cli.h's own (a command may use bits 8 and up for itself). */
enum {
	CLI_GT_MIN = 1,  /* the value must be above min, not at it */
	CLI_LT_MAX = 2,  /* the value must be below max, not at it */
	CLI_HIDDEN = 4,  /* not shown in --help or the man page */
	CLI_AUTO = 8     /* CLI_DOUBLE: also takes the word "auto", stored as
			  * CLI_AUTO_VALUE (below any range) */
};

#define CLI_AUTO_VALUE (-1.0)

struct cli_row {
	const char *name;      /* long option name */
	enum cli_kind kind;    /* how the argument is read */
	size_t off;            /* field in the command's settings struct */
	double min, max;       /* range for numbers */
	const char *arg;       /* metavar in --help, NULL for flags */
	const char *help;      /* one line of help */
	const char *value;     /* default, written as on the command line, or
				* NULL for none; parsed when parsing starts */
	const char *note;      /* default as --help shows it, when it is not
				* a value ("the writer model"), or NULL */
	const char *const *choices; /* CLI_CHOICE: the accepted words */
	unsigned flags;        /* CLI_* above, and the command's own bits */
};

struct cli_list {
	char **v;              /* the values, in the order given (owned) */
	size_t n;              /* how many */
};

struct cli_command {
	const char *name;      /* as typed after "alphawrite" */
	const char *synopsis;  /* usage lines, without "usage: " */
	const char *summary;   /* what it does, a paragraph */
	const struct cli_row *rows;  /* its options */
	size_t nrows;
	const char *epilog;    /* environment, exit status...; or NULL */
};

enum cli_result {
	CLI_RUN = 0,    /* parsed: go on */
	CLI_EXIT = 1,   /* --help printed: exit 0 */
	CLI_USAGE = 2   /* misuse reported on stderr: exit 2 */
};

/* Set every row's default in dst, then parse argv (argv[0] is the
 * command's name) into dst.  given (room for nrows, may be NULL) gets 1 for
 * each row given on the command line.  *first is the index of the first
 * operand (an argument that is not an option). */
enum cli_result cli_parse(const struct cli_command *c, void *dst, unsigned char *given,
			  int argc, char **argv, int *first);

/* Parse one value for row r into dst, as if given on the command line:
 * 0, or -1 with the message in err (which names the option). */
int cli_set(const struct cli_row *r, void *dst, const char *arg, char *err, size_t errlen);

/* The row named name, or NULL. */
const struct cli_row *cli_row(const struct cli_command *c, const char *name);

/* In rows[0, n) taken from another command's table, give the row named
 * name this command's own help line and default note (either NULL: kept). */
void cli_redefault(struct cli_row *rows, size_t n, const char *name, const char *help,
		   const char *note);

/* Report misuse: "alphawrite: <message>" and "Try 'alphawrite CMD --help'."
 * on stderr.  Returns CLI_USAGE.  A format ending in ':' appends
 * strerror(errno). */
int cli_usage(const struct cli_command *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void cli_help(const struct cli_command *c, FILE *out);
/* The man page of the program: its commands and every option (troff). */
void cli_man(const struct cli_command *const *cmds, size_t n, FILE *out);

/* A bash completion script for the program: its commands, each command's
 * long options, the words of choice options, and file or directory names
 * where an option's metavar ends in FILE or DIR, and for operands as each
 * command's synopsis names them (RUN_DIR: directories). */
void cli_completion(const struct cli_command *const *cmds, size_t n, FILE *out);

void cli_list_free(struct cli_list *l);

#endif
