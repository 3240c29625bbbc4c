"""The publishing pipeline: on time, at most one create call per publication, never lost silently."""

from __future__ import annotations

import hashlib
import io
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from PIL import Image

from editorial import publishing, services
from editorial.audit_verify import verify_chain
from editorial.models import (
    AuditEvent,
    Channel,
    Heartbeat,
    Item,
    Post,
    PostVariant,
    Publication,
    PublicationAttempt,
)
from editorial.publishers import PublishError, PublishResult
from editorial.publishers.base import BasePublisher, ErrorKind, read_image
from tests.concurrency import at_once
from tests.factories import make_item, make_post, submit_and_approve

Status = Publication.Status

# What the scripted publisher will do on its next calls (an exception to raise, or None for success), and what
# it received. Module level, like locmem's outbox, because the pipeline builds a new publisher per call.
SCRIPT: list[Exception | None] = []
CALLS: list[tuple[int, str]] = []
# The images of each call, as (content hash, alt text) in the order sent.
IMAGES: list[list[tuple[str, str]]] = []


class ScriptedPublisher(BasePublisher):
    def publish(self, variant):
        CALLS.append((variant.channel_id, variant.text))
        IMAGES.append([(hashlib.sha256(read_image(m)[1]).hexdigest(), m.alt_text) for m in variant.media.all()])
        step = SCRIPT.pop(0) if SCRIPT else None
        if step is not None:
            raise step
        return PublishResult(external_id=f"id-{len(CALLS)}", url=f"https://example.test/{len(CALLS)}")

    def check_connection(self, channel):
        step = SCRIPT.pop(0) if SCRIPT else None
        if step is not None:
            raise step
        return "@scripted"


@pytest.fixture(autouse=True)
def scripted(settings):
    SCRIPT.clear()
    CALLS.clear()
    IMAGES.clear()
    backend = {"BACKEND": f"{__name__}.ScriptedPublisher", "OPTIONS": {}}
    settings.PUBLISHERS = {"x": backend, "facebook": backend}
    settings.PUBLISH_MAX_ATTEMPTS = 3
    yield
    SCRIPT.clear()


def png(colour: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, "PNG")
    return SimpleUploadedFile(f"{colour}.png", buffer.getvalue(), content_type="image/png")


def approved_post(zone_users, *, planned_at=None, item=None, channels=("x", "facebook"), images=None):
    """``images``: channel kind -> (colour, alt text) of each image, in order."""
    post = make_post(
        zone_users.zone, zone_users.officer, planned_at=planned_at or timezone.now() + timedelta(minutes=10), item=item
    )
    post.variants.exclude(channel__kind__in=channels).delete()
    for kind, added in (images or {}).items():
        channel = Channel.objects.get(zone=zone_users.zone, kind=kind)
        media = [services.NewMedia(channel=channel, image=png(colour), alt_text=alt) for colour, alt in added]
        post = services.post_update(actor=zone_users.officer, post=post, media_add=media)
    post = submit_and_approve(post, zone_users.officer, zone_users.director)
    post.refresh_from_db()
    return post


def due_now(post):
    """Move the post's publications to "due now" without touching the approved post (its time is fingerprinted)."""
    Publication.objects.filter(post=post).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def send_all(post) -> list[str]:
    return [publishing.publication_send(publication_id=p.pk) for p in Publication.objects.filter(post=post)]


def publish_tasks(celery_outbox):
    return [t for t in celery_outbox if t.name == "editorial.tasks.publish"]


# --- Approval makes the publications -------------------------------------------------------------------


def test_approval_makes_one_pending_publication_per_channel_at_the_planned_time(zone_users):
    post = approved_post(zone_users)
    publications = list(Publication.objects.filter(post=post))
    assert {p.channel.kind for p in publications} == {"x", "facebook"}
    assert all(p.status == Status.PENDING and p.next_attempt_at == post.planned_at for p in publications)


def test_an_edit_after_approval_cancels_what_waits_and_nothing_is_sent(zone_users, django_capture_on_commit_callbacks):
    post = approved_post(zone_users)
    due_now(post)
    publishing.publications_dispatch()
    x = Channel.objects.get(zone=zone_users.zone, kind="x")
    services.post_update(actor=zone_users.officer, post=post, texts={x: "Texte changé après approbation"})
    assert set(Publication.objects.filter(post=post).values_list("status", flat=True)) == {Status.CANCELLED}
    # The messages already in the broker arrive anyway: they find nothing to send.
    assert send_all(post) == ["skipped", "skipped"]
    assert CALLS == []


def test_a_text_changed_behind_the_approval_is_refused_at_send_time(zone_users, django_capture_on_commit_callbacks):
    post = approved_post(zone_users)
    due_now(post)
    publishing.publications_dispatch()
    # Going around the services (a bug, a manual database edit): the fingerprint no longer matches.
    PostVariant.objects.filter(post=post).update(text="Texte jamais approuvé")
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        statuses = send_all(post)
    assert statuses == [Status.FAILED, Status.FAILED]
    assert CALLS == []
    assert "not the version that was approved" in Publication.objects.filter(post=post).first().last_error
    assert AuditEvent.objects.filter(action="editorial.publication.alert").count() == 2
    assert mail.outbox == []  # the alerts are e-mailed grouped, by the reaper
    with django_capture_on_commit_callbacks(execute=True):
        assert publishing.publications_reap().mails == 1
    [sent] = mail.outbox
    assert zone_users.officer.email in sent.to and "2" in sent.subject
    assert sent.body.count("not the version that was approved") == 2


# --- Dispatcher ----------------------------------------------------------------------------------------


def test_the_dispatcher_queues_what_is_due_soon_with_an_eta_within_a_minute(
    zone_users, celery_outbox, django_capture_on_commit_callbacks, settings
):
    soon = approved_post(zone_users, planned_at=timezone.now() + timedelta(seconds=20))
    later = approved_post(zone_users, planned_at=timezone.now() + timedelta(hours=2))
    celery_outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert publishing.publications_dispatch() == 2
    assert set(Publication.objects.filter(post=soon).values_list("status", flat=True)) == {Status.QUEUED}
    assert set(Publication.objects.filter(post=later).values_list("status", flat=True)) == {Status.PENDING}
    tasks = publish_tasks(celery_outbox)
    assert len(tasks) == 2
    for task in tasks:
        eta = task.kwargs["_options"]["eta"]
        assert eta == soon.planned_at
        assert eta - timezone.now() <= timedelta(seconds=settings.PUBLISH_LOOKAHEAD_SECONDS)
        assert "countdown" not in task.kwargs["_options"]


def test_dispatching_twice_queues_each_publication_once(zone_users, celery_outbox, django_capture_on_commit_callbacks):
    post = approved_post(zone_users)
    due_now(post)
    celery_outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert publishing.publications_dispatch() == 2
        assert publishing.publications_dispatch() == 0
    assert len(publish_tasks(celery_outbox)) == 2


def test_paused_zone_and_channel_are_not_dispatched(zone_users):
    post = approved_post(zone_users)
    due_now(post)
    publishing.zone_pause(actor=zone_users.director, zone=zone_users.zone, reason="Attentat: silence radio")
    assert publishing.publications_dispatch() == 0
    publishing.zone_resume(actor=zone_users.director, zone=zone_users.zone)
    x = Channel.objects.get(zone=zone_users.zone, kind="x")
    publishing.channel_pause(actor=zone_users.officer, channel=x, reason="Compte en maintenance")
    assert publishing.publications_dispatch() == 1
    assert Publication.objects.get(post=post, channel=x).status == Status.PENDING
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"editorial.zone.pause", "editorial.zone.resume", "editorial.channel.pause"} <= actions


def test_a_pause_needs_a_reason(zone_users):
    with pytest.raises(services.WorkflowError):
        publishing.zone_pause(actor=zone_users.officer, zone=zone_users.zone, reason="  ")


def test_unit_heads_cannot_pause(zone_users):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        publishing.zone_pause(actor=zone_users.unit_head, zone=zone_users.zone, reason="non")


# --- The publish task ----------------------------------------------------------------------------------


def test_it_publishes_once_and_marks_post_and_item_published(zone_users, django_capture_on_commit_callbacks):
    item = make_item(zone_users.zone, submitted_by=zone_users.unit_head)
    Item.objects.filter(pk=item.pk).update(status=Item.Status.TAKEN_UP)
    post = approved_post(zone_users, item=item)
    due_now(post)
    publishing.publications_dispatch()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_all(post) == [Status.PUBLISHED, Status.PUBLISHED]
    assert len(CALLS) == 2
    post.refresh_from_db()
    item.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED
    assert item.status == Item.Status.PUBLISHED
    publication = Publication.objects.filter(post=post).first()
    assert publication.external_id and publication.external_url.startswith("https://")
    attempt = PublicationAttempt.objects.get(publication=publication)
    assert attempt.outcome == PublicationAttempt.Outcome.PUBLISHED and attempt.finished_at
    unit_head_mail = [m for m in mail.outbox if zone_users.unit_head.email in m.to]
    assert len(unit_head_mail) == 1 and publication.external_url in unit_head_mail[0].body


def test_the_same_task_delivered_twice_makes_one_create_call(zone_users):
    post = approved_post(zone_users, channels=("x",))
    due_now(post)
    publishing.publications_dispatch()
    publication = Publication.objects.get(post=post)
    assert publishing.publication_send(publication_id=publication.pk) == Status.PUBLISHED
    assert publishing.publication_send(publication_id=publication.pk) == "skipped"
    assert len(CALLS) == 1


def test_a_task_for_a_publication_not_queued_does_nothing(zone_users):
    post = approved_post(zone_users, channels=("x",))  # pending: its time has not come
    assert publishing.publication_send(publication_id=Publication.objects.get(post=post).pk) == "skipped"
    assert publishing.publication_send(publication_id=999_999) == "skipped"
    assert CALLS == []


def test_a_rate_limit_retries_at_the_reset_time_then_gives_up(zone_users, django_capture_on_commit_callbacks):
    post = approved_post(zone_users, channels=("x",))
    publication = Publication.objects.get(post=post)
    reset = timezone.now() + timedelta(minutes=15)
    for attempt in range(3):
        SCRIPT.append(PublishError("X limite les envois.", kind=ErrorKind.RETRY, retry_at=reset))
        Publication.objects.filter(pk=publication.pk).update(next_attempt_at=timezone.now())
        assert publishing.publications_dispatch() == 1
        with django_capture_on_commit_callbacks(execute=True):
            status = publishing.publication_send(publication_id=publication.pk)
        publication.refresh_from_db()
        if attempt < 2:
            assert status == Status.RETRYING
            assert publication.next_attempt_at == reset
    assert status == Status.FAILED
    assert "3" in publication.last_error
    assert publication.attempt_rows.count() == 3
    assert AuditEvent.objects.filter(action="editorial.publication.alert").count() == 1


def test_bad_credentials_fail_and_mark_the_channel_for_reconnection(zone_users, django_capture_on_commit_callbacks):
    post = approved_post(zone_users, channels=("x",))
    due_now(post)
    publishing.publications_dispatch()
    error = PublishError("X a refusé les identifiants : reconnectez le compte.", kind=ErrorKind.PERMANENT)
    error.needs_reconnect = True
    SCRIPT.append(error)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_all(post) == [Status.FAILED]
        publishing.publications_reap()
    channel = Channel.objects.get(zone=zone_users.zone, kind="x")
    assert channel.status == Channel.Status.NEEDS_RECONNECT
    assert Publication.objects.get(post=post).last_error == "X a refusé les identifiants : reconnectez le compte."
    assert any("reconnectez" in m.body for m in mail.outbox)


@pytest.mark.parametrize(
    "raised",
    [
        PublishError("Pas de réponse de X.", kind=ErrorKind.UNKNOWN),
        RuntimeError("boom after the request left"),
    ],
)
def test_an_ambiguous_outcome_is_unknown_and_never_sent_again_by_itself(zone_users, raised):
    post = approved_post(zone_users, channels=("x",))
    due_now(post)
    publishing.publications_dispatch()
    SCRIPT.append(raised)
    assert send_all(post) == [Status.UNKNOWN]
    assert publishing.publications_dispatch() == 0
    report = publishing.publications_reap(now=timezone.now() + timedelta(hours=1))
    assert report.requeued == [] and report.unknown == []
    assert len(CALLS) == 1


def test_the_officer_settles_an_unknown_with_the_link(zone_users):
    post = approved_post(zone_users, channels=("x",))
    due_now(post)
    publishing.publications_dispatch()
    SCRIPT.append(PublishError("Pas de réponse de X.", kind=ErrorKind.UNKNOWN))
    send_all(post)
    publication = Publication.objects.get(post=post)
    with pytest.raises(services.WorkflowError):
        publishing.publication_confirm_published(actor=zone_users.officer, publication=publication, url="pas un lien")
    publishing.publication_confirm_published(
        actor=zone_users.officer, publication=publication, url="https://x.com/zone/status/12345"
    )
    publication.refresh_from_db()
    post.refresh_from_db()
    assert publication.status == Status.PUBLISHED and publication.external_id == "12345"
    assert post.status == Post.Status.PUBLISHED
    assert AuditEvent.objects.filter(action="editorial.publication.confirm_published").exists()


def test_the_officer_sends_an_unknown_again_on_purpose(zone_users, celery_outbox, django_capture_on_commit_callbacks):
    post = approved_post(zone_users, channels=("x",))
    due_now(post)
    publishing.publications_dispatch()
    SCRIPT.append(PublishError("Pas de réponse de X.", kind=ErrorKind.UNKNOWN))
    send_all(post)
    publication = Publication.objects.get(post=post)
    celery_outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        publishing.publication_send_again(actor=zone_users.officer, publication=publication)
    assert [t.args for t in publish_tasks(celery_outbox)] == [(publication.pk,)]
    assert publishing.publication_send(publication_id=publication.pk) == Status.PUBLISHED
    assert len(CALLS) == 2
    assert AuditEvent.objects.filter(action="editorial.publication.send_again").exists()


def test_publish_now_enqueues_on_commit(zone_users, celery_outbox, django_capture_on_commit_callbacks):
    post = approved_post(zone_users, planned_at=timezone.now() + timedelta(days=2))
    celery_outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert publishing.post_publish_now(actor=zone_users.officer, post=post) == 2
    assert len(publish_tasks(celery_outbox)) == 2
    assert all("eta" not in t.kwargs["_options"] for t in publish_tasks(celery_outbox))


def test_only_the_officer_publishes_now(zone_users):
    from django.core.exceptions import PermissionDenied

    post = approved_post(zone_users)
    with pytest.raises(PermissionDenied):
        publishing.post_publish_now(actor=zone_users.director, post=post)


def test_paused_after_queueing_it_waits_unsent(zone_users):
    post = approved_post(zone_users, channels=("x",))
    due_now(post)
    publishing.publications_dispatch()
    publishing.zone_pause(actor=zone_users.officer, zone=zone_users.zone, reason="Consigne du parquet")
    assert send_all(post) == [Status.PENDING]
    assert CALLS == []


# --- Reaper --------------------------------------------------------------------------------------------


def test_a_worker_that_died_while_sending_leaves_an_unknown_with_an_alert(
    zone_users, settings, django_capture_on_commit_callbacks
):
    post = approved_post(zone_users, channels=("x",))
    due_now(post)
    publishing.publications_dispatch()
    publication = Publication.objects.get(post=post)
    # The claim committed, then the process died during the create call.
    Publication.objects.filter(pk=publication.pk).update(
        status=Status.SENDING, sending_started_at=timezone.now(), attempts=1
    )
    PublicationAttempt.objects.create(publication=publication, number=1, started_at=timezone.now())
    assert publishing.publications_reap().unknown == []  # still within the task time limit
    later = timezone.now() + timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 31)
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        assert publishing.publications_reap(now=later).unknown == [publication.pk]
    publication.refresh_from_db()
    assert publication.status == Status.UNKNOWN
    assert "worker stopped while sending" in publication.last_error
    assert publication.attempt_rows.get().outcome == PublicationAttempt.Outcome.UNKNOWN
    assert mail.outbox


def test_a_lost_message_is_enqueued_again(zone_users, celery_outbox, django_capture_on_commit_callbacks):
    post = approved_post(zone_users, channels=("x",))
    due_now(post)
    publishing.publications_dispatch()
    celery_outbox.clear()  # the broker was flushed: the message is gone
    publication = Publication.objects.get(post=post)
    later = timezone.now() + timedelta(minutes=3)
    report = publishing.publications_reap(now=later)
    assert report.requeued == [publication.pk]
    assert [t.args for t in publish_tasks(celery_outbox)] == [(publication.pk,)]
    # Both the old message (if it was only delayed) and the new one may arrive: one create call.
    assert publishing.publication_send(publication_id=publication.pk) == Status.PUBLISHED
    assert publishing.publication_send(publication_id=publication.pk) == "skipped"
    assert len(CALLS) == 1


def test_a_due_publication_nobody_claims_raises_one_alert(zone_users, django_capture_on_commit_callbacks):
    post = approved_post(zone_users, channels=("x",))
    due_now(post)  # ... and no dispatcher runs: beat is down
    later = timezone.now() + timedelta(minutes=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert len(publishing.publications_reap(now=later).late) == 1
        assert publishing.publications_reap(now=later).late == []  # told once
    assert len([m for m in mail.outbox if zone_users.officer.email in m.to]) == 1
    assert publishing.late_publications(zone=zone_users.zone, now=later).count() == 1


def test_a_paused_zone_is_not_late(zone_users):
    post = approved_post(zone_users, channels=("x",))
    due_now(post)
    publishing.zone_pause(actor=zone_users.officer, zone=zone_users.zone, reason="Consigne")
    assert publishing.late_publications(now=timezone.now() + timedelta(minutes=5)).count() == 0


# --- Connections and cancelling ------------------------------------------------------------------------


def test_a_successful_connection_test_reconnects_the_channel(zone_users):
    channel = Channel.objects.get(zone=zone_users.zone, kind="x")
    Channel.objects.filter(pk=channel.pk).update(status=Channel.Status.NEEDS_RECONNECT)
    channel.refresh_from_db()
    with pytest.raises(services.WorkflowError):
        publishing.channel_resume(actor=zone_users.officer, channel=channel)
    assert publishing.channel_test_connection(actor=zone_users.admin, channel=channel) == "@scripted"
    channel.refresh_from_db()
    assert channel.status == Channel.Status.ACTIVE


def test_a_failed_connection_test_is_reported_and_audited(zone_users):
    channel = Channel.objects.get(zone=zone_users.zone, kind="x")
    SCRIPT.append(PublishError("Identifiants refusés.", kind=ErrorKind.PERMANENT))
    with pytest.raises(PublishError):
        publishing.channel_test_connection(actor=zone_users.officer, channel=channel)
    event = AuditEvent.objects.get(action="editorial.channel.test_connection")
    assert event.data == {"ok": False, "error": "Identifiants refusés."}


def test_cancelling_an_approved_post_stops_its_publications(zone_users):
    post = approved_post(zone_users)
    publishing.post_cancel(actor=zone_users.officer, post=post, reason="Événement annulé")
    post.refresh_from_db()
    assert post.status == Post.Status.CANCELLED
    assert set(Publication.objects.filter(post=post).values_list("status", flat=True)) == {Status.CANCELLED}
    due_now(post)
    assert publishing.publications_dispatch() == 0


# --- Two dispatchers at once, on PostgreSQL ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_queue_each_publication_once(postgres, zone_users, celery_outbox):
    posts = [approved_post(zone_users, channels=("x",)) for _ in range(30)]
    Publication.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    counts = at_once(publishing.publications_dispatch, [(), ()])
    assert sum(counts) == len(posts)
    sent = [t.args[0] for t in publish_tasks(celery_outbox)]
    assert sorted(sent) == sorted(Publication.objects.values_list("pk", flat=True))


# --- Monitoring ----------------------------------------------------------------------------------------


def test_check_publishing_fails_on_a_late_publication_and_a_silent_worker(zone_users, capsys):
    from django.core.management import call_command

    publishing.heartbeat_record()
    call_command("check_publishing")
    assert "Publishing OK" in capsys.readouterr().out

    post = approved_post(zone_users, channels=("x",))
    Publication.objects.filter(post=post).update(next_attempt_at=timezone.now() - timedelta(minutes=5))
    Heartbeat.objects.update(seen_at=timezone.now() - timedelta(minutes=3))
    with pytest.raises(SystemExit) as exit_info:
        call_command("check_publishing")
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "late: publication" in err and "has not answered since" in err


def test_a_pause_bounce_is_not_an_attempt(zone_users, django_capture_on_commit_callbacks):
    post = approved_post(zone_users, channels=("x",))
    publication = Publication.objects.get(post=post)
    for _ in range(3):  # three queued sends bounced by a pause...
        Publication.objects.filter(pk=publication.pk).update(next_attempt_at=timezone.now())
        publishing.publications_dispatch()
        publishing.zone_pause(actor=zone_users.officer, zone=zone_users.zone, reason="Consigne")
        assert publishing.publication_send(publication_id=publication.pk) == Status.PENDING
        publishing.zone_resume(actor=zone_users.officer, zone=zone_users.zone)
    publication.refresh_from_db()
    assert publication.attempts == 0 and publication.attempt_rows.count() == 0
    # ...then one real rate limit: it retries, it does not give up.
    SCRIPT.append(PublishError("X limite les envois.", kind=ErrorKind.RETRY))
    Publication.objects.filter(pk=publication.pk).update(next_attempt_at=timezone.now())
    publishing.publications_dispatch()
    assert publishing.publication_send(publication_id=publication.pk) == Status.RETRYING
    assert CALLS and len(CALLS) == 1


def test_a_channel_to_reconnect_cannot_be_paused_and_resumed_into_active(zone_users):
    channel = Channel.objects.get(zone=zone_users.zone, kind="x")
    Channel.objects.filter(pk=channel.pk).update(status=Channel.Status.NEEDS_RECONNECT)
    channel.refresh_from_db()
    with pytest.raises(services.WorkflowError):
        publishing.channel_pause(actor=zone_users.officer, channel=channel, reason="essai")
    channel.refresh_from_db()
    assert channel.status == Channel.Status.NEEDS_RECONNECT


def test_resuming_a_zone_that_is_not_paused_logs_nothing(zone_users):
    publishing.zone_resume(actor=zone_users.officer, zone=zone_users.zone)
    assert not AuditEvent.objects.filter(action="editorial.zone.resume").exists()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.com/PoliceMonsQuevy/status/1861234567890", "1861234567890"),
        ("https://www.facebook.com/permalink.php?story_fbid=pfbid0abc&id=100000000000001", "pfbid0abc"),
        ("https://www.facebook.com/100000000000001_123456789/", "100000000000001_123456789"),
    ],
)
def test_the_id_is_read_from_the_pasted_link(zone_users, url, expected):
    post = approved_post(zone_users, channels=("x",))
    due_now(post)
    publishing.publications_dispatch()
    SCRIPT.append(PublishError("Pas de réponse.", kind=ErrorKind.UNKNOWN))
    send_all(post)
    publication = publishing.publication_confirm_published(
        actor=zone_users.officer, publication=Publication.objects.get(post=post), url=url
    )
    assert publication.external_id == expected


@pytest.mark.parametrize("url", ["https://[", "x.com/PoliceMonsQuevy/status/1", "javascript:alert(1)", "  "])
def test_a_pasted_link_that_is_not_an_address_is_refused_with_a_message(zone_users, url):
    post = approved_post(zone_users, channels=("x",))
    due_now(post)
    publishing.publications_dispatch()
    SCRIPT.append(PublishError("Pas de réponse.", kind=ErrorKind.UNKNOWN))
    send_all(post)
    with pytest.raises(services.WorkflowError):
        publishing.publication_confirm_published(
            actor=zone_users.officer, publication=Publication.objects.get(post=post), url=url
        )
    assert Publication.objects.get(post=post).status == Status.UNKNOWN


class BarrierPublisher(BasePublisher):
    """Both channels of a post inside their create call at the same moment, then both record at once."""

    barrier = threading.Barrier(2, timeout=10)

    def publish(self, variant):
        self.barrier.wait()
        return PublishResult(external_id=f"id-{variant.channel_id}", url=f"https://example.test/{variant.channel_id}")


@pytest.mark.django_db(transaction=True)
def test_two_channels_finishing_together_publish_the_post(postgres, zone_users, settings):
    post = approved_post(zone_users)
    due_now(post)
    publishing.publications_dispatch()
    backend = {"BACKEND": f"{__name__}.BarrierPublisher", "OPTIONS": {}}
    settings.PUBLISHERS = {"x": backend, "facebook": backend}
    BarrierPublisher.barrier.reset()
    results: list[str] = []

    def send(publication_id):
        try:
            results.append(publishing.publication_send(publication_id=publication_id))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(p.pk,)) for p in Publication.objects.filter(post=post)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [Status.PUBLISHED, Status.PUBLISHED]
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED


def test_a_failed_publication_of_a_dropped_channel_does_not_block_the_post(zone_users):
    post = approved_post(zone_users)
    due_now(post)
    publishing.publications_dispatch()
    SCRIPT.extend([None, PublishError("Contenu refusé.", kind=ErrorKind.PERMANENT)])
    x, facebook = (Publication.objects.get(post=post, channel__kind=k) for k in ("x", "facebook"))
    assert publishing.publication_send(publication_id=x.pk) == Status.PUBLISHED
    assert publishing.publication_send(publication_id=facebook.pk) == Status.FAILED
    # The officer drops Facebook and the director approves again: the failed row must not hold the post back.
    x_channel = Channel.objects.get(zone=zone_users.zone, kind="x")
    post = services.post_update(
        actor=zone_users.officer, post=post, texts={x_channel: post.variants.get(channel=x_channel).text + " !"}
    )
    facebook.refresh_from_db()
    assert facebook.status == Status.FAILED
    post = submit_and_approve(post, zone_users.officer, zone_users.director)
    facebook.refresh_from_db()
    assert facebook.status == Status.CANCELLED
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED  # X went out, Facebook was dropped: nothing left to send
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):  # a published post has nothing left to send again
        publishing.publication_send_again(actor=zone_users.officer, publication=facebook)
    due_now(post)
    publishing.publications_dispatch()
    assert publishing.publication_send(publication_id=x.pk) == "skipped"  # already published: never re-sent
    assert len(CALLS) == 2


def test_a_paused_channel_stays_paused_through_a_reconnection(zone_users):
    channel = Channel.objects.get(zone=zone_users.zone, kind="x")
    publishing.channel_pause(actor=zone_users.director, channel=channel, reason="Incident en cours")
    error = PublishError("Identifiants refusés.", kind=ErrorKind.PERMANENT)
    error.needs_reconnect = True
    SCRIPT.extend([error, None])
    with pytest.raises(PublishError):
        publishing.channel_test_connection(actor=zone_users.admin, channel=channel)
    publishing.channel_test_connection(actor=zone_users.admin, channel=channel)
    channel.refresh_from_db()
    assert channel.status == Channel.Status.PAUSED


def test_a_publication_late_again_after_a_retry_alerts_again(zone_users, django_capture_on_commit_callbacks):
    post = approved_post(zone_users, channels=("x",))
    publication = Publication.objects.get(post=post)
    due_now(post)
    later = timezone.now() + timedelta(minutes=2)
    assert len(publishing.publications_reap(now=later).late) == 1  # first stall: told
    publishing.publications_dispatch()
    SCRIPT.append(PublishError("X limite les envois.", kind=ErrorKind.RETRY, retry_at=timezone.now()))
    assert publishing.publication_send(publication_id=publication.pk) == Status.RETRYING
    Publication.objects.filter(pk=publication.pk).update(next_attempt_at=timezone.now())
    much_later = timezone.now() + timedelta(minutes=5)
    assert publishing.publications_reap(now=much_later).late == [publication.pk]  # second stall: told again


def test_a_publication_costs_a_fixed_number_of_queries(zone_users, django_assert_max_num_queries):
    """The publish task's database work stays small and fixed: whatever the number of channels, images, comments
    or reviews of the post."""
    images = {"x": [("red", "Un radar"), ("blue", "Deux policiers")], "facebook": [("green", "Le panneau")]}
    post = approved_post(zone_users, images=images)
    for n in range(5):
        services.comment_add(actor=zone_users.officer, post=post, body=f"Commentaire {n}")
    due_now(post)
    publishing.publications_dispatch()
    publication = Publication.objects.get(post=post, channel__kind="x")
    # Before the call: the publication with its post, zone and channel; the texts with their channels; their
    # images; the claim (autocommit). The outcome: the post locked, the attempt, the publication, the post
    # completed (not yet: Facebook waits), the chain's head and the event; PostgreSQL adds the foreign-key check
    # and the chain's lock. The test's transaction adds a savepoint and its release.
    with django_assert_max_num_queries(14 if connection.vendor == "postgresql" else 12):
        assert publishing.publication_send(publication_id=publication.pk) == Status.PUBLISHED
    assert len(IMAGES[-1]) == 2
    assert AuditEvent.objects.order_by("pk").last().action == "editorial.publication.published"
    assert verify_chain()[0] == []


def test_each_channel_is_sent_its_own_approved_text_and_images_in_order(zone_users):
    """What goes out is what was approved, channel by channel: the text, the images in their order with their
    alt text (read in one statement with the post, its channels and its zone)."""
    images = {"x": [("red", "Un radar"), ("blue", "Deux policiers")], "facebook": [("green", "Le panneau")]}
    post = approved_post(zone_users, images=images)
    due_now(post)
    publishing.publications_dispatch()
    approved = {
        variant.channel_id: (variant.text, [(m.sha256, m.alt_text) for m in variant.media.order_by("order", "pk")])
        for variant in post.variants.all()
    }
    assert sorted(len(media) for _text, media in approved.values()) == [1, 2]

    assert sorted(send_all(post)) == [Status.PUBLISHED, Status.PUBLISHED]

    sent = {channel_id: (text, media) for (channel_id, text), media in zip(CALLS, IMAGES, strict=True)}
    assert sent == approved
    assert [alt for _hash, alt in sent[Channel.objects.get(zone=zone_users.zone, kind="x").pk][1]] == [
        "Un radar",
        "Deux policiers",
    ]
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED
    assert verify_chain()[0] == []


def test_dispatching_many_costs_the_same_queries_as_dispatching_a_few(
    zone_users, celery_outbox, django_capture_on_commit_callbacks
):
    """Due publications are claimed in one statement, not one round trip each before the first is enqueued."""
    counts = []
    for number in (2, 20):
        posts = [approved_post(zone_users, channels=("x",)) for _ in range(number)]
        for post in posts:
            due_now(post)
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
            assert publishing.publications_dispatch() == number
        counts.append(len(queries))
        assert set(Publication.objects.filter(post__in=posts).values_list("status", flat=True)) == {Status.QUEUED}
    assert counts[0] == counts[1]
    assert len(publish_tasks(celery_outbox)) == 22


def test_only_waiting_publications_are_claimed_by_the_dispatcher(zone_users, celery_outbox):
    """A row that left "waiting" (here: cancelled) is neither queued nor enqueued, even when asked for by id."""
    waiting, cancelled = approved_post(zone_users, channels=("x",)), approved_post(zone_users, channels=("x",))
    for post in (waiting, cancelled):
        due_now(post)
    gone = Publication.objects.get(post=cancelled)
    Publication.objects.filter(pk=gone.pk).update(status=Status.CANCELLED)
    wanted = Publication.objects.get(post=waiting)
    assert publishing.publications_dispatch(only=[gone.pk, wanted.pk]) == 1
    assert Publication.objects.get(pk=gone.pk).status == Status.CANCELLED
    assert Publication.objects.get(pk=wanted.pk).status == Status.QUEUED


def test_texts_read_before_the_post_changed_are_never_sent(zone_users, monkeypatch):
    """The claim that follows the read requires the row to be still queued by the same dispatch: texts read just
    before an edit, a new approval and a new dispatch are never sent; the new message sends the new texts."""
    from editorial.publishing import send

    post = approved_post(zone_users, channels=("x",))
    due_now(post)
    publishing.publications_dispatch()
    publication = Publication.objects.get(post=post)
    x = Channel.objects.get(zone=zone_users.zone, kind="x")
    read = send.post_variants

    def read_then_the_post_changes(*, post):
        variants = read(post=post)
        edited = services.post_update(actor=zone_users.officer, post=post, texts={x: "Texte corrigé #Quevy"})
        submit_and_approve(edited, zone_users.officer, zone_users.director)
        due_now(edited)
        assert publishing.publications_dispatch() == 1
        return variants

    monkeypatch.setattr(send, "post_variants", read_then_the_post_changes)
    assert publishing.publication_send(publication_id=publication.pk) == "skipped"
    assert CALLS == []
    monkeypatch.undo()
    assert publishing.publication_send(publication_id=publication.pk) == Status.PUBLISHED
    assert [(x.pk, "Texte corrigé #Quevy")] == CALLS


# --- The claim's commit on PostgreSQL -------------------------------------------------------------------


class ClaimProbe(BasePublisher):
    """Notes, during the create call, whether the worker's connection is in a transaction and the publication's
    status as another connection sees it."""

    seen: list[tuple[bool, str]] = []

    def publish(self, variant):
        from tests.concurrency import at_once

        [status] = at_once(lambda: Publication.objects.get(post=variant.post, channel=variant.channel).status, [()])
        self.seen.append((connection.in_atomic_block, status))
        return PublishResult(external_id="id-probe", url="https://example.test/probe")


@pytest.mark.django_db(transaction=True)
def test_the_claim_is_committed_before_the_create_call(postgres, zone_users, settings):
    """The claim is what makes a crash during the call safe: committed before the call, so that a worker killed
    during it leaves "sending" (which the reaper makes unknown), never "queued" (which would be sent again)."""
    post = approved_post(zone_users, channels=("x",))
    due_now(post)
    publishing.publications_dispatch()
    publication = Publication.objects.get(post=post)
    settings.PUBLISHERS = {"x": {"BACKEND": f"{__name__}.ClaimProbe", "OPTIONS": {}}}
    ClaimProbe.seen.clear()
    assert publishing.publication_send(publication_id=publication.pk) == Status.PUBLISHED
    assert ClaimProbe.seen == [(False, Status.SENDING)]
    publication.refresh_from_db()
    assert publication.status == Status.PUBLISHED and publication.attempt_rows.get().outcome == "published"


# --- Many workers and the audit chain, on PostgreSQL ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_publications_finishing_at_once_keep_the_audit_chain_whole(postgres, zone_users):
    posts = [approved_post(zone_users, channels=("x", "facebook")) for _ in range(6)]
    for post in posts:
        due_now(post)
    publishing.publications_dispatch()
    ids = list(Publication.objects.filter(post__in=posts).values_list("pk", flat=True))
    chunks = at_once(
        lambda chunk: [publishing.publication_send(publication_id=pk) for pk in chunk],
        [(ids[n::4],) for n in range(4)],
    )
    results = [status for chunk in chunks for status in chunk]
    assert results.count(Status.PUBLISHED) == len(ids) == 12
    assert set(Post.objects.filter(pk__in=[p.pk for p in posts]).values_list("status", flat=True)) == {
        Post.Status.PUBLISHED
    }
    assert verify_chain()[0] == []
    events = AuditEvent.objects.filter(created_at__gte=timezone.now() - timedelta(minutes=5))
    assert events.filter(action="editorial.publication.published").count() == 12
    assert events.filter(action="editorial.post.published").count() == 6
