"""The week's report by e-mail (issue 14, point 6): on Monday morning in the zone's time, last week's report to each
active director who asked for it, once per week and person, whatever the number of runs."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.utils import translation

from accounts.models import Membership, Role
from editorial import tasks, weekly_report
from editorial.models import AuditEvent
from editorial.selectors.reports import Period
from tests.editorial.test_reports import build_week13
from tests.factories import make_member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
MONDAY_8 = dt.datetime(2025, 3, 31, 8, 0, tzinfo=BRUSSELS)


def opt_in(user, zone, role=Role.DIRECTOR, **changes) -> Membership:
    membership = Membership.objects.get(user=user, zone=zone, role=role)
    for name, value in {"weekly_report_email": True, **changes}.items():
        setattr(membership, name, value)
    membership.save()
    return membership


@pytest.fixture
def week13(db):
    data = build_week13()
    opt_in(data.director, data.zone)
    return data


def send(at: dt.datetime) -> int:
    return weekly_report.weekly_reports_send(now=at.astimezone(dt.UTC))


def test_monday_morning_the_director_gets_last_weeks_report(week13):
    assert send(MONDAY_8) == 1
    [message] = mail.outbox
    assert message.to == [week13.director.email]
    # In the director's language: French unless they chose another.
    assert message.subject == "[Zone de police Mons-Quévy] Rapport de la semaine 13 de 2025"
    url = f"{settings.DESK_BASE_URL}/z/mons-quevy/reports/2025-W13/"
    assert url in message.body
    assert "Prévus et publiés, par canal" in message.body and "Radar à Quévy" in message.body
    [(html, kind)] = message.alternatives
    assert kind == "text/html"
    assert f'href="{url}"' in html and "<table" in html and "<svg" not in html
    assert "Travaux N6" not in html  # the failures' table counts per channel; the names are on the page
    event = AuditEvent.objects.get(action=weekly_report.SENT_ACTION)
    assert event.data == {"week": "2025-W13", "user": week13.director.pk}


def test_it_sends_once_per_week_however_often_beat_runs(week13):
    for hour in (7, 8, 8, 11, 23):
        send(MONDAY_8.replace(hour=hour))
    assert len(mail.outbox) == 1
    # The next Monday: the next week's report.
    assert send(MONDAY_8 + dt.timedelta(weeks=1)) == 1
    assert [m.subject.split("Rapport de la ")[1] for m in mail.outbox] == ["semaine 13 de 2025", "semaine 14 de 2025"]


def test_two_runs_at_once_claim_the_sending_once(week13):
    membership = Membership.objects.get(user=week13.director, zone=week13.zone, role=Role.DIRECTOR)
    period = Period.week(2025, 13)
    assert weekly_report._claim(membership, period) is True
    assert weekly_report._claim(membership, period) is False
    assert send(MONDAY_8) == 0 and mail.outbox == []


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2025, 3, 31, 6, 59, tzinfo=BRUSSELS),  # Monday, too early
        dt.datetime(2025, 3, 30, 23, 30, tzinfo=BRUSSELS),  # Sunday night: the week is not over
        dt.datetime(2025, 4, 1, 8, 0, tzinfo=BRUSSELS),  # Tuesday
    ],
)
def test_only_on_monday_morning_in_the_zones_time(week13, moment):
    assert send(moment) == 0 and mail.outbox == []


def test_never_to_someone_who_did_not_ask_or_left(week13):
    other = make_member(week13.zone, Role.DIRECTOR, username="other-director")  # did not ask
    inactive = make_member(week13.zone, Role.DIRECTOR, username="gone")
    opt_in(inactive, week13.zone, is_active=False)
    left = make_member(week13.zone, Role.DIRECTOR, username="left")
    opt_in(left, week13.zone)
    left.is_active = False
    left.save()
    # An officer's membership marked in the admin: the e-mail is the director's.
    opt_in(week13.officer, week13.zone, role=Role.OFFICER)
    assert send(MONDAY_8) == 1
    assert [m.to for m in mail.outbox] == [[week13.director.email]]
    assert other.email not in str([m.to for m in mail.outbox])


def test_it_is_written_in_the_directors_language(week13):
    week13.director.language = "nl"
    week13.director.save()
    send(MONDAY_8)
    with translation.override("nl"):
        expected = translation.gettext("[%(zone)s] Report of week %(week)s of %(year)s") % {
            "zone": week13.zone.name,
            "week": 13,
            "year": 2025,
        }
    assert mail.outbox[0].subject == expected


def test_a_mail_server_that_fails_is_logged_and_never_sends_twice(week13, caplog):
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("down")):
        assert send(MONDAY_8) == 1
    assert "weekly report mail failed" in caplog.text
    assert send(MONDAY_8) == 0 and mail.outbox == []


def test_the_beat_task_runs_it(week13):
    with mock.patch.object(weekly_report, "weekly_reports_send", return_value=3) as run:
        assert tasks.send_weekly_reports() == 3
    run.assert_called_once_with()
    assert settings.CELERY_BEAT_SCHEDULE["send-weekly-reports"]["task"] == "editorial.tasks.send_weekly_reports"
