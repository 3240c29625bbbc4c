"""Reads of the director's review: the queue of posts waiting for review, one post's review page, what changed
since an earlier review (a word-level diff of each channel's text), and the zone's values in the language the
director reads the desk in.

The queue and the page run a fixed number of queries whatever the number of posts, variants or earlier reviews.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import CharField, Exists, F, OuterRef, Prefetch, Subquery
from django.db.models.functions import Cast
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from editorial.compose import languages_of
from editorial.confidentiality import Finding, Notes, scan_variants
from editorial.models import AuditEvent, Language, Post, PostVariant, Review, Value, VariantMedia, Zone

DUE_SOON = dt.timedelta(hours=24)
# Past this many token pairs, a word diff gets slow (difflib is quadratic at worst): diff by lines instead.
_MAX_WORD_PAIRS = 2_000_000


# --- Languages ----------------------------------------------------------------------------------------------


def is_bilingual(zone: Zone) -> bool:
    return zone.languages == Language.BOTH


@dataclass(frozen=True)
class ValueText:
    """A value as a reviewer reads it: its texts in one language, and that language ("fr" or "nl")."""

    value: Value
    name: str
    question: str
    description: str
    language: str

    @property
    def pk(self) -> int:
        return self.value.pk


def value_texts(values: list[Value], *, zone: Zone, language: str | None) -> list[ValueText]:
    """``values`` in the reviewer's interface language when the zone has it, else in the zone's own language.

    A value's base texts are in the zone's first language (French for a French-speaking or bilingual zone, Dutch
    for a Dutch-speaking one); a bilingual zone's value also has Dutch texts. A value of a bilingual zone whose
    Dutch question was never written (the zone became bilingual later) is read in French."""
    languages = languages_of(zone.languages)
    wanted = (language or "").split("-")[0].lower()
    wanted = wanted if wanted in languages else languages[0]
    texts = []
    for value in values:
        if wanted == Language.NL and languages[0] != Language.NL and value.question_nl.strip():
            texts.append(
                ValueText(
                    value=value,
                    name=value.name_nl.strip() or value.name,
                    question=value.question_nl,
                    description=value.description_nl.strip() or value.description,
                    language=Language.NL,
                )
            )
        else:
            texts.append(
                ValueText(
                    value=value,
                    name=value.name,
                    question=value.question,
                    description=value.description,
                    language=languages[0],
                )
            )
    return texts


# --- The queue -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    post: Post
    variants: list[PostVariant]
    submitted_at: dt.datetime | None
    came_back: bool  # approved once, then edited: the approval was voided and it waits again
    finding_count: int
    overdue: bool
    due_soon: bool


def _variants_with_channel() -> Prefetch:
    return Prefetch(
        "variants",
        queryset=PostVariant.objects.select_related("channel").order_by("channel__kind", "channel_id"),
    )


def review_queue(*, zone: Zone, now: dt.datetime) -> list[QueueRow]:
    """Posts of the zone in review, the one due first at the top (then the one submitted first)."""
    submitted = (
        AuditEvent.objects.filter(
            object_type=Post._meta.label_lower,
            object_id=Cast(OuterRef("pk"), CharField()),
            action="editorial.post.submit",
        )
        .order_by("-pk")
        .values("created_at")[:1]
    )
    approved_before = Review.objects.filter(post=OuterRef("pk"), decision=Review.Decision.APPROVE)
    posts = (
        Post.objects.filter(zone=zone, status=Post.Status.IN_REVIEW)
        .select_related("author", "item__unit", "category", "locality")
        .prefetch_related(_variants_with_channel())
        .annotate(submitted_at=Subquery(submitted), approved_before=Exists(approved_before))
        .order_by(F("planned_at").asc(nulls_last=True), F("submitted_at").asc(nulls_last=True), "pk")
    )
    rows = []
    for post in posts:
        variants = list(post.variants.all())
        findings = scan_variants(variants, zone=zone, notes=Notes.of(post=post))
        planned = post.planned_at
        rows.append(
            QueueRow(
                post=post,
                variants=variants,
                submitted_at=post.submitted_at,
                came_back=post.approved_before,
                finding_count=sum(len(found) for found in findings.values()),
                overdue=planned is not None and planned <= now,
                due_soon=planned is not None and now < planned <= now + DUE_SOON,
            )
        )
    return rows


# --- One post's review page --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelDiff:
    channel: str
    status: str  # "added", "removed", "changed" or "same"
    text_html: SafeString
    alt_before: list[str] = field(default_factory=list)
    alt_after: list[str] = field(default_factory=list)

    @property
    def alt_changed(self) -> bool:
        return self.alt_before != self.alt_after


@dataclass(frozen=True)
class VersionDiff:
    """What changed between an earlier review's snapshot and the post as it is now."""

    review: Review
    against_approved: bool
    planned_before: dt.datetime | None
    planned_after: dt.datetime | None
    channels: list[ChannelDiff]

    @property
    def planned_changed(self) -> bool:
        return self.planned_before != self.planned_after

    @property
    def changed(self) -> bool:
        return self.planned_changed or any(c.status != "same" for c in self.channels)


@dataclass(frozen=True)
class ReviewPage:
    variants: list[PostVariant]  # with .channel and .media prefetched
    findings: dict[int, list[Finding]]  # by variant pk
    values: list[Value]
    reviews: list[Review]  # newest first, with .reviewer and .value_checks prefetched

    @property
    def finding_count(self) -> int:
        return sum(len(found) for found in self.findings.values())


def review_page(*, post: Post) -> ReviewPage:
    variants = list(
        PostVariant.objects.filter(post=post)
        .select_related("channel")
        .prefetch_related(Prefetch("media", queryset=VariantMedia.objects.order_by("order", "pk")))
        .order_by("channel__kind", "channel_id")
    )
    reviews = list(
        Review.objects.filter(post=post)
        .select_related("reviewer")
        .prefetch_related("value_checks")
        .order_by("-created_at", "-pk")
    )
    return ReviewPage(
        variants=variants,
        # The unit's confidentiality notes are checks too: what they name is a finding (issue 12).
        findings=scan_variants(variants, zone=post.zone, notes=Notes.of(post=post)),
        values=list(Value.objects.filter(zone=post.zone_id, is_active=True).order_by("order", "name")),
        reviews=reviews,
    )


def diff_baseline(reviews: list[Review]) -> tuple[Review, bool] | None:
    """The last approved version if there is one, else the last reviewed one (``reviews`` newest first)."""
    with_snapshot = [review for review in reviews if review.snapshot]
    for review in with_snapshot:
        if review.decision == Review.Decision.APPROVE:
            return review, True
    return (with_snapshot[0], False) if with_snapshot else None


def _parse_time(value: Any) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def version_diff(*, review: Review, against_approved: bool, current: dict[str, Any]) -> VersionDiff:
    """Compare ``review.snapshot`` with ``current`` (both shaped as ``services.post_snapshot``)."""
    before = {v.get("channel_id"): v for v in review.snapshot.get("variants", []) if isinstance(v, dict)}
    after = {v.get("channel_id"): v for v in current.get("variants", [])}
    channels: list[ChannelDiff] = []
    # Channels in the current order first, then the ones that were removed.
    for channel_id in [*after, *(key for key in before if key not in after)]:
        old, new = before.get(channel_id), after.get(channel_id)
        if old is None:
            channels.append(
                ChannelDiff(
                    channel=new["channel"],
                    status="added",
                    text_html=_render_chunk("ins", new["text"]),
                    alt_after=list(new["media"]),
                )
            )
        elif new is None:
            channels.append(
                ChannelDiff(
                    channel=str(old.get("channel", "")),
                    status="removed",
                    text_html=_render_chunk("del", str(old.get("text", ""))),
                    alt_before=list(old.get("media", [])),
                )
            )
        else:
            old_text, old_alts = str(old.get("text", "")), list(old.get("media", []))
            same = old_text == new["text"] and old_alts == new["media"]
            channels.append(
                ChannelDiff(
                    channel=new["channel"],
                    status="same" if same else "changed",
                    text_html=word_diff_html(old_text, new["text"]),
                    alt_before=old_alts,
                    alt_after=list(new["media"]),
                )
            )
    return VersionDiff(
        review=review,
        against_approved=against_approved,
        planned_before=_parse_time(review.snapshot.get("planned_at")),
        planned_after=_parse_time(current.get("planned_at")),
        channels=channels,
    )


_WORDS_RE = re.compile(r"\s+|\S+")
_LINES_RE = re.compile(r"[^\n]*\n|[^\n]+")


def _render_chunk(tag: str | None, text: str) -> SafeString:
    if not text:
        return mark_safe("")
    html = escape(text).replace("\n", "<br>")
    return mark_safe(f"<{tag}>{html}</{tag}>" if tag else html)  # noqa: S308 - escaped above


def word_diff_html(old: str, new: str) -> SafeString:
    """``new`` with the words removed from ``old`` in <del> and the words added in <ins>, built from escaped text
    only, so nothing typed in a post becomes markup."""
    a, b = _WORDS_RE.findall(old), _WORDS_RE.findall(new)
    if len(a) * len(b) > _MAX_WORD_PAIRS:
        a, b = _LINES_RE.findall(old), _LINES_RE.findall(new)
    parts: list[str] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(_render_chunk(None, "".join(a[a1:a2])))
            continue
        if op in ("delete", "replace"):
            parts.append(_render_chunk("del", "".join(a[a1:a2])))
        if op in ("insert", "replace"):
            parts.append(_render_chunk("ins", "".join(b[b1:b2])))
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped
