/*
 * interrupt.c - the self-pipe signal handler (see interrupt.h).
 */
#include "aw/interrupt.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

volatile sig_atomic_t interrupt_count;
static int pipefd[2] = { -1, -1 };

static void on_signal(int sig)
{
	int saved = errno;
	(void)sig;
	if (interrupt_count < 100)
		interrupt_count++;
	if (pipefd[1] >= 0) {
		char c = 1;
		ssize_t r = write(pipefd[1], &c, 1);
		(void)r;
	}
	errno = saved;
}

int interrupt_install(void)
{
	if (pipe(pipefd) < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		fcntl(pipefd[i], F_SETFL, fcntl(pipefd[i], F_GETFL) | O_NONBLOCK);
		fcntl(pipefd[i], F_SETFD, FD_CLOEXEC);
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return 0;
}

int interrupt_fd(void)
{
	return pipefd[0];
}
