"""A cloned voice's life: clone (first voice, then refined) -> preview -> apply -> suspend / reinstate -> revoke.

Each cloning run is its own Voice row: an author who records more (voices.services.refine) gets a new row made from
every accepted reading, while the voice they applied keeps reading their articles until they apply the new one (and
keeps reading the articles published while it was applied, after that). A voice that was never applied is retired
(artifact deleted, row kept for the audit) when a newer version of the same enrollment is ready, or when the author
discards it.

`voice_changed` (sent after commit, kwargs: user_id, voice_id, change) tells listeners (the read-aloud app) that the
voice that reads an author's articles may have changed: they re-plan, and fall back to the system voice at once
when the voice is no longer usable.
"""

import hashlib
import logging
import time
from functools import partial

from django.core.files.base import ContentFile
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from .. import artifact_cache
from ..audio import read_audio
from ..audit.log import audit_record
from ..audit.models import Event
from ..engines.base import Reading
from ..models import Enrollment, ReadingAttempt, Voice
from .enrollment import enrollment_revoke, enrollment_transition

logger = logging.getLogger(__name__)
voice_changed = Signal()  # kwargs: user_id, voice_id, change ("ready", "applied", "suspended", "reinstated", "revoked")
PROGRESS_EVERY_SECONDS = 0.5


class VoiceError(Exception):
    pass


class CloningStopped(Exception):
    """The voice was revoked while it was being made."""


def _announce(voice: Voice, change: str):
    transaction.on_commit(partial(voice_changed.send, sender=Voice, user_id=voice.user_id, voice_id=voice.pk,
                                  change=change))


@transaction.atomic
def voice_clone_start(*, enrollment: Enrollment) -> Voice:
    """Queue cloning for a verified enrollment (also for a re-clone after the author recorded more)."""
    from ..tasks import clone_voice_task

    enrollment_transition(enrollment=enrollment, to=Enrollment.State.CLONING)
    voice = Voice.objects.create(user=enrollment.user, enrollment=enrollment, progress_message="排队中 Queued")
    audit_record(Event.CLONE_STARTED, subject_user_id=voice.user_id,
                 data={"voice_id": voice.pk, "enrollment_id": enrollment.pk})
    transaction.on_commit(partial(clone_voice_task.enqueue, voice.pk))
    return voice


def verified_readings(enrollment: Enrollment) -> list[Reading]:
    """Every accepted reading of the enrollment (all rounds) whose audio is still stored (retention may have deleted
    the audio of old ones: voices.audit.retention)."""
    attempts = (ReadingAttempt.objects.filter(enrollment=enrollment, decision=ReadingAttempt.Decision.ACCEPTED)
                .exclude(recording=None).exclude(recording__file="").select_related("recording", "sentence")
                .order_by("received_at"))
    readings = []
    for attempt in attempts:
        with attempt.recording.file.open("rb") as handle:
            audio, rate = read_audio(handle.read())
        language = attempt.sentence.language if attempt.sentence else "zh"
        readings.append(Reading(audio=audio, sample_rate=rate, transcript=attempt.expected_text, language=language))
    return readings


def _store_artifact(voice_id: int, artifact) -> None:
    """Save a (first or refined) artifact and make it the voice's current one."""
    data = artifact.to_bytes()
    with transaction.atomic():
        voice = Voice.objects.select_for_update().get(pk=voice_id)
        if voice.state == Voice.State.REVOKED:
            raise CloningStopped(voice_id)
        old, old_sha256 = (voice.artifact.name, voice.artifact_sha256) if voice.artifact else ("", "")
        voice.artifact.save(f"{voice.user_id}.npz", ContentFile(data), save=False)
        voice.artifact_sha256 = hashlib.sha256(data).hexdigest()
        voice.version += 1
        voice.base_voice = artifact.base_voice
        voice.meta = artifact.meta
        voice.state = Voice.State.READY
        voice.save()
        audit_record(Event.CLONE_READY, subject_user_id=voice.user_id,
                     data={"voice_id": voice.pk, "version": voice.version, "sha256": voice.artifact_sha256,
                           "base_voice": voice.base_voice, "method": artifact.meta.get("method", "")})
        if old:
            storage = voice.artifact.storage
            transaction.on_commit(partial(storage.delete, old))
            transaction.on_commit(partial(artifact_cache.forget, old_sha256))  # the replaced version's local copy
        _announce(voice, "ready")


def voice_clone_run(voice_id: int, time_budget_s: float | None = None) -> Voice:
    """The cloning task's body: read the verified recordings, clone, store each better artifact as it comes."""
    from ..cloning import clone_voice

    voice = Voice.objects.select_related("enrollment").get(pk=voice_id)
    if voice.state == Voice.State.REVOKED:
        return voice
    last_write = [0.0]

    def progress(fraction, message):
        now = time.monotonic()
        if now - last_write[0] >= PROGRESS_EVERY_SECONDS or fraction >= 1.0:
            last_write[0] = now
            Voice.objects.filter(pk=voice_id).update(progress=round(float(fraction), 3), progress_message=message[:200])

    try:
        clone_voice(verified_readings(voice.enrollment), progress=progress, time_budget_s=time_budget_s,
                    on_voice=partial(_store_artifact, voice_id))
    except CloningStopped:
        return Voice.objects.get(pk=voice_id)
    except Exception as exc:
        logger.exception("cloning voice %s failed", voice_id)
        voice.refresh_from_db()
        if voice.state == Voice.State.CLONING:
            with transaction.atomic():
                Voice.objects.filter(pk=voice_id).update(state=Voice.State.FAILED,
                                                         error=f"{type(exc).__name__}: {exc}")
                audit_record(Event.CLONE_FAILED, subject_user_id=voice.user_id,
                             data={"voice_id": voice_id, "error": f"{type(exc).__name__}: {exc}"})
                enrollment_transition(enrollment=voice.enrollment, to=_state_after_failed_clone(voice),
                                      reason=str(exc))
        raise
    voice.refresh_from_db()
    if voice.state == Voice.State.READY and voice.enrollment.state == Enrollment.State.CLONING:
        with transaction.atomic():
            enrollment_transition(enrollment=voice.enrollment, to=Enrollment.State.READY)
            older = (Voice.objects.select_for_update().filter(enrollment=voice.enrollment, applied_at__isnull=True)
                     .exclude(pk=voice.pk).exclude(state=Voice.State.REVOKED))
            for old in older:
                voice_retire(voice=old, actor=None, event="voice_superseded",
                             data={"superseded_by": voice.pk})
    return voice


def voice_in_use(user_id: int) -> Voice | None:
    """The author's applied voice (suspended or not); None when none is applied."""
    return (Voice.objects.filter(user_id=user_id, applied_at__isnull=False, unapplied_at__isnull=True)
            .exclude(state=Voice.State.REVOKED).order_by("-applied_at").first())


def _state_after_failed_clone(voice: Voice) -> str:
    """A failed first clone fails the enrollment; a failed "record more" clone leaves the author the voice they had."""
    if voice_in_use(voice.user_id) is not None:
        return Enrollment.State.APPLIED
    earlier = (Voice.objects.filter(enrollment=voice.enrollment, state=Voice.State.READY).exclude(pk=voice.pk)
               .exclude(artifact=""))
    return Enrollment.State.READY if earlier.exists() else Enrollment.State.FAILED


def artifact_erase(voice: Voice, *, actor, when, reason: str = "") -> None:
    """After commit, delete the voice's artifact from the private storage and this machine's local copy of it
    (voices.artifact_cache; other machines' copies go at their next sweep). Audited with what was erased, when."""
    name = voice.artifact.name if voice.artifact else ""
    if not name:
        return
    transaction.on_commit(partial(voice.artifact.storage.delete, name))
    transaction.on_commit(partial(artifact_cache.forget, voice.artifact_sha256))
    audit_record(Event.ARTIFACTS_DELETED, subject_user_id=voice.user_id, actor=actor,
                 data={"voice_id": voice.pk, "file": name, "sha256": voice.artifact_sha256,
                       "deleted_at": when.isoformat(), **({"reason": reason} if reason else {})})


def voice_retire(*, voice: Voice, actor, event: str, data: dict | None = None) -> Voice:
    """Take out a voice that never read an article (never applied): its artifact is deleted after commit, the row
    stays (state revoked) for the audit. `event` names why ("voice_discarded", "voice_superseded")."""
    if voice.applied_at is not None:
        raise VoiceError("A voice that was applied reads articles: revoke it instead.")
    now = timezone.now()
    artifact_erase(voice, actor=actor, when=now, reason=event)
    voice.state, voice.revoked_at, voice.artifact = Voice.State.REVOKED, now, ""
    voice.save(update_fields=["state", "revoked_at", "artifact", "updated_at"])
    audit_record(event, subject_user_id=voice.user_id, actor=actor,
                 data={"voice_id": voice.pk, "enrollment_id": voice.enrollment_id, "version": voice.version,
                       **(data or {})})
    return voice


@transaction.atomic
def voice_apply(*, voice: Voice, user) -> Voice:
    """Make this voice read the author's articles published from now on (older posts keep their voice)."""
    voice = Voice.objects.select_for_update().get(pk=voice.pk)
    if voice.user_id != user.pk:
        raise VoiceError("Only the author can apply their voice.")
    if not voice.is_usable:
        raise VoiceError("This voice cannot be applied (not ready, suspended or revoked).")
    if voice.is_applied:
        return voice
    now = timezone.now()
    Voice.objects.filter(user_id=user.pk, applied_at__isnull=False, unapplied_at__isnull=True).update(unapplied_at=now)
    voice.applied_at, voice.unapplied_at = now, None
    voice.save(update_fields=["applied_at", "unapplied_at", "updated_at"])
    audit_record(Event.VOICE_APPLIED, subject_user_id=voice.user_id, actor=user,
                 data={"voice_id": voice.pk, "version": voice.version, "applied_at": now.isoformat()})
    if voice.enrollment.state == Enrollment.State.READY:
        enrollment_transition(enrollment=voice.enrollment, to=Enrollment.State.APPLIED)
    _announce(voice, "applied")
    return voice


@transaction.atomic
def voice_suspend(*, voice: Voice, by=None, reason: str = "") -> Voice:
    """Staff action: the voice stops reading at once (articles fall back to the system voice)."""
    Voice.objects.filter(pk=voice.pk, suspended_at__isnull=True).update(suspended_at=timezone.now())
    voice.refresh_from_db()
    audit_record(Event.VOICE_SUSPENDED, subject_user_id=voice.user_id, actor=by,
                 data={"voice_id": voice.pk, "reason": reason})
    _announce(voice, "suspended")
    return voice


@transaction.atomic
def voice_reinstate(*, voice: Voice, by=None) -> Voice:
    Voice.objects.filter(pk=voice.pk).update(suspended_at=None)
    voice.refresh_from_db()
    audit_record(Event.VOICE_REINSTATED, subject_user_id=voice.user_id, actor=by, data={"voice_id": voice.pk})
    _announce(voice, "reinstated")
    return voice


@transaction.atomic
def voice_revoke(*, user) -> list[int]:
    """The author withdraws: every voice of theirs is disabled at once and its artifact deleted (after commit), and
    the active enrollment is revoked (its recordings deleted). Consent records and attempts stay for the audit."""
    now = timezone.now()
    voices = list(Voice.objects.select_for_update().filter(user_id=user.pk).exclude(state=Voice.State.REVOKED))
    for voice in voices:
        artifact_erase(voice, actor=user, when=now)
        voice.state, voice.revoked_at, voice.artifact = Voice.State.REVOKED, now, ""
        if voice.is_applied:
            voice.unapplied_at = now
        voice.save()
        audit_record(Event.VOICE_REVOKED, subject_user_id=voice.user_id, actor=user, data={"voice_id": voice.pk})
        _announce(voice, "revoked")
    for enrollment in Enrollment.objects.filter(user_id=user.pk).exclude(
            state__in=[Enrollment.State.REVOKED, Enrollment.State.FAILED]):
        enrollment_revoke(enrollment=enrollment)
    return [v.pk for v in voices]
