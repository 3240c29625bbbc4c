"""The zone's audit log as a person reads it (issue 16, point 4): a page of events at a time, newest first.

Fast with hundreds of thousands of events: the page is found by its position (keyset pagination over
``(created_at, id)``, the index ``(zone, created_at)``; ``(action, created_at)`` for one kind; ``(object_type,
object_id)`` for one object), never by counting or skipping rows; the people are joined to the events; the titles of
the page's objects are read in one query per object type.

Which events a zone's reader sees: the zone's own events, and the security events that have no zone (sign-ins,
second factor, passwords) of the people who are members of the zone (a failed sign-in names the account it tried in
its data). Another zone's events are never read. A person who belongs to two zones has their sign-ins shown in
both: a sign-in is to the desk, not to a zone.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.urls import reverse

from accounts import permissions
from accounts.models import Grant, Membership, User
from accounts.permissions import Right
from editorial.audit_sentences import SENTENCES, SYSTEM, sentence
from editorial.models import AuditEvent, Channel, FollowUp, Item, Post, Publication, Template, WeekTheme, Zone

PAGE_SIZE = 50

# Security events are written without a zone: these are shown for the zone's members. A failed sign-in has no actor
# (nobody signed in): the account it tried is in its data ("user").
ZONELESS_PREFIXES = ("accounts.", "security.")
FAILED_SIGN_INS = ("accounts.login.failure", "accounts.login.locked_out")


@dataclass(frozen=True)
class AuditFilters:
    person: int | None = None
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    before: int | None = None  # the page of events older than this one
    after: int | None = None  # the page of events newer than this one

    @property
    def narrowed(self) -> bool:
        return bool(self.person or self.action or self.object_type or self.start or self.end)


@dataclass
class EventRow:
    event: AuditEvent
    actor: str
    title: str = ""
    url: str = ""
    text: str = ""
    filterable: bool = False  # the page can show this object's events


@dataclass
class AuditPage:
    rows: list[EventRow] = field(default_factory=list)
    newer: int | None = None  # ?after= for the newer page
    older: int | None = None  # ?before= for the older page
    cursor_lost: bool = False  # the position asked for is not an event: the newest page is shown

    @property
    def first(self) -> bool:
        return self.newer is None


def _zoneless_events(zone: Zone, person: int | None) -> QuerySet[AuditEvent]:
    if person is not None:
        about = Q(actor_id=person) | Q(action__in=FAILED_SIGN_INS, data__user=person)
    else:
        members = sorted(set(Membership.objects.filter(zone=zone).values_list("user_id", flat=True)))
        about = Q(actor_id__in=members) | Q(action__in=FAILED_SIGN_INS, data__user__in=members)
    # No condition on the action here: a prefix (LIKE) makes PostgreSQL gather and sort every zoneless event instead
    # of walking the index (zone, created_at) backwards to the first page; the zoneless events are security ones.
    return AuditEvent.objects.filter(Q(zone__isnull=True) & about)


def _narrow(events: QuerySet[AuditEvent], filters: AuditFilters, zone: Zone) -> QuerySet[AuditEvent]:
    if filters.person is not None:
        events = events.filter(actor_id=filters.person)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.object_type:
        events = events.filter(object_type=filters.object_type)
        if filters.object_id:
            events = events.filter(object_id=filters.object_id)
    tz = ZoneInfo(zone.timezone)
    if filters.start is not None:
        events = events.filter(created_at__gte=dt.datetime.combine(filters.start, dt.time.min, tzinfo=tz))
    if filters.end is not None:
        following = filters.end + dt.timedelta(days=1)
        events = events.filter(created_at__lt=dt.datetime.combine(following, dt.time.min, tzinfo=tz))
    return events


def _sources(zone: Zone, filters: AuditFilters) -> list[QuerySet[AuditEvent]]:
    """The queries whose union is the zone's log: its own events, and its members' security events (only when the
    filters can match one)."""
    own = _narrow(AuditEvent.objects.filter(zone=zone), filters, zone)
    sources = [own]
    zoneless_kind = not filters.action or filters.action.startswith(ZONELESS_PREFIXES)
    if zoneless_kind and not filters.object_type:
        zoneless = AuditFilters(action=filters.action, start=filters.start, end=filters.end)
        sources.append(_narrow(_zoneless_events(zone, filters.person), zoneless, zone))
    return sources


def _position(zone: Zone, event_id: int) -> dt.datetime | None:
    """The time of an event the zone's reader may see; None for any other (another zone's event must not serve as a
    position: the page would tell when it happened)."""
    moment = AuditEvent.objects.filter(pk=event_id, zone=zone).values_list("created_at", flat=True).first()
    if moment is None:
        moment = _zoneless_events(zone, None).filter(pk=event_id).values_list("created_at", flat=True).first()
    return moment


def _key(event: AuditEvent) -> tuple[dt.datetime, int]:
    return (event.created_at, event.pk)


def audit_page(*, user: Any, zone: Zone, filters: AuditFilters, size: int | None = None) -> AuditPage:
    """One page of the zone's events with these filters, newest first, each with its sentence and link.

    At most two queries for the events (the zone's own, its members' sign-ins), one for the position when the
    address names one, and one per object type on the page for the titles."""
    size = size or PAGE_SIZE
    page = AuditPage()
    cursor_id = filters.before or filters.after
    newer_side = filters.before is None and filters.after is not None
    cursor: tuple[dt.datetime, int] | None = None
    if cursor_id is not None:
        moment = _position(zone, cursor_id)
        if moment is None:
            page.cursor_lost = True
            newer_side = False
        else:
            cursor = (moment, cursor_id)

    found: list[AuditEvent] = []
    for events in _sources(zone, filters):
        events = events.select_related("actor")
        if len(found) > size:
            # The zone's own events fill the page: the others can only come in before its last one. Without this
            # bound PostgreSQL gathers and sorts every zoneless event of the members (``zone IS NULL`` does not give
            # the index's order).
            edge = found[size].created_at
            events = events.filter(created_at__lte=edge) if newer_side else events.filter(created_at__gte=edge)
        if cursor is not None:
            moment, pk = cursor
            if newer_side:
                events = events.filter(created_at__gte=moment).filter(Q(created_at__gt=moment) | Q(pk__gt=pk))
            else:
                events = events.filter(created_at__lte=moment).filter(Q(created_at__lt=moment) | Q(pk__lt=pk))
        order = ("created_at", "pk") if newer_side else ("-created_at", "-pk")
        found += list(events.order_by(*order)[: size + 1])
    found.sort(key=_key, reverse=not newer_side)
    more = len(found) > size
    found = found[:size]
    if newer_side:
        found.reverse()
    if found:
        if newer_side:
            page.newer = found[0].pk if more else None
            page.older = found[-1].pk
        else:
            page.newer = found[0].pk if cursor is not None else None
            page.older = found[-1].pk if more else None
    page.rows = _rows(user=user, zone=zone, events=found)
    return page


# --- Sentences and links ---------------------------------------------------------------------------------


def _person(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def _actor(event: AuditEvent) -> str:
    if event.actor is not None:
        return _person(event.actor)
    if event.actor_label and event.actor_label != "system":
        return event.actor_label
    return str(SYSTEM)


# object_type -> (how to read the titles of some ids of the zone, the page of one, the right to open it)
Titles = Callable[[Zone, list[int]], dict[int, tuple[str, int | None]]]


def _post_titles(zone: Zone, ids: list[int]) -> dict[int, tuple[str, int | None]]:
    return {pk: (title, pk) for pk, title in Post.objects.filter(zone=zone, pk__in=ids).values_list("pk", "title")}


def _item_titles(zone: Zone, ids: list[int]) -> dict[int, tuple[str, int | None]]:
    return {pk: (title, pk) for pk, title in Item.objects.filter(zone=zone, pk__in=ids).values_list("pk", "title")}


def _template_titles(zone: Zone, ids: list[int]) -> dict[int, tuple[str, int | None]]:
    return {pk: (name, pk) for pk, name in Template.objects.filter(zone=zone, pk__in=ids).values_list("pk", "name")}


def _channel_titles(zone: Zone, ids: list[int]) -> dict[int, tuple[str, int | None]]:
    return {pk: (name, None) for pk, name in Channel.objects.filter(zone=zone, pk__in=ids).values_list("pk", "name")}


def _publication_titles(zone: Zone, ids: list[int]) -> dict[int, tuple[str, int | None]]:
    rows = Publication.objects.filter(post__zone=zone, pk__in=ids).values_list(
        "pk", "post_id", "post__title", "channel__name"
    )
    return {pk: (f"{title} · {channel}", post_id) for pk, post_id, title, channel in rows}


def _follow_up_titles(zone: Zone, ids: list[int]) -> dict[int, tuple[str, int | None]]:
    rows = FollowUp.objects.filter(zone=zone, pk__in=ids).values_list("pk", "post__title")
    return {pk: (title, pk) for pk, title in rows}


def _theme_titles(zone: Zone, ids: list[int]) -> dict[int, tuple[str, int | None]]:
    return {
        pk: (title, None) for pk, title in WeekTheme.objects.filter(zone=zone, pk__in=ids).values_list("pk", "title")
    }


def _membership_titles(zone: Zone, ids: list[int]) -> dict[int, tuple[str, int | None]]:
    rows = Membership.objects.filter(zone=zone, pk__in=ids).select_related("user")
    return {m.pk: (_person(m.user), m.pk) for m in rows}


def _grant_titles(zone: Zone, ids: list[int]) -> dict[int, tuple[str, int | None]]:
    rows = Grant.objects.filter(membership__zone=zone, pk__in=ids).select_related("membership__user")
    return {g.pk: (_person(g.membership.user), g.membership_id) for g in rows}


def _user_titles(zone: Zone, ids: list[int]) -> dict[int, tuple[str, int | None]]:
    rows = User.objects.filter(memberships__zone=zone, pk__in=ids).distinct()
    return {u.pk: (_person(u), None) for u in rows}


def _zone_titles(zone: Zone, ids: list[int]) -> dict[int, tuple[str, int | None]]:
    return {zone.pk: (zone.name, None)} if zone.pk in ids else {}


# The page each kind of object opens, and who may open it (the zone-wide right behind that page's own check).
OBJECTS: dict[str, tuple[Titles, str, Callable[[Any, Zone], bool]]] = {
    "editorial.post": (
        _post_titles,
        "editorial:post_detail",
        lambda u, z: permissions.has_right(u, z, Right.VIEW_PLAN),
    ),
    "editorial.publication": (
        _publication_titles,
        "editorial:post_detail",
        lambda u, z: permissions.has_right(u, z, Right.VIEW_PLAN),
    ),
    "editorial.item": (
        _item_titles,
        "editorial:item_detail",
        lambda u, z: permissions.has_right(u, z, Right.TRIAGE_ITEMS) or permissions.has_right(u, z, Right.REVIEW_POST),
    ),
    "editorial.template": (
        _template_titles,
        "editorial:template_detail",
        lambda u, z: permissions.can_write_templates(u, z) or permissions.can_review_templates(u, z),
    ),
    "editorial.channel": (
        _channel_titles,
        "editorial:channels",
        lambda u, z: permissions.has_right(u, z, Right.PAUSE_PUBLISHING),
    ),
    "editorial.followup": (
        _follow_up_titles,
        "editorial:follow_up_detail",
        lambda u, z: permissions.has_right(u, z, Right.VIEW_PLAN),
    ),
    "editorial.weektheme": (_theme_titles, "", lambda u, z: False),
    "accounts.membership": (_membership_titles, "editorial:member_detail", permissions.can_manage_grants),
    "accounts.grant": (_grant_titles, "editorial:member_detail", permissions.can_manage_grants),
    "accounts.user": (_user_titles, "", lambda u, z: False),
    "editorial.zone": (_zone_titles, "", lambda u, z: False),
}

# The object types the "object" filter offers.
OBJECT_TYPES = [key for key in OBJECTS if key not in ("editorial.zone", "editorial.weektheme")]


def _fallback_title(event: AuditEvent) -> str:
    data = event.data if isinstance(event.data, dict) else {}
    for key in ("title", "name", "username"):
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def _rows(*, user: Any, zone: Zone, events: list[AuditEvent]) -> list[EventRow]:
    wanted: dict[str, set[int]] = defaultdict(set)
    for event in events:
        if event.object_type in OBJECTS and event.object_id.isdigit():
            wanted[event.object_type].add(int(event.object_id))
    titles: dict[str, dict[int, tuple[str, int | None]]] = {}
    may_open: dict[str, bool] = {}
    for object_type, ids in wanted.items():
        read, _url_name, allowed = OBJECTS[object_type]
        titles[object_type] = read(zone, sorted(ids))
        may_open[object_type] = bool(allowed(user, zone))
    rows = []
    for event in events:
        row = EventRow(event=event, actor=_actor(event))
        row.filterable = event.object_type in OBJECT_TYPES and event.object_id.isdigit()
        known = titles.get(event.object_type, {}).get(int(event.object_id)) if event.object_id.isdigit() else None
        if known is not None:
            row.title, target = known
            url_name = OBJECTS[event.object_type][1]
            if url_name and may_open[event.object_type]:
                row.url = _url(url_name, zone, target)
        else:
            row.title = _fallback_title(event)
        data = event.data if isinstance(event.data, dict) else {}
        row.text = sentence(action=event.action, actor=row.actor, title=row.title, data=data)
        rows.append(row)
    return rows


def _url(url_name: str, zone: Zone, target: int | None) -> str:
    if url_name == "editorial:channels":
        return reverse(url_name, args=[zone.slug])
    if target is None:
        return ""
    return reverse(url_name, args=[zone.slug, target])


def known_action(action: str) -> bool:
    return action in SENTENCES
