"""Reaping and alerting: nothing due is left waiting without someone being told (DESIGN.md section 6, invariant 4).

``publications_watch`` finds every kind of problem and raises one alert per problem, then e-mails the alerts grouped
by zone; it reads and writes the database only, so ``check_publishing`` runs it from cron even when Redis, beat or
every worker is down. ``publications_reap`` (beat, every PUBLISH_REAP_SECONDS) does the same and also enqueues
again the queued publications whose message was lost. Either runs once at a time.

The problems and how soon they are told, with the default settings (docs/operations.md):

- stuck in "sending" (its worker died or its outcome was rolled back): no publisher call lasts longer than the send
  budget, so past it (45 s + 10 s) the publication becomes unknown with an alert;
- late (due and not sent PUBLISH_ALERT_AFTER_SECONDS after its time, outside a pause);
- failed or unknown: alerted by the outcome itself (``send``);
- the publishing service stopped: beat's heartbeat, run by a worker, older than PUBLISH_HEARTBEAT_STALE_SECONDS.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from editorial.audit import Entry, audit_record_many
from editorial.locks import post_lock
from editorial.models import Alert, Channel, Heartbeat, Publication, Zone
from editorial.publishing.alerts import alert_raise, alerts_mail
from editorial.publishing.dispatch import publications_enqueue
from editorial.publishing.state import NOT_STARTED, Status, attempt_write, stuck_since
from editorial.selectors.publishing import HEARTBEAT, late_publications, worker_last_seen

logger = logging.getLogger("editorial.publishing")

# Any constant works; it only has to differ from the other advisory locks of the project (audit, accounts).
_PG_REAP_LOCK_KEY = 0x5A0E_0EA9


@dataclass
class ReapReport:
    unknown: list[int] = field(default_factory=list)
    requeued: list[int] = field(default_factory=list)
    late: list[int] = field(default_factory=list)
    service_stopped: bool = False
    mails: int = 0
    skipped: bool = False  # another reaper was running: this one did nothing


def heartbeat_record(*, now: datetime | None = None) -> None:
    """Beat sent the heartbeat and a worker runs it: the publishing service is alive (and an outage is over)."""
    now = now or timezone.now()
    Heartbeat.objects.update_or_create(name=HEARTBEAT, defaults={"seen_at": now, "alerted_at": None})


@contextmanager
def _single_flight() -> Iterator[bool]:
    """True for the one reaper that may run now; False when another is running (after an outage, the reaps
    piled up in the broker arrive together). A session lock on PostgreSQL, released even if this one fails; on
    SQLite (the local run: one machine) a lock on a file in DESK_VAR_DIR. Neither needs Redis."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [_PG_REAP_LOCK_KEY])
            got = bool(cursor.fetchone()[0])
        try:
            yield got
        finally:
            if got:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [_PG_REAP_LOCK_KEY])
        return
    folder = Path(settings.VAR_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "reap.lock", "a") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def publications_reap(*, now: datetime | None = None) -> ReapReport:
    """Beat's reaper: ``publications_watch`` plus enqueuing again the queued publications whose message was lost
    (the broker restarted or was flushed); the conditional claim makes a duplicate message harmless."""
    return _reap(now=now or timezone.now(), enqueue=True)


def publications_watch(*, now: datetime | None = None) -> ReapReport:
    """Every problem told once, without the broker: stuck sends made unknown, late publications and a stopped
    service alerted, alerts e-mailed."""
    return _reap(now=now or timezone.now(), enqueue=False)


def _reap(*, now: datetime, enqueue: bool) -> ReapReport:
    report = ReapReport()
    with _single_flight() as mine:
        if not mine:
            report.skipped = True
            return report
        report.unknown = _stuck_made_unknown(now)
        if enqueue:
            report.requeued = _lost_enqueued_again(now)
        report.late = _late_alerted(now)
        report.service_stopped = _service_stop_alerted(now)
        report.mails = alerts_mail(now=now)
    return report


def _stuck_made_unknown(now: datetime) -> list[int]:
    """A worker died (or its outcome was rolled back) while sending: the create call may have gone out."""
    reason = _(
        "The worker stopped while sending: the post may have been published. "
        "Check the account, then mark it published or send it again."
    )
    made_unknown = []
    stuck = Publication.objects.filter(status=Status.SENDING, sending_started_at__lt=stuck_since(now))
    for publication in stuck.select_related("channel").order_by("pk"):
        with transaction.atomic():
            post = post_lock(publication.post_id)
            if (
                Publication.objects.filter(
                    pk=publication.pk, status=Status.SENDING, attempts=publication.attempts
                ).update(status=Status.UNKNOWN, last_error=reason, alerted_at=now, updated_at=now)
                != 1
            ):
                continue  # its outcome arrived meanwhile
            attempt_write(publication=publication, status=Status.UNKNOWN, error=reason, now=now)
            unknown = Entry(
                action="editorial.publication.unknown",
                zone=post.zone,
                obj=publication,
                data={"post": post.pk, "attempt": publication.attempts, "error": reason, "reaped": True},
            )
            alert = alert_raise(
                zone=post.zone, publication=publication, kind=Alert.Kind.UNKNOWN, message=reason, now=now
            )
            audit_record_many([unknown, alert])
        made_unknown.append(publication.pk)
    return made_unknown


def _lost_enqueued_again(now: datetime) -> list[int]:
    """Queued, due, and no worker took it well after its message's time: the message was lost."""
    lost = Publication.objects.filter(
        status=Status.QUEUED,
        next_attempt_at__lt=now - timedelta(seconds=15),
        queued_at__lt=now - timedelta(seconds=settings.PUBLISH_LOOKAHEAD_SECONDS + 15),
    )
    requeued = []
    for publication_id, queued_at in lost.values_list("pk", "queued_at"):
        # A new queued_at: the claim of whichever message comes first (this one or the lost one) holds.
        if Publication.objects.filter(pk=publication_id, status=Status.QUEUED, queued_at=queued_at).update(
            queued_at=now, updated_at=now
        ):
            requeued.append(publication_id)
    if requeued:
        logger.warning("re-enqueued publications whose message was lost: %s", requeued)
        publications_enqueue((publication_id, None) for publication_id in requeued)
    return requeued


def _late_alerted(now: datetime) -> list[int]:
    """Due and still not sent after the grace period, nobody told yet: say so, once."""
    alerted = []
    late = late_publications(now=now).filter(status__in=NOT_STARTED, alerted_at__isnull=True)
    for publication in late.select_related("channel").order_by("next_attempt_at", "pk"):
        minutes = max(1, int((now - publication.next_attempt_at).total_seconds() // 60))
        if publication.channel.status == Channel.Status.NEEDS_RECONNECT:
            message = _(
                "Not sent %(minutes)s min after its time: the channel needs reconnecting (new credentials, then "
                "test the connection)."
            ) % {"minutes": minutes}
        else:
            message = _(
                "Not sent %(minutes)s min after its time. The publishing service may be stopped: ask your IT "
                "support to check it."
            ) % {"minutes": minutes}
        with transaction.atomic():
            post = post_lock(publication.post_id)
            # The alert's own conditional update: of two processes that found it late, one tells.
            if (
                Publication.objects.filter(pk=publication.pk, status__in=NOT_STARTED, alerted_at__isnull=True).update(
                    alerted_at=now
                )
                != 1
            ):
                continue
            audit_record_many(
                [alert_raise(zone=post.zone, publication=publication, kind=Alert.Kind.LATE, message=message, now=now)]
            )
        alerted.append(publication.pk)
    return alerted


def _service_stop_alerted(now: datetime) -> bool:
    """The heartbeat is stale: beat, every worker or the broker is down. Told once per outage, to every zone."""
    stale_before = now - timedelta(seconds=settings.PUBLISH_HEARTBEAT_STALE_SECONDS)
    with transaction.atomic():
        if not Heartbeat.objects.filter(name=HEARTBEAT, seen_at__lt=stale_before, alerted_at__isnull=True).update(
            alerted_at=now
        ):
            return False
        seen_at = worker_last_seen()
        minutes = max(1, int((now - seen_at).total_seconds() // 60)) if seen_at else 0
        message = _(
            "The publishing service has not answered for %(minutes)s min: scheduled posts are not going out. Ask "
            "your IT support to check it."
        ) % {"minutes": minutes}
        audit_record_many(
            [
                alert_raise(zone=zone, kind=Alert.Kind.SERVICE, message=message, now=now)
                for zone in Zone.objects.order_by("pk")
            ]
        )
    return True
