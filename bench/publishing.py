"""Benchmark of the publishing pipeline with real processes (issue 4): lateness and throughput.

    .venv/bin/python -m bench.publishing            # both scenarios, then updates docs/performance.md
    .venv/bin/python -m bench.publishing lateness   # or only one

Needs PostgreSQL and Redis (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/desk_bench, recreated on each
run; REDIS_URL, default redis://127.0.0.1:6379/14, flushed). X is the fake service of tests/fakes/social.py on
127.0.0.1: nothing reaches a real network. Processes: one fake, Celery workers (prefork) and beat, as in production.

- lateness: 200 posts planned over three minutes; for each, the time from its planned time to its create request
  reaching the fake. Target: p95 under 1 s, never over 2 s.
- throughput: 1,000 publications due at the same time, a fake answering in 100 ms; the time from their due time
  to the last create received. Target: within 1.25 x (1,000 x 0.1 s / worker concurrency).
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
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
PERFORMANCE_DOC = ROOT / "docs" / "performance.md"
START_MARK = "<!-- bench/publishing.py results: start -->"
END_MARK = "<!-- bench/publishing.py results: end -->"


def configured_concurrency() -> int:
    """The worker concurrency the project deploys: the Procfile's default for WORKER_CONCURRENCY. The throughput
    target is stated for it, so the benchmark measures it unless told otherwise."""
    match = re.search(r"--concurrency \$\{WORKER_CONCURRENCY:-(\d+)\}", (ROOT / "Procfile").read_text())
    if not match:
        raise SystemExit("Procfile: no `--concurrency ${WORKER_CONCURRENCY:-N}` on the worker line")
    return int(match.group(1))


def recreate_database() -> None:
    import psycopg

    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def production_env() -> None:
    """Run this process and the ones it starts as production does: DEBUG off, hence a secret key, encryption keys
    and allowed hosts (made up for this run and its own database). With DEBUG on, Django keeps every SQL
    statement of a process in memory: about 5 ms of CPU per publication (``bench.send_profile``) that no
    deployment pays."""
    from cryptography.fernet import Fernet

    os.environ["DEBUG"] = "false"
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(64)
    os.environ["FIELD_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
    os.environ["ALLOWED_HOSTS"] = "localhost"


def setup_django() -> None:
    production_env()
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ["REDIS_URL"] = REDIS_URL
    os.environ["CELERY_BROKER_URL"] = REDIS_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zonepolice.settings")
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
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


class CpuMeter:
    """CPU seconds (user + system) spent by the benchmark's processes between two readings, by role: the worker's
    main process and its pool processes, beat, the fake, PostgreSQL's backends for the benchmark database, and
    Redis (shared with anyone else using it). Read from /proc: noise from other users of the machine does not
    show here, unlike in wall-clock times."""

    def __init__(self, worker: int, beat: int, fake: int | None) -> None:
        self.roots = {"worker": worker, "beat": beat, "fake": fake}
        self.start: dict[int, tuple[str, float]] = {}

    def read(self) -> dict[int, tuple[str, float]]:
        from tests.integration.stack import children_of

        tick = os.sysconf("SC_CLK_TCK")
        pids: dict[int, str] = {}
        for role, pid in self.roots.items():
            if pid:
                pids[pid] = f"{role} main" if role == "worker" else role
                for child in children_of(pid):
                    pids[child] = f"{role} pool" if role == "worker" else role
        database = urlsplit(DATABASE_URL).path.lstrip("/")
        for entry in Path("/proc").iterdir():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if command.startswith("postgres:") and f" {database} " in command:
                pids[int(entry.name)] = "postgresql"
            elif command.startswith("redis-server"):
                pids[int(entry.name)] = "redis"
        times = {}
        for pid, role in pids.items():
            try:
                fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            # utime and stime are the 14th and 15th fields of stat, the 12th and 13th after the command name.
            times[pid] = (role, (int(fields[11]) + int(fields[12])) / tick)
        return times

    def begin(self) -> None:
        self.start = self.read()

    def spent(self) -> dict[str, float]:
        by_role: dict[str, float] = {}
        for pid, (role, seconds) in self.read().items():
            before = self.start.get(pid, (role, 0.0))[1]
            by_role[role] = by_role.get(role, 0.0) + seconds - before
        return by_role


def run_stack(concurrency: int, delay: float, tmp: Path, scenario):
    import redis

    from tests.integration.stack import celery_process, desk_env, fake_social_process

    redis.Redis.from_url(REDIS_URL).flushdb()
    with fake_social_process(delay=delay, log=tmp / "fake.log") as fake:
        env = desk_env(database_url=DATABASE_URL, redis_url=REDIS_URL, fake_url=fake.url, var_dir=tmp)
        with (
            celery_process("worker", env, tmp / "worker.log", "--concurrency", str(concurrency)) as worker,
            celery_process("beat", env, tmp / "beat.log", "--schedule", str(tmp / "beat-schedule")) as beat,
        ):
            return scenario(fake, CpuMeter(worker.pid, beat.pid, fake.pid))


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
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def lateness(tmp: Path, concurrency: int, posts: int = 200, spread_seconds: int = 180) -> dict:
    zone, officer, director = make_zone_and_users()

    def scenario(fake, _cpu):
        # Planned far enough ahead that every approval is done before the first one is due.
        first = datetime.now(UTC) + timedelta(seconds=45)
        step = spread_seconds / posts
        planned = [first + timedelta(seconds=n * step) for n in range(posts)]
        by_text = approve_posts(zone, officer, director, planned)
        wait_all_published(zone, posts, timeout=spread_seconds + 120)
        return by_text, fake.received("tweets"), os.getloadavg()

    by_text, received, load = run_stack(concurrency, 0.0, tmp, scenario)
    delays = []
    for request in received:
        planned = by_text[request.json()["text"]]
        delays.append(request.at - planned.timestamp())
    return {
        "loadavg_after": load,
        "posts": posts,
        "spread_s": spread_seconds,
        "concurrency": concurrency,
        "creates": len(received),
        "unique_texts": len({r.json()["text"] for r in received}),
        "p50": statistics.median(delays),
        "p95": percentile(delays, 95),
        "max": max(delays),
        "min": min(delays),
    }


def throughput(tmp: Path, concurrency: int, publications: int = 1000, answer_s: float = 0.1) -> dict:
    zone, officer, director = make_zone_and_users()

    def scenario(fake, cpu):
        from editorial.models import Publication

        # Approving 1,000 posts through the services takes longer than a minute, so they are approved for later,
        # then all their publications are made due at one moment (as "publish now" does for one post).
        by_text = approve_posts(zone, officer, director, [datetime.now(UTC) + timedelta(hours=2)] * publications)
        due = datetime.now(UTC) + timedelta(seconds=10)
        cpu.begin()
        Publication.objects.filter(post__zone=zone).update(next_attempt_at=due)
        wait_all_published(zone, publications, timeout=120 + publications * answer_s)
        return due, by_text, fake.received("tweets"), cpu.spent(), os.getloadavg()

    due, _by_text, received, cpu, load = run_stack(concurrency, answer_s, tmp, scenario)
    last = max(r.at for r in received)
    first = min(r.at for r in received)
    ideal = publications * answer_s / concurrency
    return {
        "cpu_ms_per_publication": {
            role: round(seconds * 1000 / publications, 1) for role, seconds in sorted(cpu.items())
        },
        "loadavg_after": load,
        "publications": publications,
        "answer_s": answer_s,
        "concurrency": concurrency,
        "creates": len(received),
        "unique_texts": len({r.json()["text"] for r in received}),
        "first_after_due": first - due.timestamp(),
        "all_sent_after_due": last - due.timestamp(),
        "ideal": ideal,
        "budget": 1.25 * ideal,
    }


def _load(r: dict) -> str:
    return "load average {:.2f} / {:.2f} / {:.2f}".format(*r["loadavg_before"]) + (
        " before, {:.2f} / {:.2f} / {:.2f} after".format(*r["loadavg_after"])
    )


def write_results(results: dict[str, dict], configured: int) -> str:
    lines = [
        START_MARK,
        f"Measured on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `python -m bench.publishing` on "
        f"{platform.node() or 'this machine'} ({os.cpu_count()} CPUs, Python {platform.python_version()}, "
        "PostgreSQL and Redis on localhost, fake X on localhost). The configured worker concurrency (Procfile) is "
        f"{configured}.",
        "",
    ]
    if "lateness" in results:
        r = results["lateness"]
        verdict = "meets" if r["p95"] < 1 and r["max"] <= 2 else "MISSES"
        lines += [
            f"**Lateness** ({r['posts']} posts over {r['spread_s']} s, {r['concurrency']} worker processes, beat "
            f"dispatching every 5 s): p50 {r['p50']:.3f} s, p95 {r['p95']:.3f} s, max {r['max']:.3f} s, earliest "
            f"{r['min']:+.3f} s; {r['creates']} create calls for {r['unique_texts']} distinct posts. "
            f"Target p95 < 1 s and max <= 2 s: {verdict}. ({_load(r)}.)",
            "",
        ]
    for key in sorted(k for k in results if k.startswith("throughput")):
        r = results[key]
        verdict = "meets" if r["all_sent_after_due"] <= r["budget"] else "MISSES"
        which = "the configured concurrency" if r["concurrency"] == configured else "not the configured concurrency"
        cpu = ", ".join(f"{role} {ms:.1f}" for role, ms in r["cpu_ms_per_publication"].items())
        lines += [
            f"**Throughput** ({r['publications']} publications due at once, fake answering in {r['answer_s']} s, "
            f"{r['concurrency']} worker processes, {which}): the last create arrived {r['all_sent_after_due']:.2f} s "
            f"after the due time (first {r['first_after_due']:+.3f} s); the concurrency allows {r['ideal']:.2f} s, "
            f"budget 1.25x = {r['budget']:.2f} s: {verdict}. {r['creates']} create calls for {r['unique_texts']} "
            f"distinct posts. CPU time per publication (ms): {cpu}. ({_load(r)}.)",
            "",
        ]
    lines.append(END_MARK)
    block = "\n".join(lines)
    text = PERFORMANCE_DOC.read_text()
    if START_MARK in text:
        head, rest = text.split(START_MARK, 1)
        text = head + block + rest.split(END_MARK, 1)[1]
    else:
        text = text.rstrip() + "\n\n## Publishing benchmark\n" + block + "\n"
    PERFORMANCE_DOC.write_text(text)
    return block


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", nargs="?", choices=["lateness", "throughput", "both"], default="both")
    parser.add_argument("--no-write", action="store_true", help="print the results without updating the docs")
    configured = configured_concurrency()
    parser.add_argument(
        "--concurrency",
        type=int,
        nargs="+",
        default=[configured],
        help=f"worker processes for the throughput runs (default: the configured {configured})",
    )
    parser.add_argument("--logs", type=Path, help="keep the processes' logs in this folder (default: deleted)")
    args = parser.parse_args()
    recreate_database()
    setup_django()
    results = {}
    with tempfile.TemporaryDirectory(prefix="desk-bench-") as folder:
        tmp = args.logs or Path(folder)
        tmp.mkdir(parents=True, exist_ok=True)
        if args.scenario in ("lateness", "both"):
            (tmp / "lateness").mkdir(exist_ok=True)
            before = os.getloadavg()
            results["lateness"] = {"loadavg_before": before, **lateness(tmp / "lateness", concurrency=configured)}
            print("lateness:", results["lateness"], flush=True)
        if args.scenario in ("throughput", "both"):
            for concurrency in args.concurrency:
                folder = tmp / f"throughput-{concurrency}"
                folder.mkdir(exist_ok=True)
                before = os.getloadavg()
                results[f"throughput-{concurrency}"] = {
                    "loadavg_before": before,
                    **throughput(folder, concurrency=concurrency),
                }
                print("throughput:", results[f"throughput-{concurrency}"], flush=True)
    if not args.no_write:
        print(write_results(results, configured))


if __name__ == "__main__":
    main()
