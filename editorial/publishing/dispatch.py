"""Dispatching: due publications are claimed from the database and enqueued, one small task each."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts import permissions
from editorial.audit import audit_record
from editorial.models import Channel, Post, Publication
from editorial.publishing.state import WAITING, Status

logger = logging.getLogger("editorial.publishing")

# Sent by name: the tasks module sits above the pipeline and imports it, never the other way round.
PUBLISH_TASK = "editorial.tasks.publish"
DISPATCH_TASK = "editorial.tasks.dispatch_publications"


def publications_enqueue(rows: Iterable[tuple[int, datetime | None]]) -> None:
    """Send one publish task per (publication id, due time), with an ETA at its time when that is ahead (never
    more than the dispatcher's lookahead, well under a minute). Call it on commit, so that a task never finds its
    row not yet queued.

    A broker that cannot be reached loses nothing: the rows stay queued and the reaper enqueues them again."""
    now = timezone.now()
    for publication_id, due in rows:
        options: dict[str, Any] = {"eta": due} if due is not None and due > now else {}
        try:
            current_app.send_task(PUBLISH_TASK, args=[publication_id], **options)
        except Exception:
            logger.exception(
                "publication %s: could not reach the broker; the reaper will enqueue it again", publication_id
            )


def wake_dispatcher_if_due(moment: datetime | None) -> None:
    """A post approved or sent again for the next few seconds should not wait for beat's next tick."""
    if moment is None or moment > timezone.now() + timedelta(seconds=settings.PUBLISH_LOOKAHEAD_SECONDS):
        return

    def wake() -> None:
        try:
            current_app.send_task(DISPATCH_TASK)
        except Exception:
            logger.exception("could not wake the dispatcher; beat's next tick will dispatch")

    transaction.on_commit(wake)


def publications_dispatch(*, now: datetime | None = None, limit: int = 5000, only: list[int] | None = None) -> int:
    """Claim the publications due within the lookahead (``waiting -> queued``) and enqueue them on commit; the
    number queued.

    Safe to run twice at once: on PostgreSQL the rows are locked with SKIP LOCKED, so two dispatchers take
    different rows and neither waits (SQLite runs one writing transaction at a time)."""
    now = now or timezone.now()
    horizon = now + timedelta(seconds=settings.PUBLISH_LOOKAHEAD_SECONDS)
    due = Publication.objects.filter(
        status__in=WAITING,
        next_attempt_at__lte=horizon,
        post__status=Post.Status.APPROVED,
        channel__status=Channel.Status.ACTIVE,
        post__zone__publishing_paused=False,
    )
    if only is not None:
        due = due.filter(pk__in=only)
    with transaction.atomic():
        rows = list(
            due.select_for_update(skip_locked=True, of=("self",), no_key=True)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", "next_attempt_at")[:limit]
        )
        if not rows:
            return 0
        # Locked by this transaction since they were read as waiting: the update takes every one of them.
        Publication.objects.filter(pk__in=[pk for pk, _due in rows], status__in=WAITING).update(
            status=Status.QUEUED, queued_at=now, updated_at=now
        )
        transaction.on_commit(lambda: publications_enqueue(rows))
    return len(rows)


def post_publish_now(*, actor: Any, post: Post) -> int:
    """The officer sends an approved post now instead of at its planned time; enqueued on commit. The number of
    publications queued."""
    if not permissions.can_publish_post(actor, post):
        raise PermissionDenied
    now = timezone.now()
    with transaction.atomic():
        ids = list(Publication.objects.filter(post=post, status__in=WAITING).values_list("pk", flat=True))
        Publication.objects.filter(pk__in=ids, status__in=WAITING).update(next_attempt_at=now, updated_at=now)
        audit_record(
            action="editorial.post.publish_now", actor=actor, zone=post.zone, obj=post, data={"publications": ids}
        )
        queued = publications_dispatch(now=now, only=ids)
    return queued
