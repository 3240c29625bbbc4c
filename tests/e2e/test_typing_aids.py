"""The aids while the officer types, in a real browser (issue 12): a plate typed into a post text is flagged and
highlighted a moment later, a name from the unit's confidentiality notes too, a check that cannot run says so without
stopping the typing, and "@Fed" offers the federal police, inserted with the keyboard.

Two pages: the drafting page itself (only its textarea[data-post-text] and templates/editorial/_typing_aids.html are
relied on), and a page of this test with an X and a Facebook textarea and the partial alone, so that the aids are
checked whatever the drafting page around them looks like.
"""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string

from accounts.models import User
from editorial import services
from editorial.demo import seed_demo
from editorial.models import Category, Item, Locality, Unit
from tests.e2e.test_editorial_path import ZONE, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

NOTES = "Ne jamais publier le nom du conducteur, Jean Dupont, ni sa plaque ; pas le nom de la rue des Alliés."


def item_with_notes(zone) -> Item:
    head = User.objects.get(username="trafic")
    return Item.objects.create(
        zone=zone,
        unit=Unit.objects.get(zone=zone, name="Trafic"),
        submitted_by=head,
        title="Accident rue des Alliés",
        facts="Collision entre deux voitures, un blessé léger.",
        category=Category.objects.get(zone=zone, name="Bouchons"),
        locality=Locality.objects.get(zone=zone, name="Mons"),
        confidentiality_notes=NOTES,
    )


def aids(page):
    return page.locator("#typing-aids")


def status_of(textarea):
    return textarea.locator("xpath=..").locator(".livecheck-status")


def marks_of(textarea):
    return textarea.locator("xpath=..").locator("mark.typing-mark-confidentiality")


def assert_no_axe_violations(page, *, context=None) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context=context)
    assert results.violations_count == 0, results.generate_report()


def test_on_the_drafting_page_a_plate_and_a_name_of_the_notes_are_flagged_and_fed_is_offered(page, live_server):
    zone = seed_demo().zone
    item = item_with_notes(zone)
    post = services.item_take_up(actor=User.objects.get(username="officier"), item=item)
    sign_in(page, live_server, "officier")
    asked: list[str] = []
    page.on(
        "request",
        lambda request: asked.append(request.post_data) if "/checks/confidentiality/" in request.url else None,
    )
    page.goto(f"{live_server.url}/z/{ZONE}/posts/{post.pk}/edit/")
    assert aids(page).get_attribute("data-post") == str(post.pk)

    text = page.locator("textarea[data-post-text]:visible").first
    text.click()
    text.press_sequentially("Collision rue de Nimy : la voiture 1-ABC-234 est dépannée.", delay=5)
    # A moment after the last keystroke, the plate is found, said and highlighted.
    status = status_of(text)
    page.wait_for_function(
        "([el, sentence]) => el.textContent === sentence",
        arg=[status.element_handle(), aids(page).get_attribute("data-msg-one")],
    )
    assert status.get_attribute("role") == "status"
    assert status.get_attribute("id") in text.get_attribute("aria-describedby").split()
    assert marks_of(text).all_inner_texts() == ["1-ABC-234"]

    # A name from the unit's notes is a check too.
    text.press("Control+End")
    text.press_sequentially(" Merci à M. Dupont pour son aide.", delay=5)
    many = aids(page).get_attribute("data-msg-many").replace("{count}", "2")
    page.wait_for_function("([el, s]) => el.textContent === s", arg=[status.element_handle(), many])
    assert marks_of(text).all_inner_texts() == ["1-ABC-234", "Dupont"]
    # "Show in the text" selects the finding for the keyboard and the screen reader.
    text.locator("xpath=..").locator(".livecheck-show").nth(1).click()
    selected = page.evaluate("el => el.value.slice(el.selectionStart, el.selectionEnd)", text.element_handle())
    assert selected == "Dupont"

    # "@Fed" offers the federal police; Enter inserts its handle.
    text.press("Control+End")
    text.press_sequentially(" Relayé par @Fed", delay=20)
    listbox = text.locator("xpath=..").locator("[role=listbox]")
    listbox.wait_for(state="visible")
    options = listbox.locator("[role=option]")
    assert "Police fédérale (démo)" in options.first.inner_text()
    assert text.get_attribute("aria-activedescendant") == options.first.get_attribute("id")
    assert options.first.get_attribute("aria-selected") == "true"
    text.press("Enter")
    assert listbox.is_hidden()
    assert text.input_value().endswith("Relayé par @FedPol_Belgium ")

    # The server cannot be reached: typing goes on, and the page says the check could not run.
    page.route(re.compile(r".*/checks/confidentiality/$"), lambda route: route.abort())
    text.press_sequentially("Fin.", delay=5)
    page.wait_for_function(
        "([el, s]) => el.textContent === s",
        arg=[status.element_handle(), aids(page).get_attribute("data-msg-failed")],
    )
    assert text.input_value().endswith("@FedPol_Belgium Fin.")
    # One question per text, however many channel texts follow the main text, and only after a pause in typing.
    assert len(asked) == len(set(asked)) < 12
    assert page.browser_errors == [] or all("checks/confidentiality" in e for e in page.browser_errors)


def minimal_page(zone, item, csrf: str) -> str:
    aids_html = render_to_string("editorial/_typing_aids.html", {"zone": zone, "item": item, "csrf_token": csrf})
    return f"""<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Aides à la frappe</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/vendor/bootstrap-5.3.9/bootstrap.min.css">
<link rel="stylesheet" href="/static/css/desk.css"></head>
<body><main class="container my-3"><h1 class="h4">Textes</h1>
<div class="mb-3"><label class="form-label" for="x">Texte pour X</label>
<textarea class="form-control" id="x" rows="4" data-post-text data-channel-kind="x" data-language="fr"></textarea></div>
<div class="mb-3"><label class="form-label" for="fb">Texte pour Facebook</label>
<textarea class="form-control" id="fb" rows="4" data-post-text data-channel-kind="facebook"
 data-language="fr"></textarea></div>
{aids_html}</main></body></html>"""


def test_the_partial_alone_x_and_facebook_mentions_and_highlights(page, live_server):
    zone = seed_demo().zone
    item = item_with_notes(zone)
    sign_in(page, live_server, "officier")
    csrf = next(c["value"] for c in page.context.cookies() if "csrf" in c["name"])
    address = f"{live_server.url}/typing-aids-test/"
    page.route(
        address, lambda route: route.fulfill(status=200, content_type="text/html", body=minimal_page(zone, item, csrf))
    )
    page.goto(address)

    x = page.locator("#x")
    x.click()
    x.press_sequentially("Voiture 1-ABC-234 rue des Allies. Merci @vias", delay=10)
    listbox = x.locator("xpath=..").locator("[role=listbox]")
    listbox.wait_for(state="visible")
    assert listbox.locator("[role=option]").first.inner_text().startswith("Vias institute (démo)")
    assert_no_axe_violations(page)
    # Escape closes the list and leaves the text as typed.
    x.press("Escape")
    assert listbox.is_hidden()
    assert x.input_value().endswith("@vias")
    x.press_sequentially("_", delay=10)  # typing on after Escape does not reopen the same mention
    assert listbox.is_hidden()

    page.wait_for_function("() => document.querySelectorAll('#x ~ .livecheck mark, mark.typing-mark').length >= 2")
    assert marks_of(x).all_inner_texts() == ["1-ABC-234", "rue des Allies"]
    assert_no_axe_violations(page)

    # In a Facebook text, the page's name is inserted; a click chooses too.
    fb = page.locator("#fb")
    fb.click()
    fb.press_sequentially("Avec la @Pol", delay=20)
    fb_list = fb.locator("xpath=..").locator("[role=listbox]")
    fb_list.wait_for(state="visible")
    fb_list.locator("[role=option]", has_text="Police fédérale (démo)").click()
    assert fb.input_value() == "Avec la Police fédérale "
    # Arrows move the choice, Enter takes the chosen one.
    fb.press_sequentially("et @zone", delay=20)
    fb_list.wait_for(state="visible")
    names = fb_list.locator("[role=option] .mention-name").all_inner_texts()
    assert names == ["Zone de police Boraine (démo)", "Zone de police La Louvière (démo)"]
    fb.press("ArrowDown")
    assert fb_list.locator("[role=option]").nth(1).get_attribute("aria-selected") == "true"
    fb.press("Enter")
    assert fb.input_value() == "Avec la Police fédérale et Zone de police La Louvière "
    assert page.browser_errors == []
