"""Every page of the desk answers with the security headers (issue 5, point 5), whoever asks and whatever the
answer (200, 302, 403, 404, 405). Every URL pattern of the project is walked (tests/urlwalk.py, shared with the
permission matrix), the Django admin's included, so a new page is checked without being listed here."""

from __future__ import annotations

import pytest

from accounts.middleware import CONTENT_SECURITY_POLICY
from tests import urlwalk
from tests.urlwalk import ask, build_url, project_routes, sign_in

objects = urlwalk.objects  # the fixture: a zone with something in every state, fresh for each test


@pytest.mark.parametrize("who", ["anonymous", "officer", "director", "unit_head", "admin", "outsider"])
def test_every_page_carries_the_security_headers(client, objects, who):
    session = sign_in(client, objects.user(who))
    routes = project_routes()
    assert len(routes) > 30
    for route in routes:
        url = build_url(route, objects.values_for(route))
        for method in ("get", "post"):
            response = ask(client, session, method, url)
            policy = response.headers.get("Content-Security-Policy", "")
            assert policy == CONTENT_SECURITY_POLICY or policy.startswith("default-src 'none'"), (method, url)
            assert response.headers.get("X-Content-Type-Options") == "nosniff", url
            assert response.headers.get("Referrer-Policy") == "same-origin", url
            assert response.headers.get("X-Frame-Options") == "DENY", url
            if who != "anonymous":
                assert "no-store" in response.headers.get("Cache-Control", ""), (method, url)


def test_the_policy_forbids_inline_script_and_framing():
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY and "'unsafe-eval'" not in CONTENT_SECURITY_POLICY
    assert directives["frame-ancestors"] == "'none'"


def test_no_template_has_inline_script_or_handlers():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "templates"
    inline = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>|\son[a-z]+=|\sstyle=", re.IGNORECASE)
    # E-mails are read in mail clients, which drop style sheets: their styles are inline. Never scripts or handlers.
    in_mail = re.compile(r"<script|\son[a-z]+=", re.IGNORECASE)
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.html")
        if (in_mail if "email" in p.relative_to(root).parts else inline).search(p.read_text())
    ]
    assert offenders == []
    assert any("email" in p.relative_to(root).parts for p in root.rglob("*.html"))
