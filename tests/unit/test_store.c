/*
 * test_store.c - the output directory (src/store.c): atomic file writes,
 * store_prepare, and writing and reading a generation, run.json and
 * best.txt as files.
 */
#include "unit.h"
#include "aw/codec.h"
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

/* A summary with no bias: first_wins is exactly one half, the interval is
 * the point, and the file written by store_write_generation is the JSON. */
static void test_generation_json_zero_bias_written(void **state)
{
	const char *dir = *state;
	struct population pop = { 0 };
	population_add(&pop, tu_story("g0-000", "One.", 1200, 0));
	struct judging sum = { 0, 0, 10, "budget", 0.0, 0.0, 0, 0 };
	struct generation gf = { 0 };
	gf.has_judging = 1;
	gf.judging = sum;
	gf.stories = pop;
	char *json = codec_generation_json(&gf);
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
	assert_int_equal(store_write_generation(dir, &gf, err, sizeof err), 0);
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
	struct population pop = { 0 }, failed = { 0 };
	struct generation back;
	/* 1355.5958848476398: cJSON would print it with 15 digits, one ulp off */
	struct story *s = tu_story("g1-001", "One two three.", 1355.5958848476398, 3);
	s->variant = 2;
	s->rating = 1288.5310312644494;
	s->rating_lo = 932.14066118628931;
	s->rating_hi = 1644.9214013426100;
	s->rated = 1;
	s->rank = 1;
	population_add(&pop, s);
	struct story *f = tu_story("g1-002", NULL, 1200, 0);
	f->variant = 1;
	f->error = strdup("HTTP 500: upstream failed");
	population_add(&failed, f);
	struct generation gf = { 0 };
	gf.gen = 1;
	gf.has_judging = 1;
	gf.judging = (struct judging){ 0, 0, 10, "budget", 0.0, 0.0, 0, 0 };
	gf.stories = pop;
	gf.failed = failed;
	char err[1024] = "";
	assert_int_equal(store_write_generation(dir, &gf, err, sizeof err), 0);
	assert_int_equal(store_read_generation(dir, 1, &back, err, sizeof err), 0);
	assert_int_equal((int)back.stories.n, 1);
	const struct story *b = back.stories.v[0];
	assert_string_equal(b->id, "g1-001");
	assert_string_equal(b->text, "One two three.");
	assert_string_equal(b->parent_id, "g0-001");
	assert_int_equal(b->variant, 2);
	assert_int_equal(b->born, 1);
	assert_true(b->elo == s->elo);
	assert_true(b->rated && b->rating == s->rating && b->rating_lo == s->rating_lo &&
		    b->rating_hi == s->rating_hi);
	assert_int_equal((int)back.failed.n, 1);
	assert_string_equal(back.failed.v[0]->id, "g1-002");
	assert_string_equal(back.failed.v[0]->error, "HTTP 500: upstream failed");
	assert_int_equal(back.failed.v[0]->variant, 1);
	assert_null(back.failed.v[0]->text);
	generation_release(&back);

	static const char *bad[] = {
		"{\"generation\":1,\"stories\":[{\"id\":\"g1-001\"}],\"matches\":[]}",
		"{\"generation\":1,\"stories\":[],\"failed\":[{\"error\":\"x\"}],\"matches\":[]}",
		"{\"generation\":2,\"stories\":[],\"matches\":[]}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *path = tu_write_str(dir, "gen-001.json", bad[i]);
		err[0] = '\0';
		assert_int_equal(store_read_generation(dir, 1, &back, err, sizeof err), -1);
		assert_true(tu_contains(err, path));
		assert_int_equal((int)back.stories.n, 0);
		free(path);
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

/* run.json and best.txt written and read back as files. */
static void test_run_and_best_files(void **state)
{
	const char *dir = *state;
	char err[1024] = "";
	struct run_report r = { 0 }, back;
	r.status = strdup("complete");
	r.version = strdup("9.9.9");
	r.seed = 9007199254740991ULL;
	snprintf(r.started, sizeof r.started, "2026-01-02T03:04:05Z");
	r.generations_done = 2;
	r.best_story = strdup("g2-004");
	r.settings = cJSON_CreateObject();
	cJSON_AddStringToObject(r.settings, "model", "m");
	r.usage.requests = 77;
	assert_int_equal(store_write_run(dir, &r, err, sizeof err), 0);
	assert_int_equal(store_read_run(dir, &back, err, sizeof err), 0);
	assert_string_equal(back.status, "complete");
	assert_true(back.seed == 9007199254740991ULL);
	assert_string_equal(back.best_story, "g2-004");
	assert_int_equal((int)back.usage.requests, 77);
	run_report_release(&back);
	run_report_release(&r);

	struct story *best = story_new();
	best->id = strdup("g2-004");
	best->text = strdup("The lamp went out.");
	assert_int_equal(store_write_best(dir, best, err, sizeof err), 0);
	char path[4096];
	snprintf(path, sizeof path, "%s/best.txt", dir);
	char *text = tu_read(path, NULL);
	assert_string_equal(text, "The lamp went out.\n");
	free(text);
	assert_int_equal(tu_count_entries(dir), 2);
	story_free(best);

	/* a run.json that is not one */
	free(tu_write_str(dir, "run.json", "{\"status\": \"complete\"}"));
	assert_int_equal(store_read_run(dir, &back, err, sizeof err), -1);
	assert_true(tu_contains(err, "run.json"));
	assert_true(tu_contains(err, "no settings"));
}

int run_store_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_generation_json_zero_bias_written,
						tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_read_generation, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_write_file_exact, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_write_file_binary_and_empty, tu_setup_dir,
						tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_write_file_replaces, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_write_file_missing_dir, tu_setup_dir,
						tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_write_file_rename_fails, tu_setup_dir,
						tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_write_file_not_writable, tu_setup_dir,
						tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_prepare, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup_teardown(test_run_and_best_files, tu_setup_dir, tu_teardown_dir),
	};
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
