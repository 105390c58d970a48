"""The enrollment state machine: consented -> reading -> verified -> cloning -> ready -> applied, or revoked / failed.

States change here only. An enrollment becomes `verified` once enough readings were accepted (settings
ENROLLMENT_MIN_READINGS and ENROLLMENT_MIN_SPEECH_SECONDS) and they all sound like one person; the
`enrollment_verified` signal (sent after commit, with `enrollment_id`) is where voice cloning takes over.

"Record more" (voices.services.refine) takes a ready or applied enrollment back to `reading` for another round: the
round counts the readings accepted since the last verification (`reading_goal`), and once it has REFINE_MIN_READINGS
the enrollment is verified again and cloned anew from every accepted reading. A clone that fails in such a round
returns the enrollment to the voice it had (`applied` or `ready`) instead of failing it.
"""

from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.db.models import Sum
from django.dispatch import Signal
from django.utils import timezone

from ..app_settings import app_settings
from ..audit.log import audit_record
from ..models import Challenge, Enrollment, ReadingAttempt, Recording
from .verification import speakers_agree

State = Enrollment.State

enrollment_verified = Signal()  # kwargs: enrollment_id

TRANSITIONS = {
    State.CONSENTED: {State.READING, State.REVOKED, State.FAILED},
    State.READING: {State.VERIFIED, State.REVOKED, State.FAILED},
    State.VERIFIED: {State.CLONING, State.REVOKED, State.FAILED},
    # -> applied / ready: a refined version failed to clone, the voice the author had stays
    State.CLONING: {State.READY, State.APPLIED, State.REVOKED, State.FAILED},
    # -> reading: "record more"; -> applied: the author discarded a new version and keeps the one in use;
    # -> revoked: discarded to start over (a new enrollment takes its place)
    State.READY: {State.APPLIED, State.CLONING, State.READING, State.REVOKED, State.FAILED},
    State.APPLIED: {State.READY, State.CLONING, State.READING, State.REVOKED},
    State.REVOKED: set(),
    State.FAILED: set(),
}
ACTIVE_STATES = (State.CONSENTED, State.READING, State.VERIFIED, State.CLONING, State.READY, State.APPLIED)
READING_STATES = (State.CONSENTED, State.READING)


class InvalidTransition(Exception):
    pass


@transaction.atomic
def enrollment_start(*, user, consent) -> Enrollment:
    """The user's active enrollment, now under this consent; a new one when there is none."""
    enrollment = Enrollment.objects.filter(user=user, state__in=ACTIVE_STATES).order_by("-created_at").first()
    if enrollment is None:
        return Enrollment.objects.create(user=user, consent=consent)
    enrollment.consent = consent
    enrollment.save(update_fields=["consent"])
    return enrollment


@transaction.atomic
def enrollment_transition(*, enrollment: Enrollment, to: str, reason: str = "") -> Enrollment:
    """Move to state `to` if the state machine allows it (InvalidTransition otherwise)."""
    enrollment.refresh_from_db(fields=["state"])
    if to == enrollment.state:
        return enrollment
    if to not in TRANSITIONS[State(enrollment.state)]:
        raise InvalidTransition(f"An enrollment cannot go from {enrollment.state} to {to}.")
    now = timezone.now()
    audit_record("enrollment_state", subject_user_id=enrollment.user_id, data={
        "enrollment_id": enrollment.pk, "from": enrollment.state, "to": to, "reason": reason})
    enrollment.state = to
    enrollment.state_changed_at = now
    fields = ["state", "state_changed_at"]
    if to == State.VERIFIED:
        enrollment.verified_at = now
        fields.append("verified_at")
        transaction.on_commit(lambda: enrollment_verified.send(sender=Enrollment, enrollment_id=enrollment.pk))
    if to == State.FAILED:
        enrollment.failure_reason = reason
        fields.append("failure_reason")
    enrollment.save(update_fields=fields)
    return enrollment


def _totals(attempts) -> tuple[int, float]:
    return attempts.count(), float(attempts.aggregate(total=Sum("speech_seconds"))["total"] or 0.0)


def _accepted(enrollment: Enrollment):
    return ReadingAttempt.objects.filter(enrollment=enrollment, decision=ReadingAttempt.Decision.ACCEPTED)


def accepted_totals(enrollment: Enrollment) -> tuple[int, float]:
    """(accepted readings, seconds of speech in them)."""
    return _totals(_accepted(enrollment))


def accepted_embeddings(enrollment: Enrollment) -> list[np.ndarray]:
    recordings = Recording.objects.filter(
        attempts__enrollment=enrollment, attempts__decision=ReadingAttempt.Decision.ACCEPTED
    ).exclude(speaker_embedding=b"").distinct()
    return [np.frombuffer(bytes(r.speaker_embedding), dtype=np.float32) for r in recordings]


@dataclass(frozen=True)
class ReadingGoal:
    """Where the enrollment's reading stands. The first round counts every accepted reading toward
    ENROLLMENT_MIN_READINGS / ENROLLMENT_MIN_SPEECH_SECONDS; a "record more" round (`refining`) counts the readings
    accepted since the last verification toward REFINE_MIN_READINGS, raised when retention deleted the audio of
    older readings so that the readings cloning can still use meet the enrollment minimums. Same attributes and
    `as_dict()` keys as voices.selectors.Progress, plus the round."""

    readings: int
    readings_needed: int
    speech_seconds: float
    speech_seconds_needed: float
    round: int = 1
    refining: bool = False

    @property
    def complete(self) -> bool:
        return self.readings >= self.readings_needed and self.speech_seconds >= self.speech_seconds_needed

    @property
    def readings_remaining(self) -> int:
        return max(0, self.readings_needed - self.readings)

    def as_dict(self) -> dict:
        return {"readings": self.readings, "readings_needed": self.readings_needed,
                "speech_seconds": round(self.speech_seconds, 1),
                "speech_seconds_needed": round(self.speech_seconds_needed, 1), "complete": self.complete,
                "round": self.round, "refining": self.refining, "readings_remaining": self.readings_remaining}


def reading_goal(enrollment: Enrollment | None) -> ReadingGoal:
    min_readings = app_settings.ENROLLMENT_MIN_READINGS
    min_speech = float(app_settings.ENROLLMENT_MIN_SPEECH_SECONDS)
    if enrollment is None:
        return ReadingGoal(0, min_readings, 0.0, min_speech)
    accepted = _accepted(enrollment)
    rounds_done = enrollment.voices.count() if enrollment.verified_at is not None else 0
    if enrollment.verified_at is None or enrollment.state not in READING_STATES:
        readings, speech = _totals(accepted)
        return ReadingGoal(readings, min_readings, speech, min_speech, round=max(1, rounds_done))
    # A "record more" round: what was accepted since the last verification.
    readings, speech = _totals(accepted.filter(received_at__gt=enrollment.verified_at))
    kept, kept_speech = _totals(accepted.filter(received_at__lte=enrollment.verified_at)
                                .exclude(recording=None).exclude(recording__file=""))
    return ReadingGoal(readings, max(app_settings.REFINE_MIN_READINGS, min_readings - kept), speech,
                       max(0.0, min_speech - kept_speech), round=rounds_done + 1, refining=True)


@transaction.atomic
def enrollment_check_verified(*, enrollment: Enrollment) -> Enrollment:
    """After an accepted reading: verified when the round has enough readings and speech (`reading_goal`), and every
    accepted reading of the enrollment (earlier rounds included) sounds like one person."""
    if enrollment.state not in READING_STATES:
        return enrollment
    goal = reading_goal(enrollment)
    if not goal.complete:
        return enrollment
    if enrollment.state == State.CONSENTED:
        enrollment_transition(enrollment=enrollment, to=State.READING)
    readings, speech = accepted_totals(enrollment)
    same_speaker, scores = speakers_agree(accepted_embeddings(enrollment))
    decision = {"enrollment_id": enrollment.pk, "readings": readings, "speech_seconds": round(speech, 3),
                "speaker_similarities": scores, "min_readings": app_settings.ENROLLMENT_MIN_READINGS,
                "min_speech_seconds": app_settings.ENROLLMENT_MIN_SPEECH_SECONDS, "round": goal.round}
    if goal.refining:
        decision |= {"round_readings": goal.readings, "round_speech_seconds": round(goal.speech_seconds, 3),
                     "round_min_readings": goal.readings_needed}
    if not same_speaker:
        reason = f"The accepted readings do not sound like one person (similarities {scores})."
        audit_record("verification_decision", subject_user_id=enrollment.user_id,
                     data={**decision, "decision": "failed", "reason": reason})
        return enrollment_transition(enrollment=enrollment, to=State.FAILED, reason=reason)
    Challenge.objects.filter(enrollment=enrollment, closed_at__isnull=True).update(closed_at=timezone.now())
    audit_record("verification_decision", subject_user_id=enrollment.user_id,
                 data={**decision, "decision": "verified"})
    return enrollment_transition(enrollment=enrollment, to=State.VERIFIED)


@transaction.atomic
def enrollment_revoke(*, enrollment: Enrollment) -> Enrollment:
    """Withdraw consent: the enrollment is revoked, its challenges closed and its recordings deleted (the files
    after commit). The attempts stay, without audio, as the audit trail."""
    now = timezone.now()
    enrollment_transition(enrollment=enrollment, to=State.REVOKED)
    consent = enrollment.consent
    if consent.withdrawn_at is None:  # consent records are append-only: withdrawn_at is set once (voices.audit)
        consent.withdrawn_at = now
        consent.save(update_fields=["withdrawn_at"])
        audit_record("consent_withdrawn", subject_user_id=enrollment.user_id, actor=enrollment.user_id, data={
            "consent_id": consent.pk, "enrollment_id": enrollment.pk, "withdrawn_at": now})
    Challenge.objects.filter(enrollment=enrollment, closed_at__isnull=True).update(closed_at=now)
    recordings_erase(enrollment, list(Recording.objects.filter(enrollment=enrollment)), actor=enrollment.user_id,
                     reason="consent_withdrawn", delete_rows=True)
    return enrollment


def recordings_erase(enrollment: Enrollment, recordings: list, *, actor, reason: str, delete_rows: bool) -> None:
    """Erase recordings' audio files (after commit, so a rolled-back transaction erases nothing), and their rows too
    when `delete_rows` (otherwise the rows keep hash, fingerprint and metadata for replay checks and the audit).
    Audited with each recording's id, SHA-256, file and size."""
    if not recordings:
        return
    names = [(r.file.storage, r.file.name) for r in recordings if r.file.name]
    rows = Recording.objects.filter(pk__in=[r.pk for r in recordings])
    if delete_rows:
        rows.delete()
    else:
        rows.update(file="")
    audit_record("recordings_deleted", subject_user_id=enrollment.user_id, actor=actor, data={
        "enrollment_id": enrollment.pk, "reason": reason, "rows_deleted": delete_rows,
        "recordings": [{"id": r.pk, "sha256": r.sha256, "file": r.file.name, "size_bytes": r.size_bytes}
                       for r in recordings]})

    def delete_files():
        for storage, name in names:
            storage.delete(name)

    transaction.on_commit(delete_files)
