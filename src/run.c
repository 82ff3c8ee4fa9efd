/*
 * run.c - loading what a run reads, and the seeds it sends (see run.h).
 *
 * All files are read and checked here, before the HTTP client exists, so
 * that a mistake in any of them stops the run with exit 2 before a single
 * request is paid for.
 */
#include "aw/run.h"
#include "aw/template.h"
#include "aw/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

unsigned long run_request_seed(const struct run *r, const char *id, long attempt)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a of the id */
	for (const char *p = id; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return (unsigned long)(rng_mix(r->opt->seed, rng_mix(h, (uint64_t)attempt)) & 0x7fffffff);
}

/* Drop trailing white space in place. */
static void rtrim(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && strchr(" \t\r\n", s[n - 1]))
		s[--n] = '\0';
}

/* Resolve a file: the option's value, or the bundled rel path. */
static char *locate(const char *given, const char *dir, const char *name, const char *rel,
		    char *err, size_t errlen)
{
	if (given)
		return xstrdup(given);
	if (dir)
		return xasprintf("%s/%s", dir, name);
	char *p = data_path(rel);
	if (!p)
		aw_fail(err, errlen,
			"cannot find the bundled '%s' (set ALPHAWRITE_DATADIR, or pass the file as an option)",
			rel);
	return p;
}

static int load_template(char **out, char *path, const char *const *names, size_t n, char *err,
			 size_t errlen)
{
	if (data_read_text(path, out, err, errlen) < 0)
		return -1;
	return template_check(*out, path, names, n, err, errlen);
}

int texts_load(struct texts *t, const struct options *o, char *err, size_t errlen)
{
	static const char *writer_vars[] = { "prompt", "style", "theme", "rubric", "max_words" };
	static const char *variant_vars[] = { "prompt", "parent", "goal", "rubric", "max_words" };
	static const char *judge_vars[] = { "prompt", "rubric", "story_a", "story_b" };
	memset(t, 0, sizeof *t);
	char **p = t->paths;

	/* paths[]: prompt, rubric, writer, variant, judge, reask, styles,
	 * themes, goals - the order store.c names them in. */
	if (o->prompt) {
		if (!data_utf8_valid(o->prompt, strlen(o->prompt), NULL))
			return aw_fail(err, errlen, "option '--prompt': the text is not valid UTF-8");
		t->prompt = xstrdup(o->prompt);
	} else {
		if (!(p[0] = locate(o->prompt_file, NULL, NULL, "prompts/prompt.txt", err, errlen)) ||
		    data_read_text(p[0], &t->prompt, err, errlen) < 0)
			return -1;
	}
	rtrim(t->prompt);
	if (!(p[1] = locate(o->rubric_file, NULL, NULL, "rubrics/story.txt", err, errlen)) ||
	    data_read_text(p[1], &t->rubric, err, errlen) < 0)
		return -1;
	rtrim(t->rubric);
	if (!(p[2] = locate(NULL, o->prompts_dir, "writer.txt", "prompts/writer.txt", err, errlen)) ||
	    load_template(&t->writer, p[2], writer_vars, AW_ARRAY_LEN(writer_vars), err, errlen) < 0)
		return -1;
	if (!(p[3] = locate(NULL, o->prompts_dir, "variant.txt", "prompts/variant.txt", err, errlen)) ||
	    load_template(&t->variant, p[3], variant_vars, AW_ARRAY_LEN(variant_vars), err, errlen) < 0)
		return -1;
	if (!(p[4] = locate(NULL, o->prompts_dir, "judge.txt", "prompts/judge.txt", err, errlen)) ||
	    load_template(&t->judge, p[4], judge_vars, AW_ARRAY_LEN(judge_vars), err, errlen) < 0)
		return -1;
	if (!(p[5] = locate(NULL, o->prompts_dir, "judge-reask.txt", "prompts/judge-reask.txt", err,
			    errlen)) ||
	    load_template(&t->reask, p[5], NULL, 0, err, errlen) < 0)
		return -1;
	/* The follow-up is sent as it is: render once to drop its comments. */
	char *reask = template_render(t->reask, NULL, 0);
	free(t->reask);
	t->reask = reask;
	if (!(p[6] = locate(o->styles_file, NULL, NULL, "prompts/styles.txt", err, errlen)) ||
	    data_read_list(p[6], &t->styles, err, errlen) < 0)
		return -1;
	if (!(p[7] = locate(o->themes_file, NULL, NULL, "prompts/themes.txt", err, errlen)) ||
	    data_read_list(p[7], &t->themes, err, errlen) < 0)
		return -1;
	if (!(p[8] = locate(o->goals_file, NULL, NULL, "prompts/goals.txt", err, errlen)) ||
	    data_read_list(p[8], &t->goals, err, errlen) < 0)
		return -1;
	return 0;
}

void texts_free(struct texts *t)
{
	free(t->prompt);
	free(t->rubric);
	free(t->writer);
	free(t->variant);
	free(t->judge);
	free(t->reask);
	strlist_free(&t->styles);
	strlist_free(&t->themes);
	strlist_free(&t->goals);
	for (size_t i = 0; i < AW_ARRAY_LEN(t->paths); i++)
		free(t->paths[i]);
	memset(t, 0, sizeof *t);
}
