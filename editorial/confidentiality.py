"""Confidential data in a post's text, found before the director approves it.

`scan(text)` returns a `Finding` per national register number, BIS number, licence plate, private phone number,
e-mail address, IBAN and police report (PV) number in the text. It is pure Python (no database), never raises,
and is tuned for few false positives on ordinary French and Dutch police messages: dates (24.11.2026), times
(14h30), road numbers (N6, E19, R5), postal codes, house numbers, hashtags and URLs give no finding.

Identity and bank numbers are only reported when their check digits are right (python-stdnum). Each finding
carries a masked excerpt ("••.••.••-•••.28"), so it can be shown to the reviewer and logged without repeating
the secret.

Invisible formatting characters (zero-width spaces, bidi marks such as U+202E, soft hyphens, BOM) are ignored
while matching, so a number pasted with them is still found; the offsets of a finding refer to the original text.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from stdnum import iban as stdnum_iban
from stdnum.be import bis as stdnum_bis
from stdnum.be import nn as stdnum_nn

NATIONAL_REGISTER = "national_register"
BIS_NUMBER = "bis_number"
LICENCE_PLATE = "licence_plate"
PHONE = "phone"
EMAIL = "email"
IBAN = "iban"
PV_NUMBER = "pv_number"

LABELS = {
    NATIONAL_REGISTER: _("Belgian national register number"),
    BIS_NUMBER: _("Belgian BIS number (identification number of a person not in the national register)"),
    LICENCE_PLATE: _("Vehicle licence plate"),
    PHONE: _("Phone number that is not one of the zone's public numbers"),
    EMAIL: _("E-mail address"),
    IBAN: _("Bank account number (IBAN)"),
    PV_NUMBER: _("Police report (PV) number"),
}
KINDS = tuple(LABELS)

# When two candidates overlap, the longer wins; on equal length, the lower rank.
_RANK = {PV_NUMBER: 0, IBAN: 1, NATIONAL_REGISTER: 2, BIS_NUMBER: 2, EMAIL: 3, PHONE: 4, LICENCE_PLATE: 5}

MASK = "•"
_KEEP = 2  # clear characters left at the end of an excerpt


@dataclass(frozen=True)
class Finding:
    kind: str
    label: str  # lazy translation: str(label) gives it in the active language
    start: int
    end: int
    excerpt: str  # the matched text, masked except its last characters

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "label": str(self.label),
            "start": self.start,
            "end": self.end,
            "excerpt": self.excerpt,
        }


def mask(secret: str, keep: int = _KEEP) -> str:
    """Replace every letter and digit by "•" except the last `keep` ones; separators stay for readability."""
    alnum = [i for i, char in enumerate(secret) if char.isalnum()]
    # Too short to show anything safely: mask it all.
    clear_from = alnum[-keep] if keep > 0 and len(alnum) >= 3 * keep else len(secret)
    return "".join(MASK if char.isalnum() and i < clear_from else char for i, char in enumerate(secret))


# --- Text preparation ---------------------------------------------------------------------------------------

# Format characters that change nothing visible: soft hyphen, Arabic letter mark, Mongolian vowel separator,
# zero-width spaces and joiners, LRM/RLM, bidi embeddings/overrides/isolates, word joiner, BOM.
_INVISIBLE_RE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")


def _visible(text: str) -> tuple[str, list[int] | None]:
    """The text without invisible format characters, and for each kept character its index in `text`."""
    if not _INVISIBLE_RE.search(text):
        return text, None
    positions = [i for i, char in enumerate(text) if not _INVISIBLE_RE.match(char)]
    return "".join(text[i] for i in positions), positions


# --- Patterns -----------------------------------------------------------------------------------------------

_SP = "[ \u00a0\u202f]"  # space, no-break space, narrow no-break space
_NOT_AFTER_TOKEN = r"(?<!\w)(?<![0-9][.\-/])"  # not glued to the end of a word or a dotted/dashed number
_NOT_BEFORE_TOKEN = r"(?!\w|[.\-/][0-9])"

# 85.07.30-033.28, 850730-033-28, 85073003328, 85 07 30 033 28: YY MM DD NNN CC, separators optional.
_NN_SEP = rf"(?:{_SP}?[.\-]{_SP}?|{_SP})?"
_NN_RE = re.compile(
    rf"(?<!\+){_NOT_AFTER_TOKEN}"
    rf"[0-9]{{2}}{_NN_SEP}[0-9]{{2}}{_NN_SEP}[0-9]{{2}}{_NN_SEP}[0-9]{{3}}{_NN_SEP}[0-9]{{2}}"
    rf"{_NOT_BEFORE_TOKEN}"
)

# +32 470 12 34 56, 0032 (0)2 123 45 67, 0470/12.34.56, (065) 12 34 56, 065 12 34 56.
_PHONE_SEP = rf"(?:{_SP}?[./\-]{_SP}?|{_SP}|\){_SP}?)?"
_PHONE_RE = re.compile(
    rf"(?<![\w+]){_NOT_AFTER_TOKEN}"
    rf"(?P<prefix>(?:\+|00){_SP}?32{_SP}?(?:\(0\){_SP}?)?|\(?0)"
    rf"[1-9](?:{_PHONE_SEP}[0-9]){{7,8}}"
    r"(?![0-9]|[.\-/][0-9])"
)
# After the 0 or +32: 9 digits for a mobile (045x-049x), 8 for anything else (landlines, 0800, 070, 078, 090x).
_PHONE_NSN_RE = re.compile(r"4[5-9][0-9]{7}|(?!4[5-9])[1-9][0-9]{7}")
# A file number and its year ("045678/2024") rather than a phone number.
_NUMBER_SLASH_YEAR_RE = re.compile(r"\(?0[0-9]{3,6}/(?:19|20)[0-9]{2}")
# An enterprise number (0456.789.123), which is public, after BE/TVA/BTW/BCE/KBO/entreprise/onderneming.
_ENTERPRISE_SHAPE_RE = re.compile(r"0[0-9]{3}\.[0-9]{3}\.[0-9]{3}")
_ENTERPRISE_CONTEXT_RE = re.compile(r"(?:\bBE|\bTVA|\bBTW|\bBCE|\bKBO|entreprise|onderneming)\W{0,25}$", re.IGNORECASE)

_EMAIL_RE = re.compile(r"(?<![\w.%+\-])[\w.%+\-]{1,64}@[\w\-]{1,63}(?:\.[\w\-]{1,63}){1,8}")

# Country code, check digits and 11 to 30 letters/digits, possibly in groups: BE68 5390 0754 7034.
_IBAN_RE = re.compile(rf"(?<![0-9A-Za-z])[A-Za-z]{{2}}[0-9]{{2}}(?:(?:{_SP}|-)?[0-9A-Za-z]){{11,30}}")

# Belgian plates: 1-ABC-234 (2010-), 123-ABC (2008-2010), ABC-123 (1973-2008).
_PLATE_BEFORE = r"(?<![\w\-./@])"
_PLATE_AFTER = r"(?![\w@]|[\-./]\w)"
_PLATE_SEP = rf"(?:[\-.]|{_SP})?"
_PLATE_RES = (
    re.compile(rf"{_PLATE_BEFORE}[1-9](?P<s1>{_PLATE_SEP})[A-Za-z]{{3}}(?P<s2>{_PLATE_SEP})[0-9]{{3}}{_PLATE_AFTER}"),
    re.compile(rf"{_PLATE_BEFORE}[A-Za-z]{{3}}(?P<s1>{_PLATE_SEP})[0-9]{{3}}{_PLATE_AFTER}"),
    re.compile(rf"{_PLATE_BEFORE}[0-9]{{3}}(?P<s1>{_PLATE_SEP})[A-Za-z]{{3}}{_PLATE_AFTER}"),
)
# A plate keyword shortly before: "plaque 1abc234", "immatriculée ABC 123", "nummerplaat 1-ABC-234".
_PLATE_CONTEXT_RE = re.compile(
    r"(?:plaques?|immatricul\w*|nummerplaat|nummerbord|kenteken|inschrijvingsplaat|plates?)\b[^\n]{0,25}$",
    re.IGNORECASE,
)

_URL_RE = re.compile(
    r"(?:\b[a-z][a-z0-9+.\-]{1,15}://|\bwww\.)[^\s<>\"']+"
    r"|(?<![\w.\-])[\w\-]{1,63}(?:\.[\w\-]{1,63}){0,10}"
    r"\.(?:be|brussels|vlaanderen|wallonie|eu|com|org|net|fr|nl|lu|de|info)/[^\s<>\"']*",
    re.IGNORECASE,
)

# PV MO.12.L1.012345/2024, PV n° 012345/2024, P.V. nr. 12345/24, pro justitia 12345/2024, PV 2024/012345.
_PV_REF = (
    r"(?:[A-Z]{2}\.[0-9]{2}\.[A-Z][0-9]{1,2}\.)?[0-9]{3,7}/(?:19|20)?[0-9]{2}"
    r"|(?:19|20)[0-9]{2}/[0-9]{3,7}"
)
_PV_RE = re.compile(
    r"(?<![\w.])(?:p\.?v\.?|pro\s{1,3}justitia|proc[eè]s[\s\-]verbaa?l)(?!\w)"
    r"[\s:]{0,3}(?:(?:n[°ºo]|nr|num(?:éro|ero|mer)?)\.?[\s:]{0,3}|#)?"
    rf"(?P<ref>{_PV_REF})"
    r"(?![\w]|/[0-9])",
    re.IGNORECASE,
)
# The structured reference is distinctive enough on its own: MO.12.L1.012345/2024.
_PV_STRUCTURED_RE = re.compile(
    r"(?<![\w.])(?P<ref>[A-Z]{2}\.[0-9]{2}\.[A-Z][0-9]{1,2}\.[0-9]{4,7}/(?:19|20)?[0-9]{2})(?![\w]|/[0-9])"
)


# --- Detectors: each yields (start, end, kind) in the visible text --------------------------------------------


def _digits(value: str) -> str:
    return "".join(char for char in value if "0" <= char <= "9")


def _national_numbers(text: str):
    for match in _NN_RE.finditer(text):
        number = _digits(match.group())
        if stdnum_nn.is_valid(number):
            yield match.start(), match.end(), NATIONAL_REGISTER
        elif stdnum_bis.is_valid(number):
            yield match.start(), match.end(), BIS_NUMBER


def phone_key(number: str) -> str | None:
    """The national significant number of a Belgian phone number ("+32 65 12 34 56" -> "65123456"), or None."""
    value = str(number).strip()
    digits = _digits(value)
    if digits.startswith("0032"):
        digits = digits[4:]
    elif value.startswith("+") or (digits.startswith("32") and len(digits) in (10, 11)):
        if not digits.startswith("32"):
            return None  # another country
        digits = digits[2:]
    digits = digits.removeprefix("0")
    return digits if _PHONE_NSN_RE.fullmatch(digits) else None


def _phones(text: str, allowed: frozenset[str]):
    for match in _PHONE_RE.finditer(text):
        found = match.group()
        key = phone_key(found)
        if key is None or key in allowed or _NUMBER_SLASH_YEAR_RE.fullmatch(found):
            continue
        if _ENTERPRISE_SHAPE_RE.fullmatch(found) and _ENTERPRISE_CONTEXT_RE.search(
            text, max(0, match.start() - 40), match.start()
        ):
            continue
        yield match.start(), match.end(), PHONE


def _emails(text: str, allowed: frozenset[str]):
    for match in _EMAIL_RE.finditer(text):
        address = match.group()
        local, _at, domain = address.rpartition("@")
        tld = domain.rsplit(".", 1)[-1]
        if not (len(tld) >= 2 and tld.isalpha()) or local.strip(".") == "" or address.lower() in allowed:
            continue
        yield match.start(), match.end(), EMAIL


def _ibans(text: str):
    for match in _IBAN_RE.finditer(text):
        # The pattern may run into a following group of digits ("BE68 5390 0754 7034 12 décembre"):
        # try the whole match, then without its last groups.
        ends = [match.end()] + [
            match.start() + i for i in range(len(match.group()) - 1, 13, -1) if not match.group()[i].isalnum()
        ]
        for end in ends:
            if end < len(text) and text[end].isalnum():
                continue
            compact = "".join(char for char in text[match.start() : end] if char.isalnum())
            # check_country=False: the IBAN check digits and the country's layout, not the bank registries.
            if stdnum_iban.is_valid(compact, check_country=False):
                yield match.start(), end, IBAN
                break


def _plates(text: str, urls: list[tuple[int, int]]):
    for pattern in _PLATE_RES:
        for match in pattern.finditer(text):
            start, end = match.start(), match.end()
            if _inside(urls, start, end):
                continue
            seps = {match.group(name) for name in ("s1", "s2") if name in pattern.groupindex}
            upper = "".join(char for char in match.group() if char.isalpha()).isupper()
            if _PLATE_CONTEXT_RE.search(text, max(0, start - 40), start):
                # After a plate keyword: any separators, and lower case too unless spaced ("rue 125").
                if upper or not any(sep.isspace() for sep in seps):
                    yield start, end, LICENCE_PLATE
                continue
            # Without a plate keyword: upper case only, and the same separator throughout; the two older
            # formats need a dash or a dot ("ABC 123" and "ABC123" are too common in ordinary text).
            if not upper or len(seps) != 1:
                continue
            if pattern is not _PLATE_RES[0] and seps.pop() not in ("-", "."):
                continue
            yield start, end, LICENCE_PLATE


def _pv_numbers(text: str):
    for pattern in (_PV_RE, _PV_STRUCTURED_RE):
        for match in pattern.finditer(text):
            yield match.start("ref"), match.end("ref"), PV_NUMBER


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    index = bisect_left(spans, (start + 1,)) - 1
    return index >= 0 and spans[index][0] <= start and end <= spans[index][1]


def _without_overlaps(candidates: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Keep the longest candidate (then the best ranked) wherever candidates overlap."""
    kept: list[tuple[int, int, str]] = []  # sorted by start, pairwise disjoint
    for start, end, kind in sorted(set(candidates), key=lambda c: (c[0] - c[1], _RANK[c[2]], c[0])):
        index = bisect_left(kept, (start,))
        if index > 0 and kept[index - 1][1] > start:
            continue
        if index < len(kept) and kept[index][0] < end:
            continue
        kept.insert(index, (start, end, kind))
    return kept


# --- Entry point --------------------------------------------------------------------------------------------


def scan(
    text: str,
    allowed_phones: Iterable[str] = (),
    *,
    allowed_emails: Iterable[str] = (),
) -> list[Finding]:
    """The confidential data in `text`, sorted by position, without overlaps.

    `allowed_phones` (the zone's public numbers, in any spelling) and `allowed_emails` (its public addresses)
    are not reported. Emergency numbers (101, 112) never are.
    """
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if not text:
        return []
    if isinstance(allowed_phones, str):
        allowed_phones = (allowed_phones,)
    if isinstance(allowed_emails, str):
        allowed_emails = (allowed_emails,)
    phones = frozenset(key for key in (phone_key(number) for number in allowed_phones or ()) if key)
    emails = frozenset(str(address).strip().lower() for address in allowed_emails or ())

    visible, positions = _visible(text)
    urls = sorted((m.start(), m.end()) for m in _URL_RE.finditer(visible))
    candidates = [
        *_pv_numbers(visible),
        *_ibans(visible),
        *_national_numbers(visible),
        *_emails(visible, emails),
        *_phones(visible, phones),
        *_plates(visible, urls),
    ]
    findings = []
    for start, end, kind in _without_overlaps(candidates):
        original_start, original_end = (start, end) if positions is None else (positions[start], positions[end - 1] + 1)
        findings.append(
            Finding(
                kind=kind,
                label=LABELS[kind],
                start=original_start,
                end=original_end,
                excerpt=mask(visible[start:end]),
            )
        )
    return findings


def scan_variants(variants: Iterable[Any], *, zone: Any) -> dict[int, list[Finding]]:
    """Findings per post variant id (PostVariant objects): what the officer sees while drafting and what the
    director must correct or override before approving. The ``zone``'s public numbers and addresses are not
    reported."""
    phones, emails = zone.public_phone_list(), zone.public_email_list()
    return {variant.pk: scan(variant.text, phones, allowed_emails=emails) for variant in variants}


def findings_payload(findings_by_variant: dict[int, list[Finding]], variants: Iterable[Any]) -> list[dict]:
    """The findings as stored with an approval and in its override audit event (in English, masked)."""
    payload = []
    with translation.override("en"):
        for variant in variants:
            for finding in findings_by_variant.get(variant.pk, []):
                payload.append({"channel": variant.channel_id, **finding.to_dict()})
    return payload
