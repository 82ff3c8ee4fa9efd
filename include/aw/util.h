/*
 * util.h - the few helpers every module uses: allocation that never returns
 * NULL, error messages in one format, and a monotonic clock.
 *
 * Out of memory is not a recoverable condition for a command-line tool that
 * holds a population of stories, so the x*() allocators print a message and
 * abort instead of making every caller check for NULL (redis, sbase).
 *
 * Messages: aw_error() prints "alphawrite: <message>" to stderr.  A format
 * that ends in ':' gets ": strerror(errno)" appended, so
 * aw_error("cannot open '%s':", path) prints
 * "alphawrite: cannot open 'x': No such file or directory".
 */
#ifndef AW_UTIL_H
#define AW_UTIL_H

#include <stddef.h>
#include <stdarg.h>

#define AW_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define AW_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Exit statuses of the program, documented in --help. */
enum aw_exit {
	AW_EXIT_OK = 0,          /* the run finished */
	AW_EXIT_FAILED = 1,      /* the run failed (endpoint refused, I/O error) */
	AW_EXIT_USAGE = 2,       /* bad option, file or input: nothing was sent */
	AW_EXIT_INTERRUPTED = 130 /* SIGINT or SIGTERM */
};

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) AW_PRINTF(1, 2);

/* Print "alphawrite: ..." to stderr; a trailing ':' appends strerror(errno). */
void aw_error(const char *fmt, ...) AW_PRINTF(1, 2);
void aw_verror(const char *fmt, va_list ap);

/* Format a message into buf (size n); same trailing ':' rule.  Returns -1 so
 * that callers can write "return aw_fail(err, n, ...)". */
int aw_fail(char *buf, size_t n, const char *fmt, ...) AW_PRINTF(3, 4);

/* Write all of data to fd (retrying after EINTR and short writes): 0, or
 * -1 with errno set (ENOSPC when nothing more could be written). */
int aw_write_all(int fd, const void *data, size_t len);

/* A random id of 16 lowercase hex digits into out (room for 17), from the
 * system's random source (else the clock and the process id). */
void aw_random_id(char *out, size_t n);

/* Seconds on a monotonic clock, and wall-clock seconds since the epoch. */
double aw_now(void);
double aw_wall(void);

/* The "user:password" of a "scheme://user:password@host/..." URL: where
 * it starts (its length in *len), or NULL when there is none. */
const char *aw_url_userinfo(const char *url, size_t *len);
/* The URL without any user:password@ part, for messages and files
 * (malloc'd). */
char *aw_public_url(const char *url);

#endif
