"""The publishing pipeline (DESIGN.md section 5): approved posts go out on time, at most once, never lost silently.

One module per stage; the schedule lives in the database (``Publication.next_attempt_at``), never in the broker:

- ``prepare``: ``publications_prepare`` (called by ``post_approve``) makes one pending publication per channel;
  ``publications_void`` (an edit voided the approval) and ``post_cancel`` stop what has not started.
- ``dispatch``: ``publications_dispatch`` (beat, every few seconds) claims what is due within the lookahead and
  enqueues one small task each, on commit; ``post_publish_now`` does it at once for one post.
- ``send``: ``publication_send`` (the task) claims ``queued -> sending`` with a conditional UPDATE, commits, makes
  exactly one create call through the channel's publisher and records the outcome: published; retrying later when
  the failure proves nothing was created; failed; unknown for anything ambiguous (never re-sent by itself).
- ``settle``: what a person decides about an unknown or failed outcome: it was published (with the link), leave it
  unsent, send it again.
- ``reap``: ``publications_reap`` (beat) and ``publications_watch`` (also ``check_publishing``, from cron): stuck
  sends become unknown, lost messages are enqueued again, late publications and a stopped service raise one alert
  each, and alerts are e-mailed grouped by zone.
- ``channels``: pausing a zone or a channel, testing a channel's connection, channels to reconnect.

Below them, ``state`` (statuses, the post's completion, attempt rows) and ``alerts`` (raising and mailing). Every
state change writes an AuditEvent; transactions take their locks in the order of ``editorial/locks.py``. Nothing
here imports the workflow services or the tasks: tasks are sent by name.
"""

from editorial.publishing.channels import (
    channel_pause,
    channel_resume,
    channel_test_connection,
    zone_pause,
    zone_resume,
)
from editorial.publishing.dispatch import post_publish_now, publications_dispatch, publications_enqueue
from editorial.publishing.prepare import post_cancel, publications_prepare, publications_void
from editorial.publishing.reap import (
    ReapReport,
    heartbeat_record,
    publications_reap,
    publications_watch,
)
from editorial.publishing.send import publication_send
from editorial.publishing.settle import (
    publication_confirm_published,
    publication_leave_unsent,
    publication_send_again,
)
from editorial.selectors.publishing import late_publications

__all__ = [
    "ReapReport",
    "channel_pause",
    "channel_resume",
    "channel_test_connection",
    "heartbeat_record",
    "late_publications",
    "post_cancel",
    "post_publish_now",
    "publication_confirm_published",
    "publication_leave_unsent",
    "publication_send",
    "publication_send_again",
    "publications_dispatch",
    "publications_enqueue",
    "publications_prepare",
    "publications_reap",
    "publications_void",
    "publications_watch",
    "zone_pause",
    "zone_resume",
]
