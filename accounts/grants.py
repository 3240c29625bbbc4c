"""Delegated rights (issue 13, point 3): the zone's administrator or director lets a unit head publish on some
channels, for some categories, from approved templates only or also free posts (reviewed first) and urgent posts.

A right is granted and withdrawn here, never deleted: the record says who could publish what, when, and who
decided it. It is read in ``accounts.permissions`` (``active_grants``...) at every request, on the request's own
user object, so a right withdrawn while a form is open is refused when the form is sent.

Errors: ``PermissionDenied`` when the actor may not manage rights in the zone, or names a channel or a category of
another zone (as if it did not exist); ``WorkflowError`` (a ValidationError, for the form) when the request is
refused as it stands, each with a code so that the page shows it at its field.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import Grant, Membership, Role
from editorial.audit import audit_record
from editorial.errors import WorkflowError
from editorial.models import Category, Channel


def _audit_data(grant: Grant, membership: Membership, channels: list[Channel], categories: list[Category]) -> dict:
    return {
        "member": membership.user.get_username(),
        "unit": membership.unit.name if membership.unit_id else "",
        "scope": grant.scope,
        "channels": sorted(channel.pk for channel in channels),
        "categories": sorted(category.pk for category in categories),
    }


def grant_create(
    *,
    actor: Any,
    membership: Membership,
    scope: str,
    channels: Iterable[Channel],
    categories: Iterable[Category],
) -> Grant:
    """Delegate a right to the head of a unit (``membership``: an active unit-head membership) in its zone.

    Refused with ``PermissionDenied`` unless the actor may manage rights in that zone (its administrator or
    director) and every channel and category is the zone's; with ``WorkflowError`` for a membership that is not an
    active unit head's (``not_unit_head``), a right given to oneself (``self``), an unknown scope (``scope``), no
    channel (``channels_missing``) or no category (``categories_missing``)."""
    zone = membership.zone
    if not permissions.can_manage_grants(actor, zone):
        raise PermissionDenied
    channels, categories = list(channels), list(categories)
    if any(obj.zone_id != zone.pk for obj in [*channels, *categories]):
        raise PermissionDenied
    problems: list[WorkflowError] = []
    if not membership.is_active or membership.role != Role.UNIT_HEAD:
        problems.append(WorkflowError(_("Rights are delegated to an active unit head only."), code="not_unit_head"))
    if membership.user_id == getattr(actor, "pk", None):
        problems.append(
            WorkflowError(
                _("Nobody delegates a right to themselves: ask another administrator or the director."), code="self"
            )
        )
    if scope not in Grant.Scope.values:
        problems.append(WorkflowError(_("Choose what the unit head may publish."), code="scope"))
    if not channels:
        problems.append(WorkflowError(_("Choose at least one channel."), code="channels_missing"))
    if not categories:
        problems.append(WorkflowError(_("Choose at least one category."), code="categories_missing"))
    if problems:
        raise WorkflowError(problems)
    with transaction.atomic():
        grant = Grant.objects.create(
            membership=membership, zone=zone, scope=scope, granted_by=actor, granted_at=timezone.now()
        )
        grant.channels.set(channels)
        grant.categories.set(categories)
        audit_record(
            action="accounts.grant.create",
            actor=actor,
            zone=zone,
            obj=grant,
            data=_audit_data(grant, membership, channels, categories),
        )
    # Whoever holds this user object in this request reads the rights again.
    permissions.forget(membership.user)
    return grant


def grant_revoke(*, actor: Any, grant: Grant, reason: str = "") -> Grant:
    """Withdraw a delegated right, at once: from the next request on, nothing is drafted, submitted or published
    under it (a form open meanwhile is refused when sent). Posts made under it stay as they are.

    Refused with ``PermissionDenied`` unless the actor may manage rights in the grant's zone; with
    ``WorkflowError`` when it was already withdrawn (by someone else meanwhile, say)."""
    if not permissions.can_manage_grants(actor, grant.zone):
        raise PermissionDenied
    reason = reason.strip()
    with transaction.atomic():
        now = timezone.now()
        # Conditional: of two people withdrawing the same right at once, one does it and the other is told.
        updated = Grant.objects.filter(pk=grant.pk, revoked_at__isnull=True).update(revoked_by=actor, revoked_at=now)
        if updated != 1:
            raise WorkflowError(_("This right was already withdrawn."), code="already_revoked")
        membership = Membership.objects.select_related("user", "unit").get(pk=grant.membership_id)
        data = _audit_data(grant, membership, list(grant.channels.all()), list(grant.categories.all()))
        if reason:
            data["reason"] = reason
        audit_record(action="accounts.grant.revoke", actor=actor, zone=grant.zone, obj=grant, data=data)
    grant.refresh_from_db()
    permissions.forget(membership.user)
    return grant
