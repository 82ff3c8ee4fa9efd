/*
 * vote.c - the verdict file of compare and rate (see vote.h): one JSON
 * line per verdict, appended with a single write.
 *
 * The reader is strict about the fields it needs and lenient about the
 * rest: a file written by hand (people's preferences collected elsewhere)
 * needs only judge, a_id, b_id, first and winner.  A last line without its
 * newline that is not JSON is what a kill in the middle of a write leaves,
 * and is dropped; anything else malformed is refused with its line, since
 * statistics over a file read in part would be wrong without saying so.
 */
#include "aw/vote.h"
#include "aw/data.h"
#include "aw/util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void vote_init(struct vote *v)
{
	memset(v, 0, sizeof *v);
	v->pair = -1;
	v->a_words = v->b_words = -1;
	v->seconds = -1;
}

void vote_release(struct vote *v)
{
	free(v->judge);
	free(v->a_id);
	free(v->b_id);
	free(v->a_hash);
	free(v->b_hash);
	free(v->context);
	free(v->reason);
	free(v->error);
	vote_init(v);
}

void vote_list_add(struct vote_list *l, struct vote *v)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = *v;
	vote_init(v);
}

void vote_list_free(struct vote_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		vote_release(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

void vote_hash(const char *s, size_t n, char out[17])
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

double vote_score(const struct vote *v)
{
	switch (v->winner) {
	case 'a':
		return 1.0;
	case 'b':
		return 0.0;
	case 't':
		return 0.5;
	default:
		return -1.0;
	}
}

/* ------------------------------------------------------------ one line */

static cJSON *str_or_null(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

char *vote_line(const struct vote *v)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "judge", v->judge);
	if (v->pair >= 0)
		cJSON_AddNumberToObject(o, "pair", (double)v->pair);
	cJSON_AddStringToObject(o, "a_id", v->a_id);
	cJSON_AddStringToObject(o, "b_id", v->b_id);
	cJSON_AddStringToObject(o, "first", v->first == 'b' ? "b" : "a");
	cJSON_AddItemToObject(o, "winner", str_or_null(v->winner == 'a' ? "a" :
						       v->winner == 'b' ? "b" :
						       v->winner == 't' ? "tie" : NULL));
	if (v->has_p)
		cJSON_AddNumberToObject(o, "p_a", v->p_a);
	if (v->a_words >= 0)
		cJSON_AddNumberToObject(o, "a_words", (double)v->a_words);
	if (v->b_words >= 0)
		cJSON_AddNumberToObject(o, "b_words", (double)v->b_words);
	if (v->a_hash)
		cJSON_AddStringToObject(o, "a_hash", v->a_hash);
	if (v->b_hash)
		cJSON_AddStringToObject(o, "b_hash", v->b_hash);
	if (v->context)
		cJSON_AddStringToObject(o, "context", v->context);
	if (v->asks > 0)
		cJSON_AddNumberToObject(o, "asks", v->asks);
	if (v->seconds >= 0)
		cJSON_AddNumberToObject(o, "seconds", v->seconds);
	if (v->reason)
		cJSON_AddStringToObject(o, "reason", v->reason);
	if (v->error)
		cJSON_AddStringToObject(o, "error", v->error);
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!s) {
		fprintf(stderr, "alphawrite: out of memory\n");
		abort();
	}
	char *line = xasprintf("%s\n", s);
	cJSON_free(s);
	return line;
}

static const char *get_str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* An optional whole number >= 0 under k: 0 and *out (left alone when
 * absent or null), or -1 when it is something else. */
static int opt_count(const cJSON *o, const char *k, long *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= 1e15) ||
	    v->valuedouble != floor(v->valuedouble))
		return -1;
	*out = (long)v->valuedouble;
	return 0;
}

static int parse_object(const cJSON *o, struct vote *v, char *err, size_t errlen)
{
	const char *judge = get_str(o, "judge"), *a = get_str(o, "a_id"), *b = get_str(o, "b_id");
	const char *first = get_str(o, "first");
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(o, "winner");
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "p_a");
	const cJSON *sec = cJSON_GetObjectItemCaseSensitive(o, "seconds");
	long asks = 0;
	if (!cJSON_IsObject(o))
		return aw_fail(err, errlen, "not a JSON object");
	if (!judge || !*judge)
		return aw_fail(err, errlen, "no \"judge\" string");
	if (!a || !*a || !b || !*b)
		return aw_fail(err, errlen, "\"a_id\" and \"b_id\" must be non-empty strings");
	if (!first || (strcmp(first, "a") != 0 && strcmp(first, "b") != 0))
		return aw_fail(err, errlen, "\"first\" must be \"a\" or \"b\"");
	if (!w)
		return aw_fail(err, errlen, "no \"winner\" (\"a\", \"b\", \"tie\" or null)");
	if (!cJSON_IsNull(w) &&
	    (!cJSON_IsString(w) || (strcmp(w->valuestring, "a") != 0 &&
				   strcmp(w->valuestring, "b") != 0 &&
				   strcmp(w->valuestring, "tie") != 0)))
		return aw_fail(err, errlen, "\"winner\" must be \"a\", \"b\", \"tie\" or null");
	if (p && !cJSON_IsNull(p) &&
	    (!cJSON_IsNumber(p) || !(p->valuedouble >= 0 && p->valuedouble <= 1)))
		return aw_fail(err, errlen, "\"p_a\" must be a number from 0 to 1");
	if (sec && !cJSON_IsNull(sec) && (!cJSON_IsNumber(sec) || !(sec->valuedouble >= 0)))
		return aw_fail(err, errlen, "\"seconds\" must be a number from 0");
	if (opt_count(o, "pair", &v->pair) < 0 || opt_count(o, "a_words", &v->a_words) < 0 ||
	    opt_count(o, "b_words", &v->b_words) < 0 || opt_count(o, "asks", &asks) < 0 ||
	    asks > 1000)
		return aw_fail(err, errlen,
			       "\"pair\", \"a_words\", \"b_words\" and \"asks\" must be whole numbers from 0");
	v->asks = (int)asks;
	v->judge = xstrdup(judge);
	v->a_id = xstrdup(a);
	v->b_id = xstrdup(b);
	v->first = first[0];
	v->winner = cJSON_IsNull(w) ? 0 : w->valuestring[0];
	if (cJSON_IsNumber(p)) {
		v->has_p = 1;
		v->p_a = p->valuedouble;
	}
	if (cJSON_IsNumber(sec))
		v->seconds = sec->valuedouble;
	const char *s;
	if ((s = get_str(o, "a_hash")))
		v->a_hash = xstrdup(s);
	if ((s = get_str(o, "b_hash")))
		v->b_hash = xstrdup(s);
	if ((s = get_str(o, "context")))
		v->context = xstrdup(s);
	if ((s = get_str(o, "reason")))
		v->reason = xstrdup(s);
	if ((s = get_str(o, "error")))
		v->error = xstrdup(s);
	return 0;
}

int vote_parse(const char *line, size_t len, struct vote *v, char *err, size_t errlen)
{
	vote_init(v);
	char *copy = xstrndup(line, len);
	const char *end = NULL;
	cJSON *o = cJSON_ParseWithOpts(copy, &end, 0);
	int rc;
	if (!o || end[strspn(end, " \t\r\n")])
		rc = aw_fail(err, errlen, "not one JSON value");
	else
		rc = parse_object(o, v, err, errlen);
	cJSON_Delete(o);
	free(copy);
	if (rc < 0)
		vote_release(v);
	return rc;
}

/* ------------------------------------------------------------- the file */

int vote_read_file(const char *path, int missing_ok, struct vote_list *l, int *torn, char *err,
		   size_t errlen)
{
	const char *name = strcmp(path, "-") == 0 ? "/dev/stdin" : path;
	char *text = NULL;
	if (torn)
		*torn = 0;
	memset(l, 0, sizeof *l);
	if (missing_ok && access(name, F_OK) < 0 && errno == ENOENT)
		return 0;
	FILE *f = fopen(name, "rb");
	if (!f)
		return aw_fail(err, errlen, "cannot open '%s':", path);
	size_t cap = 0, n = 0;
	int rc = 0;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > DATA_MAX_RUN_FILE + 8192) {
				rc = aw_fail(err, errlen, "'%s' is larger than %u MiB", path,
					     DATA_MAX_RUN_FILE >> 20);
				break;
			}
			text = xrealloc(text, cap);
		}
		size_t got = fread(text + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	if (rc == 0 && ferror(f))
		rc = aw_fail(err, errlen, "cannot read '%s':", path);
	fclose(f);
	if (rc < 0) {
		free(text);
		return -1;
	}
	if (!text)
		text = xstrdup("");
	text[n] = '\0';
	if (memchr(text, '\0', n))
		rc = aw_fail(err, errlen, "'%s' holds a NUL byte: not a verdict file", path);
	size_t lineno = 0;
	for (size_t at = 0; rc == 0 && at < n;) {
		char *nl = memchr(text + at, '\n', n - at);
		size_t len = nl ? (size_t)(nl - (text + at)) : n - at;
		const char *line = text + at;
		lineno++;
		at += len + (nl != NULL);
		if (!line[strspn(line, " \t\r")] || line[strspn(line, " \t\r")] == '\n')
			continue;
		struct vote v;
		char why[256];
		if (vote_parse(line, len, &v, why, sizeof why) == 0) {
			vote_list_add(l, &v);
			continue;
		}
		if (!nl && strncmp(why, "not one JSON value", 18) == 0) {
			if (torn)
				*torn = 1; /* the line a kill cut short */
			break;
		}
		rc = aw_fail(err, errlen, "'%s' line %zu: %s", path, lineno, why);
	}
	free(text);
	if (rc < 0)
		vote_list_free(l);
	return rc;
}

int vote_file_open(struct vote_file *f, const char *path, char *err, size_t errlen)
{
	f->path = xstrdup(path);
	f->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (f->fd < 0) {
		aw_fail(err, errlen, "cannot open '%s':", path);
		vote_file_close(f);
		return -1;
	}
	/* Cut a torn last line off, so that the next vote starts a line. */
	struct stat st;
	char c;
	if (fstat(f->fd, &st) == 0 && st.st_size > 0 && pread(f->fd, &c, 1, st.st_size - 1) == 1 &&
	    c != '\n') {
		off_t keep = st.st_size - 1;
		while (keep > 0 && pread(f->fd, &c, 1, keep - 1) == 1 && c != '\n')
			keep--;
		if (ftruncate(f->fd, keep) < 0) {
			aw_fail(err, errlen, "cannot repair '%s':", path);
			vote_file_close(f);
			return -1;
		}
	}
	return 0;
}

int vote_file_append(struct vote_file *f, const struct vote *v)
{
	char *line = vote_line(v);
	int rc = aw_write_all(f->fd, line, strlen(line));
	free(line);
	return rc;
}

int vote_file_drop_last(struct vote_file *f)
{
	struct stat st;
	if (fstat(f->fd, &st) < 0)
		return -1;
	if (st.st_size == 0)
		return 0;
	off_t keep = st.st_size - 1; /* the last line's newline */
	char c;
	while (keep > 0 && pread(f->fd, &c, 1, keep - 1) == 1 && c != '\n')
		keep--;
	return ftruncate(f->fd, keep);
}

void vote_file_close(struct vote_file *f)
{
	if (f->fd >= 0) {
		fsync(f->fd);
		close(f->fd);
	}
	f->fd = -1;
	free(f->path);
	f->path = NULL;
}
