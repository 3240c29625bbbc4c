"""Two-step sign-in (issue 5, point 1): a password alone never opens the desk for officers, directors and
administrators; codes work once; recovery codes; the secret is encrypted at rest; password reset keeps the step."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import RecoveryCode, TOTPDevice
from editorial.models import AuditEvent
from tests.factories import PASSWORD, make_member, make_zone, totp_code, with_authenticator

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:mfa_verify")
SETUP = reverse("accounts:mfa_setup")


def dashboard(zone) -> str:
    return reverse("editorial:zone_dashboard", args=[zone.slug])


def password_step(client, user, **extra):
    return client.post(LOGIN + extra.pop("query", ""), {"username": user.username, "password": PASSWORD, **extra})


@pytest.mark.parametrize("role", ["officer", "director", "admin"])
def test_a_password_alone_opens_no_page(client, zone_users, role):
    user = getattr(zone_users, role)
    with_authenticator(user)
    response = password_step(client, user)
    assert response.status_code == 302 and response.url == VERIFY
    # Between the two steps the user is nobody: every page sends back to the sign-in.
    for url in [dashboard(zone_users.zone), reverse("editorial:home"), reverse("admin:index")]:
        page = client.get(url, follow=True)
        assert page.redirect_chain[-1][0].startswith(LOGIN), url
        assert "id_password" in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_code_completes_the_sign_in_with_a_new_session_id(client, zone_users):
    officer = zone_users.officer
    with_authenticator(officer)
    password_step(client, officer, query=f"?next={dashboard(zone_users.zone)}")
    between = client.cookies["sessionid"].value
    response = client.post(VERIFY, {"code": totp_code(officer)})
    assert response.status_code == 302 and response.url == dashboard(zone_users.zone)
    assert client.cookies["sessionid"].value != between
    assert client.get(dashboard(zone_users.zone)).status_code == 200
    event = AuditEvent.objects.filter(action="accounts.login").latest("pk")
    assert event.actor_id == officer.pk and event.data["method"] == "totp"


def test_a_code_works_once(client, zone_users):
    officer = zone_users.officer
    device = with_authenticator(officer)
    code = device.code_at(time.time())
    password_step(client, officer)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.post(reverse("accounts:logout"))
    password_step(client, officer)
    again = client.post(VERIFY, {"code": code})
    assert again.status_code == 200
    assert "This code is not valid" in again.content.decode() or "pas valable" in again.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="accounts.mfa.failure", actor=officer).exists()


def test_two_requests_racing_with_the_same_code_cannot_both_win(zone_users):
    device = with_authenticator(zone_users.officer)
    code = device.code_at(time.time())
    first = TOTPDevice.objects.get(pk=device.pk)
    second = TOTPDevice.objects.get(pk=device.pk)  # loaded before the first one is accepted
    assert first.verify_token(code) is True
    assert second.verify_token(code) is False


def test_wrong_codes_slow_the_next_attempt_down(client, zone_users):
    officer = zone_users.officer
    with_authenticator(officer)
    password_step(client, officer)
    for _ in range(3):
        client.post(VERIFY, {"code": "000000"})
    # Even the right code is refused while the delay runs, and the page says how long to wait.
    page = client.post(VERIFY, {"code": totp_code(officer)}).content.decode()
    assert "_auth_user_id" not in client.session
    assert re.search(r"(Wait|Attendez) \d+", page)


def test_a_recovery_code_signs_in_once(client, zone_users):
    officer = zone_users.officer
    with_authenticator(officer)
    from accounts import mfa

    codes = mfa._new_recovery_codes(officer)
    password_step(client, officer)
    response = client.post(VERIFY, {"code": codes[0].upper()}, follow=True)
    assert response.redirect_chain and client.session["_auth_user_id"] == str(officer.pk)
    assert "9" in response.content.decode()  # "9 left"
    client.post(reverse("accounts:logout"))
    password_step(client, officer)
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 200
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="accounts.mfa.recovery_code_used", actor=officer).count() == 1


def test_recovery_codes_are_stored_hashed(zone_users):
    from accounts import mfa

    codes = mfa._new_recovery_codes(zone_users.officer)
    stored = list(RecoveryCode.objects.values_list("code_hash", "salt"))
    assert len(stored) == 10
    for code in codes:
        assert all(code.replace("-", "") not in h and code.replace("-", "") not in s for h, s in stored)


def test_the_secret_is_encrypted_at_rest(zone_users):
    device = with_authenticator(zone_users.officer)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT secret FROM {TOTPDevice._meta.db_table} WHERE id = %s", [device.pk])
        raw = cursor.fetchone()[0]
    assert device.secret not in raw
    assert raw.startswith("gAAAA")  # a Fernet token
    assert TOTPDevice.objects.get(pk=device.pk).secret == device.secret
    assert device.secret not in repr(device)


def test_a_first_sign_in_sets_up_the_app_before_any_page(client, zone_users):
    director = zone_users.director
    response = password_step(client, director)
    assert response.url == SETUP
    page = client.get(SETUP)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'src="data:image/svg+xml' in html  # the QR code, inline (no external service sees the secret)
    device = TOTPDevice.objects.get(user=director, confirmed=False)
    assert device.secret_for_typing in html
    # A reload shows the same key, so a half-finished scan still matches.
    assert device.secret_for_typing in client.get(SETUP).content.decode()
    assert client.get(dashboard(zone_users.zone)).url.startswith(LOGIN)

    assert (
        client.post(SETUP, {"code": "123456" if device.code_at(time.time()) != "123456" else "654321"}).status_code
        == 200
    )
    assert "_auth_user_id" not in client.session
    # The wrong code made the next try wait a second; the person takes longer than that to look again.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - timedelta(seconds=5))

    response = client.post(SETUP, {"code": device.code_at(time.time() + 30)}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("accounts:recovery_codes"), html
    codes = re.findall(r"<li>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</li>", html)
    assert len(codes) == 10
    assert client.session["_auth_user_id"] == str(director.pk)
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    # Shown once: the page does not show them again.
    again = client.get(reverse("accounts:recovery_codes"), follow=True).content.decode()
    assert codes[0] not in again
    assert AuditEvent.objects.filter(action="accounts.mfa.setup", actor=director).exists()


def test_someone_with_the_password_cannot_replace_an_existing_app(client, zone_users):
    officer = zone_users.officer
    device = with_authenticator(officer)
    password_step(client, officer)
    assert client.get(SETUP).url == VERIFY
    assert client.post(SETUP, {"code": "123456"}).url == VERIFY
    assert list(TOTPDevice.objects.filter(user=officer)) == [device]


def test_unit_heads_sign_in_with_a_password_unless_the_zone_asks_for_more(client, zone_users):
    unit_head = zone_users.unit_head
    response = password_step(client, unit_head)
    assert response.status_code == 302 and response.url == reverse("editorial:home")
    assert client.get(dashboard(zone_users.zone)).status_code == 200

    zone = zone_users.zone
    zone.unit_heads_require_mfa = True
    zone.save()
    # The open session ends at the next request: it was not verified by a second factor.
    ended = client.get(dashboard(zone))
    assert ended.status_code == 302 and ended.url.startswith(LOGIN)
    assert password_step(client, unit_head).url == SETUP


def test_a_session_without_the_second_factor_is_ended(client, zone_users):
    client.force_login(zone_users.director, mfa=False)
    response = client.get(dashboard(zone_users.zone))
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="accounts.session.ended", data__reason="second_factor").exists()


def test_the_admin_login_goes_through_the_two_steps(client, zone_users):
    response = client.get(reverse("admin:login") + "?next=/admin/editorial/channel/")
    assert response.status_code == 302
    assert response.url.startswith(LOGIN) and "next=%2Fadmin%2Feditorial%2Fchannel%2F" in response.url
    # Posting a password to the admin's login address signs nobody in.
    client.post(reverse("admin:login"), {"username": zone_users.admin.username, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_a_reset_administrator_sets_the_app_up_again(client, zone_users):
    from accounts import mfa

    officer = zone_users.officer
    with_authenticator(officer)
    client.force_login(officer)
    assert client.get(dashboard(zone_users.zone)).status_code == 200
    mfa.mfa_reset(None, actor=zone_users.admin, user=officer)
    # The device that verified the session is gone: the session ends.
    assert client.get(dashboard(zone_users.zone)).url.startswith(LOGIN)
    assert password_step(client, officer).url == SETUP
    assert AuditEvent.objects.filter(action="accounts.mfa.reset", actor=zone_users.admin).exists()


def test_password_reset_never_skips_the_second_step(client, zone_users):
    officer = zone_users.officer
    with_authenticator(officer)
    response = client.post(reverse("accounts:password_reset"), {"email": officer.email})
    assert response.status_code == 302
    link = re.search(r"https?://[^/]+(/accounts/password-reset/[^\s]+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    new_password = "another-long-password-2026"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password})
    assert done.status_code == 302
    assert "_auth_user_id" not in client.session
    response = client.post(LOGIN, {"username": officer.username, "password": new_password})
    assert response.url == VERIFY
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="accounts.password.reset", actor=officer).exists()


def test_the_pending_step_expires(client, zone_users, settings):
    officer = zone_users.officer
    with_authenticator(officer)
    password_step(client, officer)
    session = client.session
    from accounts import mfa

    session[mfa.PENDING]["at"] -= settings.DESK_MFA_PENDING_SECONDS + 1
    session.save()
    response = client.post(VERIFY, {"code": totp_code(officer)})
    assert response.status_code == 302 and response.url == LOGIN
    assert "_auth_user_id" not in client.session


def test_a_member_of_two_roles_where_one_needs_the_app_needs_it(client, zone_users):
    from accounts.models import Membership, Role

    Membership.objects.create(user=zone_users.unit_head, zone=make_zone(), role=Role.OFFICER)
    assert password_step(client, zone_users.unit_head).url == SETUP


def test_the_demo_code_command_refuses_production(settings):
    from django.core.management import CommandError, call_command

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("mfa_code", "officier")


def test_the_demo_code_command_prints_a_working_code(zone_users, settings, capsys):
    from django.core.management import call_command

    settings.DEBUG = True
    device = with_authenticator(zone_users.officer)
    call_command("mfa_code", zone_users.officer.username)
    code = capsys.readouterr().out.split()[0]
    assert TOTPDevice.objects.get(pk=device.pk).verify_token(code)


def test_a_user_of_another_zone_is_not_asked_for_a_code_they_do_not_need(client, db):
    user = make_member(make_zone(), "unit_head")
    assert password_step(client, user).url == reverse("editorial:home")
