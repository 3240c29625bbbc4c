"""Duplicating a post (issue 14, point 2): a new draft with what will be published, never the approval."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from accounts.models import Grant, Membership
from editorial import publishing, services
from editorial.errors import WorkflowError
from editorial.models import (
    AuditEvent,
    Category,
    Channel,
    Comment,
    Locality,
    Post,
    PostOrigin,
    PostVariant,
    Publication,
    Review,
    ReviewAfter,
    Unit,
    VariantMedia,
)
from tests.factories import make_item, make_post, submit_and_approve

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def png(color: str = "blue") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, "PNG")
    return SimpleUploadedFile("radar.png", buffer.getvalue(), content_type="image/png")


def channels(zone) -> tuple[Channel, Channel]:
    return Channel.objects.get(zone=zone, kind=Channel.Kind.X), Channel.objects.get(
        zone=zone, kind=Channel.Kind.FACEBOOK
    )


def published_post(zone_users) -> Post:
    """Last spring's speed control: from the Trafic item, with two images on X and one on Facebook, a main text that
    Facebook follows, approved, out on both channels, commented and shared."""
    zone, officer = zone_users.zone, zone_users.officer
    x, fb = channels(zone)
    post = services.post_create(
        actor=officer,
        zone=zone,
        title="Contrôle radar à Quévy",
        texts={x: "Contrôle radar à Quévy ce jeudi #controle #radar #Quevy", fb: ""},
        category=Category.objects.get(zone=zone, name="Contrôle vitesse"),
        locality=Locality.objects.get(zone=zone, name="Quévy"),
        planned_at=timezone.now() + timedelta(days=2),
        main_texts={"fr": "Ce jeudi, le service Trafic contrôle la vitesse à Quévy."},
        follows_main=[fb],
        media_add=[
            services.NewMedia(channel=x, image=png("blue"), alt_text="Un radar au bord de la route"),
            services.NewMedia(channel=x, image=png("red"), alt_text="Le panneau 50"),
            services.NewMedia(channel=fb, image=png("green"), alt_text="Un agent et son radar"),
        ],
    )
    Post.objects.filter(pk=post.pk).update(item=make_item(zone, submitted_by=zone_users.unit_head))
    post.refresh_from_db()
    submit_and_approve(post, officer, zone_users.director)
    services.comment_add(actor=zone_users.director, post=post, body="Bien vu.")
    services.post_share(actor=officer, post=post, units=[Unit.objects.get(zone=zone, name="Judiciaire")])
    for publication in Publication.objects.filter(post=post):
        Publication.objects.filter(pk=publication.pk).update(
            status=Publication.Status.PUBLISHED,
            external_id=f"ext-{publication.pk}",
            external_url=f"https://example.test/{publication.pk}",
            published_at=timezone.now(),
        )
    Post.objects.filter(pk=post.pk).update(status=Post.Status.PUBLISHED)
    post.refresh_from_db()
    return post


def texts_of(post: Post) -> list[tuple[int, str, bool, list[tuple[str, str, int]]]]:
    return [
        (v.channel_id, v.text, v.follows_main, [(m.sha256, m.alt_text, m.order) for m in v.media.order_by("order")])
        for v in PostVariant.objects.filter(post=post).order_by("channel_id")
    ]


# --- The service ----------------------------------------------------------------------------------------------


def test_it_copies_what_will_be_published(zone_users):
    source = published_post(zone_users)
    copy = services.post_duplicate(actor=zone_users.officer, post=source)

    assert copy.pk != source.pk
    assert copy.title == "Contrôle radar à Quévy (copy)"
    assert (copy.category_id, copy.locality_id, copy.main_texts) == (
        source.category_id,
        source.locality_id,
        source.main_texts,
    )
    assert texts_of(copy) == texts_of(source)
    assert copy.status == Post.Status.DRAFT
    assert copy.author == zone_users.officer
    assert copy.planned_at is None
    assert copy.item is None  # the officer's own post, not the unit's item taken up again


def test_nothing_of_the_approval_publications_review_or_history_comes_along(zone_users):
    source = published_post(zone_users)
    copy = services.post_duplicate(actor=zone_users.officer, post=source)

    assert (copy.approved_fingerprint, copy.approved_by, copy.approved_at) == ("", None, None)
    assert not Publication.objects.filter(post=copy).exists()
    assert not Review.objects.filter(post=copy).exists()
    assert not Comment.objects.filter(post=copy).exists()
    assert not copy.shared_with_units.exists()
    history = AuditEvent.objects.filter(object_type="editorial.post", object_id=str(copy.pk))
    assert list(history.values_list("action", flat=True)) == ["editorial.post.duplicate"]
    # The source is as it was.
    source.refresh_from_db()
    assert source.status == Post.Status.PUBLISHED and source.approved_fingerprint


def test_the_fingerprint_differs_by_the_planned_time_only(zone_users):
    source = published_post(zone_users)
    copy = services.post_duplicate(actor=zone_users.officer, post=source)

    assert services.post_fingerprint(post=copy) != source.approved_fingerprint
    source.planned_at = None  # not saved: the source as it would be without its date
    assert services.post_fingerprint(post=copy) == services.post_fingerprint(post=source)


def test_images_are_independent_copies_with_the_hash_of_their_bytes(zone_users):
    source = published_post(zone_users)
    copy = services.post_duplicate(actor=zone_users.officer, post=source)

    originals = list(VariantMedia.objects.filter(variant__post=source).order_by("variant__channel_id", "order"))
    copies = list(VariantMedia.objects.filter(variant__post=copy).order_by("variant__channel_id", "order"))
    assert len(copies) == len(originals) == 3
    for original, new in zip(originals, copies, strict=True):
        assert new.image.name != original.image.name
        assert new.source_id is None
        with new.image.open("rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == new.sha256 == original.sha256
    # Removing an image from the source (or the source's file) leaves the copy whole.
    services.post_update(actor=zone_users.officer, post=copy, media_remove=[copies[0].pk])
    for original in originals:
        assert original.image.storage.exists(original.image.name)
    originals[1].image.delete(save=False)
    with copies[1].image.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == copies[1].sha256


def test_an_image_whose_file_is_gone_is_said(zone_users):
    source = published_post(zone_users)
    VariantMedia.objects.filter(variant__post=source).first().image.delete(save=False)
    with pytest.raises(WorkflowError, match="cannot be read any more"):
        services.post_duplicate(actor=zone_users.officer, post=source)
    assert Post.objects.count() == 1


def test_a_cancelled_post_is_duplicated(zone_users):
    zone, officer = zone_users.zone, zone_users.officer
    source = make_post(zone, officer, planned_at=timezone.now() + timedelta(days=1), title="Fête de la musique")
    publishing.post_cancel(actor=officer, post=source, reason="Reportée")
    copy = services.post_duplicate(actor=officer, post=source)
    assert copy.status == Post.Status.DRAFT
    assert texts_of(copy) == texts_of(source)


def test_a_long_title_keeps_its_copy_mark(zone_users):
    source = make_post(zone_users.zone, zone_users.officer, title="A" * 200)
    copy = services.post_duplicate(actor=zone_users.officer, post=source)
    assert len(copy.title) == 200 and copy.title.endswith("… (copy)")


def test_a_fast_lane_post_becomes_an_ordinary_draft(zone_users):
    from tests.editorial.followup_data import approved_template, publish_instance

    version = approved_template(zone_users.zone, zone_users.officer)
    values = {"locality": "Quévy", "date": timezone.localdate().isoformat(), "from": "09:00", "until": "10:00"}
    instance, _follow_up = publish_instance(
        version, actor=zone_users.officer, director=zone_users.director, values=values
    )
    Post.objects.filter(pk=instance.pk).update(
        origin=PostOrigin.URGENT,
        urgent_reason="Route bloquée",
        follows_up=make_post(zone_users.zone, zone_users.officer),
    )
    instance.refresh_from_db()
    copy = services.post_duplicate(actor=zone_users.officer, post=instance)

    assert copy.origin == PostOrigin.REVIEWED
    assert copy.template_version is None
    assert (copy.filled_values, copy.urgent_reason, copy.published_under) == ({}, "", "")
    assert copy.follows_up is None
    assert not ReviewAfter.objects.filter(post=copy).exists()
    assert not copy.follow_ups.exists()
    assert texts_of(copy) == texts_of(instance)


def test_the_audit_event_names_the_source_and_the_new_fingerprint(zone_users):
    source = published_post(zone_users)
    copy = services.post_duplicate(actor=zone_users.officer, post=source)
    event = AuditEvent.objects.get(action="editorial.post.duplicate")
    assert event.object_id == str(copy.pk)
    assert event.actor == zone_users.officer
    assert event.data == {"source": source.pk, "fingerprint": services.post_fingerprint(post=copy), "images": 3}


# --- Who may ----------------------------------------------------------------------------------------------------


def give_posts_grant(zone_users, kinds=("x", "facebook")) -> Grant:
    zone = zone_users.zone
    grant = Grant.objects.create(
        membership=Membership.objects.get(user=zone_users.unit_head, zone=zone),
        zone=zone,
        scope=Grant.Scope.POSTS,
        granted_by=zone_users.director,
        granted_at=timezone.now(),
    )
    grant.channels.set(Channel.objects.filter(zone=zone, kind__in=kinds))
    grant.categories.set(Category.objects.filter(zone=zone, name="Contrôle vitesse"))
    return grant


def test_a_unit_head_duplicates_within_their_grant_only(zone_users):
    source = published_post(zone_users)  # from the Trafic item: the Trafic head reads it
    head = zone_users.unit_head
    with pytest.raises(PermissionDenied):
        services.post_duplicate(actor=head, post=source)  # no right to draft at all

    give_posts_grant(zone_users, kinds=("x",))
    head = type(head).objects.get(pk=head.pk)  # rights are read again for a new user object
    with pytest.raises(WorkflowError) as refused:
        services.post_duplicate(actor=head, post=source)  # Facebook is not covered
    assert refused.value.error_list[0].code == "not_delegated"

    Grant.objects.all().delete()
    give_posts_grant(zone_users)
    head = type(head).objects.get(pk=head.pk)
    copy = services.post_duplicate(actor=head, post=source)
    assert copy.author == head and copy.origin == PostOrigin.REVIEWED


def test_a_unit_head_who_cannot_read_the_post_cannot_duplicate_it(zone_users):
    source = published_post(zone_users)
    Post.objects.filter(pk=source.pk).update(item=None)
    source.shared_with_units.clear()
    source.refresh_from_db()
    give_posts_grant(zone_users)
    with pytest.raises(PermissionDenied):
        services.post_duplicate(actor=zone_users.unit_head, post=source)


def test_the_director_may_not_duplicate(zone_users):
    source = published_post(zone_users)
    with pytest.raises(PermissionDenied):
        services.post_duplicate(actor=zone_users.director, post=source)


# --- The page -----------------------------------------------------------------------------------------------------


def duplicate_url(zone, post) -> str:
    return reverse("editorial:post_duplicate", args=[zone.slug, post.pk])


def test_it_works(client, zone_users):
    source = published_post(zone_users)
    client.force_login(zone_users.officer)
    page = client.get(reverse("editorial:post_detail", args=[zone_users.zone.slug, source.pk])).content.decode()
    assert duplicate_url(zone_users.zone, source) in page

    response = client.post(duplicate_url(zone_users.zone, source), HTTP_ACCEPT_LANGUAGE="en")
    copy = Post.objects.exclude(pk=source.pk).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("editorial:post_edit", args=[zone_users.zone.slug, copy.pk])
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("new date" in m and "images" in m and "review" in m for m in said), said


def test_the_button_is_for_who_may_draft(client, zone_users):
    source = published_post(zone_users)
    detail = reverse("editorial:post_detail", args=[zone_users.zone.slug, source.pk])
    for user in (zone_users.director, zone_users.unit_head, zone_users.admin):
        client.force_login(user)
        assert duplicate_url(zone_users.zone, source) not in client.get(detail).content.decode(), user


def test_it_checks_the_zone_and_the_role(client, zone_users):
    source = published_post(zone_users)
    client.force_login(zone_users.outsider)
    assert client.post(duplicate_url(zone_users.zone, source)).status_code == 404
    other = zone_users.outsider.memberships.get().zone
    assert client.post(reverse("editorial:post_duplicate", args=[other.slug, source.pk])).status_code == 404
    client.force_login(zone_users.director)
    assert client.post(duplicate_url(zone_users.zone, source)).status_code == 403
    client.force_login(zone_users.officer)
    assert client.get(duplicate_url(zone_users.zone, source)).status_code == 405
    assert Post.objects.count() == 1


def test_a_refusal_is_said_on_the_post_page(client, zone_users):
    source = published_post(zone_users)
    give_posts_grant(zone_users, kinds=("x",))
    client.force_login(zone_users.unit_head)
    response = client.post(duplicate_url(zone_users.zone, source), HTTP_ACCEPT_LANGUAGE="en")
    assert response["Location"] == reverse("editorial:post_detail", args=[zone_users.zone.slug, source.pk])
    assert Post.objects.count() == 1
