/*
 * idmap.h - find a story's index by its id in constant time.
 *
 * A run can hold tens of thousands of stories and a match log hundreds of
 * thousands of verdicts; looking ids up by a linear scan made `rank` on a
 * large log take minutes.  This is an open-addressing hash table (FNV-1a,
 * linear probing, kept at most half full) from id to index, nothing more.
 *
 * Ownership: the map borrows its keys; each must stay alive and unchanged
 * until idmap_free().  The tables that use it keep their ids in memory they
 * own for as long as the map.
 */
#ifndef AW_IDMAP_H
#define AW_IDMAP_H

#include <stddef.h>

struct idmap_slot {
	const char *key; /* borrowed id, NULL for an empty slot */
	int value;       /* its index */
};

struct idmap {
	struct idmap_slot *slot; /* cap slots, NULL until the first put */
	size_t cap, n;           /* slots, keys held */
};

#define IDMAP_INIT { NULL, 0, 0 }

int idmap_get(const struct idmap *m, const char *key);         /* -1 if absent */
void idmap_put(struct idmap *m, const char *key, int value);   /* adds or replaces */
void idmap_free(struct idmap *m);

#endif
