/*
 * store.c - writing the output directory (see store.h).
 */
#include "aw/store.h"
#include "aw/buf.h"
#include "aw/data.h"
#include "aw/util.h"
#include "aw/version.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int mkdirs(const char *path)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*s = '/';
	}
	int rc = mkdir(p, 0777) < 0 && errno != EEXIST ? -1 : 0;
	free(p);
	return rc;
}

/* Is name ".<file>.tmp.<pid>", left by store_write_file for one of the
 * files it writes?  Anything else that looks like it is the user's. */
static int is_our_tmp(const char *name)
{
	const char *t = strstr(name, ".tmp.");
	if (name[0] != '.' || !t || !t[5] || t[5 + strspn(t + 5, "0123456789")])
		return 0;
	size_t n = (size_t)(t - name - 1);
	const char *base = name + 1;
	if ((n == 8 && !strncmp(base, "run.json", 8)) || (n == 8 && !strncmp(base, "best.txt", 8)))
		return 1;
	if (n == 12 && !strncmp(base, "gen-", 4) && strspn(base + 4, "0123456789") == 3 &&
	    !strncmp(base + 7, ".json", 5))
		return 1;
	for (int k = 0; k < TEXTS_N; k++) {
		const char *f = texts_file_name(k);
		if (strlen(f) == n && !strncmp(base, f, n))
			return 1;
	}
	return 0;
}

/* Does DIR/inputs hold only files a run writes there? */
static int inputs_are_ours(const char *dir)
{
	char *sub = xasprintf("%s/inputs", dir);
	DIR *d = opendir(sub);
	int ours = d != NULL;
	free(sub);
	if (!d)
		return 0;
	struct dirent *e;
	while (ours && (e = readdir(d))) {
		int known = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || is_our_tmp(e->d_name);
		for (int k = 0; k < TEXTS_N && !known; k++)
			known = !strcmp(e->d_name, texts_file_name(k));
		ours = known;
	}
	closedir(d);
	return ours;
}

/* Remove the temporary files a killed run left in dir. */
static void remove_our_tmp(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)))
		if (is_our_tmp(e->d_name))
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
}

/* Remove DIR/inputs and the files in it. */
static int clear_inputs(const char *dir)
{
	char *sub = xasprintf("%s/inputs", dir);
	DIR *d = opendir(sub);
	int rc = 0;
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
			    unlinkat(dirfd(d), e->d_name, 0) < 0)
				rc = -1;
		closedir(d);
	}
	if (rc == 0 && rmdir(sub) < 0 && errno != ENOENT)
		rc = -1;
	free(sub);
	return rc;
}

/* What dir holds: refuse it unless it is empty (a new run) or holds a run
 * (resume); then remove what a kill left. */
static int take_contents(const char *dir, int resume, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	if (!d)
		return aw_fail(err, errlen, "cannot open output directory '%s':", dir);
	struct dirent *e;
	int has_run = 0, other = 0, has_inputs = 0;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (!strcmp(e->d_name, "run.json"))
			has_run = 1;
		else if (is_our_tmp(e->d_name))
			; /* left by a kill: removed below, once the directory is taken */
		else if (!strcmp(e->d_name, "inputs"))
			has_inputs = 1;
		else
			other = 1;
	}
	closedir(d);
	/* Only inputs/, holding only what a run writes there: a run killed
	 * before its run.json was written.  Nothing of it was paid for, so a
	 * new run may take its place. */
	if (has_inputs && !has_run && !other && !resume) {
		if (!inputs_are_ours(dir))
			other = 1;
		else if (clear_inputs(dir) < 0)
			return aw_fail(err, errlen, "cannot clear '%s/inputs':", dir);
	}
	other |= has_inputs && !has_run && resume;
	if (has_run && !resume)
		return aw_fail(err, errlen,
			       "output directory '%s' already holds a run; continue it with "
			       "--resume '%s', or choose a new --out", dir, dir);
	if (!has_run && (other || resume))
		return aw_fail(err, errlen,
			       "%s '%s' is not empty and holds no run; choose a new or empty --out",
			       resume ? "directory" : "output directory", dir);
	remove_our_tmp(dir);
	return 0;
}

int store_prepare(const char *dir, int resume, char *err, size_t errlen)
{
	struct stat st;
	if (stat(dir, &st) < 0) {
		if (resume)
			return aw_fail(err, errlen, "cannot resume '%s':", dir);
		if (mkdirs(dir) < 0)
			return aw_fail(err, errlen, "cannot create output directory '%s':", dir);
	} else if (!S_ISDIR(st.st_mode)) {
		return aw_fail(err, errlen, "output '%s' exists and is not a directory", dir);
	}
	/* The lock comes before the look inside, so that two runs started
	 * together cannot both find the directory free.  A file system
	 * without flock (some network ones) runs unlocked. */
	int lock = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock < 0)
		return aw_fail(err, errlen, "cannot open output directory '%s':", dir);
	if (flock(lock, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
		close(lock);
		return aw_fail(err, errlen, "'%s' is in use by another alphawrite run; wait for it to "
			       "end, or choose another --out", dir);
	}
	if (take_contents(dir, resume, err, errlen) < 0) {
		close(lock);
		return -1;
	}
	if (access(dir, W_OK) < 0) {
		close(lock);
		return aw_fail(err, errlen, "cannot write to output directory '%s':", dir);
	}
	return lock;
}

int store_write_inputs(const char *dir, const struct texts *t, char *err, size_t errlen)
{
	char *sub = xasprintf("%s/inputs", dir);
	int rc = 0;
	if (mkdir(sub, 0777) < 0 && errno != EEXIST) {
		rc = aw_fail(err, errlen, "cannot create '%s':", sub);
		goto out;
	}
	const char *one[6] = { t->prompt, t->rubric, t->writer, t->variant, t->judge, t->reask };
	const struct strlist *lists[3] = { &t->styles, &t->themes, &t->goals };
	for (int k = 0; k < TEXTS_N && rc == 0; k++) {
		struct buf b = BUF_INIT;
		if (k < 2) { /* prompt and rubric were trimmed when read */
			buf_puts(&b, one[k]);
			buf_puts(&b, "\n");
		} else if (k < 6) { /* templates: exactly as read */
			buf_puts(&b, one[k]);
		} else {
			for (size_t i = 0; i < lists[k - 6]->n; i++)
				buf_printf(&b, "%s\n", lists[k - 6]->v[i]);
		}
		rc = store_write_file(sub, texts_file_name(k), buf_str(&b), b.len, err, errlen);
		buf_release(&b);
	}
out:
	free(sub);
	return rc;
}

/* A string field, copied, or NULL. */
static char *get_str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? xstrdup(v->valuestring) : NULL;
}

static double get_num(const cJSON *o, const char *k, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* A story of a generation file, as story_json() wrote it (a failed one has
 * no text, an error instead); id or text may be missing. */
static struct story *story_from_json(const cJSON *o, int gen)
{
	struct story *s = story_new();
	s->id = get_str(o, "id");
	s->text = get_str(o, "text");
	s->error = get_str(o, "error");
	s->born = (int)get_num(o, "born", gen);
	s->parent_id = get_str(o, "parent_id");
	s->variant = (int)get_num(o, "variant", 0);
	s->style = get_str(o, "style");
	s->theme = get_str(o, "theme");
	s->goal = get_str(o, "goal");
	s->temperature = get_num(o, "temperature", 0);
	s->words = s->text ? text_count_words(s->text) : 0;
	s->trimmed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "trimmed"));
	s->elo = get_num(o, "elo", s->elo);
	s->rank = (int)get_num(o, "rank", 0);
	if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, "rating"))) {
		s->rating = get_num(o, "rating", 0);
		s->rating_lo = get_num(o, "rating_lo", s->rating);
		s->rating_hi = get_num(o, "rating_hi", s->rating);
		s->rated = 1;
	}
	return s;
}

int store_read_generation(const char *dir, int gen, struct population *pop,
			  struct population *failed, struct journal_data *matches, char *err,
			  size_t errlen)
{
	char *path = xasprintf("%s/gen-%03d.json", dir, gen);
	char *text = NULL;
	int rc = -1;
	cJSON *root = NULL;
	if (data_read_text_max(path, DATA_MAX_RUN_FILE, &text, err, errlen) < 0)
		goto out;
	root = cJSON_Parse(text);
	const cJSON *stories = cJSON_GetObjectItemCaseSensitive(root, "stories");
	const cJSON *ms = cJSON_GetObjectItemCaseSensitive(root, "matches");
	const cJSON *g = cJSON_GetObjectItemCaseSensitive(root, "generation");
	if (!cJSON_IsArray(stories) || !cJSON_IsArray(ms) || !cJSON_IsNumber(g) ||
	    (int)g->valuedouble != gen) {
		aw_fail(err, errlen, "'%s' is not generation %d of a run", path, gen);
		goto out;
	}
	const cJSON *o;
	cJSON_ArrayForEach(o, stories) {
		struct story *s = story_from_json(o, gen);
		if (!s->id || !s->text) {
			story_free(s);
			aw_fail(err, errlen, "'%s': a story without id or text", path);
			goto out;
		}
		population_add(pop, s);
	}
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(root, "failed")) {
		struct story *s = story_from_json(o, gen);
		if (!s->id) {
			story_free(s);
			aw_fail(err, errlen, "'%s': a failed story without id", path);
			goto out;
		}
		population_add(failed, s);
	}
	cJSON_ArrayForEach(o, ms) {
		/* A journal match record has the same fields, with "t", "gen" and
		 * the winner as "A" or "B": convert, so that one parser serves. */
		cJSON *rec = cJSON_Duplicate(o, 1);
		const char *a = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "a"));
		const char *b = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "b"));
		const char *w = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "winner"));
		cJSON_DeleteItemFromObjectCaseSensitive(rec, "winner");
		if (w && a && strcmp(w, a) == 0)
			cJSON_AddStringToObject(rec, "winner", "A");
		else if (w && b && strcmp(w, b) == 0)
			cJSON_AddStringToObject(rec, "winner", "B");
		cJSON_AddStringToObject(rec, "t", "match");
		cJSON_AddNumberToObject(rec, "gen", gen);
		char *line = cJSON_PrintUnformatted(rec);
		cJSON_Delete(rec);
		int bad = !line || (w && !(a && !strcmp(w, a)) && !(b && !strcmp(w, b))) ||
			  journal_parse_line(line, strlen(line), matches) < 0;
		cJSON_free(line);
		if (bad) {
			aw_fail(err, errlen, "'%s': a match is not valid", path);
			goto out;
		}
	}
	rc = 0;
out:
	cJSON_Delete(root);
	free(text);
	free(path);
	return rc;
}

int store_write_file(const char *dir, const char *name, const char *data, size_t len,
		     char *err, size_t errlen)
{
	char *tmp = xasprintf("%s/.%s.tmp.%ld", dir, name, (long)getpid());
	char *path = xasprintf("%s/%s", dir, name);
	int rc = -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		aw_fail(err, errlen, "cannot create '%s':", tmp);
		goto out;
	}
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			aw_fail(err, errlen, "cannot write '%s':", path);
			close(fd);
			unlink(tmp);
			goto out;
		}
		off += (size_t)w;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		aw_fail(err, errlen, "cannot write '%s':", path);
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path) < 0) {
		aw_fail(err, errlen, "cannot rename '%s' to '%s':", tmp, path);
		unlink(tmp);
		goto out;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	rc = 0;
out:
	free(tmp);
	free(path);
	return rc;
}

static cJSON *str_or_null(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

/* A number that reads back as exactly the same double (cJSON keeps 15
 * digits when they come within an ulp): the Elo a variant inherits, read
 * back by a resumed run, must be the one the run held. */
static void add_exact(cJSON *o, const char *key, double v)
{
	char buf[40];
	if (!isfinite(v)) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	snprintf(buf, sizeof buf, "%.17g", v);
	cJSON_AddRawToObject(o, key, buf);
}

static cJSON *story_json(const struct story *s)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", s->id);
	if (s->rank)
		cJSON_AddNumberToObject(o, "rank", s->rank);
	if (s->rated) {
		add_exact(o, "rating", s->rating);
		add_exact(o, "rating_lo", s->rating_lo);
		add_exact(o, "rating_hi", s->rating_hi);
	}
	if (s->text) {
		add_exact(o, "elo", s->elo);
		cJSON_AddNumberToObject(o, "wins", s->wins);
		cJSON_AddNumberToObject(o, "losses", s->losses);
		cJSON_AddNumberToObject(o, "matches", s->matches);
	}
	cJSON_AddNumberToObject(o, "born", s->born);
	cJSON_AddItemToObject(o, "parent_id", str_or_null(s->parent_id));
	if (s->variant)
		cJSON_AddNumberToObject(o, "variant", s->variant);
	else
		cJSON_AddNullToObject(o, "variant");
	cJSON_AddItemToObject(o, "style", str_or_null(s->style));
	cJSON_AddItemToObject(o, "theme", str_or_null(s->theme));
	cJSON_AddItemToObject(o, "goal", str_or_null(s->goal));
	cJSON_AddNumberToObject(o, "temperature", s->temperature);
	if (s->text) {
		cJSON_AddNumberToObject(o, "words", (double)s->words);
		cJSON_AddBoolToObject(o, "trimmed", s->trimmed);
		cJSON_AddStringToObject(o, "text", s->text);
	}
	if (s->error)
		cJSON_AddStringToObject(o, "error", s->error);
	return o;
}

static char *print(cJSON *root)
{
	char *s = cJSON_Print(root);
	cJSON_Delete(root);
	if (!s) {
		fprintf(stderr, "alphawrite: out of memory printing JSON\n");
		abort();
	}
	char *out = xasprintf("%s\n", s);
	cJSON_free(s);
	return out;
}

char *store_generation_json(int gen, const struct population *pop,
			    const struct match_list *matches, const struct population *failed,
			    const struct judge_summary *sum)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "generation", gen);
	if (sum) {
		cJSON *j = cJSON_AddObjectToObject(root, "judging");
		cJSON_AddNumberToObject(j, "calls", (double)sum->calls);
		cJSON_AddNumberToObject(j, "matches", (double)sum->matches);
		cJSON_AddNumberToObject(j, "budget", (double)sum->budget);
		cJSON_AddStringToObject(j, "stopped", sum->stop ? sum->stop : "budget");
		cJSON_AddNumberToObject(j, "soft_verdicts", (double)sum->soft);
		cJSON *b = cJSON_AddObjectToObject(root, "position_bias");
		cJSON_AddNumberToObject(b, "logit", sum->bias);
		cJSON_AddNumberToObject(b, "logit_lo", sum->bias - 1.96 * sum->bias_se);
		cJSON_AddNumberToObject(b, "logit_hi", sum->bias + 1.96 * sum->bias_se);
		cJSON_AddNumberToObject(b, "first_wins", 1.0 / (1.0 + exp(-sum->bias)));
	}
	cJSON *stories = cJSON_AddArrayToObject(root, "stories");
	for (size_t i = 0; i < pop->n; i++)
		cJSON_AddItemToArray(stories, story_json(pop->v[i]));
	cJSON *ms = cJSON_AddArrayToObject(root, "matches");
	for (size_t i = 0; i < matches->n; i++) {
		const struct match *m = matches->v[i];
		cJSON *o = cJSON_CreateObject();
		if (m->round)
			cJSON_AddNumberToObject(o, "round", m->round);
		cJSON_AddStringToObject(o, "a", m->a->id);
		cJSON_AddStringToObject(o, "b", m->b->id);
		cJSON_AddItemToObject(o, "winner",
				      str_or_null(m->winner == 'A' ? m->a->id :
						  m->winner == 'B' ? m->b->id : NULL));
		if (m->has_p)
			cJSON_AddNumberToObject(o, "p_a", m->p_a);
		if (m->reason)
			cJSON_AddStringToObject(o, "reason", m->reason);
		if (m->error)
			cJSON_AddStringToObject(o, "error", m->error);
		cJSON_AddNumberToObject(o, "asks", m->asks);
		cJSON_AddItemToArray(ms, o);
	}
	cJSON *fs = cJSON_AddArrayToObject(root, "failed");
	for (size_t i = 0; failed && i < failed->n; i++)
		cJSON_AddItemToArray(fs, story_json(failed->v[i]));
	return print(root);
}

int store_write_generation(const char *dir, int gen, const struct population *pop,
			   const struct match_list *matches, const struct population *failed,
			   const struct judge_summary *sum, char *err, size_t errlen)
{
	char name[32];
	snprintf(name, sizeof name, "gen-%03d.json", gen);
	char *json = store_generation_json(gen, pop, matches, failed, sum);
	int rc = store_write_file(dir, name, json, strlen(json), err, errlen);
	free(json);
	return rc;
}

static void iso_time(double t, char *out, size_t n)
{
	time_t secs = (time_t)t;
	struct tm tm;
	gmtime_r(&secs, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Add the counts of an earlier process of the same run (a resume) into u:
 * sums, but the most for peak_in_flight and this process's window_use. */
static void add_usage(cJSON *u, const cJSON *before)
{
	if (!cJSON_IsObject(before))
		return;
	for (cJSON *f = u->child; f; f = f->next) {
		const cJSON *old = cJSON_GetObjectItemCaseSensitive(before, f->string);
		if (cJSON_IsObject(f)) {
			add_usage(f, old);
			continue;
		}
		if (!cJSON_IsNumber(f) || !cJSON_IsNumber(old) || !strcmp(f->string, "window_use"))
			continue;
		cJSON_SetNumberValue(f, !strcmp(f->string, "peak_in_flight") ?
						fmax(f->valuedouble, old->valuedouble) :
						f->valuedouble + old->valuedouble);
	}
}

int store_write_run(const char *dir, const struct run *run, const char *status,
		    int generations_done, const struct story *best, const char *error,
		    char *err, size_t errlen)
{
	const struct options *o = run->opt;
	const struct http_stats *hs = http_stats(run->http);
	char when[32];
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "status", status);
	cJSON_AddStringToObject(root, "version", AW_VERSION);
	char seed[32]; /* exact: a double would round some 53-bit seeds */
	snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
	cJSON_AddRawToObject(root, "seed", seed);
	char began[32];
	iso_time(run->started, began, sizeof began);
	iso_time(run->started, when, sizeof when);
	const cJSON *prev = run->previous;
	const cJSON *first = cJSON_GetObjectItemCaseSensitive(prev, "started");
	cJSON_AddStringToObject(root, "started", cJSON_IsString(first) ? first->valuestring : when);
	if (strcmp(status, "running") != 0) {
		iso_time(aw_wall(), when, sizeof when);
		cJSON_AddStringToObject(root, "finished", when);
	} else {
		cJSON_AddNullToObject(root, "finished");
	}
	double before = 0;
	const cJSON *el = cJSON_GetObjectItemCaseSensitive(prev, "elapsed_seconds");
	if (cJSON_IsNumber(el))
		before = el->valuedouble;
	cJSON_AddNumberToObject(root, "elapsed_seconds", before + aw_wall() - run->started);
	cJSON_AddNumberToObject(root, "generations_done", generations_done);
	cJSON_AddItemToObject(root, "best_story", str_or_null(best ? best->id : NULL));
	cJSON_AddItemToObject(root, "error", str_or_null(error));

	cJSON *s = options_to_json(o);
	cJSON_AddItemToObject(root, "settings", s);
	cJSON_AddBoolToObject(s, "api_key_set", o->api_key != NULL);
	cJSON_AddBoolToObject(s, "early_stop", !o->rounds && !o->no_early_stop); /* in effect */
	cJSON_AddStringToObject(root, "prompt", run->texts.prompt);
	static const char *names[] = { "prompt_file", "rubric_file", "writer_template",
				       "variant_template", "judge_template", "reask_template",
				       "styles_file", "themes_file", "goals_file" };
	cJSON *files = cJSON_AddObjectToObject(root, "files");
	for (size_t i = 0; i < AW_ARRAY_LEN(names); i++)
		cJSON_AddItemToObject(files, names[i], str_or_null(run->texts.paths[i]));

	cJSON *u = cJSON_AddObjectToObject(root, "usage");
	cJSON_AddNumberToObject(u, "requests", (double)hs->requests);
	cJSON_AddNumberToObject(u, "retries", (double)hs->retries);
	cJSON_AddNumberToObject(u, "failed_requests", (double)hs->failed);
	cJSON_AddNumberToObject(u, "peak_in_flight", (double)hs->peak_in_flight);
	cJSON_AddNumberToObject(u, "prompt_tokens", (double)run->usage.prompt_tokens);
	cJSON_AddNumberToObject(u, "completion_tokens", (double)run->usage.completion_tokens);
	cJSON_AddNumberToObject(u, "replies_without_usage", (double)run->usage.replies_without_usage);
	cJSON_AddNumberToObject(u, "length_rewrites", (double)run->length_retries);
	cJSON_AddNumberToObject(u, "trimmed_stories", (double)run->trimmed);
	cJSON_AddNumberToObject(u, "judge_reasks", (double)run->reasks);
	cJSON_AddNumberToObject(u, "matches_without_winner", (double)run->lost_matches);
	cJSON_AddNumberToObject(u, "failed_stories", (double)run->failed_stories);
	cJSON_AddNumberToObject(u, "early_variants", (double)run->early_variants);
	cJSON_AddNumberToObject(u, "discarded_variants", (double)run->discarded_variants);
	cJSON_AddNumberToObject(u, "soft_verdicts", (double)run->soft_verdicts);
	cJSON_AddStringToObject(u, "logprobs",
				o->logprobs == LOGPROBS_OFF ? "off" :
				run->logprobs_refused ? "refused by the endpoint" :
				run->soft_verdicts || get_num(cJSON_GetObjectItemCaseSensitive(prev, "usage"),
							      "soft_verdicts", 0) > 0 ? "used" :
				run->logprobs_absent ? "not returned by the endpoint" : "none yet");
	static const char *hf[HF_N] = { "timeout", "connection", "reply_too_large", "http_429",
					"http_5xx", "http_other", "unusable_reply" };
	static const char *lb[LB_N] = { "not_json", "error_in_200", "no_choices", "no_text",
					"empty_text", "finish_error" };
	cJSON *faults = cJSON_AddObjectToObject(u, "faults");
	for (int i = 0; i < HF_N; i++)
		cJSON_AddNumberToObject(faults, hf[i], (double)hs->faults[i]);
	cJSON *fb = cJSON_AddObjectToObject(faults, "unusable_by_kind");
	for (int i = 0; i < LB_N; i++)
		cJSON_AddNumberToObject(fb, lb[i], (double)run->usage.bad[i]);
	double window = hs->busy_seconds > 0 ?
			hs->slot_seconds / (hs->busy_seconds * (double)o->concurrency) : 0;
	cJSON_AddNumberToObject(u, "window_use", window);

	/* A resumed run: usage counts the whole run, and each resume is listed. */
	add_usage(u, cJSON_GetObjectItemCaseSensitive(prev, "usage"));
	cJSON_AddNumberToObject(u, "reused_stories", (double)run->reused_stories);
	cJSON_AddNumberToObject(u, "reused_matches", (double)run->reused_matches);
	if (prev) {
		const cJSON *pr = cJSON_GetObjectItemCaseSensitive(prev, "resumes");
		cJSON *list = cJSON_IsArray(pr) ? cJSON_Duplicate(pr, 1) : cJSON_CreateArray();
		cJSON *r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "at", began);
		cJSON_AddNumberToObject(r, "generations_done", run->resumed_from);
		cJSON_AddNumberToObject(r, "reused_stories", (double)run->reused_stories);
		cJSON_AddNumberToObject(r, "reused_matches", (double)run->reused_matches);
		cJSON_AddItemToArray(list, r);
		cJSON_AddItemToObject(root, "resumes", list);
	} else {
		cJSON_AddArrayToObject(root, "resumes");
	}

	char *json = print(root);
	int rc = store_write_file(dir, "run.json", json, strlen(json), err, errlen);
	free(json);
	return rc;
}

int store_write_best(const char *dir, const struct story *best, char *err, size_t errlen)
{
	char *text = xasprintf("%s\n", best->text);
	int rc = store_write_file(dir, "best.txt", text, strlen(text), err, errlen);
	free(text);
	return rc;
}
