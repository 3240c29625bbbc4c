"""The weekly plan (a grid of channels by local days), its themes, and its iCalendar feed."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from datetime import UTC

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import permissions
from accounts.permissions import Right
from editorial import services
from editorial.clock import week_start
from editorial.forms.plan import WeekThemeForm
from editorial.models import CalendarFeed, WeekTheme, Zone
from editorial.selectors import plan as plan_selectors
from editorial.selectors.plan import FIRST_YEAR, LAST_YEAR
from editorial.services import WorkflowError
from editorial.views.access import zone_with_right

FEED_EVENT_LENGTH = dt.timedelta(minutes=15)
# Tokens are secrets.token_urlsafe; anything else (a NUL that PostgreSQL would refuse...) is not looked up.
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _monday_of(year: int, week: int) -> dt.date:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    try:
        return dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        raise Http404 from None


def _week_url(zone: Zone, monday: dt.date) -> str | None:
    year, week, _day = monday.isocalendar()
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None
    return reverse("editorial:plan_week", args=[zone.slug, year, f"{week:02d}"])


def _render_plan(
    request: HttpRequest, zone: Zone, monday: dt.date, theme_form: WeekThemeForm | None = None
) -> HttpResponse:
    today = timezone.localdate(timezone=zone.tzinfo)
    can_draft = permissions.has_right(request.user, zone, Right.DRAFT_POST)
    if can_draft and theme_form is None:
        theme_form = WeekThemeForm(zone=zone, initial={"week_start": monday})
    plan = plan_selectors.week_plan(zone=zone, monday=monday, today=today)
    iso_year, iso_week, _day = monday.isocalendar()
    return render(
        request,
        "editorial/plan.html",
        {
            "zone": zone,
            "plan": plan,
            "iso_year": iso_year,
            "iso_week": iso_week,
            "is_current_week": monday == week_start(today),
            "previous_url": _week_url(zone, monday - dt.timedelta(weeks=1)),
            "next_url": _week_url(zone, monday + dt.timedelta(weeks=1)),
            "can_draft": can_draft,
            "theme_form": theme_form,
        },
    )


@login_required
@require_safe
def plan_week(request: HttpRequest, zone_slug: str, year: int | None = None, week: int | None = None) -> HttpResponse:
    """The week in the URL (ISO year and week), or the zone's current week."""
    zone = zone_with_right(request.user, zone_slug, Right.VIEW_PLAN)
    if year is None or week is None:
        monday = week_start(timezone.localdate(timezone=zone.tzinfo))
    else:
        monday = _monday_of(year, week)
    return _render_plan(request, zone, monday)


@login_required
@require_POST
def theme_add(request: HttpRequest, zone_slug: str) -> HttpResponse:
    zone = zone_with_right(request.user, zone_slug, Right.DRAFT_POST)
    form = WeekThemeForm(request.POST, zone=zone)
    if not form.is_valid():
        if "week_start" in form.errors:
            # Only a hand-made request gets here: the week is a hidden field of the plan page.
            messages.error(request, _("That week could not be read; the theme was not added."))
            return redirect("editorial:plan", zone_slug=zone.slug)
        return _render_plan(request, zone, form.cleaned_data["week_start"], theme_form=form)
    data = form.cleaned_data
    try:
        theme = services.week_theme_add(
            actor=request.user, zone=zone, week_start=data["week_start"], title=data["title"], notes=data["notes"]
        )
    except WorkflowError as error:
        form.add_error(None, error)
        return _render_plan(request, zone, data["week_start"], theme_form=form)
    messages.success(request, _("Theme “%(title)s” added to the week.") % {"title": theme.title})
    return redirect(_week_url(zone, theme.week_start) or reverse("editorial:plan", args=[zone.slug]))


@login_required
@require_POST
def theme_delete(request: HttpRequest, zone_slug: str, theme_id: int) -> HttpResponse:
    zone = zone_with_right(request.user, zone_slug, Right.DRAFT_POST)
    theme = get_object_or_404(WeekTheme.objects.select_related("zone"), pk=theme_id, zone=zone)
    services.week_theme_delete(actor=request.user, theme=theme)
    messages.success(request, _("Theme “%(title)s” removed from the week.") % {"title": theme.title})
    return redirect(_week_url(zone, theme.week_start) or reverse("editorial:plan", args=[zone.slug]))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def calendar_settings(request: HttpRequest, zone_slug: str) -> HttpResponse:
    """The user's secret feed address; POST renews it, and the old address stops working at once."""
    zone = zone_with_right(request.user, zone_slug, Right.VIEW_PLAN)
    if request.method == "POST":
        services.calendar_feed_get_or_create(actor=request.user, zone=zone, renew=True)
        messages.success(request, _("The calendar has a new address: the old one no longer works."))
        return redirect("editorial:calendar_settings", zone_slug=zone.slug)
    feed = services.calendar_feed_get_or_create(actor=request.user, zone=zone)
    return render(
        request,
        "editorial/calendar_settings.html",
        {
            "zone": zone,
            "feed_url": request.build_absolute_uri(reverse("editorial:calendar_feed", args=[feed.token])),
            "plan_url": reverse("editorial:plan", args=[zone.slug]),
        },
    )


# --- The iCalendar feed (RFC 5545), written by hand ------------------------------------------------------

# RFC 5545 3.3.11 allows no control character in TEXT other than tab; newlines are escaped as \n.
_ICS_CONTROL = {c: None for c in range(32) if c not in (9, 10)} | {127: None}
_ICS_LINE_OCTETS = 75


def ics_escape(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newline escaped, control characters dropped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n").translate(_ICS_CONTROL)
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def ics_fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 3.1), never inside a UTF-8 sequence; continuation lines
    start with a space, which counts in their 75."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    limit = _ICS_LINE_OCTETS
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, _ICS_LINE_OCTETS - 1
        current.append(char)
        size += octets
    parts.append("".join(current))
    return "\r\n ".join(parts)


def _ics_utc(moment: dt.datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _ics_calendar(lines: Iterable[str]) -> bytes:
    return "".join(ics_fold(line) + "\r\n" for line in lines).encode("utf-8")


def _feed_lines(request: HttpRequest, zone: Zone, content: plan_selectors.FeedContent, now: dt.datetime) -> list[str]:
    host = split_domain_port(request.get_host())[0] or "zone-desk"
    stamp = _ics_utc(now)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Zone desk//Editorial plan//FR",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{ics_escape(zone.name)}",
        f"X-WR-TIMEZONE:{ics_escape(zone.timezone)}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ]
    for post in content.posts:
        channels = ", ".join(variant.channel.label for variant in post.variants.all())
        # Once out, a post is where it really went out (a post published now left its planned time behind).
        lines += [
            "BEGIN:VEVENT",
            f"UID:post-{post.pk}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_ics_utc(post.shown_at)}",
            f"DTEND:{_ics_utc(post.shown_at + FEED_EVENT_LENGTH)}",
            f"SUMMARY:{ics_escape(f'[{post.get_status_display()}] {post.title}')}",
            f"DESCRIPTION:{ics_escape(_('Channels: %(channels)s') % {'channels': channels or '—'})}",
            f"URL:{request.build_absolute_uri(reverse('editorial:post_detail', args=[zone.slug, post.pk]))}",
            f"LAST-MODIFIED:{_ics_utc(post.updated_at)}",
            "END:VEVENT",
        ]
    for theme in content.themes:
        lines += [
            "BEGIN:VEVENT",
            f"UID:theme-{theme.pk}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{theme.week_start:%Y%m%d}",
            f"DTEND;VALUE=DATE:{theme.week_start + dt.timedelta(weeks=1):%Y%m%d}",
            f"SUMMARY:{ics_escape(_('Theme of the week: %(title)s') % {'title': theme.title})}",
            *([f"DESCRIPTION:{ics_escape(theme.notes)}"] if theme.notes else []),
            "TRANSP:TRANSPARENT",
            f"LAST-MODIFIED:{_ics_utc(theme.created_at)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return lines


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """No login (calendar apps cannot sign in): the secret address is the key. It works only while its user
    is active and may still read the zone's plan, so a membership ended ends the feed too."""
    if not _TOKEN_RE.fullmatch(token):
        raise Http404
    feed = get_object_or_404(CalendarFeed.objects.select_related("zone", "user"), token=token)
    user = feed.user
    # A 404, not a 403: an address that no longer works should not even say it once existed.
    if not user.is_active or not permissions.has_right(user, feed.zone, Right.VIEW_PLAN):
        raise Http404
    now = timezone.now()
    content = plan_selectors.calendar_feed_content(zone=feed.zone, now=now)
    # Calendar apps show the feed as is: one language for everyone, the site's default.
    with translation.override(settings.LANGUAGE_CODE):
        body = _ics_calendar(_feed_lines(request, feed.zone, content, now))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="plan.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
