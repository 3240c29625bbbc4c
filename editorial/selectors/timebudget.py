"""Reads of the active time the desk measured (issue 14, point 5): one query, grouped by local day and kind.

The figures are an estimate of time spent in the desk's pages (a visible tab with recent input), not of all the
work: a phone call with a unit head or a post written elsewhere does not count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Sum
from django.db.models.functions import TruncDate

from editorial.clock import local_day_bounds
from editorial.models import ActiveTime, Zone


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
