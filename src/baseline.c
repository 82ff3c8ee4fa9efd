/*
 * baseline.c - `alphawrite baseline`: the sequential-prompting baseline of
 * the AlphaWrite paper, at a budget equal to a run's.
 *
 * The model writes a story as the initial population does (an author style
 * and a theme spread evenly over the chains), then is asked again and again
 * to improve its own previous story (prompts/sequential.txt), with no judge
 * and no selection.  --chains C independent chains step together until the
 * stories written equal the budget: every writer request a run sent
 * (--budget-from RUN_DIR, as its run.json records them) or --stories N.
 *
 * It is a client of the run machinery: the writer writes the stories (one
 * rewrite per story, writer_sequential()), the journal records each as it
 * arrives, resume.h takes them back after a kill, and the store writes one
 * generation file per step (stories unranked, in chain order; no matches;
 * each chain's latest story, carried over like a run's parents when the
 * step wrote none for it) and a run.json with "command": "baseline".  So `compare` reads it like a
 * run, and `alphawrite baseline --resume DIR` continues it without paying
 * twice.
 */
#include "aw/baseline.h"
#include "aw/cli.h"
#include "aw/codec.h"
#include "aw/endpoint.h"
#include "aw/interrupt.h"
#include "aw/llm.h"
#include "aw/options.h"
#include "aw/resume.h"
#include "aw/run.h"
#include "aw/store.h"
#include "aw/template.h"
#include "aw/util.h"
#include "aw/version.h"
#include "aw/writer.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


/* The settings of `baseline`: the writer's (picked from evolve's table, so
 * struct options comes first) and its own. */
struct baseline_options {
	struct options o;           /* the writer's settings */
	int method;                 /* 0: sequential */
	const char *budget_from;    /* --budget-from RUN_DIR, or NULL */
	long stories;               /* --stories N: the budget, 0 from the run */
	long chains;                /* independent chains */
};

static const char *const methods[] = { "sequential", NULL };

#define F(field) offsetof(struct baseline_options, field)

/* Evolve's rows that a baseline takes, as evolve reads them. */
static const char *const writer_rows[] = {
	"model", "base-url", "header", "extra-body", "out", "resume", "prompt", "prompt-file",
	"styles", "themes", "prompts-dir", "max-words", "temperature", "top-p", "token-param",
	"concurrency", "timeout", "retries", "cacert", "max-requests", "max-tokens", "max-cost",
	"price-in", "price-out", "seed", "no-preflight", "quiet", NULL
};

static const struct cli_row own_rows[] = {
	{ "method", CLI_CHOICE, F(method), 0, 0, "HOW", "the baseline: sequential prompting, the paper's", "sequential", NULL, methods, 0 },
	{ "budget-from", CLI_STR, F(budget_from), 0, 0, "RUN_DIR", "write as many stories as that run sent writer requests", NULL, NULL, NULL, 0 },
	{ "stories", CLI_LONG, F(stories), 1, 1000000, "N", "write N stories in all (instead of --budget-from)", NULL, NULL, NULL, 0 },
	{ "chains", CLI_LONG, F(chains), 1, 10000, "C", "independent chains of improvement", "5", NULL, NULL, 0 },
	{ "help", CLI_HELP, 0, 0, 0, NULL, "show this help and exit", NULL, NULL, NULL, 0 },
};

static struct cli_row rows[64];
static struct cli_command command = {
	"baseline",
	"alphawrite baseline --method sequential --model M --out DIR (--budget-from RUN_DIR | --stories N) [options]\n"
	"alphawrite baseline --resume DIR [options]",
	"Write the paper's sequential-prompting baseline: each chain's model is asked again and\n"
	"again to improve its own previous story, with no judge and no selection, until the\n"
	"stories written equal the budget; one generation file per step.  Compare it with a run\n"
	"by `alphawrite compare RUN_DIR DIR`.",
	rows,
	0,
	"exit status: 0 done, 1 failed, 2 usage or input error (nothing sent), 130 interrupted.\n",
};

const struct cli_command *baseline_command(void)
{
	if (!command.nrows) {
		size_t n = options_rows(writer_rows, rows, AW_ARRAY_LEN(rows));
		for (size_t i = 0; i < AW_ARRAY_LEN(own_rows) && n < AW_ARRAY_LEN(rows); i++)
			rows[n++] = own_rows[i];
		command.nrows = n;
	}
	return &command;
}

/* ------------------------------------------------------------ the budget */

/* The writer requests a run sent: by role when its run.json has them, else
 * (a run of an older build) all requests less the judge's calls. */
static int budget_of(const char *dir, long *n, char *err, size_t errlen)
{
	struct run_report r;
	if (store_read_run(dir, &r, err, errlen) < 0)
		return -1;
	long writer = r.usage.roles[0].requests;
	if (!writer) {
		long judge = 0;
		for (int g = 0; store_has_generation(dir, g); g++) {
			struct generation gf;
			if (store_read_generation(dir, g, &gf, err, errlen) < 0) {
				run_report_release(&r);
				return -1;
			}
			judge += gf.judging.calls;
			generation_release(&gf);
		}
		writer = r.usage.requests - judge;
	}
	run_report_release(&r);
	if (writer < 1)
		return aw_fail(err, errlen, "'%s' records no writer request to match", dir);
	*n = writer;
	return 0;
}

/* ---------------------------------------------------------------- the run */

struct chain_run {
	struct run run;             /* what the writer needs */
	struct baseline_options *b; /* the settings */
	char *sequential;           /* the template of a step */
	char *sequential_path;      /* where it came from */
	struct population heads;    /* each chain's latest story, chain order */
	int done;                   /* steps written */
	long written;               /* stories written so far (the budget's) */
	struct run_report previous; /* a resumed one's run.json */
	int resumed;
	int lock;                   /* the output directory, or -1 */
	char err[1024];
};

static void ended(void *ctx, struct story *s)
{
	(void)ctx;
	(void)s;
}

static int stop_status(struct chain_run *c, enum http_result res)
{
	if (res == HTTP_INTERRUPTED)
		return AW_EXIT_INTERRUPTED;
	if (res == HTTP_STOPPED) {
		snprintf(c->err, sizeof c->err, "%s", http_error(c->run.http));
		return AW_EXIT_FAILED;
	}
	return 0;
}

static int write_report(struct chain_run *c, const char *status, const char *error)
{
	struct run *run = &c->run;
	struct run_report r;
	memset(&r, 0, sizeof r);
	snprintf(r.run_id, sizeof r.run_id, "%s", run->run_id);
	r.journal_bytes = journal_bytes(&run->journal);
	r.command = xstrdup("baseline");
	r.status = xstrdup(status);
	r.version = xstrdup(AW_VERSION);
	r.seed = run->opt->seed;
	if (c->resumed && c->previous.started[0])
		snprintf(r.started, sizeof r.started, "%s", c->previous.started);
	else
		codec_iso_time(run->started, r.started, sizeof r.started);
	if (strcmp(status, "running") != 0)
		codec_iso_time(aw_wall(), r.finished, sizeof r.finished);
	r.elapsed_seconds = (c->resumed ? c->previous.elapsed_seconds : 0) + aw_wall() - run->started;
	r.generations_done = c->done;
	r.error = error ? xstrdup(error) : NULL;
	r.settings = options_to_json(run->opt);
	cJSON *own = cJSON_AddObjectToObject(r.settings, "baseline");
	cJSON_AddStringToObject(own, "method", methods[c->b->method]);
	cJSON_AddNumberToObject(own, "stories", (double)c->b->stories);
	cJSON_AddNumberToObject(own, "chains", (double)c->b->chains);
	cJSON_AddItemToObject(own, "budget_from", c->b->budget_from ?
							   cJSON_CreateString(c->b->budget_from) :
							   cJSON_CreateNull());
	cJSON_AddStringToObject(own, "sequential_template", c->sequential_path);
	r.prompt = xstrdup(run->texts.prompt);
	for (int k = 0; k < CODEC_TEXTS; k++)
		r.files[k] = run->texts.paths[k] ? xstrdup(run->texts.paths[k]) : NULL;
	run_usage_now(run, &r.usage);
	run_usage_add(&r.usage, &run->before);
	snprintf(r.usage.logprobs, sizeof r.usage.logprobs, "off");
	r.usage.cost = -1;
	for (int k = 0; k < ROLE_N; k++)
		r.usage.roles[k].cost = budget_price(&run->budget, k,
						     (double)r.usage.roles[k].prompt_tokens,
						     (double)r.usage.roles[k].completion_tokens);
	if (r.usage.roles[ROLE_WRITER].cost >= 0)
		r.usage.cost = r.usage.roles[ROLE_WRITER].cost;
	int rc = store_write_run(run->opt->out_dir, &r, c->err, sizeof c->err);
	run_report_release(&r);
	return rc;
}

/* Write step `step` (0: the first drafts) and store it. */
static int step(struct chain_run *c, int gen)
{
	struct run *run = &c->run;
	struct writer_hooks wh = { ended, c, NULL };
	struct population pop = { 0 }, failed = { 0 };
	long left = c->b->stories - c->written;
	struct wset *w;
	char label[64];
	if (gen == 0) {
		w = writer_initial(run, &wh);
		writer_take(w, NULL, &pop);
	} else {
		w = writer_sequential(run, gen, c->sequential, &wh);
		for (size_t i = 0; i < c->heads.n && (long)i < left; i++) {
			writer_want(w, c->heads.v[i], i);
			writer_take(w, c->heads.v[i], &pop);
		}
	}
	snprintf(label, sizeof label, "step %d", gen);
	progress_begin(&run->progress, label, (long)pop.n, 0);
	writer_send(w);
	enum http_result res = http_run(run->http);
	progress_end(&run->progress);
	int st = stop_status(c, res);
	/* stories that could not be written are listed apart; their chain goes
	 * on from its previous story */
	size_t m = 0;
	for (size_t i = 0; i < pop.n; i++) {
		if (pop.v[i]->error || !pop.v[i]->text)
			population_add(&failed, pop.v[i]);
		else
			pop.v[m++] = pop.v[i];
	}
	pop.n = m;
	if (st == 0) {
		/* The step's file holds every chain's latest story, as a run's
		 * generation holds its parents: the one written now, else the
		 * chain's earlier one (a last step shorter than the chains, or a
		 * story that could not be written), so that the last step is the
		 * baseline's whole final set. */
		struct population file = { 0 };
		for (size_t k = 0; k < c->heads.n; k++) {
			struct story *now = c->heads.v[k];
			for (size_t i = 0; i < pop.n; i++)
				if (pop.v[i]->parent_id && !strcmp(pop.v[i]->parent_id, now->id))
					now = pop.v[i];
			population_add(&file, now);
		}
		struct generation g = { .gen = gen, .stories = gen == 0 ? pop : file,
					.failed = failed };
		snprintf(g.run_id, sizeof g.run_id, "%s", run->run_id);
		if (store_write_generation(run->opt->out_dir, &g, c->err, sizeof c->err) < 0)
			st = AW_EXIT_FAILED;
		free(file.v); /* the stories are pop's and the heads' */
	}
	if (st == 0) {
		run->failed_stories += (long)failed.n;
		c->written += (long)(pop.n + failed.n);
		for (size_t i = 0; i < pop.n; i++) {
			size_t chain = gen == 0 ? c->heads.n : 0;
			if (gen > 0)
				while (chain < c->heads.n &&
				       strcmp(c->heads.v[chain]->id, pop.v[i]->parent_id) != 0)
					chain++;
			if (chain < c->heads.n) {
				story_free(c->heads.v[chain]);
				c->heads.v[chain] = story_copy(pop.v[i]);
			} else {
				population_add(&c->heads, story_copy(pop.v[i]));
			}
		}
		c->done = gen + 1;
	}
	population_free(&pop);
	population_free(&failed);
	writer_free(w);
	if (st == 0 && write_report(c, "running", NULL) < 0)
		st = AW_EXIT_FAILED;
	return st;
}

/* A resumed baseline: the steps written, each chain's latest story and the
 * journal of the step it was in. */
static int load_previous(struct chain_run *c)
{
	struct run *run = &c->run;
	struct population last = { 0 };
	run->resume = resume_open(run->opt->out_dir, &c->previous, &run->ratings, &last, &c->done,
				  c->err, sizeof c->err);
	if (!run->resume)
		return -1;
	run->before = c->previous.usage;
	run->before.reused_stories = run->before.reused_matches = 0;
	run_usage_add(&run->before, resume_spent_after(run->resume));
	run->process = (int)c->previous.nresumes + 1;
	snprintf(run->run_id, sizeof run->run_id, "%s", c->previous.run_id);
	/* the chain heads: walk the steps, the latest story of each chain */
	for (int g = 0; g < c->done; g++) {
		struct generation gf;
		if (store_read_generation(run->opt->out_dir, g, &gf, c->err, sizeof c->err) < 0)
			return -1;
		c->written += (long)gf.failed.n;
		for (size_t i = 0; i < gf.stories.n; i++) {
			const struct story *s = gf.stories.v[i];
			if (s->born != g)
				continue; /* a chain's earlier story, carried over */
			c->written++;
			size_t chain = 0;
			while (g > 0 && chain < c->heads.n &&
			       strcmp(c->heads.v[chain]->id, s->parent_id ? s->parent_id : "") != 0)
				chain++;
			if (g > 0 && chain < c->heads.n) {
				story_free(c->heads.v[chain]);
				c->heads.v[chain] = story_copy(s);
			} else {
				population_add(&c->heads, story_copy(s));
			}
		}
		generation_release(&gf);
	}
	population_free(&last);
	return 0;
}

/* Read and check the step template. */
static int load_sequential(struct chain_run *c, const char *dir)
{
	static const char *const vars[] = { "prompt", "parent", "max_words" };
	c->sequential_path = dir ? xasprintf("%s/%s", dir, CODEC_SEQUENTIAL) :
				   data_path("prompts/sequential.txt");
	if (!c->sequential_path)
		return aw_fail(c->err, sizeof c->err,
			       "cannot find the bundled 'prompts/sequential.txt' (set ALPHAWRITE_DATADIR)");
	if (data_read_text(c->sequential_path, &c->sequential, c->err, sizeof c->err) < 0)
		return -1;
	return template_check(c->sequential, c->sequential_path, vars, AW_ARRAY_LEN(vars), c->err,
			      sizeof c->err);
}

/* The options, the texts and the directory: 0, or an exit status (-1:
 * --help was printed). */
static int prepare(struct chain_run *c, int argc, char **argv)
{
	const struct cli_command *cmd = baseline_command();
	struct baseline_options *b = c->b;
	struct options *o = &b->o;
	struct run *run = &c->run;
	unsigned char given[64];
	int first;
	run->journal.fd = -1;
	c->lock = -1;
	options_defaults(o);
	enum cli_result cr = cli_parse(cmd, b, given, argc, argv, &first);
	if (cr != CLI_RUN)
		return cr == CLI_EXIT ? -1 : AW_EXIT_USAGE;
	if (first < argc)
		return cli_usage(cmd, "unexpected argument '%s'", argv[first]);
	options_mark_given(o, cmd, given);
	if (o->resume_dir) {
		if (o->out_dir)
			return cli_usage(cmd, "options '--out' and '--resume' exclude each other");
		o->out_dir = o->resume_dir;
		if (store_read_run(o->resume_dir, &c->previous, c->err, sizeof c->err) < 0)
			return cli_usage(cmd, "%s", c->err);
		c->resumed = 1;
		const cJSON *own = cJSON_GetObjectItemCaseSensitive(c->previous.settings, "baseline");
		if (!c->previous.command || strcmp(c->previous.command, "baseline") != 0 || !own)
			return cli_usage(cmd, "'%s' holds no baseline (resume a run with "
					      "`alphawrite evolve --resume`)", o->resume_dir);
		b->stories = (long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(own, "stories"));
		b->chains = (long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(own, "chains"));
		if (b->stories < 1 || b->chains < 1)
			return cli_usage(cmd, "'%s/run.json': the baseline's settings are not valid",
					 o->resume_dir);
		o->population = b->chains;
		o->variants = 1;
		if (options_resume(o, c->previous.settings) != OPTIONS_RUN)
			return AW_EXIT_USAGE;
	} else {
		if (!b->budget_from == !b->stories)
			return cli_usage(cmd, "give --budget-from RUN_DIR or --stories N (one of them)");
		if (b->budget_from && budget_of(b->budget_from, &b->stories, c->err, sizeof c->err) < 0)
			return cli_usage(cmd, "option '--budget-from': %s", c->err);
		o->population = b->chains;
		o->top = 1;
		o->variants = 1;
		o->generations = 0;
		if (options_complete(o) != OPTIONS_RUN)
			return AW_EXIT_USAGE;
		if (b->chains > b->stories)
			return cli_usage(cmd, "option '--chains': %ld chains need at least %ld stories, "
					      "and the budget is %ld", b->chains, b->chains, b->stories);
	}
	run->opt = o;
	run->started = aw_wall();
	rng_seed(&run->rng, o->seed);
	char *inputs = c->resumed ? xasprintf("%s/%s", o->out_dir, CODEC_INPUTS) : NULL;
	int bad = texts_load(&run->texts, o, inputs, c->err, sizeof c->err) < 0 ||
		  load_sequential(c, inputs ? inputs : o->prompts_dir) < 0 ||
		  (c->resumed ? (c->lock = store_prepare(o->out_dir, 1, c->err, sizeof c->err)) < 0 ||
					load_previous(c) < 0 :
				store_check(o->out_dir, 0, c->err, sizeof c->err) < 0);
	free(inputs);
	return bad ? AW_EXIT_USAGE : 0;
}

int baseline_main(int argc, char **argv)
{
	struct baseline_options b;
	struct chain_run c;
	memset(&b, 0, sizeof b);
	memset(&c, 0, sizeof c);
	c.b = &b;
	struct run *run = &c.run;
	int status = prepare(&c, argc, argv);
	if (status != 0) {
		if (status > 0 && c.err[0] && status != AW_EXIT_USAGE)
			aw_error("%s", c.err);
		else if (status == AW_EXIT_USAGE && c.err[0])
			aw_error("%s", c.err);
		status = status < 0 ? AW_EXIT_OK : status;
		goto early;
	}
	if (c.written >= b.stories) {
		if (!b.o.quiet)
			printf("alphawrite: the baseline in %s/ is complete (%ld stories); nothing to do\n",
			       b.o.out_dir, c.written);
		goto early;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct http_config hc;
	endpoint_config(&hc, &b.o, &run->progress);
	struct endpoint_spec w = { "writer", b.o.base_url, b.o.api_key,
				   (const char *const *)b.o.headers.v, b.o.headers.n,
				   b.o.extra_body, b.o.model, b.o.token_param };
	int judge_ep;
	status = AW_EXIT_FAILED;
	run_setup_budget(run);
	if (!b.o.no_preflight &&
	    endpoint_preflight(&hc, &w, 1, &run->budget, &run->preflight_requests, c.err,
			       sizeof c.err) < 0)
		goto out;
	if (!c.resumed) {
		if ((c.lock = store_prepare(b.o.out_dir, 0, c.err, sizeof c.err)) < 0)
			goto out;
		aw_random_id(run->run_id, sizeof run->run_id);
		char *inputs = xasprintf("%s/%s", b.o.out_dir, CODEC_INPUTS);
		int bad = store_write_inputs(b.o.out_dir, &run->texts, c.err, sizeof c.err) < 0 ||
			  store_write_file(inputs, CODEC_SEQUENTIAL, c.sequential, strlen(c.sequential),
					   c.err, sizeof c.err) < 0;
		free(inputs);
		if (bad)
			goto out;
	}
	run->http = endpoint_client(&hc, &w, NULL, &judge_ep, c.err, sizeof c.err);
	if (!run->http)
		goto out;
	progress_init(&run->progress, b.o.quiet, http_stats(run->http));
	struct journal_record header = { 0 };
	header.type = CODEC_REC_RUN;
	snprintf(header.run_id, sizeof header.run_id, "%s", run->run_id);
	header.seed = b.o.seed;
	if (c.resumed ? journal_open(&run->journal, b.o.out_dir, &header, c.err, sizeof c.err) < 0 ||
				write_report(&c, "running", NULL) < 0 :
			write_report(&c, "running", NULL) < 0 ||
				journal_open(&run->journal, b.o.out_dir, &header, c.err, sizeof c.err) < 0)
		goto out;
	status = 0;
	for (int g = c.done; status == 0 && c.written < b.stories; g++)
		status = step(&c, g);
	const char *state = status == 0 ? "complete" :
			    status == AW_EXIT_INTERRUPTED ? "interrupted" : "failed";
	char err2[1024];
	snprintf(err2, sizeof err2, "%s", c.err);
	if (write_report(&c, state, status && status != AW_EXIT_INTERRUPTED ? err2 : NULL) < 0 &&
	    status == 0)
		status = AW_EXIT_FAILED;
	if (status == AW_EXIT_INTERRUPTED)
		aw_error("interrupted; %d step%s written to %s/ (continue with `alphawrite baseline "
			 "--resume %s`)", c.done, c.done == 1 ? "" : "s", b.o.out_dir, b.o.out_dir);
	else if (status == 0)
		printf("alphawrite: baseline of %ld stories in %ld chains (%d steps) written to %s/\n",
		       c.written, b.chains, c.done, b.o.out_dir);
out:
	if (status == AW_EXIT_FAILED)
		aw_error("%s", c.err);
	http_free(run->http);
	curl_global_cleanup();
early:
	journal_close(&run->journal);
	resume_free(run->resume);
	run_report_release(&c.previous);
	population_free(&c.heads);
	bt_ratings_free(&run->ratings);
	texts_free(&run->texts);
	free(c.sequential);
	free(c.sequential_path);
	options_release(&b.o);
	if (c.lock >= 0)
		close(c.lock);
	return status;
}
