#!/usr/bin/env python3
"""End-to-end tests of `alphawrite report` and `alphawrite show`, and of the
man page and bash completion made from the option tables.

Each test runs a small `alphawrite evolve` against tests/simendpoint.py on
127.0.0.1 (the harness keeps the binary off the network), then looks at what
report or show made of it:

  report_*   the page as a file: self-contained, atomic, sizes, bad input
  browser_*  the page as headless Chromium leaves it after its script ran
             (--dump-dom), parsed: charts per generation, ranking, lineages,
             every final story's text, the diffs, hostile text kept as text,
             no script error on the console
  show_*     the terminal view: plain and --json output, bad ids and
             generations
  tmux_*     show in a real 80x24 terminal (tmux): the table fits, the pager
             pages and quits on 'q', a pager that cannot start falls back,
             --json is not paged
  man_*, completion_*   the generated man page and bash completion

    python3 tests/e2e_report.py              every test but browser_* and tmux_*
                                             (what `make check` runs)
    python3 tests/e2e_report.py --all        every test (`make report-check`)
    python3 tests/e2e_report.py NAME...      only these (see --list --all)

The browser and tmux tests need chromium, tmux and less (`sh
tests/install-deps.sh report` installs them); they fail, saying so, when one
is missing.  man_page needs groff (groff-base, in the build dependencies).
Output: a line per test, then "N passed, N failed".  Python 3 standard library
only; AW_E2E_KEEP=1 keeps the directories of failed tests.
"""

import glob
import html
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import time

from harness import REPO, SLOW, Sim, TestFail, check, clean_env, run_bin, run_tests, short, test
from validate import gen_files, load_json

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TMUX = shutil.which("tmux")
HOSTILE = ("</script><script>document.title='pwned'</script>"
           "<img src=x onerror=\"document.title='pwned'\"> & \"double\" 'single' "
           "<b>bold</b> &amp; caf\u00e9 \u2014 end.")


# --------------------------------------------------------------------------
# A run to look at
# --------------------------------------------------------------------------
def small_run(tmp, *extra, population=8, generations=2, top=3, variants=2, budget=4,
              name="run"):
    """A small complete run in tmp/name (variants keep most of their parent's
    sentences, so the diffs have both kept and changed words)."""
    out = os.path.join(tmp, name)
    with Sim(tmp, "--latency", "0.005:0.02", "--variant-keep", "0.7", "--seed", "11",
             name="sim-" + name) as sim:
        res = run_bin(["evolve", "--model", "sim-writer", "--base-url", sim.url, "--out", out,
                       "--population", population, "--generations", generations, "--top", top,
                       "--variants", variants, "--judge-budget", budget, "--seed", "5",
                       "--quiet", "--concurrency", "16"] + [str(e) for e in extra],
                      timeout=300)
    check(res.rc == 0, f"evolve failed: {res!r}")
    return out


def gens(run):
    return [load_json(os.path.join(run, f)) for f in gen_files(run)]


def save_gen(run, g):
    with open(os.path.join(run, "gen-%03d.json" % g["generation"]), "w",
              encoding="utf-8") as f:
        json.dump(g, f)


def inject_extras(run):
    """Diversity, per-story deviation and a temperature policy in every
    generation file, as later changes of evolve will write them."""
    for g in gens(run):
        n = g["generation"]
        for i, s in enumerate(g["stories"]):
            s["deviation"] = 0.5 + 0.01 * i - 0.02 * n
        g["diversity"] = {"lineages": 8 - n, "mean_deviation": 0.55 - 0.02 * n,
                          "distinct_2": 0.6, "distinct_3": 0.8, "compression_ratio": 0.4}
        arms = [{"temperature": t, "stories": 3 + i, "strength": 0.1 * i - 0.1,
                 "strength_lo": -0.8, "strength_hi": 0.8, "p_next": p}
                for i, (t, p) in enumerate([(0.5, 0.2), (1.0, 0.5), (1.5, 0.3)])]
        g["temperature_policy"] = {"draft": arms, "variant": arms[::-1]}
        save_gen(run, g)


def rename_story(run, old, new):
    """Give story old the id new everywhere in the run's generation files."""
    for g in gens(run):
        for s in g["stories"] + g.get("failed", []):
            if s.get("id") == old:
                s["id"] = new
            if s.get("parent_id") == old:
                s["parent_id"] = new
        for m in g["matches"]:
            for k in ("a", "b", "winner"):
                if m.get(k) == old:
                    m[k] = new
        save_gen(run, g)


def lineage(all_gens, sid):
    """sid's line of descent from generation 0, from the files."""
    latest = {}
    for g in all_gens:
        for s in g["stories"]:
            latest[s["id"]] = s
    chain = [sid]
    while latest[chain[-1]].get("parent_id"):
        chain.append(latest[chain[-1]]["parent_id"])
    return chain[::-1]


def report(run, *args, expect=0):
    res = run_bin(["report", run] + [str(a) for a in args])
    check(res.rc == expect, f"report: expected exit {expect}, got {res!r}")
    return res


def listing(d):
    """Every file under d with its size and mtime: what 'nothing written' keeps."""
    out = {}
    for root, _dirs, files in os.walk(d):
        for f in files:
            p = os.path.join(root, f)
            st = os.stat(p)
            out[p] = (st.st_size, st.st_mtime_ns)
    return out


# --------------------------------------------------------------------------
# The page as a browser sees it
# --------------------------------------------------------------------------
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def text(self, skip=()):
        out = []
        for c in self.children:
            if isinstance(c, str):
                out.append(c)
            elif c.tag not in skip:
                out.append(c.text(skip))
        return "".join(out)

    def iter(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.iter()

    def find_all(self, tag=None, **attrs):
        return [n for n in self.iter() if (tag is None or n.tag == tag) and
                all(attr_has(n, k.rstrip("_"), v) for k, v in attrs.items())]

    def find(self, tag=None, **attrs):
        found = self.find_all(tag, **attrs)
        return found[0] if found else None


def attr_has(n, k, v):
    if k == "class":
        return v in (n.attrs.get("class") or "").split()
    return n.attrs.get(k) == v


class DomBuilder(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def parse_dom(text):
    b = DomBuilder()
    b.feed(text)
    b.close()
    return b.root


def chromium(tmp, url, *args, timeout=90):
    """Run headless Chromium on url: (stdout, stderr)."""
    if not CHROMIUM:
        raise TestFail("chromium is not installed: sh tests/install-deps.sh report")
    profile = os.path.join(tmp, "chromium-profile-%d" % time.monotonic_ns())
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--disable-extensions", "--user-data-dir=" + profile,
           "--enable-logging=stderr", "--v=0"] + list(args) + [url]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, timeout=timeout * SLOW,
                           env=clean_env(HOME=tmp))
    except subprocess.TimeoutExpired:
        raise TestFail(f"chromium did not finish within {timeout * SLOW}s") from None
    shutil.rmtree(profile, ignore_errors=True)
    return p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def console_errors(stderr):
    return [l for l in stderr.splitlines() if "CONSOLE" in l and
            ("Uncaught" in l or "Error" in l or "Refused" in l)]


def dump_dom(tmp, path):
    out, err = chromium(tmp, "file://" + os.path.abspath(path), "--dump-dom")
    check("<html" in out, "chromium printed no DOM: " + short(err))
    errs = console_errors(err)
    check(not errs, "errors on the console: " + short("\n".join(errs), 600))
    return parse_dom(out)


def self_contained(page):
    """Reasons the page text would fetch something, or []."""
    why = []
    for m in re.finditer(r'\b(src|href|action|srcset|data|poster|xlink:href)\s*=\s*"([^"]*)"',
                         page, re.I):
        v = m.group(2).strip().lower()
        if not v.startswith("#"):
            why.append(f"{m.group(1)}={m.group(2)[:60]}")
    for m in re.finditer(r"url\(\s*['\"]?([^'\")]*)", page, re.I):
        why.append("url(" + m.group(1)[:60])
    if re.search(r"@import", page, re.I):
        why.append("@import")
    if re.search(r"<(link|iframe|object|embed|img|video|audio|base)\b", page, re.I):
        why.append("an element that loads a resource")
    if len(re.findall(r"<script\b", page, re.I)) != 1:
        why.append("not exactly one script element")
    if re.search(r"<script\b[^>]*\bsrc\s*=", page, re.I):
        why.append("an external script")
    return why


def row_labels(fig):
    return [t.text() for t in fig.find_all("text", class_="rl")]


@test
def browser_detects_errors(tmp):
    """The checks below can fail: a page with a script error is reported by
    the console check, and one that loads a remote image by the
    self-containment check."""
    bad = os.path.join(tmp, "bad.html")
    with open(bad, "w") as f:
        f.write("<!DOCTYPE html><html><body><p>x</p><script>nosuch();</script>"
                "<img src=\"https://example.invalid/x.png\"></body></html>")
    _out, err = chromium(tmp, "file://" + bad, "--dump-dom")
    check(any("Uncaught" in l for l in console_errors(err)),
          "a script error was not seen on the console: " + short(err, 600))
    with open(bad) as f:
        check(self_contained(f.read()), "a remote image was not noticed")


@test
def browser_report_content(tmp):
    """The page after its script ran: every chart labelled by generation,
    the final ranking in order, each top story's lineage, every final story
    in full, the word diffs, the summary and its tie warning, no console
    error, and nothing fetched."""
    run = small_run(tmp)
    inject_extras(run)
    all_gens = gens(run)
    last = all_gens[-1]
    ng = len(all_gens)
    res = report(run)
    path = os.path.join(run, "report.html")
    check(res.out.strip() == path, f"printed {res.out.strip()!r}, not the page's path")
    with open(path, encoding="utf-8") as f:
        page = f.read()
    why = self_contained(page)
    check(not why, "the page would fetch: " + "; ".join(why[:5]))

    dom = dump_dom(tmp, path)
    root = dom.find("html")
    check(root is not None and root.attrs.get("data-script") == "done",
          "the inline script did not run to its end")
    check(dom.find("div", id="tools").attrs.get("hidden") is None,
          "the script did not show its buttons")

    want = ["generation %d" % g for g in range(ng)]
    for fid in ("chart-ratings", "chart-best", "chart-bias", "chart-verdicts",
                "chart-deviation", "chart-distinct", "policy-next-0", "policy-next-1"):
        fig = dom.find("figure", id=fid)
        check(fig is not None, f"no chart {fid}")
        check(fig.find("svg") is not None, f"{fid} has no SVG")
        check(row_labels(fig) == want, f"{fid}: rows {row_labels(fig)}, not {want}")
    panels = [p.find("text", class_="pt").text() for p in dom.find_all("figure", class_="policy")]
    check(panels == want, f"policy panels {panels}")
    # the ratings chart has a dot per story and a diamond for each best
    fig = dom.find("figure", id="chart-ratings")
    dots = fig.find_all("circle", class_="dot")
    check(len(dots) == sum(len(g["stories"]) for g in all_gens),
          f"{len(dots)} dots for {sum(len(g['stories']) for g in all_gens)} stories")
    check(len(fig.find_all("path", class_="best")) == ng, "not one best marker per generation")

    # the final ranking, best first, as in the file
    rows = dom.find("table", id="ranking-table").find_all("tr")
    ids = [r.attrs["data-id"] for r in rows if "data-id" in r.attrs]
    check(ids == [s["id"] for s in last["stories"]], f"ranking {ids}")

    # each top story's lineage back to generation 0
    top = min(3, len(last["stories"]))
    paths = dom.find("table", id="lineage-paths").find_all("ol", class_="path")
    check(len(paths) == top, f"{len(paths)} lineages, not {top}")
    for i, ol in enumerate(paths):
        sid = last["stories"][i]["id"]
        check(ol.attrs.get("data-story") == sid, f"lineage {i} is of {ol.attrs.get('data-story')}")
        chain = [li.attrs["data-id"] for li in ol.find_all("li")]
        check(chain == lineage(all_gens, sid), f"lineage of {sid}: {chain}, not "
              f"{lineage(all_gens, sid)}")
    tree_ids = {li.attrs["data-id"] for li in dom.find("ul", class_="root").find_all("li")}
    check(tree_ids == {x for i in range(top) for x in lineage(all_gens, last["stories"][i]["id"])},
          "the family tree does not hold exactly the lineages' stories")
    goals = [d.text() for d in dom.find("ul", class_="root").find_all("div", class_="goal-t")]
    check(goals and all(goals), "no goals in the family tree")

    # every final story in full, and a diff for each variant
    latest = {s["id"]: s for g in all_gens for s in g["stories"]}
    ndiff = 0
    for s in last["stories"]:
        div = [d for d in dom.find_all("div", class_="story")
               if d.attrs.get("data-id") == s["id"] and "wdiff" not in d.attrs["class"]]
        check(len(div) == 1, f"{s['id']}: {len(div)} text blocks")
        check(div[0].text() == s["text"], f"{s['id']}: the text differs from the file")
        if not s.get("parent_id"):
            continue
        diff = [d for d in dom.find_all("div", class_="wdiff") if d.attrs["data-id"] == s["id"]]
        check(len(diff) == 1, f"{s['id']}: no diff against {s['parent_id']}")
        d = diff[0]
        check(d.text(skip=("del",)) == s["text"], f"{s['id']}: diff without <del> is not the text")
        parent = latest[s["parent_id"]]["text"]
        check(d.text(skip=("ins",)).split() == parent.split(),
              f"{s['id']}: diff without <ins> is not the parent's words")
        if s["text"].split() != parent.split():
            check(d.find("del") or d.find("ins"), f"{s['id']}: a change without a marker")
            ndiff += 1
    check(ndiff > 0, "no variant differs from its parent: the diffs were not tested")

    # the summary: the best story, and the warning exactly when it is due
    summary = dom.find("section", id="summary")
    best = last["stories"][0]
    check(best["id"] in summary.text(), "the summary does not name the best story")
    tie = any(s["rating_hi"] >= best["rating_lo"] for s in last["stories"][1:])
    check((summary.find(id="tie-warning") is not None) == tie,
          f"tie warning {'missing' if tie else 'shown'}")
    check("generation 0" in summary.text().lower(), "no comparison with generation 0")
    return f"{len(page)} bytes, {ng} generations, {ndiff} diffs"


@test
def browser_hostile_text(tmp):
    """Text from files stays text: a story, a goal, a style and a story id
    full of markup show as written, and nothing in them runs or loads."""
    run = small_run(tmp)
    last = gens(run)[-1]
    victim = last["stories"][0]
    new_id = "g9-<i>\"&'"
    rename_story(run, victim["id"], new_id)
    last = gens(run)[-1]
    s = last["stories"][0]
    s["text"] = HOSTILE + "\n\n" + s["text"]
    s["goal"] = HOSTILE
    s["style"] = "<style>body{display:none}</style>"
    save_gen(run, last)
    cmp_file = os.path.join(tmp, "cmp.json")
    with open(cmp_file, "w") as f:
        json.dump({"a": "<script>alert(1)</script>", "b": HOSTILE, "pairs": 10, "win_rate": 0.6,
                   "judges": ["<img src=x>"]}, f)
    report(run, "--compare", cmp_file)
    path = os.path.join(run, "report.html")
    with open(path, encoding="utf-8") as f:
        page = f.read()
    check(not self_contained(page), "the page would fetch: " + "; ".join(self_contained(page)))
    dom = dump_dom(tmp, path)
    check(dom.find("html").attrs.get("data-script") == "done", "the script did not finish")
    check(not dom.find_all("img"), "an <img> made it into the page")
    check(len(dom.find_all("script")) == 1, "a second <script> made it into the page")
    check(not dom.find_all("style") or len(dom.find_all("style")) == 1, "a <style> got in")
    check(not [b for b in dom.find_all("b") if b.text() == "bold"],
          "markup from a file became markup")
    title = dom.find("title").text()
    check("pwned" not in title, "a story's script ran")
    div = [d for d in dom.find_all("div", class_="story") if d.attrs.get("data-id") == new_id]
    want = 2 if s.get("parent_id") else 1  # its text, and a diff when it is a variant
    check(len(div) == want, f"{len(div)} blocks for the renamed story, not {want}")
    check(div[0].text() == s["text"], "the hostile story does not read as written")
    rows = dom.find("table", id="ranking-table").find_all("tr")
    check(rows[1].attrs.get("data-id") == new_id, "the hostile id is not first in the ranking")
    link = rows[1].find("a")
    check(link.text() == new_id, f"the hostile id reads {link.text()!r}")
    target = link.attrs["href"][1:]
    check(dom.find(id=target) is not None, f"the link #{target} leads nowhere")
    check(HOSTILE in dom.find("table", id="compare-table").text(), "compare text not as given")


@test
def browser_print(tmp):
    """The page prints: Chromium makes a PDF of it with the print
    stylesheet, and every section is open in it."""
    run = small_run(tmp)
    report(run)
    pdf = os.path.join(tmp, "page.pdf")
    _out, err = chromium(tmp, "file://" + os.path.join(run, "report.html"),
                         "--print-to-pdf=" + pdf, "--no-pdf-header-footer")
    check(os.path.exists(pdf), "no PDF: " + short(err))
    with open(pdf, "rb") as f:
        data = f.read()
    pages = len(re.findall(rb"/Type\s*/Page\b", data))
    check(data.startswith(b"%PDF") and pages >= 2, f"a PDF of {pages} pages")
    return f"{pages} pages, {len(data)} bytes"


# --------------------------------------------------------------------------
# The page as a file
# --------------------------------------------------------------------------
@test
def report_out_and_compare(tmp):
    """--out writes the page where asked (atomically: no temporary file is
    left), prints its path, rewrites it in place; --compare adds each
    comparison in order with its numbers; usage shows the cost by role when
    the run had prices."""
    run = small_run(tmp, "--price-in", "0.15", "--price-out", "0.6")
    out = os.path.join(tmp, "pages", "r.html")
    os.makedirs(os.path.dirname(out))
    c1, c2 = os.path.join(tmp, "c1.json"), os.path.join(tmp, "c2.json")
    base = {"pairs": 40, "distinct_pairs": 38, "a_wins": 25, "b_wins": 13, "ties": 2,
            "ci_lo": 0.5, "ci_hi": 0.76, "ci_boot_lo": 0.49, "ci_boot_hi": 0.77,
            "p_value": 0.031, "order_agreement": 0.85, "length_controlled_win_rate": 0.6,
            "judges": ["sim-writer", "sim-judge"]}
    with open(c1, "w") as f:
        json.dump(dict(base, a="generation 2 top 3", b="generation 0 top 3", win_rate=0.64), f)
    with open(c2, "w") as f:  # optional numbers may be null or absent
        json.dump({"a": "set X", "b": "set Y", "win_rate": None, "p_value": None}, f)
    res = report(run, "--out", out, "--compare", c1, "--compare", c2)
    check(res.out.strip() == out, f"printed {res.out!r}")
    check(not os.path.exists(os.path.join(run, "report.html")), "wrote RUN_DIR/report.html too")
    check(os.listdir(os.path.dirname(out)) == ["r.html"],
          f"left {os.listdir(os.path.dirname(out))}")
    with open(out, encoding="utf-8") as f:
        page = f.read()
    dom = parse_dom(page)
    rows = dom.find("table", id="compare-table").find_all("tr")[1:]
    check(len(rows) == 2, f"{len(rows)} comparisons")
    cells = [td.text() for td in rows[0].find_all("td")]
    check(cells[1] == "generation 2 top 3" and cells[2] == "generation 0 top 3", str(cells))
    check("64.0% [50.0%, 76.0%]" in cells, f"win rate cell missing: {cells}")
    check("[49.0%, 77.0%]" in cells and "0.031" in cells and "85.0%" in cells, str(cells))
    check("sim-writer, sim-judge" in cells, str(cells))
    check([td.text() for td in rows[1].find_all("td")][5].startswith("n/a"),
          "a null win rate is not shown as n/a")
    usage = load_json(os.path.join(run, "run.json"))["usage"]
    kv = {tr.find_all("td")[0].text(): tr.find_all("td")[1].text()
          for tr in dom.find("section", id="run").find_all("tr") if len(tr.find_all("td")) == 2}
    check(kv.get("cost") == "$%.4f" % usage["cost"], f"cost {kv.get('cost')!r}, run.json "
          f"{usage['cost']}")
    check(kv.get("writer", "").startswith("%d requests" % usage["by_role"]["writer"]["requests"]),
          f"writer usage {kv.get('writer')!r}")
    labels = row_labels(dom.find("figure", id="chart-compare"))
    check(labels == ["comparison 1", "comparison 2"], str(labels))
    st = os.stat(out)
    time.sleep(0.05)
    report(run, "--out", out)
    check(os.stat(out).st_ino != st.st_ino, "the page was not replaced by a rename")
    check(os.listdir(os.path.dirname(out)) == ["r.html"], "a temporary file was left")


@test
def report_bad_input(tmp):
    """Bad input: a clear "alphawrite: ..." message, exit 2, and nothing
    written, whatever is wrong."""
    run = small_run(tmp)
    empty = os.path.join(tmp, "empty")
    os.mkdir(empty)
    afile = os.path.join(tmp, "afile")
    with open(afile, "w") as f:
        f.write("x")
    broken = os.path.join(tmp, "broken")
    os.mkdir(broken)
    with open(os.path.join(broken, "gen-000.json"), "w") as f:
        f.write("{\"generation\": 0, \"stories\": [")
    cmps = {}
    for name, text in [("notjson", "win_rate: 0.5"), ("array", "[1, 2]"),
                       ("nokeys", "{\"win_rate\": 0.5}"),
                       ("norate", "{\"a\": \"x\", \"b\": \"y\"}"),
                       ("prob", "{\"a\": \"x\", \"b\": \"y\", \"win_rate\": 1.5}"),
                       ("type", "{\"a\": \"x\", \"b\": \"y\", \"win_rate\": \"high\"}"),
                       ("judges", "{\"a\": \"x\", \"b\": \"y\", \"win_rate\": 0.5, "
                                  "\"judges\": [1]}"),
                       ("two", "{\"a\": \"x\", \"b\": \"y\", \"win_rate\": 0.5} {}"),
                       ("emptyfile", "")]:
        cmps[name] = os.path.join(tmp, name + ".json")
        with open(cmps[name], "w") as f:
            f.write(text)
    cases = [
        ([os.path.join(tmp, "missing")], "cannot read"),
        ([afile], "is not a directory"),
        ([empty], "not a run directory"),
        ([broken], "gen-000.json"),
        ([run, "--out", os.path.join(tmp, "nodir", "r.html")], "does not exist"),
        ([run, "--out", empty], "is a directory"),
        ([run, "--out", empty + "/"], "names a directory"),
        ([run, "--compare", os.path.join(tmp, "nope.json")], "nope.json"),
        ([run, run], "unexpected argument"),
        ([], "give the run directory"),
        ([run, "--colour"], "unknown option"),
    ] + [([run, "--compare", p], os.path.basename(p)) for p in cmps.values()]
    before = listing(tmp)
    for args, words in cases:
        res = run_bin(["report"] + args)
        check(res.rc == 2, f"report {args}: exit {res.rc}, not 2 ({res!r})")
        check(res.err.startswith("alphawrite: ") and words in res.err,
              f"report {args}: message {short(res.err)!r} lacks {words!r}")
        check(res.out == "", f"report {args} printed {res.out!r}")
    check(listing(tmp) == before, "something was written")
    return f"{len(cases)} cases"


@test
def report_paper_scale(tmp):
    """A paper-scale run (60 stories, 5 generations, 500 words) gives a page
    of a few hundred kilobytes, well under a few megabytes, in well under a
    second."""
    run = small_run(tmp, "--max-words", "500", population=60, generations=5, top=5,
                    variants=5, budget=8)
    inject_extras(run)
    t0 = time.monotonic()
    report(run)
    took = time.monotonic() - t0
    size = os.path.getsize(os.path.join(run, "report.html"))
    check(size < 3 * 1024 * 1024, f"{size} bytes")
    check(took < 5 * SLOW, f"took {took:.1f}s")
    return f"{size / 1024:.0f} KiB in {took:.2f}s"


@test
def report_baseline(tmp):
    """A baseline run (no judge): the page says there is no ranking, shows
    no rating charts, and still holds every final story in full."""
    out = os.path.join(tmp, "base")
    with Sim(tmp, "--latency", "0.005:0.02") as sim:
        res = run_bin(["baseline", "--method", "sequential", "--model", "sim-writer",
                       "--base-url", sim.url, "--out", out, "--stories", "6", "--quiet"])
    check(res.rc == 0, f"baseline failed: {res!r}")
    report(out)
    with open(os.path.join(out, "report.html"), encoding="utf-8") as f:
        dom = parse_dom(f.read())
    check("not judged" in dom.find("section", id="summary").text(), "no word that it is unjudged")
    for sid in ("ratings", "judge", "ranking", "lineage"):
        check(dom.find("section", id=sid) is None, f"a {sid} section for an unjudged run")
    last = gens(out)[-1]
    for s in last["stories"]:
        div = [d for d in dom.find_all("div", class_="story")
               if d.attrs.get("data-id") == s["id"] and "wdiff" not in d.attrs["class"]]
        check(len(div) == 1 and div[0].text() == s["text"], f"{s['id']}: text not in full")
    show = run_bin(["show", out, "--json"])
    check(show.rc == 0 and len(json.loads(show.out)["stories"]) == len(last["stories"]),
          f"show: {show!r}")


# --------------------------------------------------------------------------
# show
# --------------------------------------------------------------------------
@test
def show_plain_and_json(tmp):
    """Off a terminal: no pager, the table fits $COLUMNS, ranks and ids in
    file order; --json gives the same; one story with its lineage and
    text; unknown ids and generations are refused with exit 2."""
    run = small_run(tmp)
    all_gens = gens(run)
    marker = os.path.join(tmp, "pager-ran")
    env = clean_env(COLUMNS="80", PAGER=f"touch {marker}; cat")
    res = run_bin(["show", run], env=env)
    check(res.rc == 0, repr(res))
    check(not os.path.exists(marker), "a pager ran though stdout is not a terminal")
    lines = res.out.splitlines()
    check(all(len(l) <= 80 for l in lines), "a line is wider than 80: " +
          repr(max(lines, key=len)))
    rows = [l.split() for l in lines[3:] if l.strip()]
    check([r[1] for r in rows] == [s["id"] for s in all_gens[-1]["stories"]],
          "table ids not in ranking order")
    wide = run_bin(["show", run], env=clean_env(COLUMNS="300"))
    for s in all_gens[-1]["stories"]:
        if s.get("goal"):
            check(s["goal"] in wide.out, "a goal is cut in a 300-column table")
    narrow = run_bin(["show", run], env=clean_env(COLUMNS="40"))
    check(all(len(l) <= 40 for l in narrow.out.splitlines()), "does not fit 40 columns")

    js = json.loads(run_bin(["show", run, "--json"]).out)
    check([s["id"] for s in js["stories"]] == [s["id"] for s in all_gens[-1]["stories"]],
          "--json order")
    check(js["generation"] == len(all_gens) - 1, "--json generation")
    g0 = json.loads(run_bin(["show", run, "--json", "--generation", "0"]).out)
    check([s["id"] for s in g0["stories"]] == [s["id"] for s in all_gens[0]["stories"]],
          "--generation 0")
    for key in ("rating", "rating_lo", "rating_hi", "elo"):
        check(abs(js["stories"][0][key] - all_gens[-1]["stories"][0][key]) < 1e-6, key)
    wins = sum(1 for m in all_gens[-1]["matches"] if m["winner"] == js["stories"][0]["id"])
    check(js["stories"][0]["wins"] == wins, "wins not counted from the matches")

    best = all_gens[-1]["stories"][0]
    one = json.loads(run_bin(["show", run, best["id"], "--json"]).out)
    check(one["story"]["text"] == best["text"], "story text")
    check([x["id"] for x in one["lineage"]] == lineage(all_gens, best["id"]), "lineage")
    check(one["lineage_end"] == "root", one["lineage_end"])
    txt = run_bin(["show", run, best["id"]], env=clean_env(COLUMNS="60"))
    check(all(len(l) <= 60 for l in txt.out.splitlines()), "story view wider than 60")
    check(" ".join(best["text"].split()) in " ".join(txt.out.split()), "story text not shown")
    for anc in lineage(all_gens, best["id"]):
        check(anc in txt.out, f"ancestor {anc} not shown")

    for args, words in [([run, "g7-999"], "no story 'g7-999'"),
                        ([run, "--generation", "9"], "no generation 9"),
                        ([run, best["id"], "--generation", "0"], "is not in generation 0"),
                        ([os.path.join(tmp, "none")], "cannot read"),
                        ([run, "a", "b"], "unexpected argument"),
                        ([run, "--generation", "-1"], "out of range")]:
        res = run_bin(["show"] + args)
        check(res.rc == 2 and words in res.err, f"show {args}: {res!r}")


class Tmux:
    """A private tmux server (its own socket) with one 80x24 window per
    command; the server is killed at the end."""

    def __init__(self, tmp):
        if not TMUX:
            raise TestFail("tmux is not installed: sh tests/install-deps.sh report")
        self.sock = os.path.join(tmp, "tmux.sock")
        self.tmp = tmp
        self.n = 0

    def tmux(self, *args):
        return subprocess.run([TMUX, "-S", self.sock, "-f", "/dev/null"] + list(args),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30,
                              env=clean_env(TERM="xterm-256color", COLUMNS=None, LINES=None))

    def start(self, cmd, env=""):
        """Run cmd (a shell line) in a new 80x24 session; returns its name
        and the file its exit status goes to."""
        self.n += 1
        name, rc = f"s{self.n}", os.path.join(self.tmp, f"rc{self.n}")
        line = f"{env} {cmd}; echo $? > {rc}; sleep 120"
        p = self.tmux("new-session", "-d", "-s", name, "-x", "80", "-y", "24", "sh", "-c", line)
        check(p.returncode == 0, "tmux: " + p.stderr.decode())
        return name, rc

    def screen(self, name, history=False):
        args = ["capture-pane", "-p", "-J", "-t", name] + (["-S", "-"] if history else [])
        return self.tmux(*args).stdout.decode("utf-8", "replace")

    def wait_for(self, pred, seconds=20):
        deadline = time.monotonic() + seconds * SLOW
        while time.monotonic() < deadline:
            if pred():
                return True
            time.sleep(0.1)
        return False

    def close(self):
        self.tmux("kill-server")


def read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


@test
def tmux_show(tmp):
    """show in a real 80x24 terminal: the table fits 80 columns; the ranking
    is longer than a screen, so the default pager (less -FRX) holds it
    until 'q'; a pager that cannot start falls back to plain output;
    --json is never paged and parses."""
    run = small_run(tmp, population=12, generations=1, top=5, variants=5)
    ids = [s["id"] for s in gens(run)[-1]["stories"]]
    check(len(ids) > 24, "the table would fit one screen: paging not tested")
    bin_ = os.path.join(REPO, "alphawrite")
    t = Tmux(tmp)
    try:
        # plain (PAGER=cat): the whole table at the terminal's width
        name, rc = t.start(f"{bin_} show {run}", env="PAGER=cat")
        check(t.wait_for(lambda: read(rc) is not None), "show did not finish")
        check(read(rc) == "0", f"exit {read(rc)}")
        lines = [l for l in t.screen(name, history=True).splitlines() if l.strip()]
        check(lines and all(len(l) <= 80 for l in lines),
              "a line wider than 80 columns: " + repr(max(lines, key=len)))
        check(lines[1].split()[:3] == ["rank", "id", "rating"], f"header {lines[1]!r}")
        check(any("..." in l for l in lines), "no goal was cut to fit")

        # the default pager: waits on a full screen, quits on q
        name, rc = t.start(f"{bin_} show {run}", env="unset PAGER LESS;")
        check(t.wait_for(lambda: ids[0] in t.screen(name)), "the table did not appear")
        time.sleep(0.5 * SLOW)
        check(read(rc) is None, "show ended without waiting: no pager")
        scr = t.screen(name)
        check(ids[-1] not in scr, "the whole table fits the screen: not paged")
        t.tmux("send-keys", "-t", name, "q")
        check(t.wait_for(lambda: read(rc) is not None), "show did not end after 'q'")
        check(read(rc) == "0", f"exit {read(rc)} after q")

        # a pager that cannot start: plain output, exit 0
        name, rc = t.start(f"{bin_} show {run}", env="PAGER=/nonexistent/pager")
        check(t.wait_for(lambda: read(rc) is not None), "show hung on a missing pager")
        check(read(rc) == "0", f"exit {read(rc)} with a missing pager")
        hist = t.screen(name, history=True)
        check(ids[0] in hist and ids[-1] in hist, "no plain output after the pager failed")

        # --json: not paged, parses
        name, rc = t.start(f"{bin_} show {run} --json", env="unset PAGER;")
        check(t.wait_for(lambda: read(rc) is not None), "--json waited: paged?")
        js = json.loads(t.screen(name, history=True))
        check([s["id"] for s in js["stories"]] == ids, "--json in a terminal")

        # one story in the pager, fitted to the width
        name, rc = t.start(f"{bin_} show {run} {ids[0]}", env="PAGER=cat")
        check(t.wait_for(lambda: read(rc) is not None), "story view did not finish")
        lines = t.screen(name, history=True).splitlines()
        check(all(len(l) <= 80 for l in lines), "story view wider than 80")
        check(lines[0].startswith(ids[0]), f"first line {lines[0]!r}")
    finally:
        t.close()


# --------------------------------------------------------------------------
# man page and completion
# --------------------------------------------------------------------------
@test
def man_page(tmp):
    """`alphawrite help --man` renders with groff without a warning and
    documents every command and every visible option."""
    res = run_bin(["help", "--man"])
    check(res.rc == 0 and res.out.startswith(".TH ALPHAWRITE 1"), repr(res))
    page = os.path.join(tmp, "alphawrite.1")
    with open(page, "w") as f:
        f.write(res.out)
    groff = shutil.which("groff")
    check(groff, "groff is not installed: sh tests/install-deps.sh report")
    p = subprocess.run([groff, "-man", "-Tutf8", "-ww", page], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    check(p.returncode == 0 and not p.stderr.strip(), "groff: " + short(p.stderr.decode()))
    text = re.sub(r".\x08", "", p.stdout.decode("utf-8", "replace"))
    for cmd in ("evolve", "rank", "baseline", "report", "show"):
        check(f"alphawrite {cmd}" in text, f"no synopsis of {cmd}")
        help_out = run_bin([cmd, "--help"]).out
        for opt in re.findall(r"^  (--[a-z-]+)", help_out, re.M):
            check(opt.replace("-", "\u2010") in text or opt in text,
                  f"{cmd} {opt} is not in the man page")


def complete(script, words, cwd):
    """What the completion offers for the command line words (the last one
    is being completed)."""
    line = " ".join(words)
    prog = (f"source {script}\nCOMP_WORDS=({' '.join(repr(w) for w in words)})\n"
            f"COMP_CWORD={len(words) - 1}\nCOMP_LINE={line!r}\n_alphawrite\n"
            "printf '%s\\n' \"${COMPREPLY[@]}\"\n")
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", prog], cwd=cwd,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    check(p.returncode == 0, "bash: " + short(p.stderr.decode()))
    return sorted(l for l in p.stdout.decode().splitlines() if l)


@test
def completion_bash(tmp):
    """The generated completion offers the commands, a command's options,
    the words of a choice option, files for FILE and directories for DIR
    and RUN_DIR."""
    res = run_bin(["help", "--completion"])
    check(res.rc == 0, repr(res))
    script = os.path.join(tmp, "alphawrite.bash")
    with open(script, "w") as f:
        f.write(res.out)
    work = os.path.join(tmp, "w")
    os.makedirs(os.path.join(work, "runs", "first"))
    for name in ("notes.txt", "run.json"):
        open(os.path.join(work, name), "w").close()
    check(sorted(complete(script, ["alphawrite", "r"], work)) == ["rank", "rate", "report"],
          "commands")
    check(complete(script, ["alphawrite", "s"], work) == ["show"], "commands")
    check(complete(script, ["alphawrite", "report", "--"], work) ==
          ["--compare", "--help", "--out"], "report's options")
    check(complete(script, ["alphawrite", "evolve", "--pairing", ""], work) ==
          ["boundary", "random", "swiss"], "choices")
    check(complete(script, ["alphawrite", "evolve", "--rank-by", "="], work) == ["bt", "elo"],
          "choices after --opt=")
    check(complete(script, ["alphawrite", "report", "--out", ""], work) ==
          ["notes.txt", "run.json", "runs"], "files for --out FILE")
    check(complete(script, ["alphawrite", "show", ""], work) == ["runs"],
          "directories for RUN_DIR")
    check(complete(script, ["alphawrite", "show", "runs/"], work) == ["runs/first"],
          "directories below")
    check(complete(script, ["alphawrite", "evolve", "--model", ""], work) == [],
          "a model name is not a file")
    check(complete(script, ["alphawrite", "show", "--g"], work) == ["--generation"], "show")


if __name__ == "__main__":
    argv = sys.argv[1:]
    if "--all" in argv:
        argv.remove("--all")
    elif not [a for a in argv if not a.startswith("-")]:
        # by default (make check) what needs nothing more than the build
        # dependencies; --all (make report-check) adds the browser and tmux
        from harness import TESTS
        TESTS[:] = [t for t in TESTS if not t.__name__.startswith(("browser_", "tmux_"))]
    sys.exit(run_tests(argv, __doc__, "e2e_report", "aw-e2e-report-", timed=True))
