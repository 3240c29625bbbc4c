"""One way to reach a zone's objects from a URL: other zones' objects and unknown ids are a 404, a missing
right is a 403 (healthchecks' ``_get_check_for_user`` pattern)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts import permissions
from accounts.permissions import Right
from editorial.models import Item, Post, Zone


def zone_with_right(user: Any, zone_slug: str, right: Right) -> Zone:
    """The user's zone (404 if they are not a member), and 403 unless they hold ``right`` in it."""
    zone = permissions.zone_for_user_or_404(user, zone_slug)
    if not permissions.has_right(user, zone, right):
        raise PermissionDenied
    return zone


def zone_for_drafting(user: Any, zone_slug: str) -> Zone:
    """The user's zone (404 if they are not a member), and 403 unless they may draft posts in it: the officers, and
    unit heads under a grant of scope "posts" (``permissions.can_draft_post``)."""
    zone = permissions.zone_for_user_or_404(user, zone_slug)
    if not permissions.can_draft_post(user, zone):
        raise PermissionDenied
    return zone


def post_for_user(user: Any, zone_slug: str, post_id: int) -> tuple[Zone, Post]:
    """The post if the user may read it: 404 for another zone's post, 403 for one they may not see."""
    zone = permissions.zone_for_user_or_404(user, zone_slug)
    try:
        post = Post.objects.select_related("zone", "item", "category", "locality", "author").get(pk=post_id, zone=zone)
    except Post.DoesNotExist:
        raise Http404 from None
    if not permissions.can_view_post(user, post):
        raise PermissionDenied
    return zone, post


def item_for_user(user: Any, zone_slug: str, item_id: int) -> tuple[Zone, Item]:
    zone = permissions.zone_for_user_or_404(user, zone_slug)
    try:
        item = Item.objects.select_related("zone", "unit", "category", "locality", "submitted_by").get(
            pk=item_id, zone=zone
        )
    except Item.DoesNotExist:
        raise Http404 from None
    if not permissions.can_view_item(user, item):
        raise PermissionDenied
    return zone, item
