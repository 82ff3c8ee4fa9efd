/*
 * journal.h - the run's append-only journal, which makes a killed run
 * resumable without paying twice for anything it had received.
 *
 * DIR/journal.jsonl gets one JSON line per story written and per match
 * decided (or given up on), each appended with a single write(2) as soon as
 * it is known, so `kill -9` loses at most the line being written.  Reading
 * tolerates a torn last line (it is dropped, and cut off the file before
 * new lines are appended).  Generation files remain the record of finished
 * generations; the journal matters for the generation a run was in when it
 * stopped.
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
#include "aw/story.h"

struct match;

#define JOURNAL_NAME "journal.jsonl"

struct journal {
	int fd;             /* open for appending, or -1 */
	char *path;         /* DIR/journal.jsonl */
	long records;       /* lines written by this process */
};

/* A decided (or abandoned) match as recorded. */
struct journal_match {
	int gen;            /* generation */
	int round;          /* round, 0 when barrier-free */
	char *a, *b;        /* story ids, a shown first */
	char winner;        /* 'A', 'B' or 0 */
	int has_p;          /* p_a is set */
	double p_a;         /* the judge's probability for A */
	char *reason;       /* or NULL */
	char *error;        /* why no winner, or NULL */
	int asks;           /* judge requests made */
	int used;           /* taken by the resumed run */
	unsigned char known; /* 1: a, 2: b is a variant whose id the resumed
			      * run has mapped (journal_map_id) */
};

struct journal_data {
	struct population stories;  /* written stories; born = generation */
	struct journal_match *m;    /* matches in journal order */
	size_t nm, cap;
	long torn;                  /* torn or unreadable lines dropped */
};

/* Open (create) DIR/journal.jsonl for appending, after cutting a torn last
 * line off.  0, or -1 with a message in err. */
int journal_open(struct journal *j, const char *dir, char *err, size_t errlen);
void journal_close(struct journal *j);

/* Append a record; -1 (errno set) when the write failed. */
int journal_story(struct journal *j, const struct story *s);
int journal_match(struct journal *j, int gen, const struct match *m);

/* Read DIR/journal.jsonl; a missing file is an empty journal. */
int journal_load(const char *dir, struct journal_data *d, char *err, size_t errlen);
void journal_data_free(struct journal_data *d);

/* A resumed run has given the variant the journal calls `from` the id
 * `to`: rename it in generation gen's matches (each side at most once) and
 * mark those sides known.  A journal written while variants were numbered
 * in the order asked used other ids; a variant side never mapped is not
 * trusted, so that no verdict is ever given to the wrong story. */
void journal_map_id(struct journal_data *d, int gen, const char *from, const char *to);

/* Parse one journal line into d (for journal_load and the fuzzer):
 * 0, or -1 if the line is not a valid record. */
int journal_parse_line(const char *line, size_t len, struct journal_data *d);

#endif
