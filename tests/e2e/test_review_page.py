"""The review page in a browser (issue 12): the decision beside the texts on a wide screen and sticky, the texts
first on a phone, a bilingual post's French and Dutch texts side by side, the checklist in the director's language,
errors named in a summary that links to each line, and no axe-core violation.

With DESK_SHOTS_DIR set, each page is also saved there as a screenshot (desktop 1280 px and phone 390 px wide, in
French and Dutch) for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import User
from editorial import services
from editorial.demo import DEMO_PASSWORD, seed_demo
from editorial.models import Channel, Item, Post, Review, Unit, Zone
from tests.factories import totp_code

pytestmark = pytest.mark.django_db(transaction=True)

ZONE = "bruxelles-ixelles"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SHOTS = os.environ.get("DESK_SHOTS_DIR", "")


def open_page(browser, live_server, *, viewport: dict, language: str, username: str = "directeur"):
    """A signed-in page of ``username`` in a browser that asks for ``language``."""
    context = browser.new_context(
        locale=f"{language}-BE", timezone_id="Europe/Brussels", viewport=viewport, is_mobile=viewport is PHONE
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.browser_errors = []
    page.on("console", lambda m: page.browser_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: page.browser_errors.append(str(error)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form button[type=submit], form input[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/login/code/$"))
    page.fill("#id_code", totp_code(User.objects.get(username=username)))
    page.click("form button[type=submit], form input[type=submit]")
    try:
        page.wait_for_url(re.compile(rf"^{live_server.url}/(z/[\w-]+/)?$"))
    except Exception:
        page.screenshot(path="/tmp/shots-bilingual/debug.png")
        print(page.url)
        raise
    return page


def review_url(live_server, post: Post) -> str:
    return f"{live_server.url}/z/{post.zone.slug}/posts/{post.pk}/review/"


def shot(page, name: str) -> None:
    """The whole page, and what the screen shows of it."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)
        page.screenshot(path=f"{SHOTS}/{name}-screen.png")


def assert_no_axe_violations(page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def in_view(page, selector: str) -> bool:
    found = box(page, selector)
    height = page.viewport_size["height"]
    return found is not None and found["y"] >= 0 and found["y"] + min(found["height"], 40) <= height


def wait_in_view(page, selector: str) -> None:
    """Until ``selector`` is on screen (Bootstrap scrolls smoothly: a scroll takes a moment)."""
    page.wait_for_function(
        """selector => {
            const r = document.querySelector(selector).getBoundingClientRect();
            return r.top >= 0 && r.top + Math.min(r.height, 40) <= window.innerHeight;
        }""",
        arg=selector,
    )


def uncovered(page, selector: str) -> bool:
    """Whether the middle of ``selector`` is itself on top there (no sticky bar over it)."""
    return page.evaluate(
        """selector => {
            const element = document.querySelector(selector);
            const r = element.getBoundingClientRect();
            const top = document.elementFromPoint(r.left + r.width / 2, r.top + Math.min(r.height, 40) / 2);
            return element.contains(top);
        }""",
        selector,
    )


def force_approve(page) -> None:
    """Send the checklist as it is, as a browser without the page's script would (the button is enabled)."""
    page.evaluate("document.querySelector('[data-review-approve]').disabled = false")
    page.click("button[data-review-approve]")
    page.wait_for_load_state()


@pytest.fixture
def bilingual_post(db) -> Post:
    seed_demo()
    return Post.objects.get(zone__slug=ZONE, status=Post.Status.IN_REVIEW)


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_wide_screen_texts_side_by_side_and_the_decision_beside_them(browser, live_server, bilingual_post, language):
    page = open_page(browser, live_server, viewport=DESKTOP, language=language)
    page.goto(review_url(live_server, bilingual_post))
    x_fr, x_nl, facebook = (
        box(page, f"#channel-{bilingual_post.variants.get(channel__language=lang).channel_id}")
        for lang in ("fr", "nl", "fr+nl")
    )
    # One network's French and Dutch accounts side by side; the account posting both languages on its own line.
    assert abs(x_fr["y"] - x_nl["y"]) < 2 and x_nl["x"] > x_fr["x"] + x_fr["width"]
    assert facebook["y"] + facebook["height"] < x_fr["y"] or facebook["y"] > x_fr["y"] + x_fr["height"]
    # The checklist and the buttons beside the texts, at the top of the screen.
    decision = box(page, "#decision")
    assert decision["x"] > x_nl["x"] + x_nl["width"]
    assert in_view(page, "#decision-title") and in_view(page, "input[data-review-check]")
    assert in_view(page, "button[data-review-approve]") and in_view(page, ".review-send-back > summary")
    # The checklist is in the director's language.
    question = "Toont dit bericht een politie" if language == "nl" else "Ce message montre-t-il une police proche"
    assert question in page.locator("#decision").inner_text()
    shot(page, f"review-bilingual-desktop-{language}")
    assert_no_axe_violations(page)
    # Sticky: still there when the director scrolls down to the earlier reviews.
    page.locator("#history").scroll_into_view_if_needed()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/review-bilingual-desktop-{language}-scrolled-screen.png")
    assert in_view(page, "button[data-review-approve]")
    assert page.browser_errors == []


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_phone_texts_then_findings_then_checklist_then_decision(browser, live_server, bilingual_post, language):
    page = open_page(browser, live_server, viewport=PHONE, language=language)
    page.goto(review_url(live_server, bilingual_post))
    x_fr = box(page, f"#channel-{bilingual_post.variants.get(channel__language='fr').channel_id}")
    x_nl = box(page, f"#channel-{bilingual_post.variants.get(channel__language='nl').channel_id}")
    assert x_nl["y"] > x_fr["y"] + x_fr["height"]  # stacked
    assert page.locator("body").evaluate("b => b.scrollWidth") <= PHONE["width"]  # nothing wider than the phone
    order = [
        box(page, ".review-texts .preview")["y"],
        box(page, ".review-texts .review-channel .text-success, .review-texts .review-channel .alert")["y"],
        box(page, "input[data-review-check]")["y"],
        box(page, "button[data-review-approve]")["y"],
        box(page, "#history")["y"],
    ]
    assert order == sorted(order)
    shot(page, f"review-bilingual-phone-{language}")
    assert_no_axe_violations(page)

    # An incomplete approval: the error summary comes into view, with a link to each line left.
    page.locator("input[data-review-check]").first.check()
    force_approve(page)
    wait_in_view(page, "#error-summary")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    links = page.locator("#error-summary a")
    assert links.count() == 3  # two values and the confidentiality line
    shot(page, f"review-errors-phone-{language}")
    assert_no_axe_violations(page)
    links.last.click()
    assert page.evaluate("document.activeElement.id") == "id_confidentiality_confirmed"
    wait_in_view(page, "#id_confidentiality_confirmed")
    assert page.browser_errors == []


def test_wide_screen_errors_at_the_top_of_the_decision_and_at_each_line(browser, live_server, bilingual_post):
    page = open_page(browser, live_server, viewport=DESKTOP, language="fr")
    page.goto(review_url(live_server, bilingual_post))
    force_approve(page)
    # Where the eye is: at the top of the panel beside the texts, without scrolling.
    assert page.evaluate("window.scrollY") == 0
    assert in_view(page, "#error-summary")
    summary = page.locator("#error-summary").inner_text()
    for name in ("Proximité", "Dynamisme", "Sens du devoir envers chaque citoyen"):
        assert name in summary
    assert page.locator("#error-summary a").count() == 4
    assert page.locator(".review-check-error").count() == 4  # three values and confidentiality
    assert page.locator(".invalid-feedback:visible").count() == 4
    shot(page, "review-errors-desktop-fr")
    assert_no_axe_violations(page)
    # A link to a line further down the panel brings it into view and puts the focus on its box.
    page.locator("#error-summary a").nth(2).click()
    focused = page.evaluate("document.activeElement.id")
    assert focused.startswith("id_value_")
    wait_in_view(page, f"#{focused}")
    # Sending back without a comment: the comment box opens with the error named.
    page.goto(review_url(live_server, bilingual_post))
    page.click(".review-send-back > summary")
    page.wait_for_function("document.activeElement.id === 'id_comment'")
    wait_in_view(page, "#id_comment")
    page.click(".review-send-back button[type=submit]")
    page.wait_for_load_state()
    wait_in_view(page, "#error-summary")
    assert uncovered(page, "#error-summary")
    assert page.locator("#error-summary a[href='#id_comment']").count() == 1
    page.click("#error-summary a[href='#id_comment']")
    wait_in_view(page, "#id_comment")
    assert uncovered(page, "#id_comment")
    assert page.evaluate("document.activeElement.id") == "id_comment"
    shot(page, "review-send-back-error-desktop-fr")
    assert page.browser_errors == []


def test_a_dutch_speaking_director_answers_in_dutch_and_the_review_keeps_it(browser, live_server, bilingual_post):
    page = open_page(browser, live_server, viewport=DESKTOP, language="nl")
    page.goto(review_url(live_server, bilingual_post))
    checks = page.locator("input[data-review-check]")
    for i in range(checks.count()):
        checks.nth(i).check()
    page.locator(".review-note > summary").first.click()
    page.locator(".review-note textarea").first.fill("Goed, maar vermeld de omleiding.")
    page.click("button[data-review-approve]")
    page.wait_for_url(re.compile(rf"/z/{ZONE}/review/$"))
    review = Review.objects.get(post=bilingual_post)
    checks = list(review.value_checks.order_by("pk"))
    assert [c.value_name for c in checks] == ["Nabijheid", "Dynamiek", "Plichtsbesef tegenover elke burger"]
    assert {c.language for c in checks} == {"nl"}
    assert checks[0].note == "Goed, maar vermeld de omleiding."
    # The earlier review shows the text as answered, whatever the reader's language.
    page.context.add_cookies([{"name": "django_language", "value": "fr", "url": live_server.url}])
    page.goto(review_url(live_server, bilingual_post))
    history = page.locator("#history").locator("xpath=..").inner_text()
    assert "Nabijheid" in history and "Goed, maar vermeld de omleiding." in history
    shot(page, "review-approved-desktop-fr")
    assert page.browser_errors == []


def test_the_queue_on_a_wide_screen_and_a_phone(browser, live_server, bilingual_post):
    page = open_page(browser, live_server, viewport=DESKTOP, language="fr")
    for language in ("fr", "nl"):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        for viewport, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
            page.set_viewport_size(viewport)
            page.goto(f"{live_server.url}/z/{ZONE}/review/")
            assert page.locator(f"#review-queue a[href$='/posts/{bilingual_post.pk}/review/']").is_visible()
            shot(page, f"queue-{name}-{language}")
            assert_no_axe_violations(page)
    assert page.browser_errors == []


def test_a_one_language_zone_post_with_findings_and_an_earlier_review(browser, live_server, bilingual_post):
    """Mons-Quévy (French only): one channel per line, the scan's findings beside the text and counted in the
    checklist, the unit's confidentiality notes at the confidentiality line, what changed since the last review."""
    zone = Zone.objects.get(slug="mons-quevy")
    officer, director = User.objects.get(username="officier"), User.objects.get(username="directeur")
    item = Item.objects.create(
        zone=zone,
        unit=Unit.objects.get(zone=zone, name="Trafic"),
        submitted_by=User.objects.get(username="trafic"),
        title="Contrôle radar rue de Binche",
        facts="Jeudi matin, radar mobile rue de Binche à Mons.",
        confidentiality_notes="Ne pas citer le nom du riverain qui s'est plaint (M. Dupont).",
    )
    post = services.item_take_up(actor=officer, item=item)
    texts = {
        channel: f"Contrôle de vitesse jeudi rue de Binche à #Mons. Le conducteur 85.07.30-033.28 ({channel.kind})"
        for channel in Channel.objects.filter(zone=zone)
    }
    services.post_update(
        actor=officer,
        post=post,
        texts=texts,
        planned_at=timezone.now() + dt.timedelta(days=2),
    )
    services.post_submit(actor=officer, post=post)
    services.post_request_changes(actor=director, post=post, comment="Retirez le numéro de registre national.")
    services.post_update(actor=officer, post=post, texts={c: t + " Merci !" for c, t in texts.items()})
    services.post_submit(actor=officer, post=post)

    page = open_page(browser, live_server, viewport=DESKTOP, language="fr")
    for language in ("fr", "nl"):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        for viewport, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
            page.set_viewport_size(viewport)
            page.goto(review_url(live_server, post))
            assert page.locator(".review-pair").count() == 0
            assert page.locator(".review-texts .alert-danger").count() == 2
            assert page.locator("#decision a[href^='#channel-']").count() == 1  # the findings, counted
            assert "M. Dupont" in page.locator("#decision").inner_text()
            assert page.locator("#changes ins").count() >= 1
            assert page.locator("#id_override_reason").is_visible()
            shot(page, f"review-mons-findings-{name}-{language}")
            assert_no_axe_violations(page)
    assert page.browser_errors == []


def test_the_value_admin_asks_a_bilingual_zone_for_the_dutch_texts(browser, live_server, bilingual_post):
    page = open_page(browser, live_server, viewport=DESKTOP, language="fr", username="admin")
    zone = Zone.objects.get(slug=ZONE)
    for language in ("fr", "nl"):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        for viewport, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
            page.set_viewport_size(viewport)
            page.goto(f"{live_server.url}/admin/editorial/value/add/")
            page.select_option("#id_zone", str(zone.pk))
            page.fill("#id_name", "Transparence")
            page.fill("#id_question", "Ce message est-il clair ?")
            page.fill("#id_description", "Dire les choses simplement.")
            page.click("input[name=_save]")
            page.wait_for_load_state()
            assert page.locator(".errorlist").count() == 3
            assert page.locator("#id_name").input_value() == "Transparence"
            shot(page, f"admin-value-{name}-{language}")
            assert_no_axe_violations(page)
    # Not asserted here: the Django admin's own inline styles are refused by the desk's Content-Security-Policy.
