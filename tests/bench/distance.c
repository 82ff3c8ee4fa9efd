/*
 * distance.c - measure two text distances on real stories, and print the
 * table the choice of diversity_distance() rests on: the character 4-gram
 * distance of src/diversity.c, and the normalised compression distance
 * NCD(x,y) = (C(xy) - min(C(x),C(y))) / max(C(x),C(y)) with zlib, which
 * lost and lives only here.
 *
 *   make bench-distance                      # the reference runs
 *   tests/bench/distance DIR...              # each DIR holds stories.jsonl
 *
 * Each stories.jsonl line is {"batch": "initial"|"batchN", "text": ...}
 * (the reference implementation's published runs).  Batch N+1 holds the
 * best stories of batch N, unchanged, and rewrites of them, so a text first
 * seen in a later batch is a rewrite of an earlier text: its lineage.  The
 * initial batch holds independent stories written for the same prompt.
 * A distance suits diversity when it puts a rewrite much nearer its nearest
 * earlier story than independent stories are to one another, spreads the
 * independent pairs, and is cheap: a generation of 200 stories is 19,900
 * pairs.  For each run and distance this prints
 *
 *   rewrite  mean distance from a rewrite to its nearest earlier story
 *            (its parent, or a story of its lineage)
 *   indep    mean and standard deviation of the distances between two
 *            initial stories, and their range
 *   AUC      the probability that a rewrite's nearest-earlier distance is
 *            below the distance of a random pair of initial stories
 *            (1 = a threshold separates them perfectly, 0.5 = chance)
 *   AUCnn    the same against each initial story's distance to its
 *            nearest other initial story: a minimum against a minimum
 *   sep      (indep mean - rewrite mean) / indep sd: the gap in units of
 *            the spread of independent pairs
 *   ratio    a rewrite's nearest-earlier distance over its median distance
 *            to the initial stories, averaged (lower = better separation)
 *   us/pair  CPU microseconds per pair for the whole matrix, preparation
 *            of each text included
 *
 * then the CPU time of a synthetic generation of 200 texts of about 2,000
 * words (real stories joined), the distance of a text to itself and to a
 * copy with one sentence in ten replaced, by length (NCD's floor, and its
 * 32 KiB window), and, per batch, the generation measures.
 */
#include "aw/diversity.h"
#include "aw/util.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

struct story {
	int batch;  /* 0 for "initial", N-1 for "batchN" */
	char *text; /* the story */
};

struct run {
	char name[256];    /* the directory's last component */
	struct story *s;   /* every story, in file order */
	size_t n;          /* how many */
};

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *s = xmalloc(cap);
	for (size_t got; (got = fread(s + n, 1, cap - n - 1, f)) > 0;) {
		n += got;
		if (n + 1 == cap)
			s = xrealloc(s, cap *= 2);
	}
	fclose(f);
	s[n] = '\0';
	return s;
}

static int batch_number(const char *b)
{
	if (strcmp(b, "initial") == 0)
		return 0;
	char *end;
	long n = strncmp(b, "batch", 5) == 0 ? strtol(b + 5, &end, 10) : 0;
	return n >= 2 && n < 1000 && *end == '\0' ? (int)n - 1 : -1;
}

static int load_run(const char *dir, struct run *r)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/stories.jsonl", dir);
	char *all = slurp(path);
	if (!all) {
		fprintf(stderr, "distance: cannot read %s\n", path);
		return -1;
	}
	snprintf(r->name, sizeof r->name, "%s", dir);
	for (size_t k = strlen(r->name); k > 1 && r->name[k - 1] == '/';)
		r->name[--k] = '\0';
	const char *base = strrchr(r->name, '/');
	if (base)
		memmove(r->name, base + 1, strlen(base));
	r->s = NULL;
	r->n = 0;
	for (char *line = strtok(all, "\n"); line; line = strtok(NULL, "\n")) {
		cJSON *o = cJSON_Parse(line);
		cJSON *b = cJSON_GetObjectItemCaseSensitive(o, "batch");
		cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "text");
		if (cJSON_IsString(b) && cJSON_IsString(t) && batch_number(b->valuestring) >= 0) {
			r->s = xrealloc(r->s, (r->n + 1) * sizeof *r->s);
			r->s[r->n].batch = batch_number(b->valuestring);
			r->s[r->n].text = xstrdup(t->valuestring);
			r->n++;
		}
		cJSON_Delete(o);
	}
	free(all);
	return r->n ? 0 : -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* P(x < y) over x in a, y in b, ties counted half. */
static double auc(const double *a, size_t na, const double *b, size_t nb)
{
	double s = 0;
	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++)
			s += a[i] < b[j] ? 1 : a[i] == b[j] ? 0.5 : 0;
	return na && nb ? s / ((double)na * (double)nb) : 0;
}

static void mean_sd(const double *x, size_t n, double *mean, double *sd)
{
	double s = 0, q = 0;
	for (size_t i = 0; i < n; i++)
		s += x[i];
	*mean = n ? s / (double)n : 0;
	for (size_t i = 0; i < n; i++)
		q += (x[i] - *mean) * (x[i] - *mean);
	*sd = n > 1 ? sqrt(q / (double)(n - 1)) : 0;
}

/* ------------------------------------------------------------ NCD */

/* Raw deflate size of a then b (b may be NULL), level 9, on a stream that
 * is reset, not rebuilt, between calls. */
static size_t deflated(z_stream *z, const char *a, const char *b)
{
	unsigned char out[16384];
	size_t total = 0;
	deflateReset(z);
	for (int k = 0; k < 2; k++) {
		const char *s = k ? b : a;
		int flush = k || !b ? Z_FINISH : Z_NO_FLUSH, rc;
		z->next_in = (Bytef *)(uintptr_t)s;
		z->avail_in = (uInt)strlen(s);
		do {
			z->next_out = out;
			z->avail_out = sizeof out;
			rc = deflate(z, flush);
			total += sizeof out - z->avail_out;
		} while (z->avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
		if (!b)
			break;
	}
	return total;
}

/* Every pairwise NCD of texts[0..n), each C(x) computed once; C(xy) for
 * i < j serves both orders (C(yx) differs by a few bytes). */
static double *ncd_matrix(const char *const *texts, size_t n)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	double *m = xcalloc(n * n + 1, sizeof *m);
	size_t *c = xmalloc((n + 1) * sizeof *c);
	for (size_t i = 0; i < n; i++)
		c[i] = deflated(&z, texts[i], NULL);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			size_t lo = c[i] < c[j] ? c[i] : c[j], hi = c[i] < c[j] ? c[j] : c[i];
			double x = ((double)deflated(&z, texts[i], texts[j]) - (double)lo) / (double)hi;
			m[i * n + j] = m[j * n + i] = x;
		}
	free(c);
	deflateEnd(&z);
	return m;
}

static double *ngram_matrix(const char *const *texts, size_t n)
{
	struct diversity *d = diversity_new(texts, n);
	double *m = xmalloc((n * n + 1) * sizeof *m);
	memcpy(m, d->dist, n * n * sizeof *m);
	diversity_free(d);
	return m;
}

static const struct {
	const char *name;                                      /* column label */
	double *(*matrix)(const char *const *texts, size_t n); /* all pairs, n x n */
} metrics[] = {
	{ "4-gram cosine", ngram_matrix },
	{ "NCD zlib-9", ncd_matrix },
};

static double ncd_pair(const char *a, const char *b)
{
	const char *t[2] = { a, b };
	double *m = ncd_matrix(t, 2);
	double x = m[1];
	free(m);
	return x;
}

static double mean_off_diagonal(const double *m, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			s += i == j ? 0 : m[i * n + j];
	return n > 1 ? s / (double)(n * (n - 1)) : 0;
}

static void measure_run(const struct run *r)
{
	/* Unique texts, each at the batch where it first appears: the
	 * unchanged parents a later batch carries are not rewrites. */
	const char **text = xmalloc(r->n * sizeof *text);
	int *batch = xmalloc(r->n * sizeof *batch);
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++) {
		size_t j = 0;
		while (j < n && strcmp(text[j], r->s[i].text) != 0)
			j++;
		if (j < n) {
			if (r->s[i].batch < batch[j])
				batch[j] = r->s[i].batch;
			continue;
		}
		text[n] = r->s[i].text;
		batch[n++] = r->s[i].batch;
	}
	for (size_t k = 0; k < sizeof metrics / sizeof metrics[0]; k++) {
		double t0 = cpu_now();
		double *d = metrics[k].matrix(text, n);
		double cpu = cpu_now() - t0;
		double *rew = xmalloc(n * sizeof *rew), *ind = xmalloc(n * n * sizeof *ind);
		double *indnn = xmalloc(n * sizeof *indnn), *row = xmalloc(n * sizeof *row);
		size_t nr = 0, ni = 0, nn = 0;
		double ratio = 0;
		for (size_t i = 0; i < n; i++) {
			double best = 2;
			size_t m = 0;
			for (size_t j = 0; j < n; j++) {
				double x = d[i * n + j];
				if (j == i)
					continue;
				if (batch[i] == 0 && batch[j] == 0) {
					if (j > i)
						ind[ni++] = x;
					if (x < best)
						best = x;
				} else if (batch[i] > 0) {
					if (batch[j] < batch[i] && x < best)
						best = x;
					if (batch[j] == 0)
						row[m++] = x;
				}
			}
			if (batch[i] == 0) {
				if (best <= 1.5)
					indnn[nn++] = best;
				continue;
			}
			qsort(row, m, sizeof *row, cmp_double);
			double med = m % 2 ? row[m / 2] : (row[m / 2 - 1] + row[m / 2]) / 2;
			ratio += med > 0 ? best / med : 1;
			rew[nr++] = best;
		}
		double rm, rsd, im, isd;
		mean_sd(rew, nr, &rm, &rsd);
		mean_sd(ind, ni, &im, &isd);
		qsort(ind, ni, sizeof *ind, cmp_double);
		size_t pairs = n * (n - 1) / 2;
		printf("| %-20s | %-13s | %3zu | %5.3f | %5.3f ± %5.3f (%5.3f–%5.3f) | %5.3f | %5.3f | %5.1f | %4.2f | %6.1f |\n",
		       r->name, metrics[k].name, nr, rm, im, isd, ind[0], ind[ni - 1],
		       auc(rew, nr, ind, ni), auc(rew, nr, indnn, nn), isd > 0 ? (im - rm) / isd : 0,
		       nr ? ratio / (double)nr : 0, pairs ? cpu * 1e6 / (double)pairs : 0);
		free(rew);
		free(ind);
		free(indnn);
		free(row);
		free(d);
	}
	free(text);
	free(batch);
}

static long count_words(const char *s)
{
	long n = 0;
	for (const char *p = s; *p; p++)
		n += (p == s || p[-1] == ' ' || p[-1] == '\n') && *p != ' ' && *p != '\n';
	return n;
}

/* A text of at least `words` words: the runs' stories joined, taken in turn
 * from where *run and *k point. */
static char *joined(struct run *runs, size_t nruns, size_t *run, size_t *k, long words)
{
	size_t len = 0;
	char *t = xcalloc(1, 1);
	for (long w = 0; w < words;) {
		const char *s = runs[*run].s[*k].text;
		t = xrealloc(t, len + strlen(s) + 3);
		len += (size_t)sprintf(t + len, "%s%s", len ? "\n\n" : "", s);
		w += count_words(s);
		if (++*k == runs[*run].n) {
			*k = 0;
			*run = (*run + 1) % nruns;
		}
	}
	return t;
}

static void measure_scale(struct run *runs, size_t nruns)
{
	enum { N = 200, WORDS = 2000 };
	char **t = xcalloc(N, sizeof *t);
	size_t run = 0, k = 0, bytes = 0;
	for (size_t i = 0; i < N; i++) {
		t[i] = joined(runs, nruns, &run, &k, WORDS);
		bytes += strlen(t[i]);
	}
	printf("\nA synthetic generation: %d texts of >= %d words (mean %zu bytes), %d pairs\n\n",
	       N, WORDS, bytes / N, N * (N - 1) / 2);
	printf("| distance      | CPU s, all pairs | us/pair |\n|---|---|---|\n");
	for (size_t m = 0; m < sizeof metrics / sizeof metrics[0]; m++) {
		double t0 = cpu_now();
		free(metrics[m].matrix((const char *const *)t, N));
		double cpu = cpu_now() - t0;
		printf("| %-13s | %16.2f | %7.1f |\n", metrics[m].name, cpu,
		       cpu * 1e6 / (N * (N - 1) / 2));
	}
	for (size_t i = 0; i < N; i++)
		free(t[i]);
	free(t);
}

/* A copy of t with every tenth sentence (ended by ". ") replaced. */
static char *edit_tenth(const char *t)
{
	static const char other[] = "Nobody in the quiet town could remember a winter so grey. ";
	size_t sentences = 1;
	for (const char *p = t; (p = strstr(p, ". ")) != NULL; p += 2)
		sentences++;
	char *out = xmalloc(strlen(t) + (sentences / 10 + 1) * sizeof other), *o = out;
	int sentence = 0;
	const char *p = t;
	while (*p) {
		const char *e = strstr(p, ". ");
		e = e ? e + 2 : p + strlen(p);
		if (++sentence % 10 == 0)
			o += sprintf(o, "%s", other);
		else {
			memcpy(o, p, (size_t)(e - p));
			o += e - p;
		}
		p = e;
	}
	*o = '\0';
	return out;
}

static void measure_length(struct run *runs, size_t nruns)
{
	static const long words[] = { 300, 1000, 2000, 5000, 8000 };
	printf("\nBy length: d(x, x) and d(x, x with one sentence in ten replaced)\n\n");
	printf("| words | bytes | 4-gram d(x,x) | 4-gram d(x,x') | NCD d(x,x) | NCD d(x,x') |\n");
	printf("|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		size_t run = nruns - 1, k = 0;
		char *t = joined(runs, nruns, &run, &k, words[i]);
		char *e = edit_tenth(t);
		printf("| %5ld | %6zu | %13.4f | %14.4f | %10.4f | %11.4f |\n", count_words(t),
		       strlen(t), diversity_distance(t, t), diversity_distance(t, e), ncd_pair(t, t),
		       ncd_pair(t, e));
		free(t);
		free(e);
	}
}

static void measure_batches(const struct run *r)
{
	int last = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->s[i].batch > last)
			last = r->s[i].batch;
	const char **text = xmalloc(r->n * sizeof *text);
	for (int b = 0; b <= last; b++) {
		size_t n = 0;
		for (size_t i = 0; i < r->n; i++)
			if (r->s[i].batch == b)
				text[n++] = r->s[i].text;
		if (!n)
			continue;
		struct diversity *d = diversity_new(text, n);
		double *c = ncd_matrix(text, n);
		printf("| %-20s | %5d | %3zu | %6.3f | %7.3f | %6.3f | %6.3f | %6.3f |\n", r->name, b + 1,
		       n, d->mean_deviation, mean_off_diagonal(c, n), diversity_distinct(text, n, 2),
		       diversity_distinct(text, n, 3), diversity_compression_ratio(text, n));
		diversity_free(d);
		free(c);
	}
	free(text);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: distance DIR...   (each DIR holds stories.jsonl)\n");
		return 2;
	}
	size_t nruns = (size_t)argc - 1;
	struct run *runs = xcalloc(nruns, sizeof *runs);
	for (size_t i = 0; i < nruns; i++)
		if (load_run(argv[i + 1], &runs[i]) != 0)
			return 1;
	printf("| run                  | distance      | rew | rewrite | indep mean ± sd (range)     | AUC   | AUCnn |  sep | ratio | us/pair |\n");
	printf("|---|---|---|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < nruns; i++)
		measure_run(&runs[i]);
	measure_scale(runs, nruns);
	measure_length(runs, nruns);
	printf("\nGeneration measures per batch (batch 1 = initial; the stories as the batch holds them)\n\n");
	printf("| run                  | batch |   n | dev 4g | dev NCD | dist-2 | dist-3 | compr. |\n");
	printf("|---|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < nruns; i++)
		measure_batches(&runs[i]);
	for (size_t i = 0; i < nruns; i++) {
		for (size_t k = 0; k < runs[i].n; k++)
			free(runs[i].s[k].text);
		free(runs[i].s);
	}
	free(runs);
	return 0;
}
