"""The "Auditor" group: view permission on every model of the audited apps, and nothing else.

Created by the data migration voices_audit.0002_auditor_group; `sync_auditor_group` (run by that migration and again
after every `migrate`, through a post_migrate receiver) adds the view permission of models added later and removes
any other permission someone gave the group.
"""

AUDITOR_GROUP = "Auditor"
AUDITED_APPS = ("voices", "voices_audit", "readaloud")


def sync_auditor_group(*, apps=None, using="default"):
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.using(using).get_or_create(name=AUDITOR_GROUP)
    wanted = set(Permission.objects.using(using).filter(content_type__app_label__in=AUDITED_APPS,
                                                        codename__startswith="view_").values_list("pk", flat=True))
    current = set(group.permissions.values_list("pk", flat=True))
    if wanted != current:
        group.permissions.set(wanted)
    return group
