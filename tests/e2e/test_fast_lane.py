"""Speed of the fast lane (issue 13, "Speed"): the traffic unit head publishes "radar control in {locality} on {date}
from {from} until {until}" from the approved demo template in at most 4 clicks, and the create request reaches a
fake X within 5 seconds of the click on "Publish now".

What is counted: clicks (a link, a button). Choosing in a select and typing a value are not clicks (they are
counted apart as fields filled); the date keeps its default (today). The clock runs from the click on "Publish
now" to the moment the fake X has the whole create request (its own ``time.time()``, the same machine).

The publishing: the real X publisher (tweepy, with its session and timeouts) talks to the fake X over HTTP
(``tests.fakes.social``); the task the page enqueues on commit is run by this test's thread as soon as it is
enqueued, in place of a Celery worker (the broker is replaced in tests: tests/conftest.py). A real worker's pickup
(the threads pool, polling the broker) is measured by tests/integration/ and bench.publishing (lateness p95
0.024 s), so it is left out here rather than mocked. The 5-second budget is the issue's functional one; the
measured figure is written down with its margin, and the budget is asserted as it stands (a loaded CI machine
has seconds of margin: the measured time is far below it).

With DESK_WRITE_FAST_LANE_FIGURES=1 the test writes its figures into docs/performance.md between its markers.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from django.conf import settings

from accounts.models import User
from editorial import publishing
from editorial.demo import DEMO_PASSWORD, seed_demo
from editorial.models import Channel, Post, PostOrigin, Publication
from tests.e2e.test_scripted_day import Hands
from tests.factories import totp_code
from tests.fakes.social import FakeSocial

pytestmark = pytest.mark.django_db(transaction=True)

ZONE = "mons-quevy"
CLICK_BUDGET = 4
SECONDS_BUDGET = 5.0
FIGURES = Path(settings.BASE_DIR) / "docs" / "performance.md"
BEGIN = "<!-- fast-lane figures: written by tests/e2e/test_fast_lane.py -->"
END = "<!-- end of fast-lane figures -->"


@pytest.fixture
def fake_x(settings):
    with FakeSocial() as fake:
        settings.PUBLISHERS = {
            "x": {
                "BACKEND": "editorial.publishers.x.Publisher",
                "OPTIONS": {"base_url": fake.url + "/", "connect_timeout": 2, "read_timeout": 5},
            },
            "facebook": {"BACKEND": "editorial.publishers.locmem.Publisher", "OPTIONS": {}},
        }
        yield fake


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("main form [type=submit]")
    page.wait_for_url(re.compile(rf"(/z/{ZONE}/|/accounts/login/code/|{live_server.url}/)$"))
    if page.url.endswith("/accounts/login/code/"):
        page.fill("#id_code", totp_code(User.objects.get(username=username)))
        page.click("main form [type=submit]")
    page.wait_for_url(re.compile(rf"/z/{ZONE}/$"))


def run_enqueued(celery_outbox, fake, *, deadline: float) -> None:
    """The worker's part: send each publication the page enqueued, as soon as it is enqueued."""
    done: set[int] = set()
    while time.monotonic() < deadline and not fake.received("tweets"):
        for task in list(celery_outbox):
            if task.name == "editorial.tasks.publish":
                publication_id = (task.args or (task.kwargs.get("publication_id"),))[0]
                if publication_id not in done:
                    done.add(publication_id)
                    publishing.publication_send(publication_id=publication_id)
        time.sleep(0.01)


def write_figures(table: str) -> None:
    text = FIGURES.read_text(encoding="utf-8")
    if BEGIN not in text:
        text += (
            "\n## The fast lane: a radar control from its template (issue 13)\n\n"
            "Measured in Chromium by tests/e2e/test_fast_lane.py: the demo traffic head (`trafic`, under the demo "
            "director's delegated right) publishes the approved demo template \"Contrôle radar\" on X, from the zone's "
            "dashboard. Clicks are links and buttons; choosing the locality and typing the two times are fields "
            'filled, not clicks; the date keeps its default (today). The time runs from the click on "Publish now" '
            "to the whole create request at the fake X (real X publisher over HTTP; the enqueued task run at once "
            "by the test in place of a worker, whose pickup bench.publishing measures).\n\n"
            f"{BEGIN}\n{END}\n"
        )
    before, rest = text.split(BEGIN, 1)
    _, after = rest.split(END, 1)
    FIGURES.write_text(f"{before}{BEGIN}\n{table}\n{END}{after}", encoding="utf-8")


def test_the_traffic_head_publishes_a_radar_control_in_four_clicks(page, live_server, fake_x, celery_outbox):
    zone = seed_demo().zone
    x = Channel.objects.get(zone=zone, kind=Channel.Kind.X, language="fr")
    x.set_credentials({"api_key": "k", "api_secret": "s", "access_token": "t", "access_token_secret": "ts"})
    x.save()
    sign_in(page, live_server, "trafic")
    hands = Hands(page)
    fields = 0

    hands.click(".zone-nav a[href$='/publish/']")
    page.wait_for_url(re.compile(rf"/z/{ZONE}/publish/$"))
    hands.click("#publishable-templates a:has-text('Contrôle radar')")
    page.wait_for_url(re.compile(r"/templates/\d+/publish/$"))
    page.select_option("#id_ph_locality", "Quévy")
    page.fill("#id_ph_from", "14:00")
    page.fill("#id_ph_until", "16:00")
    fields += 3
    preview = page.text_content(f"[data-preview-for='{x.pk}']")
    assert "Quévy" in preview and "14h" in preview and "16h" in preview, preview
    clicked_at = time.time()
    hands.click("#publish-button")
    page.wait_for_url(re.compile(r"/posts/\d+/$"))
    run_enqueued(celery_outbox, fake_x, deadline=time.monotonic() + SECONDS_BUDGET + 5)

    tweets = fake_x.received("tweets")
    assert len(tweets) == 1
    seconds = tweets[0].at - clicked_at
    clicks, _keys = hands.take()
    post = Post.objects.get(origin=PostOrigin.TEMPLATE)
    assert post.author.username == "trafic" and post.published_under.startswith("grant:")
    assert tweets[0].json()["text"] == Publication.objects.get(post=post, channel=x).post.variants.get(channel=x).text
    assert "Contrôle radar à Quévy" in tweets[0].json()["text"]

    table = "\n".join(
        [
            "| measure | budget | measured |",
            "|---|---|---|",
            f"| clicks, dashboard to published | at most {CLICK_BUDGET} | {clicks} |",
            f"| fields filled (locality chosen, two times typed; date by default) | — | {fields} |",
            f'| "Publish now" to the create at the fake X | at most {SECONDS_BUDGET:.0f} s | {seconds:.2f} s |',
        ]
    )
    print(f"\n{table}")
    if os.environ.get("DESK_WRITE_FAST_LANE_FIGURES") == "1":
        write_figures(table)
    assert clicks <= CLICK_BUDGET
    assert seconds <= SECONDS_BUDGET
    assert page.browser_errors == []
