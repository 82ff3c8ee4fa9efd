/*
 * report.c - `alphawrite report`: a run as one HTML page (see report.h).
 *
 * The page is built in memory from the run as runview.h reads it, then
 * written atomically with store_write_file(), so a report on disk is always
 * whole.  Everything that can make the command fail (the run, every
 * --compare file, where the page goes) is checked before anything is
 * written: exit 2 with a message, and nothing on disk changed.
 *
 * What the page says first is what a reader wants first: the best story,
 * how far evolution moved the best rating, with its interval, and a
 * warning when the top stories cannot be told apart.  Charts follow the
 * run's order (ratings, the judge, the writing policy, diversity), then the
 * final ranking, the lineage of the top stories, every final story in full
 * with what it changed in its parent, and the comparisons.  Every byte
 * that came from a file or a model is escaped (html.h); the page fetches
 * nothing, and says so in a Content-Security-Policy.
 */
#include "aw/report.h"
#include "aw/compare.h"
#include "aw/buf.h"
#include "aw/chart.h"
#include "aw/cli.h"
#include "aw/codec.h"
#include "aw/data.h"
#include "aw/html.h"
#include "aw/runview.h"
#include "aw/store.h"
#include "aw/util.h"
#include "aw/version.h"
#include "aw/wdiff.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The settings of `report`. */
struct report_options {
	const char *out;          /* --out FILE, or NULL: RUN_DIR/report.html */
	struct cli_list compare;  /* --compare FILE, in the order given */
};

#define F(field) offsetof(struct report_options, field)

static const struct cli_row report_rows[] = {
	{ "out", CLI_STR, F(out), 0, 0, "FILE", "write the page to FILE", NULL, "RUN_DIR/report.html", NULL, 0 },
	{ "compare", CLI_LIST, F(compare), 0, 0, "FILE", "show the result of 'alphawrite compare' in FILE too (repeatable)", NULL, NULL, NULL, 0 },
	{ "help", CLI_HELP, 0, 0, 0, NULL, "show this help and exit", NULL, NULL, NULL, 0 },
};

const struct cli_command report_command = {
	"report",
	"alphawrite report [options] RUN_DIR",
	"Write one self-contained HTML page about the run in RUN_DIR: settings, cost,\n"
	"charts of every generation, the final ranking, the lineage of the top\n"
	"stories and every final story in full.  It fetches nothing, opens from disk\n"
	"and prints.  Prints the path of the page.",
	report_rows,
	AW_ARRAY_LEN(report_rows),
	"exit status: 0 written; 1 the page could not be written; 2 bad options or\n"
	"input (nothing is written)\n",
};

/* ------------------------------------------------------------ the page */

struct page {
	struct buf *b;                 /* the HTML */
	const struct runview *v;       /* the run */
	const char *dir;               /* its directory, as given */
	const struct generation *last; /* the final generation */
	size_t top;                    /* stories whose lineage is shown */
	const struct compare_result *cmp;  /* --compare results */
	size_t ncmp;
	int has_policy;                /* some generation has each */
	int has_diversity;
	int judged;                    /* some story was rated or ranked (a
					* baseline's are not) */
};

static double rating(const struct story *s)
{
	return s->rated ? s->rating : s->elo;
}

/* 1234567 -> "1,234,567". */
static const char *thousands(long v, char *out, size_t n)
{
	char raw[32];
	snprintf(raw, sizeof raw, "%ld", v < 0 ? -v : v);
	size_t len = strlen(raw), k = 0;
	if (v < 0 && k + 1 < n)
		out[k++] = '-';
	for (size_t i = 0; i < len && k + 2 < n; i++) {
		out[k++] = raw[i];
		if ((len - i - 1) % 3 == 0 && i + 1 < len)
			out[k++] = ',';
	}
	out[k] = '\0';
	return out;
}

static const char *duration(double s, char *out, size_t n)
{
	if (!(s >= 0))
		snprintf(out, n, "unknown");
	else if (s < 60)
		snprintf(out, n, "%.1f s", s);
	else if (s < 3600)
		snprintf(out, n, "%d min %02d s", (int)(s / 60), (int)fmod(s, 60));
	else
		snprintf(out, n, "%d h %02d min", (int)(s / 3600), (int)fmod(s / 60, 60));
	return out;
}

/* "1423 [1170, 1675]", or the Elo alone for an unrated story. */
/* A rating and its 95% interval. */
struct rated {
	double r, lo, hi;
};

static void rated_text(struct buf *b, struct rated x)
{
	buf_printf(b, "%.0f <span class=\"ci-t\">[%.0f, %.0f]</span>", x.r, x.lo, x.hi);
}

static void rating_text(struct buf *b, const struct story *s)
{
	if (s->rated)
		rated_text(b, (struct rated){ s->rating, s->rating_lo, s->rating_hi });
	else
		buf_printf(b, "%.0f <span class=\"ci-t\">(Elo)</span>", s->elo);
}

/* A link to a story: to its full text when the page has it. */
static void story_link(struct page *p, const char *id, int has_text)
{
	if (has_text) {
		buf_puts(p->b, "<a class=\"sid\" href=\"#");
		html_anchor(p->b, "story-", id);
		buf_puts(p->b, "\">");
		html_text(p->b, id);
		buf_puts(p->b, "</a>");
	} else {
		buf_puts(p->b, "<span class=\"sid\">");
		html_text(p->b, id);
		buf_puts(p->b, "</span>");
	}
}

static int in_last(const struct page *p, const char *id)
{
	const struct runview_story *rs = runview_find(p->v, id);
	return rs && rs->gen == p->v->ngen - 1;
}

/* Does the page show this story's text (final generation or an ancestor
 * of a top story)? */
static int shown(const struct page *p, const char *id);

static const char *const css[] = {
	":root{--fg:#1b2129;--muted:#5d6875;--bg:#fff;--panel:#f5f6f8;--line:#dfe3e8;"
	"--accent:#2357a8;--hot:#c2532a;--dot:#2f66c0;--warn-bg:#fff5dc;--warn:#7a4f00;"
	"--del-bg:#fde4e4;--del:#9b1c1c;--ins-bg:#dcf2e3;--ins:#135c2e;--ok:#1d7a48;--bad:#b3261e;"
	"--s2:#8a4fbf;--s3:#1a9a8a}\n",
	"@media (prefers-color-scheme:dark){:root{--fg:#e4e8ee;--muted:#9ba6b2;--bg:#15181c;"
	"--panel:#1d2128;--line:#2e343c;--accent:#82aaff;--hot:#ff9566;--dot:#79a6ff;"
	"--warn-bg:#3a2f14;--warn:#ffd27a;--del-bg:#4b1f1f;--del:#ffb8b8;--ins-bg:#173a26;"
	"--ins:#b4efc7;--ok:#62c98f;--bad:#ff8a80;--s2:#c89bff;--s3:#5fd6c6}}\n",
	"*{box-sizing:border-box}\n",
	"body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.55 system-ui,-apple-system,"
	"\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,sans-serif}\n",
	".wrap{display:grid;grid-template-columns:190px minmax(0,1fr);max-width:1200px;margin:0 auto}\n",
	"nav{position:sticky;top:0;align-self:start;max-height:100vh;overflow:auto;"
	"padding:30px 12px;font-size:.9rem}\n",
	"nav b{display:block;padding:0 8px 8px;font-size:.95rem}\n",
	"nav a{display:block;color:var(--muted);text-decoration:none;padding:3px 8px;border-radius:5px}\n",
	"nav a:hover{background:var(--panel);color:var(--fg)}\n",
	"main{padding:30px 40px 90px;min-width:0;border-left:1px solid var(--line)}\n",
	"a{color:var(--accent)}\n",
	"h1{font-size:1.75rem;line-height:1.2;margin:0 0 6px}\n",
	"h2{font-size:1.3rem;margin:52px 0 10px;padding-top:14px;border-top:1px solid var(--line)}\n",
	"h3{font-size:1.05rem;margin:26px 0 6px}\n",
	"p{max-width:75ch}\n",
	".sub,.muted{color:var(--muted)}\n",
	".lead{font-size:1.08rem;max-width:70ch}\n",
	".badge{display:inline-block;padding:1px 9px;border-radius:10px;font-size:.8rem;font-weight:600;"
	"background:var(--panel);border:1px solid var(--line);vertical-align:middle}\n",
	".badge.complete{color:var(--ok)}.badge.failed,.badge.interrupted{color:var(--bad)}\n",
	".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(210px,1fr));gap:12px;margin:18px 0}\n",
	".card{background:var(--panel);border:1px solid var(--line);border-radius:9px;padding:12px 15px}\n",
	".card .k{font-size:.74rem;text-transform:uppercase;letter-spacing:.05em;color:var(--muted)}\n",
	".card .v{font-size:1.4rem;font-weight:650;font-variant-numeric:tabular-nums;margin:2px 0}\n",
	".card .d{font-size:.86rem;color:var(--muted)}\n",
	".warn{background:var(--warn-bg);color:var(--warn);border-left:4px solid currentColor;"
	"padding:10px 14px;border-radius:5px;margin:14px 0;max-width:80ch}\n",
	".excerpt{font-family:Charter,\"Bitstream Charter\",\"Sitka Text\",Cambria,Georgia,serif;"
	"font-size:1.05rem;border-left:3px solid var(--line);padding:2px 0 2px 14px;margin:10px 0;"
	"max-width:70ch;color:var(--fg);white-space:pre-line}\n",
	"blockquote.prompt{margin:8px 0 16px;padding:10px 14px;background:var(--panel);"
	"border-radius:6px;max-width:75ch;font-family:Charter,Cambria,Georgia,serif}\n",
	"table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums;font-size:.88rem;"
	"margin:8px 0 14px}\n",
	"th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}\n",
	"th{font-weight:600;color:var(--muted);font-size:.74rem;text-transform:uppercase;"
	"letter-spacing:.04em;white-space:nowrap}\n",
	"td.n,th.n{text-align:right;white-space:nowrap}\n",
	"td.goal{max-width:36ch;color:var(--muted)}\n",
	"td.goal span{display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;"
	"overflow:hidden}\n",
	"table.kv{width:auto}table.kv td:first-child{color:var(--muted);padding-right:24px}\n",
	".kvs{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(300px,100%),1fr));gap:0 28px}\n",
	".ibar{position:relative;display:inline-block;width:140px;height:12px;vertical-align:middle}\n",
	".ibar::before{content:\"\";position:absolute;left:0;right:0;top:5px;height:2px;"
	"background:var(--line)}\n",
	".ibar i{position:absolute;top:2px;height:8px;background:var(--dot);opacity:.35;border-radius:4px}\n",
	".ibar b{position:absolute;top:0;width:3px;height:12px;margin-left:-1px;background:var(--fg)}\n",
	"figure{margin:14px 0 26px}\n",
	"figcaption{font-size:.86rem;color:var(--muted);max-width:80ch;margin-top:4px}\n",
	".grid3{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(290px,100%),1fr));gap:4px 18px}\n",
	".grid3 figure{margin:6px 0}\n",
	".grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(540px,100%),1fr));gap:8px 28px}\n",
	"svg.chart{max-width:100%;height:auto;display:block;overflow:visible}\n",
	"svg.chart text{font:12px system-ui,-apple-system,\"Segoe UI\",Roboto,Arial,sans-serif;"
	"fill:var(--fg)}\n",
	".grid{stroke:var(--line);stroke-width:1}.axis{stroke:var(--muted)}.band{fill:var(--panel)}\n",
	"svg .tl,svg .al{text-anchor:middle;fill:var(--muted)}svg .rl{text-anchor:end}\n",
	"svg .yt{text-anchor:end;fill:var(--muted);font-size:11px}svg .yl{fill:var(--muted);font-size:11px}\n",
	"svg .note{fill:var(--muted)}svg .pt{font-weight:650}\n",
	"svg .seg{text-anchor:middle;font-size:10.5px;fill:var(--bg)}\n",
	".dot{fill:var(--dot);fill-opacity:.42}\n",
	".best{fill:var(--hot);stroke:var(--bg);stroke-width:1.2}\n",
	".med{stroke:var(--fg);stroke-width:2.2}\n",
	".ci{stroke:var(--fg);stroke-width:1.6;fill:none}\n",
	".ci2{stroke:var(--dot);stroke-width:7;stroke-opacity:.3;fill:none}\n",
	".est{fill:var(--fg)}\n",
	".ref{stroke:var(--hot);stroke-width:1.3;stroke-dasharray:5 4}\n",
	"svg .rule-l{text-anchor:middle;fill:var(--hot);font-size:11px}\n",
	".hist{fill:var(--dot);fill-opacity:.7}\n",
	".s1{fill:var(--dot)}.s2{fill:var(--s2)}.s3{fill:var(--s3)}\n",
	".c1{stroke:var(--dot);fill:none;stroke-width:1.5}.c2{stroke:var(--s2);fill:none;stroke-width:1.5}\n",
	".p0{fill:var(--dot)}.p1{fill:var(--s2)}.p2{fill:var(--s3)}.p3{fill:var(--hot)}\n",
	".legend{font-size:.84rem;color:var(--muted);margin:2px 0}\n",
	".legend span{display:inline-block;margin-right:14px}\n",
	".sw{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:5px;"
	"vertical-align:baseline}\n",
	".sw.s1{background:var(--dot)}.sw.s2{background:var(--s2)}.sw.s3{background:var(--s3)}"
	".sw.hot{background:var(--hot)}\n",
	"ol.path{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:2px 0}\n",
	"ol.path li+li::before{content:\"\\2192\";color:var(--muted);margin:0 6px}\n",
	"ul.tree{list-style:none;margin:0;padding:0 0 0 22px}\n",
	"ul.tree.root{padding:0;margin:10px 0 0}\n",
	"ul.tree li{position:relative;padding:4px 0 4px 14px;border-left:2px solid var(--line)}\n",
	"ul.tree li:last-child{border-left-color:transparent}\n",
	"ul.tree li::before{content:\"\";position:absolute;left:-2px;top:0;width:12px;height:16px;"
	"border-left:2px solid var(--line);border-bottom:2px solid var(--line);"
	"border-bottom-left-radius:6px}\n",
	"ul.tree.root>li{border-left:0;padding-left:0}ul.tree.root>li::before{content:none}\n",
	"ul.tree li.top>.node{color:var(--fg)}ul.tree li.top>.node .badge{color:var(--hot)}\n",
	".goal-t,.st{color:var(--muted);font-size:.88rem;max-width:90ch}\n",
	".goal-t::before{content:\"goal: \";font-weight:600}\n",
	".ci-t{color:var(--muted);font-size:.9em}\n",
	".sid{font-family:ui-monospace,\"SF Mono\",Menlo,Consolas,\"DejaVu Sans Mono\",monospace;"
	"font-size:.92em;white-space:nowrap}\n",
	"details{border:1px solid var(--line);border-radius:9px;margin:10px 0;background:var(--bg)}\n",
	"details>summary{cursor:pointer;padding:10px 15px;list-style:none}\n",
	"details>summary::-webkit-details-marker{display:none}\n",
	"details>summary::before{content:\"\\25B8\";display:inline-block;width:1.1em;color:var(--muted)}\n",
	"details[open]>summary::before{content:\"\\25BE\"}\n",
	"details[open]>summary{border-bottom:1px solid var(--line)}\n",
	"details .body{padding:6px 18px 14px}\n",
	"details details{border-radius:7px;background:var(--panel)}\n",
	".rank{display:inline-block;min-width:2.9em;font-weight:650;color:var(--muted)}\n",
	".meta{font-size:.86rem;color:var(--muted);margin:8px 0 12px;max-width:80ch}\n",
	".story{font-family:Charter,\"Bitstream Charter\",\"Sitka Text\",Cambria,Georgia,"
	"\"DejaVu Serif\",serif;font-size:1.06rem;line-height:1.68;white-space:pre-wrap;"
	"max-width:68ch;overflow-wrap:break-word;margin:0}\n",
	"del{background:var(--del-bg);color:var(--del);text-decoration:line-through;"
	"text-decoration-thickness:1px}\n",
	"ins{background:var(--ins-bg);color:var(--ins);text-decoration:none}\n",
	".tools{margin:10px 0}.tools button{font:inherit;font-size:.85rem;padding:3px 10px;"
	"border:1px solid var(--line);background:var(--panel);color:var(--fg);border-radius:6px;"
	"cursor:pointer;margin-right:6px}\n",
	"footer{margin-top:60px;color:var(--muted);font-size:.82rem}\n",
	"@media (max-width:860px){.wrap{display:block}nav{position:static;max-height:none;display:flex;"
	"flex-wrap:wrap;padding:12px;border-bottom:1px solid var(--line)}nav b{width:100%}"
	"main{padding:20px 16px;border:0}table{display:block;overflow-x:auto}}\n",
	"@media print{@page{margin:16mm 14mm}"
	":root{--fg:#000;--muted:#444;--bg:#fff;--panel:#f3f3f3;--line:#ccc}"
	"body{font-size:10pt}nav,.tools{display:none}.wrap{display:block}main{padding:0;border:0}"
	"h2{break-after:avoid;margin-top:28px}h3{break-after:avoid}"
	"figure,.card,tr,ol.chain li,.warn{break-inside:avoid}"
	"details{border:0;margin:0 0 8px}details>summary{padding:4px 0;border:0!important}"
	"details>summary::before{content:none}details .body{padding:0 0 8px}"
	"details::details-content{content-visibility:visible;display:contents}"
	"a{color:inherit;text-decoration:none}.story{font-size:10.5pt;max-width:none}"
	"td.goal span{display:inline;-webkit-line-clamp:none}}\n",
};

/* The script only opens and closes sections (and opens every one for
 * printing); the page reads the same without it.  Its last line marks the
 * document, so a test can tell that it ran to the end. */
static const char script[] =
	"(function(){var d=document,all=function(o){d.querySelectorAll('details').forEach("
	"function(e){e.open=o})};\n"
	"var t=d.getElementById('tools');if(t){t.hidden=false;\n"
	"d.getElementById('open-all').onclick=function(){all(true)};\n"
	"d.getElementById('close-all').onclick=function(){all(false)};}\n"
	"var kept=[];window.addEventListener('beforeprint',function(){kept=[];"
	"d.querySelectorAll('details').forEach(function(e){kept.push([e,e.open]);e.open=true})});\n"
	"window.addEventListener('afterprint',function(){kept.forEach(function(k){k[0].open=k[1]})});\n"
	"var reveal=function(){var h=decodeURIComponent(location.hash.slice(1)),e=h&&d.getElementById(h);"
	"for(;e;e=e.parentElement)if(e.tagName==='DETAILS')e.open=true};\n"
	"window.addEventListener('hashchange',reveal);reveal();\n"
	"d.documentElement.setAttribute('data-script','done');})();\n";

/* ------------------------------------------------------------ summary */

static const struct story *best_of(const struct generation *g)
{
	return g->stories.n ? g->stories.v[0] : NULL;
}

static void section_summary(struct page *p)
{
	struct buf *b = p->b;
	const struct story *best = best_of(p->last);
	const struct story *g0 = best_of(&p->v->gen[0]);
	buf_puts(b, "<section id=\"summary\"><h2>Summary</h2>\n");
	if (!best) {
		buf_puts(b, "<p class=\"warn\">The last generation holds no story.</p></section>\n");
		return;
	}
	if (!best->rated && !best->rank) {
		buf_puts(b, "<p class=\"lead\">The stories of this run were not judged (a baseline has no "
			    "judge), so there is no ranking: the order below is the order of the file. "
			    "Compare it with a run with <code>alphawrite compare</code>.</p></section>\n");
		return;
	}
	buf_puts(b, "<div class=\"cards\">\n<div class=\"card\"><div class=\"k\">Best story</div>"
		    "<div class=\"v\">");
	story_link(p, best->id, 1);
	buf_puts(b, "</div><div class=\"d\">rating ");
	rating_text(b, best);
	buf_printf(b, ", %ld words</div></div>\n", best->words);

	/* How far evolution moved the best rating, against generation 0's
	 * best: both by the final fit over every verdict, as run.json has
	 * them (the result line's figures), else as the files last rated
	 * them. */
	const struct runview_story *g0r = g0 ? runview_find(p->v, g0->id) : NULL;
	const struct story *g0s = g0r ? g0r->s : NULL;
	int evolved = p->v->ngen > 1 && g0s && best->rated && g0s->rated;
	const struct run_evolution *ev = p->v->has_run ? &p->v->run.evolution : NULL;
	int final_fit = evolved && ev && ev->set && !strcmp(ev->best, best->id) &&
			!strcmp(ev->first, g0s->id);
	struct rated now = { best->rating, best->rating_lo, best->rating_hi }, then = now;
	if (final_fit) {
		now = (struct rated){ ev->best_rating, ev->best_lo, ev->best_hi };
		then = (struct rated){ ev->first_rating, ev->first_lo, ev->first_hi };
	} else if (g0s) {
		then = (struct rated){ g0s->rating, g0s->rating_lo, g0s->rating_hi };
	}
	double gain = 0, glo = 0, ghi = 0;
	if (evolved) {
		double se1 = (now.hi - now.lo) / 3.92;
		double se0 = (then.hi - then.lo) / 3.92;
		gain = now.r - then.r;
		glo = gain - 1.96 * sqrt(se1 * se1 + se0 * se0);
		ghi = gain + 1.96 * sqrt(se1 * se1 + se0 * se0);
		buf_printf(b, "<div class=\"card\"><div class=\"k\">Gain over generation 0's best</div>"
			      "<div class=\"v\">%+.0f</div><div class=\"d\">about [%+.0f, %+.0f]; the "
			      "judge would prefer it %.0f%% of the time</div></div>\n",
			   gain, glo, ghi, 100.0 / (1.0 + pow(10, -gain / 400)));
	}
	char t1[32], t2[32], t3[32];
	if (p->v->has_run) {
		const struct run_usage *u = &p->v->run.usage;
		long faults = 0;
		for (size_t k = 0; k < AW_ARRAY_LEN(u->faults); k++)
			faults += u->faults[k];
		buf_printf(b, "<div class=\"card\"><div class=\"k\">Requests</div><div class=\"v\">%s</div>"
			      "<div class=\"d\">%s tokens; %s faults survived",
			   thousands(u->requests, t1, sizeof t1),
			   thousands(u->prompt_tokens + u->completion_tokens, t2, sizeof t2),
			   thousands(faults, t3, sizeof t3));
		if (u->cost >= 0)
			buf_printf(b, "; cost $%.2f", u->cost);
		buf_puts(b, "</div></div>\n");
		buf_printf(b, "<div class=\"card\"><div class=\"k\">Took</div><div class=\"v\">%s</div>"
			      "<div class=\"d\">",
			   duration(p->v->run.elapsed_seconds, t1, sizeof t1));
		html_text(b, p->v->run.status ? p->v->run.status : "unknown");
		buf_printf(b, "; %d generation%s</div></div>\n", p->v->ngen, p->v->ngen == 1 ? "" : "s");
	}
	buf_puts(b, "</div>\n");

	/* In words, with the caveats a reader needs. */
	buf_puts(b, "<p class=\"lead\">The best story of the final generation is ");
	story_link(p, best->id, 1);
	buf_puts(b, ", rated ");
	rating_text(b, best);
	buf_puts(b, ".");
	if (evolved) {
		buf_puts(b, " Generation 0's best, ");
		story_link(p, g0s->id, shown(p, g0s->id));
		buf_puts(b, ", is rated ");
		rated_text(b, then);
		if (final_fit && strcmp(g0s->id, best->id) != 0) {
			buf_puts(b, " and the best ");
			rated_text(b, now);
			buf_puts(b, " by the final fit over every verdict of the run");
		} else if (g0r->gen != p->v->ngen - 1) {
			buf_printf(b, " (as last rated, in generation %d)", g0r->gen);
		}
		if (!strcmp(g0s->id, best->id))
			buf_puts(b, ": no variant overtook it.");
		else
			buf_printf(b, ": evolution moved the best rating by %+.0f points (95%% interval "
				      "about %+.0f to %+.0f, treating the two estimates as independent)%s",
				   gain, glo, ghi,
				   glo > 0 ? "." : "; that is within the judge's noise.");
	} else if (p->v->ngen == 1) {
		buf_puts(b, " The run ranked its first population only (no evolution step).");
	}
	buf_puts(b, "</p>\n");

	/* Stories the judge could not tell from the best. */
	size_t ties = 0;
	for (size_t i = 1; best->rated && i < p->last->stories.n; i++) {
		const struct story *s = p->last->stories.v[i];
		if (s->rated && s->rating_hi >= best->rating_lo)
			ties++;
	}
	if (ties) {
		buf_printf(b, "<p class=\"warn\" id=\"tie-warning\"><b>The top stories cannot be told "
			      "apart.</b> %zu other stor%s of the final generation ha%s a 95%% interval "
			      "that overlaps the best one's (",
			   ties, ties == 1 ? "y" : "ies", ties == 1 ? "s" : "ve");
		size_t listed = 0;
		for (size_t i = 1; i < p->last->stories.n && listed < 8; i++) {
			const struct story *s = p->last->stories.v[i];
			if (s->rated && s->rating_hi >= best->rating_lo) {
				buf_puts(b, listed++ ? ", " : "");
				story_link(p, s->id, 1);
			}
		}
		buf_printf(b, "%s): the ranking among them is not settled. Read them side by side, or "
			      "judge them further.</p>\n",
			   ties > listed ? ", ..." : "");
	}

	/* The opening of the best story. */
	if (best->text) {
		size_t n = 0;
		struct wdiff_word *w;
		size_t lead, nw;
		w = wdiff_words(best->text, &nw, &lead);
		n = nw < 60 ? nw : 60;
		buf_puts(b, "<div class=\"excerpt\">");
		if (n) {
			const char *s = w[0].s, *e = w[n - 1].s + w[n - 1].len;
			html_textn(b, s, (size_t)(e - s));
		}
		buf_printf(b, "%s <a href=\"#", n < nw ? " ..." : "");
		html_anchor(b, "story-", best->id);
		buf_puts(b, "\">read it all</a></div>\n");
		free(w);
	}
	buf_puts(b, "</section>\n");
}

/* ------------------------------------------------------------ the run */

static void kv_row(struct buf *b, const char *k, const char *v)
{
	buf_puts(b, "<tr><td>");
	html_text(b, k);
	buf_puts(b, "</td><td>");
	html_text(b, v);
	buf_puts(b, "</td></tr>\n");
}

static void kv_long(struct buf *b, const char *k, long v)
{
	char t[32];
	kv_row(b, k, thousands(v, t, sizeof t));
}

/* Human names of usage.faults and usage.unusable (codec.h's order). */
static const char *const fault_names[] = { "timeouts", "connection errors", "replies too large",
					   "rate limited (429)", "server errors (5xx)",
					   "other retryable statuses", "unusable replies" };
static const char *const unusable_names[] = { "not JSON", "error inside a 200", "no choices",
					      "no text", "empty text", "finish reason error" };
_Static_assert(AW_ARRAY_LEN(fault_names) == AW_ARRAY_LEN(((struct run_usage *)0)->faults),
	       "a name per fault kind");
_Static_assert(AW_ARRAY_LEN(unusable_names) == AW_ARRAY_LEN(((struct run_usage *)0)->unusable),
	       "a name per unusable kind");

static void settings_table(struct buf *b, const cJSON *settings)
{
	const cJSON *o;
	buf_puts(b, "<div class=\"kvs\"><table class=\"kv\">\n");
	int n = 0, half = (cJSON_GetArraySize(settings) + 1) / 2;
	cJSON_ArrayForEach(o, settings) {
		char num[64];
		const char *v = num;
		if (n++ == half)
			buf_puts(b, "</table><table class=\"kv\">\n");
		if (cJSON_IsString(o))
			v = o->valuestring;
		else if (cJSON_IsBool(o))
			v = cJSON_IsTrue(o) ? "yes" : "no";
		else if (cJSON_IsNumber(o))
			snprintf(num, sizeof num, "%.15g", o->valuedouble);
		else if (cJSON_IsNull(o))
			v = "(default)";
		else
			v = "...";
		char key[128];
		snprintf(key, sizeof key, "%s", o->string ? o->string : "");
		for (char *c = key; *c; c++)
			if (*c == '_')
				*c = '-';
		kv_row(b, key, v);
	}
	buf_puts(b, "</table></div>\n");
}

static void section_run(struct page *p)
{
	struct buf *b = p->b;
	char t[64];
	buf_puts(b, "<section id=\"run\"><h2>The run</h2>\n");
	if (!p->v->has_run) {
		buf_puts(b, "<p class=\"warn\">This directory has no run.json: settings and usage are "
			    "unknown.</p></section>\n");
		return;
	}
	const struct run_report *r = &p->v->run;
	if (r->prompt) {
		buf_puts(b, "<h3>Prompt</h3><blockquote class=\"prompt\">");
		html_text(b, r->prompt);
		buf_puts(b, "</blockquote>\n");
	}
	buf_puts(b, "<div class=\"kvs\"><div><h3>Progress</h3><table class=\"kv\">\n");
	kv_row(b, "status", r->status ? r->status : "unknown");
	if (r->error)
		kv_row(b, "error", r->error);
	kv_row(b, "started", r->started);
	kv_row(b, "finished", r->finished[0] ? r->finished : "(not finished)");
	kv_row(b, "time running", duration(r->elapsed_seconds, t, sizeof t));
	snprintf(t, sizeof t, "%d", r->generations_done);
	kv_row(b, "generations done", t);
	kv_row(b, "version", r->version ? r->version : "unknown");
	snprintf(t, sizeof t, "%llu", (unsigned long long)r->seed);
	kv_row(b, "seed", t);
	snprintf(t, sizeof t, "%zu", r->nresumes);
	kv_row(b, "resumed", t);
	buf_puts(b, "</table></div>\n<div><h3>Usage</h3><table class=\"kv\">\n");
	const struct run_usage *u = &r->usage;
	kv_long(b, "requests", u->requests);
	kv_long(b, "retries", u->retries);
	kv_long(b, "failed requests", u->failed_requests);
	kv_long(b, "prompt tokens", u->prompt_tokens);
	kv_long(b, "completion tokens", u->completion_tokens);
	kv_long(b, "replies without usage", u->replies_without_usage);
	static const char *const role_names[] = { "writer", "judge" };
	for (int k = 0; k < 2; k++) {
		const struct role_usage *ru = &u->roles[k];
		if (!ru->requests && !ru->prompt_tokens && !ru->completion_tokens)
			continue;
		char v[160], n1[32], n2[32], n3[32];
		snprintf(v, sizeof v, "%s requests, %s + %s tokens",
			 thousands(ru->requests, n1, sizeof n1),
			 thousands(ru->prompt_tokens, n2, sizeof n2),
			 thousands(ru->completion_tokens, n3, sizeof n3));
		if (ru->cost >= 0)
			snprintf(v + strlen(v), sizeof v - strlen(v), ", $%.4f", ru->cost);
		kv_row(b, role_names[k], v);
	}
	if (u->cost >= 0) {
		snprintf(t, sizeof t, "$%.4f", u->cost);
		kv_row(b, "cost", t);
	} else {
		kv_row(b, "cost", "unknown (no prices given)");
	}
	kv_long(b, "peak in flight", u->peak_in_flight);
	snprintf(t, sizeof t, "%.0f%%", 100 * u->window_use);
	kv_row(b, "request window in use", t);
	kv_long(b, "soft verdicts", u->soft_verdicts);
	kv_row(b, "judge probabilities", u->logprobs);
	kv_long(b, "variants started early", u->early_variants);
	kv_long(b, "of them discarded", u->discarded_variants);
	buf_puts(b, "</table></div>\n<div><h3>Faults survived</h3><table class=\"kv\">\n");
	long faults = 0;
	for (size_t k = 0; k < AW_ARRAY_LEN(fault_names); k++) {
		faults += u->faults[k];
		if (u->faults[k])
			kv_long(b, fault_names[k], u->faults[k]);
	}
	for (size_t k = 0; k < AW_ARRAY_LEN(unusable_names); k++)
		if (u->unusable[k]) {
			snprintf(t, sizeof t, "  of them: %s", unusable_names[k]);
			kv_long(b, t, u->unusable[k]);
		}
	if (!faults)
		kv_row(b, "failed attempts", "none");
	kv_long(b, "judge replies asked again", u->judge_reasks);
	kv_long(b, "matches without a winner", u->matches_without_winner);
	kv_long(b, "matches lost to failed requests", u->lost_matches);
	kv_long(b, "replies repaired (NUL, lone surrogate)", u->repaired_replies);
	kv_long(b, "stories rewritten for length", u->length_rewrites);
	kv_long(b, "stories trimmed", u->trimmed_stories);
	kv_long(b, "stories that could not be written", u->failed_stories);
	buf_puts(b, "</table></div></div>\n");
	if (r->nresumes) {
		buf_puts(b, "<h3>Resumes</h3><table><tr><th>at</th><th class=\"n\">generations done</th>"
			    "<th class=\"n\">stories reused</th><th class=\"n\">verdicts reused</th></tr>\n");
		for (size_t i = 0; i < r->nresumes; i++) {
			buf_puts(b, "<tr><td>");
			html_text(b, r->resumes[i].at);
			buf_printf(b, "</td><td class=\"n\">%d</td><td class=\"n\">%ld</td>"
				      "<td class=\"n\">%ld</td></tr>\n",
				   r->resumes[i].generations_done, r->resumes[i].reused_stories,
				   r->resumes[i].reused_matches);
		}
		buf_puts(b, "</table>\n");
	}
	if (cJSON_IsObject(r->settings)) {
		buf_puts(b, "<h3>Settings</h3>\n");
		settings_table(b, r->settings);
	}
	/* Stories that could not be written, in any generation. */
	size_t nfailed = 0;
	for (int g = 0; g < p->v->ngen; g++)
		nfailed += p->v->gen[g].failed.n;
	if (nfailed) {
		buf_puts(b, "<h3>Stories that could not be written</h3><table><tr><th>generation</th>"
			    "<th>id</th><th>why</th></tr>\n");
		for (int g = 0; g < p->v->ngen; g++)
			for (size_t i = 0; i < p->v->gen[g].failed.n; i++) {
				const struct story *s = p->v->gen[g].failed.v[i];
				buf_printf(b, "<tr><td>generation %d</td><td>", g);
				html_text(b, s->id ? s->id : "");
				buf_puts(b, "</td><td>");
				html_text(b, s->error ? s->error : "");
				buf_puts(b, "</td></tr>\n");
			}
		buf_puts(b, "</table>\n");
	}
	buf_puts(b, "</section>\n");
}

/* ------------------------------------------------------------ charts */

static void gen_label(struct chart *c, int g)
{
	char t[32];
	snprintf(t, sizeof t, "generation %d", g);
	chart_row_label(c, (size_t)g, t);
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

static double median(double *v, size_t n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A small deterministic spread of dots within a row. */
static double jitter(size_t i)
{
	return ((double)((i * 37) % 9) - 4) * 1.9;
}

static void open_figure(struct buf *b, const char *id)
{
	buf_printf(b, "<figure id=\"%s\">\n", id);
}

static void close_figure(struct buf *b, const char *caption)
{
	buf_puts(b, "<figcaption>");
	buf_puts(b, caption); /* trusted: the page's own words */
	buf_puts(b, "</figcaption></figure>\n");
}

static void chart_ratings(struct page *p)
{
	const struct runview *v = p->v;
	double lo = INFINITY, hi = -INFINITY;
	for (int g = 0; g < v->ngen; g++)
		for (size_t i = 0; i < v->gen[g].stories.n; i++) {
			double r = rating(v->gen[g].stories.v[i]);
			lo = fmin(lo, r);
			hi = fmax(hi, r);
		}
	struct chart c;
	char t[256];
	open_figure(p->b, "chart-ratings");
	chart_begin(&c, p->b, 760, 170, "Ratings of every story, by generation", "rating",
		    (size_t)v->ngen, lo, hi, 0);
	for (int g = 0; g < v->ngen; g++) {
		const struct population *pop = &v->gen[g].stories;
		double *r = xmalloc((pop->n + 1) * sizeof *r);
		gen_label(&c, g);
		for (size_t i = 0; i < pop->n; i++) {
			r[i] = rating(pop->v[i]);
			snprintf(t, sizeof t, "%s: %.0f (rank %d)", pop->v[i]->id, r[i], pop->v[i]->rank);
			chart_dot(&c, (size_t)g, jitter(i), r[i], 3.2, "dot", t);
		}
		double med = median(r, pop->n);
		if (pop->n) {
			const struct story *best = pop->v[0];
			snprintf(t, sizeof t, "median %.0f", med);
			chart_tick(&c, (size_t)g, med, "med", t);
			snprintf(t, sizeof t, "best: %s, %.0f", best->id, rating(best));
			chart_diamond(&c, (size_t)g, rating(best), 6, "best", t);
			snprintf(t, sizeof t, "best %.0f, median %.0f", rating(best), med);
			chart_note(&c, (size_t)g, t);
		}
		free(r);
	}
	chart_end(&c);
	close_figure(p->b, "Each dot is a story of that generation at its rating then (Bradley-Terry, "
			   "on the Elo scale); <span class=\"sw hot\"></span>the diamond is the best "
			   "story, the bar the median.  Parents carry their ratings into the next "
			   "generation, so the rows share one scale.");
}

static void chart_best(struct page *p)
{
	const struct runview *v = p->v;
	const struct story *g0 = best_of(&v->gen[0]);
	double lo = INFINITY, hi = -INFINITY;
	for (int g = 0; g < v->ngen; g++) {
		const struct story *s = best_of(&v->gen[g]);
		if (s && s->rated) {
			lo = fmin(lo, s->rating_lo);
			hi = fmax(hi, s->rating_hi);
		}
	}
	const struct runview_story *g0r = g0 ? runview_find(v, g0->id) : NULL;
	if (!g0r || !g0r->s->rated)
		return;
	struct chart c;
	char t[256];
	open_figure(p->b, "chart-best");
	chart_begin(&c, p->b, 760, 170, "The best story of each generation, with its 95% interval",
		    "rating", (size_t)v->ngen, fmin(lo, g0r->s->rating), fmax(hi, g0r->s->rating), 0);
	chart_rule(&c, g0r->s->rating, "ref", "generation 0's best, as last rated");
	for (int g = 0; g < v->ngen; g++) {
		const struct story *s = best_of(&v->gen[g]);
		gen_label(&c, g);
		if (!s || !s->rated)
			continue;
		snprintf(t, sizeof t, "%s: %.0f [%.0f, %.0f]", s->id, s->rating, s->rating_lo,
			 s->rating_hi);
		chart_whisker(&c, (size_t)g, s->rating_lo, s->rating_hi, "ci", t);
		chart_dot(&c, (size_t)g, 0, s->rating, 4.5, "best", t);
		chart_note(&c, (size_t)g, t);
	}
	chart_end(&c);
	close_figure(p->b, "The best story of each generation at its rating then, with its 95% "
			   "interval; the dashed line is generation 0's best as the run last rated it "
			   "(the best of many noisy estimates tends to start too high, and later "
			   "matches pull it back).  Intervals that overlap a lot mean the judge has not "
			   "separated the stories.");
}

static double logistic(double x)
{
	return 1 / (1 + exp(-x));
}

static void chart_judge(struct page *p)
{
	const struct runview *v = p->v;
	struct chart c;
	char t[256];
	double lo = 0.4, hi = 0.6;
	for (int g = 0; g < v->ngen; g++) {
		const struct judging *j = &v->gen[g].judging;
		if (!v->gen[g].has_judging)
			continue;
		lo = fmin(lo, logistic(j->bias - 1.96 * j->bias_se));
		hi = fmax(hi, logistic(j->bias + 1.96 * j->bias_se));
	}
	buf_puts(p->b, "<div class=\"grid2\">");
	open_figure(p->b, "chart-bias");
	chart_begin(&c, p->b, 560, 120, "How often the story shown first wins, by generation",
		    "the first-shown of two equal stories wins", (size_t)v->ngen, lo, hi, 1);
	chart_rule(&c, 0.5, "ref", "no bias");
	for (int g = 0; g < v->ngen; g++) {
		const struct judging *j = &v->gen[g].judging;
		gen_label(&c, g);
		if (!v->gen[g].has_judging)
			continue;
		double e = logistic(j->bias), a = logistic(j->bias - 1.96 * j->bias_se),
		       z = logistic(j->bias + 1.96 * j->bias_se);
		snprintf(t, sizeof t, "%.0f%% [%.0f%%, %.0f%%]", 100 * e, 100 * a, 100 * z);
		chart_whisker(&c, (size_t)g, a, z, "ci", t);
		chart_dot(&c, (size_t)g, 0, e, 4, "est", t);
		chart_note(&c, (size_t)g, t);
	}
	chart_end(&c);
	close_figure(p->b, "Position bias: the judge's estimated preference for whichever story it "
			   "reads first, with its 95% interval.  The fit removes it from the "
			   "ratings.");

	/* Verdicts per story: a histogram per generation. */
	long most = 1;
	for (int g = 0; g < v->ngen; g++)
		for (size_t i = 0; i < v->gen[g].stories.n; i++)
			if (v->gen[g].stories.v[i]->matches > most)
				most = v->gen[g].stories.v[i]->matches;
	open_figure(p->b, "chart-verdicts");
	chart_begin(&c, p->b, 560, 120, "Verdicts per story, by generation",
		    "decided matches a story played in the generation", (size_t)v->ngen, 0,
		    (double)most + 0.5, 0);
	for (int g = 0; g < v->ngen; g++) {
		const struct population *pop = &v->gen[g].stories;
		long *count = xcalloc((size_t)most + 1, sizeof *count), top = 1;
		double *m = xmalloc((pop->n + 1) * sizeof *m);
		gen_label(&c, g);
		for (size_t i = 0; i < pop->n; i++) {
			int k = pop->v[i]->matches;
			m[i] = k;
			if (k >= 0 && k <= most && ++count[k] > top)
				top = count[k];
		}
		for (long k = 0; k <= most; k++)
			if (count[k]) {
				snprintf(t, sizeof t, "%ld stor%s with %ld verdict%s", count[k],
					 count[k] == 1 ? "y" : "ies", k, k == 1 ? "" : "s");
				chart_bar(&c, (size_t)g, (double)k - 0.4, (double)k + 0.4,
					  (double)count[k] / (double)top, "hist", t);
			}
		snprintf(t, sizeof t, "median %.0f", median(m, pop->n));
		chart_note(&c, (size_t)g, t);
		free(count);
		free(m);
	}
	chart_end(&c);
	close_figure(p->b, "How many decided matches each story played: a bar's height is the share "
			   "of the generation's stories with that many.  Pairing spends more on stories "
			   "near the top-K line.");
	buf_puts(p->b, "</div>\n");

	buf_puts(p->b, "<table><tr><th>generation</th><th class=\"n\">matches</th><th class=\"n\">"
		       "judge calls</th><th class=\"n\">budget</th><th>stopped</th><th class=\"n\">"
		       "soft verdicts</th><th class=\"n\">no verdict</th><th class=\"n\">first shown "
		       "wins</th></tr>\n");
	for (int g = 0; g < v->ngen; g++) {
		const struct generation *gen = &v->gen[g];
		long none = 0;
		for (size_t k = 0; k < gen->matches.n; k++)
			none += gen->matches.v[k]->winner == 0;
		buf_printf(p->b, "<tr><td>generation %d</td>", g);
		if (gen->has_judging) {
			const struct judging *j = &gen->judging;
			buf_printf(p->b, "<td class=\"n\">%ld</td><td class=\"n\">%ld</td><td class=\"n\">"
					 "%ld</td><td>%s</td><td class=\"n\">%ld</td><td class=\"n\">%ld"
					 "</td><td class=\"n\">%.0f%% [%.0f%%, %.0f%%]</td></tr>\n",
				   j->matches, j->calls, j->budget, j->stop ? j->stop : "", j->soft, none,
				   100 * logistic(j->bias), 100 * logistic(j->bias - 1.96 * j->bias_se),
				   100 * logistic(j->bias + 1.96 * j->bias_se));
		} else {
			buf_printf(p->b, "<td class=\"n\">%zu</td><td colspan=\"6\" class=\"muted\">not "
					 "recorded</td></tr>\n",
				   gen->matches.n);
		}
	}
	buf_puts(p->b, "</table>\n");
}

static const char *const op_names[] = { "first drafts", "variants" };

static void chart_policy(struct page *p)
{
	const struct runview *v = p->v;
	double tlo = INFINITY, thi = -INFINITY, slo = INFINITY, shi = -INFINITY;
	for (int g = 0; g < v->ngen; g++) {
		const struct gen_policy *pol = &v->gen[g].policy;
		for (int op = 0; pol->has && op < 2; op++) {
			const struct policy_arm *a = op ? pol->variant : pol->draft;
			size_t n = op ? pol->nvariant : pol->ndraft;
			for (size_t i = 0; i < n; i++) {
				tlo = fmin(tlo, a[i].temperature);
				thi = fmax(thi, a[i].temperature);
				slo = fmin(slo, a[i].strength_lo);
				shi = fmax(shi, a[i].strength_hi);
			}
		}
	}
	double pad = (thi - tlo) * 0.08 + 0.02;
	char t[256];
	struct chart c;
	buf_puts(p->b, "<p class=\"legend\"><span><i class=\"sw s1\"></i>first drafts</span>"
		       "<span><i class=\"sw s2\"></i>variants</span></p>\n<div class=\"grid3\">\n");
	for (int g = 0; g < v->ngen; g++) {
		const struct gen_policy *pol = &v->gen[g].policy;
		if (!pol->has)
			continue;
		snprintf(t, sizeof t, "generation %d", g);
		buf_printf(p->b, "<figure class=\"policy\" id=\"policy-%d\">\n", g);
		chart_panel_begin(&c, p->b, 360, 220, t, tlo - pad, thi + pad, "temperature", slo, shi,
				  "strength (logits), 95% interval");
		chart_xy_hline(&c, 0, "ref");
		for (int op = 0; op < 2; op++) {
			const struct policy_arm *a = op ? pol->variant : pol->draft;
			size_t n = op ? pol->nvariant : pol->ndraft;
			double dx = (op ? 0.25 : -0.25) * pad;
			for (size_t i = 0; i < n; i++) {
				snprintf(t, sizeof t, "%s at %.2f: %ld stories, strength %.2f [%.2f, %.2f], "
					 "chosen next with p %.2f",
					 op_names[op], a[i].temperature, a[i].stories, a[i].strength,
					 a[i].strength_lo, a[i].strength_hi, a[i].p_next);
				chart_xy_vwhisker(&c, a[i].temperature + dx, a[i].strength_lo,
						  a[i].strength_hi, op ? "c2" : "c1");
				chart_xy_dot(&c, a[i].temperature + dx, a[i].strength,
					     2.5 + 5 * sqrt(fmax(0, fmin(1, a[i].p_next))),
					     op ? "s2" : "s1", t);
			}
		}
		chart_end(&c);
		buf_puts(p->b, "</figure>\n");
	}
	buf_puts(p->b, "</div>\n<p class=\"muted\">Each point is a temperature of the grid: its "
		       "estimated strength with a 95% interval; the larger the point, the likelier "
		       "the policy is to choose it next.</p>\n");

	/* Where the policy's next choice goes, generation by generation. */
	buf_puts(p->b, "<div class=\"grid2\">\n");
	for (int op = 0; op < 2; op++) {
		snprintf(t, sizeof t, "Probability of each temperature being chosen next: %s",
			 op_names[op]);
		buf_printf(p->b, "<figure id=\"policy-next-%d\">\n", op);
		chart_begin(&c, p->b, 560, 30, t, "share of the next choices", (size_t)v->ngen, 0, 1, 1);
		for (int g = 0; g < v->ngen; g++) {
			const struct gen_policy *pol = &v->gen[g].policy;
			const struct policy_arm *a = op ? pol->variant : pol->draft;
			size_t n = pol->has ? (op ? pol->nvariant : pol->ndraft) : 0;
			double at = 0;
			gen_label(&c, g);
			for (size_t i = 0; i < n; i++) {
				double w = fmax(0, fmin(1 - at, a[i].p_next));
				char cls[8], tip[128], lab[32];
				snprintf(cls, sizeof cls, "p%zu", i % 4);
				snprintf(tip, sizeof tip, "temperature %.2f: p %.2f, %ld stories so far",
					 a[i].temperature, a[i].p_next, a[i].stories);
				chart_bar(&c, (size_t)g, at, at + w, 1, cls, tip);
				snprintf(lab, sizeof lab, "%.2g", a[i].temperature);
				if (w > 0.07)
					chart_text(&c, (size_t)g, at + w / 2, "seg", lab);
				at += w;
			}
		}
		chart_end(&c);
		snprintf(t, sizeof t, "Each bar splits the %s' next choices among the temperatures "
			 "(labelled in the bar).", op_names[op]);
		close_figure(p->b, t);
	}
	buf_puts(p->b, "</div>\n");

	buf_puts(p->b, "<details><summary>The numbers</summary><div class=\"body\"><table><tr>"
		       "<th>generation</th><th>operator</th><th class=\"n\">temperature</th><th class="
		       "\"n\">stories</th><th class=\"n\">strength [95%]</th><th class=\"n\">p next"
		       "</th></tr>\n");
	for (int g = 0; g < v->ngen; g++) {
		const struct gen_policy *pol = &v->gen[g].policy;
		for (int op = 0; pol->has && op < 2; op++) {
			const struct policy_arm *a = op ? pol->variant : pol->draft;
			size_t n = op ? pol->nvariant : pol->ndraft;
			for (size_t i = 0; i < n; i++)
				buf_printf(p->b, "<tr><td>generation %d</td><td>%s</td><td class=\"n\">%.2f"
						 "</td><td class=\"n\">%ld</td><td class=\"n\">%.2f [%.2f, "
						 "%.2f]</td><td class=\"n\">%.2f</td></tr>\n",
					   g, op_names[op], a[i].temperature, a[i].stories, a[i].strength,
					   a[i].strength_lo, a[i].strength_hi, a[i].p_next);
		}
	}
	buf_puts(p->b, "</table></div></details>\n");
}

static void chart_diversity(struct page *p)
{
	const struct runview *v = p->v;
	struct chart c;
	char t[256];
	double lo = INFINITY, hi = -INFINITY;
	int any_dev = 0;
	for (int g = 0; g < v->ngen; g++) {
		const struct generation *gen = &v->gen[g];
		for (size_t i = 0; i < gen->stories.n; i++)
			if (gen->stories.v[i]->has_deviation) {
				any_dev = 1;
				lo = fmin(lo, gen->stories.v[i]->deviation);
				hi = fmax(hi, gen->stories.v[i]->deviation);
			}
		if (gen->diversity.has) {
			lo = fmin(lo, gen->diversity.mean_deviation);
			hi = fmax(hi, gen->diversity.mean_deviation);
		}
	}
	buf_puts(p->b, "<div class=\"grid2\">\n");
	if (any_dev || isfinite(lo)) {
		open_figure(p->b, "chart-deviation");
		chart_begin(&c, p->b, 560, 110, "How far each story is from the others of its "
			    "generation", "deviation (mean text distance to the rest)", (size_t)v->ngen,
			    lo, hi, 0);
		for (int g = 0; g < v->ngen; g++) {
			const struct generation *gen = &v->gen[g];
			gen_label(&c, g);
			for (size_t i = 0; i < gen->stories.n; i++) {
				const struct story *s = gen->stories.v[i];
				if (!s->has_deviation)
					continue;
				snprintf(t, sizeof t, "%s: %.3f", s->id, s->deviation);
				chart_dot(&c, (size_t)g, jitter(i), s->deviation, 3, "dot", t);
			}
			if (gen->diversity.has) {
				snprintf(t, sizeof t, "mean %.3f", gen->diversity.mean_deviation);
				chart_tick(&c, (size_t)g, gen->diversity.mean_deviation, "med", t);
				chart_note(&c, (size_t)g, t);
			}
		}
		chart_end(&c);
		close_figure(p->b, "Each dot is a story; the bar is the generation's mean.  Falling "
				   "deviation means the population is converging.");
	}
	open_figure(p->b, "chart-distinct");
	chart_begin(&c, p->b, 560, 110, "Variety of the generation's texts", "share",
		    (size_t)v->ngen, 0, 1, 1);
	for (int g = 0; g < v->ngen; g++) {
		const struct gen_diversity *d = &v->gen[g].diversity;
		gen_label(&c, g);
		if (!d->has)
			continue;
		snprintf(t, sizeof t, "distinct bigrams %.3f", d->distinct_2);
		chart_dot(&c, (size_t)g, -4, d->distinct_2, 4, "s1", t);
		snprintf(t, sizeof t, "distinct trigrams %.3f", d->distinct_3);
		chart_dot(&c, (size_t)g, 0, d->distinct_3, 4, "s2", t);
		snprintf(t, sizeof t, "compression ratio %.3f", d->compression_ratio);
		chart_dot(&c, (size_t)g, 4, d->compression_ratio, 4, "s3", t);
		snprintf(t, sizeof t, "%ld lineage%s", d->lineages, d->lineages == 1 ? "" : "s");
		chart_note(&c, (size_t)g, t);
	}
	chart_end(&c);
	close_figure(p->b, "<span class=\"legend\"><span><i class=\"sw s1\"></i>distinct bigrams"
			   "</span><span><i class=\"sw s2\"></i>distinct trigrams</span><span><i "
			   "class=\"sw s3\"></i>compression ratio</span></span><br>Shares of unique word "
			   "bigrams and trigrams among all, and compressed over raw size: lower means "
			   "more repetition.  At the right: how many generation-0 stories the "
			   "generation descends from.");
	buf_puts(p->b, "</div>\n");
}

static void section_charts(struct page *p)
{
	if (p->judged) {
		buf_puts(p->b, "<section id=\"ratings\"><h2>Ratings</h2>\n");
		chart_ratings(p);
		chart_best(p);
		buf_puts(p->b, "</section>\n<section id=\"judge\"><h2>The judge</h2>\n");
		chart_judge(p);
		buf_puts(p->b, "</section>\n");
	}
	if (p->has_policy) {
		buf_puts(p->b, "<section id=\"policy\"><h2>Temperature policy</h2>\n");
		chart_policy(p);
		buf_puts(p->b, "</section>\n");
	}
	if (p->has_diversity) {
		buf_puts(p->b, "<section id=\"diversity\"><h2>Diversity</h2>\n");
		chart_diversity(p);
		buf_puts(p->b, "</section>\n");
	}
}

/* ------------------------------------------------------------ ranking */

static void section_ranking(struct page *p)
{
	struct buf *b = p->b;
	const struct population *pop = &p->last->stories;
	double lo = INFINITY, hi = -INFINITY;
	for (size_t i = 0; i < pop->n; i++) {
		const struct story *s = pop->v[i];
		lo = fmin(lo, s->rated ? s->rating_lo : s->elo);
		hi = fmax(hi, s->rated ? s->rating_hi : s->elo);
	}
	if (!(hi > lo))
		hi = lo + 1;
	buf_printf(b, "<section id=\"ranking\"><h2>Final ranking</h2>\n<p class=\"sub\">Generation "
		      "%d, best first: the rating with its 95%% interval (the bar spans %.0f to %.0f), "
		      "the online Elo, this generation's wins and losses, and where each story came "
		      "from.</p>\n",
		   p->last->gen, lo, hi);
	buf_puts(b, "<table id=\"ranking-table\"><tr><th class=\"n\">rank</th><th>id</th><th class="
		    "\"n\">rating</th><th class=\"n\">95% interval</th><th></th><th class=\"n\">elo"
		    "</th><th class=\"n\">W-L</th><th class=\"n\">born</th><th>parent</th><th>goal"
		    "</th></tr>\n");
	for (size_t i = 0; i < pop->n; i++) {
		const struct story *s = pop->v[i];
		buf_printf(b, "<tr data-id=\"");
		html_text(b, s->id);
		buf_printf(b, "\"><td class=\"n\">%d</td><td>", s->rank ? s->rank : (int)i + 1);
		story_link(p, s->id, 1);
		buf_printf(b, "</td><td class=\"n\">%.0f</td>", rating(s));
		if (s->rated) {
			double l = 100 * (s->rating_lo - lo) / (hi - lo),
			       w = 100 * (s->rating_hi - s->rating_lo) / (hi - lo),
			       x = 100 * (s->rating - lo) / (hi - lo);
			buf_printf(b, "<td class=\"n\">[%.0f, %.0f]</td><td><span class=\"ibar\"><i style="
				      "\"left:%.1f%%;width:%.1f%%\"></i><b style=\"left:%.1f%%\"></b></span>"
				      "</td>",
				   s->rating_lo, s->rating_hi, l, w, x);
		} else {
			buf_puts(b, "<td class=\"n\">-</td><td></td>");
		}
		buf_printf(b, "<td class=\"n\">%.0f</td><td class=\"n\">%d-%d</td><td class=\"n\">%d</td>"
			      "<td>",
			   s->elo, s->wins, s->losses, s->born);
		if (s->parent_id)
			story_link(p, s->parent_id, shown(p, s->parent_id));
		else
			buf_puts(b, "<span class=\"muted\">-</span>");
		buf_puts(b, "</td><td class=\"goal\"><span title=\"");
		html_text(b, s->goal ? s->goal : "");
		buf_puts(b, "\">");
		html_text(b, s->goal ? s->goal : "");
		buf_puts(b, "</span></td></tr>\n");
	}
	buf_puts(b, "</table></section>\n");
}

/* ------------------------------------------------------------ lineage */

static int shown(const struct page *p, const char *id)
{
	if (in_last(p, id))
		return 1;
	const struct runview_story **chain =
		xmalloc((p->v->nstory + 1) * sizeof *chain);
	int found = 0;
	for (size_t i = 0; i < p->top && !found; i++) {
		enum runview_end end;
		size_t n = runview_lineage(p->v, p->last->stories.v[i]->id, chain, p->v->nstory,
					   &end);
		for (size_t k = 0; k < n && !found; k++)
			found = !strcmp(chain[k]->s->id, id);
	}
	free(chain);
	return found;
}

/* The lineages of the top stories as one family tree: a node per story,
 * its children the nodes that name it as parent, in the order the chains
 * of the top stories, best first, reached them. */
struct tnode {
	const struct runview_story *rs; /* the story */
	size_t parent;                  /* its node's parent, or SIZE_MAX */
	int top;                        /* its rank when a top story, else 0 */
};

static void tree_node(struct page *p, const struct tnode *t, size_t n, size_t i)
{
	struct buf *b = p->b;
	const struct story *s = t[i].rs->s;
	buf_printf(b, "<li%s data-id=\"", t[i].top ? " class=\"top\"" : "");
	html_text(b, s->id);
	buf_printf(b, "\"><div class=\"node\"><b>generation %d</b> &middot; ", s->born);
	story_link(p, s->id, 1);
	buf_puts(b, " &middot; ");
	rating_text(b, s);
	if (t[i].top)
		buf_printf(b, " <span class=\"badge\">#%d</span>", t[i].top);
	if (t[i].rs->gen != p->v->ngen - 1)
		buf_printf(b, " <span class=\"muted\">as rated in generation %d</span>", t[i].rs->gen);
	buf_puts(b, "</div>");
	if (s->goal) {
		buf_puts(b, "<div class=\"goal-t\">");
		html_text(b, s->goal);
		buf_puts(b, "</div>");
	} else if (s->style || s->theme) {
		buf_puts(b, "<div class=\"st\">");
		html_textf(b, "style: %s; theme: %s", s->style ? s->style : "-",
			   s->theme ? s->theme : "-");
		buf_puts(b, "</div>");
	}
	int any = 0;
	for (size_t k = 0; k < n; k++)
		if (t[k].parent == i) {
			if (!any++)
				buf_puts(b, "<ul class=\"tree\">\n");
			tree_node(p, t, n, k);
		}
	if (any)
		buf_puts(b, "</ul>");
	buf_puts(b, "</li>\n");
}

static void section_lineage(struct page *p)
{
	struct buf *b = p->b;
	const struct runview_story **chain = xmalloc((p->v->nstory + 1) * sizeof *chain);
	struct tnode *t = xmalloc((p->v->nstory + 1) * sizeof *t);
	size_t nt = 0;
	buf_printf(b, "<section id=\"lineage\"><h2>Where the top stories came from</h2>\n<p class="
		      "\"sub\">The top %zu stories traced back through their parents to generation "
		      "0.</p>\n<table id=\"lineage-paths\"><tr><th class=\"n\">rank</th><th>line of "
		      "descent, generation 0 first</th></tr>\n",
		   p->top);
	for (size_t i = 0; i < p->top; i++) {
		const struct story *top = p->last->stories.v[i];
		enum runview_end end;
		size_t n = runview_lineage(p->v, top->id, chain, p->v->nstory, &end);
		buf_printf(b, "<tr><td class=\"n\">#%zu</td><td><ol class=\"path\" data-story=\"", i + 1);
		html_text(b, top->id);
		buf_puts(b, "\">");
		if (end == RUNVIEW_MISSING) {
			buf_puts(b, "<li class=\"muted\">(parent ");
			html_text(b, chain[n - 1]->s->parent_id);
			buf_puts(b, " is in no generation file)</li>");
		} else if (end == RUNVIEW_LOOP) {
			buf_puts(b, "<li class=\"muted\">(the parent ids loop)</li>");
		}
		for (size_t k = n; k-- > 0;) {
			buf_puts(b, "<li data-id=\"");
			html_text(b, chain[k]->s->id);
			if (chain[k]->s->goal) {
				buf_puts(b, "\" title=\"goal: ");
				html_text(b, chain[k]->s->goal);
			}
			buf_puts(b, "\">");
			story_link(p, chain[k]->s->id, 1);
			buf_printf(b, " <span class=\"ci-t\">%.0f</span></li>", rating(chain[k]->s));
			/* the tree: add the chain's nodes not there yet */
			size_t at = SIZE_MAX, parent = SIZE_MAX;
			for (size_t j = 0; j < nt; j++)
				if (t[j].rs == chain[k])
					at = j;
			if (k + 1 < n)
				for (size_t j = 0; j < nt; j++)
					if (t[j].rs == chain[k + 1])
						parent = j;
			if (at == SIZE_MAX) {
				t[nt].rs = chain[k];
				t[nt].parent = parent;
				t[nt].top = 0;
				at = nt++;
			}
			if (k == 0)
				t[at].top = (int)i + 1;
		}
		buf_puts(b, "</ol></td></tr>\n");
	}
	buf_puts(b, "</table>\n<h3>Family tree, with each step's improvement goal</h3>\n<p class=\"sub"
		    "\">Each story with the rating the run last gave it; under a variant, the goal "
		    "its writer was given when it rewrote the parent above it.</p>\n<ul class=\"tree "
		    "root\">\n");
	for (size_t j = 0; j < nt; j++)
		if (t[j].parent == SIZE_MAX)
			tree_node(p, t, nt, j);
	buf_puts(b, "</ul>\n</section>\n");
	free(t);
	free(chain);
}

/* ------------------------------------------------------------ stories */

static void story_card(struct page *p, const struct story *s, int open, int final)
{
	struct buf *b = p->b;
	buf_printf(b, "<details class=\"story-card\"%s id=\"", open ? " open" : "");
	html_anchor(b, "story-", s->id);
	buf_puts(b, "\"><summary>");
	if (final && s->rank)
		buf_printf(b, "<span class=\"rank\">#%d</span>", s->rank);
	buf_puts(b, "<b class=\"sid\">");
	html_text(b, s->id);
	buf_puts(b, "</b> &middot; ");
	rating_text(b, s);
	buf_printf(b, " <span class=\"muted\">&middot; %ld words &middot; generation %d", s->words,
		   s->born);
	if (s->parent_id) {
		buf_puts(b, " &middot; from ");
		html_text(b, s->parent_id);
	}
	buf_puts(b, "</span></summary>\n<div class=\"body\"><div class=\"meta\">");
	if (s->goal) {
		buf_puts(b, "goal: ");
		html_text(b, s->goal);
		buf_puts(b, "<br>");
	}
	html_textf(b, "style: %s; theme: %s", s->style ? s->style : "-", s->theme ? s->theme : "-");
	buf_printf(b, "<br>temperature %.2f &middot; elo %.0f &middot; this generation %d-%d",
		   s->temperature, s->elo, s->wins, s->losses);
	if (s->trimmed)
		buf_puts(b, " &middot; trimmed to the word limit");
	if (s->has_deviation)
		buf_printf(b, " &middot; deviation %.3f", s->deviation);
	buf_puts(b, "</div>\n<div class=\"story\" data-id=\"");
	html_text(b, s->id);
	buf_puts(b, "\">");
	html_text(b, s->text ? s->text : "");
	buf_puts(b, "</div>\n");
	const struct runview_story *parent = s->parent_id ? runview_find(p->v, s->parent_id) : NULL;
	if (parent && parent->s->text && s->text) {
		struct wdiff d;
		wdiff_compute(&d, parent->s->text, s->text);
		wdiff_cleanup(&d);
		buf_puts(b, "<details class=\"diff\"><summary>What changed from ");
		html_text(b, parent->s->id);
		buf_printf(b, " <span class=\"muted\">(%zu words kept, %zu deleted, %zu inserted%s)</span>"
			      "</summary><div class=\"body\"><div class=\"story wdiff\" data-id=\"",
			   d.same, d.deleted, d.inserted,
			   d.cut ? "; too long to compare exactly: more may be marked than changed" : "");
		html_text(b, s->id);
		buf_puts(b, "\">");
		html_diff(b, &d);
		buf_puts(b, "</div></div></details>\n");
		wdiff_release(&d);
	}
	buf_puts(b, "</div></details>\n");
}

static void section_stories(struct page *p)
{
	struct buf *b = p->b;
	const struct population *pop = &p->last->stories;
	buf_printf(b, "<section id=\"stories\"><h2>The final generation's stories</h2>\n<p class=\"sub"
		      "\">All %zu stories of generation %d, best first.  A variant can be compared "
		      "with its parent word by word: <del>deleted</del> and <ins>inserted</ins> words "
		      "are marked.</p>\n<div class=\"tools\" id=\"tools\" hidden><button type=\"button\" "
		      "id=\"open-all\">Open all</button><button type=\"button\" id=\"close-all\">Close "
		      "all</button></div>\n",
		   pop->n, p->last->gen);
	for (size_t i = 0; i < pop->n; i++)
		story_card(p, pop->v[i], i == 0, 1);
	buf_puts(b, "</section>\n");

	/* The ancestors of the top stories that are not in the final
	 * generation, once each, in order of birth. */
	const struct runview_story **chain = xmalloc((p->v->nstory + 1) * sizeof *chain);
	unsigned char *done = xcalloc(p->v->nstory + 1, 1);
	size_t nshown = 0;
	for (int g = 0; g < p->v->ngen; g++)
		for (size_t i = 0; i < p->top; i++) {
			enum runview_end end;
			size_t n = runview_lineage(p->v, pop->v[i]->id, chain, p->v->nstory, &end);
			for (size_t k = 0; k < n; k++) {
				const struct runview_story *rs = chain[k];
				size_t idx = (size_t)(rs - p->v->story);
				if (rs->s->born != g || done[idx] || in_last(p, rs->s->id))
					continue;
				if (!nshown++)
					buf_puts(b, "<section id=\"ancestors\"><h2>Earlier stories in "
						    "these lineages</h2>\n<p class=\"sub\">Ancestors of the top "
						    "stories that did not survive to the final generation, "
						    "oldest first.</p>\n");
				done[idx] = 1;
				story_card(p, rs->s, 0, 0);
			}
		}
	if (nshown)
		buf_puts(b, "</section>\n");
	free(done);
	free(chain);
}

/* ------------------------------------------------------------ comparisons */

static void pct(char *out, size_t n, double v)
{
	if (isnan(v))
		snprintf(out, n, "n/a");
	else
		snprintf(out, n, "%.1f%%", 100 * v);
}

static void section_compare(struct page *p)
{
	struct buf *b = p->b;
	struct chart c;
	char t[256], x1[32], x2[32], x3[32];
	buf_puts(b, "<section id=\"compare\"><h2>Comparisons</h2>\n<p class=\"sub\">Results of "
		    "<code>alphawrite compare</code>: how often the judge preferred a story of set A "
		    "to one of set B, with its 95% interval (line) and bootstrap interval (band); "
		    "the diamond is the win rate controlled for length.</p>\n");
	open_figure(b, "chart-compare");
	chart_begin(&c, b, 760, 170, "Win rate of A over B, per comparison", "A's win rate",
		    p->ncmp, 0, 1, 1);
	chart_rule(&c, 0.5, "ref", "even");
	for (size_t i = 0; i < p->ncmp; i++) {
		const struct compare_result *r = &p->cmp[i];
		snprintf(t, sizeof t, "comparison %zu", i + 1);
		chart_row_label(&c, i, t);
		if (!isnan(r->ci_boot_lo) && !isnan(r->ci_boot_hi))
			chart_whisker(&c, i, r->ci_boot_lo, r->ci_boot_hi, "ci2", NULL);
		if (!isnan(r->ci_lo) && !isnan(r->ci_hi))
			chart_whisker(&c, i, r->ci_lo, r->ci_hi, "ci", NULL);
		if (!isnan(r->lc_win_rate))
			chart_diamond(&c, i, r->lc_win_rate, 5, "best", "length-controlled win rate");
		if (!isnan(r->win_rate)) {
			pct(x1, sizeof x1, r->win_rate);
			chart_dot(&c, i, 0, r->win_rate, 4.5, "est", x1);
			if (isnan(r->p_value))
				snprintf(t, sizeof t, "%s", x1);
			else
				snprintf(t, sizeof t, "%s, p = %.3g", x1, r->p_value);
			chart_note(&c, i, t);
		}
	}
	chart_end(&c);
	close_figure(b, "A win rate above 50% means A's stories were preferred.");
	buf_puts(b, "<table id=\"compare-table\"><tr><th>#</th><th>A</th><th>B</th><th class=\"n\">"
		    "pairs</th><th class=\"n\">A wins - B wins - ties</th><th class=\"n\">win rate "
		    "[95%]</th><th class=\"n\">bootstrap [95%]</th><th class=\"n\">p</th><th class=\""
		    "n\">order agreement</th><th class=\"n\">length-controlled</th><th>judges</th>"
		    "</tr>\n");
	for (size_t i = 0; i < p->ncmp; i++) {
		const struct compare_result *r = &p->cmp[i];
		buf_printf(b, "<tr><td>%zu</td><td>", i + 1);
		html_text(b, r->a);
		buf_puts(b, "</td><td>");
		html_text(b, r->b);
		buf_puts(b, "</td><td class=\"n\">");
		if (!isnan(r->pairs))
			buf_printf(b, "%.0f", r->pairs);
		if (!isnan(r->distinct_pairs))
			buf_printf(b, " (%.0f distinct)", r->distinct_pairs);
		buf_puts(b, "</td><td class=\"n\">");
		if (!isnan(r->a_wins) && !isnan(r->b_wins))
			buf_printf(b, "%.0f - %.0f - %.0f", r->a_wins, r->b_wins,
				   isnan(r->ties) ? 0 : r->ties);
		pct(x1, sizeof x1, r->win_rate);
		pct(x2, sizeof x2, r->ci_lo);
		pct(x3, sizeof x3, r->ci_hi);
		buf_printf(b, "</td><td class=\"n\">%s [%s, %s]</td>", x1, x2, x3);
		pct(x2, sizeof x2, r->ci_boot_lo);
		pct(x3, sizeof x3, r->ci_boot_hi);
		buf_printf(b, "<td class=\"n\">[%s, %s]</td><td class=\"n\">", x2, x3);
		if (!isnan(r->p_value))
			buf_printf(b, "%.3g", r->p_value);
		else
			buf_puts(b, "n/a");
		pct(x1, sizeof x1, r->order_agreement);
		pct(x2, sizeof x2, r->lc_win_rate);
		buf_printf(b, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td>", x1, x2);
		html_text(b, r->judges ? r->judges : "");
		buf_puts(b, "</td></tr>\n");
	}
	buf_puts(b, "</table></section>\n");
}

/* ------------------------------------------------------------ the whole */

static void page_build(struct page *p)
{
	struct buf *b = p->b;
	const char *base = strrchr(p->dir, '/');
	char *name = xstrdup(base && base[1] ? base + 1 : p->dir);
	const struct story *best = best_of(p->last);
	buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		    "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
		    "<meta name=\"generator\" content=\"alphawrite " AW_VERSION "\">\n<title>");
	html_text(b, name);
	buf_puts(b, " - alphawrite report</title>\n<style>\n");
	for (size_t i = 0; i < AW_ARRAY_LEN(css); i++)
		buf_puts(b, css[i]);
	buf_puts(b, "</style>\n</head>\n<body>\n<div class=\"wrap\">\n<nav aria-label=\"sections\">"
		    "<b>alphawrite</b>\n<a href=\"#summary\">Summary</a>\n<a href=\"#run\">The run</a>\n");
	if (p->judged)
		buf_puts(b, "<a href=\"#ratings\">Ratings</a>\n<a href=\"#judge\">The judge</a>\n");
	if (p->has_policy)
		buf_puts(b, "<a href=\"#policy\">Temperature policy</a>\n");
	if (p->has_diversity)
		buf_puts(b, "<a href=\"#diversity\">Diversity</a>\n");
	if (p->judged)
		buf_puts(b, "<a href=\"#ranking\">Final ranking</a>\n<a href=\"#lineage\">Lineage</a>\n");
	buf_puts(b, "<a href=\"#stories\">Stories</a>\n");
	if (p->ncmp)
		buf_puts(b, "<a href=\"#compare\">Comparisons</a>\n");
	buf_puts(b, "</nav>\n<main>\n<header><h1>");
	html_text(b, name);
	buf_puts(b, "</h1><div class=\"sub\">alphawrite ");
	html_text(b, p->v->has_run && p->v->run.command ? p->v->run.command : "evolve");
	buf_puts(b, " run");
	if (p->v->has_run) {
		const struct run_report *r = &p->v->run;
		buf_puts(b, " <span class=\"badge ");
		html_text(b, r->status ? r->status : "unknown");
		buf_puts(b, "\">");
		html_text(b, r->status ? r->status : "unknown");
		buf_puts(b, "</span> &middot; started ");
		html_text(b, r->started);
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(r->settings, "model");
		const cJSON *j = cJSON_GetObjectItemCaseSensitive(r->settings, "judge_model");
		if (cJSON_IsString(m)) {
			buf_puts(b, " &middot; writer ");
			html_text(b, m->valuestring);
		}
		if (cJSON_IsString(j)) {
			buf_puts(b, ", judge ");
			html_text(b, j->valuestring);
		}
	}
	buf_printf(b, " &middot; %d generation%s", p->v->ngen, p->v->ngen == 1 ? "" : "s");
	if (best)
		buf_printf(b, ", %zu stories in the last", p->last->stories.n);
	buf_puts(b, "</div></header>\n");
	section_summary(p);
	section_run(p);
	section_charts(p);
	if (best && p->judged) {
		section_ranking(p);
		section_lineage(p);
	}
	if (best)
		section_stories(p);
	if (p->ncmp)
		section_compare(p);
	buf_puts(b, "<footer>Written by alphawrite " AW_VERSION " from ");
	html_text(b, p->dir);
	buf_puts(b, ". This page is self-contained: it loads nothing from anywhere.</footer>\n"
		    "</main>\n</div>\n<script>\n");
	buf_puts(b, script);
	buf_puts(b, "</script>\n</body>\n</html>\n");
	free(name);
}

/* ------------------------------------------------------------ the command */

/* Where the page goes: its directory and file name (malloc'd), checked
 * before anything is done.  -1 with a message when it cannot go there. */
static int out_place(const char *dir, const char *out, char **odir, char **oname, char *err,
		     size_t errlen)
{
	char *path = out ? xstrdup(out) : xasprintf("%s/report.html", dir);
	char *slash = strrchr(path, '/');
	struct stat st;
	int rc = -1;
	*odir = *oname = NULL;
	if (slash && !slash[1]) {
		aw_fail(err, errlen, "--out '%s' names a directory; give a file name", path);
		goto out;
	}
	*oname = xstrdup(slash ? slash + 1 : path);
	*odir = slash ? (slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path)))
		      : xstrdup(".");
	if (stat(*odir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		aw_fail(err, errlen, "cannot write '%s': directory '%s' does not exist", path, *odir);
		goto out;
	}
	if (access(*odir, W_OK) < 0) {
		aw_fail(err, errlen, "cannot write '%s': directory '%s' is not writable", path, *odir);
		goto out;
	}
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		aw_fail(err, errlen, "cannot write '%s': it is a directory", path);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0) {
		free(*odir);
		free(*oname);
		*odir = *oname = NULL;
	}
	free(path);
	return rc;
}

int report_main(int argc, char **argv)
{
	struct report_options ro = { 0 };
	struct runview v = RUNVIEW_INIT;
	struct compare_result *cmp = NULL;
	size_t ncmp = 0;
	char *odir = NULL, *oname = NULL, err[1024];
	struct buf html = BUF_INIT;
	int first, status = AW_EXIT_USAGE;
	enum cli_result cr = cli_parse(&report_command, &ro, NULL, argc, argv, &first);
	if (cr != CLI_RUN) {
		status = cr == CLI_EXIT ? AW_EXIT_OK : AW_EXIT_USAGE;
		goto out;
	}
	if (first >= argc) {
		cli_usage(&report_command, "give the run directory");
		goto out;
	}
	if (first + 1 < argc) {
		cli_usage(&report_command, "unexpected argument '%s'", argv[first + 1]);
		goto out;
	}
	const char *dir = argv[first];
	if (runview_load(&v, dir, 0, err, sizeof err) < 0 ||
	    out_place(dir, ro.out, &odir, &oname, err, sizeof err) < 0) {
		aw_error("%s", err);
		goto out;
	}
	cmp = xcalloc(ro.compare.n + 1, sizeof *cmp);
	for (; ncmp < ro.compare.n; ncmp++)
		if (compare_result_read(ro.compare.v[ncmp], &cmp[ncmp], err, sizeof err) < 0) {
			aw_error("%s", err);
			goto out;
		}

	struct page p = { 0 };
	p.b = &html;
	p.v = &v;
	p.dir = dir;
	p.last = &v.gen[v.ngen - 1];
	p.cmp = cmp;
	p.ncmp = ncmp;
	long top = 5;
	const cJSON *k = v.has_run ? cJSON_GetObjectItemCaseSensitive(v.run.settings, "top") : NULL;
	if (cJSON_IsNumber(k) && k->valuedouble >= 1 && k->valuedouble <= 1000)
		top = (long)k->valuedouble;
	p.top = (size_t)top < p.last->stories.n ? (size_t)top : p.last->stories.n;
	for (int g = 0; g < v.ngen; g++) {
		p.has_policy |= v.gen[g].policy.has;
		p.has_diversity |= v.gen[g].diversity.has;
		for (size_t i = 0; i < v.gen[g].stories.n; i++) {
			const struct story *s = v.gen[g].stories.v[i];
			p.has_diversity |= s->has_deviation;
			p.judged |= s->rated || s->rank;
		}
	}
	page_build(&p);
	if (store_write_file(odir, oname, html.data, html.len, err, sizeof err) < 0) {
		aw_error("%s", err);
		status = AW_EXIT_FAILED;
		goto out;
	}
	if (strcmp(odir, ".") == 0)
		printf("%s\n", oname);
	else
		printf("%s%s%s\n", odir, odir[strlen(odir) - 1] == '/' ? "" : "/", oname);
	status = AW_EXIT_OK;
out:
	for (size_t i = 0; i < ncmp; i++)
		compare_result_release(&cmp[i]);
	free(cmp);
	free(odir);
	free(oname);
	buf_release(&html);
	runview_release(&v);
	cli_list_free(&ro.compare);
	return status;
}
