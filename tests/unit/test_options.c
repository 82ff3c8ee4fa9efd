/*
 * test_options.c - the command line of `alphawrite evolve` (src/options.c).
 *
 * Usage errors print to stderr; that output is expected here.
 */
#include "unit.h"
#include "aw/options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXARGS 64

/* Parse the NULL-terminated argument list (argv[0] "evolve" added). */
static enum options_result parse_v(struct options *o, const char *const *args)
{
	static char *argv[MAXARGS + 2];
	int argc = 0;
	argv[argc++] = (char *)"evolve";
	for (size_t i = 0; args[i]; i++) {
		assert_true(argc < MAXARGS);
		argv[argc++] = (char *)args[i];
	}
	argv[argc] = NULL;
	return options_parse(o, argc, argv);
}

#define PARSE(o, ...) parse_v((o), (const char *const[]){ __VA_ARGS__, NULL })

static const char *env_names[] = { "OPENAI_BASE_URL", "OPENAI_API_BASE", "OPENAI_API_KEY" };

/* Every test starts with none of the variables options_parse reads. */
static int clear_env(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof env_names / sizeof env_names[0]; i++)
		unsetenv(env_names[i]);
	return 0;
}

static void test_defaults(void **state)
{
	(void)state;
	struct options o;
	assert_int_equal(PARSE(&o, "--model", "gpt-x", "--out", "outdir"), OPTIONS_RUN);
	assert_string_equal(o.model, "gpt-x");
	assert_string_equal(o.judge_model, "gpt-x");
	assert_string_equal(o.out_dir, "outdir");
	assert_string_equal(o.base_url, "https://api.openai.com/v1");
	assert_null(o.api_key);
	assert_null(o.prompt);
	assert_null(o.prompt_file);
	assert_null(o.styles_file);
	assert_null(o.themes_file);
	assert_null(o.goals_file);
	assert_null(o.rubric_file);
	assert_null(o.prompts_dir);
	assert_null(o.cacert);
	assert_string_equal(o.token_param, "max_tokens");
	assert_int_equal(o.population, 60);
	assert_int_equal(o.generations, 5);
	assert_int_equal(o.top, 5);
	assert_int_equal(o.variants, 5);
	assert_int_equal(o.rounds, 0); /* no fixed rounds: the judge budget */
	assert_int_equal(o.judge_budget, 8);
	assert_int_equal(o.pairing, PAIR_BOUNDARY);
	assert_int_equal(o.rank_by, RANK_BT);
	assert_int_equal(o.logprobs, LOGPROBS_AUTO);
	assert_int_equal(o.deterministic, 0);
	assert_int_equal(o.no_early_stop, 0);
	assert_int_equal(o.max_words, 500);
	assert_int_equal(o.judge_max_tokens, 1024);
	assert_int_equal(o.concurrency, 16);
	assert_int_equal(o.retries, 5);
	assert_float_equal(o.timeout, 300.0, 0.0);
	assert_float_equal(o.temperature, 1.0, 0.0);
	assert_float_equal(o.judge_temperature, 0.0, 0.0);
	assert_float_equal(o.top_p, 1.0, 0.0);
	assert_int_equal(o.seed_given, 0);
	assert_true(o.seed <= AW_SEED_MAX);
	assert_int_equal(o.quiet, 0);
	options_release(&o);
	assert_null(o.base_url);
}

static void test_all_options_set(void **state)
{
	(void)state;
	struct options o;
	char *dir = tu_tempdir();
	char *pem = tu_write_str(dir, "ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n"
						"-----END CERTIFICATE-----\n");
	assert_int_equal(PARSE(&o, "--model", "w", "--judge-model", "j", "--out", "d",
			       "--prompt-file", "p.txt", "--styles", "s.txt", "--themes", "t.txt",
			       "--goals", "g.txt", "--rubric", "r.txt", "--prompts-dir", "pd",
			       "--population", "12", "--generations", "3", "--top", "4",
			       "--variants", "2", "--rounds", "6", "--max-words", "250",
			       "--temperature", "0.7", "--judge-temperature", "0.2", "--top-p", "0.9",
			       "--judge-max-tokens", "2048", "--token-param", "max_completion_tokens",
			       "--concurrency", "32", "--timeout", "45.5", "--retries", "7",
			       "--cacert", pem, "--seed", "12345", "--quiet"),
			 OPTIONS_RUN);
	assert_string_equal(o.judge_model, "j");
	assert_string_equal(o.prompt_file, "p.txt");
	assert_string_equal(o.styles_file, "s.txt");
	assert_string_equal(o.themes_file, "t.txt");
	assert_string_equal(o.goals_file, "g.txt");
	assert_string_equal(o.rubric_file, "r.txt");
	assert_string_equal(o.prompts_dir, "pd");
	assert_string_equal(o.cacert, pem);
	assert_int_equal(o.population, 12);
	assert_int_equal(o.generations, 3);
	assert_int_equal(o.top, 4);
	assert_int_equal(o.variants, 2);
	assert_int_equal(o.rounds, 6);
	assert_int_equal(o.max_words, 250);
	assert_float_equal(o.temperature, 0.7, 1e-12);
	assert_float_equal(o.judge_temperature, 0.2, 1e-12);
	assert_float_equal(o.top_p, 0.9, 1e-12);
	assert_int_equal(o.judge_max_tokens, 2048);
	assert_string_equal(o.token_param, "max_completion_tokens");
	assert_int_equal(o.concurrency, 32);
	assert_float_equal(o.timeout, 45.5, 1e-12);
	assert_int_equal(o.retries, 7);
	assert_int_equal(o.seed, 12345);
	assert_int_equal(o.seed_given, 1);
	assert_int_equal(o.quiet, 1);
	options_release(&o);

	/* --cacert: not a regular file, not a certificate, missing */
	char *text = tu_write_str(dir, "notes.txt", "just some text\n");
	const char *bad[] = { "/dev/null", text, "/nonexistent/ca.pem", dir };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(PARSE(&o, "--model", "m", "--out", "d", "--cacert", bad[i]),
				 OPTIONS_USAGE);
		options_release(&o);
	}
	free(text);
	free(pem);
	tu_rmtree(dir);
	free(dir);
}

/* Each numeric option: the value just outside each end of its range is a
 * usage error, the ends themselves are accepted and stored. */
struct range {
	const char *opt;
	const char *below, *min, *max, *above;
	int is_long;
	double vmin, vmax;
};

static const struct range ranges[] = {
	{ "--population", "1", "2", "5000", "5001", 1, 2, 5000 },
	{ "--generations", "-1", "0", "1000", "1001", 1, 0, 1000 },
	{ "--top", "0", "1", "5000", "5001", 1, 1, 5000 },
	{ "--variants", "0", "1", "1000", "1001", 1, 1, 1000 },
	{ "--rounds", "0", "1", "1000", "1001", 1, 1, 1000 },
	{ "--judge-budget", "0", "1", "1000", "1001", 1, 1, 1000 },
	{ "--max-words", "19", "20", "100000", "100001", 1, 20, 100000 },
	{ "--judge-max-tokens", "15", "16", "1000000", "1000001", 1, 16, 1000000 },
	{ "--concurrency", "0", "1", "1024", "1025", 1, 1, 1024 },
	{ "--retries", "-1", "0", "100", "101", 1, 0, 100 },
	{ "--temperature", "-0.01", "0", "2", "2.01", 0, 0, 2 },
	{ "--judge-temperature", "-0.5", "0", "2", "3", 0, 0, 2 },
	{ "--top-p", "0", "0.000001", "1", "1.0001", 0, 0.000001, 1 },
	{ "--timeout", "0.999", "1", "86400", "86400.5", 0, 1, 86400 },
};

static double field_value(const struct options *o, const char *opt)
{
	if (!strcmp(opt, "--population")) return (double)o->population;
	if (!strcmp(opt, "--generations")) return (double)o->generations;
	if (!strcmp(opt, "--top")) return (double)o->top;
	if (!strcmp(opt, "--variants")) return (double)o->variants;
	if (!strcmp(opt, "--rounds")) return (double)o->rounds;
	if (!strcmp(opt, "--judge-budget")) return (double)o->judge_budget;
	if (!strcmp(opt, "--max-words")) return (double)o->max_words;
	if (!strcmp(opt, "--judge-max-tokens")) return (double)o->judge_max_tokens;
	if (!strcmp(opt, "--concurrency")) return (double)o->concurrency;
	if (!strcmp(opt, "--retries")) return (double)o->retries;
	if (!strcmp(opt, "--temperature")) return o->temperature;
	if (!strcmp(opt, "--judge-temperature")) return o->judge_temperature;
	if (!strcmp(opt, "--top-p")) return o->top_p;
	if (!strcmp(opt, "--timeout")) return o->timeout;
	fail_msg("no field for %s", opt);
	return 0;
}

static enum options_result parse_one(struct options *o, const char *opt, const char *val)
{
	/* a large population so that --top's own range is what is tested */
	if (!strcmp(opt, "--population"))
		return PARSE(o, "--model", "m", "--out", "d", "--top", "1", opt, val);
	return PARSE(o, "--model", "m", "--out", "d", "--population", "5000", opt, val);
}

static void test_numeric_ranges(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
		const struct range *r = &ranges[i];
		struct options o;
		if (parse_one(&o, r->opt, r->below) != OPTIONS_USAGE)
			fail_msg("%s %s accepted", r->opt, r->below);
		options_release(&o);
		if (parse_one(&o, r->opt, r->above) != OPTIONS_USAGE)
			fail_msg("%s %s accepted", r->opt, r->above);
		options_release(&o);
		if (parse_one(&o, r->opt, r->min) != OPTIONS_RUN)
			fail_msg("%s %s refused", r->opt, r->min);
		assert_float_equal(field_value(&o, r->opt), r->vmin, 1e-12);
		options_release(&o);
		if (parse_one(&o, r->opt, r->max) != OPTIONS_RUN)
			fail_msg("%s %s refused", r->opt, r->max);
		assert_float_equal(field_value(&o, r->opt), r->vmax, 1e-12);
		options_release(&o);
	}
}

/* The ranking options: each word of each choice, the flags, and words
 * that are not choices. */
static void test_ranking_choices(void **state)
{
	(void)state;
	static const struct {
		const char *opt, *val;
		int want;
	} ok[] = {
		{ "--pairing", "random", PAIR_RANDOM },   { "--pairing", "swiss", PAIR_SWISS },
		{ "--pairing", "boundary", PAIR_BOUNDARY }, { "--rank-by", "bt", RANK_BT },
		{ "--rank-by", "elo", RANK_ELO },         { "--judge-logprobs", "auto", LOGPROBS_AUTO },
		{ "--judge-logprobs", "on", LOGPROBS_ON }, { "--judge-logprobs", "off", LOGPROBS_OFF },
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		struct options o;
		if (PARSE(&o, "--model", "m", "--out", "d", ok[i].opt, ok[i].val) != OPTIONS_RUN)
			fail_msg("%s %s refused", ok[i].opt, ok[i].val);
		int got = !strcmp(ok[i].opt, "--pairing") ? o.pairing :
			  !strcmp(ok[i].opt, "--rank-by") ? o.rank_by : o.logprobs;
		options_release(&o);
		assert_int_equal(got, ok[i].want);
	}
	struct options o;
	assert_int_equal(PARSE(&o, "--model", "m", "--out", "d", "--deterministic",
			       "--no-early-stop", "--judge-budget", "12"),
			 OPTIONS_RUN);
	assert_int_equal(o.deterministic, 1);
	assert_int_equal(o.no_early_stop, 1);
	assert_int_equal(o.judge_budget, 12);
	options_release(&o);

	static const char *const bad[][2] = {
		{ "--pairing", "best" },       { "--pairing", "" },      { "--pairing", "Swiss" },
		{ "--rank-by", "ELO" },        { "--rank-by", "rating" }, { "--judge-logprobs", "yes" },
		{ "--judge-logprobs", "on " },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (PARSE(&o, "--model", "m", "--out", "d", bad[i][0], bad[i][1]) != OPTIONS_USAGE)
			fail_msg("%s '%s' accepted", bad[i][0], bad[i][1]);
		options_release(&o);
	}
}

static void test_numeric_garbage(void **state)
{
	(void)state;
	static const char *bad_long[] = { "", "abc", "5x", "1.5", " ", "0x10z",
					  "99999999999999999999999" };
	static const char *bad_double[] = { "", "abc", "0.5x", "nan", "inf", "-inf", "1e999" };
	for (size_t i = 0; i < sizeof bad_long / sizeof bad_long[0]; i++) {
		struct options o;
		if (PARSE(&o, "--model", "m", "--out", "d", "--rounds", bad_long[i]) != OPTIONS_USAGE)
			fail_msg("--rounds '%s' accepted", bad_long[i]);
		options_release(&o);
	}
	for (size_t i = 0; i < sizeof bad_double / sizeof bad_double[0]; i++) {
		struct options o;
		if (PARSE(&o, "--model", "m", "--out", "d", "--temperature", bad_double[i]) !=
		    OPTIONS_USAGE)
			fail_msg("--temperature '%s' accepted", bad_double[i]);
		options_release(&o);
	}
}

static void test_help(void **state)
{
	(void)state;
	struct options o;
	tu_stdout_silence();
	enum options_result r1 = PARSE(&o, "--help");
	options_release(&o);
	enum options_result r2 = PARSE(&o, "-h");
	options_release(&o);
	/* --help wins over a missing --model and over later errors */
	enum options_result r3 = PARSE(&o, "--help", "--population", "0");
	options_release(&o);
	tu_stdout_restore();
	assert_int_equal(r1, OPTIONS_EXIT);
	assert_int_equal(r2, OPTIONS_EXIT);
	assert_int_equal(r3, OPTIONS_EXIT);
}

static void test_help_text(void **state)
{
	const char *dir = *state;
	char path[4096];
	snprintf(path, sizeof path, "%s/help.txt", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	options_help(f);
	fclose(f);
	char *text = tu_read(path, NULL);
	assert_non_null(text);
	static const char *opts[] = { "--model", "--judge-model", "--base-url", "--out", "--prompt",
				      "--prompt-file", "--population", "--generations", "--top",
				      "--variants", "--rounds", "--max-words", "--temperature",
				      "--judge-temperature", "--top-p", "--judge-max-tokens",
				      "--token-param", "--concurrency", "--timeout", "--retries",
				      "--cacert", "--seed", "--quiet", "--help", "OPENAI_API_KEY",
				      "OPENAI_BASE_URL" };
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
		if (!tu_contains(text, opts[i]))
			fail_msg("--help does not mention %s", opts[i]);
	free(text);
}

static void test_required(void **state)
{
	(void)state;
	struct options o;
	assert_int_equal(PARSE(&o, "--out", "d"), OPTIONS_USAGE);
	options_release(&o);
	assert_int_equal(PARSE(&o, "--model", "m"), OPTIONS_USAGE);
	options_release(&o);
	assert_int_equal(PARSE(&o, "--model", "", "--out", "d"), OPTIONS_USAGE);
	options_release(&o);
	assert_int_equal(PARSE(&o, "--model", "m", "--out", ""), OPTIONS_USAGE);
	options_release(&o);
	/* an option without its argument */
	assert_int_equal(PARSE(&o, "--out", "d", "--model"), OPTIONS_USAGE);
	options_release(&o);
}

static void test_unknown_and_stray(void **state)
{
	(void)state;
	struct options o;
	assert_int_equal(PARSE(&o, "--model", "m", "--out", "d", "--no-such-option"), OPTIONS_USAGE);
	options_release(&o);
	assert_int_equal(PARSE(&o, "--model", "m", "--out", "d", "stray"), OPTIONS_USAGE);
	options_release(&o);
	assert_int_equal(PARSE(&o, "--model", "m", "--out", "d", "-x"), OPTIONS_USAGE);
	options_release(&o);
}

static void test_prompt_exclusive(void **state)
{
	(void)state;
	struct options o;
	assert_int_equal(PARSE(&o, "--model", "m", "--out", "d", "--prompt", "Write.",
			       "--prompt-file", "p.txt"),
			 OPTIONS_USAGE);
	options_release(&o);
	assert_int_equal(PARSE(&o, "--model", "m", "--out", "d", "--prompt", "Write."), OPTIONS_RUN);
	assert_string_equal(o.prompt, "Write.");
	assert_null(o.prompt_file);
	options_release(&o);
	assert_int_equal(PARSE(&o, "--model", "m", "--out", "d", "--prompt-file", "p.txt"),
			 OPTIONS_RUN);
	assert_null(o.prompt);
	options_release(&o);
	assert_int_equal(PARSE(&o, "--model", "m", "--out", "d", "--prompt", ""), OPTIONS_USAGE);
	options_release(&o);
}

static void test_top_vs_population(void **state)
{
	(void)state;
	struct options o;
	assert_int_equal(PARSE(&o, "--model", "m", "--out", "d", "--population", "4", "--top", "5"),
			 OPTIONS_USAGE);
	options_release(&o);
	/* the default top (5) shrinks to fit a smaller population; a --top
	 * given explicitly does not */
	assert_int_equal(PARSE(&o, "--model", "m", "--out", "d", "--population", "3"), OPTIONS_RUN);
	assert_int_equal(o.top, 3);
	options_release(&o);
	assert_int_equal(PARSE(&o, "--model", "m", "--out", "d", "--population", "3", "--top", "5"),
			 OPTIONS_USAGE);
	options_release(&o);
	assert_int_equal(PARSE(&o, "--model", "m", "--out", "d", "--population", "6"), OPTIONS_RUN);
	assert_int_equal(o.top, 5);
	options_release(&o);
	assert_int_equal(PARSE(&o, "--model", "m", "--out", "d", "--population", "4", "--top", "4"),
			 OPTIONS_RUN);
	assert_int_equal(o.top, 4);
	options_release(&o);
	/* order on the command line does not matter */
	assert_int_equal(PARSE(&o, "--top", "10", "--model", "m", "--out", "d", "--population", "10"),
			 OPTIONS_RUN);
	options_release(&o);
}

static void test_token_param(void **state)
{
	(void)state;
	struct options o;
	assert_int_equal(PARSE(&o, "--model", "m", "--out", "d", "--token-param", "max_tokens"),
			 OPTIONS_RUN);
	assert_string_equal(o.token_param, "max_tokens");
	options_release(&o);
	assert_int_equal(PARSE(&o, "--model", "m", "--out", "d", "--token-param",
			       "max_completion_tokens"),
			 OPTIONS_RUN);
	assert_string_equal(o.token_param, "max_completion_tokens");
	options_release(&o);
	static const char *bad[] = { "max_new_tokens", "MAX_TOKENS", "max_tokens ", "" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (PARSE(&o, "--model", "m", "--out", "d", "--token-param", bad[i]) != OPTIONS_USAGE)
			fail_msg("--token-param '%s' accepted", bad[i]);
		options_release(&o);
	}
}

static void test_seed(void **state)
{
	(void)state;
	struct options o;
	char max[32], over[32];
	snprintf(max, sizeof max, "%llu", (unsigned long long)AW_SEED_MAX);
	snprintf(over, sizeof over, "%llu", (unsigned long long)AW_SEED_MAX + 1);
	assert_int_equal(AW_SEED_MAX, 9007199254740991ULL);

	assert_int_equal(PARSE(&o, "--model", "m", "--out", "d", "--seed", "0"), OPTIONS_RUN);
	assert_int_equal(o.seed, 0);
	assert_int_equal(o.seed_given, 1);
	options_release(&o);
	assert_int_equal(PARSE(&o, "--model", "m", "--out", "d", "--seed", max), OPTIONS_RUN);
	assert_true(o.seed == AW_SEED_MAX);
	options_release(&o);
	static const char *bad[] = { "-1", "+5", "", "12abc", "1.5", "18446744073709551615",
				     "18446744073709551616", "99999999999999999999999" };
	assert_int_equal(PARSE(&o, "--model", "m", "--out", "d", "--seed", over), OPTIONS_USAGE);
	options_release(&o);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (PARSE(&o, "--model", "m", "--out", "d", "--seed", bad[i]) != OPTIONS_USAGE)
			fail_msg("--seed '%s' accepted", bad[i]);
		options_release(&o);
	}
}

static void test_clock_seed_in_range(void **state)
{
	(void)state;
	for (int i = 0; i < 50; i++) {
		struct options o;
		assert_int_equal(PARSE(&o, "--model", "m", "--out", "d"), OPTIONS_RUN);
		assert_int_equal(o.seed_given, 0);
		assert_true(o.seed <= AW_SEED_MAX);
		options_release(&o);
	}
}

static void test_base_url_env(void **state)
{
	(void)state;
	struct options o;
	setenv("OPENAI_BASE_URL", "http://localhost:8000/v1///", 1);
	assert_int_equal(PARSE(&o, "--model", "m", "--out", "d"), OPTIONS_RUN);
	assert_string_equal(o.base_url, "http://localhost:8000/v1");
	options_release(&o);

	/* OPENAI_BASE_URL is preferred over OPENAI_API_BASE */
	setenv("OPENAI_API_BASE", "http://other:1/v1", 1);
	assert_int_equal(PARSE(&o, "--model", "m", "--out", "d"), OPTIONS_RUN);
	assert_string_equal(o.base_url, "http://localhost:8000/v1");
	options_release(&o);

	/* OPENAI_API_BASE when OPENAI_BASE_URL is unset or empty */
	unsetenv("OPENAI_BASE_URL");
	setenv("OPENAI_API_BASE", "https://proxy.example/v1/", 1);
	assert_int_equal(PARSE(&o, "--model", "m", "--out", "d"), OPTIONS_RUN);
	assert_string_equal(o.base_url, "https://proxy.example/v1");
	options_release(&o);
	setenv("OPENAI_BASE_URL", "", 1);
	assert_int_equal(PARSE(&o, "--model", "m", "--out", "d"), OPTIONS_RUN);
	assert_string_equal(o.base_url, "https://proxy.example/v1");
	options_release(&o);

	/* --base-url wins over the environment */
	setenv("OPENAI_BASE_URL", "http://env:1/v1", 1);
	assert_int_equal(PARSE(&o, "--model", "m", "--out", "d", "--base-url", "https://cli:2/v1/"),
			 OPTIONS_RUN);
	assert_string_equal(o.base_url, "https://cli:2/v1");
	options_release(&o);

	/* the last --base-url counts, and the earlier copy is not leaked */
	assert_int_equal(PARSE(&o, "--model", "m", "--out", "d", "--base-url", "http://a/v1",
			       "--base-url", "http://b/v1"),
			 OPTIONS_RUN);
	assert_string_equal(o.base_url, "http://b/v1");
	options_release(&o);
	/* IPv6 hosts, ports and credentials are valid URLs */
	static const char *good[][2] = {
		{ "http://[::1]:8080/v1/", "http://[::1]:8080/v1" },
		{ "https://me:pw@proxy.example:443/openai/v1", "https://me:pw@proxy.example:443/openai/v1" },
		{ "http://localhost:1", "http://localhost:1" },
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		if (PARSE(&o, "--model", "m", "--out", "d", "--base-url", good[i][0]) != OPTIONS_RUN)
			fail_msg("--base-url '%s' refused", good[i][0]);
		assert_string_equal(o.base_url, good[i][1]);
		options_release(&o);
	}
}

static void test_base_url_rejected(void **state)
{
	(void)state;
	static const char *bad[] = { "ftp://example.com/v1", "localhost:8000/v1", "example.com",
				     "http://", "https:///v1", "http://exa mple.com/v1",
				     "http://example.com/v1\n", "HTTP//x", "",
				     "http://127.0.0.1:99999/v1", "http://host:abc/v1",
				     "http://[::1/v1", "http://h/v1?x=1", "http://h/v1#top",
				     "http://h/v1/chat/completions", "http://h/v1/chat/completions/" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct options o;
		if (PARSE(&o, "--model", "m", "--out", "d", "--base-url", bad[i]) != OPTIONS_USAGE)
			fail_msg("--base-url '%s' accepted", bad[i]);
		options_release(&o);
	}
	/* from the environment too */
	struct options o;
	setenv("OPENAI_BASE_URL", "gopher://example.com", 1);
	assert_int_equal(PARSE(&o, "--model", "m", "--out", "d"), OPTIONS_USAGE);
	options_release(&o);
}

static void test_api_key(void **state)
{
	(void)state;
	struct options o;
	setenv("OPENAI_API_KEY", "sk-test-123", 1);
	assert_int_equal(PARSE(&o, "--model", "m", "--out", "d"), OPTIONS_RUN);
	assert_non_null(o.api_key);
	assert_string_equal(o.api_key, "sk-test-123");
	options_release(&o);
	setenv("OPENAI_API_KEY", "", 1);
	assert_int_equal(PARSE(&o, "--model", "m", "--out", "d"), OPTIONS_RUN);
	assert_null(o.api_key);
	options_release(&o);
}

/* options_parse may be called more than once in a process (these tests
 * do): an earlier parse that stopped inside a group of short options must
 * not leak into the next one. */
static void test_reparse_after_short_option_group(void **state)
{
	(void)state;
	struct options o;
	tu_stdout_silence();
	enum options_result r1 = PARSE(&o, "-hq");
	options_release(&o);
	tu_stdout_restore();
	assert_int_equal(r1, OPTIONS_EXIT);
	assert_int_equal(PARSE(&o, "--model", "m", "--out", "d"), OPTIONS_RUN);
	assert_string_equal(o.model, "m");
	options_release(&o);
}

int run_options_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_defaults, clear_env),
		cmocka_unit_test_setup(test_all_options_set, clear_env),
		cmocka_unit_test_setup(test_numeric_ranges, clear_env),
		cmocka_unit_test_setup(test_numeric_garbage, clear_env),
		cmocka_unit_test_setup(test_ranking_choices, clear_env),
		cmocka_unit_test_setup(test_help, clear_env),
		cmocka_unit_test_setup_teardown(test_help_text, tu_setup_dir, tu_teardown_dir),
		cmocka_unit_test_setup(test_required, clear_env),
		cmocka_unit_test_setup(test_unknown_and_stray, clear_env),
		cmocka_unit_test_setup(test_prompt_exclusive, clear_env),
		cmocka_unit_test_setup(test_top_vs_population, clear_env),
		cmocka_unit_test_setup(test_token_param, clear_env),
		cmocka_unit_test_setup(test_seed, clear_env),
		cmocka_unit_test_setup(test_clock_seed_in_range, clear_env),
		cmocka_unit_test_setup(test_base_url_env, clear_env),
		cmocka_unit_test_setup(test_base_url_rejected, clear_env),
		cmocka_unit_test_setup(test_api_key, clear_env),
		cmocka_unit_test_setup(test_reparse_after_short_option_group, clear_env),
	};
	int failed = cmocka_run_group_tests_name("options", tests, NULL, NULL);
	clear_env(NULL);
	return failed;
}
