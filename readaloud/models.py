import uuid

from django.db import models
from django.db.models import Q


class Rendition(models.Model):
    """The audio of one version of an article in one voice.

    Built sentence by sentence from cached clips; the finished file is written under a fresh name and only then
    marked READY, so a half-built rendition is never served. Exactly one rendition per article is current.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Rendering"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        SUPERSEDED = "superseded", "Superseded"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    article_id = models.CharField(max_length=64, db_index=True)
    author_id = models.BigIntegerField(db_index=True)
    title = models.CharField(max_length=300)
    language = models.CharField(max_length=8)
    voice_ref = models.CharField(max_length=200, help_text="stock:<name> or voice:<id>:<version>")
    voice_label = models.CharField(max_length=200)
    engine_version = models.CharField(max_length=200)
    content_hash = models.CharField(max_length=64, help_text="what was rendered: sentences, voice and engine")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    is_current = models.BooleanField(default=True)
    sentences = models.JSONField(default=list, help_text="the manifest: index, text, key, start, end")
    sentences_done = models.PositiveIntegerField(default=0)
    duration_seconds = models.FloatField(null=True, blank=True)
    audio_name = models.CharField(max_length=300, blank=True, help_text="file in the readaloud_audio storage")
    audio_bytes = models.PositiveBigIntegerField(default=0)
    codec = models.CharField(max_length=40, default="audio/mpeg")
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="last sign of life of the rendering worker")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["article_id"], condition=Q(is_current=True),
                                    name="one_current_rendition_per_article"),
        ]

    def __str__(self):
        return f"{self.title} ({self.voice_label}, {self.status})"

    @property
    def sentences_total(self):
        return len(self.sentences)

    @property
    def is_ready(self):
        return self.status == self.Status.READY and bool(self.audio_name)


class SentenceClip(models.Model):
    """Encoded audio of one sentence in one voice: the render cache. Editing a paragraph re-renders only the
    sentences whose key changed; a worker killed mid-render resumes from the clips already stored."""

    key = models.CharField(max_length=64, unique=True, help_text="sha256 of spoken text, voice and engine")
    voice_ref = models.CharField(max_length=200, blank=True, db_index=True)
    audio_name = models.CharField(max_length=300)
    duration_seconds = models.FloatField()
    sample_rate = models.PositiveIntegerField()
    byte_size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.key


class LexiconEntry(models.Model):
    """Site-wide pronunciation: a word and how to say it (pinyin for Chinese, phonemes or a respelling for English)."""

    word = models.CharField(max_length=100, unique=True)
    pronunciation = models.CharField(max_length=200)
    note = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["word"]
        verbose_name_plural = "lexicon entries"

    def __str__(self):
        return f"{self.word} → {self.pronunciation}"


class VoiceMoment(models.Model):
    """An author asked for an older article to be read in the voice they use now: the article is read in the voice
    applied at `voice_at` instead of at its publication."""

    article_id = models.CharField(max_length=64, unique=True)
    voice_at = models.DateTimeField()
    requested_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"article {self.article_id}: voice as of {self.voice_at:%Y-%m-%d %H:%M}"
