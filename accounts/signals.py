"""Failed sign-ins and lockouts (issue 5, points 2 and 6; issue 16, point 6).

A failure for a known account and every lockout go to the audit log. A failure for a name no account has is only
counted, per hour, in all and per address (``unknown_sign_in_failures``): an anonymous flood of made-up names must
not grow the append-only log nor hold its chain's lock. django-axes still counts every failure per name and
address and locks the pair out, and that lockout is audited.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.utils import timezone

from accounts.events import client_address, security_event
from accounts.models import User

logger = logging.getLogger("accounts.security")

# An hour's counters are kept a day: long enough for the operations team to read yesterday's.
_COUNTER_SECONDS = 24 * 3600


def _counter_key(hour: str, address: str = "") -> str:
    return f"desk:sign-in-unknown:{hour}:{address}"


def _hour(moment: Any = None) -> str:
    return (moment or timezone.now()).strftime("%Y%m%d%H")


def unknown_sign_in_failures(*, address: str = "", moment: Any = None) -> int:
    """Failed sign-ins for names no account has, in the hour of ``moment`` (now), from ``address`` or in all."""
    return int(cache.get(_counter_key(_hour(moment), address), 0))


def _count_unknown(request: Any) -> None:
    hour = _hour()
    for key in {_counter_key(hour), _counter_key(hour, client_address(request))}:
        cache.add(key, 0, _COUNTER_SECONDS)
        # Expired between add and incr: the next failure starts it again.
        with contextlib.suppress(ValueError):
            cache.incr(key)


@receiver(user_login_failed, dispatch_uid="desk_login_failed")
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # Django has already replaced the password with stars; only the username typed is kept.
    username = str(credentials.get("username", ""))[:150]
    user = User.objects.filter(username=username).only("pk").first() if username else None
    if user is None:
        _count_unknown(request)
        logger.info("failed sign-in for an unknown name from %s", client_address(request))
        return
    security_event(action="accounts.login.failure", request=request, data={"username": username, "user": user.pk})


@receiver(user_locked_out, dispatch_uid="desk_locked_out")
def _locked_out(sender: Any, request: Any = None, username: str = "", ip_address: str = "", **kwargs: Any) -> None:
    security_event(
        action="accounts.login.locked_out",
        request=request,
        data={"username": str(username or "")[:150], "ip": ip_address},
    )
