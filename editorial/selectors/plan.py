"""Reads of the weekly plan and of its calendar feed. Fixed query counts whatever the number of posts.

Days are the zone's local days: a week's bounds come from ``local_day_bounds`` so that the weeks the clocks
change (23 or 25 hour Sundays) hold exactly their own posts.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
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


@dataclass(frozen=True)
class PlanDay:
    date: dt.date
    is_today: bool


@dataclass(frozen=True)
class PlanEntry:
    post: Post
    local_time: dt.datetime
    has_problem: bool


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
    return Post.objects.filter(zone=zone).prefetch_related(Prefetch("variants", queryset=variants))


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
        _posts(zone)
        .filter(planned_at__gte=start, planned_at__lt=end)
        .prefetch_related(Prefetch("publications", queryset=problems, to_attr="problem_publications"))
        .order_by("planned_at", "pk")
    )

    def week_cells() -> list[PlanCell]:
        return [PlanCell(day=day) for day in days]

    cells: dict[int | None, list[PlanCell]] = {channel.pk: week_cells() for channel in channels}
    for post in posts:
        local = timezone.localtime(post.planned_at, tz)
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
    """Posts planned from four weeks ago to twelve weeks ahead (cancelled ones left out), and the themes of
    the weeks in that span."""
    posts = (
        _posts(zone)
        .filter(planned_at__gte=now - FEED_PAST, planned_at__lt=now + FEED_AHEAD)
        .exclude(status=Post.Status.CANCELLED)
        .order_by("planned_at", "pk")
    )
    today = timezone.localtime(now, zone.tzinfo).date()
    themes = WeekTheme.objects.filter(
        zone=zone, week_start__gte=week_start(today - FEED_PAST), week_start__lt=today + FEED_AHEAD
    ).order_by("week_start", "pk")
    return FeedContent(posts=list(posts), themes=list(themes))
