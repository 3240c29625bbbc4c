"""Wall-clock times of a zone: entered in its timezone, stored in UTC (DESIGN.md section 6, invariant 8).

Twice a year the Brussels clock is not a plain line: on the last Sunday of March 02:00-03:00 does not exist
(clocks jump forward), on the last Sunday of October 02:00-03:00 happens twice (clocks go back). A form must
refuse the first and ask about the second; Python's ``zoneinfo`` silently picks an answer for both.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from datetime import UTC


class NonexistentLocalTime(ValueError):
    """The wall-clock time is skipped when the clocks go forward."""


class AmbiguousLocalTime(ValueError):
    """The wall-clock time happens twice when the clocks go back; ``choices`` are the two instants."""

    def __init__(self, choices: tuple[dt.datetime, dt.datetime]) -> None:
        super().__init__("ambiguous local time")
        self.choices = choices


def _exists(aware: dt.datetime, naive: dt.datetime, tz: zoneinfo.ZoneInfo) -> bool:
    # A time that exists survives the round trip through UTC unchanged.
    return aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive


def zone_time(naive: dt.datetime, tz: zoneinfo.ZoneInfo, *, fold: int | None = None) -> dt.datetime:
    """The aware instant for a wall-clock time in ``tz``.

    Raises ``NonexistentLocalTime`` for a skipped time, and ``AmbiguousLocalTime`` for a repeated time
    unless ``fold`` says which one (0: the first, still in summer time; 1: the second, in winter time).
    """
    naive = naive.replace(tzinfo=None)
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    if not _exists(first, naive, tz):
        raise NonexistentLocalTime(naive.isoformat())
    if first.utcoffset() != second.utcoffset():
        if fold is None:
            raise AmbiguousLocalTime((first.astimezone(UTC), second.astimezone(UTC)))
        return (second if fold else first).astimezone(UTC)
    return first.astimezone(UTC)


def week_start(day: dt.date) -> dt.date:
    """The Monday of the week holding ``day`` (weeks run Monday to Sunday in Belgium)."""
    return day - dt.timedelta(days=day.weekday())


def local_day_bounds(day: dt.date, tz: zoneinfo.ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """UTC instants of local midnight at the start of ``day`` and of the next day (23 or 25 hours on
    the days the clocks change)."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)
