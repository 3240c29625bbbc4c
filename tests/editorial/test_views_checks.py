"""The checks while the officer types (issue 12): the live confidentiality scan and the partner directory."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from editorial.confidentiality import NOTES_TERM
from editorial.models import Locality, PartnerAccount, PostVariant
from editorial.views import checks
from tests.factories import make_item, make_post, make_zone

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NOTES = "Ne jamais publier le nom du conducteur, Jean Dupont, ni la plaque 1-ABC-123 ; pas la rue des Alliés."


def check_url(zone) -> str:
    return reverse("editorial:confidentiality_check", args=[zone.slug])


def partners_url(zone) -> str:
    return reverse("editorial:partner_directory", args=[zone.slug])


@pytest.fixture(autouse=True)
def _no_earlier_checks():
    # The checks are counted in the cache, per officer and minute: each test starts with none.
    cache.clear()


@pytest.fixture
def item(zone_users):
    return make_item(zone_users.zone, submitted_by=zone_users.unit_head, confidentiality_notes=NOTES)


@pytest.fixture
def post(zone_users, item):
    return make_post(zone_users.zone, zone_users.officer, item=item, planned_at=timezone.now() + dt.timedelta(days=2))


def check(client, zone, **data):
    return client.post(check_url(zone), data, **EN)


# --- The live scan -------------------------------------------------------------------------------------------


def test_it_answers_the_findings_with_their_offsets(client, zone_users):
    client.force_login(zone_users.officer)
    text = "Véhicule 1-ABC-234 recherché, témoin au 0470 12 34 56."
    response = check(client, zone_users.zone, text=text)
    assert response.status_code == 200
    answer = response.json()
    assert answer["count"] == 2
    assert [(f["kind"], text[f["start"] : f["end"]]) for f in answer["findings"]] == [
        ("licence_plate", "1-ABC-234"),
        ("phone", "0470 12 34 56"),
    ]
    assert answer["findings"][0]["label"] == "Vehicle licence plate"
    assert answer["findings"][0]["excerpt"] == "•-•••-•34"
    # The secret itself is never sent back whole.
    assert "1-ABC-234" not in response.content.decode()


def test_the_labels_are_in_the_officer_language(client, zone_users):
    client.force_login(zone_users.officer)
    response = client.post(check_url(zone_users.zone), {"text": "Voiture 1-ABC-234"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.json()["findings"][0]["label"] != "Vehicle licence plate"


def test_the_zone_public_numbers_are_not_reported(client, zone_users):
    zone = zone_users.zone
    zone.public_phones = "065 41 22 00"
    zone.public_emails = "info@zone.example.be"
    zone.save()
    client.force_login(zone_users.officer)
    answer = check(client, zone, text="Accueil : +32 65 41 22 00 ou info@zone.example.be").json()
    assert answer == {"count": 0, "findings": []}


def test_the_offsets_count_as_the_browser_does(client, zone_users):
    """A textarea counts UTF-16 code units: an emoji before a finding takes two."""
    client.force_login(zone_users.officer)
    text = "🚓🚨 Véhicule 1-ABC-234"
    (finding,) = check(client, zone_users.zone, text=text).json()["findings"]
    utf16 = text.encode("utf-16-le")
    assert utf16[2 * finding["start"] : 2 * finding["end"]].decode("utf-16-le") == "1-ABC-234"


def test_the_notes_of_the_post_item_are_checks(client, zone_users, post):
    client.force_login(zone_users.officer)
    text = "Merci à Jean Dupont, contrôlé rue des Allies (1abc123)."
    answer = check(client, zone_users.zone, text=text, post=post.pk).json()
    found = [(f["kind"], text[f["start"] : f["end"]], f["label"]) for f in answer["findings"]]
    label = "Named in the unit's confidentiality notes"
    assert found == [
        (NOTES_TERM, "Jean Dupont", label),
        (NOTES_TERM, "rue des Allies", label),
        (NOTES_TERM, "1abc123", label),
    ]
    # Without the post, the same text is only scanned: the name is still a person's (issue 15), the rest is not found.
    answer = check(client, zone_users.zone, text=text).json()
    assert [(f["kind"], text[f["start"] : f["end"]]) for f in answer["findings"]] == [("person_name", "Jean Dupont")]


def test_the_notes_of_the_item_of_a_new_post_are_checks(client, zone_users, item):
    client.force_login(zone_users.officer)
    answer = check(client, zone_users.zone, text="Dupont", item=item.pk).json()
    assert [f["kind"] for f in answer["findings"]] == [NOTES_TERM]


def test_the_post_locality_is_no_finding(client, zone_users, item):
    quevy = Locality.objects.get(zone=zone_users.zone, name="Quévy")
    item.confidentiality_notes = "Ne pas dire que le témoin habite à Quévy ni à Ghlin."
    item.save()
    post = make_post(zone_users.zone, zone_users.officer, item=item, locality=quevy)
    client.force_login(zone_users.officer)
    text = "Contrôle à Quévy et à Ghlin"
    answer = check(client, zone_users.zone, text=text, post=post.pk).json()
    assert [text[f["start"] : f["end"]] for f in answer["findings"]] == ["Ghlin"]


def test_another_zone_post_or_item_is_a_404(client, zone_users):
    other = make_zone("Zone de Tertre", slug="tertre")
    other_item = make_item(other, confidentiality_notes=NOTES)
    other_post = make_post(other, zone_users.outsider, item=other_item)
    client.force_login(zone_users.officer)
    assert check(client, zone_users.zone, text="Dupont", post=other_post.pk).status_code == 404
    assert check(client, zone_users.zone, text="Dupont", item=other_item.pk).status_code == 404
    assert check(client, zone_users.zone, text="Dupont", post=999_999).status_code == 404
    # And another zone's address is a 404 for this zone's officer.
    assert check(client, other, text="Dupont").status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [("officer", 200), ("director", 403), ("admin", 403), ("unit_head", 403), ("outsider", 404), ("nobody", 404)],
)
def test_it_is_for_officers_of_the_zone(client, zone_users, role, status):
    client.force_login(getattr(zone_users, role))
    assert check(client, zone_users.zone, text="Bonjour").status_code == status


def test_it_needs_a_signed_in_user_and_a_post(client, zone_users):
    response = client.post(check_url(zone_users.zone), {"text": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    client.force_login(zone_users.officer)
    assert client.get(check_url(zone_users.zone)).status_code == 405


def test_it_needs_the_csrf_token(zone_users):
    from tests.conftest import DeskClient

    client = DeskClient(enforce_csrf_checks=True)
    client.force_login(zone_users.officer)
    assert client.post(check_url(zone_users.zone), {"text": "Voiture 1-ABC-234"}).status_code == 403


def test_an_empty_text_has_no_finding(client, zone_users):
    client.force_login(zone_users.officer)
    assert check(client, zone_users.zone).json() == {"count": 0, "findings": []}
    assert check(client, zone_users.zone, text="").json() == {"count": 0, "findings": []}


def test_a_text_too_long_is_refused_in_words(client, zone_users):
    client.force_login(zone_users.officer)
    response = check(client, zone_users.zone, text="a" * (checks.MAX_TEXT_CHARS + 1))
    assert response.status_code == 400
    assert response.json()["error"] == (
        "This text is too long to be checked while typing (more than 70,000 characters). The review will check it."
    )
    assert check(client, zone_users.zone, text="1-ABC-234 " * 7000).status_code == 200


@pytest.mark.parametrize(
    "data",
    [
        {"text": "x\x00y"},
        {"text": "x", "post": "abc"},
        {"text": "x", "post": "-1"},
        {"text": "x", "post": str(2**64)},
        {"text": "x", "item": "1e9"},
        {"text": "x", "post": "1.5"},
    ],
)
def test_bad_input_is_refused_in_words(client, zone_users, data):
    client.force_login(zone_users.officer)
    response = check(client, zone_users.zone, **data)
    assert response.status_code == 400
    assert response.json()["error"] == "This text could not be checked while typing. The review will check it."


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.text(max_size=500),
    post=st.one_of(st.none(), st.text(max_size=30), st.integers().map(str)),
    item=st.one_of(st.none(), st.text(max_size=30), st.integers().map(str)),
)
def test_no_input_is_a_server_error(client, zone_users, post, text, item):
    cache.clear()
    client.force_login(zone_users.officer)
    data = {"text": text}
    for name, value in (("post", post), ("item", item)):
        if value is not None:
            data[name] = value
    response = check(client, zone_users.zone, **data)
    assert response.status_code in (200, 400, 404)
    assert response["Content-Type"].startswith("application/json") or response.status_code == 404


def test_too_many_checks_are_paused_in_words(client, zone_users, monkeypatch):
    monkeypatch.setattr(checks.time, "time", lambda: 1_800_000_030.0)  # 30 s into a minute, for the whole test
    client.force_login(zone_users.officer)
    for _ in range(checks.SCANS_PER_MINUTE):
        assert check(client, zone_users.zone, text="Bonjour").status_code == 200
    response = check(client, zone_users.zone, text="Bonjour")
    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    assert response.json()["error"] == (
        "Too many checks in a short time: the next one runs in a moment. Your text is kept."
    )
    # Another officer is not held up by the first one.
    from tests.factories import make_member

    other = make_member(zone_users.zone, "officer", username="officer2")
    client.force_login(other)
    assert check(client, zone_users.zone, text="Bonjour").status_code == 200


def test_a_failing_cache_does_not_stop_the_checks(client, zone_users, monkeypatch):
    class Broken:
        def add(self, *args, **kwargs):
            raise ConnectionError("cache down")

        incr = add

    monkeypatch.setattr(checks, "cache", Broken())
    client.force_login(zone_users.officer)
    assert check(client, zone_users.zone, text="Voiture 1-ABC-234").json()["count"] == 1


def test_it_runs_a_fixed_number_of_queries(client, zone_users, post, django_assert_max_num_queries):
    client.force_login(zone_users.officer)
    check(client, zone_users.zone, text="Dupont", post=post.pk)  # the session and memberships warmed up
    with django_assert_max_num_queries(6):
        assert check(client, zone_users.zone, text="Jean Dupont " * 500, post=post.pk).json()["count"] == 500


# --- The review sees the same --------------------------------------------------------------------------------


def test_the_review_page_and_queue_show_the_notes_findings(client, zone_users, post):
    from editorial import services

    PostVariant.objects.filter(post=post, channel__kind="x").update(text="Merci à Jean Dupont pour son aide")
    services.post_submit(actor=zone_users.officer, post=post)
    client.force_login(zone_users.director)
    page = client.get(reverse("editorial:review_post", args=[post.zone.slug, post.pk]), **EN).content.decode()
    assert "Named in the unit&#x27;s confidentiality notes" in page
    assert "•••• ••••nt" in page
    assert 'name="override_reason"' in page  # approving it needs a reason, as for any finding
    queue = client.get(reverse("editorial:review_queue", args=[post.zone.slug]), **EN).content.decode()
    assert "1 finding" in queue


def test_the_post_page_shows_the_notes_findings(client, zone_users, post):
    PostVariant.objects.filter(post=post, channel__kind="facebook").update(text="Rue des Alliés fermée")
    client.force_login(zone_users.officer)
    page = client.get(reverse("editorial:post_detail", args=[post.zone.slug, post.pk]), **EN).content.decode()
    assert "Named in the unit&#x27;s confidentiality notes" in page


# --- The partner directory -----------------------------------------------------------------------------------


def test_the_directory_lists_the_zone_active_partners(client, zone_users):
    zone = zone_users.zone
    PartnerAccount.objects.create(
        zone=zone, name="Police fédérale", kind="federal_police", x_handle="FedPol_Belgium", facebook_name="Police"
    )
    PartnerAccount.objects.create(zone=zone, name="Ancien partenaire", x_handle="old", is_active=False)
    PartnerAccount.objects.create(zone=make_zone("Tertre", slug="tertre"), name="Autre zone", x_handle="other")
    client.force_login(zone_users.officer)
    response = client.get(partners_url(zone), **EN)
    assert response.status_code == 200
    assert response.json() == {
        "partners": [
            {
                "name": "Police fédérale",
                "kind": "Federal police",
                "x_handle": "FedPol_Belgium",
                "facebook_name": "Police",
            }
        ]
    }


@pytest.mark.parametrize(
    ("role", "status"),
    [("officer", 200), ("director", 403), ("admin", 403), ("unit_head", 403), ("outsider", 404), ("nobody", 404)],
)
def test_the_directory_is_for_officers_of_the_zone(client, zone_users, role, status):
    client.force_login(getattr(zone_users, role))
    assert client.get(partners_url(zone_users.zone)).status_code == status
    if status == 200:
        assert client.post(partners_url(zone_users.zone)).status_code == 405
