"""Reads of the active time the desk measured (issue 14, point 5): one query, grouped by local day and kind.

The figures are an estimate of time spent in the desk's pages (a visible tab with recent input), not of all the
work: a phone call with a unit head or a post written elsewhere does not count.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, Sum
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from editorial.clock import local_day_bounds, week_start
from editorial.models import ActiveTime, WorkKind, Zone


@dataclass(frozen=True)
class ActiveRow:
    user_id: int
    day: dt.date  # the zone's local day
    kind: str  # a WorkKind value
    seconds: int


def active_time_rows(
    *, zone: Zone, first_day: dt.date, last_day: dt.date, user_id: int | None = None
) -> list[ActiveRow]:
    """The active seconds per person, local day and kind of work, from ``first_day`` to ``last_day`` included."""
    start, _end = local_day_bounds(first_day, zone.tzinfo)
    _start, end = local_day_bounds(last_day, zone.tzinfo)
    rows = ActiveTime.objects.filter(zone=zone, minute__gte=start, minute__lt=end)
    if user_id is not None:
        rows = rows.filter(user_id=user_id)
    grouped = (
        rows.annotate(day=TruncDate("minute", tzinfo=zone.tzinfo))
        .values("user_id", "day", "kind")
        .annotate(total=Sum("seconds"))
        .order_by("day", "user_id", "kind")
    )
    return [ActiveRow(row["user_id"], row["day"], row["kind"], row["total"]) for row in grouped]


# --- The pages: a person's day and week, the team's, against the zone's budget ------------------------------

# The week's budget counts five working days (Monday to Friday): the desk is not staffed every weekend, and a week
# measured against seven days of budget would always look comfortable.
WORKING_DAYS = 5
# The kinds in the order the pages show them; "other" (the dashboard, channels, these pages...) has no share.
KINDS: tuple[str, ...] = (WorkKind.ITEMS, WorkKind.WRITING, WorkKind.REVIEW, WorkKind.COMMENTS, WorkKind.OTHER)
# Days a page may be asked about: anything else in the address is today.
_FIRST_DAY, _LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


def duration_label(seconds: int) -> str:
    """Seconds in the words a person reads: "< 1 min", "12 min", "1 h 05"."""
    minutes = (max(0, seconds) + 30) // 60
    if minutes == 0:
        return _("< 1 min") if seconds > 0 else _("0 min")
    if minutes < 60:
        return _("%(minutes)s min") % {"minutes": minutes}
    return _("%(hours)s h %(minutes)02d") % {"hours": minutes // 60, "minutes": minutes % 60}


@dataclass(frozen=True)
class Bar:
    """A horizontal bar (inline SVG, 0-100 wide): the time used, and where the budget ends. A kind without a budget
    ("other") is drawn against ``reference`` (the day's or the week's budget), so that its bar is not always full.
    Widths are strings with a dot, whatever the language (a French "12,5" would not be an SVG number)."""

    seconds: int
    budget_seconds: int | None
    reference: int = 0

    @property
    def _scale(self) -> int:
        return max(self.seconds, self.budget_seconds or 0, self.reference, 1)

    def _width(self, seconds: int) -> str:
        return f"{min(100.0, 100.0 * seconds / self._scale):.2f}"

    @property
    def over(self) -> bool:
        """Over the budget by at least half a minute: the figures are shown in minutes, and "5 min of 5 min" in red
        would read as a mistake."""
        return self.budget_seconds is not None and self.seconds - self.budget_seconds >= 30

    @property
    def within_width(self) -> str:
        """The part of the bar within the budget (all of it when there is no budget or it is not exceeded)."""
        if not self.over:
            return self._width(self.seconds)
        return self._width(self.budget_seconds or 0)

    @property
    def over_x(self) -> str:
        return self._width(self.budget_seconds or 0)

    @property
    def over_width(self) -> str:
        if not self.over:
            return "0"
        return f"{float(self._width(self.seconds)) - float(self._width(self.budget_seconds or 0)):.2f}"

    @property
    def budget_x(self) -> str | None:
        return None if not self.budget_seconds else self._width(self.budget_seconds)

    @property
    def used(self) -> str:
        return duration_label(self.seconds)

    @property
    def budget(self) -> str:
        return duration_label(self.budget_seconds or 0)

    @property
    def left(self) -> str:
        return duration_label(max(0, (self.budget_seconds or 0) - self.seconds))

    @property
    def beyond(self) -> str:
        return duration_label(max(0, self.seconds - (self.budget_seconds or 0)))


@dataclass(frozen=True)
class KindLine:
    kind: str
    label: str
    bar: Bar  # no budget for "other"


@dataclass(frozen=True)
class DayBudget:
    """One person's (or the team's) active time of one local day, against the daily budget and its split."""

    day: dt.date
    bar: Bar
    kinds: list[KindLine]


@dataclass(frozen=True)
class WeekBudget:
    """One person's (or the team's) week, Monday to Sunday: each day against the daily budget, each kind against its
    share of ``WORKING_DAYS`` days."""

    monday: dt.date
    bar: Bar
    days: list[DayBudget]
    kinds: list[KindLine]


def _kind_lines(zone: Zone, seconds_by_kind: dict[str, int], days: int) -> list[KindLine]:
    split = zone.budget_split()
    labels = dict(WorkKind.choices)
    reference = zone.daily_budget_minutes * 60 * days
    lines = []
    for kind in KINDS:
        share = split.get(kind)
        budget = None if share is None else share * 60 * days
        lines.append(KindLine(kind, str(labels[kind]), Bar(seconds_by_kind.get(kind, 0), budget, reference)))
    return lines


def _day_budget(zone: Zone, day: dt.date, rows: list[ActiveRow]) -> DayBudget:
    by_kind: dict[str, int] = defaultdict(int)
    for row in rows:
        if row.day == day:
            by_kind[row.kind] += row.seconds
    total = sum(by_kind.values())
    return DayBudget(day, Bar(total, zone.daily_budget_minutes * 60), _kind_lines(zone, by_kind, 1))


def day_budget(zone: Zone, user: Any, day: dt.date) -> DayBudget:
    """The person's active time of ``day`` (the zone's local day) against the daily budget, by kind: one query. For
    the dashboard's include ``editorial/_time_budget_day.html`` (context: ``zone`` and ``time_day``)."""
    rows = active_time_rows(zone=zone, first_day=day, last_day=day, user_id=user.pk)
    return _day_budget(zone, day, rows)


def _week_budget(zone: Zone, monday: dt.date, rows: list[ActiveRow]) -> WeekBudget:
    days = [_day_budget(zone, monday + dt.timedelta(days=n), rows) for n in range(7)]
    by_kind: dict[str, int] = defaultdict(int)
    for row in rows:
        by_kind[row.kind] += row.seconds
    total = sum(by_kind.values())
    budget = zone.daily_budget_minutes * 60 * WORKING_DAYS
    return WeekBudget(monday, Bar(total, budget), days, _kind_lines(zone, by_kind, WORKING_DAYS))


@dataclass(frozen=True)
class MyTime:
    day: DayBudget
    week: WeekBudget


def my_time(zone: Zone, user: Any, day: dt.date) -> MyTime:
    """The person's day and the week (Monday to Sunday) holding it: one query."""
    monday = week_start(day)
    rows = active_time_rows(zone=zone, first_day=monday, last_day=monday + dt.timedelta(days=6), user_id=user.pk)
    return MyTime(_day_budget(zone, day, rows), _week_budget(zone, monday, rows))


@dataclass(frozen=True)
class MemberTime:
    user: Any
    roles: list[str]  # role labels in the zone; empty for someone who left it
    day: DayBudget
    week: WeekBudget


@dataclass(frozen=True)
class TeamTime:
    day: DayBudget  # everyone together, against the daily budget
    week: WeekBudget
    members: list[MemberTime]


def team_time(zone: Zone, day: dt.date) -> TeamTime:
    """The team's day and week (everyone together, against the budget) and each member's: three queries (the week's
    rows; the people: the zone's active members and anyone who has time in the week but left since; their roles)."""
    from accounts.models import Membership, Role, User

    monday = week_start(day)
    rows = active_time_rows(zone=zone, first_day=monday, last_day=monday + dt.timedelta(days=6))
    timed = {row.user_id for row in rows}
    people = (
        User.objects.filter(Q(memberships__zone=zone, memberships__is_active=True) | Q(pk__in=timed))
        .distinct()
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(zone=zone, is_active=True).order_by("role"),
                to_attr="zone_memberships",
            )
        )
        .order_by("last_name", "first_name", "username")
    )
    role_labels = dict(Role.choices)
    members = []
    for person in people:
        mine = [row for row in rows if row.user_id == person.pk]
        members.append(
            MemberTime(
                person,
                [str(role_labels.get(m.role, m.role)) for m in person.zone_memberships],
                _day_budget(zone, day, mine),
                _week_budget(zone, monday, mine),
            )
        )
    return TeamTime(_day_budget(zone, day, rows), _week_budget(zone, monday, rows), members)


def day_from_address(value: str | None, today: dt.date) -> dt.date:
    """The day a page's address asks for (``?day=2026-03-29``), or ``today`` for anything else."""
    if not value or len(value) != 10:
        return today
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return today
    return day if _FIRST_DAY <= day <= _LAST_DAY else today
