"""The time budget's service and reads (issue 14, point 5): what a ping adds, the minute's cap, the kinds of pages,
the Brussels day (the clock changes too), and the budget's change with its audit event."""

from __future__ import annotations

import datetime as dt
from datetime import UTC

import pytest
from django.core.exceptions import ValidationError

from editorial import timetracking
from editorial.models import ActiveTime, AuditEvent, WorkKind
from editorial.selectors import timebudget
from editorial.selectors.timebudget import Bar, day_budget, day_from_address, duration_label, my_time, team_time
from tests.concurrency import at_once
from tests.factories import make_zone

pytestmark = pytest.mark.usefixtures("in_english")

NOON = dt.datetime(2026, 6, 10, 10, 0, 20, tzinfo=UTC)  # Wednesday 10 June 2026, 12:00 in Brussels


def add(zone_users, seconds, *, user=None, kind=WorkKind.WRITING, now=NOON, zone=None):
    return timetracking.active_time_add(
        zone=zone or zone_users.zone, user=user or zone_users.officer, kind=kind, seconds=seconds, now=now
    )


def test_a_ping_adds_its_seconds_to_the_current_minute(zone_users):
    assert add(zone_users, 15) == 15
    assert add(zone_users, 10, now=NOON + dt.timedelta(seconds=20)) == 10
    row = ActiveTime.objects.get()
    assert row.minute == dt.datetime(2026, 6, 10, 10, 0, tzinfo=UTC)
    assert (row.seconds, row.kind, row.zone, row.user) == (25, "writing", zone_users.zone, zone_users.officer)


def test_a_flood_of_pings_in_one_minute_never_gives_more_than_sixty_seconds(zone_users):
    for _ in range(50):
        add(zone_users, 15)
    assert ActiveTime.objects.get().seconds == 60


@pytest.mark.parametrize(("sent", "counted"), [(-5, 0), (0, 0), (16, 15), (10**9, 15)])
def test_a_count_is_clamped_to_the_ping_interval(zone_users, sent, counted):
    assert add(zone_users, sent) == counted
    assert sum(ActiveTime.objects.values_list("seconds", flat=True)) == counted


def test_the_minute_keeps_the_kind_and_the_zone_of_its_first_ping(zone_users):
    other = make_zone()
    add(zone_users, 15, kind=WorkKind.REVIEW)
    add(zone_users, 15, kind=WorkKind.ITEMS)
    add(zone_users, 15, zone=other)
    row = ActiveTime.objects.get()
    assert (row.kind, row.zone, row.seconds) == ("review", zone_users.zone, 30)


def test_people_and_minutes_have_rows_of_their_own(zone_users):
    add(zone_users, 15)
    add(zone_users, 15, user=zone_users.director)
    add(zone_users, 15, now=NOON + dt.timedelta(minutes=1))
    assert ActiveTime.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_pings_from_several_tabs_at_once_stay_within_the_minute(postgres, zone_users):
    """Eight pings at the same moment, each on its own connection (the first ones race to make the minute's row):
    none fails, and the minute holds 60 seconds, not 120."""
    counted = at_once(lambda: add(zone_users, 15), [()] * 8)
    assert counted == [15] * 8
    assert ActiveTime.objects.get().seconds == 60


@pytest.mark.parametrize(
    ("page", "kind"),
    [
        ("item_list", "items"),
        ("item_detail", "items"),
        ("post_create", "writing"),
        ("post_edit", "writing"),
        ("plan_week", "writing"),
        ("template_edit", "writing"),
        ("post_list", "writing"),
        ("review_queue", "review"),
        ("review_post", "review"),
        ("review_after_queue", "review"),
        ("follow_up_detail", "comments"),
        ("comment_add", "comments"),
        ("zone_dashboard", "other"),
        ("channels", "other"),
        ("time_mine", "other"),
    ],
)
def test_each_page_counts_for_its_kind_of_work(page, kind):
    assert timetracking.kind_for_page(page) == kind


@pytest.mark.parametrize("page", ["", "admin", "login", "writing", "items", "post_edit ", "../post_edit", "x" * 500])
def test_a_page_the_desk_does_not_have_has_no_kind(page):
    assert timetracking.kind_for_page(page) is None


def test_every_kind_of_the_mapping_is_a_work_kind_and_every_page_exists():
    names = timetracking._desk_page_names()
    assert set(timetracking.PAGE_KINDS.values()) <= set(WorkKind.values)
    assert set(timetracking.PAGE_KINDS) <= names


def test_the_rate_limit_counts_pings_per_person_and_minute(zone_users):
    allowed = [timetracking.ping_allowed(user=zone_users.officer, now=NOON) for _ in range(25)]
    assert allowed == [True] * timetracking.PINGS_PER_MINUTE + [False] * (25 - timetracking.PINGS_PER_MINUTE)
    assert timetracking.ping_allowed(user=zone_users.director, now=NOON)
    assert timetracking.ping_allowed(user=zone_users.officer, now=NOON + dt.timedelta(minutes=1))


# --- The reads -----------------------------------------------------------------------------------------------


def test_the_day_is_the_brussels_day_also_when_the_clocks_go_back(zone_users):
    """25 October 2026 has 25 hours in Brussels: 00:30 local is 22:30 UTC the day before, 23:59 local is 22:59 UTC."""
    day = dt.date(2026, 10, 25)
    add(zone_users, 15, now=dt.datetime(2026, 10, 24, 21, 59, tzinfo=UTC))  # 23:59 on the 24th (summer time)
    add(zone_users, 10, now=dt.datetime(2026, 10, 24, 22, 30, tzinfo=UTC))  # 00:30 on the 25th
    add(zone_users, 12, now=dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC))  # 02:30, the first time
    add(zone_users, 13, now=dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC))  # 02:30, the second time
    add(zone_users, 14, now=dt.datetime(2026, 10, 25, 22, 59, tzinfo=UTC))  # 23:59 on the 25th (winter time)
    add(zone_users, 15, now=dt.datetime(2026, 10, 25, 23, 0, tzinfo=UTC))  # 00:00 on the 26th
    assert day_budget(zone_users.zone, zone_users.officer, day).bar.seconds == 10 + 12 + 13 + 14
    week = my_time(zone_users.zone, zone_users.officer, day).week
    assert week.monday == dt.date(2026, 10, 19)
    assert [d.bar.seconds for d in week.days] == [0, 0, 0, 0, 0, 15, 49]
    assert week.bar.seconds == 64  # the 26th is the next week


def test_the_day_when_the_clocks_go_forward(zone_users):
    day = dt.date(2026, 3, 29)  # 23 hours: 02:00-03:00 does not exist
    add(zone_users, 15, now=dt.datetime(2026, 3, 28, 23, 0, tzinfo=UTC))  # 00:00 on the 29th (winter time)
    add(zone_users, 15, now=dt.datetime(2026, 3, 29, 21, 59, tzinfo=UTC))  # 23:59 on the 29th (summer time)
    add(zone_users, 15, now=dt.datetime(2026, 3, 29, 22, 0, tzinfo=UTC))  # 00:00 on the 30th
    assert day_budget(zone_users.zone, zone_users.officer, day).bar.seconds == 30


def test_the_day_against_the_budget_and_its_split(zone_users):
    zone = zone_users.zone  # 35 minutes: items 5, writing 15, review 10, comments 5
    for minute in range(20):
        add(zone_users, 15, kind=WorkKind.WRITING, now=NOON + dt.timedelta(minutes=minute))
        add(zone_users, 15, kind=WorkKind.WRITING, now=NOON + dt.timedelta(minutes=minute, seconds=30))
    for minute in range(20, 22):
        add(zone_users, 15, kind=WorkKind.OTHER, now=NOON + dt.timedelta(minutes=minute))
    add(zone_users, 15, user=zone_users.director, kind=WorkKind.REVIEW)
    day = day_budget(zone, zone_users.officer, dt.date(2026, 6, 10))
    assert day.bar.seconds == 20 * 30 + 2 * 15
    assert day.bar.budget_seconds == 35 * 60 and not day.bar.over
    kinds = {line.kind: line.bar for line in day.kinds}
    assert list(kinds) == ["items", "writing", "review", "comments", "other"]
    assert (kinds["writing"].seconds, kinds["writing"].budget_seconds) == (600, 15 * 60)
    assert kinds["other"].budget_seconds is None and kinds["other"].seconds == 30
    assert kinds["review"].seconds == 0  # the director's time is theirs


def test_the_week_budget_counts_five_working_days(zone_users):
    week = my_time(zone_users.zone, zone_users.officer, dt.date(2026, 6, 10)).week
    assert week.bar.budget_seconds == 5 * 35 * 60
    assert {line.kind: line.bar.budget_seconds for line in week.kinds} == {
        "items": 5 * 5 * 60,
        "writing": 5 * 15 * 60,
        "review": 5 * 10 * 60,
        "comments": 5 * 5 * 60,
        "other": None,
    }


def test_the_team_adds_everyone_up_and_keeps_who_left(zone_users):
    from accounts.models import Membership

    add(zone_users, 15)
    add(zone_users, 15, user=zone_users.director, kind=WorkKind.REVIEW)
    add(zone_users, 15, user=zone_users.unit_head, kind=WorkKind.ITEMS)
    Membership.objects.filter(user=zone_users.unit_head).update(is_active=False)
    add(zone_users, 15, user=zone_users.outsider, zone=make_zone())  # another zone's time is not this team's
    team = team_time(zone_users.zone, dt.date(2026, 6, 10))
    assert team.day.bar.seconds == 45 and team.week.bar.seconds == 45
    by_user = {m.user.username: m for m in team.members}
    assert set(by_user) == {"officer", "unithead", "otherunithead", "director", "zoneadmin"}
    assert by_user["unithead"].roles == [] and by_user["unithead"].week.bar.seconds == 15
    assert by_user["director"].roles == ["Director"]
    assert {line.kind: line.bar.seconds for line in by_user["director"].day.kinds}["review"] == 15


def test_the_bar_never_runs_off_its_track():
    within = Bar(10 * 60, 35 * 60)
    assert (within.within_width, within.over, within.budget_x) == ("28.57", False, "100.00")
    over = Bar(70 * 60, 35 * 60)
    assert (over.within_width, over.over_x, over.over_width, over.budget_x) == ("50.00", "50.00", "50.00", "50.00")
    assert Bar(0, 0).within_width == "0.00" and Bar(0, 0).budget_x is None
    assert Bar(90, None).within_width == "100.00"
    assert Bar(60, None, 35 * 60).within_width == "2.86"  # "other" against the day's budget
    almost = Bar(5 * 60 + 20, 5 * 60)  # shown as "5 min of 5 min": not over
    assert not almost.over and almost.over_width == "0" and almost.left == "0 min"
    assert Bar(5 * 60 + 30, 5 * 60).over


@pytest.mark.parametrize(
    ("seconds", "label"),
    [(0, "0 min"), (10, "< 1 min"), (31, "1 min"), (35 * 60, "35 min"), (65 * 60, "1 h 05"), (600 * 60, "10 h 00")],
)
def test_durations_read_as_minutes(seconds, label):
    assert duration_label(seconds) == label


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("2026-03-29", dt.date(2026, 3, 29)),
        ("", dt.date(2026, 6, 10)),
        (None, dt.date(2026, 6, 10)),
        ("2026-02-30", dt.date(2026, 6, 10)),
        ("0001-01-01", dt.date(2026, 6, 10)),
        ("9999-12-31", dt.date(2026, 6, 10)),
        ("2026-W10", dt.date(2026, 6, 10)),
        ("2026-03-29" * 100, dt.date(2026, 6, 10)),
    ],
)
def test_the_day_of_an_address(value, day):
    assert day_from_address(value, dt.date(2026, 6, 10)) == day


def test_the_readers_keep_a_fixed_number_of_queries(zone_users, django_assert_num_queries):
    for minute in range(30):
        add(zone_users, 15, now=NOON + dt.timedelta(minutes=minute), kind=WorkKind.values[minute % 5])
    with django_assert_num_queries(1):
        day_budget(zone_users.zone, zone_users.officer, dt.date(2026, 6, 10))
    with django_assert_num_queries(1):
        my_time(zone_users.zone, zone_users.officer, dt.date(2026, 6, 10))
    with django_assert_num_queries(3):  # the rows, the people, their roles
        team_time(zone_users.zone, dt.date(2026, 6, 10))
    assert timebudget.WORKING_DAYS == 5


# --- The budget ------------------------------------------------------------------------------------------------


def test_the_budget_is_set_and_audited(zone_users):
    zone = zone_users.zone
    values = {
        "daily_budget_minutes": 40,
        "budget_items_minutes": 5,
        "budget_writing_minutes": 20,
        "budget_review_minutes": 10,
        "budget_comments_minutes": 5,
    }
    timetracking.zone_set_time_budget(actor=zone_users.director, zone=zone, values=values)
    zone.refresh_from_db()
    assert (zone.daily_budget_minutes, zone.budget_writing_minutes) == (40, 20)
    event = AuditEvent.objects.get(action="editorial.zone.time_budget")
    assert event.actor == zone_users.director and event.zone == zone
    assert event.data["before"]["daily_budget_minutes"] == 35 and event.data["after"]["daily_budget_minutes"] == 40


def test_a_split_that_does_not_add_up_is_refused_and_nothing_changes(zone_users):
    zone = zone_users.zone
    values = {
        "daily_budget_minutes": 40,
        "budget_items_minutes": 5,
        "budget_writing_minutes": 15,
        "budget_review_minutes": 10,
        "budget_comments_minutes": 5,
    }
    with pytest.raises(ValidationError, match="must add up"):
        timetracking.zone_set_time_budget(actor=zone_users.director, zone=zone, values=values)
    zone.refresh_from_db()
    assert zone.daily_budget_minutes == 35
    assert not AuditEvent.objects.filter(action="editorial.zone.time_budget").exists()


def test_the_same_budget_again_writes_no_event(zone_users):
    zone = zone_users.zone
    values = {name: getattr(zone, name) for name in timetracking.BUDGET_FIELDS}
    timetracking.zone_set_time_budget(actor=zone_users.admin, zone=zone, values=values)
    assert not AuditEvent.objects.filter(action="editorial.zone.time_budget").exists()
