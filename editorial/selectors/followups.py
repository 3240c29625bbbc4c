"""Reads of follow-ups (issue 13, point 5): the follow-up page, the list of pending ones, the dashboard's "due"
block (editorial.selectors.desk) and the original post's line about its follow-up. Fixed query counts."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from editorial.models import Channel, FollowUp, Post, Publication, Zone
from editorial.selectors.publishing import safe_link

# The list page's rows (pending follow-ups are few: one per real-time post that has one).
LIST_ROWS = 200


def follow_ups_of_zone(zone: Zone, *, author_id: int | None) -> QuerySet[FollowUp]:
    """The zone's follow-ups; only those of ``author_id``'s posts when given (a unit head sees their own)."""
    rows = FollowUp.objects.filter(zone=zone).select_related("post", "post__author")
    return rows if author_id is None else rows.filter(post__author_id=author_id)


def follow_ups_pending(*, zone: Zone, author_id: int | None) -> list[FollowUp]:
    """Every pending follow-up, due or not, in the order they fall due. One query."""
    return list(
        follow_ups_of_zone(zone, author_id=author_id)
        .filter(status=FollowUp.Status.PENDING)
        .order_by("due_at", "pk")[:LIST_ROWS]
    )


@dataclass(frozen=True)
class OriginalPublication:
    publication: Publication
    link: str  # "" unless a web address


@dataclass(frozen=True)
class Proposal:
    """One channel's proposed text, and the original's publication there (None: it did not go out there, so the
    follow-up is not published there)."""

    channel: Channel
    text: str
    original: Publication | None

    @property
    def goes_out(self) -> bool:
        return self.original is not None


@dataclass(frozen=True)
class FollowUpPage:
    follow_up: FollowUp
    original: Post
    publications: list[OriginalPublication]  # the original's, with their links
    proposals: list[Proposal]

    @property
    def channels_out(self) -> list[Channel]:
        return [p.channel for p in self.proposals if p.goes_out]


def follow_up_for_page(*, zone: Zone, follow_up_id: int) -> FollowUp | None:
    return (
        FollowUp.objects.select_related(
            "zone",
            "post__zone",
            "post__author",
            "post__category",
            "post__locality",
            "post__item",
            "handled_by",
            "published_post",
        )
        .filter(zone=zone, pk=follow_up_id)
        .first()
    )


def follow_up_page(*, follow_up: FollowUp) -> FollowUpPage:
    """The original's publications and the proposed texts per channel (two queries)."""
    original = follow_up.post
    publications = list(
        Publication.objects.filter(post=original).select_related("channel").order_by("channel__kind", "channel_id")
    )
    out = {p.channel_id: p for p in publications if p.status == Publication.Status.PUBLISHED and p.external_id}
    channels = {str(c.pk): c for c in Channel.objects.filter(zone_id=follow_up.zone_id, pk__in=_ids(follow_up))}
    proposals = [
        Proposal(channel=channels[pk], text=text, original=out.get(channels[pk].pk))
        for pk, text in follow_up.texts.items()
        if pk in channels
    ]
    proposals.sort(key=lambda p: (p.channel.kind, p.channel.pk))
    return FollowUpPage(
        follow_up=follow_up,
        original=original,
        publications=[OriginalPublication(p, safe_link(p.external_url)) for p in publications],
        proposals=proposals,
    )


def follow_ups_of_post(*, post: Post) -> list[FollowUp]:
    """A post's follow-ups for its page (one query): usually one, with its state and what it became."""
    return list(
        FollowUp.objects.filter(post=post).select_related("published_post", "handled_by").order_by("due_at", "pk")
    )


def _ids(follow_up: FollowUp) -> list[int]:
    return [int(pk) for pk in follow_up.texts if str(pk).isdigit()]
