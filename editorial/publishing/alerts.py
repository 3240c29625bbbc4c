"""Telling people about a problem of the pipeline: once per problem, e-mailed grouped by zone.

Who raises an alert decides it under a conditional update of the publication (or the heartbeat) in the same
transaction: of two processes that find the same problem, only the one whose update changed the row raises it.
``alert_raise`` then records it (an Alert row, a log line for the operators, the audit event for the caller to
write last). ``alerts_mail`` sends the zone's officers one e-mail listing the alerts not yet mailed, at most one
e-mail per zone every PUBLISH_ALERT_MAIL_SECONDS: the first alert of a quiet period leaves at once, a storm
becomes a few e-mails instead of hundreds.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from editorial import notifications
from editorial.audit import Entry
from editorial.models import Alert, Publication, Zone

logger = logging.getLogger("editorial.publishing")


def alert_raise(*, zone: Zone, kind: str, message: str, now: datetime, publication: Publication | None = None) -> Entry:
    """Record an alert that the caller's conditional update entitled it to raise (call inside that transaction);
    the audit event, for the caller to record last."""
    Alert.objects.create(zone=zone, publication=publication, kind=kind, message=message, raised_at=now)
    if publication is not None:
        logger.error("publication %s (post %s): %s: %s", publication.pk, publication.post_id, kind, message)
        return Entry(
            action="editorial.publication.alert",
            zone=zone,
            obj=publication,
            data={"post": publication.post_id, "kind": kind, "reason": message},
        )
    logger.error("zone %s: %s: %s", zone.slug, kind, message)
    return Entry(action="editorial.publishing.alert", zone=zone, obj=zone, data={"kind": kind, "reason": message})


def alerts_mail(*, now: datetime) -> int:
    """E-mail each zone's alerts not yet mailed, unless that zone had an e-mail within the grouping interval;
    the number of e-mails sent. Safe to run twice at once: an alert is claimed for an e-mail by a conditional
    update, so it is mailed once."""
    interval = timedelta(seconds=settings.PUBLISH_ALERT_MAIL_SECONDS)
    waiting = Alert.objects.filter(mailed_at__isnull=True)
    zone_ids = sorted(set(waiting.values_list("zone_id", flat=True)))
    if not zone_ids:
        return 0
    last_mailed = dict(
        Alert.objects.filter(zone_id__in=zone_ids, mailed_at__isnull=False)
        .values("zone_id")
        .annotate(last=Max("mailed_at"))
        .values_list("zone_id", "last")
    )
    sent = 0
    for zone_id in zone_ids:
        if zone_id in last_mailed and now - last_mailed[zone_id] < interval:
            continue  # grouped into the next e-mail
        with transaction.atomic():
            ids = list(waiting.filter(zone_id=zone_id).values_list("pk", flat=True))
            if not ids or Alert.objects.filter(pk__in=ids, mailed_at__isnull=True).update(mailed_at=now) != len(ids):
                # Another process is mailing them: leave them to it (rolled back: nothing marked here).
                transaction.set_rollback(True)
                continue
            transaction.on_commit(lambda zone_id=zone_id, ids=ids: notifications.publishing_alerts(alert_ids=ids))
        sent += 1
    return sent
