"""Items from the units: a unit head submits and follows them, the officer takes them up or declines them."""

from __future__ import annotations

import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import permissions
from accounts.permissions import Right
from editorial import services
from editorial.forms.items import DeclineForm, ItemForm
from editorial.forms.posts import error_summary
from editorial.models import Item, ItemAttachment, Zone
from editorial.selectors import items as item_selectors
from editorial.services import WorkflowError
from editorial.views.access import item_for_user, zone_with_right

UNIT_PAGE_SIZE = 50
_IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
}


def _flags(user: object, zone: Zone) -> dict[str, bool]:
    return {
        "can_triage": permissions.has_right(user, zone, Right.TRIAGE_ITEMS),
        "can_submit": permissions.has_right(user, zone, Right.SUBMIT_ITEM),
    }


@login_required
@require_safe
def item_list(request: HttpRequest, zone_slug: str) -> HttpResponse:
    """The officer's inbox (the director reads it too); a unit head's own units' items otherwise."""
    zone = permissions.zone_for_user_or_404(request.user, zone_slug)
    flags = _flags(request.user, zone)
    context: dict[str, object] = {"zone": zone, **flags}
    if flags["can_triage"] or permissions.has_right(request.user, zone, Right.REVIEW_POST):
        context["inbox"] = item_selectors.item_inbox(zone=zone)
        context["handled"] = item_selectors.items_recently_handled(zone=zone)
        context["handled_limit"] = item_selectors.RECENTLY_HANDLED
        return render(request, "editorial/item_inbox.html", context)
    unit_ids = permissions.unit_ids_in(request.user, zone)
    if not unit_ids:
        raise PermissionDenied
    page = Paginator(item_selectors.items_of_units(zone=zone, unit_ids=unit_ids), UNIT_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context["page"] = page
    context["several_units"] = len(unit_ids) > 1
    context["items"] = item_selectors.with_links(page.object_list)
    return render(request, "editorial/item_list.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def item_create(request: HttpRequest, zone_slug: str) -> HttpResponse:
    zone = zone_with_right(request.user, zone_slug, Right.SUBMIT_ITEM)
    units = item_selectors.item_units_for(zone=zone, user=request.user)
    if not units:
        raise PermissionDenied
    if request.method == "POST":
        form = ItemForm(request.POST, request.FILES, zone=zone, units=units)
        if form.is_valid():
            data = form.cleaned_data
            try:
                item = services.item_submit(
                    actor=request.user,
                    zone=zone,
                    unit=form.chosen_unit,
                    title=data["title"],
                    facts=data["facts"],
                    category=data["category"],
                    locality=data["locality"],
                    wanted_start=data["wanted_start"],
                    wanted_end=data["wanted_end"],
                    confidentiality_notes=data["confidentiality_notes"],
                    attachments=data["photos"],
                    links=data["links"],
                )
            except WorkflowError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Item submitted: the communication officer will see it in the inbox."))
                return redirect("editorial:item_detail", zone_slug=zone.slug, item_id=item.pk)
        if request.FILES:
            form.note_lost_files()
    else:
        form = ItemForm(zone=zone, units=units)
    return render(
        request, "editorial/item_form.html", {"zone": zone, "form": form, "error_summary": error_summary(form)}
    )


def _render_detail(
    request: HttpRequest, zone: Zone, item: Item, decline_form: DeclineForm | None = None, status: int = 200
) -> HttpResponse:
    posts = item_selectors.item_posts(item=item)
    for post in posts:
        post.can_view = permissions.can_view_post(request.user, post)
    flags = _flags(request.user, zone)
    return render(
        request,
        "editorial/item_detail.html",
        {
            "zone": zone,
            "item": item,
            "attachments": item_selectors.item_attachments(item=item),
            "links": item_selectors.item_links(item=item),
            "posts": posts,
            "published_links": [link for post in posts for link in post.published_links],
            "can_act": flags["can_triage"] and item.status == Item.Status.NEW,
            "decline_form": decline_form or DeclineForm(),
            **flags,
        },
        status=status,
    )


@login_required
@require_safe
def item_detail(request: HttpRequest, zone_slug: str, item_id: int) -> HttpResponse:
    zone, item = item_for_user(request.user, zone_slug, item_id)
    return _render_detail(request, zone, item)


def _triage_item(request: HttpRequest, zone_slug: str, item_id: int) -> tuple[Zone, Item]:
    zone, item = item_for_user(request.user, zone_slug, item_id)
    if not permissions.has_right(request.user, zone, Right.TRIAGE_ITEMS):
        raise PermissionDenied
    return zone, item


def _error_text(error: WorkflowError) -> str:
    return " ".join(error.messages)


@login_required
@require_POST
def item_take_up(request: HttpRequest, zone_slug: str, item_id: int) -> HttpResponse:
    zone, item = _triage_item(request, zone_slug, item_id)
    try:
        post = services.item_take_up(actor=request.user, item=item)
    except WorkflowError as error:
        messages.error(request, _error_text(error))
        return redirect("editorial:item_detail", zone_slug=zone.slug, item_id=item.pk)
    messages.success(request, _("Draft created from the item: write the text, pick the photos, then submit it."))
    return redirect("editorial:post_edit", zone_slug=zone.slug, post_id=post.pk)


@login_required
@require_POST
def item_decline(request: HttpRequest, zone_slug: str, item_id: int) -> HttpResponse:
    zone, item = _triage_item(request, zone_slug, item_id)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            services.item_decline(actor=request.user, item=item, reason=form.cleaned_data["reason"])
        except WorkflowError as error:
            # The form saw a reason, so the refusal is about the item: someone else has handled it.
            messages.error(request, _error_text(error))
            return redirect("editorial:item_detail", zone_slug=zone.slug, item_id=item.pk)
        else:
            messages.success(request, _("Item declined: the unit head will see your reason."))
            # Only the inbox is accepted as a way back, never an address taken from the request.
            if request.POST.get("next") == "inbox":
                return redirect("editorial:item_list", zone_slug=zone.slug)
            return redirect("editorial:item_detail", zone_slug=zone.slug, item_id=item.pk)
    # The reason is missing: the item page again, with what was typed and the error beside it.
    return _render_detail(request, zone, item, decline_form=form)


@login_required
@require_safe
def item_attachment(request: HttpRequest, zone_slug: str, item_id: int, attachment_id: int) -> FileResponse:
    _zone, item = item_for_user(request.user, zone_slug, item_id)
    try:
        attachment = ItemAttachment.objects.get(pk=attachment_id, item=item)
    except ItemAttachment.DoesNotExist:
        raise Http404 from None
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    name = os.path.basename(attachment.file.name)
    # The type comes from the extension the upload form gave after reading the content; anything else is
    # offered as a download, never rendered by the browser.
    content_type = _IMAGE_TYPES.get(os.path.splitext(name)[1].lower())
    response = FileResponse(
        handle,
        as_attachment=content_type is None,
        filename=name,
        content_type=content_type or "application/octet-stream",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
