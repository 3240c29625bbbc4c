"""Reads for the drafting page and the post page: a fixed number of queries whatever the number of comments,
history events, channels or images."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from editorial import confidentiality
from editorial.models import (
    AuditEvent,
    Category,
    Channel,
    Comment,
    Locality,
    Post,
    PostVariant,
    Publication,
    Review,
    Unit,
    VariantMedia,
    Zone,
)
from editorial.xtext import MAX_WEIGHTED_LENGTH, XCount, parse_tweet

# What each recorded action means to a reader of the post's history; unknown actions show their raw name.
ACTION_LABELS = {
    "editorial.item.take_up": _("Took the item up: this post started as a draft"),
    "editorial.post.create": _("Created the draft"),
    "editorial.post.duplicate": _("Created the draft as a copy of another post"),
    "editorial.post.update": _("Edited the post"),
    "editorial.post.submit": _("Submitted it for review"),
    "editorial.post.sign_off": _("Signed it off for the director's review"),
    "editorial.post.approve": _("Approved it"),
    "editorial.post.request_changes": _("Asked for changes"),
    "editorial.post.confidentiality_override": _("Approved despite confidentiality findings"),
    "editorial.post.share": _("Shared it with units"),
    "editorial.post.schedule": _("Scheduled it"),
    "editorial.post.cancel": _("Cancelled it"),
    "editorial.post.publish_now": _("Asked to publish it now"),
    "editorial.comment.add": _("Commented"),
    "editorial.post.fast_lane": _("Published it in the fast lane (from an approved template, or urgent)"),
    "editorial.post.fast_lane_held": _("Sent it to the review instead of the fast lane"),
    "editorial.post.review_after": _("Read it after it was published (review after)"),
    "editorial.follow_up.plan": _("Planned its follow-up"),
    "editorial.follow_up.remind": _("Reminded the team that its follow-up is due"),
    "editorial.follow_up.publish": _("Published its follow-up"),
    "editorial.follow_up.dismiss": _("Marked its follow-up not needed"),
}


@dataclass(frozen=True)
class PreviewImage:
    """What templates/editorial/_preview.html needs of an image."""

    pk: int
    url: str
    alt_text: str


@dataclass(frozen=True)
class VariantView:
    variant: PostVariant
    channel: Channel
    images: list[PreviewImage]
    x_count: XCount | None
    findings: list[confidentiality.Finding]

    @property
    def x_over(self) -> bool:
        return self.x_count is not None and self.x_count.weighted_length > MAX_WEIGHTED_LENGTH


@dataclass(frozen=True)
class HistoryEntry:
    event: AuditEvent
    label: str
    known: bool
    details: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class PostPage:
    variants: list[VariantView]
    comments: list[Comment]
    history: list[HistoryEntry]
    changes_requested: Review | None
    zone_units: list[Unit]
    shared_unit_ids: set[int]


def media_url(post: Post, media: VariantMedia) -> str:
    return reverse("editorial:media_file", args=[post.zone.slug, post.pk, media.pk])


def post_variants(*, post: Post) -> list[PostVariant]:
    """The post's texts with their channel and images, X first (two queries)."""
    return list(
        PostVariant.objects.filter(post=post)
        .select_related("channel")
        .prefetch_related(Prefetch("media", VariantMedia.objects.order_by("order", "pk")))
        .order_by("channel__kind", "channel__name", "channel_id")
    )


def preview_images(post: Post, variant: PostVariant) -> list[PreviewImage]:
    return [PreviewImage(pk=m.pk, url=media_url(post, m), alt_text=m.alt_text) for m in variant.media.all()]


def _history_details(event: AuditEvent) -> list[tuple[str, str]]:
    data = event.data if isinstance(event.data, dict) else {}
    details: list[tuple[str, str]] = []
    voided = data.get("voided_status")
    if voided:
        label = dict(Post.Status.choices).get(voided, voided)
        details.append((str(_("Approval or review voided; status before the change")), str(label)))
    if event.action == "editorial.post.request_changes" and data.get("comment"):
        details.append((str(_("Comment")), str(data["comment"])))
    if event.action == "editorial.post.confidentiality_override" and data.get("reason"):
        details.append((str(_("Reason")), str(data["reason"])))
    if event.action == "editorial.post.duplicate" and data.get("source"):
        details.append((str(_("Copied from post")), f"#{data['source']}"))
    if event.action == "editorial.post.share":
        units = data.get("units") or []
        details.append((str(_("Units")), ", ".join(str(u) for u in units) or str(_("none"))))
    return details


def post_history(*, post: Post) -> list[HistoryEntry]:
    wanted = Q(object_type="editorial.post", object_id=str(post.pk))
    if post.item_id is not None:
        # A post taken up from an item starts with the item's event, which names the post in its data.
        wanted |= Q(object_type="editorial.item", object_id=str(post.item_id), action="editorial.item.take_up")
    events = AuditEvent.objects.filter(wanted).select_related("actor").order_by("created_at", "pk")
    return [
        HistoryEntry(
            event=event,
            label=str(ACTION_LABELS.get(event.action, event.action)),
            known=event.action in ACTION_LABELS,
            details=_history_details(event),
        )
        for event in events
    ]


def post_page(*, post: Post, with_units: bool) -> PostPage:
    """Everything the post page shows besides the post itself; ``with_units`` adds the zone's units for the
    officer's share form."""
    variants = post_variants(post=post)
    findings = confidentiality.scan_variants(variants, zone=post.zone, notes=confidentiality.Notes.of(post=post))
    views = [
        VariantView(
            variant=variant,
            channel=variant.channel,
            images=preview_images(post, variant),
            x_count=parse_tweet(variant.text) if variant.channel.kind == Channel.Kind.X else None,
            findings=findings.get(variant.pk, []),
        )
        for variant in variants
    ]
    changes_requested = None
    if post.status == Post.Status.DRAFT:
        last = Review.objects.filter(post=post).select_related("reviewer").order_by("-created_at", "-pk").first()
        if last is not None and last.decision == Review.Decision.REQUEST_CHANGES:
            changes_requested = last
    return PostPage(
        variants=views,
        comments=list(Comment.objects.filter(post=post).select_related("author").order_by("created_at", "pk")),
        history=post_history(post=post),
        changes_requested=changes_requested,
        zone_units=list(Unit.objects.filter(zone=post.zone).order_by("name")) if with_units else [],
        shared_unit_ids=set(post.shared_with_units.values_list("pk", flat=True)),
    )


def published_channel_ids(*, post: Post | None) -> set[int]:
    """The channels this post is already out on: a change to their text is never sent there."""
    if post is None:
        return set()
    return set(
        Publication.objects.filter(post=post, status=Publication.Status.PUBLISHED).values_list("channel_id", flat=True)
    )


def zone_channels(*, zone: Zone) -> QuerySet[Channel]:
    return Channel.objects.filter(zone=zone).order_by("kind", "name", "pk")


def default_channels(*, zone: Zone, category: Category | None) -> list[Channel]:
    """The channels ticked for a new post: the category's defaults (of this zone only), or else the zone's
    channels ticked by default."""
    channels = zone_channels(zone=zone)
    if category is not None:
        chosen = list(channels.filter(pk__in=category.default_channels.values("pk")))
        if chosen:
            return chosen
    return list(channels.filter(ticked_by_default=True))


def category_default_channels(*, categories: list[Category]) -> dict[str, list[str]]:
    """For drafting.js: the channels each category ticks (only categories that name some), keyed like the
    category select's options. One query whatever the number of categories."""
    pairs = Category.default_channels.through.objects.filter(category__in=[c.pk for c in categories])
    ticks: dict[str, list[str]] = {}
    for category_id, channel_id in pairs.order_by("pk").values_list("category_id", "channel_id"):
        ticks.setdefault(str(category_id), []).append(str(channel_id))
    return ticks


def hashtag_options(*, categories: list[Category], localities: list[Locality]) -> dict[str, Any]:
    """The hashtags each category and locality proposes, for drafting.js (keys are option values)."""
    return {
        "categories": {str(c.pk): c.hashtag_list for c in categories},
        "localities": {str(loc.pk): [loc.hashtag] if loc.hashtag else [] for loc in localities},
    }
