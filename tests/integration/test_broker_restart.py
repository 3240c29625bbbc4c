"""Redis killed and restarted empty under load, with nobody restarting anything (issue 11, "Survive the broker").

The worker and beat run exactly as the Procfile says (threads pool), against PostgreSQL, the fake X/Graph service and
a Redis of this test's own (so that killing it disturbs nothing else). Redis is killed with SIGKILL while the worker
is inside a create call and holds later publish messages, unacknowledged, with their ETA; it comes back a few seconds
later with nothing kept, so those messages are gone.

What is asserted, without restarting the worker or beat: both are the same processes, still running (Celery 5.7.0's
worker exited here with "Unrecoverable error: AttributeError('NoneType' object has no attribute 'hostname')",
docs/operations.md); posts planned after the restart are published; every publication ends published, including the
ones whose create call was in flight at the kill (the call needs no broker and its outcome goes to PostgreSQL) and
the ones whose message was lost (the reaper enqueues them again); none is unknown or failed, only those whose message
was lost may have raised a "late" alert; the fake received exactly one create per publication.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.utils import timezone

from editorial.models import Alert, Channel, Post, Publication
from tests.conftest import service_missing
from tests.factories import make_post, submit_and_approve
from tests.integration.stack import (
    RedisServer,
    database_url,
    desk_env,
    fake_social_process,
    procfile_process,
    redis_server_installed,
    redis_server_process,
    wait_for,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.real_broker]

X_CREDENTIALS = {"api_key": "ck", "api_secret": "cs", "access_token": "at", "access_token_secret": "ats"}
FB_CREDENTIALS = {"page_access_token": "page-token"}
# Every create call takes this long at the fake: the kill lands inside one.
CREATE_SECONDS = 1.5
DOWN_SECONDS = 4


@pytest.fixture
def own_redis(tmp_path) -> Iterator[RedisServer]:
    if not redis_server_installed():
        service_missing(
            "needs redis-server on the PATH (apt-get install redis-server): the test kills a Redis of its own"
        )
    with redis_server_process(tmp_path / "redis.log") as server:
        yield server


def approve(zone_users, *, planned_at, label: str) -> Post:
    post = make_post(zone_users.zone, zone_users.officer, planned_at=planned_at)
    for variant in post.variants.select_related("channel"):
        variant.text = f"Contrôle radar à Quévy ({label}, {variant.channel.kind})"
        variant.save()
    return submit_and_approve(post, zone_users.officer, zone_users.director)


def create_calls(fake) -> dict[str, list]:
    """The create requests the fake received, by the text they carried."""
    calls: dict[str, list] = {}
    for received in fake.received("tweets"):
        calls.setdefault(received.json()["text"], []).append(received)
    for received in fake.received("feed"):
        calls.setdefault(received.form().get("message"), []).append(received)
    return calls


def log_tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def test_publishing_resumes_by_itself_after_redis_is_killed_and_restarted_empty(
    postgres, redis_url, own_redis, zone_users, tmp_path
):
    # The test process's own sends (the dispatcher woken at approval) go to the suite's Redis, not to own_redis:
    # nothing consumes them there, and the next test must not find them.
    redis.Redis.from_url(redis_url).flushdb()
    for channel in Channel.objects.filter(zone=zone_users.zone):
        channel.set_credentials(X_CREDENTIALS if channel.kind == Channel.Kind.X else FB_CREDENTIALS)
        channel.save()
    broker = redis.Redis.from_url(own_redis.url, socket_timeout=2)
    worker_log, beat_log = tmp_path / "worker.log", tmp_path / "beat.log"
    logs = f"(see {worker_log}, {beat_log} and {tmp_path / 'fake.log'})"

    with fake_social_process(delay=CREATE_SECONDS, log=tmp_path / "fake.log") as fake:
        env = desk_env(
            database_url=database_url(connection.settings_dict),
            redis_url=own_redis.url,
            fake_url=fake.url,
            var_dir=tmp_path,
        )
        with procfile_process("worker", env, worker_log) as worker, procfile_process("beat", env, beat_log) as beat:

            def still_running() -> None:
                for name, process, log in (("worker", worker, worker_log), ("beat", beat, beat_log)):
                    assert process.poll() is None, f"{name} exited with {process.returncode}:\n{log_tail(log)}"

            start = timezone.now()
            before = [
                approve(zone_users, planned_at=start + timedelta(seconds=10 + 3 * n), label=f"A{n}") for n in range(5)
            ]

            # Kill Redis while a create call is in flight and later messages wait in the worker with their ETA.
            in_flight: set[int] = set()

            def create_call_in_flight_and_messages_held() -> bool:
                still_running()
                sending = list(
                    Publication.objects.filter(status=Publication.Status.SENDING).values_list("pk", flat=True)
                )
                if sending and broker.hlen("unacked") >= 4:
                    in_flight.update(sending)
                    return True
                return False

            wait_for(create_call_in_flight_and_messages_held, 60, f"a create call in flight and messages held {logs}")
            own_redis.kill()
            killed_at = timezone.now()
            held = set(
                Publication.objects.filter(status=Publication.Status.QUEUED, next_attempt_at__gt=killed_at).values_list(
                    "pk", flat=True
                )
            )
            assert in_flight and len(held) >= 3, (in_flight, held)

            time.sleep(DOWN_SECONDS)
            own_redis.start()
            restarted_at = timezone.now()
            after = [
                approve(zone_users, planned_at=restarted_at + timedelta(seconds=6 + 2 * n), label=f"B{n}")
                for n in range(3)
            ]
            posts = before + after

            def all_out() -> bool:
                still_running()
                return (
                    not Publication.objects.filter(post__in=posts).exclude(status=Publication.Status.PUBLISHED).exists()
                )

            wait_for(all_out, 100, f"every publication published {logs}", interval=0.5)
            still_running()  # the same two processes: nothing restarted them, and they did not exit
        calls = create_calls(fake)

    publications = list(Publication.objects.filter(post__in=posts).select_related("post", "channel"))
    assert len(publications) == 2 * len(posts)
    assert {p.status for p in publications} == {Publication.Status.PUBLISHED}
    # No unknown or failed outcome; only a publication whose message was lost may have been late enough to alert.
    alerts = Alert.objects.filter(publication__in=publications)
    assert not alerts.exclude(kind=Alert.Kind.LATE).exists(), list(alerts.values_list("kind", "message"))
    assert set(alerts.values_list("publication_id", flat=True)) <= held
    # Exactly one create call per publication, never before its time.
    for publication in publications:
        text = publication.post.variants.get(channel=publication.channel).text
        assert len(calls.get(text, [])) == 1, (publication.pk, text, len(calls.get(text, [])))
        assert calls[text][0].at >= publication.post.planned_at.timestamp()
    assert sum(len(requests) for requests in calls.values()) == len(publications)
    # The posts planned after the restart went out on time, through the normal path (not a reaper's delay).
    for post in after:
        post.refresh_from_db()
        assert post.status == Post.Status.PUBLISHED
        for variant in post.variants.all():
            assert calls[variant.text][0].at - post.planned_at.timestamp() < 10
    redis.Redis.from_url(redis_url).flushdb()
