/*
 * progress.h - what a run shows while it works, on stderr.
 *
 * On a terminal: one live line per phase, redrawn in place (done/total,
 * retries, elapsed).  Not a terminal (a log file, CI): one plain line when
 * each phase ends.  --quiet: nothing.
 */
#ifndef AW_PROGRESS_H
#define AW_PROGRESS_H

#include "aw/http.h"

struct progress {
	int mode;                      /* 0 quiet, 1 plain lines, 2 live line */
	char label[96];                /* current phase */
	long done, total;              /* items finished / expected */
	long retries0;                 /* stats->retries when the phase began */
	double t0, last_draw;          /* phase start, last redraw */
	const struct http_stats *stats; /* the client's counters */
};

void progress_init(struct progress *p, int quiet, const struct http_stats *stats);
void progress_begin(struct progress *p, const char *label, long total);
void progress_step(struct progress *p);   /* one item done */
void progress_tick(void *p);              /* redraw if due (http tick hook) */
void progress_end(struct progress *p);

#endif
