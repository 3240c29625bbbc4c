"""The audit log page's filters, fuzzed (issue 16, point 4): whatever the address holds (any text, huge, with NUL and
markup; ids of this zone, of another, or not numbers; kinds and object types that do not exist; dates that are not
dates; positions that are not events; a field twice), the page answers 200 and nothing typed comes back as markup."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from editorial.audit import audit_record
from editorial.models import AuditEvent
from tests.factories import make_post
from tests.fuzz import inputs
from tests.fuzz.pages import markup_problems

FIELDS = ("person", "kind", "object_type", "object", "start", "end", "before", "after")


@pytest.fixture
def audit_scene(zone_users):
    zone = zone_users.zone
    post = make_post(zone, zone_users.officer, title="Travaux <b>N6</b>")
    audit_record(action="editorial.post.create", actor=zone_users.officer, zone=zone, obj=post)
    audit_record(action="accounts.login", actor=zone_users.officer, data={})
    audit_record(action="editorial.zone.pause", actor=zone_users.outsider, data={})
    ids = [str(pk) for pk in AuditEvent.objects.values_list("pk", flat=True)]
    ids += [str(u.pk) for u in (zone_users.officer, zone_users.outsider, zone_users.director)]
    ids += [str(post.pk)]
    return zone_users, ids


def _values(ids: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        inputs.text,
        inputs.numbers,
        inputs.dates,
        st.sampled_from(ids),
        st.sampled_from(
            ["editorial.post.create", "accounts.login", "editorial.post", "accounts.user", "2027-06-10", "-1", ""]
        ),
    )


@pytest.mark.parametrize("role", ["director", "admin"])
def test_any_filter_address_answers(client, audit_scene, role):
    zone_users, ids = audit_scene
    client.force_login(getattr(zone_users, role))
    base = reverse("editorial:audit_log", args=[zone_users.zone.slug])

    @inputs.fuzz_settings(30)
    @given(st.lists(st.tuples(st.sampled_from(FIELDS), _values(ids)), max_size=8))
    def ask(pairs: list[tuple[str, str]]) -> None:
        address = f"{base}?{urlencode(pairs)}"
        response = client.get(address)
        assert response.status_code == 200, address[:300]
        page = response.content.decode()
        problems = markup_problems(page, address, [value for _name, value in pairs])
        assert not problems, problems

    ask()
