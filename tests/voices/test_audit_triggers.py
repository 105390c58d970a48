"""Append-only at the database level (voices.audit.triggers): raw SQL cannot change or delete audit entries or consent
records; the product's own withdrawal still works; flush and migrate keep working and keep the triggers."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from voices.audit import triggers
from voices.audit.log import audit_record, verify_chain
from voices.audit.models import AuditEntry
from voices.models import ConsentRecord, Enrollment
from voices.services.consent import consent_accept
from voices.services.enrollment import enrollment_revoke

AUDIT = AuditEntry._meta.db_table
CONSENT = ConsentRecord._meta.db_table


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def refused_sql(sql, params=()):
    """The statement fails with an IntegrityError naming the rule (SQLite: RAISE(ABORT); PostgreSQL: SQLSTATE 23000);
    a savepoint keeps the test's transaction usable."""
    with pytest.raises(IntegrityError, match="append-only") as excinfo:
        with transaction.atomic():
            raw(sql, params)
    return excinfo.value


def row(table, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()


@pytest.mark.django_db
def test_the_migration_installed_the_triggers():
    assert triggers.migration_applied(connection)
    assert triggers.installed(connection) == set(triggers.trigger_names(connection.vendor))


@pytest.mark.django_db
def test_raw_sql_cannot_update_or_delete_audit_entries(author):
    for i in range(3):
        audit_record("attempt", subject_user_id=author.pk, data={"i": i})
    entry = AuditEntry.objects.get(seq=2)
    before = row(AUDIT, entry.pk)

    error = refused_sql(f"UPDATE {AUDIT} SET data = %s WHERE seq = 2", ['{"i": 99}'])
    assert "UPDATE" in str(error)
    refused_sql(f"UPDATE {AUDIT} SET event = event")  # even a no-op update of every row
    assert "DELETE" in str(refused_sql(f"DELETE FROM {AUDIT} WHERE seq = %s", [2]))
    refused_sql(f"DELETE FROM {AUDIT}")

    assert row(AUDIT, entry.pk) == before and AuditEntry.objects.count() == 3
    audit_record("attempt", subject_user_id=author.pk, data={"i": 3})  # appending still works
    report = verify_chain()
    assert report.ok and report.entries == 4
    call_command("verify_audit_log")


@pytest.mark.django_db
def test_raw_sql_cannot_change_or_delete_consent_records(author):
    record = consent_accept(user=author, language="zh", ip_address="127.0.0.1")
    lone = ConsentRecord.objects.create(user=author, terms_version="old", terms_sha256="1" * 64, language="en")
    before = row(CONSENT, record.pk)

    for column, value in [("terms_version", "x"), ("terms_sha256", "0" * 64), ("language", "en"),
                          ("ip_address", "10.0.0.1"), ("user_agent", "forged"), ("accepted_at", "2020-01-01")]:
        refused_sql(f"UPDATE {CONSENT} SET {column} = %s WHERE id = %s", [value, record.pk])
    refused_sql(f"DELETE FROM {CONSENT} WHERE id = %s", [lone.pk])  # no enrollment protects this one
    assert row(CONSENT, record.pk) == before and ConsentRecord.objects.count() == 2

    # The one change the product makes passes, once: withdrawn_at from empty to a time, nothing else.
    refused_sql(f"UPDATE {CONSENT} SET withdrawn_at = %s, language = %s WHERE id = %s",
                ["2030-01-01 00:00:00", "zh", lone.pk])
    assert raw(f"UPDATE {CONSENT} SET withdrawn_at = %s WHERE id = %s", ["2030-01-01 00:00:00", lone.pk]) == 1
    refused_sql(f"UPDATE {CONSENT} SET withdrawn_at = %s WHERE id = %s", ["2031-01-01 00:00:00", lone.pk])
    refused_sql(f"UPDATE {CONSENT} SET withdrawn_at = NULL WHERE id = %s", [lone.pk])
    lone.refresh_from_db()
    assert lone.withdrawn_at.year == 2030


@pytest.mark.django_db
def test_the_product_still_saves_and_withdraws_consent(author):
    record = consent_accept(user=author, language="zh")
    record.refresh_from_db()
    record.save()  # a full UPDATE that changes nothing
    enrollment_revoke(enrollment=Enrollment.objects.get(user=author))
    record.refresh_from_db()
    assert record.withdrawn_at is not None
    assert AuditEntry.objects.filter(event="consent_withdrawn", subject_user_id=author.pk).count() == 1
    assert verify_chain().ok


@pytest.mark.django_db
def test_suspended_lifts_the_triggers_only_inside_the_block(author):
    audit_record("consent", subject_user_id=author.pk, data={})
    with triggers.suspended(connection):
        assert triggers.installed(connection) == set()
        raw(f"UPDATE {AUDIT} SET event = %s WHERE seq = 1", ["tampered"])
    assert triggers.installed(connection) == set(triggers.trigger_names(connection.vendor))
    assert not verify_chain().ok  # what the triggers were lifted for is still caught by the hash chain
    refused_sql(f"UPDATE {AUDIT} SET event = %s WHERE seq = 1", ["consent"])


@pytest.mark.django_db
def test_an_error_inside_suspended_rolls_the_drop_back(author):
    with pytest.raises(RuntimeError), triggers.suspended(connection):
        raise RuntimeError("maintenance failed")
    assert triggers.installed(connection) == set(triggers.trigger_names(connection.vendor))


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_append_only_tables_and_keeps_the_triggers(author):
    consent_accept(user=author, language="zh")
    assert AuditEntry.objects.exists() and ConsentRecord.objects.exists()
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEntry.objects.exists() and not ConsentRecord.objects.exists()
    assert triggers.installed(connection) == set(triggers.trigger_names(connection.vendor))
    # Django's post-flush signal handlers ran (content types and the Auditor group are back).
    from django.contrib.auth.models import Group

    assert Group.objects.filter(name="Auditor").exists()


@pytest.mark.django_db(transaction=True)
def test_migrate_reinstalls_lost_triggers_and_reverses_cleanly():
    # A table rebuilt by a later migration on SQLite loses its triggers: the next migrate puts them back.
    triggers.uninstall(connection)
    assert triggers.installed(connection) == set()
    call_command("migrate", verbosity=0)
    assert triggers.installed(connection) == set(triggers.trigger_names(connection.vendor))
    try:
        call_command("migrate", "voices_audit", "0002", verbosity=0)  # the migration's reverse drops them
        assert triggers.installed(connection) == set()
        assert not triggers.migration_applied(connection)
        call_command("flush", interactive=False, verbosity=0)  # and flush does not bring them back
        assert triggers.installed(connection) == set()
    finally:
        call_command("migrate", "voices_audit", verbosity=0)
    assert triggers.installed(connection) == set(triggers.trigger_names(connection.vendor))


@pytest.mark.django_db
def test_truncate_is_refused_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's (SQLite's flush uses DELETE, covered above)")
    for table in (AUDIT, CONSENT):
        refused_sql(f"TRUNCATE {table} CASCADE")
