from __future__ import annotations

import sys
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from editorial import publishing, selectors
from editorial.models import Publication

# Beat sends the heartbeat every 30 s; four missed beats mean beat or every worker is down.
HEARTBEAT_STALE_AFTER = timedelta(minutes=2)


class Command(BaseCommand):
    help = (
        "For monitoring (cron, Nagios...): exit 1 when a publication is late, a publication's outcome is unknown or "
        "failed and nobody settled it, or no worker ran beat's heartbeat recently. Works when beat itself is down."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        problems: list[str] = []
        for publication in publishing.late_publications(now=now).select_related("post__zone", "channel"):
            minutes = int((now - publication.next_attempt_at).total_seconds() // 60)
            problems.append(
                f"late: publication {publication.pk} ({publication.post.zone.slug}, {publication.channel.kind}) "
                f"due {minutes} min ago, status {publication.status}"
            )
        for publication in Publication.objects.filter(
            status__in=[Publication.Status.UNKNOWN, Publication.Status.FAILED]
        ).select_related("post__zone", "channel"):
            problems.append(
                f"{publication.status}: publication {publication.pk} ({publication.post.zone.slug}, "
                f"{publication.channel.kind}): {publication.last_error}"
            )
        seen = selectors.worker_last_seen()
        if seen is None or now - seen > HEARTBEAT_STALE_AFTER:
            problems.append(f"no worker heartbeat since {seen.isoformat() if seen else 'the cache was cleared'}")
        if not problems:
            self.stdout.write("Publishing OK: nothing late, nothing unsettled, workers alive.")
            return
        for problem in problems:
            self.stderr.write(problem)
        sys.exit(1)
