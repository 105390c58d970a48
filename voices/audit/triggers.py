"""Append-only at the database level: triggers that refuse UPDATE and DELETE on the audit log and on consent records.

Installed by the migration voices_audit.0003_append_only_triggers, for SQLite and PostgreSQL (other databases keep the
ORM-level guards only). What they refuse, whoever sends the SQL (the ORM, a raw cursor, the sqlite3 shell, psql):

- audit log (`voices_audit_auditentry`): every UPDATE and DELETE (and TRUNCATE on PostgreSQL).
- consent records (`voices_consentrecord`): every DELETE (and TRUNCATE on PostgreSQL) and every UPDATE except the one
  the product makes: `withdrawn_at` going from empty to a time, every other column unchanged
  (voices.services.enrollment.enrollment_revoke). An UPDATE that changes nothing passes too (a plain `save()`).

A refused statement fails with an IntegrityError (SQLite: RAISE(ABORT); PostgreSQL: SQLSTATE 23000) and changes
nothing. Inserts are untouched.

Legitimate ways around them, both inside one transaction so that no other connection ever sees the table unguarded:
- `manage.py flush` (and so pytest-django's flush between transactional tests): voices.audit overrides the command to
  drop the triggers, flush, and create them again in the same transaction (`suspended()`).
- `suspended(connection)`: for tests that simulate an attacker with DDL rights (tampering must still be caught by
  `verify_audit_log`) and for deliberate maintenance.

On SQLite, a migration that rebuilds one of these tables (many AlterField/RemoveField operations copy the table) drops
its triggers; the post_migrate receiver of voices.audit installs them again after every `migrate` (`install()` is
idempotent and reads the table's current columns). A migration that drops a ConsentRecord column with ALTER TABLE
DROP COLUMN must call `uninstall()` first (SQLite refuses to drop a column a trigger names).
"""

import contextlib

from django.apps import apps as global_apps
from django.db import transaction

MIGRATION = ("voices_audit", "0003_append_only_triggers")
VENDORS = ("sqlite", "postgresql")


def _tables(apps):
    audit = apps.get_model("voices_audit", "AuditEntry")._meta.db_table
    consent_model = apps.get_model("voices", "ConsentRecord")
    consent = consent_model._meta.db_table
    withdrawn = consent_model._meta.get_field("withdrawn_at").column
    return audit, consent, withdrawn


def trigger_names(vendor: str, apps=global_apps) -> list[str]:
    """[audit table's two triggers, consent table's two triggers]."""
    audit, consent, _ = _tables(apps)
    if vendor == "postgresql":  # one row trigger for UPDATE and DELETE, one statement trigger for TRUNCATE
        return [f"{audit}_append_only", f"{audit}_no_truncate", f"{consent}_append_only", f"{consent}_no_truncate"]
    return [f"{audit}_no_update", f"{audit}_no_delete", f"{consent}_only_withdrawal", f"{consent}_no_delete"]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_install(connection, apps) -> list[str]:
    audit, consent, withdrawn = _tables(apps)
    with connection.cursor() as cursor:  # the table's columns as they are (a model may be ahead of its migrations)
        columns = [c.name for c in connection.introspection.get_table_description(cursor, consent)]
    no_update, no_delete, only_withdrawal, consent_no_delete = trigger_names("sqlite", apps)
    unchanged = " AND ".join(f"NEW.{_q(c)} IS OLD.{_q(c)}" for c in columns if c != withdrawn)
    allowed = f"{unchanged} AND (NEW.{_q(withdrawn)} IS OLD.{_q(withdrawn)} OR OLD.{_q(withdrawn)} IS NULL)"
    return [
        f"CREATE TRIGGER {_q(no_update)} BEFORE UPDATE ON {_q(audit)} FOR EACH ROW "
        f"BEGIN SELECT RAISE(ABORT, '{audit} is append-only: UPDATE refused'); END",
        f"CREATE TRIGGER {_q(no_delete)} BEFORE DELETE ON {_q(audit)} FOR EACH ROW "
        f"BEGIN SELECT RAISE(ABORT, '{audit} is append-only: DELETE refused'); END",
        f"CREATE TRIGGER {_q(only_withdrawal)} BEFORE UPDATE ON {_q(consent)} FOR EACH ROW WHEN NOT ({allowed}) "
        f"BEGIN SELECT RAISE(ABORT, '{consent} is append-only: UPDATE refused (only {withdrawn} may be set, "
        "once)'); END",
        f"CREATE TRIGGER {_q(consent_no_delete)} BEFORE DELETE ON {_q(consent)} FOR EACH ROW "
        f"BEGIN SELECT RAISE(ABORT, '{consent} is append-only: DELETE refused'); END",
    ]


# PostgreSQL: no '%' anywhere (the SQL goes through a DB-API cursor); messages are built with ||.
PG_REFUSE = """
CREATE OR REPLACE FUNCTION voices_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation',
        MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused';
END
$$"""

PG_CONSENT = """
CREATE OR REPLACE FUNCTION voices_audit_consent_only_withdrawal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF (OLD.{w} IS NULL OR NEW.{w} IS NOT DISTINCT FROM OLD.{w})
                AND (to_jsonb(NEW) - '{w_literal}') = (to_jsonb(OLD) - '{w_literal}') THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation',
        MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused (only {w_literal} may be set, once)';
END
$$"""

PG_FUNCTIONS = ("voices_audit_refuse_change()", "voices_audit_consent_only_withdrawal()")


def _pg_install(apps) -> list[str]:
    audit, consent, withdrawn = _tables(apps)
    audit_row, audit_truncate, consent_row, consent_truncate = trigger_names("postgresql", apps)
    # Row triggers do not see TRUNCATE: a statement trigger refuses it.
    return [
        PG_REFUSE,
        PG_CONSENT.format(w=_q(withdrawn), w_literal=withdrawn.replace("'", "''")),
        f"CREATE OR REPLACE TRIGGER {_q(audit_row)} BEFORE UPDATE OR DELETE ON {_q(audit)} FOR EACH ROW "
        "EXECUTE FUNCTION voices_audit_refuse_change()",
        f"CREATE OR REPLACE TRIGGER {_q(audit_truncate)} BEFORE TRUNCATE ON {_q(audit)} FOR EACH STATEMENT "
        "EXECUTE FUNCTION voices_audit_refuse_change()",
        f"CREATE OR REPLACE TRIGGER {_q(consent_row)} BEFORE UPDATE OR DELETE ON {_q(consent)} FOR EACH ROW "
        "EXECUTE FUNCTION voices_audit_consent_only_withdrawal()",
        f"CREATE OR REPLACE TRIGGER {_q(consent_truncate)} BEFORE TRUNCATE ON {_q(consent)} FOR EACH STATEMENT "
        "EXECUTE FUNCTION voices_audit_refuse_change()",
    ]


def _uninstall_sql(vendor: str, apps) -> list[str]:
    audit, consent, _ = _tables(apps)
    names = trigger_names(vendor, apps)
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {_q(name)}" for name in names]
    tables = [audit, audit, consent, consent]
    return ([f"DROP TRIGGER IF EXISTS {_q(name)} ON {_q(table)}" for name, table in zip(names, tables, strict=True)]
            + [f"DROP FUNCTION IF EXISTS {function}" for function in PG_FUNCTIONS])


def _execute(connection, statements: list[str]) -> None:
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def install(connection, apps=global_apps) -> bool:
    """Create (or refresh) the triggers; idempotent. False on a database other than SQLite and PostgreSQL."""
    if connection.vendor not in VENDORS:
        return False
    if connection.vendor == "sqlite":  # no CREATE OR REPLACE TRIGGER: drop first, so the column list is current
        _execute(connection, _uninstall_sql("sqlite", apps) + _sqlite_install(connection, apps))
    else:
        _execute(connection, _pg_install(apps))
    return True


def uninstall(connection, apps=global_apps) -> None:
    if connection.vendor in VENDORS:
        _execute(connection, _uninstall_sql(connection.vendor, apps))


def installed(connection, apps=global_apps) -> set[str]:
    """The names of the triggers present."""
    if connection.vendor not in VENDORS:
        return set()
    names = trigger_names(connection.vendor, apps)
    marks = ", ".join(["%s"] * len(names))
    if connection.vendor == "sqlite":
        sql = f"SELECT name FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})"
    else:
        sql = f"SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname IN ({marks})"
    with connection.cursor() as cursor:
        cursor.execute(sql, names)
        return {row[0] for row in cursor.fetchall()}


def migration_applied(connection) -> bool:
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connection)
    return recorder.has_table() and MIGRATION in recorder.applied_migrations()


@contextlib.contextmanager
def suspended(connection):
    """Run the block with the triggers dropped, then create them again: all in one transaction, so other
    connections never see the tables unguarded, and an error inside rolls the drop back with everything else.
    Does nothing special where the triggers are not installed."""
    with transaction.atomic(using=connection.alias):
        if not installed(connection):
            yield
            return
        uninstall(connection)
        yield
        install(connection)
