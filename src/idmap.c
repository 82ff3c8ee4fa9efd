/*
 * idmap.c - open-addressing hash table from id to index (see idmap.h).
 */
#include "aw/idmap.h"
#include "aw/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a, 64 bits */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

/* The slot holding key, or the empty slot where it would go. */
static struct idmap_slot *find(const struct idmap *m, const char *key)
{
	size_t i = (size_t)hash(key) & (m->cap - 1);
	while (m->slot[i].key && strcmp(m->slot[i].key, key) != 0)
		i = (i + 1) & (m->cap - 1);
	return &m->slot[i];
}

int idmap_get(const struct idmap *m, const char *key)
{
	if (!m->cap)
		return -1;
	const struct idmap_slot *s = find(m, key);
	return s->key ? s->value : -1;
}

static void grow(struct idmap *m)
{
	struct idmap old = *m;
	m->cap = old.cap ? old.cap * 2 : 64;
	m->slot = xcalloc(m->cap, sizeof *m->slot);
	for (size_t i = 0; i < old.cap; i++)
		if (old.slot[i].key)
			*find(m, old.slot[i].key) = old.slot[i];
	free(old.slot);
}

void idmap_put(struct idmap *m, const char *key, int value)
{
	if (2 * (m->n + 1) > m->cap)
		grow(m);
	struct idmap_slot *s = find(m, key);
	if (!s->key)
		m->n++;
	s->key = key;
	s->value = value;
}

void idmap_free(struct idmap *m)
{
	free(m->slot);
	m->slot = NULL;
	m->cap = m->n = 0;
}
