/*
 * sets.c - reading a set of stories from a run, a generation file, a
 * baseline directory or a JSON Lines file (see sets.h).
 *
 * Generation files are read through store.h and codec.h like every other
 * reader of a run, so a set sees exactly the stories `evolve` wrote.  What
 * kind of path it is is decided from the path alone (a directory, or a
 * file whose content is one JSON object with "stories"), never from its
 * name, so a generation file copied elsewhere still reads as one.
 */
#include "aw/sets.h"
#include "aw/codec.h"
#include "aw/data.h"
#include "aw/store.h"
#include "aw/util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The number of the last generation file in dir, or -1 when it has none. */
static int last_generation(const char *dir)
{
	int g = 0;
	while (store_has_generation(dir, g))
		g++;
	return g - 1;
}

/* Sort ranked stories by rank, keeping file order among equals. */
static void sort_by_rank(struct population *p)
{
	for (size_t i = 1; i < p->n; i++) {
		struct story *v = p->v[i];
		size_t j = i;
		while (j > 0 && p->v[j - 1]->rank > v->rank) {
			p->v[j] = p->v[j - 1];
			j--;
		}
		p->v[j] = v;
	}
}

/* Take the stories of g into s (g keeps nothing). */
static int take_stories(struct set *s, struct population *from, char *err, size_t errlen)
{
	s->ranked = from->n > 0;
	for (size_t i = 0; i < from->n; i++)
		if (from->v[i]->rank <= 0)
			s->ranked = 0;
	s->stories = *from;
	memset(from, 0, sizeof *from);
	for (size_t i = 0; i < s->stories.n; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(s->stories.v[i]->id, s->stories.v[j]->id) == 0)
				return aw_fail(err, errlen, "'%s': story '%s' appears twice", s->path,
					       s->stories.v[i]->id);
	if (s->stories.n == 0)
		return aw_fail(err, errlen, "'%s' holds no story", s->path);
	return 0;
}

static int read_generation_dir(struct set *s, const char *dir, char *err, size_t errlen)
{
	struct generation g;
	s->dir = xstrdup(dir);
	s->last_gen = last_generation(dir);
	if (s->last_gen < 0)
		return aw_fail(err, errlen,
			       "'%s' holds no gen-000.json: not a run or baseline directory", dir);
	s->gen = s->last_gen;
	if (store_read_generation(dir, s->gen, &g, err, errlen) < 0)
		return -1;
	int rc = take_stories(s, &g.stories, err, errlen);
	generation_release(&g);
	s->kind = s->ranked ? SET_RUN : SET_BASELINE;
	return rc;
}

static int read_generation_file(struct set *s, const char *text, const cJSON *root, char *err,
				size_t errlen)
{
	const cJSON *num = cJSON_GetObjectItemCaseSensitive(root, "generation");
	if (!cJSON_IsNumber(num) || num->valuedouble < 0 || num->valuedouble > 99999 ||
	    num->valuedouble != (double)(int)num->valuedouble)
		return aw_fail(err, errlen, "'%s' is not a generation file (no \"generation\" number)",
			       s->path);
	s->kind = SET_GENERATION;
	s->gen = (int)num->valuedouble;
	const char *slash = strrchr(s->path, '/');
	s->dir = slash ? xstrndup(s->path, slash == s->path ? 1 : (size_t)(slash - s->path)) :
			 xstrdup(".");
	s->last_gen = last_generation(s->dir);
	struct generation g;
	if (codec_generation_parse(text, s->path, s->gen, &g, err, errlen) < 0)
		return -1;
	int rc = take_stories(s, &g.stories, err, errlen);
	generation_release(&g);
	return rc;
}

/* One story a line: {"id": ..., "text": ..., "rank": n?}. */
static int read_jsonl(struct set *s, char *text, char *err, size_t errlen)
{
	struct population p = { 0 };
	size_t lineno = 0;
	int rc = 0;
	s->kind = SET_JSONL;
	s->gen = s->last_gen = -1;
	for (char *line = text; line && *line && rc == 0;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		lineno++;
		char *t = line + strspn(line, " \t\r");
		line = nl ? nl + 1 : NULL;
		if (!*t)
			continue;
		const char *end = NULL;
		cJSON *o = cJSON_ParseWithOpts(t, &end, 0);
		if (!o || end[strspn(end, " \t\r")] || !cJSON_IsObject(o)) {
			rc = aw_fail(err, errlen, "'%s' line %zu: not a JSON object", s->path, lineno);
			cJSON_Delete(o);
			break;
		}
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
		const cJSON *tx = cJSON_GetObjectItemCaseSensitive(o, "text");
		const cJSON *rank = cJSON_GetObjectItemCaseSensitive(o, "rank");
		if (!cJSON_IsString(id) || !*id->valuestring)
			rc = aw_fail(err, errlen, "'%s' line %zu: no \"id\" string", s->path, lineno);
		else if (!cJSON_IsString(tx) || !tx->valuestring[strspn(tx->valuestring, " \t\r\n")])
			rc = aw_fail(err, errlen, "'%s' line %zu: no \"text\" string", s->path, lineno);
		else if (rank && !cJSON_IsNull(rank) &&
			 (!cJSON_IsNumber(rank) || rank->valuedouble < 1 || rank->valuedouble > 1e8 ||
			  rank->valuedouble != (double)(long)rank->valuedouble))
			rc = aw_fail(err, errlen, "'%s' line %zu: \"rank\" is not a whole number from 1",
				     s->path, lineno);
		if (rc == 0) {
			struct story *st = story_new();
			st->id = xstrdup(id->valuestring);
			st->text = xstrdup(tx->valuestring);
			st->words = text_count_words(st->text);
			st->born = -1;
			st->rank = cJSON_IsNumber(rank) ? (int)rank->valuedouble : 0;
			population_add(&p, st);
		}
		cJSON_Delete(o);
	}
	if (rc == 0)
		rc = take_stories(s, &p, err, errlen);
	population_free(&p);
	return rc;
}

static const char *base_name(const char *path)
{
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	const char *b = path + n;
	while (b > path && b[-1] != '/')
		b--;
	return b;
}

/* label and desc, once the set is read and cut to its top. */
static void describe(struct set *s)
{
	char took[64];
	if (s->ranked && s->stories.n < s->total)
		snprintf(took, sizeof took, "top %zu of %zu stories", s->stories.n, s->total);
	else
		snprintf(took, sizeof took, "%zu stor%s", s->total, s->total == 1 ? "y" : "ies");
	switch (s->kind) {
	case SET_RUN:
		s->label = xstrdup("final");
		s->desc = xasprintf("run '%s', generation %d (its last), %s", s->path, s->gen, took);
		break;
	case SET_BASELINE:
		s->label = xstrdup("baseline");
		s->desc = xasprintf("baseline '%s', generation %d (its last), %s", s->path, s->gen,
				    took);
		break;
	case SET_GENERATION:
		if (!s->ranked)
			s->label = xstrdup("baseline");
		else if (s->gen == 0)
			s->label = xstrdup("initial");
		else if (s->gen == s->last_gen)
			s->label = xstrdup("final");
		else
			s->label = xasprintf("generation %d", s->gen);
		s->desc = xasprintf("generation file '%s' (generation %d), %s", s->path, s->gen, took);
		break;
	case SET_JSONL: {
		const char *b = base_name(s->path);
		s->label = xstrndup(b, strcspn(b, "/"));
		s->desc = xasprintf("stories of '%s', %s", s->path, took);
		break;
	}
	}
}

int sets_load(struct set *s, const char *path, long top, char *err, size_t errlen)
{
	struct stat st;
	char *text = NULL;
	cJSON *root = NULL;
	int rc = -1;
	memset(s, 0, sizeof *s);
	s->path = xstrdup(path);
	if (stat(path, &st) < 0) {
		aw_fail(err, errlen, "cannot read set '%s':", path);
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = read_generation_dir(s, path, err, errlen);
		goto out;
	}
	if (data_read_text_max(path, DATA_MAX_RUN_FILE, &text, err, errlen) < 0)
		goto out;
	root = cJSON_Parse(text);
	if (cJSON_IsObject(root) && cJSON_GetObjectItemCaseSensitive(root, "stories"))
		rc = read_generation_file(s, text, root, err, errlen);
	else
		rc = read_jsonl(s, text, err, errlen);
out:
	cJSON_Delete(root);
	free(text);
	if (rc < 0) {
		sets_release(s);
		return -1;
	}
	s->total = s->stories.n;
	if (s->ranked) {
		sort_by_rank(&s->stories);
		while (top > 0 && s->stories.n > (size_t)top)
			story_free(s->stories.v[--s->stories.n]);
	}
	describe(s);
	return 0;
}

void sets_release(struct set *s)
{
	free(s->path);
	free(s->dir);
	free(s->label);
	free(s->desc);
	population_free(&s->stories);
	memset(s, 0, sizeof *s);
}

char *sets_prompt(const struct set *s)
{
	if (!s->dir)
		return NULL;
	char err[256], *text = NULL;
	char *path = xasprintf("%s/%s/%s", s->dir, CODEC_INPUTS, codec_input_name(0));
	int rc = access(path, F_OK) == 0 ? data_read_text(path, &text, err, sizeof err) : -1;
	free(path);
	if (rc == 0) {
		size_t n = strlen(text);
		while (n > 0 && strchr(" \t\r\n", text[n - 1]))
			text[--n] = '\0';
		return text;
	}
	struct run_report r;
	if (store_read_run(s->dir, &r, err, sizeof err) < 0)
		return NULL;
	char *prompt = r.prompt && *r.prompt ? xstrdup(r.prompt) : NULL;
	run_report_release(&r);
	return prompt;
}

uint64_t sets_key(const struct set *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a over ids and texts */
	for (size_t i = 0; i < s->stories.n; i++) {
		const struct story *st = s->stories.v[i];
		for (int part = 0; part < 2; part++) {
			const char *p = part ? st->text : st->id;
			for (; *p; p++)
				h = (h ^ (unsigned char)*p) * 1099511628211ULL;
			h = (h ^ 0xff) * 1099511628211ULL; /* a separator no text holds */
		}
	}
	return h;
}
