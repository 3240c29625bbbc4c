"""The Posts page's search form, fuzzed (issue 14): a GET form, so not among test_forms.py's POST forms. Whatever the
address holds (any text in any script, huge, with NUL and markup; ids of this zone, of another, or not numbers;
dates that are not dates; a field twice), the page answers 200, and nothing typed comes back as markup."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import Membership
from editorial.models import Category, Channel, Locality, Post, Unit
from tests.factories import make_item, make_post
from tests.fuzz import inputs
from tests.fuzz.pages import markup_problems

FIELDS = ("q", "status", "channel", "unit", "category", "locality", "author", "start", "end", "sort", "page")


@pytest.fixture
def search_scene(zone_users):
    zone = zone_users.zone
    item = make_item(zone, submitted_by=zone_users.unit_head)
    make_post(
        zone, zone_users.officer, title="Contrôle radar à Quévy", item=item, category=Category.objects.get(zone=zone)
    )
    make_post(zone, zone_users.officer, title="Travaux <b>N6</b>")
    other = Membership.objects.get(user=zone_users.outsider).zone
    ids = [
        str(pk)
        for model in (Channel, Unit, Category, Locality, Post)
        for pk in model.objects.filter(zone__in=[zone, other]).values_list("pk", flat=True)
    ]
    ids += [str(u.pk) for u in (zone_users.officer, zone_users.outsider)]
    return zone_users, ids


def _values(ids: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        inputs.text,
        inputs.numbers,
        inputs.dates,
        st.sampled_from(ids),
        st.sampled_from(["draft", "published", "planned", "created", "title", "2027-06-10", "1", "-1", ""]),
    )


@pytest.mark.parametrize("role", ["officer", "unit_head"])
def test_any_search_address_answers(client, search_scene, role):
    zone_users, ids = search_scene
    client.force_login(getattr(zone_users, role))
    base = reverse("editorial:post_list", args=[zone_users.zone.slug])

    @inputs.fuzz_settings(30)
    @given(st.lists(st.tuples(st.sampled_from(FIELDS), _values(ids)), max_size=8))
    def search(pairs: list[tuple[str, str]]) -> None:
        address = f"{base}?{urlencode(pairs)}"
        response = client.get(address)
        assert response.status_code == 200, address[:300]
        page = response.content.decode()
        problems = markup_problems(page, address, [value for _name, value in pairs])
        assert not problems, problems

    search()
