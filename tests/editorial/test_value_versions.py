"""Values have versions (issue 16, point 3): editing a value keeps its former text and date, and the evidence shows
the version the director answered."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from editorial import services
from editorial.evidence import evidence_record
from editorial.models import ValueCheck, ValueVersion
from tests.editorial.test_evidence import published_post
from tests.editorial.test_publishing import approved_post, scripted  # noqa: F401
from tests.factories import make_post, submit_and_approve

pytestmark = pytest.mark.django_db


def admin_edit(client, value, **changes):
    """The zone administrator saves the value's page in the admin, as the form sends it."""
    data = {
        "zone": value.zone_id,
        "name": value.name,
        "description": value.description,
        "question": value.question,
        "order": value.order,
        "is_active": "on" if value.is_active else "",
        **changes,
    }
    response = client.post(reverse("admin:editorial_value_change", args=[value.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    value.refresh_from_db()
    return value


def test_the_first_review_gives_a_value_its_first_version(zone_users):
    post = approved_post(zone_users)
    checks = ValueCheck.objects.filter(review__post=post).select_related("value_version")
    assert [(c.value_name, c.value_version.number, c.value_version.created_by) for c in checks] == [
        ("Proximité", 1, None),
        ("Dynamisme", 1, None),
    ]


def test_editing_a_value_in_the_admin_keeps_its_former_text_and_date(client, zone_users):
    value = zone_users.zone.value_set.get(name="Proximité")
    first = services.value_versions_current(values=[value])[value.pk]
    client.force_login(zone_users.admin)
    value = admin_edit(client, value, question="Ce message montre-t-il la proximité avec les citoyens ?")
    versions = list(value.versions.order_by("number"))
    assert [(v.number, v.question) for v in versions] == [
        (1, "Proche des citoyens ?"),
        (2, "Ce message montre-t-il la proximité avec les citoyens ?"),
    ]
    assert versions[0] == first and versions[0].created_at <= versions[1].created_at
    assert versions[1].created_by == zone_users.admin
    # Saving without changing a text (the order) makes no new version.
    admin_edit(client, value, order=5)
    assert value.versions.count() == 2
    # The value's page lists its versions, read-only.
    page = client.get(reverse("admin:editorial_value_change", args=[value.pk])).content.decode()
    assert "Proche des citoyens ?" in page


def test_the_evidence_shows_the_version_the_director_answered(
    client, zone_users, in_english, django_capture_on_commit_callbacks
):
    post = published_post(zone_users, django_capture_on_commit_callbacks)
    client.force_login(zone_users.admin)
    value = zone_users.zone.value_set.get(name="Proximité")
    admin_edit(client, value, name="Proximité citoyenne", question="Nouveau texte ?")
    check = evidence_record(post=post)["approval"]["review"]["checks"][0]
    assert (check["value"], check["question"]) == ("Proximité", "Proche des citoyens ?")
    assert (check["version"]["number"], check["version"]["question"]) == (1, "Proche des citoyens ?")
    client.force_login(zone_users.officer)
    page = client.get(reverse("editorial:post_evidence", args=[post.zone.slug, post.pk])).content.decode()
    assert "version 1 of Proximité, since" in page
    # A review after the edit answers version 2.
    later = submit_and_approve(
        make_post(post.zone, zone_users.officer, planned_at=post.planned_at), zone_users.officer, zone_users.director
    )
    check = evidence_record(post=later)["approval"]["review"]["checks"][0]
    assert (check["value"], check["version"]["number"]) == ("Proximité citoyenne", 2)


def test_the_migration_gives_every_value_its_first_version_and_links_the_checks_that_read_it(zone_users):
    post = approved_post(zone_users)
    # As before the migration: no versions, checks without one; one check read a text the value no longer has.
    ValueCheck.objects.update(value_version=None)
    ValueVersion.objects.all().delete()
    ValueCheck.objects.filter(review__post=post, value_name="Dynamisme").update(value_question="Ancien texte ?")
    migration = importlib.import_module("editorial.migrations.0017_value_versions")
    migration.first_versions(django_apps, None)
    checks = {c.value_name: c for c in ValueCheck.objects.filter(review__post=post).select_related("value_version")}
    assert checks["Proximité"].value_version.number == 1
    assert checks["Proximité"].value_version.created_at == post.reviews.get().created_at
    assert checks["Dynamisme"].value_version is None
    assert ValueVersion.objects.filter(value__zone=post.zone).count() == 2
