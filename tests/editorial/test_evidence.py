"""The evidence record of a post (issue 16, point 1): what went out, byte for byte, on whose approval."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from editorial import publishing, services
from editorial.evidence import evidence_record
from editorial.models import AuditEvent, Channel, PostVariant, Publication, PublicationAttempt, VariantMedia
from editorial.publishers import PublishError
from editorial.publishers.base import ErrorKind
from tests.editorial.test_publishing import SCRIPT, approved_post, due_now, scripted, send_all  # noqa: F401
from tests.factories import make_item, make_member, make_post, make_zone

pytestmark = pytest.mark.django_db


def published_post(zone_users, django_capture_on_commit_callbacks, *, images=None, retries=0):
    """An approved post sent on X and Facebook; ``retries`` failed tries (429) on the first channel first."""
    item = make_item(zone_users.zone)
    post = approved_post(zone_users, item=item, images=images)
    for _ in range(retries):
        SCRIPT.append(PublishError("429", kind=ErrorKind.RETRY))
    for _ in range(retries + 1):
        due_now(post)
        publishing.publications_dispatch()
        with django_capture_on_commit_callbacks(execute=True):
            send_all(post)
    assert set(Publication.objects.filter(post=post).values_list("status", flat=True)) == {"published"}
    post.refresh_from_db()
    return post


def url(name, post):
    return reverse(f"editorial:{name}", args=[post.zone.slug, post.pk])


def test_the_record_holds_exactly_what_was_sent(zone_users, django_capture_on_commit_callbacks):
    post = published_post(
        zone_users, django_capture_on_commit_callbacks, images={"x": [("red", "Radar"), ("blue", "Panneau")]}
    )
    record = evidence_record(post=post)
    assert record["went_out"] is True
    assert record["fingerprint"]["matches"] is True
    assert record["fingerprint"]["approved"] == post.approved_fingerprint
    texts = {v.channel_id: v.text for v in PostVariant.objects.filter(post=post)}
    assert {c["channel"]["id"]: c["text"] for c in record["channels"]} == texts
    x = next(c for c in record["channels"] if c["channel"]["kind"] == "x")
    hashes = list(
        VariantMedia.objects.filter(variant__post=post).order_by("order", "pk").values_list("sha256", "alt_text")
    )
    assert [(i["sha256"], i["alt_text"]) for i in x["images"]] == hashes
    for entry in record["channels"]:
        publication = entry["publication"]
        assert publication["status"] == "published" and publication["external_id"] and publication["link"]
        assert [a["outcome"] for a in publication["attempt_rows"]] == ["published"]
    review = record["approval"]["review"]
    assert review["reviewer"]["id"] == zone_users.director.pk
    assert [(c["value"], c["confirmed"], c["version"]["number"]) for c in review["checks"]] == [
        ("Proximité", True, 1),
        ("Dynamisme", True, 1),
    ]
    assert record["origin_item"]["unit"] == "Trafic"


def test_an_override_and_its_reason_are_in_the_record(zone_users, django_capture_on_commit_callbacks):
    post = make_post(zone_users.zone, zone_users.officer, planned_at=timezone.now() + timedelta(hours=2))
    services.post_submit(actor=zone_users.officer, post=post)
    findings = [{"kind": "plate", "label": "Plaque", "start": 0, "end": 3, "excerpt": "••34"}]
    services.post_approve(
        actor=zone_users.director,
        post=post,
        reviewed_fingerprint=services.post_fingerprint(post=post),
        answers={v.pk: services.ValueAnswer(True, note="Bien") for v in post.zone.value_set.all()},
        confidentiality_confirmed=True,
        override_reason="Plaque d'un véhicule de service",
        findings=findings,
    )
    review = evidence_record(post=post)["approval"]["review"]
    assert review["confidentiality_override_reason"] == "Plaque d'un véhicule de service"
    assert review["confidentiality_findings"] == findings
    assert {c["note"] for c in review["checks"]} == {"Bien"}


def test_the_json_export_is_a_file_with_everything_and_is_audited(
    client, zone_users, django_capture_on_commit_callbacks
):
    post = published_post(zone_users, django_capture_on_commit_callbacks)
    client.force_login(zone_users.director)
    response = client.get(url("post_evidence_json", post))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["format"] == "zone-desk-evidence/1"
    assert data["went_out"] is True and len(data["channels"]) == 2
    assert data["approval"]["review"]["checks"][0]["version"]["number"] == 1
    event = AuditEvent.objects.get(action="editorial.post.evidence_export")
    assert (event.actor_id, event.object_id, event.data["format"]) == (zone_users.director.pk, str(post.pk), "json")


def test_the_html_export_is_a_download_that_prints_on_its_own(client, zone_users, django_capture_on_commit_callbacks):
    post = published_post(zone_users, django_capture_on_commit_callbacks)
    client.force_login(zone_users.officer)
    response = client.get(url("post_evidence_html", post))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="evidence-{post.zone.slug}-post-{post.pk}.html"'
    body = response.content.decode()
    assert "<style>" in body and 'rel="stylesheet"' not in body and "<script" not in body
    assert post.approved_fingerprint in body
    assert AuditEvent.objects.filter(action="editorial.post.evidence_export", data__format="html").count() == 1


def test_the_page_shows_the_record_and_the_post_links_to_it(client, zone_users, django_capture_on_commit_callbacks):
    post = published_post(zone_users, django_capture_on_commit_callbacks)
    client.force_login(zone_users.director)
    with translation.override("en"):
        page = client.get(url("post_detail", post), HTTP_ACCEPT_LANGUAGE="en")
        assert url("post_evidence", post) in page.content.decode()
        response = client.get(url("post_evidence", post))
    assert response.status_code == 200
    body = response.content.decode()
    for variant in PostVariant.objects.filter(post=post):
        assert variant.text in body
    assert post.approved_fingerprint in body
    # Reading the page is not an export.
    assert not AuditEvent.objects.filter(action="editorial.post.evidence_export").exists()


def test_a_post_that_never_went_out_says_so(client, zone_users, in_english):
    post = approved_post(zone_users)
    client.force_login(zone_users.officer)
    response = client.get(url("post_evidence", post))
    assert response.status_code == 200
    assert "This post never went out." in response.content.decode()
    assert json.loads(client.get(url("post_evidence_json", post)).content)["went_out"] is False
    # The post page offers no evidence before it is published.
    assert url("post_evidence", post) not in client.get(url("post_detail", post)).content.decode()


@pytest.mark.parametrize("role", ["unit_head", "other_unit_head", "admin"])
def test_who_does_not_answer_for_what_goes_out_is_refused(client, zone_users, role, django_capture_on_commit_callbacks):
    post = published_post(zone_users, django_capture_on_commit_callbacks)
    client.force_login(getattr(zone_users, role))
    for name in ("post_evidence", "post_evidence_json", "post_evidence_html"):
        assert client.get(url(name, post)).status_code == 403
    assert not AuditEvent.objects.filter(action="editorial.post.evidence_export").exists()


def test_another_zone_gets_a_404(client, zone_users, django_capture_on_commit_callbacks):
    post = published_post(zone_users, django_capture_on_commit_callbacks)
    client.force_login(zone_users.outsider)
    for name in ("post_evidence", "post_evidence_json", "post_evidence_html"):
        assert client.get(url(name, post)).status_code == 404
    # The outsider's own zone's address with this post's id too.
    other = make_zone()
    director = make_member(other, "director")
    client.force_login(director)
    assert client.get(reverse("editorial:post_evidence", args=[other.slug, post.pk])).status_code == 404


def test_the_query_count_does_not_grow_with_attempts_checks_and_images(zone_users, django_capture_on_commit_callbacks):
    small = published_post(zone_users, django_capture_on_commit_callbacks)
    with CaptureQueriesContext(connection) as few:
        evidence_record(post=small)
    zone = zone_users.zone
    zone.value_set.create(name="Sens du devoir", question="Au service de chaque citoyen ?", order=3)
    big = published_post(
        zone_users,
        django_capture_on_commit_callbacks,
        images={"x": [("red", "Un"), ("blue", "Deux"), ("green", "Trois")], "facebook": [("white", "Quatre")]},
        retries=2,
    )
    # Each channel failed once (429) before it went out: four attempts instead of two.
    assert PublicationAttempt.objects.filter(publication__post=big).count() == 4
    with CaptureQueriesContext(connection) as many:
        evidence_record(post=big)
    assert len(many) == len(few)
    assert Channel.objects.filter(zone=zone).count() == 2
