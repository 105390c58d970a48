"""The audit log in the admin: read-only for everyone (superusers included); no add, change or delete."""

import json

from django.contrib import admin
from django.utils.html import format_html

from .models import AuditEntry


class ReadOnlyAdminMixin:
    """View only: has_view_permission decides who sees it; nobody adds, changes or deletes."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["seq", "created_at", "event", "subject_user_id", "actor_user_id", "ip", "short_hash"]
    list_filter = ["event"]
    search_fields = ["event", "subject_user_id", "entry_hash"]
    fields = ["seq", "created_at", "event", "subject_user_id", "actor_user_id", "ip", "pretty_data", "prev_hash",
              "entry_hash"]
    readonly_fields = fields
    ordering = ["-seq"]

    @admin.display(description="hash")
    def short_hash(self, entry):
        return entry.entry_hash[:12]

    @admin.display(description="data")
    def pretty_data(self, entry):
        return format_html("<pre>{}</pre>", json.dumps(entry.data, indent=2, ensure_ascii=False, sort_keys=True))
