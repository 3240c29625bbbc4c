"""The reports pages (issue 14, point 6): who sees them, the periods they take, the CSV files, the weekly e-mail
switch, and a number of queries that does not grow with the data."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Role
from editorial.models import AuditEvent, Unit
from editorial.weekly_report import OPT_IN_ACTION
from tests.editorial.test_reports import build_week13
from tests.factories import make_member, make_zone

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def week_url(zone, year=2025, week=13) -> str:
    return reverse("editorial:report_week", args=[zone.slug, year, f"{week:02d}"])


def month_url(zone, year=2025, month=3) -> str:
    return reverse("editorial:report_month", args=[zone.slug, year, f"{month:02d}"])


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.fixture
def week13(db):
    return build_week13()


def test_it_shows_the_week_with_its_charts_and_tables(client, week13):
    client.force_login(week13.officer)
    response = client.get(week_url(week13.zone))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Week 13 of 2025" in page
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" role="img"') == 7
    for heading in (
        "Planned and published, per channel",
        "Published posts, per unit and category",
        "From the unit&#x27;s item to publication",
        "Review: turnaround and send-backs",
        "Failures and unknown outcomes",
        "Time in the desk against the budget",
    ):
        assert heading in page
    assert "Radar à Quévy" in page and "Travaux N6" in page  # the lead-time table, the failures' list
    assert 'id="weekly-email"' not in page  # the officer has no weekly e-mail to ask for
    assert 'href="/z/mons-quevy/reports/2025-W12/"' in page and 'href="/z/mons-quevy/reports/2025-W14/"' in page
    assert 'href="/z/mons-quevy/reports/2025-03/"' in page  # the switch to the month


def test_it_shows_the_month(client, week13):
    client.force_login(week13.director)
    response = client.get(month_url(week13.zone))
    assert response.status_code == 200
    page = response.content.decode()
    assert "March 2025" in page and "Week 13" in page  # a bar per week
    assert 'href="/z/mons-quevy/reports/2025-02/"' in page and 'href="/z/mons-quevy/reports/2025-04/"' in page
    assert 'id="weekly-email"' in page


def test_the_landing_goes_to_this_week_or_this_month(client, week13):
    client.force_login(week13.officer)
    today = timezone.localdate()
    year, week, _day = today.isocalendar()
    response = client.get(reverse("editorial:reports", args=[week13.zone.slug]))
    assert response["Location"] == week_url(week13.zone, year, week)
    response = client.get(reverse("editorial:reports", args=[week13.zone.slug]), {"period": "month"})
    assert response["Location"] == month_url(week13.zone, today.year, today.month)


def test_an_unknown_period_is_named_and_left_out(client, week13):
    client.force_login(week13.officer)
    response = client.get(reverse("editorial:reports", args=[week13.zone.slug]), {"period": "<b>year</b>"}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "The period “&lt;b&gt;year&lt;/b&gt;” is not one the reports know" in page
    assert response.redirect_chain[-1][0].startswith(f"/z/{week13.zone.slug}/reports/")


@pytest.mark.parametrize("path", ["2025-W54", "2025-W00", "2025-W53", "1999-W10", "2025-13", "2025-00", "10000-01"])
def test_impossible_periods_are_404(client, week13, path):
    client.force_login(week13.director)
    assert client.get(f"/z/{week13.zone.slug}/reports/{path}/").status_code == 404
    assert client.get(f"/z/{week13.zone.slug}/reports/{path}/csv/", {"report": "channels"}).status_code == 404


def test_a_week_with_53_weeks_exists(client, week13):
    client.force_login(week13.director)
    assert client.get(week_url(week13.zone, 2020, 53)).status_code == 200


@pytest.mark.parametrize("role", [Role.UNIT_HEAD, Role.ADMIN])
def test_it_requires_the_officer_or_the_director(client, week13, role):
    person = make_member(week13.zone, role, "Trafic" if role == Role.UNIT_HEAD else None)
    client.force_login(person)
    assert client.get(week_url(week13.zone)).status_code == 403
    assert client.get(week_url(week13.zone) + "csv/", {"report": "channels"}).status_code == 403
    assert client.post(reverse("editorial:report_email", args=[week13.zone.slug]), {}).status_code == 403


def test_it_checks_the_zone(client, week13):
    outsider = make_member(make_zone("Zone Boraine", slug="boraine"), Role.DIRECTOR)
    client.force_login(outsider)
    assert client.get(week_url(week13.zone)).status_code == 404
    assert client.get(reverse("editorial:reports", args=[week13.zone.slug])).status_code == 404


def test_the_csv_has_a_header_row_and_the_table(client, week13):
    client.force_login(week13.officer)
    response = client.get(week_url(week13.zone) + "csv/", {"report": "channels"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="mons-quevy-channels-2025-W13.csv"'
    rows = csv_rows(response)
    assert rows[0] == ["Channel", "Planned", "Published", "Target"]
    assert [week13.x.label, "5", "2", "5"] in rows and [week13.facebook.label, "3", "1", ""] in rows


def test_every_report_exports(client, week13):
    client.force_login(week13.director)
    for name, header in (
        ("units", "Unit"),
        ("lead-time", "Post"),
        ("reviews", "Period"),
        ("failures", "Channel"),
        ("time", "Period"),
    ):
        response = client.get(month_url(week13.zone) + "csv/", {"report": name})
        assert response.status_code == 200, name
        assert csv_rows(response)[0][0] == header
    reviews = csv_rows(client.get(week_url(week13.zone) + "csv/", {"report": "reviews"}))
    assert reviews[1][1:] == ["0", "1", "2.0"]  # Monday: one sent back, after 2 hours


def test_the_csv_header_is_in_the_users_language(client, week13):
    client.force_login(week13.officer)
    response = client.get(week_url(week13.zone) + "csv/", {"report": "channels"}, HTTP_ACCEPT_LANGUAGE="nl")
    from django.utils import translation

    with translation.override("nl"):
        expected = translation.gettext("Channel")
    assert csv_rows(response)[0][0] == expected


def test_the_csv_is_safe_against_formulas(client, week13):
    Unit.objects.filter(zone=week13.zone, name="Trafic").update(name="=cmd|' /C calc'!A0")
    week13.first.title = "@SUM(1+1)"
    week13.first.save()
    client.force_login(week13.officer)
    units = csv_rows(client.get(week_url(week13.zone) + "csv/", {"report": "units"}))
    assert ["'=cmd|' /C calc'!A0", "Contrôle vitesse", "1"] in units
    lead = csv_rows(client.get(week_url(week13.zone) + "csv/", {"report": "lead-time"}))
    assert lead[1][0] == "'@SUM(1+1)"


@pytest.mark.parametrize("query", [{}, {"report": "nope"}, {"report": "../channels"}])
def test_an_unknown_report_is_404(client, week13, query):
    client.force_login(week13.officer)
    assert client.get(week_url(week13.zone) + "csv/", query).status_code == 404


def test_the_director_turns_the_weekly_email_on_and_off(client, week13):
    client.force_login(week13.director)
    url = reverse("editorial:report_email", args=[week13.zone.slug])
    membership = Membership.objects.get(user=week13.director, zone=week13.zone, role=Role.DIRECTOR)
    response = client.post(url, {"weekly_report_email": "on", "next": week_url(week13.zone)}, follow=True)
    assert response.redirect_chain[0][0] == week_url(week13.zone)
    assert "You will receive the week&#x27;s report by e-mail on Monday mornings." in response.content.decode()
    membership.refresh_from_db()
    assert membership.weekly_report_email is True
    assert 'name="weekly_report_email" id="id_weekly_report_email" aria-describedby' in response.content.decode()
    assert " checked>" in response.content.decode()
    # Saving again without a change writes nothing.
    client.post(url, {"weekly_report_email": "on"})
    response = client.post(url, {"next": "https://evil.example/"})
    assert response["Location"] == reverse("editorial:reports", args=[week13.zone.slug])
    membership.refresh_from_db()
    assert membership.weekly_report_email is False
    events = AuditEvent.objects.filter(action=OPT_IN_ACTION, object_id=str(membership.pk)).order_by("pk")
    assert [e.data["weekly_report_email"] for e in events] == [True, False]
    assert {e.actor_id for e in events} == {week13.director.pk}


def test_the_officer_cannot_ask_for_the_weekly_email(client, week13):
    client.force_login(week13.officer)
    response = client.post(reverse("editorial:report_email", args=[week13.zone.slug]), {"weekly_report_email": "on"})
    assert response.status_code == 403
    assert client.get(reverse("editorial:report_email", args=[week13.zone.slug])).status_code == 405


def test_the_nav_links_the_reports_for_the_officer_and_the_director_only(client, week13):
    link = f'href="/z/{week13.zone.slug}/reports/"'
    for person, shown in ((week13.officer, True), (week13.director, True)):
        client.force_login(person)
        assert (
            link in client.get(reverse("editorial:zone_dashboard", args=[week13.zone.slug])).content.decode()
        ) is shown
    head = make_member(week13.zone, Role.UNIT_HEAD, "Trafic")
    client.force_login(head)
    assert link not in client.get(reverse("editorial:zone_dashboard", args=[week13.zone.slug])).content.decode()


def test_the_page_does_not_query_more_with_more_rows(client, week13):
    client.force_login(week13.director)
    url = week_url(week13.zone)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    big = build_week13(make_zone("Zone Boraine", slug="boraine"), extra_posts=12)
    client.force_login(big.director)
    client.get(week_url(big.zone))
    with CaptureQueriesContext(connection) as large:
        assert client.get(week_url(big.zone)).status_code == 200
    assert len(small) == len(large), [q["sql"] for q in large.captured_queries]
