/*
 * test_store.c - the output directory (src/store.c): the generation JSON,
 * atomic file writes, store_prepare, run.json and best.txt.
 */
#include "unit.h"
#include "aw/http.h"
#include "aw/judge.h"
#include "aw/options.h"
#include "aw/run.h"
#include "aw/store.h"
#include "aw/story.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* A fresh temporary directory per test, removed even when it fails. */
static int setup_dir(void **state)
{
	*state = tu_tempdir();
	return 0;
}

static int teardown_dir(void **state)
{
	tu_rmtree(*state);
	free(*state);
	return 0;
}

static struct story *mkstory(const char *id, const char *text, double elo, int wins)
{
	struct story *s = story_new();
	s->id = strdup(id);
	s->born = 1;
	s->parent_id = strdup("g0-001");
	s->style = strdup("Hemingway: short declarative sentences");
	s->theme = strdup("loss");
	s->goal = strdup("sharpen the ending");
	s->temperature = 0.9;
	s->text = text ? strdup(text) : NULL;
	s->words = 3;
	s->elo = elo;
	s->wins = wins;
	s->losses = 2;
	s->matches = wins + 2;
	return s;
}

/* --------------------------------------------------- generation JSON */

static void test_generation_json(void **state)
{
	(void)state;
	struct population pop = { 0 }, failed = { 0 };
	population_add(&pop, mkstory("g1-000", "He said \"no\".\n\tThen — “silence”.", 1230.5, 3));
	population_add(&pop, mkstory("g1-001", "Short one.", 1170, 1));
	pop.v[0]->rank = 1;
	pop.v[1]->rank = 2;
	pop.v[1]->trimmed = 1;
	free(pop.v[1]->parent_id);
	pop.v[1]->parent_id = NULL;
	/* story 0 is rated, story 1 is not (its rating fields hold values that
	 * must not be written) */
	pop.v[0]->rated = 1;
	pop.v[0]->rating = 1310.25;
	pop.v[0]->rating_lo = 1250.5;
	pop.v[0]->rating_hi = 1370.75;
	pop.v[1]->rated = 0;
	pop.v[1]->rating = 999;
	pop.v[1]->rating_lo = 998;
	pop.v[1]->rating_hi = 1000;
	struct story *lost = story_new();
	lost->id = strdup("g1-002");
	lost->born = 1;
	lost->style = strdup("s");
	lost->theme = strdup("t");
	lost->error = strdup("HTTP 500 (gave up after 6 attempts)");
	population_add(&failed, lost);

	struct match mv[4];
	memset(mv, 0, sizeof mv);
	mv[0].a = pop.v[1];
	mv[0].b = pop.v[0];
	mv[0].round = 1;
	mv[0].winner = 'B';
	mv[0].reason = strdup("B is better.");
	mv[0].asks = 1;
	mv[0].has_p = 0;
	mv[0].p_a = 0.37; /* not from logprobs: must not be written */
	mv[1].a = pop.v[0];
	mv[1].b = pop.v[1];
	mv[1].round = 2;
	mv[1].winner = 0;
	mv[1].error = strdup("no verdict in 3 judge replies");
	mv[1].asks = 3;
	mv[2].a = pop.v[0];
	mv[2].b = pop.v[1];
	mv[2].round = 2;
	mv[2].winner = 'A';
	mv[2].asks = 2;
	mv[2].has_p = 1;
	mv[2].p_a = 0.83;
	/* a barrier-free match: round 0 */
	mv[3].a = pop.v[1];
	mv[3].b = pop.v[0];
	mv[3].round = 0;
	mv[3].winner = 'A';
	mv[3].asks = 1;
	mv[3].has_p = 1;
	mv[3].p_a = 0.02;
	struct match *mp[4] = { &mv[0], &mv[1], &mv[2], &mv[3] };
	struct match_list ml = { mp, 4, 4 };
	struct judge_summary sum = { 57, 48, 64, "stable", 0.35, 0.1, 12 };

	char *json = store_generation_json(1, &pop, &ml, &failed, &sum);
	assert_non_null(json);
	size_t n = strlen(json);
	assert_true(n > 0 && json[n - 1] == '\n');
	cJSON *root = cJSON_Parse(json);
	assert_non_null(root);

	assert_int_equal(cJSON_GetObjectItem(root, "generation")->valueint, 1);

	/* what the tournament did */
	const cJSON *j = cJSON_GetObjectItem(root, "judging");
	assert_true(cJSON_IsObject(j));
	assert_int_equal(cJSON_GetObjectItem(j, "calls")->valueint, 57);
	assert_int_equal(cJSON_GetObjectItem(j, "matches")->valueint, 48);
	assert_int_equal(cJSON_GetObjectItem(j, "budget")->valueint, 64);
	assert_string_equal(cJSON_GetObjectItem(j, "stopped")->valuestring, "stable");
	assert_int_equal(cJSON_GetObjectItem(j, "soft_verdicts")->valueint, 12);
	/* the position bias: logit, its 95% interval, and how often the first
	 * shown of two equal stories wins */
	const cJSON *pb = cJSON_GetObjectItem(root, "position_bias");
	assert_true(cJSON_IsObject(pb));
	assert_float_equal(cJSON_GetObjectItem(pb, "logit")->valuedouble, 0.35, 1e-12);
	assert_float_equal(cJSON_GetObjectItem(pb, "logit_lo")->valuedouble, 0.35 - 0.196, 1e-9);
	assert_float_equal(cJSON_GetObjectItem(pb, "logit_hi")->valuedouble, 0.35 + 0.196, 1e-9);
	/* 1 / (1 + e^-0.35) */
	assert_float_equal(cJSON_GetObjectItem(pb, "first_wins")->valuedouble, 0.5866175789, 1e-9);

	const cJSON *stories = cJSON_GetObjectItem(root, "stories");
	assert_true(cJSON_IsArray(stories));
	assert_int_equal(cJSON_GetArraySize(stories), 2);
	const cJSON *s0 = cJSON_GetArrayItem(stories, 0);
	assert_string_equal(cJSON_GetObjectItem(s0, "id")->valuestring, "g1-000");
	assert_int_equal(cJSON_GetObjectItem(s0, "rank")->valueint, 1);
	assert_float_equal(cJSON_GetObjectItem(s0, "elo")->valuedouble, 1230.5, 1e-9);
	assert_float_equal(cJSON_GetObjectItem(s0, "rating")->valuedouble, 1310.25, 1e-9);
	assert_float_equal(cJSON_GetObjectItem(s0, "rating_lo")->valuedouble, 1250.5, 1e-9);
	assert_float_equal(cJSON_GetObjectItem(s0, "rating_hi")->valuedouble, 1370.75, 1e-9);
	assert_int_equal(cJSON_GetObjectItem(s0, "wins")->valueint, 3);
	assert_int_equal(cJSON_GetObjectItem(s0, "losses")->valueint, 2);
	assert_int_equal(cJSON_GetObjectItem(s0, "matches")->valueint, 5);
	assert_int_equal(cJSON_GetObjectItem(s0, "born")->valueint, 1);
	assert_string_equal(cJSON_GetObjectItem(s0, "parent_id")->valuestring, "g0-001");
	assert_string_equal(cJSON_GetObjectItem(s0, "style")->valuestring,
			    "Hemingway: short declarative sentences");
	assert_string_equal(cJSON_GetObjectItem(s0, "theme")->valuestring, "loss");
	assert_string_equal(cJSON_GetObjectItem(s0, "goal")->valuestring, "sharpen the ending");
	assert_float_equal(cJSON_GetObjectItem(s0, "temperature")->valuedouble, 0.9, 1e-12);
	assert_int_equal(cJSON_GetObjectItem(s0, "words")->valueint, 3);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(s0, "trimmed")));
	/* the text round-trips exactly: quotes, tab, newline, UTF-8 */
	assert_string_equal(cJSON_GetObjectItem(s0, "text")->valuestring,
			    "He said \"no\".\n\tThen — “silence”.");
	assert_null(cJSON_GetObjectItem(s0, "error"));

	const cJSON *s1 = cJSON_GetArrayItem(stories, 1);
	assert_string_equal(cJSON_GetObjectItem(s1, "id")->valuestring, "g1-001");
	assert_int_equal(cJSON_GetObjectItem(s1, "rank")->valueint, 2);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(s1, "parent_id")));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(s1, "trimmed")));
	/* not rated: no rating fields at all (elo still there) */
	assert_null(cJSON_GetObjectItem(s1, "rating"));
	assert_null(cJSON_GetObjectItem(s1, "rating_lo"));
	assert_null(cJSON_GetObjectItem(s1, "rating_hi"));
	assert_float_equal(cJSON_GetObjectItem(s1, "elo")->valuedouble, 1170, 1e-9);

	const cJSON *ms = cJSON_GetObjectItem(root, "matches");
	assert_int_equal(cJSON_GetArraySize(ms), 4);
	const cJSON *m0 = cJSON_GetArrayItem(ms, 0);
	assert_int_equal(cJSON_GetObjectItem(m0, "round")->valueint, 1);
	assert_string_equal(cJSON_GetObjectItem(m0, "a")->valuestring, "g1-001");
	assert_string_equal(cJSON_GetObjectItem(m0, "b")->valuestring, "g1-000");
	/* the winner is written as the story's id, not as a letter */
	assert_string_equal(cJSON_GetObjectItem(m0, "winner")->valuestring, "g1-000");
	assert_string_equal(cJSON_GetObjectItem(m0, "reason")->valuestring, "B is better.");
	assert_null(cJSON_GetObjectItem(m0, "error"));
	assert_int_equal(cJSON_GetObjectItem(m0, "asks")->valueint, 1);
	assert_null(cJSON_GetObjectItem(m0, "p_a")); /* has_p 0 */
	const cJSON *m1 = cJSON_GetArrayItem(ms, 1);
	assert_int_equal(cJSON_GetObjectItem(m1, "round")->valueint, 2);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(m1, "winner")));
	assert_string_equal(cJSON_GetObjectItem(m1, "error")->valuestring,
			    "no verdict in 3 judge replies");
	assert_null(cJSON_GetObjectItem(m1, "reason"));
	assert_int_equal(cJSON_GetObjectItem(m1, "asks")->valueint, 3);
	assert_null(cJSON_GetObjectItem(m1, "p_a"));
	const cJSON *m2 = cJSON_GetArrayItem(ms, 2);
	assert_string_equal(cJSON_GetObjectItem(m2, "a")->valuestring, "g1-000");
	assert_string_equal(cJSON_GetObjectItem(m2, "winner")->valuestring, "g1-000");
	assert_null(cJSON_GetObjectItem(m2, "reason"));
	assert_null(cJSON_GetObjectItem(m2, "error"));
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(m2, "p_a")));
	assert_float_equal(cJSON_GetObjectItem(m2, "p_a")->valuedouble, 0.83, 1e-12);
	const cJSON *m3 = cJSON_GetArrayItem(ms, 3);
	assert_null(cJSON_GetObjectItem(m3, "round")); /* round 0: omitted */
	assert_string_equal(cJSON_GetObjectItem(m3, "a")->valuestring, "g1-001");
	assert_string_equal(cJSON_GetObjectItem(m3, "winner")->valuestring, "g1-001");
	assert_float_equal(cJSON_GetObjectItem(m3, "p_a")->valuedouble, 0.02, 1e-12);

	const cJSON *fs = cJSON_GetObjectItem(root, "failed");
	assert_int_equal(cJSON_GetArraySize(fs), 1);
	const cJSON *f0 = cJSON_GetArrayItem(fs, 0);
	assert_string_equal(cJSON_GetObjectItem(f0, "id")->valuestring, "g1-002");
	assert_string_equal(cJSON_GetObjectItem(f0, "error")->valuestring,
			    "HTTP 500 (gave up after 6 attempts)");
	/* a story that was never written has no text and no tournament record */
	assert_null(cJSON_GetObjectItem(f0, "text"));
	assert_null(cJSON_GetObjectItem(f0, "elo"));
	assert_null(cJSON_GetObjectItem(f0, "rank"));
	assert_null(cJSON_GetObjectItem(f0, "rating"));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(f0, "goal")));

	cJSON_Delete(root);
	free(json);
	free(mv[0].reason);
	free(mv[1].error);
	population_free(&pop);
	population_free(&failed);
}

/* Without a summary there is no "judging" and no "position_bias". */
static void test_generation_json_empty(void **state)
{
	(void)state;
	struct population pop = { 0 };
	struct match_list ml = { NULL, 0, 0 };
	char *json = store_generation_json(0, &pop, &ml, NULL, NULL);
	cJSON *root = cJSON_Parse(json);
	assert_non_null(root);
	assert_int_equal(cJSON_GetObjectItem(root, "generation")->valueint, 0);
	assert_null(cJSON_GetObjectItem(root, "judging"));
	assert_null(cJSON_GetObjectItem(root, "position_bias"));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root, "stories")), 0);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root, "matches")), 0);
	assert_true(cJSON_IsArray(cJSON_GetObjectItem(root, "failed")));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root, "failed")), 0);
	cJSON_Delete(root);
	free(json);
}

/* A summary with no bias: first_wins is exactly one half, the interval is
 * the point, and the file written by store_write_generation is the JSON. */
static void test_generation_json_zero_bias_written(void **state)
{
	const char *dir = *state;
	struct population pop = { 0 };
	population_add(&pop, mkstory("g0-000", "One.", 1200, 0));
	struct match_list ml = { NULL, 0, 0 };
	struct judge_summary sum = { 0, 0, 10, "budget", 0.0, 0.0, 0 };
	char *json = store_generation_json(0, &pop, &ml, NULL, &sum);
	cJSON *root = cJSON_Parse(json);
	assert_non_null(root);
	const cJSON *pb = cJSON_GetObjectItem(root, "position_bias");
	assert_float_equal(cJSON_GetObjectItem(pb, "first_wins")->valuedouble, 0.5, 1e-15);
	assert_float_equal(cJSON_GetObjectItem(pb, "logit_lo")->valuedouble, 0.0, 1e-15);
	assert_float_equal(cJSON_GetObjectItem(pb, "logit_hi")->valuedouble, 0.0, 1e-15);
	assert_string_equal(
		cJSON_GetObjectItem(cJSON_GetObjectItem(root, "judging"), "stopped")->valuestring,
		"budget");
	cJSON_Delete(root);

	char err[512] = "";
	assert_int_equal(store_write_generation(dir, 0, &pop, &ml, NULL, &sum, err, sizeof err), 0);
	char path[4096];
	snprintf(path, sizeof path, "%s/gen-000.json", dir);
	char *disk = tu_read(path, NULL);
	assert_non_null(disk);
	assert_string_equal(disk, json);
	free(disk);
	free(json);
	population_free(&pop);
}

/* A generation read back as it was written, Elo and ratings to the last
 * bit (a resumed run rates from them); a file with a story without text,
 * or a failed story without id, is refused naming the file. */
static void test_read_generation(void **state)
{
	const char *dir = *state;
	struct population pop = { 0 }, failed = { 0 }, back = { 0 }, fback = { 0 };
	/* 1355.5958848476398: cJSON would print it with 15 digits, one ulp off */
	struct story *s = mkstory("g1-001", "One two three.", 1355.5958848476398, 3);
	s->variant = 2;
	s->rating = 1288.5310312644494;
	s->rating_lo = 932.14066118628931;
	s->rating_hi = 1644.9214013426100;
	s->rated = 1;
	s->rank = 1;
	population_add(&pop, s);
	struct story *f = mkstory("g1-002", NULL, 1200, 0);
	f->variant = 1;
	f->error = strdup("HTTP 500: upstream failed");
	population_add(&failed, f);
	struct match_list ml = { NULL, 0, 0 };
	struct judge_summary sum = { 0, 0, 10, "budget", 0.0, 0.0, 0 };
	char err[1024] = "";
	assert_int_equal(store_write_generation(dir, 1, &pop, &ml, &failed, &sum, err, sizeof err), 0);
	struct journal_data md = { 0 };
	assert_int_equal(store_read_generation(dir, 1, &back, &fback, &md, err, sizeof err), 0);
	assert_int_equal((int)back.n, 1);
	const struct story *b = back.v[0];
	assert_string_equal(b->id, "g1-001");
	assert_string_equal(b->text, "One two three.");
	assert_string_equal(b->parent_id, "g0-001");
	assert_int_equal(b->variant, 2);
	assert_int_equal(b->born, 1);
	assert_true(b->elo == s->elo);
	assert_true(b->rated && b->rating == s->rating && b->rating_lo == s->rating_lo &&
		    b->rating_hi == s->rating_hi);
	assert_int_equal((int)fback.n, 1);
	assert_string_equal(fback.v[0]->id, "g1-002");
	assert_string_equal(fback.v[0]->error, "HTTP 500: upstream failed");
	assert_int_equal(fback.v[0]->variant, 1);
	assert_null(fback.v[0]->text);
	population_free(&back);
	population_free(&fback);
	journal_data_free(&md);

	static const char *bad[] = {
		"{\"generation\":1,\"stories\":[{\"id\":\"g1-001\"}],\"matches\":[]}",
		"{\"generation\":1,\"stories\":[],\"failed\":[{\"error\":\"x\"}],\"matches\":[]}",
		"{\"generation\":2,\"stories\":[],\"matches\":[]}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *path = tu_write_str(dir, "gen-001.json", bad[i]);
		err[0] = '\0';
		assert_int_equal(store_read_generation(dir, 1, &back, &fback, &md, err, sizeof err), -1);
		assert_true(tu_contains(err, path));
		free(path);
		population_free(&back);
		population_free(&fback);
		journal_data_free(&md);
	}
	population_free(&pop);
	population_free(&failed);
}

/* ------------------------------------------------- store_write_file */

static void test_write_file_exact(void **state)
{
	const char *dir = *state;
	char err[512] = "";
	const char data[] = "line one\nline two \xe2\x80\x9cquoted\xe2\x80\x9d\n";
	assert_int_equal(store_write_file(dir, "out.json", data, strlen(data), err, sizeof err), 0);
	char path[4096];
	snprintf(path, sizeof path, "%s/out.json", dir);
	size_t len;
	char *got = tu_read(path, &len);
	assert_non_null(got);
	assert_int_equal(len, strlen(data));
	assert_memory_equal(got, data, len);
	free(got);
	/* no temporary file is left behind */
	assert_int_equal(tu_count_entries(dir), 1);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
}

static void test_write_file_binary_and_empty(void **state)
{
	const char *dir = *state;
	char err[512] = "";
	const char data[] = { 'a', '\0', 'b', '\n', '\0' };
	assert_int_equal(store_write_file(dir, "bin", data, sizeof data, err, sizeof err), 0);
	char path[4096];
	snprintf(path, sizeof path, "%s/bin", dir);
	size_t len;
	char *got = tu_read(path, &len);
	assert_non_null(got);
	assert_int_equal(len, sizeof data);
	assert_memory_equal(got, data, sizeof data);
	free(got);

	assert_int_equal(store_write_file(dir, "empty", "", 0, err, sizeof err), 0);
	snprintf(path, sizeof path, "%s/empty", dir);
	got = tu_read(path, &len);
	assert_non_null(got);
	assert_int_equal(len, 0);
	free(got);
	assert_int_equal(tu_count_entries(dir), 2);
}

static void test_write_file_replaces(void **state)
{
	const char *dir = *state;
	char err[512] = "";
	char *path = tu_write_str(dir, "run.json", "old old old old old old old old\n");
	assert_int_equal(store_write_file(dir, "run.json", "new\n", 4, err, sizeof err), 0);
	size_t len;
	char *got = tu_read(path, &len);
	/* the whole file is the new version: nothing of the longer old one */
	assert_string_equal(got, "new\n");
	assert_int_equal(len, 4);
	free(got);
	assert_int_equal(tu_count_entries(dir), 1);
	free(path);
}

static void test_write_file_missing_dir(void **state)
{
	const char *dir = *state;
	char missing[4096];
	snprintf(missing, sizeof missing, "%s/no/such/dir", dir);
	char err[1024] = "";
	assert_int_equal(store_write_file(missing, "gen-000.json", "{}\n", 3, err, sizeof err), -1);
	assert_true(tu_contains(err, missing));
	assert_true(tu_contains(err, strerror(ENOENT)));
	/* nothing was created on the way */
	assert_int_equal(tu_count_entries(dir), 0);
}

/* The target exists as a directory: the rename fails, the temporary file
 * must not stay behind. */
static void test_write_file_rename_fails(void **state)
{
	const char *dir = *state;
	char sub[4096];
	snprintf(sub, sizeof sub, "%s/best.txt", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	free(tu_write_str(sub, "keep", "x"));
	char err[1024] = "";
	assert_int_equal(store_write_file(dir, "best.txt", "story\n", 6, err, sizeof err), -1);
	assert_true(tu_contains(err, dir));
	assert_true(tu_contains(err, "best.txt"));
	assert_int_equal(tu_count_entries(dir), 1); /* only the directory */
	assert_int_equal(tu_count_entries(sub), 1);
}

/* A directory the writer may not write to: -1, the path in the message,
 * and the existing file intact.  Root may write anywhere, so when run as
 * root the write is tried in a child that gave up root. */
static void test_write_file_not_writable(void **state)
{
	const char *dir = *state;
	char *path = tu_write_str(dir, "run.json", "{\"status\": \"running\"}\n");
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(chmod(dir, 0555), 0);

	int fds[2];
	assert_int_equal(pipe(fds), 0);
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(3);
		/* the result goes through the pipe: "-" for -1, "+" for 0, then
		 * the message (the exit status may belong to valgrind) */
		char err[1024] = "";
		int rc = store_write_file(dir, "run.json", "{\"status\": \"complete\"}\n", 23, err,
					  sizeof err);
		ssize_t w = write(fds[1], rc == -1 ? "-" : "+", 1);
		w = write(fds[1], err, strlen(err));
		(void)w;
		close(fds[1]);
		_exit(0);
	}
	close(fds[1]);
	char msg[1024];
	size_t n = 0;
	ssize_t got;
	while (n + 1 < sizeof msg && (got = read(fds[0], msg + n, sizeof msg - 1 - n)) > 0)
		n += (size_t)got;
	msg[n] = '\0';
	close(fds[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_not_equal(WEXITSTATUS(status), 3); /* could drop root */
	assert_int_equal(msg[0], '-');                 /* store_write_file returned -1 */
	assert_true(tu_contains(msg + 1, dir));
	assert_true(tu_contains(msg + 1, strerror(EACCES)));

	char *kept = tu_read(path, NULL);
	assert_non_null(kept);
	assert_string_equal(kept, "{\"status\": \"running\"}\n");
	free(kept);
	assert_int_equal(tu_count_entries(dir), 1);
	free(path);
}

/* ---------------------------------------------------- store_prepare */

static void test_prepare(void **state)
{
	const char *dir = *state;
	char err[1024] = "";
	char out[4096];
	/* a new nested directory is created */
	snprintf(out, sizeof out, "%s/a/b/out", dir);
	int lock = store_prepare(out, 0, err, sizeof err);
	assert_true(lock >= 0);
	struct stat st;
	assert_int_equal(stat(out, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	/* while the lock is held, another run is refused, naming the
	 * directory; once it is released, an existing empty directory is
	 * accepted */
	err[0] = '\0';
	assert_int_equal(store_prepare(out, 0, err, sizeof err), -1);
	assert_true(tu_contains(err, out));
	assert_true(tu_contains(err, "in use"));
	close(lock);
	lock = store_prepare(out, 0, err, sizeof err);
	assert_true(lock >= 0);
	close(lock);
	/* a directory holding a run is refused, and the message says how to
	 * continue it; with resume it is accepted, and a temporary file left
	 * by a kill is removed */
	free(tu_write_str(out, "run.json", "{}"));
	assert_int_equal(store_prepare(out, 0, err, sizeof err), -1);
	assert_true(tu_contains(err, out));
	assert_true(tu_contains(err, "--resume"));
	free(tu_write_str(out, ".gen-001.json.tmp.123", "half"));
	lock = store_prepare(out, 1, err, sizeof err);
	assert_true(lock >= 0);
	close(lock);
	char tmpf[4200];
	snprintf(tmpf, sizeof tmpf, "%s/.gen-001.json.tmp.123", out);
	assert_int_equal(access(tmpf, F_OK), -1);
	/* a directory holding something else is refused */
	char other[4096];
	snprintf(other, sizeof other, "%s/a/b/other", dir);
	assert_int_equal(mkdir(other, 0755), 0);
	free(tu_write_str(other, "notes.txt", "x"));
	err[0] = '\0';
	assert_int_equal(store_prepare(other, 0, err, sizeof err), -1);
	assert_true(tu_contains(err, other));
	/* a file is refused */
	char *file = tu_write_str(dir, "plain", "x");
	err[0] = '\0';
	assert_int_equal(store_prepare(file, 0, err, sizeof err), -1);
	assert_true(tu_contains(err, file));
	free(file);
}

/* ------------------------------------------------ run.json, best.txt */

static void test_write_run_never_holds_the_key(void **state)
{
	const char *dir = *state;
	char err[1024] = "";
	struct options o;
	memset(&o, 0, sizeof o);
	o.model = "writer-m";
	o.judge_model = "judge-m";
	o.base_url = strdup("https://alice:hunter2@example.com:8443/v1");
	o.api_key = "sk-SECRET-0123456789";
	o.out_dir = dir;
	o.token_param = "max_completion_tokens";
	o.population = 8;
	o.generations = 2;
	o.top = 2;
	o.variants = 3;
	o.rounds = 4;
	o.max_words = 300;
	o.judge_max_tokens = 512;
	o.concurrency = 4;
	o.retries = 2;
	o.timeout = 60;
	o.temperature = 0.8;
	o.top_p = 0.95;
	o.seed = 42;
	o.seed_given = 1;

	struct run run;
	memset(&run, 0, sizeof run);
	run.opt = &o;
	run.texts.prompt = strdup("Write about a lighthouse.");
	run.started = 1700000000.0;
	run.usage.prompt_tokens = 1234;
	struct http_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.url = "https://example.com:8443/v1/chat/completions";
	cfg.api_key = o.api_key;
	cfg.concurrency = 4;
	cfg.timeout = 60;
	cfg.wake_fd = -1;
	run.http = http_new(&cfg, err, sizeof err);
	assert_non_null(run.http);

	struct story *best = story_new();
	best->id = strdup("g2-004");
	best->text = strdup("The lamp went out.");
	assert_int_equal(store_write_run(dir, &run, "complete", 2, best, NULL, err, sizeof err), 0);
	assert_int_equal(store_write_best(dir, best, err, sizeof err), 0);

	char path[4096];
	snprintf(path, sizeof path, "%s/run.json", dir);
	char *json = tu_read(path, NULL);
	assert_non_null(json);
	assert_false(tu_contains(json, "sk-SECRET"));
	assert_false(tu_contains(json, "hunter2"));
	assert_false(tu_contains(json, "alice"));
	cJSON *root = cJSON_Parse(json);
	assert_non_null(root);
	assert_string_equal(cJSON_GetObjectItem(root, "status")->valuestring, "complete");
	assert_string_equal(cJSON_GetObjectItem(root, "best_story")->valuestring, "g2-004");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(root, "error")));
	assert_int_equal(cJSON_GetObjectItem(root, "generations_done")->valueint, 2);
	assert_int_equal(cJSON_GetObjectItem(root, "seed")->valueint, 42);
	assert_true(cJSON_IsString(cJSON_GetObjectItem(root, "finished")));
	const cJSON *s = cJSON_GetObjectItem(root, "settings");
	assert_string_equal(cJSON_GetObjectItem(s, "base_url")->valuestring,
			    "https://example.com:8443/v1");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(s, "api_key_set")));
	assert_string_equal(cJSON_GetObjectItem(s, "token_param")->valuestring,
			    "max_completion_tokens");
	assert_string_equal(cJSON_GetObjectItem(s, "judge_model")->valuestring, "judge-m");
	assert_int_equal(cJSON_GetObjectItem(s, "population")->valueint, 8);
	assert_int_equal(
		cJSON_GetObjectItem(cJSON_GetObjectItem(root, "usage"), "prompt_tokens")->valueint,
		1234);
	cJSON_Delete(root);
	free(json);

	snprintf(path, sizeof path, "%s/best.txt", dir);
	char *text = tu_read(path, NULL);
	assert_string_equal(text, "The lamp went out.\n");
	free(text);
	assert_int_equal(tu_count_entries(dir), 2);

	story_free(best);
	http_free(run.http);
	free(run.texts.prompt);
	free(o.base_url);
}

/* run.json records the seed so that a run can be repeated: every seed
 * options_parse accepts (0..AW_SEED_MAX, "exact as JSON numbers") must be
 * written digit for digit. */
static void test_write_run_seed_exact(void **state)
{
	static const unsigned long long seeds[] = { 0, 42, 4503599627370497ULL,
						    8000000000000001ULL, 9007199254740991ULL };
	const char *dir = *state;
	char err[1024] = "";
	struct options o;
	memset(&o, 0, sizeof o);
	o.model = o.judge_model = "m";
	o.base_url = strdup("http://localhost:8000/v1");
	o.token_param = "max_tokens";
	o.concurrency = 1;
	struct run run;
	memset(&run, 0, sizeof run);
	run.opt = &o;
	run.texts.prompt = strdup("p");
	struct http_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.url = "http://localhost:8000/v1/chat/completions";
	cfg.concurrency = 1;
	cfg.wake_fd = -1;
	run.http = http_new(&cfg, err, sizeof err);
	assert_non_null(run.http);
	char path[4096];
	snprintf(path, sizeof path, "%s/run.json", dir);
	int wrong = 0;
	for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
		o.seed = seeds[i];
		assert_int_equal(store_write_run(dir, &run, "running", 0, NULL, NULL, err, sizeof err),
				 0);
		char *json = tu_read(path, NULL);
		assert_non_null(json);
		cJSON *root = cJSON_Parse(json);
		assert_non_null(root);
		const cJSON *seed = cJSON_GetObjectItem(root, "seed");
		assert_true(cJSON_IsNumber(seed));
		if ((unsigned long long)seed->valuedouble != seeds[i]) {
			print_error("seed %llu written as %.17g\n", seeds[i], seed->valuedouble);
			wrong++;
		}
		cJSON_Delete(root);
		free(json);
	}
	http_free(run.http);
	free(run.texts.prompt);
	free(o.base_url);
	assert_int_equal(wrong, 0);
}

int run_store_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generation_json),
		cmocka_unit_test(test_generation_json_empty),
		cmocka_unit_test_setup_teardown(test_generation_json_zero_bias_written, setup_dir,
						teardown_dir),
		cmocka_unit_test_setup_teardown(test_read_generation, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_write_file_exact, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_write_file_binary_and_empty, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_write_file_replaces, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_write_file_missing_dir, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_write_file_rename_fails, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_write_file_not_writable, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_prepare, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_write_run_never_holds_the_key, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_write_run_seed_exact, setup_dir, teardown_dir),
	};
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
