"""The archive's search form and its exports, fuzzed (issue 16, point 2): GET addresses, so not among test_forms.py's
POST forms. Whatever the address holds (any text in any script, huge, with NUL and markup; ids of this zone, of
another, or not numbers; dates that are not dates; a field twice), the page answers 200 with nothing typed coming
back as markup, and an export answers its file or sends back to the page with a message: never an error."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from editorial.models import Publication
from tests.factories import make_post, submit_and_approve
from tests.fuzz import inputs
from tests.fuzz.pages import markup_problems
from tests.fuzz.test_search_form import _values, search_scene  # noqa: F401 - the scene is a fixture

FIELDS = ("q", "channel", "unit", "category", "locality", "author", "start", "end", "sort", "page", "status")


@pytest.fixture
def archive_scene(search_scene):  # noqa: F811 - the fixture of the Posts page's fuzz test
    zone_users, ids = search_scene
    from datetime import timedelta

    from django.utils import timezone

    post = make_post(zone_users.zone, zone_users.officer, title="Parti <i>hier</i>")
    post.planned_at = timezone.now() + timedelta(days=1)
    post.save()
    submit_and_approve(post, zone_users.officer, zone_users.director)
    Publication.objects.filter(post=post).update(
        status=Publication.Status.PUBLISHED, external_id="1", published_at=timezone.now() - timedelta(days=1)
    )
    return zone_users, ids


@pytest.mark.parametrize("role", ["officer", "director"])
def test_any_archive_address_answers(client, archive_scene, role):
    zone_users, ids = archive_scene
    client.force_login(getattr(zone_users, role))
    base = reverse("editorial:archive", args=[zone_users.zone.slug])

    @inputs.fuzz_settings(30)
    @given(st.lists(st.tuples(st.sampled_from(FIELDS), _values(ids)), max_size=8))
    def search(pairs: list[tuple[str, str]]) -> None:
        address = f"{base}?{urlencode(pairs)}"
        response = client.get(address)
        assert response.status_code == 200, address[:300]
        problems = markup_problems(response.content.decode(), address, [value for _name, value in pairs])
        assert not problems, problems

    search()


@pytest.mark.parametrize("name", ["editorial:archive_export_csv", "editorial:archive_export_json"])
def test_any_export_address_answers_a_file_or_the_page(client, archive_scene, name):
    zone_users, ids = archive_scene
    client.force_login(zone_users.officer)
    base = reverse(name, args=[zone_users.zone.slug])
    page = reverse("editorial:archive", args=[zone_users.zone.slug])

    @inputs.fuzz_settings(25)
    @given(st.lists(st.tuples(st.sampled_from(FIELDS), _values(ids)), max_size=8))
    def export(pairs: list[tuple[str, str]]) -> None:
        response = client.get(f"{base}?{urlencode(pairs)}")
        assert response.status_code in (200, 302), pairs
        if response.status_code == 302:
            assert response["Location"].startswith(page)
        else:
            b"".join(response.streaming_content)

    export()
