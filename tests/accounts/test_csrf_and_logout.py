"""A form refused by the CSRF check is explained and audited; signing out of the admin is audited too."""

from __future__ import annotations

import pytest
from django.urls import reverse

from editorial.models import AuditEvent, Post
from tests.conftest import DeskClient

pytestmark = pytest.mark.django_db


def test_a_form_without_its_token_is_refused_plainly_and_audited(zone_users, settings):
    settings.LANGUAGE_CODE = "en"
    browser = DeskClient(enforce_csrf_checks=True)
    officer = zone_users.officer
    browser.force_login(officer)
    page = reverse("editorial:post_create", kwargs={"zone_slug": zone_users.zone.slug})
    before = Post.objects.count()

    response = browser.post(
        page, {"title": "Contrôle"}, HTTP_REFERER=f"http://testserver{page}", HTTP_USER_AGENT="test browser"
    )

    assert response.status_code == 403
    body = response.content.decode()
    assert "The form could not be sent" in body and "Nothing was saved" in body
    assert f'href="http://testserver{page}"' in body, "a way back to the page of the form"
    assert "Content-Security-Policy" in response.headers, "the desk's headers, as on every page"
    assert Post.objects.count() == before
    event = AuditEvent.objects.get(action="security.csrf_refused")
    assert event.actor == officer
    assert event.data["method"] == "POST"
    assert "CSRF" in event.data["reason"]


def test_a_form_posted_from_another_site_is_refused_without_a_link_there(zone_users):
    browser = DeskClient(enforce_csrf_checks=True)
    response = browser.post(reverse("accounts:login"), {"username": "x"}, HTTP_REFERER="https://evil.example/")
    assert response.status_code == 403
    assert "evil.example" not in response.content.decode()
    # Anyone can post without a token: only signed-in users' refusals go to the append-only log.
    assert not AuditEvent.objects.filter(action="security.csrf_refused").exists()


def test_signing_out_of_the_admin_is_audited(client, zone_users):
    admin = zone_users.admin
    client.force_login(admin)
    assert client.get(reverse("admin:index")).status_code == 200
    response = client.post(reverse("admin:logout"))
    assert response.status_code == 302 and response.url == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="accounts.logout", actor=admin).exists()
