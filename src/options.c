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
#include "aw/util.h"
#include "aw/version.h"

#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
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
};

#define F(field) offsetof(struct options, field)

static const struct row rows[] = {
	{ "model", K_STR, F(model), 0, 0, "M", "writer model name (required)", NULL, NULL },
	{ "judge-model", K_STR, F(judge_model), 0, 0, "J", "judge model name", "the writer model", NULL },
	{ "base-url", K_BASEURL, 0, 0, 0, "URL", "OpenAI-compatible endpoint, up to /v1",
	  "$OPENAI_BASE_URL, else https://api.openai.com/v1", NULL },
	{ "out", K_STR, F(out_dir), 0, 0, "DIR", "output directory, new or empty (required)", NULL, NULL },
	{ "prompt", K_STR, F(prompt), 0, 0, "TEXT", "the writing prompt all stories answer", "bundled prompts/prompt.txt", NULL },
	{ "prompt-file", K_STR, F(prompt_file), 0, 0, "FILE", "read the writing prompt from FILE", NULL, NULL },
	{ "population", K_LONG, F(population), 2, 100000, "N", "stories in the initial generation", "60", NULL },
	{ "generations", K_LONG, F(generations), 0, 1000, "G", "evolution steps after the initial population", "5", NULL },
	{ "top", K_LONG, F(top), 1, 10000, "K", "parents selected per generation", "5", NULL },
	{ "variants", K_LONG, F(variants), 1, 1000, "V", "variants written per parent", "5", NULL },
	{ "judge-budget", K_LONG, F(judge_budget), 1, 1000, "M", "judge matches per story per generation, at most", "8", NULL },
	{ "rounds", K_LONG, F(rounds), 1, 1000, "R", "the paper's scheme: exactly R rounds, one match per story each", NULL, NULL },
	{ "pairing", K_CHOICE, F(pairing), 0, 0, "HOW", "random, swiss or boundary", "boundary", pairings },
	{ "rank-by", K_CHOICE, F(rank_by), 0, 0, "HOW", "bt (Bradley-Terry) or elo", "bt", rank_bys },
	{ "judge-logprobs", K_CHOICE, F(logprobs), 0, 0, "WHEN", "auto, on or off: judge probabilities as soft outcomes", "auto", logprob_modes },
	{ "deterministic", K_FLAG, F(deterministic), 0, 0, NULL, "judge in rounds with barriers: reproducible from seed and verdicts", NULL, NULL },
	{ "no-early-stop", K_FLAG, F(no_early_stop), 0, 0, NULL, "spend the whole judge budget even when the top K is settled", NULL, NULL },
	{ "max-words", K_LONG, F(max_words), 20, 100000, "W", "story length limit, enforced", "500", NULL },
	{ "styles", K_STR, F(styles_file), 0, 0, "FILE", "author styles, one per line", "bundled", NULL },
	{ "themes", K_STR, F(themes_file), 0, 0, "FILE", "themes, one per line", "bundled", NULL },
	{ "goals", K_STR, F(goals_file), 0, 0, "FILE", "improvement goals, one per line", "bundled", NULL },
	{ "rubric", K_STR, F(rubric_file), 0, 0, "FILE", "judging rubric", "bundled rubrics/story.txt", NULL },
	{ "prompts-dir", K_STR, F(prompts_dir), 0, 0, "DIR", "directory with writer/variant/judge templates", "bundled", NULL },
	{ "temperature", K_DOUBLE, F(temperature), 0, 2, "T", "writer sampling temperature", "1.0", NULL },
	{ "judge-temperature", K_DOUBLE, F(judge_temperature), 0, 2, "T", "judge sampling temperature", "0", NULL },
	{ "top-p", K_DOUBLE, F(top_p), 0.000001, 1, "P", "nucleus sampling, sent with every request", "1.0", NULL },
	{ "judge-max-tokens", K_LONG, F(judge_max_tokens), 16, 1000000, "N", "token cap of a judge reply", "1024", NULL },
	{ "token-param", K_STR, F(token_param), 0, 0, "NAME", "max_tokens or max_completion_tokens", "max_tokens", NULL },
	{ "concurrency", K_LONG, F(concurrency), 1, 1024, "N", "requests in flight at once", "16", NULL },
	{ "timeout", K_DOUBLE, F(timeout), 1, 86400, "S", "seconds allowed per request", "300", NULL },
	{ "retries", K_LONG, F(retries), 0, 100, "N", "retries per request (backoff with jitter)", "5", NULL },
	{ "cacert", K_STR, F(cacert), 0, 0, "FILE", "CA certificates for a private TLS endpoint", NULL, NULL },
	{ "seed", K_SEED, F(seed), 0, 0, "S", "seed of every random choice, also sent to the endpoint", "from the clock, recorded", NULL },
	{ "quiet", K_FLAG, F(quiet), 0, 0, NULL, "no progress output, errors only", NULL, NULL },
	{ "help", K_HELP, 0, 0, 0, NULL, "show this help and exit", NULL, NULL },
};

void options_help(FILE *out)
{
	fprintf(out,
		"usage: alphawrite evolve --model M --out DIR [options]\n"
		"\n"
		"Write a population of stories, rank them with pairwise LLM judging and Elo,\n"
		"breed variants of the best, and repeat; every generation is written to DIR.\n"
		"\n"
		"options:\n");
	for (size_t i = 0; i < AW_ARRAY_LEN(rows); i++) {
		const struct row *r = &rows[i];
		char left[64];
		snprintf(left, sizeof left, "--%s%s%s", r->name, r->arg ? " " : "", r->arg ? r->arg : "");
		fprintf(out, "  %-26s %s", left, r->help);
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

/* Check the endpoint URL (from `source`) and strip trailing slashes. */
static int check_base_url(struct options *o, const char *source)
{
	char *u = o->base_url;
	if (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0)
		return usage_error("%s: base URL '%s' must start with http:// or https://", source, u);
	const char *host = strstr(u, "://") + 3;
	if (!*host || *host == '/')
		return usage_error("%s: base URL '%s' has no host", source, u);
	for (const char *c = u; *c; c++)
		if ((unsigned char)*c <= ' ')
			return usage_error("%s: base URL '%s' contains a space or control character",
					   source, u);
	size_t n = strlen(u);
	while (n > 0 && u[n - 1] == '/')
		u[--n] = '\0';
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

	if (!o->model)
		return usage_error("option '--model' is required");
	if (!o->out_dir)
		return usage_error("option '--out' is required");
	if (!o->judge_model)
		o->judge_model = o->model;
	if (o->prompt && o->prompt_file)
		return usage_error("options '--prompt' and '--prompt-file' exclude each other");
	if (o->prompt && !*o->prompt)
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
}
