/*
 * codec.h - the formats of a run directory: one encoder and one decoder for
 * each record, and the names of the files.
 *
 *   gen-NNN.json   a generation: what its tournament did, its stories
 *                  ranked best first, its matches, and the stories that
 *                  could not be written
 *   run.json       what the run is (settings, texts), how far it got, and
 *                  what it cost (usage, over every process of the run)
 *   journal.jsonl  every story and verdict as it arrived (journal.h)
 *   best.txt       the best story of the last generation
 *   inputs/        the texts the run read, one file each
 *
 * Every command that writes or reads a run goes through these functions
 * (as jq's jv_print/jv_parse), so a field added to a story is added in
 * codec_story_json() and codec_story_parse() and nowhere else.  Encoding and
 * decoding are pure (no files: store.h reads and writes them), so each
 * record is unit-tested on its own.
 *
 * A story and a match are written the same way wherever they appear, but
 * for what the place needs: a generation file adds a story's ranking, the
 * journal adds the record type and generation.  A match names its winner
 * by id everywhere (older journals used the letter it was shown under,
 * still read), so every file that holds verdicts reads as a match log.  Numbers that must read back as the same
 * double (ratings, Elo) are written with 17 significant digits.
 *
 * Ownership: encoders return a cJSON tree or a malloc'd string the caller
 * frees (cJSON_Delete, free); decoders fill structs that own their strings,
 * released with story_free(), match_free(), generation_release() and
 * run_report_release().
 */
#ifndef AW_CODEC_H
#define AW_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include "aw/match.h"
#include "aw/story.h"

struct cJSON;

/* ------------------------------------------------------------ file names */

#define CODEC_RUN "run.json"
#define CODEC_BEST "best.txt"
#define CODEC_JOURNAL "journal.jsonl"
#define CODEC_INPUTS "inputs"
#define CODEC_TEXTS 11  /* texts a run reads, kept in inputs/ */
#define CODEC_SEQUENTIAL "sequential.txt" /* a baseline's tenth text, there too */

/* "gen-007.json" for generation 7, into out (room for 24). */
void codec_generation_name(int gen, char *out, size_t n);
/* Is name one of the files a run writes through a temporary file (run.json,
 * best.txt, gen-NNN.json, an inputs/ file)?  One of inputs/? */
int codec_is_run_file(const char *name);
int codec_is_input_file(const char *name);
/* Text k of a run (0 <= k < CODEC_TEXTS): its file name in inputs/ and in
 * --prompts-dir ("writer.txt").  In the order of struct texts (run.h). */
const char *codec_input_name(int k);

/* --------------------------------------------------------------- records */

/* Where a record is written: each place keeps what it needs. */
enum codec_place {
	CODEC_IN_GENERATION,  /* a generation file */
	CODEC_IN_JOURNAL,     /* a journal line */
	CODEC_IN_LOG          /* a match log line (`rank --matches`): a, b,
			    * winner (an id or null), p_a */
};

/* A story as JSON.  In a generation file with its ranking (when it was
 * written); in the journal with "t" and "gen" and without. */
struct cJSON *codec_story_json(const struct story *s, enum codec_place where);
/* The story o describes, or NULL with the reason in err.  A generation
 * file's story needs an id; a journal's needs text, and an id (generation
 * 0) or a parent and variant number (a variant: it may have no id yet).
 * gen is the generation of the file it is read from. */
struct story *codec_story_parse(const struct cJSON *o, enum codec_place where, int gen,
				char *err, size_t errlen);

/* A match as JSON; gen is taken from m->gen in the journal. */
struct cJSON *codec_match_json(const struct match *m, enum codec_place where);
/* Fill *m (zeroed first; it owns its strings after success) from o: 0, or
 * -1 with the reason in err.  Ids must be non-empty and differ; a winner is
 * one of them (or, in an older journal, a letter) or null for none; p_a,
 * when given, a number between 0 and 1. */
int codec_match_parse(const struct cJSON *o, enum codec_place where, struct match *m,
		      char *err, size_t errlen);

/* ------------------------------------------------------ generation files */

/* How varied a generation's texts are (diversity.h). */
struct gen_diversity {
	int has;                   /* measured */
	long lineages;             /* generation-0 ancestors it descends from */
	double mean_deviation;     /* mean of the stories' deviation */
	double distinct_2;         /* unique word bigrams / all bigrams */
	double distinct_3;         /* the same for trigrams */
	double compression_ratio;  /* compressed / raw size of all its texts */
};

#define CODEC_MAX_ARMS 32     /* most temperatures in a policy's grid */

/* One temperature of a learned writing policy, for one operator. */
struct policy_arm {
	double temperature;        /* the grid value */
	long stories;              /* stories written at it so far */
	double strength;           /* estimated quality, logits (0: the mean) */
	double strength_lo;        /* its 95% interval */
	double strength_hi;
	double p_next;             /* probability it is chosen next */
};

/* The writing temperature policy after a generation (--temperature auto):
 * per operator, first drafts and variants. */
struct gen_policy {
	int has;                   /* the run learns its temperature */
	struct policy_arm draft[CODEC_MAX_ARMS];
	size_t ndraft;
	struct policy_arm variant[CODEC_MAX_ARMS];
	size_t nvariant;
};

struct generation {
	int gen;                   /* its number */
	char run_id[40];           /* the run it belongs to, or "" */
	int has_judging;           /* judging below is set */
	struct judging judging;    /* what its tournament did */
	struct gen_diversity diversity; /* how varied it is, when measured */
	struct gen_policy policy;  /* the temperature policy, when learned */
	struct population stories; /* ranked, best first */
	struct match_list matches; /* in the order they were made */
	struct population failed;  /* stories that could not be written */
};

/* The generation file's text (malloc'd).  g is only read: a caller may
 * fill a struct generation with populations it owns, by value, to write
 * them, and not release it. */
char *codec_generation_json(const struct generation *g);
/* Parse generation gen's file text into *g (zeroed first; it owns all it
 * holds after success, release with generation_release()).  path names
 * the file in messages.  0, or -1 with the reason in err. */
int codec_generation_parse(const char *text, const char *path, int gen, struct generation *g,
			   char *err, size_t errlen);
void generation_release(struct generation *g);

/* ----------------------------------------------------------------- run.json */

/* What a run spent and met, counted over every process of the run. */
struct run_usage {
	long requests;             /* attempts sent */
	long retries;              /* of those, retries */
	long failed_requests;      /* requests that failed for good */
	long peak_in_flight;       /* most attempts in flight at once */
	long prompt_tokens;        /* as the endpoint reported them */
	long completion_tokens;
	long replies_without_usage; /* replies that reported no usage */
	long length_rewrites;      /* stories written again for length */
	long trimmed_stories;      /* cut to the limit, as the generation
				    * files mark them */
	long judge_reasks;         /* judge replies asked again */
	long matches_without_winner; /* matches recorded with no winner */
	long failed_stories;       /* as the generation files list them */
	long early_variants;       /* variants sent before their parent's
				    * tournament ended */
	long discarded_variants;   /* of those, whose parent missed the top K */
	long soft_verdicts;        /* verdicts with a usable probability */
	long lost_matches;         /* matches lost to failed requests, after
				    * they were asked again */
	long repaired_replies;     /* replies whose text held a NUL or a lone
				    * surrogate, made '?' */
	long extension_requests;   /* expand and continue requests sent
				    * (extender.h) */
	long extension_rounds;     /* rounds of the lengthened stories, as the
				    * generation files mark them */
	long extended_stories;     /* stories lengthened, likewise */
	long extension_retries;    /* rounds tried again after a rejection */
	long extension_failures;   /* stories that could not be lengthened */
	long extension_rejected[4]; /* replies and rounds rejected: no_ending,
				    * repeats, meta, too_short */
	long extension_meta_stripped; /* replies whose preamble or word-count
				    * line was cut off */
	char logprobs[40];         /* "used", "off", "refused by the endpoint",
				    * "not returned by the endpoint", "none yet" */
	long faults[7];            /* failed attempts by kind (enum http_fault) */
	long unusable[6];          /* unusable 2xx replies by kind (enum llm_bad) */
	struct role_usage {        /* the same by role: 0 writer, 1 judge */
		long requests;     /* attempts sent */
		long prompt_tokens;
		long completion_tokens;
		double cost;       /* USD at the run's prices, < 0 unknown */
	} roles[2];
	double cost;               /* USD in all, < 0 unknown */
	double window_use;         /* share of request slots busy (this process) */
	long reused_stories;       /* taken from the journal (this process) */
	long reused_matches;
	long reused_parts;         /* replies of self-lengthening taken from the
				    * journal (this process) */
};

/* One --resume of a run, as run.json lists it. */
struct run_resume {
	char at[32];               /* when, ISO 8601 UTC */
	int generations_done;      /* generations done when it began */
	long reused_stories;       /* taken from the journal */
	long reused_matches;
};

/* What evolution did, by the final fit over every verdict of the run (one
 * scale for all generations): the final best story and generation 0's
 * best, each with its rating and 95% interval. */
struct run_evolution {
	int set;                   /* 0: not known (a run not finished, or
				    * written before it existed) */
	char best[40], first[40];  /* the two ids */
	double best_rating, best_lo, best_hi;
	double first_rating, first_lo, first_hi;
};

struct run_report {
	char run_id[40];           /* ties the run's files together ("" in runs
				    * written before it existed) */
	char *command;             /* the command that made it: NULL for
				    * evolve, "baseline" for a baseline */
	long journal_bytes;        /* journal.jsonl's size when it was written:
				    * usage counts every record before that
				    * offset, and none after */
	char *status;              /* running, complete, failed, interrupted */
	char *version;             /* of the program that wrote it */
	uint64_t seed;             /* the run's seed */
	char started[32];          /* when the run first began, ISO 8601 UTC */
	char finished[32];         /* when it stopped, "" while running */
	double elapsed_seconds;    /* over every process of the run */
	int generations_done;      /* generation files written */
	char *best_story;          /* id of the best story so far, or NULL */
	char *error;               /* why it failed, or NULL */
	struct cJSON *settings;    /* one key per option (options.h) */
	char *prompt;              /* the writing prompt */
	char *files[CODEC_TEXTS];  /* where each text was read from, or NULL */
	struct run_usage usage;    /* what it cost */
	struct run_resume *resumes; /* one per --resume, oldest first */
	size_t nresumes;
	struct run_evolution evolution; /* when the run is complete */
};

/* run.json's text (malloc'd). */
char *codec_run_json(const struct run_report *r);
/* Parse run.json's text into *r (zeroed first; owned, release with
 * run_report_release()).  0, or -1 with the reason in err. */
int codec_run_parse(const char *text, const char *path, struct run_report *r, char *err,
		    size_t errlen);
void run_report_release(struct run_report *r);
/* The usage of a run that continues one that had `before`: sums, but the
 * most for peak_in_flight; window_use and the reuse counts stay this
 * process's. */
void run_usage_add(struct run_usage *u, const struct run_usage *before);
/* Current time (or t, wall-clock seconds) as ISO 8601 UTC into out. */
void codec_iso_time(double t, char *out, size_t n);

/* ------------------------------------------------------------- journal */

enum codec_record {
	CODEC_REC_RUN,     /* the first line: which run the journal belongs to */
	CODEC_REC_STORY,   /* a story written */
	CODEC_REC_MATCH,   /* a match decided, undecided or lost */
	CODEC_REC_USAGE,   /* what requests that left no other record cost */
	CODEC_REC_PART     /* a reply of a story's self-lengthening */
};

/* The stages of a story's self-lengthening (extender.h). */
enum ext_stage {
	EXT_DRAFT,     /* "draft": the story as written, before any round */
	EXT_EXPAND,    /* "expand": its first half, expanded */
	EXT_CONTINUE   /* "continue": a part written from where it ends */
};

/* One reply of a story's self-lengthening, journaled the moment it
 * arrives, so that a resumed run pays for none of them again.  It names
 * its story as writer.h identifies stories (generation 0: its id; a
 * variant: its parent and number) and its place in the extension. */
struct ext_part {
	int gen;            /* the story's generation */
	char *id;           /* generation 0 (and `extend`): the story's id */
	char *parent_id;    /* a variant: its parent's id; else NULL */
	int variant;        /* a variant: its number; else 0 */
	int round;          /* extension round, 1...; 0 for the draft */
	int attempt;        /* which try of the round, 0... */
	int stage;          /* enum ext_stage */
	int part;           /* a continuation: which part, 1...; else 0 */
	int ask;            /* which try of this request, 0... */
	char *text;         /* the reply as received (the draft: as kept) */
};

void ext_part_free(struct ext_part *p);

/* One journal line.  Every line but the first may carry what the run
 * spent since the previous line of the same process (usage, process), so
 * that run.json's counts survive a kill (resume.h adds them up). */
struct journal_record {
	enum codec_record type;    /* what the line is */
	struct story *story;       /* CODEC_REC_STORY */
	struct match match;        /* CODEC_REC_MATCH */
	struct ext_part *part;     /* CODEC_REC_PART */
	char run_id[40];           /* CODEC_REC_RUN: the run's id */
	uint64_t seed;             /* CODEC_REC_RUN: the run's seed */
	int has_usage;             /* usage and process are set */
	struct run_usage usage;    /* counters spent since the process's
				    * previous line (only the counters, faults,
				    * unusable kinds and reuse counts) */
	int process;               /* 0 the run's first process, k its k-th
				    * resume */
};

/* The line for r, '\n' included (malloc'd).  A story, match or part is
 * only read (r->story and r->part are borrowed). */
char *codec_journal_line(const struct journal_record *r);
/* Parse one line into *r (zeroed first; it owns its story, match and part
 * after success: journal_record_release()).  0, or -1 when the line is not a
 * valid record. */
int codec_journal_parse(const char *line, size_t len, struct journal_record *r);
void journal_record_release(struct journal_record *r);

/* d = a - b, counter by counter (the counters that add up; not
 * peak_in_flight, window_use or logprobs). */
void run_usage_sub(struct run_usage *d, const struct run_usage *a, const struct run_usage *b);

#endif
