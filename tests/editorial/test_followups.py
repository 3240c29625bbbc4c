"""Follow-ups (issue 13, point 5): planned with a template instance, reminded once when due, published in two clicks as
a reply (X: in_reply_to_tweet_id through tweepy; Facebook: a comment through facebook-sdk, both against the fake at
the HTTP layer), or dismissed with a reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts.models import Grant, Membership, Role
from editorial import fastlane, followups
from editorial.errors import WorkflowError
from editorial.models import (
    AuditEvent,
    Category,
    Channel,
    FollowUp,
    Post,
    Publication,
    ReviewAfter,
    Template,
)
from tests.concurrency import at_once
from tests.editorial.followup_data import approved_template, mark_published, publish_instance, send_all
from tests.factories import make_member
from tests.fakes.social import Answer, FakeSocial, graph_error

X_CREDENTIALS = {
    "api_key": "consumer-key-1",
    "api_secret": "consumer-secret-1",
    "access_token": "token-1",
    "access_token_secret": "token-secret-1",
}
NIGHT = {"locality": "Quévy", "date": "2026-06-10", "from": "22:00", "until": "06:00"}


@pytest.fixture(autouse=True)
def locmem_publishers(settings):
    backend = {"BACKEND": "editorial.publishers.locmem.Publisher", "OPTIONS": {}}
    settings.PUBLISHERS = {"x": backend, "facebook": backend}


def instance(zone_users, values=NIGHT, **template_options):
    version = approved_template(zone_users.zone, zone_users.officer, **template_options)
    return publish_instance(version, actor=zone_users.officer, director=zone_users.director, values=values)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- The plan ------------------------------------------------------------------------------------------------


def test_an_instance_plans_its_follow_up_with_the_values_filled_in(zone_users):
    values = {"locality": "Quévy", "date": "2026-06-10", "from": "09:00", "until": "17:30"}
    post, follow_up = instance(zone_users, values=values)

    assert follow_up.post == post and follow_up.status == FollowUp.Status.PENDING
    assert follow_up.created_by == zone_users.officer
    channels = {str(c.pk) for c in Channel.objects.filter(zone=zone_users.zone)}
    assert set(follow_up.texts) == channels
    assert set(follow_up.texts.values()) == {"Route rouverte à Quévy. #Quevy"}
    # 17:30 in Brussels on 10 June (summer time) is 15:30 UTC.
    assert follow_up.due_at == utc(2026, 6, 10, 15, 30)
    assert AuditEvent.objects.filter(action="editorial.follow_up.plan", object_id=str(post.pk)).count() == 1


def test_a_night_closure_reopens_the_next_morning(zone_users):
    _post, follow_up = instance(zone_users, values=NIGHT)
    assert follow_up.due_at == utc(2026, 6, 11, 4, 0)  # 06:00 on 11 June, summer time


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        # The night clocks go forward (29 March 2026): 06:00 is summer time already, 04:00 UTC, not 05:00.
        ("2026-03-28", utc(2026, 3, 29, 4, 0)),
        # The night clocks go back (25 October 2026): 06:00 is winter time again, 05:00 UTC.
        ("2026-10-24", utc(2026, 10, 25, 5, 0)),
    ],
)
def test_the_next_day_is_a_calendar_day_across_the_clock_change(zone_users, date, expected):
    _post, follow_up = instance(zone_users, values={**NIGHT, "date": date})
    assert follow_up.due_at == expected


def test_without_until_and_date_it_comes_after_the_templates_delay(zone_users):
    before = timezone.now()
    post, follow_up = instance(
        zone_users,
        values={"locality": "Quévy"},
        text="Accident à {locality}, évitez le secteur.",
        follow_up="Le secteur de {locality} est dégagé.",
        follow_up_after_minutes=90,
    )
    assert follow_up.due_at == post.planned_at + timedelta(minutes=90)
    assert before + timedelta(minutes=90) <= follow_up.due_at <= timezone.now() + timedelta(minutes=90)


def test_a_template_without_follow_up_plans_nothing(zone_users):
    _post, follow_up = instance(zone_users, follow_up=None)
    assert follow_up is None
    assert not FollowUp.objects.exists()


def test_only_the_posts_channels_get_a_text(zone_users):
    version = approved_template(zone_users.zone, zone_users.officer)
    x = Channel.objects.get(zone=zone_users.zone, kind="x")
    # The template offers both; this instance went out on X only.
    version.texts = {str(x.pk): version.texts[str(x.pk)]}
    version.save()
    _post, follow_up = publish_instance(version, actor=zone_users.officer, director=zone_users.director, values=NIGHT)
    assert list(follow_up.texts) == [str(x.pk)]


# --- The reminder ----------------------------------------------------------------------------------------------


def test_a_due_follow_up_is_reminded_once_to_the_author_and_the_officers(
    zone_users, django_capture_on_commit_callbacks
):
    second_officer = make_member(zone_users.zone, Role.OFFICER, username="officer2", language="nl")
    post, follow_up = instance(zone_users)
    after = follow_up.due_at + timedelta(seconds=1)

    assert followups.follow_ups_remind(now=follow_up.due_at - timedelta(minutes=1)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert followups.follow_ups_remind(now=after) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert followups.follow_ups_remind(now=after + timedelta(minutes=5)) == 0

    follow_up.refresh_from_db()
    assert follow_up.reminded_at == after
    assert AuditEvent.objects.filter(action="editorial.follow_up.remind").count() == 1
    # One e-mail per language: the author (the officer, in French) and the Dutch-speaking officer.
    assert sorted(m.to for m in mail.outbox) == [[second_officer.email], [zone_users.officer.email]]
    french = next(m for m in mail.outbox if m.to == [zone_users.officer.email])
    url = reverse("editorial:follow_up_detail", args=[zone_users.zone.slug, follow_up.pk])
    assert url in french.body and "Route rouverte à Quévy. #Quevy" in french.body
    assert post.title in french.subject


def test_the_reminder_respects_the_opt_out(zone_users, django_capture_on_commit_callbacks):
    zone_users.officer.muted_emails = ["follow_up_due"]
    zone_users.officer.save()
    _post, follow_up = instance(zone_users)
    with django_capture_on_commit_callbacks(execute=True):
        followups.follow_ups_remind(now=follow_up.due_at)
    assert mail.outbox == []


def test_a_handled_follow_up_is_not_reminded(zone_users):
    post, follow_up = instance(zone_users)
    mark_published(post)
    followups.follow_up_dismiss(actor=zone_users.officer, follow_up=follow_up, reason="Rouverte plus tôt")
    assert followups.follow_ups_remind(now=follow_up.due_at + timedelta(hours=1)) == 0


@pytest.mark.django_db(transaction=True)
def test_reminders_run_at_once_remind_each_follow_up_once(postgres, zone_users):
    """Two beats (or a beat and a late message) at the same moment: each follow-up is reminded once."""
    follow_ups = [instance(zone_users, name=f"Route fermée {n}")[1] for n in range(3)]
    now = max(f.due_at for f in follow_ups) + timedelta(seconds=1)
    counts = at_once(followups.follow_ups_remind, [(now,)] * 4)
    assert sum(counts) == 3
    assert AuditEvent.objects.filter(action="editorial.follow_up.remind").count() == 3


def test_the_task_and_its_beat_entry(settings, zone_users):
    from editorial import tasks
    from zonepolice.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["remind-follow-ups"]
    assert entry["task"] == tasks.remind_follow_ups.name == "editorial.tasks.remind_follow_ups"
    assert entry["schedule"] == 60.0 and entry["options"]["expires"] <= 60
    assert app.amqp.router.route({}, entry["task"])["queue"].name == "celery"
    _post, follow_up = instance(zone_users)
    FollowUp.objects.filter(pk=follow_up.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    assert tasks.remind_follow_ups() == 1


# --- Publishing it --------------------------------------------------------------------------------------------


def test_publishing_it_goes_out_in_the_fast_lane_as_a_reply(zone_users):
    post, follow_up = instance(zone_users)
    mark_published(post)

    reply = fastlane.follow_up_publish(actor=zone_users.officer, follow_up=follow_up)

    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.PUBLISHED and follow_up.published_post == reply
    assert follow_up.handled_by == zone_users.officer
    assert reply.follows_up == post and reply.status == Post.Status.APPROVED
    assert reply.template_version == post.template_version and reply.filled_values == post.filled_values
    assert reply.approved_by == zone_users.director and reply.published_under == "role:officer"
    assert {v.text for v in reply.variants.all()} == {"Route rouverte à Quévy. #Quevy"}
    assert ReviewAfter.objects.filter(post=reply, acknowledged_at__isnull=True).exists()
    event = AuditEvent.objects.get(action="editorial.follow_up.publish")
    assert event.data["post"] == reply.pk and event.data["skipped_channels"] == []
    # Twice (a double click, a second person): refused, nothing more made.
    with pytest.raises(WorkflowError):
        fastlane.follow_up_publish(actor=zone_users.officer, follow_up=follow_up)
    assert Post.objects.filter(follows_up=post).count() == 1


def test_a_channel_where_the_original_did_not_go_out_is_skipped(zone_users):
    post, follow_up = instance(zone_users)
    mark_published(post)
    x = Channel.objects.get(zone=zone_users.zone, kind="x")
    Publication.objects.filter(post=post, channel=x).update(
        status=Publication.Status.FAILED, external_id="", last_error="refused"
    )

    reply = fastlane.follow_up_publish(actor=zone_users.officer, follow_up=follow_up)

    assert [v.channel.kind for v in reply.variants.all()] == ["facebook"]
    assert AuditEvent.objects.get(action="editorial.follow_up.publish").data["skipped_channels"] == [x.pk]


def test_nothing_to_reply_to_is_refused(zone_users):
    _post, follow_up = instance(zone_users)  # not sent yet
    with pytest.raises(WorkflowError):
        fastlane.follow_up_publish(actor=zone_users.officer, follow_up=follow_up)
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.PENDING


def test_a_template_changed_since_refuses_it(zone_users):
    post, follow_up = instance(zone_users)
    mark_published(post)
    Template.objects.filter(pk=post.template_version.template_id).update(
        status=Template.Status.DRAFT, approved_version=None
    )
    with pytest.raises(WorkflowError):
        fastlane.follow_up_publish(actor=zone_users.officer, follow_up=follow_up)
    assert not Post.objects.filter(follows_up=post).exists()


def delegated_head(zone_users) -> Grant:
    zone = zone_users.zone
    grant = Grant.objects.create(
        membership=Membership.objects.get(user=zone_users.unit_head, zone=zone),
        zone=zone,
        granted_by=zone_users.director,
        granted_at=timezone.now(),
    )
    grant.channels.set(Channel.objects.filter(zone=zone))
    grant.categories.set(Category.objects.filter(zone=zone))
    return grant


def test_a_delegated_head_publishes_their_follow_up_under_their_grant(zone_users):
    grant = delegated_head(zone_users)
    version = approved_template(zone_users.zone, zone_users.officer)
    post, follow_up = publish_instance(
        version,
        actor=zone_users.unit_head,
        director=zone_users.director,
        values=NIGHT,
        published_under=f"grant:{grant.pk}",
    )
    mark_published(post)
    reply = fastlane.follow_up_publish(actor=zone_users.unit_head, follow_up=follow_up)
    assert reply.published_under == f"grant:{grant.pk}"


def test_a_revoked_right_is_refused_at_submission(zone_users):
    grant = delegated_head(zone_users)
    version = approved_template(zone_users.zone, zone_users.officer)
    post, follow_up = publish_instance(
        version,
        actor=zone_users.unit_head,
        director=zone_users.director,
        values=NIGHT,
        published_under=f"grant:{grant.pk}",
    )
    mark_published(post)
    head = zone_users.unit_head
    assert followups.follow_up_publishing_right(actor=head, follow_up=follow_up)  # the page offered it
    Grant.objects.filter(pk=grant.pk).update(revoked_at=timezone.now(), revoked_by=zone_users.director)
    # The same user object as when the page offered it: the service reads the right again at submission.

    with pytest.raises(PermissionDenied):
        fastlane.follow_up_publish(actor=head, follow_up=follow_up)
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.PENDING
    assert not Post.objects.filter(follows_up=post).exists()
    # The officer still can.
    fastlane.follow_up_publish(actor=zone_users.officer, follow_up=follow_up)


def test_directors_and_other_units_do_not_publish_it(zone_users):
    post, follow_up = instance(zone_users)
    mark_published(post)
    for person in (zone_users.director, zone_users.other_unit_head, zone_users.admin):
        with pytest.raises(PermissionDenied):
            fastlane.follow_up_publish(actor=person, follow_up=follow_up)


# --- Dismissing it --------------------------------------------------------------------------------------------


def test_dismissing_it_needs_a_reason_and_is_audited(zone_users):
    post, follow_up = instance(zone_users)
    with pytest.raises(WorkflowError):
        followups.follow_up_dismiss(actor=zone_users.officer, follow_up=follow_up, reason="  ")
    with pytest.raises(PermissionDenied):
        followups.follow_up_dismiss(actor=zone_users.director, follow_up=follow_up, reason="Pas utile")

    followups.follow_up_dismiss(actor=zone_users.officer, follow_up=follow_up, reason="Rouverte à 4h, déjà annoncé")

    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.DISMISSED and follow_up.handled_by == zone_users.officer
    event = AuditEvent.objects.get(action="editorial.follow_up.dismiss")
    assert event.data == {"follow_up": follow_up.pk, "reason": "Rouverte à 4h, déjà annoncé"}
    assert event.object_id == str(post.pk)
    with pytest.raises(WorkflowError):
        fastlane.follow_up_publish(actor=zone_users.officer, follow_up=follow_up)


# --- On the networks, through the real libraries against the fake ---------------------------------------------


@pytest.fixture
def fake():
    with FakeSocial() as server:
        yield server


@pytest.fixture
def networks(settings, fake, zone_users):
    options = {"connect_timeout": 2, "read_timeout": 5}
    settings.PUBLISHERS = {
        "x": {"BACKEND": "editorial.publishers.x.Publisher", "OPTIONS": {"base_url": fake.url, **options}},
        "facebook": {
            "BACKEND": "editorial.publishers.facebook.Publisher",
            "OPTIONS": {"graph_url": fake.url, "version": "v25.0", **options},
        },
    }
    for channel in Channel.objects.filter(zone=zone_users.zone):
        channel.set_credentials(X_CREDENTIALS if channel.kind == "x" else {"page_access_token": "page-token-1"})
        channel.save()
    return fake


def test_on_x_the_follow_up_is_a_reply_in_the_thread(zone_users, networks):
    post, follow_up = instance(zone_users, kinds=("x",))
    assert send_all(post) == [Publication.Status.PUBLISHED]
    original = Publication.objects.get(post=post)
    [first] = networks.received("tweets")
    assert first.in_reply_to is None and "reply" not in first.json()

    reply = fastlane.follow_up_publish(actor=zone_users.officer, follow_up=follow_up)
    assert send_all(reply) == [Publication.Status.PUBLISHED]

    [_first, second] = networks.received("tweets")
    assert second.json() == {
        "text": "Route rouverte à Quévy. #Quevy",
        "reply": {"in_reply_to_tweet_id": original.external_id},
    }
    assert second.in_reply_to == original.external_id
    assert len(networks.creates()) == 2


def test_on_facebook_the_follow_up_is_a_comment_under_the_original(zone_users, networks):
    post, follow_up = instance(zone_users, kinds=("facebook",))
    assert send_all(post) == [Publication.Status.PUBLISHED]
    original = Publication.objects.get(post=post)

    reply = fastlane.follow_up_publish(actor=zone_users.officer, follow_up=follow_up)
    assert send_all(reply) == [Publication.Status.PUBLISHED]

    [comment] = networks.received("comments")
    assert comment.method == "POST"
    assert comment.path == f"/v25.0/{original.external_id}/comments"
    assert comment.param("message") == "Route rouverte à Quévy. #Quevy"
    assert comment.param("access_token") == "page-token-1"
    assert comment.in_reply_to == original.external_id
    # One create each, and the original was not edited.
    assert [r.route for r in networks.received()] == ["feed", "comments"]
    published = Publication.objects.get(post=reply)
    assert published.external_id == comment.answer["id"]
    assert published.external_url == f"https://www.facebook.com/{comment.answer['id']}"


def test_an_ordinary_post_is_no_reply(zone_users, networks):
    """The reply lookup only answers for a follow-up: a post without ``follows_up`` goes out as before."""
    version = approved_template(zone_users.zone, zone_users.officer, follow_up=None)
    post, _ = publish_instance(version, actor=zone_users.officer, director=zone_users.director, values=NIGHT)
    assert send_all(post) == [Publication.Status.PUBLISHED, Publication.Status.PUBLISHED]
    assert [r.route for r in networks.received()] == ["feed", "tweets"]
    assert "reply" not in networks.received("tweets")[0].json()


# --- Faults on a follow-up's create call: classified like every publication's ---------------------------------


@pytest.mark.parametrize(
    ("kind", "answer", "expected"),
    [
        # X: a 503 after the request was sent may have posted the reply: unknown, never re-sent by itself.
        ("x", {"status": 503, "body": {"title": "Service Unavailable"}}, Publication.Status.UNKNOWN),
        # X: a rate limit proves nothing was created: tried again later.
        ("x", {"status": 429, "body": {"title": "Too Many Requests"}}, Publication.Status.RETRYING),
        # Graph: a 500 on the comment, whatever its code: unknown.
        ("facebook", {"status": 500, "body": graph_error(2, "Service temporarily unavailable")}, "unknown"),
        # Graph: the page's rate limit (code 32): tried again later.
        ("facebook", {"status": 400, "body": graph_error(32, "Page request limit reached")}, "retrying"),
    ],
)
def test_a_fault_on_the_reply_is_classified_like_any_create(zone_users, networks, kind, answer, expected):
    post, follow_up = instance(zone_users, kinds=(kind,))
    assert send_all(post) == [Publication.Status.PUBLISHED]
    reply = fastlane.follow_up_publish(actor=zone_users.officer, follow_up=follow_up)
    networks.script("tweets" if kind == "x" else "comments", Answer(**answer))
    assert send_all(reply) == [expected]
    publication = Publication.objects.get(post=reply)
    assert publication.attempts == 1 and publication.last_error
    creates = networks.received("tweets" if kind == "x" else "comments")
    assert len(creates) == (2 if kind == "x" else 1)  # the original's tweet, then the reply's one try
    if expected == Publication.Status.UNKNOWN:
        # Sent again only by a person: the task delivered again does nothing.
        assert send_all(reply) == ["skipped"]
        assert len(networks.received("tweets" if kind == "x" else "comments")) == len(creates)
