#!/usr/bin/env python3
"""End-to-end tests of a hostile endpoint, kills and tampered run directories
(issue 17: twelve ways the tool was broken, and what was found on the way).

The real `alphawrite evolve` (and `rank`) against tests/simendpoint.py on
127.0.0.1, sometimes behind a small gate of this file's that stands between
the binary and the simulator and answers judge requests itself (a judge that
is down, or one that never says who won):

    python3 tests/e2e_hostile.py              every test
    python3 tests/e2e_hostile.py NAME...      only these tests (see --list)
    python3 tests/e2e_hostile.py --list       the test names
    AW_BIN=/path/to/alphawrite python3 tests/e2e_hostile.py
                                              another build (e.g. an older
                                              commit's), against this tree's
                                              simulator

One test per item of the issue (the number in brackets):

  nul_in_reply [1]         a \\u0000 and a raw NUL in a story's text: the story
                           whole, '?' in its place, usage.repaired_replies
  lone_surrogate [2]       a lone \\ud800/\\udc00 escape: used, '?', counted
  journal_nul [3]          a NUL (raw, or \\u0000) put into a journaled story
                           of an interrupted run: the line is torn, the story
                           is asked again and comes back whole
  judge_all_fail [4]       every judge call fails: exit 1, status failed, the
                           error names the lost matches; resumable with a
                           judge that works
  lost_asked_again [5]     matches lost while the judge was down, then the run
                           interrupted: a resume asks each of them again
  key_echo_escaped [6]     a key echoed JSON-escaped, in a 401 and in stories
                           and reasons: nowhere on stderr or in the files
  kill9_usage [7]          SIGKILLs and resumes: usage.requests within what
                           was in flight of the endpoint's count, resumes[]
                           of killed resumes with their reuse,
                           matches_without_winner as in the files
  usage_counted_once [7]   a SIGKILL while one request is held: every request
                           counted once, but the one in flight
  foreign_files [8]        another run's journal, run.json, generation file,
                           or an edited seed: --resume refuses (exit 2) and
                           changes nothing
  fifo_inputs [9]          a FIFO as --prompt-file, --styles, --rubric,
                           --cacert: exit 2 at once
  cacert_not_pem [10]      --cacert that holds no certificate: exit 2, nothing
                           written
  long_out_path [11]       --out too long (a name over 255 bytes, a path over
                           4096): exit 2, nothing left behind, the reason at
                           the message's end
  strict_numbers [12]      " 5", "+5", "0x1p0", "5 ", "1e2", "inf", "nan":
                           one rule, exit 2 naming the option (evolve, rank)
  huge_content_length      Content-Length: 999999999999 refused at the header
  big_body                 a 10 MiB reply: reply_too_large, retried, not read
  url_credentials_resume   a --base-url with user:password must be given again
  retry_after_cap          a Retry-After past 120 s honoured up to --timeout,
                           and said even with --quiet
  lost_usage_counts        after lost matches were asked again on resume and
                           decided, run.json's matches_without_winner agrees
                           with the generation files

Where a test needs an option an older build lacks (--no-preflight,
--judge-base-url), it does without: the preflight is skipped only when there is
one, and a separate judge endpoint is replaced by the gate.

Output: one line per test, "ok NAME" (with its figures after a "#") or
"FAIL NAME: reason", then exactly one line "N passed, N failed".  Exit status
0 only when nothing failed.  Nothing but 127.0.0.1 is ever contacted.
Python 3 standard library only.
"""

import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import harness
from harness import (MARKER_RE, OPENER, SLOW, Result, Sim, TestFail, bin_cmd, check, clean_env,
                     run_bin, run_tests, short, test, vg_check)
from validate import Mode, check_complete, gen_files, load_json, read_journal, validate_run


# --------------------------------------------------------------------------
# What the binary offers
# --------------------------------------------------------------------------
_HELP = None


def has_option(name):
    """Whether `alphawrite evolve --help` lists the option (an older build
    may lack it)."""
    global _HELP
    if _HELP is None:
        r = run_bin(["evolve", "--help"])
        _HELP = r.out + r.err
    return re.search(re.escape(name) + r"(?![\w-])", _HELP) is not None


def no_preflight():
    return ["--no-preflight"] if has_option("--no-preflight") else []


# --------------------------------------------------------------------------
# alphawrite in the background
# --------------------------------------------------------------------------
class Proc:
    """alphawrite in the background, stdout and stderr to files; finish()
    returns its Result with its peak memory (hwm, KiB, as last seen while it
    ran)."""

    def __init__(self, tmp, name, args, env=None):
        self.out_path = os.path.join(tmp, name + ".stdout")
        self.err_path = os.path.join(tmp, name + ".stderr")
        self._out = open(self.out_path, "wb")
        self._err = open(self.err_path, "wb")
        self.t0 = time.monotonic()
        self.p = subprocess.Popen(bin_cmd(args), stdin=subprocess.DEVNULL, stdout=self._out,
                                  stderr=self._err, env=env if env is not None else clean_env())
        self.rc = None
        self.hwm = 0        # KiB, polled while it runs

    def _reap(self, block):
        if self.rc is not None:
            return True
        try:
            pid, status = os.waitpid(self.p.pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return True
        if pid == 0:
            return False
        self.rc = os.waitstatus_to_exitcode(status)
        self.p.returncode = self.rc
        return True

    def alive(self):
        """Whether it runs; also notes its peak memory so far (VmHWM: that of
        the program itself, not of the test process it was forked from)."""
        try:
            with open(f"/proc/{self.p.pid}/status") as f:
                m = re.search(r"^VmHWM:\s+(\d+) kB", f.read(), re.M)
            if m and self.rc is None:
                self.hwm = max(self.hwm, int(m.group(1)))
        except OSError:
            pass
        return not self._reap(False)

    def signal(self, sig):
        if not self.alive():
            return False
        try:
            self.p.send_signal(sig)
        except ProcessLookupError:
            return False
        return True

    def stderr(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def finish(self, timeout):
        end = time.monotonic() + timeout * SLOW
        while time.monotonic() < end and self.alive():
            time.sleep(0.02)
        hung = self.alive()
        if hung:
            self.p.kill()
            self._reap(True)
        self._out.close()
        self._err.close()
        with open(self.out_path, "rb") as f:
            out = f.read().decode("utf-8", "replace")
        res = Result(self.rc, out, self.stderr(), time.monotonic() - self.t0)
        res.hung, res.hwm = hung, self.hwm
        vg_check(res)
        return res


def wait_for(cond, timeout, p=None, pause=0.01):
    """Wait until cond() (True), p ended (False) or timeout (cond())."""
    end = time.monotonic() + timeout * SLOW
    while time.monotonic() < end:
        if cond():
            return True
        if p is not None and not p.alive():
            return cond()
        time.sleep(pause)
    return cond()


def try_run(args, timeout, **kw):
    """run_bin, but a process that does not exit in time is a Result with
    rc None (it was killed) instead of a failed test."""
    try:
        return run_bin(args, timeout=timeout, **kw)
    except TestFail as e:
        if "did not exit" not in str(e):
            raise
        return Result(None, "", str(e), timeout)


# --------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------
def write_file(path, data):
    with open(path, "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def tree_snapshot(root):
    """relative path -> (size, mtime_ns, sha256) of every file, and every directory."""
    snap = {}
    for dirpath, dirs, files in os.walk(root):
        for d in dirs:
            snap[os.path.relpath(os.path.join(dirpath, d), root) + "/"] = "dir"
        for name in files:
            p = os.path.join(dirpath, name)
            st = os.stat(p)
            with open(p, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            snap[os.path.relpath(p, root)] = (st.st_size, st.st_mtime_ns, digest)
    return snap


def changed(before, after):
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def journal_path(out):
    return os.path.join(out, "journal.jsonl")


def journal_recs(out):
    return [r for r in read_journal(journal_path(out))[0] if isinstance(r, dict)]


def count_kind(out, t):
    return sum(1 for r in journal_recs(out) if r.get("t") == t)


def all_strings(obj):
    """Every string inside a decoded JSON value, keys included."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from all_strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from all_strings(v)


def escape_all(text):
    """simendpoint.py's --echo-key-escaped spelling of text."""
    return "".join(c if c.isascii() and c.isalnum() else "\\u%04x" % ord(c) for c in text)


def run_cmd(sim_url, out, *extra):
    return ["evolve", "--model", "sim-writer", "--base-url", sim_url, "--out", out] + list(extra)


def truth_words(sim):
    """The simulator's story number -> words of the text it wrote."""
    return {int(k): v["words"] for k, v in sim.truth()["stories"].items()}


def marker_of(text):
    m = MARKER_RE.search(text or "")
    return int(m.group(1)) if m else None


# --------------------------------------------------------------------------
# The gate: a judge that is down, or that never decides
# --------------------------------------------------------------------------
NO_VERDICT = ("Both stories have real strengths: one has the livelier dialogue, the other the "
              "firmer ending, and on balance neither clearly outdoes the other.")


class Gate:
    """An HTTP server on 127.0.0.1 in front of a simulator.  Every chat
    request is counted; judge requests (two or more story markers in the
    first user message: a judge request or its follow-up) go to judge(pair),
    which returns "pass" (forwarded), "down" (HTTP 503) or "undecided" (a 200
    completion with no verdict); everything else is forwarded as it is.
    hold_at=N: the N-th chat request is held, unanswered, until release is
    set (holding is set when it arrives); then it gets a 503."""

    def __init__(self, upstream, judge=None, hold_at=None):
        self.upstream = upstream.rstrip("/")
        self.judge = judge or (lambda pair: "pass")
        self.lock = threading.Lock()
        self.requests = 0
        self.answered = {"down": 0, "undecided": 0}
        self.hold_at = hold_at
        self.holding, self.release = threading.Event(), threading.Event()
        gate = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _reply(self, status, body, ctype="application/json", headers=()):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in headers:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def _forward(self, method, body):
                req = urllib.request.Request(gate.base + self.path, data=body, method=method)
                for k in ("Content-Type", "Authorization"):
                    if self.headers.get(k):
                        req.add_header(k, self.headers[k])
                try:
                    with OPENER.open(req, timeout=120) as r:
                        status, data, hdrs = r.status, r.read(), r.headers
                except urllib.error.HTTPError as e:
                    status, data, hdrs = e.code, e.read(), e.headers
                keep = [(k, v) for k, v in hdrs.items()
                        if k.lower() in ("retry-after", "retry-after-ms", "x-should-retry")]
                self._reply(status, data, hdrs.get("Content-Type", "application/json"), keep)

            def do_GET(self):
                self._forward("GET", None)

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                with gate.lock:
                    gate.requests += 1
                    n = gate.requests
                if n == gate.hold_at:
                    gate.holding.set()
                    gate.release.wait(60)
                    self.close_connection = True
                    self._reply(503, b'{"error": {"message": "held"}}')
                    return
                try:
                    doc = json.loads(body)
                    first = next(m["content"] for m in doc["messages"] if m["role"] == "user")
                except (ValueError, KeyError, StopIteration, TypeError):
                    doc, first = None, ""
                marks = list(dict.fromkeys(int(x) for x in MARKER_RE.findall(first)))
                what = gate.judge(tuple(marks[:2])) if len(marks) >= 2 else "pass"
                if what == "down":
                    with gate.lock:
                        gate.answered["down"] += 1
                    self._reply(503, json.dumps({"error": {"message": "judge is down",
                                                           "type": "server_error"}}).encode())
                elif what == "undecided":
                    with gate.lock:
                        gate.answered["undecided"] += 1
                    self._reply(200, json.dumps({
                        "id": "chatcmpl-gate", "object": "chat.completion", "created": 0,
                        "model": doc.get("model", "m"),
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": NO_VERDICT}}],
                        "usage": {"prompt_tokens": 100, "completion_tokens": 30,
                                  "total_tokens": 130}}).encode())
                else:
                    self._forward("POST", body)

        # The simulator's root: requests keep their path (/v1/...).
        self.base = re.sub(r"/v1$", "", self.upstream)
        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass    # a client killed mid-reply: nothing to report

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def stop(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


def judge_log_pairs(sim, start=0):
    """The (marker, marker) pairs of the judge and follow-up requests in the
    simulator's log from line `start` on."""
    pairs = []
    for rec in sim.log()[start:]:
        if rec.get("kind") not in ("judge", "reask") or not isinstance(rec.get("body"), dict):
            continue
        first = next((m["content"] for m in rec["body"]["messages"] if m["role"] == "user"), "")
        marks = list(dict.fromkeys(int(x) for x in MARKER_RE.findall(first)))
        if len(marks) >= 2:
            pairs.append((marks[0], marks[1]))
    return pairs


def id_markers(out):
    """story id -> simulator story number, from every generation file and the
    journal's stories."""
    ids = {}
    for name in gen_files(out):
        for s in load_json(os.path.join(out, name))["stories"]:
            if marker_of(s.get("text")) is not None:
                ids[s["id"]] = marker_of(s["text"])
    for r in journal_recs(out):
        if r.get("t") == "story" and r.get("id") and marker_of(r.get("text")) is not None:
            ids.setdefault(r["id"], marker_of(r["text"]))
    return ids


SMALL = ["--population", 6, "--generations", 0, "--top", 2, "--variants", 1,
         "--judge-budget", 4, "--concurrency", 4]


# --------------------------------------------------------------------------
# [1] [2] text hazards in replies
# --------------------------------------------------------------------------
def text_hazard(tmp, kind):
    """A run whose every story reply has the hazard `kind`; returns what it
    saw, or raises with everything that was wrong."""
    out = os.path.join(tmp, kind)
    with Sim(tmp, "--fault-rate", "1", "--faults", kind, "--seed", "3", name=kind) as sim:
        r = run_bin(run_cmd(sim.url, out, "--population", 4, "--generations", 0, "--top", 2,
                            "--variants", 1, "--judge-budget", 2, "--concurrency", 4,
                            "--retries", 1, "--seed", 11, "--quiet"))
        stats, truth = sim.stats(), truth_words(sim)
    probs = []
    if r.rc != 0:
        probs.append(f"exit {r.rc}: {short(r.err, 160)}")
    if not os.path.exists(os.path.join(out, "gen-000.json")):
        return probs + ["no gen-000.json"], None
    d = load_json(os.path.join(out, "gen-000.json"))
    run = load_json(os.path.join(out, "run.json"))
    injected = stats["faults"].get(kind, 0)
    if len(d["stories"]) != 4:
        probs.append(f"{len(d['stories'])} stories of 4 written (failed: "
                     f"{[short(f.get('error') or '', 60) for f in d.get('failed', [])]})")
    cut = []
    for s in d["stories"]:
        want = truth.get(marker_of(s["text"]))
        if "\x00" in s["text"]:
            probs.append(f"{s['id']}: a NUL in the stored text")
        if want is None or s["words"] != want or len(s["text"].split()) != want:
            cut.append(f"{s['id']} {s['words']} of {want} words")
        # The hazard sat just before a space near the middle: '?' took its place.
        if not re.search(r"\S\? ", s["text"][len(s["text"]) // 4:]):
            probs.append(f"{s['id']}: no '?' where the {kind} was")
    if cut:
        probs.append("stories not whole: " + ", ".join(cut))
    usage = run.get("usage") or {}
    if usage.get("repaired_replies") != injected:
        probs.append(f"usage.repaired_replies is {usage.get('repaired_replies')!r}, "
                     f"{injected} replies had a {kind}")
    nj = ((usage.get("faults") or {}).get("unusable_by_kind") or {}).get("not_json")
    if nj:
        probs.append(f"{nj} replies counted as not JSON")
    return probs, f"{kind}: {len(d['stories'])} stories whole, {injected} repaired"


@test
def nul_in_reply(tmp):
    """[1] Every story reply holds a NUL near its middle, as a \\u0000 escape
    and as a raw byte: exit 0, each story as long as the simulator wrote it,
    '?' in the NUL's place, no NUL stored, usage.repaired_replies counts
    every such reply."""
    notes, probs = [], []
    for kind in ("nul", "rawnul"):
        p, note = text_hazard(tmp, kind)
        probs += [f"[{kind}] {x}" for x in p]
        notes.append(note)
    check(not probs, "; ".join(probs))
    return "; ".join(notes)


@test
def lone_surrogate(tmp):
    """[2] Every story reply holds a lone \\ud800 or \\udc00 escape: the
    replies are used (not "not JSON"), '?' in its place, counted."""
    probs, note = text_hazard(tmp, "surrogate")
    check(not probs, "; ".join(probs))
    return note


# --------------------------------------------------------------------------
# [3] a NUL in the journal
# --------------------------------------------------------------------------
def damage_story_line(path, gen, how):
    """Put a NUL into the text of the first story of generation gen that
    journal.jsonl holds (how: "raw", a NUL byte; "escape", a \\u0000 escape),
    after a space near the middle of the text.  Returns (id, text before)."""
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    for i, line in enumerate(lines):
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if rec.get("t") != "story" or rec.get("gen") != gen or not rec.get("id"):
            continue
        start = line.index(b'"text":"') + len(b'"text":"')
        end = line.index(b'"', start + 1)
        while line[end - 1:end] == b"\\":         # an escaped quote inside the text
            end = line.index(b'"', end + 1)
        at = line.index(b" ", start + (end - start) // 2)
        lines[i] = line[:at] + (b"\x00" if how == "raw" else b"\\u0000") + line[at:]
        with open(path, "wb") as f:
            f.write(b"\n".join(lines))
        return rec["id"], rec["text"]
    return None, None


@test
def journal_nul(tmp):
    """[3] An interrupted run; a NUL put into one journaled story of the
    generation it was in (a raw byte, and in another run a \\u0000 escape).
    The resume treats that line as torn: the story is asked for again and,
    from an endpoint that answers a request always the same way (--pure),
    comes back whole, as it was before the damage; the journal is not cut at
    the damaged line."""
    notes, probs = [], []
    with Sim(tmp, "--pure", "--latency", "0.15:0.35", "--seed", "5", log=True) as sim:
        for how in ("raw", "escape"):
            out = os.path.join(tmp, how)
            p = Proc(tmp, how, run_cmd(sim.url, out, "--population", 6, "--generations", 1,
                                       "--top", 2, "--variants", 1, "--judge-budget", 3,
                                       "--concurrency", 2, "--seed", 21))
            ok = wait_for(lambda: count_kind(out, "story") >= 3, 60, p)
            p.signal(signal.SIGINT)
            res = p.finish(30)
            check(ok and res.rc == 130, f"[{how}] the run to damage: exit {res.rc} "
                  f"({short(res.err, 120)}), {count_kind(out, 'story')} stories journaled")
            gen = len(gen_files(out))
            sid, text = damage_story_line(journal_path(out), gen, how)
            check(sid, f"[{how}] no story of generation {gen} in the journal to damage")
            with open(journal_path(out), "rb") as f:
                damaged = f.read()
            log0 = sim.log_count()
            r = run_bin(["evolve", "--resume", out, "--quiet"])
            if r.rc != 0:
                probs.append(f"[{how}] resume: exit {r.rc}: {short(r.err, 150)}")
                continue
            with open(journal_path(out), "rb") as f:
                after = f.read()
            if not after.startswith(damaged):
                probs.append(f"[{how}] the journal was cut or changed before its end")
            final = {s["id"]: s for s in load_json(os.path.join(out, f"gen-{gen:03d}.json"))
                     ["stories"] + load_json(os.path.join(out, f"gen-{gen:03d}.json"))["failed"]}
            s = final.get(sid)
            asked = sum(1 for x in sim.log()[log0:] if x.get("kind") == "story")
            if s is None:
                probs.append(f"[{how}] {sid} is not in gen-{gen:03d}.json")
            elif s.get("text") != text:
                got = s.get("text") or ""
                probs.append(f"[{how}] {sid} came back with {len(got.split())} words, "
                             f"{len(text.split())} before the damage"
                             + (" (cut at the NUL)" if text.startswith(got) else ""))
            if asked == 0:
                probs.append(f"[{how}] the resume asked for no story: {sid} was taken from "
                             "the damaged line")
            notes.append(f"{how}: {sid} asked again ({asked} story requests), whole")
    check(not probs, "; ".join(probs))
    return "; ".join(notes)


# --------------------------------------------------------------------------
# [4] [5] a judge that fails
# --------------------------------------------------------------------------
@test
def judge_all_fail(tmp):
    """[4] Every judge call fails (a judge endpoint answering 503 to all,
    --retries 1): exit 1, run.json status "failed" with an error that names
    the lost matches, no generation file; then `--resume DIR` with a judge
    that works finishes (exit 0), every match of the files decided."""
    out = os.path.join(tmp, "run")
    args = ["--population", 6, "--generations", 1, "--top", 2, "--variants", 1,
            "--judge-budget", 3, "--concurrency", 4, "--retries", 1, "--seed", 41, "--quiet"]
    with Sim(tmp, "--latency", "0.02", name="writer") as good, \
            Sim(tmp, "--status-all", "503", name="judge") as bad:
        if has_option("--judge-base-url"):
            how = "--judge-base-url (503 to all)"
            r = run_bin(run_cmd(good.url, out, "--judge-base-url", bad.url, *no_preflight(),
                                *args))
            resume = ["evolve", "--resume", out, "--judge-base-url", good.url, "--quiet"]
            gate = None
        else:     # an older build: one endpoint, whose judge is down
            how = "a gate answering 503 to every judge request (no --judge-base-url)"
            state = {"judge": "down"}
            gate = Gate(good.url, lambda pair: state["judge"])
            r = run_bin(run_cmd(gate.url, out, *args))
            state["judge"] = "pass"
            resume = ["evolve", "--resume", out, "--quiet"]
        try:
            probs = []
            run = load_json(os.path.join(out, "run.json")) if os.path.exists(
                os.path.join(out, "run.json")) else {}
            err = run.get("error") or ""
            if r.rc != 1:
                probs.append(f"exit {r.rc} (expected 1): {short(r.err, 120)}")
            if run.get("status") != "failed":
                probs.append(f"run.json status {run.get('status')!r}")
            if not re.search(r"\d+ of \d+ [\w ]*matches[\w ]* lost", err):
                probs.append(f"run.json error does not name the lost matches: {short(err, 120)}")
            if not re.search(r"\d+ of \d+ [\w ]*matches[\w ]* lost", r.err):
                probs.append(f"the message does not name the lost matches: {short(r.err, 120)}")
            if gen_files(out):
                probs.append(f"generation files written: {gen_files(out)}")
            r2 = run_bin(resume)
            if r2.rc != 0:
                probs.append(f"the resume with a working judge: exit {r2.rc}: "
                             f"{short(r2.err, 150)}")
            else:
                gens = validate_run(out, 6, 1, 2, 1, Mode(budget=3))
                check_complete(out, gens, 1)
                undecided = [m for d in gens for m in d["matches"] if m["winner"] is None]
                if undecided:
                    probs.append(f"{len(undecided)} matches without a winner after the resume "
                                 f"({short(undecided[0].get('error') or '', 80)})")
        finally:
            if gate:
                gate.stop()
    check(not probs, "; ".join(probs))
    return f"{how}: exit 1, failed ({short(err, 90)}); resumed to completion"


@test
def lost_asked_again(tmp):
    """[5] The judge is down (a gate answers 503 to judge requests) and the
    run is interrupted once a match was recorded as lost; the judge comes
    back and the run is resumed.  Every match the journal held as lost
    ("lost": true) is asked again (the simulator sees that pair judged after
    the resume began) and the generation file holds a verdict for it: under
    --deterministic, which draws the same matches again, and in the default
    mode, which pairs afresh from the ratings but asks the lost ones first."""
    notes = []
    for mode in (["--deterministic"], []):
        name = mode[0][2:] if mode else "default"
        out = os.path.join(tmp, name)
        state = {"judge": "down"}
        with Sim(tmp, "--latency", "0.02:0.08", log=True, name=name) as sim, \
                Gate(sim.url, lambda pair: state["judge"]) as gate:
            p = Proc(tmp, name, run_cmd(gate.url, out, *SMALL, "--retries", 1, "--seed", 52,
                                        *mode))
            ok = wait_for(lambda: any(r.get("t") == "match" and r.get("winner") is None
                                      for r in journal_recs(out)), 60, p)
            p.signal(signal.SIGINT)
            res = p.finish(30)
            check(ok, f"{name}: no match without a winner was journaled (exit {res.rc}: "
                  f"{short(res.err, 120)})")
            check(res.rc in (130, 1, 0), f"{name}: the first run: exit {res.rc}: "
                  f"{short(res.err, 120)}")
            before = journal_recs(out)
            lost = [(r["a"], r["b"]) for r in before if r.get("t") == "match" and
                    r.get("winner") is None]
            flagged = [r for r in before if r.get("t") == "match" and r.get("lost") is True]
            state["judge"] = "pass"
            log0 = sim.log_count()
            r = run_bin(["evolve", "--resume", out, "--quiet"])
            ids = id_markers(out)
            asked = set(judge_log_pairs(sim, log0))
        probs = []
        if not flagged:
            probs.append(f"none of the {len(lost)} matches lost to 503s is journaled with "
                         "\"lost\": true")
        if r.rc != 0:
            probs.append(f"the resume: exit {r.rc}: {short(r.err, 150)}")
        final = {}
        if os.path.exists(os.path.join(out, "gen-000.json")):
            for m in load_json(os.path.join(out, "gen-000.json"))["matches"]:
                final.setdefault((m["a"], m["b"]), []).append(m["winner"])
        not_asked, undecided = [], []
        for a, b in lost:
            if (ids.get(a), ids.get(b)) not in asked:
                not_asked.append(f"{a}-{b}")
            if not any(final.get((a, b), [])):
                undecided.append(f"{a}-{b}")
        if not_asked:
            probs.append(f"{len(not_asked)} of {len(lost)} lost matches never asked again "
                         f"({', '.join(not_asked[:4])})")
        if undecided:
            probs.append(f"{len(undecided)} of {len(lost)} lost matches without a verdict in "
                         f"gen-000.json ({', '.join(undecided[:4])})")
        check(not probs, f"{name}: first run exit {res.rc}; " + "; ".join(probs))
        notes.append(f"{name}: {len(lost)} lost matches ({len(flagged)} flagged lost), run "
                     f"exited {res.rc}")
    return "; ".join(notes) + "; each asked again on resume and decided"


@test
def lost_usage_counts(tmp):
    """After matches lost to a judge that was down (the first run fails: all
    of them lost) were asked again by a resume and decided, run.json's
    usage.matches_without_winner is the generation files' count of matches
    without a winner, as it is for a run never interrupted (fault_soak): a
    lost match asked again and decided is not a match without a winner."""
    out = os.path.join(tmp, "run")
    state = {"judge": "down"}
    with Sim(tmp, "--latency", "0.02") as sim, Gate(sim.url, lambda pair: state["judge"]) as g:
        r1 = run_bin(run_cmd(g.url, out, *SMALL, "--retries", 0, "--seed", 61, "--quiet"))
        state["judge"] = "pass"
        r2 = run_bin(["evolve", "--resume", out, "--quiet"])
    check(r2.rc == 0, f"first run exit {r1.rc}; the resume: exit {r2.rc}: {short(r2.err)}")
    lost_before = sum(1 for x in journal_recs(out) if x.get("t") == "match"
                      and x.get("winner") is None)
    gens = [load_json(os.path.join(out, n)) for n in gen_files(out)]
    nulls = sum(1 for d in gens for m in d["matches"] if m["winner"] is None)
    lost = sum(1 for d in gens for m in d["matches"] if m.get("lost"))
    usage = load_json(os.path.join(out, "run.json"))["usage"]
    probs = []
    if usage.get("matches_without_winner") != nulls:
        probs.append(f"usage.matches_without_winner is {usage.get('matches_without_winner')}, "
                     f"the files hold {nulls} matches without a winner")
    check(not probs, f"{lost_before} matches lost by the first run (exit {r1.rc}), asked again "
          "and decided by the resume; " + "; ".join(probs))
    return (f"{lost_before} lost, asked again; matches_without_winner {nulls} as in the files "
            f"(lost_matches {usage.get('lost_matches')}: lost requests, {lost} in the files)")


# --------------------------------------------------------------------------
# [6] a key echoed back JSON-escaped
# --------------------------------------------------------------------------
def leaks_in_dir(out, secret):
    """Where secret shows under out: in the raw bytes (clear or escaped as the
    simulator escapes it), or in any string of any JSON document or journal
    line once decoded."""
    found = []
    esc = escape_all(secret).encode()
    for dirpath, _dirs, names in os.walk(out):
        for name in names:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, out)
            with open(path, "rb") as f:
                data = f.read()
            if secret.encode() in data or esc in data or esc.lower() in data.lower():
                found.append(rel)
                continue
            docs = []
            if name.endswith(".json"):
                try:
                    docs.append(json.loads(data))
                except ValueError:
                    pass
            elif name.endswith(".jsonl"):
                for line in data.split(b"\n"):
                    try:
                        docs.append(json.loads(line))
                    except ValueError:
                        pass
            if any(secret in s for d in docs for s in all_strings(d)):
                found.append(rel + " (decoded)")
    return found


@test
def key_echo_escaped(tmp):
    """[6] An endpoint that quotes the bearer token back with every character
    but letters and digits JSON-escaped (sk\\u002dcanary...).  A wrong key:
    the 401's message is shown and stored without the key (stderr, run.json's
    error; with and without the preflight).  The right key echoed at the
    start of every story and judge reply: in none of the generation files,
    the journal, best.txt or run.json, raw or decoded; [redacted] instead."""
    canary = "sk-canary-" + secrets.token_hex(16)
    env = clean_env(OPENAI_API_KEY=canary)
    probs, notes = [], []
    with Sim(tmp, "--require-key", "sk-the-right-one-0000", "--echo-key-escaped",
             name="wrongkey") as wrong, \
            Sim(tmp, "--require-key", canary, "--echo-key-escaped", name="echo") as echo:
        runs = [("wrong key", os.path.join(tmp, "wrong"), wrong.url, no_preflight())]
        if no_preflight():
            runs.append(("wrong key, preflight", os.path.join(tmp, "wrong-pf"), wrong.url, []))
        results = []
        for label, out, url, extra in runs:
            r = run_bin(run_cmd(url, out, *SMALL, "--retries", 0, "--seed", 5, *extra), env=env)
            results.append(r)
            if r.rc != 1:
                probs.append(f"[{label}] exit {r.rc}: {short(r.err, 100)}")
            if "401" not in r.err and "key" not in r.err.lower():
                probs.append(f"[{label}] the refusal is not explained: {short(r.err, 100)}")
            if os.path.isdir(out):
                where = leaks_in_dir(out, canary)
                if where:
                    probs.append(f"[{label}] the key is in {where}")
                rj = os.path.join(out, "run.json")
                if os.path.exists(rj) and not (load_json(rj).get("error") or ""):
                    probs.append(f"[{label}] run.json has no error")
        out = os.path.join(tmp, "echo")
        r = run_bin(run_cmd(echo.url, out, "--population", 4, "--generations", 1, "--top", 2,
                            "--variants", 1, "--judge-budget", 2, "--concurrency", 4,
                            "--seed", 6, "--quiet"), env=env)
        results.append(r)
        if r.rc != 0:
            probs.append(f"[right key] exit {r.rc}: {short(r.err, 120)}")
        where = leaks_in_dir(out, canary)
        if where:
            probs.append(f"[right key, echoed] the key is in {where}")
        texts = reasons = 0
        for name in gen_files(out):
            d = load_json(os.path.join(out, name))
            texts += sum("[redacted]" in s["text"] for s in d["stories"])
            reasons += sum("[redacted]" in (m.get("reason") or "") for m in d["matches"])
        if not texts:
            probs.append("[right key, echoed] no story shows [redacted]: the echo was not "
                         "exercised")
        notes.append(f"{texts} stories and {reasons} reasons show [redacted]")
    for i, r in enumerate(results):
        for stream, text in (("stderr", r.err), ("stdout", r.out)):
            if canary in text or escape_all(canary) in text:
                probs.append(f"the key is on the {stream} of invocation {i + 1} "
                             f"(exit {r.rc})")
    check(not probs, "; ".join(probs))
    return f"{len(results)} runs, key in no output and no file; " + "; ".join(notes)


# --------------------------------------------------------------------------
# [7] usage under kill -9
# --------------------------------------------------------------------------
def last_undecided(out):
    """Whether the journal's last record is a match without a winner."""
    recs = journal_recs(out)
    return bool(recs) and recs[-1].get("t") == "match" and recs[-1].get("winner") is None


def kill_when(p, cond, timeout):
    """SIGKILL p at a moment when cond() holds: once it does, p is stopped
    (SIGSTOP) and cond() asked again, so that nothing p writes in between
    can make it false; if it no longer holds, p goes on.  False if p ended
    or the time ran out first."""
    end = time.monotonic() + timeout * SLOW
    while time.monotonic() < end:
        if not wait_for(cond, max(0.0, end - time.monotonic()) / SLOW, p, 0.003):
            return False
        if not p.signal(signal.SIGSTOP):
            return False
        time.sleep(0.01)
        if cond():
            p.signal(signal.SIGKILL)
            return True
        p.signal(signal.SIGCONT)
    return False


def undecided_pairs(pair):
    """The gate's judge for kill9_usage: about a third of the pairs never
    get a verdict (a fixed choice by their story numbers), the rest pass."""
    a, b = sorted(pair)
    return "undecided" if (a * 7 + b * 13) % 3 == 0 else "pass"


@test
def kill9_usage(tmp):
    """[7] A run killed with SIGKILL once it has journaled work, resumed and
    killed again once the resume has journaled work of its own, then resumed
    to the end; a third of the judge's matches never get a verdict, and each
    kill lands right after such a match was journaled.  Then:
    usage.requests is at most the endpoint's count of requests received and
    short of it by no more than concurrency x kills; the resume that was
    killed is listed in resumes[] with the stories and verdicts it reused (as
    many as the journal held for it); matches_without_winner equals the
    generation files' count of matches without a winner."""
    C = 4
    out = os.path.join(tmp, "run")
    args = ["--population", 8, "--generations", 1, "--top", 2, "--variants", 2,
            "--judge-budget", 4, "--concurrency", C, "--seed", 71, "--quiet"]
    probs = []
    with Sim(tmp, "--latency", "0.1:0.3", "--seed", "7", log=True) as sim, \
            Gate(sim.url, undecided_pairs) as gate:
        # 1: killed once it has journaled five stories and two verdicts, the
        # last of them a match without a winner
        p = Proc(tmp, "p0", run_cmd(gate.url, out, *args))
        ok = kill_when(p, lambda: count_kind(out, "story") >= 5 and
                       count_kind(out, "match") >= 2 and last_undecided(out), 60)
        r0 = p.finish(10)
        check(ok and r0.rc == -9, f"the first run: exit {r0.rc} before it was killed "
              f"({short(r0.err, 100)})")
        # 2: a resume, killed once it has journaled four records of its own,
        # the last a match without a winner
        held = journal_recs(out)
        g1 = len(gen_files(out))
        n1 = len(held)
        p = Proc(tmp, "p1", ["evolve", "--resume", out, "--quiet"])
        ok = kill_when(p, lambda: len(journal_recs(out)) >= n1 + 4 and last_undecided(out), 60)
        r1 = p.finish(10)
        check(ok and r1.rc == -9, f"the first resume: exit {r1.rc} before it was killed "
              f"({short(r1.err, 100)})")
        # 3: a resume to the end
        r2 = run_bin(["evolve", "--resume", out, "--quiet"])
        check(r2.rc == 0, f"the last resume: exit {r2.rc}: {short(r2.err)}")
        time.sleep(0.3)     # requests a killed process left in flight are answered
        served = gate.requests
    gens = validate_run(out, 8, 1, 2, 2, Mode(budget=4), allow_failed=True)
    run = check_complete(out, gens, 1)
    usage = run["usage"]
    kills = 2
    req = usage.get("requests", 0)
    if req > served:
        probs.append(f"usage.requests {req} > {served} requests the endpoint received")
    elif served - req > C * kills:
        probs.append(f"usage.requests {req}, the endpoint received {served}: {served - req} "
                     f"requests unaccounted for, more than could be in flight at {kills} "
                     f"kills ({C} x {kills})")
    # What the killed resume reused: the stories of its generation the
    # journal held, and the decided verdicts of that generation (all of them
    # are taken when their matches come up; the first process had 2 or more).
    resumes = run.get("resumes") or []
    held_s = sum(1 for x in held if x.get("t") == "story" and x.get("gen") == g1)
    held_m = sum(1 for x in held if x.get("t") == "match" and x.get("gen") == g1
                 and not x.get("lost"))
    if len(resumes) != 2:
        probs.append(f"run.json lists {len(resumes)} resumes, 2 were made")
    else:
        e = resumes[0]
        if e.get("reused_stories") != held_s or not 0 < (e.get("reused_matches") or 0) <= held_m:
            probs.append(f"resumes[0] (the resume killed after its work) says it reused "
                         f"{e.get('reused_stories')} stories and {e.get('reused_matches')} "
                         f"verdicts; the journal held {held_s} stories and {held_m} verdicts "
                         f"of generation {g1} for it")
    nulls = sum(1 for d in gens for m in d["matches"] if m["winner"] is None)
    if usage.get("matches_without_winner") != nulls:
        probs.append(f"usage.matches_without_winner {usage.get('matches_without_winner')}, the "
                     f"files hold {nulls} matches without a winner")
    check(nulls > 0, "no match without a winner: the undecided judge was not exercised")
    check(not probs, "; ".join(probs))
    return (f"2 SIGKILLs; {req} requests counted of {served} received; resumes "
            f"{[(e.get('reused_stories'), e.get('reused_matches')) for e in resumes]}; "
            f"{nulls} matches without a winner")


@test
def usage_counted_once(tmp):
    """[7] No request counted twice: a new run with one request in flight at
    a time (--concurrency 1) is killed with SIGKILL while its fourth request
    (after the preflight and two stories) is held unanswered, then resumed to
    the end.  Every request the endpoint received is in run.json's
    usage.requests once, but for the one held when the process fell (it was
    sent after the last journal line): usage.requests is exactly the
    endpoint's count less one.  (A request that run.json counted when it was
    written, and that a journal line after it counted again, would make it
    the count itself.)"""
    out = os.path.join(tmp, "run")
    with Sim(tmp, "--latency", "0.02") as sim, Gate(sim.url, hold_at=4) as gate:
        p = Proc(tmp, "first", run_cmd(gate.url, out, "--population", 4, "--generations", 0,
                                       "--top", 2, "--variants", 1, "--judge-budget", 2,
                                       "--concurrency", 1, "--retries", 0, "--seed", 91,
                                       "--quiet"))
        held = wait_for(gate.holding.is_set, 60, p)
        time.sleep(0.2)      # the process has journaled what it received, and waits
        p.signal(signal.SIGKILL)
        r0 = p.finish(10)
        gate.release.set()
        check(held and r0.rc == -9, f"the request to hold never came (exit {r0.rc}: "
              f"{short(r0.err, 120)})")
        before = {"stories": count_kind(out, "story"), "run.json": load_json(
            os.path.join(out, "run.json"))["usage"]["requests"]}
        r = run_bin(["evolve", "--resume", out, "--quiet"])
        check(r.rc == 0, f"the resume: {r!r}")
        time.sleep(0.2)
        received = gate.requests
    usage = load_json(os.path.join(out, "run.json"))["usage"]
    check(usage["requests"] == received - 1,
          f"usage.requests {usage['requests']}, the endpoint received {received} requests, one "
          f"of them held unanswered when the first process was killed (it had journaled "
          f"{before['stories']} stories; its run.json counted {before['run.json']})")
    return f"{received} requests received, {usage['requests']} counted (one lost in flight)"


# --------------------------------------------------------------------------
# [8] another run's files
# --------------------------------------------------------------------------
def interrupted_run(tmp, sim, name, seed):
    """A run interrupted once gen-000.json is written (and before the end)."""
    out = os.path.join(tmp, name)
    p = Proc(tmp, name, run_cmd(sim.url, out, "--population", 6, "--generations", 2, "--top", 2,
                                "--variants", 2, "--judge-budget", 3, "--concurrency", 4,
                                "--seed", seed))
    ok = wait_for(lambda: os.path.exists(os.path.join(out, "gen-000.json")) and
                  count_kind(out, "story") >= 2, 60, p)
    p.signal(signal.SIGINT)
    res = p.finish(30)
    check(ok and res.rc == 130, f"{name}: exit {res.rc}: {short(res.err, 120)}")
    return out


@test
def foreign_files(tmp):
    """[8] Two interrupted runs with the same settings and seed, A and B.
    Into copies of A: B's journal.jsonl; B's run.json; B's gen-000.json; and
    A's run.json with another seed (both "seed" and settings.seed).  Each
    `--resume` exits 2 with a message, sends nothing and changes nothing
    (every file's bytes and times hashed before and after)."""
    probs = []
    with Sim(tmp, "--latency", "0.05:0.2") as sim:
        a = interrupted_run(tmp, sim, "A", 81)
        b = interrupted_run(tmp, sim, "B", 81)

        def copy_of(label):
            d = os.path.join(tmp, "case-" + label)
            shutil.copytree(a, d)
            return d

        cases = []
        d = copy_of("journal")
        shutil.copyfile(journal_path(b), journal_path(d))
        cases.append(("B's journal.jsonl", d))
        d = copy_of("runjson")
        shutil.copyfile(os.path.join(b, "run.json"), os.path.join(d, "run.json"))
        cases.append(("B's run.json", d))
        d = copy_of("gen")
        shutil.copyfile(os.path.join(b, "gen-000.json"), os.path.join(d, "gen-000.json"))
        cases.append(("B's gen-000.json", d))
        d = copy_of("seed")
        rj = load_json(os.path.join(d, "run.json"))
        rj["seed"] = rj["settings"]["seed"] = 82
        write_file(os.path.join(d, "run.json"), json.dumps(rj, indent=2) + "\n")
        cases.append(("the seed edited in run.json", d))
        for label, d in cases:
            snap = tree_snapshot(d)
            before = sim.stats()["requests"]
            r = run_bin(["evolve", "--resume", d, "--quiet"])
            errs = []
            if r.rc != 2:
                errs.append(f"exit {r.rc}")
            if not r.err.strip():
                errs.append("no message")
            diff = changed(snap, tree_snapshot(d))
            if diff:
                errs.append(f"changed {diff[:4]}")
            if sim.stats()["requests"] != before:
                errs.append(f"{sim.stats()['requests'] - before} requests sent")
            if errs:
                probs.append(f"[{label}] {', '.join(errs)}: {short(r.err, 110)}")
    check(not probs, f"{len(probs)} of {len(cases)} foreign files mixed in: " + " || ".join(probs))
    return f"{len(cases)} foreign files refused with exit 2, nothing changed, nothing sent"


# --------------------------------------------------------------------------
# [9] [10] [11] [12] bad input
# --------------------------------------------------------------------------
def refused(tmp, sim, args, needles, label, timeout=15, out=None):
    """Run evolve with args; a list of what was wrong: not exit 2, a needle
    missing from stderr, --out made, a request sent, not exiting in time."""
    out = out or os.path.join(tmp, "out-" + re.sub(r"\W+", "-", label)[:40])
    before = sim.stats()["requests"]
    r = try_run(run_cmd(sim.url, out, *args), timeout)
    errs = []
    if r.rc is None:
        errs.append(f"did not exit within {timeout}s")
    elif r.rc != 2:
        errs.append(f"exit {r.rc}")
    for n in needles:
        if r.rc is not None and n not in r.err:
            errs.append(f"the message does not name {n!r}")
    if os.path.exists(out):
        errs.append("--out was created")
    if sim.stats()["requests"] != before:
        errs.append("requests were sent")
    return [f"[{label}] {', '.join(errs)}: {short(r.err, 120)}"] if errs else []


@test
def fifo_inputs(tmp):
    """[9] A FIFO (with no writer) given as --prompt-file, --styles, --rubric
    or --cacert: refused at once with exit 2 and a message naming it, nothing
    written, nothing sent (each run under a 15 s limit, killed if it hangs)."""
    probs = []
    opts = ["--prompt-file", "--styles", "--rubric", "--cacert"]
    with Sim(tmp) as sim:
        for opt in opts:
            fifo = os.path.join(tmp, opt.strip("-") + ".fifo")
            os.mkfifo(fifo)
            t0 = time.monotonic()
            probs += refused(tmp, sim, [opt, fifo] + SMALL, [fifo], opt)
            if time.monotonic() - t0 > 5 * SLOW and not probs:
                probs.append(f"[{opt}] took {time.monotonic() - t0:.1f}s")
    check(not probs, " || ".join(probs))
    return f"a FIFO as {', '.join(opts)}: each refused at once"


@test
def cacert_not_pem(tmp):
    """[10] --cacert naming a file that holds no certificate (plain text, or a
    PEM private key): exit 2 before anything is written or sent, the message
    naming --cacert."""
    probs = []
    text = write_file(os.path.join(tmp, "notes.txt"), "these are my notes, not certificates\n")
    key = write_file(os.path.join(tmp, "key.pem"), "-----BEGIN PRIVATE KEY-----\n"
                     "MC4CAQAwBQYDK2VwBCIEIGZ1c3Rlc3RrZXlub3RyZWFsbHlhc2VjcmV0Ym9vaw==\n"
                     "-----END PRIVATE KEY-----\n")
    with Sim(tmp) as sim:
        for label, path in (("text", text), ("private key", key)):
            probs += refused(tmp, sim, ["--cacert", path] + SMALL, ["--cacert"], label)
    check(not probs, " || ".join(probs))
    return "a text file and a private key as --cacert: exit 2, nothing written"


@test
def long_out_path(tmp):
    """[11] --out paths the system cannot make: 20 levels with a name of 300
    bytes last, 20 levels with one in the middle, and 20 levels of 230-byte
    names (over 4096 bytes in all).  Each: exit 2, no directory left behind,
    and the message ends with why (the name or the path too long), not cut
    off before it."""
    probs = []
    cases = []
    short_names = [f"lvl{i:02d}" for i in range(20)]
    cases.append(("a 300-byte name after 20 levels", short_names + ["n" * 300]))
    cases.append(("a 300-byte name in the middle", short_names[:10] + ["m" * 300]
                  + short_names[10:]))
    cases.append(("4,600 bytes in 20 names", [f"{i:02d}" + "p" * 228 for i in range(20)]))
    with Sim(tmp) as sim:
        for i, (label, parts) in enumerate(cases):
            base = os.path.join(tmp, f"base-{i}")
            os.mkdir(base)
            out = os.path.join(base, *parts)
            before = sim.stats()["requests"]
            r = try_run(run_cmd(sim.url, out, *SMALL), 15)
            errs = []
            if r.rc != 2:
                errs.append(f"exit {r.rc}")
            left = os.listdir(base)
            if left:
                errs.append(f"left {len(list(os.walk(base))) - 1} directories behind")
            tail = r.err.strip()[-120:]
            if not re.search(r"too long|longer than|more than the system allows", tail, re.I):
                errs.append(f"the message ends {tail[-80:]!r}")
            if sim.stats()["requests"] != before:
                errs.append("requests were sent")
            if errs:
                probs.append(f"[{label}] {', '.join(errs)}")
    check(not probs, " || ".join(probs))
    return f"{len(cases)} impossible --out paths refused, nothing left behind"


@test
def strict_numbers(tmp):
    """[12] One strict rule for numbers: " 5", "+5", "0x1p0", "5 ", "1e2"
    (for a whole number), "inf" and "nan" are each refused with exit 2 and a
    message naming the option, for several number options of evolve
    (--population, --concurrency, --seed, --temperature, --timeout) and of
    rank (--holdout, --seed).  The rest of each command is fine, so a number
    that got through would show as another outcome (evolve: an --out that
    is refused for holding a file, whose message does not name the option;
    rank: exit 0)."""
    full = os.path.join(tmp, "full")
    os.mkdir(full)
    write_file(os.path.join(full, "notes.txt"), "mine\n")
    matches = write_file(os.path.join(tmp, "m.jsonl"), "".join(
        json.dumps({"a": f"s{i % 4}", "b": f"s{(i + 1) % 4}", "winner": f"s{i % 4}"}) + "\n"
        for i in range(12)))
    whole = [" 5", "+5", "0x1p0", "5 ", "1e2", "inf", "nan", "5\n"]
    frac = [" 0.5", "+0.5", "0x1p-1", "0.5 ", "inf", "nan", "-nan", "0.5\t"]
    evolve = [("--population", whole), ("--concurrency", whole), ("--seed", whole),
              ("--temperature", frac), ("--timeout", [" 5", "+5", "0x1p0", "5 ", "inf", "nan"])]
    rank = [("--holdout", frac), ("--seed", whole)]
    probs, n = [], 0
    cwd = os.path.join(tmp, "cwd")
    os.mkdir(cwd)
    for opt, values in evolve:
        for v in values:
            n += 1
            r = run_bin(["evolve", "--model", "m", "--base-url", "http://127.0.0.1:9/v1",
                         "--out", full, opt, v], cwd=cwd)
            if r.rc != 2 or opt not in r.err:
                probs.append(f"evolve {opt} {v!r}: exit {r.rc}, {short(r.err, 70)!r}")
    for opt, values in rank:
        for v in values:
            n += 1
            args = ["rank", "--matches", matches, opt, v]
            if opt == "--seed":
                args += ["--holdout", "0.25"]
            r = run_bin(args, cwd=cwd)
            if r.rc != 2 or opt not in r.err:
                probs.append(f"rank {opt} {v!r}: exit {r.rc}, {short(r.err, 70)!r}")
    check(not os.listdir(cwd), f"wrote {os.listdir(cwd)} in the working directory")
    check(not probs, f"{len(probs)} of {n} accepted or refused without naming the option: "
          + " || ".join(probs))
    return f"{n} malformed numbers refused, each naming its option"


# --------------------------------------------------------------------------
# Found on the way
# --------------------------------------------------------------------------
@test
def huge_content_length(tmp):
    """A 200 whose Content-Length claims 999999999999 bytes (the simulator
    sends a short body and hangs up): refused at the header, counted as
    reply_too_large (not as a dropped connection), retried, and every story
    is written."""
    out = os.path.join(tmp, "run")
    with Sim(tmp, "--fault-rate", "0.5", "--faults", "hugelength", "--seed", "9") as sim:
        r = run_bin(run_cmd(sim.url, out, "--population", 4, "--generations", 0, "--top", 2,
                            "--variants", 1, "--judge-budget", 2, "--concurrency", 4,
                            "--retries", 8, "--seed", 12, "--quiet"))
        injected = sim.stats()["faults"].get("hugelength", 0)
    check(r.rc == 0, f"exit {r.rc}: {short(r.err)}")
    d = load_json(os.path.join(out, "gen-000.json"))
    check(len(d["stories"]) == 4, f"{len(d['stories'])} of 4 stories written")
    faults = load_json(os.path.join(out, "run.json"))["usage"].get("faults") or {}
    check(injected > 0, "no hugelength reply was sent")
    check(faults.get("reply_too_large") == injected,
          f"{injected} replies announced 999999999999 bytes; usage.faults says reply_too_large "
          f"{faults.get('reply_too_large')}, connection {faults.get('connection')}")
    return f"{injected} huge Content-Lengths refused at the header, retried, 4 stories"


@test
def big_body(tmp):
    """A 10 MiB completion (over the 8 MiB cap) for about half the story
    requests, 8 in flight: counted as reply_too_large, retried, every story
    written; and the body is not read (the process stays far below the
    8 x 8 MiB it would hold if every such reply were buffered to the cap)."""
    out = os.path.join(tmp, "run")
    with Sim(tmp, "--fault-rate", "0.5", "--faults", "bigbody", "--seed", "4",
             "--latency", "0.05") as sim, Sim(tmp, "--latency", "0.05", name="plain") as plain:
        p = Proc(tmp, "big", run_cmd(sim.url, out, "--population", 12, "--generations", 0,
                                     "--top", 2, "--variants", 1, "--judge-budget", 2,
                                     "--concurrency", 8, "--retries", 10, "--seed", 13,
                                     "--quiet"))
        r = p.finish(120)
        injected = sim.stats()["faults"].get("bigbody", 0)
        # the same run without big bodies, for the memory it needs anyway
        base = os.path.join(tmp, "base")
        q = Proc(tmp, "base", run_cmd(plain.url, base,
                                      "--population", 12, "--generations", 0, "--top", 2,
                                      "--variants", 1, "--judge-budget", 2, "--concurrency", 8,
                                      "--seed", 13, "--quiet"))
        rb = q.finish(120)
    check(r.rc == 0, f"exit {r.rc}: {short(r.err)}")
    d = load_json(os.path.join(out, "gen-000.json"))
    check(len(d["stories"]) == 12, f"{len(d['stories'])} of 12 stories written")
    faults = load_json(os.path.join(out, "run.json"))["usage"].get("faults") or {}
    check(injected >= 4, f"only {injected} big bodies sent")
    check(faults.get("reply_too_large") == injected,
          f"{injected} 10 MiB replies, usage.faults.reply_too_large "
          f"{faults.get('reply_too_large')}")
    check(rb.rc == 0, f"the run without big bodies: exit {rb.rc}: {short(rb.err)}")
    mb, base_mb = r.hwm / 1024, rb.hwm / 1024
    check(harness.VALGRIND or mb - base_mb < 16,
          f"peak memory {mb:.0f} MB, {base_mb:.0f} MB without big bodies: the big bodies were "
          "read into memory")
    return (f"{injected} 10 MiB replies refused and retried; peak memory {mb:.0f} MB "
            f"({base_mb:.0f} MB without them)")


@test
def url_credentials_resume(tmp):
    """A run whose --base-url held user:password (never saved): extended with
    --resume but without --base-url, it is refused with exit 2 and a message
    saying to give --base-url again, and changes nothing; with --base-url
    given again it goes on.  The password is in no file."""
    out = os.path.join(tmp, "run")
    password = "pw-" + secrets.token_hex(8)
    with Sim(tmp) as sim:
        url = sim.url.replace("http://", f"http://user:{password}@")
        r = run_bin(run_cmd(url, out, *SMALL, "--seed", 3, "--quiet"))
        check(r.rc == 0, f"the first run: {r!r}")
        snap = tree_snapshot(out)
        before = sim.stats()["requests"]
        r = run_bin(["evolve", "--resume", out, "--generations", 1, "--quiet"])
        probs = []
        if r.rc != 2:
            probs.append(f"exit {r.rc}")
        if "--base-url" not in r.err or "again" not in r.err:
            probs.append("the message does not say to give --base-url again")
        if changed(snap, tree_snapshot(out)) or sim.stats()["requests"] != before:
            probs.append("it changed the run or sent requests")
        check(not probs, f"resumed without the URL's credentials: {', '.join(probs)}: "
              f"{short(r.err, 150)}")
        r = run_bin(["evolve", "--resume", out, "--generations", 1, "--base-url", url,
                     "--quiet"])
        check(r.rc == 0, f"resumed with --base-url given again: {r!r}")
    where = leaks_in_dir(out, password)
    check(not where, f"the URL's password is in {where}")
    return "refused without --base-url (exit 2, says to give it again); goes on with it"


@test
def retry_after_cap(tmp):
    """Every request gets 429 with a long Retry-After.  The wait is said on
    stderr even with --quiet, and a Retry-After beyond 120 s is honoured up
    to --timeout: 200 s with --timeout 300, 150 s with --timeout 150 (the
    process is stopped as soon as it has said so)."""
    probs, notes = [], []
    for ra, timeout, want in (("200", 300, 200), ("200", 150, 150), ("45", 300, 45)):
        with Sim(tmp, "--status-all", "429", "--retry-after", ra, name=f"ra{ra}-{timeout}") as sim:
            out = os.path.join(tmp, f"run-{ra}-{timeout}")
            p = Proc(tmp, f"ra{ra}-{timeout}", run_cmd(sim.url, out, *SMALL, "--timeout",
                                                         timeout, *no_preflight(), "--quiet"))
            said = wait_for(lambda: re.search(r"wait (\d+) ?s", p.stderr()), 10, p)
            p.signal(signal.SIGKILL)
            res = p.finish(10)
            m = re.search(r"wait (\d+) ?s", res.err)
            if not said or not m:
                probs.append(f"[Retry-After {ra}, --timeout {timeout}] nothing said within 10 s "
                             f"(exit {res.rc}: {short(res.err, 100)!r})")
            elif int(m.group(1)) != want:
                probs.append(f"[Retry-After {ra}, --timeout {timeout}] waits {m.group(1)} s, "
                             f"expected {want}")
            else:
                notes.append(f"{ra}/{timeout}: {want} s")
    check(not probs, " || ".join(probs))
    return "said under --quiet: " + ", ".join(notes)


if __name__ == "__main__":
    sys.exit(run_tests(sys.argv[1:], __doc__, "hostile tests", "aw-hostile-", timed=True))
