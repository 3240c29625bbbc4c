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

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from editorial import publishing
from editorial.audit import audit_record
from editorial.compose import text_limit_problem
from editorial.errors import WorkflowError
from editorial.fingerprint import post_fingerprint
from editorial.locks import post_lock
from editorial.models import (
    Category,
    Channel,
    Locality,
    Post,
    PostOrigin,
    PostVariant,
    Publication,
    ReviewAfter,
    TemplateVersion,
    Zone,
)


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
