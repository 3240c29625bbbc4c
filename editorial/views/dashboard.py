from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts import permissions
from accounts.models import Role
from editorial import selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Straight to the zone when the user has one; a choice when several; an explanation when none."""
    zones = permissions.zones_of(request.user)
    if len(zones) == 1:
        return redirect("editorial:zone_dashboard", zone_slug=zones[0].slug)
    return render(request, "editorial/home.html", {"zones": zones})


@login_required
def zone_dashboard(request: HttpRequest, zone_slug: str) -> HttpResponse:
    zone = permissions.zone_for_user_or_404(request.user, zone_slug)
    overview = selectors.zone_overview(zone=zone, user=request.user)
    roles = permissions.roles_in(request.user, zone)
    return render(
        request,
        "editorial/dashboard.html",
        {
            "zone": zone,
            "overview": overview,
            "roles": roles,
            "roles_display": [Role(role).label for role in Role.values if role in roles],
            "rights": permissions.rights_in(request.user, zone),
            "worker_seen_at": selectors.worker_last_seen(),
        },
    )
