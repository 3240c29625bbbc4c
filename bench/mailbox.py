"""An e-mail backend for the benchmarks' processes: Django's file-based backend writing to the folder named by
DESK_BENCH_MAIL_DIR (the settings read no EMAIL_FILE_PATH from the environment), so that a campaign counts the
e-mails its workers, beat and cron's ``check_publishing`` sent.

    EMAIL_BACKEND=bench.mailbox.EmailBackend DESK_BENCH_MAIL_DIR=/tmp/mail celery -A zonepolice worker ...
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.mail.backends import filebased

# Django's file-based backend ends every message with this line.
SEPARATOR = "-" * 79


class EmailBackend(filebased.EmailBackend):
    def __init__(self, *args: Any, file_path: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, file_path=file_path or os.environ["DESK_BENCH_MAIL_DIR"], **kwargs)


def messages_in(folder: Path) -> list[str]:
    """The messages written to ``folder`` by this backend, each as its text."""
    messages = []
    for path in sorted(folder.glob("*.log")):
        text = path.read_text(errors="replace")
        messages += [m.strip() for m in text.split("\n" + SEPARATOR + "\n") if m.strip()]
    return messages
