"""Basic admin views of the enrollment records (read-mostly: states change through voices.services)."""

from django.contrib import admin

from .models import Challenge, ChallengeSentence, ConsentRecord, Enrollment, ReadingAttempt, Recording


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):
    list_display = ["user", "terms_version", "language", "accepted_at", "withdrawn_at", "ip_address"]
    list_filter = ["terms_version", "language"]
    search_fields = ["user__username", "terms_sha256"]
    readonly_fields = [f.name for f in ConsentRecord._meta.fields]


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
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
    fields = ["user", "enrollment", "stored_as", "sha256", "size_bytes", "duration_seconds", "sample_rate", "channels",
              "audio_format", "created_at"]
    readonly_fields = ["user", "enrollment", "stored_as", "sha256", "size_bytes", "duration_seconds", "sample_rate",
                       "channels", "audio_format", "created_at"]

    @admin.display(description="file (private storage)")
    def stored_as(self, recording):
        return recording.file.name  # private storage has no URL, by design


@admin.register(ReadingAttempt)
class ReadingAttemptAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "decision", "expected_text", "transcript", "forced_score", "speaker_similarity",
                    "received_at"]
    list_filter = ["decision"]
    search_fields = ["user__username", "expected_text", "transcript"]
    readonly_fields = [f.name for f in ReadingAttempt._meta.fields]
