"""The time budget's writes (issue 14, point 5): the active time the pages report, and the zone's budget.

What is measured, and only that: a page of the desk open in a visible tab, with some input (pointer, key, scroll,
focus) in the last minute, counts its seconds; static/js/activetime.js sends them every 15 seconds with the page's
key (its URL name). The server decides the kind of work from that key (``PAGE_KINDS``), takes the minute from its own
clock, and adds the seconds to one row per person and minute that never holds more than 60 (``ActiveTime``). Which
keys were typed, what was read or written, the address of the page: none of it is sent or kept.

The pings are not in the audit log: they change nothing of the desk's content (no post, item, right or setting), and
one event every 15 seconds per person would flood the append-only chain that exists to answer "who changed what".
A change of the zone's budget is a setting of the desk, and is audited (``zone_set_time_budget``).
"""

from __future__ import annotations

import datetime as dt
import functools
from datetime import UTC
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Least
from django.utils import timezone

from editorial.audit import audit_record
from editorial.models import ActiveTime, WorkKind, Zone

# The page sends what it counted at most this often; a ping carries at most this many seconds.
PING_SECONDS = 15
# A row is one minute: never more than its 60 seconds, whatever the pings say.
MINUTE_SECONDS = 60
# Pings a person may send per minute: one page sends 4, a few more when tabs are hidden or closed. Over the limit a
# ping is dropped (the minute's row could not grow past 60 s anyway; this spares the database a scripted flood).
PINGS_PER_MINUTE = 20

# The kind of work of each page of the desk, by URL name (editorial namespace). A page of the desk not listed here
# counts as "other"; a key that names no page of the desk is refused.
PAGE_KINDS: dict[str, str] = {
    # Reading the units' items.
    "item_list": WorkKind.ITEMS,
    "item_detail": WorkKind.ITEMS,
    "item_create": WorkKind.ITEMS,
    "item_decline": WorkKind.ITEMS,
    "item_take_up": WorkKind.ITEMS,
    # Writing: posts, templates, the plan, finding a post to start from.
    "post_list": WorkKind.WRITING,
    "post_create": WorkKind.WRITING,
    "post_edit": WorkKind.WRITING,
    "post_detail": WorkKind.WRITING,
    "post_duplicate": WorkKind.WRITING,
    "plan": WorkKind.WRITING,
    "plan_week": WorkKind.WRITING,
    "theme_add": WorkKind.WRITING,
    "template_list": WorkKind.WRITING,
    "template_create": WorkKind.WRITING,
    "template_detail": WorkKind.WRITING,
    "template_edit": WorkKind.WRITING,
    "fast_lane": WorkKind.WRITING,
    "template_publish": WorkKind.WRITING,
    "urgent_post": WorkKind.WRITING,
    # Reviewing, before and after.
    "review_queue": WorkKind.REVIEW,
    "review_post": WorkKind.REVIEW,
    "request_changes": WorkKind.REVIEW,
    "template_review": WorkKind.REVIEW,
    "template_request_changes": WorkKind.REVIEW,
    "review_after_queue": WorkKind.REVIEW,
    # Answering: follow-ups on the networks, comments on posts.
    "follow_up_list": WorkKind.COMMENTS,
    "follow_up_detail": WorkKind.COMMENTS,
    "comment_add": WorkKind.COMMENTS,
}


@functools.cache
def _desk_page_names() -> frozenset[str]:
    # Imported here: the URLs import the views, which import this module.
    from editorial.urls import urlpatterns

    return frozenset(pattern.name for pattern in urlpatterns if getattr(pattern, "name", None))


def kind_for_page(page: str) -> str | None:
    """The kind of work of the page named ``page`` (a URL name of the desk), or None for a name the desk does not
    have: the page's kind is never taken from what the browser says it is."""
    if page in PAGE_KINDS:
        return PAGE_KINDS[page]
    if page in _desk_page_names():
        return WorkKind.OTHER
    return None


def current_minute(now: dt.datetime | None = None) -> dt.datetime:
    """The UTC minute holding ``now`` (the server's clock; a browser never chooses its minute)."""
    now = (now or timezone.now()).astimezone(UTC)
    return now.replace(second=0, microsecond=0)


def ping_allowed(*, user: Any, now: dt.datetime | None = None) -> bool:
    """Count this ping against the person's limit for the current minute; False once over ``PINGS_PER_MINUTE``."""
    minute = current_minute(now)
    key = f"desk:timeping:{user.pk}:{minute:%Y%m%d%H%M}"
    try:
        cache.add(key, 0, timeout=2 * MINUTE_SECONDS)
        count = cache.incr(key)
    except Exception:  # a cache that fails must not stop the desk; the minute's cap still holds
        return True
    return count <= PINGS_PER_MINUTE


def active_time_add(*, zone: Zone, user: Any, kind: str, seconds: int, now: dt.datetime | None = None) -> int:
    """Add ``seconds`` of active time on a page of ``kind`` to the person's current minute in ``zone``.

    The seconds are clamped to ``0..PING_SECONDS``, and the minute's row to 60 s by the database itself
    (``LEAST(seconds + n, 60)`` in one UPDATE), so concurrent pings from several tabs cannot add up past the minute.
    The minute keeps the kind of its first ping (a change of page within a minute moves at most that minute), and
    belongs to the zone of its first ping: a second zone's tab in the same minute adds nothing (a person has 60
    seconds a minute, not 60 per zone). Returns the seconds accepted (before the minute's cap).
    """
    seconds = max(0, min(int(seconds), PING_SECONDS))
    if seconds == 0:
        return 0
    minute = current_minute(now)
    capped = Least(F("seconds") + seconds, Value(MINUTE_SECONDS))
    rows = ActiveTime.objects.filter(zone=zone, user=user, minute=minute)
    with transaction.atomic():
        if rows.update(seconds=capped):
            return seconds
        try:
            with transaction.atomic():
                ActiveTime.objects.create(zone=zone, user=user, minute=minute, kind=kind, seconds=seconds)
        except IntegrityError:
            # Another tab made the minute's row meanwhile (or another zone's tab holds the minute).
            rows.update(seconds=capped)
    return seconds


BUDGET_FIELDS = (
    "daily_budget_minutes",
    "budget_items_minutes",
    "budget_writing_minutes",
    "budget_review_minutes",
    "budget_comments_minutes",
)


def zone_set_time_budget(*, actor: Any, zone: Zone, values: dict[str, int]) -> Zone:
    """Set the zone's daily budget and its split (``BUDGET_FIELDS``), validated by ``Zone.clean`` (the split adds up
    to the daily budget; ``ValidationError`` otherwise), and audit the change with the figures before and after.
    The caller has checked ``permissions.can_set_time_budget``."""
    with transaction.atomic():
        locked = Zone.objects.select_for_update().get(pk=zone.pk)
        before = {name: getattr(locked, name) for name in BUDGET_FIELDS}
        for name in BUDGET_FIELDS:
            setattr(locked, name, int(values[name]))
        others = [field.name for field in Zone._meta.fields if field.name not in BUDGET_FIELDS]
        locked.clean_fields(exclude=others)
        locked.clean()
        after = {name: getattr(locked, name) for name in BUDGET_FIELDS}
        if after != before:
            locked.save(update_fields=list(BUDGET_FIELDS))
            audit_record(
                action="editorial.zone.time_budget",
                actor=actor,
                zone=locked,
                obj=locked,
                data={"before": before, "after": after},
            )
    for name in BUDGET_FIELDS:
        setattr(zone, name, getattr(locked, name))
    return zone
