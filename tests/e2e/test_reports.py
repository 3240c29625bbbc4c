"""The reports in a real browser (issue 14, point 6): the director opens week 13 of 2025, sees the charts as images
with their labels and figures, switches to the month and back, and downloads a table as CSV."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from accounts.models import User
from tests.editorial.test_reports import build_week13
from tests.factories import PASSWORD, totp_code, with_authenticator

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, live_server, user: User) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main form [type=submit]")
    page.wait_for_url(re.compile(r"/accounts/login/code/$"))
    page.fill("#id_code", totp_code(user))
    page.click("main form [type=submit]")
    page.wait_for_url(re.compile(r"/z/mons-quevy/$"))


def test_the_director_reads_the_charts_switches_to_the_month_and_downloads_a_table(page, live_server, tmp_path):
    data = build_week13()
    with_authenticator(data.director)
    sign_in(page, live_server, data.director)

    # The zone's menu leads to this week's report.
    page.click("a[href='/z/mons-quevy/reports/']")
    page.wait_for_url(re.compile(r"/z/mons-quevy/reports/\d{4}-W\d{2}/$"))

    page.goto(f"{live_server.url}/z/mons-quevy/reports/2025-W13/")
    channels = page.locator("[data-chart=channels] svg[role=img]")
    assert channels.is_visible()
    assert channels.get_attribute("aria-labelledby")
    assert channels.locator("title").first.text_content()
    labels = channels.locator("text").all_text_contents()
    assert data.x.label in labels and data.facebook.label in labels
    assert "5" in labels and "2" in labels  # X: 5 planned, 2 published
    # Seven charts, each as wide as its column, none wider than the page.
    charts = page.locator("svg.report-chart")
    assert charts.count() == 7
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]
    time_labels = page.locator("[data-chart=time] svg text").all_text_contents()
    assert any("35" in label for label in time_labels)  # the budget's line is named

    # The month, then back to the week through the switch.
    page.click("#period-switch a:nth-child(2)")
    page.wait_for_url(re.compile(r"/z/mons-quevy/reports/2025-03/$"))
    assert page.locator("svg.report-chart").count() == 7
    page.click("#period-nav a[rel=next]")
    page.wait_for_url(re.compile(r"/z/mons-quevy/reports/2025-04/$"))
    page.click("#period-switch a:nth-child(1)")
    page.wait_for_url(re.compile(r"/z/mons-quevy/reports/2025-W14/$"))
    page.click("#period-nav a[rel=prev]")
    page.wait_for_url(re.compile(r"/z/mons-quevy/reports/2025-W13/$"))

    with page.expect_download() as download_info:
        page.click("[data-csv=channels]")
    download = download_info.value
    assert download.suggested_filename == "mons-quevy-channels-2025-W13.csv"
    target = Path(tmp_path) / download.suggested_filename
    download.save_as(target)
    lines = target.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 3 and f"{data.x.label},5,2,5" in lines

    # The director asks for the weekly e-mail.
    page.check("#id_weekly_report_email")
    page.click("#weekly-email button[type=submit]")
    page.wait_for_url(re.compile(r"/z/mons-quevy/reports/2025-W13/$"))
    assert page.locator("#id_weekly_report_email").is_checked()
    assert page.browser_errors == []
