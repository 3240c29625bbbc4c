"""Findings of the security review of the sign-in and session code (issue 5): each test shows one problem that
was found, and fails when its fix is removed."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from accounts import mfa
from accounts.models import RecoveryCodeDevice, TOTPDevice
from accounts.reauth import recent_auth_required
from editorial.models import AuditEvent, Channel
from tests.conftest import DeskClient
from tests.factories import PASSWORD, totp_code, with_authenticator

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:mfa_verify")
SETUP = reverse("accounts:mfa_setup")
SECURITY = reverse("accounts:security")


def dashboard(zone) -> str:
    return reverse("editorial:zone_dashboard", args=[zone.slug])


def password_step(client, user):
    return client.post(LOGIN, {"username": user.username, "password": PASSWORD})


def stale(client) -> None:
    """The last proof of identity is an hour old."""
    session = client.session
    session[mfa.AUTH_AT] = time.time() - 3600
    session.save()


def shown_key(html: str) -> str:
    return re.search(r'id="totp-secret">([^<]+)<', html).group(1)


def codes_in(html: str) -> list[str]:
    return re.findall(r"<li>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</li>", html)


# --- 1. Signing in with a recovery code, then making new ones, as the desk says to -------------------------


def test_new_recovery_codes_after_signing_in_with_one_keep_the_session_and_are_shown(client, zone_users):
    """Before: the session was verified by the recovery-code device; making new codes deleted that device, so the
    very next request (the page showing the new codes) ended the session: the new codes were never shown and the
    old ones were gone. Someone who lost their phone was then locked out for good."""
    officer = zone_users.officer
    with_authenticator(officer)
    old = mfa._new_recovery_codes(officer)
    password_step(client, officer)
    assert client.post(VERIFY, {"code": old[0]}).status_code == 302

    response = client.post(reverse("accounts:recovery_codes_regenerate"), follow=True)
    new = codes_in(response.content.decode())
    assert len(new) == 10, response.redirect_chain
    assert client.session.get("_auth_user_id") == str(officer.pk)
    assert client.get(dashboard(zone_users.zone)).status_code == 200
    # The new codes work, the old ones do not.
    client.post(reverse("accounts:logout"))
    password_step(client, officer)
    assert client.post(VERIFY, {"code": old[1]}).status_code == 200
    RecoveryCodeDevice.objects.filter(user=officer).update(throttling_failure_count=0)
    assert client.post(VERIFY, {"code": new[0]}).status_code == 302


def test_new_recovery_codes_still_end_the_other_sessions_verified_by_the_old_ones(client, zone_users):
    """Making new codes because the old ones were seen must close a session someone opened with one of them."""
    officer = zone_users.officer
    with_authenticator(officer)
    old = mfa._new_recovery_codes(officer)
    thief = DeskClient()
    password_step(thief, officer)
    assert thief.post(VERIFY, {"code": old[0]}).status_code == 302
    client.force_login(officer)
    client.post(reverse("accounts:recovery_codes_regenerate"))
    assert thief.get(dashboard(zone_users.zone)).url.startswith(LOGIN)


# --- 2. The key of an authenticator being set up is one session's only -------------------------------------


def test_a_key_being_set_up_is_not_shown_to_another_session(zone_users):
    """Before: the unconfirmed device was looked up by user only, so whoever knew the password and opened the
    set-up page first saw the key the real user then scanned and confirmed: a second factor known to both."""
    director = zone_users.director
    attacker, victim = DeskClient(), DeskClient()
    password_step(attacker, director)
    seen_by_attacker = shown_key(attacker.get(SETUP).content.decode())
    password_step(victim, director)
    page = victim.get(SETUP).content.decode()
    assert shown_key(page) != seen_by_attacker
    # A reload in the same session still shows the same key.
    assert shown_key(victim.get(SETUP).content.decode()) == shown_key(page)

    device = TOTPDevice.objects.filter(user=director, confirmed=False).latest("pk")
    assert victim.post(SETUP, {"code": device.code_at(time.time())}).status_code == 302
    confirmed = mfa.totp_device(director)
    assert confirmed is not None and confirmed.secret_for_typing != seen_by_attacker


def test_a_signed_in_users_new_key_is_not_shown_to_another_of_their_sessions(zone_users):
    officer = zone_users.officer
    one, two = DeskClient(), DeskClient()
    one.force_login(officer)
    two.force_login(officer)
    assert shown_key(one.get(SETUP).content.decode()) != shown_key(two.get(SETUP).content.decode())


# --- 3. Pages with a secret are never cached -----------------------------------------------------------------


def test_the_first_set_up_page_is_not_kept_in_a_cache(client, zone_users):
    """Before: between the two steps the visitor is not signed in, so the set-up page (QR code and key) was served
    without Cache-Control: no-store and could stay in a shared computer's browser cache."""
    password_step(client, zone_users.director)
    page = client.get(SETUP)
    assert page.status_code == 200
    assert "no-store" in page.get("Cache-Control", "")
    with_authenticator(zone_users.officer)
    other = DeskClient()
    password_step(other, zone_users.officer)
    assert "no-store" in other.get(VERIFY).get("Cache-Control", "")


# --- 4. The re-authentication page does not put secrets in the page, nor lose them silently -------------------


def test_confirming_a_password_change_does_not_put_the_passwords_in_the_page(client, zone_users):
    """Before: the old and new passwords were copied into hidden fields of the confirmation page."""
    officer = zone_users.officer
    client.force_login(officer)
    stale(client)
    new_password = "a-brand-new-long-pass-2026"
    data = {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password}
    asked = client.post(reverse("accounts:password_change"), data)
    html = asked.content.decode()
    assert asked.status_code == 200 and 'name="desk_reauth_code"' in html
    assert PASSWORD not in html and new_password not in html

    # What the browser sends back: the hidden fields of the page, and the code.
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    fields.pop("csrfmiddlewaretoken", None)
    done = client.post(reverse("accounts:password_change"), {**fields, "desk_reauth_code": totp_code(officer)})
    # Confirmed, but the passwords were not kept: the form is asked again instead of failing or going on without.
    assert done.status_code == 302 and done.url == reverse("accounts:password_change")
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)
    again = client.post(reverse("accounts:password_change"), data)
    assert again.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password(new_password)


def test_confirming_channel_credentials_neither_shows_them_nor_saves_the_channel_without_them(client, zone_users):
    """Before: the channel's new token was written back into the confirmation page (invariant 6: credentials
    are never rendered back)."""
    channel = Channel.objects.get(zone=zone_users.zone, kind="facebook")
    admin = zone_users.admin
    client.force_login(admin)
    stale(client)
    url = reverse("admin:editorial_channel_change", args=[channel.pk])
    data = {
        "zone": zone_users.zone.pk,
        "kind": "facebook",
        "name": "Renamed",
        "handle": channel.handle,
        "language": channel.language,
        "status": channel.status,
        "credentials": '{"page_access_token": "secret-token-value"}',
    }
    asked = client.post(url, data)
    html = asked.content.decode()
    assert 'name="desk_reauth_code"' in html and "secret-token-value" not in html
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    fields.pop("csrfmiddlewaretoken", None)
    done = client.post(url, {**fields, "desk_reauth_code": totp_code(admin)})
    assert done.status_code == 302 and done.url == url
    channel.refresh_from_db()
    assert channel.name != "Renamed" and not channel.has_credentials


def _request_with(user, data, files=None):
    request = RequestFactory().post("/somewhere/", {**data, **(files or {})})
    request.user = user
    request.session = SessionStore()
    request.session[mfa.AUTH_AT] = time.time() - 3600
    request._messages = FallbackStorage(request)
    return request


def test_a_file_is_not_silently_dropped_by_the_confirmation(zone_users):
    """Before: files were not carried by the confirmation page, and the action went on without them."""
    ran = []

    @recent_auth_required
    def upload(request):
        ran.append(dict(request.FILES))
        return HttpResponse("ran")

    officer = zone_users.officer
    with_authenticator(officer)
    photo = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff", content_type="image/jpeg")
    asked = upload(_request_with(officer, {"caption": "x"}, {"photo": photo}))
    assert asked.status_code == 200 and b"desk_reauth_code" in asked.content
    withheld = re.search(rb'name="(desk_reauth_withheld)" value="1"', asked.content)
    assert withheld, asked.content.decode()
    done = upload(
        _request_with(
            officer,
            {"caption": "x", "desk_reauth": "1", "desk_reauth_withheld": "1", "desk_reauth_code": totp_code(officer)},
        )
    )
    assert ran == [] and done.status_code == 302


# --- 5. An administrator setting someone's password is audited ------------------------------------------------


def test_a_password_set_in_the_admin_is_a_security_event(client, zone_users):
    """Before: the admin's "change password" form of a user wrote Django's LogEntry only, not the audit log, so an
    administrator could reset someone's second factor and set their password with only the first in the log."""
    client.force_login(zone_users.admin)
    officer = zone_users.officer
    new_password = "set-by-the-admin-2026-long"
    url = reverse("admin:auth_user_password_change", args=[officer.pk])
    response = client.post(url, {"password1": new_password, "password2": new_password, "usable_password": "true"})
    assert response.status_code == 302, response.content.decode()[:2000]
    officer.refresh_from_db()
    assert officer.check_password(new_password)
    event = AuditEvent.objects.get(action="accounts.password.admin_set")
    assert event.actor_id == zone_users.admin.pk and event.data["user"] == officer.pk
    assert new_password not in str(event.data)


# --- 6. The password change form is not an unlimited password oracle -----------------------------------------


def test_guessing_the_old_password_on_the_change_form_ends_the_session(client, zone_users):
    """Before: someone at an open session (within the 15 minutes after a sign-in) could try old passwords on the
    password change form without limit: no lockout, no audit event. A unit head's password is all it takes."""
    unit_head = zone_users.unit_head
    client.force_login(unit_head)
    url = reverse("accounts:password_change")
    for n in range(5):
        response = client.post(
            url,
            {"old_password": f"guess-{n}", "new_password1": "x-long-pass-2026", "new_password2": "x-long-pass-2026"},
        )
    assert response.status_code == 302 and response.url == LOGIN
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="accounts.password.change_failure", actor=unit_head).count() >= 4


# --- 7. A session without the sign-in time ends --------------------------------------------------------------


def test_a_session_from_before_the_timeouts_existed_ends(client, zone_users):
    """Before: a session without the sign-in time was given a new one (now), i.e. ten more hours, whatever its real
    age: a cookie stolen before the timeouts were deployed kept working."""
    client.force_login(zone_users.unit_head)
    session = client.session
    for key in (mfa.LOGIN_AT, mfa.SEEN_AT, mfa.AUTH_AT):
        session.pop(key, None)
    session.save()
    response = client.get(dashboard(zone_users.zone))
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    assert AuditEvent.objects.filter(action="accounts.session.ended", data__reason="no_sign_in_time").exists()


# --- 8. A removed second factor ends the sessions it verified, for every role --------------------------------


def test_resetting_an_optional_second_factor_ends_the_sessions_it_verified(client, zone_users):
    """Before: only roles that require a second factor were signed out when an administrator reset it ("lost
    phone"); a unit head who used one stayed signed in, unlike what docs/security.md says."""
    unit_head = zone_users.unit_head
    with_authenticator(unit_head)
    client.force_login(unit_head)
    assert client.get(dashboard(zone_users.zone)).status_code == 200
    mfa.mfa_reset(None, actor=zone_users.admin, user=unit_head)
    assert client.get(dashboard(zone_users.zone)).url.startswith(LOGIN)


def test_turning_ones_own_second_factor_off_keeps_the_session(client, zone_users):
    unit_head = zone_users.unit_head
    with_authenticator(unit_head)
    client.force_login(unit_head)
    assert client.post(reverse("accounts:mfa_disable")).url == SECURITY
    assert client.get(SECURITY).status_code == 200


# --- 9. The admin's address for a signed-in person who may not use the admin --------------------------------


def test_the_admin_does_not_loop_for_a_signed_in_person_without_access(client, zone_users):
    """Before: /admin/ sent a signed-in officer to the admin's sign-in, which sent to the desk's sign-in with
    next=/admin/, which sent a signed-in user to /admin/, and so on: the browser gave up (too many redirects)."""
    client.force_login(zone_users.officer)
    response = client.get(reverse("admin:index"), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] != reverse("admin:index")


# --- 10. What is typed on the confirmation page stays out of error reports -----------------------------------


def test_the_confirmation_password_is_hidden_from_error_reports(zone_users):
    """Before: the confirmation ran before any sensitive_post_parameters, so a server error there (or in a view
    without that decorator) mailed the password typed, and the form's secrets, to ADMINS."""
    from django.views.debug import SafeExceptionReporterFilter

    @recent_auth_required
    def change(request):
        return HttpResponse("ran")

    request = _request_with(
        zone_users.unit_head,
        {"desk_reauth": "1", "desk_reauth_password": "wrong-but-real-looking", "new_password1": "typed-secret"},
    )
    change(request)
    shown = SafeExceptionReporterFilter().get_post_parameters(request)
    assert shown["desk_reauth_password"] != "wrong-but-real-looking"
    assert shown["new_password1"] != "typed-secret"
