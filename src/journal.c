/*
 * journal.c - the append-only journal file (see journal.h).
 */
#include "aw/journal.h"
#include "aw/codec.h"
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
	size_t len = strlen(line), off = 0;
	int rc = 0;
	while (off < len) {
		ssize_t w = write(j->fd, line + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = ENOSPC;
			rc = -1;
			break;
		}
		off += (size_t)w;
	}
	free(line);
	if (rc == 0)
		j->records++;
	return rc;
}

int journal_story(struct journal *j, const struct story *s)
{
	return append(j, codec_journal_story(s));
}

int journal_match(struct journal *j, const struct match *m)
{
	return append(j, codec_journal_match(m));
}

int journal_part(struct journal *j, const struct ext_part *p)
{
	return append(j, codec_journal_part(p));
}

/* ------------------------------------------------------------- reading */

int journal_parse_line(const char *line, size_t len, struct journal_data *d)
{
	struct story *s;
	struct match m;
	switch (codec_journal_parse(line, len, &s, &m)) {
	case CODEC_REC_STORY:
		population_add(&d->stories, s);
		return 0;
	case CODEC_REC_MATCH: {
		struct match *copy = match_new();
		*copy = m;
		match_list_add(&d->matches, copy);
		return 0;
	}
	default: {
		struct ext_part *p = codec_journal_part_parse(line, len);
		if (!p)
			return -1;
		if (d->nparts == d->partcap) {
			d->partcap = d->partcap ? 2 * d->partcap : 16;
			d->parts = xrealloc(d->parts, d->partcap * sizeof *d->parts);
		}
		d->parts[d->nparts++] = p;
		return 0;
	}
	}
}

int journal_load(const char *dir, struct journal_data *d, char *err, size_t errlen)
{
	char *path = xasprintf("%s/%s", dir, CODEC_JOURNAL);
	memset(d, 0, sizeof *d);
	FILE *f = fopen(path, "rb");
	if (!f) {
		int missing = errno == ENOENT;
		if (!missing)
			aw_fail(err, errlen, "cannot open '%s':", path);
		free(path);
		return missing ? 0 : -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) > 0) {
		int complete = line[n - 1] == '\n';
		if (!complete || journal_parse_line(line, (size_t)n, d) < 0)
			d->torn++;
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
	for (size_t i = 0; i < d->nparts; i++)
		ext_part_free(d->parts[i]);
	free(d->parts);
	memset(d, 0, sizeof *d);
}

/* ------------------------------------------------------------- writing */

int journal_open(struct journal *j, const char *dir, char *err, size_t errlen)
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
