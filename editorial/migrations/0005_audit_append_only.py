"""The audit log is append-only in the database too (PostgreSQL; DESIGN.md invariant 7).

Triggers on editorial_auditevent refuse, whoever connects:

- UPDATE and DELETE of any row (row-level BEFORE triggers), so a change or a removal needs more than a
  statement: the table's owner would have to disable or drop the triggers first;
- TRUNCATE, unless the same statement leaves the desk without any zone and any user (a statement-level AFTER
  trigger, which sees the tables once every one named in the TRUNCATE is emptied).

Why TRUNCATE has that one way through: pytest-django's transactional tests and live_server, like
``manage.py flush``, empty the database after each test with one ``TRUNCATE`` of every table. Audit events
reference zones and users, so emptying zones or users means truncating the audit table in the same statement;
when nothing of the desk is left, the audit log goes with everything else, which is not a quiet edit: every
account, zone, post and review is gone with it. Truncating the audit log alone, or together with anything less
than every zone and every user, is refused. The alternatives were worse: a flag any session can set (``SET
desk.allow_truncate``) is a quiet way around for anyone; ``session_replication_role = replica`` disables
foreign keys too, needs a superuser in the tests and a hook in every test teardown; keeping the audit table out
of the flush is impossible while its foreign keys point at the tables flushed.

What the triggers do not stop: the table's owner or a superuser can disable or drop them (``ALTER TABLE ...
DISABLE TRIGGER``), or wipe the desk and restore it without its log. The hash chain and the checkpoints of
``manage.py verify_audit_log --checkpoint`` (kept outside the database) are what find that. A later migration
that really must rewrite audit rows drops these triggers and creates them again in the same migration, where a
reviewer sees it.

On SQLite (the local run) nothing is created: the model's save() and delete() refuse changes, and the hash
chain finds any made around them.
"""

from django.conf import settings
from django.db import migrations

FUNCTION_CHANGE = "editorial_auditevent_refuse_change"
FUNCTION_TRUNCATE = "editorial_auditevent_refuse_truncate"
TRIGGERS = {
    "editorial_auditevent_no_update": f"BEFORE UPDATE ON {{table}} FOR EACH ROW EXECUTE FUNCTION {FUNCTION_CHANGE}()",
    "editorial_auditevent_no_delete": f"BEFORE DELETE ON {{table}} FOR EACH ROW EXECUTE FUNCTION {FUNCTION_CHANGE}()",
    "editorial_auditevent_no_truncate": (
        f"AFTER TRUNCATE ON {{table}} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION_TRUNCATE}()"
    ),
}


def _tables(apps, schema_editor):
    quote = schema_editor.quote_name
    audit = quote(apps.get_model("editorial", "AuditEvent")._meta.db_table)
    zone = quote(apps.get_model("editorial", "Zone")._meta.db_table)
    user = quote(apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table)
    return audit, zone, user


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    audit, zone, user = _tables(apps, schema_editor)
    # insufficient_privilege: Django raises it as a ProgrammingError, never mistaken for a unique violation.
    schema_editor.execute(
        f"""
        CREATE OR REPLACE FUNCTION {FUNCTION_CHANGE}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'the audit log is append-only: % of an audit event refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$
        """,
        params=None,  # no placeholders: the % belong to RAISE
    )
    schema_editor.execute(
        f"""
        CREATE OR REPLACE FUNCTION {FUNCTION_TRUNCATE}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM {zone}) OR EXISTS (SELECT 1 FROM {user}) THEN
                RAISE EXCEPTION 'the audit log is append-only: TRUNCATE refused while the desk has zones or users'
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            RETURN NULL;
        END;
        $$
        """,
        params=None,  # no placeholders: the % belong to RAISE
    )
    for name, definition in TRIGGERS.items():
        schema_editor.execute(f"CREATE TRIGGER {name} {definition.format(table=audit)}")


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    audit, _zone, _user = _tables(apps, schema_editor)
    for name in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {audit}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION_CHANGE}()")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION_TRUNCATE}()")


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("editorial", "0004_zone_unit_heads_require_mfa"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers, elidable=False)]
