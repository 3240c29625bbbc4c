"""Security middleware of the desk (issue 5): response headers, the session's age and second factor, denials.

Response headers that Django's SecurityMiddleware does not set (point 5):

- Content-Security-Policy: scripts and styles from our own origin only, no inline script, no framing. The pages
  carry no inline script, style attribute or event handler; JSON data for scripts goes in non-executable
  ``<script type="application/json">`` blocks (``json_script``), which the policy does not need to allow.
- ``Cache-Control: no-store`` on every response to a signed-in user: a shared or stolen computer's browser cache
  must not keep drafts, review pages or the plan.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY

from accounts import mfa, permissions
from accounts.events import is_reset_link, security_event

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # A view may set a stricter policy of its own (uploaded photos are served with a sandbox).
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


# Polling (htmx ``every 5s``) is not activity: an open tab must not keep a session alive forever.
def _is_activity(request: HttpRequest) -> bool:
    return not (request.method == "GET" and request.headers.get("HX-Request") == "true")


class SessionSecurityMiddleware:
    """Ends sessions that are too old or idle, and any session of a user who must use a second factor but was not
    verified by one (their role changed since they signed in, or their authenticator was reset by an
    administrator), and, whatever the role, a session whose verifying device was removed since, and one that does
    not say when it was signed in. After django-otp's OTPMiddleware, which tells whether a device verified the
    session."""

    # What a user without a session may reach: signing in and out, the language switch.
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        # Read before request.user is evaluated: OTPMiddleware then drops the key of a device that no longer exists.
        session = getattr(request, "session", None)
        had_device = session is not None and DEVICE_ID_SESSION_KEY in session
        if user is not None and user.is_authenticated:
            ended = self._check(request, user, had_device=had_device)
            if ended is not None:
                return ended
        return self.get_response(request)

    def _check(self, request: HttpRequest, user: Any, *, had_device: bool) -> HttpResponse | None:
        now = time.time()
        session = request.session
        login_at = session.get(mfa.LOGIN_AT)
        seen_at = session.get(mfa.SEEN_AT)
        if login_at is None:
            # Every sign-in records its time (mfa.login_complete): a session without it was opened before the
            # timeouts existed, or some other way. Its age cannot be known, so it cannot be given a new one.
            return self._end(request, user, "no_sign_in_time", _("Your session has ended. Sign in again."))
        if now - float(login_at) > settings.DESK_SESSION_MAX_SECONDS:
            return self._end(
                request, user, "absolute", _("Your session has ended (it was open for too long). Sign in again.")
            )
        if seen_at is not None and now - float(seen_at) > settings.DESK_SESSION_IDLE_SECONDS:
            return self._end(
                request, user, "idle", _("Your session ended after a while without activity. Sign in again.")
            )
        if permissions.mfa_required(user) and not user.is_verified():
            return self._end(
                request,
                user,
                "second_factor",
                _("Your account needs two-step verification. Sign in again to set it up or use it."),
            )
        if had_device and not user.is_verified():
            # The device that verified this session was removed (reset by an administrator, replaced on another
            # session): whatever the role, the sessions it opened end, as docs/security.md says.
            return self._end(
                request,
                user,
                "second_factor_removed",
                _("Your two-step verification was reset or replaced. Sign in again."),
            )
        # Written at most once a minute: a session save per request would cost a query each time.
        if _is_activity(request) and (seen_at is None or now - float(seen_at) > 60):
            session[mfa.SEEN_AT] = now
        return None

    def _end(self, request: HttpRequest, user: Any, reason: str, message: str) -> HttpResponse:
        security_event(action="accounts.session.ended", request=request, user=user, data={"reason": reason})
        logout(request)
        messages.info(request, message)
        login_url = reverse("accounts:login")
        carry = request.method == "GET" and _is_activity(request) and not is_reset_link(request.path_info)
        target = request.get_full_path() if carry else ""
        url = f"{login_url}?{urlencode({'next': target})}" if target else login_url
        if request.headers.get("HX-Request") == "true":
            # htmx follows a plain redirect inside the page; this header makes it load the sign-in page instead.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return HttpResponseRedirect(url)


class DenialAuditMiddleware:
    """Every refused access (403) by a signed-in user is a security event: someone tried what their role does not
    allow. Other zones' objects answer 404 and are not logged: they are indistinguishable from a typo."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, PermissionDenied):
            user = getattr(request, "user", None)
            security_event(
                action="security.permission_denied",
                request=request,
                user=user if user is not None and user.is_authenticated else None,
                data={"method": request.method},
            )
