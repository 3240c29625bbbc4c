"""Reads of the items area: the unit heads' lists, the officer's inbox, one item's page.

Each list runs a fixed number of queries whatever the number of items: photos are counted in the item query and
the published links of all listed items come in one more query (``_attach_published``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts import permissions
from accounts.permissions import Right
from editorial.models import Channel, Item, ItemAttachment, Post, Publication, Unit, Zone
from editorial.selectors.plan import with_going_out

RECENTLY_HANDLED = 30


def _items(zone: Zone) -> QuerySet[Item]:
    return (
        Item.objects.filter(zone=zone)
        .select_related("unit", "category", "locality", "submitted_by")
        .annotate(photo_count=Count("attachments"))
    )


def _published(post_filter: dict[str, Any]) -> QuerySet[Publication]:
    return (
        Publication.objects.filter(status=Publication.Status.PUBLISHED, **post_filter)
        # Only web addresses become links on the page; anything else a publisher stored stays out.
        .filter(Q(external_url__startswith="https://") | Q(external_url__startswith="http://"))
        .select_related("channel")
        .order_by("published_at", "pk")
    )


def _attach_published(items: list[Item]) -> list[Item]:
    """Give each item ``published_links``: the published publications of the posts made from it."""
    by_item: dict[int, list[Publication]] = defaultdict(list)
    if items:
        # The links name their channel (Channel.label): read once whether any row has a link, for a fixed count.
        Channel.read_networks(items[0].zone_id)
        for publication in _published({"post__item__in": [item.pk for item in items]}).select_related("post"):
            by_item[publication.post.item_id].append(publication)
    for item in items:
        item.published_links = by_item.get(item.pk, [])
    return items


def items_of_units(*, zone: Zone, unit_ids: Iterable[int]) -> QuerySet[Item]:
    """The items of these units, newest first (a unit head's list); pass the page through ``with_links``."""
    return _items(zone).filter(unit_id__in=list(unit_ids)).order_by("-created_at", "-pk")


def with_links(items: Iterable[Item]) -> list[Item]:
    return _attach_published(list(items))


def item_inbox(*, zone: Zone) -> list[Item]:
    """New items, oldest first: the one waiting longest comes first."""
    return list(_items(zone).filter(status=Item.Status.NEW).order_by("created_at", "pk"))


def items_recently_handled(*, zone: Zone, limit: int = RECENTLY_HANDLED) -> list[Item]:
    items = list(_items(zone).exclude(status=Item.Status.NEW).order_by("-updated_at", "-pk")[:limit])
    return _attach_published(items)


def item_units_for(*, zone: Zone, user: Any) -> list[Unit]:
    """Units the user may submit an item for: any unit of the zone for the officer, their own otherwise."""
    units = Unit.objects.filter(zone=zone).order_by("name")
    if not permissions.has_right(user, zone, Right.TRIAGE_ITEMS):
        units = units.filter(pk__in=permissions.unit_ids_in(user, zone))
    return list(units)


@dataclass(frozen=True)
class ItemLink:
    url: str
    is_web: bool  # an http(s) address, shown as a link; anything else (typed before links were checked) as text


def item_links(*, item: Item) -> list[ItemLink]:
    """The item's links, one per line; only web addresses become links on a page."""
    lines = (line.strip() for line in (item.links or "").splitlines())
    return [ItemLink(url=line, is_web=line.lower().startswith(("https://", "http://"))) for line in lines if line]


def item_attachments(*, item: Item) -> list[ItemAttachment]:
    return list(ItemAttachment.objects.filter(item=item).order_by("uploaded_at", "pk"))


def item_posts(*, item: Item) -> list[Post]:
    """Posts made from the item, each with ``published_links`` and when it went out (``plan.with_going_out``: a
    post published now shows the time it went out, not the time it was planned for); what ``can_view_post`` reads
    is loaded too."""
    posts = list(
        with_going_out(Post.objects.filter(item=item))
        .select_related("zone", "item")
        .prefetch_related(
            "shared_with_units",
            Prefetch("publications", queryset=_published({}), to_attr="published_links"),
        )
        .order_by("created_at", "pk")
    )
    return posts
