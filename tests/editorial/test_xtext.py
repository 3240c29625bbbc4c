"""X's weighted character count: editorial/xtext.py, and static/js/xcount.js which must agree with it.

Three layers: our own table of cases (French police posts, Belgian domains, the emoji people actually use),
twitter-text's conformance cases for configuration v3 when shared/ is beside the repository, and the same texts
through the JavaScript counter under Node, compared field for field with Python.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from editorial.xtext import (
    _URL_RE,
    EXTENDED_PICTOGRAPHIC,
    EXTENDED_PICTOGRAPHIC_UNICODE_VERSION,
    MAX_WEIGHTED_LENGTH,
    TLDS,
    XCount,
    _url_matches,
    parse_tweet,
    weighted_length,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
REFERENCE = REPO_ROOT / ".." / "shared" / "reference" / "twitter-text" / "validate.yml"
# Today's rule set (v3: URLs 23, emoji sequences 2) and the direction-mark cases.
REFERENCE_SECTIONS = ("WeightedTweetsWithDiscountedEmojiCounterTest", "UnicodeDirectionalMarkerCounterTest")
XCOUNT_JS = REPO_ROOT / "static" / "js" / "xcount.js"
NODE = shutil.which("node")


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    weight: int
    valid: bool = True
    valid_range_end: int | None = None


LONG_URL = "https://www.police.be/5344/" + "x" * 200
CASES = [
    Case("empty", "", 0, valid=False),
    Case("ascii", "Radar mobile rue Haute", 22),
    Case("accents", "Sécurité à l'école, ça compte", 29),
    # NFC first: "e" + combining acute is one "é"; the valid range is in units of the text as typed.
    Case("decomposed-accents", "e\u0301te\u0301", 3, valid_range_end=4),
    Case("exactly-280", "a" * 280, 280, valid_range_end=279),
    Case("281", "a" * 281, 281, valid=False, valid_range_end=279),
    Case("cjk", "警察", 4),
    Case("cjk-140", "警" * 140, 280),
    Case("cjk-141", "警" * 141, 282, valid=False, valid_range_end=139),
    Case("kana", "こんにちは", 10),
    Case("korean", "안녕하세요", 10),
    # Outside U+0000-U+10FF and the punctuation ranges: 2 each.
    Case("euro-sign", "174 €", 6),
    Case("ellipsis", "Attention…", 11),
    Case("french-quotes-and-apostrophe", "« l\u2019agent »", 11),
    Case("url-with-scheme", "https://www.police.be", 23),
    Case("bare-domain", "police.be", 23),
    Case("bare-domain-path-then-full-stop", "Infos sur www.police.be/5344/actualites.", 34),
    Case("long-url", LONG_URL, 23),
    Case("bare-tco", "t.co/abc", 23),
    Case("several-urls", "police.be, https://www.politie.be/5344 et t.co/xyz", 75),
    Case("url-right-after-emoji", "🚓police.be", 25),
    Case("idn-bare", "bücher.de", 23),
    Case("idn-scheme", "https://bücher.de/x", 23),
    # A host label may be at most 63 characters once punycode-encoded: 57 kana make 63, 58 make 64.
    Case("idn-label-63", "http://" + "あ" * 57 + ".jp", 23),
    Case("idn-label-64", "http://" + "あ" * 58 + ".jp", 7 + 58 * 2 + 3),
    Case("url-fills-to-280", "a" * 256 + " " + LONG_URL, 280),
    Case("email", "info@police.be", 14),
    Case("email-whose-local-part-ends-in-a-tld", "jean.dupont@police.be", 21),
    Case("email-hyphenated-domain", "Écrivez-nous : contact@zone-police.be", 37),
    Case("not-a-tld", "rapport.pdf", 11),
    Case("decimal", "1.5 km", 6),
    Case("ftp-is-not-a-url-scheme", "ftp://example.com", 17),
    # Surprises that X shares: ".Info" and ".Dupont" are top-level domains, so these count as links.
    Case("missing-space-makes-a-domain", "à demain.Info trafic", 32),
    Case("name-ending-in-a-tld", "Signé M.Dupont", 29),
    Case("emoji", "🚓", 2),
    Case("emoji-skin-tone", "👮🏽", 2),
    Case("emoji-zwj-skin-tone-gender", "👮🏽\u200d♀️", 2),
    Case("family-zwj", "👨\u200d👩\u200d👧\u200d👦", 2),
    Case("flag-belgium", "🇧🇪", 2),
    Case("two-flags", "🇧🇪🇫🇷", 4),
    Case("keycap", "1️⃣", 2),
    Case("keycap-hash", "#️⃣", 2),
    Case("tag-sequence-england", "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f", 2),
    Case("heart-with-variation-selector", "❤️", 2),
    # (c) weighs 1 as text, 2 as an emoji (with U+FE0F), as twemoji decides.
    Case("copyright-text", "©", 1),
    Case("copyright-emoji", "©️", 2),
    Case(
        "french-post",
        "Contrôle radar ce matin 🚓 #controle #radar → infos : https://www.police.be/5344/actualites",
        78,
    ),
    # Direction marks weigh 2 and are allowed, U+202A-U+202E included (twitter-text v3's conformance cases).
    Case("rtl-marks", "\u200fمرحبا\u200e", 9),  # noqa: RUF001 (Arabic letters)
    Case("embedding-marks", "\u202abonjour\u202c", 11),
    Case("invalid-bom", "Bonjour\ufeff", 9, valid=False, valid_range_end=6),
    Case("invalid-noncharacter", "ok\uffff", 4, valid=False, valid_range_end=1),
    # What the browser submits: each "\r" weighs 1 too, so the form must normalise line breaks before counting.
    Case("crlf", "a\r\nb", 4),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_own_cases(case: Case) -> None:
    result = parse_tweet(case.text)
    assert result.weighted_length == case.weight
    assert weighted_length(case.text) == case.weight
    assert result.is_valid is case.valid
    assert result.permillage == case.weight * 1000 // MAX_WEIGHTED_LENGTH
    if case.valid_range_end is not None:
        assert result.valid_range_end == case.valid_range_end
    elif case.valid:
        assert result.valid_range_end == len(case.text.encode("utf-16-le")) // 2 - 1


# Pieces that exercise the URL pattern's corners: schemes, TLDs, hyphens and underscores in labels, e-mails,
# non-ASCII labels, direction marks, paths, queries, t.co.
_PIECES = [*"aAhHxX-_.. /:@#警é🚓0(),?=ü。©", "http://", "https://", ".com", ".be", ".Info", "t.co/", "xn--", "\u200e"]
_PIECES += ["\u202a", "www.", "police", "/5344", "?a=b", "#x", "@user", "bücher", "\ufeff", "🇧🇪", "👮🏽\u200d♀️", "1⃣"]


def _random_texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 30))) for _ in range(count)]


def test_url_scan_finds_what_finditer_finds() -> None:
    """_url_matches skips positions that cannot match; it must find exactly the matches of plain finditer."""
    texts = _random_texts(5000, seed=5344) + [case.text for case in CASES]
    for text in texts:
        expected = [(m.span(), m.groupdict()) for m in _URL_RE.finditer(text)]
        assert [(m.span(), m.groupdict()) for m in _url_matches(text)] == expected, text


# Long texts without spaces that made the matcher quadratic (seconds for 10,000 characters) before the scan
# skipped the positions that cannot match. Now each takes milliseconds; the budget leaves room for a slow machine.
LONG_TEXTS = {
    "cjk-run": "警" * 20000 + ".x",
    "cjk-labels": ("警" * 50 + ".") * 400,
    "emoji-run": "🚓" * 20000 + ".",
    "dotted": "a." * 10000,
    "hyphenated": "a-" * 10000 + ".",
    "h-labels": "h." * 10000,
}


@pytest.mark.parametrize("text", LONG_TEXTS.values(), ids=LONG_TEXTS.keys())
def test_long_texts_are_counted_quickly(text: str) -> None:
    started = time.perf_counter()
    parse_tweet(text)
    assert time.perf_counter() - started < 1.0


def test_result_type() -> None:
    assert parse_tweet("Bonjour") == XCount(weighted_length=7, permillage=25, is_valid=True, valid_range_end=6)


# --- twitter-text's conformance cases -------------------------------------------------------------------------


def _reference_cases() -> list:
    if not REFERENCE.is_file():
        reason = f"twitter-text's conformance cases are not at {REFERENCE.resolve()} (shared/ beside the repository)"
        return [pytest.param(None, id="reference-missing", marks=pytest.mark.skip(reason=reason))]
    try:
        import yaml
    except ImportError:
        reason = "PyYAML is not installed: pip install -r requirements-dev.txt"
        return [pytest.param(None, id="pyyaml-missing", marks=pytest.mark.skip(reason=reason))]
    tests = yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))["tests"]
    return [
        pytest.param(case, id=f"{section}-{index}")
        for section in REFERENCE_SECTIONS
        for index, case in enumerate(tests[section])
    ]


REFERENCE_CASES = _reference_cases()


def _expected(case: dict) -> dict:
    expected = case["expected"]
    return {key: expected[key] for key in ("weightedLength", "permillage", "valid", "validRangeEnd")}


def _as_twitter_text(result: XCount) -> dict:
    return {
        "weightedLength": result.weighted_length,
        "permillage": result.permillage,
        "valid": result.is_valid,
        "validRangeEnd": result.valid_range_end,
    }


@pytest.mark.parametrize("case", REFERENCE_CASES)
def test_reference_cases(case: dict) -> None:
    assert _as_twitter_text(parse_tweet(case["text"])) == _expected(case), case["description"]


# --- The JavaScript counter -----------------------------------------------------------------------------------

needs_node = pytest.mark.skipif(NODE is None, reason="node is not on PATH: the JavaScript counter cannot be run")

# Loads xcount.js in a context that has a `window` and no `document`, as a browser without a DOM would be: the
# script must not touch the DOM then. Reads a JSON list of texts on stdin and prints parseTweet of each.
COUNT_HARNESS = r"""
const fs = require("fs"), vm = require("vm");
const context = vm.createContext({ window: {} });
vm.runInContext(fs.readFileSync(process.argv[1], "utf8"), context, { filename: "xcount.js" });
const { DeskX } = context.window;
const texts = JSON.parse(fs.readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(texts.map((text) => {
  const result = DeskX.parseTweet(text);
  if (DeskX.weightedLength(text) !== result.weightedLength) throw new Error("weightedLength != parseTweet");
  return result;
})));
"""

# A minimal DOM: one textarea wired to one counter, events fired by hand.
WIRING_HARNESS = r"""
const fs = require("fs"), vm = require("vm");
const listeners = {};
const fire = (type, event) => (listeners[type] || []).forEach((listener) => listener(event || { type }));
const classes = new Set();
const counter = {
  textContent: "",
  classList: { toggle: (name, on) => (on ? classes.add(name) : classes.delete(name)), contains: (n) => classes.has(n) },
};
const textarea = {
  value: "Bonjour 🚓",
  getAttribute: (name) => (name === "data-x-counter" ? "post-count" : null),
  matches: (selector) => selector === "textarea[data-x-counter]",
};
const other = { value: "x", matches: () => false };
const document = {
  readyState: "loading",
  addEventListener: (type, listener) => (listeners[type] = listeners[type] || []).push(listener),
  querySelectorAll: (selector) => (selector === "textarea[data-x-counter]" ? [textarea] : []),
  getElementById: (id) => (id === "post-count" ? counter : null),
};
const window = {};
vm.runInContext(fs.readFileSync(process.argv[1], "utf8"), vm.createContext({ window, document }));
const seen = [];
const snapshot = () => seen.push([counter.textContent, classes.has("text-danger")]);
snapshot();
fire("DOMContentLoaded");
snapshot();
textarea.value = "a".repeat(281);
fire("input", { target: textarea });
snapshot();
fire("input", { target: other });
snapshot();
textarea.value = "a".repeat(280);
fire("input", { target: textarea });
snapshot();
textarea.value = "police.be";
fire("htmx:load");
snapshot();
process.stdout.write(JSON.stringify({ seen, api: typeof window.DeskX.parseTweet }));
"""


def _run_node(harness: str, stdin: str = "") -> str:
    completed = subprocess.run(
        [NODE, "-e", harness, str(XCOUNT_JS)], input=stdin, capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def _texts_for_javascript() -> list[str]:
    texts = [case.text for case in CASES]
    texts += [param.values[0]["text"] for param in REFERENCE_CASES if param.values[0] is not None]
    texts += [f"x.{tld}" for tld in TLDS] + [f"X.{tld.upper()}" for tld in TLDS]
    texts += RANDOM_TEXTS + list(LONG_TEXTS.values())
    return texts


RANDOM_TEXTS = _random_texts(500, seed=280)


@pytest.fixture(scope="module")
def javascript_results() -> dict[str, dict]:
    """parseTweet of every text the JavaScript tests need, from one run of Node."""
    if NODE is None:
        pytest.skip("node is not on PATH: the JavaScript counter cannot be run")
    texts = _texts_for_javascript()
    # ensure_ascii keeps every character as a \u escape: nothing depends on the pipe's encoding.
    return dict(zip(texts, json.loads(_run_node(COUNT_HARNESS, json.dumps(texts))), strict=True))


@needs_node
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_javascript_agrees_on_own_cases(case: Case, javascript_results: dict[str, dict]) -> None:
    assert javascript_results[case.text] == _as_twitter_text(parse_tweet(case.text))


@needs_node
@pytest.mark.parametrize("case", REFERENCE_CASES)
def test_javascript_agrees_on_reference_cases(case: dict, javascript_results: dict[str, dict]) -> None:
    python = _as_twitter_text(parse_tweet(case["text"]))
    assert javascript_results[case["text"]] == python, case["description"]
    assert python == _expected(case), case["description"]


@needs_node
def test_javascript_knows_every_tld_in_any_case(javascript_results: dict[str, dict]) -> None:
    probes = [f"x.{tld}" for tld in TLDS] + [f"X.{tld.upper()}" for tld in TLDS]
    not_urls = [text for text in probes if weighted_length(text) != 23]
    assert not not_urls, "Python does not see these as URLs"
    disagreeing = [text for text in probes if javascript_results[text]["weightedLength"] != 23]
    assert not disagreeing, "JavaScript does not see these as URLs"


@needs_node
def test_javascript_agrees_on_random_texts(javascript_results: dict[str, dict]) -> None:
    disagreeing = [text for text in RANDOM_TEXTS if javascript_results[text] != _as_twitter_text(parse_tweet(text))]
    assert not disagreeing


@needs_node
def test_javascript_counts_long_texts_quickly_and_alike(javascript_results: dict[str, dict]) -> None:
    # The harness counted them all in one run; here only agreement is checked, the timing below.
    for text in LONG_TEXTS.values():
        assert javascript_results[text] == _as_twitter_text(parse_tweet(text))
    started = time.perf_counter()
    _run_node(COUNT_HARNESS, json.dumps(list(LONG_TEXTS.values())))
    assert time.perf_counter() - started < 5.0  # Node's start-up included


def _tld_block(path: Path) -> list[str]:
    """The words of the TLD list written between the TLD-LIST-START and TLD-LIST-END markers of `path`."""
    block = path.read_text(encoding="utf-8").split("TLD-LIST-START", 1)[1].split("TLD-LIST-END", 1)[0]
    # Leave out the ends of the marker lines and the lines that open and close the string literal.
    lines = block.splitlines()[1:-1]
    return [word for line in lines if not re.search(r"[=`\"]", line) for word in line.split()]


def test_tld_lists_are_identical_in_python_and_javascript() -> None:
    python_list = _tld_block(REPO_ROOT / "editorial" / "xtext.py")
    assert python_list == list(TLDS)
    assert _tld_block(XCOUNT_JS) == python_list


@needs_node
def test_extended_pictographic_table_matches_node() -> None:
    script = r"""
    const re = /\p{Extended_Pictographic}/u, out = [];
    let start = -1;
    for (let cp = 0; cp <= 0x110000; cp++) {
      const hit = cp < 0x110000 && re.test(String.fromCodePoint(cp));
      if (hit && start < 0) start = cp;
      if (!hit && start >= 0) {
        out.push(start === cp - 1 ? start.toString(16) : start.toString(16) + "-" + (cp - 1).toString(16));
        start = -1;
      }
    }
    process.stdout.write(JSON.stringify({ unicode: process.versions.unicode, ranges: out }));
    """
    completed = subprocess.run([NODE, "-e", script], capture_output=True, text=True, timeout=120, check=True)
    node = json.loads(completed.stdout)
    if node["unicode"] != EXTENDED_PICTOGRAPHIC_UNICODE_VERSION:
        pytest.skip(
            f"node has Unicode {node['unicode']}, the table in editorial/xtext.py is Unicode "
            f"{EXTENDED_PICTOGRAPHIC_UNICODE_VERSION}: regenerate it (see the comment there) to compare"
        )
    assert list(EXTENDED_PICTOGRAPHIC) == node["ranges"]


@needs_node
def test_javascript_wires_textareas_and_their_counters() -> None:
    result = json.loads(_run_node(WIRING_HARNESS))
    assert result["api"] == "function"
    assert result["seen"] == [
        ["", False],  # nothing before the DOM is ready
        ["10 / 280", False],  # "Bonjour 🚓" at load
        ["281 / 280", True],
        ["281 / 280", True],  # input in another field changes nothing
        ["280 / 280", False],
        ["23 / 280", False],  # content swapped in by htmx is counted at once
    ]


# --- Over the limit: the overflow and a proposal that fits (issue 12) -------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from editorial.xtext import fit_proposal, split_at_limit  # noqa: E402

ROAD_WORKS = (
    "Travaux rue de la Station à Quévy-le-Grand du lundi au vendredi, de 7 h à 17 h. La circulation y sera alternée "
    "par des feux. Les camions sont déviés par la N6. Prévoyez un peu plus de temps pour vos trajets et respectez la "
    "signalisation. Merci de votre patience ! Plan : https://www.quevy.be/travaux-rue-de-la-station "
    "https://www.mons.be/deviations #travaux #Quevy"
)


@pytest.mark.parametrize(
    ("text", "fits", "overflow"),
    [
        ("Radar rue Haute", "Radar rue Haute", ""),
        ("a" * 280, "a" * 280, ""),
        ("a" * 281, "a" * 280, "a"),
        ("a" * 279 + "é" + "bc", "a" * 279 + "é", "bc"),
        # A link that does not fit whole starts the overflow (it weighs 23 however long it is).
        ("a" * 260 + " https://www.police.be/5344", "a" * 260 + " ", "https://www.police.be/5344"),
        # An emoji outside the BMP is two UTF-16 units but one character here: the cut falls between characters.
        ("a" * 279 + "🚓" + "b", "a" * 279, "🚓b"),
        ("漢" * 141, "漢" * 140, "漢"),
    ],
    ids=["short", "exactly-280", "281", "accent", "link", "emoji", "cjk"],
)
def test_split_at_limit(text: str, fits: str, overflow: str) -> None:
    assert split_at_limit(text) == (fits, overflow)
    if overflow:
        assert parse_tweet(fits).weighted_length <= MAX_WEIGHTED_LENGTH
        assert parse_tweet(fits + overflow[0]).weighted_length > MAX_WEIGHTED_LENGTH or overflow.startswith("http")


SPLIT_HARNESS = r"""
const fs = require("fs"), vm = require("vm");
const context = { window: {} };
vm.runInContext(fs.readFileSync(process.argv[1], "utf8"), vm.createContext(context));
const texts = JSON.parse(fs.readFileSync(0, "utf8"));
// static/js/drafting.js cuts the textarea's value at validRangeEnd + 1 (UTF-16 units).
process.stdout.write(JSON.stringify(texts.map((text) => {
  const count = context.window.DeskX.parseTweet(text);
  const cut = count.validRangeEnd + 1;
  return count.weightedLength > 280 ? [text.slice(0, cut), text.slice(cut)] : [text, ""];
})));
"""


def test_the_page_highlights_the_overflow_where_the_server_cuts() -> None:
    if NODE is None:
        pytest.skip("needs Node to run static/js/xcount.js")
    texts = [ROAD_WORKS, "a" * 281, "a" * 279 + "🚓b", "🚓" * 200, "e\u0301" * 300, "a" * 260 + " police.be/x y"]
    texts += [text for text in RANDOM_TEXTS if parse_tweet(text).weighted_length > MAX_WEIGHTED_LENGTH][:100]
    browser = json.loads(_run_node(SPLIT_HARNESS, json.dumps(texts)))
    assert [tuple(pair) for pair in browser] == [split_at_limit(text) for text in texts]


def test_a_text_that_fits_needs_no_proposal() -> None:
    assert fit_proposal("Contrôle radar à Quévy ce jeudi. #radar") is None
    assert fit_proposal("a" * 280) is None
    assert fit_proposal("") is None
    assert fit_proposal(["Contrôle radar.", "Snelheidscontrole."]) is None


def test_the_proposal_keeps_the_first_sentences_the_first_link_and_the_hashtags() -> None:
    proposal = fit_proposal(ROAD_WORKS)
    assert parse_tweet(proposal).is_valid
    assert proposal.startswith("Travaux rue de la Station à Quévy-le-Grand du lundi au vendredi, de 7 h à 17 h. La ")
    assert proposal.endswith(" https://www.quevy.be/travaux-rue-de-la-station #travaux #Quevy")
    assert "mons.be" not in proposal  # the first link only
    assert "Merci de votre patience" not in proposal  # sentences in order, none skipped to fill the room


def test_the_proposal_does_not_repeat_a_hashtag_of_the_sentences_it_keeps() -> None:
    text = "Contrôle radar à #Mons ce jeudi matin. " + "Levez le pied, pour vous et les autres. " * 8 + "#radar #Mons"
    proposal = fit_proposal(text)
    assert proposal.startswith("Contrôle radar à #Mons ce jeudi matin.")
    assert proposal.count("#Mons") == 1
    assert proposal.endswith("#radar")


def test_a_bilingual_proposal_keeps_both_languages() -> None:
    french = "Travaux avenue Louise à Ixelles. Une seule bande ouverte vers le centre. " * 3
    dutch = "Werken op de Louizalaan in Elsene. Slechts één rijstrook open richting centrum. " * 3
    proposal = fit_proposal([french + "#travaux", dutch + "#werken"])
    assert parse_tweet(proposal).is_valid
    first, second = proposal.split("\n\n")
    assert first.startswith("Travaux avenue Louise à Ixelles.")
    assert second.startswith("Werken op de Louizalaan in Elsene.")
    assert proposal.endswith("#travaux #werken")


def test_a_first_sentence_too_long_is_cut_after_a_word() -> None:
    proposal = fit_proposal("mot " * 100 + "#radar")
    assert proposal.endswith("mot… #radar")
    assert parse_tweet(proposal).is_valid
    one_word = fit_proposal("a" * 400)
    assert one_word.endswith("…") and parse_tweet(one_word).weighted_length == MAX_WEIGHTED_LENGTH


def test_characters_x_refuses_are_dropped() -> None:
    proposal = fit_proposal("Contrôle\ufeff radar. " * 30)
    assert "\ufeff" not in proposal and parse_tweet(proposal).is_valid


_PROPOSAL_PIECES = st.sampled_from([*"ab é.!?#@\n漢🚓\ufeff", "http://x.be ", "#tag ", "Radar. ", "www.police.be/5344"])
_PARTS = st.lists(st.lists(_PROPOSAL_PIECES, max_size=150).map("".join), min_size=1, max_size=2)


@settings(max_examples=150, deadline=None)
@given(_PARTS)
def test_any_proposal_fits_and_is_valid(parts: list[str]) -> None:
    proposal = fit_proposal(parts)
    if proposal is None:
        whole = parse_tweet("\n\n".join(p.strip() for p in parts if p.strip()))
        # Nothing to propose: it fits as it is, or nothing is left once the characters X refuses are dropped.
        left = "".join(parts).replace("\ufeff", "").strip()
        assert whole.is_valid or not left
    else:
        count = parse_tweet(proposal)
        assert count.is_valid and count.weighted_length <= MAX_WEIGHTED_LENGTH
