from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts import permissions
from accounts.models import Role
from accounts.permissions import Right
from editorial import selectors
from editorial.selectors import desk


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Straight to the zone when the user has one; a choice when several; an explanation when none."""
    zones = permissions.zones_of(request.user)
    if len(zones) == 1:
        return redirect("editorial:zone_dashboard", zone_slug=zones[0].slug)
    return render(request, "editorial/home.html", {"zones": zones})


@login_required
@require_safe
def zone_dashboard(request: HttpRequest, zone_slug: str) -> HttpResponse:
    zone = permissions.zone_for_user_or_404(request.user, zone_slug)
    overview = selectors.zone_overview(zone=zone, user=request.user)
    roles = permissions.roles_in(request.user, zone)
    rights = permissions.rights_in(request.user, zone)
    # Each role sees its own work first: the officer's day, the director's queue, the unit head's items.
    officer = desk.officer_desk(zone=zone) if Right.DRAFT_POST in rights else None
    queue = desk.director_queue(zone=zone) if Right.REVIEW_POST in rights else None
    worker_seen_at = selectors.worker_last_seen()
    # Officers and directors answer for what goes out: they see what needs a person and hear when the pipeline is
    # late or stopped.
    watch = attention = None
    if permissions.can_watch_publishing(request.user, zone):
        watch = desk.publishing_watch(zone=zone, worker_seen_at=worker_seen_at)
        attention = desk.attention(zone=zone)
    return render(
        request,
        "editorial/dashboard.html",
        {
            "zone": zone,
            "overview": overview,
            "roles": roles,
            "roles_display": [Role(role).label for role in Role.values if role in roles],
            "rights": rights,
            "officer": officer,
            "queue": queue,
            "now": timezone.now(),
            "worker_seen_at": worker_seen_at,
            "watch": watch,
            "attention": attention,
        },
    )
