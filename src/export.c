/*
 * export.c - `alphawrite export`: a run as training data (see export.h).
 *
 * It reads what a run wrote and nothing else: run.json for the settings
 * the prompts depend on (seed, --max-words, --min-words, --top), inputs/
 * for the texts, and every generation file for the stories and verdicts.
 * No request is made, and nothing of the endpoint (URL, key) is written.
 */
#include "aw/export.h"
#include "aw/bt.h"
#include "aw/cli.h"
#include "aw/codec.h"
#include "aw/data.h"
#include "aw/diversity.h"
#include "aw/idmap.h"
#include "aw/options.h"
#include "aw/store.h"
#include "aw/texts.h"
#include "aw/util.h"
#include "aw/writer.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The settings of `export`. */
struct export_options {
	int format;               /* 0 sft, 1 dpo */
	double min_margin;        /* P(chosen beats rejected) at least */
	const char *generations;  /* --generations LIST, or NULL for all */
	long top;                 /* --top K, 0: the run's */
	long pairs;               /* rejected stories per chosen one, at most */
};

static const char *const formats[] = { "sft", "dpo", NULL };

#define F(field) offsetof(struct export_options, field)

static const struct cli_row export_rows[] = {
	{ "format", CLI_CHOICE, F(format), 0, 0, "FMT", "sft (prompt and story) or dpo (preference pairs); required", NULL, NULL, formats, 0 },
	{ "min-margin", CLI_DOUBLE, F(min_margin), 0.5, 1, "P", "dpo: pair stories one beats with at least this probability", "0.6", NULL, NULL, CLI_GT_MIN | CLI_LT_MAX },
	{ "generations", CLI_STR, F(generations), 0, 0, "LIST", "generations to export, e.g. 0,2-4", NULL, "all", NULL, 0 },
	{ "top", CLI_LONG, F(top), 1, 1000000, "K", "sft: each generation's top K; dpo: only they are chosen", NULL, "sft: the run's --top; dpo: every story", NULL, 0 },
	{ "pairs", CLI_LONG, F(pairs), 1, 1000, "N", "dpo: stories paired with each chosen one, at most", "3", NULL, NULL, 0 },
	{ "help", CLI_HELP, 0, 0, 0, NULL, "show this help and exit", NULL, NULL, NULL, 0 },
};

const struct cli_command export_command = {
	"export",
	"alphawrite export RUN_DIR --format sft|dpo [options] > data.jsonl",
	"Write a run's stories as training data, one JSON object a line on standard output:\n"
	"sft (the writer prompt as sent and the story) or dpo (preference pairs from the\n"
	"run's ratings, weighted by deviation), as Hugging Face TRL reads them.",
	export_rows,
	AW_ARRAY_LEN(export_rows),
	"exit status: 0 written, 1 a prompt could not be rebuilt or output failed,\n"
	"2 usage error or not a run directory.\n",
};

/* ---------------------------------------------------------------- pure */

static const double *cmp_theta; /* for by_theta: qsort has no context */

static int by_theta(const void *x, const void *y)
{
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	if (cmp_theta[a] != cmp_theta[b])
		return cmp_theta[a] > cmp_theta[b] ? -1 : 1;
	return a < b ? -1 : a > b;
}

size_t export_pairs(const double *theta, size_t n, size_t chosen_max, double min_margin,
		    size_t per_story, struct export_pair **out)
{
	size_t *order = xmalloc((n ? n : 1) * sizeof *order), np = 0, cap = 0;
	struct export_pair *v = NULL;
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	cmp_theta = theta;
	qsort(order, n, sizeof *order, by_theta);
	for (size_t i = 0; i < n && i < chosen_max; i++) {
		size_t taken = 0;
		/* the stories below i, strongest first: the first ones it clears
		 * the margin against are the closest */
		for (size_t k = 0; k < n && taken < per_story; k++) {
			size_t j = order[k];
			double p = 1.0 / (1.0 + exp(-(theta[i] - theta[j])));
			if (j == i || p < min_margin)
				continue;
			if (np == cap) {
				cap = cap ? 2 * cap : 16;
				v = xrealloc(v, cap * sizeof *v);
			}
			v[np++] = (struct export_pair){ i, j, p };
			taken++;
		}
	}
	free(order);
	*out = v;
	return np;
}

void export_scale(const double *raw, size_t n, double *out)
{
	double lo = INFINITY, hi = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		lo = fmin(lo, raw[i]);
		hi = fmax(hi, raw[i]);
	}
	for (size_t i = 0; i < n; i++)
		out[i] = hi > lo ? 2.0 * (raw[i] - lo) / (hi - lo) - 1.0 : 0.0;
}

void export_weights(const double *d, size_t n, double *w)
{
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += d[i] + 1.0;
	double mean = n ? sum / (double)n : 0;
	for (size_t i = 0; i < n; i++)
		w[i] = mean > 0 ? (d[i] + 1.0) / mean : 1.0;
}

int export_parse_generations(const char *list, int ngen, unsigned char *sel, char *err,
			     size_t errlen)
{
	memset(sel, 0, (size_t)ngen);
	const char *p = list;
	for (;;) {
		char *end;
		if (*p < '0' || *p > '9')
			return aw_fail(err, errlen, "option '--generations': '%s' is not a list such as 0,2-4",
				       list);
		long a = strtol(p, &end, 10), b = a;
		p = end;
		if (*p == '-') {
			if (p[1] < '0' || p[1] > '9')
				return aw_fail(err, errlen,
					       "option '--generations': '%s' is not a list such as 0,2-4", list);
			b = strtol(p + 1, &end, 10);
			p = end;
		}
		if (a > b || b >= ngen)
			return aw_fail(err, errlen,
				       "option '--generations': '%s' names generation %ld, and the run has "
				       "0 to %d", list, b, ngen - 1);
		for (long g = a; g <= b; g++)
			sel[g] = 1;
		if (!*p)
			return 0;
		if (*p++ != ',')
			return aw_fail(err, errlen,
				       "option '--generations': '%s' is not a list such as 0,2-4", list);
	}
}

/* ------------------------------------------------------------- the run */

struct run_data {
	struct generation *gens;  /* every generation file, in order */
	int ngen;
	struct idmap index;       /* story id -> its first record (stories) */
	const struct story **stories; /* by index */
	size_t nstories, cap;
	struct bt_ratings fit;    /* every verdict of the run */
	struct texts texts;       /* inputs/ */
	char *sequential;         /* inputs/sequential.txt of a baseline run, or NULL */
	struct options opt;       /* the settings prompts depend on */
	long top;                 /* the run's --top */
};

static void run_data_free(struct run_data *d)
{
	for (int g = 0; g < d->ngen; g++)
		generation_release(&d->gens[g]);
	free(d->gens);
	idmap_free(&d->index);
	free(d->stories);
	bt_ratings_free(&d->fit);
	texts_free(&d->texts);
	free(d->sequential);
}

static long setting(const cJSON *set, const char *key, long dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(set, key);
	return cJSON_IsNumber(v) ? (long)v->valuedouble : dflt;
}

static int read_run(struct run_data *d, const char *dir, char *err, size_t errlen)
{
	struct run_report rr;
	if (store_read_run(dir, &rr, err, errlen) < 0)
		return -1;
	const cJSON *seed = cJSON_GetObjectItemCaseSensitive(rr.settings, "seed");
	d->opt.seed = cJSON_IsNumber(seed) ? (uint64_t)seed->valuedouble : rr.seed;
	d->opt.max_words = setting(rr.settings, "max_words", 500);
	d->opt.min_words = setting(rr.settings, "min_words", 0);
	d->top = setting(rr.settings, "top", 5);
	run_report_release(&rr);

	char *inputs = xasprintf("%s/%s", dir, CODEC_INPUTS);
	char *seq = xasprintf("%s/%s", inputs, CODEC_SEQUENTIAL);
	int rc = texts_load(&d->texts, &d->opt, inputs, err, errlen);
	if (rc == 0 && access(seq, F_OK) == 0) /* a baseline's steps */
		rc = data_read_text(seq, &d->sequential, err, errlen);
	free(seq);
	free(inputs);
	if (rc < 0)
		return -1;
	for (int g = 0; store_has_generation(dir, g); g++) {
		d->gens = xrealloc(d->gens, (size_t)(g + 1) * sizeof *d->gens);
		if (store_read_generation(dir, g, &d->gens[g], err, errlen) < 0)
			return -1;
		d->ngen = g + 1;
	}
	if (!d->ngen)
		return aw_fail(err, errlen, "'%s' holds no gen-000.json: not a run directory", dir);
	for (int g = 0; g < d->ngen; g++) {
		const struct population *p = &d->gens[g].stories;
		for (size_t i = 0; i < p->n; i++) {
			if (idmap_get(&d->index, p->v[i]->id) >= 0)
				continue;
			if (d->nstories == d->cap) {
				d->cap = d->cap ? 2 * d->cap : 64;
				d->stories = xrealloc(d->stories, d->cap * sizeof *d->stories);
			}
			idmap_put(&d->index, p->v[i]->id, (int)d->nstories);
			d->stories[d->nstories++] = p->v[i];
			bt_register(&d->fit, p->v[i]->id, 0);
		}
	}
	for (int g = 0; g < d->ngen; g++) {
		const struct match_list *ml = &d->gens[g].matches;
		for (size_t k = 0; k < ml->n; k++) {
			int a = bt_find(&d->fit, ml->v[k]->a), b = bt_find(&d->fit, ml->v[k]->b);
			if (ml->v[k]->winner && a >= 0 && b >= 0)
				bt_add(&d->fit, a, b, match_outcome(ml->v[k]));
		}
	}
	bt_refit_cold(&d->fit, NULL, 0, NULL);
	return 0;
}

static double theta_of(const struct run_data *d, const struct story *s)
{
	int k = bt_find(&d->fit, s->id);
	return k >= 0 ? d->fit.theta[k] : 0;
}

/* The writer prompt s was written from, or NULL with the reason in err. */
static char *writer_prompt(const struct run_data *d, const struct story *s, char *err,
			   size_t errlen)
{
	if (!s->parent_id)
		return writer_prompt_draft(&d->texts, &d->opt, s);
	int k = idmap_get(&d->index, s->parent_id);
	if (k < 0 || !s->variant) {
		aw_fail(err, errlen, "story '%s': its parent '%s' is in no generation file", s->id,
			s->parent_id);
		return NULL;
	}
	size_t goal;
	const char *seq = s->goal ? NULL : d->sequential;
	if (!s->goal && !seq) {
		aw_fail(err, errlen, "story '%s': a variant without a goal, in a run that is no "
			"baseline (no inputs/%s)", s->id, CODEC_SEQUENTIAL);
		return NULL;
	}
	char *prompt = writer_prompt_variant(&d->texts, &d->opt, s->born, d->stories[k], s->variant,
					     seq, &goal);
	if (!seq && strcmp(d->texts.goals.v[goal], s->goal) != 0) {
		aw_fail(err, errlen,
			"story '%s': its prompt cannot be rebuilt (its goal is not the one its seed "
			"draws from inputs/goals.txt)", s->id);
		free(prompt);
		return NULL;
	}
	return prompt;
}

static cJSON *message(const char *role, const char *content)
{
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", role);
	cJSON_AddStringToObject(m, "content", content);
	return m;
}

static cJSON *conversation(const char *role, const char *content)
{
	cJSON *a = cJSON_CreateArray();
	cJSON_AddItemToArray(a, message(role, content));
	return a;
}

/* Print o as one line (and free it); -1 when standard output failed
 * (callers then return -2: main() reports it when it closes stdout). */
static int emit(cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!s) {
		fprintf(stderr, "alphawrite: out of memory printing JSON\n");
		abort();
	}
	int rc = fputs(s, stdout) < 0 || putchar('\n') == EOF ? -1 : 0;
	cJSON_free(s);
	return rc;
}

static int export_sft(const struct run_data *d, const unsigned char *sel, long top, char *err,
		      size_t errlen)
{
	unsigned char *done = xcalloc(d->nstories ? d->nstories : 1, 1);
	int rc = 0;
	for (int g = 0; g < d->ngen && rc == 0; g++) {
		const struct population *p = &d->gens[g].stories;
		for (size_t i = 0; sel[g] && i < p->n && i < (size_t)top && rc == 0; i++) {
			const struct story *s = p->v[i];
			int k = idmap_get(&d->index, s->id);
			if (done[k]++)
				continue; /* a parent carried over: exported once */
			char *prompt = writer_prompt(d, s, err, errlen);
			if (!prompt) {
				rc = -1;
				break;
			}
			cJSON *o = cJSON_CreateObject();
			cJSON *msgs = cJSON_AddArrayToObject(o, "messages");
			cJSON_AddItemToArray(msgs, message("user", prompt));
			cJSON_AddItemToArray(msgs, message("assistant", s->text));
			cJSON_AddStringToObject(o, "id", s->id);
			cJSON_AddNumberToObject(o, "generation", s->born);
			cJSON_AddNumberToObject(o, "rating", bt_to_rating(theta_of(d, s)));
			free(prompt);
			if (emit(o) < 0)
				rc = -2;
		}
	}
	free(done);
	return rc;
}

struct dpo_pair {
	const struct story *chosen, *rejected;
	int gen;
	double margin;
	double deviation;          /* the chosen story's, as measured */
	double scaled;             /* min-max scaled within its generation */
};

/* Deviation of each story of generation g (file order): the file's when
 * every story has one, else measured now. */
static void deviations(const struct generation *gf, double *dev)
{
	const struct population *p = &gf->stories;
	int all = 1;
	for (size_t i = 0; i < p->n; i++)
		all &= p->v[i]->has_deviation;
	if (all) {
		for (size_t i = 0; i < p->n; i++)
			dev[i] = p->v[i]->deviation;
		return;
	}
	const char **texts = xmalloc((p->n ? p->n : 1) * sizeof *texts);
	for (size_t i = 0; i < p->n; i++)
		texts[i] = p->v[i]->text;
	struct diversity *dv = diversity_new(texts, p->n);
	for (size_t i = 0; i < p->n; i++)
		dev[i] = diversity_deviation(dv, i);
	diversity_free(dv);
	free(texts);
}

static int export_dpo(const struct run_data *d, const unsigned char *sel, long top,
		      const struct export_options *eo)
{
	struct dpo_pair *all = NULL;
	size_t n = 0, cap = 0;
	struct idmap seen = IDMAP_INIT;
	char **keys = NULL;
	size_t nkeys = 0;
	for (int g = 0; g < d->ngen; g++) {
		const struct population *p = &d->gens[g].stories;
		if (!sel[g] || p->n < 2)
			continue;
		double *theta = xmalloc(p->n * sizeof *theta), *dev = xmalloc(p->n * sizeof *dev),
		       *scaled = xmalloc(p->n * sizeof *scaled);
		for (size_t i = 0; i < p->n; i++)
			theta[i] = theta_of(d, p->v[i]);
		deviations(&d->gens[g], dev);
		export_scale(dev, p->n, scaled);
		/* --top restricts who is chosen to the generation's top K as its
		 * file ranks them: those come first in the file */
		struct export_pair *pairs;
		size_t np = export_pairs(theta, p->n, top > 0 ? (size_t)top : p->n, eo->min_margin,
					 (size_t)eo->pairs, &pairs);
		for (size_t k = 0; k < np; k++) {
			const struct story *c = p->v[pairs[k].chosen], *r = p->v[pairs[k].rejected];
			char *key = xasprintf("%s\n%s", c->id, r->id);
			if (idmap_get(&seen, key) >= 0) {
				free(key);
				continue;
			}
			keys = xrealloc(keys, (nkeys + 1) * sizeof *keys);
			keys[nkeys++] = key;
			idmap_put(&seen, key, 1);
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				all = xrealloc(all, cap * sizeof *all);
			}
			all[n++] = (struct dpo_pair){ c, r, g, pairs[k].margin, dev[pairs[k].chosen],
						      scaled[pairs[k].chosen] };
		}
		free(pairs);
		free(theta);
		free(dev);
		free(scaled);
	}
	double *d1 = xmalloc((n ? n : 1) * sizeof *d1), *w = xmalloc((n ? n : 1) * sizeof *w);
	for (size_t k = 0; k < n; k++)
		d1[k] = all[k].scaled;
	export_weights(d1, n, w);
	int rc = 0;
	for (size_t k = 0; k < n && rc == 0; k++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "prompt", conversation("user", d->texts.prompt));
		cJSON_AddItemToObject(o, "chosen", conversation("assistant", all[k].chosen->text));
		cJSON_AddItemToObject(o, "rejected", conversation("assistant", all[k].rejected->text));
		cJSON_AddStringToObject(o, "chosen_id", all[k].chosen->id);
		cJSON_AddStringToObject(o, "rejected_id", all[k].rejected->id);
		cJSON_AddNumberToObject(o, "margin", all[k].margin);
		cJSON_AddNumberToObject(o, "weight", w[k]);
		cJSON_AddNumberToObject(o, "deviation", all[k].deviation);
		cJSON_AddNumberToObject(o, "generation", all[k].gen);
		if (emit(o) < 0)
			rc = -2;
	}
	for (size_t k = 0; k < nkeys; k++)
		free(keys[k]);
	free(keys);
	idmap_free(&seen);
	free(d1);
	free(w);
	free(all);
	return rc;
}

int export_main(int argc, char **argv)
{
	struct export_options eo = { 0 };
	unsigned char given[AW_ARRAY_LEN(export_rows)] = { 0 };
	int first;
	enum cli_result cr = cli_parse(&export_command, &eo, given, argc, argv, &first);
	if (cr != CLI_RUN)
		return cr == CLI_EXIT ? AW_EXIT_OK : AW_EXIT_USAGE;
	if (!given[0])
		return cli_usage(&export_command, "option '--format' is required (sft or dpo)");
	if (first >= argc)
		return cli_usage(&export_command, "give the run directory to export");
	const char *dir = argv[first++];
	if (first < argc)
		return cli_usage(&export_command, "unexpected argument '%s'", argv[first]);

	struct run_data d;
	char err[1024];
	memset(&d, 0, sizeof d);
	if (read_run(&d, dir, err, sizeof err) < 0) {
		aw_error("%s", err);
		run_data_free(&d);
		return AW_EXIT_USAGE;
	}
	unsigned char *sel = xmalloc((size_t)d.ngen);
	int status = AW_EXIT_OK;
	if (eo.generations) {
		if (export_parse_generations(eo.generations, d.ngen, sel, err, sizeof err) < 0) {
			status = cli_usage(&export_command, "%s", err);
			goto out;
		}
	} else {
		memset(sel, 1, (size_t)d.ngen);
	}
	int rc = eo.format == 0 ? export_sft(&d, sel, eo.top ? eo.top : d.top, err, sizeof err) :
				  export_dpo(&d, sel, eo.top, &eo);
	if (rc == -1)
		aw_error("%s", err);
	if (rc < 0) /* -2: standard output failed, which main() reports */
		status = AW_EXIT_FAILED;
out:
	free(sel);
	run_data_free(&d);
	return status;
}
