"""Headers and cookies of a production desk (issue 5, point 5), with the values documented in .env.example:
HTTPS only, HSTS, the policy headers, and cookies that are Secure, HttpOnly, SameSite and host-only (__Host-).

Settings are read once per process, so the desk runs in a subprocess with the production environment (and a
throw-away SQLite database, since the documented PostgreSQL is not there)."""

from __future__ import annotations

import json

from tests.test_settings import production_env, run_python

SCRIPT = """
import json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
from django.test import Client
from accounts.models import User

User.objects.create_superuser("root", "root@example.test", "a-long-enough-password-1")
host = "desk.police-zone.example"
client = Client(HTTP_HOST=host)
out = {}
plain = client.get("/accounts/login/")
out["plain"] = [plain.status_code, plain.headers.get("Location", "")]
page = client.get("/accounts/login/", secure=True)
out["headers"] = dict(page.headers)
# The password step of a superuser opens a session (the second step is still to come).
client.post("/accounts/login/", {"username": "root", "password": "a-long-enough-password-1"}, secure=True)
client.post("/i18n/setlang/", {"language": "nl", "next": "/"}, secure=True)
out["cookies"] = {
    name: {key: c[key] for key in ("secure", "httponly", "samesite", "domain", "path")}
    for name, c in client.cookies.items()
}
print(json.dumps(out))
"""


def test_production_headers_and_cookies(tmp_path):
    env = production_env(tmp_path)
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'prod.sqlite3'}"
    env.pop("REDIS_URL", None)
    env.pop("CELERY_BROKER_URL", None)
    result = run_python(SCRIPT, env)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])

    status, location = out["plain"]
    assert status == 301 and location.startswith("https://")

    headers = out["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"

    cookies = out["cookies"]
    assert set(cookies) >= {"__Host-desk-session", "__Host-desk-csrf", "django_language"}, cookies
    for name, cookie in cookies.items():
        assert cookie["secure"] is True and cookie["httponly"] is True, name
        assert cookie["samesite"] == "Lax", name
    for name in ("__Host-desk-session", "__Host-desk-csrf"):
        # Browsers accept a __Host- cookie only without Domain and for the whole site.
        assert cookies[name]["domain"] == "" and cookies[name]["path"] == "/", name
