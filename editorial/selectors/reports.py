"""The reports of a zone for one period (issue 14, point 6): what was planned and published, by whom, how fast,
what failed, and the time spent in the desk against the budget.

A period is an ISO week (Monday to Sunday) or a calendar month of the zone's local time; its bounds are the UTC
instants of local midnight, so a post published on Sunday at 23:30 in Brussels belongs to that Sunday's week, and a
week across the clock change is 167 or 169 hours long. ``zone_report`` reads everything with a fixed number of
queries, whatever the number of posts: figures are counted by the database, and the few lists (lead times, reviews,
failures) are one row per post, review or failed attempt of the period.

Each report has a ``table()``: its column heads (translated when shown) and its rows of plain values, the same for
the page, the CSV export and the e-mail.
"""

from __future__ import annotations

import datetime as dt
import statistics
import zoneinfo
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import CharField, Count, Exists, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast
from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from editorial.clock import local_day_bounds, week_start
from editorial.models import (
    AuditEvent,
    Channel,
    Post,
    PostVariant,
    Publication,
    PublicationAttempt,
    Review,
    WorkKind,
    Zone,
)
from editorial.selectors.timebudget import active_time_rows

WEEK, MONTH = "week", "month"
PERIOD_KINDS = (WEEK, MONTH)
FIRST_YEAR, LAST_YEAR = 2000, 2100
# The failed and unknown attempts listed by name under the failures report (the counts are always complete).
FAILURE_LIST_LIMIT = 50
# The budget counts Monday to Friday, as the time pages do (a weekend is not staffed every week).
WORKING_DAYS = 5


# --- Periods ----------------------------------------------------------------------------------------------------


class ImpossiblePeriod(ValueError):
    """No such week or month (week 54, month 13, a year nobody means)."""


@dataclass(frozen=True)
class Bucket:
    """One bar of a chart over time: a day of a week's report, a week (its days within the month) of a month's."""

    first_day: dt.date
    last_day: dt.date
    by_week: bool

    @property
    def label(self) -> str:
        if self.by_week:
            return _("Week %(week)s") % {"week": self.first_day.isocalendar()[1]}
        return formats.date_format(self.first_day, "D j")

    @property
    def long_label(self) -> str:
        if self.by_week:
            return _("%(first)s to %(last)s") % {
                "first": formats.date_format(self.first_day, "j M"),
                "last": formats.date_format(self.last_day, "j M"),
            }
        return formats.date_format(self.first_day, "l j F")

    def days(self) -> Iterator[dt.date]:
        day = self.first_day
        while day <= self.last_day:
            yield day
            day += dt.timedelta(days=1)


@dataclass(frozen=True)
class Period:
    kind: str  # WEEK or MONTH
    year: int  # the ISO year of a week, the calendar year of a month
    number: int  # the ISO week, or the month
    first_day: dt.date
    last_day: dt.date

    @classmethod
    def week(cls, year: int, week: int) -> Period:
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ImpossiblePeriod(f"{year}-W{week}")
        try:
            monday = dt.date.fromisocalendar(year, week, 1)
        except ValueError:
            raise ImpossiblePeriod(f"{year}-W{week}") from None
        return cls(WEEK, year, week, monday, monday + dt.timedelta(days=6))

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        if not FIRST_YEAR <= year <= LAST_YEAR or not 1 <= month <= 12:
            raise ImpossiblePeriod(f"{year}-{month}")
        first = dt.date(year, month, 1)
        following = dt.date(year + (month == 12), month % 12 + 1, 1)
        return cls(MONTH, year, month, first, following - dt.timedelta(days=1))

    @classmethod
    def containing(cls, kind: str, day: dt.date) -> Period:
        if kind == MONTH:
            return cls.month(day.year, day.month)
        year, week, _weekday = day.isocalendar()
        return cls.week(year, week)

    @property
    def key(self) -> str:
        """As in a file name or an ISO 8601 text: "2025-W13", "2025-03"."""
        return f"{self.year}-W{self.number:02d}" if self.kind == WEEK else f"{self.year}-{self.number:02d}"

    @property
    def title(self) -> str:
        if self.kind == WEEK:
            return _("Week %(week)s of %(year)s") % {"week": self.number, "year": self.year}
        return formats.date_format(self.first_day, "YEAR_MONTH_FORMAT").capitalize()

    @property
    def range_label(self) -> str:
        return _("From %(first)s to %(last)s") % {
            "first": formats.date_format(self.first_day, "l j F"),
            "last": formats.date_format(self.last_day, "l j F Y"),
        }

    def previous(self) -> Period | None:
        return self._neighbour(self.first_day - dt.timedelta(days=1))

    def next(self) -> Period | None:
        return self._neighbour(self.last_day + dt.timedelta(days=1))

    def _neighbour(self, day: dt.date) -> Period | None:
        try:
            return Period.containing(self.kind, day)
        except ImpossiblePeriod:
            return None

    def day_count(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def bounds(self, zone: Zone) -> tuple[dt.datetime, dt.datetime]:
        """UTC instants of local midnight at the start of the first day and at the end of the last."""
        start, _end = local_day_bounds(self.first_day, zone.tzinfo)
        _start, end = local_day_bounds(self.last_day, zone.tzinfo)
        return start, end

    def buckets(self) -> list[Bucket]:
        """A week's days, or a month's weeks (the days of each ISO week within the month): at most 7 bars."""
        if self.kind == WEEK:
            return [Bucket(day, day, by_week=False) for day in _days(self.first_day, self.last_day)]
        buckets = []
        first = self.first_day
        while first <= self.last_day:
            last = min(week_start(first) + dt.timedelta(days=6), self.last_day)
            buckets.append(Bucket(first, last, by_week=True))
            first = last + dt.timedelta(days=1)
        return buckets

    def bucket_of(self, day: dt.date) -> int:
        for index, bucket in enumerate(self.buckets()):
            if bucket.first_day <= day <= bucket.last_day:
                return index
        raise ValueError(day)


def _days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


# --- Tables -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: Promise | str
    kind: str = "text"  # text, int, datetime (aware, shown in the zone's time), hours (a float)


@dataclass(frozen=True)
class Cell:
    text: str
    numeric: bool  # aligned to the right


@dataclass(frozen=True)
class Table:
    columns: Sequence[Column]
    rows: Sequence[Sequence[Any]]

    @property
    def headers(self) -> list[str]:
        return [str(column.header) for column in self.columns]

    def display_rows(self, tz: zoneinfo.ZoneInfo) -> list[list[Cell]]:
        """The rows as people read them, in the current language (a page, an e-mail)."""
        return [
            [
                Cell(_display(value, column.kind, tz), column.kind in ("int", "hours"))
                for value, column in zip(row, self.columns, strict=True)
            ]
            for row in self.rows
        ]

    def csv_rows(self, tz: zoneinfo.ZoneInfo) -> list[list[str]]:
        """The rows for a spreadsheet: figures with a dot, times as "2025-03-30 23:30" in the zone's time, and no
        cell a spreadsheet would run as a formula."""
        return [
            [_csv_value(value, column.kind, tz) for value, column in zip(row, self.columns, strict=True)]
            for row in self.rows
        ]


# A spreadsheet runs a cell that begins with one of these as a formula (CSV injection): such a cell gets a quote.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _display(value: Any, kind: str, tz: zoneinfo.ZoneInfo) -> str:
    if value is None:
        return "—"
    if kind == "int":
        return formats.number_format(value, force_grouping=True)
    if kind == "hours":
        return formats.number_format(value, decimal_pos=1)
    if kind == "datetime":
        return formats.date_format(value.astimezone(tz), "SHORT_DATETIME_FORMAT")
    return str(value)


def _csv_value(value: Any, kind: str, tz: zoneinfo.ZoneInfo) -> str:
    if value is None:
        return ""
    if kind == "int":
        return str(int(value))
    if kind == "hours":
        return f"{value:.1f}"
    if kind == "datetime":
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    return csv_safe(str(value))


def _hours(delta: dt.timedelta | None) -> float | None:
    return None if delta is None else round(delta.total_seconds() / 3600, 1)


def _median_hours(deltas: Sequence[dt.timedelta]) -> float | None:
    return _hours(statistics.median(deltas)) if deltas else None


# --- The reports ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelRow:
    channel: str
    planned: int
    published: int
    target: int | None  # what the zone's target per channel asks over the period


@dataclass(frozen=True)
class ChannelReport:
    rows: list[ChannelRow]

    @property
    def planned(self) -> int:
        return sum(row.planned for row in self.rows)

    @property
    def published(self) -> int:
        return sum(row.published for row in self.rows)

    @property
    def has_target(self) -> bool:
        return any(row.target is not None for row in self.rows)

    @property
    def empty(self) -> bool:
        return not any(row.planned or row.published for row in self.rows)

    def table(self) -> Table:
        columns = [
            Column(gettext_lazy("Channel")),
            Column(gettext_lazy("Planned"), "int"),
            Column(gettext_lazy("Published"), "int"),
            Column(gettext_lazy("Target"), "int"),
        ]
        return Table(columns, [(r.channel, r.planned, r.published, r.target) for r in self.rows])


@dataclass(frozen=True)
class UnitCategoryRow:
    unit: str
    category: str
    posts: int


@dataclass(frozen=True)
class UnitCategoryReport:
    rows: list[UnitCategoryRow]

    @property
    def empty(self) -> bool:
        return not self.rows

    def _totals(self, attribute: str) -> list[tuple[str, int]]:
        totals: dict[str, int] = defaultdict(int)
        for row in self.rows:
            totals[getattr(row, attribute)] += row.posts
        return sorted(totals.items(), key=lambda pair: (-pair[1], pair[0].casefold()))

    def by_unit(self) -> list[tuple[str, int]]:
        return self._totals("unit")

    def by_category(self) -> list[tuple[str, int]]:
        return self._totals("category")

    def table(self) -> Table:
        columns = [Column(gettext_lazy("Unit")), Column(gettext_lazy("Category")), Column(gettext_lazy("Posts"), "int")]
        return Table(columns, [(r.unit, r.category, r.posts) for r in self.rows])


# Lead times are counted into these bars: (upper bound, label).
LEAD_TIME_BANDS: list[tuple[dt.timedelta | None, Promise]] = [
    (dt.timedelta(hours=4), gettext_lazy("Under 4 hours")),
    (dt.timedelta(days=1), gettext_lazy("4 to 24 hours")),
    (dt.timedelta(days=3), gettext_lazy("1 to 3 days")),
    (dt.timedelta(days=7), gettext_lazy("3 to 7 days")),
    (None, gettext_lazy("Over a week")),
]


@dataclass(frozen=True)
class LeadTimeRow:
    post_id: int
    title: str
    unit: str
    item_at: dt.datetime
    published_at: dt.datetime

    @property
    def delay(self) -> dt.timedelta:
        return self.published_at - self.item_at


@dataclass(frozen=True)
class LeadTimeReport:
    rows: list[LeadTimeRow]

    @property
    def empty(self) -> bool:
        return not self.rows

    @property
    def median_hours(self) -> float | None:
        return _median_hours([row.delay for row in self.rows])

    @property
    def longest_hours(self) -> float | None:
        return _hours(max((row.delay for row in self.rows), default=None))

    def bands(self) -> list[tuple[str, int]]:
        counts = [0] * len(LEAD_TIME_BANDS)
        for row in self.rows:
            for index, (upper, _label) in enumerate(LEAD_TIME_BANDS):
                if upper is None or row.delay < upper:
                    counts[index] += 1
                    break
        return [(str(label), count) for (_upper, label), count in zip(LEAD_TIME_BANDS, counts, strict=True)]

    def table(self) -> Table:
        columns = [
            Column(gettext_lazy("Post")),
            Column(gettext_lazy("Unit")),
            Column(gettext_lazy("Item received"), "datetime"),
            Column(gettext_lazy("First published"), "datetime"),
            Column(gettext_lazy("Hours"), "hours"),
        ]
        return Table(columns, [(r.title, r.unit, r.item_at, r.published_at, _hours(r.delay)) for r in self.rows])


@dataclass(frozen=True)
class ReviewRow:
    decided_at: dt.datetime
    submitted_at: dt.datetime | None
    approved: bool

    @property
    def turnaround(self) -> dt.timedelta | None:
        if self.submitted_at is None or self.submitted_at > self.decided_at:
            return None
        return self.decided_at - self.submitted_at


@dataclass(frozen=True)
class ReviewBucket:
    bucket: Bucket
    approved: int
    sent_back: int
    median_hours: float | None


@dataclass(frozen=True)
class ReviewReport:
    buckets: list[ReviewBucket]
    reviews: list[ReviewRow]

    @property
    def empty(self) -> bool:
        return not self.reviews

    @property
    def approved(self) -> int:
        return sum(1 for r in self.reviews if r.approved)

    @property
    def sent_back(self) -> int:
        return sum(1 for r in self.reviews if not r.approved)

    @property
    def median_hours(self) -> float | None:
        return _median_hours([t for r in self.reviews if (t := r.turnaround) is not None])

    def table(self) -> Table:
        columns = [
            Column(pgettext_lazy("report period", "Period")),
            Column(gettext_lazy("Approved"), "int"),
            Column(gettext_lazy("Sent back"), "int"),
            Column(gettext_lazy("Median turnaround (hours)"), "hours"),
        ]
        rows = [(b.bucket.long_label, b.approved, b.sent_back, b.median_hours) for b in self.buckets]
        return Table(columns, rows)


@dataclass(frozen=True)
class FailureChannelRow:
    channel: str
    retried: int
    failed: int
    unknown: int

    @property
    def total(self) -> int:
        return self.retried + self.failed + self.unknown


@dataclass(frozen=True)
class FailureRow:
    at: dt.datetime
    post_id: int
    title: str
    channel: str
    outcome: str  # a PublicationAttempt.Outcome label
    status_now: str  # the publication's status label today
    error: str


@dataclass(frozen=True)
class FailureReport:
    channels: list[FailureChannelRow]
    failures: list[FailureRow]  # the failed and unknown attempts, first FAILURE_LIST_LIMIT
    more: bool

    @property
    def empty(self) -> bool:
        return not any(row.total for row in self.channels)

    @property
    def failed(self) -> int:
        return sum(row.failed for row in self.channels)

    @property
    def unknown(self) -> int:
        return sum(row.unknown for row in self.channels)

    def table(self) -> Table:
        columns = [
            Column(gettext_lazy("Channel")),
            Column(gettext_lazy("Retried"), "int"),
            Column(gettext_lazy("Failed"), "int"),
            Column(gettext_lazy("Unknown"), "int"),
        ]
        return Table(columns, [(r.channel, r.retried, r.failed, r.unknown) for r in self.channels])


TIME_KINDS = [WorkKind.ITEMS, WorkKind.WRITING, WorkKind.REVIEW, WorkKind.COMMENTS, WorkKind.OTHER]


@dataclass(frozen=True)
class TimeBucket:
    bucket: Bucket
    minutes: dict[str, float]  # per WorkKind value, the whole team's
    counted_days: int  # the working days of the bucket up to today (``_budget_days``): a day to come spent nothing

    @property
    def total(self) -> float:
        return sum(self.minutes.values())

    def per_day(self, kind: str | None = None) -> float:
        spent = self.total if kind is None else self.minutes[kind]
        return round(spent / self.counted_days, 1) if self.counted_days else 0.0


@dataclass(frozen=True)
class TimeReport:
    daily_budget: int
    split: dict[str, int]
    buckets: list[TimeBucket]
    counted_days: int  # the period's working days up to today (``_budget_days``)
    day_totals: dict[dt.date, float] = field(default_factory=dict)  # minutes of each day with any

    @property
    def empty(self) -> bool:
        return not any(b.total for b in self.buckets)

    def minutes(self, kind: str | None = None) -> float:
        return round(sum(b.total if kind is None else b.minutes[kind] for b in self.buckets), 1)

    @property
    def average_per_day(self) -> float:
        return round(self.minutes() / self.counted_days, 1) if self.counted_days else 0.0

    @property
    def days_over_budget(self) -> int:
        return sum(1 for day in self.day_totals.values() if day > self.daily_budget)

    def by_kind(self) -> list[tuple[str, str, float, int | None]]:
        """(kind, label, minutes per day on average, budget per day): the split against what was measured."""
        rows = []
        for kind in TIME_KINDS:
            spent = self.minutes(kind)
            per_day = round(spent / self.counted_days, 1) if self.counted_days else 0.0
            rows.append((str(kind), str(kind.label), per_day, self.split.get(str(kind))))
        return rows

    def table(self) -> Table:
        columns = [
            Column(pgettext_lazy("report period", "Period")),
            *(Column(kind.label, "int") for kind in TIME_KINDS),
            Column(gettext_lazy("Total (minutes)"), "int"),
            Column(gettext_lazy("Minutes per day"), "hours"),
            Column(gettext_lazy("Budget per day"), "int"),
        ]
        rows = [
            (
                b.bucket.long_label,
                *(round(b.minutes[kind]) for kind in TIME_KINDS),
                round(b.total),
                b.per_day() if b.counted_days else None,
                self.daily_budget,
            )
            for b in self.buckets
        ]
        return Table(columns, rows)


@dataclass(frozen=True)
class ZoneReport:
    zone: Zone
    period: Period
    channels: ChannelReport
    units: UnitCategoryReport
    lead_time: LeadTimeReport
    reviews: ReviewReport
    failures: FailureReport
    time: TimeReport

    def get(self, name: str) -> Any:
        return getattr(self, REPORTS[name].attribute)

    def sections(self) -> list[tuple[ReportKind, Table]]:
        """Each report with its table, in the order the page and the e-mail show them."""
        return [(kind, self.get(kind.name).table()) for kind in REPORT_KINDS]


@dataclass(frozen=True)
class ReportKind:
    name: str  # in the CSV's address and file name
    attribute: str  # of ZoneReport
    title: Promise


REPORT_KINDS = [
    ReportKind("channels", "channels", gettext_lazy("Planned and published, per channel")),
    ReportKind("units", "units", gettext_lazy("Published posts, per unit and category")),
    ReportKind("lead-time", "lead_time", gettext_lazy("From the unit's item to publication")),
    ReportKind("reviews", "reviews", gettext_lazy("Review: turnaround and send-backs")),
    ReportKind("failures", "failures", gettext_lazy("Failures and unknown outcomes")),
    ReportKind("time", "time", gettext_lazy("Time in the desk against the budget")),
]
REPORTS = {kind.name: kind for kind in REPORT_KINDS}


def zone_report(*, zone: Zone, period: Period, today: dt.date) -> ZoneReport:
    """Every report of ``zone`` for ``period``; ``today`` (the zone's local date) bounds the budget's days.

    Ten queries whatever the number of rows (the channels' labels, then one per figure)."""
    start, end = period.bounds(zone)
    Channel.read_networks(zone.pk)
    channels = list(Channel.objects.filter(zone=zone).select_related("target").order_by("kind", "name", "pk"))
    return ZoneReport(
        zone=zone,
        period=period,
        channels=_channel_report(zone, period, channels, start, end),
        units=_unit_category_report(zone, start, end),
        lead_time=_lead_time_report(zone, start, end),
        reviews=_review_report(zone, period, start, end),
        failures=_failure_report(zone, channels, start, end),
        time=_time_report(zone, period, today),
    )


def _target(channel: Channel, period: Period) -> int | None:
    target = getattr(channel, "target", None)
    if target is None:
        return None
    days = [d for d in _days(period.first_day, period.last_day) if not target.weekdays_only or d.weekday() < 5]
    return target.posts_per_day * len(days)


def _channel_report(
    zone: Zone, period: Period, channels: list[Channel], start: dt.datetime, end: dt.datetime
) -> ChannelReport:
    planned = dict(
        PostVariant.objects.filter(post__zone=zone, post__planned_at__gte=start, post__planned_at__lt=end)
        .exclude(post__status=Post.Status.CANCELLED)
        .values("channel_id")
        .annotate(n=Count("pk"))
        .values_list("channel_id", "n")
    )
    published = dict(
        Publication.objects.filter(
            post__zone=zone, status=Publication.Status.PUBLISHED, published_at__gte=start, published_at__lt=end
        )
        .values("channel_id")
        .annotate(n=Count("pk"))
        .values_list("channel_id", "n")
    )
    rows = [ChannelRow(c.label, planned.get(c.pk, 0), published.get(c.pk, 0), _target(c, period)) for c in channels]
    return ChannelReport(rows)


def _first_published() -> Subquery:
    return Subquery(
        Publication.objects.filter(post=OuterRef("pk"), status=Publication.Status.PUBLISHED)
        .order_by("published_at")
        .values("published_at")[:1]
    )


def _published_in(zone: Zone, start: dt.datetime, end: dt.datetime) -> QuerySet[Post]:
    """The zone's posts whose first publication (any channel) was in the period: counted once, in one period."""
    out_in_period = Publication.objects.filter(
        post=OuterRef("pk"), status=Publication.Status.PUBLISHED, published_at__gte=start, published_at__lt=end
    )
    return (
        Post.objects.filter(zone=zone)
        .filter(Exists(out_in_period))
        .annotate(first_published=_first_published())
        .filter(first_published__gte=start, first_published__lt=end)
    )


def _unit_category_report(zone: Zone, start: dt.datetime, end: dt.datetime) -> UnitCategoryReport:
    grouped = (
        _published_in(zone, start, end)
        .values("item__unit_id", "item__unit__name", "category_id", "category__name")
        .annotate(n=Count("pk"))
        .order_by()
    )
    no_unit, no_category = _("No item (the desk's own)"), _("No category")
    rows = [
        UnitCategoryRow(row["item__unit__name"] or no_unit, row["category__name"] or no_category, row["n"])
        for row in grouped
    ]
    rows.sort(key=lambda r: (r.unit.casefold(), -r.posts, r.category.casefold()))
    return UnitCategoryReport(rows)


def _lead_time_report(zone: Zone, start: dt.datetime, end: dt.datetime) -> LeadTimeReport:
    posts = (
        _published_in(zone, start, end)
        .filter(item__isnull=False)
        .values("pk", "title", "item__created_at", "item__unit__name", "first_published")
        .order_by("first_published", "pk")
    )
    rows = [
        LeadTimeRow(p["pk"], p["title"], p["item__unit__name"], p["item__created_at"], p["first_published"])
        for p in posts
    ]
    return LeadTimeReport(rows)


def _review_report(zone: Zone, period: Period, start: dt.datetime, end: dt.datetime) -> ReviewReport:
    # The submission this decision answered: the post's last "submit" event before it (a post sent back and
    # submitted again is timed from its new submission).
    submitted = (
        AuditEvent.objects.filter(
            zone=zone,
            object_type=Post._meta.label_lower,
            object_id=Cast(OuterRef("post_id"), CharField()),
            action="editorial.post.submit",
            created_at__lte=OuterRef("created_at"),
        )
        .order_by("-created_at", "-pk")
        .values("created_at")[:1]
    )
    decisions = (
        Review.objects.filter(post__zone=zone, created_at__gte=start, created_at__lt=end)
        .annotate(submitted_at=Subquery(submitted))
        .values_list("created_at", "submitted_at", "decision")
        .order_by("created_at", "pk")
    )
    reviews = [
        ReviewRow(at, submitted_at, decision == Review.Decision.APPROVE) for at, submitted_at, decision in decisions
    ]
    per_bucket: dict[int, list[ReviewRow]] = defaultdict(list)
    for review in reviews:
        per_bucket[period.bucket_of(review.decided_at.astimezone(zone.tzinfo).date())].append(review)
    buckets = []
    for index, bucket in enumerate(period.buckets()):
        rows = per_bucket.get(index, [])
        turnarounds = [t for r in rows if (t := r.turnaround) is not None]
        approved = sum(1 for r in rows if r.approved)
        buckets.append(ReviewBucket(bucket, approved, len(rows) - approved, _median_hours(turnarounds)))
    return ReviewReport(buckets, reviews)


def _failure_report(zone: Zone, channels: list[Channel], start: dt.datetime, end: dt.datetime) -> FailureReport:
    Outcome = PublicationAttempt.Outcome
    attempts = PublicationAttempt.objects.filter(
        publication__post__zone=zone,
        finished_at__gte=start,
        finished_at__lt=end,
        outcome__in=[Outcome.RETRY, Outcome.FAILED, Outcome.UNKNOWN],
    )
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for channel_id, outcome, n in (
        attempts.values("publication__channel_id", "outcome")
        .annotate(n=Count("pk"))
        .values_list("publication__channel_id", "outcome", "n")
        .order_by()
    ):
        counts[channel_id][outcome] = n
    rows = [
        FailureChannelRow(
            c.label, counts[c.pk][Outcome.RETRY], counts[c.pk][Outcome.FAILED], counts[c.pk][Outcome.UNKNOWN]
        )
        for c in channels
    ]
    by_pk = {c.pk: c for c in channels}
    listed = list(
        attempts.filter(outcome__in=[Outcome.FAILED, Outcome.UNKNOWN])
        .select_related("publication__post")
        .order_by("finished_at", "pk")[: FAILURE_LIST_LIMIT + 1]
    )
    failures = [
        FailureRow(
            at=a.finished_at,
            post_id=a.publication.post_id,
            title=a.publication.post.title,
            channel=by_pk[a.publication.channel_id].label,
            outcome=a.get_outcome_display(),
            status_now=a.publication.get_status_display(),
            error=a.error,
        )
        for a in listed[:FAILURE_LIST_LIMIT]
    ]
    return FailureReport(rows, failures, more=len(listed) > FAILURE_LIST_LIMIT)


def _budget_days(bucket: Bucket, today: dt.date) -> int:
    """The days of the bucket the budget counts: its working days (Monday to Friday, as on the time pages) up to
    today; a weekend alone, when it is all the bucket has, counts its own days."""
    past = [day for day in bucket.days() if day <= today]
    return sum(1 for day in past if day.weekday() < WORKING_DAYS) or len(past)


def _time_report(zone: Zone, period: Period, today: dt.date) -> TimeReport:
    buckets = period.buckets()
    seconds: list[dict[str, int]] = [defaultdict(int) for _bucket in buckets]
    per_day: dict[dt.date, int] = defaultdict(int)
    for row in active_time_rows(zone=zone, first_day=period.first_day, last_day=period.last_day):
        seconds[period.bucket_of(row.day)][row.kind] += row.seconds
        per_day[row.day] += row.seconds
    rows = [
        TimeBucket(
            bucket,
            {str(kind): round(spent[str(kind)] / 60, 1) for kind in TIME_KINDS},
            _budget_days(bucket, today),
        )
        for bucket, spent in zip(buckets, seconds, strict=True)
    ]
    return TimeReport(
        daily_budget=zone.daily_budget_minutes,
        split=zone.budget_split(),
        buckets=rows,
        counted_days=_budget_days(Bucket(period.first_day, period.last_day, by_week=False), today),
        day_totals={day: round(total / 60, 1) for day, total in per_day.items()},
    )
