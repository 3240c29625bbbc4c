"""Pausing a zone or a channel, testing a channel's connection, and channels whose credentials need renewing."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.permissions import Right
from editorial.audit import Entry, audit_record, audit_record_many
from editorial.errors import WorkflowError
from editorial.models import Channel, Zone
from editorial.publishers import PublishError, get_publisher


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def channel_needs_reconnect(channel: Channel, reason: str) -> Entry:
    """Mark the channel for reconnection (its credentials were refused); the audit event for the caller to record
    last in its transaction."""
    # A deliberate pause stays a pause: reconnecting later must not make the channel send again by itself.
    Channel.objects.filter(pk=channel.pk).exclude(status=Channel.Status.PAUSED).update(
        status=Channel.Status.NEEDS_RECONNECT, status_reason=reason
    )
    return Entry(action="editorial.channel.needs_reconnect", zone=channel.zone, obj=channel, data={"reason": reason})


def zone_pause(*, actor: Any, zone: Zone, reason: str) -> None:
    """Stop all sending in the zone until resumed. Publications already in flight finish; the rest wait."""
    _require(permissions.has_right(actor, zone, Right.PAUSE_PUBLISHING))
    if not reason.strip():
        raise WorkflowError(_("Say why publishing is paused: the team will read it."))
    with transaction.atomic():
        Zone.objects.filter(pk=zone.pk).update(publishing_paused=True, publishing_paused_reason=reason.strip())
        audit_record(action="editorial.zone.pause", actor=actor, zone=zone, obj=zone, data={"reason": reason.strip()})
    zone.refresh_from_db()


def zone_resume(*, actor: Any, zone: Zone, reason: str = "") -> None:
    _require(permissions.has_right(actor, zone, Right.PAUSE_PUBLISHING))
    with transaction.atomic():
        if (
            Zone.objects.filter(pk=zone.pk, publishing_paused=True).update(
                publishing_paused=False, publishing_paused_reason=""
            )
            != 1
        ):
            return  # not paused: nothing to resume, nothing to log
        audit_record(action="editorial.zone.resume", actor=actor, zone=zone, obj=zone, data={"reason": reason.strip()})
    zone.refresh_from_db()


def channel_pause(*, actor: Any, channel: Channel, reason: str) -> None:
    _require(permissions.has_right(actor, channel.zone, Right.PAUSE_PUBLISHING))
    if not reason.strip():
        raise WorkflowError(_("Say why this channel is paused: the team will read it."))
    if channel.status == Channel.Status.NEEDS_RECONNECT:
        # Pausing then resuming must not turn a channel with dead credentials back into an active one.
        raise WorkflowError(_("This channel must be reconnected: update its credentials, then test the connection."))
    with transaction.atomic():
        # Conditional: a 401 recorded meanwhile must not be overwritten by the pause (and later resumed away).
        if (
            Channel.objects.filter(pk=channel.pk)
            .exclude(status=Channel.Status.NEEDS_RECONNECT)
            .update(status=Channel.Status.PAUSED, status_reason=reason.strip())
            != 1
        ):
            raise WorkflowError(
                _("This channel must be reconnected: update its credentials, then test the connection.")
            )
        audit_record(
            action="editorial.channel.pause",
            actor=actor,
            zone=channel.zone,
            obj=channel,
            data={"reason": reason.strip()},
        )
    channel.refresh_from_db()


def channel_resume(*, actor: Any, channel: Channel) -> None:
    """Back to active. A channel waiting to be reconnected resumes through a successful connection test."""
    _require(permissions.has_right(actor, channel.zone, Right.PAUSE_PUBLISHING))
    if channel.status == Channel.Status.NEEDS_RECONNECT:
        raise WorkflowError(_("This channel must be reconnected: update its credentials, then test the connection."))
    with transaction.atomic():
        if (
            Channel.objects.filter(pk=channel.pk)
            .exclude(status=Channel.Status.NEEDS_RECONNECT)
            .update(status=Channel.Status.ACTIVE, status_reason="")
            != 1
        ):
            raise WorkflowError(
                _("This channel must be reconnected: update its credentials, then test the connection.")
            )
        audit_record(action="editorial.channel.resume", actor=actor, zone=channel.zone, obj=channel)
    channel.refresh_from_db()


def channel_test_connection(*, actor: Any, channel: Channel) -> str:
    """Ask the network who the credentials belong to. Success on a channel waiting to be reconnected makes it
    active again; failure is returned as a PublishError for the page to show."""
    zone = channel.zone
    _require(
        permissions.has_right(actor, zone, Right.MANAGE_ZONE) or permissions.has_right(actor, zone, Right.PUBLISH_POST)
    )
    try:
        account = get_publisher(channel.kind).check_connection(channel)
    except PublishError as error:
        error.hide(channel.get_credentials().values())
        with transaction.atomic():
            events = [
                Entry(
                    action="editorial.channel.test_connection",
                    actor=actor,
                    zone=zone,
                    obj=channel,
                    data={"ok": False, "error": str(error.message)},
                )
            ]
            if getattr(error, "needs_reconnect", False):
                events.append(channel_needs_reconnect(channel, str(error.message)))
            audit_record_many(events)
        raise
    with transaction.atomic():
        audit_record(
            action="editorial.channel.test_connection",
            actor=actor,
            zone=zone,
            obj=channel,
            data={"ok": True, "account": account},
        )
        reconnected = Channel.objects.filter(pk=channel.pk, status=Channel.Status.NEEDS_RECONNECT).update(
            status=Channel.Status.ACTIVE, status_reason=""
        )
        if reconnected:
            audit_record(action="editorial.channel.reconnected", actor=actor, zone=zone, obj=channel)
    channel.refresh_from_db()
    return account
