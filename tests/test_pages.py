"""Every page of the application, as each demo user: answers, never a server error."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from editorial.demo import DEMO_PASSWORD, USERS
from tests.factories import totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("seed_demo", allow_production=True)


def login(client, username: str) -> None:
    """The two steps a demo user takes: the password, then (officer, director, admin) the app's code."""
    response = client.post(reverse("accounts:login"), {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, f"{username} could not sign in"
    if response.url == reverse("accounts:mfa_verify"):
        code = totp_code(User.objects.get(username=username))
        response = client.post(reverse("accounts:mfa_verify"), {"code": code})
        assert response.status_code == 302, f"{username}: the second step failed"


@pytest.mark.parametrize("username", [u[0] for u in USERS])
def test_every_demo_user_reaches_their_pages(client, demo, username):
    login(client, username)
    home = client.get(reverse("editorial:home"), follow=True)
    assert home.status_code == 200
    dashboard = reverse("editorial:zone_dashboard", args=["mons-quevy"])
    if not home.redirect_chain:
        # The officer, the director and the administrator work in the bilingual demo zone too: they choose.
        assert f'href="{dashboard}"' in home.content.decode()
        home = client.get(dashboard, follow=True)
    assert home.request["PATH_INFO"] == dashboard
    page = home.content.decode()
    assert "Mons-Quévy" in page
    assert "Proximité" in page


def test_the_admin_reaches_every_set_up_page(client, demo):
    login(client, "admin")
    assert client.get(reverse("admin:index")).status_code == 200
    for name in ["zone", "value", "unit", "category", "locality", "channel", "auditevent"]:
        url = reverse(f"admin:editorial_{name}_changelist")
        assert client.get(url).status_code == 200, url
    for name in ["membership", "user"]:
        assert client.get(reverse(f"admin:accounts_{name}_changelist")).status_code == 200
    for name in ["value", "unit", "category", "locality", "channel"]:
        assert client.get(reverse(f"admin:editorial_{name}_add")).status_code == 200


def test_the_unit_head_sees_their_unit_section(client, demo):
    login(client, "trafic")
    page = client.get(reverse("editorial:zone_dashboard", args=["mons-quevy"])).content.decode()
    assert 'id="unit-items"' in page


def test_anonymous_visitors_are_sent_to_the_login_page(client, demo):
    response = client.get(reverse("editorial:zone_dashboard", args=["mons-quevy"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert client.get(reverse("accounts:login")).status_code == 200


def test_a_member_of_another_zone_gets_404(client, demo):
    from tests.factories import make_member, make_zone

    client.force_login(make_member(make_zone(), "officer", username="elsewhere"))
    assert client.get(reverse("editorial:zone_dashboard", args=["mons-quevy"])).status_code == 404


def test_a_user_without_zone_is_told_so(client, demo):
    from tests.factories import PASSWORD, make_user

    make_user(username="lonely")
    client.post(reverse("accounts:login"), {"username": "lonely", "password": PASSWORD})
    response = client.get(reverse("editorial:home"))
    assert response.status_code == 200
    assert "administrat" in response.content.decode()  # "ask your zone's administrator", in any language


def test_the_dashboard_is_in_french_by_default(client, demo):
    login(client, "officier")
    page = client.get(reverse("editorial:zone_dashboard", args=["mons-quevy"])).content.decode()
    assert 'lang="fr"' in page
    assert "Déconnexion" in page
