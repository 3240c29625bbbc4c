"""The week and the month moved with the mouse and the keyboard, in a real browser (issue 14, point 3): the officer
drags a post to another day, moves one with the arrows, is asked before an approved post goes back to draft, and is
refused a drop on a post that changed meanwhile or on a time the clocks skip."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from accounts.models import User
from editorial import services
from editorial.demo import seed_demo
from editorial.models import Channel, Post, Zone
from tests.e2e.test_editorial_path import ZONE, sign_in
from tests.factories import make_post, submit_and_approve

pytestmark = pytest.mark.django_db(transaction=True)

BRUSSELS = ZoneInfo("Europe/Brussels")
# A week to come that nothing of the demo reaches: Monday 10 June 2030.
MONDAY = dt.date(2030, 6, 10)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BRUSSELS)


def week_path(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"/z/{ZONE}/plan/{year}-W{week:02d}/"


@pytest.fixture
def desk(page, live_server):
    seed_demo()
    zone = Zone.objects.get(slug=ZONE)
    officer = User.objects.get(username="officier")
    sign_in(page, live_server, "officier")
    x = Channel.objects.filter(zone=zone, kind=Channel.Kind.X).order_by("pk").first()
    yield zone, officer, x
    assert page.browser_errors == []


def announced(page, text: str) -> None:
    """Wait until the live region (what a screen reader says) holds ``text``."""
    from playwright.sync_api import expect

    expect(page.locator("#plan-live")).to_contain_text(text)


def entry(page, channel: Channel, post: Post):
    return page.locator(f"tr[data-channel='{channel.pk}'] .plan-entry[data-post='{post.pk}']")


def cell(page, channel: Channel, day: dt.date):
    return page.locator(f"tr[data-channel='{channel.pk}'] td[data-date='{day:%Y-%m-%d}']")


def test_a_post_dragged_to_another_day_keeps_its_time(page, live_server, desk):
    zone, officer, x = desk
    post = make_post(zone, officer, planned_at=at(MONDAY, 10, 30), title="Radar N6")
    page.goto(live_server.url + week_path(MONDAY))

    entry(page, x, post).drag_to(cell(page, x, MONDAY + dt.timedelta(days=2)))

    page.wait_for_selector(".alert-success")
    post.refresh_from_db()
    assert post.planned_at == at(MONDAY + dt.timedelta(days=2), 10, 30)
    assert entry(page, x, post).count() == 1
    assert cell(page, x, MONDAY + dt.timedelta(days=2)).locator(f".plan-entry[data-post='{post.pk}']").count() == 1
    assert "Radar N6" in page.locator(".alert-success").inner_text()


def test_the_keyboard_picks_moves_and_drops(page, live_server, desk):
    zone, officer, x = desk
    post = make_post(zone, officer, planned_at=at(MONDAY, 10), title="Prévention vols")
    page.goto(live_server.url + week_path(MONDAY))
    move = entry(page, x, post).locator(".plan-move")

    move.focus()
    page.keyboard.press("Space")
    live = page.locator("#plan-live")
    announced(page, "Prévention vols")
    for key in ("ArrowRight", "ArrowRight", "ArrowDown", "ArrowDown"):
        page.keyboard.press(key)
    announced(page, "10:30")
    assert "mercredi" in live.text_content()
    assert cell(page, x, MONDAY + dt.timedelta(days=2)).locator(".plan-ghost").inner_text() == "→ 10:30"
    page.keyboard.press("Enter")

    page.wait_for_selector(".alert-success")
    post.refresh_from_db()
    assert post.planned_at == at(MONDAY + dt.timedelta(days=2), 10, 30)


def test_escape_leaves_the_post_where_it_is(page, live_server, desk):
    zone, officer, x = desk
    post = make_post(zone, officer, planned_at=at(MONDAY, 10), title="Sans bouger")
    page.goto(live_server.url + week_path(MONDAY))
    entry(page, x, post).locator(".plan-move").focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Escape")
    announced(page, "Sans bouger")
    assert page.locator(".plan-ghost").count() == 0
    assert page.url.endswith(week_path(MONDAY))
    post.refresh_from_db()
    assert post.planned_at == at(MONDAY, 10)


def test_an_approved_post_is_moved_only_after_the_yes(page, live_server, desk):
    zone, officer, x = desk
    director = User.objects.get(username="directeur")
    post = submit_and_approve(make_post(zone, officer, planned_at=at(MONDAY, 9), title="Approuvé"), officer, director)
    page.goto(live_server.url + week_path(MONDAY))

    entry(page, x, post).drag_to(cell(page, x, MONDAY + dt.timedelta(days=1)))
    dialog = page.locator("#plan-move-confirm")
    assert dialog.is_visible()
    # The approved post's warning, not the one for a post in review; the new day and time in words.
    assert dialog.locator("[data-status-approved]").is_visible()
    assert not dialog.locator("[data-status-in_review]").is_visible()
    assert "mardi 11 juin" in dialog.inner_text() and "09:00" in dialog.inner_text()
    dialog.locator("[data-confirm='no']").click()
    assert not dialog.is_visible()
    post.refresh_from_db()
    assert post.status == Post.Status.APPROVED and post.planned_at == at(MONDAY, 9)

    entry(page, x, post).drag_to(cell(page, x, MONDAY + dt.timedelta(days=1)))
    dialog.locator("[data-confirm='yes']").click()
    page.wait_for_selector(".alert-success")
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT and post.approved_fingerprint == ""
    assert post.planned_at == at(MONDAY + dt.timedelta(days=1), 9)
    assert page.locator(".alert-warning").count() >= 1


def test_a_drag_of_a_post_changed_meanwhile_is_refused(page, live_server, desk):
    zone, officer, x = desk
    post = make_post(zone, officer, planned_at=at(MONDAY, 11), title="Changé ailleurs")
    page.goto(live_server.url + week_path(MONDAY))
    # Someone else saves it while the page is open.
    services.post_update(actor=officer, post=post, title="Changé ailleurs (v2)")

    entry(page, x, post).drag_to(cell(page, x, MONDAY + dt.timedelta(days=3)))

    page.wait_for_selector(".alert-danger")
    post.refresh_from_db()
    assert post.planned_at == at(MONDAY, 11)
    assert "Changé ailleurs (v2)" in entry(page, x, post).inner_text()


def test_a_drop_on_a_time_the_clocks_skip_is_refused_with_the_forms_message(page, live_server, desk):
    zone, officer, x = desk
    saturday = dt.date(2030, 3, 30)
    post = make_post(zone, officer, planned_at=at(saturday, 2, 30), title="Nuit du changement d'heure")
    page.goto(live_server.url + week_path(saturday))

    entry(page, x, post).drag_to(cell(page, x, saturday + dt.timedelta(days=1)))

    page.wait_for_selector("[data-error-summary]")
    assert "n'existe pas à Bruxelles" in page.locator("[data-error-summary]").inner_text()
    assert page.locator("#id_planned_at").input_value() == "2030-03-31T02:30"
    post.refresh_from_db()
    assert post.planned_at == at(saturday, 2, 30)


def test_the_month_moves_a_post_to_another_week(page, live_server, desk):
    zone, officer, _x = desk
    post = make_post(zone, officer, planned_at=at(MONDAY, 14), title="Dans le mois")
    page.goto(f"{live_server.url}/z/{ZONE}/plan/month/2030-06/")
    assert page.locator("#plan-views [aria-current='page']").inner_text() in ("Mois", "Month")
    source = page.locator(f"#plan-grid .plan-entry[data-post='{post.pk}']")

    source.locator(".plan-move").focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")  # a week later
    page.keyboard.press("ArrowLeft")  # the Sunday before
    page.keyboard.press("Enter")
    page.wait_for_selector(".alert-success")
    assert "/plan/month/2030-06/" in page.url
    post.refresh_from_db()
    assert post.planned_at == at(MONDAY + dt.timedelta(days=6), 14)

    page.locator(f"#plan-grid .plan-entry[data-post='{post.pk}']").drag_to(
        page.locator("#plan-grid td[data-date='2030-06-20']")
    )
    page.wait_for_selector(".alert-success")
    post.refresh_from_db()
    assert post.planned_at == at(dt.date(2030, 6, 20), 14)


def test_an_empty_cell_opens_a_new_post_at_its_time(page, live_server, desk):
    _zone, _officer, x = desk
    page.goto(live_server.url + week_path(MONDAY))
    cell(page, x, MONDAY + dt.timedelta(days=4)).locator(".plan-new").click()
    page.wait_for_url(re.compile(r"/plan/new/\?"))
    assert page.locator("#id_planned_at").input_value() == f"{MONDAY + dt.timedelta(days=4):%Y-%m-%d}T09:00"
    checked = page.locator("input[name='channels']:checked")
    assert checked.count() == 1 and checked.input_value() == str(x.pk)
