/*
 * runview.c - a run directory read whole (see runview.h).
 */
#include "aw/runview.h"
#include "aw/store.h"
#include "aw/util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Each story's wins, losses and decided matches in generation g, from the
 * generation's own matches (codec.h does not read the counters back). */
static void count_matches(struct generation *g)
{
	struct idmap at = IDMAP_INIT;
	for (size_t i = 0; i < g->stories.n; i++) {
		struct story *s = g->stories.v[i];
		s->wins = s->losses = s->matches = 0;
		idmap_put(&at, s->id, (int)i);
	}
	for (size_t k = 0; k < g->matches.n; k++) {
		const struct match *m = g->matches.v[k];
		int a = idmap_get(&at, m->a), b = idmap_get(&at, m->b);
		if (!m->winner)
			continue;
		int w = m->winner == 'A' ? a : b, l = m->winner == 'A' ? b : a;
		if (w >= 0) {
			g->stories.v[w]->wins++;
			g->stories.v[w]->matches++;
		}
		if (l >= 0) {
			g->stories.v[l]->losses++;
			g->stories.v[l]->matches++;
		}
	}
	idmap_free(&at);
}

int runview_load(struct runview *v, const char *dir, int need_run, char *err, size_t errlen)
{
	struct stat st;
	memset(v, 0, sizeof *v);
	if (stat(dir, &st) < 0)
		return aw_fail(err, errlen, "cannot read run directory '%s':", dir);
	if (!S_ISDIR(st.st_mode))
		return aw_fail(err, errlen, "'%s' is not a directory (give a run's output directory)",
			       dir);
	char *run_path = xasprintf("%s/%s", dir, CODEC_RUN);
	int has_run = access(run_path, F_OK) == 0;
	free(run_path);
	if (!store_has_generation(dir, 0))
		return aw_fail(err, errlen, has_run ? "'%s' holds no generation yet (no gen-000.json)"
						    : "'%s' is not a run directory (no gen-000.json)",
			       dir);
	if (!has_run && need_run)
		return aw_fail(err, errlen, "'%s' holds no run.json", dir);
	if (has_run) {
		if (store_read_run(dir, &v->run, err, errlen) < 0)
			return -1;
		v->has_run = 1;
	}
	size_t cap = 0;
	for (int g = 0; store_has_generation(dir, g); g++) {
		struct generation gf;
		if (store_read_generation(dir, g, &gf, err, errlen) < 0) {
			runview_release(v);
			return -1;
		}
		count_matches(&gf);
		v->gen = xrealloc(v->gen, (size_t)(g + 1) * sizeof *v->gen);
		v->gen[g] = gf;
		v->ngen = g + 1;
	}
	/* Index after reading: the generations array moved while it grew. */
	for (int g = 0; g < v->ngen; g++) {
		const struct population *p = &v->gen[g].stories;
		for (size_t i = 0; i < p->n; i++) {
			const struct story *s = p->v[i];
			int k = idmap_get(&v->index, s->id);
			if (k < 0) {
				if (v->nstory == cap) {
					cap = cap ? cap * 2 : 128;
					v->story = xrealloc(v->story, cap * sizeof *v->story);
				}
				k = (int)v->nstory++;
				v->story[k].first = g;
			}
			v->story[k].s = s;
			v->story[k].gen = g;
			idmap_put(&v->index, s->id, k); /* the latest record's id */
		}
	}
	return 0;
}

const struct runview_story *runview_find(const struct runview *v, const char *id)
{
	int k = id ? idmap_get(&v->index, id) : -1;
	return k < 0 ? NULL : &v->story[k];
}

size_t runview_lineage(const struct runview *v, const char *id,
		       const struct runview_story **chain, size_t max, enum runview_end *end)
{
	size_t n = 0;
	const struct runview_story *cur = runview_find(v, id);
	*end = RUNVIEW_ROOT;
	while (cur && n < max) {
		for (size_t i = 0; i < n; i++)
			if (chain[i] == cur) {
				*end = RUNVIEW_LOOP;
				return n;
			}
		chain[n++] = cur;
		const char *parent = cur->s->parent_id;
		if (!parent)
			return n;
		cur = runview_find(v, parent);
		if (!cur)
			*end = RUNVIEW_MISSING;
	}
	if (cur && n >= max)
		*end = RUNVIEW_LOOP; /* longer than the run has stories */
	return n;
}

void runview_release(struct runview *v)
{
	if (v->has_run)
		run_report_release(&v->run);
	for (int g = 0; g < v->ngen; g++)
		generation_release(&v->gen[g]);
	free(v->gen);
	free(v->story);
	idmap_free(&v->index);
	memset(v, 0, sizeof *v);
}
