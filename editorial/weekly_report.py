"""The week's report by e-mail (issue 14, point 6): a director asks for it on the reports page, and on Monday
morning, in the zone's time, beat sends last week's report to each director who asked.

Once per week and person whatever happens: beat runs the task every hour (a run missed while the worker was down is
made up by the next one that morning), and two runs at once send nothing twice. Each sending is claimed first, under
the lock of the director's membership, by its audit event (``editorial.report.weekly_email``, with the week): the
event is the marker, committed before the e-mail leaves. A mail server that fails then loses that week's e-mail
(logged), rather than a retry sending it twice.

E-mail clients show SVG badly: the e-mail has the tables, and links to the page with the charts.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import Membership, Role
from editorial.audit import Entry, audit_record, audit_record_many
from editorial.models import AuditEvent, Channel, Zone
from editorial.selectors.reports import WEEK, Period, ZoneReport, zone_report

logger = logging.getLogger(__name__)

OPT_IN_ACTION = "accounts.membership.weekly_report_email"
SENT_ACTION = "editorial.report.weekly_email"
# Monday from this hour on, in the zone's time: the week is over and the director is at work.
SEND_FROM_HOUR = 7


def weekly_report_email_set(*, actor: Any, zone: Zone, enabled: bool) -> bool:
    """Turn the week's report by e-mail on or off for the actor's director membership in ``zone``; audited.
    Returns whether anything changed. ``PermissionDenied`` for anyone but a director of the zone."""
    if not permissions.can_receive_weekly_report(actor, zone):
        raise PermissionDenied
    with transaction.atomic():
        memberships = list(
            Membership.objects.select_for_update()
            .filter(user=actor, zone=zone, role=Role.DIRECTOR, is_active=True)
            .exclude(weekly_report_email=enabled)
        )
        if not memberships:
            return False
        Membership.objects.filter(pk__in=[m.pk for m in memberships]).update(weekly_report_email=enabled)
        audit_record_many(
            [
                Entry(action=OPT_IN_ACTION, actor=actor, zone=zone, obj=m, data={"weekly_report_email": enabled})
                for m in memberships
            ]
        )
    permissions.forget(actor)
    return True


def weekly_report_email_on(*, user: Any, zone: Zone) -> bool:
    return Membership.objects.filter(
        user=user, zone=zone, role=Role.DIRECTOR, is_active=True, weekly_report_email=True
    ).exists()


def weekly_reports_send(*, now: dt.datetime | None = None) -> int:
    """Send last week's report to every active director who asked for it, in each zone where it is Monday from
    ``SEND_FROM_HOUR`` on; someone who had it this week is skipped. Returns the number of e-mails sent."""
    now = now or timezone.now()
    candidates = (
        Membership.objects.filter(
            role=Role.DIRECTOR, is_active=True, weekly_report_email=True, user__is_active=True, zone__isnull=False
        )
        .exclude(user__email="")
        .select_related("zone", "user")
        .order_by("zone_id", "pk")
    )
    reports: dict[tuple[int, str], ZoneReport] = {}
    sent = 0
    for membership in candidates:
        zone = membership.zone
        local = timezone.localtime(now, zone.tzinfo)
        if local.weekday() != 0 or local.hour < SEND_FROM_HOUR:
            continue
        period = Period.containing(WEEK, local.date() - dt.timedelta(days=7))
        if not _claim(membership, period):
            continue
        language = _language(membership.user)
        key = (zone.pk, language)
        with translation.override(language):
            if key not in reports:
                Channel.forget_networks()
                reports[key] = zone_report(zone=zone, period=period, today=local.date())
            _mail(membership, reports[key])
        sent += 1
    return sent


def _claim(membership: Membership, period: Period) -> bool:
    """Take this week's sending for this director, or learn it is taken: the membership's lock serialises two
    runs, and the audit event is the marker. False if it was sent already or the director no longer asks for it."""
    with transaction.atomic():
        locked = (
            Membership.objects.select_for_update(of=("self",))
            .filter(
                pk=membership.pk, role=Role.DIRECTOR, is_active=True, weekly_report_email=True, user__is_active=True
            )
            .first()
        )
        if locked is None:
            return False
        already = AuditEvent.objects.filter(
            action=SENT_ACTION,
            object_type=Membership._meta.label_lower,
            object_id=str(membership.pk),
            data__week=period.key,
        ).exists()
        if already:
            return False
        audit_record(
            action=SENT_ACTION,
            zone=membership.zone,
            obj=membership,
            data={"week": period.key, "user": membership.user_id},
        )
    return True


def _language(person: Any) -> str:
    known = {code for code, _name in settings.LANGUAGES}
    return person.language if person.language in known else settings.LANGUAGE_CODE


def report_subject(report: ZoneReport) -> str:
    return _("[%(zone)s] Report of week %(week)s of %(year)s") % {
        "zone": report.zone.name,
        "week": report.period.number,
        "year": report.period.year,
    }


def _mail(membership: Membership, report: ZoneReport) -> None:
    zone, period = report.zone, report.period
    url = settings.DESK_BASE_URL + reverse(
        "editorial:report_week", args=[zone.slug, period.year, f"{period.number:02d}"]
    )
    context = {
        "report": report,
        "zone": zone,
        "period": period,
        "url": url,
        "person": membership.user.get_full_name() or membership.user.username,
        "settings_url": settings.DESK_BASE_URL + reverse("editorial:reports", args=[zone.slug]),
        "sections": [(kind, table, table.display_rows(zone.tzinfo)) for kind, table in report.sections()],
    }
    message = EmailMultiAlternatives(
        subject=report_subject(report),
        body=render_to_string("editorial/email/weekly_report.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[membership.user.email],
    )
    message.attach_alternative(render_to_string("editorial/email/weekly_report.html", context), "text/html")
    try:
        message.send()
    except Exception:
        # Claimed already: this week's e-mail is lost rather than sent twice; the operators see why in the log.
        logger.exception("weekly report mail failed: membership %s, week %s", membership.pk, period.key)
