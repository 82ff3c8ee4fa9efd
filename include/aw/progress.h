/*
 * progress.h - what a run shows while it works, on stderr.
 *
 * A phase is one generation: the stories it writes and the matches it
 * judges, which overlap.  On a terminal: one live line per phase, redrawn
 * in place (stories and matches ended/expected, how many of them were
 * lost, retries, elapsed).  Not a terminal (a log file, CI): one plain line
 * when each phase ends.  --quiet: nothing.
 */
#ifndef AW_PROGRESS_H
#define AW_PROGRESS_H

#include "aw/http.h"

struct progress {
	int mode;                      /* 0 quiet, 1 plain lines, 2 live line */
	char label[96];                /* current phase */
	long stories, stories_total;   /* stories ended / expected */
	long matches, matches_total;   /* matches ended / expected */
	long lost_stories, lost_matches; /* of those ended, the ones lost */
	long retries0;                 /* stats->retries when the phase began */
	double t0, last_draw;          /* phase start, last redraw */
	const struct http_stats *stats; /* the client's counters */
};

void progress_init(struct progress *p, int quiet, const struct http_stats *stats);
void progress_begin(struct progress *p, const char *label, long stories, long matches);
void progress_matches(struct progress *p, long total); /* matches expected now */
void progress_story(struct progress *p, int lost); /* one story written or lost */
void progress_match(struct progress *p, int lost); /* one match decided or lost */
void progress_tick(void *p);              /* redraw if due (http tick hook) */
void progress_end(struct progress *p);
/* A note the user should see even with --quiet ("alphawrite: note: ..."),
 * printed above the live line (arg: a struct progress). */
void progress_note(void *arg, const char *msg);

#endif
