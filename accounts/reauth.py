"""Recent authentication for the actions that speak for the police (issue 5, point 3).

Approving, publishing, changing channel credentials, a password or the second factor need a proof of identity
younger than ``DESK_REAUTH_SECONDS``. When the proof is older, the action is not refused: the page asks for a code
from the authenticator app (or the password, for a user without one) and carries everything the form held in
hidden fields, so that nothing typed or ticked is lost; once the code is right, the original action goes on.
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
MAX_FAILURES = 5
_OURS = {MARK, CODE, PASSWORD, "csrfmiddlewaretoken"}


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
            carried = request.POST.copy()
            for key in (MARK, CODE, PASSWORD):
                carried.pop(key, None)
            request.POST = carried
            return view(request, *args, **kwargs)
        failures = int(request.session.get(FAILURES, 0)) + 1
        request.session[FAILURES] = failures
        if failures >= MAX_FAILURES:
            # Someone at an open session who cannot prove who they are: close it.
            security_event(action="accounts.reauth.locked_out", request=request, user=user, data={"failures": failures})
            logout(request)
            messages.error(request, _("Too many failed confirmations: you were signed out. Sign in again."))
            return redirect("accounts:login")
    carried = [(key, value) for key in request.POST if key not in _OURS for value in request.POST.getlist(key)]
    return render(
        request,
        "accounts/reauth.html",
        {"carried": carried, "uses_code": uses_code, "error": error, "action": request.get_full_path()},
    )
