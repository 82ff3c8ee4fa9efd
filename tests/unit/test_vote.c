/*
 * test_vote.c - the verdict file of compare and rate (src/vote.c): a line
 * reads back as written, a hand-written line needs only the five required
 * fields, bad lines are refused with their line number, a torn last line
 * is dropped (and cut off before the next append), and undo removes
 * exactly the last line.
 */
#include "unit.h"
#include "aw/vote.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct vote sample(void)
{
	struct vote v;
	vote_init(&v);
	v.judge = strdup("gpt-4o-mini");
	v.pair = 17;
	v.a_id = strdup("g5-003");
	v.b_id = strdup("g0-011");
	v.first = 'b';
	v.winner = 'a';
	v.has_p = 1;
	v.p_a = 0.912345678901;
	v.a_words = 412;
	v.b_words = 388;
	v.a_hash = strdup("0123456789abcdef");
	v.b_hash = strdup("fedcba9876543210");
	v.context = strdup("5e1f0c2a9b3d7e44");
	v.asks = 2;
	v.reason = strdup("B \"rambles\"\nA lands.");
	return v;
}

static void test_round_trip(void **state)
{
	(void)state;
	struct vote v = sample(), w;
	char *line = vote_line(&v);
	assert_true(line[strlen(line) - 1] == '\n');
	assert_true(strchr(line, '\n') == line + strlen(line) - 1); /* one line */
	char err[256] = "";
	assert_int_equal(vote_parse(line, strlen(line), &w, err, sizeof err), 0);
	assert_string_equal(w.judge, v.judge);
	assert_int_equal(w.pair, 17);
	assert_string_equal(w.a_id, "g5-003");
	assert_string_equal(w.b_id, "g0-011");
	assert_int_equal(w.first, 'b');
	assert_int_equal(w.winner, 'a');
	assert_true(w.has_p);
	assert_float_equal(w.p_a, v.p_a, 0);
	assert_int_equal(w.a_words, 412);
	assert_int_equal(w.b_words, 388);
	assert_string_equal(w.a_hash, v.a_hash);
	assert_string_equal(w.b_hash, v.b_hash);
	assert_string_equal(w.context, v.context);
	assert_int_equal(w.asks, 2);
	assert_string_equal(w.reason, v.reason);
	assert_null(w.error);
	assert_true(w.seconds < 0);
	vote_release(&w);
	free(line);
	/* no verdict, and a person's tie */
	v.winner = 0;
	v.error = strdup("no verdict in 3 judge replies");
	line = vote_line(&v);
	assert_true(tu_contains(line, "\"winner\":null"));
	assert_int_equal(vote_parse(line, strlen(line), &w, err, sizeof err), 0);
	assert_int_equal(w.winner, 0);
	assert_float_equal(vote_score(&w), -1, 0);
	vote_release(&w);
	free(line);
	v.winner = 't';
	v.seconds = 12.5;
	line = vote_line(&v);
	assert_true(tu_contains(line, "\"winner\":\"tie\""));
	assert_int_equal(vote_parse(line, strlen(line), &w, err, sizeof err), 0);
	assert_int_equal(w.winner, 't');
	assert_float_equal(w.seconds, 12.5, 0);
	assert_float_equal(vote_score(&w), 0.5, 0);
	vote_release(&w);
	free(line);
	vote_release(&v);
}

static void test_minimal_and_bad(void **state)
{
	(void)state;
	struct vote w;
	char err[256];
	const char *ok = "{\"judge\": \"person\", \"a_id\": \"x\", \"b_id\": \"y\", \"first\": \"a\", "
			 "\"winner\": \"b\"}";
	assert_int_equal(vote_parse(ok, strlen(ok), &w, err, sizeof err), 0);
	assert_int_equal(w.pair, -1);
	assert_int_equal(w.a_words, -1);
	assert_false(w.has_p);
	assert_float_equal(vote_score(&w), 0, 0);
	vote_release(&w);
	static const struct {
		const char *line, *words;
	} bad[] = {
		{ "{\"a_id\": \"x\", \"b_id\": \"y\", \"first\": \"a\", \"winner\": \"a\"}", "judge" },
		{ "{\"judge\": \"j\", \"a_id\": \"\", \"b_id\": \"y\", \"first\": \"a\", \"winner\": \"a\"}", "a_id" },
		{ "{\"judge\": \"j\", \"a_id\": \"x\", \"b_id\": \"y\", \"first\": \"A\", \"winner\": \"a\"}", "first" },
		{ "{\"judge\": \"j\", \"a_id\": \"x\", \"b_id\": \"y\", \"first\": \"a\"}", "winner" },
		{ "{\"judge\": \"j\", \"a_id\": \"x\", \"b_id\": \"y\", \"first\": \"a\", \"winner\": \"x\"}", "winner" },
		{ "{\"judge\": \"j\", \"a_id\": \"x\", \"b_id\": \"y\", \"first\": \"a\", \"winner\": \"a\", \"p_a\": 1.5}", "p_a" },
		{ "{\"judge\": \"j\", \"a_id\": \"x\", \"b_id\": \"y\", \"first\": \"a\", \"winner\": \"a\", \"pair\": -1}", "pair" },
		{ "{\"judge\": \"j\", \"a_id\": \"x\", \"b_id\": \"y\", \"first\": \"a\", \"winner\": \"a\", \"a_words\": 1.5}", "a_words" },
		{ "[1, 2]", "object" },
		{ "{\"judge\": \"j\"} trailing", "JSON" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		assert_int_equal(vote_parse(bad[i].line, strlen(bad[i].line), &w, err, sizeof err), -1);
		if (!tu_contains(err, bad[i].words))
			fail_msg("line %zu: expected \"%s\" in: %s", i, bad[i].words, err);
		assert_null(w.judge);
	}
}

static const char *const L1 =
	"{\"judge\": \"j\", \"pair\": 0, \"a_id\": \"x\", \"b_id\": \"y\", \"first\": \"a\", \"winner\": \"a\"}\n";
static const char *const L2 =
	"{\"judge\": \"j\", \"pair\": 0, \"a_id\": \"x\", \"b_id\": \"y\", \"first\": \"b\", \"winner\": \"b\"}\n";

static void test_read_file(void **state)
{
	const char *dir = *state;
	char err[512] = "", path[4096];
	struct vote_list l;
	int torn = -1;
	snprintf(path, sizeof path, "%s/missing.jsonl", dir);
	assert_int_equal(vote_read_file(path, 1, &l, &torn, err, sizeof err), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(vote_read_file(path, 0, &l, &torn, err, sizeof err), -1);
	assert_true(tu_contains(err, "No such file"));

	char *text = malloc(4096);
	snprintf(text, 4096, "%s\n   \n%s{\"judge\": \"j\", \"a_id\"", L1, L2);
	char *p = tu_write_str(dir, "torn.jsonl", text);
	assert_int_equal(vote_read_file(p, 0, &l, &torn, err, sizeof err), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(torn, 1);
	assert_int_equal(l.v[1].first, 'b');
	vote_list_free(&l);
	free(p);

	/* a bad line that is not the last is an error with its number */
	snprintf(text, 4096, "%s%snot json\n%s", L1, L2, L1);
	p = tu_write_str(dir, "bad.jsonl", text);
	assert_int_equal(vote_read_file(p, 0, &l, &torn, err, sizeof err), -1);
	assert_true(tu_contains(err, "line 3"));
	assert_int_equal(l.n, 0);
	free(p);
	/* so is a complete last line that is JSON but not a verdict */
	snprintf(text, 4096, "%s{\"judge\": \"j\"}", L1);
	p = tu_write_str(dir, "bad2.jsonl", text);
	assert_int_equal(vote_read_file(p, 0, &l, &torn, err, sizeof err), -1);
	assert_true(tu_contains(err, "line 2"));
	free(p);
	free(text);
}

static void test_append_and_undo(void **state)
{
	const char *dir = *state;
	char err[512] = "";
	/* a torn tail is cut off when the file is opened */
	char *text = malloc(4096);
	snprintf(text, 4096, "%s{\"judge\": \"j\", \"a_", L1);
	char *p = tu_write_str(dir, "v.jsonl", text);
	struct vote_file f = { -1, NULL };
	assert_int_equal(vote_file_open(&f, p, err, sizeof err), 0);
	struct vote v = sample();
	assert_int_equal(vote_file_append(&f, &v), 0);
	assert_int_equal(vote_file_append(&f, &v), 0);
	size_t len;
	char *disk = tu_read(p, &len);
	char *line = vote_line(&v);
	snprintf(text, 4096, "%s%s%s", L1, line, line);
	assert_string_equal(disk, text);
	free(disk);
	/* undo removes the last line, and only it, each time */
	assert_int_equal(vote_file_drop_last(&f), 0);
	disk = tu_read(p, NULL);
	snprintf(text, 4096, "%s%s", L1, line);
	assert_string_equal(disk, text);
	free(disk);
	assert_int_equal(vote_file_drop_last(&f), 0);
	assert_int_equal(vote_file_drop_last(&f), 0);
	disk = tu_read(p, &len);
	assert_int_equal(len, 0);
	free(disk);
	assert_int_equal(vote_file_drop_last(&f), 0); /* nothing left: no-op */
	vote_file_close(&f);
	assert_int_equal(f.fd, -1);
	free(line);
	free(text);
	free(p);
	vote_release(&v);
	/* a file that cannot be made */
	char bad[4096];
	snprintf(bad, sizeof bad, "%s/no/such/dir.jsonl", dir);
	assert_int_equal(vote_file_open(&f, bad, err, sizeof err), -1);
	assert_true(tu_contains(err, "dir.jsonl"));
}

static void test_hash(void **state)
{
	(void)state;
	char a[17], b[17], c[17];
	vote_hash("a story", 7, a);
	vote_hash("a story", 7, b);
	vote_hash("a storz", 7, c);
	assert_int_equal(strlen(a), 16);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
}

int run_vote_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_minimal_and_bad),
		cmocka_unit_test_setup_teardown(test_read_file, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_append_and_undo, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test(test_hash),
	};
	return cmocka_run_group_tests_name("vote", tests, NULL, NULL);
}
