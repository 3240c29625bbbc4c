"""Retention of the units' items (issue 16, point 5).

An item carries what the public never saw: the unit's facts, its confidentiality notes, links and photos. Each zone
keeps them ``Zone.item_retention_days`` after the item is done with (its posts went out, or it was declined); then
``items_purge`` erases them. What was published stays untouched: the posts, their texts and the images sent
(``VariantMedia``, re-encoded copies, not the item's files), the reviews and the publications are the evidence of
what the zone said in public. The item's row stays too (its title, unit, author and dates), marked ``purged_at``,
so that the posts keep their origin and the item's page says when and why it was erased.

The zone's data protection officer chooses the period (docs/security.md, "Retention")."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from editorial.audit import audit_record
from editorial.models import Item, ItemAttachment, Post, Publication, Zone

logger = logging.getLogger(__name__)

# What a declined item's reason becomes (the database wants a declined item to have one).
ERASED_MARK = "—"
# Items erased per zone and run: the first run after years of history takes a few days, each run stays short.
PURGE_BATCH = 2000

# An item is done with only when each of its posts is: any other state (draft, in review, approved) may still go out.
_DONE_POSTS = (Post.Status.PUBLISHED, Post.Status.CANCELLED)
# A publication in these states is waiting, on its way or unsettled: its item is never erased.
_PUBLICATION_WAITING = (
    Publication.Status.PENDING,
    Publication.Status.QUEUED,
    Publication.Status.SENDING,
    Publication.Status.RETRYING,
    Publication.Status.UNKNOWN,
)


@dataclass(frozen=True)
class ZonePurge:
    """What one zone's run erased."""

    zone_id: int
    item_ids: list[int]
    attachments: int


def purgeable_items(*, zone: Zone, now: dt.datetime) -> QuerySet[Item]:
    """The zone's items not erased yet whose retention is over at ``now``:

    - declined longer ago than the retention (declining is the item's last change: ``updated_at``);
    - or whose posts went out: at least one publication published, none later than the retention ago, every post
      published or cancelled, no publication waiting or unsettled.

    An item with a post in draft, in review or approved, or not taken up yet, is never among them."""
    cutoff = now - dt.timedelta(days=zone.item_retention_days)
    publications = Publication.objects.filter(post__item_id=OuterRef("pk"))
    published = publications.filter(status=Publication.Status.PUBLISHED)
    went_out = (
        Q(Exists(published))
        & ~Q(Exists(published.filter(published_at__gte=cutoff)))
        & ~Q(Exists(Post.objects.filter(item_id=OuterRef("pk")).exclude(status__in=_DONE_POSTS)))
        & ~Q(Exists(publications.filter(status__in=_PUBLICATION_WAITING)))
    )
    declined = Q(status=Item.Status.DECLINED, updated_at__lt=cutoff)
    return Item.objects.filter(zone=zone, purged_at__isnull=True).filter(declined | went_out)


def items_purge(now: dt.datetime | None = None) -> list[ZonePurge]:
    """Erase, zone by zone, the items whose retention is over (``purgeable_items``): their facts, confidentiality
    notes and links become empty, a declined item's reason ``ERASED_MARK``, their attachments' rows are deleted and
    their files removed from storage once the transaction commits; ``purged_at`` is set. One audit event per zone
    that erased something (``editorial.retention.purge``, with the item ids and counts).

    Safe to run twice at once: the rows are locked (PostgreSQL, skipping those another run holds) or the run is
    serialised (SQLite), and eligibility is read again under the lock; an erased item is never erased again.
    Returns what each zone erased."""
    now = now or timezone.now()
    done: list[ZonePurge] = []
    for zone in Zone.objects.order_by("pk"):
        result = _zone_purge(zone=zone, now=now)
        if result is not None:
            done.append(result)
    return done


def _zone_purge(*, zone: Zone, now: dt.datetime) -> ZonePurge | None:
    with transaction.atomic():
        eligible = purgeable_items(zone=zone, now=now).order_by("pk")
        if connection.vendor == "postgresql":
            eligible = eligible.select_for_update(skip_locked=True, of=("self",), no_key=True)
        item_ids = list(eligible.values_list("pk", flat=True)[:PURGE_BATCH])
        if not item_ids:
            return None
        attachments = ItemAttachment.objects.filter(item_id__in=item_ids)
        files = [name for name in attachments.values_list("file", flat=True) if name]
        attachment_count = len(files)
        attachments.delete()
        erased = Item.objects.filter(pk__in=item_ids, purged_at__isnull=True).update(
            facts="",
            confidentiality_notes="",
            links="",
            decline_reason=Case(When(status=Item.Status.DECLINED, then=Value(ERASED_MARK)), default=Value("")),
            purged_at=now,
        )
        if erased != len(item_ids):  # pragma: no cover - the rows are locked or the run serialised
            raise RuntimeError(f"retention: {len(item_ids)} items chosen, {erased} erased")
        audit_record(
            action="editorial.retention.purge",
            zone=zone,
            data={
                "item_ids": item_ids,
                "items": len(item_ids),
                "attachments": attachment_count,
                "retention_days": zone.item_retention_days,
            },
        )
        # Files are removed only once the rows are gone for good: a rolled back run leaves both in place.
        transaction.on_commit(lambda: _delete_files(files))
    return ZonePurge(zone_id=zone.pk, item_ids=item_ids, attachments=attachment_count)


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            # The row is gone; a file left behind is found by its missing row, and never shown again.
            logger.exception("retention: could not delete the file %s", name)
