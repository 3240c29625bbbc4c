"""The Posts page in a real browser (issue 14, point 1), on the demo zone with a few weeks of history: the officer
asks "what did we publish about speed controls in Quévy?" (the locality with most of them in the history), narrows
it with the filters and shares the address; the director opening it sees the same posts, a unit head only those of
their unit; odd input never breaks it."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import pytest

from accounts.models import User
from editorial.demo import seed_demo
from editorial.demo_history import seed_history
from editorial.models import Locality, Post
from editorial.selectors.search import PostFilters, search_posts
from tests.e2e.test_editorial_path import ZONE, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def titles_on(page) -> list[str]:
    return [
        title.strip() for title in page.locator("table.post-search-results tbody tr td:first-child a").all_inner_texts()
    ]


@pytest.fixture
def history():
    zone = seed_demo().zone
    assert seed_history(zone, weeks=5) > 10
    return zone


def test_the_officer_finds_the_speed_controls_in_a_locality_and_shares_the_search(page, live_server, browser, history):
    zone = history
    # The locality with the most speed controls in the history (Quévy, most often).
    counts = Counter(
        Post.objects.filter(zone=zone, category__name="Contrôle vitesse").values_list("locality_id", flat=True)
    )
    quevy = Locality.objects.get(pk=counts.most_common(1)[0][0])
    sign_in(page, live_server, "officier")
    page.click(f"a.nav-link[href$='/z/{ZONE}/posts/']")
    page.wait_for_url(re.compile(rf"/z/{ZONE}/posts/$"))
    everything = int(re.search(r"\d+", page.locator("p[role=status]").inner_text()).group())
    assert everything == Post.objects.filter(zone=zone).count()

    page.fill("input[name=q]", "controle vitesse")  # typed without the accent
    page.locator("details summary").click()
    page.select_option("select[name=locality]", str(quevy.pk))
    page.locator("details button[type=submit]").click()
    page.wait_for_url(re.compile(r"\?"))
    asked = parse_qs(urlsplit(page.url).query)
    assert asked["q"] == ["controle vitesse"] and asked["locality"] == [str(quevy.pk)]

    officer = User.objects.get(username="officier")
    expected = search_posts(user=officer, zone=zone, filters=PostFilters(text="controle vitesse", locality=quevy.pk))
    found = titles_on(page)
    assert found and len(found) == min(expected.count(), 50)
    assert set(found) <= set(Post.objects.filter(zone=zone, locality=quevy).values_list("title", flat=True))
    assert 0 < expected.count() < everything

    # The address is the search: the director opens it in their own browser and reads the same list.
    shared = page.url
    director = browser.new_context(locale="fr-BE", timezone_id="Europe/Brussels").new_page()
    sign_in(director, live_server, "directeur")
    director.goto(shared)
    assert titles_on(director) == found
    assert director.locator("input[name=q]").input_value() == "controle vitesse"
    director.context.close()


def test_a_unit_head_sees_only_the_posts_of_their_unit(page, live_server, history):
    zone = history
    sign_in(page, live_server, "proximite")
    page.goto(f"{live_server.url}/z/{ZONE}/posts/?sort=title")
    shown = set(titles_on(page))
    mine = set(Post.objects.filter(zone=zone, item__unit__name="Proximité").values_list("title", flat=True))
    assert shown and shown <= mine
    assert not shown & set(Post.objects.filter(zone=zone, item__unit__name="Trafic").values_list("title", flat=True))


def test_odd_input_never_breaks_the_search(page, live_server, history):
    sign_in(page, live_server, "officier")
    for typed in ['"', "-", "‮ﷺ‬ 🚓 \u200b", "x" * 400, "a & b | !c <script>", "Ω" * 50]:
        page.goto(f"{live_server.url}/z/{ZONE}/posts/")
        page.fill("input[name=q]", typed)
        page.locator("form[role=search] button[type=submit]").first.click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == "Messages"
        assert page.locator("p[role=status]").count() >= 1
    page.goto(f"{live_server.url}/z/{ZONE}/posts/?status=nope&channel=abc&page=999")
    assert page.locator(".alert-warning").count() == 1
