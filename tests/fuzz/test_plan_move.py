"""Moving a post in the plan, fuzzed (issue 14, point 3): whatever a drop or a hand-made request sends to the Move
page (any text, times that do not exist or happen twice, a version that is not the post's, a yes that is not a
yes), the answer is the page again with a message (200) or the move done (302); never a server error, never a move
of a post that changed, never an approval voided without the yes. And the new-post address takes any prefill."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from editorial.models import Post
from editorial.selectors.plan import post_version
from tests.factories import make_post, submit_and_approve
from tests.fuzz import inputs
from tests.fuzz.pages import markup_problems


@pytest.fixture
def move_scene(zone_users):
    zone, officer = zone_users.zone, zone_users.officer
    soon = timezone.now() + dt.timedelta(days=3)
    draft = make_post(zone, officer, title="Brouillon", planned_at=soon)
    approved = submit_and_approve(
        make_post(zone, officer, title="Approuvé", planned_at=soon), officer, zone_users.director
    )
    return zone_users, draft, approved


def test_any_move_answers_and_keeps_the_rules(client, move_scene):
    zone_users, draft, approved = move_scene
    client.force_login(zone_users.officer)

    @inputs.fuzz_settings(40)
    @given(
        which=st.sampled_from(["draft", "approved"]),
        planned_at=st.one_of(inputs.datetimes, inputs.text),
        fold=inputs.folds,
        version=st.one_of(st.just("current"), inputs.text),
        confirmed=inputs.checkbox_values,
        back=st.one_of(st.sampled_from(["week", "month", ""]), inputs.text),
    )
    def moving(which: str, planned_at: str, fold: str, version: str, confirmed: str, back: str) -> None:
        post = Post.objects.get(pk=(draft if which == "draft" else approved).pk)
        before = (post.planned_at, post.status, post_version(post))
        data = {
            "planned_at": planned_at,
            "planned_at_fold": fold,
            "version": post_version(post) if version == "current" else version,
            "void_confirmed": confirmed,
            "back": back,
        }
        url = reverse("editorial:post_move", args=[zone_users.zone.slug, post.pk])
        response = client.post(url, data)
        assert response.status_code in (200, 302), data
        post.refresh_from_db()
        if response.status_code == 200:
            assert (post.planned_at, post.status, post_version(post)) == before
            problems = markup_problems(response.content.decode(), url, [str(v) for v in data.values()])
            assert not problems, problems
        if version != "current":
            assert post.planned_at == before[0]
        if before[1] == Post.Status.APPROVED and post.status != Post.Status.APPROVED:
            # Voided only with the yes.
            assert confirmed.strip().lower() in ("on", "1", "true")

    moving()


def test_any_new_post_prefill_answers(client, zone_users):
    client.force_login(zone_users.officer)
    base = reverse("editorial:plan_post_new", args=[zone_users.zone.slug])

    @inputs.fuzz_settings(25)
    @given(
        st.lists(st.tuples(st.sampled_from(["at", "channel"]), st.one_of(inputs.datetimes, inputs.text)), max_size=4)
    )
    def prefill(pairs: list[tuple[str, str]]) -> None:
        address = f"{base}?{urlencode(pairs)}"
        response = client.get(address)
        assert response.status_code == 200, address[:300]
        problems = markup_problems(response.content.decode(), address, [value for _name, value in pairs])
        assert not problems, problems

    prefill()
