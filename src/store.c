/*
 * store.c - writing the output directory (see store.h).
 */
#include "aw/store.h"
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

int store_prepare(const char *dir, char *err, size_t errlen)
{
	struct stat st;
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return aw_fail(err, errlen, "output '%s' exists and is not a directory", dir);
		DIR *d = opendir(dir);
		if (!d)
			return aw_fail(err, errlen, "cannot open output directory '%s':", dir);
		struct dirent *e;
		int has_run = 0, other = 0;
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			if (!strcmp(e->d_name, "run.json"))
				has_run = 1;
			else
				other = 1;
		}
		closedir(d);
		if (has_run)
			return aw_fail(err, errlen,
				       "output directory '%s' already holds a run; choose a new --out",
				       dir);
		if (other)
			return aw_fail(err, errlen,
				       "output directory '%s' is not empty and holds no run; choose a new or empty --out",
				       dir);
	} else if (mkdirs(dir) < 0) {
		return aw_fail(err, errlen, "cannot create output directory '%s':", dir);
	}
	if (access(dir, W_OK) < 0)
		return aw_fail(err, errlen, "cannot write to output directory '%s':", dir);
	return 0;
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

static cJSON *story_json(const struct story *s)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", s->id);
	if (s->rank)
		cJSON_AddNumberToObject(o, "rank", s->rank);
	if (s->rated) {
		cJSON_AddNumberToObject(o, "rating", s->rating);
		cJSON_AddNumberToObject(o, "rating_lo", s->rating_lo);
		cJSON_AddNumberToObject(o, "rating_hi", s->rating_hi);
	}
	if (s->text) {
		cJSON_AddNumberToObject(o, "elo", s->elo);
		cJSON_AddNumberToObject(o, "wins", s->wins);
		cJSON_AddNumberToObject(o, "losses", s->losses);
		cJSON_AddNumberToObject(o, "matches", s->matches);
	}
	cJSON_AddNumberToObject(o, "born", s->born);
	cJSON_AddItemToObject(o, "parent_id", str_or_null(s->parent_id));
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

/* The base URL without any user:password@ part. */
static char *public_url(const char *url)
{
	const char *host = strstr(url, "://");
	host = host ? host + 3 : url;
	const char *at = strchr(host, '@');
	const char *slash = strchr(host, '/');
	if (!at || (slash && slash < at))
		return xstrdup(url);
	return xasprintf("%.*s%s", (int)(host - url), url, at + 1);
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
	iso_time(run->started, when, sizeof when);
	cJSON_AddStringToObject(root, "started", when);
	if (strcmp(status, "running") != 0) {
		iso_time(aw_wall(), when, sizeof when);
		cJSON_AddStringToObject(root, "finished", when);
	} else {
		cJSON_AddNullToObject(root, "finished");
	}
	cJSON_AddNumberToObject(root, "elapsed_seconds", aw_wall() - run->started);
	cJSON_AddNumberToObject(root, "generations_done", generations_done);
	cJSON_AddItemToObject(root, "best_story", str_or_null(best ? best->id : NULL));
	cJSON_AddItemToObject(root, "error", str_or_null(error));

	cJSON *s = cJSON_AddObjectToObject(root, "settings");
	cJSON_AddStringToObject(s, "model", o->model);
	cJSON_AddStringToObject(s, "judge_model", o->judge_model);
	char *url = public_url(o->base_url);
	cJSON_AddStringToObject(s, "base_url", url);
	free(url);
	cJSON_AddBoolToObject(s, "api_key_set", o->api_key != NULL);
	cJSON_AddStringToObject(s, "prompt", run->texts.prompt);
	cJSON_AddNumberToObject(s, "population", (double)o->population);
	cJSON_AddNumberToObject(s, "generations", (double)o->generations);
	cJSON_AddNumberToObject(s, "top", (double)o->top);
	cJSON_AddNumberToObject(s, "variants", (double)o->variants);
	if (o->rounds)
		cJSON_AddNumberToObject(s, "rounds", (double)o->rounds);
	else
		cJSON_AddNullToObject(s, "rounds");
	cJSON_AddNumberToObject(s, "judge_budget", (double)(o->rounds ? o->rounds : o->judge_budget));
	static const char *pairing[] = { "random", "swiss", "boundary" };
	static const char *logprobs[] = { "auto", "on", "off" };
	cJSON_AddStringToObject(s, "pairing", pairing[o->pairing]);
	cJSON_AddStringToObject(s, "rank_by", o->rank_by == RANK_BT ? "bt" : "elo");
	cJSON_AddStringToObject(s, "judge_logprobs", logprobs[o->logprobs]);
	cJSON_AddBoolToObject(s, "deterministic", o->deterministic || o->rounds);
	cJSON_AddBoolToObject(s, "early_stop", !o->rounds && !o->no_early_stop);
	cJSON_AddNumberToObject(s, "max_words", (double)o->max_words);
	cJSON_AddNumberToObject(s, "temperature", o->temperature);
	cJSON_AddNumberToObject(s, "judge_temperature", o->judge_temperature);
	cJSON_AddNumberToObject(s, "top_p", o->top_p);
	cJSON_AddNumberToObject(s, "judge_max_tokens", (double)o->judge_max_tokens);
	cJSON_AddStringToObject(s, "token_param", o->token_param);
	cJSON_AddNumberToObject(s, "concurrency", (double)o->concurrency);
	cJSON_AddNumberToObject(s, "timeout", o->timeout);
	cJSON_AddNumberToObject(s, "retries", (double)o->retries);
	cJSON_AddBoolToObject(s, "seed_given", o->seed_given);
	static const char *names[] = { "prompt_file", "rubric_file", "writer_template",
				       "variant_template", "judge_template", "reask_template",
				       "styles_file", "themes_file", "goals_file" };
	cJSON *files = cJSON_AddObjectToObject(s, "files");
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
	cJSON_AddNumberToObject(u, "soft_verdicts", (double)run->soft_verdicts);
	cJSON_AddStringToObject(u, "logprobs",
				o->logprobs == LOGPROBS_OFF ? "off" :
				run->logprobs_refused ? "refused by the endpoint" :
				run->soft_verdicts ? "used" :
				run->logprobs_absent ? "not returned by the endpoint" : "none yet");
	double window = hs->busy_seconds > 0 ?
			hs->slot_seconds / (hs->busy_seconds * (double)o->concurrency) : 0;
	cJSON_AddNumberToObject(u, "window_use", window);

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
