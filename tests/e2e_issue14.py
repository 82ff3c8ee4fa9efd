#!/usr/bin/env python3
"""End-to-end tests of long stories and training data (issue 14).

The real binary against tests/simendpoint.py on 127.0.0.1, whose replies are
capped (--reply-word-cap: a small model that stops short whatever it is
asked) and never say 10 words twice unless a fault makes them (--no-repeats):

    python3 tests/e2e_issue14.py              every test
    python3 tests/e2e_issue14.py NAME...      only these tests (see --list)

Tests: lengthen_in_range (evolve --min-words: every story of every
generation in range, every part asked within what one reply holds, the
prompts say the minimum), lengthen_filters (meta, repeat, noend and short
faults: caught, counted, and no story shorter than asked), kill_and_resume
(SIGKILL while stories are being lengthened, then --resume: no reply the
journal held is paid for again), older_run_resumes (a run made before
--min-words and the extension templates resumes), extend_command (a run's
top K and a JSON Lines file, lengthened; a rerun pays nothing; a killed one
pays nothing twice), export_sft (each exported prompt is, byte for byte, a
request the simulator received, in an evolve run and a baseline run), export_dpo (pairs, margins, weights,
options), export_refusals.

Output: "ok NAME # figures" or "FAIL NAME: reason" a test, then one line
"N passed, N failed".  AW_VALGRIND=1 runs alphawrite under valgrind.
Python 3 standard library only.
"""

import json
import math
import os
import re
import signal
import subprocess
import sys
import time

from harness import (MARKER_RE, SLOW, Result, Sim, TestFail, bin_cmd, check, clean_env,
                     run_bin, run_tests, short, test, vg_check)
from validate import Mode, gen_files, load_json, validate_run, word_count

CAP = 700                # words one simulated reply holds at most
LONG = ["--min-words", 1500, "--max-words", 2000]
SIM_LONG = ["--reply-word-cap", CAP, "--no-repeats", 10]
META_RE = re.compile(r"here is|word count|revised version|expanded|continuation", re.I)
WORDS_RE = re.compile(r"(\d+)\s+words", re.I)


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------
def evolve(sim, out, *extra, expect=0, timeout=180):
    args = ["evolve", "--model", "sim-writer", "--base-url", sim.url, "--out", out, "--quiet"]
    res = run_bin(args + [str(a) for a in extra], timeout=timeout)
    check(res.rc == expect, f"evolve exit {res.rc}, expected {expect}: {short(res.err)}")
    return res


def generations(out):
    return [load_json(os.path.join(out, f)) for f in gen_files(out)]


def first_user(rec):
    body = rec.get("body") or {}
    users = [m["content"] for m in body.get("messages", []) if m.get("role") == "user"]
    return users[0] if users else ""


def kinds(sim):
    return sim.stats()["by_kind"]


def ends_terminal(text):
    return re.search(r"[.!?][\"'\u201d\u2019)\]]*\s*$", text) is not None


def lines(text):
    return [l for l in text.splitlines() if l.strip()]


def check_long_story(s, lo, hi, where):
    """A story that joined a generation: in range, counted right, ended,
    its one marker kept, no meta-commentary at its start or end."""
    sid = s.get("id")
    check(lo <= s["words"] <= hi, f"{where}: {sid} has {s['words']} words, not {lo}..{hi}")
    check(s["words"] == word_count(s["text"]), f"{where}: {sid}: words {s['words']} but the "
          f"text has {word_count(s['text'])}")
    check(ends_terminal(s["text"]), f"{where}: {sid} does not end on terminal punctuation: "
          f"{s['text'][-60:]!r}")
    check(len(MARKER_RE.findall(s["text"])) == 1, f"{where}: {sid} has "
          f"{len(MARKER_RE.findall(s['text']))} simulated-story markers")
    ls = lines(s["text"])
    for line in ls[:2] + ls[-3:]:
        check(not (META_RE.search(line) and len(line.split()) <= 12),
              f"{where}: {sid}: meta-commentary {line!r}")


class Proc:
    """alphawrite in the background."""

    def __init__(self, tmp, name, args):
        self.err_path = os.path.join(tmp, name + ".stderr")
        self._err = open(self.err_path, "wb")
        self.t0 = time.monotonic()
        self.p = subprocess.Popen(bin_cmd(args), stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=self._err, env=clean_env())

    def kill(self, sig=signal.SIGKILL):
        if self.p.poll() is None:
            self.p.send_signal(sig)

    def finish(self, timeout):
        try:
            rc = self.p.wait(timeout * SLOW)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait(10)
        self._err.close()
        with open(self.err_path, "rb") as f:
            err = f.read().decode("utf-8", "replace")
        res = Result(rc, "", err, time.monotonic() - self.t0)
        vg_check(res)
        return res


def wait_for(cond, timeout, proc=None):
    end = time.monotonic() + timeout * SLOW
    while time.monotonic() < end:
        if cond():
            return True
        if proc is not None and proc.p.poll() is not None:
            return cond()
        time.sleep(0.01)
    return cond()


def journal(path):
    """The complete records of a journal (a torn last line left out)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    out = []
    for line in data[:data.rfind(b"\n") + 1].splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def ext_seeds(log, before=None, settled=0.3):
    """Seeds of the expand and continue requests of a simulator log; with
    before, only those surely answered by then (arrival + delay + settled)."""
    out = []
    for r in log:
        if r.get("kind") not in ("expand", "continue") or r.get("status") != 200:
            continue
        if before is not None and r["t"] + (r.get("delay") or 0) + settled > before:
            continue
        out.append(r["body"].get("seed"))
    return out


# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------
@test
def lengthen_in_range(tmp):
    out = os.path.join(tmp, "run")
    with Sim(tmp, *SIM_LONG, "--latency", "0:0.02", log=True) as sim:
        evolve(sim, out, "--population", 8, "--generations", 2, "--top", 2, "--variants", 3,
               "--judge-budget", 4, "--concurrency", 8, "--seed", 21, *LONG)
        log, by_kind = sim.log(), kinds(sim)
    # the files as any run's (ratings, provenance, ranking, the tournament)
    validate_run(out, 8, 2, 2, 3, Mode(budget=4), max_words=2000)
    gens = generations(out)
    check(len(gens) == 3, f"{len(gens)} generation files")
    born = 0
    for g, d in enumerate(gens):
        check(not d["failed"], f"gen {g}: failed stories: "
              f"{short(str([s.get('error') for s in d['failed']]))}")
        for s in d["stories"]:
            check_long_story(s, 1500, 2000, f"gen {g}")
            if s["born"] == g:
                born += 1
                # every draft and variant came back under 700 words
                check(s.get("extensions", 0) >= 1, f"gen {g}: {s['id']} was never lengthened")
    run = load_json(os.path.join(out, "run.json"))
    u = run["usage"]
    check(run["settings"]["min_words"] == 1500, f"settings.min_words {run['settings']}")
    ext = by_kind["expand"] + by_kind["continue"]
    check(u["extension_requests"] == ext, f"usage.extension_requests {u['extension_requests']}, "
          f"the simulator saw {ext}")
    check(u["extended_stories"] == born, f"usage.extended_stories {u['extended_stories']}, "
          f"{born} stories were written")
    rounds = sum(s.get("extensions", 0) for d in gens for s in d["stories"] if s["born"] == d["generation"])
    check(u["extension_rounds"] == rounds, f"usage.extension_rounds {u['extension_rounds']}, the "
          f"generation files mark {rounds}")
    for key in ("extension_retries", "extension_failures", "extension_rejected_no_ending",
                "extension_rejected_repeats", "extension_rejected_meta",
                "extension_rejected_too_short", "extension_meta_stripped", "reused_parts"):
        check(key in u, f"usage has no {key}")
    # Each reply is asked for no more than one reply holds, and every
    # request is one part: an expansion or a continuation, never the story.
    asked = []
    for r in log:
        if r["kind"] in ("expand", "continue"):
            m = WORDS_RE.search(first_user(r))
            check(m, "an extension request names no number of words")
            asked.append(int(m.group(1)))
    check(asked and max(asked) <= CAP, f"an extension request asked for {max(asked)} words, "
          f"more than the {CAP} its model's drafts showed one reply holds")
    # The writer and variant prompts say how long a story must be.
    for r in log:
        if r["kind"] in ("story", "variant"):
            check("at least 1500 words" in first_user(r),
                  f"a {r['kind']} prompt does not ask for at least 1500 words")
    check(by_kind["variant"] > 0, "no variant was written")
    return (f"{born} stories written, all lengthened into 1500..2000 words in {rounds} rounds "
            f"by {ext} requests of at most {max(asked)} words; "
            f"{u['extension_retries']} rounds retried")


@test
def lengthen_filters(tmp):
    out = os.path.join(tmp, "run")
    with Sim(tmp, *SIM_LONG, "--fault-rate", "0.3", "--faults", "meta,repeat,noend,short",
             "--seed", "3", log=True) as sim:
        # no early variants: every reply sent is one the run reads (none
        # of a variant dropped at the end)
        evolve(sim, out, "--population", 8, "--generations", 1, "--top", 2, "--variants", 3,
               "--judge-budget", 3, "--early-variants", 0, "--seed", 22, *LONG)
        log = sim.log()
    # the faults on extension replies, by kind and request kind
    hit = {}
    for r in log:
        if r["kind"] in ("expand", "continue") and r.get("fault"):
            hit[(r["kind"], r["fault"])] = hit.get((r["kind"], r["fault"]), 0) + 1
    n_ext = sum(hit.values())
    check(n_ext >= 5, f"only {n_ext} faults hit extension requests: {hit}")
    u = load_json(os.path.join(out, "run.json"))["usage"]
    rejected = {k: u[f"extension_rejected_{k}"] for k in ("no_ending", "repeats", "meta",
                                                        "too_short")}
    # every continuation cut mid-sentence, said twice or far too short is
    # rejected; so is every repeated expansion; every preamble or word count
    # is cut off or rejected
    want = {"no_ending": hit.get(("continue", "noend"), 0),
            "too_short": hit.get(("continue", "short"), 0),
            "repeats": hit.get(("continue", "repeat"), 0)}
    for k, n in want.items():
        check(rejected[k] >= n, f"{n} {k} faults on continuations, {rejected[k]} rejected "
              f"as {k}: {hit}")
    meta = hit.get(("expand", "meta"), 0) + hit.get(("continue", "meta"), 0)
    check(u["extension_meta_stripped"] + rejected["meta"] >= meta,
          f"{meta} meta faults, {u['extension_meta_stripped']} cut off, {rejected['meta']} "
          "rejected")
    n = 0
    for g, d in enumerate(generations(out)):
        for s in d["stories"]:
            check_long_story(s, 1500, 2000, f"gen {g}")
            n += 1
        for s in d["failed"]:
            check("text" not in s and s.get("error"), f"gen {g}: failed story {s['id']} has a "
                  "text or no error")
    return (f"{n_ext} faults on extension replies {dict(sorted(hit.items()))}; rejected "
            f"{rejected}, {u['extension_meta_stripped']} preambles cut off, "
            f"{u['extension_retries']} rounds retried; {n} stories in range, "
            f"{u['failed_stories']} failed")


@test
def kill_and_resume(tmp):
    out = os.path.join(tmp, "run")
    jpath = os.path.join(out, "journal.jsonl")
    args = ["evolve", "--model", "sim-writer", "--out", out, "--quiet", "--population", 6,
            "--generations", 1, "--top", 2, "--variants", 2, "--judge-budget", 3,
            "--concurrency", 4, "--early-variants", 0, "--seed", 23] + LONG
    with Sim(tmp, *SIM_LONG, "--latency", "0.05:0.15", log=True) as sim:
        p = Proc(tmp, "first", args + ["--base-url", sim.url])

        def parts():
            return [r for r in journal(jpath) if r.get("t") == "part" and r["stage"] != "draft"]
        # killed while stories are being lengthened: replies journaled, no
        # lengthened story yet
        check(wait_for(lambda: len(parts()) >= 4, 60, p), "no extension reply was journaled")
        p.kill()
        t_kill = time.time()
        res = p.finish(10)
        check(res.rc == -9, f"the killed run: exit {res.rc}")
        before = ext_seeds(sim.log())
        answered = set(ext_seeds(sim.log(), before=t_kill))
        held = len(parts())
        done_before = sum(1 for r in journal(jpath) if r.get("t") == "story"
                          and r.get("extensions"))
        n_before = len(before)
        res = run_bin(["evolve", "--resume", out, "--base-url", sim.url, "--quiet"])
        check(res.rc == 0, f"--resume: {res!r}")
        after = ext_seeds(sim.log())[n_before:]
    u = load_json(os.path.join(out, "run.json"))["usage"]
    again = answered & set(after)
    check(not again, f"{len(again)} extension requests answered before the kill were sent "
          "again after --resume")
    check(u["reused_parts"] >= held, f"usage.reused_parts {u['reused_parts']}, the journal held "
          f"{held} replies (and drafts)")
    # what was sent is what the journal holds, but for the requests in
    # flight at the kill, which were paid for and lost (one a story at most;
    # no early variant is left in flight at the end: --early-variants 0)
    final = [r for r in journal(jpath) if r.get("t") == "part" and r["stage"] != "draft"]
    lost = n_before + len(after) - len(final)
    check(0 <= lost <= 4, f"{n_before} + {len(after)} extension requests sent, the journal holds "
          f"{len(final)} replies: {lost} lost (at most the 4 in flight)")
    for g, d in enumerate(generations(out)):
        check(not d["failed"], f"gen {g}: failed stories")
        for s in d["stories"]:
            check_long_story(s, 1500, 2000, f"gen {g}")
    return (f"killed with {held} replies journaled ({done_before} stories done); the resume "
            f"reused {u['reused_parts']} parts and sent {len(after)} extension requests, none "
            f"answered before; {lost} lost in flight")


@test
def older_run_resumes(tmp):
    """A run made before --min-words and the extension templates existed
    (no min_words setting, no inputs/extend-*.txt) still resumes."""
    out = os.path.join(tmp, "run")
    with Sim(tmp) as sim:
        evolve(sim, out, "--population", 4, "--generations", 0, "--top", 2, "--variants", 1,
               "--judge-budget", 2, "--seed", 24)
        path = os.path.join(out, "run.json")
        run = load_json(path)
        del run["settings"]["min_words"]
        with open(path, "w") as f:
            json.dump(run, f)
        for name in ("extend-expand.txt", "extend-continue.txt"):
            os.unlink(os.path.join(out, "inputs", name))
        res = run_bin(["evolve", "--resume", out, "--generations", 1, "--base-url", sim.url,
                       "--quiet"])
        check(res.rc == 0, f"--resume of an older run: {res!r}")
        res = run_bin(["evolve", "--resume", out, "--min-words", 100, "--base-url", sim.url])
        check(res.rc == 2 and "min-words" in res.err,
              f"--min-words on a run made without it: {res!r}")
    check(len(gen_files(out)) == 2, "the resumed run did not add generation 1")
    res = run_bin(["evolve", "--model", "m", "--out", os.path.join(tmp, "x"), "--min-words",
                   500, "--max-words", 500])
    check(res.rc == 2 and "--min-words" in res.err, f"--min-words 500 --max-words 500: {res!r}")
    return "resumed without min_words or the extension templates; bad --min-words refused"


@test
def extend_command(tmp):
    run_dir = os.path.join(tmp, "run")
    long_out = os.path.join(tmp, "long.jsonl")
    with Sim(tmp, *SIM_LONG, "--latency", "0:0.02") as sim:
        evolve(sim, run_dir, "--population", 6, "--generations", 1, "--top", 3, "--variants", 1,
               "--judge-budget", 3, "--max-words", 400, "--seed", 25)
        last = generations(run_dir)[-1]["stories"][:3]
        ext = ["--target-words", 1200, "--max-words", 1600, "--base-url", sim.url, "--seed", 9]
        res = run_bin(["extend", run_dir, "--out", long_out, "--top", 3] + ext)
        check(res.rc == 0, f"extend RUN_DIR: {res!r}")
        k1 = kinds(sim)
        with open(long_out, encoding="utf-8") as f:
            first = f.read()
        recs = [json.loads(line) for line in first.splitlines()]
        check([r["source_id"] for r in recs] == [s["id"] for s in last],
              f"source ids {[r['source_id'] for r in recs]}, the run's top 3 are "
              f"{[s['id'] for s in last]}")
        for r, s in zip(recs, last):
            check(set(r) == {"id", "source_id", "text", "words", "extensions"},
                  f"output keys {sorted(r)}")
            check(r["id"] != r["source_id"] and r["extensions"] >= 1,
                  f"{r['id']}: extensions {r['extensions']}")
            check_long_story(r, 1200, 1600, "extend")
            check(MARKER_RE.findall(r["text"]) == MARKER_RE.findall(s["text"]),
                  f"{r['id']} is not the lengthened {s['id']}")
        # Run again: everything is taken from the work directory.
        res = run_bin(["extend", run_dir, "--out", long_out, "--top", 3] + ext)
        check(res.rc == 0, f"extend again: {res!r}")
        k2 = kinds(sim)
        check(k1 == k2, f"the second extend sent requests: {k1} then {k2}")
        with open(long_out, encoding="utf-8") as f:
            check(f.read() == first, "the second extend wrote something else")
        # Other settings on the same work directory are refused.
        res = run_bin(["extend", run_dir, "--out", long_out, "--top", 3, "--target-words", 1300,
                       "--max-words", 1600, "--base-url", sim.url])
        check(res.rc == 2 and "target_words" in res.err, f"other settings: {res!r}")

        # A JSON Lines file, killed while lengthening, and run again.
        src = os.path.join(tmp, "stories.jsonl")
        with open(src, "w", encoding="utf-8") as f:
            for s in generations(run_dir)[0]["stories"]:
                f.write(json.dumps({"id": "s-" + s["id"], "text": s["text"]}) + "\n")
        out2 = os.path.join(tmp, "file.jsonl")
        with Sim(tmp, *SIM_LONG, "--latency", "0.05:0.15", log=True, name="slow") as slow:
            args = ["extend", src, "--out", out2, "--target-words", 1200, "--max-words", 1600,
                    "--model", "sim-writer", "--base-url", slow.url, "--seed", 9,
                    "--concurrency", 3]
            p = Proc(tmp, "extend-killed", args)
            jpath = os.path.join(out2 + ".work", "journal.jsonl")
            check(wait_for(lambda: sum(r.get("t") == "part" and r["stage"] != "draft"
                                       for r in journal(jpath)) >= 3, 60, p),
                  "the killed extend journaled nothing")
            p.kill()
            t_kill = time.time()
            check(p.finish(10).rc == -9, "extend was not killed")
            answered = set(ext_seeds(slow.log(), before=t_kill))
            n_before = len(ext_seeds(slow.log()))
            check(not os.path.exists(out2), "a killed extend wrote its output")
            res = run_bin(args)
            check(res.rc == 0, f"extend after the kill: {res!r}")
            after = ext_seeds(slow.log())[n_before:]
        again = answered & set(after)
        check(not again, f"{len(again)} requests answered before the kill were sent again")
        with open(out2, encoding="utf-8") as f:
            recs2 = [json.loads(line) for line in f]
        check(len(recs2) == 6, f"{len(recs2)} stories written from 6")
        for r in recs2:
            check(r["source_id"].startswith("s-"), f"source_id {r['source_id']}")
            check_long_story(r, 1200, 1600, "extend file")
        # Bad input: refused before anything is sent.
        bad = os.path.join(tmp, "bad.jsonl")
        with open(bad, "w") as f:
            f.write('{"id": "a", "text": "One."}\n{"id": "b"}\n')
        res = run_bin(["extend", bad, "--out", os.path.join(tmp, "b.jsonl"), "--target-words",
                       500, "--model", "m", "--base-url", sim.url])
        check(res.rc == 2 and "line 2" in res.err, f"a story without text: {res!r}")
        res = run_bin(["extend", src, "--out", os.path.join(tmp, "c.jsonl"), "--target-words",
                       500, "--base-url", sim.url])
        check(res.rc == 2 and "--model" in res.err, f"a file without --model: {res!r}")
        # the endpoint options are evolve's, checked alike: refused before
        # anything is sent or written, the value never shown
        for opt, val, needle in (("--header", "no-colon-secretvalue", "--header"),
                                 ("--extra-body", "[1]", "--extra-body")):
            out3 = os.path.join(tmp, "d.jsonl")
            res = run_bin(["extend", src, "--out", out3, "--target-words", 500, "--model", "m",
                           "--base-url", sim.url, opt, val])
            check(res.rc == 2 and needle in res.err and "extend --help" in res.err and
                  "secretvalue" not in res.err and not os.path.exists(out3 + ".work"),
                  f"extend {opt} {val}: {res!r}")
    # --header and --extra-body reach every extension request, and their
    # values reach no file
    with Sim(tmp, *SIM_LONG, "--latency", "0", "--log-headers", log=True, name="hdr") as sim:
        out4 = os.path.join(tmp, "h.jsonl")
        res = run_bin(["extend", src, "--out", out4, "--target-words", 1200, "--max-words",
                       1600, "--model", "sim-writer", "--base-url", sim.url, "--seed", 3,
                       "--header", "X-Extend-Test: hdr-secret-1234",
                       "--extra-body", '{"metadata": {"k": "body-secret-5678"}}'])
        check(res.rc == 0, f"extend with --header and --extra-body: {res!r}")
        log = [r for r in sim.log() if r["kind"] in ("expand", "continue")]
        check(log and all("x-extend-test" in r.get("headers", []) for r in log),
              f"{len(log)} extension requests, not all with the header")
        check(all(r["body"].get("metadata") == {"k": "body-secret-5678"} for r in log),
              "an extension request without --extra-body's fields")
        for root, _dirs, names in os.walk(tmp):
            for n in names:
                if n.endswith((".jsonl", ".json")) and not n.startswith("sim"):
                    with open(os.path.join(root, n), "rb") as f:
                        data = f.read()
                    check(b"hdr-secret-1234" not in data, f"the header value is in {n}")
    return (f"a run's top 3 lengthened to {[r['words'] for r in recs]} words, a rerun sent "
            f"nothing; a file of 6 killed and rerun: {len(after)} requests after the kill, none "
            "answered before")


def export(out, *args, expect=0):
    res = run_bin(["export", out] + [str(a) for a in args])
    check(res.rc == expect, f"export {' '.join(map(str, args))}: exit {res.rc}: {short(res.err)}")
    recs = []
    for i, line in enumerate(res.out.splitlines()):
        try:
            recs.append(json.loads(line))
        except ValueError:
            raise TestFail(f"export line {i + 1} is not JSON: {short(line)}") from None
    return res, recs


@test
def export_sft(tmp):
    out = os.path.join(tmp, "run")
    with Sim(tmp, *SIM_LONG, log=True) as sim:
        evolve(sim, out, "--population", 6, "--generations", 2, "--top", 2, "--variants", 2,
               "--judge-budget", 3, "--seed", 26, *LONG)
        sent = {first_user(r) for r in sim.log() if r["kind"] in ("story", "variant")}
        url = sim.url
    gens = generations(out)
    stories = {s["id"]: s for d in gens for s in d["stories"]}
    res, recs = export(out, "--format", "sft")
    check(res.out.encode("utf-8").decode("utf-8") == res.out, "not UTF-8")
    ids = [r["id"] for r in recs]
    want = []
    for d in gens:
        for s in d["stories"][:2]:
            if s["id"] not in want:
                want.append(s["id"])
    check(ids == want, f"exported {ids}, each generation's top 2 are {want}")
    variants = 0
    for r in recs:
        m = r["messages"]
        check([x["role"] for x in m] == ["user", "assistant"], f"{r['id']}: roles")
        check(m[0]["content"] in sent, f"{r['id']}: the exported prompt is not one the "
              f"endpoint received: {short(m[0]['content'], 200)}")
        s = stories[r["id"]]
        check(m[1]["content"] == s["text"], f"{r['id']}: the story is not the run's text")
        check(r["generation"] == s["born"] and isinstance(r["rating"], float),
              f"{r['id']}: generation {r['generation']}, rating {r['rating']}")
        variants += s["parent_id"] is not None
    check(variants > 0, "no variant was exported")
    check(url.split("//")[1] not in res.out and "api_key" not in res.out,
          "the endpoint is named in the export")
    # --top and --generations
    _, all_recs = export(out, "--format", "sft", "--top", 100)
    check(len(all_recs) == len(stories), f"--top 100: {len(all_recs)} of {len(stories)} stories")
    for r in all_recs:
        check(r["messages"][0]["content"] in sent, f"{r['id']}: prompt not received")
    _, g0 = export(out, "--format", "sft", "--generations", "0", "--top", 3)
    check([r["id"] for r in g0] == [s["id"] for s in gens[0]["stories"][:3]],
          f"--generations 0 --top 3: {[r['id'] for r in g0]}")
    # A baseline run (sequential prompting): its steps' prompts too.
    base = os.path.join(tmp, "baseline")
    with Sim(tmp, log=True, name="base") as sim:
        res = run_bin(["baseline", "--method", "sequential", "--model", "sim-writer",
                       "--base-url", sim.url, "--out", base, "--stories", 6, "--seed", 5,
                       "--quiet"])
        check(res.rc == 0, f"baseline: {res!r}")
        sent_b = {first_user(r) for r in sim.log() if r["kind"] in ("story", "variant")}
    _, brecs = export(base, "--format", "sft", "--top", 100)
    steps = sum(1 for r in brecs if r["generation"] > 0)
    check(brecs and steps, f"a baseline exported {len(brecs)} stories, {steps} steps")
    for r in brecs:
        check(r["messages"][0]["content"] in sent_b, f"baseline {r['id']}: prompt not received")
    return (f"{len(recs)} top stories and all {len(all_recs)} stories ({variants} variants in "
            f"the top), and {len(brecs)} of a baseline ({steps} steps), exported with the prompt "
            "the simulator logged, byte for byte")


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


@test
def export_dpo(tmp):
    out = os.path.join(tmp, "run")
    with Sim(tmp, "--latency", "0:0.01") as sim:
        evolve(sim, out, "--population", 16, "--generations", 2, "--top", 3, "--variants", 3,
               "--judge-budget", 6, "--seed", 27)
        truth = sim.truth()["stories"]
    gens = generations(out)
    texts = {s["id"]: s["text"] for d in gens for s in d["stories"]}
    born = {s["id"]: s["born"] for d in gens for s in d["stories"]}
    premise = load_json(os.path.join(out, "run.json"))["prompt"]
    _, recs = export(out, "--format", "dpo")
    check(recs, "no pairs")
    keys = {"prompt", "chosen", "rejected", "chosen_id", "rejected_id", "margin", "weight",
            "deviation", "generation"}
    pairs, agree = set(), 0
    per_chosen = {}
    for r in recs:
        check(set(r) == keys, f"keys {sorted(r)}")
        check(r["prompt"] == [{"role": "user", "content": premise}], "the prompt is not the premise")
        for side in ("chosen", "rejected"):
            check(len(r[side]) == 1 and r[side][0]["role"] == "assistant" and
                  r[side][0]["content"] == texts[r[side + "_id"]], f"{side} is not the run's text")
        check(r["chosen_id"] != r["rejected_id"], "a story paired with itself")
        check(0.6 <= r["margin"] < 1, f"margin {r['margin']}")
        check(r["weight"] >= 0, f"weight {r['weight']}")
        pair = (r["chosen_id"], r["rejected_id"])
        check(pair not in pairs, f"pair {pair} twice")
        pairs.add(pair)
        per_chosen[(r["generation"], r["chosen_id"])] = per_chosen.get(
            (r["generation"], r["chosen_id"]), 0) + 1
        qa = truth[MARKER_RE.search(texts[r["chosen_id"]]).group(1)]["quality"]
        qb = truth[MARKER_RE.search(texts[r["rejected_id"]]).group(1)]["quality"]
        agree += qa > qb
    mean_w = sum(r["weight"] for r in recs) / len(recs)
    check(abs(mean_w - 1) < 1e-9, f"weights average {mean_w}")
    check(max(per_chosen.values()) <= 3, f"a story chosen {max(per_chosen.values())} times in a "
          "generation (--pairs 3)")
    n_stories = sum(len(d["stories"]) for d in gens)
    check(len(recs) <= 3 * n_stories, f"{len(recs)} pairs from {n_stories} stories")
    # Wider margins, fewer pairs; one generation; the top K chosen only.
    _, wide = export(out, "--format", "dpo", "--min-margin", 0.8)
    check(len(wide) < len(recs) and all(r["margin"] >= 0.8 for r in wide),
          f"--min-margin 0.8: {len(wide)} pairs from {len(recs)}")
    _, g1 = export(out, "--format", "dpo", "--generations", "1")
    check(g1 and all(r["generation"] == 1 for r in g1), "--generations 1")
    _, top = export(out, "--format", "dpo", "--top", 2, "--pairs", 1)
    tops = {s["id"] for d in gens for s in d["stories"][:2]}
    check(all(r["chosen_id"] in tops for r in top) and len(top) <= 2 * len(gens),
          f"--top 2 --pairs 1: {[(r['generation'], r['chosen_id']) for r in top]}")
    rate = agree / len(recs)
    check(rate > 0.6, f"the pairs agree with the hidden quality {rate:.0%} of the time")
    return (f"{len(recs)} pairs from {n_stories} stories in {len(gens)} generations agree with "
            f"the hidden quality {rate:.0%} of the time; {len(wide)} at margin 0.8")


@test
def export_refusals(tmp):
    out = os.path.join(tmp, "run")
    with Sim(tmp) as sim:
        evolve(sim, out, "--population", 4, "--generations", 0, "--top", 2, "--judge-budget", 2,
               "--seed", 28)
    for args, needle in ((["--format", "csv"], "format"), ([], "--format"),
                         (["--format", "dpo", "--min-margin", 0.5], "min-margin"),
                         (["--format", "sft", "--generations", "1"], "generations"),
                         (["--format", "sft", "--generations", "0-"], "generations")):
        res = run_bin(["export", out] + [str(a) for a in args])
        check(res.rc == 2 and needle in res.err and not res.out,
              f"export {args}: exit {res.rc}, {short(res.err)}")
    res = run_bin(["export", tmp, "--format", "sft"])
    check(res.rc == 2 and "run" in res.err, f"not a run directory: {res!r}")
    res = run_bin(["export", "--format", "sft"])
    check(res.rc == 2, f"no directory: {res!r}")
    return "bad formats, margins, lists and directories refused with exit 2"


if __name__ == "__main__":
    sys.exit(run_tests(sys.argv[1:], __doc__, "end-to-end tests of issue 14", "aw-e2e-14-",
                       timed=True))
