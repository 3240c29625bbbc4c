"""Failed sign-ins and lockouts, wherever they happen, go to the audit log (issue 5, points 2 and 6)."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from accounts.events import security_event


@receiver(user_login_failed, dispatch_uid="desk_login_failed")
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # Django has already replaced the password with stars; only the username typed is kept.
    username = str(credentials.get("username", ""))[:150]
    security_event(action="accounts.login.failure", request=request, data={"username": username})


@receiver(user_locked_out, dispatch_uid="desk_locked_out")
def _locked_out(sender: Any, request: Any = None, username: str = "", ip_address: str = "", **kwargs: Any) -> None:
    security_event(
        action="accounts.login.locked_out",
        request=request,
        data={"username": str(username or "")[:150], "ip": ip_address},
    )
