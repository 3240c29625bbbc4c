"""Settings of the zone desk, read from the environment (every variable is documented in .env.example).

With nothing set, the local defaults work: DEBUG on, SQLite and an embedded Celery broker under ``var/``,
console publisher and console e-mail. With DEBUG off (production), the settings refuse to load without a real
SECRET_KEY, ALLOWED_HOSTS and FIELD_ENCRYPTION_KEYS.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

from zonepolice.env import envbool, envchoice, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("DESK_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = envbool("DEBUG", default=True)

# --- Secrets -------------------------------------------------------------------------------------------
LOCAL_SECRET_KEY = "local-only-insecure-key-never-use-in-production-zone-desk-0123456789"
SECRET_KEY = envstr("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (50+ random characters).")
    SECRET_KEY = LOCAL_SECRET_KEY
elif not DEBUG and (SECRET_KEY == LOCAL_SECRET_KEY or len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured("SECRET_KEY is too weak for production: use 50+ random characters.")

# Channel credentials are encrypted with Fernet keys; the first key encrypts, all of them decrypt, so a key is
# rotated by putting the new key first and running `manage.py rotate_credentials` (docs/security.md).
FIELD_ENCRYPTION_KEYS = envlist("FIELD_ENCRYPTION_KEYS")
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must be set when DEBUG is off (generate one with: python -c "
            '"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())").'
        )
    # Local runs derive a key from the local SECRET_KEY so that nothing has to be configured.
    FIELD_ENCRYPTION_KEYS = [base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()]

# --- Hosts and HTTPS -------------------------------------------------------------------------------------
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off (for example desk.zone.be).")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if envbool("SECURE_PROXY_SSL_HEADER", default=False):
    # Only behind a proxy that sets this header itself and strips it from clients.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# No script reads the CSRF cookie (forms carry the token), so scripts may not read it at all.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# A refused form is explained to the user and audited (Django's page is in English, for developers).
CSRF_FAILURE_VIEW = "accounts.views.csrf_failure"
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
if SESSION_COOKIE_SECURE:
    # __Host- cookies are refused by browsers unless Secure, for this host only and for every path: no sibling
    # sub-domain can set or overwrite them.
    SESSION_COOKIE_NAME = "__Host-desk-session"
    CSRF_COOKIE_NAME = "__Host-desk-csrf"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# The session's age (accounts.middleware.SessionSecurityMiddleware): signed out after this long without activity,
# and after this long in all, whatever the activity. A shift is at most a working day.
DESK_SESSION_IDLE_SECONDS = envint("DESK_SESSION_IDLE_SECONDS", default=30 * 60)
DESK_SESSION_MAX_SECONDS = envint("DESK_SESSION_MAX_SECONDS", default=10 * 3600)
SESSION_COOKIE_AGE = DESK_SESSION_MAX_SECONDS
# Approving, publishing, credentials and MFA changes need a proof of identity younger than this (accounts.reauth).
DESK_REAUTH_SECONDS = envint("DESK_REAUTH_SECONDS", default=15 * 60)
if not 60 <= DESK_SESSION_IDLE_SECONDS <= DESK_SESSION_MAX_SECONDS:
    raise ImproperlyConfigured("DESK_SESSION_IDLE_SECONDS must be between 60 and DESK_SESSION_MAX_SECONDS.")

# --- Sign-in: second factor and brute-force protection ----------------------------------------------------
# Password reset links: at most this many asked for one address, and from one client address, per window
# (accounts.views.PasswordResetView); more are refused with a message, and the refusal is audited.
DESK_PASSWORD_RESET_PER_ADDRESS = 3
DESK_PASSWORD_RESET_PER_CLIENT = 10
DESK_PASSWORD_RESET_WINDOW_SECONDS = 3600
# Between the password and the code, the session remembers who passed the password for this long.
DESK_MFA_PENDING_SECONDS = 10 * 60
# The name shown in the authenticator app.
OTP_TOTP_ISSUER = envstr("OTP_TOTP_ISSUER", "Zone desk")
# Wrong codes: the next try waits 1, 2, 4, 8... seconds (django-otp's throttling), per device.
OTP_TOTP_THROTTLE_FACTOR = 1
# django-axes: after AXES_FAILURE_LIMIT failed passwords for one username from one address, that pair is refused
# for AXES_COOLOFF_TIME, on every sign-in form (the admin's goes through the desk's).
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
# Behind N reverse proxies, the client's address is the N-th from the right of X-Forwarded-For
# (accounts.events.request_address); with 0, the socket's address.
DESK_PROXY_COUNT = envint("AXES_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "accounts.events.request_address"
AXES_VERBOSE = False
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# --- Applications --------------------------------------------------------------------------------------
INSTALLED_APPS = [
    "accounts",
    "editorial",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_otp",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.SecurityHeadersMiddleware",
    # Inside the headers middleware, so that the redirect of an ended session carries the headers too.
    "accounts.middleware.SessionSecurityMiddleware",
    "accounts.middleware.DenialAuditMiddleware",
    # Last: it turns a sign-in refused for a locked-out username and address into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "zonepolice.urls"
WSGI_APPLICATION = "zonepolice.wsgi.application"
ASGI_APPLICATION = "zonepolice.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.memberships",
            ],
        },
    },
]

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Database ------------------------------------------------------------------------------------------
DATABASE_URL = envstr("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'desk.sqlite3'}"
if DATABASE_URL.startswith("sqlite:///"):
    # SQLite does not create the folder of its file.
    Path(DATABASE_URL.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": environ.Env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one SQLite file locally: take the write lock at BEGIN and wait for it,
    # instead of failing with "database is locked" halfway through a transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = envint("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The desk's queries are short; PostgreSQL's JIT compiler, triggered by the planner's cost estimate, spent
    # half a second compiling the 20 ms query of the day's posts with five years of history (docs/performance.md).
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "editorial:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Cache and broker ----------------------------------------------------------------------------------
REDIS_URL = envstr("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # A file cache is shared by the web, worker and beat processes of a local run; locmem would not be.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = envstr("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The embedded broker of a local run: messages are files that web, worker and beat share.
    for folder in ("queue", "processed", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        # Without it, kombu writes its broadcast exchanges to ./control in the current directory.
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Tasks are acknowledged late; a message not acknowledged within this time is delivered again (DESIGN.md
        # section 5). It only matters for a Redis that kept its data through a restart: the conditional claim makes
        # such a late second delivery harmless.
        "visibility_timeout": 3600,
        # A Redis that vanishes without closing the connection (a failover, a dropped NAT entry) would leave a
        # worker waiting forever on a read, where neither a retry nor kombu's own health checks can run: a read
        # that takes longer than this fails instead, and the worker reconnects (docs/operations.md).
        "socket_timeout": 10,
        "socket_connect_timeout": 5,
        "socket_keepalive": True,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker that lost Redis tries to reconnect for as long as it takes (Celery's default stops after 100 attempts,
# about 45 minutes); meanwhile the stale heartbeat raises an alert.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# On a lost connection, let running tasks finish: a publish task inside its create call records its outcome in the
# database, which needs no broker; cancelled, it would be left "sending" and become unknown. (Also Celery 6's
# coming default is True, and the threads pool cannot cancel a task.)
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Two queues, both consumed by every worker: the publish tasks in their own, so that a burst of them (1,000 due at
# once) never holds the dispatcher, the reaper and the heartbeat back behind it in one list.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (Queue("celery"), Queue("publish"))
CELERY_TASK_ROUTES = {"editorial.tasks.publish": {"queue": "publish"}}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery enforces these only in a prefork pool. The worker runs the threads pool (Procfile), where nothing does:
# the publishers bound their own time (PUBLISH_SEND_BUDGET_SECONDS) and the reaper's "stuck in sending" deadline
# follows from it. They still bound a worker started with --pool prefork, and stay below the visibility timeout.
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
CELERY_TASK_IGNORE_RESULT = True
# Celery's Django fix-up closes the database connection around every task unless this is set, so that each
# publication would open a new PostgreSQL connection; zonepolice/celery.py applies CONN_MAX_AGE and the health
# checks around each task instead. The fix-up still closes it after this many tasks.
CELERY_DB_REUSE_MAX = 1000
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# CELERY_BEAT_SCHEDULE is set with the publishing settings below, whose intervals it uses.
if CELERY_TASK_TIME_LIMIT >= 3600:
    raise ImproperlyConfigured("CELERY_TASK_TIME_LIMIT must stay below the broker visibility timeout (3600 s).")

# --- Publishing ----------------------------------------------------------------------------------------
# One publisher per channel kind (Django backend pattern: alias -> BACKEND, OPTIONS). A local run prints posts
# (console); production sets PUBLISHER_BACKEND=network to call X and Facebook for real.
_PUBLISHER_BACKENDS = {
    "console": {
        "x": "editorial.publishers.console.Publisher",
        "facebook": "editorial.publishers.console.Publisher",
    },
    "network": {"x": "editorial.publishers.x.Publisher", "facebook": "editorial.publishers.facebook.Publisher"},
}
PUBLISHER_BACKEND = envchoice("PUBLISHER_BACKEND", tuple(_PUBLISHER_BACKENDS), default="console")
# The API addresses are settings so that a local fake can stand in for X and Meta (tests, benchmarks).
X_API_BASE_URL = envstr("X_API_BASE_URL", "https://api.x.com").rstrip("/")
FACEBOOK_GRAPH_URL = envstr("FACEBOOK_GRAPH_URL", "https://graph.facebook.com").rstrip("/")
FACEBOOK_GRAPH_VERSION = envstr("FACEBOOK_GRAPH_VERSION", "v25.0")
# Seconds to open a connection / to wait for an answer. A create call whose answer never comes is "unknown".
PUBLISH_CONNECT_TIMEOUT = float(envint("PUBLISH_CONNECT_TIMEOUT", 5))
PUBLISH_READ_TIMEOUT = float(envint("PUBLISH_READ_TIMEOUT", 30))
# Seconds that all the calls of one publication (image uploads and the create call) may take together: a
# publisher never runs longer, so a publication still "sending" well past it had its worker die (the reaper then
# makes it unknown and alerts, within two minutes of the claim).
PUBLISH_SEND_BUDGET_SECONDS = float(envint("PUBLISH_SEND_BUDGET_SECONDS", 45))
PUBLISHERS = {
    "x": {
        "BACKEND": _PUBLISHER_BACKENDS[PUBLISHER_BACKEND]["x"],
        "OPTIONS": {
            "base_url": X_API_BASE_URL,
            "connect_timeout": PUBLISH_CONNECT_TIMEOUT,
            "read_timeout": PUBLISH_READ_TIMEOUT,
            "send_budget": PUBLISH_SEND_BUDGET_SECONDS,
        },
    },
    "facebook": {
        "BACKEND": _PUBLISHER_BACKENDS[PUBLISHER_BACKEND]["facebook"],
        "OPTIONS": {
            "graph_url": FACEBOOK_GRAPH_URL,
            "version": FACEBOOK_GRAPH_VERSION,
            "connect_timeout": PUBLISH_CONNECT_TIMEOUT,
            "read_timeout": PUBLISH_READ_TIMEOUT,
            "send_budget": PUBLISH_SEND_BUDGET_SECONDS,
        },
    },
}
# The pipeline (editorial/publishing/). Attempts for failures that prove nothing was created (rate limits,
# refused connections) before the publication is marked failed.
PUBLISH_MAX_ATTEMPTS = envint("PUBLISH_MAX_ATTEMPTS", 5)
# The dispatcher claims publications due within this many seconds and enqueues each with a countdown up to
# its time: never more than a minute in the broker (Redis redelivers ETA tasks after its visibility timeout).
PUBLISH_LOOKAHEAD_SECONDS = 30
# A due publication not sent within this delay raises an alert (a stopped beat or worker is not silent). With the
# reaper's interval (beat) or check_publishing's (cron, every minute), every problem is told within two minutes.
PUBLISH_ALERT_AFTER_SECONDS = envint("PUBLISH_ALERT_AFTER_SECONDS", 45)
PUBLISH_REAP_SECONDS = envint("PUBLISH_REAP_SECONDS", 15)
# Beat sends the heartbeat this often and a worker records it; three missed ones mean the service stopped.
PUBLISH_HEARTBEAT_SECONDS = envint("PUBLISH_HEARTBEAT_SECONDS", 15)
PUBLISH_HEARTBEAT_STALE_SECONDS = envint("PUBLISH_HEARTBEAT_STALE_SECONDS", 45)
# At most one alert e-mail per zone within this interval: the first alert of a quiet period leaves at once, the
# others are listed in the next e-mail.
PUBLISH_ALERT_MAIL_SECONDS = envint("PUBLISH_ALERT_MAIL_SECONDS", 120)
# The schedule of posts lives in the database; beat only wakes the dispatcher, the reaper and the heartbeat. A reap
# not run within its interval is dropped (``expires``): after an outage, the reaps piled up in the broker are not
# all run at once (the next tick does the work).
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {
        "task": "editorial.tasks.heartbeat",
        "schedule": float(PUBLISH_HEARTBEAT_SECONDS),
    },
    "dispatch-publications": {"task": "editorial.tasks.dispatch_publications", "schedule": 5.0},
    "reap-publications": {
        "task": "editorial.tasks.reap_publications",
        "schedule": float(PUBLISH_REAP_SECONDS),
        "options": {"expires": PUBLISH_REAP_SECONDS},
    },
    # Follow-ups that are due (issue 13): the author and the officers are reminded once (editorial.followups).
    "remind-follow-ups": {
        "task": "editorial.tasks.remind_follow_ups",
        "schedule": 60.0,
        "options": {"expires": 60},
    },
    # The week's report to the directors who asked (issue 14): every hour, so that Monday morning is Monday morning
    # in every zone's time and a run missed is made up; each director has it once a week (editorial.weekly_report).
    "send-weekly-reports": {
        "task": "editorial.tasks.send_weekly_reports",
        "schedule": 3600.0,
        "options": {"expires": 3600},
    },
    # Retention (issue 16): the items whose zone's period is over are erased once a day (editorial.retention).
    "purge-items": {
        "task": "editorial.tasks.purge_items",
        "schedule": 86400.0,
        "options": {"expires": 3600},
    },
}

# --- E-mail --------------------------------------------------------------------------------------------
EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "desk@localhost")
# The desk's address as people reach it: every e-mail links to the page it speaks of (no request to build it from).
DESK_BASE_URL = envstr("DESK_BASE_URL", f"http://127.0.0.1:{envint('DESK_PORT', 8000)}").rstrip("/")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ADMINS = [("Admin", addr) for addr in envlist("ADMINS")]

# --- Internationalisation and time -----------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True

# --- Static and media files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(VAR_DIR / "media")))
if DEBUG:
    # whitenoise warns about a missing STATIC_ROOT; in production collectstatic creates it.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Logging -------------------------------------------------------------------------------------------
LOG_LEVEL = envchoice("LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # django-axes logs every sign-in at INFO; the audit log already has them, with less noise.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# --- The desk ------------------------------------------------------------------------------------------
DESK_SITE_NAME = envstr("DESK_SITE_NAME", "Zone desk")

# Images attached to posts and items: X takes up to 5 MB per image, Facebook more; the stricter limit wins.
DESK_MAX_IMAGE_BYTES = envint("DESK_MAX_IMAGE_BYTES", 5_000_000)
# Pixels, not bytes, make a decompression bomb: a small PNG can claim billions of pixels. 20 million is a phone's
# full-resolution photo (12 MP, 16 MP: 4624 x 3468) or a 20 MP camera's; a 40 MP PNG cost 1.3 s and 400 MB in a web
# worker (docs/performance.md). X shows 4096 pixels a side at most: nothing larger reaches the public anyway.
DESK_MAX_IMAGE_PIXELS = envint("DESK_MAX_IMAGE_PIXELS", 20_000_000)
DESK_IMAGE_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
