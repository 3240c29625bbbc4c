"""The pipeline with real processes: PostgreSQL, a Redis broker, Celery worker and beat processes, the real X and
Facebook publishers (tweepy, facebook-sdk) talking to the fake service. Runs in CI (.ci/run), skips elsewhere.

The worker runs as the Procfile starts it (threads pool). What is asserted: every approved post reaches the fake
exactly once and never before its time; under faults (the worker killed with SIGKILL during the create call, the
same task delivered twice) the fake receives at most one create per publication, and each publication ends
published, failed with a reason, or unknown with an alert.
"""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta

import pytest
import redis
from django.db import connection
from django.utils import timezone

from editorial import publishing
from editorial.models import AuditEvent, Channel, Post, Publication
from editorial.selectors.publishing import STUCK_MARGIN
from editorial.tasks import publish
from tests.factories import make_post, submit_and_approve
from tests.fakes.social import Answer
from tests.integration.stack import (
    celery_process,
    database_url,
    desk_env,
    fake_social_process,
    procfile_process,
    wait_for,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.real_broker]

X_CREDENTIALS = {"api_key": "ck", "api_secret": "cs", "access_token": "at", "access_token_secret": "ats"}
FB_CREDENTIALS = {"page_access_token": "page-token"}


@pytest.fixture
def stack_ready(postgres, redis_url, zone_users, tmp_path):
    # A clean broker database: no message of an earlier run may reach these workers.
    redis.Redis.from_url(redis_url).flushdb()
    for channel in Channel.objects.filter(zone=zone_users.zone):
        channel.set_credentials(X_CREDENTIALS if channel.kind == Channel.Kind.X else FB_CREDENTIALS)
        channel.save()
    return tmp_path


def approve(zone_users, *, planned_at, kinds=("x", "facebook"), text="Contrôle radar à Quévy") -> Post:
    post = make_post(zone_users.zone, zone_users.officer, planned_at=planned_at)
    post.variants.exclude(channel__kind__in=kinds).delete()
    for variant in post.variants.all():
        variant.text = f"{text} ({post.pk}, {variant.channel.kind})"
        variant.save()
    post = submit_and_approve(post, zone_users.officer, zone_users.director)
    post.refresh_from_db()
    return post


def creates(fake) -> list:
    return fake.received("tweets") + fake.received("feed")


def test_a_worker_publishes_approved_posts_at_their_time_exactly_once(stack_ready, zone_users, redis_url):
    tmp = stack_ready
    with fake_social_process(log=tmp / "fake.log") as fake:
        env = desk_env(
            database_url=database_url(connection.settings_dict), redis_url=redis_url, fake_url=fake.url, var_dir=tmp
        )
        with (
            procfile_process("worker", env, tmp / "worker.log"),
            celery_process("beat", env, tmp / "beat.log", "--schedule", str(tmp / "beat-schedule")),
        ):
            start = timezone.now()
            posts = [approve(zone_users, planned_at=start + timedelta(seconds=6 + 2 * n)) for n in range(4)]
            wait_for(
                lambda: Publication.objects.filter(status=Publication.Status.PUBLISHED).count() == 8,
                timeout=90,
                what="8 publications published (see worker.log and beat.log in the test's tmp folder)",
            )
        received = creates(fake)
    assert len(received) == 8  # 4 posts x 2 channels, one create each
    for post in posts:
        post.refresh_from_db()
        assert post.status == Post.Status.PUBLISHED
        for variant in post.variants.select_related("channel"):
            texts = [r.json()["text"] for r in received if r.route == "tweets"]
            messages = [r.form().get("message") for r in received if r.route == "feed"]
            assert (texts if variant.channel.kind == "x" else messages).count(variant.text) == 1
            # Never before its time (the fake and this test share the machine's clock).
            matching = [
                r
                for r in received
                if (r.route == "tweets" and r.json()["text"] == variant.text)
                or (r.route == "feed" and r.form().get("message") == variant.text)
            ]
            assert matching[0].at >= post.planned_at.timestamp()
    publication = Publication.objects.filter(channel__kind="x").first()
    assert publication.external_url.startswith("https://x.com/")


def test_a_worker_killed_during_the_create_call_never_sends_twice(stack_ready, zone_users, redis_url, settings):
    tmp = stack_ready
    with fake_social_process(log=tmp / "fake.log") as fake:
        # X takes the create request and never answers: the worker is inside the call when it dies.
        fake.script("tweets", Answer(mode="hang"))
        env = desk_env(
            database_url=database_url(connection.settings_dict), redis_url=redis_url, fake_url=fake.url, var_dir=tmp
        )
        with procfile_process("worker", env, tmp / "worker.log") as worker:
            post = approve(zone_users, planned_at=timezone.now() + timedelta(seconds=2), kinds=("x",))
            publication = Publication.objects.get(post=post)
            # No beat in this test: the dispatcher runs here, as beat would.
            wait_for(
                lambda: publishing.publications_dispatch() >= 0 and len(fake.received("tweets")) == 1,
                60,
                "the create call",
            )
            publication.refresh_from_db()
            assert publication.status == Publication.Status.SENDING
            # The whole worker dies inside the call (an out-of-memory kill): nothing can record an outcome.
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
        with procfile_process("worker", env, tmp / "worker-again.log"):
            # Its process manager starts it again; the same task is delivered twice more (a redelivery, a re-enqueue
            # after a lost message). Every delivery finds the row already claimed.
            publish.apply_async(args=[publication.pk])
            publish.apply_async(args=[publication.pk])
            time.sleep(5)
            assert len(fake.received("tweets")) == 1
            publication.refresh_from_db()
            assert publication.status == Publication.Status.SENDING
        # No call lasts longer than the send budget: past it (and the margin) the reaper settles it as unknown and
        # alerts, and not a second before.
        deadline = (
            publication.sending_started_at + timedelta(seconds=settings.PUBLISH_SEND_BUDGET_SECONDS) + STUCK_MARGIN
        )
        assert publishing.publications_reap(now=deadline - timedelta(seconds=1)).unknown == []
        assert publishing.publications_reap(now=deadline + timedelta(seconds=1)).unknown == [publication.pk]
        publication.refresh_from_db()
        assert publication.status == Publication.Status.UNKNOWN and publication.last_error
        assert AuditEvent.objects.filter(action="editorial.publication.alert", object_id=str(publication.pk)).exists()
        assert len(fake.received("tweets")) == 1


def test_failures_end_failed_with_a_reason_or_retry_without_sending(stack_ready, zone_users, redis_url):
    tmp = stack_ready
    with fake_social_process(log=tmp / "fake.log") as fake:
        fake.script(
            "tweets", Answer(status=401, body={"title": "Unauthorized", "detail": "Unauthorized", "status": 401})
        )
        fake.script(
            "feed",
            Answer(
                status=400,
                body={"error": {"message": "Rate limited", "type": "OAuthException", "code": 32}},
                headers={"x-business-use-case-usage": "{}"},
            ),
        )
        env = desk_env(
            database_url=database_url(connection.settings_dict), redis_url=redis_url, fake_url=fake.url, var_dir=tmp
        )
        with procfile_process("worker", env, tmp / "worker.log"):
            post = approve(zone_users, planned_at=timezone.now() + timedelta(seconds=2))
            wait_for(
                lambda: (
                    publishing.publications_dispatch() >= 0
                    and set(Publication.objects.filter(post=post).values_list("status", flat=True))
                    == {Publication.Status.FAILED, Publication.Status.RETRYING}
                ),
                timeout=60,
                what="one failed and one retrying publication",
            )
        assert len(fake.received("tweets")) == 1 and len(fake.received("feed")) == 1
    x = Publication.objects.get(post=post, channel__kind="x")
    facebook = Publication.objects.get(post=post, channel__kind="facebook")
    assert x.status == Publication.Status.FAILED and x.last_error
    assert Channel.objects.get(pk=x.channel_id).status == Channel.Status.NEEDS_RECONNECT
    assert facebook.status == Publication.Status.RETRYING and facebook.next_attempt_at > timezone.now()


def _other_connections() -> set[int]:
    """Server process ids of the other client connections to this test database (the worker's, here)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'"
        )
        return {row[0] for row in cursor.fetchall()}


def test_a_worker_keeps_its_database_connections_between_tasks(stack_ready, zone_users, redis_url):
    """A new PostgreSQL connection per publication cost more than the rest of its database work: each pool
    thread keeps its own from one task to the next (within CONN_MAX_AGE)."""
    tmp = stack_ready
    with fake_social_process(log=tmp / "fake.log") as fake:
        env = desk_env(
            database_url=database_url(connection.settings_dict), redis_url=redis_url, fake_url=fake.url, var_dir=tmp
        )
        with procfile_process("worker", env, tmp / "worker.log"):

            def publish_batch(count: int, expected: int) -> None:
                for _ in range(count):
                    approve(zone_users, planned_at=timezone.now() + timedelta(seconds=1), kinds=("x",))
                wait_for(
                    lambda: (
                        publishing.publications_dispatch() >= 0
                        and Publication.objects.filter(status=Publication.Status.PUBLISHED).count() == expected
                    ),
                    timeout=60,
                    what=f"{expected} publications published",
                )

            publish_batch(2, expected=2)
            kept = _other_connections()
            publish_batch(4, expected=6)
            after = _other_connections()
        assert len(fake.received("tweets")) == 6
    assert kept, "no worker connection survived its task"
    # The same server processes, at most one per pool thread (the Procfile's concurrency, 8).
    assert kept <= after and len(after) <= 8
