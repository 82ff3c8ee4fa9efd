/*
 * journal.c - the append-only journal (see journal.h).
 *
 * Records:
 *   {"t":"story","gen":g,"id":..,"parent_id":..,"style":..,"theme":..,
 *    "goal":..,"variant":v,"temperature":..,"words":..,"trimmed":..,
 *    "text":..}            ("variant": which of its parent's, variants only)
 *   {"t":"match","gen":g,"round":r,"a":..,"b":..,"winner":"A"|"B"|null,
 *    "p_a":..,"reason":..,"error":..,"asks":n}
 */
#include "aw/journal.h"
#include "aw/judge.h"
#include "aw/util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int append(struct journal *j, cJSON *rec)
{
	char *s = cJSON_PrintUnformatted(rec);
	cJSON_Delete(rec);
	if (!s) {
		errno = ENOMEM;
		return -1;
	}
	size_t len = strlen(s);
	char *line = xmalloc(len + 2);
	memcpy(line, s, len);
	line[len++] = '\n';
	cJSON_free(s);
	size_t off = 0;
	int rc = 0;
	while (off < len) {
		ssize_t w = write(j->fd, line + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = ENOSPC;
			rc = -1;
			break;
		}
		off += (size_t)w;
	}
	free(line);
	if (rc == 0)
		j->records++;
	return rc;
}

static void add_str(cJSON *o, const char *k, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

int journal_story(struct journal *j, const struct story *s)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "t", "story");
	cJSON_AddNumberToObject(o, "gen", s->born);
	add_str(o, "id", s->id); /* none yet: a variant written before it was taken */
	add_str(o, "parent_id", s->parent_id);
	add_str(o, "style", s->style);
	add_str(o, "theme", s->theme);
	add_str(o, "goal", s->goal);
	if (s->variant)
		cJSON_AddNumberToObject(o, "variant", s->variant);
	cJSON_AddNumberToObject(o, "temperature", s->temperature);
	cJSON_AddNumberToObject(o, "words", (double)s->words);
	cJSON_AddBoolToObject(o, "trimmed", s->trimmed);
	cJSON_AddStringToObject(o, "text", s->text);
	return append(j, o);
}

int journal_match(struct journal *j, int gen, const struct match *m)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "t", "match");
	cJSON_AddNumberToObject(o, "gen", gen);
	cJSON_AddNumberToObject(o, "round", m->round);
	cJSON_AddStringToObject(o, "a", m->a->id);
	cJSON_AddStringToObject(o, "b", m->b->id);
	add_str(o, "winner", m->winner == 'A' ? "A" : m->winner == 'B' ? "B" : NULL);
	if (m->has_p)
		cJSON_AddNumberToObject(o, "p_a", m->p_a);
	add_str(o, "reason", m->reason);
	add_str(o, "error", m->error);
	cJSON_AddNumberToObject(o, "asks", m->asks);
	return append(j, o);
}

/* ------------------------------------------------------------- reading */

static const char *str_field(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int num_field(const cJSON *o, const char *k, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	if (!cJSON_IsNumber(v))
		return -1;
	*out = v->valuedouble;
	return 0;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

int journal_parse_line(const char *line, size_t len, struct journal_data *d)
{
	cJSON *o = cJSON_ParseWithLength(line, len);
	int rc = -1;
	double gen, num;
	const char *t = str_field(o, "t");
	if (!cJSON_IsObject(o) || !t || num_field(o, "gen", &gen) < 0 || gen < 0 || gen > 100000)
		goto out;
	if (strcmp(t, "story") == 0) {
		const char *id = str_field(o, "id"), *text = str_field(o, "text");
		const char *parent = str_field(o, "parent_id");
		int variant = num_field(o, "variant", &num) == 0 && num >= 1 && num < 1e6 ? (int)num : 0;
		/* a story of generation 0 is known by its id; a variant by its
		 * parent and number (it has no id until it is taken) */
		if (!text || (parent ? !variant : !id || !*id))
			goto out;
		struct story *s = story_new();
		s->id = dup_or_null(id);
		s->born = (int)gen;
		s->parent_id = dup_or_null(parent);
		s->style = dup_or_null(str_field(o, "style"));
		s->theme = dup_or_null(str_field(o, "theme"));
		s->goal = dup_or_null(str_field(o, "goal"));
		s->variant = variant;
		s->temperature = num_field(o, "temperature", &num) == 0 ? num : 0;
		s->text = xstrdup(text);
		s->words = text_count_words(s->text);
		s->trimmed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "trimmed"));
		population_add(&d->stories, s);
		rc = 0;
	} else if (strcmp(t, "match") == 0) {
		const char *a = str_field(o, "a"), *b = str_field(o, "b"), *w = str_field(o, "winner");
		if (!a || !b || !*a || !*b || strcmp(a, b) == 0)
			goto out;
		if (w && strcmp(w, "A") != 0 && strcmp(w, "B") != 0)
			goto out;
		if (d->nm == d->cap) {
			d->cap = d->cap ? d->cap * 2 : 64;
			d->m = xrealloc(d->m, d->cap * sizeof *d->m);
		}
		struct journal_match *m = &d->m[d->nm++];
		memset(m, 0, sizeof *m);
		m->gen = (int)gen;
		m->round = num_field(o, "round", &num) == 0 && num >= 0 && num < 1e6 ? (int)num : 0;
		m->a = xstrdup(a);
		m->b = xstrdup(b);
		m->winner = w ? w[0] : 0;
		if (num_field(o, "p_a", &num) == 0 && num >= 0 && num <= 1) {
			m->has_p = 1;
			m->p_a = num;
		}
		m->reason = dup_or_null(str_field(o, "reason"));
		m->error = dup_or_null(str_field(o, "error"));
		m->asks = num_field(o, "asks", &num) == 0 && num >= 0 && num < 1000 ? (int)num : 1;
		rc = 0;
	}
out:
	cJSON_Delete(o);
	return rc;
}

int journal_load(const char *dir, struct journal_data *d, char *err, size_t errlen)
{
	char *path = xasprintf("%s/%s", dir, JOURNAL_NAME);
	memset(d, 0, sizeof *d);
	FILE *f = fopen(path, "rb");
	if (!f) {
		int missing = errno == ENOENT;
		if (!missing)
			aw_fail(err, errlen, "cannot open '%s':", path);
		free(path);
		return missing ? 0 : -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) > 0) {
		int complete = line[n - 1] == '\n';
		if (!complete || journal_parse_line(line, (size_t)n, d) < 0)
			d->torn++;
	}
	int bad = ferror(f);
	free(line);
	fclose(f);
	if (bad) {
		aw_fail(err, errlen, "cannot read '%s':", path);
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

void journal_data_free(struct journal_data *d)
{
	population_free(&d->stories);
	for (size_t i = 0; i < d->nm; i++) {
		free(d->m[i].a);
		free(d->m[i].b);
		free(d->m[i].reason);
		free(d->m[i].error);
	}
	free(d->m);
	memset(d, 0, sizeof *d);
}

/* ------------------------------------------------------------- writing */

int journal_open(struct journal *j, const char *dir, char *err, size_t errlen)
{
	j->records = 0;
	j->path = xasprintf("%s/%s", dir, JOURNAL_NAME);
	j->fd = open(j->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (j->fd < 0) {
		aw_fail(err, errlen, "cannot open '%s':", j->path);
		free(j->path);
		j->path = NULL;
		return -1;
	}
	/* Cut a torn last line (a kill in the middle of a write) off, so that
	 * the next record starts on a line of its own. */
	struct stat st;
	if (fstat(j->fd, &st) == 0 && st.st_size > 0) {
		off_t end = st.st_size;
		char c;
		if (pread(j->fd, &c, 1, end - 1) == 1 && c != '\n') {
			off_t keep = end - 1;
			while (keep > 0 && pread(j->fd, &c, 1, keep - 1) == 1 && c != '\n')
				keep--;
			if (ftruncate(j->fd, keep) < 0) {
				aw_fail(err, errlen, "cannot repair '%s':", j->path);
				journal_close(j);
				return -1;
			}
		}
	}
	return 0;
}

void journal_map_id(struct journal_data *d, int gen, const char *from, const char *to)
{
	for (size_t k = 0; k < d->nm; k++) {
		struct journal_match *m = &d->m[k];
		char **side[2] = { &m->a, &m->b };
		for (int s = 0; s < 2; s++) {
			if (m->gen != gen || (m->known & (1 << s)) || strcmp(*side[s], from) != 0)
				continue;
			if (strcmp(from, to) != 0) {
				free(*side[s]);
				*side[s] = xstrdup(to);
			}
			m->known |= (unsigned char)(1 << s);
		}
	}
}

void journal_close(struct journal *j)
{
	if (j->fd >= 0) {
		fsync(j->fd);
		close(j->fd);
	}
	j->fd = -1;
	free(j->path);
	j->path = NULL;
}
