"""Benchmark of the publishing pipeline with real processes (issue 11, point 8): lateness and capacity.

    .venv/bin/python -m bench.publishing            # both scenarios, then updates docs/performance.md
    .venv/bin/python -m bench.publishing lateness   # or only one (lateness, capacity)

The processes are the deployed ones: the Procfile's worker line (Celery's threads pool, the Procfile's default
``WORKER_CONCURRENCY`` unless ``--concurrency`` says otherwise) and its beat line, with DEBUG off as in production
(``production_env``); PostgreSQL on localhost (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/desk_bench, recreated on each run) and a redis-server of the benchmark's own on a
free port. X is the fake service of tests/fakes/social.py on 127.0.0.1: nothing reaches a real network.

- lateness: 200 posts planned over three minutes; for each, the time from its planned time to its create request
  reaching the fake. Target: p95 under 1 s, max under 2 s.
- capacity: 1,000 publications due at the same moment, the fake answering each create call in 100 ms; the time
  from their due time to the last create received. Target: all within 2 minutes. The CPU time each process spent
  per publication is read from /proc and reported (the worker's main thread, which receives the messages and runs
  their ETA timers, apart from the rest of the worker: the pool's threads running the tasks).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/desk_bench")
START_MARK = "<!-- bench/publishing.py results: start -->"
END_MARK = "<!-- bench/publishing.py results: end -->"
LATENESS_P95_S, LATENESS_MAX_S = 1.0, 2.0
CAPACITY_S = 120.0


def configured_concurrency() -> int:
    """The worker concurrency the project deploys: the Procfile's default for WORKER_CONCURRENCY."""
    from tests.integration.stack import procfile_command

    match = re.search(r"--concurrency \$\{WORKER_CONCURRENCY:-(\d+)\}", procfile_command("worker"))
    if not match:
        raise SystemExit("Procfile: no `--concurrency ${WORKER_CONCURRENCY:-N}` on the worker line")
    return int(match.group(1))


def recreate_database(database_url: str | None = None) -> None:
    import psycopg

    parts = urlsplit(database_url or DATABASE_URL)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def production_env() -> None:
    """Run this process and the ones it starts as production does: DEBUG off, hence a secret key, encryption keys
    and allowed hosts (made up for this run and its own database). With DEBUG on, Django keeps every SQL
    statement of a process in memory: about 5 ms of CPU per publication that no deployment pays."""
    from cryptography.fernet import Fernet

    os.environ["DEBUG"] = "false"
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(64)
    os.environ["FIELD_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
    os.environ["ALLOWED_HOSTS"] = "localhost"


def setup_django(*, database_url: str, redis_url: str, var_dir: Path) -> None:
    """This process as a desk process of the benchmark: production's settings, the benchmark's database, broker
    and folder (the worker reads the images this process stores), migrated."""
    production_env()
    os.environ.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        DESK_VAR_DIR=str(var_dir),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="WARNING",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zonepolice.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_zone_and_users():
    from accounts.models import Role
    from editorial.models import Channel
    from tests.factories import make_member, make_zone

    stamp = time.time_ns()
    zone = make_zone(f"Zone de banc d'essai {stamp}", slug=f"bench-{stamp}")
    officer = make_member(zone, Role.OFFICER)
    director = make_member(zone, Role.DIRECTOR)
    for channel in Channel.objects.filter(zone=zone):
        if channel.kind == Channel.Kind.X:
            channel.set_credentials(
                {"api_key": "k", "api_secret": "s", "access_token": "t", "access_token_secret": "u"}
            )
        else:
            channel.set_credentials({"page_access_token": "p"})
        channel.save()
    return zone, officer, director


def approve_posts(zone, officer, director, planned: list[datetime]) -> dict[str, datetime]:
    """Approved X-only posts at the given times, through the services; returns planned time by text."""
    from editorial import services
    from editorial.models import Channel, Value
    from editorial.services import ValueAnswer

    x = Channel.objects.get(zone=zone, kind=Channel.Kind.X)
    answers = {v.pk: ValueAnswer(True) for v in Value.objects.filter(zone=zone, is_active=True)}
    by_text = {}
    for n, moment in enumerate(planned):
        text = f"Bench {n} {moment.isoformat()} #controle"
        post = services.post_create(actor=officer, zone=zone, title=f"Bench {n}", texts={x: text}, planned_at=moment)
        services.post_submit(actor=officer, post=post)
        services.post_approve(
            actor=director,
            post=post,
            reviewed_fingerprint=services.post_fingerprint(post=post),
            answers=answers,
            confidentiality_confirmed=True,
        )
        by_text[text] = moment
    return by_text


def _cpu_seconds(stat: Path) -> float:
    """User + system CPU seconds of a process or thread (``/proc/<pid>/stat``, ``/proc/<pid>/task/<tid>/stat``)."""
    # The command name is in parentheses and may hold spaces; utime and stime are the 12th and 13th fields after it.
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds (user + system) spent by the benchmark's processes between two readings, by role: the worker
    (its main thread apart: it receives messages, runs the ETA timers and acknowledges), beat, the fake, the
    PostgreSQL server processes of the benchmark's database and the benchmark's own Redis. Read from /proc: noise
    from other users of the machine does not show here, unlike in wall-clock times."""

    def __init__(self, *, worker: int, beat: int, fake: int | None, redis: int | None, database: str) -> None:
        self.roots = {"worker": worker, "beat": beat, "fake": fake, "redis": redis}
        self.database = database
        self.start: dict[tuple[str, int], float] = {}

    def read(self) -> dict[tuple[str, int], float]:
        """CPU seconds by (role, process or thread id); "worker" is the whole worker process."""
        proc = Path("/proc")
        times: dict[tuple[str, int], float] = {}
        for role, pid in self.roots.items():
            if not pid:
                continue
            try:
                times[role, pid] = _cpu_seconds(proc / str(pid) / "stat")
                if role == "worker":
                    times["worker main thread", pid] = _cpu_seconds(proc / str(pid) / "task" / str(pid) / "stat")
            except OSError:
                continue
        for entry in proc.iterdir():
            if not entry.name.isdigit():
                continue
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                if command.startswith("postgres:") and f" {self.database} " in command:
                    times["postgresql", int(entry.name)] = _cpu_seconds(entry / "stat")
            except OSError:
                continue
        return times

    def begin(self) -> None:
        self.start = self.read()

    def spent(self) -> dict[str, float]:
        by_role: dict[str, float] = {}
        for (role, pid), seconds in self.read().items():
            by_role[role] = by_role.get(role, 0.0) + seconds - self.start.get((role, pid), 0.0)
        return by_role


class Stack:
    """The processes of one scenario: the fake, the benchmark's Redis (emptied), the Procfile's worker and beat."""

    def __init__(self, *, redis, tmp: Path, delay: float, concurrency: int | None) -> None:
        self.redis, self.tmp, self.delay, self.concurrency = redis, tmp, delay, concurrency

    def run(self, scenario):
        import redis as redis_client

        from tests.integration.stack import desk_env, fake_social_process, procfile_process

        redis_client.Redis.from_url(self.redis.url).flushdb()
        with fake_social_process(delay=self.delay, log=self.tmp / "fake.log") as fake:
            env = desk_env(database_url=DATABASE_URL, redis_url=self.redis.url, fake_url=fake.url, var_dir=self.tmp)
            env.pop("WORKER_CONCURRENCY", None)
            if self.concurrency is not None:
                env["WORKER_CONCURRENCY"] = str(self.concurrency)
            with (
                procfile_process("worker", env, self.tmp / "worker.log") as worker,
                procfile_process("beat", env, self.tmp / "beat.log") as beat,
            ):
                meter = CpuMeter(
                    worker=worker.pid,
                    beat=beat.pid,
                    fake=fake.pid,
                    redis=self.redis.process.pid,
                    database=urlsplit(DATABASE_URL).path.lstrip("/"),
                )
                return scenario(fake, meter)


def wait_all_published(zone, count: int, timeout: float) -> None:
    from django.db.models import Count

    from editorial.models import Publication

    deadline = time.monotonic() + timeout
    mine = Publication.objects.filter(post__zone=zone)
    while mine.filter(status=Publication.Status.PUBLISHED).count() < count:
        if time.monotonic() > deadline:
            statuses = dict(mine.values_list("status").annotate(n=Count("pk")))
            raise SystemExit(f"timed out: not all {count} publications published ({statuses})")
        time.sleep(0.5)


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def lateness(stack: Stack, posts: int = 200, spread_seconds: int = 180) -> dict:
    zone, officer, director = make_zone_and_users()

    def scenario(fake, _cpu):
        # Planned far enough ahead that every approval is done before the first one is due.
        first = datetime.now(UTC) + timedelta(seconds=45)
        step = spread_seconds / posts
        planned = [first + timedelta(seconds=n * step) for n in range(posts)]
        by_text = approve_posts(zone, officer, director, planned)
        wait_all_published(zone, posts, timeout=spread_seconds + 120)
        return by_text, fake.received("tweets"), os.getloadavg()

    by_text, received, load = stack.run(scenario)
    delays = [request.at - by_text[request.json()["text"]].timestamp() for request in received]
    return {
        "loadavg_after": load,
        "posts": posts,
        "spread_s": spread_seconds,
        "creates": len(received),
        "unique_texts": len({r.json()["text"] for r in received}),
        "p50": statistics.median(delays),
        "p95": percentile(delays, 95),
        "max": max(delays),
        "min": min(delays),
    }


def capacity(stack: Stack, publications: int = 1000) -> dict:
    zone, officer, director = make_zone_and_users()

    def scenario(fake, cpu):
        from editorial.models import Publication

        # Approving 1,000 posts through the services takes longer than a minute, so they are approved for later,
        # then all their publications are made due at one moment (as "publish now" does for one post).
        approve_posts(zone, officer, director, [datetime.now(UTC) + timedelta(hours=2)] * publications)
        due = datetime.now(UTC) + timedelta(seconds=10)
        cpu.begin()
        Publication.objects.filter(post__zone=zone).update(next_attempt_at=due)
        wait_all_published(zone, publications, timeout=CAPACITY_S + 120)
        return due, fake.received("tweets"), cpu.spent(), os.getloadavg()

    due, received, cpu, load = stack.run(scenario)
    last = max(r.at for r in received)
    first = min(r.at for r in received)
    return {
        "cpu_ms_per_publication": {
            role: round(seconds * 1000 / publications, 1) for role, seconds in sorted(cpu.items())
        },
        "loadavg_after": load,
        "publications": publications,
        "answer_s": stack.delay,
        "creates": len(received),
        "unique_texts": len({r.json()["text"] for r in received}),
        "first_after_due": first - due.timestamp(),
        "all_sent_after_due": last - due.timestamp(),
        "per_second": publications / (last - first) if last > first else float("inf"),
    }


def _load(r: dict) -> str:
    return "load average {:.2f} / {:.2f} / {:.2f}".format(*r["loadavg_before"]) + (
        " before, {:.2f} / {:.2f} / {:.2f} after".format(*r["loadavg_after"])
    )


def _cpu_line(cpu: dict[str, float]) -> str:
    """The worker's own figure, then its main thread's share, then the other processes."""
    worker = cpu.get("worker", 0.0)
    main = cpu.get("worker main thread", 0.0)
    others = ", ".join(f"{role} {ms:.1f}" for role, ms in cpu.items() if not role.startswith("worker"))
    return f"worker {worker:.1f} (main thread {main:.1f}, pool threads {worker - main:.1f}), {others}"


def write_results(
    results: dict[str, dict], concurrency: int, configured: int, measured_at: datetime | None = None
) -> str:
    from tests.integration.stack import procfile_command

    which = "the Procfile's default" if concurrency == configured else f"not the Procfile's default {configured}"
    lines = [
        START_MARK,
        f"Measured on {measured_at or datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `python -m bench.publishing` on "
        f"{platform.node() or 'this machine'} ({os.cpu_count()} CPUs, Python {platform.python_version()}, "
        "PostgreSQL, Redis and the fake X on localhost, DEBUG off). Worker: the Procfile's line "
        f"(`{procfile_command('worker')}`), concurrency {concurrency} ({which}); beat: the Procfile's line.",
        "",
    ]
    if "lateness" in results:
        r = results["lateness"]
        verdict = "meets" if r["p95"] < LATENESS_P95_S and r["max"] < LATENESS_MAX_S else "MISSES"
        lines += [
            f"**Lateness** ({r['posts']} posts over {r['spread_s']} s, beat dispatching every 5 s): p50 "
            f"{r['p50']:.3f} s, p95 {r['p95']:.3f} s, max {r['max']:.3f} s, earliest {r['min']:+.3f} s; "
            f"{r['creates']} create calls for {r['unique_texts']} distinct posts. Target p95 < {LATENESS_P95_S:g} s "
            f"and max < {LATENESS_MAX_S:g} s: {verdict}. ({_load(r)}.)",
            "",
        ]
    if "capacity" in results:
        r = results["capacity"]
        verdict = (
            "meets" if r["all_sent_after_due"] < CAPACITY_S and r["unique_texts"] == r["publications"] else ("MISSES")
        )
        lines += [
            f"**Capacity** ({r['publications']} publications due at once, the fake answering each create call in "
            f"{r['answer_s'] * 1000:.0f} ms): the last create arrived {r['all_sent_after_due']:.2f} s after the due "
            f"time (first {r['first_after_due']:+.3f} s; {r['per_second']:.1f} publications a second); "
            f"{r['creates']} create calls for {r['unique_texts']} distinct posts. Target: all within "
            f"{CAPACITY_S:g} s: {verdict}. CPU time per publication (ms): {_cpu_line(r['cpu_ms_per_publication'])}. "
            f"({_load(r)}.)",
            "",
        ]
    lines.append(END_MARK)
    block = "\n".join(lines)
    from bench.doc_results import write_block

    write_block(block, start=START_MARK, end=END_MARK, heading="Publishing benchmark")
    return block


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from tests.integration.stack import redis_server_process

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", nargs="?", choices=["lateness", "capacity", "both"], default="both")
    parser.add_argument("--no-write", action="store_true", help="print the results without updating the docs")
    configured = configured_concurrency()
    parser.add_argument(
        "--concurrency",
        type=int,
        default=configured,
        help=f"the worker's threads (WORKER_CONCURRENCY; default: the Procfile's {configured})",
    )
    parser.add_argument("--logs", type=Path, help="keep the processes' logs in this folder (default: deleted)")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="desk-bench-") as folder:
        tmp = args.logs or Path(folder)
        tmp.mkdir(parents=True, exist_ok=True)
        with redis_server_process(tmp / "redis.log") as redis:
            recreate_database()
            setup_django(database_url=DATABASE_URL, redis_url=redis.url, var_dir=tmp)
            concurrency = None if args.concurrency == configured else args.concurrency
            if args.scenario in ("lateness", "both"):
                (tmp / "lateness").mkdir(exist_ok=True)
                before = os.getloadavg()
                stack = Stack(redis=redis, tmp=tmp / "lateness", delay=0.0, concurrency=concurrency)
                results["lateness"] = {"loadavg_before": before, **lateness(stack)}
                print("lateness:", results["lateness"], flush=True)
            if args.scenario in ("capacity", "both"):
                (tmp / "capacity").mkdir(exist_ok=True)
                before = os.getloadavg()
                stack = Stack(redis=redis, tmp=tmp / "capacity", delay=0.1, concurrency=concurrency)
                results["capacity"] = {"loadavg_before": before, **capacity(stack)}
                print("capacity:", results["capacity"], flush=True)
    if not args.no_write:
        print(write_results(results, args.concurrency, configured))


if __name__ == "__main__":
    main()
