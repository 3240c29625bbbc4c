"""Reads of the editorial domain, always scoped to one zone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from accounts import permissions
from accounts.models import Role
from editorial.models import Channel, Item, Post, Publication, Value, Zone


@dataclass(frozen=True)
class ZoneOverview:
    values: list[Value]
    channels: list[Channel]
    items_new: int
    items_mine: list[Item]
    posts_by_status: dict[str, int]
    publications_needing_attention: int
    several_units: bool = False  # a unit head of more than one unit


def zone_active_values(*, zone: Zone) -> QuerySet[Value]:
    return Value.objects.filter(zone=zone, is_active=True).order_by("order", "name")


def zone_overview(*, zone: Zone, user: Any) -> ZoneOverview:
    """What the dashboard shows; a fixed number of queries whatever the number of posts and items."""
    post_counts = Post.objects.filter(zone=zone).aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in Post.Status.values}
    )
    items_mine: list[Item] = []
    own_units = permissions.unit_ids_in(user, zone) if Role.UNIT_HEAD in permissions.roles_in(user, zone) else set()
    if own_units:
        items_mine = list(
            Item.objects.filter(zone=zone, unit_id__in=own_units)
            .select_related("unit", "category", "locality")
            .order_by("-created_at")[:20]
        )
    return ZoneOverview(
        values=list(zone_active_values(zone=zone)),
        channels=list(Channel.objects.filter(zone=zone).defer("credentials_encrypted").order_by("kind", "name")),
        items_new=Item.objects.filter(zone=zone, status=Item.Status.NEW).count(),
        items_mine=items_mine,
        several_units=len(own_units) > 1,
        posts_by_status=post_counts,
        publications_needing_attention=Publication.objects.filter(
            post__zone=zone, status__in=[Publication.Status.FAILED, Publication.Status.UNKNOWN]
        ).count(),
    )
