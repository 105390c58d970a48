"""Admin views of the enrollment records (read-mostly: states change through voices.services).

Consent records are append-only (voices.audit.guards): their admin is read-only. The change pages of enrollments and
consent records offer the author's full record as JSON or CSV (voices.admin_export; audited). A recording can be
played here by staff with the view permission on Recording only: the admin page points an <audio> element at a
staff-only view that checks the permission and streams the file from private storage (which has no URL of its own).
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from .admin_export import AuthorRecordExportMixin
from .audit.admin import ReadOnlyAdminMixin
from .models import Challenge, ChallengeSentence, ConsentRecord, Enrollment, ReadingAttempt, Recording, Voice
from .services.voice import voice_reinstate, voice_suspend


@admin.register(ConsentRecord)
class ConsentRecordAdmin(AuthorRecordExportMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "terms_version", "language", "accepted_at", "withdrawn_at", "ip_address"]
    list_filter = ["terms_version", "language"]
    search_fields = ["user__username", "terms_sha256"]
    readonly_fields = [f.name for f in ConsentRecord._meta.fields]


@admin.register(Enrollment)
class EnrollmentAdmin(AuthorRecordExportMixin, admin.ModelAdmin):
    list_display = ["user", "state", "created_at", "state_changed_at", "verified_at"]
    list_filter = ["state"]
    search_fields = ["user__username"]
    readonly_fields = [f.name for f in Enrollment._meta.fields]


class ChallengeSentenceInline(admin.TabularInline):
    model = ChallengeSentence
    fields = ["index", "text", "language", "article_id", "shown_at", "times_shown"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Challenge)
class ChallengeAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "enrollment", "created_at", "expires_at", "closed_at"]
    search_fields = ["user__username"]
    readonly_fields = [f.name for f in Challenge._meta.fields]
    inlines = [ChallengeSentenceInline]


@admin.register(Recording)
class RecordingAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "duration_seconds", "sample_rate", "channels", "size_bytes", "created_at"]
    search_fields = ["user__username", "sha256"]
    fields = ["user", "enrollment", "stored_as", "play", "sha256", "size_bytes", "duration_seconds", "sample_rate",
              "channels", "audio_format", "created_at"]
    readonly_fields = ["user", "enrollment", "stored_as", "play", "sha256", "size_bytes", "duration_seconds",
                       "sample_rate", "channels", "audio_format", "created_at"]

    @admin.display(description="file (private storage)")
    def stored_as(self, recording):
        return recording.file.name or "(deleted)"  # private storage has no URL, by design

    @admin.display(description="listen")
    def play(self, recording):
        if not recording.file.name:
            return "the audio was deleted (retention or revocation); hash, transcript and scores remain"
        url = reverse("admin:voices_recording_audio", args=[recording.pk])
        return format_html('<audio controls preload="none" src="{}"></audio>', url)

    def get_urls(self):
        return [path("<int:recording_id>/audio/", self.admin_site.admin_view(self.audio_view),
                     name="voices_recording_audio")] + super().get_urls()

    def audio_view(self, request, recording_id):
        """Stream a recording to staff who may view recordings (admin_view already requires an active staff user)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        recording = get_object_or_404(Recording, pk=recording_id)
        if not recording.file.name or not recording.file.storage.exists(recording.file.name):
            raise Http404("This recording's audio was deleted.")
        response = FileResponse(recording.file.storage.open(recording.file.name, "rb"), content_type="audio/wav")
        response["Content-Disposition"] = f'inline; filename="recording-{recording.pk}.wav"'
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


@admin.register(ReadingAttempt)
class ReadingAttemptAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "decision", "expected_text", "transcript", "forced_score", "speaker_similarity",
                    "received_at"]
    list_filter = ["decision"]
    search_fields = ["user__username", "expected_text", "transcript"]
    readonly_fields = [f.name for f in ReadingAttempt._meta.fields]


@admin.register(Voice)
class VoiceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Voices are made and revoked by their authors; staff may only suspend one (it stops reading at once) and
    reinstate it. Both are audited."""

    list_display = ["id", "user", "state", "version", "base_voice", "applied_at", "suspended_at", "revoked_at",
                    "created_at"]
    list_filter = ["state", ("suspended_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username"]
    actions = ["suspend", "reinstate"]

    @admin.action(description="暂停：文章立即改用系统语音 Suspend (articles fall back to the system voice)",
                  permissions=["suspend"])
    def suspend(self, request, queryset):
        for voice in queryset.filter(suspended_at__isnull=True):
            voice_suspend(voice=voice, by=request.user, reason="admin action")
        self.message_user(request, "已暂停 Suspended.")

    @admin.action(description="恢复 Reinstate", permissions=["suspend"])
    def reinstate(self, request, queryset):
        for voice in queryset.filter(suspended_at__isnull=False):
            voice_reinstate(voice=voice, by=request.user)
        self.message_user(request, "已恢复 Reinstated.")

    def has_suspend_permission(self, request):
        return request.user.has_perm("voices.change_voice")
