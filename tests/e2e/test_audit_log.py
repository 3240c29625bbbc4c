"""The audit log page in a real browser (issue 16, point 4), on the demo zone with a few weeks of history: the
director narrows the log to the officer's events, reads them as sentences, and follows one to its post."""

from __future__ import annotations

import re

import pytest

from accounts.models import User
from editorial.demo import seed_demo
from editorial.demo_history import seed_history
from tests.e2e.test_editorial_path import ZONE, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def history():
    zone = seed_demo().zone
    assert seed_history(zone, weeks=3) > 10
    return zone


def test_the_director_filters_by_person_and_follows_an_event_to_its_post(page, live_server, history):
    officer = User.objects.get(username="officier")
    sign_in(page, live_server, "directeur")
    page.click(f"a[href$='/z/{ZONE}/audit/']")
    page.wait_for_url(re.compile(rf"/z/{ZONE}/audit/$"))
    assert page.locator("ol.audit-events li").count() > 0

    page.click("form.audit-filters summary")  # the filters are folded until one is in use
    page.select_option("#id_person", str(officer.pk))
    page.click("form.audit-filters button[type=submit]")
    page.wait_for_url(re.compile(rf"/z/{ZONE}/audit/\?.*person={officer.pk}"))
    events = page.locator("ol.audit-events li")
    assert events.count() > 0
    name = officer.get_full_name() or officer.username
    for text in events.all_inner_texts()[:20]:
        assert text.split("\n", 1)[1].strip().startswith(name), text

    link = page.locator("ol.audit-events li a[href*='/posts/']").first
    sentence = link.inner_text()
    link.click()
    page.wait_for_url(re.compile(rf"/z/{ZONE}/posts/\d+/$"))
    # French quotes once translated (« … »), English ones otherwise; a publication reads "post · channel".
    title = re.search(r"[“«]\s?(.+?)\s?[”»]", sentence).group(1).split(" · ")[0]
    assert title in page.locator("main").inner_text()
    assert page.browser_errors == []
