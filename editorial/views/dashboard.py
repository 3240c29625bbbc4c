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
from editorial.selectors import fastlane as fastlane_selectors
from editorial.selectors import members as member_selectors
from editorial.selectors.signoff import awaiting_signoff
from editorial.selectors.timebudget import day_budget


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
    watch = attention = the_day = None
    if permissions.can_watch_publishing(request.user, zone):
        watch = desk.publishing_watch(zone=zone, worker_seen_at=worker_seen_at)
        attention = desk.attention(zone=zone)
        # The day at a glance: what went out, what is coming, what waits for them (issue 14).
        the_day = desk.the_day(zone=zone)
    # Follow-ups due (issue 13): the officers see the zone's, a unit head who publishes from templates their own.
    follow_ups_due = None
    if Right.PUBLISH_POST in rights:
        follow_ups_due = desk.follow_ups_due(zone=zone, author_id=None)
    elif permissions.can_use_templates(request.user, zone):
        follow_ups_due = desk.follow_ups_due(zone=zone, author_id=request.user.pk)
    # The fast lane (issue 13): the director's posts to read after publishing, the author's fast-lane posts of today.
    fast_lane_director = fast_lane_mine = None
    if permissions.can_review_after(request.user, zone):
        fast_lane_director = fastlane_selectors.director_fast_lane(zone=zone)
    uses_templates = permissions.can_use_templates(request.user, zone)
    if uses_templates:
        fast_lane_mine = fastlane_selectors.my_fast_lane_today(zone=zone, user=request.user)
    # A unit head reads the rights delegated to them, their own posts, and the posts waiting for their sign-off.
    my_grants = my_posts = signoffs = None
    if Role.UNIT_HEAD in roles:
        my_grants = member_selectors.my_grants(user=request.user, zone=zone)
        signoffs = awaiting_signoff(user=request.user, zone=zone)
        if permissions.can_draft_post(request.user, zone) and Right.DRAFT_POST not in rights:
            my_posts = member_selectors.my_posts(user=request.user, zone=zone)
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
            "the_day": the_day,
            # Each person's own time in the desk today against the zone's budget (issue 14, point 5).
            "time_day": day_budget(zone, request.user, timezone.localdate(timezone=zone.tzinfo)),
            "fast_lane_director": fast_lane_director,
            "fast_lane_mine": fast_lane_mine,
            "uses_templates": uses_templates,
            "may_urgent": uses_templates and permissions.can_start_urgent(request.user, zone),
            "follow_ups_due": follow_ups_due,
            "my_grants": my_grants,
            "my_posts": my_posts,
            "awaiting_signoff": signoffs,
            "can_draft": permissions.can_draft_post(request.user, zone),
        },
    )
