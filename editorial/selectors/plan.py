"""Reads of the weekly and monthly plan and of the calendar feed. Fixed query counts whatever the number of posts.

Days are the zone's local days: a week's bounds come from ``local_day_bounds`` so that the weeks the clocks
change (23 or 25 hour Sundays) hold exactly their own posts. A day with fewer posts on a channel than the
channel's target (``ChannelTarget``) is a gap, from today on: past days are history, not something to plan.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import DateTimeField, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from editorial.clock import local_day_bounds, week_start
from editorial.models import Channel, ChannelTarget, Post, PostVariant, Publication, WeekTheme, Zone

UNPLANNED_ROWS = 20
# Weeks outside these years are refused rather than computed: nobody plans there, and the bounds of year 1 or
# 9999 overflow datetime once shifted to UTC.
FIRST_YEAR, LAST_YEAR = 1900, 9998
# What the calendar feed holds: enough past to look back on, enough ahead to plan.
FEED_PAST = dt.timedelta(weeks=4)
FEED_AHEAD = dt.timedelta(weeks=12)
PROBLEM_STATUSES = (Publication.Status.FAILED, Publication.Status.UNKNOWN)
# Posts that can still move: those still open to an edit (``permissions.can_edit_post``), not out nor on their way.
MOVABLE_STATUSES = (Post.Status.DRAFT, Post.Status.IN_REVIEW, Post.Status.APPROVED)
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


def post_version(post: Post) -> str:
    """What the plan page showed of a post, as a short token it sends back with a move: the service refuses the move
    when the post changed since (a text saved, an approval, another move). ``updated_at`` alone is not enough: an
    approval or a send-back changes the status with a conditional UPDATE that leaves it as it was."""
    parts = (
        post.updated_at.astimezone(dt.UTC).isoformat() if post.updated_at else "",
        post.status,
        post.planned_at.astimezone(dt.UTC).isoformat() if post.planned_at else "",
        post.approved_fingerprint,
    )
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:20]


@dataclass(frozen=True)
class Gap:
    """A channel with fewer posts on a day than its target asks for."""

    channel: Channel
    count: int
    target: int


def day_target(target: ChannelTarget | None, day: dt.date, today: dt.date) -> int:
    """How many posts the channel wants on ``day``: 0 without a target, on a weekend day of a weekdays-only target,
    and for past days (a gap is something still to plan)."""
    if target is None or day < today or (target.weekdays_only and day.weekday() >= 5):
        return 0
    return target.posts_per_day


def _target_of(channel: Channel) -> ChannelTarget | None:
    try:
        return channel.target
    except ChannelTarget.DoesNotExist:
        return None


# A post created from an empty cell of a day to come is planned at this hour; today's at the next full hour.
NEW_POST_HOUR = 9
LAST_NEW_POST_HOUR = 22


def new_post_time(day: dt.date, now: dt.datetime) -> dt.datetime | None:
    """The local wall-clock time offered to a post created from a day's cell (``now`` is local); None for a day
    that is over."""
    if day > now.date():
        return dt.datetime.combine(day, dt.time(NEW_POST_HOUR))
    if day == now.date() and now.hour < LAST_NEW_POST_HOUR:
        return dt.datetime.combine(day, dt.time(max(now.hour + 1, NEW_POST_HOUR)))
    return None


@dataclass(frozen=True)
class PlanDay:
    date: dt.date
    is_today: bool
    new_post_at: dt.datetime | None = None  # naive local time; None: no new post from this day


@dataclass(frozen=True)
class PlanEntry:
    post: Post  # with ``with_going_out``'s annotations
    local_time: dt.datetime  # when it went out, is being sent, or is planned
    has_problem: bool

    @property
    def went_out(self) -> bool:
        return self.post.went_out_at is not None

    @property
    def version(self) -> str:
        return post_version(self.post)

    @property
    def can_move(self) -> bool:
        """Still open to an edit and not out, on its way or possibly online (the user's right is the view's)."""
        return (
            self.post.status in MOVABLE_STATUSES
            and not self.went_out
            and not self.post.sending_now
            and not any(p.status == Publication.Status.UNKNOWN for p in self.post.problem_publications)
        )


@dataclass(frozen=True)
class PlanCell:
    day: PlanDay
    entries: list[PlanEntry] = field(default_factory=list)
    target: int = 0  # posts the channel's target asks for that day (0: none asked)

    @property
    def count(self) -> int:
        return sum(1 for entry in self.entries if entry.post.status != Post.Status.CANCELLED)

    @property
    def is_gap(self) -> bool:
        return self.count < self.target


@dataclass(frozen=True)
class PlanRow:
    """One channel (None: posts that have no text for any channel yet) and its seven days of entries."""

    channel: Channel | None
    cells: list[PlanCell]
    target: ChannelTarget | None = None


def _status_summary(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    return [(value, label, counts[value]) for value, label in Post.Status.choices if counts.get(value)]


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
    def gap_count(self) -> int:
        return sum(cell.is_gap for row in self.rows for cell in row.cells)

    @property
    def status_summary(self) -> list[tuple[str, str, int]]:
        """(status, label, count) in workflow order, for the states that occur this week."""
        return _status_summary(self.status_counts)


def _posts(zone: Zone) -> QuerySet[Post]:
    variants = PostVariant.objects.select_related("channel").order_by("channel__kind", "channel__name", "channel_id")
    return with_going_out(Post.objects.filter(zone=zone).prefetch_related(Prefetch("variants", queryset=variants)))


def _shown_posts(zone: Zone, start: dt.datetime, end: dt.datetime) -> list[Post]:
    problems = Publication.objects.filter(status__in=PROBLEM_STATUSES).only("pk", "post_id", "status")
    # The zone comes along: the view asks of each post whether the user may edit it (``can_edit_post``).
    return list(
        shown_between(_posts(zone), start, end)
        .select_related("zone")
        .prefetch_related(Prefetch("publications", queryset=problems, to_attr="problem_publications"))
        .order_by("shown_at", "pk")
    )


def _entry(post: Post, tz: dt.tzinfo) -> PlanEntry:
    local = timezone.localtime(post.shown_at, tz)
    return PlanEntry(post=post, local_time=local, has_problem=bool(post.problem_publications))


def _channels(zone: Zone) -> list[Channel]:
    return list(Channel.objects.filter(zone=zone).select_related("target").order_by("kind", "name", "pk"))


def week_plan(*, zone: Zone, monday: dt.date, now: dt.datetime) -> WeekPlan:
    """The week starting on ``monday``: one row per channel of the zone, one cell per local day."""
    tz = zone.tzinfo
    local_now = timezone.localtime(now, tz)
    today = local_now.date()
    start = local_day_bounds(monday, tz)[0]
    end = local_day_bounds(monday + dt.timedelta(days=6), tz)[1]
    dates = [monday + dt.timedelta(days=i) for i in range(7)]
    days = [PlanDay(date=date, is_today=date == today, new_post_at=new_post_time(date, local_now)) for date in dates]

    channels = _channels(zone)
    posts = _shown_posts(zone, start, end)

    def week_cells(target: ChannelTarget | None = None) -> list[PlanCell]:
        return [PlanCell(day=day, target=day_target(target, day.date, today)) for day in days]

    cells: dict[int | None, list[PlanCell]] = {channel.pk: week_cells(_target_of(channel)) for channel in channels}
    for post in posts:
        entry = _entry(post, tz)
        index = (entry.local_time.date() - monday).days
        channel_ids = [variant.channel_id for variant in post.variants.all()] or [None]
        for channel_id in channel_ids:
            cells.setdefault(channel_id, week_cells())[index].entries.append(entry)

    rows = [PlanRow(channel=channel, cells=cells[channel.pk], target=_target_of(channel)) for channel in channels]
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
class MonthDay:
    date: dt.date
    in_month: bool
    is_today: bool
    entries: list[PlanEntry]
    gaps: list[Gap]
    new_post_at: dt.datetime | None = None


@dataclass(frozen=True)
class MonthPlan:
    first: dt.date  # the first day of the month
    weeks: list[list[MonthDay]]  # whole weeks, Monday to Sunday, from the week of the 1st to that of the last day
    targets: list[ChannelTarget]
    status_counts: dict[str, int] = field(default_factory=dict)

    @property
    def post_count(self) -> int:
        return sum(self.status_counts.values())

    @property
    def gap_count(self) -> int:
        return sum(len(day.gaps) for week in self.weeks for day in week if day.in_month)

    @property
    def status_summary(self) -> list[tuple[str, str, int]]:
        return _status_summary(self.status_counts)


def month_plan(*, zone: Zone, year: int, month: int, now: dt.datetime) -> MonthPlan:
    """The month as whole weeks: each local day with its posts (once each, whatever their channels) and the
    channels whose target it misses."""
    tz = zone.tzinfo
    local_now = timezone.localtime(now, tz)
    today = local_now.date()
    first = dt.date(year, month, 1)
    last = first.replace(day=calendar.monthrange(year, month)[1])
    monday, sunday = week_start(first), week_start(last) + dt.timedelta(days=6)
    start, end = local_day_bounds(monday, tz)[0], local_day_bounds(sunday, tz)[1]

    channels = _channels(zone)
    targets = [target for channel in channels if (target := _target_of(channel)) is not None]
    by_day: dict[dt.date, list[PlanEntry]] = {}
    posts = _shown_posts(zone, start, end)
    for post in posts:
        entry = _entry(post, tz)
        by_day.setdefault(entry.local_time.date(), []).append(entry)

    def day(date: dt.date) -> MonthDay:
        entries = by_day.get(date, [])
        counts = Counter(
            variant.channel_id
            for entry in entries
            if entry.post.status != Post.Status.CANCELLED
            for variant in entry.post.variants.all()
        )
        # The days of the weeks around the month are shown for their posts; their gaps are their own month's.
        gaps = [
            Gap(channel=target.channel, count=counts[target.channel_id], target=wanted)
            for target in targets
            if date.month == month and counts[target.channel_id] < (wanted := day_target(target, date, today))
        ]
        return MonthDay(
            date=date,
            in_month=date.month == month,
            is_today=date == today,
            entries=entries,
            gaps=gaps,
            new_post_at=new_post_time(date, local_now) if date.month == month else None,
        )

    weeks = []
    current = monday
    while current <= sunday:
        weeks.append([day(current + dt.timedelta(days=i)) for i in range(7)])
        current += dt.timedelta(weeks=1)
    in_month = [post for post in posts if first <= timezone.localtime(post.shown_at, tz).date() <= last]
    return MonthPlan(
        first=first, weeks=weeks, targets=targets, status_counts=dict(Counter(post.status for post in in_month))
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
