"""tests/golden.py - the golden runs: what a run writes, byte for byte.

Two small runs under --deterministic and --rounds against the pure
simulator (every reply a function of the request's bytes) are kept in
tests/golden/<case>/, as an earlier build wrote them.  The test golden_run
in tests/e2e.py runs them again with the binary under test and requires the
same files: the generation files, best.txt and inputs/ byte for byte, and
run.json and the journal after normalize() has masked what differs from
run to run by design: the run id (random), times, the simulator's port,
the window use, and in the journal the order of lines, whether an early
variant had its id yet and the usage each line carries (when a request
started against when a reply was journaled is timing), with run.json's
journal_bytes, the journal's size, which follows from it.

The texts come from tests/golden/texts/, not from prompts/, so that editing
the bundled prompts does not change the golden runs.

Regenerate (only when a format change is intended, and say so in the
commit):  python3 tests/golden.py BINARY
"""

import json
import os
import re
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402

GOLDEN = os.path.join(HERE, "golden")
TEXTS = os.path.join(GOLDEN, "texts")

CASES = {
    "deterministic": ["--deterministic", "--population", "8", "--generations", "2", "--top",
                      "2", "--variants", "2", "--judge-budget", "4", "--seed", "7",
                      "--concurrency", "4", "--max-words", "120"],
    "rounds": ["--rounds", "3", "--pairing", "random", "--rank-by", "elo", "--population",
               "6", "--generations", "1", "--top", "2", "--variants", "2", "--seed", "11",
               "--concurrency", "3", "--max-words", "100"],
}


def text_args():
    t = lambda name: os.path.join(TEXTS, name)  # noqa: E731
    return ["--prompt-file", t("prompt.txt"), "--rubric", t("rubric.txt"), "--prompts-dir",
            TEXTS, "--styles", t("styles.txt"), "--themes", t("themes.txt"), "--goals",
            t("goals.txt")]


def run_case(binary, tmp, name, out):
    """Run case name into out with binary; the result."""
    with harness.Sim(tmp, "--pure", "--latency", "0:0.02", "--seed", "5",
                     name="sim-golden-" + name) as sim:
        return harness.run_bin(["evolve", "--model", "sim-writer", "--base-url", sim.url,
                                "--out", out, "--quiet"] + text_args() + CASES[name],
                               binary=binary)


MASKED_RUN_KEYS = ("started", "finished", "elapsed_seconds")


def normalize(out):
    """{relative path: bytes} of a run directory, with what differs from run
    to run by design masked."""
    files = {}
    for root, _dirs, names in os.walk(out):
        for n in names:
            path = os.path.join(root, n)
            rel = os.path.relpath(path, out)
            with open(path, "rb") as f:
                files[rel] = f.read()
            if re.fullmatch(r"gen-\d+\.json", rel):
                files[rel] = re.sub(rb'\n\t"run_id":\t"[0-9a-f]+",', b'\n\t"run_id":\t"-",',
                                    files[rel], count=1)
    run = json.loads(files["run.json"])
    for k in MASKED_RUN_KEYS + ("run_id", "journal_bytes"):
        run[k] = "-"
    run["settings"]["base_url"] = "-"
    run["usage"]["window_use"] = "-"
    # Which files the run read: their paths differ between checkouts.
    run["files"] = {k: (os.path.basename(v) if isinstance(v, str) else v)
                    for k, v in run["files"].items()}
    files["run.json"] = json.dumps(run, indent=1, sort_keys=True).encode()
    lines = []
    for line in files["journal.jsonl"].decode().splitlines():
        rec = json.loads(line)
        if rec.get("t") == "story" and rec.get("parent_id"):
            rec["id"] = None   # an early variant may have been written before it had one
        if rec.get("t") == "run":
            rec["run_id"] = "-"
        rec.pop("u", None)
        rec.pop("p", None)
        lines.append(json.dumps(rec, sort_keys=True))
    files["journal.jsonl"] = "\n".join(sorted(lines)).encode()
    return files


def compare(golden_dir, out):
    """A list of differences between a golden run and a new one."""
    want, got = normalize(golden_dir), normalize(out)
    problems = []
    for rel in sorted(set(want) | set(got)):
        if rel not in got:
            problems.append(f"{rel}: missing")
        elif rel not in want:
            problems.append(f"{rel}: not in the golden run")
        elif want[rel] != got[rel]:
            a, b = want[rel], got[rel]
            at = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
            problems.append(f"{rel}: differs at byte {at}: golden "
                            f"{a[max(0, at - 40):at + 40]!r}, now {b[max(0, at - 40):at + 40]!r}")
    return problems


def main(argv):
    if len(argv) != 1 or argv[0].startswith("-"):
        print(__doc__)
        return 2
    binary = os.path.abspath(argv[0])
    tmp = tempfile.mkdtemp(prefix="aw-golden-")
    try:
        for name in CASES:
            out = os.path.join(tmp, name)
            res = run_case(binary, tmp, name, out)
            if res.rc != 0:
                print(f"{name}: exit {res.rc}: {res.err}")
                return 1
            dest = os.path.join(GOLDEN, name)
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(out, dest)
            print(f"{name}: written to {dest}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
