"""Templates' placeholders (issue 13): which ones a text uses, what each kind accepts, and the text an instance
gets once they are filled.

Below the services and the forms: nothing here writes. A template's text names its placeholders in braces
(``{locality}``, ``{road}``, ``{from}``, ``{until}``, ``{date}``, and free ones the template declares, such as
``{event}``); each declared placeholder has a kind that says what may be typed in it:

- ``locality``: one of the zone's localities (by name); ``{<name>_hashtag}`` then gives its hashtag;
- ``road``: one of the zone's roads (by name);
- ``time``: a time of day, ``14:30`` (written ``14h30`` in French, ``14.30 uur`` in Dutch);
- ``date``: a day, ``2026-12-10`` (written ``jeudi 10 décembre`` / ``donderdag 10 december``);
- ``text``: a short free text, at most ``max_length`` characters, checked like any text (the confidentiality scan,
  X's length) by the service that publishes it.

Values are kept canonical (``filled_values``: names, ``HH:MM``, ISO dates, the free text as typed), so that the
text of an instance can always be made again from its template version and its values: the evidence of what was
published and why it needed no new review.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from editorial.compose import languages_of

PLACEHOLDER_RE = re.compile(r"\{([a-z][a-z0-9_]{0,39})\}")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
HASHTAG_SUFFIX = "_hashtag"


class Kind:
    LOCALITY = "locality"
    ROAD = "road"
    TIME = "time"
    DATE = "date"
    TEXT = "text"

    CHOICES = (
        (LOCALITY, gettext_lazy("A locality of the zone")),
        (ROAD, gettext_lazy("A road from the zone's list")),
        (TIME, gettext_lazy("A time")),
        (DATE, gettext_lazy("A date")),
        (TEXT, gettext_lazy("A short free text")),
    )
    ALL = frozenset(choice for choice, _label in CHOICES)


# The usual placeholders and their kind: a template that uses them declares nothing more.
STANDARD: dict[str, str] = {
    "locality": Kind.LOCALITY,
    "road": Kind.ROAD,
    "from": Kind.TIME,
    "until": Kind.TIME,
    "date": Kind.DATE,
}
STANDARD_LABELS = {
    "locality": gettext_lazy("Locality"),
    "road": gettext_lazy("Road"),
    "from": gettext_lazy("From"),
    "until": gettext_lazy("Until"),
    "date": gettext_lazy("Date"),
}
DEFAULT_TEXT_MAX = 80
TEXT_MAX_LIMIT = 200


@dataclass(frozen=True)
class Placeholder:
    name: str
    kind: str
    label: str = ""
    max_length: int | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Placeholder:
        return cls(
            name=str(data["name"]),
            kind=str(data["kind"]),
            label=str(data.get("label") or ""),
            max_length=int(data["max_length"]) if data.get("max_length") else None,
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def display_label(self) -> str:
        return self.label or str(STANDARD_LABELS.get(self.name, self.name))


def names_in(text: str) -> list[str]:
    """The placeholders a text uses, in order of first use (``{locality_hashtag}`` counts as ``locality``)."""
    seen: dict[str, None] = {}
    for name in PLACEHOLDER_RE.findall(text or ""):
        base = name[: -len(HASHTAG_SUFFIX)] if name.endswith(HASHTAG_SUFFIX) else name
        seen.setdefault(base, None)
    return list(seen)


def declared(placeholders: Sequence[Mapping[str, Any]] | Sequence[Placeholder]) -> list[Placeholder]:
    return [p if isinstance(p, Placeholder) else Placeholder.from_dict(p) for p in placeholders]


def placeholders_for(texts: Sequence[str], extra: Sequence[Placeholder] = ()) -> list[Placeholder]:
    """The placeholders of a version: every one the texts use, with the standard kind for the usual names and the
    declaration in ``extra`` for the others (and for a usual name declared differently)."""
    by_name = {p.name: p for p in extra}
    result = []
    for text in texts:
        for name in names_in(text):
            if name in {p.name for p in result}:
                continue
            if name in by_name:
                result.append(by_name[name])
            elif name in STANDARD:
                result.append(Placeholder(name=name, kind=STANDARD[name]))
            else:
                # Undeclared: template_problems names it; kept so that the form can ask for its kind.
                result.append(Placeholder(name=name, kind=""))
    return result


def template_problems(texts: Sequence[str], placeholders: Sequence[Placeholder]) -> list[str]:
    """Whole sentences for every problem of a template's texts and declarations; empty when it is sound."""
    problems = []
    known = {p.name: p for p in placeholders}
    for name in {n for text in texts for n in names_in(text)}:
        placeholder = known.get(name)
        if placeholder is None or placeholder.kind not in Kind.ALL:
            problems.append(
                _(
                    "The placeholder {%(name)s} has no kind: say whether it is a locality, a road, a time, a date or a "
                    "short text."
                )
                % {"name": name}
            )
        elif placeholder.kind == Kind.TEXT and not (placeholder.max_length and placeholder.max_length > 0):
            problems.append(_("The free placeholder {%(name)s} needs a length limit.") % {"name": name})
        elif placeholder.kind == Kind.TEXT and placeholder.max_length > TEXT_MAX_LIMIT:
            problems.append(
                _("The free placeholder {%(name)s} may take at most %(max)s characters.")
                % {"name": name, "max": TEXT_MAX_LIMIT}
            )
    for text in texts:
        for name in PLACEHOLDER_RE.findall(text or ""):
            if name.endswith(HASHTAG_SUFFIX):
                base = known.get(name[: -len(HASHTAG_SUFFIX)])
                if base is not None and base.kind != Kind.LOCALITY:
                    problems.append(
                        _("{%(name)s} gives a locality's hashtag: {%(base)s} is not a locality.")
                        % {"name": name, "base": base.name}
                    )
    return sorted(set(problems))


@dataclass(frozen=True)
class Choices:
    """What the zone offers for the kinds that pick from a list: {name: hashtag}."""

    localities: Mapping[str, str]
    roads: Mapping[str, str]


_TIME_RE = re.compile(r"^\s*(\d{1,2})\s*(?:[:hHuU.]\s*(\d{2})?)?\s*$")


def clean_value(placeholder: Placeholder, raw: str, choices: Choices) -> str:
    """The canonical value of what was typed in a placeholder; ``ValidationError`` with a sentence naming the
    placeholder when it is not of its kind."""
    value = (raw or "").strip()
    label = placeholder.display_label
    if not value:
        raise ValidationError(_("Fill in “%(label)s”.") % {"label": label}, code="required")
    kind = placeholder.kind
    if kind == Kind.LOCALITY:
        match = _pick(value, choices.localities)
        if match is None:
            raise ValidationError(
                _("“%(value)s” is not a locality of the zone: choose one from the list.") % {"value": value},
                code="locality",
            )
        return match
    if kind == Kind.ROAD:
        match = _pick(value, choices.roads)
        if match is None:
            raise ValidationError(
                _("“%(value)s” is not in the zone's list of roads: choose one from the list.") % {"value": value},
                code="road",
            )
        return match
    if kind == Kind.TIME:
        found = _TIME_RE.match(value)
        hour, minute = (int(found.group(1)), int(found.group(2) or 0)) if found else (-1, -1)
        if not (0 <= hour <= 23 and 0 <= minute <= 59):
            raise ValidationError(_("“%(label)s” is a time of day, for example 14:30.") % {"label": label}, code="time")
        return f"{hour:02d}:{minute:02d}"
    if kind == Kind.DATE:
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            raise ValidationError(
                _("“%(label)s” is a date, for example 2026-12-10.") % {"label": label}, code="date"
            ) from None
    if kind == Kind.TEXT:
        limit = placeholder.max_length or DEFAULT_TEXT_MAX
        if len(value) > limit:
            raise ValidationError(
                _("“%(label)s” takes at most %(max)s characters (%(count)s typed).")
                % {"label": label, "max": limit, "count": len(value)},
                code="too_long",
            )
        if "{" in value or "}" in value:
            raise ValidationError(_("“%(label)s” cannot hold braces { }.") % {"label": label}, code="braces")
        return value
    raise ValidationError(_("The placeholder {%(name)s} has no kind.") % {"name": placeholder.name})


def _pick(value: str, names: Mapping[str, str]) -> str | None:
    folded = value.casefold()
    return next((name for name in names if name.casefold() == folded), None)


def clean_values(
    placeholders: Sequence[Placeholder], raw: Mapping[str, str], choices: Choices
) -> tuple[dict[str, str], dict[str, str]]:
    """Every placeholder's canonical value, and the errors by placeholder name (all at once)."""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for placeholder in placeholders:
        try:
            values[placeholder.name] = clean_value(placeholder, raw.get(placeholder.name, ""), choices)
        except ValidationError as error:
            errors[placeholder.name] = " ".join(error.messages)
    return values, errors


def _shown(placeholder: Placeholder, value: str, language: str) -> str:
    """A canonical value as the text of one language writes it."""
    if placeholder.kind == Kind.TIME:
        hour, minute = value.split(":")
        if language == "nl":
            return f"{int(hour)}.{minute} uur" if minute != "00" else f"{int(hour)} uur"
        return f"{int(hour)}h{minute}" if minute != "00" else f"{int(hour)}h"
    if placeholder.kind == Kind.DATE:
        with translation.override(language):
            return formats.date_format(dt.date.fromisoformat(value), "l j F")
    return value


def _hashtag(value: str, known: Mapping[str, str]) -> str:
    tag = known.get(value, "")
    if tag:
        return tag
    # A locality without a hashtag of its own: its name without spaces or signs, as X users would type it.
    return "#" + re.sub(r"\W", "", value)


def render(
    text: str,
    placeholders: Sequence[Placeholder],
    values: Mapping[str, str],
    *,
    language: str,
    choices: Choices,
) -> str:
    """The text of an instance: each placeholder replaced by its value as ``language`` writes it. For a bilingual
    text, ``language`` is "fr+nl" and dates and times follow French (one message, written once)."""
    lang = languages_of(language)[0]
    by_name = {p.name: p for p in placeholders}

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.endswith(HASHTAG_SUFFIX) and name[: -len(HASHTAG_SUFFIX)] in by_name:
            base = name[: -len(HASHTAG_SUFFIX)]
            return _hashtag(values.get(base, ""), choices.localities) if values.get(base) else ""
        placeholder = by_name.get(name)
        if placeholder is None or name not in values:
            return match.group(0)
        return _shown(placeholder, values[name], lang)

    return PLACEHOLDER_RE.sub(replace, text)


def version_fingerprint(
    *,
    texts: Mapping[str, str],
    placeholders: Sequence[Placeholder],
    hashtags: str,
    follow_up_texts: Mapping[str, str],
    follow_up_after_minutes: int | None,
    category_id: int | None,
) -> str:
    """SHA-256 over everything a template's approval covers: the texts per channel, the placeholders and their
    kinds, the hashtags, the follow-up, the category. An instance is bound to it and to its filled values."""
    payload = {
        "texts": {str(k): v for k, v in texts.items()},
        "placeholders": [p.as_dict() for p in placeholders],
        "hashtags": hashtags,
        "follow_up_texts": {str(k): v for k, v in follow_up_texts.items()},
        "follow_up_after_minutes": follow_up_after_minutes,
        "category": category_id,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
