/*
 * history.c - every story of a run and its lineage (see history.h).
 *
 * Entries are added in generation order, so a variant's parent is always
 * held before it and its root is found by one lookup.  Roots point at the
 * id string of the generation-0 entry, which never moves (the array of
 * entries may; the strings do not).
 */
#include "aw/history.h"
#include "aw/codec.h"
#include "aw/store.h"
#include "aw/util.h"

#include <stdlib.h>
#include <string.h>

static void add(struct history *h, const struct story *s)
{
	if (idmap_get(&h->index, s->id) >= 0)
		return;
	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 64;
		h->v = xrealloc(h->v, h->cap * sizeof *h->v);
	}
	struct history_entry *e = &h->v[h->n];
	e->id = xstrdup(s->id);
	e->parent = s->parent_id ? xstrdup(s->parent_id) : NULL;
	e->born = s->born;
	e->temperature = s->temperature;
	if (!e->parent) {
		e->root = e->id;
	} else {
		const char *r = history_root(h, e->parent);
		e->root = r ? r : e->parent;
	}
	idmap_put(&h->index, e->id, (int)h->n);
	h->n++;
}

size_t history_add(struct history *h, const struct population *pop, int gen)
{
	size_t before = h->n;
	for (size_t i = 0; i < pop->n; i++)
		if (pop->v[i]->born == gen && pop->v[i]->text && pop->v[i]->id)
			add(h, pop->v[i]);
	return h->n - before;
}

const struct history_entry *history_find(const struct history *h, const char *id)
{
	int k = idmap_get(&h->index, id);
	return k >= 0 ? &h->v[k] : NULL;
}

const char *history_root(const struct history *h, const char *id)
{
	const struct history_entry *e = history_find(h, id);
	return e ? e->root : NULL;
}

int history_load(struct history *h, const char *dir, int done, char *err, size_t errlen)
{
	for (int g = 0; g < done; g++) {
		struct generation gf;
		if (store_read_generation(dir, g, &gf, err, errlen) < 0)
			return -1;
		history_add(h, &gf.stories, g);
		generation_release(&gf);
	}
	return 0;
}

void history_free(struct history *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->v[i].id);
		free(h->v[i].parent);
	}
	free(h->v);
	idmap_free(&h->index);
	memset(h, 0, sizeof *h);
}
