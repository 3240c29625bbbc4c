"""The Brussels clock changes: a skipped time is refused, a repeated one is asked about (DESIGN.md invariant 8)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django import forms
from django.utils import translation

from editorial.clock import AmbiguousLocalTime, NonexistentLocalTime, local_day_bounds, week_start, zone_time
from editorial.forms.common import ZoneTimeFormMixin, clean_text

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
UTC = dt.UTC


@pytest.mark.parametrize(
    ("local", "expected_utc"),
    [
        (dt.datetime(2027, 1, 15, 9, 0), dt.datetime(2027, 1, 15, 8, 0, tzinfo=UTC)),  # winter: UTC+1
        (dt.datetime(2027, 7, 15, 9, 0), dt.datetime(2027, 7, 15, 7, 0, tzinfo=UTC)),  # summer: UTC+2
        (dt.datetime(2027, 3, 28, 1, 59), dt.datetime(2027, 3, 28, 0, 59, tzinfo=UTC)),  # just before the jump
        (dt.datetime(2027, 3, 28, 3, 0), dt.datetime(2027, 3, 28, 1, 0, tzinfo=UTC)),  # just after the jump
        (dt.datetime(2027, 10, 31, 3, 0), dt.datetime(2027, 10, 31, 2, 0, tzinfo=UTC)),  # after the repeat
    ],
)
def test_ordinary_times_convert_to_utc(local, expected_utc):
    assert zone_time(local, BRUSSELS) == expected_utc


@pytest.mark.parametrize("minute", [0, 30, 59])
def test_the_spring_forward_hour_does_not_exist(minute):
    with pytest.raises(NonexistentLocalTime):
        zone_time(dt.datetime(2027, 3, 28, 2, minute), BRUSSELS)


def test_the_fall_back_hour_is_ambiguous_until_chosen():
    local = dt.datetime(2027, 10, 31, 2, 30)
    with pytest.raises(AmbiguousLocalTime) as raised:
        zone_time(local, BRUSSELS)
    first, second = raised.value.choices
    assert first == dt.datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    assert second == dt.datetime(2027, 10, 31, 1, 30, tzinfo=UTC)
    assert zone_time(local, BRUSSELS, fold=0) == first
    assert zone_time(local, BRUSSELS, fold=1) == second


def test_days_of_the_clock_changes_last_23_and_25_hours():
    start, end = local_day_bounds(dt.date(2027, 3, 28), BRUSSELS)
    assert end - start == dt.timedelta(hours=23)
    start, end = local_day_bounds(dt.date(2027, 10, 31), BRUSSELS)
    assert end - start == dt.timedelta(hours=25)
    assert start == dt.datetime(2027, 10, 30, 22, 0, tzinfo=UTC)


def test_weeks_start_on_monday():
    assert week_start(dt.date(2027, 3, 28)) == dt.date(2027, 3, 22)
    assert week_start(dt.date(2027, 3, 22)) == dt.date(2027, 3, 22)


class _Zone:
    tzinfo = BRUSSELS


class PlannedForm(ZoneTimeFormMixin, forms.Form):
    zone_time_fields = ("planned_at",)
    future_fields = ("planned_at",)
    planned_at = forms.DateTimeField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_zone_times(_Zone())

    def clean(self):
        data = super().clean()
        self.clean_zone_times(data)
        return data


def test_the_form_refuses_a_skipped_time_and_keeps_it():
    with translation.override("en"):
        form = PlannedForm(data={"planned_at": "2027-03-28T02:30"})
        assert not form.is_valid()
        assert "does not exist in Brussels" in form.errors["planned_at"][0]
        assert 'value="2027-03-28T02:30"' in str(form["planned_at"])


def test_the_form_asks_which_repeated_time_then_accepts_the_answer():
    with translation.override("en"):
        form = PlannedForm(data={"planned_at": "2027-10-31T02:30"})
        assert not form.is_valid()
        assert "happens twice" in form.errors["planned_at_fold"][0]
        assert 'type="radio"' in str(form["planned_at_fold"])  # the question is now shown
    form = PlannedForm(data={"planned_at": "2027-10-31T02:30", "planned_at_fold": "1"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["planned_at"] == dt.datetime(2027, 10, 31, 1, 30, tzinfo=UTC)


def test_the_form_refuses_the_past():
    with translation.override("en"):
        form = PlannedForm(data={"planned_at": "2020-01-01T10:00"})
        assert not form.is_valid()
        assert "already past" in form.errors["planned_at"][0]


def test_the_form_stores_a_brussels_time_as_utc():
    form = PlannedForm(data={"planned_at": "2027-07-01T09:15"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["planned_at"] == dt.datetime(2027, 7, 1, 7, 15, tzinfo=UTC)


def test_clean_text_keeps_line_feeds_only():
    assert clean_text("a\r\nb\rc\x00d\x1b\te\u200f") == "a\nb\ncd\te\u200f"
