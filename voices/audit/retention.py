"""Retention of raw recordings: their audio is deleted N days after the enrollment reached a final state.

VOICES["RECORDING_RETENTION_DAYS"] (default 30 here; voices.app_settings does not declare it) counts from the
enrollment's last state change, for enrollments that are verified, ready, applied, revoked or failed (failed ones
too: their readings will never be used, and are biometric data). Recordings still being cloned from
(state cloning) or still being read (consented, reading) are kept. Only the file goes: the Recording row keeps its
SHA-256, size, duration and format, and the attempts keep transcripts and scores; replay detection still works
(hash and fingerprint stay). Each enrollment's deletion is one `recordings_deleted` audit entry.

Order: the files are deleted first, then the rows are marked and audited in one transaction, so a crash in between
leaves rows that the next run finishes (deleting a missing file is a no-op).
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from ..app_settings import app_settings
from ..models import Enrollment, Recording
from .log import audit_record

DEFAULT_RETENTION_DAYS = 30
State = Enrollment.State
FINAL_STATES = (State.VERIFIED, State.READY, State.APPLIED, State.REVOKED, State.FAILED)


def retention_days() -> int:
    return int(getattr(app_settings, "RECORDING_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


@dataclass
class PurgeResult:
    enrollments: int = 0
    recordings: int = 0
    bytes: int = 0
    recording_ids: list[int] = field(default_factory=list)


def purgeable(days: int, now: datetime.datetime | None = None):
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    return (Recording.objects.filter(enrollment__state__in=FINAL_STATES, enrollment__state_changed_at__lte=cutoff,
                                     created_at__lte=cutoff)
            .exclude(file="").select_related("enrollment").order_by("enrollment_id", "pk"))


def purge_recordings(*, days: int | None = None, now: datetime.datetime | None = None, dry_run: bool = False,
                     actor=None) -> PurgeResult:
    days = retention_days() if days is None else days
    if days < 0:
        raise ValueError("retention days must be >= 0")
    result = PurgeResult()
    by_enrollment: dict[int, list[Recording]] = {}
    for recording in purgeable(days, now):
        by_enrollment.setdefault(recording.enrollment_id, []).append(recording)
    for enrollment_id, recordings in by_enrollment.items():
        result.enrollments += 1
        result.recordings += len(recordings)
        result.bytes += sum(r.size_bytes for r in recordings)
        result.recording_ids += [r.pk for r in recordings]
        if dry_run:
            continue
        for recording in recordings:
            recording.file.storage.delete(recording.file.name)
        enrollment = recordings[0].enrollment
        with transaction.atomic():
            Recording.objects.filter(pk__in=[r.pk for r in recordings]).update(file="")
            audit_record("recordings_deleted", subject_user_id=enrollment.user_id, actor=actor, data={
                "enrollment_id": enrollment_id, "enrollment_state": enrollment.state, "reason": "retention",
                "retention_days": days, "rows_deleted": False,
                "kept": ["sha256", "size_bytes", "duration_seconds", "fingerprint", "transcripts", "scores"],
                "recordings": [{"id": r.pk, "sha256": r.sha256, "file": r.file.name, "size_bytes": r.size_bytes,
                                "created_at": r.created_at} for r in recordings]})
    return result
