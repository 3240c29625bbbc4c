from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Membership, Role
from editorial import services
from editorial.clock import week_start
from editorial.models import AuditEvent, CalendarFeed, Channel, Post, Publication, WeekTheme
from editorial.views.plan import ics_escape, ics_fold
from tests.factories import make_post

BRUSSELS = ZoneInfo("Europe/Brussels")
UTC = dt.UTC


def brussels(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BRUSSELS)


def week_url(zone, year: int, week: int) -> str:
    return reverse("editorial:plan_week", args=[zone.slug, year, f"{week:02d}"])


def plan_url(zone) -> str:
    return reverse("editorial:plan", args=[zone.slug])


def settings_url(zone) -> str:
    return reverse("editorial:calendar_settings", args=[zone.slug])


def feed_url(token: str) -> str:
    return reverse("editorial:calendar_feed", args=[token])


def cell_posts(response, channel_kind: str, day: dt.date) -> list[str]:
    """Titles in the grid cell of that channel and local day."""
    for row in response.context["plan"].rows:
        if row.channel is not None and row.channel.kind == channel_kind:
            for cell in row.cells:
                if cell.day.date == day:
                    return [entry.post.title for entry in cell.entries]
    raise AssertionError(f"no cell for {channel_kind} on {day}")


def approved(**kwargs):
    return {"approved_fingerprint": "f" * 64, "approved_at": timezone.now(), **kwargs}


# --- Who may see what ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["officer", "director", "admin"])
@pytest.mark.parametrize("page", ["plan", "plan_week", "calendar_settings"])
def test_it_works_for_the_plan_readers(client, zone_users, role, page):
    client.force_login(getattr(zone_users, role))
    args = [zone_users.zone.slug, 2026, "12"] if page == "plan_week" else [zone_users.zone.slug]
    assert client.get(reverse(f"editorial:{page}", args=args)).status_code == 200


@pytest.mark.parametrize("page", ["plan", "plan_week", "calendar_settings"])
def test_it_refuses_unit_heads_other_zones_and_strangers(client, zone_users, page):
    args = [zone_users.zone.slug, 2026, "12"] if page == "plan_week" else [zone_users.zone.slug]
    url = reverse(f"editorial:{page}", args=args)
    client.force_login(zone_users.unit_head)
    assert client.get(url).status_code == 403
    client.force_login(zone_users.outsider)
    assert client.get(url).status_code == 404
    client.force_login(zone_users.nobody)
    assert client.get(url).status_code == 404
    client.logout()
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_unit_head_sees_no_calendar_feed_made(client, zone_users):
    client.force_login(zone_users.unit_head)
    client.get(settings_url(zone_users.zone))
    assert not CalendarFeed.objects.exists()


# --- The week grid -------------------------------------------------------------------------------------


def test_posts_land_on_their_brussels_day_in_winter(client, zone_users):
    zone, officer = zone_users.zone, zone_users.officer
    # 2026-W03 runs from Monday 12 to Sunday 18 January; Brussels is UTC+1.
    make_post(zone, officer, title="Sunday late", planned_at=brussels(2026, 1, 18, 23, 30))
    make_post(zone, officer, title="Monday early", planned_at=brussels(2026, 1, 12, 0, 30))
    make_post(zone, officer, title="Sunday before", planned_at=brussels(2026, 1, 11, 23, 30))
    make_post(zone, officer, title="Monday after", planned_at=brussels(2026, 1, 19, 0, 30))
    assert Post.objects.get(title="Sunday late").planned_at == dt.datetime(2026, 1, 18, 22, 30, tzinfo=UTC)
    client.force_login(officer)
    response = client.get(week_url(zone, 2026, 3))
    assert cell_posts(response, "x", dt.date(2026, 1, 18)) == ["Sunday late"]
    assert cell_posts(response, "facebook", dt.date(2026, 1, 18)) == ["Sunday late"]
    assert cell_posts(response, "x", dt.date(2026, 1, 12)) == ["Monday early"]
    page = response.content.decode()
    assert "Sunday before" not in page
    assert "Monday after" not in page
    # Local times, not UTC.
    assert re.search(r">23:30</span>\s*<a [^>]*><bdi>Sunday late<", page)
    assert re.search(r">00:30</span>\s*<a [^>]*><bdi>Monday early<", page)


def test_posts_land_on_their_brussels_day_in_summer(client, zone_users):
    zone, officer = zone_users.zone, zone_users.officer
    # 2026-W25: Monday 15 to Sunday 21 June; Brussels is UTC+2, so 23:30 local is 21:30 UTC.
    make_post(zone, officer, title="Sunday late", planned_at=dt.datetime(2026, 6, 21, 21, 30, tzinfo=UTC))
    make_post(zone, officer, title="Monday early", planned_at=dt.datetime(2026, 6, 14, 22, 30, tzinfo=UTC))
    client.force_login(officer)
    response = client.get(week_url(zone, 2026, 25))
    assert cell_posts(response, "x", dt.date(2026, 6, 21)) == ["Sunday late"]
    assert cell_posts(response, "x", dt.date(2026, 6, 15)) == ["Monday early"]


def test_the_spring_forward_week_keeps_its_short_sunday(client, zone_users):
    zone, officer = zone_users.zone, zone_users.officer
    # Sunday 28 March 2027 has 23 hours; 23:30 that evening is 21:30 UTC (summer time already).
    make_post(zone, officer, title="Late on the short Sunday", planned_at=brussels(2027, 3, 28, 23, 30))
    make_post(zone, officer, title="Next Monday", planned_at=brussels(2027, 3, 29, 0, 30))
    make_post(zone, officer, title="Early on the short Sunday", planned_at=brussels(2027, 3, 28, 0, 30))
    assert Post.objects.get(title="Late on the short Sunday").planned_at.astimezone(UTC).hour == 21
    client.force_login(officer)
    response = client.get(week_url(zone, 2027, 12))
    assert cell_posts(response, "x", dt.date(2027, 3, 28)) == ["Early on the short Sunday", "Late on the short Sunday"]
    assert "Next Monday" not in response.content.decode()
    response = client.get(week_url(zone, 2027, 13))
    assert cell_posts(response, "x", dt.date(2027, 3, 29)) == ["Next Monday"]


def test_the_fall_back_week_keeps_its_long_sunday(client, zone_users):
    zone, officer = zone_users.zone, zone_users.officer
    # Sunday 31 October 2027 has 25 hours; the week starts on Monday 25 October, still on summer time.
    make_post(zone, officer, title="Late on the long Sunday", planned_at=brussels(2027, 10, 31, 23, 30))
    make_post(zone, officer, title="Monday on summer time", planned_at=brussels(2027, 10, 25, 0, 30))
    make_post(zone, officer, title="Next Monday", planned_at=brussels(2027, 11, 1, 0, 30))
    assert Post.objects.get(title="Monday on summer time").planned_at == dt.datetime(2027, 10, 24, 22, 30, tzinfo=UTC)
    client.force_login(officer)
    response = client.get(week_url(zone, 2027, 43))
    assert cell_posts(response, "facebook", dt.date(2027, 10, 31)) == ["Late on the long Sunday"]
    assert cell_posts(response, "facebook", dt.date(2027, 10, 25)) == ["Monday on summer time"]
    assert "Next Monday" not in response.content.decode()


def test_the_headers_are_french_days_and_today_is_marked(client, zone_users):
    client.force_login(zone_users.director)
    response = client.get(plan_url(zone_users.zone))
    page = response.content.decode()
    today = timezone.localdate(timezone=BRUSSELS)
    assert response.context["plan"].monday == week_start(today)
    assert "lundi" in page and "dimanche" in page
    assert page.count('aria-current="date"') == 1
    assert re.search(rf'class="[^"]*plan-today[^"]*" aria-current="date" data-date="{today:%Y-%m-%d}"', page)


def test_another_week_has_no_today(client, zone_users):
    client.force_login(zone_users.director)
    next_year = timezone.localdate(timezone=BRUSSELS).year + 1
    page = client.get(week_url(zone_users.zone, next_year, 10)).content.decode()
    assert 'aria-current="date"' not in page


def test_the_heading_gives_the_week_and_its_dates(client, zone_users):
    client.force_login(zone_users.officer)
    page = client.get(week_url(zone_users.zone, 2026, 3), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Week 3 of 2026" in page
    assert "From Monday 12 January to Sunday 18 January 2026" in page


def test_empty_days_say_so(client, zone_users):
    make_post(zone_users.zone, zone_users.officer, planned_at=brussels(2026, 1, 14, 10, 0))
    client.force_login(zone_users.officer)
    page = client.get(week_url(zone_users.zone, 2026, 3), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # Two channels by seven days, one cell filled on each channel.
    assert page.count("Nothing planned") == 12


def test_each_state_has_its_badge_and_problems_show(client, zone_users):
    zone, officer = zone_users.zone, zone_users.officer
    day = brussels(2026, 1, 14, 9, 0)
    make_post(zone, officer, title="A draft", planned_at=day)
    make_post(zone, officer, title="Under review", planned_at=day, status=Post.Status.IN_REVIEW)
    make_post(
        zone,
        officer,
        title="Ready",
        planned_at=day,
        status=Post.Status.APPROVED,
        **approved(approved_by=zone_users.director),
    )
    out = make_post(
        zone,
        officer,
        title="Out",
        planned_at=day,
        status=Post.Status.PUBLISHED,
        **approved(approved_by=zone_users.director),
    )
    make_post(zone, officer, title="Dropped", planned_at=day, status=Post.Status.CANCELLED)
    x = Channel.objects.get(zone=zone, kind=Channel.Kind.X)
    Publication.objects.create(post=out, channel=x, status=Publication.Status.UNKNOWN, last_error="read timeout")
    client.force_login(officer)
    response = client.get(week_url(zone, 2026, 3), HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    for status in Post.Status.values:
        assert f"status-badge status-post-{status}" in page
    problem = re.findall(r'data-post="(\d+)">(?:(?!data-post).)*?plan-problem', page, flags=re.S)
    assert set(problem) == {str(out.pk)}
    assert response.context["plan"].status_counts == {
        "draft": 1,
        "in_review": 1,
        "approved": 1,
        "published": 1,
        "cancelled": 1,
    }
    assert "5 posts planned this week" in page


def test_a_paused_channel_is_marked(client, zone_users):
    Channel.objects.filter(zone=zone_users.zone, kind=Channel.Kind.FACEBOOK).update(status=Channel.Status.PAUSED)
    client.force_login(zone_users.officer)
    page = client.get(week_url(zone_users.zone, 2026, 3), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count("plan-paused") == 1
    assert "Paused" in page


def test_posts_without_a_time_are_listed_below(client, zone_users):
    make_post(zone_users.zone, zone_users.officer, title="Idea for later")
    make_post(zone_users.zone, zone_users.officer, title="Dropped idea", status=Post.Status.CANCELLED)
    client.force_login(zone_users.officer)
    response = client.get(week_url(zone_users.zone, 2026, 3))
    assert [post.title for post in response.context["plan"].unplanned] == ["Idea for later"]
    assert "Idea for later" in response.content.decode()


def test_a_post_without_channel_text_still_shows(client, zone_users):
    Post.objects.create(
        zone=zone_users.zone, author=zone_users.officer, title="Bare", planned_at=brussels(2026, 1, 13, 8)
    )
    client.force_login(zone_users.officer)
    response = client.get(week_url(zone_users.zone, 2026, 3))
    row = response.context["plan"].rows[-1]
    assert row.channel is None
    assert [entry.post.title for entry in row.cells[1].entries] == ["Bare"]


def test_other_zones_posts_are_not_on_the_plan(client, zone_users):
    other = zone_users.outsider.memberships.get().zone
    make_post(other, zone_users.outsider, title="Boraine secret", planned_at=brussels(2026, 1, 14, 10))
    WeekTheme.objects.create(
        zone=other, week_start=dt.date(2026, 1, 12), title="Boraine theme", created_by=zone_users.outsider
    )
    client.force_login(zone_users.officer)
    page = client.get(week_url(zone_users.zone, 2026, 3)).content.decode()
    assert "Boraine secret" not in page
    assert "Boraine theme" not in page


def test_text_is_escaped(client, zone_users):
    make_post(
        zone_users.zone, zone_users.officer, title="<script>alert(1)</script>", planned_at=brussels(2026, 1, 14, 10)
    )
    client.force_login(zone_users.officer)
    page = client.get(week_url(zone_users.zone, 2026, 3)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_officer_gets_the_new_post_button_and_the_director_does_not(client, zone_users):
    new_post = reverse("editorial:post_create", args=[zone_users.zone.slug])
    calendar = settings_url(zone_users.zone)
    client.force_login(zone_users.officer)
    page = client.get(plan_url(zone_users.zone)).content.decode()
    assert f'href="{new_post}"' in page
    assert f'href="{calendar}"' in page
    assert 'id="theme-form"' in page
    client.force_login(zone_users.director)
    page = client.get(plan_url(zone_users.zone)).content.decode()
    assert f'class="btn btn-primary" href="{new_post}"' not in page
    assert f'href="{calendar}"' in page
    assert 'id="theme-form"' not in page


def test_navigation_crosses_the_iso_year(client, zone_users):
    client.force_login(zone_users.officer)
    page = client.get(week_url(zone_users.zone, 2027, 1)).content.decode()
    assert f'href="{week_url(zone_users.zone, 2026, 53)}" rel="prev"' in page
    assert f'href="{week_url(zone_users.zone, 2027, 2)}" rel="next"' in page
    assert f'href="{plan_url(zone_users.zone)}"' in page
    # 2026 has 53 ISO weeks: its week 53 is the last days of December 2026 and 1-3 January 2027.
    response = client.get(week_url(zone_users.zone, 2026, 53))
    assert response.context["plan"].monday == dt.date(2026, 12, 28)
    assert f'href="{week_url(zone_users.zone, 2027, 1)}" rel="next"' in response.content.decode()


@pytest.mark.parametrize(("year", "week"), [(2026, 60), (2027, 53), (2026, 0), (99999, 1), (1, 1), (9999, 52)])
def test_an_invalid_week_is_404(client, zone_users, year, week):
    client.force_login(zone_users.officer)
    url = reverse("editorial:plan_week", args=[zone_users.zone.slug, year, week])
    assert client.get(url).status_code == 404


def test_the_plan_query_count_does_not_grow_with_posts(client, zone_users, django_assert_max_num_queries):
    zone, officer = zone_users.zone, zone_users.officer
    client.force_login(officer)
    x = Channel.objects.get(zone=zone, kind=Channel.Kind.X)
    url = week_url(zone, 2026, 3)

    def load(count: int) -> None:
        for i in range(count):
            post = make_post(zone, officer, planned_at=brussels(2026, 1, 12 + i % 7, 8 + i % 12))
            make_post(zone, officer)
            if i % 5 == 0:
                Publication.objects.create(post=post, channel=x, status=Publication.Status.FAILED, last_error="401")
        WeekTheme.objects.create(zone=zone, week_start=dt.date(2026, 1, 12), title=f"Theme {count}", created_by=officer)

    load(2)
    with django_assert_max_num_queries(15) as few:
        client.get(url)
    load(50)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.context["plan"].post_count == 52


# --- Themes of the week ----------------------------------------------------------------------------------


def theme_add_url(zone) -> str:
    return reverse("editorial:theme_add", args=[zone.slug])


def test_the_officer_adds_a_theme(client, zone_users):
    client.force_login(zone_users.officer)
    response = client.post(
        theme_add_url(zone_users.zone),
        {"week_start": "2026-01-12", "title": "  Sécurité routière ", "notes": "Radars, écoles"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert response.redirect_chain == [(week_url(zone_users.zone, 2026, 3), 302)]
    theme = WeekTheme.objects.get()
    assert (theme.zone, theme.week_start, theme.title, theme.notes) == (
        zone_users.zone,
        dt.date(2026, 1, 12),
        "Sécurité routière",
        "Radars, écoles",
    )
    assert theme.created_by == zone_users.officer
    assert AuditEvent.objects.filter(action="editorial.theme.add", object_id=str(theme.pk)).exists()
    page = response.content.decode()
    assert "Theme “Sécurité routière” added to the week." in page
    assert "Radars, écoles" in page


@pytest.mark.parametrize("role", ["director", "admin", "unit_head"])
def test_only_the_officer_manages_themes(client, zone_users, role):
    theme = services.week_theme_add(
        actor=zone_users.officer, zone=zone_users.zone, week_start=dt.date(2026, 1, 12), title="Prévention"
    )
    client.force_login(getattr(zone_users, role))
    response = client.post(theme_add_url(zone_users.zone), {"week_start": "2026-01-12", "title": "Other"})
    assert response.status_code == 403
    response = client.post(reverse("editorial:theme_delete", args=[zone_users.zone.slug, theme.pk]))
    assert response.status_code == 403
    assert list(WeekTheme.objects.values_list("title", flat=True)) == ["Prévention"]


def test_the_director_sees_themes_without_buttons(client, zone_users):
    theme = services.week_theme_add(
        actor=zone_users.officer, zone=zone_users.zone, week_start=dt.date(2026, 1, 12), title="Prévention vols"
    )
    client.force_login(zone_users.director)
    page = client.get(week_url(zone_users.zone, 2026, 3)).content.decode()
    assert "Prévention vols" in page
    assert reverse("editorial:theme_delete", args=[zone_users.zone.slug, theme.pk]) not in page


def test_other_zones_and_strangers_cannot_touch_themes(client, zone_users):
    theme = services.week_theme_add(
        actor=zone_users.officer, zone=zone_users.zone, week_start=dt.date(2026, 1, 12), title="Prévention"
    )
    client.force_login(zone_users.outsider)
    assert client.post(theme_add_url(zone_users.zone), {"week_start": "2026-01-12", "title": "X"}).status_code == 404
    # The outsider's own zone does not hold this theme.
    other = zone_users.outsider.memberships.get().zone
    assert client.post(reverse("editorial:theme_delete", args=[other.slug, theme.pk])).status_code == 404
    client.logout()
    assert client.post(theme_add_url(zone_users.zone), {"week_start": "2026-01-12", "title": "X"}).status_code == 302
    assert WeekTheme.objects.count() == 1


def test_theme_actions_are_post_only(client, zone_users):
    client.force_login(zone_users.officer)
    assert client.get(theme_add_url(zone_users.zone)).status_code == 405


def test_an_empty_title_shows_the_form_again(client, zone_users):
    client.force_login(zone_users.officer)
    response = client.post(
        theme_add_url(zone_users.zone),
        {"week_start": "2026-01-12", "title": "   ", "notes": "Notes typed"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert response.context["plan"].monday == dt.date(2026, 1, 12)
    form = response.context["theme_form"]
    assert "title" in form.errors
    assert "Notes typed" in response.content.decode()
    assert not WeekTheme.objects.exists()


def test_a_duplicate_theme_is_refused_with_what_was_typed(client, zone_users):
    services.week_theme_add(
        actor=zone_users.officer, zone=zone_users.zone, week_start=dt.date(2026, 1, 12), title="Prévention"
    )
    client.force_login(zone_users.officer)
    response = client.post(
        theme_add_url(zone_users.zone),
        {"week_start": "2026-01-12", "title": "Prévention", "notes": "Second try"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "This theme is already planned for that week." in page
    assert 'value="Prévention"' in page
    assert "Second try" in page
    assert WeekTheme.objects.count() == 1


def test_odd_theme_input_is_handled(client, zone_users):
    client.force_login(zone_users.officer)
    response = client.post(
        theme_add_url(zone_users.zone), {"week_start": "2026-01-12", "title": "x" * 500}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "title" in response.context["theme_form"].errors
    response = client.post(
        theme_add_url(zone_users.zone), {"week_start": "2026-01-12", "title": "Nuit\x00 \u202eblanche\nbis"}
    )
    assert response.status_code == 302
    assert WeekTheme.objects.get().title == "Nuit \u202eblanche bis"


@pytest.mark.parametrize("week_start", ["2026-01-13", "not a date", "", "9999-99-99", "0001-01-01", "9999-12-27"])
def test_a_week_that_is_not_a_monday_is_refused(client, zone_users, week_start):
    client.force_login(zone_users.officer)
    response = client.post(
        theme_add_url(zone_users.zone),
        {"week_start": week_start, "title": "Prévention"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert response.redirect_chain == [(plan_url(zone_users.zone), 302)]
    assert "That week could not be read; the theme was not added." in response.content.decode()
    assert not WeekTheme.objects.exists()


def test_the_officer_deletes_a_theme(client, zone_users):
    theme = services.week_theme_add(
        actor=zone_users.officer, zone=zone_users.zone, week_start=dt.date(2027, 1, 4), title="Prévention"
    )
    client.force_login(zone_users.officer)
    response = client.post(
        reverse("editorial:theme_delete", args=[zone_users.zone.slug, theme.pk]), HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    assert response.redirect_chain == [(week_url(zone_users.zone, 2027, 1), 302)]
    assert not WeekTheme.objects.exists()
    assert AuditEvent.objects.filter(action="editorial.theme.delete", object_id=str(theme.pk)).exists()
    assert "Theme “Prévention” removed from the week." in response.content.decode()
    assert client.post(reverse("editorial:theme_delete", args=[zone_users.zone.slug, theme.pk])).status_code == 404


# --- Calendar address ------------------------------------------------------------------------------------


def test_the_settings_page_gives_an_absolute_address(client, zone_users):
    client.force_login(zone_users.director)
    page = client.get(settings_url(zone_users.zone), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    feed = CalendarFeed.objects.get(user=zone_users.director, zone=zone_users.zone)
    assert f'value="http://testserver{feed_url(feed.token)}"' in page
    assert "Anyone who has it can read the titles" in page
    assert "Renew the address" in page
    # The address stays the same on the next visit.
    client.get(settings_url(zone_users.zone))
    assert CalendarFeed.objects.get(pk=feed.pk).token == feed.token


def test_renewing_the_address_retires_the_old_one(client, zone_users):
    client.force_login(zone_users.officer)
    client.get(settings_url(zone_users.zone))
    old = CalendarFeed.objects.get().token
    assert client.get(feed_url(old)).status_code == 200
    response = client.post(settings_url(zone_users.zone), HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert response.redirect_chain == [(settings_url(zone_users.zone), 302)]
    assert "The calendar has a new address: the old one no longer works." in response.content.decode()
    new = CalendarFeed.objects.get().token
    assert new != old
    assert f"http://testserver{feed_url(new)}" in response.content.decode()
    assert client.get(feed_url(old)).status_code == 404
    assert client.get(feed_url(new)).status_code == 200
    assert AuditEvent.objects.filter(action="editorial.calendar_feed.create").count() == 1
    assert AuditEvent.objects.filter(action="editorial.calendar_feed.renew").count() == 1


def test_the_unit_head_cannot_renew(client, zone_users):
    client.force_login(zone_users.unit_head)
    assert client.post(settings_url(zone_users.zone)).status_code == 403
    assert not CalendarFeed.objects.exists()


# --- The iCalendar feed ------------------------------------------------------------------------------------


def parse_ics(body: bytes) -> list[str]:
    """Checks the physical lines (CRLF, 75 octets, whole UTF-8 characters), then unfolds them."""
    assert body.endswith(b"\r\n")
    physical = body[:-2].split(b"\r\n")
    for line in physical:
        assert b"\n" not in line and b"\r" not in line
        assert len(line) <= 75, line
        line.decode("utf-8")  # each physical line is whole characters
    unfolded: list[str] = []
    for line in physical:
        text = line.decode("utf-8")
        if text.startswith(" "):
            unfolded[-1] += text[1:]
        else:
            unfolded.append(text)
    return unfolded


def events(lines: list[str]) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            found.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            current[name] = value
    return found


def unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


@pytest.fixture
def feed(zone_users) -> CalendarFeed:
    return services.calendar_feed_get_or_create(actor=zone_users.officer, zone=zone_users.zone)


def test_the_feed_is_valid_icalendar(client, zone_users, feed):
    zone, officer = zone_users.zone, zone_users.officer
    soon = (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0, second=0)
    title = "Radar, rue de Mons; vitesse\nlimitée \\ " + "é" * 60
    post = make_post(zone, officer, title=title, planned_at=soon)
    monday = week_start(timezone.localdate(timezone=BRUSSELS))
    theme = services.week_theme_add(
        actor=officer, zone=zone, week_start=monday, title="Sécurité, routière", notes="a;b"
    )
    response = client.get(feed_url(feed.token))  # no login
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'inline; filename="plan.ics"'
    assert "no-store" in response["Cache-Control"]
    body = response.content
    assert b"\n" not in body.replace(b"\r\n", b"")
    lines = parse_ics(body)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    for expected in ("VERSION:2.0", "CALSCALE:GREGORIAN", f"X-WR-CALNAME:{zone.name}", "X-WR-TIMEZONE:Europe/Brussels"):
        assert expected in lines
    assert any(line.startswith("PRODID:") for line in lines)
    assert any(len(line.encode()) > 75 for line in lines)  # the long title was folded

    by_uid = {event["UID"]: event for event in events(lines)}
    event = by_uid[f"post-{post.pk}@testserver"]
    assert event["DTSTART"] == soon.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert event["DTEND"] == (soon + dt.timedelta(minutes=15)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert re.fullmatch(r"\d{8}T\d{6}Z", event["DTSTAMP"])
    assert re.fullmatch(r"\d{8}T\d{6}Z", event["LAST-MODIFIED"])
    assert event["SUMMARY"] == "[Brouillon] Radar\\, rue de Mons\\; vitesse\\nlimitée \\\\ " + "é" * 60
    assert unescape(event["SUMMARY"]) == f"[Brouillon] {title}"
    # Each channel by its label (the factory's channels are named after their network).
    assert unescape(event["DESCRIPTION"]).endswith(": Facebook, X")
    assert event["URL"] == f"http://testserver{reverse('editorial:post_detail', args=[zone.slug, post.pk])}"

    theme_event = by_uid[f"theme-{theme.pk}@testserver"]
    assert theme_event["DTSTART;VALUE=DATE"] == f"{monday:%Y%m%d}"
    assert theme_event["DTEND;VALUE=DATE"] == f"{monday + dt.timedelta(days=7):%Y%m%d}"
    assert "Sécurité\\, routière" in theme_event["SUMMARY"]
    assert theme_event["DESCRIPTION"] == "a\\;b"


def test_the_feed_speaks_the_site_language_whatever_the_client(client, zone_users, feed):
    make_post(
        zone_users.zone,
        zone_users.officer,
        title="Radar",
        planned_at=timezone.now() + dt.timedelta(days=1),
        status=Post.Status.IN_REVIEW,
    )
    body = client.get(feed_url(feed.token), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    with translation.override("fr"):
        label = str(Post.Status.IN_REVIEW.label)
    assert f"SUMMARY:[{label}] Radar" in body


def test_the_feed_holds_only_this_zone_and_the_window(client, zone_users, feed):
    zone, officer = zone_users.zone, zone_users.officer
    now = timezone.now()
    other = zone_users.outsider.memberships.get().zone
    make_post(zone, officer, title="Recent", planned_at=now - dt.timedelta(weeks=3))
    make_post(zone, officer, title="Ahead", planned_at=now + dt.timedelta(weeks=11))
    make_post(zone, officer, title="Too old", planned_at=now - dt.timedelta(weeks=5))
    make_post(zone, officer, title="Too far", planned_at=now + dt.timedelta(weeks=13))
    make_post(zone, officer, title="Called off", planned_at=now + dt.timedelta(days=1), status=Post.Status.CANCELLED)
    make_post(zone, officer, title="No time yet")
    make_post(other, zone_users.outsider, title="Boraine", planned_at=now + dt.timedelta(days=1))
    lines = parse_ics(client.get(feed_url(feed.token)).content)
    summaries = {unescape(event["SUMMARY"]).split("] ", 1)[1] for event in events(lines)}
    assert summaries == {"Recent", "Ahead"}


def test_feed_tokens_that_do_not_work(client, zone_users, feed):
    assert client.get(feed_url("unknown-token")).status_code == 404
    assert client.get(feed_url("x" * 500)).status_code == 404
    assert client.get("/calendar/%00.ics").status_code == 404
    assert client.get("/calendar/a%20b%27.ics").status_code == 404
    assert client.get(feed_url(feed.token)).status_code == 200
    # Another user's feed works only for its own zone's plan readers.
    director_feed = services.calendar_feed_get_or_create(actor=zone_users.director, zone=zone_users.zone)
    Membership.objects.filter(user=zone_users.director).update(is_active=False)
    assert client.get(feed_url(director_feed.token)).status_code == 404
    # A role without the plan (the officer becomes a unit head).
    Membership.objects.filter(user=zone_users.officer).update(
        role=Role.UNIT_HEAD, unit=zone_users.zone.unit_set.first()
    )
    assert client.get(feed_url(feed.token)).status_code == 404
    Membership.objects.filter(user=zone_users.officer).update(role=Role.OFFICER, unit=None)
    assert client.get(feed_url(feed.token)).status_code == 200
    # Removed from the zone, or deactivated.
    Membership.objects.filter(user=zone_users.officer).delete()
    assert client.get(feed_url(feed.token)).status_code == 404


def test_an_inactive_users_feed_stops(client, zone_users, feed):
    zone_users.officer.is_active = False
    zone_users.officer.save()
    assert client.get(feed_url(feed.token)).status_code == 404


def test_the_feed_is_read_only(client, zone_users, feed):
    assert client.post(feed_url(feed.token)).status_code == 405
    assert client.head(feed_url(feed.token)).status_code == 200


def test_the_feed_query_count_does_not_grow(client, zone_users, feed, django_assert_max_num_queries):
    zone, officer = zone_users.zone, zone_users.officer
    now = timezone.now()

    def load(count: int) -> None:
        for i in range(count):
            make_post(zone, officer, planned_at=now + dt.timedelta(hours=5 * i + 1))
        services.week_theme_add(actor=officer, zone=zone, week_start=week_start(now.date()), title=f"Theme {count}")

    load(2)
    with django_assert_max_num_queries(8) as few:
        client.get(feed_url(feed.token))
    load(50)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(feed_url(feed.token)).content
    assert body.count(b"BEGIN:VEVENT") == 54


# --- The iCalendar writing itself --------------------------------------------------------------------------


def test_escaping():
    assert ics_escape("a\\b;c,d\ne\r\nf\rg") == "a\\\\b\\;c\\,d\\ne\\nf\\ng"
    assert ics_escape("bell\x07 tab\t") == "bell tab\t"


@pytest.mark.parametrize("text", ["a" * 200, "é" * 100, "€" * 60 + "a", "😀" * 40, "a" + "é" * 80, ""])
def test_folding_keeps_whole_characters(text):
    line = f"SUMMARY:{text}"
    folded = ics_fold(line).encode("utf-8")
    parts = folded.split(b"\r\n")
    for i, part in enumerate(parts):
        assert len(part) <= 75
        if i:
            assert part.startswith(b" ")
        part.decode("utf-8")
    assert b"".join(part[1:] if i else part for i, part in enumerate(parts)).decode() == line
    # Lines are filled: only the last one may be short.
    assert all(len(part) > 71 for part in parts[:-1])


# --- A post published now (issue 12) --------------------------------------------------------------------------


def _published_now(zone_users, settings):
    """An approved post planned in eight days that the officer publishes now."""
    from editorial import publishing
    from tests.factories import submit_and_approve

    locmem = {"BACKEND": "editorial.publishers.locmem.Publisher", "OPTIONS": {}}
    settings.PUBLISHERS = {"x": locmem, "facebook": locmem}
    planned = timezone.localtime(timezone.now() + dt.timedelta(days=8), BRUSSELS).replace(hour=10, minute=0)
    post = make_post(zone_users.zone, zone_users.officer, title="Inondation rue de la Station", planned_at=planned)
    post = submit_and_approve(post, zone_users.officer, zone_users.director)
    assert publishing.post_publish_now(actor=zone_users.officer, post=post) == 2
    return post, planned


def _cell_of(response, post) -> dt.date | None:
    for row in response.context["plan"].rows:
        for cell in row.cells:
            if any(entry.post.pk == post.pk for entry in cell.entries):
                return cell.day.date
    return None


def test_a_post_published_now_is_in_todays_plan_at_the_time_it_went_out(client, zone_users, settings):
    post, planned = _published_now(zone_users, settings)
    client.force_login(zone_users.officer)
    today = timezone.localdate(timezone=BRUSSELS)
    planned_week = week_url(zone_users.zone, *planned.isocalendar()[:2])

    # Being sent: today, saying so; no longer in the week it was planned for.
    response = client.get(plan_url(zone_users.zone), HTTP_ACCEPT_LANGUAGE="en")
    assert _cell_of(response, post) == today
    assert "being sent now" in response.content.decode()
    assert _cell_of(client.get(planned_week), post) is None

    # Out: today at the time it went out (the earliest channel), the planned time untouched (it was approved).
    went_out = timezone.now() - dt.timedelta(minutes=3)
    for n, publication in enumerate(Publication.objects.filter(post=post).order_by("pk")):
        Publication.objects.filter(pk=publication.pk).update(
            status=Publication.Status.PUBLISHED, external_id=str(n), published_at=went_out + dt.timedelta(minutes=n)
        )
    Post.objects.filter(pk=post.pk).update(status=Post.Status.PUBLISHED)
    response = client.get(plan_url(zone_users.zone), HTTP_ACCEPT_LANGUAGE="en")
    assert _cell_of(response, post) == timezone.localtime(went_out, BRUSSELS).date()
    assert f"out at {timezone.localtime(went_out, BRUSSELS):%H:%M}" in response.content.decode()
    assert _cell_of(client.get(planned_week), post) is None
    post.refresh_from_db()
    assert post.planned_at == planned


def test_a_post_out_late_is_shown_when_it_went_out(client, zone_users):
    """Published a day after its time (a retry, a pause): the plan shows the day it really went out."""
    zone, officer = zone_users.zone, zone_users.officer
    post = make_post(
        zone,
        officer,
        title="Late",
        planned_at=brussels(2026, 1, 14, 9, 0),
        status=Post.Status.PUBLISHED,
        **approved(approved_by=zone_users.director),
    )
    x = Channel.objects.get(zone=zone, kind=Channel.Kind.X)
    Publication.objects.create(
        post=post,
        channel=x,
        status=Publication.Status.PUBLISHED,
        external_id="1",
        published_at=brussels(2026, 1, 15, 8, 5),
    )
    client.force_login(officer)
    response = client.get(week_url(zone, 2026, 3))
    assert cell_posts(response, "x", dt.date(2026, 1, 15)) == ["Late"]
    assert cell_posts(response, "x", dt.date(2026, 1, 14)) == []


def test_the_feed_places_a_post_published_now_when_it_went_out(client, zone_users, feed, settings):
    post, _planned = _published_now(zone_users, settings)
    went_out = (timezone.now() - dt.timedelta(minutes=1)).replace(microsecond=0)
    Publication.objects.filter(post=post).update(
        status=Publication.Status.PUBLISHED, external_id="1", published_at=went_out
    )
    events_by_uid = {event["UID"]: event for event in events(parse_ics(client.get(feed_url(feed.token)).content))}
    event = events_by_uid[f"post-{post.pk}@testserver"]
    assert event["DTSTART"] == went_out.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def test_two_accounts_on_one_network_are_told_apart(client, zone_users):
    zone = zone_users.zone
    Channel.objects.filter(zone=zone).update(name="Police Mons-Quévy")
    Channel.objects.create(zone=zone, kind=Channel.Kind.X, name="Police Mons-Quévy", handle="@PolMQ_nl")
    client.force_login(zone_users.officer)
    page = client.get(plan_url(zone)).content.decode()
    assert "Police Mons-Quévy (Facebook)" in page
    assert "Police Mons-Quévy (X @PolMQ_nl)" in page
    x = Channel.objects.get(zone=zone, kind=Channel.Kind.X, handle__startswith="@zone")
    assert f"Police Mons-Quévy (X {x.handle})" in page


def test_the_items_posts_carry_when_they_went_out(zone_users, settings):
    """The item page shows its posts' times from ``item_posts``: once out, when they went out."""
    from editorial.selectors.items import item_posts
    from tests.factories import make_item

    item = make_item(zone_users.zone, submitted_by=zone_users.unit_head)
    post, planned = _published_now(zone_users, settings)
    Post.objects.filter(pk=post.pk).update(item=item)
    [listed] = item_posts(item=item)
    assert listed.went_out_at is None and listed.sending_now and listed.planned_at == planned
    went_out = timezone.now().replace(microsecond=0)
    Publication.objects.filter(post=post).update(
        status=Publication.Status.PUBLISHED, external_id="1", published_at=went_out
    )
    [listed] = item_posts(item=item)
    assert listed.went_out_at == went_out and listed.shown_at == went_out and not listed.sending_now
