"""The fast lane (issue 13; DESIGN.md section 4): a post that goes out without a review first, because its content
was approved beforehand (an instance of an approved template) or because it cannot wait (an urgent post with a
stated reason and a fresh code), and that the director reads afterwards (ReviewAfter).

Such a post is still bound to a fingerprint: it is stored approved, with the fingerprint of exactly what goes out,
and the pipeline checks that fingerprint (and, for an instance, that its template version is still the approved
one) before every send, like any approved post. Scanning for confidentiality is the caller's job, before calling
``fast_lane_publish``: a finding sends the post to normal review instead.

Services of the fast lane's entry points (templates, urgent posts, follow-ups) call ``fast_lane_publish``; this
module sits beside ``editorial.services`` and below the views.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import mfa, permissions
from editorial import followups, notifications, publishing, templating
from editorial.audit import audit_record
from editorial.compose import channel_languages, language_gaps, languages_of, text_from_main, text_limit_problem
from editorial.confidentiality import Finding, scan_text
from editorial.errors import WorkflowError
from editorial.fingerprint import post_fingerprint
from editorial.locks import post_lock
from editorial.models import (
    Category,
    Channel,
    FollowUp,
    Locality,
    Post,
    PostOrigin,
    PostVariant,
    Publication,
    Review,
    ReviewAfter,
    Road,
    Template,
    TemplateVersion,
    Zone,
)
from editorial.template_services import template_lock


def fast_lane_publish(
    *,
    actor: Any,
    zone: Zone,
    title: str,
    texts: Mapping[Channel, str],
    origin: str,
    published_under: str,
    approved_by: Any,
    category: Category | None = None,
    locality: Locality | None = None,
    planned_at: datetime | None = None,
    template_version: TemplateVersion | None = None,
    filled_values: Mapping[str, str] | None = None,
    urgent_reason: str = "",
    follows_up: Post | None = None,
    audit_data: Mapping[str, Any] | None = None,
) -> Post:
    """Store the post approved as it is, prepare its publications (sent at once when ``planned_at`` is None or due
    now, otherwise at their time) and put it in the director's review-after queue; one audit event
    (``editorial.post.fast_lane``) records the origin, the template version and its fingerprint, the filled values,
    the right it went out under and the post's fingerprint.

    ``published_under`` comes from ``accounts.permissions.publishing_right``, read by the caller on the same user
    object; an empty one is refused. ``approved_by``: whose approval it goes out under (the template version's
    director, or the author of an urgent post). The networks' limits are enforced here (``WorkflowError``)."""
    if not published_under:
        raise PermissionDenied
    if origin not in (PostOrigin.TEMPLATE, PostOrigin.URGENT):
        raise ValueError(f"not a fast-lane origin: {origin}")
    if not texts:
        raise WorkflowError(_("Choose at least one channel."))
    if any(channel.zone_id != zone.pk for channel in texts):
        raise PermissionDenied
    problems = [problem for channel, text in texts.items() if (problem := text_limit_problem(channel, text))]
    problems += [
        _("The text for %(channel)s is empty.") % {"channel": channel.label}
        for channel, text in texts.items()
        if not text.strip()
    ]
    if problems:
        raise WorkflowError(problems)
    now = timezone.now()
    due = planned_at if planned_at is not None and planned_at > now else now
    with transaction.atomic():
        post = Post.objects.create(
            zone=zone,
            author=actor,
            title=title[:200],
            category=category,
            locality=locality,
            planned_at=due,
            origin=origin,
            template_version=template_version,
            filled_values=dict(filled_values or {}),
            published_under=published_under,
            urgent_reason=urgent_reason.strip(),
            follows_up=follows_up,
        )
        PostVariant.objects.bulk_create(
            [PostVariant(post=post, channel=channel, text=text) for channel, text in texts.items()]
        )
        fingerprint = post_fingerprint(post=post)
        Post.objects.filter(pk=post.pk).update(
            status=Post.Status.APPROVED, approved_fingerprint=fingerprint, approved_by=approved_by, approved_at=now
        )
        post.refresh_from_db()
        publications = publishing.publications_prepare(post=post, actor=actor)
        review_after = ReviewAfter.objects.create(
            zone=zone,
            post=post,
            urgent=origin == PostOrigin.URGENT,
            due_at=now + timedelta(hours=zone.review_after_hours),
        )
        data: dict[str, Any] = {
            "origin": origin,
            "fingerprint": fingerprint,
            "published_under": published_under,
            "approved_by": getattr(approved_by, "pk", None),
            "publications": [p.pk for p in publications],
            "review_after": review_after.pk,
            "planned_at": due.isoformat(),
        }
        if template_version is not None:
            data |= {
                "template": template_version.template_id,
                "template_version": template_version.pk,
                "template_version_number": template_version.number,
                "template_fingerprint": template_version.fingerprint,
                "filled_values": dict(filled_values or {}),
            }
        if urgent_reason:
            data["reason"] = urgent_reason.strip()
        if follows_up is not None:
            data["follows_up"] = follows_up.pk
        data |= dict(audit_data or {})
        audit_record(action="editorial.post.fast_lane", actor=actor, zone=zone, obj=post, data=data)
        if due <= now:
            # Sent now, not at beat's next tick: the news is stale otherwise.
            publishing.publications_dispatch(now=now, only=[p.pk for p in publications])
    return post


def review_after_acknowledge(*, actor: Any, review_after: ReviewAfter, comment: str = "") -> ReviewAfter:
    """The director has read what the fast lane published: acknowledged, with an optional comment for the author
    (a comment does not unpublish anything; correcting a post already out is done on the network)."""
    if not permissions.can_review_after(actor, review_after.zone):
        raise PermissionDenied
    if review_after.post.author_id == actor.pk:
        # As for an approval: nobody reviews what they published themselves (a director who is also an officer).
        raise WorkflowError(_("You published this post: another director reads it afterwards."), code="own_post")
    with transaction.atomic():
        post_lock(review_after.post)
        now = timezone.now()
        updated = ReviewAfter.objects.filter(pk=review_after.pk, acknowledged_at__isnull=True).update(
            acknowledged_by=actor, acknowledged_at=now, comment=comment.strip()
        )
        if updated != 1:
            raise WorkflowError(_("This publication was already reviewed."))
        review_after.refresh_from_db()
        audit_record(
            action="editorial.post.review_after",
            actor=actor,
            zone=review_after.zone,
            obj=review_after.post,
            data={
                "review_after": review_after.pk,
                "comment": review_after.comment,
                "overdue": review_after.due_at < now,
                "publications": list(
                    Publication.objects.filter(post=review_after.post_id).values_list("status", flat=True)
                ),
            },
        )
    return review_after


# --- Entry points: an instance of an approved template, an urgent post --------------------------------------------


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def texts_findings(zone: Zone, texts: Iterable[str]) -> list[Finding]:
    """What the confidentiality scan finds in these texts (the zone's public numbers and addresses allowed): any
    finding stops the fast lane."""
    return [finding for text in texts if text for finding in scan_text(text, zone=zone)]


def _limit_problems(texts: Mapping[Channel, str]) -> None:
    problems = [problem for channel, text in texts.items() if (problem := text_limit_problem(channel, text))]
    if problems:
        raise WorkflowError(problems)


def _main_texts_of(zone: Zone, texts: Mapping[Channel, str]) -> dict[str, str]:
    """A main text per language of the zone, from the channels' texts (a held post's, so that its review shows each
    language): the text of a channel in that language alone, else of one that writes it among others."""
    main: dict[str, str] = {}
    for language in languages_of(zone.languages):
        candidates = [
            (len(channel_languages(channel_language=channel.language, zone_languages=zone.languages)), text)
            for channel, text in texts.items()
            if language in channel_languages(channel_language=channel.language, zone_languages=zone.languages)
        ]
        main[language] = min(candidates, key=lambda c: c[0])[1] if candidates else ""
    return main


def _needs_signoff(category: Category | None) -> bool:
    """A category whose posts a unit head signs off before the director approves (the judicial head: nothing may
    compromise an investigation) has no fast lane: its posts, from a template or urgent, go to the normal review,
    where the sign-off is asked for."""
    return category is not None and category.signoff_unit_id is not None


def _held_for_review(
    *,
    actor: Any,
    zone: Zone,
    title: str,
    texts: Mapping[Channel, str],
    category: Category | None,
    locality: Locality | None,
    planned_at: datetime | None,
    main_texts: Mapping[str, str] | None,
    findings: Sequence[Finding],
    audit_data: Mapping[str, Any],
) -> Post:
    """The fast lane stopped (the confidentiality scan found something, or the category needs a unit head's
    sign-off): the post goes to the director's normal review instead, by its author, and nothing is published.

    Whoever may draft such a post (the officer; a unit head whose grant allows free posts of this category on these
    channels: ``permissions.draft_right``) goes the usual way, ``services.post_create`` then
    ``services.post_submit``, so that it is theirs to correct if the director asks for changes. A unit head who may
    only publish from templates drafts no post: theirs is created here directly in review, with them as its author
    and shared with their unit so that they can follow it and read the director's answer; if the director asks for
    changes, the officer takes it over (the unit head cannot edit it). Either way one
    ``editorial.post.fast_lane_held`` event records why."""
    from editorial import services

    main = dict(main_texts) if main_texts else _main_texts_of(zone, texts)
    due = planned_at if planned_at is not None else timezone.now()
    with transaction.atomic():
        if permissions.draft_right(actor, zone, category=category, channels=list(texts)):
            post = services.post_create(
                actor=actor,
                zone=zone,
                title=title[:200],
                texts=texts,
                category=category,
                locality=locality,
                planned_at=due,
                main_texts=main,
            )
            post = services.post_submit(actor=actor, post=post)
        else:
            post = Post.objects.create(
                zone=zone,
                author=actor,
                title=title[:200],
                category=category,
                locality=locality,
                planned_at=due,
                main_texts={lang: main.get(lang, "") for lang in languages_of(zone.languages)},
                status=Post.Status.IN_REVIEW,
            )
            PostVariant.objects.bulk_create(
                [PostVariant(post=post, channel=channel, text=text) for channel, text in texts.items()]
            )
            units = permissions.unit_ids_in(actor, zone)
            if units:
                post.shared_with_units.set(units)
            audit_record(
                action="editorial.post.submit",
                actor=actor,
                zone=zone,
                obj=post,
                data={"fingerprint": post_fingerprint(post=post), "held_from_fast_lane": True},
            )
            transaction.on_commit(lambda: notifications.post_awaits_review(post_id=post.pk))
        with translation.override("en"):
            payload = [finding.to_dict() for finding in findings]
        audit_record(
            action="editorial.post.fast_lane_held",
            actor=actor,
            zone=zone,
            obj=post,
            data={
                "findings": payload,
                "signoff_unit": category.signoff_unit_id if _needs_signoff(category) else None,
                **dict(audit_data),
            },
        )
    return post


def _approving_director(version: TemplateVersion) -> Any:
    """The director whose approval of this version an instance goes out under (the latest approving review)."""
    review = (
        Review.objects.filter(template_version=version, decision=Review.Decision.APPROVE)
        .select_related("reviewer")
        .order_by("-created_at", "-pk")
        .first()
    )
    return review.reviewer if review is not None else None


def version_channels(version: TemplateVersion, zone: Zone) -> list[Channel]:
    """The zone's channels the version has a text for, in the zone's order."""
    ids = [int(key) for key in (version.texts or {}) if str(key).isdigit()]
    return list(Channel.objects.filter(zone=zone, pk__in=ids).order_by("kind", "name", "pk"))


def zone_choices(zone: Zone) -> templating.Choices:
    """What the zone offers to the placeholders that pick from a list: {name: hashtag}."""
    return templating.Choices(
        localities=dict(Locality.objects.filter(zone=zone).order_by("name").values_list("name", "hashtag")),
        roads=dict(Road.objects.filter(zone=zone).order_by("name").values_list("name", "hashtag")),
    )


def instance_texts(
    *, version: TemplateVersion, values: Mapping[str, str], channels: Iterable[Channel], choices: templating.Choices
) -> dict[Channel, str]:
    """The texts of an instance: each channel's text of the version, its placeholders filled in its language."""
    placeholders = templating.declared(version.placeholders or [])
    texts = {str(key): text for key, text in (version.texts or {}).items()}
    return {
        channel: templating.render(
            texts.get(str(channel.pk), ""), placeholders, values, language=channel.language, choices=choices
        )
        for channel in channels
    }


def _instance_title(
    template: Template, placeholders: Sequence[templating.Placeholder], values: Mapping[str, str]
) -> str:
    shown = [
        values[p.name]
        for p in placeholders
        if p.kind in (templating.Kind.LOCALITY, templating.Kind.ROAD, templating.Kind.DATE) and values.get(p.name)
    ]
    return " · ".join([template.name, *shown])


# An instance identical to one made this recently (same version, same values, a channel in common) is the same
# "Publish now" sent twice (a double click, the form sent again): refused, so that the message goes out once.
DUPLICATE_WINDOW = timedelta(minutes=2)


def _just_published(version: TemplateVersion, values: Mapping[str, str], channels: Sequence[Channel]) -> bool:
    """Whether an instance of ``version`` with these values went out on one of ``channels`` within
    ``DUPLICATE_WINDOW`` (called under the template's lock: of two such requests, the second sees the first)."""
    wanted = {channel.pk for channel in channels}
    recent = Post.objects.filter(
        template_version=version, follows_up__isnull=True, created_at__gte=timezone.now() - DUPLICATE_WINDOW
    ).prefetch_related("variants")
    return any(
        post.filled_values == dict(values) and wanted & {variant.channel_id for variant in post.variants.all()}
        for post in recent
    )


def template_instance_publish(
    *,
    actor: Any,
    template: Template,
    version_id: int | None,
    raw_values: Mapping[str, str],
    channels: Sequence[Channel],
    planned_at: datetime | None = None,
) -> Post:
    """Publish an instance of an approved template without a new review: at once, or at ``planned_at``.

    Refused with ``WorkflowError`` when ``version_id`` (the version the form showed) is no longer the template's
    approved one (nothing is sent: the template changed while the form was open); when a value is not of its
    placeholder's kind (``error.error_dict`` by placeholder name, for the form); when a text is too long for its
    network; when the same instance was just published (``_just_published``: a second click, ``code="duplicate"``).
    ``PermissionDenied`` when the actor's right, read now, does not cover the template's category on
    these channels, or a channel is not one of the version's.

    Every free text typed and every text made is scanned for confidential data: a finding stops the fast lane and
    the post goes to the director's normal review instead (``_held_for_review``; nothing is published, the
    returned post is then ``in_review``). Otherwise ``fast_lane_publish`` records the instance approved under the
    version's director, with the version, the filled values and the right, and the follow-up the template plans
    (``editorial.followups.follow_up_plan``) is planned in the same transaction."""
    zone = template.zone
    # The right as it stands now, not as it stood when the form was opened.
    permissions.forget(actor)
    _require(permissions.can_use_templates(actor, zone))
    with transaction.atomic():
        # Locked until the instance is recorded: an approval or an edit of the template waits for it.
        locked = template_lock(template)
        version = locked.approved_version
        if locked.status != Template.Status.APPROVED or version is None or version.pk != version_id:
            raise WorkflowError(
                _(
                    "This template was changed or withdrawn while the form was open: nothing was sent. Open it again "
                    "to publish its approved version."
                ),
                code="version_changed",
            )
        offered = {channel.pk for channel in version_channels(version, zone)}
        _require(bool(channels) and all(channel.zone_id == zone.pk and channel.pk in offered for channel in channels))
        published_under = permissions.publishing_right(actor, zone, category=locked.category, channels=channels)
        _require(bool(published_under))
        placeholders = templating.declared(version.placeholders or [])
        choices = zone_choices(zone)
        values, errors = templating.clean_values(placeholders, raw_values, choices)
        if errors:
            raise WorkflowError({name: [message] for name, message in errors.items()})
        if _just_published(version, values, channels):
            raise WorkflowError(
                _(
                    "This message was published from this template a moment ago, with the same values: it was not "
                    "sent again."
                ),
                code="duplicate",
            )
        texts = instance_texts(version=version, values=values, channels=channels, choices=choices)
        _limit_problems(texts)
        free = [values[p.name] for p in placeholders if p.kind == templating.Kind.TEXT and p.name in values]
        findings = texts_findings(zone, [*free, *texts.values()])
        locality_name = next((values[p.name] for p in placeholders if p.kind == templating.Kind.LOCALITY), None)
        locality = Locality.objects.filter(zone=zone, name=locality_name).first() if locality_name else None
        title = _instance_title(locked, placeholders, values)
        evidence = {
            "template": locked.pk,
            "template_version": version.pk,
            "template_version_number": version.number,
            "template_fingerprint": version.fingerprint,
            "published_under": published_under,
        }
        if findings or _needs_signoff(locked.category):
            # The audit log is never cleaned: the free texts that may hold the confidential data stay out of it
            # (the held post itself has them, for the director).
            evidence["filled_values"] = {
                p.name: values[p.name] for p in placeholders if p.kind != templating.Kind.TEXT and p.name in values
            }
            return _held_for_review(
                actor=actor,
                zone=zone,
                title=title,
                texts=texts,
                category=locked.category,
                locality=locality,
                planned_at=planned_at,
                main_texts=None,
                findings=findings,
                audit_data={"origin": PostOrigin.TEMPLATE, **evidence},
            )
        director = _approving_director(version)
        if director is None:
            raise WorkflowError(_("This template has no recorded approval: ask the director to review it again."))
        post = fast_lane_publish(
            actor=actor,
            zone=zone,
            title=title,
            texts=texts,
            origin=PostOrigin.TEMPLATE,
            published_under=published_under,
            approved_by=director,
            category=locked.category,
            locality=locality,
            planned_at=planned_at,
            template_version=version,
            filled_values=values,
        )
        followups.follow_up_plan(actor=actor, post=post)
    return post


# The urgent form asks for "the text in French" and "the text in Dutch" (no main text and channel texts there).
_TEXT_MISSING = {
    "fr": gettext_lazy("Write the text in French: this zone publishes every post in French and Dutch."),
    "nl": gettext_lazy("Write the text in Dutch: this zone publishes every post in French and Dutch."),
}


def _check_languages(zone: Zone, main_texts: Mapping[str, str], channels: Sequence[Channel]) -> None:
    """A bilingual zone publishes an urgent post in both languages, like any post (``services.post_submit``)."""
    missing = language_gaps(
        zone_languages=zone.languages,
        main_texts=main_texts,
        channel_settings=[c.language for c in channels],
        text_missing=_TEXT_MISSING,
    )
    if missing:
        raise WorkflowError(missing)


def post_publish_urgent(
    *,
    actor: Any,
    zone: Zone,
    title: str,
    main_texts: Mapping[str, str],
    channels: Sequence[Channel],
    category: Category | None,
    locality: Locality | None,
    reason: str,
    code: str,
    request: Any = None,
) -> Post:
    """Publish at once, without a review first, a post that cannot wait; the director reads it afterwards, first
    in the review-after queue, and is e-mailed now.

    ``main_texts``: the text per language of the zone; each channel's text follows it
    (``editorial.compose.text_from_main``). ``code``: a code of the actor's authenticator app typed in the form
    itself (each code works once, so it is fresh); ``request`` only gives the security events their address.

    Refused with ``WorkflowError`` (a sentence) when the zone turned urgent posts off, the reason is missing, a
    language or a channel is missing, a text is too long, the actor has no authenticator app or the code is wrong
    (``code="code"``; the failure is audited like any second-factor failure). ``PermissionDenied`` when the actor
    may not publish urgent posts of this category on these channels. A finding of the confidentiality scan sends
    the post to the director's normal review instead (``_held_for_review``; the post returned is ``in_review``)."""
    if not zone.urgent_posts_allowed:
        raise WorkflowError(
            _("This zone does not allow urgent posts: write a post for review instead."), code="urgent_off"
        )
    if any(obj is not None and obj.zone_id != zone.pk for obj in (category, locality, *channels)):
        raise PermissionDenied
    if not channels:
        raise WorkflowError(_("Choose at least one channel."))
    permissions.forget(actor)
    _require(permissions.can_publish_urgent(actor, zone, category=category, channels=channels))
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(_("Say why this post cannot wait for a review."), code="reason")
    main = {lang: (main_texts.get(lang) or "").strip() for lang in languages_of(zone.languages)}
    _check_languages(zone, main, channels)
    texts = {
        channel: text_from_main(main, channel_language=channel.language, zone_languages=zone.languages)
        for channel in channels
    }
    empty = [channel.label for channel, text in texts.items() if not text.strip()]
    if empty:
        raise WorkflowError(_("Write the text of the post."))
    _limit_problems(texts)
    # The code last: a refusal above must not cost the user a code of their app.
    if mfa.totp_device(actor) is None:
        raise WorkflowError(
            _(
                "An urgent post needs a code from your authenticator app, and your account has none: set one up on "
                "your “Sign-in and security” page first."
            ),
            code="no_device",
        )
    code = (code or "").strip().replace(" ", "")
    if not (code.isdigit() and len(code) <= 8):
        raise WorkflowError(_("Type the 6-digit code your authenticator app shows now."), code="code")
    try:
        mfa.second_factor_verify(request, user=actor, code=code, purpose="urgent_post")
    except mfa.MfaError as refusal:
        raise WorkflowError(refusal.message, code="code") from None
    published_under = permissions.publishing_right(actor, zone, category=category, channels=channels, free_posts=True)
    findings = texts_findings(zone, texts.values())
    if findings or _needs_signoff(category):
        return _held_for_review(
            actor=actor,
            zone=zone,
            title=title,
            texts=texts,
            category=category,
            locality=locality,
            planned_at=None,
            main_texts=main,
            findings=findings,
            audit_data={"origin": PostOrigin.URGENT, "reason": reason, "published_under": published_under},
        )
    with transaction.atomic():
        post = fast_lane_publish(
            actor=actor,
            zone=zone,
            title=title,
            texts=texts,
            origin=PostOrigin.URGENT,
            published_under=published_under,
            approved_by=actor,
            category=category,
            locality=locality,
            urgent_reason=reason,
            audit_data={"code_verified": True},
        )
        Post.objects.filter(pk=post.pk).update(main_texts=main)
        transaction.on_commit(lambda: notifications.urgent_post_published(post_id=post.pk))
    return post


def follow_up_publish(*, actor: Any, follow_up: FollowUp) -> Post:
    """Publish the follow-up now, as a reply to its original on each channel where the original is out.

    The right is read at submission (``publishing_right`` for the original's category and those channels:
    ``PermissionDenied`` when it was withdrawn). The text is the one of the template version the director approved
    with the original, filled with the original's values: the post goes out in the fast lane
    (``fast_lane_publish`` with ``follows_up``) and into the director's review-after queue. The follow-up
    moves pending -> published under a conditional update in the same transaction (``WorkflowError`` when someone
    handled it first); one audit event (``editorial.follow_up.publish``) besides the fast lane's.

    ``WorkflowError`` too when the original went out on none of the follow-up's channels, or when its template
    version is no longer the approved one (the pipeline would refuse to send it)."""
    follow_up = FollowUp.objects.select_related(
        "zone", "post__zone", "post__category", "post__locality", "post__approved_by", "post__template_version"
    ).get(pk=follow_up.pk)
    original = follow_up.post
    if follow_up.status != FollowUp.Status.PENDING:
        raise WorkflowError(_("This follow-up was already published or dismissed."), code="follow_up_handled")
    channels = followups.follow_up_channels(follow_up=follow_up)
    # The right as it stands now, not as it stood when the page was opened.
    permissions.forget(actor)
    right = followups.follow_up_publishing_right(actor=actor, follow_up=follow_up, channels=channels)
    if not right:
        raise PermissionDenied
    if not channels:
        raise WorkflowError(
            _("The original post is out on none of the follow-up's channels: there is nothing to reply to."),
            code="follow_up_nothing_to_reply_to",
        )
    version = original.template_version
    if (
        version is None
        or not Template.objects.filter(
            pk=version.template_id, status=Template.Status.APPROVED, approved_version_id=version.pk
        ).exists()
    ):
        raise WorkflowError(
            _(
                "The template of the original post changed or lost its approval since: this follow-up can no longer "
                "go out without a review. Write it as a post, or mark it not needed."
            ),
            code="follow_up_template_changed",
        )
    texts = {channel: follow_up.texts[str(channel.pk)] for channel in channels}
    with transaction.atomic():
        # The template's lock first (editorial/locks.py's order): an edit of it at this moment waits, and is seen.
        locked = template_lock(version.template_id)
        if locked.status != Template.Status.APPROVED or locked.approved_version_id != version.pk:
            raise WorkflowError(
                _(
                    "The template of the original post changed or lost its approval since: this follow-up can no "
                    "longer go out without a review. Write it as a post, or mark it not needed."
                ),
                code="follow_up_template_changed",
            )
        followups.lock_pending(follow_up, actor=actor, status=FollowUp.Status.PUBLISHED)
        post = fast_lane_publish(
            actor=actor,
            zone=follow_up.zone,
            title=_("Follow-up: %(title)s") % {"title": original.title},
            texts=texts,
            origin=PostOrigin.TEMPLATE,
            published_under=right,
            approved_by=original.approved_by,
            category=original.category,
            locality=original.locality,
            template_version=version,
            filled_values=original.filled_values,
            follows_up=original,
            audit_data={"follow_up": follow_up.pk},
        )
        FollowUp.objects.filter(pk=follow_up.pk).update(published_post=post)
        follow_up.published_post = post
        audit_record(
            action="editorial.follow_up.publish",
            actor=actor,
            zone=follow_up.zone,
            obj=original,
            data={
                "follow_up": follow_up.pk,
                "post": post.pk,
                "published_under": right,
                "channels": [channel.pk for channel in channels],
                # Where the original did not go out: no reply there.
                "skipped_channels": sorted({int(pk) for pk in follow_up.texts} - {c.pk for c in channels}),
            },
        )
    return post
