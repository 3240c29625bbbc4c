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
