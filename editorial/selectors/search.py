"""The Posts page: the posts a person may read (``accounts.permissions.can_view_post`` as a query), found by words
of their titles and texts, filtered and sorted, with everything a row shows in a fixed number of queries.

On PostgreSQL the words are matched with full-text search in the zone's languages, accents ignored (the
``desk_french`` and ``desk_dutch`` configurations of migration 0012, GIN-indexed); on SQLite, for the local run,
each word must appear in the title or a text, accents and case folded on both sides."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Exists, F, Func, IntegerField, OuterRef, Prefetch, Q, QuerySet, TextField
from django.db.models.functions import Lower
from django.db.models.lookups import Exact

from accounts import permissions
from accounts.models import Role
from accounts.permissions import Right
from editorial.clock import local_day_bounds
from editorial.models import Language, Post, PostVariant, Zone
from editorial.selectors.plan import with_going_out

# What is searched of a typed text: beyond this, the rest is dropped (a search box, not a document).
MAX_SEARCH_CHARS = 200
MAX_TERMS = 8

SORTS = {
    "planned": (F("planned_at").desc(nulls_last=True), F("pk").desc()),
    "created": (F("created_at").desc(), F("pk").desc()),
    "title": (Lower("title").asc(), F("pk").asc()),
}
DEFAULT_SORT = "planned"

_CONFIGS = {Language.FR: ("desk_french",), Language.NL: ("desk_dutch",), Language.BOTH: ("desk_french", "desk_dutch")}


@dataclass(frozen=True)
class PostFilters:
    """What the Posts page was asked, already understood (ids of this zone's rows, dates in the zone's calendar)."""

    text: str = ""
    status: str = ""
    channel: int | None = None
    unit: int | None = None
    category: int | None = None
    locality: int | None = None
    author: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    sort: str = DEFAULT_SORT


def may_list_posts(user: Any, zone: Zone) -> bool:
    """Whoever may read some post of the zone: those who see the plan, and unit heads (their units' posts)."""
    return permissions.has_right(user, zone, Right.VIEW_PLAN) or Role.UNIT_HEAD in permissions.roles_in(user, zone)


def visible_posts(*, user: Any, zone: Zone) -> QuerySet[Post]:
    """The zone's posts ``user`` may read: exactly those for which ``permissions.can_view_post`` says yes."""
    posts = Post.objects.filter(zone=zone)
    if permissions.has_right(user, zone, Right.VIEW_PLAN):
        return posts
    if Role.UNIT_HEAD not in permissions.roles_in(user, zone):
        return posts.none()
    units = permissions.unit_ids_in(user, zone)
    shared = Post.shared_with_units.through.objects.filter(post_id=OuterRef("pk"), unit_id__in=units)
    return posts.filter(
        Q(item__unit_id__in=units)
        | Q(author_id=user.pk)
        | Exists(shared)
        | Q(category__isnull=False, category__signoff_unit_id__in=units)
    )


def fold(text: str) -> str:
    """Lower case without accents ("Quévy" and "QUEVY" are "quevy"), for the SQLite search."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_text(raw: str) -> str:
    """What is searched of a typed text: printable characters only (PostgreSQL refuses NUL), spaces collapsed,
    at most MAX_SEARCH_CHARS."""
    printable = "".join(c if c.isprintable() else " " for c in raw)
    return " ".join(printable.split())[:MAX_SEARCH_CHARS].strip()


class _Fold(Func):
    """``fold`` inside SQLite (given to the connection by ``_sqlite_fold`` before each search)."""

    function = "desk_fold"
    output_field = TextField()


def _sqlite_fold() -> None:
    connection.ensure_connection()
    connection.connection.create_function("desk_fold", 1, _fold_or_none, deterministic=True)


def _fold_or_none(value: str | None) -> str | None:
    return None if value is None else fold(value)


@dataclass(frozen=True)
class Term:
    """A word, or words in quotes (side by side), that a post must contain; or, after a minus, must not."""

    text: str
    phrase: bool = False
    exclude: bool = False


_TERM = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')


def terms(text: str) -> list[Term]:
    """The terms of a typed search, at most MAX_TERMS of them, as in a web search box: ``radar "rue de Mons" -N6``."""
    found: list[Term] = []
    for match in _TERM.finditer(text):
        if match[2] is not None:
            term = Term(" ".join(match[2].split()), phrase=True, exclude=bool(match[1]))
        else:
            term = Term(match[4], exclude=bool(match[3]))
        if term.text:
            found.append(term)
    return found[:MAX_TERMS]


def _pg_term(term: Term, configs: tuple[str, ...]) -> Q:
    """On PostgreSQL: the posts whose title or one of whose texts holds the term, in one of the zone's languages.
    Each term is two subqueries answered by their GIN indexes (a post's title and texts are in two tables, so one
    query over both could use no index). A term made of stop words only ("de", "la") holds everywhere."""
    holds = Q()
    for config in configs:
        query = SearchQuery(term.text, config=config, search_type="phrase" if term.phrase else "plain")
        by_title = Post.objects.alias(found=SearchVector("title", config=config)).filter(found=query)
        by_text = PostVariant.objects.alias(found=SearchVector("text", config=config)).filter(found=query)
        found = Q(pk__in=by_title.values("pk")) | Q(pk__in=by_text.values("post_id"))
        if term.exclude:
            holds |= found
        else:
            only_stop_words = Exact(Func(query, function="numnode", output_field=IntegerField()), 0)
            holds |= found | Q(only_stop_words)
    return ~holds if term.exclude else holds


def _sqlite_term(term: Term) -> Q:
    """On SQLite: the posts whose title or one of whose texts contains the term, accents and case folded."""
    word = fold(term.text)
    in_texts = PostVariant.objects.alias(folded=_Fold("text")).filter(post_id=OuterRef("pk"), folded__contains=word)
    holds = Q(folded_title__contains=word) | Q(Exists(in_texts))
    return ~holds if term.exclude else holds


def _matching(posts: QuerySet[Post], zone: Zone, text: str) -> QuerySet[Post]:
    if connection.vendor == "postgresql":
        configs = _CONFIGS.get(zone.languages, _CONFIGS[Language.BOTH])
        for term in terms(text):
            posts = posts.filter(_pg_term(term, configs))
        return posts
    _sqlite_fold()
    posts = posts.alias(folded_title=_Fold("title"))
    for term in terms(text):
        posts = posts.filter(_sqlite_term(term))
    return posts


def search_posts(*, user: Any, zone: Zone, filters: PostFilters) -> QuerySet[Post]:
    """The posts ``user`` may read that match ``filters``, sorted, each with its category, locality, item's unit,
    author, texts' channels (not their texts) and ``with_going_out``'s times: no query per row."""
    posts = visible_posts(user=user, zone=zone)
    if filters.text:
        posts = _matching(posts, zone, filters.text)
    if filters.status:
        posts = posts.filter(status=filters.status)
    if filters.channel is not None:
        posts = posts.filter(Exists(PostVariant.objects.filter(post_id=OuterRef("pk"), channel_id=filters.channel)))
    if filters.unit is not None:
        posts = posts.filter(item__unit_id=filters.unit)
    if filters.category is not None:
        posts = posts.filter(category_id=filters.category)
    if filters.locality is not None:
        posts = posts.filter(locality_id=filters.locality)
    if filters.author is not None:
        posts = posts.filter(author_id=filters.author)
    if filters.start is not None:
        posts = posts.filter(planned_at__gte=local_day_bounds(filters.start, zone.tzinfo)[0])
    if filters.end is not None:
        posts = posts.filter(planned_at__lt=local_day_bounds(filters.end, zone.tzinfo)[1])
    variants = PostVariant.objects.select_related("channel").defer("text").order_by("channel__kind", "channel__name")
    posts = posts.select_related("category", "locality", "item__unit", "author").prefetch_related(
        Prefetch("variants", variants)
    )
    return with_going_out(posts).order_by(*SORTS.get(filters.sort, SORTS[DEFAULT_SORT]))
