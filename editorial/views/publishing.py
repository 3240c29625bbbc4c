"""The officer's view of publishing: a post's publications (polled while they are on their way), the decisions a
person makes about an unknown outcome, "publish now", cancelling, the zone's publications that need a person, and
the channels page with its pauses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST, require_safe

from accounts import permissions
from accounts.permissions import Right
from accounts.reauth import recent_auth_required
from editorial import publishing
from editorial.forms.publishing import (
    ConfirmPublishedForm,
    LeaveUnsentForm,
    ReasonForm,
    SendAgainForm,
    publication_prefix,
    publications_block,
)
from editorial.models import Channel, Post, Publication, Zone
from editorial.publishers import PublishError
from editorial.selectors import plan as plan_selectors
from editorial.selectors import publishing as selectors
from editorial.services import WorkflowError
from editorial.views import posts as post_views
from editorial.views.access import post_for_user, zone_with_right


def _to_publications(zone: Zone, post: Post) -> HttpResponse:
    return redirect(reverse("editorial:post_detail", args=[zone.slug, post.pk]) + "#publications")


def _error(request: HttpRequest, error: WorkflowError) -> None:
    messages.error(request, " ".join(str(m) for m in error.messages))


# --- The post page's publications block ----------------------------------------------------------------


@login_required
@require_GET
def post_publications(request: HttpRequest, zone_slug: str, post_id: int) -> HttpResponse:
    """The publications block alone, for htmx to poll while publications are on their way, with the post's state
    and time swapped in beside it (out of band). Opened in the browser itself (a bookmark, a new tab: no HX-Request
    header), it sends the person to that block on the post page: a bare fragment is never served as a page."""
    zone, post = post_for_user(request.user, zone_slug, post_id)
    if request.headers.get("HX-Request") != "true":
        response = _to_publications(zone, post)
    else:
        block = publications_block(user=request.user, zone=zone, post=post)
        context = {
            "zone": zone,
            "post": post,
            "pubs": block,
            "going_out": plan_selectors.going_out(row.publication for row in block.rows),
            "oob": True,
        }
        response = render(request, "editorial/_publications.html", context)
    # The same address answers a fragment or a redirect: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def _officer_publication(
    request: HttpRequest, zone_slug: str, post_id: int, publication_id: int
) -> tuple[Zone, Post, Publication]:
    zone, post = post_for_user(request.user, zone_slug, post_id)
    # can_publish_post is False once the post is published, yet an unknown outcome still needs settling.
    if not permissions.has_right(request.user, zone, Right.PUBLISH_POST):
        raise PermissionDenied
    try:
        publication = Publication.objects.select_related("channel").get(pk=publication_id, post=post)
    except Publication.DoesNotExist:
        raise Http404 from None
    return zone, post, publication


def _post_page_with(request: HttpRequest, zone: Zone, post: Post, **forms: object) -> HttpResponse:
    """The post page again, with a refused form showing what was typed and what is wrong."""
    block = publications_block(user=request.user, zone=zone, post=post, **forms)
    return post_views._render_detail(request, zone, post, publications=block)


StrOrPromise = str | Promise


def _settle(
    request: HttpRequest,
    ids: tuple[str, int, int],
    form_class: type[forms.Form],
    decide: Callable[[Publication, dict[str, Any]], object],
    done: StrOrPromise,
) -> HttpResponse:
    """A person's decision about an unknown or failed outcome: the form of that publication, then ``decide`` with
    its cleaned data; ``done`` (with the channel's name) says it worked."""
    zone, post, publication = _officer_publication(request, *ids)
    form = form_class(request.POST, prefix=publication_prefix(publication.pk))
    if not form.is_valid():
        return _post_page_with(request, zone, post, bound={publication.pk: form})
    try:
        decide(publication, form.cleaned_data)
    except WorkflowError as error:
        _error(request, error)
    else:
        messages.success(request, done % {"channel": publication.channel.label})
    return _to_publications(zone, post)


@login_required
@require_POST
@recent_auth_required
def publication_confirm_published(
    request: HttpRequest, zone_slug: str, post_id: int, publication_id: int
) -> HttpResponse:
    return _settle(
        request,
        (zone_slug, post_id, publication_id),
        ConfirmPublishedForm,
        lambda publication, data: publishing.publication_confirm_published(
            actor=request.user, publication=publication, url=data["url"]
        ),
        _("The publication on %(channel)s is recorded as published."),
    )


@login_required
@require_POST
@recent_auth_required
def publication_leave_unsent(request: HttpRequest, zone_slug: str, post_id: int, publication_id: int) -> HttpResponse:
    """The post is not on the account and will not go out on this channel: a deliberate, logged choice."""
    return _settle(
        request,
        (zone_slug, post_id, publication_id),
        LeaveUnsentForm,
        lambda publication, data: publishing.publication_leave_unsent(
            actor=request.user, publication=publication, reason=data["reason"]
        ),
        _("The publication on %(channel)s will not be sent; the reason is in the history."),
    )


@login_required
@require_POST
@recent_auth_required
def publication_send_again(request: HttpRequest, zone_slug: str, post_id: int, publication_id: int) -> HttpResponse:
    """Sending again after an unknown outcome may publish twice: only on purpose, with the box ticked."""
    zone, post, publication = _officer_publication(request, zone_slug, post_id, publication_id)
    form = SendAgainForm(request.POST, prefix=publication_prefix(publication.pk))
    if not form.is_valid():
        return _post_page_with(request, zone, post, bound={publication.pk: form})
    try:
        publication = publishing.publication_send_again(actor=request.user, publication=publication)
    except WorkflowError as error:
        _error(request, error)
    except PermissionDenied:
        messages.error(request, _("Only a publication of an approved post can be sent again."))
    else:
        if publication.status == Publication.Status.QUEUED:
            messages.success(
                request, _("It is being sent again on %(channel)s.") % {"channel": publication.channel.label}
            )
        else:
            messages.warning(
                request,
                _("It will be sent again on %(channel)s once publishing is resumed.")
                % {"channel": publication.channel.label},
            )
    return _to_publications(zone, post)


@login_required
@require_POST
@recent_auth_required
def post_publish_now(request: HttpRequest, zone_slug: str, post_id: int) -> HttpResponse:
    zone, post = post_for_user(request.user, zone_slug, post_id)
    if not permissions.has_right(request.user, zone, Right.PUBLISH_POST):
        raise PermissionDenied
    if post.status != Post.Status.APPROVED:
        messages.error(request, _("Only an approved post can be published now."))
        return _to_publications(zone, post)
    queued = publishing.post_publish_now(actor=request.user, post=post)
    if queued:
        messages.success(request, _("The post is being sent now."))
    else:
        messages.warning(
            request,
            _(
                "Nothing could be sent now: publishing is paused in the zone or on the channel, or the post is "
                "already on its way. See the publications below."
            ),
        )
    return _to_publications(zone, post)


@login_required
@require_POST
def post_cancel(request: HttpRequest, zone_slug: str, post_id: int) -> HttpResponse:
    zone, post = post_for_user(request.user, zone_slug, post_id)
    if not permissions.has_right(request.user, zone, Right.DRAFT_POST):
        raise PermissionDenied
    form = ReasonForm(request.POST, prefix="cancel")
    if not form.is_valid():
        return _post_page_with(request, zone, post, cancel_form=form)
    try:
        publishing.post_cancel(actor=request.user, post=post, reason=form.cleaned_data["reason"])
    except WorkflowError as error:
        _error(request, error)
    else:
        messages.success(request, _("The post is cancelled: nothing of it will be sent."))
    return redirect("editorial:post_detail", zone_slug=zone.slug, post_id=post.pk)


# --- The zone's publications that need a person ----------------------------------------------------------

ATTENTION_PAGE_SIZE = 50


@login_required
@require_safe
def publications_attention(request: HttpRequest, zone_slug: str) -> HttpResponse:
    """Every publication of the zone a person must look at (late, stuck, unknown outcome, failed), in the order of
    ``problems_needing_a_person``; each one links to its post's publications, where the officer settles it."""
    zone = permissions.zone_for_user_or_404(request.user, zone_slug)
    if not permissions.can_watch_publishing(request.user, zone):
        raise PermissionDenied
    now = timezone.now()
    page = Paginator(selectors.problems_needing_a_person(zone=zone, now=now), ATTENTION_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "zone": zone,
        "page": page,
        "rows": selectors.publication_problems(page.object_list, now=now),
        "counts": selectors.problem_counts(zone=zone, now=now),
    }
    return render(request, "editorial/publications_attention.html", context)


# --- The channels page -----------------------------------------------------------------------------------


def _render_channels(
    request: HttpRequest,
    zone: Zone,
    *,
    pause_form: ReasonForm | None = None,
    channel_forms: dict[int, ReasonForm] | None = None,
) -> HttpResponse:
    user = request.user
    channel_forms = channel_forms or {}
    channels = list(selectors.zone_channels_state(zone=zone))
    rows = [
        (channel, channel_forms.get(channel.pk) or ReasonForm(prefix=f"channel-{channel.pk}")) for channel in channels
    ]
    context = {
        "zone": zone,
        "rows": rows,
        "pause_form": pause_form or ReasonForm(prefix="zone"),
        "resume_form": ReasonForm(prefix="resume", required=False),
        "can_test": permissions.has_right(user, zone, Right.PUBLISH_POST)
        or permissions.has_right(user, zone, Right.MANAGE_ZONE),
        "can_manage": permissions.can_manage_zone(user, zone),
    }
    return render(request, "editorial/channels.html", context)


@login_required
@require_safe
def channels(request: HttpRequest, zone_slug: str) -> HttpResponse:
    zone = zone_with_right(request.user, zone_slug, Right.PAUSE_PUBLISHING)
    return _render_channels(request, zone)


@login_required
@require_POST
def zone_pause(request: HttpRequest, zone_slug: str) -> HttpResponse:
    zone = zone_with_right(request.user, zone_slug, Right.PAUSE_PUBLISHING)
    form = ReasonForm(request.POST, prefix="zone")
    if not form.is_valid():
        return _render_channels(request, zone, pause_form=form)
    try:
        publishing.zone_pause(actor=request.user, zone=zone, reason=form.cleaned_data["reason"])
    except WorkflowError as error:
        _error(request, error)
    else:
        messages.success(request, _("All publishing in the zone is paused: nothing is sent until it is resumed."))
    return redirect("editorial:channels", zone_slug=zone.slug)


@login_required
@require_POST
@recent_auth_required
def zone_resume(request: HttpRequest, zone_slug: str) -> HttpResponse:
    zone = zone_with_right(request.user, zone_slug, Right.PAUSE_PUBLISHING)
    form = ReasonForm(request.POST, prefix="resume", required=False)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    publishing.zone_resume(actor=request.user, zone=zone, reason=reason)
    messages.success(request, _("Publishing is resumed: what is due goes out within a minute."))
    return redirect("editorial:channels", zone_slug=zone.slug)


def _channel(zone: Zone, channel_id: int) -> Channel:
    try:
        return selectors.channel_of_zone(zone=zone, channel_id=channel_id)
    except Channel.DoesNotExist:
        raise Http404 from None


@login_required
@require_POST
def channel_pause(request: HttpRequest, zone_slug: str, channel_id: int) -> HttpResponse:
    zone = zone_with_right(request.user, zone_slug, Right.PAUSE_PUBLISHING)
    channel = _channel(zone, channel_id)
    form = ReasonForm(request.POST, prefix=f"channel-{channel.pk}")
    if not form.is_valid():
        return _render_channels(request, zone, channel_forms={channel.pk: form})
    try:
        publishing.channel_pause(actor=request.user, channel=channel, reason=form.cleaned_data["reason"])
    except WorkflowError as error:
        _error(request, error)
    else:
        messages.success(request, _("%(channel)s is paused: nothing is sent on it.") % {"channel": channel.label})
    return redirect("editorial:channels", zone_slug=zone.slug)


@login_required
@require_POST
@recent_auth_required
def channel_resume(request: HttpRequest, zone_slug: str, channel_id: int) -> HttpResponse:
    zone = zone_with_right(request.user, zone_slug, Right.PAUSE_PUBLISHING)
    channel = _channel(zone, channel_id)
    try:
        publishing.channel_resume(actor=request.user, channel=channel)
    except WorkflowError as error:
        _error(request, error)
    else:
        messages.success(request, _("%(channel)s is active again.") % {"channel": channel.label})
    return redirect("editorial:channels", zone_slug=zone.slug)


@login_required
@require_POST
def channel_test(request: HttpRequest, zone_slug: str, channel_id: int) -> HttpResponse:
    """Ask the network whose account the credentials open; the answer (or the refusal) comes back as a message."""
    zone = permissions.zone_for_user_or_404(request.user, zone_slug)
    if not (
        permissions.has_right(request.user, zone, Right.PUBLISH_POST)
        or permissions.has_right(request.user, zone, Right.MANAGE_ZONE)
    ):
        raise PermissionDenied
    channel = _channel(zone, channel_id)
    try:
        account = publishing.channel_test_connection(actor=request.user, channel=channel)
    except PublishError as error:
        message = _("The connection to %(channel)s does not work: %(error)s") % {
            "channel": channel.label,
            "error": error.message,
        }
        if error.needs_reconnect:
            message = "{} {}".format(
                message, _("An administrator must paste new credentials in the set-up, then test the connection.")
            )
        messages.error(request, message)
    else:
        messages.success(
            request,
            _("The connection to %(channel)s works: the account is %(account)s.")
            % {"channel": channel.label, "account": account},
        )
    return redirect("editorial:channels", zone_slug=zone.slug)
