"""The reports' addresses, fuzzed (issue 14, point 6): any year, week or month in the path answers 200 or 404, any
period kind or report name in the query answers a page, a redirect with a message, a CSV or a 404; never a server
error, and nothing typed comes back as markup (the unknown period is named in the message)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from editorial.selectors.reports import REPORTS
from tests.fuzz import inputs
from tests.fuzz.pages import markup_problems

NUMBERS = st.one_of(st.integers(0, 10_100), st.integers(0, 10**30), st.sampled_from([1999, 2000, 2020, 2100, 2101]))


@pytest.mark.parametrize("kind", ["week", "month"])
def test_any_period_in_the_path_answers_200_or_404(client, zone_users, kind):
    client.force_login(zone_users.director)
    zone = zone_users.zone

    @inputs.fuzz_settings(40)
    @given(year=NUMBERS, number=NUMBERS, report=st.one_of(st.sampled_from(sorted(REPORTS)), inputs.text))
    def visit(year: int, number: int, report: str) -> None:
        path = (
            f"/z/{zone.slug}/reports/{year}-W{number:02d}/"
            if kind == "week"
            else f"/z/{zone.slug}/reports/{year}-{number:02d}/"
        )
        response = client.get(path)
        assert response.status_code in (200, 404), path
        exported = client.get(path + "csv/", {"report": report})
        assert exported.status_code in (200, 404), (path, report[:80])
        if exported.status_code == 200:
            assert exported["Content-Type"] == "text/csv; charset=utf-8"

    visit()


def test_any_query_on_the_landing_answers(client, zone_users):
    client.force_login(zone_users.officer)
    base = reverse("editorial:reports", args=[zone_users.zone.slug])

    @inputs.fuzz_settings(30)
    @given(st.lists(st.tuples(st.sampled_from(["period", "week", "month", "x"]), inputs.text), max_size=4))
    def visit(pairs: list[tuple[str, str]]) -> None:
        response = client.get(f"{base}?{urlencode(pairs)}", follow=True)
        assert response.status_code == 200
        page = response.content.decode()
        problems = markup_problems(page, response.request["PATH_INFO"], [value for _name, value in pairs])
        assert not problems, problems

    visit()
