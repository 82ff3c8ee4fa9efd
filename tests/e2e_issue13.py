#!/usr/bin/env python3
"""End-to-end tests of issue 13: the writing temperature learned from the
judge (--temperature auto) and the population kept diverse (--diversity).

    python3 tests/e2e_issue13.py              every test
    python3 tests/e2e_issue13.py NAME...      only these tests (see --list)
    python3 tests/e2e_issue13.py --list       the test names

The real `alphawrite evolve` against tests/simendpoint.py on 127.0.0.1, through
tests/harness.py's runner: one line per test, then "N passed, N failed".
AW_VALGRIND=1 runs the binary under valgrind; AW_E2E_KEEP=1 keeps the
directories of failed tests.  Python 3 standard library only.
"""

import hashlib
import json
import math
import os
import re
import signal
import subprocess
import sys
import time

import harness
from harness import SLOW, Sim, bin_cmd, check, clean_env, read_list, run_bin, short, test
from validate import gen_files, load_json

GRID = [0.3, 0.5, 0.7, 0.9, 1.1, 1.3, 1.5]


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------
class Proc:
    """alphawrite in the background."""

    def __init__(self, tmp, name, args):
        self.err_path = os.path.join(tmp, name + ".stderr")
        self._err = open(self.err_path, "wb")
        self.p = subprocess.Popen(bin_cmd(args), stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=self._err, env=clean_env())

    def alive(self):
        return self.p.poll() is None

    def signal(self, sig):
        if self.p.poll() is None:
            try:
                self.p.send_signal(sig)
            except ProcessLookupError:
                pass

    def finish(self, timeout):
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait(10)
        self._err.close()
        with open(self.err_path, "rb") as f:
            err = f.read().decode("utf-8", "replace")
        res = harness.Result(rc, "", err, 0)
        harness.vg_check(res)
        return res


def wait_for(cond, timeout, p=None, pause=0.003):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        if p is not None and not p.alive():
            return False
        time.sleep(pause)
    return cond()


def journal(out):
    path = os.path.join(out, "journal.jsonl")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    recs = []
    for line in data[:data.rfind(b"\n") + 1].splitlines():
        try:
            recs.append(json.loads(line))
        except ValueError:
            pass
    return recs


def file_hash(path):
    """sha256 of a file, with a generation file's run_id (random per run)
    masked."""
    with open(path, "rb") as f:
        data = f.read()
    if re.search(r"gen-\d+\.json$", path):
        data = re.sub(rb'\n\t"run_id":\t"[0-9a-f]+",', b'\n\t"run_id":\t"-",', data, count=1)
    return hashlib.sha256(data).hexdigest()


def gens(out):
    return [load_json(os.path.join(out, f)) for f in gen_files(out)]


def same_files(ref, out):
    """The generation files and best.txt of out that differ from ref's."""
    return [f for f in gen_files(ref) + ["best.txt"]
            if not os.path.exists(os.path.join(out, f)) or
            file_hash(os.path.join(ref, f)) != file_hash(os.path.join(out, f))]


def first_user(rec):
    return next(m["content"] for m in rec["body"]["messages"] if m["role"] == "user")


# --------------------------------------------------------------------------
# Reproducing a story's prompt from the run directory alone
# --------------------------------------------------------------------------
M64 = (1 << 64) - 1


def _splitmix(x):
    x = (x + 0x9e3779b97f4a7c15) & M64
    z = x
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M64
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M64
    return x, z ^ (z >> 31)


def _rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M64


class Rng:
    """src/rng.c: xoshiro256** seeded by splitmix64."""

    def __init__(self, seed):
        x, self.s = seed & M64, []
        for _ in range(4):
            x, z = _splitmix(x)
            self.s.append(z)

    def next(self):
        s = self.s
        result = (_rotl((s[1] * 5) & M64, 7) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = _rotl(s[3], 45)
        return result

    def below(self, n):
        limit = M64 - M64 % n
        while True:
            x = self.next()
            if x < limit:
                return x % n


def rng_mix(a, b):
    x = (a ^ _rotl(b & M64, 32) ^ 0x6a09e667f3bcc909) & M64
    x, _ = _splitmix(x)
    _, z = _splitmix(x)
    return z


def request_seed(seed, key, attempt):
    h = 1469598103934665603
    for c in key.encode("utf-8"):
        h = ((h ^ c) * 1099511628211) & M64
    return rng_mix(seed, rng_mix(h, attempt & M64)) & 0x7fffffff


TOKEN_RE = re.compile(r"\{\{(!.*?\}\}\n?|([#^/]?) *([a-z_][a-z0-9_]*) *\}\})", re.S)


def render(template, values):
    """src/template.c: {{name}} replaced, {{! comments }} (and the newline
    after one) removed, {{#name}}...{{/name}} shown only when name has a
    value and {{^name}}...{{/name}} only when it has none (a section tag
    alone on its line takes its newline with it)."""
    out, shown, pos = [], [True], 0
    for m in TOKEN_RE.finditer(template):
        if shown[-1]:
            out.append(template[pos:m.start()])
        pos = m.end()
        if m.group(1).startswith("!"):
            continue
        kind, name = m.group(2), m.group(3)
        if kind and (m.start() == 0 or template[m.start() - 1] == "\n") and \
                template[pos:pos + 1] == "\n":
            pos += 1
        if kind == "#":
            shown.append(shown[-1] and bool(values.get(name)))
        elif kind == "^":
            shown.append(shown[-1] and not values.get(name))
        elif kind == "/":
            shown.pop()
        elif shown[-1]:
            out.append(values[name])
    out.append(template[pos:])
    return "".join(out)


def fence(rng, name, text):
    while True:
        tag = "%06x" % (rng.next() & 0xffffff)
        if tag not in text:
            return f"<<<{name} {tag}>>>\n{text}\n<<<END {name} {tag}>>>"


def reproduce_prompts(out):
    """{request key: prompt} of every story of the run, from inputs/, run.json
    and the generation files alone."""
    run = load_json(os.path.join(out, "run.json"))
    seed, max_words = run["seed"], run["settings"]["max_words"]
    inp = lambda name: open(os.path.join(out, "inputs", name), encoding="utf-8").read()  # noqa
    prompt = inp("prompt.txt").rstrip(" \t\r\n")
    rubric = inp("rubric.txt").rstrip(" \t\r\n")
    writer, variant = inp("writer.txt"), inp("variant.txt")
    goals = read_list(os.path.join(out, "inputs", "goals.txt"))
    texts, want = {}, {}
    for g in gens(out):
        for s in g["stories"] + g["failed"]:
            if s["born"] != g["generation"]:
                continue
            if s.get("text"):
                texts[s["id"]] = s["text"]
            if not s["parent_id"]:
                want[s["id"]] = render(writer, {"prompt": prompt, "style": s["style"],
                                                "theme": s["theme"], "rubric": rubric,
                                                "max_words": str(max_words)})
                continue
            key = "g%d:%s:%d" % (g["generation"], s["parent_id"], s["variant"])
            r = Rng(rng_mix(seed, request_seed(seed, key, -1)))
            goal = goals[r.below(len(goals))]
            check(goal == s["goal"], f"{s['id']}: goal {s['goal']!r}, reproduced {goal!r}")
            want[key] = render(variant, {"prompt": prompt, "goal": goal, "rubric": rubric,
                                         "max_words": str(max_words),
                                         "parent": fence(r, "PARENT STORY",
                                                         texts[s["parent_id"]])})
    return want, seed


# --------------------------------------------------------------------------
# --temperature auto
# --------------------------------------------------------------------------
AUTO = ["--temperature", "auto"]
SMALL = ["--population", 21, "--generations", 3, "--top", 3, "--variants", 4,
         "--judge-budget", 4, "--concurrency", 8, "--max-words", 150]


def check_policy(g, grid, stories):
    """gen file g's temperature_policy: every grid value per operator, counts
    as the run wrote them, a distribution, intervals around the strength."""
    tp = g.get("temperature_policy")
    check(isinstance(tp, dict), f"gen {g['generation']}: no temperature_policy")
    for op in ("draft", "variant"):
        arms = tp.get(op)
        check(isinstance(arms, list) and [a["temperature"] for a in arms] == grid,
              f"gen {g['generation']}: {op} arms {arms}")
        check(abs(sum(a["p_next"] for a in arms) - 1) < 1e-9,
              f"gen {g['generation']}: {op} p_next sums to {sum(a['p_next'] for a in arms)}")
        for a in arms:
            check(a["p_next"] > 0 and a["strength_lo"] <= a["strength"] <= a["strength_hi"],
                  f"gen {g['generation']}: {op} arm {a}")
            want = sum(1 for s in stories if s["op"] == op and s["t"] == a["temperature"])
            check(a["stories"] == want, f"gen {g['generation']}: {op} at {a['temperature']}: "
                  f"{a['stories']} stories, the files hold {want}")


@test
def temperature_auto(tmp):
    """--temperature auto: every story at a grid value and every request at its
    story's temperature; each generation file records the policy (counts as the
    files hold, a distribution); drafts spread evenly over the grid; the
    policy moves toward the hidden best temperature; no variant is started
    early; every story prompt is reproducible from the run directory (inputs/,
    run.json, generation files) with the request seed."""
    out = os.path.join(tmp, "out")
    with Sim(tmp, "--best-temperature", 0.5, "--temperature-penalty", 3, "--latency",
             "0:0.01", log=True) as sim:
        r = run_bin(["evolve", "--model", "m", "--base-url", sim.url, "--out", out, "--seed", 3,
                     "--quiet"] + AUTO + SMALL)
        check(r.rc == 0, f"run: {r!r}")
        log = sim.log()
    run = load_json(os.path.join(out, "run.json"))
    check(run["settings"]["temperature"] == "auto", f"settings: {run['settings']['temperature']}")
    check(run["settings"]["temperature_grid"] == ",".join("%g" % t for t in GRID),
          f"grid setting: {run['settings']['temperature_grid']}")
    check(run["usage"]["early_variants"] == 0, f"early variants: {run['usage']}")
    files = gens(out)
    seen = []
    for g in files:
        for s in g["stories"]:
            check(s["temperature"] in GRID, f"{s['id']}: temperature {s['temperature']}")
            if s["born"] == g["generation"]:
                seen.append({"op": "variant" if s["parent_id"] else "draft",
                             "t": s["temperature"]})
        check_policy(g, GRID, seen)
    drafts = [s["temperature"] for s in files[0]["stories"] + files[0]["failed"]]
    for t in GRID:
        check(2 <= drafts.count(t) <= 4, f"drafts at {t}: {drafts.count(t)} of 21 (not even)")
    last = files[-1]["temperature_policy"]["variant"]
    best = max(last, key=lambda a: a["p_next"])
    check(abs(best["temperature"] - 0.5) <= 0.2 + 1e-9,
          f"after 3 generations the policy prefers {best['temperature']}: {last}")

    # Every request at its story's temperature, with the story's prompt.
    want, seed = reproduce_prompts(out)
    by_seed = {}
    for key, p in want.items():
        for attempt in range(6):
            by_seed[request_seed(seed, key, attempt)] = (key, p)
    temp = {}
    for g in files:
        for s in g["stories"]:
            temp[s["id"]] = s["temperature"]
            if s["parent_id"]:
                temp["g%d:%s:%d" % (s["born"], s["parent_id"], s["variant"])] = s["temperature"]
    n = 0
    for rec in log:
        if rec.get("kind") not in ("story", "variant"):
            continue
        key, p = by_seed.get(rec["body"]["seed"], (None, None))
        if key is None:
            continue  # a variant of a story that missed the top K is not in the files
        check(first_user(rec) == p, f"{key}: the prompt sent differs from the one reproduced: "
              f"{short(first_user(rec), 200)} / {short(p, 200)}")
        check(rec["body"]["temperature"] == temp[key],
              f"{key}: sent at {rec['body']['temperature']}, recorded {temp[key]}")
        n += 1
    check(n >= len(want), f"only {n} of {len(want)} story requests found in the log")
    return f"{n} story prompts reproduced; last policy prefers {best['temperature']}"


@test
def temperature_default_unchanged(tmp):
    """Without --temperature auto nothing is learned: no policy in the files,
    every story and request at --temperature (1.0, or as given)."""
    notes = []
    with Sim(tmp, "--latency", "0:0.01", log=True) as sim:
        for given in (None, 0.8):
            out = os.path.join(tmp, f"out-{given}")
            extra = ["--temperature", given] if given is not None else []
            r = run_bin(["evolve", "--model", "m", "--base-url", sim.url, "--out", out,
                         "--seed", 4, "--quiet", "--population", 6, "--generations", 1,
                         "--top", 2, "--variants", 2] + extra)
            check(r.rc == 0, f"run: {r!r}")
            want = 1.0 if given is None else given
            for g in gens(out):
                check("temperature_policy" not in g, f"gen {g['generation']} has a policy")
                check(all(s["temperature"] == want for s in g["stories"]),
                      f"temperatures {[s['temperature'] for s in g['stories']]}")
            notes.append(str(want))
        sent = {rec["body"].get("temperature") for rec in sim.log()
                if rec.get("kind") in ("story", "variant")}
        check(sent == {1.0, 0.8}, f"story requests sent at {sent}")
    return "at " + " and ".join(notes)


@test
def temperature_options(tmp):
    """A bad grid, a grid without auto, or auto changed on --resume: exit 2,
    nothing written; a grid of two values is all that is used."""
    with Sim(tmp, "--latency", "0:0.01") as sim:
        base = ["evolve", "--model", "m", "--base-url", sim.url, "--seed", 5, "--quiet",
                "--population", 6, "--generations", 1, "--top", 2, "--variants", 2]
        for bad, msg in ((AUTO + ["--temperature-grid", "0.9,0.2"], "increase"),
                         (AUTO + ["--temperature-grid", "0.5"], "at least two"),
                         (AUTO + ["--temperature-grid", "0.5,3"], "out of range"),
                         (["--temperature-grid", "0.2,0.9"], "needs '--temperature auto'"),
                         (["--temperature", "hot"], "not a number")):
            out = os.path.join(tmp, "bad")
            r = run_bin(base + bad + ["--out", out])
            check(r.rc == 2 and msg in r.err, f"{bad}: {r!r}")
            check(not os.path.exists(out), f"{bad}: {out} was created")
        out = os.path.join(tmp, "two")
        r = run_bin(base + AUTO + ["--temperature-grid", "0.2,0.9", "--out", out])
        check(r.rc == 0, f"two values: {r!r}")
        used = {s["temperature"] for g in gens(out) for s in g["stories"]}
        check(used <= {0.2, 0.9} and len(used) == 2, f"temperatures used: {used}")
        for change in (["--temperature", "1.0"], ["--temperature-grid", "0.2,0.8"]):
            r = run_bin(["evolve", "--resume", out, "--generations", 2, "--quiet"] + change)
            check(r.rc == 2 and "cannot change" in r.err, f"resume with {change}: {r!r}")
        r = run_bin(["evolve", "--resume", out, "--generations", 2, "--quiet"])
        check(r.rc == 0 and len(gen_files(out)) == 3, f"extended: {r!r}")
        g1, g2 = gens(out)[1:]
        check(g2["temperature_policy"]["variant"][0]["stories"] >=
              g1["temperature_policy"]["variant"][0]["stories"], "counts went down")
    return "refused 5 ways; extended by a resume"


def interrupted_like_uninterrupted(tmp, sim, name, mode, points):
    """Run mode once whole, then once killed at each point (signal, generation
    whose verdict is awaited) and resumed: the files must be the same."""
    base = ["evolve", "--model", "m", "--base-url", sim.url, "--seed", 31, "--quiet",
            "--population", 10, "--generations", 2, "--top", 3, "--variants", 3,
            "--concurrency", 4, "--max-words", 150] + mode
    ref = os.path.join(tmp, name)
    r = run_bin(base + ["--out", ref])
    check(r.rc == 0, f"{name}, uninterrupted: {r!r}")
    notes = []
    for sig, gen in points:
        out = os.path.join(tmp, f"{name}-{sig.name}-{gen}")
        p = Proc(tmp, os.path.basename(out), base + ["--out", out])
        ok = wait_for(lambda: any(x.get("t") == "match" and x.get("gen") == gen
                                  for x in journal(out)), 60 * SLOW, p)
        p.signal(sig)
        p.finish(30 * SLOW)
        check(ok, f"{name}: no verdict of generation {gen} before the run ended")
        r = run_bin(["evolve", "--resume", out, "--quiet"])
        check(r.rc == 0, f"{name}, resumed after {sig.name}: {r!r}")
        differ = same_files(ref, out)
        check(not differ, f"{name}, {sig.name} in generation {gen} and resumed: {differ} "
              "differ from the run never interrupted")
        reused = load_json(os.path.join(out, "run.json"))["resumes"][-1]
        notes.append(f"{sig.name} in gen {gen}: {reused['reused_matches']} verdicts reused")
    return ref, notes


@test
def temperature_auto_resume(tmp):
    """--temperature auto --deterministic: killed in the middle of generations 1
    and 2 and resumed, the run writes the same files, byte for byte, as the
    run never interrupted (the policy comes back from the files and chooses
    the same temperatures).  The simulator answers each request as a function
    of its bytes (--pure), with random latency."""
    with Sim(tmp, "--pure", "--latency", "0.01:0.1", "--seed", 9, "--best-temperature", 0.5,
             "--temperature-penalty", 2) as sim:
        ref, notes = interrupted_like_uninterrupted(
            tmp, sim, "auto", AUTO + ["--deterministic", "--judge-budget", 4],
            ((signal.SIGKILL, 1), (signal.SIGINT, 2)))
    temps = {s["temperature"] for g in gens(ref) for s in g["stories"]}
    check(len(temps) >= 3, f"the run used only temperatures {temps}: tested little")
    return "identical files; " + ", ".join(notes)


# --------------------------------------------------------------------------
# Diversity
# --------------------------------------------------------------------------
def roots_of(files):
    """story id -> its generation-0 ancestor, from the generation files."""
    parent = {}
    for g in files:
        for s in g["stories"] + g["failed"]:
            parent[s["id"]] = s["parent_id"]

    def root(i):
        while parent.get(i):
            i = parent[i]
        return i
    return root


@test
def diversity_measured(tmp):
    """Without --diversity: every generation file has its diversity (lineages
    as the parent chains say, mean deviation the mean of its stories'
    deviations, distinct-n and compression ratios in range), every story its
    deviation; the parents are the top K by rank, as before."""
    out = os.path.join(tmp, "out")
    with Sim(tmp, "--latency", "0:0.01", "--variant-keep", 0.5) as sim:
        r = run_bin(["evolve", "--model", "m", "--base-url", sim.url, "--out", out, "--seed", 6,
                     "--quiet", "--population", 12, "--generations", 3, "--top", 3,
                     "--variants", 3, "--judge-budget", 4])
        check(r.rc == 0, f"run: {r!r}")
    files = gens(out)
    root = roots_of(files)
    line = []
    for g in files:
        d = g.get("diversity")
        check(isinstance(d, dict), f"gen {g['generation']}: no diversity")
        devs = [s["deviation"] for s in g["stories"]]
        check(all(0 < x < 1 for x in devs), f"gen {g['generation']}: deviations {devs}")
        check(abs(d["mean_deviation"] - sum(devs) / len(devs)) < 1e-9,
              f"gen {g['generation']}: mean deviation {d['mean_deviation']}, stories {devs}")
        want = len({root(s["id"]) for s in g["stories"]})
        check(d["lineages"] == want, f"gen {g['generation']}: lineages {d['lineages']}, "
              f"the parent chains say {want}")
        for k in ("distinct_2", "distinct_3", "compression_ratio"):
            check(0 < d[k] < 1, f"gen {g['generation']}: {k} {d[k]}")
        check(d["distinct_3"] >= d["distinct_2"], f"gen {g['generation']}: {d}")
        check(not any(s.get("near_copy") for s in g["stories"]), "a near-copy without --diversity")
        line.append(str(d["lineages"]))
    for prev, g in zip(files, files[1:]):
        top = [s["id"] for s in sorted(prev["stories"], key=lambda s: s["rank"])[:3]]
        kept = sorted(s["id"] for s in g["stories"] if s["born"] < g["generation"])
        check(kept == sorted(top), f"gen {g['generation']}: parents {kept}, top 3 {top}")
    return "lineages " + " -> ".join(line)


@test
def diversity_selects(tmp):
    """--diversity 10: the parents of each generation come from as many
    lineages as the generation before offers (up to K), the best of each;
    W = 0 on the same simulator collapses sooner."""
    notes = []
    with Sim(tmp, "--latency", "0:0.01", "--variant-keep", 0.5, "--seed", 4) as sim:
        lineages = {}
        for w in (0, 10):
            out = os.path.join(tmp, f"w{w}")
            r = run_bin(["evolve", "--model", "m", "--base-url", sim.url, "--out", out,
                         "--seed", 8, "--quiet", "--population", 12, "--generations", 4,
                         "--top", 3, "--variants", 3, "--judge-budget", 4,
                         "--diversity", w])
            check(r.rc == 0, f"W={w}: {r!r}")
            files = gens(out)
            root = roots_of(files)
            run = load_json(os.path.join(out, "run.json"))
            check(run["settings"]["diversity"] == w, f"settings: {run['settings']['diversity']}")
            if w:
                check(run["usage"]["early_variants"] == 0, f"early variants: {run['usage']}")
                for prev, g in zip(files, files[1:]):
                    ranked = sorted(prev["stories"], key=lambda s: s["rank"])
                    best = {}
                    for s in ranked:
                        best.setdefault(root(s["id"]), s["id"])
                    want = sorted(list(best.values())[:3]) if len(best) >= 3 else None
                    kept = sorted(s["id"] for s in g["stories"] if s["born"] < g["generation"])
                    if want:
                        check(kept == want, f"gen {g['generation']}: parents {kept}, the best "
                              f"of each lineage {want}")
                    check(len({root(i) for i in kept}) == min(3, len(best)),
                          f"gen {g['generation']}: parents {kept} from too few lineages")
            lineages[w] = [g["diversity"]["lineages"] for g in files]
            notes.append(f"W={w}: " + "->".join(map(str, lineages[w])))
        check(lineages[10][-1] >= lineages[0][-1] and lineages[10][-1] >= 2,
              f"lineages at the end: {lineages}")
    return ", ".join(notes)


@test
def diversity_near_copies(tmp):
    """--diversity with variants that copy their parent whole
    (--variant-keep 1): every variant is written again once (a second
    request with its own seed), marked near_copy, and then taken as it is
    (one whose word target made it drop sentences may be none); with
    --diversity 0 none is."""
    with Sim(tmp, "--latency", "0:0.01", "--variant-keep", 1.0, log=True) as sim:
        out = os.path.join(tmp, "out")
        r = run_bin(["evolve", "--model", "m", "--base-url", sim.url, "--out", out, "--seed", 9,
                     "--quiet", "--population", 6, "--generations", 1, "--top", 2,
                     "--variants", 2, "--judge-budget", 3, "--diversity", 1])
        check(r.rc == 0, f"run: {r!r}")
        g1 = gens(out)[1]
        variants = [s for s in g1["stories"] + g1["failed"] if s["born"] == 1]
        marked = [s for s in variants if s.get("near_copy")]
        # A variant that lands on a word target shorter than its parent drops
        # sentences, and may then be no near-copy: most are.
        check(len(variants) == 4 and len(marked) >= 2,
              f"near_copy marks: {[(s['id'], s.get('near_copy')) for s in variants]}")
        seed = load_json(os.path.join(out, "run.json"))["seed"]
        sent = sorted(rec["body"]["seed"] for rec in sim.log() if rec.get("kind") == "variant")
        want = sorted(request_seed(seed, "g1:%s:%d" % (s["parent_id"], s["variant"]), a)
                      for s in variants for a in ((0, 3) if s.get("near_copy") else (0,)))
        check(sent == want, f"variant request seeds {sent}, expected {want}")
        out0 = os.path.join(tmp, "w0")
        r = run_bin(["evolve", "--model", "m", "--base-url", sim.url, "--out", out0, "--seed", 9,
                     "--quiet", "--population", 6, "--generations", 1, "--top", 2,
                     "--variants", 2, "--judge-budget", 3])
        check(r.rc == 0, f"W=0: {r!r}")
        check(not any(s.get("near_copy") for g in gens(out0) for s in g["stories"]),
              "W=0 rewrote a near-copy")
    return f"{len(marked)} of 4 variants written again"


@test
def diversity_auto_resume(tmp):
    """--diversity 1 (with near-copies to rewrite) and --temperature auto
    together, --deterministic: killed in generations 1 and 2 and resumed, the
    files are those of the run never interrupted."""
    with Sim(tmp, "--pure", "--latency", "0.01:0.1", "--seed", 12, "--variant-keep", 0.98,
             "--best-temperature", 0.7, "--temperature-penalty", 1) as sim:
        ref, notes = interrupted_like_uninterrupted(
            tmp, sim, "diverse", AUTO + ["--diversity", 1, "--deterministic", "--judge-budget", 4],
            ((signal.SIGKILL, 2), (signal.SIGINT, 1)))
    files = gens(ref)
    copies = sum(1 for g in files for s in g["stories"] if s.get("near_copy"))
    check(copies >= 1, "no variant was a near-copy: tested little")
    return f"identical files, {copies} near-copies rewritten; " + ", ".join(notes)


if __name__ == "__main__":
    sys.exit(harness.run_tests(sys.argv[1:], __doc__, "issue 13 tests", "aw-e2e13-",
                               timed=True))
