"""Reads of the multi-step review (issue 13, point 6): where a post stands with the sign-off its category asks for,
and the posts waiting for a unit head's sign-off. Fixed query counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet

from accounts import permissions
from editorial.fingerprint import post_fingerprint
from editorial.models import Post, SignOff, Unit, Zone

# The dashboard shows the first rows; the unit head opens each post from there.
DASHBOARD_ROWS = 15


@dataclass(frozen=True)
class SignOffState:
    """The sign-off a post's category asks for: by the head of ``unit``. ``current`` is the sign-off of the post
    as it is now (None: still to give); ``earlier`` the last one given to a version since changed (void)."""

    unit: Unit
    current: SignOff | None
    earlier: SignOff | None

    @property
    def done(self) -> bool:
        return self.current is not None


def signoff_state(*, post: Post, fingerprint: str | None = None) -> SignOffState | None:
    """None when the post's category asks for no sign-off. ``fingerprint``: the post's current one, when the
    caller has it already."""
    category = post.category
    if category is None or category.signoff_unit_id is None:
        return None
    fingerprint = fingerprint if fingerprint is not None else post_fingerprint(post=post)
    signoffs = list(
        SignOff.objects.filter(post=post, unit_id=category.signoff_unit_id)
        .select_related("signed_by", "unit")
        .order_by("-created_at", "-pk")
    )
    current = next((s for s in signoffs if s.fingerprint == fingerprint), None)
    earlier = next((s for s in signoffs if s.fingerprint != fingerprint), None) if current is None else None
    return SignOffState(unit=category.signoff_unit, current=current, earlier=earlier)


def awaiting_signoff(*, user: Any, zone: Zone) -> list[Post]:
    """The posts in review whose category asks for the sign-off of a unit this user heads, and that no sign-off of
    that unit covers since they were last submitted (an edit sends a post back to draft, and a new submission
    starts again; the review page checks the fingerprint itself). Oldest due first; not the user's own posts."""
    units = permissions.unit_ids_in(user, zone)
    if not units:
        return []
    signed = SignOff.objects.filter(
        post=OuterRef("pk"), unit_id=OuterRef("category__signoff_unit_id"), created_at__gte=OuterRef("updated_at")
    )
    posts: QuerySet[Post] = (
        Post.objects.filter(zone=zone, status=Post.Status.IN_REVIEW, category__signoff_unit_id__in=units)
        .exclude(author_id=user.pk)
        .annotate(signed=Exists(signed))
        .filter(signed=False)
        .select_related("category__signoff_unit", "author")
        .order_by(F("planned_at").asc(nulls_last=True), "pk")
    )
    return list(posts[:DASHBOARD_ROWS])
