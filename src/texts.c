/*
 * texts.c - reading and checking the texts a run reads (see texts.h).
 *
 * All files are read and checked here, before the HTTP client exists, so
 * that a mistake in any of them stops the run with exit 2 before a single
 * request is paid for.
 */
#include "aw/texts.h"
#include "aw/template.h"
#include "aw/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	const char *env = getenv("ALPHAWRITE_DATADIR");
	if (!p && env && *env)
		aw_fail(err, errlen,
			"ALPHAWRITE_DATADIR is '%s', which holds no prompts/writer.txt; "
			"point it at the directory holding prompts/ and rubrics/", env);
	else if (!p)
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

/* A story template (writer.txt, variant.txt): names[n] is "min_words",
 * which it may use, and must when --min-words is set, so that the writer is
 * told how long a story must be (a template written before the option
 * existed is still good for a run without it). */
static int load_story_template(char **out, char *path, const char *const *names, size_t n,
			       long min_words, char *err, size_t errlen)
{
	if (data_read_text(path, out, err, errlen) < 0)
		return -1;
	int with_min = min_words > 0 || template_uses(*out, names[n]);
	return template_check(*out, path, names, n + (size_t)with_min, err, errlen);
}

/* The bundled file of text k (the order of struct texts); its name in
 * inputs/ and --prompts-dir is codec_input_name(k). */
static const char *const bundled[CODEC_TEXTS] = {
	"prompts/prompt.txt", "rubrics/story.txt",   "prompts/writer.txt",
	"prompts/variant.txt", "prompts/judge.txt",  "prompts/judge-reask.txt",
	"prompts/styles.txt", "prompts/themes.txt", "prompts/goals.txt",
	"prompts/extend-expand.txt", "prompts/extend-continue.txt",
};

/* The first text newer than --prompts-dir directories and runs made before
 * it: the extension templates.  A directory without them gets the bundled
 * ones (a run made before them never used them, so a resumed one may). */
#define FIRST_LATER_TEXT 9

int texts_load(struct texts *t, const struct options *o, const char *inputs, char *err,
	       size_t errlen)
{
	/* the last name of writer and variant may be used (min_words) */
	static const char *writer_vars[] = { "prompt", "style", "theme", "rubric", "max_words",
					     "min_words" };
	static const char *variant_vars[] = { "prompt", "parent", "goal", "rubric", "max_words",
					      "min_words" };
	static const char *judge_vars[] = { "prompt", "rubric", "story_a", "story_b" };
	static const char *expand_vars[] = { "prompt", "story", "opening", "words" };
	static const char *cont_vars[] = { "prompt", "story", "so_far", "words", "ending" };
	const char *given[CODEC_TEXTS] = { o->prompt_file, o->rubric_file, NULL, NULL, NULL, NULL,
				 o->styles_file, o->themes_file, o->goals_file, NULL, NULL };
	const char *dir[CODEC_TEXTS] = { NULL, NULL, o->prompts_dir, o->prompts_dir, o->prompts_dir,
			       o->prompts_dir, NULL, NULL, NULL, o->prompts_dir, o->prompts_dir };
	memset(t, 0, sizeof *t);
	char **p = t->paths;

	/* paths[]: prompt, rubric, writer, variant, judge, reask, styles,
	 * themes, goals - the order codec.h names them in. */
	for (int k = 0; k < CODEC_TEXTS; k++) {
		const char *name = codec_input_name(k);
		if (k == 0 && o->prompt && !inputs)
			continue;
		p[k] = inputs ? xasprintf("%s/%s", inputs, name) :
				locate(given[k], dir[k], name, bundled[k], err, errlen);
		if (p[k] && (inputs || dir[k]) && k >= FIRST_LATER_TEXT && access(p[k], F_OK) < 0 &&
		    errno == ENOENT) {
			free(p[k]);
			p[k] = locate(NULL, NULL, name, bundled[k], err, errlen);
		}
		if (!p[k])
			return -1;
	}
	if (o->prompt && !inputs) {
		if (!data_utf8_valid(o->prompt, strlen(o->prompt), NULL))
			return aw_fail(err, errlen, "option '--prompt': the text is not valid UTF-8");
		t->prompt = xstrdup(o->prompt);
	} else if (data_read_text(p[0], &t->prompt, err, errlen) < 0) {
		return -1;
	}
	rtrim(t->prompt);
	if (data_read_text(p[1], &t->rubric, err, errlen) < 0)
		return -1;
	rtrim(t->rubric);
	if (load_story_template(&t->writer, p[2], writer_vars, AW_ARRAY_LEN(writer_vars) - 1,
				o->min_words, err, errlen) < 0 ||
	    load_story_template(&t->variant, p[3], variant_vars, AW_ARRAY_LEN(variant_vars) - 1,
				o->min_words, err, errlen) < 0 ||
	    load_template(&t->judge, p[4], judge_vars, AW_ARRAY_LEN(judge_vars), err, errlen) < 0 ||
	    load_template(&t->reask, p[5], NULL, 0, err, errlen) < 0 ||
	    load_template(&t->expand, p[9], expand_vars, AW_ARRAY_LEN(expand_vars), err, errlen) < 0 ||
	    load_template(&t->cont, p[10], cont_vars, AW_ARRAY_LEN(cont_vars), err, errlen) < 0)
		return -1;
	/* The follow-up is sent as it is: render once to drop its comments. */
	char *reask = template_render(t->reask, NULL, 0);
	free(t->reask);
	t->reask = reask;
	if (data_read_list(p[6], &t->styles, err, errlen) < 0 ||
	    data_read_list(p[7], &t->themes, err, errlen) < 0 ||
	    data_read_list(p[8], &t->goals, err, errlen) < 0)
		return -1;
	return 0;
}

static int same_list(const struct strlist *a, const struct strlist *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return 0;
	return 1;
}

int texts_check_resumed(const struct texts *run, const struct options *o, char *err,
			size_t errlen)
{
	static const char *opts[] = { "prompt", "prompt-file", "rubric", "prompts-dir", "styles",
				      "themes", "goals" };
	int any = 0;
	for (size_t i = 0; i < AW_ARRAY_LEN(opts); i++)
		any |= options_given(o, opts[i]);
	if (!any)
		return 0;
	struct texts now;
	int rc = texts_load(&now, o, NULL, err, errlen);
	const char *bad = NULL;
	if (rc == 0) {
		if ((options_given(o, "prompt") || options_given(o, "prompt-file")) &&
		    strcmp(now.prompt, run->prompt) != 0)
			bad = o->prompt ? "prompt" : "prompt-file";
		else if (options_given(o, "rubric") && strcmp(now.rubric, run->rubric) != 0)
			bad = "rubric";
		else if (options_given(o, "prompts-dir") &&
			 (strcmp(now.writer, run->writer) || strcmp(now.variant, run->variant) ||
			  strcmp(now.judge, run->judge) || strcmp(now.reask, run->reask) ||
			  strcmp(now.expand, run->expand) || strcmp(now.cont, run->cont)))
			bad = "prompts-dir";
		else if (options_given(o, "styles") && !same_list(&now.styles, &run->styles))
			bad = "styles";
		else if (options_given(o, "themes") && !same_list(&now.themes, &run->themes))
			bad = "themes";
		else if (options_given(o, "goals") && !same_list(&now.goals, &run->goals))
			bad = "goals";
		if (bad)
			rc = aw_fail(err, errlen,
				     "option '--%s': differs from what the run in '%s' was made with "
				     "(kept in %s/inputs/); a resumed run cannot change it",
				     bad, o->resume_dir, o->resume_dir);
	}
	texts_free(&now);
	return rc;
}

void texts_free(struct texts *t)
{
	free(t->prompt);
	free(t->rubric);
	free(t->writer);
	free(t->variant);
	free(t->judge);
	free(t->reask);
	free(t->expand);
	free(t->cont);
	strlist_free(&t->styles);
	strlist_free(&t->themes);
	strlist_free(&t->goals);
	for (size_t i = 0; i < AW_ARRAY_LEN(t->paths); i++)
		free(t->paths[i]);
	memset(t, 0, sizeof *t);
}
