"""Who may do what, to which object: the one place where roles are read.

Views, templates, admin classes and services ask these questions; none of them looks at roles itself.
Every answer is False for an inactive user, an inactive membership, or an object of another zone.
Rights are computed once per user object (memberships are cached on it), so asking many questions in one
request costs one query.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.http import Http404

from accounts.models import Grant, Membership, Role

if TYPE_CHECKING:
    from collections.abc import Iterable

    from editorial.models import Category, Channel, FollowUp, Item, Post, Template, Zone


class Right(StrEnum):
    """Zone-wide rights; object-level questions have their own functions below."""

    VIEW_ZONE = "view_zone"
    VIEW_PLAN = "view_plan"
    SUBMIT_ITEM = "submit_item"
    TRIAGE_ITEMS = "triage_items"
    DRAFT_POST = "draft_post"
    REVIEW_POST = "review_post"
    PUBLISH_POST = "publish_post"
    PAUSE_PUBLISHING = "pause_publishing"
    MANAGE_ZONE = "manage_zone"
    VIEW_AUDIT = "view_audit"


# The matrix: which role holds which zone-wide right. Tests walk it for every role.
RIGHTS: dict[Right, frozenset[str]] = {
    Right.VIEW_ZONE: frozenset({Role.OFFICER, Role.UNIT_HEAD, Role.DIRECTOR, Role.ADMIN}),
    Right.VIEW_PLAN: frozenset({Role.OFFICER, Role.DIRECTOR, Role.ADMIN}),
    Right.SUBMIT_ITEM: frozenset({Role.UNIT_HEAD, Role.OFFICER}),
    Right.TRIAGE_ITEMS: frozenset({Role.OFFICER}),
    Right.DRAFT_POST: frozenset({Role.OFFICER}),
    Right.REVIEW_POST: frozenset({Role.DIRECTOR}),
    Right.PUBLISH_POST: frozenset({Role.OFFICER}),
    # The emergency brake: whoever answers for the account may stop all sending.
    Right.PAUSE_PUBLISHING: frozenset({Role.OFFICER, Role.DIRECTOR, Role.ADMIN}),
    Right.MANAGE_ZONE: frozenset({Role.ADMIN}),
    Right.VIEW_AUDIT: frozenset({Role.DIRECTOR, Role.ADMIN}),
}


def _memberships(user: Any) -> list[Membership]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_desk_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user, is_active=True).select_related("zone", "unit"))
        user._desk_memberships = cached
    return cached


def forget(user: Any) -> None:
    """Drop the cached memberships and delegated rights (after they changed within the same request)."""
    for cached in ("_desk_memberships", "_desk_grants"):
        if hasattr(user, cached):
            delattr(user, cached)


def roles_in(user: Any, zone: Zone) -> set[str]:
    return {m.role for m in _memberships(user) if m.zone_id == zone.pk}


def unit_ids_in(user: Any, zone: Zone) -> set[int]:
    """The units this user heads in the zone."""
    return {m.unit_id for m in _memberships(user) if m.zone_id == zone.pk and m.unit_id is not None}


def zones_of(user: Any) -> list[Zone]:
    seen: dict[int, Zone] = {}
    for m in _memberships(user):
        seen.setdefault(m.zone_id, m.zone)
    return sorted(seen.values(), key=lambda z: z.name)


def zone_ids_with(user: Any, right: Right) -> set[int]:
    allowed = RIGHTS[right]
    return {m.zone_id for m in _memberships(user) if m.role in allowed}


def has_right(user: Any, zone: Zone, right: Right) -> bool:
    return bool(roles_in(user, zone) & RIGHTS[right])


def rights_in(user: Any, zone: Zone) -> set[Right]:
    """Every zone-wide right the user holds, for templates (``{% if 'draft_post' in rights %}``)."""
    roles = roles_in(user, zone)
    return {right for right, allowed in RIGHTS.items() if roles & allowed}


def zone_for_user_or_404(user: Any, slug: str) -> Zone:
    """The zone with this slug if the user is a member of it; otherwise 404, never a hint that it exists."""
    for zone in zones_of(user):
        if zone.slug == slug:
            return zone
    raise Http404


# --- Object-level questions ----------------------------------------------------------------------------


def can_view_item(user: Any, item: Item) -> bool:
    zone = item.zone
    if has_right(user, zone, Right.TRIAGE_ITEMS) or has_right(user, zone, Right.REVIEW_POST):
        return True
    # A unit head sees the items of their own unit only.
    return Role.UNIT_HEAD in roles_in(user, zone) and item.unit_id in unit_ids_in(user, zone)


def can_view_post(user: Any, post: Post) -> bool:
    zone = post.zone
    if has_right(user, zone, Right.VIEW_PLAN):
        return True
    if Role.UNIT_HEAD not in roles_in(user, zone):
        return False
    # A unit head follows the posts made from their unit's items, and those the officer shared with the unit;
    # they read the posts they wrote under a delegated right (even once it is withdrawn), and those of a category
    # that asks for their unit's sign-off.
    units = unit_ids_in(user, zone)
    if post.item_id is not None and post.item.unit_id in units:
        return True
    if post.author_id == user.pk:
        return True
    if any(unit.pk in units for unit in post.shared_with_units.all()):
        return True
    return post.category_id is not None and post.category.signoff_unit_id in units


def can_edit_post(user: Any, post: Post) -> bool:
    """Officers edit every post still open; a unit head the free posts they wrote, while a grant lets them draft
    (the services check, at each save, that a grant covers the post's category and channels)."""
    from editorial.models import Post as PostModel
    from editorial.models import PostOrigin

    editable = {PostModel.Status.DRAFT, PostModel.Status.IN_REVIEW, PostModel.Status.APPROVED}
    if post.status not in editable:
        return False
    if has_right(user, post.zone, Right.DRAFT_POST):
        return True
    return post.author_id == user.pk and post.origin == PostOrigin.REVIEWED and can_draft_post(user, post.zone)


def can_approve_post(user: Any, post: Post) -> bool:
    """Directors approve posts in review, except their own: nobody approves what they wrote."""
    from editorial.models import Post as PostModel

    return (
        post.status == PostModel.Status.IN_REVIEW
        and has_right(user, post.zone, Right.REVIEW_POST)
        and post.author_id != user.pk
    )


def can_publish_post(user: Any, post: Post) -> bool:
    from editorial.models import Post as PostModel

    return post.status == PostModel.Status.APPROVED and has_right(user, post.zone, Right.PUBLISH_POST)


def can_comment_post(user: Any, post: Post) -> bool:
    return can_view_post(user, post)


# --- Delegated rights and the fast lane (issue 13) -------------------------------------------------------------
# A unit head publishes only under a Grant of an active unit-head membership; officers publish under their role.
# Each question reads the grants again for a new user object (one query, cached on it like the memberships): a
# right withdrawn while a form was open is refused when the form is sent.


def active_grants(user: Any, zone: Zone) -> list[Grant]:
    """The user's delegated rights in the zone that are not revoked, on unit-head memberships that are active."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_desk_grants", None)
    if cached is None:
        memberships = [m.pk for m in _memberships(user) if m.role == Role.UNIT_HEAD]
        cached = list(
            Grant.objects.filter(membership_id__in=memberships, revoked_at__isnull=True)
            .select_related("membership__unit")
            .prefetch_related("channels", "categories")
            .order_by("pk")
        )
        user._desk_grants = cached
    return [grant for grant in cached if grant.zone_id == zone.pk]


def grant_covering(
    user: Any,
    zone: Zone,
    *,
    category: Category | None,
    channels: Iterable[Channel],
    free_posts: bool = False,
) -> Grant | None:
    """The user's first active grant that covers this category and every one of these channels (and free and
    urgent posts when ``free_posts``); None if none does. A post without a category is never delegated."""
    if category is None:
        return None
    wanted = {channel.pk for channel in channels}
    if not wanted:
        return None
    for grant in active_grants(user, zone):
        if free_posts and grant.scope != Grant.Scope.POSTS:
            continue
        if category.pk not in {c.pk for c in grant.categories.all()}:
            continue
        if wanted <= {c.pk for c in grant.channels.all()}:
            return grant
    return None


def publishing_right(
    user: Any, zone: Zone, *, category: Category | None, channels: Iterable[Channel], free_posts: bool = False
) -> str:
    """The right under which the user may publish in the fast lane, as recorded on the post: "role:officer", or
    "grant:<id>"; "" when they may not."""
    if has_right(user, zone, Right.PUBLISH_POST):
        return "role:officer"
    grant = grant_covering(user, zone, category=category, channels=channels, free_posts=free_posts)
    return f"grant:{grant.pk}" if grant is not None else ""


def can_draft_post(user: Any, zone: Zone) -> bool:
    """Officers draft any post; a unit head drafts free posts (reviewed first, like the officer's) under a grant of
    scope "posts", for its categories and on its channels only."""
    if has_right(user, zone, Right.DRAFT_POST):
        return True
    return any(grant.scope == Grant.Scope.POSTS for grant in active_grants(user, zone))


def drafting_limits(user: Any, zone: Zone) -> tuple[set[int], set[int]] | None:
    """What a post the user drafts may use: None for an officer (the whole zone), else the ids of the categories
    and of the channels the user's free-post grants cover (each pair still has to be covered by one grant:
    ``draft_right``)."""
    if has_right(user, zone, Right.DRAFT_POST):
        return None
    categories: set[int] = set()
    channels: set[int] = set()
    for grant in active_grants(user, zone):
        if grant.scope == Grant.Scope.POSTS:
            categories |= {category.pk for category in grant.categories.all()}
            channels |= {channel.pk for channel in grant.channels.all()}
    return categories, channels


def can_start_urgent(user: Any, zone: Zone) -> bool:
    """Whether the urgent post's form is offered at all: the officer, or a unit head with a grant that allows free
    and urgent posts (the category and channels are checked when the form is sent: ``can_publish_urgent``)."""
    if not zone.urgent_posts_allowed:
        return False
    limits = drafting_limits(user, zone)
    return limits is None or bool(limits[0])


def draft_right(user: Any, zone: Zone, *, category: Category | None, channels: Iterable[Channel]) -> str:
    """The right under which the user drafts a post of this category on these channels: "role:officer", or
    "grant:<id>" (a unit head's grant of scope "posts" that covers them); "" when they may not."""
    if has_right(user, zone, Right.DRAFT_POST):
        return "role:officer"
    grant = grant_covering(user, zone, category=category, channels=channels, free_posts=True)
    return f"grant:{grant.pk}" if grant is not None else ""


def can_duplicate_post(user: Any, post: Post, *, channels: Iterable[Channel]) -> bool:
    """Make a new draft from a post of any state (``channels``: the post's): whoever reads it and may draft a post of
    its category on its channels (the officers; a unit head within a grant of scope "posts")."""
    return can_view_post(user, post) and bool(draft_right(user, post.zone, category=post.category, channels=channels))


def can_use_templates(user: Any, zone: Zone) -> bool:
    """Whether the user may publish from some template at all (the officers, and unit heads with a grant)."""
    return has_right(user, zone, Right.PUBLISH_POST) or bool(active_grants(user, zone))


def can_publish_template(user: Any, template: Template, channels: Iterable[Channel] | None = None) -> bool:
    """Publish an instance of this approved template on these channels (all of the template's when None)."""
    from editorial.models import Template as TemplateModel

    if template.status != TemplateModel.Status.APPROVED or template.approved_version_id is None:
        return False
    if channels is None:
        from editorial.models import Channel as ChannelModel

        ids = [int(pk) for pk in (template.approved_version.texts or {})]
        channels = list(ChannelModel.objects.filter(zone=template.zone, pk__in=ids))
    return bool(publishing_right(user, template.zone, category=template.category, channels=channels))


def can_publish_urgent(user: Any, zone: Zone, *, category: Category | None, channels: Iterable[Channel]) -> bool:
    """An urgent post (not from a template): the officer, or a unit head whose grant allows free posts for this
    category on these channels; never when the zone turned urgent posts off."""
    if not zone.urgent_posts_allowed:
        return False
    return bool(publishing_right(user, zone, category=category, channels=channels, free_posts=True))


def can_write_templates(user: Any, zone: Zone) -> bool:
    """Officers write and edit templates; the director approves them like posts."""
    return has_right(user, zone, Right.DRAFT_POST)


def can_review_templates(user: Any, zone: Zone) -> bool:
    return has_right(user, zone, Right.REVIEW_POST)


def can_review_after(user: Any, zone: Zone) -> bool:
    """The director reads and acknowledges what the fast lane published."""
    return has_right(user, zone, Right.REVIEW_POST)


def can_manage_grants(user: Any, zone: Zone) -> bool:
    """The zone's administrator, or its director, delegates publishing rights to unit heads."""
    return has_right(user, zone, Right.MANAGE_ZONE) or has_right(user, zone, Right.REVIEW_POST)


def can_set_time_budget(user: Any, zone: Zone) -> bool:
    """The zone's administrator, or its director, sets the daily time budget and its split (issue 14)."""
    return has_right(user, zone, Right.MANAGE_ZONE) or has_right(user, zone, Right.REVIEW_POST)


def can_view_team_time(user: Any, zone: Zone) -> bool:
    """The director sees each member's active time in the desk; everyone else sees only their own."""
    return has_right(user, zone, Right.REVIEW_POST)


def can_view_reports(user: Any, zone: Zone) -> bool:
    """The zone's reports (issue 14): its officers and directors, who answer for what goes out."""
    return has_right(user, zone, Right.DRAFT_POST) or has_right(user, zone, Right.REVIEW_POST)


def can_view_archive(user: Any, zone: Zone) -> bool:
    """The archive of what went out and its exports (issue 16): the zone's officers and directors."""
    return has_right(user, zone, Right.DRAFT_POST) or has_right(user, zone, Right.REVIEW_POST)


def can_view_evidence(user: Any, post: Post) -> bool:
    """The evidence record of a post and its exports (issue 16): the zone's officers and directors, who answer for
    what went out; it names reviewers and carries the notes on the values, so not the unit heads nor the zone's
    administrator."""
    return has_right(user, post.zone, Right.DRAFT_POST) or has_right(user, post.zone, Right.REVIEW_POST)


def can_receive_weekly_report(user: Any, zone: Zone) -> bool:
    """The week's report by e-mail on Monday morning is the director's to ask for (opt-in, on the reports page)."""
    return has_right(user, zone, Right.REVIEW_POST)


def can_sign_off_post(user: Any, post: Post) -> bool:
    """A category may ask for a unit head's sign-off before the director approves (multi-step review): the head
    of that unit signs off a post in review, unless they wrote it."""
    from editorial.models import Post as PostModel

    return post.status == PostModel.Status.IN_REVIEW and signs_off_for(user, post)


def signs_off_for(user: Any, post: Post) -> bool:
    """Whether the user heads the unit whose sign-off the post's category asks for, and did not write the post:
    the one who signs it off once it is in review (``can_sign_off_post``), whatever its state now."""
    category = post.category
    if category is None or category.signoff_unit_id is None or post.author_id == user.pk:
        return False
    return Role.UNIT_HEAD in roles_in(user, post.zone) and category.signoff_unit_id in unit_ids_in(user, post.zone)


def can_view_follow_up(user: Any, follow_up: FollowUp) -> bool:
    """A follow-up is seen by whoever may read its original post, and by the original's author (a unit head who
    published it from a template under a delegated right) while they belong to the zone. Publishing it is asked of
    ``publishing_right``, like its original."""
    post = follow_up.post
    if post.author_id == user.pk and roles_in(user, post.zone):
        return True
    return can_view_post(user, post)


def can_manage_zone(user: Any, zone: Zone) -> bool:
    return has_right(user, zone, Right.MANAGE_ZONE)


def can_watch_publishing(user: Any, zone: Zone) -> bool:
    """Officers and directors answer for what goes out: they see the publications that need a person (failed,
    unknown, late, stuck) and hear when the publishing service is late or stopped."""
    return has_right(user, zone, Right.DRAFT_POST) or has_right(user, zone, Right.REVIEW_POST)


# Roles that speak for the police or set the desk up: a password alone never opens the desk for them.
MFA_ROLES = frozenset({Role.OFFICER, Role.DIRECTOR, Role.ADMIN})


def mfa_required(user: Any) -> bool:
    """Whether this user must pass a second factor: officers, directors, administrators and staff accounts
    always; unit heads when one of their zones asks for it (``Zone.unit_heads_require_mfa``)."""
    # Any User object counts as authenticated, also between the password and the second factor.
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser or user.is_staff:
        return True
    for m in _memberships(user):
        if m.role in MFA_ROLES or (m.role == Role.UNIT_HEAD and m.zone.unit_heads_require_mfa):
            return True
    return False


def admin_zone_ids(user: Any) -> set[int] | None:
    """Zones a user may set up in the Django admin; None means every zone (superuser)."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return None
    return zone_ids_with(user, Right.MANAGE_ZONE)
