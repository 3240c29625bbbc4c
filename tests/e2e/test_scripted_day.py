"""The scripted day (issue 12, point 7): five items of a unit, each with a photo, taken up and drafted for X and
Facebook, submitted, approved, in a real browser with the demo users. The test counts the clicks and keystrokes the
officer and the director spend on each post and asserts the clicks; the figures are a measure of the desk, not a
target on time.

What is counted: every Playwright call the test makes for the officer or the director goes through `Hands`, which
counts a click for each click or check, one keystroke for each key pressed, and N keystrokes for N characters typed
(an accented letter is one key on a Belgian keyboard; Shift is not counted). The sign-in is not counted. Nothing is
typed with `fill` for them: a field is clicked, or is where the page put the cursor, then typed into, as a person
would. Scrolling (the wheel) is neither a click nor a keystroke.

The unit head's five items go through the item form in the browser (with the photo uploaded); that work is done but
not counted. The director signed in earlier in the day: the first approval asks for a fresh code from the
authenticator app (approving asks for one once the sign-in is older than DESK_REAUTH_SECONDS), typed and counted.

With DESK_WRITE_DAY_FIGURES=1 the test writes its table into docs/performance.md between its markers, so that a
normal run (CI) never rewrites the docs.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from accounts import mfa
from accounts.models import User
from editorial.demo import demo_photo, seed_demo
from editorial.models import Item, Post, Review, Value, VariantMedia
from tests.e2e.test_editorial_path import ZONE, sign_in, sign_out
from tests.factories import totp_code

pytestmark = pytest.mark.django_db(transaction=True)

# The goal: from "take up" to "submitted for review" in at most 6 clicks.
OFFICER_CLICK_BUDGET = 6
FIGURES = Path(settings.BASE_DIR) / "docs" / "performance.md"
BEGIN = "<!-- scripted-day figures: written by tests/e2e/test_scripted_day.py -->"
END = "<!-- end of scripted-day figures -->"


@dataclass(frozen=True)
class DayItem:
    title: str
    facts: str
    category: str
    locality: str
    notes: str
    alt_text: str
    main_text: str


# A usual day of the traffic unit in Mons-Quévy (made up). Each main text fits X (at most 280) and names nothing the
# notes forbid: the director has no finding to override.
DAY = [
    DayItem(
        title="Travaux avenue du Roi Albert à Jemappes",
        facts="Du lundi au mercredi, 8 h - 16 h : réfection des trottoirs, une bande fermée vers Mons.",
        category="Travaux",
        locality="Jemappes",
        notes="",
        alt_text="Une bande fermée par des barrières, des ouvriers sur le trottoir.",
        main_text=(
            "Travaux avenue du Roi Albert à Jemappes du lundi au mercredi, de 8 h à 16 h : une seule bande vers "
            "Mons. Prévoyez quelques minutes de plus. #travaux #Jemappes"
        ),
    ),
    DayItem(
        title="Contrôle de vitesse chaussée de Binche",
        facts="Jeudi, radar mobile chaussée de Binche à Mons, à hauteur des écoles.",
        category="Contrôle vitesse",
        locality="Mons",
        notes="Ne pas donner l'heure exacte du contrôle.",
        alt_text="Un radar mobile au bord d'une chaussée, près d'un passage pour piétons.",
        main_text=(
            "Ce jeudi, contrôle de vitesse chaussée de Binche à Mons, près des écoles. 30 km/h, pour la sécurité "
            "des enfants. #controle #radar #Mons"
        ),
    ),
    DayItem(
        title="Ducasse de Havré : circulation",
        facts="Samedi et dimanche, ducasse sur la place de Havré : place fermée, stationnement rue des Fossés.",
        category="Fête locale",
        locality="Havré",
        notes="Pas de photo des forains reconnaissables.",
        alt_text="La place de Havré avec des stands et des guirlandes.",
        main_text=(
            "Ducasse à Havré ce week-end : la place est fermée à la circulation samedi et dimanche. Garez-vous rue "
            "des Fossés et profitez de la fête ! #fete #Havre"
        ),
    ),
    DayItem(
        title="Vols dans les voitures à Cuesmes",
        facts="Plusieurs vitres brisées cette semaine près de la gare de Cuesmes. Conseils de prévention.",
        category="Prévention",
        locality="Cuesmes",
        notes="Enquête en cours : ne pas dire combien de voitures ni quelles rues.",
        alt_text="Une voiture garée, rien de visible sur les sièges.",
        main_text=(
            "Ne laissez rien de visible dans votre voiture : sac, GSM, GPS. Un vol prend quelques secondes. Un doute "
            "? Appelez le 101. #prevention #Cuesmes"
        ),
    ),
    DayItem(
        title="Déviation à Nimy pour un chantier",
        facts="Rue de la Poterie fermée une semaine ; déviation par la chaussée du Roeulx.",
        category="Déviation",
        locality="Nimy",
        notes="",
        alt_text="Un panneau jaune de déviation à un carrefour.",
        main_text=(
            "Rue de la Poterie à Nimy fermée toute la semaine pour un chantier. Déviation par la chaussée du Roeulx, "
            "suivez les panneaux jaunes. #deviation #Nimy"
        ),
    ),
]


class Hands:
    """One person's mouse and keyboard: every click and key goes through here and is counted."""

    def __init__(self, page) -> None:
        self.page = page
        self.clicks = 0
        self.keys = 0

    def click(self, selector: str) -> None:
        self.clicks += 1
        self.page.click(selector)

    def check(self, selector: str) -> None:
        self.clicks += 1
        self.page.check(selector)

    def type(self, text: str) -> None:
        """Typed where the cursor is."""
        self.keys += len(text)
        self.page.keyboard.type(text)

    def take(self) -> tuple[int, int]:
        """The clicks and keystrokes since the last call."""
        counted = (self.clicks, self.keys)
        self.clicks = self.keys = 0
        return counted


@dataclass
class PostFigures:
    title: str
    officer_to_item: int = 0  # clicks from wherever the officer was to the inbox
    officer_clicks: int = 0  # from "take up" to "submitted for review"
    officer_keys: int = 0
    officer_text_keys: int = 0  # of which the main text (the rest: the photo's alternative text)
    director_clicks: int = 0
    director_keys: int = 0
    code_asked: bool = False


def submit_items(page, live_server) -> list[Item]:
    """The head of the traffic unit submits the day's items through the form, each with a photo (not counted)."""
    sign_in(page, live_server, "trafic")
    start = timezone.localtime(timezone.now()) + dt.timedelta(days=2)
    items = []
    for hour, day_item in enumerate(DAY, start=9):
        page.goto(f"{live_server.url}/z/{ZONE}/items/new/")
        page.fill("#id_title", day_item.title)
        page.fill("#id_facts", day_item.facts)
        page.select_option("#id_category", label=day_item.category)
        page.select_option("#id_locality", label=day_item.locality)
        page.fill("#id_wanted_start", start.replace(hour=hour, minute=0).strftime("%Y-%m-%dT%H:%M"))
        page.set_input_files(
            "#id_photos", files=[{"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": demo_photo()}]
        )
        page.fill("#id_confidentiality_notes", day_item.notes)
        page.click("form[enctype] button[type=submit]")
        page.wait_for_url(re.compile(rf"/z/{ZONE}/items/\d+/$"))
        item = Item.objects.get(title=day_item.title)
        assert item.attachments.count() == 1
        items.append(item)
    sign_out(page)
    return items


class Fetches:
    """The page's own requests in flight (the live confidentiality check while typing)."""

    def __init__(self, page) -> None:
        self.in_flight: set = set()
        page.on("request", lambda request: self.in_flight.add(request) if request.resource_type == "fetch" else None)
        page.on("requestfinished", lambda request: self.in_flight.discard(request))
        page.on("requestfailed", lambda request: self.in_flight.discard(request))

    def settle(self, page) -> None:
        """Until the check that follows the last keystroke (400 ms later) has had its answer. Not a person's wait:
        the test server shares one SQLite connection between its threads, and a check read while the next save
        writes can fail there ("database table is locked"), which a real server's own connections never do."""
        page.wait_for_timeout(450)
        for _ in range(200):
            if not self.in_flight:
                return
            page.wait_for_timeout(25)
        raise AssertionError(f"still waiting for {[request.url for request in self.in_flight]}")


def bring_just_above_the_save_bar(page, selector: str) -> None:
    """Scroll (the wheel: neither a click nor a key) until ``selector`` sits just above the sticky save bar, where an
    officer scrolling down to it would leave it."""
    page.evaluate(
        """selector => {
            const target = document.querySelector(selector).getBoundingClientRect();
            const bar = document.querySelector('.draft-actions').getBoundingClientRect();
            window.scrollBy({top: target.bottom - bar.top + 8, behavior: 'instant'});
        }""",
        selector,
    )


# Whether the first line of the focused field is on top on the screen (not under the save bar).
FOCUSED_IN_VIEW = """() => {
    const el = document.activeElement, r = el.getBoundingClientRect();
    const top = document.elementFromPoint(r.left + 8, r.top + Math.min(r.height, 40) / 2);
    return r.top >= 0 && el.contains(top);
}"""


def draft(page, officer: Hands, fetches: Fetches, item: Item, day_item: DayItem, figures: PostFigures) -> Post:
    """The officer, from wherever they are: to the inbox, take up, the main text, the photo and its alternative
    text, save and submit for review."""
    officer.click(".zone-nav a[href$='/items/']")
    page.wait_for_url(re.compile(rf"/z/{ZONE}/items/$"))
    figures.officer_to_item, _ = officer.take()

    officer.click(f"form[action$='/items/{item.pk}/take-up/'] button")
    page.wait_for_url(re.compile(rf"/z/{ZONE}/posts/\d+/edit/$"))
    post = Post.objects.get(item=item)
    photo = item.attachments.get()
    # Both networks ticked from the category's defaults, the unit's photo offered and not yet picked.
    assert page.locator("input[name=channels]:checked").count() == 2
    assert not page.locator(f"input[name=photo_{photo.pk}]").is_checked()

    officer.click("textarea.js-main-text")
    officer.type(day_item.main_text)
    # Down to the photo; ticking it puts the cursor in its alternative text, in view above the save bar.
    bring_just_above_the_save_bar(page, f"input[name=photo_{photo.pk}]")
    officer.check(f"input[name=photo_{photo.pk}]")
    assert page.evaluate("document.activeElement.name") == f"photo_alt_{photo.pk}"
    page.wait_for_function(FOCUSED_IN_VIEW)  # the page scrolls smoothly
    officer.type(day_item.alt_text)
    fetches.settle(page)
    officer.click("button[name=then][value=submit]")
    page.wait_for_url(re.compile(rf"/z/{ZONE}/posts/{post.pk}/$"))
    figures.officer_clicks, figures.officer_keys = officer.take()
    # Every keystroke is the post's text or the photo's alternative text.
    assert figures.officer_keys == len(day_item.main_text) + len(day_item.alt_text)
    figures.officer_text_keys = len(day_item.main_text)

    post.refresh_from_db()
    assert post.status == Post.Status.IN_REVIEW, page.locator("main").inner_text()[:500]
    texts = {variant.channel.kind: variant.text for variant in post.variants.select_related("channel")}
    assert texts == {"x": day_item.main_text, "facebook": day_item.main_text}
    media = VariantMedia.objects.filter(variant__post=post)
    assert sorted(media.values_list("variant__channel__kind", flat=True)) == ["facebook", "x"]
    assert set(media.values_list("source_id", "alt_text")) == {(photo.pk, day_item.alt_text)}
    return post


def age_the_sign_in(page, seconds: float) -> None:
    """As if this browser's user had signed in ``seconds`` ago (earlier in the day)."""
    key = next(c["value"] for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    session[mfa.AUTH_AT] = time.time() - seconds
    session.save()


def approve(page, director: Hands, post: Post, figures: PostFigures) -> None:
    """The director, from the review queue: open the post, tick each value and the confidentiality line, approve
    (and the code from the authenticator app when the page asks for it)."""
    director.click(f"#review-queue a[href$='/posts/{post.pk}/review/']")
    page.wait_for_url(re.compile(rf"/posts/{post.pk}/review/$"))
    lines = page.locator("input[data-review-check]").count()
    for index in range(lines):
        director.check(f"input[data-review-check] >> nth={index}")
    director.click("button[data-review-approve]")
    page.wait_for_load_state()
    if page.locator("#id_desk_reauth_code").count():
        figures.code_asked = True
        # The code field has the cursor (autofocus).
        director.type(totp_code(User.objects.get(username="directeur")))
        director.click("main form [type=submit]")
    page.wait_for_url(re.compile(rf"/z/{ZONE}/review/$"))
    figures.director_clicks, figures.director_keys = director.take()
    post.refresh_from_db()
    assert post.status == Post.Status.APPROVED
    assert Review.objects.get(post=post).value_checks.filter(confirmed=True).count() == lines - 1


def figures_table(day: list[PostFigures], *, director_to_queue: int) -> str:
    def row(cells) -> str:
        return "| " + " | ".join(str(cell) for cell in cells) + " |"

    lines = [
        f"Measured on {timezone.localdate():%Y-%m-%d}: five posts, each for X and Facebook with the unit's photo. "
        f"Once in the day, the director's click to the review queue: {director_to_queue}.",
        "",
        row(
            [
                "post",
                "officer: clicks to the inbox",
                "officer: clicks, take up → submitted",
                "officer: keystrokes (text + alternative text)",
                "director: clicks",
                "director: keystrokes",
            ]
        ),
        row(["---", "--:", "--:", "--:", "--:", "--:"]),
    ]
    for number, figures in enumerate(day, start=1):
        note = " (code asked)" if figures.code_asked else ""
        lines.append(
            row(
                [
                    f"{number}. {figures.title}",
                    figures.officer_to_item,
                    figures.officer_clicks,
                    f"{figures.officer_keys} ({figures.officer_text_keys} + "
                    f"{figures.officer_keys - figures.officer_text_keys})",
                    f"{figures.director_clicks}{note}",
                    figures.director_keys,
                ]
            )
        )
    columns = ("officer_to_item", "officer_clicks", "officer_keys", "director_clicks", "director_keys")
    lines.append(row(["**the day**", *(f"**{sum(getattr(f, name) for f in day)}**" for name in columns)]))
    return "\n".join(lines)


def write_figures(table: str) -> None:
    text = FIGURES.read_text(encoding="utf-8")
    assert BEGIN in text and END in text, f"{FIGURES} has lost the scripted day's markers"
    before, rest = text.split(BEGIN, 1)
    _, after = rest.split(END, 1)
    FIGURES.write_text(f"{before}{BEGIN}\n{table}\n{END}{after}", encoding="utf-8")


def test_a_day_of_five_posts_counted_click_by_click(page, live_server):
    zone = seed_demo().zone
    started = time.monotonic()
    items = submit_items(page, live_server)
    submitted = time.monotonic()

    # The officer drafts the five, one after the other.
    sign_in(page, live_server, "officier")
    officer = Hands(page)
    fetches = Fetches(page)
    day = [PostFigures(title=day_item.title) for day_item in DAY]
    posts = [
        draft(page, officer, fetches, item, day_item, figures)
        for item, day_item, figures in zip(items, DAY, day, strict=True)
    ]
    sign_out(page)
    drafted = time.monotonic()

    # The director signed in this morning, and approves the five now.
    sign_in(page, live_server, "directeur")
    age_the_sign_in(page, settings.DESK_REAUTH_SECONDS + 60)
    director = Hands(page)
    director.click(".zone-nav a[href$='/review/']")
    page.wait_for_url(re.compile(rf"/z/{ZONE}/review/$"))
    to_queue, _ = director.take()
    for post, figures in zip(posts, day, strict=True):
        approve(page, director, post, figures)
    approved = time.monotonic()

    # What the director's clicks are made of: open the post, one per active value, the confidentiality line, approve;
    # and once, the code's "Confirm and continue".
    values = Value.objects.filter(zone=zone, is_active=True).count()
    director_budget = 1 + values + 1 + 1
    for figures in day:
        assert figures.officer_to_item == 1, figures
        assert figures.officer_clicks <= OFFICER_CLICK_BUDGET, figures
        assert figures.director_clicks <= director_budget + figures.code_asked, figures
        assert figures.director_keys == (6 if figures.code_asked else 0), figures
    assert [figures.code_asked for figures in day] == [True, False, False, False, False]
    assert to_queue == 1

    table = figures_table(day, director_to_queue=to_queue)
    print(
        f"\n{table}\n\nin the browser: items {submitted - started:.1f} s, drafting {drafted - submitted:.1f} s, "
        f"approving {approved - drafted:.1f} s"
    )
    if os.environ.get("DESK_WRITE_DAY_FIGURES") == "1":
        write_figures(table)
    assert page.browser_errors == []
