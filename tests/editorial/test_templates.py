"""Templates' services (issue 13, point 1): written by the officer, approved once by the director with the checklist
of a post, bound to the version's fingerprint; an edit voids the approval and stops its instances' publications."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import Role
from editorial import template_services as ts
from editorial.audit_verify import verify_chain
from editorial.models import (
    AuditEvent,
    Category,
    Channel,
    Post,
    PostOrigin,
    Publication,
    Review,
    Template,
    Value,
    ValueCheck,
)
from editorial.services import ValueAnswer, WorkflowError
from editorial.templating import Kind, Placeholder
from tests.factories import make_member, make_post

RADAR = "Contrôle radar à {locality} le {date} de {from} à {until}. #controle #radar {locality_hashtag}"

pytestmark = pytest.mark.usefixtures("in_english")


def channels(zone):
    return {c.kind: c for c in Channel.objects.filter(zone=zone)}


def create(zone_users, **kwargs):
    zone = zone_users.zone
    ch = channels(zone)
    defaults = {
        "name": "Contrôle radar",
        "texts": {ch["x"]: RADAR, ch["facebook"]: "Ce {date}, contrôle de vitesse à {locality}."},
        "category": Category.objects.filter(zone=zone).first(),
        "hashtags": "#controle #radar",
    }
    return ts.template_create(actor=zone_users.officer, zone=zone, **(defaults | kwargs))


def confirmed(zone):
    return {v.pk: ValueAnswer(confirmed=True) for v in Value.objects.filter(zone=zone, is_active=True)}


def approve(template, director, **kwargs):
    template.refresh_from_db()
    defaults = {
        "reviewed_fingerprint": template.current_version.fingerprint,
        "answers": confirmed(template.zone),
        "confidentiality_confirmed": True,
    }
    return ts.template_approve(actor=director, template=template, **(defaults | kwargs))


def approved(zone_users, **kwargs):
    template = create(zone_users, **kwargs)
    ts.template_submit(actor=zone_users.officer, template=template)
    approve(template, zone_users.director)
    template.refresh_from_db()
    return template


def instance(template, zone_users):
    """A message made from the approved version, waiting for its time: as the fast lane stores it."""
    post = make_post(template.zone, zone_users.officer, planned_at=timezone.now() + timedelta(hours=2))
    Post.objects.filter(pk=post.pk).update(
        origin=PostOrigin.TEMPLATE,
        template_version=template.approved_version,
        status=Post.Status.APPROVED,
        approved_fingerprint="x" * 64,
        approved_by=zone_users.director,
        approved_at=timezone.now(),
        published_under="role:officer",
    )
    return [
        Publication.objects.create(post=post, channel=c, next_attempt_at=post.planned_at)
        for c in Channel.objects.filter(zone=template.zone)
    ]


def actions(template):
    return list(
        AuditEvent.objects.filter(object_type="editorial.template", object_id=str(template.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


# --- Writing --------------------------------------------------------------------------------------------------


def test_create_writes_a_first_version_with_its_placeholders(zone_users):
    template = create(zone_users)
    version = template.current_version
    assert template.status == Template.Status.DRAFT
    assert version.number == 1 and len(version.fingerprint) == 64
    assert [(p["name"], p["kind"]) for p in version.placeholders] == [
        ("locality", Kind.LOCALITY),
        ("date", Kind.DATE),
        ("from", Kind.TIME),
        ("until", Kind.TIME),
    ]
    assert actions(template) == ["editorial.template.create"]


def test_a_free_placeholder_needs_its_kind_and_a_text_one_its_limit(zone_users):
    ch = channels(zone_users.zone)
    with pytest.raises(WorkflowError) as refused:
        create(zone_users, texts={ch["x"]: "Fête {event} à {locality}"})
    assert "{event}" in " ".join(refused.value.messages)
    with pytest.raises(WorkflowError, match="length limit"):
        create(
            zone_users,
            texts={ch["x"]: "Fête {event} à {locality}"},
            placeholders=[Placeholder(name="event", kind=Kind.TEXT)],
        )
    template = create(
        zone_users,
        texts={ch["x"]: "Fête {event} à {locality}"},
        placeholders=[Placeholder(name="event", kind=Kind.TEXT, label="Événement", max_length=60)],
    )
    assert template.current_version.placeholders[0] == {
        "name": "event",
        "kind": "text",
        "label": "Événement",
        "max_length": 60,
    }


def test_names_are_unique_in_the_zone(zone_users):
    create(zone_users)
    with pytest.raises(WorkflowError) as refused:
        create(zone_users, name="contrôle  RADAR")
    assert refused.value.error_list[0].code == "name"


def test_only_officers_write_templates(zone_users):
    for who in (zone_users.director, zone_users.unit_head, zone_users.admin, zone_users.outsider):
        with pytest.raises(PermissionDenied):
            ts.template_create(
                actor=who, zone=zone_users.zone, name="X", texts={channels(zone_users.zone)["x"]: "Texte"}
            )


def test_another_zones_channel_is_refused(zone_users):
    other = Channel.objects.exclude(zone=zone_users.zone).first()
    with pytest.raises(PermissionDenied):
        create(zone_users, texts={other: RADAR})


# --- The approval ---------------------------------------------------------------------------------------------


def test_approval_records_the_checklist_bound_to_the_version(zone_users):
    template = create(zone_users)
    ts.template_submit(actor=zone_users.officer, template=template)
    review = approve(
        template, zone_users.director, answers={pk: ValueAnswer(True, note="Bien") for pk in confirmed(zone_users.zone)}
    )
    template.refresh_from_db()
    assert template.status == Template.Status.APPROVED
    assert template.approved_version == template.current_version
    assert review.template_version == template.current_version and review.post is None
    assert review.fingerprint == template.current_version.fingerprint
    checks = ValueCheck.objects.filter(review=review)
    assert checks.count() == Value.objects.filter(zone=zone_users.zone, is_active=True).count()
    assert all(c.confirmed and c.note == "Bien" for c in checks)
    assert actions(template) == ["editorial.template.create", "editorial.template.submit", "editorial.template.approve"]
    problems, _head = verify_chain()
    assert problems == []


def test_approval_needs_every_value_and_the_confidentiality_line(zone_users):
    template = create(zone_users)
    ts.template_submit(actor=zone_users.officer, template=template)
    one = Value.objects.filter(zone=zone_users.zone).first()
    with pytest.raises(WorkflowError) as refused:
        approve(template, zone_users.director, answers={one.pk: ValueAnswer(True)}, confidentiality_confirmed=False)
    codes = {e.code for e in refused.value.error_list}
    assert codes == {"values_unconfirmed", "confidentiality_unconfirmed"}
    template.refresh_from_db()
    assert template.status == Template.Status.IN_REVIEW
    assert not Review.objects.filter(template_version__template=template).exists()


def test_a_changed_version_is_not_approved(zone_users):
    template = create(zone_users)
    ts.template_submit(actor=zone_users.officer, template=template)
    with pytest.raises(WorkflowError, match="changed while you were reviewing"):
        approve(template, zone_users.director, reviewed_fingerprint="0" * 64)
    template.refresh_from_db()
    assert template.status == Template.Status.IN_REVIEW


def test_the_author_never_approves(zone_users):
    zone = zone_users.zone
    both = make_member(zone, Role.OFFICER, username="both")
    from accounts.models import Membership

    Membership.objects.create(user=both, zone=zone, role=Role.DIRECTOR)
    template = ts.template_create(actor=both, zone=zone, name="Bouchon", texts={channels(zone)["x"]: "Bouchon {road}"})
    ts.template_submit(actor=both, template=template)
    with pytest.raises(PermissionDenied):
        approve(template, both)


def test_findings_need_a_reason_which_is_logged(zone_users):
    template = create(zone_users, texts={channels(zone_users.zone)["x"]: "Véhicule 1-ABC-234 à {locality}"})
    ts.template_submit(actor=zone_users.officer, template=template)
    with pytest.raises(WorkflowError) as refused:
        approve(template, zone_users.director)
    assert {e.code for e in refused.value.error_list} == {"override_reason_missing"}
    review = approve(template, zone_users.director, override_reason="Plaque fictive de démonstration")
    assert review.confidentiality_findings and review.confidentiality_override_reason
    assert "editorial.template.confidentiality_override" in actions(template)


def test_unit_heads_and_officers_do_not_review(zone_users):
    template = create(zone_users)
    ts.template_submit(actor=zone_users.officer, template=template)
    for who in (zone_users.officer, zone_users.unit_head, zone_users.outsider):
        with pytest.raises(PermissionDenied):
            approve(template, who)


def test_request_changes_sends_it_back_with_the_comment(zone_users):
    template = create(zone_users)
    ts.template_submit(actor=zone_users.officer, template=template)
    mail.outbox.clear()
    with pytest.raises(WorkflowError):
        ts.template_request_changes(actor=zone_users.director, template=template, comment="  ")
    review = ts.template_request_changes(actor=zone_users.director, template=template, comment="Ajoutez {road}.")
    template.refresh_from_db()
    assert template.status == Template.Status.DRAFT
    assert review.decision == Review.Decision.REQUEST_CHANGES
    assert actions(template)[-1] == "editorial.template.request_changes"


def test_submit_tells_the_directors(zone_users, django_capture_on_commit_callbacks):
    template = create(zone_users)
    with django_capture_on_commit_callbacks(execute=True):
        ts.template_submit(actor=zone_users.officer, template=template)
    assert [m.to for m in mail.outbox] == [[zone_users.director.email]]
    assert f"/templates/{template.pk}/review/" in mail.outbox[0].body


# --- An edit after approval -------------------------------------------------------------------------------------


def test_an_edit_voids_the_approval_and_cancels_waiting_instances(zone_users):
    template = approved(zone_users)
    first = template.approved_version
    publications = instance(template, zone_users)
    sent = publications[0]
    Publication.objects.filter(pk=sent.pk).update(
        status=Publication.Status.PUBLISHED, external_id="1", published_at=timezone.now()
    )
    ch = channels(zone_users.zone)
    template = ts.template_update(
        actor=zone_users.officer,
        template=template,
        name=template.name,
        category=template.category,
        texts={ch["x"]: RADAR.replace("Contrôle radar", "Contrôle de vitesse")},
        hashtags="#controle #radar",
    )
    assert template.status == Template.Status.DRAFT
    assert template.approved_version is None
    assert template.current_version.number == 2 and template.current_version != first
    statuses = dict(Publication.objects.filter(pk__in=[p.pk for p in publications]).values_list("pk", "status"))
    assert statuses[sent.pk] == Publication.Status.PUBLISHED
    waiting = Publication.objects.get(pk=publications[1].pk)
    assert waiting.status == Publication.Status.CANCELLED and "template" in waiting.last_error
    event = AuditEvent.objects.filter(action="editorial.template.update").latest("pk")
    assert event.data["voided_status"] == "approved"
    assert event.data["publications"] == [publications[1].pk]
    first.refresh_from_db()
    assert first.texts[str(ch["x"].pk)] == RADAR  # versions are never rewritten


def test_a_rename_only_keeps_the_approval(zone_users):
    template = approved(zone_users)
    version = template.current_version
    template = ts.template_update(
        actor=zone_users.officer,
        template=template,
        name="Radar (mobile)",
        category=template.category,
        texts={Channel.objects.get(pk=int(k)): v for k, v in version.texts.items()},
        hashtags=version.hashtags,
    )
    assert template.status == Template.Status.APPROVED and template.current_version == version
    assert template.name == "Radar (mobile)"


def test_an_edit_during_review_takes_it_out_of_review(zone_users):
    template = create(zone_users)
    ts.template_submit(actor=zone_users.officer, template=template)
    reviewed = template.current_version.fingerprint
    ts.template_update(
        actor=zone_users.officer,
        template=template,
        name=template.name,
        texts={channels(zone_users.zone)["x"]: "Autre texte à {locality}"},
    )
    template.refresh_from_db()
    assert template.status == Template.Status.DRAFT
    ts.template_submit(actor=zone_users.officer, template=template)
    with pytest.raises(WorkflowError):
        approve(template, zone_users.director, reviewed_fingerprint=reviewed)


def test_retire_cancels_waiting_instances_and_refuses_edits(zone_users):
    template = approved(zone_users)
    publications = instance(template, zone_users)
    template = ts.template_retire(actor=zone_users.director, template=template, reason="Plus utilisé")
    assert template.status == Template.Status.RETIRED and template.approved_version is None
    assert set(Publication.objects.filter(pk__in=[p.pk for p in publications]).values_list("status", flat=True)) == {
        Publication.Status.CANCELLED
    }
    with pytest.raises(WorkflowError):
        ts.template_update(
            actor=zone_users.officer, template=template, name="x", texts={channels(zone_users.zone)["x"]: "y"}
        )
    assert actions(template)[-1] == "editorial.template.retire"
