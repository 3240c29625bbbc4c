"""The fault campaign of issue 11: publishing under real faults, with real processes, against the fake X/Graph.

    .venv/bin/python -m bench.faults                 # the full campaign (about 15 minutes), then docs/performance.md
    .venv/bin/python -m bench.faults --seed 12 --no-write --logs /tmp/campaign

What runs: PostgreSQL on localhost (BENCH_FAULTS_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/desk_faults,
recreated), a redis-server of the campaign's own on a free port (killed and restarted empty), the fake X/Graph
service of tests/fakes/social.py with seeded faults, two workers and beat as the Procfile runs them (threads pool;
each worker with the ``--hostname`` the systemd unit gives it), DEBUG off as in production. A supervisor loop
restarts a worker or beat that exited after ``restart_after_s`` (5 s), as systemd's ``Restart=always``; a cron loop
runs ``manage.py check_publishing`` every minute. E-mails go to files (``bench.mailbox``) and are counted.

The full plan (``FULL``): 1,000 publications (posts on X and Facebook, a few on one network only, some with one or
two images so the upload steps run) due over six minutes. The fake answers each create request, drawn from the
seed and the post's text: 10% rate limits (X: 429 with a reset 20-40 s ahead; Graph: code 4, 17, 32 or 613 in a
400 or 403, access back in 1 minute), 5% server errors before creating (nothing created: the desk must call them
unknown, which is right: it cannot know), 2% server errors after creating, 2% hangs longer than the read timeout
(created, then no answer: PUBLISH_READ_TIMEOUT is 10 s for the campaign instead of 30 s, to keep it short). Process
faults: a worker killed with SIGKILL four times (each time while it is inside a create call, when one is in
flight), beat killed once, Redis killed and restarted empty after a minute. Then a drain until every publication
is final (published, failed, unknown or cancelled), check_publishing once more as cron would, and a wait for the
alert e-mails.

What is measured (``evaluate``), each against its target: create requests per publication (at most 1 when the
first was accepted; none ever after an answer that was not a refusal), publications not final, publications created
on the fake but not published or unknown in the desk, time to alert for every Alert (from the problem's start),
alert events per problem, workers that survived the Redis restart, lateness of the publications that met no fault;
counts per outcome and per fault, e-mails sent, the load average around the run.

``run(plan, ...)`` is the campaign; tests/integration/test_fault_campaign.py runs it at a small scale (``SHORT``).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import os
import pickle
import platform
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATABASE_URL = os.environ.get("BENCH_FAULTS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/desk_faults")
START_MARK = "<!-- bench/faults.py results: start -->"
END_MARK = "<!-- bench/faults.py results: end -->"
SEED = 11  # the number: any fixed value gives the same faults to the same posts on every run

FINAL = ("published", "failed", "unknown", "cancelled")
ALERT_WITHIN_S = 120.0
LATENESS_P95_S, LATENESS_MAX_S = 1.0, 2.0
# A publication due this long before a Redis or beat fault, or until this long after the process is back, is
# "around" it: the dispatcher enqueues up to 30 s ahead (messages lost with Redis), and dispatches nothing while
# either is down. Around a worker kill, only what was due while it was down or about to be: the messages the
# killed worker held are known (the reaper enqueues them again and says so in the worker's log).
AROUND_BEFORE_S, AROUND_AFTER_S = 5.0, 35.0
AROUND_WORKER_S = 5.0
REQUEUED = re.compile(r"re-enqueued publications whose message was lost: \[([\d, ]*)\]")
MARKER = re.compile(r"\[fc(\d+)-(x|f)\]")


@dataclass(frozen=True)
class Plan:
    """A campaign: how many publications over how long, the fake's faults, the process faults (seconds after the
    first publication's due time), and the settings that keep it short."""

    publications: int = 1000
    spread_s: float = 360.0
    seed: int = SEED
    rate_limit: float = 0.10
    error_before: float = 0.05
    error_after: float = 0.02
    hang: float = 0.02
    hang_s: float = 25.0  # longer than the campaign's PUBLISH_READ_TIMEOUT
    fake_delay_s: float = 0.3  # a network's usual create call
    one_network_share: float = 0.2  # posts on X only or Facebook only; the others on both
    # The fast lane (issue 13): posts made as instances of an approved template, and urgent posts, besides the
    # reviewed ones; one of the two templates is edited at ``template_edit_s`` (its instances due later must never
    # go out: nothing sent after the edit).
    template_share: float = 0.2
    urgent_share: float = 0.1
    template_edit_s: float | None = 200.0
    one_image_share: float = 0.12
    two_images_share: float = 0.06
    workers: int = 2
    # Each kill waits (up to kill_wait_s) for a create call in flight and kills the worker making it.
    worker_kills: tuple[float, ...] = (45.0, 100.0, 250.0, 300.0)
    beat_kills: tuple[float, ...] = (125.0,)
    redis_kill: float | None = 160.0
    redis_down_s: float = 60.0
    kill_wait_s: float = 15.0
    restart_after_s: float = 5.0  # systemd's RestartSec
    cron_first_s: float = 30.0
    cron_every_s: float = 60.0
    lead_s: float = 20.0  # from the processes being ready to the first due time
    drain_max_s: float = 480.0
    mail_wait_s: float = 150.0  # for the last alerts' e-mail (grouped: one per zone every 120 s)
    settings: tuple[tuple[str, str], ...] = (("PUBLISH_READ_TIMEOUT", "10"),)

    @property
    def faults(self):
        from tests.fakes.social import Faults

        return Faults(
            seed=self.seed,
            rate_limit=self.rate_limit,
            error_before=self.error_before,
            error_after=self.error_after,
            hang=self.hang,
            hang_seconds=self.hang_s,
        )


FULL = Plan()
# The test's campaign (tests/integration/test_fault_campaign.py): the same mix, one worker killed during a create
# call, no beat or Redis fault, a shorter send budget and read timeout so that the stuck send is reaped sooner.
SHORT = Plan(
    publications=50,
    spread_s=60.0,
    hang_s=10.0,
    worker_kills=(15.0,),
    beat_kills=(),
    redis_kill=None,
    kill_wait_s=20.0,
    lead_s=10.0,
    template_edit_s=30.0,
    drain_max_s=150.0,
    mail_wait_s=0.0,
    settings=(("PUBLISH_READ_TIMEOUT", "5"), ("PUBLISH_SEND_BUDGET_SECONDS", "20")),
)


# --- Processes ----------------------------------------------------------------------------------------------------


@dataclass
class ProcessFault:
    kind: str  # "worker", "beat", "redis"
    name: str
    at: float  # epoch seconds
    back_at: float | None = None  # restarted (by the supervisor, or Redis by the campaign)
    pid: int | None = None
    in_flight: str | None = None  # the text of the create call the killed worker was making


class Supervisor:
    """systemd's ``Restart=always`` for the workers and beat: a process that exited is started again
    ``restart_after`` seconds later, its restarts recorded."""

    def __init__(self, env: dict[str, str], tmp: Path, restart_after: float) -> None:
        self.env, self.tmp, self.restart_after = env, tmp, restart_after
        self.processes: dict[str, subprocess.Popen] = {}
        self.args: dict[str, tuple[str, tuple[str, ...]]] = {}
        self.restarts: list[tuple[str, float, int | None]] = []  # (name, time, exit status)
        self.faults: list[ProcessFault] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="supervisor", daemon=True)

    def start(self, name: str, role: str, *args: str) -> None:
        from tests.integration.stack import procfile_start

        self.args[name] = (role, args)
        self.processes[name] = procfile_start(role, self.env, self.tmp / f"{name}.log", *args)

    def run(self) -> None:
        self._thread.start()

    def pid(self, name: str) -> int:
        return self.processes[name].pid

    def kill(self, name: str, *, in_flight: str | None = None) -> ProcessFault:
        with self._lock:
            process = self.processes[name]
            fault = ProcessFault(
                kind=self.args[name][0], name=name, at=time.time(), pid=process.pid, in_flight=in_flight
            )
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGKILL)
            self.faults.append(fault)
            return fault

    def _loop(self) -> None:
        from tests.integration.stack import procfile_start

        exited_at: dict[str, float] = {}
        while not self._stop.wait(0.2):
            with self._lock:
                for name, process in self.processes.items():
                    if process.poll() is None:
                        continue
                    exited_at.setdefault(name, time.time())
                    if time.time() - exited_at[name] < self.restart_after:
                        continue
                    role, args = self.args[name]
                    self.restarts.append((name, time.time(), process.returncode))
                    self.processes[name] = procfile_start(role, self.env, self.tmp / f"{name}.log", *args)
                    del exited_at[name]
                    for fault in self.faults:
                        if fault.name == name and fault.back_at is None:
                            fault.back_at = time.time()

    def stop(self) -> None:
        from tests.integration.stack import stop_process

        self._stop.set()
        self._thread.join(5)
        for process in self.processes.values():
            stop_process(process, timeout=20)


class Cron:
    """``manage.py check_publishing`` every ``every`` seconds from ``first`` (epoch seconds), as cron would run it."""

    def __init__(self, env: dict[str, str], first: float, every: float) -> None:
        self.env, self.first, self.every = env, first, every
        self.runs: list[tuple[float, int, str]] = []  # (start, exit status, first line of its output)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="cron", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def run_once(self) -> None:
        started = time.time()
        done = subprocess.run(
            [sys.executable, "manage.py", "check_publishing"],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        output = (done.stderr or done.stdout).strip().splitlines()
        self.runs.append((started, done.returncode, output[0] if output else ""))

    def _loop(self) -> None:
        moment = self.first
        while not self._stop.wait(max(0.0, moment - time.time())):
            self.run_once()
            moment += self.every

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(130)


# --- The posts ----------------------------------------------------------------------------------------------------


@dataclass
class Planned:
    """One publication as the campaign planned it."""

    marker: str
    kind: str  # "x" or "facebook"
    post_index: int
    offset: float  # seconds after the first due time
    images: int
    lane: str = "reviewed"  # reviewed, template (an instance), urgent
    template: str = ""  # the instance's template: "A", or "B" (the one edited during the campaign)
    publication_id: int = 0
    due: float = 0.0  # epoch seconds


def plan_posts(plan: Plan) -> list[tuple[int, float, tuple[str, ...], int, str]]:
    """(post index, offset, channel kinds, images per channel, lane) for posts making ``plan.publications``
    publications, spread evenly over the period with a seeded jitter. The lane: "reviewed", "template A",
    "template B" (the template edited during the campaign) or "urgent"; fast-lane posts carry no image."""
    rng = random.Random(f"{plan.seed}|posts")  # noqa: S311 - a seeded plan, not a secret
    shapes = []
    remaining = plan.publications
    while remaining > 0:
        if remaining == 1 or rng.random() < plan.one_network_share:
            kinds = (rng.choice(("x", "facebook")),)
        else:
            kinds = ("x", "facebook")
        draw = rng.random()
        images = 2 if draw < plan.two_images_share else 1 if draw < plan.two_images_share + plan.one_image_share else 0
        lane_draw = rng.random()
        if lane_draw < plan.template_share:
            lane, images = rng.choice(("template A", "template B")), 0
        elif lane_draw < plan.template_share + plan.urgent_share:
            lane, images = "urgent", 0
        else:
            lane = "reviewed"
        shapes.append((kinds, images, lane))
        remaining -= len(kinds)
    step = plan.spread_s / len(shapes)
    return [(n, n * step + rng.uniform(0, step), kinds, images, lane) for n, (kinds, images, lane) in enumerate(shapes)]


def _png(n: int):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), ((n * 37) % 256, (n * 91) % 256, (n * 53) % 256)).save(buffer, "PNG")
    return SimpleUploadedFile(f"image-{n}.png", buffer.getvalue(), content_type="image/png")


# The campaign's templates: the marker is typed in a free placeholder per network, as a unit head types a detail.
TEMPLATE_TEXTS = {
    "x": "Contrôle de vitesse à {locality}, jeudi dès 7 h {mx} #controle",
    "facebook": "Ce jeudi, nos équipes contrôlent la vitesse à {locality}. {mf}",
}


def make_templates(zone, officer, director) -> dict[str, Any]:
    """Two approved templates, "A" and "B" (B is edited during the campaign), through the services."""
    from editorial import template_services
    from editorial.models import Category, Channel, Value
    from editorial.services import ValueAnswer
    from editorial.templating import Placeholder

    channels = {c.kind: c for c in Channel.objects.filter(zone=zone)}
    free = [Placeholder(name=name, kind="text", max_length=30) for name in ("mx", "mf")]
    answers = {v.pk: ValueAnswer(True) for v in Value.objects.filter(zone=zone, is_active=True)}
    category = Category.objects.filter(zone=zone).order_by("pk").first()
    templates = {}
    for name in ("A", "B"):
        template = template_services.template_create(
            actor=officer,
            zone=zone,
            name=f"Radar {name}",
            texts={channels[kind]: text for kind, text in TEMPLATE_TEXTS.items()},
            placeholders=free,
            category=category,
        )
        template_services.template_submit(actor=officer, template=template)
        template.refresh_from_db()
        template_services.template_approve(
            actor=director,
            template=template,
            reviewed_fingerprint=template.current_version.fingerprint,
            answers=answers,
            confidentiality_confirmed=True,
        )
        template.refresh_from_db()
        templates[name] = template
    return templates


def delegated_head(zone, director, category):
    """The zone's traffic head, with a right to publish from templates of ``category`` on both networks."""
    from accounts import grants
    from accounts.models import Grant, Membership, Role
    from editorial.models import Channel
    from tests.factories import make_member

    head = make_member(zone, Role.UNIT_HEAD, "Trafic", username=f"trafic-{zone.pk}")
    grants.grant_create(
        actor=director,
        membership=Membership.objects.get(user=head, zone=zone),
        scope=Grant.Scope.TEMPLATES,
        channels=list(Channel.objects.filter(zone=zone)),
        categories=[category],
    )
    return head


def edit_template(template, officer) -> None:
    """The officer changes template B's texts while instances of it wait: the approval is void."""
    from editorial import template_services
    from editorial.models import Channel
    from editorial.templating import Placeholder

    channels = {c.kind: c for c in Channel.objects.filter(zone=template.zone)}
    template_services.template_update(
        actor=officer,
        template=template,
        name=template.name,
        texts={channels[kind]: f"{text} (modifié)" for kind, text in TEMPLATE_TEXTS.items()},
        placeholders=[Placeholder(name=name, kind="text", max_length=30) for name in ("mx", "mf")],
        category=template.category,
    )


def approve_posts(plan: Plan, zone, officer, director, *, planned_at: datetime) -> list[Planned]:
    """The campaign's posts, for a time far ahead (the publications' due times are set when the processes are
    ready: approving hundreds of posts takes minutes): reviewed posts drafted, submitted and approved through the
    services; instances of the two templates published by the traffic head under a delegated right
    (``template_instance_publish``); urgent posts
    (``fast_lane_publish`` as ``post_publish_urgent`` ends, without its code, which the campaign cannot type).
    Each text carries its marker ``[fc<seed><post>-x|f]``: the fake's record of create requests is by text."""
    from editorial import fastlane, services
    from editorial.models import Channel, PostOrigin, Publication, Value
    from editorial.services import NewMedia, ValueAnswer

    channels = {c.kind: c for c in Channel.objects.filter(zone=zone)}
    answers = {v.pk: ValueAnswer(True) for v in Value.objects.filter(zone=zone, is_active=True)}
    templates = make_templates(zone, officer, director) if plan.template_share else {}
    # The instances are published by the head of the traffic unit, under the right the director delegated.
    head = delegated_head(zone, director, templates["A"].category) if templates else None
    planned: list[Planned] = []
    for index, offset, kinds, images, lane in plan_posts(plan):
        texts, media, mine, markers = {}, [], [], {}
        for kind in kinds:
            marker = f"[fc{plan.seed}{index:04d}-{kind[0]}]"
            markers[kind] = marker
            texts[channels[kind]] = f"Contrôle de vitesse rue de Mons à Quévy, jeudi dès 7 h {marker} #controle"
            media += [
                NewMedia(channel=channels[kind], image=_png(index + i), alt_text=f"Radar {i}") for i in range(images)
            ]
            mine.append(
                Planned(
                    marker=marker,
                    kind=kind,
                    post_index=index,
                    offset=offset,
                    images=images,
                    lane=lane.split()[0],
                    template=lane.split()[1] if lane.startswith("template") else "",
                )
            )
        if lane.startswith("template"):
            template = templates[lane.split()[1]]
            post = fastlane.template_instance_publish(
                actor=head,
                template=template,
                version_id=template.approved_version_id,
                raw_values={"locality": "Quévy", "mx": markers.get("x", "-"), "mf": markers.get("facebook", "-")},
                channels=[channels[kind] for kind in kinds],
                planned_at=planned_at,
            )
        elif lane == "urgent":
            post = fastlane.fast_lane_publish(
                actor=officer,
                zone=zone,
                title=f"Urgent {index}",
                texts=texts,
                origin=PostOrigin.URGENT,
                published_under="role:officer",
                approved_by=officer,
                planned_at=planned_at,
                urgent_reason="Campagne de fautes",
            )
        else:
            post = services.post_create(
                actor=officer, zone=zone, title=f"Campagne {index}", texts=texts, planned_at=planned_at, media_add=media
            )
            services.post_submit(actor=officer, post=post)
            services.post_approve(
                actor=director,
                post=post,
                reviewed_fingerprint=services.post_fingerprint(post=post),
                answers=answers,
                confidentiality_confirmed=True,
            )
        post.refresh_from_db()
        # An instance whose values the scan flagged would be held for review: the campaign's never are.
        assert post.status == "approved", (lane, post.pk, post.status)
        ids = dict(Publication.objects.filter(post=post).values_list("channel__kind", "pk"))
        for each in mine:
            each.publication_id = ids[each.kind]
        planned += mine
    return planned


def make_zone_and_users(seed: int):
    from accounts.models import Role
    from editorial.models import Channel
    from tests.factories import make_member, make_zone

    stamp = time.time_ns()
    zone = make_zone(f"Zone de la campagne {seed} ({stamp})", slug=f"campaign-{stamp}")
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


# --- The campaign -------------------------------------------------------------------------------------------------


@dataclass
class Observed:
    """What the campaign saw while it ran; ``evaluate`` reads it with the database and the fake's record."""

    plan: Plan
    zone_id: int
    planned: list[Planned]
    first_due: float
    faults: list[ProcessFault]
    restarts: list[tuple[str, float, int | None]]
    cron_runs: list[tuple[float, int, str]]
    heartbeats: list[float]  # every heartbeat time seen (the row is overwritten)
    creates: list[Any]  # tests.fakes.social.CreateRequest
    # worker: (pid before the Redis kill, pid 30 s after its restart; -1 when it exited or was restarted meanwhile)
    redis_survivors: dict[str, tuple[int, int]] = field(default_factory=dict)
    redis_survivors_checked: bool = False
    mails: list[str] = field(default_factory=list)
    # Publications whose message was lost (with a killed worker or Redis): the reaper enqueued them again.
    requeued: set[int] = field(default_factory=set)
    load: dict[str, Any] = field(default_factory=dict)
    template_edited_at: float | None = None
    finished_at: float = 0.0
    drained_s: float = 0.0


def _log(message: str) -> None:
    print(f"{datetime.now():%H:%M:%S} {message}", flush=True)


def _wait_ready(supervisor: Supervisor, tmp: Path, names: list[str], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    for name in names:
        log = tmp / f"{name}.log"
        while " ready." not in (log.read_text(errors="replace") if log.exists() else ""):
            if supervisor.processes[name].poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
                raise RuntimeError(f"{name} did not start:\n{tail}")
            time.sleep(0.2)


def _kill_during_create(supervisor: Supervisor, fake, workers: list[str], wait_s: float, fallback: str) -> ProcessFault:
    """SIGKILL the worker making a create call: the first one in flight at the fake within ``wait_s`` (a hanging
    one first, it lasts), found by its connection; ``fallback`` when none is."""
    from tests.integration.stack import connection_owner

    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        in_flight = sorted(fake.in_flight(), key=lambda c: (c.fault != "hang", c.at))
        pids = {supervisor.pid(name): name for name in workers}
        for create in in_flight:
            if create.peer is None:
                continue
            owner = connection_owner(create.peer[1], pids)
            if owner is not None:
                return supervisor.kill(pids[owner], in_flight=create.text)
        time.sleep(0.05)
    return supervisor.kill(fallback)


def _chaos(plan: Plan, supervisor: Supervisor, fake, redis, first_due: float, observed: Observed, stop) -> None:
    """The process faults of the plan, at their times."""
    workers = [f"worker{n + 1}" for n in range(plan.workers)]
    events: list[tuple[float, str]] = [(t, "worker") for t in plan.worker_kills]
    events += [(t, "beat") for t in plan.beat_kills]
    if plan.template_edit_s is not None and plan.template_share:
        events.append((plan.template_edit_s, "template"))
    if plan.redis_kill is not None and redis is not None:
        events.append((plan.redis_kill, "redis"))
    kills = 0
    for offset, kind in sorted(events):
        if stop.wait(max(0.0, first_due + offset - time.time())):
            return
        if kind == "worker":
            fault = _kill_during_create(
                supervisor, fake, workers, plan.kill_wait_s, fallback=workers[kills % len(workers)]
            )
            kills += 1
            _log(f"killed {fault.name} (pid {fault.pid}) during the create call of {fault.in_flight!r}")
        elif kind == "beat":
            fault = supervisor.kill("beat")
            _log(f"killed beat (pid {fault.pid})")
        elif kind == "template":
            from django.db import connection

            from editorial.models import Template

            template = Template.objects.get(zone_id=observed.zone_id, name="Radar B")
            edit_template(template, template.created_by)
            observed.template_edited_at = time.time()
            connection.close()  # this thread's own connection
            _log("template B edited: its instances not sent yet must never go out")
        else:
            before = {name: supervisor.pid(name) for name in workers}
            restarts_before = len(supervisor.restarts)
            fault = ProcessFault(kind="redis", name="redis", at=time.time())
            redis.kill()
            supervisor.faults.append(fault)
            _log(f"killed Redis; back in {plan.redis_down_s:g} s")
            if stop.wait(plan.redis_down_s):
                return
            redis.start()
            fault.back_at = time.time()
            _log("Redis restarted, empty")
            # The workers must come through by themselves: same processes, none restarted meanwhile.
            if stop.wait(30):
                return
            restarted = {name for name, _at, _status in supervisor.restarts[restarts_before:]}
            for name, pid in before.items():
                alive = supervisor.processes[name].poll() is None and name not in restarted
                observed.redis_survivors[name] = (pid, supervisor.pid(name) if alive else -1)
            observed.redis_survivors_checked = True


def run(plan: Plan, *, database_url: str, redis, tmp: Path) -> Observed:
    """Run the campaign against the database Django is connected to (``database_url`` for the processes) and the
    Redis server ``redis`` (a tests.integration.stack.RedisServer: the campaign may kill it); ``tmp`` for the
    processes' logs, the beat schedule, the images and the e-mails. Django must be set up in this process, with
    the same database, DESK_VAR_DIR/MEDIA_ROOT under ``tmp`` and encryption keys as the processes'."""
    from django.db.models import Count

    from bench.mailbox import messages_in
    from editorial.models import Alert, Heartbeat, Publication
    from tests.integration.stack import desk_env, fake_social_process

    mail_dir = tmp / "mail"
    mail_dir.mkdir(parents=True, exist_ok=True)
    zone, officer, director = make_zone_and_users(plan.seed)
    started = time.monotonic()
    planned = approve_posts(plan, zone, officer, director, planned_at=datetime.now(UTC) + timedelta(days=1))
    _log(f"{len(planned)} publications approved in {time.monotonic() - started:.0f} s")
    load: dict[str, Any] = {"before": os.getloadavg(), "max_1min": 0.0}

    with fake_social_process(delay=plan.fake_delay_s, log=tmp / "fake.log", faults=plan.faults) as fake:
        env = desk_env(database_url=database_url, redis_url=redis.url, fake_url=fake.url, var_dir=tmp)
        env.update(EMAIL_BACKEND="bench.mailbox.EmailBackend", DESK_BENCH_MAIL_DIR=str(mail_dir), **dict(plan.settings))
        env.pop("WORKER_CONCURRENCY", None)  # the Procfile's default
        supervisor = Supervisor(env, tmp, plan.restart_after_s)
        workers = [f"worker{n + 1}" for n in range(plan.workers)]
        for name in workers:
            # Two workers on one machine need a node name each (deploy/systemd/zone-desk-worker@.service).
            supervisor.start(name, "worker", "--hostname", f"{name}@%h")
        supervisor.start("beat", "beat")
        stop = threading.Event()  # ends the chaos thread
        cron = None
        try:
            _wait_ready(supervisor, tmp, workers)
            supervisor.run()
            first_due = time.time() + plan.lead_s
            by_id = {p.publication_id: p for p in planned}
            rows = list(Publication.objects.filter(pk__in=by_id))
            for row in rows:
                each = by_id[row.pk]
                each.due = first_due + each.offset
                row.next_attempt_at = datetime.fromtimestamp(each.due, UTC)
            Publication.objects.bulk_update(rows, ["next_attempt_at"], batch_size=500)
            _log(f"first publication due in {plan.lead_s:g} s, the last {plan.spread_s:g} s later")
            cron = Cron(env, first_due + plan.cron_first_s, plan.cron_every_s)
            cron.start()
            observed = Observed(
                plan=plan,
                zone_id=zone.pk,
                planned=planned,
                first_due=first_due,
                faults=supervisor.faults,
                restarts=supervisor.restarts,
                cron_runs=cron.runs,
                heartbeats=[],
                creates=[],
                load=load,
            )
            chaos = threading.Thread(
                target=_chaos,
                args=(plan, supervisor, fake, redis, first_due, observed, stop),
                name="chaos",
                daemon=True,
            )
            chaos.start()

            mine = Publication.objects.filter(pk__in=by_id)
            end_of_plan = first_due + plan.spread_s
            last_report = 0.0
            drained_at = None
            while True:
                now = time.time()
                seen = Heartbeat.objects.filter(name="publishing").values_list("seen_at", flat=True).first()
                if seen is not None and (not observed.heartbeats or observed.heartbeats[-1] != seen.timestamp()):
                    observed.heartbeats.append(seen.timestamp())
                load["max_1min"] = max(load["max_1min"], os.getloadavg()[0])
                if now - last_report > 30:
                    statuses = dict(mine.values_list("status").annotate(n=Count("pk")))
                    _log(f"t={now - first_due:+.0f} s {statuses}")
                    last_report = now
                chaos_done = not chaos.is_alive()
                if now > end_of_plan and chaos_done and not mine.exclude(status__in=FINAL).exists():
                    drained_at = now
                    break
                if now > end_of_plan + plan.drain_max_s:
                    break
                time.sleep(1)
            observed.drained_s = (drained_at or time.time()) - end_of_plan
            stop.set()
            chaos.join(plan.redis_down_s + 60)
            cron.stop()
            cron.run_once()  # the last look, as cron would take it
            _log(f"drained {observed.drained_s:.0f} s after the last due time; check_publishing: {cron.runs[-1][1:]}")
            # The last alerts' e-mail: alerts are e-mailed grouped, at most one e-mail per zone every 120 s.
            deadline = time.time() + plan.mail_wait_s
            while Alert.objects.filter(zone=zone, mailed_at__isnull=True).exists() and time.time() < deadline:
                time.sleep(2)
            observed.creates = fake.creates()
        finally:
            stop.set()
            if cron is not None:
                cron.stop()  # again after a normal end: nothing left to stop
            supervisor.stop()
    observed.mails = messages_in(mail_dir)
    for log in tmp.glob("worker*.log"):
        for found in REQUEUED.findall(log.read_text(errors="replace")):
            observed.requeued.update(int(n) for n in found.split(",") if n.strip())
    load["after"] = os.getloadavg()
    observed.finished_at = time.time()
    return observed


# --- What it shows ------------------------------------------------------------------------------------------------


@dataclass
class Check:
    name: str
    target: str
    value: str
    met: bool


@dataclass
class Evaluation:
    checks: list[Check]
    figures: dict[str, Any]
    violations: dict[str, list[Any]]

    @property
    def all_met(self) -> bool:
        return all(check.met for check in self.checks)


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def _ts(value) -> float:
    return value.timestamp()


def evaluate(observed: Observed) -> Evaluation:
    """Read the outcome of a campaign from the database, the fake's record and what the campaign saw."""
    from editorial.models import Alert, AuditEvent, Publication, PublicationAttempt

    plan = observed.plan
    by_marker = {p.marker: p for p in observed.planned}
    by_id = {p.publication_id: p for p in observed.planned}
    publications = {p.pk: p for p in Publication.objects.filter(pk__in=by_id)}
    requests: dict[int, list[Any]] = defaultdict(list)
    strangers = 0
    for create in sorted(observed.creates, key=lambda c: c.at):
        match = MARKER.search(create.text or "")
        planned = by_marker.get(match.group(0)) if match else None
        if planned is None:
            strangers += 1
            continue
        requests[planned.publication_id].append(create)
    attempts: dict[int, list[PublicationAttempt]] = defaultdict(list)
    for attempt in PublicationAttempt.objects.filter(publication_id__in=by_id).order_by("number"):
        attempts[attempt.publication_id].append(attempt)
    events = list(
        AuditEvent.objects.filter(object_id__in=[str(i) for i in by_id], action__startswith="editorial.publication.")
        .order_by("pk")
        .values("action", "object_id", "data", "created_at")
    )
    reaped = {
        (int(e["object_id"]), e["data"].get("attempt"))
        for e in events
        if e["action"].endswith(".unknown") and e["data"].get("reaped")
    }
    retry_times: dict[int, list[tuple[float, float]]] = defaultdict(list)  # (event time, retry at)
    for e in events:
        if e["action"] == "editorial.publication.retrying" and e["data"].get("retry_at"):
            retry_at = datetime.fromisoformat(e["data"]["retry_at"])
            retry_times[int(e["object_id"])].append((_ts(e["created_at"]), _ts(retry_at)))
    violations: dict[str, list[Any]] = defaultdict(list)

    # Create requests per publication.
    most = most_accepted_first = 0
    for pk, made in requests.items():
        most = max(most, len(made))
        if made[0].created:
            most_accepted_first = max(most_accepted_first, len(made))
            if len(made) > 1:
                violations["second create after an accepted first"].append(pk)
        for earlier, later in itertools.pairwise(made):
            if earlier.fault != "rate_limit":
                violations["create after an answer that was not a refusal"].append(
                    (pk, earlier.fault or "accepted", earlier.status, round(later.at - earlier.at, 1))
                )
                break

    # Final states; created on the network but not published or unknown in the desk; the reverse.
    statuses = Counter(p.status for p in publications.values())
    not_final = sorted(pk for pk, p in publications.items() if p.status not in FINAL)
    violations["not final"] = not_final
    for pk, made in requests.items():
        if any(c.created for c in made) and publications[pk].status not in ("published", "unknown"):
            violations["created on the network, not published or unknown"].append((pk, publications[pk].status))
    for pk, p in publications.items():
        if p.status == "published" and not any(c.created for c in requests.get(pk, [])):
            violations["published but never created on the network"].append(pk)

    # Template B was edited during the campaign: none of its instances may be created on the network afterwards.
    edited_at = observed.template_edited_at
    b_instances = [p for p in observed.planned if p.template == "B"]
    after_edit = [
        (p.publication_id, round(c.at - edited_at, 2))
        for p in b_instances
        for c in requests.get(p.publication_id, [])
        if edited_at is not None and c.at > edited_at
    ]
    violations["instance of an edited template created after the edit"] = after_edit
    b_due_after = [p for p in b_instances if edited_at is not None and p.due > edited_at]

    # Why each unknown is unknown.
    unknown_causes: Counter[str] = Counter()
    for pk, p in publications.items():
        if p.status != "unknown":
            continue
        made = requests.get(pk, [])
        if (pk, p.attempts) in reaped:
            cause = (
                "worker killed during the create call, post created"
                if made and made[-1].created
                else "worker killed while sending, nothing created"
            )
        elif made and made[-1].fault:
            cause = {
                "error_before": "5xx before creating (nothing created)",
                "error_after": "5xx after creating",
                "hang": "no answer within the read timeout (created)",
            }.get(made[-1].fault, made[-1].fault)
        else:
            cause = "other"
            violations["unknown for no reason the campaign made"].append((pk, p.last_error[:120]))
        unknown_causes[cause] += 1
    failed = [(pk, p.last_error[:160]) for pk, p in publications.items() if p.status == "failed"]

    # Time to alert: from the problem's start to the alert.
    faults = sorted(observed.faults, key=lambda f: f.at)
    alerts = list(Alert.objects.filter(zone_id=observed.zone_id).order_by("raised_at", "pk"))
    to_alert: dict[str, list[float]] = defaultdict(list)
    # An alert's raised_at is the moment its reaper (or outcome) started; its audit event is written when the
    # transaction that raised it ends, and the e-mail later (grouped): both are measured too.
    alert_events = [e for e in events if e["action"] == "editorial.publication.alert"]
    service_events = list(
        AuditEvent.objects.filter(action="editorial.publishing.alert", zone_id=observed.zone_id)
        .order_by("pk")
        .values("data", "created_at")
    )
    recorded: dict[tuple[int | None, str], list[float]] = defaultdict(list)
    for e in alert_events:
        recorded[int(e["object_id"]), e["data"].get("kind")].append(_ts(e["created_at"]))
    for e in service_events:
        recorded[None, e["data"].get("kind")].append(_ts(e["created_at"]))
    to_event: list[float] = []
    to_mail: list[float] = []
    from_request: list[float] = []
    slowest: list[tuple[float, str, int | None]] = []
    outages: dict[int, int] = {}  # service alert id -> index of the fault blamed
    for alert in alerts:
        raised = _ts(alert.raised_at)
        pk = alert.publication_id
        if alert.kind in ("unknown", "failed") and pk is not None:
            tried = [a for a in attempts.get(pk, []) if a.finished_at and _ts(a.finished_at) <= raised + 0.001]
            attempt = tried[-1] if tried else None
            if attempt is None:
                violations["alert without the attempt it is about"].append((alert.pk, pk, alert.kind))
                continue
            was_reaped = (pk, attempt.number) in reaped
            start = _ts(attempt.started_at) if was_reaped else _ts(attempt.finished_at)
            kind = "stuck in sending, made unknown" if was_reaped else f"{alert.kind} outcome"
            made = [c for c in requests.get(pk, []) if c.at <= raised]
            if made and not was_reaped:
                from_request.append(raised - made[-1].at)
        elif alert.kind == "late" and pk is not None:
            due = by_id[pk].due
            for event_at, retry_at in retry_times.get(pk, []):
                if event_at <= raised:
                    due = max(due, retry_at)
            start, kind = due, "late"
        else:
            # A stopped service: from the process fault that stopped it, the first after the last heartbeat seen
            # before the alert (a fault followed by a heartbeat did not stop the service).
            beats = [h for h in observed.heartbeats if h <= raised]
            after_beat = [i for i, f in enumerate(faults) if f.at <= raised and (not beats or f.at >= beats[-1] - 1)]
            if not after_beat:
                violations["service alert without a process fault"].append((alert.pk, alert.message[:120]))
                continue
            outages[alert.pk] = after_beat[0]
            start, kind = faults[after_beat[0]].at, f"service stopped ({faults[after_beat[0]].kind} killed)"
        to_alert[kind].append(raised - start)
        slowest.append((raised - start, kind, pk))
        if recorded[pk, alert.kind]:
            to_event.append(recorded[pk, alert.kind].pop(0) - start)
        if alert.mailed_at is not None:
            to_mail.append(_ts(alert.mailed_at) - start)
        if raised - start >= ALERT_WITHIN_S:
            violations["alert later than 120 s"].append((alert.pk, pk, kind, round(raised - start, 1)))

    # Alert events per problem: per (publication, kind), and per (publication, kind, attempts made by then) in
    # case one publication met the same kind of problem twice (late, sent, rate-limited, late again).
    per_kind = Counter((int(e["object_id"]), e["data"].get("kind")) for e in alert_events)
    per_problem = Counter(
        (
            int(e["object_id"]),
            e["data"].get("kind"),
            sum(1 for a in attempts.get(int(e["object_id"]), []) if _ts(a.started_at) <= _ts(e["created_at"])),
        )
        for e in alert_events
    )
    for key, n in per_problem.items():
        if n > 1:
            violations["alert events for one problem"].append((*key, n))
    service_alerts = [a for a in alerts if a.publication_id is None]
    per_outage = Counter(outages.get(a.pk) for a in service_alerts)
    for outage, n in per_outage.items():
        if n > 1:
            violations["service alerts for one outage"].append((outage, n))
    if len(alert_events) + len(service_events) != len(alerts):
        violations["alert rows and alert events differ"].append((len(alerts), len(alert_events) + len(service_events)))

    # Lateness of the publications that met no fault.
    windows = [
        (f.at - AROUND_WORKER_S, (f.back_at or f.at) + AROUND_WORKER_S)
        if f.kind == "worker"
        else (f.at - AROUND_BEFORE_S, (f.back_at or f.at) + AROUND_AFTER_S)
        for f in faults
    ]
    clean, all_first, requeued = [], [], []
    # The create request of a post with images follows its uploads (each a call to the fake, fake_delay_s long).
    clean_text_only, clean_images = [], []
    for pk, made in requests.items():
        due = by_id[pk].due
        all_first.append(made[0].at - due)
        if pk in observed.requeued:
            requeued.append(made[0].at - due)
        if made[0].fault or not made[0].created or pk in observed.requeued:
            continue
        if any(start <= due <= end for start, end in windows):
            continue
        clean.append(made[0].at - due)
        (clean_images if by_id[pk].images else clean_text_only).append(made[0].at - due)

    # The Redis restart: the same workers before and after, none restarted.
    survivors = observed.redis_survivors
    survived = [name for name, (before, after) in survivors.items() if before == after]

    fault_requests = Counter(
        c.fault or ("accepted" if c.created else f"refused ({c.status})") for made in requests.values() for c in made
    )
    first_faults = Counter((made[0].fault or "none") for made in requests.values())
    kills = [f for f in faults if f.kind == "worker"]
    figures: dict[str, Any] = {
        "publications": len(publications),
        "posts": len({p.post_index for p in observed.planned}),
        "with_images": sum(1 for p in observed.planned if p.images),
        "lanes": dict(Counter(p.lane for p in observed.planned)),
        "template_b_due_after_edit": (
            len(b_due_after),
            dict(Counter(publications[p.publication_id].status for p in b_due_after)),
        ),
        "statuses": dict(sorted(statuses.items())),
        "unknown_causes": dict(unknown_causes.most_common()),
        "failed": failed,
        "create_requests": sum(len(m) for m in requests.values()),
        "never_requested": len(publications) - len(requests),
        "requests_by_answer": dict(fault_requests.most_common()),
        "first_request_faults": dict(first_faults.most_common()),
        "max_requests": most,
        "max_requests_accepted_first": most_accepted_first,
        "strangers": strangers,
        "alerts": dict(Counter(a.kind for a in alerts)),
        "alert_events": len(alert_events) + len(service_events),
        "max_events_per_publication_kind": max(per_kind.values(), default=0),
        "max_events_per_problem": max(per_problem.values(), default=0),
        "max_service_alerts_per_outage": max(per_outage.values(), default=0),
        "to_alert": {kind: (len(v), max(v), statistics.median(v)) for kind, v in sorted(to_alert.items())},
        "to_alert_max": max((s for s, _k, _p in slowest), default=0.0),
        "to_alert_slowest": sorted(slowest, reverse=True)[:3],
        "request_to_unknown_alert_max": max(from_request, default=0.0),
        "to_alert_event_max": max(to_event, default=0.0),
        "to_mail_max": max(to_mail, default=0.0),
        "mails": len(observed.mails),
        "mailed_alerts": Alert.objects.filter(zone_id=observed.zone_id, mailed_at__isnull=False).count(),
        "lateness_clean": (len(clean), statistics.median(clean), _percentile(clean, 95), max(clean)) if clean else None,
        "lateness_all_first": (len(all_first), _percentile(all_first, 95), max(all_first)) if all_first else None,
        "lateness_requeued": (len(requeued), max(requeued)) if requeued else None,
        "lateness_clean_text_only": (
            (len(clean_text_only), _percentile(clean_text_only, 95), max(clean_text_only)) if clean_text_only else None
        ),
        "lateness_clean_images": (
            (len(clean_images), _percentile(clean_images, 95), max(clean_images)) if clean_images else None
        ),
        "process_faults": [
            (
                f.kind,
                f.name,
                round(f.at - observed.first_due, 1),
                round((f.back_at or f.at) - f.at, 1),
                bool(f.in_flight),
            )
            for f in faults
        ],
        "kills_during_create": sum(1 for f in kills if f.in_flight),
        "restarts": len(observed.restarts),
        "survivors": survivors,
        "cron_runs": [(round(t - observed.first_due), code) for t, code, _line in observed.cron_runs],
        "load": observed.load,
        "drained_s": observed.drained_s,
    }
    checks = [
        Check(
            "create requests per publication whose first was accepted",
            "at most 1",
            f"max {most_accepted_first}; {len(violations['second create after an accepted first'])} violations",
            most_accepted_first <= 1 and not violations["second create after an accepted first"],
        ),
        Check(
            "create requests after an answer that was not a refusal",
            "0",
            str(len(violations["create after an answer that was not a refusal"])),
            not violations["create after an answer that was not a refusal"],
        ),
        Check("publications not final at the end", "0", str(len(not_final)), not not_final),
        Check(
            "create requests for instances of a template after it was edited",
            "0",
            f"{len(after_edit)} ({len(b_due_after)} instances due after the edit)"
            if edited_at is not None
            else "no edit made",
            not after_edit and (edited_at is not None or plan.template_edit_s is None or not plan.template_share),
        ),
        Check(
            "created on the network, not published or unknown in the desk",
            "0",
            str(len(violations["created on the network, not published or unknown"])),
            not violations["created on the network, not published or unknown"],
        ),
        Check(
            "time to alert, every alert",
            f"max under {ALERT_WITHIN_S:g} s",
            f"max {figures['to_alert_max']:.1f} s over {len(alerts)} alerts",
            figures["to_alert_max"] < ALERT_WITHIN_S
            and not violations["alert without the attempt it is about"]
            and not violations["service alert without a process fault"],
        ),
        Check(
            "alert events per problem",
            "at most 1",
            f"max {figures['max_events_per_problem']} per publication problem "
            f"({figures['max_events_per_publication_kind']} per publication and kind), "
            f"{figures['max_service_alerts_per_outage']} per service outage",
            figures["max_events_per_problem"] <= 1
            and figures["max_service_alerts_per_outage"] <= 1
            and not violations["alert rows and alert events differ"],
        ),
    ]
    if plan.redis_kill is not None:
        checks.append(
            Check(
                "workers that survived the Redis restart",
                "all",
                f"{len(survived)} of {plan.workers}",
                observed.redis_survivors_checked and len(survived) == plan.workers,
            )
        )
    lateness = figures["lateness_clean"]
    checks.append(
        Check(
            "lateness of the publications that met no fault",
            f"p95 under {LATENESS_P95_S:g} s, max under {LATENESS_MAX_S:g} s",
            f"p95 {lateness[2]:.3f} s, max {lateness[3]:.3f} s over {lateness[0]}" if lateness else "none measured",
            bool(lateness) and lateness[2] < LATENESS_P95_S and lateness[3] < LATENESS_MAX_S,
        )
    )
    return Evaluation(checks=checks, figures=figures, violations={k: v for k, v in violations.items() if v})


# --- Writing it down ----------------------------------------------------------------------------------------------


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} {n}" for key, n in counts.items())


def describe(observed: Observed, evaluation: Evaluation) -> str:
    from tests.integration.stack import procfile_command

    plan, f = observed.plan, evaluation.figures
    load = f["load"]
    before, after = ("{:.2f} / {:.2f} / {:.2f}".format(*load[key]) for key in ("before", "after"))
    lines = [
        START_MARK,
        f"Run on {datetime.fromtimestamp(observed.finished_at, UTC):%Y-%m-%d %H:%M} UTC by `python -m bench.faults "
        f"{'--short ' if replace(plan, seed=SEED) == SHORT else ''}--seed {plan.seed}` on "
        f"{platform.node() or 'this machine'} ({os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; PostgreSQL, Redis and the fake on localhost; DEBUG off). Load average "
        f"{before} before, {after} after, the 1-minute load at most {load['max_1min']:.2f} during the run.",
        "",
        f"**The run.** {f['publications']} publications ({f['posts']} posts, {f['with_images']} publications with "
        f"images; by lane: {_counts(f['lanes'])}, the template instances published by a unit head under a delegated "
        f"right; template B "
        f"edited {plan.template_edit_s:g} s after the first due time, {f['template_b_due_after_edit'][0]} of its "
        f"instances due after: {_counts(f['template_b_due_after_edit'][1]) or 'none'}) due over "
        f"{plan.spread_s:g} s; {plan.workers} workers (`{procfile_command('worker')} --hostname "
        f"workerN@%h`) and beat (`{procfile_command('beat')}`), restarted {plan.restart_after_s:g} s after they exit; "
        f"`check_publishing` every {plan.cron_every_s:g} s; settings as deployed but "
        + ", ".join(f"{k}={v}" for k, v in plan.settings)
        + f". The fake answered each create call in {plan.fake_delay_s * 1000:.0f} ms, with faults drawn from seed "
        f"{plan.seed}: rate limits {plan.rate_limit:.0%}, 5xx before creating {plan.error_before:.0%}, 5xx after "
        f"creating {plan.error_after:.0%}, hangs of {plan.hang_s:g} s {plan.hang:.0%}.",
        "",
        "Process faults (seconds after the first due time): "
        + "; ".join(
            f"{name} killed at {at:+.0f} s, back {down:.0f} s later" + (" (inside a create call)" if during else "")
            for _kind, name, at, down, during in f["process_faults"]
        )
        + f". Restarts by the supervisor: {f['restarts']}. The last publication was final {f['drained_s']:.0f} s "
        "after the last due time.",
        "",
        "| measure | target | result | |",
        "|---|---|---|---|",
    ]
    for check in evaluation.checks:
        lines.append(f"| {check.name} | {check.target} | {check.value} | {'met' if check.met else '**MISSED**'} |")
    to_alert = "; ".join(
        f"{kind}: {n}, max {top:.1f} s, median {median:.1f} s" for kind, (n, top, median) in f["to_alert"].items()
    )
    lateness_all = f["lateness_all_first"]
    lines += [
        "",
        f"- **Outcomes**: {_counts(f['statuses'])}. Unknown, by cause: {_counts(f['unknown_causes'])}."
        + (f" Failed: {f['failed']}." if f["failed"] else ""),
        f"- **Create requests**: {f['create_requests']} ({_counts(f['requests_by_answer'])}); "
        f"{f['never_requested']} publications never reached the fake; at most {f['max_requests']} requests for one "
        "publication (after rate limits).",
        f"- **Alerts**: {_counts(f['alerts'])}; {f['alert_events']} alert events. Time to alert by problem: "
        f"{to_alert}. To the alert's audit event (its transaction's end) rather than its raised_at: at most "
        f"{f['to_alert_event_max']:.1f} s; to its e-mail: at most {f['to_mail_max']:.1f} s. From the create "
        f"request to the alert of an unknown outcome: at most {f['request_to_unknown_alert_max']:.1f} s.",
        f"- **E-mails**: {f['mails']} sent for {f['mailed_alerts']} alerts (grouped per zone, at most one every "
        "2 minutes).",
        "- **Lateness** (create request received minus due time): publications that met no fault, "
        + (
            "{} of them: p50 {:.3f} s, p95 {:.3f} s, max {:.3f} s".format(*f["lateness_clean"])
            if f["lateness_clean"]
            else "none"
        )
        + (
            " (without images, {}: p95 {:.3f} s, max {:.3f} s; ".format(*f["lateness_clean_text_only"])
            + "with images, whose create request follows their uploads, {}: p95 {:.3f} s, max {:.3f} s)".format(
                *f["lateness_clean_images"]
            )
            if f["lateness_clean_text_only"] and f["lateness_clean_images"]
            else ""
        )
        + (
            f"; every publication's first request: p95 {lateness_all[1]:.1f} s, max {lateness_all[2]:.1f} s"
            if lateness_all
            else ""
        )
        + (
            "; the {} whose message was lost with a killed worker or Redis, enqueued again by the reaper: at most "
            "{:.1f} s".format(*f["lateness_requeued"])
            if f["lateness_requeued"]
            else ""
        )
        + ".",
    ]
    if evaluation.violations:
        lines += ["", "Violations: " + "; ".join(f"{k}: {v[:10]}" for k, v in evaluation.violations.items()) + "."]
    lines.append(END_MARK)
    return "\n".join(lines)


def write_results(block: str) -> None:
    from bench.doc_results import write_block

    write_block(block, start=START_MARK, end=END_MARK, heading="Fault campaign")


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from bench.publishing import recreate_database, setup_django
    from tests.integration.stack import redis_server_process

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=SEED, help=f"the faults' seed (default {SEED})")
    parser.add_argument("--short", action="store_true", help="the test's small campaign instead of the full one")
    parser.add_argument("--no-write", action="store_true", help="print the results without updating the docs")
    parser.add_argument(
        "--logs", type=Path, help="keep the processes' logs and what the campaign saw in this folder (default: deleted)"
    )
    parser.add_argument(
        "--replay",
        type=Path,
        metavar="FOLDER",
        help="evaluate again the last campaign run with --logs FOLDER (its database must still be there)",
    )
    args = parser.parse_args()
    plan = replace(SHORT if args.short else FULL, seed=args.seed)
    if args.replay:
        with redis_server_process(args.replay / "redis-replay.log") as redis:
            setup_django(database_url=DATABASE_URL, redis_url=redis.url, var_dir=args.replay)
            observed = pickle.loads((args.replay / "observed.pickle").read_bytes())  # noqa: S301 - our own file
            evaluation = evaluate(observed)
        plan = observed.plan
    else:
        with tempfile.TemporaryDirectory(prefix="desk-faults-") as folder:
            tmp = args.logs or Path(folder)
            tmp.mkdir(parents=True, exist_ok=True)
            with redis_server_process(tmp / "redis.log") as redis:
                recreate_database(DATABASE_URL)
                setup_django(database_url=DATABASE_URL, redis_url=redis.url, var_dir=tmp)
                observed = run(plan, database_url=DATABASE_URL, redis=redis, tmp=tmp)
                (tmp / "observed.pickle").write_bytes(pickle.dumps(observed))
                evaluation = evaluate(observed)
    block = describe(observed, evaluation)
    print(block)
    for name, items in evaluation.violations.items():
        print(f"{name}: {items}")
    if not args.no_write and plan.publications == FULL.publications:
        write_results(block)
    sys.exit(0 if evaluation.all_met else 1)


if __name__ == "__main__":
    # Through the module's own name, so that what is pickled for --replay names bench.faults, not __main__.
    from bench.faults import main as campaign_main

    campaign_main()
