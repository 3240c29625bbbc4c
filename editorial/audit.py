"""The audit log: append-only events chained by SHA-256.

Each event's hash covers its own content and the previous event's hash, so changing, removing or inserting a
row anywhere but at the end breaks the chain, which ``editorial.audit_verify`` (``manage.py verify_audit_log``)
reports.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from editorial.models import AuditEvent, Zone

GENESIS_HASH = "0" * 64
# Any constant works; it only has to be the same for every writer of the chain.
_PG_LOCK_KEY = 0x5A0E_DE5C


def _event_hash(
    *,
    prev_hash: str,
    created_at: str,
    zone_id: int | None,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    data: Any,
) -> str:
    payload = json.dumps(
        [prev_hash, created_at, zone_id, actor_id, actor_label, action, object_type, object_id, data],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _stamp(moment: datetime) -> str:
    # One spelling whatever tzinfo object the database driver hands back.
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _lock_chain() -> None:
    """Serialise writers of the chain until the end of the transaction.

    On PostgreSQL a transaction-level advisory lock does it; SQLite allows one writer at a time anyway
    (settings open every transaction with BEGIN IMMEDIATE).

    The foreign keys the transaction wrote so far are checked first (Django makes them DEFERRABLE INITIALLY
    DEFERRED, so PostgreSQL would check them at COMMIT, with the chain's lock held): a check that has to wait for a
    row another transaction holds must wait before this lock, never while holding it (editorial/locks.py).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])


@dataclass(frozen=True)
class Entry:
    """One event to append, for ``audit_record_many`` (the same fields as ``audit_record``'s arguments)."""

    action: str
    actor: Any = None
    zone: Zone | None = None
    obj: models.Model | None = None
    data: dict[str, Any] | None = None


def audit_record(
    *,
    action: str,
    actor: Any = None,
    zone: Zone | None = None,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. ``action`` is dotted (``editorial.post.approve``); ``actor`` None means the system.

    Call it inside the transaction of the change it records, so that both commit or neither does. It takes the
    chain's lock, held until that transaction ends: make it the transaction's last write where you can.
    """
    return audit_record_many([Entry(action=action, actor=actor, zone=zone, obj=obj, data=data)])[0]


def audit_record_many(entries: list[Entry]) -> list[AuditEvent]:
    """Append several events in this order, chained one to the next, with one lock, one read of the chain's
    head and one INSERT. Called as the last statement of a transaction that records more than one change (an
    outcome and the post it completes), the chain's global lock is held only for the commit."""
    events: list[AuditEvent] = []
    if not entries:
        return events
    # No savepoint: a failed audit write must fail the caller's whole change anyway.
    with transaction.atomic(savepoint=False):
        _lock_chain()
        prev_hash = AuditEvent.objects.order_by("-pk").values_list("hash", flat=True).first() or GENESIS_HASH
        for entry in entries:
            event = _event(entry, prev_hash)
            events.append(event)
            prev_hash = event.hash
        AuditEvent.objects.bulk_create(events)
        # The chain is read in primary-key order: the rows must have taken their ids in the order they link.
        pks = [event.pk for event in events]
        if None in pks or pks != sorted(pks):
            raise RuntimeError(f"audit events were not numbered in chain order: {pks}")
    return events


def _event(entry: Entry, prev_hash: str) -> AuditEvent:
    # JSON round trip so that what is hashed is exactly what the database gives back later.
    clean_data = json.loads(json.dumps(entry.data or {}, default=str))
    actor, obj = entry.actor, entry.obj
    actor_id = getattr(actor, "pk", None)
    actor_label = actor.get_username() if actor_id else "system"
    object_type = obj._meta.label_lower if obj is not None else ""
    object_id = str(obj.pk) if obj is not None and obj.pk is not None else ""
    zone_id = entry.zone.pk if entry.zone is not None else None
    created_at = timezone.now()
    event = AuditEvent(
        zone_id=zone_id,
        actor_id=actor_id,
        actor_label=actor_label,
        action=entry.action,
        object_type=object_type,
        object_id=object_id,
        data=clean_data,
        created_at=created_at,
        prev_hash=prev_hash,
    )
    event.hash = _event_hash(
        prev_hash=prev_hash,
        created_at=_stamp(created_at),
        zone_id=zone_id,
        actor_id=actor_id,
        actor_label=actor_label,
        action=entry.action,
        object_type=object_type,
        object_id=object_id,
        data=clean_data,
    )
    return event
