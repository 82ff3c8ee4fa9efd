#!/usr/bin/env python3
r"""Simulated OpenAI-compatible chat-completions endpoint for alphawrite.

alphawrite talks to real LLM servers (OpenAI, vLLM, llama.cpp, routers such as
OpenRouter) that are slow, cost money and misbehave in many small ways.  This
server stands in for them in the demo, the end-to-end tests and the benchmark.
It writes readable stories from word banks, gives every story a hidden quality
and judges pairwise comparisons by a noisy, position-biased logistic model of
those qualities, so a test can check that evolution really improves the truth
(GET /sim/truth).  Replies deliberately vary in shape the way real servers do,
and a seeded fault injector produces the failures clients must survive: rate
limits, 5xx errors, HTML error pages, dropped connections, garbage, truncated
JSON, null content, empty choices, errors hidden in HTTP 200, verdict-less
judge replies, stalls and over-long stories.  It is plain Python 3.11 standard
library so that it runs everywhere the tests run, listens on loopback by
default and never opens an outgoing connection (not even a reverse DNS lookup).

Protocol notes for client authors:
  * Every story starts with the line "[simulated story #N]".  The markers in
    the FIRST user message classify a request: none = new story, one = variant
    of that story, two or more = judge (A = first marker, B = second).  A
    judge conversation with more than one user message whose last user
    message has no marker is a "reask" and gets just {"winner": "A"|"B"}.
  * The word limit is the first "<number> words" in the first user message.
  * The fault "unparseable" applies only to judge requests (so that a reask
    can rescue the comparison) and "overlong" only to story/variant requests;
    when no listed fault kind applies to a request it is answered normally.
  * Log probabilities: a judge or reask request with "logprobs": true gets
    choices[0].logprobs in the OpenAI shape, one entry per token of the
    content (tokens concatenate to the content exactly).  At the verdict token
    (the last standalone A/B token) top_logprobs hold "A" and "B" (sometimes
    also " A" and " B") with probabilities q and 1-q scaled to leave ~1% for
    junk tokens, where q = sigmoid(gamma * logit(p)) and p is the judge's true
    P(A wins) (logged as "p_a"); the letter in the content is drawn from p, so
    it need not be the most likely alternative.  Story and variant requests
    get "logprobs": null.  --logprobs refuse|forbid|null|missing imitates
    servers that reject logprobs (400/403) or silently drop them.
  * Probes: a request whose max_tokens or max_completion_tokens is below 16
    is kind "probe" (whatever its messages): content "OK", finish_reason
    "length", no story registered.  Clients send one to check that a model
    exists before paying for work.
  * Self-Lengthen: a request that is not a judge or reask and whose first user
    message contains (case and line breaks ignored) "expand the opening" is
    kind "expand"; one containing "continue the story from where it ends" is
    kind "continue" (both checked before "variant").  The text to extend is
    the LAST fenced block of the first user message (fence lines as
    template_fence writes them: "<<<NAME TAG>>>" ... "<<<END NAME TAG>>>"); the
    target is the first "<number> words" of the message.  An expand reply keeps
    the block's marker and title lines (when it has a marker) and all its
    sentences in order, and inserts fresh ones between them (never after the
    last, so it does not go past the part's end) to about the target; a part
    already that long comes back unchanged, and without a fenced block the
    reply is fresh text.  A continue reply is fresh sentences of about the
    target words, with no marker line and no title, ending on terminal
    punctuation.  Neither registers a story or touches any quality.
  * Text faults, drawn only when named in --faults ("all" is the classic
    list, so that --fault-rate runs stay as they were; "all,meta" adds one):
    "meta" (story, variant, expand, continue): a first line "Here is the
    revised version of the story:", "Here is the story:", "Sure! Here is the
    expanded opening:" or "Here's the continuation of the story:", or a last
    line "(Word count: N)", "Word count: N" or "[Word count: N]", set off by a
    blank line; "repeat" (same kinds): a run of whole sentences of at least 12
    words said twice in a row; "noend" (same kinds): the last sentence cut in
    its middle, the text ending on a letter or digit; "short" (expand,
    continue): under a third of the asked words.  Text hazards (story,
    variant): "nul" (a \u0000 escape near the middle of the content),
    "rawnul" (a raw NUL byte there instead: no longer valid JSON), "surrogate"
    (a lone \ud800 or \udc00 escape there; otherwise the JSON Python writes),
    "hugelength" (200 with "Content-Length: 999999999999", the real short
    body, then the connection closes; no story registered) and "bigbody" (a
    valid completion of about 10 MiB: the story with its body repeated).
  * Endpoint shapes: --models (404 model_not_found for any other model, OpenAI's
    body), --require-prefix /v1 (404 "Unknown path ..." for a chat request at
    any other path, e.g. a base URL without /v1), --html-all (200 text/html
    for every chat request), --retry-after S (the Retry-After of every 429).
    GET /sim/stats "requests" counts every chat request received, refused,
    faulty and malformed ones included; "by_kind" counts every kind above.
    With --count-tokens it also has "tokens": {"prompt": P, "completion": C},
    the usage of every completion generated (a reply whose shape leaves out
    "usage" included: what a real server would bill).  With --log-headers each
    --log line has "headers": the sorted, lower-cased NAMES of the request's
    headers (never a value).
  * --echo-key-escaped: the bearer token sent is quoted with every character
    but ASCII letters and digits written as \uXXXX in the raw JSON: in the 401
    message when --require-key refuses it ("Incorrect API key provided:
    sk\u002d..."), else as "[API key in use: TOKEN]" at the start of every
    completion's content (story, variant, expand, continue, judge reasoning,
    reask; not a probe's "OK").  With --echo-auth the echoed header is escaped
    the same way.  Decoding the JSON gives the token back in clear, so a
    client must redact after decoding.  (Log-probability tokens are not
    escaped: they split the token into pieces.)
  * Quality and temperature: with --best-temperature T and
    --temperature-penalty C, a story or variant written at request temperature
    t ("temperature", 1.0 when absent) has quality base - C*(t - T)^2; a
    variant's base is its parent's base plus the variant gain, so the penalty
    belongs to one writing and does not accumulate down a lineage.
    /sim/truth gives each story's "temperature".
  * --variant-keep F: a variant keeps the title and about a fraction F of the
    sentences (in order) of its parent as quoted in the first fenced block of
    the first user message that holds the parent's marker, fresh sentences
    take the places of the others, and it gets its own marker and lands on its
    word target (kept sentences are dropped while they alone exceed it).  With
    no such block it is written afresh, as with F = 0.
  * --no-repeats N: no sequence of N words (case and the punctuation around
    words ignored) occurs twice in a story, variant, expand or continue reply,
    nor repeats one of the text it quotes between fence lines, unless a fault
    puts it there ("repeat") or kept text already held it.  The word banks are
    small, so without it a story of 500 words or more often says some 10 words
    twice, which real prose almost never does and Self-Lengthen's repeat
    filter rejects.  A fresh sentence that would repeat is drawn again (short
    fillers are taken as they come, so the rule holds within whole
    sentences and between neighbouring fresh ones).
  * --reply-word-cap N: no story, variant, expand or continue reply is longer
    than N words: it stops at a sentence end, finish_reason "stop".  (A "meta"
    line comes on top, a cap too small to hold a "repeat" run twice does not
    apply to it, and "bigbody" ignores the cap.)
"""

import argparse
import hashlib
import hmac
import json
import math
import os
import random
import re
import signal
import socket
import socketserver
import string
import sys
import tempfile
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

MARKER_RE = re.compile(r"\[simulated story #(\d+)\]")
WORD_LIMIT_RE = re.compile(r"(\d+)\s+words", re.IGNORECASE)
DEFAULT_WORD_LIMIT = 500
MAX_WORD_LIMIT = 20000          # keeps a silly prompt from costing minutes
MAX_BODY_BYTES = 32 << 20
KINDS = ("story", "variant", "judge", "reask", "unknown", "probe", "expand", "continue")
WRITING_KINDS = ("story", "variant", "expand", "continue")
# The classic faults: the default --faults list, and what "all" stands for.
FAULT_KINDS = ("429", "500", "503", "502html", "drop", "garbage", "truncated",
               "null", "empty", "error200", "unparseable", "slow", "overlong")
# Faults drawn only when named in --faults: text a client must filter, and text
# and transfer hazards.  Not in "all", so that --fault-rate runs stay as they were.
EXTRA_FAULT_KINDS = ("meta", "repeat", "noend", "short",
                     "nul", "rawnul", "surrogate", "hugelength", "bigbody")
ALL_FAULT_KINDS = FAULT_KINDS + EXTRA_FAULT_KINDS
FAULT_ONLY_FOR = {"unparseable": ("judge",), "overlong": ("story", "variant"),
                  "meta": WRITING_KINDS, "repeat": WRITING_KINDS, "noend": WRITING_KINDS,
                  "short": ("expand", "continue"),
                  "nul": ("story", "variant"), "rawnul": ("story", "variant"),
                  "surrogate": ("story", "variant"), "hugelength": ("story", "variant"),
                  "bigbody": ("story", "variant")}
# Cue phrases of the Self-Lengthen requests, looked for in the first user message
# with case and runs of white space ignored.
EXPAND_CUE = "expand the opening"
CONTINUE_CUE = "continue the story from where it ends"
PROBE_MAX_TOKENS = 16           # a token cap below this makes a request a probe
HUGE_LENGTH = 999999999999      # the Content-Length the "hugelength" fault claims
BIG_BODY_BYTES = 10 << 20       # the size of a "bigbody" reply
SHAPES = ("openai", "vllm", "llamacpp", "nousage")
LOGPROB_MODES = ("ok", "refuse", "forbid", "null", "missing")
MAX_TOP_LOGPROBS = 20
LOGPROB_FLOOR = -9999.0         # what OpenAI reports for "essentially impossible"
VALID_ROLES = ("system", "developer", "user", "assistant", "tool")
ALNUM = string.ascii_letters + string.digits

# --------------------------------------------------------------------------
# Word banks.  None of them may contain the word "simulated": it must appear
# only in the marker line so that clients and tests can rely on it.
# --------------------------------------------------------------------------
NAMES = ["Mara", "Tobias", "Ines", "Oren", "Lucia", "Wen", "Halvard", "Ada",
         "Kofi", "Sela", "Bram", "Nadia", "Emeric", "Juno", "Piet", "Rosalind"]
PLACES = ["the lighthouse", "the harbour market", "the orchard", "the old observatory",
          "the railway station", "the salt marsh", "the bakery on Vell Street",
          "the mountain pass", "the flooded library", "the ferry dock",
          "the greenhouse", "the clock tower"]
OBJECTS = ["a brass key", "a folded map", "a cracked lantern", "a bundle of letters",
           "a silver compass", "a wooden bird", "a torn photograph", "a jar of seeds",
           "a violin case", "a ledger with a green cover"]
TIMES = ["At dawn", "Late that evening", "By the third morning", "When the rain stopped",
         "Before anyone else woke", "Long after midnight", "In the grey hour before supper"]
FEELINGS = ["uneasy", "hopeful", "restless", "calm", "homesick", "curious", "afraid",
            "stubbornly cheerful"]
SMELLS = ["rain and diesel", "salt and tar", "woodsmoke", "wet stone",
          "bread and burnt sugar", "cut grass"]
SOUNDS = ["dog barked twice", "bell rang out of time", "gull cried over the water",
          "train whistled in the valley", "shutter banged in the wind"]
WEATHER = ["cold and bright", "grey and windless", "warm for the season", "raining softly"]
OUTSIDE = ["the rain kept on", "the wind rattled the shutters", "snow had begun to fall",
           "the fog was lifting"]
LINES = ["We should have left before the tide turned", "I kept the key, just in case",
         "It isn't lost if you know where it is", "There is still time",
         "Nobody is coming back for it", "Then we go together", "I am tired of waiting",
         "You were right about the weather", "Leave the lamp burning",
         "I remember this place differently"]
QUESTIONS = ["Do you hear that", "Where did you find it", "What happens now",
             "Did you ever go back", "Why did you keep it", "Are you sure"]
NARRATIVE = [
    "{time}, {n1} walked down to {place} with {obj} wrapped in a scarf.",
    "{n1} turned {obj} over and over, feeling {feel} without quite knowing why.",
    "The air smelled of {smell}, and somewhere below a {sound}.",
    "{n1} had not expected to find {obj} in {place}, but there it was.",
    "Nobody in {place} could remember the last time {n2} had laughed like that.",
    "It was {weather}, the kind of day that made {place} seem smaller than it was.",
    "{n2} counted the steps to {place} and lost count twice.",
    "For a long while nobody spoke.",
    "The light changed slowly, the way it does in late autumn.",
    "{n2} set {obj} on the table between them as if it might break.",
    "There were stories about {place}, and most of them were true.",
    "{time}, the whole town seemed to hold its breath.",
    "{n1} thought of the winter {n2} had spent away, and of the letters that never came.",
    "Outside, {outside}.",
    "{n1} felt {feel}, then foolish for feeling it.",
    "They followed the old path past {place}, where the fence had fallen years ago.",
    "Somewhere a door closed, and {n2} flinched.",
    "{n2} laughed, and for a moment the years between them fell away.",
    "{time}, {n2} went back to {place} alone and stood there until the cold came "
    "through the soles of both boots and the lamps began to come on, one by one, "
    "along the water.",
    "It was only later, much later, that {n1} understood what {n2} had been trying to say.",
    "{n1} kept thinking about {obj}, and about whoever had left it there.",
    "The kettle had gone cold hours ago.",
    "{n2} wrote three letters that week and burned two of them.",
    "By the time they reached {place}, the light had gone the colour of weak tea.",
    "{n1} did not answer at once.",
    "Years afterwards, {n2} would still describe that evening as the moment everything turned, "
    "though at the time it felt like nothing at all.",
    "A boy on a bicycle went past, whistling, and did not look at either of them.",
    "{n1} asked the woman at {place} about {obj}, and she only smiled.",
    "There was a photograph of {place} on the wall, faded almost to white.",
    "{n2} slept badly and woke {feel}, with the taste of {smell} in the air.",
]
MOTIF_LINES = ["{n1} kept thinking about the {motif}.",
               "Everything, it seemed, came back to the {motif}.",
               "People around {place} still talked about the {motif}, though never loudly."]
DIALOGUE = ['"{line}," said {n1}.', '"{line}," {n2} said quietly.', '{n1} looked up. "{line}."',
            '"{question}?" asked {n2}.', '"{question}?" {n1} said, not really asking.',
            '"{line}. {line2}," {n2} said.', '"{line}," {n1} said, and meant it.',
            '{n2} shook off the cold. "{question}?"']
# Exact-length fillers used to land precisely on the word budget.
TINY = {1: ["Silence.", "Nothing.", "Morning.", "Enough."],
        2: ["{n1} waited.", "Nobody answered.", "Night fell.", "{n2} nodded."],
        3: ["The wind rose.", "{n1} said nothing.", "It was enough.", "Nobody moved again."]}
TITLE_ADJ = ["Last", "Quiet", "Borrowed", "Salt", "Long", "Second", "Hollow", "Paper", "Winter"]
TITLE_NOUN = ["Lantern", "Orchard", "Harbour", "Compass", "Tide", "Letter", "Key", "Ferry",
              "Bell", "Garden"]
# Words of instructions that make poor motifs when picked from a prompt.
STOPWORDS = {"write", "writes", "written", "story", "stories", "words", "about", "should",
             "please", "title", "paragraph", "paragraphs", "output", "format", "response",
             "rewrite", "improve", "improved", "version", "following", "original", "reply",
             "return", "without", "which", "their", "there", "these", "those", "would",
             "could", "under", "limit", "maximum", "minimum", "length", "other", "where",
             "while", "prompt", "include", "markdown", "exactly", "better", "simulated"}

# Judge prose: {w} is the winner's letter, {l} the loser's.  No braces here.
PRAISE = ["Story {w} builds its tension patiently and pays it off in the final paragraph.",
          "Story {w} has the more vivid setting and a clearer emotional arc.",
          "The dialogue in Story {w} feels natural and reveals character without strain.",
          "Story {w} keeps its focus tight, and every scene earns its place.",
          "What stays with me is the ending of Story {w}, which is earned rather than announced."]
CRITIQUE = ["Story {l} has some lovely images but loses momentum halfway through.",
            "By comparison, Story {l} relies on summary where a scene would land harder.",
            "Story {l} ends abruptly, leaving its central question unanswered.",
            "The prose in Story {l} is competent, though its characters stay at arm's length."]
NEUTRAL = ["Both Story A and Story B answer the prompt reasonably well.",
           "Story A and Story B share a quiet, reflective tone.",
           "Neither Story A nor Story B has serious problems with grammar."]
CLOSING = ["On balance, Story {w} is the more satisfying read.",
           "Overall I prefer Story {w}."]
REASONS = ["Story {w} is more engaging and better paced.",
           "Story {w} has stronger characters and a clearer arc.",
           "Story {w} makes better use of its setting."]
# Verdict-free judge prose for the "unparseable" fault (mentions both, decides nothing).
UNDECIDED = ["Story A opens with a striking image, while Story B takes its time to settle.",
             "Both Story A and Story B have moments of real warmth.",
             "The pacing differs: Story B moves quickly, and Story A lingers on detail.",
             "Each story answers the prompt in its own way, and each has rough edges.",
             "It is genuinely hard to weigh Story A against Story B on craft alone."]


def word_count(text):
    return len(text.split())


def token_estimate(words):
    return max(1, round(words * 1.3))


def rand_token(rng, n):
    return "".join(rng.choice(ALNUM) for _ in range(n))


def distinct_markers(text):
    """Story ids of the markers in text, distinct, in order of first occurrence."""
    ids = []
    for match in MARKER_RE.finditer(text):
        sid = int(match.group(1))
        if sid not in ids:
            ids.append(sid)
    return ids


def classify(messages):
    """Return (kind, marker ids of the first user message, first user message).

    The probe kind depends on the token cap, not on the messages: see is_probe."""
    users = [m["content"] for m in messages if m["role"] == "user"]
    first = users[0] if users else "\n".join(m["content"] for m in messages)
    ids = distinct_markers(first)
    if len(ids) >= 2:
        reask = len(users) > 1 and not MARKER_RE.search(users[-1])
        return ("reask" if reask else "judge"), ids, first
    plain = " ".join(first.lower().split())
    if EXPAND_CUE in plain:
        return "expand", ids, first
    if CONTINUE_CUE in plain:
        return "continue", ids, first
    return ("variant" if ids else "story"), ids, first


def is_probe(body):
    """A request whose token cap is too small for any real answer."""
    return any(isinstance(body.get(key), int) and not isinstance(body.get(key), bool)
               and body[key] < PROBE_MAX_TOKENS
               for key in ("max_tokens", "max_completion_tokens"))


def word_limit(prompt):
    match = WORD_LIMIT_RE.search(prompt)
    limit = int(match.group(1)) if match else DEFAULT_WORD_LIMIT
    return min(max(limit, 1), MAX_WORD_LIMIT)


def validate(body):
    """Return (message, param) describing what is wrong with a request, or None."""
    if not isinstance(body, dict):
        return "The request body must be a JSON object.", None
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "You must provide a model parameter.", "model"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "'messages' must be a non-empty array.", "messages"
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict):
            return f"messages[{i}] must be an object.", f"messages[{i}]"
        if not isinstance(msg.get("role"), str) or msg["role"] not in VALID_ROLES:
            return f"Invalid value for messages[{i}].role.", f"messages[{i}].role"
        if not isinstance(msg.get("content"), str):
            return f"messages[{i}].content must be a string.", f"messages[{i}].content"
    for key, low, high in (("temperature", 0, 2), ("top_p", 0, 1)):
        value = body.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not low <= value <= high):
            return f"Invalid '{key}': expected a number between {low} and {high}.", key
    for key in ("max_tokens", "max_completion_tokens", "seed"):
        value = body.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or (key != "seed" and value < 1)):
            return f"Invalid '{key}': expected an integer.", key
    # Log probabilities, checked as strictly as OpenAI: any top_logprobs needs logprobs.
    logprobs, top = body.get("logprobs"), body.get("top_logprobs")
    if logprobs is not None and not isinstance(logprobs, bool):
        return "Invalid 'logprobs': expected a boolean.", "logprobs"
    if top is not None:
        if isinstance(top, bool) or not isinstance(top, int) or not 0 <= top <= MAX_TOP_LOGPROBS:
            return (f"Invalid 'top_logprobs': expected an integer between 0 and "
                    f"{MAX_TOP_LOGPROBS}."), "top_logprobs"
        if logprobs is not True:
            return "'top_logprobs' requires 'logprobs' to be set to true.", "top_logprobs"
    if body.get("stream"):
        return "This simulator does not support stream=true.", "stream"
    return None


# --------------------------------------------------------------------------
# Story writing.  Everything is drawn from a private Random seeded by the
# server RNG, so a run is reproducible for a given seed and request order.
# --------------------------------------------------------------------------
def salient_words(prompt):
    """Up to two of the longest plain lowercase words of the prompt, as motifs."""
    text = MARKER_RE.sub(" ", prompt)
    seen = []
    for word in re.findall(r"[A-Za-z]+", text):
        if (5 <= len(word) <= 14 and word.islower() and word not in STOPWORDS
                and not word.startswith("simul") and not word.endswith(("ly", "ed", "ing"))
                and word not in seen):
            seen.append(word)
    seen.sort(key=len, reverse=True)          # stable: ties keep prompt order
    return seen[:2]


def norm_words(text):
    """The words of text as the repeat rule compares them: lowercase, the
    punctuation around each stripped, and all-punctuation runs dropped."""
    out = []
    for word in text.split():
        word = word.strip(string.punctuation + "\u201c\u201d\u2018\u2019\u2014\u2013\u2026").lower()
        if word:
            out.append(word)
    return out


def ngrams_of(words, n):
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def repeated_ngrams(text, n):
    """The n-grams text says more than once."""
    seen, twice = set(), set()
    words = norm_words(text)
    for i in range(len(words) - n + 1):
        gram = tuple(words[i:i + n])
        (twice if gram in seen else seen).add(gram)
    return twice


# --no-repeats: how many times a reply is written again when it still says
# some n words twice (fresh sentences are checked as they are drawn, but not
# against the kept sentences an expansion puts them between).
NO_REPEAT_TRIES = 20


class StoryWriter:
    def __init__(self, rng, prompt, no_repeats=None):
        self.rng = rng
        # --no-repeats: the n-grams already said (those of the quoted text too)
        self.no_repeats = no_repeats
        self.said = set()
        self.tail = []
        if no_repeats:
            for block in fenced_blocks(prompt):
                self.said |= ngrams_of(norm_words(block), no_repeats)
        self.quoted = set(self.said)
        self.motifs = salient_words(prompt)
        # A variant keeps the cast of its parent when the parent used bank names.
        cast = [name for name in NAMES if re.search(r"\b%s\b" % name, prompt)]
        others = [name for name in NAMES if name not in cast]
        rng.shuffle(others)
        self.cast = (cast + others)[:rng.randint(2, 3)]
        self.used = set()

    def _slots(self):
        rng = self.rng
        n1, n2 = rng.sample(self.cast, 2)
        line, line2 = rng.sample(LINES, 2)
        return {"n1": n1, "n2": n2, "place": rng.choice(PLACES), "obj": rng.choice(OBJECTS),
                "time": rng.choice(TIMES), "feel": rng.choice(FEELINGS),
                "smell": rng.choice(SMELLS), "sound": rng.choice(SOUNDS),
                "weather": rng.choice(WEATHER), "outside": rng.choice(OUTSIDE),
                "line": line, "line2": line2, "question": rng.choice(QUESTIONS),
                "motif": rng.choice(self.motifs) if self.motifs else "sea"}

    def _pick(self, bank):
        """A template from bank, avoiding repeats within a story while possible."""
        fresh = [t for t in bank if t not in self.used]
        template = self.rng.choice(fresh or bank)
        self.used.add(template)
        return template

    def _fill(self, template):
        text = template.format(**self._slots())
        return text[0].upper() + text[1:]

    def sentence(self):
        roll = self.rng.random()
        if self.motifs and roll < 0.08:
            return self._fill(self._pick(MOTIF_LINES))
        if roll < 0.30:
            return self._fill(self._pick(DIALOGUE))
        return self._fill(self._pick(NARRATIVE))

    def title(self):
        rng = self.rng
        shapes = [f"The {rng.choice(TITLE_ADJ)} {rng.choice(TITLE_NOUN)}",
                  f"What {self.cast[0]} Found", f"A {rng.choice(TITLE_NOUN)} for {self.cast[1]}",
                  f"After the {rng.choice(TITLE_NOUN)}"]
        if self.motifs:
            shapes.append(f"The {self.motifs[0].capitalize()}")
        return rng.choice(shapes)

    def new_repeat(self, text, allowed=None, against_quoted=True):
        """--no-repeats: does text say some n words twice that are not in
        allowed (an expansion: what its part repeated already), or, when
        allowed is None and against_quoted, some n words of the quoted text
        (a continuation)?"""
        n = self.no_repeats
        twice = repeated_ngrams(text, n) - (allowed or set())
        if twice:
            return True
        return allowed is None and against_quoted and bool(
            ngrams_of(norm_words(text), n) & self.quoted)

    def _fresh(self, sentence, commit=False):
        """--no-repeats: does sentence (after the fresh one before it) say no
        n words said before?  commit: remember its n-grams."""
        n = self.no_repeats
        if not n:
            return True
        words = norm_words(sentence)
        seq = self.tail + words
        grams = {tuple(seq[i:i + n]) for i in range(max(0, len(self.tail) - n + 1),
                                                     len(seq) - n + 1)}
        if grams & self.said and not commit:
            return False
        if commit:
            self.said |= grams
            self.tail = seq[-(n - 1):] if n > 1 else []
        return True

    def sentences(self, budget, cap):
        """Sentences totalling exactly `budget` words, none longer than `cap`."""
        out, remaining = [], budget
        while remaining > 0:
            if remaining <= 3:
                out.append(self._fill(self.rng.choice(TINY[remaining])))
                self._fresh(out[-1], commit=True)
                break
            pick = None
            for _ in range(40):
                candidate = self.sentence()
                n = word_count(candidate)
                # Take an exact fit, or one that leaves room for at least a short sentence.
                if (n == remaining or (n <= cap and n <= remaining - 4)) and \
                        self._fresh(candidate):
                    pick = candidate
                    break
            out.append(pick or self._fill(self.rng.choice(TINY[3])))
            self._fresh(out[-1], commit=True)
            remaining -= word_count(out[-1])
        return out

    def write(self, sid, target_words):
        marker = f"[simulated story #{sid}]"       # 3 words, part of the budget
        title = self.title()
        budget = target_words - word_count(marker) - word_count(title)
        paragraphs = self.rng.randint(3, 7)
        cap = max(8, min(30, budget // paragraphs))
        sents = self.sentences(budget, cap)
        body = self._layout(sents, paragraphs)
        return f"{marker}\n\n{title}\n\n{body}"

    def _layout(self, sents, paragraphs):
        """sents as about `paragraphs` paragraphs, at roughly even, jittered
        positions, at least one sentence each."""
        paragraphs = min(paragraphs, len(sents))
        weights = [self.rng.uniform(0.6, 1.4) for _ in range(paragraphs)]
        cuts, acc = [0], 0.0
        for weight in weights[:-1]:
            acc += weight
            wanted = round(len(sents) * acc / sum(weights))
            cuts.append(max(cuts[-1] + 1, min(wanted, len(sents) - (paragraphs - len(cuts)))))
        cuts.append(len(sents))
        return "\n\n".join(" ".join(sents[a:b]) for a, b in zip(cuts, cuts[1:]))

    def rewrite(self, sid, target_words, parent, keep):
        """--variant-keep: a variant of the parsed parent story (see parse_story)
        that keeps about a fraction `keep` of its sentences, in order, and its
        title, with fresh sentences in place of the others; exactly
        target_words words.  None when the parent has no sentences."""
        _, title, paragraphs = parent
        sents = [s for para in paragraphs for s in para]
        if not sents:
            return None
        rng = self.rng
        marker = f"[simulated story #{sid}]"
        title = title or self.title()
        budget = target_words - word_count(marker) - word_count(title)
        kept = sorted(rng.sample(range(len(sents)), round(keep * len(sents))))
        # A parent longer than the target loses kept sentences until they fit.
        while kept and sum(word_count(sents[i]) for i in kept) > budget:
            kept.pop(rng.randrange(len(kept)))
        fresh_words = budget - sum(word_count(sents[i]) for i in kept)
        paragraphs = rng.randint(3, 7)
        cap = max(8, min(30, budget // paragraphs))
        fresh = self.sentences(fresh_words, cap) if fresh_words > 0 else []
        # Fresh sentences take the places of the dropped ones, spread evenly.
        dropped = [i for i in range(len(sents)) if i not in set(kept)]
        slots = {}
        if dropped:
            for j, i in enumerate(dropped):
                slots[i] = fresh[j * len(fresh) // len(dropped):
                                 (j + 1) * len(fresh) // len(dropped)]
        out = []
        for i, sentence in enumerate(sents):
            out.extend([sentence] if i not in slots else slots[i])
        if not dropped:
            out.extend(fresh)
        return f"{marker}\n\n{title}\n\n{self._layout(out, paragraphs)}"

    def expand(self, part, target_words):
        """An expansion of the part (text, parsed by parse_story) to target_words
        words: its marker and title lines kept, its sentences kept in order,
        fresh sentences inserted between them and none after the last."""
        marker, title, paragraphs = parse_story(part, title_needs_marker=True)
        head = [line for line in (marker, title) if line]
        sents = [(p, s) for p, para in enumerate(paragraphs) for s in para]
        have = sum(word_count(x) for x in head) + sum(word_count(s) for _, s in sents)
        need = target_words - have
        if not sents:
            if head or need <= 0:       # nothing to insert between
                return "\n\n".join(head)
            return self.continuation(target_words)
        if need <= 0:
            return join_story(marker, title, paragraphs)
        gaps = max(1, len(sents) - 1)
        fresh = self.sentences(need, max(8, min(30, need // gaps)))
        chunks = [fresh[j * len(fresh) // gaps:(j + 1) * len(fresh) // gaps]
                  for j in range(gaps)]
        grown = [[] for _ in paragraphs]
        for i, (p, sentence) in enumerate(sents):
            if len(sents) == 1:             # one sentence: insert before it
                grown[p].extend(chunks[0] + [sentence])
            else:
                grown[p].append(sentence)
                if i < len(sents) - 1:
                    grown[p].extend(chunks[i])
        # Paragraphs that grew long are split at sentence ends.
        split = []
        for para in grown:
            limit, current, words = self.rng.randint(70, 120), [], 0
            for sentence in para:
                current.append(sentence)
                words += word_count(sentence)
                if words >= limit:
                    split.append(current)
                    limit, current, words = self.rng.randint(70, 120), [], 0
            if current:
                split.append(current)
        return join_story(marker, title, split)

    def continuation(self, target_words):
        """Fresh sentences, target_words words in all, with no marker or title."""
        sents = self.sentences(target_words, max(8, min(30, target_words // 3)))
        return self._layout(sents, self.rng.randint(1, max(1, min(7, target_words // 60))))


# --------------------------------------------------------------------------
# Reading story text back: the parent a variant request quotes, the part an
# expand request quotes, and the sentence ends of a reply (for the caps and
# the text faults).
# --------------------------------------------------------------------------
# A fence as the client writes it: "<<<NAME TAG>>>", the text, "<<<END NAME TAG>>>".
FENCE_RE = re.compile(r"^<<<(?!END )([^\n]*?)>>>[ \t]*\n(.*?)\n<<<END \1>>>[ \t]*$",
                      re.MULTILINE | re.DOTALL)
TERMINAL_RE = re.compile(r"[.!?][\"\u201d\u2019')\]]*$")


def fenced_blocks(text):
    """The texts between fence lines in text, in order."""
    return [match.group(2) for match in FENCE_RE.finditer(text)]


def sentence_ends(words):
    """Indices of the words of a paragraph (or text) that end a sentence: terminal
    punctuation outside quotes, and a capital, an opening quote or nothing next
    (but not a speaker: '"Are you sure?" Ada said' is one sentence)."""
    ends, quotes = [], 0
    for i, word in enumerate(words):
        quotes += word.count('"')
        nxt = words[i + 1] if i + 1 < len(words) else ""
        after = words[i + 2].strip(",.") if i + 2 < len(words) else ""
        if TERMINAL_RE.search(word) and quotes % 2 == 0 and \
                (not nxt or nxt[0].isupper() or nxt[0] in '"\u201c') and \
                not (word.endswith('"') and after in ("said", "asked")):
            ends.append(i)
    return ends


def split_sentences(paragraph):
    words = paragraph.split()
    out, start = [], 0
    for end in sentence_ends(words):
        out.append(" ".join(words[start:end + 1]))
        start = end + 1
    if start < len(words):
        out.append(" ".join(words[start:]))
    return out


def is_title(line):
    line = line.strip()
    return bool(line) and word_count(line) <= 12 and not TERMINAL_RE.search(line)


def parse_story(text, title_needs_marker=True):
    """(marker line or None, title line or None, paragraphs as lists of
    sentences) of a story's text.  Anything before the marker line is
    ignored; the title is the first line after the marker when it looks like
    one (short, no terminal punctuation)."""
    lines = text.replace("\r\n", "\n").split("\n")
    marker = None
    for i, line in enumerate(lines):
        if MARKER_RE.search(line):
            marker, lines = line.strip(), lines[i + 1:]
            break
    title = None
    if marker is not None or not title_needs_marker:
        first = next((i for i, line in enumerate(lines) if line.strip()), None)
        if first is not None and is_title(lines[first]):
            title, lines = lines[first].strip(), lines[first + 1:]
    paragraphs = [split_sentences(para) for para in re.split(r"\n[ \t]*\n", "\n".join(lines))]
    return marker, title, [para for para in paragraphs if para]


def join_story(marker, title, paragraphs):
    parts = [line for line in (marker, title) if line]
    parts += [" ".join(para) for para in paragraphs if para]
    return "\n\n".join(parts)


def parent_text(prompt, parent):
    """The parent story a variant request quotes between fence lines: the
    first fenced block holding the parent's marker, or None."""
    for block in fenced_blocks(prompt):
        if parent in distinct_markers(block):
            return block
    return None


def cap_words(text, cap):
    """text cut to at most cap words at the last sentence end that fits (at cap
    words with a full stop added when no sentence ends in time)."""
    spans = list(re.finditer(r"\S+", text))
    if len(spans) <= cap:
        return text
    ends = [i for i in sentence_ends([m.group() for m in spans]) if i < cap]
    if ends:
        return text[:spans[ends[-1]].end()]
    return text[:spans[cap - 1].end()].rstrip(",;:-") + "."


# --------------------------------------------------------------------------
# Self-Lengthen replies and the text faults a client's filters must catch.
# --------------------------------------------------------------------------
META_OPENINGS = ["Here is the revised version of the story:", "Here is the story:",
                 "Sure! Here is the expanded opening:", "Here's the continuation of the story:"]
META_CLOSINGS = ["(Word count: {n})", "Word count: {n}", "[Word count: {n}]"]
REPEAT_MIN_WORDS = 12


def add_meta(text, rng):
    """"meta": a line of talk about the text before or after it."""
    if rng.random() < 0.5:
        return rng.choice(META_OPENINGS) + "\n\n" + text
    return text + "\n\n" + rng.choice(META_CLOSINGS).format(n=word_count(text))


def add_repeat(text, rng, cap=None):
    """"repeat": a run of whole sentences, at least REPEAT_MIN_WORDS words, said
    twice in a row, and the text then cut to cap words at a sentence end; a
    cap too small to hold the run twice does not apply."""
    marker, title, paragraphs = parse_story(text)
    head = sum(word_count(x) for x in (marker, title) if x)
    flat = [(p, sentence) for p, para in enumerate(paragraphs) for sentence in para]
    counts = [word_count(sentence) for _, sentence in flat]
    if not flat:
        return text
    if sum(counts) < REPEAT_MIN_WORDS:       # a tiny text: say all of it again and again
        body = " ".join(sentence for _, sentence in flat)
        return join_story(marker, title, [[body] * (2 * -(-REPEAT_MIN_WORDS // sum(counts)))])
    runs = []
    for start in range(len(flat)):
        end, words = start, 0
        while end < len(flat) and words < REPEAT_MIN_WORDS:
            words += counts[end]
            end += 1
        if words >= REPEAT_MIN_WORDS:
            runs.append((start, end, head + sum(counts[:end]) + words))
    fits = [r for r in runs if cap is None or r[2] <= cap]
    start, end, _ = rng.choice(fits or runs)
    grown = [[] for _ in paragraphs]
    for i, (p, sentence) in enumerate(flat):
        grown[p].append(sentence)
        if i == end - 1:
            grown[p].extend(sentence for _, sentence in flat[start:end])
    text = join_story(marker, title, grown)
    return cap_words(text, cap) if cap is not None and fits else text


def cut_last_sentence(text, rng):
    """"noend": the last sentence (of four words or more) cut off in its
    middle; the text ends on a letter or digit."""
    spans = list(re.finditer(r"\S+", text))
    words = [m.group() for m in spans]
    bounds, start = [], 0
    for end in sentence_ends(words):
        bounds.append((start, end))
        start = end + 1
    if start < len(words):
        bounds.append((start, len(words) - 1))
    for a, b in reversed(bounds):
        if b - a + 1 >= 4:
            keep = rng.randint(2, b - a - 1)
            text = text[:spans[a + keep - 1].end()]
            break
    return re.sub(r"[\W_]+$", "", text)


def text_fault(text, fault, rng, cap):
    """text with the text fault (meta, repeat, noend) applied, if any."""
    if fault == "repeat":
        return add_repeat(text, rng, cap)
    if fault == "noend":
        return cut_last_sentence(text, rng)
    if fault == "meta":
        return add_meta(text, rng)
    return text


def extension_text(args, kind, prompt, rng, fault):
    """The reply to an expand or continue request (see the module notes)."""
    asked = word_limit(prompt)
    if fault == "short":
        target = max(1, int(asked * rng.uniform(0.1, 0.3)))
    else:
        target = max(1, round(asked * rng.uniform(0.95, 1.05)))
    cap = args.reply_word_cap
    if cap is not None:
        target = min(target, cap)
    seed = rng.getrandbits(64)
    blocks = fenced_blocks(prompt)
    part = blocks[-1] if blocks else ""
    for attempt in range(NO_REPEAT_TRIES if args.no_repeats else 1):
        writer = StoryWriter(random.Random(seed + attempt), prompt, args.no_repeats)
        if kind == "expand":
            text = writer.expand(part, target)
            if fault == "short":
                text = cap_words(text, target)
        else:
            if args.no_repeats:     # it goes on from the end of the text so far
                writer.tail = norm_words(part)[-(args.no_repeats - 1):]
            text = writer.continuation(target)
        if cap is not None:
            text = cap_words(text, cap)
        # --no-repeats: an expansion keeps what its part already repeated;
        # a continuation says nothing of the text it continues again
        if not args.no_repeats or not writer.new_repeat(
                text, repeated_ngrams(part, args.no_repeats) if kind == "expand" else None):
            break
    return text_fault(text, fault, rng, cap)


def insert_middle(text, char):
    """text with char inserted at a word boundary near its middle."""
    i = text.find(" ", len(text) // 2)
    i = len(text) // 2 if i < 0 else i
    return text[:i] + char + text[i:]


def big_text(text):
    """"bigbody": the story with its body said again and again, BIG_BODY_BYTES in all."""
    _, _, paragraphs = parse_story(text)
    filler = "\n\n" + ("\n\n".join(" ".join(para) for para in paragraphs)
                        or "For a long while nobody spoke.")
    return text + filler * max(1, -(-(BIG_BODY_BYTES - len(text)) // len(filler)))


def escape_all(text):
    """text as the inside of a JSON string with every character that is not an
    ASCII letter or digit written as a \\uXXXX escape."""
    out = []
    for c in text:
        if c in ALNUM:
            out.append(c)
        elif ord(c) > 0xFFFF:
            code = ord(c) - 0x10000
            out.append("\\u%04x\\u%04x" % (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF)))
        else:
            out.append("\\u%04x" % ord(c))
    return "".join(out)


def dumps_escaping(obj, secret):
    """json.dumps(obj), except that every occurrence of secret inside a string
    is written with escape_all (--echo-key-escaped)."""
    if not secret:
        return json.dumps(obj)
    escaped = escape_all(secret)

    def enc(o):
        if isinstance(o, str):
            if secret not in o:
                return json.dumps(o)
            return '"' + escaped.join(json.dumps(piece)[1:-1] for piece in o.split(secret)) + '"'
        if isinstance(o, dict):
            return "{" + ", ".join(f"{enc(str(k))}: {enc(v)}" for k, v in o.items()) + "}"
        if isinstance(o, (list, tuple)):
            return "[" + ", ".join(enc(v) for v in o) + "]"
        return json.dumps(o)
    return enc(obj)


def unauthorized_escaped(token):
    """--echo-key-escaped: the 401 of a server that quotes the key it was sent."""
    if token:
        message = (f"Incorrect API key provided: {token}. You can find your API key at "
                   "https://platform.openai.com/account/api-keys.")
    else:
        message = ("You didn't provide an API key. You need to provide your API key in an "
                   "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")
    body = api_error(message, "invalid_request_error", None, "invalid_api_key")
    return 401, [], "application/json", dumps_escaping(body, token).encode()


def judge_text(rng, winner, decide=True):
    """Judge reasoning followed by a verdict in one of four shapes (or none)."""
    if not decide:
        return " ".join(rng.sample(UNDECIDED, rng.randint(2, 4)))
    loser = "B" if winner == "A" else "A"
    parts = [rng.choice(PRAISE).format(w=winner), rng.choice(CRITIQUE).format(l=loser)]
    rng.shuffle(parts)
    extra = rng.randint(0, 2)
    if extra >= 1:
        parts.insert(0, rng.choice(NEUTRAL))
    if extra == 2:
        parts.append(rng.choice(CLOSING).format(w=winner))
    prose = " ".join(parts)
    shape = rng.randrange(4)
    if shape == 0:
        return f'{prose}\n\n{{"winner": "{winner}"}}'
    if shape == 1:
        block = json.dumps({"reason": rng.choice(REASONS).format(w=winner), "winner": winner})
        return f"{prose}\n\n```json\n{block}\n```"
    if shape == 2:
        return f"{prose}\n\nWINNER: {winner}"
    return f"{prose}\n\n**Winner:** {winner}"


def completion(rng, shape, model, content, finish, prompt_tokens, completion_tokens):
    """A chat.completion object in one of the shapes real servers produce."""
    created = int(time.time())
    usage = {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
             "total_tokens": prompt_tokens + completion_tokens}
    if shape == "openai":
        return {"id": "chatcmpl-" + rand_token(rng, 29), "object": "chat.completion",
                "created": created, "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content,
                                                     "refusal": None, "annotations": []},
                             "logprobs": None, "finish_reason": finish}],
                "usage": dict(usage, prompt_tokens_details={"cached_tokens": 0},
                              completion_tokens_details={"reasoning_tokens": 0}),
                "service_tier": "default", "system_fingerprint": None}
    if shape == "vllm":
        return {"id": "chatcmpl-" + "".join(rng.choice("0123456789abcdef") for _ in range(32)),
                "object": "chat.completion", "created": created, "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "reasoning_content": None,
                                                     "content": content, "tool_calls": []},
                             "logprobs": None, "finish_reason": finish, "stop_reason": None}],
                "usage": dict(usage, prompt_tokens_details=None),
                "prompt_logprobs": None, "kv_transfer_params": None}
    if shape == "llamacpp":
        prompt_ms = prompt_tokens * rng.uniform(0.2, 0.6)
        predicted_ms = completion_tokens * rng.uniform(15, 40)
        return {"choices": [{"finish_reason": finish, "index": 0,
                             "message": {"role": "assistant", "content": content}}],
                "created": created, "model": model, "system_fingerprint": "b5000-sim",
                "object": "chat.completion", "usage": usage,
                "id": "chatcmpl-" + rand_token(rng, 32),
                "timings": {"prompt_n": prompt_tokens, "prompt_ms": round(prompt_ms, 3),
                            "prompt_per_token_ms": round(prompt_ms / prompt_tokens, 3),
                            "prompt_per_second": round(1000 * prompt_tokens / prompt_ms, 3),
                            "predicted_n": completion_tokens,
                            "predicted_ms": round(predicted_ms, 3),
                            "predicted_per_token_ms": round(predicted_ms / completion_tokens, 3),
                            "predicted_per_second": round(1000 * completion_tokens / predicted_ms, 3)}}
    return {"id": "chatcmpl-" + rand_token(rng, 24), "object": "chat.completion",
            "created": created, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "finish_reason": finish}]}


# --------------------------------------------------------------------------
# Log probabilities.  Tokens come from a GPT-2-style pre-tokeniser (words,
# numbers and punctuation runs, each with at most one leading space), which is
# close enough to real BPE output for a client that reads the verdict token.
# Ordinary tokens get plausible made-up numbers; only the verdict token's
# alternatives carry information (the judge's reported probability q).
# --------------------------------------------------------------------------
TOKEN_RE = re.compile(r" ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+")
# Alternatives offered next to an ordinary token.
ALT_TOKENS = [" the", ",", ".", " and", " a", " of", " to", " is", " in", " that", " it",
              " Story", " story", " more", " but", " with", "\n\n", " as", " its", " The",
              " was", " for", " on", " this", " has", " I", " not", " which", ":", " (",
              "\n", " an", " by", " at", " one", " both", " less", " most", " than", "'s"]
# Low-probability alternatives at the verdict token; none of them is A or B.
VERDICT_JUNK = ["Neither", " Neither", "Both", " Both", "C", " C", "Tie", " tie", "\n",
                "None", " none", "Story", " Story", "a", " a", "b", " b", "It", " The", "?"]


def tokenize(text):
    """Split text into BPE-like tokens whose concatenation is exactly text."""
    tokens = TOKEN_RE.findall(text)
    if "".join(tokens) != text:        # cannot happen: the pattern covers every character
        raise AssertionError("tokenize lost characters")
    return tokens


def log_sigmoid(z):
    """log(1 / (1 + exp(-z))) without overflow or log(0)."""
    return -math.log1p(math.exp(-z)) if z >= 0 else z - math.log1p(math.exp(z))


def logprob_entry(token, logprob, with_bytes):
    return {"token": token, "logprob": max(LOGPROB_FLOOR, logprob),
            "bytes": list(token.encode("utf-8")) if with_bytes else None}


def ordinary_logprobs(rng, token, top_n, with_bytes):
    """A token that carries no verdict: fairly likely, with a few alternatives."""
    chosen = -rng.uniform(0.1, 2.0)
    alternatives = [(token, chosen)]
    if top_n > 1:
        spelling = token[1:] if token.startswith(" ") else " " + token.strip()
        pool = [t for t in dict.fromkeys([spelling] + ALT_TOKENS) if t != token]
        rest = 1.0 - math.exp(chosen)        # mass left for the alternatives
        for alt in rng.sample(pool, min(top_n - 1, len(pool))):
            share = rest * rng.uniform(0.2, 0.6)
            rest -= share
            alternatives.append((alt, math.log(share)))
    alternatives.sort(key=lambda item: -item[1])
    entry = logprob_entry(token, chosen, with_bytes)
    entry["top_logprobs"] = [logprob_entry(t, lp, with_bytes) for t, lp in alternatives[:top_n]]
    return entry


def verdict_logprobs(rng, token, q_logit, top_n, with_bytes):
    """The verdict token: "A" and "B" at q and 1-q, ~1% left for junk alternatives.

    token is the letter actually written (drawn from the true p, so it need not be
    the most likely alternative), possibly with a leading space (" A" after
    "WINNER:").  In ~30% of replies the other spelling (" A" for "A" and vice
    versa) also appears and takes a share of both letters' mass, as it does on
    real servers; the sum over both spellings of a letter is still q or 1-q.
    """
    prefix = " " if token.startswith(" ") else ""
    junk = rng.uniform(0.005, 0.015)
    keep = math.log1p(-junk)
    spellings = [(prefix, 0.0)]
    if rng.random() < 0.3:
        share = rng.uniform(0.55, 0.95)      # the spelling in the content keeps the most
        spellings = [(prefix, math.log(share)), (" " if not prefix else "", math.log1p(-share))]
    alternatives = []
    for spelling, log_share in spellings:
        alternatives.append((spelling + "A", keep + log_share + log_sigmoid(q_logit)))
        alternatives.append((spelling + "B", keep + log_share + log_sigmoid(-q_logit)))
    # Junk fills the list up to top_n (at least one), in ever smaller shares of ~1%.
    for alt in rng.sample(VERDICT_JUNK, min(len(VERDICT_JUNK),
                                            max(1, top_n - len(alternatives)))):
        share = junk * rng.uniform(0.4, 0.7)
        junk -= share
        alternatives.append((alt, math.log(share)))
    alternatives.sort(key=lambda item: -item[1])
    entry = logprob_entry(token, dict(alternatives)[token], with_bytes)
    entry["top_logprobs"] = [logprob_entry(t, lp, with_bytes) for t, lp in alternatives[:top_n]]
    return entry


def content_logprobs(rng, content, top_n, q_logit, with_bytes):
    """choices[0].logprobs for content; q_logit is None when there is no verdict."""
    tokens = tokenize(content)
    verdict = None
    if q_logit is not None:
        letters = [i for i, t in enumerate(tokens) if t.strip() in ("A", "B")]
        verdict = letters[-1] if letters else None
    return {"content": [verdict_logprobs(rng, t, q_logit, top_n, with_bytes) if i == verdict
                        else ordinary_logprobs(rng, t, top_n, with_bytes)
                        for i, t in enumerate(tokens)],
            "refusal": None}


def api_error(message, etype, param=None, code=None):
    return {"error": {"message": message, "type": etype, "param": param, "code": code}}


def error_reply(status, model, rng, retry_after=None):
    """(status, headers, content type, body bytes) for an HTTP error status.

    retry_after (--retry-after): the Retry-After value every 429 carries; None
    sends "Retry-After: 1" or "retry-after-ms: 300" at random, as before."""
    headers = []
    if status == 429:
        wait = "1s"
        if retry_after is None:
            headers = [("Retry-After", "1")] if rng.random() < 0.5 else [("retry-after-ms", "300")]
        else:
            headers = [("Retry-After", retry_after)]
            wait = f"{retry_after}s" if re.fullmatch(r"\d+(\.\d+)?", retry_after) else "a while"
        body = api_error(f"Rate limit reached for {model} on requests per min (RPM): "
                         f"Limit 60, Used 60, Requested 1. Please try again in {wait}.",
                         "rate_limit_exceeded", None, "rate_limit_exceeded")
    elif status == 500:
        body = api_error("Internal server error", "server_error", None, 500)
    elif status == 503:
        body = {"error": {"code": 503, "message": "Loading model", "type": "unavailable_error"}}
    elif status == 401:   # fixed literal: never echo any part of the real key
        body = api_error("Incorrect API key provided: sk-...", "invalid_request_error",
                         None, "invalid_api_key")
    elif status == 404:
        body = api_error(f"The model `{model}` does not exist.", "NotFoundError", None, 404)
    elif status == 400:
        body = api_error("Invalid request.", "invalid_request_error", None, None)
    else:
        etype = "invalid_request_error" if status < 500 else "server_error"
        body = api_error(f"HTTP {status} from the simulated endpoint", etype, None, status)
    return status, headers, "application/json", json.dumps(body).encode()


def model_not_found(model):
    """(status, headers, content type, body bytes) of OpenAI's unknown-model 404."""
    body = api_error(f"The model `{model}` does not exist or you do not have access to it.",
                     "invalid_request_error", None, "model_not_found")
    return 404, [], "application/json", json.dumps(body).encode()


def unknown_path(path):
    """(status, headers, content type, body bytes) of a 404 for a path nothing serves."""
    body = api_error(f"Unknown path {path}", "invalid_request_error", None, "not_found")
    return 404, [], "application/json", json.dumps(body).encode()


HTML_PAGE = (b"<!DOCTYPE html>\n<html><head><title>Welcome</title></head>\n"
             b"<body><h1>It works!</h1><p>This is the default web page of this server. "
             b"There is no API here.</p></body></html>\n")


def echo_auth(payload, auth, secret=""):
    """--echo-auth: a careless proxy that quotes the request's Authorization
    header in every error message, at the start of every completion's text and
    at the end of an HTML page.  Bodies that are not JSON or HTML (garbage, a
    truncated reply) are left as they are.  secret (--echo-key-escaped): the
    bearer token, written escaped character by character wherever it appears."""
    text = f"[request had Authorization: {auth}]"
    if payload.lstrip().startswith(b"<"):
        if secret:
            text = text.replace(secret, escape_all(secret))
        return payload + text.encode("utf-8", "replace")
    try:
        doc = json.loads(payload)
    except ValueError:
        return payload
    if not isinstance(doc, dict):
        return payload
    err = doc.get("error")
    if isinstance(err, dict) and isinstance(err.get("message"), str):
        err["message"] += " " + text
    for choice in doc.get("choices") or []:
        msg = choice.get("message") if isinstance(choice, dict) else None
        if isinstance(msg, dict) and isinstance(msg.get("content"), str):
            msg["content"] = text + "\n" + msg["content"]
    return dumps_escaping(doc, secret).encode()


def logprobs_refusal(mode):
    """(status, headers, content type, body bytes) of a server that rejects logprobs."""
    if mode == "forbid":
        status, message = 403, "You are not allowed to request logprobs from this model"
    else:
        status, message = 400, "logprobs are not supported with this model"
    body = api_error(message, "invalid_request_error", "logprobs", "unsupported_parameter")
    return status, [], "application/json", json.dumps(body).encode()


def garbage_bytes(rng):
    """An HTTP 200 body that is certainly not JSON."""
    choice = rng.randrange(3)
    if choice == 0:
        data = b"\xff\xfe" + bytes(rng.getrandbits(8) for _ in range(rng.randint(16, 200)))
    elif choice == 1:
        data = b'data: {"choices": [{"delta": {"content": "Once upon'
    else:
        data = ("upstream error 0x" + rand_token(rng, rng.randint(8, 60))).encode()
    try:
        json.loads(data)
        return b"}" + data
    except ValueError:
        return data


# --------------------------------------------------------------------------
# Shared server state.  Every field below is guarded by self.lock; the log
# file by self.log_lock.  Slow work (writing stories) happens outside locks.
# --------------------------------------------------------------------------
class SimState:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.rng = random.Random(args.seed)
        self.next_id = 1
        self.stories = {}
        self.requests = 0
        self.by_kind = dict.fromkeys(KINDS, 0)
        self.faults = dict.fromkeys(ALL_FAULT_KINDS, 0)
        self.in_flight = 0
        self.peak_in_flight = 0
        self.logprob_replies = 0
        self.logprob_refusals = 0
        self.tokens = {"prompt": 0, "completion": 0}     # --count-tokens
        self.log_lock = threading.Lock()
        self.log_file = open(args.log, "a", encoding="utf-8") if args.log else None

    def begin(self):
        with self.lock:
            self.requests += 1
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def end(self):
        with self.lock:
            self.in_flight -= 1

    def count_tokens(self, prompt, completion):
        with self.lock:
            self.tokens["prompt"] += prompt
            self.tokens["completion"] += completion

    def count_kind(self, kind):
        with self.lock:
            self.by_kind[kind] += 1

    def count_logprobs(self, refused):
        with self.lock:
            if refused:
                self.logprob_refusals += 1
            else:
                self.logprob_replies += 1

    def fork_rng(self):
        """A private Random for one reply, seeded from the server RNG."""
        with self.lock:
            return random.Random(self.rng.getrandbits(64))

    def request_rng(self, raw):
        """The Random a reply is drawn from: with --pure, a function of
        --seed and the request's bytes alone, so that the same request gets
        the same answer whenever it arrives; else forked from the server's."""
        if self.args.pure:
            digest = hashlib.sha256(b"%d\0" % self.args.seed + raw).digest()
            return random.Random(int.from_bytes(digest[:16], "big"))
        return self.fork_rng()

    def draw_fault(self, kind):
        args = self.args
        with self.lock:
            if args.fault_rate <= 0 or self.rng.random() >= args.fault_rate:
                return None
            usable = [f for f in args.faults if kind in FAULT_ONLY_FOR.get(f, KINDS)]
            if not usable:
                return None
            fault = self.rng.choice(usable)
            self.faults[fault] += 1
            return fault

    def draw_latency(self):
        low, high = self.args.latency
        with self.lock:
            return self.rng.uniform(low, high) if high > low else low

    def _quality(self, sid):
        """Hidden quality of a story (caller holds the lock)."""
        if sid in self.stories:
            return self.stories[sid]["quality"]
        # Unknown id (e.g. written before a restart): deterministic from the id.
        return random.Random(f"simendpoint-story-{sid}").gauss(0.0, self.args.quality_sd)

    def _base_quality(self, sid):
        """Quality of a story before its temperature penalty (caller holds the lock)."""
        if sid in self.stories:
            return self.stories[sid]["base"]
        return self._quality(sid)

    def temperature_penalty(self, temperature):
        """What writing at this request temperature takes off a story's quality."""
        best = self.args.best_temperature
        if best is None:
            return 0.0
        return self.args.temperature_penalty * (temperature - best) ** 2

    def new_story(self, parent, prompt, overlong=False, register=True, rng=None,
                  temperature=1.0, transform=None):
        """rng: the request's (--pure), else the server's draws the story.

        temperature: the request's, which may cost quality (--best-temperature);
        transform: a function applied to the text before it is registered (a
        text fault)."""
        args = self.args
        with self.lock:
            r = rng if args.pure else self.rng
            if args.pure:
                sid = 1000 + r.getrandbits(40)
            else:
                sid = self.next_id
                self.next_id += 1
            seed = r.getrandbits(64)
            frac = r.uniform(1.55, 1.65) if overlong else r.uniform(0.55, 0.95)
            # A variant inherits its parent's quality before the parent's own
            # temperature penalty: the penalty belongs to one writing, not a lineage.
            if parent is None:
                base = r.gauss(0.0, args.quality_sd)
            else:
                base = self._base_quality(parent) + r.gauss(args.variant_gain, args.variant_sd)
        quality = base - self.temperature_penalty(temperature)
        target = max(40, round(frac * word_limit(prompt)))
        if args.reply_word_cap is not None:
            target = min(target, args.reply_word_cap)
        for attempt in range(NO_REPEAT_TRIES if args.no_repeats else 1):
            text = None
            writer = StoryWriter(random.Random(seed + attempt), prompt, args.no_repeats)
            quoted = parent_text(prompt, parent) \
                if parent is not None and args.variant_keep > 0 else None
            if quoted is not None:
                text = writer.rewrite(sid, target, parse_story(quoted), args.variant_keep)
            if text is None:
                text = writer.write(sid, target)
            # --no-repeats: a variant may keep what its parent repeated
            if not args.no_repeats or not writer.new_repeat(
                    text, repeated_ngrams(quoted or "", args.no_repeats), against_quoted=False):
                break
        if transform is not None:
            text = transform(text)
        if register:
            with self.lock:
                self.stories[sid] = {"quality": quality, "base": base, "parent": parent,
                                     "words": word_count(text), "temperature": temperature}
        return text

    def judge_logit(self, a, b):
        """logit of the judge's true probability that A (shown first) beats B."""
        args = self.args
        with self.lock:
            x = (self._quality(a) - self._quality(b)) / args.judge_noise + args.position_bias
        return max(-60.0, min(60.0, x))

    def judge(self, logit, rng=None):
        """Draw the winner, "A" or "B", with P(A) = sigmoid(logit); rng: the
        request's (--pure), else the server's."""
        p_a = 1.0 / (1.0 + math.exp(-logit))
        with self.lock:
            return "A" if (rng if self.args.pure else self.rng).random() < p_a else "B"

    def stats(self):
        with self.lock:
            return {"requests": self.requests, "by_kind": dict(self.by_kind),
                    "faults": dict(self.faults), "peak_in_flight": self.peak_in_flight,
                    "in_flight": self.in_flight, "stories": len(self.stories),
                    "logprob_replies": self.logprob_replies,
                    "logprob_refusals": self.logprob_refusals,
                    **({"tokens": dict(self.tokens)} if self.args.count_tokens else {})}

    def truth(self):
        with self.lock:
            return {"stories": {str(sid): {"quality": s["quality"],
                                           "parent": None if s["parent"] is None else str(s["parent"]),
                                           "words": s["words"], "temperature": s["temperature"]}
                                for sid, s in sorted(self.stories.items())}}

    def log(self, record):
        if self.log_file is None:
            return
        line = json.dumps(record) + "\n"
        with self.log_lock:
            self.log_file.write(line)
            self.log_file.flush()

    def close(self):
        with self.log_lock:
            if self.log_file is not None:
                self.log_file.close()
                self.log_file = None


class BodyError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class SimHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"    # keep-alive; every reply carries Content-Length
    server_version = "simendpoint/1.0"
    timeout = 300                    # idle keep-alive connections are closed after this
    disable_nagle_algorithm = True   # headers and body are two writes; avoid 40 ms stalls

    def log_message(self, format, *args):   # quiet: tests read stdout for "port N"
        pass

    def version_string(self):
        return self.server_version

    def handle(self):
        try:
            super().handle()
        except (ConnectionError, TimeoutError):
            self.close_connection = True    # the client went away; nothing to report

    # ---- plumbing ---------------------------------------------------------
    def _read_body(self):
        """Read the request body (Content-Length or chunked) so keep-alive stays in sync."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks, total = [], 0
            while True:
                size = int(self.rfile.readline(1024).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024).strip():   # trailers
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY_BYTES:
                    raise BodyError(413, "Request body too large.")
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        try:
            n = int(length)
        except ValueError:
            raise BodyError(400, "Invalid Content-Length header.") from None
        if n < 0 or n > MAX_BODY_BYTES:
            raise BodyError(413 if n > 0 else 400, "Invalid or too large request body.")
        data = self.rfile.read(n)
        if len(data) != n:
            raise ConnectionResetError("client closed the connection mid-body")
        return data

    def _send(self, status, body, ctype="application/json", headers=(), length=None):
        """length: the Content-Length to claim, if not the body's."""
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for name, value in headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        elif self.request_version == "HTTP/1.0":
            self.send_header("Connection", "keep-alive")
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, status, obj, headers=()):
        self._send(status, json.dumps(obj).encode(), "application/json", headers)

    def _not_found(self):
        try:
            self._read_body()
        except (BodyError, ValueError):
            self.close_connection = True
        status, headers, ctype, payload = unknown_path(urlsplit(self.path).path)
        self._send(status, payload, ctype, headers)

    # ---- routes -----------------------------------------------------------
    def do_GET(self):
        path = urlsplit(self.path).path
        state = self.server.state
        models, prefix = state.args.models, state.args.require_prefix
        if path.endswith("/models") and (prefix is None or path == prefix + "/models"):
            names = models or ["sim-writer"]
            self._send_json(200, {"object": "list", "data": [
                {"id": name, "object": "model", "created": 0, "owned_by": "sim"}
                for name in names]})
        elif models and "/models/" in path and \
                (prefix is None or path.startswith(prefix + "/models/")):
            name = unquote(path[path.index("/models/") + len("/models/"):])
            if name in models:
                self._send_json(200, {"id": name, "object": "model", "created": 0,
                                      "owned_by": "sim"})
            else:
                status, headers, ctype, payload = model_not_found(name)
                self._send(status, payload, ctype, headers)
        elif path == "/sim/stats":
            self._send_json(200, state.stats())
        elif path == "/sim/truth":
            self._send_json(200, state.truth())
        else:
            self._not_found()

    def do_POST(self):
        if urlsplit(self.path).path.endswith("/chat/completions"):
            self._chat()
        else:
            self._not_found()

    do_PUT = do_PATCH = do_DELETE = _not_found

    # ---- chat completions --------------------------------------------------
    def _chat(self):
        state = self.server.state
        auth = self.headers.get("Authorization", "")
        record = {"t": time.time(), "path": self.path, "body": None, "raw_ok": False,
                  "auth": auth.startswith("Bearer ") and bool(auth[7:].strip()),
                  "fault": None, "kind": "unknown", "status": None}
        if state.args.log_headers:     # names only: a value may be a secret
            record["headers"] = sorted({k.lower() for k in self.headers.keys()})
        state.begin()
        logged = False
        try:
            try:
                raw = self._read_body()
            except (BodyError, ValueError) as err:
                status = err.status if isinstance(err, BodyError) else 400
                record["status"] = status
                self.close_connection = True
                state.count_kind("unknown")
                state.log(record)
                logged = True
                self._send_json(status, api_error(str(err) or "Malformed chunked body.",
                                                  "invalid_request_error"))
                return
            reply = self._decide(state, raw, record)
            state.log(record)
            logged = True
            reply()
        finally:
            state.end()
            if not logged:
                state.log(record)

    def _decide(self, state, raw, record):
        """Choose the answer and return a closure that sleeps and sends it."""
        args = state.args
        try:
            body = json.loads(raw)
            record["raw_ok"] = True
        except ValueError:
            body = None
        record["body"] = body
        problem = validate(body) if record["raw_ok"] else (
            "We could not parse the JSON body of your request.", None)
        kind, ids, first = classify(body["messages"]) if problem is None else ("unknown", [], "")
        if problem is None and is_probe(body):
            kind = "probe"
        record["kind"] = kind
        state.count_kind(kind)
        model = body["model"] if isinstance(body, dict) and isinstance(body.get("model"), str) \
            else "unknown"
        rng = state.request_rng(raw)
        delay = state.draw_latency()
        record["delay"] = delay
        # The judge's true P(A wins) is fixed by the hidden qualities, so it is known
        # (and logged) now; the winner itself is drawn when the reply is built.
        logit = state.judge_logit(ids[0], ids[1]) if kind in ("judge", "reask") else None
        if logit is not None:
            record["p_a"] = 1.0 / (1.0 + math.exp(-logit))
        wants_logprobs = problem is None and body.get("logprobs") is True

        error = None
        if args.require_prefix is not None and \
                urlsplit(self.path).path != args.require_prefix + "/chat/completions":
            error = unknown_path(urlsplit(self.path).path)
        if error is None and args.html_all:
            error = (200, [], "text/html", HTML_PAGE)
        if error is None and args.require_key:
            expected = f"Bearer {args.require_key}"
            given = self.headers.get("Authorization", "")
            if not hmac.compare_digest(given.encode(), expected.encode()):
                error = unauthorized_escaped(self._bearer_token()) if args.echo_key_escaped \
                    else error_reply(401, model, rng)
        if error is None and args.status_all:
            error = error_reply(args.status_all, model, rng, args.retry_after)
        if error is None and problem is not None:
            message, param = problem
            error = (400, [], "application/json",
                     json.dumps(api_error(message, "invalid_request_error", param)).encode())
        if error is None and args.models and model not in args.models:
            error = model_not_found(model)
        if error is None and wants_logprobs and args.logprobs in ("refuse", "forbid"):
            error = logprobs_refusal(args.logprobs)
            state.count_logprobs(refused=True)
        fault = None if error is not None else state.draw_fault(kind)
        record["fault"] = fault
        if fault == "slow":
            delay = max(delay, args.slow_seconds)

        if error is not None:
            reply = error
        elif fault in ("429", "500", "503"):
            reply = error_reply(int(fault), model, rng, args.retry_after)
        elif fault == "502html":
            reply = (502, [], "text/html",
                     b"<html><body><h1>502 Bad Gateway</h1></body></html>")
        elif fault == "drop":
            reply = None
        elif fault == "garbage":
            reply = (200, [], "application/json", garbage_bytes(rng))
        else:
            reply = "generate"       # needs the story/judge text, built after the sleep
        record["status"] = None if reply is None else 200 if reply == "generate" else reply[0]

        def send():
            if delay > 0:
                time.sleep(delay)
            if reply is None:        # "drop": vanish without a byte of response
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            if reply == "generate":
                status, headers, ctype, payload = 200, [], "application/json", \
                    self._generate(state, rng, body, kind, ids, first, fault, logit)
            else:
                status, headers, ctype, payload = reply
            if args.echo_auth:
                payload = echo_auth(payload, self.headers.get("Authorization", ""),
                                    self._bearer_token() if args.echo_key_escaped else "")
            if fault == "hugelength":    # claim a huge body, send a short one, hang up
                self._send(status, payload, ctype, headers, length=HUGE_LENGTH)
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            self._send(status, payload, ctype, headers)
        return send

    def _bearer_token(self):
        """The token of the request's Authorization header (all of it if it is
        not "Bearer ..."), or ""."""
        auth = self.headers.get("Authorization", "")
        return auth[7:].strip() if auth[:7].lower() == "bearer " else auth.strip()

    def _generate(self, state, rng, body, kind, ids, first, fault, logit):
        """Body bytes of a 200 reply: a normal completion or a 200-shaped fault.

        logit is that of the judge's true P(A wins) for judge and reask requests.
        """
        model = body["model"]
        prompt_tokens = token_estimate(sum(word_count(m["content"]) for m in body["messages"]))
        if fault == "error200":
            return json.dumps({"error": {"code": 502, "message": "Provider returned error"}}).encode()
        if fault == "empty":
            return json.dumps({"id": "chatcmpl-" + rand_token(rng, 29), "object": "chat.completion",
                               "created": int(time.time()), "model": model, "choices": [],
                               "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": 0,
                                         "total_tokens": prompt_tokens}}).encode()
        if fault == "null":
            limit = body.get("max_tokens") or body.get("max_completion_tokens") or 1024
            return json.dumps(completion(rng, "openai", model, None, "length",
                                         prompt_tokens, limit)).encode()

        args = state.args
        verdict_logit = None     # set when the content holds a verdict drawn from logit
        finish = "stop"
        if kind == "probe":
            content, finish = "OK", "length"
        elif kind in ("story", "variant"):
            temperature = body.get("temperature")
            content = state.new_story(
                ids[0] if kind == "variant" else None, first,
                overlong=fault == "overlong", register=fault not in ("truncated", "hugelength"),
                rng=rng, temperature=1.0 if temperature is None else float(temperature),
                transform=None if fault not in ("meta", "repeat", "noend") else
                lambda text: text_fault(text, fault, rng, args.reply_word_cap))
            if fault in ("nul", "rawnul"):
                content = insert_middle(content, "\x00")
            elif fault == "surrogate":
                content = insert_middle(content, rng.choice(["\ud800", "\udc00"]))
            elif fault == "bigbody":
                content = big_text(content)
        elif kind in ("expand", "continue"):
            content = extension_text(args, kind, first, rng, fault)
        elif kind == "judge":
            decide = fault != "unparseable"
            content = judge_text(rng, state.judge(logit, rng) if decide else "A", decide)
            verdict_logit = logit if decide else None
        else:   # reask: the verdict only
            content = json.dumps({"winner": state.judge(logit, rng)})
            verdict_logit = logit
        secret = self._bearer_token() if args.echo_key_escaped else ""
        if secret and kind != "probe":
            sep = " " if kind == "judge" else "\n" if kind == "reask" else "\n\n"
            content = f"[API key in use: {secret}]{sep}{content}"
        shape = rng.choice(SHAPES)
        if kind == "probe":
            used = min(body.get("max_tokens") or PROBE_MAX_TOKENS,
                       body.get("max_completion_tokens") or PROBE_MAX_TOKENS)
        else:
            used = token_estimate(word_count(content))
        reply = completion(rng, shape, model, content, finish, prompt_tokens, used)
        state.count_tokens(prompt_tokens, used)
        if body.get("logprobs") is True:
            self._attach_logprobs(state, rng, body, reply["choices"][0], shape, kind,
                                  verdict_logit, counted=fault != "truncated")
        data = dumps_escaping(reply, secret).encode()
        if fault == "rawnul":       # the NUL unescaped: a control character inside a string
            data = data.replace(b"\\u0000", b"\x00")
        if fault == "truncated":    # cut in the middle; Content-Length matches the cut
            data = data[:int(len(data) * rng.uniform(0.3, 0.8))]
        return data

    @staticmethod
    def _attach_logprobs(state, rng, body, choice, shape, kind, logit, counted):
        """Fill choice["logprobs"] of a request that asked for them, as --logprobs says.

        Only judge and reask replies get real log probabilities; logit is None when
        the reply has no verdict (the "unparseable" fault).  The reported probability
        is q = sigmoid(gamma * logit(p)); gamma != 1 makes the judge miscalibrated.
        """
        mode = state.args.logprobs
        if mode == "missing":
            choice.pop("logprobs", None)
        elif mode == "ok" and kind in ("judge", "reask"):
            q_logit = None if logit is None else state.args.logprob_gamma * logit
            # The minimal router shape sends "bytes": null, as some proxies do.
            choice["logprobs"] = content_logprobs(rng, choice["message"]["content"],
                                                  body.get("top_logprobs") or 0, q_logit,
                                                  with_bytes=shape != "nousage")
            if counted:
                state.count_logprobs(refused=False)
        else:   # "null", or a story/variant request: accepted, but nothing to report
            choice["logprobs"] = None


class SimServer(ThreadingHTTPServer):
    daemon_threads = True       # handler threads never keep the process alive
    block_on_close = False      # server_close() must not wait for idle keep-alive threads
    request_queue_size = 256    # a small backlog makes loopback clients see resets
    allow_reuse_address = True

    def __init__(self, address, state):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.state = state
        super().__init__(address, SimHandler)

    def server_bind(self):
        # HTTPServer.server_bind calls socket.getfqdn(), which may do a DNS query.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            traceback.print_exc(file=sys.stderr)


# --------------------------------------------------------------------------
# Command line and main loop.
# --------------------------------------------------------------------------
def parse_latency(text):
    try:
        low, _, high = text.partition(":")
        low, high = float(low), float(high or low)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad latency {text!r}, expected LO:HI or X") from None
    if not 0 <= low <= high:
        raise argparse.ArgumentTypeError(f"bad latency {text!r}, need 0 <= LO <= HI")
    return low, high


def parse_faults(text):
    """The fault kinds to draw from, repeats kept (they weigh more); "all"
    stands for the classic kinds (FAULT_KINDS), never the extra ones."""
    kinds = []
    for k in (k.strip() for k in text.split(",")):
        if k == "all":
            kinds.extend(FAULT_KINDS)
        elif k:
            kinds.append(k)
    unknown = [k for k in kinds if k not in ALL_FAULT_KINDS]
    if unknown or not kinds:
        raise argparse.ArgumentTypeError(
            f"unknown fault kinds {unknown}; choose from {', '.join(ALL_FAULT_KINDS)} or all")
    return kinds


def parse_models(text):
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError("--models needs at least one model name")
    return names


def parse_retry_after(text):
    if not text or not all(" " <= c <= "~" for c in text) or text != text.strip():
        raise argparse.ArgumentTypeError(f"bad Retry-After value {text!r}: printable ASCII, "
                                         "no leading or trailing space")
    return text


def parse_args(argv):
    p = argparse.ArgumentParser(description="Simulated OpenAI-compatible chat endpoint.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--port-file", help="also write the port number to this file")
    p.add_argument("--latency", type=parse_latency, default=(0.0, 0.0), help="LO:HI or X seconds")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--fault-rate", type=float, default=0.0)
    p.add_argument("--faults", type=parse_faults, default=list(FAULT_KINDS),
                   help="comma-separated fault kinds drawn at --fault-rate; \"all\" (the "
                        "default) is " + ", ".join(FAULT_KINDS) + "; the kinds "
                        + ", ".join(EXTRA_FAULT_KINDS) + " are drawn only when named "
                        "(e.g. all,meta)")
    p.add_argument("--slow-seconds", type=float, default=30.0)
    p.add_argument("--status-all", type=int, help="answer every chat request with this status")
    p.add_argument("--log", help="append one JSON line per chat request (arrival time \"t\", "
                   "\"kind\", \"status\", \"delay\" before the reply, the body, ...)")
    p.add_argument("--max-seconds", type=float, default=3600.0)
    p.add_argument("--judge-noise", type=float, default=1.0)
    p.add_argument("--position-bias", type=float, default=0.3)
    p.add_argument("--quality-sd", type=float, default=1.0)
    p.add_argument("--variant-gain", type=float, default=0.3)
    p.add_argument("--variant-sd", type=float, default=0.5)
    p.add_argument("--pure", action="store_true",
                   help="answer every request as a function of --seed and its bytes alone "
                        "(story numbers too), whatever order requests arrive in; latency "
                        "and faults stay random")
    p.add_argument("--require-key", help="demand Authorization: Bearer KEY")
    p.add_argument("--echo-auth", action="store_true",
                   help="quote the request's Authorization header in every reply, as a "
                        "careless proxy might (error messages, completions, HTML pages)")
    p.add_argument("--logprobs", choices=LOGPROB_MODES, default="ok",
                   help="answer logprobs:true with real log probabilities (ok), HTTP 400 "
                        "(refuse) or 403 (forbid), \"logprobs\": null (null), or no key (missing)")
    p.add_argument("--logprob-gamma", type=float, default=1.0,
                   help="calibration exponent: judges report q = sigmoid(G * logit(p))")
    p.add_argument("--models", type=parse_models, metavar="NAME[,NAME...]",
                   help="serve only these models: a chat request for any other gets OpenAI's "
                        "404 model_not_found, and GET .../models lists exactly these "
                        "(default: any model is served, and the list holds sim-writer)")
    p.add_argument("--require-prefix", metavar="PATH",
                   help="answer a chat request only at PATH/chat/completions (e.g. /v1); any "
                        "other path gets 404 \"Unknown path ...\", as a server does for a base "
                        "URL that lacks /v1 (default: any path ending in /chat/completions)")
    p.add_argument("--html-all", action="store_true",
                   help="answer every chat request with HTTP 200 and a small text/html page, "
                        "as a web server that is not an API does")
    p.add_argument("--retry-after", metavar="S", type=parse_retry_after,
                   help="the Retry-After header of every simulated 429, sent verbatim "
                        "(default: \"Retry-After: 1\" or \"retry-after-ms: 300\" at random)")
    p.add_argument("--echo-key-escaped", action="store_true",
                   help="quote the bearer token the request sent, written as \\uXXXX for "
                        "every character but ASCII letters and digits: in the 401 message "
                        "when --require-key refuses it, else at the start of every completion's "
                        "text (judge reasoning included); with --echo-auth the echoed header "
                        "is escaped the same way")
    p.add_argument("--best-temperature", type=float, metavar="T",
                   help="the writing temperature that costs a story no quality (default: "
                        "none, temperature does not matter)")
    p.add_argument("--temperature-penalty", type=float, default=0.0, metavar="C",
                   help="a story or variant written at request temperature t (1.0 when "
                        "absent) loses C*(t - T)^2 of quality; needs --best-temperature")
    p.add_argument("--variant-keep", type=float, default=0.0, metavar="F",
                   help="a variant keeps about this fraction (0..1) of the sentences of the "
                        "parent it quotes between fence lines, in order, and its title "
                        "(default 0: variants are written afresh)")
    p.add_argument("--no-repeats", type=int, metavar="N",
                   help="no N words (>= 2) said twice in a story, variant, expand or continue "
                        "reply, nor said again from the text it quotes (default: the word "
                        "banks repeat themselves in long stories)")
    p.add_argument("--count-tokens", action="store_true",
                   help="GET /sim/stats adds \"tokens\": the prompt and completion tokens of "
                        "every completion generated, reported in its usage or not")
    p.add_argument("--log-headers", action="store_true",
                   help="each --log line adds \"headers\": the names (never the values) of "
                        "the request's headers, lower-cased")
    p.add_argument("--reply-word-cap", type=int, metavar="N",
                   help="no story, variant, expand or continue reply is longer than about N "
                        "words (>= 10): it stops at a sentence end, finish_reason \"stop\"")
    args = p.parse_args(argv)
    if not 0.0 <= args.fault_rate <= 1.0:
        p.error("--fault-rate must be between 0 and 1")
    if args.judge_noise <= 0:
        p.error("--judge-noise must be positive")
    if not 0.0 <= args.logprob_gamma <= 100.0:
        p.error("--logprob-gamma must be between 0 and 100")
    if args.status_all is not None and not 400 <= args.status_all <= 599:
        p.error("--status-all must be an HTTP error status (400-599)")
    if args.temperature_penalty < 0:
        p.error("--temperature-penalty must not be negative")
    if args.temperature_penalty > 0 and args.best_temperature is None:
        p.error("--temperature-penalty needs --best-temperature")
    if not 0.0 <= args.variant_keep <= 1.0:
        p.error("--variant-keep must be between 0 and 1")
    if args.no_repeats is not None and args.no_repeats < 2:
        p.error("--no-repeats must be at least 2")
    if args.reply_word_cap is not None and args.reply_word_cap < 10:
        p.error("--reply-word-cap must be at least 10")
    if args.require_prefix is not None:
        prefix = args.require_prefix.rstrip("/")
        if not args.require_prefix.startswith("/") or "?" in prefix or "#" in prefix:
            p.error("--require-prefix must be a path starting with / (e.g. /v1)")
        args.require_prefix = prefix
    return args


def write_port_file(path, port):
    """Write atomically so a poller never reads a half-written number."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".simendpoint-port.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(f"{port}\n")
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv=None):
    args = parse_args(argv)
    state = SimState(args)
    server = SimServer((args.host, args.port), state)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    # serve_forever runs in a thread so that the main thread can wait for a
    # signal or the deadline and then call shutdown() without deadlocking.
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                               name="simendpoint-serve", daemon=True)
    serving.start()
    port = server.server_address[1]
    if args.port_file:
        write_port_file(args.port_file, port)
    try:
        print(f"port {port}", flush=True)
    except BrokenPipeError:
        pass
    stop.wait(args.max_seconds)
    server.shutdown()
    server.server_close()
    state.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
