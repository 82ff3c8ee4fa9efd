#!/usr/bin/env python3
"""tests/bench.py - `make bench`: figures for alphawrite against the simulated
endpoint (tests/simendpoint.py) on loopback.  It prints numbers and writes them
to files; it never fails because a machine is slow.  The exit status is 0
unless the binary or the simulator breaks (a crash, a failed run, a missing
file).

  python3 tests/bench.py [--quick] [--seeds N] [--jobs J] [--out DIR]
                         [--eval-only] [--eval-reps N] [--long-only]

  --quick    a small version (about a minute) for smoke tests
  --seeds N  seeds per scheme in part 1 [6; 2 with --quick]
  --jobs J   part 1 runs in parallel [2]; parts 2 and 3 always run alone
  --out DIR  where bench.md and regret.svg go [bench-out]

Part 1, ranking quality per judge call.  Each run ranks one initial population
of 60 stories (--generations 0) against a fresh simulator whose stories have a
hidden quality (GET /sim/truth) and whose judge is noisy and position-biased.
Every story's text starts with "[simulated story #N]", which maps alphawrite's
story ids to the simulator's.  Per run:
  calls    judge requests (gen-000.json judging.calls)
  recall   |selected top 5 ∩ true top 5| / 5
  regret   mean true quality of the true top 5 minus that of the selected 5
  tau      Kendall's tau-b between the file's ranking and true quality
averaged over seeds; every scheme sees the same seeds (the same simulated
stories), so differences between schemes are paired.

Part 2, time.  A paper-scale run (population 60, 5 generations, top 5,
5 variants) at 60 in flight against latencies uniform in 0.5-1.5 s: wall time,
requests, the lower bound calls x mean latency / concurrency, the critical-path
bound (sum over phases of max(calls x mean / concurrency, expected slowest
call of the phase)), window use and peak in flight.  The reference
implementation's wall time is modelled by a discrete-event simulation of its
documented scheduling (one wave of initial stories; tournament matches in
fixed chunks of 60, each waiting for its slowest call; 20 rounds; population
30 after the first generation; 25 variants per generation; 5 iterations;
1,985 calls), and the reference scheme is also run through our binary.

Part 3, CPU and memory of alphawrite (user+sys CPU per request, peak RSS) at
population 60 (paper scale) and 1,000 (one generation), latency 0.

Part 4, evaluation (`alphawrite compare`): do its intervals cover the truth?
With the simulator's position bias at 0 and at 0.5, one small evolve run gives
two pools of stories with known true qualities (generation 1 and generation
0), and compare is repeated --eval-reps times (120 pairs, each in both
orders, a new --seed each time).  The truth is the expected preference: the
mean over pairs of the judge's true P(A's story wins), averaged over the two
orders (which cancels the bias).  Two designs:
  fixed    A = the run's final top 5, B = its initial top 5, the same stories
           every time; the truth is that of the 120 pairs drawn
  sampled  5 (and, in a third row, 10) stories drawn afresh from each pool
           every time; the truth is that of the pools (every story of A
           against every story of B), what "evolved stories are preferred"
           claims about stories not yet written
and the share of repetitions whose Wilson interval (ci_lo..ci_hi) and
bootstrap interval over stories (ci_boot_lo..ci_boot_hi) contain the truth.
It also runs alone: --eval-only (and --eval-reps N, default 100; 20 with
--quick).  Written to bench-out/eval.md.

Part 5, long stories and training data (issue 14).  (a) Self-Lengthen: a run
with --min-words 1500 --max-words 2000 against a simulator whose replies stop
at 700 words (--reply-word-cap 700, --no-repeats 10), without and with text
faults (meta, repeat, noend, short at 30%): how many stories landed in range,
their length, the extension requests, rounds, retries and rejections.  (b)
`alphawrite export --format dpo` on runs of population 30, 2 generations:
how often a pair's chosen story has the higher hidden quality (by the marker
"[simulated story #N]" and /sim/truth), against how often a single raw
verdict does, and the true quality of the SFT export against the run's mean.
It also runs alone: --long-only.  Written to bench-out/longdata.md.
Parts 6 and 7 (tests/bench_issue13.py, run after part 3 and appended to
bench.md): --temperature auto against fixed temperatures with a hidden best
one, and --diversity W against lineage collapse, in paper-scale runs (10
seeds; 3 with --quick).  python3 tests/bench_issue13.py runs them alone.
"""
import argparse
import concurrent.futures
import datetime
import heapq
import json
import math
import os
import platform
import random
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from harness import BIN, MARKER_RE, REPO, Sim, TestFail, clean_env, kendall_tau
from validate import load_generations, load_json

# The simulated judge of part 1: noise 1 (logit = quality difference), a
# position bias of 0.5 logits for the story shown first, quality sd 1.
SIM_JUDGE = ["--judge-noise", "1.0", "--position-bias", "0.5", "--quality-sd", "1.0"]
RUN_TIMEOUT = 1200.0       # seconds before a hung run is killed and reported


class Broken(Exception):
    """The binary or the simulator broke (not a slow machine)."""


# --------------------------------------------------------------------------
# Running the simulator and the binary
# --------------------------------------------------------------------------
# The benchmark runs a private copy of ./alphawrite taken at the start (see
# snapshot_binary), so that a rebuild while it runs cannot mix two binaries.
RUN_BIN = BIN
RUN_ENV = None


def snapshot_binary(tmpdir):
    global RUN_BIN, RUN_ENV
    import hashlib
    import shutil
    RUN_BIN = os.path.join(tmpdir, "alphawrite")
    shutil.copy2(BIN, RUN_BIN)
    RUN_ENV = clean_env(ALPHAWRITE_DATADIR=REPO)  # loopback only, as the tests
    with open(RUN_BIN, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def evolve_cmd(url, out, seed, args):
    return [RUN_BIN, "evolve", "--model", "sim", "--base-url", url, "--out", out,
            "--seed", str(seed), "--quiet"] + list(args)


def watch_hwm(pid, box, stop):
    """Poll the process's VmHWM (peak resident memory of its own address
    space) until it ends.  rusage's ru_maxrss is no good here: Linux keeps
    the high-water mark of the address space a child had before exec, and a
    child of this Python process starts as a copy of it."""
    path = "/proc/%d/status" % pid
    while not stop.is_set():
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        box[0] = max(box[0], int(line.split()[1]))
        except (OSError, ValueError, IndexError):
            pass
        stop.wait(0.05)


def run_binary(cmd):
    """Run cmd; return (exit code, wall seconds, rusage of the child, stderr,
    peak resident memory in kB)."""
    t0 = time.monotonic()
    errf = tempfile.TemporaryFile()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errf, env=RUN_ENV)
    timer = threading.Timer(RUN_TIMEOUT, p.kill)
    timer.start()
    hwm, stop = [0], threading.Event()
    watcher = threading.Thread(target=watch_hwm, args=(p.pid, hwm, stop), daemon=True)
    watcher.start()
    try:
        _, status, ru = os.wait4(p.pid, 0)
    finally:
        timer.cancel()
        stop.set()
        watcher.join()
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - t0
    errf.seek(0)
    err = errf.read().decode(errors="replace")
    errf.close()
    return p.returncode, wall, ru, err, hwm[0] or ru.ru_maxrss


def sim_run(args, seed, sim_seed, latency="0", sim_extra=SIM_JUDGE, log=False):
    """Start a simulator, run `alphawrite evolve args`, collect everything;
    with log, also the simulator's request log (arrival time, kind, delay)."""
    with tempfile.TemporaryDirectory(prefix="aw-bench-") as tmp:
        out = os.path.join(tmp, "out")
        with Sim(tmp, "--seed", sim_seed, "--latency", latency, *sim_extra, log=log,
                 max_seconds=3600) as sim:
            code, wall, ru, err, peak_kb = run_binary(evolve_cmd(sim.url, out, seed, args))
            stats = sim.stats()
            truth = sim.truth()
        shown = " ".join(shlex.quote(a) for a in args)
        if code != 0:
            raise Broken("alphawrite evolve %s (seed %d) exited %d: %s"
                         % (shown, seed, code, err.strip()[-400:]))
        try:
            run = load_json(os.path.join(out, "run.json"))
            gens = load_generations(out)
        except (OSError, TestFail) as e:
            raise Broken("alphawrite evolve %s (seed %d): unreadable output: %s"
                         % (shown, seed, e))
        if not gens:
            raise Broken("alphawrite evolve %s (seed %d) wrote no gen-000.json" % (shown, seed))
        requests = [(rec["t"], rec.get("delay", 0.0), rec["kind"]) for rec in sim.log()]
        return {"run": run, "gens": gens, "stats": stats, "truth": truth, "wall": wall,
                "cpu": ru.ru_utime + ru.ru_stime, "utime": ru.ru_utime, "stime": ru.ru_stime,
                "rss_kb": peak_kb, "requests": requests}


# --------------------------------------------------------------------------
# Part 1: ranking quality per judge call
# --------------------------------------------------------------------------
PART1_BASE = ["--generations", "0", "--population", "60", "--top", "5", "--concurrency", "60"]
TOPK = 5


def sim_id(story):
    m = MARKER_RE.search(story.get("text") or "")
    if not m:
        raise Broken("story %s has no [simulated story #N] marker" % story.get("id"))
    return m.group(1)


def score_ranking(res):
    """Ranking quality of a --generations 0 run against the hidden truth."""
    gen = res["gens"][0]
    quality = {sid: s["quality"] for sid, s in res["truth"]["stories"].items()}
    stories = sorted(gen["stories"], key=lambda s: s["rank"])
    q = []
    for s in stories:
        sid = sim_id(s)
        if sid not in quality:
            raise Broken("story %s (sim #%s) is unknown to the simulator" % (s["id"], sid))
        q.append(quality[sid])
    if len(q) < 2 * TOPK:
        raise Broken("gen-000.json ranks only %d stories" % len(q))
    true_top = sorted(q, reverse=True)[:TOPK]
    chosen = q[:TOPK]
    cut = true_top[-1]
    recall = sum(1 for v in chosen if v >= cut) / TOPK
    regret = max(0.0, sum(true_top) / TOPK - sum(chosen) / TOPK)  # never below 0
    tau = kendall_tau([-s["rank"] for s in stories], q)
    j = gen["judging"]
    pairs = {tuple(sorted((m["a"], m["b"]))) for m in gen.get("matches", [])}
    nm = len(gen.get("matches", []))
    return {"rematch": 1 - len(pairs) / nm if nm else 0.0,
            "calls": j["calls"], "matches": j.get("matches"), "stopped": j.get("stopped"),
            "soft": j.get("soft_verdicts", 0), "recall": recall, "regret": regret, "tau": tau,
            "pairing": res["run"]["settings"].get("pairing"),
            "logprobs": res["run"]["usage"].get("logprobs")}


def part1_schemes(quick):
    """(key, family, label, pairing, budget label, flags)."""
    s = []
    ref_rounds = [2, 4, 10, 20] if quick else [2, 4, 8, 10, 20]
    for r in ref_rounds:
        s.append(("ref-R%d" % r, "reference", "random rounds + Elo", "random", "R=%d" % r,
                  ["--rounds", str(r), "--pairing", "random", "--rank-by", "elo",
                   "--judge-logprobs", "off"]))
    budgets = [2, 4, 8] if quick else [2, 4, 6, 8, 12]
    for verdicts, lp in (("hard", "off"), ("soft", "auto")):
        pairings = ["swiss", "boundary"] if quick else ["random", "swiss", "boundary"]
        for p in pairings:
            for m in budgets:
                s.append(("%s-%s-M%d" % (verdicts, p, m), verdicts, "BT, %s verdicts" % verdicts,
                          p, "M=%d" % m,
                          ["--judge-logprobs", lp, "--pairing", p, "--rank-by", "bt",
                           "--judge-budget", str(m)]))
            s.append(("%s-%s-M8-nes" % (verdicts, p), verdicts, "BT, %s verdicts" % verdicts,
                      p, "M=8, no early stop",
                      ["--judge-logprobs", lp, "--pairing", p, "--rank-by", "bt",
                       "--judge-budget", "8", "--no-early-stop"]))
    s.append(("default", "default", "defaults (no scheme flags)", "(default)", "(default)", []))
    return s


def mean(v):
    return sum(v) / len(v) if v else float("nan")


def se(v):
    return statistics.stdev(v) / math.sqrt(len(v)) if len(v) > 1 else float("nan")


def run_schemes(opts, schemes, base, failures, what):
    """Every scheme at every seed, opts.jobs at a time; one row per scheme."""
    seeds = list(range(opts.seeds))
    jobs = [(sc, i) for sc in schemes for i in seeds]
    results = {}

    def one(job):
        sc, i = job
        res = sim_run(base + sc[5], seed=101 + i, sim_seed=5003 + 17 * i)
        return score_ranking(res)

    with concurrent.futures.ThreadPoolExecutor(max_workers=opts.jobs) as ex:
        futs = {ex.submit(one, job): job for job in jobs}
        for f in concurrent.futures.as_completed(futs):
            sc, i = futs[f]
            try:
                results[(sc[0], i)] = f.result()
            except Broken as e:
                failures.append("%s %s seed %d: %s" % (what, sc[0], i, e))
            except Exception as e:  # the simulator broke (HTTP error, bad JSON)
                failures.append("%s %s seed %d: %s: %s" % (what, sc[0], i, type(e).__name__, e))
    rows = []
    for sc in schemes:
        per = [results[(sc[0], i)] for i in seeds if (sc[0], i) in results]
        if not per:
            continue
        stops = {}
        for r in per:
            stops[r["stopped"]] = stops.get(r["stopped"], 0) + 1
        rows.append({
            "key": sc[0], "family": sc[1], "label": sc[2], "pairing": sc[3], "budget": sc[4],
            "flags": sc[5], "n": len(per),
            "calls": mean([r["calls"] for r in per]),
            "recall": mean([r["recall"] for r in per]),
            "regret": mean([r["regret"] for r in per]),
            "regret_se": se([r["regret"] for r in per]),
            "tau": mean([r["tau"] for r in per]),
            "rematch": mean([r["rematch"] for r in per]),
            "stops": stops,
            "soft": mean([r["soft"] / max(r["matches"] or 1, 1) for r in per]),
            "used_pairing": per[0]["pairing"], "logprobs": per[0]["logprobs"],
            "per_seed": {i: results[(sc[0], i)]["regret"] for i in seeds
                         if (sc[0], i) in results},
        })
    return rows


def part1(opts, failures):
    schemes = part1_schemes(opts.quick)
    t0 = time.monotonic()
    print("part 1: %d schemes x %d seeds = %d runs, %d at a time"
          % (len(schemes), opts.seeds, len(schemes) * opts.seeds, opts.jobs), flush=True)
    rows = run_schemes(opts, schemes, PART1_BASE, failures, "part 1")
    return rows, time.monotonic() - t0


def window_check(opts, failures):
    """The barrier-free tournament at --concurrency 61 instead of 60.  With a
    population of n and a window of w, a story may be in ceil(2w/n) matches
    at once; when 2w is a multiple of n the window holds every free slot, so
    the only free pair after a verdict is the pair just judged.  This check
    shows what that costs (the rematch share and the regret)."""
    keys = ("hard-swiss-M8", "default") if opts.quick else \
        ("hard-random-M8", "hard-swiss-M8", "hard-boundary-M8", "soft-random-M8",
         "soft-swiss-M8", "soft-boundary-M8", "default")
    schemes = [sc for sc in part1_schemes(opts.quick) if sc[0] in keys]
    base = [a if a != "60" or PART1_BASE[k - 1] != "--concurrency" else "61"
            for k, a in enumerate(PART1_BASE)]
    print("part 1b: %d schemes x %d seeds at --concurrency 61" % (len(schemes), opts.seeds),
          flush=True)
    return run_schemes(opts, schemes, base, failures, "part 1b")


def margin(best, other):
    """'by D ± SE, clear' or '... within noise': other's regret minus best's, paired."""
    d = [other["per_seed"][i] - best["per_seed"][i] for i in best["per_seed"]
         if i in other["per_seed"]]
    m, e = mean(d), se(d)
    return "ahead of %s by %.3f ± %.3f (paired), %s" % (
        other["pairing"], m, e, "clear" if e == e and m > 2 * e else "within noise")


def part1_findings(rows, wc=()):
    """What the numbers say, as lines of markdown (and a dict for stdout)."""
    by = {r["key"]: r for r in rows}
    ref = by.get("ref-R20")
    lines = []
    found = {}
    if ref is None:
        return ["The reference scheme at R=20 did not run; nothing to compare against."], found
    ours = [r for r in rows if r["family"] in ("hard", "soft", "default")]
    # paired differences against the reference at R=20 (same seeds, same stories)
    for r in rows:
        d = [r["per_seed"][i] - ref["per_seed"][i] for i in r["per_seed"] if i in ref["per_seed"]]
        r["dregret"], r["dregret_se"] = mean(d), se(d)
    lines.append("- The reference scheme (random rounds + Elo, R=20) spends **%.0f** judge calls "
                 "for a regret of **%.3f** ± %.3f (standard error over %d seeds)."
                 % (ref["calls"], ref["regret"], ref["regret_se"], ref["n"]))
    match = [r for r in ours if r["regret"] <= ref["regret"]]
    if match:
        best = min(match, key=lambda r: (r["calls"], r["regret"]))
        ratio = ref["calls"] / best["calls"]
        met = best["calls"] <= ref["calls"] / 3.0
        found.update(ref_regret=ref["regret"], ref_calls=ref["calls"], best=best, ratio=ratio,
                     met=met)
        lines.append("- The fewest calls any of our schemes needs to match or beat that regret: "
                     "**%.0f** (%s, %s %s: regret %.3f ± %.3f; paired difference to the "
                     "reference %+.3f ± %.3f). That is **%.2fx fewer** calls (%.0f%% of the "
                     "reference's)."
                     % (best["calls"], best["label"], best["pairing"], best["budget"],
                        best["regret"], best["regret_se"], best["dregret"], best["dregret_se"],
                        ratio, 100.0 / ratio))
        lines.append("- Target \"the same or lower regret with at most a third of the judge "
                     "calls\" (at most %.0f calls): **%s**."
                     % (ref["calls"] / 3.0, "met" if met else "not met"))
        third = [r for r in ours if r["calls"] <= ref["calls"] / 3.0]
        if third:
            b3 = min(third, key=lambda r: r["regret"])
            lines.append("- Lowest regret within a third of the calls: %.3f ± %.3f at %.0f calls "
                         "(%s, %s %s; paired difference to the reference %+.3f ± %.3f)."
                         % (b3["regret"], b3["regret_se"], b3["calls"], b3["label"],
                            b3["pairing"], b3["budget"], b3["dregret"], b3["dregret_se"]))
    else:
        found.update(ref_regret=ref["regret"], ref_calls=ref["calls"], best=None, ratio=None,
                     met=False)
        lines.append("- None of our schemes matches the reference's regret at any budget "
                     "measured; the target \"the same or lower regret with at most a third "
                     "of the judge calls\" is **not met**.")
    hard = [r for r in rows if r["family"] == "hard"]
    hmatch = [r for r in hard if r["regret"] <= ref["regret"]]
    if hard:
        if hmatch:
            hb = min(hmatch, key=lambda r: (r["calls"], r["regret"]))
            lines.append("- With hard verdicts only (`--judge-logprobs off`, for judges without "
                         "logprobs): the fewest calls to match the reference is %.0f (%s %s, "
                         "regret %.3f), %.2fx fewer."
                         % (hb["calls"], hb["pairing"], hb["budget"], hb["regret"],
                            ref["calls"] / hb["calls"]))
        else:
            hb = min(hard, key=lambda r: r["regret"])
            lines.append("- With hard verdicts only (`--judge-logprobs off`, for judges without "
                         "logprobs) no budget measured (up to %.0f calls) matches the "
                         "reference's regret; the best is %.3f ± %.3f (%s %s, %.0f calls)."
                         % (max(r["calls"] for r in hard), hb["regret"], hb["regret_se"],
                            hb["pairing"], hb["budget"], hb["calls"]))
    lines.append("- Soft verdicts here use the simulator's logprobs, which are calibrated "
                 "(gamma 1: the reported probability is the judge's true one), the best case "
                 "for them; a real judge's probabilities are less informative.")
    # the pairing at the default budget (8) with the default verdicts (auto = soft here)
    for fam, what in (("soft", "soft verdicts (the default, --judge-logprobs auto)"),
                      ("hard", "hard verdicts")):
        cands = [r for r in rows if r["family"] == fam and r["budget"] == "M=8"]
        nes = {r["pairing"]: r for r in rows if r["family"] == fam
               and r["budget"] == "M=8, no early stop"}
        if not cands:
            continue
        cands.sort(key=lambda r: (r["regret"], r["calls"]))
        best = cands[0]
        parts = ", ".join("%s %.3f ± %.3f at %.0f calls" % (r["pairing"], r["regret"],
                                                             r["regret_se"], r["calls"])
                          for r in cands)
        line = ("- Best pairing at the default budget (M=8, early stop allowed), %s: "
                "**%s** (regret: %s; %s)." % (what, best["pairing"], parts,
                                              margin(best, cands[1]) if len(cands) > 1 else ""))
        if nes:
            nb = min(nes.values(), key=lambda r: r["regret"])
            line += (" Without early stop (every pairing spends the same calls) the best is "
                     "%s (%s)." % (nb["pairing"], ", ".join(
                         "%s %.3f" % (p, r["regret"]) for p, r in sorted(nes.items()))))
        if fam == "soft":
            found["best_pairing"] = best["pairing"]
        lines.append(line)
    for fam in ("soft", "hard"):
        w = sorted([r for r in wc if r["family"] == fam and r["budget"] == "M=8"],
                   key=lambda r: (r["regret"], r["calls"]))
        if len(w) < 2:
            continue
        if fam == "soft":
            found["best_pairing_61"] = w[0]["pairing"]
        lines.append("- The same comparison at `--concurrency 61` (see the window check "
                     "below), %s verdicts, M=8: **%s** (%s; %s)."
                     % (fam, w[0]["pairing"], ", ".join(
                         "%s %.3f ± %.3f" % (r["pairing"], r["regret"], r["regret_se"])
                         for r in w), margin(w[0], w[1])))
    ours_es = [r for r in ours if r["family"] != "default" and "no early" not in r["budget"]]
    runs = sum(r["n"] for r in ours_es + [r for r in rows if r["family"] == "default"])
    stable = sum(r["stops"].get("stable", 0) for r in ours_es + [r for r in rows
                                                                if r["family"] == "default"])
    found["early_stops"] = (stable, runs)
    lines.append("- Early stop (\"stable\"): %d of %d runs that allowed it stopped before their "
                 "budget%s." % (stable, runs, "" if stable else
                               "; so every \"M=8\" row spent the same calls as its "
                               "\"no early stop\" twin, and the two differ by noise only"))
    bad = [r for r in rows if r["rematch"] > 0.2]
    if bad:
        found["rematch_rows"] = len(bad)
        lines.append("- **Rematches**: in %d of %d schemes more than 20%% of the matches replay a "
                     "pair already judged (worst: %s %s %s, %.0f%%); with 60 stories and "
                     "`--concurrency 60` the barrier-free tournament lets a story be in 2 "
                     "matches at once, the window then holds every free slot, and the only "
                     "pair free after a verdict is the pair just judged. See the check at "
                     "`--concurrency 61` below. The pairing rule then chooses little more "
                     "than the first window's pairs, so the pairing comparison at 60 says "
                     "little about the rules."
                     % (len(bad), len(rows), *(lambda w: (w["label"], w["pairing"], w["budget"],
                                                         100 * w["rematch"]))(
                         max(bad, key=lambda r: r["rematch"]))))
    lines.append("- Every figure here is a mean over %d seeds whose verdicts also depend on "
                 "reply timing; identical settings (an \"M=8\" row and its \"no early stop\" "
                 "twin when nothing stops early) differ by about a standard error or two."
                 % max(r["n"] for r in rows))
    d = by.get("default")
    if d:
        found["default_pairing"] = d["used_pairing"]
        lines.append("- The binary's default pairing is **%s** (run.json settings.pairing of the "
                     "default row); the lowest soft-verdict regret at M=8 and --concurrency 60 "
                     "%s it (see the margins above before reading much into that)."
                     % (d["used_pairing"],
                        "agrees with" if found.get("best_pairing") == d["used_pairing"]
                        else "does not agree with"))
    return lines, found


# --------------------------------------------------------------------------
# The regret-versus-calls SVG
# --------------------------------------------------------------------------
def nice_step(span, target=6):
    raw = span / target if span > 0 else 1
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def esc(t):
    return (str(t).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def write_svg(path, rows, found):
    series = {}
    for r in rows:
        if r["family"] == "reference":
            name = "reference: random rounds + Elo (R)"
        elif r["family"] in ("hard", "soft") and r["budget"].startswith("M=") and \
                "no early" not in r["budget"]:
            name = "%s, BT, %s verdicts (M)" % (r["pairing"], r["family"])
        else:
            continue
        series.setdefault(name, []).append(r)
    extra = [r for r in rows if r["family"] == "default" or "no early" in r["budget"]]
    pts = [r for v in series.values() for r in v] + extra
    if not pts:
        return False
    W, H = 860, 520
    ml, mr, mt, mb = 70, 290, 40, 60
    pw, ph = W - ml - mr, H - mt - mb
    xmax = max(r["calls"] for r in pts) * 1.05
    xs = nice_step(xmax)
    xmax = math.ceil(xmax / xs) * xs
    ytop = max(r["regret"] + (r["regret_se"] if r["regret_se"] == r["regret_se"] else 0)
               for r in pts)
    ytop = max(ytop, 0.05) * 1.05
    ys = nice_step(ytop, 5)
    ytop = math.ceil(ytop / ys) * ys

    def X(v):
        return ml + pw * v / xmax

    def Y(v):
        return mt + ph * (1 - v / ytop)

    pair_color = {"reference": "#000000", "random": "#2ca02c", "swiss": "#1f77b4",
                  "boundary": "#ff7f0e"}
    colors = ["#000000", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#d62728", "#17becf",
              "#8c564b", "#e377c2"]
    o = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
         'viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">' % (W, H, W, H),
         '<rect width="100%" height="100%" fill="white"/>',
         '<text x="%d" y="22" font-size="15" font-weight="bold">Regret of the chosen top %d '
         'versus judge calls (population 60, mean over seeds, ±1 s.e.)</text>' % (ml, TOPK)]
    # grid, ticks, labels
    v = 0.0
    while v <= xmax + 1e-9:
        o.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#e5e5e5"/>'
                 % (X(v), mt, X(v), mt + ph))
        o.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="black"/>'
                 % (X(v), mt + ph, X(v), mt + ph + 5))
        o.append('<text x="%.1f" y="%d" text-anchor="middle">%g</text>' % (X(v), mt + ph + 18, v))
        v += xs
    v = 0.0
    while v <= ytop + 1e-9:
        o.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#e5e5e5"/>'
                 % (ml, Y(v), ml + pw, Y(v)))
        o.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="black"/>'
                 % (ml - 5, Y(v), ml, Y(v)))
        o.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>'
                 % (ml - 8, Y(v) + 4, ("%.3f" % v).rstrip("0").rstrip(".") if v else "0"))
        v += ys
    o.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="black"/>'
             % (ml, mt, pw, ph))
    o.append('<text x="%.1f" y="%d" text-anchor="middle">judge calls</text>'
             % (ml + pw / 2, H - 15))
    o.append('<text x="18" y="%.1f" text-anchor="middle" transform="rotate(-90 18 %.1f)">'
             'regret (true quality lost in the chosen %d)</text>'
             % (mt + ph / 2, mt + ph / 2, TOPK))
    # reference lines: regret at 600 calls and a third of its calls
    if found.get("ref_regret") is not None:
        rr, rc = found["ref_regret"], found["ref_calls"]
        if rr <= ytop:
            o.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#555" '
                     'stroke-dasharray="6,4"/>' % (ml, Y(rr), ml + pw, Y(rr)))
            o.append('<text x="%d" y="%.1f" fill="#555" text-anchor="end">reference at %.0f '
                     'calls</text>' % (ml + pw - 4, Y(rr) - 5, rc))
        o.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#555" '
                 'stroke-dasharray="2,3"/>' % (X(rc / 3), mt, X(rc / 3), mt + ph))
        o.append('<text x="%.1f" y="%d" fill="#555">a third: %.0f calls</text>'
                 % (X(rc / 3) + 4, mt + 14, rc / 3))
    legend = []
    order = {"reference": 0, "random": 1, "swiss": 2, "boundary": 3}
    for n, (name, rs) in enumerate(sorted(series.items(), key=lambda kv: (
            order.get(kv[0].split(",")[0].split(":")[0], 9), "soft" in kv[0]))):
        c = pair_color.get(name.split(",")[0].split(":")[0], colors[n % len(colors)])
        dash = ' stroke-dasharray="5,3"' if "hard" in name else ""
        rs = sorted(rs, key=lambda r: r["calls"])
        o.append('<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>'
                 % (c, dash, " ".join("%.1f,%.1f" % (X(r["calls"]), Y(r["regret"])) for r in rs)))
        for r in rs:
            if r["regret_se"] == r["regret_se"]:
                o.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" '
                         'stroke-opacity="0.5"/>'
                         % (X(r["calls"]), Y(max(0, r["regret"] - r["regret_se"])),
                            X(r["calls"]), Y(r["regret"] + r["regret_se"]), c))
            o.append('<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s</title></circle>'
                     % (X(r["calls"]), Y(r["regret"]), c,
                        esc("%s %s: %.0f calls, regret %.3f" % (name, r["budget"], r["calls"],
                                                                r["regret"]))))
        legend.append(("line", c, dash, name))
    for r in extra:
        shape = "star" if r["family"] == "default" else "square"
        c = "#d62728" if r["family"] == "default" else "#777777"
        x, y = X(r["calls"]), Y(r["regret"])
        title = esc("%s %s %s: %.0f calls, regret %.3f" % (r["label"], r["pairing"], r["budget"],
                                                          r["calls"], r["regret"]))
        if shape == "star":
            o.append('<path d="M%.1f %.1fl2.4 5.2 5.6 .6-4.2 3.8 1.2 5.6-5-2.9-5 2.9 1.2-5.6'
                     '-4.2-3.8 5.6-.6z" fill="%s"><title>%s</title></path>'
                     % (x, y - 7, c, title))
        else:
            o.append('<rect x="%.1f" y="%.1f" width="6" height="6" fill="none" stroke="%s">'
                     '<title>%s</title></rect>' % (x - 3, y - 3, c, title))
    if any(r["family"] == "default" for r in extra):
        legend.append(("star", "#d62728", "", "defaults (no scheme flags)"))
    if any(r["family"] != "default" for r in extra):
        legend.append(("square", "#777777", "", "M=8, no early stop"))
    lx, ly = ml + pw + 15, mt + 5
    o.append('<rect x="%d" y="%d" width="%d" height="%d" fill="white" stroke="#999"/>'
             % (lx - 8, ly - 5, mr - 18, 22 * len(legend) + 48))
    o.append('<text x="%d" y="%d" font-weight="bold">scheme (budget varies)</text>'
             % (lx, ly + 12))
    o.append('<text x="%d" y="%d" fill="#555">dashed: hard verdicts; solid: soft</text>'
             % (lx, ly + 34 + 22 * len(legend)))
    for k, (kind, c, dash, name) in enumerate(legend):
        y = ly + 34 + 22 * k
        if kind == "line":
            o.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"%s/>'
                     % (lx, y - 4, lx + 26, y - 4, c, dash))
        elif kind == "star":
            o.append('<path d="M%d %dl2.4 5.2 5.6 .6-4.2 3.8 1.2 5.6-5-2.9-5 2.9 1.2-5.6'
                     '-4.2-3.8 5.6-.6z" fill="%s"/>' % (lx + 13, y - 11, c))
        else:
            o.append('<rect x="%d" y="%d" width="6" height="6" fill="none" stroke="%s"/>'
                     % (lx + 10, y - 7, c))
        o.append('<text x="%d" y="%d">%s</text>' % (lx + 34, y, esc(name)))
    o.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(o) + "\n")
    return True


# --------------------------------------------------------------------------
# Part 2: time and resources
# --------------------------------------------------------------------------
def expected_max(lo, hi, n):
    """E[max of n uniform(lo, hi)]."""
    return lo + (hi - lo) * n / (n + 1) if n > 0 else 0.0


def run_phases(gens, population):
    """[(phase name, calls)] of a finished run, from the gen files."""
    phases = [("stories g0", population)]
    for g, gen in enumerate(gens):
        if g > 0:
            born = sum(1 for s in gen["stories"] if s.get("born") == g)
            born += sum(1 for s in gen.get("failed", []) if s.get("born", g) == g)
            phases.append(("variants g%d" % g, born))
        phases.append(("judge g%d" % g, gen["judging"]["calls"]))
    return phases


def critical_bound(phases, conc, lo, hi):
    m = (lo + hi) / 2
    return sum(max(c * m / conc, expected_max(lo, hi, c)) for _, c in phases if c > 0)


def gather_time(lats, limit):
    """asyncio.gather of calls under a Semaphore(limit): when the last one ends."""
    if not lats:
        return 0.0
    if limit <= 0 or len(lats) <= limit:
        return max(lats)
    ends = list(lats[:limit])
    heapq.heapify(ends)
    for lat in lats[limit:]:
        heapq.heappush(ends, heapq.heappop(ends) + lat)
    return max(ends)


def reference_model(lo, hi, n0=60, iters=5, top=5, variants=5, rounds=20, chunk=60,
                    limit=60, draws=2000, seed=12345):
    """Discrete-event model of the reference implementation's scheduling
    (reference-implementation.md section 1): the initial stories in one gather,
    each tournament's R*floor(n/2) matches cut into fixed chunks of `chunk`
    that each wait for their slowest call, then the k*v variants in one gather;
    the population is k + k*v after the first iteration.  Returns (mean wall,
    standard deviation, calls, waves)."""
    rng = random.Random(seed)
    walls = []
    calls = waves = 0
    for d in range(draws):
        t = 0.0
        c = w = 0

        def wave(n):
            nonlocal t, c, w
            t += gather_time([rng.uniform(lo, hi) for _ in range(n)], limit)
            c += n
            w += 1

        wave(n0)
        n = n0
        for _ in range(iters):
            matches = rounds * (n // 2)
            for s in range(0, matches, chunk):
                wave(min(chunk, matches - s))
            wave(top * variants)
            n = top + top * variants
        walls.append(t)
        calls, waves = c, w
    return mean(walls), statistics.pstdev(walls), calls, waves


STRIP = " ▁▂▃▄▅▆▇█"


def window_profile(requests, conc, lo, step=0.5):
    """Where a run leaves the request window idle, from the simulator's log:
    a strip of the window's use over time (one character per step seconds,
    blank = empty, █ = full), the idle slot-seconds in all, and the share of
    them that falls in the drains: gaps in the sending of judge requests
    longer than the shortest latency, and the time after the last one, when
    a tournament had sent its last match and waited for the verdicts."""
    if not requests:
        return None
    t0 = min(t for t, _, _ in requests)
    spans = [(t - t0, t - t0 + d) for t, d, _ in requests]
    end = max(e for _, e in spans)
    nb = max(1, int(math.ceil(end / step)))
    busy = [0.0] * nb
    for s, e in spans:
        b = int(s / step)
        while b < nb and b * step < e:
            busy[b] += max(0.0, min(e, (b + 1) * step) - max(s, b * step))
            b += 1
    strip = "".join(STRIP[min(len(STRIP) - 1, int(round(x / step / conc * (len(STRIP) - 1))))]
                    for x in busy)
    sends = sorted(t - t0 for t, _, k in requests if k in ("judge", "reask"))
    drains = [(a, b) for a, b in zip(sends, sends[1:]) if b - a > lo] + [(sends[-1], end)] \
        if sends else []

    def idle_in(a, b):
        return conc * (b - a) - sum(max(0.0, min(e, b) - max(s, a)) for s, e in spans)

    idle = idle_in(0.0, end)
    drained = sum(idle_in(a, b) for a, b in drains)
    return {"strip": strip, "step": step, "idle": idle, "drain_share": drained / idle if idle > 0
            else 0.0, "drains": len(drains), "drain_secs": sum(b - a for a, b in drains)}


def timed_run(name, args, latency, lo, hi, conc, population, seed=7, sim_seed=77):
    res = sim_run(args, seed=seed, sim_seed=sim_seed, latency=latency, log=True)
    usage = res["run"]["usage"]
    phases = run_phases(res["gens"], population)
    calls = usage["requests"]
    return {"name": name, "args": args, "wall": res["wall"], "calls": calls,
            "sim_requests": res["stats"]["requests"],
            "judge_calls": sum(g["judging"]["calls"] for g in res["gens"]),
            "lower": calls * (lo + hi) / 2 / conc, "bound": critical_bound(phases, conc, lo, hi),
            "phases": phases, "window": usage.get("window_use"),
            "peak": usage.get("peak_in_flight"), "sim_peak": res["stats"]["peak_in_flight"],
            "stops": [g["judging"].get("stopped") for g in res["gens"]],
            "rematch": [1 - len({tuple(sorted((m["a"], m["b"]))) for m in g["matches"]})
                        / max(len(g["matches"]), 1) for g in res["gens"]],
            "early": usage.get("early_variants", 0), "discarded": usage.get("discarded_variants", 0),
            "cpu": res["cpu"], "rss_kb": res["rss_kb"],
            "profile": window_profile(res["requests"], conc, lo)}


def part2(opts, failures):
    if opts.quick:
        lo, hi, gens = 0.1, 0.3, 1
    else:
        lo, hi, gens = 0.5, 1.5, 5
    conc = 60
    latency = "%g:%g" % (lo, hi)
    base = ["--population", "60", "--generations", str(gens), "--top", "5", "--variants", "5",
            "--concurrency", str(conc)]
    ref_flags = ["--rounds", "20", "--pairing", "random", "--rank-by", "elo",
                 "--judge-logprobs", "off"]
    out = {"lo": lo, "hi": hi, "gens": gens, "conc": conc, "latency": latency, "base": base,
           "ref_flags": ref_flags, "runs": []}
    print("part 2: paper-scale runs at latency %s s, %d in flight" % (latency, conc), flush=True)
    for name, args in (("ours, defaults", base),
                       ("ours, --early-variants 0", base + ["--early-variants", "0"]),
                       ("ours, --early-variants 0.3", base + ["--early-variants", "0.3"]),
                       ("reference scheme on our client", base + ref_flags)):
        try:
            out["runs"].append(timed_run(name, args, latency, lo, hi, conc, 60))
        except Broken as e:
            failures.append("part 2 %s: %s" % (name, e))
        except Exception as e:
            failures.append("part 2 %s: %s: %s" % (name, type(e).__name__, e))
    t0 = time.monotonic()
    m, sd, calls, waves = reference_model(lo, hi, iters=gens, draws=300 if opts.quick else 2000)
    out["model"] = {"wall": m, "sd": sd, "calls": calls, "waves": waves,
                    "seconds": time.monotonic() - t0}
    return out


# --------------------------------------------------------------------------
# Part 3: CPU and memory
# --------------------------------------------------------------------------
def part3(opts, failures):
    big = 200 if opts.quick else 1000
    cases = [("population 60, %d generation%s" % ((1, "") if opts.quick else (5, "s")), 60,
              ["--population", "60", "--generations", "1" if opts.quick else "5", "--top", "5",
               "--variants", "5", "--concurrency", "60"]),
             ("population %d, 1 generation" % big, big,
              ["--population", str(big), "--generations", "1", "--top", "5", "--variants", "5",
               "--concurrency", "60"])]
    print("part 3: CPU and memory at latency 0", flush=True)
    rows = []
    for name, n, args in cases:
        try:
            res = sim_run(args, seed=11, sim_seed=111, latency="0")
        except Broken as e:
            failures.append("part 3 %s: %s" % (name, e))
            continue
        except Exception as e:
            failures.append("part 3 %s: %s: %s" % (name, type(e).__name__, e))
            continue
        req = res["run"]["usage"]["requests"]
        rows.append({"name": name, "population": n, "args": args, "requests": req,
                     "judge_calls": sum(g["judging"]["calls"] for g in res["gens"]),
                     "wall": res["wall"], "utime": res["utime"], "stime": res["stime"],
                     "cpu_ms": 1000 * res["cpu"] / max(req, 1),
                     "rss_mb": res["rss_kb"] / 1024.0})
    return rows, big


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------
def fmt_stops(st):
    n = sum(st.values())
    return ", ".join("%s %d/%d" % (k, v, n)
                     for k, v in sorted(st.items(), key=lambda kv: str(kv[0])))


def md_table(head, rows):
    out = ["| " + " | ".join(head) + " |",
           "|" + "|".join("---:" if h.startswith(("calls", "recall", "regret", "tau", "Δ", "wall",
                                                 "requests", "CPU", "peak", "bound", "lower", "judge",
                                                 "rematch",
                                                 "window", "ratio", "user", "sys", "seeds"))
                          else "---" for h in head) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return out


def git_describe():
    try:
        h = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                           capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no",
                                "--", "src", "include", "prompts", "rubrics", "Makefile"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return h + (" (with uncommitted changes in src/include)" if dirty else "") if h \
            else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def write_md(path, opts, argv, started, total, p1, p1_secs, findings, wc, p2, p3, big,
             failures):
    L = []
    L.append("# alphawrite benchmark")
    L.append("")
    L.append("- date: %s" % started.strftime("%Y-%m-%d %H:%M:%S %Z").strip())
    L.append("- machine: %d CPUs (nproc; %s), %s, Python %s"
             % (os.cpu_count() or 0, cpu_model(), platform.platform(), platform.python_version()))
    L.append("- alphawrite: %s at commit %s, sha256 %s… (a copy taken at the start is "
             "what ran)" % (os.path.relpath(BIN), opts.commit, opts.sha[:16]))
    L.append("- benchmark: `python3 tests/bench.py%s` took %.0f s (part 1: %.0f s)"
             % ((" " + " ".join(shlex.quote(a) for a in argv)) if argv else "", total, p1_secs))
    L.append("")
    L.append("Exact commands (PORT is the simulator's, S the seed index):")
    L.append("")
    L.append("```")
    L.append("# part 1, one fresh simulator per run; seeds S = 0..%d" % (opts.seeds - 1))
    L.append("python3 tests/simendpoint.py --port 0 --port-file F --seed $((5003+17*S)) "
             "--latency 0 %s" % " ".join(SIM_JUDGE))
    L.append("./alphawrite evolve --model sim --base-url http://127.0.0.1:PORT/v1 --out DIR "
             "--seed $((101+S)) --quiet %s SCHEME-FLAGS" % " ".join(PART1_BASE))
    if p2:
        L.append("# part 2 (simulator with --seed 77 --latency %s %s)"
                 % (p2["latency"], " ".join(SIM_JUDGE)))
        L.append("./alphawrite evolve ... --seed 7 %s" % " ".join(p2["base"]))
        L.append("./alphawrite evolve ... --seed 7 %s %s"
                 % (" ".join(p2["base"]), " ".join(p2["ref_flags"])))
    if p3:
        L.append("# part 3 (simulator with --seed 111 --latency 0 %s)" % " ".join(SIM_JUDGE))
        for r in p3:
            L.append("./alphawrite evolve ... --seed 11 %s" % " ".join(r["args"]))
    L.append("```")
    L.append("")
    if failures:
        L.append("## Failures (the binary or the simulator broke)")
        L.append("")
        L += ["- " + f.replace("\n", " ") for f in failures]
        L.append("")
    L.append("## Part 1: ranking quality per judge call")
    L.append("")
    L.append("Population 60, top %d, `--generations 0 --concurrency 60`, simulator judge: "
             "logit P(A wins) = (quality A − quality B) / 1.0 + 0.5 (position bias), "
             "qualities ~ N(0, 1), logprobs calibrated (gamma 1). Means over %d seeds (the same "
             "seeds, hence the same stories, for every scheme). calls: judge requests actually "
             "spent (gen-000.json judging.calls); regret ± standard error; Δ regret: paired "
             "difference to the reference at R=20 (negative is better); stopped: why each "
             "seed's tournament ended; rematches: share of matches that replay a pair already "
             "judged in that run." % (TOPK, opts.seeds))
    L.append("")
    body = []
    for r in p1:
        flags = " ".join(r["flags"]) or "(none)"
        body.append([r["label"], r["pairing"], r["budget"], "%.0f" % r["calls"],
                     "%.2f" % r["recall"], "%.3f ± %.3f" % (r["regret"], r["regret_se"]),
                     "%+.3f ± %.3f" % (r.get("dregret", float("nan")),
                                       r.get("dregret_se", float("nan"))),
                     "%.3f" % r["tau"], "%.0f%%" % (100 * r["rematch"]), fmt_stops(r["stops"]),
                     "%d" % r["n"], "`%s`" % flags])
    L += md_table(["scheme", "pairing", "budget", "calls", "recall@5", "regret ± se",
                   "Δ regret vs ref R=20", "tau", "rematches", "stopped", "seeds", "flags"],
                  body)
    L.append("")
    L.append("Findings (computed from the table):")
    L.append("")
    L += findings
    L.append("")
    L.append("![regret versus calls](regret.svg)")
    L.append("")
    if wc:
        by60 = {r["key"]: r for r in p1}
        L.append("### Window check: the same schemes at `--concurrency 61`")
        L.append("")
        L.append("A check against forced rematches. With n stories and a window of w, the "
                 "barrier-free tournament lets a story be in about 2w/n matches at once; when "
                 "2w is a multiple of n (w a multiple of 30 for n = 60, of 15 for the 30 "
                 "stories of later generations) a full window can hold every free slot, so "
                 "that after a verdict the only free pair is the one just judged (at commit "
                 "bec46ce this replayed 75% of the matches at M=8). At w = 61 there is slack. "
                 "The two columns should agree. Same seeds; Δ is the paired difference 61 − 60 "
                 "(negative: 61 is better); verdicts still differ between the two runs because "
                 "the simulator draws them in arrival order.")
        L.append("")
        body = []
        for r in wc:
            a = by60.get(r["key"])
            if not a:
                continue
            d = [r["per_seed"][i] - a["per_seed"][i] for i in r["per_seed"] if i in a["per_seed"]]
            body.append([r["label"], r["pairing"], r["budget"], "%.0f%%" % (100 * a["rematch"]),
                         "%.3f ± %.3f" % (a["regret"], a["regret_se"]),
                         "%.0f%%" % (100 * r["rematch"]),
                         "%.3f ± %.3f" % (r["regret"], r["regret_se"]),
                         "%+.3f ± %.3f" % (mean(d), se(d))])
        L += md_table(["scheme", "pairing", "budget", "rematches at 60", "regret at 60",
                       "rematches at 61", "regret at 61", "Δ regret (61 − 60)"], body)
        L.append("")
    if p2:
        lo, hi, conc = p2["lo"], p2["hi"], p2["conc"]
        L.append("## Part 2: wall time at latency %g–%g s, %d in flight" % (lo, hi, conc))
        L.append("")
        L.append("Population 60, generations %d, top 5, 5 variants. lower: requests × mean "
                 "latency ÷ concurrency (no schedule can beat it); phase bound: sum over "
                 "phases of max(calls × mean ÷ concurrency, expected slowest call of the "
                 "phase), the least a run can take if each phase waits for the one before "
                 "(ours overlaps them, so it can take less); window: run.json "
                 "usage.window_use; peak: run.json / simulator." % p2["gens"])
        L.append("")
        body = []
        for r in p2["runs"]:
            body.append([r["name"], "%.1f" % r["wall"], "%d" % r["calls"],
                         "%d" % r["sim_requests"], "%d" % r["judge_calls"], "%.1f" % r["lower"],
                         "%.1f" % r["bound"], "%.0f%%" % (100 * r["bound"] / r["wall"]),
                         "%.0f%%" % (100 * (r["window"] or 0)),
                         "%s / %s" % (r["peak"], r["sim_peak"])])
        m = p2["model"]
        body.append(["reference implementation (model, %d draws)" % (300 if opts.quick else 2000),
                     "%.1f ± %.1f" % (m["wall"], m["sd"]), "%d" % m["calls"], "–",
                     "%d" % (m["calls"] - 60 - 25 * p2["gens"]),
                     "%.1f" % (m["calls"] * (lo + hi) / 2 / conc), "–", "–", "–", "60"])
        L += md_table(["run", "wall s", "requests", "requests (sim)", "judge calls",
                       "lower s", "phase bound s", "phase bound / wall", "window use",
                       "peak in flight"],
                      body)
        L.append("")
        for r in p2["runs"]:
            L.append("- %s, phases (calls): %s; judging stopped: %s; rematch share per "
                     "generation: %s; variants started early %d, of them discarded %d."
                     % (r["name"], ", ".join("%s %d" % p for p in r["phases"]),
                        ", ".join(str(s) for s in r["stops"]),
                        ", ".join("%.0f%%" % (100 * x) for x in r["rematch"]),
                        r["early"], r["discarded"]))
        L.append("- The reference model: %d waves (the initial stories, tournament chunks of 60 "
                 "that each wait for their slowest call, one variant wave per iteration), "
                 "%d iterations, %d calls; the same latency distribution. Note it ranks %d "
                 "tournaments; our run ranks %d (it also ranks the last generation)."
                 % (m["waves"], p2["gens"], m["calls"], p2["gens"], p2["gens"] + 1))
        ours = [r for r in p2["runs"] if r["name"] == "ours, defaults"]
        if ours:
            ratio = ours[0]["wall"] / m["wall"]
            L.append("- **Ours ÷ reference wall time: %.2f** (%.1f s vs %.1f s); target at most "
                     "0.20: **%s**. Window use %.0f%% (target at least 85%%: **%s**)."
                     % (ratio, ours[0]["wall"], m["wall"], "met" if ratio <= 0.2 else "not met",
                        100 * (ours[0]["window"] or 0),
                        "met" if (ours[0]["window"] or 0) >= 0.85 else "not met"))
            fifth = 0.2 * m["wall"]
            L.append("- A fifth of the modelled reference is %.1f s. No schedule of this run "
                     "gets there: its requests alone need %.1f s at a full window (requests × "
                     "mean ÷ concurrency); at %d in flight and a mean latency of %g s, %.1f s "
                     "allows at most %.0f requests in all, against %d here. The reference's "
                     "own window use in this model is %.0f%% (%d calls × %g s ÷ %d ÷ %.1f s), "
                     "not the 30%% the target assumed."
                     % (fifth, ours[0]["lower"], conc, (lo + hi) / 2, fifth,
                        fifth * conc / ((lo + hi) / 2), ours[0]["calls"],
                        100 * m["calls"] * (lo + hi) / 2 / conc / m["wall"], m["calls"],
                        (lo + hi) / 2, conc, m["wall"]))
            pr = ours[0]["profile"]
            if pr:
                L.append("- Where the window goes idle (ours): %.0f%% of the idle slot-time falls "
                         "in the %d drains, %.1f s in all, when a tournament has sent its last "
                         "match and waits for the verdicts before the next generation can be "
                         "chosen; only variants of stories likely to be parents can fill them "
                         "(see `--early-variants` below). Window use over time, one character per %g s (blank empty, █ "
                         "full):" % (100 * pr["drain_share"], pr["drains"], pr["drain_secs"],
                                     pr["step"]))
                L.append("")
                L.append("      %s" % pr["strip"])
                L.append("")
        spec = {r["name"].split()[-1]: r for r in p2["runs"] if "--early-variants" in r["name"]}
        if ours and spec:
            d = ours[0]
            L.append("- Starting variants early trades requests for wall time (`--early-variants "
                     "P`: a story's variants start once its chance of missing the top K is below "
                     "P; the default is 0.5): "
                     + "; ".join("P = %s: %.1f s, window use %.0f%%, %d requests (%+d against the "
                                 "default), %d variants discarded"
                                 % (p, r["wall"], 100 * (r["window"] or 0), r["calls"],
                                    r["calls"] - d["calls"], r["discarded"])
                                 for p, r in sorted(spec.items()))
                     + "; default: %.1f s, %.0f%%, %d requests, %d discarded."
                     % (d["wall"], 100 * (d["window"] or 0), d["calls"], d["discarded"]))
        refrun = [r for r in p2["runs"] if r["name"].startswith("reference")]
        if refrun:
            L.append("- The reference scheme on our client (`%s`): %d requests in %.1f s, "
                     "%.2fx the modelled reference wall time. `--rounds` judges in rounds with "
                     "a barrier after each round, and a round holds only population/2 matches "
                     "(30, then 15), so at most that many are in flight whatever "
                     "--concurrency says; the reference pre-generates all rounds and sends "
                     "them in chunks of 60." % (" ".join(p2["ref_flags"]), refrun[0]["calls"],
                                                refrun[0]["wall"], refrun[0]["wall"] / m["wall"]))
        L.append("")
    if p3:
        L.append("## Part 3: CPU and memory (latency 0, 60 in flight)")
        L.append("")
        body = [[r["name"], "%d" % r["requests"], "%.1f" % r["wall"], "%.2f" % r["utime"],
                 "%.2f" % r["stime"], "%.3f" % r["cpu_ms"], "%.1f" % r["rss_mb"]] for r in p3]
        L += md_table(["run", "requests", "wall s", "user s", "sys s", "CPU ms/request",
                       "peak RSS MB"], body)
        L.append("")
        b = [r for r in p3 if r["population"] == big]
        if b:
            L.append("- Population %d: %.3f ms CPU per request (target under 1 ms: **%s**), "
                     "%.1f MB peak RSS (target under 32 MB: **%s**)."
                     % (big, b[0]["cpu_ms"], "met" if b[0]["cpu_ms"] < 1 else "not met",
                        b[0]["rss_mb"], "met" if b[0]["rss_mb"] < 32 else "not met"))
        L.append("")
    with open(path, "w") as f:
        f.write("\n".join(L) + "\n")


# --------------------------------------------------------------------------
# Part 4: evaluation - coverage of compare's intervals
# --------------------------------------------------------------------------
EVAL_NOISE = 1.0
EVAL_SIM = ["--judge-noise", str(EVAL_NOISE), "--quality-sd", "1.0"]
EVAL_BIASES = (0.0, 0.5)
EVAL_PAIRS = 120


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def order_averaged(qa, qb, bias):
    """The judge's true P(A's story wins), averaged over A shown first and
    A shown second: E[a pair's score] under the tie rule."""
    d = (qa - qb) / EVAL_NOISE
    return (sigmoid(d + bias) + sigmoid(d - bias)) / 2


def compare_once(url, a, b, seed, tmp, extra=()):
    """One `alphawrite compare` with its own verdict file; its JSON."""
    os.makedirs(tmp, exist_ok=True)
    out = os.path.join(tmp, "r.json")
    cmd = [RUN_BIN, "compare", "--base-url", url, "--judge-model", "sim-judge", "--pairs",
           str(EVAL_PAIRS), "--seed", str(seed), "--judge-logprobs", "off", "--quiet",
           "--out", out] + list(extra) + [a, b]
    code, _, _, err, _ = run_binary(cmd)
    if code != 0:
        raise Broken("alphawrite compare (seed %d) exited %d: %s" % (seed, code, err.strip()[-400:]))
    with open(out) as f:
        return json.load(f)


def eval_condition(bias, reps, failures):
    """Both designs at one position bias: a dict of figures per design."""
    rows = {}
    with tempfile.TemporaryDirectory(prefix="aw-bench-eval-") as tmp:
        with Sim(tmp, "--seed", 41, "--position-bias", bias, *EVAL_SIM, max_seconds=3600) as sim:
            run = os.path.join(tmp, "run")
            code, _, _, err, _ = run_binary(evolve_cmd(sim.url, run, 3, [
                "--population", "40", "--generations", "1", "--top", "5", "--variants", "5",
                "--concurrency", "32"]))
            if code != 0:
                raise Broken("alphawrite evolve for part 4 exited %d: %s" % (code, err[-400:]))
            quality = {k: v["quality"] for k, v in sim.truth()["stories"].items()}
            pools = []
            for g in (1, 0):
                with open(os.path.join(run, "gen-%03d.json" % g)) as f:
                    pools.append(json.load(f)["stories"])
            q = lambda story: quality[sim_id(story)]
            pool_truth = statistics.fmean(order_averaged(q(x), q(y), bias)
                                          for x in pools[0] for y in pools[1])
            by_id = [{s["id"]: s for s in pool} for pool in pools]
            prompt = ["--prompt-file", os.path.join(run, "inputs", "prompt.txt")]
            for design, size in (("fixed", 5), ("sampled", 5), ("sampled", 10)):
                cover_w = cover_b = 0
                widths_w, widths_b, rates, truths, agree, errs = [], [], [], [], [], []
                t0 = time.monotonic()
                for r in range(reps):
                    rep = os.path.join(tmp, "%s%d-%d" % (design, size, r))
                    if design == "fixed":
                        d = compare_once(sim.url, run, os.path.join(run, "gen-000.json"),
                                         r + 1, rep)
                        truth = statistics.fmean(
                            order_averaged(q(by_id[0][p["a_id"]]), q(by_id[1][p["b_id"]]), bias)
                            for p in d["pairs_detail"] if p["score"] is not None)
                    else:
                        pick = random.Random(7919 * r + 17)
                        files = []
                        for k, pool in enumerate(pools):
                            path = os.path.join(rep, "set%d.jsonl" % k)
                            os.makedirs(rep, exist_ok=True)
                            with open(path, "w") as f:
                                for s in pick.sample(pool, size):
                                    f.write(json.dumps({"id": s["id"], "text": s["text"]}) + "\n")
                            files.append(path)
                        d = compare_once(sim.url, files[0], files[1], r + 1, rep, prompt)
                        truth = pool_truth
                    cover_w += d["ci_lo"] <= truth <= d["ci_hi"]
                    cover_b += d["ci_boot_lo"] <= truth <= d["ci_boot_hi"]
                    widths_w.append(d["ci_hi"] - d["ci_lo"])
                    widths_b.append(d["ci_boot_hi"] - d["ci_boot_lo"])
                    rates.append(d["win_rate"])
                    truths.append(truth)
                    errs.append(d["win_rate"] - truth)
                    if d["order_agreement"] is not None:
                        agree.append(d["order_agreement"])
                rows[(design, size)] = {
                    "bias": bias, "design": "%s, %d + %d stories" % (design, size, size),
                    "reps": reps,
                    "wilson": cover_w / reps, "boot": cover_b / reps,
                    "wilson_width": statistics.fmean(widths_w),
                    "boot_width": statistics.fmean(widths_b),
                    "win_rate": statistics.fmean(rates), "truth": statistics.fmean(truths),
                    "sd": statistics.pstdev(errs), "agree": statistics.fmean(agree) if agree else None,
                    "secs": time.monotonic() - t0,
                }
    return rows


def part4(opts, failures):
    reps = opts.eval_reps
    print("part 4: evaluation, %d repetitions of compare per design and bias" % reps,
          flush=True)
    out = []
    for bias in EVAL_BIASES:
        try:
            rows = eval_condition(bias, reps, failures)
        except Broken as e:
            failures.append(str(e))
            continue
        out += list(rows.values())
    return out


def eval_table(p4):
    lines = ["| bias | design | reps | truth | mean win rate | sd of error | Wilson covers | "
             "width | bootstrap covers | width | orders agree |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in p4:
        se_w = math.sqrt(max(r["wilson"] * (1 - r["wilson"]), 1e-12) / r["reps"])
        se_b = math.sqrt(max(r["boot"] * (1 - r["boot"]), 1e-12) / r["reps"])
        lines.append("| %.1f | %s | %d | %.3f | %.3f | %.3f | %.0f%% ± %.0f | %.3f | %.0f%% ± %.0f "
                     "| %.3f | %s |"
                     % (r["bias"], r["design"], r["reps"], r["truth"], r["win_rate"], r["sd"],
                        100 * r["wilson"], 100 * se_w, r["wilson_width"], 100 * r["boot"],
                        100 * se_b, r["boot_width"],
                        "-" if r["agree"] is None else "%.0f%%" % (100 * r["agree"])))
    return lines


def write_eval_md(path, opts, p4, secs):
    with open(path, "w") as f:
        f.write("# Evaluation: do compare's 95% intervals cover the truth?\n\n")
        f.write("alphawrite %s, %d repetitions per row, %d pairs each judged in both orders, "
                "judge noise %g, %.0f s.  Truth: the expected preference (order-averaged true "
                "P(A wins)) over the pairs drawn (fixed) or over the two pools (sampled).  "
                "± is the Monte Carlo standard error of the coverage.\n\n"
                % (opts.commit, opts.eval_reps, EVAL_PAIRS, EVAL_NOISE, secs))
        f.write("\n".join(eval_table(p4)) + "\n")


# --------------------------------------------------------------------------
# Part 5: long stories and training data
# --------------------------------------------------------------------------
SIM_LONG = ["--reply-word-cap", "700", "--no-repeats", "10"]
PART5_LONG = ["--population", "12", "--generations", "2", "--top", "3", "--variants", "3",
              "--min-words", "1500", "--max-words", "2000", "--concurrency", "16"]
PART5_DPO = ["--population", "30", "--generations", "2", "--top", "5", "--variants", "4",
             "--concurrency", "30"]
PART5_FAULTS = ["--fault-rate", "0.3", "--faults", "meta,repeat,noend,short"]


def wilson_interval(k, n, z=1.96):
    """The Wilson score interval of k successes in n."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    d = 1 + z * z / n
    c = p + z * z / (2 * n)
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return ((c - h) / d, (c + h) / d)


def export_lines(out, fmt, *extra):
    p = subprocess.run([RUN_BIN, "export", out, "--format", fmt] + list(extra),
                       capture_output=True, env=RUN_ENV, timeout=RUN_TIMEOUT)
    if p.returncode != 0:
        raise Broken("alphawrite export %s --format %s %s exited %d: %s"
                     % (out, fmt, " ".join(extra), p.returncode, p.stderr.decode()[-400:]))
    return [json.loads(line) for line in p.stdout.decode("utf-8").splitlines()]


def run_kept(args, seed, sim_seed, sim_extra, tmp):
    """alphawrite evolve args in tmp/out against a fresh simulator; the run
    directory stays for export.  Returns (out, run.json, gens, truth, stats)."""
    out = os.path.join(tmp, "out")
    with Sim(tmp, "--seed", sim_seed, "--latency", "0", *sim_extra, max_seconds=3600) as sim:
        code, wall, _ru, err, _kb = run_binary(evolve_cmd(sim.url, out, seed, args))
        truth = {k: v["quality"] for k, v in sim.truth()["stories"].items()}
        stats = sim.stats()
    if code != 0:
        raise Broken("alphawrite evolve %s (seed %d) exited %d: %s"
                     % (" ".join(args), seed, code, err.strip()[-400:]))
    run = json.load(open(os.path.join(out, "run.json")))
    gens, g = [], 0
    while os.path.exists(os.path.join(out, "gen-%03d.json" % g)):
        gens.append(json.load(open(os.path.join(out, "gen-%03d.json" % g))))
        g += 1
    return out, run, gens, truth, stats, wall


def lengthen_case(name, sim_extra, seed):
    with tempfile.TemporaryDirectory(prefix="aw-bench-long-") as tmp:
        out, run, gens, _truth, stats, wall = run_kept(PART5_LONG, seed, 404 + seed,
                                                       SIM_JUDGE + SIM_LONG + sim_extra, tmp)
        drafts = []
        for line in open(os.path.join(out, "journal.jsonl"), encoding="utf-8"):
            rec = json.loads(line)
            if rec.get("t") == "part" and rec.get("stage") == "draft":
                drafts.append(len(rec["text"].split()))
    joined = [s for g in gens for s in g["stories"] if s["born"] == g["generation"]]
    failed = sum(len(g["failed"]) for g in gens)
    words = [s["words"] for s in joined]
    u = run["usage"]
    rej = {k: u["extension_rejected_" + k] for k in ("no_ending", "repeats", "meta",
                                                      "too_short")}
    return {"name": name, "stories": len(joined), "failed": failed,
            "in_range": sum(1500 <= w <= 2000 for w in words),
            "min": min(words) if words else 0, "mean": statistics.mean(words) if words else 0,
            "max": max(words) if words else 0, "draft_max": max(drafts) if drafts else 0,
            "requests": u["extension_requests"], "sim_ext": stats["by_kind"]["expand"]
            + stats["by_kind"]["continue"], "rounds": u["extension_rounds"],
            "retries": u["extension_retries"], "rejected": rej,
            "stripped": u["extension_meta_stripped"], "wall": wall,
            "faults": {k: v for k, v in stats["faults"].items() if v}}


def quality_of(truth, story):
    return truth.get(sim_id(story))


def dpo_case(seed):
    with tempfile.TemporaryDirectory(prefix="aw-bench-dpo-") as tmp:
        out, run, gens, truth, _stats, _wall = run_kept(PART5_DPO, 51 + seed, 4001 + seed,
                                                       SIM_JUDGE, tmp)
        pairs = export_lines(out, "dpo")
        wide = export_lines(out, "dpo", "--min-margin", "0.8")
        sft = export_lines(out, "sft")
    text = {s["id"]: s for g in gens for s in g["stories"]}

    def agree(recs):
        n = k = 0
        wk = wn = 0.0
        for r in recs:
            qa, qb = quality_of(truth, text[r["chosen_id"]]), quality_of(truth, text[r["rejected_id"]])
            n += 1
            k += qa > qb
            wn += r["weight"]
            wk += r["weight"] * (qa > qb)
        return k, n, (wk / wn if wn else 0.0)
    raw_k = raw_n = 0
    for g in gens:
        for m in g["matches"]:
            if m.get("winner") in (m["a"], m["b"]):
                loser = m["b"] if m["winner"] == m["a"] else m["a"]
                raw_n += 1
                raw_k += quality_of(truth, text[m["winner"]]) > quality_of(truth, text[loser])
    allq = [quality_of(truth, s) for s in text.values()]
    sftq = [quality_of(truth, text[r["id"]]) for r in sft]
    k, n, wrate = agree(pairs)
    k8, n8, _ = agree(wide)
    return {"seed": seed, "stories": len(text), "pairs": n, "agree": k, "wagree": wrate,
            "wide_pairs": n8, "wide_agree": k8, "raw": raw_n, "raw_agree": raw_k,
            "sft": len(sft), "sft_gain": statistics.mean(sftq) - statistics.mean(allq)}


def part5(opts, failures):
    print("part 5: long stories and training data", flush=True)
    res = {"long": [], "dpo": []}
    for name, extra in (("no faults", []), ("faults 30%", PART5_FAULTS)):
        try:
            res["long"].append(lengthen_case(name, extra, 0))
        except Broken as e:
            failures.append("part 5 %s: %s" % (name, e))
    for seed in range(1 if opts.quick else 3):
        try:
            res["dpo"].append(dpo_case(seed))
        except Broken as e:
            failures.append("part 5 dpo seed %d: %s" % (seed, e))
    d = res["dpo"]
    if d:
        tot = {k: sum(r[k] for r in d) for k in ("pairs", "agree", "wide_pairs", "wide_agree",
                                                 "raw", "raw_agree")}
        tot["ci"] = wilson_interval(tot["agree"], tot["pairs"])
        tot["wide_ci"] = wilson_interval(tot["wide_agree"], tot["wide_pairs"])
        tot["raw_ci"] = wilson_interval(tot["raw_agree"], tot["raw"])
        tot["sft_gain"] = statistics.mean(r["sft_gain"] for r in d)
        tot["wagree"] = statistics.mean(r["wagree"] for r in d)
        res["dpo_total"] = tot
    return res


def part5_md(p5):
    L = ["## Part 5: long stories and training data", ""]
    if p5["long"]:
        L.append("(a) `--min-words 1500 --max-words 2000` (%s) against a simulator whose replies "
                 "stop at 700 words (`%s`):" % (" ".join(PART5_LONG), " ".join(SIM_LONG)))
        L.append("")
        body = [[r["name"], "%d" % r["stories"], "%d/%d" % (r["in_range"], r["stories"]),
                 "%d" % r["failed"], "%d / %.0f / %d" % (r["min"], r["mean"], r["max"]),
                 "%d" % r["draft_max"], "%d" % r["requests"],
                 "%.1f" % (r["requests"] / max(1, r["stories"])), "%d" % r["rounds"],
                 "%d" % r["retries"],
                 ", ".join("%s %d" % kv for kv in r["rejected"].items()) +
                 ", stripped %d" % r["stripped"]] for r in p5["long"]]
        L += md_table(["case", "stories", "in range", "failed", "words min / mean / max",
                       "longest draft", "requests", "requests/story", "rounds", "retried",
                       "rejected"], body)
        L.append("")
    t = p5.get("dpo_total")
    if t:
        L.append("(b) `alphawrite export --format dpo` on runs of `%s` (%d seeds): how often "
                 "the chosen story has the higher hidden quality." % (" ".join(PART5_DPO),
                                                                     len(p5["dpo"])))
        L.append("")
        L += md_table(["what", "pairs", "agree with the truth", "95% interval"],
                      [["DPO pairs, margin 0.6 (default)", t["pairs"],
                        "%.1f%%" % (100 * t["agree"] / max(1, t["pairs"])),
                        "%.1f–%.1f%%" % (100 * t["ci"][0], 100 * t["ci"][1])],
                       ["DPO pairs, margin 0.8", t["wide_pairs"],
                        "%.1f%%" % (100 * t["wide_agree"] / max(1, t["wide_pairs"])),
                        "%.1f–%.1f%%" % (100 * t["wide_ci"][0], 100 * t["wide_ci"][1])],
                       ["single raw verdicts of the same runs", t["raw"],
                        "%.1f%%" % (100 * t["raw_agree"] / max(1, t["raw"])),
                        "%.1f–%.1f%%" % (100 * t["raw_ci"][0], 100 * t["raw_ci"][1])]])
        L.append("")
        L.append("- Weighted by the deviation weights, the pairs agree %.1f%% of the time. The "
                 "SFT export (each generation's top K) is %.2f logits of true quality above "
                 "the mean of the run's stories." % (100 * t["wagree"], t["sft_gain"]))
        L.append("")
    return L


def print_part5(p5):
    if p5["long"]:
        print()
        print("%-12s %8s %9s %7s %18s %9s %9s %7s" % ("lengthen", "stories", "in range", "failed",
                                                     "words min/mean/max", "requests", "rounds",
                                                     "retried"))
        for r in p5["long"]:
            print("%-12s %8d %9s %7d %18s %9d %9d %7d" % (
                r["name"], r["stories"], "%d/%d" % (r["in_range"], r["stories"]), r["failed"],
                "%d/%.0f/%d" % (r["min"], r["mean"], r["max"]), r["requests"], r["rounds"],
                r["retries"]))
    t = p5.get("dpo_total")
    if t:
        print("DPO pairs agree with the hidden quality: %.1f%% of %d (95%% %.1f-%.1f%%); at "
              "margin 0.8 %.1f%% of %d; single raw verdicts %.1f%% of %d; SFT export +%.2f "
              "logits over the run's mean"
              % (100 * t["agree"] / max(1, t["pairs"]), t["pairs"], 100 * t["ci"][0],
                 100 * t["ci"][1], 100 * t["wide_agree"] / max(1, t["wide_pairs"]),
                 t["wide_pairs"], 100 * t["raw_agree"] / max(1, t["raw"]), t["raw"],
                 t["sft_gain"]))


def long_stories_and_data(opts):
    """Part 5 alone or after the rest: longdata.md and its figures on stdout."""
    failures = []
    t0 = time.monotonic()
    p5 = part5(opts, failures)
    secs = time.monotonic() - t0
    path = os.path.join(opts.out, "longdata.md")
    with open(path, "w") as f:
        f.write("\n".join(["# alphawrite benchmark, part 5", "",
                           "- alphawrite at commit %s; part 5 took %.0f s" % (opts.commit, secs),
                           ""] + part5_md(p5)) + "\n")
    print_part5(p5)
    for f in failures:
        print("FAILURE: " + f)
    print("wrote %s (%.0f s)" % (os.path.relpath(path), secs))
    return failures


def print_summary(p1, found, wc, p2, p3, big, failures):
    print()
    print("%-28s %-9s %-19s %6s %6s %14s %6s %8s" % ("scheme", "pairing", "budget", "calls",
                                                     "recall", "regret ± se", "tau",
                                                     "rematch"))
    for r in p1:
        print("%-28s %-9s %-19s %6.0f %6.2f %7.3f ±%5.3f %6.3f %7.0f%%"
              % (r["label"][:28], r["pairing"], r["budget"], r["calls"], r["recall"],
                 r["regret"], r["regret_se"], r["tau"], 100 * r["rematch"]))
    if wc:
        by60 = {r["key"]: r for r in p1}
        print("at --concurrency 61 instead of 60 (rematches, regret):")
        for r in wc:
            a = by60.get(r["key"])
            if a:
                print("  %-26s %-9s %-6s %4.0f%% %6.3f  ->  %4.0f%% %6.3f"
                      % (r["label"][:26], r["pairing"], r["budget"], 100 * a["rematch"],
                         a["regret"], 100 * r["rematch"], r["regret"]))
    if found.get("ref_calls"):
        if found.get("best"):
            b = found["best"]
            print("reference regret at %.0f calls: %.3f; ours matches it with %.0f calls "
                  "(%s %s %s): %.2fx fewer; a third of the calls: %s"
                  % (found["ref_calls"], found["ref_regret"], b["calls"], b["pairing"],
                     b["family"], b["budget"], found["ratio"], "met" if found["met"] else "NOT met"))
        else:
            print("reference regret at %.0f calls: %.3f; none of ours matches it"
                  % (found["ref_calls"], found["ref_regret"]))
    if found.get("early_stops"):
        print("early stops: %d of %d runs that allowed them" % found["early_stops"])
    if found.get("best_pairing"):
        print("best pairing at the default budget: %s at --concurrency 60, %s at 61 "
              "(binary default: %s)" % (found["best_pairing"], found.get("best_pairing_61", "-"),
                                        found.get("default_pairing")))
    if p2:
        print()
        print("%-34s %8s %6s %8s %8s %7s %6s" % ("latency %s s, %d in flight" % (p2["latency"],
                                                                           p2["conc"]),
                                              "wall s", "calls", "lower s", "phase s", "window",
                                              "peak"))
        for r in p2["runs"]:
            print("%-34s %8.1f %6d %8.1f %8.1f %6.0f%% %6s"
                  % (r["name"], r["wall"], r["calls"], r["lower"], r["bound"],
                     100 * (r["window"] or 0), "%s/%s" % (r["peak"], r["sim_peak"])))
        m = p2["model"]
        print("%-34s %8.1f %6d" % ("reference implementation (model)", m["wall"], m["calls"]))
        ours = [r for r in p2["runs"] if r["name"] == "ours, defaults"]
        if ours:
            ratio = ours[0]["wall"] / m["wall"]
            print("ours / reference wall time: %.2f (target <= 0.20: %s)"
                  % (ratio, "met" if ratio <= 0.2 else "NOT met"))
            pr = ours[0]["profile"]
            if pr:
                print("window use over time (%g s a character), %.0f%% of the idle in the "
                      "%d tournament drains:" % (pr["step"], 100 * pr["drain_share"],
                                                 pr["drains"]))
                print("  " + pr["strip"])
    if p3:
        print()
        print("%-34s %8s %8s %10s %9s" % ("CPU and memory, latency 0", "requests", "wall s",
                                          "CPU/req", "peak RSS"))
        for r in p3:
            print("%-34s %8d %8.1f %8.3fms %7.1fMB" % (r["name"], r["requests"], r["wall"],
                                                       r["cpu_ms"], r["rss_mb"]))
        b = [r for r in p3 if r["population"] == big]
        if b:
            print("population %d: CPU/request < 1 ms: %s; peak RSS < 32 MB: %s"
                  % (big, "met" if b[0]["cpu_ms"] < 1 else "NOT met",
                     "met" if b[0]["rss_mb"] < 32 else "NOT met"))
    if failures:
        print()
        print("FAILURES (the binary or the simulator broke):")
        for f in failures:
            print("  " + f)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description="alphawrite benchmark against the simulator")
    ap.add_argument("--quick", action="store_true", help="a small version (about a minute)")
    ap.add_argument("--seeds", type=int, help="seeds per scheme in part 1 [6; 2 with --quick]")
    ap.add_argument("--jobs", type=int, default=2, help="part 1 runs in parallel [2]")
    ap.add_argument("--out", default=os.path.join(REPO, "bench-out"),
                    help="output directory [bench-out]")
    ap.add_argument("--eval-only", action="store_true",
                    help="run only part 4, the evaluation (compare's interval coverage)")
    ap.add_argument("--long-only", action="store_true",
                    help="run only part 5, long stories and training data")
    ap.add_argument("--eval-reps", type=int,
                    help="repetitions of compare per row of part 4 [100; 20 with --quick]")
    opts = ap.parse_args(argv)
    if opts.eval_reps is None:
        opts.eval_reps = 20 if opts.quick else 100
    if opts.eval_reps < 1:
        ap.error("--eval-reps must be at least 1")
    if opts.seeds is None:
        opts.seeds = 2 if opts.quick else 6
    if opts.seeds < 1 or opts.jobs < 1:
        ap.error("--seeds and --jobs must be at least 1")
    if not os.access(BIN, os.X_OK):
        print("bench: build ./alphawrite first (make)", file=sys.stderr)
        return 1
    os.makedirs(opts.out, exist_ok=True)
    snapdir = tempfile.mkdtemp(prefix="aw-bench-bin-")
    try:
        opts.sha = snapshot_binary(snapdir)
        opts.commit = git_describe()
        return bench(opts, argv)
    finally:
        import shutil
        shutil.rmtree(snapdir, ignore_errors=True)


def evaluation(opts):
    """Part 4 alone or after the rest: eval.md and its table on stdout."""
    failures = []
    t0 = time.monotonic()
    p4 = part4(opts, failures)
    secs = time.monotonic() - t0
    path = os.path.join(opts.out, "eval.md")
    write_eval_md(path, opts, p4, secs)
    print()
    print("\n".join(eval_table(p4)))
    for f in failures:
        print("FAILURE: " + f)
    print("wrote %s (%.0f s)" % (os.path.relpath(path), secs))
    return failures


def bench(opts, argv):
    if opts.eval_only:
        return 1 if evaluation(opts) else 0
    if opts.long_only:
        return 1 if long_stories_and_data(opts) else 0
    started = datetime.datetime.now().astimezone()
    t0 = time.monotonic()
    failures = []
    p1, p1_secs = part1(opts, failures)
    wc = window_check(opts, failures)
    findings, found = part1_findings(p1, wc)
    p2 = part2(opts, failures)
    p3, big = part3(opts, failures)
    import bench_issue13  # the temperature and diversity sections (issue 13)
    issue13 = bench_issue13.sections(opts, failures, sys.modules[__name__])
    total = time.monotonic() - t0
    md = os.path.join(opts.out, "bench.md")
    svg = os.path.join(opts.out, "regret.svg")
    write_md(md, opts, argv, started, total, p1, p1_secs, findings, wc, p2, p3, big, failures)
    with open(md, "a") as f:
        f.write("\n".join(issue13) + "\n")
    wrote = [md] + ([svg] if write_svg(svg, p1, found) else [])
    print_summary(p1, found, wc, p2, p3, big, failures)
    print("\n" + "\n".join(issue13))
    print("\nwrote %s (%.0f s)" % (" and ".join(os.path.relpath(f) for f in wrote), total))
    failures += evaluation(opts)
    failures += long_stories_and_data(opts)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
