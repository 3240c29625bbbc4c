"""The whole editorial path in a real browser, with the demo users, as the team would click it.

Unit head submits an item -> officer takes it up and drafts it (the live X counter checked against the server's
count) -> submits for review -> director ticks every value and approves -> the post is on the plan as approved
-> an edit by the officer sends it back to draft.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from accounts.models import User
from editorial import xtext
from editorial.demo import DEMO_PASSWORD, seed_demo
from editorial.models import Item, Post, Review
from tests.factories import totp_code

pytestmark = pytest.mark.django_db(transaction=True)

ZONE = "mons-quevy"


def sign_in(page, live_server, username: str) -> None:
    """The password, then for the officer and the director the code their authenticator app shows."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form button[type=submit], form input[type=submit]")
    page.wait_for_url(re.compile(rf"(/z/{ZONE}/|/accounts/login/code/|{live_server.url}/)$"))
    if page.url.endswith("/accounts/login/code/"):
        page.fill("#id_code", totp_code(User.objects.get(username=username)))
        page.click("form button[type=submit], form input[type=submit]")
    page.wait_for_url(re.compile(rf"(/z/{ZONE}/|{live_server.url}/)$"))
    if not page.url.endswith(f"/z/{ZONE}/"):
        # A member of both demo zones (the officer, the director) chooses the zone first.
        page.click(f"a[href$='/z/{ZONE}/']")
        page.wait_for_url(re.compile(rf"/z/{ZONE}/$"))


def sign_out(page) -> None:
    page.click("form[action$='/accounts/logout/'] button")
    page.wait_for_url(re.compile(r"/accounts/login/"))


def counter_of(page, textarea) -> str:
    counter_id = textarea.get_attribute("data-x-counter")
    return page.locator(f"#{counter_id}").inner_text().strip()


def test_unit_head_officer_director_and_back_to_draft(page, live_server):
    seed_demo()
    # A time to come, in Brussels, away from the clock-change hours.
    wanted = (timezone.localtime(timezone.now()) + dt.timedelta(days=3)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )

    # 1. The traffic unit head submits an item.
    sign_in(page, live_server, "trafic")
    page.goto(f"{live_server.url}/z/{ZONE}/items/new/")
    page.fill("#id_title", "Contrôle de vitesse rue de Binche")
    page.fill("#id_facts", "Jeudi matin, contrôle radar rue de Binche à Mons.")
    page.select_option("#id_category", label="Contrôle vitesse")
    page.select_option("#id_locality", label="Mons")
    page.fill("#id_wanted_start", wanted.strftime("%Y-%m-%dT%H:%M"))
    page.click("form[enctype] button[type=submit]")
    page.wait_for_url(re.compile(rf"/z/{ZONE}/items/\d+/$"))
    item = Item.objects.get(title="Contrôle de vitesse rue de Binche")
    assert item.status == Item.Status.NEW
    sign_out(page)

    # 2. The officer takes it up from the inbox: a draft linked to the item opens in the drafting page.
    sign_in(page, live_server, "officier")
    page.goto(f"{live_server.url}/z/{ZONE}/items/")
    page.click(f"form[action$='/items/{item.pk}/take-up/'] button")
    page.wait_for_url(re.compile(rf"/z/{ZONE}/posts/\d+/edit/$"))
    post = Post.objects.get(item=item)

    # 3. Drafting: both channels, the live X counter follows X's weighted rules as the server does.
    for checkbox in page.locator("input[name=channels]").all():
        checkbox.check()
    x_text = page.locator("textarea[data-x-counter]").first
    family = "Famille 👨\u200d👩\u200d👧\u200d👦 et 東京 https://www.police.be/5339 "
    x_text.fill(family)
    assert counter_of(page, x_text) == f"{xtext.parse_tweet(family).weighted_length} / 280"
    too_long = "Contrôle radar à Mons. " * 13  # 299 characters
    x_text.fill(too_long)
    assert counter_of(page, x_text) == f"{xtext.parse_tweet(too_long).weighted_length} / 280"
    assert xtext.parse_tweet(too_long).weighted_length > 280
    counter_id = x_text.get_attribute("data-x-counter")
    assert "text-danger" in (page.locator(f"#{counter_id}").get_attribute("class") or "")
    # The server refuses it for review too (a draft may be longer), and keeps what was typed.
    page.click("button[name=then][value=submit]")
    page.wait_for_load_state()
    assert page.locator("textarea[data-x-counter]").first.input_value().strip() == too_long.strip()
    weight = xtext.parse_tweet(too_long.strip()).weighted_length
    assert str(weight) in page.locator("[data-error-summary]").inner_text()
    x_text = page.locator("textarea[data-x-counter]").first
    x_text.fill("Contrôle de vitesse jeudi rue de Binche à #Mons. Levez le pied ! ")
    # One click inserts a proposed hashtag.
    page.click("button[data-hashtag='#radar']")
    assert "#radar" in x_text.input_value()
    facebook_text = page.locator("textarea[name^=text_]:not([data-x-counter])").first
    facebook_text.fill("Ce jeudi, nos équipes contrôlent la vitesse rue de Binche à Mons. Merci de lever le pied.")
    page.click("form[enctype] button[type=submit]")
    page.wait_for_url(re.compile(rf"/z/{ZONE}/posts/{post.pk}/$"))
    post.refresh_from_db()
    assert post.variants.count() == 2
    assert "#radar" in post.variants.get(channel__kind="x").text

    # 4. Submit for review.
    page.click(f"form[action$='/posts/{post.pk}/submit/'] button")
    page.wait_for_load_state()
    post.refresh_from_db()
    assert post.status == Post.Status.IN_REVIEW
    sign_out(page)

    # 5. The director approves after ticking each value and the confidentiality line.
    sign_in(page, live_server, "directeur")
    page.goto(f"{live_server.url}/z/{ZONE}/review/")
    page.click(f"a[href$='/posts/{post.pk}/review/']")
    page.wait_for_url(re.compile(rf"/posts/{post.pk}/review/$"))
    approve = page.locator("button[data-review-approve]")
    checks = page.locator("input[data-review-check]")
    assert checks.count() == 4  # three demo values and the confidentiality rules
    assert approve.is_disabled()
    for i in range(checks.count() - 1):
        checks.nth(i).check()
    assert approve.is_disabled()  # one line still unticked
    checks.nth(checks.count() - 1).check()
    assert approve.is_enabled()
    approve.click()
    page.wait_for_load_state()
    post.refresh_from_db()
    assert post.status == Post.Status.APPROVED
    assert Review.objects.get(post=post).value_checks.filter(confirmed=True).count() == 3

    # 6. The post is on the week's plan, marked approved.
    year, week, _ = post.planned_at.astimezone(timezone.get_default_timezone()).isocalendar()
    page.goto(f"{live_server.url}/z/{ZONE}/plan/{year}-W{week:02d}/")
    entry = page.locator(f".plan-entry[data-post='{post.pk}']").first
    assert entry.locator(".status-post-approved").count() == 1
    sign_out(page)

    # 7. An edit of the text after approval sends it back to draft.
    sign_in(page, live_server, "officier")
    page.goto(f"{live_server.url}/z/{ZONE}/posts/{post.pk}/edit/")
    x_text = page.locator("textarea[data-x-counter]").first
    x_text.fill(x_text.input_value() + " Merci !")
    page.click("form[enctype] button[type=submit]")
    page.wait_for_url(re.compile(rf"/z/{ZONE}/posts/{post.pk}/$"))
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT
    assert post.approved_fingerprint == ""
    assert page.locator("h1 .status-post-draft").count() == 1
    # No script was blocked by the Content-Security-Policy and none failed, on any page of the path.
    assert page.browser_errors == []
