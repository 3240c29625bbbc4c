"""The time budget's pings, fuzzed (issue 14, point 5): not a form a page shows, so not among test_forms.py's. Whatever
a page, a script or a hand-made request sends (any text, numbers of any size or sign, NaN, fields missing, twice or
added, bodies that are not forms), the answer is never a server error, nothing is recorded unless the page and the
count are ones the desk knows, and no minute of anyone ever holds more than 60 seconds."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db.models import Max, Sum
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from editorial import timetracking
from editorial.models import ActiveTime
from tests.fuzz import inputs

PAGES = [*sorted(timetracking.PAGE_KINDS), "zone_dashboard", "time_mine", "admin:index", "", "post_edit\x00"]
COUNTS = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.sampled_from(
        ["0", "1", "15", "16", "60", "NaN", "-0", "+15", "1e3", "15.0", " 15", "15 ", "", "\x00", "\u0663"]
    ),
    inputs.numbers,
    inputs.text,
)
FIELDS = st.sampled_from(["page", "seconds", "kind", "minute", "user", "zone", "csrfmiddlewaretoken"])


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("role", ["officer", "unit_head"])
def test_any_ping_is_answered_and_never_makes_a_minute_longer_than_a_minute(client, zone_users, role):
    user = getattr(zone_users, role)
    client.force_login(user)
    address = reverse("editorial:time_ping", args=[zone_users.zone.slug])

    @inputs.fuzz_settings(60)
    @given(
        page=st.one_of(st.sampled_from(PAGES), inputs.text),
        seconds=COUNTS,
        extra=st.lists(st.tuples(FIELDS, st.one_of(inputs.text, COUNTS)), max_size=4),
        raw=st.booleans(),
    )
    def send(page: str, seconds: str, extra: list[tuple[str, str]], raw: bool) -> None:
        before = ActiveTime.objects.aggregate(total=Sum("seconds"))["total"] or 0
        if raw:
            body = f"page={page}&seconds={seconds}".encode("utf-8", "surrogatepass")
            response = client.post(address, body, content_type="application/x-www-form-urlencoded")
        else:
            data: dict[str, list[str]] = {"page": [page], "seconds": [seconds]}
            for name, value in extra:
                data.setdefault(name, []).append(value)
            response = client.post(address, data)
        assert response.status_code in (200, 400, 429), (page[:80], seconds[:80], response.status_code)
        after = ActiveTime.objects.aggregate(total=Sum("seconds"))["total"] or 0
        if response.status_code == 200:
            assert 0 <= after - before <= timetracking.PING_SECONDS
        else:
            assert after == before
        longest = ActiveTime.objects.aggregate(longest=Max("seconds"))["longest"] or 0
        assert longest <= 60
        assert not ActiveTime.objects.exclude(user=user).exists()

    send()
