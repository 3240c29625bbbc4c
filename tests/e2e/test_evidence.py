"""The evidence of a published post in a real browser (issue 16, point 1): the director opens it from the post page
and downloads the JSON file; the page prints without the desk's navigation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from editorial.demo import seed_demo
from editorial.demo_history import seed_history
from editorial.models import Post
from tests.e2e.test_editorial_path import ZONE, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_director_opens_the_evidence_and_downloads_the_json(page, live_server):
    zone = seed_demo().zone
    seed_history(zone, weeks=2)
    post = Post.objects.filter(zone=zone, status=Post.Status.PUBLISHED).order_by("-approved_at").first()
    assert post is not None
    sign_in(page, live_server, "directeur")
    page.goto(f"{live_server.url}/z/{ZONE}/posts/{post.pk}/")
    page.locator("#evidence-link").click()
    page.wait_for_url(f"**/posts/{post.pk}/evidence/")
    assert page.locator("#evidence-checks tbody tr").count() >= 1
    assert post.approved_fingerprint in page.content()
    with page.expect_download() as download_info:
        page.locator("#evidence-json").click()
    data = json.loads(Path(download_info.value.path()).read_text(encoding="utf-8"))
    assert data["went_out"] is True and data["post"]["id"] == post.pk
    assert data["fingerprint"]["approved"] == post.approved_fingerprint
    # Printed: the record only, without the navigation and the buttons.
    page.emulate_media(media="print")
    assert not page.locator("nav.navbar").is_visible()
    assert not page.locator("#evidence-json").is_visible()
    assert page.locator("#evidence-checks").is_visible()
