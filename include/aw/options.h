/*
 * options.h - the settings of a run and the command line that sets them.
 *
 * One table in options.c drives the parser, the defaults, the --help text,
 * the range checks and the man page (cli.h), so they cannot drift apart.
 * Parsing only fills struct options and validates values; files named by
 * options are read and checked later by the run, still before any request
 * is sent.
 *
 * --resume DIR continues the run in DIR: the caller reads its run.json
 * (store.h) and hands its settings to options_resume(): options not given
 * keep the run's values; an option that would change the run's meaning
 * (ROW_KEEP in options.c) is refused unless it is unchanged.
 *
 * Ownership: strings in struct options point into argv or the environment,
 * or are owned by the struct when noted; options_release() frees those.
 */
#ifndef AW_OPTIONS_H
#define AW_OPTIONS_H

#include <stdint.h>
#include <stdio.h>
#include "aw/cli.h"
#include "aw/pairing.h"

/* Seeds stay below 2^53 so that they are exact as JSON numbers. */
#define AW_SEED_MAX ((1ULL << 53) - 1)

enum rank_by { RANK_BT, RANK_ELO };

/* --temperature auto: the writing temperature is learned (tpolicy.h). */
#define OPTIONS_AUTO_TEMPERATURE(o) ((o)->temperature < 0)
enum logprobs { LOGPROBS_AUTO, LOGPROBS_ON, LOGPROBS_OFF };

struct options {
	const char *model;          /* --model: writer model (required) */
	const char *judge_model;    /* --judge-model: defaults to model */
	char *base_url;             /* endpoint base, no trailing slash (owned) */
	const char *base_url_arg;   /* --base-url as given, or NULL */
	const char *api_key;        /* $OPENAI_API_KEY or NULL: header only */
	const char *out_dir;        /* --out (required) */
	const char *prompt;         /* --prompt TEXT, or NULL */
	const char *prompt_file;    /* --prompt-file, or NULL */
	const char *styles_file;    /* --styles, NULL = bundled */
	const char *themes_file;    /* --themes, NULL = bundled */
	const char *goals_file;     /* --goals, NULL = bundled */
	const char *rubric_file;    /* --rubric, NULL = bundled */
	const char *prompts_dir;    /* --prompts-dir, NULL = bundled */
	const char *token_param;    /* "max_tokens" or "max_completion_tokens" */
	const char *cacert;         /* --cacert FILE, or NULL */
	long population;            /* stories in generation 0 */
	long generations;           /* evolution steps after generation 0 */
	long top;                   /* parents selected per generation */
	long variants;              /* variants written per parent */
	long rounds;                /* judge rounds per generation, 0 = use the budget */
	long judge_budget;          /* judge matches per story per generation */
	int pairing;                /* enum pairing */
	int rank_by;                /* enum rank_by */
	int logprobs;               /* enum logprobs */
	int deterministic;          /* rounds with barriers, reproducible */
	int no_early_stop;          /* spend the whole budget */
	double early_variants;      /* start a story's variants early when
				     * P(it misses the top K) is below this */
	long max_words;             /* enforced story length limit */
	long min_words;             /* stories under it are lengthened
				     * (extender.h); 0: never */
	long judge_max_tokens;      /* token cap of a judge reply */
	long concurrency;           /* requests in flight at once */
	long retries;               /* retries per request */
	double timeout;             /* seconds per request */
	double temperature;         /* writer sampling temperature, or below 0
				     * for --temperature auto (cli.h) */
	const char *temperature_grid; /* what auto chooses among (tpolicy.h) */
	double diversity;           /* rating (sd) a lineage's parents cost its
				     * next (parents.h); 0: the top K by rating */
	double judge_temperature;   /* judge sampling temperature */
	double top_p;               /* nucleus sampling, sent explicitly */
	uint64_t seed;              /* seed of every random choice */
	int seed_given;             /* --seed was given (else from the clock) */
	int quiet;                  /* --quiet: errors only */
	const char *resume_dir;     /* --resume DIR, or NULL */
	const char *judge_base_url_arg; /* --judge-base-url as given, or NULL */
	char *judge_base_url;       /* the judge's endpoint (owned): the
				     * writer's unless given */
	const char *judge_api_key;  /* the judge endpoint's key, or NULL: never
				     * the writer's for another host */
	struct cli_list headers;    /* --header "Name: value" (values secret) */
	struct cli_list judge_headers; /* --judge-header, for a separate judge */
	const char *extra_body_arg; /* --extra-body JSON as given */
	const char *judge_extra_body_arg;
	struct cJSON *extra_body;   /* parsed (owned), or NULL */
	struct cJSON *judge_extra_body; /* the judge's: its own, else the
				     * writer's on the same endpoint */
	long max_requests;          /* caps: 0 none */
	long max_tokens;
	double max_cost;
	double price_in, price_out; /* writer prices, USD per million tokens,
				     * < 0 unknown */
	double judge_price_in, judge_price_out; /* the judge's (the writer's
				     * unless given) */
	int dry_run;                /* print the plan, send and write nothing */
	int no_preflight;           /* skip the check of each (endpoint, model) */
	unsigned models_changed;    /* a resumed run: 1 the writer model, 2
				     * the judge model differs from the run's
				     * (allowed only if that role did no work) */
	unsigned char given[80];    /* by option row: given on the command line */
	char *owned[80];            /* strings read back from run.json (owned) */
	int nowned;
};

enum options_result {
	OPTIONS_RUN = 0,   /* options valid: run */
	OPTIONS_EXIT = 1,  /* --help or --version printed: exit 0 */
	OPTIONS_USAGE = 2  /* misuse reported on stderr: exit 2 */
};

struct cJSON;
struct cli_command;

/* Parse "evolve"'s arguments (argv[0] is "evolve").  Reads OPENAI_BASE_URL,
 * OPENAI_API_BASE and OPENAI_API_KEY from the environment.  With --resume
 * DIR, OPTIONS_RUN means only that the command line is valid: finish with
 * options_resume(). */
enum options_result options_parse(struct options *o, int argc, char **argv);
/* A resumed run: take the saved settings (run.json's "settings") for every
 * option not given, refuse a given one that would change the run, and
 * check the whole. */
enum options_result options_resume(struct options *o, const struct cJSON *settings);
void options_release(struct options *o);
void options_help(FILE *out);
/* The table (for the man page). */
extern const struct cli_command options_command;

/* For a command whose settings struct begins with a struct options (the
 * writer's settings of `baseline`, say): copy the rows of evolve's table
 * named in names (NULL-terminated) into out (room for n; the same offsets
 * then fit), returning how many; set every row's default first; after
 * cli_parse(), tell o which of them were given (misuse is then reported
 * for cmd); and run evolve's checks of them (endpoint, keys, seed...) with
 * o->population and o->top set to what fits. */
size_t options_rows(const char *const *names, struct cli_row *out, size_t n);
void options_defaults(struct options *o); /* every row's default, before cli_parse() */
void options_mark_given(struct options *o, const struct cli_command *cmd,
			const unsigned char *given);
enum options_result options_complete(struct options *o);

/* The settings of a run as JSON, one key per option (dashes become
 * underscores), for run.json, and what was in effect: api_key_set,
 * early_stop.  Never holds the API key; the base URL is written without
 * any user:password@ part.  Caller frees with cJSON_Delete. */
struct cJSON *options_to_json(const struct options *o);

/* Was the option with this long name given on the command line? */
int options_given(const struct options *o, const char *name);

#endif
