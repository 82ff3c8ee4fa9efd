"""tests/harness.py - the test harness that tests/e2e.py, tests/e2e_resume.py
and tests/bench.py share: the simulated endpoint (tests/simendpoint.py on
127.0.0.1, port 0), a loopback-only environment, running the alphawrite
binary (under valgrind with AW_VALGRIND=1), and the runner of a suite, which
prints a line per test ("ok NAME # figures" or "FAIL NAME: reason") and then
exactly one line "N passed, N failed".

It exists so that the suites cannot drift apart in how they start the
simulator, keep the binary off the network or count a failure: a fix here is
a fix in every suite.  What only one suite needs stays in that suite; what a
run wrote (its generation files, run.json, best.txt, the journal) is checked
by tests/validate.py.

Each of them imports it as `harness`: running `python3 tests/NAME.py` puts
tests/ on sys.path.  Python 3 standard library only.
"""

import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# AW_BIN: another build of alphawrite to test (e.g. an older commit's), else this tree's.
BIN = os.environ.get("AW_BIN") or os.path.join(REPO, "alphawrite")
SIM = os.path.join(REPO, "tests", "simendpoint.py")
PROMPTS_DIR = os.path.join(REPO, "prompts")

VALGRIND = os.environ.get("AW_VALGRIND", "0") == "1"
VG_CMD = ["valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
          "--errors-for-leak-kinds=definite"]
SLOW = 10 if VALGRIND else 1          # time budget multiplier under valgrind
KEEP = os.environ.get("AW_E2E_KEEP", "0") == "1"


# --------------------------------------------------------------------------
# Failing
# --------------------------------------------------------------------------
class TestFail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise TestFail(msg)


def short(text, n=300):
    text = text.strip().replace("\n", " | ")
    return text if len(text) <= n else text[:n] + "..."


# --------------------------------------------------------------------------
# Loopback only
# --------------------------------------------------------------------------
# urllib must never use a proxy: the simulator is on loopback.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "ftp_proxy", "no_proxy")


def clean_env(**extra):
    """The environment without proxies or OpenAI settings, plus extra (a
    value of None removes that variable)."""
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


# --------------------------------------------------------------------------
# The simulated endpoint
# --------------------------------------------------------------------------
class Sim:
    """tests/simendpoint.py on 127.0.0.1:0 with args; use as a context manager.

    log: keep its request log; name: tells the files of several simulators
    in one directory apart; max_seconds (times SLOW): when it exits on its
    own, so that a harness that fails to stop it leaves nothing running."""

    # Both limits only bound a simulator that is broken, so they are
    # generous: a loaded machine must not turn into a failure here.
    START_SECONDS = 30
    HTTP_SECONDS = 60

    def __init__(self, tmp, *args, log=False, name="sim", max_seconds=300):
        self.port_file = os.path.join(tmp, name + ".port")
        self.log_path = os.path.join(tmp, name + ".log") if log else None
        cmd = [sys.executable, SIM, "--host", "127.0.0.1", "--port", "0",
               "--port-file", self.port_file, "--max-seconds", str(max_seconds * SLOW)]
        if self.log_path:
            cmd += ["--log", self.log_path]
        cmd += [str(a) for a in args]
        self.err_path = os.path.join(tmp, name + ".stderr")
        self._err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self._err,
                                     stdin=subprocess.DEVNULL, env=clean_env())
        self.port = self._wait_for_port()
        if self.port is None:
            self.stop()
            with open(self.err_path, "rb") as f:
                err = f.read().decode("utf-8", "replace")
            raise TestFail("simulated endpoint did not start: " + short(err))
        self.url = f"http://127.0.0.1:{self.port}/v1"

    def _wait_for_port(self):
        """The port the simulator wrote to its port file, or None if it
        exited or wrote none in time."""
        deadline = time.monotonic() + self.START_SECONDS
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                with open(self.port_file) as f:
                    text = f.read().strip()
                if text:
                    return int(text)
            except (OSError, ValueError):
                pass
            time.sleep(0.02)
        return None

    def _get(self, path):
        with OPENER.open(f"http://127.0.0.1:{self.port}{path}",
                         timeout=self.HTTP_SECONDS) as r:
            return json.loads(r.read().decode("utf-8"))

    def stats(self):
        return self._get("/sim/stats")

    def truth(self):
        """The hidden quality of every story it wrote."""
        return self._get("/sim/truth")

    def log_count(self):
        """Complete lines in the request log so far."""
        try:
            with open(self.log_path, "rb") as f:
                return f.read().count(b"\n")
        except FileNotFoundError:
            return 0

    def log(self):
        """The logged requests, one dict each.  Only complete lines: one the
        simulator is still writing is left for the next call."""
        out = []
        if self.log_path and os.path.exists(self.log_path):
            with open(self.log_path, "rb") as f:
                data = f.read()
            for line in data[:data.rfind(b"\n") + 1].splitlines():
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
class Result:
    def __init__(self, rc, out, err, elapsed):
        self.rc, self.out, self.err, self.elapsed = rc, out, err, elapsed

    def __repr__(self):
        return f"exit {self.rc}, stderr: {short(self.err)}"


def vg_check(res):
    if VALGRIND and res.rc == 99:
        report = [l for l in res.err.splitlines() if l.startswith("==")] or [res.err]
        raise TestFail("valgrind reported errors (exit 99): " + short("\n".join(report), 2000))


def bin_cmd(args, binary=BIN):
    """The command line for binary with args, under valgrind if asked.  An
    argument may be bytes (a name that is not UTF-8); others become str."""
    return (VG_CMD if VALGRIND else []) + [binary] + [a if isinstance(a, bytes) else str(a)
                                                      for a in args]


def run_bin(args, env=None, cwd=None, timeout=120, binary=BIN, preexec_fn=None, stdin=None):
    """Run binary with args to the end (timeout times SLOW) in clean_env()
    unless env is given, with the bytes stdin (else nothing) on its standard
    input; a valgrind error fails the test."""
    t0 = time.monotonic()
    try:
        p = subprocess.run(bin_cmd(args, binary), input=stdin,
                           stdin=subprocess.DEVNULL if stdin is None else None,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env if env is not None else clean_env(), cwd=cwd,
                           timeout=timeout * SLOW, preexec_fn=preexec_fn)
    except subprocess.TimeoutExpired:
        raise TestFail(f"alphawrite {short(' '.join(map(str, args)), 200)} did not exit within "
                       f"{timeout * SLOW}s") from None
    res = Result(p.returncode, p.stdout.decode("utf-8", "replace"),
                 p.stderr.decode("utf-8", "replace"), time.monotonic() - t0)
    vg_check(res)
    return res


# --------------------------------------------------------------------------
# Simulated stories, input lists, rankings
# --------------------------------------------------------------------------
# Every simulated story's text carries its number at the simulator.
MARKER_RE = re.compile(r"\[simulated story #(\d+)\]")


def read_list(path):
    """The lines of a list file (styles, themes, goals), without blank lines
    and comments."""
    items = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                items.append(line)
    return items


def kendall_tau(x, y):
    """Kendall's tau-b of two rankings given as scores (ties allowed)."""
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


# --------------------------------------------------------------------------
# Registering and running tests
# --------------------------------------------------------------------------
TESTS = []


def test(fn):
    """Register fn(tmp) as a test: it returns a note for its "ok" line (or
    None) and raises TestFail to fail."""
    TESTS.append(fn)
    return fn


def _remove_tree(tmp):
    for dirpath, dirs, _files in os.walk(tmp):
        for d in dirs:          # a test may have left a directory read-only
            try:
                os.chmod(os.path.join(dirpath, d), 0o755)
            except OSError:
                pass
    shutil.rmtree(tmp, ignore_errors=True)


def _run_one(fn, tmp, timed):
    """Run one test in tmp and print its line; True if it passed.  timed adds
    the seconds it took to an "ok" line and to a TestFail line."""
    name = fn.__name__
    t0 = time.monotonic()

    def took():
        return f" ({time.monotonic() - t0:.1f}s)" if timed else ""

    try:
        note = fn(tmp)
        extra = f" # {note}" if note else ""
        print(f"ok {name}{extra}{took()}", flush=True)
        return True
    except TestFail as e:
        print(f"FAIL {name}: {e}{took()}", flush=True)
    except Exception as e:   # a bug in the test or the environment
        tb = traceback.format_exc().strip().splitlines()
        print(f"FAIL {name}: {type(e).__name__}: {e} [{tb[-3].strip() if len(tb) > 2 else ''}]",
              flush=True)
    return False


def run_tests(argv, doc, what, tmp_prefix, timed=False):
    """The command line of a suite: argv names tests (none: all of them),
    --list lists them, -h prints doc.  Each test gets its own temporary
    directory named tmp_prefix + its name; what names the suite in the line
    that says how long it took.  Returns the exit status."""
    # A suite that a non-interactive shell starts in the background (tests/run.sh
    # runs the two end-to-end suites at once) inherits SIGINT ignored, and so
    # would every process it starts: take Python's handler back, so that
    # Ctrl-C stops a suite (and its simulators) as it does in the foreground.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    names = [t.__name__ for t in TESTS]
    if "--list" in argv:
        print("\n".join(names))
        return 0
    if argv and argv[0] in ("-h", "--help"):
        print(doc)
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
        tmp = tempfile.mkdtemp(prefix=f"{tmp_prefix}{name}-")
        ok = _run_one(fn, tmp, timed)
        if ok:
            passed += 1
        else:
            failed += 1
        if ok or not KEEP:
            _remove_tree(tmp)
        else:
            print(f"  (kept {tmp})", flush=True)
    print(f"# {what} took {time.monotonic() - t_all:.1f}s", flush=True)
    print(f"{passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 else 1
