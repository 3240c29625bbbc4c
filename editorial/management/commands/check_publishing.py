"""For monitoring: every publishing problem, from the database alone, and the alerts raised once each."""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from editorial import publishing
from editorial.selectors.publishing import NEEDS_DECISION, needing_a_person, worker_last_seen


class Command(BaseCommand):
    help = (
        "For monitoring (cron every minute, Nagios...): exit 1 when a publication is late or stuck, failed or "
        "unknown and nobody settled it, or the publishing service stopped; the list on stderr. It also raises the "
        "alerts once each and e-mails them, like the reaper, so the team is told when beat, every worker or Redis "
        "is down (--report-only: just report). Reads the database only: works when Redis is down."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--report-only", action="store_true", help="List the problems without raising alerts or e-mailing."
        )

    def handle(self, *args: Any, report_only: bool = False, **options: Any) -> None:
        now = timezone.now()
        if not report_only:
            publishing.publications_watch(now=now)
        problems: list[str] = []
        for publication in needing_a_person(now=now).select_related("post__zone", "channel"):
            where = f"publication {publication.pk} ({publication.post.zone.slug}, {publication.channel.kind})"
            if publication.status in NEEDS_DECISION:
                problems.append(f"{publication.status}: {where}: {publication.last_error}")
            elif publication.status == publication.Status.SENDING:
                problems.append(f"stuck: {where} sending since {publication.sending_started_at.isoformat()}")
            else:
                minutes = int((now - publication.next_attempt_at).total_seconds() // 60)
                problems.append(f"late: {where} due {minutes} min ago, status {publication.status}")
        seen = worker_last_seen()
        if seen is None:
            problems.append("the publishing service (beat and a worker) has never answered")
        elif (now - seen).total_seconds() > settings.PUBLISH_HEARTBEAT_STALE_SECONDS:
            problems.append(f"the publishing service has not answered since {seen.isoformat()}")
        if not problems:
            self.stdout.write("Publishing OK: nothing late, nothing unsettled, the publishing service answers.")
            return
        self.stderr.write(f"{len(problems)} problem(s):")
        for problem in problems:
            self.stderr.write(problem)
        sys.exit(1)
