"""Celery tasks: thin, load by id, call the pipeline. The pipeline sends them by name (editorial.publishing)."""

from __future__ import annotations

from celery import shared_task

from editorial import followups, publishing, retention, weekly_report


@shared_task(name="editorial.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Sent by beat every few seconds and run by a worker: proof that both are alive. The dashboard and
    check_publishing read it from the database; a stale one raises an alert (publishing.publications_watch)."""
    publishing.heartbeat_record()


@shared_task(name="editorial.tasks.publish", ignore_result=True)
def publish(publication_id: int) -> str:
    """Publish one publication. Delivered twice (a redelivered message, a re-enqueue after a lost one), the
    second delivery finds the row no longer queued and does nothing."""
    return publishing.publication_send(publication_id=publication_id)


@shared_task(name="editorial.tasks.dispatch_publications", ignore_result=True)
def dispatch_publications() -> int:
    """Sent by beat every few seconds: claim what is due soon and enqueue it."""
    return publishing.publications_dispatch()


@shared_task(name="editorial.tasks.reap_publications", ignore_result=True)
def reap_publications() -> dict[str, object]:
    """Sent by beat: settle stuck sends, re-enqueue lost messages, alert once per problem, e-mail the alerts."""
    report = publishing.publications_reap()
    return {"unknown": report.unknown, "requeued": report.requeued, "late": report.late, "skipped": report.skipped}


@shared_task(name="editorial.tasks.remind_follow_ups", ignore_result=True)
def remind_follow_ups() -> int:
    """Sent by beat every minute: remind the authors and the officers of the follow-ups that are due, once each
    (two runs at the same time remind nobody twice)."""
    return followups.follow_ups_remind()


@shared_task(name="editorial.tasks.send_weekly_reports", ignore_result=True)
def send_weekly_reports() -> int:
    """Sent by beat every hour: on Monday morning in each zone's time, last week's report to each director who asked
    for it, once per week and person (two runs at the same time send nobody two)."""
    return weekly_report.weekly_reports_send()


@shared_task(name="editorial.tasks.purge_items", ignore_result=True)
def purge_items() -> int:
    """Sent by beat every day: erase the items whose zone's retention is over (editorial.retention); two runs at the
    same time erase nothing twice. Returns how many items were erased."""
    return sum(len(done.item_ids) for done in retention.items_purge())
