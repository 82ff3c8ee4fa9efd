#!/usr/bin/env python3
"""tests/test_simendpoint.py - the simulated endpoint's own knobs, checked
over HTTP against tests/simendpoint.py started on 127.0.0.1, port 0.

Each check prints "ok NAME" or "FAIL NAME: reason", and the last line is
"N passed, N failed".  `python3 tests/test_simendpoint.py [NAME...]` runs
the named checks only; --list lists them.  It needs no alphawrite binary.

default_unchanged compares the simulator, request by request, with the one
of BASELINE (the last commit before these knobs; main's if that commit is
gone), and is skipped (with a note on its "ok" line) without git or either.

Python 3 standard library only.
"""

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import traceback

import harness
from harness import Sim, TestFail, check, short

# The simulator before the knobs this file tests: without them it must still
# answer byte for byte as this one did.
BASELINE = "39454ba6b00a58278370e71e6b2d697c1061dd8d"
MARKER_RE = re.compile(r"\[simulated story #(\d+)\]")
TERMINAL = ('.', '!', '?', '."', '?"', '!"')
PROMPT = ("Write a short story about a lighthouse keeper who finds a message in a bottle. "
          "Stay within 300 words.")


# --------------------------------------------------------------------------
# Talking to a simulator
# --------------------------------------------------------------------------
def request(sim, method, path, body=None, headers=None, timeout=60):
    """(status, headers as a dict with lower-case names, body bytes); an
    exception's class name instead of the status when the exchange failed."""
    conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=timeout)
    try:
        data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
        hdrs = {"Content-Type": "application/json"} if data is not None else {}
        hdrs.update(headers or {})
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        payload = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, payload
    except (OSError, http.client.HTTPException) as e:
        return type(e).__name__, {}, b""
    finally:
        conn.close()


def chat(sim, body, path="/v1/chat/completions", headers=None):
    return request(sim, "POST", path, body, headers)


def body_of(content, **extra):
    return dict({"model": "sim-writer", "messages": [{"role": "user", "content": content}],
                 "temperature": 1.0, "max_tokens": 1024}, **extra)


def completion_text(status, payload, where=""):
    check(status == 200, f"{where}: HTTP {status}: {short(payload.decode('utf-8', 'replace'))}")
    doc = json.loads(payload)
    return doc["choices"][0]["message"]["content"], doc["choices"][0]["finish_reason"]


def write(sim, content, **extra):
    """The text of a completion for one user message."""
    status, _, payload = chat(sim, body_of(content, **extra))
    return completion_text(status, payload, short(content, 60))[0]


def get(sim, path):
    status, _, payload = request(sim, "GET", path)
    return status, payload


def fence(name, tag, text):
    """As src/template.c template_fence writes it."""
    return f"<<<{name} {tag}>>>\n{text}\n<<<END {name} {tag}>>>"


def variant_prompt(parent, tag="a1b2c3"):
    return ("You are revising a short story to improve it in one particular respect.\n\n"
            "The story was written for this premise:\n" + PROMPT + "\n\n"
            "The story between the marker lines below is the text to revise.\n\n"
            + fence("PARENT STORY", tag, parent) +
            "\n\nImprovement goal for this revision:\nSharpen the ending.\n\n"
            "- Stay within 300 words.\n")


def judge_prompt(a, b):
    return ("Compare the two stories below.\n\n" + fence("STORY A", "0f0f0f", a) + "\n\n"
            + fence("STORY B", "1e1e1e", b) + '\n\nEnd with {"winner": "A"} or {"winner": "B"}.')


def expand_prompt(part, words):
    return ("Below is the opening of a story.\n\n" + fence("OPENING", "9a9a9a", part) +
            f"\n\nExpand the opening to about {words} words: add detail between its sentences,"
            " keep every sentence, do not go past its end.")


def continue_prompt(story, words):
    return ("Here is a story so far.\n\n" + fence("STORY", "7c7c7c", story) +
            f"\n\nContinue the story from where it ends, writing about {words} words.")


def words(text):
    return text.split()


def ngrams(text, n=5):
    w = [re.sub(r"[^\w']", "", x.lower()) for x in words(text)]
    return {tuple(w[i:i + n]) for i in range(len(w) - n + 1)}


def ends_terminal(text):
    return text.rstrip().endswith(TERMINAL)


def longest_repeat(text):
    """The length of the longest run of words that is immediately said again."""
    w = words(text)
    for k in range(len(w) // 2, 0, -1):
        for i in range(len(w) - 2 * k + 1):
            if w[i:i + k] == w[i + k:i + 2 * k]:
                return k
    return 0


# --------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------
CHECKS = []


def check_fn(fn):
    CHECKS.append(fn)
    return fn


@check_fn
def models_404(tmp):
    with Sim(tmp, "--models", "gpt-sim,other-sim,org/model") as sim:
        status, headers, payload = chat(sim, dict(body_of(PROMPT), model="gpt-nope"))
        check(status == 404, f"unknown model: HTTP {status}")
        check(headers.get("content-type") == "application/json", f"content type {headers}")
        want = {"error": {"message": "The model `gpt-nope` does not exist or you do not have "
                          "access to it.", "type": "invalid_request_error", "param": None,
                          "code": "model_not_found"}}
        check(json.loads(payload) == want, f"404 body {payload!r}")
        completion_text(*chat(sim, dict(body_of(PROMPT), model="other-sim"))[::2], "known model")
        # a probe of an unknown model is refused just the same
        status, _, _ = chat(sim, dict(body_of(PROMPT, max_tokens=1), model="x"))
        check(status == 404, f"probe of an unknown model: HTTP {status}")
        status, payload = get(sim, "/v1/models")
        ids = [m["id"] for m in json.loads(payload)["data"]]
        check(status == 200 and ids == ["gpt-sim", "other-sim", "org/model"],
              f"models list {payload!r}")
        for path in ("/v1/models/org/model", "/v1/models/org%2Fmodel"):
            status, payload = get(sim, path)
            check(status == 200 and json.loads(payload)["id"] == "org/model", f"{path}: {payload!r}")
        status, payload = get(sim, "/v1/models/gpt-sim")
        check(status == 200 and json.loads(payload)["id"] == "gpt-sim", f"model {payload!r}")
        status, payload = get(sim, "/v1/models/gpt-nope")
        check(status == 404 and json.loads(payload)["error"]["code"] == "model_not_found",
              f"GET unknown model: {status} {payload!r}")
        stats = sim.stats()
        check(stats["requests"] == 3, f"stats requests {stats['requests']}, 3 chat requests sent")
    with Sim(tmp, name="plain") as sim:
        status, payload = get(sim, "/v1/models")
        check([m["id"] for m in json.loads(payload)["data"]] == ["sim-writer"],
              f"default models list {payload!r}")
        completion_text(*chat(sim, dict(body_of(PROMPT), model="anything/at-all"))[::2],
                        "default: any model")


@check_fn
def require_prefix(tmp):
    with Sim(tmp, "--require-prefix", "/v1") as sim:
        for path in ("/chat/completions", "/api/chat/completions", "/v1/v1/chat/completions"):
            status, _, payload = chat(sim, body_of(PROMPT), path=path)
            err = json.loads(payload).get("error", {}) if status == 404 else {}
            check(status == 404 and err.get("message", "").startswith("Unknown path")
                  and path in err["message"], f"{path}: HTTP {status} {payload!r}")
        completion_text(*chat(sim, body_of(PROMPT))[::2], "/v1/chat/completions")
        check(get(sim, "/models")[0] == 404, "GET /models without the prefix answered")
        check(get(sim, "/v1/models")[0] == 200, "GET /v1/models refused")
        stats = sim.stats()
        check(stats["requests"] == 4, f"stats requests {stats['requests']}, 4 chat requests sent")
    with Sim(tmp, name="plain") as sim:
        completion_text(*chat(sim, body_of(PROMPT), path="/chat/completions")[::2],
                        "default: /chat/completions")


@check_fn
def html_all(tmp):
    with Sim(tmp, "--html-all") as sim:
        for body in (body_of(PROMPT), b"not json at all"):
            status, headers, payload = chat(sim, body)
            check(status == 200, f"HTTP {status}")
            check(headers.get("content-type") == "text/html", f"content type {headers}")
            check(payload.lstrip().lower().startswith(b"<!doctype html") and b"</html>" in payload,
                  f"body {payload!r}")
        check(sim.stats()["requests"] == 2, "stats requests")


@check_fn
def retry_after(tmp):
    with Sim(tmp, "--fault-rate", 1, "--faults", "429", "--retry-after", 42) as sim:
        for _ in range(4):
            status, headers, payload = chat(sim, body_of(PROMPT))
            check(status == 429, f"HTTP {status}")
            check(headers.get("retry-after") == "42" and "retry-after-ms" not in headers,
                  f"headers {headers}")
            check("try again in 42s" in json.loads(payload)["error"]["message"], f"{payload!r}")
    with Sim(tmp, "--fault-rate", 1, "--faults", "429", name="plain") as sim:
        seen = set()
        for _ in range(12):
            _, headers, _ = chat(sim, body_of(PROMPT))
            seen.add(("retry-after", headers.get("retry-after")) if "retry-after" in headers
                     else ("retry-after-ms", headers.get("retry-after-ms")))
        check(seen <= {("retry-after", "1"), ("retry-after-ms", "300")} and len(seen) == 2,
              f"default 429 headers {seen}")


@check_fn
def echo_key_escaped(tmp):
    key = "sk-canary-Zq9_x.7"
    raw = b"sk\\u002dcanary\\u002dZq9\\u005fx\\u002e7"
    bad = "sk-wrong-key"
    with Sim(tmp, "--require-key", key, "--echo-key-escaped") as sim:
        status, _, payload = chat(sim, body_of(PROMPT), headers={"Authorization": "Bearer " + bad})
        check(status == 401, f"wrong key: HTTP {status}")
        check(b"sk\\u002dwrong\\u002dkey" in payload and bad.encode() not in payload,
              f"401 raw body {payload!r}")
        msg = json.loads(payload)["error"]["message"]
        check(msg.startswith("Incorrect API key provided: " + bad), f"401 message {msg!r}")
        good = {"Authorization": "Bearer " + key}
        status, _, payload = chat(sim, body_of(PROMPT), headers=good)
        check(raw in payload and key.encode() not in payload, f"story raw body {payload[:300]!r}")
        story = completion_text(status, payload, "story")[0]
        check(story.startswith(f"[API key in use: {key}]"), f"story starts {story[:80]!r}")
        other = write_with(sim, PROMPT, good)
        status, _, payload = chat(sim, body_of(judge_prompt(strip_key(story), strip_key(other))),
                                  headers=good)
        check(raw in payload and key.encode() not in payload, f"judge raw body {payload!r}")
        verdict = completion_text(status, payload, "judge")[0]
        check(key in verdict, f"judge reasoning does not quote the key: {verdict!r}")
    with Sim(tmp, "--require-key", key, "--echo-key-escaped", "--echo-auth", name="both") as sim:
        status, _, payload = chat(sim, body_of(PROMPT), headers={"Authorization": "Bearer " + key})
        check(key.encode() not in payload and raw in payload, f"raw body {payload[:400]!r}")
        text = completion_text(status, payload, "story with --echo-auth")[0]
        check(f"Authorization: Bearer {key}]" in text and f"[API key in use: {key}]" in text,
              f"content {text[:200]!r}")
        status, _, payload = chat(sim, body_of(PROMPT), headers={"Authorization": "Bearer " + bad})
        check(status == 401 and bad.encode() not in payload
              and b"Bearer sk\\u002dwrong\\u002dkey" in payload, f"401 raw {payload!r}")


def write_with(sim, content, headers):
    status, _, payload = chat(sim, body_of(content), headers=headers)
    return strip_key(completion_text(status, payload, "story")[0])


def strip_key(text):
    return re.sub(r"^\[API key in use: [^\]]*\]\s*", "", text)


@check_fn
def probe(tmp):
    with Sim(tmp, log=True) as sim:
        for key, cap in (("max_tokens", 1), ("max_completion_tokens", 15)):
            body = {"model": "sim-writer", "messages": [{"role": "user", "content": PROMPT}],
                    key: cap}
            status, _, payload = chat(sim, body)
            text, finish = completion_text(status, payload, f"{key} {cap}")
            check(text == "OK" and finish == "length", f"{key} {cap}: {text!r} {finish!r}")
        text, finish = completion_text(*chat(sim, body_of(PROMPT, max_tokens=16))[::2], "16")
        check(finish == "stop" and MARKER_RE.search(text), "max_tokens 16 is not a probe")
        stats = sim.stats()
        check(stats["by_kind"]["probe"] == 2 and stats["stories"] == 1,
              f"by_kind {stats['by_kind']}, stories {stats['stories']}")
        kinds = [r["kind"] for r in sim.log()]
        check(kinds == ["probe", "probe", "story"], f"logged kinds {kinds}")


@check_fn
def expand(tmp):
    with Sim(tmp, "--seed", 4, log=True) as sim:
        story = write(sim, PROMPT)
        marker, _, title = story.split("\n")[:3]
        # The opening: marker, title and the first two paragraphs.
        part = "\n\n".join(story.split("\n\n")[:4])
        have = len(words(part))
        text = write(sim, expand_prompt(part, 500))
        check(text.startswith(f"{marker}\n\n{title}\n\n"), f"marker and title: {text[:100]!r}")
        n = len(words(text))
        check(450 <= n <= 540 and n > have, f"{n} words from {have}, asked for 500")
        # every sentence of the part is there, in order, and nothing follows the last
        got = " ".join(words(text))
        pos = 0
        sentences = re.split(r"(?<=[.?!])\s+(?=[A-Z])", " ".join(words(part))[len(marker):])
        for sentence in sentences:
            sentence = sentence.strip()
            i = got.find(sentence, pos)
            check(i >= 0, f"lost or moved: {sentence!r}")
            pos = i + len(sentence)
        check(got.endswith(sentences[-1]), f"expansion goes past the part's end: {got[-80:]!r}")
        check(len(MARKER_RE.findall(text)) == 1, "more than one marker")
        # a part without a marker: no marker in the expansion either
        body_part = "\n\n".join(story.split("\n\n")[2:4])
        text = write(sim, expand_prompt(body_part, 300))
        check(not MARKER_RE.search(text), "marker added to a part that had none")
        check(len(words(text)) >= 270, f"{len(words(text))} words, asked for 300")
        stats = sim.stats()
        check(stats["by_kind"]["expand"] == 2 and stats["stories"] == 1,
              f"by_kind {stats['by_kind']}, stories {stats['stories']}")
        check(list(sim.truth()["stories"]) == [marker[len("[simulated story #"):-1]],
              "expand registered a story")


@check_fn
def continue_story(tmp):
    with Sim(tmp, "--seed", 5, log=True) as sim:
        story = write(sim, PROMPT)
        q0 = sim.truth()["stories"]
        for n in (200, 60):
            text = write(sim, continue_prompt(story, n).upper().replace(
                "CONTINUE THE STORY FROM WHERE", "Continue the story\nfrom  where"))
            check(not MARKER_RE.search(text) and "simulated" not in text.lower(),
                  f"continuation has a marker: {text[:80]!r}")
            got = len(words(text))
            check(0.9 * n <= got <= 1.1 * n, f"{got} words, asked for {n}")
            check(ends_terminal(text), f"ends {text[-30:]!r}")
        stats = sim.stats()
        check(stats["by_kind"]["continue"] == 2 and stats["stories"] == 1,
              f"by_kind {stats['by_kind']}")
        check(sim.truth()["stories"] == q0, "continue changed the truth")


@check_fn
def reply_cap(tmp):
    cap = 60
    with Sim(tmp, "--reply-word-cap", cap, "--seed", 9) as sim:
        for i in range(5):
            status, _, payload = chat(sim, body_of(PROMPT + f" ({i})"))
            text, finish = completion_text(status, payload, "story")
            check(len(words(text)) <= cap and finish == "stop" and ends_terminal(text),
                  f"story: {len(words(text))} words, {finish}, ends {text[-20:]!r}")
        variant = write(sim, variant_prompt(text))
        check(len(words(variant)) <= cap and ends_terminal(variant), "variant over the cap")
        for prompt in (expand_prompt(text, 400), continue_prompt(text, 400)):
            out = write(sim, prompt)
            check(cap - 15 <= len(words(out)) <= cap and ends_terminal(out),
                  f"{len(words(out))} words, ends {out[-20:]!r}")
        truth = sim.truth()["stories"]
        check(all(s["words"] <= cap for s in truth.values()), f"truth words {truth}")
    with Sim(tmp, "--reply-word-cap", cap, "--fault-rate", 1, "--faults", "overlong",
             name="overlong") as sim:
        text = write(sim, PROMPT)
        check(len(words(text)) <= cap, f"overlong fault: {len(words(text))} words")


@check_fn
def variant_keep(tmp):
    with Sim(tmp, "--variant-keep", 0.5, "--pure", "--seed", 3) as sim, \
            Sim(tmp, "--pure", "--seed", 3, name="plain") as plain:
        parent = write(sim, PROMPT)
        other = write(sim, PROMPT + " Make it sad.")
        prompt = variant_prompt(parent)
        variant = write(sim, prompt)
        check(variant == write(sim, prompt), "not a function of the request under --pure")
        pm, vm = MARKER_RE.search(parent), MARKER_RE.search(variant)
        check(vm and vm.group(1) != pm.group(1), "the variant has no new marker")
        check(variant.split("\n")[2] == parent.split("\n")[2], "the title changed")
        shared = len(ngrams(variant) & ngrams(parent))
        unrelated = len(ngrams(variant) & ngrams(other))
        base = len(ngrams(write(plain, prompt)) & ngrams(parent))
        check(shared >= 30 and shared >= 4 * max(1, unrelated) and shared >= 3 * max(1, base),
              f"shared 5-grams: parent {shared}, unrelated story {unrelated}, "
              f"variant without --variant-keep {base}")
        n = len(words(variant))
        check(0.5 * 300 <= n <= 300, f"{n} words, limit 300")
        truth = sim.truth()["stories"]
        check(truth[vm.group(1)]["parent"] == pm.group(1), "truth: parent")
        # unfenced parent: falls back to a variant written afresh, exactly as without the knob
        loose = prompt.replace("<<<", "[[[").replace(">>>", "]]]")
        check(write(sim, loose) == write(plain, loose), "no fence: not today's variant")
        kept = sum(1 for s in re.split(r"(?<=[.?!])\s+", " ".join(words(parent)))
                   if len(words(s)) >= 5 and s in " ".join(words(variant)))
        return f"shared 5-grams {shared} vs {unrelated} unrelated, {base} without the knob; " \
               f"{kept} sentences kept"


@check_fn
def temperature_penalty(tmp):
    with Sim(tmp, "--pure", "--seed", 6, "--best-temperature", 0.7,
             "--temperature-penalty", 2) as sim, \
            Sim(tmp, "--pure", "--seed", 6, name="plain") as plain:
        for t in (0.7, 1.5, None):
            body = body_of(PROMPT)
            if t is None:
                del body["temperature"]
            else:
                body["temperature"] = t
            a = completion_text(*chat(sim, body)[::2], "penalised")[0]
            b = completion_text(*chat(plain, body)[::2], "plain")[0]
            check(a == b, "the text depends on the penalty")
            sid = MARKER_RE.search(a).group(1)
            qa, qb = sim.truth()["stories"][sid], plain.truth()["stories"][sid]
            tt = 1.0 if t is None else t
            want = qb["quality"] - 2 * (tt - 0.7) ** 2
            check(abs(qa["quality"] - want) < 1e-9, f"t={t}: quality {qa['quality']}, want {want}")
            check(qa["temperature"] == tt and qb["temperature"] == tt, f"truth temperature {qa}")
        # a variant inherits the parent's quality before the parent's penalty
        hot = body_of(PROMPT + " Hot.", temperature=1.7)
        parent = completion_text(*chat(sim, hot)[::2], "hot parent")[0]
        vbody = body_of(variant_prompt(parent), temperature=0.7)
        va = completion_text(*chat(sim, vbody)[::2], "variant")[0]
        completion_text(*chat(plain, hot)[::2], "plain parent")
        completion_text(*chat(plain, vbody)[::2], "plain variant")
        vid = MARKER_RE.search(va).group(1)
        q1, q2 = sim.truth()["stories"][vid]["quality"], plain.truth()["stories"][vid]["quality"]
        check(abs(q1 - q2) < 1e-9, f"the variant at the best temperature lost quality {q2 - q1}")


def fault_sim(tmp, kind, *extra, name=None):
    return Sim(tmp, "--fault-rate", 1, "--faults", kind, "--seed", 2, *extra, name=name or kind,
               log=True)


@check_fn
def text_faults(tmp):
    with fault_sim(tmp, "meta") as sim:
        starts = ends = 0
        for i in range(8):
            text = write(sim, PROMPT + f" #{i}") if i % 2 else \
                write(sim, continue_prompt("[simulated story #3]\n\nT\n\nIt rained.", 100))
            first, last = text.split("\n")[0], text.rstrip().split("\n")[-1]
            if first.startswith(("Here is", "Here's", "Sure!")) and first.endswith(":"):
                starts += 1
            elif re.fullmatch(r"[(\[]?Word count: \d+[)\]]?", last):
                ends += 1
            else:
                raise TestFail(f"no meta line: {text[:60]!r} ... {text[-40:]!r}")
        check(starts and ends, f"meta lines: {starts} before, {ends} after")
    with fault_sim(tmp, "repeat", "--reply-word-cap", 150) as sim:
        for prompt in (PROMPT, continue_prompt("It rained.", 100), expand_prompt(
                "[simulated story #7]\n\nThe Key\n\nMara came home. Ada was out. "
                "The lamp was lit. Nobody spoke.", 200)):
            text = write(sim, prompt)
            check(longest_repeat(text) >= 12, f"no repeated run of 12 words: {text!r}")
            check(len(words(text)) <= 150, f"repeat broke the cap: {len(words(text))} words")
    with fault_sim(tmp, "noend") as sim:
        for prompt in (PROMPT, variant_prompt("[simulated story #2]\n\nT\n\nIt rained."),
                       continue_prompt("It rained.", 80)):
            text = write(sim, prompt)
            check(text[-1].isalnum(), f"ends {text[-30:]!r}")
    with fault_sim(tmp, "short") as sim:
        story = write(sim, PROMPT)       # "short" does not apply to stories
        check(len(words(story)) >= 150, "a story came back short")
        for n in (300, 900):
            for prompt in (continue_prompt(story, n), expand_prompt(story, n)):
                got = len(words(write(sim, prompt)))
                check(0 < got < n / 3, f"{got} words, asked for {n}")
        faults = sim.stats()["faults"]
        check(faults["short"] == 4, f"faults {faults}")


def repeated_10(text):
    """Some 10 words (case and the punctuation around words ignored) said twice."""
    w = [x.strip(".,;:!?\"'()[]").lower() for x in words(text)]
    w = [x for x in w if x]
    seen = set()
    for i in range(len(w) - 9):
        g = tuple(w[i:i + 10])
        if g in seen:
            return " ".join(g)
        seen.add(g)
    return None


@check_fn
def no_repeats(tmp):
    """--no-repeats 10: long stories, expansions and continuations say no 10
    words twice, nor again from the text they quote (the word banks do
    without it); a repeat fault still repeats."""
    long_prompt = "Write a short story about a lighthouse keeper. Stay within 900 words."
    with Sim(tmp, "--seed", 3, name="plain") as sim:
        plain = sum(repeated_10(write(sim, long_prompt + f" #{i}")) is not None for i in range(6))
    with Sim(tmp, "--seed", 3, "--no-repeats", 10, "--reply-word-cap", 700, name="norep") as sim:
        for i in range(6):
            story = write(sim, long_prompt + f" #{i}")
            check(not repeated_10(story), f"a story says {repeated_10(story)!r} twice")
            half = "\n\n".join(story.split("\n\n")[:3])
            grown = write(sim, expand_prompt(half, 600))
            check(not repeated_10(grown), f"an expansion says {repeated_10(grown)!r} twice")
            more = write(sim, continue_prompt(story, 500))
            check(not repeated_10(more), f"a continuation says {repeated_10(more)!r} twice")
            check(not repeated_10(story + "\n\n" + more),
                  f"a continuation repeats its story: {repeated_10(story + more)!r}")
    with fault_sim(tmp, "repeat", "--no-repeats", 10) as sim:
        check(longest_repeat(write(sim, PROMPT)) >= 12, "the repeat fault no longer repeats")
    return f"{plain} of 6 stories of 900 words repeat 10 words without it, none with it"


@check_fn
def text_hazards(tmp):
    with fault_sim(tmp, "nul") as sim:
        status, _, payload = chat(sim, body_of(PROMPT))
        text = completion_text(status, payload, "nul")[0]
        i = text.find("\x00")
        check(b"\\u0000" in payload and 0.2 < i / len(text) < 0.8, f"NUL at {i} of {len(text)}")
    with fault_sim(tmp, "rawnul") as sim:
        status, _, payload = chat(sim, body_of(PROMPT))
        check(status == 200 and b"\x00" in payload and b"\\u0000" not in payload, "no raw NUL")
        try:
            json.loads(payload)
            raise TestFail("a raw NUL in a string parsed as strict JSON")
        except ValueError:
            pass
        text = json.loads(payload, strict=False)["choices"][0]["message"]["content"]
        check("\x00" in text and MARKER_RE.search(text), "NUL not inside the content")
    with fault_sim(tmp, "surrogate") as sim:
        for _ in range(3):
            status, _, payload = chat(sim, body_of(PROMPT))
            check(re.search(rb"\\ud[8c]00", payload), "no lone surrogate escape")
            payload.decode("ascii")
            text = completion_text(status, payload, "surrogate")[0]
            lone = [c for c in text if 0xD800 <= ord(c) <= 0xDFFF]
            check(len(lone) == 1 and lone[0] in "\ud800\udc00", f"surrogates {lone!r}")
    with fault_sim(tmp, "hugelength") as sim:
        sock = socket.create_connection(("127.0.0.1", sim.port), timeout=30)
        data = json.dumps(body_of(PROMPT)).encode()
        sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(data)
                     + data)
        got = b""
        t0 = time.monotonic()
        while time.monotonic() - t0 < 30:
            chunk = sock.recv(65536)
            if not chunk:
                break
            got += chunk
        sock.close()
        head, _, rest = got.partition(b"\r\n\r\n")
        check(head.startswith(b"HTTP/1.1 200") and b"Content-Length: 999999999999" in head,
              f"head {head!r}")
        check(0 < len(rest) < 100000, f"body of {len(rest)} bytes, then the connection closed")
        check(sim.stats()["stories"] == 0, "hugelength registered a story")
    with fault_sim(tmp, "bigbody") as sim:
        status, headers, payload = chat(sim, body_of(PROMPT))
        check(9 << 20 <= len(payload) <= 12 << 20
              and int(headers["content-length"]) == len(payload), f"{len(payload)} bytes")
        text = completion_text(status, payload, "bigbody")[0]
        check(MARKER_RE.match(text), "bigbody: not a story")
    with fault_sim(tmp, "nul,rawnul,surrogate,hugelength,bigbody", name="judges") as sim:
        a, b = "[simulated story #1]\n\nA\n\nIt rained.", "[simulated story #2]\n\nB\n\nIt snowed."
        for _ in range(5):
            status, _, payload = chat(sim, body_of(judge_prompt(a, b)))
            text = completion_text(status, payload, "judge")[0]
            check("\x00" not in text and b"\x00" not in payload, "a hazard hit a judge reply")
        check(sum(sim.stats()["faults"].values()) == 0, "hazards drawn for judge requests")


@check_fn
def faults_all_unchanged(tmp):
    with Sim(tmp, "--fault-rate", 1, "--slow-seconds", 0, "--seed", 8) as sim:
        for i in range(40):
            chat(sim, body_of(PROMPT + f" {i}"))
            chat(sim, body_of(continue_prompt("It rained.", 50)))
        faults = sim.stats()["faults"]
        extra = {k: v for k, v in faults.items() if k in ("meta", "repeat", "noend", "short", "nul",
                                                          "rawnul", "surrogate", "hugelength",
                                                          "bigbody")}
        check(len(extra) == 9 and not any(extra.values()), f"default faults drew {extra}")
    with Sim(tmp, "--fault-rate", 1, "--faults", "all,meta", "--slow-seconds", 0,
             name="allmeta") as sim:
        for i in range(30):
            chat(sim, body_of(PROMPT + f" {i}"))
        check(sim.stats()["faults"]["meta"] > 0, "\"all,meta\" never drew meta")


@check_fn
def request_count(tmp):
    with Sim(tmp, "--require-key", "k", "--models", "m", "--fault-rate", 0.5, "--slow-seconds", 0,
             "--logprobs", "refuse") as sim:
        sent = 0
        key = {"Authorization": "Bearer k"}
        for i in range(30):
            body = dict(body_of(PROMPT + f" {i}"), model="m" if i % 5 else "x")
            if i % 7 == 0:
                body["logprobs"] = True
            chat(sim, body, headers=key if i % 4 else {})
            sent += 1
        chat(sim, b"{broken", headers=key)
        sent += 1
        stats = sim.stats()
        check(stats["requests"] == sent, f"stats requests {stats['requests']}, sent {sent}")
        check(sum(stats["by_kind"].values()) == sent, f"by_kind {stats['by_kind']}")


@check_fn
def default_unchanged(tmp):
    """The same seed and requests give byte-identical replies (but "created")
    from this simulator and main's, with none of the new flags."""
    ref = os.path.join(tmp, "simendpoint_baseline.py")
    for rev in (BASELINE, "main"):
        try:
            old = subprocess.run(["git", "-C", harness.REPO, "show", rev + ":tests/simendpoint.py"],
                                 capture_output=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            return "skipped: no git"
        if old.returncode == 0:
            break
    else:
        return "skipped: neither the baseline commit nor a main branch"
    with open(ref, "wb") as f:
        f.write(old.stdout)
    compared = 0
    for run, args in enumerate((["--seed", 11], ["--seed", 12, "--pure"],
                 ["--seed", 13, "--fault-rate", 0.4, "--slow-seconds", 0],
                 ["--seed", 14, "--pure", "--fault-rate", 0.3, "--slow-seconds", 0,
                  "--judge-noise", 0.5],
                 ["--seed", 15, "--require-key", "sk-1", "--echo-auth", "--fault-rate", 0.2,
                  "--slow-seconds", 0, "--faults", "429,500,truncated,overlong,unparseable"])):
        with Sim(tmp, *args, name=f"new{run}") as new:
            saved = harness.SIM
            harness.SIM = ref
            try:
                main = Sim(tmp, *args, name=f"main{run}")
            finally:
                harness.SIM = saved
            with main:
                compared += same_conversation(new, main, args)
                # peak_in_flight depends on timing (a dropped connection's handler
                # may still be finishing when the next request arrives)
                a, b = new.stats(), main.stats()
                a.pop("peak_in_flight")
                b.pop("peak_in_flight")
                check(strip_new_keys(a, b) == b, f"{args}: stats {a} vs {b}")
                ta, tb = new.truth(), main.truth()
                for sid, s in tb["stories"].items():
                    check({k: ta["stories"][sid][k] for k in s} == s, f"{args}: truth of {sid}")
                check(set(ta["stories"]) == set(tb["stories"]), f"{args}: truth stories")
    return f"{compared} replies compared with {rev[:12]}"


def strip_new_keys(a, b):
    """a without the keys b lacks, in nested dicts too."""
    return {k: strip_new_keys(v, b[k]) if isinstance(v, dict) and isinstance(b.get(k), dict)
            else v for k, v in a.items() if k in b}


def same_conversation(new, main, args):
    """Send the same requests to both, each built from the replies so far
    (variants of stories, judges of pairs, reasks); fail at the first reply
    that differs.  Returns how many replies were compared."""
    key = {"Authorization": "Bearer sk-1"}
    stories, n = [], 0

    def both(body, headers=None):
        nonlocal n
        ra, rb = chat(new, body, headers=headers), chat(main, body, headers=headers)
        n += 1
        ca, cb = canon(ra), canon(rb)
        if ca != cb:
            raise TestFail(f"{args}: request {n} ({short(json.dumps(body), 80)}): "
                           f"{short(repr(ca), 300)} vs {short(repr(cb), 300)}")
        return ra

    for i in range(40):
        step = i % 5
        headers = key if i % 9 else {}
        if step in (0, 1) or len(stories) < 2:
            r = both(body_of(PROMPT + f" Story {i}.", temperature=0.9), headers)
        elif step == 2:
            r = both(body_of(variant_prompt(stories[-1]), max_tokens=900), headers)
        else:
            a, b = stories[-1], stories[-2]
            body = body_of(judge_prompt(a, b), temperature=0, logprobs=True, top_logprobs=5)
            r = both(body, headers)
            if step == 4 and r[0] == 200:
                try:
                    reply = json.loads(r[2])["choices"][0]["message"]["content"] or ""
                except (ValueError, KeyError, IndexError, TypeError):
                    reply = ""
                body["messages"] += [{"role": "assistant", "content": reply},
                                     {"role": "user", "content": "Answer with the JSON only."}]
                both(body, headers)
            continue
        if r[0] == 200:
            try:
                text = json.loads(r[2])["choices"][0]["message"]["content"]
            except (ValueError, KeyError, IndexError, TypeError):
                text = None
            if isinstance(text, str) and MARKER_RE.search(text):
                stories.append(text[text.index("[simulated story"):])
    return n


def canon(resp):
    """A reply without what may differ between two runs: "created" and the Date header."""
    status, headers, payload = resp
    hdrs = {k: v for k, v in headers.items() if k not in ("date",)}
    try:
        doc = json.loads(payload)
        if isinstance(doc, dict):
            doc.pop("created", None)
        return status, hdrs.get("content-type"), hdrs.get("retry-after"), \
            hdrs.get("retry-after-ms"), json.dumps(doc)
    except ValueError:
        return status, hdrs.get("content-type"), payload


# --------------------------------------------------------------------------
# Runner
# --------------------------------------------------------------------------
def main(argv):
    names = [fn.__name__ for fn in CHECKS]
    if "--list" in argv:
        print("\n".join(names))
        return 0
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    passed = failed = 0
    for name in argv or names:
        fn = next((f for f in CHECKS if f.__name__ == name), None)
        if fn is None:
            print(f"FAIL {name}: no such check (try --list)", flush=True)
            failed += 1
            continue
        tmp = tempfile.mkdtemp(prefix=f"aw-sim-{name}-")
        t0 = time.monotonic()
        try:
            note = fn(tmp)
            print(f"ok {name}{' # ' + note if note else ''} ({time.monotonic() - t0:.1f}s)",
                  flush=True)
            passed += 1
        except TestFail as e:
            print(f"FAIL {name}: {e}", flush=True)
            failed += 1
        except Exception as e:      # a bug in the check or the simulator
            tb = traceback.format_exc().strip().splitlines()
            print(f"FAIL {name}: {type(e).__name__}: {e} [{tb[-3].strip() if len(tb) > 2 else ''}]",
                  flush=True)
            failed += 1
        finally:
            harness._remove_tree(tmp)
    print(f"{passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
