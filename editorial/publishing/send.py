"""Sending one publication: the publish task's work (DESIGN.md section 5).

``publication_send`` reads the publication, its post and every text of the post, claims ``queued -> sending`` with
one conditional UPDATE (committed before the call: a crash during the call leaves "sending" behind, which only the
reaper and then a person settle, never a second call), makes exactly one create call through the channel's
publisher, and records the outcome in one transaction that takes its locks in the order of ``editorial/locks.py``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from editorial.audit import Entry, audit_record_many
from editorial.fingerprint import post_is_approved_as_is, post_variants
from editorial.locks import post_lock
from editorial.models import Alert, Channel, Post, Publication, PublicationAttempt, Template
from editorial.publishers import PublishError, get_publisher
from editorial.publishers.base import ErrorKind
from editorial.publishing.alerts import alert_raise
from editorial.publishing.channels import channel_needs_reconnect
from editorial.publishing.state import Status, attempt_write, post_complete

logger = logging.getLogger("editorial.publishing")


@dataclass
class Outcome:
    status: str
    error: str = ""
    external_id: str = ""
    url: str = ""
    alert: bool = False
    data: dict[str, Any] = field(default_factory=dict)


def publication_send(*, publication_id: int) -> str:
    """Publish one publication; its new status, or "skipped" when there was nothing to do (not queued: sent
    already, another delivery of the same message has it, cancelled).

    Runs outside a transaction: the claim commits before the network is called.

    The read is not locked; the claim then requires the row to be exactly as read: still queued by the same
    dispatch (``queued_at``). Everything that changes what would be sent moves a queued publication out of that
    state in the same transaction (an edit voids it, a new approval prepares it again, the dispatcher queues it
    again with a new time), so texts read before such a change are never sent."""
    now = timezone.now()
    publication = (
        Publication.objects.select_related("post__zone", "post__item", "post__template_version", "channel")
        .filter(pk=publication_id, status=Status.QUEUED)
        .first()
    )
    if publication is None:
        return "skipped"
    post, channel = publication.post, publication.channel
    if post.zone.publishing_paused or channel.status != Channel.Status.ACTIVE:
        return _hold_back(publication, now)
    variants = post_variants(post=post)
    variant = next((v for v in variants if v.channel_id == publication.channel_id), None)
    claimed = Publication.objects.filter(
        pk=publication.pk, status=Status.QUEUED, queued_at=publication.queued_at
    ).update(status=Status.SENDING, attempts=F("attempts") + 1, sending_started_at=now, updated_at=now)
    if claimed != 1:
        return "skipped"
    # Committed (autocommit): from here on, a crash leaves "sending" behind, which the reaper makes unknown.
    publication.status, publication.attempts, publication.sending_started_at = (
        Status.SENDING,
        publication.attempts + 1,
        now,
    )

    if not post_is_approved_as_is(post=post, variants=variants):
        if post.status != Post.Status.APPROVED:
            # An edit voided the approval while the message waited: expected, not an incident.
            return _record(
                publication, Outcome(Status.CANCELLED, _("The post changed after its approval: nothing was sent."))
            )
        return _record(
            publication,
            Outcome(
                Status.FAILED,
                _("The post is not the version that was approved: nothing was sent. It needs a new review."),
                alert=True,
            ),
        )
    if post.template_version_id is not None and not _template_still_approved(post):
        return _record(
            publication,
            Outcome(
                Status.FAILED,
                _(
                    "The template this message was made from changed or lost its approval after the message was "
                    "prepared: nothing was sent. Prepare it again from the approved template."
                ),
                alert=True,
            ),
        )
    if variant is None:
        # The channel was dropped from the post: nothing to send there, and nothing was sent.
        return _record(publication, Outcome(Status.CANCELLED, _("The post no longer has a text for this channel.")))
    try:
        result = get_publisher(channel.kind).publish(variant)
    except PublishError as error:
        # A server that echoes the request may have put the channel's tokens in the error: never stored.
        outcome = _outcome_of(error.hide(channel.get_credentials().values()))
    except Exception as error:
        # Anything unexpected during or after the call may have posted: never retried by itself.
        logger.exception("publication %s: unexpected error while sending", publication_id)
        outcome = Outcome(
            Status.UNKNOWN,
            _(
                "An unexpected error happened while sending: the post may have been published. "
                "Check the account, then mark it published or send it again."
            ),
            alert=True,
            data={"detail": type(error).__name__},
        )
    else:
        outcome = Outcome(Status.PUBLISHED, external_id=result.external_id, url=result.url)
    return _record(publication, outcome)


def _template_still_approved(post: Post) -> bool:
    """An instance of a template goes out only while the version it was made from is the template's approved one:
    an edit of the template voids its approval, and with it every instance not sent yet."""
    return Template.objects.filter(
        pk=post.template_version.template_id,
        status=Template.Status.APPROVED,
        approved_version_id=post.template_version_id,
    ).exists()


def _hold_back(publication: Publication, now: datetime) -> str:
    """Paused (or waiting to be reconnected) since it was queued: back to waiting, no attempt made or counted."""
    if publication.channel.status == Channel.Status.NEEDS_RECONNECT:
        reason = _("The channel needs reconnecting: nothing was sent.")
    else:
        reason = _("Publishing was paused before sending: nothing was sent.")
    held = Publication.objects.filter(pk=publication.pk, status=Status.QUEUED, queued_at=publication.queued_at).update(
        status=Status.PENDING, next_attempt_at=now, last_error=reason, alerted_at=None, updated_at=now
    )
    return Status.PENDING if held else "skipped"


def _outcome_of(error: PublishError) -> Outcome:
    message = str(error.message)
    detail = {"kind": str(error.kind), "detail": error.detail}
    if error.kind == ErrorKind.RETRY:
        return Outcome(Status.RETRYING, message, data={**detail, "retry_at": error.retry_at})
    if error.kind == ErrorKind.PERMANENT:
        return Outcome(Status.FAILED, message, alert=True, data={**detail, "needs_reconnect": error.needs_reconnect})
    return Outcome(Status.UNKNOWN, message, alert=True, data=detail)


def _retry_delay(attempt: int) -> timedelta:
    # 1, 2, 4, 8... minutes, at most 30: rate limits and outages last minutes, not seconds.
    return timedelta(minutes=min(30, 2 ** max(0, attempt - 1)))


def _gave_up(publication: Publication) -> bool:
    """True when the last PUBLISH_MAX_ATTEMPTS attempts (this one written) all ended in "retry"; a deliberate
    resend starts afresh, since only consecutive retries count."""
    limit = settings.PUBLISH_MAX_ATTEMPTS
    recent = list(publication.attempt_rows.order_by("-number").values_list("outcome", flat=True)[:limit])
    return len(recent) >= limit and all(o == PublicationAttempt.Outcome.RETRY for o in recent)


def _record(publication: Publication, outcome: Outcome) -> str:
    """Write the outcome of an attempt in one transaction, locks in order: the post, the attempt and the
    publication (one UPDATE, alert mark included), the channel to reconnect, the post completed, and last the
    audit chain. The publication's new status, or "skipped" when it moved on meanwhile (the outcome is then kept in
    the attempt row and the audit log only)."""
    now = timezone.now()
    with transaction.atomic():
        post = post_lock(publication.post_id)
        attempt_write(publication=publication, status=outcome.status, error=outcome.error, now=now)
        if outcome.status == Status.RETRYING and _gave_up(publication):
            outcome = Outcome(
                Status.FAILED,
                _("Gave up after %(count)s attempts. Last error: %(error)s")
                % {"count": settings.PUBLISH_MAX_ATTEMPTS, "error": outcome.error},
                alert=True,
                data=outcome.data,
            )
        # Each outcome is a new situation: a later stall or failure must alert again.
        changes: dict[str, Any] = {
            "status": outcome.status,
            "last_error": outcome.error,
            "updated_at": now,
            "alerted_at": now if outcome.alert else None,
        }
        if outcome.status == Status.RETRYING:
            retry_at = outcome.data.get("retry_at")
            changes["next_attempt_at"] = (
                retry_at if retry_at and retry_at > now else now + _retry_delay(publication.attempts)
            )
        elif outcome.status == Status.PUBLISHED:
            changes.update(external_id=outcome.external_id, external_url=outcome.url, published_at=now, last_error="")
        # A late success also settles a row the reaper had already called unknown: it is proof.
        from_states = [Status.SENDING, Status.UNKNOWN] if outcome.status == Status.PUBLISHED else [Status.SENDING]
        moved = Publication.objects.filter(
            pk=publication.pk, status__in=from_states, attempts=publication.attempts
        ).update(**changes)
        event = Entry(
            action=f"editorial.publication.{outcome.status}",
            zone=post.zone,
            obj=publication,
            data={
                "post": post.pk,
                "channel": publication.channel_id,
                "attempt": publication.attempts,
                "fingerprint": post.approved_fingerprint,
                "external_id": outcome.external_id,
                "url": outcome.url,
                "error": outcome.error,
                **{k: v for k, v in outcome.data.items() if v not in (None, "", False)},
            },
        )
        if moved != 1:
            logger.warning(
                "publication %s changed state while sending; outcome %s kept in the attempt and the audit log",
                publication.pk,
                outcome.status,
            )
            audit_record_many(
                [
                    Entry(
                        action="editorial.publication.outcome_kept",
                        zone=post.zone,
                        obj=publication,
                        data=event.data | {"status": outcome.status},
                    )
                ]
            )
            return "skipped"
        events = [event]
        if outcome.data.get("needs_reconnect"):
            events.append(channel_needs_reconnect(publication.channel, outcome.error))
        if outcome.status == Status.PUBLISHED:
            events += post_complete(post)
        if outcome.alert:
            kind = Alert.Kind.UNKNOWN if outcome.status == Status.UNKNOWN else Alert.Kind.FAILED
            events.append(
                alert_raise(zone=post.zone, publication=publication, kind=kind, message=outcome.error, now=now)
            )
        audit_record_many(events)
    return outcome.status
