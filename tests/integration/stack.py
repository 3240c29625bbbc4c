"""Real processes for the pipeline's integration tests and benchmarks: the fake X/Graph service, Celery workers
and beat, each a subprocess of this one, pointed at the same PostgreSQL database and Redis broker; a Redis server
of a test's own, for a test that kills its broker.

Nothing here talks to a real network: X and Graph are the fake on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from tests.fakes.social import FakeSocialClient, Faults

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
def fake_social_process(
    delay: float = 0.0, log: Path | None = None, faults: Faults | None = None
) -> Iterator[FakeSocialClient]:
    """The fake X/Graph service in a process of its own; ``faults``: seeded faults of its create requests."""
    port = free_port()
    out = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    command = [sys.executable, "-m", "tests.fakes.social", "--port", str(port), "--delay", str(delay)]
    if faults is not None:
        command += ["--faults", json.dumps(faults.to_dict())]
    process = subprocess.Popen(
        command,
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


def procfile_command(role: str, procfile: str = "Procfile") -> str:
    """The command line of ``role`` in the Procfile, exactly as written (honcho runs it with a shell)."""
    for line in (ROOT / procfile).read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == role:
            return command.strip()
    raise LookupError(f"no {role!r} process in {procfile}")


def procfile_start(
    role: str, env: dict[str, str], log: Path, *args: str, procfile: str = "Procfile"
) -> subprocess.Popen:
    """Start the Procfile's ``role`` process as a deployment runs it: its command line through a shell (``args``
    appended, e.g. the ``--hostname`` each worker of a machine needs), this interpreter's ``celery`` first on the
    PATH, in its own process group, its output appended to ``log``. ``exec``: the shell becomes the process, so the
    pid is the worker's (or beat's) own. The caller stops it (``stop_process``)."""
    env = {**env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', os.defpath)}"}
    command = " ".join([procfile_command(role, procfile), *(shlex.quote(arg) for arg in args)])
    with open(log, "a") as out:
        return subprocess.Popen(
            ["sh", "-c", f"exec {command}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_process(process: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM to the process group, SIGKILL if it is still there after ``timeout`` seconds."""
    _stop(process, timeout)


@contextmanager
def procfile_process(
    role: str, env: dict[str, str], log: Path, procfile: str = "Procfile"
) -> Iterator[subprocess.Popen]:
    """The Procfile's ``role`` process as a deployment runs it: its command line through a shell, this
    interpreter's ``celery`` first on the PATH, in its own process group. ``exec``: the shell becomes the process,
    so the pid is the worker's (or beat's) own."""
    log.write_text("")
    process = procfile_start(role, env, log, procfile=procfile)
    try:
        yield process
    finally:
        _stop(process)


class RedisServer:
    """A ``redis-server`` of the caller's own on a free port that keeps nothing on disk: ``kill()`` then
    ``start()`` give an empty Redis at the same address, a broker restart that lost every message."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 10) -> None:
        command = [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no"]
        with open(self.log, "a") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(self.answers, timeout, f"redis-server on port {self.port} (see {self.log})")

    def answers(self) -> bool:
        with socket.socket() as sock:
            sock.settimeout(1)
            try:
                sock.connect(("127.0.0.1", self.port))
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
            except OSError:
                return False

    def kill(self) -> None:
        """SIGKILL: no shutdown, every connection dropped at once, nothing saved."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@contextmanager
def redis_server_process(log: Path) -> Iterator[RedisServer]:
    server = RedisServer(log)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def redis_server_installed() -> bool:
    return shutil.which("redis-server") is not None


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


def connection_owner(local_port: int, pids: Iterable[int]) -> int | None:
    """Which of ``pids`` holds the TCP connection whose local end is 127.0.0.1:``local_port`` (the ``peer`` the
    fake records for a request), from /proc; None when none of them does (the connection was closed)."""
    inodes = set()
    with suppress(OSError):
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            # A closed connection lingering in TIME_WAIT has inode 0: nobody holds it.
            if int(fields[1].rsplit(":", 1)[1], 16) == local_port and fields[9] != "0":
                inodes.add(f"socket:[{fields[9]}]")
    for pid in pids:
        with suppress(OSError):
            for fd in (Path("/proc") / str(pid) / "fd").iterdir():
                with suppress(OSError):
                    if os.readlink(fd) in inodes:
                        return pid
    return None


def wait_for(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)
