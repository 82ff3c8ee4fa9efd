/*
 * interrupt.h - SIGINT and SIGTERM: ask the run to stop.
 *
 * The handler only counts and writes a byte to a self-pipe; the
 * HTTP client polls the pipe's read end, so a signal ends its wait at once
 * without any unsafe work inside the handler.  The first signal asks the
 * run to stop sending and wind down; a second one to stop at once.
 */
#ifndef AW_INTERRUPT_H
#define AW_INTERRUPT_H

#include <signal.h>

extern volatile sig_atomic_t interrupt_count; /* signals received so far */

int interrupt_install(void);  /* 0, or -1 if the pipe cannot be made */
int interrupt_fd(void);       /* read end of the self-pipe, or -1 */

#endif
