from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import translation

from accounts.models import Role, User
from editorial.models import Zone
from tests.factories import make_member, make_user, make_zone

# CI sets this: a test that needs PostgreSQL or Redis must then run, and fails when they are missing.
REQUIRE_SERVICES = os.environ.get("DESK_REQUIRE_SERVICES") == "1"


def service_missing(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} — DESK_REQUIRE_SERVICES=1, so this test must run here.")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@dataclass
class SentTask:
    name: str
    args: tuple
    kwargs: dict


@pytest.fixture(autouse=True)
def celery_outbox(request, monkeypatch) -> list[SentTask]:
    """Tasks the code under test enqueued, kept here instead of going to a broker (on commit, like the real
    thing). A test marked ``real_broker`` sends them for real (the Celery integration tests)."""
    sent: list[SentTask] = []
    if request.node.get_closest_marker("real_broker"):
        return sent
    from celery import Celery
    from celery.app.task import Task

    def record(self, args=None, kwargs=None, **options):
        sent.append(SentTask(self.name, tuple(args or ()), dict(kwargs or {}) | {"_options": options}))

    def record_by_name(self, name, args=None, kwargs=None, **options):
        sent.append(SentTask(name, tuple(args or ()), dict(kwargs or {}) | {"_options": options}))

    monkeypatch.setattr(Task, "apply_async", record)
    # The pipeline sends its tasks by name (it sits below the tasks module).
    monkeypatch.setattr(Celery, "send_task", record_by_name)
    return sent


class DeskClient(Client):
    """The test client, signed in the way the desk's two-step sign-in leaves a session.

    ``force_login(user)`` gives a session verified by the user's authenticator app (one is made where the role
    requires it and they have none) and a fresh proof of identity, as just after signing in; ``mfa=False`` gives
    a session that passed no second factor (what a password alone would give, for the tests that check it is
    refused)."""

    def force_login(self, user, backend=None, *, mfa: bool = True):
        from django_otp import DEVICE_ID_SESSION_KEY

        from accounts import mfa as desk_mfa
        from accounts import permissions
        from accounts.models import TOTPDevice

        super().force_login(user, backend)
        session = self.session
        now = time.time()
        session[desk_mfa.LOGIN_AT] = session[desk_mfa.SEEN_AT] = session[desk_mfa.AUTH_AT] = now
        # Verified by the user's app when they have one (signing in with it), or by a new one where it is required.
        device = desk_mfa.totp_device(user) if mfa else None
        if mfa and device is None and permissions.mfa_required(user):
            device = TOTPDevice.objects.create(user=user, name="test app", confirmed=True, secret=secrets.token_hex(20))
        if device is not None:
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


@pytest.fixture
def client() -> DeskClient:
    return DeskClient()


@pytest.fixture
def in_english(client, settings):
    """The pages, messages and e-mails in English, whatever the catalogs say: for the tests that read the source
    strings (``pytestmark = pytest.mark.usefixtures("in_english")``)."""
    settings.LANGUAGE_CODE = "en"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def postgres(db):
    """Skip (or fail in CI) unless the suite runs on PostgreSQL."""
    from django.db import connection

    if connection.vendor != "postgresql":
        service_missing(
            "needs PostgreSQL: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/test (as .ci/run does)"
        )
    return connection


@pytest.fixture
def redis_url() -> str:
    """The Redis of the test run; skip (or fail in CI) when there is none."""
    url = os.environ.get("REDIS_URL")
    if not url:
        service_missing("needs Redis: run with REDIS_URL=redis://127.0.0.1:6379/15 (as .ci/run does)")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        service_missing(f"Redis at {url} does not answer: {exc}")
    return url


@dataclass
class ZoneUsers:
    zone: Zone
    officer: User
    unit_head: User
    other_unit_head: User
    director: User
    admin: User
    outsider: User  # a member of another zone only
    nobody: User  # signed in, member of no zone


@pytest.fixture
def zone_users(db) -> ZoneUsers:
    zone = make_zone("Zone de police Mons-Quévy", slug="mons-quevy")
    other = make_zone("Zone de police Boraine", slug="boraine")
    return ZoneUsers(
        zone=zone,
        officer=make_member(zone, Role.OFFICER, username="officer"),
        unit_head=make_member(zone, Role.UNIT_HEAD, "Trafic", username="unithead"),
        other_unit_head=make_member(zone, Role.UNIT_HEAD, "Judiciaire", username="otherunithead"),
        director=make_member(zone, Role.DIRECTOR, username="director"),
        admin=make_member(zone, Role.ADMIN, username="zoneadmin", is_staff=True),
        outsider=make_member(other, Role.OFFICER, username="outsider"),
        nobody=make_user(username="nobody"),
    )
