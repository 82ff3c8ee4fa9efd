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

/* "12/20" or "12/20 (3 lost)" */
static const char *count(char *buf, size_t n, long done, long total, long lost)
{
	if (lost)
		snprintf(buf, n, "%ld/%ld (%ld lost)", done, total, lost);
	else
		snprintf(buf, n, "%ld/%ld", done, total);
	return buf;
}

static void draw(struct progress *p)
{
	double now = aw_now();
	char s[64], m[64];
	p->last_draw = now;
	fprintf(stderr, "\r\033[K%s  stories %s  matches %s  retries %ld  %.1fs", p->label,
		count(s, sizeof s, p->stories, p->stories_total, p->lost_stories),
		count(m, sizeof m, p->matches, p->matches_total, p->lost_matches),
		p->stats->retries - p->retries0, now - p->t0);
	fflush(stderr);
}

void progress_begin(struct progress *p, const char *label, long stories, long matches)
{
	snprintf(p->label, sizeof p->label, "%s", label);
	p->stories = p->matches = p->lost_stories = p->lost_matches = 0;
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

void progress_story(struct progress *p, int lost)
{
	p->stories++;
	p->lost_stories += lost != 0;
	step(p);
}

void progress_match(struct progress *p, int lost)
{
	p->matches++;
	p->lost_matches += lost != 0;
	step(p);
}

void progress_tick(void *arg)
{
	struct progress *p = arg;
	if (p->mode == 2 && p->label[0] && aw_now() - p->last_draw >= 0.25)
		draw(p);
}

void progress_end(struct progress *p)
{
	if (p->mode == 2) {
		draw(p);
		fputc('\n', stderr);
	} else if (p->mode == 1) {
		char s[64], m[64];
		fprintf(stderr, "%s: %s stories, %s matches, %ld retries, %.1fs\n", p->label,
			count(s, sizeof s, p->stories, p->stories_total, p->lost_stories),
			count(m, sizeof m, p->matches, p->matches_total, p->lost_matches),
			p->stats->retries - p->retries0, aw_now() - p->t0);
	}
	p->label[0] = '\0'; /* no phase under way */
}

void progress_note(void *arg, const char *msg)
{
	struct progress *p = arg;
	if (p->mode == 2)
		fputs("\r\033[K", stderr);
	fprintf(stderr, "alphawrite: note: %s\n", msg);
	if (p->mode == 2 && p->label[0])
		draw(p);
	fflush(stderr);
}
