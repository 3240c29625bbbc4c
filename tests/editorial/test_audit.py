"""The audit log is append-only and its hash chain finds changed, removed or inserted rows."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections

from editorial.audit import GENESIS_HASH, audit_record, verify_audit_chain
from editorial.models import AuditEvent
from tests.factories import make_user, make_zone

pytestmark = pytest.mark.django_db


def record_three():
    zone = make_zone()
    actor = make_user()
    return [
        audit_record(action="editorial.post.submit", actor=actor, zone=zone, obj=zone, data={"n": 1, "é": "ü"}),
        audit_record(action="editorial.post.approve", actor=actor, zone=zone, data={"fingerprint": "ab" * 32}),
        audit_record(action="security.login.failed", data={"username": "x"}),
    ]


def test_events_are_chained():
    first, second, third = record_three()
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert third.actor_label == "system"
    assert verify_audit_chain() == []


def test_the_model_refuses_updates_and_deletes():
    event = record_three()[0]
    event.action = "something.else"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


def test_a_changed_row_is_found():
    _, second, _ = record_three()
    # Going around the model, as someone with database access would.
    AuditEvent.objects.filter(pk=second.pk).update(data={"fingerprint": "00" * 32})
    problems = verify_audit_chain()
    assert [p.event_id for p in problems] == [second.pk]
    assert "changed" in problems[0].reason


def test_a_removed_row_is_found():
    _, second, third = record_three()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM editorial_auditevent WHERE id = %s", [second.pk])
    problems = verify_audit_chain()
    assert [p.event_id for p in problems] == [third.pk]
    assert "missing" in problems[0].reason


def test_the_verify_command_reports_and_fails(capsys):
    _, second, _ = record_three()
    call_command("verify_audit_log")
    assert "3 events" in capsys.readouterr().out
    AuditEvent.objects.filter(pk=second.pk).update(actor_label="someone-else")
    with pytest.raises(SystemExit) as exc:
        call_command("verify_audit_log")
    assert exc.value.code == 1
    assert f"event {second.pk}" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_chain_on_postgresql(postgres):
    """Two connections appending at once must not fork the chain (advisory lock)."""
    zone = make_zone()
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(15):
                audit_record(action="test.concurrent", zone=zone, data={"writer": n, "i": i})
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AuditEvent.objects.filter(action="test.concurrent").count() == 45
    assert verify_audit_chain() == []
    # No two events claim the same predecessor.
    prevs = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(prevs) == len(set(prevs))
