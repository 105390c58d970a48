from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "voices.audit"
    label = "voices_audit"
    verbose_name = "Voices: audit log"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import guards

        guards.protect_consent_records()
        # After every migrate (and test flush), the Auditor group gets the view permission of every model of the
        # audited apps, including models added after the data migration ran (see voices.audit.roles).
        post_migrate.connect(_sync_auditor_group, dispatch_uid="voices_audit.sync_auditor_group")
        # A table rebuilt by a later migration (SQLite copies tables to alter them) loses its triggers: after every
        # migrate (and flush), the append-only triggers are installed again where their migration is applied.
        post_migrate.connect(_install_triggers, dispatch_uid="voices_audit.install_triggers")


def _sync_auditor_group(sender, using="default", apps=None, **kwargs):
    from .roles import AUDITED_APPS, sync_auditor_group

    if getattr(sender, "label", None) in AUDITED_APPS:
        sync_auditor_group(using=using)


def _install_triggers(sender, using="default", **kwargs):
    from django.db import connections

    from . import triggers

    if getattr(sender, "label", None) == "voices_audit" and triggers.migration_applied(connections[using]):
        triggers.install(connections[using])
