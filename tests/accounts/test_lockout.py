"""Brute-force protection (issue 5, point 2): repeated failed passwords for a username from an address are
refused for a while, logged, and the person is told plainly; the admin's sign-in goes through the same form."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from editorial.models import AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def attempt(client, username: str, password: str, address: str = "203.0.113.7", **headers):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **headers)


def fail(client, username: str, times: int, address: str = "203.0.113.7") -> None:
    for _ in range(times):
        response = attempt(client, username, "wrong-password", address)
        assert response.status_code in (200, 429)


def test_the_right_password_is_refused_after_repeated_failures(client, zone_users, settings):
    username = zone_users.unit_head.username
    fail(client, username, settings.AXES_FAILURE_LIMIT)
    response = attempt(client, username, PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "15" in page and ("Too many failed sign-ins" in page or "Trop de tentatives" in page)
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="accounts.login.failure", data__username=username).count() >= 5
    locked = AuditEvent.objects.filter(action="accounts.login.locked_out").latest("pk")
    assert locked.data["username"] == username and locked.data["ip"] == "203.0.113.7"


def test_fewer_failures_do_not_lock(client, zone_users, settings):
    username = zone_users.unit_head.username
    fail(client, username, settings.AXES_FAILURE_LIMIT - 1)
    response = attempt(client, username, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(zone_users.unit_head.pk)


def test_the_lock_is_for_that_username_and_address(client, zone_users, settings):
    fail(client, zone_users.unit_head.username, settings.AXES_FAILURE_LIMIT)
    # The same person from another address, and another person from the same address, still sign in.
    assert attempt(client, zone_users.unit_head.username, PASSWORD, address="198.51.100.9").status_code == 302
    client.post(reverse("accounts:logout"))
    assert attempt(client, zone_users.other_unit_head.username, PASSWORD).status_code == 302


def test_the_lock_ends_after_the_cool_off(client, zone_users, settings):
    username = zone_users.unit_head.username
    fail(client, username, settings.AXES_FAILURE_LIMIT)
    assert attempt(client, username, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1))
    assert attempt(client, username, PASSWORD).status_code == 302


def test_officers_are_locked_at_the_password_step_too(client, zone_users, settings):
    username = zone_users.officer.username
    fail(client, username, settings.AXES_FAILURE_LIMIT)
    response = attempt(client, username, PASSWORD)
    assert response.status_code == 429
    assert "desk_pending_login" not in client.session


def test_the_address_behind_a_proxy_is_the_forwarded_one(client, zone_users, settings):
    settings.DESK_PROXY_COUNT = 1
    username = zone_users.unit_head.username
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, username, "wrong", address="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.50")
    # Locked for the client behind the proxy, not for everyone coming through the proxy.
    assert attempt(client, username, PASSWORD, "10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.50").status_code == 429
    assert attempt(client, username, PASSWORD, "10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.51").status_code == 302
    assert AuditEvent.objects.filter(action="accounts.login.failure", data__ip="203.0.113.50").exists()


def test_a_forged_forwarded_header_is_ignored_without_a_proxy(client, zone_users, settings):
    settings.DESK_PROXY_COUNT = 0
    username = zone_users.unit_head.username
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, username, "wrong", address="203.0.113.7", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert attempt(client, username, PASSWORD, "203.0.113.7", HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429
