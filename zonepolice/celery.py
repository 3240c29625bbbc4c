"""The Celery application: configuration comes from Django's settings (CELERY_* names)."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zonepolice.settings")

app = Celery("zonepolice")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect
@signals.task_postrun.connect
def close_old_connections(**_kwargs: Any) -> None:
    """Treat each task like Django treats a request: close a database connection older than CONN_MAX_AGE or
    left broken by an error, and health-check a kept one before its first query (CONN_HEALTH_CHECKS).

    Celery's Django fix-up would otherwise close every connection before and after every task (settings set
    CELERY_DB_REUSE_MAX so that it does not): each publication would then open a new PostgreSQL connection, a
    new server process, which cost more than the rest of its database work.

    Django keeps one connection per thread, and Celery sends these signals in the thread that runs the task: in
    the threads pool (the Procfile's) each pool thread checks and keeps its own connection, so a worker holds up
    to --concurrency connections, and a task never closes another one's. In a prefork pool, the fix-up closes
    the connections a pool process inherits at fork when the process starts."""
    from django.db import close_old_connections as close

    close()
