from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from editorial.audit import verify_audit_chain
from editorial.models import AuditEvent


class Command(BaseCommand):
    help = "Check the audit log's hash chain; exit 1 and list the events that do not verify."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = verify_audit_chain()
        count = AuditEvent.objects.count()
        if not problems:
            self.stdout.write(f"Audit log verified: {count} events, chain intact.")
            return
        for problem in problems:
            self.stderr.write(f"event {problem.event_id}: {problem.reason}")
        self.stderr.write(f"Audit log NOT intact: {len(problems)} problem(s) in {count} events.")
        sys.exit(1)
