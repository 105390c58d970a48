"""Retention: `purge_recordings` deletes old recording files of finished enrollments, keeps rows, hashes, scores."""

import datetime
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
