"""What each role's dashboard lists (the officer's day, the director's queue) and what the director told the officer
on their last review of a post. Fixed query counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from editorial.clock import local_day_bounds
from editorial.models import FollowUp, Post, PostVariant, Publication, Review, ValueCheck, Zone
from editorial.selectors.followups import follow_ups_of_zone
from editorial.selectors.plan import shown_between, with_going_out
from editorial.selectors.publishing import (
    ProblemCounts,
    PublicationProblem,
    late_publications,
    problem_counts,
    problems_needing_a_person,
    publication_problems,
)

# Dashboards show the first rows of each list; the full lists live on their own pages.
DASHBOARD_ROWS = 15
# Publications that need a person: the first few and the total, so that the day's work stays in sight below them
# even after an incident; the page of publications that need a person lists them all.
ATTENTION_ROWS = 5


@dataclass(frozen=True)
class OfficerDesk:
    due_today: list[Post]
    in_review: list[Post]
    came_back: list[Post]
    counts: dict[str, int] = field(default_factory=dict)


def _posts_with_channels(zone: Zone) -> QuerySet[Post]:
    """The zone's posts with their channels and when they go out (``plan.with_going_out``)."""
    variants = PostVariant.objects.select_related("channel").order_by("channel__kind", "channel_id")
    posts = Post.objects.filter(zone=zone).select_related("author").prefetch_related(Prefetch("variants", variants))
    return with_going_out(posts)


def _last_review(field_name: str) -> Subquery:
    return Subquery(Review.objects.filter(post=OuterRef("pk")).order_by("-created_at", "-pk").values(field_name)[:1])


def officer_desk(*, zone: Zone, now: datetime | None = None) -> OfficerDesk:
    """Due today (Brussels day: planned today, or gone out today, a post published now included), waiting for
    review, came back (changes requested, or an approval an edit voided). The publications that need a person are
    ``attention``'s, shown to directors too."""
    now = now or timezone.now()
    today = timezone.localtime(now, zone.tzinfo).date()
    start, end = local_day_bounds(today, zone.tzinfo)
    posts = _posts_with_channels(zone)
    due_today = shown_between(posts, start, end).exclude(status=Post.Status.CANCELLED)
    in_review = posts.filter(status=Post.Status.IN_REVIEW).order_by("planned_at", "pk")
    came_back = (
        posts.filter(status=Post.Status.DRAFT, reviews__isnull=False)
        .annotate(last_decision=_last_review("decision"), last_comment=_last_review("comment"))
        .distinct()
        .order_by("planned_at", "pk")
    )
    return OfficerDesk(
        due_today=list(due_today.order_by("shown_at", "pk")[:DASHBOARD_ROWS]),
        in_review=list(in_review[:DASHBOARD_ROWS]),
        came_back=list(came_back[:DASHBOARD_ROWS]),
    )


@dataclass(frozen=True)
class TheDay:
    """The zone's day at a glance (issue 14, point 4), for whoever answers for what goes out."""

    day: date  # the zone's local day
    published: list[Post]  # gone out today, each with ``out_today``: its publications of today (links)
    coming: list[Post]  # approved, planned before the day ends, not out yet (a late one says "overdue")
    not_ready: list[Post]  # planned today and not approved yet: a draft or waiting for review


def the_day(*, zone: Zone, now: datetime | None = None) -> TheDay:
    """Published today (with the networks' links), approved and coming, and planned today but not approved yet;
    five queries whatever the day holds. The publications that need a person are ``attention``'s."""
    now = now or timezone.now()
    today = timezone.localtime(now, zone.tzinfo).date()
    start, end = local_day_bounds(today, zone.tzinfo)
    out_today = Publication.objects.filter(
        status=Publication.Status.PUBLISHED, published_at__gte=start, published_at__lt=end
    )
    published = (
        Post.objects.filter(zone=zone, pk__in=out_today.values("post_id"))
        .prefetch_related(
            Prefetch(
                "publications",
                out_today.select_related("channel").order_by("channel__kind", "channel_id"),
                to_attr="out_today",
            )
        )
        .order_by("-pk")[:DASHBOARD_ROWS]
    )
    # One query for both lists: approved and due before the day ends, or planned today and not approved yet.
    rows = list(
        _posts_with_channels(zone)
        .filter(
            Q(status=Post.Status.APPROVED, planned_at__lt=end)
            | Q(status__in=[Post.Status.DRAFT, Post.Status.IN_REVIEW], planned_at__gte=start, planned_at__lt=end)
        )
        .order_by("planned_at", "pk")[: 2 * DASHBOARD_ROWS]
    )
    coming = [post for post in rows if post.status == Post.Status.APPROVED]
    not_ready = [post for post in rows if post.status != Post.Status.APPROVED]
    published = sorted(published, key=lambda post: min(p.published_at for p in post.out_today), reverse=True)
    return TheDay(
        day=today,
        published=published,
        coming=coming[:DASHBOARD_ROWS],
        not_ready=not_ready[:DASHBOARD_ROWS],
    )


def director_queue(*, zone: Zone) -> list[Post]:
    """The posts waiting for review, oldest due first (a post without a time cannot be submitted)."""
    return list(
        _posts_with_channels(zone).filter(status=Post.Status.IN_REVIEW).order_by("planned_at", "pk")[:DASHBOARD_ROWS]
    )


def follow_ups_due(*, zone: Zone, author_id: int | None, now: datetime | None = None) -> list[FollowUp]:
    """Follow-ups to publish now (issue 13): pending and due, oldest first; the zone's for an officer
    (``author_id`` None), the author's own for a unit head who published the original. One query."""
    now = now or timezone.now()
    return list(
        follow_ups_of_zone(zone, author_id=author_id)
        .filter(status=FollowUp.Status.PENDING, due_at__lte=now)
        .order_by("due_at", "pk")[:DASHBOARD_ROWS]
    )


@dataclass(frozen=True)
class Attention:
    """The publications of the zone that need a person: how many, by problem, and the first few."""

    counts: ProblemCounts
    first: list[PublicationProblem]


def attention(*, zone: Zone, now: datetime | None = None) -> Attention:
    """The first rows of the page of publications that need a person, and their total (two queries, one when
    nothing needs anyone)."""
    now = now or timezone.now()
    counts = problem_counts(zone=zone, now=now)
    first = problems_needing_a_person(zone=zone, now=now)[:ATTENTION_ROWS] if counts.total else []
    return Attention(counts=counts, first=publication_problems(first, now=now))


@dataclass(frozen=True)
class PublishingWatch:
    """Whether the publishing service answers, read from the database only, so that it shows even when beat and
    the workers are down. The late publications themselves are among ``attention``'s."""

    worker_seen_at: datetime | None
    worker_stale: bool
    worker_never_seen_while_due: bool

    @property
    def worker_warning(self) -> bool:
        return self.worker_stale or self.worker_never_seen_while_due


def publishing_watch(*, zone: Zone, worker_seen_at: datetime | None, now: datetime | None = None) -> PublishingWatch:
    """Whether the heartbeat is stale, or missing while something of the zone is due (one query then)."""
    now = now or timezone.now()
    stale = worker_seen_at is not None and now - worker_seen_at > timedelta(
        seconds=settings.PUBLISH_HEARTBEAT_STALE_SECONDS
    )
    # A fresh install has never seen a worker: only an incident once something waits for one. late_publications
    # shifted by its grace period lists what is due now.
    never_seen_while_due = (
        worker_seen_at is None
        and late_publications(now=now + timedelta(seconds=settings.PUBLISH_ALERT_AFTER_SECONDS), zone=zone).exists()
    )
    return PublishingWatch(
        worker_seen_at=worker_seen_at, worker_stale=stale, worker_never_seen_while_due=never_seen_while_due
    )


@dataclass(frozen=True)
class ReviewNotes:
    """The notes the director wrote on the values in their latest review of a post, for the officer."""

    review: Review
    checks: list[ValueCheck]  # only those with a note, in the checklist's order


def latest_review_notes(*, post: Post) -> ReviewNotes | None:
    """The latest review of the post if the director wrote a note on a value in it, else None (two queries at
    most)."""
    review = Review.objects.filter(post=post).select_related("reviewer").order_by("-created_at", "-pk").first()
    if review is None:
        return None
    checks = list(review.value_checks.exclude(note="").order_by("pk"))
    return ReviewNotes(review=review, checks=checks) if checks else None
