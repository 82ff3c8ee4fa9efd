/*
 * show.c - `alphawrite show`: a run in the terminal (see show.h).
 *
 * The table keeps every column but the goal whole and gives the goal what
 * width is left, cut with "..." (dropped when less than a few columns
 * remain), so it fits any terminal from 40 columns up without wrapping.
 * Output is built whole, then paged (term.h) only when it goes to a
 * terminal; --json is never paged.  The run is read through runview.h,
 * like `report`, so both show the same numbers.
 */
#include "aw/show.h"
#include "aw/buf.h"
#include "aw/cli.h"
#include "aw/codec.h"
#include "aw/runview.h"
#include "aw/term.h"
#include "aw/util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The settings of `show`. */
struct show_options {
	long generation;          /* --generation G (when given) */
	int json;                 /* --json */
};

#define F(field) offsetof(struct show_options, field)

static const struct cli_row show_rows[] = {
	{ "generation", CLI_LONG, F(generation), 0, 1000000, "G", "show generation G", NULL, "the last", NULL, 0 },
	{ "json", CLI_FLAG, F(json), 0, 0, NULL, "print the same data as JSON (never paged)", NULL, NULL, NULL, 0 },
	{ "help", CLI_HELP, 0, 0, 0, NULL, "show this help and exit", NULL, NULL, NULL, 0 },
};

const struct cli_command show_command = {
	"show",
	"alphawrite show [options] RUN_DIR [ID]",
	"Show the ranking of a generation of the run in RUN_DIR (the last by default)\n"
	"as a table, or with ID one story: its line of descent and its full text.  On\n"
	"a terminal long output goes through $PAGER (default: less -FRX).",
	show_rows,
	AW_ARRAY_LEN(show_rows),
	"exit status: 0 shown; 2 bad options, not a run directory, or no such story or\n"
	"generation\n",
};

/* ------------------------------------------------------------ text */

/* Append s cut to cols columns ("..." marks a cut), padded to cols when
 * pad. */
static void cell(struct buf *b, const char *s, size_t cols, int pad)
{
	size_t n = strlen(s), w = term_columns(s, n);
	if (w > cols) {
		size_t keep = cols >= 3 ? term_fit(s, n, cols - 3) : term_fit(s, n, cols);
		buf_append(b, s, keep);
		if (cols >= 3)
			buf_puts(b, "...");
		w = cols;
	} else {
		buf_puts(b, s);
	}
	while (pad && w++ < cols)
		buf_puts(b, " ");
}

/* Right-aligned in cols columns (s is ASCII). */
static void rcell(struct buf *b, const char *s, size_t cols)
{
	for (size_t w = strlen(s); w < cols; w++)
		buf_puts(b, " ");
	buf_puts(b, s);
}

static void interval(char *out, size_t n, const struct story *s)
{
	if (s->rated)
		snprintf(out, n, "%.0f [%.0f, %.0f]", s->rating, s->rating_lo, s->rating_hi);
	else
		snprintf(out, n, "%.0f (elo)", s->elo);
}

/* Words of text wrapped to width columns; paragraphs (blank lines) kept. */
static void wrap(struct buf *b, const char *text, size_t width)
{
	const char *p = text;
	size_t col = 0;
	while (*p) {
		if (*p == '\n') {
			buf_puts(b, "\n");
			col = 0;
			p++;
			continue;
		}
		if (*p == ' ' || *p == '\t' || *p == '\r') {
			p++;
			continue;
		}
		size_t len = strcspn(p, " \t\r\n"), w = term_columns(p, len);
		if (col && col + 1 + w > width) {
			buf_puts(b, "\n");
			col = 0;
		} else if (col) {
			buf_puts(b, " ");
			col++;
		}
		buf_append(b, p, len);
		col += w;
		p += len;
	}
	if (col)
		buf_puts(b, "\n");
}

/* ------------------------------------------------------------ the table */

/* The table's columns, in order.  When the terminal is narrow the goal is
 * cut, then columns are dropped in the order of their `drop` (lowest
 * first; 0: never), and last the interval leaves the rating column. */
enum { C_RANK, C_ID, C_RATING, C_ELO, C_WL, C_BORN, C_PARENT, C_GOAL, C_N };

static const struct {
	const char *head;          /* its heading */
	int right;                 /* right-aligned */
	int drop;                  /* order of dropping, 0 never */
	size_t max;                /* widest it may get (text from files) */
} cols[C_N] = {
	{ "rank", 1, 0, 8 },     { "id", 0, 0, 24 },   { "rating [95%]", 0, 0, 40 },
	{ "elo", 1, 3, 8 },      { "W-L", 1, 4, 12 },  { "born", 1, 2, 8 },
	{ "parent", 0, 5, 24 },  { "goal", 0, 1, 0 },
};

static void row_cells(const struct story *s, char v[C_N][96], int interval_too)
{
	if (s->rank)
		snprintf(v[C_RANK], 96, "%d", s->rank);
	else
		snprintf(v[C_RANK], 96, "-"); /* not judged (a baseline) */
	snprintf(v[C_ID], 96, "%s", s->id);
	if (interval_too)
		interval(v[C_RATING], 96, s);
	else
		snprintf(v[C_RATING], 96, "%.0f", s->rated ? s->rating : s->elo);
	snprintf(v[C_ELO], 96, "%.0f", s->elo);
	snprintf(v[C_WL], 96, "%d-%d", s->wins, s->losses);
	snprintf(v[C_BORN], 96, "%d", s->born);
	snprintf(v[C_PARENT], 96, "%s", s->parent_id ? s->parent_id : "-");
	v[C_GOAL][0] = '\0'; /* written whole from the story */
}

static void table(struct buf *b, const char *dir, const struct generation *g, size_t width)
{
	const struct population *pop = &g->stories;
	char v[C_N][96], t[256];
	size_t w[C_N];
	int on[C_N], interval_too = 1;
	size_t room = width - 1; /* the last column is left free: no autowrap */
	for (;;) {
		for (int k = 0; k < C_N; k++) {
			w[k] = term_columns(cols[k].head, strlen(cols[k].head));
			on[k] = 1;
		}
		if (!interval_too)
			w[C_RATING] = strlen("rating");
		for (size_t i = 0; i < pop->n; i++) {
			row_cells(pop->v[i], v, interval_too);
			for (int k = 0; k < C_GOAL; k++) {
				size_t n = term_columns(v[k], strlen(v[k]));
				w[k] = n > w[k] ? n : w[k];
			}
		}
		for (int k = 0; k < C_GOAL; k++)
			if (w[k] > cols[k].max)
				w[k] = cols[k].max;
		/* drop columns until the rest fits with a goal of 6 or more,
		 * then without the goal */
		size_t used;
		for (int drop = 1;; drop++) {
			used = 0;
			for (int k = 0; k < C_GOAL; k++)
				used += on[k] ? w[k] + 2 : 0;
			if (drop == 1 && used + 6 <= room) {
				w[C_GOAL] = room - used;
				break;
			}
			on[C_GOAL] = 0;
			if (used - 2 <= room || drop > 5)
				break;
			for (int k = 0; k < C_GOAL; k++)
				if (cols[k].drop == drop)
					on[k] = 0;
		}
		if (used - 2 <= room || !interval_too || on[C_GOAL])
			break;
		interval_too = 0; /* the narrowest case: the rating alone */
	}

	snprintf(t, sizeof t, "generation %d of %s: %zu stories", g->gen, dir, pop->n);
	cell(b, t, room, 0);
	buf_puts(b, "\n\n");
	int last = C_GOAL;
	while (!on[last])
		last--;
	for (int k = 0; k < C_N; k++) {
		if (!on[k])
			continue;
		if (cols[k].right)
			rcell(b, cols[k].head, w[k]);
		else
			cell(b, k == C_RATING && !interval_too ? "rating" : cols[k].head, w[k],
			     k != last);
		buf_puts(b, k == last ? "\n" : "  ");
	}
	for (size_t i = 0; i < pop->n; i++) {
		const struct story *s = pop->v[i];
		row_cells(s, v, interval_too);
		int end = last;
		if (end == C_GOAL && !s->goal)
			for (end = C_GOAL - 1; !on[end]; end--)
				;
		for (int k = 0; k <= end; k++) {
			if (!on[k])
				continue;
			const char *text = k == C_GOAL ? s->goal : v[k];
			if (cols[k].right && term_columns(text, strlen(text)) <= w[k])
				rcell(b, text, w[k]);
			else
				cell(b, text, w[k], k != end);
			buf_puts(b, k == end ? "\n" : "  ");
		}
	}
}

static cJSON *rated_json(cJSON *o, const struct story *s)
{
	if (s->rated) {
		cJSON_AddNumberToObject(o, "rating", s->rating);
		cJSON_AddNumberToObject(o, "rating_lo", s->rating_lo);
		cJSON_AddNumberToObject(o, "rating_hi", s->rating_hi);
	} else {
		cJSON_AddNullToObject(o, "rating");
		cJSON_AddNullToObject(o, "rating_lo");
		cJSON_AddNullToObject(o, "rating_hi");
	}
	return o;
}

static cJSON *table_json(const char *dir, const struct generation *g)
{
	cJSON *root = cJSON_CreateObject(), *arr;
	cJSON_AddStringToObject(root, "run", dir);
	cJSON_AddNumberToObject(root, "generation", g->gen);
	arr = cJSON_AddArrayToObject(root, "stories");
	for (size_t i = 0; i < g->stories.n; i++) {
		const struct story *s = g->stories.v[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "rank", s->rank);
		cJSON_AddStringToObject(o, "id", s->id);
		rated_json(o, s);
		cJSON_AddNumberToObject(o, "elo", s->elo);
		cJSON_AddNumberToObject(o, "wins", s->wins);
		cJSON_AddNumberToObject(o, "losses", s->losses);
		cJSON_AddNumberToObject(o, "born", s->born);
		if (s->parent_id)
			cJSON_AddStringToObject(o, "parent_id", s->parent_id);
		else
			cJSON_AddNullToObject(o, "parent_id");
		if (s->goal)
			cJSON_AddStringToObject(o, "goal", s->goal);
		else
			cJSON_AddNullToObject(o, "goal");
		cJSON_AddItemToArray(arr, o);
	}
	return root;
}

/* ------------------------------------------------------------ one story */

static const char *const ends[] = { "root", "missing", "loop" };

static void story_text(struct buf *b, const struct runview *v, const struct story *s, int gen,
		       size_t width)
{
	const struct runview_story **chain = xmalloc((v->nstory + 1) * sizeof *chain);
	enum runview_end end;
	size_t n = runview_lineage(v, s->id, chain, v->nstory, &end);
	char t[256];
	snprintf(t, sizeof t, "%s  generation %d, rank %d of %zu", s->id, gen, s->rank,
		 v->gen[gen].stories.n);
	cell(b, t, width - 1, 0);
	buf_puts(b, "\n");
	interval(t, sizeof t, s);
	char line[400];
	snprintf(line, sizeof line, "rating %s, elo %.0f, %d-%d in generation %d, %ld words", t,
		 s->elo, s->wins, s->losses, gen, s->words);
	cell(b, line, width - 1, 0);
	buf_puts(b, "\n");
	if (s->style) {
		buf_puts(b, "style: ");
		cell(b, s->style, width > 8 ? width - 8 : 1, 0);
		buf_puts(b, "\n");
	}
	if (s->theme) {
		buf_puts(b, "theme: ");
		cell(b, s->theme, width > 8 ? width - 8 : 1, 0);
		buf_puts(b, "\n");
	}
	buf_puts(b, "\nline of descent, generation 0 first:\n");
	if (end == RUNVIEW_MISSING)
		buf_printf(b, "  (its earliest ancestor's parent, %s, is in no generation file)\n",
			   chain[n - 1]->s->parent_id);
	else if (end == RUNVIEW_LOOP)
		buf_puts(b, "  (the parent ids loop)\n");
	for (size_t k = n; k-- > 0;) {
		const struct story *a = chain[k]->s;
		char r[96];
		interval(r, sizeof r, a);
		snprintf(line, sizeof line, "  generation %-3d %-8s %s%s", a->born, a->id, r,
			 a->goal ? "  goal: " : "");
		buf_puts(b, line);
		size_t used = term_columns(line, strlen(line));
		if (a->goal)
			cell(b, a->goal, width > used + 1 ? width - used - 1 : 1, 0);
		buf_puts(b, "\n");
	}
	buf_puts(b, "\n");
	wrap(b, s->text ? s->text : "", width > 100 ? 100 : width - 1);
	free(chain);
}

static cJSON *story_json(const struct runview *v, const struct story *s, int gen)
{
	const struct runview_story **chain = xmalloc((v->nstory + 1) * sizeof *chain);
	enum runview_end end;
	size_t n = runview_lineage(v, s->id, chain, v->nstory, &end);
	cJSON *root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "generation", gen);
	cJSON_AddItemToObject(root, "story", codec_story_json(s, CODEC_IN_GENERATION));
	cJSON *arr = cJSON_AddArrayToObject(root, "lineage");
	for (size_t k = n; k-- > 0;) {
		const struct story *a = chain[k]->s;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", a->id);
		cJSON_AddNumberToObject(o, "born", a->born);
		cJSON_AddNumberToObject(o, "rated_in", chain[k]->gen);
		rated_json(o, a);
		if (a->goal)
			cJSON_AddStringToObject(o, "goal", a->goal);
		else
			cJSON_AddNullToObject(o, "goal");
		cJSON_AddItemToArray(arr, o);
	}
	cJSON_AddStringToObject(root, "lineage_end", ends[end]);
	free(chain);
	return root;
}

/* ------------------------------------------------------------ the command */

int show_main(int argc, char **argv)
{
	struct show_options so = { 0 };
	struct runview v = RUNVIEW_INIT;
	unsigned char given[AW_ARRAY_LEN(show_rows)];
	char err[1024];
	int first;
	enum cli_result cr = cli_parse(&show_command, &so, given, argc, argv, &first);
	if (cr != CLI_RUN)
		return cr == CLI_EXIT ? AW_EXIT_OK : AW_EXIT_USAGE;
	if (first >= argc)
		return cli_usage(&show_command, "give the run directory");
	if (first + 2 < argc)
		return cli_usage(&show_command, "unexpected argument '%s'", argv[first + 2]);
	const char *dir = argv[first], *id = first + 1 < argc ? argv[first + 1] : NULL;
	if (runview_load(&v, dir, 0, err, sizeof err) < 0) {
		aw_error("%s", err);
		return AW_EXIT_USAGE;
	}
	int status = AW_EXIT_USAGE, gen = v.ngen - 1;
	const struct story *s = NULL;
	if (given[0]) {
		if (so.generation >= v.ngen) {
			aw_error("'%s' has no generation %ld (it has 0 to %d)", dir, so.generation,
				 v.ngen - 1);
			goto out;
		}
		gen = (int)so.generation;
	}
	if (id) {
		const struct runview_story *rs = runview_find(&v, id);
		if (!rs) {
			aw_error("no story '%s' in '%s'", id, dir);
			goto out;
		}
		s = rs->s;
		if (given[0]) {
			s = NULL;
			for (size_t i = 0; i < v.gen[gen].stories.n && !s; i++)
				if (!strcmp(v.gen[gen].stories.v[i]->id, id))
					s = v.gen[gen].stories.v[i];
			if (!s) {
				aw_error("story '%s' is not in generation %d of '%s' (it is in %d to %d)",
					 id, gen, dir, rs->first, rs->gen);
				goto out;
			}
		} else {
			gen = rs->gen;
		}
	}
	if (so.json) {
		cJSON *root = s ? story_json(&v, s, gen) : table_json(dir, &v.gen[gen]);
		char *text = cJSON_Print(root);
		cJSON_Delete(root);
		status = text && puts(text) >= 0 ? AW_EXIT_OK : AW_EXIT_FAILED;
		cJSON_free(text);
		goto out;
	}
	struct buf b = BUF_INIT;
	size_t width = (size_t)term_width(STDOUT_FILENO);
	if (s)
		story_text(&b, &v, s, gen, width);
	else
		table(&b, dir, &v.gen[gen], width);
	status = term_page(buf_str(&b), b.len) == 0 ? AW_EXIT_OK : AW_EXIT_FAILED;
	buf_release(&b);
out:
	runview_release(&v);
	return status;
}
