"""Moving a post in the plan (issue 14, point 3): the Move page and what a drop posts, a new post from a day's cell,
the month view, and the gaps against the channels' targets."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from editorial import planning
from editorial.errors import WorkflowError
from editorial.models import AuditEvent, Channel, ChannelTarget, Post, Publication
from editorial.selectors.plan import month_plan, post_version, week_plan
from tests.factories import make_post, submit_and_approve

pytestmark = pytest.mark.usefixtures("in_english")

BRUSSELS = ZoneInfo("Europe/Brussels")
# Last Sundays of March and October 2030: 02:00-03:00 is skipped, then repeated.
SPRING_FORWARD = dt.date(2030, 3, 31)
FALL_BACK = dt.date(2030, 10, 27)


def brussels(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BRUSSELS)


def future_monday(weeks: int = 3) -> dt.date:
    today = timezone.localdate(timezone=BRUSSELS)
    return today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=weeks)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BRUSSELS)


def move_url(post: Post) -> str:
    return reverse("editorial:post_move", args=[post.zone.slug, post.pk])


def week_url(zone, day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return reverse("editorial:plan_week", args=[zone.slug, year, f"{week:02d}"])


def month_url(zone, year: int, month: int) -> str:
    return reverse("editorial:plan_month_of", args=[zone.slug, year, f"{month:02d}"])


def move(client, post: Post, when: str, *, version: str | None = None, confirmed: bool = False, **extra):
    post.refresh_from_db()
    data = {"planned_at": when, "version": version or post_version(post), "back": "week", **extra}
    if confirmed:
        data["void_confirmed"] = "1"
    return client.post(move_url(post), data)


def texts(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


@pytest.fixture
def officer_client(client, zone_users):
    client.force_login(zone_users.officer)
    return client


# --- Moving ----------------------------------------------------------------------------------------------


def test_the_officer_moves_a_draft_to_another_day(officer_client, zone_users):
    monday = future_monday()
    post = make_post(zone_users.zone, zone_users.officer, planned_at=at(monday, 10))

    response = move(officer_client, post, f"{monday + dt.timedelta(days=3):%Y-%m-%d}T10:00")

    assert response.status_code == 302 and response["Location"] == week_url(zone_users.zone, monday)
    post.refresh_from_db()
    assert post.planned_at == at(monday + dt.timedelta(days=3), 10)
    assert post.status == Post.Status.DRAFT
    event = AuditEvent.objects.filter(action="editorial.post.update", object_id=str(post.pk)).get()
    assert event.data["fingerprint_before"] != event.data["fingerprint"]
    page = officer_client.get(response["Location"])
    assert "is now planned on" in page.content.decode()


def test_a_move_to_another_week_goes_back_to_that_week_or_month(officer_client, zone_users):
    monday = future_monday()
    post = make_post(zone_users.zone, zone_users.officer, planned_at=at(monday, 10))
    later = monday + dt.timedelta(weeks=5)
    response = move(officer_client, post, f"{later:%Y-%m-%d}T08:15", back="month")
    assert response["Location"] == month_url(zone_users.zone, later.year, later.month)
    post.refresh_from_db()
    assert post.planned_at == at(later, 8, 15)


def test_a_post_changed_meanwhile_is_not_moved(officer_client, zone_users):
    monday = future_monday()
    post = make_post(zone_users.zone, zone_users.officer, planned_at=at(monday, 10))
    shown = post_version(post)
    # Someone else moves it (or saves it) after the page was shown.
    planning.post_move(actor=zone_users.officer, post=post, planned_at=at(monday, 14), version=shown)

    response = move(officer_client, post, f"{monday + dt.timedelta(days=1):%Y-%m-%d}T10:00", version=shown)

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.planned_at == at(monday, 14)
    page = officer_client.get(response["Location"])
    assert "This post changed since the page was shown: nothing was moved." in page.content.decode()


def test_an_approval_since_the_page_was_shown_makes_it_stale(zone_users):
    """An approval changes the status with a conditional UPDATE that keeps ``updated_at``: the version still sees it."""
    monday = future_monday()
    post = make_post(zone_users.zone, zone_users.officer, planned_at=at(monday, 10))
    shown = post_version(post)
    submit_and_approve(post, zone_users.officer, zone_users.director)
    with pytest.raises(WorkflowError) as refused:
        planning.post_move(
            actor=zone_users.officer, post=post, planned_at=at(monday, 11), version=shown, void_confirmed=True
        )
    assert refused.value.code == "stale"
    post.refresh_from_db()
    assert post.status == Post.Status.APPROVED and post.planned_at == at(monday, 10)


def test_moving_an_approved_post_says_so_and_needs_a_yes(officer_client, zone_users):
    monday = future_monday()
    post = submit_and_approve(
        make_post(zone_users.zone, zone_users.officer, planned_at=at(monday, 10)),
        zone_users.officer,
        zone_users.director,
    )
    assert Publication.objects.filter(post=post, status=Publication.Status.PENDING).count() == 2

    # The Move page warns before anything is done, and its only button says what it does.
    page = officer_client.get(move_url(post)).content.decode()
    assert "moving it voids the approval" in page
    assert "Move and send back to draft" in page

    # A drop without the yes (a page whose script did not ask) is not applied: the page asks.
    response = move(officer_client, post, f"{monday:%Y-%m-%d}T11:00")
    assert response.status_code == 200
    assert "confirm that its approval or review is void" in response.content.decode()
    post.refresh_from_db()
    assert post.status == Post.Status.APPROVED and post.planned_at == at(monday, 10)

    response = move(officer_client, post, f"{monday:%Y-%m-%d}T11:00", confirmed=True)
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT and post.approved_fingerprint == "" and post.approved_by is None
    assert post.planned_at == at(monday, 11)
    assert not Publication.objects.filter(post=post).exclude(status=Publication.Status.CANCELLED).exists()
    event = AuditEvent.objects.filter(action="editorial.post.update", object_id=str(post.pk)).latest("pk")
    assert event.data["voided_status"] == "approved"
    page = officer_client.get(response["Location"]).content.decode()
    assert "the move sent it back to draft" in page


def test_a_post_in_review_asks_too(officer_client, zone_users):
    monday = future_monday()
    post = make_post(zone_users.zone, zone_users.officer, planned_at=at(monday, 10))
    from editorial import services

    services.post_submit(actor=zone_users.officer, post=post)
    assert "waiting for review" in officer_client.get(move_url(post)).content.decode()
    assert move(officer_client, post, f"{monday:%Y-%m-%d}T12:00").status_code == 200
    assert move(officer_client, post, f"{monday:%Y-%m-%d}T12:00", confirmed=True).status_code == 302
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT and post.planned_at == at(monday, 12)


def test_a_time_the_clocks_skip_is_refused_with_the_forms_message(officer_client, zone_users):
    post = make_post(zone_users.zone, zone_users.officer, planned_at=brussels(2030, 3, 29, 10))

    response = move(officer_client, post, f"{SPRING_FORWARD:%Y-%m-%d}T02:30")

    assert response.status_code == 200
    assert response.context["form"].errors["planned_at"] == [
        "31/03/2030 02:30 does not exist in Brussels: that night the clocks jump from 02:00 to 03:00. "
        "Choose another time."
    ]
    # What was typed stays in the field.
    assert 'value="2030-03-31T02:30"' in response.content.decode()
    post.refresh_from_db()
    assert post.planned_at == brussels(2030, 3, 29, 10)


def test_a_time_the_clocks_repeat_is_asked_about(officer_client, zone_users):
    post = make_post(zone_users.zone, zone_users.officer, planned_at=brussels(2030, 10, 25, 10))

    response = move(officer_client, post, f"{FALL_BACK:%Y-%m-%d}T02:30")
    assert response.status_code == 200
    assert "happens twice in Brussels" in response.content.decode()
    assert 'name="planned_at_fold"' in response.content.decode()

    response = move(officer_client, post, f"{FALL_BACK:%Y-%m-%d}T02:30", planned_at_fold="1")
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.planned_at == dt.datetime(2030, 10, 27, 1, 30, tzinfo=dt.UTC)  # the second 02:30, in winter time


def test_a_past_time_is_refused(officer_client, zone_users):
    post = make_post(zone_users.zone, zone_users.officer, planned_at=at(future_monday(), 10))
    yesterday = timezone.localdate(timezone=BRUSSELS) - dt.timedelta(days=1)
    response = move(officer_client, post, f"{yesterday:%Y-%m-%d}T10:00")
    assert response.status_code == 200
    assert "This time is already past" in response.content.decode()


@pytest.mark.parametrize("value", ["", "tomorrow", "2030-02-30T10:00", "0001-01-01T00:00", "\x00", "9" * 500])
def test_odd_times_are_refused_without_error(officer_client, zone_users, value):
    post = make_post(zone_users.zone, zone_users.officer, planned_at=at(future_monday(), 10))
    response = move(officer_client, post, value)
    assert response.status_code == 200
    assert response.context["form"].errors


def test_a_post_sent_or_possibly_online_stays_where_it_is(officer_client, zone_users):
    monday = future_monday()
    post = submit_and_approve(
        make_post(zone_users.zone, zone_users.officer, planned_at=at(monday, 10)),
        zone_users.officer,
        zone_users.director,
    )
    Publication.objects.filter(post=post).update(status=Publication.Status.UNKNOWN, last_error="Read timeout")
    response = move(officer_client, post, f"{monday:%Y-%m-%d}T11:00", confirmed=True)
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == Post.Status.APPROVED and post.planned_at == at(monday, 10)
    assert "it stays where it is" in officer_client.get(response["Location"]).content.decode()
    # ... and the plan offers no Move for it.
    page = officer_client.get(week_url(zone_users.zone, monday)).content.decode()
    assert move_url(post) not in page


def test_the_same_time_changes_nothing(officer_client, zone_users):
    monday = future_monday()
    post = make_post(zone_users.zone, zone_users.officer, planned_at=at(monday, 10))
    events = AuditEvent.objects.count()
    assert move(officer_client, post, f"{monday:%Y-%m-%d}T10:00").status_code == 302
    assert AuditEvent.objects.count() == events


def test_a_post_without_time_gets_one(officer_client, zone_users):
    post = make_post(zone_users.zone, zone_users.officer)
    monday = future_monday()
    assert move(officer_client, post, f"{monday:%Y-%m-%d}T09:30").status_code == 302
    post.refresh_from_db()
    assert post.planned_at == at(monday, 9, 30)


@pytest.mark.parametrize("role", ["director", "admin", "unit_head"])
def test_only_who_may_edit_moves(client, zone_users, role):
    post = make_post(zone_users.zone, zone_users.officer, planned_at=at(future_monday(), 10))
    client.force_login(getattr(zone_users, role))
    assert client.get(move_url(post)).status_code == 403
    assert move(client, post, f"{future_monday():%Y-%m-%d}T11:00").status_code == 403
    post.refresh_from_db()
    assert post.planned_at == at(future_monday(), 10)


def test_another_zones_post_is_404(client, zone_users):
    post = make_post(zone_users.zone, zone_users.officer, planned_at=at(future_monday(), 10))
    client.force_login(zone_users.outsider)
    assert client.get(move_url(post)).status_code == 404
    assert move(client, post, f"{future_monday():%Y-%m-%d}T11:00").status_code == 404


def test_the_plan_carries_what_a_drag_needs_for_the_officer_only(client, zone_users):
    monday = future_monday()
    post = make_post(zone_users.zone, zone_users.officer, planned_at=at(monday, 10))
    client.force_login(zone_users.officer)
    page = client.get(week_url(zone_users.zone, monday)).content.decode()
    assert re.search(
        rf'data-post="{post.pk}" draggable="true" data-move-url="{move_url(post)}" data-version="{post_version(post)}"'
        rf' data-planned="{monday:%Y-%m-%d}T10:00" data-status="draft"',
        page,
    )
    assert "js/plan.js" in page and 'id="plan-move-confirm"' in page and 'aria-live="assertive"' in page

    client.force_login(zone_users.director)
    page = client.get(week_url(zone_users.zone, monday)).content.decode()
    assert "draggable" not in page and "js/plan.js" not in page and move_url(post) not in page


# --- A new post from an empty cell ------------------------------------------------------------------------


def test_empty_cells_of_days_to_come_offer_a_new_post_at_their_time(officer_client, zone_users):
    zone = zone_users.zone
    monday = future_monday()
    x = Channel.objects.get(zone=zone, kind=Channel.Kind.X)
    page = officer_client.get(week_url(zone, monday)).content.decode()
    new = reverse("editorial:plan_post_new", args=[zone.slug])
    assert f'href="{new}?at={monday:%Y-%m-%d}T09:00&amp;channel={x.pk}"' in page
    # Past days offer nothing.
    past = officer_client.get(week_url(zone, monday - dt.timedelta(weeks=6))).content.decode()
    assert new not in past


def test_a_new_post_from_a_cell_has_its_time_and_channel(officer_client, zone_users):
    zone = zone_users.zone
    x = Channel.objects.get(zone=zone, kind=Channel.Kind.X)
    day = future_monday() + dt.timedelta(days=2)
    url = reverse("editorial:plan_post_new", args=[zone.slug]) + f"?at={day:%Y-%m-%d}T09:00&channel={x.pk}"
    response = officer_client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(rf'name="planned_at" value="{day:%Y-%m-%d}T09:00"', page)
    assert response.context["form"]["channels"].value() == [str(x.pk)]

    # Saving is the post form's own, answered at the same address.
    response = officer_client.post(
        url, {"title": "Radar", "planned_at": f"{day:%Y-%m-%d}T09:00", "channels": [x.pk], f"text_{x.pk}": "Radar"}
    )
    assert response.status_code == 302
    post = Post.objects.get(zone=zone, title="Radar")
    assert post.planned_at == at(day, 9) and [v.channel for v in post.variants.all()] == [x]


@pytest.mark.parametrize("query", ["at=garbage", "at=2030-03-31T02:30", "channel=999999", "at=" + "9" * 300, ""])
def test_odd_prefills_are_left_out(officer_client, zone_users, query):
    url = reverse("editorial:plan_post_new", args=[zone_users.zone.slug]) + f"?{query}"
    assert officer_client.get(url).status_code == 200


def test_the_director_cannot_open_a_new_post(client, zone_users):
    client.force_login(zone_users.director)
    assert client.get(reverse("editorial:plan_post_new", args=[zone_users.zone.slug])).status_code == 403


# --- Gaps against the channels' targets -------------------------------------------------------------------


def test_days_below_a_channels_target_are_gaps(officer_client, zone_users):
    zone = zone_users.zone
    x = Channel.objects.get(zone=zone, kind=Channel.Kind.X)
    ChannelTarget.objects.create(zone=zone, channel=x, posts_per_day=1, weekdays_only=True)
    monday = future_monday()
    make_post(zone, zone_users.officer, planned_at=at(monday, 10))  # on X and Facebook
    make_post(zone, zone_users.officer, planned_at=at(monday + dt.timedelta(days=1), 10), status=Post.Status.CANCELLED)

    plan = week_plan(zone=zone, monday=monday, now=timezone.now())
    row = next(row for row in plan.rows if row.channel == x)
    assert [cell.is_gap for cell in row.cells] == [False, True, True, True, True, False, False]
    facebook = next(row for row in plan.rows if row.channel.kind == Channel.Kind.FACEBOOK)
    assert not any(cell.is_gap for cell in facebook.cells)  # no target, no gap
    assert plan.gap_count == 4

    page = officer_client.get(week_url(zone, monday)).content.decode()
    assert page.count("plan-gap ") == 4
    assert "Target: 1 a day, weekdays" in page
    assert "0 of 1" in page and "1 of 1" in page


def test_every_day_counts_without_weekdays_only_and_past_days_are_no_gaps(zone_users):
    zone = zone_users.zone
    x = Channel.objects.get(zone=zone, kind=Channel.Kind.X)
    ChannelTarget.objects.create(zone=zone, channel=x, posts_per_day=2, weekdays_only=False)
    monday = future_monday()
    plan = week_plan(zone=zone, monday=monday, now=timezone.now())
    assert plan.gap_count == 7
    past = week_plan(zone=zone, monday=monday - dt.timedelta(weeks=5), now=timezone.now())
    assert past.gap_count == 0


# --- The month ----------------------------------------------------------------------------------------------


def test_the_month_shows_each_post_once_on_its_day_with_gaps(officer_client, zone_users):
    zone = zone_users.zone
    x = Channel.objects.get(zone=zone, kind=Channel.Kind.X)
    ChannelTarget.objects.create(zone=zone, channel=x, posts_per_day=1, weekdays_only=True)
    day = dt.date(2030, 6, 12)
    post = make_post(zone, zone_users.officer, planned_at=at(day, 10), title="Radar juin")

    response = officer_client.get(month_url(zone, 2030, 6))

    assert response.status_code == 200
    plan = response.context["plan"]
    days = {d.date: d for week in plan.weeks for d in week}
    assert min(days) == dt.date(2030, 5, 27) and max(days) == dt.date(2030, 6, 30)  # whole weeks
    assert [e.post for e in days[day].entries] == [post]
    assert days[day].gaps == [] and [g.channel for g in days[dt.date(2030, 6, 13)].gaps] == [x]
    assert days[dt.date(2030, 6, 15)].gaps == []  # a Saturday
    assert plan.gap_count == 19  # June 2030: 20 weekdays, one with its post
    page = response.content.decode()
    assert page.count(f'class="plan-entry mb-2" data-post="{post.pk}"') == 1
    assert 'aria-current="page" href="' in page  # the Month tab
    assert month_url(zone, 2030, 5) in page and month_url(zone, 2030, 7) in page


def test_the_month_crosses_the_year(officer_client, zone_users):
    page = officer_client.get(month_url(zone_users.zone, 2030, 12)).content.decode()
    assert month_url(zone_users.zone, 2031, 1) in page and month_url(zone_users.zone, 2030, 11) in page


def test_the_current_month(officer_client, zone_users):
    response = officer_client.get(reverse("editorial:plan_month", args=[zone_users.zone.slug]))
    today = timezone.localdate(timezone=BRUSSELS)
    assert response.context["plan"].first == today.replace(day=1)


@pytest.mark.parametrize(("year", "month"), [(2030, 0), (2030, 13), (1, 1), (99999, 1)])
def test_a_month_that_does_not_exist_is_404(officer_client, zone_users, year, month):
    url = reverse("editorial:plan_month_of", args=[zone_users.zone.slug, year, month])
    assert officer_client.get(url).status_code == 404


def test_the_month_is_a_plan_readers_page(client, zone_users):
    url = month_url(zone_users.zone, 2030, 6)
    client.force_login(zone_users.director)
    assert client.get(url).status_code == 200
    client.force_login(zone_users.unit_head)
    assert client.get(url).status_code == 403
    client.force_login(zone_users.outsider)
    assert client.get(url).status_code == 404


def test_the_month_query_count_does_not_grow_with_posts(officer_client, zone_users, django_assert_max_num_queries):
    zone, officer = zone_users.zone, zone_users.officer
    x = Channel.objects.get(zone=zone, kind=Channel.Kind.X)
    ChannelTarget.objects.create(zone=zone, channel=x)
    url = month_url(zone, 2030, 6)

    def load(count: int) -> None:
        for i in range(count):
            post = make_post(zone, officer, planned_at=at(dt.date(2030, 6, 1 + i % 28), 8 + i % 12))
            if i % 5 == 0:
                Publication.objects.create(post=post, channel=x, status=Publication.Status.FAILED, last_error="401")

    load(2)
    with django_assert_max_num_queries(20) as few:
        officer_client.get(url)
    load(60)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = officer_client.get(url)
    assert response.context["plan"].post_count == 62


def test_the_week_query_count_with_targets_does_not_grow(officer_client, zone_users, django_assert_max_num_queries):
    zone, officer = zone_users.zone, zone_users.officer
    for channel in Channel.objects.filter(zone=zone):
        ChannelTarget.objects.create(zone=zone, channel=channel)
    monday = future_monday()
    url = week_url(zone, monday)
    make_post(zone, officer, planned_at=at(monday, 9))
    with django_assert_max_num_queries(20) as few:
        officer_client.get(url)
    for i in range(40):
        make_post(zone, officer, planned_at=at(monday + dt.timedelta(days=i % 7), 8 + i % 12))
    with django_assert_max_num_queries(len(few.captured_queries)):
        officer_client.get(url)


def test_month_plan_days_are_brussels_days(zone_users):
    """A post at 23:30 Brussels on 31 May (21:30 UTC) is on the 31st, shown in June's first week but not counted in
    June; one at 00:30 on 1 June (22:30 UTC the day before) is June's."""
    zone = zone_users.zone
    make_post(zone, zone_users.officer, planned_at=brussels(2030, 5, 31, 23, 30), title="late")
    make_post(zone, zone_users.officer, planned_at=brussels(2030, 6, 1, 0, 30), title="early")
    plan = month_plan(zone=zone, year=2030, month=6, now=timezone.now())
    days = {d.date: [e.post.title for e in d.entries] for week in plan.weeks for d in week}
    assert days[dt.date(2030, 5, 31)] == ["late"]
    assert days[dt.date(2030, 6, 1)] == ["early"]
    assert plan.post_count == 1


# --- The zone sets its targets in the admin ---------------------------------------------------------------


def test_the_zone_admin_sets_a_target_for_its_own_channels_only(client, zone_users):
    from editorial.models import Zone

    zone = zone_users.zone
    x = Channel.objects.get(zone=zone, kind=Channel.Kind.X)
    other = Channel.objects.get(zone=Zone.objects.get(slug="boraine"), kind=Channel.Kind.X)
    client.force_login(zone_users.admin)
    add = reverse("admin:editorial_channeltarget_add")
    page = client.get(add).content.decode()
    assert f'value="{x.pk}"' in page and f'value="{other.pk}"' not in page

    refused = client.post(add, {"channel": other.pk, "posts_per_day": 1, "weekdays_only": "on"})
    assert refused.status_code == 200 and not ChannelTarget.objects.exists()

    response = client.post(add, {"channel": x.pk, "posts_per_day": 2, "weekdays_only": "on"})
    assert response.status_code == 302
    target = ChannelTarget.objects.get()
    assert (target.zone, target.channel, target.posts_per_day, target.weekdays_only) == (zone, x, 2, True)
    assert AuditEvent.objects.filter(action="admin.channeltarget.create", zone=zone).exists()
    assert client.post(add, {"channel": x.pk, "posts_per_day": 0}).status_code == 200  # at least one
