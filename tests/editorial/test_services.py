"""The workflow services: every transition, the fingerprint rule, and who may do what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import Membership, Role
from editorial import services
from editorial.models import AuditEvent, Channel, Item, Post, Review, Unit, Value
from editorial.services import ValueAnswer, WorkflowError
from tests.factories import make_item, make_member, make_zone


@pytest.fixture
def post(zone_users):
    channels = Channel.objects.filter(zone=zone_users.zone)
    return services.post_create(
        actor=zone_users.officer,
        zone=zone_users.zone,
        title="Contrôle radar",
        texts={c: f"Contrôle radar à Quévy ce jeudi #controle #radar ({c.kind})" for c in channels},
        planned_at=timezone.now() + timedelta(days=2),
    )


def all_values_confirmed(zone) -> dict[int, ValueAnswer]:
    return {v.pk: ValueAnswer(confirmed=True) for v in Value.objects.filter(zone=zone, is_active=True)}


def approve(post, director, **kwargs):
    defaults = {
        "reviewed_fingerprint": services.post_fingerprint(post=post),
        "answers": all_values_confirmed(post.zone),
        "confidentiality_confirmed": True,
    }
    defaults.update(kwargs)
    return services.post_approve(actor=director, post=post, **defaults)


def test_the_whole_path_from_item_to_approval(zone_users, django_capture_on_commit_callbacks):
    zone = zone_users.zone
    item = services.item_submit(
        actor=zone_users.unit_head,
        zone=zone,
        unit=Unit.objects.get(zone=zone, name="Trafic"),
        title="Contrôle vitesse Quévy",
        facts="Jeudi 14h-16h",
    )
    post = services.item_take_up(actor=zone_users.officer, item=item)
    assert item.status == Item.Status.TAKEN_UP and post.item == item and post.status == Post.Status.DRAFT
    post = services.post_update(
        actor=zone_users.officer,
        post=post,
        texts={Channel.objects.get(zone=zone, kind="x"): "Contrôle #radar à #Quevy"},
        planned_at=timezone.now() + timedelta(days=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.post_submit(actor=zone_users.officer, post=post)
    assert [m.to for m in mail.outbox] == [[zone_users.director.email]]
    post.refresh_from_db()
    assert post.status == Post.Status.IN_REVIEW
    with django_capture_on_commit_callbacks(execute=True):
        review = approve(post, zone_users.director)
    post.refresh_from_db()
    assert post.status == Post.Status.APPROVED
    assert post.approved_fingerprint == review.fingerprint == services.post_fingerprint(post=post)
    assert review.value_checks.count() == 2
    actions = list(
        AuditEvent.objects.filter(object_type="editorial.post", object_id=str(post.pk)).values_list("action", flat=True)
    )
    assert actions == [
        "editorial.post.update",
        "editorial.post.submit",
        "editorial.post.approve",
    ]


def test_an_edit_after_approval_voids_it(zone_users, post):
    services.post_submit(actor=zone_users.officer, post=post)
    approve(post, zone_users.director)
    x = Channel.objects.get(zone=zone_users.zone, kind="x")
    post = services.post_update(actor=zone_users.officer, post=post, texts={x: "Autre texte"})
    assert post.status == Post.Status.DRAFT
    assert post.approved_fingerprint == "" and post.approved_by is None
    event = AuditEvent.objects.filter(action="editorial.post.update").latest("pk")
    assert event.data["voided_status"] == "approved"


def test_a_version_put_back_after_its_approval_was_voided_is_approved_again(zone_users, post):
    """Found by tests/fuzz: the second approval of one version broke a one-approval-per-version constraint (a
    server error on the review page). Each approval is now its own review: the record names the director who
    approved the version that goes out, with their own checks."""
    services.post_submit(actor=zone_users.officer, post=post)
    first = approve(post, zone_users.director)
    x = Channel.objects.get(zone=zone_users.zone, kind="x")
    texts = {v.channel: v.text for v in post.variants.all()}
    services.post_update(actor=zone_users.officer, post=post, texts={**texts, x: "Autre texte"})
    services.post_update(actor=zone_users.officer, post=post, texts=texts)  # the officer changes their mind
    services.post_submit(actor=zone_users.officer, post=post)
    deputy = make_member(zone_users.zone, Role.DIRECTOR, username="deputy")
    again = approve(post, deputy)
    post.refresh_from_db()
    assert post.status == Post.Status.APPROVED and post.approved_by == deputy
    assert post.approved_fingerprint == first.fingerprint == again.fingerprint == services.post_fingerprint(post=post)
    assert again != first and again.reviewer == deputy and first.reviewer == zone_users.director
    assert again.value_checks.count() == first.value_checks.count() > 0
    event = AuditEvent.objects.filter(action="editorial.post.approve").latest("pk")
    assert event.actor == deputy and event.data["review"] == again.pk


@pytest.mark.parametrize("change", ["text", "planned_at", "channel"])
def test_any_change_to_what_is_published_changes_the_fingerprint(zone_users, post, change):
    before = services.post_fingerprint(post=post)
    x = Channel.objects.get(zone=zone_users.zone, kind="x")
    others = {v.channel: v.text for v in post.variants.exclude(channel=x)}
    if change == "text":
        post = services.post_update(actor=zone_users.officer, post=post, texts={x: "Nouveau", **others})
    elif change == "planned_at":
        later = post.planned_at + timedelta(minutes=1)
        post = services.post_update(actor=zone_users.officer, post=post, planned_at=later)
    else:  # the Facebook channel is dropped
        post = services.post_update(actor=zone_users.officer, post=post, texts={x: post.variants.get(channel=x).text})
    assert services.post_fingerprint(post=post) != before


def test_a_title_change_keeps_the_approval(zone_users, post):
    services.post_submit(actor=zone_users.officer, post=post)
    approve(post, zone_users.director)
    post = services.post_update(actor=zone_users.officer, post=post, title="Titre interne")
    assert post.status == Post.Status.APPROVED


def test_the_author_cannot_approve_even_as_director(zone_users, post):
    Membership.objects.create(user=zone_users.officer, zone=zone_users.zone, role=Role.DIRECTOR)
    services.post_submit(actor=zone_users.officer, post=post)
    with pytest.raises(PermissionDenied):
        approve(post, zone_users.officer)


@pytest.mark.parametrize("who", ["officer", "unit_head", "admin", "outsider"])
def test_only_a_director_approves(zone_users, post, who):
    services.post_submit(actor=zone_users.officer, post=post)
    with pytest.raises(PermissionDenied):
        approve(post, getattr(zone_users, who))


def test_every_value_must_be_confirmed(zone_users, post):
    services.post_submit(actor=zone_users.officer, post=post)
    answers = all_values_confirmed(zone_users.zone)
    first = next(iter(answers))
    answers[first] = ValueAnswer(confirmed=False)
    with pytest.raises(WorkflowError):
        approve(post, zone_users.director, answers=answers)
    with pytest.raises(WorkflowError):
        approve(post, zone_users.director, confidentiality_confirmed=False)
    post.refresh_from_db()
    assert post.status == Post.Status.IN_REVIEW and not Review.objects.exists()


def test_a_value_edited_later_does_not_rewrite_the_review(zone_users, post):
    services.post_submit(actor=zone_users.officer, post=post)
    review = approve(post, zone_users.director)
    Value.objects.filter(zone=zone_users.zone).update(question="Nouvelle question ?")
    assert "Nouvelle question ?" not in review.value_checks.values_list("value_question", flat=True)


def test_approval_is_for_the_version_reviewed(zone_users, post):
    services.post_submit(actor=zone_users.officer, post=post)
    seen = services.post_fingerprint(post=post)
    # The text changes behind the reviewer's back (the officer edits while the director reads).
    post.variants.update(text="Changé pendant la relecture")
    with pytest.raises(WorkflowError):
        approve(post, zone_users.director, reviewed_fingerprint=seen)


def test_findings_need_an_override_reason_which_is_logged(zone_users, post):
    services.post_submit(actor=zone_users.officer, post=post)
    findings = [{"kind": "licence_plate", "excerpt": "•-•••-•34"}]
    with pytest.raises(WorkflowError):
        approve(post, zone_users.director, findings=findings)
    approve(post, zone_users.director, findings=findings, override_reason="Plaque d'un véhicule de police")
    event = AuditEvent.objects.get(action="editorial.post.confidentiality_override")
    assert event.data["reason"] == "Plaque d'un véhicule de police"


def test_request_changes_sends_the_post_back_with_a_comment(zone_users, post, django_capture_on_commit_callbacks):
    services.post_submit(actor=zone_users.officer, post=post)
    with pytest.raises(WorkflowError):
        services.post_request_changes(actor=zone_users.director, post=post, comment="  ")
    with django_capture_on_commit_callbacks(execute=True):
        services.post_request_changes(actor=zone_users.director, post=post, comment="Retirez l'heure exacte.")
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT
    assert "Retirez l'heure exacte." in mail.outbox[-1].body


def test_submit_needs_texts_and_a_time(zone_users):
    x = Channel.objects.get(zone=zone_users.zone, kind="x")
    post = services.post_create(actor=zone_users.officer, zone=zone_users.zone, title="T", texts={x: "Texte"})
    with pytest.raises(WorkflowError):
        services.post_submit(actor=zone_users.officer, post=post)
    with pytest.raises(WorkflowError):
        services.post_create(actor=zone_users.officer, zone=zone_users.zone, title="T", texts={})


def test_an_item_is_handled_once(zone_users):
    item = make_item(zone_users.zone, submitted_by=zone_users.unit_head)
    services.item_take_up(actor=zone_users.officer, item=item)
    with pytest.raises(WorkflowError):
        services.item_take_up(actor=zone_users.officer, item=item)
    with pytest.raises(WorkflowError):
        services.item_decline(actor=zone_users.officer, item=item, reason="Doublon")
    assert Post.objects.filter(item=item).count() == 1


def test_a_decline_needs_a_reason(zone_users):
    item = make_item(zone_users.zone, submitted_by=zone_users.unit_head)
    with pytest.raises(WorkflowError):
        services.item_decline(actor=zone_users.officer, item=item, reason="")
    services.item_decline(actor=zone_users.officer, item=item, reason="Déjà annoncé")
    assert item.status == Item.Status.DECLINED


def test_a_unit_head_submits_for_their_own_unit_only(zone_users):
    zone = zone_users.zone
    judiciaire = Unit.objects.get(zone=zone, name="Judiciaire")
    with pytest.raises(PermissionDenied):
        services.item_submit(actor=zone_users.unit_head, zone=zone, unit=judiciaire, title="x", facts="y")
    other_unit = Unit.objects.get(zone=make_zone(), name="Trafic")
    with pytest.raises(PermissionDenied):
        services.item_submit(actor=zone_users.officer, zone=zone, unit=other_unit, title="x", facts="y")


def test_a_post_cannot_use_another_zones_channel(zone_users):
    foreign = Channel.objects.filter(zone=make_zone()).first()
    with pytest.raises(PermissionDenied):
        services.post_create(actor=zone_users.officer, zone=zone_users.zone, title="T", texts={foreign: "x"})


def test_a_post_cannot_use_another_zones_category_or_locality(zone_users, post):
    from editorial.models import Category, Locality

    other = make_zone()
    x = Channel.objects.get(zone=zone_users.zone, kind="x")
    foreign_category = Category.objects.get(zone=other)
    with pytest.raises(PermissionDenied):
        services.post_create(
            actor=zone_users.officer, zone=zone_users.zone, title="T", texts={x: "x"}, category=foreign_category
        )
    with pytest.raises(PermissionDenied):
        services.post_update(actor=zone_users.officer, post=post, locality=Locality.objects.get(zone=other))
    post.refresh_from_db()
    assert post.locality is None


def test_an_update_changes_only_what_it_is_given_and_none_clears(zone_users, post):
    from editorial.models import Category

    category = Category.objects.get(zone=zone_users.zone)
    post = services.post_update(actor=zone_users.officer, post=post, category=category)
    planned = post.planned_at
    post = services.post_update(actor=zone_users.officer, post=post, title="Nouveau titre")
    assert (post.category, post.planned_at) == (category, planned)
    post = services.post_update(actor=zone_users.officer, post=post, category=None)
    assert post.category is None and post.planned_at == planned


def _png(name: str = "photo.png", colour: str = "red"):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _with_image(zone_users, post):
    x = Channel.objects.get(zone=zone_users.zone, kind="x")
    return services.post_update(
        actor=zone_users.officer,
        post=post,
        media_add=[services.NewMedia(channel=x, image=_png(), alt_text="Un radar", sha256="a" * 64)],
    )


@pytest.mark.parametrize("change", ["add", "alt_text", "remove"])
def test_an_image_change_after_approval_voids_it(zone_users, post, change):
    post = _with_image(zone_users, post)
    services.post_submit(actor=zone_users.officer, post=post)
    approve(post, zone_users.director)
    media = post.variants.get(channel__kind="x").media.get()
    if change == "add":
        _with_image(zone_users, post)
    elif change == "alt_text":
        services.post_update(actor=zone_users.officer, post=post, media_alt_texts={media.pk: "Un autre radar"})
    else:
        services.post_update(actor=zone_users.officer, post=post, media_remove=[media.pk])
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT
    assert post.approved_fingerprint == ""


def test_an_image_added_after_removals_comes_last(zone_users, post):
    """Found by tests/fuzz: with two of three images removed, the next one was put before the one left."""
    x = Channel.objects.get(zone=zone_users.zone, kind="x")
    for colour in ("red", "green", "blue"):
        services.post_update(
            actor=zone_users.officer,
            post=post,
            media_add=[services.NewMedia(channel=x, image=_png(colour=colour), alt_text=colour)],
        )
    first, second, _third = post.variants.get(channel=x).media.all()
    services.post_update(actor=zone_users.officer, post=post, media_remove=[first.pk, second.pk])
    services.post_update(
        actor=zone_users.officer,
        post=post,
        media_add=[services.NewMedia(channel=x, image=_png(colour="white"), alt_text="white")],
    )
    assert [m.alt_text for m in post.variants.get(channel=x).media.all()] == ["blue", "white"]


def test_an_image_needs_its_alt_text(zone_users, post):
    x = Channel.objects.get(zone=zone_users.zone, kind="x")
    with pytest.raises(WorkflowError):
        services.post_update(
            actor=zone_users.officer,
            post=post,
            media_add=[services.NewMedia(channel=x, image=_png(), alt_text="  ", sha256="a" * 64)],
        )


def test_another_posts_image_is_left_alone(zone_users, post):
    other = _with_image(
        zone_users,
        services.post_create(
            actor=zone_users.officer,
            zone=zone_users.zone,
            title="Autre",
            texts={Channel.objects.get(zone=zone_users.zone, kind="x"): "Autre"},
        ),
    )
    media = other.variants.get().media.get()
    services.post_update(actor=zone_users.officer, post=post, media_remove=[media.pk])
    assert other.variants.get().media.filter(pk=media.pk).exists()


def test_a_director_approving_a_post_already_handled_is_told_so(zone_users, post):
    services.post_submit(actor=zone_users.officer, post=post)
    approve(post, zone_users.director)
    with pytest.raises(WorkflowError):
        approve(post, zone_users.director)


def test_a_review_keeps_the_version_it_read(zone_users, post):
    services.post_submit(actor=zone_users.officer, post=post)
    review = approve(post, zone_users.director)
    texts = {v["channel_id"]: v["text"] for v in review.snapshot["variants"]}
    assert texts == {v.channel_id: v.text for v in post.variants.all()}


@pytest.mark.django_db(transaction=True)
def test_two_directors_approving_at_once_make_one_approval(postgres, zone_users, post):
    """The post's row lock decides (there is no one-approval-per-version constraint: a version approved, voided
    and put back is approved again on a review of its own)."""
    from editorial.models import Publication
    from tests.concurrency import at_once

    services.post_submit(actor=zone_users.officer, post=post)
    deputy = make_member(zone_users.zone, Role.DIRECTOR, username="deputy")

    def decide(director) -> str:
        try:
            approve(Post.objects.get(pk=post.pk), director)
        except WorkflowError:
            return "refused"
        return "approved"

    outcomes = at_once(decide, [(zone_users.director,), (deputy,)])
    assert sorted(outcomes) == ["approved", "refused"]
    assert Review.objects.filter(post=post, decision=Review.Decision.APPROVE).count() == 1
    assert AuditEvent.objects.filter(action="editorial.post.approve", object_id=str(post.pk)).count() == 1
    channels = post.variants.count()
    assert Publication.objects.filter(post=post).count() == channels
