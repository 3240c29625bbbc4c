"""Recall per kind and false alarms of a scanner on the labelled corpus (confidentiality_corpus.py).

Shared by the corpus test (tests/editorial/test_confidentiality_corpus.py) and the benchmark (bench/confidentiality.py),
so both count the same way: an expected finding is found when the scanner reports a finding of the same kind that
overlaps its excerpt; a clean message (nothing expected) with any finding is a false alarm.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from tests.editorial.corpus.confidentiality_corpus import CORPUS, IDENTIFIER_KINDS, PEOPLE_KINDS

# A scanner: text -> (kind, start, end) of each finding.
Scanner = Callable[[str], Iterable[tuple[str, int, int]]]


@dataclass
class Report:
    language: str
    expected: Counter = field(default_factory=Counter)  # per kind
    found: Counter = field(default_factory=Counter)
    clean: int = 0
    false_alarms: int = 0
    extra: int = 0  # findings on messages with something to find that match nothing expected
    missed: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, excerpt, text)
    alarms: list[tuple[str, str]] = field(default_factory=list)  # (text, what was found)

    def recall(self, kinds: Iterable[str]) -> float:
        expected = sum(self.expected[kind] for kind in kinds)
        return sum(self.found[kind] for kind in kinds) / expected if expected else 1.0

    @property
    def clean_ratio(self) -> float:
        return (self.clean - self.false_alarms) / self.clean if self.clean else 1.0

    def lines(self) -> list[str]:
        out = [
            f"[{self.language}] identifiers {self.recall(IDENTIFIER_KINDS):.0%}"
            f" ({sum(self.found[k] for k in IDENTIFIER_KINDS)}/{sum(self.expected[k] for k in IDENTIFIER_KINDS)}),"
            f" people {self.recall(PEOPLE_KINDS):.0%}"
            f" ({sum(self.found[k] for k in PEOPLE_KINDS)}/{sum(self.expected[k] for k in PEOPLE_KINDS)}),"
            f" clean messages without alarm {self.clean - self.false_alarms}/{self.clean}"
            f" ({self.clean_ratio:.0%}), extra findings on the other messages {self.extra}",
            "    per kind: "
            + ", ".join(
                f"{kind} {self.found[kind]}/{self.expected[kind]}"
                for kind in (*IDENTIFIER_KINDS, *PEOPLE_KINDS)
                if self.expected[kind]
            ),
        ]
        out += [f"    missed {kind}: {excerpt!r} in {text!r}" for kind, excerpt, text in self.missed]
        out += [f"    false alarm: {found} in {text!r}" for text, found in self.alarms]
        return out


def evaluate(scanner: Scanner, corpus=CORPUS) -> dict[str, Report]:
    """A report per language ("fr", "nl") and for both ("all")."""
    reports = {language: Report(language) for language in ("fr", "nl", "all")}
    for language, _style, text, expected in corpus:
        findings = list(scanner(text))
        targets = (reports[language], reports["all"])
        if not expected:
            for report in targets:
                report.clean += 1
                if findings:
                    report.false_alarms += 1
                    report.alarms.append((text, [(kind, text[start:end]) for kind, start, end in findings]))
            continue
        used = set()
        for kind, excerpt in expected:
            low = text.index(excerpt)
            high = low + len(excerpt)
            hit = next(
                (i for i, (k, start, end) in enumerate(findings) if k == kind and start < high and low < end), None
            )
            for report in targets:
                report.expected[kind] += 1
                if hit is not None:
                    report.found[kind] += 1
                else:
                    report.missed.append((kind, excerpt, text))
            if hit is not None:
                used.add(hit)
        # A finding that covers an expected excerpt of another kind is not "extra" either (the scan called a name
        # something else): only findings that touch nothing expected count.
        spans = [(text.index(excerpt), text.index(excerpt) + len(excerpt)) for _kind, excerpt in expected]
        for i, (_kind, start, end) in enumerate(findings):
            if i not in used and not any(start < high and low < end for low, high in spans):
                for report in targets:
                    report.extra += 1
    return reports
