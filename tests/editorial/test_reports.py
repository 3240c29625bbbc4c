"""The reports' figures (issue 14, point 6) on known data: week 13 of 2025 (24 to 30 March), which ends with the
clock change (Sunday 30 March, 02:00 becomes 03:00), with a post published on Sunday at 23:30 in Brussels (Sunday:
this week) and one on Monday at 00:30 (Sunday 22:30 UTC, but next week)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from contextlib import contextmanager
from dataclasses import dataclass
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from editorial.audit import audit_record
from editorial.charts import Reference, Row, Series, bar_chart, grouped_bar_chart, stacked_bar_chart
from editorial.models import (
    ActiveTime,
    Category,
    Channel,
    ChannelTarget,
    Post,
    Publication,
    PublicationAttempt,
    Review,
    Unit,
)
from editorial.selectors.reports import MONTH, ImpossiblePeriod, Period, csv_safe, zone_report
from tests.factories import make_item, make_member, make_post, make_zone

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")


def local(day: int, hour: int, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, minute, tzinfo=BRUSSELS)


@contextmanager
def clock(moment: dt.datetime):
    """The desk's clock at ``moment``: auto_now fields and audit events take it."""
    with mock.patch("django.utils.timezone.now", return_value=moment.astimezone(dt.UTC)):
        yield


@dataclass
class Week13:
    zone: object
    officer: object
    director: object
    x: Channel
    facebook: Channel
    first: Post  # from a Trafic item, published Tuesday


def publish(post: Post, channel: Channel, at: dt.datetime) -> Publication:
    return Publication.objects.create(
        post=post,
        channel=channel,
        status=Publication.Status.PUBLISHED,
        external_id=f"{post.pk}-{channel.pk}",
        published_at=at,
    )


def attempt(publication: Publication, number: int, outcome: str, at: dt.datetime, error: str = "boom") -> None:
    PublicationAttempt.objects.create(
        publication=publication, number=number, started_at=at, finished_at=at, outcome=outcome, error=error
    )


def post_at(zone, author, planned: dt.datetime | None, **kwargs) -> Post:
    return make_post(zone, author, planned_at=planned, **kwargs)


def build_week13(zone=None, extra_posts: int = 0) -> Week13:
    zone = zone or make_zone("Zone de police Mons-Quévy", slug="mons-quevy")
    officer = make_member(zone, Role.OFFICER, username=f"officer-{zone.pk}")
    director = make_member(zone, Role.DIRECTOR, username=f"director-{zone.pk}")
    x = Channel.objects.get(zone=zone, kind=Channel.Kind.X)
    facebook = Channel.objects.get(zone=zone, kind=Channel.Kind.FACEBOOK)
    ChannelTarget.objects.create(zone=zone, channel=x, posts_per_day=1, weekdays_only=True)
    speed = Category.objects.get(zone=zone, name="Contrôle vitesse")

    # A Trafic item on Monday 09:00, its post sent back once and approved, published Tuesday 10:00 and 10:05.
    with clock(local(24, 9)):
        item = make_item(zone, "Trafic", title="Radar rue de Mons")
    first = post_at(zone, officer, local(25, 10), item=item, category=speed, title="Radar à Quévy")
    for moment, action in ((local(24, 14), "editorial.post.submit"), (local(24, 17), "editorial.post.submit")):
        with clock(moment):
            audit_record(action=action, actor=officer, zone=zone, obj=first)
    with clock(local(24, 16)):
        Review.objects.create(
            post=first, reviewer=director, decision="request_changes", comment="Heure ?", fingerprint="a"
        )
    with clock(local(25, 8)):
        Review.objects.create(
            post=first, reviewer=director, decision="approve", fingerprint="b", confidentiality_confirmed=True
        )
    publish(first, x, local(25, 10))
    publish(first, facebook, local(25, 10, 5))

    # The desk's own post (no item), on X on Sunday at 23:30 (summer time since 03:00): this week.
    sunday = post_at(zone, officer, local(30, 23, 30), title="Bonne semaine")
    only_on(sunday, x)
    publish(sunday, x, local(30, 23, 30))
    # Monday 00:30 in Brussels is Sunday 22:30 UTC: next week.
    monday = post_at(zone, officer, local(31, 0, 30), title="Lundi")
    only_on(monday, x)
    publish(monday, x, local(31, 0, 30))

    # Wednesday: Facebook refused twice (a retry, then a failure); Saturday: X answered nothing readable.
    failing = post_at(zone, officer, local(26, 12), title="Travaux N6")
    failed = Publication.objects.create(post=failing, channel=facebook, status="failed", last_error="Jeton expiré")
    attempt(failed, 1, "retry", local(26, 12))
    attempt(failed, 2, "failed", local(26, 12, 10), error="Jeton expiré")
    saturday = post_at(zone, officer, local(29, 9), title="Marché")
    only_on(saturday, x)
    unknown = Publication.objects.create(post=saturday, channel=x, status="unknown", last_error="Délai dépassé")
    attempt(unknown, 1, "unknown", local(29, 9), error="Délai dépassé")

    # Planned but cancelled (not counted), and a draft planned on Friday (counted: it is in the plan).
    post_at(zone, officer, local(27, 10), title="Annulé", status=Post.Status.CANCELLED)
    post_at(zone, officer, local(28, 10), title="Brouillon")

    # Active time: 20 minutes of writing on Monday, 50 minutes of review on Tuesday, one minute on Sunday 23:30.
    rows = [
        ActiveTime(zone=zone, user=officer, minute=local(24, 10) + dt.timedelta(minutes=n), kind="writing", seconds=60)
        for n in range(20)
    ]
    rows += [
        ActiveTime(zone=zone, user=director, minute=local(25, 10) + dt.timedelta(minutes=n), kind="review", seconds=60)
        for n in range(50)
    ]
    rows.append(ActiveTime(zone=zone, user=officer, minute=local(30, 23, 30), kind="other", seconds=60))
    ActiveTime.objects.bulk_create(rows)

    for n in range(extra_posts):
        more = post_at(zone, officer, local(27, 8) + dt.timedelta(minutes=n), title=f"Plus {n}", item=item)
        publish(more, facebook, local(27, 9) + dt.timedelta(minutes=n))
        with clock(local(27, 7)):
            audit_record(action="editorial.post.submit", actor=officer, zone=zone, obj=more)
        with clock(local(27, 8)):
            Review.objects.create(
                post=more, reviewer=director, decision="approve", fingerprint="c", confidentiality_confirmed=True
            )
        broken = Publication.objects.create(post=more, channel=x, status="failed", last_error="Non")
        attempt(broken, 1, "failed", local(27, 9))
        ActiveTime.objects.create(
            zone=zone, user=director, minute=local(27, 9) + dt.timedelta(minutes=n), kind="items", seconds=30
        )
    return Week13(zone, officer, director, x, facebook, first)


def only_on(post: Post, channel: Channel) -> None:
    """Keep only this channel's text (make_post writes one per channel of the zone)."""
    post.variants.exclude(channel=channel).delete()


WEEK13 = Period.week(2025, 13)
AFTER = dt.date(2025, 4, 2)  # every day of week 13 is past


# --- Periods ----------------------------------------------------------------------------------------------------


def test_periods_know_their_days_and_refuse_impossible_ones():
    assert (WEEK13.first_day, WEEK13.last_day, WEEK13.key) == (dt.date(2025, 3, 24), dt.date(2025, 3, 30), "2025-W13")
    assert Period.week(2020, 53).last_day == dt.date(2021, 1, 3)
    for year, week in ((2025, 53), (2025, 0), (2025, 54), (1999, 10), (2101, 1)):
        with pytest.raises(ImpossiblePeriod):
            Period.week(year, week)
    for year, month in ((2025, 0), (2025, 13), (10000, 1)):
        with pytest.raises(ImpossiblePeriod):
            Period.month(year, month)
    february = Period.month(2024, 2)
    assert (february.last_day, february.key) == (dt.date(2024, 2, 29), "2024-02")
    assert Period.month(2025, 12).next() == Period.month(2026, 1)
    assert Period.week(2025, 1).previous() == Period.week(2024, 52)
    assert Period.week(2000, 1).previous() is None


def test_a_week_across_the_clock_change_is_167_hours():
    zone = make_zone()
    start, end = WEEK13.bounds(zone)
    assert end - start == dt.timedelta(hours=167)
    assert start == dt.datetime(2025, 3, 23, 23, 0, tzinfo=dt.UTC)
    assert end == dt.datetime(2025, 3, 30, 22, 0, tzinfo=dt.UTC)


def test_a_month_is_cut_into_its_weeks():
    buckets = Period.month(2025, 3).buckets()
    assert [(b.first_day.day, b.last_day.day) for b in buckets] == [
        (1, 2),
        (3, 9),
        (10, 16),
        (17, 23),
        (24, 30),
        (31, 31),
    ]
    assert [b.first_day for b in WEEK13.buckets()] == [dt.date(2025, 3, d) for d in range(24, 31)]


# --- The figures --------------------------------------------------------------------------------------------------


def test_channels_planned_against_published():
    data = build_week13()
    report = zone_report(zone=data.zone, period=WEEK13, today=AFTER)
    rows = {row.channel: row for row in report.channels.rows}
    x, facebook = rows[data.x.label], rows[data.facebook.label]
    # X: the first post, Sunday's, Wednesday's, Saturday's and Friday's draft (the cancelled one and Monday's not).
    assert (x.planned, x.published, x.target) == (5, 2, 5)
    assert (facebook.planned, facebook.published, facebook.target) == (3, 1, None)
    assert (report.channels.planned, report.channels.published) == (8, 3)


def test_sunday_2330_in_brussels_is_sunday_and_monday_0030_is_next_week():
    data = build_week13()
    this_week = zone_report(zone=data.zone, period=WEEK13, today=AFTER)
    next_week = zone_report(zone=data.zone, period=Period.week(2025, 14), today=AFTER)
    assert {r.unit: r.posts for r in this_week.units.rows} == {"Trafic": 1, "No item (the desk's own)": 1}
    assert [(r.unit, r.category, r.posts) for r in next_week.units.rows] == [
        ("No item (the desk's own)", "No category", 1)
    ]
    # The minute of Sunday 23:30 is Sunday's time, in the week's last bar.
    sunday = this_week.time.buckets[-1]
    assert sunday.bucket.first_day == dt.date(2025, 3, 30) and sunday.minutes["other"] == 1


def test_units_and_categories_count_each_post_once():
    data = build_week13()
    report = zone_report(zone=data.zone, period=WEEK13, today=AFTER)
    assert [(r.unit, r.category, r.posts) for r in report.units.rows] == [
        ("No item (the desk's own)", "No category", 1),
        ("Trafic", "Contrôle vitesse", 1),
    ]
    assert report.units.by_category() == [("Contrôle vitesse", 1), ("No category", 1)]


def test_lead_time_from_item_to_first_publication():
    data = build_week13()
    report = zone_report(zone=data.zone, period=WEEK13, today=AFTER)
    [row] = report.lead_time.rows
    assert row.title == "Radar à Quévy" and row.delay == dt.timedelta(hours=25)
    assert report.lead_time.median_hours == 25.0
    assert dict(report.lead_time.bands())["1 to 3 days"] == 1


def test_review_turnaround_and_send_backs():
    data = build_week13()
    report = zone_report(zone=data.zone, period=WEEK13, today=AFTER)
    reviews = report.reviews
    assert (reviews.approved, reviews.sent_back) == (1, 1)
    # Sent back 2 h after the first submission; approved 15 h after the second.
    assert sorted(r.turnaround for r in reviews.reviews) == [dt.timedelta(hours=2), dt.timedelta(hours=15)]
    assert reviews.median_hours == 8.5
    monday, tuesday = reviews.buckets[0], reviews.buckets[1]
    assert (monday.approved, monday.sent_back, monday.median_hours) == (0, 1, 2.0)
    assert (tuesday.approved, tuesday.sent_back, tuesday.median_hours) == (1, 0, 15.0)


def test_failures_and_unknowns_per_channel():
    data = build_week13()
    report = zone_report(zone=data.zone, period=WEEK13, today=AFTER)
    rows = {row.channel: row for row in report.failures.channels}
    assert (rows[data.facebook.label].retried, rows[data.facebook.label].failed) == (1, 1)
    assert rows[data.x.label].unknown == 1
    assert (report.failures.failed, report.failures.unknown) == (1, 1)
    assert [(f.title, f.outcome) for f in report.failures.failures] == [("Travaux N6", "Failed"), ("Marché", "Unknown")]


def test_time_against_the_budget_counts_working_days_up_to_today():
    data = build_week13()
    report = zone_report(zone=data.zone, period=WEEK13, today=AFTER)
    time = report.time
    assert time.daily_budget == 35 and time.counted_days == 5  # Monday to Friday
    assert [b.counted_days for b in time.buckets] == [1] * 7  # a Saturday alone counts as its own day
    assert (time.minutes("writing"), time.minutes("review"), time.minutes()) == (20, 50, 71)
    assert time.days_over_budget == 1  # Tuesday's 50 minutes
    assert time.average_per_day == round(71 / 5, 1)
    # On Wednesday 26 March, Thursday and Friday are not counted yet.
    midweek = zone_report(zone=data.zone, period=WEEK13, today=dt.date(2025, 3, 26)).time
    assert [b.counted_days for b in midweek.buckets] == [1, 1, 1, 0, 0, 0, 0]
    assert midweek.counted_days == 3 and midweek.average_per_day == round(71 / 3, 1)


def test_a_month_groups_by_week():
    data = build_week13()
    report = zone_report(zone=data.zone, period=Period.month(2025, 3), today=AFTER)
    assert report.period.kind == MONTH
    assert [b.approved + b.sent_back for b in report.reviews.buckets] == [0, 0, 0, 0, 2, 0]
    # Monday 31 March 00:30 is March too.
    assert report.channels.published == 4


def test_other_zones_are_not_counted():
    data = build_week13()
    other = build_week13(make_zone("Zone Boraine", slug="boraine"))
    report = zone_report(zone=data.zone, period=WEEK13, today=AFTER)
    assert report.channels.published == 3 and other.zone != data.zone


def test_the_number_of_queries_does_not_grow_with_the_rows():
    small = build_week13()
    large = build_week13(make_zone("Zone Boraine", slug="boraine"), extra_posts=15)
    counts = []
    for data in (small, large):
        with CaptureQueriesContext(connection) as queries:
            report = zone_report(zone=data.zone, period=WEEK13, today=AFTER)
            for _kind, table in report.sections():
                table.display_rows(data.zone.tzinfo)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 10
    assert zone_report(zone=large.zone, period=WEEK13, today=AFTER).channels.published == 18


def test_tables_for_csv_are_plain_and_safe():
    data = build_week13()
    Unit.objects.filter(zone=data.zone, name="Trafic").update(name="=HYPERLINK(1)")
    report = zone_report(zone=data.zone, period=WEEK13, today=AFTER)
    rows = report.units.table().csv_rows(data.zone.tzinfo)
    assert ["'=HYPERLINK(1)", "Contrôle vitesse", "1"] in rows
    lead = report.lead_time.table().csv_rows(data.zone.tzinfo)
    assert lead == [["Radar à Quévy", "'=HYPERLINK(1)", "2025-03-24 09:00", "2025-03-25 10:00", "25.0"]]
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert csv_safe(text).startswith("'")
    assert csv_safe("Quévy") == "Quévy"


# --- Charts -------------------------------------------------------------------------------------------------------


def test_charts_are_named_images_with_their_labels_and_escape_what_people_typed():
    svg = str(
        grouped_bar_chart(
            title="Posts <planned>",
            series=[Series("Planned", "sky"), Series("Published", "blue")],
            rows=[Row("X <script>", [5, 2]), Row("Facebook", [3, 1])],
        )
    )
    assert svg.startswith("<svg") and 'role="img"' in svg and "viewBox=" in svg
    assert "<title" in svg and "Posts &lt;planned&gt;" in svg
    assert "<script>" not in svg and "X &lt;script&gt;" in svg
    assert ">Planned<" in svg and ">Published<" in svg and ">5<" in svg
    stacked = str(
        stacked_bar_chart(
            title="Time",
            series=[Series("Writing"), Series("Review")],
            rows=[Row("Mon 24", [20, 0]), Row("Tue 25", [0, 50])],
            reference=Reference(35, "Budget: 35 min a day"),
        )
    )
    assert "stroke-dasharray" in stacked and "Budget: 35 min a day" in stacked
    empty = str(bar_chart(title="Nothing", rows=[], series_label="Posts", empty_text="Nothing in this period."))
    assert "Nothing in this period." in empty
    assert "style=" not in svg + stacked + empty  # the Content-Security-Policy refuses style attributes
