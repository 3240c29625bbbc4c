"""The fingerprint of a post: what the director approves and what the pipeline checks before every send.

It sits below the workflow services and the publishing pipeline, which both read it (DESIGN.md section 2).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC

from django.db.models import Prefetch

from editorial.models import Post, PostVariant, VariantMedia


def post_variants(*, post: Post) -> list[PostVariant]:
    """Every text of the post with its channel and its images in order: two queries whatever their number."""
    media = VariantMedia.objects.order_by("order", "pk")
    return list(
        PostVariant.objects.filter(post=post)
        # The channel's zone too: the publishers read its time zone.
        .select_related("channel__zone")
        .prefetch_related(Prefetch("media", queryset=media))
        .order_by("channel_id")
    )


def post_fingerprint(*, post: Post, variants: Iterable[PostVariant] | None = None) -> str:
    """SHA-256 over everything that will be published: each channel's text, its media (file hash and alt
    text, in order), the channels themselves, and the planned time. Approval records it; any difference
    later means the approved post is no longer the one that would go out.

    ``variants``: the post's texts as ``post_variants`` reads them, when the caller has them already (the publish
    task reads them once for the check and the send)."""
    variants = post_variants(post=post) if variants is None else sorted(variants, key=lambda v: v.channel_id)
    planned = post.planned_at.astimezone(UTC).isoformat() if post.planned_at else None
    payload = {
        "planned_at": planned,
        "variants": [
            {
                "channel": [variant.channel_id, variant.channel.kind, variant.channel.handle],
                "text": variant.text,
                "media": [[m.sha256, m.alt_text] for m in variant.media.all()],
            }
            for variant in variants
        ],
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def post_is_approved_as_is(*, post: Post, variants: Iterable[PostVariant] | None = None) -> bool:
    """True when the post is approved and what would be published now is exactly what was approved."""
    return (
        post.status == Post.Status.APPROVED
        and bool(post.approved_fingerprint)
        and post_fingerprint(post=post, variants=variants) == post.approved_fingerprint
    )
