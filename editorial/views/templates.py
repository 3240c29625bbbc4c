"""Templates (issue 13, point 1): the zone's list, the form the officer writes one with, its page, and the director's
review of it (shaped like a post's review: the texts with their placeholders, the same checklist).

Access: another zone's template is a 404; the list and the pages are for the officers, the directors and the unit
heads who may publish from templates (these see the approved ones only); writing is the officers', reviewing the
directors'.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import permissions
from accounts.reauth import recent_auth_required
from editorial import template_services
from editorial.errors import WorkflowError
from editorial.forms.review import ApproveForm, RequestChangesForm
from editorial.forms.templates import RetireForm, TemplateForm
from editorial.models import Category, Channel, Template, Zone
from editorial.selectors import review as review_selectors
from editorial.selectors import templates as selectors
from editorial.selectors.posts import zone_channels
from editorial.templating import Kind


def _reader_zone(user: Any, zone_slug: str) -> tuple[Zone, bool]:
    """The zone (404 if not a member) and whether the user sees every template (officers and directors) or only
    the approved ones (unit heads who may publish from templates); 403 for anyone else."""
    zone = permissions.zone_for_user_or_404(user, zone_slug)
    if permissions.can_write_templates(user, zone) or permissions.can_review_templates(user, zone):
        return zone, True
    if permissions.can_use_templates(user, zone):
        return zone, False
    raise PermissionDenied


def _writer_zone(user: Any, zone_slug: str) -> Zone:
    zone = permissions.zone_for_user_or_404(user, zone_slug)
    if not permissions.can_write_templates(user, zone):
        raise PermissionDenied
    return zone


def _template(zone: Zone, template_id: int) -> Template:
    try:
        return Template.objects.select_related(
            "zone", "category", "current_version__created_by", "approved_version", "created_by"
        ).get(pk=template_id, zone=zone)
    except Template.DoesNotExist:
        raise Http404 from None


def _can_publish(user: Any, zone: Zone, template: Template, channels: dict[int, Channel]) -> bool:
    """Whether the user may publish this approved template on at least one of its channels (a unit head's right may
    cover X and not Facebook: the publishing page then offers X alone). ``channels``: the zone's, by id."""
    version = template.approved_version
    if template.status != Template.Status.APPROVED or version is None:
        return False
    return any(
        permissions.publishing_right(user, zone, category=template.category, channels=[channels[int(pk)]])
        for pk in version.texts
        if int(pk) in channels
    )


def _flags(user: Any, zone: Zone, template: Template, channels: dict[int, Channel] | None = None) -> dict[str, bool]:
    """What the actions include (``_template_actions.html``) may offer: the templates ask, never work rights out."""
    if channels is None:
        channels = {channel.pk: channel for channel in zone_channels(zone=zone)}
    writer = permissions.can_write_templates(user, zone)
    reviewer = permissions.can_review_templates(user, zone)
    status = template.status
    return {
        "can_edit": writer and status != Template.Status.RETIRED,
        "can_submit": writer and status == Template.Status.DRAFT,
        "can_retire": (writer or reviewer) and status != Template.Status.RETIRED,
        "can_review": reviewer
        and status == Template.Status.IN_REVIEW
        and not template_services.is_author(user, template),
        "can_publish": _can_publish(user, zone, template, channels),
    }


@login_required
@require_safe
def template_list(request: HttpRequest, zone_slug: str) -> HttpResponse:
    zone, sees_all = _reader_zone(request.user, zone_slug)
    templates = selectors.zone_templates(zone=zone)
    if not sees_all:
        templates = [t for t in templates if t.status == Template.Status.APPROVED]
    channels = {channel.pk: channel for channel in zone_channels(zone=zone)}
    rows = [(template, _flags(request.user, zone, template, channels)) for template in templates]
    return render(
        request,
        "editorial/template_list.html",
        {
            "zone": zone,
            "rows": rows,
            "can_write": permissions.can_write_templates(request.user, zone),
        },
    )


@login_required
@require_safe
def template_detail(request: HttpRequest, zone_slug: str, template_id: int) -> HttpResponse:
    zone, sees_all = _reader_zone(request.user, zone_slug)
    template = _template(zone, template_id)
    if not sees_all and template.status != Template.Status.APPROVED:
        raise PermissionDenied
    # Unit heads read the version they publish; the others the one being written or reviewed.
    version = template.current_version if sees_all else template.approved_version
    return render(
        request,
        "editorial/template_detail.html",
        {
            "zone": zone,
            "template": template,
            "version": version,
            "rows": selectors.version_texts(version=version, zone=zone, scan=sees_all),
            "placeholders": selectors.version_placeholders(version),
            "kinds": dict(Kind.CHOICES),
            "reviews": selectors.template_reviews(template=template) if sees_all else [],
            "approved_is_older": template.approved_version_id not in (None, template.current_version_id),
            "flags": _flags(request.user, zone, template),
            "retire_form": RetireForm(),
        },
    )


def _form(request: HttpRequest, zone: Zone, template: Template | None = None) -> TemplateForm:
    return TemplateForm(
        request.POST if request.method == "POST" else None,
        zone=zone,
        # X first, as on the template page: the real-time channel.
        channels=sorted(zone_channels(zone=zone), key=lambda channel: channel.kind != Channel.Kind.X),
        categories=list(Category.objects.filter(zone=zone).order_by("name")),
        template=template,
    )


def _render_form(request: HttpRequest, zone: Zone, form: TemplateForm, template: Template | None) -> HttpResponse:
    return render(
        request,
        "editorial/template_form.html",
        {
            "zone": zone,
            "form": form,
            "template": template,
            "blocks": form.channel_blocks(),
            "placeholder_rows": form.placeholder_rows(),
            "error_summary": form.error_summary() if form.is_bound else [],
            "checking": request.POST.get("then") == "check",
            "localities": selectors.template_choices(zone=zone).localities,
            "roads": list(selectors.zone_roads(zone=zone).values_list("name", flat=True)),
            "voids_approval": template is not None
            and template.status in (Template.Status.APPROVED, Template.Status.IN_REVIEW),
        },
    )


def _after_save(request: HttpRequest, zone: Zone, template: Template, saved: str) -> HttpResponse:
    if request.POST.get("then") == "submit" and template.status == Template.Status.DRAFT:
        try:
            template_services.template_submit(actor=request.user, template=template)
        except WorkflowError as error:
            messages.error(
                request,
                _("The template is saved, but it is not submitted for review: %(reason)s")
                % {"reason": " ".join(error.messages)},
            )
            return redirect("editorial:template_edit", zone_slug=zone.slug, template_id=template.pk)
        messages.success(request, _("The template is saved and submitted for review; the directors are told."))
    else:
        messages.success(request, saved)
    return redirect("editorial:template_detail", zone_slug=zone.slug, template_id=template.pk)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def template_create(request: HttpRequest, zone_slug: str) -> HttpResponse:
    zone = _writer_zone(request.user, zone_slug)
    form = _form(request, zone)
    if request.method == "POST" and form.is_valid() and request.POST.get("then") != "check":
        try:
            template = template_services.template_create(actor=request.user, zone=zone, **form.service_kwargs())
        except WorkflowError as error:
            form.add_refusal(error)
        else:
            return _after_save(request, zone, template, _("The template is saved as a draft."))
    return _render_form(request, zone, form, None)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def template_edit(request: HttpRequest, zone_slug: str, template_id: int) -> HttpResponse:
    zone = _writer_zone(request.user, zone_slug)
    template = _template(zone, template_id)
    if template.status == Template.Status.RETIRED:
        messages.warning(request, _("This template is retired: it can no longer be changed."))
        return redirect("editorial:template_detail", zone_slug=zone.slug, template_id=template.pk)
    form = _form(request, zone, template)
    if request.method == "POST" and form.is_valid() and request.POST.get("then") != "check":
        was = template.status
        try:
            template = template_services.template_update(actor=request.user, template=template, **form.service_kwargs())
        except WorkflowError as error:
            form.add_refusal(error)
        else:
            saved = _("The template is saved.")
            if was != template.status:
                saved = _(
                    "The template is saved. Its texts changed, so it is back to draft: submit it for review again."
                )
            return _after_save(request, zone, template, saved)
    return _render_form(request, zone, form, template)


@login_required
@require_POST
def template_submit(request: HttpRequest, zone_slug: str, template_id: int) -> HttpResponse:
    zone = _writer_zone(request.user, zone_slug)
    template = _template(zone, template_id)
    try:
        template_services.template_submit(actor=request.user, template=template)
    except WorkflowError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The template is submitted for review; the directors are told."))
    return redirect("editorial:template_detail", zone_slug=zone.slug, template_id=template.pk)


@login_required
@require_POST
def template_retire(request: HttpRequest, zone_slug: str, template_id: int) -> HttpResponse:
    zone = permissions.zone_for_user_or_404(request.user, zone_slug)
    if not (
        permissions.can_write_templates(request.user, zone) or permissions.can_review_templates(request.user, zone)
    ):
        raise PermissionDenied
    template = _template(zone, template_id)
    form = RetireForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        template_services.template_retire(actor=request.user, template=template, reason=reason)
    except WorkflowError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The template is retired: nothing more is published from it."))
    return redirect("editorial:template_detail", zone_slug=zone.slug, template_id=template.pk)


# --- The director's review -------------------------------------------------------------------------------------


def _reviewer_zone(user: Any, zone_slug: str) -> Zone:
    zone = permissions.zone_for_user_or_404(user, zone_slug)
    if not permissions.can_review_templates(user, zone):
        raise PermissionDenied
    return zone


def _approve_form(zone: Zone, page: selectors.TemplateReviewPage, data: Any = None) -> ApproveForm:
    values = review_selectors.value_texts(page.values, zone=zone, language=translation.get_language())
    return ApproveForm(data, values=values, has_findings=bool(page.finding_count))


def _render_review(
    request: HttpRequest,
    zone: Zone,
    template: Template,
    *,
    page: selectors.TemplateReviewPage | None = None,
    approve_form: ApproveForm | None = None,
    changes_form: RequestChangesForm | None = None,
) -> HttpResponse:
    page = page or selectors.template_review_page(template=template)
    author = template_services.is_author(request.user, template)
    in_review = template.status == Template.Status.IN_REVIEW
    if approve_form is None and in_review and not author:
        approve_form = _approve_form(zone, page)
    changes_form = changes_form or RequestChangesForm()
    error_links = approve_form.error_links() if approve_form is not None else []
    error_links += [(changes_form["comment"].id_for_label, str(error)) for error in changes_form["comment"].errors]
    version = template.current_version
    return render(
        request,
        "editorial/template_review.html",
        {
            "zone": zone,
            "template": template,
            "version": version,
            "fingerprint": version.fingerprint if version is not None else "",
            "page": page,
            "kinds": dict(Kind.CHOICES),
            "first_finding": next((row.channel.pk for row in page.rows if row.findings), None),
            "in_review": in_review,
            "is_author": author,
            "approve_form": approve_form if not author else None,
            "changes_form": changes_form,
            "error_links": error_links,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@recent_auth_required
def template_review(request: HttpRequest, zone_slug: str, template_id: int) -> HttpResponse:
    """GET shows the template's texts with their placeholders and the checklist; POST approves it."""
    zone = _reviewer_zone(request.user, zone_slug)
    template = _template(zone, template_id)
    if request.method != "POST":
        return _render_review(request, zone, template)
    if template_services.is_author(request.user, template):
        raise PermissionDenied
    if template.status != Template.Status.IN_REVIEW:
        messages.warning(request, _("This template is no longer waiting for review."))
        return redirect("editorial:template_review", zone_slug=zone.slug, template_id=template.pk)
    page = selectors.template_review_page(template=template)
    form = _approve_form(zone, page, request.POST)
    if form.is_valid():
        reviewed = form.cleaned_data["reviewed_fingerprint"]
        try:
            template_services.template_approve(
                actor=request.user,
                template=template,
                reviewed_fingerprint=reviewed,
                answers=form.answers(),
                confidentiality_confirmed=form.cleaned_data["confidentiality_confirmed"],
                override_reason=form.cleaned_data.get("override_reason", ""),
                language=translation.get_language() or "",
            )
        except WorkflowError as error:
            template = _template(zone, template.pk)
            if template.current_version is None or reviewed != template.current_version.fingerprint:
                # What was ticked was another version: the notes stay, the ticks must be given again.
                data = request.POST.copy()
                for name in [key for key in data if key.startswith("value_")] + ["confidentiality_confirmed"]:
                    data.pop(name, None)
                page = selectors.template_review_page(template=template)
                form = _approve_form(zone, page, data)
            form.add_refusal(error)
        else:
            messages.success(request, _("Template approved: messages made from it are published without a new review."))
            return redirect("editorial:review_queue", zone_slug=zone.slug)
    return _render_review(request, zone, template, page=page, approve_form=form)


@login_required
@require_POST
def template_request_changes(request: HttpRequest, zone_slug: str, template_id: int) -> HttpResponse:
    zone = _reviewer_zone(request.user, zone_slug)
    template = _template(zone, template_id)
    form = RequestChangesForm(request.POST)
    if form.is_valid():
        try:
            template_services.template_request_changes(
                actor=request.user, template=template, comment=form.cleaned_data["comment"]
            )
        except WorkflowError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("editorial:template_review", zone_slug=zone.slug, template_id=template.pk)
        messages.success(request, _("Changes requested: the template is back with the officer."))
        return redirect("editorial:review_queue", zone_slug=zone.slug)
    return _render_review(request, zone, template, changes_form=form)
