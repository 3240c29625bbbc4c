"""Browser tests: Playwright for Python driving Debian's chromium against pytest-django's live server.

`playwright install` cannot download browsers here, so the system chromium is launched by path. Without it the
tests skip with the reason, except when DESK_REQUIRE_BROWSER=1 (as .ci/run sets), where they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

CHROMIUM = os.environ.get("DESK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
REQUIRE_BROWSER = os.environ.get("DESK_REQUIRE_BROWSER") == "1"


def _missing(reason: str) -> None:
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason} — DESK_REQUIRE_BROWSER=1, so the browser tests must run here.")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("needs Playwright for Python (pip install -r requirements-dev.txt)")
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        _missing(f"needs Debian's chromium at {CHROMIUM} (apt-get install -y chromium)")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
    # Only for these tests: other tests start subprocesses whose deploy checks refuse the variable.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:
    context = browser.new_context(locale="fr-BE", timezone_id="Europe/Brussels")
    context.set_default_timeout(15_000)
    page = context.new_page()
    # Anything the browser refuses or fails to run (a CSP violation, a script error) fails the test at its end.
    page.browser_errors = []
    page.on(
        "console",
        lambda message: (
            page.browser_errors.append(f"{message.text} {message.location.get('url', '')}")
            if message.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: page.browser_errors.append(str(error)))
    yield page
    context.close()
