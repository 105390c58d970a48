"""The audit log: one row per voice event, each carrying the SHA-256 of the one before (a hash chain).

Rows are appended by voices.audit.log.audit_record only and never change: saving an existing row, deleting rows and
QuerySet.update()/delete()/bulk_create() raise AppendOnlyError. (Raw SQL can still change a row: that is what
`manage.py verify_audit_log` detects.)
"""

import datetime
import hashlib

from django.db import models

from . import canonical

GENESIS_HASH = "0" * 64


def _iso(value) -> str:
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        return value.isoformat()
    return str(value)


class AppendOnlyError(Exception):
    """An attempt to change or delete an append-only record (audit entry or consent record)."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.label} rows are append-only: update() is refused.")

    def delete(self):
        raise AppendOnlyError(f"{self.model._meta.label} rows are append-only: delete() is refused.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError(f"{self.model._meta.label} rows are append-only: bulk_update() is refused.")

    def bulk_create(self, objs, *args, **kwargs):
        raise AppendOnlyError("Audit entries are appended one by one through voices.audit.log.audit_record().")

    def update_or_create(self, *args, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.label} rows are append-only: update_or_create() is refused.")


class AuditEntryManager(models.Manager.from_queryset(AppendOnlyQuerySet)):
    pass


class Event(models.TextChoices):
    CONSENT = "consent", "consent given"
    CONSENT_WITHDRAWN = "consent_withdrawn", "consent withdrawn"
    CHALLENGE = "challenge", "challenge drawn"
    ATTEMPT = "attempt", "reading attempt"
    VERIFICATION_DECISION = "verification_decision", "verification decision"
    ENROLLMENT_STATE = "enrollment_state", "enrollment state changed"
    CLONE_STARTED = "clone_started", "cloning started"
    CLONE_READY = "clone_ready", "voice ready"
    CLONE_FAILED = "clone_failed", "cloning failed"
    VOICE_APPLIED = "voice_applied", "voice applied"
    VOICE_SUSPENDED = "voice_suspended", "voice suspended"
    VOICE_REINSTATED = "voice_reinstated", "voice reinstated"
    VOICE_REVOKED = "voice_revoked", "voice revoked"
    RECORDINGS_DELETED = "recordings_deleted", "recordings deleted"
    ARTIFACTS_DELETED = "artifacts_deleted", "voice artifacts deleted"
    RECORD_EXPORTED = "record_exported", "author record exported"


class AuditEntry(models.Model):
    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    created_at = models.DateTimeField(editable=False)
    event = models.CharField(max_length=64, db_index=True, editable=False)  # Event values; other names allowed
    subject_user_id = models.BigIntegerField(null=True, blank=True, db_index=True, editable=False)
    actor_user_id = models.BigIntegerField(null=True, blank=True, editable=False)  # None: the system
    ip = models.GenericIPAddressField(null=True, blank=True, editable=False)
    data = models.JSONField(default=dict, editable=False)
    prev_hash = models.CharField(max_length=64, unique=True, editable=False)
    entry_hash = models.CharField(max_length=64, unique=True, editable=False)

    objects = AuditEntryManager()

    class Meta:
        ordering = ["seq"]
        verbose_name = "audit entry"
        verbose_name_plural = "audit entries"
        # No add/change/delete through the admin or permissions: only view.
        default_permissions = ("view",)

    def __str__(self):
        return f"#{self.seq} {self.event} (user {self.subject_user_id})"

    def save(self, *args, **kwargs):
        if not self._state.adding or (self.pk is not None and type(self)._base_manager.filter(pk=self.pk).exists()):
            raise AppendOnlyError("Audit entries are append-only: an existing entry cannot be saved again.")
        if not self.entry_hash or self.entry_hash != self.compute_hash():
            raise AppendOnlyError("Audit entries are written by voices.audit.log.audit_record() only.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries are append-only: they cannot be deleted.")

    def hashed_fields(self) -> dict:
        return {
            "seq": int(self.seq),
            "created_at": _iso(self.created_at),
            "event": self.event,
            "subject": self.subject_user_id,
            "actor": self.actor_user_id,
            "ip": None if self.ip in (None, "") else str(self.ip),
            "data": self.data,
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        return hashlib.sha256(canonical.dumps(self.hashed_fields()).encode("utf-8")).hexdigest()
