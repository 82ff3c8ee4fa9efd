/*
 * rank.c - `alphawrite rank`: rank stories again from recorded verdicts,
 * without a single new judge call.
 *
 * Input is a run directory (every gen-NNN.json, in order) or a JSON Lines
 * file of matches, one {"a": id, "b": id, "winner": id|null, "p_a": p?} a
 * line with a shown first (the generation files' and the journal's
 * vocabulary), or of compare's and rate's verdicts (vote.h).  The ranking is Bradley-Terry (the same fit as
 * `evolve`, with its position bias and intervals) or online Elo replayed in
 * file order; for a run directory Elo follows evolve's rule that a variant
 * starts from its parent's rating.  --holdout F fits on the rest and scores
 * the predictions on a random F of the decided matches, so a rating method
 * can be judged on real verdicts.
 */
#include "aw/rank.h"
#include "aw/bt.h"
#include "aw/cli.h"
#include "aw/codec.h"
#include "aw/data.h"
#include "aw/elo.h"
#include "aw/idmap.h"
#include "aw/rng.h"
#include "aw/store.h"
#include "aw/util.h"
#include "aw/vote.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct item {
	char *id;          /* story id */
	char *parent;      /* parent id (run directories), or NULL */
	double elo;        /* replayed Elo */
	int wins, losses;  /* decided matches */
	int in_last;       /* in the last generation (run directories) */
	int born;          /* generation it first appears in, -1 unknown */
};

struct rmatch {
	int a, b;          /* item indices, a shown first */
	int gen;           /* generation (run directories), else 0 */
	char winner;       /* 'A', 'B' or 0 */
	double p_a;        /* soft outcome when has_p */
	int has_p;
	int held_out;      /* kept out of the fit (--holdout) */
};

struct data {
	struct item *it;
	size_t n, cap;
	struct idmap index; /* id -> item */
	struct rmatch *m;
	size_t nm, mcap;
	int from_run;      /* read from a run directory */
};

/* The settings of `rank`. */
struct rank_options {
	int method;               /* 0 bt, 1 elo */
	const char *matches;      /* --matches FILE, or NULL */
	double holdout;           /* fraction held out, 0 for none */
	uint64_t seed;            /* seed of the holdout split */
};

static const char *const methods[] = { "bt", "elo", NULL };

#define F(field) offsetof(struct rank_options, field)

static const struct cli_row rank_rows[] = {
	{ "method", CLI_CHOICE, F(method), 0, 0, "HOW", "bt (Bradley-Terry) or elo", "bt", NULL, methods, 0 },
	{ "matches", CLI_STR, F(matches), 0, 0, "FILE", "read verdicts from a JSON Lines file (- for stdin): a run's matches, its journal's, or compare's and rate's", NULL, NULL, NULL, 0 },
	{ "holdout", CLI_DOUBLE, F(holdout), 0, 1, "F", "score predictions on a random fraction F of the matches", NULL, NULL, NULL, CLI_GT_MIN | CLI_LT_MAX },
	{ "seed", CLI_U64, F(seed), 0, 18446744073709551615.0, "S", "seed of the --holdout split", "1", NULL, NULL, 0 },
	{ "help", CLI_HELP, 0, 0, 0, NULL, "show this help and exit", NULL, NULL, NULL, 0 },
};

const struct cli_command rank_command = {
	"rank",
	"alphawrite rank [options] RUN_DIR\nalphawrite rank [options] --matches FILE.jsonl",
	"Rank stories from recorded verdicts, without new judge calls; prints JSON.",
	rank_rows,
	AW_ARRAY_LEN(rank_rows),
	NULL,
};

/* ------------------------------------------------------------ reading */

static void input_free(struct data *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->it[i].id);
		free(d->it[i].parent);
	}
	free(d->it);
	free(d->m);
	idmap_free(&d->index);
}

static int item_of(struct data *d, const char *id)
{
	int i = idmap_get(&d->index, id);
	if (i >= 0)
		return i;
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 64;
		d->it = xrealloc(d->it, d->cap * sizeof *d->it);
	}
	memset(&d->it[d->n], 0, sizeof d->it[d->n]);
	d->it[d->n].born = -1;
	d->it[d->n].id = xstrdup(id);
	d->it[d->n].elo = ELO_INITIAL;
	idmap_put(&d->index, d->it[d->n].id, (int)d->n);
	return (int)d->n++;
}

static void add_match(struct data *d, struct rmatch m)
{
	if (d->nm == d->mcap) {
		d->mcap = d->mcap ? d->mcap * 2 : 256;
		d->m = xrealloc(d->m, d->mcap * sizeof *d->m);
	}
	d->m[d->nm++] = m;
}

/* The outcome for the story shown first (match.h's rule). */
static double outcome(const struct rmatch *m)
{
	struct match x = { 0 };
	x.winner = m->winner;
	x.has_p = m->has_p;
	x.p_a = m->p_a;
	return match_outcome(&x);
}

/* One match object; -1 with a message in err when it is malformed. */
static int read_match(struct data *d, const cJSON *o, int gen, char *err, size_t errlen)
{
	struct match m;
	if (codec_match_parse(o, CODEC_IN_LOG, &m, err, errlen) < 0)
		return -1;
	struct rmatch rm = { 0 };
	rm.gen = gen;
	rm.winner = m.winner;
	rm.has_p = m.has_p;
	rm.p_a = m.p_a;
	rm.a = item_of(d, m.a);
	rm.b = item_of(d, m.b);
	add_match(d, rm);
	free(m.a);
	free(m.b);
	free(m.reason);
	free(m.error);
	return 0;
}

/* One verdict of compare's or rate's verdict files (vote.h): a_id is set
 * A's story and `first` says which was shown first; a person's tie counts
 * as no verdict here, as it does not say who is better. */
static int read_vote(struct data *d, const char *line, char *err, size_t errlen)
{
	struct vote v;
	if (vote_parse(line, strlen(line), &v, err, errlen) < 0)
		return -1;
	int a_first = v.first != 'b';
	struct rmatch rm = { 0 };
	rm.a = item_of(d, a_first ? v.a_id : v.b_id);
	rm.b = item_of(d, a_first ? v.b_id : v.a_id);
	if (v.winner == 'a' || v.winner == 'b')
		rm.winner = (v.winner == 'a') == a_first ? 'A' : 'B';
	rm.has_p = v.has_p;
	rm.p_a = a_first ? v.p_a : 1 - v.p_a;
	add_match(d, rm);
	vote_release(&v);
	return 0;
}

static int read_jsonl(struct data *d, const char *path, char *err, size_t errlen)
{
	char *text;
	if (strcmp(path, "-") == 0)
		path = "/dev/stdin";
	if (data_read_any(path, DATA_MAX_RUN_FILE, 1, &text, err, errlen) < 0)
		return -1;
	size_t lineno = 0;
	int rc = 0;
	for (char *line = text; line && *line && rc == 0;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		lineno++;
		char *s = line;
		while (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		if (*s) {
			char why[256];
			const char *end = NULL;
			cJSON *o = cJSON_ParseWithOpts(s, &end, 0);
			if (o && end[strspn(end, " \t\r")]) {
				cJSON_Delete(o);
				o = NULL;
			}
			if (!o)
				rc = aw_fail(err, errlen, "'%s' line %zu: not one JSON value", path, lineno);
			else if ((cJSON_GetObjectItemCaseSensitive(o, "a_id") ?
				  read_vote(d, s, why, sizeof why) :
				  read_match(d, o, 0, why, sizeof why)) < 0)
				rc = aw_fail(err, errlen, "'%s' line %zu: %s", path, lineno, why);
			cJSON_Delete(o);
		}
		line = nl ? nl + 1 : NULL;
	}
	free(text);
	if (rc == 0 && d->nm == 0)
		rc = aw_fail(err, errlen, "'%s' holds no matches", path);
	return rc;
}

static int read_run(struct data *d, const char *dir, char *err, size_t errlen)
{
	int last = -1;
	struct stat st;
	d->from_run = 1;
	if (stat(dir, &st) < 0 && errno != ENOENT && errno != ENOTDIR)
		return aw_fail(err, errlen, "cannot read '%s':", dir);
	for (int g = 0; store_has_generation(dir, g); g++) {
		struct generation gf;
		if (store_read_generation(dir, g, &gf, err, errlen) < 0)
			return -1;
		for (size_t i = 0; i < d->n; i++)
			d->it[i].in_last = 0;
		for (size_t i = 0; i < gf.stories.n; i++) {
			const struct story *s = gf.stories.v[i];
			int k = item_of(d, s->id);
			d->it[k].in_last = 1;
			if (d->it[k].born < 0)
				d->it[k].born = g;
			if (s->parent_id && !d->it[k].parent)
				d->it[k].parent = xstrdup(s->parent_id);
		}
		for (size_t k = 0; k < gf.matches.n; k++) {
			const struct match *m = gf.matches.v[k];
			struct rmatch rm = { 0 };
			rm.gen = g;
			rm.winner = m->winner;
			rm.has_p = m->has_p;
			rm.p_a = m->p_a;
			rm.a = item_of(d, m->a);
			rm.b = item_of(d, m->b);
			add_match(d, rm);
		}
		generation_release(&gf);
		last = g;
	}
	if (last < 0)
		return aw_fail(err, errlen, "'%s' holds no gen-000.json: not a run directory", dir);
	return 0;
}

/* ------------------------------------------------------------ ranking */

/* Stories first seen in generation g start from their parent's rating as
 * it stood when g began, as in evolve. */
static void start_generation(struct data *d, int g)
{
	for (size_t i = 0; i < d->n; i++) {
		struct item *it = &d->it[i];
		if (it->born != g || !it->parent)
			continue;
		for (size_t p = 0; p < d->n; p++)
			if (strcmp(d->it[p].id, it->parent) == 0)
				it->elo = d->it[p].elo;
	}
}

/* Replay Elo over the matches in order (held-out ones skipped). */
static void replay_elo(struct data *d)
{
	int gen = -1;
	for (size_t k = 0; k < d->nm; k++) {
		struct rmatch *m = &d->m[k];
		while (d->from_run && gen < m->gen)
			start_generation(d, ++gen);
		if (m->held_out || !m->winner)
			continue;
		elo_update(&d->it[m->a].elo, &d->it[m->b].elo, outcome(m), ELO_K);
	}
}

static const double *sort_scores; /* for cmp_items: qsort has no context */

static int cmp_items(const void *x, const void *y)
{
	int a = *(const int *)x, b = *(const int *)y;
	if (sort_scores[a] != sort_scores[b])
		return sort_scores[a] > sort_scores[b] ? -1 : 1;
	return a - b;
}

int rank_main(int argc, char **argv)
{
	struct rank_options ro = { 0 };
	const char *dir = NULL;
	int first;
	enum cli_result cr = cli_parse(&rank_command, &ro, NULL, argc, argv, &first);
	if (cr != CLI_RUN)
		return cr == CLI_EXIT ? AW_EXIT_OK : AW_EXIT_USAGE;
	const char *matches_file = ro.matches, *method = methods[ro.method];
	double holdout = ro.holdout;
	unsigned long long seed = ro.seed;
	if (first < argc)
		dir = argv[first++];
	if (first < argc)
		return cli_usage(&rank_command, "unexpected argument '%s'", argv[first]);
	if (!dir == !matches_file)
		return cli_usage(&rank_command, "give a run directory or --matches FILE (one of them)");

	struct data d = { 0 };
	char err[1024];
	int rc = matches_file ? read_jsonl(&d, matches_file, err, sizeof err) :
				read_run(&d, dir, err, sizeof err);
	if (rc < 0) {
		aw_error("%s", err);
		input_free(&d);
		return AW_EXIT_USAGE;
	}

	if (holdout > 0) { /* hold out a random fraction of the decided matches */
		struct rng r;
		rng_seed(&r, seed);
		for (size_t k = 0; k < d.nm; k++)
			d.m[k].held_out = d.m[k].winner && rng_unit(&r) < holdout;
	}
	int bt = strcmp(method, "bt") == 0;
	struct bt_ratings br = { 0 };
	double *se = NULL, h_se = 0;
	for (size_t i = 0; i < d.n; i++)
		bt_register(&br, d.it[i].id, 0);
	for (size_t k = 0; k < d.nm; k++) {
		struct rmatch *m = &d.m[k];
		if (m->held_out || !m->winner)
			continue;
		d.it[m->winner == 'A' ? m->a : m->b].wins++;
		d.it[m->winner == 'A' ? m->b : m->a].losses++;
		if (bt)
			bt_add(&br, m->a, m->b, outcome(m));
	}
	if (bt) {
		se = xmalloc((d.n ? d.n : 1) * sizeof *se);
		bt_refit(&br, se, 1, &h_se);
	} else {
		replay_elo(&d);
	}

	/* Output: the last generation of a run, or every story of a file. */
	double *score = xmalloc((d.n ? d.n : 1) * sizeof *score);
	int *order = xmalloc((d.n ? d.n : 1) * sizeof *order);
	size_t shown = 0;
	for (size_t i = 0; i < d.n; i++) {
		score[i] = bt ? bt_to_rating(br.theta[i]) : d.it[i].elo;
		if (!d.from_run || d.it[i].in_last)
			order[shown++] = (int)i;
	}
	sort_scores = score;
	qsort(order, shown, sizeof *order, cmp_items);

	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "method", method);
	cJSON_AddNumberToObject(root, "matches", (double)d.nm);
	if (bt) {
		cJSON *b = cJSON_AddObjectToObject(root, "position_bias");
		cJSON_AddNumberToObject(b, "logit", br.h);
		cJSON_AddNumberToObject(b, "logit_lo", br.h - 1.96 * h_se);
		cJSON_AddNumberToObject(b, "logit_hi", br.h + 1.96 * h_se);
	}
	if (holdout > 0) {
		long n = 0, right = 0;
		double loss = 0, brier = 0;
		for (size_t k = 0; k < d.nm; k++) {
			struct rmatch *m = &d.m[k];
			if (!m->held_out)
				continue;
			double p = bt ? bt_prob(br.theta[m->a], br.theta[m->b], br.h) :
					elo_expected(d.it[m->a].elo, d.it[m->b].elo);
			p = fmin(fmax(p, 1e-6), 1 - 1e-6);
			double y = m->winner == 'A' ? 1.0 : 0.0;
			n++;
			right += (p > 0.5) == (y > 0.5);
			loss -= y * log(p) + (1 - y) * log(1 - p);
			brier += (p - y) * (p - y);
		}
		cJSON *h = cJSON_AddObjectToObject(root, "holdout");
		cJSON_AddNumberToObject(h, "fraction", holdout);
		cJSON_AddNumberToObject(h, "matches", (double)n);
		cJSON_AddNumberToObject(h, "accuracy", n ? (double)right / (double)n : 0);
		cJSON_AddNumberToObject(h, "log_loss", n ? loss / (double)n : 0);
		cJSON_AddNumberToObject(h, "brier", n ? brier / (double)n : 0);
	}
	cJSON *arr = cJSON_AddArrayToObject(root, "stories");
	for (size_t r = 0; r < shown; r++) {
		int i = order[r];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", d.it[i].id);
		cJSON_AddNumberToObject(o, "rank", (double)(r + 1));
		cJSON_AddNumberToObject(o, "rating", score[i]);
		if (bt) {
			cJSON_AddNumberToObject(o, "rating_lo", bt_to_rating(br.theta[i] - 1.96 * se[i]));
			cJSON_AddNumberToObject(o, "rating_hi", bt_to_rating(br.theta[i] + 1.96 * se[i]));
		} else {
			cJSON_AddNullToObject(o, "rating_lo");
			cJSON_AddNullToObject(o, "rating_hi");
		}
		cJSON_AddNumberToObject(o, "wins", d.it[i].wins);
		cJSON_AddNumberToObject(o, "losses", d.it[i].losses);
		cJSON_AddNumberToObject(o, "matches", d.it[i].wins + d.it[i].losses);
		cJSON_AddItemToArray(arr, o);
	}
	char *json = cJSON_Print(root);
	cJSON_Delete(root);
	if (json) {
		puts(json);
		cJSON_free(json);
	}

	input_free(&d);
	free(score);
	free(order);
	free(se);
	bt_ratings_free(&br);
	return json ? AW_EXIT_OK : AW_EXIT_FAILED;
}
