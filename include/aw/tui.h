/*
 * tui.h - a full-screen terminal: raw mode, keys, the screen's size, and
 * wrapping UTF-8 text to a width in display columns.
 *
 * tui_open() puts the terminal in raw mode (no echo, no line buffering;
 * Ctrl-C still raises SIGINT) and switches to the alternate screen, so
 * that what was on the terminal comes back untouched.  The terminal is
 * restored on every way out: tui_close(), exit() (an atexit handler), and
 * SIGINT, SIGTERM, SIGHUP and SIGQUIT, whose handler restores it with
 * async-signal-safe calls only and ends the process with status 130.  A
 * caller must therefore have saved everything worth keeping before it
 * waits for a key (rate appends each choice at once).
 *
 * Text from outside (stories) is never sent to the terminal as it is:
 * tui_wrap() replaces control characters (ESC among them) and bytes that
 * are not UTF-8, so a story cannot move the cursor or retitle the window.
 *
 * Widths follow the terminal convention for common scripts: combining
 * marks, zero-width characters and variation selectors take 0 columns,
 * East Asian wide and fullwidth characters and emoji take 2, everything
 * else 1 (our own table: the C library's wcwidth() depends on the locale).
 *
 * Ownership: tui_wrap() fills a struct tui_lines that owns its lines
 * (tui_lines_free).  Only one terminal is open at a time.
 */
#ifndef AW_TUI_H
#define AW_TUI_H

#include <stddef.h>
#include <stdint.h>

/* Keys beyond single bytes (tui_key()). */
enum {
	TUI_NONE = -1,       /* no key within the timeout */
	TUI_RESIZE = -2,     /* the terminal changed size */
	TUI_EOF = -3,        /* the input ended (or failed) */
	TUI_UP = 0x110000,   /* above every Unicode code point */
	TUI_DOWN,
	TUI_LEFT,
	TUI_RIGHT,
	TUI_PGUP,
	TUI_PGDN,
	TUI_HOME,
	TUI_END,
	TUI_ESC              /* Escape alone */
};

/* Is standard input a terminal?  (The screen goes to standard output when
 * it is one, else to /dev/tty, so that output can be redirected.) */
int tui_is_terminal(void);
/* Enter raw mode and the alternate screen.  0, or -1 with the reason in
 * err (not a terminal, termios failed). */
int tui_open(char *err, size_t errlen);
/* Leave the alternate screen and restore the terminal; safe to call twice. */
void tui_close(void);
/* The screen's size (falls back to 24 x 80). */
void tui_size(int *rows, int *cols);
/* The next key, waiting up to timeout_ms (< 0: forever): a byte (or a
 * Unicode code point when the input is UTF-8), one of the TUI_* keys, or
 * TUI_NONE / TUI_RESIZE / TUI_EOF. */
int tui_key(int timeout_ms);
/* Write a whole frame to the terminal (one write where possible). */
void tui_write(const char *s, size_t n);

/* Display columns of code point c (0, 1 or 2). */
int tui_char_width(uint32_t c);
/* Decode one UTF-8 character of s (at most n bytes) into *c: its length
 * in bytes, or 0 when s does not start with a valid character (then *c is
 * U+FFFD and one byte should be skipped). */
size_t tui_utf8_decode(const char *s, size_t n, uint32_t *c);
/* Display columns of the n bytes of s (control characters count 1, as the
 * replacement tui_wrap() puts in their place). */
int tui_text_width(const char *s, size_t n);

struct tui_lines {
	char **v;                /* the lines, UTF-8, without newlines (owned) */
	size_t n, cap;           /* used, allocated */
};

/* Wrap text to lines of at most width columns (width >= 2): paragraphs
 * (lines of the text) stay paragraphs, an empty line stays an empty line,
 * lines break at spaces, and a word wider than the width is broken between
 * characters.  Tabs become a space, other control characters and invalid
 * bytes U+FFFD; trailing spaces are dropped.  Appends to *out. */
void tui_wrap(const char *text, int width, struct tui_lines *out);
/* Append one line as it is (the caller's own text: no wrapping). */
void tui_lines_add(struct tui_lines *l, const char *s);
void tui_lines_free(struct tui_lines *l);

/* Copy s into out (room for n bytes) cut to at most width columns, and
 * padded with spaces to exactly width when pad.  Returns the bytes
 * written (out is NUL-terminated). */
size_t tui_fit(const char *s, int width, int pad, char *out, size_t n);

#endif
