"""Reads of the fast lane (issue 13): the templates a user may publish and on which channels, the director's
review-after queue, and what the dashboards show of it. Fixed query counts whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import Grant
from editorial import templating
from editorial.clock import local_day_bounds
from editorial.models import Channel, Post, PostOrigin, PostVariant, Publication, ReviewAfter, Template, Zone

QUEUE_ROWS = 100
DASHBOARD_ROWS = 15


def covered_channels(user: Any, zone: Zone, *, category: Any, channels: list[Channel]) -> list[Channel]:
    """The channels among ``channels`` on which the user may publish this category in one go: all of them for an
    officer; for a unit head, those of the grant that covers the most of them (a post goes out under one right)."""
    if permissions.publishing_right(user, zone, category=category, channels=channels):
        return list(channels)
    best: list[Channel] = []
    for grant in permissions.active_grants(user, zone):
        if category is None or category.pk not in {c.pk for c in grant.categories.all()}:
            continue
        granted = {c.pk for c in grant.channels.all()}
        subset = [channel for channel in channels if channel.pk in granted]
        if len(subset) > len(best):
            best = subset
    return best


@dataclass(frozen=True)
class PublishableTemplate:
    template: Template
    channels: list[Channel]  # the version's channels the user's right covers
    placeholders: list[templating.Placeholder]


def publishable_templates(*, user: Any, zone: Zone) -> list[PublishableTemplate]:
    """The zone's approved templates the user may publish, by name, each with the channels their right covers
    (three queries, plus the user's grants once)."""
    channels = {c.pk: c for c in Channel.objects.filter(zone=zone).order_by("kind", "name", "pk")}
    templates = (
        Template.objects.filter(zone=zone, status=Template.Status.APPROVED, approved_version__isnull=False)
        .select_related("category", "approved_version")
        .order_by("name", "pk")
    )
    rows = []
    for template in templates:
        version = template.approved_version
        ids = {int(key) for key in (version.texts or {}) if str(key).isdigit()}
        offered = [channel for pk, channel in channels.items() if pk in ids]
        covered = covered_channels(user, zone, category=template.category, channels=offered)
        if covered:
            rows.append(
                PublishableTemplate(
                    template=template,
                    channels=covered,
                    placeholders=templating.declared(version.placeholders or []),
                )
            )
    return rows


# --- Review after -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewAfterRow:
    review_after: ReviewAfter
    post: Post
    variants: list[PostVariant]
    publications: list[Publication]
    right: str  # who it went out under, in words
    overdue: bool
    values: list[tuple[str, str]]  # (placeholder label, value) of a template's instance


def _right_label(published_under: str, grants: dict[int, Grant]) -> str:
    if published_under == "role:officer":
        return _("as communication officer")
    if published_under.startswith("grant:"):
        grant = grants.get(int(published_under.split(":", 1)[1]) if published_under[6:].isdigit() else -1)
        if grant is not None:
            unit = grant.membership.unit.name if grant.membership.unit_id else ""
            return _("under the right delegated to the head of %(unit)s (no. %(id)s)") % {"unit": unit, "id": grant.pk}
        return _("under a delegated right (no. %(id)s)") % {"id": published_under[6:]}
    return published_under or "—"


def _rows(review_afters: list[ReviewAfter], now: datetime) -> list[ReviewAfterRow]:
    grant_ids = [
        int(ra.post.published_under[6:])
        for ra in review_afters
        if ra.post.published_under.startswith("grant:") and ra.post.published_under[6:].isdigit()
    ]
    grants = {g.pk: g for g in Grant.objects.filter(pk__in=grant_ids).select_related("membership__unit")}
    rows = []
    for ra in review_afters:
        post = ra.post
        values: list[tuple[str, str]] = []
        if post.template_version is not None:
            for placeholder in templating.declared(post.template_version.placeholders or []):
                if placeholder.name in (post.filled_values or {}):
                    values.append((placeholder.display_label, str(post.filled_values[placeholder.name])))
        rows.append(
            ReviewAfterRow(
                review_after=ra,
                post=post,
                variants=list(post.variants.all()),
                publications=list(post.publications.all()),
                right=_right_label(post.published_under, grants),
                overdue=ra.acknowledged_at is None and ra.due_at < now,
                values=values,
            )
        )
    return rows


def _review_afters(zone: Zone):
    variants = PostVariant.objects.select_related("channel").order_by("channel__kind", "channel_id")
    publications = Publication.objects.select_related("channel").order_by("channel__kind", "channel_id")
    return (
        ReviewAfter.objects.filter(zone=zone)
        .select_related("post__author", "post__template_version__template", "post__category", "acknowledged_by")
        .prefetch_related(Prefetch("post__variants", variants), Prefetch("post__publications", publications))
    )


@dataclass(frozen=True)
class ReviewAfterQueue:
    waiting: list[ReviewAfterRow]  # urgent first, then the one due first
    acknowledged: list[ReviewAfterRow]  # the latest ones


def review_after_queue(*, zone: Zone, now: datetime | None = None) -> ReviewAfterQueue:
    """What the director still has to read (urgent ones first, then by due time) and the latest acknowledged
    (a fixed number of queries)."""
    now = now or timezone.now()
    waiting = list(
        _review_afters(zone).filter(acknowledged_at__isnull=True).order_by("-urgent", "due_at", "pk")[:QUEUE_ROWS]
    )
    done = list(_review_afters(zone).filter(acknowledged_at__isnull=False).order_by("-acknowledged_at", "-pk")[:20])
    return ReviewAfterQueue(waiting=_rows(waiting, now), acknowledged=_rows(done, now))


@dataclass(frozen=True)
class DirectorFastLane:
    waiting: int
    shown: list[ReviewAfter]  # urgent or overdue, until acknowledged


def director_fast_lane(*, zone: Zone, now: datetime | None = None) -> DirectorFastLane:
    """For the director's dashboard: how many fast-lane posts wait for review after, and the urgent and overdue
    ones (two queries)."""
    now = now or timezone.now()
    waiting = ReviewAfter.objects.filter(zone=zone, acknowledged_at__isnull=True)
    shown = list(
        waiting.filter(Q(urgent=True) | Q(due_at__lt=now))
        .select_related("post__author")
        .order_by("-urgent", "due_at", "pk")[:DASHBOARD_ROWS]
    )
    return DirectorFastLane(waiting=waiting.count(), shown=shown)


def my_fast_lane_today(*, zone: Zone, user: Any, now: datetime | None = None) -> list[Post]:
    """The user's fast-lane posts of today (Brussels day), with their publications, newest first (two queries)."""
    now = now or timezone.now()
    start, end = local_day_bounds(timezone.localtime(now, zone.tzinfo).date(), zone.tzinfo)
    publications = Publication.objects.select_related("channel").order_by("channel__kind", "channel_id")
    return list(
        Post.objects.filter(
            zone=zone,
            author=user,
            origin__in=[PostOrigin.TEMPLATE, PostOrigin.URGENT],
            created_at__gte=start,
            created_at__lt=end,
        )
        .prefetch_related(Prefetch("publications", publications))
        .order_by("-created_at", "-pk")[:DASHBOARD_ROWS]
    )
