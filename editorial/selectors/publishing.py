"""Reads for the officer's view of publishing: a post's publications and the zone's channels. Fixed query counts."""

from __future__ import annotations

from urllib.parse import urlparse

from django.db.models import BooleanField, Case, QuerySet, Value, When

from editorial.models import Channel, Post, Publication, Zone

Status = Publication.Status

# Publications still on their way: the post page refreshes itself while one of them is in this state.
IN_FLIGHT = frozenset({Status.PENDING, Status.QUEUED, Status.SENDING, Status.RETRYING})
# Outcomes a person must settle: "it was published" or "send it again".
NEEDS_DECISION = frozenset({Status.UNKNOWN, Status.FAILED})
# A post with a publication in one of these states may have reached the network: it cannot be cancelled.
MAY_BE_ONLINE = frozenset({Status.SENDING, Status.PUBLISHED, Status.UNKNOWN})


def post_publications(*, post: Post) -> list[Publication]:
    """The post's publications with their channel, X first (one query)."""
    return list(
        Publication.objects.filter(post=post)
        .select_related("channel")
        .defer("channel__credentials_encrypted")
        .order_by("channel__kind", "channel__name", "channel_id")
    )


def safe_link(url: str) -> str:
    """Only web addresses become links: a ``javascript:`` URL typed or returned by a network stays text."""
    parsed = urlparse(url or "")
    return url if parsed.scheme in ("http", "https") and parsed.netloc else ""


def zone_channels_state(*, zone: Zone) -> QuerySet[Channel]:
    """The zone's channels for the channels page. The credentials are never loaded (so never decrypted, never
    rendered): ``credentials_set`` says whether there are some."""
    return (
        Channel.objects.filter(zone=zone)
        .defer("credentials_encrypted")
        .annotate(
            credentials_set=Case(
                When(credentials_encrypted="", then=Value(False)), default=Value(True), output_field=BooleanField()
            )
        )
        .order_by("kind", "name", "pk")
    )


def channel_of_zone(*, zone: Zone, channel_id: int) -> Channel:
    """One channel of the zone (raises Channel.DoesNotExist for another zone's or an unknown id)."""
    return Channel.objects.select_related("zone").get(pk=channel_id, zone=zone)
