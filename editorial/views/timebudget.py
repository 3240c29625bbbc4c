"""The time budget (issue 14, point 5): the pings of static/js/activetime.js, each person's day and week, the team's
for the director, and the zone's budget for its administrator and director.

What the figures are: an estimate of the active time spent in the desk's pages (a visible tab with recent input),
not of all the work; editorial/timetracking.py says what is recorded and why nothing else is.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import permissions
from editorial import timetracking
from editorial.clock import week_start
from editorial.forms.timebudget import TimeBudgetForm
from editorial.models import Zone
from editorial.selectors import timebudget as time_selectors

# What a page sends: a URL name of the desk, and a whole number of seconds (a few digits; anything longer is not a
# count the page makes).
_PAGE_RE = re.compile(r"[a-z_]{1,60}")
_SECONDS_RE = re.compile(r"[0-9]{1,6}")


@login_required
@require_POST
def time_ping(request: HttpRequest, zone_slug: str) -> JsonResponse:
    """POST ``page`` (the page's URL name) and ``seconds`` (active seconds since the last ping). Answers 200 with the
    seconds counted, 400 for a page or a count the desk does not know (nothing recorded), 429 over the limit."""
    zone = permissions.zone_for_user_or_404(request.user, zone_slug)
    if not timetracking.ping_allowed(user=request.user):
        return JsonResponse({"error": "too many pings"}, status=429, headers={"Retry-After": "60"})
    page, seconds = request.POST.get("page", ""), request.POST.get("seconds", "")
    kind = timetracking.kind_for_page(page) if _PAGE_RE.fullmatch(page) else None
    if kind is None or not _SECONDS_RE.fullmatch(seconds):
        return JsonResponse({"error": "unknown page or count"}, status=400)
    counted = timetracking.active_time_add(zone=zone, user=request.user, kind=kind, seconds=int(seconds))
    return JsonResponse({"counted": counted})


def _week_links(zone: Zone, name: str, day: dt.date, today: dt.date) -> dict[str, Any]:
    """The addresses of the previous and next weeks (the next one only up to this week), and of today."""
    base = reverse(f"editorial:{name}", args=[zone.slug])
    monday = week_start(day)
    previous = monday - dt.timedelta(days=7)
    following = monday + dt.timedelta(days=7)
    return {
        "previous_url": f"{base}?{urlencode({'day': previous.isoformat()})}",
        "next_url": f"{base}?{urlencode({'day': following.isoformat()})}" if following <= today else None,
        "today_url": base if day != today else None,
    }


def _page_day(request: HttpRequest, zone: Zone) -> tuple[dt.date, dt.date]:
    today = timezone.localdate(timezone=zone.tzinfo)
    return time_selectors.day_from_address(request.GET.get("day"), today), today


@login_required
@require_safe
def time_mine(request: HttpRequest, zone_slug: str) -> HttpResponse:
    """The person's own day and week against the zone's budget (every member of the zone)."""
    zone = permissions.zone_for_user_or_404(request.user, zone_slug)
    day, today = _page_day(request, zone)
    mine = time_selectors.my_time(zone, request.user, day)
    return render(
        request,
        "editorial/time_mine.html",
        {
            "zone": zone,
            "time_day": mine.day,
            "week": mine.week,
            "today": today,
            "is_today": day == today,
            "can_view_team": permissions.can_view_team_time(request.user, zone),
            "can_set_budget": permissions.can_set_time_budget(request.user, zone),
            **_week_links(zone, "time_mine", day, today),
        },
    )


@login_required
@require_safe
def time_team(request: HttpRequest, zone_slug: str) -> HttpResponse:
    """The team's day and week, and each member's, for the director."""
    zone = permissions.zone_for_user_or_404(request.user, zone_slug)
    if not permissions.can_view_team_time(request.user, zone):
        raise PermissionDenied
    day, today = _page_day(request, zone)
    return render(
        request,
        "editorial/time_team.html",
        {
            "zone": zone,
            "team": time_selectors.team_time(zone, day),
            "today": today,
            "is_today": day == today,
            "kinds": time_selectors.KINDS,
            "can_set_budget": permissions.can_set_time_budget(request.user, zone),
            **_week_links(zone, "time_team", day, today),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def time_budget(request: HttpRequest, zone_slug: str) -> HttpResponse:
    """GET: the zone's daily budget and its split; POST: change them (audited)."""
    zone = permissions.zone_for_user_or_404(request.user, zone_slug)
    if not permissions.can_set_time_budget(request.user, zone):
        raise PermissionDenied
    # The form works on a copy: a refused value must not show in the rest of the page (the navigation's zone).
    form = TimeBudgetForm(request.POST if request.method == "POST" else None, instance=copy.copy(zone))
    if request.method == "POST" and form.is_valid():
        try:
            timetracking.zone_set_time_budget(actor=request.user, zone=zone, values=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The time budget is saved: the pages compare with it from now on."))
            return redirect("editorial:time_budget", zone_slug=zone.slug)
    return render(
        request,
        "editorial/time_budget.html",
        {
            "zone": zone,
            "form": form,
            "error_links": form.error_links() if form.is_bound else [],
            "can_view_team": permissions.can_view_team_time(request.user, zone),
        },
    )
