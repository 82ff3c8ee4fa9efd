/*
 * journal.h - the run's append-only journal, which makes a killed run
 * resumable without paying twice for anything it had received.
 *
 * DIR/journal.jsonl gets one line per story written and per match decided
 * (or given up on), each appended with a single write(2) as soon as it is
 * known, so `kill -9` loses at most the line being written.  Reading
 * tolerates a torn last line (it is dropped, and cut off the file before
 * new lines are appended).  Generation files remain the record of finished
 * generations; the journal matters for the generation a run was in when it
 * stopped.  What a line holds is codec.h's business; this module only
 * keeps the file.
 *
 * A write that fails (a full disk) is reported: the run must stop rather
 * than go on with work it could not record.
 *
 * Ownership: journal_load() fills a struct journal_data that owns its
 * records; free it with journal_data_free().
 */
#ifndef AW_JOURNAL_H
#define AW_JOURNAL_H

#include <stddef.h>
#include "aw/match.h"
#include "aw/story.h"

struct journal {
	int fd;             /* open for appending, or -1 */
	char *path;         /* DIR/journal.jsonl */
	long records;       /* lines written by this process */
};

/* What a journal holds, in the order it was written. */
struct ext_part;

struct journal_data {
	struct population stories;  /* written stories; born = generation */
	struct match_list matches;  /* matches, gen set */
	struct ext_part **parts;    /* replies of self-lengthening (codec.h) */
	size_t nparts, partcap;
	long torn;                  /* torn or unreadable lines dropped */
};

/* Open (create) DIR/journal.jsonl for appending, after cutting a torn last
 * line off.  0, or -1 with a message in err. */
int journal_open(struct journal *j, const char *dir, char *err, size_t errlen);
void journal_close(struct journal *j);

/* Append a record; -1 (errno set) when the write failed. */
int journal_story(struct journal *j, const struct story *s);
int journal_match(struct journal *j, const struct match *m);
int journal_part(struct journal *j, const struct ext_part *p);

/* Read DIR/journal.jsonl; a missing file is an empty journal. */
int journal_load(const char *dir, struct journal_data *d, char *err, size_t errlen);
/* Parse one line into d (for journal_load and the fuzzer): 0, or -1 if
 * the line is not a valid record. */
int journal_parse_line(const char *line, size_t len, struct journal_data *d);
void journal_data_free(struct journal_data *d);

#endif
