"""What the stages of the pipeline share: the statuses, the post's completion, the attempt rows, the deadlines."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from editorial import notifications
from editorial.audit import Entry
from editorial.models import Item, Post, Publication, PublicationAttempt
from editorial.selectors.publishing import NOT_STARTED, WAITING, Status, stuck_since

__all__ = ["NOT_STARTED", "WAITING", "Status", "attempt_write", "post_complete", "stuck_since"]

ATTEMPT_OUTCOME = {
    Status.PUBLISHED: PublicationAttempt.Outcome.PUBLISHED,
    Status.RETRYING: PublicationAttempt.Outcome.RETRY,
    Status.FAILED: PublicationAttempt.Outcome.FAILED,
    Status.CANCELLED: PublicationAttempt.Outcome.FAILED,
    Status.UNKNOWN: PublicationAttempt.Outcome.UNKNOWN,
}


def attempt_write(*, publication: Publication, status: str, error: str, now: datetime) -> None:
    """The attempt's row, written with its outcome (a crash during the call leaves none: the reaper writes it).
    A later outcome of the same attempt (the call answered after the reaper gave up on it) replaces the reaper's."""
    attempt = PublicationAttempt(
        publication=publication,
        number=publication.attempts,
        started_at=publication.sending_started_at or now,
        finished_at=now,
        outcome=ATTEMPT_OUTCOME[status],
        error=str(error),
    )
    PublicationAttempt.objects.bulk_create(
        [attempt],
        update_conflicts=True,
        unique_fields=["publication", "number"],
        update_fields=["finished_at", "outcome", "error"],
    )


def post_complete(post: Post) -> list[Entry]:
    """Mark the post published if every publication still meant to go out is published, and at least one is (a
    post whose every publication was left unsent stays approved, and can be cancelled). The audit events for the
    caller to record last in its transaction.

    The caller holds the post's lock (``editorial.locks.post_lock``) since before it changed its publication: two
    channels finishing at the same moment then run one after the other, and the second sees the first's commit."""
    publications = Publication.objects.filter(post=OuterRef("pk"))
    completed = (
        Post.objects.filter(pk=post.pk, status=Post.Status.APPROVED)
        .filter(~Exists(publications.exclude(status__in=[Status.PUBLISHED, Status.CANCELLED])))
        .filter(Exists(publications.filter(status=Status.PUBLISHED)))
        .update(status=Post.Status.PUBLISHED, updated_at=timezone.now())
    )
    if completed != 1:
        return []
    if post.item_id is not None:
        Item.objects.filter(pk=post.item_id).exclude(status=Item.Status.PUBLISHED).update(
            status=Item.Status.PUBLISHED, updated_at=timezone.now()
        )
        post_id = post.pk
        transaction.on_commit(lambda: notifications.post_published(post_id=post_id))
    return [
        Entry(
            action="editorial.post.published", zone=post.zone, obj=post, data={"fingerprint": post.approved_fingerprint}
        )
    ]
