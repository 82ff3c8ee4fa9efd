/*
 * term.c - terminal width and the pager (see term.h).
 *
 * The pager runs as `sh -c "$PAGER"` with the output on a pipe, as git
 * and man run theirs, so a PAGER with options works.  LESS=FRX is set when
 * the user has no LESS of their own: quit if one screen, keep colours, do
 * not clear the screen.
 */
#include "aw/term.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int term_width(int fd)
{
	struct winsize ws;
	long cols = 0;
	if (isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		cols = ws.ws_col;
	if (cols <= 0) {
		const char *env = getenv("COLUMNS");
		char *end;
		cols = env && *env ? strtol(env, &end, 10) : 0;
		if (!env || !*env || *end || cols <= 0)
			cols = 80;
	}
	return cols < 20 ? 20 : cols > 1000 ? 1000 : (int)cols;
}

size_t term_columns(const char *text, size_t n)
{
	size_t cols = 0;
	for (size_t i = 0; i < n; i++)
		cols += ((unsigned char)text[i] & 0xc0) != 0x80;
	return cols;
}

size_t term_fit(const char *text, size_t n, size_t cols)
{
	size_t used = 0, i = 0;
	while (i < n) {
		size_t len = 1;
		while (i + len < n && ((unsigned char)text[i + len] & 0xc0) == 0x80)
			len++;
		if (used + 1 > cols)
			break;
		used++;
		i += len;
	}
	return i;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int plain(const char *text, size_t len)
{
	if (len && fwrite(text, 1, len, stdout) != len)
		return -1;
	return fflush(stdout) == 0 ? 0 : -1;
}

int term_page(const char *text, size_t len)
{
	const char *pager = getenv("PAGER");
	if (!pager)
		pager = "less -FRX";
	if (!isatty(STDOUT_FILENO) || !*pager || !strcmp(pager, "cat"))
		return plain(text, len);
	int fds[2];
	fflush(stdout);
	if (pipe(fds) < 0)
		return plain(text, len);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return plain(text, len);
	}
	if (pid == 0) {
		dup2(fds[0], STDIN_FILENO);
		close(fds[0]);
		close(fds[1]);
		setenv("LESS", "FRX", 0);
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", pager, (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	/* The reader may quit before reading it all ('q' in less): a
	 * failed write then is not an error (SIGPIPE is ignored). */
	write_all(fds[1], text, len);
	close(fds[1]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && (WEXITSTATUS(st) == 126 || WEXITSTATUS(st) == 127))
		return plain(text, len); /* the pager could not start */
	return 0;
}
