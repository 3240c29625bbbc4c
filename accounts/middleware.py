"""Response headers that Django's SecurityMiddleware does not set (issue 5, point 5).

- Content-Security-Policy: scripts and styles from our own origin only, no inline script, no framing. The pages
  carry no inline script, style attribute or event handler; JSON data for scripts goes in non-executable
  ``<script type="application/json">`` blocks (``json_script``), which the policy does not need to allow.
- ``Cache-Control: no-store`` on every response to a signed-in user: a shared or stolen computer's browser cache
  must not keep drafts, review pages or the plan.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

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
