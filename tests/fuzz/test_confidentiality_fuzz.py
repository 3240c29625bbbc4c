"""Bad input for the confidentiality scan (issue 15): very long texts, mixed scripts, invisible characters inside a
name or a number, text in neither language. Never an error, never a hang: the time per text is bounded, and findings
always lie within the text, sorted and disjoint, whichever entry point asks (while typing or at review)."""

from __future__ import annotations

import itertools
import time
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from editorial.confidentiality import LABELS, scan_all, scan_text, scan_variants
from tests.fuzz.inputs import BROWSER_CHARS, HUGE_TEXT, fuzz_settings

ZONE = SimpleNamespace(
    name="Zone de police Mons-Quévy",
    public_phone_list=lambda: ["065 41 22 00"],
    public_email_list=lambda: ["info@police-boraine.be"],
    public_name_list=lambda: ["Nathalie Gérard"],
    public_address_list=lambda: ["Rue Brunehault 2A, 7040 Quévy"],
)

# Pieces that make the people rules work hard: names, titles, ranks, roles, ages, streets, numbers, dates, the
# characters that hide them, and words of other scripts and languages.
PIECES = st.sampled_from(
    [
        "Jean",
        "Els",
        "Vermeulen",
        "Dupont",
        "DUPONT",
        "M.",
        "Mme",
        "dhr.",
        "mevr.",
        "l'inspecteur",
        "wijkagent",
        "le conducteur",
        "het slachtoffer",
        "van den",
        "De",
        "J.",
        "Lucas M.",
        ", 34 ans",
        " (15)",
        "-jarige",
        "de 17-jarige ",
        "rue des Alliés",
        "Kerkstraat",
        "steenweg",
        "chaussée de Binche",
        " 14",
        " n°12",
        " bte 3",
        ", 7000 Mons",
        "14, rue ",
        "née le 03/11/2007",
        "geboren op 3 juni 2010",
        "°2009",
        "[at]",
        "(dot)",
        "+33 6 12 34 56 78",
        "06-12345678",
        "BR.41.LB.012345/2024",
        "#Mons",
        "@police",
        "Saint-",
        "rue Jean Jaurès",
        "\u200b",
        "\u200d",
        "\u00ad",
        "\u202e",
        "\ufeff",
        " ",
        "\n",
        ".",
        ",",
        "(",
        ")",
        "-",
        "'",
        "\u2019",
        "Привет Иван Петров",
        "محمد علي",
        "李小龙",
        "Ελένη",
        "🚓👮‍♀️",
        "Ñandú Pérez",
        "Łukasz Wiśniewski",
        "Lorem ipsum dolor",
        "schön Straße 5",
        "Kowalski, 45 lat",
    ]
)
TEXTS = st.one_of(
    st.text(BROWSER_CHARS, max_size=400),
    st.lists(PIECES, max_size=60).map("".join),
    st.lists(PIECES, max_size=60).map(" ".join),
)

# Far above what a text takes normally (well under a millisecond); a hang or a quadratic pattern would cross it.
BOUND_SECONDS = 2.0


def check(text: str, findings) -> None:
    assert findings == sorted(findings, key=lambda finding: finding.start)
    for finding in findings:
        assert 0 <= finding.start < finding.end <= len(text)
        assert finding.kind in LABELS
        assert len(finding.excerpt) <= finding.end - finding.start
    assert all(a.end <= b.start for a, b in itertools.pairwise(findings))


@fuzz_settings(300)
@given(TEXTS)
def test_the_scan_never_raises_and_answers_the_same_at_both_entry_points(text):
    started = time.perf_counter()
    typed = scan_text(text, zone=ZONE)
    assert time.perf_counter() - started < BOUND_SECONDS
    check(text, typed)
    reviewed = scan_variants([SimpleNamespace(pk=1, text=text)], zone=ZONE)[1]
    assert reviewed == typed


@fuzz_settings(10)
@given(HUGE_TEXT)
def test_very_long_texts_are_scanned_in_bounded_time(text):
    started = time.perf_counter()
    findings = scan_all(text[:70_000])
    assert time.perf_counter() - started < 3 * BOUND_SECONDS
    check(text[:70_000], findings)


def test_the_worst_texts_we_know_stay_within_the_bound():
    for text in (
        "Jean Dupont, 34 ans, rue des Alliés 12 " * 1_800,  # 70,000 characters, 5,000 findings
        "Aa " * 23_000,
        "rue A " * 11_000,
        "M. " * 23_000,
        "1 " * 35_000,
        "\u200b" * 70_000,
        "J.-P. " * 11_000,
    ):
        started = time.perf_counter()
        check(text, scan_all(text))
        assert time.perf_counter() - started < 3 * BOUND_SECONDS, text[:20]
