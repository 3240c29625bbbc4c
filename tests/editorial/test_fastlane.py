"""The fast lane's services (issue 13): an instance of an approved template and an urgent post go out without a
review first, bound to what was approved, and land in the director's review-after queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from accounts.models import Grant, Membership
from editorial import fastlane, publishing, templating
from editorial.errors import WorkflowError
from editorial.models import (
    AuditEvent,
    Category,
    Channel,
    Post,
    PostOrigin,
    Publication,
    Review,
    ReviewAfter,
    Template,
    TemplateVersion,
)
from editorial.publishers import locmem
from tests.factories import totp_code, with_authenticator

pytestmark = pytest.mark.django_db

RADAR_X = "Contrôle radar à {locality} le {date} de {from} à {until} #controle #radar {locality_hashtag}"
RADAR_FB = "Ce {date}, le service Trafic contrôle la vitesse à {locality}, de {from} à {until}. {note}"


@pytest.fixture(autouse=True)
def _locmem(settings):
    locmem_backend = {"BACKEND": "editorial.publishers.locmem.Publisher", "OPTIONS": {}}
    settings.PUBLISHERS = {"x": locmem_backend, "facebook": locmem_backend}
    locmem.outbox.clear()
    # The messages are asserted in English, whatever the translations say.
    with translation.override("en"):
        yield
    locmem.outbox.clear()


def channels(zone):
    return Channel.objects.get(zone=zone, kind="x"), Channel.objects.get(zone=zone, kind="facebook")


def approved_template(zone, officer, director, *, name="Contrôle radar", fb_text=RADAR_FB) -> Template:
    """A template approved the way the director approves one: a version and its approving review."""
    x, fb = channels(zone)
    texts = {str(x.pk): RADAR_X, str(fb.pk): fb_text}
    extra = [templating.Placeholder(name="note", kind=templating.Kind.TEXT, label="Note", max_length=60)]
    placeholders = templating.placeholders_for(list(texts.values()), extra)
    category = Category.objects.get(zone=zone, name="Contrôle vitesse")
    template = Template.objects.create(zone=zone, name=name, category=category, created_by=officer)
    fingerprint = templating.version_fingerprint(
        texts=texts,
        placeholders=placeholders,
        hashtags="",
        follow_up_texts={},
        follow_up_after_minutes=None,
        category_id=category.pk,
    )
    version = TemplateVersion.objects.create(
        template=template,
        number=1,
        texts=texts,
        placeholders=[p.as_dict() for p in placeholders],
        fingerprint=fingerprint,
        created_by=officer,
    )
    Review.objects.create(
        template_version=version,
        reviewer=director,
        decision=Review.Decision.APPROVE,
        fingerprint=fingerprint,
        confidentiality_confirmed=True,
    )
    Template.objects.filter(pk=template.pk).update(
        current_version=version, approved_version=version, status=Template.Status.APPROVED
    )
    template.refresh_from_db()
    return template


def grant(zone, head, director, *, scope=Grant.Scope.TEMPLATES, channel_kinds=("x",)) -> Grant:
    membership = Membership.objects.get(user=head, zone=zone)
    given = Grant.objects.create(
        membership=membership, zone=zone, scope=scope, granted_by=director, granted_at=timezone.now()
    )
    given.channels.set(Channel.objects.filter(zone=zone, kind__in=channel_kinds))
    given.categories.set(Category.objects.filter(zone=zone, name="Contrôle vitesse"))
    return given


VALUES = {"locality": "quévy", "date": "2026-12-10", "from": "14h", "until": "16:30", "note": "Soyez prudents."}


def publish(actor, template, *, values=None, chosen=None, planned_at=None, version_id=None):
    return fastlane.template_instance_publish(
        actor=actor,
        template=template,
        version_id=template.approved_version_id if version_id is None else version_id,
        raw_values=VALUES if values is None else values,
        channels=list(chosen or channels(template.zone)),
        planned_at=planned_at,
    )


def send_all(post):
    for publication in Publication.objects.filter(post=post):
        publishing.publication_send(publication_id=publication.pk)


def test_an_instance_goes_out_without_review_and_keeps_the_evidence(zone_users, django_capture_on_commit_callbacks):
    zone, officer, director = zone_users.zone, zone_users.officer, zone_users.director
    template = approved_template(zone, officer, director)
    with django_capture_on_commit_callbacks(execute=True):
        post = publish(officer, template)
    send_all(post)

    post.refresh_from_db()
    x, fb = channels(zone)
    assert post.status == Post.Status.PUBLISHED
    assert post.origin == PostOrigin.TEMPLATE
    assert post.template_version_id == template.approved_version_id
    assert post.filled_values == {
        "locality": "Quévy",
        "date": "2026-12-10",
        "from": "14:00",
        "until": "16:30",
        "note": "Soyez prudents.",
    }
    assert post.published_under == "role:officer"
    assert post.approved_by == director
    assert post.approved_fingerprint
    sent = {s.channel_id: s.text for s in locmem.outbox}
    assert sent[x.pk] == "Contrôle radar à Quévy le jeudi 10 décembre de 14h à 16h30 #controle #radar #Quevy"
    assert sent[fb.pk].startswith(
        "Ce jeudi 10 décembre, le service Trafic contrôle la vitesse à Quévy, de 14h à 16h30."
    )
    review_after = ReviewAfter.objects.get(post=post)
    assert not review_after.urgent and review_after.acknowledged_at is None
    event = AuditEvent.objects.get(action="editorial.post.fast_lane", object_id=str(post.pk))
    assert event.data["template_version"] == template.approved_version_id
    assert event.data["template_fingerprint"] == template.approved_version.fingerprint
    assert event.data["filled_values"]["locality"] == "Quévy"
    assert event.data["published_under"] == "role:officer"
    assert event.data["fingerprint"] == post.approved_fingerprint
    assert event.actor == officer


def test_a_unit_head_publishes_under_their_grant_on_the_channels_it_covers(zone_users):
    zone, head, director = zone_users.zone, zone_users.unit_head, zone_users.director
    template = approved_template(zone, zone_users.officer, director)
    given = grant(zone, head, director)
    x, fb = channels(zone)
    with pytest.raises(PermissionDenied):
        publish(head, template, chosen=[x, fb])  # Facebook is not in the grant
    post = publish(head, template, chosen=[x])
    assert post.published_under == f"grant:{given.pk}"
    assert post.author == head


def test_a_template_edited_while_the_form_was_open_is_refused_and_nothing_is_sent(zone_users):
    zone, officer, director = zone_users.zone, zone_users.officer, zone_users.director
    template = approved_template(zone, officer, director)
    opened = template.approved_version_id
    # The officer edits the template: a new version, not approved.
    version = TemplateVersion.objects.create(
        template=template, number=2, texts=template.approved_version.texts, fingerprint="b" * 64, created_by=officer
    )
    Template.objects.filter(pk=template.pk).update(
        status=Template.Status.DRAFT, current_version=version, approved_version=None
    )
    with pytest.raises(WorkflowError, match="nothing was sent"):
        publish(officer, template, version_id=opened)
    assert not Post.objects.filter(origin=PostOrigin.TEMPLATE).exists()
    assert locmem.outbox == []


def test_the_send_time_check_refuses_an_instance_whose_template_changed_after_it_was_prepared(zone_users):
    zone, officer, director = zone_users.zone, zone_users.officer, zone_users.director
    template = approved_template(zone, officer, director)
    post = publish(officer, template, planned_at=timezone.now() + timedelta(hours=2))
    assert set(Publication.objects.filter(post=post).values_list("status", flat=True)) == {"pending"}
    # The template's approval goes (edited) while its instance waits for its time.
    Template.objects.filter(pk=template.pk).update(status=Template.Status.DRAFT, approved_version=None)
    Publication.objects.filter(post=post).update(status="queued", next_attempt_at=timezone.now())
    send_all(post)
    assert set(Publication.objects.filter(post=post).values_list("status", flat=True)) == {"failed"}
    assert locmem.outbox == []


def test_a_right_withdrawn_while_the_form_was_open_is_refused_at_submission(zone_users):
    zone, head, director = zone_users.zone, zone_users.unit_head, zone_users.director
    template = approved_template(zone, zone_users.officer, director)
    given = grant(zone, head, director)
    x, _fb = channels(zone)
    from accounts import permissions

    assert permissions.can_publish_template(head, template, [x])  # the form is open, the grant cached on the user
    Grant.objects.filter(pk=given.pk).update(revoked_at=timezone.now(), revoked_by=director)
    with pytest.raises(PermissionDenied):
        publish(head, template, chosen=[x])
    assert not Post.objects.filter(zone=zone).exists()


def test_a_value_outside_its_kind_is_refused_per_placeholder(zone_users):
    zone, officer, director = zone_users.zone, zone_users.officer, zone_users.director
    template = approved_template(zone, officer, director)
    with pytest.raises(WorkflowError) as refused:
        publish(officer, template, values=VALUES | {"locality": "Atlantis", "from": "25:00"})
    assert set(refused.value.error_dict) == {"locality", "from"}
    assert "Atlantis" in refused.value.error_dict["locality"][0].messages[0]
    assert not Post.objects.exists()


def test_a_finding_in_a_free_text_stops_the_fast_lane_and_sends_the_post_to_review(
    zone_users, django_capture_on_commit_callbacks
):
    zone, officer, director = zone_users.zone, zone_users.officer, zone_users.director
    template = approved_template(zone, officer, director)
    with django_capture_on_commit_callbacks(execute=True):
        post = publish(officer, template, values=VALUES | {"note": "Véhicule 1-ABC-234 recherché"})
    post.refresh_from_db()
    assert post.status == Post.Status.IN_REVIEW
    assert post.origin == PostOrigin.REVIEWED
    assert not Publication.objects.filter(post=post).exists()
    assert not ReviewAfter.objects.exists()
    assert locmem.outbox == []
    held = AuditEvent.objects.get(action="editorial.post.fast_lane_held", object_id=str(post.pk))
    assert held.data["findings"][0]["kind"] == "licence_plate"
    assert "1-ABC-234" not in str(held.data)  # masked
    assert [m for m in mail.outbox if director.email in m.to]  # the directors are told it waits for review


def test_a_unit_head_without_a_drafting_right_still_lands_in_the_directors_queue(zone_users):
    zone, head, director = zone_users.zone, zone_users.unit_head, zone_users.director
    template = approved_template(zone, zone_users.officer, director)
    grant(zone, head, director)
    x, _fb = channels(zone)
    post = publish(head, template, values=VALUES | {"note": "Appelez le 0470 12 34 56"}, chosen=[x])
    assert post.status == Post.Status.IN_REVIEW
    assert post.author == head
    from accounts import permissions

    assert permissions.can_view_post(head, post)
    assert permissions.can_approve_post(director, post)


def test_x_length_is_enforced(zone_users):
    zone, officer, director = zone_users.zone, zone_users.officer, zone_users.director
    template = approved_template(zone, officer, director)
    x, _fb = channels(zone)
    version = template.approved_version
    version.texts = {str(x.pk): "{note} " + "a" * 270}
    version.placeholders = [{"name": "note", "kind": "text", "label": "Note", "max_length": 60}]
    version.save()
    with pytest.raises(WorkflowError, match="X takes at most 280"):
        publish(officer, template, values={"note": "Soyez prudents."}, chosen=[x])


# --- Urgent posts -----------------------------------------------------------------------------------------------


def urgent(actor, zone, **changes):
    x, _fb = channels(zone)
    kwargs = {
        "title": "Accident sur la N6",
        "main_texts": {"fr": "Accident sur la N6 à Quévy : évitez le secteur. #trafic"},
        "channels": [x],
        "category": Category.objects.get(zone=zone, name="Contrôle vitesse"),
        "locality": None,
        "reason": "Route bloquée, déviation en place",
        "code": "",
    } | changes
    return fastlane.post_publish_urgent(actor=actor, zone=zone, **kwargs)


def test_an_urgent_post_needs_a_fresh_code_and_goes_to_review_after_as_urgent(
    zone_users, django_capture_on_commit_callbacks, settings
):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # a wrong code does not make the test wait
    zone, officer = zone_users.zone, zone_users.officer
    with_authenticator(officer)
    with pytest.raises(WorkflowError, match="code"):
        urgent(officer, zone, code="")
    with pytest.raises(WorkflowError, match="not valid"):
        urgent(officer, zone, code="000000")
    assert AuditEvent.objects.filter(action="accounts.mfa.failure", data__purpose="urgent_post").exists()
    with django_capture_on_commit_callbacks(execute=True):
        post = urgent(officer, zone, code=totp_code(officer))
    post.refresh_from_db()
    assert post.origin == PostOrigin.URGENT
    assert post.status == Post.Status.APPROVED
    assert post.approved_by == officer
    assert post.urgent_reason == "Route bloquée, déviation en place"
    assert ReviewAfter.objects.get(post=post).urgent
    assert [m for m in mail.outbox if "urgent" in m.subject.lower() and zone_users.director.email in m.to]


def test_the_same_code_does_not_work_twice(zone_users):
    zone, officer = zone_users.zone, zone_users.officer
    with_authenticator(officer)
    code = totp_code(officer)
    urgent(officer, zone, code=code)
    with pytest.raises(WorkflowError, match="not valid"):
        urgent(officer, zone, code=code)


def test_an_urgent_post_needs_a_reason_and_an_authenticator(zone_users):
    zone, officer = zone_users.zone, zone_users.officer
    with pytest.raises(WorkflowError, match="why"):
        urgent(officer, zone, reason="  ")
    with pytest.raises(WorkflowError, match="security"):
        urgent(officer, zone, code="123456")  # no authenticator app set up


def test_a_zone_can_turn_urgent_posts_off(zone_users):
    zone, officer = zone_users.zone, zone_users.officer
    with_authenticator(officer)
    zone.urgent_posts_allowed = False
    zone.save()
    with pytest.raises(WorkflowError, match="does not allow urgent posts"):
        urgent(officer, zone, code=totp_code(officer))
    assert not Post.objects.exists()


def test_urgent_posts_need_a_grant_that_allows_free_posts(zone_users):
    zone, head, director = zone_users.zone, zone_users.unit_head, zone_users.director
    with_authenticator(head)
    grant(zone, head, director, scope=Grant.Scope.TEMPLATES)
    with pytest.raises(PermissionDenied):
        urgent(head, zone, code=totp_code(head))
    Grant.objects.update(scope=Grant.Scope.POSTS)
    post = urgent(head, zone, code=totp_code(head))
    assert post.published_under.startswith("grant:")


def test_a_finding_in_an_urgent_post_sends_it_to_review(zone_users):
    zone, officer = zone_users.zone, zone_users.officer
    with_authenticator(officer)
    post = urgent(
        officer, zone, main_texts={"fr": "Témoin recherché : appelez le 0470 12 34 56"}, code=totp_code(officer)
    )
    assert post.status == Post.Status.IN_REVIEW
    assert not ReviewAfter.objects.exists()


# --- Review after ---------------------------------------------------------------------------------------------


def test_the_director_acknowledges_once(zone_users):
    zone, officer, director = zone_users.zone, zone_users.officer, zone_users.director
    template = approved_template(zone, officer, director)
    post = publish(officer, template)
    review_after = ReviewAfter.objects.get(post=post)
    with pytest.raises(PermissionDenied):
        fastlane.review_after_acknowledge(actor=officer, review_after=review_after)
    fastlane.review_after_acknowledge(actor=director, review_after=review_after, comment=" Bien. ")
    review_after.refresh_from_db()
    assert review_after.acknowledged_by == director and review_after.comment == "Bien."
    with pytest.raises(WorkflowError, match="already"):
        fastlane.review_after_acknowledge(actor=director, review_after=review_after)
    assert AuditEvent.objects.filter(action="editorial.post.review_after").count() == 1
