"""The "Export record (JSON)" and "(CSV)" buttons on the admin change page of an enrollment or a consent record.

The buttons and the download are for staff who may view everything the record contains (the view permission of
every exported model: auditors have them all); anyone else gets 403. The view is thin: voices.audit.export builds the
record and writes the `record_exported` audit entry (actor = the staff user, subject = the author, IP, format).
"""

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.urls import path, reverse

from .audit.export import FORMATS, author_record_export, export_permissions


class AuthorRecordExportMixin:
    """For a ModelAdmin of a model with a `user` (the author)."""

    change_form_template = "admin/voices/author_record_change_form.html"

    def _export_url_name(self):
        return f"{self.opts.app_label}_{self.opts.model_name}_export"

    def get_urls(self):
        export = path("<path:object_id>/export/<str:fmt>/", self.admin_site.admin_view(self.export_view),
                      name=self._export_url_name())
        return [export, *super().get_urls()]

    def has_export_permission(self, request, obj=None) -> bool:
        return self.has_view_permission(request, obj) and request.user.has_perms(export_permissions())

    def export_view(self, request, object_id, fmt):
        if fmt not in FORMATS:
            raise Http404("Unknown export format.")
        if not self.has_export_permission(request):
            raise PermissionDenied
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("No such record.")
        text = author_record_export(obj.user_id, fmt=fmt, request=request, via="admin")
        response = HttpResponse(text, content_type=FORMATS[fmt])
        response["Content-Disposition"] = f'attachment; filename="author-record-{obj.user_id}.{fmt}"'
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        if self.has_export_permission(request):
            name = f"{self.admin_site.name}:{self._export_url_name()}"
            extra_context["export_links"] = [
                {"label": f"Export record ({fmt.upper()})", "url": reverse(name, args=[object_id, fmt])}
                for fmt in FORMATS]
        return super().change_view(request, object_id, form_url, extra_context)
