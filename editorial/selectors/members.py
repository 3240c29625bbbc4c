"""Reads of the zone's members and their delegated rights (issue 13, point 3), for the pages of the administrator
and the director, and the unit head's own dashboard. Fixed query counts, whatever the number of members or
rights."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import Grant, Membership
from editorial.models import Post, PostOrigin, Zone

# The dashboard shows the first rows of the unit head's own posts.
MY_POSTS_ROWS = 15


def grant_sentence(grant: Grant) -> str:
    """What the right lets its holder do, in plain words: "Publishes from approved templates on Police Mons-Quévy
    (X) for Contrôle vitesse, Travaux." Channels and categories come prefetched, in the order they are shown."""
    channels = ", ".join(channel.label for channel in grant.channels.all()) or "—"
    categories = ", ".join(category.name for category in grant.categories.all()) or "—"
    if grant.scope == Grant.Scope.POSTS:
        return _(
            "Publishes from approved templates, writes posts for the director's review and publishes urgent posts, on "
            "%(channels)s, for %(categories)s."
        ) % {"channels": channels, "categories": categories}
    return _("Publishes from approved templates on %(channels)s, for %(categories)s.") % {
        "channels": channels,
        "categories": categories,
    }


@dataclass(frozen=True)
class GrantLine:
    grant: Grant
    sentence: str


@dataclass(frozen=True)
class MemberRow:
    membership: Membership
    grants: list[GrantLine]  # active ones only


def _grants() -> QuerySet[Grant]:
    return (
        Grant.objects.select_related("granted_by", "revoked_by")
        .prefetch_related("channels", "categories")
        .order_by("-granted_at", "-pk")
    )


def _lines(grants: list[Grant]) -> list[GrantLine]:
    return [GrantLine(grant=grant, sentence=grant_sentence(grant)) for grant in grants]


def zone_members(*, zone: Zone) -> list[MemberRow]:
    """The zone's memberships, active ones first, by role and name, each with its active delegated rights."""
    memberships = (
        Membership.objects.filter(zone=zone)
        .select_related("user", "unit")
        .prefetch_related(
            Prefetch("grants", queryset=_grants().filter(revoked_at__isnull=True), to_attr="active_grants")
        )
        .order_by("-is_active", "role", "user__last_name", "user__first_name", "user__username", "pk")
    )
    return [MemberRow(membership=m, grants=_lines(m.active_grants)) for m in memberships]


@dataclass(frozen=True)
class MemberPage:
    membership: Membership
    active: list[GrantLine]
    revoked: list[GrantLine]
    # The person's other memberships in the zone (a head of two units, say): the page links to them.
    others: list[Membership]


def member_page(*, membership: Membership) -> MemberPage:
    grants = list(_grants().filter(membership=membership))
    others = list(
        Membership.objects.filter(zone_id=membership.zone_id, user_id=membership.user_id)
        .exclude(pk=membership.pk)
        .select_related("unit")
        .order_by("role", "pk")
    )
    return MemberPage(
        membership=membership,
        active=_lines([g for g in grants if g.revoked_at is None]),
        revoked=_lines([g for g in grants if g.revoked_at is not None]),
        others=others,
    )


def my_grants(*, user: object, zone: Zone) -> list[GrantLine]:
    """The delegated rights the user holds in the zone now, for their dashboard (read with their other rights)."""
    return _lines(permissions.active_grants(user, zone))


def my_posts(*, user: object, zone: Zone) -> list[Post]:
    """The posts a unit head wrote under a delegated right that are still open (draft, in review, approved), most
    recent first, for their dashboard."""
    open_statuses = [Post.Status.DRAFT, Post.Status.IN_REVIEW, Post.Status.APPROVED]
    posts = Post.objects.filter(zone=zone, author=user, origin=PostOrigin.REVIEWED, status__in=open_statuses)
    return list(posts.select_related("category").order_by("-updated_at", "-pk")[:MY_POSTS_ROWS])
