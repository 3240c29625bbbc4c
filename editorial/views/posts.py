"""Drafting a post (one text per channel) and the post page: previews, findings, comments, history, sharing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import permissions
from accounts.permissions import Right
from editorial import services
from editorial.forms.common import clean_text
from editorial.forms.posts import CommentForm, PostForm, ShareForm, item_links
from editorial.forms.publishing import PublicationsBlock, publications_block
from editorial.forms.review import SignOffForm
from editorial.models import Category, Locality, Post, Unit, VariantMedia, Zone
from editorial.selectors import desk as desk_selectors
from editorial.selectors import items as item_selectors
from editorial.selectors import plan as plan_selectors
from editorial.selectors import posts as post_selectors
from editorial.selectors.signoff import signoff_state
from editorial.services import WorkflowError
from editorial.views.access import post_for_user, zone_for_drafting
from editorial.xtext import fit_proposal, parse_tweet

_CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
}


# The X text of a request for a proposal (drafting.js sends the text as typed): beyond this, no proposal.
X_FIT_MAX_CHARS = 70_000


def _post_form(request: HttpRequest, zone: Zone, post: Post | None = None) -> PostForm:
    categories = list(Category.objects.filter(zone=zone).order_by("name"))
    localities = list(Locality.objects.filter(zone=zone).order_by("name"))
    channels = list(post_selectors.zone_channels(zone=zone))
    initial_channels = post_selectors.default_channels(zone=zone, category=None) if post is None else ()
    # A unit head drafting under a delegated right is offered the categories and channels their grants cover (and
    # keeps those the post has, so that nothing is dropped unseen; saving it still needs a grant for them).
    limits = permissions.drafting_limits(request.user, zone)
    if limits is not None:
        category_ids, channel_ids = limits
        kept_channels = {v.channel_id for v in post.variants.all()} if post is not None else set()
        categories = [c for c in categories if c.pk in category_ids or (post is not None and c.pk == post.category_id)]
        channels = [c for c in channels if c.pk in channel_ids or c.pk in kept_channels]
        initial_channels = [c for c in initial_channels if c.pk in channel_ids]
    bound = request.method == "POST"
    item = post.item if post is not None else None
    return PostForm(
        request.POST if bound else None,
        request.FILES if bound else None,
        zone=zone,
        channels=channels,
        categories=categories,
        localities=localities,
        post=post,
        variants=post_selectors.post_variants(post=post) if post is not None else None,
        item=item,
        attachments=item_selectors.item_attachments(item=item) if item is not None else (),
        initial_channels=initial_channels,
    )


def _render_form(request: HttpRequest, zone: Zone, form: PostForm, post: Post | None) -> HttpResponse:
    item = post.item if post is not None else None
    context = {
        "zone": zone,
        "form": form,
        "post": post,
        "item": item,
        "main_blocks": form.main_blocks(),
        "blocks": form.channel_blocks(),
        "photos": form.photo_blocks(),
        "links": item_links(item),
        "error_summary": form.error_summary() if form.is_bound else [],
        "hashtags": post_selectors.hashtag_options(
            categories=list(form.categories.values()), localities=list(form.localities.values())
        ),
        "category_channels": post_selectors.category_default_channels(categories=list(form.categories.values()))
        if post is None
        else {},
        "selected_hashtags": form.selected_hashtags(),
        "voids_review": post is not None and post.status in (Post.Status.APPROVED, Post.Status.IN_REVIEW),
        "published_on": post_selectors.published_channel_ids(post=post),
    }
    return render(request, "editorial/post_form.html", context)


def _add_refusal(form: PostForm, error: WorkflowError) -> None:
    """A refusal of the service at its field: a delegated right that does not cover the category or channels is
    said at the category; any other at the top of the form."""
    for refusal in error.error_list:
        form.add_error("category" if refusal.code == "not_delegated" else None, refusal)


def _after_save(request: HttpRequest, zone: Zone, post: Post, *, saved: str) -> HttpResponse:
    """After a save: submit for review when the officer asked to (the form checked what review needs), or say it
    is saved. A refusal by the service (something the form cannot know) leaves the draft saved, and says why."""
    if request.POST.get("then") == "submit" and post.status == Post.Status.DRAFT:
        try:
            services.post_submit(actor=request.user, post=post)
        except (WorkflowError, PermissionDenied) as error:
            reason = (
                " ".join(error.messages)
                if isinstance(error, WorkflowError)
                else _("This post cannot be submitted for review in its current state.")
            )
            messages.error(
                request, _("The draft is saved, but it is not submitted for review: %(reason)s") % {"reason": reason}
            )
            return redirect("editorial:post_edit", zone_slug=zone.slug, post_id=post.pk)
        messages.success(request, _("The post is saved and submitted for review; the directors are told."))
    else:
        messages.success(request, saved)
    return redirect("editorial:post_detail", zone_slug=zone.slug, post_id=post.pk)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def post_create(request: HttpRequest, zone_slug: str) -> HttpResponse:
    zone = zone_for_drafting(request.user, zone_slug)
    form = _post_form(request, zone)
    if request.method == "POST" and form.is_valid():
        try:
            post = services.post_create(actor=request.user, zone=zone, **form.create_kwargs())
        except WorkflowError as error:
            _add_refusal(form, error)
        else:
            return _after_save(request, zone, post, saved=_("The draft is saved."))
    return _render_form(request, zone, form, None)


@login_required
@require_POST
def x_fit(request: HttpRequest, zone_slug: str) -> JsonResponse:
    """A version of an X text that fits (``xtext.fit_proposal``), for drafting.js while the officer types: the text
    (``text``), or a bilingual message's texts (``part``, repeated). Answers ``{"proposal": null}`` when it fits."""
    zone_for_drafting(request.user, zone_slug)
    parts = [clean_text(part) for part in request.POST.getlist("part")][:2]
    parts = parts or [clean_text(request.POST.get("text", ""))]
    if sum(len(part) for part in parts) > X_FIT_MAX_CHARS:
        return JsonResponse({"proposal": None, "count": None})
    proposal = fit_proposal(parts)
    return JsonResponse({"proposal": proposal, "count": parse_tweet(proposal).weighted_length if proposal else None})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def post_edit(request: HttpRequest, zone_slug: str, post_id: int) -> HttpResponse:
    """Saving a change to what would be published voids an approval or a pending review (the service does it);
    the page warns before and says so after."""
    zone, post = post_for_user(request.user, zone_slug, post_id)
    if not permissions.can_draft_post(request.user, zone):
        raise PermissionDenied
    if not permissions.can_edit_post(request.user, post):
        # Whole sentences: a status glued into a sentence cannot agree in French or Dutch.
        if post.status == Post.Status.PUBLISHED:
            message = _("This post is published: it cannot be changed any more.")
        elif post.status == Post.Status.CANCELLED:
            message = _("This post is cancelled: it cannot be changed any more.")
        else:
            message = _("This post cannot be changed any more.")
        messages.error(request, message)
        return redirect("editorial:post_detail", zone_slug=zone.slug, post_id=post.pk)
    form = _post_form(request, zone, post)
    if request.method == "POST" and form.is_valid():
        status_before = post.status
        try:
            post = services.post_update(actor=request.user, post=post, **form.update_kwargs())
        except WorkflowError as error:
            _add_refusal(form, error)
        else:
            if status_before != post.status and post.status == Post.Status.DRAFT:
                messages.warning(
                    request,
                    _(
                        "The post was %(status)s; your change sent it back to draft. Submit it for review again "
                        "when it is ready."
                    )
                    % {"status": Post.Status(status_before).label.lower()},
                )
            return _after_save(request, zone, post, saved=_("The post is saved."))
    return _render_form(request, zone, form, post)


def _render_detail(
    request: HttpRequest,
    zone: Zone,
    post: Post,
    *,
    comment_form: CommentForm | None = None,
    publications: PublicationsBlock | None = None,
    signoff_form: SignOffForm | None = None,
) -> HttpResponse:
    user = request.user
    can_share = permissions.has_right(user, zone, Right.DRAFT_POST)
    page = post_selectors.post_page(post=post, with_units=can_share)
    can_edit = permissions.can_edit_post(user, post)
    share_form = None
    if can_share:
        share_form = ShareForm(units=page.zone_units, initial={"units": [str(pk) for pk in page.shared_unit_ids]})
    context = {
        "zone": zone,
        "post": post,
        "page": page,
        "can_edit": can_edit,
        "can_submit": can_edit and post.status == Post.Status.DRAFT,
        "can_approve": permissions.can_approve_post(user, post),
        "author_cannot_approve": (
            post.status == Post.Status.IN_REVIEW
            and permissions.has_right(user, zone, Right.REVIEW_POST)
            and post.author_id == user.pk
        ),
        "can_comment": permissions.can_comment_post(user, post),
        # The evidence of what went out (issue 16), once the post is published.
        "can_view_evidence": post.status == Post.Status.PUBLISHED and permissions.can_view_evidence(user, post),
        "comment_form": comment_form or CommentForm(),
        "share_form": share_form,
        "pubs": publications or publications_block(user=user, zone=zone, post=post),
        # What the director noted on the values at the last review, for the officer to read.
        "review_notes": desk_selectors.latest_review_notes(post=post),
        # A new draft from this post, in any state (a yearly event, a recurring control).
        "can_duplicate": permissions.can_duplicate_post(user, post, channels=[view.channel for view in page.variants]),
    }
    # The sign-off its category asks for (multi-step review), and the unit head's form to give it.
    fingerprint = services.post_fingerprint(post=post) if post.category_id else ""
    context["signoff"] = signoff = signoff_state(post=post, fingerprint=fingerprint)
    context["fingerprint"] = fingerprint
    context["signoff_form"] = None
    if signoff is not None and not signoff.done and permissions.can_sign_off_post(user, post):
        context["signoff_form"] = signoff_form or SignOffForm()
    # Once out, the post shows when it really went out (a post published now was planned later).
    context["going_out"] = plan_selectors.going_out(row.publication for row in context["pubs"].rows)
    return render(request, "editorial/post_detail.html", context)


@login_required
@require_safe
def post_detail(request: HttpRequest, zone_slug: str, post_id: int) -> HttpResponse:
    zone, post = post_for_user(request.user, zone_slug, post_id)
    return _render_detail(request, zone, post)


@login_required
@require_POST
def post_submit(request: HttpRequest, zone_slug: str, post_id: int) -> HttpResponse:
    zone, post = post_for_user(request.user, zone_slug, post_id)
    if not permissions.can_draft_post(request.user, zone):
        raise PermissionDenied
    try:
        services.post_submit(actor=request.user, post=post)
    except WorkflowError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied:
        # The officer may draft, so only the post's state refuses it (published or cancelled meanwhile).
        messages.error(request, _("This post cannot be submitted for review in its current state."))
    else:
        messages.success(request, _("The post is submitted for review; the directors are told."))
    return redirect("editorial:post_detail", zone_slug=zone.slug, post_id=post.pk)


@login_required
@require_POST
def post_sign_off(request: HttpRequest, zone_slug: str, post_id: int) -> HttpResponse:
    """The head of the unit the post's category names signs off the version they read, before the director's
    review."""
    zone, post = post_for_user(request.user, zone_slug, post_id)
    if not permissions.signs_off_for(request.user, post):
        raise PermissionDenied
    form = SignOffForm(request.POST)
    if form.is_valid():
        try:
            services.post_sign_off(
                actor=request.user,
                post=post,
                note=form.cleaned_data["note"],
                reviewed_fingerprint=form.cleaned_data["reviewed_fingerprint"],
            )
        except WorkflowError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("You signed the post off: the director may now review it."))
        return redirect(reverse("editorial:post_detail", args=[zone.slug, post.pk]) + "#signoff")
    # The page comes back with the note as typed and what is missing.
    return _render_detail(request, zone, post, signoff_form=form)


@login_required
@require_POST
def comment_add(request: HttpRequest, zone_slug: str, post_id: int) -> HttpResponse:
    zone, post = post_for_user(request.user, zone_slug, post_id)
    if not permissions.can_comment_post(request.user, post):
        raise PermissionDenied
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(actor=request.user, post=post, body=form.cleaned_data["body"])
        except WorkflowError as error:
            form.add_error("body", error)
        else:
            messages.success(request, _("Your comment is added."))
            return redirect(reverse("editorial:post_detail", args=[zone.slug, post.pk]) + "#comments")
    # The page comes back with the comment as typed and what is wrong with it.
    return _render_detail(request, zone, post, comment_form=form)


@login_required
@require_POST
def post_share(request: HttpRequest, zone_slug: str, post_id: int) -> HttpResponse:
    zone, post = post_for_user(request.user, zone_slug, post_id)
    if not permissions.has_right(request.user, zone, Right.DRAFT_POST):
        raise PermissionDenied
    form = ShareForm(request.POST, units=list(Unit.objects.filter(zone=zone).order_by("name")))
    if not form.is_valid():
        messages.error(request, _("Choose units of this zone only."))
    else:
        services.post_share(actor=request.user, post=post, units=form.chosen_units)
        names = ", ".join(unit.name for unit in form.chosen_units)
        if names:
            messages.success(request, _("The post is shared with: %(units)s.") % {"units": names})
        else:
            messages.success(request, _("The post is no longer shared with any unit."))
    return redirect("editorial:post_detail", zone_slug=zone.slug, post_id=post.pk)


@login_required
@require_POST
def post_duplicate(request: HttpRequest, zone_slug: str, post_id: int) -> HttpResponse:
    """A new draft from this post (``services.post_duplicate``), opened for editing: it has no date yet."""
    zone, post = post_for_user(request.user, zone_slug, post_id)
    if not permissions.can_draft_post(request.user, zone):
        raise PermissionDenied
    try:
        copy = services.post_duplicate(actor=request.user, post=post)
    except WorkflowError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("editorial:post_detail", zone_slug=zone.slug, post_id=post.pk)
    messages.success(
        request,
        _(
            "This is a new draft copied from “%(title)s”: its texts, channels, category, locality and images. "
            "Nothing of its approval or publications is copied. Set its new date and time, then submit it for review."
        )
        % {"title": post.title},
    )
    return redirect("editorial:post_edit", zone_slug=zone.slug, post_id=copy.pk)


@login_required
@require_safe
def media_file(request: HttpRequest, zone_slug: str, post_id: int, media_id: int) -> FileResponse:
    """An image of a post, only for those who may read the post; anyone else cannot tell it exists."""
    try:
        _zone, post = post_for_user(request.user, zone_slug, post_id)
    except PermissionDenied:
        raise Http404 from None
    try:
        media = VariantMedia.objects.get(pk=media_id, variant__post=post)
        handle = media.image.open("rb")
    except (VariantMedia.DoesNotExist, FileNotFoundError, ValueError):
        raise Http404 from None
    extension = media.image.name.rsplit(".", 1)[-1].lower()
    response = FileResponse(handle, content_type=_CONTENT_TYPES.get(extension, "application/octet-stream"))
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
