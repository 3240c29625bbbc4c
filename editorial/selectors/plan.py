"""Reads of the weekly plan and of its calendar feed. Fixed query counts whatever the number of posts.

Days are the zone's local days: a week's bounds come from ``local_day_bounds`` so that the weeks the clocks
change (23 or 25 hour Sundays) hold exactly their own posts.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import DateTimeField, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from editorial.clock import local_day_bounds, week_start
from editorial.models import Channel, Post, PostVariant, Publication, WeekTheme, Zone

UNPLANNED_ROWS = 20
# Weeks outside these years are refused rather than computed: nobody plans there, and the bounds of year 1 or
# 9999 overflow datetime once shifted to UTC.
FIRST_YEAR, LAST_YEAR = 1900, 9998
# What the calendar feed holds: enough past to look back on, enough ahead to plan.
FEED_PAST = dt.timedelta(weeks=4)
FEED_AHEAD = dt.timedelta(weeks=12)
PROBLEM_STATUSES = (Publication.Status.FAILED, Publication.Status.UNKNOWN)
# A publication on its way to the network right now (sent at its time or by "publish now").
BEING_SENT = (Publication.Status.QUEUED, Publication.Status.SENDING)


def with_going_out(posts: QuerySet[Post]) -> QuerySet[Post]:
    """Each post with when it really goes out, for every place that shows a post's time (two subqueries, no query
    per row):

    - ``went_out_at``: the earliest time one of its publications was published (None while nothing is out);
    - ``sending_now``: a publication is on its way this minute ("publish now", or its time has come);
    - ``shown_at``: where the post sits in the plan and the day's lists: when it went out, else when its sending
      began, else its planned time.

    ``planned_at`` itself is never rewritten: it is part of what the director approved (the fingerprint), so a post
    published now keeps the time it was planned for and is shown at the time it really went out."""
    publications = Publication.objects.filter(post=OuterRef("pk"))
    went_out = publications.filter(status=Publication.Status.PUBLISHED).order_by("published_at", "pk")
    sending = publications.filter(status__in=BEING_SENT).order_by("next_attempt_at", "pk")
    return posts.annotate(
        went_out_at=Subquery(went_out.values("published_at")[:1], output_field=DateTimeField()),
        sending_since=Subquery(sending.values("next_attempt_at")[:1], output_field=DateTimeField()),
        sending_now=Exists(sending),
    ).annotate(shown_at=Coalesce("went_out_at", "sending_since", "planned_at", output_field=DateTimeField()))


@dataclass(frozen=True)
class GoingOut:
    """``with_going_out``'s times for one post (its page)."""

    went_out_at: dt.datetime | None
    sending_since: dt.datetime | None

    @property
    def sending_now(self) -> bool:
        return self.sending_since is not None


def going_out(publications: Iterable[Publication]) -> GoingOut:
    """When the post of these publications went out, or since when it is being sent, from its publications
    already loaded (no query)."""
    publications = list(publications)
    published = [p.published_at for p in publications if p.status == Publication.Status.PUBLISHED and p.published_at]
    sending = [p.next_attempt_at or p.updated_at for p in publications if p.status in BEING_SENT]
    return GoingOut(went_out_at=min(published, default=None), sending_since=min(sending, default=None))


def shown_between(posts: QuerySet[Post], start: dt.datetime, end: dt.datetime) -> QuerySet[Post]:
    """The posts of ``with_going_out`` shown between ``start`` and ``end``: planned then and not out elsewhere, or
    out (or being sent) then whatever their planned time. The first filter narrows by the indexed planned time and
    the publications' times before the annotation decides."""
    out_then = Publication.objects.filter(
        Q(status=Publication.Status.PUBLISHED, published_at__gte=start, published_at__lt=end)
        | Q(status__in=BEING_SENT, next_attempt_at__gte=start, next_attempt_at__lt=end)
    )
    return posts.filter(Q(planned_at__gte=start, planned_at__lt=end) | Q(pk__in=out_then.values("post_id"))).filter(
        shown_at__gte=start, shown_at__lt=end
    )


@dataclass(frozen=True)
class PlanDay:
    date: dt.date
    is_today: bool


@dataclass(frozen=True)
class PlanEntry:
    post: Post  # with ``with_going_out``'s annotations
    local_time: dt.datetime  # when it went out, is being sent, or is planned
    has_problem: bool

    @property
    def went_out(self) -> bool:
        return self.post.went_out_at is not None


@dataclass(frozen=True)
class PlanCell:
    day: PlanDay
    entries: list[PlanEntry] = field(default_factory=list)


@dataclass(frozen=True)
class PlanRow:
    """One channel (None: posts that have no text for any channel yet) and its seven days of entries."""

    channel: Channel | None
    cells: list[PlanCell]


@dataclass(frozen=True)
class WeekPlan:
    monday: dt.date
    days: list[PlanDay]
    rows: list[PlanRow]
    themes: list[WeekTheme]
    unplanned: list[Post]
    unplanned_count: int
    status_counts: dict[str, int] = field(default_factory=dict)

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

    @property
    def post_count(self) -> int:
        return sum(self.status_counts.values())

    @property
    def status_summary(self) -> list[tuple[str, str, int]]:
        """(status, label, count) in workflow order, for the states that occur this week."""
        return [
            (value, label, self.status_counts[value])
            for value, label in Post.Status.choices
            if self.status_counts.get(value)
        ]


def _posts(zone: Zone) -> QuerySet[Post]:
    variants = PostVariant.objects.select_related("channel").order_by("channel__kind", "channel__name", "channel_id")
    return with_going_out(Post.objects.filter(zone=zone).prefetch_related(Prefetch("variants", queryset=variants)))


def week_plan(*, zone: Zone, monday: dt.date, today: dt.date) -> WeekPlan:
    """The week starting on ``monday``: one row per channel of the zone, one cell per local day."""
    tz = zone.tzinfo
    start = local_day_bounds(monday, tz)[0]
    end = local_day_bounds(monday + dt.timedelta(days=6), tz)[1]
    days = [
        PlanDay(date=monday + dt.timedelta(days=i), is_today=monday + dt.timedelta(days=i) == today) for i in range(7)
    ]

    channels = list(Channel.objects.filter(zone=zone).order_by("kind", "name", "pk"))
    problems = Publication.objects.filter(status__in=PROBLEM_STATUSES).only("pk", "post_id", "status")
    posts = list(
        shown_between(_posts(zone), start, end)
        .prefetch_related(Prefetch("publications", queryset=problems, to_attr="problem_publications"))
        .order_by("shown_at", "pk")
    )

    def week_cells() -> list[PlanCell]:
        return [PlanCell(day=day) for day in days]

    cells: dict[int | None, list[PlanCell]] = {channel.pk: week_cells() for channel in channels}
    for post in posts:
        local = timezone.localtime(post.shown_at, tz)
        entry = PlanEntry(post=post, local_time=local, has_problem=bool(post.problem_publications))
        index = (local.date() - monday).days
        channel_ids = [variant.channel_id for variant in post.variants.all()] or [None]
        for channel_id in channel_ids:
            cells.setdefault(channel_id, week_cells())[index].entries.append(entry)

    rows = [PlanRow(channel=channel, cells=cells[channel.pk]) for channel in channels]
    if None in cells:
        rows.append(PlanRow(channel=None, cells=cells[None]))

    unplanned_qs = (
        Post.objects.filter(zone=zone, planned_at__isnull=True)
        .exclude(status=Post.Status.CANCELLED)
        .order_by("-updated_at", "-pk")
    )
    return WeekPlan(
        monday=monday,
        days=days,
        rows=rows,
        themes=list(WeekTheme.objects.filter(zone=zone, week_start=monday).order_by("pk")),
        unplanned=list(unplanned_qs[:UNPLANNED_ROWS]),
        unplanned_count=unplanned_qs.count(),
        status_counts=dict(Counter(post.status for post in posts)),
    )


@dataclass(frozen=True)
class FeedContent:
    posts: list[Post]
    themes: list[WeekTheme]


def calendar_feed_content(*, zone: Zone, now: dt.datetime) -> FeedContent:
    """Posts shown from four weeks ago to twelve weeks ahead (at the time they went out, once out; cancelled ones
    left out), and the themes of the weeks in that span."""
    posts = (
        shown_between(_posts(zone), now - FEED_PAST, now + FEED_AHEAD)
        .exclude(status=Post.Status.CANCELLED)
        .order_by("shown_at", "pk")
    )
    today = timezone.localtime(now, zone.tzinfo).date()
    themes = WeekTheme.objects.filter(
        zone=zone, week_start__gte=week_start(today - FEED_PAST), week_start__lt=today + FEED_AHEAD
    ).order_by("week_start", "pk")
    return FeedContent(posts=list(posts), themes=list(themes))
