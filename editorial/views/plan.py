"""The plan: the week (a grid of channels by local days) and the month, moving a post in them (drag and drop with
plan.js, or the Move page without it), a new post from a day's cell, the week's themes, and the iCalendar feed."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from datetime import UTC
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import permissions
from accounts.permissions import Right
from editorial import planning, services
from editorial.clock import week_start
from editorial.forms.common import ZoneDateTimeField
from editorial.forms.plan import PostMoveForm, WeekThemeForm
from editorial.models import CalendarFeed, Post, WeekTheme, Zone
from editorial.selectors import plan as plan_selectors
from editorial.selectors.plan import FIRST_YEAR, LAST_YEAR
from editorial.services import WorkflowError
from editorial.views import posts as post_views
from editorial.views.access import post_for_user, zone_for_drafting, zone_with_right

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


def _month_url(zone: Zone, year: int, month: int) -> str | None:
    if month == 0:
        year, month = year - 1, 12
    elif month == 13:
        year, month = year + 1, 1
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None
    return reverse("editorial:plan_month_of", args=[zone.slug, year, f"{month:02d}"])


def _movable(user: Any, entries: Iterable[plan_selectors.PlanEntry]) -> set[int]:
    """The posts of the page this user may move: open to their edit (``can_edit_post``), not out nor on their way."""
    return {entry.post.pk for entry in entries if entry.can_move and permissions.can_edit_post(user, entry.post)}


def _render_plan(
    request: HttpRequest, zone: Zone, monday: dt.date, theme_form: WeekThemeForm | None = None
) -> HttpResponse:
    now = timezone.now()
    today = timezone.localdate(now, timezone=zone.tzinfo)
    can_draft = permissions.has_right(request.user, zone, Right.DRAFT_POST)
    if can_draft and theme_form is None:
        theme_form = WeekThemeForm(zone=zone, initial={"week_start": monday})
    plan = plan_selectors.week_plan(zone=zone, monday=monday, now=now)
    iso_year, iso_week, _day = monday.isocalendar()
    entries = [entry for row in plan.rows for cell in row.cells for entry in cell.entries]
    # The month of the week's Thursday: the month that holds most of the week (as ISO weeks count).
    thursday = monday + dt.timedelta(days=3)
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
            "movable": _movable(request.user, entries),
            "can_draft_here": permissions.can_draft_post(request.user, zone),
            "month_url": _month_url(zone, thursday.year, thursday.month),
            "week_url": _week_url(zone, monday),
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
@require_safe
def plan_month(request: HttpRequest, zone_slug: str, year: int | None = None, month: int | None = None) -> HttpResponse:
    """The month in the URL, or the zone's current month: whole weeks, each day with its posts and its gaps."""
    zone = zone_with_right(request.user, zone_slug, Right.VIEW_PLAN)
    now = timezone.now()
    today = timezone.localdate(now, timezone=zone.tzinfo)
    if year is None or month is None:
        year, month = today.year, today.month
    elif not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
        raise Http404
    plan = plan_selectors.month_plan(zone=zone, year=year, month=month, now=now)
    entries = [entry for week in plan.weeks for day in week for entry in day.entries]
    is_current = (year, month) == (today.year, today.month)
    return render(
        request,
        "editorial/plan_month.html",
        {
            "zone": zone,
            "plan": plan,
            "is_current_month": is_current,
            "previous_url": _month_url(zone, year, month - 1),
            "next_url": _month_url(zone, year, month + 1),
            "week_url": _week_url(zone, week_start(today if is_current else plan.first)),
            "month_url": _month_url(zone, year, month),
            "movable": _movable(request.user, entries),
            "can_draft_here": permissions.can_draft_post(request.user, zone),
        },
    )


def _back_url(zone: Zone, post: Post, back: str) -> str:
    """The week (or the month) where the post now is; the current week for a post without a time."""
    if post.planned_at is None:
        return reverse("editorial:plan", args=[zone.slug])
    day = timezone.localtime(post.planned_at, zone.tzinfo).date()
    url = _month_url(zone, day.year, day.month) if back == "month" else _week_url(zone, week_start(day))
    return url or reverse("editorial:plan", args=[zone.slug])


def _moved_message(zone: Zone, post: Post) -> str:
    local = timezone.localtime(post.planned_at, zone.tzinfo)
    return _("“%(title)s” is now planned on %(date)s at %(time)s.") % {
        "title": post.title,
        "date": formats.date_format(local, "l j F Y"),
        "time": formats.time_format(local, "H:i"),
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def post_move(request: HttpRequest, zone_slug: str, post_id: int) -> HttpResponse:
    """Another day or time for a post: the page of the Move link (no script needed), and what a drop in the plan
    posts (plan.js fills this form). A move that would void an approval or a pending review says so first and needs
    an explicit yes; a move from a page that no longer shows the post as it is, is refused (see
    ``planning.post_move``)."""
    zone, post = post_for_user(request.user, zone_slug, post_id)
    if not permissions.can_edit_post(request.user, post):
        if permissions.has_right(request.user, zone, Right.DRAFT_POST) and request.method == "POST":
            # An officer's drag of a post that went out or was cancelled meanwhile: the plan as it is now.
            messages.error(request, _("This post changed since the page was shown: nothing was moved."))
            return redirect(_back_url(zone, post, request.POST.get("back", "")))
        raise PermissionDenied
    if request.method == "POST":
        form = PostMoveForm(request.POST, zone=zone, post=post)
        if form.is_valid():
            data = form.cleaned_data
            status_before = post.status
            try:
                moved = planning.post_move(
                    actor=request.user,
                    post=post,
                    planned_at=data["planned_at"],
                    version=data["version"],
                    void_confirmed=data["void_confirmed"],
                )
            except WorkflowError as error:
                if error.code in ("stale", "sent"):
                    messages.error(request, " ".join(error.messages))
                    return redirect(_back_url(zone, post, data["back"]))
                form.add_error(None, error)
            else:
                if moved.status != status_before and moved.status == Post.Status.DRAFT:
                    messages.warning(
                        request,
                        _(
                            "The post was %(status)s; the move sent it back to draft. Submit it for review again "
                            "when it is ready."
                        )
                        % {"status": Post.Status(status_before).label.lower()},
                    )
                messages.success(request, _moved_message(zone, moved))
                return redirect(_back_url(zone, moved, data["back"]))
    else:
        back = request.GET.get("back", "")
        initial = {"version": plan_selectors.post_version(post), "back": back if back in ("week", "month") else "week"}
        form = PostMoveForm(zone=zone, post=post, initial=initial)
    return render(
        request,
        "editorial/plan_move.html",
        {
            "zone": zone,
            "post": post,
            "form": form,
            "error_summary": form.error_summary(),
            "voids_review": post.status in planning.VOIDED_BY_A_MOVE,
            "back_url": _back_url(zone, post, form["back"].value() or ""),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def plan_post_new(request: HttpRequest, zone_slug: str) -> HttpResponse:
    """A new post from an empty cell of the plan: the post form with the cell's day and time (``at``, Brussels time,
    as the form's field takes it) and the cell's channel (``channel``) chosen. Saving is the post form's own (this
    address answers the form's POST as the New post page does)."""
    if request.method == "POST":
        return post_views.post_create(request, zone_slug)
    zone = zone_for_drafting(request.user, zone_slug)
    form = post_views._post_form(request, zone)
    at_field = ZoneDateTimeField(zone_tz=zone.tzinfo, required=False)
    try:
        at = at_field.clean(request.GET.get("at", "")[:40])
    except forms.ValidationError:
        at = None
    if at is not None:
        form.initial["planned_at"] = at
    channel_id = request.GET.get("channel", "")
    offered = {str(channel.pk) for channel in form.channel_list}
    if channel_id in offered:
        form.initial["channels"] = [channel_id]
    return post_views._render_form(request, zone, form, None)


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
