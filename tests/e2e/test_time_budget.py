"""The time budget in a real browser (issue 14, point 5): a page in use counts its seconds and sends them, an idle
page or a hidden tab does not, and the person then reads them on My time. The page's clock is Playwright's (so a
minute passes at once); the desk's own clock is real, so every ping lands in the same minute and the minute's cap
of 60 s is what the desk then holds."""

from __future__ import annotations

import re
import time

import pytest

from accounts.models import User
from editorial.demo import seed_demo
from editorial.models import ActiveTime
from tests.e2e.test_editorial_path import ZONE, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

_SECONDS = re.compile(r'name="seconds"\r\n\r\n(\d+)')
_PAGE = re.compile(r'name="page"\r\n\r\n(\w+)')


def seconds_recorded(user: User) -> int:
    return sum(ActiveTime.objects.filter(user=user).values_list("seconds", flat=True))


def wait_for(page, condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "waited too long"
        page.wait_for_timeout(50)


def test_a_page_in_use_counts_and_an_idle_or_hidden_one_does_not(page, live_server):
    seed_demo()
    head = User.objects.get(username="trafic")
    sign_in(page, live_server, "trafic")
    before = seconds_recorded(head)

    pings: list[tuple[str, int]] = []

    def watch(route):
        body = route.request.post_data or ""
        pings.append((_PAGE.search(body).group(1), int(_SECONDS.search(body).group(1))))
        route.continue_()

    page.route("**/time/ping/", watch)
    page.clock.install()
    page.goto(f"{live_server.url}/z/{ZONE}/items/")
    assert page.locator("body").get_attribute("data-active-page") == "item_list"

    # In use: the pointer moves, and 15 seconds later the page sends 15 seconds of reading items.
    page.mouse.move(200, 200)
    page.clock.run_for(15_000)
    wait_for(page, lambda: len(pings) == 1)
    assert pings == [("item_list", 15)]
    wait_for(page, lambda: seconds_recorded(head) == before + 15)
    row = ActiveTime.objects.filter(user=head).latest("minute")
    assert row.kind == "items"

    # Left alone: what the last minute after the last use counts, then nothing at all.
    page.clock.run_for(75_000)
    page.wait_for_timeout(300)
    idle_start = len(pings)
    assert sum(seconds for _page, seconds in pings) <= 15 + 60
    page.clock.run_for(180_000)
    page.wait_for_timeout(300)
    assert len(pings) == idle_start, "an idle page sent time"

    # Used again: counted again.
    page.mouse.move(300, 300)
    page.clock.run_for(15_000)
    wait_for(page, lambda: len(pings) == idle_start + 1)
    assert pings[-1] == ("item_list", 15)

    # The tab is hidden: what was counted leaves at once, and nothing counts while it stays hidden.
    page.mouse.move(320, 320)
    page.clock.run_for(5_000)
    page.evaluate(
        "Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});"
        "document.dispatchEvent(new Event('visibilitychange'));"
    )
    wait_for(page, lambda: len(pings) == idle_start + 2)
    assert pings[-1] == ("item_list", 5)
    for x in range(5):
        page.mouse.move(100 + x * 10, 100)
        page.clock.run_for(15_000)
    page.wait_for_timeout(300)
    assert len(pings) == idle_start + 2, "a hidden tab sent time"

    # Whatever the pings said, no minute holds more than a minute.
    assert all(s <= 60 for s in ActiveTime.objects.filter(user=head).values_list("seconds", flat=True))
    assert page.browser_errors == []


def test_the_person_reads_their_time_on_my_time(page, live_server):
    seed_demo()
    sign_in(page, live_server, "trafic")
    page.clock.install()
    page.goto(f"{live_server.url}/z/{ZONE}/items/")
    page.mouse.move(200, 200)
    page.clock.run_for(15_000)
    head = User.objects.get(username="trafic")
    wait_for(page, lambda: ActiveTime.objects.filter(user=head, kind="items").exists())
    page.click(f"a[href='/z/{ZONE}/time/']")
    page.wait_for_url(re.compile(rf"/z/{ZONE}/time/$"))
    assert page.locator("h1").inner_text().strip()
    assert page.locator(".time-day svg").count() >= 5
    assert page.browser_errors == []
