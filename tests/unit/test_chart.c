/*
 * test_chart.c - the scale and tick arithmetic of the report's charts
 * (src/chart.c), and the SVG it writes: escaped labels, coordinates that
 * stay near the plot whatever the value.
 */
#include "unit.h"
#include "aw/buf.h"
#include "aw/chart.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void test_scale(void **state)
{
	(void)state;
	struct chart_scale s;
	chart_scale_set(&s, 1000, 1500, 100, 600);
	assert_float_equal(chart_map(&s, 1000), 100, 1e-9);
	assert_float_equal(chart_map(&s, 1500), 600, 1e-9);
	assert_float_equal(chart_map(&s, 1250), 350, 1e-9);
	/* off the domain: just outside the range, never far */
	assert_float_equal(chart_map(&s, 1e300), 650, 1e-9);
	assert_float_equal(chart_map(&s, -1e300), 50, 1e-9);
	assert_float_equal(chart_map(&s, NAN), 100, 1e-9);
	/* an inverted range (y grows downwards) */
	chart_scale_set(&s, 0, 1, 200, 40);
	assert_float_equal(chart_map(&s, 0.25), 160, 1e-9);
	/* an empty domain is widened around its value, not divided by 0 */
	chart_scale_set(&s, 1200, 1200, 0, 100);
	assert_true(s.d0 < 1200 && s.d1 > 1200);
	assert_float_equal(chart_map(&s, 1200), 50, 1e-9);
	chart_scale_set(&s, 0, 0, 0, 100);
	assert_float_equal(s.d0, -1, 1e-12);
	assert_float_equal(s.d1, 1, 1e-12);
	/* non-finite domains become [0, 1]; a reversed one is put right */
	chart_scale_set(&s, INFINITY, 3, 0, 10);
	assert_float_equal(s.d0, 0, 0);
	assert_float_equal(s.d1, 1, 0);
	chart_scale_set(&s, 5, 1, 0, 10);
	assert_float_equal(chart_map(&s, 1), 0, 1e-9);
}

static void test_ticks(void **state)
{
	(void)state;
	double t[32], step, lo = 1170.3, hi = 1675.2;
	size_t n = chart_ticks(&lo, &hi, 5, t, 32, &step);
	assert_float_equal(step, 100, 1e-9);
	assert_float_equal(lo, 1100, 1e-9);
	assert_float_equal(hi, 1700, 1e-9);
	assert_int_equal(n, 7);
	assert_float_equal(t[0], 1100, 1e-9);
	assert_float_equal(t[6], 1700, 1e-9);

	lo = 0.47;
	hi = 0.64;
	n = chart_ticks(&lo, &hi, 4, t, 32, &step);
	assert_float_equal(step, 0.05, 1e-12);
	assert_float_equal(lo, 0.45, 1e-12);
	assert_float_equal(hi, 0.65, 1e-12);
	assert_int_equal(n, 5);

	/* steps are 1, 2 or 5 times a power of ten; the ticks cover [lo, hi] */
	for (int k = 0; k < 200; k++) {
		double a = (k * 37 % 101) - 50.0, b = a + pow(10, (k % 9) - 4) * (1 + k % 7);
		double l = a, h = b;
		n = chart_ticks(&l, &h, 2 + k % 8, t, 32, &step);
		double m = step / pow(10, floor(log10(step)));
		assert_true(fabs(m - 1) < 1e-9 || fabs(m - 2) < 1e-9 || fabs(m - 5) < 1e-9);
		assert_true(l <= a + 1e-9 * fabs(a) && h >= b - 1e-9 * fabs(b));
		assert_true(n >= 2 && n <= 32);
		assert_float_equal(t[0], l, 1e-9 * fmax(1, fabs(l)));
	}
	/* zero is written as 0, not -0 or 1e-17 */
	lo = -0.3;
	hi = 0.3;
	n = chart_ticks(&lo, &hi, 6, t, 32, &step);
	int zero = 0;
	for (size_t i = 0; i < n; i++)
		zero |= t[i] == 0 && !signbit(t[i]);
	assert_true(zero);
}

static void test_format(void **state)
{
	(void)state;
	char s[32];
	chart_format(s, sizeof s, 1250, 50);
	assert_string_equal(s, "1250");
	chart_format(s, sizeof s, 0.55, 0.05);
	assert_string_equal(s, "0.55");
	chart_format(s, sizeof s, 0.025, 0.005);
	assert_string_equal(s, "0.025");
	chart_format(s, sizeof s, -0.0000001, 0.1);
	assert_string_equal(s, "0.0");
	chart_format(s, sizeof s, 2, 0.5);
	assert_string_equal(s, "2.0");
}

static void test_svg(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	struct chart c;
	chart_begin(&c, &b, 600, 100, "a <title> & more", "rating", 3, 1000, 1500, 0);
	chart_row_label(&c, 0, "generation 0");
	chart_row_label(&c, 2, "<script>");
	chart_dot(&c, 1, 0, 1e308, 3, "dot", "id \"x\"");
	chart_whisker(&c, 2, -1e308, 1e308, "ci", NULL);
	chart_end(&c);
	const char *svg = buf_str(&b);
	assert_true(tu_contains(svg, "<svg class=\"chart\""));
	assert_true(tu_contains(svg, ">generation 0</text>"));
	assert_true(tu_contains(svg, "&lt;script&gt;"));
	assert_false(tu_contains(svg, "<script>"));
	assert_true(tu_contains(svg, "aria-label=\"a &lt;title&gt; &amp; more\""));
	assert_true(tu_contains(svg, "<title>id &quot;x&quot;</title>"));
	assert_true(tu_contains(svg, "</svg>"));
	/* every number in the SVG is small: no 1e308 leaked through */
	for (const char *p = svg; *p; p++)
		if (*p == '"' && (p[1] == '-' || (p[1] >= '0' && p[1] <= '9'))) {
			double v = strtod(p + 1, NULL);
			assert_true(fabs(v) < 2000);
		}
	/* row labels sit in their rows, in order */
	assert_true(chart_row_y(&c, 0) < chart_row_y(&c, 1));
	assert_true(chart_x(&c, 1000) < chart_x(&c, 1500));
	buf_release(&b);
}

int run_chart_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scale),
		cmocka_unit_test(test_ticks),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_svg),
	};
	return cmocka_run_group_tests_name("chart", tests, NULL, NULL);
}
