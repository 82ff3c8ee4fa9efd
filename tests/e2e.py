#!/usr/bin/env python3
"""End-to-end tests of `alphawrite evolve` against tests/simendpoint.py.

Run from anywhere (tests/run.sh runs it from the repository root):

    python3 tests/e2e.py              every test
    python3 tests/e2e.py NAME...      only these tests (see --list)
    python3 tests/e2e.py --list       the test names

Each test gets its own temporary directory and its own simulated endpoint on
127.0.0.1 (port 0), which it always stops.  Nothing but 127.0.0.1 is ever
contacted: proxies are removed from the environment and OPENAI_BASE_URL points
at a closed loopback port, so a binary that ignored --base-url would fail
here instead of reaching the internet.

Output: one line per test, "ok NAME" or "FAIL NAME: reason", then exactly one
line "N passed, N failed".  Exit status 0 only when nothing failed.

AW_VALGRIND=1 runs every alphawrite process under
    valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
and counts exit 99 as a failure; time limits of timing-sensitive checks are
relaxed then (the test line says so).  AW_E2E_KEEP=1 keeps the temporary
directories of failed tests.

Python 3 standard library only.
"""

import json
import math
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(REPO, "alphawrite")
SIM = os.path.join(REPO, "tests", "simendpoint.py")
GOALS_FILE = os.path.join(REPO, "prompts", "goals.txt")
PROMPTS_DIR = os.path.join(REPO, "prompts")

VALGRIND = os.environ.get("AW_VALGRIND", "0") == "1"
VG_CMD = ["valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
          "--errors-for-leak-kinds=definite"]
SLOW = 10 if VALGRIND else 1          # time budget multiplier under valgrind
KEEP = os.environ.get("AW_E2E_KEEP", "0") == "1"

# urllib must never use a proxy: the simulator is on loopback.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "ftp_proxy", "no_proxy")


class TestFail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise TestFail(msg)


def short(text, n=300):
    text = text.strip().replace("\n", " | ")
    return text if len(text) <= n else text[:n] + "..."


# --------------------------------------------------------------------------
# The simulated endpoint
# --------------------------------------------------------------------------
class Sim:
    """tests/simendpoint.py on 127.0.0.1:0; use as a context manager."""

    def __init__(self, tmp, *args, log=False, name="sim"):
        self.tmp = tmp
        self.port_file = os.path.join(tmp, name + ".port")
        self.log_path = os.path.join(tmp, name + ".log") if log else None
        cmd = [sys.executable, SIM, "--host", "127.0.0.1", "--port", "0",
               "--port-file", self.port_file, "--max-seconds", "300"]
        if self.log_path:
            cmd += ["--log", self.log_path]
        cmd += [str(a) for a in args]
        self.err_path = os.path.join(tmp, name + ".stderr")
        self._err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self._err,
                                     stdin=subprocess.DEVNULL, env=clean_env())
        deadline = time.monotonic() + 15
        self.port = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with open(self.port_file) as f:
                    text = f.read().strip()
                if text:
                    self.port = int(text)
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.02)
        if self.port is None:
            self.stop()
            with open(self.err_path, "rb") as f:
                err = f.read().decode("utf-8", "replace")
            raise TestFail("simulated endpoint did not start: " + short(err))
        self.url = f"http://127.0.0.1:{self.port}/v1"

    def _get(self, path):
        with OPENER.open(f"http://127.0.0.1:{self.port}{path}", timeout=10) as r:
            return json.loads(r.read().decode("utf-8"))

    def stats(self):
        return self._get("/sim/stats")

    def truth(self):
        return self._get("/sim/truth")

    def log(self):
        """The logged requests, one dict each."""
        out = []
        if not self.log_path or not os.path.exists(self.log_path):
            return out
        with open(self.log_path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    out.append(json.loads(line))
        return out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._err.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


# --------------------------------------------------------------------------
# Running alphawrite
# --------------------------------------------------------------------------
def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in PROXY_VARS and not k.startswith("OPENAI_")
           and k != "ALPHAWRITE_DATADIR"}
    env["no_proxy"] = env["NO_PROXY"] = "*"
    # A safety net: if --base-url were ignored, this closed loopback port is
    # where the binary would go - never a real endpoint.
    env["OPENAI_BASE_URL"] = "http://127.0.0.1:9/v1"
    for k, v in extra.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


class Result:
    def __init__(self, rc, out, err, elapsed):
        self.rc, self.out, self.err, self.elapsed = rc, out, err, elapsed

    def __repr__(self):
        return f"exit {self.rc}, stderr: {short(self.err)}"


def vg_check(res):
    if VALGRIND and res.rc == 99:
        report = [l for l in res.err.splitlines() if l.startswith("==")] or [res.err]
        raise TestFail("valgrind reported errors (exit 99): " + short("\n".join(report), 2000))


def run_bin(args, env=None, cwd=None, timeout=120, binary=BIN, stdin=subprocess.DEVNULL):
    cmd = (VG_CMD if VALGRIND else []) + [binary] + [str(a) for a in args]
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env if env is not None else clean_env(), cwd=cwd,
                           timeout=timeout * SLOW)
    except subprocess.TimeoutExpired:
        raise TestFail(f"alphawrite {' '.join(map(str, args))[:200]} did not exit within "
                       f"{timeout * SLOW}s") from None
    res = Result(p.returncode, p.stdout.decode("utf-8", "replace"),
                 p.stderr.decode("utf-8", "replace"), time.monotonic() - t0)
    vg_check(res)
    return res


def evolve_args(sim, out, *extra, model="sim-writer"):
    return ["evolve", "--model", model, "--base-url", sim.url, "--out", out] + \
        [str(e) for e in extra]


def run_evolve(sim, out, *extra, expect=0, model="sim-writer", **kw):
    res = run_bin(evolve_args(sim, out, *extra, model=model), **kw)
    if expect is not None:
        check(res.rc == expect, f"expected exit {expect}, got {res!r}")
    return res


def load_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise TestFail(f"{os.path.basename(path)}: cannot read as JSON: {e}") from None


def word_count(text):
    # Runs of non-space characters, spaces as C's isspace() sees them.
    return len(text.encode("utf-8").split())


def read_list(path):
    items = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                items.append(line)
    return items


def is_num(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


MARKER_RE = re.compile(r"\[simulated story #(\d+)\]")


# --------------------------------------------------------------------------
# Checking an output directory
# --------------------------------------------------------------------------
STORY_FIELDS = ("id", "rank", "elo", "wins", "losses", "matches", "born", "parent_id",
                "style", "theme", "goal", "temperature", "words", "text")


def elo_expected(ra, rb):
    return 1.0 / (1.0 + 10.0 ** ((rb - ra) / 400.0))


def gen_files(out):
    return sorted(f for f in os.listdir(out) if re.fullmatch(r"gen-\d+\.json", f))


def validate_generation(d, g, n_expected, rounds, max_words, temperature, goals,
                        prev, prev_top, variants, seen):
    """Check one generation file.  prev: the previous generation's stories by
    id; prev_top: the ids of its top K; seen: id -> story of every earlier
    generation (updated here)."""
    where = f"gen-{g:03d}"
    check(isinstance(d, dict), f"{where}: not an object")
    check(d.get("generation") == g, f"{where}: generation is {d.get('generation')!r}")
    stories, matches = d.get("stories"), d.get("matches")
    check(isinstance(stories, list) and isinstance(matches, list),
          f"{where}: stories/matches missing")
    failed = d.get("failed") or []
    check(not failed, f"{where}: {len(failed)} stories failed: "
          f"{short(str([s.get('error') for s in failed]))}")
    check(len(stories) == n_expected,
          f"{where}: {len(stories)} stories, expected {n_expected}")

    ids = []
    for i, s in enumerate(stories):
        check(isinstance(s, dict), f"{where}: story {i} is not an object")
        missing = [k for k in STORY_FIELDS if k not in s]
        check(not missing, f"{where}: story {s.get('id')} lacks {missing}")
        sid = s["id"]
        check(isinstance(sid, str) and sid, f"{where}: bad id {sid!r}")
        check(s["rank"] == i + 1, f"{where}: story {sid} at position {i + 1} has rank {s['rank']}")
        check(is_num(s["elo"]), f"{where}: {sid}: elo {s['elo']!r}")
        for k in ("wins", "losses", "matches", "born", "words"):
            check(is_int(s[k]) and s[k] >= 0, f"{where}: {sid}: {k} is {s[k]!r}")
        for k in ("style", "theme", "text"):
            check(isinstance(s[k], str) and s[k].strip(), f"{where}: {sid}: {k} is {s[k]!r}")
        check(s["parent_id"] is None or isinstance(s["parent_id"], str),
              f"{where}: {sid}: parent_id {s['parent_id']!r}")
        check(s["goal"] is None or isinstance(s["goal"], str), f"{where}: {sid}: goal {s['goal']!r}")
        check(is_num(s["temperature"]) and abs(s["temperature"] - temperature) < 1e-9,
              f"{where}: {sid}: temperature {s['temperature']!r}, expected {temperature}")
        wc = word_count(s["text"])
        check(s["words"] == wc, f"{where}: {sid}: words {s['words']} but the text has {wc}")
        check(s["words"] <= max_words, f"{where}: {sid}: {s['words']} words > --max-words {max_words}")
        if i:
            check(stories[i - 1]["elo"] >= s["elo"],
                  f"{where}: not ranked by elo ({stories[i - 1]['id']} {stories[i - 1]['elo']} "
                  f"above {sid} {s['elo']})")
        ids.append(sid)
    check(len(set(ids)) == len(ids), f"{where}: duplicate ids")
    by_id = {s["id"]: s for s in stories}

    # Provenance, and the rating each story started this generation with.
    start = {}
    if g == 0:
        for s in stories:
            check(s["born"] == 0, f"{where}: {s['id']} born {s['born']}")
            check(s["parent_id"] is None, f"{where}: {s['id']} has parent {s['parent_id']!r}")
            check(s["goal"] is None, f"{where}: {s['id']} has goal {s['goal']!r}")
            check(s["id"] not in seen, f"{where}: id {s['id']} reused")
            start[s["id"]] = 1200.0
    else:
        carried = {s["id"] for s in stories if s["born"] < g}
        check(carried == set(prev_top),
              f"{where}: carried-over parents {sorted(carried)} are not the previous top "
              f"{sorted(prev_top)}")
        kids = {}
        for s in stories:
            sid = s["id"]
            if s["born"] < g:
                old = seen.get(sid)
                check(old is not None, f"{where}: {sid} born {s['born']} but never seen before")
                for k in ("born", "parent_id", "style", "theme", "goal", "text", "words"):
                    check(s[k] == old[k], f"{where}: carried-over {sid} changed its {k}")
                start[sid] = prev[sid]["elo"]
                continue
            check(s["born"] == g, f"{where}: {sid} born {s['born']}")
            check(sid not in seen, f"{where}: new story reuses id {sid}")
            pid = s["parent_id"]
            check(pid in prev_top, f"{where}: {sid} has parent {pid!r}, not among the previous "
                  f"top {sorted(prev_top)}")
            check(s["goal"] is not None and s["goal"] in goals,
                  f"{where}: {sid}: goal {s['goal']!r} is not from the goals list")
            check(s["style"] == prev[pid]["style"] and s["theme"] == prev[pid]["theme"],
                  f"{where}: {sid}: style/theme differ from its parent {pid}")
            kids[pid] = kids.get(pid, 0) + 1
            start[sid] = prev[pid]["elo"]   # a variant starts from its parent's rating
        for pid in prev_top:
            check(kids.get(pid, 0) == variants,
                  f"{where}: parent {pid} has {kids.get(pid, 0)} variants, expected {variants}")

    # Matches.
    n = len(stories)
    check(len(matches) == rounds * (n // 2),
          f"{where}: {len(matches)} matches, expected {rounds}*{n // 2}")
    per_round = {}
    wins = dict.fromkeys(ids, 0)
    losses = dict.fromkeys(ids, 0)
    elo = dict(start)
    for k, m in enumerate(matches):
        check(isinstance(m, dict), f"{where}: match {k} is not an object")
        a, b, w = m.get("a"), m.get("b"), m.get("winner", "absent")
        check(a in by_id and b in by_id, f"{where}: match {k} names {a!r} and {b!r}")
        check(a != b, f"{where}: match {k}: a story meets itself ({a})")
        check(w in (a, b, None), f"{where}: match {k}: winner {w!r}")
        if w is None:
            check(isinstance(m.get("error"), str) and m["error"],
                  f"{where}: match {k} has no winner and no error")
        r = m.get("round")
        check(is_int(r) and 1 <= r <= rounds, f"{where}: match {k}: round {r!r}")
        met = per_round.setdefault(r, set())
        check(a not in met and b not in met, f"{where}: round {r}: a story plays twice")
        met.update((a, b))
        if w is not None:
            loser = b if w == a else a
            wins[w] += 1
            losses[loser] += 1
            # Elo in match order, K=32, base 10, scale 400.
            delta = 32.0 * (1.0 - elo_expected(elo[w], elo[loser]))
            elo[w] += delta
            elo[loser] -= delta
    for r in range(1, rounds + 1):
        check(len(per_round.get(r, ())) == 2 * (n // 2),
              f"{where}: round {r} has {len(per_round.get(r, ())) // 2} matches, expected {n // 2}")
    for s in stories:
        sid = s["id"]
        check(s["wins"] == wins[sid] and s["losses"] == losses[sid],
              f"{where}: {sid}: wins/losses {s['wins']}/{s['losses']}, its matches say "
              f"{wins[sid]}/{losses[sid]}")
        check(s["matches"] == wins[sid] + losses[sid],
              f"{where}: {sid}: matches {s['matches']} != {wins[sid] + losses[sid]} decided")
        check(abs(s["elo"] - elo[sid]) < 1e-6,
              f"{where}: {sid}: elo {s['elo']} but replaying the matches in order gives {elo[sid]}")
    total, expect_total = sum(s["elo"] for s in stories), sum(start.values())
    check(abs(total - expect_total) < 1e-6,
          f"{where}: elo sums to {total}, expected {expect_total} (zero-sum)")
    if g == 0:
        check(abs(total - 1200.0 * n) < 1e-6, f"{where}: elo sums to {total}, not 1200*{n}")
    for s in stories:
        seen.setdefault(s["id"], s)
    return d


def validate_run(out, n0, gens, top, variants, rounds, max_words, temperature=1.0,
                 goals=None, complete=True):
    """Check every generation file of a run; returns the parsed files."""
    goals = goals if goals is not None else read_list(GOALS_FILE)
    files = gen_files(out)
    if complete:
        check(files == [f"gen-{g:03d}.json" for g in range(gens + 1)],
              f"generation files are {files}, expected gen-000..gen-{gens:03d}")
    out_gens, seen, prev, prev_top = [], {}, None, None
    n = n0
    for g in range(len(files)):
        check(files[g] == f"gen-{g:03d}.json", f"unexpected generation file {files[g]}")
        d = validate_generation(load_json(os.path.join(out, files[g])), g, n, rounds, max_words,
                                temperature, goals, prev, prev_top, variants, seen)
        out_gens.append(d)
        k = min(top, len(d["stories"]))
        prev = {s["id"]: s for s in d["stories"]}
        prev_top = [s["id"] for s in d["stories"][:k]]
        n = k + k * variants
    return out_gens


def check_best(out, last_gen):
    path = os.path.join(out, "best.txt")
    check(os.path.exists(path), "best.txt is missing")
    with open(path, encoding="utf-8") as f:
        best = f.read()
    check(best == last_gen["stories"][0]["text"] + "\n",
          "best.txt is not the text of rank 1 of the last generation plus a newline")


def no_temp_files(out):
    hidden = [f for f in os.listdir(out) if f.startswith(".")]
    check(not hidden, f"temporary files left in --out: {hidden}")


# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


ISSUE_OPTIONS = ("model", "judge-model", "base-url", "out", "prompt", "prompt-file",
                 "population", "generations", "top", "variants", "rounds", "max-words",
                 "styles", "themes", "goals", "rubric", "temperature", "judge-temperature",
                 "concurrency", "timeout", "retries", "seed", "quiet")


@test
def cli(tmp):
    # --help, --version, no arguments, evolve --help
    for args in (["--help"], ["--version"], ["evolve", "--help"]):
        r = run_bin(args)
        check(r.rc == 0, f"alphawrite {' '.join(args)}: {r!r}")
        check(r.out.strip(), f"alphawrite {' '.join(args)}: nothing on stdout")
        check(r.err == "", f"alphawrite {' '.join(args)}: stderr not empty: {short(r.err)}")
    r = run_bin(["--version"])
    check(re.search(r"\d+\.\d+", r.out), f"--version prints no version: {short(r.out)}")
    r = run_bin([])
    check(r.rc == 2, f"alphawrite with no arguments: {r!r}")
    check(r.err.strip(), "alphawrite with no arguments: no usage on stderr")
    helptext = run_bin(["evolve", "--help"]).out
    missing = [o for o in ISSUE_OPTIONS
               if not re.search(r"(?<![\w-])--%s(?![\w-])" % re.escape(o), helptext)]
    check(not missing, f"evolve --help does not list {missing}")

    # Input files for the bad-input table.
    files = os.path.join(tmp, "files")
    os.mkdir(files)

    def write(name, data):
        path = os.path.join(files, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    prompt_file = write("prompt.txt", b"A lighthouse keeper finds a letter.\n")
    themes_empty = write("themes.txt", b"# only comments here\n\n   # and here\n\n")
    goals_bad = write("goals.txt", b"Sharpen the ending.\nCut the warm-up.\nBad \xff\xfe byte.\n"
                      b"Raise the stakes.\n")
    rubric_dir = os.path.join(files, "rubric.d")
    os.mkdir(rubric_dir)
    missing_styles = os.path.join(files, "no-such-styles.txt")

    def prompts_dir(name, judge_text):
        d = os.path.join(files, name)
        shutil.copytree(PROMPTS_DIR, d)
        with open(os.path.join(d, "judge.txt"), "w", encoding="utf-8") as f:
            f.write(judge_text)
        return d, os.path.join(d, "judge.txt")

    pd_unknown, judge_unknown = prompts_dir(
        "prompts-unknown",
        "Judge two stories for {{prompt}}.\nUse {{rubric}} and {{verdict_style}} here.\n"
        "{{story_a}}\n{{story_b}}\nEnd with the winner.\n")
    pd_nob, judge_nob = prompts_dir(
        "prompts-nob", "Judge two stories for {{prompt}}.\n{{rubric}}\n{{story_a}}\n"
                       "End with the winner.\n")
    full_out = os.path.join(files, "full-out")
    os.mkdir(full_out)
    with open(os.path.join(full_out, "notes.txt"), "w") as f:
        f.write("my notes\n")

    cwd = os.path.join(tmp, "cwd")
    os.mkdir(cwd)
    with Sim(tmp) as sim:
        # Each row: name, arguments after "evolve" (OUT becomes a fresh --out
        # path that must not be created; --base-url points at the simulator
        # unless the row gives its own), and strings that must all appear in
        # stderr, case-insensitively (alternatives separated by "|").
        base = ["--base-url", sim.url]
        rows = [
            ("unknown option", ["--model", "m", "--out", "OUT", "--bogus-flag", "1"],
             ["--bogus-flag"]),
            ("missing --model", ["--out", "OUT"], ["--model"]),
            ("missing --out", ["--model", "m"], ["--out"]),
            ("--population 1", ["--model", "m", "--out", "OUT", "--population", "1"],
             ["--population"]),
            ("--population abc", ["--model", "m", "--out", "OUT", "--population", "abc"],
             ["--population"]),
            ("--population 1e9", ["--model", "m", "--out", "OUT", "--population", "1e9"],
             ["--population"]),
            ("--top 10 --population 5", ["--model", "m", "--out", "OUT", "--population", "5",
                                         "--top", "10"], ["--top"]),
            ("--temperature 3", ["--model", "m", "--out", "OUT", "--temperature", "3"],
             ["--temperature"]),
            ("--concurrency 0", ["--model", "m", "--out", "OUT", "--concurrency", "0"],
             ["--concurrency"]),
            ("--seed -1", ["--model", "m", "--out", "OUT", "--seed", "-1"], ["--seed"]),
            ("--base-url ftp://x", ["--model", "m", "--out", "OUT", "--base-url", "ftp://x"],
             ["--base-url|base url", "ftp://x"]),
            ("--prompt with --prompt-file", ["--model", "m", "--out", "OUT", "--prompt", "A fox.",
                                             "--prompt-file", prompt_file],
             ["--prompt", "--prompt-file"]),
            ("--styles missing file", ["--model", "m", "--out", "OUT", "--styles",
                                       missing_styles], [missing_styles]),
            ("--themes only comments", ["--model", "m", "--out", "OUT", "--themes",
                                        themes_empty], [themes_empty]),
            ("--goals invalid UTF-8 on line 3", ["--model", "m", "--out", "OUT", "--goals",
                                                 goals_bad], [goals_bad, "line 3"]),
            ("--rubric is a directory", ["--model", "m", "--out", "OUT", "--rubric", rubric_dir],
             [rubric_dir]),
            ("judge.txt unknown placeholder on line 2",
             ["--model", "m", "--out", "OUT", "--prompts-dir", pd_unknown],
             [judge_unknown, "line 2", "verdict_style"]),
            ("judge.txt without {{story_b}}",
             ["--model", "m", "--out", "OUT", "--prompts-dir", pd_nob],
             [judge_nob, "story_b"]),
            ("--out holds files", ["--model", "m", "--out", full_out], [full_out]),
        ]
        problems = []
        for i, (name, args, needles) in enumerate(rows):
            out = os.path.join(tmp, f"out-{i}")
            args = [out if a == "OUT" else a for a in args]
            if "--base-url" not in args:
                args = base + args
            before = sim.stats()["requests"]
            r = run_bin(["evolve"] + args, cwd=cwd)
            errs = []
            if r.rc != 2:
                errs.append(f"exit {r.rc}")
            low = r.err.lower()
            for needle in needles:
                if not any(alt.lower() in low for alt in needle.split("|")):
                    errs.append(f"stderr does not name {needle!r}")
            if os.path.exists(out):
                errs.append("--out was created")
            if os.listdir(cwd):
                errs.append(f"wrote {os.listdir(cwd)} in the working directory")
            after = sim.stats()["requests"]
            if after != before:
                errs.append(f"{after - before} requests reached the endpoint")
            if errs:
                problems.append(f"[{name}] {', '.join(errs)}; stderr: {short(r.err, 160)}")
        check(os.listdir(full_out) == ["notes.txt"],
              f"--out that holds files was changed: {os.listdir(full_out)}")
        check(sim.stats()["requests"] == 0, "requests reached the endpoint")
    check(not problems, "; ".join(problems))


@test
def basic_run(tmp):
    N, G, K, V, R = 10, 2, 3, 2, 3
    out = os.path.join(tmp, "out")
    with Sim(tmp) as sim:
        run_evolve(sim, out, "--population", N, "--generations", G, "--top", K,
                   "--variants", V, "--rounds", R, "--seed", 42)
        stats = sim.stats()
    check(not os.path.exists(os.path.join(out, f"gen-{G + 1:03d}.json")),
          f"gen-{G + 1:03d}.json written")
    gens = validate_run(out, N, G, K, V, R, max_words=500)
    run = load_json(os.path.join(out, "run.json"))
    check(run.get("status") == "complete", f"run.json status {run.get('status')!r}")
    check(run.get("seed") == 42, f"run.json seed {run.get('seed')!r}")
    settings = run.get("settings")
    check(isinstance(settings, dict), "run.json has no settings")
    want = {"model": "sim-writer", "population": N, "generations": G, "top": K,
            "variants": V, "rounds": R, "max_words": 500}
    wrong = {k: settings.get(k) for k, v in want.items() if settings.get(k) != v}
    check(not wrong, f"run.json settings do not echo the options: {wrong}")
    check(settings.get("base_url") == sim.url, f"settings.base_url {settings.get('base_url')!r}")
    usage = run.get("usage")
    check(isinstance(usage, dict), "run.json has no usage")
    for k in ("requests", "retries", "failed_requests", "prompt_tokens", "completion_tokens"):
        check(is_int(usage.get(k)) and usage[k] >= 0, f"usage.{k} is {usage.get(k)!r}")
    check(usage["requests"] == stats["requests"],
          f"usage.requests {usage['requests']} but the endpoint saw {stats['requests']}")
    check(usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0, "no tokens counted")
    check(usage["retries"] == 0 and usage["failed_requests"] == 0,
          f"retries/failures without faults: {usage}")
    for d in gens:
        for m in d["matches"]:
            check(m["winner"] is not None, f"gen-{d['generation']:03d}: a match has no winner "
                  f"without any fault: {m.get('error')!r}")
            check(isinstance(m.get("reason"), str) and m["reason"].strip(),
                  f"gen-{d['generation']:03d}: the judge's reasoning is not recorded as reason")
    check_best(out, gens[-1])
    no_temp_files(out)


@test
def request_schema(tmp):
    out = os.path.join(tmp, "out")
    with Sim(tmp, "--fault-rate", "0.3", "--faults", "unparseable", log=True) as sim:
        run_evolve(sim, out, "--judge-model", "judge-y",
                   "--temperature", "0.7", "--judge-temperature", "0.3", "--population", 6,
                   "--generations", 1, "--top", 2, "--variants", 1, "--rounds", 2,
                   "--max-words", 200, "--seed", 7, model="writer-x")
        log = sim.log()
    check(log, "the endpoint logged no requests")
    kinds = {}
    for i, rec in enumerate(log):
        body = rec.get("body")
        where = f"request {i} ({rec.get('kind')})"
        check(isinstance(body, dict), f"{where}: body is not a JSON object")
        check(isinstance(body.get("model"), str) and body["model"], f"{where}: model")
        msgs = body.get("messages")
        check(isinstance(msgs, list) and msgs, f"{where}: messages")
        for m in msgs:
            check(isinstance(m, dict) and isinstance(m.get("role"), str)
                  and isinstance(m.get("content"), str),
                  f"{where}: message {m!r:.80} lacks role/content strings")
            check(m["role"] in ("system", "user", "assistant", "developer"),
                  f"{where}: role {m['role']!r}")
        check(is_num(body.get("temperature")), f"{where}: temperature {body.get('temperature')!r}")
        check(is_num(body.get("top_p")) and 0 < body["top_p"] <= 1, f"{where}: top_p")
        check(is_int(body.get("max_tokens")) and body["max_tokens"] > 0,
              f"{where}: max_tokens {body.get('max_tokens')!r}")
        check(is_int(body.get("seed")), f"{where}: seed {body.get('seed')!r}")
        check(rec.get("status") == 200, f"{where}: the endpoint answered {rec.get('status')}")
        kind = rec.get("kind")
        kinds[kind] = kinds.get(kind, 0) + 1
        if kind in ("judge", "reask"):
            check(body["model"] == "judge-y", f"{where}: model {body['model']!r}, not judge-y")
            check(abs(body["temperature"] - 0.3) < 1e-9, f"{where}: temperature "
                  f"{body['temperature']}, not --judge-temperature 0.3")
        elif kind in ("story", "variant"):
            check(body["model"] == "writer-x", f"{where}: model {body['model']!r}, not writer-x")
            check(abs(body["temperature"] - 0.7) < 1e-9, f"{where}: temperature "
                  f"{body['temperature']}, not --temperature 0.7")
            check(body["max_tokens"] >= 200, f"{where}: max_tokens {body['max_tokens']} cannot "
                  "hold a 200-word story")
        else:
            raise TestFail(f"{where}: the endpoint could not classify it")
    for k in ("story", "variant", "judge", "reask"):
        check(kinds.get(k), f"no {k} requests were logged ({kinds})")

    # The judge prompt quotes both stories verbatim, A first.
    judge_firsts = []
    for rec in log:
        if rec["kind"] == "judge":
            users = [m["content"] for m in rec["body"]["messages"] if m["role"] == "user"]
            judge_firsts.append(users[0])
    gens = [load_json(os.path.join(out, f)) for f in gen_files(out)]
    check(len(gens) == 2, f"{len(gens)} generation files")
    total = 0
    for d in gens:
        texts = {s["id"]: s["text"] for s in d["stories"]}
        for m in d["matches"]:
            ta, tb = texts[m["a"]], texts[m["b"]]
            hits = [p for p in judge_firsts if ta in p and tb in p]
            check(hits, f"gen-{d['generation']:03d}: no judge prompt quotes both {m['a']} and "
                  f"{m['b']} verbatim")
            check(any(p.index(ta) < p.index(tb) for p in hits),
                  f"gen-{d['generation']:03d}: {m['a']} (A) is not shown before {m['b']} (B)")
            total += 1
    check(kinds["judge"] == total,
          f"{kinds['judge']} judge requests for {total} matches")


@test
def secrets_kept(tmp):
    canary = "sk-e2e-" + secrets.token_hex(16)
    out = os.path.join(tmp, "out")
    with Sim(tmp, "--require-key", canary, log=True) as sim:
        res = run_evolve(sim, out, "--population", 6, "--generations", 1, "--top", 2,
                         "--variants", 1, "--rounds", 2, "--seed", 3,
                         env=clean_env(OPENAI_API_KEY=canary))
        stats = sim.stats()
    log_path = sim.log_path
    check(stats["requests"] > 0, "no requests")
    leaks = []
    if canary in res.out:
        leaks.append("stdout")
    if canary in res.err:
        leaks.append("stderr")
    for root, _dirs, names in os.walk(out):
        for name in names:
            with open(os.path.join(root, name), "rb") as f:
                if canary.encode() in f.read():
                    leaks.append(os.path.relpath(os.path.join(root, name), tmp))
    with open(log_path, "rb") as f:
        raw = f.read()
    if canary.encode() in raw:
        leaks.append("the endpoint's request log")
    check(not leaks, f"the API key appears in: {leaks}")
    recs = [json.loads(line) for line in raw.decode().splitlines() if line.strip()]
    check(recs and all(r.get("auth") for r in recs), "a request was sent without the bearer key")
    check(all(r.get("status") == 200 for r in recs), "the endpoint rejected the key")
    validate_run(out, 6, 1, 2, 1, 2, max_words=500)


@test
def faults(tmp):
    N, G, K, V, R = 16, 2, 3, 3, 4
    out = os.path.join(tmp, "out")
    with Sim(tmp, "--fault-rate", "0.2", "--faults", "all", "--slow-seconds", "4",
             "--seed", "11") as sim:
        run_evolve(sim, out, "--population", N, "--generations", G, "--top", K,
                   "--variants", V, "--rounds", R, "--timeout", 2, "--retries", 6,
                   "--seed", 5, timeout=180)
        stats = sim.stats()
    gens = validate_run(out, N, G, K, V, R, max_words=500)
    run = load_json(os.path.join(out, "run.json"))
    check(run.get("status") == "complete", f"run.json status {run.get('status')!r}")
    usage = run["usage"]
    check(usage.get("retries", 0) > 0, f"usage.retries is {usage.get('retries')!r}")
    kinds = sorted(k for k, v in stats["faults"].items() if v > 0)
    check(len(kinds) >= 4, f"the endpoint injected only {kinds}")
    nulls = sum(1 for d in gens for m in d["matches"] if m["winner"] is None)
    check(nulls == usage.get("matches_without_winner"),
          f"{nulls} matches without a winner in the files, run.json says "
          f"{usage.get('matches_without_winner')!r}")
    check(usage["requests"] == stats["requests"],
          f"usage.requests {usage['requests']} but the endpoint saw {stats['requests']}")
    check_best(out, gens[-1])
    no_temp_files(out)


def kendall_tau(x, y):
    conc = disc = tx = ty = 0
    for i in range(len(x)):
        for j in range(i + 1, len(x)):
            dx = (x[i] > x[j]) - (x[i] < x[j])
            dy = (y[i] > y[j]) - (y[i] < y[j])
            if dx == 0 and dy == 0:
                continue
            if dx == 0:
                tx += 1
            elif dy == 0:
                ty += 1
            elif dx == dy:
                conc += 1
            else:
                disc += 1
    denom = math.sqrt((conc + disc + tx) * (conc + disc + ty))
    return (conc - disc) / denom if denom else 0.0


@test
def ranking(tmp):
    N, R = 24, 10
    out = os.path.join(tmp, "out")
    with Sim(tmp, "--judge-noise", "0.5", "--seed", "4") as sim:
        run_evolve(sim, out, "--population", N, "--generations", 0, "--rounds", R,
                   "--seed", 9)
        truth = sim.truth()["stories"]
    (g0,) = validate_run(out, N, 0, 5, 5, R, max_words=500)
    elo, quality = [], []
    for s in g0["stories"]:
        ids = MARKER_RE.findall(s["text"])
        check(len(ids) == 1, f"{s['id']}: {len(ids)} simulated-story markers")
        check(ids[0] in truth, f"{s['id']}: marker #{ids[0]} unknown to the endpoint")
        elo.append(s["elo"])
        quality.append(truth[ids[0]]["quality"])
    check(len(set(MARKER_RE.findall(" ".join(s["text"] for s in g0["stories"])))) == N,
          "two stories carry the same marker")
    tau = kendall_tau(elo, quality)
    check(tau > 0.3, f"Kendall tau between elo and hidden quality is {tau:.3f} (<= 0.3)")


def check_failed_run(out, needles):
    run = load_json(os.path.join(out, "run.json"))
    check(run.get("status") == "failed", f"run.json status {run.get('status')!r}")
    err = run.get("error") or ""
    for n in needles:
        check(n.lower() in err.lower(), f"run.json error {err!r} lacks {n!r}")
    check(not gen_files(out), f"generation files written: {gen_files(out)}")
    check(not os.path.exists(os.path.join(out, "best.txt")), "best.txt written")
    no_temp_files(out)
    return run


@test
def fatal_status(tmp):
    # 401: the endpoint's message, and no retries.
    out = os.path.join(tmp, "out401")
    with Sim(tmp, "--status-all", "401", name="s401") as sim:
        r = run_evolve(sim, out, "--population", 4, "--generations", 0, "--rounds", 1,
                       expect=1, timeout=30)
        stats = sim.stats()
    check("HTTP 401" in r.err, f"401: stderr does not name HTTP 401: {short(r.err)}")
    check("Incorrect API key" in r.err, f"401: stderr lacks the endpoint's message: {short(r.err)}")
    check_failed_run(out, ["401", "Incorrect API key"])
    check(stats["requests"] <= 4, f"401: {stats['requests']} requests for 4 stories (retried?)")

    # 404: the message names the model.
    out = os.path.join(tmp, "out404")
    model = "no-such-model-" + secrets.token_hex(3)
    with Sim(tmp, "--status-all", "404", name="s404") as sim:
        r = run_bin(["evolve", "--model", model, "--base-url", sim.url, "--out", out,
                     "--population", 4, "--generations", 0, "--rounds", 1], timeout=30)
    check(r.rc == 1, f"404: {r!r}")
    check(model in r.err, f"404: stderr does not name the model {model}: {short(r.err)}")
    check("404" in r.err, f"404: stderr does not name HTTP 404: {short(r.err)}")
    check_failed_run(out, [model])

    # 503 with one retry: too few stories, and why.
    out = os.path.join(tmp, "out503")
    with Sim(tmp, "--status-all", "503", name="s503") as sim:
        r = run_evolve(sim, out, "--population", 4, "--generations", 0, "--rounds", 1,
                       "--retries", 1, expect=1, timeout=60)
        stats = sim.stats()
    check("HTTP 503" in r.err, f"503: stderr does not say HTTP 503: {short(r.err)}")
    check_failed_run(out, ["503"])
    check(stats["requests"] == 8, f"503 with --retries 1: {stats['requests']} requests for 4 "
          "stories, expected 8")


@test
def timeouts(tmp):
    out = os.path.join(tmp, "out")
    with Sim(tmp, "--fault-rate", "1", "--faults", "slow", "--slow-seconds", "5") as sim:
        r = run_evolve(sim, out, "--population", 4, "--generations", 0, "--rounds", 1,
                       "--timeout", 1, "--retries", 1, expect=1, timeout=60)
    limit = 15 * SLOW
    check(r.elapsed < limit, f"took {r.elapsed:.1f}s to give up (limit {limit}s)")
    check(re.search(r"tim(ed|e)[ -]?out", r.err, re.I), f"stderr does not mention the time-out: "
          f"{short(r.err)}")
    check_failed_run(out, [])
    return "time limit relaxed under valgrind" if VALGRIND else None


@test
def unparseable_verdicts(tmp):
    N, R = 10, 4
    out = os.path.join(tmp, "out")
    with Sim(tmp, "--fault-rate", "0.5", "--faults", "unparseable") as sim:
        run_evolve(sim, out, "--population", N, "--generations", 0, "--rounds", R, "--seed", 8)
        stats = sim.stats()
    (g0,) = validate_run(out, N, 0, 5, 5, R, max_words=500)
    usage = load_json(os.path.join(out, "run.json"))["usage"]
    check(usage.get("judge_reasks", 0) > 0, f"usage.judge_reasks is {usage.get('judge_reasks')!r}")
    check(usage["judge_reasks"] == stats["by_kind"]["reask"],
          f"usage.judge_reasks {usage['judge_reasks']} but the endpoint saw "
          f"{stats['by_kind']['reask']} follow-ups")
    nulls = sum(1 for m in g0["matches"] if m["winner"] is None)
    check(nulls <= len(g0["matches"]) // 10,
          f"{nulls} of {len(g0['matches'])} matches have no winner")
    check(nulls == usage.get("matches_without_winner"),
          f"{nulls} null winners, usage says {usage.get('matches_without_winner')!r}")


@test
def length_limit(tmp):
    N, G, K, V, R, W = 8, 1, 2, 2, 2, 120
    out = os.path.join(tmp, "out")
    with Sim(tmp, "--fault-rate", "1", "--faults", "overlong") as sim:
        run_evolve(sim, out, "--population", N, "--generations", G, "--top", K,
                   "--variants", V, "--rounds", R, "--max-words", W, "--seed", 6)
    gens = validate_run(out, N, G, K, V, R, max_words=W)
    usage = load_json(os.path.join(out, "run.json"))["usage"]
    check(usage.get("length_rewrites", 0) >= 2 * N,
          f"usage.length_rewrites is {usage.get('length_rewrites')!r}, expected >= {2 * N}")
    check(usage.get("trimmed_stories", 0) > 0, f"usage.trimmed_stories is "
          f"{usage.get('trimmed_stories')!r}")
    trimmed = 0
    for d in gens:
        for s in d["stories"]:
            check(s["words"] <= W, f"{s['id']}: {s['words']} words")
            if s["born"] == d["generation"] and s.get("trimmed") is True:
                trimmed += 1
    check(trimmed == usage["trimmed_stories"],
          f"{trimmed} stories marked \"trimmed\": true, usage says {usage['trimmed_stories']}")


@test
def reproducible(tmp):
    def one(name, seed):
        out = os.path.join(tmp, name)
        with Sim(tmp, "--seed", "21", name=name) as sim:
            run_evolve(sim, out, "--population", 12, "--generations", 0, "--rounds", 2,
                       "--seed", seed)
        d = load_json(os.path.join(out, "gen-000.json"))
        stories = sorted((s["id"], s["style"], s["theme"]) for s in d["stories"])
        matches = [(m["round"], m["a"], m["b"]) for m in d["matches"]]
        return stories, matches

    s1, m1 = one("run1", 1234)
    s2, m2 = one("run2", 1234)
    check(s1 == s2, "the same --seed gave different (id, style, theme) assignments")
    check(m1 == m2, "the same --seed gave different pairings")
    s3, m3 = one("run3", 98765)
    check(s3 != s1 or m3 != m1, "a different --seed gave the same assignment and pairing")


@test
def balance(tmp):
    styles = os.path.join(tmp, "styles.txt")
    themes = os.path.join(tmp, "themes.txt")
    with open(styles, "w") as f:
        f.write("# eight styles\n" + "".join(f"Style {i}: traits {i}\n" for i in range(8)))
    with open(themes, "w") as f:
        f.write("# four themes\n\n" + "".join(f"Theme {i}: focus {i}\n" for i in range(4)))
    out = os.path.join(tmp, "out")
    with Sim(tmp) as sim:
        run_evolve(sim, out, "--population", 32, "--generations", 0, "--rounds", 1,
                   "--styles", styles, "--themes", themes, "--seed", 13)
    d = load_json(os.path.join(out, "gen-000.json"))
    check(len(d["stories"]) == 32, f"{len(d['stories'])} stories")
    sc, tc, pairs = {}, {}, {}
    for s in d["stories"]:
        sc[s["style"]] = sc.get(s["style"], 0) + 1
        tc[s["theme"]] = tc.get(s["theme"], 0) + 1
        pairs[(s["style"], s["theme"])] = pairs.get((s["style"], s["theme"]), 0) + 1
    check(sorted(sc) == sorted(f"Style {i}: traits {i}" for i in range(8)),
          f"styles used: {sorted(sc)}")
    check(set(sc.values()) == {4}, f"style counts {sorted(sc.values())}, expected 4 each")
    check(set(tc.values()) == {8} and len(tc) == 4, f"theme counts {sorted(tc.values())}")
    check(max(pairs.values()) == 1, "a (style, theme) pair is used twice")


@test
def sigint(tmp):
    out = os.path.join(tmp, "out")
    with Sim(tmp, "--latency", "0.5:1") as sim:
        cmd = (VG_CMD if VALGRIND else []) + [BIN] + evolve_args(
            sim, out, "--population", 16, "--rounds", 6, "--generations", 3, "--top", 3,
            "--variants", 3)
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=clean_env())
        try:
            time.sleep(2.0 * (3 if VALGRIND else 1))
            check(p.poll() is None, f"the run ended before the signal (exit {p.returncode})")
            p.send_signal(signal.SIGINT)
            t0 = time.monotonic()
            limit = 5 * (6 if VALGRIND else 1)
            try:
                so, se = p.communicate(timeout=limit)
            except subprocess.TimeoutExpired:
                raise TestFail(f"still running {limit}s after SIGINT") from None
            waited = time.monotonic() - t0
        finally:
            if p.poll() is None:
                p.kill()
                p.communicate()
    res = Result(p.returncode, so.decode("utf-8", "replace"), se.decode("utf-8", "replace"),
                 waited)
    vg_check(res)
    check(res.rc == 130, f"exit {res.rc} after SIGINT, expected 130; stderr: {short(res.err)}")
    run = load_json(os.path.join(out, "run.json"))
    check(run.get("status") == "interrupted", f"run.json status {run.get('status')!r}")
    for name in os.listdir(out):
        path = os.path.join(out, name)
        if name == "best.txt":
            continue
        check(name.endswith(".json"), f"unexpected file {name}")
        load_json(path)
    no_temp_files(out)
    done = gen_files(out)
    check(run.get("generations_done") == len(done),
          f"run.json generations_done {run.get('generations_done')!r} but {len(done)} files")
    if done:
        gens = validate_run(out, 16, 3, 3, 3, 6, max_words=500, complete=False)
        if os.path.exists(os.path.join(out, "best.txt")):
            check_best(out, gens[-1])
    return "time limit relaxed under valgrind" if VALGRIND else None


@test
def concurrency(tmp):
    out = os.path.join(tmp, "out")
    with Sim(tmp, "--latency", "0.3") as sim:
        run_evolve(sim, out, "--population", 20, "--generations", 0, "--rounds", 1,
                   "--concurrency", 5)
        stats = sim.stats()
    usage = load_json(os.path.join(out, "run.json"))["usage"]
    check(stats["peak_in_flight"] <= 5, f"the endpoint saw {stats['peak_in_flight']} requests "
          "in flight with --concurrency 5")
    check(usage.get("peak_in_flight") == 5, f"usage.peak_in_flight is "
          f"{usage.get('peak_in_flight')!r}, expected 5")


@test
def install(tmp):
    prefix = os.path.join(tmp, "prefix")
    mk = subprocess.run(["make", "-C", REPO, "install", f"PREFIX={prefix}"],
                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT, env=clean_env(), timeout=300)
    check(mk.returncode == 0, f"make install failed: {short(mk.stdout.decode('utf-8', 'replace'))}")
    binary = os.path.join(prefix, "bin", "alphawrite")
    check(os.access(binary, os.X_OK), "no bin/alphawrite under PREFIX")
    out = os.path.join(tmp, "out")
    with Sim(tmp) as sim:
        r = run_bin(evolve_args(sim, out, "--population", 4, "--generations", 1, "--top", 2,
                                "--variants", 1, "--rounds", 1),
                    binary=binary, cwd="/", env=clean_env(ALPHAWRITE_DATADIR=None))
    check(r.rc == 0, f"installed binary run from /: {r!r}")
    validate_run(out, 4, 1, 2, 1, 1, max_words=500)
    files = load_json(os.path.join(out, "run.json"))["settings"].get("files") or {}
    real_prefix = os.path.realpath(prefix)
    for k in ("writer_template", "judge_template", "styles_file"):
        path = files.get(k)
        if path is not None:
            check(os.path.realpath(path).startswith(real_prefix + os.sep),
                  f"the installed binary used {path}, not its installed data")


@test
def quiet(tmp):
    args = ["--population", 6, "--generations", 1, "--top", 2, "--variants", 1,
            "--rounds", 1]
    with Sim(tmp) as sim:
        r = run_evolve(sim, os.path.join(tmp, "q"), *args, "--quiet")
        check(r.out == "" and r.err == "",
              f"--quiet printed stdout {short(r.out)!r} stderr {short(r.err)!r}")
        r = run_evolve(sim, os.path.join(tmp, "v"), *args)
    lines = r.err.splitlines()
    check("\r" not in r.err and "\033" not in r.err,
          "progress on a non-terminal uses carriage returns or escape codes")
    phases = [(0, "writ"), (0, "judg"), (1, "writ"), (1, "judg")]
    check(len(lines) == len(phases),
          f"{len(lines)} progress lines on stderr, expected {len(phases)}: {short(r.err)}")
    for line, (g, word) in zip(lines, phases):
        check(re.search(r"\bgeneration %d\b" % g, line, re.I) and word in line.lower(),
              f"progress line {line!r} is not generation {g} {word}...")


@test
def phase_gap(tmp):
    """A regression test: with an instant endpoint, the next phase starts at
    once (an old build slept 1 s in its poll after each phase's last reply)."""
    if VALGRIND:
        return "skipped under valgrind (timing)"
    out = os.path.join(tmp, "out")
    with Sim(tmp, log=True) as sim:
        run_evolve(sim, out, "--population", 6, "--generations", 0, "--rounds", 1)
        log = sim.log()
    stories = [r["t"] for r in log if r["kind"] == "story"]
    judges = [r["t"] for r in log if r["kind"] == "judge"]
    check(stories and judges, "missing requests in the log")
    gap = min(judges) - max(stories)
    check(gap < 0.5, f"{gap:.2f}s between the last story request and the first judge request "
          "at zero latency")


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------
def main(argv):
    names = [t.__name__ for t in TESTS]
    if "--list" in argv:
        print("\n".join(names))
        return 0
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    chosen = argv or names
    passed = failed = 0
    t_all = time.monotonic()
    if not os.access(BIN, os.X_OK):
        print(f"FAIL setup: {BIN} is missing; run make first")
        print("0 passed, 1 failed")
        return 1
    for name in chosen:
        fn = next((t for t in TESTS if t.__name__ == name), None)
        if fn is None:
            print(f"FAIL {name}: no such test (try --list)", flush=True)
            failed += 1
            continue
        tmp = tempfile.mkdtemp(prefix=f"aw-e2e-{name}-")
        ok = False
        try:
            note = fn(tmp)
            ok = True
            extra = f" # {note}" if note else ""
            print(f"ok {name}{extra}", flush=True)
        except TestFail as e:
            print(f"FAIL {name}: {e}", flush=True)
        except Exception as e:   # a bug in the test or the environment
            tb = traceback.format_exc().strip().splitlines()
            print(f"FAIL {name}: {type(e).__name__}: {e} [{tb[-3].strip() if len(tb) > 2 else ''}]",
                  flush=True)
        if ok:
            passed += 1
        else:
            failed += 1
        if ok or not KEEP:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"  (kept {tmp})", flush=True)
    print(f"# end-to-end tests took {time.monotonic() - t_all:.1f}s", flush=True)
    print(f"{passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
