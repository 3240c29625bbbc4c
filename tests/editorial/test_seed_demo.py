from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import Membership, User
from editorial.models import AuditEvent, Category, Channel, Locality, Post, Unit, Value, Zone
from editorial.services import post_fingerprint

pytestmark = pytest.mark.django_db

# Tests run with DEBUG off like production, so they pass the flag a staging desk would.


def seed_command(**options) -> None:
    """``manage.py seed_demo``, without the months of history unless a test asks for some (they take seconds)."""
    call_command("seed_demo", allow_production=True, **({"history_weeks": 0} | options))


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every desk model, as values: any change between two runs shows up here."""
    data = {}
    for model in [*apps.get_app_config("editorial").get_models(), *apps.get_app_config("accounts").get_models()]:
        data[model._meta.label] = sorted(map(repr, model.objects.order_by("pk").values_list()))
    return data


def test_it_creates_the_demo_zone(capsys):
    seed_command()
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
    seed_command()
    before = snapshot()
    seed_command()
    assert snapshot() == before
    assert "nothing changed" in capsys.readouterr().out


def test_it_keeps_a_changed_password():
    seed_command()
    user = User.objects.get(username="officier")
    user.set_password("a-new-long-password")
    user.save()
    seed_command()
    assert User.objects.get(username="officier").check_password("a-new-long-password")


def test_it_runs_again_once_a_demo_unit_head_heads_a_second_unit(capsys):
    seed_command()
    zone = Zone.objects.get(slug="mons-quevy")
    trafic = User.objects.get(username="trafic")
    Membership.objects.create(
        user=trafic, zone=zone, role="unit_head", unit=Unit.objects.get(zone=zone, name="Judiciaire")
    )
    before = snapshot()
    seed_command()
    assert snapshot() == before


def test_it_refuses_to_seed_known_passwords_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo")
    assert not Zone.objects.exists()


def test_it_creates_a_bilingual_zone_the_officer_and_director_work_in(capsys):
    seed_command()
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
    seed_command()
    post = Post.objects.get(zone__slug="bruxelles-ixelles")
    Post.objects.filter(pk=post.pk).update(status=Post.Status.DRAFT)
    fingerprint = post_fingerprint(post=post)
    before = snapshot()
    seed_command()
    assert snapshot() == before
    assert Post.objects.filter(zone__slug="bruxelles-ixelles").count() == 1
    assert post_fingerprint(post=post) == fingerprint


def test_the_history_is_the_desks_own_work_in_the_past(capsys):
    """A few weeks of history (issue 14): items, posts, reviews and publications written by the services with their
    past times, a few unknown outcomes settled by the officer, active time, and the audit chain intact; once."""
    from editorial.audit_verify import verify_chain
    from editorial.models import ActiveTime, Publication, PublicationAttempt, Review
    from editorial.publishers import locmem

    sent_before = len(locmem.outbox)
    seed_command(history_weeks=3)
    assert "History:" in capsys.readouterr().out
    zone = Zone.objects.get(slug="mons-quevy")
    now = timezone.now()
    past = Post.objects.filter(zone=zone, planned_at__lt=now)
    assert past.filter(status=Post.Status.PUBLISHED).count() >= 15
    first = past.order_by("planned_at").first()
    assert (now - first.planned_at).days >= 18
    # Each step at its own time: submitted and reviewed before the post went out, published at its time.
    for post in past.filter(status=Post.Status.PUBLISHED)[:10]:
        review = Review.objects.filter(post=post, decision="approve").get()
        assert post.created_at < review.created_at < post.planned_at
        assert review.value_checks.count() == Value.objects.filter(zone=zone, is_active=True).count()
        for publication in Publication.objects.filter(post=post, status="published"):
            assert post.planned_at <= publication.published_at < post.planned_at + timedelta(hours=3)
    assert Review.objects.filter(post__zone=zone, decision="request_changes").exists()
    assert PublicationAttempt.objects.filter(publication__post__zone=zone, outcome="unknown").exists()
    assert ActiveTime.objects.filter(zone=zone, user__username="officier").count() > 100
    # Never through the configured publishers: the past is not published again.
    assert len(locmem.outbox) == sent_before
    events = AuditEvent.objects.filter(zone=zone, action="editorial.post.submit")
    assert events.filter(created_at__lt=now - timedelta(days=7)).exists()
    assert verify_chain()[0] == []
    before = snapshot()
    seed_command(history_weeks=3)
    assert snapshot() == before
