"""The officer's view of publishing: the post's publications block, the decisions after an unknown outcome,
publish now, cancel, the channels page with its pauses and connection tests, and the dashboard alerts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from editorial import publishing
from editorial.models import AuditEvent, Channel, Post, Publication
from editorial.publishers import PublishError, PublishResult
from editorial.publishers.base import BasePublisher, ErrorKind
from tests.factories import make_item, make_post, submit_and_approve

Status = Publication.Status
SECRET = "S3CRET-token-never-shown-4242"

# What the scripted publisher does on its next calls (an exception to raise, or None for success).
SCRIPT: list[Exception | None] = []


class ScriptedPublisher(BasePublisher):
    def publish(self, variant):
        step = SCRIPT.pop(0) if SCRIPT else None
        if step is not None:
            raise step
        return PublishResult(external_id="1", url="https://example.test/1")

    def check_connection(self, channel):
        step = SCRIPT.pop(0) if SCRIPT else None
        if step is not None:
            raise step
        return "@zp_monsquevy"


@pytest.fixture(autouse=True)
def scripted(settings):
    SCRIPT.clear()
    backend = {"BACKEND": f"{__name__}.ScriptedPublisher", "OPTIONS": {}}
    settings.PUBLISHERS = {"x": backend, "facebook": backend}
    yield
    SCRIPT.clear()


@pytest.fixture
def en(client):
    """Messages are asserted in English (French is the default language)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def url(name: str, zone, *args) -> str:
    return reverse(f"editorial:{name}", args=[zone.slug, *args])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def approved_post(zone_users, *, planned_at=None, item=None, title="Contrôle radar"):
    post = make_post(
        zone_users.zone,
        zone_users.officer,
        title=title,
        planned_at=planned_at or timezone.now() + timedelta(hours=2),
        item=item,
    )
    post = submit_and_approve(post, zone_users.officer, zone_users.director)
    post.refresh_from_db()
    return post


def set_status(post, status, **fields) -> None:
    if status in (Status.FAILED, Status.UNKNOWN):
        fields.setdefault("last_error", "Délai dépassé après l'envoi")
    if status == Status.PUBLISHED:
        fields.setdefault("external_id", "1")
        fields.setdefault("published_at", timezone.now())
    Publication.objects.filter(post=post).update(status=status, **fields)


def x_publication(post) -> Publication:
    return Publication.objects.get(post=post, channel__kind=Channel.Kind.X)


def publish_tasks(celery_outbox):
    return [t for t in celery_outbox if t.name == "editorial.tasks.publish"]


def anonymous_is_sent_to_login(client, target: str, method: str = "get") -> None:
    client.logout()
    response = getattr(client, method)(target)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- The publications block ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [("officer", 200), ("director", 200), ("admin", 200), ("other_unit_head", 403), ("outsider", 404), ("nobody", 404)],
)
def test_the_publications_block_checks_who_asks(client, zone_users, role, expected):
    post = approved_post(zone_users)
    client.force_login(getattr(zone_users, role))
    assert (
        client.get(url("post_publications", zone_users.zone, post.pk), HTTP_HX_REQUEST="true").status_code == expected
    )


def test_the_unit_head_of_the_origin_item_follows_the_publications_without_actions(en, zone_users):
    item = make_item(zone_users.zone, submitted_by=zone_users.unit_head)
    post = approved_post(zone_users, item=item)
    set_status(post, Status.UNKNOWN)
    en.force_login(zone_users.unit_head)
    page = en.get(url("post_publications", zone_users.zone, post.pk), HTTP_HX_REQUEST="true").content.decode()
    assert "Unknown: check the account" in page
    assert "publication_confirm_published" not in page
    assert url("publication_send_again", zone_users.zone, post.pk, x_publication(post).pk) not in page


def test_the_publications_block_sends_anonymous_visitors_to_login(client, zone_users):
    post = approved_post(zone_users)
    anonymous_is_sent_to_login(client, url("post_publications", zone_users.zone, post.pk))


def test_an_unknown_post_is_a_404(client, zone_users):
    client.force_login(zone_users.officer)
    assert client.get(url("post_publications", zone_users.zone, 999999)).status_code == 404


@pytest.mark.parametrize("status", [Status.PENDING, Status.QUEUED, Status.SENDING, Status.RETRYING])
def test_the_block_polls_while_publications_are_on_their_way(client, zone_users, status):
    post = approved_post(zone_users)
    set_status(post, status)
    client.force_login(zone_users.officer)
    for page_url in (url("post_publications", zone_users.zone, post.pk), url("post_detail", zone_users.zone, post.pk)):
        page = client.get(page_url, HTTP_HX_REQUEST="true").content.decode()
        assert 'hx-trigger="every 5s"' in page
        assert f'hx-get="{url("post_publications", zone_users.zone, post.pk)}"' in page


@pytest.mark.parametrize("status", [Status.PUBLISHED, Status.FAILED, Status.UNKNOWN, Status.CANCELLED])
def test_the_block_stops_polling_once_everything_is_settled(client, zone_users, status):
    post = approved_post(zone_users)
    set_status(post, status)
    client.force_login(zone_users.officer)
    page = client.get(url("post_publications", zone_users.zone, post.pk), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="publications"' in page
    assert "hx-trigger" not in page and "hx-get" not in page


def test_one_settled_and_one_on_its_way_still_polls(client, zone_users):
    post = approved_post(zone_users)
    set_status(post, Status.PUBLISHED)
    Publication.objects.filter(pk=x_publication(post).pk).update(status=Status.RETRYING)
    client.force_login(zone_users.officer)
    assert (
        'hx-trigger="every 5s"'
        in client.get(url("post_publications", zone_users.zone, post.pk), HTTP_HX_REQUEST="true").content.decode()
    )


def test_the_block_shows_status_time_attempts_link_and_error(en, zone_users):
    post = approved_post(zone_users)
    x = x_publication(post)
    Publication.objects.filter(pk=x.pk).update(
        status=Status.PUBLISHED,
        external_id="99",
        external_url="https://x.com/zp/status/99",
        published_at=timezone.now(),
    )
    Publication.objects.filter(post=post).exclude(pk=x.pk).update(
        status=Status.RETRYING, attempts=2, last_error="<script>alert(1)</script> limite atteinte"
    )
    en.force_login(zone_users.director)
    page = en.get(url("post_publications", zone_users.zone, post.pk), HTTP_HX_REQUEST="true").content.decode()
    assert 'href="https://x.com/zp/status/99"' in page
    assert "next attempt on" in page
    assert "<td>2</td>" in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; limite atteinte" in page


def test_only_web_addresses_become_links(en, zone_users):
    post = approved_post(zone_users)
    set_status(post, Status.QUEUED, external_url="javascript:alert(1)")
    en.force_login(zone_users.officer)
    page = en.get(url("post_publications", zone_users.zone, post.pk), HTTP_HX_REQUEST="true").content.decode()
    assert "javascript:alert(1)" not in page


def test_an_unknown_outcome_is_loud_and_offers_both_decisions_to_the_officer(en, zone_users):
    post = approved_post(zone_users)
    set_status(post, Status.UNKNOWN)
    en.force_login(zone_users.officer)
    page = en.get(url("post_detail", zone_users.zone, post.pk)).content.decode()
    x = x_publication(post)
    assert "table-danger" in page
    assert "nobody knows whether the post went out" in page
    assert url("publication_confirm_published", zone_users.zone, post.pk, x.pk) in page
    assert url("publication_send_again", zone_users.zone, post.pk, x.pk) in page
    assert "I checked the account: the post is not there" in page
    # Something may be online: cancelling is not offered.
    assert url("post_cancel", zone_users.zone, post.pk) not in page


def test_the_director_sees_the_unknown_outcome_but_not_the_decisions(en, zone_users):
    post = approved_post(zone_users)
    set_status(post, Status.UNKNOWN)
    en.force_login(zone_users.director)
    page = en.get(url("post_detail", zone_users.zone, post.pk)).content.decode()
    assert "nobody knows whether the post went out" in page
    assert url("publication_confirm_published", zone_users.zone, post.pk, x_publication(post).pk) not in page
    assert url("post_publish_now", zone_users.zone, post.pk) not in page


# --- "It was published" ------------------------------------------------------------------------------------


def test_confirm_published_records_the_link_and_publishes_the_post(en, zone_users):
    post = approved_post(zone_users)
    set_status(post, Status.UNKNOWN)
    x = x_publication(post)
    en.force_login(zone_users.officer)
    prefix = f"publication-{x.pk}"
    response = en.post(
        url("publication_confirm_published", zone_users.zone, post.pk, x.pk),
        {f"{prefix}-url": "https://x.com/zp_monsquevy/status/1234"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#publications")
    x.refresh_from_db()
    assert x.status == Status.PUBLISHED and x.external_url == "https://x.com/zp_monsquevy/status/1234"
    assert AuditEvent.objects.filter(action="editorial.publication.confirm_published", object_id=str(x.pk)).exists()
    assert any("recorded as published" in m for m in messages_of(response))
    # Facebook is still unknown: the post is not published yet.
    assert Post.objects.get(pk=post.pk).status == Post.Status.APPROVED


@pytest.mark.parametrize(
    "typed",
    [
        "javascript:alert(1)",
        "pas une adresse <b>",
        "   ",
        "x" * 600,
        # Found by tests/fuzz: urlparse raises on these, which was a server error.
        "https://[",
        "https://[x.com]/status/1",
    ],
)
def test_confirm_published_with_a_bad_address_keeps_the_text_and_says_why(en, zone_users, typed):
    post = approved_post(zone_users)
    set_status(post, Status.UNKNOWN)
    x = x_publication(post)
    en.force_login(zone_users.officer)
    response = en.post(
        url("publication_confirm_published", zone_users.zone, post.pk, x.pk), {f"publication-{x.pk}-url": typed}
    )
    assert response.status_code == 200
    page = response.content.decode()
    x.refresh_from_db()
    assert x.status == Status.UNKNOWN
    assert "invalid-feedback" in page
    if typed.strip() and len(typed) <= 500:
        assert "Paste the address of the published post" in page
        assert f'value="{typed.replace("<", "&lt;").replace(">", "&gt;")}"' in page
    assert "<b>" not in page.split('id="publications"')[1]


def test_confirm_published_when_already_settled_is_a_message(en, zone_users):
    post = approved_post(zone_users)
    set_status(post, Status.PENDING)
    x = x_publication(post)
    en.force_login(zone_users.officer)
    response = en.post(
        url("publication_confirm_published", zone_users.zone, post.pk, x.pk),
        {f"publication-{x.pk}-url": "https://x.com/a/status/1"},
        follow=True,
    )
    assert "Only a publication whose outcome is unknown or failed" in response.content.decode()
    x.refresh_from_db()
    assert x.status == Status.PENDING


@pytest.mark.parametrize(("role", "expected"), [("director", 403), ("admin", 403), ("outsider", 404)])
def test_only_the_officer_settles_an_unknown_outcome(client, zone_users, role, expected):
    post = approved_post(zone_users)
    set_status(post, Status.UNKNOWN)
    x = x_publication(post)
    client.force_login(getattr(zone_users, role))
    for name, data in (
        ("publication_confirm_published", {f"publication-{x.pk}-url": "https://x.com/a/status/1"}),
        ("publication_send_again", {f"publication-{x.pk}-checked": "on"}),
    ):
        assert client.post(url(name, zone_users.zone, post.pk, x.pk), data).status_code == expected
    x.refresh_from_db()
    assert x.status == Status.UNKNOWN


def test_the_decisions_are_post_only_and_check_the_publication_belongs_to_the_post(client, zone_users):
    post = approved_post(zone_users)
    other = approved_post(zone_users, title="Autre")
    set_status(other, Status.UNKNOWN)
    client.force_login(zone_users.officer)
    foreign = x_publication(other)
    assert client.get(url("publication_send_again", zone_users.zone, post.pk, foreign.pk)).status_code == 405
    response = client.post(
        url("publication_send_again", zone_users.zone, post.pk, foreign.pk), {f"publication-{foreign.pk}-checked": "on"}
    )
    assert response.status_code == 404
    anonymous_is_sent_to_login(client, url("publication_send_again", zone_users.zone, post.pk, foreign.pk), "post")


# --- "Send it again" -------------------------------------------------------------------------------------


def test_send_again_without_the_confirmation_is_refused(en, zone_users, celery_outbox):
    post = approved_post(zone_users)
    set_status(post, Status.UNKNOWN)
    x = x_publication(post)
    celery_outbox.clear()
    en.force_login(zone_users.officer)
    response = en.post(url("publication_send_again", zone_users.zone, post.pk, x.pk), {})
    assert response.status_code == 200
    assert "Check the account first, then tick this box" in response.content.decode()
    x.refresh_from_db()
    assert x.status == Status.UNKNOWN
    assert not publish_tasks(celery_outbox)
    assert not AuditEvent.objects.filter(action="editorial.publication.send_again").exists()


def test_send_again_with_the_confirmation_enqueues_a_publish_task(
    en, zone_users, celery_outbox, django_capture_on_commit_callbacks
):
    post = approved_post(zone_users)
    set_status(post, Status.UNKNOWN)
    x = x_publication(post)
    celery_outbox.clear()
    en.force_login(zone_users.officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = en.post(
            url("publication_send_again", zone_users.zone, post.pk, x.pk), {f"publication-{x.pk}-checked": "on"}
        )
    assert response.status_code == 302
    x.refresh_from_db()
    # Pending again, and claimed at once by the dispatcher since its time is now.
    assert x.status in (Status.PENDING, Status.QUEUED)
    assert [t.args for t in publish_tasks(celery_outbox)] == [(x.pk,)]
    event = AuditEvent.objects.get(action="editorial.publication.send_again")
    assert event.actor == zone_users.officer and event.data["previous_status"] == Status.UNKNOWN
    assert any("sent again" in m for m in messages_of(response))


def test_send_again_while_the_zone_is_paused_waits_for_the_resume(
    en, zone_users, celery_outbox, django_capture_on_commit_callbacks
):
    post = approved_post(zone_users)
    set_status(post, Status.FAILED)
    zone_users.zone.__class__.objects.filter(pk=zone_users.zone.pk).update(
        publishing_paused=True, publishing_paused_reason="Crise"
    )
    x = x_publication(post)
    celery_outbox.clear()
    en.force_login(zone_users.officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = en.post(
            url("publication_send_again", zone_users.zone, post.pk, x.pk), {f"publication-{x.pk}-checked": "on"}
        )
    x.refresh_from_db()
    assert x.status == Status.PENDING
    assert not publish_tasks(celery_outbox)
    assert any("once publishing is resumed" in m for m in messages_of(response))


def test_send_again_is_not_offered_once_the_post_is_no_longer_approved(en, zone_users):
    post = approved_post(zone_users)
    set_status(post, Status.FAILED)
    Post.objects.filter(pk=post.pk).update(status=Post.Status.DRAFT)
    x = x_publication(post)
    en.force_login(zone_users.officer)
    page = en.get(url("post_detail", zone_users.zone, post.pk)).content.decode()
    assert url("publication_send_again", zone_users.zone, post.pk, x.pk) not in page
    assert url("publication_confirm_published", zone_users.zone, post.pk, x.pk) in page
    assert "it can be sent again only after a new approval" in page
    response = en.post(
        url("publication_send_again", zone_users.zone, post.pk, x.pk), {f"publication-{x.pk}-checked": "on"}
    )
    assert response.status_code == 302
    assert any("approved post can be sent again" in m for m in messages_of(response))
    x.refresh_from_db()
    assert x.status == Status.FAILED


# --- "Leave it unsent" -------------------------------------------------------------------------------------


def test_an_unknown_outcome_left_unsent_is_closed_with_its_reason_and_the_post_completes(en, zone_users):
    post = approved_post(zone_users)
    set_status(post, Status.UNKNOWN)
    Publication.objects.filter(post=post, channel__kind=Channel.Kind.FACEBOOK).update(
        status=Status.PUBLISHED, external_id="9", published_at=timezone.now()
    )
    x = x_publication(post)
    en.force_login(zone_users.officer)
    page = en.get(url("post_detail", zone_users.zone, post.pk)).content.decode()
    target = url("publication_leave_unsent", zone_users.zone, post.pk, x.pk)
    assert target in page and "Leave it unsent" in page

    response = en.post(target, {f"publication-{x.pk}-reason": "Le contrôle est terminé, plus la peine"})
    assert response.status_code == 302 and response["Location"].endswith("#publications")
    assert any("will not be sent" in m for m in messages_of(response))
    x.refresh_from_db()
    assert x.status == Status.CANCELLED
    assert "Le contrôle est terminé" in x.last_error and zone_users.officer.username in x.last_error
    event = AuditEvent.objects.get(action="editorial.publication.leave_unsent", object_id=str(x.pk))
    assert event.actor == zone_users.officer
    assert (
        event.data["reason"] == "Le contrôle est terminé, plus la peine" and event.data["previous_status"] == "unknown"
    )
    # Facebook is out, X will not be: nothing is left to settle, the post is published.
    assert Post.objects.get(pk=post.pk).status == Post.Status.PUBLISHED
    assert not Publication.objects.filter(post=post, status__in=[Status.UNKNOWN, Status.FAILED]).exists()


def test_leaving_unsent_needs_a_reason_and_keeps_the_outcome_otherwise(en, zone_users):
    post = approved_post(zone_users)
    set_status(post, Status.UNKNOWN)
    x = x_publication(post)
    en.force_login(zone_users.officer)
    response = en.post(
        url("publication_leave_unsent", zone_users.zone, post.pk, x.pk), {f"publication-{x.pk}-reason": "   "}
    )
    assert response.status_code == 200
    assert "Say why it will not be sent" in response.content.decode()
    x.refresh_from_db()
    assert x.status == Status.UNKNOWN


def test_a_post_whose_every_channel_is_left_unsent_is_not_published_and_can_be_cancelled(en, zone_users):
    post = approved_post(zone_users)
    set_status(post, Status.FAILED)
    en.force_login(zone_users.officer)
    for publication in Publication.objects.filter(post=post):
        en.post(
            url("publication_leave_unsent", zone_users.zone, post.pk, publication.pk),
            {f"publication-{publication.pk}-reason": "Annulé par la zone"},
        )
    assert set(Publication.objects.filter(post=post).values_list("status", flat=True)) == {Status.CANCELLED}
    assert Post.objects.get(pk=post.pk).status == Post.Status.APPROVED
    response = en.post(url("post_cancel", zone_users.zone, post.pk), {"cancel-reason": "Plus d'actualité"})
    assert response.status_code == 302
    assert Post.objects.get(pk=post.pk).status == Post.Status.CANCELLED


def test_a_settled_publication_cannot_be_left_unsent(en, zone_users):
    post = approved_post(zone_users)
    set_status(post, Status.PUBLISHED)
    x = x_publication(post)
    en.force_login(zone_users.officer)
    response = en.post(
        url("publication_leave_unsent", zone_users.zone, post.pk, x.pk), {f"publication-{x.pk}-reason": "Erreur"}
    )
    assert response.status_code == 302
    assert any("unknown or failed can be left unsent" in m for m in messages_of(response))
    x.refresh_from_db()
    assert x.status == Status.PUBLISHED


# --- Publish now and cancel ---------------------------------------------------------------------------


def test_publish_now_queues_every_channel(en, zone_users, celery_outbox, django_capture_on_commit_callbacks):
    post = approved_post(zone_users, planned_at=timezone.now() + timedelta(days=2))
    celery_outbox.clear()
    en.force_login(zone_users.officer)
    page = en.get(url("post_detail", zone_users.zone, post.pk)).content.decode()
    assert url("post_publish_now", zone_users.zone, post.pk) in page
    with django_capture_on_commit_callbacks(execute=True):
        response = en.post(url("post_publish_now", zone_users.zone, post.pk))
    assert response.status_code == 302
    assert set(Publication.objects.filter(post=post).values_list("status", flat=True)) == {Status.QUEUED}
    assert len(publish_tasks(celery_outbox)) == 2
    assert AuditEvent.objects.filter(action="editorial.post.publish_now", actor=zone_users.officer).exists()
    assert any("being sent now" in m for m in messages_of(response))


def test_publish_now_while_paused_says_nothing_was_sent(en, zone_users, celery_outbox):
    post = approved_post(zone_users)
    Channel.objects.filter(zone=zone_users.zone).update(status=Channel.Status.PAUSED, status_reason="Maintenance")
    celery_outbox.clear()
    en.force_login(zone_users.officer)
    response = en.post(url("post_publish_now", zone_users.zone, post.pk))
    assert any("Nothing could be sent now" in m for m in messages_of(response))
    assert set(Publication.objects.filter(post=post).values_list("status", flat=True)) == {Status.PENDING}


def test_publish_now_on_a_draft_is_a_message(en, zone_users):
    post = make_post(zone_users.zone, zone_users.officer)
    en.force_login(zone_users.officer)
    response = en.post(url("post_publish_now", zone_users.zone, post.pk))
    assert response.status_code == 302
    assert any("Only an approved post" in m for m in messages_of(response))


@pytest.mark.parametrize(
    ("role", "expected"), [("director", 403), ("admin", 403), ("unit_head", 403), ("outsider", 404)]
)
def test_publish_now_and_cancel_are_for_the_officer(client, zone_users, role, expected):
    item = make_item(zone_users.zone, submitted_by=zone_users.unit_head)
    post = approved_post(zone_users, item=item)
    client.force_login(getattr(zone_users, role))
    assert client.post(url("post_publish_now", zone_users.zone, post.pk)).status_code == expected
    assert client.post(url("post_cancel", zone_users.zone, post.pk), {"cancel-reason": "Non"}).status_code == expected
    assert set(Publication.objects.filter(post=post).values_list("status", flat=True)) == {Status.PENDING}
    assert Post.objects.get(pk=post.pk).status == Post.Status.APPROVED


def test_publish_now_and_cancel_send_anonymous_visitors_to_login(client, zone_users):
    post = approved_post(zone_users)
    anonymous_is_sent_to_login(client, url("post_publish_now", zone_users.zone, post.pk), "post")
    anonymous_is_sent_to_login(client, url("post_cancel", zone_users.zone, post.pk), "post")
    assert Post.objects.get(pk=post.pk).status == Post.Status.APPROVED


def test_cancel_without_a_reason_is_refused_and_says_why(en, zone_users):
    post = approved_post(zone_users)
    en.force_login(zone_users.officer)
    response = en.post(url("post_cancel", zone_users.zone, post.pk), {"cancel-reason": "  "})
    assert response.status_code == 200
    assert "Say why: the team will read it." in response.content.decode()
    assert Post.objects.get(pk=post.pk).status == Post.Status.APPROVED


def test_cancel_with_a_reason_withdraws_the_post(en, zone_users):
    post = approved_post(zone_users)
    en.force_login(zone_users.officer)
    response = en.post(
        url("post_cancel", zone_users.zone, post.pk), {"cancel-reason": "Contrôle annulé par le parquet"}
    )
    assert response.status_code == 302
    assert Post.objects.get(pk=post.pk).status == Post.Status.CANCELLED
    assert set(Publication.objects.filter(post=post).values_list("status", flat=True)) == {Status.CANCELLED}
    event = AuditEvent.objects.get(action="editorial.post.cancel")
    assert event.data["reason"] == "Contrôle annulé par le parquet"
    assert any("cancelled" in m for m in messages_of(response))


def test_cancel_a_post_that_may_be_online_is_refused_with_a_message(en, zone_users):
    post = approved_post(zone_users)
    Publication.objects.filter(pk=x_publication(post).pk).update(status=Status.UNKNOWN, last_error="Délai")
    en.force_login(zone_users.officer)
    response = en.post(url("post_cancel", zone_users.zone, post.pk), {"cancel-reason": "Trop tard"})
    assert response.status_code == 302
    assert any("settle its publications" in m for m in messages_of(response))
    assert Post.objects.get(pk=post.pk).status == Post.Status.APPROVED


def test_a_draft_can_be_cancelled_too(en, zone_users):
    post = make_post(zone_users.zone, zone_users.officer)
    en.force_login(zone_users.officer)
    page = en.get(url("post_detail", zone_users.zone, post.pk)).content.decode()
    assert url("post_cancel", zone_users.zone, post.pk) in page
    assert url("post_publish_now", zone_users.zone, post.pk) not in page
    en.post(url("post_cancel", zone_users.zone, post.pk), {"cancel-reason": "Doublon"})
    assert Post.objects.get(pk=post.pk).status == Post.Status.CANCELLED


# --- The channels page ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [("officer", 200), ("director", 200), ("admin", 200), ("unit_head", 403), ("outsider", 404), ("nobody", 404)],
)
def test_the_channels_page_is_for_who_may_pause(client, zone_users, role, expected):
    client.force_login(getattr(zone_users, role))
    assert client.get(url("channels", zone_users.zone)).status_code == expected


def test_the_channels_page_sends_anonymous_visitors_to_login(client, zone_users):
    anonymous_is_sent_to_login(client, url("channels", zone_users.zone))


@pytest.mark.parametrize(
    ("role", "linked"), [("officer", True), ("director", True), ("admin", True), ("unit_head", False)]
)
def test_the_zone_nav_links_the_channels_page(client, zone_users, role, linked):
    client.force_login(getattr(zone_users, role))
    page = client.get(url("zone_dashboard", zone_users.zone)).content.decode()
    assert (url("channels", zone_users.zone) in page) is linked


def test_the_channels_page_lists_each_channel(en, zone_users):
    x = Channel.objects.get(zone=zone_users.zone, kind=Channel.Kind.X)
    x.set_credentials({"access_token": SECRET})
    x.save()
    Channel.objects.filter(zone=zone_users.zone, kind=Channel.Kind.FACEBOOK).update(
        status=Channel.Status.PAUSED, status_reason="Page en maintenance"
    )
    en.force_login(zone_users.officer)
    page = en.get(url("channels", zone_users.zone)).content.decode()
    assert x.handle in page
    assert "Credentials set" in page and "No credentials" in page
    assert "Page en maintenance" in page
    assert "Pause all publishing" in page
    assert url("channel_test", zone_users.zone, x.pk) in page


@pytest.mark.parametrize(("role", "can_test"), [("officer", True), ("admin", True), ("director", False)])
def test_the_connection_test_is_offered_to_the_officer_and_the_admin(client, zone_users, role, can_test):
    x = Channel.objects.get(zone=zone_users.zone, kind=Channel.Kind.X)
    client.force_login(getattr(zone_users, role))
    page = client.get(url("channels", zone_users.zone)).content.decode()
    assert (url("channel_test", zone_users.zone, x.pk) in page) is can_test


def test_pause_all_publishing_needs_a_reason(en, zone_users):
    en.force_login(zone_users.director)
    response = en.post(url("zone_pause", zone_users.zone), {"zone-reason": ""})
    assert response.status_code == 200
    assert "Say why: the team will read it." in response.content.decode()
    zone_users.zone.refresh_from_db()
    assert not zone_users.zone.publishing_paused
    assert not AuditEvent.objects.filter(action="editorial.zone.pause").exists()


@pytest.mark.parametrize("role", ["officer", "director", "admin"])
def test_pause_and_resume_all_publishing(en, zone_users, role):
    user = getattr(zone_users, role)
    en.force_login(user)
    response = en.post(url("zone_pause", zone_users.zone), {"zone-reason": "Attentat: silence radio"})
    assert response.status_code == 302
    zone_users.zone.refresh_from_db()
    assert zone_users.zone.publishing_paused
    assert zone_users.zone.publishing_paused_reason == "Attentat: silence radio"
    assert AuditEvent.objects.filter(action="editorial.zone.pause", actor=user).exists()
    assert any("paused" in m for m in messages_of(response))
    page = en.get(url("channels", zone_users.zone)).content.decode()
    assert "Attentat: silence radio" in page and "Resume publishing" in page
    response = en.post(url("zone_resume", zone_users.zone), {"resume-reason": ""})
    assert response.status_code == 302
    zone_users.zone.refresh_from_db()
    assert not zone_users.zone.publishing_paused
    assert AuditEvent.objects.filter(action="editorial.zone.resume", actor=user).exists()


def test_resume_keeps_an_optional_note(en, zone_users):
    zone_users.zone.__class__.objects.filter(pk=zone_users.zone.pk).update(publishing_paused=True)
    en.force_login(zone_users.officer)
    en.post(url("zone_resume", zone_users.zone), {"resume-reason": "Fin de l'alerte"})
    assert AuditEvent.objects.get(action="editorial.zone.resume").data["reason"] == "Fin de l'alerte"


@pytest.mark.parametrize(("role", "expected"), [("unit_head", 403), ("outsider", 404)])
def test_pauses_are_refused_to_others(client, zone_users, role, expected):
    x = Channel.objects.get(zone=zone_users.zone, kind=Channel.Kind.X)
    client.force_login(getattr(zone_users, role))
    assert client.post(url("zone_pause", zone_users.zone), {"zone-reason": "Non"}).status_code == expected
    assert client.post(url("zone_resume", zone_users.zone)).status_code == expected
    assert client.post(url("channel_pause", zone_users.zone, x.pk), {f"channel-{x.pk}-reason": "Non"}).status_code == (
        expected
    )
    assert client.post(url("channel_resume", zone_users.zone, x.pk)).status_code == expected
    assert client.post(url("channel_test", zone_users.zone, x.pk)).status_code == expected
    zone_users.zone.refresh_from_db()
    x.refresh_from_db()
    assert not zone_users.zone.publishing_paused and x.status == Channel.Status.ACTIVE


def test_pause_actions_send_anonymous_visitors_to_login(client, zone_users):
    x = Channel.objects.get(zone=zone_users.zone, kind=Channel.Kind.X)
    for name, args in (("zone_pause", ()), ("zone_resume", ()), ("channel_pause", (x.pk,)), ("channel_test", (x.pk,))):
        anonymous_is_sent_to_login(client, url(name, zone_users.zone, *args), "post")


def test_pause_a_channel_needs_a_reason(en, zone_users):
    x = Channel.objects.get(zone=zone_users.zone, kind=Channel.Kind.X)
    en.force_login(zone_users.officer)
    response = en.post(url("channel_pause", zone_users.zone, x.pk), {f"channel-{x.pk}-reason": ""})
    assert response.status_code == 200
    assert "Say why: the team will read it." in response.content.decode()
    x.refresh_from_db()
    assert x.status == Channel.Status.ACTIVE


def test_pause_and_resume_a_channel(en, zone_users):
    x = Channel.objects.get(zone=zone_users.zone, kind=Channel.Kind.X)
    en.force_login(zone_users.director)
    response = en.post(url("channel_pause", zone_users.zone, x.pk), {f"channel-{x.pk}-reason": "Compte piraté?"})
    assert response.status_code == 302
    x.refresh_from_db()
    assert x.status == Channel.Status.PAUSED and x.status_reason == "Compte piraté?"
    assert AuditEvent.objects.filter(action="editorial.channel.pause", object_id=str(x.pk)).exists()
    en.post(url("channel_resume", zone_users.zone, x.pk))
    x.refresh_from_db()
    assert x.status == Channel.Status.ACTIVE
    assert AuditEvent.objects.filter(action="editorial.channel.resume", object_id=str(x.pk)).exists()


def test_a_channel_to_reconnect_cannot_simply_be_resumed(en, zone_users):
    x = Channel.objects.get(zone=zone_users.zone, kind=Channel.Kind.X)
    Channel.objects.filter(pk=x.pk).update(status=Channel.Status.NEEDS_RECONNECT, status_reason="Jeton expiré")
    en.force_login(zone_users.admin)
    page = en.get(url("channels", zone_users.zone)).content.decode()
    assert "An administrator must paste new credentials in the set-up, then test the connection" in page
    assert reverse("admin:editorial_channel_change", args=[x.pk]) in page
    response = en.post(url("channel_resume", zone_users.zone, x.pk))
    assert any("must be reconnected" in m for m in messages_of(response))
    x.refresh_from_db()
    assert x.status == Channel.Status.NEEDS_RECONNECT


def test_another_zones_channel_is_a_404(client, zone_users):
    theirs = Channel.objects.exclude(zone=zone_users.zone).first()
    client.force_login(zone_users.officer)
    assert client.post(url("channel_pause", zone_users.zone, theirs.pk), {"reason": "x"}).status_code == 404
    assert client.post(url("channel_test", zone_users.zone, theirs.pk)).status_code == 404
    assert client.post(url("channel_resume", zone_users.zone, 999999)).status_code == 404


def test_test_connection_shows_the_account(en, zone_users):
    x = Channel.objects.get(zone=zone_users.zone, kind=Channel.Kind.X)
    en.force_login(zone_users.officer)
    response = en.post(url("channel_test", zone_users.zone, x.pk), follow=True)
    assert "works: the account is @zp_monsquevy" in response.content.decode()
    assert AuditEvent.objects.get(action="editorial.channel.test_connection").data["ok"] is True


def test_test_connection_shows_the_failure(en, zone_users):
    x = Channel.objects.get(zone=zone_users.zone, kind=Channel.Kind.X)
    SCRIPT.append(PublishError("X ne répond pas <b>", kind=ErrorKind.RETRY))
    en.force_login(zone_users.admin)
    response = en.post(url("channel_test", zone_users.zone, x.pk), follow=True)
    page = response.content.decode()
    assert "does not work: X ne répond pas &lt;b&gt;" in page
    x.refresh_from_db()
    assert x.status == Channel.Status.ACTIVE


def test_a_refused_credential_makes_the_channel_need_reconnecting(en, zone_users):
    x = Channel.objects.get(zone=zone_users.zone, kind=Channel.Kind.X)
    SCRIPT.append(PublishError("Identifiants refusés", kind=ErrorKind.PERMANENT, needs_reconnect=True))
    en.force_login(zone_users.officer)
    page = en.post(url("channel_test", zone_users.zone, x.pk), follow=True).content.decode()
    assert "Identifiants refusés" in page
    assert "An administrator must paste new credentials in the set-up" in page
    x.refresh_from_db()
    assert x.status == Channel.Status.NEEDS_RECONNECT
    # A later successful test (after new credentials) makes it active again.
    en.post(url("channel_test", zone_users.zone, x.pk))
    x.refresh_from_db()
    assert x.status == Channel.Status.ACTIVE


def test_the_director_may_not_test_a_connection(client, zone_users):
    x = Channel.objects.get(zone=zone_users.zone, kind=Channel.Kind.X)
    client.force_login(zone_users.director)
    assert client.post(url("channel_test", zone_users.zone, x.pk)).status_code == 403
    assert not AuditEvent.objects.filter(action="editorial.channel.test_connection").exists()


# --- Credentials never reach a page -------------------------------------------------------------------


def test_credentials_never_appear_on_any_page(client, zone_users):
    zone = zone_users.zone
    for channel in Channel.objects.filter(zone=zone):
        channel.set_credentials({"access_token": SECRET, "api_secret": SECRET + "-2"})
        channel.save()
        Channel.objects.filter(pk=channel.pk).update(status_reason="Motif")
    post = approved_post(zone_users)
    set_status(post, Status.UNKNOWN)
    encrypted = Channel.objects.filter(zone=zone).values_list("credentials_encrypted", flat=True)
    raw_tokens = [
        row[0]
        for row in Channel.objects.filter(zone=zone).extra(select={"raw": "credentials_encrypted"}).values_list("raw")
    ]
    pages = [
        url("channels", zone),
        url("post_detail", zone, post.pk),
        url("post_publications", zone, post.pk),
        url("zone_dashboard", zone),
    ]
    for role in ("officer", "director", "admin"):
        client.force_login(getattr(zone_users, role))
        for page_url in pages:
            page = client.get(page_url, HTTP_HX_REQUEST="true").content.decode()  # the block as htmx polls it
            assert SECRET not in page, (role, page_url)
            for token in [*encrypted, *raw_tokens]:
                assert token[:40] not in page


# --- The dashboard ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["officer", "unit_head", "director", "admin"])
def test_a_paused_zone_shows_a_red_banner_on_every_dashboard(en, zone_users, role):
    zone_users.zone.__class__.objects.filter(pk=zone_users.zone.pk).update(
        publishing_paused=True, publishing_paused_reason="Deuil national <i>"
    )
    en.force_login(getattr(zone_users, role))
    page = en.get(url("zone_dashboard", zone_users.zone)).content.decode()
    banner = page.split('id="publishing-paused"')[1].split("</div>\n</div>")[0]
    assert "Publishing is paused in the whole zone" in banner
    assert "Deuil national &lt;i&gt;" in banner
    assert (url("channels", zone_users.zone) in banner) is (role != "unit_head")


def test_no_banner_when_publishing_runs(client, zone_users):
    client.force_login(zone_users.officer)
    assert 'id="publishing-paused"' not in client.get(url("zone_dashboard", zone_users.zone)).content.decode()


@pytest.mark.parametrize(("role", "alerted"), [("officer", True), ("director", True), ("unit_head", False)])
def test_late_publications_are_shown_even_with_beat_down(en, zone_users, role, alerted):
    # Beat never ran: nothing dispatched, no alert sent, no heartbeat. The database alone tells.
    post = approved_post(zone_users, title="Radar en retard")
    Publication.objects.filter(post=post).update(next_attempt_at=timezone.now() - timedelta(minutes=10, seconds=5))
    en.force_login(getattr(zone_users, role))
    page = en.get(url("zone_dashboard", zone_users.zone)).content.decode()
    assert ('id="late-publications"' in page) is alerted
    if alerted:
        late = page.split('id="late-publications"')[1].split("</section>")[0]
        assert "Radar en retard" in late
        assert "not sent 10 min after its time" in late
        assert "the publishing service may be stopped. Ask your IT support to check it." in late
        assert f"{url('post_detail', zone_users.zone, post.pk)}#publications" in late
        assert 'id="worker-warning"' in page
        assert "the publishing service has never answered" in page


def test_a_late_publication_on_a_channel_to_reconnect_says_so(en, zone_users):
    post = approved_post(zone_users, title="Radar bloqué")
    Publication.objects.filter(post=post).update(next_attempt_at=timezone.now() - timedelta(minutes=5))
    Channel.objects.filter(zone=zone_users.zone, kind=Channel.Kind.X).update(status=Channel.Status.NEEDS_RECONNECT)
    en.force_login(zone_users.officer)
    late = en.get(url("zone_dashboard", zone_users.zone)).content.decode().split('id="late-publications"')[1]
    assert "its channel must be reconnected" in late.split("</section>")[0]


def test_typing_in_the_decision_forms_survives_the_polling(client, zone_users):
    post = approved_post(zone_users)
    set_status(post, Status.UNKNOWN)
    Publication.objects.exclude(pk=x_publication(post).pk).filter(post=post).update(status=Status.RETRYING)
    client.force_login(zone_users.officer)
    page = client.get(url("post_publications", zone_users.zone, post.pk), HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 5s"' in page
    pk = x_publication(post).pk
    for name in ("url", "checked"):
        field = page.split(f'name="publication-{pk}-{name}"')[1].split(">")[0]
        assert "hx-preserve" in field and f'id="id_publication-{pk}-{name}"' in field


def test_a_deliberate_pause_is_not_late(client, zone_users):
    post = approved_post(zone_users)
    Publication.objects.filter(post=post).update(next_attempt_at=timezone.now() - timedelta(minutes=10))
    zone_users.zone.__class__.objects.filter(pk=zone_users.zone.pk).update(publishing_paused=True)
    client.force_login(zone_users.officer)
    assert 'id="late-publications"' not in client.get(url("zone_dashboard", zone_users.zone)).content.decode()


def test_a_stale_heartbeat_is_a_warning(en, zone_users):
    publishing.heartbeat_record(now=timezone.now() - timedelta(minutes=5))
    en.force_login(zone_users.director)
    page = en.get(url("zone_dashboard", zone_users.zone)).content.decode()
    assert "The publishing service has not answered since" in page.split('id="worker-warning"')[1]


def test_a_fresh_heartbeat_or_nothing_due_is_no_warning(client, zone_users):
    client.force_login(zone_users.officer)
    # Never seen, but nothing is due: a fresh install is not an incident.
    approved_post(zone_users)
    assert 'id="worker-warning"' not in client.get(url("zone_dashboard", zone_users.zone)).content.decode()
    publishing.heartbeat_record(now=timezone.now() - timedelta(seconds=20))
    assert 'id="worker-warning"' not in client.get(url("zone_dashboard", zone_users.zone)).content.decode()


def test_publications_that_need_the_officer_link_to_the_block(client, zone_users):
    post = approved_post(zone_users, title="Échec X")
    set_status(post, Status.FAILED)
    client.force_login(zone_users.officer)
    page = client.get(url("zone_dashboard", zone_users.zone)).content.decode()
    failures = page.split('id="failures"')[1].split("</section>")[0]
    assert f"{url('post_detail', zone_users.zone, post.pk)}#publications" in failures


# --- Query counts ---------------------------------------------------------------------------------------


def _add_channels(zone, count: int) -> None:
    start = Channel.objects.count()
    for n in range(count):
        channel = Channel.objects.create(
            zone=zone, kind=Channel.Kind.FACEBOOK, name=f"Page {n}", handle=f"p{start + n}"
        )
        channel.set_credentials({"token": SECRET})
        channel.save()


def test_the_channels_page_query_count_does_not_grow(client, zone_users, django_assert_max_num_queries):
    client.force_login(zone_users.officer)
    with django_assert_max_num_queries(10) as few:
        assert client.get(url("channels", zone_users.zone)).status_code == 200
    _add_channels(zone_users.zone, 40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url("channels", zone_users.zone)).content.decode()
    assert "Page 39" in page and SECRET not in page


def test_the_publications_block_query_count_does_not_grow(client, zone_users, django_assert_max_num_queries):
    post = approved_post(zone_users)
    client.force_login(zone_users.officer)

    def add_publications(count: int) -> None:
        start = Channel.objects.count()
        for n in range(count):
            channel = Channel.objects.create(
                zone=zone_users.zone, kind=Channel.Kind.FACEBOOK, name=f"Page {n}", handle=f"q{start + n}"
            )
            Publication.objects.create(
                post=post, channel=channel, status=Status.UNKNOWN if n % 2 else Status.RETRYING, last_error=f"E{n}"
            )

    add_publications(2)
    with django_assert_max_num_queries(10) as few:
        assert client.get(url("post_publications", zone_users.zone, post.pk), HTTP_HX_REQUEST="true").status_code == 200
    add_publications(40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url("post_publications", zone_users.zone, post.pk), HTTP_HX_REQUEST="true").content.decode()
    assert "E39" in page


def test_the_dashboard_alerts_query_count_does_not_grow(client, zone_users, django_assert_max_num_queries):
    client.force_login(zone_users.officer)
    late = timezone.now() - timedelta(minutes=30)
    post = approved_post(zone_users)
    Publication.objects.filter(post=post).update(next_attempt_at=late)
    # 24 since issue 14: the day at a glance (posts out today, coming or not ready, and their channels).
    with django_assert_max_num_queries(24) as few:
        client.get(url("zone_dashboard", zone_users.zone))
    for n in range(20):
        approved = approved_post(zone_users, title=f"Retard {n}")
        Publication.objects.filter(post=approved).update(next_attempt_at=late)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url("zone_dashboard", zone_users.zone)).content.decode()
    assert "Retard" in page.split('id="late-publications"')[1]


# --- The fragment opened directly; the post page's time once out (issue 12) -------------------------------------


def test_the_block_opened_in_the_browser_leads_to_the_post_pages_block(client, zone_users):
    post = approved_post(zone_users)
    client.force_login(zone_users.officer)
    response = client.get(url("post_publications", zone_users.zone, post.pk))
    assert response.status_code == 302
    assert response["Location"] == url("post_detail", zone_users.zone, post.pk) + "#publications"
    assert "HX-Request" in response["Vary"]
    polled = client.get(url("post_publications", zone_users.zone, post.pk), HTTP_HX_REQUEST="true")
    assert polled.status_code == 200 and "HX-Request" in polled["Vary"]


def test_the_polling_updates_the_posts_state_and_time(en, zone_users):
    post = approved_post(zone_users, planned_at=timezone.now() + timedelta(days=8))
    en.force_login(zone_users.officer)
    publishing.post_publish_now(actor=zone_users.officer, post=post)
    page = en.get(url("post_publications", zone_users.zone, post.pk), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="post-going-out" hx-swap-oob="true"' in page
    assert "being sent now" in page
    assert 'id="post-status" hx-swap-oob="true"' in page


def test_the_post_page_says_when_a_post_published_now_went_out(en, zone_users):
    planned = timezone.now() + timedelta(days=8)
    post = approved_post(zone_users, planned_at=planned)
    went_out = timezone.now() - timedelta(minutes=5)
    set_status(post, Status.PUBLISHED, published_at=went_out)
    Publication.objects.filter(pk=x_publication(post).pk).update(published_at=went_out + timedelta(minutes=1))
    Post.objects.filter(pk=post.pk).update(status=Post.Status.PUBLISHED)
    en.force_login(zone_users.officer)
    page = en.get(url("post_detail", zone_users.zone, post.pk)).content.decode()
    facts = page.split('id="post-going-out"')[1].split("</dl>")[0]
    local = timezone.localtime(went_out, zone_users.zone.tzinfo)
    assert "Published" in facts and local.strftime("%H:%M") in facts.split("Planned for")[0]
    assert timezone.localtime(planned, zone_users.zone.tzinfo).strftime("%H:%M") in facts.split("Planned for")[1]
    assert "status-post-published" in page


def test_every_status_has_its_colour_class(en, zone_users):
    post = approved_post(zone_users)
    set_status(post, Status.UNKNOWN)
    en.force_login(zone_users.officer)
    page = en.get(url("post_detail", zone_users.zone, post.pk)).content.decode()
    assert "status-badge status-post-approved" in page
    assert "status-badge status-publication-unknown" in page
