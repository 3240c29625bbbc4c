"""Where the time of one publication goes: ``publication_send`` in this process, against the fake X of
tests/fakes/social.py, with the real X publisher (tweepy) and PostgreSQL.

    .venv/bin/python -m bench.send_profile               # queries per task and wall time per task
    .venv/bin/python -m bench.send_profile --profile 30  # and the cProfile top 30 (cumulative)
    .venv/bin/python -m bench.send_profile --task        # through Celery's tracer, as a worker's pool thread

Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/desk_profile, recreated on each
run). The fake answers at once unless ``--delay`` says otherwise, so what is measured is the task's own cost:
database round trips, commits, OAuth signing, HTTP. DEBUG is off, as in production, unless ``--debug``. Nothing
reaches a real network.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=200, help="publications to send (one per post)")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds the fake waits before answering")
    parser.add_argument("--profile", type=int, default=0, help="print the cProfile top N (0: no profile)")
    parser.add_argument("--queries", action="store_true", help="print the SQL of one task")
    parser.add_argument("--debug", action="store_true", help="with DEBUG on (default: off, as in production)")
    parser.add_argument(
        "--task",
        action="store_true",
        help="run the publish task through Celery's tracer, as a thread of the worker's pool does (its signals, "
        "hence the connection checks of zonepolice/celery.py, included; receiving and acknowledging the message "
        "are not)",
    )
    args = parser.parse_args()

    from tests.fakes.social import FakeSocial

    fake = FakeSocial(delay=args.delay).start()
    database_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/desk_profile")
    os.environ.update(
        DATABASE_URL=database_url,
        PUBLISHER_BACKEND="network",
        X_API_BASE_URL=fake.url,
        FACEBOOK_GRAPH_URL=fake.url,
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        CELERY_BROKER_URL="memory://",
        LOG_LEVEL="WARNING",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zonepolice.settings")
    sys.path.insert(0, str(ROOT))
    import bench.publishing as bench

    if not args.debug:
        bench.production_env()

    bench.recreate_database(database_url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from editorial import publishing
    from editorial.audit_verify import verify_chain
    from editorial.models import Publication

    call_command("migrate", verbosity=0)
    zone, officer, director = bench.make_zone_and_users()
    bench.approve_posts(zone, officer, director, [datetime.now(UTC) + timedelta(hours=2)] * args.posts)
    Publication.objects.filter(post__zone=zone).update(next_attempt_at=datetime.now(UTC))
    # The dispatcher's enqueue goes to an in-memory broker nobody consumes: this process sends them itself.
    ids = list(Publication.objects.filter(post__zone=zone).order_by("pk").values_list("pk", flat=True))
    connection.queries_log.clear()  # the log is a bounded deque: a full one would count nothing
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as dispatch_queries:
        publishing.publications_dispatch(now=datetime.now(UTC) + timedelta(seconds=1))
    dispatch_s = time.perf_counter() - started
    print(f"dispatch of {len(ids)}: {dispatch_s * 1000:.1f} ms, {len(dispatch_queries)} queries")

    # Warm up: imports, connection, first-call caches (a worker process pays them once).
    publishing.publication_send(publication_id=ids[0])
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        publishing.publication_send(publication_id=ids[1])
    kinds = Counter(q["sql"].split(None, 1)[0].upper() for q in queries)
    print(f"queries per task: {len(queries)} ({dict(kinds)})")
    if args.queries:
        for q in queries:
            print(f"  {float(q['time']) * 1000:6.2f} ms  {q['sql'][:160]}")

    send = publishing.publication_send
    if args.task:
        from celery.app.trace import build_tracer

        from editorial.tasks import publish

        trace = build_tracer(publish.name, publish, app=publish.app)

        def send(*, publication_id: int) -> str:
            return trace(uuid.uuid4().hex, [publication_id], {}, {"delivery_info": {}}).retval

    profiler = cProfile.Profile() if args.profile else None
    times, task_cpu, process_cpu = [], [], []
    for publication_id in ids[2:]:
        t0, c0, p0 = time.perf_counter(), time.thread_time(), time.process_time()
        if profiler:
            profiler.enable()
        status = send(publication_id=publication_id)
        if profiler:
            profiler.disable()
        # The task runs in this thread: its CPU time is what a thread of the worker's pool spends on it. The
        # process's also counts the fake, which answers from threads of this process.
        task_cpu.append(time.thread_time() - c0)
        process_cpu.append(time.process_time() - p0)
        times.append(time.perf_counter() - t0)
        assert status == Publication.Status.PUBLISHED, status

    def ms(values: list[float]) -> str:
        ordered = sorted(values)
        return (
            f"mean {statistics.mean(values) * 1000:.1f} ms, median {statistics.median(values) * 1000:.1f} ms, "
            f"p95 {ordered[int(len(ordered) * 0.95)] * 1000:.1f} ms"
        )

    profiled = " (profiled: slower)" if profiler else ""
    how = "through Celery's tracer" if args.task else "publication_send"
    print(f"per task over {len(times)}, {how} (fake delay {args.delay * 1000:.0f} ms){profiled}:")
    print(f"  wall             {ms(times)}")
    print(f"  CPU of the task  {ms(task_cpu)}")
    print(f"  CPU of process   {ms(process_cpu)} (the task and the fake's threads)")
    print(f"creates received: {len(fake.received('tweets'))}; audit chain problems: {len(verify_chain()[0])}")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)
    fake.stop()


if __name__ == "__main__":
    main()
