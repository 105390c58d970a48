"""Database triggers refusing UPDATE and DELETE on the audit log and on consent records (voices.audit.triggers).

Both tables are guarded from here: the append-only rule for consent records belongs to voices.audit (like the ORM
guards in voices.audit.guards), and keeping the SQL in one place keeps it in step. SQLite and PostgreSQL only; on
other databases this migration does nothing and the ORM guards remain.
"""

from django.db import migrations

from voices.audit import triggers


def install(apps, schema_editor):
    triggers.install(schema_editor.connection, apps=apps)


def uninstall(apps, schema_editor):
    triggers.uninstall(schema_editor.connection, apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("voices", "0001_initial"),
        ("voices_audit", "0002_auditor_group"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
