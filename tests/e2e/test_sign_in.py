"""The first sign-in of a director in a real browser: password, authenticator set-up from the page's key,
recovery codes shown once, then the desk; a second sign-in asks for the app's code."""

from __future__ import annotations

import base64
import re
import time

import pytest
from django_otp.oath import hotp

from tests.factories import PASSWORD, make_member, make_zone

pytestmark = pytest.mark.django_db(transaction=True)


def code_from_key(typed_key: str, step_offset: int = 0) -> str:
    """What an authenticator app computes from the key the page shows (base32 in groups of four)."""
    key = typed_key.replace(" ", "")
    key += "=" * (-len(key) % 8)
    return f"{hotp(base64.b32decode(key), int(time.time() // 30) + step_offset, 6):06d}"


def test_a_first_sign_in_sets_up_the_app(page, live_server):
    zone = make_zone("Zone de police Test", slug="test-zone")
    make_member(zone, "director", username="chef")

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "chef")
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit], form input[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/security/authenticator/$"))
    assert page.locator("img.qr-code").is_visible()
    key = page.locator("#totp-secret").inner_text()

    page.fill("#id_code", code_from_key(key))
    page.click("form button[type=submit], form input[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/security/recovery-codes/$"))
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", c) for c in codes)
    page.click("a.btn-primary")
    page.wait_for_url(re.compile(r"/z/test-zone/$"))

    page.click("form[action$='/accounts/logout/'] button")
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.fill("#id_username", "chef")
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit], form input[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/login/code/$"))
    # A recovery code stands in for the phone.
    page.fill("#id_code", codes[0])
    page.click("form button[type=submit], form input[type=submit]")
    page.wait_for_url(re.compile(r"/z/test-zone/$"))
    assert page.browser_errors == []
