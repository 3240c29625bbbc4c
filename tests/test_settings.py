"""Settings: the local defaults, PostgreSQL/Redis from the environment, and production refusing bad set-ups.

Settings are read once per process, so each case runs Django in a fresh subprocess with a chosen environment.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
ENV_EXAMPLE = ROOT / ".env.example"

PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG,
    "ENGINE": s.DATABASES["default"]["ENGINE"],
    "NAME": str(s.DATABASES["default"]["NAME"]),
    "CACHE": s.CACHES["default"]["BACKEND"],
    "BROKER": s.CELERY_BROKER_URL,
    "EMAIL": s.EMAIL_BACKEND,
    "PUBLISHERS": {k: v["BACKEND"] for k, v in s.PUBLISHERS.items()},
    "TIME_ZONE": s.TIME_ZONE,
    "LANGUAGE_CODE": s.LANGUAGE_CODE,
    "LANGUAGES": [code for code, _ in s.LANGUAGES],
    "ACKS_LATE": s.CELERY_TASK_ACKS_LATE,
    "PREFETCH": s.CELERY_WORKER_PREFETCH_MULTIPLIER,
}))
"""


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The test process's environment without any desk setting, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in documented_names() and not k.endswith("_FILE")}
    env.update({"DJANGO_SETTINGS_MODULE": "zonepolice.settings", "DESK_VAR_DIR": str(tmp_path / "var")})
    env.pop("DEBUG", None)
    env.update(extra)
    return env


def documented_names() -> set[str]:
    return set(re.findall(r"^#?\s?([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE.read_text(), flags=re.MULTILINE))


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def production_env(tmp_path: Path) -> dict[str, str]:
    """The production values documented in .env.example, with freshly generated secrets."""
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = re.match(r"^([A-Z][A-Z0-9_]+)=(.*)$", line)
        if match:
            values[match[1]] = match[2]
    values["SECRET_KEY"] = "p" * 10 + Fernet.generate_key().decode()
    values["FIELD_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
    values["DESK_VAR_DIR"] = str(tmp_path / "var")
    values["STATIC_ROOT"] = str(tmp_path / "static")
    values["MEDIA_ROOT"] = str(tmp_path / "media")
    return clean_env(tmp_path, **values)


def test_local_defaults_need_nothing(tmp_path):
    result = run_python(PRINT_SETTINGS, clean_env(tmp_path))
    assert result.returncode == 0, result.stderr
    s = json.loads(result.stdout)
    assert s["DEBUG"] is True
    assert s["ENGINE"] == "django.db.backends.sqlite3"
    assert s["NAME"] == str(tmp_path / "var" / "desk.sqlite3")
    assert s["BROKER"] == "filesystem://"
    assert (tmp_path / "var" / "broker" / "queue").is_dir()
    assert s["CACHE"].endswith("FileBasedCache")
    assert s["EMAIL"] == "django.core.mail.backends.console.EmailBackend"
    assert set(s["PUBLISHERS"].values()) == {"editorial.publishers.console.Publisher"}
    assert s["TIME_ZONE"] == "Europe/Brussels"
    assert s["LANGUAGE_CODE"] == "fr"
    assert s["LANGUAGES"] == ["fr", "nl", "en"]
    assert s["ACKS_LATE"] is True and s["PREFETCH"] == 1


def test_local_defaults_migrate_and_seed_on_sqlite(tmp_path):
    env = clean_env(tmp_path)
    assert manage("migrate", "--noinput", env=env).returncode == 0
    seeded = manage("seed_demo", env=env)
    assert seeded.returncode == 0, seeded.stderr
    assert "directeur" in seeded.stdout
    assert (tmp_path / "var" / "desk.sqlite3").exists()


def test_database_and_redis_urls_are_used(tmp_path):
    env = clean_env(
        tmp_path, DATABASE_URL="postgres://postgres@127.0.0.1:5432/test", REDIS_URL="redis://127.0.0.1:6379/15"
    )
    s = json.loads(run_python(PRINT_SETTINGS, env).stdout)
    assert s["ENGINE"] == "django.db.backends.postgresql"
    assert s["NAME"] == "test"
    assert s["CACHE"] == "django.core.cache.backends.redis.RedisCache"
    assert s["BROKER"] == "redis://127.0.0.1:6379/15"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY is too weak"),
        ({"SECRET_KEY": "django-insecure-" + "x" * 60}, "SECRET_KEY is too weak"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must be set"),
        ({"FIELD_ENCRYPTION_KEYS": ""}, "FIELD_ENCRYPTION_KEYS must be set"),
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({"CONN_MAX_AGE": "a minute"}, "CONN_MAX_AGE='a minute' is not an integer"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL='LOUD' must be one of"),
        ({"CELERY_TASK_TIME_LIMIT": "4000"}, "below the broker visibility timeout"),
    ],
)
def test_production_refuses_to_start_when_misconfigured(tmp_path, overrides, message):
    env = production_env(tmp_path)
    for key, value in overrides.items():
        if value == "":
            env.pop(key, None)
        else:
            env[key] = value
    result = run_python("import django; django.setup()", env)
    assert result.returncode != 0
    assert message in result.stderr


def test_secrets_can_come_from_files(tmp_path):
    env = production_env(tmp_path)
    secret_file = tmp_path / "secret_key"
    secret_file.write_text(env.pop("SECRET_KEY") + "\n")
    env["SECRET_KEY_FILE"] = str(secret_file)
    result = run_python(
        "import django; django.setup(); from django.conf import settings; print(len(settings.SECRET_KEY))", env
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 50


def test_check_deploy_passes_with_the_documented_production_values(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))
    assert result.returncode == 0, result.stderr + result.stdout


def test_check_deploy_does_complain_about_a_debug_setup(tmp_path):
    # The check above is meaningful only if it can fail.
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=clean_env(tmp_path))
    assert result.returncode != 0
    assert "DEBUG" in result.stderr


def test_every_setting_read_from_the_environment_is_documented():
    settings_source = (ROOT / "zonepolice" / "settings.py").read_text()
    read = set(re.findall(r'env(?:str|bool|int|list|choice)\(\s*"([A-Z_]+)"', settings_source))
    assert read, "no setting found: the pattern above no longer matches settings.py"
    assert read - documented_names() == set()
