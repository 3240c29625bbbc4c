"""Every problem told once, within two minutes, whatever died (DESIGN.md invariant 4; issue 11 points 4, 5)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone, translation

from editorial import publishing
from editorial.models import Alert, AuditEvent, Publication
from editorial.publishers import PublishError
from editorial.publishers.base import ErrorKind
from editorial.publishing import reap
from editorial.selectors.publishing import STUCK_MARGIN, late_publications, needing_a_person
from tests.concurrency import at_once
from tests.editorial.test_publishing import SCRIPT, approved_post, due_now, scripted  # noqa: F401 - fixture

Status = Publication.Status


def late_posts(zone_users, count: int) -> list[Publication]:
    publications = []
    for _ in range(count):
        post = approved_post(zone_users, channels=("x",))
        Publication.objects.filter(post=post).update(next_attempt_at=timezone.now() - timedelta(minutes=5))
        publications.append(Publication.objects.get(post=post))
    return publications


def alerts_of(publication: Publication) -> int:
    return AuditEvent.objects.filter(
        action="editorial.publication.alert", object_type="editorial.publication", object_id=str(publication.pk)
    ).count()


# --- One alert per problem -------------------------------------------------------------------------------


def test_a_late_publication_is_alerted_once_however_often_the_reaper_runs(zone_users):
    [publication] = late_posts(zone_users, 1)
    for _ in range(3):
        publishing.publications_reap()
        publishing.publications_watch()
    assert alerts_of(publication) == 1
    assert Alert.objects.get(publication=publication).kind == Alert.Kind.LATE


@pytest.mark.django_db(transaction=True)
def test_reapers_at_once_run_one_at_a_time(postgres, zone_users):
    """After an outage the reaps piled up in the broker arrive together: one runs, the others step aside."""
    publications = late_posts(zone_users, 5)
    reports = at_once(lambda: publishing.publications_reap(), [()] * 4)
    assert sum(not report.skipped for report in reports) >= 1
    assert sum(len(report.late) for report in reports) == 5
    assert [alerts_of(p) for p in publications] == [1] * 5


@pytest.mark.django_db(transaction=True)
def test_the_alert_itself_is_a_conditional_update(postgres, zone_users):
    """Even without the reaper's lock (check_publishing from cron and beat's reaper on two machines, say), two
    processes that find the same late publication raise one alert: only the one whose update set alerted_at."""
    publications = late_posts(zone_users, 5)
    now = timezone.now()
    found = at_once(reap._late_alerted, [(now,)] * 4)
    assert sorted(pk for pks in found for pk in pks) == sorted(p.pk for p in publications)
    assert [alerts_of(p) for p in publications] == [1] * 5


def test_an_outcome_alerts_once_and_the_reaper_does_not_alert_it_again(zone_users, django_capture_on_commit_callbacks):
    post = approved_post(zone_users, channels=("x",))
    due_now(post)
    publishing.publications_dispatch()
    publication = Publication.objects.get(post=post)
    SCRIPT.append(PublishError("Pas de réponse.", kind=ErrorKind.UNKNOWN))
    assert publishing.publication_send(publication_id=publication.pk) == Status.UNKNOWN
    for minutes in (1, 5, 60):
        publishing.publications_reap(now=timezone.now() + timedelta(minutes=minutes))
    assert alerts_of(publication) == 1


# --- Within two minutes -----------------------------------------------------------------------------------


def test_a_send_whose_worker_died_is_unknown_as_soon_as_no_call_can_still_be_running(zone_users):
    """The publishers never take longer than the send budget: past it (and a margin) the worker is gone. Before
    the reaper runs, it already counts as late on the dashboard and in check_publishing."""
    post = approved_post(zone_users, channels=("x",))
    due_now(post)
    publishing.publications_dispatch()
    publication = Publication.objects.get(post=post)
    started = timezone.now()
    Publication.objects.filter(pk=publication.pk).update(status=Status.SENDING, sending_started_at=started, attempts=1)
    budget = timedelta(seconds=settings.PUBLISH_SEND_BUDGET_SECONDS)
    assert budget + STUCK_MARGIN < timedelta(seconds=120) - timedelta(seconds=settings.PUBLISH_REAP_SECONDS)

    just_in_time = started + budget + STUCK_MARGIN - timedelta(seconds=1)
    assert publishing.publications_reap(now=just_in_time).unknown == []
    assert not late_publications(now=just_in_time).exists()

    past = started + budget + STUCK_MARGIN + timedelta(seconds=1)
    assert list(late_publications(now=past)) == [publication]
    assert list(needing_a_person(now=past)) == [publication]
    assert publishing.publications_reap(now=past).unknown == [publication.pk]
    publication.refresh_from_db()
    assert publication.status == Status.UNKNOWN and alerts_of(publication) == 1
    assert publication.attempt_rows.get().outcome == "unknown"


def test_a_due_publication_nobody_sends_is_alerted_well_within_two_minutes(zone_users):
    [publication] = late_posts(zone_users, 1)
    due = timezone.now()
    Publication.objects.filter(pk=publication.pk).update(next_attempt_at=due)
    alert_after = timedelta(seconds=settings.PUBLISH_ALERT_AFTER_SECONDS)
    # With beat's reaper (every PUBLISH_REAP_SECONDS) or cron's check_publishing (every minute), both under 2 min.
    assert alert_after + timedelta(seconds=60) <= timedelta(seconds=120)
    assert publishing.publications_reap(now=due + alert_after - timedelta(seconds=1)).late == []
    assert publishing.publications_reap(now=due + alert_after + timedelta(seconds=1)).late == [publication.pk]


# --- The publishing service stopped ---------------------------------------------------------------------


def test_a_stopped_service_is_told_once_per_outage_to_every_zone(zone_users, django_capture_on_commit_callbacks):
    publishing.heartbeat_record(now=timezone.now() - timedelta(minutes=3))
    with django_capture_on_commit_callbacks(execute=True):
        assert publishing.publications_watch().service_stopped
        assert not publishing.publications_watch().service_stopped
    service = Alert.objects.filter(kind=Alert.Kind.SERVICE)
    assert service.filter(zone=zone_users.zone).count() == 1
    assert any("3 min" in m.body and zone_users.officer.email in m.to for m in mail.outbox)

    publishing.heartbeat_record()  # it came back
    assert not publishing.publications_watch().service_stopped
    later = timezone.now() + timedelta(minutes=2)
    assert publishing.publications_watch(now=later).service_stopped  # stopped again: a new problem
    assert service.filter(zone=zone_users.zone).count() == 2


# --- Grouped e-mails ------------------------------------------------------------------------------------


@pytest.fixture
def french():
    """The alerts are written in the worker's language, French (an earlier test may have left another active)."""
    with translation.override("fr"):
        yield


def test_alerts_are_e_mailed_grouped_one_e_mail_per_zone_every_few_minutes(
    zone_users, django_capture_on_commit_callbacks, french
):
    late_posts(zone_users, 3)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert publishing.publications_reap(now=now).mails == 1
    [first] = mail.outbox
    assert "3" in first.subject and first.body.count("Non envoyée") == 3

    late_posts(zone_users, 2)
    with django_capture_on_commit_callbacks(execute=True):
        assert publishing.publications_reap(now=now + timedelta(seconds=30)).mails == 0  # grouped: wait
        interval = timedelta(seconds=settings.PUBLISH_ALERT_MAIL_SECONDS)
        assert publishing.publications_reap(now=now + interval + timedelta(seconds=1)).mails == 1
    assert len(mail.outbox) == 2 and mail.outbox[1].body.count("Non envoyée") == 2
    assert not Alert.objects.filter(mailed_at__isnull=True).exists()


# --- Without Redis --------------------------------------------------------------------------------------


def test_check_publishing_answers_with_the_list_when_redis_is_down(zone_users, settings, capsys):
    """The cache and the broker are Redis in production: neither is needed to list and alert the problems."""
    from tests.fakes.social import closed_port_url

    down = closed_port_url().replace("http://", "redis://")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": down}}
    settings.CELERY_BROKER_URL = down
    late_posts(zone_users, 2)
    publishing.heartbeat_record(now=timezone.now() - timedelta(minutes=10))
    with pytest.raises(SystemExit) as exit_info:
        call_command("check_publishing")
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.count("late: publication") == 2 and "has not answered since" in err
    assert Alert.objects.filter(kind=Alert.Kind.LATE).count() == 2  # and told, once each


def test_an_unreachable_broker_loses_no_publication(
    zone_users, monkeypatch, celery_outbox, django_capture_on_commit_callbacks
):
    """The dispatcher (or publish now) while Redis is down: no error for the person or the task, the rows stay
    queued, and the reaper sends them again once the broker is back."""
    from celery import Celery

    def down(*args, **kwargs):
        raise ConnectionRefusedError("Redis is down")

    post = approved_post(zone_users, channels=("x",))
    due_now(post)
    with monkeypatch.context() as patch, django_capture_on_commit_callbacks(execute=True) as callbacks:
        patch.setattr(Celery, "send_task", down)
        assert publishing.publications_dispatch() == 1
    assert len(callbacks) == 1 and celery_outbox == []
    publication = Publication.objects.get(post=post)
    assert publication.status == Status.QUEUED
    later = timezone.now() + timedelta(seconds=settings.PUBLISH_LOOKAHEAD_SECONDS + 20)
    assert publishing.publications_reap(now=later).requeued == [publication.pk]
    assert [t.args for t in celery_outbox if t.name == "editorial.tasks.publish"] == [(publication.pk,)]


# --- Plain code ---------------------------------------------------------------------------------------------


def test_the_project_reaches_into_no_private_attribute_of_django():
    """The publish task was once made fast through Django's private internals; they break on any upgrade."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    forbidden = ("._result_cache", "._prefetch", "._prefetched_objects_cache", "._known_related_objects")
    offenders = [
        f"{path.relative_to(root)}: {word}"
        for folder in ("accounts", "editorial", "zonepolice", "bench")
        for path in (root / folder).rglob("*.py")
        for word in forbidden
        if word in path.read_text()
    ]
    assert offenders == []
