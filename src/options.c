/*
 * options.c - the option table of `alphawrite evolve`, the checks that
 * span options, and the settings of a run as run.json keeps them.
 *
 * Each row names the option, its argument, its help line, where the value
 * goes in struct options, its default and, for numbers, the accepted
 * range; cli.c builds the parser, --help and the man page from the rows.
 * Adding an option is adding a row.  The row's flags also say what the
 * option means to a resumed run (ROW_* below).
 */
#include "aw/options.h"
#include "aw/cli.h"
#include "aw/data.h"
#include "aw/tpolicy.h"
#include "aw/util.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const pairings[] = { "random", "swiss", "boundary", NULL };
static const char *const rank_bys[] = { "bt", "elo", NULL };
static const char *const logprob_modes[] = { "auto", "on", "off", NULL };

/* What a row means to a resumed run (--resume), in the bits cli.h leaves
 * to the command: */
enum {
	ROW_KEEP = 1 << 8,  /* part of the run's meaning: may not change */
	ROW_TEXT = 1 << 9,  /* names a text: its content may not change (texts.c) */
	ROW_FREE = 1 << 10, /* may change when resuming */
	ROW_NONE = 1 << 11, /* not a setting of the run (not saved) */
	ROW_URL = 1 << 12,  /* an endpoint URL: saved without credentials */
	ROW_SECRET = 1 << 13, /* values never saved: only header names or
			       * JSON keys, which a resumed run asks for */
	ROW_UNSET = 1 << 14, /* saved as null when not set (a cap of 0, a
			      * price below 0) */
	ROW_ADDED = 1 << 15 /* newer than some runs: a run.json without it
			     * had the default (which a resume may not change) */
};

#define F(field) offsetof(struct options, field)

static const struct cli_row rows[] = {
	{ "model", CLI_STR, F(model), 0, 0, "M", "writer model name (required)", NULL, NULL, NULL, ROW_KEEP },
	{ "judge-model", CLI_STR, F(judge_model), 0, 0, "J", "judge model name", NULL, "the writer model", NULL, ROW_KEEP },
	{ "base-url", CLI_STR, F(base_url_arg), 0, 0, "URL", "OpenAI-compatible endpoint, up to /v1", NULL,
	  "$OPENAI_BASE_URL, else https://api.openai.com/v1", NULL, ROW_FREE | ROW_URL },
	{ "judge-base-url", CLI_STR, F(judge_base_url_arg), 0, 0, "URL", "the judge's endpoint, when not the writer's (key: $ALPHAWRITE_JUDGE_API_KEY)", NULL,
	  "the writer's", NULL, ROW_FREE | ROW_URL },
	{ "header", CLI_LIST, F(headers), 0, 0, "'NAME: VALUE'", "HTTP header for every request (repeatable; the value is kept secret)", NULL, NULL, NULL, ROW_FREE | ROW_SECRET },
	{ "judge-header", CLI_LIST, F(judge_headers), 0, 0, "'NAME: VALUE'", "HTTP header for a separate judge endpoint (repeatable)", NULL, "--header when the endpoint is the writer's", NULL, ROW_FREE | ROW_SECRET },
	{ "extra-body", CLI_STR, F(extra_body_arg), 0, 0, "JSON", "an object merged into every request body (values kept secret)", NULL, NULL, NULL, ROW_FREE | ROW_SECRET },
	{ "judge-extra-body", CLI_STR, F(judge_extra_body_arg), 0, 0, "JSON", "the same for judge requests", NULL, "--extra-body when the endpoint is the writer's", NULL, ROW_FREE | ROW_SECRET },
	{ "out", CLI_STR, F(out_dir), 0, 0, "DIR", "output directory, new or empty (required)", NULL, NULL, NULL, ROW_NONE },
	{ "prompt", CLI_STR, F(prompt), 0, 0, "TEXT", "the writing prompt all stories answer", NULL, "bundled prompts/prompt.txt", NULL, ROW_TEXT },
	{ "prompt-file", CLI_STR, F(prompt_file), 0, 0, "FILE", "read the writing prompt from FILE", NULL, NULL, NULL, ROW_TEXT },
	{ "population", CLI_LONG, F(population), 2, 5000, "N", "stories in the initial generation", "60", NULL, NULL, ROW_KEEP },
	{ "generations", CLI_LONG, F(generations), 0, 1000, "G", "evolution steps after the initial population", "5", NULL, NULL, ROW_FREE },
	{ "top", CLI_LONG, F(top), 1, 5000, "K", "parents selected per generation", "5", NULL, NULL, ROW_KEEP },
	{ "variants", CLI_LONG, F(variants), 1, 1000, "V", "variants written per parent", "5", NULL, NULL, ROW_KEEP },
	{ "judge-budget", CLI_LONG, F(judge_budget), 1, 1000, "M", "judge matches per story per generation, on average", "8", NULL, NULL, ROW_KEEP },
	{ "rounds", CLI_LONG, F(rounds), 1, 1000, "R", "the paper's scheme: exactly R rounds, one match per story each", NULL, NULL, NULL, ROW_KEEP },
	{ "pairing", CLI_CHOICE, F(pairing), 0, 0, "HOW", "random, swiss or boundary", "boundary", NULL, pairings, ROW_KEEP },
	{ "rank-by", CLI_CHOICE, F(rank_by), 0, 0, "HOW", "bt (Bradley-Terry) or elo", "bt", NULL, rank_bys, ROW_KEEP },
	{ "judge-logprobs", CLI_CHOICE, F(logprobs), 0, 0, "WHEN", "auto, on or off: judge probabilities as soft outcomes", "auto", NULL, logprob_modes, ROW_KEEP },
	{ "deterministic", CLI_FLAG, F(deterministic), 0, 0, NULL, "judge in rounds with barriers: reproducible from seed and verdicts", NULL, NULL, NULL, ROW_KEEP },
	{ "no-early-stop", CLI_FLAG, F(no_early_stop), 0, 0, NULL, "spend the whole judge budget even when the top K is settled", NULL, NULL, NULL, ROW_KEEP },
	{ "early-variants", CLI_DOUBLE, F(early_variants), 0, 1, "P", "start variants early of stories whose P(missing the top K) < P", "0.5", NULL, NULL, ROW_FREE },
	{ "diversity", CLI_DOUBLE, F(diversity), 0, 10, "W", "in choosing parents, the rating (in sd) each parent already chosen from a story's lineage costs it", "0", NULL, NULL, ROW_KEEP | ROW_ADDED },
	{ "max-words", CLI_LONG, F(max_words), 20, 100000, "W", "story length limit, enforced", "500", NULL, NULL, ROW_KEEP },
	{ "min-words", CLI_LONG, F(min_words), 0, 100000, "N", "lengthen every story under N words (Self-Lengthen); 0: never", "0", NULL, NULL, ROW_KEEP | ROW_ADDED },
	{ "styles", CLI_STR, F(styles_file), 0, 0, "FILE", "author styles, one per line", NULL, "bundled", NULL, ROW_TEXT },
	{ "themes", CLI_STR, F(themes_file), 0, 0, "FILE", "themes, one per line", NULL, "bundled", NULL, ROW_TEXT },
	{ "goals", CLI_STR, F(goals_file), 0, 0, "FILE", "improvement goals, one per line", NULL, "bundled", NULL, ROW_TEXT },
	{ "rubric", CLI_STR, F(rubric_file), 0, 0, "FILE", "judging rubric", NULL, "bundled rubrics/story.txt", NULL, ROW_TEXT },
	{ "prompts-dir", CLI_STR, F(prompts_dir), 0, 0, "DIR", "directory with writer/variant/judge templates", NULL, "bundled", NULL, ROW_TEXT },
	{ "temperature", CLI_DOUBLE, F(temperature), 0, 2, "T", "writer sampling temperature (auto: learned from the judge)", "1.0", NULL, NULL, ROW_KEEP | CLI_AUTO },
	{ "temperature-grid", CLI_STR, F(temperature_grid), 0, 0, "LIST", "the temperatures --temperature auto chooses among", TPOLICY_GRID_DEFAULT, NULL, NULL, ROW_KEEP | ROW_ADDED },
	{ "judge-temperature", CLI_DOUBLE, F(judge_temperature), 0, 2, "T", "judge sampling temperature", "0", NULL, NULL, ROW_KEEP },
	{ "top-p", CLI_DOUBLE, F(top_p), 0, 1, "P", "nucleus sampling, sent with every request", "1.0", NULL, NULL, ROW_KEEP | CLI_GT_MIN },
	{ "judge-max-tokens", CLI_LONG, F(judge_max_tokens), 16, 1000000, "N", "token cap of a judge reply", "1024", NULL, NULL, ROW_KEEP },
	{ "token-param", CLI_STR, F(token_param), 0, 0, "NAME", "max_tokens or max_completion_tokens", "max_tokens", NULL, NULL, ROW_KEEP },
	{ "concurrency", CLI_LONG, F(concurrency), 1, 1024, "N", "requests in flight at once", "16", NULL, NULL, ROW_FREE },
	{ "timeout", CLI_DOUBLE, F(timeout), 1, 86400, "S", "seconds allowed per request", "300", NULL, NULL, ROW_FREE },
	{ "retries", CLI_LONG, F(retries), 0, 100, "N", "retries per request (backoff with jitter)", "5", NULL, NULL, ROW_FREE },
	{ "cacert", CLI_STR, F(cacert), 0, 0, "FILE", "CA certificates for a private TLS endpoint", NULL, NULL, NULL, ROW_FREE },
	{ "max-requests", CLI_LONG, F(max_requests), 1, 1e12, "N", "send no more than N requests in all (a resumed run counts the whole run)", NULL, "no cap", NULL, ROW_FREE | ROW_UNSET },
	{ "max-tokens", CLI_LONG, F(max_tokens), 1, 1e15, "N", "spend no more than N prompt and completion tokens in all", NULL, "no cap", NULL, ROW_FREE | ROW_UNSET },
	{ "max-cost", CLI_DOUBLE, F(max_cost), 0, 1e9, "USD", "spend no more than USD dollars in all (needs the prices)", NULL, "no cap", NULL, ROW_FREE | ROW_UNSET | CLI_GT_MIN },
	{ "price-in", CLI_DOUBLE, F(price_in), 0, 1e6, "USD", "writer's price per million prompt tokens", NULL, "unknown", NULL, ROW_FREE | ROW_UNSET },
	{ "price-out", CLI_DOUBLE, F(price_out), 0, 1e6, "USD", "writer's price per million completion tokens", NULL, "unknown", NULL, ROW_FREE | ROW_UNSET },
	{ "judge-price-in", CLI_DOUBLE, F(judge_price_in), 0, 1e6, "USD", "judge's price per million prompt tokens", NULL, "the writer's", NULL, ROW_FREE | ROW_UNSET },
	{ "judge-price-out", CLI_DOUBLE, F(judge_price_out), 0, 1e6, "USD", "judge's price per million completion tokens", NULL, "the writer's", NULL, ROW_FREE | ROW_UNSET },
	{ "no-preflight", CLI_FLAG, F(no_preflight), 0, 0, NULL, "do not first check that each endpoint answers for its model", NULL, NULL, NULL, ROW_NONE },
	{ "dry-run", CLI_FLAG, F(dry_run), 0, 0, NULL, "print the plan (requests, tokens, cost) as JSON; send and write nothing", NULL, NULL, NULL, ROW_NONE },
	{ "seed", CLI_U64, F(seed), 0, (double)AW_SEED_MAX, "S", "seed of every random choice, also sent to the endpoint", NULL, "from the clock, recorded", NULL, ROW_KEEP },
	{ "quiet", CLI_FLAG, F(quiet), 0, 0, NULL, "no progress output, errors only", NULL, NULL, NULL, ROW_NONE },
	{ "resume", CLI_STR, F(resume_dir), 0, 0, "DIR", "continue the run in DIR where it stopped", NULL, NULL, NULL, ROW_NONE },
	{ "help", CLI_HELP, 0, 0, 0, NULL, "show this help and exit", NULL, NULL, NULL, ROW_NONE },
};

_Static_assert(AW_ARRAY_LEN(rows) <= AW_ARRAY_LEN(((struct options *)0)->given),
	       "struct options has a given flag per row");

const struct cli_command options_command = {
	"evolve",
	"alphawrite evolve --model M --out DIR [options]\nalphawrite evolve --resume DIR [options]",
	"Write a population of stories, rank them by pairwise LLM judging (Bradley-Terry\n"
	"and Elo), breed variants of the best, and repeat; every generation is written\n"
	"to DIR.",
	rows,
	AW_ARRAY_LEN(rows),
	"environment:\n"
	"  OPENAI_API_KEY     sent as 'Authorization: Bearer ...' and nowhere else (to the\n"
	"                     judge's endpoint too only when it is on the writer's host)\n"
	"  ALPHAWRITE_JUDGE_API_KEY  the key of a separate judge endpoint\n"
	"  OPENAI_BASE_URL    endpoint when --base-url is not given (OPENAI_API_BASE too)\n"
	"  ALPHAWRITE_DATADIR where the bundled prompts/ and rubrics/ are\n"
	"\n"
	"exit status: 0 done, 1 the run failed, 2 usage or input error (nothing sent),\n"
	"130 interrupted.\n",
};

void options_help(FILE *out)
{
	cli_help(&options_command, out);
}

/* The command whose misuse is being reported: evolve, or a command that
 * took evolve's rows (options_mark_given). */
static const struct cli_command *reporting = &options_command;

#define usage_error(...) cli_usage(reporting, __VA_ARGS__)

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
static int check_base_url(const struct cli_command *c, char *url, const char *source)
{
	char detail[200];
	const char *why = base_url_problem(url, detail, sizeof detail);
	if (why) {
		char *shown = aw_public_url(url);
		cli_usage(c, "%s: base URL '%s' %s", source, shown, why);
		free(shown);
		return -1;
	}
	size_t n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		url[--n] = '\0';
	return 0;
}

/* The --cacert file must be a readable file of PEM certificates, so that
 * a wrong path or a wrong file is a usage error before anything is
 * written, not a failed first request. */
static int check_cacert(const struct cli_command *c, const char *path)
{
	char err[512], *text = NULL;
	if (data_read_any(path, DATA_MAX_FILE, 0, &text, err, sizeof err) < 0) {
		cli_usage(c, "option '--cacert': %s", err);
		return -1;
	}
	int pem = strstr(text, "-----BEGIN CERTIFICATE-----") &&
		  strstr(text, "-----END CERTIFICATE-----");
	free(text);
	if (!pem) {
		cli_usage(c, "option '--cacert': '%s' holds no certificate (a PEM file with "
			     "-----BEGIN CERTIFICATE----- lines is needed)", path);
		return -1;
	}
	return 0;
}

/* The endpoint: the base URL arg (may be NULL), else $OPENAI_BASE_URL, else
 * $OPENAI_API_BASE, else OpenAI's, checked, into *base_url (malloc'd, also
 * on failure); the --cacert file checked when given; the key from
 * $OPENAI_API_KEY into *api_key (or NULL).  Misuse is reported as command
 * c's (cli_usage): OPTIONS_USAGE. */
static enum options_result options_endpoint(const struct cli_command *c, const char *arg,
					    const char *cacert, char **base_url,
					    const char **api_key)
{
	const char *source = "option '--base-url'";
	if (arg) {
		*base_url = xstrdup(arg);
	} else {
		const char *env = getenv("OPENAI_BASE_URL");
		source = "OPENAI_BASE_URL";
		if (!env || !*env) {
			env = getenv("OPENAI_API_BASE");
			source = "OPENAI_API_BASE";
		}
		*base_url = xstrdup(env && *env ? env : "https://api.openai.com/v1");
	}
	if (check_base_url(c, *base_url, source) != 0)
		return OPTIONS_USAGE;
	if (cacert && check_cacert(c, cacert) != 0)
		return OPTIONS_USAGE;
	const char *key = getenv("OPENAI_API_KEY");
	*api_key = key && *key ? key : NULL;
	return OPTIONS_RUN;
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
/* The URL a ROW_URL row sets. */
static char **url_field(struct options *o, const struct cli_row *r)
{
	return r->off == F(base_url_arg) ? &o->base_url : &o->judge_base_url;
}

/* The value of an unset ROW_UNSET number: 0 for a cap, -1 for a price. */
static double unset_value(const struct cli_row *r)
{
	return r->min == 0 && !(r->flags & CLI_GT_MIN) ? -1 : 0;
}

/* What a ROW_SECRET row keeps: a header's name, an object's keys. */
static cJSON *secret_names(const struct options *o, const struct cli_row *r)
{
	cJSON *names = cJSON_CreateArray();
	if (r->kind == CLI_LIST) {
		const struct cli_list *l = (const void *)((const char *)o + r->off);
		for (size_t i = 0; i < l->n; i++) {
			size_t len = strcspn(l->v[i], ":");
			char *name = xstrndup(l->v[i], len);
			cJSON_AddItemToArray(names, cJSON_CreateString(name));
			free(name);
		}
	} else {
		const cJSON *obj = r->off == F(extra_body_arg) ? o->extra_body : o->judge_extra_body;
		const cJSON *x;
		if (*(const char *const *)((const char *)o + r->off))
			cJSON_ArrayForEach(x, obj)
				cJSON_AddItemToArray(names, cJSON_CreateString(x->string));
	}
	return names;
}

static cJSON *row_json(const struct options *o, const struct cli_row *r)
{
	const void *field = (const char *)o + r->off;
	char buf[32];
	if (r->flags & ROW_URL) {
		char *const *url = url_field((struct options *)o, r);
		if (r->off == F(judge_base_url_arg) && !o->judge_base_url_arg)
			return cJSON_CreateNull(); /* the judge follows the writer's */
		char *u = aw_public_url(*url ? *url : "");
		cJSON *j = cJSON_CreateString(u);
		free(u);
		return j;
	}
	if (r->flags & ROW_SECRET)
		return secret_names(o, r);
	if ((r->flags & ROW_UNSET) && r->kind == CLI_LONG && *(const long *)field == 0)
		return cJSON_CreateNull();
	if ((r->flags & ROW_UNSET) && r->kind == CLI_DOUBLE &&
	    *(const double *)field <= unset_value(r))
		return cJSON_CreateNull();
	switch (r->kind) {
	case CLI_STR: {
		const char *v = *(const char *const *)field;
		return v ? cJSON_CreateString(v) : cJSON_CreateNull();
	}
	case CLI_LONG:
		if (r->off == F(rounds) && o->rounds == 0)
			return cJSON_CreateNull();
		return cJSON_CreateNumber((double)*(const long *)field);
	case CLI_DOUBLE:
		if ((r->flags & CLI_AUTO) && *(const double *)field == CLI_AUTO_VALUE)
			return cJSON_CreateString("auto");
		return cJSON_CreateNumber(*(const double *)field);
	case CLI_U64: /* exact: a double would round some 53-bit seeds */
		snprintf(buf, sizeof buf, "%llu", (unsigned long long)*(const uint64_t *)field);
		return cJSON_CreateRaw(buf);
	case CLI_FLAG:
		return cJSON_CreateBool(*(const int *)field);
	case CLI_CHOICE:
		return cJSON_CreateString(r->choices[*(const int *)field]);
	case CLI_LIST:
	case CLI_HELP:
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
	cJSON_AddBoolToObject(s, "api_key_set", o->api_key != NULL);
	cJSON_AddBoolToObject(s, "early_stop", !o->rounds && !o->no_early_stop); /* in effect */
	/* A URL's user:password is never saved; a resumed run must be told
	 * to ask for it again. */
	size_t n;
	cJSON_AddBoolToObject(s, "base_url_credentials",
			      o->base_url && aw_url_userinfo(o->base_url, &n) != NULL);
	cJSON_AddBoolToObject(s, "judge_base_url_credentials",
			      o->judge_base_url && o->judge_base_url_arg &&
				      aw_url_userinfo(o->judge_base_url, &n) != NULL);
	return s;
}

int options_given(const struct options *o, const char *name)
{
	for (size_t i = 0; i < AW_ARRAY_LEN(rows); i++)
		if (strcmp(rows[i].name, name) == 0)
			return o->given[i];
	return 0;
}

/* Keep a copy of s for as long as o lives. */
static const char *own(struct options *o, const char *s)
{
	if (o->nowned >= (int)AW_ARRAY_LEN(o->owned))
		abort(); /* more string settings than rows */
	return o->owned[o->nowned++] = xstrdup(s);
}

/* Set a row from its value in a run's settings; -1 if it does not fit. */
static int row_from_json(struct options *o, const struct cli_row *r, const cJSON *v)
{
	void *field = (char *)o + r->off;
	if (r->flags & ROW_URL) {
		if (r->off == F(judge_base_url_arg) && cJSON_IsNull(v))
			return 0; /* no endpoint of its own */
		if (!cJSON_IsString(v))
			return -1;
		char **url = url_field(o, r);
		free(*url);
		*url = xstrdup(v->valuestring);
		if (r->off == F(judge_base_url_arg)) /* a judge endpoint of its own */
			o->judge_base_url_arg = own(o, v->valuestring);
		return 0;
	}
	if (r->flags & ROW_SECRET)
		return cJSON_IsArray(v) ? 0 : -1; /* names only: asked again below */
	if ((r->flags & ROW_UNSET) && cJSON_IsNull(v)) {
		if (r->kind == CLI_LONG)
			*(long *)field = 0;
		else
			*(double *)field = unset_value(r);
		return 0;
	}
	switch (r->kind) {
	case CLI_STR:
		if (cJSON_IsNull(v)) {
			*(const char **)field = NULL;
			return 0;
		}
		if (!cJSON_IsString(v))
			return -1;
		*(const char **)field = own(o, v->valuestring);
		return 0;
	case CLI_LONG:
		if (r->off == F(rounds) && cJSON_IsNull(v)) {
			o->rounds = 0;
			return 0;
		}
		if (!cJSON_IsNumber(v) || v->valuedouble < r->min || v->valuedouble > r->max)
			return -1;
		*(long *)field = (long)v->valuedouble;
		return 0;
	case CLI_DOUBLE:
		if ((r->flags & CLI_AUTO) && cJSON_IsString(v) && !strcmp(v->valuestring, "auto")) {
			*(double *)field = CLI_AUTO_VALUE;
			return 0;
		}
		if (!cJSON_IsNumber(v) || v->valuedouble < r->min || v->valuedouble > r->max)
			return -1;
		*(double *)field = v->valuedouble;
		return 0;
	case CLI_U64: /* exact: every whole number up to AW_SEED_MAX is a double
		       * (printing it back with cJSON is not: it keeps 15 digits) */
		if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || v->valuedouble > r->max ||
		    v->valuedouble != floor(v->valuedouble))
			return -1;
		*(uint64_t *)field = (uint64_t)v->valuedouble;
		return 0;
	case CLI_FLAG:
		if (!cJSON_IsBool(v))
			return -1;
		*(int *)field = cJSON_IsTrue(v);
		return 0;
	case CLI_CHOICE:
		for (int i = 0; cJSON_IsString(v) && r->choices[i]; i++)
			if (strcmp(v->valuestring, r->choices[i]) == 0) {
				*(int *)field = i;
				return 0;
			}
		return -1;
	case CLI_LIST:
	case CLI_HELP:
		break;
	}
	return -1;
}

/* --resume: take the run's settings for every option not given, and
 * refuse given ones that would change what the run means. */
static enum options_result apply_saved(struct options *o, const cJSON *set)
{
	const char *dir = o->resume_dir;
	char key[40];
	static const char *const cred[][2] = { { "base_url_credentials", "base-url" },
						{ "judge_base_url_credentials", "judge-base-url" } };
	for (size_t i = 0; i < AW_ARRAY_LEN(cred); i++)
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(set, cred[i][0])) &&
		    !options_given(o, cred[i][1]))
			return usage_error("the run in '%s' was made with a --%s holding a "
					   "user:password, which is never saved; give --%s again, "
					   "with them", dir, cred[i][1], cred[i][1]);
	for (size_t i = 0; i < AW_ARRAY_LEN(rows); i++) {
		const struct cli_row *r = &rows[i];
		if (r->flags & (ROW_NONE | ROW_TEXT))
			continue;
		json_key(r->name, key, sizeof key);
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(set, key);
		if ((r->flags & ROW_SECRET) && cJSON_GetArraySize(v) > 0 && !o->given[i]) {
			char *names = cJSON_PrintUnformatted(v);
			usage_error("the run in '%s' was made with --%s %s, whose values are never "
				    "saved; give --%s again", dir, r->name, names ? names : "", r->name);
			cJSON_free(names);
			return OPTIONS_USAGE;
		}
		if (!v) {
			/* A setting newer than the run: the default, if it may. */
			if (!(r->flags & (ROW_FREE | ROW_ADDED)))
				return usage_error("'%s/run.json': setting '%s' is missing", dir, key);
			if ((r->flags & ROW_ADDED) && o->given[i] && !(r->flags & ROW_FREE)) {
				/* given as it was then (the default) is no change */
				cJSON *mine = row_json(o, r), *then = NULL;
				struct options d;
				memset(&d, 0, sizeof d);
				char e[256];
				if (r->value && cli_set(r, &d, r->value, e, sizeof e) == 0)
					then = row_json(&d, r);
				int same = mine && then && cJSON_Compare(mine, then, 1);
				cJSON_Delete(mine);
				cJSON_Delete(then);
				if (!same)
					return usage_error("option '--%s': the run in '%s' was made before "
							   "it existed, without it; a resumed run cannot "
							   "change that", r->name, dir);
			}
		} else if (!o->given[i]) {
			if (row_from_json(o, r, v) < 0)
				return usage_error("'%s/run.json': setting '%s' is not valid", dir, key);
			if (r->off == F(seed))
				o->seed_given = 1;
		} else if (r->flags & ROW_KEEP) {
			cJSON *mine = row_json(o, r);
			if ((r->off == F(model) || r->off == F(judge_model)) &&
			    !cJSON_Compare(mine, v, 1)) {
				/* a model may change while its role has done no work:
				 * evolve checks that once it has read the run */
				o->models_changed |= r->off == F(model) ? 1u : 2u;
				cJSON_Delete(mine);
				continue;
			}
			int same = r->kind == CLI_U64 ?
					   cJSON_IsNumber(v) && strtoull(mine->valuestring, NULL, 10) ==
								       (unsigned long long)v->valuedouble :
					   cJSON_Compare(mine, v, 1);
			if (!same) {
				char *was = cJSON_PrintUnformatted(v), *now = cJSON_PrintUnformatted(mine);
				usage_error("option '--%s': the run in '%s' was made with %s, not %s; "
					    "a resumed run cannot change it",
					    r->name, dir, was ? was : "?", now ? now : "?");
				cJSON_free(was);
				cJSON_free(now);
				cJSON_Delete(mine);
				return OPTIONS_USAGE;
			}
			cJSON_Delete(mine);
		}
	}
	return OPTIONS_RUN;
}

/* The scheme, host and port of a URL ("" if it has none). */
static void origin(const char *url, char *out, size_t n)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	out[0] = '\0';
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
		snprintf(out, n, "%s://%s:%s", scheme, host, port);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
}

/* "Name: value", the name a token and the value on one line. */
static int check_headers(const struct cli_list *l, const char *opt)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *h = l->v[i], *colon = strchr(h, ':');
		size_t name = colon ? (size_t)(colon - h) : 0;
		int ok = colon && name > 0 && strspn(h, "!#$%&'*+-.^_`|~0123456789"
						      "abcdefghijklmnopqrstuvwxyz"
						      "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == name &&
			 !strpbrk(h, "\r\n");
		if (!ok) {
			usage_error("option '--%s': '%.*s...' is not a header 'Name: value'", opt,
				    (int)(name < 20 ? name : 20), h);
			return -1;
		}
	}
	return 0;
}

/* The judge's endpoint and key.  Its own URL (--judge-base-url) gets
 * $ALPHAWRITE_JUDGE_API_KEY, or $OPENAI_API_KEY only when it is on the
 * writer's host: one host's key never goes to another. */
static int judge_endpoint(struct options *o)
{
	const char *jkey = getenv("ALPHAWRITE_JUDGE_API_KEY");
	if (check_headers(&o->headers, "header") != 0 ||
	    check_headers(&o->judge_headers, "judge-header") != 0)
		return -1;
	if (o->judge_base_url_arg && !o->judge_base_url)
		o->judge_base_url = xstrdup(o->judge_base_url_arg);
	if (!o->judge_base_url_arg) {
		free(o->judge_base_url);
		o->judge_base_url = xstrdup(o->base_url);
		o->judge_api_key = o->api_key;
		if (o->judge_headers.n) {
			usage_error("option '--judge-header' is for a separate judge endpoint "
				    "(--judge-base-url); --header goes to both");
			return -1;
		}
		return 0;
	}
	char detail[200];
	const char *why = base_url_problem(o->judge_base_url, detail, sizeof detail);
	if (why) {
		char *shown = aw_public_url(o->judge_base_url);
		usage_error("option '--judge-base-url': base URL '%s' %s", shown, why);
		free(shown);
		return -1;
	}
	size_t n = strlen(o->judge_base_url);
	while (n > 0 && o->judge_base_url[n - 1] == '/')
		o->judge_base_url[--n] = '\0';
	char a[512], b[512];
	origin(o->base_url, a, sizeof a);
	origin(o->judge_base_url, b, sizeof b);
	if (jkey && *jkey)
		o->judge_api_key = jkey;
	else if (!strcmp(a, b))
		o->judge_api_key = o->api_key;
	else
		o->judge_api_key = NULL;
	return 0;
}

/* --extra-body JSON: an object, without the fields alphawrite owns. */
static int parse_extra(const char *arg, const char *opt, cJSON **out)
{
	if (!arg)
		return 0;
	cJSON *j = cJSON_Parse(arg);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		usage_error("option '--%s': not a JSON object", opt);
		return -1;
	}
	static const char *const own_keys[] = { "model", "messages", "stream" };
	for (size_t i = 0; i < AW_ARRAY_LEN(own_keys); i++)
		if (cJSON_GetObjectItemCaseSensitive(j, own_keys[i])) {
			cJSON_Delete(j);
			usage_error("option '--%s': \"%s\" is set by alphawrite and cannot be "
				    "overridden", opt, own_keys[i]);
			return -1;
		}
	*out = j;
	return 0;
}

static int check_extras(struct options *o)
{
	if (parse_extra(o->extra_body_arg, "extra-body", &o->extra_body) < 0 ||
	    parse_extra(o->judge_extra_body_arg, "judge-extra-body", &o->judge_extra_body) < 0)
		return -1;
	if (!o->judge_extra_body && !o->judge_base_url_arg && o->extra_body)
		o->judge_extra_body = cJSON_Duplicate(o->extra_body, 1);
	return 0;
}

/* The checks that span options, once every value is known. */
static enum options_result finish(struct options *o, int top_given)
{
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
	if (o->min_words && o->min_words >= o->max_words)
		return usage_error("option '--min-words': %ld is not below --max-words (%ld)",
				   o->min_words, o->max_words);
	if (o->top > o->population && !top_given)
		o->top = o->population; /* the default does not fit a small run */
	if (o->top > o->population)
		return usage_error("option '--top': %ld is more than the population (%ld)",
				   o->top, o->population);
	char why[200];
	if (tpolicy_parse_grid(o->temperature_grid, NULL, NULL, why, sizeof why) < 0)
		return usage_error("option '--temperature-grid': %s", why);
	if (options_given(o, "temperature-grid") && !OPTIONS_AUTO_TEMPERATURE(o))
		return usage_error("option '--temperature-grid' needs '--temperature auto'");
	if (strcmp(o->token_param, "max_tokens") != 0 &&
	    strcmp(o->token_param, "max_completion_tokens") != 0)
		return usage_error("option '--token-param': '%s' is not max_tokens or max_completion_tokens",
				   o->token_param);

	/* A resumed run keeps the base URL of its run.json unless given. */
	char *url = NULL;
	enum options_result er = options_endpoint(reporting, o->base_url, o->cacert, &url,
						  &o->api_key);
	free(o->base_url);
	o->base_url = url;
	if (er != OPTIONS_RUN)
		return er;
	if (judge_endpoint(o) != 0 || check_extras(o) != 0)
		return OPTIONS_USAGE;
	if (!options_given(o, "price-in") && !o->resume_dir)
		o->price_in = -1;
	if (!options_given(o, "price-out") && !o->resume_dir)
		o->price_out = -1;
	if (!options_given(o, "judge-price-in") && (!o->resume_dir || o->judge_price_in < 0))
		o->judge_price_in = o->price_in;
	if (!options_given(o, "judge-price-out") && (!o->resume_dir || o->judge_price_out < 0))
		o->judge_price_out = o->price_out;
	if (o->max_cost > 0 && (o->price_in < 0 || o->price_out < 0 || o->judge_price_in < 0 ||
				o->judge_price_out < 0))
		return usage_error("option '--max-cost' needs the prices: --price-in and --price-out "
				   "(and --judge-price-in/--judge-price-out for a judge priced "
				   "differently)");
	if (!o->seed_given)
		o->seed = clock_seed();
	return OPTIONS_RUN;
}

enum options_result options_parse(struct options *o, int argc, char **argv)
{
	int first;
	memset(o, 0, sizeof *o);
	reporting = &options_command;
	enum cli_result cr = cli_parse(&options_command, o, o->given, argc, argv, &first);
	if (cr != CLI_RUN)
		return cr == CLI_EXIT ? OPTIONS_EXIT : OPTIONS_USAGE;
	if (first < argc)
		return usage_error("unexpected argument '%s'", argv[first]);
	o->seed_given = options_given(o, "seed");
	if (o->base_url_arg)
		o->base_url = xstrdup(o->base_url_arg);
	if (o->resume_dir) {
		if (o->out_dir)
			return usage_error("options '--out' and '--resume' exclude each other");
		o->out_dir = o->resume_dir;
		return OPTIONS_RUN; /* options_resume() finishes */
	}
	return finish(o, options_given(o, "top"));
}

size_t options_rows(const char *const *names, struct cli_row *out, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; names[i] && k < n; i++)
		for (size_t r = 0; r < AW_ARRAY_LEN(rows); r++)
			if (!strcmp(rows[r].name, names[i])) {
				out[k] = rows[r];
				/* "auto" is a policy only evolve learns (tpolicy.h) */
				if (out[k].flags & CLI_AUTO) {
					out[k].flags &= ~(unsigned)CLI_AUTO;
					out[k].help = "writer sampling temperature";
				}
				k++;
			}
	return k;
}

void options_defaults(struct options *o)
{
	char err[256];
	for (size_t i = 0; i < AW_ARRAY_LEN(rows); i++)
		if (rows[i].value && cli_set(&rows[i], o, rows[i].value, err, sizeof err) < 0)
			abort(); /* a default that does not parse is a bug */
}

void options_mark_given(struct options *o, const struct cli_command *cmd,
			const unsigned char *given)
{
	const struct cli_row *r = cmd->rows;
	size_t n = cmd->nrows;
	reporting = cmd;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < AW_ARRAY_LEN(rows); k++)
			if (!strcmp(rows[k].name, r[i].name))
				o->given[k] = given[i];
	o->seed_given = options_given(o, "seed");
	if (o->base_url_arg && !o->base_url)
		o->base_url = xstrdup(o->base_url_arg);
}

enum options_result options_complete(struct options *o)
{
	return finish(o, 1);
}

enum options_result options_resume(struct options *o, const cJSON *settings)
{
	enum options_result r = apply_saved(o, settings);
	return r != OPTIONS_RUN ? r : finish(o, 1);
}

void options_release(struct options *o)
{
	free(o->base_url);
	o->base_url = NULL;
	free(o->judge_base_url);
	o->judge_base_url = NULL;
	cli_list_free(&o->headers);
	cli_list_free(&o->judge_headers);
	cJSON_Delete(o->extra_body);
	cJSON_Delete(o->judge_extra_body);
	o->extra_body = o->judge_extra_body = NULL;
	for (int i = 0; i < o->nowned; i++)
		free(o->owned[i]);
	o->nowned = 0;
}
