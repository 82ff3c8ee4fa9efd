/*
 * test_journal.c - the append-only journal (src/journal.c): records
 * appended and read back, a torn last line dropped and cut off before the
 * next append, unreadable lines counted, a missing journal empty.
 */
#include "unit.h"
#include "aw/codec.h"
#include "aw/journal.h"
#include "aw/story.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What is appended is what is read back, in order. */
static void test_append_and_load(void **state)
{
	const char *dir = *state;
	char err[512] = "";
	struct journal j;
	struct journal_data d;
	assert_int_equal(journal_open(&j, dir, NULL, err, sizeof err), 0);
	struct story *s = tu_variant(2, "g1-004", 3, "Once, twice.");
	struct match *m = tu_match(2, "g2-001", "g1-004", 'A');
	m->has_p = 1;
	m->p_a = 0.75;
	assert_int_equal(tu_journal_story(&j, s), 0);
	assert_int_equal(tu_journal_match(&j, m), 0);
	assert_int_equal((int)j.records, 2);
	journal_close(&j);

	assert_int_equal(journal_load(dir, 0, &d, err, sizeof err), 0);
	assert_int_equal((int)d.stories.n, 1);
	assert_int_equal((int)d.matches.n, 1);
	assert_int_equal((int)d.torn, 0);
	assert_null(d.stories.v[0]->id);
	assert_string_equal(d.stories.v[0]->parent_id, "g1-004");
	assert_int_equal(d.stories.v[0]->variant, 3);
	assert_int_equal(d.stories.v[0]->born, 2);
	assert_string_equal(d.stories.v[0]->text, "Once, twice.");
	assert_string_equal(d.matches.v[0]->a, "g2-001");
	assert_int_equal(d.matches.v[0]->winner, 'A');
	assert_true(d.matches.v[0]->p_a == 0.75);
	journal_data_free(&d);
	story_free(s);
	match_free(m);
}

/* A kill in the middle of a write leaves a torn last line: reading drops
 * it, and opening cuts it off so the next record starts a line. */
static void test_torn_last_line(void **state)
{
	const char *dir = *state;
	char err[512] = "";
	struct journal j;
	struct journal_data d;
	struct match *m = tu_match(0, "g0-001", "g0-002", 'B');
	struct journal_record rec = { 0 };
	rec.type = CODEC_REC_MATCH;
	rec.match = *m;
	char *line = codec_journal_line(&rec);
	size_t n = strlen(line);
	char *torn = malloc(n + n / 2 + 1);
	memcpy(torn, line, n);
	memcpy(torn + n, line, n / 2);
	char *path = tu_write(dir, CODEC_JOURNAL, torn, n + n / 2);

	assert_int_equal(journal_load(dir, 0, &d, err, sizeof err), 0);
	assert_int_equal((int)d.matches.n, 1);
	assert_int_equal((int)d.torn, 1);
	journal_data_free(&d);

	assert_int_equal(journal_open(&j, dir, NULL, err, sizeof err), 0);
	assert_int_equal(tu_journal_match(&j, m), 0);
	journal_close(&j);
	size_t len;
	char *back = tu_read(path, &len);
	assert_int_equal((int)len, (int)(2 * n));
	assert_memory_equal(back, line, n);
	assert_memory_equal(back + n, line, n);
	assert_int_equal(journal_load(dir, 0, &d, err, sizeof err), 0);
	assert_int_equal((int)d.matches.n, 2);
	assert_int_equal((int)d.torn, 0);
	journal_data_free(&d);
	free(back);
	free(path);
	free(torn);
	free(line);
	match_free(m);
}

/* Lines that are not records are counted, not fatal; a missing journal
 * is an empty one. */
static void test_bad_lines_and_missing(void **state)
{
	const char *dir = *state;
	char err[512] = "";
	struct journal_data d;
	assert_int_equal(journal_load(dir, 0, &d, err, sizeof err), 0);
	assert_int_equal((int)(d.stories.n + d.matches.n + (size_t)d.torn), 0);
	journal_data_free(&d);

	free(tu_write_str(dir, CODEC_JOURNAL,
			  "not json\n"
			  "{\"t\":\"match\",\"gen\":0,\"a\":\"x\",\"b\":\"x\",\"winner\":null}\n"
			  "{\"t\":\"story\",\"gen\":0,\"id\":\"g0-001\",\"text\":\"ok\"}\n"
			  "{\"t\":\"match\",\"gen\":0,\"a\":\"g0-001\",\"b\":\"g0-002\",\"winner\":\"A\"}\n"));
	assert_int_equal(journal_load(dir, 0, &d, err, sizeof err), 0);
	assert_int_equal((int)d.torn, 2);
	assert_int_equal((int)d.stories.n, 1);
	assert_int_equal((int)d.matches.n, 1);
	journal_data_free(&d);
}

/* A new journal starts with its header; a header anywhere else is not
 * one.  Usage is summed only from the records at or after the offset
 * run.json counted up to, by process. */
static void test_header_and_usage(void **state)
{
	const char *dir = *state;
	char err[512] = "";
	struct journal j;
	struct journal_data d;
	struct journal_record h = { 0 }, u = { 0 };
	h.type = CODEC_REC_RUN;
	snprintf(h.run_id, sizeof h.run_id, "feedfacecafebeef");
	h.seed = 42;
	assert_int_equal(journal_open(&j, dir, &h, err, sizeof err), 0);
	u.type = CODEC_REC_USAGE;
	u.has_usage = 1;
	u.usage.requests = 5;
	u.usage.reused_stories = 2;
	u.process = 1;
	assert_int_equal(journal_write(&j, &u), 0);
	long counted = journal_bytes(&j);
	u.usage.requests = 7;
	u.usage.reused_stories = 1;
	u.process = 2;
	assert_int_equal(journal_write(&j, &u), 0);
	assert_int_equal(journal_write(&j, &h), 0); /* a second header */
	journal_close(&j);
	/* reopening writes no second header */
	assert_int_equal(journal_open(&j, dir, &h, err, sizeof err), 0);
	journal_close(&j);

	assert_int_equal(journal_load(dir, counted, &d, err, sizeof err), 0);
	assert_true(d.has_header);
	assert_string_equal(d.run_id, "feedfacecafebeef");
	assert_true(d.seed == 42);
	assert_int_equal((int)d.torn, 1);
	assert_int_equal((int)d.after.requests, 7);
	assert_int_equal((int)d.nprocess, 3);
	assert_int_equal((int)d.reused[1].stories, 0);
	assert_int_equal((int)d.reused[2].stories, 1);
	journal_data_free(&d);
	assert_int_equal(journal_load(dir, 0, &d, err, sizeof err), 0);
	assert_int_equal((int)d.after.requests, 12);
	journal_data_free(&d);
}

/* A line holding a NUL, or an escape that decodes to one or to half a
 * surrogate, was damaged: it is dropped as torn, never taken with its
 * text cut short. */
static void test_damaged_lines(void **state)
{
	const char *dir = *state;
	char err[512] = "";
	struct journal_data d;
	static const char lines[] =
		"{\"t\":\"story\",\"gen\":0,\"id\":\"g0-001\",\"text\":\"one \\u0000two\"}\n"
		"{\"t\":\"story\",\"gen\":0,\"id\":\"g0-002\",\"text\":\"one \\ud800two\"}\n"
		"{\"t\":\"story\",\"gen\":0,\"id\":\"g0-003\",\"text\":\"one \0two\"}\n"
		"{\"t\":\"story\",\"gen\":0,\"id\":\"g0-004\",\"text\":\"fine \\ud83d\\ude00\"}\n";
	free(tu_write(dir, CODEC_JOURNAL, lines, sizeof lines - 1));
	assert_int_equal(journal_load(dir, 0, &d, err, sizeof err), 0);
	assert_int_equal((int)d.torn, 3);
	assert_int_equal((int)d.stories.n, 1);
	assert_string_equal(d.stories.v[0]->id, "g0-004");
	assert_string_equal(d.stories.v[0]->text, "fine \xf0\x9f\x98\x80");
	journal_data_free(&d);
}

/* A journal that cannot be created is reported with its path. */
static void test_open_fails(void **state)
{
	const char *dir = *state;
	char err[512] = "", *missing = malloc(strlen(dir) + 16);
	struct journal j;
	sprintf(missing, "%s/no/such", dir);
	assert_int_equal(journal_open(&j, missing, NULL, err, sizeof err), -1);
	assert_true(tu_contains(err, missing));
	assert_int_equal(j.fd, -1);
	free(missing);
}

int run_journal_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_append_and_load, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_torn_last_line, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_bad_lines_and_missing, tu_setup_dir,
						tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_open_fails, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_header_and_usage, tu_setup_dir,
						tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_damaged_lines, tu_setup_dir, tu_teardown_dir),
	};
	return cmocka_run_group_tests_name("journal", tests, NULL, NULL);
}
