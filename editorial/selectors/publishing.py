"""Reads for the officer's view of publishing: a post's publications and the zone's channels. Fixed query counts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlparse

from django.conf import settings
from django.db.models import BooleanField, Case, Count, F, Q, QuerySet, Value, When
from django.utils import timezone

from editorial.models import Channel, Heartbeat, Post, Publication, Zone

Status = Publication.Status
# Publications the dispatcher may claim: waiting for their time.
WAITING = (Status.PENDING, Status.RETRYING)
# Publications an edit or a cancellation may still stop: nothing has been sent for them yet.
NOT_STARTED = (Status.PENDING, Status.RETRYING, Status.QUEUED)
# How long after the send budget a publication still "sending" is taken for stuck (its worker died): the budget
# bounds the publisher's calls, this covers the database work around them and a busy machine.
STUCK_MARGIN = timedelta(seconds=10)
# The heartbeat of the publishing service (beat and a worker), see editorial.publishing.reap.
HEARTBEAT = "publishing"

# Publications still on their way: the post page refreshes itself while one of them is in this state.
IN_FLIGHT = frozenset({Status.PENDING, Status.QUEUED, Status.SENDING, Status.RETRYING})
# Outcomes a person must settle: "it was published" or "send it again".
NEEDS_DECISION = frozenset({Status.UNKNOWN, Status.FAILED})
# A post with a publication in one of these states may have reached the network: it cannot be cancelled.
MAY_BE_ONLINE = frozenset({Status.SENDING, Status.PUBLISHED, Status.UNKNOWN})


def post_publications(*, post: Post) -> list[Publication]:
    """The post's publications with their channel, X first (one query)."""
    return list(
        Publication.objects.filter(post=post)
        .select_related("channel")
        .defer("channel__credentials_encrypted")
        .order_by("channel__kind", "channel__name", "channel_id")
    )


def safe_link(url: str) -> str:
    """Only web addresses become links: a ``javascript:`` URL typed or returned by a network stays text."""
    parsed = urlparse(url or "")
    return url if parsed.scheme in ("http", "https") and parsed.netloc else ""


def zone_channels_state(*, zone: Zone) -> QuerySet[Channel]:
    """The zone's channels for the channels page. The credentials are never loaded (so never decrypted, never
    rendered): ``credentials_set`` says whether there are some."""
    return (
        Channel.objects.filter(zone=zone)
        .defer("credentials_encrypted")
        .annotate(
            credentials_set=Case(
                When(credentials_encrypted="", then=Value(False)), default=Value(True), output_field=BooleanField()
            )
        )
        .order_by("kind", "name", "pk")
    )


def channel_of_zone(*, zone: Zone, channel_id: int) -> Channel:
    """One channel of the zone (raises Channel.DoesNotExist for another zone's or an unknown id)."""
    return Channel.objects.select_related("zone").get(pk=channel_id, zone=zone)


def stuck_since(now: datetime) -> datetime:
    """A publication whose sending started before this moment is stuck: no publisher call lasts that long."""
    return now - timedelta(seconds=settings.PUBLISH_SEND_BUDGET_SECONDS) - STUCK_MARGIN


def late_publications(*, now: datetime | None = None, zone: Zone | None = None) -> QuerySet[Publication]:
    """Publications of approved posts that should have gone out and did not, outside a deliberate pause: not
    started PUBLISH_ALERT_AFTER_SECONDS after their time, or sending for longer than any call may last (their
    worker died). The dashboard and ``check_publishing`` show them even when beat itself is down."""
    now = now or timezone.now()
    late = Publication.objects.filter(
        Q(status__in=NOT_STARTED, next_attempt_at__lt=now - timedelta(seconds=settings.PUBLISH_ALERT_AFTER_SECONDS))
        | Q(status=Status.SENDING, sending_started_at__lt=stuck_since(now)),
        post__status=Post.Status.APPROVED,
        post__zone__publishing_paused=False,
    ).exclude(channel__status=Channel.Status.PAUSED)
    if zone is not None:
        late = late.filter(post__zone=zone)
    return late


def needing_a_person(*, zone: Zone | None = None, now: datetime | None = None) -> QuerySet[Publication]:
    """Every publication a person must look at: failed, unknown outcome, late or stuck. Oldest problem first."""
    late_ids = late_publications(now=now, zone=zone).values("pk")
    problems = Publication.objects.filter(Q(status__in=NEEDS_DECISION) | Q(pk__in=late_ids))
    if zone is not None:
        problems = problems.filter(post__zone=zone)
    return problems.order_by("updated_at", "pk")


class Problem(StrEnum):
    """Why a publication needs a person, in the order a person reads them."""

    LATE = "late"  # not sent, PUBLISH_ALERT_AFTER_SECONDS after its time
    STUCK = "stuck"  # sending for longer than any call may last: the publishing service stopped during the send
    UNKNOWN = "unknown"  # the network's answer does not tell whether the post is online
    FAILED = "failed"  # refused for good, with a reason


@dataclass(frozen=True)
class PublicationProblem:
    publication: Publication
    problem: Problem
    since: datetime  # its time (late), the start of the send (stuck), the outcome (unknown, failed)
    minutes: int  # whole minutes since then, at least 1


@dataclass(frozen=True)
class ProblemCounts:
    late: int = 0
    stuck: int = 0
    unknown: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.late + self.stuck + self.unknown + self.failed

    @property
    def service_may_be_stopped(self) -> bool:
        """Late or stuck publications point at the publishing service, not at one post."""
        return bool(self.late or self.stuck)


def problems_needing_a_person(*, zone: Zone, now: datetime | None = None) -> QuerySet[Publication]:
    """``needing_a_person`` for one zone, with the post and the channel and, as ``problem_since``, the moment each
    problem began (one query, whatever the number of rows).

    What has not gone out yet (late, stuck) comes first: it is what is going wrong now, and old unknown outcomes
    nobody settled must not push it out of the dashboard's first rows. Then the outcomes to settle (unknown,
    failed). In each group, the oldest problem first."""
    return (
        needing_a_person(zone=zone, now=now)
        .select_related("post", "channel")
        .defer("channel__credentials_encrypted")
        .annotate(
            problem_since=Case(
                When(status__in=NEEDS_DECISION, then=F("updated_at")),
                When(status=Status.SENDING, then=F("sending_started_at")),
                default=F("next_attempt_at"),
            ),
            to_settle=Case(When(status__in=NEEDS_DECISION, then=Value(1)), default=Value(0)),
        )
        .order_by("to_settle", "problem_since", "pk")
    )


def problem_counts(*, zone: Zone, now: datetime | None = None) -> ProblemCounts:
    """How many publications of the zone need a person, by problem (one query)."""
    counts = needing_a_person(zone=zone, now=now).aggregate(
        total=Count("pk"),
        stuck=Count("pk", filter=Q(status=Status.SENDING)),
        unknown=Count("pk", filter=Q(status=Status.UNKNOWN)),
        failed=Count("pk", filter=Q(status=Status.FAILED)),
    )
    # Whatever is neither decided nor sending is there because it is late.
    late = counts["total"] - counts["stuck"] - counts["unknown"] - counts["failed"]
    return ProblemCounts(late=late, stuck=counts["stuck"], unknown=counts["unknown"], failed=counts["failed"])


def publication_problems(publications: Iterable[Publication], *, now: datetime) -> list[PublicationProblem]:
    """Rows of ``problems_needing_a_person`` with what is wrong with each (no query)."""
    rows = []
    for publication in publications:
        if publication.status in NEEDS_DECISION:
            problem = Problem(publication.status)
        elif publication.status == Status.SENDING:
            problem = Problem.STUCK
        else:
            problem = Problem.LATE
        since = publication.problem_since or publication.updated_at
        minutes = max(1, int((now - since).total_seconds() // 60))
        rows.append(PublicationProblem(publication=publication, problem=problem, since=since, minutes=minutes))
    return rows


def worker_last_seen() -> datetime | None:
    """When the publishing service (beat and a worker together) last proved alive; None on a new installation.
    Read from the database, so that it shows when Redis is down."""
    return Heartbeat.objects.filter(name=HEARTBEAT).values_list("seen_at", flat=True).first()
