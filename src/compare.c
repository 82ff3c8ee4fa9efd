/*
 * compare.c - `alphawrite compare` (see compare.h): two sets of stories
 * judged head to head, and the report of any such comparison.
 *
 * Everything that can be wrong with the input is found before the verdict
 * file is opened or a request is sent: the options, both sets, the texts,
 * the output paths and the verdict file already there (exit 2).  Then the
 * pairs are drawn, every (pair, judge, order) becomes a job, and a job
 * whose verdict the file holds takes it from there; the others are asked
 * through the same machinery as the tournament (llm.h over http.h:
 * retries, re-asks with judge-reask.txt, logprobs via verdict.h), each
 * verdict appended to the file as it arrives.
 *
 * A request is a function of the seed and of what it asks - the judge, the
 * two texts in their order and how many times that exact question was
 * asked before in this comparison - never of arrival order: its fence tags
 * and its seed are drawn from that identity.  So a rerun sends the very
 * requests the interrupted run would have sent.
 */
#include "aw/compare.h"
#include "aw/buf.h"
#include "aw/endpoint.h"
#include "aw/cli.h"
#include "aw/data.h"
#include "aw/http.h"
#include "aw/idmap.h"
#include "aw/interrupt.h"
#include "aw/judge.h"
#include "aw/llm.h"
#include "aw/options.h"
#include "aw/pairs.h"
#include "aw/progress.h"
#include "aw/rng.h"
#include "aw/sets.h"
#include "aw/stats.h"
#include "aw/store.h"
#include "aw/template.h"
#include "aw/util.h"
#include "aw/verdict.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


/* The settings of `compare`: the judge's, as evolve reads them (rows taken
 * from its table, so struct options comes first), and its own. */
struct compare_options {
	struct options o;           /* endpoint, judge and request settings */
	struct cli_list judges;     /* --judge-model, one or more */
	long pairs;                 /* pairs drawn */
	long top;                   /* best stories taken from a ranked set */
	const char *out;            /* --out FILE, or NULL */
	const char *verdicts_dir;   /* --verdicts-dir DIR, or NULL */
	const char *verdicts;       /* --verdicts FILE: report only */
};

#define F(field) offsetof(struct compare_options, field)

/* Evolve's rows a compare takes: the endpoint, the judge's settings, the
 * texts it judges with, the caps. */
static const char *const evolve_rows[] = {
	"base-url", "header", "extra-body", "prompt", "prompt-file", "rubric", "prompts-dir",
	"judge-logprobs", "judge-temperature", "judge-max-tokens", "token-param", "concurrency",
	"timeout", "retries", "cacert", "seed", "max-requests", "max-tokens", "max-cost",
	"judge-price-in", "judge-price-out", "no-preflight", "quiet", NULL
};

static const struct cli_row own_rows[] = {
	{ "judge-model", CLI_LIST, F(judges), 0, 0, "J", "judge model (required; repeat for a panel: every pair is judged by each)", NULL, NULL, NULL, 0 },
	{ "pairs", CLI_LONG, F(pairs), 1, 1000000, "N", "pairs judged, each in both orders, spread evenly over the stories", "120", NULL, NULL, 0 },
	{ "top", CLI_LONG, F(top), 1, 100000, "K", "take the K best stories of a ranked set (an unranked set: all)", "5", NULL, NULL, 0 },
	{ "out", CLI_STR, F(out), 0, 0, "FILE", "also write the JSON to FILE; verdicts go to FILE.verdicts.jsonl", NULL, NULL, NULL, 0 },
	{ "verdicts-dir", CLI_STR, F(verdicts_dir), 0, 0, "DIR", "keep the verdict file in DIR", NULL, "next to --out, else the current directory", NULL, 0 },
	{ "verdicts", CLI_STR, F(verdicts), 0, 0, "FILE", "report on the verdicts in FILE (compare's or rate's); no request", NULL, NULL, NULL, 0 },
	{ "help", CLI_HELP, 0, 0, 0, NULL, "show this help and exit", NULL, NULL, NULL, 0 },
};

static struct cli_row rows[64];
static struct cli_command command = {
	"compare",
	"alphawrite compare --judge-model J [options] SET_A SET_B\n"
	"alphawrite compare [options] --verdicts FILE.jsonl",
	"Judge stories of SET_A against stories of SET_B in pairs, each pair in both\n"
	"orders, and report how often A's story is preferred, with a Wilson interval,\n"
	"a bootstrap interval over stories, a sign test and a length-controlled rate.\n"
	"A SET is a run directory (its last generation), a generation file, a baseline\n"
	"directory, or a JSON Lines file of {\"id\": ..., \"text\": ...}.  Verdicts are\n"
	"kept as they arrive; the same command run again asks only what is missing.",
	rows,
	0,
	"environment:\n"
	"  OPENAI_API_KEY     sent as 'Authorization: Bearer ...' and nowhere else\n"
	"  OPENAI_BASE_URL    endpoint when --base-url is not given (OPENAI_API_BASE too)\n"
	"  ALPHAWRITE_DATADIR where the bundled prompts/ and rubrics/ are\n"
	"\n"
	"exit status: 0 done, 1 the endpoint refused or a file could not be written,\n"
	"2 usage or input error (nothing sent, nothing written), 130 interrupted.\n",
};

const struct cli_command *compare_command(void)
{
	if (!command.nrows) {
		size_t n = options_rows(evolve_rows, rows, AW_ARRAY_LEN(rows));
		for (size_t i = 0; i < AW_ARRAY_LEN(own_rows) && n < AW_ARRAY_LEN(rows); i++)
			rows[n++] = own_rows[i];
		cli_redefault(rows, n, "seed", "seed of the pairs and of every request's seed", "1");
		cli_redefault(rows, n, "prompt", "the writing prompt the stories answer",
			      "set A's run's");
		command.nrows = n;
	}
	return &command;
}

/* ================================================================ texts */

/* Read a text: the file given, else dir/name, else the bundled rel. */
static int load_file(const char *given, const char *dir, const char *name, const char *rel,
		     char **out, char *err, size_t errlen)
{
	char *path = given ? xstrdup(given) : dir ? xasprintf("%s/%s", dir, name) : data_path(rel);
	if (!path)
		return aw_fail(err, errlen,
			       "cannot find the bundled '%s' (set ALPHAWRITE_DATADIR, or pass the file as an option)",
			       rel);
	int rc = data_read_text(path, out, err, errlen);
	free(path);
	return rc;
}

static void rtrim(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && strchr(" \t\r\n", s[n - 1]))
		s[--n] = '\0';
}

int compare_load_prompt(const char *prompt, const char *prompt_file, const struct set *a,
			char **out, char *err, size_t errlen)
{
	*out = NULL;
	if (prompt && prompt_file)
		return aw_fail(err, errlen, "options '--prompt' and '--prompt-file' exclude each other");
	if (prompt) {
		if (!prompt[strspn(prompt, " \t\r\n")])
			return aw_fail(err, errlen, "option '--prompt' needs a non-empty value");
		if (!data_utf8_valid(prompt, strlen(prompt), NULL))
			return aw_fail(err, errlen, "option '--prompt': the text is not valid UTF-8");
		*out = xstrdup(prompt);
	} else if (prompt_file) {
		if (data_read_text(prompt_file, out, err, errlen) < 0)
			return -1;
	} else if (!(*out = sets_prompt(a))) {
		return aw_fail(err, errlen,
			       "no writing prompt: '%s' is not part of a run that records one; "
			       "give --prompt or --prompt-file",
			       a->path);
	}
	rtrim(*out);
	return 0;
}

int compare_load_rubric(const char *file, char **out, char *err, size_t errlen)
{
	if (load_file(file, NULL, NULL, "rubrics/story.txt", out, err, errlen) < 0)
		return -1;
	rtrim(*out);
	return 0;
}

/* ================================================================ output */

int compare_check_output(const char *path, char *err, size_t errlen)
{
	struct stat st;
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
	int rc = 0;
	if (!*path || (slash && !slash[1]))
		rc = aw_fail(err, errlen, "'%s' is not a file name", path);
	else if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		rc = aw_fail(err, errlen, "'%s' is a directory, not a file", path);
	else if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		rc = aw_fail(err, errlen, "cannot write '%s': no directory '%s'", path, dir);
	else if (access(dir, W_OK) < 0)
		rc = aw_fail(err, errlen, "cannot write '%s':", path);
	free(dir);
	return rc;
}

/* Write text to path atomically (store.h). */
static int write_out(const char *path, const char *text, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
	int rc = store_write_file(dir, slash ? slash + 1 : path, text, strlen(text), err, errlen);
	free(dir);
	return rc;
}

static cJSON *num_or_null(double x)
{
	return isfinite(x) ? cJSON_CreateNumber(x) : cJSON_CreateNull();
}

/* The statistics of judge k's scores (k = nj: the pairs' scores). */
static int summarise(const struct pairs_scores *s, size_t k, uint64_t seed,
		     struct stats_summary *out)
{
	struct stats_pair *p = xmalloc((s->n ? s->n : 1) * sizeof *p);
	size_t m = 0;
	for (size_t i = 0; i < s->n; i++) {
		double score = k == s->nj ? s->g[i].score : s->by_judge[i * s->nj + k];
		if (isnan(score))
			continue;
		p[m].a = s->g[i].ia;
		p[m].b = s->g[i].ib;
		p[m].score = score;
		p[m].dlen = s->g[i].dlen;
		m++;
	}
	int rc = stats_summarise(p, m, s->na, s->nb, seed, out);
	free(p);
	return rc;
}

static void add_summary(cJSON *o, const struct stats_summary *st, long both, long agree)
{
	cJSON_AddNumberToObject(o, "pairs", (double)st->pairs);
	cJSON_AddNumberToObject(o, "a_wins", (double)st->a_wins);
	cJSON_AddNumberToObject(o, "b_wins", (double)st->b_wins);
	cJSON_AddNumberToObject(o, "ties", (double)st->ties);
	cJSON_AddNumberToObject(o, "win_rate", st->win_rate);
	cJSON_AddNumberToObject(o, "ci_lo", st->ci_lo);
	cJSON_AddNumberToObject(o, "ci_hi", st->ci_hi);
	cJSON_AddNumberToObject(o, "ci_boot_lo", st->ci_boot_lo);
	cJSON_AddNumberToObject(o, "ci_boot_hi", st->ci_boot_hi);
	cJSON_AddNumberToObject(o, "p_value", st->p_value);
	cJSON_AddItemToObject(o, "order_agreement",
			      both ? cJSON_CreateNumber((double)agree / (double)both) :
				     cJSON_CreateNull());
	cJSON_AddItemToObject(o, "length_controlled_win_rate", num_or_null(st->length_controlled));
	cJSON_AddNumberToObject(o, "distinct_pairs", (double)st->distinct_pairs);
}

static const char *winner_word(char w)
{
	return w == 'a' ? "a" : w == 'b' ? "b" : w == 't' ? "tie" : NULL;
}

int compare_report(const struct vote_list *votes, const struct compare_input *in)
{
	struct pairs_scores s;
	char err[512];
	if (pairs_score(votes->v, votes->n, in->a_ids, in->na, in->b_ids, in->nb, in->judges, in->nj,
			&s, err, sizeof err) < 0) {
		aw_error("%s%s%s", in->verdicts_path ? in->verdicts_path : "",
			 in->verdicts_path ? ": " : "", err);
		return AW_EXIT_USAGE;
	}
	struct stats_summary all;
	if (summarise(&s, s.nj, in->seed, &all) < 0) {
		aw_error("internal error: the statistics refused the scores");
		pairs_scores_release(&s);
		return AW_EXIT_FAILED;
	}
	long both = 0, agree = 0;
	cJSON *judges = cJSON_CreateArray();
	for (size_t k = 0; k < s.nj; k++) {
		both += s.j[k].both;
		agree += s.j[k].agree;
		cJSON_AddItemToArray(judges, cJSON_CreateString(s.j[k].name));
	}

	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "a", in->a_desc);
	cJSON_AddStringToObject(root, "b", in->b_desc);
	cJSON_AddItemToObject(root, "judges", judges);
	add_summary(root, &all, both, agree);
	cJSON_AddNumberToObject(root, "length_phi", isfinite(all.length_phi) ? all.length_phi : 0);
	if (in->pairs_drawn >= 0)
		cJSON_AddNumberToObject(root, "pairs_drawn", (double)in->pairs_drawn);
	cJSON_AddNumberToObject(root, "incomplete_pairs", (double)(s.n - (size_t)s.complete));
	cJSON_AddNumberToObject(root, "verdicts", (double)votes->n);
	if (in->lost >= 0)
		cJSON_AddNumberToObject(root, "lost_verdicts", (double)in->lost);
	cJSON_AddNumberToObject(root, "a_stories", (double)s.na);
	cJSON_AddNumberToObject(root, "b_stories", (double)s.nb);
	cJSON_AddItemToObject(root, "verdicts_file",
			      in->verdicts_path ? cJSON_CreateString(in->verdicts_path) :
						  cJSON_CreateNull());
	char seed[32];
	snprintf(seed, sizeof seed, "%llu", (unsigned long long)in->seed);
	cJSON_AddItemToObject(root, "seed", cJSON_CreateRaw(seed));
	if (s.nj > 1) {
		cJSON *pj = cJSON_AddArrayToObject(root, "per_judge");
		for (size_t k = 0; k < s.nj; k++) {
			struct stats_summary st;
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "judge", s.j[k].name);
			if (summarise(&s, k, in->seed, &st) == 0)
				add_summary(o, &st, s.j[k].both, s.j[k].agree);
			cJSON_AddItemToArray(pj, o);
		}
	}
	cJSON *detail = cJSON_AddArrayToObject(root, "pairs_detail");
	for (size_t i = 0; i < s.n; i++) {
		const struct pairs_group *g = &s.g[i];
		cJSON *o = cJSON_CreateObject();
		if (g->pair >= 0)
			cJSON_AddNumberToObject(o, "pair", (double)g->pair);
		cJSON_AddStringToObject(o, "a_id", g->a_id);
		cJSON_AddStringToObject(o, "b_id", g->b_id);
		cJSON_AddItemToObject(o, "score", num_or_null(g->score));
		cJSON *vs = cJSON_AddArrayToObject(o, "verdicts");
		for (size_t x = 0; x < g->nvotes; x++) {
			const struct vote *v = &votes->v[g->votes[x]];
			cJSON *vo = cJSON_CreateObject();
			cJSON_AddStringToObject(vo, "first", v->first == 'b' ? "b" : "a");
			cJSON_AddStringToObject(vo, "judge", v->judge);
			const char *w = winner_word(v->winner);
			cJSON_AddItemToObject(vo, "winner", w ? cJSON_CreateString(w) : cJSON_CreateNull());
			if (v->has_p)
				cJSON_AddNumberToObject(vo, "p_a", v->p_a);
			cJSON_AddItemToArray(vs, vo);
		}
		cJSON_AddItemToArray(detail, o);
	}

	int status = AW_EXIT_OK;
	char *json = cJSON_Print(root);
	cJSON_Delete(root);
	if (!json) {
		aw_error("out of memory");
		pairs_scores_release(&s);
		return AW_EXIT_FAILED;
	}
	puts(json);
	if (in->out) {
		char *text = xasprintf("%s\n", json);
		if (write_out(in->out, text, err, sizeof err) < 0) {
			aw_error("%s", err);
			status = AW_EXIT_FAILED;
		}
		free(text);
	}
	cJSON_free(json);

	if (!in->quiet) {
		/* both intervals: Wilson's for these stories, the bootstrap's
		 * for stories made the same way (the one to quote) */
		fprintf(stderr, "%s vs %s: A preferred %.1f%% (%.1f\xe2\x80\x93%.1f%%; over stories "
				"%.1f\xe2\x80\x93%.1f%%) over %ld pair%s",
			in->a_label, in->b_label, 100 * all.win_rate, 100 * all.ci_lo, 100 * all.ci_hi,
			100 * all.ci_boot_lo, 100 * all.ci_boot_hi, all.pairs, all.pairs == 1 ? "" : "s");
		if (both)
			fprintf(stderr, ", orders agree %.0f%%", 100.0 * (double)agree / (double)both);
		if ((size_t)s.complete < s.n)
			fprintf(stderr, " (%zu incomplete, left out)", s.n - (size_t)s.complete);
		fputc('\n', stderr);
	}
	pairs_scores_release(&s);
	return status;
}

/* ============================================================== judging */

struct cmp;

/* One verdict to have: a pair, a judge, an order. */
struct job {
	struct cmp *c;              /* the comparison */
	size_t pair;                /* index in the drawn list */
	size_t judge;               /* index among the judges */
	char first;                 /* 'a' or 'b': shown first */
	const struct story *sa;     /* set A's story */
	const struct story *sb;     /* set B's story */
	char *id;                   /* what it asks, for its seed and fences */
	char *prompt;               /* the rendered judge prompt, while asked */
	char *first_reply;          /* a reply without a verdict, for the follow-up */
	int asks;                   /* requests made */
	int lost_tries;             /* of those, asked again after a request
				     * failed for good */
};

struct cmp {
	struct compare_options *o;  /* settings */
	struct set a, b;            /* the two sets */
	char *prompt;               /* the writing prompt */
	char *rubric;               /* the rubric */
	char *judge_tmpl;           /* prompts/judge.txt */
	char *reask;                /* prompts/judge-reask.txt, rendered */
	char context[17];           /* hash of what a verdict is asked under */
	char (*hash_a)[17];         /* fingerprint of each story of A */
	char (*hash_b)[17];         /* ... and of B */
	struct pair *pairs;         /* the drawn pairs */
	size_t npairs;
	char *vpath;                /* the verdict file */
	struct vote_list file;      /* what it held when we began */
	struct vote_file vf;        /* it, open for appending */
	struct vote_list votes;     /* this comparison's verdicts */
	struct job *jobs;           /* every verdict to have */
	size_t njobs;
	struct http *http;          /* the HTTP client */
	struct budget budget;       /* the caps, and what was spent */
	int key_sent;               /* an API key goes with every request */
	struct llm_usage usage;     /* tokens reported */
	struct progress progress;   /* what the user sees */
	long reused;                /* verdicts taken from the file */
	long asked;                 /* verdicts asked for */
	long lost;                  /* of those, lost (the request failed) */
	long reasks;                /* judge replies asked again */
	int logprobs_refused;       /* the endpoint refused logprobs */
	int logprobs_absent;        /* it answered without them */
	long soft;                  /* verdicts with a probability */
	char err[1024];             /* the last error */
};

static int want_logprobs(const struct cmp *c)
{
	if (c->o->o.logprobs == LOGPROBS_OFF || c->logprobs_refused)
		return 0;
	if (c->o->o.logprobs == LOGPROBS_AUTO && c->logprobs_absent >= 3 && !c->soft)
		return 0;
	return 1;
}

/* A new vote for job j, with what every vote of it says. */
static void vote_for(const struct job *j, struct vote *v)
{
	const struct cmp *c = j->c;
	vote_init(v);
	v->judge = xstrdup(c->o->judges.v[j->judge]);
	v->pair = (long)j->pair;
	v->a_id = xstrdup(j->sa->id);
	v->b_id = xstrdup(j->sb->id);
	v->first = j->first;
	v->a_words = j->sa->words;
	v->b_words = j->sb->words;
	v->a_hash = xstrdup(c->hash_a[c->pairs[j->pair].a]);
	v->b_hash = xstrdup(c->hash_b[c->pairs[j->pair].b]);
	v->context = xstrdup(c->context);
}

/* The job has its outcome (v: the vote, or NULL when it was lost). */
static void job_done(struct job *j, struct vote *v)
{
	struct cmp *c = j->c;
	free(j->prompt);
	j->prompt = NULL;
	free(j->first_reply);
	j->first_reply = NULL;
	progress_match(&c->progress, v == NULL || !v->winner);
	if (!v) {
		c->lost++;
		return;
	}
	if (vote_file_append(&c->vf, v) < 0) {
		char msg[512];
		aw_fail(msg, sizeof msg, "cannot write '%s':", c->vpath);
		http_abort(c->http, msg);
	}
	vote_list_add(&c->votes, v);
}

static void ask(struct job *j);

static enum http_outcome on_text(void *ctx, const struct llm_reply *reply, char *why,
				 size_t whylen)
{
	struct job *j = ctx;
	struct cmp *c = j->c;
	struct verdict vd;
	(void)why;
	(void)whylen;
	if (verdict_parse(reply->content, &vd) == 0) {
		struct vote v;
		vote_for(j, &v);
		char other = j->first == 'a' ? 'b' : 'a';
		v.winner = vd.winner == 'A' ? j->first : other;
		v.asks = j->asks;
		v.reason = vd.reason;
		if (!v.reason && j->first_reply)
			v.reason = xstrdup(j->first_reply);
		double p;
		if (reply->logprobs) {
			if (verdict_logprob(reply->logprobs, &vd, &p) == 0) {
				v.has_p = 1;
				v.p_a = j->first == 'a' ? p : 1 - p; /* for A's story */
				c->soft++;
			}
		} else if (c->o->o.logprobs != LOGPROBS_OFF && !c->logprobs_refused) {
			c->logprobs_absent++;
		}
		job_done(j, &v);
		return HTTP_OK;
	}
	verdict_release(&vd);
	int replies = j->asks - j->lost_tries; /* failed requests are not replies */
	if (replies < JUDGE_ASKS) {
		if (!j->first_reply)
			j->first_reply = xstrdup(reply->content);
		c->reasks++;
		ask(j);
		return HTTP_OK;
	}
	struct vote v;
	vote_for(j, &v);
	v.asks = j->asks;
	v.error = xasprintf("no verdict in %d judge replies", replies);
	job_done(j, &v);
	return HTTP_OK;
}

/* The request failed for good (the HTTP client retried it): that is not a
 * verdict.  As in the tournament, the question is asked again later (the
 * same request, behind every request queued now), JUDGE_LOST_ASKS times;
 * then the verdict is lost: not written, so that a rerun asks for it. */
static void on_fail(void *ctx, const char *why)
{
	struct job *j = ctx;
	if (j->lost_tries < JUDGE_LOST_ASKS) {
		j->lost_tries++;
		ask(j);
		return;
	}
	if (!j->c->o->o.quiet && !j->c->lost) /* the first says why; the count says how many */
		fprintf(stderr, "alphawrite: a judge request failed for good: %s\n", why);
	job_done(j, NULL);
}

/* Send job j's request: the judge prompt, or after a reply with no
 * verdict, that conversation and the follow-up. */
static void ask(struct job *j)
{
	struct cmp *c = j->c;
	const struct compare_options *o = c->o;
	if (!j->prompt) {
		struct rng r;
		rng_seed(&r, rng_request_seed(o->o.seed, j->id, -1));
		const struct story *first = j->first == 'a' ? j->sa : j->sb;
		const struct story *second = j->first == 'a' ? j->sb : j->sa;
		j->prompt = judge_prompt(c->judge_tmpl, c->prompt, c->rubric, &r, first->text,
					 second->text);
	}
	struct llm_request req = {
		.model = o->judges.v[j->judge],
		.temperature = o->o.judge_temperature,
		.top_p = 1.0,
		.max_tokens = o->o.judge_max_tokens,
		.token_param = o->o.token_param,
		.has_seed = 1,
		/* asked again after a failed request: the same question, the
		 * same seed */
		.seed = rng_request_seed(o->o.seed, j->id, j->asks - j->lost_tries),
		.msg = { { "user", j->prompt } },
		.nmsg = 1,
		.top_logprobs = want_logprobs(c) ? JUDGE_TOP_LOGPROBS : 0,
		.logprobs_refused = o->o.logprobs == LOGPROBS_AUTO ? &c->logprobs_refused : NULL,
		.role = ROLE_JUDGE,
		.role_name = "judge",
		.key_sent = c->key_sent,
		.extra = o->o.extra_body,
		.budget = &c->budget,
	};
	if (j->first_reply) {
		req.msg[1] = (struct llm_message){ "assistant", j->first_reply };
		req.msg[2] = (struct llm_message){ "user", c->reask };
		req.nmsg = 3;
	}
	j->asks++;
	llm_ask(c->http, &req, &c->usage, on_text, on_fail, j);
}

/* ------------------------------------------------------ taking from file */

/* A verdict list per question (judge, context, text shown first, text
 * shown second), in file order, and which of them are taken. */
struct bucket {
	size_t *idx;                /* indices into the file's votes */
	unsigned char *used;        /* per entry: taken */
	size_t n;
};

/* The verdict of bucket b for a job of pair `pair`: the one recorded for
 * that pair when there is one (a pair drawn twice then gets its own two
 * verdicts back, whatever order they arrived in), else the first not
 * taken; -1 when all are taken. */
static long bucket_take(struct bucket *b, const struct vote_list *file, long pair)
{
	long any = -1;
	for (size_t i = 0; i < b->n; i++) {
		if (b->used[i])
			continue;
		if (file->v[b->idx[i]].pair == pair) {
			any = (long)i;
			break;
		}
		if (any < 0)
			any = (long)i;
	}
	if (any >= 0)
		b->used[any] = 1;
	return any < 0 ? -1 : (long)b->idx[any];
}

static char *question(const char *judge, const char *context, const char *h1, const char *h2)
{
	return xasprintf("%s\x1f%s\x1f%s\x1f%s", judge, context, h1, h2);
}

/* Turn file vote f, on the same question as job j, into j's vote: the
 * winner and p_a as they read for this comparison's sets. */
static void take_vote(const struct job *j, const struct vote *f, struct vote *v)
{
	vote_for(j, v);
	/* Which of the two shown won, in f's terms: the first or second. */
	int first_won = f->winner == f->first;
	char other = j->first == 'a' ? 'b' : 'a';
	if (f->winner == 'a' || f->winner == 'b')
		v->winner = first_won ? j->first : other;
	else
		v->winner = f->winner;
	if (f->has_p) {
		double p_first = f->first == 'a' ? f->p_a : 1 - f->p_a;
		v->has_p = 1;
		v->p_a = j->first == 'a' ? p_first : 1 - p_first;
	}
	v->asks = f->asks;
	v->reason = f->reason ? xstrdup(f->reason) : NULL;
	v->error = f->error ? xstrdup(f->error) : NULL;
}

/* Give every job whose question the file answers its verdict; returns how
 * many jobs are left to ask. */
static size_t reuse(struct cmp *c)
{
	struct idmap qmap = IDMAP_INIT;
	struct bucket *b = NULL;
	char **keys = NULL;
	size_t nb = 0;
	for (size_t i = 0; i < c->file.n; i++) {
		const struct vote *f = &c->file.v[i];
		if (!f->context || strcmp(f->context, c->context) != 0 || !f->a_hash || !f->b_hash)
			continue;
		const char *h1 = f->first == 'a' ? f->a_hash : f->b_hash;
		const char *h2 = f->first == 'a' ? f->b_hash : f->a_hash;
		char *key = question(f->judge, f->context, h1, h2);
		int k = idmap_get(&qmap, key);
		if (k < 0) {
			b = xrealloc(b, (nb + 1) * sizeof *b);
			keys = xrealloc(keys, (nb + 1) * sizeof *keys);
			memset(&b[nb], 0, sizeof *b);
			keys[nb] = key;
			k = (int)nb++;
			idmap_put(&qmap, key, k);
		} else {
			free(key);
		}
		b[k].idx = xrealloc(b[k].idx, (b[k].n + 1) * sizeof *b[k].idx);
		b[k].used = xrealloc(b[k].used, b[k].n + 1);
		b[k].used[b[k].n] = 0;
		b[k].idx[b[k].n++] = i;
	}
	/* The jobs ask questions in a fixed order; a job takes a verdict of
	 * its question (its own pair's first), and the identity of the
	 * request it would send says which time it is asked (for its seed). */
	struct idmap jmap = IDMAP_INIT;
	char **jkeys = xmalloc((c->njobs ? c->njobs : 1) * sizeof *jkeys);
	long *times = xcalloc(c->njobs ? c->njobs : 1, sizeof *times);
	size_t nj = 0, left = 0;
	for (size_t i = 0; i < c->njobs; i++) {
		struct job *j = &c->jobs[i];
		const struct pair *p = &c->pairs[j->pair];
		const char *ha = c->hash_a[p->a], *hb = c->hash_b[p->b];
		char *key = question(c->o->judges.v[j->judge], c->context, j->first == 'a' ? ha : hb,
				     j->first == 'a' ? hb : ha);
		int q = idmap_get(&jmap, key);
		if (q < 0) {
			jkeys[nj] = key;
			q = (int)nj++;
			idmap_put(&jmap, key, q);
		} else {
			free(key);
		}
		j->id = xasprintf("compare\x1f%s\x1f%ld", jkeys[q], times[q]++);
		int k = idmap_get(&qmap, jkeys[q]);
		long f = k >= 0 ? bucket_take(&b[k], &c->file, (long)j->pair) : -1;
		if (f >= 0) {
			struct vote v;
			take_vote(j, &c->file.v[f], &v);
			vote_list_add(&c->votes, &v);
			c->reused++;
		} else {
			j->asks = -1; /* to ask */
			left++;
		}
	}
	for (size_t i = 0; i < nj; i++)
		free(jkeys[i]);
	free(jkeys);
	free(times);
	idmap_free(&jmap);
	for (size_t i = 0; i < nb; i++) {
		free(b[i].idx);
		free(b[i].used);
		free(keys[i]);
	}
	free(b);
	free(keys);
	idmap_free(&qmap);
	return left;
}

/* ------------------------------------------------------------- the whole */

static void cmp_free(struct cmp *c)
{
	sets_release(&c->a);
	sets_release(&c->b);
	free(c->prompt);
	free(c->rubric);
	free(c->judge_tmpl);
	free(c->reask);
	free(c->hash_a);
	free(c->hash_b);
	free(c->pairs);
	free(c->vpath);
	vote_list_free(&c->file);
	vote_list_free(&c->votes);
	vote_file_close(&c->vf);
	for (size_t i = 0; i < c->njobs; i++) {
		free(c->jobs[i].id);
		free(c->jobs[i].prompt);
		free(c->jobs[i].first_reply);
	}
	free(c->jobs);
}

/* The report of recorded verdicts only: --verdicts FILE. */
static int report_file(struct compare_options *o)
{
	struct vote_list votes;
	char err[1024];
	if (vote_read_file(o->verdicts, 0, &votes, NULL, err, sizeof err) < 0) {
		aw_error("%s", err);
		return AW_EXIT_USAGE;
	}
	if (votes.n == 0) {
		aw_error("'%s' holds no verdicts", o->verdicts);
		vote_list_free(&votes);
		return AW_EXIT_USAGE;
	}
	if (o->out && compare_check_output(o->out, err, sizeof err) < 0) {
		cli_usage(compare_command(), "option '--out': %s", err);
		vote_list_free(&votes);
		return AW_EXIT_USAGE;
	}
	char *a = xasprintf("set A of '%s'", o->verdicts), *b = xasprintf("set B of '%s'", o->verdicts);
	struct compare_input in = {
		.a_desc = a, .b_desc = b, .a_label = "A", .b_label = "B",
		.pairs_drawn = -1, .lost = -1, .seed = o->o.seed, .verdicts_path = o->verdicts,
		.out = o->out, .quiet = o->o.quiet,
	};
	int status = compare_report(&votes, &in);
	free(a);
	free(b);
	vote_list_free(&votes);
	return status;
}

/* Everything before the first request (and before anything is written):
 * 0, or an exit status with the message printed. */
static int prepare(struct cmp *c, int argc, char **argv, int first)
{
	struct compare_options *o = c->o;
	char *err = c->err;
	size_t errlen = sizeof c->err;
	if (argc - first != 2)
		return cli_usage(compare_command(), argc - first < 2 ?
						   "give two sets, SET_A and SET_B (or --verdicts FILE)" :
						   "unexpected argument '%s'",
				 argv[first + 2 < argc ? first + 2 : first]);
	if (o->judges.n == 0)
		return cli_usage(compare_command(), "option '--judge-model' is required");
	for (size_t i = 0; i < o->judges.n; i++)
		for (size_t k = 0; k < i; k++)
			if (strcmp(o->judges.v[i], o->judges.v[k]) == 0)
				return cli_usage(compare_command(), "judge '%s' is given twice",
						 o->judges.v[i]);
	if (sets_load(&c->a, argv[first], o->top, err, errlen) < 0 ||
	    sets_load(&c->b, argv[first + 1], o->top, err, errlen) < 0)
		return cli_usage(compare_command(), "%s", err);
	if (compare_load_prompt(o->o.prompt, o->o.prompt_file, &c->a, &c->prompt, err, errlen) < 0 ||
	    compare_load_rubric(o->o.rubric_file, &c->rubric, err, errlen) < 0)
		return cli_usage(compare_command(), "%s", err);
	static const char *judge_vars[] = { "prompt", "rubric", "story_a", "story_b" };
	char *reask = NULL;
	if (load_file(NULL, o->o.prompts_dir, "judge.txt", "prompts/judge.txt", &c->judge_tmpl, err,
		      errlen) < 0 ||
	    template_check(c->judge_tmpl, o->o.prompts_dir ? "judge.txt" : "prompts/judge.txt",
			   judge_vars, AW_ARRAY_LEN(judge_vars), err, errlen) < 0 ||
	    load_file(NULL, o->o.prompts_dir, "judge-reask.txt", "prompts/judge-reask.txt", &reask,
		      err, errlen) < 0 ||
	    template_check(reask, "judge-reask.txt", NULL, 0, err, errlen) < 0) {
		free(reask);
		return cli_usage(compare_command(), "%s", err);
	}
	c->reask = template_render(reask, NULL, 0);
	free(reask);

	/* What a verdict is asked under. */
	char temp[40];
	snprintf(temp, sizeof temp, "%.17g", o->o.judge_temperature);
	const char *parts[] = { c->prompt, c->rubric, c->judge_tmpl, c->reask, temp };
	size_t total = 0;
	for (size_t i = 0; i < AW_ARRAY_LEN(parts); i++)
		total += strlen(parts[i]) + 1;
	char *all = xmalloc(total), *p = all;
	for (size_t i = 0; i < AW_ARRAY_LEN(parts); i++) {
		size_t n = strlen(parts[i]) + 1;
		memcpy(p, parts[i], n);
		p += n;
	}
	vote_hash(all, total, c->context);
	free(all);

	/* Where the verdicts go: named by the two sets (in either order) and
	 * the context, so that the same comparison finds the same file. */
	if (o->out && compare_check_output(o->out, err, errlen) < 0)
		return cli_usage(compare_command(), "option '--out': %s", err);
	uint64_t ka = sets_key(&c->a), kb = sets_key(&c->b);
	char name[64], mix[60];
	snprintf(mix, sizeof mix, "%016llx%016llx%s", (unsigned long long)(ka < kb ? ka : kb),
		 (unsigned long long)(ka < kb ? kb : ka), c->context);
	char tag[17];
	vote_hash(mix, strlen(mix), tag);
	snprintf(name, sizeof name, "compare-%.12s.verdicts.jsonl", tag);
	if (o->verdicts_dir) {
		struct stat st;
		c->vpath = xasprintf("%s/%s", o->verdicts_dir, name);
		if (stat(o->verdicts_dir, &st) == 0 && !S_ISDIR(st.st_mode))
			return cli_usage(compare_command(), "option '--verdicts-dir': '%s' is not a directory",
					 o->verdicts_dir);
		/* A directory still to be made needs a parent to make it in. */
		if (access(o->verdicts_dir, F_OK) < 0 &&
		    compare_check_output(o->verdicts_dir, err, errlen) < 0)
			return cli_usage(compare_command(), "option '--verdicts-dir': %s", err);
	} else {
		c->vpath = o->out ? xasprintf("%s.verdicts.jsonl", o->out) : xstrdup(name);
	}
	if ((!o->verdicts_dir || access(o->verdicts_dir, F_OK) == 0) &&
	    compare_check_output(c->vpath, err, errlen) < 0)
		return cli_usage(compare_command(), "%s", err);
	if (vote_read_file(c->vpath, 1, &c->file, NULL, err, errlen) < 0)
		return cli_usage(compare_command(), "%s", err);

	/* The stories' fingerprints, and the pairs. */
	c->hash_a = xmalloc(c->a.stories.n * sizeof *c->hash_a);
	c->hash_b = xmalloc(c->b.stories.n * sizeof *c->hash_b);
	for (size_t i = 0; i < c->a.stories.n; i++)
		vote_hash(c->a.stories.v[i]->text, strlen(c->a.stories.v[i]->text), c->hash_a[i]);
	for (size_t i = 0; i < c->b.stories.n; i++)
		vote_hash(c->b.stories.v[i]->text, strlen(c->b.stories.v[i]->text), c->hash_b[i]);
	c->npairs = (size_t)o->pairs;
	c->pairs = xmalloc(c->npairs * sizeof *c->pairs);
	pairs_draw(c->a.stories.n, c->b.stories.n, c->npairs, o->o.seed, ka, kb, c->pairs);
	return 0;
}

/* The labels of the summary line: the sets' short names, or their paths
 * when those say nothing apart. */
static void labels(const struct cmp *c, const char **la, const char **lb)
{
	*la = c->a.label;
	*lb = c->b.label;
	if (strcmp(*la, *lb) == 0) {
		*la = c->a.path;
		*lb = c->b.path;
	}
}

/* Parse the command line: the judge's settings are checked as evolve
 * checks them (endpoint, key, --cacert, headers, --extra-body, caps). */
static int parse(struct compare_options *o, int argc, char **argv, int *first)
{
	const struct cli_command *cmd = compare_command();
	unsigned char given[64];
	options_defaults(&o->o);
	enum cli_result cr = cli_parse(cmd, o, given, argc, argv, first);
	if (cr != CLI_RUN)
		return cr == CLI_EXIT ? -1 : AW_EXIT_USAGE;
	options_mark_given(&o->o, cmd, given);
	if (!o->o.seed_given) { /* the pairs are drawn alike every time */
		o->o.seed = 1;
		o->o.seed_given = 1;
	}
	if (o->verdicts)
		return 0;
	o->o.model = o->judges.n ? o->judges.v[0] : "-";
	o->o.out_dir = o->out ? o->out : ".";
	o->o.population = 2;
	o->o.top = 1;
	return options_complete(&o->o) == OPTIONS_RUN ? 0 : AW_EXIT_USAGE;
}

int compare_main(int argc, char **argv)
{
	struct compare_options o;
	struct cmp c;
	int first;
	memset(&o, 0, sizeof o);
	memset(&c, 0, sizeof c);
	c.o = &o;
	c.vf.fd = -1;

	int status = parse(&o, argc, argv, &first);
	if (status != 0) {
		options_release(&o.o);
		cli_list_free(&o.judges);
		return status < 0 ? AW_EXIT_OK : status;
	}
	if (o.verdicts) {
		status = first < argc ?
				 cli_usage(compare_command(),
					   "give either two sets or --verdicts FILE, not both") :
				 report_file(&o);
		options_release(&o.o);
		cli_list_free(&o.judges);
		return status;
	}
	status = prepare(&c, argc, argv, first);
	if (status != 0)
		goto out;

	/* Nothing is written before this point. */
	if (o.verdicts_dir && access(o.verdicts_dir, F_OK) < 0 && mkdir(o.verdicts_dir, 0777) < 0) {
		aw_error("cannot create '%s':", o.verdicts_dir);
		status = AW_EXIT_FAILED;
		goto out;
	}
	if (vote_file_open(&c.vf, c.vpath, c.err, sizeof c.err) < 0) {
		aw_error("%s", c.err);
		status = AW_EXIT_FAILED;
		goto out;
	}
	c.njobs = c.npairs * o.judges.n * 2;
	c.jobs = xcalloc(c.njobs, sizeof *c.jobs);
	for (size_t k = 0, i = 0; k < c.npairs; k++)
		for (size_t jd = 0; jd < o.judges.n; jd++)
			for (int ord = 0; ord < 2; ord++, i++) {
				struct job *j = &c.jobs[i];
				j->c = &c;
				j->pair = k;
				j->judge = jd;
				j->first = ord ? 'b' : 'a';
				j->sa = c.a.stories.v[c.pairs[k].a];
				j->sb = c.b.stories.v[c.pairs[k].b];
			}
	size_t left = reuse(&c);
	if (!o.o.quiet)
		fprintf(stderr, "alphawrite: %zu pairs x %zu judge%s x 2 orders: %zu verdicts in %s, %zu to ask\n",
			c.npairs, o.judges.n, o.judges.n == 1 ? "" : "s", (size_t)c.reused, c.vpath, left);

	if (left > 0) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		struct http_config hc;
		endpoint_config(&hc, &o.o, &c.progress);
		/* every judge of the panel on the one endpoint, each checked first */
		struct endpoint_spec *sp = xcalloc(o.judges.n, sizeof *sp);
		for (size_t i = 0; i < o.judges.n; i++)
			sp[i] = (struct endpoint_spec){ "judge", o.o.base_url, o.o.api_key,
							(const char *const *)o.o.headers.v,
							o.o.headers.n, o.o.extra_body, o.judges.v[i],
							o.o.token_param };
		int judge_ep;
		long probes = 0;
		c.budget.max_requests = o.o.max_requests;
		c.budget.max_tokens = o.o.max_tokens;
		c.budget.max_cost = o.o.max_cost;
		c.budget.price_in[ROLE_WRITER] = c.budget.price_out[ROLE_WRITER] = -1;
		c.budget.price_in[ROLE_JUDGE] = o.o.judge_price_in;
		c.budget.price_out[ROLE_JUDGE] = o.o.judge_price_out;
		if (!o.o.no_preflight && endpoint_preflight(&hc, sp, o.judges.n, &c.budget, &probes,
							    c.err, sizeof c.err) < 0) {
			status = interrupt_count ? AW_EXIT_INTERRUPTED : AW_EXIT_FAILED;
			aw_error("%s (checked before any verdict; --no-preflight skips the check)", c.err);
			free(sp);
			curl_global_cleanup();
			goto out;
		}
		c.key_sent = o.o.api_key != NULL;
		c.http = endpoint_client(&hc, &sp[0], NULL, &judge_ep, c.err, sizeof c.err);
		free(sp);
		if (!c.http) {
			aw_error("%s", c.err);
			status = AW_EXIT_FAILED;
			curl_global_cleanup();
			goto out;
		}
		progress_init(&c.progress, o.o.quiet, http_stats(c.http));
		progress_begin(&c.progress, "compare", 0, (long)left);
		for (size_t i = 0; i < c.njobs; i++)
			if (c.jobs[i].asks < 0) {
				c.jobs[i].asks = 0;
				c.asked++;
				ask(&c.jobs[i]);
			}
		enum http_result res = http_run(c.http);
		progress_end(&c.progress);
		if (res == HTTP_INTERRUPTED) {
			aw_error("interrupted; %zu verdicts kept in %s (run the same command again to continue)",
				 c.votes.n, c.vpath);
			status = AW_EXIT_INTERRUPTED;
		} else if (res == HTTP_STOPPED) {
			aw_error("%s%s", http_error(c.http),
				 c.budget.why[0] ? "; every verdict that arrived is kept: run the same "
						   "command again with a higher cap" : "");
			status = AW_EXIT_FAILED;
		}
		if (!o.o.quiet && status == 0 && o.o.logprobs != LOGPROBS_OFF && !c.soft &&
		    c.asked > c.lost)
			fprintf(stderr, "alphawrite: note: the endpoint %s logprobs; no p_a recorded\n",
				c.logprobs_refused ? "refused" : "returned no");
		http_free(c.http);
		curl_global_cleanup();
		if (status != 0)
			goto out;
	}
	/* As a generation that lost more than half its matches: a failure,
	 * not a result (what arrived is kept; the same command continues). */
	if (c.lost * 2 > c.asked) {
		aw_error("%ld of %ld judge requests failed for good; %zu verdicts kept in %s "
			 "(run the same command again to ask for the rest)",
			 c.lost, c.asked, c.votes.n, c.vpath);
		status = AW_EXIT_FAILED;
		goto out;
	}
	if (c.lost && !o.o.quiet)
		fprintf(stderr, "alphawrite: %ld verdict%s could not be had; their pairs are left out "
				"(run the same command again to ask for them)\n",
			c.lost, c.lost == 1 ? "" : "s");

	size_t na = c.a.stories.n, nb = c.b.stories.n;
	const char **a_ids = xmalloc(na * sizeof *a_ids), **b_ids = xmalloc(nb * sizeof *b_ids);
	size_t *oa = xmalloc(na * sizeof *oa), *ob = xmalloc(nb * sizeof *ob);
	pairs_order(c.pairs, c.npairs, na, nb, oa, ob);
	for (size_t i = 0; i < na; i++)
		a_ids[i] = c.a.stories.v[oa[i]]->id;
	for (size_t i = 0; i < nb; i++)
		b_ids[i] = c.b.stories.v[ob[i]]->id;
	free(oa);
	free(ob);
	struct compare_input in = {
		.a_desc = c.a.desc, .b_desc = c.b.desc,
		.a_ids = a_ids, .na = c.a.stories.n, .b_ids = b_ids, .nb = c.b.stories.n,
		.judges = (const char *const *)o.judges.v, .nj = o.judges.n,
		.pairs_drawn = (long)c.npairs, .lost = c.lost, .seed = o.o.seed,
		.verdicts_path = c.vpath, .out = o.out, .quiet = o.o.quiet,
	};
	labels(&c, &in.a_label, &in.b_label);
	status = compare_report(&c.votes, &in);
	free(a_ids);
	free(b_ids);
out:
	cmp_free(&c);
	options_release(&o.o);
	cli_list_free(&o.judges);
	return status;
}

/* ------------------------------------------------ the result, read back */

static const struct {
	const char *key;          /* in the JSON object */
	size_t off;               /* the double in struct compare_result */
	int prob;                 /* must lie in [0, 1] (else: a count, >= 0) */
} cmp_numbers[] = {
	{ "pairs", offsetof(struct compare_result, pairs), 0 },
	{ "distinct_pairs", offsetof(struct compare_result, distinct_pairs), 0 },
	{ "a_wins", offsetof(struct compare_result, a_wins), 0 },
	{ "b_wins", offsetof(struct compare_result, b_wins), 0 },
	{ "ties", offsetof(struct compare_result, ties), 0 },
	{ "win_rate", offsetof(struct compare_result, win_rate), 1 },
	{ "ci_lo", offsetof(struct compare_result, ci_lo), 1 },
	{ "ci_hi", offsetof(struct compare_result, ci_hi), 1 },
	{ "ci_boot_lo", offsetof(struct compare_result, ci_boot_lo), 1 },
	{ "ci_boot_hi", offsetof(struct compare_result, ci_boot_hi), 1 },
	{ "p_value", offsetof(struct compare_result, p_value), 1 },
	{ "order_agreement", offsetof(struct compare_result, order_agreement), 1 },
	{ "length_controlled_win_rate", offsetof(struct compare_result, lc_win_rate), 1 },
};

void compare_result_release(struct compare_result *c)
{
	free(c->path);
	free(c->a);
	free(c->b);
	free(c->judges);
}

/* Read one compare file: the JSON object `alphawrite compare` prints.
 * "a", "b" and "win_rate" must be there; every other number may be absent
 * or null; a value of the wrong type or range is an error. */
int compare_result_read(const char *path, struct compare_result *c, char *err, size_t errlen)
{
	char *text = NULL;
	cJSON *root = NULL;
	int rc = -1;
	memset(c, 0, sizeof *c);
	if (data_read_text_max(path, DATA_MAX_FILE, &text, err, errlen) < 0)
		return -1;
	const char *end = NULL;
	root = cJSON_ParseWithOpts(text, &end, 0);
	if (!cJSON_IsObject(root) || end[strspn(end, " \t\r\n")]) {
		aw_fail(err, errlen, "'%s' is not one JSON object (the output of 'alphawrite compare')",
			path);
		goto out;
	}
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, "a");
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(root, "b");
	if (!cJSON_IsString(a) || !cJSON_IsString(b)) {
		aw_fail(err, errlen, "'%s': \"a\" and \"b\" must be strings (the two sets compared)",
			path);
		goto out;
	}
	if (!cJSON_GetObjectItemCaseSensitive(root, "win_rate")) {
		aw_fail(err, errlen, "'%s' has no \"win_rate\": not the output of 'alphawrite compare'",
			path);
		goto out;
	}
	for (size_t k = 0; k < AW_ARRAY_LEN(cmp_numbers); k++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, cmp_numbers[k].key);
		double *dst = (double *)((char *)c + cmp_numbers[k].off);
		*dst = NAN;
		if (!v || cJSON_IsNull(v))
			continue;
		double x = v->valuedouble;
		if (!cJSON_IsNumber(v) || !isfinite(x) || x < 0 || (cmp_numbers[k].prob && x > 1)) {
			aw_fail(err, errlen, "'%s': \"%s\" must be %s or null", path, cmp_numbers[k].key,
				cmp_numbers[k].prob ? "a number between 0 and 1" :
						      "a non-negative number");
			goto out;
		}
		*dst = x;
	}
	const cJSON *judges = cJSON_GetObjectItemCaseSensitive(root, "judges");
	if (judges && !cJSON_IsNull(judges)) {
		struct buf j = BUF_INIT;
		const cJSON *o;
		if (!cJSON_IsArray(judges)) {
			aw_fail(err, errlen, "'%s': \"judges\" must be an array of strings", path);
			goto out;
		}
		cJSON_ArrayForEach(o, judges) {
			if (!cJSON_IsString(o)) {
				buf_release(&j);
				aw_fail(err, errlen, "'%s': \"judges\" must be an array of strings", path);
				goto out;
			}
			buf_printf(&j, "%s%s", j.len ? ", " : "", o->valuestring);
		}
		c->judges = j.len ? buf_detach(&j) : NULL;
		buf_release(&j);
	}
	c->path = xstrdup(path);
	c->a = xstrdup(a->valuestring);
	c->b = xstrdup(b->valuestring);
	rc = 0;
out:
	if (rc < 0)
		compare_result_release(c);
	cJSON_Delete(root);
	free(text);
	return rc;
}
