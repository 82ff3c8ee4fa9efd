/*
 * tui.c - raw mode, keys, screen size and text wrapping (see tui.h).
 *
 * Escape sequences used (VT100/xterm, understood by every terminal that
 * matters):
 *
 *   ESC [ ? 1049 h / l   enter / leave the alternate screen (the shell's
 *                        screen comes back untouched)
 *   ESC [ ? 25 l / h     hide / show the cursor
 *   ESC [ H              cursor home;  ESC [ K  erase to end of line;
 *   ESC [ J              erase below;  ESC [ 7 m / 0 m  reverse / normal
 *
 * Keys read: ESC [ A B C D (and ESC O A...) arrows, ESC [ 5 ~ / 6 ~ page
 * up / down, ESC [ H / F, ESC [ 1 ~ / 4 ~ (and 7 ~ / 8 ~) home / end.
 *
 * The terminal's state lives in one static struct: a signal handler must
 * be able to restore it, and there is only one terminal.
 */
#include "aw/tui.h"
#include "aw/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#define ENTER_SEQ "\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J"
#define LEAVE_SEQ "\x1b[0m\x1b[?25h\x1b[?1049l"
#define ESC_WAIT_MS 50 /* how long the rest of an escape sequence may take */

static struct {
	int open;                       /* raw mode and alternate screen on */
	int atexit_set;                 /* tui_close registered with atexit */
	struct termios saved;           /* the terminal as we found it */
	struct sigaction old[4];        /* the handlers we replaced */
	volatile sig_atomic_t resized;  /* SIGWINCH arrived */
	int out;                        /* where the screen goes: standard
					 * output, or /dev/tty when that is
					 * redirected (opened by us) */
} term = { .out = -1 };

static const int fatal_signals[4] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

/* ------------------------------------------------------------- terminal */

int tui_is_terminal(void)
{
	return isatty(STDIN_FILENO);
}

static void write_all(const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(term.out, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* Async-signal-safe: write(2), tcsetattr(3) and _exit(2) only. */
static void on_fatal(int sig)
{
	(void)sig;
	if (term.open) {
		ssize_t w = write(term.out, LEAVE_SEQ, sizeof LEAVE_SEQ - 1);
		(void)w;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &term.saved);
	}
	_exit(AW_EXIT_INTERRUPTED);
}

static void on_winch(int sig)
{
	(void)sig;
	term.resized = 1;
}

static void close_out(void)
{
	if (term.out > STDERR_FILENO)
		close(term.out);
	term.out = -1;
}

int tui_open(char *err, size_t errlen)
{
	if (term.open)
		return 0;
	if (!tui_is_terminal())
		return aw_fail(err, errlen, "standard input must be a terminal");
	/* Standard output may be a file (for what the command prints when it
	 * is done): the screen then goes to the terminal itself. */
	term.out = isatty(STDOUT_FILENO) ? STDOUT_FILENO : open("/dev/tty", O_WRONLY | O_CLOEXEC);
	if (term.out < 0)
		return aw_fail(err, errlen, "cannot open the terminal:");
	if (tcgetattr(STDIN_FILENO, &term.saved) < 0) {
		aw_fail(err, errlen, "cannot read the terminal's settings:");
		close_out();
		return -1;
	}
	struct termios raw = term.saved;
	raw.c_iflag &= (tcflag_t) ~(BRKINT | ICRNL | INPCK | ISTRIP | IXON);
	raw.c_cflag |= CS8;
	raw.c_lflag &= (tcflag_t) ~(ECHO | ICANON | IEXTEN); /* ISIG stays: Ctrl-C */
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_fatal;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 4; i++)
		sigaddset(&sa.sa_mask, fatal_signals[i]);
	for (int i = 0; i < 4; i++)
		sigaction(fatal_signals[i], &sa, &term.old[i]);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_winch; /* no SA_RESTART: a resize ends poll() */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, NULL);

	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) < 0) {
		int e = errno;
		for (int i = 0; i < 4; i++)
			sigaction(fatal_signals[i], &term.old[i], NULL);
		errno = e;
		aw_fail(err, errlen, "cannot put the terminal in raw mode:");
		close_out();
		return -1;
	}
	term.open = 1;
	if (!term.atexit_set) {
		atexit(tui_close);
		term.atexit_set = 1;
	}
	write_all(ENTER_SEQ, sizeof ENTER_SEQ - 1);
	return 0;
}

void tui_close(void)
{
	if (!term.open)
		return;
	write_all(LEAVE_SEQ, sizeof LEAVE_SEQ - 1);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &term.saved);
	term.open = 0;
	for (int i = 0; i < 4; i++)
		sigaction(fatal_signals[i], &term.old[i], NULL);
	signal(SIGWINCH, SIG_DFL);
	close_out();
}

void tui_size(int *rows, int *cols)
{
	struct winsize ws;
	*rows = 24;
	*cols = 80;
	if (ioctl(term.out >= 0 ? term.out : STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
	}
}

void tui_write(const char *s, size_t n)
{
	write_all(s, n);
}

/* One byte within timeout_ms: the byte, TUI_NONE, TUI_RESIZE or TUI_EOF. */
static int read_byte(int timeout_ms)
{
	for (;;) {
		if (term.resized) {
			term.resized = 0;
			return TUI_RESIZE;
		}
		struct pollfd p = { STDIN_FILENO, POLLIN, 0 };
		int r = poll(&p, 1, timeout_ms);
		if (r < 0 && errno == EINTR)
			continue; /* the loop looks at term.resized */
		if (r < 0)
			return TUI_EOF;
		if (r == 0)
			return TUI_NONE;
		unsigned char c;
		ssize_t n = read(STDIN_FILENO, &c, 1);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return TUI_EOF;
		return c;
	}
}

/* The rest of an escape sequence (ESC read): the key it names. */
static int escape_key(void)
{
	int c = read_byte(ESC_WAIT_MS);
	if (c == TUI_NONE || c == TUI_RESIZE)
		return TUI_ESC;
	if (c != '[' && c != 'O')
		return TUI_ESC; /* Alt+key: the key itself is dropped */
	char seq[8];
	size_t n = 0;
	for (;;) {
		int d = read_byte(ESC_WAIT_MS);
		if (d < 0)
			return TUI_ESC;
		if (n < sizeof seq - 1)
			seq[n++] = (char)d;
		if (d >= 0x40 && d <= 0x7e)
			break;
	}
	seq[n] = '\0';
	static const struct {
		const char *seq;  /* what follows ESC [ (or ESC O) */
		int key;          /* the key it names */
	} keys[] = {
		{ "A", TUI_UP },    { "B", TUI_DOWN }, { "C", TUI_RIGHT }, { "D", TUI_LEFT },
		{ "H", TUI_HOME },  { "F", TUI_END },  { "5~", TUI_PGUP }, { "6~", TUI_PGDN },
		{ "1~", TUI_HOME }, { "7~", TUI_HOME }, { "4~", TUI_END }, { "8~", TUI_END },
	};
	for (size_t i = 0; i < AW_ARRAY_LEN(keys); i++)
		if (strcmp(seq, keys[i].seq) == 0)
			return keys[i].key;
	return TUI_NONE; /* a key we do not use */
}

int tui_key(int timeout_ms)
{
	int c = read_byte(timeout_ms);
	if (c == 0x1b)
		return escape_key();
	if (c < 0x80)
		return c;
	/* A UTF-8 character: gather its continuation bytes. */
	char buf[4] = { (char)c };
	size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1, n = 1;
	while (n < need) {
		int d = read_byte(ESC_WAIT_MS);
		if (d < 0)
			break;
		buf[n++] = (char)d;
	}
	uint32_t cp;
	return tui_utf8_decode(buf, n, &cp) ? (int)cp : TUI_NONE;
}

/* ------------------------------------------------------------ text width */

struct range {
	uint32_t lo, hi;  /* first and last code point, inclusive */
};

/* Zero width: combining marks of common scripts, zero-width and joining
 * characters, variation selectors, emoji modifiers, Hangul medial and
 * final jamo. */
static const struct range zero[] = {
	{ 0x0300, 0x036f }, { 0x0483, 0x0489 }, { 0x0591, 0x05bd }, { 0x05bf, 0x05bf },
	{ 0x05c1, 0x05c2 }, { 0x05c4, 0x05c5 }, { 0x05c7, 0x05c7 }, { 0x0610, 0x061a },
	{ 0x061c, 0x061c }, { 0x064b, 0x065f }, { 0x0670, 0x0670 }, { 0x06d6, 0x06dc },
	{ 0x06df, 0x06e4 }, { 0x06e7, 0x06e8 }, { 0x06ea, 0x06ed }, { 0x0711, 0x0711 },
	{ 0x0730, 0x074a }, { 0x07a6, 0x07b0 }, { 0x0900, 0x0902 }, { 0x093a, 0x093a },
	{ 0x093c, 0x093c }, { 0x0941, 0x0948 }, { 0x094d, 0x094d }, { 0x0951, 0x0957 },
	{ 0x0962, 0x0963 }, { 0x0981, 0x0981 }, { 0x09bc, 0x09bc }, { 0x09c1, 0x09c4 },
	{ 0x09cd, 0x09cd }, { 0x0e31, 0x0e31 }, { 0x0e34, 0x0e3a }, { 0x0e47, 0x0e4e },
	{ 0x1160, 0x11ff }, { 0x1ab0, 0x1aff }, { 0x1dc0, 0x1dff }, { 0x200b, 0x200f },
	{ 0x2028, 0x202e }, { 0x2060, 0x2064 }, { 0x2066, 0x206f }, { 0x20d0, 0x20ff },
	{ 0x302a, 0x302d }, { 0x3099, 0x309a }, { 0xfe00, 0xfe0f }, { 0xfe20, 0xfe2f },
	{ 0xfeff, 0xfeff }, { 0x1f3fb, 0x1f3ff }, { 0xe0000, 0xe007f }, { 0xe0100, 0xe01ef },
};

/* Two columns: East Asian wide and fullwidth, and emoji. */
static const struct range wide[] = {
	{ 0x1100, 0x115f }, { 0x231a, 0x231b }, { 0x2329, 0x232a }, { 0x23e9, 0x23ec },
	{ 0x23f0, 0x23f0 }, { 0x23f3, 0x23f3 }, { 0x25fd, 0x25fe }, { 0x2614, 0x2615 },
	{ 0x2648, 0x2653 }, { 0x267f, 0x267f }, { 0x2693, 0x2693 }, { 0x26a1, 0x26a1 },
	{ 0x26aa, 0x26ab }, { 0x26bd, 0x26be }, { 0x26c4, 0x26c5 }, { 0x26ce, 0x26ce },
	{ 0x26d4, 0x26d4 }, { 0x26ea, 0x26ea }, { 0x26f2, 0x26f3 }, { 0x26f5, 0x26f5 },
	{ 0x26fa, 0x26fa }, { 0x26fd, 0x26fd }, { 0x2705, 0x2705 }, { 0x270a, 0x270b },
	{ 0x2728, 0x2728 }, { 0x274c, 0x274c }, { 0x274e, 0x274e }, { 0x2753, 0x2755 },
	{ 0x2757, 0x2757 }, { 0x2795, 0x2797 }, { 0x27b0, 0x27b0 }, { 0x27bf, 0x27bf },
	{ 0x2b1b, 0x2b1c }, { 0x2b50, 0x2b50 }, { 0x2b55, 0x2b55 }, { 0x2e80, 0x303e },
	{ 0x3041, 0x33ff }, { 0x3400, 0x4dbf }, { 0x4e00, 0x9fff }, { 0xa000, 0xa4cf },
	{ 0xa960, 0xa97f }, { 0xac00, 0xd7a3 }, { 0xf900, 0xfaff }, { 0xfe10, 0xfe19 },
	{ 0xfe30, 0xfe6f }, { 0xff00, 0xff60 }, { 0xffe0, 0xffe6 }, { 0x16fe0, 0x16fe4 },
	{ 0x17000, 0x18aff }, { 0x1b000, 0x1b2ff }, { 0x1f004, 0x1f004 }, { 0x1f0cf, 0x1f0cf },
	{ 0x1f18e, 0x1f18e }, { 0x1f191, 0x1f19a }, { 0x1f200, 0x1f251 }, { 0x1f300, 0x1f64f },
	{ 0x1f680, 0x1f6ff }, { 0x1f900, 0x1f9ff }, { 0x1fa70, 0x1faff }, { 0x20000, 0x2fffd },
	{ 0x30000, 0x3fffd },
};

static int in_table(uint32_t c, const struct range *t, size_t n)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (c < t[mid].lo)
			hi = mid;
		else if (c > t[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

int tui_char_width(uint32_t c)
{
	if (c < 0x20 || (c >= 0x7f && c < 0xa0))
		return 1; /* shown as U+FFFD */
	if (c < 0x300)
		return 1;
	if (in_table(c, zero, AW_ARRAY_LEN(zero)))
		return 0;
	if (in_table(c, wide, AW_ARRAY_LEN(wide)))
		return 2;
	return 1;
}

size_t tui_utf8_decode(const char *s, size_t n, uint32_t *c)
{
	const unsigned char *p = (const unsigned char *)s;
	*c = 0xfffd;
	if (n == 0)
		return 0;
	if (p[0] < 0x80) {
		*c = p[0];
		return 1;
	}
	size_t len = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
	if (p[0] >= 0xf5)
		len = 0;
	if (len == 0 || len > n)
		return 0;
	uint32_t v = p[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3f);
	}
	/* No overlong forms, surrogates or values past U+10FFFF. */
	if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10ffff)) ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*c = v;
	return len;
}

int tui_text_width(const char *s, size_t n)
{
	int w = 0;
	for (size_t i = 0; i < n;) {
		uint32_t c;
		size_t len = tui_utf8_decode(s + i, n - i, &c);
		w += tui_char_width(c);
		i += len ? len : 1;
	}
	return w;
}

/* ------------------------------------------------------------- wrapping */

void tui_lines_add(struct tui_lines *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = xstrdup(s);
}

void tui_lines_free(struct tui_lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

/* A line being built. */
struct line {
	char *s;          /* its bytes, NUL-terminated */
	size_t n, cap;    /* used, allocated */
	int w;            /* its width in columns */
};

static void line_put(struct line *ln, const char *s, size_t n, int w)
{
	if (ln->n + n + 1 > ln->cap) {
		ln->cap = (ln->n + n + 1) * 2;
		ln->s = xrealloc(ln->s, ln->cap);
	}
	memcpy(ln->s + ln->n, s, n);
	ln->n += n;
	ln->s[ln->n] = '\0';
	ln->w += w;
}

static void line_emit(struct line *ln, struct tui_lines *out)
{
	while (ln->n > 0 && ln->s[ln->n - 1] == ' ') {
		ln->s[--ln->n] = '\0';
		ln->w--;
	}
	tui_lines_add(out, ln->n ? ln->s : "");
	ln->n = 0;
	ln->w = 0;
	if (ln->s)
		ln->s[0] = '\0';
}

/* The next character of text at *i as it is shown: its bytes in out (a
 * replacement for controls and bad bytes, nothing for bidirectional
 * controls), its width, and whether it is a space or a line end. */
static size_t next_char(const char *text, size_t n, size_t *i, char *out, int *w, int *space,
			int *eol)
{
	uint32_t c;
	size_t len = tui_utf8_decode(text + *i, n - *i, &c);
	const char *src = text + *i;
	*i += len ? len : 1;
	*space = *eol = 0;
	if (c == '\n') {
		*eol = 1;
		return 0;
	}
	if (c == '\r') {
		*w = 0;
		return 0;
	}
	if (c == ' ' || c == '\t') {
		*space = 1;
		*w = 1;
		out[0] = ' ';
		return 1;
	}
	if (!len || c < 0x20 || (c >= 0x7f && c < 0xa0)) {
		*w = 1;
		memcpy(out, "\xef\xbf\xbd", 3); /* U+FFFD */
		return 3;
	}
	if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
	    c == 0x2028 || c == 0x2029) {
		*w = 0;
		return 0; /* would reorder or break what follows */
	}
	*w = tui_char_width(c);
	memcpy(out, src, len);
	return len;
}

void tui_wrap(const char *text, int width, struct tui_lines *out)
{
	size_t n = strlen(text), i = 0;
	struct line ln = { 0 }, word = { 0 };
	if (width < 2)
		width = 2;
	int pending_space = 0;
	for (;;) {
		char buf[4];
		int w = 0, space = 0, eol = 0;
		size_t len = i < n ? next_char(text, n, &i, buf, &w, &space, &eol) : 0;
		int end = i >= n && !len && !eol;
		if (space || eol || end) {
			/* A word ends: place it. */
			if (word.n) {
				if (ln.n && ln.w + pending_space + word.w > width)
					line_emit(&ln, out);
				if (ln.n && pending_space)
					line_put(&ln, " ", 1, 1);
				/* Too wide for any line: break between characters. */
				size_t k = 0;
				while (k < word.n) {
					uint32_t c;
					size_t cl = tui_utf8_decode(word.s + k, word.n - k, &c);
					int cw = tui_char_width(c);
					if (!cl)
						cl = 1;
					if (ln.w + cw > width && ln.n)
						line_emit(&ln, out);
					line_put(&ln, word.s + k, cl, cw);
					k += cl;
				}
				word.n = 0;
				word.w = 0;
				word.s[0] = '\0';
				pending_space = 0;
			}
			if (space && ln.n)
				pending_space = 1;
			if (eol || end) {
				if (eol || ln.n)
					line_emit(&ln, out);
				pending_space = 0;
				if (end)
					break;
			}
			continue;
		}
		if (len)
			line_put(&word, buf, len, w);
	}
	free(ln.s);
	free(word.s);
}

size_t tui_fit(const char *s, int width, int pad, char *out, size_t n)
{
	size_t len = strlen(s), i = 0, o = 0;
	int w = 0;
	while (i < len) {
		uint32_t c;
		size_t cl = tui_utf8_decode(s + i, len - i, &c);
		int cw = tui_char_width(c);
		if (!cl)
			cl = 1;
		if (w + cw > width || o + cl + 1 > n)
			break;
		memcpy(out + o, s + i, cl);
		o += cl;
		w += cw;
		i += cl;
	}
	while (pad && w < width && o + 2 <= n) {
		out[o++] = ' ';
		w++;
	}
	out[o] = '\0';
	return o;
}
