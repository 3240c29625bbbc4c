"""Every page of the desk, as each role reaches it, has no accessibility violation that axe-core finds (issue 12).

The zone of the permission matrix (``tests.urlwalk``: an item with a photo, posts in draft, in review and approved
with an unknown outcome, a paused channel, a theme...) is signed into as each role; every page of the project's URL
patterns that answers that role with HTML is opened in chromium and checked by axe-core (its default rules: WCAG 2
A and AA, and its best practices). The Django admin is Django's own and is left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client

from editorial.models import PostVariant
from tests.conftest import DeskClient
from tests.urlwalk import ZoneObjects, build_url, project_routes

objects = pytest.importorskip("tests.urlwalk").objects  # the fixture: the zone's objects, fresh for each test

pytestmark = pytest.mark.django_db(transaction=True)

ROLES = ("anonymous", "unit_head", "officer", "director", "admin")
# A desktop and a phone: on a narrow screen wide tables scroll, and a scrolling region must be reachable by keyboard.
WIDTHS = (1280, 390)
# What a real text holds, so that the previews colour a link, hashtags and a mention as the networks do.
TEXT = (
    "Contrôle de vitesse jeudi rue de Binche #controle #radar #Quevy avec @FedPol_Belgium : https://www.police.be/5339"
)
# Not pages: files, the calendar feed, the block htmx polls, and addresses that only act or redirect.
SKIPPED = {"editorial:item_attachment", "editorial:media_file", "editorial:calendar_feed"}
# The post each post page is opened for, besides the approved one (``ZoneObjects.values_for``'s default).
MORE_POSTS = {
    "editorial:post_detail": ("draft", "in_review"),
    "editorial:post_edit": ("draft",),
    "editorial:review_post": ("in_review",),
}


@dataclass(frozen=True)
class Violation:
    page: str
    rule: str
    impact: str
    help: str
    targets: list[str]

    def __str__(self) -> str:
        return f"{self.page}: {self.rule} ({self.impact}) {self.help} at {', '.join(self.targets[:5])}"


def pages_of(objects: ZoneObjects, role: str) -> list[str]:
    """The desk's pages (not the admin's) that answer ``role`` with HTML."""
    client = DeskClient()
    user = objects.user(role)
    if user is not None:
        client.force_login(user)
    urls: list[str] = []
    for route in project_routes():
        if route.key.startswith("admin") or route.key in SKIPPED or route.name is None:
            continue
        choices = [{}] + [{"post_id": getattr(objects, post)} for post in MORE_POSTS.get(route.key, ())]
        for chosen in choices:
            url = build_url(route, objects.values_for(route, **chosen))
            response = client.get(url)
            # A file to download (the evidence's HTML export) is not a page of the desk.
            downloaded = response.get("Content-Disposition", "").startswith("attachment")
            if (
                response.status_code == 200
                and response["Content-Type"].startswith("text/html")
                and not downloaded
                and url not in urls
            ):
                urls.append(url)
    return urls


def session_cookie(user) -> dict[str, str]:
    client: Client = DeskClient()
    client.force_login(user)
    return {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_reaches_has_no_axe_violation(browser, live_server, objects, role, width):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    PostVariant.objects.filter(post__in=[objects.draft, objects.in_review]).update(text=TEXT)
    urls = pages_of(objects, role)
    assert urls, f"{role} reaches no page"
    context = browser.new_context(
        locale="fr-BE", timezone_id="Europe/Brussels", viewport={"width": width, "height": 900}
    )
    user = objects.user(role)
    if user is not None:
        context.add_cookies([{**session_cookie(user), "url": live_server.url}])
    page = context.new_page()
    violations: list[Violation] = []
    try:
        for url in urls:
            page.goto(live_server.url + url)
            page.wait_for_load_state("networkidle")
            for found in axe.run(page).response["violations"]:
                violations.append(
                    Violation(
                        page=url,
                        rule=found["id"],
                        impact=found.get("impact") or "",
                        help=found["help"],
                        targets=[" ".join(map(str, node["target"])) for node in found["nodes"]],
                    )
                )
    finally:
        context.close()
    assert not violations, f"{len(violations)} axe violations as {role} at {width} px:\n" + "\n".join(
        map(str, violations)
    )
