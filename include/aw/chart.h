/*
 * chart.h - small charts as inline SVG: scales and "nice" ticks, a row
 * chart (one row per generation or per comparison, values across), and an
 * x-y panel for small multiples.
 *
 * A report must open from disk with nothing fetched, so its charts are
 * SVG text written here rather than drawn by a script library.  Row charts
 * suit almost everything a run has to show (a distribution, an estimate
 * with its interval, a histogram) and keep labels apart however many
 * generations there are: the chart grows downwards, never crowds.  Marks
 * carry CSS classes, not colours, so the page's stylesheet decides how they
 * look on screen, in dark mode and on paper.  Every label and tooltip is
 * escaped (html.h).
 *
 * The scale and tick arithmetic is pure and unit-tested; drawing only
 * formats numbers.  Coordinates are rounded to 0.1 px and kept within a
 * margin of the plot, so a wild value cannot produce a wild document.
 *
 * Ownership: a chart appends to a struct buf the caller owns; it holds
 * nothing itself.
 */
#ifndef AW_CHART_H
#define AW_CHART_H

#include <stddef.h>
#include "aw/buf.h"

/* A linear map from a domain [d0, d1] to a range [r0, r1]. */
struct chart_scale {
	double d0, d1;       /* domain */
	double r0, r1;       /* range (pixels) */
};

/* Set s; an empty or non-finite domain becomes a usable one. */
void chart_scale_set(struct chart_scale *s, double d0, double d1, double r0, double r1);
/* Where v goes: within the range widened by a tenth on each side (a value
 * off the domain lands just outside the plot, not miles away). */
double chart_map(const struct chart_scale *s, double v);

/* Ticks for about target intervals over [*lo, *hi]: the step is 1, 2 or 5
 * times a power of ten, *lo and *hi are widened to multiples of it, and the
 * ticks (at most max) go to out.  Returns their number; *step is set. */
size_t chart_ticks(double *lo, double *hi, int target, double *out, size_t max,
		   double *step);
/* v with as many decimals as step needs ("1250", "0.55", "0.025"). */
void chart_format(char *out, size_t n, double v, double step);

struct chart {
	struct buf *out;     /* where the SVG goes */
	struct chart_scale x; /* value -> x */
	struct chart_scale y; /* value -> y (panels) */
	double step;         /* between x ticks */
	size_t nrows;        /* rows (row charts) */
	double top;          /* y of the first row's top edge */
	double row_h;        /* height of a row */
	double plot_l;       /* the plot area: left, right, bottom */
	double plot_r;
	double plot_b;
	double width;        /* the viewBox */
	double height;
	int percent;         /* x ticks as percentages */
};

/* A row chart width px wide, with nrows rows labelled by chart_row_label(),
 * values lo..hi across (widened to ticks) and room for notes (note_w px) at
 * the right.  title is its accessible name; xlabel is written under the
 * axis.  Grid and axis are drawn here, before any mark. */
void chart_begin(struct chart *c, struct buf *out, double width, double note_w,
		 const char *title, const char *xlabel, size_t nrows, double lo, double hi,
		 int percent);
void chart_row_label(struct chart *c, size_t row, const char *label);
/* The x of value v, the y of the middle of a row. */
double chart_x(const struct chart *c, double v);
double chart_row_y(const struct chart *c, size_t row);

/* Marks on row `row`; dy moves a mark up or down within the row (pixels);
 * tip, when not NULL, is its tooltip.  cls is a CSS class (trusted). */
void chart_dot(struct chart *c, size_t row, double dy, double v, double r, const char *cls,
	       const char *tip);
void chart_diamond(struct chart *c, size_t row, double v, double r, const char *cls,
		   const char *tip);
void chart_whisker(struct chart *c, size_t row, double lo, double hi, const char *cls,
		   const char *tip);
/* A vertical stroke across the middle half of the row. */
void chart_tick(struct chart *c, size_t row, double v, const char *cls, const char *tip);
/* A bar from v0 to v1, frac (0..1) of the row's height, on its baseline. */
void chart_bar(struct chart *c, size_t row, double v0, double v1, double frac,
	       const char *cls, const char *tip);
/* A vertical rule across every row at v, labelled above the plot. */
void chart_rule(struct chart *c, double v, const char *cls, const char *label);
/* Text at the right of the plot, on row `row`. */
void chart_note(struct chart *c, size_t row, const char *text);
/* Text centred at value v on row `row`. */
void chart_text(struct chart *c, size_t row, double v, const char *cls, const char *text);

/* An x-y panel width x height px titled `title` above the plot. */
void chart_panel_begin(struct chart *c, struct buf *out, double width, double height,
		       const char *title, double xlo, double xhi, const char *xlabel,
		       double ylo, double yhi, const char *ylabel);
double chart_y(const struct chart *c, double v);
void chart_xy_dot(struct chart *c, double x, double y, double r, const char *cls,
		  const char *tip);
void chart_xy_vwhisker(struct chart *c, double x, double ylo, double yhi, const char *cls);
void chart_xy_hline(struct chart *c, double y, const char *cls);

void chart_end(struct chart *c);

#endif
