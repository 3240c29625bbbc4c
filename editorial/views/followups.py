"""Follow-ups (issue 13, point 5): the list of pending ones, and the page where one is published in the second
click ("Publish now"; the first is the dashboard's link) or marked not needed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts import permissions
from accounts.permissions import Right
from editorial import fastlane, followups
from editorial.errors import WorkflowError
from editorial.forms.followups import DismissForm
from editorial.models import Channel, FollowUp, Zone
from editorial.selectors import followups as selectors


def _follow_up_for_user(user: Any, zone_slug: str, follow_up_id: int) -> tuple[Zone, FollowUp]:
    """404 for another zone's follow-up or an unknown id, 403 for one whose original the user may not read."""
    zone = permissions.zone_for_user_or_404(user, zone_slug)
    follow_up = selectors.follow_up_for_page(zone=zone, follow_up_id=follow_up_id)
    if follow_up is None:
        raise Http404
    if not permissions.can_view_follow_up(user, follow_up):
        raise PermissionDenied
    return zone, follow_up


def _sees_all(user: Any, zone: Zone) -> bool:
    return permissions.has_right(user, zone, Right.VIEW_PLAN)


@login_required
@require_safe
def follow_up_list(request: HttpRequest, zone_slug: str) -> HttpResponse:
    """The pending follow-ups: the zone's for the officers and the director, a unit head's own otherwise."""
    zone = permissions.zone_for_user_or_404(request.user, zone_slug)
    sees_all = _sees_all(request.user, zone)
    if not sees_all and not permissions.can_use_templates(request.user, zone):
        raise PermissionDenied
    Channel.read_networks(zone.pk)
    rows = selectors.follow_ups_pending(zone=zone, author_id=None if sees_all else request.user.pk)
    return render(request, "editorial/follow_up_list.html", {"zone": zone, "follow_ups": rows, "now": timezone.now()})


def _render_page(
    request: HttpRequest, zone: Zone, follow_up: FollowUp, *, dismiss_form: DismissForm | None = None, status: int = 200
) -> HttpResponse:
    page = selectors.follow_up_page(follow_up=follow_up)
    pending = follow_up.status == FollowUp.Status.PENDING
    can_act = pending and bool(
        followups.follow_up_publishing_right(actor=request.user, follow_up=follow_up, channels=page.channels_out)
    )
    context = {
        "zone": zone,
        "follow_up": follow_up,
        "page": page,
        "post": follow_up.post,
        "now": timezone.now(),
        "can_publish": can_act and bool(page.channels_out),
        "can_dismiss": pending and bool(followups.follow_up_publishing_right(actor=request.user, follow_up=follow_up)),
        "dismiss_form": dismiss_form or DismissForm(),
    }
    return render(request, "editorial/follow_up_detail.html", context, status=status)


@login_required
@require_safe
def follow_up_detail(request: HttpRequest, zone_slug: str, follow_up_id: int) -> HttpResponse:
    zone, follow_up = _follow_up_for_user(request.user, zone_slug, follow_up_id)
    return _render_page(request, zone, follow_up)


@login_required
@require_POST
def follow_up_publish(request: HttpRequest, zone_slug: str, follow_up_id: int) -> HttpResponse:
    zone, follow_up = _follow_up_for_user(request.user, zone_slug, follow_up_id)
    try:
        post = fastlane.follow_up_publish(actor=request.user, follow_up=follow_up)
    except PermissionDenied:
        # Read again at submission: a delegated right withdrawn while the page was open refuses it (a 403 that
        # still reads as the page, with the reason).
        messages.error(request, _("You may not publish this follow-up (any more): nothing was sent."))
        return _render_page(request, zone, follow_up, status=403)
    except WorkflowError as error:
        messages.error(request, " ".join(str(m) for m in error.messages))
        return redirect("editorial:follow_up_detail", zone_slug=zone.slug, follow_up_id=follow_up.pk)
    messages.success(request, _("The follow-up is on its way, as a reply to the original post."))
    return redirect("editorial:post_detail", zone_slug=zone.slug, post_id=post.pk)


@login_required
@require_POST
def follow_up_dismiss(request: HttpRequest, zone_slug: str, follow_up_id: int) -> HttpResponse:
    zone, follow_up = _follow_up_for_user(request.user, zone_slug, follow_up_id)
    form = DismissForm(request.POST)
    if not followups.follow_up_publishing_right(actor=request.user, follow_up=follow_up):
        messages.error(request, _("Only who may publish this follow-up may say it is not needed."))
        return _render_page(request, zone, follow_up, status=403)
    if form.is_valid():
        try:
            followups.follow_up_dismiss(actor=request.user, follow_up=follow_up, reason=form.cleaned_data["reason"])
        except PermissionDenied:
            messages.error(request, _("Only who may publish this follow-up may say it is not needed."))
            return _render_page(request, zone, follow_up, status=403)
        except WorkflowError as error:
            messages.error(request, " ".join(str(m) for m in error.messages))
        else:
            messages.success(request, _("The follow-up is marked not needed."))
        return redirect("editorial:follow_up_detail", zone_slug=zone.slug, follow_up_id=follow_up.pk)
    # No reason: the page again, with what was typed and the message at the field.
    return _render_page(request, zone, follow_up, dismiss_form=form)
