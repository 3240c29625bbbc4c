"""Two-step sign-in and the session's age (issue 5, points 1 and 3): the services behind the accounts views.

A sign-in is two steps for whoever must use a second factor (``permissions.mfa_required``) or has set one up:

1. the password (``LoginView``): the user is *not* signed in yet; the session only remembers, for a few minutes,
   who passed the password (``pending_begin``);
2. a code from the authenticator app, or a recovery code (``second_factor_verify``); only then ``login_complete``
   signs the user in (a new session id), records which device verified them (django-otp's session key, checked on
   every request by ``OTPMiddleware``) and when the sign-in happened.

A user who must use a second factor and has none yet sets one up between the two steps (``totp_setup_*``), so
the password alone still opens no page of the desk. The session remembers when the user signed in, when they were
last active and when they last proved who they are (``AUTH_AT``): approving, publishing, credentials and MFA
changes ask for a fresh proof when it is older than ``DESK_REAUTH_SECONDS`` (``accounts.reauth``).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import django_otp
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp import DEVICE_ID_SESSION_KEY

from accounts import permissions
from accounts.events import security_event
from accounts.models import (
    RECOVERY_ALPHABET,
    RecoveryCode,
    RecoveryCodeDevice,
    TOTPDevice,
    User,
    hash_recovery_code,
)

# Session keys. Times are Unix seconds (the session is JSON).
PENDING = "desk_pending_login"
LOGIN_AT = "desk_login_at"
SEEN_AT = "desk_seen_at"
AUTH_AT = "desk_auth_at"
NEW_RECOVERY_CODES = "desk_new_recovery_codes"
# The authenticator being set up in this session (its pk): never one that another session made and showed.
SETUP_DEVICE = "desk_setup_device"

RECOVERY_CODE_COUNT = 10


class MfaError(Exception):
    """A refusal to show the user as it is (wrong code, too many attempts...)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- Who has what ----------------------------------------------------------------------------------------


def totp_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def needs_second_factor(user: Any) -> bool:
    """A second step at sign-in: the role requires it, or the user chose to set one up."""
    return permissions.mfa_required(user) or totp_device(user) is not None


# --- Between the password and the code -------------------------------------------------------------------


def pending_begin(request: HttpRequest, user: User, *, backend: str, next_url: str) -> None:
    """Remember who passed the password, without signing them in."""
    # A new session id now too: a session id planted before the password step is worth nothing after it.
    request.session.cycle_key()
    request.session[PENDING] = {"user": user.pk, "backend": backend, "next": next_url, "at": time.time()}


@dataclass
class Pending:
    user: User
    backend: str
    next_url: str


def pending_user(request: HttpRequest) -> Pending | None:
    """The user between the two steps, if they passed the password recently; None otherwise."""
    data = request.session.get(PENDING)
    if not isinstance(data, dict):
        return None
    if time.time() - float(data.get("at", 0)) > settings.DESK_MFA_PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None
    user = User.objects.filter(pk=data.get("user"), is_active=True).first()
    if user is None:
        request.session.pop(PENDING, None)
        return None
    return Pending(user=user, backend=str(data.get("backend")), next_url=str(data.get("next") or ""))


def login_complete(request: HttpRequest, *, user: User, backend: str, device: Any, method: str) -> None:
    """Both steps passed (or one, for a user without a second factor): sign in, with a new session id."""
    request.session.pop(PENDING, None)
    auth_login(request, user, backend=backend)
    if device is not None:
        django_otp.login(request, device)
    now = time.time()
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now
    request.session[AUTH_AT] = now
    security_event(action="accounts.login", request=request, user=user, data={"method": method})


# --- Codes -----------------------------------------------------------------------------------------------


def _throttled_message(device: Any) -> str | None:
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    until = (info or {}).get("locked_until")
    if until is not None:
        seconds = max(1, int((until - timezone.now()).total_seconds()) + 1)
        return ngettext(
            "Too many wrong codes. Wait %(seconds)s second, then try again.",
            "Too many wrong codes. Wait %(seconds)s seconds, then try again.",
            seconds,
        ) % {"seconds": seconds}
    return _("Too many wrong codes. Wait a moment, then try again.")


def second_factor_verify(request: HttpRequest, *, user: User, code: str, purpose: str) -> Any:
    """The device that accepts ``code`` (the authenticator app's, or one recovery code). Raises MfaError.

    Every failure and every use of a recovery code is audited; wrong codes slow the next try down."""
    code = (code or "").strip()
    totp = totp_device(user)
    recovery = RecoveryCodeDevice.objects.filter(user=user, confirmed=True).first()
    is_recovery = len(code.replace("-", "").replace(" ", "")) > 8
    device = recovery if is_recovery else totp
    if device is None:
        security_event(
            action="accounts.mfa.failure", request=request, user=user, data={"purpose": purpose, "reason": "no device"}
        )
        if is_recovery:
            raise MfaError(_("You have no recovery codes. Type the 6-digit code of your authenticator app."))
        raise MfaError(_("No authenticator app is set up for this account."))
    throttled = _throttled_message(device)
    if throttled:
        security_event(
            action="accounts.mfa.failure", request=request, user=user, data={"purpose": purpose, "reason": "throttled"}
        )
        raise MfaError(throttled)
    with transaction.atomic():
        verified = django_otp.verify_token(user, device.persistent_id, code)
    if verified is None:
        security_event(
            action="accounts.mfa.failure",
            request=request,
            user=user,
            data={"purpose": purpose, "reason": "wrong recovery code" if is_recovery else "wrong code"},
        )
        if is_recovery:
            raise MfaError(_("This recovery code is not valid or was already used."))
        raise MfaError(
            _(
                "This code is not valid. Type the 6 digits your authenticator app shows now (each code works once; "
                "check that the phone's clock is right)."
            )
        )
    if is_recovery:
        security_event(
            action="accounts.mfa.recovery_code_used",
            request=request,
            user=user,
            data={"purpose": purpose, "remaining": verified.remaining()},
        )
    return verified


# --- Setting up and changing the second factor ------------------------------------------------------------


def totp_setup_start(request: HttpRequest, *, user: User) -> TOTPDevice:
    """An unconfirmed authenticator for the set-up page; the same one while this session reloads the page.

    Bound to the session, not only to the user: otherwise whoever opened the page first (someone who knows the
    password, or who glanced at an open session) would have seen the key that the real user then scans and
    confirms, and would know the codes of the account's second factor from then on."""
    recent = timezone.now() - timedelta(seconds=settings.DESK_MFA_PENDING_SECONDS)
    pk = request.session.get(SETUP_DEVICE)
    device = None
    if isinstance(pk, int):
        device = TOTPDevice.objects.filter(pk=pk, user=user, confirmed=False, created_at__gte=recent).first()
    if device is None:
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(
            user=user, name=_("Authenticator app"), confirmed=False, secret=secrets.token_hex(20)
        )
        request.session[SETUP_DEVICE] = device.pk
    return device


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCodeDevice.objects.filter(user=user).delete()
    device = RecoveryCodeDevice.objects.create(user=user, name=_("Recovery codes"), confirmed=True)
    codes = []
    rows = []
    for _n in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _i in range(16))
        salt = secrets.token_hex(16)
        rows.append(RecoveryCode(device=device, salt=salt, code_hash=hash_recovery_code(raw, salt)))
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    RecoveryCode.objects.bulk_create(rows)
    return codes


def totp_setup_confirm(request: HttpRequest, *, user: User, device: TOTPDevice, code: str) -> list[str]:
    """The first code from the new app proves it works: it becomes the user's authenticator (replacing any
    earlier one) and a fresh set of recovery codes is made. Returns the codes, to show once. Raises MfaError."""
    throttled = _throttled_message(device)
    if throttled:
        raise MfaError(throttled)
    device = TOTPDevice.objects.get(pk=device.pk, user=user, confirmed=False)
    # Verified outside the transaction below: a wrong code's throttling and audit event must stay recorded.
    if not device.verify_token(code):
        security_event(
            action="accounts.mfa.failure", request=request, user=user, data={"purpose": "setup", "reason": "wrong code"}
        )
        raise MfaError(
            _("This code is not the one the app shows. Scan the QR code again, then type the current 6 digits.")
        )
    request.session.pop(SETUP_DEVICE, None)
    with transaction.atomic():
        replaced = TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()[0]
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        device.confirmed = True
        codes = _new_recovery_codes(user)
        security_event(
            action="accounts.mfa.setup", request=request, user=user, data={"replaced_previous": bool(replaced)}
        )
    return codes


def recovery_codes_regenerate(request: HttpRequest, *, user: User) -> list[str]:
    """New recovery codes; the old ones stop working, and so do the sessions they verified (codes someone else saw)
    except this one: signed in with a recovery code (a lost phone), the user would otherwise be signed out before
    seeing the new codes, with the old ones gone."""
    verified_by_codes = isinstance(getattr(request.user, "otp_device", None), RecoveryCodeDevice)
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        security_event(action="accounts.mfa.recovery_codes_regenerated", request=request, user=user)
    if verified_by_codes:
        django_otp.login(request, RecoveryCodeDevice.objects.get(user=user))
    return codes


def mfa_disable(request: HttpRequest, *, user: User) -> None:
    """Turn the second factor off: only for a user whose role does not require it."""
    if permissions.mfa_required(user):
        raise MfaError(_("Your role requires two-step verification: it cannot be turned off."))
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        RecoveryCodeDevice.objects.filter(user=user).delete()
        security_event(action="accounts.mfa.disable", request=request, user=user)
    # A session verified by a device that was removed ends (SessionSecurityMiddleware); not the one that asked.
    request.session.pop(DEVICE_ID_SESSION_KEY, None)


def mfa_reset(request: HttpRequest | None, *, actor: User, user: User) -> None:
    """An administrator removes a user's authenticator and recovery codes (a lost phone): the user sets a new one
    up at their next sign-in, and their open sessions end (the device that verified them is gone)."""
    with transaction.atomic():
        removed = (
            TOTPDevice.objects.filter(user=user).delete()[0] + RecoveryCodeDevice.objects.filter(user=user).delete()[0]
        )
        security_event(
            action="accounts.mfa.reset",
            request=request,
            user=actor,
            data={"user": user.pk, "username": user.username, "removed": removed},
        )


# --- The age of the proof -------------------------------------------------------------------------------


def auth_is_recent(request: HttpRequest) -> bool:
    at = request.session.get(AUTH_AT)
    return isinstance(at, int | float) and time.time() - at <= settings.DESK_REAUTH_SECONDS


def mark_recent_auth(request: HttpRequest) -> None:
    request.session[AUTH_AT] = time.time()
