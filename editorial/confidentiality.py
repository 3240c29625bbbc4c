"""Confidential data in a post's text, found before the director approves it.

`scan(text)` returns a `Finding` per national register number, BIS number, licence plate, private phone number,
e-mail address, IBAN and police report (PV) number in the text. It is pure Python (no database), never raises,
and is tuned for few false positives on ordinary French and Dutch police messages: dates (24.11.2026), times
(14h30), road numbers (N6, E19, R5), postal codes, house numbers, hashtags and URLs give no finding.

Identity and bank numbers are only reported when their check digits are right (python-stdnum). Each finding
carries a masked excerpt ("••.••.••-•••.28"), so it can be shown to the reviewer and logged without repeating
the secret.

`scan_notes(text, notes)` adds the terms named in an item's confidentiality notes (names, places, numbers: see
"The unit's confidentiality notes" below); `scan_text` and `scan_variants` are what the drafting page (as the
officer types) and the review show: both scans, the zone's public numbers and addresses allowed.

Invisible formatting characters (zero-width spaces, bidi marks such as U+202E, soft hyphens, BOM) are ignored
while matching, so a number pasted with them is still found; the offsets of a finding refer to the original text.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from stdnum import iban as stdnum_iban
from stdnum.be import bis as stdnum_bis
from stdnum.be import nn as stdnum_nn

from editorial import people

NATIONAL_REGISTER = "national_register"
BIS_NUMBER = "bis_number"
LICENCE_PLATE = "licence_plate"
PHONE = "phone"
EMAIL = "email"
IBAN = "iban"
PV_NUMBER = "pv_number"
# People (issue 15, editorial/people.py).
PERSON_NAME = people.PERSON_NAME
HOME_ADDRESS = people.HOME_ADDRESS
BIRTH_DATE = people.BIRTH_DATE
AGE = people.AGE

LABELS = {
    NATIONAL_REGISTER: _("Belgian national register number"),
    BIS_NUMBER: _("Belgian BIS number (identification number of a person not in the national register)"),
    LICENCE_PLATE: _("Vehicle licence plate"),
    PHONE: _("Phone number that is not one of the zone's public numbers"),
    EMAIL: _("E-mail address"),
    IBAN: _("Bank account number (IBAN)"),
    PV_NUMBER: _("Police report (PV) number"),
    PERSON_NAME: _("Name of a person (not one of the names the zone allows)"),
    HOME_ADDRESS: _("Home address (a street with a house number)"),
    BIRTH_DATE: _("Date of birth"),
    AGE: _("Age of a person the text names (a minor's especially)"),
}
# The identifiers `scan` finds; `PEOPLE_KINDS` are found by `scan_people`, and both by `scan_text`.
KINDS = (NATIONAL_REGISTER, BIS_NUMBER, LICENCE_PLATE, PHONE, EMAIL, IBAN, PV_NUMBER)
PEOPLE_KINDS = (PERSON_NAME, HOME_ADDRESS, BIRTH_DATE, AGE)

# When two candidates overlap, the longer wins; on equal length, the lower rank.
_RANK = {
    PV_NUMBER: 0,
    IBAN: 1,
    NATIONAL_REGISTER: 2,
    BIS_NUMBER: 2,
    EMAIL: 3,
    PHONE: 4,
    LICENCE_PLATE: 5,
    BIRTH_DATE: 6,
    HOME_ADDRESS: 7,
    PERSON_NAME: 8,
    AGE: 9,
}

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
# The neighbouring countries: +33 6 12 34 56 78, 0031 6 12345678, +49 (0)30 1234567, +352 621 123 456; and a French or
# Dutch mobile written the national way (06 12 34 56 78, 06-12345678), which no Belgian number looks like.
_FOREIGN_PHONE_RE = re.compile(
    rf"(?<![\w+]){_NOT_AFTER_TOKEN}"
    rf"(?:(?:\+|00){_SP}?(?P<cc>33|31|49|352){_SP}?(?:\(0\){_SP}?)?[1-9](?:{_PHONE_SEP}[0-9]){{4,10}}"
    rf"|(?P<mobile>0[67](?:{_SP}?[.\-/]?{_SP}?[0-9]){{8}}))"
    r"(?![0-9]|[.\-/][0-9])"
)
# Digits after the country code: France and the Netherlands 9, Germany 6 to 11, Luxembourg 6 to 9.
_FOREIGN_LENGTHS = {"33": (9, 9), "31": (9, 9), "49": (6, 11), "352": (6, 9)}
# After the 0 or +32: 9 digits for a mobile (045x-049x), 8 for anything else (landlines, 0800, 070, 078, 090x).
_PHONE_NSN_RE = re.compile(r"4[5-9][0-9]{7}|(?!4[5-9])[1-9][0-9]{7}")
# A file number and its year ("045678/2024") rather than a phone number.
_NUMBER_SLASH_YEAR_RE = re.compile(r"\(?0[0-9]{3,6}/(?:19|20)[0-9]{2}")
# An enterprise number (0456.789.123), which is public, after BE/TVA/BTW/BCE/KBO/entreprise/onderneming.
_ENTERPRISE_SHAPE_RE = re.compile(r"0[0-9]{3}\.[0-9]{3}\.[0-9]{3}")
_ENTERPRISE_CONTEXT_RE = re.compile(r"(?:\bBE|\bTVA|\bBTW|\bBCE|\bKBO|entreprise|onderneming)\W{0,25}$", re.IGNORECASE)

_EMAIL_RE = re.compile(r"(?<![\w.%+\-])[\w.%+\-]{1,64}@[\w\-]{1,63}(?:\.[\w\-]{1,63}){1,8}")
# Written to dodge filters: jean.dupont[at]gmail[dot]com, jean (at) gmail.com, jean{arobase}skynet.be, jean @ x.be.
_OBF_AT = (
    r"(?:[ \u00a0]{0,2}[\[({<][ \u00a0]{0,2}(?:at|arobase|apenstaart|a|@)[ \u00a0]{0,2}[\])}>][ \u00a0]{0,2}"
    r"|[ \u00a0]{1,2}@[ \u00a0]{0,2}|[ \u00a0]{0,2}@[ \u00a0]{1,2})"
)
_OBF_DOT = r"(?:[ \u00a0]{0,2}[\[({<][ \u00a0]{0,2}(?:dot|point|punt|\.)[ \u00a0]{0,2}[\])}>][ \u00a0]{0,2}|\.)"
_OBFUSCATED_EMAIL_RE = re.compile(
    rf"(?<![\w.%+\-])[\w.%+\-]{{1,64}}{_OBF_AT}[\w\-]{{1,63}}(?:{_OBF_DOT}[\w\-]{{1,63}}){{1,8}}",
    re.IGNORECASE,
)
_OBF_TLD_RE = re.compile(r"[^\W\d_]{2,}$")

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
# Every zone's structured reference: judicial district, zone or service, unit (L1, L12, LB, LL, F1, FD...), number and
# year, with dots, dashes or spaces: BR.41.LB.012345/2024, GE-55-L3-012345/24, AN 55 L7 059532/2022.
_PV_STRUCTURED = r"[A-Z]{2}(?P<sep>[.\- ])[0-9]{2}(?P=sep)[A-Z][A-Z0-9]{1,3}(?P=sep)[0-9]{4,7}/(?:19|20)?[0-9]{2}"
_PV_REF = (
    r"(?:[A-Z]{2}[.\- ][0-9]{2}[.\- ][A-Z][A-Z0-9]{1,3}[.\- ])?[0-9]{3,7}/(?:19|20)?[0-9]{2}"
    r"|[0-9]{4}/(?:19|20)[0-9]{2}/[0-9]{3,7}"
    r"|(?:19|20)[0-9]{2}/[0-9]{3,7}"
)
_PV_RE = re.compile(
    r"(?<![\w.])(?:p\.?v\.?(?:-nummer)?|pro\s{1,3}justitia|proc[eè]s[\s\-]verbaa?l)(?!\w)"
    r"[\s:]{0,3}(?:(?:n[°ºo]|nr|num(?:éro|ero|mer)?)\.?[\s:]{0,3}|#)?"
    rf"(?P<ref>{_PV_REF})"
    r"(?![\w]|/[0-9])",
    re.IGNORECASE,
)
# The structured reference is distinctive enough on its own: MO.12.L1.012345/2024.
_PV_STRUCTURED_RE = re.compile(rf"(?<![\w.\-])(?P<ref>{_PV_STRUCTURED})(?![\w]|/[0-9])")


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


def _foreign_phones(text: str):
    for match in _FOREIGN_PHONE_RE.finditer(text):
        if match.group("cc"):
            digits = _digits(match.group())
            national = digits.removeprefix("00").removeprefix(match.group("cc"))
            if "(0)" in match.group():
                national = national.removeprefix("0")
            low, high = _FOREIGN_LENGTHS[match.group("cc")]
            if not low <= len(national) <= high:
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
    for match in _OBFUSCATED_EMAIL_RE.finditer(text):
        found = match.group()
        if "@" in found and "[" not in found and "(" not in found and " " not in found:
            continue  # a plain address: found above
        # The last part is a top-level domain ("com", "be"), not a word of a sentence after "(at) home. We".
        tail = re.split(r"[\])}>.]|dot|point|punt", found, flags=re.IGNORECASE)[-1].strip()
        if not _OBF_TLD_RE.fullmatch(tail) or len(tail) > 12:
            continue
        compact = re.sub(r"[\s\[\](){}<>]", "", found)
        if compact.lower() in allowed:
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
    """The confidential identifiers in `text` (`KINDS`), sorted by position, without overlaps.

    `allowed_phones` (the zone's public numbers, in any spelling) and `allowed_emails` (its public addresses)
    are not reported. Emergency numbers (101, 112) never are.
    """
    return _scan(text, allowed_phones, allowed_emails)


def scan_people(
    text: str, *, allowed_names: Iterable[str] = (), allowed_addresses: Iterable[str] = ()
) -> list[Finding]:
    """The people in `text` (`PEOPLE_KINDS`: names, home addresses, dates of birth, ages; see editorial/people.py),
    sorted by position, without overlaps. `allowed_names` and `allowed_addresses` (the zone's own) are not reported."""
    return _scan(text, people_names=allowed_names, people_addresses=allowed_addresses, identifiers=False)


def scan_all(
    text: str,
    *,
    allowed_phones: Iterable[str] = (),
    allowed_emails: Iterable[str] = (),
    allowed_names: Iterable[str] = (),
    allowed_addresses: Iterable[str] = (),
) -> list[Finding]:
    """`scan` and `scan_people` together, one finding wherever they overlap (the longer wins)."""
    return _scan(text, allowed_phones, allowed_emails, people_names=allowed_names, people_addresses=allowed_addresses)


def _as_tuple(values: Iterable[str] | str | None) -> tuple[str, ...]:
    if isinstance(values, str):
        return (values,)
    return tuple(str(value) for value in values or ())


def _scan(
    text: str,
    allowed_phones: Iterable[str] = (),
    allowed_emails: Iterable[str] = (),
    *,
    people_names: Iterable[str] | None = None,
    people_addresses: Iterable[str] = (),
    identifiers: bool = True,
) -> list[Finding]:
    """``people_names`` None: the identifiers only (`scan`)."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if not text:
        return []
    visible, positions = _visible(text)
    candidates = []
    if identifiers:
        phones = frozenset(key for key in (phone_key(number) for number in _as_tuple(allowed_phones)) if key)
        emails = frozenset(address.strip().lower() for address in _as_tuple(allowed_emails))
        urls = sorted((m.start(), m.end()) for m in _URL_RE.finditer(visible))
        candidates += [
            *_pv_numbers(visible),
            *_ibans(visible),
            *_national_numbers(visible),
            *_emails(visible, emails),
            *_phones(visible, phones),
            *_foreign_phones(visible),
            *_plates(visible, urls),
        ]
    if people_names is not None:
        urls = sorted((m.start(), m.end()) for m in _URL_RE.finditer(visible))
        candidates += [
            (start, end, kind)
            for start, end, kind in people.find(
                visible, allowed_names=_as_tuple(people_names), allowed_addresses=_as_tuple(people_addresses)
            )
            if not _inside(urls, start, end)
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


# --- The unit's confidentiality notes -------------------------------------------------------------------------
# An item's "never publish" notes are free text ("Ne jamais publier le nom du conducteur, Jean Dupont, ni la plaque
# 1-ABC-123; pas le nom de la rue des Alliés"). The terms they name become checks of every text of a post made from
# the item:
#
# - quoted strings («Le Pélican», "Chez Marcel");
# - names: capitalised words and runs of them ("Jean Dupont", "Pieter van den Broeck", "Ghlin"), the run and each of
#   its words, except the common words of such notes and of police messages (_COMMON_WORDS: "Ne", "Pas", "Nooit",
#   "Police", "Lundi"...), which start sentences or are capitalised for no secret reason;
# - places: a street keyword and the words after it ("rue des Alliés", "chaussée de Binche"), a Dutch street name
#   ("Kerkstraat", "Brugse steenweg");
# - numbers: whatever `scan` finds in the notes (plates, phones, national numbers, IBANs, PV numbers, e-mail
#   addresses), and references mixing letters and digits ("VF1AB2C3D4").
#
# Matching ignores case and accents (and invisible characters, as `scan` does); numbers match whatever their
# separators ("1-ABC-123", "1abc123", "1 ABC 123"); words match whole words only. Names written in lower case and
# small numbers (a house number) are not recognised: the notes' own box on the drafting page still shows them.

NOTES_TERM = "notes_term"
NOTES_LABEL = _("Named in the unit's confidentiality notes")

_NOTES_MAX_CHARS = 5_000  # notes longer than this are read up to here
_NOTES_MAX_TERMS = 200


# Folded (lower case, no accents): see _fold. French, Dutch and English words that start the sentences of such notes
# or are capitalised in them without naming anyone or any place.
def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_COMMON_WORDS = _word_set(
    """
    a au aux avec c ca ce ceci cela celle celles celui ces cet cette ceux chez comme d dans de des donc dont du elle
    elles en entre et etc eux il ils j je l la le les leur leurs lui m ma mais me meme mes moi mon n ne ni non nos
    notre nous on or ou oui par pas plus pour qu quand que quel quelle quels qui quoi s sa sans se ses si son sous sur
    t ta te tes toi ton tu un une vos votre vous y ici la puis alors aussi tres tout tous toute toutes autre autres
    seul seule seuls seulement uniquement surtout notamment egalement encore deja toujours jamais rien aucun aucune
    personne nul nulle car mais est sont etait etre avoir ont ete fait faire doit doivent peut peuvent faut merci svp
    stp attention important importante remarque note nb ps urgent confidentiel confidentielle confidentiels
    confidentialite secret secrete interdit interdite interdiction strictement absolument eviter evitez veuillez
    prudence discretion
    publier publiez publie publiee publies publication diffuser diffusez diffusion mentionner mentionnez mention citer
    citez nommer nommez dire dites indiquer indiquez reveler revelez communiquer communiquez montrer montrez donner
    donnez afficher ecrire ecrivez preciser precisez evoquer evoquez parler flouter floutez masquer masquez cacher
    cachez anonymiser anonymisez
    nom noms prenom prenoms adresse adresses domicile photo photos image images video videos visage visages plaque
    plaques immatriculation numero numeros telephone gsm victime victimes temoin temoins conducteur conductrice
    conducteurs auteur auteurs suspect suspects suspecte prevenu prevenus famille familles enfant enfants mineur
    mineure mineurs parent parents proches identite identites personnes vehicule vehicules voiture voitures camion
    camionnette moto velo lieu lieux endroit quartier maison habitation commerce magasin ecole enquete enquetes
    dossier dossiers parquet juge procureur roi justice tribunal police policier policiers policiere agent agents
    zone service services unite equipe commissariat inspecteur commissaire chef corps direction directeur ville
    commune village province region belgique wallonie flandre bruxelles etat date heure heures jour jours semaine
    mois annee matin soir nuit midi fait faits accident accidents vol vols incident intervention controle operation
    arrestation interpellation plainte pv rrn bis iban chassis reference marque modele type couleur
    lundi mardi mercredi jeudi vendredi samedi dimanche janvier fevrier mars avril mai juin juillet aout septembre
    octobre novembre decembre
    mr mrs ms mme mlle monsieur madame mademoiselle dr maitre dhr mevr mevrouw meneer heer
    saint sainte st ste sint grand grande grands grandes petit petite vieux vieille nouveau nouvelle haut haute bas
    basse nord sud est ouest grote kleine nieuwe oude hoog laag noord zuid oost west
    de het een en of noch niet nooit geen niets niemand nergens wel ook maar want dus dan als zoals dat die dit deze
    wie wat waar wanneer hoe van voor met zonder door op in aan bij naar uit over onder tussen tegen tot om te ter ten
    zijn is was waren worden wordt werd heeft hebben had moet moeten mag mogen kan kunnen zal zullen wij we jij je u
    hij zij ze ik mij hem haar hun ons onze jullie zich er hier daar alles alle elk elke iedere enkel enkele alleen
    slechts vooral zeker aub dank bedankt opgelet let belangrijk opmerking vertrouwelijk geheim verboden absoluut
    strikt nee ja graag gelieve
    publiceren publiceer gepubliceerd publicatie vermelden vermeld noemen noem tonen toon verspreiden verspreid
    bekendmaken zeggen geven delen vertellen schrijven melden vervagen blurren
    naam namen voornaam adres adressen woonplaats foto fotos beeld beelden gezicht nummerplaat nummerplaten kenteken
    nummer telefoon slachtoffer slachtoffers getuige getuigen bestuurder bestuurders chauffeur dader daders verdachte
    verdachten familie gezin kind kinderen minderjarige ouders identiteit persoon personen voertuig voertuigen wagen
    auto vrachtwagen fiets straat plaats buurt wijk huis woning winkel school onderzoek parket rechter politie
    agenten dienst eenheid commissariaat commissaris korpschef stad gemeente dorp provincie belgie vlaanderen
    brussel datum uur dag week maand jaar ochtend avond nacht feit feiten ongeval ongevallen diefstal interventie
    actie arrestatie klacht chassisnummer referentie merk kleur
    maandag dinsdag woensdag donderdag vrijdag zaterdag zondag januari februari maart juni juli augustus
    the an and nor not never no none do dont don please publish mention name names address photo plate number victim
    witness driver only
    """
)
# Lower-case words that may sit inside a name: "Pieter van den Broeck", "Jean de la Fontaine".
_NAME_PARTICLES = _word_set("de du des la le les d l van von der den ter ten het t di da del della dos")

_QUOTED_RE = re.compile(
    r"«\s*(?P<a>[^«»\n]{2,80}?)\s*»|“(?P<b>[^“”\n]{2,80}?)”|„(?P<c>[^„“”\n]{2,80}?)[“”]"
    r"|\"(?P<d>[^\"\n]{2,80}?)\"|\u2018(?P<e>[^\u2018\u2019\n]{2,80}?)\u2019"
)
# A word: letters, with inner apostrophes and hyphens ("Saint-Ghislain", "D'Hondt").
_WORD_RE = re.compile(r"[^\W\d_]+(?:['\u2019\-][^\W\d_]+)*")
_ELISION_RE = re.compile(r"^[^\W\d_]['\u2019](?=[^\W\d_])")  # "d'", "l'" before a name: "d'Havré"
_STREET_BEFORE_RE = re.compile(
    r"(?<!\w)(?:rue|ruelle|avenue|boulevard|bd|chaussee|chemin|place|allee|impasse|quai|route|square|dreve|sentier"
    r"|clos|cite|venelle|residence|hameau|esplanade|parvis)(?!\w)",
)
# A word after a street keyword, in folded text: " des", " allies", " d'havre".
_STREET_NAME_WORD_RE = re.compile(r"\s+([^\W\d_]+(?:['\-][^\W\d_]+)*)")
_STREET_COMPOUND_RE = re.compile(r"(?<!\w)\w{3,}(?:straat|steenweg|laan|dreef|plein|lei|kaai|singel|gracht|kade)(?!\w)")
_STREET_DUTCH_RE = re.compile(r"(?<!\w)(\w{3,})[ \-](?:straat|steenweg|laan|dreef|plein|lei|kaai|markt|weg)(?!\w)")
# A token with a digit in it: a plate, a reference, a date.
_MIXED_TOKEN_RE = re.compile(r"[\w\-./]*\d[\w\-./]*")
# Letters and digits mixed in one reference (chassis, file numbers), but not a time ("14h30", "8u15").
_REFERENCE_RE = re.compile(r"(?<!\w)(?=[\w\-./]*\d)(?=[\w\-./]*[^\W\d_])\w(?:[\w\-./]*\w)?(?!\w)")
_TIME_RE = re.compile(r"\d{1,2}[hu:]\d{0,2}(?:min)?|\d{1,2}(?:e|er|ere|ste|de|th|st|nd|rd)", re.IGNORECASE)


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char.casefold())
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "'" if folded in ("\u2019", "\u02bc", "\u2018") else folded  # typographic apostrophes


def _fold(text: str) -> tuple[str, list[int] | None]:
    """``text`` in lower case without accents or invisible characters, and for each of its characters the index
    of the character of ``text`` it comes from (None when they are the same: plain ASCII)."""
    if text.isascii():
        return text.lower(), None
    out: list[str] = []
    positions: list[int] = []
    for index, char in enumerate(text):
        if _INVISIBLE_RE.match(char):
            continue
        folded = _fold_char(char)
        out.append(folded)
        positions.extend([index] * len(folded))
    return "".join(out), positions


@dataclass(frozen=True)
class _Term:
    text: str  # as written in the notes
    pattern: str  # regular expression over folded text
    weight: int  # longer terms are tried first, so that "Jean Dupont" wins over "Jean"


def _phrase(text: str) -> _Term | None:
    words = re.findall(r"[^\W_]+", _fold(text)[0])
    if sum(len(word) for word in words) < 3:
        return None
    return _Term(text.strip(), r"[\W_]{1,3}".join(re.escape(word) for word in words), sum(map(len, words)))


def _number(text: str) -> _Term | None:
    compact = [char for char in _fold(text)[0] if char.isalnum()]
    if len(compact) < 5:
        return None
    return _Term(text.strip(), r"[\s.\-/]?".join(re.escape(char) for char in compact), len(compact))


def _name_terms(notes: str) -> list[_Term]:
    terms: list[_Term] = []
    # The current name: its words, each with whether it is a particle ("van", "de", "Le").
    run: list[tuple[int, int, bool]] = []
    last_end = 0
    # Letters inside a plate or a reference ("1-ABC-123") are not a name: the number is a term of its own.
    mixed = [match.span() for match in _MIXED_TOKEN_RE.finditer(notes)]

    def close() -> None:
        while run and run[-1][2]:
            run.pop()  # "Jean de" ends with its name
        while run and run[0][2] and notes[run[0][0]].islower():
            run.pop(0)
        names = [(start, end) for start, end, particle in run if not particle]
        if names:
            terms.append(_phrase(notes[run[0][0] : run[-1][1]]))
            if len(run) > 1:
                terms.extend(_phrase(notes[start:end]) for start, end in names)
        run.clear()

    for match in _WORD_RE.finditer(notes):
        start, end = match.span()
        if run and notes[last_end:start].strip():
            close()  # punctuation between two words ends a name
        last_end = end
        if any(low <= start and end <= high for low, high in mixed):
            close()
            continue
        elision = _ELISION_RE.match(match.group())
        if elision:
            start += elision.end()  # "d'Havré": the name is "Havré"
        word = notes[start:end]
        folded = _fold(word)[0]
        if folded in _NAME_PARTICLES and not elision:
            # A particle inside a name ("Pieter van den Broeck"), or starting one if capitalised ("Van den Broeck").
            if run or word[0].isupper():
                run.append((start, end, True))
            continue
        letters = sum(char.isalpha() for char in word)
        if word[0].isupper() and folded not in _COMMON_WORDS and letters >= (3 if word.isupper() else 2):
            run.append((start, end, False))
        else:
            close()
    close()
    return [term for term in terms if term is not None]


def _street_terms(notes: str) -> list[_Term]:
    folded, positions = _fold(notes)

    def original(start: int, end: int) -> str:
        return notes[start:end] if positions is None else notes[positions[start] : positions[end - 1] + 1]

    terms = []
    for keyword in _STREET_BEFORE_RE.finditer(folded):
        # The name after the keyword: particles and words up to punctuation or a common word, at most five words.
        ends: list[tuple[int, bool]] = []  # where each word ends, and whether it is a particle
        position = keyword.end()
        while len(ends) < 5:
            word = _STREET_NAME_WORD_RE.match(folded, position)
            if word is None:
                break
            token = _ELISION_RE.sub("", word.group(1))
            particle = token in _NAME_PARTICLES
            if token in _COMMON_WORDS and not particle:
                break
            ends.append((word.end(), particle))
            position = word.end()
        while ends and ends[-1][1]:
            ends.pop()  # "rue de" names nothing
        if ends:
            terms.append(_phrase(original(keyword.start(), ends[-1][0])))
    for pattern in (_STREET_COMPOUND_RE, _STREET_DUTCH_RE):
        for match in pattern.finditer(folded):
            if re.split(r"[\s\-]", match.group())[0] not in _COMMON_WORDS:
                terms.append(_phrase(original(*match.span())))
    return [term for term in terms if term is not None]


def _number_terms(notes: str) -> list[_Term]:
    terms = []
    for finding in scan(notes):
        found = notes[finding.start : finding.end]
        terms.append(_phrase(found) if finding.kind == EMAIL else _number(found))
    for match in _REFERENCE_RE.finditer(notes):
        found = match.group()
        if len(re.sub(r"\W", "", found)) >= 6 and not _TIME_RE.fullmatch(found):
            terms.append(_number(found))
    return [term for term in terms if term is not None]


def _quoted_terms(notes: str) -> list[_Term]:
    terms = []
    for match in _QUOTED_RE.finditer(notes):
        quoted = next(group for group in match.groups() if group is not None)
        terms.append(_phrase(quoted))
    return [term for term in terms if term is not None]


def _terms(notes: str) -> list[_Term]:
    notes = notes[:_NOTES_MAX_CHARS]
    found = [*_quoted_terms(notes), *_number_terms(notes), *_street_terms(notes), *_name_terms(notes)]
    unique: dict[str, _Term] = {}
    for term in found:
        unique.setdefault(term.pattern, term)
    return sorted(unique.values(), key=lambda term: (-term.weight, term.pattern))[:_NOTES_MAX_TERMS]


def notes_terms(notes: str) -> list[str]:
    """The terms of an item's confidentiality notes that posts made from it are checked for, as written there."""
    if not isinstance(notes, str):
        return []
    return [term.text for term in _terms(notes)]


@functools.lru_cache(maxsize=256)
def _notes_matcher(notes: str, allowed: tuple[str, ...]) -> re.Pattern[str] | None:
    # What may be named is allowed as written and by its names: "Zone de police Mons-Quévy" allows "Mons-Quévy".
    allowed_terms = [*map(_phrase, allowed), *(term for name in allowed for term in _name_terms(name))]
    allowed_patterns = {term.pattern for term in allowed_terms if term is not None}
    patterns = [term.pattern for term in _terms(notes) if term.pattern not in allowed_patterns]
    if not patterns:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(patterns) + r")(?!\w)")


@dataclass(frozen=True)
class Notes:
    """The confidentiality notes a post's texts are checked against: the notes of the item it was made from, and
    the names the post gives anyway (its locality: a post about a control in Quévy names Quévy)."""

    text: str = ""
    allowed: tuple[str, ...] = ()

    @classmethod
    def of(cls, *, post: Any = None, item: Any = None) -> Notes:
        """The notes of ``post``'s item (``post.item`` and ``post.locality`` should be loaded), or of ``item``
        for a post not made yet."""
        if post is not None:
            item = post.item if post.item_id is not None else None
            locality = post.locality if post.locality_id is not None else None
        else:
            locality = item.locality if item is not None and item.locality_id is not None else None
        if item is None or not item.confidentiality_notes.strip():
            return NO_NOTES
        return cls(text=item.confidentiality_notes, allowed=(locality.name,) if locality is not None else ())


NO_NOTES = Notes()


def scan_notes(text: str, notes: Notes) -> list[Finding]:
    """Where ``text`` names a term of the confidentiality ``notes`` (see above), sorted, without overlaps."""
    if not isinstance(text, str) or not text or not isinstance(notes.text, str) or not notes.text.strip():
        return []
    matcher = _notes_matcher(notes.text, tuple(notes.allowed))
    if matcher is None:
        return []
    folded, positions = _fold(text)
    findings = []
    for match in matcher.finditer(folded):
        start, end = match.span()
        if positions is not None:
            start, end = positions[start], positions[end - 1] + 1
        findings.append(
            Finding(
                kind=NOTES_TERM,
                label=NOTES_LABEL,
                start=start,
                end=end,
                excerpt=mask(_visible(text[start:end])[0]),
            )
        )
    return findings


def _with_notes(findings: list[Finding], text: str, notes: Notes) -> list[Finding]:
    """``findings`` and those of the notes that do not overlap one of them: a number's own kind says more than the
    notes. A person the notes name is the notes' finding ("Named in the unit's confidentiality notes" says more than
    "Name of a person"): it takes the place of the people findings it overlaps ("M. Dupont" becomes "Dupont")."""
    if not notes.text:
        return findings
    kept = list(findings)
    extra = []
    for note in scan_notes(text, notes):
        overlapping = [found for found in kept if found.start < note.end and note.start < found.end]
        if all(found.kind in PEOPLE_KINDS for found in overlapping):
            kept = [found for found in kept if found not in overlapping]
            extra.append(note)
    return sorted([*kept, *extra], key=lambda finding: finding.start) if extra else findings


def _signed_by(notes: Notes, zone: Any) -> Notes:
    """The zone's own name is in many posts (the signature, the account's name): never a finding of the notes."""
    name = getattr(zone, "name", "")
    if not notes.text or not isinstance(name, str) or not name:
        return notes
    return Notes(notes.text, (*notes.allowed, name))


def scan_text(text: str, *, zone: Any, notes: Notes = NO_NOTES) -> list[Finding]:
    """The findings of one post text as the review sees them: ``scan_all`` (identifiers and people) with the ``zone``'s
    public numbers, e-mail addresses, names and addresses allowed, plus the terms of the item's confidentiality
    ``notes`` (``scan_notes``, ``Notes.of``). What
    the officer is shown while typing (editorial/views/checks.py) is this, so it never differs from the review."""
    return _with_notes(_scan_for_zone(text, zone), text, _signed_by(notes, zone))


def _zone_lists(zone: Any) -> dict[str, list[str]]:
    """What the ``zone`` allows posts to give: its public phones, e-mail addresses, names and addresses."""

    def lines(method: str) -> list[str]:
        read = getattr(zone, method, None)
        return list(read()) if callable(read) else []

    return {
        "allowed_phones": lines("public_phone_list"),
        "allowed_emails": lines("public_email_list"),
        "allowed_names": lines("public_name_list"),
        "allowed_addresses": lines("public_address_list"),
    }


def _scan_for_zone(text: str, zone: Any, lists: dict[str, list[str]] | None = None) -> list[Finding]:
    return scan_all(text, **(lists if lists is not None else _zone_lists(zone)))


def scan_variants(variants: Iterable[Any], *, zone: Any, notes: Notes = NO_NOTES) -> dict[int, list[Finding]]:
    """Findings per post variant id (PostVariant objects): what the officer sees while drafting and what the
    director must correct or override before approving. The ``zone``'s public numbers and addresses are not
    reported; the terms of ``notes`` (the confidentiality notes of the item the post was made from) are."""
    lists = _zone_lists(zone)
    notes = _signed_by(notes, zone)
    return {
        variant.pk: _with_notes(_scan_for_zone(variant.text, zone, lists), variant.text, notes) for variant in variants
    }


def findings_payload(findings_by_variant: dict[int, list[Finding]], variants: Iterable[Any]) -> list[dict]:
    """The findings as stored with an approval and in its override audit event (in English, masked)."""
    payload = []
    with translation.override("en"):
        for variant in variants:
            for finding in findings_by_variant.get(variant.pk, []):
                payload.append({"channel": variant.channel_id, **finding.to_dict()})
    return payload
