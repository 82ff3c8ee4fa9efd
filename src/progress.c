/*
 * progress.c - phase progress on stderr (see progress.h).
 */
#include "aw/progress.h"
#include "aw/util.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

void progress_init(struct progress *p, int quiet, const struct http_stats *stats)
{
	memset(p, 0, sizeof *p);
	p->stats = stats;
	p->mode = quiet ? 0 : isatty(STDERR_FILENO) ? 2 : 1;
}

static void draw(struct progress *p)
{
	double now = aw_now();
	p->last_draw = now;
	fprintf(stderr, "\r\033[K%s  stories %ld/%ld  matches %ld/%ld  retries %ld  %.1fs",
		p->label, p->stories, p->stories_total, p->matches, p->matches_total,
		p->stats->retries - p->retries0, now - p->t0);
	fflush(stderr);
}

void progress_begin(struct progress *p, const char *label, long stories, long matches)
{
	snprintf(p->label, sizeof p->label, "%s", label);
	p->stories = p->matches = 0;
	p->stories_total = stories;
	p->matches_total = matches;
	p->retries0 = p->stats->retries;
	p->t0 = aw_now();
	if (p->mode == 2)
		draw(p);
}

void progress_matches(struct progress *p, long total)
{
	p->matches_total = total;
}

static void step(struct progress *p)
{
	if (p->mode == 2 && aw_now() - p->last_draw >= 0.1)
		draw(p);
}

void progress_story(struct progress *p)
{
	p->stories++;
	step(p);
}

void progress_match(struct progress *p)
{
	p->matches++;
	step(p);
}

void progress_tick(void *arg)
{
	struct progress *p = arg;
	if (p->mode == 2 && aw_now() - p->last_draw >= 0.25)
		draw(p);
}

void progress_end(struct progress *p)
{
	if (p->mode == 2) {
		draw(p);
		fputc('\n', stderr);
	} else if (p->mode == 1) {
		fprintf(stderr, "%s: %ld/%ld stories, %ld/%ld matches, %ld retries, %.1fs\n",
			p->label, p->stories, p->stories_total, p->matches, p->matches_total,
			p->stats->retries - p->retries0, aw_now() - p->t0);
	}
}
