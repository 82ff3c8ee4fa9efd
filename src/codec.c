/*
 * codec.c - the formats of a run directory (see codec.h).
 *
 * Each record has one encoder and one decoder, side by side, so that a
 * field is added, renamed or checked in one place.  The decoders are
 * strict about what a record needs (an id, a text, a valid winner) and
 * lenient about what it may lack (a field a newer build added), so that a
 * run written by an older build still reads.
 */
#include "aw/codec.h"
#include "aw/util.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------- names */

static const struct {
	const char *name;  /* file name in inputs/ */
	const char *key;   /* key in run.json's "files" */
} texts[CODEC_TEXTS] = {
	{ "prompt.txt", "prompt_file" },       { "rubric.txt", "rubric_file" },
	{ "writer.txt", "writer_template" },   { "variant.txt", "variant_template" },
	{ "judge.txt", "judge_template" },     { "judge-reask.txt", "reask_template" },
	{ "styles.txt", "styles_file" },       { "themes.txt", "themes_file" },
	{ "goals.txt", "goals_file" },
	{ "extend-expand.txt", "extend_expand_template" },
	{ "extend-continue.txt", "extend_continue_template" },
};

const char *codec_input_name(int k)
{
	return texts[k].name;
}

void codec_generation_name(int gen, char *out, size_t n)
{
	snprintf(out, n, "gen-%03d.json", gen);
}

int codec_is_input_file(const char *name)
{
	for (int k = 0; k < CODEC_TEXTS; k++)
		if (!strcmp(name, texts[k].name))
			return 1;
	return !strcmp(name, CODEC_SEQUENTIAL);
}

int codec_is_run_file(const char *name)
{
	if (!strcmp(name, CODEC_RUN) || !strcmp(name, CODEC_BEST))
		return 1;
	size_t digits = strncmp(name, "gen-", 4) == 0 ? strspn(name + 4, "0123456789") : 0;
	if (digits >= 3 && !strcmp(name + 4 + digits, ".json"))
		return 1;
	return codec_is_input_file(name);
}

/* -------------------------------------------------------------- helpers */

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

static const char *get_str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static char *dup_str(const cJSON *o, const char *k)
{
	const char *s = get_str(o, k);
	return s ? xstrdup(s) : NULL;
}

static double get_num(const cJSON *o, const char *k, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* A whole number in [lo, hi] under key k, else dflt. */
static long get_long(const cJSON *o, const char *k, long lo, long hi, long dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= (double)lo && v->valuedouble <= (double)hi))
		return dflt;
	return (long)v->valuedouble;
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

static char *print_line(cJSON *rec)
{
	char *s = cJSON_PrintUnformatted(rec);
	cJSON_Delete(rec);
	if (!s) {
		fprintf(stderr, "alphawrite: out of memory printing JSON\n");
		abort();
	}
	char *line = xasprintf("%s\n", s);
	cJSON_free(s);
	return line;
}

/* --------------------------------------------------------------- stories */

cJSON *codec_story_json(const struct story *s, enum codec_place where)
{
	int jr = where == CODEC_IN_JOURNAL;
	cJSON *o = cJSON_CreateObject();
	if (jr) {
		cJSON_AddStringToObject(o, "t", "story");
		cJSON_AddNumberToObject(o, "gen", s->born);
	}
	/* In the journal a variant written before it was taken has no id. */
	cJSON_AddItemToObject(o, "id", str_or_null(s->id));
	if (!jr) {
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
	}
	cJSON_AddItemToObject(o, "parent_id", str_or_null(s->parent_id));
	if (!jr)
		cJSON_AddItemToObject(o, "variant",
				      s->variant ? cJSON_CreateNumber(s->variant) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "style", str_or_null(s->style));
	cJSON_AddItemToObject(o, "theme", str_or_null(s->theme));
	cJSON_AddItemToObject(o, "goal", str_or_null(s->goal));
	if (jr && s->variant)
		cJSON_AddNumberToObject(o, "variant", s->variant);
	cJSON_AddNumberToObject(o, "temperature", s->temperature);
	if (s->text) {
		cJSON_AddNumberToObject(o, "words", (double)s->words);
		cJSON_AddBoolToObject(o, "trimmed", s->trimmed);
		if (s->near_copy)
			cJSON_AddBoolToObject(o, "near_copy", 1);
		if (s->extensions)
			cJSON_AddNumberToObject(o, "extensions", s->extensions);
		if (s->has_deviation && !jr)
			cJSON_AddNumberToObject(o, "deviation", s->deviation);
		cJSON_AddStringToObject(o, "text", s->text);
	}
	if (s->error && !jr)
		cJSON_AddStringToObject(o, "error", s->error);
	return o;
}

struct story *codec_story_parse(const cJSON *o, enum codec_place where, int gen, char *err,
				size_t errlen)
{
	int jr = where == CODEC_IN_JOURNAL;
	if (!cJSON_IsObject(o)) {
		aw_fail(err, errlen, "a story is not a JSON object");
		return NULL;
	}
	const char *id = get_str(o, "id"), *text = get_str(o, "text");
	const char *parent = get_str(o, "parent_id");
	int variant = (int)get_long(o, "variant", 1, 999999, 0);
	if (jr) {
		/* generation 0 is known by its id; a variant by its parent and
		 * number, since it may have had no id yet */
		if (!text || (parent ? !variant : !id || !*id)) {
			aw_fail(err, errlen, "a journaled story without text or identity");
			return NULL;
		}
	} else if (!id || !*id) {
		aw_fail(err, errlen, "a story without id");
		return NULL;
	}
	struct story *s = story_new();
	s->id = id ? xstrdup(id) : NULL;
	s->born = jr ? gen : (int)get_long(o, "born", 0, 1000000, gen);
	s->parent_id = parent ? xstrdup(parent) : NULL;
	s->variant = variant;
	s->style = dup_str(o, "style");
	s->theme = dup_str(o, "theme");
	s->goal = dup_str(o, "goal");
	s->temperature = get_num(o, "temperature", 0);
	s->text = text ? xstrdup(text) : NULL;
	s->words = text ? text_count_words(text) : 0;
	s->trimmed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "trimmed"));
	s->near_copy = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "near_copy"));
	s->extensions = (int)get_long(o, "extensions", 0, 1000, 0);
	if (!jr) {
		const cJSON *dev = cJSON_GetObjectItemCaseSensitive(o, "deviation");
		if (cJSON_IsNumber(dev)) {
			s->deviation = dev->valuedouble;
			s->has_deviation = 1;
		}
		s->error = dup_str(o, "error");
		s->elo = get_num(o, "elo", s->elo);
		s->rank = (int)get_long(o, "rank", 0, 100000000, 0);
		if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, "rating"))) {
			s->rating = get_num(o, "rating", 0);
			s->rating_lo = get_num(o, "rating_lo", s->rating);
			s->rating_hi = get_num(o, "rating_hi", s->rating);
			s->rated = 1;
		}
	}
	return s;
}

/* --------------------------------------------------------------- matches */

cJSON *codec_match_json(const struct match *m, enum codec_place where)
{
	cJSON *o = cJSON_CreateObject();
	if (where == CODEC_IN_JOURNAL) {
		cJSON_AddStringToObject(o, "t", "match");
		cJSON_AddNumberToObject(o, "gen", m->gen);
		cJSON_AddNumberToObject(o, "round", m->round);
	} else if (m->round) {
		cJSON_AddNumberToObject(o, "round", m->round);
	}
	cJSON_AddStringToObject(o, "a", m->a);
	cJSON_AddStringToObject(o, "b", m->b);
	/* the winner by id everywhere, so that every file holding verdicts
	 * reads as a match log (rank --matches) */
	cJSON_AddItemToObject(o, "winner", str_or_null(m->winner == 'A' ? m->a :
						       m->winner == 'B' ? m->b : NULL));
	if (m->has_p)
		cJSON_AddNumberToObject(o, "p_a", m->p_a);
	if (where == CODEC_IN_JOURNAL) {
		cJSON_AddItemToObject(o, "reason", str_or_null(m->reason));
		cJSON_AddItemToObject(o, "error", str_or_null(m->error));
	} else if (where == CODEC_IN_GENERATION) {
		if (m->reason)
			cJSON_AddStringToObject(o, "reason", m->reason);
		if (m->error)
			cJSON_AddStringToObject(o, "error", m->error);
	}
	if (m->lost && where != CODEC_IN_LOG)
		cJSON_AddTrueToObject(o, "lost");
	if (where != CODEC_IN_LOG)
		cJSON_AddNumberToObject(o, "asks", m->asks);
	return o;
}

int codec_match_parse(const cJSON *o, enum codec_place where, struct match *m, char *err,
		      size_t errlen)
{
	memset(m, 0, sizeof *m);
	if (!cJSON_IsObject(o))
		return aw_fail(err, errlen, "not a JSON object");
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "a");
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(o, "b");
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(o, "winner");
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "p_a");
	if (!cJSON_IsString(a) || !cJSON_IsString(b) || !a->valuestring[0] || !b->valuestring[0])
		return aw_fail(err, errlen, "\"a\" and \"b\" must be story ids (strings)");
	if (strcmp(a->valuestring, b->valuestring) == 0)
		return aw_fail(err, errlen, "\"a\" and \"b\" are the same story");
	char winner = 0;
	if (cJSON_IsString(w)) {
		const char *v = w->valuestring;
		if (!strcmp(v, a->valuestring))
			winner = 'A';
		else if (!strcmp(v, b->valuestring))
			winner = 'B';
		else if (where == CODEC_IN_JOURNAL && (!strcmp(v, "A") || !strcmp(v, "B")))
			winner = v[0]; /* a journal of an older build */
		else
			return aw_fail(err, errlen, "\"winner\" '%s' is neither \"a\" nor \"b\"", v);
	} else if (!w && where != CODEC_IN_JOURNAL) {
		return aw_fail(err, errlen, "no \"winner\" (an id, or null for no verdict)");
	} else if (w && !cJSON_IsNull(w)) {
		return aw_fail(err, errlen, "\"winner\" must be an id or null");
	}
	double pa = 0;
	int has_p = 0;
	if (p && !cJSON_IsNull(p)) {
		if (!cJSON_IsNumber(p) || !(p->valuedouble >= 0 && p->valuedouble <= 1))
			return aw_fail(err, errlen, "\"p_a\" must be a probability between 0 and 1");
		pa = p->valuedouble;
		has_p = 1;
	}
	m->a = xstrdup(a->valuestring);
	m->b = xstrdup(b->valuestring);
	m->winner = winner;
	m->has_p = has_p;
	m->p_a = pa;
	m->gen = (int)get_long(o, "gen", 0, 100000, 0);
	m->round = (int)get_long(o, "round", 0, 999999, 0);
	m->reason = dup_str(o, "reason");
	m->error = dup_str(o, "error");
	m->asks = (int)get_long(o, "asks", 0, 999, 1);
	/* lost to a failed request (a journal of an older build says so only
	 * in its error) */
	m->lost = !winner && (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "lost")) ||
			      (m->error && !strncmp(m->error, "judge request failed", 20)));
	return 0;
}

/* ------------------------------------------------------ generation files */

static void policy_json(cJSON *arr, const struct policy_arm *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "temperature", a[i].temperature);
		cJSON_AddNumberToObject(o, "stories", (double)a[i].stories);
		cJSON_AddNumberToObject(o, "strength", a[i].strength);
		cJSON_AddNumberToObject(o, "strength_lo", a[i].strength_lo);
		cJSON_AddNumberToObject(o, "strength_hi", a[i].strength_hi);
		cJSON_AddNumberToObject(o, "p_next", a[i].p_next);
		cJSON_AddItemToArray(arr, o);
	}
}

static size_t policy_parse(const cJSON *arr, struct policy_arm *a)
{
	size_t n = 0;
	const cJSON *o;
	if (!cJSON_IsArray(arr))
		return 0;
	cJSON_ArrayForEach(o, arr) {
		if (n == CODEC_MAX_ARMS)
			break;
		a[n].temperature = get_num(o, "temperature", 0);
		a[n].stories = get_long(o, "stories", 0, 1L << 40, 0);
		a[n].strength = get_num(o, "strength", 0);
		a[n].strength_lo = get_num(o, "strength_lo", 0);
		a[n].strength_hi = get_num(o, "strength_hi", 0);
		a[n].p_next = get_num(o, "p_next", 0);
		n++;
	}
	return n;
}

char *codec_generation_json(const struct generation *g)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "generation", g->gen);
	if (g->run_id[0])
		cJSON_AddStringToObject(root, "run_id", g->run_id);
	if (g->has_judging) {
		const struct judging *sum = &g->judging;
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
	if (g->diversity.has) {
		const struct gen_diversity *d = &g->diversity;
		cJSON *o = cJSON_AddObjectToObject(root, "diversity");
		cJSON_AddNumberToObject(o, "lineages", (double)d->lineages);
		cJSON_AddNumberToObject(o, "mean_deviation", d->mean_deviation);
		cJSON_AddNumberToObject(o, "distinct_2", d->distinct_2);
		cJSON_AddNumberToObject(o, "distinct_3", d->distinct_3);
		cJSON_AddNumberToObject(o, "compression_ratio", d->compression_ratio);
	}
	if (g->policy.has) {
		cJSON *o = cJSON_AddObjectToObject(root, "temperature_policy");
		policy_json(cJSON_AddArrayToObject(o, "draft"), g->policy.draft, g->policy.ndraft);
		policy_json(cJSON_AddArrayToObject(o, "variant"), g->policy.variant,
			    g->policy.nvariant);
	}
	cJSON *stories = cJSON_AddArrayToObject(root, "stories");
	for (size_t i = 0; i < g->stories.n; i++)
		cJSON_AddItemToArray(stories, codec_story_json(g->stories.v[i], CODEC_IN_GENERATION));
	cJSON *ms = cJSON_AddArrayToObject(root, "matches");
	for (size_t i = 0; i < g->matches.n; i++)
		cJSON_AddItemToArray(ms, codec_match_json(g->matches.v[i], CODEC_IN_GENERATION));
	cJSON *fs = cJSON_AddArrayToObject(root, "failed");
	for (size_t i = 0; i < g->failed.n; i++)
		cJSON_AddItemToArray(fs, codec_story_json(g->failed.v[i], CODEC_IN_GENERATION));
	return print(root);
}

/* The tournament's stop reason as the static string judging holds. */
static const char *stop_reason(const char *s)
{
	static const char *const known[] = { "rounds", "budget", "stable" };
	for (size_t i = 0; s && i < AW_ARRAY_LEN(known); i++)
		if (!strcmp(s, known[i]))
			return known[i];
	return "budget";
}

int codec_generation_parse(const char *text, const char *path, int gen, struct generation *g,
			   char *err, size_t errlen)
{
	char why[256];
	memset(g, 0, sizeof *g);
	g->gen = gen;
	cJSON *root = cJSON_Parse(text);
	const cJSON *stories = cJSON_GetObjectItemCaseSensitive(root, "stories");
	const cJSON *ms = cJSON_GetObjectItemCaseSensitive(root, "matches");
	const cJSON *num = cJSON_GetObjectItemCaseSensitive(root, "generation");
	int rc = -1;
	if (!cJSON_IsArray(stories) || !cJSON_IsArray(ms) || !cJSON_IsNumber(num) ||
	    num->valuedouble != (double)gen) {
		aw_fail(err, errlen, "'%s' is not generation %d of a run", path, gen);
		goto out;
	}
	snprintf(g->run_id, sizeof g->run_id, "%s",
		 get_str(root, "run_id") ? get_str(root, "run_id") : "");
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(root, "judging");
	if (cJSON_IsObject(j)) {
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(root, "position_bias");
		g->has_judging = 1;
		g->judging.calls = get_long(j, "calls", 0, 1L << 40, 0);
		g->judging.matches = get_long(j, "matches", 0, 1L << 40, 0);
		g->judging.budget = get_long(j, "budget", 0, 1L << 40, 0);
		g->judging.stop = stop_reason(get_str(j, "stopped"));
		g->judging.soft = get_long(j, "soft_verdicts", 0, 1L << 40, 0);
		g->judging.bias = get_num(b, "logit", 0);
		g->judging.bias_se = (get_num(b, "logit_hi", 0) - get_num(b, "logit_lo", 0)) / 3.92;
	}
	const cJSON *dv = cJSON_GetObjectItemCaseSensitive(root, "diversity");
	if (cJSON_IsObject(dv)) {
		struct gen_diversity *d = &g->diversity;
		d->has = 1;
		d->lineages = get_long(dv, "lineages", 0, 1L << 40, 0);
		d->mean_deviation = get_num(dv, "mean_deviation", 0);
		d->distinct_2 = get_num(dv, "distinct_2", 0);
		d->distinct_3 = get_num(dv, "distinct_3", 0);
		d->compression_ratio = get_num(dv, "compression_ratio", 0);
	}
	const cJSON *pol = cJSON_GetObjectItemCaseSensitive(root, "temperature_policy");
	if (cJSON_IsObject(pol)) {
		g->policy.has = 1;
		g->policy.ndraft = policy_parse(cJSON_GetObjectItemCaseSensitive(pol, "draft"),
						g->policy.draft);
		g->policy.nvariant = policy_parse(cJSON_GetObjectItemCaseSensitive(pol, "variant"),
						  g->policy.variant);
	}
	const cJSON *o;
	cJSON_ArrayForEach(o, stories) {
		struct story *s = codec_story_parse(o, CODEC_IN_GENERATION, gen, why, sizeof why);
		if (!s || !s->text) {
			story_free(s);
			aw_fail(err, errlen, "'%s': a story without id or text", path);
			goto out;
		}
		population_add(&g->stories, s);
	}
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(root, "failed")) {
		struct story *s = codec_story_parse(o, CODEC_IN_GENERATION, gen, why, sizeof why);
		if (!s) {
			aw_fail(err, errlen, "'%s': a failed story without id", path);
			goto out;
		}
		population_add(&g->failed, s);
	}
	size_t k = 0;
	cJSON_ArrayForEach(o, ms) {
		struct match *m = match_new();
		k++;
		if (codec_match_parse(o, CODEC_IN_GENERATION, m, why, sizeof why) < 0) {
			free(m);
			aw_fail(err, errlen, "'%s': match %zu is not valid: %s", path, k, why);
			goto out;
		}
		m->gen = gen;
		match_list_add(&g->matches, m);
	}
	rc = 0;
out:
	if (rc < 0)
		generation_release(g);
	cJSON_Delete(root);
	return rc;
}

void generation_release(struct generation *g)
{
	population_free(&g->stories);
	population_free(&g->failed);
	match_list_free(&g->matches);
	memset(g, 0, sizeof *g);
}

/* ----------------------------------------------------------------- run.json */

#define U(field) offsetof(struct run_usage, field)

/* The counters of usage, in the order run.json lists them. */
static const struct {
	const char *key;   /* key in "usage" */
	size_t off;        /* the long in struct run_usage */
} counters[] = {
	{ "requests", U(requests) },
	{ "retries", U(retries) },
	{ "failed_requests", U(failed_requests) },
	{ "peak_in_flight", U(peak_in_flight) },
	{ "prompt_tokens", U(prompt_tokens) },
	{ "completion_tokens", U(completion_tokens) },
	{ "replies_without_usage", U(replies_without_usage) },
	{ "length_rewrites", U(length_rewrites) },
	{ "trimmed_stories", U(trimmed_stories) },
	{ "judge_reasks", U(judge_reasks) },
	{ "matches_without_winner", U(matches_without_winner) },
	{ "failed_stories", U(failed_stories) },
	{ "early_variants", U(early_variants) },
	{ "discarded_variants", U(discarded_variants) },
	{ "soft_verdicts", U(soft_verdicts) },
	{ "lost_matches", U(lost_matches) },
	{ "repaired_replies", U(repaired_replies) },
	{ "extension_requests", U(extension_requests) },
	{ "extension_rounds", U(extension_rounds) },
	{ "extended_stories", U(extended_stories) },
	{ "extension_retries", U(extension_retries) },
	{ "extension_failures", U(extension_failures) },
	{ "extension_rejected_no_ending", U(extension_rejected[0]) },
	{ "extension_rejected_repeats", U(extension_rejected[1]) },
	{ "extension_rejected_meta", U(extension_rejected[2]) },
	{ "extension_rejected_too_short", U(extension_rejected[3]) },
	{ "extension_meta_stripped", U(extension_meta_stripped) },
};

/* usage.faults, by enum http_fault, and unusable_by_kind by enum llm_bad. */
static const char *const fault_keys[] = { "timeout",  "connection", "reply_too_large", "http_429",
					  "http_5xx", "http_other", "unusable_reply" };
static const char *const unusable_keys[] = { "not_json", "error_in_200", "no_choices",
					     "no_text",  "empty_text",   "finish_error" };
_Static_assert(AW_ARRAY_LEN(fault_keys) == AW_ARRAY_LEN(((struct run_usage *)0)->faults),
	       "a key per fault kind");
_Static_assert(AW_ARRAY_LEN(unusable_keys) == AW_ARRAY_LEN(((struct run_usage *)0)->unusable),
	       "a key per unusable kind");

static const char *const role_keys[] = { "writer", "judge" };

static long *counter(struct run_usage *u, size_t k)
{
	return (long *)((char *)u + counters[k].off);
}

void run_usage_add(struct run_usage *u, const struct run_usage *before)
{
	for (size_t k = 0; k < AW_ARRAY_LEN(counters); k++) {
		long *mine = counter(u, k);
		long was = *counter((struct run_usage *)before, k);
		*mine = counters[k].off == U(peak_in_flight) ? (*mine > was ? *mine : was) : *mine + was;
	}
	for (size_t k = 0; k < AW_ARRAY_LEN(fault_keys); k++)
		u->faults[k] += before->faults[k];
	for (size_t k = 0; k < AW_ARRAY_LEN(unusable_keys); k++)
		u->unusable[k] += before->unusable[k];
	for (int r = 0; r < 2; r++) {
		u->roles[r].requests += before->roles[r].requests;
		u->roles[r].prompt_tokens += before->roles[r].prompt_tokens;
		u->roles[r].completion_tokens += before->roles[r].completion_tokens;
	}
}

void run_usage_sub(struct run_usage *d, const struct run_usage *a, const struct run_usage *b)
{
	memset(d, 0, sizeof *d);
	for (size_t k = 0; k < AW_ARRAY_LEN(counters); k++)
		if (counters[k].off != U(peak_in_flight))
			*counter(d, k) = *counter((struct run_usage *)a, k) -
					 *counter((struct run_usage *)b, k);
	for (size_t k = 0; k < AW_ARRAY_LEN(fault_keys); k++)
		d->faults[k] = a->faults[k] - b->faults[k];
	for (size_t k = 0; k < AW_ARRAY_LEN(unusable_keys); k++)
		d->unusable[k] = a->unusable[k] - b->unusable[k];
	d->reused_stories = a->reused_stories - b->reused_stories;
	d->reused_matches = a->reused_matches - b->reused_matches;
	d->reused_parts = a->reused_parts - b->reused_parts;
	for (int r = 0; r < 2; r++) {
		d->roles[r].requests = a->roles[r].requests - b->roles[r].requests;
		d->roles[r].prompt_tokens = a->roles[r].prompt_tokens - b->roles[r].prompt_tokens;
		d->roles[r].completion_tokens =
			a->roles[r].completion_tokens - b->roles[r].completion_tokens;
	}
}

void codec_iso_time(double t, char *out, size_t n)
{
	time_t secs = (time_t)t;
	struct tm tm;
	gmtime_r(&secs, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A counter, unless it is 0 and only what was spent is written. */
static void add_count(cJSON *o, const char *key, long v, int spent_only)
{
	if (v || !spent_only)
		cJSON_AddNumberToObject(o, key, (double)v);
}

/* usage as run.json writes it; spent_only: a journal record's delta, only
 * the counters that are not 0. */
static void usage_json(cJSON *u, const struct run_usage *us, int spent_only)
{
	struct run_usage *mut = (struct run_usage *)us;
	for (size_t k = 0; k < AW_ARRAY_LEN(counters); k++)
		if (!spent_only || counters[k].off != U(peak_in_flight))
			add_count(u, counters[k].key, *counter(mut, k), spent_only);
	if (!spent_only)
		cJSON_AddStringToObject(u, "logprobs", us->logprobs);
	cJSON *faults = cJSON_CreateObject();
	for (size_t k = 0; k < AW_ARRAY_LEN(fault_keys); k++)
		add_count(faults, fault_keys[k], us->faults[k], spent_only);
	cJSON *fb = cJSON_CreateObject();
	for (size_t k = 0; k < AW_ARRAY_LEN(unusable_keys); k++)
		add_count(fb, unusable_keys[k], us->unusable[k], spent_only);
	if (fb->child || !spent_only)
		cJSON_AddItemToObject(faults, "unusable_by_kind", fb);
	else
		cJSON_Delete(fb);
	if (faults->child || !spent_only)
		cJSON_AddItemToObject(u, "faults", faults);
	else
		cJSON_Delete(faults);
	cJSON *roles = cJSON_CreateObject();
	for (int r = 0; r < 2; r++) {
		const struct role_usage *ru = &us->roles[r];
		cJSON *o = cJSON_CreateObject();
		add_count(o, "requests", ru->requests, spent_only);
		add_count(o, "prompt_tokens", ru->prompt_tokens, spent_only);
		add_count(o, "completion_tokens", ru->completion_tokens, spent_only);
		if (!spent_only)
			cJSON_AddItemToObject(o, "cost", ru->cost >= 0 ?
							 cJSON_CreateNumber(ru->cost) :
							 cJSON_CreateNull());
		if (o->child)
			cJSON_AddItemToObject(roles, role_keys[r], o);
		else
			cJSON_Delete(o);
	}
	if (roles->child)
		cJSON_AddItemToObject(u, "by_role", roles);
	else
		cJSON_Delete(roles);
	if (!spent_only) {
		cJSON_AddItemToObject(u, "cost", us->cost >= 0 ? cJSON_CreateNumber(us->cost) :
								  cJSON_CreateNull());
		cJSON_AddNumberToObject(u, "window_use", us->window_use);
	}
	add_count(u, "reused_stories", us->reused_stories, spent_only);
	add_count(u, "reused_matches", us->reused_matches, spent_only);
	add_count(u, "reused_parts", us->reused_parts, spent_only);
}

static void usage_parse(const cJSON *u, struct run_usage *us)
{
	const long most = 1L << 52;
	for (size_t k = 0; k < AW_ARRAY_LEN(counters); k++)
		*counter(us, k) = get_long(u, counters[k].key, 0, most, 0);
	snprintf(us->logprobs, sizeof us->logprobs, "%s",
		 get_str(u, "logprobs") ? get_str(u, "logprobs") : "none yet");
	const cJSON *faults = cJSON_GetObjectItemCaseSensitive(u, "faults");
	for (size_t k = 0; k < AW_ARRAY_LEN(fault_keys); k++)
		us->faults[k] = get_long(faults, fault_keys[k], 0, most, 0);
	const cJSON *fb = cJSON_GetObjectItemCaseSensitive(faults, "unusable_by_kind");
	for (size_t k = 0; k < AW_ARRAY_LEN(unusable_keys); k++)
		us->unusable[k] = get_long(fb, unusable_keys[k], 0, most, 0);
	const cJSON *roles = cJSON_GetObjectItemCaseSensitive(u, "by_role");
	for (int r = 0; r < 2; r++) {
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(roles, role_keys[r]);
		us->roles[r].requests = get_long(o, "requests", 0, most, 0);
		us->roles[r].prompt_tokens = get_long(o, "prompt_tokens", 0, most, 0);
		us->roles[r].completion_tokens = get_long(o, "completion_tokens", 0, most, 0);
		us->roles[r].cost = get_num(o, "cost", -1);
	}
	us->cost = get_num(u, "cost", -1);
	us->window_use = get_num(u, "window_use", 0);
	us->reused_stories = get_long(u, "reused_stories", 0, most, 0);
	us->reused_matches = get_long(u, "reused_matches", 0, most, 0);
	us->reused_parts = get_long(u, "reused_parts", 0, most, 0);
}

char *codec_run_json(const struct run_report *r)
{
	cJSON *root = cJSON_CreateObject();
	if (r->run_id[0])
		cJSON_AddStringToObject(root, "run_id", r->run_id);
	if (r->command)
		cJSON_AddStringToObject(root, "command", r->command);
	cJSON_AddStringToObject(root, "status", r->status);
	cJSON_AddStringToObject(root, "version", r->version);
	char seed[32]; /* exact: a double would round some 53-bit seeds */
	snprintf(seed, sizeof seed, "%llu", (unsigned long long)r->seed);
	cJSON_AddRawToObject(root, "seed", seed);
	cJSON_AddStringToObject(root, "started", r->started);
	cJSON_AddItemToObject(root, "finished", str_or_null(r->finished[0] ? r->finished : NULL));
	cJSON_AddNumberToObject(root, "elapsed_seconds", r->elapsed_seconds);
	cJSON_AddNumberToObject(root, "generations_done", r->generations_done);
	cJSON_AddItemToObject(root, "best_story", str_or_null(r->best_story));
	cJSON_AddItemToObject(root, "error", str_or_null(r->error));
	cJSON_AddItemToObject(root, "settings",
			      r->settings ? cJSON_Duplicate(r->settings, 1) : cJSON_CreateObject());
	cJSON_AddStringToObject(root, "prompt", r->prompt ? r->prompt : "");
	cJSON *files = cJSON_AddObjectToObject(root, "files");
	for (int k = 0; k < CODEC_TEXTS; k++)
		cJSON_AddItemToObject(files, texts[k].key, str_or_null(r->files[k]));
	usage_json(cJSON_AddObjectToObject(root, "usage"), &r->usage, 0);
	cJSON *list = cJSON_AddArrayToObject(root, "resumes");
	for (size_t i = 0; i < r->nresumes; i++) {
		const struct run_resume *e = &r->resumes[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "at", e->at);
		cJSON_AddNumberToObject(o, "generations_done", e->generations_done);
		cJSON_AddNumberToObject(o, "reused_stories", (double)e->reused_stories);
		cJSON_AddNumberToObject(o, "reused_matches", (double)e->reused_matches);
		cJSON_AddItemToArray(list, o);
	}
	if (r->evolution.set) {
		const struct run_evolution *e = &r->evolution;
		cJSON *o = cJSON_AddObjectToObject(root, "evolution");
		cJSON_AddStringToObject(o, "best", e->best);
		cJSON_AddNumberToObject(o, "best_rating", e->best_rating);
		cJSON_AddNumberToObject(o, "best_rating_lo", e->best_lo);
		cJSON_AddNumberToObject(o, "best_rating_hi", e->best_hi);
		cJSON_AddStringToObject(o, "first_best", e->first);
		cJSON_AddNumberToObject(o, "first_rating", e->first_rating);
		cJSON_AddNumberToObject(o, "first_rating_lo", e->first_lo);
		cJSON_AddNumberToObject(o, "first_rating_hi", e->first_hi);
	}
	if (r->run_id[0])
		cJSON_AddNumberToObject(root, "journal_bytes", (double)r->journal_bytes);
	return print(root);
}

int codec_run_parse(const char *text, const char *path, struct run_report *r, char *err,
		    size_t errlen)
{
	memset(r, 0, sizeof *r);
	cJSON *root = cJSON_Parse(text);
	const cJSON *settings = cJSON_GetObjectItemCaseSensitive(root, "settings");
	if (!cJSON_IsObject(root) || !cJSON_IsObject(settings)) {
		cJSON_Delete(root);
		return aw_fail(err, errlen, "'%s' is not a run.json of alphawrite (no settings)", path);
	}
	snprintf(r->run_id, sizeof r->run_id, "%s",
		 get_str(root, "run_id") ? get_str(root, "run_id") : "");
	r->journal_bytes = get_long(root, "journal_bytes", 0, 1L << 52, 0);
	r->command = dup_str(root, "command");
	r->status = xstrdup(get_str(root, "status") ? get_str(root, "status") : "");
	r->version = xstrdup(get_str(root, "version") ? get_str(root, "version") : "");
	double seed = get_num(root, "seed", 0);
	r->seed = seed >= 0 && seed <= 9007199254740991.0 ? (uint64_t)seed : 0;
	snprintf(r->started, sizeof r->started, "%s",
		 get_str(root, "started") ? get_str(root, "started") : "");
	snprintf(r->finished, sizeof r->finished, "%s",
		 get_str(root, "finished") ? get_str(root, "finished") : "");
	r->elapsed_seconds = get_num(root, "elapsed_seconds", 0);
	r->generations_done = (int)get_long(root, "generations_done", 0, 1000000, 0);
	r->best_story = dup_str(root, "best_story");
	r->error = dup_str(root, "error");
	r->settings = cJSON_Duplicate(settings, 1);
	r->prompt = dup_str(root, "prompt");
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(root, "files");
	for (int k = 0; k < CODEC_TEXTS; k++)
		r->files[k] = dup_str(files, texts[k].key);
	usage_parse(cJSON_GetObjectItemCaseSensitive(root, "usage"), &r->usage);
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "resumes"), *o;
	if (!cJSON_IsArray(list))
		list = NULL;
	cJSON_ArrayForEach(o, list) {
		r->resumes = xrealloc(r->resumes, (r->nresumes + 1) * sizeof *r->resumes);
		struct run_resume *e = &r->resumes[r->nresumes++];
		memset(e, 0, sizeof *e);
		snprintf(e->at, sizeof e->at, "%s", get_str(o, "at") ? get_str(o, "at") : "");
		e->generations_done = (int)get_long(o, "generations_done", 0, 1000000, 0);
		e->reused_stories = get_long(o, "reused_stories", 0, 1L << 52, 0);
		e->reused_matches = get_long(o, "reused_matches", 0, 1L << 52, 0);
	}
	const cJSON *ev = cJSON_GetObjectItemCaseSensitive(root, "evolution");
	if (cJSON_IsObject(ev) && get_str(ev, "best") && get_str(ev, "first_best")) {
		struct run_evolution *e = &r->evolution;
		e->set = 1;
		snprintf(e->best, sizeof e->best, "%s", get_str(ev, "best"));
		snprintf(e->first, sizeof e->first, "%s", get_str(ev, "first_best"));
		e->best_rating = get_num(ev, "best_rating", 0);
		e->best_lo = get_num(ev, "best_rating_lo", 0);
		e->best_hi = get_num(ev, "best_rating_hi", 0);
		e->first_rating = get_num(ev, "first_rating", 0);
		e->first_lo = get_num(ev, "first_rating_lo", 0);
		e->first_hi = get_num(ev, "first_rating_hi", 0);
	}
	cJSON_Delete(root);
	return 0;
}

void run_report_release(struct run_report *r)
{
	free(r->command);
	free(r->status);
	free(r->version);
	free(r->best_story);
	free(r->error);
	cJSON_Delete(r->settings);
	free(r->prompt);
	for (int k = 0; k < CODEC_TEXTS; k++)
		free(r->files[k]);
	free(r->resumes);
	memset(r, 0, sizeof *r);
}

/* ------------------------------------------------------------- journal */

static const char *const stage_names[] = { "draft", "expand", "continue" };

void ext_part_free(struct ext_part *p)
{
	if (!p)
		return;
	free(p->id);
	free(p->parent_id);
	free(p->text);
	free(p);
}

static cJSON *part_json(const struct ext_part *p)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "t", "part");
	cJSON_AddNumberToObject(o, "gen", p->gen);
	cJSON_AddItemToObject(o, "id", str_or_null(p->id));
	cJSON_AddItemToObject(o, "parent_id", str_or_null(p->parent_id));
	if (p->variant)
		cJSON_AddNumberToObject(o, "variant", p->variant);
	cJSON_AddNumberToObject(o, "round", p->round);
	cJSON_AddNumberToObject(o, "try", p->attempt);
	cJSON_AddStringToObject(o, "stage", stage_names[p->stage]);
	cJSON_AddNumberToObject(o, "part", p->part);
	cJSON_AddNumberToObject(o, "ask", p->ask);
	cJSON_AddStringToObject(o, "text", p->text);
	return o;
}

/* A part names its story as a journaled story does: generation 0 by its
 * id, a variant by its parent and number. */
static struct ext_part *part_parse(const cJSON *o)
{
	const char *stage = get_str(o, "stage"), *text = get_str(o, "text");
	const char *id = get_str(o, "id"), *parent = get_str(o, "parent_id");
	int variant = (int)get_long(o, "variant", 1, 999999, 0);
	int k = -1;
	for (int i = 0; stage && i < (int)AW_ARRAY_LEN(stage_names); i++)
		if (!strcmp(stage, stage_names[i]))
			k = i;
	if (k < 0 || !text || (parent ? !variant : !id || !*id) ||
	    get_long(o, "gen", 0, 100000, -1) < 0 || get_long(o, "round", 0, 1000, -1) < 0)
		return NULL;
	struct ext_part *p = xcalloc(1, sizeof *p);
	p->gen = (int)get_long(o, "gen", 0, 100000, 0);
	p->id = id && !parent ? xstrdup(id) : NULL;
	p->parent_id = parent ? xstrdup(parent) : NULL;
	p->variant = parent ? variant : 0;
	p->round = (int)get_long(o, "round", 0, 1000, 0);
	p->attempt = (int)get_long(o, "try", 0, 1000, 0);
	p->stage = k;
	p->part = (int)get_long(o, "part", 0, 1000000, 0);
	p->ask = (int)get_long(o, "ask", 0, 1000, 0);
	p->text = xstrdup(text);
	return p;
}

char *codec_journal_line(const struct journal_record *r)
{
	cJSON *o;
	char seed[32];
	switch (r->type) {
	case CODEC_REC_RUN:
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "t", "run");
		cJSON_AddStringToObject(o, "run_id", r->run_id);
		snprintf(seed, sizeof seed, "%llu", (unsigned long long)r->seed);
		cJSON_AddRawToObject(o, "seed", seed);
		break;
	case CODEC_REC_STORY:
		o = codec_story_json(r->story, CODEC_IN_JOURNAL);
		break;
	case CODEC_REC_MATCH:
		o = codec_match_json(&r->match, CODEC_IN_JOURNAL);
		break;
	case CODEC_REC_PART:
		o = part_json(r->part);
		break;
	default:
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "t", "usage");
		break;
	}
	if (r->has_usage && r->type != CODEC_REC_RUN) {
		usage_json(cJSON_AddObjectToObject(o, "u"), &r->usage, 1);
		cJSON_AddNumberToObject(o, "p", r->process);
	}
	return print_line(o);
}

int codec_journal_parse(const char *line, size_t len, struct journal_record *r)
{
	char why[256];
	cJSON *o = cJSON_ParseWithLength(line, len);
	const char *t = get_str(o, "t");
	int rc = -1;
	memset(r, 0, sizeof *r);
	if (!cJSON_IsObject(o) || !t)
		goto out;
	if (!strcmp(t, "run")) {
		const char *id = get_str(o, "run_id");
		double seed = get_num(o, "seed", -1);
		if (!id || !*id || strlen(id) >= sizeof r->run_id || !(seed >= 0))
			goto out;
		r->type = CODEC_REC_RUN;
		snprintf(r->run_id, sizeof r->run_id, "%s", id);
		r->seed = (uint64_t)seed;
		rc = 0;
		goto out;
	}
	double gen = get_num(o, "gen", -1);
	if (!strcmp(t, "story") && gen >= 0 && gen <= 100000) {
		r->type = CODEC_REC_STORY;
		r->story = codec_story_parse(o, CODEC_IN_JOURNAL, (int)gen, why, sizeof why);
		rc = r->story ? 0 : -1;
	} else if (!strcmp(t, "match") && gen >= 0 && gen <= 100000) {
		r->type = CODEC_REC_MATCH;
		rc = codec_match_parse(o, CODEC_IN_JOURNAL, &r->match, why, sizeof why);
	} else if (!strcmp(t, "usage")) {
		r->type = CODEC_REC_USAGE;
		rc = 0;
	} else if (!strcmp(t, "part")) {
		r->type = CODEC_REC_PART;
		r->part = part_parse(o);
		rc = r->part ? 0 : -1;
	}
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(o, "u");
	if (rc == 0 && cJSON_IsObject(u)) {
		r->has_usage = 1;
		usage_parse(u, &r->usage);
		r->usage.logprobs[0] = '\0';
		r->process = (int)get_long(o, "p", 0, 1000000, 0);
	}
out:
	cJSON_Delete(o);
	if (rc < 0)
		journal_record_release(r);
	return rc;
}

void journal_record_release(struct journal_record *r)
{
	story_free(r->story);
	free(r->match.a);
	free(r->match.b);
	free(r->match.reason);
	free(r->match.error);
	ext_part_free(r->part);
	memset(r, 0, sizeof *r);
}
