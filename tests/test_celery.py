"""The Celery wiring: a real worker consumes tasks through the embedded broker and through Redis."""

from __future__ import annotations

import threading

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker


def run_heartbeat_through_worker(broker_url: str, transport_options: dict) -> None:
    """Send a task through ``broker_url`` with the project's Celery settings and let a real worker thread consume it.

    A separate Celery app carries the broker so that the project's app keeps its own configuration. The task only
    notes that it ran (the heartbeat writes to the database, which an in-memory SQLite test database shares badly
    between threads): the wiring is what is tested here."""
    test_app = Celery("desk-test", set_as_current=False)
    test_app.config_from_object("django.conf:settings", namespace="CELERY")
    test_app.conf.update(broker_url=broker_url, broker_transport_options=transport_options)
    ran = threading.Event()

    @test_app.task(name="desk-test.ran", shared=False)
    def note_it_ran() -> None:
        ran.set()

    with start_worker(test_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        test_app.send_task("desk-test.ran")
        assert ran.wait(timeout=10), "the worker never ran the task"


@pytest.mark.real_broker
@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_tasks_from_the_embedded_filesystem_broker(tmp_path):
    folder = tmp_path / "broker"
    (folder / "queue").mkdir(parents=True)
    (folder / "processed").mkdir()
    run_heartbeat_through_worker(
        "filesystem://",
        {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        },
    )


@pytest.mark.real_broker
@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_tasks_from_redis(redis_url):
    run_heartbeat_through_worker(redis_url, {"visibility_timeout": 3600})


def test_the_redis_cache_stores_and_reads(redis_url, settings):
    from django.core.cache import caches

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    caches["default"].set("desk-test-key", {"ok": 1}, timeout=30)
    assert caches["default"].get("desk-test-key") == {"ok": 1}
    caches["default"].delete("desk-test-key")


def test_task_time_limits_stay_below_the_visibility_timeout(settings):
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert settings.CELERY_TASK_TIME_LIMIT < 3600
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT


def test_publish_tasks_have_their_own_queue_and_every_worker_consumes_both():
    """A burst of publish tasks must not hold the dispatcher, the reaper and the heartbeat back behind it."""
    from zonepolice.celery import app

    assert app.amqp.router.route({}, "editorial.tasks.publish")["queue"].name == "publish"
    for control in (
        "editorial.tasks.dispatch_publications",
        "editorial.tasks.reap_publications",
        "editorial.tasks.heartbeat",
    ):
        assert app.amqp.router.route({}, control)["queue"].name == "celery"
    assert {queue.name for queue in app.amqp.queues.consume_from.values()} == {"celery", "publish"}
