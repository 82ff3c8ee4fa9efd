#!/usr/bin/env python3
"""End-to-end tests of spending nothing by mistake (issue 15) and of the
sequential-prompting baseline (issue 12, section 2), against
tests/simendpoint.py on loopback.

  preflight     a misspelt model (writer or judge), 401 without a key and
                with a wrong one, a route without /v1, a server that answers
                HTML, connection refused, https to a plain-HTTP server, a DNS
                failure: exit 1 in seconds, nothing made, only the probes sent,
                and a message naming the role, the model, the URL and the
                fix; --no-preflight sends no probe; a URL's user:password is
                never shown.
  models        a resumed run may change the model of a role that has done no
                work (and pays for nothing twice), not one that has.
  dry run       the JSON plan, nothing sent, nothing written; the real run's
                requests and tokens within 15% of it (the default scheme and
                --rounds).
  caps          --max-requests, --max-tokens, --max-cost: the run stops short
                of the cap (exit 1, status failed, how to continue), and
                --resume with a higher cap finishes without paying twice;
                usage.by_role and usage.cost against the prices.
  endpoints     --judge-base-url, ALPHAWRITE_JUDGE_API_KEY, which key goes
                where, --header/--judge-header, --extra-body/--judge-extra-body:
                each reaches the right requests and no value is written.
  result        the result lines on stdout (even --quiet), each generation's
                best and median on stderr, against the generation files.
  baseline      `alphawrite baseline`: the budget of a run (by role, or
                requests less judge calls), chains, parents, no judge call,
                SIGKILL and --resume, bad input, and compare reading it.

Run from anywhere:

    python3 tests/e2e_safety.py              every test
    python3 tests/e2e_safety.py NAME...      only these tests (see --list)

Output: one line per test, "ok NAME # figures" or "FAIL NAME: reason", then
exactly one line "N passed, N failed".  A test whose docstring starts with
"BUG" shows a defect of the binary found while writing this suite: it fails
until the defect is fixed (each says what is wrong).  The harness is tests/harness.py.
Python 3 standard library only.  The simulator's --count-tokens (what it
billed, usage reported or not) and --log-headers (header names, never
values) were added for these tests.
"""

import collections
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time

from harness import (SLOW, Sim, TestFail, bin_cmd, check, clean_env, run_bin, run_tests, short,
                     test)
from validate import (Mode, all_files_valid, gen_files, journal_records, journal_vs_files,
                      load_generations, load_json, validate_run)

SMALL = ["--population", 6, "--generations", 0, "--rounds", 1]


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------
def evolve(url, out, *extra, model="sim-writer", env=None, timeout=60):
    args = ["evolve", "--model", model, "--base-url", url]
    if out is not None:
        args += ["--out", out]
    return run_bin(args + [str(e) for e in extra], env=env, timeout=timeout)


def expect(res, rc, what):
    check(res.rc == rc, f"{what}: expected exit {rc}, got {res!r}")
    return res


def free_port():
    """A loopback port nothing listens on (bound, then closed)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def kinds(sim):
    return sim.stats()["by_kind"]


def body_key(rec):
    return json.dumps(rec.get("body"), sort_keys=True)


def repeats(log, which=("story", "variant", "judge", "reask")):
    """Requests of these kinds sent with a body identical to an earlier one:
    the same request paid for twice (a request's seed derives from its
    identity, so a repeat is byte for byte the same)."""
    seen = collections.Counter(body_key(r) for r in log if r.get("kind") in which)
    return sum(n - 1 for n in seen.values())


def all_output(out):
    """(relative path, bytes) of every file under out."""
    found = []
    for root, _dirs, names in os.walk(out):
        for name in names:
            p = os.path.join(root, name)
            with open(p, "rb") as f:
                found.append((os.path.relpath(p, out), f.read()))
    return found


def leaks(needles, res, *dirs):
    """Where any of needles appears: stdout, stderr, or a file under dirs."""
    where = []
    for n in needles:
        if n in res.out:
            where.append(f"{n!r} in stdout")
        if n in res.err:
            where.append(f"{n!r} in stderr")
        for d in dirs:
            for rel, data in all_output(d):
                if n.encode() in data:
                    where.append(f"{n!r} in {rel}")
    return where


def check_refused(res, sim, out, needles, probes, what, seconds=15):
    """A run the preflight refused: exit 1 in seconds, every needle in the
    message, how to skip the check, nothing made, and only `probes` probe
    requests at the simulator (None: no simulator)."""
    expect(res, 1, what)
    for n in needles:
        check(n in res.err, f"{what}: the message does not say {n!r}: {short(res.err, 600)}")
    check("--no-preflight" in res.err, f"{what}: the message does not say how to skip the "
          f"check: {short(res.err)}")
    check(res.elapsed < seconds * SLOW, f"{what}: took {res.elapsed:.1f}s")
    check(not os.path.exists(out), f"{what}: {out} was made although the check failed")
    check(res.out == "", f"{what}: stdout not empty: {short(res.out)}")
    if sim is not None:
        st = sim.stats()
        check(st["requests"] == probes and st["by_kind"]["probe"] == probes,
              f"{what}: the endpoint saw {st['requests']} requests ({st['by_kind']}), "
              f"expected {probes} probe(s) only")


# --------------------------------------------------------------------------
# 1. The preflight
# --------------------------------------------------------------------------
@test
def preflight_model(tmp):
    """A misspelt --judge-model or --model fails in seconds, naming the role,
    the model, the URL and the fix, with only the probes sent."""
    with Sim(tmp, "--models", "sim-writer,sim-judge", name="judge") as sim:
        out = os.path.join(tmp, "j")
        r = evolve(sim.url, out, *SMALL, "--judge-model", "sim-jugde")
        check_refused(r, sim, out, ["judge", "'sim-jugde'", sim.url + "/chat/completions",
                                    "does not exist", "check --model / --judge-model"], 2,
                      "misspelt --judge-model")
        check("writer" not in r.err.split("(checked")[0],
              f"the judge's failure is blamed on the writer: {short(r.err)}")
    with Sim(tmp, "--models", "sim-writer,sim-judge", name="writer") as sim:
        out = os.path.join(tmp, "w")
        r = evolve(sim.url, out, *SMALL, "--judge-model", "sim-judge", model="sim-wrtier")
        check_refused(r, sim, out, ["writer", "'sim-wrtier'", sim.url, "does not exist",
                                    "check --model"], 2, "misspelt --model")
    # the same model for both roles on one endpoint: one probe
    with Sim(tmp, "--models", "sim-writer", name="one") as sim:
        out = os.path.join(tmp, "o")
        r = evolve(sim.url, out, *SMALL, model="sim-wrtier")
        check_refused(r, sim, out, ["writer", "'sim-wrtier'"], 1, "one model, one probe")
    return f"refused in {r.elapsed:.2f}s"


@test
def preflight_auth(tmp):
    """401: with no key the message says none was sent; with a wrong one,
    that it was refused; the key itself is never shown."""
    key = "sk-right-" + secrets.token_hex(8)
    wrong = "sk-wrong-" + secrets.token_hex(8)
    with Sim(tmp, "--require-key", key, name="nokey") as sim:
        out = os.path.join(tmp, "a")
        r = evolve(sim.url, out, *SMALL, env=clean_env(OPENAI_API_KEY=None))
        check_refused(r, sim, out, ["writer", "'sim-writer'", "HTTP 401", "no API key was sent",
                                    "OPENAI_API_KEY"], 1, "401 without a key")
    with Sim(tmp, "--require-key", key, "--echo-key-escaped", name="wrong") as sim:
        out = os.path.join(tmp, "b")
        r = evolve(sim.url, out, *SMALL, env=clean_env(OPENAI_API_KEY=wrong))
        check_refused(r, sim, out, ["writer", "HTTP 401", "the key was refused"], 1,
                      "401 with a wrong key")
        check(wrong not in r.err and wrong[3:] not in r.err,
              f"the refused key is shown: {short(r.err)}")
        check("no API key was sent" not in r.err, "a key was sent, yet the message says none was")
        # the right key passes the check and the run
        out = os.path.join(tmp, "c")
        r = expect(evolve(sim.url, out, *SMALL, "--quiet", env=clean_env(OPENAI_API_KEY=key)),
                   0, "the right key")
        check(not leaks([key], r, out), f"the key leaked: {leaks([key], r, out)}")


@test
def preflight_route_and_html(tmp):
    """A base URL without /v1 on a server that serves /v1 suggests /v1; a
    server that answers a web page says so; one that rate-limits every
    request says what to do."""
    with Sim(tmp, "--require-prefix", "/v1", name="prefix") as sim:
        base = f"http://127.0.0.1:{sim.port}"
        out = os.path.join(tmp, "p")
        r = evolve(base, out, *SMALL)
        check_refused(r, sim, out, ["writer", "HTTP 404", base + "/chat/completions",
                                    "try the base URL with /v1"], 1, "route without /v1")
        expect(evolve(sim.url, os.path.join(tmp, "p2"), *SMALL, "--quiet"), 0, "with /v1")
    with Sim(tmp, "--html-all", name="html") as sim:
        out = os.path.join(tmp, "h")
        r = evolve(sim.url, out, *SMALL)
        check_refused(r, sim, out, ["writer", "'sim-writer'", "a web page",
                                    "check the base URL"], 1, "HTML")
    # 429 past every retry (the preflight retries once): what to do
    with Sim(tmp, "--status-all", "429", "--retry-after", "0.1", name="busy") as sim:
        out = os.path.join(tmp, "r")
        r = evolve(sim.url, out, *SMALL)
        check_refused(r, sim, out, ["writer", "HTTP 429", "rate limited past every retry",
                                    "lower --concurrency"], 2, "429 past every retry")


@test
def preflight_transport(tmp):
    """Connection refused, https to a plain-HTTP server and a DNS failure:
    exit 1 in seconds with words a person can act on."""
    times = []
    out = os.path.join(tmp, "x")
    port = free_port()
    r = evolve(f"http://127.0.0.1:{port}/v1", out, *SMALL)
    check_refused(r, None, out, ["writer", f"127.0.0.1:{port}", "connection refused",
                                 "is the server running"], None, "connection refused")
    times.append(r.elapsed)
    with Sim(tmp, name="plain") as sim:
        r = evolve(f"https://127.0.0.1:{sim.port}/v1", out, *SMALL)
        check_refused(r, None, out, ["writer", f"https://127.0.0.1:{sim.port}/v1",
                                     "does not speak https", "try http://"], None, "TLS mismatch")
        check(sim.stats()["requests"] == 0, "a chat request reached the server over TLS?")
    times.append(r.elapsed)
    r = evolve("http://alphawrite-e2e.invalid/v1", out, *SMALL)
    check_refused(r, None, out, ["writer", "alphawrite-e2e.invalid",
                                 "cannot resolve the host name"], None, "DNS failure")
    times.append(r.elapsed)
    return "seconds: " + ", ".join(f"{t:.2f}" for t in times)


@test
def no_preflight(tmp):
    """--no-preflight sends no probe; without it one probe per distinct
    (endpoint, model)."""
    with Sim(tmp) as sim:
        expect(evolve(sim.url, os.path.join(tmp, "a"), *SMALL, "--quiet", "--no-preflight"),
               0, "--no-preflight")
        check(kinds(sim)["probe"] == 0, f"--no-preflight sent a probe: {kinds(sim)}")
        expect(evolve(sim.url, os.path.join(tmp, "b"), *SMALL, "--quiet"), 0, "preflight")
        check(kinds(sim)["probe"] == 1, f"one model: {kinds(sim)['probe']} probes")
        expect(evolve(sim.url, os.path.join(tmp, "c"), *SMALL, "--quiet", "--judge-model",
                      "sim-judge"), 0, "two models")
        check(kinds(sim)["probe"] == 3, f"two models: {kinds(sim)['probe'] - 1} probes")
        run = load_json(os.path.join(tmp, "c", "run.json"))
        check(run["usage"]["requests"] == sum(run["usage"]["by_role"][r]["requests"]
                                              for r in ("writer", "judge")) + 2,
              f"usage.requests {run['usage']['requests']} is not the roles' plus 2 probes: "
              f"{run['usage']['by_role']}")


@test
def url_credentials(tmp):
    """A base URL with user:password@ never shows the password: not in a
    preflight's message, a run's failure, stdout, or any file; run.json keeps
    the URL without it, and a resumed run must be given it again."""
    pw = "pw" + secrets.token_hex(8)
    with Sim(tmp, "--models", "sim-writer", name="cred") as sim:
        url = f"http://alice:{pw}@127.0.0.1:{sim.port}/v1"
        out = os.path.join(tmp, "ok")
        r = expect(evolve(url, out, "--population", 4, "--generations", 1, "--top", 2,
                          "--variants", 1, "--rounds", 1), 0, "with credentials")
        found = leaks([pw], r, out)
        run = load_json(os.path.join(out, "run.json"))
        check(run["settings"]["base_url"] == sim.url,
              f"run.json base_url {run['settings']['base_url']!r}")
        r2 = expect(run_bin(["evolve", "--resume", out, "--generations", 2]), 2,
                    "resume without the credentials")
        check("--base-url" in r2.err, f"the resume does not ask for --base-url: {short(r2.err)}")
        for what, extra in (("preflight", []), ("run", ["--no-preflight"])):
            d = os.path.join(tmp, what)
            r = evolve(url, d, *SMALL, "--judge-model", "nope", *extra)
            check(r.rc == 1 and "'nope'" in r.err, f"{what}: {r!r}")
            found += leaks([pw], r, d) if os.path.isdir(d) else leaks([pw], r)
    r = evolve(f"http://alice:{pw}@127.0.0.1:{free_port()}/v1", os.path.join(tmp, "x"), *SMALL)
    check(r.rc == 1 and "connection refused" in r.err, f"refused: {r!r}")
    found += leaks([pw], r)
    check(not found, f"the password appears: {found}")


# --------------------------------------------------------------------------
# 2. A resumed run may change an idle role's model
# --------------------------------------------------------------------------
@test
def resume_new_judge_model(tmp):
    """The judge's model is refused mid-run (--no-preflight): exit 1 once the
    stories are written; --resume with a good --judge-model reuses them all
    and finishes; a judge model that gave verdicts, or a writer model that
    wrote stories, cannot change."""
    N, G, K, V = 6, 1, 2, 2
    out = os.path.join(tmp, "run")
    with Sim(tmp, "--models", "sim-writer,sim-judge2", log=True) as sim:
        # one request at a time: every story is written before the judge's
        # first request is refused
        r = evolve(sim.url, out, "--population", N, "--generations", G, "--top", K,
                   "--variants", V, "--judge-model", "sim-jugde", "--no-preflight",
                   "--concurrency", 1, "--seed", 4, "--quiet")
        expect(r, 1, "the judge refused")
        check("judge" in r.err and "'sim-jugde'" in r.err, f"message: {short(r.err)}")
        run = load_json(os.path.join(out, "run.json"))
        check(run["status"] == "failed", f"status {run['status']!r}")
        recs = journal_records(out)
        stories = [x for x in recs if x.get("t") == "story"]
        check(len(stories) == N and not [x for x in recs if x.get("t") == "match"],
              f"journal: {len(stories)} stories, expected {N} and no verdict")
        before = kinds(sim)
        r = expect(run_bin(["evolve", "--resume", out, "--judge-model", "sim-writer",
                            "--quiet"]), 0, "resume with a good judge model")
        after = kinds(sim)
        check(after["story"] == before["story"],
              f"the resumed run wrote {after['story'] - before['story']} first drafts again")
        check(repeats(sim.log()) == 0, f"{repeats(sim.log())} requests paid for twice")
        gens = validate_run(out, N, G, K, V, Mode())
        check(not journal_vs_files(out, gens), f"journal: {journal_vs_files(out, gens)}")
        run = load_json(os.path.join(out, "run.json"))
        check(run["status"] == "complete" and run["settings"]["judge_model"] == "sim-writer",
              f"run.json: {run['status']}, judge_model {run['settings']['judge_model']!r}")
        n = sim.stats()["requests"]
        for opt, model, needle in (("--judge-model", "sim-judge2", "verdicts"),
                                   ("--model", "sim-judge2", "stories")):
            r = expect(run_bin(["evolve", "--resume", out, "--generations", G + 1, opt, model]),
                       2, f"changing {opt} of a run that used it")
            check(opt in r.err and needle in r.err, f"{opt}: {short(r.err)}")
        check(sim.stats()["requests"] == n, "a refused resume sent requests")
    return f"{len(stories)} stories reused"


@test
def fatal_refusal_keeps_paid_replies(tmp):
    """BUG (fails today): when the judge's first request is refused while
    stories are still in flight, those stories are dropped although the
    endpoint wrote (and billed) them, and --resume pays for them again.  A
    cap stops by letting what is in flight land; a refusal should too."""
    out = os.path.join(tmp, "run")
    with Sim(tmp, "--models", "sim-writer", "--latency", "0.05:0.8", "--seed", 2,
             log=True) as sim:
        # the default scheme judges as soon as two stories are written
        r = evolve(sim.url, out, "--population", 10, "--generations", 0, "--judge-budget", 2,
                   "--judge-model", "sim-jugde", "--no-preflight", "--seed", 4, "--quiet")
        expect(r, 1, "the judge refused")
        first = kinds(sim)["story"]
        kept = len([x for x in journal_records(out) if x.get("t") == "story"])
        expect(run_bin(["evolve", "--resume", out, "--judge-model", "sim-writer", "--quiet"]),
               0, "resume")
        again = repeats(sim.log(), ("story",))
    check(again == 0, f"{first} stories were sent before the refusal, {kept} kept in the "
          f"journal; the resumed run paid for {again} of them again")


# --------------------------------------------------------------------------
# 3. --dry-run
# --------------------------------------------------------------------------
def plan_of(res):
    try:
        plan = json.loads(res.out)
    except ValueError:
        raise TestFail(f"--dry-run: stdout is not JSON: {short(res.out)}") from None
    req, tok = plan.get("requests"), plan.get("tokens")
    check(isinstance(req, dict) and all(isinstance(req.get(k), int) for k in
                                        ("writer", "judge", "total"))
          and req["total"] == req["writer"] + req["judge"], f"plan requests {req!r}")
    check(isinstance(tok, dict) and all(isinstance(tok.get(k), (int, float)) and tok[k] > 0
                                        for k in ("prompt", "completion")), f"plan tokens {tok!r}")
    check("cost" in plan, "the plan has no cost (null when unknown)")
    return plan


def ratio(a, b):
    return a / b if b else float("inf")


@test
def dry_run(tmp):
    """--dry-run prints the plan, sends and writes nothing; the real run is
    within 15% of it in requests and tokens, by default and with --rounds."""
    notes = []
    shape = ["--population", 20, "--generations", 2, "--top", 3, "--variants", 3, "--seed", 5]
    for label, extra in (("default", []), ("rounds", ["--rounds", 4])):
        with Sim(tmp, "--count-tokens", name=label) as sim:
            out = os.path.join(tmp, label)
            r = expect(evolve(sim.url, out, *shape, *extra, "--dry-run"), 0, "--dry-run")
            plan = plan_of(r)
            check(plan["cost"] is None, f"cost without prices: {plan['cost']!r}")
            r = expect(evolve(sim.url, out, *shape, *extra, "--dry-run", "--price-in", 2,
                              "--price-out", 8, "--judge-price-in", 0.5), 0, "--dry-run, prices")
            priced = plan_of(r)
            c, t = priced["cost"], priced["tokens"]
            check(isinstance(c, dict) and c.get("currency") == "USD", f"plan cost {c!r}")
            want_w = (t["writer"]["prompt"] * 2 + t["writer"]["completion"] * 8) / 1e6
            want_j = (t["judge"]["prompt"] * 0.5 + t["judge"]["completion"] * 8) / 1e6
            check(abs(c["writer"] - want_w) < 1e-3 and abs(c["judge"] - want_j) < 1e-3 and
                  abs(c["total"] - c["writer"] - c["judge"]) < 2e-4,
                  f"plan cost {c} is not its tokens at the prices ({want_w:.4f}, {want_j:.4f})")
            check(priced["requests"] == plan["requests"] and priced["tokens"] == plan["tokens"],
                  "the prices changed the plan's requests or tokens")
            check(r.err == "", f"--dry-run printed on stderr: {short(r.err)}")
            st = sim.stats()
            check(st["requests"] == 0, f"--dry-run sent {st['requests']} requests")
            check(not os.path.exists(out), "--dry-run made the output directory")
            # a dry run validates as a real run does
            expect(evolve(sim.url, out, *shape, *extra, "--dry-run", "--max-cost", 1), 2,
                   "--dry-run --max-cost without prices")
            expect(evolve(sim.url, out, *shape, *extra, "--quiet"), 0, "the real run")
            st = sim.stats()
        real_req = st["requests"] - st["by_kind"]["probe"]
        real_tok = st["tokens"]["prompt"] + st["tokens"]["completion"]
        plan_tok = plan["tokens"]["prompt"] + plan["tokens"]["completion"]
        run = load_json(os.path.join(out, "run.json"))
        roles = run["usage"]["by_role"]
        rq = ratio(real_req, plan["requests"]["total"])
        rt = ratio(real_tok, plan_tok)
        notes.append(f"{label}: requests {real_req}/{plan['requests']['total']}={rq:.2f} "
                     f"(writer {roles['writer']['requests']}/{plan['requests']['writer']}, "
                     f"judge {roles['judge']['requests']}/{plan['requests']['judge']}), tokens "
                     f"{rt:.2f} (prompt "
                     f"{ratio(st['tokens']['prompt'], plan['tokens']['prompt']):.2f}, completion "
                     f"{ratio(st['tokens']['completion'], plan['tokens']['completion']):.2f})")
        check(0.85 <= rq <= 1.15, f"{label}: {real_req} requests, the plan said "
              f"{plan['requests']['total']}")
        check(0.85 <= ratio(roles["judge"]["requests"], plan["requests"]["judge"]) <= 1.15,
              f"{label}: {roles['judge']['requests']} judge requests, the plan said "
              f"{plan['requests']['judge']}")
        check(0.85 <= rt <= 1.15, f"{label}: {real_tok} tokens billed, the plan said {plan_tok}")
    return "; ".join(notes)


@test
def dry_run_resume(tmp):
    """--dry-run of a stopped run: the plan of what is left, nothing sent,
    the directory untouched."""
    out = os.path.join(tmp, "run")
    with Sim(tmp) as sim:
        expect(evolve(sim.url, out, "--population", 8, "--generations", 2, "--top", 2,
                      "--variants", 2, "--max-requests", 30, "--quiet"), 1, "capped")
        before = sorted(all_output(out))
        n = sim.stats()["requests"]
        r = expect(run_bin(["evolve", "--resume", out, "--max-requests", 1000, "--dry-run"]), 0,
                   "--dry-run --resume")
        plan = plan_of(r)
        check(sim.stats()["requests"] == n, "--dry-run --resume sent requests")
        check(sorted(all_output(out)) == before, "--dry-run --resume changed the directory")
        fresh = plan_of(expect(evolve(sim.url, os.path.join(tmp, "new"), "--population", 8,
                                      "--generations", 2, "--top", 2, "--variants", 2,
                                      "--dry-run"), 0, "--dry-run"))
        check(plan["requests"]["total"] <= fresh["requests"]["total"],
              f"the plan of what is left ({plan['requests']}) exceeds a whole run's")


# --------------------------------------------------------------------------
# 4. Caps
# --------------------------------------------------------------------------
CAP_SHAPE = ["--population", 10, "--generations", 1, "--top", 2, "--variants", 2, "--seed", 3]
N0, G0, K0, V0 = 10, 1, 2, 2


def capped_then_resumed(tmp, sim, out, cap, higher, extra=()):
    """A run stopped by a cap, then resumed with a higher one; returns (the
    first process's stderr, the simulator's stats after it)."""
    r = expect(evolve(sim.url, out, *CAP_SHAPE, *extra, *cap), 1, f"{cap[0]} {cap[1]}")
    msg = r.err
    check(cap[0] in msg and f"--resume {out}" in msg and "higher cap" in msg,
          f"{cap[0]}: the message does not say how to continue: {short(msg)}")
    run = load_json(os.path.join(out, "run.json"))
    check(run["status"] == "failed" and cap[0] in (run.get("error") or ""),
          f"{cap[0]}: run.json status {run['status']!r}, error {run.get('error')!r}")
    check(not all_files_valid(out), f"{cap[0]}: {all_files_valid(out)}")
    check(not os.path.exists(os.path.join(out, "best.txt")) or run["generations_done"] > G0,
          "best.txt of an unfinished run")
    first = sim.stats()
    res = expect(run_bin(["evolve", "--resume", out, cap[0], higher, *extra, "--quiet"]), 0,
                 f"--resume with {cap[0]} {higher}")
    check("best story:" in res.out, f"the resumed run printed no result: {short(res.out)}")
    gens = validate_run(out, N0, G0, K0, V0, Mode())
    check(not journal_vs_files(out, gens), f"{cap[0]}: {journal_vs_files(out, gens)}")
    log = sim.log()
    check(repeats(log) == 0, f"{cap[0]}: {repeats(log)} stories or verdicts paid for twice")
    calls = sum(d["judging"]["calls"] for d in gens)
    k = sim.stats()["by_kind"]
    check(k["judge"] + k["reask"] == calls, f"{cap[0]}: the endpoint judged "
          f"{k['judge'] + k['reask']} times, the files count {calls} calls")
    run = load_json(os.path.join(out, "run.json"))
    check(run["status"] == "complete" and str(run["settings"][cap[0][2:].replace("-", "_")]) ==
          str(higher), f"{cap[0]}: run.json after the resume: {run['status']}, "
          f"{run['settings'].get(cap[0][2:].replace('-', '_'))!r}")
    return msg, first


@test
def cap_requests(tmp):
    """--max-requests: stops short (no more paid requests than the cap),
    resumes with a higher cap, pays nothing twice."""
    out = os.path.join(tmp, "run")
    with Sim(tmp, log=True) as sim:
        _msg, first = capped_then_resumed(tmp, sim, out, ["--max-requests", 30], 200)
    paid = first["requests"] - first["by_kind"]["probe"]
    check(paid <= 30, f"{paid} paid requests under --max-requests 30")
    return f"{paid} paid requests and {first['by_kind']['probe']} probe before the stop"


@test
def cap_requests_preflight(tmp):
    """BUG (fails today): --max-requests N is "no more than N requests in
    all", but the preflight's probe is not counted against it: the endpoint
    sees N+1 requests while the message says "(N sent)"; and a run resumed
    with the same cap, which can send nothing more, still sends its probe."""
    out = os.path.join(tmp, "run")
    with Sim(tmp) as sim:
        r = expect(evolve(sim.url, out, *CAP_SHAPE, "--max-requests", 30), 1, "capped")
        n = sim.stats()["requests"]
        said = re.search(r"[(][0-9]+ sent[)]", r.err)
        r = expect(run_bin(["evolve", "--resume", out, "--max-requests", 30]), 1,
                   "resumed with the same cap")
        check("--max-requests" in r.err, f"message: {short(r.err)}")
        extra = sim.stats()["requests"] - n
    check(n <= 30 and extra == 0, f"the endpoint saw {n} requests under --max-requests 30 "
          f"(the message says {said.group(0) if said else '?'}); resumed with the same cap, "
          f"the run sent {extra} more")


@test
def cap_tokens(tmp):
    """--max-tokens: stops short of the cap (what the endpoint billed), and
    resumes with a higher one."""
    out = os.path.join(tmp, "run")
    cap = 40000
    with Sim(tmp, "--count-tokens", log=True) as sim:
        _msg, first = capped_then_resumed(tmp, sim, out, ["--max-tokens", cap], 10 ** 7)
    billed = first["tokens"]["prompt"] + first["tokens"]["completion"]
    check(billed <= cap, f"the endpoint billed {billed} tokens under --max-tokens {cap}")
    return f"{billed} tokens billed under {cap}"


@test
def cap_tokens_resume_same(tmp):
    """BUG (fails today): resumed again and again with the same --max-tokens,
    a run goes past the cap, because the tokens of replies that carried no
    "usage" (estimated for the cap while the process ran) are not in
    run.json, so each resumed process starts from less than was spent."""
    out = os.path.join(tmp, "run")
    cap = 40000
    with Sim(tmp, "--count-tokens") as sim:
        expect(evolve(sim.url, out, *CAP_SHAPE, "--max-tokens", cap), 1, "capped")
        for _ in range(12):     # until it finishes or sends nothing paid
            before = sim.stats()
            rc = run_bin(["evolve", "--resume", out, "--max-tokens", cap]).rc
            st = sim.stats()
            if rc == 0 or st["requests"] - st["by_kind"]["probe"] == \
                    before["requests"] - before["by_kind"]["probe"]:
                break
    run = load_json(os.path.join(out, "run.json"))
    u = run["usage"]
    billed = st["tokens"]["prompt"] + st["tokens"]["completion"]
    check(billed <= cap, f"the endpoint billed {billed} tokens under --max-tokens {cap} "
          f"(run.json counts {u['prompt_tokens'] + u['completion_tokens']}; "
          f"{u['replies_without_usage']} replies had no usage)")


@test
def cap_cost(tmp):
    """--max-cost with prices: stops short, resumes; usage.by_role and
    usage.cost are the tokens at the prices; --max-cost without prices is a
    usage error, before anything is sent or written."""
    out = os.path.join(tmp, "run")
    pin, pout, jin, jout = 3.0, 15.0, 1.0, 4.0
    prices = ["--price-in", pin, "--price-out", pout, "--judge-price-in", jin,
              "--judge-price-out", jout]
    with Sim(tmp, log=True) as sim:
        for bad in ([], ["--price-in", 1], ["--price-out", 1]):
            r = expect(evolve(sim.url, os.path.join(tmp, "bad"), *CAP_SHAPE, "--max-cost", 1,
                              *bad), 2, f"--max-cost with prices {bad}")
            check("--price-in" in r.err, f"the message does not name the prices: {short(r.err)}")
        check(sim.stats()["requests"] == 0 and not os.path.exists(os.path.join(tmp, "bad")),
              "a refused --max-cost sent or wrote something")
        capped_then_resumed(tmp, sim, out, ["--max-cost", 0.05], 100, prices)
    run = load_json(os.path.join(out, "run.json"))
    u = run["usage"]
    s = run["settings"]
    check((s["price_in"], s["price_out"], s["judge_price_in"], s["judge_price_out"]) ==
          (pin, pout, jin, jout), f"run.json prices {s}")
    costs = {}
    for role, (a, b) in (("writer", (pin, pout)), ("judge", (jin, jout))):
        x = u["by_role"][role]
        want = (x["prompt_tokens"] * a + x["completion_tokens"] * b) / 1e6
        check(x["requests"] > 0 and abs(x["cost"] - want) < 1e-6,
              f"by_role.{role}: cost {x['cost']}, its tokens at the prices make {want}")
        costs[role] = want
    check(abs(u["cost"] - costs["writer"] - costs["judge"]) < 1e-6,
          f"usage.cost {u['cost']} is not the sum of the roles' {costs}")
    check(u["prompt_tokens"] == sum(u["by_role"][r]["prompt_tokens"] for r in costs) and
          u["completion_tokens"] == sum(u["by_role"][r]["completion_tokens"] for r in costs),
          "usage tokens are not the sum of the roles'")
    check(u["by_role"]["judge"]["requests"] ==
          sum(d["judging"]["calls"] for d in load_generations(out)),
          "by_role.judge.requests is not the generation files' judge calls")
    # the same judge price as the writer's when none is given
    with Sim(tmp, name="default") as sim:
        d = os.path.join(tmp, "same")
        expect(evolve(sim.url, d, *SMALL, "--price-in", 2, "--price-out", 6, "--quiet"), 0,
               "prices")
    x = load_json(os.path.join(d, "run.json"))["usage"]["by_role"]["judge"]
    check(abs(x["cost"] - (x["prompt_tokens"] * 2 + x["completion_tokens"] * 6) / 1e6) < 1e-6,
          f"the judge's price does not default to the writer's: {x}")
    return f"cost ${u['cost']:.4f} (writer {costs['writer']:.4f}, judge {costs['judge']:.4f})"


# --------------------------------------------------------------------------
# 5. A separate judge endpoint, keys, headers, extra body fields
# --------------------------------------------------------------------------
@test
def judge_endpoint(tmp):
    """Writer and judge on two endpoints, each with its own key, header and
    extra body: each request goes where it should with what it should, and
    no value is written anywhere; a resumed run must be given them again."""
    kw, kj = "sk-w-" + secrets.token_hex(8), "sk-j-" + secrets.token_hex(8)
    hv, jhv = "hv-" + secrets.token_hex(8), "jhv-" + secrets.token_hex(8)
    xv, jxv = "prov-" + secrets.token_hex(6), "effort-" + secrets.token_hex(6)
    extra = json.dumps({"reasoning_effort": "low", "provider": {"order": [xv]}})
    jextra = json.dumps({"reasoning_effort": jxv, "chat_template_kwargs": {"thinking": False}})
    env = clean_env(OPENAI_API_KEY=kw, ALPHAWRITE_JUDGE_API_KEY=kj)
    out = os.path.join(tmp, "run")
    secret_args = ["--header", f"X-Test: {hv}", "--judge-header", f"X-Judge-Test: {jhv}",
                   "--extra-body", extra, "--judge-extra-body", jextra]
    with Sim(tmp, "--require-key", kw, "--log-headers", "--seed", 1, log=True, name="w") as w, \
            Sim(tmp, "--require-key", kj, "--log-headers", "--seed", 2, log=True, name="j") as j:
        args = ["--judge-base-url", j.url, "--judge-model", "sim-judge", "--population", 6,
                "--generations", 1, "--top", 2, "--variants", 2, "--seed", 8] + secret_args
        r = expect(evolve(w.url, out, *args, env=env), 0, "two endpoints")
        for resume_args, missing in (([], "--header"),
                                     (secret_args[:4], "--extra-body"),
                                     (secret_args[:2] + secret_args[4:], "--judge-header")):
            rr = expect(run_bin(["evolve", "--resume", out, "--generations", 2] + resume_args,
                                env=env), 2, f"resume without {missing}")
            check(missing in rr.err, f"the resume does not ask for {missing}: {short(rr.err)}")
        r2 = expect(run_bin(["evolve", "--resume", out, "--generations", 2] + secret_args,
                            env=env), 0, "resume with every header and body")
        wk, jk = kinds(w), kinds(j)
        wlog, jlog = w.log(), j.log()
    check(wk["story"] == 6 and wk["variant"] > 0 and wk["judge"] + wk["reask"] == 0 and
          wk["probe"] == 2, f"writer's endpoint saw {wk}")
    check(jk["judge"] > 0 and jk["story"] + jk["variant"] == 0 and jk["probe"] == 2,
          f"judge's endpoint saw {jk}")
    for name, log, want_h, no_h, key in (("writer", wlog, "x-test", "x-judge-test", "provider"),
                                         ("judge", jlog, "x-judge-test", "x-test",
                                          "chat_template_kwargs")):
        check(all(x["status"] == 200 and x["auth"] for x in log),
              f"{name}: a request was refused or sent without its key")
        check(all(want_h in x["headers"] and no_h not in x["headers"] for x in log),
              f"{name}: headers {sorted({h for x in log for h in x['headers']})}")
        check(all(key in x["body"] for x in log), f"{name}: a request lacks its extra body")
    check(all(x["body"]["provider"] == {"order": [xv]} and x["body"]["reasoning_effort"] == "low"
              and "chat_template_kwargs" not in x["body"] for x in wlog),
          "the writer's requests do not carry exactly --extra-body")
    check(all(x["body"]["reasoning_effort"] == jxv and "provider" not in x["body"] and
              x["body"]["chat_template_kwargs"] == {"thinking": False} for x in jlog),
          "the judge's requests do not carry exactly --judge-extra-body")
    found = leaks([kw, kj, hv, jhv, xv, jxv], r, out) + leaks([kw, kj, hv, jhv, xv, jxv], r2)
    check(not found, f"secret values written or shown: {found}")
    s = load_json(os.path.join(out, "run.json"))["settings"]
    check(s["header"] == ["X-Test"] and s["judge_header"] == ["X-Judge-Test"] and
          sorted(s["extra_body"]) == ["provider", "reasoning_effort"] and
          sorted(s["judge_extra_body"]) == ["chat_template_kwargs", "reasoning_effort"],
          f"run.json lists {s['header']}, {s['judge_header']}, {s['extra_body']}, "
          f"{s['judge_extra_body']}")
    check(s["judge_base_url"] == j.url and s["base_url"] == w.url,
          f"run.json URLs {s['base_url']}, {s['judge_base_url']}")
    validate_run(out, 6, 2, 2, 2, Mode())
    return f"writer {wk['story'] + wk['variant']} stories, judge {jk['judge']} verdicts"


@test
def judge_key_scope(tmp):
    """OPENAI_API_KEY goes to a separate judge endpoint only on the writer's
    scheme, host and port; a header value likewise never goes to another
    endpoint."""
    kw = "sk-w-" + secrets.token_hex(8)
    notes = []
    with Sim(tmp, "--require-key", kw, "--log-headers", log=True, name="w") as w, \
            Sim(tmp, "--log-headers", log=True, name="j") as j:
        env = clean_env(OPENAI_API_KEY=kw)
        # another port on the same host: no key, no header
        expect(evolve(w.url, os.path.join(tmp, "a"), *SMALL, "--judge-base-url", j.url,
                      "--header", "X-Test: v1", "--extra-body", '{"tag": "w"}', "--quiet",
                      env=env), 0, "other port")
        jl = j.log()
        check(jl and all(not x["auth"] and "x-test" not in x["headers"] and
                         "tag" not in x["body"] for x in jl),
              "the writer's key, header or extra body went to a judge endpoint on another port")
        notes.append(f"other port: {len(jl)} judge requests, none with a key")
        # the same scheme, host and port, another path: the key goes too
        n = len(w.log())
        expect(evolve(w.url, os.path.join(tmp, "b"), *SMALL, "--judge-base-url",
                      f"http://127.0.0.1:{w.port}/judge/v1", "--quiet", env=env), 0,
               "same origin")
        judged = [x for x in w.log()[n:] if x["path"].startswith("/judge/v1/")]
        check(judged and all(x["auth"] and x["status"] == 200 for x in judged),
              "the judge on the writer's host and port did not get the writer's key")
        notes.append(f"same origin: {len(judged)} judge requests with the key")
        # the same server by another name (localhost): another host, no key
        m = len(w.log())
        r = evolve(w.url, os.path.join(tmp, "c"), *SMALL, "--judge-base-url",
                   f"http://localhost:{w.port}/v1", env=env)
        check(r.rc == 1 and "judge" in r.err and "no API key was sent" in r.err,
              f"judge at localhost: {r!r}")
        sent = w.log()[m:]
        check(all(not x["auth"] for x in sent if x["status"] == 401) and
              any(x["status"] == 401 for x in sent), "localhost: the key went with the judge's probe")
        notes.append("localhost (same server, another host name): no key, 401 at the preflight")
        # ALPHAWRITE_JUDGE_API_KEY alone does not take the judge's place on
        # the writer's endpoint; without an endpoint of its own the judge
        # gets --header and --extra-body, or --judge-extra-body instead
        env2 = clean_env(OPENAI_API_KEY=kw, ALPHAWRITE_JUDGE_API_KEY="sk-other")
        for label, jextra, want in (("shared", [], {"tag": "both"}),
                                    ("own", ["--judge-extra-body", '{"jtag": "judge"}'],
                                     {"jtag": "judge"})):
            m = len(w.log())
            expect(evolve(w.url, os.path.join(tmp, "d-" + label), *SMALL, "--quiet",
                          "--header", "X-Test: v2", "--extra-body", '{"tag": "both"}', *jextra,
                          env=env2), 0, f"one endpoint, {label} extra body")
            sent = [x for x in w.log()[m:] if x["kind"] != "probe"]
            judged = [x for x in sent if x["kind"] in ("judge", "reask")]
            wrote = [x for x in sent if x["kind"] == "story"]
            check(judged and wrote and all(x["status"] == 200 and "x-test" in x["headers"]
                                           for x in sent),
                  f"one endpoint ({label}): a request lacks the key or --header")
            check(all(x["body"].get("tag") == "both" for x in wrote) and
                  all({k: x["body"].get(k) for k in ("tag", "jtag") if k in x["body"]} == want
                      for x in judged),
                  f"one endpoint ({label}): the judge's extra body is not {want}")
    return "; ".join(notes)


@test
def extra_body_does_not_edit_stories(tmp):
    """BUG (fails today): every string value of --extra-body is treated as a
    secret and cut out of every reply, so a harmless value that is also a
    word (here OpenAI's metadata {"purpose": "story"}; "high" for
    reasoning_effort would do the same to real prose) is replaced by
    [redacted] inside the stories themselves."""
    out = os.path.join(tmp, "run")
    with Sim(tmp) as sim:
        expect(evolve(sim.url, out, *SMALL, "--quiet", "--extra-body",
                      '{"metadata": {"purpose": "story"}}'), 0, "--extra-body")
    texts = [s["text"] for s in load_generations(out)[0]["stories"]]
    bad = [t.split("\n")[0] for t in texts if "[redacted]" in t]
    check(not bad, f"{len(bad)} of {len(texts)} stories altered, e.g. {bad[:1]}")


# --------------------------------------------------------------------------
# 6. The result line
# --------------------------------------------------------------------------
RESULT_RE = re.compile(r"^(alphawrite|best story|evolution|warning): ")
EVOLUTION_RE = re.compile(r"^evolution: the best story now, (\S+), is rated (-?\d+) \[(-?\d+), "
                          r"(-?\d+)\]; generation 0's best, (\S+), (-?\d+) \[(-?\d+), (-?\d+)\] "
                          r"\(([+-]\d+)\)$")


def check_result(res, out, top):
    gens = load_generations(out)
    last, g0 = gens[-1], gens[0]
    lines = res.out.splitlines()
    check(lines and all(RESULT_RE.match(x) for x in lines), f"stdout: {short(res.out)}")
    best = last["stories"][0]
    check(any(x.startswith(f"best story: {best['id']} ") for x in lines),
          f"the best story line does not name {best['id']}: {short(res.out)}")
    evo = [x for x in lines if x.startswith("evolution: ")]
    check(len(evo) == 1, f"{len(evo)} evolution lines")
    m = EVOLUTION_RE.match(evo[0])
    if g0["stories"][0]["id"] == best["id"]:
        check("still the best" in evo[0], f"evolution line: {evo[0]}")
    else:
        check(m, f"evolution line: {evo[0]!r}")
        a, ra, alo, ahi, b, rb, blo, bhi, d = m.groups()
        check(a == best["id"] and b == g0["stories"][0]["id"],
              f"evolution line names {a} and {b}, the files {best['id']} and "
              f"{g0['stories'][0]['id']}")
        check(int(alo) <= int(ra) <= int(ahi) and int(blo) <= int(rb) <= int(bhi),
              f"a rating outside its interval: {evo[0]}")
        check(abs(int(d) - (int(ra) - int(rb))) <= 1, f"the difference is not {ra}-{rb}: {evo[0]}")
        # run.json keeps the same figures, for scripts and the report
        e = load_json(os.path.join(out, "run.json")).get("evolution") or {}
        shown = [e.get(k) for k in ("best_rating", "best_rating_lo", "best_rating_hi",
                                    "first_rating", "first_rating_lo", "first_rating_hi")]
        check(e.get("best") == a and e.get("first_best") == b and
              all(isinstance(x, (int, float)) for x in shown) and
              [round(x) for x in shown] == [int(x) for x in (ra, alo, ahi, rb, blo, bhi)],
              f"run.json's evolution {e} is not the line's {evo[0]!r}")
    k = min(top, len(last["stories"]))
    overlap = k >= 2 and last["stories"][0]["rating_lo"] <= last["stories"][k - 1]["rating_hi"]
    warned = any(x.startswith(f"warning: the top {k} cannot be told apart") for x in lines)
    check(warned == overlap, f"warning {'given' if warned else 'missing'}, but ranks 1 and {k} "
          f"{'overlap' if overlap else 'do not overlap'} in the last generation file")
    return warned


@test
def result_line(tmp):
    """--quiet: the result on stdout, stderr empty, the warning exactly when
    the top K overlap; without --quiet each generation's best and median."""
    warned = []
    shape = ["--population", 8, "--generations", 2, "--top", 2, "--variants", 2, "--seed", 21]
    with Sim(tmp, name="noisy") as sim:
        out = os.path.join(tmp, "q")
        r = expect(evolve(sim.url, out, *shape, "--quiet"), 0, "--quiet")
        check(r.err == "", f"--quiet printed on stderr: {short(r.err)}")
        warned.append(check_result(r, out, 2))
        out = os.path.join(tmp, "v")
        r = expect(evolve(sim.url, out, *shape), 0, "progress")
        check_result(r, out, 2)
        gens = load_generations(out)
        said = [x for x in r.err.splitlines() if re.match(r"generation \d+: best ", x)]
        check(len(said) == len(gens), f"{len(said)} best/median lines for {len(gens)} "
              f"generations: {short(r.err)}")
        for line, d in zip(said, gens):
            st = d["stories"]
            b, med = st[0], st[(len(st) - 1) // 2]
            want = (f"generation {d['generation']}: best {b['id']} rating {b['rating']:.0f} "
                    f"[{b['rating_lo']:.0f}, {b['rating_hi']:.0f}], median {med['rating']:.0f}")
            check(line == want, f"stderr says {line!r}, the file {want!r}")
    # stories far apart and a judge that sees it: the top 2 separate
    # (usually: the check holds either way)
    with Sim(tmp, "--quality-sd", 6, "--judge-noise", 0.1, "--position-bias", 0,
             name="clear") as sim:
        out = os.path.join(tmp, "c")
        r = expect(evolve(sim.url, out, "--population", 6, "--generations", 1, "--top", 2,
                          "--variants", 2, "--judge-budget", 100, "--no-early-stop", "--seed", 3,
                          "--quiet"), 0, "clear")
        check(r.err == "", f"--quiet printed on stderr: {short(r.err)}")
        warned.append(check_result(r, out, 2))
    return f"warnings {warned}"


# --------------------------------------------------------------------------
# 7. alphawrite baseline
# --------------------------------------------------------------------------
def baseline(url, out, *extra, env=None, timeout=60):
    args = ["baseline", "--method", "sequential", "--model", "sim-writer", "--base-url", url]
    if out is not None:
        args += ["--out", out]
    return run_bin(args + [str(e) for e in extra], env=env, timeout=timeout)


def check_chains(out, total, chains):
    """A baseline of `total` stories in `chains` chains: one generation file
    per step, each story's parent the same chain's previous story, steps
    of `chains` new stories but the last; returns the chains (lists of ids).
    A story a step's file holds unchanged from an earlier step (born
    before it, as a run's parents are) must be its chain's latest story."""
    gens = load_generations(out)
    files = gen_files(out)
    steps = -(-total // chains)
    check(len(files) == steps == len(gens), f"{len(files)} generation files, expected {steps}")
    new = [[s for s in d["stories"] if s.get("born") == g] for g, d in enumerate(gens)]
    check(sum(map(len, new)) == total, f"{sum(map(len, new))} stories, the budget is {total}")
    heads, ids = {}, set()
    first_style = {s["id"]: s.get("style") for s in gens[0]["stories"]}
    for g, d in enumerate(gens):
        check(d["generation"] == g and not d.get("matches"), f"gen-{g:03d}: matches or numbering")
        want = chains if g < steps - 1 else total - chains * (steps - 1)
        check(len(new[g]) == want, f"gen-{g:03d}: {len(new[g])} new stories, expected {want}")
        for s in d["stories"]:
            if s.get("born") != g:
                check(s["id"] in heads and len(heads[s["id"]]) < g + 1,
                      f"gen-{g:03d}: {s['id']} (born {s.get('born')}) is carried over but is "
                      "not a chain's latest story")
        for s in new[g]:
            check(s["id"] not in ids, f"story id {s['id']} twice")
            ids.add(s["id"])
            check(s.get("text") and s.get("words", 0) > 0, f"{s['id']}: words {s.get('words')}")
            if g == 0:
                check(s["parent_id"] is None and s.get("style") and s.get("theme"),
                      f"{s['id']}: a first draft with a parent or without style/theme")
                heads[s["id"]] = [s["id"]]
            else:
                chain = heads.pop(s["parent_id"], None)
                check(chain is not None and len(chain) == g,
                      f"{s['id']}: parent {s['parent_id']} is not a chain's story of step {g - 1}")
                heads[s["id"]] = chain + [s["id"]]
                check(s.get("style") == first_style[chain[0]],
                      f"{s['id']}: another style than its chain's first draft")
    check(len(heads) == chains, f"{len(heads)} chains, expected {chains}")
    return list(heads.values())


@test
def baseline_budget(tmp):
    """--budget-from: as many stories as the run's writer requests (by role;
    for a run.json without by_role, requests less its judge calls), in
    --chains chains, no judge request; --stories N; compare reads it."""
    with Sim(tmp, log=True) as sim:
        run_dir = os.path.join(tmp, "run")
        expect(evolve(sim.url, run_dir, "--population", 6, "--generations", 1, "--top", 2,
                      "--variants", 3, "--seed", 9, "--quiet"), 0, "evolve")
        run = load_json(os.path.join(run_dir, "run.json"))
        writer = run["usage"]["by_role"]["writer"]["requests"]
        before = kinds(sim)
        out = os.path.join(tmp, "base")
        r = expect(baseline(sim.url, out, "--budget-from", run_dir, "--chains", 4, "--seed", 2,
                            "--quiet"), 0, "baseline --budget-from")
        after = kinds(sim)
        chains = check_chains(out, writer, 4)
        check(after["judge"] == before["judge"] and after["reask"] == before["reask"],
              "the baseline sent judge requests")
        written = after["story"] + after["variant"] - before["story"] - before["variant"]
        check(written == writer, f"{written} writing requests for a budget of {writer}")
        b = load_json(os.path.join(out, "run.json"))
        check(b.get("command") == "baseline" and b["status"] == "complete",
              f"baseline run.json: command {b.get('command')!r}, status {b['status']!r}")
        check(b["usage"]["by_role"].get("judge", {}).get("requests", 0) == 0,
              f"baseline by_role {b['usage']['by_role']}")
        check(str(writer) in r.out and "4 chains" in r.out, f"stdout: {short(r.out)}")

        # a run.json of an older build, without by_role
        old = os.path.join(tmp, "old")
        shutil.copytree(run_dir, old)
        rj = load_json(os.path.join(old, "run.json"))
        del rj["usage"]["by_role"]
        with open(os.path.join(old, "run.json"), "w") as f:
            json.dump(rj, f)
        want = rj["usage"]["requests"] - sum(d["judging"]["calls"]
                                             for d in load_generations(old))
        out2 = os.path.join(tmp, "base-old")
        expect(baseline(sim.url, out2, "--budget-from", old, "--chains", 3, "--quiet"), 0,
               "baseline from a run.json without by_role")
        check_chains(out2, want, 3)

        out3 = os.path.join(tmp, "base-n")
        expect(baseline(sim.url, out3, "--stories", 7, "--chains", 2, "--quiet"), 0,
               "baseline --stories 7")
        check_chains(out3, 7, 2)

        # compare reads a baseline directory
        n = kinds(sim)["judge"]
        res = run_bin(["compare", "--base-url", sim.url, "--judge-model", "sim-writer",
                       "--pairs", 4, "--quiet", "--verdicts-dir", tmp, run_dir, out])
        expect(res, 0, "compare RUN BASELINE")
        d = json.loads(res.out)
        # (which of them: baseline_compare_takes_every_chain)
        base_ids = {s["id"] for g in load_generations(out) for s in g["stories"]}
        check(d["pairs_detail"] and all(p["b_id"] in base_ids for p in d["pairs_detail"]),
              "compare's B stories are not the baseline's")
        check(kinds(sim)["judge"] - n == 8, f"compare sent {kinds(sim)['judge'] - n} judge "
              "requests for 4 pairs in both orders")
    return f"budget {writer} (old run.json: {want}), chains of " \
           f"{sorted(len(c) for c in chains)}"


@test
def baseline_compare_takes_every_chain(tmp):
    """BUG (fails today): when the budget is not a multiple of --chains, the
    last step holds only the remainder, and compare reads a baseline as its
    last generation: 11 stories in 5 chains are compared as the one story of
    step 2 instead of the five chains' final stories.  (Either fix passes:
    compare taking each chain's latest story, or the baseline's last file
    carrying the other chains' latest stories over, as a run's parents.)"""
    with Sim(tmp) as sim:
        out = os.path.join(tmp, "base")
        expect(baseline(sim.url, out, "--stories", 11, "--chains", 5, "--quiet"), 0, "baseline")
        chains = check_chains(out, 11, 5)
        finals = {c[-1] for c in chains}
        jl = os.path.join(tmp, "a.jsonl")
        with open(jl, "w") as f:
            for i in range(5):
                f.write(json.dumps({"id": f"x{i}", "text": f"A story {i} by itself."}) + "\n")
        res = expect(run_bin(["compare", "--base-url", sim.url, "--judge-model", "sim-writer",
                              "--pairs", 5, "--quiet", "--verdicts-dir", tmp, out, jl]), 0,
                     "compare")
        used = {p["a_id"] for p in json.loads(res.out)["pairs_detail"]}
    check(used == finals, f"compare took {sorted(used)} from the baseline, its chains end in "
          f"{sorted(finals)}")


@test
def baseline_kill_resume(tmp):
    """SIGKILL in the middle of a baseline, then `baseline --resume`: nothing
    paid twice, the same number of stories; `evolve --resume` refuses it."""
    out = os.path.join(tmp, "base")
    total, chains = 12, 3
    with Sim(tmp, "--latency", "0.15:0.25", log=True) as sim:
        p = subprocess.Popen(bin_cmd(["baseline", "--method", "sequential", "--model",
                                      "sim-writer", "--base-url", sim.url, "--out", out,
                                      "--stories", total, "--chains", chains, "--concurrency", 2,
                                      "--seed", 5, "--quiet"]),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             stdin=subprocess.DEVNULL, env=clean_env())
        journal = os.path.join(out, "journal.jsonl")
        deadline = time.monotonic() + 30 * SLOW
        while time.monotonic() < deadline and p.poll() is None:
            try:
                with open(journal, "rb") as f:
                    if len(re.findall(rb'"t":\s*"story"', f.read())) >= 4:
                        break
            except FileNotFoundError:
                pass
            time.sleep(0.02)
        check(p.poll() is None, "the baseline ended before it could be killed")
        p.send_signal(signal.SIGKILL)
        p.wait(10)
        kept = len([x for x in journal_records(out) if x.get("t") == "story"])
        check(0 < kept < total, f"killed with {kept} stories journaled")
        time.sleep(0.4)     # the simulator logs what was in flight
        sent = len([x for x in sim.log() if x["kind"] in ("story", "variant")])
        lost = sent - kept  # in flight at the kill: paid, and never journaled
        r = expect(run_bin(["evolve", "--resume", out]), 2, "evolve --resume of a baseline")
        check("baseline" in r.err, f"evolve --resume: {short(r.err)}")
        expect(baseline(sim.url, None, "--resume", out, "--quiet", timeout=90), 0,
               "baseline --resume")
        log = sim.log()
        expect(baseline(sim.url, None, "--resume", out), 0, "resume of a complete baseline")
    check_chains(out, total, chains)
    again = repeats(log)
    check(again == lost, f"{again} stories paid for twice after the kill; only the {lost} "
          "in flight at the kill (never journaled) may be")
    writing = len([x for x in log if x["kind"] in ("story", "variant")])
    check(writing == total + lost, f"{writing} writing requests for {total} stories and "
          f"{lost} lost at the kill")
    b = load_json(os.path.join(out, "run.json"))
    check(b["status"] == "complete" and b.get("command") == "baseline",
          f"run.json: {b['status']}, command {b.get('command')!r}")
    return f"killed with {kept} of {total} stories journaled and {lost} in flight, " \
        f"{writing} writing requests in all"


@test
def baseline_bad_input(tmp):
    """Every bad input: exit 2, nothing written, nothing sent."""
    with Sim(tmp) as sim:
        run_dir = os.path.join(tmp, "run")
        expect(evolve(sim.url, run_dir, "--population", 4, "--generations", 0, "--rounds", 1,
                      "--quiet"), 0, "evolve")
        budget = load_json(os.path.join(run_dir, "run.json"))["usage"]["by_role"]["writer"][
            "requests"]
        broken = os.path.join(tmp, "broken")
        os.mkdir(broken)
        with open(os.path.join(broken, "run.json"), "w") as f:
            f.write("{not json")
        n = sim.stats()["requests"]
        out = os.path.join(tmp, "base")
        cases = [
            (["--budget-from", run_dir, "--chains", budget + 1], "--chains"),
            (["--stories", 3, "--chains", 4], "--chains"),
            (["--budget-from", run_dir, "--stories", 5], "--budget-from"),
            ([], "--budget-from"),
            (["--budget-from", os.path.join(tmp, "nowhere")], "--budget-from"),
            (["--budget-from", broken], "--budget-from"),
            (["--budget-from", os.path.join(tmp)], "--budget-from"),
        ]
        for args, needle in cases:
            r = expect(baseline(sim.url, out, *args), 2, f"baseline {args}")
            check(needle in r.err, f"baseline {args}: the message lacks {needle!r}: "
                  f"{short(r.err)}")
            check(not os.path.exists(out), f"baseline {args}: {out} was made")
        check(sim.stats()["requests"] == n, "a refused baseline sent requests")
    return f"{len(cases)} bad inputs"


if __name__ == "__main__":
    sys.exit(run_tests(sys.argv[1:], __doc__, "e2e_safety", "aw-safety-"))
