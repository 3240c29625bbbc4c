"""The zone's members and their delegated rights (issue 13, point 3): the list, and one member's page where the
zone's administrator or director grants a right to a unit head and withdraws it.

The pages live beside the zone's other pages (``z/<zone>/members/``): they are about one zone's people, with the
zone's navigation and its 404-for-another-zone rule; the rights themselves are ``accounts.grants``'."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import grants, permissions
from accounts.models import Grant, Membership, Role
from accounts.reauth import recent_auth_required
from editorial.errors import WorkflowError
from editorial.forms.members import GrantForm, RevokeForm
from editorial.models import Category, Zone
from editorial.selectors import members as member_selectors
from editorial.selectors.posts import zone_channels


def _zone_for_grants(user: Any, zone_slug: str) -> Zone:
    """The user's zone (404 if they are not a member of it), and 403 unless they manage its delegated rights."""
    zone = permissions.zone_for_user_or_404(user, zone_slug)
    if not permissions.can_manage_grants(user, zone):
        raise PermissionDenied
    return zone


def _membership(zone: Zone, membership_id: int) -> Membership:
    try:
        return Membership.objects.select_related("user", "unit", "zone").get(pk=membership_id, zone=zone)
    except Membership.DoesNotExist:
        raise Http404 from None


def _grant_form(zone: Zone, data: Any = None) -> GrantForm:
    return GrantForm(
        data,
        channels=list(zone_channels(zone=zone)),
        categories=list(Category.objects.filter(zone=zone).order_by("name")),
    )


@login_required
@require_safe
def member_list(request: HttpRequest, zone_slug: str) -> HttpResponse:
    zone = _zone_for_grants(request.user, zone_slug)
    return render(
        request, "editorial/member_list.html", {"zone": zone, "rows": member_selectors.zone_members(zone=zone)}
    )


def _render_member(
    request: HttpRequest,
    zone: Zone,
    membership: Membership,
    *,
    form: GrantForm | None = None,
    revoke_form: RevokeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    may_receive = membership.role == Role.UNIT_HEAD and membership.is_active
    is_self = membership.user_id == request.user.pk
    if form is None and may_receive and not is_self:
        form = _grant_form(zone)
    return render(
        request,
        "editorial/member_detail.html",
        {
            "zone": zone,
            "page": member_selectors.member_page(membership=membership),
            "membership": membership,
            "form": form if may_receive and not is_self else None,
            "error_links": form.error_links() if form is not None and form.is_bound else [],
            "may_receive": may_receive,
            "is_self": is_self,
            "revoke_form": revoke_form,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@recent_auth_required
def member_detail(request: HttpRequest, zone_slug: str, membership_id: int) -> HttpResponse:
    """GET: the member, their role and their rights (active and withdrawn); POST: grant a right."""
    zone = _zone_for_grants(request.user, zone_slug)
    membership = _membership(zone, membership_id)
    if request.method != "POST":
        return _render_member(request, zone, membership)
    form = _grant_form(zone, request.POST)
    if form.is_valid():
        try:
            grants.grant_create(
                actor=request.user,
                membership=membership,
                scope=form.cleaned_data["scope"],
                channels=form.chosen_channels,
                categories=form.chosen_categories,
            )
        except WorkflowError as error:
            form.add_refusal(error)
        else:
            messages.success(
                request,
                _("The right is delegated to %(name)s: it applies from their next page.")
                % {"name": membership.user.get_full_name() or membership.user.username},
            )
            return redirect("editorial:member_detail", zone_slug=zone.slug, membership_id=membership.pk)
    return _render_member(request, zone, membership, form=form)


@login_required
@require_POST
@recent_auth_required
def grant_revoke(request: HttpRequest, zone_slug: str, membership_id: int) -> HttpResponse:
    """Withdraw one of the member's rights (``grant``: its id), with an optional reason."""
    zone = _zone_for_grants(request.user, zone_slug)
    membership = _membership(zone, membership_id)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        if "grant" in form.errors:
            # Only a page sent incompletely lacks it: nothing to show again.
            messages.error(request, _("Choose the right to withdraw from the list below."))
            return redirect("editorial:member_detail", zone_slug=zone.slug, membership_id=membership.pk)
        return _render_member(request, zone, membership, revoke_form=form)
    grant = Grant.objects.filter(pk=form.cleaned_data["grant"], membership=membership, zone=zone).first()
    if grant is None:
        raise Http404
    try:
        grants.grant_revoke(actor=request.user, grant=grant, reason=form.cleaned_data["reason"])
    except WorkflowError as error:
        messages.warning(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The right is withdrawn: %(name)s can no longer use it, even in a page already open.")
            % {"name": membership.user.get_full_name() or membership.user.username},
        )
    return redirect("editorial:member_detail", zone_slug=zone.slug, membership_id=membership.pk)
