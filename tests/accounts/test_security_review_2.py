"""Findings of the second security review (issue 16, point 6: two zones, every URL replayed as every role): each
test shows one problem that was found, and fails when its fix is removed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Membership, Role, TOTPDevice
from tests.factories import make_member, make_zone, with_authenticator

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared_person(zone_users):
    """An officer of Boraine who was once a member of Mons-Quévy too (membership no longer active)."""
    person = zone_users.outsider
    Membership.objects.create(user=person, zone=zone_users.zone, role=Role.OFFICER, is_active=False)
    with_authenticator(person)
    return person


# --- 1. A zone administrator took over a person who also belongs to another zone ------------------------------


def test_a_zone_admin_cannot_reset_the_second_factor_of_someone_of_another_zone(client, zone_users, shared_person):
    """Before: Mons-Quévy's administrator listed and managed every user with a membership in Mons-Quévy, active or
    not; resetting this person's second factor and setting their password took over their Boraine access."""
    client.force_login(zone_users.admin)
    listed = client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert f"/admin/accounts/user/{shared_person.pk}/change/" not in listed
    client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [shared_person.pk]},
    )
    assert TOTPDevice.objects.filter(user=shared_person, confirmed=True).exists()
    assert client.get(reverse("admin:accounts_user_change", args=[shared_person.pk])).status_code != 200
    password_url = reverse("admin:auth_user_password_change", args=[shared_person.pk])
    answer = client.post(password_url, {"password1": "A-new-pass-4-takeover", "password2": "A-new-pass-4-takeover"})
    assert answer.status_code != 302
    shared_person.refresh_from_db()
    assert not shared_person.check_password("A-new-pass-4-takeover")


def test_an_administrator_of_every_zone_of_the_person_still_manages_them(client, zone_users, shared_person):
    boraine = Membership.objects.get(user=shared_person, zone__slug="boraine").zone
    Membership.objects.create(user=zone_users.admin, zone=boraine, role=Role.ADMIN)
    client.force_login(zone_users.admin)
    assert client.get(reverse("admin:accounts_user_change", args=[shared_person.pk])).status_code == 200


def test_a_zone_admin_still_manages_the_people_of_their_zone_only(client, zone_users):
    client.force_login(zone_users.admin)
    assert client.get(reverse("admin:accounts_user_change", args=[zone_users.officer.pk])).status_code == 200


def test_the_membership_form_keeps_a_shared_person_it_cannot_hand_over(client, zone_users, shared_person):
    """The zone's own membership of a shared person stays editable (deactivate it), the person is not a choice."""
    membership = Membership.objects.get(user=shared_person, zone=zone_users.zone)
    client.force_login(zone_users.admin)
    page = client.get(reverse("admin:accounts_membership_change", args=[membership.pk]))
    assert page.status_code == 200
    answer = client.post(
        reverse("admin:accounts_membership_change", args=[membership.pk]),
        {"zone": zone_users.zone.pk, "role": Role.OFFICER, "unit": "", "is_active": "on", "weekly_report_email": "",
         "grants-TOTAL_FORMS": "0", "grants-INITIAL_FORMS": "0"},
    )  # fmt: skip
    assert answer.status_code == 302, answer.content.decode()[:2000]
    membership.refresh_from_db()
    assert membership.is_active and membership.user == shared_person


# --- 2. The membership list's zone filter named every zone of the installation ------------------------------------


def test_the_membership_list_names_only_the_admins_zones(client, zone_users):
    make_zone("Zone de police Tertre", slug="tertre")
    make_member(make_zone("Zone de police Haute-Senne", slug="haute-senne"), Role.OFFICER)
    client.force_login(zone_users.admin)
    page = client.get(reverse("admin:accounts_membership_changelist")).content.decode()
    assert "Zone de police Mons-Quévy" in page
    for other in ("Tertre", "Haute-Senne", "Boraine"):
        assert other not in page


# --- 4. Anonymous failed sign-ins each wrote a permanent audit row --------------------------------------------


def test_a_flood_of_made_up_names_is_counted_not_logged(client, zone_users):
    """Before: every failure wrote an audit event with the name typed; a flood of random names grew the append-only
    log without end and held the chain's lock. Now they are counted (per hour, in all and per address)."""
    from accounts.models import User
    from accounts.signals import unknown_sign_in_failures
    from editorial.models import AuditEvent

    before = AuditEvent.objects.count()
    for n in range(40):
        client.post(
            reverse("accounts:login"), {"username": f"random-{n}", "password": "x" * 12}, REMOTE_ADDR="198.51.100.7"
        )
    assert AuditEvent.objects.count() == before
    assert unknown_sign_in_failures(address="198.51.100.7") == 40
    assert unknown_sign_in_failures() == 40
    assert not User.objects.filter(username__startswith="random-").exists()


def test_a_known_accounts_failure_and_a_lockout_are_still_logged(client, zone_users, settings):
    from editorial.models import AuditEvent

    username = zone_users.unit_head.username
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": username, "password": "wrong"}, REMOTE_ADDR="203.0.113.9")
    failures = AuditEvent.objects.filter(action="accounts.login.failure", data__username=username)
    assert failures.count() == settings.AXES_FAILURE_LIMIT
    assert failures.first().data["user"] == zone_users.unit_head.pk
    # A made-up name locked out from one address is an event: lockouts are rare and worth reading.
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "ghost", "password": "wrong"}, REMOTE_ADDR="203.0.113.10")
    assert AuditEvent.objects.filter(action="accounts.login.locked_out", data__username="ghost").exists()
