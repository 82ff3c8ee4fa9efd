/*
 * wdiff.c - word-level difference of two texts (see wdiff.h).
 *
 * The search is Myers' linear-space refinement: find the middle snake of
 * the edit graph by running the greedy search from both corners at once,
 * then solve the two boxes on either side of it the same way.  The
 * formulation (a forward array of x and a backward array of y, indexed by
 * diagonal) follows James Coglan's well-tested write-up of the paper.  The
 * search only marks which words are kept; the spans are read off the marks
 * afterwards, which is also all the cleanup needs to change.
 */
#include "aw/wdiff.h"
#include "aw/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

struct wdiff_word *wdiff_words(const char *text, size_t *n, size_t *lead)
{
	struct wdiff_word *w = NULL;
	size_t cnt = 0, cap = 0;
	const char *p = text;
	while (is_space(*p))
		p++;
	*lead = (size_t)(p - text);
	while (*p) {
		const char *s = p;
		while (*p && !is_space(*p))
			p++;
		const char *e = p;
		while (is_space(*p))
			p++;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 64;
			w = xrealloc(w, cap * sizeof *w);
		}
		w[cnt].s = s;
		w[cnt].len = (size_t)(e - s);
		w[cnt].space = (size_t)(p - e);
		cnt++;
	}
	*n = cnt;
	return w;
}

/* ------------------------------------------------------------ the search */

struct ctx {
	const struct wdiff_word *a, *b; /* the two word lists */
	uint64_t *ha, *hb;              /* a hash of each word, to compare fast */
	unsigned char *ka, *kb;         /* 1 for each word kept */
	long *vf, *vb;                  /* the search's arrays, from index -off */
	long off;
	long steps;                     /* diagonals tried and words compared */
	int cut;                        /* the budget ran out */
};

/* Diagonals the search may try and words it may compare: about a second's
 * work (two texts of 5,000 words that share nothing use a quarter of it).
 * Past it, what is left unsolved is shown as replaced (still a common
 * subsequence, no longer the longest), so no input can make a report
 * hang. */
#define WDIFF_BUDGET 100000000L

/* A box of the edit graph: words [left, right) of a, [top, bottom) of b. */
struct box {
	long left, top, right, bottom;
};

static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static int same(const struct ctx *c, long x, long y)
{
	return c->ha[x] == c->hb[y] && c->a[x].len == c->b[y].len &&
	       memcmp(c->a[x].s, c->b[y].s, c->a[x].len) == 0;
}

static void keep(struct ctx *c, long x, long y)
{
	c->ka[x] = 1;
	c->kb[y] = 1;
}

/* One step d of the search from the top left: on an odd delta, a path that
 * meets the backward search ends it, and the snake it took is the middle. */
static int forwards(struct ctx *c, const struct box *bx, long d, long snake[4])
{
	long *vf = c->vf + c->off, *vb = c->vb + c->off;
	long delta = (bx->right - bx->left) - (bx->bottom - bx->top);
	c->steps += d + 1;
	for (long k = d; k >= -d; k -= 2) {
		long cc = k - delta, px, x;
		if (k == -d || (k != d && vf[k - 1] < vf[k + 1])) {
			px = x = vf[k + 1];
		} else {
			px = vf[k - 1];
			x = px + 1;
		}
		long y = bx->top + (x - bx->left) - k;
		long py = (d == 0 || x != px) ? y : y - 1;
		while (x < bx->right && y < bx->bottom && same(c, x, y)) {
			x++;
			y++;
			c->steps++;
		}
		vf[k] = x;
		if (delta % 2 != 0 && cc >= -(d - 1) && cc <= d - 1 && y >= vb[cc]) {
			snake[0] = px;
			snake[1] = py;
			snake[2] = x;
			snake[3] = y;
			return 1;
		}
	}
	return 0;
}

/* The same from the bottom right; an even delta ends here. */
static int backward(struct ctx *c, const struct box *bx, long d, long snake[4])
{
	long *vf = c->vf + c->off, *vb = c->vb + c->off;
	long delta = (bx->right - bx->left) - (bx->bottom - bx->top);
	c->steps += d + 1;
	for (long cc = d; cc >= -d; cc -= 2) {
		long k = cc + delta, py, y;
		if (cc == -d || (cc != d && vb[cc - 1] > vb[cc + 1])) {
			py = y = vb[cc + 1];
		} else {
			py = vb[cc - 1];
			y = py - 1;
		}
		long x = bx->left + (y - bx->top) + k;
		long px = (d == 0 || y != py) ? x : x + 1;
		while (x > bx->left && y > bx->top && same(c, x - 1, y - 1)) {
			x--;
			y--;
			c->steps++;
		}
		vb[cc] = y;
		if (delta % 2 == 0 && k >= -d && k <= d && x <= vf[k]) {
			snake[0] = x;
			snake[1] = y;
			snake[2] = px;
			snake[3] = py;
			return 1;
		}
	}
	return 0;
}

/* The middle snake of a box that is not empty. */
static int midpoint(struct ctx *c, const struct box *bx, long snake[4])
{
	long size = (bx->right - bx->left) + (bx->bottom - bx->top);
	long max = (size + 1) / 2;
	c->vf[c->off + 1] = bx->left;
	c->vb[c->off + 1] = bx->bottom;
	for (long d = 0; d <= max && c->steps < WDIFF_BUDGET; d++)
		if (forwards(c, bx, d, snake) || backward(c, bx, d, snake))
			return 1;
	return 0;
}

/* Mark the matches along a snake: diagonals, and at most one edit. */
static void walk(struct ctx *c, long x1, long y1, long x2, long y2)
{
	while (x1 < x2 && y1 < y2 && same(c, x1, y1))
		keep(c, x1++, y1++);
	if (x2 - x1 < y2 - y1)
		y1++;
	else if (x2 - x1 > y2 - y1)
		x1++;
	while (x1 < x2 && y1 < y2 && same(c, x1, y1))
		keep(c, x1++, y1++);
}

static void solve(struct ctx *c, struct box bx)
{
	/* A common head or tail is kept in every longest common subsequence
	 * that matters; taking it first makes the usual case (a few edits)
	 * nearly free. */
	while (bx.left < bx.right && bx.top < bx.bottom && same(c, bx.left, bx.top))
		keep(c, bx.left++, bx.top++);
	while (bx.left < bx.right && bx.top < bx.bottom && same(c, bx.right - 1, bx.bottom - 1))
		keep(c, --bx.right, --bx.bottom);
	if (bx.left == bx.right || bx.top == bx.bottom)
		return;
	long s[4];
	if (c->steps >= WDIFF_BUDGET || !midpoint(c, &bx, s)) {
		c->cut = 1;
		return;
	}
	solve(c, (struct box){ bx.left, bx.top, s[0], s[1] });
	walk(c, s[0], s[1], s[2], s[3]);
	solve(c, (struct box){ s[2], s[3], bx.right, bx.bottom });
}

/* ------------------------------------------------------------ the spans */

static void add_span(struct wdiff *d, size_t *cap, enum wdiff_op op, size_t a, size_t b,
		     size_t n)
{
	if (d->nspan == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		d->span = xrealloc(d->span, *cap * sizeof *d->span);
	}
	d->span[d->nspan++] = (struct wdiff_span){ op, a, b, n };
}

/* The spans from the marks: the k-th kept word of a is the k-th of b. */
static void build_spans(struct wdiff *d, const unsigned char *ka, const unsigned char *kb)
{
	size_t i = 0, j = 0, cap = 0;
	free(d->span);
	d->span = NULL;
	d->nspan = d->same = d->deleted = d->inserted = 0;
	while (i < d->na || j < d->nb) {
		size_t i0 = i, j0 = j;
		if (i < d->na && j < d->nb && ka[i] && kb[j]) {
			while (i < d->na && j < d->nb && ka[i] && kb[j])
				i++, j++;
			add_span(d, &cap, WDIFF_SAME, i0, j0, i - i0);
			d->same += i - i0;
		} else if (i < d->na && !ka[i]) {
			while (i < d->na && !ka[i])
				i++;
			add_span(d, &cap, WDIFF_DEL, i0, j, i - i0);
			d->deleted += i - i0;
		} else {
			while (j < d->nb && !kb[j])
				j++;
			add_span(d, &cap, WDIFF_INS, i, j0, j - j0);
			d->inserted += j - j0;
		}
	}
}

void wdiff_compute(struct wdiff *d, const char *a, const char *b)
{
	memset(d, 0, sizeof *d);
	d->a = wdiff_words(a, &d->na, &d->lead_a);
	d->b = wdiff_words(b, &d->nb, &d->lead_b);
	struct ctx c = { 0 };
	c.a = d->a;
	c.b = d->b;
	c.ha = xmalloc((d->na + 1) * sizeof *c.ha);
	c.hb = xmalloc((d->nb + 1) * sizeof *c.hb);
	for (size_t i = 0; i < d->na; i++)
		c.ha[i] = hash(d->a[i].s, d->a[i].len);
	for (size_t j = 0; j < d->nb; j++)
		c.hb[j] = hash(d->b[j].s, d->b[j].len);
	c.ka = xcalloc(d->na + 1, 1);
	c.kb = xcalloc(d->nb + 1, 1);
	long max = ((long)d->na + (long)d->nb + 1) / 2;
	c.off = max + 1;
	c.vf = xcalloc((size_t)(2 * max + 3), sizeof *c.vf);
	c.vb = xcalloc((size_t)(2 * max + 3), sizeof *c.vb);
	solve(&c, (struct box){ 0, 0, (long)d->na, (long)d->nb });
	build_spans(d, c.ka, c.kb);
	d->cut = c.cut;
	free(c.ha);
	free(c.hb);
	free(c.ka);
	free(c.kb);
	free(c.vf);
	free(c.vb);
}

/* ------------------------------------------------------------ cleanup */

/* The longest run of kept words that may be folded: "the", "and she", "in
 * the end"; a whole sentence both texts share stays shown as kept. */
#define WDIFF_FOLD_MAX 4

/* The larger side (deleted or inserted words) of the run of changes that
 * ends just before span i (dir -1) or starts just after it (dir +1). */
static size_t change_around(const struct wdiff *d, size_t i, int dir)
{
	size_t del = 0, ins = 0, k = i;
	for (;;) {
		if (dir < 0 ? k == 0 : k + 1 >= d->nspan)
			break;
		k = dir < 0 ? k - 1 : k + 1;
		if (d->span[k].op == WDIFF_SAME)
			break;
		if (d->span[k].op == WDIFF_DEL)
			del += d->span[k].n;
		else
			ins += d->span[k].n;
	}
	return del > ins ? del : ins;
}

void wdiff_cleanup(struct wdiff *d)
{
	unsigned char *ka = xcalloc(d->na + 1, 1), *kb = xcalloc(d->nb + 1, 1);
	for (size_t i = 0; i < d->nspan; i++)
		if (d->span[i].op == WDIFF_SAME)
			for (size_t k = 0; k < d->span[i].n; k++) {
				ka[d->span[i].a + k] = 1;
				kb[d->span[i].b + k] = 1;
			}
	/* Each pass folds every run that qualifies by the spans as they were
	 * when it began; folding only makes the changes around larger, so
	 * repeating until nothing qualifies ends, with each run judged
	 * against the changes it finally borders. */
	for (int changed = 1; changed;) {
		changed = 0;
		for (size_t i = 1; i + 1 < d->nspan; i++) {
			const struct wdiff_span *s = &d->span[i];
			if (s->op != WDIFF_SAME || s->n > WDIFF_FOLD_MAX ||
			    s->n > change_around(d, i, -1) ||
			    s->n > change_around(d, i, +1))
				continue;
			for (size_t k = 0; k < s->n; k++) {
				ka[s->a + k] = 0;
				kb[s->b + k] = 0;
			}
			changed = 1;
		}
		if (changed)
			build_spans(d, ka, kb);
	}
	free(ka);
	free(kb);
}

void wdiff_release(struct wdiff *d)
{
	free(d->a);
	free(d->b);
	free(d->span);
	memset(d, 0, sizeof *d);
}
