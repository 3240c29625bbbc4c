"""Moving a post in the plan (issue 14, point 3): the drag and drop of the week and month views and their Move form.

A move is an edit of the planned time like any other: it goes through ``services.post_update``, which voids an
approval or a pending review (the fingerprint covers the time), cancels the publications not yet started and
writes the audit event. What this adds is what a drag needs: the page's version of the post, compared under the
post's row lock, so that a drag made on a page that no longer shows the post as it is is refused rather than
applied on top of someone else's change; and an explicit yes before an approval is voided.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import permissions
from editorial import services
from editorial.errors import WorkflowError
from editorial.locks import post_lock
from editorial.models import Post, Publication
from editorial.selectors.plan import post_version

# A publication in one of these states may be online: the post stays where it went out.
_OUT_OR_GOING = (Publication.Status.SENDING, Publication.Status.PUBLISHED, Publication.Status.UNKNOWN)
VOIDED_BY_A_MOVE = (Post.Status.APPROVED, Post.Status.IN_REVIEW)


def post_move(*, actor: Any, post: Post, planned_at: dt.datetime, version: str, void_confirmed: bool = False) -> Post:
    """Plan ``post`` at ``planned_at`` (aware), if it is still the version ``version`` the page showed.

    Raises ``PermissionDenied`` when the actor may not edit the post, and ``WorkflowError`` with the code
    ``stale`` when the post changed since the page showed it, ``sent`` when one of its publications is being sent
    or may be online, ``confirm`` when the move would void an approval or a pending review and ``void_confirmed``
    is not set. Moving a post to the time it already has changes nothing (and writes nothing)."""
    with transaction.atomic():
        locked = post_lock(post)
        if not permissions.can_edit_post(actor, locked):
            if locked.status in (Post.Status.PUBLISHED, Post.Status.CANCELLED) and permissions.can_edit_post(
                actor, post
            ):
                # The page showed it open; it went out or was cancelled meanwhile.
                raise WorkflowError(_("This post changed since the page was shown: nothing was moved."), code="stale")
            raise PermissionDenied
        if post_version(locked) != version:
            raise WorkflowError(
                _("This post changed since the page was shown: nothing was moved. Here it is as it is now."),
                code="stale",
            )
        if Publication.objects.filter(post=locked, status__in=_OUT_OR_GOING).exists():
            raise WorkflowError(
                _("This post is being sent or was sent on a channel: it stays where it is."), code="sent"
            )
        if locked.planned_at == planned_at:
            return locked
        if locked.status in VOIDED_BY_A_MOVE and not void_confirmed:
            raise WorkflowError(
                _("Moving this post sends it back to draft: confirm that its approval or review is void."),
                code="confirm",
            )
        return services.post_update(actor=actor, post=locked, planned_at=planned_at)
