"""The director's review: the queue of posts waiting, and one post's page where it is approved or sent back."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby, zip_longest
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import permissions
from accounts.permissions import Right
from accounts.reauth import recent_auth_required
from editorial import services
from editorial.compose import languages_of
from editorial.confidentiality import Finding, findings_payload
from editorial.forms.review import ApproveForm, RequestChangesForm
from editorial.models import Post, PostVariant, Zone
from editorial.selectors import review as review_selectors
from editorial.selectors import templates as template_selectors
from editorial.selectors.posts import PreviewImage, preview_images
from editorial.selectors.signoff import signoff_state
from editorial.services import WorkflowError
from editorial.views.access import post_for_user, zone_with_right


@dataclass(frozen=True)
class ChannelRow:
    variant: PostVariant
    images: list[PreviewImage]  # the post page's, so both pages show images alike
    findings: list[Finding]


@dataclass(frozen=True)
class EmptyCell:
    """No channel of this network publishes in this language (the other language has one)."""

    language: str


def _side_by_side(rows: list[ChannelRow], languages: list[str]) -> list[list[ChannelRow | EmptyCell]]:
    """The texts as lines of the page. In a bilingual zone, one network's French and Dutch accounts side by side
    (French first), and an account that posts both languages in one message on a line of its own; elsewhere one
    channel per line. ``rows`` come ordered by network."""
    if len(languages) < 2:
        return [[row] for row in rows]
    lines: list[list[ChannelRow | EmptyCell]] = []
    for _kind, same_network in groupby(rows, key=lambda row: row.variant.channel.kind):
        network = list(same_network)
        columns = [[row for row in network if row.variant.channel.language == language] for language in languages]
        for pair in zip_longest(*columns):
            lines.append([cell or EmptyCell(language) for cell, language in zip(pair, languages, strict=True)])
        lines += [[row] for row in network if row.variant.channel.language not in languages]
    return lines


def _post_to_review(user: Any, zone_slug: str, post_id: int) -> tuple[Zone, Post]:
    """Directors only (403 for the other roles), and only their zone's posts (404 for the others)."""
    zone_with_right(user, zone_slug, Right.REVIEW_POST)
    return post_for_user(user, zone_slug, post_id)


@login_required
@require_safe
def review_queue(request: HttpRequest, zone_slug: str) -> HttpResponse:
    zone = zone_with_right(request.user, zone_slug, Right.REVIEW_POST)
    now = timezone.now()
    return render(
        request,
        "editorial/review_queue.html",
        {
            "zone": zone,
            "rows": review_selectors.review_queue(zone=zone, now=now),
            "templates": template_selectors.templates_in_review(zone=zone),
            "now": now,
            "bilingual": review_selectors.is_bilingual(zone),
        },
    )


def _render_page(
    request: HttpRequest,
    zone: Zone,
    post: Post,
    *,
    fingerprint: str,
    approve_form: ApproveForm | None = None,
    changes_form: RequestChangesForm | None = None,
    page: review_selectors.ReviewPage | None = None,
) -> HttpResponse:
    page = page or review_selectors.review_page(post=post)
    diff = None
    baseline = review_selectors.diff_baseline(page.reviews)
    if baseline is not None:
        review, against_approved = baseline
        diff = review_selectors.version_diff(
            review=review, against_approved=against_approved, current=services.post_snapshot(post=post)
        )
    channels = [
        ChannelRow(
            variant=variant,
            images=preview_images(post, variant),
            findings=page.findings.get(variant.pk, []),
        )
        for variant in page.variants
    ]
    in_review = post.status == Post.Status.IN_REVIEW
    can_approve = permissions.can_approve_post(request.user, post)
    if approve_form is None and can_approve:
        approve_form = _approve_form(zone, page)
    changes_form = changes_form or RequestChangesForm()
    error_links = approve_form.error_links() if approve_form is not None and can_approve else []
    error_links += [(changes_form["comment"].id_for_label, str(error)) for error in changes_form["comment"].errors]
    languages = languages_of(zone.languages)
    return render(
        request,
        "editorial/review_post.html",
        {
            "zone": zone,
            "post": post,
            "item": post.item,
            "channels": channels,
            "lines": _side_by_side(channels, languages),
            "bilingual": len(languages) > 1,
            "first_finding": next((row.variant.channel_id for row in channels if row.findings), None),
            "error_links": error_links,
            "finding_count": page.finding_count,
            "reviews": page.reviews,
            "diff": diff,
            "fingerprint": fingerprint,
            "in_review": in_review,
            "is_author": post.author_id == request.user.pk,
            "can_approve": can_approve,
            "approve_form": approve_form if can_approve else None,
            "changes_form": changes_form,
            # The unit head's sign-off the category asks for before approval (None: it asks for none).
            "signoff": signoff_state(post=post, fingerprint=fingerprint),
            "signoff_refusal": approve_form.signoff_refusal if approve_form is not None and can_approve else "",
        },
    )


def _approve_form(zone: Zone, page: review_selectors.ReviewPage, data: Any = None) -> ApproveForm:
    """The checklist, its values in the director's language when the zone has it."""
    values = review_selectors.value_texts(page.values, zone=zone, language=translation.get_language())
    return ApproveForm(data, values=values, has_findings=bool(page.finding_count))


@login_required
@require_http_methods(["GET", "POST"])
@recent_auth_required
def review_post(request: HttpRequest, zone_slug: str, post_id: int) -> HttpResponse:
    """GET shows the post as it will be published with the checklist; POST approves it."""
    zone, post = _post_to_review(request.user, zone_slug, post_id)
    # Taken before the page is read, so that a change made meanwhile can only make the approval fail.
    fingerprint = services.post_fingerprint(post=post)
    if request.method != "POST":
        return _render_page(request, zone, post, fingerprint=fingerprint)

    if post.author_id == request.user.pk:
        raise PermissionDenied
    if post.status != Post.Status.IN_REVIEW:
        messages.warning(request, _("This post is no longer waiting for review."))
        return redirect("editorial:review_post", zone_slug=zone.slug, post_id=post.pk)

    page = review_selectors.review_page(post=post)
    form = _approve_form(zone, page, request.POST)
    if form.is_valid():
        reviewed = form.cleaned_data["reviewed_fingerprint"]
        try:
            services.post_approve(
                actor=request.user,
                post=post,
                reviewed_fingerprint=reviewed,
                answers=form.answers(),
                confidentiality_confirmed=form.cleaned_data["confidentiality_confirmed"],
                override_reason=form.cleaned_data.get("override_reason", ""),
                findings=findings_payload(page.findings, page.variants),
                language=translation.get_language() or "",
            )
        except WorkflowError as error:
            post.refresh_from_db()
            fingerprint = services.post_fingerprint(post=post)
            if reviewed != fingerprint:
                # What was ticked was another version: the notes stay, the ticks must be given again.
                data = request.POST.copy()
                for name in [key for key in data if key.startswith("value_")] + ["confidentiality_confirmed"]:
                    data.pop(name, None)
                page = review_selectors.review_page(post=post)
                form = _approve_form(zone, page, data)
            form.add_refusal(error)
        else:
            messages.success(request, _("Post approved: it will be published as planned."))
            return redirect("editorial:review_queue", zone_slug=zone.slug)
    return _render_page(request, zone, post, fingerprint=fingerprint, approve_form=form, page=page)


@login_required
@require_POST
def request_changes(request: HttpRequest, zone_slug: str, post_id: int) -> HttpResponse:
    zone, post = _post_to_review(request.user, zone_slug, post_id)
    form = RequestChangesForm(request.POST)
    if form.is_valid():
        try:
            services.post_request_changes(actor=request.user, post=post, comment=form.cleaned_data["comment"])
        except WorkflowError as error:
            # The only refusal left once the comment is there: the post has left review meanwhile.
            messages.error(request, error.message)
            return redirect("editorial:review_post", zone_slug=zone.slug, post_id=post.pk)
        messages.success(request, _("Changes requested: the post is back with the officer."))
        return redirect("editorial:review_queue", zone_slug=zone.slug)
    return _render_page(request, zone, post, fingerprint=services.post_fingerprint(post=post), changes_form=form)
