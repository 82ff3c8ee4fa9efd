/*
 * story.c - stories, populations and the text rules (see story.h).
 */
#include "aw/story.h"
#include "aw/elo.h"
#include "aw/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

struct story *story_new(void)
{
	struct story *s = xcalloc(1, sizeof *s);
	s->elo = ELO_INITIAL;
	return s;
}

struct story *story_copy(const struct story *s)
{
	struct story *c = xmalloc(sizeof *c);
	*c = *s;
	c->id = dup_or_null(s->id);
	c->parent_id = dup_or_null(s->parent_id);
	c->style = dup_or_null(s->style);
	c->theme = dup_or_null(s->theme);
	c->goal = dup_or_null(s->goal);
	c->text = dup_or_null(s->text);
	c->error = dup_or_null(s->error);
	c->wins = c->losses = c->matches = 0;
	c->rank = 0;
	return c;
}

void story_free(struct story *s)
{
	if (!s)
		return;
	free(s->id);
	free(s->parent_id);
	free(s->style);
	free(s->theme);
	free(s->goal);
	free(s->text);
	free(s->error);
	free(s);
}

void population_add(struct population *p, struct story *s)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->v = xrealloc(p->v, p->cap * sizeof *p->v);
	}
	p->v[p->n++] = s;
}

void population_free(struct population *p)
{
	for (size_t i = 0; i < p->n; i++)
		story_free(p->v[i]);
	free(p->v);
	p->v = NULL;
	p->n = p->cap = 0;
}

static int by_rating;

static int better_first(const void *a, const void *b)
{
	const struct story *x = *(const struct story *const *)a;
	const struct story *y = *(const struct story *const *)b;
	double kx = by_rating ? x->rating : x->elo, ky = by_rating ? y->rating : y->elo;
	if (kx != ky)
		return kx > ky ? -1 : 1;
	if (x->wins != y->wins)
		return x->wins > y->wins ? -1 : 1;
	return strcmp(x->id, y->id);
}

void population_rank(struct population *p, int use_rating)
{
	by_rating = use_rating;
	for (size_t i = 0; i < p->n; i++)
		if (!p->v[i]->rated)
			by_rating = 0;
	qsort(p->v, p->n, sizeof *p->v, better_first);
	for (size_t i = 0; i < p->n; i++)
		p->v[i]->rank = (int)i + 1;
}

long text_count_words(const char *text)
{
	long n = 0;
	int in_word = 0;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (isspace(*p)) {
			in_word = 0;
		} else if (!in_word) {
			in_word = 1;
			n++;
		}
	}
	return n;
}

/* Length of the closing quote or bracket that ends [w, e), or 0: ASCII
 * ones, and the UTF-8 of », ’ and ”. */
static size_t closer_len(const char *w, const char *e)
{
	const unsigned char *u = (const unsigned char *)e;
	if (e > w && strchr("\"')]*_", e[-1]) && e[-1])
		return 1;
	if (e - w >= 2 && u[-2] == 0xc2 && u[-1] == 0xbb)
		return 2;
	if (e - w >= 3 && u[-3] == 0xe2 && u[-2] == 0x80 && (u[-1] == 0x99 || u[-1] == 0x9d))
		return 3;
	return 0;
}

char *text_trim_words(const char *text, long max_words)
{
	const char *p = text;
	const char *cut = text;          /* end of the last whole word kept */
	const char *sentence = NULL;     /* end of the last sentence kept */
	long words = 0, sentence_words = 0;
	while (*p && words < max_words) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		const char *w = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		words++;
		cut = p;
		/* A word ending in . ! ? (maybe followed by closing quotes or
		 * brackets, which stay with it) ends a sentence. */
		const char *e = p;
		for (size_t n; (n = closer_len(w, e)) > 0;)
			e -= n;
		if (e > w && strchr(".!?", e[-1])) {
			sentence = p;
			sentence_words = words;
		}
	}
	const char *end = (sentence && sentence_words * 2 >= words) ? sentence : cut;
	return xstrndup(text, (size_t)(end - text));
}

/* Length of the punctuation at the start of [p, e): one ASCII punctuation
 * byte, or the UTF-8 of « » ¡ ¿ or of U+2010..U+205E (dashes, quotes,
 * ellipsis, primes, guillemets); 0 if none. */
static size_t punct_at(const unsigned char *p, const unsigned char *e)
{
	if (p < e && *p < 0x80 && ispunct(*p))
		return 1;
	if (e - p >= 2 && p[0] == 0xc2 && (p[1] == 0xab || p[1] == 0xbb || p[1] == 0xa1 || p[1] == 0xbf))
		return 2;
	if (e - p >= 3 && p[0] == 0xe2 &&
	    ((p[1] == 0x80 && p[2] >= 0x90) || (p[1] == 0x81 && p[2] >= 0x80 && p[2] < 0x9f)))
		return 3;
	return 0;
}

/* The same, for the punctuation that ends [b, e). */
static size_t punct_before(const unsigned char *b, const unsigned char *e)
{
	if (e > b && e[-1] < 0x80 && ispunct(e[-1]))
		return 1;
	if (e - b >= 2 && punct_at(e - 2, e) == 2)
		return 2;
	if (e - b >= 3 && punct_at(e - 3, e) == 3)
		return 3;
	return 0;
}

const char *text_next_word(const char **pp, const char *end, size_t *len)
{
	const unsigned char *p = (const unsigned char *)*pp;
	const unsigned char *e = end ? (const unsigned char *)end : p + strlen(*pp);
	for (;;) {
		while (p < e && isspace(*p))
			p++;
		if (p >= e) {
			*pp = (const char *)p;
			return NULL;
		}
		const unsigned char *b = p, *z;
		while (p < e && !isspace(*p))
			p++;
		z = p;
		for (size_t k; b < z && (k = punct_at(b, z)) > 0;)
			b += k;
		for (size_t k; z > b && (k = punct_before(b, z)) > 0;)
			z -= k;
		if (b < z) {
			*len = (size_t)(z - b);
			*pp = (const char *)p;
			return (const char *)b;
		}
	}
}
