/*
 * main.c - runs every group of unit tests (one group per module) and the
 * helpers the groups share.
 *
 * Each group prints cmocka's "[  PASSED  ] N test(s)." and, when some
 * failed, "[  FAILED  ] N test(s)" lines, which tests/run.sh adds up.  The
 * exit status is nonzero when any test of any group failed.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include "unit.h"
#include "aw/journal.h"
#include "aw/match.h"
#include "aw/story.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *tu_tempdir(void)
{
	const char *base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	size_t n = strlen(base) + 32;
	char *p = malloc(n);
	if (!p)
		abort();
	snprintf(p, n, "%s/aw-unit-XXXXXX", base);
	if (!mkdtemp(p)) {
		fprintf(stderr, "test: cannot create a temporary directory in %s: %s\n", base,
			strerror(errno));
		abort();
	}
	return p;
}

struct story *tu_story(const char *id, const char *text, double elo, int wins)
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

struct story *tu_variant(int gen, const char *parent, int number, const char *text)
{
	struct story *s = story_new();
	s->born = gen;
	s->parent_id = strdup(parent);
	s->variant = number;
	s->style = strdup("style");
	s->theme = strdup("theme");
	s->goal = strdup("goal");
	s->temperature = 1.0;
	s->text = strdup(text);
	s->words = text_count_words(text);
	return s;
}

struct match *tu_match(int gen, const char *a, const char *b, char winner)
{
	struct match *m = match_new();
	m->gen = gen;
	m->a = strdup(a);
	m->b = strdup(b);
	m->winner = winner;
	m->asks = 1;
	return m;
}

int tu_journal_story(struct journal *j, const struct story *s)
{
	struct journal_record r = { 0 };
	r.type = CODEC_REC_STORY;
	r.story = (struct story *)s;
	return journal_write(j, &r);
}

int tu_journal_match(struct journal *j, const struct match *m)
{
	struct journal_record r = { 0 };
	r.type = CODEC_REC_MATCH;
	r.match = *m;
	return journal_write(j, &r);
}

int tu_setup_dir(void **state)
{
	*state = tu_tempdir();
	return 0;
}

int tu_teardown_dir(void **state)
{
	tu_rmtree(*state);
	free(*state);
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void tu_rmtree(const char *dir)
{
	if (dir) {
		chmod(dir, 0700);
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	}
}

char *tu_write(const char *dir, const char *name, const void *data, size_t len)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *path = malloc(n);
	if (!path)
		abort();
	snprintf(path, n, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
		fprintf(stderr, "test: cannot write %s: %s\n", path, strerror(errno));
		abort();
	}
	return path;
}

char *tu_write_str(const char *dir, const char *name, const char *text)
{
	return tu_write(dir, name, text, strlen(text));
}

char *tu_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *s = malloc(cap);
	if (!s)
		abort();
	for (;;) {
		if (n + 1 >= cap) {
			cap *= 2;
			s = realloc(s, cap);
			if (!s)
				abort();
		}
		size_t got = fread(s + n, 1, cap - n - 1, f);
		if (got == 0)
			break;
		n += got;
	}
	fclose(f);
	s[n] = '\0';
	if (len)
		*len = n;
	return s;
}

int tu_count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

int tu_contains(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

static int saved_stdout = -1;

void tu_stdout_silence(void)
{
	fflush(stdout);
	saved_stdout = dup(STDOUT_FILENO);
	int fd = open("/dev/null", O_WRONLY);
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		close(fd);
	}
}

void tu_stdout_restore(void)
{
	fflush(stdout);
	if (saved_stdout >= 0) {
		dup2(saved_stdout, STDOUT_FILENO);
		close(saved_stdout);
		saved_stdout = -1;
	}
}

int main(void)
{
	int failed = 0;
	failed += run_verdict_tests();
	failed += run_elo_tests();
	failed += run_store_tests();
	failed += run_template_tests();
	failed += run_options_tests();
	failed += run_data_tests();
	failed += run_story_tests();
	failed += run_writer_tests();
	failed += run_llm_tests();
	failed += run_http_tests();
	failed += run_rng_tests();
	failed += run_bt_tests();
	failed += run_pairing_tests();
	failed += run_idmap_tests();
	failed += run_codec_tests();
	failed += run_journal_tests();
	failed += run_judge_tests();
	failed += run_resume_tests();
	failed += run_cli_tests();
	failed += run_sets_tests();
	failed += run_pairs_tests();
	failed += run_vote_tests();
	failed += run_tui_tests();
	failed += run_wdiff_tests();
	failed += run_html_tests();
	failed += run_chart_tests();
	failed += run_runview_tests();
	failed += run_term_tests();
	failed += run_completion_tests();
	failed += run_stats_tests();
	failed += run_diversity_tests();
	failed += run_lengthen_tests();
	failed += run_extender_tests();
	failed += run_export_tests();
	failed += run_tpolicy_tests();
	failed += run_history_tests();
	failed += run_parents_tests();
	return failed != 0 ? 1 : 0;
}
