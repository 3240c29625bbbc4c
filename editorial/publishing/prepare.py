"""Preparing and stopping publications: what an approval, an edit and a cancellation do to them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.permissions import Right
from editorial.audit import audit_record, audit_record_many
from editorial.errors import WorkflowError
from editorial.locks import post_lock
from editorial.models import Post, PostVariant, Publication
from editorial.publishing.dispatch import wake_dispatcher_if_due
from editorial.publishing.state import NOT_STARTED, WAITING, Status, post_complete


def publications_prepare(*, post: Post, actor: Any = None) -> list[Publication]:
    """One publication per channel of the approved post, due at its planned time. Call it inside
    ``post_approve``'s transaction, which holds the post's lock. A publication already published, sending or
    unknown is left alone: re-approving never re-sends it."""
    due = post.planned_at or timezone.now()
    now = timezone.now()
    variants = list(PostVariant.objects.filter(post=post).select_related("channel"))
    channel_ids = [v.channel_id for v in variants]
    existing = {p.channel_id: p for p in Publication.objects.select_for_update(no_key=True).filter(post=post)}
    prepared = []
    for variant in variants:
        publication = existing.get(variant.channel_id)
        if publication is None:
            publication = Publication.objects.create(
                post=post, channel=variant.channel, status=Status.PENDING, next_attempt_at=due
            )
        elif publication.status in (Status.CANCELLED, Status.FAILED, *WAITING):
            Publication.objects.filter(pk=publication.pk).update(
                status=Status.PENDING, next_attempt_at=due, last_error="", alerted_at=None, updated_at=now
            )
        prepared.append(publication)
    # A channel dropped from the post before a new approval: its waiting publication must never go out.
    Publication.objects.filter(post=post, status__in=[*NOT_STARTED, Status.FAILED]).exclude(
        channel_id__in=channel_ids
    ).update(status=Status.CANCELLED, updated_at=now)
    # Re-approved after an edit that only dropped a channel: what remains may already all be out.
    if any(p.status == Status.PUBLISHED for p in existing.values()):
        audit_record_many(post_complete(post))
    wake_dispatcher_if_due(due)
    return prepared


def publications_void(*, post: Post) -> int:
    """The approval is void (an edit, inside its transaction): stop every publication of the post that has not
    started sending. A queued one's message then finds it cancelled and does nothing."""
    return Publication.objects.filter(post=post, status__in=NOT_STARTED).update(
        status=Status.CANCELLED, last_error=_("The post changed after its approval."), updated_at=timezone.now()
    )


def post_cancel(*, actor: Any, post: Post, reason: str) -> None:
    """Withdraw a post that has not been published: nothing waiting for it will be sent.

    Raises WorkflowError when the post is published, already cancelled, or may be online on a channel."""
    if not reason.strip():
        raise WorkflowError(_("Say why the post is cancelled."))
    with transaction.atomic():
        post = post_lock(post)
        if not permissions.has_right(actor, post.zone, Right.DRAFT_POST):
            raise PermissionDenied
        if post.status in (Post.Status.PUBLISHED, Post.Status.CANCELLED):
            raise WorkflowError(_("This post can no longer be cancelled."))
        if Publication.objects.filter(
            post=post, status__in=[Status.SENDING, Status.PUBLISHED, Status.UNKNOWN]
        ).exists():
            raise WorkflowError(
                _("This post is being sent or was sent on a channel: settle its publications before cancelling.")
            )
        Publication.objects.filter(post=post, status__in=[*NOT_STARTED, Status.FAILED]).update(
            status=Status.CANCELLED, updated_at=timezone.now()
        )
        Post.objects.filter(pk=post.pk).update(status=Post.Status.CANCELLED, updated_at=timezone.now())
        audit_record(
            action="editorial.post.cancel",
            actor=actor,
            zone=post.zone,
            obj=post,
            data={"reason": reason.strip(), "previous_status": post.status},
        )
