"""Password reset links are limited per address and per client: no flood of e-mails, no enumeration either."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from editorial.models import AuditEvent

pytestmark = pytest.mark.django_db

RESET = reverse("accounts:password_reset")
REFUSED = "Too many links were asked for"


def ask(client, email: str, address: str = "203.0.113.7"):
    return client.post(RESET, {"email": email}, REMOTE_ADDR=address)


def test_one_address_gets_three_links_an_hour_then_a_plain_refusal(client, zone_users, settings):
    settings.LANGUAGE_CODE = "en"
    officer = zone_users.officer
    for _ in range(settings.DESK_PASSWORD_RESET_PER_ADDRESS):
        assert ask(client, officer.email).status_code == 302
    assert len(mail.outbox) == 3

    refused = ask(client, officer.email.upper())  # the same address, typed otherwise
    assert refused.status_code == 429
    assert REFUSED in refused.content.decode()
    assert officer.email.upper() in refused.content.decode(), "what was typed stays in the form"
    assert len(mail.outbox) == 3
    event = AuditEvent.objects.get(action="accounts.password.reset_refused")
    assert event.data["email"] == officer.email.lower()
    assert event.data["ip"] == "203.0.113.7"
    # Refused again: audited once per client and hour (anyone can ask), logged each time.
    assert ask(client, officer.email).status_code == 429
    assert AuditEvent.objects.filter(action="accounts.password.reset_refused").count() == 1
    # Another address is not concerned.
    assert ask(client, zone_users.director.email).status_code == 302
    assert len(mail.outbox) == 4


def test_an_unknown_address_is_refused_alike(client, zone_users, settings):
    settings.LANGUAGE_CODE = "en"
    for _ in range(3):
        assert ask(client, "nobody@example.org").status_code == 302
    assert mail.outbox == []
    # The same answer as for a known address: the refusal tells nothing about accounts.
    assert ask(client, "nobody@example.org").status_code == 429


def test_one_client_is_limited_whatever_the_addresses(client, zone_users, settings):
    settings.DESK_PASSWORD_RESET_PER_CLIENT = 4
    for n in range(4):
        assert ask(client, f"someone{n}@example.org").status_code == 302
    assert ask(client, zone_users.officer.email).status_code == 429
    assert mail.outbox == []
    # From elsewhere, the officer still gets a link.
    assert ask(client, zone_users.officer.email, address="198.51.100.20").status_code == 302
    assert len(mail.outbox) == 1


def test_the_limit_is_per_hour(client, zone_users, settings, monkeypatch):
    officer = zone_users.officer
    for _ in range(3):
        ask(client, officer.email)
    assert ask(client, officer.email).status_code == 429
    # An hour later (the audit log cannot be rewritten, so the clock moves instead), links are sent again.
    later = timezone.now() + timedelta(seconds=settings.DESK_PASSWORD_RESET_WINDOW_SECONDS + 1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert ask(client, officer.email).status_code == 302
    assert len(mail.outbox) == 4


def test_an_address_spelt_otherwise_counts_as_the_same(client, zone_users):
    """Django finds the account by NFKC and case folding: a long s (U+017F) reaches the same inbox."""
    officer = zone_users.officer
    officer.email = "sophie@zone.example"
    officer.save()
    for _ in range(3):
        assert ask(client, "sophie@zone.example").status_code == 302
    assert len(mail.outbox) == 3
    assert ask(client, "\u017fophie@zone.example").status_code == 429
    assert ask(client, "SOPHIE@zone.example").status_code == 429
    assert len(mail.outbox) == 3


def test_the_refusal_log_line_does_not_repeat_the_address(client, zone_users, caplog):
    for _ in range(3):
        ask(client, zone_users.officer.email)
    with caplog.at_level("WARNING", logger="accounts.views"):
        assert ask(client, zone_users.officer.email).status_code == 429
    assert "203.0.113.7" in caplog.text and zone_users.officer.email not in caplog.text


@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_get_no_more_links_than_the_limit(postgres, zone_users):
    """Five requests at the same moment for one address: three links, two refusals (the count and the record
    are one step, one request at a time)."""
    from tests.concurrency import at_once
    from tests.conftest import DeskClient

    answers = at_once(
        lambda browser: ask(browser, zone_users.officer.email).status_code, [(DeskClient(),) for _ in range(5)]
    )
    assert sorted(answers) == [302, 302, 302, 429, 429]
    assert len(mail.outbox) == 3
    assert AuditEvent.objects.filter(action="accounts.password.reset_requested").count() == 3
