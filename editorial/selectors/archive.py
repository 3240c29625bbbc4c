"""The archive (issue 16, point 2): what went out, found with the Posts page's search (``search_posts``), the period
being when each post went out (its first publication published), and the rows of its export, read in chunks.

Only the officers and directors read it (``accounts.permissions.can_view_archive``): they see every post of the
zone, so the search's own visibility rule changes nothing for them."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import F, Prefetch, QuerySet
from django.db.models.functions import Lower

from editorial.clock import local_day_bounds
from editorial.models import Post, PostVariant, Publication, Zone
from editorial.selectors.search import PostFilters, search_posts

ARCHIVE_SORTS = {
    "went_out": (F("went_out_at").desc(), F("pk").desc()),
    "went_out_asc": (F("went_out_at").asc(), F("pk").asc()),
    "title": (Lower("title").asc(), F("pk").asc()),
}
DEFAULT_ARCHIVE_SORT = "went_out"

# An export is one request: at most this long a period and this many posts (a larger one is asked in parts).
MAX_EXPORT_DAYS = 366
MAX_EXPORT_POSTS = 20_000
# Posts read from the database at a time while an export streams (each chunk with its texts and publications).
EXPORT_CHUNK_SIZE = 500


def archive_posts(*, user: Any, zone: Zone, filters: PostFilters) -> QuerySet[Post]:
    """The posts of the Posts search for ``filters`` that went out, the period (``filters.start`` to
    ``filters.end``, days of the zone, both included) being when each went out; ``went_out_at`` on each row."""
    search = dataclasses.replace(filters, status="", start=None, end=None)
    posts = search_posts(user=user, zone=zone, filters=search).filter(went_out_at__isnull=False)
    if filters.start is not None:
        posts = posts.filter(went_out_at__gte=local_day_bounds(filters.start, zone.tzinfo)[0])
    if filters.end is not None:
        posts = posts.filter(went_out_at__lt=local_day_bounds(filters.end, zone.tzinfo)[1])
    return posts.order_by(*ARCHIVE_SORTS.get(filters.sort, ARCHIVE_SORTS[DEFAULT_ARCHIVE_SORT]))


def export_posts(*, user: Any, zone: Zone, filters: PostFilters) -> QuerySet[Post]:
    """``archive_posts`` with what an export row needs: each channel's text and its publication (platform id,
    link, time), the approver. Read it with ``.iterator(chunk_size=EXPORT_CHUNK_SIZE)``: the prefetches then run
    once per chunk, never once per post."""
    variants = PostVariant.objects.select_related("channel").order_by("channel__kind", "channel__name", "pk")
    publications = Publication.objects.filter(status=Publication.Status.PUBLISHED).order_by("published_at", "pk")
    return (
        archive_posts(user=user, zone=zone, filters=filters)
        .select_related("approved_by")
        .prefetch_related(None)
        .prefetch_related(Prefetch("variants", variants), Prefetch("publications", publications))
    )


@dataclasses.dataclass(frozen=True)
class ChannelOut:
    """One channel of a post that went out: the text sent and where it is."""

    channel: str
    text: str
    platform_id: str
    link: str
    published_at: dt.datetime | None


@dataclasses.dataclass(frozen=True)
class ExportRow:
    """One post of an export, times aware (the view writes them in the zone's time)."""

    post_id: int
    title: str
    went_out_at: dt.datetime
    channels: list[ChannelOut]
    category: str
    locality: str
    unit: str
    author: str
    approver: str
    approved_at: dt.datetime | None


def _person(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def export_rows(posts: QuerySet[Post]) -> Iterator[ExportRow]:
    """The rows of ``export_posts``, read a chunk at a time (no memory growth with the period)."""
    for post in posts.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        published = {p.channel_id: p for p in post.publications.all()}
        channels = []
        for variant in post.variants.all():
            publication = published.get(variant.channel_id)
            if publication is None:
                continue  # a channel whose text never went out (failed, cancelled) is not what the zone said
            channels.append(
                ChannelOut(
                    channel=variant.channel.label,
                    text=variant.text,
                    platform_id=publication.external_id,
                    link=publication.external_url,
                    published_at=publication.published_at,
                )
            )
        yield ExportRow(
            post_id=post.pk,
            title=post.title,
            went_out_at=post.went_out_at,
            channels=channels,
            category=post.category.name if post.category else "",
            locality=post.locality.name if post.locality else "",
            unit=post.item.unit.name if post.item else "",
            author=_person(post.author),
            approver=_person(post.approved_by),
            approved_at=post.approved_at,
        )
