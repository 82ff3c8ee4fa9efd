/*
 * diversity.c - the text distance and the diversity of a generation (see
 * diversity.h).
 *
 * A text's profile is the sorted list of its distinct 4-byte windows with
 * their counts, built once per text; the distance of a pair is then one merge
 * of two sorted lists, with no hashing and no collisions (four bytes are a
 * 32-bit key).  The compression distance it was chosen over lives in
 * tests/bench/distance.c, which measured the two.
 */
#include "aw/diversity.h"
#include "aw/idmap.h"
#include "aw/story.h"
#include "aw/util.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* --------------------------------------------------- n-gram profiles */

struct profile {
	uint32_t *gram; /* distinct 4-byte windows, ascending */
	double *w;      /* their counts */
	size_t n;       /* distinct windows */
	double norm;    /* Euclidean norm of w */
	char *flat;     /* the normalised text, for texts too short for a window */
};

/* The text as the profile sees it: ASCII letters lowercased, every run of
 * white space one space, one space added at each end (so that a text's first
 * and last words make windows of their own, and a one-word text has some). */
static char *flatten(const char *text, size_t *len)
{
	size_t n = strlen(text);
	char *out = xmalloc(n + 3);
	size_t k = 0;
	out[k++] = ' ';
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (isspace(*p)) {
			if (out[k - 1] != ' ')
				out[k++] = ' ';
		} else {
			out[k++] = (char)tolower(*p);
		}
	}
	if (out[k - 1] != ' ')
		out[k++] = ' ';
	out[k] = '\0';
	*len = k;
	return out;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static void profile_build(struct profile *p, const char *text)
{
	size_t len;
	memset(p, 0, sizeof *p);
	p->flat = flatten(text, &len);
	if (len < 4)
		return;
	const unsigned char *u = (const unsigned char *)p->flat;
	size_t m = len - 3;
	uint32_t *g = xmalloc(m * sizeof *g);
	/* Four bytes are exactly 32 bits: the window is its own key, so two
	 * different 4-grams never collide. */
	for (size_t i = 0; i < m; i++)
		g[i] = (uint32_t)u[i] << 24 | (uint32_t)u[i + 1] << 16 |
		       (uint32_t)u[i + 2] << 8 | u[i + 3];
	qsort(g, m, sizeof *g, cmp_u32);
	p->w = xmalloc(m * sizeof *p->w);
	double sq = 0;
	for (size_t i = 0; i < m;) {
		size_t j = i;
		while (j < m && g[j] == g[i])
			j++;
		double c = (double)(j - i);
		g[p->n] = g[i];
		p->w[p->n++] = c;
		sq += c * c;
		i = j;
	}
	p->gram = g;
	p->norm = sqrt(sq);
}

static void profile_release(struct profile *p)
{
	free(p->gram);
	free(p->w);
	free(p->flat);
	memset(p, 0, sizeof *p);
}

static double clamp01(double x)
{
	return x < 0 ? 0 : x > 1 ? 1 : x;
}

static double profile_distance(const struct profile *a, const struct profile *b)
{
	if (!a->n || !b->n) /* a text of at most one character */
		return strcmp(a->flat, b->flat) == 0 ? 0 : 1;
	double dot = 0;
	size_t i = 0, j = 0;
	while (i < a->n && j < b->n) {
		if (a->gram[i] < b->gram[j])
			i++;
		else if (a->gram[i] > b->gram[j])
			j++;
		else
			dot += a->w[i++] * b->w[j++];
	}
	return clamp01(1 - dot / (a->norm * b->norm));
}

double diversity_distance(const char *a, const char *b)
{
	struct profile pa, pb;
	profile_build(&pa, a);
	profile_build(&pb, b);
	double d = profile_distance(&pa, &pb);
	profile_release(&pa);
	profile_release(&pb);
	return d;
}

/* ------------------------------------------------------ a generation */

static void set_deviations(struct diversity *d)
{
	double sum = 0;
	for (size_t i = 0; i < d->n; i++) {
		double s = 0;
		for (size_t j = 0; j < d->n; j++)
			s += d->dist[i * d->n + j]; /* the diagonal is 0 */
		d->deviation[i] = d->n > 1 ? s / (double)(d->n - 1) : 0;
		sum += d->deviation[i];
	}
	d->mean_deviation = d->n > 1 ? sum / (double)d->n : 0;
}

static struct diversity *alloc_generation(size_t n)
{
	struct diversity *d = xcalloc(1, sizeof *d);
	d->n = n;
	d->dist = xcalloc(n ? n * n : 1, sizeof *d->dist);
	d->deviation = xcalloc(n ? n : 1, sizeof *d->deviation);
	return d;
}

struct diversity *diversity_new(const char *const *texts, size_t n)
{
	struct diversity *d = alloc_generation(n);
	struct profile *p = xmalloc((n ? n : 1) * sizeof *p);
	for (size_t i = 0; i < n; i++)
		profile_build(&p[i], texts[i]);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			d->dist[i * n + j] = d->dist[j * n + i] = profile_distance(&p[i], &p[j]);
	for (size_t i = 0; i < n; i++)
		profile_release(&p[i]);
	free(p);
	set_deviations(d);
	return d;
}

double diversity_pair(const struct diversity *d, size_t i, size_t j)
{
	return d->dist[i * d->n + j];
}

double diversity_deviation(const struct diversity *d, size_t i)
{
	return d->deviation[i];
}

void diversity_free(struct diversity *d)
{
	if (!d)
		return;
	free(d->dist);
	free(d->deviation);
	free(d);
}

/* ------------------------------------------------- generation measures */

/* The next word of *pp: a run of non-space bytes with its surrounding
 * punctuation stripped, hashed lowercase (FNV-1a).  Runs that are all
 * punctuation ("—", "***") are skipped.  Returns 0 at the end of text. */
static int next_word(const char **pp, uint64_t *hash)
{
	size_t n;
	const char *w = text_next_word(pp, NULL, &n);
	if (!w)
		return 0;
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)tolower((unsigned char)w[i])) * 0x100000001b3ULL;
	*hash = h;
	return 1;
}

/* A set of 64-bit hashes, open addressing, at most half full; 0 marks an
 * empty slot, so a hash of 0 is stored as 1. */
struct hashset {
	uint64_t *slot; /* cap slots */
	size_t cap, n;  /* slots, hashes held */
};

static int hashset_add(struct hashset *s, uint64_t h)
{
	if (!h)
		h = 1;
	if (2 * (s->n + 1) > s->cap) {
		struct hashset old = *s;
		s->cap = old.cap ? old.cap * 2 : 1024;
		s->slot = xcalloc(s->cap, sizeof *s->slot);
		s->n = 0;
		for (size_t i = 0; i < old.cap; i++)
			if (old.slot[i])
				hashset_add(s, old.slot[i]);
		free(old.slot);
	}
	size_t i = (size_t)(h ^ h >> 29) & (s->cap - 1);
	while (s->slot[i]) {
		if (s->slot[i] == h)
			return 0;
		i = (i + 1) & (s->cap - 1);
	}
	s->slot[i] = h;
	s->n++;
	return 1;
}

double diversity_distinct(const char *const *texts, size_t n, int order)
{
	if (order < 1 || order > DIVERSITY_MAX_ORDER)
		return 0;
	struct hashset set = { NULL, 0, 0 };
	size_t total = 0;
	for (size_t t = 0; t < n; t++) {
		uint64_t ring[DIVERSITY_MAX_ORDER]; /* the last `order` word hashes */
		size_t seen = 0;
		const char *p = texts[t];
		uint64_t h;
		while (next_word(&p, &h)) {
			ring[seen++ % (size_t)order] = h;
			if (seen < (size_t)order)
				continue;
			/* Combine the window's word hashes in order (an n-gram
			 * never spans two texts). */
			uint64_t g = 0x9e3779b97f4a7c15ULL;
			for (size_t k = seen - (size_t)order; k < seen; k++)
				g = (g ^ ring[k % (size_t)order]) * 0x100000001b3ULL + (g >> 31);
			hashset_add(&set, g);
			total++;
		}
	}
	double r = total ? (double)set.n / (double)total : 0;
	free(set.slot);
	return r;
}

/* Bytes of raw deflate output (level 9; no zlib header or checksum, which
 * would only add a constant) for parts[0..n) in a row, n >= 1.  The output
 * is counted and thrown away. */
static size_t deflated_size(const char *const *parts, const size_t *lens, size_t n)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		abort(); /* only out of memory, as for xmalloc */
	unsigned char out[16384];
	size_t total = 0;
	for (size_t k = 0; k < n; k++) {
		int flush = k + 1 == n ? Z_FINISH : Z_NO_FLUSH, rc;
		z.next_in = (Bytef *)(uintptr_t)parts[k];
		z.avail_in = (uInt)lens[k];
		do {
			z.next_out = out;
			z.avail_out = sizeof out;
			rc = deflate(&z, flush);
			if (rc == Z_STREAM_ERROR)
				abort();
			total += sizeof out - z.avail_out;
		} while (z.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
	}
	deflateEnd(&z);
	return total;
}

double diversity_compression_ratio(const char *const *texts, size_t n)
{
	if (!n)
		return 0;
	const char **parts = xmalloc(2 * n * sizeof *parts);
	size_t *lens = xmalloc(2 * n * sizeof *lens);
	size_t k = 0, raw = 0;
	for (size_t i = 0; i < n; i++) {
		if (i) {
			parts[k] = "\n\n";
			lens[k++] = 2;
		}
		parts[k] = texts[i];
		lens[k] = strlen(texts[i]);
		raw += lens[k++];
	}
	raw += 2 * (n - 1);
	double r = raw ? (double)deflated_size(parts, lens, k) / (double)raw : 0;
	free(parts);
	free(lens);
	return r;
}

size_t diversity_lineages(const char *const *ancestor_ids, size_t n)
{
	struct idmap m = IDMAP_INIT;
	for (size_t i = 0; i < n; i++)
		if (ancestor_ids[i])
			idmap_put(&m, ancestor_ids[i], (int)i);
	size_t distinct = m.n;
	idmap_free(&m);
	return distinct;
}
