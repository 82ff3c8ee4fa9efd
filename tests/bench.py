#!/usr/bin/env python3
"""tests/bench.py - `make bench`: figures for alphawrite against the simulated
endpoint on loopback.  It prints numbers; it never fails on a slow machine.

For each scenario it starts tests/simendpoint.py, runs ./alphawrite evolve,
and reports:
  calls        requests the binary sent (run.json usage.requests)
  wall         wall-clock seconds of the run
  bound        the critical-path lower bound: each phase must wait for its
               slowest call and cannot beat calls x mean latency / window,
               so bound = sum over phases of max(calls*mean/conc, E[max latency])
  window use   mean requests in flight / --concurrency while requests were due
  peak         most requests in flight at once (run.json and the simulator)
  cpu/request  user+sys CPU seconds of alphawrite per request
  peak RSS     maximum resident memory of alphawrite

  python3 tests/bench.py [--quick]
"""
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "alphawrite")
SIM = os.path.join(ROOT, "tests", "simendpoint.py")


def start_sim(tmp, latency):
    portfile = os.path.join(tmp, "port")
    p = subprocess.Popen([sys.executable, SIM, "--port", "0", "--port-file", portfile,
                          "--latency", latency, "--max-seconds", "1800"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if os.path.exists(portfile) and open(portfile).read().strip():
            return p, int(open(portfile).read())
        time.sleep(0.05)
    p.kill()
    raise SystemExit("bench: the simulated endpoint did not start")


def sim_stats(port):
    import urllib.request
    with urllib.request.urlopen("http://127.0.0.1:%d/sim/stats" % port) as r:
        return json.load(r)


def expected_max(lo, hi, n):
    """E[max of n uniform(lo, hi)]."""
    return lo + (hi - lo) * n / (n + 1)


def phase_calls(n, gens, top, variants, rounds):
    """(calls, parallel width) per phase of a run without faults."""
    phases = [(n, n), (rounds * (n // 2), rounds * (n // 2))]
    m = top + top * variants
    for _ in range(gens):
        phases.append((top * variants, top * variants))
        phases.append((rounds * (m // 2), rounds * (m // 2)))
    return phases


def bound(phases, conc, lo, hi):
    mean = (lo + hi) / 2
    total = 0.0
    for calls, width in phases:
        waves = max(calls * mean / conc, expected_max(lo, hi, min(width, conc)))
        total += waves
    return total


def run(name, n, gens, top, variants, rounds, conc, lo, hi):
    with tempfile.TemporaryDirectory() as tmp:
        sim, port = start_sim(tmp, "%g:%g" % (lo, hi))
        out = os.path.join(tmp, "out")
        args = [BIN, "evolve", "--model", "sim", "--base-url", "http://127.0.0.1:%d/v1" % port,
                "--out", out, "--population", str(n), "--generations", str(gens),
                "--top", str(top), "--variants", str(variants), "--rounds", str(rounds),
                "--concurrency", str(conc), "--seed", "1", "--quiet"]
        try:
            t0 = time.monotonic()
            p = subprocess.Popen(args)
            _, status, ru = os.wait4(p.pid, 0)
            wall = time.monotonic() - t0
            stats = sim_stats(port)
        finally:
            sim.terminate()
            sim.wait()
        if os.waitstatus_to_exitcode(status) != 0:
            print("%-34s failed (exit %d)" % (name, os.waitstatus_to_exitcode(status)))
            return None
        usage = json.load(open(os.path.join(out, "run.json")))["usage"]
        calls = usage["requests"]
        b = bound(phase_calls(n, gens, top, variants, rounds), conc, lo, hi)
        cpu = ru.ru_utime + ru.ru_stime
        return {
            "name": name, "calls": calls, "wall": wall, "bound": b,
            "lower": calls * (lo + hi) / 2 / conc,
            "window": usage["window_use"], "peak": usage["peak_in_flight"],
            "sim_peak": stats["peak_in_flight"], "cpu_ms": 1000 * cpu / max(calls, 1),
            "rss_mb": ru.ru_maxrss / 1024.0,
        }


def main():
    quick = "--quick" in sys.argv
    if not os.path.exists(BIN):
        raise SystemExit("bench: build ./alphawrite first (make)")
    scenarios = [
        # name, N, G, K, V, R, concurrency, latency lo, hi
        ("paper scale, 60 in flight", 60, 5, 5, 5, 10, 60, 0.5, 1.5),
        ("paper scale, 16 in flight", 60, 5, 5, 5, 10, 16, 0.5, 1.5),
        ("population 1000, no latency", 1000, 1, 5, 5, 10, 60, 0.0, 0.0),
    ]
    if quick:
        scenarios = [("small, 16 in flight", 20, 2, 4, 4, 4, 16, 0.1, 0.3)]
    print("%-30s %6s %8s %8s %8s %7s %5s %9s %8s" %
          ("scenario", "calls", "wall s", "bound s", "calls*L/c", "window", "peak",
           "cpu/req", "peak RSS"))
    for sc in scenarios:
        r = run(*sc)
        if r:
            print("%-30s %6d %8.1f %8.1f %8.1f %6.0f%% %5d %7.3fms %6.1fMB" %
                  (r["name"], r["calls"], r["wall"], r["bound"], r["lower"],
                   100 * r["window"], r["peak"], r["cpu_ms"], r["rss_mb"]))
    print("\nbound: sum over phases of max(calls*mean latency/concurrency, expected slowest call);"
          "\ncalls*L/c: calls x mean latency / concurrency (ignores phase barriers);"
          "\nwindow: mean in flight / concurrency while a phase runs.")


if __name__ == "__main__":
    main()
