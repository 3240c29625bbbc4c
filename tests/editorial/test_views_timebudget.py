"""The time budget's pages (issue 14, point 5): the ping, My time, the team's time, the zone's budget."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from editorial import timetracking
from editorial.models import ActiveTime, AuditEvent, WorkKind
from editorial.selectors.timebudget import day_budget
from tests.factories import make_member

pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The pings' counters live in the cache, which outlives each test's database (the same user ids come back)."""
    cache.clear()
    yield
    cache.clear()


def url(name, zone, **query):
    address = reverse(f"editorial:{name}", args=[zone.slug])
    return address + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def ping(client, zone, page="post_edit", seconds="15", **extra):
    return client.post(url("time_ping", zone), {"page": page, "seconds": seconds, **extra})


def total(user=None) -> int:
    rows = ActiveTime.objects.all() if user is None else ActiveTime.objects.filter(user=user)
    return sum(rows.values_list("seconds", flat=True))


# --- The ping --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["officer", "unit_head", "director", "admin"])
def test_a_ping_records_the_members_time(client, zone_users, role):
    user = getattr(zone_users, role)
    client.force_login(user)
    response = ping(client, zone_users.zone)
    assert response.status_code == 200
    assert response.json() == {"counted": 15}
    row = ActiveTime.objects.get()
    assert (row.user, row.zone, row.kind, row.seconds) == (user, zone_users.zone, "writing", 15)


@pytest.mark.parametrize(
    ("page", "kind"),
    [
        ("item_list", "items"),
        ("post_edit", "writing"),
        ("plan", "writing"),
        ("review_post", "review"),
        ("follow_up_list", "comments"),
        ("zone_dashboard", "other"),
    ],
)
def test_the_page_decides_the_kind_of_work(client, zone_users, page, kind):
    client.force_login(zone_users.officer)
    assert ping(client, zone_users.zone, page=page).status_code == 200
    assert ActiveTime.objects.get().kind == kind


def test_a_flood_of_pings_never_gives_a_minute_more_than_sixty_seconds(client, zone_users):
    client.force_login(zone_users.officer)
    answers = [ping(client, zone_users.zone, seconds="15").status_code for _ in range(40)]
    assert answers.count(200) == timetracking.PINGS_PER_MINUTE
    assert set(answers[timetracking.PINGS_PER_MINUTE :]) == {429}
    # The pings may straddle a minute: never more than 60 s in any of them.
    assert all(row.seconds <= 60 for row in ActiveTime.objects.all())
    assert total() <= 120


def test_a_huge_count_is_clamped_to_the_interval(client, zone_users):
    client.force_login(zone_users.officer)
    assert ping(client, zone_users.zone, seconds="999999").json() == {"counted": timetracking.PING_SECONDS}
    assert total() == timetracking.PING_SECONDS


@pytest.mark.parametrize(
    "seconds",
    [
        "-5",
        "",
        "NaN",
        "nan",
        "Infinity",
        "1e9",
        "15.5",
        " 15",
        "abc",
        "0x10",
        "\u0661\u0665",
        "9" * 7,
        "15\x00",
        "<b>1</b>",
    ],
)
def test_a_count_that_is_not_a_count_is_refused_and_nothing_recorded(client, zone_users, seconds):
    client.force_login(zone_users.officer)
    response = ping(client, zone_users.zone, seconds=seconds)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert not ActiveTime.objects.exists()


@pytest.mark.parametrize(
    "page", ["", "admin:index", "accounts:login", "writing", "POST_EDIT", "post_edit/", "nope", "x" * 100, "\x00"]
)
def test_a_page_the_desk_does_not_have_is_refused_and_nothing_recorded(client, zone_users, page):
    client.force_login(zone_users.officer)
    assert ping(client, zone_users.zone, page=page).status_code == 400
    assert not ActiveTime.objects.exists()


def test_a_ping_without_fields_or_twice_the_fields_is_answered(client, zone_users):
    client.force_login(zone_users.officer)
    assert client.post(url("time_ping", zone_users.zone), {}).status_code == 400
    response = client.post(url("time_ping", zone_users.zone), {"page": ["post_edit", "review_post"], "seconds": "9"})
    assert response.status_code == 200  # the last value, as Django reads a field sent twice
    assert client.post(url("time_ping", zone_users.zone), b"\xff\xfe", content_type="text/plain").status_code == 400


def test_zero_seconds_records_nothing(client, zone_users):
    client.force_login(zone_users.officer)
    assert ping(client, zone_users.zone, seconds="0").json() == {"counted": 0}
    assert not ActiveTime.objects.exists()


def test_another_zone_is_a_404_and_records_nothing(client, zone_users):
    for user in (zone_users.outsider, zone_users.nobody):
        client.force_login(user)
        assert ping(client, zone_users.zone).status_code == 404
    assert not ActiveTime.objects.exists()


def test_a_visitor_is_sent_to_sign_in_and_nothing_is_recorded(client, zone_users):
    response = ping(client, zone_users.zone)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert not ActiveTime.objects.exists()


def test_the_ping_takes_only_post(client, zone_users):
    client.force_login(zone_users.officer)
    assert client.get(url("time_ping", zone_users.zone)).status_code == 405


def test_the_ping_needs_the_csrf_token(zone_users):
    from tests.conftest import DeskClient

    client = DeskClient(enforce_csrf_checks=True)
    client.force_login(zone_users.officer)
    assert ping(client, zone_users.zone).status_code == 403
    assert not ActiveTime.objects.exists()
    page = client.get(url("time_mine", zone_users.zone))
    token = page.context["csrf_token"]
    assert ping(client, zone_users.zone, csrfmiddlewaretoken=str(token)).status_code == 200


# --- Where the pages say what they are --------------------------------------------------------------------------


def test_a_zone_page_names_itself_for_the_script(client, zone_users):
    client.force_login(zone_users.officer)
    page = client.get(reverse("editorial:item_list", args=[zone_users.zone.slug])).content.decode()
    assert f'data-active-time="{url("time_ping", zone_users.zone)}"' in page
    assert 'data-active-page="item_list"' in page
    assert "js/activetime.js" in page


def test_a_page_outside_a_zone_sends_nothing(client, zone_users):
    client.force_login(zone_users.officer)
    page = client.get(reverse("accounts:security")).content.decode()
    assert "data-active-time" not in page and "activetime.js" not in page


# --- My time -----------------------------------------------------------------------------------------------------


def record(zone, user, minutes, *, kind=WorkKind.WRITING, start=None):
    start = start or timezone.now().replace(second=0, microsecond=0)
    ActiveTime.objects.bulk_create(
        ActiveTime(zone=zone, user=user, minute=start - dt.timedelta(minutes=n), kind=kind, seconds=60)
        for n in range(minutes)
    )


@pytest.mark.parametrize("role", ["officer", "unit_head", "director", "admin"])
def test_my_time_shows_each_member_their_own_day_and_week(client, zone_users, role):
    user = getattr(zone_users, role)
    record(zone_users.zone, user, 3)
    record(zone_users.zone, zone_users.other_unit_head, 7, kind=WorkKind.ITEMS)
    client.force_login(user)
    response = client.get(url("time_mine", zone_users.zone))
    assert response.status_code == 200
    assert response.context["time_day"].bar.seconds in (180, 120, 60)  # whatever part of it is today in Brussels
    assert response.context["week"].bar.seconds >= response.context["time_day"].bar.seconds
    page = response.content.decode()
    assert "of a daily budget of 35 min" in page
    assert "not of all the work" in page
    assert "Writing" in page and "Reading items" in page


def test_my_time_over_the_budget_says_so(client, zone_users):
    today = timezone.localdate()
    noon = dt.datetime.combine(today, dt.time(12), tzinfo=zone_users.zone.tzinfo)
    record(zone_users.zone, zone_users.officer, 50, start=noon)
    client.force_login(zone_users.officer)
    page = client.get(url("time_mine", zone_users.zone, day=today.isoformat())).content.decode()
    assert "15 min over the budget." in page


def test_my_time_takes_another_week_and_ignores_an_address_it_does_not_understand(client, zone_users):
    client.force_login(zone_users.officer)
    response = client.get(url("time_mine", zone_users.zone, day="2026-03-29"))
    assert response.context["week"].monday == dt.date(2026, 3, 23)
    for garbage in ("2026-13-01", "%00", "<script>", "9999-99-99", "x" * 3000):
        response = client.get(url("time_mine", zone_users.zone), {"day": garbage})
        assert response.status_code == 200
        assert response.context["time_day"].day == timezone.localdate(timezone=zone_users.zone.tzinfo)


def test_my_time_shows_the_team_and_budget_links_to_who_may_open_them(client, zone_users):
    expected = {
        "officer": (False, False),
        "unit_head": (False, False),
        "director": (True, True),
        "admin": (False, True),
    }
    for role, (team, budget) in expected.items():
        client.force_login(getattr(zone_users, role))
        page = client.get(url("time_mine", zone_users.zone)).content.decode()
        assert (url("time_team", zone_users.zone) in page) is team, role
        assert (url("time_budget", zone_users.zone) in page) is budget, role


def test_my_time_is_in_the_zone_navigation(client, zone_users):
    client.force_login(zone_users.unit_head)
    page = client.get(reverse("editorial:zone_dashboard", args=[zone_users.zone.slug])).content.decode()
    assert f'href="{url("time_mine", zone_users.zone)}"' in page


@pytest.mark.parametrize("name", ["time_mine", "time_team"])
def test_the_pages_keep_a_fixed_number_of_queries(client, zone_users, django_assert_max_num_queries, name):
    client.force_login(zone_users.director)
    record(zone_users.zone, zone_users.director, 2)
    with django_assert_max_num_queries(30) as few:
        client.get(url(name, zone_users.zone))
    for n in range(6):
        member = make_member(zone_users.zone, Role.OFFICER, username=f"officer{n}")
        record(zone_users.zone, member, 20, kind=WorkKind.values[n % 5])
    earlier = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(minutes=2)
    record(zone_users.zone, zone_users.director, 40, kind=WorkKind.REVIEW, start=earlier)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url(name, zone_users.zone))
    assert response.status_code == 200


# --- The team's time ---------------------------------------------------------------------------------------------


def test_the_director_sees_each_members_time(client, zone_users):
    record(zone_users.zone, zone_users.officer, 4)
    record(zone_users.zone, zone_users.director, 2, kind=WorkKind.REVIEW)
    client.force_login(zone_users.director)
    response = client.get(url("time_team", zone_users.zone))
    assert response.status_code == 200
    team = response.context["team"]
    assert team.week.bar.seconds == 360
    assert {m.user.username for m in team.members} >= {"officer", "director", "unithead"}
    assert "Each member" in response.content.decode()


@pytest.mark.parametrize("role", ["officer", "unit_head", "admin"])
def test_only_the_director_sees_the_team(client, zone_users, role):
    client.force_login(getattr(zone_users, role))
    assert client.get(url("time_team", zone_users.zone)).status_code == 403


def test_other_zones_pages_are_a_404(client, zone_users):
    client.force_login(zone_users.outsider)
    for name in ("time_mine", "time_team", "time_budget"):
        assert client.get(url(name, zone_users.zone)).status_code == 404


# --- The budget --------------------------------------------------------------------------------------------------

VALID = {
    "daily_budget_minutes": "40",
    "budget_items_minutes": "5",
    "budget_writing_minutes": "20",
    "budget_review_minutes": "10",
    "budget_comments_minutes": "5",
}


@pytest.mark.parametrize("role", ["director", "admin"])
def test_the_director_and_the_administrator_set_the_budget(client, zone_users, role):
    client.force_login(getattr(zone_users, role))
    assert client.get(url("time_budget", zone_users.zone)).status_code == 200
    response = client.post(url("time_budget", zone_users.zone), VALID, follow=True)
    assert response.redirect_chain[-1][0] == url("time_budget", zone_users.zone)
    assert "The time budget is saved" in response.content.decode()
    zone_users.zone.refresh_from_db()
    assert zone_users.zone.daily_budget_minutes == 40 and zone_users.zone.budget_writing_minutes == 20
    assert AuditEvent.objects.get(action="editorial.zone.time_budget").actor == getattr(zone_users, role)


@pytest.mark.parametrize("role", ["officer", "unit_head"])
def test_others_may_not_set_the_budget(client, zone_users, role):
    client.force_login(getattr(zone_users, role))
    assert client.get(url("time_budget", zone_users.zone)).status_code == 403
    assert client.post(url("time_budget", zone_users.zone), VALID).status_code == 403
    zone_users.zone.refresh_from_db()
    assert zone_users.zone.daily_budget_minutes == 35


def test_a_split_that_does_not_add_up_says_so_and_keeps_what_was_typed(client, zone_users):
    client.force_login(zone_users.director)
    response = client.post(url("time_budget", zone_users.zone), VALID | {"budget_writing_minutes": "25"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "The split of the budget (45 minutes) must add up to the daily budget (40 minutes)." in page
    assert 'value="25"' in page and "There is a problem" in page
    zone_users.zone.refresh_from_db()
    assert zone_users.zone.daily_budget_minutes == 35
    assert not AuditEvent.objects.filter(action="editorial.zone.time_budget").exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"daily_budget_minutes": "0", "budget_writing_minutes": "0", "budget_items_minutes": "0"},
        {"daily_budget_minutes": "99999"},
        {"daily_budget_minutes": "-40"},
        {"budget_items_minutes": "abc"},
        {"budget_items_minutes": ""},
        {"daily_budget_minutes": "1e3"},
        {"daily_budget_minutes": "<script>alert(1)</script>"},
    ],
)
def test_figures_that_are_not_minutes_are_refused(client, zone_users, changes):
    client.force_login(zone_users.admin)
    response = client.post(url("time_budget", zone_users.zone), VALID | changes)
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert "<script>alert(1)</script>" not in response.content.decode()
    zone_users.zone.refresh_from_db()
    assert zone_users.zone.daily_budget_minutes == 35


# --- The dashboard's include -------------------------------------------------------------------------------------


def test_the_days_include_renders_with_the_zone_and_the_day(zone_users):
    record(zone_users.zone, zone_users.officer, 3)
    request = RequestFactory().get("/")
    request.user = zone_users.officer
    today = timezone.localdate(timezone=zone_users.zone.tzinfo)
    html = render_to_string(
        "editorial/_time_budget_day.html",
        {"zone": zone_users.zone, "time_day": day_budget(zone_users.zone, zone_users.officer, today)},
        request=request,
    )
    assert "Your time in the desk" in html
    assert url("time_mine", zone_users.zone) in html
    assert "<svg" in html and "style=" not in html
