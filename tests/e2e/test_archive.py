"""The archive in a real browser (issue 16, point 2), on the demo zone with a few weeks of history: the officer
searches what went out about road works over the last month and downloads it as CSV; exporting without a period
says what to choose instead of failing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.utils import timezone

from editorial.demo import seed_demo
from editorial.demo_history import seed_history
from editorial.models import AuditEvent, Post
from tests.e2e.test_editorial_path import ZONE, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def history():
    zone = seed_demo().zone
    assert seed_history(zone, weeks=5) > 10
    return zone


def test_the_officer_searches_the_archive_and_downloads_a_period(page, live_server, history):
    zone = history
    today = timezone.localdate(timezone=zone.tzinfo)
    first = today - dt.timedelta(days=30)
    sign_in(page, live_server, "officier")
    page.click(f"a.nav-link[href$='/z/{ZONE}/archive/']")
    page.wait_for_url(re.compile(rf"/z/{ZONE}/archive/$"))
    page.fill("input[name=q]", "travaux")
    page.fill("input[name=start]", first.isoformat())
    page.fill("input[name=end]", today.isoformat())
    page.locator("form[role=search] button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"\?"))
    titles = page.locator("table tbody tr td:first-child a").all_inner_texts()
    # The demo's road works are the posts titled "Travaux à …"; nothing else of the history says "travaux".
    assert titles
    assert all(title.startswith("Travaux") for title in titles)

    with page.expect_download() as download:
        page.click("a[href*='/archive/export.csv']")
    content = download.value.path().read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert len(rows) >= 2
    exported = {row[1] for row in rows[1:]}
    went_out = set(
        Post.objects.filter(zone=zone, title__icontains="travaux", publications__status="published")
        .filter(publications__published_at__date__gte=first - dt.timedelta(days=1))
        .values_list("title", flat=True)
    )
    assert exported and exported <= went_out
    assert AuditEvent.objects.filter(action="editorial.archive.export").count() == 1


def test_an_export_without_a_period_says_what_to_choose(page, live_server, history):
    sign_in(page, live_server, "officier")
    page.goto(f"{live_server.url}/z/{ZONE}/archive/")
    page.click("a[href*='/archive/export.csv']")
    page.wait_for_url(re.compile(rf"/z/{ZONE}/archive/"))
    assert page.locator(".alert-warning, .alert").first.is_visible()
    assert not AuditEvent.objects.filter(action="editorial.archive.export").exists()
