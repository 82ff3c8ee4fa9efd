/*
 * rate.c - `alphawrite rate` (see rate.h): a person rates pairs of stories
 * blind, in a full-screen terminal view (tui.h).
 *
 * The file is the only state that matters: every choice is one line,
 * appended before the next pair is shown, and undo cuts the last line off.
 * So the view can be left any way at all - q, Ctrl-C, a closed terminal -
 * and the same command, reading the file back, shows the first pair not
 * rated.  The pairs and the order of each pair's stories are drawn from
 * the seed alone (never from the file), so a line either matches the pair
 * it names or the file belongs to another rating, which is refused.
 *
 * Blindness is a property of what is drawn: the screen holds the premise,
 * the rubric, the key help, "Pair n of N" and the two texts, and never a
 * story's id or anything else a set knows about its stories.
 */
#include "aw/rate.h"
#include "aw/cli.h"
#include "aw/compare.h"
#include "aw/options.h"
#include "aw/pairs.h"
#include "aw/rng.h"
#include "aw/sets.h"
#include "aw/tui.h"
#include "aw/util.h"
#include "aw/vote.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIDE_BY_SIDE_MIN 40  /* columns a story needs to be shown beside the other */
#define GUTTER " \xe2\x94\x82 " /* " | " between the columns (3 columns wide) */

/* The settings of `rate`. */
struct rate_options {
	long pairs;               /* pairs to rate */
	uint64_t seed;            /* the pairs and the order within each */
	long top;                 /* best stories of a ranked set */
	const char *out;          /* the rating file (required) */
	const char *prompt;       /* --prompt TEXT, or NULL */
	const char *prompt_file;  /* --prompt-file FILE, or NULL */
	const char *rubric_file;  /* --rubric FILE, or NULL */
};

#define F(field) offsetof(struct rate_options, field)

static const struct cli_row rate_rows[] = {
	{ "out", CLI_STR, F(out), 0, 0, "FILE", "the rating file, one choice a line (required; continued when it exists)", NULL, NULL, NULL, 0 },
	{ "pairs", CLI_LONG, F(pairs), 1, 1000000, "N", "pairs to rate, spread evenly over the stories", "120", NULL, NULL, 0 },
	{ "seed", CLI_U64, F(seed), 0, (double)AW_SEED_MAX, "S", "seed of the pairs and of which story is shown as 1", "1", NULL, NULL, 0 },
	{ "top", CLI_LONG, F(top), 1, 100000, "K", "take the K best stories of a ranked set (an unranked set: all)", "5", NULL, NULL, 0 },
	{ "prompt", CLI_STR, F(prompt), 0, 0, "TEXT", "the premise shown", NULL, "set A's run's prompt", NULL, 0 },
	{ "prompt-file", CLI_STR, F(prompt_file), 0, 0, "FILE", "read the premise from FILE", NULL, NULL, NULL, 0 },
	{ "rubric", CLI_STR, F(rubric_file), 0, 0, "FILE", "the rubric shown on 'r'", NULL, "bundled rubrics/story.txt", NULL, 0 },
	{ "help", CLI_HELP, 0, 0, 0, NULL, "show this help and exit", NULL, NULL, NULL, 0 },
};

const struct cli_command rate_command = {
	"rate",
	"alphawrite rate [options] --out FILE.jsonl SET_A SET_B",
	"Rate pairs of stories blind, in the terminal: two stories labelled 1 and 2,\n"
	"keys 1 or 2 for the better one, 0 when you cannot decide, u to undo, q to save\n"
	"and quit (run the same command again to continue).  Each choice is appended\n"
	"to FILE at once; when every pair is rated, the statistics of `compare` are\n"
	"printed (and `compare --verdicts FILE` prints them at any time).",
	rate_rows,
	AW_ARRAY_LEN(rate_rows),
	"exit status: 0 done or saved, 1 a file could not be written, 2 usage or input\n"
	"error (or not a terminal), 130 interrupted (every choice made is kept).\n",
};

static const char *const keys_help[] = {
	"1          story 1 is the better story",
	"2          story 2 is the better story",
	"0          cannot decide (a tie)",
	"u          undo the last choice",
	"q          save and quit (run the same command again to continue)",
	"space, PgDn, down arrow    read on",
	"PgUp, up arrow, b          back",
	"Home, End  top, bottom",
	"r          the rubric        p  the premise        ?  these keys",
	"Esc        back to the stories",
};

enum view { VIEW_PREMISE, VIEW_PAIR, VIEW_RUBRIC, VIEW_HELP };

struct rating {
	struct rate_options *o;     /* settings */
	struct set a, b;            /* the sets */
	char *premise;              /* the writing prompt */
	char *rubric;               /* the rubric */
	struct pair *pairs;         /* the drawn pairs */
	char *first;                /* per pair: 'a' or 'b' shown as 1 */
	size_t n;                   /* pairs */
	unsigned char *done;        /* per pair: rated */
	size_t ndone;
	size_t *history;            /* pairs in the order of the file's lines */
	size_t nhistory;
	struct vote_file vf;        /* the file, open for appending */
	size_t cur;                 /* the pair shown */
	double shown_at;            /* when it was first shown */
	enum view view;             /* what is on the screen */
	int scroll;                 /* first line of the body shown */
	char note[160];             /* a line of feedback, or "" */
};

/* ------------------------------------------------------------- the file */

/* Take the lines the file holds: each must be a person's choice on the
 * pair it names, as drawn now.  0, or -1 with the reason in err. */
static int take_file(struct rating *r, const struct vote_list *l, char *err, size_t errlen)
{
	const char *hint = "it was made with other sets, --pairs, --seed or --top; "
			   "give those, or another --out";
	for (size_t i = 0; i < l->n; i++) {
		const struct vote *v = &l->v[i];
		if (strcmp(v->judge, VOTE_PERSON) != 0)
			return aw_fail(err, errlen, "'%s' line %zu: a verdict of '%s', not a rating of rate's",
				       r->o->out, i + 1, v->judge);
		if (v->pair < 0)
			return aw_fail(err, errlen, "'%s' line %zu: no pair number", r->o->out, i + 1);
		if ((size_t)v->pair >= r->n)
			return aw_fail(err, errlen, "'%s' line %zu: pair %ld, beyond --pairs %zu (%s)",
				       r->o->out, i + 1, v->pair, r->n, hint);
		size_t k = (size_t)v->pair;
		const struct pair *p = &r->pairs[k];
		if (strcmp(v->a_id, r->a.stories.v[p->a]->id) != 0 ||
		    strcmp(v->b_id, r->b.stories.v[p->b]->id) != 0 || v->first != r->first[k])
			return aw_fail(err, errlen, "'%s' line %zu: pair %ld is not the pair drawn now (%s)",
				       r->o->out, i + 1, v->pair, hint);
		if (r->done[k])
			return aw_fail(err, errlen, "'%s' line %zu: pair %ld is rated twice", r->o->out,
				       i + 1, v->pair);
		r->done[k] = 1;
		r->ndone++;
		r->history[r->nhistory++] = k;
	}
	return 0;
}

/* The first pair not rated, or n. */
static size_t next_pair(const struct rating *r)
{
	size_t k = 0;
	while (k < r->n && r->done[k])
		k++;
	return k;
}

/* Record the choice on the current pair: 'a', 'b' or 't'.  0, or -1. */
static int choose(struct rating *r, char winner)
{
	size_t k = r->cur;
	const struct pair *p = &r->pairs[k];
	const struct story *sa = r->a.stories.v[p->a], *sb = r->b.stories.v[p->b];
	struct vote v;
	char h[17];
	vote_init(&v);
	v.judge = xstrdup(VOTE_PERSON);
	v.pair = (long)k;
	v.a_id = xstrdup(sa->id);
	v.b_id = xstrdup(sb->id);
	v.first = r->first[k];
	v.winner = winner;
	v.a_words = sa->words;
	v.b_words = sb->words;
	vote_hash(sa->text, strlen(sa->text), h);
	v.a_hash = xstrdup(h);
	vote_hash(sb->text, strlen(sb->text), h);
	v.b_hash = xstrdup(h);
	v.seconds = (double)(long)((aw_now() - r->shown_at) * 10 + 0.5) / 10;
	int rc = vote_file_append(&r->vf, &v);
	vote_release(&v);
	if (rc < 0)
		return -1;
	r->done[k] = 1;
	r->ndone++;
	r->history[r->nhistory++] = k;
	return 0;
}

/* Undo the last choice: its line goes, its pair is shown again. */
static int undo(struct rating *r)
{
	if (r->nhistory == 0) {
		snprintf(r->note, sizeof r->note, "nothing to undo");
		return 0;
	}
	if (vote_file_drop_last(&r->vf) < 0)
		return -1;
	size_t k = r->history[--r->nhistory];
	r->done[k] = 0;
	r->ndone--;
	r->cur = k;
	snprintf(r->note, sizeof r->note, "undone: pair %zu is to rate again", k + 1);
	return 0;
}

/* ------------------------------------------------------------- drawing */

/* A frame being built: the whole screen, written with one write. */
struct frame {
	char *s;                    /* the bytes */
	size_t n, cap;
};

static void put(struct frame *f, const char *s)
{
	size_t len = strlen(s);
	if (f->n + len + 1 > f->cap) {
		f->cap = (f->n + len + 1) * 2;
		f->s = xrealloc(f->s, f->cap);
	}
	memcpy(f->s + f->n, s, len + 1);
	f->n += len;
}

/* One screen line: text cut to width (reverse video when bar). */
static void put_line(struct frame *f, const char *text, int width, int bar)
{
	size_t room = strlen(text) + (size_t)width + 8;
	char *cell = xmalloc(room);
	tui_fit(text, width, bar, cell, room);
	if (bar)
		put(f, "\x1b[7m");
	put(f, cell);
	if (bar)
		put(f, "\x1b[0m");
	put(f, "\x1b[K");
	free(cell);
}

/* The body of the current view, as lines of at most width columns. */
static void body(const struct rating *r, int cols, struct tui_lines *out)
{
	if (r->view == VIEW_PREMISE || r->view == VIEW_RUBRIC || r->view == VIEW_HELP) {
		int w = cols - 2;
		if (r->view == VIEW_PREMISE) {
			tui_lines_add(out, "The premise every story answers:");
			tui_lines_add(out, "");
			tui_wrap(r->premise, w, out);
			tui_lines_add(out, "");
			tui_wrap("You will see pairs of stories written for this premise, labelled 1 "
				 "and 2. For each pair, press 1 or 2 for the better story, or 0 if you "
				 "cannot decide. Press r for the rubric and ? for every key. Each choice "
				 "is saved at once; q quits, and the same command continues later.",
				 w, out);
			tui_lines_add(out, "");
			tui_lines_add(out, "Press any key to see the first pair.");
		} else if (r->view == VIEW_RUBRIC) {
			tui_lines_add(out, "The rubric (Esc or r: back to the stories):");
			tui_lines_add(out, "");
			tui_wrap(r->rubric, w, out);
		} else {
			tui_lines_add(out, "Keys (Esc or ?: back to the stories):");
			tui_lines_add(out, "");
			for (size_t i = 0; i < AW_ARRAY_LEN(keys_help); i++)
				tui_wrap(keys_help[i], w, out);
		}
		return;
	}
	const struct pair *p = &r->pairs[r->cur];
	const struct story *s1 = r->first[r->cur] == 'a' ? r->a.stories.v[p->a] :
							     r->b.stories.v[p->b];
	const struct story *s2 = r->first[r->cur] == 'a' ? r->b.stories.v[p->b] :
							     r->a.stories.v[p->a];
	int colw = (cols - 3) / 2;
	if (colw >= SIDE_BY_SIDE_MIN) {
		/* Side by side: lines hold both columns, joined by the gutter. */
		struct tui_lines l1 = { 0 }, l2 = { 0 };
		tui_lines_add(&l1, "Story 1");
		tui_lines_add(&l1, "");
		tui_wrap(s1->text, colw, &l1);
		tui_lines_add(&l2, "Story 2");
		tui_lines_add(&l2, "");
		tui_wrap(s2->text, colw, &l2);
		size_t n = l1.n > l2.n ? l1.n : l2.n;
		size_t room = 2 * (size_t)cols * 4 + 16;
		char *left = xmalloc(room), *right = xmalloc(room), *line = xmalloc(3 * room);
		for (size_t i = 0; i < n; i++) {
			tui_fit(i < l1.n ? l1.v[i] : "", colw, 1, left, room);
			tui_fit(i < l2.n ? l2.v[i] : "", colw, 0, right, room);
			snprintf(line, 3 * room, "%s" GUTTER "%s", left, right);
			tui_lines_add(out, line);
		}
		free(left);
		free(right);
		free(line);
		tui_lines_free(&l1);
		tui_lines_free(&l2);
		return;
	}
	int w = cols - 1 > 10 ? cols - 1 : 10;
	tui_lines_add(out, "Story 1");
	tui_lines_add(out, "");
	tui_wrap(s1->text, w, out);
	tui_lines_add(out, "");
	tui_lines_add(out, "Story 2");
	tui_lines_add(out, "");
	tui_wrap(s2->text, w, out);
}

static void draw(struct rating *r)
{
	int rows, cols;
	tui_size(&rows, &cols);
	if (rows < 4)
		rows = 4;
	if (cols < 20)
		cols = 20;
	struct tui_lines lines = { 0 };
	body(r, cols, &lines);
	int height = rows - 2;
	int max = (int)lines.n > height ? (int)lines.n - height : 0;
	if (r->scroll > max)
		r->scroll = max;
	if (r->scroll < 0)
		r->scroll = 0;

	struct frame f = { 0 };
	char head[256];
	put(&f, "\x1b[H");
	if (r->view == VIEW_PREMISE)
		snprintf(head, sizeof head, " alphawrite rate: %zu of %zu pairs rated", r->ndone, r->n);
	else
		snprintf(head, sizeof head, " Pair %zu of %zu   1 or 2: the better story   0: cannot decide   u: undo   ?: keys   q: quit",
			 r->cur + 1, r->n);
	put_line(&f, head, cols, 1);
	put(&f, "\r\n");
	for (int i = 0; i < height; i++) {
		size_t k = (size_t)(r->scroll + i);
		put_line(&f, k < lines.n ? lines.v[k] : "", cols, 0);
		put(&f, "\r\n");
	}
	char foot[256];
	int more = r->scroll < max;
	if (r->note[0])
		snprintf(foot, sizeof foot, " %s", r->note);
	else
		snprintf(foot, sizeof foot, " %s   r: rubric   p: premise",
			 more ? "more below: space or PgDn" : max ? "end (PgUp: back)" : "");
	put_line(&f, foot, cols, 1);
	tui_write(f.s, f.n);
	free(f.s);
	tui_lines_free(&lines);
}

/* ------------------------------------------------------------- the loop */

enum outcome { RATE_DONE, RATE_QUIT, RATE_ERROR };

static void show_pair(struct rating *r, size_t k)
{
	r->cur = k;
	r->scroll = 0;
	r->view = VIEW_PAIR;
	r->shown_at = aw_now();
}

static enum outcome loop(struct rating *r)
{
	int started = 0; /* a pair has been shown: the keys act on it */
	r->view = VIEW_PREMISE;
	r->cur = next_pair(r);
	for (;;) {
		draw(r);
		int key = tui_key(-1);
		int rows, cols;
		tui_size(&rows, &cols);
		int page = rows - 3 > 1 ? rows - 3 : 1;
		enum view back = started ? VIEW_PAIR : VIEW_PREMISE;
		if (key == TUI_RESIZE || key == TUI_NONE)
			continue;
		if (key == TUI_EOF || key == 'q' || key == 'Q')
			return RATE_QUIT;
		r->note[0] = '\0';
		if (!started && r->view == VIEW_PREMISE && key != 'u' && key != 'U' && key != 'r' &&
		    key != 'R' && key != '?' && key != 'h') {
			started = 1; /* any key leaves the premise for the first pair */
			show_pair(r, r->cur);
			continue;
		}
		switch (key) {
		case '1':
		case '2':
		case '0': {
			if (!started)
				break;
			char w = key == '0' ? 't' :
				 (key == '1') == (r->first[r->cur] == 'a') ? 'a' : 'b';
			if (choose(r, w) < 0)
				return RATE_ERROR;
			if (r->ndone == r->n)
				return RATE_DONE;
			show_pair(r, next_pair(r));
			snprintf(r->note, sizeof r->note, "saved (%zu of %zu rated)", r->ndone, r->n);
			break;
		}
		case 'u':
		case 'U': {
			if (undo(r) < 0)
				return RATE_ERROR;
			char keep[sizeof r->note];
			memcpy(keep, r->note, sizeof keep);
			started = 1;
			show_pair(r, r->cur);
			memcpy(r->note, keep, sizeof keep);
			break;
		}
		case 'r':
		case 'R':
			r->view = r->view == VIEW_RUBRIC ? back : VIEW_RUBRIC;
			r->scroll = 0;
			break;
		case '?':
		case 'h':
			r->view = r->view == VIEW_HELP ? back : VIEW_HELP;
			r->scroll = 0;
			break;
		case 'p':
		case 'P':
			r->view = r->view == VIEW_PREMISE ? back : VIEW_PREMISE;
			r->scroll = 0;
			break;
		case TUI_ESC:
		case '\r':
			r->view = back;
			r->scroll = 0;
			break;
		case ' ':
		case TUI_PGDN:
		case 'f':
			r->scroll += page;
			break;
		case TUI_PGUP:
		case 'b':
			r->scroll -= page;
			break;
		case TUI_DOWN:
		case 'j':
		case TUI_RIGHT:
			r->scroll += 1;
			break;
		case TUI_UP:
		case 'k':
		case TUI_LEFT:
			r->scroll -= 1;
			break;
		case TUI_HOME:
		case 'g':
			r->scroll = 0;
			break;
		case TUI_END:
		case 'G':
			r->scroll = 1 << 30; /* draw() clamps it */
			break;
		default:
			snprintf(r->note, sizeof r->note, "press 1, 2 or 0 to choose; ? for the keys");
			break;
		}
	}
}

/* ------------------------------------------------------------- the whole */

static void rating_free(struct rating *r)
{
	sets_release(&r->a);
	sets_release(&r->b);
	free(r->premise);
	free(r->rubric);
	free(r->pairs);
	free(r->first);
	free(r->done);
	free(r->history);
	vote_file_close(&r->vf);
}

/* The statistics of the file, as compare prints them. */
static int report(const struct rating *r)
{
	struct vote_list votes;
	char err[1024];
	if (vote_read_file(r->o->out, 0, &votes, NULL, err, sizeof err) < 0) {
		aw_error("%s", err);
		return AW_EXIT_FAILED;
	}
	size_t na = r->a.stories.n, nb = r->b.stories.n;
	const char **a_ids = xmalloc(na * sizeof *a_ids), **b_ids = xmalloc(nb * sizeof *b_ids);
	size_t *oa = xmalloc(na * sizeof *oa), *ob = xmalloc(nb * sizeof *ob);
	pairs_order(r->pairs, r->n, na, nb, oa, ob);
	for (size_t i = 0; i < na; i++)
		a_ids[i] = r->a.stories.v[oa[i]]->id;
	for (size_t i = 0; i < nb; i++)
		b_ids[i] = r->b.stories.v[ob[i]]->id;
	free(oa);
	free(ob);
	struct compare_input in = {
		.a_desc = r->a.desc, .b_desc = r->b.desc,
		.a_label = r->a.label, .b_label = r->b.label,
		.a_ids = a_ids, .na = r->a.stories.n, .b_ids = b_ids, .nb = r->b.stories.n,
		.pairs_drawn = (long)r->n, .lost = -1, .seed = r->o->seed,
		.verdicts_path = r->o->out,
	};
	if (strcmp(in.a_label, in.b_label) == 0) {
		in.a_label = r->a.path;
		in.b_label = r->b.path;
	}
	int status = compare_report(&votes, &in);
	free(a_ids);
	free(b_ids);
	vote_list_free(&votes);
	return status;
}

int rate_main(int argc, char **argv)
{
	struct rate_options o;
	struct rating r;
	int first, status = AW_EXIT_USAGE;
	char err[1024];
	memset(&o, 0, sizeof o);
	memset(&r, 0, sizeof r);
	r.o = &o;
	r.vf.fd = -1;
	enum cli_result cr = cli_parse(&rate_command, &o, NULL, argc, argv, &first);
	if (cr != CLI_RUN)
		return cr == CLI_EXIT ? AW_EXIT_OK : AW_EXIT_USAGE;
	if (argc - first != 2) {
		status = cli_usage(&rate_command, argc - first < 2 ? "give two sets, SET_A and SET_B" :
								     "unexpected argument '%s'",
				   argv[first + 2 < argc ? first + 2 : first]);
		goto out;
	}
	if (!o.out) {
		status = cli_usage(&rate_command, "option '--out' is required");
		goto out;
	}
	struct vote_list file = { 0 };
	if (sets_load(&r.a, argv[first], o.top, err, sizeof err) < 0 ||
	    sets_load(&r.b, argv[first + 1], o.top, err, sizeof err) < 0 ||
	    compare_load_prompt(o.prompt, o.prompt_file, &r.a, &r.premise, err, sizeof err) < 0 ||
	    compare_load_rubric(o.rubric_file, &r.rubric, err, sizeof err) < 0 ||
	    compare_check_output(o.out, err, sizeof err) < 0 ||
	    vote_read_file(o.out, 1, &file, NULL, err, sizeof err) < 0) {
		status = cli_usage(&rate_command, "%s", err);
		goto out;
	}
	r.n = (size_t)o.pairs;
	r.pairs = xmalloc(r.n * sizeof *r.pairs);
	r.first = xmalloc(r.n);
	r.done = xcalloc(r.n, 1);
	r.history = xmalloc((r.n + file.n + 1) * sizeof *r.history);
	pairs_draw(r.a.stories.n, r.b.stories.n, r.n, o.seed, sets_key(&r.a), sets_key(&r.b),
		   r.pairs);
	struct rng g;
	rng_seed(&g, rng_mix(o.seed, 0x72617465ULL)); /* "rate" */
	for (size_t k = 0; k < r.n; k++)
		r.first[k] = rng_below(&g, 2) ? 'b' : 'a';
	int rc = take_file(&r, &file, err, sizeof err);
	vote_list_free(&file);
	if (rc < 0) {
		status = cli_usage(&rate_command, "%s", err);
		goto out;
	}
	if (r.ndone == r.n) {
		status = report(&r);
		goto out;
	}
	if (!tui_is_terminal()) {
		status = cli_usage(&rate_command,
				   "rate needs a terminal: standard input is not one "
				   "(%zu of %zu pairs rated in '%s')",
				   r.ndone, r.n, o.out);
		goto out;
	}

	/* Nothing is written before this point. */
	if (vote_file_open(&r.vf, o.out, err, sizeof err) < 0 || tui_open(err, sizeof err) < 0) {
		aw_error("%s", err);
		status = AW_EXIT_FAILED;
		goto out;
	}
	enum outcome res = loop(&r);
	tui_close();
	if (res == RATE_ERROR) {
		aw_error("cannot write '%s':", o.out);
		status = AW_EXIT_FAILED;
	} else if (res == RATE_QUIT) {
		fprintf(stderr, "alphawrite: %zu of %zu pairs rated, saved in %s; "
				"run the same command again to continue\n",
			r.ndone, r.n, o.out);
		status = AW_EXIT_OK;
	} else {
		vote_file_close(&r.vf);
		status = report(&r);
	}
out:
	rating_free(&r);
	return status;
}
