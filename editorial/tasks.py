"""Celery tasks: thin, load by id, call services."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_CACHE_KEY = "desk:worker-heartbeat"


@shared_task(name="editorial.tasks.heartbeat", ignore_result=True)
def heartbeat() -> str:
    """Sent by beat every 30 s and run by a worker: the dashboard shows when both were last seen alive.

    A stale heartbeat means beat or the workers are down, so scheduled posts would not go out.
    """
    now = timezone.now()
    cache.set(HEARTBEAT_CACHE_KEY, now, timeout=None)
    return now.isoformat()


@shared_task(name="editorial.tasks.publish", ignore_result=True)
def publish(publication_id: int) -> str:
    """Publish one publication. Delivered twice (a redelivered message, a re-enqueue after a lost one), the
    second delivery finds the row no longer queued and does nothing."""
    from editorial import publishing

    return publishing.publication_send(publication_id=publication_id)


@shared_task(name="editorial.tasks.dispatch_publications", ignore_result=True)
def dispatch_publications() -> int:
    """Sent by beat every few seconds: claim what is due soon and enqueue it."""
    from editorial import publishing

    return publishing.publications_dispatch()


@shared_task(name="editorial.tasks.reap_publications", ignore_result=True)
def reap_publications() -> dict[str, list[int]]:
    """Sent by beat: settle stuck sends, re-enqueue lost messages, alert about late publications."""
    from editorial import publishing

    report = publishing.publications_reap()
    return {"unknown": report.unknown, "requeued": report.requeued, "late": report.late}
