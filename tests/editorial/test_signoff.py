"""Multi-step review (issue 13, point 6): a category may ask for a unit head's sign-off before the director approves;
the sign-off is bound to the post's fingerprint like an approval, and the unit head is told by e-mail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts import permissions
from accounts.models import User
from editorial import notifications, services
from editorial.errors import WorkflowError
from editorial.models import AuditEvent, Category, Channel, Post, SignOff, Unit, Value
from editorial.services import ValueAnswer
from tests.factories import make_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


@pytest.fixture
def judicial(zone_users) -> Category:
    """A category whose posts the head of Judiciaire ("other_unit_head") signs off."""
    zone = zone_users.zone
    return Category.objects.create(
        zone=zone, name="Appel à témoins", signoff_unit=Unit.objects.get(zone=zone, name="Judiciaire")
    )


@pytest.fixture
def in_review(zone_users, judicial, django_capture_on_commit_callbacks) -> Post:
    post = make_post(
        zone_users.zone, zone_users.officer, category=judicial, planned_at=timezone.now() + timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.post_submit(actor=zone_users.officer, post=post)
    post.refresh_from_db()
    return post


def approve(zone_users, post: Post) -> None:
    services.post_approve(
        actor=zone_users.director,
        post=post,
        reviewed_fingerprint=services.post_fingerprint(post=post),
        answers={v.pk: ValueAnswer(True) for v in Value.objects.filter(zone=post.zone, is_active=True)},
        confidentiality_confirmed=True,
    )


def codes(error: WorkflowError) -> set[str]:
    return {e.code for e in error.error_list}


# --- The services ---------------------------------------------------------------------------------------------


def test_approval_is_refused_without_the_sign_off_and_says_why(zone_users, in_review):
    with pytest.raises(WorkflowError) as refused:
        approve(zone_users, in_review)
    assert codes(refused.value) == {"signoff_missing"}
    assert "Judiciaire" in " ".join(refused.value.messages)
    assert Post.objects.get(pk=in_review.pk).status == Post.Status.IN_REVIEW


def test_a_missing_sign_off_is_said_with_the_other_missing_lines(zone_users, in_review):
    with pytest.raises(WorkflowError) as refused:
        services.post_approve(
            actor=zone_users.director,
            post=in_review,
            reviewed_fingerprint=services.post_fingerprint(post=in_review),
            answers={},
            confidentiality_confirmed=False,
        )
    assert codes(refused.value) == {"signoff_missing", "values_unconfirmed", "confidentiality_unconfirmed"}


def test_the_unit_head_signs_off_and_the_director_approves(zone_users, in_review):
    head = zone_users.other_unit_head
    signoff = services.post_sign_off(actor=head, post=in_review, note="Rien qui gêne l'enquête.")
    assert signoff.fingerprint == services.post_fingerprint(post=in_review)
    assert signoff.unit.name == "Judiciaire" and signoff.signed_by == head
    event = AuditEvent.objects.get(action="editorial.post.sign_off")
    assert event.actor == head and event.data["fingerprint"] == signoff.fingerprint
    assert event.data["note"] == "Rien qui gêne l'enquête."
    approve(zone_users, in_review)
    assert Post.objects.get(pk=in_review.pk).status == Post.Status.APPROVED


def test_an_edit_after_the_sign_off_voids_it(zone_users, in_review):
    services.post_sign_off(actor=zone_users.other_unit_head, post=in_review)
    x = Channel.objects.get(zone=zone_users.zone, kind=Channel.Kind.X)
    facebook = Channel.objects.get(zone=zone_users.zone, kind=Channel.Kind.FACEBOOK)
    services.post_update(
        actor=zone_users.officer, post=in_review, texts={x: "Appel à témoins : un autre texte", facebook: "Texte"}
    )
    in_review.refresh_from_db()
    assert in_review.status == Post.Status.DRAFT  # an edit in review sends it back, as always
    services.post_submit(actor=zone_users.officer, post=in_review)
    with pytest.raises(WorkflowError) as refused:
        approve(zone_users, in_review)
    assert codes(refused.value) == {"signoff_missing"}
    # Signed off again for this version, it goes through.
    services.post_sign_off(actor=zone_users.other_unit_head, post=in_review)
    approve(zone_users, in_review)
    assert SignOff.objects.filter(post=in_review).count() == 2


def test_an_edit_put_back_to_the_signed_version_keeps_the_sign_off(zone_users, in_review):
    """Bound to the fingerprint: the same content is the same version."""
    services.post_sign_off(actor=zone_users.other_unit_head, post=in_review)
    x = Channel.objects.get(zone=zone_users.zone, kind=Channel.Kind.X)
    original = in_review.variants.get(channel=x).text
    facebook = Channel.objects.get(zone=zone_users.zone, kind=Channel.Kind.FACEBOOK)
    fb_text = in_review.variants.get(channel=facebook).text
    services.post_update(actor=zone_users.officer, post=in_review, texts={x: "Autre", facebook: fb_text})
    services.post_update(actor=zone_users.officer, post=in_review, texts={x: original, facebook: fb_text})
    services.post_submit(actor=zone_users.officer, post=in_review)
    approve(zone_users, in_review)


def test_the_sign_off_is_for_the_version_read(zone_users, in_review):
    with pytest.raises(WorkflowError) as refused:
        services.post_sign_off(actor=zone_users.other_unit_head, post=in_review, reviewed_fingerprint="0" * 64)
    assert codes(refused.value) == {"changed"}
    assert not SignOff.objects.exists()


def test_a_version_is_signed_off_once(zone_users, in_review):
    services.post_sign_off(actor=zone_users.other_unit_head, post=in_review)
    with pytest.raises(WorkflowError) as refused:
        services.post_sign_off(actor=fresh(zone_users.other_unit_head), post=in_review)
    assert codes(refused.value) == {"already_signed"}


@pytest.mark.parametrize("who", ["unit_head", "officer", "director", "admin", "outsider"])
def test_only_the_head_of_the_named_unit_signs_off(zone_users, in_review, who):
    with pytest.raises(PermissionDenied):
        services.post_sign_off(actor=getattr(zone_users, who), post=in_review)


def test_a_post_out_of_review_is_not_signed_off(zone_users, judicial):
    post = make_post(zone_users.zone, zone_users.officer, category=judicial)
    with pytest.raises(WorkflowError) as refused:
        services.post_sign_off(actor=zone_users.other_unit_head, post=post)
    assert codes(refused.value) == {"not_in_review"}


def test_the_author_does_not_sign_off_their_own_post(zone_users, judicial):
    head = zone_users.other_unit_head
    post = make_post(zone_users.zone, head, category=judicial)
    Post.objects.filter(pk=post.pk).update(status=Post.Status.IN_REVIEW)
    assert not permissions.can_sign_off_post(head, Post.objects.get(pk=post.pk))


def test_a_category_without_sign_off_is_approved_as_before(zone_users):
    post = make_post(zone_users.zone, zone_users.officer, planned_at=timezone.now() + timedelta(days=1))
    services.post_submit(actor=zone_users.officer, post=post)
    approve(zone_users, post)
    assert Post.objects.get(pk=post.pk).status == Post.Status.APPROVED


def test_the_unit_head_reads_the_posts_they_sign_off(zone_users, in_review):
    assert permissions.can_view_post(zone_users.other_unit_head, in_review)
    assert not permissions.can_view_post(zone_users.unit_head, in_review)  # Trafic: not theirs


# --- The e-mail -------------------------------------------------------------------------------------------------


def test_the_unit_head_is_told_by_e_mail_in_their_language(
    zone_users, judicial, django_capture_on_commit_callbacks, settings
):
    settings.DESK_BASE_URL = "https://desk.example"
    User.objects.filter(pk=zone_users.other_unit_head.pk).update(language="nl")
    post = make_post(zone_users.zone, zone_users.officer, category=judicial, planned_at=timezone.now() + timedelta(1))
    with django_capture_on_commit_callbacks(execute=True):
        services.post_submit(actor=zone_users.officer, post=post)
    to_head = [m for m in mail.outbox if zone_users.other_unit_head.email in m.to]
    assert len(to_head) == 1
    assert (
        "https://desk.example" + reverse("editorial:post_detail", args=[zone_users.zone.slug, post.pk])
        in to_head[0].body
    )
    assert not [m for m in mail.outbox if zone_users.unit_head.email in m.to]


def test_the_sign_off_e_mail_can_be_turned_off(zone_users, judicial, django_capture_on_commit_callbacks):
    head = zone_users.other_unit_head
    assert notifications.POST_AWAITS_SIGNOFF in notifications.kinds_for(fresh(head))
    assert notifications.POST_AWAITS_SIGNOFF not in notifications.kinds_for(fresh(zone_users.unit_head))
    assert notifications.POST_AWAITS_SIGNOFF not in notifications.kinds_for(fresh(zone_users.officer))
    User.objects.filter(pk=head.pk).update(muted_emails=[notifications.POST_AWAITS_SIGNOFF])
    post = make_post(zone_users.zone, zone_users.officer, category=judicial, planned_at=timezone.now() + timedelta(1))
    with django_capture_on_commit_callbacks(execute=True):
        services.post_submit(actor=zone_users.officer, post=post)
    assert not [m for m in mail.outbox if head.email in m.to]


# --- The pages ----------------------------------------------------------------------------------------------------


def test_the_unit_head_signs_off_on_the_post_page(client, zone_users, in_review):
    head = zone_users.other_unit_head
    client.force_login(head)
    url = reverse("editorial:post_detail", args=[zone_users.zone.slug, in_review.pk])
    page = client.get(url).content.decode()
    assert "Nothing in this post compromises an investigation or a person." in page
    sign = reverse("editorial:post_sign_off", args=[zone_users.zone.slug, in_review.pk])
    fingerprint = services.post_fingerprint(post=in_review)
    # Without the confirmation ticked: the page again, with the note kept and the reason.
    refused = client.post(sign, {"reviewed_fingerprint": fingerprint, "note": "Vu <b>ok</b>"})
    assert refused.status_code == 200
    assert "Tick the confirmation to sign off" in refused.content.decode()
    assert "Vu &lt;b&gt;ok&lt;/b&gt;" in refused.content.decode()
    response = client.post(sign, {"reviewed_fingerprint": fingerprint, "confirmed": "on", "note": "Vu"})
    assert response.status_code == 302
    assert SignOff.objects.get(post=in_review).note == "Vu"
    page = client.get(url).content.decode()
    assert "Signed off by" in page and "Nothing in this post compromises" not in page


def test_the_dashboard_lists_what_waits_for_the_sign_off(client, zone_users, in_review):
    client.force_login(zone_users.other_unit_head)
    dashboard = reverse("editorial:zone_dashboard", args=[zone_users.zone.slug])
    assert "Waiting for your sign-off" in client.get(dashboard).content.decode()
    services.post_sign_off(actor=zone_users.other_unit_head, post=in_review)
    assert "Waiting for your sign-off" not in client.get(dashboard).content.decode()


def test_the_review_page_says_where_the_sign_off_stands(client, zone_users, in_review):
    client.force_login(zone_users.director)
    url = reverse("editorial:review_post", args=[zone_users.zone.slug, in_review.pk])
    page = client.get(url).content.decode()
    assert "Waiting for the sign-off of the head of Judiciaire." in page
    assert "Approval is refused until the head of Judiciaire has signed this version off." in page
    data = {"reviewed_fingerprint": services.post_fingerprint(post=in_review), "confidentiality_confirmed": "on"}
    data |= {f"value_{v.pk}": "on" for v in Value.objects.filter(zone=zone_users.zone)}
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert 'href="#signoff"' in refused.content.decode()  # the error summary leads to the sign-off's place
    assert Post.objects.get(pk=in_review.pk).status == Post.Status.IN_REVIEW
    services.post_sign_off(actor=zone_users.other_unit_head, post=in_review, note="RAS")
    page = client.get(url).content.decode()
    assert "Signed off by" in page and "RAS" in page
    assert client.post(url, data).status_code == 302
    assert Post.objects.get(pk=in_review.pk).status == Post.Status.APPROVED
