"""Checking the audit log (``manage.py verify_audit_log``): its hash chain, and checkpoints of its head kept
outside the database.

Each event holds the hash of the one before it (editorial.audit), so walking the events in order finds:

- a changed row: its content no longer matches its hash;
- removed rows anywhere but at the end: the next event names a predecessor that is not in the log (the same
  sign as a row changed with its hash recomputed: both are reported as such);
- the first rows removed: the first event does not start from the genesis hash;
- an inserted row: the event after it follows the one before it, so the inserted row is outside the chain; or it
  copies a real event's predecessor and the chain forks (two events follow the same one: one was inserted,
  and nothing in the rows says which);
- rows moved out of order.

The chain alone cannot see rows removed at the end: the shorter log is a valid chain. Nor can it see a log
rewritten by someone who recomputes every hash after the point they changed, because the hash has no secret
(anyone with the code and write access can compute it). A checkpoint covers both for everything it saw: it
records how many events there were, the last one's id and its hash. A later run finds the checkpointed event
gone (rows removed at the end), its hash different (rows rewritten up to it) or a different number of events up
to it (rows removed or inserted before it, hashes recomputed).

A checkpoint is only as good as where it is kept: in a file that the database's users cannot write (another
host, append-only storage), and as the line this command prints, sent to an external log (cron mail, syslog).
What no checkpoint can find: changes to events written after the last checkpoint, and events forged at the end
of the log with a correct hash. Checkpoint often; a secret key (HMAC) held outside the database would close
the second gap.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.utils import timezone

# The hash of an event is computed where events are written; it must be recomputed exactly the same way here.
from editorial.audit import GENESIS_HASH, _event_hash, _stamp
from editorial.models import AuditEvent


@dataclass(frozen=True)
class Problem:
    event_id: int | None
    kind: str  # changed, missing, inserted, forked, out of order, checkpoint
    reason: str

    def __str__(self) -> str:
        where = f"event {self.event_id}" if self.event_id is not None else "log"
        return f"{where}: {self.kind}: {self.reason}"


@dataclass(frozen=True)
class Head:
    """The state of the log a checkpoint records."""

    count: int
    last_id: int | None
    last_hash: str
    at: str = ""  # when it was recorded (ISO 8601, UTC)

    def line(self) -> str:
        return json.dumps(
            {"at": self.at, "count": self.count, "last_id": self.last_id, "last_hash": self.last_hash},
            sort_keys=True,
        )


class CheckpointError(Exception):
    """The checkpoint file cannot be read: it must never pass for an empty one."""


def recomputed_hash(event: AuditEvent) -> str:
    return _event_hash(
        prev_hash=event.prev_hash,
        created_at=_stamp(event.created_at),
        zone_id=event.zone_id,
        actor_id=event.actor_id,
        actor_label=event.actor_label,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        data=event.data,
    )


def _with_next(events: Iterator[AuditEvent]) -> Iterator[tuple[AuditEvent, AuditEvent | None]]:
    current = next(events, None)
    while current is not None:
        following = next(events, None)
        yield current, following
        current = following


def _event_with_hash(value: str) -> AuditEvent | None:
    return AuditEvent.objects.filter(hash=value).only("pk", "hash").first()


def verify_chain() -> tuple[list[Problem], Head]:
    """Walk every event in order (a few thousand rows in memory at a time); return the problems found and the
    head of the log, for a checkpoint."""
    problems: list[Problem] = []
    tip: AuditEvent | None = None  # the last event that is part of the chain
    count = 0
    last: AuditEvent | None = None
    events = AuditEvent.objects.order_by("pk").iterator(chunk_size=2000)
    for event, following in _with_next(events):
        count += 1
        last = event
        if recomputed_hash(event) != event.hash:
            problems.append(Problem(event.pk, "changed", "its content does not match its hash (the row was edited)"))
        expected = tip.hash if tip is not None else GENESIS_HASH
        if event.prev_hash == expected:
            tip = event
            continue
        if following is not None and following.prev_hash == expected:
            # The next event follows the chain as if this one were not there.
            problems.append(
                Problem(
                    event.pk,
                    "inserted",
                    f"it is not part of the chain: the next event ({following.pk}) follows "
                    f"{f'event {tip.pk}' if tip else 'the start of the log'}",
                )
            )
            continue
        problems.append(_broken_link(event, tip))
        tip = event
    head = Head(count=count, last_id=last.pk if last else None, last_hash=last.hash if last else GENESIS_HASH)
    return problems, head


def _broken_link(event: AuditEvent, tip: AuditEvent | None) -> Problem:
    """``event`` does not follow ``tip``, the last event of the chain before it: say what its link points at."""
    if event.prev_hash == GENESIS_HASH:
        return Problem(event.pk, "inserted", "it claims to be the first event of the log, and is not")
    named = _event_with_hash(event.prev_hash)
    if named is None:
        if tip is None:
            return Problem(
                event.pk, "missing", "the first events of the log were removed: the first one left follows another"
            )
        return Problem(
            event.pk,
            "missing",
            f"the event it follows is not in the log: events between {tip.pk} and {event.pk} were removed, or "
            f"event {tip.pk} was changed and its hash recomputed",
        )
    if named.pk > event.pk:
        return Problem(event.pk, "out of order", f"it follows event {named.pk}, which comes after it")
    other = AuditEvent.objects.filter(prev_hash=event.prev_hash).exclude(pk=event.pk).values_list("pk", flat=True)
    return Problem(
        event.pk,
        "forked",
        f"it follows event {named.pk}, as event {', '.join(map(str, other)) or '?'} does: one of them was inserted",
    )


def check_checkpoint(checkpoint: Head) -> list[Problem]:
    """Compare the log with a head recorded earlier: the events it saw must all still be there, unchanged."""
    if checkpoint.last_id is None:
        return []  # recorded while the log was empty: nothing to compare yet
    since = f"the checkpoint of {checkpoint.at}" if checkpoint.at else "the checkpoint"
    event = AuditEvent.objects.filter(pk=checkpoint.last_id).only("pk", "hash").first()
    if event is None:
        return [
            Problem(
                checkpoint.last_id,
                "checkpoint",
                f"{since} ended with this event, and it is gone: events at the end of the log were removed",
            )
        ]
    problems = []
    if event.hash != checkpoint.last_hash:
        problems.append(
            Problem(
                event.pk,
                "checkpoint",
                f"its hash is not the one {since} recorded: the log was rewritten up to here (hashes recomputed)",
            )
        )
    up_to = AuditEvent.objects.filter(pk__lte=checkpoint.last_id).count()
    if up_to != checkpoint.count:
        problems.append(
            Problem(
                None,
                "checkpoint",
                f"{up_to} events up to event {checkpoint.last_id}, {since} counted {checkpoint.count}: events were "
                f"{'removed' if up_to < checkpoint.count else 'inserted'} before it",
            )
        )
    return problems


def read_last_checkpoint(path: Path) -> Head | None:
    """The last checkpoint of the file (one JSON line each), None when there is no file yet."""
    if not path.exists():
        return None
    try:
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if not lines:
            raise CheckpointError(f"{path} is empty: a checkpoint file is never emptied")
        data = json.loads(lines[-1])
        return Head(
            count=int(data["count"]),
            last_id=None if data["last_id"] is None else int(data["last_id"]),
            last_hash=str(data["last_hash"]),
            at=str(data.get("at", "")),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"{path} cannot be read as a checkpoint file: {exc}") from exc


def write_checkpoint(path: Path, head: Head, *, now: datetime | None = None) -> Head:
    """Append ``head`` to the file, stamped with the time; return what was written."""
    stamped = Head(
        count=head.count,
        last_id=head.last_id,
        last_hash=head.last_hash,
        at=(now or timezone.now()).isoformat(timespec="seconds"),
    )
    with path.open("a", encoding="utf-8") as handle:
        handle.write(stamped.line() + "\n")
    return stamped


# --- The last verification, for the desk's audit log page -------------------------------------------------

VERIFICATION_CACHE_KEY = "editorial:audit_log:last_verification"


def remember_verification(*, problems: list[Problem], head: Head, now: datetime | None = None) -> dict:
    """Record the outcome of ``manage.py verify_audit_log`` in the shared cache (Redis in production, the file cache
    of a local run), for the audit log page to show. Kept without expiry; a cache flushed or evicted loses it, and
    the page then says that no verification is recorded (it never makes one up)."""
    from django.core.cache import cache

    record = {
        "at": (now or timezone.now()).isoformat(timespec="seconds"),
        "intact": not problems,
        "problems": len(problems),
        "count": head.count,
        "last_id": head.last_id,
        "last_hash": head.last_hash,
    }
    cache.set(VERIFICATION_CACHE_KEY, record, timeout=None)
    return record


def last_verification() -> dict | None:
    """What ``remember_verification`` recorded last, with its time as a datetime; None when nothing is recorded."""
    from django.core.cache import cache

    record = cache.get(VERIFICATION_CACHE_KEY)
    if not isinstance(record, dict):
        return None
    try:
        return {**record, "at": datetime.fromisoformat(record["at"])}
    except (KeyError, TypeError, ValueError):
        return None
