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
 * Each line may also carry what the run spent since the previous line of
 * the same process (usage counters), so that run.json's counts survive a
 * kill: run.json says how much of the journal it has counted
 * (journal_bytes), and a resumed run adds what came after.
 *
 * Ownership: journal_load() fills a struct journal_data that owns its
 * records; free it with journal_data_free().
 */
#ifndef AW_JOURNAL_H
#define AW_JOURNAL_H

#include <stddef.h>
#include <stdint.h>
#include "aw/codec.h"
#include "aw/match.h"
#include "aw/story.h"

struct journal {
	int fd;             /* open for appending, or -1 */
	char *path;         /* DIR/journal.jsonl */
	long records;       /* lines written by this process */
};

/* What a journal holds, in the order it was written. */
struct journal_data {
	int has_header;             /* its first line names its run */
	char run_id[40];            /* ... that run's id */
	uint64_t seed;              /* ... and seed */
	struct population stories;  /* written stories; born = generation */
	struct match_list matches;  /* matches, gen set */
	long records;               /* valid lines */
	long torn;                  /* torn or unreadable lines dropped */
	struct run_usage after;     /* what the records written at or after
				     * journal_load's `from` spent (run.json
				     * counted the ones before) */
	struct journal_reuse {      /* ... and what each process of the run
				     * reused in them (0 the first, k the
				     * k-th resume) */
		long stories;       /* stories taken from the journal */
		long matches;       /* verdicts taken from it */
	} *reused;
	size_t nprocess;
};

/* Open (create) DIR/journal.jsonl for appending, after cutting a torn last
 * line off; a new or empty journal gets header (unless NULL) as its first
 * line.  0, or -1 with a message in err. */
int journal_open(struct journal *j, const char *dir, const struct journal_record *header,
		 char *err, size_t errlen);
void journal_close(struct journal *j);

/* Append a record; -1 (errno set) when the write failed. */
int journal_write(struct journal *j, const struct journal_record *r);
/* The journal's size now, in bytes (0 when not open). */
long journal_bytes(const struct journal *j);

/* Read DIR/journal.jsonl; a missing file is an empty journal.  Usage of
 * the records at byte offset `from` and later is summed in d->after. */
int journal_load(const char *dir, long from, struct journal_data *d, char *err, size_t errlen);
/* Parse one line into d (for the fuzzer): 0, or -1 if the line is not a
 * valid record. */
int journal_parse_line(const char *line, size_t len, struct journal_data *d);
void journal_data_free(struct journal_data *d);

#endif
