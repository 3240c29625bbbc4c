from __future__ import annotations

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from accounts.models import Membership, User
from editorial.models import AuditEvent, Category, Channel, Locality, Post, Unit, Value, Zone
from editorial.services import post_fingerprint

pytestmark = pytest.mark.django_db

# Tests run with DEBUG off like production, so they pass the flag a staging desk would.


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every desk model, as values: any change between two runs shows up here."""
    data = {}
    for model in [*apps.get_app_config("editorial").get_models(), *apps.get_app_config("accounts").get_models()]:
        data[model._meta.label] = sorted(map(repr, model.objects.order_by("pk").values_list()))
    return data


def test_it_creates_the_demo_zone(capsys):
    call_command("seed_demo", allow_production=True)
    zone = Zone.objects.get(slug="mons-quevy")
    assert zone.timezone == "Europe/Brussels"
    assert list(Value.objects.filter(zone=zone).values_list("name", flat=True)) == [
        "Proximité",
        "Dynamisme",
        "Sens du devoir envers chaque citoyen",
    ]
    assert all(Value.objects.filter(zone=zone).values_list("question", flat=True))
    assert set(Unit.objects.filter(zone=zone).values_list("name", flat=True)) == {"Trafic", "Proximité", "Judiciaire"}
    speed = Category.objects.get(zone=zone, name="Contrôle vitesse")
    assert speed.hashtag_list == ["#controle", "#radar"]
    # Nine, and "Appel à témoins", which asks for the judicial head's sign-off (issue 13).
    assert Category.objects.filter(zone=zone).count() == 10
    assert Category.objects.get(zone=zone, name="Appel à témoins").signoff_unit.name == "Judiciaire"
    assert Locality.objects.get(zone=zone, name="Quévy").hashtag == "#Quevy"
    assert set(Channel.objects.filter(zone=zone).values_list("kind", flat=True)) == {"x", "facebook"}
    roles = set(Membership.objects.filter(zone=zone).values_list("role", flat=True))
    assert roles == {"officer", "unit_head", "director", "admin"}
    out = capsys.readouterr().out
    for username in ["officier", "directeur", "admin", "trafic"]:
        assert username in out
    assert "demo-zone-2026" in out
    assert User.objects.get(username="directeur").check_password("demo-zone-2026")
    # One seeding event per demo zone (Mons-Quévy, and the bilingual zone below).
    assert AuditEvent.objects.filter(action="editorial.demo.seed", zone=zone).count() == 1


def test_running_it_twice_changes_nothing(capsys):
    call_command("seed_demo", allow_production=True)
    before = snapshot()
    call_command("seed_demo", allow_production=True)
    assert snapshot() == before
    assert "nothing changed" in capsys.readouterr().out


def test_it_keeps_a_changed_password():
    call_command("seed_demo", allow_production=True)
    user = User.objects.get(username="officier")
    user.set_password("a-new-long-password")
    user.save()
    call_command("seed_demo", allow_production=True)
    assert User.objects.get(username="officier").check_password("a-new-long-password")


def test_it_runs_again_once_a_demo_unit_head_heads_a_second_unit(capsys):
    call_command("seed_demo", allow_production=True)
    zone = Zone.objects.get(slug="mons-quevy")
    trafic = User.objects.get(username="trafic")
    Membership.objects.create(
        user=trafic, zone=zone, role="unit_head", unit=Unit.objects.get(zone=zone, name="Judiciaire")
    )
    before = snapshot()
    call_command("seed_demo", allow_production=True)
    assert snapshot() == before


def test_it_refuses_to_seed_known_passwords_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo")
    assert not Zone.objects.exists()


def test_it_creates_a_bilingual_zone_the_officer_and_director_work_in(capsys):
    call_command("seed_demo", allow_production=True)
    zone = Zone.objects.get(slug="bruxelles-ixelles")
    assert zone.languages == "fr+nl"
    values = list(Value.objects.filter(zone=zone).order_by("order"))
    assert [v.name for v in values] == ["Proximité", "Dynamisme", "Sens du devoir envers chaque citoyen"]
    assert [v.name_nl for v in values] == ["Nabijheid", "Dynamiek", "Plichtsbesef tegenover elke burger"]
    assert all(v.question_nl and v.description_nl for v in values)
    assert sorted(Channel.objects.filter(zone=zone).values_list("kind", "language")) == [
        ("facebook", "fr+nl"),
        ("x", "fr"),
        ("x", "nl"),
    ]
    roles = dict(Membership.objects.filter(zone=zone).values_list("user__username", "role"))
    assert roles == {"officier": "officer", "directeur": "director", "admin": "admin"}
    assert AuditEvent.objects.filter(action="editorial.demo.seed", zone=zone).count() == 1
    assert "bilingual zone" in capsys.readouterr().out

    # A post in both languages waits for the director: each channel has its language's text.
    post = Post.objects.get(zone=zone)
    assert post.status == Post.Status.IN_REVIEW and post.author.username == "officier"
    assert set(post.main_texts) == {"fr", "nl"}
    texts = {v.channel.language: v.text for v in post.variants.select_related("channel")}
    assert texts["fr"] == post.main_texts["fr"] and texts["nl"] == post.main_texts["nl"]
    assert post.main_texts["fr"] in texts["fr+nl"] and post.main_texts["nl"] in texts["fr+nl"]
    assert AuditEvent.objects.filter(action="editorial.post.submit", object_id=str(post.pk)).count() == 1


def test_the_bilingual_zone_is_left_as_it_is_once_its_post_was_reviewed():
    call_command("seed_demo", allow_production=True)
    post = Post.objects.get(zone__slug="bruxelles-ixelles")
    Post.objects.filter(pk=post.pk).update(status=Post.Status.DRAFT)
    fingerprint = post_fingerprint(post=post)
    before = snapshot()
    call_command("seed_demo", allow_production=True)
    assert snapshot() == before
    assert Post.objects.filter(zone__slug="bruxelles-ixelles").count() == 1
    assert post_fingerprint(post=post) == fingerprint
