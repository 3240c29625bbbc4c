from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts import permissions


def memberships(request: HttpRequest) -> dict[str, Any]:
    """The zones of the signed-in user, for the navigation bar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"my_zones": []}
    return {"my_zones": permissions.zones_of(user)}
