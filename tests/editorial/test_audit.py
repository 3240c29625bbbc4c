"""The audit log is append-only and its hash chain finds changed, removed or inserted rows; checkpoints kept
outside the database find rows removed at the end and a log rewritten with its hashes recomputed; on PostgreSQL
the database itself refuses UPDATE, DELETE and TRUNCATE of audit rows."""

from __future__ import annotations

import importlib
import json
import threading
from contextlib import contextmanager
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction

from editorial.audit import GENESIS_HASH, audit_record
from editorial.audit_verify import Head, check_checkpoint, read_last_checkpoint, recomputed_hash, verify_chain
from editorial.models import AuditEvent, Zone
from tests.factories import make_user, make_zone

pytestmark = pytest.mark.django_db

append_only = importlib.import_module("editorial.migrations.0005_audit_append_only")


def record_three():
    zone = make_zone()
    actor = make_user()
    return [
        audit_record(action="editorial.post.submit", actor=actor, zone=zone, obj=zone, data={"n": 1, "é": "ü"}),
        audit_record(action="editorial.post.approve", actor=actor, zone=zone, data={"fingerprint": "ab" * 32}),
        audit_record(action="security.login.failed", data={"username": "x"}),
    ]


@contextmanager
def around_the_triggers():
    """What someone with the table owner's rights must do first on PostgreSQL to edit the log: switch its
    append-only triggers off (the test's transaction is rolled back, the triggers with it)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        # The foreign keys are checked at commit; ALTER TABLE wants those checks done first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE editorial_auditevent DISABLE TRIGGER USER")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE editorial_auditevent ENABLE TRIGGER USER")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def remove(*events: AuditEvent) -> None:
    # QuerySet.delete() goes around the model's delete(), straight to a DELETE statement.
    with around_the_triggers():
        AuditEvent.objects.filter(pk__in=[e.pk for e in events]).delete()


def forge(after: AuditEvent, *, pk: int, prev_hash: str) -> AuditEvent:
    """A row written straight into the table, with a hash that matches its content (the hash has no secret)."""
    event = AuditEvent(
        pk=pk,
        zone_id=after.zone_id,
        actor_id=after.actor_id,
        actor_label=after.actor_label,
        action="editorial.post.approve",
        object_type=after.object_type,
        object_id=after.object_id,
        data={"forged": True},
        created_at=after.created_at,
        prev_hash=prev_hash,
    )
    event.hash = recomputed_hash(event)
    AuditEvent.objects.bulk_create([event])  # save() refuses an event that has an id: an insider goes around it
    return event


def make_room_after(event: AuditEvent, later: AuditEvent) -> AuditEvent:
    """Move ``later`` to a higher id, leaving a free id after ``event`` (the hash does not cover the id, so the
    chain is unchanged)."""
    with around_the_triggers():
        AuditEvent.objects.filter(pk=later.pk).update(id=later.pk + 1000)
    return AuditEvent.objects.get(pk=later.pk + 1000)


def kinds(problems) -> list[tuple[int | None, str]]:
    return [(p.event_id, p.kind) for p in problems]


# --- The chain ----------------------------------------------------------------------------------------------


def test_events_are_chained():
    first, second, third = record_three()
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert third.actor_label == "system"
    problems, head = verify_chain()
    assert problems == []
    assert head == Head(count=AuditEvent.objects.count(), last_id=third.pk, last_hash=third.hash)


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
    with around_the_triggers():
        AuditEvent.objects.filter(pk=second.pk).update(data={"fingerprint": "00" * 32})
    assert kinds(verify_chain()[0]) == [(second.pk, "changed")]


def test_a_removed_row_is_found():
    _, second, third = record_three()
    remove(second)
    problems = verify_chain()[0]
    assert kinds(problems) == [(third.pk, "missing")]
    assert "removed" in problems[0].reason


def test_removed_first_rows_are_found():
    first, second, _third = record_three()
    remove(first)
    problems = verify_chain()[0]
    assert kinds(problems) == [(second.pk, "missing")]
    assert "first events of the log were removed" in problems[0].reason


def test_a_changed_row_with_its_hash_recomputed_breaks_the_next_link():
    _first, second, third = record_three()
    with around_the_triggers():
        forged_hash = recomputed_hash(AuditEvent(**{**_fields(second), "data": {"fingerprint": "00" * 32}}))
        AuditEvent.objects.filter(pk=second.pk).update(data={"fingerprint": "00" * 32}, hash=forged_hash)
    problems = verify_chain()[0]
    assert kinds(problems) == [(third.pk, "missing")]
    assert f"event {second.pk} was changed and its hash recomputed" in problems[0].reason


def test_an_inserted_row_outside_the_chain_is_found():
    _first, second, third = record_three()
    third = make_room_after(second, third)
    inserted = forge(second, pk=second.pk + 1, prev_hash="f" * 64)
    problems = verify_chain()[0]
    assert kinds(problems) == [(inserted.pk, "inserted")]
    assert f"the next event ({third.pk}) follows event {second.pk}" in problems[0].reason


def test_an_inserted_row_that_copies_a_real_link_is_found_as_a_fork():
    _first, second, third = record_three()
    third = make_room_after(second, third)
    inserted = forge(second, pk=second.pk + 1, prev_hash=second.hash)
    problems = verify_chain()[0]
    # Both follow the second event and both hashes are right: the rows cannot tell which one is real.
    assert kinds(problems) == [(third.pk, "forked")]
    assert f"follows event {second.pk}, as event {inserted.pk} does" in problems[0].reason


def test_a_row_claiming_to_start_the_log_is_found():
    _first, second, third = record_three()
    third = make_room_after(second, third)
    # An event pretending to be the first one, with a correct hash: the next event does not follow it.
    inserted = forge(second, pk=second.pk + 1, prev_hash=GENESIS_HASH)
    assert kinds(verify_chain()[0]) == [(inserted.pk, "inserted")]


def _fields(event: AuditEvent) -> dict:
    return {f.attname: getattr(event, f.attname) for f in AuditEvent._meta.concrete_fields}


# --- The checkpoints ----------------------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    """The command's exit code, standard output and error."""
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit_log", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_the_verify_command_reports_and_fails():
    _, second, _ = record_three()
    code, out, _ = run()
    assert code == 0 and "3 events" in out
    assert "keep this line outside the database" in out
    with around_the_triggers():
        AuditEvent.objects.filter(pk=second.pk).update(actor_label="someone-else")
    code, _, err = run()
    assert code == 1
    assert f"event {second.pk}: changed" in err
    assert "NOT intact: 1 problem(s) in 3 events" in err


def test_removed_last_rows_pass_the_chain_but_not_the_checkpoint(tmp_path):
    _first, second, third = record_three()
    checkpoints = tmp_path / "audit-checkpoints"
    code, out, _ = run("--checkpoint", str(checkpoints))
    assert code == 0 and "Checkpoint appended" in out
    recorded = json.loads(checkpoints.read_text().splitlines()[-1])
    assert recorded["count"] == 3 and recorded["last_id"] == third.pk and recorded["last_hash"] == third.hash

    remove(second, third)
    # What is left is a valid chain: without the checkpoint nothing is wrong.
    assert verify_chain()[0] == []
    code, _, err = run("--checkpoint", str(checkpoints))
    assert code == 1
    assert f"event {third.pk}: checkpoint:" in err
    assert "events at the end of the log were removed" in err
    # A broken log never becomes the new reference.
    assert len(checkpoints.read_text().splitlines()) == 1


def test_a_log_rewritten_with_its_hashes_recomputed_is_found_by_the_checkpoint(tmp_path):
    first, second, third = record_three()
    checkpoints = tmp_path / "audit-checkpoints"
    assert run("--checkpoint", str(checkpoints))[0] == 0

    # The insider changes the second event and recomputes every hash after it: the chain verifies again.
    with around_the_triggers():
        previous = first.hash
        for event in AuditEvent.objects.filter(pk__gte=second.pk).order_by("pk"):
            if event.pk == second.pk:
                event.data = {"fingerprint": "00" * 32}
            event.prev_hash = previous
            event.hash = recomputed_hash(event)
            AuditEvent.objects.filter(pk=event.pk).update(data=event.data, prev_hash=previous, hash=event.hash)
            previous = event.hash
    assert verify_chain()[0] == []
    code, _, err = run("--checkpoint", str(checkpoints))
    assert code == 1
    assert f"event {third.pk}: checkpoint: its hash is not the one" in err


def test_rows_removed_before_the_checkpoint_are_counted():
    first, second, third = record_three()
    checkpoint = Head(count=3, last_id=third.pk, last_hash=third.hash, at="2026-12-01T06:00:00+00:00")
    remove(second)
    with around_the_triggers():
        AuditEvent.objects.filter(pk=third.pk).update(prev_hash=first.hash)
    problems = check_checkpoint(checkpoint)
    assert any(
        p.kind == "checkpoint" and "2 events up to event" in p.reason and "removed" in p.reason for p in problems
    )


def test_an_intact_log_moves_the_checkpoint_on(tmp_path):
    record_three()
    checkpoints = tmp_path / "audit-checkpoints"
    assert run("--checkpoint", str(checkpoints))[0] == 0
    fourth = audit_record(action="editorial.post.publish")
    code, out, _ = run("--checkpoint", str(checkpoints))
    assert code == 0
    assert "Everything the checkpoint of" in out and "(3 events" in out
    last = read_last_checkpoint(checkpoints)
    assert (last.count, last.last_id, last.last_hash) == (4, fourth.pk, fourth.hash)
    assert len(checkpoints.read_text().splitlines()) == 2


def test_an_emptied_log_is_found_by_the_checkpoint(tmp_path):
    events = record_three()
    checkpoints = tmp_path / "audit-checkpoints"
    assert run("--checkpoint", str(checkpoints))[0] == 0
    remove(*events)
    code, _, err = run("--checkpoint", str(checkpoints))
    assert code == 1 and "events at the end of the log were removed" in err


@pytest.mark.parametrize("content", ["", "not json\n", '{"count": 3}\n'])
def test_an_unreadable_checkpoint_file_fails(tmp_path, content):
    record_three()
    checkpoints = tmp_path / "audit-checkpoints"
    checkpoints.write_text(content)
    code, _, err = run("--checkpoint", str(checkpoints))
    assert code == 1
    assert "cannot be read" in err or "is empty" in err
    assert checkpoints.read_text() == content


# --- PostgreSQL: the database refuses ------------------------------------------------------------------------


def refused(sql: str, params: list | None = None) -> str:
    """The database's refusal of ``sql`` (the savepoint keeps the test's transaction usable)."""
    with pytest.raises(DatabaseError) as error, transaction.atomic(), connection.cursor() as cursor:
        # The test's rows are not committed: their foreign key checks are done first, as at a commit, or
        # PostgreSQL would refuse a TRUNCATE for that reason instead.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(sql, params)
    return str(error.value)


def test_postgresql_refuses_update_delete_and_truncate(postgres):
    first, second, third = record_three()
    assert "append-only: UPDATE" in refused("UPDATE editorial_auditevent SET action = 'x' WHERE id = %s", [second.pk])
    assert "append-only: DELETE" in refused("DELETE FROM editorial_auditevent WHERE id = %s", [third.pk])
    assert "append-only: TRUNCATE" in refused("TRUNCATE editorial_auditevent")
    # Through the ORM too: queryset update() and delete() go around the model's save() and delete().
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=first.pk).update(actor_label="someone-else")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert list(AuditEvent.objects.values_list("pk", "hash").order_by("pk")) == [
        (e.pk, e.hash) for e in (first, second, third)
    ]
    assert verify_chain()[0] == []


def test_postgresql_refuses_wiping_the_log_with_the_zones_while_users_remain(postgres):
    record_three()
    # The audit table references the zones: truncating them takes the log along, and that is refused.
    assert "append-only: TRUNCATE" in refused("TRUNCATE editorial_zone CASCADE")
    assert AuditEvent.objects.count() == 3 and Zone.objects.exists()


def test_postgresql_still_appends(postgres):
    record_three()
    event = audit_record(action="editorial.post.publish", data={"channel": "x"})
    assert AuditEvent.objects.order_by("-pk").first() == event
    assert verify_chain()[0] == []


def test_postgresql_flushing_the_whole_database_still_works(postgres):
    """What pytest-django does after every transactional test (and manage.py flush): one TRUNCATE of every
    table, the audit log with the zones and users it points at."""
    record_three()
    with transaction.atomic():
        # After a real test the rows are committed; here their foreign key checks are still pending, and
        # TRUNCATE wants them done first.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
        assert AuditEvent.objects.count() == 0 and not Zone.objects.exists()
        transaction.set_rollback(True)
    assert AuditEvent.objects.count() == 3


def test_postgresql_the_migration_backwards_drops_the_triggers(postgres):
    event = record_three()[1]
    with connection.schema_editor() as editor:
        append_only.drop_triggers(apps, editor)
    AuditEvent.objects.filter(pk=event.pk).update(actor_label="someone-else")
    with connection.schema_editor() as editor:
        append_only.create_triggers(apps, editor)
    assert "append-only: UPDATE" in refused("UPDATE editorial_auditevent SET action = 'x' WHERE id = %s", [event.pk])


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_chain_on_postgresql(postgres):
    """Two connections appending at once must not fork the chain (advisory lock). Transactional: its teardown
    flushes the database, audit log included, through the TRUNCATE the triggers let pass."""
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
    assert verify_chain()[0] == []
    # No two events claim the same predecessor.
    prevs = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(prevs) == len(set(prevs))
