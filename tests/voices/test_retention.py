"""Retention: `purge_recordings` deletes old recording files of finished enrollments, keeps rows, hashes, scores."""

import datetime
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from test_audit import stored_recording

from voices.audit.log import verify_chain
from voices.audit.models import AuditEntry
from voices.audit.retention import DEFAULT_RETENTION_DAYS, retention_days
from voices.models import Enrollment, ReadingAttempt, Recording
from voices.services.consent import consent_accept

pytestmark = pytest.mark.django_db


def enrollment_in(user, state, days_ago):
    consent_accept(user=user, language="zh")
    enrollment = Enrollment.objects.get(user=user)
    then = timezone.now() - datetime.timedelta(days=days_ago)
    Enrollment.objects.filter(pk=enrollment.pk).update(state=state, state_changed_at=then)
    return enrollment, then


def aged(recording, when):
    Recording.objects.filter(pk=recording.pk).update(created_at=when)
    recording.refresh_from_db()
    return recording


def test_retention_setting_defaults_here(settings):
    assert retention_days() == DEFAULT_RETENTION_DAYS
    settings.VOICES = {**settings.VOICES, "RECORDING_RETENTION_DAYS": 7}
    assert retention_days() == 7


def test_purge_deletes_files_on_disk_and_keeps_rows(author, other_user, settings):
    settings.VOICES = {**settings.VOICES, "RECORDING_RETENTION_DAYS": 30}
    enrollment, then = enrollment_in(author, Enrollment.State.VERIFIED, days_ago=40)
    old = aged(stored_recording(author, enrollment, "c" * 64), then)
    attempt = ReadingAttempt.objects.create(user=author, enrollment=enrollment, recording=old, decision="accepted",
                                            transcript="天气很好", forced_score=-0.5, scores={"forced_score": -0.5})
    # Still reading (not final), and finished only recently: both kept.
    reading, reading_then = enrollment_in(other_user, Enrollment.State.READING, days_ago=40)
    kept = aged(stored_recording(other_user, reading, "d" * 64), reading_then)
    path, kept_path = Path(old.file.path), Path(kept.file.path)
    assert path.is_file() and kept_path.is_file()

    call_command("purge_recordings", "--dry-run")
    assert path.is_file()
    call_command("purge_recordings")

    assert not path.exists() and kept_path.is_file()
    old.refresh_from_db()
    attempt.refresh_from_db()
    assert old.file.name == "" and old.sha256 == "c" * 64 and old.size_bytes == 8
    assert attempt.recording_id == old.pk and attempt.transcript == "天气很好"
    assert attempt.scores["forced_score"] == -0.5
    entry = AuditEntry.objects.get(event="recordings_deleted")
    assert entry.subject_user_id == author.pk and entry.actor_user_id is None
    assert entry.data["reason"] == "retention" and entry.data["retention_days"] == 30
    assert [r["sha256"] for r in entry.data["recordings"]] == ["c" * 64]
    assert verify_chain().ok
    call_command("purge_recordings")  # nothing left to do: no second entry
    assert AuditEntry.objects.filter(event="recordings_deleted").count() == 1


def test_recently_finished_enrollments_keep_their_recordings(author):
    enrollment, _ = enrollment_in(author, Enrollment.State.APPLIED, days_ago=3)
    recording = aged(stored_recording(author, enrollment), timezone.now() - datetime.timedelta(days=60))
    call_command("purge_recordings", "--days", "30")
    assert Path(recording.file.path).is_file()
    call_command("purge_recordings", "--days", "2")
    assert not Path(recording.file.path).exists()


# --- scheduled on a running site (voices.tasks.purge_recordings_task) ---------------------------------------------


def waiting_purges():
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path="voices.tasks.purge_recordings_task", status=TaskResultStatus.READY)


def test_the_task_purges_and_schedules_exactly_one_next_run(author):
    from voices.audit.retention import PURGE_INTERVAL
    from voices.tasks import purge_recordings_task

    enrollment, then = enrollment_in(author, Enrollment.State.REVOKED, days_ago=45)
    expired = aged(stored_recording(author, enrollment, "e" * 64), then)
    path = Path(expired.file.path)
    started = timezone.now()

    summary = purge_recordings_task.call()

    assert summary == {"enrollments": 1, "recordings": 1, "bytes": 8, "voice_copies": 0}
    assert not path.exists()
    expired.refresh_from_db()
    assert expired.file.name == "" and expired.sha256 == "e" * 64
    assert AuditEntry.objects.get(event="recordings_deleted").data["reason"] == "retention"
    (next_run,) = waiting_purges()
    assert next_run.queue_name == "default"
    assert started + PURGE_INTERVAL <= next_run.run_after <= timezone.now() + PURGE_INTERVAL
    purge_recordings_task.call()  # another run (nothing left to delete) does not add a second waiting run
    assert waiting_purges().count() == 1
    assert AuditEntry.objects.filter(event="recordings_deleted").count() == 1


def test_scheduling_twice_and_at_every_start_up_does_not_double_schedule():
    from voices.audit.retention import purge_schedule

    first = purge_schedule()
    assert first is not None
    assert purge_schedule() is None
    call_command("readaloud_recover")
    call_command("readaloud_recover")
    assert list(waiting_purges().values_list("id", flat=True)) == [uuid.UUID(first)]
    assert waiting_purges().get().run_after <= timezone.now()  # the first run happens at once


@pytest.mark.django_db(transaction=True)
def test_concurrent_start_ups_schedule_one_run():
    import threading

    from django.db import connections

    from voices.audit.retention import purge_schedule

    barrier, results, errors = threading.Barrier(3), [], []

    def start_up():
        try:
            barrier.wait(10)
            results.append(purge_schedule())
        except Exception as exc:  # noqa: BLE001 (asserted below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=start_up) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    assert sum(result is not None for result in results) == 1 and waiting_purges().count() == 1


def test_start_up_schedules_the_purge_when_none_is_waiting(capsys):
    call_command("readaloud_recover")
    assert "recording purge: scheduled run" in capsys.readouterr().out
    assert waiting_purges().count() == 1
    call_command("readaloud_recover")
    assert "a run is already waiting" in capsys.readouterr().out


def test_without_the_database_task_backend_nothing_is_scheduled(settings):
    from voices.audit.retention import purge_schedule

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend",
                                  "QUEUES": ["default", "render", "voices"]}}
    assert purge_schedule() is None  # (cron runs `purge_recordings` there); never an immediate self-loop


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_runs_the_scheduled_purge_and_reschedules_it(author):
    """The real thing: start-up schedules the purge, a db_worker process runs it, the next run waits for tomorrow."""
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from tests.live_processes import run_worker_batch

    enrollment, then = enrollment_in(author, Enrollment.State.FAILED, days_ago=31)
    expired = aged(stored_recording(author, enrollment, "f" * 64), then)
    call_command("readaloud_recover")

    result = run_worker_batch(timeout=300)

    assert result.returncode == 0, result.stderr[-3000:]
    assert not Path(expired.file.path).exists()
    runs = DBTaskResult.objects.filter(task_path="voices.tasks.purge_recordings_task").order_by("enqueued_at")
    assert [r.status for r in runs] == [TaskResultStatus.SUCCESSFUL, TaskResultStatus.READY]
    assert runs[0].return_value == {"enrollments": 1, "recordings": 1, "bytes": 8, "voice_copies": 0}
    assert runs[1].run_after > timezone.now() + datetime.timedelta(hours=23)
    assert verify_chain().ok
