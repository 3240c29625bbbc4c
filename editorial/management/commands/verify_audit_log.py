"""``manage.py verify_audit_log [--checkpoint FILE]``: exit 0 when the audit log is intact, 1 with each problem.

Run it from cron (daily at least, hourly is better) with ``--checkpoint`` pointing at a file the database's users
cannot write, and keep its output (cron mail, syslog): each intact run appends the log's head to the file and
prints it, and the next run checks that everything the last checkpoint saw is still there, unchanged. Without a
checkpoint, events removed from the end of the log, or a log rewritten with its hashes recomputed, cannot be
found. What each check finds and misses: editorial/audit_verify.py.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from editorial.audit_verify import (
    CheckpointError,
    Head,
    Problem,
    check_checkpoint,
    read_last_checkpoint,
    remember_verification,
    verify_chain,
    write_checkpoint,
)


class Command(BaseCommand):
    help = (
        "Check the audit log's hash chain, and with --checkpoint FILE that nothing the last checkpoint saw was "
        "removed or rewritten; exit 1 and list the events that do not verify."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoint",
            type=Path,
            help=(
                "File of checkpoints (one JSON line each), kept where the database's users cannot write. The last "
                "one is checked; an intact log appends a new one. Created on the first run."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path | None = options["checkpoint"]
        problems, head = verify_chain()
        previous: Head | None = None
        if path is not None:
            try:
                previous = read_last_checkpoint(path)
            except CheckpointError as error:
                problems.append(Problem(None, "checkpoint", str(error)))
            else:
                if previous is not None:
                    problems += check_checkpoint(previous)

        # The desk's audit log page shows the last outcome (editorial/views/audit.py).
        remember_verification(problems=problems, head=head)
        if problems:
            for problem in problems:
                self.stderr.write(str(problem))
            self.stderr.write(f"Audit log NOT intact: {len(problems)} problem(s) in {head.count} events.")
            sys.exit(1)

        self.stdout.write(f"Audit log verified: {head.count} events, chain intact.")
        if previous is not None:
            self.stdout.write(
                f"Everything the checkpoint of {previous.at} saw is still there ({previous.count} events, up to "
                f"event {previous.last_id})."
            )
        if path is not None:
            written = write_checkpoint(path, head)
            self.stdout.write(f"Checkpoint appended to {path}: {written.line()}")
        else:
            now = timezone.now().isoformat(timespec="seconds")
            line = Head(count=head.count, last_id=head.last_id, last_hash=head.last_hash, at=now).line()
            self.stdout.write(f"Head of the log (keep this line outside the database): {line}")
            self.stdout.write(
                "Without --checkpoint, events removed from the end of the log or a log rewritten with its hashes "
                "recomputed cannot be found."
            )
