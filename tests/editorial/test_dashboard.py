from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_item, make_post


def dashboard(zone) -> str:
    return reverse("editorial:zone_dashboard", args=[zone.slug])


@pytest.mark.parametrize("role", ["officer", "unit_head", "director", "admin"])
def test_it_works_for_every_role(client, zone_users, role):
    client.force_login(getattr(zone_users, role))
    response = client.get(dashboard(zone_users.zone))
    assert response.status_code == 200
    assert zone_users.zone.name in response.content.decode()


def test_it_checks_the_zone(client, zone_users):
    client.force_login(zone_users.outsider)
    assert client.get(dashboard(zone_users.zone)).status_code == 404
    client.force_login(zone_users.nobody)
    assert client.get(dashboard(zone_users.zone)).status_code == 404


def test_it_counts_drafts_and_new_items(client, zone_users):
    for _ in range(3):
        make_post(zone_users.zone, zone_users.officer)
    make_item(zone_users.zone, submitted_by=zone_users.unit_head)
    client.force_login(zone_users.officer)
    overview = client.get(dashboard(zone_users.zone)).context["overview"]
    assert overview.posts_by_status["draft"] == 3
    assert overview.items_new == 1


def test_the_unit_head_sees_only_their_units_items(client, zone_users):
    make_item(zone_users.zone, submitted_by=zone_users.unit_head, title="Radar rue de Binche")
    make_item(zone_users.zone, "Judiciaire", submitted_by=zone_users.other_unit_head, title="Appel à témoins")
    client.force_login(zone_users.unit_head)
    page = client.get(dashboard(zone_users.zone)).content.decode()
    assert "Radar rue de Binche" in page
    assert "Appel à témoins" not in page


def test_text_is_escaped(client, zone_users):
    make_item(zone_users.zone, submitted_by=zone_users.unit_head, title="<script>alert(1)</script>")
    client.force_login(zone_users.unit_head)
    page = client.get(dashboard(zone_users.zone)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("role", ["officer", "unit_head"])
def test_its_query_count_does_not_grow_with_posts_and_items(client, zone_users, django_assert_max_num_queries, role):
    user = getattr(zone_users, role)
    client.force_login(user)
    for _ in range(2):
        make_post(zone_users.zone, zone_users.officer)
        make_item(zone_users.zone, submitted_by=zone_users.unit_head)
    with django_assert_max_num_queries(12) as few:
        client.get(dashboard(zone_users.zone))
    for _ in range(30):
        make_post(zone_users.zone, zone_users.officer)
        make_item(zone_users.zone, submitted_by=zone_users.unit_head)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(dashboard(zone_users.zone))
