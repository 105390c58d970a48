"""What the voices app stores: consent, enrollments, reading challenges, private recordings and every attempt.

Rows are written by voices.services only; an enrollment's state changes through voices.services.enrollment.
"""

import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils import timezone


def private_storage():
    """Recordings live in the STORAGES alias "voices_private": no URL, read only by permission-checking code."""
    return storages["voices_private"]


def recording_upload_to(instance, filename):
    return f"recordings/{instance.user_id}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.wav"


class ConsentRecord(models.Model):
    """An author agreed to a given version of the terms; the SHA-256 of the full text proves which words they saw."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="voice_consents")
    terms_version = models.CharField(max_length=32)
    terms_sha256 = models.CharField(max_length=64)
    language = models.CharField(max_length=8)
    accepted_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.TextField(blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-accepted_at"]
        verbose_name = "consent record"

    def __str__(self):
        return f"{self.user} accepted terms {self.terms_version} at {self.accepted_at:%Y-%m-%d %H:%M}"


class Enrollment(models.Model):
    """One attempt of an author to give their voice, from consent to a cloned voice in use (or revoked)."""

    class State(models.TextChoices):
        CONSENTED = "consented", "已同意 Consented"
        READING = "reading", "朗读中 Reading"
        VERIFIED = "verified", "已验证 Verified"
        CLONING = "cloning", "克隆中 Cloning"
        READY = "ready", "就绪 Ready"
        APPLIED = "applied", "使用中 Applied"
        REVOKED = "revoked", "已撤销 Revoked"
        FAILED = "failed", "失败 Failed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="voice_enrollments")
    consent = models.ForeignKey(ConsentRecord, on_delete=models.PROTECT, related_name="enrollments")
    state = models.CharField(max_length=16, choices=State.choices, default=State.CONSENTED)
    created_at = models.DateTimeField(default=timezone.now)
    state_changed_at = models.DateTimeField(default=timezone.now)
    verified_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "state"])]

    def __str__(self):
        return f"enrollment #{self.pk} of {self.user} ({self.state})"


class Challenge(models.Model):
    """Sentences drawn at random from the author's own published articles, to be read live; used once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="voice_challenges")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="challenges")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)  # every sentence read, or replaced by a newer challenge

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"challenge {self.pk} for {self.user}"


class ChallengeSentence(models.Model):
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="sentences")
    index = models.PositiveSmallIntegerField()
    text = models.TextField()
    language = models.CharField(max_length=8)
    article_id = models.CharField(max_length=64)
    paragraph = models.PositiveIntegerField(default=0)
    # Other sentences of the author's articles: the forced-scoring check compares the reading with them.
    distractors = models.JSONField(default=list)
    shown_at = models.DateTimeField(null=True, blank=True)  # the last time the page revealed the sentence
    times_shown = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["challenge", "index"]
        constraints = [models.UniqueConstraint(fields=["challenge", "index"], name="voices_sentence_unique_index")]

    def __str__(self):
        return f"{self.challenge_id}#{self.index}: {self.text[:30]}"


class Recording(models.Model):
    """An uploaded reading, kept as received (original sample rate) in private storage."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="voice_recordings")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="recordings")
    file = models.FileField(storage=private_storage, upload_to=recording_upload_to, max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size_bytes = models.PositiveIntegerField()
    duration_seconds = models.FloatField()
    sample_rate = models.PositiveIntegerField()
    channels = models.PositiveSmallIntegerField()
    audio_format = models.CharField(max_length=32, blank=True)  # e.g. "WAV PCM_16"
    fingerprint = models.BinaryField(blank=True, default=b"")  # spectral fingerprint for near-duplicate checks
    speaker_embedding = models.BinaryField(blank=True, default=b"")  # float32 vector of the speaker encoder
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"recording #{self.pk} ({self.duration_seconds:.1f} s, {self.sample_rate} Hz)"


class ReadingAttempt(models.Model):
    """Every upload of a reading, accepted or not, with all the scores and the reasons in words."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", "通过 Accepted"
        REJECTED = "rejected", "未通过 Rejected"
        REFUSED = "refused", "拒收 Refused"  # not examined: rate limit, lockout, unknown or closed challenge

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="voice_attempts")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="attempts")
    sentence = models.ForeignKey(ChallengeSentence, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="attempts")
    recording = models.ForeignKey(Recording, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="attempts")
    decision = models.CharField(max_length=12, choices=Decision.choices)
    reasons = models.JSONField(default=list)  # [{"code", "ok", "en", "zh"}]
    expected_text = models.TextField(blank=True)
    transcript = models.TextField(blank=True)
    cer = models.FloatField(null=True, blank=True)
    pinyin_error = models.FloatField(null=True, blank=True)
    forced_score = models.FloatField(null=True, blank=True)
    speech_seconds = models.FloatField(null=True, blank=True)
    speaker_similarity = models.FloatField(null=True, blank=True)
    scores = models.JSONField(default=dict)  # every measured value, for audit and tuning
    shown_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    processing_seconds = models.FloatField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["user", "-received_at"]), models.Index(fields=["enrollment", "decision"])]

    def __str__(self):
        return f"attempt #{self.pk} by {self.user}: {self.decision}"

    @property
    def accepted(self):
        return self.decision == self.Decision.ACCEPTED


def voice_upload_to(instance, filename):
    return f"voices/{instance.user_id}/{uuid.uuid4().hex}.npz"


class Voice(models.Model):
    """A cloned voice of an author: the artifact (private), how it was made, and whether it reads their articles.

    The artifact is replaced as cloning refines it (`version` counts); applying it makes it the read-aloud voice of
    articles published from then on (`applied_at` .. `unapplied_at`); suspending (by staff) or revoking (by the author)
    takes it out of use at once, and revoking deletes the artifact.
    """

    class State(models.TextChoices):
        CLONING = "cloning", "制作中 Cloning"
        READY = "ready", "就绪 Ready"
        FAILED = "failed", "失败 Failed"
        REVOKED = "revoked", "已撤销 Revoked"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="voices")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="voices")
    state = models.CharField(max_length=12, choices=State.choices, default=State.CLONING)
    artifact = models.FileField(storage=private_storage, upload_to=voice_upload_to, max_length=255, blank=True)
    artifact_sha256 = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField(default=0)
    base_voice = models.CharField(max_length=64, blank=True)
    progress = models.FloatField(default=0.0)
    progress_message = models.CharField(max_length=200, blank=True)
    meta = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    unapplied_at = models.DateTimeField(null=True, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "applied_at"])]

    def __str__(self):
        return f"voice #{self.pk} of {self.user} ({self.state}, v{self.version})"

    @property
    def is_applied(self):
        return self.applied_at is not None and self.unapplied_at is None

    @property
    def is_usable(self):
        return self.state == self.State.READY and self.suspended_at is None and bool(self.artifact)
