"""tests/validate.py - checking what a run of alphawrite wrote: its generation
files (gen-NNN.json), run.json, best.txt, journal.jsonl and inputs/.

One module, so that tests/e2e.py and tests/e2e_resume.py (and tests/bench.py,
which reads the files) check a run directory against one reading of the
README's contract: a fix or a new check here reaches every suite.

  validate_run / validate_generation   every generation file: the stories,
        their provenance against the previous generation (parents carried
        over unchanged, variants of the previous top K with goals from the
        goals list), the ranking, the tournament's shape and summary, Elo
        replayed in match order, and the ratings, intervals and position
        bias against an independent Bradley-Terry fit of every verdict of
        the run so far.  Mode says how the run judges.
  check_settings     run.json's settings against a Mode
  check_complete     run.json of a finished run, best.txt, no temporary files
  check_failed_run   run.json of a failed run, and nothing else written
  check_best, no_temp_files, temp_files, all_files_valid
  read_journal, journal_problems, journal_records, journal_vs_files

How the simulator, the binary and a suite are run is tests/harness.py.
Python 3 standard library only.
"""

import json
import math
import os
import re

from harness import PROMPTS_DIR, REPO, TestFail, check, read_list, short

GOALS_FILE = os.path.join(PROMPTS_DIR, "goals.txt")


# --------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------
def load_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise TestFail(f"{os.path.basename(path)}: cannot read as JSON: {e}") from None


def gen_files(out):
    return sorted(f for f in os.listdir(out) if re.fullmatch(r"gen-\d+\.json", f))


def load_generations(out):
    """The generation files gen-000, gen-001, ... of out up to the first one
    missing, parsed (no checks)."""
    gens = []
    while os.path.exists(os.path.join(out, f"gen-{len(gens):03d}.json")):
        gens.append(load_json(os.path.join(out, f"gen-{len(gens):03d}.json")))
    return gens


def word_count(text):
    # Runs of non-space characters, spaces as C's isspace() sees them.
    return len(text.encode("utf-8").split())


def is_num(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


def all_matches(gens):
    return [m for d in gens for m in d["matches"]]


# --------------------------------------------------------------------------
# How a run judges
# --------------------------------------------------------------------------
STORY_FIELDS = ("id", "rank", "rating", "rating_lo", "rating_hi", "elo", "wins", "losses",
                "matches", "born", "parent_id", "style", "theme", "goal", "temperature",
                "words", "text")
STOP_REASONS = ("rounds", "budget", "stable")
BT_SCALE = 400.0 / math.log(10.0)       # logits -> Elo points
P_CLIP = 0.02                           # soft outcomes lie in [P_CLIP, 1 - P_CLIP]


class Mode:
    """How a run judges: the options it is given and what the files must then show.

    rounds: --rounds R (the paper's scheme), else None; budget: --judge-budget;
    deterministic: --deterministic; early_stop: False for --no-early-stop;
    rank_by/pairing/logprobs: the options (None = not given, the default);
    soft: True when every decided match must carry p_a, False when none may,
    None when either is fine (by default: True unless --judge-logprobs off)."""

    def __init__(self, rounds=None, budget=None, deterministic=False, early_stop=True,
                 rank_by=None, pairing=None, logprobs=None, soft="default"):
        self.rounds, self.budget_opt = rounds, budget
        self.budget = budget if budget is not None else 8
        self.det_opt = deterministic
        self.deterministic = deterministic or rounds is not None
        self.early_opt = early_stop
        self.early_stop = early_stop and rounds is None
        self.rank_by_opt, self.pairing_opt, self.logprobs_opt = rank_by, pairing, logprobs
        self.rank_by = rank_by or "bt"
        self.pairing = pairing or "boundary"
        self.logprobs = logprobs or "auto"
        self.soft = (self.logprobs != "off") if soft == "default" else soft

    def args(self):
        a = []
        if self.rounds is not None:
            a += ["--rounds", self.rounds]
        if self.budget_opt is not None:
            a += ["--judge-budget", self.budget_opt]
        if self.det_opt:
            a.append("--deterministic")
        if not self.early_opt:
            a.append("--no-early-stop")
        for flag, v in (("--rank-by", self.rank_by_opt), ("--pairing", self.pairing_opt),
                        ("--judge-logprobs", self.logprobs_opt)):
            if v is not None:
                a += [flag, v]
        return a

    def target(self, n):
        """judging.budget: the most matches a generation of n stories may play."""
        if self.rounds is not None:
            return self.rounds * (n // 2)
        return (self.budget * n + 1) // 2

    def settings(self):
        """What run.json's settings must say."""
        return {"rounds": self.rounds, "pairing": self.pairing, "rank_by": self.rank_by,
                "judge_logprobs": self.logprobs, "deterministic": self.det_opt,
                "no_early_stop": not self.early_opt, "early_stop": self.early_stop}


def check_settings(run, mode):
    settings = run.get("settings") or {}
    want = mode.settings()
    if mode.rounds is None:
        want["judge_budget"] = mode.budget
    wrong = {k: settings.get(k, "absent") for k, v in want.items()
             if settings.get(k, "absent") != v or type(settings.get(k)) is not type(v)}
    check(not wrong, f"run.json settings {wrong}, expected {({k: want[k] for k in wrong})}")
    check(is_int(settings.get("judge_budget")) and settings["judge_budget"] > 0,
          f"run.json settings.judge_budget {settings.get('judge_budget')!r}")


# --------------------------------------------------------------------------
# Elo and Bradley-Terry, recomputed
# --------------------------------------------------------------------------
def elo_expected(ra, rb):
    return 1.0 / (1.0 + 10.0 ** ((rb - ra) / 400.0))


def outcome(m):
    """The score of A in a decided match: the judge's p_a when recorded, else 1 or 0."""
    if "p_a" in m:
        return m["p_a"]
    return 1.0 if m["winner"] == m["a"] else 0.0


def elo_update(elo, m):
    """Apply the decided match m to elo (id -> rating): K=32, base 10, scale
    400; the score of A is the judge's probability when there is one."""
    delta = 32.0 * (outcome(m) - elo_expected(elo[m["a"]], elo[m["b"]]))
    elo[m["a"]] += delta
    elo[m["b"]] -= delta


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def clip_p(p):
    return min(max(p, P_CLIP), 1.0 - P_CLIP)


def bt_lambda():
    """The ridge prior's precision, as include/aw/bt.h defines it (1.0 if unreadable)."""
    try:
        with open(os.path.join(REPO, "include", "aw", "bt.h"), encoding="utf-8") as f:
            m = re.search(r"#define\s+BT_LAMBDA\s+([0-9.eE+-]+)", f.read())
        return float(m.group(1)) if m else 1.0
    except OSError:
        return 1.0


def cholesky(a):
    n = len(a)
    low = [[0.0] * n for _ in range(n)]
    for j in range(n):
        row_j = low[j]
        d = a[j][j] - sum(v * v for v in row_j[:j])
        if d <= 0:
            raise TestFail("the Bradley-Terry check's Hessian is not positive definite")
        row_j[j] = math.sqrt(d)
        for i in range(j + 1, n):
            row_i = low[i]
            row_i[j] = (a[i][j] - sum(row_i[k] * row_j[k] for k in range(j))) / row_j[j]
    return low


def chol_solve(low, b):
    n = len(low)
    y = [0.0] * n
    for i in range(n):
        y[i] = (b[i] - sum(low[i][k] * y[k] for k in range(i))) / low[i][i]
    x = [0.0] * n
    for i in reversed(range(n)):
        x[i] = (y[i] - sum(low[k][i] * x[k] for k in range(i + 1, n))) / low[i][i]
    return x


class BradleyTerry:
    """An independent MAP fit of the Bradley-Terry model with position bias, as the
    README states it: P(a shown first wins) = sigmoid(theta_a - theta_b + h), prior
    theta, h ~ N(0, 1/lambda), fitted to every verdict of the run so far."""

    def __init__(self):
        self.index = {}      # story id -> item
        self.obs = []        # (a, b, y)
        self.lam = bt_lambda()

    def register(self, sid):
        self.index.setdefault(sid, len(self.index))

    def add(self, a, b, y):
        self.obs.append((self.index[a], self.index[b], y))

    def _grad_hess(self, x):
        n = len(self.index)
        lam = self.lam
        g = [-lam * v for v in x]
        hess = [[0.0] * (n + 1) for _ in range(n + 1)]
        for i in range(n + 1):
            hess[i][i] = lam
        for a, b, y in self.obs:
            p = sigmoid(x[a] - x[b] + x[n])
            r, w = y - p, p * (1 - p)
            g[a] += r
            g[b] -= r
            g[n] += r
            idx, sg = (a, b, n), (1, -1, 1)
            for u in range(3):
                for v in range(3):
                    hess[idx[u]][idx[v]] += w * sg[u] * sg[v]
        return g, hess

    def fit(self):
        """Returns (theta by id, h, centred se by id, plain se by id, se of h)."""
        n = len(self.index)
        x = [0.0] * (n + 1)
        for _ in range(100):
            g, hess = self._grad_hess(x)
            if max(abs(v) for v in g) < 1e-11:
                break
            step = chol_solve(cholesky(hess), g)
            x = [xi + si for xi, si in zip(x, step)]
        g, hess = self._grad_hess(x)
        low = cholesky(hess)
        dim = n + 1
        cov = [chol_solve(low, [1.0 if r == c else 0.0 for r in range(dim)]) for c in range(dim)]
        su = [sum(cov[i][k] for k in range(n)) / n for i in range(dim)]
        usu = sum(su[i] for i in range(n)) / n
        theta, se_c, se_p = {}, {}, {}
        for sid, i in self.index.items():
            theta[sid] = x[i]
            se_c[sid] = math.sqrt(max(cov[i][i] - 2 * su[i] + usu, 0.0))
            se_p[sid] = math.sqrt(cov[i][i])
        return theta, x[n], se_c, se_p, math.sqrt(cov[n][n])


def rank_key(s, rank_by):
    """Stories are ranked by rating (or elo) descending, then wins, then id."""
    return (-s["rating" if rank_by == "bt" else "elo"], -s["wins"], s["id"])


# --------------------------------------------------------------------------
# The generation files
# --------------------------------------------------------------------------
def validate_generation(d, g, n_expected, mode, prev, prev_top, variants, seen, bt,
                        max_words=500, temperature=1.0, goals=(), allow_failed=False):
    """Check one generation file, in any tournament mode.  n_expected:
    stories in it, failed ones included; prev: the previous generation's
    stories by id; prev_top: the ids of its top K; variants: per parent;
    seen: id -> story of every earlier generation (updated here); bt: the
    run's BradleyTerry (updated here); allow_failed: stories may be listed
    in "failed" (each with its error) instead of ranked."""
    where = f"gen-{g:03d}"
    check(isinstance(d, dict), f"{where}: not an object")
    check(d.get("generation") == g, f"{where}: generation is {d.get('generation')!r}")
    stories, matches, failed = d.get("stories"), d.get("matches"), d.get("failed", [])
    check(isinstance(stories, list) and isinstance(matches, list) and isinstance(failed, list),
          f"{where}: stories/matches/failed missing")
    if not allow_failed:
        check(not failed, f"{where}: {len(failed)} stories failed: "
              f"{short(str([s.get('error') for s in failed]))}")
    for s in failed:
        check(isinstance(s, dict) and isinstance(s.get("id"), str) and s["id"],
              f"{where}: a failed story has no id")
        check(isinstance(s.get("error"), str) and s["error"],
              f"{where}: a failed story has no error")
    check(len(stories) + len(failed) == n_expected,
          f"{where}: {len(stories)} stories + {len(failed)} failed, expected {n_expected}")

    ids = []
    for i, s in enumerate(stories):
        check(isinstance(s, dict), f"{where}: story {i} is not an object")
        missing = [k for k in STORY_FIELDS if k not in s]
        check(not missing, f"{where}: story {s.get('id')} lacks {missing}")
        sid = s["id"]
        check(isinstance(sid, str) and sid, f"{where}: bad id {sid!r}")
        check(s["rank"] == i + 1, f"{where}: story {sid} at position {i + 1} has rank {s['rank']}")
        for k in ("elo", "rating", "rating_lo", "rating_hi"):
            check(is_num(s[k]), f"{where}: {sid}: {k} {s[k]!r}")
        check(s["rating_lo"] < s["rating"] < s["rating_hi"],
              f"{where}: {sid}: rating {s['rating']} outside its interval "
              f"[{s['rating_lo']}, {s['rating_hi']}]")
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
            p = stories[i - 1]
            check(rank_key(p, mode.rank_by) <= rank_key(s, mode.rank_by),
                  f"{where}: not ranked by {'rating' if mode.rank_by == 'bt' else 'elo'} "
                  f"(then wins, then id): {p['id']} (rating {p['rating']}, elo {p['elo']}, "
                  f"wins {p['wins']}) above {sid} (rating {s['rating']}, elo {s['elo']}, "
                  f"wins {s['wins']})")
        ids.append(sid)
    check(len(set(ids)) == len(ids), f"{where}: duplicate ids")
    by_id = {s["id"]: s for s in stories}

    # Provenance, and the Elo each story started this generation with.
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
        # A failed story is a variant that was never written: its provenance
        # is checked, and it counts among its parent's variants.
        for s in stories + failed:
            sid = s.get("id")
            if s.get("born", g) < g:
                old = seen.get(sid)
                check(old is not None, f"{where}: {sid} born {s['born']} but never seen before")
                for k in ("born", "parent_id", "style", "theme", "goal", "text", "words"):
                    check(s[k] == old[k], f"{where}: carried-over {sid} changed its {k}")
                start[sid] = prev[sid]["elo"]
                continue
            check(s.get("born") == g, f"{where}: {sid} born {s.get('born')}")
            check(sid not in seen, f"{where}: new story reuses id {sid}")
            pid = s.get("parent_id")
            check(pid in prev_top, f"{where}: {sid} has parent {pid!r}, not among the previous "
                  f"top {sorted(prev_top)}")
            check(s.get("goal") is not None and s.get("goal") in goals,
                  f"{where}: {sid}: goal {s.get('goal')!r} is not from the goals list")
            check(s.get("style") == prev[pid]["style"] and s.get("theme") == prev[pid]["theme"],
                  f"{where}: {sid}: style/theme differ from its parent {pid}")
            kids[pid] = kids.get(pid, 0) + 1
            if sid in by_id:
                start[sid] = prev[pid]["elo"]   # a variant starts from its parent's rating
        for pid in prev_top:
            check(kids.get(pid, 0) == variants,
                  f"{where}: parent {pid} has {kids.get(pid, 0)} variants, expected {variants}")

    # The tournament's summary.
    n = len(stories)
    judging, bias = d.get("judging"), d.get("position_bias")
    check(isinstance(judging, dict), f"{where}: no \"judging\" object")
    for k in ("calls", "matches", "budget", "soft_verdicts"):
        check(is_int(judging.get(k)) and judging[k] >= 0, f"{where}: judging.{k} is "
              f"{judging.get(k)!r}")
    stopped = judging.get("stopped")
    check(stopped in STOP_REASONS, f"{where}: judging.stopped is {stopped!r}")
    check(judging["matches"] == len(matches),
          f"{where}: judging.matches {judging['matches']} but {len(matches)} matches listed")
    check(judging["budget"] == mode.target(n),
          f"{where}: judging.budget {judging['budget']}, expected {mode.target(n)} for {n} "
          f"stories")
    check(len(matches) <= judging["budget"],
          f"{where}: {len(matches)} matches, more than the budget {judging['budget']}")
    if mode.rounds is not None:
        check(stopped == "rounds", f"{where}: stopped {stopped!r} with --rounds")
    elif not mode.early_stop:
        check(stopped == "budget", f"{where}: stopped {stopped!r} with --no-early-stop")
    else:
        check(stopped in ("budget", "stable"), f"{where}: stopped {stopped!r} without --rounds")
    check(isinstance(bias, dict), f"{where}: no \"position_bias\" object")
    for k in ("logit", "logit_lo", "logit_hi", "first_wins"):
        check(is_num(bias.get(k)), f"{where}: position_bias.{k} is {bias.get(k)!r}")
    check(bias["logit_lo"] < bias["logit"] < bias["logit_hi"],
          f"{where}: position bias {bias['logit']} outside [{bias['logit_lo']}, "
          f"{bias['logit_hi']}]")
    check(abs(bias["first_wins"] - sigmoid(bias["logit"])) < 1e-9,
          f"{where}: position_bias.first_wins {bias['first_wins']} is not "
          f"sigmoid({bias['logit']})")

    # Matches.
    per_round = {}
    wins = dict.fromkeys(ids, 0)
    losses = dict.fromkeys(ids, 0)
    elo = dict(start)
    asks = soft = 0
    last_round = 0
    # The fit has an item for every story of the run, failed ones included
    # (src/evolve.c registers them so that a resumed fit is the same
    # computation): with no verdicts a failed story's strength stays 0 and
    # moves no other rating, but the centred standard errors average over it.
    for s in stories + failed:
        bt.register(s["id"])
    for k, m in enumerate(matches):
        check(isinstance(m, dict), f"{where}: match {k} is not an object")
        a, b, w = m.get("a"), m.get("b"), m.get("winner", "absent")
        check(a in by_id and b in by_id, f"{where}: match {k} names {a!r} and {b!r}")
        check(a != b, f"{where}: match {k}: a story meets itself ({a})")
        check(w in (a, b, None), f"{where}: match {k}: winner {w!r}")
        check(is_int(m.get("asks")) and m["asks"] >= 1, f"{where}: match {k}: asks {m.get('asks')!r}")
        asks += m["asks"]
        if w is None:
            check(isinstance(m.get("error"), str) and m["error"],
                  f"{where}: match {k} has no winner and no error")
            check("p_a" not in m, f"{where}: match {k} has p_a but no winner")
        if "p_a" in m:
            soft += 1
            check(is_num(m["p_a"]) and P_CLIP - 1e-12 <= m["p_a"] <= 1 - P_CLIP + 1e-12,
                  f"{where}: match {k}: p_a {m['p_a']!r} is not a probability in "
                  f"[{P_CLIP}, {1 - P_CLIP}]")
        if mode.soft is True and w is not None:
            check("p_a" in m, f"{where}: match {k} has no p_a although the endpoint sends "
                  "logprobs")
        if mode.soft is False:
            check("p_a" not in m, f"{where}: match {k} has p_a {m.get('p_a')} although no "
                  "probabilities were used")
        r = m.get("round")
        if mode.deterministic:
            limit = mode.rounds if mode.rounds is not None else mode.budget
            check(is_int(r) and 1 <= r <= limit, f"{where}: match {k}: round {r!r}, expected "
                  f"1..{limit}")
            check(r >= last_round, f"{where}: match {k} of round {r} listed after round "
                  f"{last_round}")
            last_round = r
            met = per_round.setdefault(r, set())
            check(a not in met and b not in met, f"{where}: round {r}: a story plays twice "
                  f"({a} or {b})")
            met.update((a, b))
        else:
            check("round" not in m, f"{where}: match {k} has a round ({r!r}) in the "
                  "barrier-free mode")
        if w is not None:
            loser = b if w == a else a
            wins[w] += 1
            losses[loser] += 1
            elo_update(elo, m)      # in match order
            bt.add(a, b, outcome(m))
    check(judging["soft_verdicts"] == soft,
          f"{where}: judging.soft_verdicts {judging['soft_verdicts']} but {soft} matches "
          "have p_a")
    check(judging["calls"] >= asks,
          f"{where}: judging.calls {judging['calls']} but the matches made {asks} asks")
    if mode.deterministic:
        played = sorted(per_round)
        check(played == list(range(1, len(played) + 1)),
              f"{where}: rounds played {played} are not 1..{len(played)}")
        for r in played:
            check(len(per_round[r]) == 2 * (n // 2),
                  f"{where}: round {r} has {len(per_round[r]) // 2} matches, expected {n // 2}")
        if mode.rounds is not None:
            check(len(played) == mode.rounds and len(matches) == mode.rounds * (n // 2),
                  f"{where}: {len(matches)} matches in {len(played)} rounds, expected exactly "
                  f"{mode.rounds}*{n // 2} in {mode.rounds}")
        elif stopped == "budget":
            check(len(played) == mode.budget,
                  f"{where}: stopped for the budget after {len(played)} of {mode.budget} rounds")
    elif stopped == "budget":
        check(len(matches) == judging["budget"],
              f"{where}: stopped for the budget after {len(matches)} of {judging['budget']} "
              "matches")
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

    # Bradley-Terry: an independent fit to every verdict of the run so far.
    theta, h, se_c, se_p, h_se = bt.fit()
    for s in stories:
        sid = s["id"]
        want = 1200.0 + BT_SCALE * theta[sid]
        check(abs(s["rating"] - want) < 1e-3,
              f"{where}: {sid}: rating {s['rating']}, but the MAP Bradley-Terry fit of the "
              f"run's {len(bt.obs)} verdicts gives {want}")
        mid = (s["rating_lo"] + s["rating_hi"]) / 2
        half = (s["rating_hi"] - s["rating_lo"]) / 2 / (1.96 * BT_SCALE)
        check(abs(mid - s["rating"]) < 1e-6, f"{where}: {sid}: interval [{s['rating_lo']}, "
              f"{s['rating_hi']}] is not centred on the rating {s['rating']}")
        check(any(abs(half - se) <= 1e-3 * se + 1e-9 for se in (se_c[sid], se_p[sid])),
              f"{where}: {sid}: interval half-width {half:.6f} logits/1.96 is neither "
              f"standard error of the fit ({se_c[sid]:.6f} centred, {se_p[sid]:.6f} plain)")
    check(abs(bias["logit"] - h) < 1e-5,
          f"{where}: position_bias.logit {bias['logit']}, the fit gives {h}")
    half = (bias["logit_hi"] - bias["logit_lo"]) / 2 / 1.96
    check(abs(half - h_se) <= 1e-3 * h_se, f"{where}: position bias interval half-width "
          f"{half:.6f}/1.96, the fit's standard error is {h_se:.6f}")
    for s in stories:
        seen.setdefault(s["id"], s)
    return d


def validate_run(out, n0, gens, top, variants, mode=None, max_words=500, temperature=1.0,
                 goals=None, complete=True, allow_failed=False):
    """Check every generation file of a run (see validate_generation); returns
    the parsed files.  mode: how it judges (default Mode()); goals: the
    improvement goals it was given (default prompts/goals.txt); complete:
    all of gen-000..gen-<gens> must be there, else any prefix of them."""
    mode = mode if mode is not None else Mode()
    goals = goals if goals is not None else read_list(GOALS_FILE)
    files = gen_files(out)
    if complete:
        check(files == [f"gen-{g:03d}.json" for g in range(gens + 1)],
              f"generation files are {files}, expected gen-000..gen-{gens:03d}")
    out_gens, seen, prev, prev_top = [], {}, None, None
    bt = BradleyTerry()
    n = n0
    for g in range(len(files)):
        check(files[g] == f"gen-{g:03d}.json", f"unexpected generation file {files[g]}")
        d = validate_generation(load_json(os.path.join(out, files[g])), g, n, mode, prev,
                                prev_top, variants, seen, bt, max_words=max_words,
                                temperature=temperature, goals=goals,
                                allow_failed=allow_failed)
        out_gens.append(d)
        k = min(top, len(d["stories"]))
        prev = {s["id"]: s for s in d["stories"]}
        prev_top = [s["id"] for s in d["stories"][:k]]
        n = k + k * variants
    return out_gens


# --------------------------------------------------------------------------
# run.json, best.txt, temporary files, every file parses
# --------------------------------------------------------------------------
def check_best(out, last_gen):
    path = os.path.join(out, "best.txt")
    check(os.path.exists(path), "best.txt is missing")
    with open(path, encoding="utf-8") as f:
        best = f.read()
    check(best == last_gen["stories"][0]["text"] + "\n",
          "best.txt is not the text of rank 1 of the last generation plus a newline")


def temp_files(out):
    """Names starting with '.' anywhere under out (temporary files)."""
    found = []
    for dirpath, dirs, files in os.walk(out):
        for name in dirs + files:
            if name.startswith("."):
                found.append(os.path.relpath(os.path.join(dirpath, name), out))
    return sorted(found)


def no_temp_files(out, where=""):
    left = temp_files(out)
    check(not left, f"{where}temporary files left in --out: {left}")


def check_complete(out, gens, G):
    """run.json of a finished run of G generations after generation 0, its
    best.txt, and no temporary files; returns run.json."""
    run = load_json(os.path.join(out, "run.json"))
    check(run.get("status") == "complete", f"run.json status {run.get('status')!r}")
    check(run.get("generations_done") == G + 1,
          f"run.json generations_done {run.get('generations_done')!r}, expected {G + 1}")
    check_best(out, gens[-1])
    check(run.get("best_story") == gens[-1]["stories"][0]["id"],
          f"run.json best_story {run.get('best_story')!r}")
    no_temp_files(out)
    return run


def check_failed_run(out, needles):
    """A run that failed: run.json says so and why (every needle in its error,
    any case); no generation file, no best.txt, no temporary file."""
    run = load_json(os.path.join(out, "run.json"))
    check(run.get("status") == "failed", f"run.json status {run.get('status')!r}")
    err = run.get("error") or ""
    for n in needles:
        check(n.lower() in err.lower(), f"run.json error {err!r} lacks {n!r}")
    check(not gen_files(out), f"generation files written: {gen_files(out)}")
    check(not os.path.exists(os.path.join(out, "best.txt")), "best.txt written")
    no_temp_files(out)
    return run


KNOWN_NAMES = ("best.txt", "journal.jsonl", "inputs")


def all_files_valid(out, torn_ok=True, known_only=False):
    """Every *.json under out parses; every complete journal line is a JSON
    object, and with torn_ok False the journal ends with a whole line;
    with known_only, out holds nothing but best.txt, journal.jsonl, the
    directory inputs/ and *.json files.  Returns a list of problems."""
    problems = []
    for dirpath, _dirs, files in os.walk(out):
        for name in files:
            p = os.path.join(dirpath, name)
            if name.endswith(".json") and not name.startswith("."):
                try:
                    with open(p, encoding="utf-8") as f:
                        json.load(f)
                except (OSError, ValueError) as e:
                    problems.append(f"{os.path.relpath(p, out)} is not valid JSON ({e})")
    if known_only:
        for name in sorted(os.listdir(out)):
            if name == "inputs":    # the texts the run read, kept for --resume
                if not os.path.isdir(os.path.join(out, name)):
                    problems.append("inputs is not a directory")
            elif name not in KNOWN_NAMES and not name.endswith(".json"):
                problems.append(f"unexpected file {name}")
    problems += journal_problems(out, torn_ok)
    return problems


# --------------------------------------------------------------------------
# The journal
# --------------------------------------------------------------------------
def read_journal(path):
    """(records, complete lines, bytes after the last newline).  A complete
    line that is not JSON comes back as None."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return [], 0, b""
    end = data.rfind(b"\n") + 1
    recs = []
    for line in data[:end].split(b"\n")[:-1]:
        try:
            recs.append(json.loads(line.decode("utf-8")))
        except (UnicodeDecodeError, ValueError):
            recs.append(None)
    return recs, len(recs), data[end:]


def journal_problems(out, torn_ok=False):
    """What is wrong with out/journal.jsonl: complete lines that are not JSON
    objects, and (unless torn_ok) a torn last line.  A list of problems."""
    problems = []
    recs, _n, tail = read_journal(os.path.join(out, "journal.jsonl"))
    if tail and not torn_ok:
        problems.append(f"journal.jsonl ends with a torn line {tail[:40]!r}")
    bad = [i + 1 for i, r in enumerate(recs) if not isinstance(r, dict)]
    if bad:
        problems.append(f"journal.jsonl lines {bad[:5]} are not JSON objects")
    return problems


def journal_records(out):
    """The records of out/journal.jsonl, which must exist, hold a JSON object
    on every line and end with a whole line."""
    path = os.path.join(out, "journal.jsonl")
    check(os.path.isfile(path), "journal.jsonl is missing")
    problems = journal_problems(out)
    check(not problems, "; ".join(problems))
    return read_journal(path)[0]


def story_key(s, gen):
    """Who a story is, in a generation file or the journal: its id in
    generation 0; a variant's parent and number (a variant written before
    it joined its generation is journaled without an id)."""
    if s.get("parent_id"):
        return (gen, s["parent_id"], s.get("variant"))
    return (gen, s.get("id"))


def journal_vs_files(out, gens):
    """Every journaled story and verdict is in the generation files exactly
    once, and everything in the files was journaled.  Returns problems."""
    problems = journal_problems(out)
    recs, _n, _tail = read_journal(os.path.join(out, "journal.jsonl"))
    stories, matches = {}, {}
    for r in recs:
        if not isinstance(r, dict):
            continue
        if r.get("t") == "story":
            key = story_key(r, r.get("gen"))
            if key in stories:
                problems.append(f"story {key} journaled twice (written twice)")
            stories[key] = r
        elif r.get("t") == "match":
            # the winner by id (a journal of an older build: by letter)
            w = r.get("winner")
            w = {"A": r.get("a"), "B": r.get("b")}.get(w, w)
            if w not in (r.get("a"), r.get("b"), None):
                w = "?"
            key = (r.get("a"), r.get("b"), w)
            # a match lost to failed requests is not a verdict: a resumed
            # run asks it again, and only the new one is in the file
            if not r.get("lost"):
                matches.setdefault(r.get("gen"), []).append(key)
    for d in gens:
        g = d["generation"]
        for s in d["stories"]:
            if s["born"] != g:
                continue
            j = stories.get(story_key(s, g))
            if j is None:
                problems.append(f"gen-{g:03d}: story {s['id']} is not in the journal")
            elif j.get("text") != s["text"] or j.get("gen") != g:
                problems.append(f"gen-{g:03d}: story {s['id']} differs from its journal record")
        have = sorted((m["a"], m["b"], m["winner"]) for m in d["matches"] if not m.get("lost"))
        want = sorted(matches.get(g, []))
        if have != want:
            extra = len([1 for x in want if x not in have])
            problems.append(f"gen-{g:03d}: its {len(have)} matches are not the {len(want)} "
                            f"journaled verdicts of generation {g} ({extra} journaled ones "
                            "missing from the file)")
    return problems
