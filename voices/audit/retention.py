"""Retention of raw recordings: their audio is deleted N days after the enrollment reached a final state.

VOICES["RECORDING_RETENTION_DAYS"] (default 30 here; voices.app_settings does not declare it) counts from the
enrollment's last state change, for enrollments that are verified, ready, applied, revoked or failed (failed ones
too: their readings will never be used, and are biometric data). Recordings still being cloned from
(state cloning) or still being read (consented, reading) are kept. Only the file goes: the Recording row keeps its
SHA-256, size, duration and format, and the attempts keep transcripts and scores; replay detection still works
(hash and fingerprint stay). Each enrollment's deletion is one `recordings_deleted` audit entry.

Order: the files are deleted first, then the rows are marked and audited in one transaction, so a crash in between
leaves rows that the next run finishes (deleting a missing file is a no-op).

Scheduled on a running site by the task queue: `voices.tasks.purge_recordings_task` runs `purge_run()`, which first
enqueues the next run (PURGE_INTERVAL later) and then purges. `purge_schedule()` enqueues a run only when none is
waiting, so calling it at every start-up (`manage.py readaloud_recover`, run by bin/serve) is safe; it needs the
database task backend (django_tasks_db), whose queue it can read. With any other backend it does nothing: run
`manage.py purge_recordings` from cron instead.
"""

import datetime
import hashlib
import logging
from dataclasses import dataclass, field

from django.db import connections, router, transaction
from django.utils import timezone

from ..app_settings import app_settings
from ..models import Enrollment, Recording
from .log import audit_record

logger = logging.getLogger(__name__)

DEFAULT_RETENTION_DAYS = 30
PURGE_INTERVAL = datetime.timedelta(days=1)
SCHEDULE_LOCK_KEY = int.from_bytes(hashlib.sha256(b"voices_audit.purge_schedule").digest()[:8], "big", signed=True)
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


def _waiting_runs(task):
    """The READY (waiting) runs of the task in the database queue; None when its backend is not django_tasks_db."""
    try:
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.models import DBTaskResult
    except ImportError:
        return None
    backend = task.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return None
    from django.tasks import TaskResultStatus

    return DBTaskResult.objects.filter(task_path=task.module_path, backend_name=backend.alias,
                                       status=TaskResultStatus.READY)


def purge_schedule(*, when: datetime.datetime | None = None) -> str | None:
    """Enqueue a run of the purge task at `when` (default: now) unless a run is already waiting. Returns the new
    task result's id, or None when nothing was enqueued (one is waiting, or the task backend is not the database's).
    Concurrent callers are serialized (SQLite: IMMEDIATE transactions; PostgreSQL: an advisory lock)."""
    from ..tasks import purge_recordings_task

    waiting = _waiting_runs(purge_recordings_task)
    if waiting is None:
        logger.warning("recording purge not scheduled: the task backend is not django_tasks_db "
                       "(run `manage.py purge_recordings` daily from cron)")
        return None
    using = router.db_for_write(waiting.model)
    with transaction.atomic(using=using):
        connection = connections[using]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCHEDULE_LOCK_KEY])
        if waiting.using(using).exists():
            return None
        result = purge_recordings_task.using(run_after=when or timezone.now()).enqueue()
    return str(result.id)


def purge_run(*, now: datetime.datetime | None = None) -> dict:
    """One scheduled run: enqueue the next one first (so a failing or killed run does not end the schedule), then
    purge with the configured retention."""
    now = now or timezone.now()
    purge_schedule(when=now + PURGE_INTERVAL)
    result = purge_recordings(now=now)
    from ..artifact_cache import sweep

    stale_copies = sweep()  # local copies of erased voices left on this machine (voices.artifact_cache)
    logger.info("retention: deleted %s recording file(s) (%s bytes) of %s enrollment(s), %s stale voice copies",
                result.recordings, result.bytes, result.enrollments, len(stale_copies))
    return {"enrollments": result.enrollments, "recordings": result.recordings, "bytes": result.bytes,
            "voice_copies": len(stale_copies)}
