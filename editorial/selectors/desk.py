"""What each role's dashboard lists: the officer's day, the director's queue. Fixed query counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from editorial.clock import local_day_bounds
from editorial.models import Post, PostVariant, Publication, Review, Zone
from editorial.selectors.publishing import late_publications

# Dashboards show the first rows of each list; the full lists live on their own pages.
DASHBOARD_ROWS = 15


@dataclass(frozen=True)
class OfficerDesk:
    due_today: list[Post]
    in_review: list[Post]
    came_back: list[Post]
    failures: list[Publication]
    counts: dict[str, int] = field(default_factory=dict)


def _posts_with_channels(zone: Zone) -> QuerySet[Post]:
    variants = PostVariant.objects.select_related("channel").order_by("channel__kind", "channel_id")
    return Post.objects.filter(zone=zone).select_related("author").prefetch_related(Prefetch("variants", variants))


def _last_review(field_name: str) -> Subquery:
    return Subquery(Review.objects.filter(post=OuterRef("pk")).order_by("-created_at", "-pk").values(field_name)[:1])


def officer_desk(*, zone: Zone, now: datetime | None = None) -> OfficerDesk:
    """Due today (Brussels day), waiting for review, came back (changes requested, or an approval an edit voided),
    and publications that failed or whose outcome is unknown."""
    now = now or timezone.now()
    today = timezone.localtime(now, zone.tzinfo).date()
    start, end = local_day_bounds(today, zone.tzinfo)
    posts = _posts_with_channels(zone)
    due_today = posts.filter(planned_at__gte=start, planned_at__lt=end).exclude(status=Post.Status.CANCELLED)
    in_review = posts.filter(status=Post.Status.IN_REVIEW).order_by("planned_at", "pk")
    came_back = (
        posts.filter(status=Post.Status.DRAFT, reviews__isnull=False)
        .annotate(last_decision=_last_review("decision"), last_comment=_last_review("comment"))
        .distinct()
        .order_by("planned_at", "pk")
    )
    failures = (
        Publication.objects.filter(post__zone=zone, status__in=[Publication.Status.FAILED, Publication.Status.UNKNOWN])
        .select_related("post", "channel")
        .order_by("-updated_at")
    )
    return OfficerDesk(
        due_today=list(due_today.order_by("planned_at", "pk")[:DASHBOARD_ROWS]),
        in_review=list(in_review[:DASHBOARD_ROWS]),
        came_back=list(came_back[:DASHBOARD_ROWS]),
        failures=list(failures[:DASHBOARD_ROWS]),
    )


def director_queue(*, zone: Zone) -> list[Post]:
    """The posts waiting for review, oldest due first (a post without a time cannot be submitted)."""
    return list(
        _posts_with_channels(zone).filter(status=Post.Status.IN_REVIEW).order_by("planned_at", "pk")[:DASHBOARD_ROWS]
    )


@dataclass(frozen=True)
class LatePublication:
    publication: Publication
    minutes: int


@dataclass(frozen=True)
class PublishingWatch:
    """What the officers and directors must hear about the pipeline, read from the database and the cache only,
    so that it shows even when beat and the workers are down."""

    late: list[LatePublication]
    worker_seen_at: datetime | None
    worker_stale: bool
    worker_never_seen_while_due: bool

    @property
    def worker_warning(self) -> bool:
        return self.worker_stale or self.worker_never_seen_while_due


def publishing_watch(*, zone: Zone, worker_seen_at: datetime | None, now: datetime | None = None) -> PublishingWatch:
    """Late publications of the zone and whether the heartbeat is stale, in one query."""
    now = now or timezone.now()
    grace = timedelta(seconds=settings.PUBLISH_ALERT_AFTER_SECONDS)
    # late_publications shifted by its grace period lists what is due now; the late ones are the oldest of them.
    due = list(
        late_publications(now=now + grace, zone=zone)
        .select_related("post", "channel")
        .defer("channel__credentials_encrypted")
        .order_by("next_attempt_at", "pk")[:DASHBOARD_ROWS]
    )
    late = [
        LatePublication(publication=p, minutes=max(1, int((now - p.next_attempt_at).total_seconds() // 60)))
        for p in due
        if p.next_attempt_at < now - grace
    ]
    return PublishingWatch(
        late=late,
        worker_seen_at=worker_seen_at,
        worker_stale=worker_seen_at is not None
        and now - worker_seen_at > timedelta(seconds=settings.PUBLISH_HEARTBEAT_STALE_SECONDS),
        # A fresh install has never seen a worker: only an incident once something waits for one.
        worker_never_seen_while_due=worker_seen_at is None and bool(due),
    )
