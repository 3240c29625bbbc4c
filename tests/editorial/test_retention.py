"""Retention of the units' items (issue 16, point 5): the facts, notes, links and photos of an item are erased once
its zone's period is over after its post went out or it was declined; what was published stays."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from editorial import retention, services
from editorial.models import (
    AuditEvent,
    Item,
    ItemAttachment,
    Post,
    PostVariant,
    Publication,
    Review,
    VariantMedia,
)
from tests.factories import make_item, make_post, submit_and_approve

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NOW = dt.datetime(2027, 6, 1, 3, 0, tzinfo=dt.UTC)
LONG_AGO = NOW - dt.timedelta(days=400)
LATELY = NOW - dt.timedelta(days=30)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def an_item(users, **kwargs) -> Item:
    item = make_item(
        users.zone,
        submitted_by=users.unit_head,
        facts="Le témoin M. Dupont, 0470 12 34 56",
        confidentiality_notes="Enquête en cours",
        links="https://example.org/plan",
        **kwargs,
    )
    ItemAttachment.objects.create(item=item, file=ContentFile(b"photo", name="photo.jpg"))
    return item


def published_item(users, went_out: dt.datetime) -> Item:
    item = an_item(users)
    post = make_post(users.zone, users.officer, item=item, planned_at=timezone.now() + dt.timedelta(days=1))
    Item.objects.filter(pk=item.pk).update(status=Item.Status.TAKEN_UP)
    submit_and_approve(post, users.officer, users.director)
    VariantMedia.objects.create(
        variant=post.variants.first(),
        image=ContentFile(b"sent", name="sent.jpg"),
        alt_text="Radar",
        sha256="0" * 64,
        source=item.attachments.first(),
    )
    Post.objects.filter(pk=post.pk).update(status=Post.Status.PUBLISHED)
    post.publications.update(
        status=Publication.Status.PUBLISHED, external_id="1", external_url="https://x.com/1", published_at=went_out
    )
    Item.objects.filter(pk=item.pk).update(status=Item.Status.PUBLISHED)
    return item


def declined_item(users, when: dt.datetime) -> Item:
    item = an_item(users)
    services.item_decline(actor=users.officer, item=item, reason="Hors de notre ressort, voir M. Dupont")
    Item.objects.filter(pk=item.pk).update(updated_at=when)
    return item


def pending_item(users, status: str) -> Item:
    """An item whose post is still on its way, though another of its posts went out long ago."""
    item = published_item(users, LONG_AGO)
    post = make_post(users.zone, users.officer, item=item, planned_at=timezone.now() + dt.timedelta(days=1))
    if status == Post.Status.IN_REVIEW:
        services.post_submit(actor=users.officer, post=post)
    elif status == Post.Status.APPROVED:
        submit_and_approve(post, users.officer, users.director)
    return item


def test_it_erases_items_whose_post_went_out_longer_ago_than_the_retention(
    zone_users, django_capture_on_commit_callbacks
):
    old = published_item(zone_users, LONG_AGO)
    files = list(old.attachments.values_list("file", flat=True))
    assert all(default_storage.exists(name) for name in files)
    recent = published_item(zone_users, LATELY)
    with django_capture_on_commit_callbacks(execute=True):
        [done] = retention.items_purge(now=NOW)
    assert done.item_ids == [old.pk] and done.attachments == 1
    old.refresh_from_db()
    assert old.purged_at == NOW
    assert (old.facts, old.confidentiality_notes, old.links) == ("", "", "")
    assert not old.attachments.exists()
    assert not any(default_storage.exists(name) for name in files)
    recent.refresh_from_db()
    assert recent.purged_at is None and recent.facts and recent.attachments.exists()


def test_it_erases_items_declined_longer_ago_than_the_retention(zone_users):
    old = declined_item(zone_users, LONG_AGO)
    recent = declined_item(zone_users, LATELY)
    retention.items_purge(now=NOW)
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.purged_at == NOW and old.decline_reason == retention.ERASED_MARK and old.facts == ""
    assert recent.purged_at is None and "Dupont" in recent.decline_reason


@pytest.mark.parametrize("status", [Post.Status.DRAFT, Post.Status.IN_REVIEW, Post.Status.APPROVED])
def test_it_never_erases_an_item_whose_post_may_still_go_out(zone_users, status):
    item = pending_item(zone_users, status)
    assert item.posts.filter(status=status).exists()
    assert retention.items_purge(now=NOW) == []
    item.refresh_from_db()
    assert item.purged_at is None and item.attachments.exists()


def test_it_never_erases_a_new_or_taken_up_item(zone_users):
    new = an_item(zone_users)
    Item.objects.filter(pk=new.pk).update(updated_at=LONG_AGO, created_at=LONG_AGO)
    assert retention.items_purge(now=NOW) == []


def test_a_publication_waiting_keeps_the_item(zone_users):
    item = published_item(zone_users, LONG_AGO)
    publication = Publication.objects.filter(post__item=item).first()
    Publication.objects.filter(pk=publication.pk).update(status=Publication.Status.UNKNOWN, last_error="timeout")
    # Another channel went out long ago, but one outcome is still unknown.
    assert Publication.objects.filter(post__item=item, status=Publication.Status.PUBLISHED).exists()
    assert retention.items_purge(now=NOW) == []


def test_what_was_published_stays(zone_users, django_capture_on_commit_callbacks):
    item = published_item(zone_users, LONG_AGO)
    post = item.posts.get()
    before = (
        list(PostVariant.objects.filter(post=post).values_list("pk", "text")),
        list(VariantMedia.objects.filter(variant__post=post).values_list("pk", "image", "sha256")),
        list(Review.objects.filter(post=post).values_list("pk", "decision")),
        list(Publication.objects.filter(post=post).values_list("pk", "status", "external_id", "published_at")),
        Post.objects.filter(pk=post.pk).values_list("title", "status", "approved_fingerprint").get(),
    )
    image = VariantMedia.objects.get(variant__post=post).image.name
    with django_capture_on_commit_callbacks(execute=True):
        retention.items_purge(now=NOW)
    after = (
        list(PostVariant.objects.filter(post=post).values_list("pk", "text")),
        list(VariantMedia.objects.filter(variant__post=post).values_list("pk", "image", "sha256")),
        list(Review.objects.filter(post=post).values_list("pk", "decision")),
        list(Publication.objects.filter(post=post).values_list("pk", "status", "external_id", "published_at")),
        Post.objects.filter(pk=post.pk).values_list("title", "status", "approved_fingerprint").get(),
    )
    assert after == before
    assert default_storage.exists(image)
    assert Item.objects.get(pk=item.pk).purged_at == NOW


def test_one_audit_event_per_zone_run_and_none_the_second_time(zone_users):
    items = [published_item(zone_users, LONG_AGO), declined_item(zone_users, LONG_AGO)]
    retention.items_purge(now=NOW)
    event = AuditEvent.objects.get(action="editorial.retention.purge")
    assert event.zone == zone_users.zone and event.actor is None
    assert sorted(event.data["item_ids"]) == sorted(item.pk for item in items)
    assert event.data["items"] == 2 and event.data["attachments"] == 2
    assert retention.items_purge(now=NOW + dt.timedelta(days=1)) == []
    assert AuditEvent.objects.filter(action="editorial.retention.purge").count() == 1


def test_the_zone_sets_the_period(zone_users):
    item = published_item(zone_users, LATELY)
    zone_users.zone.item_retention_days = 7
    zone_users.zone.save()
    [done] = retention.items_purge(now=NOW)
    assert done.item_ids == [item.pk]


def test_the_beat_task_purges_daily(zone_users, settings):
    from editorial import tasks

    assert settings.CELERY_BEAT_SCHEDULE["purge-items"]["task"] == "editorial.tasks.purge_items"
    assert settings.CELERY_BEAT_SCHEDULE["purge-items"]["schedule"] == 86400.0
    declined_item(zone_users, timezone.now() - dt.timedelta(days=400))
    assert tasks.purge_items() == 1


def test_the_item_page_says_it_was_erased(client, zone_users):
    item = declined_item(zone_users, LONG_AGO)
    retention.items_purge(now=NOW)
    client.force_login(zone_users.unit_head)
    page = client.get(reverse("editorial:item_detail", args=[zone_users.zone.slug, item.pk]), **EN).content.decode()
    assert "were erased on" in page and "June 1, 2027" in page
    assert "Dupont" not in page


def test_the_zone_admin_edits_the_period(client, zone_users):
    client.force_login(zone_users.admin)
    response = client.get(reverse("admin:editorial_zone_change", args=[zone_users.zone.pk]), **EN)
    assert response.status_code == 200
    assert 'name="item_retention_days"' in response.content.decode()
