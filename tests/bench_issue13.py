#!/usr/bin/env python3
"""tests/bench_issue13.py - the benchmark sections of issue 13, run by
tests/bench.py (`make bench`) and on their own:

  python3 tests/bench_issue13.py [--quick] [--seeds N] [--jobs J] [--part temperature|diversity]

Temperature: paper-scale runs (population 60, 5 generations, top 5, 5
variants) against a simulator whose stories lose C (t - T)^2 of quality when
written at temperature t (--best-temperature T --temperature-penalty C): the
true quality (GET /sim/truth) of the last generation's top 5 and of its
rank-1 story, for --temperature auto against fixed temperatures, the best
fixed one (T itself, the oracle) included; and in a world where temperature
does not matter (C = 0), where auto must not cost quality.

Diversity: the same runs with variants that keep about half of their
parent's sentences (--variant-keep 0.5), so that lineage shows in the words,
at --diversity W for several W: how many generation-0 lineages the last
generation holds, its mean deviation, distinct-2 and compression ratio
(from the generation file), and the true quality of its rank-1 story and
top 5.

Every scheme sees the same seeds: run i uses alphawrite --seed 301+i and a
simulator seeded 7001+13i, so differences between schemes are paired.
"""
import argparse
import concurrent.futures
import math
import os
import statistics
import sys
import tempfile
import time

# The benchmark module whose simulator runner (and private copy of the
# binary) the sections use: tests/bench.py hands itself over (sections());
# run alone, this file imports it.
B = None
ONLY = None      # the temperature part's schemes to run (--only), None: all

PAPER = ["--population", "60", "--generations", "5", "--top", "5", "--variants", "5",
         "--concurrency", "60"]
TOPK = 5
HIDDEN_T = 0.6          # the hidden best temperature
PENALTY = 2.0           # quality lost: PENALTY * (t - HIDDEN_T)^2
SIM_T = ["--best-temperature", str(HIDDEN_T), "--temperature-penalty", str(PENALTY)]
SIM_FLAT = ["--best-temperature", str(HIDDEN_T), "--temperature-penalty", "0"]
SIM_KEEP = ["--variant-keep", "0.5"]


def mean(v):
    return sum(v) / len(v) if v else float("nan")


def se(v):
    return statistics.stdev(v) / math.sqrt(len(v)) if len(v) > 1 else float("nan")


def final_quality(res):
    """True quality of the last generation's rank-1 story and mean of its top K."""
    last = res["gens"][-1]
    quality = {sid: s["quality"] for sid, s in res["truth"]["stories"].items()}
    ranked = sorted(last["stories"], key=lambda s: s["rank"])
    q = [quality[B.sim_id(s)] for s in ranked[:TOPK]]
    return q[0], mean(q)


def final_penalty(res, penalty):
    """Mean quality the last generation's top K lost to the temperature they
    were written at (penalty * (t - HIDDEN_T)^2, t from the simulator)."""
    last = res["gens"][-1]
    truth = res["truth"]["stories"]
    ranked = sorted(last["stories"], key=lambda s: s["rank"])[:TOPK]
    return mean([penalty * (truth[B.sim_id(s)]["temperature"] - HIDDEN_T) ** 2 for s in ranked])


def temperature_mix(res):
    """Share of the variants written in the last two generations at each temperature."""
    gens = res["gens"]
    temps = [s["temperature"] for g in gens[-2:] for s in g["stories"]
             if s["born"] == g["generation"] and s.get("parent_id")]
    out = {}
    for t in temps:
        out[t] = out.get(t, 0) + 1
    return {t: c / len(temps) for t, c in out.items()} if temps else {}


FIRST_SEED = 0   # run i uses seed index FIRST_SEED + i (--first-seed)


def run_all(jobs, schemes, seeds, failures, what, score):
    """Every (scheme, seed): scheme = (key, flags, sim flags); returns
    {key: {seed: score(result)}}."""
    results = {sc[0]: {} for sc in schemes}

    def one(job):
        sc, i = job
        res = B.sim_run(PAPER + sc[1], seed=301 + i, sim_seed=7001 + 13 * i,
                        sim_extra=B.SIM_JUDGE + sc[2])
        return score(res)

    seeds = [FIRST_SEED + i for i in seeds]
    work = [(sc, i) for sc in schemes for i in seeds]
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        futs = {ex.submit(one, job): job for job in work}
        for f in concurrent.futures.as_completed(futs):
            sc, i = futs[f]
            try:
                results[sc[0]][i] = f.result()
            except B.Broken as e:
                failures.append("%s %s seed %d: %s" % (what, sc[0], i, e))
            except Exception as e:
                failures.append("%s %s seed %d: %s: %s" % (what, sc[0], i, type(e).__name__, e))
    return results


def paired(a, b, key):
    """mean and se of b[key] - a[key] over the seeds both have."""
    d = [b[i][key] - a[i][key] for i in a if i in b]
    return mean(d), se(d)


# --------------------------------------------------------------------------
# Temperature
# --------------------------------------------------------------------------
def temperature(opts, failures):
    fixed = [HIDDEN_T, 1.0, 1.5]
    schemes = [("auto", ["--temperature", "auto"], SIM_T)]
    schemes += [("fixed %g" % t, ["--temperature", str(t)], SIM_T) for t in fixed]
    schemes += [("flat auto", ["--temperature", "auto"], SIM_FLAT),
                ("flat fixed 1", ["--temperature", "1.0"], SIM_FLAT)]
    if ONLY:
        schemes = [sc for sc in schemes if sc[0] in ONLY]
    seeds = list(range(opts.seeds))
    print("temperature: %d schemes x %d seeds, %d at a time"
          % (len(schemes), len(seeds), opts.jobs), flush=True)
    t0 = time.monotonic()

    def score(res):
        top1, topk = final_quality(res)
        return {"top1": top1, "topk": topk, "mix": temperature_mix(res),
                "cost": final_penalty(res, PENALTY),
                "requests": res["run"]["usage"]["requests"], "wall": res["wall"]}

    results = run_all(opts.jobs, schemes, seeds, failures, "temperature", score)
    rows = []
    for key, flags, sim in schemes:
        per = results[key]
        if not per:
            continue
        mix = {}
        for r in per.values():
            for t, c in r["mix"].items():
                mix[t] = mix.get(t, 0) + c / len(per)
        rows.append({"key": key, "flags": flags, "world": "flat" if sim is SIM_FLAT else "hidden",
                     "n": len(per),
                     "top1": mean([r["top1"] for r in per.values()]),
                     "top1_se": se([r["top1"] for r in per.values()]),
                     "topk": mean([r["topk"] for r in per.values()]),
                     "topk_se": se([r["topk"] for r in per.values()]),
                     "cost": mean([r["cost"] for r in per.values()]) if sim is SIM_T else 0.0,
                     "cost_se": se([r["cost"] for r in per.values()]) if sim is SIM_T else 0.0,
                     "wall": mean([r["wall"] for r in per.values()]),
                     "mix": mix, "per": per})
    by = {r["key"]: r for r in rows}
    notes = []
    oracle, default, auto = by.get("fixed %g" % HIDDEN_T), by.get("fixed 1"), by.get("auto")
    if oracle and default and auto:
        d, e = paired(oracle["per"], auto["per"], "topk")
        d0, e0 = paired(oracle["per"], default["per"], "topk")
        cgap = default["cost"] - oracle["cost"]
        ccl = (default["cost"] - auto["cost"]) / cgap if cgap > 0 else float("nan")
        notes.append("auto closes %.0f%% of the gap between the default fixed 1.0 and the "
                     "oracle fixed %g in the quality its top %d loses to temperature; in their "
                     "true quality, auto minus oracle %+.3f ± %.3f and default minus oracle "
                     "%+.3f ± %.3f (paired)" % (100 * ccl, HIDDEN_T, TOPK, d, e, d0, e0))
    fa, ff = by.get("flat auto"), by.get("flat fixed 1")
    if fa and ff:
        d, e = paired(ff["per"], fa["per"], "topk")
        d1, e1 = paired(ff["per"], fa["per"], "top1")
        notes.append("where temperature does not matter, auto minus fixed 1.0: top-%d %+.3f ± "
                     "%.3f, rank 1 %+.3f ± %.3f (paired)" % (TOPK, d, e, d1, e1))
    return {"rows": rows, "notes": notes, "seconds": time.monotonic() - t0, "seeds": len(seeds)}


def temperature_md(t):
    L = ["## Learning the writing temperature (`--temperature auto`)", "",
         "Paper-scale runs (%s) against a simulator whose stories lose %g (t − %g)² of quality "
         "when written at temperature t (`--best-temperature %g --temperature-penalty %g`), "
         "and one where temperature does not matter (penalty 0). Quality is the simulator's "
         "hidden truth (logits) of the last generation's rank-1 story and the mean of its top %d; "
         "%d seeds, paired (%.0f s). `mix` is the share of the variants of the last two "
         "generations written at each temperature."
         % (" ".join(PAPER), PENALTY, HIDDEN_T, HIDDEN_T, PENALTY, TOPK, t["seeds"],
            t["seconds"]), ""]
    L.append("| world | writing temperature | rank-1 quality | top-%d quality | top-%d lost to "
             "temperature | wall s | mix |" % (TOPK, TOPK))
    L.append("|---|---|---:|---:|---:|---:|---|")
    for r in t["rows"]:
        mix = " ".join("%g:%.0f%%" % (k, 100 * v) for k, v in sorted(r["mix"].items()) if v >= 0.01)
        L.append("| %s | `%s` | %.3f ± %.3f | %.3f ± %.3f | %.3f ± %.3f | %.1f | %s |"
                 % ("penalty %g, best %g" % (PENALTY, HIDDEN_T) if r["world"] == "hidden"
                    else "penalty 0", " ".join(r["flags"]), r["top1"], r["top1_se"], r["topk"],
                    r["topk_se"], r["cost"], r["cost_se"], r["wall"], mix))
    L.append("")
    L += ["- " + n for n in t["notes"]]
    L.append("")
    return L


# --------------------------------------------------------------------------
# Diversity
# --------------------------------------------------------------------------
DIVERSITY_W = [0, 0.5, 1, 2]


def diversity(opts, failures, extra=()):
    schemes = [("W=%g" % w, ["--diversity", str(w)] + list(extra), SIM_KEEP)
               for w in DIVERSITY_W if not ONLY or "W=%g" % w in ONLY]
    seeds = list(range(opts.seeds))
    print("diversity: %d schemes x %d seeds, %d at a time"
          % (len(schemes), len(seeds), opts.jobs), flush=True)
    t0 = time.monotonic()

    def score(res):
        top1, topk = final_quality(res)
        d = res["gens"][-1].get("diversity") or {}
        rewrites = sum(1 for g in res["gens"] for s in g["stories"] + g["failed"]
                       if s["born"] == g["generation"] and s.get("near_copy"))
        return {"top1": top1, "topk": topk, "lineages": d.get("lineages", float("nan")),
                "deviation": d.get("mean_deviation", float("nan")),
                "distinct_2": d.get("distinct_2", float("nan")),
                "compression": d.get("compression_ratio", float("nan")),
                "requests": res["run"]["usage"]["requests"], "rewrites": rewrites}

    results = run_all(opts.jobs, schemes, seeds, failures, "diversity", score)
    rows = []
    for key, flags, _sim in schemes:
        per = results[key]
        if not per:
            continue
        row = {"key": key, "flags": flags, "n": len(per), "per": per}
        for k in ("top1", "topk", "lineages", "deviation", "distinct_2", "compression",
                  "requests", "rewrites"):
            row[k] = mean([r[k] for r in per.values()])
            row[k + "_se"] = se([r[k] for r in per.values()])
        rows.append(row)
    by = {r["key"]: r for r in rows}
    notes = []
    base = by.get("W=0")
    for r in rows if base else []:
        if r is base or not base:
            continue
        d, e = paired(base["per"], r["per"], "top1")
        dk, ek = paired(base["per"], r["per"], "topk")
        notes.append("%s: %.1f× the lineages of W=0; rank-1 quality %+.3f ± %.3f, top-%d "
                     "%+.3f ± %.3f (paired)" % (r["key"], r["lineages"] / base["lineages"]
                                                if base["lineages"] else float("nan"),
                                                d, e, TOPK, dk, ek))
    return {"rows": rows, "notes": notes, "seconds": time.monotonic() - t0, "seeds": len(seeds)}


def diversity_md(t):
    L = ["## Keeping the population diverse (`--diversity W`)", "",
         "Paper-scale runs (%s) against the simulator with `--variant-keep 0.5` (a variant keeps "
         "about half of its parent's sentences, so lineage shows in the words); the last "
         "generation's lineages (generation-0 ancestors it descends from), mean deviation, "
         "distinct-2 and compression ratio, and the true quality of its rank-1 story and top %d; "
         "%d seeds, paired (%.0f s)." % (" ".join(PAPER), TOPK, t["seeds"], t["seconds"]), ""]
    L.append("| W | lineages | mean deviation | distinct-2 | compression | rank-1 quality | "
             "top-%d quality | rewrites | requests |" % TOPK)
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in t["rows"]:
        L.append("| %s | %.1f ± %.1f | %.3f | %.3f | %.3f | %.3f ± %.3f | %.3f ± %.3f | %.1f | %.0f |"
                 % (r["key"][2:], r["lineages"], r["lineages_se"], r["deviation"],
                    r["distinct_2"], r["compression"], r["top1"], r["top1_se"], r["topk"],
                    r["topk_se"], r["rewrites"], r["requests"]))
    L.append("")
    L += ["- " + n for n in t["notes"]]
    L.append("")
    return L


def sections(opts, failures, bench_module):
    """Both sections for tests/bench.py: markdown lines.  Seeds: 10 (3 with
    --quick), whatever part 1 uses."""
    global B
    B = bench_module
    import argparse
    o = argparse.Namespace(seeds=3 if opts.quick else 10, jobs=opts.jobs, quick=opts.quick)
    return temperature_md(temperature(o, failures)) + diversity_md(diversity(o, failures))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seeds", type=int)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--part", choices=("temperature", "diversity"), action="append")
    ap.add_argument("--extra", action="append", default=[],
                    help="extra alphawrite flags for the diversity part")
    ap.add_argument("--binary", help="the alphawrite binary to measure [./alphawrite]")
    ap.add_argument("--first-seed", type=int, default=0,
                    help="seed index of the first run (runs use --seed 301+i) [0]")
    ap.add_argument("--only", help="comma-separated scheme names to run (auto, \"fixed "
                    "0.6\", \"fixed 1\", \"fixed 1.5\", \"flat auto\", \"flat fixed 1\"; "
                    "W=0, W=0.5, W=1, W=2)")
    opts = ap.parse_args(argv)
    if opts.seeds is None:
        opts.seeds = 3 if opts.quick else 10
    global B, FIRST_SEED, ONLY
    FIRST_SEED = opts.first_seed
    ONLY = opts.only.split(",") if opts.only else None
    import bench
    B = bench
    if opts.binary:
        bench.BIN = os.path.abspath(opts.binary)
    snap = tempfile.mkdtemp(prefix="aw-bench13-bin-")
    bench.snapshot_binary(snap)
    failures = []
    parts = opts.part or ["temperature", "diversity"]
    L = []
    if "temperature" in parts:
        L += temperature_md(temperature(opts, failures))
    if "diversity" in parts:
        L += diversity_md(diversity(opts, failures, opts.extra))
    import shutil
    shutil.rmtree(snap, ignore_errors=True)
    print("\n".join(L))
    for f in failures:
        print("FAILURE: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
