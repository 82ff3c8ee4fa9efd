/*
 * resume.c - reusing what an interrupted run recorded (see resume.h).
 *
 * The journal's stories wait in a population until a writer job asks for
 * one; its verdicts wait in a list, each with two flags: taken, and which
 * sides name a variant whose id has been mapped.  Lookups are linear: a
 * journal holds one generation's work, and each entry is looked at once
 * per story or match asked for.
 */
#include "aw/resume.h"
#include "aw/codec.h"
#include "aw/journal.h"
#include "aw/store.h"
#include "aw/util.h"

#include <stdlib.h>
#include <string.h>

struct resume {
	struct journal_data journal; /* what the journal holds */
	unsigned char *used;         /* per verdict: taken */
	unsigned char *known;        /* per verdict: 1 a, 2 b is a mapped variant */
	int from;                    /* generations done when this process began */
	long stories;                /* stories taken */
	long matches;                /* verdicts taken */
	long parts;                  /* replies of self-lengthening taken */
	long stories_seen;           /* stories the files and journal hold */
	long verdicts_seen;          /* decided matches they hold */
	long undecided;              /* matches without a winner in the files */
};

/* The number after "gN-" in a story id. */
static long id_number(const struct story *s)
{
	const char *dash = strchr(s->id, '-');
	return dash ? strtol(dash + 1, NULL, 10) : 0;
}

static int by_id_number(const void *x, const void *y)
{
	long a = id_number(*(struct story *const *)x), b = id_number(*(struct story *const *)y);
	return a < b ? -1 : a > b;
}

/* Register the stories written in generation g (ranked and failed) with the
 * fit in the order the run first did, that of their ids, so that a resumed
 * fit is the same computation as the uninterrupted one. */
static void register_born(struct bt_ratings *fit, const struct generation *gf, int g)
{
	struct story **v = xmalloc((gf->stories.n + gf->failed.n + 1) * sizeof *v);
	size_t n = 0;
	for (size_t i = 0; i < gf->stories.n; i++)
		if (gf->stories.v[i]->born == g)
			v[n++] = gf->stories.v[i];
	for (size_t i = 0; i < gf->failed.n; i++)
		v[n++] = gf->failed.v[i];
	qsort(v, n, sizeof *v, by_id_number);
	for (size_t i = 0; i < n; i++)
		bt_register(fit, v[i]->id, 0.0);
	free(v);
}

/* A file of the run that names another run (or none when the run has
 * one, or one when it has none): refuse to mix it in. */
static int foreign(const char *path, const char *theirs, const char *ours, char *err,
		   size_t errlen)
{
	if (!strcmp(theirs, ours))
		return 0;
	return aw_fail(err, errlen,
		       "'%s' belongs to another run (run id %s, but run.json says %s); "
		       "a run directory must hold one run's files: refusing to resume",
		       path, *theirs ? theirs : "none", *ours ? ours : "none");
}

struct resume *resume_open(const char *dir, const struct run_report *run,
			   struct bt_ratings *fit, struct population *last, int *done, char *err,
			   size_t errlen)
{
	struct resume *r = xcalloc(1, sizeof *r);
	*done = 0;
	for (int g = 0; store_has_generation(dir, g); g++) {
		struct generation gf;
		char name[24];
		codec_generation_name(g, name, sizeof name);
		char *path = xasprintf("%s/%s", dir, name);
		int bad = store_read_generation(dir, g, &gf, err, errlen) < 0 ||
			  foreign(path, gf.run_id, run->run_id, err, errlen) < 0;
		free(path);
		if (bad) {
			generation_release(&gf);
			resume_free(r);
			return NULL;
		}
		register_born(fit, &gf, g);
		r->stories_seen += (long)gf.stories.n;
		for (size_t k = 0; k < gf.matches.n; k++) {
			r->verdicts_seen += gf.matches.v[k]->winner != 0;
			r->undecided += gf.matches.v[k]->winner == 0;
		}
		for (size_t k = 0; k < gf.matches.n; k++) {
			const struct match *m = gf.matches.v[k];
			int a = bt_find(fit, m->a), b = bt_find(fit, m->b);
			if (m->winner && a >= 0 && b >= 0)
				bt_add(fit, a, b, match_outcome(m));
		}
		population_free(last);
		*last = gf.stories;
		memset(&gf.stories, 0, sizeof gf.stories);
		generation_release(&gf);
		*done = g + 1;
	}
	if (*done)
		bt_refit_cold(fit, NULL, 0, NULL);
	r->from = *done;
	char *jpath = xasprintf("%s/%s", dir, CODEC_JOURNAL);
	int bad = journal_load(dir, run->journal_bytes, &r->journal, err, errlen) < 0;
	if (!bad && (r->journal.has_header || r->journal.records))
		bad = foreign(jpath, r->journal.run_id, run->run_id, err, errlen) < 0;
	if (!bad && r->journal.has_header && r->journal.seed != run->seed)
		bad = aw_fail(err, errlen,
			      "'%s' belongs to a run with seed %llu, but run.json says %llu; "
			      "refusing to resume", jpath, (unsigned long long)r->journal.seed,
			      (unsigned long long)run->seed);
	free(jpath);
	if (bad) {
		resume_free(r);
		return NULL;
	}
	r->stories_seen += (long)r->journal.stories.n;
	for (size_t k = 0; k < r->journal.matches.n; k++)
		r->verdicts_seen += r->journal.matches.v[k]->winner != 0;
	size_t nm = r->journal.matches.n ? r->journal.matches.n : 1;
	r->used = xcalloc(nm, 1);
	r->known = xcalloc(nm, 1);
	return r;
}

void resume_free(struct resume *r)
{
	if (!r)
		return;
	journal_data_free(&r->journal);
	free(r->used);
	free(r->known);
	free(r);
}

int resume_from(const struct resume *r)
{
	return r->from;
}

long resume_stories_seen(const struct resume *r)
{
	return r->stories_seen;
}

long resume_undecided_in_files(const struct resume *r)
{
	return r->undecided;
}

long resume_verdicts_seen(const struct resume *r)
{
	return r->verdicts_seen;
}

long resume_reused_stories(const struct resume *r)
{
	return r->stories;
}

long resume_reused_matches(const struct resume *r)
{
	return r->matches;
}

const struct run_usage *resume_spent_after(const struct resume *r)
{
	return &r->journal.after;
}

void resume_reused_of(const struct resume *r, int process, long *stories, long *matches)
{
	*stories = *matches = 0;
	if (process >= 0 && (size_t)process < r->journal.nprocess) {
		*stories = r->journal.reused[process].stories;
		*matches = r->journal.reused[process].matches;
	}
}

/* ---------------------------------------------------------------- stories */

int resume_take_story(struct resume *r, struct story *s, char **journal_id)
{
	struct population *p = &r->journal.stories;
	for (size_t i = 0; i < p->n; i++) {
		struct story *j = p->v[i];
		if (!j || j->born != s->born)
			continue;
		if (s->parent_id ? !j->parent_id || strcmp(j->parent_id, s->parent_id) != 0 ||
				   j->variant != s->variant
				 : j->parent_id || strcmp(j->id, s->id) != 0)
			continue;
		if (!s->parent_id) {
			free(s->id);
			s->id = j->id;
		} else { /* a variant is numbered when it is taken */
			*journal_id = j->id;
		}
		j->id = NULL;
		free(s->text);
		s->text = j->text;
		j->text = NULL;
		s->words = text_count_words(s->text);
		s->trimmed = j->trimmed;
		s->extensions = j->extensions;
		s->near_copy = j->near_copy;
		story_free(j);
		p->v[i] = NULL;
		return 1;
	}
	return 0;
}

void resume_keep_story(struct resume *r, const struct story *s, const char *journal_id)
{
	const char *from = journal_id ? journal_id : s->id, *id = s->id;
	int gen = s->born;
	r->stories++;
	if (!s->parent_id)
		return;
	for (size_t k = 0; k < r->journal.matches.n; k++) {
		struct match *m = r->journal.matches.v[k];
		char **side[2] = { &m->a, &m->b };
		for (int i = 0; i < 2; i++) {
			if (m->gen != gen || (r->known[k] & (1 << i)) || strcmp(*side[i], from) != 0)
				continue;
			if (strcmp(from, id) != 0) {
				free(*side[i]);
				*side[i] = xstrdup(id);
			}
			r->known[k] |= (unsigned char)(1 << i);
		}
	}
}

long resume_untaken_variants(const struct resume *r, int gen)
{
	const struct population *p = &r->journal.stories;
	long n = 0;
	if (gen <= r->from)
		return 0;
	for (size_t i = 0; i < p->n; i++)
		n += p->v[i] && p->v[i]->born == gen && p->v[i]->parent_id;
	return n;
}

/* Is journaled part p one of story s's? (resume_take_story's rule) */
static int part_of(const struct ext_part *p, const struct story *s)
{
	if (p->gen != s->born)
		return 0;
	if (s->parent_id)
		return p->parent_id && !strcmp(p->parent_id, s->parent_id) && p->variant == s->variant;
	return !p->parent_id && p->id && s->id && !strcmp(p->id, s->id);
}

char *resume_take_part(struct resume *r, const struct story *s, const struct ext_part *want)
{
	struct journal_data *d = &r->journal;
	for (size_t i = 0; i < d->nparts; i++) {
		struct ext_part *p = d->parts[i];
		if (!p || !part_of(p, s) || p->round != want->round || p->attempt != want->attempt ||
		    p->stage != want->stage || p->part != want->part || p->ask != want->ask)
			continue;
		char *text = p->text;
		p->text = NULL;
		ext_part_free(p);
		d->parts[i] = NULL;
		r->parts++;
		return text;
	}
	return NULL;
}

long resume_reused_parts(const struct resume *r)
{
	return r->parts;
}

/* --------------------------------------------------------------- verdicts */

long resume_find_verdict(const struct resume *r, int gen, int round, const char *a,
			 const char *b, size_t from)
{
	for (size_t k = from; k < r->journal.matches.n; k++) {
		const struct match *m = r->journal.matches.v[k];
		if (r->used[k] || m->gen != gen || m->lost)
			continue;
		if (a && (m->round != round || strcmp(m->a, a) != 0 || strcmp(m->b, b) != 0))
			continue;
		return (long)k;
	}
	return -1;
}

const struct match *resume_verdict(const struct resume *r, size_t k)
{
	return r->journal.matches.v[k];
}

int resume_take_verdict(struct resume *r, size_t k, unsigned unsure, struct match *m)
{
	struct match *jm = r->journal.matches.v[k];
	if (r->used[k] || ((unsure & ~r->known[k]) & 3))
		return 0;
	m->winner = jm->winner;
	m->has_p = jm->has_p;
	m->p_a = jm->p_a;
	free(m->reason);
	free(m->error);
	m->reason = jm->reason;
	m->error = jm->error;
	m->asks = jm->asks;
	jm->reason = jm->error = NULL;
	r->used[k] = 1;
	r->matches++;
	return 1;
}

/* Was lost match k asked again and answered later in the journal (by an
 * earlier resume)?  Then it is no longer lost. */
static int answered_later(const struct resume *r, size_t k)
{
	const struct match *m = r->journal.matches.v[k];
	for (size_t j = k + 1; j < r->journal.matches.n; j++) {
		const struct match *x = r->journal.matches.v[j];
		if (x->gen == m->gen && !x->lost && !strcmp(x->a, m->a) && !strcmp(x->b, m->b))
			return 1;
	}
	return 0;
}

long resume_find_lost(const struct resume *r, int gen, size_t from)
{
	for (size_t k = from; k < r->journal.matches.n; k++) {
		const struct match *m = r->journal.matches.v[k];
		if (!r->used[k] && m->gen == gen && m->lost && !answered_later(r, k))
			return (long)k;
	}
	return -1;
}

int resume_take_lost(struct resume *r, size_t k, unsigned unsure)
{
	if (r->used[k] || ((unsure & ~r->known[k]) & 3))
		return 0;
	r->used[k] = 1;
	return 1;
}
