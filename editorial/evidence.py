"""The evidence record of a post (issue 16, point 1): what went out on each channel, byte for byte, and on whose
approval, against which version of each value, for a magistrate or the press office months later.

``evidence_record`` reads it in a fixed number of queries whatever the number of channels, images, attempts and
value checks; the page, the JSON export and the printable HTML file all show this one record. Times are aware
datetimes (UTC from the database): the JSON writes them in ISO 8601, the pages in the zone's time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q
from django.utils import timezone

from editorial.fingerprint import post_fingerprint, post_variants
from editorial.models import Post, Publication, PublicationAttempt, Review, ReviewAfter, SignOff, ValueCheck

# Bumped when a key changes meaning, so that a reader of an old export knows which one it holds.
FORMAT = "zone-desk-evidence/1"


def _person(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.get_full_name() or user.username}


def _check(check: ValueCheck) -> dict[str, Any]:
    version = check.value_version
    return {
        "value_id": check.value_id,
        "value": check.value_name,
        "question": check.value_question,
        "language": check.language,
        "confirmed": check.confirmed,
        "note": check.note,
        # The version whose text the reviewer read; None for a check older than the versions that matched none.
        "version": None
        if version is None
        else {
            "number": version.number,
            "since": version.created_at,
            "name": version.name,
            "question": version.question,
        },
    }


def _review(review: Review | None) -> dict[str, Any] | None:
    if review is None:
        return None
    return {
        "id": review.pk,
        "of": "template" if review.template_version_id else "post",
        "reviewer": _person(review.reviewer),
        "decided_at": review.created_at,
        "fingerprint": review.fingerprint,
        "comment": review.comment,
        "checks": [_check(check) for check in review.value_checks.all()],
        "confidentiality_confirmed": review.confidentiality_confirmed,
        "confidentiality_findings": review.confidentiality_findings,
        "confidentiality_override_reason": review.confidentiality_override_reason,
    }


def _publication(publication: Publication | None) -> dict[str, Any] | None:
    if publication is None:
        return None
    return {
        "id": publication.pk,
        "status": publication.status,
        "status_label": str(publication.get_status_display()),
        "external_id": publication.external_id,
        "link": publication.external_url,
        "attempts": publication.attempts,
        "queued_at": publication.queued_at,
        "sending_started_at": publication.sending_started_at,
        "published_at": publication.published_at,
        "last_error": publication.last_error,
        "attempt_rows": [
            {
                "number": attempt.number,
                "started_at": attempt.started_at,
                "finished_at": attempt.finished_at,
                "outcome": attempt.outcome,
                "outcome_label": str(attempt.get_outcome_display()) if attempt.outcome else "",
                "error": attempt.error,
            }
            for attempt in publication.attempt_rows.all()
        ],
    }


def _approving_review(post: Post) -> Review | None:
    """The review the post went out under: the director's approval of exactly its fingerprint, or, for an instance of
    a template, the approval of that template's version. Two queries (the review, its checks with their versions)."""
    if post.template_version_id is not None:
        which = Q(template_version_id=post.template_version_id)
    else:
        which = Q(post=post, fingerprint=post.approved_fingerprint)
    checks = ValueCheck.objects.select_related("value_version").order_by("pk")
    return (
        Review.objects.filter(which, decision=Review.Decision.APPROVE)
        .select_related("reviewer")
        .prefetch_related(Prefetch("value_checks", queryset=checks))
        .order_by("-created_at", "-pk")
        .first()
    )


def evidence_record(*, post: Post, now: datetime | None = None) -> dict[str, Any]:
    """Everything the zone can show about what ``post`` published: the texts and images per channel with their
    hashes, whether they still hash to the approved fingerprint, the approval (review, value checks with the value
    version answered, confidentiality overrides), the publications with their attempts, the origin item and its
    unit, the sign-offs, and the fast lane's facts (template version, filled values, right, urgency, review after).

    ``went_out`` is False for a post no channel published: the record then says so and shows what there is."""
    post = (
        Post.objects.select_related(
            "zone",
            "author",
            "approved_by",
            "category",
            "locality",
            "item__unit",
            "item__submitted_by",
            "template_version__template",
        )
        .prefetch_related(
            Prefetch(
                "publications",
                queryset=Publication.objects.select_related("channel").prefetch_related(
                    Prefetch("attempt_rows", queryset=PublicationAttempt.objects.order_by("number"))
                ),
            ),
            Prefetch("signoffs", queryset=SignOff.objects.select_related("unit", "signed_by").order_by("created_at")),
        )
        .get(pk=post.pk)
    )
    variants = post_variants(post=post)
    publications = {publication.channel_id: publication for publication in post.publications.all()}
    published = [p for p in publications.values() if p.status == Publication.Status.PUBLISHED]
    review_after = _review_after(post)
    review = _approving_review(post) if post.approved_fingerprint else None
    fingerprint_now = post_fingerprint(post=post, variants=variants)
    item = post.item
    return {
        "format": FORMAT,
        "generated_at": now or timezone.now(),
        "zone": {"slug": post.zone.slug, "name": post.zone.name, "timezone": post.zone.timezone},
        "went_out": bool(published),
        "first_published_at": min((p.published_at for p in published), default=None),
        "post": {
            "id": post.pk,
            "title": post.title,
            "status": post.status,
            "status_label": str(post.get_status_display()),
            "category": post.category.name if post.category else "",
            "locality": post.locality.name if post.locality else "",
            "author": _person(post.author),
            "created_at": post.created_at,
            "planned_at": post.planned_at,
            "follows_up": post.follows_up_id,
        },
        "fingerprint": {
            "approved": post.approved_fingerprint,
            "approved_by": _person(post.approved_by),
            "approved_at": post.approved_at,
            "of_the_texts_now": fingerprint_now,
            "matches": bool(post.approved_fingerprint) and fingerprint_now == post.approved_fingerprint,
        },
        "channels": [
            {
                "channel": {
                    "id": variant.channel_id,
                    "kind": variant.channel.kind,
                    "name": variant.channel.name,
                    "handle": variant.channel.handle,
                    "language": variant.channel.language,
                },
                "text": variant.text,
                "images": [
                    {
                        "media_id": media.pk,
                        "order": media.order,
                        "file": media.image.name,
                        "sha256": media.sha256,
                        "alt_text": media.alt_text,
                    }
                    for media in variant.media.all()
                ],
                "publication": _publication(publications.get(variant.channel_id)),
            }
            for variant in variants
        ],
        "approval": {
            "origin": post.origin,
            "origin_label": str(post.get_origin_display()),
            "review": _review(review),
        },
        "fast_lane": _fast_lane(post, review_after),
        "signoffs": [
            {
                "unit": signoff.unit.name,
                "signed_by": _person(signoff.signed_by),
                "signed_at": signoff.created_at,
                "fingerprint": signoff.fingerprint,
                "note": signoff.note,
            }
            for signoff in post.signoffs.all()
        ],
        "origin_item": None
        if item is None
        else {
            "id": item.pk,
            "title": item.title,
            "unit": item.unit.name,
            "submitted_by": _person(item.submitted_by),
            "submitted_at": item.created_at,
            # Erased after the zone's retention period: its facts and files are gone, the post's evidence stays.
            "erased_at": getattr(item, "purged_at", None),
        },
    }


def _review_after(post: Post) -> ReviewAfter | None:
    return ReviewAfter.objects.filter(post=post).select_related("acknowledged_by").first()


def _fast_lane(post: Post, review_after: ReviewAfter | None) -> dict[str, Any] | None:
    if post.template_version_id is None and not post.urgent_reason and review_after is None:
        return None
    version = post.template_version
    return {
        "template": None
        if version is None
        else {
            "id": version.template_id,
            "name": version.template.name,
            "version": version.number,
            "fingerprint": version.fingerprint,
        },
        "filled_values": post.filled_values,
        "published_under": post.published_under,
        "urgent_reason": post.urgent_reason,
        "review_after": None
        if review_after is None
        else {
            "urgent": review_after.urgent,
            "due_at": review_after.due_at,
            "acknowledged_by": _person(review_after.acknowledged_by),
            "acknowledged_at": review_after.acknowledged_at,
            "comment": review_after.comment,
        },
    }
