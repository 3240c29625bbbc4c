"""The publishing pipeline (DESIGN.md section 5): approved posts go out on time, at most once, never lost silently.

The schedule lives in the database (``Publication.next_attempt_at``), never in the broker:

- ``publications_prepare`` (called by ``post_approve``) makes one pending Publication per channel of the post;
  ``publications_void`` (called when an edit voids the approval) cancels the ones not yet sending.
- ``publications_dispatch`` (beat, every few seconds) claims the publications due within the lookahead with
  ``select_for_update(skip_locked=True)`` and a conditional update, marks them queued and, on commit, enqueues
  one small task each with an ETA at their time (never more than the lookahead, well under a minute).
- ``publication_send`` (the task) claims ``queued -> sending`` with a conditional UPDATE and commits before
  calling out, refuses to send unless the post is approved with the very fingerprint approved, makes one create
  call through the channel's publisher, and records the outcome: published; retrying later when the failure
  proves nothing was created; failed for permanent errors; unknown for anything ambiguous. Unknown is never
  re-sent by the system: a person says "it was published" or "send it again".
- ``publications_reap`` (beat) turns ``sending`` rows older than the task time limit into unknown, re-enqueues
  ``queued`` rows whose message was lost, and alerts about due publications nobody claimed.

Every state change writes an AuditEvent; alerts are logged, audited and e-mailed to the zone's officers.
"""

from __future__ import annotations

import functools
import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlparse

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.permissions import Right
from editorial import notifications
from editorial.audit import Entry, audit_record, audit_record_many
from editorial.models import (
    Channel,
    Item,
    Post,
    PostVariant,
    Publication,
    PublicationAttempt,
    VariantMedia,
    Zone,
)
from editorial.publishers import PublishError, get_publisher
from editorial.publishers.base import ErrorKind

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger(__name__)

Status = Publication.Status
# Publications the dispatcher may claim: waiting for their time.
WAITING = (Status.PENDING, Status.RETRYING)
# Publications an edit or a cancellation may still stop: nothing has been sent for them yet.
NOT_STARTED = (Status.PENDING, Status.RETRYING, Status.QUEUED)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _enqueue(publication_ids: list[int], etas: dict[int, datetime] | None = None) -> None:
    """Send one publish task per id; called on commit, so a task never sees a row that is not yet queued."""
    from editorial.tasks import publish

    now = timezone.now()
    for publication_id in publication_ids:
        eta = (etas or {}).get(publication_id)
        if eta is not None and eta > now:
            publish.apply_async(args=[publication_id], eta=eta)
        else:
            publish.apply_async(args=[publication_id])


def _wake_dispatcher_if_due(moment: datetime | None) -> None:
    """A post approved or re-planned for the next few seconds should not wait for beat's next tick."""
    if moment is None or moment > timezone.now() + timedelta(seconds=settings.PUBLISH_LOOKAHEAD_SECONDS):
        return
    from editorial.tasks import dispatch_publications

    transaction.on_commit(lambda: dispatch_publications.apply_async())


# --- Called by the workflow services --------------------------------------------------------------------


def publications_prepare(*, post: Post, actor: Any = None) -> list[Publication]:
    """One publication per channel of the approved post, due at its planned time (call inside post_approve's
    transaction). A publication already published or unknown is left alone: re-approving never re-sends it."""
    due = post.planned_at or timezone.now()
    variants = list(PostVariant.objects.filter(post=post).select_related("channel"))
    channel_ids = [v.channel_id for v in variants]
    existing = {p.channel_id: p for p in Publication.objects.select_for_update().filter(post=post)}
    prepared = []
    for variant in variants:
        publication = existing.get(variant.channel_id)
        if publication is None:
            publication = Publication.objects.create(
                post=post, channel=variant.channel, status=Status.PENDING, next_attempt_at=due
            )
        elif publication.status in (Status.CANCELLED, Status.FAILED, *WAITING):
            Publication.objects.filter(pk=publication.pk).update(
                status=Status.PENDING, next_attempt_at=due, last_error="", alerted_at=None, updated_at=timezone.now()
            )
        prepared.append(publication)
    # A channel dropped from the post before a new approval: its waiting publication must never go out.
    Publication.objects.filter(post=post, status__in=[*NOT_STARTED, Status.FAILED]).exclude(
        channel_id__in=channel_ids
    ).update(status=Status.CANCELLED, updated_at=timezone.now())
    # Re-approved after an edit that only dropped a channel: what remains may already all be out.
    if Publication.objects.filter(post=post, status=Status.PUBLISHED).exists():
        audit_record_many(_post_published_if_complete(post))
    _wake_dispatcher_if_due(due)
    return prepared


def publications_void(*, post: Post) -> int:
    """The approval is void (an edit): stop every publication of the post that has not started sending."""
    return Publication.objects.filter(post=post, status__in=NOT_STARTED).update(
        status=Status.CANCELLED, last_error=_("The post changed after its approval."), updated_at=timezone.now()
    )


# --- Dispatcher ---------------------------------------------------------------------------------------


def _due(now: datetime, horizon: datetime) -> QuerySet[Publication]:
    return Publication.objects.filter(
        status__in=WAITING,
        next_attempt_at__lte=horizon,
        post__status=Post.Status.APPROVED,
        channel__status=Channel.Status.ACTIVE,
        post__zone__publishing_paused=False,
    )


def publications_dispatch(*, now: datetime | None = None, limit: int = 5000, only: list[int] | None = None) -> int:
    """Claim the publications due within the lookahead and enqueue them; returns how many were queued.

    Safe to run twice at once: rows are locked with SKIP LOCKED on PostgreSQL (SQLite serialises writers), and
    each row moves on only through a conditional update from the state it was read in."""
    now = now or timezone.now()
    horizon = now + timedelta(seconds=settings.PUBLISH_LOOKAHEAD_SECONDS)
    due = _due(now, horizon).order_by("next_attempt_at", "pk")
    if only is not None:
        due = due.filter(pk__in=only)
    with transaction.atomic():
        rows = dict(due.select_for_update(skip_locked=True, of=("self",)).values_list("pk", "next_attempt_at")[:limit])
        claimed = {pk: rows[pk] for pk in _claim_waiting(list(rows), now)}
        if claimed:
            ids = list(claimed)
            transaction.on_commit(lambda: _enqueue(ids, claimed))
    return len(claimed)


# Ids per statement: well under SQLite's limit on bound parameters.
_CLAIM_CHUNK = 500


def _claim_waiting(ids: list[int], now: datetime) -> list[int]:
    """Move the given publications from waiting to queued; the ids that moved.

    One conditional UPDATE ... RETURNING per chunk instead of one UPDATE per row (1,000 round trips before the
    first enqueue, for 1,000 publications due at once). The condition on the status still decides: a row some
    other transaction moved on since it was read is not claimed. The ORM's update() only counts rows, hence SQL.
    """
    table = connection.ops.quote_name(Publication._meta.db_table)
    stamp = connection.ops.adapt_datetimefield_value(now)
    claimed: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(ids), _CLAIM_CHUNK):
            chunk = ids[start : start + _CLAIM_CHUNK]
            cursor.execute(
                f"UPDATE {table} SET status = %s, queued_at = %s, updated_at = %s "  # noqa: S608 - values are bound
                f"WHERE id IN ({', '.join(['%s'] * len(chunk))}) AND status IN (%s, %s) RETURNING id",
                [Status.QUEUED.value, stamp, stamp, *chunk, *(status.value for status in WAITING)],
            )
            claimed += [row[0] for row in cursor.fetchall()]
    # Enqueued in due order, as they were read.
    order = {pk: n for n, pk in enumerate(ids)}
    return sorted(claimed, key=order.__getitem__)


def post_publish_now(*, actor: Any, post: Post) -> int:
    """The officer sends an approved post now instead of at its planned time; enqueued on commit."""
    _require(permissions.can_publish_post(actor, post))
    now = timezone.now()
    with transaction.atomic():
        ids = list(Publication.objects.filter(post=post, status__in=WAITING).values_list("pk", flat=True))
        Publication.objects.filter(pk__in=ids, status__in=WAITING).update(next_attempt_at=now, updated_at=now)
        audit_record(
            action="editorial.post.publish_now", actor=actor, zone=post.zone, obj=post, data={"publications": ids}
        )
        queued = publications_dispatch(now=now, only=ids)
    return queued


# --- The publish task's work ----------------------------------------------------------------------------


@dataclass
class Outcome:
    status: str
    error: str = ""
    external_id: str = ""
    url: str = ""
    alert: bool = False
    data: dict[str, Any] = field(default_factory=dict)


def _retry_delay(attempt: int) -> timedelta:
    # 1, 2, 4, 8... minutes, at most 30: rate limits and outages last minutes, not seconds.
    return timedelta(minutes=min(30, 2 ** max(0, attempt - 1)))


def _gave_up(publication: Publication) -> bool:
    """True when the last PUBLISH_MAX_ATTEMPTS attempts all ended in "retry" (a deliberate resend starts afresh:
    only consecutive retries count)."""
    limit = settings.PUBLISH_MAX_ATTEMPTS
    recent = list(publication.attempt_rows.order_by("-number").values_list("outcome", flat=True)[:limit])
    return len(recent) >= limit and all(o == PublicationAttempt.Outcome.RETRY for o in recent)


def _fingerprint_ok(post: Post, variants: list[PostVariant] | None = None) -> bool:
    from editorial.services import post_fingerprint

    return (
        post.status == Post.Status.APPROVED
        and bool(post.approved_fingerprint)
        and post_fingerprint(post=post, variants=variants) == post.approved_fingerprint
    )


def publication_send(*, publication_id: int) -> str:
    """Publish one publication; returns its final status (or "skipped" when someone else has it).

    Must run outside a transaction: the claim commits before the network is called, so a crash during the
    call leaves the row in ``sending`` for the reaper to turn into unknown, never back into queued.

    The usual case takes two statements before the call: the texts to send are read, checked against the
    approved fingerprint, then claimed by one conditional UPDATE (committed at once, synchronously) that also
    requires the post to be still approved with that very fingerprint, so an edit or a new approval committed
    after the read makes the claim fail instead of sending what was read. Anything else (paused, edited, a
    channel without text) is decided as before: claimed first, then read again inside the claim's transaction."""
    now = timezone.now()
    variants, variant, post, channel = _read_for_sending(publication_id)
    sendable = (
        variant is not None
        and _fingerprint_ok(post, variants)
        and not post.zone.publishing_paused
        and channel.status == Channel.Status.ACTIVE
    )
    if sendable:
        # The conditional update on the row itself: of two deliveries of the same message, one wins.
        attempts = _claim_queued(publication_id, now, approved_fingerprint=post.approved_fingerprint)
        if attempts is None:
            return "skipped"  # not queued (already sent, another delivery, cancelled), or the post changed
    else:
        with transaction.atomic():
            attempts = _claim_queued(publication_id, now)
            if attempts is None:
                return "skipped"
            variants, variant, post, channel = _read_for_sending(publication_id)
            if post.zone.publishing_paused or channel.status != Channel.Status.ACTIVE:
                # Paused (or to reconnect) since it was queued: back to waiting in the same transaction, so the
                # claim never shows and no attempt is counted.
                _hold_back(publication_id, channel, now)
                return Status.PENDING
    # Committed, synchronously (the claim is what makes a crash safe): from here on, a crash leaves "sending"
    # behind, which only a person can settle.
    publication = Publication(
        pk=publication_id, post=post, channel=channel, status=Status.SENDING, attempts=attempts, sending_started_at=now
    )

    # Sendable: these very texts were checked before the claim.
    if not sendable and not _fingerprint_ok(post, variants):
        outcome = Outcome(
            Status.FAILED,
            _("The post is not the version that was approved: nothing was sent. It needs a new review."),
            alert=True,
        )
        if post.status != Post.Status.APPROVED:
            # An edit voided the approval while the message waited: expected, not an incident.
            outcome = Outcome(Status.CANCELLED, _("The post changed after its approval: nothing was sent."))
        return _record(publication, outcome)

    if variant is None:
        # The channel was dropped from the post: nothing to send there, and nothing was sent.
        return _record(publication, Outcome(Status.CANCELLED, _("The post no longer has a text for this channel.")))
    try:
        result = get_publisher(channel.kind).publish(variant)
    except PublishError as error:
        outcome = _outcome_of(publication, error, now)
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


# --- The publish task's statements, written out ----------------------------------------------------------
# Sending one publication is the throughput ceiling (docs/performance.md, issue 4), and most of its CPU time went
# into Django building its ORM statements. The statements of a usual publication (the read, the claim, the
# outcome) are therefore plain SQL, with the models' own table names and every value bound; rows become model
# instances through the fields' converters, as the ORM makes them. The rest of this module stays ORM.


class _Columns:
    """A model's columns in a raw SELECT (its table not aliased), and the instance made from a row's slice of
    them, converted as the ORM converts them on this connection (SQLite gives datetimes as text and booleans as
    integers; an encrypted field is decrypted)."""

    def __init__(self, model: type[models.Model], db: BaseDatabaseWrapper) -> None:
        self.model, self.db = model, db
        self.fields = model._meta.concrete_fields
        self.attnames = [f.attname for f in self.fields]
        table = db.ops.quote_name(model._meta.db_table)
        self.sql = ", ".join(f"{table}.{db.ops.quote_name(f.column)}" for f in self.fields)
        self.converters = []
        for n, column in enumerate(f.cached_col for f in self.fields):
            if functions := db.ops.get_db_converters(column) + column.get_db_converters(db):
                self.converters.append((n, column, functions))

    def instance(self, values: Sequence[Any]) -> Any:
        values = list(values)
        for n, column, functions in self.converters:
            for convert in functions:
                values[n] = convert(values[n], column, self.db)
        return self.model.from_db(self.db.alias, self.attnames, values)


@functools.lru_cache(maxsize=16)
def _sending_query(db: BaseDatabaseWrapper) -> tuple[str, list[tuple[_Columns, slice]]]:
    """Every text of a publication's post with their channels, images, the post and its zone: one row per image
    (or per text without one), texts in channel order, images in their order; the last column says whether the
    row's text is the publication's own. The tables with the slice of a row that each fills. Made once per
    connection (each thread has its own)."""
    tables = [_Columns(model, db) for model in (Post, Zone, PostVariant, Channel, VariantMedia)]
    ends = list(itertools.accumulate(len(table.fields) for table in tables))
    parts = [(table, slice(end - len(table.fields), end)) for table, end in zip(tables, ends, strict=True)]
    publication, post, zone, variant, channel, media = (
        db.ops.quote_name(model._meta.db_table)
        for model in (Publication, Post, Zone, PostVariant, Channel, VariantMedia)
    )
    sql = (
        f"SELECT {', '.join(table.sql for table in tables)}, {variant}.channel_id = {publication}.channel_id "  # noqa: S608 - values are bound
        f"FROM {publication} JOIN {post} ON {post}.id = {publication}.post_id "
        f"JOIN {zone} ON {zone}.id = {post}.zone_id JOIN {variant} ON {variant}.post_id = {post}.id "
        f"JOIN {channel} ON {channel}.id = {variant}.channel_id LEFT JOIN {media} ON {media}.variant_id = {variant}.id "
        f"WHERE {publication}.id = %s "
        f"ORDER BY {variant}.channel_id, {media}.{db.ops.quote_name('order')}, {media}.id"
    )
    return sql, parts


def _read_for_sending(
    publication_id: int,
) -> tuple[list[PostVariant], PostVariant | None, Post | None, Channel | None]:
    """Every text of the publication's post (the fingerprint covers them all) with their channels and images, the
    post and its zone, in one statement; the text of this publication's channel, the post, the channel. Post and
    channel are None only when there is no such publication."""
    sql, parts = _sending_query(connections[DEFAULT_DB_ALIAS])
    (posts, post_part), (zones, zone_part), (texts, text_part), (channels, channel_part), (images, image_part) = parts
    with connection.cursor() as cursor:
        cursor.execute(sql, [publication_id])
        rows = cursor.fetchall()
    post = zone = mine = None
    variants: dict[int, PostVariant] = {}
    media: dict[int, list[VariantMedia]] = {}
    for row in rows:
        if post is None:
            post, zone = posts.instance(row[post_part]), zones.instance(row[zone_part])
            post.zone = zone
        variant = variants.get(row[text_part][0])
        if variant is None:
            variant = texts.instance(row[text_part])
            variant.post, variant.channel = post, channels.instance(row[channel_part])
            if variant.channel.zone_id == zone.pk:
                variant.channel.zone = zone
            variants[variant.pk], media[variant.pk] = variant, []
            if row[-1]:
                mine = variant
        if row[image_part][0] is not None:
            image = images.instance(row[image_part])
            image.variant = variant
            media[variant.pk].append(image)
    for variant in variants.values():
        # As prefetch_related("media") leaves it: variant.media.all() runs no query.
        prefetched = VariantMedia.objects.all()
        prefetched._result_cache, prefetched._prefetch_done = media[variant.pk], True
        variant._prefetched_objects_cache = {"media": prefetched}
    texts_read = list(variants.values())
    if mine is not None:
        return texts_read, mine, post, mine.channel
    # The channel has no text any more (or there is no such publication): read the row for its post and channel.
    publication = Publication.objects.select_related("post__zone", "channel__zone").filter(pk=publication_id).first()
    if publication is None:
        return texts_read, None, None, None
    return texts_read, None, publication.post, publication.channel


def _claim_queued(publication_id: int, now: datetime, *, approved_fingerprint: str | None = None) -> int | None:
    """``queued -> sending`` with one more attempt; the attempt number, or None when the row was not queued (or,
    given ``approved_fingerprint``, when its post is no longer approved with that fingerprint).

    One UPDATE ... RETURNING; outside a transaction it is also its own synchronous commit."""
    table = connection.ops.quote_name(Publication._meta.db_table)
    post_table = connection.ops.quote_name(Post._meta.db_table)
    stamp = connection.ops.adapt_datetimefield_value(now)
    sql = (
        # The tables are the models'; every value is a bound parameter.
        f"UPDATE {table} SET status = %s, sending_started_at = %s, attempts = attempts + 1, updated_at = %s "  # noqa: S608
        "WHERE id = %s AND status = %s"
    )
    params: list[Any] = [Status.SENDING.value, stamp, stamp, publication_id, Status.QUEUED.value]
    if approved_fingerprint is not None:
        sql += (
            f" AND EXISTS (SELECT 1 FROM {post_table} WHERE {post_table}.id = {table}.post_id"  # noqa: S608
            f" AND {post_table}.status = %s AND {post_table}.approved_fingerprint = %s)"
        )
        params += [Post.Status.APPROVED.value, approved_fingerprint]
    with connection.cursor() as cursor:
        cursor.execute(sql + " RETURNING attempts", params)
        row = cursor.fetchone()
    return row[0] if row else None


def _hold_back(publication_id: int, channel: Channel, now: datetime) -> None:
    if channel.status == Channel.Status.NEEDS_RECONNECT:
        reason = _("The channel needs reconnecting: nothing was sent.")
    else:
        reason = _("Publishing was paused before sending: nothing was sent.")
    Publication.objects.filter(pk=publication_id).update(
        status=Status.PENDING,
        next_attempt_at=now,
        last_error=reason,
        attempts=F("attempts") - 1,
        sending_started_at=None,
        alerted_at=None,
        updated_at=now,
    )


def _outcome_of(publication: Publication, error: PublishError, now: datetime) -> Outcome:
    message = str(error.message)
    detail = {"kind": str(error.kind), "detail": getattr(error, "detail", "") or ""}
    if error.kind == ErrorKind.RETRY:
        return Outcome(Status.RETRYING, message, data={**detail, "retry_at": error.retry_at})
    if error.kind == ErrorKind.PERMANENT:
        return Outcome(
            Status.FAILED,
            message,
            alert=True,
            data={**detail, "needs_reconnect": bool(getattr(error, "needs_reconnect", False))},
        )
    return Outcome(Status.UNKNOWN, message, alert=True, data=detail)


_ATTEMPT_OUTCOME = {
    Status.PUBLISHED: PublicationAttempt.Outcome.PUBLISHED,
    Status.RETRYING: PublicationAttempt.Outcome.RETRY,
    Status.PENDING: PublicationAttempt.Outcome.RETRY,
    Status.FAILED: PublicationAttempt.Outcome.FAILED,
    Status.CANCELLED: PublicationAttempt.Outcome.FAILED,
    Status.UNKNOWN: PublicationAttempt.Outcome.UNKNOWN,
}


def _record(publication: Publication, outcome: Outcome) -> str:
    """Write the outcome of an attempt: the attempt row, the publication, the post it completes, alerts, and
    their audit events, in one transaction."""
    now = timezone.now()
    post = publication.post
    with transaction.atomic():
        _commit_without_waiting_for_disk()
        if outcome.status == Status.PUBLISHED:
            # Before the publication changes: see _post_published_if_complete.
            _lock_post(post)
        _write_attempt(publication, outcome.status, outcome.error, now)
        # Each outcome is a new situation: a later stall or failure must alert again (set below when it does).
        changes: dict[str, Any] = {
            "status": outcome.status,
            "last_error": outcome.error,
            "updated_at": now,
            "alerted_at": None,
        }
        if outcome.status == Status.RETRYING:
            if _gave_up(publication):
                outcome = Outcome(
                    Status.FAILED,
                    _("Gave up after %(count)s attempts. Last error: %(error)s")
                    % {"count": settings.PUBLISH_MAX_ATTEMPTS, "error": outcome.error},
                    alert=True,
                    data=outcome.data,
                )
                changes.update(status=outcome.status, last_error=outcome.error)
            else:
                retry_at = outcome.data.get("retry_at")
                changes["next_attempt_at"] = (
                    retry_at if retry_at and retry_at > now else now + _retry_delay(publication.attempts)
                )
        elif outcome.status == Status.PENDING:
            changes["next_attempt_at"] = now
        elif outcome.status == Status.PUBLISHED:
            changes.update(external_id=outcome.external_id, external_url=outcome.url, published_at=now, last_error="")
        # A late success also settles a row the reaper had already called unknown: it is proof.
        from_states = [Status.SENDING, Status.UNKNOWN] if outcome.status == Status.PUBLISHED else [Status.SENDING]
        if _update_publication(publication.pk, changes, from_states=from_states) != 1:
            logger.warning(
                "publication %s changed state while sending; outcome %s kept in the attempt only",
                publication.pk,
                outcome.status,
            )
            return "skipped"
        events = [
            Entry(
                action=f"editorial.publication.{outcome.status}",
                zone=post.zone,
                obj=publication,
                data={
                    "post": post.pk,
                    "channel": publication.channel_id,
                    "attempt": publication.attempts,
                    "fingerprint": post.approved_fingerprint,
                    "external_id": outcome.external_id,
                    "error": outcome.error,
                    **{k: v for k, v in outcome.data.items() if v not in (None, "")},
                },
            )
        ]
        if outcome.data.get("needs_reconnect"):
            events.append(_channel_needs_reconnect(publication.channel, outcome.error))
        if outcome.status == Status.PUBLISHED:
            events += _post_published_if_complete(post, locked=True)
        if outcome.alert:
            events.append(_alert(publication, outcome.error))
        # Last, so that the chain's global lock is held only for the commit that follows.
        audit_record_many(events)
    return outcome.status


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _execute(sql: str, params: Sequence[Any]) -> int:
    """Run one statement of the publish task (plain SQL, see _Columns); the number of rows it changed."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _update_publication(publication_id: int, changes: dict[str, Any], *, from_states: Sequence[str]) -> int:
    """Set ``changes`` (field name -> value, prepared by each field as the ORM does) on the publication if its
    status is one of ``from_states``; the number of rows changed (0 or 1)."""
    fields = [Publication._meta.get_field(name) for name in changes]
    assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    values = [f.get_db_prep_save(value, connection) for f, value in zip(fields, changes.values(), strict=True)]
    return _execute(
        f"UPDATE {_table(Publication)} SET {assignments} "  # noqa: S608 - values are bound
        f"WHERE id = %s AND status IN ({', '.join(['%s'] * len(from_states))})",
        [*values, publication_id, *from_states],
    )


def _write_attempt(publication: Publication, status: str, error: str, now: datetime) -> None:
    """The attempt's row, written with its outcome (a crash during the call leaves none: the reaper writes it).
    An upsert: a late outcome after the reaper's replaces the reaper's guess."""
    stamp = connection.ops.adapt_datetimefield_value
    _execute(
        f"INSERT INTO {_table(PublicationAttempt)} "  # noqa: S608 - values are bound
        "(publication_id, number, started_at, finished_at, outcome, error) VALUES (%s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (publication_id, number) "
        "DO UPDATE SET finished_at = excluded.finished_at, outcome = excluded.outcome, error = excluded.error",
        [
            publication.pk,
            publication.attempts,
            stamp(publication.sending_started_at or now),
            stamp(now),
            _ATTEMPT_OUTCOME[status],
            str(error),
        ],
    )


def _commit_without_waiting_for_disk() -> None:
    """Let this transaction's COMMIT return before its WAL reaches the disk (4-10 ms per commit on the benchmark
    machine). Only for an outcome: if PostgreSQL crashes within the next few hundred milliseconds the outcome is
    lost as a whole, the publication stays ``sending`` (the claim's commit was synchronous) and the reaper makes
    it unknown with an alert: never a second send. The audit chain keeps no hole either: WAL is written in
    order, so a later synchronous commit makes this one durable first."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def _lock_post(post: Post) -> None:
    # SQLite has no FOR UPDATE: its transactions take the database's write lock when they begin (settings).
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    _execute(f"SELECT id FROM {_table(Post)} WHERE id = %s{lock}", [post.pk])  # noqa: S608 - values are bound


def _channel_needs_reconnect(channel: Channel, reason: str) -> Entry:
    """Mark the channel for reconnection; the audit event for the caller to record (last in its transaction)."""
    # A deliberate pause stays a pause: reconnecting later must not make the channel send again by itself.
    Channel.objects.filter(pk=channel.pk).exclude(status=Channel.Status.PAUSED).update(
        status=Channel.Status.NEEDS_RECONNECT, status_reason=reason
    )
    return Entry(action="editorial.channel.needs_reconnect", zone=channel.zone, obj=channel, data={"reason": reason})


def _post_published_if_complete(post: Post, *, locked: bool = False) -> list[Entry]:
    """The post is published once every publication that is still meant to go out is published; the audit
    events for the caller to record (last in its transaction).

    Two channels finishing at the same moment would each see the other still sending, and neither would mark the
    post published: the post is locked first (``locked``: the caller did it before changing its publication), so
    the second waits and then sees the first's commit."""
    if not locked:
        _lock_post(post)
    # One statement: the check and the change, on the locked row. At least one channel must be out: a post whose
    # every publication was left unsent stays approved (and can be cancelled), it is not "published".
    publications = _table(Publication)
    completed = _execute(
        f"UPDATE {_table(Post)} SET status = %s WHERE id = %s AND status = %s "  # noqa: S608 - values are bound
        f"AND NOT EXISTS (SELECT 1 FROM {publications} WHERE post_id = %s AND status NOT IN (%s, %s)) "
        f"AND EXISTS (SELECT 1 FROM {publications} WHERE post_id = %s AND status = %s)",
        [
            Post.Status.PUBLISHED,
            post.pk,
            Post.Status.APPROVED,
            post.pk,
            Status.PUBLISHED,
            Status.CANCELLED,
            post.pk,
            Status.PUBLISHED,
        ],
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


def _alert(publication: Publication, reason: str) -> Entry:
    """Tell people, once per problem: a log line for the operators, an audit event (returned, for the caller to
    record last in its transaction), an e-mail to the zone's officers (on commit). Called inside the transaction
    that found the problem."""
    now = timezone.now()
    Publication.objects.filter(pk=publication.pk).update(alerted_at=now)
    logger.error("publication %s (post %s, %s): %s", publication.pk, publication.post_id, publication.channel, reason)
    publication_id = publication.pk
    transaction.on_commit(lambda: notifications.publication_problem(publication_id=publication_id, reason=reason))
    return Entry(
        action="editorial.publication.alert",
        zone=publication.post.zone,
        obj=publication,
        data={"post": publication.post_id, "reason": reason},
    )


# --- Reaper ---------------------------------------------------------------------------------------------


@dataclass
class ReapReport:
    unknown: list[int] = field(default_factory=list)
    requeued: list[int] = field(default_factory=list)
    late: list[int] = field(default_factory=list)


def publications_reap(*, now: datetime | None = None) -> ReapReport:
    now = now or timezone.now()
    report = ReapReport()
    # 1. A worker died (or hung past its time limit) while sending: the create call may have gone out.
    stuck_before = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30)
    reason = _(
        "The worker stopped while sending: the post may have been published. "
        "Check the account, then mark it published or send it again."
    )
    for publication in Publication.objects.filter(
        status=Status.SENDING, sending_started_at__lt=stuck_before
    ).select_related("post__zone", "channel"):
        with transaction.atomic():
            if (
                Publication.objects.filter(pk=publication.pk, status=Status.SENDING).update(
                    status=Status.UNKNOWN, last_error=reason, updated_at=now
                )
                != 1
            ):
                continue
            _write_attempt(publication, Status.UNKNOWN, reason, now)
            unknown = Entry(
                action="editorial.publication.unknown",
                zone=publication.post.zone,
                obj=publication,
                data={"post": publication.post_id, "error": reason, "reaped": True},
            )
            audit_record_many([unknown, _alert(publication, reason)])
        report.unknown.append(publication.pk)

    # 2. Queued long past its time: the message was lost (broker restarted or flushed). Enqueue it again; the
    # conditional claim makes a duplicate delivery harmless.
    lost = Publication.objects.filter(
        status=Status.QUEUED,
        next_attempt_at__lt=now - timedelta(seconds=60),
        queued_at__lt=now - timedelta(seconds=settings.PUBLISH_LOOKAHEAD_SECONDS + 60),
    )
    for publication_id, queued_at in lost.values_list("pk", "queued_at"):
        with transaction.atomic():
            if (
                Publication.objects.filter(pk=publication_id, status=Status.QUEUED, queued_at=queued_at).update(
                    queued_at=now, updated_at=now
                )
                == 1
            ):
                report.requeued.append(publication_id)
    if report.requeued:
        logger.warning("re-enqueued publications whose message was lost: %s", report.requeued)
        _enqueue(report.requeued)

    # 3. Due and still not sent a minute after its time, not paused, nobody told yet: say so.
    for publication in (
        late_publications(now=now).filter(alerted_at__isnull=True).select_related("post__zone", "channel")
    ):
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
            audit_record_many([_alert(publication, message)])
        report.late.append(publication.pk)
    return report


def late_publications(*, now: datetime | None = None, zone: Zone | None = None) -> QuerySet[Publication]:
    """Publications of approved posts that should have gone out more than PUBLISH_ALERT_AFTER_SECONDS ago and
    did not, outside a deliberate pause. The dashboard shows them even when beat itself is down."""
    now = now or timezone.now()
    late = Publication.objects.filter(
        status__in=NOT_STARTED,
        next_attempt_at__lt=now - timedelta(seconds=settings.PUBLISH_ALERT_AFTER_SECONDS),
        post__status=Post.Status.APPROVED,
        post__zone__publishing_paused=False,
    ).exclude(channel__status=Channel.Status.PAUSED)
    if zone is not None:
        late = late.filter(post__zone=zone)
    return late


# --- What a person decides ------------------------------------------------------------------------------


def _locked_publication(publication: Publication) -> Publication:
    return (
        Publication.objects.select_for_update(of=("self",))
        .select_related("post__zone", "channel")
        .get(pk=publication.pk)
    )


def _external_id_from(parsed: Any) -> str:
    """The post's id in a pasted link: x.com/<handle>/status/<id>, facebook.com/<id>, or Facebook's
    permalink.php?story_fbid=<id> and photo.php?fbid=<id> forms."""
    query = parse_qs(parsed.query)
    for key in ("story_fbid", "fbid", "id"):
        if query.get(key):
            return query[key][0]
    return parsed.path.rstrip("/").rsplit("/", 1)[-1]


def _settle(
    *, actor: Any, publication: Publication, refusal: str, changes: dict[str, Any], action: str, data: dict[str, Any]
) -> Publication:
    """A person's decision about an unknown (or failed) outcome, in one transaction: the publication takes
    ``changes``, the decision is audited with ``data`` (and the outcome it replaces), and the post is published if
    that was its last channel to settle. ``refusal`` is said when the publication is no longer unknown or failed."""
    from editorial.services import WorkflowError

    with transaction.atomic():
        # The post before its publication, the order every writer of both follows (no deadlock with a late
        # outcome of the same publication).
        _lock_post(publication.post)
        publication = _locked_publication(publication)
        _require(permissions.has_right(actor, publication.post.zone, Right.PUBLISH_POST))
        if publication.status not in (Status.UNKNOWN, Status.FAILED):
            raise WorkflowError(refusal)
        Publication.objects.filter(pk=publication.pk).update(**changes, updated_at=timezone.now())
        decided = Entry(
            action=action,
            actor=actor,
            zone=publication.post.zone,
            obj=publication,
            data={
                "post": publication.post_id,
                **data,
                "previous_status": publication.status,
                "previous_error": publication.last_error,
            },
        )
        audit_record_many([decided, *_post_published_if_complete(publication.post, locked=True)])
    publication.refresh_from_db()
    return publication


def publication_confirm_published(*, actor: Any, publication: Publication, url: str) -> Publication:
    """After an unknown (or failed) outcome, the officer checked the account and found the post: record its link."""
    from editorial.services import WorkflowError

    url = url.strip()
    try:
        parsed = urlparse(url)
    except ValueError:
        parsed = None  # a host in brackets that is not an IPv6 address ("https://[")
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise WorkflowError(_("Paste the address of the published post (it starts with https://)."))
    external_id = _external_id_from(parsed) or url
    return _settle(
        actor=actor,
        publication=publication,
        refusal=_("Only a publication whose outcome is unknown or failed can be marked published."),
        changes={
            "status": Status.PUBLISHED,
            "external_id": external_id[:120],
            "external_url": url[:500],
            "published_at": timezone.now(),
            "last_error": "",
        },
        action="editorial.publication.confirm_published",
        data={"url": url},
    )


def publication_leave_unsent(*, actor: Any, publication: Publication, reason: str) -> Publication:
    """After an unknown (or failed) outcome, the officer checked the account, did not find the post, and decides
    it will not go out on this channel (the news is stale, the channel was dropped from the post): the publication
    is closed with the reason and the desk never sends it, unless a new approval asks for it again."""
    from editorial.services import WorkflowError

    reason = reason.strip()
    if not reason:
        raise WorkflowError(_("Say why it will not be sent: the team will read it."))
    said = _("Left unsent by %(person)s: %(reason)s") % {"person": actor.get_username(), "reason": reason}
    return _settle(
        actor=actor,
        publication=publication,
        refusal=_("Only a publication whose outcome is unknown or failed can be left unsent."),
        changes={"status": Status.CANCELLED, "last_error": said[:2000]},
        action="editorial.publication.leave_unsent",
        data={"reason": reason},
    )


def publication_send_again(*, actor: Any, publication: Publication) -> Publication:
    """A deliberate, logged choice to send again after an unknown or failed outcome (the officer checked that
    the post is not on the account). It still goes out only if the post is approved as it stands."""
    from editorial.services import WorkflowError

    with transaction.atomic():
        publication = _locked_publication(publication)
        post = Post.objects.get(pk=publication.post_id)
        _require(permissions.can_publish_post(actor, post))
        if publication.status not in (Status.UNKNOWN, Status.FAILED):
            raise WorkflowError(_("Only a publication whose outcome is unknown or failed can be sent again."))
        if not _fingerprint_ok(post):
            raise WorkflowError(_("The post is not the version that was approved: it needs a new review first."))
        if not PostVariant.objects.filter(post=post, channel_id=publication.channel_id).exists():
            raise WorkflowError(_("The post no longer has a text for this channel."))
        now = timezone.now()
        Publication.objects.filter(pk=publication.pk).update(
            status=Status.PENDING, next_attempt_at=now, last_error="", alerted_at=None, updated_at=now
        )
        audit_record(
            action="editorial.publication.send_again",
            actor=actor,
            zone=post.zone,
            obj=publication,
            data={"post": post.pk, "previous_status": publication.status, "previous_error": publication.last_error},
        )
        publications_dispatch(now=now, only=[publication.pk])
    publication.refresh_from_db()
    return publication


# --- Pauses and connections -----------------------------------------------------------------------------


def zone_pause(*, actor: Any, zone: Zone, reason: str) -> None:
    """Stop all sending in the zone until resumed. Publications already in flight finish; the rest wait."""
    from editorial.services import WorkflowError

    _require(permissions.has_right(actor, zone, Right.PAUSE_PUBLISHING))
    if not reason.strip():
        raise WorkflowError(_("Say why publishing is paused: the team will read it."))
    with transaction.atomic():
        Zone.objects.filter(pk=zone.pk).update(publishing_paused=True, publishing_paused_reason=reason.strip())
        audit_record(action="editorial.zone.pause", actor=actor, zone=zone, obj=zone, data={"reason": reason.strip()})
    zone.refresh_from_db()


def zone_resume(*, actor: Any, zone: Zone, reason: str = "") -> None:
    _require(permissions.has_right(actor, zone, Right.PAUSE_PUBLISHING))
    with transaction.atomic():
        if (
            Zone.objects.filter(pk=zone.pk, publishing_paused=True).update(
                publishing_paused=False, publishing_paused_reason=""
            )
            != 1
        ):
            return  # not paused: nothing to resume, nothing to log
        audit_record(action="editorial.zone.resume", actor=actor, zone=zone, obj=zone, data={"reason": reason.strip()})
    zone.refresh_from_db()


def channel_pause(*, actor: Any, channel: Channel, reason: str) -> None:
    from editorial.services import WorkflowError

    _require(permissions.has_right(actor, channel.zone, Right.PAUSE_PUBLISHING))
    if not reason.strip():
        raise WorkflowError(_("Say why this channel is paused: the team will read it."))
    if channel.status == Channel.Status.NEEDS_RECONNECT:
        # Pausing then resuming must not turn a channel with dead credentials back into an active one.
        raise WorkflowError(_("This channel must be reconnected: update its credentials, then test the connection."))
    with transaction.atomic():
        # Conditional: a 401 recorded meanwhile must not be overwritten by the pause (and later resumed away).
        if (
            Channel.objects.filter(pk=channel.pk)
            .exclude(status=Channel.Status.NEEDS_RECONNECT)
            .update(status=Channel.Status.PAUSED, status_reason=reason.strip())
            != 1
        ):
            raise WorkflowError(
                _("This channel must be reconnected: update its credentials, then test the connection.")
            )
        audit_record(
            action="editorial.channel.pause",
            actor=actor,
            zone=channel.zone,
            obj=channel,
            data={"reason": reason.strip()},
        )
    channel.refresh_from_db()


def channel_resume(*, actor: Any, channel: Channel) -> None:
    """Back to active. A channel waiting to be reconnected resumes through a successful connection test."""
    from editorial.services import WorkflowError

    _require(permissions.has_right(actor, channel.zone, Right.PAUSE_PUBLISHING))
    if channel.status == Channel.Status.NEEDS_RECONNECT:
        raise WorkflowError(_("This channel must be reconnected: update its credentials, then test the connection."))
    with transaction.atomic():
        if (
            Channel.objects.filter(pk=channel.pk)
            .exclude(status=Channel.Status.NEEDS_RECONNECT)
            .update(status=Channel.Status.ACTIVE, status_reason="")
            != 1
        ):
            raise WorkflowError(
                _("This channel must be reconnected: update its credentials, then test the connection.")
            )
        audit_record(action="editorial.channel.resume", actor=actor, zone=channel.zone, obj=channel)
    channel.refresh_from_db()


def channel_test_connection(*, actor: Any, channel: Channel) -> str:
    """Ask the network who the credentials belong to. Success on a channel waiting to be reconnected makes it
    active again; failure is returned as a PublishError for the page to show."""
    zone = channel.zone
    _require(
        permissions.has_right(actor, zone, Right.MANAGE_ZONE) or permissions.has_right(actor, zone, Right.PUBLISH_POST)
    )
    try:
        account = get_publisher(channel.kind).check_connection(channel)
    except PublishError as error:
        with transaction.atomic():
            events = [
                Entry(
                    action="editorial.channel.test_connection",
                    actor=actor,
                    zone=zone,
                    obj=channel,
                    data={"ok": False, "error": str(error.message)},
                )
            ]
            if getattr(error, "needs_reconnect", False):
                events.append(_channel_needs_reconnect(channel, str(error.message)))
            audit_record_many(events)
        raise
    with transaction.atomic():
        audit_record(
            action="editorial.channel.test_connection",
            actor=actor,
            zone=zone,
            obj=channel,
            data={"ok": True, "account": account},
        )
        reconnected = Channel.objects.filter(pk=channel.pk, status=Channel.Status.NEEDS_RECONNECT).update(
            status=Channel.Status.ACTIVE, status_reason=""
        )
        if reconnected:
            audit_record(action="editorial.channel.reconnected", actor=actor, zone=zone, obj=channel)
    channel.refresh_from_db()
    return account


def post_cancel(*, actor: Any, post: Post, reason: str) -> None:
    """Withdraw a post that has not been published: nothing waiting for it will be sent."""
    from editorial.services import WorkflowError, _locked_post

    if not reason.strip():
        raise WorkflowError(_("Say why the post is cancelled."))
    with transaction.atomic():
        post = _locked_post(post)
        _require(permissions.has_right(actor, post.zone, Right.DRAFT_POST))
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
