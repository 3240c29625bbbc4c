"""The zone's directory of partner accounts in the Django admin (issue 12): scoped to the administrator's zones like
every zone-owned row, audited, and the X handle checked as X spells handles."""

from __future__ import annotations

import pytest
from django.urls import reverse

from editorial.demo import PARTNERS, seed_demo
from editorial.models import AuditEvent, PartnerAccount
from tests.factories import make_zone

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def two_zones(zone_users):
    own, other = zone_users.zone, make_zone("Zone de police Tertre", slug="tertre")
    PartnerAccount.objects.create(zone=own, name="Partner-OWNROW", x_handle="own_row")
    PartnerAccount.objects.create(zone=other, name="Partner-OTHERROW", x_handle="other_row")
    return own, other


def form_data(zone, **overrides: str) -> dict[str, str]:
    data = {
        "zone": str(zone.pk),
        "name": "Vias institute",
        "kind": PartnerAccount.Kind.ROAD_SAFETY,
        "x_handle": "Vias_institute",
        "facebook_name": "Vias institute",
        "is_active": "on",
        "_save": "Save",
    }
    data.update(overrides)
    return data


def test_it_lists_the_partners_of_the_admin_zone_only(client, zone_users, two_zones):
    client.force_login(zone_users.admin)
    page = client.get(reverse("admin:editorial_partneraccount_changelist")).content.decode()
    assert "Partner-OWNROW" in page
    assert "Partner-OTHERROW" not in page
    assert "Zone de police Tertre" not in page


def test_it_refuses_the_partners_of_another_zone(client, zone_users, two_zones):
    _own, other = two_zones
    partner = PartnerAccount.objects.get(zone=other)
    client.force_login(zone_users.admin)
    url = reverse("admin:editorial_partneraccount_change", args=[partner.pk])
    assert client.get(url).status_code != 200
    client.post(url, form_data(other, name="Hijacked"))
    partner.refresh_from_db()
    assert partner.name == "Partner-OTHERROW"
    client.post(reverse("admin:editorial_partneraccount_delete", args=[partner.pk]), {"post": "yes"})
    assert PartnerAccount.objects.filter(pk=partner.pk).exists()


def test_it_adds_a_partner_to_the_admin_zone_only(client, zone_users, two_zones):
    own, other = two_zones
    client.force_login(zone_users.admin)
    url = reverse("admin:editorial_partneraccount_add")
    page = client.get(url).content.decode()
    assert "Zone de police Tertre" not in page
    response = client.post(url, form_data(other), **EN)
    assert response.status_code == 200
    assert "zone" in response.context["adminform"].form.errors
    assert not PartnerAccount.objects.filter(name="Vias institute").exists()

    response = client.post(url, form_data(own, x_handle="@Vias_institute"))
    assert response.status_code == 302
    partner = PartnerAccount.objects.get(name="Vias institute")
    assert (partner.zone, partner.x_handle) == (own, "Vias_institute")
    event = AuditEvent.objects.get(action="admin.partneraccount.create")
    assert event.zone_id == own.pk


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("FedPol_Belgium", "FedPol_Belgium"),
        ("@FedPol_Belgium", "FedPol_Belgium"),
        ("  @FedPol_Belgium ", "FedPol_Belgium"),
        ("https://x.com/FedPol_Belgium", "FedPol_Belgium"),
        ("https://twitter.com/FedPol_Belgium", "FedPol_Belgium"),
        ("", ""),
        ("@", ""),
    ],
)
def test_it_keeps_the_handle_alone(client, zone_users, typed, kept):
    client.force_login(zone_users.admin)
    response = client.post(reverse("admin:editorial_partneraccount_add"), form_data(zone_users.zone, x_handle=typed))
    assert response.status_code == 302
    assert PartnerAccount.objects.get(name="Vias institute").x_handle == kept


@pytest.mark.parametrize("typed", ["Fed Pol", "Fédérale", "a" * 16, "<b>x</b>", "x@y", "x.com/a/b"])
def test_it_refuses_what_is_not_an_x_handle_and_keeps_what_was_typed(client, zone_users, typed):
    client.force_login(zone_users.admin)
    response = client.post(
        reverse("admin:editorial_partneraccount_add"), form_data(zone_users.zone, x_handle=typed), **EN
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "An X handle has 1 to 15 letters (without accents), digits or underscores" in page
    assert 'value="Vias institute"' in page
    assert not PartnerAccount.objects.exists()


def test_it_needs_a_handle_or_a_page_name(client, zone_users):
    client.force_login(zone_users.admin)
    response = client.post(
        reverse("admin:editorial_partneraccount_add"),
        form_data(zone_users.zone, x_handle="", facebook_name="  "),
        **EN,
    )
    assert response.status_code == 200
    assert "Give the account&#x27;s X handle, its Facebook page name, or both." in response.content.decode()


def test_two_partners_of_a_zone_cannot_share_a_name(client, zone_users, two_zones):
    own, _other = two_zones
    client.force_login(zone_users.admin)
    response = client.post(reverse("admin:editorial_partneraccount_add"), form_data(own, name="Partner-OWNROW"))
    assert response.status_code == 200
    assert PartnerAccount.objects.filter(name="Partner-OWNROW").count() == 1


def test_the_demo_zone_has_its_partners_marked_as_demo(db):
    zone = seed_demo().zone
    partners = list(PartnerAccount.objects.filter(zone=zone))
    assert len(partners) == len(PARTNERS) >= 5
    assert all(partner.name.endswith("(démo)") for partner in partners)
    assert {partner.kind for partner in partners} >= {"federal_police", "road_safety", "police_zone", "commune"}
    # Seeding again changes nothing.
    assert not [line for line in seed_demo().created if line.startswith("partner account")]


def test_the_admin_of_one_zone_finds_it_chosen(client, zone_users):
    client.force_login(zone_users.admin)
    form = client.get(reverse("admin:editorial_partneraccount_add")).context["adminform"].form
    assert form.initial["zone"] == zone_users.zone.pk
