"""The fast lane's pages (issue 13): the templates a user may publish, publishing one, the urgent post, and the
director's review-after queue. Thin: the services in ``editorial.fastlane`` decide and record."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import permissions
from accounts.reauth import failed_confirmation, recent_auth_required
from editorial import fastlane, templating
from editorial.confidentiality import scan_text
from editorial.errors import WorkflowError
from editorial.forms.fastlane import AcknowledgeForm, TemplateInstanceForm, UrgentPostForm
from editorial.forms.posts import error_summary
from editorial.models import Category, Channel, Locality, Post, ReviewAfter, Template, Zone
from editorial.selectors import fastlane as selectors


def _zone_using_templates(user: Any, zone_slug: str) -> Zone:
    zone = permissions.zone_for_user_or_404(user, zone_slug)
    if not permissions.can_use_templates(user, zone):
        raise PermissionDenied
    return zone


def _held_message(request: HttpRequest, post: Post) -> None:
    """The fast lane stopped: say what the scan found (by kind, masked) and where the post went."""
    found: dict[str, None] = {}
    for variant in post.variants.all():
        for finding in scan_text(variant.text, zone=post.zone):
            found.setdefault(str(finding.label), None)
    if not found and post.category is not None and post.category.signoff_unit is not None:
        messages.warning(
            request,
            _(
                "Nothing was published yet: posts of the category “%(category)s” need the sign-off of the head of "
                "%(unit)s before the director approves them. The post was sent to the review, as any post."
            )
            % {"category": post.category.name, "unit": post.category.signoff_unit.name},
        )
        return
    messages.warning(
        request,
        _(
            "Nothing was published: the confidentiality check found what looks like %(what)s in the text. The post "
            "was sent to the director's review instead, as any post."
        )
        % {"what": "; ".join(found) or _("confidential data")},
    )


@login_required
@require_safe
def fast_lane(request: HttpRequest, zone_slug: str) -> HttpResponse:
    """The approved templates the user may publish, and the urgent post: a delegated unit head's daily page."""
    zone = _zone_using_templates(request.user, zone_slug)
    return render(
        request,
        "editorial/fastlane_list.html",
        {
            "zone": zone,
            "rows": selectors.publishable_templates(user=request.user, zone=zone),
            "may_urgent": permissions.can_start_urgent(request.user, zone),
            "today": selectors.my_fast_lane_today(zone=zone, user=request.user),
        },
    )


def _template_of_zone(zone: Zone, template_id: int) -> Template:
    try:
        return Template.objects.select_related("category", "approved_version", "zone").get(pk=template_id, zone=zone)
    except Template.DoesNotExist:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@recent_auth_required
def template_publish(request: HttpRequest, zone_slug: str, template_id: int) -> HttpResponse:
    zone = _zone_using_templates(request.user, zone_slug)
    template = _template_of_zone(zone, template_id)
    version = template.approved_version
    if template.status != Template.Status.APPROVED or version is None:
        if request.method == "POST":
            # Withdrawn or edited while the form was open: the service's refusal, said on the list.
            messages.error(
                request, _("This template was changed or withdrawn while the form was open: nothing was sent.")
            )
            return redirect("editorial:fast_lane", zone_slug=zone.slug)
        raise PermissionDenied
    offered = fastlane.version_channels(version, zone)
    channels = selectors.covered_channels(request.user, zone, category=template.category, channels=offered)
    if not channels and request.method != "POST":
        raise PermissionDenied
    placeholders = templating.declared(version.placeholders or [])
    choices = fastlane.zone_choices(zone)
    form = TemplateInstanceForm(
        request.POST if request.method == "POST" else None,
        zone=zone,
        version_id=version.pk,
        placeholders=placeholders,
        channels=channels or offered,
        choices=choices,
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            post = fastlane.template_instance_publish(
                actor=request.user,
                template=template,
                version_id=form.cleaned_data["version"],
                raw_values=form.raw_values(),
                channels=form.selected_channels(),
                planned_at=form.planned(),
            )
        except WorkflowError as error:
            form.add_service_error(error)
        except PermissionDenied:
            form.add_error(
                None,
                _(
                    "You may no longer publish this template on these channels (your delegated right changed): "
                    "nothing was sent."
                ),
            )
            status = 403
        else:
            if post.status == Post.Status.IN_REVIEW:
                _held_message(request, post)
            elif post.planned_at and post.publications.filter(status="pending").exists():
                messages.success(request, _("Published from the template: it goes out at the time chosen."))
            else:
                messages.success(request, _("Published from the template: it is being sent now."))
            return redirect("editorial:post_detail", zone_slug=zone.slug, post_id=post.pk)
    texts = {str(k): v for k, v in (version.texts or {}).items()}
    context = {
        "zone": zone,
        "template": template,
        "version": version,
        "form": form,
        "error_summary": error_summary(form),
        # Only what this user may publish: a channel outside their right would only puzzle them.
        "channel_texts": [(channel, texts.get(str(channel.pk), "")) for channel in (channels or offered)],
        "preview_data": {
            "placeholders": [p.as_dict() for p in placeholders],
            "texts": {
                str(c.pk): {"text": texts.get(str(c.pk), ""), "language": c.language} for c in (channels or offered)
            },
            "localities": dict(choices.localities),
            "roads": dict(choices.roads),
        },
    }
    return render(request, "editorial/fastlane_template_publish.html", context, status=status)


def _urgent_form(request: HttpRequest, zone: Zone) -> UrgentPostForm:
    # An urgent post is a free post: the same categories and channels as the user may draft.
    limits = permissions.drafting_limits(request.user, zone)
    categories = Category.objects.filter(zone=zone).order_by("name")
    channels = Channel.objects.filter(zone=zone).order_by("kind", "name", "pk")
    if limits is not None:
        categories = categories.filter(pk__in=limits[0])
        channels = channels.filter(pk__in=limits[1])
    return UrgentPostForm(
        request.POST if request.method == "POST" else None,
        zone=zone,
        categories=list(categories),
        localities=list(Locality.objects.filter(zone=zone).order_by("name")),
        channels=list(channels),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@sensitive_post_parameters("code")
def urgent_post(request: HttpRequest, zone_slug: str) -> HttpResponse:
    zone = permissions.zone_for_user_or_404(request.user, zone_slug)
    if not (
        permissions.has_right(request.user, zone, permissions.Right.PUBLISH_POST)
        or permissions.can_start_urgent(request.user, zone)
    ):
        raise PermissionDenied
    form = _urgent_form(request, zone)
    if request.method == "POST" and form.is_valid():
        try:
            post = fastlane.post_publish_urgent(actor=request.user, zone=zone, request=request, **form.service_kwargs())
        except WorkflowError as error:
            if getattr(error, "code", None) == "code":
                ended = failed_confirmation(request)
                if ended is not None:
                    return ended
            form.add_service_error(error)
        except PermissionDenied:
            form.add_error(
                None,
                _("You may not publish an urgent post of this category on these channels: nothing was sent."),
            )
        else:
            if post.status == Post.Status.IN_REVIEW:
                _held_message(request, post)
            else:
                messages.success(
                    request, _("The urgent post is being sent now; the directors are told and will read it after.")
                )
            return redirect("editorial:post_detail", zone_slug=zone.slug, post_id=post.pk)
    if form.is_bound and "code" in form.data:
        # A code works once: never shown back.
        data = form.data.copy()
        data["code"] = ""
        form.data = data
    return render(
        request,
        "editorial/fastlane_urgent.html",
        {"zone": zone, "form": form, "error_summary": error_summary(form), "allowed": zone.urgent_posts_allowed},
    )


@login_required
@require_safe
def review_after_queue(request: HttpRequest, zone_slug: str) -> HttpResponse:
    zone = permissions.zone_for_user_or_404(request.user, zone_slug)
    if not permissions.can_review_after(request.user, zone):
        raise PermissionDenied
    return render(
        request,
        "editorial/fastlane_review_after.html",
        {"zone": zone, "queue": selectors.review_after_queue(zone=zone), "form": AcknowledgeForm()},
    )


@login_required
@require_POST
def review_after_acknowledge(request: HttpRequest, zone_slug: str, review_after_id: int) -> HttpResponse:
    zone = permissions.zone_for_user_or_404(request.user, zone_slug)
    try:
        review_after = ReviewAfter.objects.select_related("zone", "post").get(pk=review_after_id, zone=zone)
    except ReviewAfter.DoesNotExist:
        raise Http404 from None
    if not permissions.can_review_after(request.user, zone):
        raise PermissionDenied
    form = AcknowledgeForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
        return redirect("editorial:review_after_queue", zone_slug=zone.slug)
    try:
        fastlane.review_after_acknowledge(actor=request.user, review_after=review_after, comment=comment)
    except WorkflowError as error:
        messages.info(request, " ".join(error.messages))
    else:
        messages.success(request, _("Acknowledged: “%(title)s”.") % {"title": review_after.post.title})
    return redirect("editorial:review_after_queue", zone_slug=zone.slug)
