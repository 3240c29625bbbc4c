"""Security events in the audit log (issue 5, point 6): sign-ins, failures, lockouts, MFA changes, denials.

They go into the same hash-chained log as the editorial events, with the address and browser of the request.
Passwords, codes and secrets are never part of an event.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from django.urls import Resolver404, resolve
from django.utils import timezone

from editorial.audit import audit_record


def request_address(request: HttpRequest) -> str:
    """The client's address, for lockouts (django-axes' AXES_CLIENT_IP_CALLABLE) and the audit log alike.

    Behind ``DESK_PROXY_COUNT`` reverse proxies that each append to X-Forwarded-For, the client is that many
    entries from the right: entries further left were written by the client itself and prove nothing."""
    count = settings.DESK_PROXY_COUNT
    if count > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            return forwarded[-count][:64]
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def is_reset_link(path: str) -> bool:
    """A password-reset link: its path holds a token that sets a new password, so it is never logged or carried."""
    try:
        return resolve(path).url_name == "password_reset_confirm"
    except Resolver404:
        return False


def loggable_path(request: HttpRequest) -> str:
    return "/accounts/password-reset/<token>/" if is_reset_link(request.path_info) else request.path[:200]


def client_address(request: HttpRequest | None) -> str:
    return request_address(request) if request is not None else ""


def security_event(
    *, action: str, request: HttpRequest | None, user: Any = None, data: dict[str, Any] | None = None
) -> None:
    """Append one security event; ``user`` is who it is about or who did it (None: unknown or the system)."""
    details = dict(data or {})
    if request is not None:
        details.setdefault("ip", client_address(request))
        details.setdefault("user_agent", request.headers.get("User-Agent", "")[:200])
        details.setdefault("path", loggable_path(request))
    actor = user if getattr(user, "pk", None) else None
    audit_record(action=action, actor=actor, data=details)


def recent_count(action: str, *, seconds: int, **data: str) -> int:
    """How many ``action`` events of the last ``seconds`` have these values in their data.

    The audit log is the one record every process of the desk shares (web processes, hosts), so limits counted
    from it hold whatever the cache; the events counted this way are rare (password resets)."""
    from editorial.models import AuditEvent

    since = timezone.now() - timedelta(seconds=seconds)
    filters = {f"data__{key}": value for key, value in data.items()}
    return AuditEvent.objects.filter(action=action, created_at__gte=since, **filters).count()


# PostgreSQL advisory lock keys of the limits counted from the audit log (any number not used elsewhere; the audit
# chain's own key is editorial.audit._PG_LOCK_KEY).
PASSWORD_RESET_LOCK = 0x7265736574  # "reset"


@contextmanager
def serialised(key: int) -> Iterator[None]:
    """A transaction that runs one at a time for ``key``: count, then record, without another request between.

    On PostgreSQL a transaction-level advisory lock; SQLite has one writer at a time anyway (every transaction
    starts with BEGIN IMMEDIATE, see the settings)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
        yield


def password_reset_allowed(*, request: HttpRequest, email: str) -> bool:
    """Whether a reset link may be sent to ``email`` for this request; the request is recorded either way.

    Counted per address and per client, whether an account has the address or not, so a refusal says nothing
    about accounts: it stops one address being flooded with e-mails, and a client from sending them to every
    address. Addresses are compared as Django finds the account (NFKC, then case folded): one typed with a long s
    (U+017F) reaches the inbox of the same address with an s, so it counts as that address."""
    email = unicodedata.normalize("NFKC", email.strip()).casefold()
    client = request_address(request)
    window = settings.DESK_PASSWORD_RESET_WINDOW_SECONDS
    requested, refused = "accounts.password.reset_requested", "accounts.password.reset_refused"
    # Counted and recorded one request at a time: simultaneous requests would all see room for one more.
    with serialised(PASSWORD_RESET_LOCK):
        allowed = (
            recent_count(requested, seconds=window, email=email) < settings.DESK_PASSWORD_RESET_PER_ADDRESS
            and recent_count(requested, seconds=window, ip=client) < settings.DESK_PASSWORD_RESET_PER_CLIENT
        )
        if allowed:
            security_event(action=requested, request=request, data={"email": email})
        # A refusal is audited once per client and hour (the log is append-only, and anyone can ask for links).
        elif recent_count(refused, seconds=window, ip=client) == 0:
            security_event(action=refused, request=request, data={"email": email})
    return allowed
