"""Real processes for the pipeline's integration tests and benchmarks: the fake X/Graph service, Celery workers
and beat, each a subprocess of this one, pointed at the same PostgreSQL database and Redis broker.

Nothing here talks to a real network: X and Graph are the fake on 127.0.0.1.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from tests.fakes.social import FakeSocialClient

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(settings_dict: dict) -> str:
    """A URL for the database Django is connected to (the test database during tests)."""
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


def desk_env(*, database_url: str, redis_url: str, fake_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a worker or beat that publishes to the fake through the network publishers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DESK_REQUIRE", "PYTEST"))}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(
        DJANGO_SETTINGS_MODULE="zonepolice.settings",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        PUBLISHER_BACKEND="network",
        X_API_BASE_URL=fake_url,
        FACEBOOK_GRAPH_URL=fake_url,
        DESK_VAR_DIR=str(var_dir),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def _stop(process: subprocess.Popen, timeout: float = 15) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)


@contextmanager
def fake_social_process(delay: float = 0.0, log: Path | None = None) -> Iterator[FakeSocialClient]:
    port = free_port()
    out = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.social", "--port", str(port), "--delay", str(delay)],
        cwd=ROOT,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        client = FakeSocialClient(f"http://127.0.0.1:{port}", pid=process.pid)
        client.wait_until_up()
        yield client
    finally:
        _stop(process)
        if log:
            out.close()


@contextmanager
def celery_process(role: str, env: dict[str, str], log: Path, *args: str) -> Iterator[subprocess.Popen]:
    """``celery -A zonepolice worker|beat`` in its own process group (so the whole group can be signalled)."""
    command = [sys.executable, "-m", "celery", "-A", "zonepolice", role, "--loglevel", "INFO", *args]
    if role == "worker":
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    with open(log, "w") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield process
        finally:
            _stop(process)


def children_of(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (the pool processes of a prefork worker), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: the parent id is the 2nd field after it.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def wait_for(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)
