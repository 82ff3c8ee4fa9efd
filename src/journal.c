/*
 * journal.c - the append-only journal file (see journal.h).
 */
#include "aw/journal.h"
#include "aw/data.h"
#include "aw/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Append one line with a single write (retried only for what a short
 * write left), so that a kill leaves at most one torn line. */
static int append(struct journal *j, char *line)
{
	int rc = aw_write_all(j->fd, line, strlen(line));
	free(line);
	if (rc == 0)
		j->records++;
	return rc;
}

int journal_write(struct journal *j, const struct journal_record *r)
{
	return append(j, codec_journal_line(r));
}

long journal_bytes(const struct journal *j)
{
	struct stat st;
	return j->fd >= 0 && fstat(j->fd, &st) == 0 ? (long)st.st_size : 0;
}

/* ------------------------------------------------------------- reading */

/* Add a record's usage to d when it was written at or after `from`. */
static void count_usage(struct journal_data *d, const struct journal_record *r, int counted)
{
	if (!r->has_usage || counted)
		return;
	run_usage_add(&d->after, &r->usage);
	d->after.reused_stories += r->usage.reused_stories;
	d->after.reused_matches += r->usage.reused_matches;
	if ((size_t)r->process >= d->nprocess) {
		size_t n = (size_t)r->process + 1;
		d->reused = xrealloc(d->reused, n * sizeof *d->reused);
		memset(d->reused + d->nprocess, 0, (n - d->nprocess) * sizeof *d->reused);
		d->nprocess = n;
	}
	d->reused[r->process].stories += r->usage.reused_stories;
	d->reused[r->process].matches += r->usage.reused_matches;
}

/* Parse one line written at byte `at` into d: 0, or -1 if it is not a
 * valid record. */
static int parse_line(const char *line, size_t len, long at, long from, struct journal_data *d)
{
	struct journal_record r;
	size_t fixed_len = 0;
	/* The run writes neither a NUL nor an escape that would decode to one
	 * (or to half a surrogate): such a line was damaged, and taking it
	 * would cut a story short.  It counts as torn. */
	if (memchr(line, '\0', len))
		return -1;
	char *fixed = data_json_repair(line, len, &fixed_len, NULL);
	if (fixed) {
		free(fixed);
		return -1;
	}
	if (codec_journal_parse(line, len, &r) < 0)
		return -1;
	count_usage(d, &r, at < from);
	switch (r.type) {
	case CODEC_REC_RUN:
		if (d->has_header || d->records) { /* a header must come first, once */
			journal_record_release(&r);
			return -1;
		}
		d->has_header = 1;
		snprintf(d->run_id, sizeof d->run_id, "%s", r.run_id);
		d->seed = r.seed;
		break;
	case CODEC_REC_STORY:
		population_add(&d->stories, r.story);
		r.story = NULL;
		break;
	case CODEC_REC_MATCH: {
		struct match *m = match_new();
		*m = r.match;
		memset(&r.match, 0, sizeof r.match);
		match_list_add(&d->matches, m);
		break;
	}
	case CODEC_REC_USAGE:
		break;
	}
	d->records++;
	journal_record_release(&r);
	return 0;
}

int journal_parse_line(const char *line, size_t len, struct journal_data *d)
{
	return parse_line(line, len, 0, 0, d);
}

int journal_load(const char *dir, long from, struct journal_data *d, char *err, size_t errlen)
{
	char *path = xasprintf("%s/%s", dir, CODEC_JOURNAL);
	memset(d, 0, sizeof *d);
	int fd = data_open_regular(path, O_RDONLY, err, errlen);
	if (fd < 0) {
		int missing = errno == ENOENT;
		free(path);
		return missing ? 0 : -1;
	}
	FILE *f = fdopen(fd, "rb");
	if (!f) {
		close(fd);
		aw_fail(err, errlen, "cannot open '%s':", path);
		free(path);
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long at = 0;
	while ((n = getline(&line, &cap, f)) > 0) {
		int complete = line[n - 1] == '\n';
		if (!complete || parse_line(line, (size_t)n, at, from, d) < 0)
			d->torn++;
		at += (long)n;
	}
	int bad = ferror(f);
	free(line);
	fclose(f);
	if (bad) {
		aw_fail(err, errlen, "cannot read '%s':", path);
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

void journal_data_free(struct journal_data *d)
{
	population_free(&d->stories);
	match_list_free(&d->matches);
	free(d->reused);
	memset(d, 0, sizeof *d);
}

/* ------------------------------------------------------------- writing */

int journal_open(struct journal *j, const char *dir, const struct journal_record *header,
		 char *err, size_t errlen)
{
	j->records = 0;
	j->path = xasprintf("%s/%s", dir, CODEC_JOURNAL);
	j->fd = open(j->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (j->fd < 0) {
		aw_fail(err, errlen, "cannot open '%s':", j->path);
		free(j->path);
		j->path = NULL;
		return -1;
	}
	/* Cut a torn last line (a kill in the middle of a write) off, so that
	 * the next record starts on a line of its own. */
	struct stat st;
	if (fstat(j->fd, &st) == 0 && st.st_size > 0) {
		off_t end = st.st_size;
		char c;
		if (pread(j->fd, &c, 1, end - 1) == 1 && c != '\n') {
			off_t keep = end - 1;
			while (keep > 0 && pread(j->fd, &c, 1, keep - 1) == 1 && c != '\n')
				keep--;
			if (ftruncate(j->fd, keep) < 0) {
				aw_fail(err, errlen, "cannot repair '%s':", j->path);
				journal_close(j);
				return -1;
			}
		}
	}
	if (header && journal_bytes(j) == 0 && journal_write(j, header) < 0) {
		aw_fail(err, errlen, "cannot write '%s':", j->path);
		journal_close(j);
		return -1;
	}
	return 0;
}

void journal_close(struct journal *j)
{
	if (j->fd >= 0) {
		fsync(j->fd);
		close(j->fd);
	}
	j->fd = -1;
	free(j->path);
	j->path = NULL;
}
