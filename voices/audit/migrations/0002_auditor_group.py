"""Data migration: the "Auditor" group, with the view permission of every voices, voices_audit and readaloud model.

Permissions are normally created after all migrations (post_migrate), so they are created here for the apps in the
migration state first. Models added by later migrations get their view permission from the post_migrate receiver
of voices.audit (voices.audit.roles.sync_auditor_group).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from voices.audit.roles import AUDITED_APPS, AUDITOR_GROUP, sync_auditor_group


def create_auditor_group(apps, schema_editor):
    for label in AUDITED_APPS:
        try:
            app_config = apps.get_app_config(label)
        except LookupError:
            continue
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
        app_config.models_module = None
    sync_auditor_group(apps=apps, using=schema_editor.connection.alias)


def remove_auditor_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.using(schema_editor.connection.alias).filter(name=AUDITOR_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("voices", "0001_initial"),
        ("readaloud", "0001_initial"),
        ("voices_audit", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_auditor_group, remove_auditor_group)]
