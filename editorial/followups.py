"""Follow-ups (issue 13, point 5): the message that closes a real-time one (a reopening after a closure, the end of
a flood warning).

A template version may carry a follow-up text per channel. When an instance of it is published, ``follow_up_plan``
stores a FollowUp with those texts filled with the instance's values and a due time. When it is due,
``follow_ups_remind`` tells the post's author and the zone's officers once (dashboard and e-mail); one of them
publishes it in two clicks (``editorial.fastlane.follow_up_publish``, like every entry of the fast lane: the
dashboard's link, then "Publish now") or says it is not needed (``follow_up_dismiss``).

The follow-up's text is part of the template version the director approved: it goes out in the fast lane, without a
new review, and lands in the director's review-after queue like its original. On X it is a reply to the original
(same thread), on Facebook a comment of the page under the original post (see the publishers and
docs/architecture.md, "Follow-ups").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from editorial import notifications
from editorial.audit import audit_record
from editorial.errors import WorkflowError
from editorial.models import (
    Channel,
    FollowUp,
    Locality,
    Post,
    Publication,
    Road,
    TemplateVersion,
    Zone,
)
from editorial.templating import Choices, Kind, declared, placeholders_for, render

# When the template says neither {until} on a {date} nor a delay: the follow-up is proposed an hour later.
DEFAULT_AFTER_MINUTES = 60


def follow_up_plan(*, actor: Any, post: Post) -> FollowUp | None:
    """The follow-up of an instance of a template, created with it (called by the fast lane inside the transaction
    that publishes ``post``); None when its template version has no follow-up text for the post's channels.

    Texts: each of the post's channels that the version's ``follow_up_texts`` names, rendered with the post's filled
    values in the channel's language. Due: ``{until}`` on ``{date}`` in the zone's time zone (the next day when
    ``{until}`` is earlier than ``{from}``: a night closure) when the template has both; otherwise the post's time
    plus ``follow_up_after_minutes`` (an hour when the template gives no delay either). Writes one audit event
    (``editorial.follow_up.plan``)."""
    version = post.template_version
    if version is None or not version.follow_up_texts:
        return None
    variants = list(post.variants.select_related("channel"))
    wanted = {str(key): text for key, text in version.follow_up_texts.items() if (text or "").strip()}
    channels = [variant.channel for variant in variants if str(variant.channel_id) in wanted]
    if not channels:
        return None
    placeholders = _placeholders(version)
    choices = _choices(post.zone_id)
    values = post.filled_values or {}
    texts = {
        str(channel.pk): render(
            wanted[str(channel.pk)], placeholders, values, language=channel.language, choices=choices
        ).strip()
        for channel in channels
    }
    due_at = follow_up_due(version=version, values=values, posted_at=post.planned_at or timezone.now(), zone=post.zone)
    follow_up = FollowUp.objects.create(
        zone=post.zone, post=post, due_at=due_at, texts=texts, created_by=actor, status=FollowUp.Status.PENDING
    )
    audit_record(
        action="editorial.follow_up.plan",
        actor=actor,
        zone=post.zone,
        obj=post,
        data={"follow_up": follow_up.pk, "due_at": due_at.isoformat(), "texts": texts},
    )
    return follow_up


def follow_up_due(
    *, version: TemplateVersion, values: dict[str, str], posted_at: dt.datetime, zone: Any
) -> dt.datetime:
    """When a follow-up is due (see ``follow_up_plan``), as an aware datetime.

    The day is added on the calendar, not as 24 hours: a night closure across the change to or from summer time
    still ends at the hour the template says. An hour that does not exist on that day (02:30 on the night clocks go
    forward) is read with the offset before the change, i.e. an hour later on the clock; an ambiguous one (the
    night they go back) is the first of the two. Either way the reminder comes at the latest an hour late."""
    kinds = {p.name: p.kind for p in _placeholders(version)}
    until, date = values.get("until"), values.get("date")
    if until and date and kinds.get("until") == Kind.TIME and kinds.get("date") == Kind.DATE:
        try:
            day = dt.date.fromisoformat(date)
            end = dt.time.fromisoformat(until)
            start = dt.time.fromisoformat(values["from"]) if values.get("from") else None
            if start is not None and end < start:
                day += dt.timedelta(days=1)
            local = dt.datetime.combine(day, end, tzinfo=zone.tzinfo)
            # Through UTC and back: a time that does not exist on that day becomes the real time it stands for.
            return local.astimezone(dt.UTC)
        except (ValueError, OverflowError):
            pass  # not canonical values, or a day at the end of the calendar (9999-12-31): fall back on the delay
    minutes = version.follow_up_after_minutes
    return posted_at + dt.timedelta(minutes=DEFAULT_AFTER_MINUTES if minutes is None else minutes)


def _placeholders(version: TemplateVersion) -> list[Any]:
    texts = [*version.texts.values(), *version.follow_up_texts.values()]
    return placeholders_for(texts, declared(version.placeholders or []))


def _choices(zone_id: int) -> Choices:
    return Choices(
        localities=dict(Locality.objects.filter(zone_id=zone_id).values_list("name", "hashtag")),
        roads=dict(Road.objects.filter(zone_id=zone_id).values_list("name", "hashtag")),
    )


def follow_up_channels(*, follow_up: FollowUp) -> list[Channel]:
    """The follow-up's channels where its original is out (a publication published, with the network's id): a reply
    needs something to answer. Channels where the original did not go out are left out."""
    published = Publication.objects.filter(post_id=follow_up.post_id, status=Publication.Status.PUBLISHED).exclude(
        external_id=""
    )
    ids = {int(pk) for pk in follow_up.texts}
    return list(
        Channel.objects.filter(zone_id=follow_up.zone_id, pk__in=ids)
        .filter(pk__in=published.values("channel_id"))
        .order_by("kind", "name", "pk")
    )


def follow_up_publishing_right(*, actor: Any, follow_up: FollowUp, channels: list[Channel] | None = None) -> str:
    """The right under which ``actor`` may publish the follow-up now ("" when they may not): the same question as
    for its original (its category, the channels it goes out on), read again at each submission."""
    if channels is None:
        channels = follow_up_channels(follow_up=follow_up)
    if not channels:
        # Nothing to publish: whoever may publish the original's category on its channels may still dismiss it.
        channels = list(Channel.objects.filter(zone_id=follow_up.zone_id, pk__in=[int(pk) for pk in follow_up.texts]))
    return permissions.publishing_right(actor, follow_up.zone, category=follow_up.post.category, channels=channels)


def lock_pending(follow_up: FollowUp, *, actor: Any, status: str) -> FollowUp:
    """Move the follow-up from pending to ``status`` (a conditional update: two clicks, one wins)."""
    now = timezone.now()
    updated = FollowUp.objects.filter(pk=follow_up.pk, status=FollowUp.Status.PENDING).update(
        status=status, handled_by=actor, handled_at=now
    )
    if updated != 1:
        raise WorkflowError(_("This follow-up was already published or dismissed."), code="follow_up_handled")
    follow_up.status, follow_up.handled_by, follow_up.handled_at = status, actor, now
    return follow_up


def follow_up_dismiss(*, actor: Any, follow_up: FollowUp, reason: str) -> FollowUp:
    """Say the follow-up is not needed (the road reopened earlier and someone said so, the warning was lifted in
    another message): pending -> dismissed with the reason, audited (``editorial.follow_up.dismiss``). Whoever may
    publish it may dismiss it (``PermissionDenied`` otherwise); ``WorkflowError`` without a reason or when someone
    handled it first."""
    follow_up = FollowUp.objects.select_related("zone", "post__category").get(pk=follow_up.pk)
    permissions.forget(actor)
    if not follow_up_publishing_right(actor=actor, follow_up=follow_up):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(_("Say why the follow-up is not needed."), code="reason_missing")
    with transaction.atomic():
        lock_pending(follow_up, actor=actor, status=FollowUp.Status.DISMISSED)
        audit_record(
            action="editorial.follow_up.dismiss",
            actor=actor,
            zone=follow_up.zone,
            obj=follow_up.post,
            data={"follow_up": follow_up.pk, "reason": reason},
        )
    return follow_up


# At most this many follow-ups are reminded per run: the next run, a minute later, takes the rest.
REMIND_BATCH = 200


def follow_ups_remind(now: dt.datetime | None = None) -> int:
    """Remind the author and the zone's officers of each follow-up that is due, pending and not reminded yet: once,
    whatever runs at the same time (``reminded_at`` set by a conditional update), with an audit event
    (``editorial.follow_up.remind``) and an e-mail sent on commit. Returns how many were reminded."""
    now = now or timezone.now()
    due = list(
        FollowUp.objects.filter(status=FollowUp.Status.PENDING, reminded_at__isnull=True, due_at__lte=now)
        .order_by("due_at", "pk")
        .values_list("pk", "zone_id", "post_id", "due_at")[:REMIND_BATCH]
    )
    reminded = 0
    for pk, zone_id, post_id, due_at in due:
        with transaction.atomic():
            claimed = FollowUp.objects.filter(pk=pk, status=FollowUp.Status.PENDING, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if claimed != 1:
                continue  # another run reminded it, or someone handled it meanwhile
            audit_record(
                action="editorial.follow_up.remind",
                zone=Zone.objects.get(pk=zone_id),
                obj=Post.objects.get(pk=post_id),
                data={"follow_up": pk, "due_at": due_at.isoformat()},
            )
            transaction.on_commit(lambda pk=pk: notifications.follow_up_due(follow_up_id=pk))
        reminded += 1
    return reminded
