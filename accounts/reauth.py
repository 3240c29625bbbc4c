"""Recent authentication for the actions that speak for the police (issue 5, point 3).

Approving, publishing, changing channel credentials, a password or the second factor need a proof of identity
younger than ``DESK_REAUTH_SECONDS``. When the proof is older, the action is not refused: the page asks for a code
from the authenticator app (or the password, for a user without one) and carries everything the form held in
hidden fields, so that nothing typed or ticked is lost; once the code is right, the original action goes on.

Except secrets and files: passwords, credentials and tokens are never written back into a page (DESIGN.md
section 6, invariant 6) and a page cannot carry a file. When the form held any, the confirmation says so and,
once confirmed, sends back to the form to type or attach them again, rather than going on without them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import mfa
from accounts.events import security_event

MARK = "desk_reauth"
CODE = "desk_reauth_code"
PASSWORD = "desk_reauth_password"
FAILURES = "desk_reauth_failures"
WITHHELD = "desk_reauth_withheld"
MAX_FAILURES = 5
_OURS = {MARK, CODE, PASSWORD, WITHHELD, "csrfmiddlewaretoken"}
# Fields whose values are secrets (old_password, new_password1, password1, credentials...).
_SECRET_NAMES = ("password", "credential", "secret", "token")


def _is_secret(name: str) -> bool:
    lowered = name.lower()
    return any(part in lowered for part in _SECRET_NAMES)


def failed_confirmation(request: HttpRequest) -> HttpResponse | None:
    """Count one failed proof of identity in this session; after MAX_FAILURES the session is closed and the answer
    is the sign-in page (None before that)."""
    failures = int(request.session.get(FAILURES, 0)) + 1
    request.session[FAILURES] = failures
    if failures < MAX_FAILURES:
        return None
    # Someone at an open session who cannot prove who they are: close it.
    security_event(action="accounts.reauth.locked_out", request=request, user=request.user, data={"failures": failures})
    logout(request)
    messages.error(request, _("Too many failed confirmations: you were signed out. Sign in again."))
    return redirect("accounts:login")


def recent_auth_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For a view whose POST is one of those actions; GET (reading the page) is never interrupted."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "POST" or not request.user.is_authenticated or mfa.auth_is_recent(request):
            return view(request, *args, **kwargs)
        return _confirm_then(view, request, *args, **kwargs)

    return wrapper


def _confirm_then(view: Callable[..., HttpResponse], request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    user = request.user
    if not getattr(request, "sensitive_post_parameters", None):
        # Should anything below fail, Django's error report (mailed to ADMINS) must not show the password or code
        # typed here, nor the secrets of the form (the view's own sensitive_post_parameters runs only later).
        request.sensitive_post_parameters = [PASSWORD, CODE, *(name for name in request.POST if _is_secret(name))]
    uses_code = mfa.totp_device(user) is not None
    error = ""
    if MARK in request.POST:
        if uses_code:
            try:
                mfa.second_factor_verify(request, user=user, code=request.POST.get(CODE, ""), purpose="reauth")
            except mfa.MfaError as refusal:
                error = refusal.message
        elif not user.check_password(request.POST.get(PASSWORD, "")):
            security_event(action="accounts.reauth.failure", request=request, user=user, data={"reason": "password"})
            error = _("This password is not right.")
        if not error:
            request.session.pop(FAILURES, None)
            mfa.mark_recent_auth(request)
            security_event(
                action="accounts.reauth",
                request=request,
                user=user,
                data={"method": "code" if uses_code else "password"},
            )
            if WITHHELD in request.POST:
                # The action cannot go on without what was left out: back to its form (the proof is now recent).
                messages.info(
                    request,
                    _(
                        "Confirmed. Fill the form in again: passwords, credentials and files are not kept while you "
                        "confirm."
                    ),
                )
                return redirect(request.get_full_path())
            carried = request.POST.copy()
            for key in (MARK, CODE, PASSWORD):
                carried.pop(key, None)
            request.POST = carried
            return view(request, *args, **kwargs)
        ended = failed_confirmation(request)
        if ended is not None:
            return ended
    carried = []
    withheld = WITHHELD in request.POST or bool(request.FILES)
    for key in request.POST:
        if key in _OURS:
            continue
        for value in request.POST.getlist(key):
            if value and _is_secret(key):
                withheld = True
            else:
                carried.append((key, value))
    return render(
        request,
        "accounts/reauth.html",
        {
            "carried": carried,
            "withheld": withheld,
            "uses_code": uses_code,
            "error": error,
            "action": request.get_full_path(),
        },
    )
