/*
 * chart.c - scales, ticks and SVG marks for the report's charts (see
 * chart.h).
 *
 * The SVG is deliberately plain: lines, circles, paths, rects and text
 * with classes, one element per mark, so that a chart of a paper-scale run
 * stays a few kilobytes and reads in any browser, on paper too.
 */
#include "aw/chart.h"
#include "aw/html.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define LABEL_W 108.0  /* row labels, right-aligned before the plot */
#define ROW_H 24.0
#define TOP 24.0       /* room above the first row for rule labels */
#define AXIS_H 40.0    /* tick labels and the axis label under the plot */

/* ---------------------------------------------------------------- scales */

/* A domain that can be drawn: finite, and not empty. */
static void usable(double *lo, double *hi)
{
	if (!isfinite(*lo) || !isfinite(*hi)) {
		*lo = 0;
		*hi = 1;
	}
	if (*lo > *hi) {
		double t = *lo;
		*lo = *hi;
		*hi = t;
	}
	if (*hi - *lo < 1e-12 * fmax(1.0, fabs(*lo))) {
		double pad = *lo != 0 ? fabs(*lo) * 0.05 : 1.0;
		*lo -= pad;
		*hi += pad;
	}
}

void chart_scale_set(struct chart_scale *s, double d0, double d1, double r0, double r1)
{
	usable(&d0, &d1);
	s->d0 = d0;
	s->d1 = d1;
	s->r0 = r0;
	s->r1 = r1;
}

double chart_map(const struct chart_scale *s, double v)
{
	double t = (v - s->d0) / (s->d1 - s->d0);
	if (isnan(t))
		t = 0;
	t = fmin(fmax(t, -0.1), 1.1);
	return s->r0 + t * (s->r1 - s->r0);
}

size_t chart_ticks(double *lo, double *hi, int target, double *out, size_t max, double *step)
{
	usable(lo, hi);
	if (target < 1)
		target = 1;
	double raw = (*hi - *lo) / target;
	double mag = pow(10, floor(log10(raw)));
	double norm = raw / mag;
	double st = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
	*lo = floor(*lo / st + 1e-9) * st;
	*hi = ceil(*hi / st - 1e-9) * st;
	*step = st;
	size_t n = (size_t)llround((*hi - *lo) / st) + 1, k;
	for (k = 0; k < n && k < max; k++) {
		double t = *lo + (double)k * st;
		out[k] = fabs(t) < st * 1e-9 ? 0 : t;
	}
	return k;
}

void chart_format(char *out, size_t n, double v, double step)
{
	int dec = 0;
	if (step > 0 && step < 1)
		dec = (int)ceil(-log10(step) - 1e-9);
	if (dec > 6)
		dec = 6;
	snprintf(out, n, "%.*f", dec, v);
	if (out[0] == '-' && strspn(out + 1, "0.") == strlen(out + 1))
		memmove(out, out + 1, strlen(out)); /* no "-0" */
}

/* ---------------------------------------------------------------- common */

static void tip(struct buf *b, const char *t)
{
	if (!t)
		return;
	buf_puts(b, "<title>");
	html_text(b, t);
	buf_puts(b, "</title>");
}

/* Open a mark; the caller writes its attributes, then close_mark(). */
static void close_mark(struct buf *b, const char *el, const char *t)
{
	if (t) {
		buf_puts(b, ">");
		tip(b, t);
		buf_printf(b, "</%s>\n", el);
	} else {
		buf_puts(b, "/>\n");
	}
}

static void svg_open(struct chart *c, const char *title)
{
	buf_printf(c->out,
		   "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f "
		   "%.0f\" width=\"%.0f\" role=\"img\" aria-label=\"",
		   c->width, c->height, c->width);
	html_text(c->out, title);
	buf_puts(c->out, "\">");
	tip(c->out, title);
	buf_puts(c->out, "\n");
}

static void x_ticks(struct chart *c, double lo, double hi, int target, const char *xlabel)
{
	double ticks[32];
	size_t n = chart_ticks(&lo, &hi, target, ticks, 32, &c->step);
	chart_scale_set(&c->x, lo, hi, c->plot_l, c->plot_r);
	for (size_t k = 0; k < n; k++) {
		char t[48];
		double x = chart_x(c, ticks[k]);
		if (c->percent) {
			chart_format(t, sizeof t - 1, ticks[k] * 100, c->step * 100);
			strcat(t, "%");
		} else {
			chart_format(t, sizeof t, ticks[k], c->step);
		}
		buf_printf(c->out, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
			   "y2=\"%.1f\"/><text class=\"tl\" x=\"%.1f\" y=\"%.1f\">%s</text>\n",
			   x, c->top, x, c->plot_b, x, c->plot_b + 14, t);
	}
	buf_printf(c->out, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
		   c->plot_l, c->plot_b, c->plot_r, c->plot_b);
	if (xlabel) {
		buf_printf(c->out, "<text class=\"al\" x=\"%.1f\" y=\"%.1f\">",
			   (c->plot_l + c->plot_r) / 2, c->plot_b + 32);
		html_text(c->out, xlabel);
		buf_puts(c->out, "</text>\n");
	}
}

void chart_end(struct chart *c)
{
	buf_puts(c->out, "</svg>\n");
}

/* ------------------------------------------------------------ row charts */

void chart_begin(struct chart *c, struct buf *out, double width, double note_w,
		 const char *title, const char *xlabel, size_t nrows, double lo, double hi,
		 int percent)
{
	memset(c, 0, sizeof *c);
	c->out = out;
	c->nrows = nrows;
	c->percent = percent;
	c->width = width;
	c->top = TOP;
	c->row_h = ROW_H;
	c->plot_l = LABEL_W + 10;
	c->plot_r = width - note_w - 12;
	c->plot_b = TOP + (double)nrows * ROW_H;
	c->height = c->plot_b + AXIS_H;
	svg_open(c, title);
	for (size_t r = 0; r < nrows; r += 2)
		buf_printf(out, "<rect class=\"band\" x=\"0\" y=\"%.1f\" width=\"%.0f\" height=\"%.1f\"/>\n",
			   c->top + (double)r * ROW_H, width, ROW_H);
	int target = (int)((c->plot_r - c->plot_l) / 70);
	x_ticks(c, lo, hi, target < 2 ? 2 : target > 10 ? 10 : target, xlabel);
}

void chart_row_label(struct chart *c, size_t row, const char *label)
{
	buf_printf(c->out, "<text class=\"rl\" x=\"%.1f\" y=\"%.1f\">", c->plot_l - 10,
		   chart_row_y(c, row) + 4);
	html_text(c->out, label);
	buf_puts(c->out, "</text>\n");
}

double chart_x(const struct chart *c, double v)
{
	return chart_map(&c->x, v);
}

double chart_row_y(const struct chart *c, size_t row)
{
	return c->top + ((double)row + 0.5) * c->row_h;
}

void chart_dot(struct chart *c, size_t row, double dy, double v, double r, const char *cls,
	       const char *t)
{
	buf_printf(c->out, "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\"", cls,
		   chart_x(c, v), chart_row_y(c, row) + dy, r);
	close_mark(c->out, "circle", t);
}

void chart_diamond(struct chart *c, size_t row, double v, double r, const char *cls,
		   const char *t)
{
	double x = chart_x(c, v), y = chart_row_y(c, row);
	buf_printf(c->out, "<path class=\"%s\" d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fL%.1f %.1fZ\"",
		   cls, x, y - r, x + r, y, x, y + r, x - r, y);
	close_mark(c->out, "path", t);
}

void chart_whisker(struct chart *c, size_t row, double lo, double hi, const char *cls,
		   const char *t)
{
	double x0 = chart_x(c, lo), x1 = chart_x(c, hi), y = chart_row_y(c, row);
	buf_printf(c->out, "<path class=\"%s\" d=\"M%.1f %.1fH%.1fM%.1f %.1fV%.1fM%.1f %.1fV%.1f\"",
		   cls, x0, y, x1, x0, y - 4, y + 4, x1, y - 4, y + 4);
	close_mark(c->out, "path", t);
}

void chart_tick(struct chart *c, size_t row, double v, const char *cls, const char *t)
{
	double x = chart_x(c, v), y = chart_row_y(c, row);
	buf_printf(c->out, "<path class=\"%s\" d=\"M%.1f %.1fV%.1f\"", cls, x, y - c->row_h * 0.35,
		   y + c->row_h * 0.35);
	close_mark(c->out, "path", t);
}

void chart_bar(struct chart *c, size_t row, double v0, double v1, double frac,
	       const char *cls, const char *t)
{
	double x0 = chart_x(c, v0), x1 = chart_x(c, v1);
	if (x1 < x0) {
		double s = x0;
		x0 = x1;
		x1 = s;
	}
	frac = isfinite(frac) ? fmin(fmax(frac, 0), 1) : 0;
	double h = frac * c->row_h * 0.8, base = chart_row_y(c, row) + c->row_h * 0.4;
	buf_printf(c->out, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"",
		   cls, x0, base - h, x1 - x0, h);
	close_mark(c->out, "rect", t);
}

void chart_rule(struct chart *c, double v, const char *cls, const char *label)
{
	double x = chart_x(c, v);
	buf_printf(c->out, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
		   cls, x, c->top - 6, x, c->plot_b);
	if (label) {
		buf_printf(c->out, "<text class=\"rule-l\" x=\"%.1f\" y=\"%.1f\">", x, c->top - 10);
		html_text(c->out, label);
		buf_puts(c->out, "</text>\n");
	}
}

void chart_note(struct chart *c, size_t row, const char *text)
{
	buf_printf(c->out, "<text class=\"note\" x=\"%.1f\" y=\"%.1f\">", c->plot_r + 12,
		   chart_row_y(c, row) + 4);
	html_text(c->out, text);
	buf_puts(c->out, "</text>\n");
}

void chart_text(struct chart *c, size_t row, double v, const char *cls, const char *text)
{
	buf_printf(c->out, "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\">", cls, chart_x(c, v),
		   chart_row_y(c, row) + 4);
	html_text(c->out, text);
	buf_puts(c->out, "</text>\n");
}

/* ------------------------------------------------------------ panels */

void chart_panel_begin(struct chart *c, struct buf *out, double width, double height,
		       const char *title, double xlo, double xhi, const char *xlabel,
		       double ylo, double yhi, const char *ylabel)
{
	memset(c, 0, sizeof *c);
	c->out = out;
	c->width = width;
	c->height = height;
	c->top = 40;
	c->plot_l = 46;
	c->plot_r = width - 10;
	c->plot_b = height - AXIS_H;
	svg_open(c, title);
	buf_printf(out, "<text class=\"pt\" x=\"%.1f\" y=\"14\">", c->plot_l);
	html_text(out, title);
	buf_puts(out, "</text>\n");
	if (ylabel) {
		buf_printf(out, "<text class=\"yl\" x=\"%.1f\" y=\"30\">", c->plot_l);
		html_text(out, ylabel);
		buf_puts(out, "</text>\n");
	}
	double ticks[32], st;
	size_t n = chart_ticks(&ylo, &yhi, 4, ticks, 32, &st);
	chart_scale_set(&c->y, ylo, yhi, c->plot_b, c->top);
	for (size_t k = 0; k < n; k++) {
		char t[48];
		double y = chart_y(c, ticks[k]);
		chart_format(t, sizeof t, ticks[k], st);
		buf_printf(out, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
			   "<text class=\"yt\" x=\"%.1f\" y=\"%.1f\">%s</text>\n",
			   c->plot_l, y, c->plot_r, y, c->plot_l - 5, y + 4, t);
	}
	int target = (int)((c->plot_r - c->plot_l) / 50);
	x_ticks(c, xlo, xhi, target < 2 ? 2 : target > 8 ? 8 : target, xlabel);
}

double chart_y(const struct chart *c, double v)
{
	return chart_map(&c->y, v);
}

void chart_xy_dot(struct chart *c, double x, double y, double r, const char *cls,
		  const char *t)
{
	buf_printf(c->out, "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\"", cls,
		   chart_x(c, x), chart_y(c, y), r);
	close_mark(c->out, "circle", t);
}

void chart_xy_vwhisker(struct chart *c, double x, double ylo, double yhi, const char *cls)
{
	double px = chart_x(c, x), y0 = chart_y(c, ylo), y1 = chart_y(c, yhi);
	buf_printf(c->out, "<path class=\"%s\" d=\"M%.1f %.1fV%.1fM%.1f %.1fH%.1fM%.1f %.1fH%.1f\"/>\n",
		   cls, px, y0, y1, px - 3, y0, px + 3, px - 3, y1, px + 3);
}

void chart_xy_hline(struct chart *c, double y, const char *cls)
{
	double py = chart_y(c, y);
	buf_printf(c->out, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
		   cls, c->plot_l, py, c->plot_r, py);
}
