/*
 * options.c - the option table of `alphawrite evolve`, and the parser and
 * help text generated from it.
 *
 * Each row names the option, its argument, its help line, where the value
 * goes in struct options and, for numbers, the accepted range.  getopt_long's
 * struct option[] and the --help text are both built from the rows; adding
 * an option is adding a row.
 */
#include "aw/options.h"
#include "aw/data.h"
#include "aw/util.h"
#include "aw/version.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum kind { K_STR, K_LONG, K_DOUBLE, K_SEED, K_FLAG, K_HELP, K_BASEURL, K_CHOICE };

static const char *const pairings[] = { "random", "swiss", "boundary", NULL };
static const char *const rank_bys[] = { "bt", "elo", NULL };
static const char *const logprob_modes[] = { "auto", "on", "off", NULL };

struct row {
	const char *name;   /* long option name */
	enum kind kind;     /* how the argument is read */
	size_t off;         /* field in struct options */
	double min, max;    /* range for numbers */
	const char *arg;    /* metavar in --help, NULL for flags */
	const char *help;   /* one line of help */
	const char *deflt;  /* default shown in --help, or NULL */
	const char *const *choices; /* K_CHOICE: the accepted words */
	unsigned flags;     /* ROW_* below */
};

/* What a row means to a resumed run (--resume): */
enum {
	ROW_KEEP = 1,  /* part of the run's meaning: may not change */
	ROW_TEXT = 2,  /* names a text: its content may not change (run.c) */
	ROW_FREE = 4,  /* may change when resuming */
	ROW_NONE = 8   /* not a setting of the run (not saved) */
};

#define F(field) offsetof(struct options, field)

static const struct row rows[] = {
	{ "model", K_STR, F(model), 0, 0, "M", "writer model name (required)", NULL, NULL, ROW_KEEP },
	{ "judge-model", K_STR, F(judge_model), 0, 0, "J", "judge model name", "the writer model", NULL, ROW_KEEP },
	{ "base-url", K_BASEURL, 0, 0, 0, "URL", "OpenAI-compatible endpoint, up to /v1",
	  "$OPENAI_BASE_URL, else https://api.openai.com/v1", NULL, ROW_FREE },
	{ "out", K_STR, F(out_dir), 0, 0, "DIR", "output directory, new or empty (required)", NULL, NULL, ROW_NONE },
	{ "prompt", K_STR, F(prompt), 0, 0, "TEXT", "the writing prompt all stories answer", "bundled prompts/prompt.txt", NULL, ROW_TEXT },
	{ "prompt-file", K_STR, F(prompt_file), 0, 0, "FILE", "read the writing prompt from FILE", NULL, NULL, ROW_TEXT },
	{ "population", K_LONG, F(population), 2, 5000, "N", "stories in the initial generation", "60", NULL, ROW_KEEP },
	{ "generations", K_LONG, F(generations), 0, 1000, "G", "evolution steps after the initial population", "5", NULL, ROW_FREE },
	{ "top", K_LONG, F(top), 1, 5000, "K", "parents selected per generation", "5", NULL, ROW_KEEP },
	{ "variants", K_LONG, F(variants), 1, 1000, "V", "variants written per parent", "5", NULL, ROW_KEEP },
	{ "judge-budget", K_LONG, F(judge_budget), 1, 1000, "M", "judge matches per story per generation, on average", "8", NULL, ROW_KEEP },
	{ "rounds", K_LONG, F(rounds), 1, 1000, "R", "the paper's scheme: exactly R rounds, one match per story each", NULL, NULL, ROW_KEEP },
	{ "pairing", K_CHOICE, F(pairing), 0, 0, "HOW", "random, swiss or boundary", "boundary", pairings, ROW_KEEP },
	{ "rank-by", K_CHOICE, F(rank_by), 0, 0, "HOW", "bt (Bradley-Terry) or elo", "bt", rank_bys, ROW_KEEP },
	{ "judge-logprobs", K_CHOICE, F(logprobs), 0, 0, "WHEN", "auto, on or off: judge probabilities as soft outcomes", "auto", logprob_modes, ROW_KEEP },
	{ "deterministic", K_FLAG, F(deterministic), 0, 0, NULL, "judge in rounds with barriers: reproducible from seed and verdicts", NULL, NULL, ROW_KEEP },
	{ "no-early-stop", K_FLAG, F(no_early_stop), 0, 0, NULL, "spend the whole judge budget even when the top K is settled", NULL, NULL, ROW_KEEP },
	{ "early-variants", K_DOUBLE, F(early_variants), 0, 1, "P", "start variants early of stories whose P(missing the top K) < P", "0.5", NULL, ROW_FREE },
	{ "max-words", K_LONG, F(max_words), 20, 100000, "W", "story length limit, enforced", "500", NULL, ROW_KEEP },
	{ "styles", K_STR, F(styles_file), 0, 0, "FILE", "author styles, one per line", "bundled", NULL, ROW_TEXT },
	{ "themes", K_STR, F(themes_file), 0, 0, "FILE", "themes, one per line", "bundled", NULL, ROW_TEXT },
	{ "goals", K_STR, F(goals_file), 0, 0, "FILE", "improvement goals, one per line", "bundled", NULL, ROW_TEXT },
	{ "rubric", K_STR, F(rubric_file), 0, 0, "FILE", "judging rubric", "bundled rubrics/story.txt", NULL, ROW_TEXT },
	{ "prompts-dir", K_STR, F(prompts_dir), 0, 0, "DIR", "directory with writer/variant/judge templates", "bundled", NULL, ROW_TEXT },
	{ "temperature", K_DOUBLE, F(temperature), 0, 2, "T", "writer sampling temperature", "1.0", NULL, ROW_KEEP },
	{ "judge-temperature", K_DOUBLE, F(judge_temperature), 0, 2, "T", "judge sampling temperature", "0", NULL, ROW_KEEP },
	{ "top-p", K_DOUBLE, F(top_p), 0.000001, 1, "P", "nucleus sampling, sent with every request", "1.0", NULL, ROW_KEEP },
	{ "judge-max-tokens", K_LONG, F(judge_max_tokens), 16, 1000000, "N", "token cap of a judge reply", "1024", NULL, ROW_KEEP },
	{ "token-param", K_STR, F(token_param), 0, 0, "NAME", "max_tokens or max_completion_tokens", "max_tokens", NULL, ROW_KEEP },
	{ "concurrency", K_LONG, F(concurrency), 1, 1024, "N", "requests in flight at once", "16", NULL, ROW_FREE },
	{ "timeout", K_DOUBLE, F(timeout), 1, 86400, "S", "seconds allowed per request", "300", NULL, ROW_FREE },
	{ "retries", K_LONG, F(retries), 0, 100, "N", "retries per request (backoff with jitter)", "5", NULL, ROW_FREE },
	{ "cacert", K_STR, F(cacert), 0, 0, "FILE", "CA certificates for a private TLS endpoint", NULL, NULL, ROW_FREE },
	{ "seed", K_SEED, F(seed), 0, 0, "S", "seed of every random choice, also sent to the endpoint", "from the clock, recorded", NULL, ROW_KEEP },
	{ "quiet", K_FLAG, F(quiet), 0, 0, NULL, "no progress output, errors only", NULL, NULL, ROW_NONE },
	{ "resume", K_STR, F(resume_dir), 0, 0, "DIR", "continue the run in DIR where it stopped", NULL, NULL, ROW_NONE },
	{ "help", K_HELP, 0, 0, 0, NULL, "show this help and exit", NULL, NULL, ROW_NONE },
};

void options_help(FILE *out)
{
	fprintf(out,
		"usage: alphawrite evolve --model M --out DIR [options]\n"
		"\n"
		"Write a population of stories, rank them by pairwise LLM judging (Bradley-Terry\n"
		"and Elo), breed variants of the best, and repeat; every generation is written\n"
		"to DIR.\n"
		"\n"
		"options:\n");
	for (size_t i = 0; i < AW_ARRAY_LEN(rows); i++) {
		const struct row *r = &rows[i];
		char left[64];
		snprintf(left, sizeof left, "--%s%s%s", r->name, r->arg ? " " : "", r->arg ? r->arg : "");
		fprintf(out, "  %-26s %s", left, r->help);
		if ((r->kind == K_LONG || r->kind == K_DOUBLE) && r->min > 0 && r->min < 1e-3)
			fprintf(out, " (>0..%.10g)", r->max); /* a tiny floor means "above 0" */
		else if (r->kind == K_LONG || r->kind == K_DOUBLE)
			fprintf(out, " (%.10g..%.10g)", r->min, r->max);
		if (r->deflt)
			fprintf(out, " [%s]", r->deflt);
		fputc('\n', out);
	}
	fprintf(out,
		"\n"
		"environment:\n"
		"  OPENAI_API_KEY     sent as 'Authorization: Bearer ...' and nowhere else\n"
		"  OPENAI_BASE_URL    endpoint when --base-url is not given (OPENAI_API_BASE too)\n"
		"  ALPHAWRITE_DATADIR where the bundled prompts/ and rubrics/ are\n"
		"\n"
		"exit status: 0 done, 1 the run failed, 2 usage or input error (nothing sent),\n"
		"130 interrupted.\n");
}

static int usage_error(const char *fmt, ...) AW_PRINTF(1, 2);
static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	aw_verror(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try 'alphawrite evolve --help'.\n");
	return OPTIONS_USAGE;
}

/* "a, b or c" (static buffer). */
static const char *choice_list(const char *const *c)
{
	static char buf[128];
	buf[0] = '\0';
	for (int i = 0; c[i]; i++) {
		size_t len = strlen(buf);
		snprintf(buf + len, sizeof buf - len, "%s%s", i == 0 ? "" : c[i + 1] ? ", " : " or ",
			 c[i]);
	}
	return buf;
}

static void set_defaults(struct options *o)
{
	memset(o, 0, sizeof *o);
	o->population = 60;
	o->generations = 5;
	o->early_variants = 0.5;
	o->top = 5;
	o->variants = 5;
	o->rounds = 0;
	o->judge_budget = 8;
	o->pairing = PAIR_BOUNDARY;
	o->rank_by = RANK_BT;
	o->logprobs = LOGPROBS_AUTO;
	o->max_words = 500;
	o->judge_max_tokens = 1024;
	o->concurrency = 16;
	o->retries = 5;
	o->timeout = 300;
	o->temperature = 1.0;
	o->judge_temperature = 0.0;
	o->top_p = 1.0;
	o->token_param = "max_tokens";
}

static int parse_value(struct options *o, const struct row *r, const char *arg)
{
	char *end;
	void *field = (char *)o + r->off;
	switch (r->kind) {
	case K_STR:
		if (!*arg)
			return usage_error("option '--%s' needs a non-empty value", r->name);
		*(const char **)field = arg;
		return 0;
	case K_LONG: {
		errno = 0;
		long v = strtol(arg, &end, 10);
		if (errno || end == arg || *end)
			return usage_error("option '--%s': '%s' is not a whole number", r->name, arg);
		if (v < (long)r->min || v > (long)r->max)
			return usage_error("option '--%s': %ld is out of range (%.0f..%.0f)",
					   r->name, v, r->min, r->max);
		*(long *)field = v;
		return 0;
	}
	case K_DOUBLE: {
		errno = 0;
		double v = strtod(arg, &end);
		if (errno || end == arg || *end || !isfinite(v))
			return usage_error("option '--%s': '%s' is not a number", r->name, arg);
		if (v < r->min || v > r->max)
			return usage_error("option '--%s': %s is out of range (%g..%g)",
					   r->name, arg, r->min, r->max);
		*(double *)field = v;
		return 0;
	}
	case K_SEED: {
		errno = 0;
		if (*arg == '-' || *arg == '+')
			return usage_error("option '--seed': '%s' is not a non-negative whole number", arg);
		unsigned long long v = strtoull(arg, &end, 10);
		if (errno || end == arg || *end)
			return usage_error("option '--seed': '%s' is not a non-negative whole number", arg);
		if (v > AW_SEED_MAX)
			return usage_error("option '--seed': %s is out of range (0..%llu)", arg,
					   (unsigned long long)AW_SEED_MAX);
		o->seed = (uint64_t)v;
		o->seed_given = 1;
		return 0;
	}
	case K_FLAG:
		*(int *)field = 1;
		return 0;
	case K_CHOICE:
		for (int i = 0; r->choices[i]; i++) {
			if (strcmp(arg, r->choices[i]) == 0) {
				*(int *)field = i;
				return 0;
			}
		}
		return usage_error("option '--%s': '%s' is not one of %s", r->name, arg,
				   choice_list(r->choices));
	case K_BASEURL:
		free(o->base_url);
		o->base_url = xstrdup(arg);
		return 0;
	case K_HELP:
		break;
	}
	return 0;
}

/* Why the endpoint URL u is unusable, or NULL.  libcurl's own URL parser
 * judges it, so that a URL curl would refuse is a usage error before
 * anything is written.  detail holds curl's words when they are used. */
static const char *base_url_problem(const char *u, char *detail, size_t n)
{
	for (const char *c = u; *c; c++)
		if ((unsigned char)*c <= ' ')
			return "contains a space or control character";
	if (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0)
		return "must start with http:// or https://";
	const char *host = strstr(u, "://") + 3;
	if (!*host || *host == '/')
		return "has no host";
	CURLU *cu = curl_url();
	if (!cu)
		return "cannot be checked (out of memory)";
	const char *why = NULL;
	char *part = NULL;
	CURLUcode uc = curl_url_set(cu, CURLUPART_URL, u, 0);
	if (uc != CURLUE_OK) {
		snprintf(detail, n, "is not valid (%s)", curl_url_strerror(uc));
		why = detail;
	} else if (curl_url_get(cu, CURLUPART_QUERY, &part, 0) == CURLUE_OK) {
		why = "has a query (?...); give the API's base, such as https://api.openai.com/v1";
	} else if (curl_url_get(cu, CURLUPART_FRAGMENT, &part, 0) == CURLUE_OK) {
		why = "has a fragment (#...); give the API's base, such as https://api.openai.com/v1";
	}
	curl_free(part);
	curl_url_cleanup(cu);
	size_t len = strlen(u);
	while (len > 0 && u[len - 1] == '/')
		len--;
	if (!why && len >= 17 && strncmp(u + len - 17, "/chat/completions", 17) == 0)
		why = "ends in /chat/completions, which alphawrite adds; give the API's base, "
		      "such as https://api.openai.com/v1";
	return why;
}

/* Check the endpoint URL (from `source`) and strip trailing slashes.  The
 * message shows the URL without any user:password@ part. */
static int check_base_url(struct options *o, const char *source)
{
	char detail[200];
	const char *why = base_url_problem(o->base_url, detail, sizeof detail);
	if (why) {
		char *shown = aw_public_url(o->base_url);
		usage_error("%s: base URL '%s' %s", source, shown, why);
		free(shown);
		return -1;
	}
	size_t n = strlen(o->base_url);
	while (n > 0 && o->base_url[n - 1] == '/')
		o->base_url[--n] = '\0';
	return 0;
}

/* The --cacert file must be readable and not a directory, so that a wrong
 * path is a usage error before anything is written, not a failed request. */
static int check_cacert(const char *path)
{
	struct stat st;
	FILE *f = fopen(path, "r");
	if (!f)
		return usage_error("option '--cacert': cannot open '%s':", path);
	int dir = fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode);
	fclose(f);
	if (dir)
		return usage_error("option '--cacert': '%s' is a directory, not a file of certificates",
				   path);
	return 0;
}

/* A seed from the clock and the pid, kept within AW_SEED_MAX so that it is
 * exact as a JSON number. */
static uint64_t clock_seed(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t x = (uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec ^
		     ((uint64_t)getpid() << 32);
	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 32;
	return x & AW_SEED_MAX;
}

/* "judge-model" -> "judge_model" */
static void json_key(const char *name, char *out, size_t n)
{
	snprintf(out, n, "%s", name);
	for (char *c = out; *c; c++)
		if (*c == '-')
			*c = '_';
}

/* One row's value as JSON. */
static cJSON *row_json(const struct options *o, const struct row *r)
{
	const void *field = (const char *)o + r->off;
	char buf[32];
	switch (r->kind) {
	case K_STR: {
		const char *v = *(const char *const *)field;
		return v ? cJSON_CreateString(v) : cJSON_CreateNull();
	}
	case K_LONG:
		if (r->off == F(rounds) && o->rounds == 0)
			return cJSON_CreateNull();
		return cJSON_CreateNumber((double)*(const long *)field);
	case K_DOUBLE:
		return cJSON_CreateNumber(*(const double *)field);
	case K_SEED: /* exact: a double would round some 53-bit seeds */
		snprintf(buf, sizeof buf, "%llu", (unsigned long long)o->seed);
		return cJSON_CreateRaw(buf);
	case K_FLAG:
		return cJSON_CreateBool(*(const int *)field);
	case K_CHOICE:
		return cJSON_CreateString(r->choices[*(const int *)field]);
	case K_BASEURL: {
		char *u = aw_public_url(o->base_url ? o->base_url : "");
		cJSON *j = cJSON_CreateString(u);
		free(u);
		return j;
	}
	case K_HELP:
		break;
	}
	return cJSON_CreateNull();
}

cJSON *options_to_json(const struct options *o)
{
	cJSON *s = cJSON_CreateObject();
	char key[40];
	for (size_t i = 0; i < AW_ARRAY_LEN(rows); i++) {
		if (rows[i].flags & ROW_NONE)
			continue;
		json_key(rows[i].name, key, sizeof key);
		cJSON_AddItemToObject(s, key, row_json(o, &rows[i]));
	}
	return s;
}

int options_given(const struct options *o, const char *name)
{
	for (size_t i = 0; i < AW_ARRAY_LEN(rows); i++)
		if (strcmp(rows[i].name, name) == 0)
			return o->given[i];
	return 0;
}

/* Set a row from its value in a run's settings; -1 if it does not fit. */
static int row_from_json(struct options *o, const struct row *r, const cJSON *v)
{
	void *field = (char *)o + r->off;
	switch (r->kind) {
	case K_STR:
		if (cJSON_IsNull(v)) {
			*(const char **)field = NULL;
			return 0;
		}
		if (!cJSON_IsString(v) || o->nowned >= (int)AW_ARRAY_LEN(o->owned))
			return -1;
		o->owned[o->nowned] = xstrdup(v->valuestring);
		*(const char **)field = o->owned[o->nowned++];
		return 0;
	case K_LONG:
		if (r->off == F(rounds) && cJSON_IsNull(v)) {
			o->rounds = 0;
			return 0;
		}
		if (!cJSON_IsNumber(v) || v->valuedouble < r->min || v->valuedouble > r->max)
			return -1;
		*(long *)field = (long)v->valuedouble;
		return 0;
	case K_DOUBLE:
		if (!cJSON_IsNumber(v) || v->valuedouble < r->min || v->valuedouble > r->max)
			return -1;
		*(double *)field = v->valuedouble;
		return 0;
	case K_SEED: /* exact: every whole number up to AW_SEED_MAX is a double
		      * (printing it back with cJSON is not: it keeps 15 digits) */
		if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) ||
		    v->valuedouble > (double)AW_SEED_MAX || v->valuedouble != floor(v->valuedouble))
			return -1;
		o->seed = (uint64_t)v->valuedouble;
		o->seed_given = 1;
		return 0;
	case K_FLAG:
		if (!cJSON_IsBool(v))
			return -1;
		*(int *)field = cJSON_IsTrue(v);
		return 0;
	case K_CHOICE:
		for (int i = 0; cJSON_IsString(v) && r->choices[i]; i++)
			if (strcmp(v->valuestring, r->choices[i]) == 0) {
				*(int *)field = i;
				return 0;
			}
		return -1;
	case K_BASEURL:
		if (!cJSON_IsString(v))
			return -1;
		free(o->base_url);
		o->base_url = xstrdup(v->valuestring);
		return 0;
	case K_HELP:
		break;
	}
	return -1;
}

/* --resume: take the run's settings for every option not given, and
 * refuse given ones that would change what the run means. */
static int load_resumed(struct options *o)
{
	char *path = xasprintf("%s/run.json", o->resume_dir);
	char err[512];
	char *text = NULL;
	if (access(path, F_OK) < 0 && errno == ENOENT) {
		free(path);
		return usage_error("'%s' holds no run to resume (no run.json)", o->resume_dir);
	}
	if (data_read_text_max(path, DATA_MAX_RUN_FILE, &text, err, sizeof err) < 0) {
		free(path);
		return usage_error("%s", err);
	}
	cJSON *root = cJSON_Parse(text);
	free(text);
	const cJSON *set = cJSON_GetObjectItemCaseSensitive(root, "settings");
	int rc = 0;
	if (!cJSON_IsObject(set)) {
		rc = usage_error("'%s' is not a run.json of alphawrite (no settings)", path);
		goto out;
	}
	char key[40];
	for (size_t i = 0; i < AW_ARRAY_LEN(rows) && rc == 0; i++) {
		const struct row *r = &rows[i];
		if (r->flags & (ROW_NONE | ROW_TEXT))
			continue;
		json_key(r->name, key, sizeof key);
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(set, key);
		if (!v) {
			/* A setting newer than the run: the default, if it may. */
			if (!(r->flags & ROW_FREE))
				rc = usage_error("'%s': setting '%s' is missing", path, key);
		} else if (!o->given[i]) {
			if (row_from_json(o, r, v) < 0)
				rc = usage_error("'%s': setting '%s' is not valid", path, key);
		} else if (r->flags & ROW_KEEP) {
			cJSON *mine = row_json(o, r);
			int same = r->kind == K_SEED ?
					   cJSON_IsNumber(v) && strtoull(mine->valuestring, NULL, 10) ==
								       (unsigned long long)v->valuedouble :
					   cJSON_Compare(mine, v, 1);
			if (!same) {
				char *was = cJSON_PrintUnformatted(v), *now = cJSON_PrintUnformatted(mine);
				rc = usage_error("option '--%s': the run in '%s' was made with %s, not %s; "
						 "a resumed run cannot change it",
						 r->name, o->resume_dir, was ? was : "?", now ? now : "?");
				cJSON_free(was);
				cJSON_free(now);
			}
			cJSON_Delete(mine);
		}
	}
out:
	cJSON_Delete(root);
	free(path);
	return rc;
}

enum options_result options_parse(struct options *o, int argc, char **argv)
{
	struct option longopts[AW_ARRAY_LEN(rows) + 1];
	set_defaults(o);
	for (size_t i = 0; i < AW_ARRAY_LEN(rows); i++) {
		longopts[i].name = rows[i].name;
		longopts[i].has_arg = rows[i].arg ? required_argument : no_argument;
		longopts[i].flag = NULL;
		longopts[i].val = 256 + (int)i;
	}
	memset(&longopts[AW_ARRAY_LEN(rows)], 0, sizeof longopts[0]);

	int top_given = 0;
	optind = 0; /* 0, not 1: also resets glibc's state from an earlier call */
	opterr = 0;
	for (;;) {
		int idx = -1;
		int c = getopt_long(argc, argv, ":h", longopts, &idx);
		if (c == -1)
			break;
		if (c == 'h') {
			options_help(stdout);
			return OPTIONS_EXIT;
		}
		if (c == '?')
			return usage_error("unknown option '%s'", argv[optind - 1]);
		if (c == ':')
			return usage_error("option '%s' requires an argument", argv[optind - 1]);
		const struct row *r = &rows[c - 256];
		o->given[c - 256] = 1;
		if (r->off == F(top) && r->kind == K_LONG)
			top_given = 1;
		if (r->kind == K_HELP) {
			options_help(stdout);
			return OPTIONS_EXIT;
		}
		if (parse_value(o, r, optarg ? optarg : "") != 0)
			return OPTIONS_USAGE;
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);

	if (o->resume_dir) {
		if (o->out_dir)
			return usage_error("options '--out' and '--resume' exclude each other");
		o->out_dir = o->resume_dir;
		if (load_resumed(o) != 0)
			return OPTIONS_USAGE;
		top_given = 1;
	}
	if (!o->model)
		return usage_error("option '--model' is required");
	if (!o->out_dir)
		return usage_error("option '--out' is required");
	if (!o->judge_model)
		o->judge_model = o->model;
	if (o->prompt && o->prompt_file)
		return usage_error("options '--prompt' and '--prompt-file' exclude each other");
	if (options_given(o, "rounds") && options_given(o, "judge-budget"))
		return usage_error("options '--rounds' and '--judge-budget' exclude each other");
	if (o->prompt && !o->prompt[strspn(o->prompt, " \t\r\n")])
		return usage_error("option '--prompt' needs a non-empty value");
	if (o->top > o->population && !top_given)
		o->top = o->population; /* the default does not fit a small run */
	if (o->top > o->population)
		return usage_error("option '--top': %ld is more than the population (%ld)",
				   o->top, o->population);
	if (strcmp(o->token_param, "max_tokens") != 0 &&
	    strcmp(o->token_param, "max_completion_tokens") != 0)
		return usage_error("option '--token-param': '%s' is not max_tokens or max_completion_tokens",
				   o->token_param);

	const char *source = "option '--base-url'";
	if (!o->base_url) {
		const char *env = getenv("OPENAI_BASE_URL");
		source = "OPENAI_BASE_URL";
		if (!env || !*env) {
			env = getenv("OPENAI_API_BASE");
			source = "OPENAI_API_BASE";
		}
		o->base_url = xstrdup(env && *env ? env : "https://api.openai.com/v1");
	}
	if (check_base_url(o, source) != 0)
		return OPTIONS_USAGE;
	if (o->cacert && check_cacert(o->cacert) != 0)
		return OPTIONS_USAGE;

	const char *key = getenv("OPENAI_API_KEY");
	o->api_key = key && *key ? key : NULL;
	if (!o->seed_given)
		o->seed = clock_seed();
	return OPTIONS_RUN;
}

void options_release(struct options *o)
{
	free(o->base_url);
	o->base_url = NULL;
	for (int i = 0; i < o->nowned; i++)
		free(o->owned[i]);
	o->nowned = 0;
}
