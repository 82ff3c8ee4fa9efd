/*
 * unit.h - the groups of the unit-test executable, and the small helpers
 * they share (defined in main.c).
 *
 * Each tests/unit/test_<module>.c defines one run_<module>_tests() that runs
 * its cmocka group and returns the number of failed tests.
 */
#ifndef AW_TESTS_UNIT_H
#define AW_TESTS_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "aw/llm.h"

/* The unit binary is linked with -Wl,--wrap=llm_ask: test_judge.c's
 * __wrap_llm_ask hands every request to tu_llm_fake when it is set (the
 * extender's tests), and otherwise answers as its judge. */
extern void (*tu_llm_fake)(struct http *h, const struct llm_request *r, struct llm_usage *usage,
			   llm_text_fn on_text, llm_fail_fn on_fail, void *ctx);

int run_verdict_tests(void);
int run_elo_tests(void);
int run_store_tests(void);
int run_template_tests(void);
int run_options_tests(void);
int run_data_tests(void);
int run_story_tests(void);
int run_writer_tests(void);
int run_llm_tests(void);
int run_http_tests(void);
int run_rng_tests(void);
int run_bt_tests(void);
int run_pairing_tests(void);
int run_idmap_tests(void);
int run_codec_tests(void);
int run_journal_tests(void);
int run_judge_tests(void);
int run_resume_tests(void);
int run_cli_tests(void);
int run_sets_tests(void);
int run_pairs_tests(void);
int run_vote_tests(void);
int run_tui_tests(void);
int run_wdiff_tests(void);
int run_html_tests(void);
int run_chart_tests(void);
int run_runview_tests(void);
int run_term_tests(void);
int run_completion_tests(void);
int run_stats_tests(void);
int run_diversity_tests(void);
int run_lengthen_tests(void);
int run_extender_tests(void);
int run_export_tests(void);
int run_tpolicy_tests(void);
int run_history_tests(void);
int run_parents_tests(void);

/* cmocka setup and teardown: *state is a new empty directory (malloc'd
 * path), removed with everything in it afterwards, even when the test
 * failed. */
int tu_setup_dir(void **state);
int tu_teardown_dir(void **state);
/* Records for tests.  tu_story: a rated-looking variant of g0-001 in
 * generation 1, with provenance, text (may be NULL) and a tournament
 * record; tu_variant: variant `number` of parent in generation gen, no id;
 * tu_match: a match of generation gen between ids a and b (a shown first),
 * winner 'A', 'B' or 0, one judge request. */
struct story;
struct match;
struct story *tu_story(const char *id, const char *text, double elo, int wins);
struct story *tu_variant(int gen, const char *parent, int number, const char *text);
struct match *tu_match(int gen, const char *a, const char *b, char winner);
/* Append a story or a match to an open journal: 0, or -1. */
struct journal;
int tu_journal_story(struct journal *j, const struct story *s);
int tu_journal_match(struct journal *j, const struct match *m);
/* A new empty directory under $TMPDIR or /tmp (malloc'd path). */
char *tu_tempdir(void);
/* Remove dir and everything in it. */
void tu_rmtree(const char *dir);
/* Write len bytes to dir/name; returns the path (malloc'd). */
char *tu_write(const char *dir, const char *name, const void *data, size_t len);
/* Write a NUL-terminated string to dir/name; returns the path (malloc'd). */
char *tu_write_str(const char *dir, const char *name, const char *text);
/* The whole file (malloc'd, NUL-terminated, *len bytes), or NULL. */
char *tu_read(const char *path, size_t *len);
/* Number of entries in dir, "." and ".." not counted; -1 if unreadable. */
int tu_count_entries(const char *dir);
/* Does hay contain needle? (NULL hay: no) */
int tu_contains(const char *hay, const char *needle);
/* Send stdout to /dev/null until tu_stdout_restore(). */
void tu_stdout_silence(void);
void tu_stdout_restore(void);

#endif
