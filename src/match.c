/*
 * match.c - judged pairs and their lists (see match.h).
 */
#include "aw/match.h"
#include "aw/util.h"

#include <stdlib.h>
#include <string.h>

struct match *match_new(void)
{
	return xcalloc(1, sizeof(struct match));
}

double match_outcome(const struct match *m)
{
	return m->has_p ? m->p_a : m->winner == 'A' ? 1.0 : 0.0;
}

void match_free(struct match *m)
{
	if (!m)
		return;
	free(m->a);
	free(m->b);
	free(m->reason);
	free(m->error);
	free(m);
}

void match_list_add(struct match_list *l, struct match *m)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = m;
}

void match_list_free(struct match_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		match_free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}
