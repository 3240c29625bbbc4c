"""The confidentiality scan measured (issue 15): what it finds on the labelled corpus, against a generic baseline
(spaCy's French model alone), what it costs per text, and what spaCy would cost the web worker.

    .venv/bin/python -m bench.confidentiality              # results written to docs/performance.md
    .venv/bin/python -m bench.confidentiality --no-write

The corpus is tests/editorial/corpus/confidentiality_corpus.py (CORPUS and HOLDOUT), counted by
tests/editorial/corpus/metrics.py, as the corpus test counts. Three scanners:

- **rules**: the desk's scan as deployed (``scan_all`` with the corpus zone's public names, addresses and numbers);
- **spaCy alone**: ``fr_core_news_sm``'s named entities, as a generic tool would use them: PER as a person's name,
  LOC/ORG/MISC with a digit as an address; every entity of any label as a finding for the false-alarm count of the
  "every entity" line (what Presidio's recognisers built on spaCy report);
- **rules + spaCy**: the rules, plus spaCy's PER entities (the way the model could have helped the rules).

spaCy is not a dependency of the desk (the measurement below chose rules alone): install it to run the baseline,
``.venv/bin/pip install -r requirements-bench.txt``. Without it, the baseline lines say it was not measured.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START_MARK = "<!-- bench/confidentiality.py results: start -->"
END_MARK = "<!-- bench/confidentiality.py results: end -->"
MODEL = "fr_core_news_sm"


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zonepolice.settings")
    import django

    django.setup()


def timings(function, texts: list[str], runs: int) -> list[float]:
    """Milliseconds per text, each text ``runs`` times after one warm-up pass."""
    for text in texts:
        function(text)
    out = []
    for _run in range(runs):
        for text in texts:
            started = time.perf_counter()
            function(text)
            out.append((time.perf_counter() - started) * 1000)
    return out


def describe(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"mean {statistics.fmean(values):.2f} ms, p95 {p95:.2f} ms, max {ordered[-1]:.2f} ms"


def quality_line(name: str, reports, *, kinds_note: str = "") -> list[str]:
    from tests.editorial.corpus.confidentiality_corpus import IDENTIFIER_KINDS, PEOPLE_KINDS

    lines = []
    for language in ("fr", "nl"):
        report = reports[language]
        per_kind = ", ".join(
            f"{kind} {report.found[kind]}/{report.expected[kind]}" for kind in PEOPLE_KINDS if report.expected[kind]
        )
        lines.append(
            f"| {name} | {language} | {report.recall(IDENTIFIER_KINDS):.0%} | {report.recall(PEOPLE_KINDS):.0%} "
            f"({per_kind}) | {report.clean - report.false_alarms}/{report.clean} ({report.clean_ratio:.0%}) "
            f"| {report.extra}{kinds_note} |"
        )
    return lines


def measure(runs: int) -> str:
    gc.collect()
    rss_start = rss_mib()
    started = time.perf_counter()
    setup_django()
    import zonepolice.urls  # noqa: F401 - what a web worker has loaded before its first request

    rss_django = rss_mib()
    django_seconds = time.perf_counter() - started

    started = time.perf_counter()
    from editorial.confidentiality import scan_all
    from tests.editorial.corpus.confidentiality_corpus import CORPUS, HOLDOUT, ZONE
    from tests.editorial.corpus.metrics import evaluate

    scan_all("Jean Dupont, 34 ans, rue des Alliés 14.", **ZONE)
    rules_start_ms = (time.perf_counter() - started) * 1000
    rss_rules = rss_mib()

    corpus = CORPUS + HOLDOUT
    texts = [text for _language, _style, text, _expected in corpus]

    def rules(text: str):
        return [(finding.kind, finding.start, finding.end) for finding in scan_all(text, **ZONE)]

    rules_reports = evaluate(rules, corpus)
    holdout_reports = evaluate(rules, HOLDOUT)
    rules_ms = timings(rules, texts, runs)
    long_text = " ".join(texts)
    long_text = (long_text * (70_000 // len(long_text) + 1))[:70_000]
    started = time.perf_counter()
    rules(long_text)
    long_ms = (time.perf_counter() - started) * 1000

    lines = [
        START_MARK,
        f"Measured on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `python -m bench.confidentiality` on "
        f"{platform.node()} ({os.cpu_count()} CPUs, Python {platform.python_version()}); corpus: {len(corpus)} "
        f"messages ({sum(1 for entry in corpus if not entry[3])} clean), "
        f"{sum(1 for entry in corpus if entry[0] == 'fr')} French and {sum(1 for entry in corpus if entry[0] == 'nl')} "
        "Dutch.",
        "",
        "**What each scanner finds** (recall: expected findings found; clean: clean messages without any finding; "
        "extra: findings that match nothing expected on the other messages):",
        "",
        "| scanner | language | identifiers | people (per kind) | clean without alarm | extra |",
        "|---|---|---|---|---|---|",
        *quality_line("rules (deployed)", rules_reports),
    ]
    holdout = holdout_reports["all"]
    from tests.editorial.corpus.confidentiality_corpus import PEOPLE_KINDS

    cost = [
        "",
        f"**Cost of the rules** (no model): {describe(rules_ms)} per corpus message ({runs} runs of "
        f"{len(texts)} texts); a text of 70,000 characters (the longest the live check takes) in {long_ms:.0f} ms. "
        f"Start-up: the scanner is imported with the views; its first scan in a process takes {rules_start_ms:.0f} ms "
        f"and {rss_rules - rss_django:.1f} MiB more, on top of a web worker's {rss_django:.0f} MiB (Django, the "
        f"URLconf and every view imported, {django_seconds:.1f} s; the process started at {rss_start:.0f} MiB).",
        "",
        f"The held-out part of the corpus (HOLDOUT, {len(HOLDOUT)} messages written after the rules were frozen): "
        f"people {holdout.recall(PEOPLE_KINDS):.0%} today; 94% at its first run (FR 88%, NL 100%), no false alarm.",
    ]

    try:
        gc.collect()
        rss_before_spacy = rss_mib()
        started = time.perf_counter()
        import spacy

        import_seconds = time.perf_counter() - started
        rss_import = rss_mib()
        started = time.perf_counter()
        nlp = spacy.load(MODEL)
        load_seconds = time.perf_counter() - started
        rss_loaded = rss_mib()
    except (ImportError, OSError) as error:
        lines += [
            "| spaCy alone | — | not measured | not measured | not measured | — |",
            *cost,
            f"spaCy and {MODEL} are not installed here ({error.__class__.__name__}): "
            "`pip install -r requirements-bench.txt` to measure the baseline.",
        ]
        lines.append(END_MARK)
        return "\n".join(lines)

    def spacy_people(text: str):
        out = []
        for entity in nlp(text).ents:
            if entity.label_ == "PER":
                out.append(("person_name", entity.start_char, entity.end_char))
            elif any(char.isdigit() for char in entity.text):
                out.append(("home_address", entity.start_char, entity.end_char))
        return out

    def spacy_every_entity(text: str):
        return [("person_name", entity.start_char, entity.end_char) for entity in nlp(text).ents]

    def hybrid(text: str):
        found = rules(text)
        extra = [
            ("person_name", entity.start_char, entity.end_char)
            for entity in nlp(text).ents
            if entity.label_ == "PER"
            and not any(start < entity.end_char and entity.start_char < end for _kind, start, end in found)
        ]
        return found + extra

    spacy_reports = evaluate(spacy_people, corpus)
    every_reports = evaluate(spacy_every_entity, corpus)
    hybrid_reports = evaluate(hybrid, corpus)
    spacy_ms = timings(lambda text: nlp(text), texts, max(1, runs // 2))
    lines += [
        *quality_line(f"spaCy alone ({MODEL}: PER, LOC/ORG/MISC with a digit)", spacy_reports),
        *[
            line.replace("| spaCy every", "| spaCy every")
            for line in quality_line(f"spaCy alone, every entity a finding ({MODEL})", every_reports)
        ],
        *quality_line(f"rules + spaCy PER ({MODEL})", hybrid_reports),
        *cost,
        "",
        f"**Cost of spaCy** ({spacy.__version__}, {MODEL}): import {import_seconds:.2f} s and "
        f"{rss_import - rss_before_spacy:.0f} MiB, model load {load_seconds:.2f} s and "
        f"{rss_loaded - rss_import:.0f} MiB, so {rss_loaded - rss_before_spacy:.0f} MiB more per process that loads "
        f"it; {describe(spacy_ms)} per corpus message for the model alone.",
        END_MARK,
    ]
    return "\n".join(lines)


def write_results(block: str) -> None:
    from bench.doc_results import write_block

    write_block(block, start=START_MARK, end=END_MARK, heading="The confidentiality scan (issue 15)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20, help="timed passes over the corpus (default 20)")
    parser.add_argument("--no-write", action="store_true", help="print the results without updating the docs")
    args = parser.parse_args()
    block = measure(args.runs)
    print(block)
    if not args.no_write:
        write_results(block)


if __name__ == "__main__":
    main()
