from django.contrib import admin

from .models import LexiconEntry, Rendition, SentenceClip


@admin.register(LexiconEntry)
class LexiconEntryAdmin(admin.ModelAdmin):
    list_display = ["word", "pronunciation", "note", "updated_at"]
    search_fields = ["word", "pronunciation"]


@admin.register(Rendition)
class RenditionAdmin(admin.ModelAdmin):
    list_display = ["title", "article_id", "voice_label", "status", "is_current", "sentences_done", "duration_seconds",
                    "attempts", "created_at", "finished_at"]
    list_filter = ["status", "is_current", "language"]
    search_fields = ["title", "article_id", "uid"]
    readonly_fields = [f.name for f in Rendition._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(SentenceClip)
class SentenceClipAdmin(admin.ModelAdmin):
    list_display = ["key", "duration_seconds", "byte_size", "created_at"]
    readonly_fields = [f.name for f in SentenceClip._meta.fields]

    def has_add_permission(self, request):
        return False
