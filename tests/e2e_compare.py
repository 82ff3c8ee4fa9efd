#!/usr/bin/env python3
"""End-to-end tests of `alphawrite compare` and `alphawrite rate` against
tests/simendpoint.py, and of `rate` in a real terminal (tmux).

compare: two generations of a real evolve run are compared with the
simulator's position bias on; every figure of the JSON is recomputed here
from its own pairs_detail (the tie rule, the Wilson interval, the sign
test, the order agreement) and from the verdict file; both orders of every
pair must reach the endpoint; B vs A mirrors A vs B; injected faults, an
interrupted comparison (the rerun asks exactly the verdicts that are
missing), a panel of two judges, --verdicts mode, and every bad input (exit
2, no request, nothing written).

rate: driven through tmux: choices with 1, 2 and 0, undo, q, a rerun that
continues and finishes, Ctrl-C; the file, the printed statistics, the
terminal restored, and a screen that never shows an id, a generation or a
rating.

Run from anywhere:

    python3 tests/e2e_compare.py              every test
    python3 tests/e2e_compare.py NAME...      only these tests (see --list)

Output: one line per test, then exactly one line "N passed, N failed".
AW_VALGRIND=1 runs alphawrite under valgrind (not inside tmux: the rate
tests time the screen).  The harness is tests/harness.py.  Python 3
standard library only; the rate tests need tmux.
"""

import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time

from harness import (BIN, MARKER_RE, SLOW, VALGRIND, Result, Sim, TestFail, bin_cmd, check,
                     clean_env, run_bin, run_tests, short, test, vg_check)
from validate import load_json

Z95 = 1.959963984540054


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------
def make_run(sim, tmp, name="run", population=10, generations=2, seed=7):
    """A small evolve run; returns its directory."""
    out = os.path.join(tmp, name)
    res = run_bin(["evolve", "--model", "sim-writer", "--base-url", sim.url, "--out", out,
                   "--population", population, "--generations", generations, "--top", 5,
                   "--variants", 3, "--seed", seed, "--quiet"], timeout=180)
    check(res.rc == 0, f"evolve failed: {res!r}")
    return out


def compare(sim, *args, expect=0, url=None, **kw):
    base = url or (sim.url if sim else "http://127.0.0.1:9/v1")
    res = run_bin(["compare", "--base-url", base] + [str(a) for a in args], **kw)
    if expect is not None:
        check(res.rc == expect, f"compare {' '.join(map(str, args))[:200]}: expected exit "
                                f"{expect}, got {res!r}")
    return res


def judge_requests(sim):
    k = sim.stats()["by_kind"]
    return k.get("judge", 0) + k.get("reask", 0)


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def wilson(w, n, z=Z95):
    if n <= 0:
        return 0.0, 1.0
    p = w / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z / d * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    lo, hi = max(0.0, c - h), min(1.0, c + h)
    return (0.0 if w <= 0 else lo), (1.0 if w >= n else hi)


def sign_test(a, b):
    n = a + b
    if n == 0:
        return 1.0
    k = min(a, b)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def close(x, y, tol=1e-9):
    return x is not None and y is not None and abs(x - y) <= tol


def vscore(w):
    return {"a": 1.0, "b": 0.0, "tie": 0.5}.get(w)


def check_report(d, n_pairs=None, judges=None, two_orders=True):
    """Every figure of a compare JSON against its own pairs_detail."""
    for k in ("a", "b", "pairs", "a_wins", "b_wins", "ties", "win_rate", "ci_lo", "ci_hi",
              "ci_boot_lo", "ci_boot_hi", "p_value", "order_agreement",
              "length_controlled_win_rate", "judges", "distinct_pairs", "pairs_detail"):
        check(k in d, f"the JSON has no {k!r}")
    if judges is not None:
        check(d["judges"] == judges, f"judges {d['judges']} != {judges}")
    scores, both, agree = [], 0, 0
    distinct = set()
    for p in d["pairs_detail"]:
        per_judge = []
        for j in d["judges"]:
            vs = [v for v in p["verdicts"] if v["judge"] == j]
            dec = [v for v in vs if v["winner"] is not None]
            orders = {v["first"] for v in dec}
            if two_orders:
                check({v["first"] for v in vs} <= {"a", "b"}, "a verdict's first is not a or b")
                if orders == {"a", "b"}:
                    both += 1
                    agree += len({v["winner"] for v in dec}) == 1
                    per_judge.append(sum(vscore(v["winner"]) for v in dec) / len(dec))
            elif dec:
                per_judge.append(sum(vscore(v["winner"]) for v in dec) / len(dec))
            for v in dec:
                if "p_a" in v:
                    check(0 <= v["p_a"] <= 1, f"p_a {v['p_a']} out of range")
        want = sum(per_judge) / len(per_judge) if per_judge else None
        check((p["score"] is None) == (want is None) and
              (want is None or close(p["score"], want)),
              f"pair {p.get('pair')}: score {p['score']}, its verdicts give {want}")
        if want is not None:
            scores.append(want)
            distinct.add((p["a_id"], p["b_id"]))
    n = len(scores)
    check(d["pairs"] == n, f"pairs {d['pairs']}, pairs_detail has {n} scored")
    if n_pairs is not None:
        check(n == n_pairs, f"{n} pairs scored, expected {n_pairs}")
    aw = sum(1 for s in scores if s > 0.5)
    bw = sum(1 for s in scores if s < 0.5)
    check((d["a_wins"], d["b_wins"], d["ties"]) == (aw, bw, n - aw - bw),
          f"a_wins/b_wins/ties {d['a_wins']}/{d['b_wins']}/{d['ties']}, the pairs give "
          f"{aw}/{bw}/{n - aw - bw}")
    w = sum(scores) / n if n else 0.5
    check(close(d["win_rate"], w), f"win_rate {d['win_rate']}, the pairs give {w}")
    lo, hi = wilson(sum(scores), n)
    check(close(d["ci_lo"], lo, 1e-7) and close(d["ci_hi"], hi, 1e-7),
          f"Wilson interval [{d['ci_lo']}, {d['ci_hi']}], recomputed [{lo}, {hi}]")
    check(d["ci_boot_lo"] <= d["ci_lo"] + 1e-12 and d["ci_boot_hi"] >= d["ci_hi"] - 1e-12,
          "the bootstrap interval does not contain the Wilson interval")
    check(d["ci_lo"] <= d["win_rate"] <= d["ci_hi"], "win_rate outside its interval")
    p = sign_test(aw, bw)
    check(close(d["p_value"], p, max(1e-9, 1e-6 * p)), f"p_value {d['p_value']}, sign test {p}")
    if two_orders:
        want = agree / both if both else None
        check(close(d["order_agreement"], want) if want is not None else
              d["order_agreement"] is None,
              f"order_agreement {d['order_agreement']}, the verdicts give {want}")
    check(d["distinct_pairs"] == len(distinct),
          f"distinct_pairs {d['distinct_pairs']}, the pairs give {len(distinct)}")
    lc = d["length_controlled_win_rate"]
    check(lc is None or 0 <= lc <= 1, f"length_controlled_win_rate {lc}")
    return scores


SUMMARY_RE = re.compile(r"^(.+) vs (.+): A preferred (\d+\.\d)% \((\d+\.\d)\u2013(\d+\.\d)%; "
                        r"over stories (\d+\.\d)\u2013(\d+\.\d)%\) "
                        r"over (\d+) pairs?(, orders agree (\d+)%)?", re.M)


def check_summary(err, d, la, lb):
    m = SUMMARY_RE.search(err)
    check(m is not None, f"no summary line on stderr: {short(err)}")
    check(m.group(1) == la and m.group(2) == lb,
          f"summary names {m.group(1)!r} vs {m.group(2)!r}, expected {la!r} vs {lb!r}")
    check(m.group(3) == f"{100 * d['win_rate']:.1f}" and
          m.group(4) == f"{100 * d['ci_lo']:.1f}" and m.group(5) == f"{100 * d['ci_hi']:.1f}",
          f"summary line {m.group(0)!r} does not match the JSON")
    check(m.group(6) == f"{100 * d['ci_boot_lo']:.1f}" and
          m.group(7) == f"{100 * d['ci_boot_hi']:.1f}",
          f"summary line {m.group(0)!r}: the bootstrap interval does not match the JSON")
    check(int(m.group(8)) == d["pairs"], "summary pair count")


def markers(run_dir):
    """Story id -> simulator story number, over every generation of a run."""
    out = {}
    for name in sorted(os.listdir(run_dir)):
        if re.fullmatch(r"gen-\d+\.json", name):
            for s in load_json(os.path.join(run_dir, name))["stories"]:
                m = MARKER_RE.search(s["text"])
                if m:
                    out[s["id"]] = int(m.group(1))
    return out


def judged_orders(sim):
    """(story shown first, story shown second) of every judge request."""
    seen = []
    for r in sim.log():
        if r.get("kind") != "judge" or not r.get("body"):
            continue
        user = [m for m in r["body"]["messages"] if m.get("role") == "user"][0]["content"]
        ms = [int(x) for x in MARKER_RE.findall(user)]
        if len(ms) >= 2:
            seen.append((ms[0], ms[1]))
    return seen


def true_preference(truth, pairs, mk, noise=1.0, bias=0.0):
    """Mean over the pairs of the judge's true P(A's story wins), averaged
    over both orders (which cancels the position bias)."""
    q = {int(k): v["quality"] for k, v in truth["stories"].items()}
    sig = lambda x: 1 / (1 + math.exp(-x))
    tot = 0.0
    for a, b in pairs:
        d = (q[mk[a]] - q[mk[b]]) / noise
        tot += (sig(d + bias) + 1 - sig(-d + bias)) / 2
    return tot / len(pairs)


def listing(tmp):
    out = set()
    for dirpath, dirs, files in os.walk(tmp):
        for f in files:
            if not f.startswith("sim"):
                out.add(os.path.relpath(os.path.join(dirpath, f), tmp))
    return out


# --------------------------------------------------------------------------
# compare
# --------------------------------------------------------------------------
@test
def compare_generations(tmp):
    """Final vs initial of a real run, position bias 0.5: 120 pairs over
    5 x 5 stories (25 distinct), both orders of every pair asked, every
    figure consistent with pairs_detail and with the verdict file."""
    with Sim(tmp, "--position-bias", "0.5", "--seed", "3", log=True) as sim:
        run = make_run(sim, tmp)
        before = judge_requests(sim)
        n_log = len(judged_orders(sim))
        out = os.path.join(tmp, "r.json")
        res = compare(sim, "--judge-model", "sim-judge", "--out", out, run,
                      os.path.join(run, "gen-000.json"))
        asked = judge_requests(sim) - before
        orders = judged_orders(sim)[n_log:]
        truth = sim.truth()
    d = json.loads(res.out)
    check(load_json(out) == d, "--out holds another JSON than stdout")
    check_report(d, n_pairs=120, judges=["sim-judge"])
    check(d["distinct_pairs"] == 25 and d["pairs_drawn"] == 120, "5 x 5 stories, 25 distinct")
    check(asked == 240, f"the endpoint was asked {asked} judge requests, expected 240")
    # Every story of each set in 24 pairs (120 over 5 stories).
    for side in ("a_id", "b_id"):
        counts = {}
        for p in d["pairs_detail"]:
            counts[p[side]] = counts.get(p[side], 0) + 1
        check(sorted(counts.values()) == [24] * 5, f"{side} spread {sorted(counts.values())}")
    # Both orders reached the endpoint, for every pair.
    mk = markers(run)
    seen = {}
    for o in orders:
        seen[o] = seen.get(o, 0) + 1
    need = {}
    for p in d["pairs_detail"]:
        x, y = mk[p["a_id"]], mk[p["b_id"]]
        need[(x, y)] = need.get((x, y), 0) + 1
        need[(y, x)] = need.get((y, x), 0) + 1
    check(seen == need, "the endpoint did not see each pair once in each order")
    # The verdict file: one line per verdict, matching pairs_detail.
    lines = read_jsonl(out + ".verdicts.jsonl")
    check(len(lines) == 240, f"{len(lines)} lines in the verdict file")
    by_pair = {}
    for v in lines:
        check(v["judge"] == "sim-judge" and v["first"] in ("a", "b"), f"verdict line {v}")
        check(v["winner"] in ("a", "b"), f"winner {v['winner']!r} (the simulator always decides)")
        check(v.get("a_words", 0) > 0 and len(v.get("a_hash", "")) == 16, "words and hashes")
        by_pair.setdefault(v["pair"], []).append((v["first"], v["winner"], v.get("p_a")))
    for p in d["pairs_detail"]:
        want = sorted((v["first"], v["winner"], v.get("p_a")) for v in p["verdicts"])
        check(sorted(by_pair[p["pair"]]) == want, f"pair {p['pair']}: file and JSON differ")
    soft = sum(1 for v in lines if "p_a" in v)
    check(soft == 240, f"{soft} of 240 verdicts carry p_a (the simulator gives logprobs)")
    # With the bias on, the first shown wins more often than the second.
    firsts = sum(1 for v in lines if v["winner"] == v["first"])
    check(firsts > 120, f"the first-shown story won {firsts} of 240 (position bias 0.5)")
    # The estimate is near the simulator's truth.
    pairs = [(p["a_id"], p["b_id"]) for p in d["pairs_detail"]]
    target = true_preference(truth, pairs, mk, bias=0.5)
    check(abs(d["win_rate"] - target) < 0.2,
          f"win rate {d['win_rate']:.3f}, the simulator's expected preference {target:.3f}")
    check_summary(res.err, d, "final", "initial")
    return (f"A {100 * d['win_rate']:.1f}% [{100 * d['ci_lo']:.1f}, {100 * d['ci_hi']:.1f}], "
            f"truth {100 * target:.1f}%, orders agree {100 * d['order_agreement']:.0f}%")


@test
def compare_mirror(tmp):
    """B vs A mirrors A vs B: with A vs B's verdicts it asks nothing, and
    win rate, intervals and length-controlled rate mirror (w <-> 1 - w), the
    p-value and the agreement are the same; so does --verdicts on the file
    with A and B exchanged."""
    with Sim(tmp, "--position-bias", "0.5", "--seed", "4") as sim:
        run = make_run(sim, tmp, seed=8)
        g0 = os.path.join(run, "gen-000.json")
        r1, r2 = os.path.join(tmp, "ab.json"), os.path.join(tmp, "ba.json")
        compare(sim, "--judge-model", "sim-judge", "--pairs", 60, "--out", r1, run, g0)
        shutil.copy(r1 + ".verdicts.jsonl", r2 + ".verdicts.jsonl")
        before = sim.stats()["requests"]
        res = compare(sim, "--judge-model", "sim-judge", "--pairs", 60, "--out", r2, g0, run)
        check(sim.stats()["requests"] == before,
              f"B vs A sent {sim.stats()['requests'] - before} requests; A vs B had them all")
        # A pair drawn twice asks each question twice; the verdicts may
        # differ and arrive in any order.  Made to differ here (the run's
        # story wins both orders of one draw, loses both of the other) and
        # written with one question's answers out of order, each draw must
        # still get its own two verdicts back: no tie.
        votes = read_jsonl(r1 + ".verdicts.jsonl")
        by_pair = {}
        for v in votes:
            by_pair.setdefault(v["pair"], {})[v["first"]] = v
        draws = {}
        for k, vs in sorted(by_pair.items()):
            if len(vs) == 2:
                draws.setdefault((vs["a"]["a_id"], vs["a"]["b_id"]), []).append(k)
        twice = next((ks[:2] for ks in draws.values() if len(ks) >= 2), None)
        check(twice is not None, "no pair was drawn twice: nothing to test")
        k1, k2 = twice
        for first in "ab":
            by_pair[k1][first]["winner"], by_pair[k2][first]["winner"] = "a", "b"
        rest = [v for v in votes if v["pair"] not in (k1, k2)]
        edited = rest + [by_pair[k1]["a"], by_pair[k2]["a"], by_pair[k2]["b"], by_pair[k1]["b"]]
        r3 = os.path.join(tmp, "ba-edited.json")
        with open(r3 + ".verdicts.jsonl", "w", encoding="utf-8") as f:
            f.writelines(json.dumps(v) + "\n" for v in edited)
        compare(sim, "--judge-model", "sim-judge", "--pairs", 60, "--out", r3, g0, run)
        check(sim.stats()["requests"] == before, "B vs A with edited verdicts sent requests")
        score = {d["pair"]: d["score"] for d in load_json(r3)["pairs_detail"]}
        check((score.get(k1), score.get(k2)) == (0, 1),
              f"pairs {k1} and {k2} (the same stories, drawn twice) scored "
              f"{score.get(k1)} and {score.get(k2)} for set A, not 0 and 1: a draw took "
              "the other draw's verdict")
    ab, ba = load_json(r1), load_json(r2)
    check_report(ba, n_pairs=60)
    check_summary(res.err, ba, "initial", "final")

    def mirrored(x, y, tol_boot):
        for k in ("win_rate", "length_controlled_win_rate"):
            check(close(x[k], 1 - y[k], 1e-6), f"{k}: {x[k]} vs 1 - {y[k]}")
        check(close(x["ci_lo"], 1 - y["ci_hi"], 1e-9) and close(x["ci_hi"], 1 - y["ci_lo"], 1e-9),
              f"Wilson [{x['ci_lo']}, {x['ci_hi']}] vs [{y['ci_lo']}, {y['ci_hi']}] mirrored")
        check(close(x["ci_boot_lo"], 1 - y["ci_boot_hi"], tol_boot) and
              close(x["ci_boot_hi"], 1 - y["ci_boot_lo"], tol_boot),
              f"bootstrap [{x['ci_boot_lo']}, {x['ci_boot_hi']}] vs "
              f"[{y['ci_boot_lo']}, {y['ci_boot_hi']}] mirrored")
        for k in ("p_value", "order_agreement", "pairs", "distinct_pairs", "ties"):
            check(close(x[k], y[k], 1e-12), f"{k}: {x[k]} vs {y[k]}")
        check((x["a_wins"], x["b_wins"]) == (y["b_wins"], y["a_wins"]), "wins exchanged")

    # The bootstrap resamples other stories first when the sides change
    # places: equal up to its Monte Carlo error.
    mirrored(ab, ba, 0.04)
    # --verdicts on A vs B's file with the sides exchanged.
    swapped = os.path.join(tmp, "swapped.jsonl")
    with open(swapped, "w", encoding="utf-8") as f:
        for v in read_jsonl(r1 + ".verdicts.jsonl"):
            w = dict(v)
            w["a_id"], w["b_id"] = v["b_id"], v["a_id"]
            w["a_words"], w["b_words"] = v["b_words"], v["a_words"]
            w["a_hash"], w["b_hash"] = v["b_hash"], v["a_hash"]
            w["first"] = {"a": "b", "b": "a"}[v["first"]]
            w["winner"] = {"a": "b", "b": "a"}.get(v["winner"], v["winner"])
            if "p_a" in v:
                w["p_a"] = 1 - v["p_a"]
            f.write(json.dumps(w) + "\n")
    res = compare(None, "--verdicts", swapped)
    sw = json.loads(res.out)
    mirrored(ab, sw, 0.04)
    return f"A vs B {100 * ab['win_rate']:.1f}%, B vs A {100 * ba['win_rate']:.1f}%"


@test
def compare_faults(tmp):
    """Injected faults (all the classic kinds, a quarter of the requests):
    retries and re-asks, and still every pair judged in both orders."""
    with Sim(tmp, "--seed", "5") as sim:
        run = make_run(sim, tmp, seed=9)
    with Sim(tmp, "--fault-rate", "0.25", "--faults", "all", "--slow-seconds", "4",
             "--seed", "12", name="faulty") as sim:
        out = os.path.join(tmp, "r.json")
        res = compare(sim, "--judge-model", "sim-judge", "--pairs", 40, "--timeout", 2,
                      "--retries", 8, "--out", out, run, os.path.join(run, "gen-000.json"),
                      timeout=240)
        stats = sim.stats()
    d = json.loads(res.out)
    lines = read_jsonl(out + ".verdicts.jsonl")
    check(d["lost_verdicts"] == 0, f"{d['lost_verdicts']} verdicts lost")
    undecided = sum(1 for v in lines if v["winner"] is None)
    check(len(lines) == 80, f"{len(lines)} verdict lines, expected 80")
    check_report(d, n_pairs=40 - d["incomplete_pairs"])
    check(d["incomplete_pairs"] <= undecided, "incomplete pairs without an undecided verdict")
    kinds = sorted(k for k, v in stats["faults"].items() if v > 0)
    check(len(kinds) >= 4, f"the endpoint injected only {kinds}")
    reasked = sum(1 for v in lines if v.get("asks", 1) > 1)
    check(reasked > 0 or stats["faults"].get("unparseable", 0) == 0,
          "unparseable replies were injected but no verdict needed a second ask")
    return f"faults {sum(stats['faults'].values())} ({', '.join(kinds)}), {reasked} re-asked"


@test
def compare_lost(tmp):
    """An endpoint that fails every judge request for good: exit 1, nothing
    kept, no statistics; the same command against a working endpoint then
    asks for everything and succeeds (a lost verdict is never written, so
    it is asked again)."""
    with Sim(tmp, "--seed", "13") as sim:
        run = make_run(sim, tmp, seed=16)
    out = os.path.join(tmp, "r.json")
    args = ["--judge-model", "sim-judge", "--pairs", 10, "--retries", 0, "--out", out, run,
            os.path.join(run, "gen-000.json")]
    with Sim(tmp, "--fault-rate", "1", "--faults", "500", name="down") as sim:
        # (the preflight would refuse this endpoint at once: see below)
        res = compare(sim, "--no-preflight", *args, expect=1)
        check("20 of 20 judge requests failed" in res.err, f"stderr: {short(res.err)}")
        check(res.out == "" and not os.path.exists(out), "statistics of nothing were printed")
        check(sim.stats()["requests"] == 60, f"{sim.stats()['requests']} requests, expected "
                                              "20 questions x 3 (asked again twice)")
    with Sim(tmp, "--seed", "14", name="up") as sim:
        res = compare(sim, *args)
        check(judge_requests(sim) == 20, f"{judge_requests(sim)} judge requests, expected 20")
    check_report(json.loads(res.out), n_pairs=10)
    # with the preflight, the failing endpoint is found with one probe,
    # before any verdict is asked for
    with Sim(tmp, "--status-all", "500", name="pre") as sim:
        res = compare(sim, "--judge-model", "sim-judge", "--pairs", 10, "--retries", 0,
                      "--out", os.path.join(tmp, "r2.json"), run,
                      os.path.join(run, "gen-000.json"), expect=1)
        check("HTTP 500" in res.err and "--no-preflight" in res.err,
              f"preflight: stderr {short(res.err)}")
        check(sim.stats()["by_kind"].get("judge", 0) == 0,
              f"preflight: {sim.stats()['by_kind']} requests, no judge request expected")
    return "lost, then asked again; refused by the preflight"


@test
def compare_interrupted(tmp):
    """SIGINT after some verdicts: exit 130, every verdict that arrived is
    in the file; the same command again asks exactly the missing ones (the
    simulator counts them) and reports all 240."""
    with Sim(tmp, "--seed", "6") as sim:
        run = make_run(sim, tmp, seed=10)
    with Sim(tmp, "--latency", "0.05:0.15", "--seed", "7", name="slow") as sim:
        out = os.path.join(tmp, "r.json")
        vfile = out + ".verdicts.jsonl"
        args = ["compare", "--base-url", sim.url, "--judge-model", "sim-judge",
                "--concurrency", 4, "--out", out, run, os.path.join(run, "gen-000.json")]
        p = subprocess.Popen(bin_cmd(args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=clean_env())
        try:
            deadline = time.monotonic() + 60 * SLOW
            while time.monotonic() < deadline:
                if os.path.exists(vfile) and len(read_jsonl(vfile)) >= 40:
                    break
                if p.poll() is not None:
                    break
                time.sleep(0.05)
            check(p.poll() is None, f"compare ended before the signal (exit {p.returncode})")
            p.send_signal(signal.SIGINT)
            try:
                so, se = p.communicate(timeout=20 * SLOW)
            except subprocess.TimeoutExpired:
                raise TestFail("still running 20s after SIGINT") from None
        finally:
            if p.poll() is None:
                p.kill()
                p.communicate()
        res = Result(p.returncode, so.decode(), se.decode(), 0)
        vg_check(res)
        check(res.rc == 130, f"exit {res.rc} after SIGINT, expected 130: {short(res.err)}")
        check(not os.path.exists(out), "--out was written by an interrupted comparison")
        kept = len(read_jsonl(vfile))
        first = judge_requests(sim)
        check(kept == first, f"{first} judge requests answered before the signal, {kept} kept")
        check(40 <= kept < 240, f"{kept} verdicts kept")
        res = compare(sim, "--judge-model", "sim-judge", "--concurrency", 4, "--out", out, run,
                      os.path.join(run, "gen-000.json"))
        again = judge_requests(sim) - first
    check(again == 240 - kept, f"the rerun asked {again}, expected the {240 - kept} missing")
    d = json.loads(res.out)
    check_report(d, n_pairs=120)
    check(len(read_jsonl(vfile)) == 240, "the verdict file does not hold all 240")
    check(f"{kept} verdicts in" in res.err, f"the rerun did not say it took {kept}: {short(res.err)}")
    return f"{kept} kept, {again} asked on the rerun"


@test
def compare_panel(tmp):
    """Two judge models: every pair judged by each in both orders, per-judge
    statistics, and the pair's score the mean of the judges'."""
    with Sim(tmp, "--seed", "8", log=True) as sim:
        run = make_run(sim, tmp, seed=11)
        before = judge_requests(sim)
        n_log = len(sim.log())
        res = compare(sim, "--judge-model", "judge-one", "--judge-model", "judge-two",
                      "--pairs", 30, run, os.path.join(run, "gen-000.json"), cwd=tmp)
        check(len([f for f in os.listdir(tmp) if f.endswith(".verdicts.jsonl")]) == 1,
              "without --out, the verdict file is not in the current directory")
        asked = judge_requests(sim) - before
        models = {}
        for r in sim.log()[n_log:]:
            if r.get("kind") == "judge":
                models[r["body"]["model"]] = models.get(r["body"]["model"], 0) + 1
    d = json.loads(res.out)
    check(asked == 120, f"{asked} judge requests, expected 30 pairs x 2 judges x 2 orders")
    check(models == {"judge-one": 60, "judge-two": 60}, f"requests by model: {models}")
    check_report(d, n_pairs=30, judges=["judge-one", "judge-two"])
    check(len(d.get("per_judge", [])) == 2, "no per_judge statistics")
    for k, pj in enumerate(d["per_judge"]):
        one = dict(d)
        one["judges"] = [pj["judge"]]
        one["pairs_detail"] = []
        for p in d["pairs_detail"]:
            q = dict(p)
            q["verdicts"] = [v for v in p["verdicts"] if v["judge"] == pj["judge"]]
            dec = [v for v in q["verdicts"] if v["winner"]]
            q["score"] = (sum(vscore(v["winner"]) for v in dec) / len(dec)
                          if {v["first"] for v in dec} == {"a", "b"} else None)
            one["pairs_detail"].append(q)
        one.update({k2: pj[k2] for k2 in pj if k2 != "judge"})
        check_report(one, judges=[pj["judge"]])
        check(all(len(p["verdicts"]) == 4 for p in d["pairs_detail"]), "4 verdicts per pair")
    return ", ".join(f"{pj['judge']} {100 * pj['win_rate']:.0f}%" for pj in d["per_judge"])


@test
def compare_verdicts_mode(tmp):
    """--verdicts FILE: the same statistics as the live comparison that wrote
    FILE, with no request; and a person's file (rate's format, one order,
    ties) read the same way."""
    with Sim(tmp, "--seed", "9") as sim:
        run = make_run(sim, tmp, seed=12)
        out = os.path.join(tmp, "r.json")
        compare(sim, "--judge-model", "sim-judge", "--seed", 5, "--out", out, run,
                os.path.join(run, "gen-000.json"))
        before = sim.stats()["requests"]
        res = compare(sim, "--seed", 5, "--verdicts", out + ".verdicts.jsonl")
        check(sim.stats()["requests"] == before, "--verdicts sent a request")
    live, rec = load_json(out), json.loads(res.out)
    for k in ("pairs", "a_wins", "b_wins", "ties", "win_rate", "ci_lo", "ci_hi", "ci_boot_lo",
              "ci_boot_hi", "p_value", "order_agreement", "length_controlled_win_rate",
              "distinct_pairs", "judges"):
        check(live[k] == rec[k], f"{k}: live {live[k]}, from the file {rec[k]}")
    check_summary(res.err, rec, "A", "B")
    # A person's ratings, written by hand in rate's format.
    people = os.path.join(tmp, "people.jsonl")
    rows = [("x1", "y1", "a", "a"), ("x1", "y2", "b", "tie"), ("x2", "y1", "a", "b"),
            ("x2", "y2", "b", "a"), ("x3", "y1", "a", "a")]
    with open(people, "w") as f:
        for k, (a, b, first, w) in enumerate(rows):
            f.write(json.dumps({"judge": "person", "pair": k, "a_id": a, "b_id": b,
                                "first": first, "winner": w, "seconds": 3.5}) + "\n")
    res = compare(None, "--verdicts", people, "--out", os.path.join(tmp, "p.json"))
    d = json.loads(res.out)
    check_report(d, n_pairs=5, judges=["person"], two_orders=False)
    check(d["order_agreement"] is None and d["ties"] == 1 and close(d["win_rate"], 0.7),
          f"a person's file: {d['win_rate']}, ties {d['ties']}")
    return f"live {100 * live['win_rate']:.1f}% = recorded"


@test
def compare_bad_input(tmp):
    """Every bad input: exit 2, the endpoint never asked, nothing written."""
    with Sim(tmp, "--seed", "10") as sim:
        run = make_run(sim, tmp, seed=13)
        g0 = os.path.join(run, "gen-000.json")
        work = os.path.join(tmp, "work")
        os.mkdir(work)
        empty = os.path.join(work, "empty.jsonl")
        with open(empty, "w") as f:
            f.write("\n")
        badset = os.path.join(work, "bad.jsonl")
        with open(badset, "w") as f:
            f.write('{"id": "a", "text": "x"}\n{"id": "b"}\n')
        plain = os.path.join(work, "plain.jsonl")
        with open(plain, "w") as f:
            f.write('{"id": "p1", "text": "A story."}\n')
        badv = os.path.join(work, "bad.verdicts.jsonl")
        with open(badv, "w") as f:
            f.write('{"judge": "j"}\n{"judge": "j"}\n')
        taken = os.path.join(work, "taken.json")
        with open(taken + ".verdicts.jsonl", "w") as f:
            f.write("not a verdict\n{}\n")
        nodir = os.path.join(work, "no", "such", "r.json")
        os.mkdir(os.path.join(work, "adir"))
        J = ["--judge-model", "sim-judge"]
        cases = [
            ("unknown set", J + [os.path.join(work, "nope"), g0], "nope"),
            ("a set with no story", J + [run, empty], "empty.jsonl"),
            ("an empty directory", J + [run, os.path.join(work, "adir")], "gen-000"),
            ("a bad set line", J + [run, badset], "line 2"),
            ("--pairs 0", J + ["--pairs", 0, run, g0], "pairs"),
            ("--top 0", J + ["--top", 0, run, g0], "top"),
            ("no judge", [run, g0], "judge-model"),
            ("one set", J + [run], "two sets"),
            ("three sets", J + [run, g0, g0], "unexpected"),
            ("both --verdicts and sets", ["--verdicts", badv, run, g0], "not both"),
            ("unreadable --verdicts", ["--verdicts", os.path.join(work, "none.jsonl")], "none.jsonl"),
            ("a bad --verdicts file", ["--verdicts", badv], "line 1"),
            ("a bad verdict file to continue", J + ["--out", taken, run, g0], "line 1"),
            ("--out in no directory", J + ["--out", nodir, run, g0], "no directory"),
            ("--out a directory", J + ["--out", os.path.join(work, "adir"), run, g0], "directory"),
            ("--prompt-file missing", J + ["--prompt-file", os.path.join(work, "x.txt"), run, g0], "x.txt"),
            ("--rubric missing", J + ["--rubric", os.path.join(work, "r.txt"), run, g0], "r.txt"),
            ("no prompt for a JSON Lines set", J + [plain, g0], "prompt"),
            ("--prompt and --prompt-file", J + ["--prompt", "x", "--prompt-file", plain, run, g0], "exclude"),
            ("--judge-logprobs maybe", J + ["--judge-logprobs", "maybe", run, g0], "judge-logprobs"),
            ("the same judge twice", J + J + [run, g0], "twice"),
            ("--verdicts-dir a file", J + ["--verdicts-dir", plain, run, g0], "not a directory"),
        ]
        before_files = listing(tmp)
        cwd_before = set(os.listdir(work))
        for what, args, words in cases:
            res = run_bin(["compare", "--base-url", sim.url] + [str(a) for a in args], cwd=work)
            check(res.rc == 2, f"{what}: exit {res.rc}, expected 2 ({short(res.err)})")
            check(res.err.startswith("alphawrite: ") and words in res.err,
                  f"{what}: expected 'alphawrite: ...{words}...', got {short(res.err)}")
            check(res.out == "", f"{what}: printed on stdout")
        # A bad base URL is a usage error too.
        res = run_bin(["compare", "--base-url", "ftp://x", "--judge-model", "j", run, g0], cwd=work)
        check(res.rc == 2 and "base URL" in res.err, f"bad base URL: {res!r}")
        evolve_requests = load_json(os.path.join(run, "run.json"))["usage"]["requests"]
        check(sim.stats()["requests"] == evolve_requests,
              f"the endpoint saw {sim.stats()['requests'] - evolve_requests} requests from "
              "bad invocations")
    check(listing(tmp) == before_files, f"files written: {listing(tmp) ^ before_files}")
    check(set(os.listdir(work)) == cwd_before, "a verdict file appeared in the current directory")
    return f"{len(cases) + 1} bad inputs"


# --------------------------------------------------------------------------
# rate, in a terminal
# --------------------------------------------------------------------------
class Tmux:
    """A tmux server of our own (its socket in tmp), one window of w x h."""

    def __init__(self, tmp, w=100, h=30):
        if not shutil.which("tmux"):
            raise TestFail("tmux is not installed (apt-get install tmux)")
        self.tmp = tmp
        self.n = 0
        self.sock = os.path.join(tmp, "tmux-0.sock")
        self.w, self.h = w, h
        self.started = False

    def tmux(self, *args, check_rc=True):
        p = subprocess.run(["tmux", "-u", "-S", self.sock] + list(args), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=30,
                           env=clean_env(TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8"))
        if check_rc and p.returncode != 0:
            raise TestFail(f"tmux {' '.join(args)}: {p.stderr.decode()}")
        return p.stdout.decode("utf-8", "replace")

    def start(self, shell_cmd):
        if self.started:
            # a server of its own each time: a new session on the socket of
            # a server still shutting down can find it gone
            self.tmux("kill-server", check_rc=False)
            self.n += 1
            self.sock = os.path.join(self.tmp, f"tmux-{self.n}.sock")
        self.tmux("new-session", "-d", "-x", str(self.w), "-y", str(self.h), shell_cmd)
        self.started = True

    def screen(self):
        return self.tmux("capture-pane", "-p", check_rc=False)

    def keys(self, *keys):
        for k in keys:
            self.tmux("send-keys", k)
            time.sleep(0.15)

    def wait_for(self, text, seconds=10):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            s = self.screen()
            if text in s:
                return s
            time.sleep(0.05)
        raise TestFail(f"the screen never showed {text!r}: {short(self.screen(), 600)}")

    def stop(self):
        if self.started:
            self.tmux("kill-server", check_rc=False)


def wait_file(path, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path) as f:
                text = f.read()
            if text.endswith("\n"):
                return text.strip()
        time.sleep(0.05)
    raise TestFail(f"{os.path.basename(path)} never appeared")


def blind_check(screen, secrets):
    for s in secrets:
        check(s not in screen, f"the screen shows {s!r}: {short(screen, 800)}")


def rate_secrets(run):
    """What a rater must never see: ids, generations, ratings, the model."""
    out = {"rating", "generation", "Elo", "sim-writer", "g0-", "g1-", "gen-"}
    for name in os.listdir(run):
        if re.fullmatch(r"gen-\d+\.json", name):
            for s in load_json(os.path.join(run, name))["stories"]:
                out.add(s["id"])
                out.add(f"{s['rating']:.0f}")
                out.add(f"{s['elo']:.0f}")
    return out


@test
def rate_in_terminal(tmp):
    """rate in tmux: the premise, blind pairs, 1/2/0, undo, q; a rerun that
    continues and finishes with the statistics; the terminal restored."""
    if VALGRIND:
        return "skipped under valgrind (the screen is timed)"
    with Sim(tmp, "--seed", "11") as sim:
        run = make_run(sim, tmp, population=8, generations=1, seed=14)
    g0 = os.path.join(run, "gen-000.json")
    rfile = os.path.join(tmp, "ratings.jsonl")
    secrets = rate_secrets(run)
    t = Tmux(tmp, 100, 30)
    try:
        def session():
            for f in ("rc", "out.json", "err.txt", "stty.txt"):
                if os.path.exists(os.path.join(tmp, f)):
                    os.remove(os.path.join(tmp, f))
            t.start(f"cd {tmp} && {BIN} rate --pairs 6 --out {rfile} {run} {g0} > out.json "
                    f"2> err.txt; echo $? > rc; stty -a > stty.txt; sleep 60")

        session()
        s = t.wait_for("premise")
        blind_check(s, secrets)
        check("promise" in s.lower(), "the premise (the run's prompt) is not shown")
        t.keys("r")
        s = t.wait_for("rubric")
        t.keys("Escape")
        time.sleep(0.2)
        t.keys("Space")
        s = t.wait_for("Pair 1 of 6")
        check("Story 1" in s and "Story 2" in s and "\u2502" in s,
              f"100 columns: the stories side by side: {short(s, 400)}")
        blind_check(s, secrets)
        top = s
        t.keys("Space")
        check(t.screen() != top, "space did not page down")
        t.keys("PPage")
        t.keys("?")
        t.wait_for("undo the last choice")
        t.keys("Escape", "1")
        s = t.wait_for("Pair 2 of 6")
        blind_check(s, secrets)
        t.keys("2")
        t.wait_for("Pair 3 of 6")
        t.keys("0")
        t.wait_for("Pair 4 of 6")
        lines = wait_file(rfile).splitlines()
        check(len(lines) == 3, f"{len(lines)} lines after three choices")
        t.keys("u")
        t.wait_for("Pair 3 of 6")
        check(len(wait_file(rfile).splitlines()) == 2, "undo did not remove the last line")
        t.keys("q")
        rc = wait_file(os.path.join(tmp, "rc"))
        check(rc == "0", f"q: exit {rc}")
        with open(os.path.join(tmp, "err.txt")) as f:
            err = f.read()
        check("2 of 6 pairs rated" in err, f"q said: {short(err)}")
        stty = wait_file(os.path.join(tmp, "stty.txt"))
        check(re.search(r"(?<!-)icanon", stty) and re.search(r"(?<!-)echo\b", stty),
              f"the terminal was not restored: {short(stty)}")
        v = [json.loads(x) for x in wait_file(rfile).splitlines()]
        check([x["pair"] for x in v] == [0, 1], f"pairs rated {[x['pair'] for x in v]}")
        check(v[0]["winner"] == v[0]["first"], "key 1 chose the story shown as 1")
        check(v[1]["winner"] == {"a": "b", "b": "a"}[v[1]["first"]],
              "key 2 chose the story shown as 2")
        check(all(x["judge"] == "person" and x["seconds"] >= 0 for x in v), "rating lines")

        # Continue: a narrow terminal (the stories one after the other).
        t.w = 60
        session()
        t.wait_for("2 of 6 pairs rated")
        t.keys("x")
        s = t.wait_for("Pair 3 of 6")
        check("\u2502" not in s, "60 columns: the stories one after the other")
        blind_check(s, secrets)
        t.keys("0", "1", "2")
        t.wait_for("Pair 6 of 6")
        t.keys("1")
        rc = wait_file(os.path.join(tmp, "rc"))
        check(rc == "0", f"finished: exit {rc}")
        with open(os.path.join(tmp, "out.json")) as f:
            d = json.load(f)
        with open(os.path.join(tmp, "err.txt")) as f:
            err = f.read()
    finally:
        t.stop()
    v = read_jsonl(rfile)
    check([x["pair"] for x in v] == list(range(6)), f"pairs {[x['pair'] for x in v]}")
    check(sum(1 for x in v if x["winner"] == "tie") == 1, "one tie")
    check_report(d, n_pairs=6, judges=["person"], two_orders=False)
    check(d["ties"] == 1, f"ties {d['ties']}")
    check_summary(err, d, "final", "initial")
    # The file is compare's format: --verdicts gives the same figures.
    res = compare(None, "--verdicts", rfile)
    e = json.loads(res.out)
    check(e["win_rate"] == d["win_rate"] and e["ci_lo"] == d["ci_lo"], "--verdicts differs")
    # Run again when all is rated: the statistics, no terminal needed.
    res = run_bin(["rate", "--pairs", 6, "--out", rfile, run, g0])
    check(res.rc == 0 and json.loads(res.out)["win_rate"] == d["win_rate"],
          f"a finished rating run again: {res!r}")
    return f"A preferred {100 * d['win_rate']:.0f}% of 6 pairs"


@test
def rate_interrupted(tmp):
    """Ctrl-C in the rating view: exit 130, the terminal restored, the
    choices made kept; not a terminal: exit 2 and nothing written; a file
    of other pairs refused."""
    if VALGRIND:
        return "skipped under valgrind (the screen is timed)"
    with Sim(tmp, "--seed", "12") as sim:
        run = make_run(sim, tmp, population=8, generations=1, seed=15)
    g0 = os.path.join(run, "gen-000.json")
    rfile = os.path.join(tmp, "ratings.jsonl")
    res = run_bin(["rate", "--out", rfile, run, g0])
    check(res.rc == 2 and "terminal" in res.err, f"not a terminal: {res!r}")
    check(not os.path.exists(rfile), "not a terminal: the file was written")
    t = Tmux(tmp, 90, 24)
    try:
        t.start(f"cd {tmp} && {BIN} rate --out {rfile} {run} {g0} 2> err.txt; echo $? > rc; "
                f"stty -a > stty.txt; sleep 60")
        t.wait_for("premise")
        t.keys("Enter")
        t.wait_for("Pair 1 of")
        t.keys("1", "2")
        t.wait_for("Pair 3 of")
        t.keys("C-c")
        rc = wait_file(os.path.join(tmp, "rc"))
        stty = wait_file(os.path.join(tmp, "stty.txt"))
    finally:
        t.stop()
    check(rc == "130", f"Ctrl-C: exit {rc}")
    check(re.search(r"(?<!-)icanon", stty) and re.search(r"(?<!-)echo\b", stty),
          f"the terminal was not restored after Ctrl-C: {short(stty)}")
    check(len(read_jsonl(rfile)) == 2, "the two choices before Ctrl-C were not kept")
    # The same file with another seed draws other pairs: refused, unchanged.
    with open(rfile) as f:
        text = f.read()
    res = run_bin(["rate", "--seed", 99, "--out", rfile, run, g0])
    check(res.rc == 2 and "not the pair drawn" in res.err, f"other pairs: {res!r}")
    with open(rfile) as f:
        check(f.read() == text, "the refused file was changed")
    return "2 choices kept"


if __name__ == "__main__":
    sys.exit(run_tests(sys.argv[1:], __doc__, "e2e_compare", "aw-e2e-compare-"))
